/* ingest_int.h - internals shared by the protocols of the ingest module:
 * handing a lap the assembler finished over to the caller's
 * ingest_lap_fn as a job carrying its session and car. Not part of the
 * public API. */
#ifndef TB_INGEST_INGEST_INT_H
#define TB_INGEST_INGEST_INT_H

#include "ingest.h"

/* Hand lap over to fn(ctx, job) as a job of session s and car c (both
 * copied into the job). The samples are moved out of lap, which is left
 * empty; the job is borrowed by fn for the call and released after it.
 * Counts the lap in *n_incomplete when it is flagged TB_LAP_INCOMPLETE,
 * in *n_laps otherwise. */
void ingest__hand_over(ingest_lap_fn fn, void *ctx,
		       const struct tb_session_info *s,
		       const struct tb_car_info *c, struct tb_lap *lap,
		       uint64_t *n_laps, uint64_t *n_incomplete);

#endif /* TB_INGEST_INGEST_INT_H */

/* ingest_int.c - what every protocol does with a finished lap: wrap it
 * into an ingest_lap_job with its session and car, count it and hand it
 * to the caller's callback. */
#include "ingest_int.h"

void ingest__hand_over(ingest_lap_fn fn, void *ctx,
		       const struct tb_session_info *s,
		       const struct tb_car_info *c, struct tb_lap *lap,
		       uint64_t *n_laps, uint64_t *n_incomplete)
{
	struct ingest_lap_job job;
	job.session = *s;
	job.car = *c;
	tb_lap_init(&job.lap);
	tb_lap_move(&job.lap, lap);
	if (job.lap.flags & TB_LAP_INCOMPLETE)
		(*n_incomplete)++;
	else
		(*n_laps)++;
	fn(ctx, &job);
	tb_lap_release(&job.lap);
}

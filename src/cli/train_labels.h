/* train_labels.h - labelled real laps for `trailbrake train --labels
 * FILE --db URL`. The file (CSV, docs/COACH.md) names corners of stored
 * laps against a stored reference lap and the mistake made there
 * (`none` for a clean corner) with its cost when known; each becomes a
 * training row with the coach's own features of that lap against that
 * reference (cli_coach_corners). Rows are split by driver (the lap's
 * driver name, a fixed seed), never by row: a quarter of the drivers
 * (at least one of two or more) are held out for the evaluation. */
#ifndef TB_CLI_TRAIN_LABELS_H
#define TB_CLI_TRAIN_LABELS_H

#include "../coach/coach.h"

#define TRAIN_LABELS_SEED	 7368787ull
#define TRAIN_LABELS_DRIVERS_MAX 256
#define TRAIN_LABELS_TRACK	 2000u	  /* split key of real rows */
#define TRAIN_LABELS_DRIVER_BASE 2000000u /* driver split keys */

struct train_labels {
	const char *path;
	struct coach_dataset train, held; /* owned */
	size_t n_laps, n_drivers, n_held_drivers;
	char driver[TRAIN_LABELS_DRIVERS_MAX][TB_NAME_MAX];
	bool held_out[TRAIN_LABELS_DRIVERS_MAX];
	/* rows per mistake (last: none), in training and held out */
	size_t count[2][COACH_MK__COUNT + 1];
};

/* Read path against the store db into out (release it with
 * train_labels_release, also after a failure). 0, or an exit code after
 * printing "trailbrake train: FILE:LINE: what". */
int train_labels_load(const char *path, const char *db,
		      struct train_labels *out);
void train_labels_release(struct train_labels *l);
/* The report's "labelled real laps" section (appended to rep): rows in
 * training and held out by driver, per-mistake counts, and the held-out
 * rows' detection metrics under m. 0 or an exit code. */
int train_labels_report(const struct train_labels *l,
			const struct coach_model *m, struct tb_buf *rep);

#endif /* TB_CLI_TRAIN_LABELS_H */

/* stage.h - the stage-run assembler for rally games (DiRT Rally 2.0, EA
 * SPORTS WRC): a stage has a start and a finish, not a line crossed lap
 * after lap, so a run is stored as a lap whose number is the run's
 * ordinal within the session and whose time is the game's stage clock at
 * the run's last sample. Used by codemasters.c and ea_wrc.c.
 *
 * Rules (decisions a consumer may rely on):
 * - A sample with a stage time <= 0 is "not running" (countdown, menus,
 *   the reset after the finish): it ends the run in progress and is not
 *   stored.
 * - A running sample whose stage time is below the previous one, or
 *   whose distance is more than STAGE_RESTART_JUMP_M behind it, is a
 *   restart: the run in progress ends and a new one starts with it.
 *   (Driving backwards after a spin lowers the distance a little and
 *   does not restart.)
 * - A run ends complete when its last sample reached the finish: the
 *   distance within max(STAGE_FINISH_TOL_M, 0.1 % of the length) of the
 *   stage length, or with no length known, progress >= 0.999. Its time
 *   is lrint(stage time * 1000) of that sample; sector 1 and 2 are the
 *   game's split durations when it sends them, sector 3 the remainder.
 *   Any other run is kept with TB_LAP_INCOMPLETE and no time.
 * - A sample at or past the stage length ends the run at once; samples
 *   after it that are not a restart (the car coasting past the line) are
 *   dropped (counted in post_finish), so no junk run starts.
 * - A run whose first sample is more than 1 s into the stage (joined
 *   late) is marked incomplete even when it reaches the finish.
 */
#ifndef TB_INGEST_STAGE_H
#define TB_INGEST_STAGE_H

#include "laps.h"

#define STAGE_RESTART_JUMP_M 100.0
#define STAGE_FINISH_TOL_M   5.0

/* The game's stage state that comes with one frame. */
struct stage_state {
	double time_s;	     /* stage clock, s; <= 0 not running */
	double dist_m;	     /* distance along the stage, m */
	double progress;     /* 0..1; < 0 unknown */
	double length_m;     /* stage length, m; <= 0 unknown */
	int32_t split_ms[2]; /* sector 1, sector 2 durations; <= 0 none */
};

struct stage_asm_stats {
	uint64_t frames; /* running samples stored */
	uint64_t idle;	 /* not-running samples */
	uint64_t runs_complete, runs_incomplete;
	uint64_t restarts;    /* a run replaced by a restart */
	uint64_t post_finish; /* samples after the finish, dropped */
	uint64_t discarded;   /* samples a run could not take */
};

struct stage_asm;

/* done/ctx are borrowed; done gets each finished run (laps.h rules). */
enum tb_status stage_asm_create(lap_done_fn done, void *ctx,
				struct stage_asm **out) TB_WUR;
void stage_asm_destroy(struct stage_asm *a);

/* Take one frame (it must have TB_CH_TIME) with its stage state.
 * TB_ERR_NOMEM / TB_ERR_LIMIT: the sample is dropped (counted). */
enum tb_status stage_asm_frame(struct stage_asm *a, const struct tb_frame *f,
			       const struct stage_state *s) TB_WUR;

/* End the run in progress now (stream stopped, session over): complete
 * if its last sample reached the finish. */
void stage_asm_end(struct stage_asm *a);

/* Start numbering runs from 1 again (a new session); ends the run in
 * progress first. */
void stage_asm_reset(struct stage_asm *a);

const struct stage_asm_stats *stage_asm_stats(const struct stage_asm *a);

/* Report every running sample taken to obs as car 0, the player's, with
 * the run's ordinal as lap number (laps.h lap_asm_observe). */
void stage_asm_observe(struct stage_asm *a, const struct lap_observer *obs,
		       const struct tb_session_info *session,
		       const struct tb_car_info *car);

#endif /* TB_INGEST_STAGE_H */

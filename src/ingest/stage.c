/* stage.c - rally stage runs as laps (rules in stage.h): restarts start a
 * new run, a run that reached the finish is timed by the game's stage
 * clock, anything else is kept marked incomplete. */
#include "stage.h"

#include <math.h>

#define START_SLACK_S 1.0

struct stage_asm {
	lap_done_fn done;
	void *ctx;
	bool running;  /* a run is in progress */
	bool finished; /* the last run ended at the line: drop the coast */
	bool saw_start;
	uint32_t ordinal;
	double last_time, last_dist, last_progress, length;
	int32_t s1, s2;
	double fin_time, fin_dist;
	struct stage_asm_stats st;
	struct tb_lap lap;
	struct lap_observer obs;
	const struct tb_session_info *obs_session;
	const struct tb_car_info *obs_car;
};

enum tb_status stage_asm_create(lap_done_fn done, void *ctx,
				struct stage_asm **out)
{
	*out = NULL;
	if (!done)
		return TB_ERR_ARG;
	struct stage_asm *a = tb_calloc(1, sizeof(*a));
	if (!a)
		return TB_ERR_NOMEM;
	a->done = done;
	a->ctx = ctx;
	tb_lap_init(&a->lap);
	*out = a;
	return TB_OK;
}

void stage_asm_destroy(struct stage_asm *a)
{
	if (!a)
		return;
	tb_lap_release(&a->lap);
	tb_free(a);
}

static bool reached_finish(const struct stage_asm *a)
{
	if (a->length > 0) {
		double tol = fmax(STAGE_FINISH_TOL_M, 0.001 * a->length);
		return a->last_dist >= a->length - tol;
	}
	return a->last_progress >= 0.999;
}

static void end_run(struct stage_asm *a)
{
	if (!a->running)
		return;
	a->running = false;
	struct tb_lap *lap = &a->lap;
	if (lap->n == 0)
		return;
	bool complete = reached_finish(a);
	if (a->s1 > 0)
		lap->sector_ms[0] = a->s1;
	if (a->s2 > 0)
		lap->sector_ms[1] = a->s2;
	if (complete) {
		/* the game's clock and splits are untrusted: sums in 64 bits,
		 * a clock past what a lap time holds stays unknown */
		double t_ms = a->last_time * 1000.0;
		int64_t ms = t_ms > 0 && t_ms < (double)INT32_MAX
				 ? (int64_t)lrint(t_ms)
				 : TB_TIME_UNKNOWN;
		int64_t s12 = (int64_t)a->s1 + a->s2;
		lap->lap_time_ms = (int32_t)ms;
		if (ms > 0 && a->s1 > 0 && a->s2 > 0 && ms > s12)
			lap->sector_ms[2] = (int32_t)(ms - s12);
		a->finished = true;
		a->fin_time = a->last_time;
		a->fin_dist = a->last_dist;
		a->st.runs_complete++;
	} else {
		lap->flags |= TB_LAP_INCOMPLETE;
		a->st.runs_incomplete++;
	}
	if (!a->saw_start)
		lap->flags |= TB_LAP_INCOMPLETE;
	a->done(a->ctx, lap);
	/* Whatever the callee did not move out is ours to free. */
	tb_lap_release(lap);
}

static void start_run(struct stage_asm *a, const struct stage_state *s)
{
	tb_lap_clear_samples(&a->lap);
	a->lap.car_index = 0;
	a->lap.lap_number = ++a->ordinal;
	a->lap.lap_time_ms = TB_TIME_UNKNOWN;
	for (int i = 0; i < 3; i++)
		a->lap.sector_ms[i] = TB_TIME_UNKNOWN;
	a->lap.flags = 0;
	a->s1 = a->s2 = 0;
	a->saw_start = s->time_s <= START_SLACK_S;
	a->running = true;
	a->finished = false;
}

/* Is s a new run compared with (time, dist) seen before it? */
static bool goes_back(const struct stage_state *s, double time, double dist)
{
	return s->time_s < time || s->dist_m < dist - STAGE_RESTART_JUMP_M;
}

enum tb_status stage_asm_frame(struct stage_asm *a, const struct tb_frame *f,
			       const struct stage_state *s)
{
	if (!tb_frame_has(f, TB_CH_TIME))
		return TB_ERR_ARG;
	if (!(s->time_s > 0)) { /* also NaN */
		end_run(a);
		a->st.idle++;
		return TB_OK;
	}
	if (a->running) {
		if (goes_back(s, a->last_time, a->last_dist)) {
			if (!reached_finish(a))
				a->st.restarts++;
			end_run(a);
			start_run(a, s);
		}
	} else if (a->finished && !goes_back(s, a->fin_time, a->fin_dist)) {
		a->st.post_finish++;
		return TB_OK;
	} else {
		start_run(a, s);
	}
	a->last_time = s->time_s;
	a->last_dist = s->dist_m;
	a->last_progress = s->progress;
	if (s->length_m > 0)
		a->length = s->length_m;
	if (s->split_ms[0] > 0)
		a->s1 = s->split_ms[0];
	if (s->split_ms[1] > 0)
		a->s2 = s->split_ms[1];
	if (a->obs.fn) {
		struct lap_live lv = {.car = 0,
				      .lap_num = a->ordinal,
				      .player = true,
				      .frame = f,
				      .session = a->obs_session,
				      .car_info = a->obs_car};
		a->obs.fn(a->obs.ctx, &lv);
	}
	enum tb_status st = tb_lap_push(&a->lap, f);
	if (st != TB_OK) {
		a->st.discarded++;
		return st;
	}
	a->st.frames++;
	if (a->length > 0 && s->dist_m >= a->length)
		end_run(a);
	return TB_OK;
}

void stage_asm_end(struct stage_asm *a)
{
	end_run(a);
}

void stage_asm_reset(struct stage_asm *a)
{
	end_run(a);
	tb_lap_clear_samples(&a->lap);
	a->ordinal = 0;
	a->finished = false;
	a->length = 0;
	a->last_time = a->last_dist = 0;
	a->last_progress = -1;
}

const struct stage_asm_stats *stage_asm_stats(const struct stage_asm *a)
{
	return &a->st;
}

void stage_asm_observe(struct stage_asm *a, const struct lap_observer *obs,
		       const struct tb_session_info *session,
		       const struct tb_car_info *car)
{
	a->obs.fn = obs ? obs->fn : NULL;
	a->obs.ctx = obs ? obs->ctx : NULL;
	a->obs_session = session;
	a->obs_car = car;
}

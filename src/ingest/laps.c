/* laps.c - per-car lap assembly from frames plus the source's lap state.
 * A lap ends when the game's lap counter moves on; its time and sector
 * times are the game's. A session time going back truncates the lap in
 * progress to the rewind point; a rewind into a lap already handed over
 * discards samples until the next lap starts, so a stored lap is never
 * replaced by a partial one. */
#include "laps.h"

struct car_state {
	bool active;
	bool saw_start; /* the lap's first sample is at its start */
	bool skipping;	/* rewound into a handed-over lap */
	uint32_t skip_lap;
	int32_t s1, s2;
	double last_t;
	double traffic_s; /* time of this lap spent in traffic */
	struct tb_lap lap;
};

struct lap_asm {
	unsigned n_cars;
	lap_done_fn done;
	void *ctx;
	struct lap_asm_stats stats;
	struct lap_observer obs;
	const struct tb_session_info *obs_session;
	const struct tb_car_info *obs_cars;
	unsigned player;
	struct car_state cars[];
};

/* A lap whose first sample is less than this far into it counts as
 * started at the line (a 20 Hz source's first sample may be 50 ms in). */
#define START_SLACK_MS 1000

enum tb_status lap_asm_create(unsigned n_cars, lap_done_fn done, void *ctx,
			      struct lap_asm **out)
{
	*out = NULL;
	if (n_cars == 0 || n_cars > 256 || !done)
		return TB_ERR_ARG;
	struct lap_asm *a =
		tb_calloc(1, sizeof(*a) + n_cars * sizeof(a->cars[0]));
	if (!a)
		return TB_ERR_NOMEM;
	a->n_cars = n_cars;
	a->done = done;
	a->ctx = ctx;
	for (unsigned i = 0; i < n_cars; i++)
		tb_lap_init(&a->cars[i].lap);
	*out = a;
	return TB_OK;
}

void lap_asm_destroy(struct lap_asm *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < a->n_cars; i++)
		tb_lap_release(&a->cars[i].lap);
	tb_free(a);
}

static void start_lap(struct car_state *c, unsigned car,
		      const struct lap_state *ls, bool from_line)
{
	tb_lap_clear_samples(&c->lap);
	c->lap.car_index = (uint8_t)car;
	c->lap.lap_number = ls->lap_num;
	c->lap.lap_time_ms = TB_TIME_UNKNOWN;
	for (int i = 0; i < 3; i++)
		c->lap.sector_ms[i] = TB_TIME_UNKNOWN;
	c->lap.flags = 0;
	c->s1 = c->s2 = 0;
	c->traffic_s = 0;
	c->saw_start = from_line || (ls->cur_lap_ms >= 0 &&
				     ls->cur_lap_ms <= START_SLACK_MS);
	c->skipping = false;
	c->active = true;
}

/* A lap that never got past the start line (a grid or pit-exit stub
 * whose lap distance is still negative at its end) covers no lap. */
static bool ended_before_line(const struct tb_lap *lap)
{
	const double *d = lap->col[TB_CH_LAP_DIST];
	return d && (lap->mask[lap->n - 1] & TB_CHBIT(TB_CH_LAP_DIST)) &&
	       d[lap->n - 1] < 0;
}

/* Time in traffic that flags a lap: TRAFFIC_MIN_S, or TRAFFIC_MIN_FRAC of
 * the lap's duration when that is shorter (laps.h). */
static double traffic_min_s(const struct tb_lap *lap)
{
	const double *tc = lap->col[TB_CH_TIME];
	double frac = tc ? TRAFFIC_MIN_FRAC * (tc[lap->n - 1] - tc[0]) : 0;
	return frac > 0 && frac < TRAFFIC_MIN_S ? frac : TRAFFIC_MIN_S;
}

/* Hand the lap in progress over. timed: the counter moved on and
 * last_lap_ms is this lap's game time. */
static void finish_lap(struct lap_asm *a, struct car_state *c, bool timed,
		       int32_t last_lap_ms)
{
	struct tb_lap *lap = &c->lap;
	if (lap->n == 0)
		return;
	if (timed && last_lap_ms > 0) {
		lap->lap_time_ms = last_lap_ms;
		if (c->s1 > 0)
			lap->sector_ms[0] = c->s1;
		if (c->s2 > 0)
			lap->sector_ms[1] = c->s2;
		int64_t s12 = (int64_t)c->s1 + c->s2; /* untrusted: 64 bits */
		if (c->s1 > 0 && c->s2 > 0 && last_lap_ms > s12)
			lap->sector_ms[2] = (int32_t)(last_lap_ms - s12);
		a->stats.laps_complete++;
	} else {
		a->stats.laps_incomplete++;
	}
	if (!timed || !c->saw_start || ended_before_line(lap))
		lap->flags |= TB_LAP_INCOMPLETE;
	if (c->traffic_s > 0 && c->traffic_s >= traffic_min_s(lap))
		lap->flags |= TB_LAP_TRAFFIC;
	a->done(a->ctx, lap);
	/* Whatever the callee did not move out is ours to free. */
	uint8_t car = lap->car_index;
	tb_lap_release(lap);
	lap->car_index = car;
}

/* Index of the first sample at or after time t (times are ascending). */
static size_t first_at_or_after(const struct tb_lap *lap, double t)
{
	const double *tc = lap->col[TB_CH_TIME];
	size_t lo = 0, hi = lap->n;
	if (!tc)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tc[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void rewind_to(struct lap_asm *a, struct car_state *c, double t,
		      const struct lap_state *ls)
{
	a->stats.rewinds++;
	size_t keep = first_at_or_after(&c->lap, t);
	bool same_lap = ls->lap_num == 0 || ls->lap_num == c->lap.lap_number;
	if (same_lap && !c->skipping) {
		a->stats.discarded += c->lap.n - keep;
		tb_lap_truncate(&c->lap, keep);
		c->lap.flags |= TB_LAP_FLASHBACK;
		return;
	}
	if (ls->lap_num < c->lap.lap_number || c->skipping) {
		/* Back into a lap already handed over: drop what we have and
		 * wait for the next lap to start at the line. */
		a->stats.discarded += c->lap.n;
		tb_lap_clear_samples(&c->lap);
		c->skipping = true;
		c->skip_lap = ls->lap_num;
	}
}

static void note_state(struct car_state *c, const struct lap_state *ls)
{
	if (ls->sector_ms[0] > 0)
		c->s1 = ls->sector_ms[0];
	if (ls->sector_ms[1] > 0)
		c->s2 = ls->sector_ms[1];
	if (ls->invalid)
		c->lap.flags |= ls->cut ? TB_LAP_CUT : TB_LAP_INVALID_GAME;
	if (ls->in_pit)
		c->lap.flags |= TB_LAP_PIT;
	if (ls->out_lap)
		c->lap.flags |= TB_LAP_OUT;
	if (ls->in_lap)
		c->lap.flags |= TB_LAP_IN;
}

enum tb_status lap_asm_frame(struct lap_asm *a, unsigned car,
			     const struct tb_frame *f,
			     const struct lap_state *ls)
{
	if (car >= a->n_cars)
		return TB_ERR_RANGE;
	if (!tb_frame_has(f, TB_CH_TIME))
		return TB_ERR_ARG;
	struct car_state *c = &a->cars[car];
	double t = f->v[TB_CH_TIME];
	double prev_t = c->last_t;
	a->stats.frames++;
	if (a->obs.fn) {
		struct lap_live lv = {
		    .car = car,
		    .lap_num = ls->lap_num,
		    .player = car == a->player,
		    .frame = f,
		    .session = a->obs_session,
		    .car_info = a->obs_cars ? &a->obs_cars[car] : NULL};
		a->obs.fn(a->obs.ctx, &lv);
	}

	if (!c->active) {
		start_lap(c, car, ls, false);
	} else if (t < c->last_t) {
		rewind_to(a, c, t, ls);
	}
	c->last_t = t;

	if (c->skipping) {
		if (ls->lap_num <= c->skip_lap) {
			a->stats.discarded++;
			return TB_OK;
		}
		start_lap(c, car, ls, true);
	} else if (ls->lap_num != 0 && ls->lap_num != c->lap.lap_number) {
		bool forward = ls->lap_num > c->lap.lap_number &&
			       c->lap.lap_number != 0;
		finish_lap(a, c, forward, ls->last_lap_ms);
		start_lap(c, car, ls, forward);
	}

	note_state(c, ls);
	if (ls->traffic && c->lap.n > 0 && t > prev_t)
		c->traffic_s += t - prev_t < TRAFFIC_MAX_DT_S ? t - prev_t
							      : TRAFFIC_MAX_DT_S;
	enum tb_status st = tb_lap_push(&c->lap, f);
	if (st != TB_OK)
		a->stats.discarded++;
	return st;
}

void lap_asm_flush(struct lap_asm *a)
{
	for (unsigned i = 0; i < a->n_cars; i++) {
		struct car_state *c = &a->cars[i];
		if (c->active && !c->skipping)
			finish_lap(a, c, false, 0);
		tb_lap_clear_samples(&c->lap);
		c->active = false;
		c->skipping = false;
	}
}

const struct lap_asm_stats *lap_asm_stats(const struct lap_asm *a)
{
	return &a->stats;
}

void lap_asm_observe(struct lap_asm *a, const struct lap_observer *obs,
		     const struct tb_session_info *session,
		     const struct tb_car_info *cars)
{
	a->obs.fn = obs ? obs->fn : NULL;
	a->obs.ctx = obs ? obs->ctx : NULL;
	a->obs_session = session;
	a->obs_cars = cars;
}

void lap_asm_set_player(struct lap_asm *a, unsigned car)
{
	a->player = car;
}

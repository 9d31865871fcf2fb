/* gen.c - scenario generator: N cars drive an out lap, K timed laps and
 * the start of an in lap round a built-in circuit, emitted as the decoded
 * F1 packets a game sends, frame by frame. Every value is a pure function
 * of (car, game frame), so a flashback is a jump of the frame counter and
 * two runs of one config are identical. Lap and sector times are exact
 * integers of ms and the kinematics reach each sector line at its time. */
#include "gen_int.h"

#include <math.h>

/* ------------------------------------------------------------------ */
/* Deterministic noise: splitmix64's finaliser over mixed keys. */

static uint64_t gen_mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static uint64_t gen_hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	return gen_mix(seed ^ gen_mix(a ^ gen_mix(b ^ gen_mix(c))));
}

/* Uniform in [-1, 1). */
static double gen_unoise(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	return (double)(gen_hash(seed, a, b, c) >> 11) * 0x1p-52 - 1.0;
}

/* Smooth noise in [-1, 1]: value noise over whole seconds. */
double gen__snoise(const struct gen *g, unsigned car, unsigned ch, double t)
{
	double fl = floor(t);
	double fr = t - fl;
	uint64_t i = (uint64_t)(int64_t)fl;
	double a = gen_unoise(g->cfg.seed, car, ch, i);
	double b = gen_unoise(g->cfg.seed, car, ch, i + 1);
	return a + (b - a) * fr * fr * (3.0 - 2.0 * fr);
}

void gen_config_default(struct gen_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->n_cars = 4;
	cfg->n_laps = 3;
	cfg->rate_hz = 60;
	cfg->format = 2025;
	cfg->session_uid = 0x7B0C5EEDull;
	cfg->seed = 1;
	cfg->base_lap_ms = 0;
	cfg->flashback_at_s = 0.0;
	cfg->flashback_back_s = 0.0;
	cfg->cut_car = -1;
	cfg->cut_lap = -1;
}

/* ------------------------------------------------------------------ */
/* The schedule: lap and sector times, segments, truth. */

static struct gen_seg *gen_seg_of(const struct gen *g, unsigned car, unsigned i)
{
	return &g->seg[(size_t)car * g->n_seg + i];
}

struct gen_lap *gen__lap_of(const struct gen *g, unsigned car, unsigned lap)
{
	return &g->lap[(size_t)car * g->n_laps + (lap - 1)];
}

/* True if t_ms falls exactly on a frame (t_ms * rate / 1000 integral):
 * such times are nudged so a lap time cannot be counted in frames. */
static bool gen_on_frame(const struct gen *g, int64_t t_ms)
{
	return (t_ms * (int64_t)g->cfg.rate_hz) % 1000 == 0;
}

static int32_t gen_off_frame(const struct gen *g, int32_t ms)
{
	while (gen_on_frame(g, ms))
		ms++;
	return ms;
}

/* First frame at or after t_ms. */
static uint32_t gen_frame_at(const struct gen *g, int64_t t_ms)
{
	int64_t num = t_ms * (int64_t)g->cfg.rate_hz;
	return (uint32_t)((num + 999) / 1000);
}

static bool gen_cut_enabled(const struct gen_config *c)
{
	return c->cut_car >= 0 && c->cut_lap > 0;
}

static bool gen_is_cut(const struct gen *g, unsigned car, unsigned lap)
{
	return gen_cut_enabled(&g->cfg) && (unsigned)g->cfg.cut_car == car &&
	       (unsigned)g->cfg.cut_lap == lap;
}

/* Sector split of a lap of lap_ms by the shape, with a little noise. */
static void gen_split(const struct gen *g, int32_t lap_ms, double noise1,
		      double noise2, int32_t sec[3])
{
	const struct gen_node *nd = g->node;
	double f1 = nd[GEN_B1].tau / g->tau_total;
	double f2 = (nd[GEN_B2].tau - nd[GEN_B1].tau) / g->tau_total;
	sec[0] = gen_off_frame(g, (int32_t)llround(lap_ms * f1 * (1 + noise1)));
	sec[1] = gen_off_frame(g, (int32_t)llround(lap_ms * f2 * (1 + noise2)));
	while (gen_on_frame(g, lap_ms - sec[0] - sec[1]))
		sec[1] = gen_off_frame(g, sec[1] + 1);
	sec[2] = lap_ms - sec[0] - sec[1];
}

static int32_t gen_lap_ms(const struct gen *g, unsigned car, unsigned lap)
{
	uint64_t h = gen_hash(g->cfg.seed, car, lap, 0x1A9);
	unsigned k = lap - 2 < 5 ? lap - 2 : 5;
	int64_t ms = (int64_t)g->cfg.base_lap_ms + 173 * (int64_t)car +
		     (int64_t)(h % 1301) - 60 * (int64_t)k;
	return gen_off_frame(g, (int32_t)ms);
}

/* Timed laps 2..K+1 and the out lap of one car; returns the time the car
 * crosses the line after its last timed lap. */
static int64_t gen_plan_car(struct gen *g, unsigned car)
{
	const struct gen_node *nd = g->node;
	const unsigned K = g->cfg.n_laps;
	/* out lap: start d metres before the line, staggered */
	uint64_t h = gen_hash(g->cfg.seed, car, 0, 0x0D7);
	unsigned d = 120u + 97u * car + (unsigned)(h % 13);
	struct gen_seg *o = gen_seg_of(g, car, 0);
	o->t0_ms = 0;
	o->tau0 = nd[GEN_N - d].tau;
	o->dtau = g->tau_total - o->tau0;
	int64_t t = 0;
	for (unsigned lap = 2; lap <= K + 1; lap++) {
		struct gen_lap *L = gen__lap_of(g, car, lap);
		int32_t ms = gen_lap_ms(g, car, lap);
		double n1 = 0.004 * gen_unoise(g->cfg.seed, car, lap, 1);
		double n2 = 0.004 * gen_unoise(g->cfg.seed, car, lap, 2);
		gen_split(g, ms, n1, n2, L->sec_ms);
		L->truth.lap_ms = ms;
		memcpy(L->truth.sector_ms, L->sec_ms, sizeof(L->sec_ms));
		L->truth.complete = true;
		L->truth.flags = gen_is_cut(g, car, lap) ? TB_LAP_CUT : 0;
		if (lap == 2) {
			/* out lap pace: a fraction of the first sector's */
			double r1 = (nd[GEN_B1].tau) / (L->sec_ms[0] / 1e3);
			double s = o->dtau / (GEN_OUT_PACE * r1);
			int32_t oms = (int32_t)llround(s * 1e3);
			o->dur_ms = gen_off_frame(g, oms > 500 ? oms : 500);
			t = o->dur_ms;
		}
		L->t0_ms = t;
		t += ms;
	}
	return t;
}

/* The out lap's truth, and the in lap (never completed). */
static void gen_plan_ends(struct gen *g, unsigned car, int64_t finish,
			  int64_t end_ms)
{
	const unsigned K = g->cfg.n_laps;
	struct gen_lap *out = gen__lap_of(g, car, 1);
	out->t0_ms = 0;
	out->truth.lap_ms = gen_seg_of(g, car, 0)->dur_ms;
	for (int i = 0; i < 3; i++) {
		out->truth.sector_ms[i] = TB_TIME_UNKNOWN;
		out->sec_ms[i] = 0;
	}
	out->truth.flags = TB_LAP_OUT | TB_LAP_INCOMPLETE;
	out->truth.complete = false;

	struct gen_lap *in = gen__lap_of(g, car, K + 2);
	int64_t slow = llround(g->tau_total * 1e3 / GEN_IN_PACE);
	int64_t need = end_ms - finish + 20000;
	int32_t ms = (int32_t)(slow > need ? slow : need);
	in->t0_ms = finish;
	gen_split(g, gen_off_frame(g, ms), 0.0, 0.0, in->sec_ms);
	in->truth.lap_ms = TB_TIME_UNKNOWN;
	int64_t t = finish;
	for (int i = 0; i < 3; i++) {
		t += in->sec_ms[i];
		/* a sector time is known if its line is crossed in the
		 * stream: the frame at or after the line is emitted */
		bool seen = gen_frame_at(g, t) <= g->last_frame;
		in->truth.sector_ms[i] =
		    seen && i < 2 ? in->sec_ms[i] : TB_TIME_UNKNOWN;
	}
	in->truth.flags = TB_LAP_IN | TB_LAP_INCOMPLETE;
	in->truth.complete = false;
}

/* Segments from the laps, with continuous pace at every boundary. */
static void gen_plan_segments(struct gen *g, unsigned car)
{
	const struct gen_node *nd = g->node;
	const unsigned bound[4] = {0, GEN_B1, GEN_B2, GEN_N};
	for (unsigned lap = 2; lap <= g->cfg.n_laps + 2; lap++) {
		const struct gen_lap *L = gen__lap_of(g, car, lap);
		int64_t t = L->t0_ms;
		for (unsigned k = 0; k < 3; k++) {
			struct gen_seg *s =
			    gen_seg_of(g, car, 1 + (lap - 2) * 3 + k);
			s->t0_ms = t;
			s->dur_ms = L->sec_ms[k];
			s->tau0 = nd[bound[k]].tau;
			s->dtau = nd[bound[k + 1]].tau - s->tau0;
			t += s->dur_ms;
		}
	}
	/* the pace at a boundary: the mean of both sides between timed
	 * sectors; the timed lap's own pace after the out lap (which ramps
	 * up linearly into it); the last timed sector's pace into the in
	 * lap (which then slows down) */
	const unsigned in_seg = 1 + 3 * g->cfg.n_laps;
	for (unsigned i = 1; i < g->n_seg; i++) {
		struct gen_seg *p = gen_seg_of(g, car, i - 1);
		struct gen_seg *s = gen_seg_of(g, car, i);
		double rp = p->dtau / (p->dur_ms / 1e3);
		double r = s->dtau / (s->dur_ms / 1e3);
		double b = 0.5 * (rp + r);
		if (i == 1)
			b = r;
		else if (i == in_seg)
			b = rp;
		p->l1 = b;
		s->l0 = b;
	}
	struct gen_seg *o = gen_seg_of(g, car, 0);
	struct gen_seg *e = gen_seg_of(g, car, g->n_seg - 1);
	o->l0 = 2.0 * o->dtau / (o->dur_ms / 1e3) - o->l1;
	e->l1 = e->dtau / (e->dur_ms / 1e3);
}

/* End of a car's timed lap, ms. */
static int64_t gen_lap_end(const struct gen *g, unsigned car, unsigned lap)
{
	const struct gen_lap *L = gen__lap_of(g, car, lap);
	return L->t0_ms + L->truth.lap_ms;
}

/* Fastest-so-far flags: timed laps in completion order (lowest car first
 * on a tie); a cut lap is never a record. */
static void gen_plan_ftlp(struct gen *g)
{
	const unsigned last = g->cfg.n_laps + 1;
	int32_t best = INT32_MAX;
	int64_t done = -1;
	for (;;) {
		int64_t next = INT64_MAX; /* next completion after `done` */
		for (unsigned c = 0; c < g->cfg.n_cars; c++) {
			for (unsigned lap = 2; lap <= last; lap++) {
				int64_t e = gen_lap_end(g, c, lap);
				if (e > done && e < next)
					next = e;
			}
		}
		if (next == INT64_MAX)
			break;
		for (unsigned c = 0; c < g->cfg.n_cars; c++) {
			for (unsigned lap = 2; lap <= last; lap++) {
				struct gen_lap *L = gen__lap_of(g, c, lap);
				if (gen_lap_end(g, c, lap) != next ||
				    (L->truth.flags & TB_LAP_CUT) ||
				    L->truth.lap_ms >= best)
					continue;
				best = L->truth.lap_ms;
				L->ftlp = true;
			}
		}
		done = next;
	}
}

/* Laps with frames in [fb_to, fb_at] were rewound into. */
static void gen_plan_flashback(struct gen *g)
{
	int64_t r = g->cfg.rate_hz;
	for (unsigned c = 0; c < g->cfg.n_cars; c++)
		for (unsigned lap = 1; lap <= g->n_laps; lap++) {
			struct gen_lap *L = gen__lap_of(g, c, lap);
			int64_t a = L->t0_ms * r; /* in ms * rate */
			int64_t b = lap < g->n_laps
					? gen__lap_of(g, c, lap + 1)->t0_ms * r
					: INT64_MAX;
			int64_t lo = (int64_t)g->fb_to * 1000;
			int64_t hi = (int64_t)g->fb_at * 1000;
			if (a <= hi && b > lo)
				L->truth.flags |= TB_LAP_FLASHBACK;
		}
}

static enum tb_status gen_check(const struct gen_config *c,
				struct tb_error *err)
{
	if (c->n_cars < 1 || c->n_cars > F1_CARS)
		return tb_fail(err, TB_ERR_ARG, "n_cars %u not in 1..%u",
			       c->n_cars, (unsigned)F1_CARS);
	if (c->n_laps < 1 || c->n_laps > GEN_MAX_LAPS)
		return tb_fail(err, TB_ERR_ARG, "n_laps %u not in 1..%u",
			       c->n_laps, GEN_MAX_LAPS);
	if (c->rate_hz < 10 || c->rate_hz > 120 || c->rate_hz % 2)
		return tb_fail(err, TB_ERR_ARG,
			       "rate_hz %u: an even rate in 10..120",
			       c->rate_hz);
	if (c->format < 2022 || c->format > 2025)
		return tb_fail(err, TB_ERR_FORMAT,
			       "format %u not in 2022..2025",
			       (unsigned)c->format);
	if (c->base_lap_ms > GEN_MAX_LAP_MS)
		return tb_fail(err, TB_ERR_ARG, "base_lap_ms %u above %u",
			       c->base_lap_ms, GEN_MAX_LAP_MS);
	if (gen_cut_enabled(c) &&
	    ((unsigned)c->cut_car >= c->n_cars || c->cut_lap < 2 ||
	     (unsigned)c->cut_lap > c->n_laps + 1))
		return tb_fail(err, TB_ERR_ARG,
			       "cut car %d lap %d: needs a car < %u and a "
			       "timed lap 2..%u",
			       c->cut_car, c->cut_lap, c->n_cars,
			       c->n_laps + 1);
	if (c->flashback_at_s < 0.0 || c->flashback_back_s < 0.0 ||
	    (c->flashback_at_s > 0.0 &&
	     (c->flashback_back_s <= 0.0 ||
	      c->flashback_back_s > c->flashback_at_s)))
		return tb_fail(err, TB_ERR_ARG,
			       "flashback at %.3f s back %.3f s: needs "
			       "0 < back <= at",
			       c->flashback_at_s, c->flashback_back_s);
	return TB_OK;
}

static enum tb_status gen_plan(struct gen *g, struct tb_error *err)
{
	const struct gen_config *c = &g->cfg;
	double min_ms = g->tau_total * 1e3 * 0.97;
	if (c->base_lap_ms < min_ms)
		return tb_fail(err, TB_ERR_ARG,
			       "base_lap_ms %u faster than the circuit allows "
			       "(%.0f)",
			       c->base_lap_ms, min_ms);
	int64_t finish[F1_CARS];
	int64_t end_ms = 0;
	for (unsigned car = 0; car < c->n_cars; car++) {
		finish[car] = gen_plan_car(g, car);
		if (finish[car] > end_ms)
			end_ms = finish[car];
	}
	end_ms += GEN_IN_LAP_MS;
	g->last_frame = gen_frame_at(g, end_ms);
	for (unsigned car = 0; car < c->n_cars; car++) {
		gen_plan_ends(g, car, finish[car], end_ms);
		gen_plan_segments(g, car);
	}
	gen_plan_ftlp(g);
	if (c->flashback_at_s > 0.0) {
		double r = c->rate_hz;
		g->fb_at = (uint32_t)llround(c->flashback_at_s * r);
		uint32_t back = (uint32_t)llround(c->flashback_back_s * r);
		if (g->fb_at >= g->last_frame || back < 1 || back > g->fb_at)
			return tb_fail(err, TB_ERR_ARG,
				       "flashback at %.3f s back %.3f s: the "
				       "stream lasts %.3f s",
				       c->flashback_at_s, c->flashback_back_s,
				       g->last_frame / r);
		g->fb_to = g->fb_at - back;
		g->has_flashback = true;
		gen_plan_flashback(g);
	}
	return TB_OK;
}

enum tb_status gen_create(const struct gen_config *cfg, struct gen **out,
			  struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "gen_create: out is NULL");
	*out = NULL;
	if (!cfg)
		return tb_fail(err, TB_ERR_ARG, "gen_create: cfg is NULL");
	enum tb_status st = gen_check(cfg, err);
	if (st != TB_OK)
		return st;
	struct gen *g = tb_calloc(1, sizeof(*g));
	if (!g)
		return tb_fail(err, TB_ERR_NOMEM, "generator state");
	g->cfg = *cfg;
	if (!g->cfg.base_lap_ms)
		g->cfg.base_lap_ms = GEN_DEFAULT_LAP_MS;
	g->n_laps = cfg->n_laps + 2;
	g->n_seg = 1 + 3 * (cfg->n_laps + 1);
	g->seg = tb_calloc((size_t)cfg->n_cars * g->n_seg, sizeof(*g->seg));
	g->lap = tb_calloc((size_t)cfg->n_cars * g->n_laps, sizeof(*g->lap));
	if (!g->seg || !g->lap) {
		st = tb_fail(err, TB_ERR_NOMEM, "generator schedule");
		goto fail;
	}
	st = gen__track_build(g);
	if (st != TB_OK) {
		st = tb_fail(err, st, "circuit table of %u nodes", GEN_N);
		goto fail;
	}
	st = gen_plan(g, err);
	if (st != TB_OK)
		goto fail;
	g->slot = SL_SSTA;
	*out = g;
	return TB_OK;
fail:
	gen_destroy(g);
	return st;
}

void gen_destroy(struct gen *g)
{
	if (!g)
		return;
	tb_free(g->node);
	tb_free(g->seg);
	tb_free(g->lap);
	tb_free(g);
}

enum tb_status gen_lap_truth(const struct gen *g, unsigned car, unsigned lap,
			     struct gen_lap_truth *out)
{
	if (!g || !out)
		return TB_ERR_ARG;
	if (car >= g->cfg.n_cars || lap < 1 || lap > g->n_laps)
		return TB_ERR_NOTFOUND;
	*out = gen__lap_of(g, car, lap)->truth;
	return TB_OK;
}

double gen_duration_s(const struct gen *g)
{
	return (double)g->last_frame / g->cfg.rate_hz;
}

/* ------------------------------------------------------------------ */
/* State of every car at a game frame. */

static void gen_car_state(const struct gen *g, unsigned car, uint32_t f,
			  struct gen_now *n)
{
	const int64_t rate = g->cfg.rate_hz;
	const int64_t num = (int64_t)f * 1000; /* frame time, ms * rate */
	unsigned lo = 0, hi = g->n_seg;	       /* seg[lo].t0 <= now */
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (gen_seg_of(g, car, mid)->t0_ms * rate <= num)
			lo = mid;
		else
			hi = mid;
	}
	const struct gen_seg *s = gen_seg_of(g, car, lo);
	double T = s->dur_ms / 1e3;
	double u = (double)(num - s->t0_ms * rate) / ((double)s->dur_ms * rate);
	double r = s->dtau / T, m = 0.5 * (s->l0 + s->l1);
	double c6 = 6.0 * (r - m);
	double tau = s->tau0 + T * (s->l0 * u + (s->l1 - s->l0) * u * u / 2 +
				    c6 * (u * u / 2 - u * u * u / 3));
	double lam = s->l0 + (s->l1 - s->l0) * u + c6 * u * (1 - u);
	double dlam = ((s->l1 - s->l0) + c6 * (1 - 2 * u)) / T;
	struct gen_node p;
	n->s = gen__s_of_tau(g, tau);
	gen__track_at(g, n->s, &p);
	n->lam = lam;
	n->v = lam * p.w;
	n->a = dlam * p.w + lam * lam * p.acc;
	n->k = p.k;
	n->x = p.x;
	n->z = p.z;
	n->tx = p.tx;
	n->tz = p.tz;
	n->heat = p.heat * lam * lam;
	n->ers = p.ers;
	n->lap = lo == 0 ? 1 : 2 + (lo - 1) / 3;
	n->sector = lo == 0 ? 0 : (lo - 1) % 3;
	const struct gen_lap *L = gen__lap_of(g, car, n->lap);
	n->el = num - L->t0_ms * rate;
	if (n->lap == 1) {
		n->lap_dist = n->s - GEN_TRACK_LEN;
		n->total = n->lap_dist;
	} else {
		n->lap_dist = n->s;
		n->total = (n->lap - 2) * GEN_TRACK_LEN + n->s;
	}
	n->invalid = false;
	n->warnings = 0;
	if (gen_cut_enabled(&g->cfg) && (unsigned)g->cfg.cut_car == car) {
		unsigned cl = (unsigned)g->cfg.cut_lap;
		const struct gen_lap *C = gen__lap_of(g, car, cl);
		n->invalid = n->lap == cl &&
			     2 * n->el >= (int64_t)C->truth.lap_ms * rate;
		if (n->invalid || n->lap > cl)
			n->warnings = 1;
	}
}

/* Events of the current frame: lap records in the order they were set
 * (records only get faster, so slowest first), then a flashback. */
static void gen_frame_events(struct gen *g)
{
	g->n_ev = 0;
	g->ev_i = 0;
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		const struct gen_now *n = &g->now[c];
		if (n->lap < 3)
			continue;
		const struct gen_lap *L = gen__lap_of(g, c, n->lap - 1);
		if (!L->ftlp ||
		    gen_frame_at(g, L->t0_ms + L->truth.lap_ms) != g->frame)
			continue;
		float t = (float)(L->truth.lap_ms / 1e3);
		unsigned j = g->n_ev++;
		while (j > 0 && g->ev[j - 1].lap_time_s < t) {
			g->ev[j] = g->ev[j - 1];
			j--;
		}
		struct f1_event *e = &g->ev[j];
		memset(e, 0, sizeof(*e));
		memcpy(e->code, "FTLP", 5);
		e->vehicle_idx = (uint8_t)c;
		e->lap_time_s = t;
	}
	if (g->has_flashback && !g->flashed && g->frame == g->fb_at) {
		struct f1_event *e = &g->ev[g->n_ev++];
		memset(e, 0, sizeof(*e));
		memcpy(e->code, "FLBK", 5);
		e->flashback_frame_id = g->fb_to;
		e->flashback_session_time =
		    (float)((double)g->fb_to / g->cfg.rate_hz);
	}
}

static void gen_enter_frame(struct gen *g)
{
	const unsigned nc = g->cfg.n_cars;
	unsigned order[F1_CARS];
	for (unsigned c = 0; c < nc; c++) {
		gen_car_state(g, c, g->frame, &g->now[c]);
		order[c] = c;
	}
	for (unsigned i = 1; i < nc; i++) { /* insertion sort, leader first */
		unsigned c = order[i], j = i;
		while (j > 0 && g->now[order[j - 1]].total < g->now[c].total) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = c;
	}
	for (unsigned i = 0; i < nc; i++)
		g->now[order[i]].position = (uint8_t)(i + 1);

	gen_frame_events(g);
}

/* Advance to the next game frame (or rewind at the flashback). */
static void gen_end_frame(struct gen *g)
{
	g->overall++;
	if (g->has_flashback && !g->flashed && g->frame == g->fb_at) {
		g->flashed = true;
		g->frame = g->fb_to;
	} else {
		g->frame++;
	}
}

enum tb_status gen_next(struct gen *g, struct f1_packet *out, double *t_s)
{
	if (!g || !out)
		return TB_ERR_ARG;
	const unsigned rate = g->cfg.rate_hz;
	for (;;) {
		enum gen_slot sl = g->slot;
		if (sl == SL_DONE)
			return TB_ERR_EMPTY;
		if (sl == SL_SSTA) {
			gen_enter_frame(g);
			g->slot = SL_PARTICIPANTS;
			if (g->overall == 0) {
				gen__event(g, out, "SSTA");
				break;
			}
			continue;
		}
		g->slot = (enum gen_slot)(sl + 1);
		if (sl == SL_PARTICIPANTS && g->overall % (5 * rate) == 0) {
			gen__header(g, out, F1_PARTICIPANTS);
			gen__participants(g, out);
			break;
		}
		if (sl == SL_SESSION && g->overall % (rate / 2) == 0) {
			gen__header(g, out, F1_SESSION);
			gen__session(g, out);
			break;
		}
		if (sl == SL_MOTION) {
			gen__header(g, out, F1_MOTION);
			gen__motion(g, out);
			break;
		}
		if (sl == SL_LAP) {
			gen__header(g, out, F1_LAP_DATA);
			gen__lapdata(g, out);
			break;
		}
		if (sl == SL_EVENTS && g->ev_i < g->n_ev) {
			g->slot = SL_EVENTS; /* stay until all are out */
			gen__header(g, out, F1_EVENT);
			out->u.event = g->ev[g->ev_i++];
			break;
		}
		if (sl == SL_TELEMETRY) {
			gen__header(g, out, F1_CAR_TELEMETRY);
			gen__telemetry(g, out);
			break;
		}
		if (sl == SL_STATUS) {
			gen__header(g, out, F1_CAR_STATUS);
			gen__status(g, out);
			break;
		}
		if (sl == SL_HISTORY) {
			gen__header(g, out, F1_SESSION_HISTORY);
			gen__history(g, out);
			break;
		}
		if (sl == SL_END_FRAME) {
			if (g->frame == g->last_frame) {
				g->slot = SL_SEND;
			} else {
				gen_end_frame(g);
				g->slot = SL_SSTA;
			}
			continue;
		}
		if (sl == SL_SEND) {
			gen__event(g, out, "SEND");
			g->slot = SL_DONE;
			break;
		}
	}
	if (t_s)
		*t_s = out->h.session_time;
	return TB_OK;
}

enum tb_status gen_next_frame(struct gen *g, struct gen_frame *out)
{
	unsigned have = 0;
	double t = 0;
	for (;;) {
		struct f1_packet *slot = &g->fparts[3];
		enum tb_status st = gen_next(g, slot, &t);
		if (st != TB_OK)
			return st;
		int idx = -1;
		switch (slot->h.packet_id) {
		case F1_MOTION:
			idx = 0;
			break;
		case F1_LAP_DATA:
			idx = 1;
			break;
		case F1_CAR_TELEMETRY:
			idx = 2;
			break;
		case F1_CAR_STATUS:
			idx = 3;
			break;
		default:
			continue;
		}
		if (idx != 3)
			g->fparts[idx] = *slot;
		have |= 1u << idx;
		if (idx == 3 && have == 0xF) {
			out->t_s = t;
			out->frame_id = slot->h.frame_id;
			out->motion = &g->fparts[0];
			out->lap = &g->fparts[1];
			out->telemetry = &g->fparts[2];
			out->status = &g->fparts[3];
			return TB_OK;
		}
	}
}

/* synth.c - the training data: synthetic drivers of every car class on
 * every given track, each with a reference lap (a clean lap of about
 * the same skill: the driver's own best, or a slightly faster one) and
 * a lap with one to three mistakes of random kind and size at random
 * corners, random sensor noise and sample rate. Both laps go through
 * the analysis as recorded laps would (grid on the track, corners from
 * the reference, delta, per-corner metrics and losses); the labels are
 * the simulator's: which mistake at which corner and its true cost. */
#include "coach.h"

#include <math.h>
#include <string.h>

#include "../sim/sim.h"

#define SYN_STEP_M 1.0
#define SYN_MAX_MK 3

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rng_unif(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Simulator kind of a coach mistake; false if not injectable. */
static bool sim_kind_of(enum coach_mistake m, enum sim_mistake_kind *out)
{
	const char *name = coach_mistake_sim_name(m);
	if (!name)
		return false;
	for (int k = 0; sim_mistake_name((enum sim_mistake_kind)k); k++) {
		if (!strcmp(sim_mistake_name((enum sim_mistake_kind)k), name)) {
			*out = (enum sim_mistake_kind)k;
			return true;
		}
	}
	return false;
}

/* A random size for kind: metres, or the factor of SIM_SLOW. */
static double mistake_size(struct rng *r, enum coach_mistake m)
{
	switch (m) {
	case COACH_MK_EARLY_BRAKING:
		return rng_unif(r, 10, 40);
	case COACH_MK_OVER_SLOWING:
		return rng_unif(r, 0.85, 0.96);
	case COACH_MK_LATE_THROTTLE:
		return rng_unif(r, 10, 40);
	case COACH_MK_COASTING:
		return rng_unif(r, 25, 80);
	case COACH_MK_NO_TRAIL:
		return rng_unif(r, 5, 25);
	case COACH_MK_OVER_DRIVING:
		return rng_unif(r, 5, 20);
	case COACH_MK_POOR_EXIT:
		return rng_unif(r, 0.4, 0.8);
	default:
		return rng_unif(r, 10, 40);
	}
}

struct syn_ctx {
	const struct ana_track *t;
	struct sim_car car;
	struct ana_corners cs; /* the simulator's corners */
	enum coach_mistake kinds[COACH_MK__COUNT];
	size_t n_kinds;
};

/* A profile (sim_driver_run / _solve) of d as a lap on its grid. */
static enum tb_status lap_grid(const struct syn_ctx *c,
			       const struct sim_driver *d,
			       const struct sim_result *res, double rate,
			       struct ana_grid *g, struct tb_error *err)
{
	struct tb_lap lap;
	tb_lap_init(&lap);
	enum tb_status st = sim_driver_sample(c->t, &c->car, d, &c->cs, res,
					      &d->noise, rate, &lap, err);
	if (st == TB_OK)
		st = ana_grid_from_lap(&lap, c->t, SYN_STEP_M, g, err);
	tb_lap_release(&lap);
	return st;
}

/* Pick up to SYN_MAX_MK mistakes on corners that are not neighbours that the
 * simulator accepts (one at a time, so one that does not fit is dropped). */
static void pick_mistakes(const struct syn_ctx *c, struct rng *r,
			  struct sim_driver *d, enum coach_mistake *mk)
{
	size_t want = 1 + (size_t)(rng_next(r) % SYN_MAX_MK);
	bool used[ANA_CORNERS_MAX] = {false};
	d->n_mistakes = 0;
	for (size_t tries = 0; tries < 12 && d->n_mistakes < want; tries++) {
		size_t k = (size_t)(rng_next(r) % c->cs.n);
		size_t prev = (k + c->cs.n - 1) % c->cs.n;
		size_t next = (k + 1) % c->cs.n;
		/* neighbours stay clean: each mistake's true cost (alone)
		 * is then what its corner loses */
		if (used[k] || used[prev] || used[next])
			continue;
		enum coach_mistake m = c->kinds[rng_next(r) % c->n_kinds];
		enum sim_mistake_kind sk;
		if (!sim_kind_of(m, &sk))
			continue;
		struct sim_driver one = *d;
		one.n_mistakes = 1;
		one.m[0].kind = sk;
		one.m[0].corner = c->cs.c[k].number;
		one.m[0].size = mistake_size(r, m);
		struct sim_result res;
		if (sim_driver_solve(c->t, &c->car, &one, &c->cs, &res, NULL) !=
		    TB_OK)
			continue;
		sim_result_release(&res);
		used[k] = true;
		mk[d->n_mistakes] = m;
		d->m[d->n_mistakes++] = one.m[0];
	}
}

/* The analysis corner holding the simulator's corner number num. */
static size_t corner_index(const struct ana_corners *a,
			   const struct ana_corners *sim, int num)
{
	for (size_t j = 0; j < sim->n; j++) {
		if (sim->c[j].number != num)
			continue;
		double apex = sim->c[j].apex_m;
		for (size_t k = 0; k < a->n; k++)
			if (apex >= a->c[k].start_m && apex < a->c[k].end_m)
				return k;
	}
	return SIZE_MAX;
}

static enum tb_status one_driver(const struct syn_ctx *c, struct rng *r,
				 uint16_t track, uint32_t driver,
				 struct coach_dataset *out,
				 struct tb_error *err)
{
	struct sim_driver dref, drv;
	memset(&dref, 0, sizeof(dref));
	dref.skill = rng_unif(r, 0.90, 1.0);
	double rate = 100.0;
	if (rng_next(r) % 4 != 0) {
		static const double rates[] = {20, 30, 50, 60, 100};
		rate = rates[rng_next(r) % 5];
		dref.noise.speed_ms = rng_unif(r, 0.0, 0.08);
		dref.noise.pedal = rng_unif(r, 0.0, 0.02);
		dref.noise.pos_m = rng_unif(r, 0.0, 0.03);
	}
	dref.noise.seed = rng_next(r);
	drv = dref;
	drv.noise.seed = rng_next(r);
	if (rng_next(r) % 2)
		drv.skill = dref.skill - rng_unif(r, 0.0, 0.02);
	enum coach_mistake mk[SIM_MISTAKES_MAX];
	pick_mistakes(c, r, &drv, mk);
	struct sim_driver_report rep;
	struct sim_result rref, rdrv;
	enum tb_status st =
	    sim_driver_run(c->t, &c->car, &drv, &c->cs, &rdrv, &rep, err);
	if (st != TB_OK)
		return st;
	st = sim_driver_solve(c->t, &c->car, &dref, &c->cs, &rref, err);
	if (st != TB_OK) {
		sim_result_release(&rdrv);
		return st;
	}
	struct ana_grid gref, glap;
	st = lap_grid(c, &dref, &rref, rate, &gref, err);
	sim_result_release(&rref);
	if (st != TB_OK) {
		sim_result_release(&rdrv);
		return st;
	}
	st = lap_grid(c, &drv, &rdrv, rate, &glap, err);
	sim_result_release(&rdrv);
	if (st != TB_OK) {
		ana_grid_release(&gref);
		return st;
	}
	struct ana_corners cs;
	struct coach_corner *cc = NULL;
	double *delta = tb_malloc(gref.n * sizeof(double));
	size_t nd = 0, nc = 0;
	struct ana_delta_info info;
	const struct ana_grid *refs[] = {&gref};
	if (!delta) {
		st = tb_fail(err, TB_ERR_NOMEM, "coach synth: delta");
		goto out;
	}
	cc = tb_malloc(ANA_CORNERS_MAX * sizeof(*cc));
	if (!cc) {
		st = tb_fail(err, TB_ERR_NOMEM, "coach synth: corners");
		goto out;
	}
	st = ana_corners_find(c->t, refs, 1, &cs, err);
	if (st == TB_OK)
		st = ana_delta(&glap, &gref, delta, &nd, &info, err);
	if (st == TB_OK)
		st = coach_features(&glap, &gref, &cs, delta, nd, cc, &nc, err);
	if (st != TB_OK)
		goto out;
	for (size_t k = 0; k < nc && st == TB_OK; k++) {
		struct coach_row row;
		memset(&row, 0, sizeof(row));
		memcpy(row.f, cc[k].f, sizeof(row.f));
		row.loss_s = (float)cc[k].loss_s;
		row.mistake = -1;
		row.track = track;
		row.driver = driver;
		row.cls = (uint8_t)c->car.cls;
		for (size_t j = 0; j < drv.n_mistakes; j++) {
			if (corner_index(&cs, &c->cs, drv.m[j].corner) != k)
				continue;
			row.mistake = (int8_t)mk[j];
			row.cost_s = (float)rep.m[j].cost_s;
		}
		if (!isfinite(row.loss_s))
			continue;
		st = coach_dataset_add(out, &row, err);
	}
out:
	tb_free(cc);
	tb_free(delta);
	ana_grid_release(&gref);
	ana_grid_release(&glap);
	return st;
}

enum tb_status coach_synth_build(const struct coach_synth *s,
				 struct coach_dataset *out,
				 struct tb_error *err)
{
	if (!s || !out || (!s->tracks && s->n_tracks))
		return tb_fail(err, TB_ERR_ARG, "coach synth: NULL argument");
	static const enum tb_car_class classes[] = {
	    TB_CLASS_F1, TB_CLASS_LMH, TB_CLASS_GT3, TB_CLASS_RALLY};
	size_t total = s->n_tracks * 4;
	for (size_t ti = 0; ti < s->n_tracks; ti++) {
		for (size_t ci = 0; ci < 4; ci++) {
			struct syn_ctx c;
			memset(&c, 0, sizeof(c));
			c.t = &s->tracks[ti];
			for (int m = 0; m < COACH_MK__COUNT; m++) {
				enum sim_mistake_kind sk;
				if (sim_kind_of((enum coach_mistake)m, &sk))
					c.kinds[c.n_kinds++] =
					    (enum coach_mistake)m;
			}
			enum tb_status st =
			    sim_car_class(classes[ci], &c.car, err);
			if (st == TB_OK)
				st =
				    sim_driver_corners(c.t, &c.car, &c.cs, err);
			if (st != TB_OK)
				return st;
			if (c.cs.n < 2 || c.n_kinds == 0)
				continue;
			struct rng r = {s->seed ^ (0x1000193ull * (ti + 1)) ^
					((uint64_t)(ci + 1) << 40)};
			for (size_t j = 0; j < s->drivers_per_track; j++) {
				uint32_t drv =
				    s->driver_base +
				    (uint32_t)((ti * 4 + ci) *
						   s->drivers_per_track +
					       j);
				st = one_driver(&c, &r,
						(uint16_t)(s->track_base + ti),
						drv, out, err);
				if (st == TB_ERR_NOMEM || st == TB_ERR_LIMIT)
					return st;
				/* a driver the analysis cannot compare (a
				 * corner split differently) is skipped */
			}
			if (s->progress)
				s->progress(s->progress_ctx, ti * 4 + ci + 1,
					    total);
		}
	}
	return TB_OK;
}

/* test_sim_driver.c - ground truth for the analysis: synthetic drivers
 * on the built-in "club" circuit with one mistake of an exact size
 * (braking early, over-slowing, late throttle, coasting, no trail
 * braking, over-driving the entry, steering corrections, a poor exit), laps
 * analysed as any recorded lap (grid, delta, corners from the clean
 * lap, per-corner metrics and losses): the mistake shows at its corner
 * with its size, its loss equals the re-simulated true cost, the other
 * corners lose nothing beyond noise. Also with sensor noise at 60 Hz. */
#include "tb_test.h"

#include <math.h>

#include "sim/sim.h"

#define STEP		1.0
#define SKILL		0.97
#define COST_TOL	0.010 /* loss vs true cost, s */
#define NOISE_TOL	0.005 /* loss of an untouched corner, s */
#define SUM_TOL		0.001 /* losses vs lap delta, s */
#define POS_TOL		2.0   /* brake point / pickup shift, m */
#define KMH_TOL		1.0   /* minimum speed change, km/h */
#define EARLY_PEAK_DROP 0.05  /* early braking: lighter peak brake, at least */

struct fix {
	struct ana_track t;
	struct sim_car car;
	struct ana_corners cs; /* the simulator's corners */
};

static struct fix fx;

static int setup(void **state)
{
	(void)state;
	struct tb_error err;
	if (sim_track_builtin("club", &fx.t, &err) != TB_OK ||
	    sim_car_class(TB_CLASS_GT3, &fx.car, &err) != TB_OK ||
	    sim_driver_corners(&fx.t, &fx.car, &fx.cs, &err) != TB_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ana_track_release(&fx.t);
	return 0;
}

/* One analysed comparison. */
struct run {
	struct ana_corners cs;	       /* from the reference lap */
	double loss[ANA_CORNERS_MAX];  /* ana_corner_losses */
	double fixed[ANA_CORNERS_MAX]; /* ana_corner_loss */
	struct ana_corner_metrics ml[ANA_CORNERS_MAX], mr[ANA_CORNERS_MAX];
	double lap_delta_s, sum_s;
	struct sim_driver_report rep;
};

static void make_lap(const struct sim_driver *d, double rate,
		     struct tb_lap *lap, struct ana_grid *g)
{
	struct tb_error err;
	double lt;
	tb_lap_init(lap);
	if (sim_driver_lap(&fx.t, &fx.car, d, rate, lap, &lt, &err) != TB_OK)
		fail_msg("driver lap: %s", err.msg);
	if (ana_grid_from_lap(lap, &fx.t, STEP, g, &err) != TB_OK)
		fail_msg("grid: %s", err.msg);
}

static void analyse(const struct sim_mistake *m, const struct sim_noise *nz,
		    double rate, struct run *r)
{
	struct sim_driver d0, d1;
	memset(&d0, 0, sizeof(d0));
	d0.skill = SKILL;
	if (nz) {
		d0.noise = *nz;
		d0.noise.seed = 11;
	}
	d1 = d0;
	d1.noise.seed = 12;
	d1.n_mistakes = 1;
	d1.m[0] = *m;
	struct tb_lap lref, llap;
	struct ana_grid gref, glap;
	make_lap(&d0, rate, &lref, &gref);
	make_lap(&d1, rate, &llap, &glap);
	struct tb_error err;
	if (sim_driver_report(&fx.t, &fx.car, &d1, &fx.cs, &r->rep, &err) !=
	    TB_OK)
		fail_msg("report: %s", err.msg);
	const struct ana_grid *refs[] = {&gref};
	assert_int_equal(ana_corners_find(&fx.t, refs, 1, &r->cs, &err), TB_OK);
	/* corner k is the same corner for the simulator and the analysis */
	assert_int_equal(r->cs.n, fx.cs.n);
	for (size_t k = 0; k < fx.cs.n; k++)
		assert_true(fx.cs.c[k].apex_m >= r->cs.c[k].start_m &&
			    fx.cs.c[k].apex_m < r->cs.c[k].end_m);
	double *delta = malloc(gref.n * sizeof(double));
	size_t nd = 0;
	struct ana_delta_info info;
	assert_int_equal(ana_delta(&glap, &gref, delta, &nd, &info, &err),
			 TB_OK);
	r->lap_delta_s = delta[nd - 1] - delta[0];
	r->sum_s = 0;
	assert_int_equal(
	    ana_corner_losses(&glap, &gref, &r->cs, delta, nd, r->loss, &err),
	    TB_OK);
	for (size_t k = 0; k < r->cs.n; k++) {
		assert_int_equal(
		    ana_corner_metrics(&glap, &r->cs, k, &r->ml[k], &err),
		    TB_OK);
		assert_int_equal(
		    ana_corner_metrics(&gref, &r->cs, k, &r->mr[k], &err),
		    TB_OK);
		r->fixed[k] = ana_corner_loss(delta, nd, STEP, &r->cs.c[k]);
		r->sum_s += r->loss[k];
	}
	printf("%s:%d:%g rate %g Hz%s: true cost %.4f s (lap %.3f vs "
	       "%.3f), lap delta %.4f s\n",
	       sim_mistake_name(m->kind), m->corner, m->size, rate,
	       nz ? " noise" : "", r->rep.m[0].cost_s, r->rep.lap_s,
	       r->rep.clean_s, r->lap_delta_s);
	for (size_t k = 0; k < r->cs.n; k++)
		printf("  corner %d: loss %+.4f s (fixed %+.4f)  brake %+.2f m "
		       " min %+.2f "
		       "km/h  pickup %+.2f m  coast %+.1f m  release %+.1f m"
		       "  overlap %.0f/%.0f m  corr %.0f/%.0f  full %+.1f m"
		       "  exit100 %+.2f km/h  peak %.2f/%.2f\n",
		       r->cs.c[k].number, r->loss[k], r->fixed[k],
		       r->ml[k].brake_m - r->mr[k].brake_m,
		       r->ml[k].min_kmh - r->mr[k].min_kmh,
		       r->ml[k].throttle_m - r->mr[k].throttle_m,
		       r->ml[k].coast_m - r->mr[k].coast_m,
		       r->ml[k].trail_release_m - r->mr[k].trail_release_m,
		       r->ml[k].overlap_m, r->mr[k].overlap_m,
		       r->ml[k].steer_corrections, r->mr[k].steer_corrections,
		       r->ml[k].full_throttle_m - r->mr[k].full_throttle_m,
		       r->ml[k].exit_kmh[1] - r->mr[k].exit_kmh[1],
		       r->ml[k].brake_peak, r->mr[k].brake_peak);
	free(delta);
	ana_grid_release(&gref);
	ana_grid_release(&glap);
	tb_lap_release(&lref);
	tb_lap_release(&llap);
}

/* The acceptance: the loss at the corner equals the true cost, no other
 * corner loses beyond noise, the losses sum to the lap delta. */
static void check_losses(const struct run *r, int corner)
{
	double cost = r->rep.m[0].cost_s;
	assert_true(cost > 0.005);
	for (size_t k = 0; k < r->cs.n; k++) {
		if (r->cs.c[k].number == corner) {
			if (!(fabs(r->loss[k] - cost) < COST_TOL))
				fail_msg("corner %d loss %.4f s, true cost "
					 "%.4f s",
					 corner, r->loss[k], cost);
		} else if (!(fabs(r->loss[k]) < NOISE_TOL)) {
			fail_msg("corner %d (untouched) loss %.4f s",
				 r->cs.c[k].number, r->loss[k]);
		}
	}
	if (!(fabs(r->sum_s - r->lap_delta_s) < SUM_TOL))
		fail_msg("losses sum %.4f s, lap delta %.4f s", r->sum_s,
			 r->lap_delta_s);
	/* and the lap delta is the re-simulated lap time difference */
	if (!(fabs(r->lap_delta_s - (r->rep.lap_s - r->rep.clean_s)) <
	      COST_TOL))
		fail_msg("lap delta %.4f s, lap times differ by %.4f s",
			 r->lap_delta_s, r->rep.lap_s - r->rep.clean_s);
}

static size_t idx_of(const struct run *r, int corner)
{
	for (size_t k = 0; k < r->cs.n; k++)
		if (r->cs.c[k].number == corner)
			return k;
	fail_msg("no corner %d", corner);
	return 0;
}

static const struct sim_noise noise60 = {
    .speed_ms = 0.05, .pedal = 0.01, .pos_m = 0.02, .seed = 0};

struct mcase {
	enum sim_mistake_kind kind;
	int corner;
	double size;
};

static const struct mcase cases[] = {
    {SIM_BRAKE_EARLY, 4, 20},	{SIM_BRAKE_EARLY, 2, 20},
    {SIM_SLOW, 4, 0.9},		{SIM_SLOW, 3, 0.95},
    {SIM_LATE_THROTTLE, 5, 15}, {SIM_LATE_THROTTLE, 2, 10},
    {SIM_NO_TRAIL, 4, 10},	{SIM_NO_TRAIL, 5, 5},
    {SIM_OVER_DRIVE, 4, 10},	{SIM_OVER_DRIVE, 5, 5},
    {SIM_STEER_CORR, 4, 3},	{SIM_STEER_CORR, 5, 1},
    {SIM_POOR_EXIT, 5, 0.5},	{SIM_POOR_EXIT, 7, 0.7},
};

/* No trail braking: the brake is released size m before the turn-in
 * (steering past 5 % of lock after the brake point, from the track's
 * curvature), nothing overlaps, braking starts earlier. */
static void check_no_trail(const struct run *r, size_t k, double size)
{
	struct sim_steering g;
	sim_steering_class(fx.car.cls, &g);
	size_t i = (size_t)llround(r->mr[k].brake_m / fx.t.step_m);
	while (i < fx.t.n &&
	       !(fabs(atan(g.wheelbase_m * fx.t.curv[i]) / g.lock_rad) > 0.05))
		i++;
	double want = (double)i * fx.t.step_m - size;
	if (!(fabs(r->ml[k].trail_release_m - want) <= POS_TOL) ||
	    !(r->ml[k].overlap_m <= POS_TOL) || !(r->mr[k].overlap_m > 3) ||
	    !(r->ml[k].brake_m < r->mr[k].brake_m))
		fail_msg("corner %zu no trail braking %g m: released at %.1f m "
			 "(turn-in %.0f m - size = %.1f), overlap %.0f m "
			 "(clean %.0f), brake %+.1f m",
			 k + 1, size, r->ml[k].trail_release_m,
			 (double)i * fx.t.step_m, want, r->ml[k].overlap_m,
			 r->mr[k].overlap_m,
			 r->ml[k].brake_m - r->mr[k].brake_m);
}

/* Early braking: the brake point size m earlier, a lighter peak
 * (the braking force scaled down), still trailed into the corner: the
 * release where the clean lap releases, the overlap kept. */
static void check_brake_early(const struct run *r, size_t k, double size)
{
	const struct ana_corner_metrics *l = &r->ml[k], *c = &r->mr[k];
	double db = l->brake_m - c->brake_m;
	double dr = l->trail_release_m - c->trail_release_m;
	if (!(fabs(db + size) <= POS_TOL) ||
	    !(l->brake_peak < c->brake_peak - EARLY_PEAK_DROP) ||
	    !(fabs(dr) <= POS_TOL) ||
	    !(l->overlap_m >= c->overlap_m - POS_TOL) || !(l->overlap_m > 0))
		fail_msg("corner %zu brake early %g m: brake point %+.2f m, "
			 "peak %.2f (clean %.2f), release %+.1f m, overlap "
			 "%.0f m (clean %.0f)",
			 k + 1, size, db, l->brake_peak, c->brake_peak, dr,
			 l->overlap_m, c->overlap_m);
}

static void check_case(const struct mcase *c, const struct sim_noise *nz,
		       double rate)
{
	struct sim_mistake m = {c->kind, c->corner, c->size};
	struct run *r = malloc(sizeof(*r));
	analyse(&m, nz, rate, r);
	check_losses(r, c->corner);
	size_t k = idx_of(r, c->corner);
	const struct sim_mistake_result *mr = &r->rep.m[0];
	switch (c->kind) {
	case SIM_BRAKE_EARLY:
		check_brake_early(r, k, c->size);
		assert_true(fabs(mr->at_m - mr->base_at_m + c->size) <= 1.0);
		break;
	case SIM_SLOW: {
		double dv = r->ml[k].min_kmh - r->mr[k].min_kmh;
		double want = -(1 - c->size) * mr->base_min_ms * TB_KMH_PER_MS;
		if (!(fabs(dv - want) <= KMH_TOL))
			fail_msg("corner %d min speed delta %.2f km/h, "
				 "injected %.2f km/h",
				 c->corner, dv, want);
		break;
	}
	case SIM_LATE_THROTTLE: {
		double dp = r->ml[k].throttle_m - r->mr[k].throttle_m;
		if (!(fabs(dp - c->size) <= POS_TOL))
			fail_msg("corner %d pickup delta %.2f m, injected "
				 "+%g m",
				 c->corner, dp, c->size);
		break;
	}
	case SIM_COAST:
		break;
	case SIM_NO_TRAIL:
		check_no_trail(r, k, c->size);
		break;
	case SIM_OVER_DRIVE: {
		double db = r->ml[k].brake_m - r->mr[k].brake_m;
		double dp = r->ml[k].throttle_m - r->mr[k].throttle_m;
		double dv = r->ml[k].min_kmh - r->mr[k].min_kmh;
		double want = (mr->min_ms - mr->base_min_ms) * TB_KMH_PER_MS;
		if (!(fabs(db - c->size) <= POS_TOL) ||
		    !(fabs(dp - c->size) <= POS_TOL) ||
		    !(fabs(dv - want) <= KMH_TOL) || !(dv < -1.0))
			fail_msg("corner %d over-drive %g m: brake %+.2f m, "
				 "pickup %+.2f m, min %+.2f km/h (model "
				 "%+.2f)",
				 c->corner, c->size, db, dp, dv, want);
		break;
	}
	case SIM_STEER_CORR: {
		/* each correction is one cycle: two reversals of the
		 * steering rate, which is what the analysis counts */
		double dn =
		    r->ml[k].steer_corrections - r->mr[k].steer_corrections;
		double dv = r->ml[k].min_kmh - r->mr[k].min_kmh;
		double want = (mr->min_ms - mr->base_min_ms) * TB_KMH_PER_MS;
		if (!(dn == 2 * c->size) || !(fabs(dv - want) <= KMH_TOL))
			fail_msg("corner %d %g corrections: %+.0f steering "
				 "reversals, min %+.2f km/h (model %+.2f)",
				 c->corner, c->size, dn, dv, want);
		break;
	}
	case SIM_POOR_EXIT: {
		double dp = r->ml[k].throttle_m - r->mr[k].throttle_m;
		double df = r->ml[k].full_throttle_m - r->mr[k].full_throttle_m;
		double dx = r->ml[k].exit_kmh[1] - r->mr[k].exit_kmh[1];
		if (!(fabs(dp - (mr->at_m - mr->base_at_m)) <= POS_TOL) ||
		    !(df > 5.0) || !(dx < -1.0))
			fail_msg("corner %d poor exit %g: pickup %+.2f m "
				 "(model %+.0f), full throttle %+.1f m, "
				 "exit %+.2f km/h",
				 c->corner, c->size, dp,
				 mr->at_m - mr->base_at_m, df, dx);
		break;
	}
	}
	free(r);
}

static void test_mistakes_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i], NULL, 200.0);
}

static void test_mistakes_noise_60hz(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i], &noise60, 60.0);
}

/* Coasting: the coast shows at its corner, the brake point moves later,
 * the loss is the true cost. */
static void test_coast(void **state)
{
	(void)state;
	struct sim_mistake m = {SIM_COAST, 4, 40};
	struct run *r = malloc(sizeof(*r));
	analyse(&m, NULL, 60.0, r);
	check_losses(r, 4);
	size_t k = idx_of(r, 4);
	double dc = r->ml[k].coast_m - r->mr[k].coast_m;
	if (!(fabs(dc - 40) <= POS_TOL))
		fail_msg("corner 4 coast delta %.1f m, injected 40 m", dc);
	assert_true(r->ml[k].brake_m > r->mr[k].brake_m);
	free(r);
}

static void test_parse_and_errors(void **state)
{
	(void)state;
	struct sim_driver d;
	struct tb_error err;
	memset(&d, 0, sizeof(d));
	assert_int_equal(sim_mistakes_parse("brake-early:2:20,slow:4:0.9,"
					    "late-throttle:3:15,coast:1:30",
					    &d, &err),
			 TB_OK);
	assert_int_equal(d.n_mistakes, 4);
	assert_int_equal(d.m[0].kind, SIM_BRAKE_EARLY);
	assert_int_equal(d.m[0].corner, 2);
	assert_true(d.m[1].size == 0.9);
	assert_int_equal(d.m[2].kind, SIM_LATE_THROTTLE);
	assert_int_equal(d.m[3].kind, SIM_COAST);
	assert_int_equal(
	    sim_mistakes_parse("no-trail-brake:4:10,over-drive:5:5,"
			       "steer-corrections:4:3,"
			       "poor-exit:5:0.5",
			       &d, &err),
	    TB_OK);
	assert_int_equal(d.n_mistakes, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(d.m[i].kind, SIM_NO_TRAIL + (int)i);
	assert_string_equal(sim_mistake_name(SIM_STEER_CORR),
			    "steer-corrections");
	assert_null(sim_mistake_name(SIM_POOR_EXIT + 1));
	assert_int_equal(sim_mistakes_parse("", &d, &err), TB_OK);
	assert_int_equal(d.n_mistakes, 0);
	static const char *const bad[] = {"brake:2:20",
					  "slow:4:1.5",
					  "slow:0:0.9",
					  "coast:2",
					  "coast:2:x",
					  "coast:2:-3",
					  "late-throttle:3:15;",
					  "brake-early::20",
					  "steer-corrections:2:1.5",
					  "steer-corrections:2:9",
					  "poor-exit:3:1",
					  "over-drive:3:0"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sim_mistakes_parse(bad[i], &d, &err),
				 TB_ERR_ARG);
		printf("%s: %s\n", bad[i], err.msg);
		assert_int_equal(d.n_mistakes, 0);
	}
	double dl[2] = {0, 0}, loss[ANA_CORNERS_MAX];
	assert_int_equal(
	    ana_corner_losses(NULL, NULL, &fx.cs, dl, 2, loss, &err),
	    TB_ERR_ARG);
	printf("%s\n", err.msg);
	assert_int_equal(ana_corner_losses(NULL, NULL, NULL, dl, 2, loss, &err),
			 TB_ERR_ARG);
	/* a corner the track does not have, a bad skill */
	memset(&d, 0, sizeof(d));
	d.n_mistakes = 1;
	d.m[0] = (struct sim_mistake){SIM_SLOW, 60, 0.9};
	struct sim_result r;
	assert_int_equal(sim_driver_solve(&fx.t, &fx.car, &d, &fx.cs, &r, &err),
			 TB_ERR_ARG);
	printf("%s\n", err.msg);
	/* braking so early that even the lightest share cannot reach it */
	d.m[0] = (struct sim_mistake){SIM_BRAKE_EARLY, 4, 1500};
	assert_int_equal(sim_driver_solve(&fx.t, &fx.car, &d, &fx.cs, &r, &err),
			 TB_ERR_ARG);
	printf("%s\n", err.msg);
	assert_non_null(strstr(err.msg, "brake-early at corner 4"));
	d.n_mistakes = 0;
	d.skill = 1.2;
	assert_int_equal(sim_driver_solve(&fx.t, &fx.car, &d, &fx.cs, &r, &err),
			 TB_ERR_ARG);
	/* skill: less grip is slower, the limit is skill 1 */
	double t1, t9;
	d.skill = 1.0;
	assert_int_equal(sim_driver_solve(&fx.t, &fx.car, &d, NULL, &r, &err),
			 TB_OK);
	t1 = r.lap_time_s;
	sim_result_release(&r);
	d.skill = 0.9;
	assert_int_equal(sim_driver_solve(&fx.t, &fx.car, &d, NULL, &r, &err),
			 TB_OK);
	t9 = r.lap_time_s;
	sim_result_release(&r);
	assert_true(t9 > t1 + 0.5);
	struct sim_result lim;
	assert_int_equal(sim_solve(&fx.t, &fx.car, &lim, &err), TB_OK);
	assert_true(fabs(lim.lap_time_s - t1) < 1e-9);
	sim_result_release(&lim);
}

/* The same seed gives the same noisy lap; another seed another. */
static void test_noise_repeatable(void **state)
{
	(void)state;
	struct sim_driver d;
	memset(&d, 0, sizeof(d));
	d.noise = noise60;
	struct tb_lap a, b;
	struct tb_error err;
	tb_lap_init(&a);
	tb_lap_init(&b);
	assert_int_equal(sim_driver_lap(&fx.t, &fx.car, &d, 60, &a, NULL, &err),
			 TB_OK);
	assert_int_equal(sim_driver_lap(&fx.t, &fx.car, &d, 60, &b, NULL, &err),
			 TB_OK);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.col[TB_CH_SPEED], b.col[TB_CH_SPEED],
			    a.n * sizeof(double));
	d.noise.seed = 99;
	assert_int_equal(sim_driver_lap(&fx.t, &fx.car, &d, 60, &b, NULL, &err),
			 TB_OK);
	assert_true(memcmp(a.col[TB_CH_SPEED], b.col[TB_CH_SPEED],
			   a.n * sizeof(double)) != 0);
	for (size_t i = 0; i < b.n; i++)
		assert_true(b.col[TB_CH_BRAKE][i] >= 0 &&
			    b.col[TB_CH_BRAKE][i] <= 1);
	tb_lap_release(&a);
	tb_lap_release(&b);
}

/* sim_driver_run: the same profile as sim_driver_solve and the same
 * report as sim_driver_report, in one call. */
static void test_run_matches(void **state)
{
	(void)state;
	struct sim_driver d;
	struct tb_error err;
	memset(&d, 0, sizeof(d));
	d.skill = SKILL;
	assert_int_equal(sim_mistakes_parse("brake-early:4:20,poor-exit:5:0.5,"
					    "steer-corrections:3:2",
					    &d, &err),
			 TB_OK);
	struct sim_result a, b;
	struct sim_driver_report ra, rb;
	assert_int_equal(sim_driver_solve(&fx.t, &fx.car, &d, &fx.cs, &a, &err),
			 TB_OK);
	assert_int_equal(
	    sim_driver_report(&fx.t, &fx.car, &d, &fx.cs, &ra, &err), TB_OK);
	assert_int_equal(
	    sim_driver_run(&fx.t, &fx.car, &d, &fx.cs, &b, &rb, &err), TB_OK);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.v, b.v, a.n * sizeof(double));
	assert_true(a.lap_time_s == b.lap_time_s && rb.lap_s == a.lap_time_s);
	assert_memory_equal(&ra, &rb, sizeof(ra));
	assert_int_equal(rb.n, 3);
	for (size_t j = 0; j < rb.n; j++)
		assert_true(rb.m[j].cost_s > 0.005);
	sim_result_release(&a);
	sim_result_release(&b);
	/* a mistake that does not fit: nothing left allocated */
	d.m[0] = (struct sim_mistake){SIM_NO_TRAIL, 1, 10};
	d.n_mistakes = 1;
	assert_int_equal(
	    sim_driver_run(&fx.t, &fx.car, &d, &fx.cs, &b, &rb, &err),
	    TB_ERR_ARG);
	printf("%s\n", err.msg);
	assert_null(b.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mistakes_exact),
	    cmocka_unit_test(test_mistakes_noise_60hz),
	    cmocka_unit_test(test_coast),
	    cmocka_unit_test(test_parse_and_errors),
	    cmocka_unit_test(test_noise_repeatable),
	    cmocka_unit_test(test_run_matches),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_ana_corners.c - corners, per-corner metrics and session views on
 * synthetic laps: a track of straights and three arcs of known radius
 * driven with a 1D speed model (grip-limited corners, constant
 * acceleration and braking), and a lap that brakes 20 m early for
 * corner 2. Grids are built directly (struct ana_grid is plain data). */
#include "tb_test.h"

#include <math.h>

#include "analysis/analysis.h"

#define STEP  1.0
#define VTOP  80.0
#define A_LAT 20.0
#define A_ACC 8.0
#define A_BRK 30.0

struct piece {
	double len, radius; /* radius 0: straight */
};

/* Straights and three 120-degree arcs of 30, 60 and 120 m. */
#define ARC (2.0 * 3.14159265358979323846 / 3.0)
static struct piece layout[7];
static size_t n_pieces;

static void make_layout(void)
{
	const double r[3] = {30, 60, 120}, s[4] = {200, 600, 500, 300};
	n_pieces = 0;
	for (int i = 0; i < 3; i++) {
		layout[n_pieces++] = (struct piece){s[i], 0};
		layout[n_pieces++] = (struct piece){r[i] * ARC, r[i]};
	}
	layout[n_pieces++] = (struct piece){s[3], 0};
}

static double layout_len(void)
{
	double l = 0;
	for (size_t i = 0; i < n_pieces; i++)
		l += layout[i].len;
	return l;
}

/* Radius at d (0 on straights); *entry receives the start of the arc
 * with index arc (0-based), if asked. */
static double radius_at(double d)
{
	double s = 0;
	for (size_t i = 0; i < n_pieces; i++) {
		if (d < s + layout[i].len)
			return layout[i].radius;
		s += layout[i].len;
	}
	return 0;
}

static double arc_start(int arc)
{
	double s = 0;
	int a = 0;
	for (size_t i = 0; i < n_pieces; i++) {
		if (layout[i].radius > 0 && a++ == arc)
			return s;
		s += layout[i].len;
	}
	return NAN;
}

static double arc_end(int arc)
{
	return arc_start(arc) + layout[2 * arc + 1].len;
}

static void grid_alloc(struct ana_grid *g, size_t n, double len,
		       tb_chmask chans)
{
	memset(g, 0, sizeof(*g));
	g->step_m = STEP;
	g->n = n;
	g->length_m = len;
	g->chans = chans;
	g->lap_time_ms = TB_TIME_UNKNOWN;
	g->t_end_s = NAN;
	g->t = calloc(n ? n : 1, sizeof(double));
	for (int c = 0; c < TB_CH__COUNT; c++) {
		if (chans & TB_CHBIT(c))
			g->col[c] = calloc(n ? n : 1, sizeof(double));
	}
}

static void grid_free(struct ana_grid *g)
{
	free(g->t);
	for (int c = 0; c < TB_CH__COUNT; c++)
		free(g->col[c]);
	memset(g, 0, sizeof(*g));
}

#define ALL_CH                                                                 \
	(TB_CHBIT(TB_CH_SPEED) | TB_CHBIT(TB_CH_THROTTLE) |                    \
	 TB_CHBIT(TB_CH_BRAKE) | TB_CHBIT(TB_CH_STEER) | TB_CHBIT(TB_CH_GEAR))

/* A lap of the layout. early_m > 0: the driver reaches corner 2's speed
 * that many metres before the arc (brakes early). vscale scales every
 * speed limit (session noise). */
static void make_lap(struct ana_grid *g, double early_m, double vscale)
{
	double len = layout_len();
	size_t n = (size_t)floor(len / STEP) + 1;
	grid_alloc(g, n, len, ALL_CH);
	double *v = g->col[TB_CH_SPEED], vc2 = sqrt(A_LAT * 60) * vscale;
	double e2 = arc_start(1);
	for (size_t i = 0; i < n; i++) {
		double d = (double)i * STEP, r = radius_at(d);
		v[i] = r > 0 ? sqrt(A_LAT * r) * vscale : VTOP;
		if (early_m > 0 && d >= e2 - early_m && d < e2)
			v[i] = vc2;
	}
	double *lim = malloc(n * sizeof(double));
	memcpy(lim, v, n * sizeof(double));
	v[0] = VTOP;
	for (size_t i = 0; i + 1 < n; i++)
		v[i + 1] = fmin(v[i + 1], sqrt(v[i] * v[i] + 2 * A_ACC * STEP));
	for (size_t i = n - 1; i > 0; i--)
		v[i - 1] = fmin(v[i - 1], sqrt(v[i] * v[i] + 2 * A_BRK * STEP));
	for (size_t i = 0; i < n; i++) {
		double d = (double)i * STEP, r = radius_at(d);
		double nx = i + 1 < n ? v[i + 1] : v[i];
		double *thr = &g->col[TB_CH_THROTTLE][i];
		double *brk = &g->col[TB_CH_BRAKE][i];
		if (nx > v[i] + 1e-9) {
			*thr = 1;
			*brk = 0;
		} else if (nx < v[i] - 1e-9) {
			*thr = 0;
			*brk = fmin(1, (v[i] * v[i] - nx * nx) /
					   (2 * STEP * A_BRK));
		} else {
			*thr = v[i] >= VTOP ? 1 : r > 0 ? 0.5 : 0.3;
			*brk = 0;
		}
		g->col[TB_CH_STEER][i] = r > 0 ? 20.0 / r : 0;
		g->col[TB_CH_GEAR][i] = floor(v[i] / 12) + 1;
		if (i > 0)
			g->t[i] = g->t[i - 1] + 2 * STEP / (v[i - 1] + v[i]);
	}
	(void)lim;
	free(lim);
}

static void make_track(struct ana_track *t)
{
	double len = layout_len();
	t->step_m = STEP;
	t->length_m = len;
	t->n = (size_t)floor(len / STEP);
	t->x = calloc(t->n, sizeof(double));
	t->y = calloc(t->n, sizeof(double));
	t->curv = calloc(t->n, sizeof(double));
	double h = 0, x = 0, y = 0;
	for (size_t i = 0; i < t->n; i++) {
		double r = radius_at((double)i * STEP);
		t->curv[i] = r > 0 ? 1.0 / r : 0;
		t->x[i] = x;
		t->y[i] = y;
		h += t->curv[i] * STEP;
		x += cos(h) * STEP;
		y += sin(h) * STEP;
	}
}

static void free_track(struct ana_track *t)
{
	free(t->x);
	free(t->y);
	free(t->curv);
}

static void delta_of(const struct ana_grid *lap, const struct ana_grid *ref,
		     double *delta)
{
	for (size_t i = 0; i < ref->n; i++)
		delta[i] = lap->t[i] - ref->t[i];
}

/* ------------------------------------------------------------------ */

static void check_tiling(const struct ana_corners *cs)
{
	assert_true(cs->n > 0);
	assert_true(cs->c[0].start_m == 0);
	for (size_t k = 0; k < cs->n; k++) {
		const struct ana_corner *c = &cs->c[k];
		assert_int_equal(c->number, (int)k + 1);
		assert_true(c->start_m < c->apex_m);
		assert_true(c->apex_m < c->end_m);
		if (k + 1 < cs->n)
			assert_true(c->end_m == cs->c[k + 1].start_m);
		else
			assert_true(c->end_m == cs->length_m);
		if (isfinite(c->brake_m))
			assert_true(c->brake_m >= c->start_m);
	}
}

static void check_three(const struct ana_corners *cs)
{
	if (cs->n != 3)
		fail_msg("found %zu corners, want 3", cs->n);
	for (int k = 0; k < 3; k++) {
		const struct ana_corner *c = &cs->c[k];
		/* constant speed on the arc: apex anywhere in it */
		if (!(c->apex_m >= arc_start(k) - 5 &&
		      c->apex_m <= arc_end(k) + 5))
			fail_msg(
			    "corner %d apex %.1f m outside arc [%.1f, %.1f]",
			    k + 1, c->apex_m, arc_start(k), arc_end(k));
		assert_false(c->complex);
	}
	check_tiling(cs);
}

static void test_find_curvature(void **state)
{
	(void)state;
	struct ana_grid ref;
	struct ana_track t;
	make_lap(&ref, 0, 1);
	make_track(&t);
	const struct ana_grid *refs[] = {&ref};
	struct ana_corners cs;
	struct tb_error err;
	assert_int_equal(ana_corners_find(&t, refs, 1, &cs, &err), TB_OK);
	check_three(&cs);
	for (int k = 0; k < 3; k++) {
		const double r[3] = {30, 60, 120};
		assert_true(fabs(cs.c[k].curv_max - 1 / r[k]) < 0.2 / r[k]);
		/* the reference brakes right before the arc */
		double v0 = VTOP, vc = sqrt(A_LAT * r[k]);
		double bd = (v0 * v0 - vc * vc) / (2 * A_BRK);
		if (fabs(cs.c[k].brake_m - (arc_start(k) - bd)) > 3)
			fail_msg("corner %d brake %.1f, want %.1f", k + 1,
				 cs.c[k].brake_m, arc_start(k) - bd);
	}
	/* stable: again, and with two references, the same numbers */
	struct ana_grid slow;
	make_lap(&slow, 20, 1);
	const struct ana_grid *refs2[] = {&ref, &slow};
	struct ana_corners cs2;
	assert_int_equal(ana_corners_find(&t, refs2, 2, &cs2, &err), TB_OK);
	assert_int_equal(cs2.n, cs.n);
	for (size_t k = 0; k < cs.n; k++) {
		assert_int_equal(cs2.c[k].number, cs.c[k].number);
		assert_true(fabs(cs2.c[k].apex_m - cs.c[k].apex_m) < 5);
	}
	struct ana_corners cs3;
	assert_int_equal(ana_corners_find(&t, refs, 1, &cs3, &err), TB_OK);
	assert_memory_equal(&cs3, &cs, sizeof(cs));
	free_track(&t);
	grid_free(&ref);
	grid_free(&slow);
}

static void test_find_speed(void **state)
{
	(void)state;
	struct ana_grid ref;
	make_lap(&ref, 0, 1);
	const struct ana_grid *refs[] = {&ref};
	struct ana_corners cs;
	struct tb_error err;
	assert_int_equal(ana_corners_find(NULL, refs, 1, &cs, &err), TB_OK);
	check_three(&cs);
	assert_true(isnan(cs.c[0].curv_max));
	grid_free(&ref);
}

/* The acceptance case: braking 20 m early for corner 2. */
static void test_early_braking(void **state)
{
	(void)state;
	struct ana_grid ref, slow;
	struct ana_track t;
	make_lap(&ref, 0, 1);
	make_lap(&slow, 20, 1);
	make_track(&t);
	const struct ana_grid *refs[] = {&ref};
	struct ana_corners cs;
	struct tb_error err;
	assert_int_equal(ana_corners_find(&t, refs, 1, &cs, &err), TB_OK);
	assert_int_equal(cs.n, 3);
	double *delta = malloc(ref.n * sizeof(double));
	delta_of(&slow, &ref, delta);
	double final = delta[ref.n - 1], sum = 0;
	printf("lap delta %.4f s\n", final);
	assert_true(final > 0.01);
	for (size_t k = 0; k < cs.n; k++) {
		struct ana_corner_metrics ml, mr;
		assert_int_equal(ana_corner_metrics(&slow, &cs, k, &ml, &err),
				 TB_OK);
		assert_int_equal(ana_corner_metrics(&ref, &cs, k, &mr, &err),
				 TB_OK);
		double loss = ana_corner_loss(delta, ref.n, STEP, &cs.c[k]);
		sum += loss;
		printf("corner %d: brake %.1f (ref %.1f) loss %.5f s\n",
		       cs.c[k].number, ml.brake_m, mr.brake_m, loss);
		/* segment time difference is the loss */
		assert_true(fabs((ml.time_s - mr.time_s) - loss) < 1e-9);
		assert_int_equal(ml.unknown, 0);
		if (k == 1) {
			double db = ml.brake_m - mr.brake_m;
			if (fabs(db + 20) > 2)
				fail_msg("corner 2 brake delta %.2f m", db);
			assert_true(fabs(loss - final) < 1e-3);
		} else {
			assert_true(fabs(ml.brake_m - mr.brake_m) < 1e-9);
			assert_true(fabs(loss) < 1e-3);
		}
	}
	assert_true(fabs(sum - final) < 1e-9);
	free(delta);
	free_track(&t);
	grid_free(&ref);
	grid_free(&slow);
}

static void test_metrics_values(void **state)
{
	(void)state;
	struct ana_grid ref;
	make_lap(&ref, 0, 1);
	const struct ana_grid *refs[] = {&ref};
	struct ana_corners cs;
	struct tb_error err;
	assert_int_equal(ana_corners_find(NULL, refs, 1, &cs, &err), TB_OK);
	struct ana_corner_metrics m;
	assert_int_equal(ana_corner_metrics(&ref, &cs, 0, &m, &err), TB_OK);
	double vc = sqrt(A_LAT * 30) * TB_KMH_PER_MS;
	assert_true(fabs(m.min_kmh - vc) < 0.5);
	assert_true(fabs(m.entry_kmh - VTOP * TB_KMH_PER_MS) < 2);
	assert_true(fabs(m.brake_peak - 1) < 1e-9);
	assert_true(m.brake_build_s >= 0 && m.brake_build_s < 0.1);
	assert_true(fabs(m.trail_release_m - arc_start(0)) < 3);
	/* steering starts with the arc, brakes are off by then */
	assert_true(m.overlap_m < 3);
	assert_true(m.coast_m < 1e-9);
	/* maintenance throttle (50 %) from the arc's start, full after it */
	assert_true(fabs(m.throttle_m - arc_start(0)) < 3);
	assert_true(fabs(m.full_throttle_m - (arc_end(0) - arc_start(0))) < 3);
	assert_true(m.exit_kmh[0] > vc && m.exit_kmh[1] > m.exit_kmh[0] &&
		    m.exit_kmh[2] > m.exit_kmh[1]);
	assert_true(m.gear_apex == floor(sqrt(A_LAT * 30) / 12) + 1);
	assert_true(m.steer_corrections == 0);
	assert_true(m.time_s > 0);
	grid_free(&ref);
}

/* Missing steering and an on/off brake: those metrics are unknown. */
static void test_unknown(void **state)
{
	(void)state;
	struct ana_grid ref;
	make_lap(&ref, 0, 1);
	const struct ana_grid *refs[] = {&ref};
	struct ana_corners cs;
	struct tb_error err;
	assert_int_equal(ana_corners_find(NULL, refs, 1, &cs, &err), TB_OK);
	ref.chans &= ~TB_CHBIT(TB_CH_STEER);
	ref.src |= ANA_SRC_BRAKE_BINARY;
	for (size_t i = 0; i < ref.n; i++)
		ref.col[TB_CH_BRAKE][i] = ref.col[TB_CH_BRAKE][i] > 0.05;
	struct ana_corner_metrics m;
	assert_int_equal(ana_corner_metrics(&ref, &cs, 1, &m, &err), TB_OK);
	assert_true(isnan(m.overlap_m) && isnan(m.steer_corrections));
	assert_true(isnan(m.brake_build_s) && isnan(m.trail_release_m));
	assert_true(m.unknown & TB_CHBIT(TB_CH_STEER));
	assert_true(m.unknown & TB_CHBIT(TB_CH_BRAKE));
	assert_true(isfinite(m.brake_m) && isfinite(m.min_kmh));
	grid_free(&ref);
}

static void test_robustness(void **state)
{
	(void)state;
	struct ana_grid ref, empty, nans;
	make_lap(&ref, 0, 1);
	grid_alloc(&empty, 0, 0, 0);
	make_lap(&nans, 0, 1);
	for (size_t i = 0; i < nans.n; i++)
		nans.col[TB_CH_SPEED][i] = NAN;
	nans.chans &= ~(TB_CHBIT(TB_CH_THROTTLE) | TB_CHBIT(TB_CH_BRAKE));
	struct ana_corners cs;
	struct tb_error err;
	const struct ana_grid *r_empty[] = {&empty};
	const struct ana_grid *r_null[] = {NULL};
	const struct ana_grid *r_nan[] = {&nans};
	const struct ana_grid *r_ok[] = {&ref};
	assert_int_equal(ana_corners_find(NULL, NULL, 0, &cs, &err),
			 TB_ERR_ARG);
	printf("%s\n", err.msg);
	assert_int_equal(ana_corners_find(NULL, r_empty, 1, &cs, &err),
			 TB_ERR_ARG);
	printf("%s\n", err.msg);
	assert_int_equal(ana_corners_find(NULL, r_null, 1, &cs, &err),
			 TB_ERR_ARG);
	assert_int_equal(ana_corners_find(NULL, r_nan, 1, &cs, &err),
			 TB_ERR_NOTFOUND);
	printf("%s\n", err.msg);
	assert_int_equal(ana_corners_find(NULL, r_ok, 1, &cs, &err), TB_OK);
	struct ana_corner_metrics m;
	assert_int_equal(ana_corner_metrics(&empty, &cs, 0, &m, &err),
			 TB_ERR_ARG);
	printf("%s\n", err.msg);
	assert_int_equal(ana_corner_metrics(&ref, &cs, 99, &m, &err),
			 TB_ERR_ARG);
	/* all-NAN speed, no pedals: known nothing, no crash */
	assert_int_equal(ana_corner_metrics(&nans, &cs, 0, &m, &err), TB_OK);
	assert_true(isnan(m.min_kmh) && isnan(m.brake_m));
	assert_true(m.unknown & TB_CHBIT(TB_CH_BRAKE));
	/* another layout */
	struct ana_grid other;
	grid_alloc(&other, 100, 99 * STEP, ALL_CH);
	assert_int_equal(ana_corner_metrics(&other, &cs, 0, &m, &err),
			 TB_ERR_RANGE);
	printf("%s\n", err.msg);
	assert_true(isnan(ana_corner_loss(NULL, 3, 1, &cs.c[0])));
	struct ana_session_summary *s = malloc(sizeof(*s));
	struct ana_session_lap sl = {&ref, 0, false};
	assert_int_equal(ana_session_summarize(&sl, 1, &cs, s, &err),
			 TB_ERR_ARG);
	printf("%s\n", err.msg);
	free(s);
	grid_free(&other);
	grid_free(&ref);
	grid_free(&empty);
	grid_free(&nans);
}

static void test_session(void **state)
{
	(void)state;
	enum { N = 12 };
	struct ana_grid g[N];
	struct ana_session_lap laps[N];
	for (int i = 0; i < N; i++) {
		/* lap i is slightly faster in one corner, slower elsewhere */
		make_lap(&g[i], i % 3 == 1 ? 10 : 0, 0.97 + 0.005 * (i % 5));
		laps[i] = (struct ana_session_lap){&g[i], (uint8_t)(i % 2),
						   i != N - 1};
	}
	const struct ana_grid *refs[] = {&g[0]};
	struct ana_corners cs;
	struct tb_error err;
	assert_int_equal(ana_corners_find(NULL, refs, 1, &cs, &err), TB_OK);
	struct ana_session_summary *s = malloc(sizeof(*s));
	assert_int_equal(ana_session_summarize(laps, N, &cs, s, &err), TB_OK);
	assert_int_equal(s->n_clean, N - 1);
	assert_int_equal(s->n_cars, 2);
	assert_true(s->car_best[0] != SIZE_MAX && s->car_best[1] != SIZE_MAX);
	assert_int_equal(s->car_best[2], SIZE_MAX);
	assert_true(s->best_lap == s->car_best[0] ||
		    s->best_lap == s->car_best[1]);
	assert_true(s->theoretical_s <= s->best_lap_s + 1e-9);
	double sum = 0;
	for (size_t k = 0; k < cs.n; k++) {
		assert_int_equal(s->c[k].n_laps, N - 1);
		assert_true(s->c[k].time_sd_s > 0);
		assert_true(s->c[k].min_kmh_sd > 0);
		sum += s->c[k].best_s;
	}
	assert_true(fabs(sum - s->theoretical_s) < 1e-9);
	printf("best %.3f s theoretical %.3f s\n", s->best_lap_s,
	       s->theoretical_s);
	free(s);
	for (int i = 0; i < N; i++)
		grid_free(&g[i]);
}

/* Two arcs 100 m apart: one complex. */
static void test_complex(void **state)
{
	(void)state;
	struct piece saved[7];
	size_t ns = n_pieces;
	memcpy(saved, layout, sizeof(saved));
	n_pieces = 0;
	layout[n_pieces++] = (struct piece){400, 0};
	layout[n_pieces++] = (struct piece){40, 40};
	layout[n_pieces++] = (struct piece){60, 0};
	layout[n_pieces++] = (struct piece){40, 40};
	layout[n_pieces++] = (struct piece){800, 0};
	layout[n_pieces++] = (struct piece){90, 30};
	layout[n_pieces++] = (struct piece){500, 0};
	struct ana_grid ref;
	struct ana_track t;
	make_lap(&ref, 0, 1);
	make_track(&t);
	const struct ana_grid *refs[] = {&ref};
	struct ana_corners cs;
	struct tb_error err;
	assert_int_equal(ana_corners_find(&t, refs, 1, &cs, &err), TB_OK);
	assert_int_equal(cs.n, 2);
	assert_true(cs.c[0].complex);
	assert_false(cs.c[1].complex);
	check_tiling(&cs);
	free_track(&t);
	grid_free(&ref);
	memcpy(layout, saved, sizeof(saved));
	n_pieces = ns;
}

int main(void)
{
	make_layout();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find_curvature),
	    cmocka_unit_test(test_find_speed),
	    cmocka_unit_test(test_early_braking),
	    cmocka_unit_test(test_metrics_values),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_robustness),
	    cmocka_unit_test(test_session),
	    cmocka_unit_test(test_complex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

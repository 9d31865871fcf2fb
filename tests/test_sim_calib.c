/* test_sim_calib.c - a car class calibrated from real laps: the F1
 * class fitted to the fastest lap of the 2026 Bahrain test (17 drivers'
 * best laps, TracingInsights), on a track built from the laps' own x/y
 * and on the circuit file: the limit lap within 2 % of the real lap and
 * its speed trace correlated with the real one (checked here with its
 * own sampling, not the fit's); the car as key=value text. */
#include "tb_test.h"

#include <math.h>

#include "formats/f1ti.h"
#include "sim/sim.h"

#define LAPS_MAX  64
#define LAP_BAND  0.02 /* the acceptance: within 2 % of the real lap */
#define CORR_MIN  0.95 /* measured 0.988 (laps) and 0.972 (circuit) */
#define GRID_STEP 1.0  /* m of the check's own grid */

struct laps {
	struct tb_lap l[LAPS_MAX];
	size_t n;
};

static enum tb_status keep(void *ctx, const struct tb_session_info *si,
			   const struct tb_car_info *ci, struct tb_lap *lap,
			   const struct fmt_lap_meta *meta)
{
	(void)si;
	(void)ci;
	(void)meta;
	struct laps *s = ctx;
	if (lap->lap_time_ms <= 0 || (lap->flags & (TB_LAP_OUT | TB_LAP_IN)) ||
	    s->n == LAPS_MAX)
		return TB_OK;
	tb_lap_init(&s->l[s->n]);
	tb_lap_move(&s->l[s->n], lap);
	s->n++;
	return TB_OK;
}

static int by_time(const void *a, const void *b)
{
	const struct tb_lap *x = *(const struct tb_lap *const *)a;
	const struct tb_lap *y = *(const struct tb_lap *const *)b;
	return (x->lap_time_ms > y->lap_time_ms) -
	       (x->lap_time_ms < y->lap_time_ms);
}

/* Real speed at lap distance d: linear between the lap's samples. */
static double real_speed(const struct tb_lap *l, double d)
{
	const double *x = l->col[TB_CH_LAP_DIST], *v = l->col[TB_CH_SPEED];
	size_t i = 1;
	while (i + 1 < l->n && x[i] < d)
		i++;
	double w = (d - x[i - 1]) / (x[i] - x[i - 1]);
	w = w < 0 ? 0 : (w > 1 ? 1 : w);
	return v[i - 1] * (1 - w) + v[i] * w;
}

/* Correlation of the car's limit lap with the real lap on a 1 m grid of
 * normalised distance (the real lap's start at shift_m of the track). */
static double check_corr(const struct ana_track *t, const struct sim_car *c,
			 const struct tb_lap *real, double shift_m,
			 double *lap_s)
{
	struct sim_result r;
	struct tb_error err;
	if (sim_solve(t, c, &r, &err) != TB_OK)
		fail_msg("%s", err.msg);
	*lap_s = r.lap_time_s;
	double len = real->col[TB_CH_LAP_DIST][real->n - 1];
	size_t g = (size_t)(t->length_m / GRID_STEP);
	double *a = malloc(sizeof(double) * g), *b = malloc(sizeof(double) * g);
	assert_non_null(a);
	assert_non_null(b);
	for (size_t k = 0; k < g; k++) {
		double f = ((double)k + 0.5) / (double)g;
		double s = fmod(f * t->length_m + shift_m, t->length_m);
		size_t i = (size_t)(s / t->step_m) % t->n;
		a[k] = r.v[i];
		b[k] = real_speed(real, f * len);
	}
	double cc = sim_pearson(a, b, g);
	free(a);
	free(b);
	sim_result_release(&r);
	return cc;
}

static void calibrate_on(const char *what, const struct ana_track *t,
			 const struct tb_lap **ptr, size_t n)
{
	struct sim_car base, car;
	struct sim_calib_report rep;
	struct tb_error err;
	assert_int_equal(sim_car_class(TB_CLASS_F1, &base, &err), TB_OK);
	if (sim_calibrate(t, ptr, n, &base, NULL, &car, &rep, &err) != TB_OK)
		fail_msg("%s: %s", what, err.msg);
	double lap_s;
	double cc =
	    check_corr(t, &car, ptr[rep.lap_index], rep.shift_m, &lap_s);
	double rel = lap_s / rep.real_lap_s - 1;
	print_message("%-8s real %.3f s  base %.3f s (corr %.4f)  "
		      "calibrated %.3f s (%+.2f %%) corr %.4f (fit %.4f), "
		      "RMS %.1f km/h, %d runs\n",
		      what, rep.real_lap_s, rep.base_lap_s, rep.base_corr,
		      lap_s, 100 * rel, cc, rep.corr,
		      rep.rmse_ms * TB_KMH_PER_MS, rep.evals);
	assert_true(fabs(rep.real_lap_s - 93.669) < 1e-9); /* ANT, lap 15 */
	assert_true(fabs(lap_s - rep.lap_s) < 1e-9);
	assert_true(fabs(rel) <= LAP_BAND);
	assert_true(cc >= CORR_MIN);
	assert_true(rep.rmse_ms < rep.base_rmse_ms);
	/* The envelope saw braking harder than 2.5 g at high speed. */
	double brake = 0;
	for (int b = 0; b < SIM_CALIB_BINS; b++)
		brake = fmax(brake, rep.env[b].brake_g);
	assert_true(brake > 2.5);
}

static void test_calibrate_bahrain(void **state)
{
	(void)state;
	const char *dir = tbt_data_dir();
	if (!dir) {
		skip();
		return;
	}
	char path[512];
	snprintf(path, sizeof(path),
		 "%s/f1-2026-testing-tracinginsights/"
		 "practice3",
		 dir);
	if (access(path, R_OK) != 0) {
		print_message("%s absent, skipped\n", path);
		skip();
		return;
	}
	static struct laps s;
	struct tb_error err;
	s.n = 0;
	if (fmt_f1ti_import_dir(path, keep, &s, NULL, &err) != TB_OK)
		fail_msg("%s", err.msg);
	assert_true(s.n >= 17);
	const struct tb_lap *ptr[LAPS_MAX];
	for (size_t i = 0; i < s.n; i++)
		ptr[i] = &s.l[i];
	qsort(ptr, s.n, sizeof(ptr[0]), by_time);
	/* Track 1: the median path of the five fastest laps. */
	struct ana_track model, t;
	size_t used;
	assert_int_equal(ana_track_build(ptr, 5, 1.0, &model, &used, &err),
			 TB_OK);
	assert_int_equal(sim_track_from_model(&model, 10, NULL, &t, &err),
			 TB_OK);
	ana_track_release(&model);
	calibrate_on("laps", &t, ptr, s.n);
	ana_track_release(&t);
	/* Track 2: the circuit file, its start found by correlation. */
	snprintf(path, sizeof(path),
		 "%s/tracks/bacinger-f1-circuits/csv_local_m/bh-2002.csv", dir);
	if (sim_track_load_csv(path, NULL, &t, &err) != TB_OK)
		fail_msg("%s", err.msg);
	calibrate_on("bh-2002", &t, ptr, s.n);
	ana_track_release(&t);
	for (size_t i = 0; i < s.n; i++)
		tb_lap_release(&s.l[i]);
}

/* The car file: written and read back exactly; errors name the line. */
static void test_car_text(void **state)
{
	(void)state;
	struct sim_car car, back;
	struct tb_error err;
	assert_int_equal(sim_car_class(TB_CLASS_GT3, &car, &err), TB_OK);
	car.mu = 1.234567890123;
	char buf[1024];
	assert_int_equal(sim_car_format(&car, buf, sizeof(buf), &err), TB_OK);
	assert_int_equal(sim_car_class(TB_CLASS_F1, &back, &err), TB_OK);
	assert_int_equal(sim_car_parse(buf, &back, &err), TB_OK);
	assert_string_equal(car.name, back.name);
	/* Every other field exactly (%.17g round-trips a double). */
	memset(car.name, 0, sizeof(car.name));
	memset(back.name, 0, sizeof(back.name));
	assert_memory_equal(&car, &back, sizeof(car));
	assert_int_equal(sim_car_format(&car, buf, 40, &err), TB_ERR_LIMIT);
	assert_int_equal(sim_car_parse("mu=1.5\nwings=3\n", &back, &err),
			 TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_int_equal(sim_car_parse("mu=abc\n", &back, &err),
			 TB_ERR_CORRUPT);
	assert_int_equal(sim_car_parse("mu=50\n", &back, &err), TB_ERR_ARG);
	assert_non_null(strstr(err.msg, "mu"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_car_text),
	    cmocka_unit_test(test_calibrate_bahrain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

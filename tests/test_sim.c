/* test_sim.c - the lap-time simulator: built-in tracks, class order,
 * monotonicity in grip / power / downforce, the friction ellipse and
 * the traction / brake caps at every point, lap closure, the ring's
 * closed form, the lap as channels, errors; and (data present) F1
 * limit laps on five real circuits against 2024/2025 pole times. */
#include "tb_test.h"

#include <math.h>

#include "sim/sim.h"

/* Slack on the physics checks: the passes are exact up to rounding, so
 * a relative 1e-6 on the ellipse and the caps. */
#define TOL 1e-6
#define PI  3.14159265358979323846

static void load_builtin(const char *name, struct ana_track *t)
{
	struct tb_error err;
	enum tb_status st = sim_track_builtin(name, t, &err);
	if (st != TB_OK)
		fail_msg("%s: %s", name, err.msg);
}

static double lap_time(const struct ana_track *t, const struct sim_car *c)
{
	struct sim_result r;
	struct tb_error err;
	if (sim_solve(t, c, &r, &err) != TB_OK)
		fail_msg("solve: %s", err.msg);
	double lt = r.lap_time_s;
	sim_result_release(&r);
	return lt;
}

static struct sim_car car_of(enum tb_car_class c)
{
	struct sim_car car;
	struct tb_error err;
	assert_int_equal(sim_car_class(c, &car, &err), TB_OK);
	return car;
}

static void test_builtin_tracks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sim_builtin_count(); i++) {
		struct ana_track t;
		load_builtin(sim_builtin_name(i), &t);
		/* Closed: the last point is one step from the first. */
		double gap =
		    hypot(t.x[t.n - 1] - t.x[0], t.y[t.n - 1] - t.y[0]);
		if (fabs(gap - t.step_m) > 0.05)
			fail_msg("%s: closing gap %.3f m, step %.3f",
				 sim_builtin_name(i), gap, t.step_m);
		assert_true(fabs(t.step_m - 1.0) < 0.01);
		/* Total heading change is one turn. */
		double turn = 0;
		for (size_t k = 0; k < t.n; k++)
			turn += t.curv[k] * t.step_m;
		assert_true(fabs(turn - 2 * PI) < 1e-6);
		ana_track_release(&t);
	}
	struct ana_track t;
	load_builtin("ring", &t);
	assert_true(fabs(t.length_m - 2 * PI * 200) < 1e-6);
	for (size_t k = 0; k < t.n; k++)
		assert_true(fabs(t.curv[k] - 1.0 / 200) < 1e-9);
	ana_track_release(&t);
	load_builtin("club", &t);
	assert_true(t.length_m > 4900 && t.length_m < 5300);
	ana_track_release(&t);
}

/* A spline through a coarse polygon of a circle gives a smooth
 * curvature close to the circle's. */
static void test_from_xy_circle(void **state)
{
	(void)state;
	double x[24], y[24];
	for (int i = 0; i < 24; i++) {
		x[i] = 300 * cos(2 * PI * i / 24);
		y[i] = 300 * sin(2 * PI * i / 24);
	}
	struct ana_track t;
	struct tb_error err;
	assert_int_equal(sim_track_from_xy(x, y, 24, 6, NULL, &t, &err), TB_OK);
	assert_true(fabs(t.length_m - 2 * PI * 300) < 2.0);
	assert_true(fabs(t.x[0] - x[6]) < 1e-6 && fabs(t.y[0] - y[6]) < 1e-6);
	for (size_t k = 0; k < t.n; k++) {
		if (fabs(t.curv[k] - 1.0 / 300) > 2e-5)
			fail_msg("point %zu curvature %g, expected %g", k,
				 t.curv[k], 1.0 / 300);
	}
	ana_track_release(&t);
}

static void test_class_order(void **state)
{
	(void)state;
	const char *tracks[] = {"club", "oval"};
	for (size_t k = 0; k < 2; k++) {
		struct ana_track t;
		load_builtin(tracks[k], &t);
		struct sim_car c = car_of(TB_CLASS_F1);
		double f1 = lap_time(&t, &c);
		c = car_of(TB_CLASS_LMH);
		double lmh = lap_time(&t, &c);
		c = car_of(TB_CLASS_GT3);
		double gt3 = lap_time(&t, &c);
		c = car_of(TB_CLASS_RALLY);
		double rally = lap_time(&t, &c);
		print_message("%s: F1 %.3f LMH %.3f GT3 %.3f Rally %.3f s\n",
			      tracks[k], f1, lmh, gt3, rally);
		assert_true(f1 < lmh);
		assert_true(lmh < gt3);
		assert_true(gt3 < rally);
		ana_track_release(&t);
	}
}

/* More grip, power or downforce never makes a lap slower. */
static void check_monotone(const struct ana_track *t);

static void test_monotone(void **state)
{
	(void)state;
	struct ana_track t;
	load_builtin("club", &t);
	check_monotone(&t);
	ana_track_release(&t);
}

static void check_monotone(const struct ana_track *t)
{
	static const double scale[] = {0.7, 0.85, 1.0, 1.15, 1.3, 1.6};
	for (int c = TB_CLASS_F1; c <= TB_CLASS_RALLY; c++) {
		for (int p = 0; p < 3; p++) {
			double prev = INFINITY;
			for (size_t s = 0; s < 6; s++) {
				struct sim_car car = car_of(c);
				if (p == 0)
					car.mu *= scale[s];
				else if (p == 1)
					car.power_w *= scale[s];
				else
					car.cla_m2 = car.cla_m2 * scale[s] +
						     0.2 * (double)s;
				double lt = lap_time(t, &car);
				if (lt > prev + 1e-9)
					fail_msg("class %d param %d step %zu: "
						 "%.6f s after %.6f s",
						 c, p, s, lt, prev);
				prev = lt;
			}
		}
	}
}

/* Every point within the corner limit; every segment within the
 * friction ellipse and the drive / brake caps (drive side at the
 * segment's start, brake side at its end, as the passes work). */
static void check_limits(const struct ana_track *t, const struct sim_car *c,
			 const struct sim_result *r)
{
	double m = c->mass_kg, ds = r->step_m;
	double worst = 0;
	for (size_t i = 0; i < r->n; i++) {
		size_t j = (i + 1) % r->n;
		if (r->v[i] > r->v_lim[i] * (1 + TOL))
			fail_msg("point %zu: %.6f m/s over limit %.6f", i,
				 r->v[i], r->v_lim[i]);
		double ax = (r->v[j] * r->v[j] - r->v[i] * r->v[i]) / (2 * ds);
		struct sim_forces f;
		sim_car_forces(c, r->v[i], &f);
		double fx = m * ax + f.drag_n;
		size_t at = i;
		double v = r->v[i];
		if (fx < 0) {
			sim_car_forces(c, r->v[j], &f);
			fx = m * ax + f.drag_n;
			at = j;
			v = r->v[j];
			if (fx > 0)
				fx = 0; /* drag alone: no tyre force */
		}
		double fy = m * v * v * fabs(t->curv[at]);
		double e = (fx / f.fx_max) * (fx / f.fx_max) +
			   (fy / f.fy_max) * (fy / f.fy_max);
		if (fx > 0) {
			double cap = fmin(c->power_w / fmax(v, 1.0),
					  c->drive_frac * f.fx_max);
			if (fx > cap * (1 + TOL) + TOL)
				fail_msg("segment %zu: drive %.3f N over cap "
					 "%.3f N",
					 i, fx, cap);
			/* Traction uses drive_frac of the ellipse. */
			double ed = (fx / (c->drive_frac * f.fx_max)) *
					(fx / (c->drive_frac * f.fx_max)) +
				    (fy / f.fy_max) * (fy / f.fy_max);
			e = fmax(e, ed);
		} else if (-fx > c->brake_max_n * (1 + TOL)) {
			fail_msg("segment %zu: brake %.3f N over cap %.3f N", i,
				 -fx, c->brake_max_n);
		}
		if (e > 1 + TOL)
			fail_msg("segment %zu: friction ellipse %.9f > 1 "
				 "(fx %.1f fy %.1f)",
				 i, e, fx, fy);
		worst = fmax(worst, e);
	}
	/* At the limit somewhere, unless the whole lap is at one speed
	 * (F1 on the ring: power against drag, grip to spare). */
	if (worst < 0.99 && r->v_top - r->v_min > 0.01)
		fail_msg("ellipse never used: worst %.6f", worst);
}

static void test_limits_hold(void **state)
{
	(void)state;
	const char *tracks[] = {"club", "oval", "ring"};
	for (size_t k = 0; k < 3; k++) {
		struct ana_track t;
		load_builtin(tracks[k], &t);
		for (int c = TB_CLASS_F1; c <= TB_CLASS_RALLY; c++) {
			struct sim_car car = car_of(c);
			struct sim_result r;
			struct tb_error err;
			assert_int_equal(sim_solve(&t, &car, &r, &err), TB_OK);
			check_limits(&t, &car, &r);
			/* Closed lap: start = end speed within 0.1 m/s. */
			assert_true(r.closure_ms < 0.1);
			assert_true(fabs(r.t[r.n] - r.lap_time_s) < 1e-12);
			sim_result_release(&r);
		}
		ana_track_release(&t);
	}
}

/* Constant radius, no load sensitivity and no drag (with drag, part of
 * the ellipse goes to traction and the steady speed is lower): v solves
 * m v^2 / R = mu (m g + q ClA v^2) in closed form, lap time L / v. */
static void test_ring_closed_form(void **state)
{
	(void)state;
	struct ana_track t;
	load_builtin("ring", &t);
	struct sim_car car = car_of(TB_CLASS_GT3);
	car.load_sens = 0;
	car.cda_m2 = 0;
	car.crr = 0;
	double k = 1.0 / 200, m = car.mass_kg;
	double v = sqrt(car.mu * m * SIM_G /
			(m * k - car.mu * 0.5 * SIM_AIR_DENSITY * car.cla_m2));
	assert_true(v < car.v_top_ms);
	double lt = lap_time(&t, &car);
	if (fabs(lt - t.length_m / v) > 1e-6)
		fail_msg("ring: %.9f s, closed form %.9f s", lt,
			 t.length_m / v);
	/* And with load sensitivity the Newton root satisfies the
	 * equation. */
	car.load_sens = 0.2;
	double vs = sim_corner_speed(&car, k);
	struct sim_forces f;
	sim_car_forces(&car, vs, &f);
	assert_true(fabs(m * vs * vs * k - f.fy_max) < 1e-6 * f.fy_max);
	ana_track_release(&t);
}

static void test_lap_channels(void **state)
{
	(void)state;
	struct ana_track t;
	load_builtin("club", &t);
	struct sim_car car = car_of(TB_CLASS_F1);
	struct sim_result r;
	struct tb_error err;
	assert_int_equal(sim_solve(&t, &car, &r, &err), TB_OK);
	struct tb_lap lap;
	tb_lap_init(&lap);
	assert_int_equal(sim_result_to_lap(&t, &car, &r, 20, &lap, &err),
			 TB_OK);
	assert_int_equal(lap.n, (size_t)floor(r.lap_time_s * 20) + 2);
	assert_int_equal(lap.lap_time_ms, (int32_t)llround(r.lap_time_s * 1e3));
	static const enum tb_channel need[] = {
	    TB_CH_TIME,	 TB_CH_LAP_DIST, TB_CH_SPEED, TB_CH_THROTTLE,
	    TB_CH_BRAKE, TB_CH_GEAR,	 TB_CH_RPM,   TB_CH_G_LAT,
	    TB_CH_G_LON, TB_CH_POS_X,	 TB_CH_POS_Y};
	for (size_t c = 0; c < sizeof(need) / sizeof(need[0]); c++)
		assert_true(lap.chans & TB_CHBIT(need[c]));
	const double *d = lap.col[TB_CH_LAP_DIST];
	const double *sp = lap.col[TB_CH_SPEED];
	for (size_t i = 1; i < lap.n; i++)
		assert_true(d[i] >= d[i - 1]);
	assert_true(fabs(d[lap.n - 1] - t.length_m) < 1e-6);
	assert_true(fabs(lap.col[TB_CH_TIME][lap.n - 1] - r.lap_time_s) <
		    1e-12);
	/* Closed: first and last samples at the line, same speed. */
	assert_true(fabs(sp[0] - sp[lap.n - 1]) < 0.1);
	double brake_on = 0, full = 0;
	for (size_t i = 0; i < lap.n; i++) {
		double g = lap.col[TB_CH_GEAR][i];
		assert_true(g >= 1 && g <= car.n_gears);
		assert_true(lap.col[TB_CH_THROTTLE][i] >= 0 &&
			    lap.col[TB_CH_THROTTLE][i] <= 1);
		brake_on += lap.col[TB_CH_BRAKE][i] > 0.5;
		full += lap.col[TB_CH_THROTTLE][i] > 0.99;
	}
	assert_true(brake_on > 0 && full > lap.n / 4);
	tb_lap_release(&lap);
	sim_result_release(&r);
	ana_track_release(&t);
}

static void test_errors(void **state)
{
	(void)state;
	struct ana_track t;
	struct tb_error err;
	assert_int_equal(sim_track_builtin("nope", &t, &err), TB_ERR_NOTFOUND);
	double x[3] = {0, 1, 2}, y[3] = {0, 1, 0};
	assert_int_equal(sim_track_from_xy(x, y, 3, 0, NULL, &t, &err),
			 TB_ERR_ARG);
	assert_int_equal(sim_track_load_csv("/nonexistent.csv", NULL, &t, &err),
			 TB_ERR_IO);
	struct sim_car car;
	assert_int_equal(sim_car_class(TB_CLASS_OTHER, &car, &err), TB_ERR_ARG);
	enum tb_car_class cls;
	assert_int_equal(sim_class_by_name("gt3", &cls), TB_OK);
	assert_int_equal(cls, TB_CLASS_GT3);
	assert_int_equal(sim_class_by_name("kart", &cls), TB_ERR_NOTFOUND);
	load_builtin("oval", &t);
	car = car_of(TB_CLASS_F1);
	car.mu = -1;
	struct sim_result r;
	assert_int_equal(sim_solve(&t, &car, &r, &err), TB_ERR_ARG);
	assert_non_null(strstr(err.msg, "mu"));
	car = car_of(TB_CLASS_F1);
	assert_int_equal(sim_solve(&t, &car, &r, &err), TB_OK);
	struct tb_lap lap;
	tb_lap_init(&lap);
	assert_int_equal(sim_result_to_lap(&t, &car, &r, 0, &lap, &err),
			 TB_ERR_ARG);
	sim_result_release(&r);
	ana_track_release(&t);
	/* Out of memory leaks nothing. */
	for (long k = 1; k <= 6; k++) {
		tb_fault_fail_alloc_after(k);
		enum tb_status st = sim_track_builtin("club", &t, &err);
		tb_fault_fail_alloc_after(0);
		if (st == TB_OK)
			ana_track_release(&t);
		else
			assert_int_equal(st, TB_ERR_NOMEM);
	}
}

/* The racing line on the built-ins: inside the width everywhere,
 * closed, one turn, faster than the centre line, its distance mapped
 * monotonically onto the centre line's (ends on the line), and the
 * solver's physics checks holding on it. */
static void test_racing_line(void **state)
{
	(void)state;
	const char *tracks[] = {"club", "oval", "ring"};
	for (size_t k = 0; k < 3; k++) {
		struct ana_track t;
		load_builtin(tracks[k], &t);
		struct sim_car f1 = car_of(TB_CLASS_F1);
		struct sim_line l;
		struct tb_error err;
		double lt;
		if (sim_line_fastest(&t, NULL, &f1, &l, &lt, &err) != TB_OK)
			fail_msg("%s: %s", tracks[k], err.msg);
		double centre = lap_time(&t, &f1);
		print_message("%-5s centre %.3f s, racing line %.3f s "
			      "(%+.2f %%), length weight %g\n",
			      tracks[k], centre, lt, 100 * (lt / centre - 1),
			      l.length_weight);
		assert_true(lt < centre);
		assert_true(fabs(l.half_m - 5.0) < 1e-12); /* (12 - 2) / 2 */
		const struct ana_track *r = &l.track;
		double turn = 0, worst = 0, back = 0;
		for (size_t i = 0; i < r->n; i++) {
			double off;
			(void)ana_track_project(&t, r->x[i], r->y[i], NAN, 0, 0,
						&off);
			worst = fmax(worst, off);
			turn += r->curv[i] * r->step_m;
			if (i)
				back = fmax(back,
					    l.centre_m[i - 1] - l.centre_m[i]);
		}
		/* Nodes are clamped to 5 m; the spline between them may
		 * bulge by millimetres. */
		if (worst > l.half_m + 0.05)
			fail_msg("%s: %.3f m off the centre line", tracks[k],
				 worst);
		assert_true(back < 1e-6);
		assert_true(fabs(turn - 2 * PI) < 1e-3);
		double gap =
		    hypot(r->x[r->n - 1] - r->x[0], r->y[r->n - 1] - r->y[0]);
		assert_true(fabs(gap - r->step_m) < 0.05);
		assert_true(sim_line_centre_dist(&l, 0) < 0.5);
		assert_true(fabs(sim_line_centre_dist(&l, r->length_m) -
				 t.length_m) < 1e-9);
		/* The lap as channels in centre distance: each sample's
		 * position projects to its lap distance. */
		struct sim_result res;
		assert_int_equal(sim_solve(r, &f1, &res, &err), TB_OK);
		check_limits(r, &f1, &res);
		struct tb_lap lap;
		tb_lap_init(&lap);
		assert_int_equal(
		    sim_result_to_lap(r, &f1, &res, 20, &lap, &err), TB_OK);
		assert_int_equal(sim_line_lap_to_centre(&l, &lap, &err), TB_OK);
		const double *d = lap.col[TB_CH_LAP_DIST];
		for (size_t i = 0; i < lap.n; i++) {
			double x = lap.col[TB_CH_POS_X][i];
			double y = lap.col[TB_CH_POS_Y][i];
			double s =
			    ana_track_project(&t, x, y, d[i], 30, 30, NULL);
			double diff = fabs(s - d[i]);
			diff = fmin(diff, t.length_m - diff);
			if (diff > 1.0)
				fail_msg("%s: sample %zu at %.1f m maps to "
					 "%.1f m",
					 tracks[k], i, s, d[i]);
		}
		assert_true(fabs(d[lap.n - 1] - t.length_m) < 1e-6);
		tb_lap_release(&lap);
		sim_result_release(&res);
		if (k == 0)
			check_monotone(r);
		sim_line_release(&l);
		ana_track_release(&t);
	}
	/* Errors: a car wider than the track, no output. */
	struct ana_track t;
	load_builtin("club", &t);
	struct sim_line_opt o = sim_line_opt_default();
	o.car_width_m = 13;
	struct sim_line l;
	struct tb_error err;
	assert_int_equal(sim_line_racing(&t, &o, &l, &err), TB_ERR_ARG);
	assert_non_null(strstr(err.msg, "width"));
	assert_int_equal(sim_line_racing(&t, NULL, NULL, &err), TB_ERR_ARG);
	ana_track_release(&t);
}

/* F1 limit laps on real circuits against real pole times (docs/SIM.md
 * cites each). A centre line with smoothed curvature and no track
 * width stands in for the racing line, so the band is wide. */
#define POLE_BAND 0.12
/* On the racing line of a nominal 12 m width (docs/SIM.md): measured
 * -0.1 % .. +4.2 %. */
#define LINE_BAND 0.06

static void test_real_tracks(void **state)
{
	(void)state;
	const char *dir = tbt_data_dir();
	if (!dir) {
		skip();
		return;
	}
	static const struct {
		const char *id, *name;
		double pole_s;
	} poles[] = {
	    {"bh-2002", "Bahrain 2024", 89.179},
	    {"it-1922", "Monza 2024", 79.327},
	    {"gb-1948", "Silverstone 2024", 85.819},
	    {"mc-1929", "Monaco 2024", 70.270},
	    {"be-1925", "Spa 2025", 100.562},
	};
	struct sim_car car = car_of(TB_CLASS_F1);
	for (size_t i = 0; i < sizeof(poles) / sizeof(poles[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path),
			 "%s/tracks/bacinger-f1-circuits/csv_local_m/%s.csv",
			 dir, poles[i].id);
		if (access(path, R_OK) != 0) {
			print_message("%s: absent, skipped\n", path);
			continue;
		}
		struct ana_track t;
		struct tb_error err;
		if (sim_track_load_csv(path, NULL, &t, &err) != TB_OK)
			fail_msg("%s", err.msg);
		double lt = lap_time(&t, &car);
		double rel = lt / poles[i].pole_s - 1;
		print_message("%-17s %6.0f m  sim %7.3f s  pole %7.3f s  "
			      "%+5.1f %%\n",
			      poles[i].name, t.length_m, lt, poles[i].pole_s,
			      100 * rel);
		assert_true(fabs(rel) <= POLE_BAND);
		struct sim_car gt3 = car_of(TB_CLASS_GT3);
		assert_true(lap_time(&t, &gt3) > lt);
		struct sim_line l;
		double ll;
		if (sim_line_fastest(&t, NULL, &car, &l, &ll, &err) != TB_OK)
			fail_msg("%s", err.msg);
		double lrel = ll / poles[i].pole_s - 1;
		print_message("%-17s racing line %7.3f s  %+5.1f %%\n",
			      poles[i].name, ll, 100 * lrel);
		assert_true(fabs(lrel) <= LINE_BAND);
		sim_line_release(&l);
		ana_track_release(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin_tracks),
	    cmocka_unit_test(test_from_xy_circle),
	    cmocka_unit_test(test_class_order),
	    cmocka_unit_test(test_monotone),
	    cmocka_unit_test(test_limits_hold),
	    cmocka_unit_test(test_ring_closed_form),
	    cmocka_unit_test(test_lap_channels),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_racing_line),
	    cmocka_unit_test(test_real_tracks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

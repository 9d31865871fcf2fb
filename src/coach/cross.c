/* cross.c - laps of different car classes made comparable: each lap
 * against the physics limit lap of its own class on its own path (the
 * simulator), so that the shares of the available braking, cornering
 * and combined grip it uses mean the same for an F1 car and a GT3 car;
 * the lap-time difference split into the car's part (the limit laps)
 * and the drivers' part (each lap's gap to its limit). */
#include "coach.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../sim/sim.h"

#define LIMIT_RATE_HZ 50.0
#define PATH_STEP_M   4.0 /* positions kept about this far apart */
#define PATH_SIGMA_M  6.0 /* curvature smoothing of that path */

static bool has_pos(const struct tb_lap *lap)
{
	tb_chmask m = TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y);
	return (lap->chans & m) == m;
}

/* The lap's positions, decimated to about one every PATH_STEP_M (the
 * spline smooths between them), as a closed polyline. */
static enum tb_status path_of(const struct tb_lap *lap, double **x, double **y,
			      size_t *n, struct tb_error *err)
{
	*x = tb_malloc(lap->n * sizeof(double));
	*y = tb_malloc(lap->n * sizeof(double));
	if (!*x || !*y)
		return tb_fail(err, TB_ERR_NOMEM, "coach limit: path");
	const double *px = lap->col[TB_CH_POS_X], *py = lap->col[TB_CH_POS_Y];
	tb_chmask m = TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y);
	size_t k = 0;
	for (size_t i = 0; i < lap->n; i++) {
		if ((lap->mask[i] & m) != m || !isfinite(px[i]) ||
		    !isfinite(py[i]))
			continue;
		if (k > 0 &&
		    hypot(px[i] - (*x)[k - 1], py[i] - (*y)[k - 1]) < 10.0)
			continue;
		(*x)[k] = px[i];
		(*y)[k] = py[i];
		k++;
	}
	*n = k;
	if (k < 8)
		return tb_fail(err, TB_ERR_ARG,
			       "coach limit: %zu usable positions: no path "
			       "for a limit lap",
			       k);
	return TB_OK;
}

enum tb_status coach_limit_grid(const struct tb_lap *lap, enum tb_car_class cls,
				struct ana_grid *out, double *limit_s,
				struct tb_error *err)
{
	if (!lap || !out)
		return tb_fail(err, TB_ERR_ARG, "coach limit: NULL argument");
	memset(out, 0, sizeof(*out));
	if (!has_pos(lap))
		return tb_fail(err, TB_ERR_ARG,
			       "coach limit: the lap has no positions (x/y): "
			       "no path to solve the limit lap on");
	struct sim_car car;
	enum tb_status st = sim_car_class(cls, &car, err);
	if (st != TB_OK)
		return st;
	double *x = NULL, *y = NULL;
	size_t n = 0;
	struct ana_track t;
	struct sim_result res;
	struct tb_lap ll;
	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
	tb_lap_init(&ll);
	bool have_t = false, have_r = false;
	/* a recorded path is denser than a survey polyline: less
	 * smoothing, or hairpins would be opened up */
	struct sim_smooth sm = {.step_m = 1.0, .sigma_m = PATH_SIGMA_M};
	st = path_of(lap, &x, &y, &n, err);
	if (st == TB_OK)
		st = sim_track_from_xy(x, y, n, 0, &sm, &t, err);
	have_t = st == TB_OK;
	if (st == TB_OK)
		st = sim_solve(&t, &car, &res, err);
	have_r = st == TB_OK;
	if (st == TB_OK)
		st = sim_result_to_lap(&t, &car, &res, LIMIT_RATE_HZ, &ll, err);
	if (st == TB_OK)
		st = ana_grid_from_lap(&ll, NULL, 1.0, out, err);
	if (st == TB_OK && limit_s)
		*limit_s = res.lap_time_s;
	tb_lap_release(&ll);
	if (have_r)
		sim_result_release(&res);
	if (have_t)
		ana_track_release(&t);
	tb_free(x);
	tb_free(y);
	return st;
}

static enum tb_status shares(struct tb_buf *out, const char *what,
			     const struct coach_lap_result *r)
{
	return tb_buf_printf(out,
			     "  %-24s braking %3.0f %%, cornering %3.0f %%, "
			     "combined %3.0f %%; lap %.3f s, its limit %.3f s "
			     "(%+.3f s)\n",
			     what, 100 * r->grip_share[0],
			     100 * r->grip_share[1], 100 * r->grip_share[2],
			     r->lap_s, r->ref_s, r->lap_s - r->ref_s);
}

enum tb_status coach_cross_text(const struct coach_lap_result *a,
				enum tb_car_class cls_a,
				const struct coach_lap_result *b,
				enum tb_car_class cls_b, struct tb_buf *out,
				struct tb_error *err)
{
	if (!a || !b || !out)
		return tb_fail(err, TB_ERR_ARG, "coach cross: NULL argument");
	char na[64], nb[64];
	snprintf(na, sizeof(na),
		 "%s lap, of its limit:", tb_car_class_name(cls_a));
	snprintf(nb, sizeof(nb),
		 "%s lap, of its limit:", tb_car_class_name(cls_b));
	double car = b->ref_s - a->ref_s;
	double drv = (b->lap_s - b->ref_s) - (a->lap_s - a->ref_s);
	enum tb_status st = tb_buf_printf(out, "technique (share of the "
					       "class's grip used):\n");
	if (st == TB_OK)
		st = shares(out, na, a);
	if (st == TB_OK)
		st = shares(out, nb, b);
	if (st == TB_OK)
		st = tb_buf_printf(
		    out,
		    "lap time %s - %s: %+.3f s = the car %+.3f s (limit laps) "
		    "+ the drivers %+.3f s (gaps to their limits)\n"
		    "combined grip used: %s %.0f %%, %s %.0f %% - a "
		    "difference of %.0f points is the driver's, not the "
		    "car's\n",
		    tb_car_class_name(cls_b), tb_car_class_name(cls_a),
		    b->lap_s - a->lap_s, car, drv, tb_car_class_name(cls_a),
		    100 * a->grip_share[2], tb_car_class_name(cls_b),
		    100 * b->grip_share[2],
		    fabs(100 * (a->grip_share[2] - b->grip_share[2])));
	if (st != TB_OK)
		return tb_fail(err, st, "coach cross: %s", tb_strerror(st));
	return TB_OK;
}

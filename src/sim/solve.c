/* solve.c - the quasi-steady-state limit lap: corner speed limits, a
 * forward traction pass and a backward braking pass combined through
 * the friction ellipse, closed at the start line; and the solved lap as
 * canonical channels at any sample rate. */
#include "sim_int.h"

#include <math.h>
#include <string.h>

#define CLOSE_TOL_MS 1e-9
#define CLOSE_ITERS  50

/* Longitudinal acceleration available at speed v on curvature k:
 * drive (dir > 0) or braking (dir < 0, returned positive), the tyre
 * force scaled by the friction ellipse once the lateral force is
 * taken, drag included. */
double sim__accel_avail(const struct sim_car *car, double v, double k, int dir)
{
	struct sim_forces f;
	sim_car_forces(car, v, &f);
	double fy = car->mass_kg * v * v * fabs(k);
	double r = f.fy_max > 0 ? fy / f.fy_max : 1.0;
	double scale = r < 1.0 ? sqrt(1.0 - r * r) : 0.0;
	double grip = f.fx_max * scale;
	if (dir > 0) {
		double power = car->power_w / fmax(v, 1.0);
		double fx = fmin(power, car->drive_frac * grip);
		return (fx - f.drag_n) / car->mass_kg;
	}
	return (fmin(car->brake_max_n, grip) + f.drag_n) / car->mass_kg;
}

/* One pass around the lap from point k0 at speed v0: forward (dir > 0)
 * or backward. Writes v[] (v[k0] = v0) and returns the speed arriving
 * back at k0. */
static double pass(const struct sim_car *car, const double *curv,
		   const double *vlim, size_t n, double ds, size_t k0,
		   double v0, int dir, double *v)
{
	v[k0] = v0;
	double cur = v0;
	size_t i = k0;
	for (size_t j = 0; j < n; j++) {
		size_t nx = dir > 0 ? (i + 1) % n : (i + n - 1) % n;
		double a = sim__accel_avail(car, cur, curv[i], dir);
		double v2 = cur * cur + 2.0 * ds * a;
		double nv = v2 > 0 ? sqrt(v2) : 0.0;
		if (nv > vlim[nx])
			nv = vlim[nx];
		if (j + 1 < n)
			v[nx] = nv;
		cur = nv;
		i = nx;
	}
	return cur;
}

void sim_result_release(struct sim_result *r)
{
	if (!r)
		return;
	tb_free(r->v);
	tb_free(r->v_lim);
	tb_free(r->t);
	tb_free(r->ax);
	tb_free(r->fx);
	memset(r, 0, sizeof(*r));
}

/* Tyre longitudinal force on segment i: drive side evaluated at point
 * i, brake side at point i + 1 (as the passes do); 0 when drag alone
 * explains the deceleration. */
static double seg_force(const struct sim_car *car, double v0, double v1,
			double ax)
{
	struct sim_forces f0, f1;
	sim_car_forces(car, v0, &f0);
	double fa = car->mass_kg * ax + f0.drag_n;
	if (fa >= 0)
		return fa;
	sim_car_forces(car, v1, &f1);
	double fb = car->mass_kg * ax + f1.drag_n;
	return fb < 0 ? fb : 0.0;
}

void sim__finish(const struct sim_car *car, struct sim_result *r)
{
	size_t n = r->n;
	double ds = r->step_m;
	r->t[0] = 0;
	r->v_min = INFINITY;
	r->v_top = 0;
	for (size_t i = 0; i < n; i++) {
		double v0 = r->v[i], v1 = r->v[(i + 1) % n];
		r->ax[i] = (v1 * v1 - v0 * v0) / (2.0 * ds);
		r->fx[i] = seg_force(car, v0, v1, r->ax[i]);
		r->t[i + 1] = r->t[i] + 2.0 * ds / (v0 + v1);
		r->v_min = fmin(r->v_min, v0);
		r->v_top = fmax(r->v_top, v0);
	}
	r->lap_time_s = r->t[n];
}

enum tb_status sim__result_alloc(struct sim_result *r, size_t n, double step_m,
				 struct tb_error *err)
{
	memset(r, 0, sizeof(*r));
	r->n = n;
	r->step_m = step_m;
	r->v = tb_malloc(sizeof(double) * n);
	r->v_lim = tb_malloc(sizeof(double) * n);
	r->t = tb_malloc(sizeof(double) * (n + 1));
	r->ax = tb_malloc(sizeof(double) * n);
	r->fx = tb_malloc(sizeof(double) * n);
	if (!r->v || !r->v_lim || !r->t || !r->ax || !r->fx) {
		sim_result_release(r);
		return tb_fail(err, TB_ERR_NOMEM,
			       "sim: out of memory for %zu points", n);
	}
	return TB_OK;
}

enum tb_status sim_solve(const struct ana_track *track,
			 const struct sim_car *car, struct sim_result *out,
			 struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "sim: no output");
	memset(out, 0, sizeof(*out));
	if (!track || track->n < 10 || !track->curv || !(track->step_m > 0))
		return tb_fail(err, TB_ERR_ARG, "sim: empty track");
	enum tb_status st = sim_car_check(car, err);
	if (st != TB_OK)
		return st;
	size_t n = track->n;
	st = sim__result_alloc(out, n, track->step_m, err);
	if (st != TB_OK)
		return st;
	size_t k0 = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(track->curv[i])) {
			sim_result_release(out);
			return tb_fail(err, TB_ERR_ARG,
				       "sim: curvature at "
				       "point %zu is not finite",
				       i);
		}
		out->v_lim[i] = sim_corner_speed(car, track->curv[i]);
		if (out->v_lim[i] < out->v_lim[k0])
			k0 = i;
	}
	/* Start at the slowest corner, where the lap speed equals the
	 * limit; lower the start speed until both passes arrive back at
	 * it (only needed when the limit there is the gearing cap). The
	 * backward pass results go to ax as scratch. */
	double v0 = out->v_lim[k0], ds = track->step_m;
	double *vb = out->ax;
	int it = 0;
	double gap = 0;
	for (it = 1; it <= CLOSE_ITERS; it++) {
		double ef = pass(car, track->curv, out->v_lim, n, ds, k0, v0, 1,
				 out->v);
		double eb =
		    pass(car, track->curv, out->v_lim, n, ds, k0, v0, -1, vb);
		double end = fmin(ef, eb);
		gap = v0 - end;
		if (gap <= CLOSE_TOL_MS)
			break;
		v0 = end;
	}
	out->iterations = it > CLOSE_ITERS ? CLOSE_ITERS : it;
	out->closure_ms = gap > 0 ? gap : 0.0;
	for (size_t i = 0; i < n; i++)
		out->v[i] = fmin(out->v[i], vb[i]);
	sim__finish(car, out);
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* The lap as channels. */

static double frac(double num, double den)
{
	if (!(den > 0))
		return 0.0;
	double f = num / den;
	return f < 0 ? 0.0 : (f > 1 ? 1.0 : f);
}

static enum tb_status push_sample(const struct ana_track *track,
				  const struct sim_car *car,
				  const struct sim_result *r, size_t i,
				  double tau, struct tb_lap *out)
{
	size_t n = r->n, j = (i + 1) % n;
	double ds = r->step_m;
	double dt = tau - r->t[i];
	double v = r->v[i] + r->ax[i] * dt;
	double d = r->v[i] * dt + 0.5 * r->ax[i] * dt * dt;
	if (d > ds)
		d = ds;
	if (d < 0)
		d = 0;
	double w = d / ds;
	struct tb_frame f;
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_TIME, tau);
	tb_frame_set(&f, TB_CH_LAP_TIME, tau);
	tb_frame_set(&f, TB_CH_LAP_DIST, (double)i * ds + d);
	tb_frame_set(&f, TB_CH_SPEED, v);
	struct sim_forces fo;
	sim_car_forces(car, r->fx[i] >= 0 ? r->v[i] : r->v[j], &fo);
	double fd = car->power_w / fmax(r->v[i], 1.0);
	tb_frame_set(&f, TB_CH_THROTTLE, frac(r->fx[i], fd));
	tb_frame_set(&f, TB_CH_BRAKE, frac(-r->fx[i], fo.fx_brake));
	int gear;
	double rpm;
	sim_gearbox(car, v, &gear, &rpm);
	tb_frame_set(&f, TB_CH_GEAR, gear);
	tb_frame_set(&f, TB_CH_RPM, rpm);
	double k = track->curv[i] * (1 - w) + track->curv[j] * w;
	tb_frame_set(&f, TB_CH_G_LAT, v * v * k / SIM_G);
	tb_frame_set(&f, TB_CH_G_LON, r->ax[i] / SIM_G);
	tb_frame_set(&f, TB_CH_POS_X, track->x[i] * (1 - w) + track->x[j] * w);
	tb_frame_set(&f, TB_CH_POS_Y, track->y[i] * (1 - w) + track->y[j] * w);
	return tb_lap_push(out, &f);
}

enum tb_status sim_result_to_lap(const struct ana_track *track,
				 const struct sim_car *car,
				 const struct sim_result *res, double rate_hz,
				 struct tb_lap *out, struct tb_error *err)
{
	if (!track || !car || !res || !out || !res->v)
		return tb_fail(err, TB_ERR_ARG, "sim lap: missing argument");
	if (!(rate_hz > 0 && rate_hz <= 10000))
		return tb_fail(err, TB_ERR_ARG,
			       "sim lap: rate %g Hz not in "
			       "(0, 10000]",
			       rate_hz);
	if (track->n != res->n || !track->x || !track->y)
		return tb_fail(err, TB_ERR_ARG,
			       "sim lap: track has %zu points, "
			       "result %zu",
			       track->n, res->n);
	double lap = res->lap_time_s;
	double ns = floor(lap * rate_hz) + 2;
	if (ns > (double)TB_LAP_MAX_SAMPLES)
		return tb_fail(err, TB_ERR_LIMIT,
			       "sim lap: %.0f samples at "
			       "%g Hz, cap %u",
			       ns, rate_hz, TB_LAP_MAX_SAMPLES);
	tb_lap_release(out);
	out->lap_number = 1;
	out->lap_time_ms = (int32_t)llround(lap * 1000.0);
	for (int s = 0; s < 3; s++)
		out->sector_ms[s] = TB_TIME_UNKNOWN;
	size_t i = 0, n = res->n;
	for (size_t k = 0;; k++) {
		double tau = (double)k / rate_hz;
		bool last = tau >= lap;
		if (last)
			tau = lap;
		while (i + 1 < n && res->t[i + 1] <= tau)
			i++;
		enum tb_status st = push_sample(track, car, res, i, tau, out);
		if (st != TB_OK) {
			tb_lap_release(out);
			return tb_fail(err, st, "sim lap: sample %zu: %s", k,
				       tb_strerror(st));
		}
		if (last)
			break;
	}
	return TB_OK;
}

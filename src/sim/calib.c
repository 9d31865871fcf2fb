/* calib.c - a car calibrated from real laps: the grip, downforce, drag,
 * power and brake parameters fitted by a pattern search with the solver
 * in the loop against the fastest lap's speed trace on a grid of
 * normalised distance; the g-g-v envelope of the lap for the report;
 * and the car as a small key=value text. */
#include "sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAL_STEP0     0.16  /* first step of the search, log scale */
#define CAL_STEP_MIN  0.004 /* last */
#define CAL_EVALS_MAX 600
#define CAL_TIME_W                                                             \
	1.0 /* weight of the squared lap-time error, 1/s^2                     \
	       against (m/s)^2 of mean squared speed error */

struct sim_calib_opt sim_calib_opt_default(void)
{
	struct sim_calib_opt o = {10.0, CAL_EVALS_MAX};
	return o;
}

/* The fitted parameters, with their bounds. */
enum { P_MU, P_CLA, P_CDA, P_POWER, P_BRAKE, P__COUNT };

static const struct {
	const char *name;
	double lo, hi;
} params[P__COUNT] = {
    {"mu", 0.5, 4.0},	       {"cla_m2", 0.3, 15.0},	  {"cda_m2", 0.3, 3.0},
    {"power_w", 100e3, 1.5e6}, {"brake_max_n", 5e3, 2e5},
};

static double *param_ref(struct sim_car *c, int k)
{
	switch (k) {
	case P_MU:
		return &c->mu;
	case P_CLA:
		return &c->cla_m2;
	case P_CDA:
		return &c->cda_m2;
	case P_POWER:
		return &c->power_w;
	default:
		return &c->brake_max_n;
	}
}

/* Linear interpolation of y over increasing x at xq (clamped ends). */
static double interp(const double *x, const double *y, size_t n, double xq)
{
	if (xq <= x[0])
		return y[0];
	if (xq >= x[n - 1])
		return y[n - 1];
	size_t lo = 0, hi = n - 1;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (x[mid] <= xq)
			lo = mid;
		else
			hi = mid;
	}
	double span = x[hi] - x[lo];
	double w = span > 0 ? (xq - x[lo]) / span : 0;
	return y[lo] * (1 - w) + y[hi] * w;
}

static double lap_seconds(const struct tb_lap *l)
{
	if (l->lap_time_ms > 0)
		return l->lap_time_ms / 1000.0;
	const double *t = l->col[TB_CH_TIME];
	return t && l->n ? t[l->n - 1] - t[0] : NAN;
}

/* The real lap's speed on the grid of g points (fractions (k + 0.5) / g
 * of its own distance). Samples without speed or distance, or going
 * backwards in distance, are skipped. */
static enum tb_status real_trace(const struct tb_lap *l, size_t g, double *v,
				 double *len_m, struct tb_error *err)
{
	const double *d = l->col[TB_CH_LAP_DIST], *s = l->col[TB_CH_SPEED];
	if (!d || !s)
		return tb_fail(err, TB_ERR_ARG,
			       "calibrate: lap %u has no speed or "
			       "lap distance",
			       l->lap_number);
	double *x = tb_malloc(sizeof(double) * l->n);
	double *y = tb_malloc(sizeof(double) * l->n);
	if (!x || !y) {
		tb_free(x);
		tb_free(y);
		return tb_fail(err, TB_ERR_NOMEM, "calibrate: out of memory");
	}
	tb_chmask need = TB_CHBIT(TB_CH_LAP_DIST) | TB_CHBIT(TB_CH_SPEED);
	size_t m = 0;
	for (size_t i = 0; i < l->n; i++) {
		if ((l->mask[i] & need) != need || !isfinite(d[i]) ||
		    !isfinite(s[i]) || (m && d[i] <= x[m - 1]))
			continue;
		x[m] = d[i];
		y[m] = s[i];
		m++;
	}
	enum tb_status st = TB_OK;
	if (m < 50 || !(x[m - 1] > 1000)) {
		st = tb_fail(err, TB_ERR_ARG,
			     "calibrate: lap %u has %zu usable "
			     "samples over %.0f m",
			     l->lap_number, m, m ? x[m - 1] : 0.0);
	} else {
		*len_m = x[m - 1];
		for (size_t k = 0; k < g; k++)
			v[k] = interp(x, y, m,
				      *len_m * ((double)k + 0.5) / (double)g);
	}
	tb_free(x);
	tb_free(y);
	return st;
}

/* The simulated speed on the grid, the track's distance shifted by
 * shift points of the grid (the real lap's start on the track). */
static void sim_trace(const struct sim_result *r, size_t g, size_t shift,
		      double *v)
{
	double n = (double)r->n;
	for (size_t k = 0; k < g; k++) {
		double f = ((double)((k + shift) % g) + 0.5) / (double)g * n;
		size_t i = (size_t)f % r->n, j = (i + 1) % r->n;
		double w = f - floor(f);
		v[k] = r->v[i] * (1 - w) + r->v[j] * w;
	}
}

static double pearson(const double *a, const double *b, size_t n)
{
	double ma = 0, mb = 0;
	for (size_t i = 0; i < n; i++) {
		ma += a[i];
		mb += b[i];
	}
	ma /= (double)n;
	mb /= (double)n;
	double sab = 0, saa = 0, sbb = 0;
	for (size_t i = 0; i < n; i++) {
		sab += (a[i] - ma) * (b[i] - mb);
		saa += (a[i] - ma) * (a[i] - ma);
		sbb += (b[i] - mb) * (b[i] - mb);
	}
	return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

double sim_pearson(const double *a, const double *b, size_t n)
{
	return a && b && n > 1 ? pearson(a, b, n) : NAN;
}

/* The fit's state: the target trace and scratch. */
struct fit {
	const struct ana_track *track;
	size_t g, shift;
	const double *real;
	double real_s;
	double *sim;
	int evals;
};

/* Objective of car c: mean squared speed error on the grid plus the
 * weighted squared lap-time error; its lap time, correlation and RMS
 * error out. */
static enum tb_status evaluate(struct fit *f, const struct sim_car *c,
			       double *obj, double *lap_s, double *corr,
			       double *rmse, struct tb_error *err)
{
	struct sim_result r;
	enum tb_status st = sim_solve(f->track, c, &r, err);
	if (st != TB_OK)
		return st;
	f->evals++;
	sim_trace(&r, f->g, f->shift, f->sim);
	double se = 0;
	for (size_t k = 0; k < f->g; k++)
		se += (f->sim[k] - f->real[k]) * (f->sim[k] - f->real[k]);
	se /= (double)f->g;
	double dt = r.lap_time_s - f->real_s;
	*obj = se + CAL_TIME_W * dt * dt;
	if (lap_s)
		*lap_s = r.lap_time_s;
	if (corr)
		*corr = pearson(f->sim, f->real, f->g);
	if (rmse)
		*rmse = sqrt(se);
	sim_result_release(&r);
	return TB_OK;
}

/* Where the real lap starts on the track: the circular shift of the
 * simulated trace (base car) that correlates best with the real one. */
static enum tb_status find_shift(struct fit *f, const struct sim_car *c,
				 struct tb_error *err)
{
	struct sim_result r;
	enum tb_status st = sim_solve(f->track, c, &r, err);
	if (st != TB_OK)
		return st;
	double best = -2;
	size_t bs = 0;
	for (size_t s = 0; s < f->g; s++) {
		sim_trace(&r, f->g, s, f->sim);
		double cc = pearson(f->sim, f->real, f->g);
		if (cc > best) {
			best = cc;
			bs = s;
		}
	}
	f->shift = bs;
	sim_result_release(&r);
	return TB_OK;
}

/* Pattern search over the log of each parameter: try a step up and
 * down, keep what lowers the objective, halve the step when nothing
 * does. */
static enum tb_status search(struct fit *f, struct sim_car *car, int evals_max,
			     struct tb_error *err)
{
	double best;
	enum tb_status st = evaluate(f, car, &best, NULL, NULL, NULL, err);
	for (double step = CAL_STEP0;
	     st == TB_OK && step >= CAL_STEP_MIN && f->evals < evals_max;) {
		bool better = false;
		for (int k = 0; k < P__COUNT && st == TB_OK; k++) {
			double *p = param_ref(car, k), keep = *p;
			for (int dir = -1; dir <= 1; dir += 2) {
				double v = keep * exp(dir * step);
				if (v < params[k].lo || v > params[k].hi)
					continue;
				*p = v;
				double o;
				st =
				    evaluate(f, car, &o, NULL, NULL, NULL, err);
				if (st != TB_OK)
					break;
				if (o < best) {
					best = o;
					keep = v;
					better = true;
					break;
				}
			}
			*p = keep;
		}
		if (!better)
			step *= 0.5;
	}
	return st;
}

/* The g-g-v envelope of the lap as driven (simulated track curvature
 * at the real lap's positions): longitudinal acceleration from the
 * speed trace over distance, lateral from v^2 curvature; the 98th
 * percentile of |a| per speed bin. */
static void envelope(const struct fit *f, struct sim_calib_report *rep)
{
	size_t g = f->g;
	double ds = f->track->length_m / (double)g;
	for (int b = 0; b < SIM_CALIB_BINS; b++) {
		double vals[3][4096];
		size_t nv = 0;
		double lo = b * SIM_CALIB_BIN_MS, hi = lo + SIM_CALIB_BIN_MS;
		for (size_t k = 0; k < g && nv < 4096; k++) {
			double v = f->real[k];
			if (v < lo || v >= hi)
				continue;
			double v1 = f->real[(k + 1) % g];
			double v0 = f->real[(k + g - 1) % g];
			double ax = (v1 * v1 - v0 * v0) / (4.0 * ds);
			double s = ((double)((k + f->shift) % g) + 0.5) /
				   (double)g * (double)f->track->n;
			double kap = f->track->curv[(size_t)s % f->track->n];
			vals[0][nv] = ax > 0 ? ax : 0;
			vals[1][nv] = ax < 0 ? -ax : 0;
			vals[2][nv] = v * v * fabs(kap);
			nv++;
		}
		rep->env[b].n = nv;
		for (int q = 0; q < 3; q++) {
			double top = 0;
			if (nv) {
				/* 98th percentile by partial selection. */
				size_t want = (size_t)(0.98 * (double)(nv - 1));
				for (size_t i = 0; i <= want; i++) {
					size_t mi = i;
					for (size_t j = i + 1; j < nv; j++)
						if (vals[q][j] < vals[q][mi])
							mi = j;
					double t = vals[q][i];
					vals[q][i] = vals[q][mi];
					vals[q][mi] = t;
				}
				top = vals[q][want] / SIM_G;
			}
			if (q == 0)
				rep->env[b].accel_g = top;
			else if (q == 1)
				rep->env[b].brake_g = top;
			else
				rep->env[b].lat_g = top;
		}
	}
}

static const struct tb_lap *fastest(const struct tb_lap *const *laps, size_t n,
				    size_t *idx)
{
	const struct tb_lap *best = NULL;
	double bt = INFINITY;
	for (size_t i = 0; i < n; i++) {
		double t = laps[i] ? lap_seconds(laps[i]) : NAN;
		if (isfinite(t) && t > 0 && t < bt) {
			bt = t;
			best = laps[i];
			*idx = i;
		}
	}
	return best;
}

enum tb_status sim_calibrate(const struct ana_track *track,
			     const struct tb_lap *const *laps, size_t n_laps,
			     const struct sim_car *base,
			     const struct sim_calib_opt *opt,
			     struct sim_car *out, struct sim_calib_report *rep,
			     struct tb_error *err)
{
	if (!track || !laps || !base || !out || !rep)
		return tb_fail(err, TB_ERR_ARG, "calibrate: missing argument");
	memset(rep, 0, sizeof(*rep));
	struct sim_calib_opt o = opt ? *opt : sim_calib_opt_default();
	if (!(o.grid_m >= 1 && o.grid_m <= 100) || o.evals_max < 1)
		return tb_fail(err, TB_ERR_ARG,
			       "calibrate: grid %g m / %d "
			       "evaluations out of range",
			       o.grid_m, o.evals_max);
	enum tb_status st = sim_car_check(base, err);
	if (st != TB_OK)
		return st;
	size_t idx = 0;
	const struct tb_lap *lap = fastest(laps, n_laps, &idx);
	if (!lap)
		return tb_fail(err, TB_ERR_ARG,
			       "calibrate: none of %zu laps "
			       "has a lap time",
			       n_laps);
	size_t g = (size_t)llround(track->length_m / o.grid_m);
	if (g < 100)
		return tb_fail(err, TB_ERR_ARG,
			       "calibrate: track of %.0f m too "
			       "short",
			       track->length_m);
	double *buf = tb_malloc(sizeof(double) * 2 * g);
	if (!buf)
		return tb_fail(err, TB_ERR_NOMEM, "calibrate: out of memory");
	struct fit f = {track, g, 0, buf, lap_seconds(lap), buf + g, 0};
	st = real_trace(lap, g, buf, &rep->real_length_m, err);
	if (st == TB_OK)
		st = find_shift(&f, base, err);
	if (st == TB_OK) {
		double obj;
		st = evaluate(&f, base, &obj, &rep->base_lap_s, &rep->base_corr,
			      &rep->base_rmse_ms, err);
	}
	struct sim_car car = *base;
	if (st == TB_OK)
		st = search(&f, &car, o.evals_max, err);
	if (st == TB_OK) {
		double obj;
		st = evaluate(&f, &car, &obj, &rep->lap_s, &rep->corr,
			      &rep->rmse_ms, err);
	}
	if (st == TB_OK) {
		rep->lap_index = idx;
		rep->real_lap_s = f.real_s;
		rep->grid_n = g;
		rep->shift_m = (double)f.shift * track->length_m / (double)g;
		rep->evals = f.evals;
		envelope(&f, rep);
		*out = car;
		snprintf(out->name, sizeof(out->name), "%.*s (calibrated)",
			 (int)(sizeof(out->name) - 14), base->name);
	}
	tb_free(buf);
	return st;
}

enum tb_status sim_track_from_model(const struct ana_track *model,
				    double vertex_m,
				    const struct sim_smooth *opt,
				    struct ana_track *out, struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "track: no output");
	memset(out, 0, sizeof(*out));
	if (!model || !model->x || !model->y || model->n < 10 ||
	    !(model->step_m > 0) || !(vertex_m >= 1 && vertex_m <= 100))
		return tb_fail(err, TB_ERR_ARG,
			       "track from model: no path or vertex "
			       "spacing %g m not in [1, 100]",
			       vertex_m);
	size_t every = (size_t)llround(vertex_m / model->step_m);
	if (every < 1)
		every = 1;
	size_t m = model->n / every;
	double *x = tb_malloc(sizeof(double) * 2 * m);
	if (!x)
		return tb_fail(err, TB_ERR_NOMEM, "track: out of memory");
	for (size_t j = 0; j < m; j++) {
		x[j] = model->x[j * every];
		x[m + j] = model->y[j * every];
	}
	enum tb_status st = sim_track_from_xy(x, x + m, m, 0, opt, out, err);
	tb_free(x);
	return st;
}

/* ------------------------------------------------------------------ */
/* The car as key=value text. */

#define CAR_FIELDS(X)                                                          \
	X(mass_kg)                                                             \
	X(power_w)                                                             \
	X(drive_frac)                                                          \
	X(cda_m2)                                                              \
	X(cla_m2)                                                              \
	X(mu)                                                                  \
	X(mu_lon)                                                              \
	X(load_sens)                                                           \
	X(brake_max_n)                                                         \
	X(crr)                                                                 \
	X(v_gear1_ms)                                                          \
	X(v_top_ms)                                                            \
	X(rpm_max)                                                             \
	X(rpm_min)

enum tb_status sim_car_format(const struct sim_car *car, char *buf, size_t cap,
			      struct tb_error *err)
{
	if (!car || !buf || cap == 0)
		return tb_fail(err, TB_ERR_ARG, "car format: no car or buffer");
	size_t used = 0;
	int w = snprintf(buf, cap, "# trailbrake car v1\nname=%s\nclass=%d\n",
			 car->name, (int)car->cls);
	if (w < 0 || (size_t)w >= cap)
		return tb_fail(err, TB_ERR_LIMIT, "car format: buffer of %zu",
			       cap);
	used = (size_t)w;
#define PUT(f)                                                                 \
	w = snprintf(buf + used, cap - used, #f "=%.17g\n", (double)car->f);   \
	if (w < 0 || (size_t)w >= cap - used)                                  \
		return tb_fail(err, TB_ERR_LIMIT, "car format: buffer of %zu", \
			       cap);                                           \
	used += (size_t)w;
	CAR_FIELDS(PUT)
	PUT(n_gears)
#undef PUT
	return TB_OK;
}

/* One "key=value" line (trailing blanks and CR dropped) into car. */
static enum tb_status parse_line(char *line, size_t lineno, struct sim_car *car,
				 struct tb_error *err)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "car line %zu: expected "
			       "key=value",
			       lineno);
	*eq = '\0';
	char *val = eq + 1, *end = NULL;
	size_t vl = strlen(val);
	while (vl && (val[vl - 1] == '\r' || val[vl - 1] == ' '))
		val[--vl] = '\0';
	if (!strcmp(line, "name")) {
		snprintf(car->name, sizeof(car->name), "%s", val);
		return TB_OK;
	}
	errno = 0;
	double v = strtod(val, &end);
	if (end == val || *end || errno || !isfinite(v))
		return tb_fail(err, TB_ERR_CORRUPT,
			       "car line %zu: '%s' is not "
			       "a number",
			       lineno, val);
#define GET(f)                                                                 \
	if (!strcmp(line, #f)) {                                               \
		car->f = v;                                                    \
		return TB_OK;                                                  \
	}
	CAR_FIELDS(GET)
#undef GET
	if (!strcmp(line, "n_gears") && v == floor(v) && fabs(v) < 100) {
		car->n_gears = (int)v;
		return TB_OK;
	}
	if (!strcmp(line, "class") && v > TB_CLASS_OTHER &&
	    v < TB_CLASS__COUNT && v == floor(v)) {
		car->cls = (enum tb_car_class)(int)v;
		return TB_OK;
	}
	return tb_fail(err, TB_ERR_CORRUPT, "car line %zu: unknown key '%s'",
		       lineno, line);
}

enum tb_status sim_car_parse(const char *text, struct sim_car *car,
			     struct tb_error *err)
{
	if (!text || !car)
		return tb_fail(err, TB_ERR_ARG, "car parse: no text or car");
	char line[256];
	size_t lineno = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		if (len >= sizeof(line))
			return tb_fail(err, TB_ERR_CORRUPT,
				       "car line %zu: "
				       "longer than %zu",
				       lineno, sizeof(line) - 1);
		memcpy(line, p, len);
		line[len] = '\0';
		p += nl ? len + 1 : len;
		if (len == 0 || line[0] == '#' || line[0] == '\r')
			continue;
		enum tb_status st = parse_line(line, lineno, car, err);
		if (st != TB_OK)
			return st;
	}
	return sim_car_check(car, err);
}

/* track.c - centre lines for the simulator: a periodic cubic spline
 * through a surveyed polyline, resampled every metre with a smoothed
 * curvature; the circuit files of the shared track data; the built-in
 * test circuits defined in code as straights and arcs. */
#include "sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI 6.283185307179586

struct sim_smooth sim_smooth_default(void)
{
	struct sim_smooth s = {SIM_STEP_M, 20.0};
	return s;
}

/* Solve the cyclic tridiagonal system a[i] m[i-1] + b[i] m[i] +
 * c[i] m[i+1] = r[i] (indices mod n, n >= 3) by Sherman-Morrison on the
 * Thomas algorithm. work holds 3 n doubles. */
static void cyclic_solve(const double *a, const double *b, const double *c,
			 const double *r, double *m, size_t n, double *work)
{
	double *bb = work, *u = work + n, *z = work + 2 * n;
	double gamma = -b[0];
	double alpha = c[n - 1], beta = a[0];
	for (size_t i = 0; i < n; i++)
		bb[i] = b[i];
	bb[0] = b[0] - gamma;
	bb[n - 1] = b[n - 1] - alpha * beta / gamma;
	/* Thomas twice: once for r, once for the correction vector. */
	for (int pass = 0; pass < 2; pass++) {
		double *x = pass ? z : m;
		double bet = bb[0];
		double *cp = u; /* scratch for the modified c */
		x[0] = (pass ? gamma : r[0]) / bet;
		for (size_t i = 1; i < n; i++) {
			cp[i] = c[i - 1] / bet;
			bet = bb[i] - a[i] * cp[i];
			double ri = pass ? (i == n - 1 ? alpha : 0.0) : r[i];
			x[i] = (ri - a[i] * x[i - 1]) / bet;
		}
		for (size_t i = n - 1; i-- > 0;)
			x[i] -= cp[i + 1] * x[i + 1];
	}
	double fact = (m[0] + beta * m[n - 1] / gamma) /
		      (1.0 + z[0] + beta * z[n - 1] / gamma);
	for (size_t i = 0; i < n; i++)
		m[i] -= fact * z[i];
}

/* A periodic cubic spline of one coordinate over knots t (n + 1 of them,
 * t[n] = closed length): second derivatives M[n]. */
struct spline {
	size_t n;
	const double *t; /* n + 1 */
	const double *x, *y;
	double *mx, *my;
};

static enum tb_status spline_fit(struct spline *sp, struct tb_error *err)
{
	size_t n = sp->n;
	double *buf = tb_malloc(sizeof(double) * 8 * n);
	if (!buf)
		return tb_fail(err, TB_ERR_NOMEM,
			       "track spline: out of memory");
	double *a = buf, *b = buf + n, *c = buf + 2 * n, *r = buf + 3 * n;
	double *work = buf + 4 * n, *h = buf + 7 * n;
	for (size_t i = 0; i < n; i++)
		h[i] = sp->t[i + 1] - sp->t[i];
	for (int k = 0; k < 2; k++) {
		const double *v = k ? sp->y : sp->x;
		double *mm = k ? sp->my : sp->mx;
		for (size_t i = 0; i < n; i++) {
			size_t ip = (i + 1) % n, im = (i + n - 1) % n;
			a[i] = h[im];
			b[i] = 2.0 * (h[im] + h[i]);
			c[i] = h[i];
			r[i] = 6.0 *
			       ((v[ip] - v[i]) / h[i] - (v[i] - v[im]) / h[im]);
		}
		cyclic_solve(a, b, c, r, mm, n, work);
	}
	tb_free(buf);
	return TB_OK;
}

/* Value, first and second derivative of coordinate v at u in [0, h] of
 * interval i. */
static void spline_eval(const double *v, const double *mm, size_t n, size_t i,
			double h, double u, double *f, double *d1, double *d2)
{
	size_t j = (i + 1) % n;
	double w = h - u;
	double ca = v[i] / h - mm[i] * h / 6.0;
	double cb = v[j] / h - mm[j] * h / 6.0;
	*f = mm[i] * w * w * w / (6.0 * h) + mm[j] * u * u * u / (6.0 * h) +
	     ca * w + cb * u;
	*d1 = -mm[i] * w * w / (2.0 * h) + mm[j] * u * u / (2.0 * h) - ca + cb;
	*d2 = (mm[i] * w + mm[j] * u) / h;
}

static void spline_point(const struct spline *sp, size_t i, double u, double *x,
			 double *y, double *curv)
{
	double h = sp->t[i + 1] - sp->t[i];
	double dx, dy, ddx, ddy;
	spline_eval(sp->x, sp->mx, sp->n, i, h, u, x, &dx, &ddx);
	spline_eval(sp->y, sp->my, sp->n, i, h, u, y, &dy, &ddy);
	double sp2 = dx * dx + dy * dy;
	*curv = sp2 > 0 ? (dx * ddy - dy * ddx) / (sp2 * sqrt(sp2)) : 0.0;
}

/* Periodic Gaussian smoothing of v[n] with sigma in points. */
static enum tb_status smooth_periodic(double *v, size_t n, double sigma,
				      struct tb_error *err)
{
	if (!(sigma > 0.05))
		return TB_OK;
	size_t rad = (size_t)ceil(4.0 * sigma);
	if (rad >= n / 2)
		rad = n / 2 - 1;
	double *w = tb_malloc(sizeof(double) * (rad + 1));
	double *out = tb_malloc(sizeof(double) * n);
	if (!w || !out) {
		tb_free(w);
		tb_free(out);
		return tb_fail(err, TB_ERR_NOMEM,
			       "track smoothing: out of "
			       "memory");
	}
	double sum = 0;
	for (size_t k = 0; k <= rad; k++) {
		w[k] = exp(-0.5 * (double)(k * k) / (sigma * sigma));
		sum += k ? 2 * w[k] : w[k];
	}
	for (size_t i = 0; i < n; i++) {
		double acc = w[0] * v[i];
		for (size_t k = 1; k <= rad; k++)
			acc += w[k] * (v[(i + k) % n] + v[(i + n - k) % n]);
		out[i] = acc / sum;
	}
	memcpy(v, out, sizeof(double) * n);
	tb_free(w);
	tb_free(out);
	return TB_OK;
}

static enum tb_status track_alloc(struct ana_track *t, size_t n,
				  struct tb_error *err)
{
	t->n = n;
	t->x = tb_malloc(sizeof(double) * n);
	t->y = tb_malloc(sizeof(double) * n);
	t->curv = tb_malloc(sizeof(double) * n);
	if (!t->x || !t->y || !t->curv) {
		ana_track_release(t);
		return tb_fail(err, TB_ERR_NOMEM,
			       "track: out of memory for "
			       "%zu points",
			       n);
	}
	return TB_OK;
}

/* Distinct vertices of the polyline starting at start_idx, the closing
 * duplicate dropped: into vx/vy (n capacity), count in *m. */
static size_t distinct_ring(const double *x, const double *y, size_t n,
			    size_t start, double *vx, double *vy)
{
	size_t m = 0;
	for (size_t k = 0; k < n; k++) {
		size_t i = (start + k) % n;
		if (m && hypot(x[i] - vx[m - 1], y[i] - vy[m - 1]) < 1e-6)
			continue;
		vx[m] = x[i];
		vy[m] = y[i];
		m++;
	}
	while (m > 1 && hypot(vx[m - 1] - vx[0], vy[m - 1] - vy[0]) < 1e-6)
		m--;
	return m;
}

/* Resample the fitted spline every step by arc length: the spline is
 * sampled densely (<= 0.1 m of chord parameter), the arc length summed
 * along those samples, and each output point placed by interpolating
 * the parameter between the two dense samples around its distance. */
static enum tb_status resample(const struct spline *sp, double step_req,
			       struct ana_track *out, struct tb_error *err)
{
	size_t n = sp->n, nd = 0;
	for (size_t i = 0; i < n; i++)
		nd += (size_t)ceil((sp->t[i + 1] - sp->t[i]) / 0.1) + 1;
	double *ds = tb_malloc(sizeof(double) * (nd + 1));
	double *du = tb_malloc(sizeof(double) * (nd + 1));
	size_t *di = tb_malloc(sizeof(size_t) * (nd + 1));
	enum tb_status st = TB_OK;
	if (!ds || !du || !di) {
		st = tb_fail(err, TB_ERR_NOMEM, "track: out of memory");
		goto done;
	}
	size_t k = 0;
	double px = 0, py = 0, c, s = 0;
	for (size_t i = 0; i < n; i++) {
		double h = sp->t[i + 1] - sp->t[i];
		size_t sub = (size_t)ceil(h / 0.1) + 1;
		for (size_t j = 0; j < sub; j++) {
			double u = h * (double)j / (double)sub, qx, qy;
			spline_point(sp, i, u, &qx, &qy, &c);
			if (k)
				s += hypot(qx - px, qy - py);
			ds[k] = s;
			du[k] = u;
			di[k] = i;
			k++;
			px = qx;
			py = qy;
		}
	}
	/* Closing sample: the start again. */
	double qx, qy;
	spline_point(sp, 0, 0, &qx, &qy, &c);
	s += hypot(qx - px, qy - py);
	ds[k] = s;
	du[k] = sp->t[n] - sp->t[n - 1];
	di[k] = n - 1;
	double length = s;
	if (!(length <= SIM_TRACK_MAX_M) || length < 10 * step_req) {
		st = tb_fail(err, TB_ERR_ARG,
			     "track: length %.1f m outside "
			     "[%.0f, %.0f]",
			     length, 10 * step_req, SIM_TRACK_MAX_M);
		goto done;
	}
	size_t np = (size_t)llround(length / step_req);
	st = track_alloc(out, np, err);
	if (st != TB_OK)
		goto done;
	out->length_m = length;
	out->step_m = length / (double)np;
	size_t q = 0;
	for (size_t j = 0; j < np; j++) {
		double sj = out->step_m * (double)j;
		while (q + 1 < k && ds[q + 1] <= sj)
			q++;
		/* Interpolate the parameter inside dense step q (the last
		 * dense step of an interval ends at the next knot). */
		double u0 = du[q], u1 = di[q + 1] == di[q]
					    ? du[q + 1]
					    : sp->t[di[q] + 1] - sp->t[di[q]];
		double span = ds[q + 1] - ds[q];
		double f = span > 0 ? (sj - ds[q]) / span : 0;
		spline_point(sp, di[q], u0 + f * (u1 - u0), &out->x[j],
			     &out->y[j], &out->curv[j]);
	}
done:
	tb_free(ds);
	tb_free(du);
	tb_free(di);
	return st;
}

enum tb_status sim_track_from_xy(const double *x, const double *y, size_t n,
				 size_t start_idx, const struct sim_smooth *opt,
				 struct ana_track *out, struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "track: no output");
	memset(out, 0, sizeof(*out));
	struct sim_smooth o = opt ? *opt : sim_smooth_default();
	if (!(o.step_m > 0))
		o.step_m = SIM_STEP_M;
	if (!x || !y || n < 4 || n > SIM_POLY_MAX || start_idx >= n)
		return tb_fail(err, TB_ERR_ARG,
			       "track: %zu vertices (start "
			       "%zu): need 4..%u and start < n",
			       n, start_idx, SIM_POLY_MAX);
	if (!(o.step_m >= 0.05 && o.step_m <= 50) || !(o.sigma_m >= 0) ||
	    !(o.sigma_m <= 1000))
		return tb_fail(err, TB_ERR_ARG,
			       "track: step %g m / sigma %g "
			       "m out of range",
			       o.step_m, o.sigma_m);
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i]) || !isfinite(y[i]))
			return tb_fail(err, TB_ERR_ARG,
				       "track: vertex %zu is "
				       "not finite",
				       i);
	}
	enum tb_status st = TB_OK;
	double *buf = tb_malloc(sizeof(double) * (5 * n + 1));
	if (!buf)
		return tb_fail(err, TB_ERR_NOMEM, "track: out of memory");
	double *vx = buf, *vy = buf + n, *mx = buf + 2 * n, *my = buf + 3 * n;
	double *t = buf + 4 * n;
	size_t m = distinct_ring(x, y, n, start_idx, vx, vy);
	if (m < 4) {
		st = tb_fail(err, TB_ERR_ARG,
			     "track: %zu distinct vertices, "
			     "need 4",
			     m);
		goto done;
	}
	t[0] = 0;
	for (size_t i = 0; i < m; i++) {
		size_t j = (i + 1) % m;
		t[i + 1] = t[i] + hypot(vx[j] - vx[i], vy[j] - vy[i]);
	}
	struct spline sp = {m, t, vx, vy, mx, my};
	st = spline_fit(&sp, err);
	if (st != TB_OK)
		goto done;
	st = resample(&sp, o.step_m, out, err);
	if (st != TB_OK)
		goto done;
	st = smooth_periodic(out->curv, out->n, o.sigma_m / out->step_m, err);
	if (st != TB_OK)
		ana_track_release(out);
done:
	tb_free(buf);
	return st;
}

/* ------------------------------------------------------------------ */
/* Circuit files. */

#define CSV_LINE_MAX 512

static bool parse_row(char *line, double *x, double *y)
{
	char *end = NULL;
	errno = 0;
	*x = strtod(line, &end);
	if (end == line || errno)
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != ',')
		return false;
	char *p = end + 1;
	*y = strtod(p, &end);
	if (end == p || errno)
		return false;
	while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
		end++;
	return *end == '\0' && isfinite(*x) && isfinite(*y);
}

/* The start line guess: the vertex that begins the longest segment
 * (survey polylines put few vertices on straights). */
static size_t longest_segment(const double *x, const double *y, size_t n)
{
	size_t best = 0;
	double bl = -1;
	for (size_t i = 0; i < n; i++) {
		size_t j = (i + 1) % n;
		double l = hypot(x[j] - x[i], y[j] - y[i]);
		if (l > bl) {
			bl = l;
			best = i;
		}
	}
	return best;
}

enum tb_status sim_track_load_csv(const char *path,
				  const struct sim_smooth *opt,
				  struct ana_track *out, struct tb_error *err)
{
	if (!out || !path)
		return tb_fail(err, TB_ERR_ARG, "track: no path or output");
	memset(out, 0, sizeof(*out));
	FILE *f = fopen(path, "r");
	if (!f)
		return tb_fail(err, TB_ERR_IO, "%s: %s", path, strerror(errno));
	enum tb_status st = TB_OK;
	size_t cap = 256, n = 0, lineno = 0;
	double *x = tb_malloc(sizeof(double) * cap);
	double *y = tb_malloc(sizeof(double) * cap);
	char line[CSV_LINE_MAX];
	if (!x || !y) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", path);
		goto done;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n' || line[0] == '\r')
			continue;
		if (n == cap) {
			if (cap >= SIM_POLY_MAX) {
				st = tb_fail(err, TB_ERR_LIMIT,
					     "%s: more than "
					     "%u vertices",
					     path, SIM_POLY_MAX);
				goto done;
			}
			cap *= 2;
			double *nx = tb_realloc(x, sizeof(double) * cap);
			if (nx)
				x = nx;
			double *ny =
			    nx ? tb_realloc(y, sizeof(double) * cap) : NULL;
			if (ny)
				y = ny;
			if (!nx || !ny) {
				st = tb_fail(err, TB_ERR_NOMEM,
					     "%s: out of "
					     "memory",
					     path);
				goto done;
			}
		}
		if (!parse_row(line, &x[n], &y[n])) {
			st = tb_fail(err, TB_ERR_CORRUPT,
				     "%s:%zu: expected "
				     "\"x_m,y_m\"",
				     path, lineno);
			goto done;
		}
		n++;
	}
	if (ferror(f)) {
		st = tb_fail(err, TB_ERR_IO, "%s: read error", path);
		goto done;
	}
	if (n < 4) {
		st = tb_fail(err, TB_ERR_ARG, "%s: %zu vertices, need 4", path,
			     n);
		goto done;
	}
	st =
	    sim_track_from_xy(x, y, n, longest_segment(x, y, n), opt, out, err);
done:
	tb_free(x);
	tb_free(y);
	fclose(f);
	return st;
}

/* ------------------------------------------------------------------ */
/* Built-in circuits: straights (curv 0) and arcs (radius, signed angle
 * in degrees, + left). A segment flagged ADJ_W / ADJ_S is a straight
 * heading west / south whose length closes the circuit. */

enum seg_kind { SEG_STRAIGHT, SEG_ARC, SEG_ADJ_W, SEG_ADJ_S };

struct seg {
	enum seg_kind kind;
	double a; /* straight: length; arc: radius */
	double deg;
};

#define BUILTIN_SIGMA_M 3.0
#define SEGS_MAX	24

struct builtin {
	const char *name;
	size_t n;
	struct seg s[SEGS_MAX];
};

static const struct builtin builtins[] = {
    {"oval",
     4,
     {{SEG_STRAIGHT, 1000, 0},
      {SEG_ARC, 150, 180},
      {SEG_STRAIGHT, 1000, 0},
      {SEG_ARC, 150, 180}}},
    {"club",
     18,
     {{SEG_STRAIGHT, 700, 0},
      {SEG_ARC, 30, -30}, /* chicane: right, left, right */
      {SEG_ARC, 30, 60},
      {SEG_ARC, 30, -30},
      {SEG_STRAIGHT, 750, 0},
      {SEG_ARC, 60, 90}, /* turn 1, now north */
      {SEG_STRAIGHT, 400, 0},
      {SEG_ARC, 120, -90}, /* fast right, east again */
      {SEG_STRAIGHT, 300, 0},
      {SEG_ARC, 15, 180}, /* hairpin, now west */
      {SEG_STRAIGHT, 500, 0},
      {SEG_ARC, 200, 45}, /* sweeper */
      {SEG_ARC, 80, -45},
      {SEG_ADJ_W, 0, 0},
      {SEG_ARC, 40, 90}, /* now south */
      {SEG_ADJ_S, 0, 0},
      {SEG_ARC, 50, 90}, /* onto the main straight */
      {SEG_STRAIGHT, 0, 0}}},
    {"ring", 1, {{SEG_ARC, 200, 360}}},
};

#define N_BUILTINS (sizeof(builtins) / sizeof(builtins[0]))

size_t sim_builtin_count(void)
{
	return N_BUILTINS;
}

const char *sim_builtin_name(size_t i)
{
	return i < N_BUILTINS ? builtins[i].name : NULL;
}

static double seg_len(const struct seg *s)
{
	if (s->kind == SEG_ARC)
		return s->a * fabs(s->deg) * TWO_PI / 360.0;
	return s->a;
}

static double seg_curv(const struct seg *s)
{
	if (s->kind != SEG_ARC)
		return 0.0;
	return s->deg > 0 ? 1.0 / s->a : -1.0 / s->a;
}

/* End point of the exact segment path (closed-form arcs), from heading
 * 0 at the origin. */
static void path_end(const struct seg *s, size_t n, double *ex, double *ey)
{
	double x = 0, y = 0, h = 0;
	for (size_t i = 0; i < n; i++) {
		double len = seg_len(&s[i]);
		if (s[i].kind != SEG_ARC) {
			x += len * cos(h);
			y += len * sin(h);
			continue;
		}
		double k = seg_curv(&s[i]);
		double h2 = h + k * len;
		x += (sin(h2) - sin(h)) / k;
		y += (cos(h) - cos(h2)) / k;
		h = h2;
	}
	*ex = x;
	*ey = y;
}

/* Close the circuit: the adjustable straights take the residual. */
static void close_builtin(const struct builtin *b, struct seg *s)
{
	memcpy(s, b->s, sizeof(struct seg) * b->n);
	double ex, ey;
	path_end(s, b->n, &ex, &ey);
	for (size_t i = 0; i < b->n; i++) {
		if (s[i].kind == SEG_ADJ_W)
			s[i].a = ex; /* heading west: x decreases */
		if (s[i].kind == SEG_ADJ_S)
			s[i].a = ey;
	}
}

/* Mean curvature of the segments over [s0, s1). */
static double mean_curv(const struct seg *s, size_t n, double s0, double s1)
{
	double acc = 0, pos = 0;
	for (size_t i = 0; i < n; i++) {
		double len = seg_len(&s[i]);
		double a = fmax(s0, pos), b = fmin(s1, pos + len);
		if (b > a)
			acc += (b - a) * seg_curv(&s[i]);
		pos += len;
	}
	return acc / (s1 - s0);
}

enum tb_status sim_track_builtin(const char *name, struct ana_track *out,
				 struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "track: no output");
	memset(out, 0, sizeof(*out));
	const struct builtin *b = NULL;
	for (size_t i = 0; name && i < N_BUILTINS; i++) {
		if (!strcmp(name, builtins[i].name))
			b = &builtins[i];
	}
	if (!b)
		return tb_fail(err, TB_ERR_NOTFOUND,
			       "no built-in track '%s' "
			       "(oval, club, ring)",
			       name ? name : "");
	struct seg s[SEGS_MAX];
	close_builtin(b, s);
	double length = 0;
	for (size_t i = 0; i < b->n; i++)
		length += seg_len(&s[i]);
	size_t n = (size_t)llround(length / SIM_STEP_M);
	enum tb_status st = track_alloc(out, n, err);
	if (st != TB_OK)
		return st;
	out->length_m = length;
	out->step_m = length / (double)n;
	double ds = out->step_m;
	for (size_t i = 0; i < n; i++) {
		double s0 = ((double)i - 0.5) * ds, s1 = s0 + ds;
		if (s0 < 0) /* the cell around point 0 wraps */
			out->curv[i] =
			    (mean_curv(s, b->n, 0, s1) * s1 +
			     mean_curv(s, b->n, length + s0, length) * -s0) /
			    ds;
		else
			out->curv[i] = mean_curv(s, b->n, s0, s1);
	}
	st = smooth_periodic(out->curv, n, BUILTIN_SIGMA_M / ds, err);
	if (st != TB_OK) {
		ana_track_release(out);
		return st;
	}
	/* Heading and position: midpoint integration of the curvature;
	 * the small closing residual is spread linearly over the lap. */
	double h = 0, x = 0, y = 0;
	for (size_t i = 0; i < n; i++) {
		out->x[i] = x;
		out->y[i] = y;
		double h2 =
		    h + ds * 0.5 * (out->curv[i] + out->curv[(i + 1) % n]);
		x += ds * cos(0.5 * (h + h2));
		y += ds * sin(0.5 * (h + h2));
		h = h2;
	}
	for (size_t i = 0; i < n; i++) {
		double f = (double)i / (double)n;
		out->x[i] -= f * x;
		out->y[i] -= f * y;
	}
	return TB_OK;
}

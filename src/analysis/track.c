/* track.c - the track model: a closed reference path learnt from clean
 * laps' ground-plane positions (median of the laps point by point after
 * each is resampled by its own arc length), and the windowed projection
 * of a position onto it that the distance base relies on. */
#include <math.h>
#include <stdlib.h>

#include "analysis.h"

#define TRACK_MIN_POINTS 16u	 /* a usable lap path needs this many */
#define TRACK_MAX_POINTS (1u << 20)
#define TRACK_SMOOTH_HALF 2	 /* moving average over 5 points */
#define TRACK_CURV_HALF 5	 /* curvature from +-5 points */
#define TRACK_LEN_TOL 0.02	 /* laps off the median length by more */
#define ANA_PI 3.14159265358979323846

/* One lap's closed path: n positions at arc parameter s[i] (m from the
 * line), closing back to the first at s = len. */
struct lap_path {
	size_t n;
	double *x, *y, *s;
	double len;
};

static void path_release(struct lap_path *p)
{
	tb_free(p->x);
	tb_free(p->y);
	tb_free(p->s);
	p->x = p->y = p->s = NULL;
	p->n = 0;
}

static bool sample_xy(const struct tb_lap *lap, size_t i, double *x,
		      double *y)
{
	const tb_chmask need = TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y);
	if ((lap->mask[i] & need) != need)
		return false;
	*x = lap->col[TB_CH_POS_X][i];
	*y = lap->col[TB_CH_POS_Y][i];
	return isfinite(*x) && isfinite(*y);
}

/* True if the lap's own distance can place its positions along the
 * lap: present wherever a position is, starting within 50 m of the
 * line and strictly increasing (steadier than the arc length of coarse
 * or low-rate positions, which cuts corners). */
static bool lap_dist_usable(const struct tb_lap *lap)
{
	const tb_chmask need = TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y);
	const tb_chmask dbit = TB_CHBIT(TB_CH_LAP_DIST);
	double prev = NAN;
	if (!(lap->chans & dbit))
		return false;
	for (size_t i = 0; i < lap->n; i++) {
		if ((lap->mask[i] & need) != need)
			continue;
		double d = lap->col[TB_CH_LAP_DIST][i];
		if (!(lap->mask[i] & dbit) || !isfinite(d))
			return false;
		if (isnan(prev) ? (d < 0 || d >= 50) : !(d > prev))
			return false;
		prev = d;
	}
	return !isnan(prev);
}

/* The lap's positions along the lap: by its own lap distance when
 * usable, else by arc length from the first point, whose own lap
 * distance (when the lap carries a sane one) aligns the start at the
 * line. Returns false (path empty) if the lap is unusable. */
static bool path_of_lap(const struct tb_lap *lap, struct lap_path *p)
{
	const tb_chmask need = TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y);
	memset(p, 0, sizeof(*p));
	if (!lap || (lap->chans & need) != need || lap->n < TRACK_MIN_POINTS)
		return false;
	p->x = tb_malloc(lap->n * sizeof(double));
	p->y = tb_malloc(lap->n * sizeof(double));
	p->s = tb_malloc(lap->n * sizeof(double));
	if (!p->x || !p->y || !p->s) {
		path_release(p);
		return false;
	}
	double off = 0;
	bool by_dist = lap_dist_usable(lap);
	for (size_t i = 0; i < lap->n; i++) {
		double x, y;
		if (!sample_xy(lap, i, &x, &y))
			continue;
		if (by_dist) {
			p->s[p->n] = lap->col[TB_CH_LAP_DIST][i];
			off = p->n ? off : p->s[0];
		} else if (p->n == 0) {
			bool has_d =
			    (lap->mask[i] & TB_CHBIT(TB_CH_LAP_DIST)) != 0;
			double d = has_d ? lap->col[TB_CH_LAP_DIST][i] : NAN;
			off = (isfinite(d) && d >= 0 && d < 50) ? d : 0;
			p->s[0] = off;
		} else {
			double dx = x - p->x[p->n - 1], dy = y - p->y[p->n - 1];
			double ds = hypot(dx, dy);
			if (ds < 1e-6)
				continue; /* standing still: no new point */
			p->s[p->n] = p->s[p->n - 1] + ds;
		}
		p->x[p->n] = x;
		p->y[p->n] = y;
		p->n++;
	}
	if (p->n < TRACK_MIN_POINTS) {
		path_release(p);
		return false;
	}
	double cx = p->x[0] - p->x[p->n - 1], cy = p->y[0] - p->y[p->n - 1];
	p->len = p->s[p->n - 1] + hypot(cx, cy) - off;
	if (!(p->len > 0)) {
		path_release(p);
		return false;
	}
	return true;
}

/* Position of a closed path at parameter u in [0, 1). *k is a cursor
 * (segment index) for callers walking u upwards. */
static void path_at(const struct lap_path *p, double u, size_t *k, double *x,
		    double *y)
{
	double s = u * p->len;
	if (s < p->s[0]) {
		/* between the last point and the first (across the line) */
		double s0 = p->s[p->n - 1] - p->len, span = p->s[0] - s0;
		double f = span > 0 ? (s - s0) / span : 0;
		*x = p->x[p->n - 1] + f * (p->x[0] - p->x[p->n - 1]);
		*y = p->y[p->n - 1] + f * (p->y[0] - p->y[p->n - 1]);
		return;
	}
	while (*k + 1 < p->n && p->s[*k + 1] <= s)
		(*k)++;
	size_t a = *k, b = a + 1 < p->n ? a + 1 : 0;
	double sb = a + 1 < p->n ? p->s[b] : p->len + p->s[0];
	double span = sb - p->s[a];
	double f = span > 0 ? (s - p->s[a]) / span : 0;
	*x = p->x[a] + f * (p->x[b] - p->x[a]);
	*y = p->y[a] + f * (p->y[b] - p->y[a]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Circular moving average of v[n] into tmp, copied back. */
static void smooth_closed(double *v, double *tmp, size_t n, int half)
{
	for (size_t i = 0; i < n; i++) {
		double acc = 0;
		for (int j = -half; j <= half; j++)
			acc += v[((long)i + j + (long)n) % (long)n];
		tmp[i] = acc / (2 * half + 1);
	}
	memcpy(v, tmp, n * sizeof(*v));
}

/* Resample the closed polyline (x, y)[m] every step, into t. */
static enum tb_status resample_closed(const double *x, const double *y,
				      size_t m, double step,
				      struct ana_track *t)
{
	double len = 0;
	for (size_t i = 0; i < m; i++) {
		size_t j = (i + 1) % m;
		len += hypot(x[j] - x[i], y[j] - y[i]);
	}
	double fn = floor(len / step + 0.5);
	if (!(fn >= TRACK_MIN_POINTS) || fn > TRACK_MAX_POINTS)
		return TB_ERR_RANGE;
	size_t n = (size_t)fn;
	t->x = tb_malloc(n * sizeof(double));
	t->y = tb_malloc(n * sizeof(double));
	t->curv = tb_malloc(n * sizeof(double));
	if (!t->x || !t->y || !t->curv)
		return TB_ERR_NOMEM;
	t->n = n;
	t->step_m = len / (double)n;
	t->length_m = len;
	size_t k = 0;
	double s_k = 0; /* arc length at point k */
	for (size_t i = 0; i < n; i++) {
		double s = (double)i * t->step_m;
		double seg = hypot(x[(k + 1) % m] - x[k], y[(k + 1) % m] - y[k]);
		while (k + 1 < m && s_k + seg < s) {
			s_k += seg;
			k++;
			seg = hypot(x[(k + 1) % m] - x[k],
				    y[(k + 1) % m] - y[k]);
		}
		double f = seg > 0 ? (s - s_k) / seg : 0;
		f = f < 0 ? 0 : f > 1 ? 1 : f;
		t->x[i] = x[k] + f * (x[(k + 1) % m] - x[k]);
		t->y[i] = y[k] + f * (y[(k + 1) % m] - y[k]);
	}
	return TB_OK;
}

/* Signed curvature from the heading change over +-TRACK_CURV_HALF
 * points (a plain three-point estimate is all noise at 1 m). */
static void track_curvature(struct ana_track *t)
{
	const long n = (long)t->n, h = TRACK_CURV_HALF;
	for (long i = 0; i < n; i++) {
		long a = (i - h + n) % n, b = (i + h) % n;
		double h1 = atan2(t->y[i] - t->y[a], t->x[i] - t->x[a]);
		double h2 = atan2(t->y[b] - t->y[i], t->x[b] - t->x[i]);
		double dh = remainder(h2 - h1, 2 * ANA_PI);
		t->curv[i] = dh / ((double)h * t->step_m);
	}
}

void ana_track_release(struct ana_track *t)
{
	if (!t)
		return;
	tb_free(t->x);
	tb_free(t->y);
	tb_free(t->curv);
	memset(t, 0, sizeof(*t));
}

/* Median of the usable paths point by point, m points of parameter
 * u = j / m. */
static enum tb_status median_path(struct lap_path *paths, size_t n_paths,
				  size_t m, double *mx, double *my)
{
	double *vx = tb_malloc(n_paths * sizeof(double));
	double *vy = tb_malloc(n_paths * sizeof(double));
	size_t *cur = tb_calloc(n_paths, sizeof(size_t));
	enum tb_status st = TB_ERR_NOMEM;
	if (!vx || !vy || !cur)
		goto out;
	for (size_t j = 0; j < m; j++) {
		double u = (double)j / (double)m;
		for (size_t l = 0; l < n_paths; l++)
			path_at(&paths[l], u, &cur[l], &vx[l], &vy[l]);
		mx[j] = median(vx, n_paths);
		my[j] = median(vy, n_paths);
	}
	st = TB_OK;
out:
	tb_free(cur);
	tb_free(vy);
	tb_free(vx);
	return st;
}

enum tb_status ana_track_build(const struct tb_lap *const *laps,
			       size_t n_laps, double step_m,
			       struct ana_track *out, size_t *n_used,
			       struct tb_error *err)
{
	if (n_used)
		*n_used = 0;
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "track build: no output");
	memset(out, 0, sizeof(*out));
	if (!laps || n_laps == 0 || !(step_m >= 0.1 && step_m <= 100))
		return tb_fail(err, TB_ERR_ARG,
			       "track build: %zu laps, step %g m (needs >= 1 "
			       "lap and a step of 0.1..100 m)",
			       n_laps, step_m);
	struct lap_path *paths = tb_calloc(n_laps, sizeof(*paths));
	double *lens = tb_calloc(n_laps, sizeof(double));
	double *mx = NULL, *my = NULL;
	enum tb_status st = TB_ERR_NOMEM;
	if (!paths || !lens)
		goto fail;
	size_t n_ok = 0;
	for (size_t i = 0; i < n_laps; i++) {
		if (path_of_lap(laps[i], &paths[n_ok]))
			lens[n_ok] = paths[n_ok].len, n_ok++;
	}
	if (n_ok == 0) {
		st = tb_fail(err, TB_ERR_ARG,
			     "track build: none of %zu laps has %u+ ground "
			     "positions (pos_x/pos_y)",
			     n_laps, TRACK_MIN_POINTS);
		goto fail;
	}
	double *tmp_len = tb_malloc(n_ok * sizeof(double));
	if (!tmp_len)
		goto fail;
	memcpy(tmp_len, lens, n_ok * sizeof(double));
	double med = median(tmp_len, n_ok);
	tb_free(tmp_len);
	/* Keep laps within the tolerance of the median length. */
	size_t n_keep = 0;
	for (size_t i = 0; i < n_ok; i++) {
		if (fabs(paths[i].len - med) <= TRACK_LEN_TOL * med) {
			struct lap_path keep = paths[i];
			paths[i] = paths[n_keep];
			paths[n_keep++] = keep;
		}
	}
	size_t m = (size_t)floor(med / step_m + 0.5);
	if (m < TRACK_MIN_POINTS || m > TRACK_MAX_POINTS) {
		st = tb_fail(err, TB_ERR_RANGE,
			     "track build: lap length %.1f m gives %zu points "
			     "at %g m",
			     med, m, step_m);
		goto fail;
	}
	mx = tb_malloc(m * sizeof(double));
	my = tb_malloc(m * sizeof(double));
	if (!mx || !my)
		goto fail;
	st = median_path(paths, n_keep, m, mx, my);
	if (st != TB_OK)
		goto fail;
	/* the median now lives in mx/my; lens is reused as scratch */
	double *tmp = tb_malloc(m * sizeof(double));
	if (!tmp) {
		st = TB_ERR_NOMEM;
		goto fail;
	}
	smooth_closed(mx, tmp, m, TRACK_SMOOTH_HALF);
	smooth_closed(my, tmp, m, TRACK_SMOOTH_HALF);
	tb_free(tmp);
	st = resample_closed(mx, my, m, step_m, out);
	if (st != TB_OK)
		goto fail;
	track_curvature(out);
	if (n_used)
		*n_used = n_keep;
	st = TB_OK;
	goto done;
fail:
	ana_track_release(out);
	if (st == TB_ERR_NOMEM)
		tb_fail(err, st, "track build: out of memory");
done:
	tb_free(my);
	tb_free(mx);
	for (size_t i = 0; paths && i < n_laps; i++)
		path_release(&paths[i]);
	tb_free(paths);
	tb_free(lens);
	return st;
}

/* Nearest point of segment k..k+1 (closed path) to (x, y): squared
 * distance, and the parameter along the segment in *f. */
static double seg_dist2(const struct ana_track *t, size_t k, double x,
			double y, double *f)
{
	size_t k1 = k + 1 < t->n ? k + 1 : 0;
	double ax = t->x[k], ay = t->y[k];
	double dx = t->x[k1] - ax, dy = t->y[k1] - ay;
	double l2 = dx * dx + dy * dy;
	double u = l2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / l2 : 0;
	u = u < 0 ? 0 : u > 1 ? 1 : u;
	double ex = ax + u * dx - x, ey = ay + u * dy - y;
	*f = u;
	return ex * ex + ey * ey;
}

double ana_track_project(const struct ana_track *t, double x, double y,
			 double hint_m, double back_m, double ahead_m,
			 double *err_m)
{
	if (err_m)
		*err_m = NAN;
	if (!t || t->n < 2 || !isfinite(x) || !isfinite(y))
		return NAN;
	const double len = t->length_m, step = t->step_m;
	long first = 0, count = (long)t->n;
	bool all = !isfinite(hint_m) || !(back_m >= 0) || !(ahead_m >= 0) ||
		   back_m + ahead_m >= len;
	if (!all) {
		double h = fmod(hint_m, len);
		h = h < 0 ? h + len : h;
		first = (long)floor((h - back_m) / step) - 1;
		count = (long)ceil((back_m + ahead_m) / step) + 2;
		if (count > (long)t->n)
			count = (long)t->n;
	}
	double best = INFINITY, best_s = NAN;
	const long n = (long)t->n;
	for (long j = 0; j < count; j++) {
		size_t k = (size_t)(((first + j) % n + n) % n);
		double f, d2 = seg_dist2(t, k, x, y, &f);
		if (d2 < best) {
			best = d2;
			best_s = ((double)k + f) * step;
		}
	}
	if (best_s >= len)
		best_s -= len;
	if (err_m)
		*err_m = sqrt(best);
	return best_s;
}

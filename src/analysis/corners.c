/* corners.c - corners of a layout: found from the track model's
 * curvature (hysteresis on the smoothed |curvature|) or, without one,
 * from the reference laps' speed minima; refined by where the fast laps
 * brake and lift; complexes merged; numbered along the lap; segments that
 * tile [0, length) so per-corner losses add up to the lap delta. */
#include "analysis.h"
#include "corners_int.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define CURV_ON		     (1.0 / 400.0) /* enter a corner: radius < 400 m */
#define CURV_OFF	     (1.0 / 700.0) /* leave it: radius > 700 m */
#define CURV_SMOOTH_M	     10.0  /* half window of the curvature average */
#define SPEED_SMOOTH_M	     10.0  /* half window of the speed average */
#define MIN_CORNER_M	     8.0   /* shorter curvature runs are noise */
#define VALLEY_MIN_MS	     4.0   /* speed valley prominence, at least */
#define VALLEY_FRAC	     0.05  /* ... or this fraction of the top speed */
#define APEX_SEARCH_M	     40.0  /* apex: speed minimum this far around */
#define LOOKBACK_M	     500.0 /* brake/lift search before the apex */
#define MERGE_M		     150.0 /* apexes closer than this: one complex */
#define START_BEFORE_BRAKE_M 50.0
#define START_BEFORE_APEX_M  100.0 /* corners taken without lifting */
#define LIFT_THR	     0.95  /* throttle below this is a lift */
#define FULL_THR	     0.95  /* ... and at or above it full throttle */

double ana__interp(const double *v, size_t n, double step, double d)
{
	if (!v || n == 0 || !(step > 0) || isnan(d))
		return NAN;
	double x = d / step;
	if (x <= 0)
		return v[0];
	if (x >= (double)(n - 1))
		return v[n - 1];
	size_t i = (size_t)x;
	double f = x - (double)i;
	if (f == 0)
		return v[i];
	return v[i] + (v[i + 1] - v[i]) * f;
}

size_t ana__index(const struct ana_grid *g, double length_m, double d)
{
	double x = d * (g->length_m / length_m) / g->step_m;
	if (!(x > 0))
		return 0;
	if (x >= (double)(g->n - 1))
		return g->n - 1;
	return (size_t)lround(x);
}

double ana__time_at(const struct ana_grid *g, double length_m, double d)
{
	if (d >= length_m) {
		if (isfinite(g->t_end_s))
			return g->t_end_s;
		if (g->lap_time_ms > 0)
			return g->lap_time_ms / 1000.0;
		return g->t[g->n - 1];
	}
	return ana__interp(g->t, g->n, g->step_m, d * (g->length_m / length_m));
}

enum tb_status ana__check_grid(const struct ana_grid *g, double length_m,
			       const char *what, struct tb_error *err)
{
	if (!g || !g->t || g->n < 2 || !(g->step_m > 0) || !(g->length_m > 0))
		return tb_fail(err, TB_ERR_ARG, "%s: empty grid (%zu points)",
			       what, g ? g->n : 0);
	double r = g->length_m / length_m;
	if (!(fabs(r - 1) <= ANA__LEN_TOL))
		return tb_fail(err, TB_ERR_RANGE,
			       "%s: %.0f m long, the layout %.0f m: not the "
			       "same layout",
			       what, g->length_m, length_m);
	return TB_OK;
}

double ana__brake_thr(const struct ana_grid *g)
{
	return (g->src & ANA_SRC_BRAKE_BINARY) ? 0.5 : 0.05;
}

double ana_corner_loss(const double *delta, size_t n, double step_m,
		       const struct ana_corner *c)
{
	if (!delta || !c || n == 0 || !(step_m > 0))
		return NAN;
	return ana__interp(delta, n, step_m, c->end_m) -
	       ana__interp(delta, n, step_m, c->start_m);
}

/* ------------------------------------------------------------------ */

/* Working state of one search: the layout sampled every step metres. */
struct finder {
	const struct ana_track *track;
	const struct ana_grid *const *refs;
	size_t n_refs;
	double len, step;
	size_t n;
	double *v; /* mean reference speed, smoothed; NAN unknown */
	double *k; /* |curvature| smoothed (track only) */
	double *tmp;
	bool has_throttle;
};

/* Value of ref r's channel ch at layout distance d (NAN if unknown). */
static double ref_at(const struct finder *f, const struct ana_grid *g,
		     enum tb_channel ch, double d)
{
	if (!(g->chans & TB_CHBIT(ch)) || !g->col[ch])
		return NAN;
	return ana__interp(g->col[ch], g->n, g->step_m,
			   d * (g->length_m / f->len));
}

/* Centred moving average of src into dst over +-half points, NANs
 * skipped (all NAN stays NAN). O(n) with running sums. */
static void smooth(const double *src, double *dst, size_t n, size_t half)
{
	double sum = 0;
	size_t cnt = 0, lo = 0, hi = 0; /* window [lo, hi) */
	for (size_t i = 0; i < n; i++) {
		size_t want_hi = i + half + 1 < n ? i + half + 1 : n;
		size_t want_lo = i > half ? i - half : 0;
		while (hi < want_hi) {
			if (!isnan(src[hi])) {
				sum += src[hi];
				cnt++;
			}
			hi++;
		}
		while (lo < want_lo) {
			if (!isnan(src[lo])) {
				sum -= src[lo];
				cnt--;
			}
			lo++;
		}
		dst[i] = cnt ? sum / (double)cnt : NAN;
	}
}

static void mean_speed(struct finder *f)
{
	for (size_t i = 0; i < f->n; i++) {
		double s = 0;
		size_t c = 0;
		for (size_t r = 0; r < f->n_refs; r++) {
			double x = ref_at(f, f->refs[r], TB_CH_SPEED,
					  (double)i * f->step);
			if (isfinite(x)) {
				s += x;
				c++;
			}
		}
		f->tmp[i] = c ? s / (double)c : NAN;
	}
	smooth(f->tmp, f->v, f->n, (size_t)(SPEED_SMOOTH_M / f->step));
}

static void abs_curvature(struct finder *f)
{
	const struct ana_track *t = f->track;
	for (size_t i = 0; i < f->n; i++) {
		size_t j = (size_t)lround(
		    (double)i * f->step *
		    ((double)t->n * t->step_m / t->length_m) / t->step_m);
		f->tmp[i] = fabs(t->curv[j % t->n]);
	}
	smooth(f->tmp, f->k, f->n, (size_t)(CURV_SMOOTH_M / f->step));
}

/* Index of the speed minimum in [a, b], or mid if speed is unknown. */
static size_t speed_min(const struct finder *f, size_t a, size_t b, size_t mid)
{
	size_t best = SIZE_MAX;
	for (size_t i = a; i <= b && i < f->n; i++) {
		if (isfinite(f->v[i]) &&
		    (best == SIZE_MAX || f->v[i] < f->v[best]))
			best = i;
	}
	return best == SIZE_MAX ? mid : best;
}

static enum tb_status push(struct ana_corners *out, double apex, double lo,
			   double hi, double curv, struct tb_error *err)
{
	if (out->n >= ANA_CORNERS_MAX)
		return tb_fail(err, TB_ERR_LIMIT, "more than %d corners",
			       ANA_CORNERS_MAX);
	struct ana_corner *c = &out->c[out->n++];
	c->apex_m = apex;
	c->start_m = lo; /* the detected region until refined */
	c->end_m = hi;
	c->curv_max = curv;
	c->brake_m = c->exit_m = NAN;
	c->complex = false;
	return TB_OK;
}

/* Corners from curvature: hysteresis on the smoothed |curvature|. */
static enum tb_status from_curvature(struct finder *f, struct ana_corners *out,
				     struct tb_error *err)
{
	size_t min_pts = (size_t)(MIN_CORNER_M / f->step);
	size_t i = 0;
	while (i < f->n) {
		if (!(f->k[i] > CURV_ON)) {
			i++;
			continue;
		}
		size_t a = i, kmax = i;
		while (a > 0 && f->k[a - 1] > CURV_OFF)
			a--;
		while (i < f->n && f->k[i] > CURV_OFF) {
			if (f->k[i] > f->k[kmax])
				kmax = i;
			i++;
		}
		size_t b = i - 1;
		if (b - a + 1 < min_pts)
			continue;
		size_t w = (size_t)(APEX_SEARCH_M / f->step);
		size_t apex = speed_min(f, a > w ? a - w : 0, b + w, kmax);
		size_t tj =
		    (size_t)lround((double)kmax * f->step *
				   ((double)f->track->n * f->track->step_m /
				    f->track->length_m) /
				   f->track->step_m) %
		    f->track->n;
		double curv = f->track->curv[tj];
		enum tb_status st =
		    push(out, (double)apex * f->step, (double)a * f->step,
			 (double)b * f->step, curv, err);
		if (st != TB_OK)
			return st;
	}
	return TB_OK;
}

/* Corners from speed valleys (peak/valley detection with a prominence
 * of delta): a valley counts once the speed has dropped by delta from a
 * peak before it and risen by delta after it. */
static enum tb_status from_speed(struct finder *f, struct ana_corners *out,
				 struct tb_error *err)
{
	double vmax = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (f->v[i] > vmax)
			vmax = f->v[i];
	}
	double delta = fmax(VALLEY_MIN_MS, VALLEY_FRAC * vmax);
	bool seek_max = true;
	double mx = -INFINITY, mn = INFINITY;
	size_t mn_i = 0;
	for (size_t i = 0; i < f->n; i++) {
		double v = f->v[i];
		if (!isfinite(v))
			continue;
		if (v > mx)
			mx = v;
		if (v < mn) {
			mn = v;
			mn_i = i;
		}
		if (seek_max && v < mx - delta) {
			seek_max = false;
			mn = v;
			mn_i = i;
		} else if (!seek_max && v > mn + delta) {
			double d = (double)mn_i * f->step;
			enum tb_status st = push(out, d, d, d, NAN, err);
			if (st != TB_OK)
				return st;
			seek_max = true;
			mx = v;
		}
	}
	return TB_OK;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of the finite values of a[n] (sorted in place); NAN if none. */
static double median(double *a, size_t n)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (isfinite(a[i]))
			a[m++] = a[i];
	}
	if (m == 0)
		return NAN;
	qsort(a, m, sizeof(*a), cmp_double);
	return m % 2 ? a[m / 2] : (a[m / 2 - 1] + a[m / 2]) / 2;
}

/* Where ref g starts braking or lifting for the apex at index ai, not
 * before index lo; NAN if it does neither. */
static double entry_point(const struct finder *f, const struct ana_grid *g,
			  size_t lo, size_t ai)
{
	double thr = ana__brake_thr(g);
	double best = NAN;
	size_t j = ai + 1;
	while (j > lo &&
	       !(ref_at(f, g, TB_CH_BRAKE, (double)(j - 1) * f->step) > thr))
		j--;
	if (j > lo) {
		while (j > lo && ref_at(f, g, TB_CH_BRAKE,
					(double)(j - 1) * f->step) > thr)
			j--;
		best = (double)j * f->step;
	}
	j = ai + 1;
	while (j > lo && !(ref_at(f, g, TB_CH_THROTTLE,
				  (double)(j - 1) * f->step) < LIFT_THR))
		j--;
	if (j > lo) {
		while (j > lo && ref_at(f, g, TB_CH_THROTTLE,
					(double)(j - 1) * f->step) < LIFT_THR)
			j--;
		double l = (double)j * f->step;
		if (isnan(best) || l < best)
			best = l;
	}
	return best;
}

/* Where ref g is back on full throttle after index ai, before index hi;
 * NAN if not. */
static double exit_point(const struct finder *f, const struct ana_grid *g,
			 size_t ai, size_t hi)
{
	for (size_t j = ai; j < hi && j < f->n; j++) {
		if (ref_at(f, g, TB_CH_THROTTLE, (double)j * f->step) >=
		    FULL_THR)
			return (double)j * f->step;
	}
	return NAN;
}

static enum tb_status refine(struct finder *f, struct ana_corners *out,
			     struct tb_error *err)
{
	double *buf = tb_malloc(2 * f->n_refs * sizeof(*buf));
	if (!buf)
		return tb_fail(err, TB_ERR_NOMEM, "corners: %zu refs",
			       f->n_refs);
	double *eb = buf, *ex = buf + f->n_refs;
	size_t back = (size_t)(LOOKBACK_M / f->step);
	for (size_t k = 0; k < out->n; k++) {
		struct ana_corner *c = &out->c[k];
		size_t ai = (size_t)lround(c->apex_m / f->step);
		size_t lo = ai > back ? ai - back : 0;
		if (k > 0) {
			size_t pa =
			    (size_t)lround(out->c[k - 1].apex_m / f->step) + 1;
			if (pa > lo)
				lo = pa;
		}
		size_t hi = k + 1 < out->n
				? (size_t)lround(out->c[k + 1].apex_m / f->step)
				: f->n;
		for (size_t r = 0; r < f->n_refs; r++) {
			eb[r] = entry_point(f, f->refs[r], lo, ai);
			ex[r] = exit_point(f, f->refs[r], ai, hi);
		}
		c->brake_m = median(eb, f->n_refs);
		double e = median(ex, f->n_refs);
		if (isnan(e) && !f->has_throttle)
			e = fmax(c->apex_m, c->end_m); /* curvature end */
		c->exit_m = e;
	}
	tb_free(buf);
	return TB_OK;
}

/* Curvature touching the line where the fast laps neither brake nor
 * lift: the track model's closure, not a corner. */
static void drop_line_artefacts(const struct finder *f, struct ana_corners *out)
{
	if (!f->track)
		return;
	size_t m = 0;
	double last = (double)(f->n - 1) * f->step - MIN_CORNER_M;
	for (size_t k = 0; k < out->n; k++) {
		const struct ana_corner *c = &out->c[k];
		bool at_line = c->start_m <= MIN_CORNER_M || c->end_m >= last;
		if (at_line && isnan(c->brake_m))
			continue;
		out->c[m++] = *c;
	}
	out->n = m;
}

/* Merge corner b into a (a complex). */
static void merge_into(const struct finder *f, struct ana_corner *a,
		       const struct ana_corner *b)
{
	size_t ia = (size_t)lround(a->apex_m / f->step);
	size_t ib = (size_t)lround(b->apex_m / f->step);
	if (isfinite(f->v[ib]) && (!isfinite(f->v[ia]) || f->v[ib] < f->v[ia]))
		a->apex_m = b->apex_m;
	if (isnan(a->brake_m))
		a->brake_m = b->brake_m;
	a->exit_m = b->exit_m;
	a->end_m = b->end_m;
	if (isnan(a->curv_max) || fabs(b->curv_max) > fabs(a->curv_max))
		a->curv_max = b->curv_max;
	a->complex = true;
}

static void merge(const struct finder *f, struct ana_corners *out)
{
	size_t m = 0;
	for (size_t k = 0; k < out->n; k++) {
		struct ana_corner *b = &out->c[k];
		if (m > 0) {
			struct ana_corner *a = &out->c[m - 1];
			bool close = b->apex_m - a->apex_m < MERGE_M;
			/* no full throttle between them: a's exit is never
			 * reached before b, or comes after b's entry */
			bool linked =
			    f->has_throttle &&
			    (isnan(a->exit_m) ||
			     (isfinite(b->brake_m) && a->exit_m > b->brake_m));
			if (close || linked) {
				merge_into(f, a, b);
				continue;
			}
		}
		out->c[m++] = *b;
	}
	out->n = m;
}

/* Segment starts: before each corner's braking zone, bounded by the
 * middle of the previous exit and this entry; the first starts at the
 * line and the last ends there. */
static void tile(struct ana_corners *out)
{
	for (size_t k = 0; k < out->n; k++) {
		struct ana_corner *c = &out->c[k];
		c->number = (int)k + 1;
		if (isfinite(c->exit_m) && c->exit_m < c->apex_m)
			c->exit_m = c->apex_m;
		if (k == 0) {
			c->start_m = 0;
			continue;
		}
		const struct ana_corner *p = &out->c[k - 1];
		double entry = isfinite(c->brake_m)
				   ? c->brake_m
				   : c->apex_m - START_BEFORE_APEX_M;
		double s =
		    isfinite(c->brake_m) ? entry - START_BEFORE_BRAKE_M : entry;
		double pe = isfinite(p->exit_m) ? p->exit_m : p->apex_m;
		double bound =
		    (fmax(pe, p->apex_m) + fmin(entry, c->apex_m)) / 2;
		if (pe >= entry)
			bound = (p->apex_m + c->apex_m) / 2;
		if (s < bound)
			s = bound;
		if (s > c->apex_m)
			s = c->apex_m;
		c->start_m = s;
	}
	for (size_t k = 0; k < out->n; k++)
		out->c[k].end_m =
		    k + 1 < out->n ? out->c[k + 1].start_m : out->length_m;
}

static enum tb_status check_args(const struct ana_track *track,
				 const struct ana_grid *const *refs,
				 size_t n_refs, struct ana_corners *out,
				 struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "corners: no output");
	if (!refs || n_refs == 0)
		return tb_fail(err, TB_ERR_ARG,
			       "corners: need at least one reference lap");
	if (track && (!track->curv || track->n < 3 || !(track->length_m > 0) ||
		      !(track->step_m > 0)))
		return tb_fail(err, TB_ERR_ARG, "corners: empty track model");
	double len = track ? track->length_m : 0;
	for (size_t r = 0; r < n_refs; r++) {
		const struct ana_grid *g = refs[r];
		if (!g || !g->t || g->n < 2 || !(g->step_m > 0) ||
		    !(g->length_m > 0))
			return tb_fail(err, TB_ERR_ARG,
				       "corners: reference %zu is empty", r);
		if (len == 0)
			len = g->length_m;
		if (g->step_m != refs[0]->step_m)
			return tb_fail(err, TB_ERR_ARG,
				       "corners: reference %zu step %g m, "
				       "reference 0 %g m",
				       r, g->step_m, refs[0]->step_m);
		if (!(fabs(g->length_m / len - 1) <= ANA__LEN_TOL))
			return tb_fail(err, TB_ERR_RANGE,
				       "corners: reference %zu is %.0f m, "
				       "layout %.0f m: not the same layout",
				       r, g->length_m, len);
	}
	if (!track) {
		bool any = false;
		for (size_t r = 0; r < n_refs; r++)
			any |= (refs[r]->chans & TB_CHBIT(TB_CH_SPEED)) &&
			       refs[r]->col[TB_CH_SPEED];
		if (!any)
			return tb_fail(err, TB_ERR_ARG,
				       "corners: no track model and no "
				       "speed in the reference laps");
	}
	return TB_OK;
}

enum tb_status ana_corners_find(const struct ana_track *track,
				const struct ana_grid *const *refs,
				size_t n_refs, struct ana_corners *out,
				struct tb_error *err)
{
	enum tb_status st = check_args(track, refs, n_refs, out, err);
	if (st != TB_OK)
		return st;
	memset(out, 0, sizeof(*out));
	struct finder f = {.track = track, .refs = refs, .n_refs = n_refs};
	f.len = track ? track->length_m : refs[0]->length_m;
	f.step = refs[0]->step_m;
	f.n = (size_t)floor(f.len / f.step) + 1;
	for (size_t r = 0; r < n_refs; r++)
		f.has_throttle |= (refs[r]->chans & TB_CHBIT(TB_CH_THROTTLE)) &&
				  refs[r]->col[TB_CH_THROTTLE];
	double *mem = tb_malloc(3 * f.n * sizeof(*mem));
	if (!mem)
		return tb_fail(err, TB_ERR_NOMEM, "corners: %zu points", f.n);
	f.v = mem;
	f.k = mem + f.n;
	f.tmp = mem + 2 * f.n;
	out->length_m = f.len;
	mean_speed(&f);
	if (track) {
		abs_curvature(&f);
		st = from_curvature(&f, out, err);
	} else {
		st = from_speed(&f, out, err);
	}
	if (st == TB_OK)
		st = refine(&f, out, err);
	if (st == TB_OK) {
		drop_line_artefacts(&f, out);
		merge(&f, out);
		tile(out);
		if (out->n == 0)
			st =
			    tb_fail(err, TB_ERR_NOTFOUND,
				    "corners: none found on %.0f m (%s)", f.len,
				    track ? "no curvature above "
					    "1/400 m"
					  : "no speed minimum");
	}
	tb_free(mem);
	if (st != TB_OK)
		memset(out, 0, sizeof(*out));
	return st;
}

/* features.c - per-corner features of a lap against a reference: the
 * analysis' corner metrics of both as differences (m, km/h), the shares
 * of the reference's grip the lap uses (peak deceleration, lateral
 * acceleration at the apex), lap-wide levels (so a uniformly slower
 * driver is told apart from a mistake at one corner) and the corner's
 * geometry. Unknown stays NAN (XGBoost's missing value). */
#include "coach.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define KMH	     3.6
#define DECEL_SPAN_M 8.0 /* speed difference span for the deceleration */

static const char *const feat_names[] = {
#define X(id, name, cause) name,
    COACH_FEATURES(X)
#undef X
};
static const enum coach_cause feat_cause[] = {
#define X(id, name, cause) COACH_CAUSE_##cause,
    COACH_FEATURES(X)
#undef X
};
static const char *const cause_names[] = {
#define X(id, name, desc) name,
    COACH_CAUSES(X)
#undef X
};
static const char *const mk_names[] = {
#define X(id, name, cause, sim) name,
    COACH_MISTAKES(X)
#undef X
};
static const char *const mk_sim[] = {
#define X(id, name, cause, sim) sim,
    COACH_MISTAKES(X)
#undef X
};
static const enum coach_cause mk_cause[] = {
#define X(id, name, cause, sim) COACH_CAUSE_##cause,
    COACH_MISTAKES(X)
#undef X
};
static const char *const rating_names[] = {
#define X(id, name) name,
    COACH_RATINGS(X)
#undef X
};

const char *coach_feature_name(enum coach_feature f)
{
	return (unsigned)f < COACH_NF ? feat_names[f] : "?";
}

enum coach_cause coach_feature_cause(enum coach_feature f)
{
	return (unsigned)f < COACH_NF ? feat_cause[f] : COACH_CAUSE_CONTEXT;
}

const char *coach_cause_name(enum coach_cause c)
{
	return (unsigned)c < COACH_CAUSE__COUNT ? cause_names[c] : "?";
}

const char *coach_mistake_name(enum coach_mistake m)
{
	return (unsigned)m < COACH_MK__COUNT ? mk_names[m] : "?";
}

enum coach_cause coach_mistake_cause(enum coach_mistake m)
{
	return (unsigned)m < COACH_MK__COUNT ? mk_cause[m]
					     : COACH_CAUSE_CONTEXT;
}

const char *coach_mistake_sim_name(enum coach_mistake m)
{
	return (unsigned)m < COACH_MK__COUNT ? mk_sim[m] : NULL;
}

const char *coach_rating_name(enum coach_rating r)
{
	return (unsigned)r < COACH_R__COUNT ? rating_names[r] : "?";
}

static uint32_t fnv(uint32_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	h ^= 0xff;
	return h * 16777619u;
}

uint32_t coach_schema_hash(void)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < COACH_NF; i++)
		h = fnv(h, feat_names[i]);
	for (size_t i = 0; i < COACH_MK__COUNT; i++)
		h = fnv(h, mk_names[i]);
	return h;
}

static float dif(double a, double b)
{
	return isfinite(a) && isfinite(b) ? (float)(a - b) : NAN;
}

/* Speed (m/s) of grid g at distance d (corners' frame, scaled by
 * scale), NAN outside or unknown. */
static double speed_at(const struct ana_grid *g, double d)
{
	const double *v = g->col[TB_CH_SPEED];
	if (!v || !(g->chans & TB_CHBIT(TB_CH_SPEED)) || g->n < 2)
		return NAN;
	double x = d / g->step_m;
	if (x < 0)
		x = 0;
	size_t i = (size_t)x;
	if (i >= g->n - 1)
		return v[g->n - 1];
	double f = x - (double)i;
	return v[i] * (1 - f) + v[i + 1] * f;
}

/* Peak deceleration (m/s^2) of g between a and b (corners' frame):
 * v dv/ds over DECEL_SPAN_M. */
static double peak_decel(const struct ana_grid *g, double scale, double a,
			 double b)
{
	double best = NAN;
	for (double d = a; d + DECEL_SPAN_M <= b; d += 2.0) {
		double v0 = speed_at(g, d * scale);
		double v1 = speed_at(g, (d + DECEL_SPAN_M) * scale);
		if (!isfinite(v0) || !isfinite(v1))
			continue;
		double dec = (v0 * v0 - v1 * v1) / (2 * DECEL_SPAN_M);
		if (isnan(best) || dec > best)
			best = dec;
	}
	return best;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static float median_of(const struct coach_corner *c, size_t n,
		       enum coach_feature f)
{
	float v[ANA_CORNERS_MAX];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(c[i].f[f]))
			v[k++] = c[i].f[f];
	if (k == 0)
		return NAN;
	qsort(v, k, sizeof(v[0]), cmp_float);
	return k % 2 ? v[k / 2] : 0.5f * (v[k / 2 - 1] + v[k / 2]);
}

static void corner_features(const struct ana_grid *lap,
			    const struct ana_grid *ref,
			    const struct ana_corners *cs, size_t k,
			    struct coach_corner *c)
{
	const struct ana_corner_metrics *l = &c->lap, *r = &c->ref;
	const struct ana_corner *cn = &cs->c[k];
	float *f = c->f;
	f[COACH_F_D_BRAKE_M] = dif(l->brake_m, r->brake_m);
	f[COACH_F_D_ENTRY_KMH] = dif(l->entry_kmh, r->entry_kmh);
	f[COACH_F_D_BRAKE_PEAK] = dif(l->brake_peak, r->brake_peak);
	double sl = lap->length_m / cs->length_m;
	double sr = ref->length_m / cs->length_m;
	double apex = cn->apex_m;
	double dl = peak_decel(lap, sl, cn->start_m, apex);
	double dr = peak_decel(ref, sr, cn->start_m, apex);
	f[COACH_F_DECEL_SHARE] =
	    isfinite(dl) && isfinite(dr) && dr > 1.0 ? (float)(dl / dr) : NAN;
	f[COACH_F_D_MIN_KMH] = dif(l->min_kmh, r->min_kmh);
	f[COACH_F_LAT_SHARE] =
	    isfinite(l->min_kmh) && isfinite(r->min_kmh) && r->min_kmh > 1
		? (float)((l->min_kmh * l->min_kmh) / (r->min_kmh * r->min_kmh))
		: NAN;
	f[COACH_F_D_MIN_M] = dif(l->min_m, r->min_m);
	f[COACH_F_D_THROTTLE_M] = dif(l->throttle_m, r->throttle_m);
	f[COACH_F_D_FULL_M] = dif(l->full_throttle_m, r->full_throttle_m);
	f[COACH_F_D_EXIT50_KMH] = dif(l->exit_kmh[0], r->exit_kmh[0]);
	f[COACH_F_D_EXIT200_KMH] = dif(l->exit_kmh[2], r->exit_kmh[2]);
	f[COACH_F_D_COAST_M] = dif(l->coast_m, r->coast_m);
	f[COACH_F_COAST_M] = isfinite(l->coast_m) ? (float)l->coast_m : NAN;
	f[COACH_F_D_TRAIL_M] = dif(l->trail_release_m, r->trail_release_m);
	f[COACH_F_D_OVERLAP_M] = dif(l->overlap_m, r->overlap_m);
	f[COACH_F_OVERLAP_M] =
	    isfinite(l->overlap_m) ? (float)l->overlap_m : NAN;
	/* braking run: brake point to release (no trail braking shortens
	 * it at the end, early braking lengthens it at the start) */
	f[COACH_F_D_BRAKE_LEN_M] = dif(l->trail_release_m - l->brake_m,
				       r->trail_release_m - r->brake_m);
	f[COACH_F_D_CORR] = dif(l->steer_corrections, r->steer_corrections);
	f[COACH_F_SEG_M] = (float)(cn->end_m - cn->start_m);
	f[COACH_F_CURV] = (float)fabs(cn->curv_max);
	f[COACH_F_REF_MIN_KMH] = isfinite(r->min_kmh) ? (float)r->min_kmh : NAN;
	f[COACH_F_REF_TIME_S] = isfinite(r->time_s) ? (float)r->time_s : NAN;
	f[COACH_F_REF_ENTRY_KMH] =
	    isfinite(r->entry_kmh) ? (float)r->entry_kmh : NAN;
}

enum tb_status
coach_features(const struct ana_grid *lap, const struct ana_grid *ref,
	       const struct ana_corners *corners, const double *delta, size_t n,
	       struct coach_corner *out, size_t *n_out, struct tb_error *err)
{
	if (!lap || !ref || !corners || !delta || !out || !n_out)
		return tb_fail(err, TB_ERR_ARG,
			       "coach features: NULL argument");
	*n_out = 0;
	if (corners->n < 1 || corners->n > ANA_CORNERS_MAX)
		return tb_fail(err, TB_ERR_ARG, "coach features: %zu corners",
			       corners->n);
	double loss[ANA_CORNERS_MAX];
	enum tb_status st =
	    ana_corner_losses(lap, ref, corners, delta, n, loss, err);
	if (st != TB_OK)
		return st;
	for (size_t k = 0; k < corners->n; k++) {
		struct coach_corner *c = &out[k];
		memset(c, 0, sizeof(*c));
		c->number = corners->c[k].number;
		c->loss_s = loss[k];
		st = ana_corner_metrics(lap, corners, k, &c->lap, err);
		if (st == TB_OK)
			st = ana_corner_metrics(ref, corners, k, &c->ref, err);
		if (st != TB_OK)
			return st;
		corner_features(lap, ref, corners, k, c);
	}
	float lat = median_of(out, corners->n, COACH_F_LAT_SHARE);
	float brk = median_of(out, corners->n, COACH_F_D_BRAKE_M);
	/* against the lap's own level: one corner unlike the others */
	for (size_t k = 0; k < corners->n; k++) {
		float *f = out[k].f;
		f[COACH_F_LAP_LAT_SHARE] = lat;
		f[COACH_F_LAP_D_BRAKE_M] = brk;
		f[COACH_F_REL_LAT_SHARE] =
		    isfinite(lat) && lat > 0 ? f[COACH_F_LAT_SHARE] / lat : NAN;
		f[COACH_F_REL_D_BRAKE_M] = f[COACH_F_D_BRAKE_M] - brk;
	}
	*n_out = corners->n;
	return TB_OK;
}

void coach_dataset_init(struct coach_dataset *d)
{
	memset(d, 0, sizeof(*d));
}

void coach_dataset_release(struct coach_dataset *d)
{
	if (!d)
		return;
	tb_free(d->rows);
	memset(d, 0, sizeof(*d));
}

enum tb_status coach_dataset_add(struct coach_dataset *d,
				 const struct coach_row *r,
				 struct tb_error *err)
{
	if (d->n == d->cap) {
		if (d->cap >= COACH_ROWS_MAX)
			return tb_fail(err, TB_ERR_LIMIT,
				       "coach data set: more than %zu rows",
				       COACH_ROWS_MAX);
		size_t cap = d->cap ? d->cap * 2 : 1024;
		struct coach_row *p = tb_realloc(d->rows, cap * sizeof(*p));
		if (!p)
			return tb_fail(err, TB_ERR_NOMEM, "coach data set");
		d->rows = p;
		d->cap = cap;
	}
	d->rows[d->n++] = *r;
	return TB_OK;
}

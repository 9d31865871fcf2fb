/* metrics.c - what a lap does in one corner segment: brake point and
 * how the brake is applied and released, speeds, coasting, throttle
 * pickup, gear and steering corrections, time through the segment.
 * Distances are in the corners' frame (the lap scaled onto the layout);
 * what the source cannot tell is NAN with its channel in `unknown`. */
#include "analysis.h"
#include "corners_int.h"

#include <math.h>

#define PEDAL_OFF      0.05  /* throttle / brake below this: released */
#define PICKUP_THR     0.10  /* throttle pickup */
#define FULL_THR       0.95  /* full throttle */
#define STEER_ON       0.05  /* |steer| above this: steering */
#define STEER_RATE_MIN 0.25  /* 1/s: slower steering is not a correction */
#define MIN_WINDOW_M   150.0 /* minimum speed searched apex +- this */
#define PLATEAU_MS     0.05  /* speeds this close are one minimum */

/* One lap read against one corner. */
struct view {
	const struct ana_grid *g;
	double len;    /* layout length */
	double scale;  /* layout metres per lap metre */
	size_t i0, i1; /* segment [i0, i1] in lap points */
};

static bool has(const struct ana_grid *g, enum tb_channel ch)
{
	return (g->chans & TB_CHBIT(ch)) && g->col[ch];
}

/* Value of a channel at point i (NAN when absent). */
static double at(const struct view *w, enum tb_channel ch, size_t i)
{
	if (!has(w->g, ch) || i >= w->g->n)
		return NAN;
	return w->g->col[ch][i];
}

static double pos(const struct view *w, size_t i)
{
	return (double)i * w->g->step_m * w->scale;
}

static size_t idx(const struct view *w, double d)
{
	return ana__index(w->g, w->len, d);
}

static void init_out(struct ana_corner_metrics *m)
{
	m->brake_m = m->brake_peak = m->brake_build_s = NAN;
	m->trail_release_m = m->overlap_m = m->entry_kmh = NAN;
	m->min_kmh = m->min_m = m->coast_m = NAN;
	m->throttle_m = m->full_throttle_m = NAN;
	for (int j = 0; j < 3; j++)
		m->exit_kmh[j] = NAN;
	m->gear_apex = m->steer_corrections = m->time_s = NAN;
	m->unknown = 0;
}

/* Brake point, peak, build-up time and release. Returns the brake point
 * index or SIZE_MAX when the lap does not brake before the apex. */
static size_t brake_metrics(const struct view *w, const struct ana_corner *c,
			    struct ana_corner_metrics *m)
{
	if (!has(w->g, TB_CH_BRAKE)) {
		m->unknown |= TB_CHBIT(TB_CH_BRAKE);
		return SIZE_MAX;
	}
	bool binary = (w->g->src & ANA_SRC_BRAKE_BINARY) != 0;
	double thr = ana__brake_thr(w->g);
	size_t ia = idx(w, c->apex_m), b = SIZE_MAX;
	for (size_t i = w->i0; i <= ia && i <= w->i1; i++) {
		if (at(w, TB_CH_BRAKE, i) > thr) {
			b = i;
			break;
		}
	}
	if (binary)
		m->unknown |= TB_CHBIT(TB_CH_BRAKE); /* build and release */
	if (b == SIZE_MAX) {
		m->brake_peak = 0;
		return SIZE_MAX;
	}
	m->brake_m = pos(w, b);
	size_t e = b, pk = b;
	while (e + 1 <= w->i1 && at(w, TB_CH_BRAKE, e + 1) > thr) {
		e++;
		if (at(w, TB_CH_BRAKE, e) > at(w, TB_CH_BRAKE, pk))
			pk = e;
	}
	m->brake_peak = binary ? 1.0 : at(w, TB_CH_BRAKE, pk);
	if (binary)
		return b;
	double peak = m->brake_peak;
	size_t i10 = b, i90 = b;
	while (i10 < pk && at(w, TB_CH_BRAKE, i10) < 0.1 * peak)
		i10++;
	i90 = i10;
	while (i90 < pk && at(w, TB_CH_BRAKE, i90) < 0.9 * peak)
		i90++;
	m->brake_build_s = w->g->t[i90] - w->g->t[i10];
	/* released: first point after the run below PEDAL_OFF */
	m->trail_release_m = pos(w, e + 1 <= w->i1 ? e + 1 : e);
	return b;
}

static void overlap_metric(const struct view *w, size_t b,
			   struct ana_corner_metrics *m)
{
	if (!has(w->g, TB_CH_STEER)) {
		m->unknown |= TB_CHBIT(TB_CH_STEER);
		return;
	}
	if (!has(w->g, TB_CH_BRAKE))
		return;
	double thr = ana__brake_thr(w->g), n = 0;
	for (size_t i = b == SIZE_MAX ? w->i0 : b; i <= w->i1; i++) {
		if (at(w, TB_CH_BRAKE, i) > thr &&
		    fabs(at(w, TB_CH_STEER, i)) > STEER_ON)
			n++;
	}
	m->overlap_m = n * w->g->step_m * w->scale;
}

/* Minimum speed near the apex; returns its index (or the apex's). */
static size_t speed_metrics(const struct view *w, const struct ana_corner *c,
			    size_t b, struct ana_corner_metrics *m)
{
	size_t ia = idx(w, c->apex_m);
	if (!has(w->g, TB_CH_SPEED)) {
		m->unknown |= TB_CHBIT(TB_CH_SPEED);
		return ia;
	}
	size_t lo = idx(w, c->apex_m - MIN_WINDOW_M);
	size_t hi = idx(w, c->apex_m + MIN_WINDOW_M);
	if (lo < w->i0)
		lo = w->i0;
	if (hi > w->i1)
		hi = w->i1;
	size_t mi = SIZE_MAX;
	for (size_t i = lo; i <= hi; i++) {
		double v = at(w, TB_CH_SPEED, i);
		if (isfinite(v) &&
		    (mi == SIZE_MAX || v < at(w, TB_CH_SPEED, mi)))
			mi = i;
	}
	if (mi == SIZE_MAX)
		return ia;
	/* a plateau (constant radius, constant speed): its middle */
	size_t pe = mi;
	while (pe + 1 <= hi && at(w, TB_CH_SPEED, pe + 1) <=
				   at(w, TB_CH_SPEED, mi) + PLATEAU_MS)
		pe++;
	mi += (pe - mi) / 2;
	m->min_kmh = at(w, TB_CH_SPEED, mi) * TB_KMH_PER_MS;
	m->min_m = pos(w, mi);
	size_t ie = b != SIZE_MAX	   ? b
		    : isfinite(c->brake_m) ? idx(w, c->brake_m)
					   : w->i0;
	m->entry_kmh = at(w, TB_CH_SPEED, ie) * TB_KMH_PER_MS;
	static const double after[3] = {50, 100, 200};
	for (int j = 0; j < 3; j++) {
		double d = m->min_m + after[j];
		if (d <= c->end_m || d < w->len)
			m->exit_kmh[j] =
			    at(w, TB_CH_SPEED, idx(w, d)) * TB_KMH_PER_MS;
	}
	return mi;
}

static void throttle_metrics(const struct view *w, size_t b, size_t mi,
			     struct ana_corner_metrics *m)
{
	if (!has(w->g, TB_CH_THROTTLE)) {
		m->unknown |= TB_CHBIT(TB_CH_THROTTLE);
		return;
	}
	if (has(w->g, TB_CH_BRAKE)) {
		double thr = ana__brake_thr(w->g), n = 0;
		for (size_t i = w->i0; i <= w->i1; i++) {
			if (at(w, TB_CH_THROTTLE, i) < PEDAL_OFF &&
			    !(at(w, TB_CH_BRAKE, i) >= fmin(thr, PEDAL_OFF)))
				n++;
		}
		m->coast_m = n * w->g->step_m * w->scale;
	}
	/* pickup: where the throttle last rose above 10 % around the apex
	 * (drivers often pick up before the minimum speed) */
	size_t lo = b != SIZE_MAX ? b : w->i0, p = mi;
	if (at(w, TB_CH_THROTTLE, p) > PICKUP_THR) {
		while (p > lo && at(w, TB_CH_THROTTLE, p - 1) > PICKUP_THR)
			p--;
	} else {
		while (p < w->i1 && !(at(w, TB_CH_THROTTLE, p) > PICKUP_THR))
			p++;
		if (!(at(w, TB_CH_THROTTLE, p) > PICKUP_THR))
			return;
	}
	m->throttle_m = pos(w, p);
	for (size_t i = p; i <= w->i1; i++) {
		if (at(w, TB_CH_THROTTLE, i) > FULL_THR) {
			m->full_throttle_m = pos(w, i) - m->throttle_m;
			return;
		}
	}
}

/* Sign changes of the steering rate (faster than STEER_RATE_MIN) from
 * the brake point (or segment start) to the corner's exit. */
static void steer_metric(const struct view *w, const struct ana_corner *c,
			 size_t b, struct ana_corner_metrics *m)
{
	if (!has(w->g, TB_CH_STEER)) {
		m->unknown |= TB_CHBIT(TB_CH_STEER);
		return;
	}
	size_t hi = idx(w, isfinite(c->exit_m) ? c->exit_m : c->end_m);
	if (hi > w->i1)
		hi = w->i1;
	int last = 0;
	double n = 0;
	for (size_t i = b != SIZE_MAX ? b : w->i0; i < hi; i++) {
		double dt = w->g->t[i + 1] - w->g->t[i];
		double ds = at(w, TB_CH_STEER, i + 1) - at(w, TB_CH_STEER, i);
		if (!(dt > 0) || !isfinite(ds) ||
		    fabs(ds) / dt < STEER_RATE_MIN)
			continue;
		int sg = ds > 0 ? 1 : -1;
		if (last != 0 && sg != last)
			n++;
		last = sg;
	}
	m->steer_corrections = n;
}

enum tb_status ana_corner_metrics(const struct ana_grid *lap,
				  const struct ana_corners *corners, size_t k,
				  struct ana_corner_metrics *out,
				  struct tb_error *err)
{
	if (!out || !corners)
		return tb_fail(err, TB_ERR_ARG, "corner metrics: no %s",
			       out ? "corners" : "output");
	init_out(out);
	if (k >= corners->n)
		return tb_fail(err, TB_ERR_ARG,
			       "corner metrics: corner index %zu of %zu", k,
			       corners->n);
	enum tb_status st =
	    ana__check_grid(lap, corners->length_m, "corner metrics", err);
	if (st != TB_OK)
		return st;
	const struct ana_corner *c = &corners->c[k];
	struct view w = {.g = lap,
			 .len = corners->length_m,
			 .scale = corners->length_m / lap->length_m};
	w.i0 = idx(&w, c->start_m);
	w.i1 = idx(&w, c->end_m);
	if (w.i1 <= w.i0)
		return tb_fail(err, TB_ERR_ARG,
			       "corner metrics: corner %d segment [%.0f, %.0f)"
			       " m is empty on this grid",
			       c->number, c->start_m, c->end_m);
	out->time_s = ana__time_at(lap, w.len, c->end_m) -
		      ana__time_at(lap, w.len, c->start_m);
	size_t b = brake_metrics(&w, c, out);
	overlap_metric(&w, b, out);
	size_t mi = speed_metrics(&w, c, b, out);
	throttle_metrics(&w, b, mi, out);
	if (has(lap, TB_CH_GEAR))
		out->gear_apex = at(&w, TB_CH_GEAR, mi);
	else
		out->unknown |= TB_CHBIT(TB_CH_GEAR);
	steer_metric(&w, c, b, out);
	return TB_OK;
}

/* session.c - views over many laps of one layout: the theoretical best
 * (best segment times added up), consistency per corner (spread of the
 * brake point, minimum speed and segment time over clean laps) and the
 * best lap of each car. Running sums only: no allocation. */
#include "analysis.h"
#include "corners_int.h"

#include <math.h>
#include <stdint.h>

/* Welford running mean / variance. */
struct acc {
	size_t n;
	double mean, m2;
};

static void acc_add(struct acc *a, double x)
{
	if (!isfinite(x))
		return;
	a->n++;
	double d = x - a->mean;
	a->mean += d / (double)a->n;
	a->m2 += d * (x - a->mean);
}

static double acc_sd(const struct acc *a)
{
	return a->n >= 2 ? sqrt(a->m2 / (double)(a->n - 1)) : NAN;
}

static double lap_time(const struct ana_grid *g)
{
	if (isfinite(g->t_end_s))
		return g->t_end_s;
	return g->lap_time_ms > 0 ? g->lap_time_ms / 1000.0 : g->t[g->n - 1];
}

static void init_summary(struct ana_session_summary *out, size_t n_corners)
{
	memset(out, 0, sizeof(*out));
	out->best_lap_s = out->theoretical_s = NAN;
	out->best_lap = SIZE_MAX;
	out->n_corners = n_corners;
	for (size_t k = 0; k < ANA_CORNERS_MAX; k++) {
		struct ana_corner_stats *s = &out->c[k];
		s->best_s = s->time_sd_s = s->brake_sd_m = NAN;
		s->min_kmh_sd = NAN;
		s->best_lap = SIZE_MAX;
	}
	for (size_t c = 0; c < ANA_CARS_MAX; c++)
		out->car_best[c] = SIZE_MAX;
}

/* Fold lap i's corner k into the stats. */
static enum tb_status add_corner(const struct ana_session_lap *l, size_t i,
				 const struct ana_corners *corners, size_t k,
				 struct ana_corner_stats *s, struct acc a[3],
				 struct tb_error *err)
{
	struct ana_corner_metrics m;
	enum tb_status st = ana_corner_metrics(l->grid, corners, k, &m, err);
	if (st != TB_OK)
		return st;
	if (isfinite(m.time_s) && (isnan(s->best_s) || m.time_s < s->best_s)) {
		s->best_s = m.time_s;
		s->best_lap = i;
	}
	acc_add(&a[0], m.time_s);
	acc_add(&a[1], m.brake_m);
	acc_add(&a[2], m.min_kmh);
	return TB_OK;
}

enum tb_status ana_session_summarize(const struct ana_session_lap *laps,
				     size_t n_laps,
				     const struct ana_corners *corners,
				     struct ana_session_summary *out,
				     struct tb_error *err)
{
	if (!laps || !corners || !out)
		return tb_fail(err, TB_ERR_ARG, "session: missing argument");
	if (corners->n == 0 || corners->n > ANA_CORNERS_MAX)
		return tb_fail(err, TB_ERR_ARG, "session: %zu corners",
			       corners->n);
	init_summary(out, corners->n);
	struct acc a[ANA_CORNERS_MAX][3];
	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n_laps; i++) {
		const struct ana_session_lap *l = &laps[i];
		if (!l->clean)
			continue;
		struct tb_error e2;
		if (ana__check_grid(l->grid, corners->length_m, "lap", &e2) !=
		    TB_OK)
			return tb_fail(err, e2.status, "session: lap %zu: %s",
				       i, e2.msg);
		out->n_clean++;
		double t = lap_time(l->grid);
		if (isnan(out->best_lap_s) || t < out->best_lap_s) {
			out->best_lap_s = t;
			out->best_lap = i;
		}
		size_t *cb = &out->car_best[l->car];
		if (*cb == SIZE_MAX)
			out->n_cars++;
		if (*cb == SIZE_MAX || t < lap_time(laps[*cb].grid))
			*cb = i;
		for (size_t k = 0; k < corners->n; k++) {
			enum tb_status st =
			    add_corner(l, i, corners, k, &out->c[k], a[k], &e2);
			if (st != TB_OK)
				return tb_fail(err, st, "session: lap %zu: %s",
					       i, e2.msg);
		}
	}
	if (out->n_clean == 0)
		return tb_fail(err, TB_ERR_ARG,
			       "session: no clean lap among %zu", n_laps);
	out->theoretical_s = 0;
	for (size_t k = 0; k < corners->n; k++) {
		struct ana_corner_stats *s = &out->c[k];
		s->n_laps = a[k][0].n;
		s->time_sd_s = acc_sd(&a[k][0]);
		s->brake_sd_m = acc_sd(&a[k][1]);
		s->min_kmh_sd = acc_sd(&a[k][2]);
		out->theoretical_s += s->best_s;
	}
	return TB_OK;
}

/* grid.c - a lap resampled onto a regular distance grid (time by
 * interpolating the lap's clock against its distance, channels linear or
 * held by kind, unknown across gaps), and the delta-time trace of two
 * grids, the lap's distance scaled onto the reference's length. */
#include <math.h>

#include "analysis.h"

#define GRID_MAX_POINTS	   (1u << 22) /* 4000 km at 1 m */
#define GRID_DEFAULT_GAP_M 50.0	      /* ana_grid_from_lap */
#define DELTA_LAYOUT_TOL   0.02	      /* same layout within 2 % */
#define DELTA_SCALE_WARN   0.005      /* warn above 0.5 % */
#define CONF_ERR_M	   3.0	      /* position error halving confidence */
#define CONF_RATE_HZ	   20.0	      /* full confidence from this rate */
#define CONF_CHECK_M	   20.0	      /* channel vs positions halving it */
#define DELTA_CHECK_WARN_M 30.0	      /* ... and warned about beyond */

void ana_grid_release(struct ana_grid *g)
{
	if (!g)
		return;
	tb_free(g->t);
	for (int c = 0; c < TB_CH__COUNT; c++)
		tb_free(g->col[c]);
	memset(g, 0, sizeof(*g));
}

/* Knots of time against distance: the kept samples whose distance
 * strictly increases (the first of a pause), with the line at 0 and
 * the end at length_m added when the samples do not reach them. */
static size_t time_knots(const struct tb_lap *lap, const double *dist,
			 const struct ana_dist_info *info, double *ks,
			 double *kt)
{
	size_t k = 0;
	enum tb_channel clk =
	    info->clock == TB_CH_LAP_TIME ? TB_CH_LAP_TIME : TB_CH_TIME;
	const double *tc = lap->col[clk] ? lap->col[clk] : lap->col[TB_CH_TIME];
	for (size_t i = 0; i < lap->n; i++) {
		if (isnan(dist[i]))
			continue;
		if (k == 0 && dist[i] > 0) {
			ks[k] = 0;
			kt[k++] = info->line_time_s;
		}
		if (k > 0 && !(dist[i] > ks[k - 1]))
			continue;
		ks[k] = dist[i];
		kt[k++] = tc[i];
	}
	if (k > 0 && !isnan(info->end_time_s) && info->length_m > ks[k - 1] &&
	    info->end_time_s > kt[k - 1]) {
		ks[k] = info->length_m;
		kt[k++] = info->end_time_s;
	}
	return k;
}

/* Elapsed time at every grid point by linear interpolation of the
 * knots (held beyond them). */
static void grid_time(struct ana_grid *g, const double *ks, const double *kt,
		      size_t nk, double t0)
{
	size_t j = 0;
	for (size_t i = 0; i < g->n; i++) {
		double s = (double)i * g->step_m;
		while (j + 1 < nk && ks[j + 1] < s)
			j++;
		double t;
		if (nk == 1 || s <= ks[0])
			t = kt[0];
		else if (j + 1 >= nk)
			t = kt[nk - 1];
		else
			t = kt[j] + (s - ks[j]) / (ks[j + 1] - ks[j]) *
					(kt[j + 1] - kt[j]);
		g->t[i] = t - t0;
	}
}

/* Next sample from i on (inclusive) that has channel ch finite and a
 * distance above floor_d; lap->n if none. */
static size_t next_with(const struct tb_lap *lap, const double *dist,
			enum tb_channel ch, size_t i, double floor_d)
{
	const tb_chmask bit = TB_CHBIT(ch);
	for (; i < lap->n; i++)
		if ((lap->mask[i] & bit) && !isnan(dist[i]) &&
		    dist[i] > floor_d && isfinite(lap->col[ch][i]))
			return i;
	return lap->n;
}

/* One channel onto the grid; returns true if any point is known. */
static bool grid_channel(const struct tb_lap *lap, const double *dist,
			 enum tb_channel ch, double max_gap, struct ana_grid *g)
{
	const double *v = lap->col[ch];
	double *out = g->col[ch];
	bool step = tb_channel_kind(ch) == TB_KIND_STEP, any = false;
	size_t a = lap->n, b = next_with(lap, dist, ch, 0, -INFINITY);
	for (size_t i = 0; i < g->n; i++) {
		double s = (double)i * g->step_m;
		while (b < lap->n && dist[b] <= s) {
			a = b;
			b = next_with(lap, dist, ch, b + 1, dist[b]);
		}
		double r = NAN;
		if (a < lap->n && b < lap->n) {
			double gap = dist[b] - dist[a];
			if (gap <= max_gap)
				r = step ? v[a]
					 : v[a] + (s - dist[a]) / gap *
						      (v[b] - v[a]);
		} else if (a < lap->n) {
			if (s - dist[a] <= max_gap)
				r = v[a];
		} else if (b < lap->n) {
			if (dist[b] - s <= max_gap)
				r = v[b];
		}
		out[i] = r;
		any = any || !isnan(r);
	}
	return any;
}

enum tb_status ana_resample(const struct tb_lap *lap, const double *dist,
			    const struct ana_dist_info *info, double step_m,
			    double max_gap_m, struct ana_grid *out,
			    struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "resample: no output");
	memset(out, 0, sizeof(*out));
	out->t_end_s = NAN;
	if (!lap || !dist || !info || !(lap->chans & TB_CHBIT(TB_CH_TIME)))
		return tb_fail(err, TB_ERR_ARG,
			       "resample: lap, distances, info and a time "
			       "channel are needed");
	if (!(step_m > 0) || !(max_gap_m > 0))
		return tb_fail(err, TB_ERR_ARG,
			       "resample: step %g m, max gap %g m (both must "
			       "be > 0)",
			       step_m, max_gap_m);
	double len = info->length_m;
	if (!(len >= step_m) || isnan(info->line_time_s))
		return tb_fail(err, TB_ERR_RANGE,
			       "resample: lap %u covers %.1f m from the line "
			       "(line crossing %s): nothing to grid at %g m",
			       (unsigned)lap->lap_number, len,
			       isnan(info->line_time_s) ? "unknown" : "known",
			       step_m);
	double fn = floor(len / step_m) + 1;
	if (fn > GRID_MAX_POINTS)
		return tb_fail(err, TB_ERR_LIMIT,
			       "resample: %.0f points at %g m exceed %u", fn,
			       step_m, GRID_MAX_POINTS);
	enum tb_status st = TB_ERR_NOMEM;
	double *ks = tb_malloc((lap->n + 2) * sizeof(double));
	double *kt = tb_malloc((lap->n + 2) * sizeof(double));
	out->n = (size_t)fn;
	out->step_m = step_m;
	out->length_m = len;
	out->dist = *info;
	out->lap_time_ms = lap->lap_time_ms;
	out->t = tb_malloc(out->n * sizeof(double));
	if (!ks || !kt || !out->t)
		goto fail;
	size_t nk = time_knots(lap, dist, info, ks, kt);
	if (nk == 0) {
		st = tb_fail(err, TB_ERR_ARG, "resample: no usable sample");
		goto fail;
	}
	grid_time(out, ks, kt, nk, info->line_time_s);
	out->t_end_s = isnan(info->end_time_s)
			   ? NAN
			   : info->end_time_s - info->line_time_s;
	for (int c = 0; c < TB_CH__COUNT; c++) {
		if (c == TB_CH_TIME || !(lap->chans & TB_CHBIT(c)))
			continue;
		out->col[c] = tb_malloc(out->n * sizeof(double));
		if (!out->col[c])
			goto fail;
		if (grid_channel(lap, dist, (enum tb_channel)c, max_gap_m, out))
			out->chans |= TB_CHBIT(c);
		else {
			tb_free(out->col[c]);
			out->col[c] = NULL;
		}
	}
	tb_free(kt);
	tb_free(ks);
	return TB_OK;
fail:
	if (st == TB_ERR_NOMEM)
		tb_fail(err, st, "resample: out of memory (%zu points)",
			out->n);
	tb_free(kt);
	tb_free(ks);
	ana_grid_release(out);
	out->t_end_s = NAN;
	return st;
}

enum tb_status ana_grid_from_lap(const struct tb_lap *lap,
				 const struct ana_track *track, double step_m,
				 struct ana_grid *out, struct tb_error *err)
{
	if (out) {
		memset(out, 0, sizeof(*out));
		out->t_end_s = NAN;
	}
	if (!lap || !out)
		return tb_fail(err, TB_ERR_ARG, "grid: no lap/output");
	double *dist = tb_malloc((lap->n ? lap->n : 1) * sizeof(double));
	if (!dist)
		return tb_fail(err, TB_ERR_NOMEM,
			       "grid: out of memory (%zu samples)", lap->n);
	struct ana_dist_info info;
	enum tb_status st = ana_lap_distance(lap, track, dist, &info, err);
	if (st == TB_OK) {
		double gap = GRID_DEFAULT_GAP_M > 10 * step_m
				 ? GRID_DEFAULT_GAP_M
				 : 10 * step_m;
		st = ana_resample(lap, dist, &info, step_m, gap, out, err);
	}
	tb_free(dist);
	if (st == TB_OK && ana_lap_brake_binary(lap))
		out->src |= ANA_SRC_BRAKE_BINARY;
	return st;
}

bool ana_lap_brake_binary(const struct tb_lap *lap)
{
	const double *b = lap ? lap->col[TB_CH_BRAKE] : NULL;
	if (!b)
		return false;
	bool one = false;
	for (size_t i = 0; i < lap->n; i++) {
		if (!(lap->mask[i] & TB_CHBIT(TB_CH_BRAKE)))
			continue;
		if (b[i] != 0 && b[i] != 1)
			return false;
		one |= b[i] == 1;
	}
	return one;
}

/* Time of grid g at distance s (0 <= s <= length), linear between grid
 * points, the last stretch to the line at t_end_s. */
static double grid_t_at(const struct ana_grid *g, double s)
{
	double fk = s / g->step_m;
	size_t k = fk <= 0 ? 0 : (size_t)fk;
	if (k + 1 < g->n) {
		double f = fk - (double)k;
		return g->t[k] + f * (g->t[k + 1] - g->t[k]);
	}
	double s_last = (double)(g->n - 1) * g->step_m;
	double span = g->length_m - s_last;
	if (isnan(g->t_end_s) || !(span > 0) || s <= s_last)
		return g->t[g->n - 1];
	double f = (s - s_last) / span;
	f = f > 1 ? 1 : f;
	return g->t[g->n - 1] + f * (g->t_end_s - g->t[g->n - 1]);
}

/* The channel-vs-positions disagreement of a grid (0 without a check). */
static double grid_check(const struct ana_grid *g)
{
	return isnan(g->dist.check_m) ? 0 : g->dist.check_m;
}

/* Confidence 0..1 = c_pos * c_rate * c_len * c_check:
 *   c_pos  = 1 / (1 + (e / 3 m)^2), e the larger RMS projection error
 *            of the two grids (0 for a game's distance channel, 3 m for
 *            integrated speed, which drifts);
 *   c_rate = sqrt(min(1, f / 20 Hz)), f the lower median sample rate;
 *   c_len  = 1 - |length difference| / (2 % of the reference length);
 *   c_check = 1 / (1 + (c / 20 m)^2), c the larger disagreement of a
 *            channel base with the positions (ana_dist_info.check_m). */
static double grid_err(const struct ana_grid *g)
{
	switch (g->dist.method) {
	case ANA_DIST_TRACK:
		return isnan(g->dist.pos_err_rms) ? CONF_ERR_M
						  : g->dist.pos_err_rms;
	case ANA_DIST_CHANNEL:
		return 0;
	case ANA_DIST_SPEED:
		break;
	}
	return CONF_ERR_M;
}

static double confidence(const struct ana_grid *lap, const struct ana_grid *ref,
			 double rel)
{
	double e = fmax(grid_err(lap), grid_err(ref));
	double c_pos = 1.0 / (1.0 + (e / CONF_ERR_M) * (e / CONF_ERR_M));
	double f = fmin(lap->dist.rate_hz, ref->dist.rate_hz);
	double c_rate = isnan(f) ? 0.5 : sqrt(fmin(1.0, f / CONF_RATE_HZ));
	double c_len = 1.0 - rel / DELTA_LAYOUT_TOL;
	double ck = fmax(grid_check(lap), grid_check(ref)) / CONF_CHECK_M;
	double c_check = 1.0 / (1.0 + ck * ck);
	double c = c_pos * c_rate * (c_len > 0 ? c_len : 0) * c_check;
	return c < 0 ? 0 : c > 1 ? 1 : c;
}

static const char *delta_warning(const struct ana_grid *lap,
				 const struct ana_grid *ref, double rel)
{
	if (fmax(grid_check(lap), grid_check(ref)) > DELTA_CHECK_WARN_M)
		return "positions disagree with the lap distance by more than "
		       "30 m (time-shifted or glitching positions): the "
		       "trace is doubtful";
	if (lap->dist.method == ANA_DIST_SPEED ||
	    ref->dist.method == ANA_DIST_SPEED)
		return "distance from integrated speed: positions drift";
	if (isnan(lap->t_end_s) || isnan(ref->t_end_s))
		return "a lap does not reach the line: no final delta";
	if (rel > DELTA_SCALE_WARN)
		return "lap lengths differ by more than 0.5 %: lap distance "
		       "scaled onto the reference";
	if (lap->dist.n_dropped || ref->dist.n_dropped)
		return "samples dropped (duplicate or reversed time)";
	if (lap->dist.method != ref->dist.method)
		return "the laps' distances come from different methods";
	return NULL;
}

enum tb_status ana_delta(const struct ana_grid *lap, const struct ana_grid *ref,
			 double *delta, size_t *n_out,
			 struct ana_delta_info *info, struct tb_error *err)
{
	if (n_out)
		*n_out = 0;
	if (info) {
		memset(info, 0, sizeof(*info));
		info->final_s = info->len_diff_m = NAN;
	}
	if (!lap || !ref || !delta || !lap->t || !ref->t || lap->n < 2 ||
	    ref->n < 2)
		return tb_fail(err, TB_ERR_ARG,
			       "delta: two grids of >= 2 points and an output "
			       "are needed");
	if (fabs(lap->step_m - ref->step_m) > 1e-9 * ref->step_m)
		return tb_fail(err, TB_ERR_ARG,
			       "delta: grid steps differ (%g m vs %g m)",
			       lap->step_m, ref->step_m);
	double diff = lap->length_m - ref->length_m;
	double rel = fabs(diff) / ref->length_m;
	if (!(rel < DELTA_LAYOUT_TOL))
		return tb_fail(err, TB_ERR_RANGE,
			       "delta: lap %.1f m vs reference %.1f m "
			       "(%+.1f %%): not the same layout",
			       lap->length_m, ref->length_m,
			       100.0 * diff / ref->length_m);
	double scale = lap->length_m / ref->length_m;
	for (size_t i = 0; i < ref->n; i++) {
		double s = (double)i * ref->step_m * scale;
		delta[i] = grid_t_at(lap, s) - ref->t[i];
	}
	if (n_out)
		*n_out = ref->n;
	if (info) {
		info->final_s = lap->t_end_s - ref->t_end_s;
		info->len_diff_m = diff;
		info->confidence = confidence(lap, ref, rel);
		info->warning = delta_warning(lap, ref, rel);
	}
	return TB_OK;
}

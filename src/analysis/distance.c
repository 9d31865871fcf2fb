/* distance.c - the distance base of a lap: every sample's metres from
 * the line, by projection onto a track model fused with integrated speed
 * (a low-rate source with its own distance: that distance scaled onto the
 * model, the projection only checking it), else the source's own lap
 * distance, else integrated speed; plus the interpolated times at which
 * the lap crosses the line at both ends. */
#include <math.h>

#include "analysis.h"

#define DIST_BACK_M 20.0	/* projection window behind the hint */
#define DIST_AHEAD_M 20.0	/* ... and ahead (plus 2 * v * dt) */
#define DIST_TRUST_ERR_M 3.0	/* projection fully trusted within this */
#define DIST_GAIN 0.7		/* complementary filter gain */
#define DIST_RELOCK_M 10.0	/* off the path by more: search wider */
#define DIST_RELOCK_WIN_M 300.0
#define DIST_NOISE_M 3.0	/* backward steps up to this are noise */
#define DIST_END_SLACK_M 50.0	/* last sample this close to the line */
#define DIST_GAME_TIME_TOL_S 0.5 /* game lap time vs samples */
#define DIST_STANDING_MS 5.0	/* slower at the line: a standing start */
#define DIST_LOW_RATE_HZ 20.0	/* below, a distance channel is the base */
#define DIST_SCALE_TOL 0.02	/* channel vs model length */
#define DIST_CHECK_WIN_M 60.0	/* projection window of the check */
#define DIST_CHECK_MED 9	/* check: median over this many samples */

const char *ana_dist_method_name(enum ana_dist_method m)
{
	switch (m) {
	case ANA_DIST_TRACK:
		return "track";
	case ANA_DIST_CHANNEL:
		return "channel";
	case ANA_DIST_SPEED:
		return "speed";
	}
	return "unknown";
}

static double chan_at(const struct tb_lap *lap, enum tb_channel ch, size_t i)
{
	if (!(lap->mask[i] & TB_CHBIT(ch)))
		return NAN;
	double v = lap->col[ch][i];
	return isfinite(v) ? v : NAN;
}

static double speed_at(const struct tb_lap *lap, size_t i)
{
	double v = chan_at(lap, TB_CH_SPEED, i);
	return v >= 0 ? v : NAN;
}

/* k-th smallest of v[n] (v reordered): Hoare's selection. */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		double piv = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < piv)
				i++;
			while (v[j] > piv)
				j--;
			if (i <= j) {
				double tmp = v[i];
				v[i] = v[j];
				v[j] = tmp;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* Mark usable samples (finite, strictly increasing time): dist[i] = 0
 * for kept, NAN for dropped. Returns the number kept; fills the median
 * sample rate (using dist as scratch first). */
static size_t keep_samples(const struct tb_lap *lap, double *dist,
			   struct ana_dist_info *info)
{
	size_t n_dt = 0, kept = 0;
	double t_prev = NAN;
	for (size_t i = 0; i < lap->n; i++) {
		double t = chan_at(lap, TB_CH_TIME, i);
		if (isnan(t) || (!isnan(t_prev) && !(t > t_prev)))
			continue;
		if (!isnan(t_prev))
			dist[n_dt++] = t - t_prev;
		t_prev = t;
	}
	info->rate_hz = NAN;
	if (n_dt > 0) {
		double med = select_kth(dist, n_dt, n_dt / 2);
		info->rate_hz = med > 0 ? 1.0 / med : NAN;
	}
	t_prev = NAN;
	for (size_t i = 0; i < lap->n; i++) {
		double t = chan_at(lap, TB_CH_TIME, i);
		if (isnan(t) || (!isnan(t_prev) && !(t > t_prev))) {
			dist[i] = NAN;
			info->n_dropped++;
			continue;
		}
		dist[i] = 0;
		t_prev = t;
		kept++;
	}
	return kept;
}

static double time_at(const struct tb_lap *lap, size_t i)
{
	return lap->col[TB_CH_TIME][i];
}

/* Speed over the step from sample a to b: the mean of the speed channel
 * at both ends, else the one known, else fallback. */
static double step_speed(const struct tb_lap *lap, size_t a, size_t b,
			 double fallback)
{
	double va = speed_at(lap, a), vb = speed_at(lap, b);
	if (!isnan(va) && !isnan(vb))
		return 0.5 * (va + vb);
	if (!isnan(vb))
		return vb;
	if (!isnan(va))
		return va;
	return fallback;
}

/* Projection fused with integrated speed (a complementary filter): the
 * speed integral predicts, the projection corrects with gain DIST_GAIN
 * while the car is within DIST_TRUST_ERR_M of the path, less and less
 * beyond (off the reference path the projection is unreliable). */
static void dist_track(const struct tb_lap *lap, const struct ana_track *tr,
		       double *dist, struct ana_dist_info *info)
{
	const double len = tr->length_m;
	double d_prev = NAN, v_est = NAN, e2 = 0, emax = 0;
	size_t prev = 0, n_e = 0;
	for (size_t i = 0; i < lap->n; i++) {
		if (isnan(dist[i]))
			continue;
		double x = chan_at(lap, TB_CH_POS_X, i);
		double y = chan_at(lap, TB_CH_POS_Y, i);
		bool pos = !isnan(x) && !isnan(y);
		double d = NAN, e = NAN;
		if (isnan(d_prev)) {
			if (pos) {
				d = ana_track_project(tr, x, y, NAN, 0, 0, &e);
				d = d > 0.5 * len ? d - len : d;
			}
		} else {
			double dt = time_at(lap, i) - time_at(lap, prev);
			double v = step_speed(lap, prev, i, v_est);
			double pred = isnan(v) ? d_prev : d_prev + v * dt;
			double vdt = isnan(v) ? 0 : v * dt;
			d = pred;
			if (pos) {
				double p = ana_track_project(
				    tr, x, y, pred, DIST_BACK_M,
				    DIST_AHEAD_M + 2 * vdt, &e);
				double k = isnan(v) ? 1.0 : DIST_GAIN;
				if (e > DIST_RELOCK_M) {
					/* lost (the prediction drifted): look
					 * wider and lock on again */
					double e2w, p2 = ana_track_project(
					    tr, x, y, pred, DIST_RELOCK_WIN_M,
					    DIST_RELOCK_WIN_M + 2 * vdt, &e2w);
					if (e2w < e) {
						p = p2;
						e = e2w;
						k = 1.0;
					}
				}
				p += len * round((pred - p) / len);
				if (e > DIST_TRUST_ERR_M)
					k *= DIST_TRUST_ERR_M / e;
				d = pred + k * (p - pred);
			}
			if (d < d_prev)
				d = d_prev;
			if (!isnan(d) && dt > 0)
				v_est = (d - d_prev) / dt;
		}
		if (!isnan(e)) {
			e2 += e * e;
			emax = e > emax ? e : emax;
			n_e++;
		}
		dist[i] = isnan(d) ? INFINITY : d; /* INFINITY: fill later */
		if (!isnan(d)) {
			d_prev = d;
			prev = i;
		}
	}
	info->pos_err_rms = n_e ? sqrt(e2 / (double)n_e) : NAN;
	info->pos_err_max = n_e ? emax : NAN;
}

/* The source's lap distance, cleaned to be monotonic: a step back within
 * noise is held; a big step back in the first samples is the line (the
 * samples before it belong before the line: shifted below 0); a big step
 * back later is a reset, refused. */
static enum tb_status dist_channel(const struct tb_lap *lap, double *dist,
				   struct ana_dist_info *info,
				   struct tb_error *err)
{
	double d_prev = NAN;
	size_t prev = 0, n_seen = 0;
	for (size_t i = 0; i < lap->n; i++) {
		if (isnan(dist[i]))
			continue;
		double raw = chan_at(lap, TB_CH_LAP_DIST, i);
		n_seen++;
		if (isnan(raw)) {
			dist[i] = INFINITY;
			continue;
		}
		double d = raw;
		if (!isnan(d_prev) && raw < d_prev - DIST_NOISE_M) {
			if (n_seen > 1 + lap->n / 20)
				return tb_fail(err, TB_ERR_CORRUPT,
					       "lap distance goes back %.1f m "
					       "at sample %zu (a reset or "
					       "flashback)",
					       d_prev - raw, i);
			double dt = time_at(lap, i) - time_at(lap, prev);
			double v = step_speed(lap, prev, i, 0);
			double shift = (raw - v * dt) - d_prev;
			for (size_t j = 0; j < i; j++)
				if (!isnan(dist[j]) && isfinite(dist[j]))
					dist[j] += shift;
			info->note = "lap distance wraps at the line: earlier "
				     "samples placed before it";
		} else if (!isnan(d_prev) && raw < d_prev) {
			d = d_prev;
		}
		dist[i] = d;
		d_prev = d;
		prev = i;
	}
	return TB_OK;
}

/* Integrated speed (trapezoid) from 0 at the first sample; a missing
 * speed holds the last one. */
static void dist_speed(const struct tb_lap *lap, double *dist)
{
	double d = NAN, v_last = NAN;
	size_t prev = 0;
	for (size_t i = 0; i < lap->n; i++) {
		if (isnan(dist[i]))
			continue;
		if (isnan(d)) {
			d = 0;
		} else {
			double dt = time_at(lap, i) - time_at(lap, prev);
			double v = step_speed(lap, prev, i, v_last);
			d += isnan(v) ? 0 : v * dt;
		}
		double vi = speed_at(lap, i);
		v_last = isnan(vi) ? v_last : vi;
		dist[i] = d;
		prev = i;
	}
}

/* Kept samples without a measurement (INFINITY) get a distance linear in
 * time between their known neighbours, held at the ends. */
static enum tb_status fill_unknown(const struct tb_lap *lap, double *dist,
				   struct tb_error *err)
{
	size_t last = SIZE_MAX;
	for (size_t i = 0; i < lap->n; i++) {
		if (isnan(dist[i]) || isinf(dist[i]))
			continue;
		size_t from = last == SIZE_MAX ? 0 : last + 1;
		for (size_t j = from; j < i; j++) {
			if (!isinf(dist[j]))
				continue;
			if (last == SIZE_MAX) {
				dist[j] = dist[i];
				continue;
			}
			double ta = time_at(lap, last), tb = time_at(lap, i);
			double f = (time_at(lap, j) - ta) / (tb - ta);
			dist[j] = dist[last] + f * (dist[i] - dist[last]);
		}
		last = i;
	}
	if (last == SIZE_MAX)
		return tb_fail(err, TB_ERR_ARG,
			       "lap of %zu samples: no sample with a usable "
			       "position or distance",
			       lap->n);
	for (size_t j = last + 1; j < lap->n; j++)
		if (isinf(dist[j]))
			dist[j] = dist[last];
	return TB_OK;
}

/* Speed at kept sample i: the channel, else the rate towards the
 * neighbour j. */
static double speed_or_rate(const struct tb_lap *lap, const double *dist,
			    size_t i, size_t j)
{
	double v = speed_at(lap, i);
	if (!isnan(v))
		return v;
	double dt = time_at(lap, j) - time_at(lap, i);
	return dt != 0 ? (dist[j] - dist[i]) / dt : NAN;
}

/* The line from the lap's own lap-time channel: sample time minus lap
 * time at the first sample whose lap time is running; NAN without. */
static double line_from_lap_time(const struct tb_lap *lap, const double *dist)
{
	for (size_t i = 0; i < lap->n; i++) {
		if (isnan(dist[i]))
			continue;
		double lt = chan_at(lap, TB_CH_LAP_TIME, i);
		if (lt > 0 && lt < 30)
			return time_at(lap, i) - lt;
	}
	return NAN;
}

/* Crossing of distance 0: interpolated between the samples around it,
 * else extrapolated back from the first sample with its speed (within
 * 2 s), else the first sample. A standing start (under
 * DIST_STANDING_MS at the line) waits there for the start signal, which
 * only the lap's own clock knows: its lap-time channel wins. */
static double line_time(const struct tb_lap *lap, const double *dist,
			size_t first, size_t second)
{
	size_t a = SIZE_MAX;
	double t = NAN, v = NAN;
	for (size_t i = 0; i < lap->n; i++) {
		if (isnan(dist[i]))
			continue;
		if (a != SIZE_MAX && dist[a] <= 0 && dist[i] > 0) {
			double ta = time_at(lap, a), tb = time_at(lap, i);
			t = ta + (0 - dist[a]) / (dist[i] - dist[a]) *
				     (tb - ta);
			v = (dist[i] - dist[a]) / (tb - ta);
			break;
		}
		if (dist[i] > 0 && a == SIZE_MAX)
			break; /* starts after the line */
		a = i;
	}
	double t0 = time_at(lap, first), d0 = dist[first];
	if (isnan(t) && d0 <= 0)
		return NAN; /* never reaches the line */
	if (isnan(t)) {
		v = speed_or_rate(lap, dist, first, second);
		t = v > 1.0 && d0 / v < 2.0 ? t0 - d0 / v : t0;
	}
	double lt = line_from_lap_time(lap, dist);
	if (!(v >= DIST_STANDING_MS) && !isnan(lt))
		return lt;
	return t;
}

/* The lap's end at the line: length and time. With a track model the
 * lap ends at the model's length; without, where the samples end (moved
 * on to the game's lap time when it is just after the last sample). */
static void lap_end(const struct tb_lap *lap, const struct ana_track *tr,
		    const double *dist, size_t last, size_t before,
		    struct ana_dist_info *info)
{
	double tl = time_at(lap, last), dl = dist[last];
	double vl = speed_or_rate(lap, dist, last, before);
	double game = NAN;
	if (lap->lap_time_ms > 0 && !isnan(info->line_time_s))
		game = info->line_time_s + lap->lap_time_ms / 1000.0;
	info->length_m = dl;
	info->end_time_s = NAN;
	if (tr) {
		double len = tr->length_m;
		if (dl < len - DIST_END_SLACK_M)
			return; /* incomplete */
		info->length_m = len;
		double ext = vl > 1.0 ? tl + (len - dl) / vl : tl;
		info->end_time_s = ext;
		if (!isnan(game) && fabs(game - ext) < DIST_GAME_TIME_TOL_S)
			info->end_time_s = game;
		else if (!isnan(game))
			info->note = "game lap time disagrees with the "
				     "samples: end extrapolated";
		return;
	}
	if (!isnan(game) && game >= tl - 1e-3 &&
	    game - tl < DIST_GAME_TIME_TOL_S) {
		info->end_time_s = game;
		if (vl > 0 && game > tl)
			info->length_m = dl + vl * (game - tl);
		return;
	}
	info->end_time_s = tl;
}

/* Median absolute change of the step of clock column c over the
 * samples where it increases (scratch[lap->n] borrowed), or INFINITY if
 * it is missing on a sample or goes back. */
static double clock_jitter(const struct tb_lap *lap, enum tb_channel c,
			   bool strict, double *scratch)
{
	const tb_chmask need = TB_CHBIT(TB_CH_TIME) | TB_CHBIT(c);
	size_t m = 0;
	double prev = NAN, prev_dt = NAN;
	for (size_t i = 0; i < lap->n; i++) {
		double v = lap->col[c][i];
		if ((lap->mask[i] & need) != need || !isfinite(v)) {
			if (strict)
				return INFINITY;
			continue;
		}
		if (!isnan(prev) && !(v > prev)) {
			if (strict)
				return INFINITY;
			continue;
		}
		double dt = isnan(prev) ? NAN : v - prev;
		if (!isnan(dt) && !isnan(prev_dt))
			scratch[m++] = fabs(dt - prev_dt);
		prev_dt = dt;
		prev = v;
	}
	return m ? select_kth(scratch, m, m / 2) : INFINITY;
}

/* The clock: the lap's own lap-time channel when it runs on every
 * sample and markedly steadier than TB_CH_TIME (DiRT's run time is a
 * jittery receive clock, its lap time the game's), else TB_CH_TIME. */
static enum tb_channel pick_clock(const struct tb_lap *lap, double *scratch)
{
	if (!(lap->chans & TB_CHBIT(TB_CH_LAP_TIME)))
		return TB_CH_TIME;
	double jt = clock_jitter(lap, TB_CH_TIME, false, scratch);
	double jl = clock_jitter(lap, TB_CH_LAP_TIME, true, scratch);
	return isfinite(jl) && jl < 0.25 * jt ? TB_CH_LAP_TIME : TB_CH_TIME;
}

/* True if the source's own lap distance should be the base on a track
 * model: a low-rate lap (positions a metre or two off, samples metres
 * apart at hairpin speed: a projection step there is tens of ms per
 * metre) whose channel is on every kept sample, starts within
 * DIST_END_SLACK_M of the line and never goes back beyond noise. */
static bool channel_on_track(const struct tb_lap *lap, const double *dist,
			     const struct ana_dist_info *info)
{
	if (!(info->rate_hz < DIST_LOW_RATE_HZ) ||
	    !(lap->chans & TB_CHBIT(TB_CH_LAP_DIST)))
		return false;
	double prev = NAN;
	for (size_t i = 0; i < lap->n; i++) {
		if (isnan(dist[i]))
			continue;
		double d = chan_at(lap, TB_CH_LAP_DIST, i);
		if (isnan(d))
			return false;
		if (isnan(prev) && fabs(d) > DIST_END_SLACK_M)
			return false;
		if (!isnan(prev) && d < prev - DIST_NOISE_M)
			return false;
		prev = isnan(prev) || d > prev ? d : prev;
	}
	return !isnan(prev);
}

/* First, second, last and second-to-last kept samples. */
static void kept_ends(const struct tb_lap *lap, const double *dist,
		      size_t *first, size_t *second, size_t *last,
		      size_t *before)
{
	*first = *second = SIZE_MAX;
	*last = *before = 0;
	for (size_t i = 0; i < lap->n; i++) {
		if (isnan(dist[i]))
			continue;
		if (*first == SIZE_MAX)
			*first = i;
		else if (*second == SIZE_MAX)
			*second = i;
		*before = *last;
		*last = i;
	}
}

/* Scale the channel distances in dist onto the model's length: the
 * channel at the game's end of the lap (the last sample moved on with
 * its speed) becomes length_m. False (dist untouched) without a game
 * lap time agreeing with the samples or when the lengths differ by
 * more than DIST_SCALE_TOL. */
static bool channel_scale(const struct tb_lap *lap, const struct ana_track *tr,
			  double *dist)
{
	size_t first, second, last, before;
	kept_ends(lap, dist, &first, &second, &last, &before);
	double line = line_time(lap, dist, first, second);
	if (!(lap->lap_time_ms > 0) || isnan(line) || second == SIZE_MAX)
		return false;
	double game = line + lap->lap_time_ms / 1000.0;
	double tl = time_at(lap, last);
	if (!(fabs(game - tl) < DIST_GAME_TIME_TOL_S))
		return false;
	double v = speed_or_rate(lap, dist, last, before);
	double d_end = dist[last] + (isnan(v) ? 0 : v * (game - tl));
	double k = tr->length_m / d_end;
	if (!(fabs(k - 1) < DIST_SCALE_TOL))
		return false;
	for (size_t i = 0; i < lap->n; i++)
		if (!isnan(dist[i]))
			dist[i] *= k;
	return true;
}

/* The check of a channel base against the positions: each position
 * projected near its channel distance, the along-path disagreement
 * median-filtered over DIST_CHECK_MED samples (a lone position glitch
 * is not the channel's fault), its largest magnitude into check_m; the
 * off-path error into pos_err_rms/max. */
static void channel_check(const struct tb_lap *lap, const struct ana_track *tr,
			  const double *dist, struct ana_dist_info *info)
{
	const double len = tr->length_m;
	double ring[DIST_CHECK_MED], tmp[DIST_CHECK_MED];
	double e2 = 0, emax = 0, worst = 0;
	size_t nr = 0, n_e = 0;
	for (size_t i = 0; i < lap->n; i++) {
		double x = chan_at(lap, TB_CH_POS_X, i);
		double y = chan_at(lap, TB_CH_POS_Y, i);
		if (isnan(dist[i]) || isnan(x) || isnan(y))
			continue;
		double e, p = ana_track_project(tr, x, y, dist[i],
						DIST_CHECK_WIN_M,
						DIST_CHECK_WIN_M, &e);
		if (isnan(p))
			continue;
		p += len * round((dist[i] - p) / len);
		ring[nr++ % DIST_CHECK_MED] = p - dist[i];
		e2 += e * e;
		emax = e > emax ? e : emax;
		n_e++;
		if (nr < DIST_CHECK_MED)
			continue;
		memcpy(tmp, ring, sizeof(tmp));
		double m = select_kth(tmp, DIST_CHECK_MED, DIST_CHECK_MED / 2);
		worst = fabs(m) > worst ? fabs(m) : worst;
	}
	info->check_m = nr >= DIST_CHECK_MED ? worst : NAN;
	info->pos_err_rms = n_e ? sqrt(e2 / (double)n_e) : NAN;
	info->pos_err_max = n_e ? emax : NAN;
}

/* The channel base on a track model (see channel_on_track): true when
 * taken, else dist is back to its kept/dropped marks. */
static bool dist_channel_track(const struct tb_lap *lap,
			       const struct ana_track *tr, double *dist,
			       struct ana_dist_info *info)
{
	struct tb_error ignore;
	const char *note = info->note;
	bool ok = dist_channel(lap, dist, info, &ignore) == TB_OK &&
		  fill_unknown(lap, dist, &ignore) == TB_OK &&
		  channel_scale(lap, tr, dist);
	if (!ok) {
		for (size_t i = 0; i < lap->n; i++)
			dist[i] = isnan(dist[i]) ? NAN : 0;
		info->note = note;
		return false;
	}
	channel_check(lap, tr, dist, info);
	info->method = ANA_DIST_CHANNEL;
	info->note = "low sample rate: the lap distance channel scaled onto "
		     "the track model, positions as a check";
	return true;
}

static enum tb_status lap_distance(const struct tb_lap *lap,
				   const struct ana_track *track, double *dist,
				   struct ana_dist_info *info,
				   struct tb_error *err);

enum tb_status ana_lap_distance(const struct tb_lap *lap,
				const struct ana_track *track, double *dist,
				struct ana_dist_info *info,
				struct tb_error *err)
{
	struct ana_dist_info local;
	if (!info)
		info = &local;
	if (!lap || !dist || lap->n < 3 ||
	    !(lap->chans & TB_CHBIT(TB_CH_TIME)))
		return lap_distance(lap, track, dist, info, err);
	enum tb_channel clk = pick_clock(lap, dist);
	if (clk == TB_CH_TIME)
		return lap_distance(lap, track, dist, info, err);
	/* the same lap seen through its lap-time clock (shallow view) */
	struct tb_lap view = *lap;
	view.col[TB_CH_TIME] = lap->col[TB_CH_LAP_TIME];
	enum tb_status st = lap_distance(&view, track, dist, info, err);
	info->clock = clk;
	return st;
}

static enum tb_status lap_distance(const struct tb_lap *lap,
				   const struct ana_track *track, double *dist,
				   struct ana_dist_info *info,
				   struct tb_error *err)
{
	memset(info, 0, sizeof(*info));
	info->clock = TB_CH_TIME;
	info->length_m = info->pos_err_rms = info->pos_err_max = NAN;
	info->line_time_s = info->end_time_s = info->rate_hz = NAN;
	info->check_m = NAN;
	if (!lap || !dist)
		return tb_fail(err, TB_ERR_ARG, "lap distance: no lap/output");
	const tb_chmask xy = TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y);
	if (lap->n < 2 || !(lap->chans & TB_CHBIT(TB_CH_TIME)))
		return tb_fail(err, TB_ERR_ARG,
			       "lap %u: %zu samples%s: needs >= 2 with time",
			       (unsigned)lap->lap_number, lap->n,
			       (lap->chans & TB_CHBIT(TB_CH_TIME))
				   ? ""
				   : ", no time channel");
	bool has_xy = (lap->chans & xy) == xy;
	bool use_track = track && track->n >= 2 && has_xy;
	if (use_track)
		info->method = ANA_DIST_TRACK;
	else if (lap->chans & TB_CHBIT(TB_CH_LAP_DIST))
		info->method = ANA_DIST_CHANNEL;
	else if (lap->chans & TB_CHBIT(TB_CH_SPEED))
		info->method = ANA_DIST_SPEED;
	else
		return tb_fail(err, TB_ERR_ARG,
			       "lap %u: no position%s, no lap distance and no "
			       "speed: no distance base",
			       (unsigned)lap->lap_number,
			       track ? "" : " with a track model");
	if (track && !use_track)
		info->note = info->method == ANA_DIST_CHANNEL
				 ? "no position: lap distance channel used"
				 : "no position: integrated speed used";
	if (keep_samples(lap, dist, info) < 2) {
		for (size_t i = 0; i < lap->n; i++)
			dist[i] = NAN;
		return tb_fail(err, TB_ERR_ARG,
			       "lap %u: fewer than 2 samples with increasing "
			       "time (%zu dropped)",
			       (unsigned)lap->lap_number, info->n_dropped);
	}
	enum tb_status st = TB_OK;
	bool on_track = false;
	if (use_track && channel_on_track(lap, dist, info))
		on_track = dist_channel_track(lap, track, dist, info);
	if (on_track)
		st = TB_OK; /* distances final */
	else if (info->method == ANA_DIST_TRACK)
		dist_track(lap, track, dist, info);
	else if (info->method == ANA_DIST_CHANNEL)
		st = dist_channel(lap, dist, info, err);
	else
		dist_speed(lap, dist);
	if (st == TB_OK && !on_track)
		st = fill_unknown(lap, dist, err);
	if (st != TB_OK) {
		for (size_t i = 0; i < lap->n; i++)
			dist[i] = NAN;
		return st;
	}
	size_t first, second, last, before;
	kept_ends(lap, dist, &first, &second, &last, &before);
	info->line_time_s = line_time(lap, dist, first, second);
	lap_end(lap, use_track ? track : NULL, dist, last, before, info);
	return TB_OK;
}

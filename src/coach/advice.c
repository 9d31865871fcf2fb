/* advice.c - one lap coached: features against the reference, all
 * models, skill ratings 0..100 anchored to the reference's gap to the
 * limit, the lap's use of the reference's grip, and up to three pieces
 * of advice ranked by recoverable time, each with the numbers and the
 * model outputs behind it. Also the result as JSON. */
#include "coach.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define RATING_SCALE  0.03 /* an area losing 3 % of the lap: 37/100 */
#define OVERALL_SCALE 0.05 /* the lap 5 % off the anchor: 37/100 */
#define CONSIST_SCALE 0.10 /* 0.1 s per-corner sd: 37/100 */
#define ADVICE_MIN_S  0.02 /* advice below this is not worth a line */

static double lap_time(const struct ana_grid *g)
{
	if (g->lap_time_ms > 0)
		return g->lap_time_ms / 1000.0;
	if (isfinite(g->t_end_s))
		return g->t_end_s;
	return g->n ? g->t[g->n - 1] : NAN;
}

static double rating(double loss_s, double scale_s)
{
	if (!isfinite(loss_s) || !(scale_s > 0))
		return NAN;
	return 100.0 * exp(-(loss_s > 0 ? loss_s : 0) / scale_s);
}

/* Which rating area a feature's SHAP share goes to (-1: pace). */
static int feature_area(enum coach_feature f)
{
	switch (f) {
	case COACH_F_D_ENTRY_KMH:
	case COACH_F_D_TRAIL_M:
	case COACH_F_D_OVERLAP_M:
	case COACH_F_D_CORR:
		return COACH_R_ENTRY;
	default:
		break;
	}
	switch (coach_feature_cause(f)) {
	case COACH_CAUSE_BRAKE:
		return COACH_R_BRAKING;
	case COACH_CAUSE_APEX:
		return COACH_R_MID;
	case COACH_CAUSE_EXIT:
		return COACH_R_EXIT;
	default:
		return -1;
	}
}

static double median_feature(const struct coach_lap_result *r,
			     enum coach_feature f)
{
	double v[ANA_CORNERS_MAX];
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++)
		if (isfinite(r->c[i].f[f]))
			v[k++] = r->c[i].f[f];
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (k == 0)
		return NAN;
	return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

static void ratings(struct coach_lap_result *r, double ref_gap_s,
		    double consistency_sd_s)
{
	double area[COACH_R__COUNT] = {0};
	for (size_t i = 0; i < r->n; i++) {
		double pos = 0, loss = r->c[i].loss_s;
		for (size_t j = 0; j < COACH_NF; j++)
			pos += r->p[i].shap[j] > 0 ? r->p[i].shap[j] : 0;
		if (!(pos > 0) || !(loss > 0))
			continue;
		for (size_t j = 0; j < COACH_NF; j++) {
			int a = feature_area((enum coach_feature)j);
			if (a >= 0 && r->p[i].shap[j] > 0)
				area[a] += loss * r->p[i].shap[j] / pos;
		}
	}
	double gap = isfinite(ref_gap_s) ? ref_gap_s : 0;
	for (int a = COACH_R_BRAKING; a <= COACH_R_EXIT; a++)
		r->rating[a] =
		    rating(area[a] + gap / 4, RATING_SCALE * r->ref_s);
	r->rating[COACH_R_CONSISTENCY] =
	    rating(consistency_sd_s, CONSIST_SCALE);
	r->rating[COACH_R_OVERALL] =
	    rating(r->delta_s + gap, OVERALL_SCALE * r->ref_s);
	double brk = median_feature(r, COACH_F_DECEL_SHARE);
	double lat = median_feature(r, COACH_F_LAT_SHARE);
	r->grip_share[0] = brk;
	r->grip_share[1] = lat;
	r->grip_share[2] = isfinite(brk) && isfinite(lat) && brk > 0 && lat > 0
			       ? sqrt(brk * lat)
			       : (isfinite(lat) ? lat : brk);
}

static void fmt_text(const struct coach_corner *c, enum coach_mistake m,
		     double t, char *buf, size_t cap)
{
	const float *f = c->f;
	switch (m) {
	case COACH_MK_EARLY_BRAKING:
		if (f[COACH_F_D_MIN_KMH] <= -1)
			snprintf(buf, cap,
				 "Turn %d: you brake %.0f m before the "
				 "reference and carry %.0f km/h less at the "
				 "apex - about %.2f s. Brake %.0f m later.",
				 c->number, -f[COACH_F_D_BRAKE_M],
				 -f[COACH_F_D_MIN_KMH], t,
				 -f[COACH_F_D_BRAKE_M]);
		else
			snprintf(buf, cap,
				 "Turn %d: you brake %.0f m before the "
				 "reference - about %.2f s. Brake %.0f m "
				 "later.",
				 c->number, -f[COACH_F_D_BRAKE_M], t,
				 -f[COACH_F_D_BRAKE_M]);
		return;
	case COACH_MK_OVER_SLOWING:
		snprintf(buf, cap,
			 "Turn %d: %.0f km/h at the minimum, the reference "
			 "carries %.0f km/h - about %.2f s. Release the brake "
			 "earlier and carry speed to the apex.",
			 c->number, c->lap.min_kmh, c->ref.min_kmh, t);
		return;
	case COACH_MK_POOR_EXIT:
		snprintf(buf, cap,
			 "Turn %d: full throttle %.0f m later than the "
			 "reference and %.0f km/h slower 200 m after the apex "
			 "- about %.2f s. Open the throttle more decisively "
			 "once the car is straight.",
			 c->number, f[COACH_F_D_FULL_M],
			 fabs(fminf(f[COACH_F_D_EXIT200_KMH], 0)), t);
		return;
	case COACH_MK_LATE_THROTTLE:
		snprintf(buf, cap,
			 "Turn %d: throttle %.0f m later than the reference "
			 "and %.0f km/h slower 200 m after the apex - about "
			 "%.2f s. Pick up the throttle earlier.",
			 c->number, f[COACH_F_D_THROTTLE_M],
			 fabs(fminf(f[COACH_F_D_EXIT200_KMH], 0)), t);
		return;
	case COACH_MK_COASTING:
		snprintf(buf, cap,
			 "Turn %d: %.0f m with neither pedal (reference %.0f "
			 "m) - about %.2f s. Go from the throttle straight "
			 "to the brake.",
			 c->number, c->lap.coast_m, c->ref.coast_m, t);
		return;
	case COACH_MK_NO_TRAIL:
		snprintf(buf, cap,
			 "Turn %d: you release the brake %.0f m earlier than "
			 "the reference and brake %.0f m earlier - about "
			 "%.2f s. Keep some brake into the turn-in.",
			 c->number, -f[COACH_F_D_TRAIL_M],
			 -f[COACH_F_D_BRAKE_M], t);
		return;
	case COACH_MK_OVER_DRIVING:
		snprintf(buf, cap,
			 "Turn %d: you brake %.0f m later than the reference "
			 "but carry %.0f km/h less at the apex - about %.2f s. "
			 "Brake earlier and roll more speed through the "
			 "corner.",
			 c->number, f[COACH_F_D_BRAKE_M],
			 fabs(fminf(f[COACH_F_D_MIN_KMH], 0)), t);
		return;
	default:
		snprintf(buf, cap, "Turn %d: %s - about %.2f s.", c->number,
			 coach_mistake_name(m), t);
		return;
	}
}

/* Advice where no mistake was detected: the corner's phase that holds
 * most of its recoverable time (the SHAP split), with its numbers. */
static void fmt_phase(const struct coach_corner *c, enum coach_cause cause,
		      double t, char *buf, size_t cap)
{
	const float *f = c->f;
	if (cause == COACH_CAUSE_BRAKE && isfinite(f[COACH_F_D_BRAKE_M]))
		snprintf(buf, cap,
			 "Turn %d: braking and entry - brake point %+.0f m, "
			 "%+.0f km/h at the brake point against the "
			 "reference - about %.2f s.",
			 c->number, f[COACH_F_D_BRAKE_M],
			 f[COACH_F_D_ENTRY_KMH], t);
	else if (cause == COACH_CAUSE_EXIT)
		snprintf(buf, cap,
			 "Turn %d: exit - throttle %+.0f m, %+.0f km/h 200 m "
			 "after the apex against the reference - about "
			 "%.2f s.",
			 c->number, f[COACH_F_D_THROTTLE_M],
			 f[COACH_F_D_EXIT200_KMH], t);
	else
		snprintf(buf, cap,
			 "Turn %d: mid-corner - %.0f km/h at the minimum, "
			 "the reference %.0f km/h - about %.2f s.",
			 c->number, c->lap.min_kmh, c->ref.min_kmh, t);
}

static void fmt_explain(const struct coach_corner *c,
			const struct coach_pred *p, char *buf, size_t cap)
{
	int w =
	    snprintf(buf, cap,
		     "measured loss %.3f s, regressor %.3f s; SHAP by "
		     "phase: braking/entry %.3f, mid %.3f, exit %.3f, "
		     "pace %.3f s; d_brake %.1f m, d_min %.1f km/h, "
		     "d_throttle %.1f m, d_coast %.1f m; p:",
		     c->loss_s, p->loss_s, p->cause_s[COACH_CAUSE_BRAKE],
		     p->cause_s[COACH_CAUSE_APEX], p->cause_s[COACH_CAUSE_EXIT],
		     p->cause_s[COACH_CAUSE_CONTEXT], c->f[COACH_F_D_BRAKE_M],
		     c->f[COACH_F_D_MIN_KMH], c->f[COACH_F_D_THROTTLE_M],
		     c->f[COACH_F_D_COAST_M]);
	size_t len = w > 0 ? (size_t)w : cap;
	for (int k = 0; k < COACH_MK__COUNT && len < cap; k++) {
		if (isnan(p->p[k]))
			continue;
		w = snprintf(buf + len, cap - len, " %s %.2f",
			     coach_mistake_name(k), p->p[k]);
		len += w > 0 ? (size_t)w : cap;
	}
}

static void add_advice(struct coach_lap_result *r, const struct coach_advice *a)
{
	size_t n = r->n_advice, at = n;
	while (at > 0 && r->adv[at - 1].time_s < a->time_s)
		at--;
	if (at >= COACH_ADVICE_MAX)
		return;
	if (n == COACH_ADVICE_MAX)
		n--;
	memmove(&r->adv[at + 1], &r->adv[at], (n - at) * sizeof(*a));
	r->adv[at] = *a;
	r->n_advice = n + 1;
}

static void advise(struct coach_lap_result *r)
{
	r->n_advice = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct coach_corner *c = &r->c[i];
		const struct coach_pred *p = &r->p[i];
		struct coach_advice a;
		memset(&a, 0, sizeof(a));
		a.corner = c->number;
		int best = -1;
		for (int k = 0; k < COACH_MK__COUNT; k++)
			if (p->mk_s[k] > 0 &&
			    (best < 0 || p->mk_s[k] > p->mk_s[best]))
				best = k;
		if (best >= 0) {
			a.mistake = (enum coach_mistake)best;
			a.time_s = p->mk_s[best];
			a.prob = p->p[best];
			fmt_text(c, a.mistake, a.time_s, a.text,
				 sizeof(a.text));
		} else {
			enum coach_cause cb = COACH_CAUSE_BRAKE;
			for (int k = 0; k < COACH_CAUSE_CONTEXT; k++)
				if (p->cause_s[k] > p->cause_s[cb])
					cb = (enum coach_cause)k;
			a.mistake = COACH_MK__COUNT; /* none detected */
			a.time_s = p->cause_s[cb];
			a.prob = NAN;
			fmt_phase(c, cb, a.time_s, a.text, sizeof(a.text));
		}
		if (!(a.time_s >= ADVICE_MIN_S))
			continue;
		fmt_explain(c, p, a.explain, sizeof(a.explain));
		add_advice(r, &a);
	}
}

enum tb_status coach_lap_features(const struct ana_grid *lap,
				  const struct ana_grid *ref,
				  const struct ana_corners *corners,
				  struct coach_corner *out, size_t *n_out,
				  struct tb_error *err)
{
	if (!lap || !ref || !corners || !out || !n_out)
		return tb_fail(err, TB_ERR_ARG, "coach: NULL argument");
	*n_out = 0;
	if (corners->n < 2)
		return tb_fail(err, TB_ERR_ARG,
			       "coach: %zu corner(s) found: too short or not "
			       "a lap of a circuit",
			       corners->n);
	if (!(lap->chans & TB_CHBIT(TB_CH_SPEED)) ||
	    !(ref->chans & TB_CHBIT(TB_CH_SPEED)))
		return tb_fail(
		    err, TB_ERR_ARG,
		    "coach: no speed channel in the %s: nothing "
		    "to coach on",
		    (lap->chans & TB_CHBIT(TB_CH_SPEED)) ? "reference" : "lap");
	double *delta = tb_malloc(ref->n * sizeof(double));
	if (!delta)
		return tb_fail(err, TB_ERR_NOMEM, "coach: delta");
	size_t nd = 0;
	struct ana_delta_info info;
	enum tb_status st = ana_delta(lap, ref, delta, &nd, &info, err);
	if (st == TB_OK)
		st = coach_features(lap, ref, corners, delta, nd, out, n_out,
				    err);
	tb_free(delta);
	return st;
}

enum tb_status coach_lap(const struct coach_model *m,
			 const struct ana_grid *lap, const struct ana_grid *ref,
			 const struct ana_corners *corners, double ref_gap_s,
			 double consistency_sd_s, struct coach_lap_result *out,
			 struct tb_error *err)
{
	if (!m || !lap || !ref || !corners || !out)
		return tb_fail(err, TB_ERR_ARG, "coach: NULL argument");
	memset(out, 0, sizeof(*out));
	enum tb_status st =
	    coach_lap_features(lap, ref, corners, out->c, &out->n, err);
	if (st == TB_OK)
		st = coach_predict(m, out->c, out->n, out->p, err);
	if (st != TB_OK)
		return st;
	out->lap_s = lap_time(lap);
	out->ref_s = lap_time(ref);
	out->delta_s = 0;
	for (size_t i = 0; i < out->n; i++)
		out->delta_s +=
		    isfinite(out->c[i].loss_s) ? out->c[i].loss_s : 0;
	ratings(out, ref_gap_s, consistency_sd_s);
	advise(out);
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* JSON. */

static enum tb_status put_num(struct tb_buf *b, const char *key, double v,
			      bool comma)
{
	if (isfinite(v))
		return tb_buf_printf(b, "\"%s\":%.4g%s", key, v,
				     comma ? "," : "");
	return tb_buf_printf(b, "\"%s\":null%s", key, comma ? "," : "");
}

static enum tb_status put_str(struct tb_buf *b, const char *key, const char *s,
			      bool comma)
{
	enum tb_status st = tb_buf_printf(b, "\"%s\":\"", key);
	for (; st == TB_OK && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			st = tb_buf_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			st = tb_buf_printf(b, "\\u%04x", ch);
		else
			st = tb_buf_append_u8(b, ch);
	}
	if (st == TB_OK)
		st = tb_buf_printf(b, "\"%s", comma ? "," : "");
	return st;
}

enum tb_status coach_lap_json(const struct coach_lap_result *r, bool explain,
			      struct tb_buf *b, struct tb_error *err)
{
	enum tb_status st = tb_buf_printf(b, "{");
	if (st == TB_OK)
		st = put_num(b, "lap_s", r->lap_s, true);
	if (st == TB_OK)
		st = put_num(b, "ref_s", r->ref_s, true);
	if (st == TB_OK)
		st = put_num(b, "delta_s", r->delta_s, true);
	if (st == TB_OK)
		st = tb_buf_printf(b, "\"ratings\":{");
	for (int k = 0; k < COACH_R__COUNT && st == TB_OK; k++)
		st = put_num(b, coach_rating_name(k), r->rating[k],
			     k + 1 < COACH_R__COUNT);
	if (st == TB_OK)
		st = tb_buf_printf(b, "},\"grip_share\":{");
	if (st == TB_OK)
		st = put_num(b, "braking", r->grip_share[0], true);
	if (st == TB_OK)
		st = put_num(b, "cornering", r->grip_share[1], true);
	if (st == TB_OK)
		st = put_num(b, "combined", r->grip_share[2], false);
	if (st == TB_OK)
		st = tb_buf_printf(b, "},\"corners\":[");
	for (size_t i = 0; i < r->n && st == TB_OK; i++) {
		const struct coach_pred *p = &r->p[i];
		st = tb_buf_printf(b, "%s{\"number\":%d,", i ? "," : "",
				   r->c[i].number);
		if (st == TB_OK)
			st = put_num(b, "loss_s", r->c[i].loss_s, true);
		if (st == TB_OK)
			st = put_num(b, "predicted_s", p->loss_s, true);
		if (st == TB_OK)
			st = tb_buf_printf(b, "\"attribution_s\":{");
		for (int c = 0; c < COACH_CAUSE__COUNT && st == TB_OK; c++)
			st = put_num(b, coach_cause_name(c), p->cause_s[c],
				     c + 1 < COACH_CAUSE__COUNT);
		if (st == TB_OK)
			st = tb_buf_printf(b, "},\"mistakes\":{");
		for (int k = 0; k < COACH_MK__COUNT && st == TB_OK; k++)
			st = put_num(b, coach_mistake_name(k), p->p[k],
				     k + 1 < COACH_MK__COUNT);
		if (st == TB_OK)
			st = tb_buf_printf(b, "}}");
	}
	if (st == TB_OK)
		st = tb_buf_printf(b, "],\"advice\":[");
	for (size_t i = 0; i < r->n_advice && st == TB_OK; i++) {
		const struct coach_advice *a = &r->adv[i];
		st = tb_buf_printf(b, "%s{\"corner\":%d,", i ? "," : "",
				   a->corner);
		if (st == TB_OK)
			st = put_str(b, "mistake",
				     a->mistake < COACH_MK__COUNT
					 ? coach_mistake_name(a->mistake)
					 : "none",
				     true);
		if (st == TB_OK)
			st = put_num(b, "time_s", a->time_s, true);
		if (st == TB_OK)
			st = put_num(b, "probability", a->prob, true);
		if (st == TB_OK && explain)
			st = put_str(b, "explain", a->explain, true);
		if (st == TB_OK)
			st = put_str(b, "text", a->text, false);
		if (st == TB_OK)
			st = tb_buf_printf(b, "}");
	}
	if (st == TB_OK)
		st = tb_buf_printf(b, "]}");
	if (st != TB_OK)
		return tb_fail(err, st, "coach JSON: %s", tb_strerror(st));
	return TB_OK;
}

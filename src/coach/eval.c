/* eval.c - the coach's evaluation on held-out rows: per mistake type
 * precision, recall and F1 at probability 0.5; the regressor's mean
 * absolute error against the measured corner loss; the attribution of
 * the injected mistake's cause against its true (re-simulated) cost;
 * the classifiers' calibration in ten probability bins. */
#include "coach.h"

#include <math.h>
#include <string.h>

static double safe_div(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

static void tally(const struct coach_row *r, const struct coach_pred *p,
		  struct coach_eval *e, size_t *n_attr, double *sum_attr,
		  size_t *n_shap)
{
	for (int k = 0; k < COACH_MK__COUNT; k++) {
		if (isnan(p->p[k]))
			continue;
		bool yes = p->p[k] >= COACH_P_THRESHOLD, is = r->mistake == k;
		e->mk[k].tp += yes && is;
		e->mk[k].fp += yes && !is;
		e->mk[k].fn += !yes && is;
		e->mk[k].n_pos += is;
		size_t bin = (size_t)(p->p[k] * 10);
		bin = bin > 9 ? 9 : bin;
		e->cal_pred[bin] += p->p[k];
		e->cal_obs[bin] += is;
		e->cal_n[bin]++;
	}
	int rc = r->mistake >= 0
		     ? (int)coach_mistake_cause((enum coach_mistake)r->mistake)
		     : -1;
	for (int c = 0; c < COACH_CAUSE__COUNT; c++) {
		bool yes = false;
		for (int k = 0; k < COACH_MK__COUNT; k++)
			yes |= coach_pred_detected(p, k) &&
			       (int)coach_mistake_cause(k) == c;
		e->cause[c].tp += yes && rc == c;
		e->cause[c].fp += yes && rc != c;
		e->cause[c].fn += !yes && rc == c;
		e->cause[c].n_pos += rc == c;
	}
	if (r->mistake < 0)
		return;
	e->n_mistakes++;
	enum coach_cause c = (enum coach_cause)rc;
	double a = 0;
	for (int k = 0; k < COACH_MK__COUNT; k++)
		if (coach_mistake_cause(k) == c)
			a += p->mk_s[k];
	double raw = p->cause_s[c];
	e->mk[r->mistake].n_attr += fabs(a - r->cost_s) <= COACH_ATTR_TOL_S;
	e->mk[r->mistake].attr_mae += fabs(a - r->cost_s);
	*sum_attr += fabs(a - r->cost_s);
	*n_attr += fabs(a - r->cost_s) <= COACH_ATTR_TOL_S;
	*n_shap += fabs(raw - r->cost_s) <= COACH_ATTR_TOL_S;
}

enum tb_status coach_evaluate(const struct coach_model *m,
			      const struct coach_dataset *d,
			      struct coach_eval *out, struct tb_error *err)
{
	if (!m || !d || !out || d->n == 0)
		return tb_fail(err, TB_ERR_ARG, "coach evaluate: no rows");
	memset(out, 0, sizeof(*out));
	struct coach_pred *p = tb_malloc(d->n * sizeof(*p));
	if (!p)
		return tb_fail(err, TB_ERR_NOMEM, "coach evaluate");
	enum tb_status st = coach_predict_rows(m, d->rows, d->n, p, err);
	if (st != TB_OK) {
		tb_free(p);
		return st;
	}
	size_t n_attr = 0, n_shap = 0;
	double sum_attr = 0, sum_loss = 0;
	for (size_t i = 0; i < d->n; i++) {
		sum_loss += fabs(p[i].loss_s - d->rows[i].loss_s);
		tally(&d->rows[i], &p[i], out, &n_attr, &sum_attr, &n_shap);
	}
	out->n_rows = d->n;
	out->loss_mae_s = sum_loss / (double)d->n;
	out->attr_within = safe_div((double)n_attr, (double)out->n_mistakes);
	out->cause_within = safe_div((double)n_shap, (double)out->n_mistakes);
	out->attr_mae_s = safe_div(sum_attr, (double)out->n_mistakes);
	for (int k = 0; k < COACH_MK__COUNT; k++) {
		double tp = (double)out->mk[k].tp;
		double pr = safe_div(tp, tp + (double)out->mk[k].fp);
		double rc = safe_div(tp, tp + (double)out->mk[k].fn);
		out->mk[k].precision = pr;
		out->mk[k].recall = rc;
		out->mk[k].attr_mae =
		    safe_div(out->mk[k].attr_mae, (double)out->mk[k].n_pos);
		out->mk[k].f1 = out->mk[k].n_pos && pr + rc > 0
				    ? 2 * pr * rc / (pr + rc)
				    : NAN;
	}
	for (int c = 0; c < COACH_CAUSE__COUNT; c++) {
		double tp = (double)out->cause[c].tp;
		double pr = safe_div(tp, tp + (double)out->cause[c].fp);
		double rc = safe_div(tp, tp + (double)out->cause[c].fn);
		out->cause[c].f1 = out->cause[c].n_pos && pr + rc > 0
				       ? 2 * pr * rc / (pr + rc)
				       : NAN;
	}
	for (size_t b = 0; b < 10; b++) {
		out->cal_pred[b] =
		    safe_div(out->cal_pred[b], (double)out->cal_n[b]);
		out->cal_obs[b] =
		    safe_div(out->cal_obs[b], (double)out->cal_n[b]);
	}
	tb_free(p);
	return TB_OK;
}

enum tb_status coach_eval_report(const struct coach_eval *e, struct tb_buf *out,
				 struct tb_error *err)
{
	enum tb_status st = tb_buf_printf(
	    out,
	    "held-out rows (corners) %zu, with an injected mistake %zu\n\n"
	    "%-18s %6s %9s %7s %6s %9s %9s\n",
	    e->n_rows, e->n_mistakes, "mistake", "n", "precision", "recall",
	    "F1", "attr<=.05", "attr MAE");
	for (int k = 0; k < COACH_MK__COUNT && st == TB_OK; k++) {
		if (e->mk[k].n_pos == 0) {
			st = tb_buf_printf(out,
					   "%-18s %6s  (no training or "
					   "test data yet)\n",
					   coach_mistake_name(k), "-");
			continue;
		}
		st = tb_buf_printf(
		    out, "%-18s %6zu %9.3f %7.3f %6.3f %8.1f%% %8.3fs\n",
		    coach_mistake_name(k), e->mk[k].n_pos, e->mk[k].precision,
		    e->mk[k].recall, e->mk[k].f1,
		    100.0 * (double)e->mk[k].n_attr / (double)e->mk[k].n_pos,
		    e->mk[k].attr_mae);
	}
	if (st == TB_OK)
		st = tb_buf_printf(out, "\nby cause (any detected mistake of "
					"the injected one's cause):\n");
	for (int c = 0; c < COACH_CAUSE__COUNT && st == TB_OK; c++)
		if (e->cause[c].n_pos)
			st = tb_buf_printf(out, "%-18s %6zu %24.3f\n",
					   coach_cause_name(c),
					   e->cause[c].n_pos, e->cause[c].f1);
	if (st == TB_OK)
		st = tb_buf_printf(
		    out,
		    "\ntime-loss regressor MAE %.4f s (vs measured corner "
		    "loss)\nattribution to the injected mistake's cause within "
		    "%.2f s of its true cost: %.1f %% of corners (MAE "
		    "%.4f s)\n  the SHAP split by corner phase alone (the "
		    "mistake's phase): %.1f %%\n\ncalibration (all "
		    "classifiers): bin, n, mean predicted, observed\n",
		    e->loss_mae_s, COACH_ATTR_TOL_S, 100 * e->attr_within,
		    e->attr_mae_s, 100 * e->cause_within);
	for (size_t b = 0; b < 10 && st == TB_OK; b++)
		if (e->cal_n[b])
			st =
			    tb_buf_printf(out, "  %.1f-%.1f %8zu %6.3f %6.3f\n",
					  b / 10.0, (b + 1) / 10.0, e->cal_n[b],
					  e->cal_pred[b], e->cal_obs[b]);
	if (st != TB_OK)
		return tb_fail(err, st, "coach report: %s", tb_strerror(st));
	return TB_OK;
}

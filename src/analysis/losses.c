/* losses.c - per-corner time losses of one lap against its reference
 * with each segment's start placed, for this comparison, where either
 * lap first lifts or brakes for the corner: time lost down a straight
 * to a slow exit stays with the corner it came from, time lost to an
 * early lift or brake with the corner it was for. Still a tiling. */
#include "analysis.h"
#include "corners_int.h"

#include <math.h>

#define LOSS_LIFT_THR 0.95 /* throttle below this: lifted */
#define LOSS_MARGIN_M 2.0  /* the boundary this far before that point */

/* First distance (layout metres) in [from, to] where g lifts or brakes;
 * NAN if it does neither there or lacks both pedals. */
static double entry_of(const struct ana_grid *g, double len, double from,
		       double to)
{
	bool thr =
	    (g->chans & TB_CHBIT(TB_CH_THROTTLE)) && g->col[TB_CH_THROTTLE];
	bool brk = (g->chans & TB_CHBIT(TB_CH_BRAKE)) && g->col[TB_CH_BRAKE];
	if (!thr && !brk)
		return NAN;
	double bt = ana__brake_thr(g);
	size_t i0 = ana__index(g, len, from), i1 = ana__index(g, len, to);
	for (size_t i = i0; i <= i1; i++) {
		if ((thr && g->col[TB_CH_THROTTLE][i] < LOSS_LIFT_THR) ||
		    (brk && g->col[TB_CH_BRAKE][i] > bt))
			return (double)i * g->step_m * (len / g->length_m);
	}
	return NAN;
}

enum tb_status ana_corner_losses(const struct ana_grid *lap,
				 const struct ana_grid *ref,
				 const struct ana_corners *corners,
				 const double *delta, size_t n, double *loss,
				 struct tb_error *err)
{
	if (!corners || !delta || !loss || n < 2)
		return tb_fail(err, TB_ERR_ARG, "corner losses: %s",
			       !corners ? "no corners"
			       : !loss	? "no output"
					: "no delta of >= 2 points");
	double len = corners->length_m;
	enum tb_status st = ana__check_grid(lap, len, "corner losses", err);
	if (st == TB_OK)
		st = ana__check_grid(ref, len, "corner losses", err);
	if (st != TB_OK)
		return st;
	double start[ANA_CORNERS_MAX + 1];
	for (size_t k = 0; k < corners->n; k++) {
		const struct ana_corner *c = &corners->c[k];
		double s = c->start_m;
		if (k > 0) {
			double el = entry_of(lap, len, s, c->apex_m);
			double er = entry_of(ref, len, s, c->apex_m);
			double e = fmin(el, er); /* fmin skips a NAN */
			if (isfinite(e) && e - LOSS_MARGIN_M > s)
				s = e - LOSS_MARGIN_M;
			if (s > c->apex_m)
				s = c->apex_m;
		}
		start[k] = s;
	}
	start[corners->n] = len;
	for (size_t k = 0; k < corners->n; k++)
		loss[k] = ana__interp(delta, n, ref->step_m, start[k + 1]) -
			  ana__interp(delta, n, ref->step_m, start[k]);
	return TB_OK;
}

/* line.c - a racing line inside the track width: the lateral offsets
 * from the centre line, bounded by the usable half width, that minimise
 * the summed squared second difference of the line's points (a discrete
 * minimum-curvature line), solved by projected over-relaxed Gauss-Seidel (SOR)
 * from coarse to fine nodes; the line as a track of its own, and the map from
 * its distance back to the centre line's. */
#include "sim.h"

#include <math.h>
#include <string.h>

#define LINE_LEVELS	 4    /* node spacing node_m * 8, 4, 2, 1 */
#define LINE_SWEEPS_MAX	 4000 /* per level */
#define LINE_TOL_M	 1e-5 /* largest change of a sweep, to stop */
#define LINE_OMEGA	 1.7  /* over-relaxation of the updates */
#define LINE_NODES_MIN	 16
#define LINE_PROJ_BACK_M 10.0
#define LINE_PROJ_FWD_M	 40.0

struct sim_line_opt sim_line_opt_default(void)
{
	struct sim_line_opt o = {SIM_WIDTH_DEFAULT_M, SIM_CAR_WIDTH_DEFAULT_M,
				 5.0, 10.0, 0.0};
	return o;
}

void sim_line_release(struct sim_line *l)
{
	if (!l)
		return;
	ana_track_release(&l->track);
	tb_free(l->centre_m);
	tb_free(l->offset_m);
	memset(l, 0, sizeof(*l));
}

/* Point and unit left normal of the centre line at distance s (linear
 * between its points; the tangent from the points two steps around). */
static void centre_at(const struct ana_track *c, double s, double *px,
		      double *py, double *nx, double *ny)
{
	size_t n = c->n;
	double f = fmod(s / c->step_m, (double)n);
	if (f < 0)
		f += (double)n;
	size_t i = (size_t)f % n, j = (i + 1) % n;
	double w = f - floor(f);
	*px = c->x[i] * (1 - w) + c->x[j] * w;
	*py = c->y[i] * (1 - w) + c->y[j] * w;
	size_t a = (i + n - 2) % n, b = (j + 2) % n;
	double tx = c->x[b] - c->x[a], ty = c->y[b] - c->y[a];
	double tl = hypot(tx, ty);
	if (!(tl > 0)) {
		tx = 1;
		ty = 0;
		tl = 1;
	}
	*nx = -ty / tl;
	*ny = tx / tl;
}

/* Nodes of one level: m points of the centre line, their normals and
 * offsets e (the unknowns). */
struct level {
	size_t m;
	double *cx, *cy, *nx, *ny, *k, *e;
};

/* Offset at station s (0..length) of a solved level, linear between its
 * nodes, periodic. */
static double level_offset(const struct level *lv, double length, double s)
{
	double f = s / length * (double)lv->m;
	size_t i = (size_t)floor(f) % lv->m, j = (i + 1) % lv->m;
	double w = f - floor(f);
	return lv->e[i] * (1 - w) + lv->e[j] * w;
}

/* Minimise sum_j r(j)^2, r(j) = k(j) (1 + k(j) e(j)) + (e(j-1) - 2 e(j)
 * + e(j+1)) / h^2, over e in [-b, b]: r is the curvature of the line
 * offset by e from a centre line of curvature k, to first order in e
 * and its derivatives (the k^2 e term makes the outside of a constant
 * radius the lower-curvature side). The problem is linear least squares
 * with bounds: in each e(j) alone a convex quadratic, so each update is
 * its exact minimiser, over-relaxed and clamped (projected SOR, which
 * converges for such problems). Returns the sweeps taken. */
static int level_solve(struct level *lv, double b, double h, double mu)
{
	size_t m = lv->m;
	double ih2 = 1.0 / (h * h);
	int sw;
	for (sw = 1; sw <= LINE_SWEEPS_MAX; sw++) {
		double big = 0;
		for (size_t j = 0; j < m; j++) {
			size_t q[5];
			for (size_t k = 0; k < 5; k++)
				q[k] = (j + m + k - 2) % m;
			const double *e = lv->e, *kc = lv->k;
			double num = 0, den = 0;
			for (size_t k = 1; k <= 3; k++) {
				double r =
				    kc[q[k]] * (1 + kc[q[k]] * e[q[k]]) +
				    (e[q[k - 1]] - 2 * e[q[k]] + e[q[k + 1]]) *
					ih2;
				double a =
				    k == 2 ? kc[j] * kc[j] - 2 * ih2 : ih2;
				num += a * r;
				den += a * a;
			}
			/* The length term: mu sum h (1 - k e) + (e' h)^2 / 2h.
			 */
			num +=
			    0.5 * mu *
			    (-kc[j] * h + (2 * e[j] - e[q[1]] - e[q[3]]) / h);
			den += mu / h;
			double nv = e[j] - LINE_OMEGA * num / den;
			nv = nv > b ? b : (nv < -b ? -b : nv);
			big = fmax(big, fabs(nv - e[j]));
			lv->e[j] = nv;
		}
		if (big < LINE_TOL_M)
			break;
	}
	return sw > LINE_SWEEPS_MAX ? LINE_SWEEPS_MAX : sw;
}

static void level_free(struct level *lv)
{
	tb_free(lv->cx);
	memset(lv, 0, sizeof(*lv));
}

static enum tb_status level_init(struct level *lv, const struct ana_track *c,
				 size_t m, const struct level *prev,
				 struct tb_error *err)
{
	memset(lv, 0, sizeof(*lv));
	lv->cx = tb_malloc(sizeof(double) * 6 * m);
	if (!lv->cx)
		return tb_fail(err, TB_ERR_NOMEM,
			       "racing line: out of memory "
			       "for %zu nodes",
			       m);
	lv->m = m;
	lv->cy = lv->cx + m;
	lv->nx = lv->cx + 2 * m;
	lv->ny = lv->cx + 3 * m;
	lv->k = lv->cx + 4 * m;
	lv->e = lv->cx + 5 * m;
	for (size_t j = 0; j < m; j++) {
		double s = c->length_m * (double)j / (double)m;
		centre_at(c, s, &lv->cx[j], &lv->cy[j], &lv->nx[j], &lv->ny[j]);
		lv->e[j] = prev ? level_offset(prev, c->length_m, s) : 0.0;
	}
	/* The nodes' own curvature (through three points), not the
	 * smoothed one: the line is built from these points, so their
	 * kinks are what it must iron out. */
	for (size_t j = 0; j < m; j++) {
		size_t a = (j + m - 1) % m, b = (j + 1) % m;
		double ux = lv->cx[j] - lv->cx[a], uy = lv->cy[j] - lv->cy[a];
		double vx = lv->cx[b] - lv->cx[j], vy = lv->cy[b] - lv->cy[j];
		double wx = lv->cx[b] - lv->cx[a], wy = lv->cy[b] - lv->cy[a];
		double den = hypot(ux, uy) * hypot(vx, vy) * hypot(wx, wy);
		lv->k[j] = den > 0 ? 2 * (ux * vy - uy * vx) / den : 0.0;
	}
	return TB_OK;
}

/* Centre-line distance and signed offset of every line point: projected
 * onto the centre line, searching a little around the previous point's
 * projection so the map cannot jump across the circuit. */
static void map_to_centre(const struct ana_track *c, struct sim_line *l)
{
	double hint = 0;
	for (size_t i = 0; i < l->track.n; i++) {
		double px = l->track.x[i], py = l->track.y[i], off;
		double s = ana_track_project(
		    c, px, py, hint, i ? LINE_PROJ_BACK_M : LINE_PROJ_FWD_M,
		    LINE_PROJ_FWD_M, &off);
		double cx, cy, nx, ny;
		centre_at(c, s, &cx, &cy, &nx, &ny);
		double side = (px - cx) * nx + (py - cy) * ny;
		l->offset_m[i] = side < 0 ? -off : off;
		hint = s;
		/* Unwrapped: the first points may project just behind
		 * the line (negative), the last ones just past it. */
		double L = c->length_m;
		if (i == 0 && s > 0.5 * L)
			s -= L;
		while (i && s < l->centre_m[i - 1] - 0.5 * L)
			s += L;
		l->centre_m[i] = s;
	}
}

static enum tb_status check_opt(const struct sim_line_opt *o,
				const struct ana_track *c, struct tb_error *err)
{
	if (!c || c->n < 10 || !c->x || !c->y || !(c->step_m > 0))
		return tb_fail(err, TB_ERR_ARG, "racing line: empty track");
	if (!(o->width_m >= 2 && o->width_m <= 100) ||
	    !(o->car_width_m > 0 && o->car_width_m < o->width_m))
		return tb_fail(err, TB_ERR_ARG,
			       "racing line: width %g m, car "
			       "width %g m: need 0 < car < track <= 100",
			       o->width_m, o->car_width_m);
	if (!(o->node_m >= 1 && o->node_m <= 50) ||
	    !(o->sigma_m >= 0 && o->sigma_m <= 100))
		return tb_fail(err, TB_ERR_ARG,
			       "racing line: node spacing %g m or "
			       "sigma %g m out of range",
			       o->node_m, o->sigma_m);
	if (c->length_m / o->node_m < LINE_NODES_MIN * 8)
		return tb_fail(err, TB_ERR_ARG,
			       "racing line: track of %.0f m too "
			       "short for %g m nodes",
			       c->length_m, o->node_m);
	return TB_OK;
}

enum tb_status sim_line_racing(const struct ana_track *centre,
			       const struct sim_line_opt *opt,
			       struct sim_line *out, struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "racing line: no output");
	memset(out, 0, sizeof(*out));
	struct sim_line_opt o = opt ? *opt : sim_line_opt_default();
	enum tb_status st = check_opt(&o, centre, err);
	if (st != TB_OK)
		return st;
	double b = 0.5 * (o.width_m - o.car_width_m);
	struct level lv[2];
	memset(lv, 0, sizeof(lv));
	int cur = 0, sweeps = 0;
	for (int k = LINE_LEVELS - 1; k >= 0; k--) {
		size_t m = (size_t)llround(centre->length_m /
					   (o.node_m * (double)(1 << k)));
		int nx = 1 - cur;
		const struct level *prev =
		    k == LINE_LEVELS - 1 ? NULL : &lv[cur];
		st = level_init(&lv[nx], centre, m, prev, err);
		level_free(&lv[cur]);
		if (st != TB_OK)
			return st;
		cur = nx;
		sweeps += level_solve(&lv[cur], b, centre->length_m / (double)m,
				      o.length_weight);
	}
	struct level *f = &lv[cur];
	for (size_t j = 0; j < f->m; j++) {
		/* The node polyline, reusing cx/cy for the line points. */
		f->cx[j] += f->e[j] * f->nx[j];
		f->cy[j] += f->e[j] * f->ny[j];
	}
	struct sim_smooth sm = {centre->step_m, o.sigma_m};
	st = sim_track_from_xy(f->cx, f->cy, f->m, 0, &sm, &out->track, err);
	level_free(f);
	if (st != TB_OK)
		return st;
	size_t n = out->track.n;
	out->centre_m = tb_malloc(sizeof(double) * n);
	out->offset_m = tb_malloc(sizeof(double) * n);
	if (!out->centre_m || !out->offset_m) {
		sim_line_release(out);
		return tb_fail(err, TB_ERR_NOMEM, "racing line: out of memory");
	}
	out->half_m = b;
	out->centre_length_m = centre->length_m;
	out->sweeps = sweeps;
	out->length_weight = o.length_weight;
	map_to_centre(centre, out);
	return TB_OK;
}

/* The centre-line distance of the line's point at distance d: linear
 * between the (unwrapped) mapped points, the lap's end at the centre
 * line's length; clamped to [0, centre length]. */
static double centre_of(const struct sim_line *l, double d)
{
	const struct ana_track *t = &l->track;
	double L = l->centre_length_m;
	double f = d > 0 ? d / t->step_m : 0.0;
	if (f >= (double)t->n)
		return L;
	size_t i = (size_t)f, j = i + 1;
	double w = f - (double)i;
	double c = j < t->n ? l->centre_m[j] : L;
	double s = l->centre_m[i] * (1 - w) + c * w;
	return s < 0 ? 0 : (s > L ? L : s);
}

double sim_line_centre_dist(const struct sim_line *l, double line_m)
{
	if (!l || !l->centre_m || l->track.n == 0)
		return NAN;
	return centre_of(l, line_m);
}

enum tb_status sim_line_lap_to_centre(const struct sim_line *l,
				      struct tb_lap *lap, struct tb_error *err)
{
	if (!l || !l->centre_m || !lap)
		return tb_fail(err, TB_ERR_ARG, "racing line: no line or lap");
	double *d = lap->col[TB_CH_LAP_DIST];
	if (!d)
		return tb_fail(err, TB_ERR_ARG,
			       "racing line: lap has no lap "
			       "distance");
	for (size_t i = 0; i < lap->n; i++) {
		if (lap->mask[i] & TB_CHBIT(TB_CH_LAP_DIST))
			d[i] = centre_of(l, d[i]);
	}
	return TB_OK;
}

/* Length weights tried by sim_line_fastest, 1/m^3. */
static const double length_weights[] = {0, 1e-5, 1e-4, 1e-3};

enum tb_status sim_line_fastest(const struct ana_track *centre,
				const struct sim_line_opt *opt,
				const struct sim_car *car, struct sim_line *out,
				double *lap_s, struct tb_error *err)
{
	if (!out || !car)
		return tb_fail(err, TB_ERR_ARG,
			       "racing line: no car or output");
	memset(out, 0, sizeof(*out));
	struct sim_line_opt o = opt ? *opt : sim_line_opt_default();
	double best = INFINITY;
	size_t nw = sizeof(length_weights) / sizeof(length_weights[0]);
	for (size_t i = 0; i < nw; i++) {
		struct sim_line l;
		struct sim_result r;
		o.length_weight = length_weights[i];
		enum tb_status st = sim_line_racing(centre, &o, &l, err);
		if (st == TB_OK) {
			st = sim_solve(&l.track, car, &r, err);
			if (st != TB_OK)
				sim_line_release(&l);
		}
		if (st != TB_OK) {
			sim_line_release(out);
			return st;
		}
		if (r.lap_time_s < best) {
			best = r.lap_time_s;
			sim_line_release(out);
			*out = l;
		} else {
			sim_line_release(&l);
		}
		sim_result_release(&r);
	}
	if (lap_s)
		*lap_s = best;
	return TB_OK;
}

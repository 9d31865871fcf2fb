/* driver.c - synthetic drivers: the limit lap driven at a share of the
 * grip, with mistakes of exact sizes injected at chosen corners (early
 * braking, over-slowing, late throttle, coasting, no trail braking,
 * over-driving the entry, steering corrections, a poor exit), each
 * mistake's true cost by re-simulation, and the lap as channels with
 * steering and optional sensor noise. Corners are the analysis' corners
 * of the car's limit lap. */
#include "sim_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CORNER_RATE_HZ 100.0 /* sampling of the limit lap for corners */
#define CORNER_STEP_M  1.0   /* its grid */
#define PICKUP_THR     0.10  /* throttle pickup, as the analysis has it */
#define BRAKE_ON       0.05  /* brake applied, as the analysis has it */
#define PLATEAU_MS     0.05  /* speeds this close to the minimum: one */
#define IMPLICIT_ITERS 6     /* fixed-point steps of a braking segment */
#define STEER_ON       0.05  /* steering, as the analysis has it */
#define MISTAKE_MAX_M  2000.0
#define EARLY_F_MIN    0.15 /* lightest braking of an early braker */
#define EARLY_BISECT   40   /* bisection steps of its braking share */

static const char *const kind_names[] = {
    "brake-early",    "slow",	    "late-throttle",	 "coast",
    "no-trail-brake", "over-drive", "steer-corrections", "poor-exit"};
#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *sim_mistake_name(enum sim_mistake_kind k)
{
	return (unsigned)k < N_KINDS ? kind_names[k] : NULL;
}

/* ------------------------------------------------------------------ */
/* Parsing "kind:corner:size,...". */

static bool size_ok(enum sim_mistake_kind k, double size)
{
	switch (k) {
	case SIM_SLOW:
	case SIM_POOR_EXIT:
		return size > 0 && size < 1;
	case SIM_STEER_CORR:
		return size >= 1 && size <= SIM_CORR_MAX && size == floor(size);
	default:
		return size > 0 && size <= MISTAKE_MAX_M;
	}
}

static const char *size_range(enum sim_mistake_kind k)
{
	switch (k) {
	case SIM_SLOW:
	case SIM_POOR_EXIT:
		return "in (0, 1)";
	case SIM_STEER_CORR:
		return "a whole count 1..8";
	default:
		return "in (0, 2000] m";
	}
}

void sim_steering_class(enum tb_car_class cls, struct sim_steering *out)
{
	switch (cls) {
	case TB_CLASS_F1:
		*out = (struct sim_steering){3.60, 0.30};
		break;
	case TB_CLASS_LMH:
		*out = (struct sim_steering){3.15, 0.35};
		break;
	case TB_CLASS_RALLY:
		*out = (struct sim_steering){2.55, 0.50};
		break;
	default: /* GT3 and anything else */
		*out = (struct sim_steering){2.70, 0.40};
		break;
	}
}

/* Steering (-1..1) on curvature k. */
static double steer_of(const struct sim_steering *g, double k)
{
	double s = atan(g->wheelbase_m * k) / g->lock_rad;
	return s < -1 ? -1.0 : (s > 1 ? 1.0 : s);
}

static enum tb_status parse_item(const char *p, size_t item,
				 struct sim_mistake *m, const char **next,
				 struct tb_error *err)
{
	const char *colon = strchr(p, ':');
	size_t kl = colon ? (size_t)(colon - p) : strcspn(p, ",");
	int kind = -1;
	for (size_t k = 0; colon && k < N_KINDS; k++) {
		if (strlen(kind_names[k]) == kl &&
		    !strncmp(p, kind_names[k], kl))
			kind = (int)k;
	}
	if (kind < 0)
		return tb_fail(err, TB_ERR_ARG,
			       "mistake %zu: '%.*s' is not brake-early, slow, "
			       "late-throttle, coast, no-trail-brake, "
			       "over-drive, steer-corrections or poor-exit",
			       item, (int)kl, p);
	char *end = NULL;
	long c = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != ':' || c < 1 || c > ANA_CORNERS_MAX)
		return tb_fail(err, TB_ERR_ARG,
			       "mistake %zu: corner must be 1..%d "
			       "(kind:corner:size)",
			       item, ANA_CORNERS_MAX);
	const char *s = end + 1;
	double size = strtod(s, &end);
	if (end == s || (*end && *end != ','))
		return tb_fail(err, TB_ERR_ARG,
			       "mistake %zu: size '%.*s' is not a number", item,
			       (int)strcspn(s, ","), s);
	if (!size_ok((enum sim_mistake_kind)kind, size))
		return tb_fail(err, TB_ERR_ARG,
			       "mistake %zu: %s size %g not %s", item,
			       kind_names[kind], size,
			       size_range((enum sim_mistake_kind)kind));
	m->kind = (enum sim_mistake_kind)kind;
	m->corner = (int)c;
	m->size = size;
	*next = *end == ',' ? end + 1 : end;
	return TB_OK;
}

enum tb_status sim_mistakes_parse(const char *spec, struct sim_driver *d,
				  struct tb_error *err)
{
	if (!spec || !d)
		return tb_fail(err, TB_ERR_ARG, "mistakes: missing argument");
	d->n_mistakes = 0;
	const char *p = spec;
	size_t item = 0;
	while (*p) {
		item++;
		if (d->n_mistakes >= SIM_MISTAKES_MAX)
			return tb_fail(err, TB_ERR_ARG,
				       "mistakes: more than %u",
				       (unsigned)SIM_MISTAKES_MAX);
		enum tb_status st =
		    parse_item(p, item, &d->m[d->n_mistakes], &p, err);
		if (st != TB_OK) {
			d->n_mistakes = 0;
			return st;
		}
		d->n_mistakes++;
	}
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Corners of the limit lap. */

enum tb_status sim_driver_corners(const struct ana_track *track,
				  const struct sim_car *car,
				  struct ana_corners *out, struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "driver corners: no output");
	struct sim_result r;
	enum tb_status st = sim_solve(track, car, &r, err);
	if (st != TB_OK)
		return st;
	struct tb_lap lap;
	struct ana_grid g;
	tb_lap_init(&lap);
	memset(&g, 0, sizeof(g));
	st = sim_result_to_lap(track, car, &r, CORNER_RATE_HZ, &lap, err);
	if (st == TB_OK)
		st = ana_grid_from_lap(&lap, track, CORNER_STEP_M, &g, err);
	if (st == TB_OK) {
		const struct ana_grid *refs[1] = {&g};
		st = ana_corners_find(track, refs, 1, out, err);
	}
	ana_grid_release(&g);
	tb_lap_release(&lap);
	sim_result_release(&r);
	return st;
}

/* ------------------------------------------------------------------ */
/* Landmarks of a profile in one corner's segment, on track points. */

struct marks {
	size_t is, ie; /* segment [is, ie), ie <= n */
	size_t lo, hi; /* the minimum's plateau */
	size_t amin;   /* first point of the minimum */
	double vmin;
	size_t b;   /* brake onset; SIZE_MAX: none */
	size_t e;   /* end of the braking run from b */
	size_t rel; /* brake released: first point after the run above
		       BRAKE_ON from b; SIZE_MAX: no braking */
	size_t ti;  /* turn-in: first point from b steering above
		       STEER_ON; SIZE_MAX: none before the minimum */
	size_t q;   /* throttle pickup; SIZE_MAX: none */
};

static double clamp01(double x)
{
	return x < 0 ? 0.0 : (x > 1 ? 1.0 : x);
}

/* Pedal fractions of segment i as the channels have them (the real
 * car's caps). */
static double brake_frac(const struct sim_car *car, const struct sim_result *r,
			 size_t i)
{
	if (!(r->fx[i] < 0))
		return 0;
	struct sim_forces f;
	sim_car_forces(car, r->v[(i + 1) % r->n], &f);
	return f.fx_brake > 0 ? clamp01(-r->fx[i] / f.fx_brake) : 0.0;
}

static double throttle_frac(const struct sim_car *car,
			    const struct sim_result *r, size_t i)
{
	return clamp01(r->fx[i] / (car->power_w / fmax(r->v[i], 1.0)));
}

static size_t to_index(double d, double len, size_t n)
{
	double x = d / len * (double)n;
	if (!(x > 0))
		return 0;
	size_t i = (size_t)llround(x);
	return i > n ? n : i;
}

/* Release and turn-in of a braking run from m->b. */
static void marks_release(const struct sim_car *car, const double *curv,
			  const struct sim_result *r, struct marks *m)
{
	m->rel = m->ti = SIZE_MAX;
	if (m->b == SIZE_MAX)
		return;
	size_t i = m->b;
	while (i + 1 < m->ie && brake_frac(car, r, i + 1) > BRAKE_ON)
		i++;
	m->rel = i + 1;
	struct sim_steering g;
	sim_steering_class(car->cls, &g);
	for (i = m->b; i <= m->amin; i++) {
		if (fabs(steer_of(&g, curv[i % r->n])) > STEER_ON) {
			m->ti = i;
			return;
		}
	}
}

static void marks_find(const struct sim_car *car, const double *curv,
		       const struct sim_result *r, const struct ana_corners *cs,
		       size_t k, struct marks *m)
{
	size_t n = r->n;
	const struct ana_corner *c = &cs->c[k];
	m->is = to_index(c->start_m, cs->length_m, n);
	m->ie = to_index(c->end_m, cs->length_m, n);
	if (m->ie <= m->is)
		m->ie = m->is + 1 <= n ? m->is + 1 : n;
	size_t a = m->is;
	for (size_t i = m->is; i < m->ie; i++) {
		if (r->v[i] < r->v[a])
			a = i;
	}
	m->amin = a;
	m->vmin = r->v[a];
	m->lo = m->hi = a;
	while (m->lo > m->is && r->v[m->lo - 1] <= m->vmin + PLATEAU_MS)
		m->lo--;
	while (m->hi + 1 < m->ie && r->v[m->hi + 1] <= m->vmin + PLATEAU_MS)
		m->hi++;
	/* brake onset as the analysis finds it: the first point of the
	 * segment braking above BRAKE_ON, up to the minimum; the braking
	 * run from there ends at its first local minimum (a chicane
	 * brakes again later) */
	m->b = m->e = SIZE_MAX;
	for (size_t i = m->is; i < a; i++) {
		if (brake_frac(car, r, i) > BRAKE_ON) {
			m->b = i;
			break;
		}
	}
	if (m->b != SIZE_MAX) {
		size_t e = m->b;
		while (e < a && r->v[e + 1] < r->v[e])
			e++;
		m->e = e;
	}
	marks_release(car, curv, r, m);
	/* pickup as the analysis finds it: from the middle of the
	 * minimum (first point and its plateau ahead), back while above
	 * PICKUP_THR, else ahead to the first point above it */
	size_t pe = a;
	while (pe + 1 < m->ie && r->v[pe + 1] <= m->vmin + PLATEAU_MS)
		pe++;
	size_t p = a + (pe - a) / 2;
	size_t floor_i = m->b != SIZE_MAX ? m->b : m->is;
	m->q = SIZE_MAX;
	if (throttle_frac(car, r, p) > PICKUP_THR) {
		while (p > floor_i && throttle_frac(car, r, p - 1) > PICKUP_THR)
			p--;
		m->q = p;
		return;
	}
	for (; p < m->ie && p < n; p++) {
		if (throttle_frac(car, r, p) > PICKUP_THR) {
			m->q = p;
			return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Applying mistakes to a speed profile w (the skill-scaled car sc). */

struct prof {
	const struct sim_car *sc;
	const double *curv;
	const double *vlim; /* the skill-scaled car's corner limits */
	double *w;
	size_t n;
	double ds;
};

/* Speed after one segment of neither pedal: drag alone. */
static double coast_next(const struct prof *p, double u)
{
	struct sim_forces f;
	sim_car_forces(p->sc, u, &f);
	double v2 = u * u - 2.0 * p->ds * f.drag_n / p->sc->mass_kg;
	return v2 > 0 ? sqrt(v2) : 0.0;
}

/* Lowered points propagate at the limit: ahead (drive) from s and
 * back (braking) from s, until the profile is already slower. */
static void repair_ahead(const struct prof *p, size_t s)
{
	for (size_t j = 0; j < p->n; j++) {
		size_t i = (s + j) % p->n, nx = (i + 1) % p->n;
		double a = sim__accel_avail(p->sc, p->w[i], p->curv[i], 1);
		double v2 = p->w[i] * p->w[i] + 2.0 * p->ds * a;
		double nv = v2 > 0 ? sqrt(v2) : 0.0;
		if (nv >= p->w[nx])
			break;
		p->w[nx] = nv;
	}
}

static void repair_back(const struct prof *p, size_t s)
{
	for (size_t j = 0; j < p->n; j++) {
		size_t i = (s + p->n - j) % p->n, pv = (i + p->n - 1) % p->n;
		double a = sim__accel_avail(p->sc, p->w[i], p->curv[i], -1);
		double v2 = p->w[i] * p->w[i] + 2.0 * p->ds * a;
		double nv = v2 > 0 ? sqrt(v2) : 0.0;
		if (nv >= p->w[pv])
			break;
		p->w[pv] = nv;
	}
}

static size_t metres_to_steps(const struct prof *p, double m)
{
	return (size_t)llround(m / p->ds);
}

/* Deceleration braking into point i at speed v (the segment's end
 * state, as the solver's backward pass has it) with the tyres' braking
 * force, friction ellipse included, scaled by f; drag whole. */
static double decel_scaled(const struct prof *p, double v, size_t i, double f)
{
	struct sim_forces fo;
	sim_car_forces(p->sc, v, &fo);
	double drag = fo.drag_n / p->sc->mass_kg;
	return f * (sim__accel_avail(p->sc, v, p->curv[i], -1) - drag) + drag;
}

/* Early, light braking with the braking force scaled by f: a backward
 * pass from the end e of the clean braking run at its speed, no point
 * faster than the clean lap, until at or before the clean onset b the
 * curve meets the clean profile. Returns how many points before b that
 * is (the new onset), SIZE_MAX when not within lim; the profile is
 * written (in place) when write. */
static size_t early_pass(const struct prof *p, const struct marks *mk, double f,
			 size_t lim, bool write)
{
	size_t n = p->n, i = mk->e, d_eb = (mk->e + n - mk->b) % n;
	double u = p->w[i];
	for (size_t j = 0; j < n && j < d_eb + lim + 1; j++) {
		size_t pv = (i + n - 1) % n;
		double v2 = u * u + 2.0 * p->ds * decel_scaled(p, u, i, f);
		double nu = v2 > 0 ? sqrt(v2) : 0.0;
		if (j + 1 >= d_eb && nu >= p->w[pv])
			return j + 1 - d_eb;
		u = fmin(nu, p->w[pv]);
		if (write)
			p->w[pv] = u;
		i = pv;
	}
	return SIZE_MAX;
}

/* The share f of the braking force (bisection in [EARLY_F_MIN, 1])
 * whose early_pass meets the clean profile nb points before b, or the
 * nearest short of it; *at gets where it meets (SIZE_MAX: nowhere). */
static double early_share(const struct prof *p, const struct marks *mk,
			  size_t nb, size_t *at)
{
	double lo = EARLY_F_MIN, hi = 1.0;
	for (int it = 0; it < EARLY_BISECT; it++) {
		double mid = 0.5 * (lo + hi);
		size_t s = early_pass(p, mk, mid, nb, false);
		if (s == SIZE_MAX || s > nb)
			lo = mid;
		else
			hi = mid;
	}
	*at = early_pass(p, mk, hi, nb, false);
	return hi;
}

/* Braking x metres earlier, lighter: early_pass with the share that
 * puts the onset x metres before b; the brake is trailed to e as on the
 * clean lap (the same release, the overlap kept). */
static void brake_early(const struct prof *p, const struct marks *mk, double x)
{
	size_t at;
	double f = early_share(p, mk, metres_to_steps(p, x), &at);
	(void)early_pass(p, mk, f, at, true);
}

static void slow(const struct prof *p, const struct marks *mk, double f)
{
	double cap = f * mk->vmin;
	for (size_t i = mk->lo; i <= mk->hi; i++)
		p->w[i] = fmin(p->w[i], cap);
	repair_back(p, mk->lo);
	repair_ahead(p, mk->hi);
}

static void late_throttle(const struct prof *p, const struct marks *mk,
			  double x)
{
	size_t nq = metres_to_steps(p, x), i = mk->q;
	double u = p->w[i];
	for (size_t j = 0; j < nq && j < p->n; j++) {
		size_t nx = (i + 1) % p->n;
		u = coast_next(p, u);
		if (u < p->w[nx])
			p->w[nx] = u;
		u = p->w[nx];
		i = nx;
	}
	repair_ahead(p, i);
}

/* Coasting from point s: where the clean lap's braking curve is first
 * at or below the coasting speed (the braking starts there). */
static size_t coast_end(const struct prof *p, size_t s, size_t limit)
{
	double u = p->w[s];
	size_t i = s;
	for (size_t j = 0; j < limit; j++) {
		size_t nx = (i + 1) % p->n;
		u = coast_next(p, u);
		if (p->w[nx] <= u)
			return j + 1;
		i = nx;
	}
	return limit;
}

/* Neither pedal for x metres, then braking at the limit onto the clean
 * lap's braking curve: the coast starts where that takes x metres. */
static void coast(const struct prof *p, const struct marks *mk, double x)
{
	size_t nc = metres_to_steps(p, x) % p->n, n = p->n;
	size_t limit = nc + (mk->e - mk->b) + 2, best = 0, bd = SIZE_MAX;
	for (size_t j = 0; j <= nc; j++) {
		size_t s = (mk->b + n - nc + j) % n;
		size_t l = coast_end(p, s, limit);
		size_t c = l - 1; /* the last segment starts braking */
		size_t dd = c > nc ? c - nc : nc - c;
		if (dd < bd) {
			bd = dd;
			best = s;
		}
	}
	size_t l = coast_end(p, best, limit), i = best;
	double u = p->w[best];
	for (size_t j = 0; j + 1 < l; j++) {
		size_t nx = (i + 1) % n;
		u = coast_next(p, u);
		p->w[nx] = fmin(p->w[nx], u);
		i = nx;
	}
}

/* Braking ends size metres before the turn-in, at the speed the clean
 * braking run ends with, held until the clean lap is faster; braked
 * into at the limit (in a straight line, so no overlap). */
static void no_trail(const struct prof *p, const struct marks *mk, double x)
{
	size_t s = (mk->ti + p->n - metres_to_steps(p, x) % p->n) % p->n;
	double hold = p->w[mk->e];
	for (size_t i = s; i != mk->e; i = (i + 1) % p->n)
		p->w[i] = fmin(p->w[i], hold);
	repair_back(p, s);
}

/* One segment braking at the straight-line limit into point i. */
static double brake_straight(const struct prof *p, double u)
{
	double x = u;
	for (int it = 0; it < IMPLICIT_ITERS; it++) {
		double a = sim__accel_avail(p->sc, x, 0.0, -1);
		double v2 = u * u - 2.0 * p->ds * a;
		x = v2 > 0 ? sqrt(v2) : 0.0;
	}
	return x;
}

/* Braking size metres later: driven at the limit from the clean brake
 * point b to b + size, then braked at the straight-line limit (beyond
 * the corner's grip: the car runs wide, its progress along the line
 * no faster than the corner limit) down to the lowered minimum
 * v_min (v_clean / v_in)^2 (v_in, v_clean: the speeds at b + size with
 * and without the mistake: twice the relative overspeed paid back at
 * the minimum), held to the clean pickup + size, then the limit. */
static void over_drive(const struct prof *p, const struct marks *mk, double x)
{
	size_t n = p->n, nx = metres_to_steps(p, x);
	size_t lb = (mk->b + nx) % n, he = (mk->q + nx) % n;
	double vc = p->w[lb], u = p->w[mk->b];
	for (size_t i = mk->b; i != lb; i = (i + 1) % n) {
		double a = sim__accel_avail(p->sc, u, p->curv[i], 1);
		double v2 = u * u + 2.0 * p->ds * a;
		size_t j = (i + 1) % n;
		u = fmin(v2 > 0 ? sqrt(v2) : 0.0, p->vlim[j]);
		p->w[j] = fmax(p->w[j], u);
	}
	double ratio = vc / fmax(u, vc);
	double cap = mk->vmin * ratio * ratio;
	size_t i = lb;
	while (i != he && u > cap) {
		size_t j = (i + 1) % n;
		u = fmax(brake_straight(p, u), cap);
		p->w[j] = fmin(u, fmax(p->vlim[j], cap));
		i = j;
	}
	for (; i != he; i = (i + 1) % n)
		p->w[i] = cap;
	p->w[he] = fmin(p->w[he], cap);
	repair_ahead(p, he);
}

/* From the pickup the drive force is a share of the limit's, rising
 * linearly to all of it SIM_POOR_EXIT_M later. */
static void poor_exit(const struct prof *p, const struct marks *mk,
		      double share)
{
	size_t nd = metres_to_steps(p, SIM_POOR_EXIT_M), i = mk->q;
	for (size_t j = 0; j < nd && j < p->n; j++) {
		size_t nx = (i + 1) % p->n;
		double u = p->w[i];
		struct sim_forces f;
		sim_car_forces(p->sc, u, &f);
		double a = sim__accel_avail(p->sc, u, p->curv[i], 1);
		double fx = a * p->sc->mass_kg + f.drag_n;
		double sh = share + (1.0 - share) * (double)j / (double)nd;
		double v2 =
		    u * u + 2.0 * p->ds * (sh * fx - f.drag_n) / p->sc->mass_kg;
		double nv = v2 > 0 ? sqrt(v2) : 0.0;
		if (nv < p->w[nx])
			p->w[nx] = nv;
		i = nx;
	}
	repair_ahead(p, i);
}

static enum tb_status fits(const struct prof *p, const struct marks *mk,
			   const struct sim_mistake *m, struct tb_error *err)
{
	const char *name = sim_mistake_name(m->kind);
	size_t nx = metres_to_steps(p, m->size);
	switch (m->kind) {
	case SIM_BRAKE_EARLY: {
		size_t at;
		(void)early_share(p, mk, nx, &at);
		if (at == SIZE_MAX || at + 1 < nx)
			return tb_fail(err, TB_ERR_ARG,
				       "driver: %s at corner %d: braking "
				       "with %.0f..100 %% of the braking "
				       "grip cannot start %g m earlier",
				       name, m->corner, EARLY_F_MIN * 100.0,
				       m->size);
		break;
	}
	case SIM_NO_TRAIL:
		if (mk->ti == SIZE_MAX || mk->ti <= mk->b)
			return tb_fail(err, TB_ERR_ARG,
				       "driver: %s at corner %d: no turn-in "
				       "after the brake point",
				       name, m->corner);
		if (mk->e < mk->ti || nx > mk->ti - mk->is)
			return tb_fail(err, TB_ERR_ARG,
				       "driver: %s at corner %d: no braking "
				       "past the turn-in, or %g m before it "
				       "leaves the corner",
				       name, m->corner, m->size);
		break;
	case SIM_OVER_DRIVE:
		if (mk->q == SIZE_MAX || mk->b + nx >= mk->lo ||
		    mk->q + nx >= mk->ie)
			return tb_fail(err, TB_ERR_ARG,
				       "driver: %s at corner %d: %g m does "
				       "not fit the corner",
				       name, m->corner, m->size);
		break;
	case SIM_POOR_EXIT:
		if (mk->q == SIZE_MAX)
			return tb_fail(err, TB_ERR_ARG,
				       "driver: %s at corner %d: no throttle "
				       "pickup in its segment",
				       name, m->corner);
		break;
	default:
		break;
	}
	return TB_OK;
}

static enum tb_status apply(const struct prof *p, const struct marks *mk,
			    const struct sim_mistake *m, struct tb_error *err)
{
	bool need_b = m->kind == SIM_BRAKE_EARLY || m->kind == SIM_COAST ||
		      m->kind == SIM_NO_TRAIL || m->kind == SIM_OVER_DRIVE;
	if (need_b && mk->b == SIZE_MAX)
		return tb_fail(err, TB_ERR_ARG,
			       "driver: %s at corner %d: the lap does not "
			       "brake for it",
			       sim_mistake_name(m->kind), m->corner);
	enum tb_status st = fits(p, mk, m, err);
	if (st != TB_OK)
		return st;
	if (m->kind == SIM_LATE_THROTTLE && mk->q == SIZE_MAX)
		return tb_fail(err, TB_ERR_ARG,
			       "driver: late-throttle at corner %d: no "
			       "throttle pickup in its segment",
			       m->corner);
	switch (m->kind) {
	case SIM_BRAKE_EARLY:
		brake_early(p, mk, m->size);
		break;
	case SIM_SLOW:
		slow(p, mk, m->size);
		break;
	case SIM_LATE_THROTTLE:
		late_throttle(p, mk, m->size);
		break;
	case SIM_COAST:
		coast(p, mk, m->size);
		break;
	case SIM_NO_TRAIL:
		no_trail(p, mk, m->size);
		break;
	case SIM_OVER_DRIVE:
		over_drive(p, mk, m->size);
		break;
	case SIM_STEER_CORR:
		slow(p, mk, pow(1.0 - SIM_CORR_SCRUB, m->size));
		break;
	case SIM_POOR_EXIT:
		poor_exit(p, mk, m->size);
		break;
	}
	return TB_OK;
}

static enum tb_status check_driver(const struct ana_track *track,
				   const struct sim_car *car,
				   const struct sim_driver *d,
				   struct tb_error *err)
{
	if (!track || !car || !d)
		return tb_fail(err, TB_ERR_ARG, "driver: missing argument");
	double s = d->skill == 0 ? 1.0 : d->skill;
	if (!(s > 0 && s <= 1))
		return tb_fail(err, TB_ERR_ARG,
			       "driver: skill %g not in (0, 1]", d->skill);
	if (d->n_mistakes > SIM_MISTAKES_MAX)
		return tb_fail(err, TB_ERR_ARG,
			       "driver: %zu mistakes, at most %u",
			       d->n_mistakes, (unsigned)SIM_MISTAKES_MAX);
	for (size_t j = 0; j < d->n_mistakes; j++) {
		const struct sim_mistake *m = &d->m[j];
		if (!sim_mistake_name(m->kind))
			return tb_fail(err, TB_ERR_ARG,
				       "driver: mistake %zu: unknown kind %d",
				       j + 1, (int)m->kind);
		if (!size_ok(m->kind, m->size))
			return tb_fail(err, TB_ERR_ARG,
				       "driver: mistake %zu: %s size %g out "
				       "of range",
				       j + 1, sim_mistake_name(m->kind),
				       m->size);
	}
	return TB_OK;
}

/* Mistakes m[0..n) applied in place to r, the clean profile of the
 * skill-scaled car sc: landmarks all from the clean profile first. */
static enum tb_status apply_all(const struct ana_track *track,
				const struct sim_car *car,
				const struct sim_car *sc,
				const struct sim_mistake *m, size_t n,
				const struct ana_corners *cs,
				struct sim_result *r, struct tb_error *err)
{
	if (n == 0)
		return TB_OK;
	struct marks mk[SIM_MISTAKES_MAX];
	for (size_t j = 0; j < n; j++)
		marks_find(car, track->curv, r, cs, (size_t)m[j].corner - 1,
			   &mk[j]);
	struct prof p = {sc, track->curv, r->v_lim, r->v, r->n, r->step_m};
	enum tb_status st = TB_OK;
	for (size_t j = 0; j < n && st == TB_OK; j++)
		st = apply(&p, &mk[j], &m[j], err);
	if (st == TB_OK)
		sim__finish(sc, r);
	return st;
}

/* A copy of the profile src (the arrays duplicated) in dst. */
static enum tb_status copy_result(const struct sim_result *src,
				  struct sim_result *dst, struct tb_error *err)
{
	enum tb_status st = sim__result_alloc(dst, src->n, src->step_m, err);
	if (st != TB_OK)
		return st;
	size_t n = src->n;
	memcpy(dst->v, src->v, n * sizeof(double));
	memcpy(dst->v_lim, src->v_lim, n * sizeof(double));
	memcpy(dst->t, src->t, (n + 1) * sizeof(double));
	memcpy(dst->ax, src->ax, n * sizeof(double));
	memcpy(dst->fx, src->fx, n * sizeof(double));
	dst->lap_time_s = src->lap_time_s;
	dst->v_min = src->v_min;
	dst->v_top = src->v_top;
	dst->closure_ms = src->closure_ms;
	dst->iterations = src->iterations;
	return TB_OK;
}

/* Checks, the corners (own when NULL: found into *own), the skill-scaled
 * car and its clean profile. */
static enum tb_status clean_lap(const struct ana_track *track,
				const struct sim_car *car,
				const struct sim_driver *d,
				const struct ana_corners **corners,
				struct ana_corners *own, struct sim_car *sc,
				struct sim_result *clean, struct tb_error *err)
{
	memset(clean, 0, sizeof(*clean));
	enum tb_status st = check_driver(track, car, d, err);
	if (st != TB_OK)
		return st;
	if (!*corners && d->n_mistakes > 0) {
		st = sim_driver_corners(track, car, own, err);
		if (st != TB_OK)
			return st;
		*corners = own;
	}
	for (size_t j = 0; j < d->n_mistakes; j++) {
		if (d->m[j].corner < 1 ||
		    (size_t)d->m[j].corner > (*corners)->n)
			return tb_fail(err, TB_ERR_ARG,
				       "driver: mistake %zu (%s) at corner "
				       "%d: the track has %zu corners",
				       j + 1, sim_mistake_name(d->m[j].kind),
				       d->m[j].corner, (*corners)->n);
	}
	*sc = *car;
	sc->mu *= d->skill == 0 ? 1.0 : d->skill;
	return sim_solve(track, sc, clean, err);
}

enum tb_status sim_driver_solve(const struct ana_track *track,
				const struct sim_car *car,
				const struct sim_driver *d,
				const struct ana_corners *corners,
				struct sim_result *out, struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "driver: no output");
	struct ana_corners own;
	struct sim_car sc;
	enum tb_status st =
	    clean_lap(track, car, d, &corners, &own, &sc, out, err);
	if (st == TB_OK)
		st = apply_all(track, car, &sc, d->m, d->n_mistakes, corners,
			       out, err);
	if (st != TB_OK)
		sim_result_release(out);
	return st;
}

/* ------------------------------------------------------------------ */
/* Re-simulated costs. */

static double landmark(const struct marks *m, enum sim_mistake_kind k,
		       double ds)
{
	size_t i;
	switch (k) {
	case SIM_SLOW:
	case SIM_STEER_CORR:
		i = m->amin;
		break;
	case SIM_LATE_THROTTLE:
	case SIM_POOR_EXIT:
		i = m->q;
		break;
	case SIM_NO_TRAIL:
		i = m->rel;
		break;
	default:
		i = m->b;
		break;
	}
	return i == SIZE_MAX ? NAN : (double)i * ds;
}

/* The report from the clean profile: the full lap (into full, or
 * dropped when NULL), then every mistake alone on a copy. */
static enum tb_status
report_from(const struct ana_track *track, const struct sim_car *car,
	    const struct sim_car *sc, const struct sim_driver *d,
	    const struct ana_corners *cs, const struct sim_result *clean,
	    struct sim_driver_report *rep, struct sim_result *full,
	    struct tb_error *err)
{
	struct sim_result r;
	rep->clean_s = clean->lap_time_s;
	rep->n = d->n_mistakes;
	enum tb_status st = copy_result(clean, &r, err);
	if (st == TB_OK)
		st =
		    apply_all(track, car, sc, d->m, d->n_mistakes, cs, &r, err);
	if (st != TB_OK) {
		sim_result_release(&r);
		return st;
	}
	rep->lap_s = r.lap_time_s;
	if (full)
		*full = r;
	else
		sim_result_release(&r);
	for (size_t j = 0; j < d->n_mistakes && st == TB_OK; j++) {
		const struct sim_mistake *m = &d->m[j];
		struct sim_mistake_result *o = &rep->m[j];
		struct marks m0, m1;
		size_t k = (size_t)m->corner - 1;
		st = copy_result(clean, &r, err);
		if (st == TB_OK)
			st = apply_all(track, car, sc, m, 1, cs, &r, err);
		if (st == TB_OK) {
			marks_find(car, track->curv, clean, cs, k, &m0);
			marks_find(car, track->curv, &r, cs, k, &m1);
			o->cost_s = r.lap_time_s - rep->clean_s;
			o->base_at_m = landmark(&m0, m->kind, track->step_m);
			o->at_m = landmark(&m1, m->kind, track->step_m);
			o->base_min_ms = m0.vmin;
			o->min_ms = m1.vmin;
		}
		sim_result_release(&r);
	}
	if (st != TB_OK && full)
		sim_result_release(full);
	return st;
}

static enum tb_status run(const struct ana_track *track,
			  const struct sim_car *car, const struct sim_driver *d,
			  const struct ana_corners *corners,
			  struct sim_result *out, struct sim_driver_report *rep,
			  struct tb_error *err)
{
	memset(rep, 0, sizeof(*rep));
	if (out)
		memset(out, 0, sizeof(*out));
	struct ana_corners own;
	struct sim_car sc;
	struct sim_result clean;
	enum tb_status st =
	    clean_lap(track, car, d, &corners, &own, &sc, &clean, err);
	if (st == TB_OK)
		st = report_from(track, car, &sc, d, corners, &clean, rep, out,
				 err);
	sim_result_release(&clean);
	if (st != TB_OK)
		memset(rep, 0, sizeof(*rep));
	return st;
}

enum tb_status
sim_driver_report(const struct ana_track *track, const struct sim_car *car,
		  const struct sim_driver *d, const struct ana_corners *corners,
		  struct sim_driver_report *rep, struct tb_error *err)
{
	if (!rep)
		return tb_fail(err, TB_ERR_ARG, "driver report: no output");
	return run(track, car, d, corners, NULL, rep, err);
}

enum tb_status
sim_driver_run(const struct ana_track *track, const struct sim_car *car,
	       const struct sim_driver *d, const struct ana_corners *corners,
	       struct sim_result *out, struct sim_driver_report *rep,
	       struct tb_error *err)
{
	if (!rep || !out)
		return tb_fail(err, TB_ERR_ARG, "driver run: no output");
	return run(track, car, d, corners, out, rep, err);
}

/* ------------------------------------------------------------------ */
/* Channels and noise. */

/* splitmix64: small, seedable, good enough for sensor noise. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Standard normal by Box-Muller. */
static double rng_gauss(uint64_t *s)
{
	double u1 = ((double)(rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
	double u2 = (double)(rng_next(s) >> 11) / 9007199254740992.0;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

static void add_noise(struct tb_lap *lap, enum tb_channel ch, double sd,
		      bool pedal, uint64_t *s)
{
	if (!(sd > 0) || !lap->col[ch])
		return;
	for (size_t i = 0; i < lap->n; i++) {
		double v = lap->col[ch][i] + sd * rng_gauss(s);
		lap->col[ch][i] = pedal ? clamp01(v) : v;
	}
}

/* Steering of the lap: from the track's curvature at each sample's lap
 * distance, plus the steering corrections: N cycles of SIM_CORR_AMP
 * (adding lock first), each SIM_CORR_S at the minimum speed long,
 * centred on the middle of the corner's minimum in res. */
struct corr {
	double d0, len; /* start, one cycle's length, m */
	int n;
	double sign; /* the corner's direction */
};

static size_t find_corrs(const struct ana_track *track,
			 const struct sim_car *car, const struct sim_driver *d,
			 const struct ana_corners *cs,
			 const struct sim_result *res, struct corr *c)
{
	size_t nc = 0;
	for (size_t j = 0; d && j < d->n_mistakes; j++) {
		const struct sim_mistake *m = &d->m[j];
		if (m->kind != SIM_STEER_CORR || (size_t)m->corner > cs->n)
			continue;
		struct marks mk;
		marks_find(car, track->curv, res, cs, (size_t)m->corner - 1,
			   &mk);
		double mid = (double)(mk.lo + mk.hi) / 2.0 * res->step_m;
		c[nc].n = (int)m->size;
		c[nc].len = fmax(mk.vmin, 1.0) * SIM_CORR_S;
		c[nc].d0 = mid - c[nc].len * c[nc].n / 2.0;
		c[nc].sign = track->curv[mk.amin] >= 0 ? 1.0 : -1.0;
		nc++;
	}
	return nc;
}

static double curv_at(const struct ana_track *t, double dist)
{
	double x = dist / t->step_m;
	if (!(x > 0))
		return t->curv[0];
	size_t i = (size_t)x;
	double w = x - (double)i;
	return t->curv[i % t->n] * (1 - w) + t->curv[(i + 1) % t->n] * w;
}

static enum tb_status add_steer(const struct ana_track *track,
				const struct sim_car *car, const struct corr *c,
				size_t nc, struct tb_lap *out,
				struct tb_error *err)
{
	const double *dist = out->col[TB_CH_LAP_DIST];
	if (!dist)
		return tb_fail(err, TB_ERR_ARG, "driver: lap without distance");
	/* a column of the lap's capacity, as tb_lap_push makes them */
	double *col = tb_calloc(out->cap ? out->cap : 1, sizeof(double));
	if (!col)
		return tb_fail(err, TB_ERR_NOMEM, "driver: out of memory");
	struct sim_steering g;
	sim_steering_class(car->cls, &g);
	for (size_t i = 0; i < out->n; i++) {
		double s = steer_of(&g, curv_at(track, dist[i]));
		for (size_t k = 0; k < nc; k++) {
			double u = (dist[i] - c[k].d0) / c[k].len;
			if (u > 0 && u < c[k].n)
				s += c[k].sign * SIM_CORR_AMP *
				     sin(2.0 * 3.14159265358979323846 * u);
		}
		col[i] = s < -1 ? -1.0 : (s > 1 ? 1.0 : s);
		out->mask[i] |= TB_CHBIT(TB_CH_STEER);
	}
	tb_free(out->col[TB_CH_STEER]);
	out->col[TB_CH_STEER] = col;
	out->chans |= TB_CHBIT(TB_CH_STEER);
	return TB_OK;
}

enum tb_status
sim_driver_sample(const struct ana_track *track, const struct sim_car *car,
		  const struct sim_driver *d, const struct ana_corners *corners,
		  const struct sim_result *res, const struct sim_noise *noise,
		  double rate_hz, struct tb_lap *out, struct tb_error *err)
{
	enum tb_status st =
	    sim_result_to_lap(track, car, res, rate_hz, out, err);
	if (st != TB_OK)
		return st;
	bool any = false;
	for (size_t j = 0; d && j < d->n_mistakes; j++)
		any = any || d->m[j].kind == SIM_STEER_CORR;
	struct ana_corners *own = NULL;
	struct corr c[SIM_MISTAKES_MAX];
	size_t nc = 0;
	if (any && !corners) {
		own = tb_malloc(sizeof(*own));
		if (!own)
			st =
			    tb_fail(err, TB_ERR_NOMEM, "driver: out of memory");
		else
			st = sim_driver_corners(track, car, own, err);
		corners = own;
	}
	if (st == TB_OK && any)
		nc = find_corrs(track, car, d, corners, res, c);
	if (st == TB_OK)
		st = add_steer(track, car, c, nc, out, err);
	tb_free(own);
	if (st != TB_OK) {
		tb_lap_release(out);
		return st;
	}
	if (!noise)
		return TB_OK;
	uint64_t s = noise->seed;
	add_noise(out, TB_CH_SPEED, noise->speed_ms, false, &s);
	add_noise(out, TB_CH_THROTTLE, noise->pedal, true, &s);
	add_noise(out, TB_CH_BRAKE, noise->pedal, true, &s);
	add_noise(out, TB_CH_POS_X, noise->pos_m, false, &s);
	add_noise(out, TB_CH_POS_Y, noise->pos_m, false, &s);
	return TB_OK;
}

enum tb_status sim_driver_lap(const struct ana_track *track,
			      const struct sim_car *car,
			      const struct sim_driver *d, double rate_hz,
			      struct tb_lap *out, double *lap_time_s,
			      struct tb_error *err)
{
	if (!out || !d)
		return tb_fail(err, TB_ERR_ARG, "driver lap: no %s",
			       out ? "driver" : "output");
	struct ana_corners *cs = tb_malloc(sizeof(*cs));
	if (!cs)
		return tb_fail(err, TB_ERR_NOMEM, "driver lap: out of memory");
	struct sim_result r;
	memset(&r, 0, sizeof(r));
	enum tb_status st = sim_driver_corners(track, car, cs, err);
	if (st == TB_OK)
		st = sim_driver_solve(track, car, d, cs, &r, err);
	if (st == TB_OK)
		st = sim_driver_sample(track, car, d, cs, &r, &d->noise,
				       rate_hz, out, err);
	if (st == TB_OK && lap_time_s)
		*lap_time_s = r.lap_time_s;
	sim_result_release(&r);
	tb_free(cs);
	return st;
}

/* gen_track.c - the scenario generator's built-in circuit: a centripetal
 * Catmull-Rom loop through fixed control points, resampled every metre,
 * with smoothed curvature, the speed shape a lap follows and the public
 * track facts. */
#include "gen_int.h"

#include <math.h>

static const double gen_ctl[][2] = {
    {0, 0},	  {450, 0},	{880, 0},     {945, -12},   {975, -50},
    {985, -120},  {990, -330},	{988, -455},  {972, -500},  {945, -515},
    {918, -500},  {910, -460},	{880, -385},  {780, -320},  {640, -305},
    {530, -350},  {450, -450},	{340, -570},  {200, -630},  {110, -620},
    {70, -655},	  {20, -640},	{-130, -610}, {-300, -560}, {-430, -450},
    {-470, -300}, {-420, -150}, {-300, -45},  {-160, -5},
};
#define GEN_CTL (sizeof(gen_ctl) / sizeof(gen_ctl[0]))

/* ------------------------------------------------------------------ */
/* Circuit table. */

static void gen_catmull(const double *p0, const double *p1, const double *p2,
			const double *p3, double u, double *out)
{
	double t0 = 0.0;
	double t1 = t0 + pow(hypot(p1[0] - p0[0], p1[1] - p0[1]), 0.5);
	double t2 = t1 + pow(hypot(p2[0] - p1[0], p2[1] - p1[1]), 0.5);
	double t3 = t2 + pow(hypot(p3[0] - p2[0], p3[1] - p2[1]), 0.5);
	double t = t1 + (t2 - t1) * u;
	for (int i = 0; i < 2; i++) {
		double a1 = ((t1 - t) * p0[i] + (t - t0) * p1[i]) / (t1 - t0);
		double a2 = ((t2 - t) * p1[i] + (t - t1) * p2[i]) / (t2 - t1);
		double a3 = ((t3 - t) * p2[i] + (t - t2) * p3[i]) / (t3 - t2);
		double b1 = ((t2 - t) * a1 + (t - t0) * a2) / (t2 - t0);
		double b2 = ((t3 - t) * a2 + (t - t1) * a3) / (t3 - t1);
		out[i] = ((t2 - t) * b1 + (t - t1) * b2) / (t2 - t1);
	}
}

/* Sample the spline densely (dense: GEN_CTL * GEN_DENSE + 1 points of
 * x, z, cumulative length) and resample every GEN_TRACK_LEN / GEN_N. */
static void gen_track_shape(struct gen_node *nd, double *dense)
{
	const size_t n_ctl = GEN_CTL;
	size_t nd_n = n_ctl * GEN_DENSE;
	for (size_t i = 0; i < n_ctl; i++) {
		const double *p0 = gen_ctl[(i + n_ctl - 1) % n_ctl];
		const double *p1 = gen_ctl[i];
		const double *p2 = gen_ctl[(i + 1) % n_ctl];
		const double *p3 = gen_ctl[(i + 2) % n_ctl];
		for (size_t j = 0; j < GEN_DENSE; j++) {
			double *d = dense + 3 * (i * GEN_DENSE + j);
			gen_catmull(p0, p1, p2, p3, (double)j / GEN_DENSE, d);
		}
	}
	dense[3 * nd_n] = dense[0];
	dense[3 * nd_n + 1] = dense[1];
	dense[2] = 0.0;
	for (size_t i = 1; i <= nd_n; i++) {
		double *d = dense + 3 * i;
		d[2] = d[-1] + hypot(d[0] - d[-3], d[1] - d[-2]);
	}
	double raw = dense[3 * nd_n + 2];
	double scale = GEN_TRACK_LEN / raw;
	size_t j = 0;
	for (size_t i = 0; i < GEN_N; i++) {
		double want = raw * (double)i / GEN_N;
		while (j + 1 < nd_n && dense[3 * (j + 1) + 2] <= want)
			j++;
		const double *a = dense + 3 * j, *b = a + 3;
		double f = (want - a[2]) / (b[2] - a[2]);
		nd[i].x = scale * (a[0] + (b[0] - a[0]) * f);
		nd[i].z = scale * (a[1] + (b[1] - a[1]) * f);
	}
}

/* Tangents and curvature (smoothed: Catmull-Rom is only C1). */
static void gen_track_curvature(struct gen_node *nd, double *tmp)
{
	const double ds = GEN_TRACK_LEN / GEN_N;
	for (size_t i = 0; i < GEN_N; i++) {
		const struct gen_node *p = &nd[(i + GEN_N - 1) % GEN_N];
		const struct gen_node *q = &nd[(i + 1) % GEN_N];
		double dx = q->x - p->x, dz = q->z - p->z;
		double len = hypot(dx, dz);
		nd[i].tx = dx / len;
		nd[i].tz = dz / len;
	}
	for (size_t i = 0; i < GEN_N; i++) {
		const struct gen_node *p = &nd[(i + GEN_N - 1) % GEN_N];
		const struct gen_node *q = &nd[(i + 1) % GEN_N];
		double cross = p->tx * q->tz - p->tz * q->tx;
		double dot = p->tx * q->tx + p->tz * q->tz;
		nd[i].k = atan2(cross, dot) / (2.0 * ds);
	}
	const size_t r = 6; /* moving average over 13 m, two passes */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < GEN_N; i++) {
			double sum = 0.0;
			for (size_t o = 0; o <= 2 * r; o++)
				sum += nd[(i + GEN_N - r + o) % GEN_N].k;
			tmp[i] = sum / (double)(2 * r + 1);
		}
		for (size_t i = 0; i < GEN_N; i++)
			nd[i].k = tmp[i];
	}
}

static double gen_accel_limit(double v)
{
	double a = GEN_A_ACC * (1.0 - v / GEN_V_DRAG);
	return a > 0.5 ? a : 0.5;
}

/* Speed shape: corner limits, then acceleration and braking passes run
 * twice round the loop so they wrap; then acceleration and shape time. */
static void gen_track_speed(struct gen_node *nd, double *tau_total)
{
	const double ds = GEN_TRACK_LEN / GEN_N;
	for (size_t i = 0; i < GEN_N; i++) {
		double k = fabs(nd[i].k);
		double v = k > 1e-9 ? sqrt(GEN_A_LAT / k) : GEN_V_TOP;
		nd[i].w = v < GEN_V_TOP ? v : GEN_V_TOP;
	}
	for (size_t j = 1; j < 2 * GEN_N; j++) {
		const struct gen_node *p = &nd[(j - 1) % GEN_N];
		struct gen_node *c = &nd[j % GEN_N];
		double v = sqrt(p->w * p->w + 2.0 * gen_accel_limit(p->w) * ds);
		if (v < c->w)
			c->w = v;
	}
	for (size_t j = 2 * GEN_N - 1; j-- > 0;) {
		const struct gen_node *n = &nd[(j + 1) % GEN_N];
		struct gen_node *c = &nd[j % GEN_N];
		double v = sqrt(n->w * n->w + 2.0 * GEN_A_BRK * ds);
		if (v < c->w)
			c->w = v;
	}
	for (size_t i = 0; i < GEN_N; i++) {
		const struct gen_node *p = &nd[(i + GEN_N - 1) % GEN_N];
		const struct gen_node *q = &nd[(i + 1) % GEN_N];
		nd[i].acc = (q->w * q->w - p->w * p->w) / (4.0 * ds);
	}
	nd[0].tau = 0.0;
	for (size_t i = 0; i < GEN_N; i++) {
		const struct gen_node *q = &nd[(i + 1) % GEN_N];
		nd[i + 1].tau = nd[i].tau + 2.0 * ds / (nd[i].w + q->w);
	}
	*tau_total = nd[GEN_N].tau;
}

/* Brake heat (fast rise, slow cooling) and an ERS store that harvests
 * under braking and deploys on the straights, netting zero per lap. */
static void gen_track_energy(struct gen_node *nd, double *tmp)
{
	const double ds = GEN_TRACK_LEN / GEN_N;
	double h = 0.0, mean = 0.0;
	for (size_t j = 0; j < 2 * GEN_N; j++) {
		struct gen_node *c = &nd[j % GEN_N];
		double b = c->acc < 0.0 ? -c->acc / GEN_A_BRK : 0.0;
		h += (b - h) * (b > h ? ds / 30.0 : ds / 500.0);
		c->heat = h;
	}
	for (size_t i = 0; i < GEN_N; i++) {
		double b = nd[i].acc < -2.0 ? -nd[i].acc / GEN_A_BRK : 0.0;
		double d = nd[i].w > 0.9 * GEN_V_TOP ? 0.25 : 0.0;
		tmp[i] = b - d;
		mean += tmp[i];
	}
	mean /= GEN_N;
	double cum = 0.0, lo = 0.0, hi = 0.0;
	for (size_t i = 0; i < GEN_N; i++) {
		cum += tmp[i] - mean;
		nd[i].ers = cum;
		lo = cum < lo ? cum : lo;
		hi = cum > hi ? cum : hi;
	}
	double span = hi - lo > 1e-9 ? hi - lo : 1.0;
	for (size_t i = 0; i < GEN_N; i++)
		nd[i].ers = 1.6e6 * ((nd[i].ers - lo) / span - 0.5);
}

enum tb_status gen__track_build(struct gen *g)
{
	size_t nd_n = GEN_CTL * GEN_DENSE + 1;
	double *dense = tb_malloc(3 * nd_n * sizeof(double));
	double *tmp = tb_malloc(GEN_N * sizeof(double));
	g->node = tb_calloc(GEN_N + 1, sizeof(*g->node));
	if (!dense || !tmp || !g->node) {
		tb_free(dense);
		tb_free(tmp);
		return TB_ERR_NOMEM;
	}
	gen_track_shape(g->node, dense);
	gen_track_curvature(g->node, tmp);
	gen_track_speed(g->node, &g->tau_total);
	gen_track_energy(g->node, tmp);
	double tau = g->node[GEN_N].tau;
	g->node[GEN_N] = g->node[0];
	g->node[GEN_N].tau = tau;
	tb_free(dense);
	tb_free(tmp);
	return TB_OK;
}

/* Interpolated node at s (0 <= s <= GEN_TRACK_LEN). */
void gen__track_at(const struct gen *g, double s, struct gen_node *o)
{
	const double ds = GEN_TRACK_LEN / GEN_N;
	double p = gen_clamp(s / ds, 0.0, (double)GEN_N);
	size_t i = (size_t)p;
	if (i >= GEN_N)
		i = GEN_N - 1;
	double f = p - (double)i;
	const struct gen_node *a = &g->node[i], *b = &g->node[i + 1];
	o->x = a->x + (b->x - a->x) * f;
	o->z = a->z + (b->z - a->z) * f;
	o->tx = a->tx + (b->tx - a->tx) * f;
	o->tz = a->tz + (b->tz - a->tz) * f;
	double tl = hypot(o->tx, o->tz);
	o->tx /= tl;
	o->tz /= tl;
	o->k = a->k + (b->k - a->k) * f;
	o->w = a->w + (b->w - a->w) * f;
	o->acc = a->acc + (b->acc - a->acc) * f;
	o->tau = a->tau + (b->tau - a->tau) * f;
	o->heat = a->heat + (b->heat - a->heat) * f;
	o->ers = a->ers + (b->ers - a->ers) * f;
}

/* Position along the circuit at shape time tau (inverse of node.tau). */
double gen__s_of_tau(const struct gen *g, double tau)
{
	const double ds = GEN_TRACK_LEN / GEN_N;
	const struct gen_node *nd = g->node;
	if (tau <= 0.0)
		return 0.0;
	if (tau >= nd[GEN_N].tau)
		return GEN_TRACK_LEN;
	size_t lo = 0, hi = GEN_N; /* nd[lo].tau <= tau < nd[hi].tau */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (nd[mid].tau <= tau)
			lo = mid;
		else
			hi = mid;
	}
	double f = (tau - nd[lo].tau) / (nd[hi].tau - nd[lo].tau);
	return ((double)lo + f) * ds;
}

/* ------------------------------------------------------------------ */
/* Public track facts. */

const char *gen_track_name(void)
{
	return GEN_TRACK_NAME;
}

double gen_track_length(void)
{
	return GEN_TRACK_LEN;
}

void gen_track_xz(const struct gen *g, double s, double *x, double *z)
{
	struct gen_node n;
	double m = fmod(s, GEN_TRACK_LEN);
	if (m < 0.0)
		m += GEN_TRACK_LEN;
	gen__track_at(g, m, &n);
	*x = n.x;
	*z = n.z;
}

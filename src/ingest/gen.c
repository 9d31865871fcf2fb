/* gen.c - scenario generator: N cars drive an out lap, K timed laps and
 * the start of an in lap round a built-in circuit, emitted as the decoded
 * F1 packets a game sends, frame by frame. Every value is a pure function
 * of (car, game frame), so a flashback is a jump of the frame counter and
 * two runs of one config are identical. Lap and sector times are exact
 * integers of ms and the kinematics reach each sector line at its time. */
#include "gen.h"

#include <math.h>

/* ------------------------------------------------------------------ */
/* The circuit: a centripetal Catmull-Rom loop through GEN_CTL control
 * points, resampled every metre by arc length and scaled to exactly
 * GEN_TRACK_LEN. The line is at control point 0, heading +x. */

#define GEN_TRACK_NAME "trailbrake test circuit"
#define GEN_TRACK_LEN  4318.0 /* m */
#define GEN_N	       4318u  /* table nodes: ds = 1 m */
#define GEN_B1	       1402u  /* sector 2 starts here (node = metre) */
#define GEN_B2	       2911u  /* sector 3 starts here */
#define GEN_DENSE      96u    /* spline samples per control segment */

/* Speed shape (the pace of a lap, later scaled per sector). */
#define GEN_GRAV   9.80665
#define GEN_V_TOP  86.0	 /* m/s, shape top speed */
#define GEN_A_LAT  31.0	 /* m/s^2 cornering limit */
#define GEN_A_BRK  41.0	 /* m/s^2 braking */
#define GEN_A_ACC  15.0	 /* m/s^2 traction-limited acceleration at 0 */
#define GEN_V_DRAG 100.0 /* speed where acceleration would vanish */

/* Session shape. */
#define GEN_DEFAULT_LAP_MS 62000u
#define GEN_MAX_LAP_MS	   600000u
#define GEN_MAX_LAPS	   50u
#define GEN_IN_LAP_MS	   5000 /* in lap driven after the last car's line */
#define GEN_OUT_PACE	   0.92 /* out lap pace relative to the first lap */
#define GEN_IN_PACE	   0.68 /* in lap pace relative to the shape */
#define GEN_FUEL_KG_S	   0.026
#define GEN_MAX_EVENTS	   (F1_CARS + 2)

static const double gen_ctl[][2] = {
    {0, 0},	  {450, 0},	{880, 0},     {945, -12},   {975, -50},
    {985, -120},  {990, -330},	{988, -455},  {972, -500},  {945, -515},
    {918, -500},  {910, -460},	{880, -385},  {780, -320},  {640, -305},
    {530, -350},  {450, -450},	{340, -570},  {200, -630},  {110, -620},
    {70, -655},	  {20, -640},	{-130, -610}, {-300, -560}, {-430, -450},
    {-470, -300}, {-420, -150}, {-300, -45},  {-160, -5},
};
#define GEN_CTL (sizeof(gen_ctl) / sizeof(gen_ctl[0]))

struct gen_node {
	double x, z;   /* centre line, m */
	double tx, tz; /* unit tangent */
	double k;      /* curvature, 1/m, positive to the left */
	double w;      /* speed shape, m/s */
	double acc;    /* w dw/ds: acceleration along the shape, m/s^2 */
	double tau;    /* shape time from the line to here, s */
	double heat;   /* brake heat 0..1, lagging the braking */
	double ers;    /* ERS store offset, J */
};

/* A stretch of one car's drive with an exact duration: the out lap, or
 * one sector of a lap. Along it the pace factor lambda (shape seconds per
 * second) is a quadratic in u = t / T with the given end values and a
 * mean of dtau / T, so the car covers exactly [tau0, tau0 + dtau] of shape
 * time in T and the pace is continuous from one stretch to the next. */
struct gen_seg {
	int64_t t0_ms; /* start, ms since session start */
	int32_t dur_ms;
	double tau0, dtau;
	double l0, l1;
};

struct gen_lap {
	int64_t t0_ms;
	struct gen_lap_truth truth;
	int32_t sec_ms[3]; /* notional sector times, also of the in lap */
	bool ftlp;	   /* fastest so far when it completed */
};

/* One car at the current frame. */
struct gen_now {
	unsigned lap, sector;
	int64_t el; /* time into the lap, in ms * rate units */
	double s, v, a, k, lam;
	double lap_dist, total;
	double x, z, tx, tz, heat, ers;
	bool invalid;
	uint8_t warnings, position;
};

enum gen_slot {
	SL_SSTA,
	SL_PARTICIPANTS,
	SL_SESSION,
	SL_MOTION,
	SL_LAP,
	SL_EVENTS,
	SL_TELEMETRY,
	SL_STATUS,
	SL_HISTORY,
	SL_END_FRAME,
	SL_SEND,
	SL_DONE
};

struct gen {
	struct gen_config cfg;
	unsigned n_seg;	       /* per car */
	unsigned n_laps;       /* per car: out lap + timed + in lap */
	struct gen_node *node; /* GEN_N + 1; node GEN_N closes the loop */
	struct gen_seg *seg;   /* n_cars * n_seg */
	struct gen_lap *lap;   /* n_cars * n_laps */
	double tau_total;
	uint32_t last_frame; /* game frame of the last frame */
	bool has_flashback;
	uint32_t fb_at, fb_to; /* flashback frame and its rewind target */
	/* stream position */
	uint32_t frame;
	uint32_t overall;
	bool flashed;
	enum gen_slot slot;
	unsigned n_ev, ev_i;
	struct f1_event ev[GEN_MAX_EVENTS];
	struct gen_now now[F1_CARS];
	struct f1_packet fparts[4]; /* gen_next_frame's current frame */
};

/* ------------------------------------------------------------------ */
/* Deterministic noise: splitmix64's finaliser over mixed keys. */

static uint64_t gen_mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static uint64_t gen_hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	return gen_mix(seed ^ gen_mix(a ^ gen_mix(b ^ gen_mix(c))));
}

/* Uniform in [-1, 1). */
static double gen_unoise(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	return (double)(gen_hash(seed, a, b, c) >> 11) * 0x1p-52 - 1.0;
}

/* Smooth noise in [-1, 1]: value noise over whole seconds. */
static double gen_snoise(const struct gen *g, unsigned car, unsigned ch,
			 double t)
{
	double fl = floor(t);
	double fr = t - fl;
	uint64_t i = (uint64_t)(int64_t)fl;
	double a = gen_unoise(g->cfg.seed, car, ch, i);
	double b = gen_unoise(g->cfg.seed, car, ch, i + 1);
	return a + (b - a) * fr * fr * (3.0 - 2.0 * fr);
}

static double gen_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

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

static enum tb_status gen_track_build(struct gen *g)
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
static void gen_track_at(const struct gen *g, double s, struct gen_node *o)
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
static double gen_s_of_tau(const struct gen *g, double tau)
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
	gen_track_at(g, m, &n);
	*x = n.x;
	*z = n.z;
}

void gen_config_default(struct gen_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->n_cars = 4;
	cfg->n_laps = 3;
	cfg->rate_hz = 60;
	cfg->format = 2025;
	cfg->session_uid = 0x7B0C5EEDull;
	cfg->seed = 1;
	cfg->base_lap_ms = 0;
	cfg->flashback_at_s = 0.0;
	cfg->flashback_back_s = 0.0;
	cfg->cut_car = -1;
	cfg->cut_lap = -1;
}

/* ------------------------------------------------------------------ */
/* The schedule: lap and sector times, segments, truth. */

static struct gen_seg *gen_seg_of(const struct gen *g, unsigned car, unsigned i)
{
	return &g->seg[(size_t)car * g->n_seg + i];
}

static struct gen_lap *gen_lap_of(const struct gen *g, unsigned car,
				  unsigned lap)
{
	return &g->lap[(size_t)car * g->n_laps + (lap - 1)];
}

/* True if t_ms falls exactly on a frame (t_ms * rate / 1000 integral):
 * such times are nudged so a lap time cannot be counted in frames. */
static bool gen_on_frame(const struct gen *g, int64_t t_ms)
{
	return (t_ms * (int64_t)g->cfg.rate_hz) % 1000 == 0;
}

static int32_t gen_off_frame(const struct gen *g, int32_t ms)
{
	while (gen_on_frame(g, ms))
		ms++;
	return ms;
}

/* First frame at or after t_ms. */
static uint32_t gen_frame_at(const struct gen *g, int64_t t_ms)
{
	int64_t num = t_ms * (int64_t)g->cfg.rate_hz;
	return (uint32_t)((num + 999) / 1000);
}

static bool gen_cut_enabled(const struct gen_config *c)
{
	return c->cut_car >= 0 && c->cut_lap > 0;
}

static bool gen_is_cut(const struct gen *g, unsigned car, unsigned lap)
{
	return gen_cut_enabled(&g->cfg) && (unsigned)g->cfg.cut_car == car &&
	       (unsigned)g->cfg.cut_lap == lap;
}

/* Sector split of a lap of lap_ms by the shape, with a little noise. */
static void gen_split(const struct gen *g, int32_t lap_ms, double noise1,
		      double noise2, int32_t sec[3])
{
	const struct gen_node *nd = g->node;
	double f1 = nd[GEN_B1].tau / g->tau_total;
	double f2 = (nd[GEN_B2].tau - nd[GEN_B1].tau) / g->tau_total;
	sec[0] = gen_off_frame(g, (int32_t)llround(lap_ms * f1 * (1 + noise1)));
	sec[1] = gen_off_frame(g, (int32_t)llround(lap_ms * f2 * (1 + noise2)));
	while (gen_on_frame(g, lap_ms - sec[0] - sec[1]))
		sec[1] = gen_off_frame(g, sec[1] + 1);
	sec[2] = lap_ms - sec[0] - sec[1];
}

static int32_t gen_lap_ms(const struct gen *g, unsigned car, unsigned lap)
{
	uint64_t h = gen_hash(g->cfg.seed, car, lap, 0x1A9);
	unsigned k = lap - 2 < 5 ? lap - 2 : 5;
	int64_t ms = (int64_t)g->cfg.base_lap_ms + 173 * (int64_t)car +
		     (int64_t)(h % 1301) - 60 * (int64_t)k;
	return gen_off_frame(g, (int32_t)ms);
}

/* Timed laps 2..K+1 and the out lap of one car; returns the time the car
 * crosses the line after its last timed lap. */
static int64_t gen_plan_car(struct gen *g, unsigned car)
{
	const struct gen_node *nd = g->node;
	const unsigned K = g->cfg.n_laps;
	/* out lap: start d metres before the line, staggered */
	uint64_t h = gen_hash(g->cfg.seed, car, 0, 0x0D7);
	unsigned d = 120u + 97u * car + (unsigned)(h % 13);
	struct gen_seg *o = gen_seg_of(g, car, 0);
	o->t0_ms = 0;
	o->tau0 = nd[GEN_N - d].tau;
	o->dtau = g->tau_total - o->tau0;
	int64_t t = 0;
	for (unsigned lap = 2; lap <= K + 1; lap++) {
		struct gen_lap *L = gen_lap_of(g, car, lap);
		int32_t ms = gen_lap_ms(g, car, lap);
		double n1 = 0.004 * gen_unoise(g->cfg.seed, car, lap, 1);
		double n2 = 0.004 * gen_unoise(g->cfg.seed, car, lap, 2);
		gen_split(g, ms, n1, n2, L->sec_ms);
		L->truth.lap_ms = ms;
		memcpy(L->truth.sector_ms, L->sec_ms, sizeof(L->sec_ms));
		L->truth.complete = true;
		L->truth.flags = gen_is_cut(g, car, lap) ? TB_LAP_CUT : 0;
		if (lap == 2) {
			/* out lap pace: a fraction of the first sector's */
			double r1 = (nd[GEN_B1].tau) / (L->sec_ms[0] / 1e3);
			double s = o->dtau / (GEN_OUT_PACE * r1);
			int32_t oms = (int32_t)llround(s * 1e3);
			o->dur_ms = gen_off_frame(g, oms > 500 ? oms : 500);
			t = o->dur_ms;
		}
		L->t0_ms = t;
		t += ms;
	}
	return t;
}

/* The out lap's truth, and the in lap (never completed). */
static void gen_plan_ends(struct gen *g, unsigned car, int64_t finish,
			  int64_t end_ms)
{
	const unsigned K = g->cfg.n_laps;
	struct gen_lap *out = gen_lap_of(g, car, 1);
	out->t0_ms = 0;
	out->truth.lap_ms = gen_seg_of(g, car, 0)->dur_ms;
	for (int i = 0; i < 3; i++) {
		out->truth.sector_ms[i] = TB_TIME_UNKNOWN;
		out->sec_ms[i] = 0;
	}
	out->truth.flags = TB_LAP_OUT | TB_LAP_INCOMPLETE;
	out->truth.complete = false;

	struct gen_lap *in = gen_lap_of(g, car, K + 2);
	int64_t slow = llround(g->tau_total * 1e3 / GEN_IN_PACE);
	int64_t need = end_ms - finish + 20000;
	int32_t ms = (int32_t)(slow > need ? slow : need);
	in->t0_ms = finish;
	gen_split(g, gen_off_frame(g, ms), 0.0, 0.0, in->sec_ms);
	in->truth.lap_ms = TB_TIME_UNKNOWN;
	int64_t t = finish;
	for (int i = 0; i < 3; i++) {
		t += in->sec_ms[i];
		/* a sector time is known if its line is crossed in the
		 * stream: the frame at or after the line is emitted */
		bool seen = gen_frame_at(g, t) <= g->last_frame;
		in->truth.sector_ms[i] =
		    seen && i < 2 ? in->sec_ms[i] : TB_TIME_UNKNOWN;
	}
	in->truth.flags = TB_LAP_IN | TB_LAP_INCOMPLETE;
	in->truth.complete = false;
}

/* Segments from the laps, with continuous pace at every boundary. */
static void gen_plan_segments(struct gen *g, unsigned car)
{
	const struct gen_node *nd = g->node;
	const unsigned bound[4] = {0, GEN_B1, GEN_B2, GEN_N};
	for (unsigned lap = 2; lap <= g->cfg.n_laps + 2; lap++) {
		const struct gen_lap *L = gen_lap_of(g, car, lap);
		int64_t t = L->t0_ms;
		for (unsigned k = 0; k < 3; k++) {
			struct gen_seg *s =
			    gen_seg_of(g, car, 1 + (lap - 2) * 3 + k);
			s->t0_ms = t;
			s->dur_ms = L->sec_ms[k];
			s->tau0 = nd[bound[k]].tau;
			s->dtau = nd[bound[k + 1]].tau - s->tau0;
			t += s->dur_ms;
		}
	}
	/* the pace at a boundary: the mean of both sides between timed
	 * sectors; the timed lap's own pace after the out lap (which ramps
	 * up linearly into it); the last timed sector's pace into the in
	 * lap (which then slows down) */
	const unsigned in_seg = 1 + 3 * g->cfg.n_laps;
	for (unsigned i = 1; i < g->n_seg; i++) {
		struct gen_seg *p = gen_seg_of(g, car, i - 1);
		struct gen_seg *s = gen_seg_of(g, car, i);
		double rp = p->dtau / (p->dur_ms / 1e3);
		double r = s->dtau / (s->dur_ms / 1e3);
		double b = 0.5 * (rp + r);
		if (i == 1)
			b = r;
		else if (i == in_seg)
			b = rp;
		p->l1 = b;
		s->l0 = b;
	}
	struct gen_seg *o = gen_seg_of(g, car, 0);
	struct gen_seg *e = gen_seg_of(g, car, g->n_seg - 1);
	o->l0 = 2.0 * o->dtau / (o->dur_ms / 1e3) - o->l1;
	e->l1 = e->dtau / (e->dur_ms / 1e3);
}

/* End of a car's timed lap, ms. */
static int64_t gen_lap_end(const struct gen *g, unsigned car, unsigned lap)
{
	const struct gen_lap *L = gen_lap_of(g, car, lap);
	return L->t0_ms + L->truth.lap_ms;
}

/* Fastest-so-far flags: timed laps in completion order (lowest car first
 * on a tie); a cut lap is never a record. */
static void gen_plan_ftlp(struct gen *g)
{
	const unsigned last = g->cfg.n_laps + 1;
	int32_t best = INT32_MAX;
	int64_t done = -1;
	for (;;) {
		int64_t next = INT64_MAX; /* next completion after `done` */
		for (unsigned c = 0; c < g->cfg.n_cars; c++) {
			for (unsigned lap = 2; lap <= last; lap++) {
				int64_t e = gen_lap_end(g, c, lap);
				if (e > done && e < next)
					next = e;
			}
		}
		if (next == INT64_MAX)
			break;
		for (unsigned c = 0; c < g->cfg.n_cars; c++) {
			for (unsigned lap = 2; lap <= last; lap++) {
				struct gen_lap *L = gen_lap_of(g, c, lap);
				if (gen_lap_end(g, c, lap) != next ||
				    (L->truth.flags & TB_LAP_CUT) ||
				    L->truth.lap_ms >= best)
					continue;
				best = L->truth.lap_ms;
				L->ftlp = true;
			}
		}
		done = next;
	}
}

/* Laps with frames in [fb_to, fb_at] were rewound into. */
static void gen_plan_flashback(struct gen *g)
{
	int64_t r = g->cfg.rate_hz;
	for (unsigned c = 0; c < g->cfg.n_cars; c++)
		for (unsigned lap = 1; lap <= g->n_laps; lap++) {
			struct gen_lap *L = gen_lap_of(g, c, lap);
			int64_t a = L->t0_ms * r; /* in ms * rate */
			int64_t b = lap < g->n_laps
					? gen_lap_of(g, c, lap + 1)->t0_ms * r
					: INT64_MAX;
			int64_t lo = (int64_t)g->fb_to * 1000;
			int64_t hi = (int64_t)g->fb_at * 1000;
			if (a <= hi && b > lo)
				L->truth.flags |= TB_LAP_FLASHBACK;
		}
}

static enum tb_status gen_check(const struct gen_config *c,
				struct tb_error *err)
{
	if (c->n_cars < 1 || c->n_cars > F1_CARS)
		return tb_fail(err, TB_ERR_ARG, "n_cars %u not in 1..%u",
			       c->n_cars, (unsigned)F1_CARS);
	if (c->n_laps < 1 || c->n_laps > GEN_MAX_LAPS)
		return tb_fail(err, TB_ERR_ARG, "n_laps %u not in 1..%u",
			       c->n_laps, GEN_MAX_LAPS);
	if (c->rate_hz < 10 || c->rate_hz > 120 || c->rate_hz % 2)
		return tb_fail(err, TB_ERR_ARG,
			       "rate_hz %u: an even rate in 10..120",
			       c->rate_hz);
	if (c->format < 2022 || c->format > 2025)
		return tb_fail(err, TB_ERR_FORMAT,
			       "format %u not in 2022..2025",
			       (unsigned)c->format);
	if (c->base_lap_ms > GEN_MAX_LAP_MS)
		return tb_fail(err, TB_ERR_ARG, "base_lap_ms %u above %u",
			       c->base_lap_ms, GEN_MAX_LAP_MS);
	if (gen_cut_enabled(c) &&
	    ((unsigned)c->cut_car >= c->n_cars || c->cut_lap < 2 ||
	     (unsigned)c->cut_lap > c->n_laps + 1))
		return tb_fail(err, TB_ERR_ARG,
			       "cut car %d lap %d: needs a car < %u and a "
			       "timed lap 2..%u",
			       c->cut_car, c->cut_lap, c->n_cars,
			       c->n_laps + 1);
	if (c->flashback_at_s < 0.0 || c->flashback_back_s < 0.0 ||
	    (c->flashback_at_s > 0.0 &&
	     (c->flashback_back_s <= 0.0 ||
	      c->flashback_back_s > c->flashback_at_s)))
		return tb_fail(err, TB_ERR_ARG,
			       "flashback at %.3f s back %.3f s: needs "
			       "0 < back <= at",
			       c->flashback_at_s, c->flashback_back_s);
	return TB_OK;
}

static enum tb_status gen_plan(struct gen *g, struct tb_error *err)
{
	const struct gen_config *c = &g->cfg;
	double min_ms = g->tau_total * 1e3 * 0.97;
	if (c->base_lap_ms < min_ms)
		return tb_fail(err, TB_ERR_ARG,
			       "base_lap_ms %u faster than the circuit allows "
			       "(%.0f)",
			       c->base_lap_ms, min_ms);
	int64_t finish[F1_CARS];
	int64_t end_ms = 0;
	for (unsigned car = 0; car < c->n_cars; car++) {
		finish[car] = gen_plan_car(g, car);
		if (finish[car] > end_ms)
			end_ms = finish[car];
	}
	end_ms += GEN_IN_LAP_MS;
	g->last_frame = gen_frame_at(g, end_ms);
	for (unsigned car = 0; car < c->n_cars; car++) {
		gen_plan_ends(g, car, finish[car], end_ms);
		gen_plan_segments(g, car);
	}
	gen_plan_ftlp(g);
	if (c->flashback_at_s > 0.0) {
		double r = c->rate_hz;
		g->fb_at = (uint32_t)llround(c->flashback_at_s * r);
		uint32_t back = (uint32_t)llround(c->flashback_back_s * r);
		if (g->fb_at >= g->last_frame || back < 1 || back > g->fb_at)
			return tb_fail(err, TB_ERR_ARG,
				       "flashback at %.3f s back %.3f s: the "
				       "stream lasts %.3f s",
				       c->flashback_at_s, c->flashback_back_s,
				       g->last_frame / r);
		g->fb_to = g->fb_at - back;
		g->has_flashback = true;
		gen_plan_flashback(g);
	}
	return TB_OK;
}

enum tb_status gen_create(const struct gen_config *cfg, struct gen **out,
			  struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "gen_create: out is NULL");
	*out = NULL;
	if (!cfg)
		return tb_fail(err, TB_ERR_ARG, "gen_create: cfg is NULL");
	enum tb_status st = gen_check(cfg, err);
	if (st != TB_OK)
		return st;
	struct gen *g = tb_calloc(1, sizeof(*g));
	if (!g)
		return tb_fail(err, TB_ERR_NOMEM, "generator state");
	g->cfg = *cfg;
	if (!g->cfg.base_lap_ms)
		g->cfg.base_lap_ms = GEN_DEFAULT_LAP_MS;
	g->n_laps = cfg->n_laps + 2;
	g->n_seg = 1 + 3 * (cfg->n_laps + 1);
	g->seg = tb_calloc((size_t)cfg->n_cars * g->n_seg, sizeof(*g->seg));
	g->lap = tb_calloc((size_t)cfg->n_cars * g->n_laps, sizeof(*g->lap));
	if (!g->seg || !g->lap) {
		st = tb_fail(err, TB_ERR_NOMEM, "generator schedule");
		goto fail;
	}
	st = gen_track_build(g);
	if (st != TB_OK) {
		st = tb_fail(err, st, "circuit table of %u nodes", GEN_N);
		goto fail;
	}
	st = gen_plan(g, err);
	if (st != TB_OK)
		goto fail;
	g->slot = SL_SSTA;
	*out = g;
	return TB_OK;
fail:
	gen_destroy(g);
	return st;
}

void gen_destroy(struct gen *g)
{
	if (!g)
		return;
	tb_free(g->node);
	tb_free(g->seg);
	tb_free(g->lap);
	tb_free(g);
}

enum tb_status gen_lap_truth(const struct gen *g, unsigned car, unsigned lap,
			     struct gen_lap_truth *out)
{
	if (!g || !out)
		return TB_ERR_ARG;
	if (car >= g->cfg.n_cars || lap < 1 || lap > g->n_laps)
		return TB_ERR_NOTFOUND;
	*out = gen_lap_of(g, car, lap)->truth;
	return TB_OK;
}

double gen_duration_s(const struct gen *g)
{
	return (double)g->last_frame / g->cfg.rate_hz;
}

/* ------------------------------------------------------------------ */
/* State of every car at a game frame. */

static void gen_car_state(const struct gen *g, unsigned car, uint32_t f,
			  struct gen_now *n)
{
	const int64_t rate = g->cfg.rate_hz;
	const int64_t num = (int64_t)f * 1000; /* frame time, ms * rate */
	unsigned lo = 0, hi = g->n_seg;	       /* seg[lo].t0 <= now */
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (gen_seg_of(g, car, mid)->t0_ms * rate <= num)
			lo = mid;
		else
			hi = mid;
	}
	const struct gen_seg *s = gen_seg_of(g, car, lo);
	double T = s->dur_ms / 1e3;
	double u = (double)(num - s->t0_ms * rate) / ((double)s->dur_ms * rate);
	double r = s->dtau / T, m = 0.5 * (s->l0 + s->l1);
	double c6 = 6.0 * (r - m);
	double tau = s->tau0 + T * (s->l0 * u + (s->l1 - s->l0) * u * u / 2 +
				    c6 * (u * u / 2 - u * u * u / 3));
	double lam = s->l0 + (s->l1 - s->l0) * u + c6 * u * (1 - u);
	double dlam = ((s->l1 - s->l0) + c6 * (1 - 2 * u)) / T;
	struct gen_node p;
	n->s = gen_s_of_tau(g, tau);
	gen_track_at(g, n->s, &p);
	n->lam = lam;
	n->v = lam * p.w;
	n->a = dlam * p.w + lam * lam * p.acc;
	n->k = p.k;
	n->x = p.x;
	n->z = p.z;
	n->tx = p.tx;
	n->tz = p.tz;
	n->heat = p.heat * lam * lam;
	n->ers = p.ers;
	n->lap = lo == 0 ? 1 : 2 + (lo - 1) / 3;
	n->sector = lo == 0 ? 0 : (lo - 1) % 3;
	const struct gen_lap *L = gen_lap_of(g, car, n->lap);
	n->el = num - L->t0_ms * rate;
	if (n->lap == 1) {
		n->lap_dist = n->s - GEN_TRACK_LEN;
		n->total = n->lap_dist;
	} else {
		n->lap_dist = n->s;
		n->total = (n->lap - 2) * GEN_TRACK_LEN + n->s;
	}
	n->invalid = false;
	n->warnings = 0;
	if (gen_cut_enabled(&g->cfg) && (unsigned)g->cfg.cut_car == car) {
		unsigned cl = (unsigned)g->cfg.cut_lap;
		const struct gen_lap *C = gen_lap_of(g, car, cl);
		n->invalid = n->lap == cl &&
			     2 * n->el >= (int64_t)C->truth.lap_ms * rate;
		if (n->invalid || n->lap > cl)
			n->warnings = 1;
	}
}

/* Events of the current frame: lap records in the order they were set
 * (records only get faster, so slowest first), then a flashback. */
static void gen_frame_events(struct gen *g)
{
	g->n_ev = 0;
	g->ev_i = 0;
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		const struct gen_now *n = &g->now[c];
		if (n->lap < 3)
			continue;
		const struct gen_lap *L = gen_lap_of(g, c, n->lap - 1);
		if (!L->ftlp ||
		    gen_frame_at(g, L->t0_ms + L->truth.lap_ms) != g->frame)
			continue;
		float t = (float)(L->truth.lap_ms / 1e3);
		unsigned j = g->n_ev++;
		while (j > 0 && g->ev[j - 1].lap_time_s < t) {
			g->ev[j] = g->ev[j - 1];
			j--;
		}
		struct f1_event *e = &g->ev[j];
		memset(e, 0, sizeof(*e));
		memcpy(e->code, "FTLP", 5);
		e->vehicle_idx = (uint8_t)c;
		e->lap_time_s = t;
	}
	if (g->has_flashback && !g->flashed && g->frame == g->fb_at) {
		struct f1_event *e = &g->ev[g->n_ev++];
		memset(e, 0, sizeof(*e));
		memcpy(e->code, "FLBK", 5);
		e->flashback_frame_id = g->fb_to;
		e->flashback_session_time =
		    (float)((double)g->fb_to / g->cfg.rate_hz);
	}
}

static void gen_enter_frame(struct gen *g)
{
	const unsigned nc = g->cfg.n_cars;
	unsigned order[F1_CARS];
	for (unsigned c = 0; c < nc; c++) {
		gen_car_state(g, c, g->frame, &g->now[c]);
		order[c] = c;
	}
	for (unsigned i = 1; i < nc; i++) { /* insertion sort, leader first */
		unsigned c = order[i], j = i;
		while (j > 0 && g->now[order[j - 1]].total < g->now[c].total) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = c;
	}
	for (unsigned i = 0; i < nc; i++)
		g->now[order[i]].position = (uint8_t)(i + 1);

	gen_frame_events(g);
}

/* ------------------------------------------------------------------ */
/* Packets. */

static void gen_header(const struct gen *g, struct f1_packet *p,
		       enum f1_packet_id id)
{
	struct f1_header *h = &p->h;
	memset(h, 0, sizeof(*h));
	h->format = g->cfg.format;
	/* the game of the same year; F1 22 sends no gameYear */
	h->game_year =
	    g->cfg.format == 2022 ? 0 : (uint8_t)(g->cfg.format - 2000);
	h->game_major = 1;
	h->game_minor = 17;
	h->packet_version = 1;
	h->packet_id = (uint8_t)id;
	h->session_uid = g->cfg.session_uid;
	h->session_time = (float)((double)g->frame / g->cfg.rate_hz);
	h->frame_id = g->frame;
	/* 2022 has no overallFrameIdentifier: a decoder repeats frame_id */
	h->overall_frame_id = g->cfg.format == 2022 ? g->frame : g->overall;
	h->player_car = 0;
	h->player2_car = 255;
}

static void gen_motion(const struct gen *g, struct f1_packet *p)
{
	memset(p->u.motion, 0, sizeof(p->u.motion));
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		const struct gen_now *n = &g->now[c];
		struct f1_motion_car *m = &p->u.motion[c];
		m->pos[0] = (float)n->x;
		m->pos[1] = 0.0f;
		m->pos[2] = (float)n->z;
		m->vel[0] = (float)(n->v * n->tx);
		m->vel[2] = (float)(n->v * n->tz);
		/* forward along the tangent, right = forward x up (Y up,
		 * left-handed as in the game) */
		m->fwd[0] = (int16_t)lround(32767 * n->tx);
		m->fwd[2] = (int16_t)lround(32767 * n->tz);
		m->right[0] = (int16_t)lround(32767 * n->tz);
		m->right[2] = (int16_t)lround(-32767 * n->tx);
		m->g_lat = (float)(n->v * n->v * n->k / GEN_GRAV);
		m->g_lon = (float)(n->a / GEN_GRAV);
		m->g_vert =
		    (float)(1.0 + 0.02 * gen_snoise(g, c, 1, g->frame / 6.0));
		m->yaw = (float)atan2(n->tx, n->tz);
		m->pitch = (float)(-0.004 * n->a / GEN_GRAV);
		m->roll = (float)(0.008 * m->g_lat);
	}
}

static uint8_t gen_driver_status(const struct gen *g, unsigned lap)
{
	if (lap == 1)
		return 3;		 /* out lap */
	return lap == g->n_laps ? 2 : 1; /* in lap : flying lap */
}

static void gen_lapdata(const struct gen *g, struct f1_packet *p)
{
	const int64_t rate = g->cfg.rate_hz;
	memset(&p->u.lap, 0, sizeof(p->u.lap));
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		const struct gen_now *n = &g->now[c];
		const struct gen_lap *L = gen_lap_of(g, c, n->lap);
		struct f1_lap_car *l = &p->u.lap.cars[c];
		if (n->lap > 1)
			l->last_lap_ms = (uint32_t)gen_lap_of(g, c, n->lap - 1)
					     ->truth.lap_ms;
		l->current_lap_ms = (uint32_t)(n->el / rate);
		if (n->sector >= 1)
			l->sector1_ms = (uint32_t)L->sec_ms[0];
		if (n->sector >= 2)
			l->sector2_ms = (uint32_t)L->sec_ms[1];
		l->lap_distance = (float)n->lap_dist;
		l->total_distance = (float)n->total;
		l->position = n->position;
		l->lap_num = (uint8_t)n->lap;
		l->sector = (uint8_t)n->sector;
		l->lap_invalid = n->invalid;
		l->total_warnings = n->warnings;
		l->corner_cutting_warnings = n->warnings;
		l->grid_position = (uint8_t)(c + 1);
		l->driver_status = gen_driver_status(g, n->lap);
		l->result_status = 2;
	}
	p->u.lap.tt_pb_car = 255;
	p->u.lap.tt_rival_car = 255;
}

static const char *const gen_names[F1_CARS] = {
    "Alex Varga",     "Noor Haddad",  "Tomas Lindqvist", "Ines Moreau",
    "Kenji Arai",     "Maya Okafor",  "Luca Bernardi",	 "Sofia Ruiz",
    "Pavel Novak",    "Erin Walsh",   "Diego Salas",	 "Hana Sato",
    "Oskar Berg",     "Lena Fischer", "Rafael Costa",	 "Ada Kowalska",
    "Yusuf Demir",    "Clara Jensen", "Marco Vitale",	 "Priya Nair",
    "Felix Hartmann", "Zoe Lambert",
};
static const uint8_t gen_numbers[F1_CARS] = {
    7,	12, 21, 33, 5,	18, 27, 9,  41, 3,  64,
    17, 88, 24, 11, 50, 6,  72, 29, 15, 91, 36,
};

static void gen_participants(const struct gen *g, struct f1_packet *p)
{
	struct f1_participants *pa = &p->u.participants;
	memset(pa, 0, sizeof(*pa));
	pa->num_active = (uint8_t)g->cfg.n_cars;
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		struct f1_participant *q = &pa->cars[c];
		size_t len = strlen(gen_names[c]);
		q->ai = c != 0;
		q->driver_id = c == 0 ? 255 : (uint8_t)(100 + c);
		q->network_id = (uint8_t)c;
		q->team_id = (uint8_t)(c % 10);
		q->race_number = gen_numbers[c];
		q->nationality = (uint8_t)(1 + (c * 7) % 80);
		memcpy(q->name, gen_names[c], len + 1);
		q->your_telemetry = 1;
		q->show_online_names = 1;
		q->platform = 1;
	}
}

static void gen_session(const struct gen *g, struct f1_packet *p)
{
	struct f1_session *s = &p->u.session;
	uint32_t dur =
	    (g->last_frame + g->cfg.rate_hz - 1) / g->cfg.rate_hz + 60;
	uint32_t now = g->frame / g->cfg.rate_hz;
	memset(s, 0, sizeof(*s));
	s->weather = 0;
	s->track_temp = 33;
	s->air_temp = 24;
	s->total_laps = (uint8_t)g->cfg.n_laps;
	s->track_length = (uint16_t)lround(GEN_TRACK_LEN);
	s->session_type = 5; /* Q1: code 5 in every format 2022..2025 */
	s->track_id = -1;    /* our own circuit: unknown to the game */
	s->formula = 0;
	s->duration = (uint16_t)dur;
	s->time_left = (uint16_t)(dur - now);
	s->pit_speed_limit = 80;
	s->spectator_car = 255;
}

/* Gear from speed: upshift points, m/s; rpm rises to GEN_RPM_SHIFT. */
static const double gen_upshift[8] = {24, 33, 42, 51, 60, 69, 78, 92};
#define GEN_RPM_SHIFT 11800.0
#define GEN_RPM_IDLE  4000.0
#define GEN_RPM_MAX   13000

static int gen_gear(double v)
{
	int gear = 1;
	while (gear < 8 && v > gen_upshift[gear - 1])
		gear++;
	return gear;
}

static void gen_pedals(const struct gen_now *n, float *thr, float *brk)
{
	if (n->a < -1.5) {
		*thr = 0.0f;
		*brk = (float)gen_clamp(-n->a / GEN_A_BRK, 0.05, 1.0);
	} else if (n->a < -0.5) {
		*thr = 0.15f; /* lift */
		*brk = 0.0f;
	} else {
		double want = 0.3 + n->a / GEN_A_ACC + n->v / GEN_V_TOP;
		*thr = (float)gen_clamp(want, 0.2, 1.0);
		*brk = 0.0f;
	}
}

static void gen_telemetry_car(const struct gen *g, unsigned c,
			      struct f1_telemetry_car *t)
{
	const struct gen_now *n = &g->now[c];
	double ts = (double)g->frame / g->cfg.rate_hz;
	int gear = gen_gear(n->v);
	double rpm = GEN_RPM_SHIFT * n->v / gen_upshift[gear - 1];
	rpm = gen_clamp(rpm, GEN_RPM_IDLE, GEN_RPM_MAX);
	t->speed_kmh = (uint16_t)lround(n->v * TB_KMH_PER_MS);
	gen_pedals(n, &t->throttle, &t->brake);
	t->steer = (float)gen_clamp(atan(3.6 * n->k) / 0.3, -1.0, 1.0);
	t->clutch = 0;
	t->gear = (int8_t)gear;
	t->rpm = (uint16_t)lround(rpm);
	t->drs = 0;
	double rev = gen_clamp((rpm - 10000.0) / 2500.0, 0.0, 1.0);
	t->rev_lights_pct = (uint8_t)lround(100 * rev);
	unsigned leds = (unsigned)lround(15 * rev);
	t->rev_lights_bits = (uint16_t)((1u << leds) - 1u);
	double warm = gen_clamp(ts / 90.0, 0.0, 1.0); /* tyres come in */
	for (unsigned w = 0; w < 4; w++) {
		bool front = w >= 2; /* wire order RL, RR, FL, FR */
		double nz = gen_snoise(g, c, 10 + w, ts / 3.0);
		double bt = 320.0 + (front ? 720.0 : 560.0) * n->heat + 6 * nz;
		double glat = fabs(n->v * n->v * n->k) / GEN_GRAV;
		double surf = 78.0 + 18.0 * warm + 2.5 * glat + 1.5 * nz;
		double inner = 88.0 + 14.0 * warm + 0.8 * nz;
		t->brake_temp[w] = (uint16_t)lround(bt);
		t->tyre_surf_temp[w] = (uint8_t)lround(surf);
		t->tyre_inner_temp[w] = (uint8_t)lround(inner);
		t->tyre_press[w] =
		    (float)((front ? 22.6 : 20.9) + 1.1 * warm + 0.04 * nz);
		t->surface[w] = 0; /* tarmac */
	}
	t->engine_temp = (uint16_t)lround(104.0 + 3.0 * warm +
					  gen_snoise(g, c, 20, ts / 8.0));
}

static void gen_telemetry(const struct gen *g, struct f1_packet *p)
{
	memset(p->u.telemetry, 0, sizeof(p->u.telemetry));
	for (unsigned c = 0; c < g->cfg.n_cars; c++)
		gen_telemetry_car(g, c, &p->u.telemetry[c]);
}

static void gen_status(const struct gen *g, struct f1_packet *p)
{
	double ts = (double)g->frame / g->cfg.rate_hz;
	double lap_s = g->cfg.base_lap_ms / 1e3;
	double fuel0 = GEN_FUEL_KG_S * lap_s * (g->cfg.n_laps + 2) + 3.0;
	memset(p->u.status, 0, sizeof(p->u.status));
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		const struct gen_now *n = &g->now[c];
		struct f1_status_car *s = &p->u.status[c];
		float thr, brk;
		gen_pedals(n, &thr, &brk);
		s->fuel_mix = 1;
		s->brake_bias = 56;
		s->fuel_in_tank = (float)(fuel0 - GEN_FUEL_KG_S * ts);
		s->fuel_capacity = 110.0f;
		s->fuel_remaining_laps =
		    s->fuel_in_tank / (float)(GEN_FUEL_KG_S * lap_s);
		s->max_rpm = GEN_RPM_MAX;
		s->idle_rpm = 3500;
		s->max_gears = 8;
		s->actual_compound = 17; /* C4 */
		s->visual_compound = 16; /* soft */
		s->tyre_age_laps = (uint8_t)(n->lap - 1);
		s->fia_flags = 0;
		if (g->cfg.format >= 2023) {
			s->engine_power_ice = 590000.0f * thr;
			s->engine_power_mguk = n->ers > 0 ? 120000.0f * thr : 0;
		}
		s->ers_store = (float)(2.4e6 + n->ers);
		s->ers_mode = n->lap == 1 || n->lap == g->n_laps ? 1 : 2;
		s->ers_harvest_mguk = (float)(2.0e5 * brk);
		s->ers_harvest_mguh = (float)(3.0e4 * thr);
		s->ers_deployed = (float)(2.0e6 * n->lap_dist / GEN_TRACK_LEN);
		if (s->ers_deployed < 0)
			s->ers_deployed = 0;
	}
}

/* SessionHistory of one car per frame, cycling: completed laps, the lap
 * in progress with the sectors passed, best lap and sector laps among
 * the completed timed laps (a cut lap is not a best lap). */
static void gen_history(const struct gen *g, struct f1_packet *p)
{
	struct f1_session_history *h = &p->u.history;
	unsigned c = g->overall % g->cfg.n_cars;
	const struct gen_now *n = &g->now[c];
	int32_t best[4] = {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX};
	uint8_t *best_lap[4] = {&h->best_lap, &h->best_s1_lap, &h->best_s2_lap,
				&h->best_s3_lap};
	memset(h, 0, sizeof(*h));
	h->car_idx = (uint8_t)c;
	h->num_laps = (uint8_t)n->lap; /* the lap in progress included */
	h->num_tyre_stints = 1;
	for (unsigned lap = 1; lap <= n->lap; lap++) {
		const struct gen_lap *L = gen_lap_of(g, c, lap);
		struct f1_history_lap *e = &h->laps[lap - 1];
		bool done = lap < n->lap;
		bool timed = lap > 1;
		if (done)
			e->lap_ms = (uint32_t)L->truth.lap_ms;
		if (timed && (done || n->sector >= 1))
			e->s1_ms = (uint32_t)L->sec_ms[0];
		if (timed && (done || n->sector >= 2))
			e->s2_ms = (uint32_t)L->sec_ms[1];
		if (timed && done)
			e->s3_ms = (uint32_t)L->sec_ms[2];
		if (!timed)
			continue;
		bool cut =
		    (L->truth.flags & TB_LAP_CUT) && (done || n->invalid);
		e->valid_flags = cut ? 0x0E : 0x0F;
		if (!done)
			continue;
		int32_t v[4] = {L->truth.lap_ms, L->sec_ms[0], L->sec_ms[1],
				L->sec_ms[2]};
		for (int i = 0; i < 4; i++) {
			if (i == 0 && cut)
				continue;
			if (v[i] < best[i]) {
				best[i] = v[i];
				*best_lap[i] = (uint8_t)lap;
			}
		}
	}
}

static void gen_event(const struct gen *g, struct f1_packet *p,
		      const char *code)
{
	gen_header(g, p, F1_EVENT);
	memset(&p->u.event, 0, sizeof(p->u.event));
	memcpy(p->u.event.code, code, 5);
}

/* Advance to the next game frame (or rewind at the flashback). */
static void gen_end_frame(struct gen *g)
{
	g->overall++;
	if (g->has_flashback && !g->flashed && g->frame == g->fb_at) {
		g->flashed = true;
		g->frame = g->fb_to;
	} else {
		g->frame++;
	}
}

enum tb_status gen_next(struct gen *g, struct f1_packet *out, double *t_s)
{
	if (!g || !out)
		return TB_ERR_ARG;
	const unsigned rate = g->cfg.rate_hz;
	for (;;) {
		enum gen_slot sl = g->slot;
		if (sl == SL_DONE)
			return TB_ERR_EMPTY;
		if (sl == SL_SSTA) {
			gen_enter_frame(g);
			g->slot = SL_PARTICIPANTS;
			if (g->overall == 0) {
				gen_event(g, out, "SSTA");
				break;
			}
			continue;
		}
		g->slot = (enum gen_slot)(sl + 1);
		if (sl == SL_PARTICIPANTS && g->overall % (5 * rate) == 0) {
			gen_header(g, out, F1_PARTICIPANTS);
			gen_participants(g, out);
			break;
		}
		if (sl == SL_SESSION && g->overall % (rate / 2) == 0) {
			gen_header(g, out, F1_SESSION);
			gen_session(g, out);
			break;
		}
		if (sl == SL_MOTION) {
			gen_header(g, out, F1_MOTION);
			gen_motion(g, out);
			break;
		}
		if (sl == SL_LAP) {
			gen_header(g, out, F1_LAP_DATA);
			gen_lapdata(g, out);
			break;
		}
		if (sl == SL_EVENTS && g->ev_i < g->n_ev) {
			g->slot = SL_EVENTS; /* stay until all are out */
			gen_header(g, out, F1_EVENT);
			out->u.event = g->ev[g->ev_i++];
			break;
		}
		if (sl == SL_TELEMETRY) {
			gen_header(g, out, F1_CAR_TELEMETRY);
			gen_telemetry(g, out);
			break;
		}
		if (sl == SL_STATUS) {
			gen_header(g, out, F1_CAR_STATUS);
			gen_status(g, out);
			break;
		}
		if (sl == SL_HISTORY) {
			gen_header(g, out, F1_SESSION_HISTORY);
			gen_history(g, out);
			break;
		}
		if (sl == SL_END_FRAME) {
			if (g->frame == g->last_frame) {
				g->slot = SL_SEND;
			} else {
				gen_end_frame(g);
				g->slot = SL_SSTA;
			}
			continue;
		}
		if (sl == SL_SEND) {
			gen_event(g, out, "SEND");
			g->slot = SL_DONE;
			break;
		}
	}
	if (t_s)
		*t_s = out->h.session_time;
	return TB_OK;
}

enum tb_status gen_next_frame(struct gen *g, struct gen_frame *out)
{
	unsigned have = 0;
	double t = 0;
	for (;;) {
		struct f1_packet *slot = &g->fparts[3];
		enum tb_status st = gen_next(g, slot, &t);
		if (st != TB_OK)
			return st;
		int idx = -1;
		switch (slot->h.packet_id) {
		case F1_MOTION:
			idx = 0;
			break;
		case F1_LAP_DATA:
			idx = 1;
			break;
		case F1_CAR_TELEMETRY:
			idx = 2;
			break;
		case F1_CAR_STATUS:
			idx = 3;
			break;
		default:
			continue;
		}
		if (idx != 3)
			g->fparts[idx] = *slot;
		have |= 1u << idx;
		if (idx == 3 && have == 0xF) {
			out->t_s = t;
			out->frame_id = slot->h.frame_id;
			out->motion = &g->fparts[0];
			out->lap = &g->fparts[1];
			out->telemetry = &g->fparts[2];
			out->status = &g->fparts[3];
			return TB_OK;
		}
	}
}

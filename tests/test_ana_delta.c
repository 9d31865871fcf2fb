/* test_ana_delta.c - distance base, track model, resampling and delta
 * time on the scenario generator's laps (F1 packets through the ingest
 * port, exactly as the recorder stores them): the delta trace matches
 * the generator's exact sector and lap times, is invariant to shifts of
 * time and position, and survives gaps, duplicates, pauses, reversed
 * time, missing channels and a different layout. */
#include "tb_test.h"

#include <math.h>

#include "analysis/analysis.h"
#include "ingest/proto.h"

#define MAX_LAPS 8
#define STEP_M 1.0

struct lapset {
	size_t n;
	struct tb_lap lap[MAX_LAPS];
	unsigned car[MAX_LAPS];
};

struct fixture {
	struct gen *g;
	struct lapset set;
	struct ana_track track;
};

static struct fixture fx;

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	struct lapset *s = ctx;
	if ((job->lap.flags & TB_LAP_INCOMPLETE) || s->n >= MAX_LAPS)
		return;
	tb_lap_init(&s->lap[s->n]);
	tb_lap_move(&s->lap[s->n], &job->lap);
	s->car[s->n] = job->car.car_index;
	s->n++;
}

/* Two cars, two timed laps each, through a sniffing ingest port. */
static int setup(void **state)
{
	(void)state;
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 2;
	cfg.n_laps = 2;
	struct tb_error err;
	if (gen_create(&cfg, &fx.g, &err) != TB_OK)
		return -1;
	struct ingest_port *port = NULL;
	if (ingest_port_create(NULL, NULL, on_job, &fx.set, &port) != TB_OK)
		return -1;
	struct f1_packet *p = calloc(1, sizeof(*p));
	uint8_t *buf = malloc(TB_DATAGRAM_MAX);
	double t_s = 0;
	while (p && buf && gen_next(fx.g, p, &t_s) == TB_OK) {
		size_t len = 0;
		if (f1_encode(p, buf, TB_DATAGRAM_MAX, &len) != TB_OK)
			return -1;
		int64_t now = 1700000000000000LL + llround(t_s * 1e6);
		if (ingest_port_datagram(port, buf, len, now, &err) != TB_OK)
			return -1;
	}
	ingest_port_flush(port);
	ingest_port_destroy(port);
	free(buf);
	free(p);
	if (fx.set.n != 4)
		return -1;
	const struct tb_lap *laps[MAX_LAPS];
	for (size_t i = 0; i < fx.set.n; i++)
		laps[i] = &fx.set.lap[i];
	size_t used = 0;
	if (ana_track_build(laps, fx.set.n, STEP_M, &fx.track, &used,
			    &err) != TB_OK) {
		printf("track build: %s\n", err.msg);
		return -1;
	}
	return used == fx.set.n ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < fx.set.n; i++)
		tb_lap_release(&fx.set.lap[i]);
	ana_track_release(&fx.track);
	gen_destroy(fx.g);
	return 0;
}

static void grid_ok(const struct tb_lap *lap, const struct ana_track *tr,
		    struct ana_grid *g)
{
	struct tb_error err;
	enum tb_status st = ana_grid_from_lap(lap, tr, STEP_M, g, &err);
	if (st != TB_OK)
		fail_msg("grid of lap %u: %s", (unsigned)lap->lap_number,
			 err.msg);
}

/* delta of lap against ref into a fresh array (caller frees). */
static double *delta_ok(const struct ana_grid *lap, const struct ana_grid *ref,
			struct ana_delta_info *info)
{
	double *d = calloc(ref->n, sizeof(double));
	size_t n = 0;
	struct tb_error err;
	assert_non_null(d);
	if (ana_delta(lap, ref, d, &n, info, &err) != TB_OK)
		fail_msg("delta: %s", err.msg);
	assert_int_equal(n, ref->n);
	return d;
}

static struct gen_lap_truth truth_of(size_t i)
{
	struct gen_lap_truth t;
	assert_int_equal(gen_lap_truth(fx.g, fx.set.car[i],
				       fx.set.lap[i].lap_number, &t),
			 TB_OK);
	return t;
}

static void test_track_model(void **state)
{
	(void)state;
	double len = gen_track_length();
	printf("track: %zu points, %.2f m (circuit %.0f m, %+.3f %%)\n",
	       fx.track.n, fx.track.length_m, len,
	       100 * (fx.track.length_m - len) / len);
	assert_true(fabs(fx.track.length_m - len) < 0.005 * len);
	for (size_t i = 0; i < fx.set.n; i++) {
		struct ana_grid g;
		grid_ok(&fx.set.lap[i], &fx.track, &g);
		printf("lap %zu: method %s, err rms %.3f m max %.3f m, "
		       "rate %.1f Hz\n",
		       i, ana_dist_method_name(g.dist.method),
		       g.dist.pos_err_rms, g.dist.pos_err_max, g.dist.rate_hz);
		assert_int_equal(g.dist.method, ANA_DIST_TRACK);
		assert_true(g.dist.pos_err_rms < 0.5);
		assert_int_equal(g.dist.n_dropped, 0);
		ana_grid_release(&g);
	}
	/* the projection never jumps: a point on the path projects back */
	double err_m = 0;
	double s = ana_track_project(&fx.track, fx.track.x[100],
				     fx.track.y[100], 100 * fx.track.step_m,
				     20, 20, &err_m);
	assert_true(fabs(s - 100 * fx.track.step_m) < 1e-9);
	assert_true(err_m < 1e-9);
}

/* Delta against the generator's exact times: at the sector lines and
 * the line, and everywhere against the trace of the game's own lap
 * distance (the generator's true position). */
static void test_truth(void **state)
{
	(void)state;
	struct ana_grid gt[MAX_LAPS], gc[MAX_LAPS];
	for (size_t i = 0; i < fx.set.n; i++) {
		grid_ok(&fx.set.lap[i], &fx.track, &gt[i]);
		grid_ok(&fx.set.lap[i], NULL, &gc[i]);
		assert_int_equal(gc[i].dist.method, ANA_DIST_CHANNEL);
	}
	struct gen_lap_truth r = truth_of(0);
	double worst_sec = 0, worst_trace = 0, worst_final = 0;
	for (size_t i = 1; i < fx.set.n; i++) {
		struct gen_lap_truth l = truth_of(i);
		struct ana_delta_info di, ci;
		double *dt = delta_ok(&gt[i], &gt[0], &di);
		double *dc = delta_ok(&gc[i], &gc[0], &ci);
		double want1 = (l.sector_ms[0] - r.sector_ms[0]) / 1000.0;
		double want2 = (l.sector_ms[0] + l.sector_ms[1] -
				r.sector_ms[0] - r.sector_ms[1]) / 1000.0;
		double wantf = (l.lap_ms - r.lap_ms) / 1000.0;
		double e1 = fabs(dt[1402] - want1), e2 = fabs(dt[2911] - want2);
		double ef = fabs(di.final_s - wantf);
		printf("lap %zu vs 0: S1 %+.4f (truth %+.3f) S2 %+.4f (truth "
		       "%+.3f) final %+.4f (truth %+.3f) conf %.2f\n",
		       i, dt[1402], want1, dt[2911], want2, di.final_s, wantf,
		       di.confidence);
		assert_true(e1 < 0.005);
		assert_true(e2 < 0.005);
		assert_true(ef < 0.001);
		assert_true(fabs(ci.final_s - wantf) < 0.001);
		assert_true(fabs(dc[1402] - want1) < 0.005);
		assert_true(fabs(dc[2911] - want2) < 0.005);
		worst_sec = fmax(worst_sec, fmax(e1, e2));
		worst_final = fmax(worst_final, ef);
		size_t n = gt[0].n < gc[0].n ? gt[0].n : gc[0].n;
		for (size_t k = 0; k < n; k++) {
			double e = fabs(dt[k] - dc[k]);
			worst_trace = fmax(worst_trace, e);
			if (e >= 0.005)
				fail_msg("lap %zu at %zu m: track delta %.4f, "
					 "true %.4f",
					 i, k, dt[k], dc[k]);
		}
		assert_true(di.confidence > 0.5);
		free(dt);
		free(dc);
	}
	printf("worst: sectors %.3f ms, trace vs truth %.3f ms, final "
	       "%.3f ms\n",
	       worst_sec * 1e3, worst_trace * 1e3, worst_final * 1e3);
	for (size_t i = 0; i < fx.set.n; i++) {
		ana_grid_release(&gt[i]);
		ana_grid_release(&gc[i]);
	}
}

/* ------------------------------------------------------------------ */
/* Modified copies of a lap. */

typedef bool (*frame_edit)(size_t i, struct tb_frame *f, void *ctx);

static void lap_edit(const struct tb_lap *src, struct tb_lap *dst,
		     frame_edit fn, void *ctx)
{
	tb_lap_init(dst);
	dst->car_index = src->car_index;
	dst->lap_number = src->lap_number;
	dst->lap_time_ms = src->lap_time_ms;
	memcpy(dst->sector_ms, src->sector_ms, sizeof(dst->sector_ms));
	dst->flags = src->flags;
	for (size_t i = 0; i < src->n; i++) {
		struct tb_frame f;
		tb_lap_frame(src, i, &f);
		if (fn && !fn(i, &f, ctx))
			continue;
		assert_int_equal(tb_lap_push(dst, &f), TB_OK);
	}
}

struct shift {
	double dt, dx, dy, scale;
};

static bool edit_shift(size_t i, struct tb_frame *f, void *ctx)
{
	(void)i;
	const struct shift *s = ctx;
	f->v[TB_CH_TIME] += s->dt;
	if (tb_frame_has(f, TB_CH_POS_X))
		f->v[TB_CH_POS_X] += s->dx;
	if (tb_frame_has(f, TB_CH_POS_Y))
		f->v[TB_CH_POS_Y] += s->dy;
	return true;
}

static double max_diff(const double *a, const double *b, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(a[i] - b[i]));
	return m;
}

/* Deltas of every lap against lap 0, with laps and track transformed. */
static void deltas_shifted(const struct shift *s, double **out,
			   size_t *n_out, double *finals)
{
	struct tb_lap laps[MAX_LAPS];
	struct ana_track tr = fx.track;
	tr.x = malloc(tr.n * sizeof(double));
	tr.y = malloc(tr.n * sizeof(double));
	assert_non_null(tr.x);
	assert_non_null(tr.y);
	for (size_t k = 0; k < tr.n; k++) {
		tr.x[k] = fx.track.x[k] + s->dx;
		tr.y[k] = fx.track.y[k] + s->dy;
	}
	struct ana_grid g[MAX_LAPS];
	for (size_t i = 0; i < fx.set.n; i++) {
		lap_edit(&fx.set.lap[i], &laps[i], edit_shift, (void *)s);
		grid_ok(&laps[i], &tr, &g[i]);
	}
	for (size_t i = 1; i < fx.set.n; i++) {
		struct ana_delta_info di;
		out[i] = delta_ok(&g[i], &g[0], &di);
		finals[i] = di.final_s;
	}
	*n_out = g[0].n;
	for (size_t i = 0; i < fx.set.n; i++) {
		ana_grid_release(&g[i]);
		tb_lap_release(&laps[i]);
	}
	free(tr.x);
	free(tr.y);
}

static void test_invariance(void **state)
{
	(void)state;
	const struct shift cases[] = {
	    {0, 0, 0, 1},
	    {1234.5678, 0, 0, 1},
	    {-17.25, 0, 0, 1},
	    {0, 350.25, -1234.5, 1},
	    {86400.125, -5000.75, 777.5, 1},
	};
	double *base[MAX_LAPS] = {0}, bf[MAX_LAPS];
	size_t nb = 0;
	deltas_shifted(&cases[0], base, &nb, bf);
	double worst = 0;
	for (size_t c = 1; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double *d[MAX_LAPS] = {0}, f[MAX_LAPS];
		size_t n = 0;
		deltas_shifted(&cases[c], d, &n, f);
		assert_int_equal(n, nb);
		for (size_t i = 1; i < fx.set.n; i++) {
			double m = max_diff(d[i], base[i], n);
			m = fmax(m, fabs(f[i] - bf[i]));
			if (m > 1e-9)
				fail_msg("shift %zu lap %zu: delta moved %g s",
					 c, i, m);
			worst = fmax(worst, m);
			free(d[i]);
		}
	}
	printf("invariance: worst change %.3g s\n", worst);
	for (size_t i = 1; i < fx.set.n; i++)
		free(base[i]);
}

/* ------------------------------------------------------------------ */
/* Robustness. */

struct span {
	double t0, t1; /* lap-relative seconds */
	double first_t;
	size_t every;
	struct tb_frame hold;
};

static double rel_t(const struct span *s, const struct tb_frame *f)
{
	return f->v[TB_CH_TIME] - s->first_t;
}

static bool edit_gap(size_t i, struct tb_frame *f, void *ctx)
{
	(void)i;
	struct span *s = ctx;
	return !(rel_t(s, f) >= s->t0 && rel_t(s, f) < s->t1);
}

static bool edit_no_xy(size_t i, struct tb_frame *f, void *ctx)
{
	(void)i;
	tb_chmask drop = *(const tb_chmask *)ctx;
	for (int c = 0; c < TB_CH__COUNT; c++)
		if (drop & TB_CHBIT(c))
			f->v[c] = 0;
	f->mask &= ~drop;
	return true;
}

static bool edit_dist_scale(size_t i, struct tb_frame *f, void *ctx)
{
	(void)i;
	f->v[TB_CH_LAP_DIST] *= *(const double *)ctx;
	return true;
}

static void ref_grid(struct ana_grid *g, const struct ana_track *tr)
{
	grid_ok(&fx.set.lap[0], tr, g);
}

/* Grid + delta against lap 0 for a modified copy of lap 1. */
static double *delta_of_copy(const struct tb_lap *lap,
			     const struct ana_track *tr,
			     struct ana_grid *g, struct ana_delta_info *di)
{
	struct ana_grid ref;
	ref_grid(&ref, tr);
	grid_ok(lap, tr, g);
	double *d = delta_ok(g, &ref, di);
	ana_grid_release(&ref);
	return d;
}

static void test_gap(void **state)
{
	(void)state;
	const struct tb_lap *src = &fx.set.lap[1];
	struct span sp = {20.0, 22.0, src->col[TB_CH_TIME][0], 0, {0}};
	struct tb_lap lap;
	lap_edit(src, &lap, edit_gap, &sp);
	assert_true(lap.n < src->n - 100);
	struct ana_grid g, g0;
	struct ana_delta_info di, d0;
	double *d = delta_of_copy(&lap, &fx.track, &g, &di);
	double *e = delta_of_copy(src, &fx.track, &g0, &d0);
	size_t n_nan = 0;
	for (size_t k = 0; k < g.n; k++) {
		assert_true(isfinite(g.t[k]));
		n_nan += isnan(g.col[TB_CH_SPEED][k]);
	}
	size_t n = g0.n < g.n ? g0.n : g.n, n_moved = 0;
	double m = max_diff(d, e, n);
	for (size_t k = 0; k < n; k++)
		n_moved += fabs(d[k] - e[k]) > 1e-4;
	printf("gap of 2 s: %zu m of speed unknown, delta moved at %zu m "
	       "(inside the gap only), by <= %.2f ms, final %+.4f vs "
	       "%+.4f\n",
	       n_nan, n_moved, m * 1e3, di.final_s, d0.final_s);
	assert_true(n_nan > 50);
	assert_true(fabs(di.final_s - d0.final_s) < 1e-9);
	/* outside the gap nothing moves; across it time is interpolated
	 * linearly in distance (the car's braking inside is unknown) */
	assert_true(n_moved <= n_nan + 2);
	assert_true(m < 0.5);
	free(d);
	free(e);
	ana_grid_release(&g);
	ana_grid_release(&g0);
	tb_lap_release(&lap);
}

/* Duplicated samples and a few reversed times are dropped and counted;
 * duplicates change nothing at all. */
static void test_dup_reversed(void **state)
{
	(void)state;
	const struct tb_lap *src = &fx.set.lap[1];
	struct tb_lap dup, rev;
	tb_lap_init(&dup);
	tb_lap_init(&rev);
	dup.lap_time_ms = rev.lap_time_ms = src->lap_time_ms;
	for (size_t i = 0; i < src->n; i++) {
		struct tb_frame f;
		tb_lap_frame(src, i, &f);
		assert_int_equal(tb_lap_push(&dup, &f), TB_OK);
		if (i % 10 == 5)
			assert_int_equal(tb_lap_push(&dup, &f), TB_OK);
		if (i >= 1000 && i < 1004)
			f.v[TB_CH_TIME] -= 0.5; /* clock went back */
		assert_int_equal(tb_lap_push(&rev, &f), TB_OK);
	}
	struct ana_grid g0, g1, g2;
	struct ana_delta_info d0, d1, d2;
	double *e = delta_of_copy(src, &fx.track, &g0, &d0);
	double *a = delta_of_copy(&dup, &fx.track, &g1, &d1);
	double *b = delta_of_copy(&rev, &fx.track, &g2, &d2);
	printf("duplicates: %zu dropped, delta moved %.3g s; reversed: %zu "
	       "dropped, delta moved %.3f ms (%s)\n",
	       g1.dist.n_dropped, max_diff(a, e, g0.n),
	       g2.dist.n_dropped, max_diff(b, e, g0.n) * 1e3,
	       d2.warning ? d2.warning : "no warning");
	assert_true(g1.dist.n_dropped >= src->n / 10);
	assert_true(max_diff(a, e, g0.n) < 1e-12);
	assert_int_equal(g2.dist.n_dropped, 4);
	assert_true(max_diff(b, e, g0.n) < 0.005);
	assert_non_null(d2.warning);
	free(a);
	free(b);
	free(e);
	ana_grid_release(&g0);
	ana_grid_release(&g1);
	ana_grid_release(&g2);
	tb_lap_release(&dup);
	tb_lap_release(&rev);
}

/* A 3 s pause mid-lap: time goes on, position and distance stay. */
static void test_pause(void **state)
{
	(void)state;
	const struct tb_lap *src = &fx.set.lap[1];
	struct tb_lap lap;
	tb_lap_init(&lap);
	lap.lap_time_ms = src->lap_time_ms + 3000;
	const size_t at = src->n / 2;
	double add = 0;
	for (size_t i = 0; i < src->n; i++) {
		struct tb_frame f;
		tb_lap_frame(src, i, &f);
		if (i == at) {
			struct tb_frame p = f;
			p.v[TB_CH_SPEED] = 0;
			for (int k = 0; k < 180; k++) {
				assert_int_equal(tb_lap_push(&lap, &p), TB_OK);
				p.v[TB_CH_TIME] += 1.0 / 60;
			}
			add = 3.0;
		}
		f.v[TB_CH_TIME] += add;
		assert_int_equal(tb_lap_push(&lap, &f), TB_OK);
	}
	struct ana_grid g0, g;
	struct ana_delta_info d0, d;
	double *e = delta_of_copy(src, &fx.track, &g0, &d0);
	double *a = delta_of_copy(&lap, &fx.track, &g, &d);
	double s_at = 0;
	struct ana_dist_info info;
	double *dist = calloc(lap.n, sizeof(double));
	assert_int_equal(ana_lap_distance(&lap, &fx.track, dist, &info, NULL),
			 TB_OK);
	s_at = dist[at];
	size_t k_at = (size_t)s_at;
	double before = fabs(a[k_at - 20] - e[k_at - 20]);
	double after = fabs(a[k_at + 20] - e[k_at + 20] - 3.0);
	printf("pause of 3 s at %.0f m: before %.3f ms, after %.3f ms off, "
	       "final %+.4f\n",
	       s_at, before * 1e3, after * 1e3, d.final_s - d0.final_s);
	assert_true(before < 0.005);
	assert_true(after < 0.005);
	assert_true(fabs(d.final_s - d0.final_s - 3.0) < 0.001);
	free(dist);
	free(a);
	free(e);
	ana_grid_release(&g0);
	ana_grid_release(&g);
	tb_lap_release(&lap);
}

/* Missing channels: no x/y falls back (and says so); nothing at all is
 * a clear refusal. */
static void test_missing(void **state)
{
	(void)state;
	const struct tb_lap *src = &fx.set.lap[1];
	tb_chmask xy = TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y);
	tb_chmask xyd = xy | TB_CHBIT(TB_CH_LAP_DIST);
	tb_chmask all = xyd | TB_CHBIT(TB_CH_SPEED);
	struct tb_lap a, b, c;
	lap_edit(src, &a, edit_no_xy, &xy);
	lap_edit(src, &b, edit_no_xy, &xyd);
	lap_edit(src, &c, edit_no_xy, &all);
	double *dist = calloc(src->n, sizeof(double));
	struct ana_dist_info info;
	struct tb_error err;
	assert_int_equal(ana_lap_distance(&a, &fx.track, dist, &info, &err),
			 TB_OK);
	assert_int_equal(info.method, ANA_DIST_CHANNEL);
	assert_non_null(info.note);
	printf("no x/y: %s (%s)\n", ana_dist_method_name(info.method),
	       info.note);
	assert_int_equal(ana_lap_distance(&b, &fx.track, dist, &info, &err),
			 TB_OK);
	assert_int_equal(info.method, ANA_DIST_SPEED);
	assert_non_null(info.note);
	printf("no x/y, no distance: %s, %.1f m\n",
	       ana_dist_method_name(info.method), info.length_m);
	assert_true(fabs(info.length_m - gen_track_length()) < 0.01 * 4318);
	assert_int_equal(ana_lap_distance(&c, &fx.track, dist, &info, &err),
			 TB_ERR_ARG);
	printf("nothing: %s\n", err.msg);
	assert_non_null(strstr(err.msg, "no distance base"));
	struct ana_grid g;
	assert_int_equal(ana_grid_from_lap(&c, NULL, 1.0, &g, &err),
			 TB_ERR_ARG);
	assert_null(g.t);
	/* a lap with no samples, a NULL lap, a lap without time */
	struct tb_lap empty;
	tb_lap_init(&empty);
	assert_int_equal(ana_lap_distance(&empty, NULL, dist, &info, &err),
			 TB_ERR_ARG);
	assert_int_equal(ana_lap_distance(NULL, NULL, dist, &info, &err),
			 TB_ERR_ARG);
	assert_int_equal(ana_delta(NULL, NULL, dist, NULL, NULL, &err),
			 TB_ERR_ARG);
	free(dist);
	tb_lap_release(&a);
	tb_lap_release(&b);
	tb_lap_release(&c);
}

/* A lap 10 % longer is another layout; 1 % longer is another line. */
static void test_layout(void **state)
{
	(void)state;
	const struct tb_lap *src = &fx.set.lap[1];
	struct ana_grid ref, g;
	ref_grid(&ref, NULL);
	const double scales[] = {1.10, 0.97, 1.01};
	const enum tb_status want[] = {TB_ERR_RANGE, TB_ERR_RANGE, TB_OK};
	for (size_t c = 0; c < 3; c++) {
		struct tb_lap lap;
		double sc = scales[c];
		lap_edit(src, &lap, edit_dist_scale, &sc);
		grid_ok(&lap, NULL, &g);
		double *d = calloc(ref.n, sizeof(double));
		size_t n = 0;
		struct ana_delta_info di;
		struct tb_error err;
		enum tb_status st = ana_delta(&g, &ref, d, &n, &di, &err);
		printf("length x%.2f: %s %s\n", sc, tb_status_name(st),
		       st == TB_OK ? (di.warning ? di.warning : "") : err.msg);
		assert_int_equal(st, want[c]);
		if (st == TB_OK) {
			assert_non_null(di.warning);
			assert_true(di.confidence < 0.6);
		} else {
			assert_non_null(strstr(err.msg, "not the same layout"));
		}
		free(d);
		ana_grid_release(&g);
		tb_lap_release(&lap);
	}
	/* different grid steps */
	grid_ok(src, NULL, &g);
	g.step_m = 2.0;
	double *d = calloc(ref.n, sizeof(double));
	assert_int_equal(ana_delta(&g, &ref, d, NULL, NULL, NULL), TB_ERR_ARG);
	g.step_m = 1.0;
	free(d);
	ana_grid_release(&g);
	ana_grid_release(&ref);
}

/* Every allocation failing in turn: clean errors, nothing leaked. */
static void test_faults(void **state)
{
	(void)state;
	const struct tb_lap *laps[2] = {&fx.set.lap[0], &fx.set.lap[1]};
	for (long k = 1; k < 40; k++) {
		struct ana_track tr;
		struct ana_grid g;
		tb_fault_fail_alloc_after(k);
		enum tb_status st = ana_track_build(laps, 2, 2.0, &tr, NULL,
						    NULL);
		tb_fault_fail_alloc_after(0);
		if (st == TB_OK)
			ana_track_release(&tr);
		else
			assert_null(tr.x);
		tb_fault_fail_alloc_after(k);
		st = ana_grid_from_lap(laps[1], &fx.track, 1.0, &g, NULL);
		tb_fault_fail_alloc_after(0);
		if (st == TB_OK)
			ana_grid_release(&g);
		else
			assert_null(g.t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_track_model),
	    cmocka_unit_test(test_truth),
	    cmocka_unit_test(test_invariance),
	    cmocka_unit_test(test_gap),
	    cmocka_unit_test(test_dup_reversed),
	    cmocka_unit_test(test_pause),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_layout),
	    cmocka_unit_test(test_faults),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

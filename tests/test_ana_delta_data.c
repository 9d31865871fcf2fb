/* test_ana_delta_data.c - delta time on real recordings: the 17 fastest
 * laps of the 2026 Bahrain test (TracingInsights, 3-8 Hz, x/y) against a
 * track model learnt from them, and the three DiRT Rally 2.0 runs of one
 * stage on their own distance channel. The delta at the line and at the
 * last grid point must equal the lap-time difference, the trace must be
 * continuous, and laps whose positions disagree with their distance
 * must come with low confidence and a warning. */
#include "tb_test.h"

#include <math.h>

#include "analysis/analysis.h"
#include "formats/f1ti.h"
#include "ingest/proto.h"

#define MAX_LAPS 64
#define STEP_M 1.0

struct lapset {
	size_t n;
	struct tb_lap lap[MAX_LAPS];
	char driver[MAX_LAPS][TB_NAME_MAX];
};

static void set_release(struct lapset *s)
{
	for (size_t i = 0; i < s->n; i++)
		tb_lap_release(&s->lap[i]);
	s->n = 0;
}

/* The fastest timed lap per driver: replace a slower one. */
static enum tb_status on_f1ti(void *ctx, const struct tb_session_info *ses,
			      const struct tb_car_info *car,
			      struct tb_lap *lap,
			      const struct fmt_lap_meta *meta)
{
	(void)ses;
	(void)meta;
	struct lapset *s = ctx;
	if (lap->lap_time_ms <= 0 || (lap->flags & (TB_LAP_OUT | TB_LAP_IN)))
		return TB_OK;
	size_t i = 0;
	while (i < s->n && strcmp(s->driver[i], car->driver) != 0)
		i++;
	if (i == s->n) {
		if (s->n == MAX_LAPS)
			return TB_OK;
		tb_lap_init(&s->lap[s->n]);
		snprintf(s->driver[s->n], TB_NAME_MAX, "%s", car->driver);
		s->n++;
	} else if (s->lap[i].lap_time_ms <= lap->lap_time_ms) {
		return TB_OK;
	}
	tb_lap_move(&s->lap[i], lap);
	return TB_OK;
}

static void grid_ok(const struct tb_lap *lap, const struct ana_track *tr,
		    struct ana_grid *g)
{
	struct tb_error err;
	if (ana_grid_from_lap(lap, tr, STEP_M, g, &err) != TB_OK)
		fail_msg("grid of lap %u: %s", (unsigned)lap->lap_number,
			 err.msg);
}

/* Largest jump of the trace between neighbouring points from `from`
 * metres on (a standing start spends seconds on its first metres). */
static double max_jump(const double *d, size_t n, size_t from, size_t *at)
{
	double m = 0;
	for (size_t i = from + 1; i < n; i++) {
		if (fabs(d[i] - d[i - 1]) > m) {
			m = fabs(d[i] - d[i - 1]);
			*at = i;
		}
	}
	return m;
}

/* Continuous: no step of the trace between adjacent metres exceeds
 * the time the slower of the two laps needs for that metre + 20 ms. */
static void trace_continuous(const char *who, const double *d, size_t n,
			     const struct ana_grid *lap,
			     const struct ana_grid *ref)
{
	for (size_t k = 1; k < n; k++) {
		double v = fmin(lap->col[TB_CH_SPEED][k],
				ref->col[TB_CH_SPEED][k]);
		assert_true(isfinite(d[k]));
		if (!(v > 0.5))
			continue;
		double lim = STEP_M / v + 0.020;
		if (fabs(d[k] - d[k - 1]) > lim)
			fail_msg("%s at %zu m: delta steps %.1f ms (limit "
				 "%.1f ms)", who, k,
				 fabs(d[k] - d[k - 1]) * 1e3, lim * 1e3);
	}
}

static void test_f1ti(void **state)
{
	(void)state;
	char dir[768];
	snprintf(dir, sizeof(dir),
		 "%s/f1-2026-testing-tracinginsights/practice3",
		 tbt_data_or_skip("TracingInsights F1 laps"));
	static struct lapset s;
	struct tb_error err;
	if (fmt_f1ti_import_dir(dir, on_f1ti, &s, NULL, &err) != TB_OK)
		fail_msg("import: %s", err.msg);
	assert_int_equal(s.n, 17);
	const struct tb_lap *laps[MAX_LAPS];
	size_t best = 0;
	for (size_t i = 0; i < s.n; i++) {
		laps[i] = &s.lap[i];
		if (s.lap[i].lap_time_ms < s.lap[best].lap_time_ms)
			best = i;
	}
	struct ana_track tr;
	size_t used = 0;
	if (ana_track_build(laps, s.n, STEP_M, &tr, &used, &err) != TB_OK)
		fail_msg("track: %s", err.msg);
	printf("track from %zu of %zu laps: %.1f m\n", used, s.n, tr.length_m);
	assert_true(used >= 15);
	assert_true(tr.length_m > 5300 && tr.length_m < 5420);
	static struct ana_grid g[MAX_LAPS];
	for (size_t i = 0; i < s.n; i++)
		grid_ok(&s.lap[i], &tr, &g[i]);
	double *d = calloc(g[best].n, sizeof(double));
	assert_non_null(d);
	double worst = 0, worst_jump = 0, worst_line = 0;
	size_t n_doubt = 0;
	for (size_t i = 0; i < s.n; i++) {
		struct ana_delta_info di;
		size_t n = 0;
		if (ana_delta(&g[i], &g[best], d, &n, &di, &err) != TB_OK)
			fail_msg("%s: %s", s.driver[i], err.msg);
		double want = (s.lap[i].lap_time_ms -
			       s.lap[best].lap_time_ms) / 1000.0;
		double e = fabs(di.final_s - want);
		double e_line = fabs(d[n - 1] - want);
		size_t at = 0;
		double jump = max_jump(d, n, 0, &at);
		printf("%s %.3f s: %s check %.1f m err rms %.2f m max "
		       "%.2f m, %.1f Hz, len %+.1f m, final %+.3f (want "
		       "%+.3f) last point %+.3f, jump %.1f ms at %zu m, "
		       "conf %.2f\n",
		       s.driver[i], s.lap[i].lap_time_ms / 1000.0,
		       ana_dist_method_name(g[i].dist.method),
		       g[i].dist.check_m,
		       g[i].dist.pos_err_rms, g[i].dist.pos_err_max,
		       g[i].dist.rate_hz, di.len_diff_m, di.final_s, want,
		       d[n - 1], jump * 1e3, at, di.confidence);
		/* 3-8 Hz: the source's distance scaled onto the model is
		 * the base, the projected positions only check it */
		assert_int_equal(g[i].dist.method, ANA_DIST_CHANNEL);
		assert_true(isfinite(g[i].dist.check_m));
		assert_true(e < 0.010);
		if (!(e_line < 0.010))
			fail_msg("%s: last point %+.3f s, lap times %+.3f s",
				 s.driver[i], d[n - 1], want);
		trace_continuous(s.driver[i], d, n, &g[i], &g[best]);
		/* positions that disagree with the distance by > 30 m
		 * (BOT, PER: time-shifted position stream; PIA near the
		 * line) cannot vouch for the trace: low confidence and a
		 * warning; the others are fine */
		double chk = fmax(g[i].dist.check_m, g[best].dist.check_m);
		if (chk > 30) {
			n_doubt++;
			assert_non_null(di.warning);
			assert_true(di.confidence < 0.25);
		} else {
			assert_true(di.confidence > 0.3);
		}
		worst = fmax(worst, e);
		worst_line = fmax(worst_line, e_line);
		worst_jump = fmax(worst_jump, jump);
	}
	printf("F1: worst final error %.3f ms, last point %.3f ms, worst "
	       "jump %.2f ms/m, %zu laps doubtful\n",
	       worst * 1e3, worst_line * 1e3, worst_jump * 1e3, n_doubt);
	assert_int_equal(n_doubt, 3);
	free(d);
	for (size_t i = 0; i < s.n; i++)
		ana_grid_release(&g[i]);
	ana_track_release(&tr);
	set_release(&s);
}

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	struct lapset *s = ctx;
	if ((job->lap.flags & TB_LAP_INCOMPLETE) || s->n >= MAX_LAPS)
		return;
	tb_lap_init(&s->lap[s->n]);
	tb_lap_move(&s->lap[s->n], &job->lap);
	s->n++;
}

static const char *const dr2_runs[] = {
    "noorinbee_199.6s", "noorinbee_202.2s", "noorinbee_202.5s"};

static void load_dr2(const char *dir, const char *name, struct lapset *s)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/dirt-rally-2-dr2_logger/%s"
		 ".derived-264B-packets.bin", dir, name);
	size_t len = 0;
	uint8_t *buf = tbt_read_file(path, &len);
	assert_non_null(buf);
	struct ingest_port *port = NULL;
	assert_int_equal(ingest_port_create(&ingest_proto_codemasters, NULL,
					    on_job, s, &port),
			 TB_OK);
	size_t before = s->n;
	for (size_t i = 0; i + 264 <= len; i += 264) {
		int64_t now = 1700000000000000LL + (int64_t)(i / 264) * 16667;
		struct tb_error err;
		if (ingest_port_datagram(port, buf + i, 264, now, &err) !=
		    TB_OK)
			fail_msg("%s packet %zu: %s", name, i / 264, err.msg);
	}
	ingest_port_flush(port);
	ingest_port_destroy(port);
	free(buf);
	assert_int_equal(s->n, before + 1);
}

static void test_dr2(void **state)
{
	(void)state;
	const char *dir = tbt_data_or_skip("DiRT Rally 2.0 recordings");
	static struct lapset s;
	for (size_t r = 0; r < 3; r++)
		load_dr2(dir, dr2_runs[r], &s);
	struct ana_grid g[3];
	for (size_t i = 0; i < 3; i++) {
		grid_ok(&s.lap[i], NULL, &g[i]);
		assert_int_equal(g[i].dist.method, ANA_DIST_CHANNEL);
	}
	double *d = calloc(g[0].n, sizeof(double));
	assert_non_null(d);
	for (size_t i = 1; i < 3; i++) {
		struct ana_delta_info di;
		size_t n = 0;
		struct tb_error err;
		if (ana_delta(&g[i], &g[0], d, &n, &di, &err) != TB_OK)
			fail_msg("run %zu: %s", i, err.msg);
		double want =
		    (s.lap[i].lap_time_ms - s.lap[0].lap_time_ms) / 1000.0;
		size_t at = 0;
		double jump = max_jump(d, n, 20, &at);
		printf("%s vs %s: len %.2f m vs %.2f m, %.1f Hz, final %+.3f "
		       "(want %+.3f), last point %+.3f, jump %.2f ms at %zu m "
		       "(from 20 m on), conf %.2f, line %.3f s\n",
		       dr2_runs[i], dr2_runs[0], g[i].length_m, g[0].length_m,
		       g[i].dist.rate_hz, di.final_s, want, d[n - 1],
		       jump * 1e3, at, di.confidence, g[i].dist.line_time_s);
		assert_true(fabs(di.final_s - want) < 0.010);
		assert_true(fabs(d[n - 1] - want) < 0.050);
		/* continuous: no step of the trace exceeds the time either
		 * run needs for that metre (plus 5 ms) */
		for (size_t k = 1; k < n; k++) {
			double va = g[i].col[TB_CH_SPEED][k];
			double vb = g[0].col[TB_CH_SPEED][k];
			double v = fmin(va, vb);
			if (!(v > 0.5))
				continue;
			double lim = STEP_M / v + 0.005;
			if (fabs(d[k] - d[k - 1]) > lim)
				fail_msg("run %zu at %zu m: delta steps %.1f ms "
					 "(limit %.1f ms)", i, k,
					 fabs(d[k] - d[k - 1]) * 1e3, lim * 1e3);
		}
		for (size_t k = 0; k < n; k++)
			assert_true(isfinite(d[k]));
	}
	free(d);
	for (size_t i = 0; i < 3; i++)
		ana_grid_release(&g[i]);
	set_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_f1ti),
	    cmocka_unit_test(test_dr2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

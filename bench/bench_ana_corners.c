/* bench_ana_corners.c - corners and per-corner metrics of one 90 s lap
 * (5 km on a 1 m grid, 12 corners, from a track model's curvature), and
 * a 1,000-lap session summary. Budgets (Release): corners + metrics well
 * inside the 2 ms per-lap analysis budget; the session in <= 1 s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"

#define LEN_M		 5000.0
#define N_CORNERS	 12
#define RUNS		 200
#define SESSION_LAPS	 1000
#define LAP_BUDGET_MS	 1.0
#define SESSION_BUDGET_S 1.0

/* Corner k's radius at d (0: straight): 60 m arcs every LEN/12. */
static double radius_at(double d)
{
	double p = fmod(d, LEN_M / N_CORNERS);
	return p > 250 && p < 310 ? 30 + 10 * floor(d / (LEN_M / N_CORNERS))
				  : 0;
}

static void lap_make(struct ana_grid *g, double vscale)
{
	memset(g, 0, sizeof(*g));
	g->step_m = 1;
	g->n = (size_t)LEN_M + 1;
	g->length_m = LEN_M;
	g->lap_time_ms = TB_TIME_UNKNOWN;
	g->t_end_s = NAN;
	static const enum tb_channel ch[] = {
	    TB_CH_SPEED, TB_CH_THROTTLE, TB_CH_BRAKE, TB_CH_STEER, TB_CH_GEAR};
	for (size_t c = 0; c < 5; c++) {
		g->chans |= TB_CHBIT(ch[c]);
		g->col[ch[c]] = calloc(g->n, sizeof(double));
	}
	g->t = calloc(g->n, sizeof(double));
	double *v = g->col[TB_CH_SPEED];
	for (size_t i = 0; i < g->n; i++) {
		double r = radius_at((double)i);
		v[i] = r > 0 ? sqrt(20 * r) * vscale : 80;
	}
	for (size_t i = 0; i + 1 < g->n; i++)
		v[i + 1] = fmin(v[i + 1], sqrt(v[i] * v[i] + 16));
	for (size_t i = g->n - 1; i > 0; i--)
		v[i - 1] = fmin(v[i - 1], sqrt(v[i] * v[i] + 60));
	for (size_t i = 0; i < g->n; i++) {
		double nx = i + 1 < g->n ? v[i + 1] : v[i];
		g->col[TB_CH_THROTTLE][i] = nx >= v[i] ? 1 : 0;
		g->col[TB_CH_BRAKE][i] = nx < v[i] ? 1 : 0;
		double r = radius_at((double)i);
		g->col[TB_CH_STEER][i] = r > 0 ? 20 / r : 0;
		g->col[TB_CH_GEAR][i] = floor(v[i] / 12) + 1;
		if (i > 0)
			g->t[i] = g->t[i - 1] + 2 / (v[i - 1] + v[i]);
	}
}

static void lap_free(struct ana_grid *g)
{
	free(g->t);
	for (int c = 0; c < TB_CH__COUNT; c++)
		free(g->col[c]);
}

int main(void)
{
	struct ana_track tr = {
	    .step_m = 1, .length_m = LEN_M, .n = (size_t)LEN_M};
	tr.curv = calloc(tr.n, sizeof(double));
	for (size_t i = 0; i < tr.n; i++) {
		double r = radius_at((double)i);
		tr.curv[i] = r > 0 ? 1 / r : 0;
	}
	struct ana_grid ref, lap;
	lap_make(&ref, 1);
	lap_make(&lap, 0.98);
	const struct ana_grid *refs[] = {&ref};
	struct ana_corners cs;
	struct tb_error err;
	uint64_t t0 = tb_now_ns();
	for (int r = 0; r < RUNS; r++) {
		if (ana_corners_find(&tr, refs, 1, &cs, &err) != TB_OK) {
			fprintf(stderr, "corners: %s\n", err.msg);
			return 1;
		}
		for (size_t k = 0; k < cs.n; k++) {
			struct ana_corner_metrics m;
			if (ana_corner_metrics(&lap, &cs, k, &m, &err) != TB_OK)
				return 1;
		}
	}
	double lap_ms = (double)(tb_now_ns() - t0) / 1e6 / RUNS;
	printf("corners + metrics: %zu corners, %.3f ms per lap (budget "
	       "%.1f ms)\n",
	       cs.n, lap_ms, LAP_BUDGET_MS);
	/* a session: 1,000 laps of 10 distinct speed scales */
	enum { DISTINCT = 10 };
	struct ana_grid g[DISTINCT];
	struct ana_session_lap *sl = calloc(SESSION_LAPS, sizeof(*sl));
	for (int i = 0; i < DISTINCT; i++)
		lap_make(&g[i], 0.95 + 0.005 * i);
	for (int i = 0; i < SESSION_LAPS; i++)
		sl[i] = (struct ana_session_lap){&g[i % DISTINCT],
						 (uint8_t)(i % 20), true};
	struct ana_session_summary *s = malloc(sizeof(*s));
	t0 = tb_now_ns();
	if (ana_session_summarize(sl, SESSION_LAPS, &cs, s, &err) != TB_OK) {
		fprintf(stderr, "session: %s\n", err.msg);
		return 1;
	}
	double ses_s = (double)(tb_now_ns() - t0) / 1e9;
	printf("session summary: %d laps in %.3f s (budget %.1f s), "
	       "theoretical %.3f s\n",
	       SESSION_LAPS, ses_s, SESSION_BUDGET_S, s->theoretical_s);
	int rc = lap_ms <= LAP_BUDGET_MS && ses_s <= SESSION_BUDGET_S ? 0 : 1;
	free(s);
	free(sl);
	for (int i = 0; i < DISTINCT; i++)
		lap_free(&g[i]);
	lap_free(&ref);
	lap_free(&lap);
	free(tr.curv);
	return rc;
}

/* bench_ana.c - time of the per-lap analysis path: one synthetic 90 s
 * 60 Hz F1-like lap (x/y, speed, pedals, gear, ...) against a reference:
 * lap distance by track-model projection, resampling onto a 1 m grid and
 * the delta trace. Budget: 2 ms per lap (Release). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/analysis.h"

#define BUDGET_MS 2.0
#define RUNS 200
#define DENSE 40000
#define PI 3.14159265358979323846

/* A closed test circuit, densely sampled with its arc length. */
struct circuit {
	double x[DENSE + 1], y[DENSE + 1], s[DENSE + 1];
	double len;
};

static void circuit_make(struct circuit *c)
{
	c->s[0] = 0;
	for (int i = 0; i <= DENSE; i++) {
		double th = 2 * PI * i / DENSE;
		c->x[i] = 900 * cos(th) + 160 * cos(3 * th) + 40 * sin(7 * th);
		c->y[i] = 520 * sin(th) + 110 * sin(2 * th) - 30 * cos(5 * th);
		if (i > 0)
			c->s[i] = c->s[i - 1] + hypot(c->x[i] - c->x[i - 1],
						      c->y[i] - c->y[i - 1]);
	}
	c->len = c->s[DENSE];
}

static void circuit_at(const struct circuit *c, double s, double *x,
		       double *y)
{
	s = fmod(s, c->len);
	s = s < 0 ? s + c->len : s;
	size_t lo = 0, hi = DENSE;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (c->s[mid] <= s)
			lo = mid;
		else
			hi = mid;
	}
	double f = (s - c->s[lo]) / (c->s[hi] - c->s[lo]);
	*x = c->x[lo] + f * (c->x[hi] - c->x[lo]);
	*y = c->y[lo] + f * (c->y[hi] - c->y[lo]);
}

/* One lap at 60 Hz: speed follows a profile of the distance, pace
 * scales it; the lap time is where the distance reaches the length. */
static int lap_make(const struct circuit *c, double pace, double lat,
		    struct tb_lap *lap)
{
	tb_lap_init(lap);
	double s = 0.4, t = 1000.0;
	struct tb_frame f;
	for (int i = 0; s < c->len; i++) {
		double ph = s / c->len * 2 * PI;
		double v = pace * (48 + 22 * sin(ph * 9) * sin(ph * 4 + 0.3));
		double x, y;
		circuit_at(c, s, &x, &y);
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, t);
		tb_frame_set(&f, TB_CH_LAP_DIST, s);
		tb_frame_set(&f, TB_CH_SPEED, v);
		tb_frame_set(&f, TB_CH_POS_X, x + lat * sin(ph * 11));
		tb_frame_set(&f, TB_CH_POS_Y, y + lat * cos(ph * 13));
		tb_frame_set(&f, TB_CH_THROTTLE, 0.5 + 0.5 * sin(ph * 9));
		tb_frame_set(&f, TB_CH_BRAKE, fmax(0, -sin(ph * 9)));
		tb_frame_set(&f, TB_CH_STEER, 0.3 * sin(ph * 7));
		tb_frame_set(&f, TB_CH_GEAR, 2 + (int)(v / 12));
		tb_frame_set(&f, TB_CH_RPM, 9000 + 30 * v);
		for (int w = 0; w < 4; w++) {
			tb_frame_set(&f, TB_CH_TYRE_SURF_FL + w, 90 + w);
			tb_frame_set(&f, TB_CH_TYRE_PRESS_FL + w, 160 + w);
			tb_frame_set(&f, TB_CH_BRAKE_TEMP_FL + w, 400 + v);
		}
		if (tb_lap_push(lap, &f) != TB_OK)
			return -1;
		s += v / 60.0;
		t += 1.0 / 60.0;
	}
	lap->lap_time_ms = (int32_t)lrint((t - 1000.0 - 0.4 / 48.0) * 1000);
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	static struct circuit c;
	circuit_make(&c);
	struct tb_lap ref, lap;
	/* pace so the lap lasts about 90 s */
	double pace = c.len / 90.0 / 48.0;
	if (lap_make(&c, pace, 0.3, &ref) || lap_make(&c, pace * 0.99, 0.6,
						       &lap)) {
		printf("FAIL: lap generation\n");
		return 1;
	}
	const struct tb_lap *both[2] = {&ref, &lap};
	struct ana_track tr;
	struct ana_grid gref, g;
	struct tb_error err;
	if (ana_track_build(both, 2, 1.0, &tr, NULL, &err) != TB_OK ||
	    ana_grid_from_lap(&ref, &tr, 1.0, &gref, &err) != TB_OK) {
		printf("FAIL: %s\n", err.msg);
		return 1;
	}
	double *delta = malloc(gref.n * sizeof(double));
	double ms[RUNS];
	struct ana_delta_info di = {0};
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = tb_now_ns();
		size_t n = 0;
		if (ana_grid_from_lap(&lap, &tr, 1.0, &g, &err) != TB_OK ||
		    ana_delta(&g, &gref, delta, &n, &di, &err) != TB_OK) {
			printf("FAIL: %s\n", err.msg);
			return 1;
		}
		ms[r] = (double)(tb_now_ns() - t0) / 1e6;
		ana_grid_release(&g);
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp_d);
	double med = ms[RUNS / 2];
	printf("lap: %zu samples (%.1f s at 60 Hz), circuit %.0f m, track "
	       "model %zu pts; final delta %+.3f s (laps %+.3f s)\n",
	       lap.n, lap.lap_time_ms / 1000.0, c.len, tr.n, di.final_s,
	       (lap.lap_time_ms - ref.lap_time_ms) / 1000.0);
	printf("distance+resample+delta: median %.3f ms, min %.3f ms, p90 "
	       "%.3f ms per lap (budget %.1f ms): %s\n",
	       med, ms[0], ms[RUNS * 9 / 10], BUDGET_MS,
	       med <= BUDGET_MS ? "PASS" : "FAIL");
	free(delta);
	ana_grid_release(&gref);
	ana_track_release(&tr);
	tb_lap_release(&lap);
	tb_lap_release(&ref);
	return med <= BUDGET_MS ? 0 : 1;
}

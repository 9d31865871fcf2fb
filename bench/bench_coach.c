/* bench_coach.c - the coach's two budgets. Inference: one lap against
 * its reference (delta, features, the regressor with SHAP and every
 * classifier, ratings, advice) with the shipped model, a GT3 lap on the
 * built-in "club" circuit, grids made beforehand: <= 5 ms (Release).
 * Training: the default model's data set and training measured on a
 * fraction (the two built-in circuits with corners, the default 16
 * drivers per class) and extrapolated linearly to the default's circuit
 * count (clearly labelled): <= 10 minutes on 2 cores. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coach/coach.h"
#include "sim/sim.h"

#define INFER_BUDGET_MS 5.0
#define TRAIN_BUDGET_S	600.0
#define RUNS		50
#define DEFAULT_TRACKS                                                         \
	71 /* training circuit versions of `trailbrake train`                  \
	    */
#define DEFAULT_DRIVERS 16

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int lap_grid(const struct ana_track *t, const struct sim_car *car,
		    const struct sim_driver *d, struct ana_grid *g)
{
	struct tb_lap lap;
	struct tb_error err;
	tb_lap_init(&lap);
	int rc = sim_driver_lap(t, car, d, 60, &lap, NULL, &err) == TB_OK &&
			 ana_grid_from_lap(&lap, t, 1.0, g, &err) == TB_OK
		     ? 0
		     : -1;
	if (rc)
		printf("FAIL: %s\n", err.msg);
	tb_lap_release(&lap);
	return rc;
}

static int bench_infer(void)
{
	struct tb_error err;
	struct ana_track t;
	struct sim_car car;
	struct coach_model *m = NULL;
	if (coach_model_load(TB_SHIPPED_MODEL, &m, &err) != TB_OK ||
	    sim_track_builtin("club", &t, &err) != TB_OK ||
	    sim_car_class(TB_CLASS_GT3, &car, &err) != TB_OK) {
		printf("FAIL: %s\n", err.msg);
		coach_model_destroy(m);
		return 1;
	}
	struct sim_driver d0, d1;
	memset(&d0, 0, sizeof(d0));
	d0.skill = 0.97;
	d1 = d0;
	if (sim_mistakes_parse("brake-early:4:20,late-throttle:2:15", &d1,
			       &err) != TB_OK) {
		printf("FAIL: %s\n", err.msg);
		return 1;
	}
	struct ana_grid g0, g1;
	if (lap_grid(&t, &car, &d0, &g0) || lap_grid(&t, &car, &d1, &g1))
		return 1;
	const struct ana_grid *refs[] = {&g0};
	struct ana_corners cs;
	struct coach_lap_result *r = malloc(sizeof(*r));
	static double ms[RUNS];
	int rc = ana_corners_find(&t, refs, 1, &cs, &err) == TB_OK ? 0 : 1;
	for (int i = 0; i < RUNS && rc == 0; i++) {
		uint64_t t0 = tb_now_ns();
		if (coach_lap(m, &g1, &g0, &cs, 0, NAN, r, &err) != TB_OK) {
			printf("FAIL: %s\n", err.msg);
			rc = 1;
		}
		ms[i] = (double)(tb_now_ns() - t0) / 1e6;
	}
	if (rc == 0) {
		qsort(ms, RUNS, sizeof(ms[0]), cmp_d);
		double med = ms[RUNS / 2];
		printf("coach_lap (GT3, club, %zu corners, %zu pieces of "
		       "advice): median %.3f ms, p90 %.3f ms per lap (budget "
		       "%.1f ms): %s\n",
		       r->n, r->n_advice, med, ms[RUNS * 9 / 10],
		       INFER_BUDGET_MS,
		       med <= INFER_BUDGET_MS ? "PASS" : "FAIL");
		rc = med <= INFER_BUDGET_MS ? 0 : 1;
	}
	free(r);
	ana_grid_release(&g0);
	ana_grid_release(&g1);
	ana_track_release(&t);
	coach_model_destroy(m);
	return rc;
}

static int bench_train(void)
{
	struct tb_error err;
	struct ana_track t[2];
	if (sim_track_builtin("oval", &t[0], &err) != TB_OK ||
	    sim_track_builtin("club", &t[1], &err) != TB_OK) {
		printf("FAIL: %s\n", err.msg);
		return 1;
	}
	struct coach_synth s = {.tracks = t,
				.n_tracks = 2,
				.drivers_per_track = DEFAULT_DRIVERS,
				.seed = 1};
	struct coach_dataset d;
	coach_dataset_init(&d);
	struct coach_train_opt o;
	coach_train_opt_default(&o);
	struct coach_model *m = NULL;
	uint64_t t0 = tb_now_ns();
	int rc = coach_synth_build(&s, &d, &err) == TB_OK ? 0 : 1;
	uint64_t t1 = tb_now_ns();
	if (rc == 0)
		rc = coach_train(&d, &o, &m, &err) == TB_OK ? 0 : 1;
	uint64_t t2 = tb_now_ns();
	if (rc) {
		printf("FAIL: %s\n", err.msg);
	} else {
		double ds = (double)(t1 - t0) / 1e9,
		       ts = (double)(t2 - t1) / 1e9;
		double f = (double)DEFAULT_TRACKS / 2.0;
		double est = (ds + ts) * f;
		printf("training on 2 of %d circuits, %d drivers per class: "
		       "data %.2f s, training %.2f s (%zu corners, %d "
		       "threads)\n",
		       DEFAULT_TRACKS, DEFAULT_DRIVERS, ds, ts, d.n, o.nthread);
		printf("default model EXTRAPOLATED linearly (x%.0f circuits): "
		       "%.0f s (budget %.0f s): %s\n",
		       f, est, TRAIN_BUDGET_S,
		       est <= TRAIN_BUDGET_S ? "PASS" : "FAIL");
		rc = est <= TRAIN_BUDGET_S ? 0 : 1;
	}
	coach_model_destroy(m);
	coach_dataset_release(&d);
	ana_track_release(&t[0]);
	ana_track_release(&t[1]);
	return rc;
}

int main(void)
{
	int a = bench_infer();
	int b = bench_train();
	return a || b;
}

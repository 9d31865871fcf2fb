/* bench_sim.c - time of one limit lap: the F1 class on the built-in
 * "club" circuit (about 5.1 km at 1 m resolution): corner limits,
 * forward and backward passes, closure, time. Budget: 5 ms per lap
 * (Release). */
#include <stdio.h>
#include <stdlib.h>

#include "sim/sim.h"

#define BUDGET_MS 5.0
#define RUNS	  100

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	struct tb_error err;
	struct ana_track trk;
	struct sim_car car;
	if (sim_track_builtin("club", &trk, &err) != TB_OK ||
	    sim_car_class(TB_CLASS_F1, &car, &err) != TB_OK) {
		printf("FAIL: %s\n", err.msg);
		return 1;
	}
	static double ms[RUNS];
	double lap = 0;
	for (int r = 0; r < RUNS; r++) {
		struct sim_result res;
		uint64_t t0 = tb_now_ns();
		if (sim_solve(&trk, &car, &res, &err) != TB_OK) {
			printf("FAIL: %s\n", err.msg);
			ana_track_release(&trk);
			return 1;
		}
		ms[r] = (double)(tb_now_ns() - t0) / 1e6;
		lap = res.lap_time_s;
		sim_result_release(&res);
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp_d);
	double med = ms[RUNS / 2];
	printf("limit lap: %s on club, %.0f m, %zu points, lap %.3f s\n",
	       car.name, trk.length_m, trk.n, lap);
	printf("sim_solve: median %.3f ms, min %.3f ms, p90 %.3f ms per lap "
	       "(budget %.1f ms): %s\n",
	       med, ms[0], ms[RUNS * 9 / 10], BUDGET_MS,
	       med <= BUDGET_MS ? "PASS" : "FAIL");
	ana_track_release(&trk);
	return med <= BUDGET_MS ? 0 : 1;
}

/* bench_sim.c - time of one limit lap: the F1 class on the built-in
 * "club" circuit (about 5.1 km at 1 m resolution): corner limits,
 * forward and backward passes, closure, time. Budget: 5 ms per lap
 * (Release). Also reported, without a target: one racing line, the
 * fastest of the line family, and a calibration (the F1 class fitted
 * to a GT3 limit lap sampled at 4 Hz, as real laps come). */
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

static double ms_since(uint64_t t0)
{
	return (double)(tb_now_ns() - t0) / 1e6;
}

static void report_extras(const struct ana_track *trk,
			  const struct sim_car *car)
{
	struct tb_error err;
	struct sim_line l;
	uint64_t t0 = tb_now_ns();
	if (sim_line_racing(trk, NULL, &l, &err) != TB_OK) {
		printf("racing line: %s\n", err.msg);
		return;
	}
	printf("racing line (one length weight): %.1f ms, %d sweeps\n",
	       ms_since(t0), l.sweeps);
	sim_line_release(&l);
	double lap = 0;
	t0 = tb_now_ns();
	if (sim_line_fastest(trk, NULL, car, &l, &lap, &err) != TB_OK) {
		printf("racing line: %s\n", err.msg);
		return;
	}
	printf("fastest racing line (4 lines, 4 solves): %.1f ms, lap %.3f "
	       "s\n",
	       ms_since(t0), lap);
	sim_line_release(&l);
	struct sim_car gt3, fit;
	struct sim_result r;
	struct tb_lap real;
	tb_lap_init(&real);
	if (sim_car_class(TB_CLASS_GT3, &gt3, &err) != TB_OK ||
	    sim_solve(trk, &gt3, &r, &err) != TB_OK)
		return;
	enum tb_status st = sim_result_to_lap(trk, &gt3, &r, 4, &real, &err);
	sim_result_release(&r);
	if (st != TB_OK)
		return;
	const struct tb_lap *laps[1] = {&real};
	struct sim_calib_report rep;
	t0 = tb_now_ns();
	st = sim_calibrate(trk, laps, 1, car, NULL, &fit, &rep, &err);
	double ms = ms_since(t0);
	if (st == TB_OK)
		printf("calibration (F1 class to a 4 Hz GT3 lap): %.0f ms, %d "
		       "solver runs, lap %.3f s for %.3f s, correlation "
		       "%.4f\n",
		       ms, rep.evals, rep.lap_s, rep.real_lap_s, rep.corr);
	else
		printf("calibration: %s\n", err.msg);
	tb_lap_release(&real);
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
	report_extras(&trk, &car);
	ana_track_release(&trk);
	return med <= BUDGET_MS ? 0 : 1;
}

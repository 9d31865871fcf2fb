/* bench_sim_driver.c - synthetic laps for training: 10,000 laps on two
 * threads, each a random track (the built-in circuits, plus a few
 * circuit files when TRAILBRAKE_DATA is set), class, skill in
 * [0.85, 1], 1-3 random mistakes at random corners with random sizes,
 * solved with every mistake's true cost re-simulated
 * (sim_driver_report) and sampled to a tb_lap at 20-60 Hz with sensor
 * noise. Target: <= 60 s (Release, 2 cores). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

#define N_LAPS	   10000
#define N_THREADS  2
#define BUDGET_S   60.0
#define MAX_TRACKS 8
#define TRIES	   10

static const char *const files[] = {"bh-2002", "it-1922", "mc-1929"};

/* Read-only after setup: shared by the threads. */
struct world {
	size_t n_tracks;
	struct ana_track t[MAX_TRACKS];
	const char *name[MAX_TRACKS];
	struct sim_car car[4];
	struct ana_corners cs[MAX_TRACKS][4];
};

struct job {
	const struct world *w;
	uint64_t seed;
	size_t n, made, mistakes, samples;
	double cost_s;
	char fail[TB_ERROR_MSG_MAX + 2 * TB_NAME_MAX + 8];
};

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double uni(uint64_t *s, double lo, double hi)
{
	return lo + (hi - lo) * (double)(rnd(s) >> 11) / 9007199254740992.0;
}

/* A random mistake of a random kind at a random corner of n. */
static struct sim_mistake draw(uint64_t *s, size_t n)
{
	struct sim_mistake m;
	m.kind = (enum sim_mistake_kind)(rnd(s) % 8);
	m.corner = 1 + (int)(rnd(s) % n);
	switch (m.kind) {
	case SIM_SLOW:
		m.size = uni(s, 0.85, 0.98);
		break;
	case SIM_POOR_EXIT:
		m.size = uni(s, 0.4, 0.9);
		break;
	case SIM_STEER_CORR:
		m.size = (double)(1 + rnd(s) % 4);
		break;
	case SIM_NO_TRAIL:
	case SIM_OVER_DRIVE:
		m.size = uni(s, 2, 12);
		break;
	default:
		m.size = uni(s, 5, 40);
		break;
	}
	return m;
}

static int one(struct job *j, struct tb_lap *lap)
{
	const struct world *w = j->w;
	uint64_t *s = &j->seed;
	size_t ti = rnd(s) % w->n_tracks, ci = rnd(s) % 4;
	const struct ana_track *t = &w->t[ti];
	const struct sim_car *car = &w->car[ci];
	const struct ana_corners *cs = &w->cs[ti][ci];
	struct sim_driver d;
	memset(&d, 0, sizeof(d));
	d.skill = uni(s, 0.85, 1.0);
	d.noise = (struct sim_noise){0.05, 0.01, 0.02, rnd(s)};
	double rate = (double)(20 + rnd(s) % 41);
	struct sim_result r;
	struct sim_driver_report rep;
	struct tb_error err;
	enum tb_status st = TB_ERR_ARG;
	for (int k = 0; k < TRIES && st != TB_OK; k++) {
		/* mistakes that do not fit their corner are drawn again */
		d.n_mistakes = cs->n ? 1 + rnd(s) % 3 : 0;
		for (size_t i = 0; i < d.n_mistakes; i++)
			d.m[i] = draw(s, cs->n);
		st = sim_driver_run(t, car, &d, cs, &r, &rep, &err);
	}
	if (st != TB_OK) {
		d.n_mistakes = 0;
		st = sim_driver_run(t, car, &d, cs, &r, &rep, &err);
	}
	if (st == TB_OK)
		st = sim_driver_sample(t, car, &d, cs, &r, &d.noise, rate, lap,
				       &err);
	sim_result_release(&r);
	if (st != TB_OK) {
		snprintf(j->fail, sizeof(j->fail), "%.*s, %.*s: %s",
			 (int)TB_NAME_MAX - 1, w->name[ti],
			 (int)TB_NAME_MAX - 1, car->name, err.msg);
		return -1;
	}
	j->made++;
	j->mistakes += d.n_mistakes;
	j->samples += lap->n;
	for (size_t i = 0; i < rep.n; i++)
		j->cost_s += rep.m[i].cost_s;
	return 0;
}

static void *run(void *arg)
{
	struct job *j = arg;
	struct tb_lap lap;
	tb_lap_init(&lap);
	for (size_t i = 0; i < j->n; i++) {
		if (one(j, &lap) != 0)
			break;
	}
	tb_lap_release(&lap);
	return NULL;
}

static int setup(struct world *w)
{
	struct tb_error err;
	static const char *const builtin[] = {"oval", "club", "ring"};
	for (size_t i = 0; i < 3; i++) {
		if (sim_track_builtin(builtin[i], &w->t[w->n_tracks], &err) !=
		    TB_OK)
			goto fail;
		w->name[w->n_tracks++] = builtin[i];
	}
	const char *data = getenv("TRAILBRAKE_DATA");
	for (size_t i = 0; data && *data && i < 3; i++) {
		char path[1024];
		snprintf(path, sizeof(path),
			 "%s/tracks/bacinger-f1-circuits/csv_local_m/%s.csv",
			 data, files[i]);
		if (sim_track_load_csv(path, NULL, &w->t[w->n_tracks], &err) !=
		    TB_OK)
			continue; /* absent file: the built-ins still run */
		w->name[w->n_tracks++] = files[i];
	}
	static const enum tb_car_class cls[4] = {TB_CLASS_F1, TB_CLASS_LMH,
						 TB_CLASS_GT3, TB_CLASS_RALLY};
	for (size_t c = 0; c < 4; c++) {
		if (sim_car_class(cls[c], &w->car[c], &err) != TB_OK)
			goto fail;
		for (size_t t = 0; t < w->n_tracks; t++) {
			/* a circle has no corners: laps without mistakes */
			if (sim_driver_corners(&w->t[t], &w->car[c],
					       &w->cs[t][c], &err) != TB_OK)
				w->cs[t][c].n = 0;
		}
	}
	return 0;
fail:
	printf("FAIL: setup: %s\n", err.msg);
	return -1;
}

int main(void)
{
	static struct world w;
	int rc = 1;
	if (setup(&w) != 0)
		goto out;
	struct job jobs[N_THREADS];
	pthread_t th[N_THREADS];
	memset(jobs, 0, sizeof(jobs));
	uint64_t t0 = tb_now_ns();
	for (int i = 0; i < N_THREADS; i++) {
		jobs[i].w = &w;
		jobs[i].seed = 1000u + (uint64_t)i;
		jobs[i].n = N_LAPS / N_THREADS;
		if (pthread_create(&th[i], NULL, run, &jobs[i]) != 0) {
			printf("FAIL: pthread_create\n");
			goto out;
		}
	}
	size_t made = 0, mistakes = 0, samples = 0;
	double cost = 0;
	for (int i = 0; i < N_THREADS; i++) {
		pthread_join(th[i], NULL);
		made += jobs[i].made;
		mistakes += jobs[i].mistakes;
		samples += jobs[i].samples;
		cost += jobs[i].cost_s;
	}
	double sec = (double)(tb_now_ns() - t0) / 1e9;
	for (int i = 0; i < N_THREADS; i++) {
		if (jobs[i].fail[0]) {
			printf("FAIL: thread %d: %s\n", i, jobs[i].fail);
			goto out;
		}
	}
	printf("sim driver: %zu synthetic laps (%zu tracks x 4 classes, "
	       "%zu mistakes, mean true cost %.3f s, %.1f M samples) in "
	       "%.1f s on %d threads: %.0f laps/s\n",
	       made, w.n_tracks, mistakes, mistakes ? cost / mistakes : 0.0,
	       samples / 1e6, sec, N_THREADS, made / sec);
	bool ok = made == N_LAPS && sec <= BUDGET_S;
	printf("%s: %d synthetic laps for training in %.1f s (target <= "
	       "%.0f s)\n",
	       ok ? "PASS" : "FAIL", N_LAPS, sec, BUDGET_S);
	rc = ok ? 0 : 1;
out:
	for (size_t t = 0; t < w.n_tracks; t++)
		ana_track_release(&w.t[t]);
	return rc;
}

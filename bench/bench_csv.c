/* bench_csv.c - import throughput of text formats: a large synthesised
 * generic CSV (1.2 M rows, 12 columns, typical 2-4 decimals, 40 laps)
 * and trailbrake's own export of it (%.17g numbers, the slow strtod
 * path) read from /tmp, then the real TracingInsights tel JSON files
 * (TRAILBRAKE_DATA) parsed from memory. Prints MB/s and samples/s;
 * PASS/FAIL on the generic CSV against 50 MB/s (text is slower than the
 * 200 MB/s binary target). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/csv.h"
#include "formats/f1ti.h"

#define TARGET_CSV_MBPS 50.0
#define ROWS		1200000
#define LAPS		40

struct count {
	uint64_t samples, laps;
	struct tb_lap keep[LAPS];
	size_t n_keep;
	struct tb_session_info s;
	struct tb_car_info c;
};

static enum tb_status count_lap(void *ctx, const struct tb_session_info *s,
				const struct tb_car_info *car,
				struct tb_lap *lap,
				const struct fmt_lap_meta *meta)
{
	(void)meta;
	struct count *c = ctx;
	c->samples += lap->n;
	c->laps++;
	if (c->n_keep < LAPS) {
		tb_lap_init(&c->keep[c->n_keep]);
		tb_lap_move(&c->keep[c->n_keep++], lap);
		c->s = *s;
		c->c = *car;
	}
	return TB_OK;
}

static void count_release(struct count *c)
{
	for (size_t i = 0; i < c->n_keep; i++)
		tb_lap_release(&c->keep[i]);
	c->n_keep = 0;
}

static long file_size(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

static int synth(const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	fputs("Time,Speed,Throttle,Brake,Gear,RPM,Lap,LatG,LongG,X,Y,"
	      "LapDist\ns,km/h,%,%,,rpm,,g,g,m,m,m\n",
	      f);
	int per = ROWS / LAPS;
	for (int i = 0; i < ROWS; i++) {
		double t = i / 60.0, ph = (i % per) / (double)per;
		double v = 180 + 120 * sin(ph * 40);
		fprintf(f,
			"%.3f,%.2f,%.1f,%.1f,%d,%.0f,%d,%.3f,%.3f,%.2f,%.2f,"
			"%.2f\n",
			t, v, 50 + 50 * sin(ph * 40), ph < 0.1 ? 80.0 : 0.0,
			1 + (i / 97) % 8, 8000 + v * 20, 1 + i / per,
			sin(ph * 90) * 3, cos(ph * 70) * 2,
			1000 * cos(ph * 6.283), 1000 * sin(ph * 6.283),
			ph * 5400);
	}
	return fclose(f);
}

static double run_csv(const char *path, struct count *c, int reps)
{
	double best = 1e30;
	for (int r = 0; r < reps; r++) {
		count_release(c);
		c->samples = c->laps = 0;
		struct tb_error err;
		uint64_t t0 = tb_now_ns();
		if (fmt_csv_import_opts(path, NULL, count_lap, c, NULL, &err) !=
		    TB_OK) {
			fprintf(stderr, "%s: %s\n", path, err.msg);
			return -1;
		}
		double s = (tb_now_ns() - t0) / 1e9;
		if (s < best)
			best = s;
	}
	return best;
}

static enum tb_status drop_lap(void *ctx, const struct tb_session_info *s,
			       const struct tb_car_info *car,
			       struct tb_lap *lap,
			       const struct fmt_lap_meta *meta)
{
	(void)s;
	(void)car;
	(void)meta;
	*(uint64_t *)ctx += lap->n;
	return TB_OK;
}

static void bench_tel(void)
{
	const char *d = getenv("TRAILBRAKE_DATA");
	char dir[1024];
	snprintf(dir, sizeof(dir),
		 "%s/f1-2026-testing-tracinginsights/"
		 "practice3/PIA",
		 d && *d ? d : "../shared/data");
	DIR *dh = opendir(dir);
	if (!dh) {
		printf("tel.json: %s absent, skipped\n", dir);
		return;
	}
	uint8_t *bufs[64];
	size_t lens[64], n = 0, total = 0;
	struct dirent *e;
	while ((e = readdir(dh)) && n < 64) {
		if (!strstr(e->d_name, "_tel.json"))
			continue;
		char p[2048];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		FILE *f = fopen(p, "rb");
		long sz = file_size(p);
		bufs[n] = malloc((size_t)sz);
		lens[n] = fread(bufs[n], 1, (size_t)sz, f);
		fclose(f);
		total += lens[n++];
	}
	closedir(dh);
	struct tb_lap lap;
	tb_lap_init(&lap);
	uint64_t samples = 0, bytes = 0, t0 = tb_now_ns();
	while (tb_now_ns() - t0 < 2000000000ull) {
		for (size_t i = 0; i < n; i++) {
			struct tb_error err;
			if (fmt_f1ti_parse_tel(bufs[i], lens[i], "b", 1, &lap,
					       NULL, 0, &err) != TB_OK) {
				fprintf(stderr, "%s\n", err.msg);
				return;
			}
			samples += lap.n;
			bytes += lens[i];
		}
	}
	double s = (tb_now_ns() - t0) / 1e9;
	printf("tel.json parse (%zu real files, %.1f MB): %.1f MB/s, "
	       "%.2f M samples/s\n",
	       n, total / 1e6, bytes / 1e6 / s, samples / 1e6 / s);
	uint64_t dsamp = 0;
	struct tb_error err;
	t0 = tb_now_ns();
	if (fmt_f1ti_import_dir(dir, drop_lap, &dsamp, NULL, &err) != TB_OK)
		fprintf(stderr, "%s\n", err.msg);
	s = (tb_now_ns() - t0) / 1e9;
	printf("tel.json folder import (with laptimes/drivers): %.1f MB/s, "
	       "%.2f M samples/s\n",
	       total / 1e6 / s, dsamp / 1e6 / s);
	tb_lap_release(&lap);
	for (size_t i = 0; i < n; i++)
		free(bufs[i]);
}

int main(void)
{
	const char *gen = "/tmp/bench_csv_generic.csv";
	const char *own = "/tmp/bench_csv_own.csv";
	if (synth(gen) != 0) {
		fprintf(stderr, "cannot write %s\n", gen);
		return 1;
	}
	static struct count c;
	double s = run_csv(gen, &c, 3);
	if (s < 0)
		return 1;
	double mb = file_size(gen) / 1e6;
	double mbps = mb / s;
	printf("generic CSV (%.0f MB, %llu rows, 12 columns, %llu laps): "
	       "%.1f MB/s, %.2f M samples/s\n",
	       mb, (unsigned long long)c.samples, (unsigned long long)c.laps,
	       mbps, c.samples / 1e6 / s);

	FILE *f = fopen(own, "wb");
	struct tb_error err;
	if (!f || fmt_csv_write_laps(f, &c.s, &c.c, c.keep, c.n_keep, &err) !=
		      TB_OK) {
		fprintf(stderr, "cannot write %s\n", own);
		return 1;
	}
	fclose(f);
	count_release(&c);
	double so = run_csv(own, &c, 2);
	if (so < 0)
		return 1;
	double mbo = file_size(own) / 1e6;
	printf("trailbrake CSV export, %%.17g (%.0f MB): %.1f MB/s, %.2f M "
	       "samples/s\n",
	       mbo, mbo / so, c.samples / 1e6 / so);
	count_release(&c);
	bench_tel();
	remove(gen);
	remove(own);
	bool pass = mbps >= TARGET_CSV_MBPS;
	printf("%s: generic CSV %.1f MB/s (target >= %.0f MB/s)\n",
	       pass ? "PASS" : "FAIL", mbps, TARGET_CSV_MBPS);
	return pass ? 0 : 1;
}

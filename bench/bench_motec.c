/* bench_motec.c - MoTeC .ld import throughput on a log written by our own
 * writer: one 60 Hz lap of every canonical channel (1000 s), repeated 30
 * times (1.8 M samples, ~290 MB, int16 and float32 channels, 31 beacons).
 * Reports the import (read, validate, resample, lap columns) in MB/s and
 * samples/s, best of three, against a target of 200 MB/s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/motec.h"

#define TARGET_MBS 200.0
#define LAP_N	   60000u
#define N_LAPS	   30u

static enum tb_status count(void *ctx, const struct tb_session_info *s,
			    const struct tb_car_info *car, struct tb_lap *lap,
			    const struct fmt_lap_meta *meta)
{
	(void)s;
	(void)car;
	(void)meta;
	*(uint64_t *)ctx += lap->n;
	return TB_OK;
}

static int make_lap(struct tb_lap *lap)
{
	tb_lap_init(lap);
	lap->lap_number = 1;
	lap->lap_time_ms = LAP_N * 1000 / 60;
	for (size_t i = 0; i < LAP_N; i++) {
		struct tb_frame f;
		tb_frame_clear(&f);
		for (int ch = 0; ch < TB_CH__COUNT; ch++)
			tb_frame_set(&f, ch, sin(0.001 * i + ch) * 50.0);
		tb_frame_set(&f, TB_CH_TIME, i / 60.0);
		tb_frame_set(&f, TB_CH_LAP_TIME, i / 60.0);
		tb_frame_set(&f, TB_CH_SPEED, (double)(i % 330) / 3.6);
		tb_frame_set(&f, TB_CH_THROTTLE, (i % 101) / 100.0);
		tb_frame_set(&f, TB_CH_GEAR, (double)(i / 300 % 8));
		tb_frame_set(&f, TB_CH_DRS, (double)(i / 500 % 2));
		tb_frame_set(&f, TB_CH_SECTOR, (double)(i * 3 / LAP_N));
		tb_frame_set(&f, TB_CH_ERS_MODE, 1);
		if (tb_lap_push(lap, &f) != TB_OK)
			return -1;
	}
	return 0;
}

int main(void)
{
	const char *path = "/tmp/bench_motec.ld";
	struct tb_lap lap;
	static struct tb_lap laps[N_LAPS];
	struct tb_error err;
	if (make_lap(&lap) != 0)
		return 1;
	for (size_t i = 0; i < N_LAPS; i++) {
		laps[i] = lap; /* shallow: the same columns, never freed */
		laps[i].lap_number = (uint32_t)i + 1;
	}
	struct tb_session_info s;
	memset(&s, 0, sizeof(s));
	snprintf(s.track, sizeof(s.track), "Bench Park");
	if (fmt_motec_write(path, &s, NULL, laps, N_LAPS, &err) != TB_OK) {
		fprintf(stderr, "write: %s\n", err.msg);
		return 1;
	}
	tb_lap_release(&lap);
	struct stat st;
	if (stat(path, &st) != 0)
		return 1;
	double mb = st.st_size / 1e6, best = 1e30;
	uint64_t samples = 0;
	for (int r = 0; r < 3; r++) {
		samples = 0;
		uint64_t t0 = tb_now_ns();
		if (fmt_importer_motec_ld.import(path, count, &samples, NULL,
						 &err) != TB_OK) {
			fprintf(stderr, "import: %s\n", err.msg);
			return 1;
		}
		double s_el = (tb_now_ns() - t0) / 1e9;
		if (s_el < best)
			best = s_el;
	}
	double mbs = mb / best;
	printf("motec-ld import: %.1f MB, %llu samples x %d channels in "
	       "%.3f s: %.0f MB/s, %.2f M samples/s (target %.0f MB/s): %s\n",
	       mb, (unsigned long long)samples, TB_CH__COUNT, best, mbs,
	       samples / best / 1e6, TARGET_MBS,
	       mbs >= TARGET_MBS ? "PASS" : "FAIL");
	remove(path);
	remove("/tmp/bench_motec.ldx");
	return mbs >= TARGET_MBS ? 0 : 1;
}

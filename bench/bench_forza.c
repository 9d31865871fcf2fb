/* bench_forza.c - Forza "Data Out" throughput on a realistic stream: the
 * generator's single-car 3-lap session (60 Hz, about 195 s of driving)
 * encoded in each of the four layouts. Prints decode packets/s and MB/s
 * per layout, then the whole protocol (decode, canonical frame, lap
 * assembly, lap hand-over) for the Dash-family layouts. PASS/FAIL is
 * judged on decoding the FM2023 layout against 2,000,000 packets/s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/forza.h"

#include "bench_util.h"

#define TARGET_PPS 2000000.0
#define MAX_PACKETS 20000 /* about 330 s at 60 Hz */

/* Decode the whole stream once. */
static int decode_pass(const void *ctx, uint64_t *acc)
{
	static struct forza_packet out;
	const struct bench_slots *s = ctx;
	for (size_t i = 0; i < s->n; i++) {
		if (forza_decode(bench_slot(s, i), s->len, &out, NULL) != TB_OK)
			return -1;
		*acc += out.timestamp_ms + out.lap_number;
	}
	return 0;
}

/* Decode the whole stream until at least min_ns elapsed. */
static double run_decode(const struct bench_slots *s, uint64_t min_ns,
			 double *mbps, uint64_t *sink)
{
	return bench_time(decode_pass, s, min_ns, s->n, s->n * s->len, mbps,
			  sink);
}

int main(void)
{
	static struct bench_slots s = {.cap = MAX_PACKETS};
	static const char variants[] = {'s', 'd', 'h', 'm'};
	uint64_t sink = 0, laps = 0;
	double pps_m = 0;
	s.data = malloc((size_t)MAX_PACKETS * TB_DATAGRAM_MAX);
	if (!s.data)
		return 1;
	printf("bench_forza: generated 1-car 3-lap session at 60 Hz per "
	       "layout\n");
	for (size_t i = 0; i < sizeof(variants); i++) {
		double mbps = 0, pmbps = 0;
		if (bench_slots_build(&s, &ingest_proto_forza, variants[i])) {
			fprintf(stderr, "encode failed\n");
			free(s.data);
			return 1;
		}
		run_decode(&s, 100000000ull, &mbps, &sink); /* warm up */
		double pps = run_decode(&s, 1000000000ull, &mbps, &sink);
		double ppps = bench_run_proto(&ingest_proto_forza, &s,
					      1000000000ull, &pmbps, &laps);
		if (pps < 0 || ppps < 0) {
			fprintf(stderr, "decode failed\n");
			free(s.data);
			return 1;
		}
		printf("  %-10s %zu B x %zu: decode %.0f packets/s, %.0f MB/s;"
		       " protocol %.0f packets/s, %.0f MB/s\n",
		       forza_layout_name((enum forza_layout)i), s.len, s.n,
		       pps, mbps, ppps, pmbps);
		if (variants[i] == 'm')
			pps_m = pps;
	}
	printf("target: >= %.0f packets/s (FM2023 decode): %s (%.2fx)  "
	       "[sink %llu, laps %llu]\n",
	       TARGET_PPS, pps_m >= TARGET_PPS ? "PASS" : "FAIL",
	       pps_m / TARGET_PPS, (unsigned long long)(sink & 0xff),
	       (unsigned long long)laps);
	free(s.data);
	return pps_m >= TARGET_PPS ? 0 : 1;
}

/* bench_gt7.c - GT7 Simulator Interface throughput on a realistic stream:
 * the generator's single-car 3-lap session (60 Hz, about 195 s of
 * driving) encrypted in each variant ('A' 296 B, 'B' 316 B, '~' 344 B).
 * Prints per variant the Salsa20 decryption alone, the full decode
 * (decrypt + fields) and the whole protocol (decode, canonical frame,
 * derived distance, lap assembly, hand-over) in packets/s and MB/s, and
 * the time per 296-byte packet. PASS/FAIL is judged on decoding 'A'
 * against 500,000 packets/s (30,000 consoles' worth at 60 Hz). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/gt7.h"

#include "bench_util.h"

#define TARGET_PPS  500000.0
#define MAX_PACKETS 20000 /* about 330 s at 60 Hz */

enum mode { DECRYPT, DECODE };

/* Decrypt the whole stream once. */
static int decrypt_pass(const void *ctx, uint64_t *acc)
{
	static uint8_t plain[GT7_SIZE_MAX];
	const struct bench_slots *s = ctx;
	for (size_t i = 0; i < s->n; i++) {
		if (gt7_decrypt(bench_slot(s, i), s->len, plain, NULL, NULL) !=
		    TB_OK)
			return -1;
		*acc += plain[0x70];
	}
	return 0;
}

/* Decode the whole stream once. */
static int decode_pass(const void *ctx, uint64_t *acc)
{
	static struct gt7_packet out;
	const struct bench_slots *s = ctx;
	for (size_t i = 0; i < s->n; i++) {
		if (gt7_decode(bench_slot(s, i), s->len, &out, NULL) != TB_OK)
			return -1;
		*acc += (uint64_t)out.tick + (uint64_t)out.lap;
	}
	return 0;
}

/* Decrypt or decode the whole stream until at least min_ns elapsed. */
static double run(const struct bench_slots *s, enum mode m, uint64_t min_ns,
		  double *mbps, uint64_t *sink)
{
	return bench_time(m == DECRYPT ? decrypt_pass : decode_pass, s, min_ns,
			  s->n, s->n * s->len, mbps, sink);
}

int main(void)
{
	static struct bench_slots s = {.cap = MAX_PACKETS};
	static const char variants[] = {'A', 'B', '~'};
	uint64_t sink = 0, laps = 0;
	double pps_a = 0;
	s.data = malloc((size_t)MAX_PACKETS * TB_DATAGRAM_MAX);
	if (!s.data)
		return 1;
	printf("bench_gt7: generated 1-car 3-lap session at 60 Hz per "
	       "variant, Salsa20/20 encrypted\n");
	for (size_t i = 0; i < sizeof(variants); i++) {
		double m1 = 0, m2 = 0, m3 = 0;
		if (bench_slots_build(&s, &ingest_proto_gt7, variants[i])) {
			fprintf(stderr, "encode failed\n");
			free(s.data);
			return 1;
		}
		run(&s, DECODE, 100000000ull, &m2, &sink); /* warm up */
		double p1 = run(&s, DECRYPT, 1000000000ull, &m1, &sink);
		double p2 = run(&s, DECODE, 1000000000ull, &m2, &sink);
		double p3 = bench_run_proto(&ingest_proto_gt7, &s,
					    1000000000ull, &m3, &laps);
		if (p1 < 0 || p2 < 0 || p3 < 0) {
			fprintf(stderr, "decode failed\n");
			free(s.data);
			return 1;
		}
		printf("  '%c' %zu B x %zu: decrypt %.0f packets/s %.0f MB/s "
		       "(%.0f ns/packet); decode %.0f packets/s %.0f MB/s; "
		       "protocol %.0f packets/s %.0f MB/s\n",
		       variants[i], s.len, s.n, p1, m1, 1e9 / p1, p2, m2, p3,
		       m3);
		if (variants[i] == 'A')
			pps_a = p2;
	}
	printf("target: >= %.0f packets/s ('A' decode): %s (%.2fx)  "
	       "[sink %llu, laps %llu]\n",
	       TARGET_PPS, pps_a >= TARGET_PPS ? "PASS" : "FAIL",
	       pps_a / TARGET_PPS, (unsigned long long)(sink & 0xff),
	       (unsigned long long)laps);
	free(s.data);
	return pps_a >= TARGET_PPS ? 0 : 1;
}

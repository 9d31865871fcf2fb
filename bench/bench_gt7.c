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

#define TARGET_PPS  500000.0
#define MAX_PACKETS 20000 /* about 330 s at 60 Hz */

struct stream {
	uint8_t *data;
	size_t len; /* every datagram of a stream has the same length */
	size_t n;
};

static int build(struct stream *s, char variant)
{
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 1;
	cfg.n_laps = 3;
	struct gen *g = NULL;
	if (gen_create(&cfg, &g, NULL) != TB_OK)
		return -1;
	struct gen_frame f;
	s->n = 0;
	while (s->n < MAX_PACKETS && gen_next_frame(g, &f) == TB_OK) {
		size_t len = 0;
		if (ingest_proto_gt7.gen_encode(
			&f, 0, variant, s->data + s->n * TB_DATAGRAM_MAX,
			TB_DATAGRAM_MAX, &len) != TB_OK) {
			gen_destroy(g);
			return -1;
		}
		s->len = len;
		s->n++;
	}
	gen_destroy(g);
	return 0;
}

static const uint8_t *pkt(const struct stream *s, size_t i)
{
	return s->data + i * TB_DATAGRAM_MAX;
}

enum mode { DECRYPT, DECODE };

/* Decrypt or decode the whole stream until at least min_ns elapsed. */
static double run(const struct stream *s, enum mode m, uint64_t min_ns,
		  double *mbps, uint64_t *sink)
{
	static struct gt7_packet out;
	static uint8_t plain[GT7_SIZE_MAX];
	uint64_t packets = 0, acc = 0;
	uint64_t t0 = tb_now_ns(), t1;
	do {
		for (size_t i = 0; i < s->n; i++) {
			enum tb_status st;
			if (m == DECRYPT) {
				st = gt7_decrypt(pkt(s, i), s->len, plain, NULL,
						 NULL);
				acc += plain[0x70];
			} else {
				st = gt7_decode(pkt(s, i), s->len, &out, NULL);
				acc += (uint64_t)out.tick + (uint64_t)out.lap;
			}
			if (st != TB_OK)
				return -1;
		}
		packets += s->n;
		t1 = tb_now_ns();
	} while (t1 - t0 < min_ns);
	double sec = (double)(t1 - t0) / 1e9;
	*mbps = (double)(packets * s->len) / sec / 1e6;
	*sink += acc;
	return (double)packets / sec;
}

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	uint64_t *laps = ctx;
	*laps += job->lap.n > 0;
}

/* The stream through the protocol instance, a fresh session per pass. */
static double run_proto(const struct stream *s, uint64_t min_ns, double *mbps,
			uint64_t *laps)
{
	void *inst = NULL;
	if (ingest_proto_gt7.create(NULL, on_job, laps, &inst) != TB_OK)
		return -1;
	uint64_t packets = 0;
	int64_t now = 0;
	uint64_t t0 = tb_now_ns(), t1;
	do {
		now += 120000000; /* 2 min of silence: a new session */
		for (size_t i = 0; i < s->n; i++) {
			now += 16667;
			if (ingest_proto_gt7.datagram(inst, pkt(s, i), s->len,
						      now, NULL) != TB_OK) {
				ingest_proto_gt7.destroy(inst);
				return -1;
			}
		}
		ingest_proto_gt7.flush(inst);
		packets += s->n;
		t1 = tb_now_ns();
	} while (t1 - t0 < min_ns);
	ingest_proto_gt7.destroy(inst);
	double sec = (double)(t1 - t0) / 1e9;
	*mbps = (double)(packets * s->len) / sec / 1e6;
	return (double)packets / sec;
}

int main(void)
{
	static struct stream s;
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
		if (build(&s, variants[i]) != 0) {
			fprintf(stderr, "encode failed\n");
			free(s.data);
			return 1;
		}
		run(&s, DECODE, 100000000ull, &m2, &sink); /* warm up */
		double p1 = run(&s, DECRYPT, 1000000000ull, &m1, &sink);
		double p2 = run(&s, DECODE, 1000000000ull, &m2, &sink);
		double p3 = run_proto(&s, 1000000000ull, &m3, &laps);
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

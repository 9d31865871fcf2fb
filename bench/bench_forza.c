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

#define TARGET_PPS 2000000.0
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
		if (ingest_proto_forza.gen_encode(
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

/* Decode the whole stream until at least min_ns elapsed. */
static double run_decode(const struct stream *s, uint64_t min_ns,
			 double *mbps, uint64_t *sink)
{
	static struct forza_packet out;
	uint64_t packets = 0, acc = 0;
	uint64_t t0 = tb_now_ns(), t1;
	do {
		for (size_t i = 0; i < s->n; i++) {
			if (forza_decode(pkt(s, i), s->len, &out, NULL) !=
			    TB_OK)
				return -1;
			acc += out.timestamp_ms + out.lap_number;
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
static double run_proto(const struct stream *s, uint64_t min_ns,
			double *mbps, uint64_t *laps)
{
	void *inst = NULL;
	if (ingest_proto_forza.create(NULL, on_job, laps, &inst) != TB_OK)
		return -1;
	uint64_t packets = 0;
	int64_t now = 0;
	uint64_t t0 = tb_now_ns(), t1;
	do {
		now += 120000000; /* 2 min of silence: a new session */
		for (size_t i = 0; i < s->n; i++) {
			now += 16667;
			if (ingest_proto_forza.datagram(inst, pkt(s, i), s->len,
							now, NULL) != TB_OK) {
				ingest_proto_forza.destroy(inst);
				return -1;
			}
		}
		ingest_proto_forza.flush(inst);
		packets += s->n;
		t1 = tb_now_ns();
	} while (t1 - t0 < min_ns);
	ingest_proto_forza.destroy(inst);
	double sec = (double)(t1 - t0) / 1e9;
	*mbps = (double)(packets * s->len) / sec / 1e6;
	return (double)packets / sec;
}

int main(void)
{
	static struct stream s;
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
		if (build(&s, variants[i]) != 0) {
			fprintf(stderr, "encode failed\n");
			free(s.data);
			return 1;
		}
		run_decode(&s, 100000000ull, &mbps, &sink); /* warm up */
		double pps = run_decode(&s, 1000000000ull, &mbps, &sink);
		double ppps = run_proto(&s, 1000000000ull, &pmbps, &laps);
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

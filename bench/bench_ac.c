/* bench_ac.c - Assetto Corsa Remote Telemetry throughput on a realistic
 * stream: the generator's 1 car, 3 laps at 60 Hz as RTCarInfo datagrams
 * (plus the handshake response in front). Measures ac_decode alone and
 * the whole protocol path (decode, canonical frame, lap assembly) for at
 * least one second each, in packets/s and MB/s, against a target of
 * 1,000,000 packets/s for decode (AC sends at most a few hundred a
 * second). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ac.h"

#include "bench_util.h"

#define TARGET_PPS  1000000.0
#define MAX_PACKETS 40000

struct stream {
	uint8_t *data;
	size_t off[MAX_PACKETS + 1];
	size_t n;
};

static int add(struct stream *s, const struct ac_packet *p)
{
	size_t len = 0;
	if (s->n >= MAX_PACKETS)
		return -1;
	if (ac_encode(p, s->data + s->off[s->n], TB_DATAGRAM_MAX, &len) !=
	    TB_OK)
		return -1;
	s->off[s->n + 1] = s->off[s->n] + len;
	s->n++;
	return 0;
}

static int build(struct stream *s)
{
	static struct ac_packet p;
	struct gen *g = bench_gen_create(3);
	if (!g)
		return -1;
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_RESPONSE;
	snprintf(p.u.response.car, sizeof(p.u.response.car), "ks_bmw_z4_gt3");
	snprintf(p.u.response.driver, sizeof(p.u.response.driver), "Bench");
	snprintf(p.u.response.track, sizeof(p.u.response.track), "monza");
	p.u.response.identifier = 4242;
	p.u.response.version = 1;
	int rc = add(s, &p);
	struct gen_frame f;
	while (rc == 0 && gen_next_frame(g, &f) == TB_OK) {
		memset(&p, 0, sizeof(p));
		p.kind = AC_KIND_CAR_INFO;
		if (ac_gen_car_info(&f, 0, &p.u.car) != TB_OK)
			rc = -1;
		else
			rc = add(s, &p);
	}
	gen_destroy(g);
	return rc;
}

/* Decode the whole stream once. */
static int decode_pass(const void *ctx, uint64_t *acc)
{
	static struct ac_packet out;
	const struct stream *s = ctx;
	for (size_t i = 0; i < s->n; i++) {
		size_t len = s->off[i + 1] - s->off[i];
		if (ac_decode(s->data + s->off[i], len, &out, NULL) != TB_OK)
			return -1;
		*acc += (uint64_t)out.u.car.lap_time_ms;
	}
	return 0;
}

static double run_decode(const struct stream *s, uint64_t min_ns, double *mbps,
			 uint64_t *sink)
{
	return bench_time(decode_pass, s, min_ns, s->n, s->off[s->n], mbps,
			  sink);
}

static void count_lap(void *ctx, struct ingest_lap_job *job)
{
	uint64_t *laps = ctx;
	*laps += job->lap.n;
}

/* The protocol path once: a fresh passive instance, arrival times 1/60 s
 * apart; the samples of the laps handed over are added to *acc. */
static int proto_pass(const void *ctx, uint64_t *acc)
{
	const struct ingest_proto *pr = &ingest_proto_ac;
	const struct stream *s = ctx;
	void *inst;
	if (pr->create(NULL, count_lap, acc, &inst) != TB_OK)
		return -1;
	int64_t now = 1700000000000000LL;
	for (size_t i = 0; i < s->n; i++) {
		size_t len = s->off[i + 1] - s->off[i];
		if (pr->datagram(inst, s->data + s->off[i], len, now, NULL) !=
		    TB_OK)
			return -1;
		now += 16667;
	}
	pr->flush(inst);
	pr->destroy(inst);
	return 0;
}

static double run_proto(const struct stream *s, uint64_t min_ns, double *mbps,
			uint64_t *sink)
{
	return bench_time(proto_pass, s, min_ns, s->n, s->off[s->n], mbps,
			  sink);
}

int main(void)
{
	static struct stream s;
	uint64_t sink = 0;
	double mbps = 0;
	s.data = malloc((size_t)MAX_PACKETS * AC_RESPONSE_SIZE);
	if (!s.data)
		return 1;
	if (build(&s) != 0) {
		fprintf(stderr, "encode failed\n");
		free(s.data);
		return 1;
	}
	printf("bench_ac: 1 car, 3 laps, 60 Hz RTCarInfo (%zu packets, "
	       "%zu bytes)\n",
	       s.n, s.off[s.n]);
	run_decode(&s, 100000000ull, &mbps, &sink); /* warm up */
	double pps = run_decode(&s, 1000000000ull, &mbps, &sink);
	if (pps < 0) {
		fprintf(stderr, "decode failed\n");
		free(s.data);
		return 1;
	}
	printf("  ac_decode: %.0f packets/s, %.0f MB/s\n", pps, mbps);
	double ppp = run_proto(&s, 1000000000ull, &mbps, &sink);
	if (ppp < 0) {
		fprintf(stderr, "protocol path failed\n");
		free(s.data);
		return 1;
	}
	printf("  protocol (decode + frame + laps): %.0f packets/s, "
	       "%.0f MB/s\n",
	       ppp, mbps);
	printf("target: >= %.0f packets/s decode: %s (%.2fx)  [sink %llu]\n",
	       TARGET_PPS, pps >= TARGET_PPS ? "PASS" : "FAIL",
	       pps / TARGET_PPS, (unsigned long long)(sink & 0xff));
	free(s.data);
	return pps >= TARGET_PPS ? 0 : 1;
}

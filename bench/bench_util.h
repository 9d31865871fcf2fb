/* bench_util.h - what the protocol benchmarks share: timing a pass over a
 * stream of datagrams, repeated until a minimum time has elapsed; the
 * generator's 1-car session; that session encoded by a protocol's
 * gen_encode into fixed-size slots; and the whole protocol path over
 * such a stream. Header-only (static inline), for benchmark programs. */
#ifndef TB_BENCH_UTIL_H
#define TB_BENCH_UTIL_H

#include <stdint.h>
#include <stdlib.h>

#include "ingest/proto.h"

/* One pass over a stream: 0 on success, -1 on failure. Adds what it
 * read to *acc, so that the compiler cannot drop the work. */
typedef int (*bench_pass_fn)(const void *ctx, uint64_t *acc);

/* Run pass(ctx) until at least min_ns elapsed; each pass handles packets
 * datagrams of bytes bytes in all. Returns packets/s, stores MB/s in
 * *mbps and adds the passes' sum to *sink (if not NULL); returns -1 as
 * soon as a pass fails. */
static inline double bench_time(bench_pass_fn pass, const void *ctx,
				uint64_t min_ns, size_t packets, size_t bytes,
				double *mbps, uint64_t *sink)
{
	uint64_t n = 0, acc = 0;
	uint64_t t0 = tb_now_ns(), t1;
	do {
		if (pass(ctx, &acc) != 0)
			return -1;
		n++;
		t1 = tb_now_ns();
	} while (t1 - t0 < min_ns);
	double sec = (double)(t1 - t0) / 1e9;
	*mbps = (double)(n * bytes) / sec / 1e6;
	if (sink)
		*sink += acc;
	return (double)(n * packets) / sec;
}

/* The generator's default session for one car driving n_laps laps, or
 * NULL on failure. The caller destroys it with gen_destroy. */
static inline struct gen *bench_gen_create(unsigned n_laps)
{
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 1;
	cfg.n_laps = n_laps;
	struct gen *g = NULL;
	if (gen_create(&cfg, &g, NULL) != TB_OK)
		return NULL;
	return g;
}

/* Datagrams of one length, each in its own TB_DATAGRAM_MAX slot of data
 * (room for cap slots, allocated and freed by the caller). */
struct bench_slots {
	uint8_t *data;
	size_t cap;
	size_t len; /* every datagram of a stream has the same length */
	size_t n;
};

static inline const uint8_t *bench_slot(const struct bench_slots *s,
					size_t i)
{
	return s->data + i * TB_DATAGRAM_MAX;
}

/* Fill s with the generator's 1-car 3-lap session, car 0 encoded by
 * pr->gen_encode in variant, at most s->cap datagrams. 0 or -1. */
static inline int bench_slots_build(struct bench_slots *s,
				    const struct ingest_proto *pr,
				    char variant)
{
	struct gen *g = bench_gen_create(3);
	if (!g)
		return -1;
	struct gen_frame f;
	s->n = 0;
	while (s->n < s->cap && gen_next_frame(g, &f) == TB_OK) {
		size_t len = 0;
		if (pr->gen_encode(&f, 0, variant,
				   s->data + s->n * TB_DATAGRAM_MAX,
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

/* An ingest_lap_fn counting the laps with samples in *(uint64_t *)ctx. */
static inline void bench_count_lap(void *ctx, struct ingest_lap_job *job)
{
	uint64_t *laps = ctx;
	*laps += job->lap.n > 0;
}

struct bench_proto_pass {
	const struct ingest_proto *pr;
	const struct bench_slots *s;
	void *inst;
	int64_t *now;
};

/* One pass of bench_run_proto: a new session after 2 min of silence,
 * the datagrams 1/60 s apart, then a flush. */
static inline int bench_proto_pass(const void *ctx, uint64_t *acc)
{
	const struct bench_proto_pass *p = ctx;
	(void)acc;
	*p->now += 120000000; /* 2 min of silence: a new session */
	for (size_t i = 0; i < p->s->n; i++) {
		*p->now += 16667;
		if (p->pr->datagram(p->inst, bench_slot(p->s, i), p->s->len,
				    *p->now, NULL) != TB_OK)
			return -1;
	}
	p->pr->flush(p->inst);
	return 0;
}

/* The stream through one instance of pr, a fresh session per pass, until
 * at least min_ns elapsed; laps with samples are counted in *laps.
 * Returns packets/s (MB/s in *mbps) or -1. */
static inline double bench_run_proto(const struct ingest_proto *pr,
				     const struct bench_slots *s,
				     uint64_t min_ns, double *mbps,
				     uint64_t *laps)
{
	int64_t now = 0;
	struct bench_proto_pass p = {pr, s, NULL, &now};
	if (pr->create(NULL, bench_count_lap, laps, &p.inst) != TB_OK)
		return -1;
	double pps = bench_time(bench_proto_pass, &p, min_ns, s->n,
				s->n * s->len, mbps, NULL);
	pr->destroy(p.inst);
	return pps;
}

#endif /* TB_BENCH_UTIL_H */

/* bench_codemasters.c - decode throughput of the rally protocols on a
 * realistic stream: the generator's 1-car, 3-lap session encoded as
 * Codemasters extradata 264-byte packets and as EA SPORTS WRC default
 * structure packets. Each stream is decoded repeatedly for at least one
 * second (decoder alone, then the whole protocol: frames and runs) and
 * packets/s and MB/s are printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/codemasters.h"
#include "ingest/ea_wrc.h"

#include "bench_util.h"

struct stream {
	uint8_t *data;
	size_t *off;
	size_t n, cap;
};

static int build(struct stream *s, const struct ingest_proto *pr)
{
	struct gen *g = bench_gen_create(3);
	if (!g)
		return -1;
	s->cap = 60 * 600;
	s->data = malloc(s->cap * 264);
	s->off = malloc((s->cap + 1) * sizeof(size_t));
	if (!s->data || !s->off)
		return -1;
	s->n = 0;
	s->off[0] = 0;
	struct gen_frame fr;
	while (s->n < s->cap && gen_next_frame(g, &fr) == TB_OK) {
		size_t len = 0;
		if (pr->gen_encode(&fr, 0, 0, s->data + s->off[s->n], 264,
				   &len) != TB_OK)
			return -1;
		s->off[s->n + 1] = s->off[s->n] + len;
		s->n++;
	}
	gen_destroy(g);
	return 0;
}

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	(*(size_t *)ctx)++;
	(void)job;
}

static int decode_all(const struct stream *s, const struct ingest_proto *pr,
		      const struct wrc_schema *sch)
{
	static struct cm_packet cp;
	static struct wrc_packet wp;
	for (size_t i = 0; i < s->n; i++) {
		const uint8_t *b = s->data + s->off[i];
		size_t len = s->off[i + 1] - s->off[i];
		enum tb_status st = pr == &ingest_proto_codemasters
					? cm_decode(b, len, &cp, NULL)
					: wrc_decode(sch, b, len, &wp, NULL);
		if (st != TB_OK)
			return -1;
	}
	return 0;
}

static int feed_all(const struct stream *s, const struct ingest_proto *pr,
		    size_t *laps)
{
	void *inst = NULL;
	if (pr->create(NULL, on_job, laps, &inst) != TB_OK)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if (pr->datagram(inst, s->data + s->off[i],
				 s->off[i + 1] - s->off[i], (int64_t)i * 16667,
				 NULL) != TB_OK)
			return -1;
	pr->flush(inst);
	pr->destroy(inst);
	return 0;
}

static int run(const struct ingest_proto *pr)
{
	struct stream s;
	struct wrc_schema sch;
	wrc_schema_default(&sch);
	if (build(&s, pr))
		return -1;
	for (int mode = 0; mode < 2; mode++) {
		uint64_t t0 = tb_now_ns(), t1;
		size_t rounds = 0, laps = 0;
		do {
			int rc = mode == 0 ? decode_all(&s, pr, &sch)
					   : feed_all(&s, pr, &laps);
			if (rc)
				return -1;
			rounds++;
			t1 = tb_now_ns();
		} while (t1 - t0 < 1000000000ull);
		double secs = (double)(t1 - t0) / 1e9;
		double pps = (double)(rounds * s.n) / secs;
		double mbs = (double)(rounds * s.off[s.n]) / secs / 1e6;
		printf("%-12s %-8s %zu packets x %zu: %.0f packets/s, "
		       "%.1f MB/s\n",
		       pr->name, mode == 0 ? "decode" : "protocol", s.n, rounds,
		       pps, mbs);
	}
	free(s.data);
	free(s.off);
	return 0;
}

int main(void)
{
	if (run(&ingest_proto_codemasters) || run(&ingest_proto_ea_wrc)) {
		fprintf(stderr, "bench_codemasters: failed\n");
		return 1;
	}
	return 0;
}

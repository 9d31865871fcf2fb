/* tb_ingest_test.h - helpers shared by the tests of the UDP protocols: a
 * seedable xorshift64* generator, a sink that keeps every lap job handed
 * over, a generated stream fed through an auto-detecting ingest_port,
 * and loading F1 captures.
 * Header-only (static inline), for test programs; includes tb_test.h. */
#ifndef TB_INGEST_TEST_H
#define TB_INGEST_TEST_H

#include "tb_test.h"

#include <math.h>

#include "ingest/f1.h"
#include "ingest/gen.h"
#include "ingest/proto.h"

/* ------------------------------------------------------------------ */
/* Random numbers: xorshift64*, so fixed seeds give reproducible runs.
 * The state is the caller's; it must not be 0. */

static inline uint64_t tbt_rng_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1Dull;
}

/* A float uniform in [lo, hi), from the top 53 bits of the next number. */
static inline float tbt_rng_float(uint64_t *state, double lo, double hi)
{
	return (float)(lo + (hi - lo) * (double)(tbt_rng_next(state) >> 11) *
			       0x1p-53);
}

/* A number below n (n > 0; the modulo bias does not matter here). */
static inline uint32_t tbt_rng_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)(tbt_rng_next(state) % n);
}

/* A float k / 64 for a whole k in [-1e6, 1e6]: exact in float32, so it
 * comes back unchanged from an encode / decode round trip. */
static inline float tbt_rng_grid(uint64_t *state)
{
	return (float)((int32_t)tbt_rng_below(state, 2000001) - 1000000) /
	       64.0f;
}

/* ------------------------------------------------------------------ */
/* A sink for ingest_lap_fn: keeps the first TBT_MAX_JOBS jobs (a test
 * failure past that), their laps moved in and owned by the sink. Start
 * from a zeroed sink; tbt_sink_release frees the laps and empties it. */

#define TBT_MAX_JOBS 64

struct tbt_sink {
	size_t n;
	struct ingest_lap_job jobs[TBT_MAX_JOBS];
};

/* An ingest_lap_fn; ctx is a struct tbt_sink. */
static inline void tbt_on_job(void *ctx, struct ingest_lap_job *job)
{
	struct tbt_sink *s = ctx;
	assert_true(s->n < TBT_MAX_JOBS);
	struct ingest_lap_job *j = &s->jobs[s->n++];
	j->session = job->session;
	j->car = job->car;
	tb_lap_init(&j->lap);
	tb_lap_move(&j->lap, &job->lap);
}

static inline void tbt_sink_release(struct tbt_sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		tb_lap_release(&s->jobs[i].lap);
	s->n = 0;
}

/* ------------------------------------------------------------------ */
/* Generated streams. */

/* Arrival time (wall clock, us) of a generated stream's session time 0. */
#define TBT_GEN_T0_US 1700000000000000ll

/* A generator of one car driving n_laps laps, the rest as by default.
 * The caller destroys it with gen_destroy. */
static inline struct gen *tbt_gen_create(unsigned n_laps)
{
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 1;
	cfg.n_laps = n_laps;
	struct gen *g = NULL;
	assert_int_equal(gen_create(&cfg, &g, NULL), TB_OK);
	return g;
}

/* Feed every frame left in g to port, car 0 encoded by enc->gen_encode
 * in variant, arriving at TBT_GEN_T0_US plus the frame's session time;
 * every encode and every datagram must succeed. Returns the datagrams
 * fed. */
static inline size_t tbt_feed_gen(struct ingest_port *port, struct gen *g,
				  const struct ingest_proto *enc, char variant)
{
	struct gen_frame fr;
	uint8_t buf[TB_DATAGRAM_MAX];
	size_t n_frames = 0;
	while (gen_next_frame(g, &fr) == TB_OK) {
		size_t n = 0;
		assert_int_equal(enc->gen_encode(&fr, 0, variant, buf,
						 sizeof(buf), &n),
				 TB_OK);
		struct tb_error err;
		int64_t now = TBT_GEN_T0_US + (int64_t)llrint(fr.t_s * 1e6);
		if (ingest_port_datagram(port, buf, n, now, &err) != TB_OK)
			fail_msg("%s frame %u: %s", enc->name,
				 (unsigned)fr.frame_id, err.msg);
		n_frames++;
	}
	return n_frames;
}

/* What a generated stream through a port gave. */
struct tbt_gen_run {
	struct tbt_sink s;	/* the laps handed over */
	struct ingest_stats st; /* the port's final counters */
	size_t n_frames;	/* datagrams fed */
};

/* tbt_feed_gen through a new auto-detecting port, which must find enc
 * and accept every datagram; then flush the port, take its counters and
 * destroy it. r is cleared first; release r->s with tbt_sink_release. */
static inline void tbt_gen_run(struct gen *g, const struct ingest_proto *enc,
			       char variant, struct tbt_gen_run *r)
{
	memset(r, 0, sizeof(*r));
	struct ingest_port *port = NULL;
	assert_int_equal(ingest_port_create(NULL, NULL, tbt_on_job, &r->s,
					    &port),
			 TB_OK);
	r->n_frames = tbt_feed_gen(port, g, enc, variant);
	assert_ptr_equal(ingest_port_proto(port), enc);
	ingest_port_flush(port);
	ingest_port_stats(port, &r->st);
	ingest_port_destroy(port);
	assert_int_equal(r->st.accepted, r->n_frames);
}

/* ------------------------------------------------------------------ */
/* F1 captures, one datagram per file. */

/* Fail the test, naming a, unless a is within eps of b. */
#define assert_float_near(a, b, eps)                                           \
	do {                                                                   \
		double a_ = (a), b_ = (b);                                     \
		if (fabs(a_ - b_) > (eps))                                     \
			fail_msg("%s = %.6f, expected %.6f", #a, a_, b_);      \
	} while (0)

/* Decode the file dir/name into *p and, if len_out is not NULL, store
 * its size there; fails the test if it cannot be read or decoded. */
static inline void tbt_f1_load(const char *dir, const char *name,
			       struct f1_packet *p, size_t *len_out)
{
	char path[1400];
	size_t len = 0;
	int k = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (k < 0 || (size_t)k >= sizeof(path))
		fail_msg("path too long: %s/%s", dir, name);
	uint8_t *buf = tbt_read_file(path, &len);
	if (!buf)
		fail_msg("cannot read %s", path);
	struct tb_error err = {0};
	enum tb_status st = f1_decode(buf, len, p, &err);
	if (st != TB_OK)
		fail_msg("%s: %s (%s)", name, tb_status_name(st), err.msg);
	free(buf);
	if (len_out)
		*len_out = len;
}

#endif /* TB_INGEST_TEST_H */

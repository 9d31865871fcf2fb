/* test_ana_trackio.c - a track model as bytes: encode/decode round trip
 * bit for bit, every truncation and every damaged byte refused with
 * TB_ERR_CORRUPT (nothing half-decoded), out-of-range contents refused
 * even under a valid checksum, and the encoder's own refusals. */
#include "tb_test.h"

#include <math.h>

#include "analysis/analysis.h"

#define N_POINTS 400u

/* A circle of radius 100 m, as ana_track_build would lay it out. */
static void circle(struct ana_track *t)
{
	memset(t, 0, sizeof(*t));
	t->n = N_POINTS;
	t->length_m = 2 * 3.14159265358979323846 * 100.0;
	t->step_m = t->length_m / N_POINTS;
	t->x = malloc(N_POINTS * sizeof(double));
	t->y = malloc(N_POINTS * sizeof(double));
	t->curv = malloc(N_POINTS * sizeof(double));
	assert_true(t->x && t->y && t->curv);
	for (size_t i = 0; i < N_POINTS; i++) {
		double a = (double)i / N_POINTS * 2 * 3.14159265358979323846;
		t->x[i] = 100 * cos(a);
		t->y[i] = 100 * sin(a);
		t->curv[i] = 0.01;
	}
}

static void circle_free(struct ana_track *t)
{
	free(t->x);
	free(t->y);
	free(t->curv);
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* Re-seal a modified encoding with a valid checksum. */
static void reseal(uint8_t *p, size_t len)
{
	tb_st_u32le(p + len - 4, fnv1a(p, len - 4));
}

static void encode_ok(const struct ana_track *t, struct tb_buf *b)
{
	struct tb_error err;
	tb_buf_init(b, 1u << 24);
	if (ana_track_encode(t, b, &err) != TB_OK)
		fail_msg("encode: %s", err.msg);
}

static void expect_corrupt(const uint8_t *p, size_t len, const char *what,
			   size_t at)
{
	struct ana_track d;
	struct tb_error err;
	enum tb_status st = ana_track_decode(p, len, &d, &err);
	if (st != TB_ERR_CORRUPT)
		fail_msg("%s at %zu: %s, want corrupt", what, at,
			 tb_status_name(st));
	assert_null(d.x);
	assert_int_equal(d.n, 0);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct ana_track t, d;
	struct tb_error err;
	circle(&t);
	struct tb_buf b;
	encode_ok(&t, &b);
	assert_int_equal(b.len, 32 + 24 * N_POINTS + 4);
	assert_memory_equal(b.data, "TBTM", 4);
	if (ana_track_decode(b.data, b.len, &d, &err) != TB_OK)
		fail_msg("decode: %s", err.msg);
	assert_int_equal(d.n, t.n);
	assert_memory_equal(&d.step_m, &t.step_m, sizeof(double));
	assert_memory_equal(&d.length_m, &t.length_m, sizeof(double));
	assert_memory_equal(d.x, t.x, N_POINTS * sizeof(double));
	assert_memory_equal(d.y, t.y, N_POINTS * sizeof(double));
	assert_memory_equal(d.curv, t.curv, N_POINTS * sizeof(double));
	/* the decoded model works: a point 2 m off the path at a quarter */
	double e, s = ana_track_project(&d, 0, 102, NAN, 0, 0, &e);
	assert_true(fabs(s - t.length_m / 4) < 0.5);
	assert_true(fabs(e - 2) < 0.01);
	/* encode appends: a second copy after the first */
	assert_int_equal(ana_track_encode(&d, &b, &err), TB_OK);
	assert_int_equal(b.len, 2 * (32 + 24 * N_POINTS + 4));
	assert_memory_equal(b.data, b.data + b.len / 2, b.len / 2);
	ana_track_release(&d);
	tb_buf_release(&b);
	circle_free(&t);
}

static void test_truncated(void **state)
{
	(void)state;
	struct ana_track t;
	circle(&t);
	struct tb_buf b;
	encode_ok(&t, &b);
	for (size_t len = 0; len < b.len; len++)
		expect_corrupt(b.data, len, "truncated", len);
	/* one byte too many */
	assert_int_equal(tb_buf_append_u8(&b, 0), TB_OK);
	expect_corrupt(b.data, b.len, "trailing byte", b.len);
	tb_buf_release(&b);
	circle_free(&t);
}

static void test_damaged(void **state)
{
	(void)state;
	struct ana_track t;
	circle(&t);
	struct tb_buf b;
	encode_ok(&t, &b);
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x5a;
		expect_corrupt(b.data, b.len, "byte damaged", i);
		b.data[i] ^= 0x5a;
	}
	struct ana_track d;
	assert_int_equal(ana_track_decode(b.data, b.len, &d, NULL), TB_OK);
	ana_track_release(&d);
	tb_buf_release(&b);
	circle_free(&t);
}

/* Wrong contents under a valid checksum: each case patched and
 * re-sealed. */
static void test_out_of_range(void **state)
{
	(void)state;
	struct ana_track t;
	circle(&t);
	struct tb_buf b;
	encode_ok(&t, &b);
	const size_t len = b.len;
	uint8_t *copy = malloc(len);
	assert_non_null(copy);
	struct {
		const char *what;
		size_t off;
		int kind; /* 0: u32, 1: f64 */
		double v;
	} cases[] = {
	    {"format 2", 4, 0, 2},
	    {"format 0", 4, 0, 0},
	    {"points 399", 8, 0, N_POINTS - 1},
	    {"points 15", 8, 0, 15},
	    {"reserved", 12, 0, 1},
	    {"step 0", 16, 1, 0},
	    {"step -1", 16, 1, -1},
	    {"step NaN", 16, 1, NAN},
	    {"length inf", 24, 1, INFINITY},
	    {"length off", 24, 1, 1000},
	    {"x NaN", 32, 1, NAN},
	    {"y inf", 32 + 24 * 7 + 8, 1, -INFINITY},
	    {"curv NaN", 32 + 24 * (N_POINTS - 1) + 16, 1, NAN},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		memcpy(copy, b.data, len);
		if (cases[k].kind == 0)
			tb_st_u32le(copy + cases[k].off,
				    (uint32_t)cases[k].v);
		else
			tb_st_f64le(copy + cases[k].off, cases[k].v);
		reseal(copy, len);
		expect_corrupt(copy, len, cases[k].what, cases[k].off);
	}
	free(copy);
	tb_buf_release(&b);
	circle_free(&t);
}

static void test_encode_refusals(void **state)
{
	(void)state;
	struct ana_track t;
	struct tb_error err;
	circle(&t);
	struct tb_buf b;
	tb_buf_init(&b, 100); /* too small for 400 points */
	assert_int_equal(ana_track_encode(&t, &b, &err), TB_ERR_LIMIT);
	assert_int_equal(b.len, 0);
	tb_buf_release(&b);
	tb_buf_init(&b, 1u << 20);
	t.x[3] = NAN;
	assert_int_equal(ana_track_encode(&t, &b, &err), TB_ERR_ARG);
	t.x[3] = 0;
	t.n = 3;
	assert_int_equal(ana_track_encode(&t, &b, &err), TB_ERR_ARG);
	t.n = N_POINTS;
	assert_int_equal(ana_track_encode(NULL, &b, &err), TB_ERR_ARG);
	assert_int_equal(ana_track_encode(&t, NULL, &err), TB_ERR_ARG);
	assert_int_equal(b.len, 0);
	struct ana_track d;
	assert_int_equal(ana_track_decode(NULL, 10, &d, &err), TB_ERR_ARG);
	assert_int_equal(ana_track_decode(b.data, 0, NULL, &err), TB_ERR_ARG);
	tb_buf_release(&b);
	circle_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_encode_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

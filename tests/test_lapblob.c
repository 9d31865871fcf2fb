/* test_lapblob.c - the lap blob codec: bit-for-bit round trips over
 * generated laps (every encoding path, mixed masks, channels appearing
 * mid-lap, special values), allocation failures during encode and
 * decode, corrupt input of every kind, and the size target. */
#define ZSTD_STATIC_LINKING_ONLY
#include "tb_test.h"

#include <float.h>
#include <math.h>
#include <zstd.h>

#include "lapgen.h"
#include "store/lapblob.h"

/* Encode, decode into a fresh lap, and require bitwise equality. */
static void roundtrip(const struct tb_lap *lap, struct lapblob_stats *stats)
{
	struct tb_buf blob;
	struct tb_error err;
	tb_buf_init(&blob, TB_BLOB_MAX_BYTES);
	enum tb_status st = lapblob_encode(lap, &blob, stats, &err);
	if (st != TB_OK)
		fail_msg("encode: %s: %s", tb_status_name(st), err.msg);
	struct tb_lap back;
	tb_lap_init(&back);
	back.car_index = lap->car_index;
	back.lap_number = lap->lap_number;
	back.lap_time_ms = lap->lap_time_ms;
	memcpy(back.sector_ms, lap->sector_ms, sizeof(back.sector_ms));
	back.flags = lap->flags;
	st = lapblob_decode(blob.data, blob.len, &back, &err);
	if (st != TB_OK)
		fail_msg("decode: %s: %s", tb_status_name(st), err.msg);
	assert_int_equal(back.n, lap->n);
	assert_true(back.chans == lap->chans);
	assert_true(tb_lap_equal(&back, lap));
	size_t n;
	tb_chmask chans;
	assert_int_equal(lapblob_peek(blob.data, blob.len, &n, &chans, &err),
			 TB_OK);
	assert_int_equal(n, lap->n);
	tb_lap_release(&back);
	tb_buf_release(&blob);
}

static void push(struct tb_lap *lap, const struct tb_frame *f)
{
	assert_int_equal(tb_lap_push(lap, f), TB_OK);
}

static double from_bits(uint64_t u)
{
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

/* One channel per encoding path, checked against what the encoder
 * reports choosing. */
static void test_paths(void **state)
{
	(void)state;
	struct tb_lap lap;
	tb_lap_init(&lap);
	uint64_t s = 7;
	struct tb_frame f;
	for (int i = 0; i < 500; i++) {
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_GEAR, (i / 50) % 9 - 1);
		tb_frame_set(&f, TB_CH_SPEED, (double)(100 + i % 200) / 3.6);
		tb_frame_set(&f, TB_CH_LAP_DIST, (double)(i * 37) / 100.0);
		tb_frame_set(&f, TB_CH_THROTTLE, lg_f32(lg_unit(&s)));
		tb_frame_set(&f, TB_CH_TYRE_PRESS_FL,
			     (double)(float)(20 + lg_unit(&s)) *
				 TB_KPA_PER_PSI);
		tb_frame_set(&f, TB_CH_G_LAT, lg_noise(&s));
		tb_frame_set(&f, TB_CH_YAW,
			     (double)(i % 360) *
				 (3.14159265358979323846 / 180.0));
		/* Integers but for one -0.0: not an integer channel. */
		tb_frame_set(&f, TB_CH_RPM, i == 250 ? -0.0 : 9000.0 + i);
		/* Specials: NaN payloads, infinities, denormals, -0.0. */
		static const uint64_t special[] = {
		    0x7ff8000000000001ull, 0x7ff0000000000123ull,
		    0xfff8dead0000beefull, 0x7ff0000000000000ull,
		    0xfff0000000000000ull, 0x0000000000000001ull,
		    0x800fffffffffffffull, 0x8000000000000000ull,
		    0x3ff0000000000000ull};
		tb_frame_set(&f, TB_CH_ROLL, from_bits(special[i % 9]));
		/* float32 specials: quiet NaN, inf, denormal, -0. */
		static const float fs[] = {FLT_MIN / 4, -0.0f, INFINITY,
					   FLT_MAX, -FLT_TRUE_MIN};
		tb_frame_set(&f, TB_CH_PITCH, (double)fs[i % 5]);
		/* Integer valued but past 2^53: float64. */
		tb_frame_set(&f, TB_CH_FUEL, 1e17 + 64.0 * i);
		push(&lap, &f);
	}
	struct lapblob_stats st;
	roundtrip(&lap, &st);
	assert_int_equal(st.method[TB_CH_GEAR], LAPBLOB_INT);
	assert_int_equal(st.scale[TB_CH_GEAR], LAPBLOB_SC_NONE);
	assert_int_equal(st.method[TB_CH_SPEED], LAPBLOB_INT);
	assert_int_equal(st.scale[TB_CH_SPEED], LAPBLOB_SC_DIV_3_6);
	assert_int_equal(st.method[TB_CH_LAP_DIST], LAPBLOB_INT);
	assert_int_equal(st.scale[TB_CH_LAP_DIST], LAPBLOB_SC_DIV_100);
	assert_int_equal(st.method[TB_CH_YAW], LAPBLOB_INT);
	assert_int_equal(st.scale[TB_CH_YAW], LAPBLOB_SC_MUL_DEG_RAD);
	assert_int_equal(st.method[TB_CH_THROTTLE], LAPBLOB_F32);
	assert_int_equal(st.scale[TB_CH_THROTTLE], LAPBLOB_SC_NONE);
	assert_int_equal(st.method[TB_CH_TYRE_PRESS_FL], LAPBLOB_F32);
	assert_int_equal(st.scale[TB_CH_TYRE_PRESS_FL], LAPBLOB_SC_MUL_KPA_PSI);
	assert_int_equal(st.method[TB_CH_G_LAT], LAPBLOB_F64);
	assert_int_equal(st.method[TB_CH_RPM], LAPBLOB_F32);
	assert_int_equal(st.method[TB_CH_ROLL], LAPBLOB_F64);
	assert_int_equal(st.method[TB_CH_PITCH], LAPBLOB_F32);
	assert_int_equal(st.method[TB_CH_FUEL], LAPBLOB_F64); /* > 2^53 */
	tb_lap_release(&lap);
}

/* Random laps: random channel sets, masks that are uniform, in runs,
 * sparse or growing (channels appearing mid-lap), random value kinds. */
static double random_value(uint64_t *s, int kind, size_t i, double *acc)
{
	switch (kind) {
	case 0:
		return (double)(int64_t)(lg_next(s) % 7) - 3;
	case 1:
		*acc += (double)(int)(lg_next(s) % 5) - 2;
		return *acc / 3.6;
	case 2:
		*acc += lg_noise(s);
		return lg_f32(*acc);
	case 3:
		return (double)(float)(lg_unit(s) * 30) * TB_KPA_PER_PSI;
	case 4:
		return lg_noise(s) * 1e6;
	case 5:
		return from_bits(lg_next(s)); /* any bits at all */
	case 6:
		return (double)i * 1e-3;
	default:
		return i % 2 ? -0.0 : 0.0;
	}
}

static void random_lap(struct tb_lap *lap, uint64_t *s)
{
	size_t n =
	    lg_next(s) % 4 == 0 ? lg_next(s) % 5 : (size_t)(lg_next(s) % 3000);
	tb_chmask pool = lg_next(s) & ((TB_CHBIT(TB_CH__COUNT - 1) << 1) - 1);
	int kind[TB_CH__COUNT];
	double acc[TB_CH__COUNT] = {0};
	size_t start[TB_CH__COUNT];
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		kind[ch] = (int)(lg_next(s) % 8);
		start[ch] = n ? (size_t)(lg_next(s) % n) : 0;
		if (lg_next(s) % 2)
			start[ch] = 0;
	}
	int mode = (int)(lg_next(s) % 4);
	struct tb_frame f;
	for (size_t i = 0; i < n; i++) {
		tb_frame_clear(&f);
		for (int ch = 0; ch < TB_CH__COUNT; ch++) {
			if (!(pool & TB_CHBIT(ch)))
				continue;
			if (mode == 1 && i < start[ch])
				continue; /* appears mid-lap */
			if (mode == 2 && lg_next(s) % 3 == 0)
				continue; /* sparse */
			if (mode == 3 && (i / 100) % 2 && ch % 2)
				continue; /* runs */
			tb_frame_set(&f, (enum tb_channel)ch,
				     random_value(s, kind[ch], i, &acc[ch]));
		}
		push(lap, &f);
	}
}

static void test_random_roundtrips(void **state)
{
	(void)state;
	uint64_t s = 0x5eed;
	for (int k = 0; k < 300; k++) {
		struct tb_lap lap;
		tb_lap_init(&lap);
		random_lap(&lap, &s);
		roundtrip(&lap, NULL);
		tb_lap_release(&lap);
	}
}

/* A value stored in an absent sample (not the 0 convention) forces the
 * dense form and still comes back. */
static void test_dense_and_edges(void **state)
{
	(void)state;
	struct tb_lap lap;
	tb_lap_init(&lap);
	roundtrip(&lap, NULL); /* empty */

	struct tb_frame f;
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_SPEED, NAN);
	push(&lap, &f);
	roundtrip(&lap, NULL); /* one sample */

	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_TIME, 1.5);
	for (int i = 0; i < 20; i++)
		push(&lap, &f);
	lap.col[TB_CH_SPEED][5] = 2.25; /* absent, yet not zero */
	lap.col[TB_CH_TIME][0] = -0.0;	/* absent and -0.0 */
	struct lapblob_stats st;
	roundtrip(&lap, &st);
	assert_true(st.dense[TB_CH_SPEED]);
	assert_true(st.dense[TB_CH_TIME]);

	tb_lap_clear_samples(&lap); /* no samples, channels kept */
	roundtrip(&lap, NULL);

	lap.n = 3;
	lap.mask[1] |= TB_CHBIT(TB_CH_RPM); /* outside chans */
	struct tb_buf blob;
	struct tb_error err;
	tb_buf_init(&blob, TB_BLOB_MAX_BYTES);
	assert_int_equal(lapblob_encode(&lap, &blob, NULL, &err), TB_ERR_ARG);
	assert_int_equal(blob.len, 0);
	tb_buf_release(&blob);
	tb_lap_release(&lap);
}

/* Every allocation failing in turn: a clean TB_ERR_NOMEM, no leak, and a
 * decode target left as it was. */
static void test_alloc_failures(void **state)
{
	(void)state;
	struct tb_lap lap;
	tb_lap_init(&lap);
	assert_int_equal(lg_realistic_lap(&lap, 5.0, 3), TB_OK);
	struct tb_buf blob;
	struct tb_error err;
	tb_buf_init(&blob, TB_BLOB_MAX_BYTES);
	enum tb_status st = TB_ERR_NOMEM;
	long k;
	for (k = 1; k < 1000 && st != TB_OK; k++) {
		tb_fault_fail_alloc_after(k);
		st = lapblob_encode(&lap, &blob, NULL, &err);
		tb_fault_fail_alloc_after(0);
		if (st != TB_OK) {
			assert_int_equal(st, TB_ERR_NOMEM);
			assert_int_equal(blob.len, 0);
			tb_buf_release(&blob);
		}
	}
	assert_int_equal(st, TB_OK);
	assert_true(k > 3); /* the failures did reach the encoder */

	struct tb_lap prev, out;
	tb_lap_init(&prev);
	tb_lap_init(&out);
	assert_int_equal(lg_realistic_lap(&prev, 0.5, 9), TB_OK);
	st = TB_ERR_NOMEM;
	for (k = 1; k < 1000 && st != TB_OK; k++) {
		assert_int_equal(tb_lap_copy(&out, &prev), TB_OK);
		tb_fault_fail_alloc_after(k);
		st = lapblob_decode(blob.data, blob.len, &out, &err);
		tb_fault_fail_alloc_after(0);
		if (st != TB_OK) {
			assert_int_equal(st, TB_ERR_NOMEM);
			assert_true(tb_lap_equal(&out, &prev));
		}
	}
	assert_int_equal(st, TB_OK);
	assert_true(k > 3);
	out.lap_time_ms = lap.lap_time_ms;
	assert_true(tb_lap_equal(&out, &lap));
	tb_lap_release(&out);
	tb_lap_release(&prev);
	tb_buf_release(&blob);
	tb_lap_release(&lap);
}

static enum tb_status try_decode(const uint8_t *p, size_t len,
				 struct tb_error *err)
{
	struct tb_lap out;
	tb_lap_init(&out);
	enum tb_status st = lapblob_decode(p, len, &out, err);
	tb_lap_release(&out);
	return st;
}

static void expect_corrupt(const uint8_t *p, size_t len, const char *what)
{
	struct tb_error err;
	err.msg[0] = 0;
	enum tb_status st = try_decode(p, len, &err);
	if (st != TB_ERR_CORRUPT)
		fail_msg("%s: %s, expected TB_ERR_CORRUPT", what,
			 tb_status_name(st));
	assert_true(strncmp(err.msg, "lap blob: ", 10) == 0);
}

static void small_blob(struct tb_buf *blob)
{
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_frame f;
	for (int i = 0; i < 40; i++) {
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, lg_f32(i / 60.0));
		tb_frame_set(&f, TB_CH_GEAR, 3 + i / 20);
		if (i > 10)
			tb_frame_set(&f, TB_CH_SPEED, (200.0 + i) / 3.6);
		tb_frame_set(&f, TB_CH_G_LAT, 0.1 * i + 1e-17);
		push(&lap, &f);
	}
	tb_buf_init(blob, TB_BLOB_MAX_BYTES);
	struct tb_error err;
	assert_int_equal(lapblob_encode(&lap, blob, NULL, &err), TB_OK);
	tb_lap_release(&lap);
}

static void test_corrupt_truncations_and_flips(void **state)
{
	(void)state;
	struct tb_buf blob;
	small_blob(&blob);
	char what[64];
	for (size_t len = 0; len < blob.len; len++) {
		snprintf(what, sizeof(what), "truncated to %zu", len);
		expect_corrupt(blob.data, len, what);
	}
	uint8_t *copy = malloc(blob.len);
	assert_non_null(copy);
	static const uint8_t flips[] = {0x01, 0x10, 0x80, 0xff};
	for (size_t i = 0; i < blob.len; i++) {
		for (size_t j = 0; j < sizeof(flips); j++) {
			memcpy(copy, blob.data, blob.len);
			copy[i] ^= flips[j];
			snprintf(what, sizeof(what), "byte %zu ^ 0x%02x", i,
				 flips[j]);
			expect_corrupt(copy, blob.len, what);
		}
	}
	free(copy);
	tb_buf_release(&blob);
}

static void test_corrupt_random(void **state)
{
	(void)state;
	struct tb_buf blob;
	small_blob(&blob);
	uint64_t s = 99;
	uint8_t buf[512];
	for (int k = 0; k < 20000; k++) {
		size_t len = (size_t)(lg_next(&s) % sizeof(buf));
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)lg_next(&s);
		/* Half keep a valid header so the body parser is reached. */
		if (k % 2 && len >= LAPBLOB_HEADER_BYTES)
			memcpy(buf, blob.data, LAPBLOB_HEADER_BYTES);
		expect_corrupt(buf, len, "random bytes");
	}
	tb_buf_release(&blob);
}

/* The blob CRC (IEEE), so crafted blobs get past it to the checks
 * behind it. */
static void set_crc(uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	tb_st_u32le(p + 24, 0);
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
	}
	tb_st_u32le(p + 24, crc ^ 0xffffffffu);
}

/* A blob around a hand-made body, compressed properly, so the checks
 * behind zstd's checksum get exercised. */
static size_t craft(uint8_t *out, size_t cap, uint32_t n, uint64_t chans,
		    const uint8_t *body, size_t body_len)
{
	memcpy(out, "TBLB", 4);
	out[4] = LAPBLOB_VERSION;
	out[5] = out[6] = out[7] = 0;
	tb_st_u32le(out + 8, n);
	tb_st_u64le(out + 12, chans);
	tb_st_u32le(out + 20, (uint32_t)body_len);
	tb_st_u32le(out + 24, 0);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	size_t r = ZSTD_compress2(cc, out + LAPBLOB_HEADER_BYTES,
				  cap - LAPBLOB_HEADER_BYTES, body, body_len);
	ZSTD_freeCCtx(cc);
	assert_false(ZSTD_isError(r));
	size_t len = LAPBLOB_HEADER_BYTES + r;
	set_crc(out, len);
	return len;
}

struct crafted {
	const char *what;
	uint32_t n;
	uint64_t chans;
	uint8_t body[32];
	size_t body_len;
};

static void test_corrupt_crafted(void **state)
{
	(void)state;
	const uint64_t spd = TB_CHBIT(TB_CH_SPEED); /* 16: varint 0x10 */
	const struct crafted cases[] = {
	    {"valid: 2 int samples",
	     2,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_SPEED, 0, 0, 2, 2, 2},
	     10},
	    {"n disagrees",
	     3,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_SPEED, 0, 0, 2, 2, 2},
	     10},
	    {"varint overflow",
	     2,
	     spd,
	     {0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02},
	     11},
	    {"mask outside chans", 2, spd, {2, 0x10, 0, 0x11}, 4},
	    {"bad mask mode", 2, spd, {2, 0x10, 7, 0x10}, 4},
	    {"mask runs short", 2, spd, {2, 0x10, 1, 2, 0x10, 1, 0, 0}, 8},
	    {"mask runs long", 2, spd, {2, 0x10, 1, 2, 0x10, 1, 0, 5}, 8},
	    {"wrong channel id",
	     2,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_TIME, 0, 0, 2, 2, 2},
	     10},
	    {"bad encoding",
	     2,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_SPEED, 3, 0, 2, 2, 2},
	     10},
	    {"bad scale",
	     2,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_SPEED, 0, 200, 2, 2, 2},
	     10},
	    {"payload past end",
	     2,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_SPEED, 0, 0, 9, 2, 2},
	     10},
	    {"payload short",
	     2,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_SPEED, 0, 0, 1, 2},
	     9},
	    {"payload long",
	     2,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_SPEED, 0, 0, 3, 2, 2, 2},
	     11},
	    {"f32 payload odd",
	     2,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_SPEED, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0},
	     15},
	    {"trailing bytes",
	     2,
	     spd,
	     {2, 0x10, 0, 0x10, TB_CH_SPEED, 0, 0, 2, 2, 2, 0},
	     11},
	    {"too many samples", TB_LAP_MAX_SAMPLES + 1, spd, {0}, 1},
	    {"unknown channel", 0, (uint64_t)1 << 63, {0}, 1},
	};
	uint8_t blob[256];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct crafted *c = &cases[i];
		size_t len = craft(blob, sizeof(blob), c->n, c->chans, c->body,
				   c->body_len);
		if (i == 0) {
			struct tb_lap out;
			struct tb_error err;
			tb_lap_init(&out);
			assert_int_equal(lapblob_decode(blob, len, &out, &err),
					 TB_OK);
			assert_int_equal(out.n, 2);
			assert_true(out.col[TB_CH_SPEED][1] == 2.0);
			tb_lap_release(&out);
			continue;
		}
		expect_corrupt(blob, len, c->what);
	}
	/* A body size over the cap, and a bad magic / version. */
	size_t len = craft(blob, sizeof(blob), 2, spd, cases[0].body, 10);
	tb_st_u32le(blob + 20, TB_BLOB_MAX_BYTES + 1);
	set_crc(blob, len);
	expect_corrupt(blob, len, "body over cap");
	len = craft(blob, sizeof(blob), 2, spd, cases[0].body, 10);
	blob[4] = LAPBLOB_VERSION + 1;
	set_crc(blob, len);
	expect_corrupt(blob, len, "newer version");
	blob[4] = LAPBLOB_VERSION;
	blob[0] = 'X';
	set_crc(blob, len);
	expect_corrupt(blob, len, "magic");
	/* A zstd frame header bit zstd itself ignores: the CRC sees it. */
	len = craft(blob, sizeof(blob), 2, spd, cases[0].body, 10);
	blob[LAPBLOB_HEADER_BYTES + 4] ^= 0x10;
	expect_corrupt(blob, len, "unused zstd bit");
}

/* Garbage channel sections behind a valid prefix, wrapped with a good
 * CRC and zstd frame so that the body parser itself sees them: only OK
 * (garbage that happens to be well formed) or TB_ERR_CORRUPT. */
static void test_corrupt_bodies(void **state)
{
	(void)state;
	uint64_t s = 1234;
	uint8_t body[96], blob[512];
	for (int k = 0; k < 20000; k++) {
		uint32_t n = (uint32_t)(lg_next(&s) % 6);
		uint64_t chans = lg_next(&s) & 0x13;
		size_t len = 0;
		body[len++] = (uint8_t)n;
		body[len++] = (uint8_t)chans;
		body[len++] = 0;
		body[len++] = (uint8_t)(chans & lg_next(&s));
		size_t extra = (size_t)(lg_next(&s) % 60);
		for (size_t i = 0; i < extra; i++) {
			uint64_t r = lg_next(&s);
			/* Plausible channel headers now and then. */
			body[len++] =
			    (uint8_t)(r % 3 == 0 ? (r >> 8) % 5 : r >> 16);
		}
		size_t blen = craft(blob, sizeof(blob), n, chans, body, len);
		struct tb_error err;
		enum tb_status st = try_decode(blob, blen, &err);
		if (st != TB_OK && st != TB_ERR_CORRUPT)
			fail_msg("body %d: %s", k, tb_status_name(st));
	}
}

/* The realistic lap meets the size target: <= 2 bytes per sample of
 * each channel. */
static void test_size_target(void **state)
{
	(void)state;
	struct tb_lap lap;
	tb_lap_init(&lap);
	assert_int_equal(lg_realistic_lap(&lap, 90.0, 1), TB_OK);
	struct lapblob_stats st;
	roundtrip(&lap, &st);
	double cs = (double)lap.n * __builtin_popcountll(lap.chans);
	double per = (double)st.blob_bytes / cs;
	printf("realistic lap: %zu samples x %d channels, blob %zu bytes, "
	       "%.3f B per channel-sample (body %zu)\n",
	       lap.n, __builtin_popcountll(lap.chans), st.blob_bytes, per,
	       st.body_bytes);
	assert_true(per <= 2.0);
	tb_lap_release(&lap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_random_roundtrips),
	    cmocka_unit_test(test_dense_and_edges),
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_corrupt_truncations_and_flips),
	    cmocka_unit_test(test_corrupt_random),
	    cmocka_unit_test(test_corrupt_crafted),
	    cmocka_unit_test(test_corrupt_bodies),
	    cmocka_unit_test(test_size_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

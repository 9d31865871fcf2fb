/* test_core.c - core: status tables, cursor bounds, capped buffers,
 * varints, lap columns and masks, the SPSC ring across two threads, and
 * fault injection in lap growth. */
#include "tb_test.h"

#include <math.h>
#include <pthread.h>

#include "core/core.h"

static void test_status_tables(void **state)
{
	(void)state;
	assert_string_equal(tb_strerror(TB_ERR_TRUNCATED), "truncated input");
	assert_string_equal(tb_status_name(TB_ERR_LENGTH), "TB_ERR_LENGTH");
	assert_int_equal(tb_status_http(TB_ERR_NOTFOUND), 404);
	assert_int_equal(tb_status_http(TB_ERR_LIMIT), 413);
	assert_int_equal(tb_status_exit(TB_OK), 0);
	assert_string_equal(tb_strerror((enum tb_status)999), "internal error");
	struct tb_error err;
	assert_int_equal(tb_fail(&err, TB_ERR_LENGTH, "packet %d bytes", 12),
			 TB_ERR_LENGTH);
	assert_string_equal(err.msg, "packet 12 bytes");
	assert_int_equal(err.status, TB_ERR_LENGTH);
}

static void test_cursor_bounds(void **state)
{
	(void)state;
	const uint8_t b[7] = {1, 2, 3, 4, 5, 6, 7};
	struct tb_cur c;
	tb_cur_init(&c, b, sizeof(b));
	assert_int_equal(tb_rd_u16le(&c), 0x0201);
	assert_int_equal(tb_rd_u32le(&c), 0x06050403);
	assert_true(tb_cur_ok(&c));
	assert_int_equal(tb_rd_u16le(&c), 0); /* only one byte left */
	assert_false(tb_cur_ok(&c));
	assert_int_equal(tb_rd_u8(&c), 0); /* stays bad */
	tb_cur_init(&c, b, sizeof(b));
	tb_cur_seek(&c, 8);
	assert_false(tb_cur_ok(&c));
	uint8_t out[4];
	tb_cur_init(&c, b, 2);
	tb_rd_bytes(&c, out, 4);
	assert_false(tb_cur_ok(&c));
	assert_int_equal(out[0], 0);
}

static void test_float_rw(void **state)
{
	(void)state;
	uint8_t b[12];
	tb_st_f32le(b, -74.83f);
	tb_st_f64le(b + 4, 1.0 / 3.0);
	struct tb_cur c;
	tb_cur_init(&c, b, sizeof(b));
	assert_true(tb_rd_f32le(&c) == -74.83f);
	assert_true(tb_rd_f64le(&c) == 1.0 / 3.0);
	assert_true(tb_ld_f32le(b) == -74.83f);
}

static void test_buf_cap_and_varint(void **state)
{
	(void)state;
	struct tb_buf b;
	tb_buf_init(&b, 16);
	assert_int_equal(tb_buf_append(&b, "0123456789", 10), TB_OK);
	assert_int_equal(tb_buf_append(&b, "0123456789", 10), TB_ERR_LIMIT);
	assert_int_equal(b.len, 10); /* unchanged after a refused append */
	tb_buf_release(&b);

	tb_buf_init(&b, 1024);
	const uint64_t vals[] = {0, 1, 127, 128, 300, UINT32_MAX, UINT64_MAX};
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(tb_buf_append_varint(&b, vals[i]), TB_OK);
	struct tb_cur c;
	tb_cur_init(&c, b.data, b.len);
	for (size_t i = 0; i < 7; i++)
		assert_true(tb_rd_varint(&c) == vals[i]);
	assert_true(tb_cur_ok(&c));
	assert_int_equal(tb_cur_left(&c), 0);
	/* A varint cut short is bad, not garbage. */
	tb_cur_init(&c, b.data + b.len - 3, 2);
	(void)tb_rd_varint(&c);
	assert_false(tb_cur_ok(&c));
	assert_int_equal(tb_buf_printf(&b, "%s=%d", "x", 5), TB_OK);
	assert_memory_equal(b.data + b.len - 3, "x=5", 3);
	tb_buf_release(&b);
}

static void test_lap_columns_and_mask(void **state)
{
	(void)state;
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_frame f;
	for (int i = 0; i < 3000; i++) {
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, i / 60.0);
		if (i >= 10)
			tb_frame_set(&f, TB_CH_SPEED, 50.0 + i);
		assert_int_equal(tb_lap_push(&lap, &f), TB_OK);
	}
	assert_int_equal(lap.n, 3000);
	assert_true(lap.chans == (TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_SPEED)));
	tb_lap_frame(&lap, 5, &f);
	assert_false(tb_frame_has(&f, TB_CH_SPEED)); /* absent, not zero */
	assert_true(f.v[TB_CH_SPEED] == 0.0);
	tb_lap_frame(&lap, 2999, &f);
	assert_true(tb_frame_has(&f, TB_CH_SPEED));
	assert_true(f.v[TB_CH_SPEED] == 3049.0);

	struct tb_lap copy;
	tb_lap_init(&copy);
	assert_int_equal(tb_lap_copy(&copy, &lap), TB_OK);
	assert_true(tb_lap_equal(&copy, &lap));
	copy.col[TB_CH_SPEED][100] += 1e-9;
	assert_false(tb_lap_equal(&copy, &lap));
	tb_lap_truncate(&copy, 10);
	assert_int_equal(copy.n, 10);
	tb_lap_release(&copy);
	tb_lap_release(&lap);
}

/* tb_lap_alloc: exactly n zeroed, absent samples of the asked channels,
 * metadata kept, old samples replaced; a failure leaves no samples. */
static void test_lap_alloc_sized(void **state)
{
	(void)state;
	struct tb_lap lap;
	tb_lap_init(&lap);
	lap.lap_number = 7;
	lap.lap_time_ms = 91234;
	tb_chmask want = TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_SPEED);
	assert_int_equal(tb_lap_alloc(&lap, 5, want), TB_OK);
	assert_int_equal(lap.n, 5);
	assert_true(lap.chans == want);
	assert_null(lap.col[TB_CH_RPM]);
	for (size_t i = 0; i < 5; i++) {
		assert_true(lap.mask[i] == 0);
		assert_true(lap.col[TB_CH_SPEED][i] == 0.0);
	}
	assert_int_equal(lap.lap_number, 7);
	assert_int_equal(lap.lap_time_ms, 91234);
	/* again, other channels: the old columns are gone */
	assert_int_equal(tb_lap_alloc(&lap, 0, TB_CHBIT(TB_CH_RPM)), TB_OK);
	assert_int_equal(lap.n, 0);
	assert_null(lap.col[TB_CH_SPEED]);
	assert_non_null(lap.col[TB_CH_RPM]);
	for (long k = 1; k <= 3; k++) {
		tb_fault_fail_alloc_after(k);
		assert_int_equal(tb_lap_alloc(&lap, 100, want), TB_ERR_NOMEM);
		tb_fault_fail_alloc_after(0);
		assert_int_equal(lap.n, 0);
		assert_true(lap.chans == 0);
		assert_null(lap.mask);
	}
	assert_int_equal(lap.lap_number, 7);
	tb_lap_release(&lap);
}

/* tb_lap_max: the largest known, finite sample; absent and NaN ignored. */
static void test_lap_max(void **state)
{
	(void)state;
	struct tb_lap lap;
	tb_lap_init(&lap);
	assert_true(isnan(tb_lap_max(&lap, TB_CH_LAP_DIST)));
	assert_int_equal(tb_lap_alloc(&lap, 4, TB_CHBIT(TB_CH_LAP_DIST)), TB_OK);
	static const double v[4] = {10, 5000, NAN, 4300};
	for (size_t i = 0; i < 4; i++) {
		lap.col[TB_CH_LAP_DIST][i] = v[i];
		lap.mask[i] = i == 1 ? 0 : TB_CHBIT(TB_CH_LAP_DIST);
	}
	assert_true(tb_lap_max(&lap, TB_CH_LAP_DIST) == 4300);
	assert_true(isnan(tb_lap_max(&lap, TB_CH_SPEED)));
	tb_lap_release(&lap);
}

static void test_lap_alloc_failure(void **state)
{
	(void)state;
	/* Every allocation of a push sequence failing in turn leaves a lap
	 * that is still consistent and releasable (ASan checks leaks). */
	for (long k = 1; k <= 6; k++) {
		struct tb_lap lap;
		tb_lap_init(&lap);
		struct tb_frame f;
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, 1.0);
		tb_frame_set(&f, TB_CH_RPM, 9000.0);
		tb_fault_fail_alloc_after(k);
		enum tb_status st = TB_OK;
		for (int i = 0; i < 2100 && st == TB_OK; i++)
			st = tb_lap_push(&lap, &f);
		tb_fault_fail_alloc_after(0);
		assert_int_equal(st, TB_ERR_NOMEM);
		for (size_t i = 0; i < lap.n; i++)
			assert_true(lap.col[TB_CH_RPM][i] == 9000.0);
		tb_lap_release(&lap);
	}
}

struct ring_ctx {
	struct tb_ring *r;
	uint64_t n;
};

static void *producer(void *arg)
{
	struct ring_ctx *c = arg;
	for (uint64_t i = 0; i < c->n;) {
		if (tb_ring_push(c->r, &i) == TB_OK)
			i++;
	}
	return NULL;
}

static void test_ring_spsc(void **state)
{
	(void)state;
	struct tb_ring *r;
	assert_int_equal(tb_ring_create(8, 3, &r), TB_ERR_ARG);
	assert_int_equal(tb_ring_create(8, 64, &r), TB_OK);
	assert_int_equal(tb_ring_capacity(r), 64);
	uint64_t v = 0;
	assert_int_equal(tb_ring_pop(r, &v), TB_ERR_EMPTY);
	for (uint64_t i = 0; i < 64; i++)
		assert_int_equal(tb_ring_push(r, &i), TB_OK);
	assert_int_equal(tb_ring_push(r, &v), TB_ERR_FULL);
	for (uint64_t i = 0; i < 64; i++) {
		assert_int_equal(tb_ring_pop(r, &v), TB_OK);
		assert_true(v == i);
	}
	struct ring_ctx c = {r, 200000};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, producer, &c), 0);
	for (uint64_t i = 0; i < c.n;) {
		if (tb_ring_pop(r, &v) == TB_OK) {
			assert_true(v == i); /* in order, none lost */
			i++;
		}
	}
	pthread_join(t, NULL);
	tb_ring_destroy(r);
}

static void test_channels(void **state)
{
	(void)state;
	enum tb_channel ch;
	assert_int_equal(tb_channel_by_name("speed", &ch), TB_OK);
	assert_int_equal(ch, TB_CH_SPEED);
	assert_string_equal(tb_channel_unit(TB_CH_SPEED), "m/s");
	assert_int_equal(tb_channel_kind(TB_CH_GEAR), TB_KIND_STEP);
	assert_int_equal(tb_channel_by_name("nope", &ch), TB_ERR_NOTFOUND);
	char buf[64];
	tb_lap_flags_str(TB_LAP_CUT | TB_LAP_PIT, buf, sizeof(buf));
	assert_string_equal(buf, "cut,pit");
	tb_lap_flags_str(TB_LAP_INVALID_GAME | TB_LAP_TRAFFIC, buf,
			 sizeof(buf));
	assert_string_equal(buf, "invalid,traffic");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_tables),
		cmocka_unit_test(test_cursor_bounds),
		cmocka_unit_test(test_float_rw),
		cmocka_unit_test(test_buf_cap_and_varint),
		cmocka_unit_test(test_lap_columns_and_mask),
		cmocka_unit_test(test_lap_alloc_failure),
		cmocka_unit_test(test_lap_alloc_sized),
		cmocka_unit_test(test_lap_max),
		cmocka_unit_test(test_ring_spsc),
		cmocka_unit_test(test_channels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_laps.c - the generic lap assembler: laps end on the game's lap
 * counter with the game's times, rewinds truncate the lap in progress,
 * rewinds into a handed-over lap never replace it, late joins and
 * flushes are marked incomplete, validity flags carry through. */
#include "tb_test.h"

#include "ingest/laps.h"

#define MAX_LAPS 16

struct sink {
	size_t n;
	struct tb_lap laps[MAX_LAPS];
};

static void on_done(void *ctx, struct tb_lap *lap)
{
	struct sink *s = ctx;
	assert_true(s->n < MAX_LAPS);
	tb_lap_init(&s->laps[s->n]);
	tb_lap_move(&s->laps[s->n], lap);
	s->n++;
}

static void sink_release(struct sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		tb_lap_release(&s->laps[i]);
	s->n = 0;
}

/* Drive one car at 10 Hz: lap k lasts lap_ms[k-1]; sector 1 at 1/3,
 * sector 2 at 2/3 of it. Feed frames from time t0 to t1 (s). */
struct drive {
	struct lap_asm *a;
	unsigned car;
	int32_t lap_ms[8];
	unsigned n_laps;
};

static void state_at(const struct drive *d, double t, struct lap_state *ls,
		     double *lap_t)
{
	memset(ls, 0, sizeof(*ls));
	double start = 0;
	unsigned k = 0;
	while (k < d->n_laps && t >= start + d->lap_ms[k] / 1000.0) {
		start += d->lap_ms[k] / 1000.0;
		k++;
	}
	ls->lap_num = k + 1;
	ls->last_lap_ms = k ? d->lap_ms[k - 1] : 0;
	double into = t - start;
	ls->cur_lap_ms = (int32_t)(into * 1000.0);
	int32_t len = k < d->n_laps ? d->lap_ms[k] : 100000;
	if (ls->cur_lap_ms >= len / 3)
		ls->sector_ms[0] = len / 3;
	if (ls->cur_lap_ms >= 2 * (len / 3))
		ls->sector_ms[1] = len / 3;
	*lap_t = into;
}

static void feed(struct drive *d, int tick0, int tick1)
{
	for (int i = tick0; i < tick1; i++) {
		double t = i / 10.0;
		struct lap_state ls;
		double into;
		state_at(d, t, &ls, &into);
		struct tb_frame f;
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, t);
		tb_frame_set(&f, TB_CH_LAP_TIME, into);
		assert_int_equal(lap_asm_frame(d->a, d->car, &f, &ls), TB_OK);
	}
}

static void test_laps_from_counter(void **state)
{
	(void)state;
	struct sink s = {0};
	struct drive d = {.car = 3, .lap_ms = {30000, 31234, 29999},
			  .n_laps = 3};
	assert_int_equal(lap_asm_create(22, on_done, &s, &d.a), TB_OK);
	feed(&d, 0, 920); /* 92 s: three laps and 0.767 s of a fourth */
	assert_int_equal(s.n, 3);
	for (unsigned k = 0; k < 3; k++) {
		struct tb_lap *l = &s.laps[k];
		assert_int_equal(l->car_index, 3);
		assert_int_equal(l->lap_number, k + 1);
		assert_int_equal(l->lap_time_ms, d.lap_ms[k]);
		assert_int_equal(l->sector_ms[0], d.lap_ms[k] / 3);
		assert_int_equal(l->sector_ms[1], d.lap_ms[k] / 3);
		assert_int_equal(l->sector_ms[2],
				 d.lap_ms[k] - 2 * (d.lap_ms[k] / 3));
		assert_int_equal(l->flags, 0);
		/* every sample belongs to its lap: lap time never resets */
		for (size_t i = 1; i < l->n; i++)
			assert_true(l->col[TB_CH_LAP_TIME][i] >
				    l->col[TB_CH_LAP_TIME][i - 1]);
	}
	assert_int_equal(s.laps[0].n, 300);
	lap_asm_flush(d.a);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.laps[3].lap_number, 4);
	assert_true(s.laps[3].flags & TB_LAP_INCOMPLETE);
	assert_int_equal(s.laps[3].lap_time_ms, TB_TIME_UNKNOWN);
	const struct lap_asm_stats *st = lap_asm_stats(d.a);
	assert_int_equal(st->laps_complete, 3);
	assert_int_equal(st->laps_incomplete, 1);
	lap_asm_destroy(d.a);
	sink_release(&s);
}

/* Sector times near INT32_MAX (a damaged or hostile datagram) do not
 * overflow the third sector's sum: it stays unknown. */
static void test_huge_sectors(void **state)
{
	(void)state;
	struct sink s = {0};
	struct lap_asm *a;
	assert_int_equal(lap_asm_create(1, on_done, &s, &a), TB_OK);
	for (int i = 0; i < 3; i++) {
		struct lap_state ls;
		memset(&ls, 0, sizeof(ls));
		ls.lap_num = i < 2 ? 1 : 2;
		ls.cur_lap_ms = 100 * i;
		ls.last_lap_ms = i < 2 ? 0 : 90000;
		if (i == 1) {
			ls.sector_ms[0] = INT32_MAX - 5;
			ls.sector_ms[1] = INT32_MAX - 7;
		}
		struct tb_frame f;
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, 0.1 * i);
		assert_int_equal(lap_asm_frame(a, 0, &f, &ls), TB_OK);
	}
	assert_int_equal(s.n, 1);
	assert_int_equal(s.laps[0].lap_time_ms, 90000);
	assert_int_equal(s.laps[0].sector_ms[0], INT32_MAX - 5);
	assert_int_equal(s.laps[0].sector_ms[2], TB_TIME_UNKNOWN);
	lap_asm_destroy(a);
	sink_release(&s);
}

static void test_rewind_in_lap(void **state)
{
	(void)state;
	struct sink s = {0};
	struct drive d = {.car = 0, .lap_ms = {30000, 30000}, .n_laps = 2};
	assert_int_equal(lap_asm_create(1, on_done, &s, &d.a), TB_OK);
	feed(&d, 0, 250);   /* 25 s into lap 1 */
	feed(&d, 200, 300); /* flashback to 20 s, then on to the line */
	feed(&d, 300, 301);
	assert_int_equal(s.n, 1);
	struct tb_lap *l = &s.laps[0];
	assert_int_equal(l->n, 300); /* samples 0..299, no duplicates */
	for (size_t i = 1; i < l->n; i++)
		assert_true(l->col[TB_CH_TIME][i] > l->col[TB_CH_TIME][i - 1]);
	assert_true(l->flags & TB_LAP_FLASHBACK);
	assert_int_equal(l->lap_time_ms, 30000);
	assert_int_equal(lap_asm_stats(d.a)->rewinds, 1);
	assert_int_equal(lap_asm_stats(d.a)->discarded, 50);
	lap_asm_destroy(d.a);
	sink_release(&s);
}

static void test_rewind_into_previous_lap(void **state)
{
	(void)state;
	struct sink s = {0};
	struct drive d = {.car = 0, .lap_ms = {30000, 30000, 30000},
			  .n_laps = 3};
	assert_int_equal(lap_asm_create(1, on_done, &s, &d.a), TB_OK);
	feed(&d, 0, 320);   /* lap 1 done, 2 s into lap 2 */
	feed(&d, 280, 610); /* back to 28 s (lap 1), drive on into lap 3 */
	assert_int_equal(s.n, 2);
	/* lap 1 kept whole, never replaced by the partial re-run */
	assert_int_equal(s.laps[0].lap_number, 1);
	assert_int_equal(s.laps[0].n, 300);
	/* lap 2 starts at the line after the rewind, whole and timed */
	assert_int_equal(s.laps[1].lap_number, 2);
	assert_int_equal(s.laps[1].n, 300);
	assert_int_equal(s.laps[1].lap_time_ms, 30000);
	assert_int_equal(s.laps[1].flags, 0);
	lap_asm_destroy(d.a);
	sink_release(&s);
}

static void test_late_join_and_flags(void **state)
{
	(void)state;
	struct sink s = {0};
	struct drive d = {.car = 1, .lap_ms = {30000, 30000}, .n_laps = 2};
	assert_int_equal(lap_asm_create(2, on_done, &s, &d.a), TB_OK);
	feed(&d, 100, 300); /* join 10 s into lap 1 */
	assert_int_equal(s.n, 0);
	/* lap 2 with a cut and a pit visit */
	for (int i = 300; i < 601; i++) {
		double t = i / 10.0;
		struct lap_state ls;
		double into;
		state_at(&d, t, &ls, &into);
		ls.invalid = i > 400;
		ls.cut = i > 400;
		ls.in_pit = i == 450;
		struct tb_frame f;
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, t);
		assert_int_equal(lap_asm_frame(d.a, 1, &f, &ls), TB_OK);
	}
	assert_int_equal(s.n, 2);
	assert_true(s.laps[0].flags & TB_LAP_INCOMPLETE);
	assert_int_equal(s.laps[0].lap_time_ms, 30000); /* game's time kept */
	assert_int_equal(s.laps[1].flags, TB_LAP_CUT | TB_LAP_PIT);
	/* bad input: car out of range, frame without time */
	struct tb_frame f;
	struct lap_state ls = {0};
	tb_frame_clear(&f);
	assert_int_equal(lap_asm_frame(d.a, 2, &f, &ls), TB_ERR_RANGE);
	assert_int_equal(lap_asm_frame(d.a, 0, &f, &ls), TB_ERR_ARG);
	lap_asm_destroy(d.a);
	sink_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_laps_from_counter),
		cmocka_unit_test(test_huge_sectors),
		cmocka_unit_test(test_rewind_in_lap),
		cmocka_unit_test(test_rewind_into_previous_lap),
		cmocka_unit_test(test_late_join_and_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

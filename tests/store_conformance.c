/* store_conformance.c - the store behaviour every backend must show:
 * idempotent sessions, car upserts, laps back bit-for-bit, replacement
 * by lap number, listing order and counts, best lap, unknown ids, no
 * partial lap under allocation failures, persistence across reopen,
 * reference tags, track models by key. */
#include "tb_test.h"

#include <math.h>

#include "lapgen.h"
#include "store/store.h"
#include "store_conformance.h"

/* Per-test fixture: a fresh store at url. */
struct fx {
	const struct sc_backend *b;
	char url[512];
	struct store *st;
};

static struct store *open_url(const char *url)
{
	struct store *st = NULL;
	struct tb_error err;
	enum tb_status rc = store_open(url, &st, &err);
	if (rc != TB_OK)
		fail_msg("store_open(%s): %s: %s", url, tb_status_name(rc),
			 err.msg);
	return st;
}

static int setup(void **state)
{
	const struct sc_backend *b = *state;
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	f->b = b;
	if (b->fresh_url(b->ctx, f->url, sizeof(f->url)) != 0) {
		free(f);
		return -1;
	}
	f->st = open_url(f->url);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->st);
	*state = (void *)f->b;
	free(f);
	return 0;
}

#define OK(call)                                                               \
	do {                                                                   \
		struct tb_error e_;                                            \
		enum tb_status r_ = (call);                                    \
		if (r_ != TB_OK)                                               \
			fail_msg("%s: %s: %s", #call, tb_status_name(r_),      \
				 e_.msg);                                      \
	} while (0)

/* Calls in OK() pass &e_ as their error. */
#define E (&e_)

static struct tb_session_info session_info(uint64_t uid, int64_t start)
{
	struct tb_session_info in;
	memset(&in, 0, sizeof(in));
	in.source_uid = uid;
	in.game = TB_GAME_F1_25;
	in.packet_format = 2025;
	in.game_year = 25;
	in.game_major = 1;
	in.game_minor = 7;
	in.track_id = 10;
	snprintf(in.track, sizeof(in.track), "Spa-Francorchamps");
	snprintf(in.layout, sizeof(in.layout), "GP");
	in.track_length_m = 7004.0;
	in.kind = TB_SESSION_QUALIFYING;
	in.game_session_type = 8;
	in.car_class = TB_CLASS_F1;
	in.weather = 1;
	in.air_temp_c = 19;
	in.track_temp_c = 27;
	in.start_unix_ms = start;
	return in;
}

static void assert_info_equal(const struct tb_session_info *a,
			      const struct tb_session_info *b)
{
	assert_true(a->source_uid == b->source_uid);
	assert_int_equal(a->game, b->game);
	assert_int_equal(a->packet_format, b->packet_format);
	assert_int_equal(a->game_year, b->game_year);
	assert_int_equal(a->game_major, b->game_major);
	assert_int_equal(a->game_minor, b->game_minor);
	assert_int_equal(a->track_id, b->track_id);
	assert_string_equal(a->track, b->track);
	assert_string_equal(a->layout, b->layout);
	assert_true(a->track_length_m == b->track_length_m);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->game_session_type, b->game_session_type);
	assert_int_equal(a->car_class, b->car_class);
	assert_int_equal(a->weather, b->weather);
	assert_int_equal(a->air_temp_c, b->air_temp_c);
	assert_int_equal(a->track_temp_c, b->track_temp_c);
	assert_int_equal(a->start_unix_ms, b->start_unix_ms);
}

/* A short realistic lap with metadata set. */
static void make_lap(struct tb_lap *lap, uint8_t car, uint32_t number,
		     int32_t time_ms, uint32_t flags, uint64_t seed)
{
	tb_lap_init(lap);
	assert_int_equal(lg_realistic_lap(lap, 2.0, seed), TB_OK);
	lap->car_index = car;
	lap->lap_number = number;
	lap->lap_time_ms = time_ms;
	lap->sector_ms[0] = time_ms > 0 ? time_ms / 3 : TB_TIME_UNKNOWN;
	lap->sector_ms[1] = time_ms > 0 ? time_ms / 3 : TB_TIME_UNKNOWN;
	lap->sector_ms[2] = TB_TIME_UNKNOWN;
	lap->flags = flags;
}

struct lap_list {
	size_t n;
	struct store_lap_row rows[32];
	size_t stop_after; /* 0: never stop */
};

static int collect_lap(void *ctx, const struct store_lap_row *r)
{
	struct lap_list *l = ctx;
	if (l->n < 32)
		l->rows[l->n] = *r;
	l->n++;
	return l->stop_after && l->n >= l->stop_after;
}

struct session_list {
	size_t n;
	struct store_session_row rows[8];
	size_t stop_after;
};

static int collect_session(void *ctx, const struct store_session_row *r)
{
	struct session_list *l = ctx;
	if (l->n < 8)
		l->rows[l->n] = *r;
	l->n++;
	return l->stop_after && l->n >= l->stop_after;
}

static size_t count_laps(struct store *st, int64_t sid)
{
	struct lap_list l = {0};
	OK(store_laps_list(st, sid, collect_lap, &l, E));
	return l.n;
}

static void sc_session_idempotent(void **state)
{
	struct fx *f = *state;
	struct tb_session_info in = session_info(0xfedcba9876543210ull, 1000);
	int64_t a = 0, b = 0, c = 0;
	OK(store_session_put(f->st, &in, &a, E));
	OK(store_session_put(f->st, &in, &b, E));
	assert_int_equal(a, b);
	struct store_session_row r;
	OK(store_session_get(f->st, a, &r, E));
	assert_int_equal(r.id, a);
	assert_info_equal(&r.info, &in);
	assert_int_equal(r.n_laps, 0);
	assert_int_equal(r.best_lap_ms, TB_TIME_UNKNOWN);

	/* Unknown fields never erase known ones; known ones update. */
	struct tb_session_info up = in;
	up.track[0] = 0;
	up.layout[0] = 0;
	up.track_id = -1;
	up.track_length_m = 0;
	up.kind = TB_SESSION_UNKNOWN;
	up.weather = -1;
	OK(store_session_put(f->st, &up, &b, E));
	assert_int_equal(a, b);
	OK(store_session_get(f->st, a, &r, E));
	assert_info_equal(&r.info, &in);
	up = in;
	up.kind = TB_SESSION_RACE;
	up.weather = 3;
	up.air_temp_c = 25;
	OK(store_session_put(f->st, &up, &b, E));
	OK(store_session_get(f->st, a, &r, E));
	assert_int_equal(r.info.kind, TB_SESSION_RACE);
	assert_int_equal(r.info.weather, 3);
	assert_int_equal(r.info.air_temp_c, 25);

	/* Another game with the same uid is another session. */
	up.game = TB_GAME_F1_24;
	OK(store_session_put(f->st, &up, &c, E));
	assert_true(c != a);
}

static void sc_car_upsert(void **state)
{
	struct fx *f = *state;
	struct tb_session_info in = session_info(1, 1);
	int64_t sid, lid;
	OK(store_session_put(f->st, &in, &sid, E));
	struct tb_car_info car = {
	    .car_index = 3, .team_id = 2, .race_number = 44, .ai = true};
	snprintf(car.driver, sizeof(car.driver), "HAMILTON");
	OK(store_car_put(f->st, sid, &car, E));
	snprintf(car.driver, sizeof(car.driver), "Player");
	car.ai = false;
	OK(store_car_put(f->st, sid, &car, E));
	struct tb_lap lap;
	make_lap(&lap, 3, 1, 90000, 0, 5);
	OK(store_lap_put(f->st, sid, &lap, &lid, E));
	struct lap_list l = {0};
	OK(store_laps_list(f->st, sid, collect_lap, &l, E));
	assert_int_equal(l.n, 1);
	assert_string_equal(l.rows[0].driver, "Player");
	/* A lap of a car never described lists with an empty driver. */
	tb_lap_release(&lap);
	make_lap(&lap, 7, 1, 91000, 0, 6);
	OK(store_lap_put(f->st, sid, &lap, &lid, E));
	l.n = 0;
	OK(store_laps_list(f->st, sid, collect_lap, &l, E));
	assert_int_equal(l.n, 2);
	assert_string_equal(l.rows[1].driver, "");
	tb_lap_release(&lap);
}

static void sc_lap_roundtrip(void **state)
{
	struct fx *f = *state;
	struct tb_session_info in = session_info(2, 2);
	int64_t sid, lid;
	OK(store_session_put(f->st, &in, &sid, E));
	struct tb_lap lap;
	make_lap(&lap, 0, 4, 88123, TB_LAP_CUT | TB_LAP_TRAFFIC, 7);
	/* Values that only a bit-for-bit store keeps. */
	lap.col[TB_CH_G_LAT][3] = -0.0;
	lap.col[TB_CH_G_LON][4] = NAN;
	lap.col[TB_CH_G_VERT][5] = 4.9406564584124654e-324;
	lap.col[TB_CH_STEER][6] = 1.0 / 3.0;
	OK(store_lap_put(f->st, sid, &lap, &lid, E));
	struct tb_lap back;
	tb_lap_init(&back);
	struct store_lap_row row;
	OK(store_lap_get(f->st, lid, &back, &row, E));
	assert_true(tb_lap_equal(&back, &lap));
	assert_int_equal(row.id, lid);
	assert_int_equal(row.session_id, sid);
	assert_int_equal(row.lap_number, 4);
	assert_int_equal(row.lap_time_ms, 88123);
	assert_int_equal(row.sector_ms[0], 88123 / 3);
	assert_int_equal(row.sector_ms[2], TB_TIME_UNKNOWN);
	assert_int_equal(row.flags, TB_LAP_CUT | TB_LAP_TRAFFIC);
	assert_int_equal(row.n_samples, (int64_t)lap.n);
	assert_true(row.chans == lap.chans);
	assert_true(row.blob_bytes > 0);
	/* The row alone, without the samples, is the same row. */
	struct store_lap_row meta;
	memset(&meta, 0x5A, sizeof(meta));
	OK(store_lap_row_get(f->st, lid, &meta, E));
	assert_int_equal(meta.id, lid);
	assert_int_equal(meta.session_id, sid);
	assert_int_equal(meta.lap_number, 4);
	assert_int_equal(meta.lap_time_ms, 88123);
	assert_int_equal(meta.sector_ms[0], 88123 / 3);
	assert_int_equal(meta.sector_ms[1], 88123 / 3);
	assert_int_equal(meta.sector_ms[2], TB_TIME_UNKNOWN);
	assert_int_equal(meta.flags, TB_LAP_CUT | TB_LAP_TRAFFIC);
	assert_int_equal(meta.n_samples, (int64_t)lap.n);
	assert_true(meta.chans == lap.chans);
	assert_int_equal(meta.blob_bytes, row.blob_bytes);
	assert_string_equal(meta.driver, row.driver);
	assert_string_equal(meta.car, row.car);
	/* Reading into a lap that holds data replaces it. */
	OK(store_lap_get(f->st, lid, &back, NULL, E));
	assert_true(tb_lap_equal(&back, &lap));
	tb_lap_release(&back);
	tb_lap_release(&lap);
}

static void sc_lap_replace(void **state)
{
	struct fx *f = *state;
	struct tb_session_info in = session_info(3, 3);
	int64_t sid, a, b;
	OK(store_session_put(f->st, &in, &sid, E));
	struct tb_lap lap1, lap2;
	make_lap(&lap1, 1, 3, 95000, 0, 8);
	make_lap(&lap2, 1, 3, 93000, TB_LAP_PIT, 9);
	OK(store_lap_put(f->st, sid, &lap1, &a, E));
	OK(store_lap_put(f->st, sid, &lap2, &b, E));
	struct lap_list l = {0};
	OK(store_laps_list(f->st, sid, collect_lap, &l, E));
	assert_int_equal(l.n, 1);
	assert_int_equal(l.rows[0].id, b);
	assert_int_equal(l.rows[0].lap_time_ms, 93000);
	struct tb_lap back;
	tb_lap_init(&back);
	OK(store_lap_get(f->st, b, &back, NULL, E));
	assert_true(tb_lap_equal(&back, &lap2));
	tb_lap_release(&back);
	tb_lap_release(&lap1);
	tb_lap_release(&lap2);
}

static void sc_listing(void **state)
{
	struct fx *f = *state;
	int64_t old_s, new_s, lid;
	struct tb_session_info in = session_info(10, 5000);
	OK(store_session_put(f->st, &in, &old_s, E));
	in = session_info(11, 9000);
	OK(store_session_put(f->st, &in, &new_s, E));
	static const struct {
		uint8_t car;
		uint32_t num;
	} order[] = {{1, 2}, {0, 3}, {1, 1}, {0, 1}, {0, 2}};
	for (size_t i = 0; i < 5; i++) {
		struct tb_lap lap;
		make_lap(&lap, order[i].car, order[i].num, 90000, 0, 20 + i);
		OK(store_lap_put(f->st, old_s, &lap, &lid, E));
		tb_lap_release(&lap);
	}
	struct lap_list l = {0};
	OK(store_laps_list(f->st, old_s, collect_lap, &l, E));
	assert_int_equal(l.n, 5);
	static const uint8_t want_car[] = {0, 0, 0, 1, 1};
	static const uint32_t want_num[] = {1, 2, 3, 1, 2};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(l.rows[i].car_index, want_car[i]);
		assert_int_equal(l.rows[i].lap_number, want_num[i]);
		assert_int_equal(l.rows[i].session_id, old_s);
	}
	assert_int_equal(count_laps(f->st, new_s), 0);
	l = (struct lap_list){.stop_after = 2};
	OK(store_laps_list(f->st, old_s, collect_lap, &l, E));
	assert_int_equal(l.n, 2); /* the callback stops the listing */

	struct session_list s = {0};
	OK(store_sessions_list(f->st, collect_session, &s, E));
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rows[0].id, new_s); /* newest first */
	assert_int_equal(s.rows[0].n_laps, 0);
	assert_int_equal(s.rows[1].id, old_s);
	assert_int_equal(s.rows[1].n_laps, 5);
	s = (struct session_list){.stop_after = 1};
	OK(store_sessions_list(f->st, collect_session, &s, E));
	assert_int_equal(s.n, 1);
}

static void sc_best_lap(void **state)
{
	struct fx *f = *state;
	int64_t sid, lid;
	struct tb_session_info in = session_info(12, 1);
	OK(store_session_put(f->st, &in, &sid, E));
	static const struct {
		int32_t ms;
		uint32_t flags;
	} laps[] = {{87000, TB_LAP_CUT}, /* fastest, but invalid */
		    {TB_TIME_UNKNOWN, 0},
		    {89500, 0},
		    {88900, 0},
		    {86000, TB_LAP_OUT},
		    {85000, TB_LAP_TRAFFIC}}; /* held up: not clean */
	for (size_t i = 0; i < 6; i++) {
		struct tb_lap lap;
		make_lap(&lap, 0, (uint32_t)i + 1, laps[i].ms, laps[i].flags,
			 30 + i);
		OK(store_lap_put(f->st, sid, &lap, &lid, E));
		tb_lap_release(&lap);
	}
	struct store_session_row r;
	OK(store_session_get(f->st, sid, &r, E));
	assert_int_equal(r.n_laps, 6);
	assert_int_equal(r.best_lap_ms, 88900);

	/* The fastest clean lap, per car or of any car: car 1 gets a
	 * faster clean lap than car 0's. */
	int64_t best0 = 0, best1 = 0, any = 0, none = -1;
	int32_t ms = 0;
	struct tb_lap lap;
	make_lap(&lap, 1, 1, 88000, 0, 40);
	OK(store_lap_put(f->st, sid, &lap, &best1, E));
	tb_lap_release(&lap);
	OK(store_session_best(f->st, sid, 0, &best0, &ms, E));
	assert_int_equal(ms, 88900);
	OK(store_session_best(f->st, sid, -1, &any, &ms, E));
	assert_int_equal(ms, 88000);
	assert_true(any == best1 && best0 != best1 && best0 != 0);
	OK(store_session_best(f->st, sid, 7, &none, NULL, E));
	assert_int_equal(none, 0);
}

static void sc_unknown_ids(void **state)
{
	struct fx *f = *state;
	struct tb_error err;
	struct tb_lap lap;
	tb_lap_init(&lap);
	int64_t id;
	assert_int_equal(store_lap_get(f->st, 424242, &lap, NULL, &err),
			 TB_ERR_NOTFOUND);
	struct store_lap_row row;
	assert_int_equal(store_lap_row_get(f->st, 424242, &row, &err),
			 TB_ERR_NOTFOUND);
	assert_int_equal(store_lap_row_get(f->st, 1, NULL, &err), TB_ERR_ARG);
	struct lap_list l = {0};
	assert_int_equal(store_laps_list(f->st, 424242, collect_lap, &l, &err),
			 TB_ERR_NOTFOUND);
	struct store_session_row r;
	assert_int_equal(store_session_get(f->st, 424242, &r, &err),
			 TB_ERR_NOTFOUND);
	make_lap(&lap, 0, 1, 90000, 0, 40);
	assert_int_equal(store_lap_put(f->st, 424242, &lap, &id, &err),
			 TB_ERR_NOTFOUND);
	struct tb_car_info car = {.car_index = 1};
	assert_int_equal(store_car_put(f->st, 424242, &car, &err),
			 TB_ERR_NOTFOUND);
	tb_lap_release(&lap);
}

/* Every allocation failing in turn (the backend's own and, where the
 * test program routes them through tb_malloc, its library's): the store
 * keeps either the old state or the new, never half a lap. */
static void sc_fault_lap_put(void **state)
{
	struct fx *f = *state;
	int64_t sid, lid;
	struct tb_session_info in = session_info(13, 1);
	OK(store_session_put(f->st, &in, &sid, E));
	struct tb_lap first, second, repl, back;
	make_lap(&first, 0, 1, 90000, 0, 50);
	make_lap(&second, 0, 2, 91000, 0, 51);
	make_lap(&repl, 0, 1, 89000, 0, 52);
	tb_lap_init(&back);
	OK(store_lap_put(f->st, sid, &first, &lid, E));

	const struct tb_lap *puts[2] = {&second, &repl};
	for (int p = 0; p < 2; p++) {
		enum tb_status rc = TB_ERR_NOMEM;
		long k;
		for (k = 1; k < 20000 && rc != TB_OK; k++) {
			struct tb_error err;
			tb_fault_fail_alloc_after(k);
			rc = store_lap_put(f->st, sid, puts[p], &lid, &err);
			tb_fault_fail_alloc_after(0);
			if (rc == TB_OK)
				break;
			if (rc != TB_ERR_NOMEM)
				fail_msg("put %d, allocation %ld: %s: %s", p, k,
					 tb_status_name(rc), err.msg);
			/* Before: lap 1 (the first) alone, or with lap 2. */
			struct lap_list l = {0};
			OK(store_laps_list(f->st, sid, collect_lap, &l, E));
			assert_int_equal(l.n, (size_t)(p + 1));
			OK(store_lap_get(f->st, l.rows[0].id, &back, NULL, E));
			assert_true(tb_lap_equal(&back, &first));
		}
		assert_int_equal(rc, TB_OK);
		assert_true(k > 2);
		printf("lap put %d: ok after %ld failed allocations\n", p,
		       k - 1);
	}
	struct lap_list l = {0};
	OK(store_laps_list(f->st, sid, collect_lap, &l, E));
	assert_int_equal(l.n, 2);
	OK(store_lap_get(f->st, l.rows[0].id, &back, NULL, E));
	assert_true(tb_lap_equal(&back, &repl));
	OK(store_lap_get(f->st, l.rows[1].id, &back, NULL, E));
	assert_true(tb_lap_equal(&back, &second));
	tb_lap_release(&back);
	tb_lap_release(&repl);
	tb_lap_release(&second);
	tb_lap_release(&first);
}

static void sc_reopen(void **state)
{
	struct fx *f = *state;
	int64_t sid, lid;
	struct tb_session_info in = session_info(14, 77);
	OK(store_session_put(f->st, &in, &sid, E));
	struct tb_car_info car = {.car_index = 2, .team_id = 1};
	snprintf(car.driver, sizeof(car.driver), "VERSTAPPEN");
	snprintf(car.car, sizeof(car.car), "Red Bull RB19");
	OK(store_car_put(f->st, sid, &car, E));
	/* an unknown car name never erases a known one */
	car.car[0] = '\0';
	OK(store_car_put(f->st, sid, &car, E));
	struct tb_lap lap, back;
	make_lap(&lap, 2, 5, 92000, 0, 60);
	tb_lap_init(&back);
	OK(store_lap_put(f->st, sid, &lap, &lid, E));
	int version = store_schema_version(f->st);
	assert_true(version >= 1);
	store_close(f->st);
	f->st = open_url(f->url);
	assert_int_equal(store_schema_version(f->st), version);
	struct store_session_row r;
	OK(store_session_get(f->st, sid, &r, E));
	assert_info_equal(&r.info, &in);
	assert_int_equal(r.n_laps, 1);
	assert_int_equal(r.best_lap_ms, 92000);
	struct store_lap_row row;
	OK(store_lap_get(f->st, lid, &back, &row, E));
	assert_true(tb_lap_equal(&back, &lap));
	assert_string_equal(row.driver, "VERSTAPPEN");
	assert_string_equal(row.car, "Red Bull RB19");
	tb_lap_release(&back);
	tb_lap_release(&lap);
}

/* A batch commits every lap together, or none of them. */
static void sc_batch(void **state)
{
	struct fx *f = *state;
	int64_t sid, lid;
	struct tb_session_info in = session_info(21, 5);
	OK(store_session_put(f->st, &in, &sid, E));
	struct tb_lap lap;
	make_lap(&lap, 0, 1, 90000, 0, 7);
	OK(store_batch_begin(f->st, E));
	assert_int_equal(store_batch_begin(f->st, NULL), TB_ERR_ARG);
	for (uint32_t n = 1; n <= 3; n++) {
		lap.lap_number = n;
		OK(store_lap_put(f->st, sid, &lap, &lid, E));
	}
	OK(store_batch_end(f->st, false, E)); /* rolled back */
	assert_int_equal(count_laps(f->st, sid), 0);
	OK(store_batch_begin(f->st, E));
	for (uint32_t n = 1; n <= 3; n++) {
		lap.lap_number = n;
		OK(store_lap_put(f->st, sid, &lap, &lid, E));
	}
	OK(store_batch_end(f->st, true, E));
	assert_int_equal(count_laps(f->st, sid), 3);
	assert_int_equal(store_batch_end(f->st, true, NULL), TB_ERR_ARG);
	/* Outside a batch, laps still commit one by one. */
	lap.lap_number = 4;
	OK(store_lap_put(f->st, sid, &lap, &lid, E));
	assert_int_equal(count_laps(f->st, sid), 4);
	tb_lap_release(&lap);
}

struct ref_list {
	size_t n;
	struct store_ref_row rows[8];
};

static int collect_ref(void *ctx, const struct store_ref_row *r)
{
	struct ref_list *l = ctx;
	if (l->n < 8)
		l->rows[l->n] = *r;
	l->n++;
	return 0;
}

static void sc_refs(void **state)
{
	struct fx *f = *state;
	int64_t sid, a, b;
	struct tb_session_info in = session_info(22, 6);
	OK(store_session_put(f->st, &in, &sid, E));
	struct tb_lap lap;
	make_lap(&lap, 0, 1, 93669, 0, 8);
	OK(store_lap_put(f->st, sid, &lap, &a, E));
	lap.lap_number = 2;
	lap.lap_time_ms = 99251;
	OK(store_lap_put(f->st, sid, &lap, &b, E));
	OK(store_ref_put(f->st, b, "PEREZ", TB_CLASS_F1, "f1-timing", E));
	OK(store_ref_put(f->st, a, "ANTONELLI", TB_CLASS_GT3, "user", E));
	/* Tagging again replaces the tag. */
	OK(store_ref_put(f->st, a, "ANTONELLI", TB_CLASS_F1, "f1-timing", E));
	assert_int_equal(
	    store_ref_put(f->st, 999999, "X", TB_CLASS_F1, "u", NULL),
	    TB_ERR_NOTFOUND);
	assert_int_equal(
	    store_ref_put(f->st, a, "X", (enum tb_car_class)99, "u", NULL),
	    TB_ERR_ARG);
	struct ref_list l = {0};
	OK(store_refs_list(f->st, collect_ref, &l, E));
	assert_int_equal(l.n, 2);
	assert_int_equal(l.rows[0].lap_id, a); /* faster first */
	assert_string_equal(l.rows[0].driver, "ANTONELLI");
	assert_int_equal(l.rows[0].car_class, TB_CLASS_F1);
	assert_string_equal(l.rows[0].source, "f1-timing");
	assert_int_equal(l.rows[0].lap_time_ms, 93669);
	assert_int_equal(l.rows[1].lap_id, b);
	assert_int_equal(l.rows[1].lap_number, 2);
	tb_lap_release(&lap);
}

static struct store_track_row track_row(const char *track, const char *layout,
					double len)
{
	struct store_track_row m;
	memset(&m, 0, sizeof(m));
	m.game = TB_GAME_F1_25;
	snprintf(m.track, sizeof(m.track), "%s", track);
	snprintf(m.layout, sizeof(m.layout), "%s", layout);
	m.n_points = (int64_t)len;
	m.step_m = 1.0;
	m.length_m = len;
	return m;
}

/* Track models: put, get back byte for byte, replace by key, keys that
 * differ in any part are apart, unknown keys, bad arguments. */
static void sc_tracks(void **state)
{
	struct fx *f = *state;
	struct store_track_row m = track_row("Sakhir", "GP", 5336.6);
	uint8_t blob[300];
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7 + 1);
	struct tb_buf got;
	tb_buf_init(&got, 1u << 20);
	struct store_track_row row;
	assert_int_equal(store_track_get(f->st, TB_GAME_F1_25, "Sakhir", "GP",
					 &row, &got, NULL),
			 TB_ERR_NOTFOUND);
	int64_t before = tb_wall_ms();
	OK(store_track_put(f->st, &m, blob, sizeof(blob), E));
	OK(store_track_get(f->st, TB_GAME_F1_25, "Sakhir", "GP", &row, &got,
			   E));
	assert_int_equal(got.len, sizeof(blob));
	assert_memory_equal(got.data, blob, sizeof(blob));
	assert_int_equal(row.game, TB_GAME_F1_25);
	assert_string_equal(row.track, "Sakhir");
	assert_string_equal(row.layout, "GP");
	assert_int_equal(row.n_points, 5336);
	assert_true(row.step_m == 1.0 && row.length_m == 5336.6);
	assert_int_equal(row.blob_bytes, sizeof(blob));
	assert_true(row.created_unix_ms >= before);
	/* same key again: replaced */
	m.length_m = 5337.0;
	OK(store_track_put(f->st, &m, blob + 100, 50, E));
	OK(store_track_get(f->st, TB_GAME_F1_25, "Sakhir", "GP", &row, &got,
			   E));
	assert_int_equal(got.len, 50);
	assert_memory_equal(got.data, blob + 100, 50);
	assert_true(row.length_m == 5337.0);
	/* other keys are apart: layout, game, an empty track name */
	assert_int_equal(store_track_get(f->st, TB_GAME_F1_25, "Sakhir",
					 "Outer", NULL, &got, NULL),
			 TB_ERR_NOTFOUND);
	assert_int_equal(store_track_get(f->st, TB_GAME_F1_24, "Sakhir", "GP",
					 NULL, &got, NULL),
			 TB_ERR_NOTFOUND);
	struct store_track_row e = track_row("", "4318m", 4318.0);
	OK(store_track_put(f->st, &e, blob, 10, E));
	OK(store_track_get(f->st, TB_GAME_F1_25, NULL, "4318m", NULL, &got, E));
	assert_int_equal(got.len, 10);
	OK(store_track_get(f->st, TB_GAME_F1_25, "Sakhir", "GP", NULL, &got,
			   E));
	assert_int_equal(got.len, 50);
	/* bad arguments; a buffer too small for the blob */
	assert_int_equal(store_track_put(f->st, &m, blob, 0, NULL), TB_ERR_ARG);
	assert_int_equal(store_track_put(f->st, NULL, blob, 1, NULL),
			 TB_ERR_ARG);
	assert_int_equal(store_track_get(f->st, TB_GAME_F1_25, "Sakhir", "GP",
					 NULL, NULL, NULL),
			 TB_ERR_ARG);
	struct tb_buf small;
	tb_buf_init(&small, 8);
	assert_int_equal(store_track_get(f->st, TB_GAME_F1_25, "Sakhir", "GP",
					 NULL, &small, NULL),
			 TB_ERR_LIMIT);
	tb_buf_release(&small);
	tb_buf_release(&got);
}

#define SC_TEST(fn)                                                            \
	cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, (void *)b)

int sc_run(const struct sc_backend *b)
{
	const struct CMUnitTest tests[] = {
	    SC_TEST(sc_session_idempotent),
	    SC_TEST(sc_car_upsert),
	    SC_TEST(sc_lap_roundtrip),
	    SC_TEST(sc_lap_replace),
	    SC_TEST(sc_listing),
	    SC_TEST(sc_best_lap),
	    SC_TEST(sc_unknown_ids),
	    SC_TEST(sc_fault_lap_put),
	    SC_TEST(sc_reopen),
	    SC_TEST(sc_batch),
	    SC_TEST(sc_refs),
	    SC_TEST(sc_tracks),
	};
	return cmocka_run_group_tests_name(b->name, tests, NULL, NULL);
}

/* test_store_sqlite.c - the SQLite store: the conformance suite on
 * temporary files (with SQLite's own allocations routed through
 * tb_malloc, so fault injection reaches inside its transactions), then
 * SQLite specifics: URL forms, migration of an empty file, refusing a
 * newer schema, a file that is not a database, no orphan blobs. */
#include "tb_test.h"

#include <math.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store_conformance.h"

/* SQLite's allocator over tb_malloc: a size header of 16 bytes keeps
 * the alignment malloc gives. */
#define HDR 16

static void *mem_malloc(int n)
{
	unsigned char *p = tb_malloc((size_t)n + HDR);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HDR;
}

static void mem_free(void *p)
{
	if (p)
		tb_free((unsigned char *)p - HDR);
}

static void *mem_realloc(void *p, int n)
{
	unsigned char *q =
	    tb_realloc((unsigned char *)p - HDR, (size_t)n + HDR);
	if (!q)
		return NULL;
	memcpy(q, &n, sizeof(n));
	return q + HDR;
}

static int mem_size(void *p)
{
	int n;
	memcpy(&n, (unsigned char *)p - HDR, sizeof(n));
	return n;
}

static int mem_roundup(int n)
{
	return (n + 7) & ~7;
}

static int mem_init(void *app)
{
	(void)app;
	return SQLITE_OK;
}

static void mem_shutdown(void *app)
{
	(void)app;
}

static const sqlite3_mem_methods tb_mem = {
    mem_malloc,	 mem_free, mem_realloc,	 mem_size,
    mem_roundup, mem_init, mem_shutdown, NULL};

struct tmp {
	char *dir;
	int seq;
};

static int fresh_url(void *ctx, char *buf, size_t cap)
{
	struct tmp *t = ctx;
	int n = snprintf(buf, cap, "sqlite:%s/store%d.db", t->dir, t->seq++);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static void path_in(char *buf, size_t cap, const char *name)
{
	static char *dir; /* test-program scratch dir, made once */
	if (!dir)
		dir = tbt_tmpdir();
	assert_non_null(dir);
	snprintf(buf, cap, "%s/%s", dir, name);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static int64_t count_rows(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	int64_t n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

static void test_url_forms(void **state)
{
	(void)state;
	char path[512], url[600];
	struct store *st;
	struct tb_error err;
	path_in(path, sizeof(path), "forms.db");
	const char *forms[] = {"sqlite:%s", "sqlite://%s", "%s"};
	for (int i = 0; i < 3; i++) {
		snprintf(url, sizeof(url), forms[i], path);
		assert_int_equal(store_open(url, &st, &err), TB_OK);
		assert_int_equal(store_schema_version(st), 6);
		store_close(st);
	}
	assert_int_equal(store_open("mysql://localhost/tb", &st, &err),
			 TB_ERR_UNSUPPORTED);
	assert_null(st);
	assert_non_null(strstr(err.msg, "mysql"));
	assert_int_equal(store_open("", &st, &err), TB_ERR_ARG);
	assert_int_equal(store_open("sqlite:", &st, &err), TB_ERR_ARG);
	store_close(NULL);
}

static void test_migrate_empty_file(void **state)
{
	(void)state;
	char path[512];
	path_in(path, sizeof(path), "empty.db");
	write_file(path, "", 0);
	struct store *st;
	struct tb_error err;
	assert_int_equal(store_open(path, &st, &err), TB_OK);
	assert_int_equal(store_schema_version(st), 6);
	store_close(st);
	assert_int_equal(count_rows(path, "PRAGMA user_version"), 6);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM sqlite_schema"
					  " WHERE name IN ('sessions', 'cars',"
					  " 'laps', 'lap_data',"
					  " 'sessions_by_start',"
					  " 'laps_by_time')"),
			 6);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM"
					  " pragma_journal_mode WHERE"
					  " journal_mode = 'wal'"),
			 1);
}

static void test_newer_schema_refused(void **state)
{
	(void)state;
	char path[512];
	path_in(path, sizeof(path), "newer.db");
	struct store *st;
	struct tb_error err;
	assert_int_equal(store_open(path, &st, &err), TB_OK);
	store_close(st);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &st, &err), TB_ERR_VERSION);
	assert_null(st);
	assert_non_null(strstr(err.msg, "schema version 99"));
}

static void test_garbage_file(void **state)
{
	(void)state;
	char path[512], junk[4096];
	path_in(path, sizeof(path), "garbage.db");
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)('a' + i % 26);
	write_file(path, junk, sizeof(junk));
	struct store *st;
	struct tb_error err;
	assert_int_equal(store_open(path, &st, &err), TB_ERR_FORMAT);
	assert_null(st);
	assert_non_null(strstr(err.msg, "not a SQLite database"));
	assert_non_null(strstr(err.msg, "garbage.db"));
}

static int stop_cb(void *ctx, const struct store_lap_row *r)
{
	(void)ctx;
	(void)r;
	return 0;
}

/* Replacing laps deletes their blobs too; a lap's two rows stay paired. */
static void test_no_orphans(void **state)
{
	(void)state;
	char path[512];
	path_in(path, sizeof(path), "orphans.db");
	struct store *st;
	struct tb_error err;
	assert_int_equal(store_open(path, &st, &err), TB_OK);
	struct tb_session_info in;
	memset(&in, 0, sizeof(in));
	in.source_uid = 5;
	int64_t sid, lid;
	assert_int_equal(store_session_put(st, &in, &sid, &err), TB_OK);
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_frame f;
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_SPEED, 50.0);
	assert_int_equal(tb_lap_push(&lap, &f), TB_OK);
	for (int i = 0; i < 6; i++) {
		lap.lap_number = (uint32_t)(i % 2 + 1);
		assert_int_equal(store_lap_put(st, sid, &lap, &lid, &err),
				 TB_OK);
	}
	assert_int_equal(store_laps_list(st, sid, stop_cb, NULL, &err), TB_OK);
	store_close(st);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM laps"), 2);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM lap_data"), 2);
	tb_lap_release(&lap);
}

/* The coach's ratings: stored per lap and reference (replaced, not
 * duplicated), unknown stays unknown, listed by driver oldest first;
 * an unknown lap is refused. */
struct rating_seen {
	size_t n;
	struct store_rating_row last;
};

static int on_rating(void *ctx, const struct store_rating_row *r)
{
	struct rating_seen *seen = ctx;
	seen->n++;
	seen->last = *r;
	return 0;
}

static void test_ratings(void **state)
{
	(void)state;
	char path[512];
	path_in(path, sizeof(path), "ratings.db");
	struct store *st;
	struct tb_error err;
	assert_int_equal(store_open(path, &st, &err), TB_OK);
	struct tb_session_info in;
	memset(&in, 0, sizeof(in));
	in.source_uid = 9;
	int64_t sid, lid;
	assert_int_equal(store_session_put(st, &in, &sid, &err), TB_OK);
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_frame f;
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_SPEED, 50.0);
	assert_int_equal(tb_lap_push(&lap, &f), TB_OK);
	assert_int_equal(store_lap_put(st, sid, &lap, &lid, &err), TB_OK);
	struct store_rating_row r;
	memset(&r, 0, sizeof(r));
	r.lap_id = lid;
	r.ref_lap_id = lid;
	snprintf(r.driver, sizeof(r.driver), "ANT");
	r.lap_s = 93.669;
	r.delta_s = 0.5;
	for (int k = 0; k < STORE_RATINGS; k++)
		r.rating[k] = 10.0 * k;
	r.rating[4] = NAN;
	assert_int_equal(store_rating_put(st, &r, &err), TB_OK);
	r.rating[0] = 42;
	assert_int_equal(store_rating_put(st, &r, &err), TB_OK);
	struct rating_seen seen;
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_ratings_list(st, "ANT", on_rating, &seen, &err),
			 TB_OK);
	const struct store_rating_row *got = &seen.last;
	assert_int_equal(seen.n, 1);
	assert_int_equal(got->lap_id, lid);
	assert_int_equal(got->session_id, sid);
	assert_true(got->rating[0] == 42 && got->rating[3] == 30);
	assert_true(isnan(got->rating[4]));
	assert_true(got->lap_s == 93.669 && got->delta_s == 0.5);
	assert_true(got->created_unix_ms > 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_ratings_list(st, "BOT", on_rating, &seen, &err),
			 TB_OK);
	assert_int_equal(seen.n, 0);
	r.lap_id = lid + 100;
	assert_int_equal(store_rating_put(st, &r, &err), TB_ERR_NOTFOUND);
	store_close(st);
	assert_int_equal(count_rows(path, "SELECT count(*) FROM ratings"), 1);
	tb_lap_release(&lap);
}

int main(void)
{
	/* Before any other SQLite call: its allocations go through
	 * tb_malloc, where the fault-injection tests can fail them. */
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &tb_mem) != SQLITE_OK) {
		printf("sqlite3_config(SQLITE_CONFIG_MALLOC) failed\n");
		return 1;
	}
	struct tmp t = {tbt_tmpdir(), 0};
	if (!t.dir)
		return 1;
	struct sc_backend b = {"store conformance: sqlite", fresh_url, &t};
	int failed = sc_run(&b);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_forms),
	    cmocka_unit_test(test_migrate_empty_file),
	    cmocka_unit_test(test_newer_schema_refused),
	    cmocka_unit_test(test_garbage_file),
	    cmocka_unit_test(test_no_orphans),
	    cmocka_unit_test(test_ratings),
	};
	failed +=
	    cmocka_run_group_tests_name("store sqlite", tests, NULL, NULL);
	free(t.dir);
	return failed ? 1 : 0;
}

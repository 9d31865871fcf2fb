/* sqlite.c - the SQLite store backend: one database file in WAL mode,
 * a schema brought forward by ordered migrations (PRAGMA user_version),
 * prepared statements cached in the handle, and each lap written in one
 * BEGIN IMMEDIATE transaction (metadata row + blob row), rolled back on
 * any failure so a crash or error never leaves half a lap. */
#include "store_int.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>

#include "lapblob.h"

#define BUSY_TIMEOUT_MS 5000

/* ------------------------------------------------------------------ */
/* Schema. Migration i brings user_version from i to i + 1; append only,
 * never edit a step that has shipped. */

/* clang-format off */
static const char *const migrations[] = {
	/* 1: sessions, cars, laps and their blobs. */
	"CREATE TABLE sessions ("
	" id INTEGER PRIMARY KEY,"
	" game INTEGER NOT NULL,"
	" source_uid INTEGER NOT NULL," /* u64 stored bit for bit */
	" packet_format INTEGER NOT NULL,"
	" game_year INTEGER NOT NULL,"
	" game_major INTEGER NOT NULL,"
	" game_minor INTEGER NOT NULL,"
	" track_id INTEGER NOT NULL,"
	" track TEXT NOT NULL,"
	" layout TEXT NOT NULL,"
	" track_length_m REAL NOT NULL,"
	" kind INTEGER NOT NULL,"
	" game_session_type INTEGER NOT NULL,"
	" car_class INTEGER NOT NULL,"
	" weather INTEGER NOT NULL,"
	" air_temp_c INTEGER NOT NULL,"
	" track_temp_c INTEGER NOT NULL,"
	" start_unix_ms INTEGER NOT NULL,"
	" created_unix_ms INTEGER NOT NULL,"
	" UNIQUE (game, source_uid));"
	"CREATE TABLE cars ("
	" session_id INTEGER NOT NULL"
	"  REFERENCES sessions(id) ON DELETE CASCADE,"
	" car_index INTEGER NOT NULL,"
	" driver TEXT NOT NULL,"
	" team_id INTEGER NOT NULL,"
	" race_number INTEGER NOT NULL,"
	" ai INTEGER NOT NULL,"
	" PRIMARY KEY (session_id, car_index));"
	"CREATE TABLE laps ("
	" id INTEGER PRIMARY KEY,"
	" session_id INTEGER NOT NULL"
	"  REFERENCES sessions(id) ON DELETE CASCADE,"
	" car_index INTEGER NOT NULL,"
	" lap_number INTEGER NOT NULL,"
	" lap_time_ms INTEGER NOT NULL,"
	" sector1_ms INTEGER NOT NULL,"
	" sector2_ms INTEGER NOT NULL,"
	" sector3_ms INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" n_samples INTEGER NOT NULL,"
	" chans INTEGER NOT NULL," /* u64 mask stored bit for bit */
	" blob_bytes INTEGER NOT NULL,"
	" created_unix_ms INTEGER NOT NULL,"
	" UNIQUE (session_id, car_index, lap_number));"
	/* Blobs apart, so listing laps never pages through samples. */
	"CREATE TABLE lap_data ("
	" lap_id INTEGER PRIMARY KEY REFERENCES laps(id) ON DELETE CASCADE,"
	" blob BLOB NOT NULL);",
	/* 2: indexes for the listings (newest sessions, best valid lap). */
	"CREATE INDEX sessions_by_start ON sessions (start_unix_ms DESC, id);"
	"CREATE INDEX laps_by_time ON laps (session_id, flags, lap_time_ms);",
	/* 3: reference laps (pro laps, limit laps, a driver's own best). */
	"CREATE TABLE refs ("
	" lap_id INTEGER PRIMARY KEY REFERENCES laps(id) ON DELETE CASCADE,"
	" driver TEXT NOT NULL,"
	" car_class INTEGER NOT NULL,"
	" source TEXT NOT NULL,"
	" created_unix_ms INTEGER NOT NULL);"
	"CREATE INDEX refs_by_class ON refs (car_class);",
	/* 4: the car (model or team) a driver drove. */
	"ALTER TABLE cars ADD COLUMN car TEXT NOT NULL DEFAULT '';",
	/* 5: track models (opaque blobs) by game, track and layout. */
	"CREATE TABLE tracks ("
	" game INTEGER NOT NULL,"
	" track TEXT NOT NULL,"
	" layout TEXT NOT NULL,"
	" n_points INTEGER NOT NULL,"
	" step_m REAL NOT NULL,"
	" length_m REAL NOT NULL,"
	" created_unix_ms INTEGER NOT NULL,"
	" blob BLOB NOT NULL,"
	" PRIMARY KEY (game, track, layout));",
	/* 6: the coach's skill ratings of a lap, 0..100 (NULL unknown). */
	"CREATE TABLE ratings ("
	" lap_id INTEGER NOT NULL REFERENCES laps(id) ON DELETE CASCADE,"
	" ref_lap_id INTEGER NOT NULL,"
	" driver TEXT NOT NULL,"
	" created_unix_ms INTEGER NOT NULL,"
	" lap_s REAL, delta_s REAL,"
	" braking REAL, entry REAL, mid REAL, exit REAL, consistency REAL,"
	" overall REAL,"
	" PRIMARY KEY (lap_id, ref_lap_id));"
	"CREATE INDEX ratings_by_driver ON ratings (driver, created_unix_ms);",
};
/* clang-format on */

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ------------------------------------------------------------------ */
/* Cached statements. */

#define SESSION_COLS                                                           \
	"s.id, s.source_uid, s.game, s.packet_format, s.game_year,"            \
	" s.game_major, s.game_minor, s.track_id, s.track, s.layout,"          \
	" s.track_length_m, s.kind, s.game_session_type, s.car_class,"         \
	" s.weather, s.air_temp_c, s.track_temp_c, s.start_unix_ms,"           \
	" (SELECT count(*) FROM laps l WHERE l.session_id = s.id),"            \
	" (SELECT min(l.lap_time_ms) FROM laps l WHERE l.session_id = s.id"    \
	"  AND l.flags = 0 AND l.lap_time_ms >= 0)"

#define LAP_COLS                                                               \
	"l.id, l.session_id, l.car_index, coalesce(c.driver, ''),"             \
	" coalesce(c.car, ''),"                                                \
	" l.lap_number, l.lap_time_ms, l.sector1_ms, l.sector2_ms,"            \
	" l.sector3_ms, l.flags, l.n_samples, l.chans, l.blob_bytes"

#define LAP_FROM                                                               \
	" FROM laps l LEFT JOIN cars c ON c.session_id = l.session_id"         \
	" AND c.car_index = l.car_index"

/* Only a known field replaces a stored one (the header's contract). */
#define KEEP_UNLESS(col, cond)                                                 \
	" " col " = CASE WHEN " cond " THEN excluded." col " ELSE " col " END"

enum stmt {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SESSION_PUT,
	S_SESSION_EXISTS,
	S_CAR_PUT,
	S_LAP_DELETE,
	S_LAP_INSERT,
	S_DATA_INSERT,
	S_LAP_GET,
	S_LAP_ROW,
	S_LAPS_LIST,
	S_SESSIONS_LIST,
	S_SESSION_GET,
	S_LAP_EXISTS,
	S_REF_PUT,
	S_REFS_LIST,
	S_TRACK_PUT,
	S_TRACK_GET,
	S_RATING_PUT,
	S_RATINGS_LIST,
	S__COUNT
};

/* SQL reads best laid out as SQL. */
/* clang-format off */
static const char *const stmt_sql[S__COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SESSION_PUT] =
		"INSERT INTO sessions (source_uid, game, packet_format,"
		" game_year, game_major, game_minor, track_id, track, layout,"
		" track_length_m, kind, game_session_type, car_class, weather,"
		" air_temp_c, track_temp_c, start_unix_ms, created_unix_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16, ?17, ?18)"
		" ON CONFLICT (game, source_uid) DO UPDATE SET"
		KEEP_UNLESS("packet_format", "excluded.packet_format <> 0") ","
		KEEP_UNLESS("game_year", "excluded.packet_format <> 0") ","
		KEEP_UNLESS("game_major", "excluded.packet_format <> 0") ","
		KEEP_UNLESS("game_minor", "excluded.packet_format <> 0") ","
		KEEP_UNLESS("track_id", "excluded.track_id >= 0") ","
		KEEP_UNLESS("track", "excluded.track <> ''") ","
		KEEP_UNLESS("layout", "excluded.layout <> ''") ","
		KEEP_UNLESS("track_length_m", "excluded.track_length_m > 0") ","
		KEEP_UNLESS("kind", "excluded.kind <> 0") ","
		KEEP_UNLESS("game_session_type", "excluded.kind <> 0") ","
		KEEP_UNLESS("car_class", "excluded.car_class <> 0") ","
		KEEP_UNLESS("weather", "excluded.weather >= 0") ","
		KEEP_UNLESS("air_temp_c", "excluded.weather >= 0") ","
		KEEP_UNLESS("track_temp_c", "excluded.weather >= 0") ","
		KEEP_UNLESS("start_unix_ms", "start_unix_ms = 0")
		" RETURNING id",
	[S_SESSION_EXISTS] = "SELECT 1 FROM sessions WHERE id = ?1",
	[S_CAR_PUT] =
		"INSERT INTO cars (session_id, car_index, driver, team_id,"
		" race_number, ai, car) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT (session_id, car_index) DO UPDATE SET"
		" car = CASE WHEN excluded.car <> '' THEN excluded.car"
		" ELSE car END,"
		" driver = excluded.driver, team_id = excluded.team_id,"
		" race_number = excluded.race_number, ai = excluded.ai",
	[S_LAP_DELETE] =
		"DELETE FROM laps WHERE session_id = ?1 AND car_index = ?2"
		" AND lap_number = ?3",
	[S_LAP_INSERT] =
		"INSERT INTO laps (session_id, car_index, lap_number,"
		" lap_time_ms, sector1_ms, sector2_ms, sector3_ms, flags,"
		" n_samples, chans, blob_bytes, created_unix_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[S_DATA_INSERT] =
		"INSERT INTO lap_data (lap_id, blob) VALUES (?1, ?2)",
	[S_LAP_GET] =
		"SELECT " LAP_COLS ", d.blob" LAP_FROM
		" JOIN lap_data d ON d.lap_id = l.id WHERE l.id = ?1",
	[S_LAP_ROW] = "SELECT " LAP_COLS LAP_FROM " WHERE l.id = ?1",
	[S_LAPS_LIST] =
		"SELECT " LAP_COLS LAP_FROM " WHERE l.session_id = ?1"
		" ORDER BY l.car_index, l.lap_number",
	[S_SESSIONS_LIST] =
		"SELECT " SESSION_COLS " FROM sessions s"
		" ORDER BY s.start_unix_ms DESC, s.id DESC",
	[S_SESSION_GET] =
		"SELECT " SESSION_COLS " FROM sessions s WHERE s.id = ?1",
	[S_LAP_EXISTS] = "SELECT 1 FROM laps WHERE id = ?1",
	[S_REF_PUT] =
		"INSERT INTO refs (lap_id, driver, car_class, source,"
		" created_unix_ms) VALUES (?1, ?2, ?3, ?4, ?5)"
		" ON CONFLICT (lap_id) DO UPDATE SET driver = excluded.driver,"
		" car_class = excluded.car_class, source = excluded.source",
	[S_REFS_LIST] =
		"SELECT r.lap_id, l.session_id, l.car_index, l.lap_number,"
		" l.lap_time_ms, r.driver, r.car_class, r.source, s.track,"
		" s.game FROM refs r JOIN laps l ON l.id = r.lap_id"
		" JOIN sessions s ON s.id = l.session_id"
		" ORDER BY r.car_class, s.track, l.lap_time_ms, r.lap_id",
	[S_TRACK_PUT] =
		"INSERT OR REPLACE INTO tracks (game, track, layout, n_points,"
		" step_m, length_m, created_unix_ms, blob)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[S_TRACK_GET] =
		"SELECT n_points, step_m, length_m, created_unix_ms, blob"
		" FROM tracks WHERE game = ?1 AND track = ?2 AND layout = ?3",
	[S_RATING_PUT] =
		"INSERT OR REPLACE INTO ratings (lap_id, ref_lap_id, driver,"
		" created_unix_ms, lap_s, delta_s, braking, entry, mid, exit,"
		" consistency, overall)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	[S_RATINGS_LIST] =
		"SELECT r.lap_id, l.session_id, r.ref_lap_id, r.driver,"
		" r.created_unix_ms, r.lap_s, r.delta_s, r.braking, r.entry,"
		" r.mid, r.exit, r.consistency, r.overall"
		" FROM ratings r JOIN laps l ON l.id = r.lap_id"
		" WHERE ?1 = '' OR r.driver = ?1"
		" ORDER BY r.created_unix_ms, l.session_id, r.lap_id",
};
/* clang-format on */

struct sqlite_store {
	struct store base; /* first: the handle callers hold */
	sqlite3 *db;
	sqlite3_stmt *stmt[S__COUNT];
	int schema_version;
	struct tb_buf blob; /* encode buffer, reused across laps */
	bool in_batch;	    /* a store_batch transaction is open */
	char path[256];	    /* for messages */
};

static struct sqlite_store *from_base(struct store *st)
{
	return (struct sqlite_store *)st;
}

/* ------------------------------------------------------------------ */
/* Errors. */

static enum tb_status map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return TB_ERR_NOMEM;
	case SQLITE_NOTADB:
		return TB_ERR_FORMAT;
	case SQLITE_CORRUPT:
		return TB_ERR_CORRUPT;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
		return TB_ERR_IO;
	case SQLITE_TOOBIG:
		return TB_ERR_LIMIT;
	default:
		return TB_ERR_DB;
	}
}

/* Fail with the connection's message: "sqlite x.db: insert lap: ...". */
static enum tb_status db_fail(struct sqlite_store *s, int rc,
			      struct tb_error *err, const char *what)
{
	const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_NOTADB)
		return tb_fail(err, TB_ERR_FORMAT,
			       "sqlite %s: not a SQLite database (%s)", s->path,
			       msg);
	return tb_fail(err, map_rc(rc), "sqlite %s: %s: %s (%d)", s->path, what,
		       msg, rc);
}

/* Reset a cached statement after use; its result was checked already. */
static void done(sqlite3_stmt *q)
{
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
}

/* Run a statement with no result rows to SQLITE_DONE. */
static enum tb_status run(struct sqlite_store *s, enum stmt k,
			  struct tb_error *err, const char *what)
{
	sqlite3_stmt *q = s->stmt[k];
	int rc = sqlite3_step(q);
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, what);
	return TB_OK;
}

/* Roll back if a transaction is open; the original error stands. */
static void rollback(struct sqlite_store *s)
{
	if (!sqlite3_get_autocommit(s->db)) {
		sqlite3_step(s->stmt[S_ROLLBACK]);
		done(s->stmt[S_ROLLBACK]);
	}
}

/* ------------------------------------------------------------------ */
/* Open, migrate, close. */

static enum tb_status exec(struct sqlite_store *s, const char *sql,
			   struct tb_error *err, const char *what)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(s, rc, err, what);
	return TB_OK;
}

static enum tb_status user_version(struct sqlite_store *s, int *out,
				   struct tb_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(q, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_OK)
		return db_fail(s, rc, err, "read schema version");
	return TB_OK;
}

/* One migration step in its own transaction; re-reads the version under
 * the write lock, so two processes opening at once migrate once. */
static enum tb_status migrate_step(struct sqlite_store *s, int to,
				   struct tb_error *err)
{
	enum tb_status st = exec(s, "BEGIN IMMEDIATE", err, "migrate");
	if (st != TB_OK)
		return st;
	int v = 0;
	st = user_version(s, &v, err);
	if (st == TB_OK && v == to - 1) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", to);
		st = exec(s, migrations[to - 1], err, "migrate schema");
		if (st == TB_OK)
			st = exec(s, sql, err, "set schema version");
	}
	if (st == TB_OK)
		st = exec(s, "COMMIT", err, "commit migration");
	if (st != TB_OK && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return st;
}

static enum tb_status migrate(struct sqlite_store *s, struct tb_error *err)
{
	int v = 0;
	enum tb_status st = user_version(s, &v, err);
	if (st != TB_OK)
		return st;
	if (v > SCHEMA_VERSION || v < 0)
		return tb_fail(err, TB_ERR_VERSION,
			       "sqlite %s: schema version %d, this build knows "
			       "up to %d: upgrade trailbrake",
			       s->path, v, SCHEMA_VERSION);
	for (int to = v + 1; to <= SCHEMA_VERSION && st == TB_OK; to++)
		st = migrate_step(s, to, err);
	if (st == TB_OK)
		st = user_version(s, &s->schema_version, err);
	return st;
}

static enum tb_status configure(struct sqlite_store *s, struct tb_error *err)
{
	sqlite3_extended_result_codes(s->db, 1);
	int rc = sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (rc != SQLITE_OK)
		return db_fail(s, rc, err, "busy timeout");
	/* journal_mode is the first statement to read the file: a file that
	 * is not a database fails here. */
	enum tb_status st =
	    exec(s, "PRAGMA journal_mode = WAL", err, "journal mode");
	if (st == TB_OK)
		st = exec(s, "PRAGMA synchronous = NORMAL", err, "synchronous");
	if (st == TB_OK)
		st = exec(s, "PRAGMA foreign_keys = ON", err, "foreign keys");
	return st;
}

static enum tb_status prepare_all(struct sqlite_store *s, struct tb_error *err)
{
	for (int k = 0; k < S__COUNT; k++) {
		int rc = sqlite3_prepare_v3(s->db, stmt_sql[k], -1,
					    SQLITE_PREPARE_PERSISTENT,
					    &s->stmt[k], NULL);
		if (rc != SQLITE_OK)
			return db_fail(s, rc, err, "prepare");
	}
	return TB_OK;
}

static void sq_close(struct store *st)
{
	struct sqlite_store *s = from_base(st);
	if (!s)
		return;
	for (int k = 0; k < S__COUNT; k++)
		sqlite3_finalize(s->stmt[k]);
	sqlite3_close(s->db);
	tb_buf_release(&s->blob);
	tb_free(s);
}

static enum tb_status sq_open(const char *target, struct store **out,
			      struct tb_error *err)
{
	*out = NULL;
	struct sqlite_store *s = tb_calloc(1, sizeof(*s));
	if (!s)
		return tb_fail(err, TB_ERR_NOMEM, "sqlite %s: handle", target);
	s->base.ops = &store__sqlite_ops;
	tb_buf_init(&s->blob, TB_BLOB_MAX_BYTES);
	snprintf(s->path, sizeof(s->path), "%s", target);
	int rc = sqlite3_open_v2(target, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
				 NULL);
	enum tb_status st;
	if (rc != SQLITE_OK) {
		st = db_fail(s, rc, err, "open");
		goto fail;
	}
	st = configure(s, err);
	if (st == TB_OK)
		st = migrate(s, err);
	if (st == TB_OK)
		st = prepare_all(s, err);
	if (st != TB_OK)
		goto fail;
	*out = &s->base;
	return TB_OK;
fail:
	sq_close(&s->base);
	return st;
}

static int sq_schema_version(struct store *st)
{
	return from_base(st)->schema_version;
}

/* ------------------------------------------------------------------ */
/* Binding and reading rows. */

/* Bind helpers keep the first failure in *rc, so a run of binds is
 * checked once. */
static void bind_i64(sqlite3_stmt *q, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(q, i, v);
}

static void bind_text(sqlite3_stmt *q, int i, const char *v, size_t cap,
		      int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_text(q, i, v, (int)strnlen(v, cap - 1),
					SQLITE_TRANSIENT);
}

static void bind_double(sqlite3_stmt *q, int i, double v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_double(q, i, v);
}

static void column_text(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	size_t n = (size_t)sqlite3_column_bytes(q, i);
	if (!t)
		n = 0;
	if (n > cap - 1)
		n = cap - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = 0;
}

static void read_session(sqlite3_stmt *q, struct store_session_row *r)
{
	memset(r, 0, sizeof(*r));
	struct tb_session_info *in = &r->info;
	r->id = sqlite3_column_int64(q, 0);
	in->source_uid = (uint64_t)sqlite3_column_int64(q, 1);
	in->game = (enum tb_game)sqlite3_column_int(q, 2);
	in->packet_format = (uint16_t)sqlite3_column_int(q, 3);
	in->game_year = (uint8_t)sqlite3_column_int(q, 4);
	in->game_major = (uint8_t)sqlite3_column_int(q, 5);
	in->game_minor = (uint8_t)sqlite3_column_int(q, 6);
	in->track_id = sqlite3_column_int(q, 7);
	column_text(q, 8, in->track, sizeof(in->track));
	column_text(q, 9, in->layout, sizeof(in->layout));
	in->track_length_m = sqlite3_column_double(q, 10);
	in->kind = (enum tb_session_kind)sqlite3_column_int(q, 11);
	in->game_session_type = sqlite3_column_int(q, 12);
	in->car_class = (enum tb_car_class)sqlite3_column_int(q, 13);
	in->weather = sqlite3_column_int(q, 14);
	in->air_temp_c = sqlite3_column_int(q, 15);
	in->track_temp_c = sqlite3_column_int(q, 16);
	in->start_unix_ms = sqlite3_column_int64(q, 17);
	r->n_laps = sqlite3_column_int64(q, 18);
	r->best_lap_ms = sqlite3_column_type(q, 19) == SQLITE_NULL
			     ? TB_TIME_UNKNOWN
			     : sqlite3_column_int(q, 19);
}

static void read_lap(sqlite3_stmt *q, struct store_lap_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(q, 0);
	r->session_id = sqlite3_column_int64(q, 1);
	r->car_index = (uint8_t)sqlite3_column_int(q, 2);
	column_text(q, 3, r->driver, sizeof(r->driver));
	column_text(q, 4, r->car, sizeof(r->car));
	r->lap_number = (uint32_t)sqlite3_column_int64(q, 5);
	r->lap_time_ms = sqlite3_column_int(q, 6);
	for (int i = 0; i < 3; i++)
		r->sector_ms[i] = sqlite3_column_int(q, 7 + i);
	r->flags = (uint32_t)sqlite3_column_int64(q, 10);
	r->n_samples = sqlite3_column_int64(q, 11);
	r->chans = (tb_chmask)sqlite3_column_int64(q, 12);
	r->blob_bytes = sqlite3_column_int64(q, 13);
}

/* TB_OK if session id exists, TB_ERR_NOTFOUND if not. */
static enum tb_status session_exists(struct sqlite_store *s, int64_t id,
				     struct tb_error *err)
{
	sqlite3_stmt *q = s->stmt[S_SESSION_EXISTS];
	int rc = sqlite3_bind_int64(q, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc == SQLITE_ROW)
		return TB_OK;
	if (rc == SQLITE_DONE)
		return tb_fail(err, TB_ERR_NOTFOUND,
			       "sqlite %s: no session "
			       "%lld",
			       s->path, (long long)id);
	return db_fail(s, rc, err, "find session");
}

/* ------------------------------------------------------------------ */
/* Sessions and cars. */

static enum tb_status sq_session_put(struct store *st,
				     const struct tb_session_info *in,
				     int64_t *out_id, struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_SESSION_PUT];
	int rc = SQLITE_OK;
	bind_i64(q, 1, (int64_t)in->source_uid, &rc);
	bind_i64(q, 2, in->game, &rc);
	bind_i64(q, 3, in->packet_format, &rc);
	bind_i64(q, 4, in->game_year, &rc);
	bind_i64(q, 5, in->game_major, &rc);
	bind_i64(q, 6, in->game_minor, &rc);
	bind_i64(q, 7, in->track_id, &rc);
	bind_text(q, 8, in->track, sizeof(in->track), &rc);
	bind_text(q, 9, in->layout, sizeof(in->layout), &rc);
	bind_double(q, 10, in->track_length_m, &rc);
	bind_i64(q, 11, in->kind, &rc);
	bind_i64(q, 12, in->game_session_type, &rc);
	bind_i64(q, 13, in->car_class, &rc);
	bind_i64(q, 14, in->weather, &rc);
	bind_i64(q, 15, in->air_temp_c, &rc);
	bind_i64(q, 16, in->track_temp_c, &rc);
	bind_i64(q, 17, in->start_unix_ms, &rc);
	bind_i64(q, 18, tb_wall_ms(), &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*out_id = sqlite3_column_int64(q, 0);
		rc = sqlite3_step(q); /* RETURNING: run to the end */
	}
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "put session");
	return TB_OK;
}

static enum tb_status sq_car_put(struct store *st, int64_t session_id,
				 const struct tb_car_info *car,
				 struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_CAR_PUT];
	int rc = SQLITE_OK;
	bind_i64(q, 1, session_id, &rc);
	bind_i64(q, 2, car->car_index, &rc);
	bind_text(q, 3, car->driver, sizeof(car->driver), &rc);
	bind_i64(q, 4, car->team_id, &rc);
	bind_i64(q, 5, car->race_number, &rc);
	bind_i64(q, 6, car->ai ? 1 : 0, &rc);
	bind_text(q, 7, car->car, sizeof(car->car), &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return tb_fail(err, TB_ERR_NOTFOUND,
			       "sqlite %s: car %u: no session %lld", s->path,
			       car->car_index, (long long)session_id);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "put car");
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Laps. */

static enum tb_status insert_lap(struct sqlite_store *s, int64_t session_id,
				 const struct tb_lap *lap, int64_t *out_id,
				 struct tb_error *err)
{
	sqlite3_stmt *q = s->stmt[S_LAP_DELETE];
	int rc = SQLITE_OK;
	bind_i64(q, 1, session_id, &rc);
	bind_i64(q, 2, lap->car_index, &rc);
	bind_i64(q, 3, lap->lap_number, &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "replace lap");

	q = s->stmt[S_LAP_INSERT];
	rc = SQLITE_OK;
	bind_i64(q, 1, session_id, &rc);
	bind_i64(q, 2, lap->car_index, &rc);
	bind_i64(q, 3, lap->lap_number, &rc);
	bind_i64(q, 4, lap->lap_time_ms, &rc);
	for (int i = 0; i < 3; i++)
		bind_i64(q, 5 + i, lap->sector_ms[i], &rc);
	bind_i64(q, 8, lap->flags, &rc);
	bind_i64(q, 9, (int64_t)lap->n, &rc);
	bind_i64(q, 10, (int64_t)lap->chans, &rc);
	bind_i64(q, 11, (int64_t)s->blob.len, &rc);
	bind_i64(q, 12, tb_wall_ms(), &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "insert lap");
	int64_t id = sqlite3_last_insert_rowid(s->db);

	q = s->stmt[S_DATA_INSERT];
	rc = sqlite3_bind_int64(q, 1, id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob64(q, 2, s->blob.data, s->blob.len,
					 SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "insert lap blob");
	*out_id = id;
	return TB_OK;
}

static enum tb_status sq_lap_put(struct store *st, int64_t session_id,
				 const struct tb_lap *lap, int64_t *out_id,
				 struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	/* Encode first: the write lock is held only for the inserts. */
	enum tb_status rc = lapblob_encode(lap, &s->blob, NULL, err);
	if (rc != TB_OK)
		return rc;
	if (s->in_batch) {
		/* The batch's transaction holds it; its end commits or rolls
		 * back the whole batch, this lap included. */
		rc = session_exists(s, session_id, err);
		if (rc == TB_OK)
			rc = insert_lap(s, session_id, lap, out_id, err);
		return rc;
	}
	rc = run(s, S_BEGIN, err, "begin lap");
	if (rc != TB_OK)
		return rc;
	rc = session_exists(s, session_id, err);
	if (rc == TB_OK)
		rc = insert_lap(s, session_id, lap, out_id, err);
	if (rc == TB_OK)
		rc = run(s, S_COMMIT, err, "commit lap");
	if (rc != TB_OK)
		rollback(s);
	return rc;
}

static enum tb_status sq_lap_get(struct store *st, int64_t lap_id,
				 struct tb_lap *out, struct store_lap_row *row,
				 struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_LAP_GET];
	int rc = sqlite3_bind_int64(q, 1, lap_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		done(q);
		if (rc == SQLITE_DONE)
			return tb_fail(err, TB_ERR_NOTFOUND,
				       "sqlite %s: no lap %lld", s->path,
				       (long long)lap_id);
		return db_fail(s, rc, err, "get lap");
	}
	struct store_lap_row r;
	read_lap(q, &r);
	const void *blob = sqlite3_column_blob(q, 14);
	size_t len = (size_t)sqlite3_column_bytes(q, 14);
	enum tb_status st2;
	if (!blob && len)
		st2 = db_fail(s, SQLITE_NOMEM, err, "read lap blob");
	else
		st2 = lapblob_decode(blob ? blob : "", len, out, err);
	done(q);
	if (st2 != TB_OK)
		return st2;
	out->car_index = r.car_index;
	out->lap_number = r.lap_number;
	out->lap_time_ms = r.lap_time_ms;
	memcpy(out->sector_ms, r.sector_ms, sizeof(out->sector_ms));
	out->flags = r.flags;
	if (row)
		*row = r;
	return TB_OK;
}

static enum tb_status sq_lap_row_get(struct store *st, int64_t lap_id,
				     struct store_lap_row *row,
				     struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_LAP_ROW];
	int rc = sqlite3_bind_int64(q, 1, lap_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		read_lap(q, row);
	done(q);
	if (rc == SQLITE_ROW)
		return TB_OK;
	if (rc == SQLITE_DONE)
		return tb_fail(err, TB_ERR_NOTFOUND, "sqlite %s: no lap %lld",
			       s->path, (long long)lap_id);
	return db_fail(s, rc, err, "get lap row");
}

static enum tb_status sq_laps_list(struct store *st, int64_t session_id,
				   store_lap_cb cb, void *ctx,
				   struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	enum tb_status res = session_exists(s, session_id, err);
	if (res != TB_OK)
		return res;
	sqlite3_stmt *q = s->stmt[S_LAPS_LIST];
	int rc = sqlite3_bind_int64(q, 1, session_id);
	struct store_lap_row r;
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(q);
		if (rc != SQLITE_ROW)
			break;
		read_lap(q, &r);
		if (cb(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "list laps");
	return TB_OK;
}

static enum tb_status sq_sessions_list(struct store *st, store_session_cb cb,
				       void *ctx, struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_SESSIONS_LIST];
	struct store_session_row r;
	int rc;
	for (;;) {
		rc = sqlite3_step(q);
		if (rc != SQLITE_ROW)
			break;
		read_session(q, &r);
		if (cb(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "list sessions");
	return TB_OK;
}

static enum tb_status sq_session_get(struct store *st, int64_t session_id,
				     struct store_session_row *out,
				     struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_SESSION_GET];
	int rc = sqlite3_bind_int64(q, 1, session_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		read_session(q, out);
	done(q);
	if (rc == SQLITE_ROW)
		return TB_OK;
	if (rc == SQLITE_DONE)
		return tb_fail(err, TB_ERR_NOTFOUND,
			       "sqlite %s: no session "
			       "%lld",
			       s->path, (long long)session_id);
	return db_fail(s, rc, err, "get session");
}

static enum tb_status sq_batch_begin(struct store *st, struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	if (s->in_batch)
		return tb_fail(err, TB_ERR_ARG,
			       "sqlite %s: batches do not nest", s->path);
	enum tb_status rc = run(s, S_BEGIN, err, "begin batch");
	if (rc == TB_OK)
		s->in_batch = true;
	return rc;
}

static enum tb_status sq_batch_end(struct store *st, bool commit,
				   struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	if (!s->in_batch)
		return tb_fail(err, TB_ERR_ARG, "sqlite %s: no batch open",
			       s->path);
	s->in_batch = false;
	enum tb_status rc = TB_OK;
	if (commit)
		rc = run(s, S_COMMIT, err, "commit batch");
	if (!commit || rc != TB_OK)
		rollback(s);
	return rc;
}

static enum tb_status sq_ref_put(struct store *st, int64_t lap_id,
				 const char *driver,
				 enum tb_car_class car_class,
				 const char *source, struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_LAP_EXISTS];
	int rc = sqlite3_bind_int64(q, 1, lap_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc == SQLITE_DONE)
		return tb_fail(err, TB_ERR_NOTFOUND, "no lap %lld",
			       (long long)lap_id);
	if (rc != SQLITE_ROW)
		return db_fail(s, rc, err, "find lap");
	q = s->stmt[S_REF_PUT];
	rc = sqlite3_bind_int64(q, 1, lap_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q, 2, driver, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(q, 3, car_class);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q, 4, source, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(q, 5, tb_wall_ms());
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "tag reference");
	return TB_OK;
}

static void copy_text(char *dst, size_t cap, sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);
	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

static enum tb_status sq_refs_list(struct store *st, store_ref_cb cb,
				   void *ctx, struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_REFS_LIST];
	int rc;
	for (;;) {
		rc = sqlite3_step(q);
		if (rc != SQLITE_ROW)
			break;
		struct store_ref_row r;
		memset(&r, 0, sizeof(r));
		r.lap_id = sqlite3_column_int64(q, 0);
		r.session_id = sqlite3_column_int64(q, 1);
		r.car_index = (uint8_t)sqlite3_column_int(q, 2);
		r.lap_number = (uint32_t)sqlite3_column_int64(q, 3);
		r.lap_time_ms = sqlite3_column_int(q, 4);
		copy_text(r.driver, sizeof(r.driver), q, 5);
		r.car_class = (enum tb_car_class)sqlite3_column_int(q, 6);
		copy_text(r.source, sizeof(r.source), q, 7);
		copy_text(r.track, sizeof(r.track), q, 8);
		r.game = (enum tb_game)sqlite3_column_int(q, 9);
		if (cb(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "list references");
	return TB_OK;
}

static enum tb_status sq_track_put(struct store *st,
				   const struct store_track_row *m,
				   const void *blob, size_t len,
				   struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_TRACK_PUT];
	int rc = sqlite3_bind_int64(q, 1, m->game);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q, 2, m->track, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q, 3, m->layout, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(q, 4, m->n_points);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_double(q, 5, m->step_m);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_double(q, 6, m->length_m);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(q, 7, tb_wall_ms());
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_blob64(q, 8, blob, len, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "store track model");
	return TB_OK;
}

/* The row's blob into *blob (emptied first). */
static enum tb_status track_blob(sqlite3_stmt *q, struct tb_buf *blob,
				 struct tb_error *err)
{
	const void *p = sqlite3_column_blob(q, 4);
	size_t len = (size_t)sqlite3_column_bytes(q, 4);
	blob->len = 0;
	if (len == 0 || !p)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "stored track model is empty");
	enum tb_status rc = tb_buf_append(blob, p, len);
	if (rc != TB_OK)
		return tb_fail(err, rc,
			       "stored track model of %zu bytes: %s (buffer "
			       "cap %zu)",
			       len, tb_strerror(rc), blob->max);
	return TB_OK;
}

static enum tb_status sq_track_get(struct store *st, enum tb_game game,
				   const char *track, const char *layout,
				   struct store_track_row *row,
				   struct tb_buf *blob, struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_TRACK_GET];
	enum tb_status st_rc = TB_OK;
	int rc = sqlite3_bind_int64(q, 1, game);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q, 2, track, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q, 3, layout, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		if (row) {
			memset(row, 0, sizeof(*row));
			row->game = game;
			snprintf(row->track, sizeof(row->track), "%s", track);
			snprintf(row->layout, sizeof(row->layout), "%s",
				 layout);
			row->n_points = sqlite3_column_int64(q, 0);
			row->step_m = sqlite3_column_double(q, 1);
			row->length_m = sqlite3_column_double(q, 2);
			row->created_unix_ms = sqlite3_column_int64(q, 3);
			row->blob_bytes = sqlite3_column_bytes(q, 4);
		}
		st_rc = track_blob(q, blob, err);
	}
	done(q);
	if (rc == SQLITE_ROW)
		return st_rc;
	if (rc == SQLITE_DONE)
		return tb_fail(err, TB_ERR_NOTFOUND,
			       "no track model for game %d, track \"%s\", "
			       "layout \"%s\"",
			       (int)game, track, layout);
	return db_fail(s, rc, err, "get track model");
}

static double col_num(sqlite3_stmt *q, int col)
{
	return sqlite3_column_type(q, col) == SQLITE_NULL
		   ? NAN
		   : sqlite3_column_double(q, col);
}

static int bind_num(sqlite3_stmt *q, int col, double v)
{
	return isfinite(v) ? sqlite3_bind_double(q, col, v)
			   : sqlite3_bind_null(q, col);
}

static enum tb_status sq_rating_put(struct store *st,
				    const struct store_rating_row *r,
				    struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_LAP_EXISTS];
	int rc = sqlite3_bind_int64(q, 1, r->lap_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc == SQLITE_DONE)
		return tb_fail(err, TB_ERR_NOTFOUND, "no lap %lld",
			       (long long)r->lap_id);
	if (rc != SQLITE_ROW)
		return db_fail(s, rc, err, "find lap");
	q = s->stmt[S_RATING_PUT];
	rc = sqlite3_bind_int64(q, 1, r->lap_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(q, 2, r->ref_lap_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q, 3, r->driver, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(q, 4, tb_wall_ms());
	if (rc == SQLITE_OK)
		rc = bind_num(q, 5, r->lap_s);
	if (rc == SQLITE_OK)
		rc = bind_num(q, 6, r->delta_s);
	for (int k = 0; k < STORE_RATINGS && rc == SQLITE_OK; k++)
		rc = bind_num(q, 7 + k, r->rating[k]);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "store ratings");
	return TB_OK;
}

static enum tb_status sq_ratings_list(struct store *st, const char *driver,
				      store_rating_cb cb, void *ctx,
				      struct tb_error *err)
{
	struct sqlite_store *s = from_base(st);
	sqlite3_stmt *q = s->stmt[S_RATINGS_LIST];
	int rc = sqlite3_bind_text(q, 1, driver ? driver : "", -1,
				   SQLITE_STATIC);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(q);
		if (rc != SQLITE_ROW)
			break;
		struct store_rating_row r;
		memset(&r, 0, sizeof(r));
		r.lap_id = sqlite3_column_int64(q, 0);
		r.session_id = sqlite3_column_int64(q, 1);
		r.ref_lap_id = sqlite3_column_int64(q, 2);
		copy_text(r.driver, sizeof(r.driver), q, 3);
		r.created_unix_ms = sqlite3_column_int64(q, 4);
		r.lap_s = col_num(q, 5);
		r.delta_s = col_num(q, 6);
		for (int k = 0; k < STORE_RATINGS; k++)
			r.rating[k] = col_num(q, 7 + k);
		if (cb(ctx, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	done(q);
	if (rc != SQLITE_DONE)
		return db_fail(s, rc, err, "list ratings");
	return TB_OK;
}

const struct store_ops store__sqlite_ops = {
    .version = STORE_OPS_VERSION,
    .scheme = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .session_put = sq_session_put,
    .car_put = sq_car_put,
    .lap_put = sq_lap_put,
    .lap_get = sq_lap_get,
    .sessions_list = sq_sessions_list,
    .laps_list = sq_laps_list,
    .session_get = sq_session_get,
    .schema_version = sq_schema_version,
    .batch_begin = sq_batch_begin,
    .batch_end = sq_batch_end,
    .ref_put = sq_ref_put,
    .refs_list = sq_refs_list,
    .track_put = sq_track_put,
    .track_get = sq_track_get,
    .lap_row_get = sq_lap_row_get,
    .rating_put = sq_rating_put,
    .ratings_list = sq_ratings_list,
};

/* store.c - the store interface's dispatch: store_open finds a backend
 * by URL scheme ("sqlite:PATH", "sqlite://PATH", a bare path), and the
 * store_* wrappers check their arguments and call through the table. */
#include "store_int.h"

#include <ctype.h>

static const struct store_ops *const backends[] = {
    &store__sqlite_ops,
};

#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))
#define SCHEME_MAX 16

/* Length of url's scheme ("sqlite" in "sqlite:x.db"), 0 when url is a
 * bare path. A scheme is a letter then letters, digits, '+', '-', '.',
 * ending at the first ':'; one letter ("C:") is a drive, not a scheme. */
static size_t scheme_len(const char *url)
{
	if (!isalpha((unsigned char)url[0]))
		return 0;
	size_t i = 1;
	while (isalnum((unsigned char)url[i]) || url[i] == '+' ||
	       url[i] == '-' || url[i] == '.')
		i++;
	return (url[i] == ':' && i >= 2) ? i : 0;
}

enum tb_status store_open(const char *url, struct store **out,
			  struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "store: no out handle");
	*out = NULL;
	if (!url || !*url)
		return tb_fail(err, TB_ERR_ARG, "store: empty URL");
	size_t n = scheme_len(url);
	const struct store_ops *ops = backends[0]; /* bare path: SQLite */
	const char *target = url;
	if (n) {
		ops = NULL;
		for (size_t i = 0; i < N_BACKENDS; i++) {
			const char *s = backends[i]->scheme;
			if (strlen(s) == n && strncmp(s, url, n) == 0)
				ops = backends[i];
		}
		if (!ops)
			return tb_fail(err, TB_ERR_UNSUPPORTED,
				       "store: unknown scheme \"%.*s\" in "
				       "\"%s\" (this build has: sqlite)",
				       (int)(n < SCHEME_MAX ? n : SCHEME_MAX),
				       url, url);
		target = url + n + 1;
		if (strncmp(target, "//", 2) == 0)
			target += 2;
	}
	if (!*target)
		return tb_fail(err, TB_ERR_ARG,
			       "store: \"%s\" names no "
			       "database",
			       url);
	return ops->open(target, out, err);
}

void store_close(struct store *st)
{
	if (st)
		st->ops->close(st);
}

enum tb_status store_session_put(struct store *st,
				 const struct tb_session_info *info,
				 int64_t *out_id, struct tb_error *err)
{
	if (!st || !info || !out_id)
		return tb_fail(err, TB_ERR_ARG,
			       "store: session_put: NULL "
			       "argument");
	return st->ops->session_put(st, info, out_id, err);
}

enum tb_status store_car_put(struct store *st, int64_t session_id,
			     const struct tb_car_info *car,
			     struct tb_error *err)
{
	if (!st || !car)
		return tb_fail(err, TB_ERR_ARG,
			       "store: car_put: NULL "
			       "argument");
	return st->ops->car_put(st, session_id, car, err);
}

enum tb_status store_lap_put(struct store *st, int64_t session_id,
			     const struct tb_lap *lap, int64_t *out_id,
			     struct tb_error *err)
{
	if (!st || !lap || !out_id)
		return tb_fail(err, TB_ERR_ARG,
			       "store: lap_put: NULL "
			       "argument");
	return st->ops->lap_put(st, session_id, lap, out_id, err);
}

enum tb_status store_lap_get(struct store *st, int64_t lap_id,
			     struct tb_lap *out, struct store_lap_row *row,
			     struct tb_error *err)
{
	if (!st || !out)
		return tb_fail(err, TB_ERR_ARG,
			       "store: lap_get: NULL "
			       "argument");
	return st->ops->lap_get(st, lap_id, out, row, err);
}

enum tb_status store_lap_row_get(struct store *st, int64_t lap_id,
				 struct store_lap_row *row,
				 struct tb_error *err)
{
	if (!st || !row)
		return tb_fail(err, TB_ERR_ARG,
			       "store: lap_row_get: NULL argument");
	if (st->ops->version >= 4 && st->ops->lap_row_get)
		return st->ops->lap_row_get(st, lap_id, row, err);
	/* An older backend: read the whole lap for its row. */
	struct tb_lap lap;
	tb_lap_init(&lap);
	enum tb_status rc = st->ops->lap_get(st, lap_id, &lap, row, err);
	tb_lap_release(&lap);
	return rc;
}

enum tb_status store_sessions_list(struct store *st, store_session_cb cb,
				   void *ctx, struct tb_error *err)
{
	if (!st || !cb)
		return tb_fail(err, TB_ERR_ARG,
			       "store: sessions_list: NULL "
			       "argument");
	return st->ops->sessions_list(st, cb, ctx, err);
}

enum tb_status store_laps_list(struct store *st, int64_t session_id,
			       store_lap_cb cb, void *ctx, struct tb_error *err)
{
	if (!st || !cb)
		return tb_fail(err, TB_ERR_ARG,
			       "store: laps_list: NULL "
			       "argument");
	return st->ops->laps_list(st, session_id, cb, ctx, err);
}

struct best_lap {
	int car; /* < 0: any */
	int64_t id;
	int32_t ms;
};

static int pick_best(void *ctx, const struct store_lap_row *r)
{
	struct best_lap *b = ctx;
	if (r->flags != 0 || r->lap_time_ms <= 0)
		return 0;
	if (b->car >= 0 && r->car_index != b->car)
		return 0;
	if (b->id == 0 || r->lap_time_ms < b->ms) {
		b->id = r->id;
		b->ms = r->lap_time_ms;
	}
	return 0;
}

enum tb_status store_session_best(struct store *st, int64_t session_id,
				  int car_index, int64_t *lap_id,
				  int32_t *lap_ms, struct tb_error *err)
{
	if (!lap_id)
		return tb_fail(err, TB_ERR_ARG,
			       "store: session_best: NULL "
			       "argument");
	struct best_lap b = {car_index, 0, 0};
	*lap_id = 0;
	if (lap_ms)
		*lap_ms = 0;
	enum tb_status st_ =
	    store_laps_list(st, session_id, pick_best, &b, err);
	if (st_ != TB_OK)
		return st_;
	*lap_id = b.id;
	if (lap_ms)
		*lap_ms = b.ms;
	return TB_OK;
}

enum tb_status store_session_get(struct store *st, int64_t session_id,
				 struct store_session_row *out,
				 struct tb_error *err)
{
	if (!st || !out)
		return tb_fail(err, TB_ERR_ARG,
			       "store: session_get: NULL "
			       "argument");
	return st->ops->session_get(st, session_id, out, err);
}

int store_schema_version(struct store *st)
{
	return st ? st->ops->schema_version(st) : 0;
}

enum tb_status store_batch_begin(struct store *st, struct tb_error *err)
{
	if (!st)
		return tb_fail(err, TB_ERR_ARG, "store: batch: NULL store");
	if (st->ops->version < 2 || !st->ops->batch_begin)
		return tb_fail(err, TB_ERR_UNSUPPORTED, "store: %s: no batches",
			       st->ops->scheme);
	return st->ops->batch_begin(st, err);
}

enum tb_status store_batch_end(struct store *st, bool commit,
			       struct tb_error *err)
{
	if (!st || st->ops->version < 2 || !st->ops->batch_end)
		return tb_fail(err, TB_ERR_ARG, "store: batch_end: no batch");
	return st->ops->batch_end(st, commit, err);
}

enum tb_status store_ref_put(struct store *st, int64_t lap_id,
			     const char *driver, enum tb_car_class car_class,
			     const char *source, struct tb_error *err)
{
	if (!st || !driver || !source)
		return tb_fail(err, TB_ERR_ARG,
			       "store: ref_put: NULL argument");
	if ((unsigned)car_class >= TB_CLASS__COUNT)
		return tb_fail(err, TB_ERR_ARG,
			       "store: ref_put: car class %d out of range",
			       (int)car_class);
	if (st->ops->version < 2 || !st->ops->ref_put)
		return tb_fail(err, TB_ERR_UNSUPPORTED,
			       "store: %s: no references", st->ops->scheme);
	return st->ops->ref_put(st, lap_id, driver, car_class, source, err);
}

enum tb_status store_refs_list(struct store *st, store_ref_cb cb, void *ctx,
			       struct tb_error *err)
{
	if (!st || !cb)
		return tb_fail(err, TB_ERR_ARG,
			       "store: refs_list: NULL argument");
	if (st->ops->version < 2 || !st->ops->refs_list)
		return tb_fail(err, TB_ERR_UNSUPPORTED,
			       "store: %s: no references", st->ops->scheme);
	return st->ops->refs_list(st, cb, ctx, err);
}

enum tb_status store_track_put(struct store *st,
			       const struct store_track_row *meta,
			       const void *blob, size_t len,
			       struct tb_error *err)
{
	if (!st || !meta || !blob || len == 0)
		return tb_fail(err, TB_ERR_ARG,
			       "store: track_put: NULL argument or empty "
			       "model");
	if (len > STORE_TRACK_BLOB_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "store: track_put: model of %zu bytes exceeds "
			       "%u",
			       len, STORE_TRACK_BLOB_MAX);
	if (st->ops->version < 3 || !st->ops->track_put)
		return tb_fail(err, TB_ERR_UNSUPPORTED,
			       "store: %s: no track models", st->ops->scheme);
	return st->ops->track_put(st, meta, blob, len, err);
}

enum tb_status store_track_get(struct store *st, enum tb_game game,
			       const char *track, const char *layout,
			       struct store_track_row *row, struct tb_buf *blob,
			       struct tb_error *err)
{
	if (!st || !blob)
		return tb_fail(err, TB_ERR_ARG,
			       "store: track_get: NULL argument");
	if (st->ops->version < 3 || !st->ops->track_get)
		return tb_fail(err, TB_ERR_UNSUPPORTED,
			       "store: %s: no track models", st->ops->scheme);
	return st->ops->track_get(st, game, track ? track : "",
				  layout ? layout : "", row, blob, err);
}

enum tb_status store_rating_put(struct store *st,
				const struct store_rating_row *r,
				struct tb_error *err)
{
	if (!st || !r)
		return tb_fail(err, TB_ERR_ARG,
			       "store: rating_put: NULL argument");
	if (st->ops->version < 4 || !st->ops->rating_put)
		return tb_fail(err, TB_ERR_UNSUPPORTED, "store: %s: no ratings",
			       st->ops->scheme);
	return st->ops->rating_put(st, r, err);
}

enum tb_status store_ratings_list(struct store *st, const char *driver,
				  store_rating_cb cb, void *ctx,
				  struct tb_error *err)
{
	if (!st || !cb)
		return tb_fail(err, TB_ERR_ARG,
			       "store: ratings_list: NULL argument");
	if (st->ops->version < 4 || !st->ops->ratings_list)
		return tb_fail(err, TB_ERR_UNSUPPORTED, "store: %s: no ratings",
			       st->ops->scheme);
	return st->ops->ratings_list(st, driver, cb, ctx, err);
}

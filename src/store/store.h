/* store.h - where sessions, cars and laps live. An interface (a table of
 * function pointers, like SQLite's VFS) with backends chosen by URL
 * scheme: "sqlite:PATH" (or a bare path) today, "mysql://..." later.
 * Callers use the store_* wrappers only, never the table. A lap is
 * written whole in one transaction, its channels in one compressed
 * columnar blob (lapblob.h), and reads back bit-for-bit as written.
 * A store handle is used by one thread at a time. */
#ifndef TB_STORE_H
#define TB_STORE_H

#include "../core/core.h"

struct store;

/* Row of the sessions table as listed. */
struct store_session_row {
	int64_t id;
	struct tb_session_info info;
	int64_t n_laps;
	int32_t best_lap_ms; /* TB_TIME_UNKNOWN when no timed lap */
};

/* Row of the laps table as listed (no samples). */
struct store_lap_row {
	int64_t id, session_id;
	uint8_t car_index;
	char driver[TB_NAME_MAX];
	char car[TB_NAME_MAX];
	uint32_t lap_number;
	int32_t lap_time_ms;
	int32_t sector_ms[3];
	uint32_t flags;
	int64_t n_samples;
	tb_chmask chans;
	int64_t blob_bytes;
};

/* A reference lap (a pro lap, a limit lap, a driver's own best) as
 * listed: the lap's identity plus who drove it and what class. */
struct store_ref_row {
	int64_t lap_id, session_id;
	uint8_t car_index;
	uint32_t lap_number;
	int32_t lap_time_ms;
	char driver[TB_NAME_MAX];
	enum tb_car_class car_class;
	char source[TB_NAME_MAX]; /* "f1-timing", "iracing-ibt", "user" */
	char track[TB_NAME_MAX];
	enum tb_game game;
};

/* A track model as stored, keyed by (game, track, layout): its
 * metadata and, apart, the model itself as an opaque blob whose format
 * belongs to the module that made it (the store never reads it). */
struct store_track_row {
	enum tb_game game;
	char track[TB_NAME_MAX]; /* "" is a key like any other */
	char layout[TB_NAME_MAX];
	int64_t n_points;
	double step_m, length_m;
	int64_t created_unix_ms; /* set by track_put */
	int64_t blob_bytes;
};

#define STORE_TRACK_BLOB_MAX (64u << 20) /* one stored track model */

typedef int (*store_session_cb)(void *ctx, const struct store_session_row *r);
typedef int (*store_ref_cb)(void *ctx, const struct store_ref_row *r);
typedef int (*store_lap_cb)(void *ctx, const struct store_lap_row *r);

/* The coach's ratings of one lap against one reference, 0..100 (NAN
 * unknown), in the coach's order: braking, entry, mid-corner, exit,
 * consistency, overall. */
#define STORE_RATINGS 6
struct store_rating_row {
	int64_t lap_id, session_id, ref_lap_id;
	char driver[TB_NAME_MAX];
	int64_t created_unix_ms; /* set by rating_put */
	double lap_s, delta_s;	 /* lap time, lap - reference (s) */
	double rating[STORE_RATINGS];
};
typedef int (*store_rating_cb)(void *ctx, const struct store_rating_row *r);

/* The backend table. version lets fields be appended later. Every
 * function returns a status and fills err on failure. */
struct store_ops {
	int version;
	const char *scheme; /* "sqlite" */
	enum tb_status (*open)(const char *target, struct store **out,
			       struct tb_error *err);
	void (*close)(struct store *st);
	enum tb_status (*session_put)(struct store *st,
				      const struct tb_session_info *info,
				      int64_t *out_id, struct tb_error *err);
	enum tb_status (*car_put)(struct store *st, int64_t session_id,
				  const struct tb_car_info *car,
				  struct tb_error *err);
	enum tb_status (*lap_put)(struct store *st, int64_t session_id,
				  const struct tb_lap *lap, int64_t *out_id,
				  struct tb_error *err);
	enum tb_status (*lap_get)(struct store *st, int64_t lap_id,
				  struct tb_lap *out, struct store_lap_row *row,
				  struct tb_error *err);
	enum tb_status (*sessions_list)(struct store *st, store_session_cb cb,
					void *ctx, struct tb_error *err);
	enum tb_status (*laps_list)(struct store *st, int64_t session_id,
				    store_lap_cb cb, void *ctx,
				    struct tb_error *err);
	enum tb_status (*session_get)(struct store *st, int64_t session_id,
				      struct store_session_row *out,
				      struct tb_error *err);
	int (*schema_version)(struct store *st);
	/* version 2: */
	enum tb_status (*batch_begin)(struct store *st, struct tb_error *err);
	enum tb_status (*batch_end)(struct store *st, bool commit,
				    struct tb_error *err);
	enum tb_status (*ref_put)(struct store *st, int64_t lap_id,
				  const char *driver,
				  enum tb_car_class car_class,
				  const char *source, struct tb_error *err);
	enum tb_status (*refs_list)(struct store *st, store_ref_cb cb,
				    void *ctx, struct tb_error *err);
	/* version 3: */
	enum tb_status (*track_put)(struct store *st,
				    const struct store_track_row *meta,
				    const void *blob, size_t len,
				    struct tb_error *err);
	enum tb_status (*track_get)(struct store *st, enum tb_game game,
				    const char *track, const char *layout,
				    struct store_track_row *row,
				    struct tb_buf *blob, struct tb_error *err);
	/* version 4: */
	enum tb_status (*lap_row_get)(struct store *st, int64_t lap_id,
				      struct store_lap_row *row,
				      struct tb_error *err);
	enum tb_status (*rating_put)(struct store *st,
				     const struct store_rating_row *r,
				     struct tb_error *err);
	enum tb_status (*ratings_list)(struct store *st, const char *driver,
				       store_rating_cb cb, void *ctx,
				       struct tb_error *err);
};

/* Every backend's handle starts with this base. */
struct store {
	const struct store_ops *ops;
};

/* Open by URL: "sqlite:PATH", "sqlite://PATH" or a bare PATH (SQLite).
 * Creates and migrates the schema as needed. *out is NULL on failure. */
enum tb_status store_open(const char *url, struct store **out,
			  struct tb_error *err) TB_WUR;
/* Close; NULL is a no-op. */
void store_close(struct store *st);

/* Insert or find the session with (game, source_uid); update its track,
 * kind and weather to info's non-unknown values. */
enum tb_status store_session_put(struct store *st,
				 const struct tb_session_info *info,
				 int64_t *out_id, struct tb_error *err) TB_WUR;
/* Insert or update car car->car_index of a session (driver, team...). */
enum tb_status store_car_put(struct store *st, int64_t session_id,
			     const struct tb_car_info *car,
			     struct tb_error *err) TB_WUR;
/* Store one whole lap (metadata + blob) in one transaction. lap is
 * borrowed. Storing the same (session, car, lap_number) again replaces
 * the earlier row in the same transaction. */
enum tb_status store_lap_put(struct store *st, int64_t session_id,
			     const struct tb_lap *lap, int64_t *out_id,
			     struct tb_error *err) TB_WUR;
/* Read a lap back; out must be initialised (its old contents are
 * released). row may be NULL. TB_ERR_NOTFOUND for an unknown id. */
enum tb_status store_lap_get(struct store *st, int64_t lap_id,
			     struct tb_lap *out, struct store_lap_row *row,
			     struct tb_error *err) TB_WUR;
/* A lap's row alone (metadata, no samples: the blob is not read).
 * TB_ERR_NOTFOUND for an unknown id. */
enum tb_status store_lap_row_get(struct store *st, int64_t lap_id,
				 struct store_lap_row *row,
				 struct tb_error *err) TB_WUR;
/* List sessions, newest first; cb returns non-zero to stop. */
enum tb_status store_sessions_list(struct store *st, store_session_cb cb,
				   void *ctx, struct tb_error *err) TB_WUR;
/* List a session's laps by car then lap number. TB_ERR_NOTFOUND if the
 * session does not exist. */
enum tb_status store_laps_list(struct store *st, int64_t session_id,
			       store_lap_cb cb, void *ctx,
			       struct tb_error *err) TB_WUR;
/* The fastest clean lap of a session (no flags, a lap time): of car
 * car_index, or of any car when car_index < 0. *lap_id 0 (and *lap_ms 0)
 * when there is none; lap_ms may be NULL. Errors as store_laps_list. */
enum tb_status store_session_best(struct store *st, int64_t session_id,
				  int car_index, int64_t *lap_id,
				  int32_t *lap_ms, struct tb_error *err) TB_WUR;
enum tb_status store_session_get(struct store *st, int64_t session_id,
				 struct store_session_row *out,
				 struct tb_error *err) TB_WUR;
/* Current schema version of an open store. */
int store_schema_version(struct store *st);

/* Group writes into one transaction: everything stored between
 * store_batch_begin and store_batch_end(commit = true) lands together,
 * or (commit = false, or a crash) none of it does. Used by file imports
 * so that a file is never half-imported. Batches do not nest. */
enum tb_status store_batch_begin(struct store *st, struct tb_error *err) TB_WUR;
enum tb_status store_batch_end(struct store *st, bool commit,
			       struct tb_error *err) TB_WUR;

/* Tag lap lap_id as a reference (replacing an earlier tag): who drove
 * it, the car class, where it came from. TB_ERR_NOTFOUND for an unknown
 * lap. Strings are copied. */
enum tb_status store_ref_put(struct store *st, int64_t lap_id,
			     const char *driver, enum tb_car_class car_class,
			     const char *source, struct tb_error *err) TB_WUR;
/* List reference laps by class, track, then lap time. */
enum tb_status store_refs_list(struct store *st, store_ref_cb cb, void *ctx,
			       struct tb_error *err) TB_WUR;

/* Store a track model under (meta->game, meta->track, meta->layout),
 * replacing any earlier one with that key: meta's n_points, step_m,
 * length_m and the blob (len bytes, 1..STORE_TRACK_BLOB_MAX, copied;
 * TB_ERR_ARG / TB_ERR_LIMIT otherwise); created_unix_ms and blob_bytes
 * of meta are ignored (set here). */
enum tb_status store_track_put(struct store *st,
			       const struct store_track_row *meta,
			       const void *blob, size_t len,
			       struct tb_error *err) TB_WUR;
/* The track model stored under (game, track, layout) (strings borrowed;
 * NULL means ""): its row into *row (may be NULL) and its blob appended
 * to *blob (emptied first; the buffer's own cap applies).
 * TB_ERR_NOTFOUND when none is stored under that key. */
enum tb_status store_track_get(struct store *st, enum tb_game game,
			       const char *track, const char *layout,
			       struct store_track_row *row, struct tb_buf *blob,
			       struct tb_error *err) TB_WUR;

/* Store the coach's ratings of r->lap_id against r->ref_lap_id
 * (replacing earlier ones of that pair; r copied, created_unix_ms set
 * here). TB_ERR_NOTFOUND for an unknown lap. */
enum tb_status store_rating_put(struct store *st,
				const struct store_rating_row *r,
				struct tb_error *err) TB_WUR;
/* Ratings of driver (NULL or "" = everyone), oldest first. */
enum tb_status store_ratings_list(struct store *st, const char *driver,
				  store_rating_cb cb, void *ctx,
				  struct tb_error *err) TB_WUR;

#endif /* TB_STORE_H */

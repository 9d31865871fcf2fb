/* trackmodel.h - one track model and one set of corners per session, for
 * every consumer (analyze, coach, the API's compare, coach and tracks),
 * so a racer sees the same corner numbers everywhere. The model is
 * looked up in the store by the session's (game, track, layout) key,
 * else built from the session's fastest clean laps (and stored when the
 * caller may write); the corners are found on it against the session's
 * fastest clean lap. The API, whose GETs never write, keeps what it
 * builds in a per-process cache. */
#ifndef TB_SERVER_TRACKMODEL_H
#define TB_SERVER_TRACKMODEL_H

#include "../analysis/analysis.h"
#include "../core/core.h"
#include "../store/store.h"

#define SRV_TM_BUILD_LAPS 5u  /* fastest clean laps a model is built from */
#define SRV_TM_CACHE_MAX  32u /* sessions the API keeps a model for */

enum srv_tm_source {
	SRV_TM_NONE,	     /* no model: distances from the laps' channels */
	SRV_TM_STORED,	     /* read from the store */
	SRV_TM_BUILT_STORED, /* built now and stored for reuse */
	SRV_TM_BUILT,	     /* built now, not stored (read-only caller,
				no key, or the store refused: see why) */
};

struct srv_tm {
	struct ana_track track; /* owned when has_track */
	bool has_track;
	enum srv_tm_source src;
	size_t n_built_from;		/* laps the model was built from */
	char key[3 * TB_NAME_MAX + 96]; /* the store key, described */
	struct ana_corners corners;	/* on the model (or, without one, from
					   the reference's speed) */
	bool has_corners;
	int64_t ref_lap; /* lap the corners' reference speeds come from */
	char why[TB_ERROR_MSG_MAX + 64]; /* "" or a note (no model, not stored,
				       no corners: why) */
};

/* Model and corners of session_id into out (initialised here; release
 * with srv_tm_release). fallback (borrowed, may be NULL): a lap used to
 * build the model and find the corners when the session has no clean
 * timed lap with what they need. may_store: store a freshly built model
 * under the session's key. Failures to find or build a model or corners
 * are not errors (has_track / has_corners false, why says it); errors
 * are only TB_ERR_NOMEM and TB_ERR_ARG. st is used (not thread-safe:
 * the caller holds its lock). */
enum tb_status srv_tm_get(struct store *st, int64_t session_id,
			  const struct tb_lap *fallback, bool may_store,
			  struct srv_tm *out, struct tb_error *err) TB_WUR;
void srv_tm_release(struct srv_tm *m);

/* A per-process cache of srv_tm_get results by session (the API's
 * GETs never write: may_store false; a CLI run coaching many laps:
 * true), refreshed when the session's fastest clean lap changes. */
struct srv_tm_cache;
enum tb_status srv_tm_cache_create(struct srv_tm_cache **out,
				   struct tb_error *err) TB_WUR;
void srv_tm_cache_destroy(struct srv_tm_cache *c);
/* As srv_tm_get without a fallback: out is a copy (release it with
 * srv_tm_release). st and c under the caller's lock. */
enum tb_status srv_tm_cache_get(struct srv_tm_cache *c, struct store *st,
				int64_t session_id, bool may_store,
				struct srv_tm *out,
				struct tb_error *err) TB_WUR;

#endif /* TB_SERVER_TRACKMODEL_H */

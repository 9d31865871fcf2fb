/* api_int.h - the JSON API under /api/v1 (api.c) and the small JSON
 * writer it uses for big float arrays (json.c). api.c knows nothing of
 * libmicrohttpd: http.c routes a request here and sends the reply. */
#ifndef TB_SERVER_API_INT_H
#define TB_SERVER_API_INT_H

#include "server_int.h"

/* ------------------------------------------------------------------ */
/* JSON writer: appends to a capped buffer; the first failure (cap hit,
 * out of memory) sticks in st and later calls do nothing, so callers
 * check st once at the end. Commas are placed automatically. */

#define SRV_JSON_DEPTH 32

struct srv_json {
	struct tb_buf b;
	enum tb_status st;
	unsigned depth;
	bool first[SRV_JSON_DEPTH]; /* no value yet at this depth */
	bool after_key;
};

void srv__json_init(struct srv_json *j, size_t max);
void srv__json_release(struct srv_json *j);
void srv__json_obj(struct srv_json *j);
void srv__json_obj_end(struct srv_json *j);
void srv__json_arr(struct srv_json *j);
void srv__json_arr_end(struct srv_json *j);
/* Object key (escaped); the next value belongs to it. */
void srv__json_key(struct srv_json *j, const char *k);
/* String value, escaped; NULL writes null. */
void srv__json_str(struct srv_json *j, const char *s);
void srv__json_int(struct srv_json *j, int64_t v);
void srv__json_bool(struct srv_json *j, bool v);
void srv__json_null(struct srv_json *j);
/* Number with 9 significant digits (float32 round-trips); NaN and
 * infinities are written as null. */
void srv__json_num(struct srv_json *j, double v);
/* Array of n numbers as srv__json_num writes them: the hot path. */
void srv__json_nums(struct srv_json *j, const double *v, size_t n);
/* Shorthands: "key": value. */
void srv__json_kstr(struct srv_json *j, const char *k, const char *s);
void srv__json_kint(struct srv_json *j, const char *k, int64_t v);
void srv__json_knum(struct srv_json *j, const char *k, double v);

/* Format v into out (at least 32 bytes) as srv__json_num does, without
 * the null case; returns the length. */
size_t srv__json_fmt_num(char *out, double v);

/* ------------------------------------------------------------------ */
/* Endpoints, for routing and per-endpoint latency metrics. */

#define SRV_EP_LIST(X)                                                         \
	X(SRV_EP_HEALTHZ, "healthz")                                           \
	X(SRV_EP_METRICS, "metrics")                                           \
	X(SRV_EP_SESSIONS, "sessions")                                         \
	X(SRV_EP_SESSION, "session")                                           \
	X(SRV_EP_SESSION_LAPS, "session_laps")                                 \
	X(SRV_EP_LAP, "lap")                                                   \
	X(SRV_EP_LAP_CHANNELS, "lap_channels")                                 \
	X(SRV_EP_COMPARE, "compare")                                           \
	X(SRV_EP_REFS, "refs")                                                 \
	X(SRV_EP_IMPORT, "import")                                             \
	X(SRV_EP_LAP_COACH, "lap_coach")                                       \
	X(SRV_EP_LIVE, "live")                                                 \
	X(SRV_EP_LIVE_CARS, "live_cars")                                       \
	X(SRV_EP_TRACKS, "tracks")                                             \
	X(SRV_EP_TRACK, "track")                                               \
	X(SRV_EP_DRIVERS, "drivers")                                           \
	X(SRV_EP_DRIVER, "driver")                                             \
	X(SRV_EP_FEATURES, "features")                                         \
	X(SRV_EP_STATIC, "static")                                             \
	X(SRV_EP_OTHER, "other")

enum srv_ep {
#define SRV__X(id, name) id,
	SRV_EP_LIST(SRV__X)
#undef SRV__X
	    SRV_EP__COUNT
};

const char *srv__ep_name(enum srv_ep ep);

/* Match a path: the endpoint (SRV_EP_OTHER if none) and the id in it
 * (0 when the path has none). *bad_id is set for an id that is not a
 * positive decimal number. */
enum srv_ep srv__api_route(const char *url, int64_t *id, bool *bad_id);
/* True for the endpoints that take POST (the others take GET/HEAD). */
bool srv__ep_is_post(enum srv_ep ep);

/* ------------------------------------------------------------------ */
/* Replies and the API context. */

#define SRV_JSON_MAX	     (64u << 20)    /* largest response body */
#define SRV_UPLOAD_MAX	     (256ull << 20) /* largest POST /import body */
#define SRV_COMPARE_LAPS_MAX 8u		    /* laps in one comparison */

/* A response: status, content type (static string) and the body, whose
 * buffer the caller sends and releases. */
struct srv_reply {
	unsigned code;
	const char *type;
	struct tb_buf body;
};

/* Fill r with {"error": error, "detail": detail} and the status. */
void srv__reply_error(struct srv_reply *r, unsigned code, const char *error,
		      const char *detail);

/* Query argument lookup: the decoded value or NULL when absent. */
typedef const char *(*srv_arg_fn)(void *ctx, const char *key);

struct srv_api;

/* Open the API's own read handle on the store at db_url (the daemon's
 * writer keeps its own). Handlers may run on several threads: the read
 * handle is guarded by a mutex inside. */
enum tb_status srv__api_create(const char *db_url, struct srv_api **out,
			       struct tb_error *err) TB_WUR;
void srv__api_destroy(struct srv_api *a);

/* Serve GET endpoint ep (not healthz/metrics/import) with the id from
 * the path; r is initialised here. */
void srv__api_get(struct srv_api *a, enum srv_ep ep, int64_t id, srv_arg_fn arg,
		  void *ctx, struct srv_reply *r);
/* Import the uploaded file at path (a temporary file the caller
 * removes) through its own store handle; r is initialised here. */
void srv__api_import(struct srv_api *a, const char *path, struct srv_reply *r);

/* The store handle under the API's lock, for api_ui.c: every lock is
 * followed by one unlock on the same thread. */
struct store *srv__api_store_lock(struct srv_api *a);
void srv__api_store_unlock(struct srv_api *a);
/* The API's track model cache (trackmodel.h), used under the store
 * lock. */
struct srv_tm_cache;
struct srv_tm_cache *srv__api_tm_cache(struct srv_api *a);

/* ------------------------------------------------------------------ */
/* The browser UI's endpoints (api_ui.c): tracks, drivers, features. */

/* Route p (the path after "/api/v1/"): an endpoint of api_ui.c, or
 * SRV_EP_OTHER. Fills *id and *bad_id as srv__api_route does. */
enum srv_ep srv__ui_route(const char *p, int64_t *id, bool *bad_id);
/* True for the endpoints srv__ui_get serves. */
bool srv__ui_owns(enum srv_ep ep);
/* Serve GET endpoint ep; url is the request's path (the driver's name
 * is its last segment, already percent-decoded); r initialised here. */
void srv__ui_get(struct srv_api *a, enum srv_ep ep, int64_t id, const char *url,
		 struct srv_reply *r);

/* GET /laps/{id}/coach (api_coach.c): st is the API's read handle and
 * tm its track model cache, both used under mu; r is initialised here. */
/* The coach's model, opened once by the first request that needs it
 * (a failure is not kept: the next request tries again) and used under
 * mu, so predictions never run concurrently on one booster. */
struct coach_model;
struct srv_coach_model {
	pthread_mutex_t mu;
	struct coach_model *m;
};
void srv__coach_model_init(struct srv_coach_model *cm);
void srv__coach_model_release(struct srv_coach_model *cm);
void srv__api_coach(struct store *st, pthread_mutex_t *mu,
		    struct srv_tm_cache *tm, struct srv_coach_model *cm,
		    int64_t id, srv_arg_fn arg, void *ctx,
		    struct srv_reply *r);

#endif /* TB_SERVER_API_INT_H */

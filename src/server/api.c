/* api.c - the JSON API under /api/v1: sessions, laps, a lap's channels
 * (JSON or float32 columns, filtered by distance, min/max-downsampled),
 * lap comparison (distance grids, delta, corners from analysis.h),
 * reference laps and file import. Reads go through one store handle of
 * its own, guarded by a mutex; imports open a handle each. */
#include "api_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../analysis/analysis.h"
#include "static_int.h"
#include "trackmodel.h"

struct srv_api {
	pthread_mutex_t mu; /* guards st and tm */
	struct store *st;
	struct srv_tm_cache *tm;   /* track models and corners built for
				      sessions without a stored model: GETs
				      never write to the store */
	pthread_mutex_t import_mu; /* one import at a time */
	struct srv_coach_model coach;
	char db_url[SRV_STR_MAX];
};

/* ------------------------------------------------------------------ */
/* Routing. */

const char *srv__ep_name(enum srv_ep ep)
{
	static const char *const names[] = {
#define SRV__X(id, name) name,
		SRV_EP_LIST(SRV__X)
#undef SRV__X
	};
	return (unsigned)ep < SRV_EP__COUNT ? names[ep] : "other";
}

bool srv__ep_is_post(enum srv_ep ep)
{
	return ep == SRV_EP_IMPORT;
}

/* A positive decimal id of at most 18 digits, ending at '/' or NUL;
 * returns the end, or NULL when malformed. */
static const char *parse_id(const char *p, int64_t *id)
{
	int64_t v = 0;
	size_t n = 0;
	for (; p[n] >= '0' && p[n] <= '9'; n++) {
		if (n == 18)
			return NULL;
		v = v * 10 + (p[n] - '0');
	}
	if (n == 0 || v <= 0 || (p[n] != '\0' && p[n] != '/'))
		return NULL;
	*id = v;
	return p + n;
}

/* "/sessions/{id}" style: id then the rest, which must be one of
 * tail_a ("") or tail_b ("/laps"). */
static enum srv_ep route_id(const char *p, int64_t *id, bool *bad_id,
			    enum srv_ep ep_a, const char *tail_b,
			    enum srv_ep ep_b)
{
	const char *seg_end = strchr(p, '/');
	const char *rest = parse_id(p, id);
	if (!rest) {
		*id = 0;
		*bad_id = true;
		rest = seg_end ? seg_end : p + strlen(p);
	}
	if (*rest == '\0')
		return ep_a;
	if (strcmp(rest, tail_b) == 0)
		return ep_b;
	*bad_id = false;
	return SRV_EP_OTHER;
}

enum srv_ep srv__api_route(const char *url, int64_t *id, bool *bad_id)
{
	static const char pre[] = "/api/v1/";
	*id = 0;
	*bad_id = false;
	if (strcmp(url, "/healthz") == 0)
		return SRV_EP_HEALTHZ;
	if (strcmp(url, "/metrics") == 0)
		return SRV_EP_METRICS;
	if (srv__static_owns(url))
		return SRV_EP_STATIC;
	if (strncmp(url, pre, sizeof(pre) - 1) != 0)
		return SRV_EP_OTHER;
	const char *p = url + sizeof(pre) - 1;
	if (strcmp(p, "sessions") == 0)
		return SRV_EP_SESSIONS;
	if (strcmp(p, "refs") == 0)
		return SRV_EP_REFS;
	if (strcmp(p, "compare") == 0)
		return SRV_EP_COMPARE;
	if (strcmp(p, "import") == 0)
		return SRV_EP_IMPORT;
	if (strcmp(p, "live") == 0)
		return SRV_EP_LIVE;
	if (strcmp(p, "live/cars") == 0)
		return SRV_EP_LIVE_CARS;
	if (strncmp(p, "sessions/", 9) == 0)
		return route_id(p + 9, id, bad_id, SRV_EP_SESSION, "/laps",
				SRV_EP_SESSION_LAPS);
	if (strncmp(p, "laps/", 5) == 0 &&
	    route_id(p + 5, id, bad_id, SRV_EP_LAP, "/coach",
		     SRV_EP_LAP_COACH) == SRV_EP_LAP_COACH)
		return SRV_EP_LAP_COACH;
	if (strncmp(p, "laps/", 5) == 0)
		return route_id(p + 5, id, bad_id, SRV_EP_LAP, "/channels",
				SRV_EP_LAP_CHANNELS);
	return srv__ui_route(p, id, bad_id);
}

/* ------------------------------------------------------------------ */
/* Replies. */

static void reply_json(struct srv_reply *r, unsigned code,
		       struct srv_json *j)
{
	if (j->st != TB_OK) {
		enum tb_status st = j->st;
		srv__json_release(j);
		srv__reply_error(r, st == TB_ERR_LIMIT ? 413 : 500,
				 st == TB_ERR_LIMIT ? "response too large"
						    : "out of memory",
				 tb_strerror(st));
		return;
	}
	r->code = code;
	r->type = "application/json";
	r->body = j->b; /* ownership moves to the reply */
}

void srv__reply_error(struct srv_reply *r, unsigned code, const char *error,
		      const char *detail)
{
	struct srv_json j;
	srv__json_init(&j, 1u << 16);
	srv__json_obj(&j);
	srv__json_kstr(&j, "error", error);
	srv__json_kstr(&j, "detail", detail ? detail : "");
	srv__json_obj_end(&j);
	r->code = code;
	r->type = "application/json";
	r->body = j.b; /* small: an append failure leaves it empty */
}

static void reply_status(struct srv_reply *r, enum tb_status st,
			 const struct tb_error *err)
{
	srv__reply_error(r, (unsigned)tb_status_http(st), tb_strerror(st),
			 err && err->msg[0] ? err->msg : tb_strerror(st));
}

static void bad_param(struct srv_reply *r, const char *fmt, const char *v)
{
	char d[TB_ERROR_MSG_MAX];
	snprintf(d, sizeof(d), fmt, v);
	srv__reply_error(r, 400, "bad parameter", d);
}

/* ------------------------------------------------------------------ */
/* Query arguments. Each returns false and fills r on a bad value. */

static bool arg_u64(srv_arg_fn arg, void *ctx, const char *key,
		    uint64_t def, uint64_t lo, uint64_t hi, uint64_t *out,
		    struct srv_reply *r)
{
	const char *v = arg(ctx, key);
	*out = def;
	if (!v)
		return true;
	char *end = NULL;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (*v < '0' || *v > '9' || errno || end == v || *end || x < lo ||
	    x > hi) {
		char d[TB_ERROR_MSG_MAX];
		snprintf(d, sizeof(d), "%s: '%.64s' is not a whole number in "
				       "%llu..%llu", key, v,
			 (unsigned long long)lo, (unsigned long long)hi);
		srv__reply_error(r, 400, "bad parameter", d);
		return false;
	}
	*out = x;
	return true;
}

static bool arg_num(srv_arg_fn arg, void *ctx, const char *key, double *out,
		    bool *given, struct srv_reply *r)
{
	const char *v = arg(ctx, key);
	*given = v != NULL;
	if (!v)
		return true;
	char *end = NULL;
	errno = 0;
	double x = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(x)) {
		char d[TB_ERROR_MSG_MAX];
		snprintf(d, sizeof(d), "%s: '%.64s' is not a number", key, v);
		srv__reply_error(r, 400, "bad parameter", d);
		return false;
	}
	*out = x;
	return true;
}

/* Channel list "speed,throttle": ids in order, duplicates dropped.
 * Absent: *n = 0 (the caller's default). */
static bool arg_channels(srv_arg_fn arg, void *ctx, enum tb_channel *ch,
			 size_t *n, struct srv_reply *r)
{
	const char *v = arg(ctx, "ch");
	*n = 0;
	if (!v)
		return true;
	tb_chmask seen = 0;
	const char *p = v;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char name[40];
		enum tb_channel c;
		if (len == 0 || len >= sizeof(name)) {
			bad_param(r, "ch: empty or overlong channel name in "
				     "'%.64s'", v);
			return false;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (tb_channel_by_name(name, &c) != TB_OK) {
			bad_param(r, "ch: unknown channel '%.40s'", name);
			return false;
		}
		if (!(seen & TB_CHBIT(c)))
			ch[(*n)++] = c;
		seen |= TB_CHBIT(c);
		if (!e)
			break;
		p = e + 1;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Objects. */

static void json_ms(struct srv_json *j, const char *k, int32_t ms)
{
	srv__json_key(j, k);
	if (ms == TB_TIME_UNKNOWN || ms < 0)
		srv__json_null(j);
	else
		srv__json_int(j, ms);
}

static void json_session(struct srv_json *j,
			 const struct store_session_row *s)
{
	const struct tb_session_info *in = &s->info;
	char uid[24];
	snprintf(uid, sizeof(uid), "%llu", (unsigned long long)in->source_uid);
	srv__json_obj(j);
	srv__json_kint(j, "id", s->id);
	srv__json_kstr(j, "game", tb_game_name(in->game));
	srv__json_kstr(j, "source_uid", uid);
	srv__json_kstr(j, "track", in->track);
	srv__json_kstr(j, "layout", in->layout);
	srv__json_key(j, "track_length_m");
	if (in->track_length_m > 0)
		srv__json_num(j, in->track_length_m);
	else
		srv__json_null(j);
	srv__json_kstr(j, "kind", tb_session_kind_name(in->kind));
	srv__json_kstr(j, "car_class", tb_car_class_name(in->car_class));
	srv__json_kint(j, "start_unix_ms", in->start_unix_ms);
	srv__json_kint(j, "n_laps", s->n_laps);
	json_ms(j, "best_lap_ms", s->best_lap_ms);
	srv__json_obj_end(j);
}

static void json_flags(struct srv_json *j, uint32_t flags)
{
	char buf[128];
	tb_lap_flags_str(flags, buf, sizeof(buf));
	srv__json_arr(j);
	for (char *p = buf; *p;) {
		char *e = strchr(p, ',');
		if (e)
			*e = '\0';
		srv__json_str(j, p);
		if (!e)
			break;
		p = e + 1;
	}
	srv__json_arr_end(j);
}

static void json_chans(struct srv_json *j, tb_chmask m)
{
	srv__json_arr(j);
	for (int c = 0; c < TB_CH__COUNT; c++)
		if (m & TB_CHBIT(c))
			srv__json_str(j, tb_channel_name((enum tb_channel)c));
	srv__json_arr_end(j);
}

static void json_lap(struct srv_json *j, const struct store_lap_row *l)
{
	srv__json_obj(j);
	srv__json_kint(j, "id", l->id);
	srv__json_kint(j, "session_id", l->session_id);
	srv__json_kint(j, "car_index", l->car_index);
	srv__json_kstr(j, "driver", l->driver);
	srv__json_kstr(j, "car", l->car);
	srv__json_kint(j, "lap_number", l->lap_number);
	json_ms(j, "lap_time_ms", l->lap_time_ms);
	srv__json_key(j, "sector_ms");
	srv__json_arr(j);
	for (int k = 0; k < 3; k++) {
		if (l->sector_ms[k] < 0)
			srv__json_null(j);
		else
			srv__json_int(j, l->sector_ms[k]);
	}
	srv__json_arr_end(j);
	srv__json_key(j, "valid");
	srv__json_bool(j, l->flags == 0);
	srv__json_key(j, "flags");
	json_flags(j, l->flags);
	srv__json_kint(j, "n_samples", l->n_samples);
	srv__json_key(j, "channels");
	json_chans(j, l->chans);
	srv__json_kint(j, "blob_bytes", l->blob_bytes);
	srv__json_obj_end(j);
}

/* ------------------------------------------------------------------ */
/* Sessions and laps. */

struct list_ctx {
	struct srv_json *j;
	uint64_t limit, offset, total;
};

static int on_session(void *ctx, const struct store_session_row *s)
{
	struct list_ctx *c = ctx;
	if (c->total >= c->offset && c->total - c->offset < c->limit)
		json_session(c->j, s);
	c->total++;
	return 0;
}

static void get_sessions(struct srv_api *a, srv_arg_fn arg, void *ctx,
			 struct srv_reply *r)
{
	struct list_ctx c = {0};
	if (!arg_u64(arg, ctx, "limit", 50, 1, 1000, &c.limit, r) ||
	    !arg_u64(arg, ctx, "offset", 0, 0, 1000000000, &c.offset, r))
		return;
	struct srv_json j;
	struct tb_error err;
	srv__json_init(&j, SRV_JSON_MAX);
	c.j = &j;
	srv__json_obj(&j);
	srv__json_key(&j, "sessions");
	srv__json_arr(&j);
	pthread_mutex_lock(&a->mu);
	enum tb_status st = store_sessions_list(a->st, on_session, &c, &err);
	pthread_mutex_unlock(&a->mu);
	if (st != TB_OK) {
		srv__json_release(&j);
		reply_status(r, st, &err);
		return;
	}
	srv__json_arr_end(&j);
	srv__json_kint(&j, "total", (int64_t)c.total);
	srv__json_kint(&j, "limit", (int64_t)c.limit);
	srv__json_kint(&j, "offset", (int64_t)c.offset);
	srv__json_obj_end(&j);
	reply_json(r, 200, &j);
}

static void get_session(struct srv_api *a, int64_t id, struct srv_reply *r)
{
	struct store_session_row s;
	struct tb_error err;
	pthread_mutex_lock(&a->mu);
	enum tb_status st = store_session_get(a->st, id, &s, &err);
	pthread_mutex_unlock(&a->mu);
	if (st != TB_OK) {
		reply_status(r, st, &err);
		return;
	}
	struct srv_json j;
	srv__json_init(&j, SRV_JSON_MAX);
	json_session(&j, &s);
	reply_json(r, 200, &j);
}

static int on_lap(void *ctx, const struct store_lap_row *l)
{
	json_lap(ctx, l);
	return 0;
}

static void get_session_laps(struct srv_api *a, int64_t id,
			     struct srv_reply *r)
{
	struct srv_json j;
	struct tb_error err;
	srv__json_init(&j, SRV_JSON_MAX);
	srv__json_obj(&j);
	srv__json_kint(&j, "session_id", id);
	srv__json_key(&j, "laps");
	srv__json_arr(&j);
	pthread_mutex_lock(&a->mu);
	enum tb_status st = store_laps_list(a->st, id, on_lap, &j, &err);
	pthread_mutex_unlock(&a->mu);
	if (st != TB_OK) {
		srv__json_release(&j);
		reply_status(r, st, &err);
		return;
	}
	srv__json_arr_end(&j);
	srv__json_obj_end(&j);
	reply_json(r, 200, &j);
}

static enum tb_status load_lap(struct srv_api *a, int64_t id,
			       struct tb_lap *lap, struct store_lap_row *row,
			       struct tb_error *err)
{
	pthread_mutex_lock(&a->mu);
	enum tb_status st = store_lap_get(a->st, id, lap, row, err);
	pthread_mutex_unlock(&a->mu);
	return st;
}

/* Metadata only: the samples' blob is not read. */
static void get_lap(struct srv_api *a, int64_t id, struct srv_reply *r)
{
	struct store_lap_row row;
	struct tb_error err;
	pthread_mutex_lock(&a->mu);
	enum tb_status st = store_lap_row_get(a->st, id, &row, &err);
	pthread_mutex_unlock(&a->mu);
	if (st != TB_OK) {
		reply_status(r, st, &err);
		return;
	}
	struct srv_json j;
	srv__json_init(&j, SRV_JSON_MAX);
	json_lap(&j, &row);
	reply_json(r, 200, &j);
}

/* ------------------------------------------------------------------ */
/* A lap's channels. */

struct chan_req {
	enum tb_channel ch[TB_CH__COUNT];
	size_t n_ch;
	double from, to;
	bool has_from, has_to;
	uint64_t max_points; /* 0: all */
	bool bin;
};

static bool chan_args(srv_arg_fn arg, void *ctx, struct chan_req *q,
		      struct srv_reply *r)
{
	memset(q, 0, sizeof(*q));
	if (!arg_channels(arg, ctx, q->ch, &q->n_ch, r) ||
	    !arg_num(arg, ctx, "from", &q->from, &q->has_from, r) ||
	    !arg_num(arg, ctx, "to", &q->to, &q->has_to, r) ||
	    !arg_u64(arg, ctx, "max_points", 0, 2, TB_LAP_MAX_SAMPLES,
		     &q->max_points, r))
		return false;
	if (q->has_from && q->has_to && q->from > q->to) {
		srv__reply_error(r, 400, "bad parameter",
				 "from must not be greater than to");
		return false;
	}
	const char *f = arg(ctx, "format");
	if (f && strcmp(f, "bin") == 0) {
		q->bin = true;
	} else if (f && strcmp(f, "json") != 0) {
		bad_param(r, "format: '%.32s' is not json or bin", f);
		return false;
	}
	return true;
}

/* The rows taken: sample indexes within [from, to] of lap distance, or
 * every sample. *sel is NULL for "every sample". */
static enum tb_status select_rows(const struct tb_lap *lap,
				  const struct chan_req *q, size_t **sel,
				  size_t *n)
{
	*sel = NULL;
	*n = lap->n;
	if (!q->has_from && !q->has_to)
		return TB_OK;
	size_t *s = tb_malloc((lap->n ? lap->n : 1) * sizeof(*s));
	if (!s)
		return TB_ERR_NOMEM;
	const double *d = lap->col[TB_CH_LAP_DIST];
	size_t k = 0;
	for (size_t i = 0; i < lap->n; i++) {
		if (!(lap->mask[i] & TB_CHBIT(TB_CH_LAP_DIST)))
			continue;
		if ((q->has_from && d[i] < q->from) ||
		    (q->has_to && d[i] > q->to))
			continue;
		s[k++] = i;
	}
	*sel = s;
	*n = k;
	return TB_OK;
}

static double sample(const struct tb_lap *lap, enum tb_channel c, size_t i)
{
	if (!lap->col[c] || !(lap->mask[i] & TB_CHBIT(c)))
		return NAN;
	return lap->col[c][i];
}

/* Column c of the selected rows into out[n_rows], min/max-downsampled
 * when n_out < n_rows: n_out / 2 buckets of consecutive rows, each
 * giving its minimum and maximum in the order they occur (both NaN if
 * the bucket has no sample of c). The extremes of every bucket, and so
 * of the whole range, survive. */
static void fill_column(const struct tb_lap *lap, enum tb_channel c,
			const size_t *sel, size_t n_rows, size_t n_out,
			double *out)
{
	if (n_out >= n_rows) {
		for (size_t r = 0; r < n_rows; r++)
			out[r] = sample(lap, c, sel ? sel[r] : r);
		return;
	}
	size_t nb = n_out / 2;
	for (size_t b = 0; b < nb; b++) {
		size_t lo = b * n_rows / nb, hi = (b + 1) * n_rows / nb;
		double vmin = NAN, vmax = NAN;
		size_t imin = 0, imax = 0;
		for (size_t r = lo; r < hi; r++) {
			double v = sample(lap, c, sel ? sel[r] : r);
			if (!isfinite(v))
				continue;
			if (!(v >= vmin)) {
				vmin = v;
				imin = r;
			}
			if (!(v <= vmax)) {
				vmax = v;
				imax = r;
			}
		}
		bool min_first = imin <= imax;
		out[2 * b] = min_first ? vmin : vmax;
		out[2 * b + 1] = min_first ? vmax : vmin;
	}
}

/* Binary form, little-endian throughout:
 *   0  4  magic "TBC1"
 *   4  4  u32 header bytes H (= 24 + 32 * channels): columns start here
 *   8  4  u32 channels C
 *  12  4  u32 rows R
 *  16  4  u32 flags: bit 0 = downsampled
 *  20  4  u32 reserved, 0
 *  24  32 per channel: name (24 bytes, NUL-padded), unit (8 bytes)
 *   H  4*R per channel, in directory order: float32 values, NaN = absent
 * docs/openapi.yaml repeats this layout. */
#define SRV_BIN_HEAD 24u
#define SRV_BIN_DIR 32u

static enum tb_status write_bin(struct tb_buf *b, const struct tb_lap *lap,
				const struct chan_req *q, const size_t *sel,
				size_t n_rows, size_t n_out, double *tmp)
{
	size_t head = SRV_BIN_HEAD + SRV_BIN_DIR * q->n_ch;
	enum tb_status st = tb_buf_reserve(b, head + 4 * n_out * q->n_ch);
	if (st != TB_OK)
		return st;
	uint8_t *p = b->data;
	memset(p, 0, head);
	memcpy(p, "TBC1", 4);
	tb_st_u32le(p + 4, (uint32_t)head);
	tb_st_u32le(p + 8, (uint32_t)q->n_ch);
	tb_st_u32le(p + 12, (uint32_t)n_out);
	tb_st_u32le(p + 16, n_out < n_rows ? 1u : 0u);
	for (size_t k = 0; k < q->n_ch; k++) {
		uint8_t *d = p + SRV_BIN_HEAD + SRV_BIN_DIR * k;
		const char *name = tb_channel_name(q->ch[k]);
		const char *unit = tb_channel_unit(q->ch[k]);
		memcpy(d, name, strnlen(name, 23));
		memcpy(d + 24, unit, strnlen(unit, 7));
	}
	uint8_t *o = p + head;
	for (size_t k = 0; k < q->n_ch; k++) {
		fill_column(lap, q->ch[k], sel, n_rows, n_out, tmp);
		for (size_t i = 0; i < n_out; i++, o += 4)
			tb_st_f32le(o, isfinite(tmp[i]) ? (float)tmp[i]
							: NAN);
	}
	b->len = head + 4 * n_out * q->n_ch;
	return TB_OK;
}

static void write_json_chans(struct srv_json *j, int64_t id,
			     const struct tb_lap *lap,
			     const struct chan_req *q, const size_t *sel,
			     size_t n_rows, size_t n_out, double *tmp)
{
	srv__json_obj(j);
	srv__json_kint(j, "lap_id", id);
	srv__json_kint(j, "n", (int64_t)n_out);
	srv__json_kint(j, "n_source", (int64_t)n_rows);
	srv__json_key(j, "downsampled");
	srv__json_bool(j, n_out < n_rows);
	srv__json_kstr(j, "method", n_out < n_rows ? "minmax" : "none");
	srv__json_key(j, "from_m");
	if (q->has_from)
		srv__json_num(j, q->from);
	else
		srv__json_null(j);
	srv__json_key(j, "to_m");
	if (q->has_to)
		srv__json_num(j, q->to);
	else
		srv__json_null(j);
	srv__json_key(j, "channels");
	srv__json_arr(j);
	for (size_t k = 0; k < q->n_ch; k++) {
		srv__json_obj(j);
		srv__json_kstr(j, "name", tb_channel_name(q->ch[k]));
		srv__json_kstr(j, "unit", tb_channel_unit(q->ch[k]));
		srv__json_key(j, "values");
		fill_column(lap, q->ch[k], sel, n_rows, n_out, tmp);
		srv__json_nums(j, tmp, n_out);
		srv__json_obj_end(j);
	}
	srv__json_arr_end(j);
	srv__json_obj_end(j);
}

static void get_lap_channels(struct srv_api *a, int64_t id, srv_arg_fn arg,
			     void *ctx, struct srv_reply *r)
{
	struct chan_req q;
	if (!chan_args(arg, ctx, &q, r))
		return;
	struct tb_lap lap;
	struct tb_error err;
	size_t *sel = NULL, n_rows = 0;
	double *tmp = NULL;
	tb_lap_init(&lap);
	enum tb_status st = load_lap(a, id, &lap, NULL, &err);
	if (st != TB_OK) {
		reply_status(r, st, &err);
		goto out;
	}
	if ((q.has_from || q.has_to) && !lap.col[TB_CH_LAP_DIST]) {
		srv__reply_error(r, 400, "bad parameter",
				 "from/to: this lap has no lap_dist channel");
		goto out;
	}
	if (q.n_ch == 0)
		for (int c = 0; c < TB_CH__COUNT; c++)
			if (lap.chans & TB_CHBIT(c))
				q.ch[q.n_ch++] = (enum tb_channel)c;
	if (select_rows(&lap, &q, &sel, &n_rows) != TB_OK ||
	    !(tmp = tb_malloc((n_rows ? n_rows : 1) * sizeof(*tmp)))) {
		srv__reply_error(r, 500, "out of memory", "lap channels");
		goto out;
	}
	size_t n_out = n_rows;
	if (q.max_points && q.max_points < n_rows)
		n_out = (size_t)q.max_points / 2 * 2;
	if (q.bin) {
		struct tb_buf b;
		tb_buf_init(&b, SRV_JSON_MAX);
		st = write_bin(&b, &lap, &q, sel, n_rows, n_out, tmp);
		if (st != TB_OK) {
			tb_buf_release(&b);
			reply_status(r, st, NULL);
			goto out;
		}
		r->code = 200;
		r->type = "application/octet-stream";
		r->body = b;
	} else {
		struct srv_json j;
		srv__json_init(&j, SRV_JSON_MAX);
		write_json_chans(&j, id, &lap, &q, sel, n_rows, n_out, tmp);
		reply_json(r, 200, &j);
	}
out:
	tb_free(tmp);
	tb_free(sel);
	tb_lap_release(&lap);
}

/* ------------------------------------------------------------------ */
/* Comparison. */

struct cmp_lap {
	int64_t id;
	struct tb_lap lap;
	struct store_lap_row row;
	struct ana_grid grid;
	bool has_grid;
	double *delta; /* ref grid points; NULL if not computed */
	size_t n_delta;
	struct ana_delta_info di;
	double loss[ANA_CORNERS_MAX]; /* per corner (segment starts follow
				       where either lap lifts or brakes) */
	bool has_loss;
	char error[TB_ERROR_MSG_MAX];
};

struct cmp {
	struct cmp_lap l[SRV_COMPARE_LAPS_MAX + 1];
	size_t n;     /* laps asked for, then the reference if extra */
	size_t n_out; /* laps reported */
	size_t ref;   /* index of the reference */
	double step;
	enum tb_channel ch[TB_CH__COUNT];
	size_t n_ch;
	struct ana_corners corners;
	bool has_corners;
	char corners_error[TB_ERROR_MSG_MAX];
	struct srv_tm tm; /* the reference's session: model and corners */
};

static bool parse_lap_list(const char *v, struct cmp *c, struct srv_reply *r)
{
	const char *p = v;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char one[24];
		int64_t id = 0;
		const char *e = NULL;
		if (len < sizeof(one)) {
			memcpy(one, p, len);
			one[len] = '\0';
			e = parse_id(one, &id);
		}
		if (!e || *e) {
			bad_param(r, "laps: '%.64s' is not a list of lap ids",
				  v);
			return false;
		}
		if (c->n == SRV_COMPARE_LAPS_MAX) {
			char d[80];
			snprintf(d, sizeof(d), "laps: at most %u laps",
				 SRV_COMPARE_LAPS_MAX);
			srv__reply_error(r, 400, "bad parameter", d);
			return false;
		}
		c->l[c->n++].id = id;
		if (!comma)
			return true;
		p = comma + 1;
	}
}

static bool cmp_args(srv_arg_fn arg, void *ctx, struct cmp *c, int64_t *ref,
		     struct srv_reply *r)
{
	const char *v = arg(ctx, "laps");
	if (!v) {
		srv__reply_error(r, 400, "bad parameter",
				 "laps: required, e.g. laps=1,2");
		return false;
	}
	if (!parse_lap_list(v, c, r))
		return false;
	*ref = 0;
	const char *rv = arg(ctx, "ref");
	if (rv) {
		const char *e = parse_id(rv, ref);
		if (!e || *e) {
			bad_param(r, "ref: '%.64s' is not a lap id", rv);
			return false;
		}
	}
	bool given;
	c->step = 1.0;
	if (!arg_num(arg, ctx, "step", &c->step, &given, r))
		return false;
	if (c->step < 0.1 || c->step > 50) {
		srv__reply_error(r, 400, "bad parameter",
				 "step: metres between points, 0.1..50");
		return false;
	}
	if (!arg_channels(arg, ctx, c->ch, &c->n_ch, r))
		return false;
	if (c->n_ch == 0) {
		static const enum tb_channel def[] = {
			TB_CH_SPEED, TB_CH_THROTTLE, TB_CH_BRAKE,
			TB_CH_STEER, TB_CH_GEAR};
		c->n_ch = sizeof(def) / sizeof(def[0]);
		memcpy(c->ch, def, sizeof(def));
	}
	return true;
}

/* Load and grid every lap; choose the reference: ref_id, else the
 * fastest timed lap, else the first. */
static bool cmp_load(struct srv_api *a, struct cmp *c, int64_t ref_id,
		     struct srv_reply *r)
{
	c->n_out = c->n;
	c->ref = SIZE_MAX;
	for (size_t i = 0; i < c->n && ref_id; i++)
		if (c->l[i].id == ref_id)
			c->ref = i;
	if (ref_id && c->ref == SIZE_MAX) {
		c->ref = c->n;
		c->l[c->n++].id = ref_id;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct tb_error err;
		enum tb_status st =
			load_lap(a, c->l[i].id, &c->l[i].lap, &c->l[i].row,
				 &err);
		if (st != TB_OK) {
			reply_status(r, st, &err);
			return false;
		}
	}
	if (c->ref == SIZE_MAX) {
		c->ref = 0;
		for (size_t i = 0; i < c->n; i++) {
			int32_t t = c->l[i].row.lap_time_ms,
				best = c->l[c->ref].row.lap_time_ms;
			if (t > 0 && (best <= 0 || t < best))
				c->ref = i;
		}
	}
	/* The reference session's model and corners: the numbers analyze,
	 * the coach and the track view show. */
	struct tb_error err;
	pthread_mutex_lock(&a->mu);
	enum tb_status st = srv_tm_cache_get(
	    a->tm, a->st, c->l[c->ref].row.session_id, false, &c->tm, &err);
	pthread_mutex_unlock(&a->mu);
	if (st != TB_OK) {
		reply_status(r, st, &err);
		return false;
	}
	for (size_t i = 0; i < c->n; i++) {
		st = ana_grid_from_lap(&c->l[i].lap,
				       c->tm.has_track ? &c->tm.track : NULL,
				       c->step, &c->l[i].grid, &err);
		if (st != TB_OK) {
			char d[TB_ERROR_MSG_MAX + 32];
			snprintf(d, sizeof(d), "lap %lld: %s",
				 (long long)c->l[i].id, err.msg);
			srv__reply_error(r, st == TB_ERR_UNSUPPORTED ? 501 : 422,
					 "lap cannot be compared", d);
			return false;
		}
		c->l[i].has_grid = true;
	}
	return true;
}

static void cmp_analyse(struct cmp *c)
{
	const struct ana_grid *ref = &c->l[c->ref].grid;
	struct tb_error err;
	for (size_t i = 0; i < c->n_out; i++) {
		struct cmp_lap *l = &c->l[i];
		l->delta = tb_malloc((ref->n ? ref->n : 1) * sizeof(double));
		if (!l->delta) {
			snprintf(l->error, sizeof(l->error), "out of memory");
			continue;
		}
		enum tb_status st =
			ana_delta(&l->grid, ref, l->delta, &l->n_delta, &l->di,
				  &err);
		if (st != TB_OK) {
			snprintf(l->error, sizeof(l->error), "%s", err.msg);
			tb_free(l->delta);
			l->delta = NULL;
		}
	}
	const struct ana_grid *refs[1] = {ref};
	enum tb_status st = TB_OK;
	if (c->tm.has_corners)
		c->corners = c->tm.corners;
	else
		st = ana_corners_find(c->tm.has_track ? &c->tm.track : NULL,
				      refs, 1, &c->corners, &err);
	if (st == TB_OK)
		c->has_corners = true;
	else
		snprintf(c->corners_error, sizeof(c->corners_error), "%s",
			 err.msg);
	for (size_t i = 0; c->has_corners && i < c->n_out; i++) {
		struct cmp_lap *l = &c->l[i];
		l->has_loss = l->delta &&
			      ana_corner_losses(&l->grid, ref, &c->corners,
						l->delta, l->n_delta, l->loss,
						NULL) == TB_OK;
	}
}

static void json_cmp_lap(struct srv_json *j, const struct cmp *c, size_t i)
{
	const struct cmp_lap *l = &c->l[i];
	srv__json_obj(j);
	srv__json_kint(j, "lap_id", l->id);
	srv__json_kint(j, "session_id", l->row.session_id);
	json_ms(j, "lap_time_ms", l->row.lap_time_ms);
	srv__json_key(j, "is_ref");
	srv__json_bool(j, i == c->ref);
	srv__json_kstr(j, "dist_method",
		       ana_dist_method_name(l->grid.dist.method));
	srv__json_knum(j, "length_m", l->grid.length_m);
	srv__json_kint(j, "n", (int64_t)l->grid.n);
	srv__json_key(j, "traces");
	srv__json_obj(j);
	for (size_t k = 0; k < c->n_ch; k++) {
		enum tb_channel ch = c->ch[k];
		if (!(l->grid.chans & TB_CHBIT(ch)) || !l->grid.col[ch])
			continue;
		srv__json_key(j, tb_channel_name(ch));
		srv__json_nums(j, l->grid.col[ch], l->grid.n);
	}
	srv__json_obj_end(j);
	srv__json_key(j, "delta");
	if (l->delta)
		srv__json_nums(j, l->delta, l->n_delta);
	else
		srv__json_null(j);
	srv__json_knum(j, "delta_final_s", l->delta ? l->di.final_s : NAN);
	srv__json_knum(j, "confidence", l->delta ? l->di.confidence : NAN);
	srv__json_kstr(j, "warning", l->delta ? l->di.warning : NULL);
	srv__json_kstr(j, "error", l->error[0] ? l->error : NULL);
	srv__json_obj_end(j);
}

static void json_corner(struct srv_json *j, const struct cmp *c, size_t k)
{
	const struct ana_corner *co = &c->corners.c[k];
	srv__json_obj(j);
	srv__json_kint(j, "number", co->number);
	srv__json_knum(j, "start_m", co->start_m);
	srv__json_knum(j, "brake_m", co->brake_m);
	srv__json_knum(j, "apex_m", co->apex_m);
	srv__json_knum(j, "exit_m", co->exit_m);
	srv__json_knum(j, "end_m", co->end_m);
	srv__json_key(j, "complex");
	srv__json_bool(j, co->complex);
	srv__json_key(j, "laps");
	srv__json_arr(j);
	for (size_t i = 0; i < c->n_out; i++) {
		const struct cmp_lap *l = &c->l[i];
		struct ana_corner_metrics m;
		bool ok = ana_corner_metrics(&l->grid, &c->corners, k, &m,
					     NULL) == TB_OK;
		double nan = NAN;
		srv__json_obj(j);
		srv__json_kint(j, "lap_id", l->id);
		srv__json_knum(j, "loss_s", l->has_loss ? l->loss[k] : nan);
		srv__json_knum(j, "time_s", ok ? m.time_s : nan);
		srv__json_knum(j, "brake_m", ok ? m.brake_m : nan);
		srv__json_knum(j, "entry_kmh", ok ? m.entry_kmh : nan);
		srv__json_knum(j, "min_kmh", ok ? m.min_kmh : nan);
		srv__json_knum(j, "min_m", ok ? m.min_m : nan);
		srv__json_knum(j, "throttle_m", ok ? m.throttle_m : nan);
		srv__json_knum(j, "coast_m", ok ? m.coast_m : nan);
		srv__json_knum(j, "gear_apex", ok ? m.gear_apex : nan);
		srv__json_obj_end(j);
	}
	srv__json_arr_end(j);
	srv__json_obj_end(j);
}

static void cmp_write(struct srv_json *j, const struct cmp *c)
{
	srv__json_obj(j);
	srv__json_kint(j, "ref_lap_id", c->l[c->ref].id);
	srv__json_knum(j, "step_m", c->step);
	srv__json_knum(j, "length_m", c->l[c->ref].grid.length_m);
	srv__json_key(j, "laps");
	srv__json_arr(j);
	for (size_t i = 0; i < c->n_out; i++)
		json_cmp_lap(j, c, i);
	srv__json_arr_end(j);
	srv__json_key(j, "corners");
	if (c->has_corners) {
		srv__json_arr(j);
		for (size_t k = 0; k < c->corners.n; k++)
			json_corner(j, c, k);
		srv__json_arr_end(j);
	} else {
		srv__json_null(j);
	}
	srv__json_kstr(j, "corners_error",
		       c->has_corners ? NULL : c->corners_error);
	srv__json_obj_end(j);
}

static void get_compare(struct srv_api *a, srv_arg_fn arg, void *ctx,
			struct srv_reply *r)
{
	struct cmp *c = tb_calloc(1, sizeof(*c));
	if (!c) {
		srv__reply_error(r, 500, "out of memory", "compare");
		return;
	}
	for (size_t i = 0; i <= SRV_COMPARE_LAPS_MAX; i++)
		tb_lap_init(&c->l[i].lap);
	int64_t ref_id;
	if (cmp_args(arg, ctx, c, &ref_id, r) && cmp_load(a, c, ref_id, r)) {
		cmp_analyse(c);
		struct srv_json j;
		srv__json_init(&j, SRV_JSON_MAX);
		cmp_write(&j, c);
		reply_json(r, 200, &j);
	}
	for (size_t i = 0; i <= SRV_COMPARE_LAPS_MAX; i++) {
		tb_lap_release(&c->l[i].lap);
		if (c->l[i].has_grid)
			ana_grid_release(&c->l[i].grid);
		tb_free(c->l[i].delta);
	}
	srv_tm_release(&c->tm);
	tb_free(c);
}

/* ------------------------------------------------------------------ */
/* References and import. */

static int on_ref(void *ctx, const struct store_ref_row *f)
{
	struct srv_json *j = ctx;
	srv__json_obj(j);
	srv__json_kint(j, "lap_id", f->lap_id);
	srv__json_kint(j, "session_id", f->session_id);
	srv__json_kint(j, "car_index", f->car_index);
	srv__json_kint(j, "lap_number", f->lap_number);
	json_ms(j, "lap_time_ms", f->lap_time_ms);
	srv__json_kstr(j, "driver", f->driver);
	srv__json_kstr(j, "car_class", tb_car_class_name(f->car_class));
	srv__json_kstr(j, "source", f->source);
	srv__json_kstr(j, "track", f->track);
	srv__json_kstr(j, "game", tb_game_name(f->game));
	srv__json_obj_end(j);
	return 0;
}

static void get_refs(struct srv_api *a, struct srv_reply *r)
{
	struct srv_json j;
	struct tb_error err;
	srv__json_init(&j, SRV_JSON_MAX);
	srv__json_obj(&j);
	srv__json_key(&j, "refs");
	srv__json_arr(&j);
	pthread_mutex_lock(&a->mu);
	enum tb_status st = store_refs_list(a->st, on_ref, &j, &err);
	pthread_mutex_unlock(&a->mu);
	if (st != TB_OK) {
		srv__json_release(&j);
		reply_status(r, st, &err);
		return;
	}
	srv__json_arr_end(&j);
	srv__json_obj_end(&j);
	reply_json(r, 200, &j);
}

/* Remove every "DIR/" of the temporary path from an importer message:
 * the client knows its file, not our temporary name. */
static void strip_dir(char *msg, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[SRV_STR_MAX];
	size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
	if (dl == 0 || dl >= sizeof(dir))
		return;
	memcpy(dir, path, dl);
	dir[dl] = '\0';
	char *hit;
	while ((hit = strstr(msg, dir)) != NULL)
		memmove(hit, hit + dl, strlen(hit + dl) + 1);
}

void srv__api_import(struct srv_api *a, const char *path,
		     struct srv_reply *r)
{
	memset(r, 0, sizeof(*r));
	struct srv_import_result res;
	struct tb_error err;
	struct store *st = NULL;
	tb_error_clear(&err);
	pthread_mutex_lock(&a->import_mu);
	enum tb_status rc = store_open(a->db_url, &st, &err);
	if (rc == TB_OK)
		rc = srv_import_file(st, path, NULL, &res, &err);
	store_close(st);
	pthread_mutex_unlock(&a->import_mu);
	if (rc != TB_OK) {
		strip_dir(err.msg, path);
		reply_status(r, rc, &err);
		return;
	}
	struct srv_json j;
	srv__json_init(&j, 1u << 16);
	srv__json_obj(&j);
	srv__json_kstr(&j, "format", res.protos);
	srv__json_kint(&j, "laps", (int64_t)res.laps);
	srv__json_kint(&j, "laps_incomplete", (int64_t)res.laps_incomplete);
	srv__json_kint(&j, "sessions", (int64_t)res.sessions);
	srv__json_kint(&j, "datagrams", (int64_t)res.datagrams);
	srv__json_kint(&j, "rejected", (int64_t)res.rejected);
	srv__json_obj_end(&j);
	reply_json(r, 200, &j);
}

/* ------------------------------------------------------------------ */
/* Context and dispatch. */

enum tb_status srv__api_create(const char *db_url, struct srv_api **out,
			       struct tb_error *err)
{
	*out = NULL;
	struct srv_api *a = tb_calloc(1, sizeof(*a));
	if (!a)
		return tb_fail(err, TB_ERR_NOMEM, "api: out of memory");
	snprintf(a->db_url, sizeof(a->db_url), "%s", db_url);
	enum tb_status st = store_open(db_url, &a->st, err);
	if (st == TB_OK)
		st = srv_tm_cache_create(&a->tm, err);
	if (st != TB_OK) {
		store_close(a->st);
		tb_free(a);
		return st;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->import_mu, NULL);
	srv__coach_model_init(&a->coach);
	*out = a;
	return TB_OK;
}

struct store *srv__api_store_lock(struct srv_api *a)
{
	pthread_mutex_lock(&a->mu);
	return a->st;
}

void srv__api_store_unlock(struct srv_api *a)
{
	pthread_mutex_unlock(&a->mu);
}

struct srv_tm_cache *srv__api_tm_cache(struct srv_api *a)
{
	return a->tm;
}

void srv__api_destroy(struct srv_api *a)
{
	if (!a)
		return;
	store_close(a->st);
	srv_tm_cache_destroy(a->tm);
	srv__coach_model_release(&a->coach);
	pthread_mutex_destroy(&a->mu);
	pthread_mutex_destroy(&a->import_mu);
	tb_free(a);
}

void srv__api_get(struct srv_api *a, enum srv_ep ep, int64_t id,
		  srv_arg_fn arg, void *ctx, struct srv_reply *r)
{
	memset(r, 0, sizeof(*r));
	switch (ep) {
	case SRV_EP_SESSIONS:
		get_sessions(a, arg, ctx, r);
		break;
	case SRV_EP_SESSION:
		get_session(a, id, r);
		break;
	case SRV_EP_SESSION_LAPS:
		get_session_laps(a, id, r);
		break;
	case SRV_EP_LAP:
		get_lap(a, id, r);
		break;
	case SRV_EP_LAP_CHANNELS:
		get_lap_channels(a, id, arg, ctx, r);
		break;
	case SRV_EP_COMPARE:
		get_compare(a, arg, ctx, r);
		break;
	case SRV_EP_REFS:
		get_refs(a, r);
		break;
	case SRV_EP_LAP_COACH:
		srv__api_coach(a->st, &a->mu, a->tm, &a->coach, id, arg, ctx,
			       r);
		break;
	default:
		srv__reply_error(r, 404, "not found", "no such endpoint");
		break;
	}
}

/* api_ui.c - the API endpoints the browser UI needs beyond api.c's:
 * tracks (sessions grouped by game, track and layout, with the stored
 * track model or one built from the fastest laps: centre line for the
 * map and numbered corners), drivers (best laps per track and car) and
 * the optional features this build answers (coach, live). */
#include "api_int.h"
#include "trackmodel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../analysis/analysis.h"

#define UI_SESSIONS_MAX	  4096u /* sessions looked at per request */
#define UI_GROUP_SESSIONS 64u	/* sessions kept per track */
#define UI_MODEL_LAPS	  5u	/* fastest laps a missing model is built from */
#define UI_MAP_POINTS	  1200u /* centre-line points sent for the map */
#define UI_DRIVERS_MAX	  1024u
#define UI_BEST_MAX	  256u	/* best laps listed for one driver */
#define UI_RATINGS_MAX	  2000u /* newest ratings in a driver's history */
#define UI_LEN_ROUND_M	  100.0 /* lap-length key, as `analyze` keys */

/* ------------------------------------------------------------------ */
/* Routing. */

/* A positive decimal id ending the string; 0 when malformed. */
static int64_t whole_id(const char *p)
{
	int64_t v = 0;
	size_t n = 0;
	for (; p[n] >= '0' && p[n] <= '9'; n++) {
		if (n == 18)
			return 0;
		v = v * 10 + (p[n] - '0');
	}
	return n > 0 && p[n] == '\0' ? v : 0;
}

enum srv_ep srv__ui_route(const char *p, int64_t *id, bool *bad_id)
{
	if (strcmp(p, "tracks") == 0)
		return SRV_EP_TRACKS;
	if (strcmp(p, "drivers") == 0)
		return SRV_EP_DRIVERS;
	if (strcmp(p, "features") == 0)
		return SRV_EP_FEATURES;
	if (strncmp(p, "tracks/", 7) == 0 && !strchr(p + 7, '/')) {
		*id = whole_id(p + 7);
		*bad_id = *id <= 0;
		return SRV_EP_TRACK;
	}
	if (strncmp(p, "drivers/", 8) == 0 && p[8] && !strchr(p + 8, '/'))
		return SRV_EP_DRIVER;
	return SRV_EP_OTHER;
}

bool srv__ui_owns(enum srv_ep ep)
{
	return ep == SRV_EP_TRACKS || ep == SRV_EP_TRACK ||
	       ep == SRV_EP_DRIVERS || ep == SRV_EP_DRIVER ||
	       ep == SRV_EP_FEATURES;
}

/* ------------------------------------------------------------------ */
/* Sessions and laps read under the API's lock. */

struct ui_sessions {
	struct store_session_row *s;
	size_t n;
};

static int on_session(void *ctx, const struct store_session_row *r)
{
	struct ui_sessions *l = ctx;
	if (l->n == UI_SESSIONS_MAX)
		return 1;
	l->s[l->n++] = *r;
	return 0;
}

/* Every session (up to UI_SESSIONS_MAX), oldest id first. */
static enum tb_status load_sessions(struct srv_api *a, struct ui_sessions *l,
				    struct tb_error *err)
{
	l->n = 0;
	l->s = tb_malloc(UI_SESSIONS_MAX * sizeof(*l->s));
	if (!l->s)
		return tb_fail(err, TB_ERR_NOMEM, "sessions: out of memory");
	struct store *st = srv__api_store_lock(a);
	enum tb_status rc = store_sessions_list(st, on_session, l, err);
	srv__api_store_unlock(a);
	for (size_t i = 1; i < l->n; i++) /* insertion sort by id */
		for (size_t k = i; k > 0 && l->s[k - 1].id > l->s[k].id; k--) {
			struct store_session_row t = l->s[k];
			l->s[k] = l->s[k - 1];
			l->s[k - 1] = t;
		}
	return rc;
}

struct lap_list {
	struct store_lap_row *r;
	size_t n, cap;
	bool nomem;
};

static int on_lap(void *ctx, const struct store_lap_row *r)
{
	struct lap_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct store_lap_row *nr = tb_malloc(cap * sizeof(*nr));
		if (!nr) {
			l->nomem = true;
			return 1;
		}
		if (l->n)
			memcpy(nr, l->r, l->n * sizeof(*nr));
		tb_free(l->r);
		l->r = nr;
		l->cap = cap;
	}
	l->r[l->n++] = *r;
	return 0;
}

static enum tb_status load_laps(struct srv_api *a, int64_t session_id,
				struct lap_list *l, struct tb_error *err)
{
	struct store *st = srv__api_store_lock(a);
	enum tb_status rc = store_laps_list(st, session_id, on_lap, l, err);
	srv__api_store_unlock(a);
	if (rc == TB_OK && l->nomem)
		rc = tb_fail(err, TB_ERR_NOMEM, "laps: out of memory");
	return rc;
}

static bool lap_timed(const struct store_lap_row *r)
{
	return r->flags == 0 && r->lap_time_ms > 0;
}

/* ------------------------------------------------------------------ */
/* Tracks: sessions grouped by the key `analyze` stores models under:
 * (game, track, layout), or without a track name the track length
 * ("4318 m"), or the best lap's length rounded to 100 m. */

struct ui_track {
	int64_t id; /* lowest session id of the group */
	enum tb_game game;
	char track[TB_NAME_MAX], layout[TB_NAME_MAX], alt[TB_NAME_MAX];
	bool by_length;
	int64_t sessions[UI_GROUP_SESSIONS];
	size_t n_sessions, n_laps;
};

static enum tb_status get_lap(struct srv_api *a, int64_t id, struct tb_lap *lap,
			      struct tb_error *err)
{
	struct store *st = srv__api_store_lock(a);
	enum tb_status rc = store_lap_get(st, id, lap, NULL, err);
	srv__api_store_unlock(a);
	return rc;
}

/* The fastest timed lap of a session (0 if none). */
static int64_t best_lap_id(struct srv_api *a, int64_t session_id)
{
	struct lap_list l = {0};
	struct tb_error err;
	int64_t best = 0;
	int32_t ms = 0;
	if (load_laps(a, session_id, &l, &err) == TB_OK)
		for (size_t i = 0; i < l.n; i++)
			if (lap_timed(&l.r[i]) &&
			    (!best || l.r[i].lap_time_ms < ms)) {
				best = l.r[i].id;
				ms = l.r[i].lap_time_ms;
			}
	tb_free(l.r);
	return best;
}

static bool track_key(struct srv_api *a, const struct store_session_row *s,
		      struct ui_track *k)
{
	memset(k, 0, sizeof(*k));
	k->game = s->info.game;
	if (s->info.track[0]) {
		snprintf(k->track, sizeof(k->track), "%s", s->info.track);
		snprintf(k->layout, sizeof(k->layout), "%s", s->info.layout);
		return true;
	}
	k->by_length = true;
	double len = s->info.track_length_m;
	if (len > 100 && len < 1e6) {
		snprintf(k->layout, sizeof(k->layout), "%.0f m", len);
		return true;
	}
	int64_t best = best_lap_id(a, s->id);
	struct tb_lap lap;
	struct tb_error err;
	tb_lap_init(&lap);
	len = best && get_lap(a, best, &lap, &err) == TB_OK ? tb_lap_max(&lap, TB_CH_LAP_DIST)
							    : NAN;
	tb_lap_release(&lap);
	if (!(len > 100 && len < 1e6))
		return false;
	double r = UI_LEN_ROUND_M, near = r * floor(len / r + 0.5);
	double other = len >= near ? near + r : near - r;
	snprintf(k->layout, sizeof(k->layout), "%.0f m", near);
	snprintf(k->alt, sizeof(k->alt), "%.0f m", other);
	return true;
}

static bool same_track(const struct ui_track *x, const struct ui_track *y)
{
	return x->game == y->game && strcmp(x->track, y->track) == 0 &&
	       strcmp(x->layout, y->layout) == 0;
}

struct ui_tracks {
	struct ui_track *t;
	size_t n;
};

/* Group every session; sessions with no key are left out. */
static enum tb_status load_tracks(struct srv_api *a, struct ui_tracks *out,
				  struct tb_error *err)
{
	struct ui_sessions ss;
	out->n = 0;
	out->t = NULL;
	enum tb_status rc = load_sessions(a, &ss, err);
	if (rc == TB_OK && ss.n) {
		out->t = tb_malloc(ss.n * sizeof(*out->t));
		if (!out->t)
			rc =
			    tb_fail(err, TB_ERR_NOMEM, "tracks: out of memory");
	}
	for (size_t i = 0; rc == TB_OK && i < ss.n; i++) {
		struct ui_track k;
		if (!track_key(a, &ss.s[i], &k))
			continue;
		size_t g = 0;
		while (g < out->n && !same_track(&out->t[g], &k))
			g++;
		if (g == out->n) {
			k.id = ss.s[i].id;
			out->t[out->n++] = k;
		}
		struct ui_track *t = &out->t[g];
		if (t->n_sessions < UI_GROUP_SESSIONS)
			t->sessions[t->n_sessions++] = ss.s[i].id;
		t->n_laps += (size_t)ss.s[i].n_laps;
	}
	tb_free(ss.s);
	return rc;
}

static void track_name(const struct ui_track *t, char *out, size_t n)
{
	if (t->track[0])
		snprintf(out, n, "%s%s%s", t->track, t->layout[0] ? " " : "",
			 t->layout);
	else
		snprintf(out, n, "%s track (%s)", tb_game_name(t->game),
			 t->layout);
}

/* What the map and corner list need of a track. */
struct ui_model {
	struct ana_track track;
	bool has_track, stored;
	struct ana_corners corners;
	bool has_corners;
	double length_m;
	char why[TB_ERROR_MSG_MAX]; /* no model or no corners: why */
};

/* The fastest timed laps of the group, fastest first. */
static size_t fastest_laps(struct srv_api *a, const struct ui_track *t,
			   int64_t *ids, size_t max)
{
	struct lap_list all = {0};
	struct tb_error err;
	for (size_t i = 0; i < t->n_sessions; i++)
		if (load_laps(a, t->sessions[i], &all, &err) != TB_OK)
			break;
	size_t n = 0;
	int32_t ms[UI_MODEL_LAPS];
	for (size_t i = 0; i < all.n; i++) {
		const struct store_lap_row *r = &all.r[i];
		if (!lap_timed(r))
			continue;
		size_t k = n < max ? n++ : max;
		if (k == max && r->lap_time_ms >= ms[max - 1])
			continue;
		if (k == max)
			k = max - 1;
		for (; k > 0 && ms[k - 1] > r->lap_time_ms; k--) {
			ms[k] = ms[k - 1];
			ids[k] = ids[k - 1];
		}
		ms[k] = r->lap_time_ms;
		ids[k] = r->id;
	}
	tb_free(all.r);
	return n;
}

/* The model and corners of the session holding the group's fastest
 * timed lap (trackmodel.h: the stored model, else one built from that
 * session's fastest clean laps and kept in the API's cache, never
 * stored by a GET), so the corners are numbered as analyze, the coach
 * and compare number them. */
static void model_get(struct srv_api *a, const struct ui_track *t,
		      struct ui_model *m)
{
	memset(m, 0, sizeof(*m));
	m->length_m = NAN;
	int64_t id = 0;
	if (fastest_laps(a, t, &id, 1) == 0) {
		snprintf(m->why, sizeof(m->why), "no timed lap");
		return;
	}
	struct store_lap_row row;
	struct srv_tm tm;
	struct tb_error err;
	tb_error_clear(&err);
	struct store *st = srv__api_store_lock(a);
	enum tb_status rc = store_lap_row_get(st, id, &row, &err);
	if (rc == TB_OK)
		rc = srv_tm_cache_get(srv__api_tm_cache(a), st, row.session_id,
				      false, &tm, &err);
	srv__api_store_unlock(a);
	if (rc != TB_OK) {
		snprintf(m->why, sizeof(m->why), "%s", err.msg);
		return;
	}
	m->track = tm.track; /* taken over: tm is not released */
	m->has_track = tm.has_track;
	m->stored = tm.src == SRV_TM_STORED;
	m->corners = tm.corners;
	m->has_corners = tm.has_corners;
	if (tm.why[0])
		snprintf(m->why, sizeof(m->why), "%.*s",
			 (int)sizeof(m->why) - 1, tm.why);
	m->length_m = m->has_corners ? m->corners.length_m
		      : m->has_track ? m->track.length_m
				     : NAN;
}

static void model_release(struct ui_model *m)
{
	if (m->has_track)
		ana_track_release(&m->track);
}

/* ------------------------------------------------------------------ */
/* JSON. */

static void json_track_head(struct srv_json *j, const struct ui_track *t,
			    const struct ui_model *m)
{
	char name[2 * TB_NAME_MAX + 40];
	track_name(t, name, sizeof(name));
	srv__json_kint(j, "id", t->id);
	srv__json_kstr(j, "name", name);
	srv__json_kstr(j, "game", tb_game_name(t->game));
	srv__json_kstr(j, "track", t->track);
	srv__json_kstr(j, "layout", t->layout);
	srv__json_knum(j, "length_m",
		       m->has_track ? m->track.length_m : m->length_m);
	srv__json_key(j, "n_corners");
	if (m->has_corners)
		srv__json_int(j, (int64_t)m->corners.n);
	else
		srv__json_null(j);
	srv__json_key(j, "has_model");
	srv__json_bool(j, m->has_track);
	srv__json_key(j, "model_stored");
	srv__json_bool(j, m->stored);
	srv__json_kint(j, "n_laps", (int64_t)t->n_laps);
	srv__json_key(j, "sessions");
	srv__json_arr(j);
	for (size_t i = 0; i < t->n_sessions; i++)
		srv__json_int(j, t->sessions[i]);
	srv__json_arr_end(j);
	srv__json_kstr(j, "note", m->why[0] ? m->why : NULL);
}

/* Centre line point nearest distance d (the corners' frame scaled onto
 * the model's length). */
static size_t path_index(const struct ui_model *m, double d)
{
	double scale = m->length_m > 0 ? m->track.length_m / m->length_m : 1;
	double i = floor(d * scale / m->track.step_m + 0.5);
	if (!(i >= 0))
		i = 0;
	return (size_t)i % m->track.n;
}

static void json_track_body(struct srv_json *j, const struct ui_model *m)
{
	size_t n = m->has_track ? m->track.n : 0;
	size_t stride =
	    n > UI_MAP_POINTS ? (n + UI_MAP_POINTS - 1) / UI_MAP_POINTS : 1;
	srv__json_knum(j, "step_m",
		       m->has_track ? m->track.step_m * stride : NAN);
	const char *axis[2] = {"x", "y"};
	for (int k = 0; k < 2; k++) {
		const double *v = k ? m->track.y : m->track.x;
		srv__json_key(j, axis[k]);
		srv__json_arr(j);
		for (size_t i = 0; i < n; i += stride)
			srv__json_num(j, v[i]);
		srv__json_arr_end(j);
	}
	srv__json_key(j, "corners");
	srv__json_arr(j);
	for (size_t k = 0; m->has_corners && k < m->corners.n; k++) {
		const struct ana_corner *c = &m->corners.c[k];
		srv__json_obj(j);
		srv__json_kint(j, "number", c->number);
		srv__json_knum(j, "start_m", c->start_m);
		srv__json_knum(j, "apex_m", c->apex_m);
		srv__json_knum(j, "end_m", c->end_m);
		srv__json_key(j, "complex");
		srv__json_bool(j, c->complex);
		size_t p = m->has_track ? path_index(m, c->apex_m) : 0;
		srv__json_knum(j, "x", m->has_track ? m->track.x[p] : NAN);
		srv__json_knum(j, "y", m->has_track ? m->track.y[p] : NAN);
		srv__json_obj_end(j);
	}
	srv__json_arr_end(j);
}

static void reply_json(struct srv_reply *r, struct srv_json *j)
{
	if (j->st != TB_OK) {
		srv__json_release(j);
		srv__reply_error(r, 500, "internal error", tb_strerror(j->st));
		return;
	}
	r->code = 200;
	r->type = "application/json";
	r->body = j->b;
}

static void reply_status(struct srv_reply *r, enum tb_status st,
			 const struct tb_error *err)
{
	srv__reply_error(r, (unsigned)tb_status_http(st), tb_strerror(st),
			 err->msg[0] ? err->msg : tb_strerror(st));
}

static void get_tracks(struct srv_api *a, int64_t id, struct srv_reply *r)
{
	struct ui_tracks ts;
	struct tb_error err;
	tb_error_clear(&err);
	enum tb_status rc = load_tracks(a, &ts, &err);
	if (rc != TB_OK) {
		reply_status(r, rc, &err);
		tb_free(ts.t);
		return;
	}
	struct srv_json j;
	srv__json_init(&j, SRV_JSON_MAX);
	if (id == 0) {
		srv__json_obj(&j);
		srv__json_key(&j, "tracks");
		srv__json_arr(&j);
	}
	bool found = false;
	for (size_t i = 0; i < ts.n; i++) {
		if (id && ts.t[i].id != id)
			continue;
		struct ui_model m;
		model_get(a, &ts.t[i], &m);
		srv__json_obj(&j);
		json_track_head(&j, &ts.t[i], &m);
		if (id)
			json_track_body(&j, &m);
		srv__json_obj_end(&j);
		model_release(&m);
		found = true;
	}
	if (id == 0) {
		srv__json_arr_end(&j);
		srv__json_obj_end(&j);
	}
	tb_free(ts.t);
	if (id && !found) {
		char d[80];
		srv__json_release(&j);
		snprintf(d, sizeof(d), "no track %lld", (long long)id);
		srv__reply_error(r, 404, "not found", d);
		return;
	}
	reply_json(r, &j);
}

/* ------------------------------------------------------------------ */
/* Drivers: best laps per track and car, from every stored session. */

struct ui_best {
	char track[2 * TB_NAME_MAX + 40], car[TB_NAME_MAX];
	enum tb_car_class car_class;
	const char *game;
	struct store_lap_row lap;
	int64_t start_unix_ms;
	size_t n_laps;
};

struct ui_driver {
	char name[TB_NAME_MAX];
	size_t n_laps, n_sessions;
	int64_t last_session;
	struct ui_best *best; /* NULL in the list */
	size_t n_best;
};

static void session_track(const struct store_session_row *s, char *out,
			  size_t n)
{
	const struct tb_session_info *in = &s->info;
	if (in->track[0])
		snprintf(out, n, "%s%s%s", in->track, in->layout[0] ? " " : "",
			 in->layout);
	else if (in->track_length_m > 100)
		snprintf(out, n, "%s track (%.0f m)", tb_game_name(in->game),
			 in->track_length_m);
	else
		snprintf(out, n, "%s track", tb_game_name(in->game));
}

static void add_best(struct ui_driver *d, const struct store_session_row *s,
		     const struct store_lap_row *l)
{
	char track[sizeof(d->best->track)];
	session_track(s, track, sizeof(track));
	size_t k = 0;
	while (k < d->n_best && (strcmp(d->best[k].track, track) ||
				 strcmp(d->best[k].car, l->car) ||
				 d->best[k].car_class != s->info.car_class))
		k++;
	if (k == d->n_best) {
		if (k == UI_BEST_MAX)
			return;
		memset(&d->best[k], 0, sizeof(d->best[k]));
		memcpy(d->best[k].track, track, sizeof(track));
		snprintf(d->best[k].car, sizeof(d->best[k].car), "%s", l->car);
		d->best[k].car_class = s->info.car_class;
		d->n_best++;
	}
	struct ui_best *b = &d->best[k];
	b->n_laps++;
	if (lap_timed(l) &&
	    (b->lap.id == 0 || l->lap_time_ms < b->lap.lap_time_ms)) {
		b->lap = *l;
		b->game = tb_game_name(s->info.game);
		b->start_unix_ms = s->info.start_unix_ms;
	}
}

/* Walk every lap; one == NULL: count every driver into ds (up to
 * UI_DRIVERS_MAX), else only that driver into ds[0] with best laps. */
static enum tb_status walk_drivers(struct srv_api *a, const char *one,
				   struct ui_driver *ds, size_t *n,
				   struct tb_error *err)
{
	struct ui_sessions ss;
	enum tb_status rc = load_sessions(a, &ss, err);
	for (size_t i = 0; rc == TB_OK && i < ss.n; i++) {
		struct lap_list l = {0};
		rc = load_laps(a, ss.s[i].id, &l, err);
		for (size_t k = 0; rc == TB_OK && k < l.n; k++) {
			const struct store_lap_row *lp = &l.r[k];
			if (one && strcmp(lp->driver, one) != 0)
				continue;
			size_t d = 0;
			while (d < *n && strcmp(ds[d].name, lp->driver))
				d++;
			if (d == *n) {
				if (*n == (one ? 1 : UI_DRIVERS_MAX))
					continue;
				snprintf(ds[d].name, sizeof(ds[d].name), "%s",
					 lp->driver);
				(*n)++;
			}
			ds[d].n_laps++;
			if (ds[d].last_session != ss.s[i].id)
				ds[d].n_sessions++;
			ds[d].last_session = ss.s[i].id;
			if (ds[d].best)
				add_best(&ds[d], &ss.s[i], lp);
		}
		tb_free(l.r);
	}
	tb_free(ss.s);
	return rc;
}

static void get_drivers(struct srv_api *a, struct srv_reply *r)
{
	struct tb_error err;
	tb_error_clear(&err);
	size_t n = 0;
	struct ui_driver *ds = tb_calloc(UI_DRIVERS_MAX, sizeof(*ds));
	if (!ds) {
		srv__reply_error(r, 500, "out of memory", "drivers");
		return;
	}
	enum tb_status rc = walk_drivers(a, NULL, ds, &n, &err);
	if (rc != TB_OK) {
		reply_status(r, rc, &err);
		tb_free(ds);
		return;
	}
	struct srv_json j;
	srv__json_init(&j, SRV_JSON_MAX);
	srv__json_obj(&j);
	srv__json_key(&j, "drivers");
	srv__json_arr(&j);
	for (size_t i = 0; i < n; i++) {
		srv__json_obj(&j);
		srv__json_kstr(&j, "name", ds[i].name);
		srv__json_kint(&j, "n_laps", (int64_t)ds[i].n_laps);
		srv__json_kint(&j, "n_sessions", (int64_t)ds[i].n_sessions);
		srv__json_obj_end(&j);
	}
	srv__json_arr_end(&j);
	srv__json_obj_end(&j);
	tb_free(ds);
	reply_json(r, &j);
}

static void json_best(struct srv_json *j, const struct ui_best *b)
{
	srv__json_obj(j);
	srv__json_kstr(j, "track", b->track);
	srv__json_kstr(j, "car", b->car);
	srv__json_kstr(j, "car_class", tb_car_class_name(b->car_class));
	srv__json_kint(j, "n_laps", (int64_t)b->n_laps);
	srv__json_key(j, "best");
	if (b->lap.id == 0) {
		srv__json_null(j);
	} else {
		srv__json_obj(j);
		srv__json_kint(j, "lap_id", b->lap.id);
		srv__json_kint(j, "session_id", b->lap.session_id);
		srv__json_kstr(j, "game", b->game);
		srv__json_kint(j, "lap_number", b->lap.lap_number);
		srv__json_kint(j, "lap_time_ms", b->lap.lap_time_ms);
		srv__json_key(j, "sector_ms");
		srv__json_arr(j);
		for (int k = 0; k < 3; k++)
			if (b->lap.sector_ms[k] < 0)
				srv__json_null(j);
			else
				srv__json_int(j, b->lap.sector_ms[k]);
		srv__json_arr_end(j);
		srv__json_kint(j, "start_unix_ms", b->start_unix_ms);
		srv__json_obj_end(j);
	}
	srv__json_obj_end(j);
}

/* The coach's stored ratings of one driver, newest UI_RATINGS_MAX kept
 * in a ring (the store lists oldest first). Names in store.h's order. */
static const char *const rating_names[STORE_RATINGS] = {
    "braking", "entry", "mid-corner", "exit", "consistency", "overall"};

struct ui_ratings {
	struct store_rating_row *r; /* ring of UI_RATINGS_MAX */
	size_t n;		    /* rows seen */
};

static int on_rating(void *ctx, const struct store_rating_row *row)
{
	struct ui_ratings *l = ctx;
	l->r[l->n % UI_RATINGS_MAX] = *row;
	l->n++;
	return 0;
}

/* rating_history: [{lap_id, session_id, ref_lap_id, created_unix_ms,
 * lap_s, delta_s, ratings {name: 0..100|null}}], oldest first. */
static enum tb_status json_ratings(struct srv_api *a, const char *driver,
				   struct srv_json *j, struct tb_error *err)
{
	struct ui_ratings l = {NULL, 0};
	l.r = tb_malloc(UI_RATINGS_MAX * sizeof(*l.r));
	if (!l.r)
		return tb_fail(err, TB_ERR_NOMEM, "ratings: out of memory");
	struct store *st = srv__api_store_lock(a);
	enum tb_status rc = store_ratings_list(st, driver, on_rating, &l, err);
	srv__api_store_unlock(a);
	size_t first = l.n > UI_RATINGS_MAX ? l.n - UI_RATINGS_MAX : 0;
	srv__json_arr(j);
	for (size_t i = first; rc == TB_OK && i < l.n; i++) {
		const struct store_rating_row *x = &l.r[i % UI_RATINGS_MAX];
		srv__json_obj(j);
		srv__json_kint(j, "lap_id", x->lap_id);
		srv__json_kint(j, "session_id", x->session_id);
		srv__json_kint(j, "ref_lap_id", x->ref_lap_id);
		srv__json_kint(j, "created_unix_ms", x->created_unix_ms);
		srv__json_knum(j, "lap_s", x->lap_s);
		srv__json_knum(j, "delta_s", x->delta_s);
		srv__json_key(j, "ratings");
		srv__json_obj(j);
		for (size_t k = 0; k < STORE_RATINGS; k++)
			srv__json_knum(j, rating_names[k], x->rating[k]);
		srv__json_obj_end(j);
		srv__json_obj_end(j);
	}
	srv__json_arr_end(j);
	tb_free(l.r);
	return rc;
}

static void get_driver(struct srv_api *a, const char *url, struct srv_reply *r)
{
	const char *name = strrchr(url, '/') + 1;
	struct tb_error err;
	tb_error_clear(&err);
	struct ui_driver d;
	size_t n = 0;
	memset(&d, 0, sizeof(d));
	if (strlen(name) >= TB_NAME_MAX) {
		srv__reply_error(r, 400, "bad parameter",
				 "driver name too long");
		return;
	}
	d.best = tb_calloc(UI_BEST_MAX, sizeof(*d.best));
	if (!d.best) {
		srv__reply_error(r, 500, "out of memory", "driver");
		return;
	}
	enum tb_status rc = walk_drivers(a, name, &d, &n, &err);
	if (rc != TB_OK || n == 0) {
		char m[TB_NAME_MAX + 32];
		snprintf(m, sizeof(m), "no laps by driver '%s'", name);
		if (rc != TB_OK)
			reply_status(r, rc, &err);
		else
			srv__reply_error(r, 404, "not found", m);
		tb_free(d.best);
		return;
	}
	struct srv_json j;
	srv__json_init(&j, SRV_JSON_MAX);
	srv__json_obj(&j);
	srv__json_kstr(&j, "name", d.name);
	srv__json_kint(&j, "n_laps", (int64_t)d.n_laps);
	srv__json_kint(&j, "n_sessions", (int64_t)d.n_sessions);
	srv__json_key(&j, "best_laps");
	srv__json_arr(&j);
	for (size_t i = 0; i < d.n_best; i++)
		json_best(&j, &d.best[i]);
	srv__json_arr_end(&j);
	srv__json_key(&j, "rating_history");
	rc = json_ratings(a, name, &j, &err);
	srv__json_obj_end(&j);
	tb_free(d.best);
	if (rc != TB_OK) {
		srv__json_release(&j);
		reply_status(r, rc, &err);
		return;
	}
	reply_json(r, &j);
}

/* ------------------------------------------------------------------ */
/* Optional features: answered when the router knows their paths. */

static void get_features(struct srv_reply *r)
{
	int64_t id;
	bool bad;
	struct srv_json j;
	srv__json_init(&j, 1u << 12);
	srv__json_obj(&j);
	srv__json_key(&j, "coach");
	srv__json_bool(&j, srv__api_route("/api/v1/laps/1/coach", &id, &bad) !=
			       SRV_EP_OTHER);
	srv__json_key(&j, "live");
	srv__json_bool(&j, srv__api_route("/api/v1/live/cars", &id, &bad) !=
			       SRV_EP_OTHER);
	srv__json_obj_end(&j);
	reply_json(r, &j);
}

void srv__ui_get(struct srv_api *a, enum srv_ep ep, int64_t id, const char *url,
		 struct srv_reply *r)
{
	memset(r, 0, sizeof(*r));
	switch (ep) {
	case SRV_EP_TRACKS:
		get_tracks(a, 0, r);
		break;
	case SRV_EP_TRACK:
		get_tracks(a, id, r);
		break;
	case SRV_EP_DRIVERS:
		get_drivers(a, r);
		break;
	case SRV_EP_DRIVER:
		get_driver(a, url, r);
		break;
	case SRV_EP_FEATURES:
		get_features(r);
		break;
	default:
		srv__reply_error(r, 404, "not found", "no such endpoint");
		break;
	}
}

/* trackmodel.c - the session's track model (stored, or built from its
 * fastest clean laps) and the corners on it, shared by the CLI and the
 * API (trackmodel.h). The store key is the one `analyze` has always
 * used: (game, track, layout), or without a track name the track
 * length, else the reference lap's own distance to 100 m (both nearest
 * multiples tried). */
#include "trackmodel.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TM_STEP_M	 1.0
#define KEY_LEN_ROUND_M	 100.0
#define TM_LAPS_LIST_MAX 4096u

struct tm_key {
	enum tb_game game;
	char track[TB_NAME_MAX];
	char layout[TB_NAME_MAX];
	char alt[TB_NAME_MAX]; /* "" or a second layout key to look up */
	bool by_length;
};

/* The session's fastest clean timed laps, fastest first. */
struct fastest {
	int64_t id[SRV_TM_BUILD_LAPS];
	int32_t ms[SRV_TM_BUILD_LAPS];
	size_t n;
};

static int on_lap(void *ctx, const struct store_lap_row *r)
{
	struct fastest *f = ctx;
	if (r->flags != 0 || r->lap_time_ms <= 0)
		return 0;
	size_t k = f->n < SRV_TM_BUILD_LAPS ? f->n++ : SRV_TM_BUILD_LAPS;
	if (k == SRV_TM_BUILD_LAPS) {
		if (r->lap_time_ms >= f->ms[k - 1])
			return 0;
		k--;
	}
	/* Ties keep the earlier lap first: the same order every time. */
	for (; k > 0 && f->ms[k - 1] > r->lap_time_ms; k--) {
		f->ms[k] = f->ms[k - 1];
		f->id[k] = f->id[k - 1];
	}
	f->ms[k] = r->lap_time_ms;
	f->id[k] = r->id;
	return 0;
}

static bool key_of(const struct store_session_row *s, const struct tb_lap *ref,
		   struct tm_key *k)
{
	memset(k, 0, sizeof(*k));
	k->game = s->info.game;
	if (s->info.track[0] != '\0') {
		snprintf(k->track, sizeof(k->track), "%s", s->info.track);
		snprintf(k->layout, sizeof(k->layout), "%s", s->info.layout);
		return true;
	}
	k->by_length = true;
	if (s->info.track_length_m > 100 && s->info.track_length_m < 1e6) {
		snprintf(k->layout, sizeof(k->layout), "%.0f m",
			 s->info.track_length_m);
		return true;
	}
	double len = ref ? tb_lap_max(ref, TB_CH_LAP_DIST) : NAN;
	if (!(len > 100 && len < 1e6))
		return false;
	double r = KEY_LEN_ROUND_M;
	double near = r * floor(len / r + 0.5);
	double other = len >= near ? near + r : near - r;
	snprintf(k->layout, sizeof(k->layout), "%.0f m", near);
	snprintf(k->alt, sizeof(k->alt), "%.0f m", other);
	return true;
}

static void key_describe(const struct tm_key *k, char *out, size_t n)
{
	snprintf(out, n, "%s, %s%s%s%s", tb_game_name(k->game),
		 !k->by_length ? ""
		 : k->alt[0]   ? "no track name: keyed by lap length (to 100 "
				 "m) "
			       : "no track name: keyed by track length ",
		 k->track, k->track[0] && k->layout[0] ? " " : "", k->layout);
}

static bool load_model(struct store *st, const struct tm_key *k,
		       const char *layout, struct ana_track *t, char *why,
		       size_t n_why)
{
	struct tb_buf b;
	struct tb_error err;
	tb_error_clear(&err);
	tb_buf_init(&b, STORE_TRACK_BLOB_MAX);
	enum tb_status rc =
	    store_track_get(st, k->game, k->track, layout, NULL, &b, &err);
	if (rc == TB_OK)
		rc = ana_track_decode(b.data, b.len, t, &err);
	if (rc != TB_OK && rc != TB_ERR_NOTFOUND)
		snprintf(why, n_why,
			 "stored track model unusable (%s): building it "
			 "again",
			 err.msg);
	tb_buf_release(&b);
	return rc == TB_OK;
}

static bool store_model(struct store *st, const struct tm_key *k,
			const struct ana_track *t, char *why, size_t n_why)
{
	struct tb_buf b;
	struct tb_error err;
	tb_error_clear(&err);
	tb_buf_init(&b, STORE_TRACK_BLOB_MAX);
	struct store_track_row m;
	memset(&m, 0, sizeof(m));
	m.game = k->game;
	snprintf(m.track, sizeof(m.track), "%s", k->track);
	snprintf(m.layout, sizeof(m.layout), "%s", k->layout);
	m.n_points = (int64_t)t->n;
	m.step_m = t->step_m;
	m.length_m = t->length_m;
	bool ok = ana_track_encode(t, &b, &err) == TB_OK &&
		  store_track_put(st, &m, b.data, b.len, &err) == TB_OK;
	if (!ok)
		snprintf(why, n_why, "track model not stored: %s", err.msg);
	tb_buf_release(&b);
	return ok;
}

static bool has_pos(const struct tb_lap *lap)
{
	tb_chmask m = TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y);
	return (lap->chans & m) == m;
}

/* Build from the loaded laps with positions (else the fallback). */
static void build_model(struct srv_tm *m, struct tb_lap *laps, size_t n,
			const struct tb_lap *fallback)
{
	const struct tb_lap *use[SRV_TM_BUILD_LAPS];
	size_t k = 0, used = 0;
	for (size_t i = 0; i < n; i++)
		if (has_pos(&laps[i]))
			use[k++] = &laps[i];
	if (k == 0 && fallback && has_pos(fallback))
		use[k++] = fallback;
	if (k == 0) {
		snprintf(m->why, sizeof(m->why),
			 "no lap with positions to build a track model");
		return;
	}
	struct tb_error err;
	tb_error_clear(&err);
	if (ana_track_build(use, k, TM_STEP_M, &m->track, &used, &err) !=
	    TB_OK) {
		snprintf(m->why, sizeof(m->why), "no track model (%s)",
			 err.msg);
		return;
	}
	m->has_track = true;
	m->n_built_from = used;
}

/* Corners on the model against ref (the session's fastest clean lap). */
static void find_corners(struct srv_tm *m, const struct tb_lap *ref)
{
	struct ana_grid g;
	struct tb_error err;
	tb_error_clear(&err);
	if (ana_grid_from_lap(ref, m->has_track ? &m->track : NULL, TM_STEP_M,
			      &g, &err) != TB_OK) {
		snprintf(m->why, sizeof(m->why), "no corners: %s", err.msg);
		return;
	}
	const struct ana_grid *refs[] = {&g};
	if (ana_corners_find(m->has_track ? &m->track : NULL, refs, 1,
			     &m->corners, &err) == TB_OK)
		m->has_corners = true;
	else
		snprintf(m->why, sizeof(m->why), "no corners: %s", err.msg);
	ana_grid_release(&g);
}

static void model_lookup(struct store *st, const struct tm_key *k, bool keyed,
			 struct srv_tm *m)
{
	if (!keyed)
		return;
	if (load_model(st, k, k->layout, &m->track, m->why, sizeof(m->why)))
		m->has_track = true;
	else if (k->alt[0] &&
		 load_model(st, k, k->alt, &m->track, m->why, sizeof(m->why)))
		m->has_track = true;
	if (m->has_track)
		m->src = SRV_TM_STORED;
}

enum tb_status srv_tm_get(struct store *st, int64_t session_id,
			  const struct tb_lap *fallback, bool may_store,
			  struct srv_tm *out, struct tb_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!st)
		return tb_fail(err, TB_ERR_ARG, "track model: no store");
	struct fastest f = {0};
	struct tb_lap laps[SRV_TM_BUILD_LAPS];
	for (size_t i = 0; i < SRV_TM_BUILD_LAPS; i++)
		tb_lap_init(&laps[i]);
	/* A session that cannot be listed has no clean laps to offer: the
	 * fallback lap stands in. */
	if (store_laps_list(st, session_id, on_lap, &f, NULL) != TB_OK)
		f.n = 0;
	/* The fastest lap first: a stored model needs only it, for the
	 * corners; the others only to build a model. */
	size_t n = 0;
	if (f.n && store_lap_get(st, f.id[0], &laps[0], NULL, NULL) == TB_OK)
		n = 1;
	const struct tb_lap *ref = n ? &laps[0] : fallback;
	out->ref_lap = n ? f.id[0] : 0;
	struct store_session_row s;
	struct tm_key k;
	bool keyed = store_session_get(st, session_id, &s, NULL) == TB_OK &&
		     key_of(&s, ref, &k);
	if (keyed)
		key_describe(&k, out->key, sizeof(out->key));
	else
		snprintf(out->key, sizeof(out->key),
			 "no track name or length to key it by");
	model_lookup(st, &k, keyed, out);
	for (size_t i = 1; i < f.n && n && !out->has_track; i++)
		if (store_lap_get(st, f.id[i], &laps[n], NULL, NULL) == TB_OK)
			n++;
	if (!out->has_track) {
		build_model(out, laps, n, fallback);
		out->src = out->has_track ? SRV_TM_BUILT : SRV_TM_NONE;
	}
	if (out->src == SRV_TM_BUILT && keyed && may_store &&
	    store_model(st, &k, &out->track, out->why, sizeof(out->why)))
		out->src = SRV_TM_BUILT_STORED;
	if (ref)
		find_corners(out, ref);
	else
		snprintf(out->why, sizeof(out->why),
			 "no clean timed lap to find the corners on");
	for (size_t i = 0; i < SRV_TM_BUILD_LAPS; i++)
		tb_lap_release(&laps[i]);
	return TB_OK;
}

void srv_tm_release(struct srv_tm *m)
{
	if (!m)
		return;
	if (m->has_track)
		ana_track_release(&m->track);
	m->has_track = false;
}

/* ------------------------------------------------------------------ */
/* Cache. */

struct tm_entry {
	bool used;
	int64_t session_id, ref_lap;
	struct srv_tm tm;
};

struct srv_tm_cache {
	struct tm_entry e[SRV_TM_CACHE_MAX];
	size_t next; /* slot replaced when full (oldest first) */
};

enum tb_status srv_tm_cache_create(struct srv_tm_cache **out,
				   struct tb_error *err)
{
	*out = tb_calloc(1, sizeof(**out));
	if (!*out)
		return tb_fail(err, TB_ERR_NOMEM,
			       "track model cache: out of "
			       "memory");
	return TB_OK;
}

void srv_tm_cache_destroy(struct srv_tm_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SRV_TM_CACHE_MAX; i++)
		if (c->e[i].used)
			srv_tm_release(&c->e[i].tm);
	tb_free(c);
}

static enum tb_status tm_copy(const struct srv_tm *from, struct srv_tm *to,
			      struct tb_error *err)
{
	*to = *from;
	to->has_track = false;
	memset(&to->track, 0, sizeof(to->track));
	if (!from->has_track)
		return TB_OK;
	const struct ana_track *s = &from->track;
	struct ana_track *d = &to->track;
	*d = *s;
	d->x = tb_malloc(s->n * sizeof(double));
	d->y = tb_malloc(s->n * sizeof(double));
	d->curv = tb_malloc(s->n * sizeof(double));
	if (!d->x || !d->y || !d->curv) {
		tb_free(d->x);
		tb_free(d->y);
		tb_free(d->curv);
		memset(d, 0, sizeof(*d));
		return tb_fail(err, TB_ERR_NOMEM, "track model: out of memory");
	}
	memcpy(d->x, s->x, s->n * sizeof(double));
	memcpy(d->y, s->y, s->n * sizeof(double));
	memcpy(d->curv, s->curv, s->n * sizeof(double));
	to->has_track = true;
	return TB_OK;
}

enum tb_status srv_tm_cache_get(struct srv_tm_cache *c, struct store *st,
				int64_t session_id, bool may_store,
				struct srv_tm *out, struct tb_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!c || !st)
		return tb_fail(err, TB_ERR_ARG, "track model cache: no store");
	struct fastest f = {0};
	if (store_laps_list(st, session_id, on_lap, &f, NULL) != TB_OK)
		f.n = 0;
	int64_t ref = f.n ? f.id[0] : 0;
	for (size_t i = 0; i < SRV_TM_CACHE_MAX; i++) {
		struct tm_entry *e = &c->e[i];
		if (e->used && e->session_id == session_id && e->ref_lap == ref)
			return tm_copy(&e->tm, out, err);
	}
	struct tm_entry *e = NULL;
	for (size_t i = 0; i < SRV_TM_CACHE_MAX && !e; i++)
		if (c->e[i].used && c->e[i].session_id == session_id)
			e = &c->e[i];
	if (!e) {
		e = &c->e[c->next];
		c->next = (c->next + 1) % SRV_TM_CACHE_MAX;
	}
	if (e->used)
		srv_tm_release(&e->tm);
	e->used = false;
	enum tb_status rc =
	    srv_tm_get(st, session_id, NULL, may_store, &e->tm, err);
	if (rc != TB_OK)
		return rc;
	e->used = true;
	e->session_id = session_id;
	e->ref_lap = ref;
	return tm_copy(&e->tm, out, err);
}

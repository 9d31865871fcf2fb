/* api_coach.c - GET /api/v1/laps/{id}/coach[?ref=best|session-best|ID]:
 * the coach's ratings, per-corner losses, attributions and mistake
 * probabilities and the ranked advice of a stored lap (coach.h's JSON).
 * 404 for an unknown lap or reference, 400 for a malformed ref, 422 for
 * a lap the coach cannot use (too short, no speed, another layout),
 * 503 when no model file can be read. */
#include "api_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analysis/analysis.h"
#include "../coach/coach.h"
#include "trackmodel.h"

/* The reference's id from ?ref=, or 0 with r filled. */
static int64_t ref_id(struct store *st, const char *spec,
		      const struct store_lap_row *lap, struct srv_reply *r)
{
	if (!spec || !strcmp(spec, "best") || !strcmp(spec, "session-best")) {
		int car =
		    spec && !strcmp(spec, "session-best") ? -1 : lap->car_index;
		int64_t id = 0;
		if (store_session_best(st, lap->session_id, car, &id, NULL,
				       NULL) != TB_OK ||
		    id == 0)
			srv__reply_error(r, 422, "no reference",
					 "no clean timed lap in the session");
		return id;
	}
	char *end = NULL;
	long long v = strtoll(spec, &end, 10);
	if (!end || *end != '\0' || v <= 0) {
		srv__reply_error(r, 400, "bad ref",
				 "ref: best, session-best or a lap id");
		return 0;
	}
	return v;
}

static bool grid_of(const struct tb_lap *lap, const struct ana_track *t,
		    struct ana_grid *g)
{
	if (ana_grid_from_lap(lap, t, 1.0, g, NULL) != TB_OK)
		return false;
	return true;
}

struct job {
	struct tb_lap lap, ref;
	struct store_lap_row lrow, rrow;
	struct ana_grid gl, gr;
	bool has_gl, has_gr;
	struct srv_tm tm; /* the lap's session: model and corners */
	struct coach_lap_result res;
};

static void job_release(struct job *j)
{
	tb_lap_release(&j->lap);
	tb_lap_release(&j->ref);
	if (j->has_gl)
		ana_grid_release(&j->gl);
	if (j->has_gr)
		ana_grid_release(&j->gr);
	srv_tm_release(&j->tm);
}

/* Load the lap, its reference and its session's track model and
 * corners (under the store's lock). */
static bool load(struct store *st, pthread_mutex_t *mu, struct srv_tm_cache *tm,
		 int64_t id, const char *spec, struct job *j,
		 struct srv_reply *r)
{
	struct tb_error err;
	tb_error_clear(&err);
	bool ok = false;
	pthread_mutex_lock(mu);
	enum tb_status s = store_lap_get(st, id, &j->lap, &j->lrow, &err);
	if (s != TB_OK) {
		srv__reply_error(r, s == TB_ERR_NOTFOUND ? 404 : 500,
				 s == TB_ERR_NOTFOUND ? "no such lap"
						      : "store error",
				 err.msg);
		goto out;
	}
	int64_t rid = ref_id(st, spec, &j->lrow, r);
	if (rid == 0)
		goto out;
	s = store_lap_get(st, rid, &j->ref, &j->rrow, &err);
	if (s != TB_OK) {
		srv__reply_error(r, s == TB_ERR_NOTFOUND ? 404 : 500,
				 s == TB_ERR_NOTFOUND ? "no such reference lap"
						      : "store error",
				 err.msg);
		goto out;
	}
	s = srv_tm_cache_get(tm, st, j->lrow.session_id, false, &j->tm, &err);
	if (s != TB_OK) {
		srv__reply_error(r, 500, "track model", err.msg);
		goto out;
	}
	ok = true;
out:
	pthread_mutex_unlock(mu);
	return ok;
}

void srv__api_coach(struct store *st, pthread_mutex_t *mu,
		    struct srv_tm_cache *tm, struct srv_coach_model *cm,
		    int64_t id, srv_arg_fn arg, void *ctx, struct srv_reply *r)
{
	memset(r, 0, sizeof(*r));
	struct job *j = tb_calloc(1, sizeof(*j));
	if (!j) {
		srv__reply_error(r, 500, "out of memory", "coach");
		return;
	}
	tb_lap_init(&j->lap);
	tb_lap_init(&j->ref);
	bool locked = false;
	struct tb_error err;
	tb_error_clear(&err);
	if (!load(st, mu, tm, id, arg(ctx, "ref"), j, r))
		goto out;
	const struct ana_track *t = j->tm.has_track ? &j->tm.track : NULL;
	j->has_gl = grid_of(&j->lap, t, &j->gl);
	j->has_gr = j->has_gl && grid_of(&j->ref, t, &j->gr);
	if (!j->has_gr) {
		srv__reply_error(r, 422, "unusable lap",
				 "no time, distance or speed to put the lap "
				 "on a distance grid");
		goto out;
	}
	pthread_mutex_lock(&cm->mu);
	locked = true;
	if (!cm->m && coach_model_open(NULL, &cm->m, &err) != TB_OK) {
		srv__reply_error(r, 503, "no coach model", err.msg);
		goto out;
	}
	struct coach_model *m = cm->m;
	/* The session's corners: the numbers analyze and the track view
	 * show (the reference's own only if the session has none). */
	const struct ana_grid *refs[] = {&j->gr};
	if ((!j->tm.has_corners &&
	     ana_corners_find(t, refs, 1, &j->tm.corners, &err) != TB_OK) ||
	    coach_lap(m, &j->gl, &j->gr, &j->tm.corners, NAN, NAN, &j->res,
		      &err) != TB_OK) {
		srv__reply_error(r, 422, "unusable lap", err.msg);
		goto out;
	}
	/* The result's object with the lap's warnings first. */
	struct tb_buf res;
	tb_buf_init(&res, SRV_JSON_MAX);
	tb_buf_init(&r->body, SRV_JSON_MAX);
	if (coach_lap_json(&j->res, true, &res, &err) != TB_OK ||
	    tb_buf_printf(&r->body, "{\"warnings\":[%s],%.*s",
			  (j->lrow.flags & TB_LAP_TRAFFIC) ? "\"traffic\"" : "",
			  (int)res.len - 1,
			  (const char *)res.data + 1) != TB_OK) {
		tb_buf_release(&res);
		tb_buf_release(&r->body);
		srv__reply_error(r, 500, "coach", err.msg);
		goto out;
	}
	tb_buf_release(&res);
	r->code = 200;
	r->type = "application/json";
out:
	if (locked)
		pthread_mutex_unlock(&cm->mu);
	job_release(j);
	tb_free(j);
}

void srv__coach_model_init(struct srv_coach_model *cm)
{
	pthread_mutex_init(&cm->mu, NULL);
	cm->m = NULL;
}

void srv__coach_model_release(struct srv_coach_model *cm)
{
	coach_model_destroy(cm->m);
	cm->m = NULL;
	pthread_mutex_destroy(&cm->mu);
}

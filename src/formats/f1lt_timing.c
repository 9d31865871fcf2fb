/* f1lt_timing.c - the session rebuilt from TimingData (laps, sectors,
 * pit and out laps, validity) and the side streams (drivers, session,
 * lap count, race control). */
#include "f1lt_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int lt_number(const char *key)
{
	long v = 0;
	size_t n = strlen(key);
	if (n == 0 || n > 3)
		return -1;
	if (f1lt__digits(key, n, n, &v))
		return -1;
	return (int)v;
}

/* Index of the driver with racing number key, added if new. */
enum tb_status f1lt__driver(struct lt_sess *s, const char *key, size_t *idx,
			    struct tb_error *err)
{
	int num = lt_number(key);
	if (num < 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s line %zu: car key \"%.16s\" is not a "
			       "racing number",
			       s->cur_name, s->cur_line, key);
	struct f1lt_result *r = s->res;
	for (size_t i = 0; i < r->n_drivers; i++) {
		if (r->drivers[i].race_number == num) {
			*idx = i;
			return TB_OK;
		}
	}
	if (r->n_drivers >= F1LT_DRIVERS_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s line %zu: more than %u cars", s->cur_name,
			       s->cur_line, F1LT_DRIVERS_MAX);
	struct f1lt_driver *d = &r->drivers[r->n_drivers];
	memset(d, 0, sizeof(*d));
	d->race_number = num;
	d->best_ms = TB_TIME_UNKNOWN;
	struct lt_drv_state *ds = &s->ds[r->n_drivers];
	for (int k = 0; k < 3; k++)
		ds->cur[k] = TB_TIME_UNKNOWN;
	ds->last_lap = -1;
	*idx = r->n_drivers++;
	return TB_OK;
}

static bool lt_true(json_t *o, const char *key)
{
	return json_is_true(f1lt__get(o, key));
}

/* Timing string field "Value" of node o: ms, or TB_TIME_UNKNOWN when
 * absent or empty. A malformed time is an error. */
static enum tb_status lt_value_ms(struct lt_sess *s, json_t *o,
				  const char *what, bool *present, int32_t *ms,
				  struct tb_error *err)
{
	json_t *v = f1lt__get(o, "Value");
	*present = v != NULL;
	*ms = TB_TIME_UNKNOWN;
	if (!v)
		return TB_OK;
	if (!json_is_string(v))
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s line %zu: %s.Value is not a string",
			       s->cur_name, s->cur_line, what);
	size_t n = json_string_length(v);
	if (n == 0)
		return TB_OK;
	if (f1lt_parse_laptime(json_string_value(v), n, ms) != TB_OK)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s line %zu: %s.Value \"%.20s\" is not a time",
			       s->cur_name, s->cur_line, what,
			       json_string_value(v));
	return TB_OK;
}

static enum tb_status lt_add_lap(struct lt_sess *s, size_t d,
				 const struct lt_lap *l, struct tb_error *err)
{
	if (s->n_laps >= FMT_LAPS_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s line %zu: more than %u laps", s->cur_name,
			       s->cur_line, FMT_LAPS_MAX);
	if (s->n_laps == s->cap_laps) {
		size_t nc = s->cap_laps ? s->cap_laps * 2 : 256;
		struct lt_lap *nl = tb_realloc(s->laps, nc * sizeof(*nl));
		if (!nl)
			return tb_fail(err, TB_ERR_NOMEM, "laps");
		s->laps = nl;
		s->cap_laps = nc;
	}
	s->laps[s->n_laps] = *l;
	s->ds[d].last_lap = (long)s->n_laps;
	s->res->drivers[d].n_laps++;
	s->n_laps++;
	return TB_OK;
}

/* Sector values of a TimingData patch: the lap in progress, or a late
 * final sector of the lap just completed. */
static enum tb_status lt_sectors(struct lt_sess *s, size_t d, json_t *secs,
				 struct tb_error *err)
{
	struct lt_drv_state *ds = &s->ds[d];
	for (int k = 0; k < 3; k++) {
		char key[2] = {(char)('0' + k), 0};
		json_t *o = f1lt__get(secs, key);
		bool present;
		int32_t ms;
		if (!o)
			continue;
		enum tb_status st =
		    lt_value_ms(s, o, "Sectors", &present, &ms, err);
		if (st != TB_OK)
			return st;
		if (ms == TB_TIME_UNKNOWN)
			continue;
		if (k == 0) {
			ds->late_open = false;
			ds->pend = false;
			ds->cur[0] = ms;
			ds->cur[1] = ds->cur[2] = TB_TIME_UNKNOWN;
			continue;
		}
		struct lt_lap *last =
		    ds->last_lap >= 0 ? &s->laps[ds->last_lap] : NULL;
		if (ds->late_open && last && last->sec[k] == TB_TIME_UNKNOWN &&
		    ds->cur[k] == TB_TIME_UNKNOWN)
			last->sec[k] = ms;
		else
			ds->cur[k] = ms;
	}
	return TB_OK;
}

/* One car's TimingData patch at time t. Order matters: the lap is
 * closed with the flags of the lap it ends, then the next starts. */
static enum tb_status lt_timing_car(struct lt_sess *s, const char *key,
				    json_t *p, int64_t t, struct tb_error *err)
{
	size_t d;
	enum tb_status st = f1lt__driver(s, key, &d, err);
	if (st != TB_OK)
		return st;
	if (!json_is_object(p) && !json_is_array(p))
		return TB_OK; /* nothing to apply */
	struct lt_drv_state *ds = &s->ds[d];
	uint32_t prev_nol = ds->nol;

	json_t *nol = f1lt__get(p, "NumberOfLaps");
	bool nol_moved = false;
	if (nol) {
		json_int_t v = json_integer_value(nol);
		if (!json_is_integer(nol) || v < 0 || v > 100000)
			return tb_fail(err, TB_ERR_FORMAT,
				       "%s line %zu: car %s NumberOfLaps is "
				       "not a lap count",
				       s->cur_name, s->cur_line, key);
		nol_moved = (uint32_t)v != ds->nol;
		ds->nol = (uint32_t)v;
	}
	if (lt_true(p, "InPit"))
		ds->in = true;
	json_t *secs = f1lt__get(p, "Sectors");
	if (secs) {
		st = lt_sectors(s, d, secs, err);
		if (st != TB_OK)
			return st;
	}
	json_t *llt = f1lt__get(p, "LastLapTime");
	bool have_llt = false;
	if (llt) {
		bool present;
		int32_t ms;
		st = lt_value_ms(s, llt, "LastLapTime", &present, &ms, err);
		if (st != TB_OK)
			return st;
		/* A car's first message is a snapshot, not a lap end. */
		bool snapshot = f1lt__get(p, "RacingNumber") != NULL;
		if (ms != TB_TIME_UNKNOWN && !snapshot) {
			struct lt_lap l;
			memset(&l, 0, sizeof(l));
			l.drv = (uint16_t)d;
			/* NumberOfLaps counts the lap in progress in
			 * practice and qualifying, laps completed in a race
			 * (whose grid lap is never timed). */
			l.lap_no = prev_nol + (s->race ? 1 : 0);
			l.time_ms = ms;
			memcpy(l.sec, ds->cur, sizeof(l.sec));
			l.flags = (ds->out ? TB_LAP_OUT : 0) |
				  (ds->in ? TB_LAP_IN : 0);
			if (ds->pend && !nol_moved &&
			    t - ds->pend_t <= LT_PEND_MS) {
				/* The time of the crossing seen before. */
				l.lap_no = ds->pend_no;
				l.flags =
				    ds->pend_flags | (ds->in ? TB_LAP_IN : 0);
				for (int k = 0; k < 3; k++)
					if (ds->pend_sec[k] != TB_TIME_UNKNOWN)
						l.sec[k] = ds->pend_sec[k];
			}
			ds->pend = false;
			l.end_ms = t;
			st = lt_add_lap(s, d, &l, err);
			if (st != TB_OK)
				return st;
			have_llt = true;
		}
	}
	if (nol_moved && !have_llt && !lt_true(p, "PitOut")) {
		ds->pend = true;
		ds->pend_t = t;
		ds->pend_no = prev_nol + (s->race ? 1 : 0);
		memcpy(ds->pend_sec, ds->cur, sizeof(ds->pend_sec));
		ds->pend_flags =
		    (ds->out ? TB_LAP_OUT : 0) | (ds->in ? TB_LAP_IN : 0);
	}
	if (have_llt || nol_moved) {
		ds->out = ds->in = false;
		if (have_llt)
			ds->late_open = true;
		for (int k = 0; k < 3; k++)
			ds->cur[k] = TB_TIME_UNKNOWN;
	}
	if (lt_true(p, "PitOut"))
		ds->out = true;
	if (llt && ds->last_lap >= 0) {
		struct lt_lap *last = &s->laps[ds->last_lap];
		last->pb |= lt_true(llt, "PersonalFastest");
		last->ob |= lt_true(llt, "OverallFastest");
	}
	return TB_OK;
}

struct lt_lines_ctx {
	struct lt_sess *s;
	int64_t t;
};

static enum tb_status lt_timing_line(void *ctx, const char *key, json_t *v,
				     struct tb_error *err)
{
	struct lt_lines_ctx *c = ctx;
	return lt_timing_car(c->s, key, v, c->t, err);
}

enum tb_status f1lt__timing_msg(void *ctx, size_t line, int64_t t_ms,
				json_t *msg, struct tb_error *err)
{
	struct lt_sess *s = ctx;
	s->cur_line = line;
	s->tm.line = line;
	json_t *lines = json_object_get(msg, "Lines");
	if (lines) {
		struct lt_lines_ctx c = {s, t_ms};
		enum tb_status st =
		    f1lt__each_kv(lines, lt_timing_line, &c, err);
		if (st != TB_OK)
			return st;
	}
	return f1lt__merge(&s->tm, s->timing, msg, 0, err);
}

/* ------------------------------------------------------------------ */
/* Side streams: drivers, session, lap count, race control. */

static void lt_copy_str(char *dst, size_t cap, json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, s, n);
	dst[n] = 0;
}

enum tb_status f1lt__drivers(struct lt_sess *s, struct tb_error *err)
{
	const struct f1lt_stream *st_in = &s->in->drivers;
	json_t *state = NULL;
	if (!st_in->p)
		return TB_OK;
	enum tb_status st = f1lt__load_state(st_in, &state, err);
	if (st != TB_OK)
		return st;
	const char *key;
	json_t *v;
	s->cur_name = st_in->name;
	s->cur_line = 0;
	json_object_foreach(state, key, v)
	{
		size_t d;
		if (lt_number(key) < 0 || !json_is_object(v))
			continue; /* e.g. "_kf" bookkeeping keys */
		st = f1lt__driver(s, key, &d, err);
		if (st != TB_OK)
			break;
		struct f1lt_driver *dr = &s->res->drivers[d];
		lt_copy_str(dr->tla, sizeof(dr->tla),
			    json_object_get(v, "Tla"));
		lt_copy_str(dr->full_name, sizeof(dr->full_name),
			    json_object_get(v, "FullName"));
		lt_copy_str(dr->team, sizeof(dr->team),
			    json_object_get(v, "TeamName"));
	}
	json_decref(state);
	return st;
}

enum tb_status f1lt__session(struct lt_sess *s, struct tb_error *err)
{
	struct tb_session_info *in = &s->info;
	const struct f1lt_stream *ss = &s->in->session;
	json_t *state = NULL;

	memset(in, 0, sizeof(*in));
	in->game = TB_GAME_REAL_F1;
	in->track_id = -1;
	in->weather = -1;
	in->car_class = TB_CLASS_F1;
	in->game_session_type = -1;
	if (!ss->p)
		return TB_OK;
	enum tb_status st = f1lt__load_state(ss, &state, err);
	if (st != TB_OK)
		return st;
	json_t *meeting = json_object_get(state, "Meeting");
	json_t *circuit = json_object_get(meeting, "Circuit");
	lt_copy_str(in->track, sizeof(in->track),
		    json_object_get(circuit, "ShortName"));
	json_t *ck = json_object_get(circuit, "Key");
	if (json_is_integer(ck) && json_integer_value(ck) >= 0 &&
	    json_integer_value(ck) < INT32_MAX)
		in->track_id = (int32_t)json_integer_value(ck);
	json_t *key = json_object_get(state, "Key");
	if (json_is_integer(key) && json_integer_value(key) > 0)
		in->source_uid = (uint64_t)json_integer_value(key);
	const char *type = json_string_value(json_object_get(state, "Type"));
	if (type && strcmp(type, "Race") == 0)
		in->kind = TB_SESSION_RACE;
	else if (type && strcmp(type, "Qualifying") == 0)
		in->kind = TB_SESSION_QUALIFYING;
	else if (type && strcmp(type, "Practice") == 0)
		in->kind = TB_SESSION_PRACTICE;
	s->race = in->kind == TB_SESSION_RACE;
	/* StartDate is local time; GmtOffset "-04:00:00" turns it to UTC.
	 * Without car data this scheduled start stands in for time 0. */
	json_t *sd = json_object_get(state, "StartDate");
	json_t *go = json_object_get(state, "GmtOffset");
	int64_t start;
	if (json_is_string(sd) &&
	    f1lt_parse_iso8601(json_string_value(sd), json_string_length(sd),
			       &start) == TB_OK) {
		const char *g = json_string_value(go);
		long h, m;
		if (g) {
			int sign = *g == '-' ? -1 : 1;
			if (*g == '-' || *g == '+')
				g++;
			if (f1lt__digits(g, strlen(g), 2, &h) == 0 &&
			    g[2] == ':' &&
			    f1lt__digits(g + 3, strlen(g + 3), 2, &m) == 0)
				start -= sign * (h * 3600 + m * 60) * 1000;
		}
		in->start_unix_ms = start;
	}
	json_decref(state);
	return TB_OK;
}

enum tb_status f1lt__lap_count(struct lt_sess *s, struct tb_error *err)
{
	json_t *state = NULL;
	if (!s->in->lap_count.p)
		return TB_OK;
	enum tb_status st = f1lt__load_state(&s->in->lap_count, &state, err);
	if (st != TB_OK)
		return st;
	json_t *tl = json_object_get(state, "TotalLaps");
	if (json_is_integer(tl) && json_integer_value(tl) > 0 &&
	    json_integer_value(tl) < 100000)
		s->res->total_laps = (uint32_t)json_integer_value(tl);
	json_decref(state);
	return TB_OK;
}

/* "CAR 3 (RIC) TIME 1:27.113 DELETED - TRACK LIMITS AT TURN 9" marks that
 * lap; "... REINSTATED" clears the mark. */
static void lt_rc_message(struct lt_sess *s, const char *msg, int64_t t)
{
	const char *car = strstr(msg, "CAR ");
	const char *time = strstr(msg, " TIME ");
	bool del = strstr(msg, " DELETED") != NULL;
	bool re = strstr(msg, " REINSTATED") != NULL;
	if (!car || !time || (!del && !re))
		return;
	char *end;
	long num = strtol(car + 4, &end, 10);
	if (end == car + 4 || num < 0 || num > 999)
		return;
	const char *ts = time + 6;
	size_t tn = strcspn(ts, " ");
	int32_t ms;
	if (f1lt_parse_laptime(ts, tn, &ms) != TB_OK)
		return;
	/* The latest lap of that car with that time, completed before. */
	for (size_t i = s->n_laps; i-- > 0;) {
		struct lt_lap *l = &s->laps[i];
		if (s->res->drivers[l->drv].race_number != num ||
		    l->time_ms != ms || l->end_ms > t)
			continue;
		l->deleted = del && !re;
		if (l->deleted)
			l->flags |= TB_LAP_CUT;
		else
			l->flags &= ~(uint32_t)TB_LAP_CUT;
		return;
	}
}

static enum tb_status lt_rc_one(void *ctx, const char *key, json_t *v,
				struct tb_error *err)
{
	struct lt_lines_ctx *c = ctx;
	(void)key;
	(void)err;
	const char *m = json_string_value(json_object_get(v, "Message"));
	if (m)
		lt_rc_message(c->s, m, c->t);
	return TB_OK;
}

enum tb_status f1lt__rc_msg(void *ctx, size_t line, int64_t t_ms, json_t *msg,
			    struct tb_error *err)
{
	struct lt_lines_ctx c = {ctx, t_ms};
	(void)line;
	return f1lt__each_kv(json_object_get(msg, "Messages"), lt_rc_one, &c,
			     err);
}

/* Final BestLapTime / NumberOfLaps per car from the merged state. */
enum tb_status f1lt__final_timing(struct lt_sess *s, struct tb_error *err)
{
	json_t *lines = json_object_get(s->timing, "Lines");
	const char *key;
	json_t *v;
	json_object_foreach(lines, key, v)
	{
		size_t d;
		enum tb_status st = f1lt__driver(s, key, &d, err);
		if (st != TB_OK)
			return st;
		struct f1lt_driver *dr = &s->res->drivers[d];
		dr->number_of_laps = s->ds[d].nol;
		json_t *best = json_object_get(v, "BestLapTime");
		json_t *bv = json_object_get(best, "Value");
		json_t *bl = json_object_get(best, "Lap");
		int32_t ms;
		if (json_is_string(bv) &&
		    f1lt_parse_laptime(json_string_value(bv),
				       json_string_length(bv), &ms) == TB_OK)
			dr->best_ms = ms;
		if (json_is_integer(bl) && json_integer_value(bl) > 0 &&
		    json_integer_value(bl) < 100000)
			dr->best_lap = (uint32_t)json_integer_value(bl);
	}
	return TB_OK;
}

/* f1lt_cardata.c - ".z" car data and positions of F1 live timing,
 * inflated and read with the allocation-free pull reader of jscan.h. */
#include "f1lt_int.h"
#include "jscan.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* Car data and positions (".z"): the inflated JSON is read with the pull
 * reader of jscan.h (no tree: a DOM's allocations cost more than the
 * inflate), in the layout {"Entries": [{"Utc": T, "Cars": {"44":
 * {"Channels": {"0": rpm, ...}}}}]} and {"Position": [{"Timestamp": T,
 * "Entries": {"44": {"X": x, "Y": y, "Z": z, ...}}}]}. */

static enum tb_status lt_scan_fail(struct lt_sess *s, const struct jscan *j,
				   struct tb_error *err)
{
	return tb_fail(err, TB_ERR_CORRUPT,
		       "%s line %zu: inflated JSON byte %zu: %s", s->cur_name,
		       s->cur_line, j->err_at, j->err ? j->err : "bad value");
}

static void lt_note_offset(struct lt_sess *s, int64_t utc, int64_t t_ms)
{
	/* An entry is sent after it happened: utc - t is at most the true
	 * offset, so the largest value is the tightest estimate. */
	int64_t off = utc - t_ms;
	if (!s->have_off || off > s->off)
		s->off = off;
	s->have_off = true;
}

static enum tb_status lt_grow(void **p, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return TB_OK;
	size_t nc = *cap ? *cap * 2 : 1024;
	void *np = tb_realloc(*p, nc * sz);
	if (!np)
		return TB_ERR_NOMEM;
	*p = np;
	*cap = nc;
	return TB_OK;
}

static enum tb_status lt_count_sample(struct lt_sess *s, struct tb_error *err)
{
	if (++s->n_samples > F1LT_SAMPLES_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s line %zu: more than %u samples", s->cur_name,
			       s->cur_line, F1LT_SAMPLES_MAX);
	return TB_OK;
}

/* Channel ids of CarData (FastF1 _api.py): 0 rpm, 2 speed, 3 gear,
 * 4 throttle, 5 brake, 45 drs. */
static const char *const lt_chan_keys[6] = {"0", "2", "3", "4", "5", "45"};

static int lt_chan_index(const char *k, size_t n)
{
	for (int i = 0; i < 6; i++)
		if (jscan_key_is(k, n, lt_chan_keys[i]))
			return i;
	return -1;
}

/* One car's {"Channels": {...}} into a new sample of driver d. */
static enum tb_status lt_car_channels(struct lt_sess *s, struct jscan *j,
				      size_t d, const char *key, int64_t utc,
				      struct tb_error *err)
{
	struct lt_car c;
	memset(&c, 0, sizeof(c));
	c.utc = utc;
	bool have = false;
	const char *k;
	size_t kn;
	int r;
	if (jscan_peek(j) != JSCAN_OBJ)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s line %zu: car %s without Channels",
			       s->cur_name, s->cur_line, key);
	(void)jscan_obj_begin(j);
	while ((r = jscan_obj_next(j, &k, &kn)) == 1) {
		if (!jscan_key_is(k, kn, "Channels") ||
		    jscan_peek(j) != JSCAN_OBJ) {
			if (!jscan_skip(j))
				return lt_scan_fail(s, j, err);
			continue;
		}
		have = true;
		(void)jscan_obj_begin(j);
		int r2;
		while ((r2 = jscan_obj_next(j, &k, &kn)) == 1) {
			int idx = lt_chan_index(k, kn);
			if (idx < 0) {
				if (!jscan_skip(j))
					return lt_scan_fail(s, j, err);
				continue;
			}
			double v;
			if (jscan_peek(j) != JSCAN_NUM)
				return tb_fail(err, TB_ERR_FORMAT,
					       "%s line %zu: car %s channel "
					       "%s is not a number",
					       s->cur_name, s->cur_line, key,
					       lt_chan_keys[idx]);
			if (!jscan_num(j, &v))
				return lt_scan_fail(s, j, err);
			c.v[idx] = (float)v;
			c.mask |= (uint8_t)(1u << idx);
		}
		if (r2 < 0)
			return lt_scan_fail(s, j, err);
	}
	if (r < 0)
		return lt_scan_fail(s, j, err);
	if (!have)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s line %zu: car %s without Channels",
			       s->cur_name, s->cur_line, key);
	struct lt_drv_state *ds = &s->ds[d];
	enum tb_status st = lt_count_sample(s, err);
	if (st == TB_OK && lt_grow((void **)&ds->car, &ds->cap_car, ds->n_car,
				   sizeof(*ds->car)) != TB_OK)
		st = tb_fail(err, TB_ERR_NOMEM, "car samples");
	if (st != TB_OK)
		return st;
	ds->car[ds->n_car++] = c;
	s->res->drivers[d].n_car_samples++;
	return TB_OK;
}

/* One car's {"X": x, "Y": y, "Z": z, ...} into a new position of d. */
static enum tb_status lt_car_position(struct lt_sess *s, struct jscan *j,
				      size_t d, const char *key, int64_t utc,
				      struct tb_error *err)
{
	double xyz[3];
	unsigned have = 0;
	const char *k;
	size_t kn;
	int r;
	if (jscan_peek(j) != JSCAN_OBJ)
		goto bad;
	(void)jscan_obj_begin(j);
	while ((r = jscan_obj_next(j, &k, &kn)) == 1) {
		int a = kn != 1	      ? -1
			: k[0] == 'X' ? 0
			: k[0] == 'Y' ? 1
			: k[0] == 'Z' ? 2
				      : -1;
		if (a < 0) {
			if (!jscan_skip(j))
				return lt_scan_fail(s, j, err);
			continue;
		}
		if (jscan_peek(j) != JSCAN_NUM)
			goto bad;
		if (!jscan_num(j, &xyz[a]))
			return lt_scan_fail(s, j, err);
		have |= 1u << a;
	}
	if (r < 0)
		return lt_scan_fail(s, j, err);
	if (have != 7)
		goto bad;
	struct lt_drv_state *ds = &s->ds[d];
	enum tb_status st = lt_count_sample(s, err);
	if (st == TB_OK && lt_grow((void **)&ds->pos, &ds->cap_pos, ds->n_pos,
				   sizeof(*ds->pos)) != TB_OK)
		st = tb_fail(err, TB_ERR_NOMEM, "positions");
	if (st != TB_OK)
		return st;
	struct lt_pos *ps = &ds->pos[ds->n_pos++];
	ps->utc = utc;
	ps->x = (float)xyz[0];
	ps->y = (float)xyz[1];
	ps->z = (float)xyz[2];
	s->res->drivers[d].n_pos_samples++;
	return TB_OK;
bad:
	return tb_fail(err, TB_ERR_FORMAT,
		       "%s line %zu: car %s position needs numbers X, Y, Z",
		       s->cur_name, s->cur_line, key);
}

/* The cars object of one entry: {"44": {...}, "1": {...}}. */
static enum tb_status lt_cars(struct lt_sess *s, struct jscan *j, int64_t utc,
			      bool car, struct tb_error *err)
{
	const char *k;
	size_t kn;
	int r;
	if (!jscan_obj_begin(j))
		return lt_scan_fail(s, j, err);
	while ((r = jscan_obj_next(j, &k, &kn)) == 1) {
		char key[16];
		if (kn >= sizeof(key))
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s line %zu: car key \"%.16s\" is not "
				       "a racing number",
				       s->cur_name, s->cur_line, k);
		memcpy(key, k, kn);
		key[kn] = '\0';
		size_t d;
		enum tb_status st = f1lt__driver(s, key, &d, err);
		if (st == TB_OK)
			st = car ? lt_car_channels(s, j, d, key, utc, err)
				 : lt_car_position(s, j, d, key, utc, err);
		if (st != TB_OK)
			return st;
	}
	return r < 0 ? lt_scan_fail(s, j, err) : TB_OK;
}

/* One entry {"Utc": T, "Cars": {...}} (or "Timestamp" and "Entries"):
 * the cars are read in place when the time came first, else found
 * again after it. */
static enum tb_status lt_entry(struct lt_sess *s, struct jscan *j, int64_t t_ms,
			       bool car, struct tb_error *err)
{
	const char *tkey = car ? "Utc" : "Timestamp";
	const char *ckey = car ? "Cars" : "Entries";
	const char *k, *ts = NULL, *cars_at = NULL;
	size_t kn, tn = 0;
	int64_t utc = 0;
	bool have_utc = false, done_cars = false;
	int r;
	if (jscan_peek(j) != JSCAN_OBJ)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s line %zu: an entry is not an object",
			       s->cur_name, s->cur_line);
	(void)jscan_obj_begin(j);
	while ((r = jscan_obj_next(j, &k, &kn)) == 1) {
		if (jscan_key_is(k, kn, tkey) && jscan_peek(j) == JSCAN_STR) {
			if (!jscan_str(j, &ts, &tn))
				return lt_scan_fail(s, j, err);
			have_utc = f1lt_parse_iso8601(ts, tn, &utc) == TB_OK;
			if (!have_utc)
				break;
			lt_note_offset(s, utc, t_ms);
		} else if (jscan_key_is(k, kn, ckey) &&
			   jscan_peek(j) == JSCAN_OBJ) {
			if (have_utc) {
				enum tb_status st =
				    lt_cars(s, j, utc, car, err);
				if (st != TB_OK)
					return st;
				done_cars = true;
				cars_at = NULL;
			} else {
				cars_at = j->p;
				if (!jscan_skip(j))
					return lt_scan_fail(s, j, err);
			}
		} else if (!jscan_skip(j)) {
			return lt_scan_fail(s, j, err);
		}
	}
	if (!have_utc)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s line %zu: %s is not an ISO 8601 time",
			       s->cur_name, s->cur_line, tkey);
	if (r < 0)
		return lt_scan_fail(s, j, err);
	if (cars_at) {
		struct jscan c;
		jscan_init(&c, cars_at, (size_t)(j->end - cars_at));
		c.base = j->base;
		return lt_cars(s, &c, utc, car, err);
	}
	if (!done_cars)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s line %zu: entry without %s", s->cur_name,
			       s->cur_line, ckey);
	return TB_OK;
}

static enum tb_status lt_z_msg(struct lt_sess *s, size_t line, int64_t t_ms,
			       json_t *msg, bool car, struct tb_error *err)
{
	s->cur_line = line;
	if (!json_is_string(msg))
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s line %zu: a \".z\" message is a base64 "
			       "string",
			       s->cur_name, line);
	struct tb_error e2;
	s->zbuf.len = 0;
	enum tb_status st = f1lt_z_inflate(
	    json_string_value(msg), json_string_length(msg), &s->zbuf, &e2);
	if (st != TB_OK)
		return tb_fail(err, st, "%s line %zu: %s", s->cur_name,
			       s->cur_line, e2.msg);
	const char *want = car ? "Entries" : "Position";
	struct jscan j;
	const char *k;
	size_t kn;
	bool found = false;
	int r;
	jscan_init(&j, (const char *)s->zbuf.data, s->zbuf.len);
	if (jscan_peek(&j) != JSCAN_OBJ)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s line %zu: inflated JSON is not an object",
			       s->cur_name, line);
	(void)jscan_obj_begin(&j);
	while ((r = jscan_obj_next(&j, &k, &kn)) == 1) {
		if (!jscan_key_is(k, kn, want) || jscan_peek(&j) != JSCAN_ARR) {
			if (!jscan_skip(&j))
				return lt_scan_fail(s, &j, err);
			continue;
		}
		found = true;
		(void)jscan_arr_begin(&j);
		int r2;
		while ((r2 = jscan_arr_next(&j)) == 1) {
			st = lt_entry(s, &j, t_ms, car, err);
			if (st != TB_OK)
				return st;
		}
		if (r2 < 0)
			return lt_scan_fail(s, &j, err);
	}
	if (r < 0 || !jscan_done(&j))
		return lt_scan_fail(s, &j, err);
	if (!found)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s line %zu: no \"%s\" array", s->cur_name,
			       line, want);
	return TB_OK;
}

enum tb_status f1lt__car_msg(void *ctx, size_t line, int64_t t_ms, json_t *msg,
			     struct tb_error *err)
{
	return lt_z_msg(ctx, line, t_ms, msg, true, err);
}

enum tb_status f1lt__pos_msg(void *ctx, size_t line, int64_t t_ms, json_t *msg,
			     struct tb_error *err)
{
	return lt_z_msg(ctx, line, t_ms, msg, false, err);
}

static int lt_cmp_car(const void *a, const void *b)
{
	int64_t x = ((const struct lt_car *)a)->utc;
	int64_t y = ((const struct lt_car *)b)->utc;
	return (x > y) - (x < y);
}

static int lt_cmp_pos(const void *a, const void *b)
{
	int64_t x = ((const struct lt_pos *)a)->utc;
	int64_t y = ((const struct lt_pos *)b)->utc;
	return (x > y) - (x < y);
}

void f1lt__sort_samples(struct lt_sess *s)
{
	for (size_t d = 0; d < s->res->n_drivers; d++) {
		struct lt_drv_state *ds = &s->ds[d];
		bool sorted = true;
		for (size_t i = 1; i < ds->n_car && sorted; i++)
			sorted = ds->car[i - 1].utc <= ds->car[i].utc;
		if (!sorted)
			qsort(ds->car, ds->n_car, sizeof(*ds->car), lt_cmp_car);
		sorted = true;
		for (size_t i = 1; i < ds->n_pos && sorted; i++)
			sorted = ds->pos[i - 1].utc <= ds->pos[i].utc;
		if (!sorted)
			qsort(ds->pos, ds->n_pos, sizeof(*ds->pos), lt_cmp_pos);
	}
}

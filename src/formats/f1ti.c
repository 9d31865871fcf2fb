/* f1ti.c - TracingInsights F1 telemetry JSON (mapping and rules in
 * f1ti.h): a tel file is parsed with jansson (size-capped, duplicate keys
 * rejected), every array checked for length, type and range, then joined
 * with laptimes.json and drivers.json. A file or a whole folder is read
 * and checked completely before any lap is handed over. */
#include "f1ti.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <jansson.h>

#define PATH_CAP 4096
#define KEY_CAP	 128		    /* dataKey */
#define SIDE_MAX ((size_t)16 << 20) /* laptimes.json, drivers.json */

bool fmt_f1ti_brake_is_binary(const char *source)
{
	return source && strcmp(source, FMT_F1TI_SOURCE) == 0;
}

static void set_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h ? h : 1;
}

/* Read a whole regular file (at most cap bytes). */
static enum tb_status slurp(const char *path, size_t cap, uint8_t **out,
			    size_t *len, struct tb_error *err)
{
	*out = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return tb_fail(err,
			       errno == ENOENT ? TB_ERR_NOTFOUND : TB_ERR_IO,
			       "%s: cannot open: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return tb_fail(err, TB_ERR_IO, "%s: not a regular file", path);
	}
	if ((uint64_t)sb.st_size > cap) {
		fclose(f);
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s: %lld bytes, more than the %zu accepted",
			       path, (long long)sb.st_size, cap);
	}
	size_t n = (size_t)sb.st_size;
	uint8_t *b = tb_malloc(n ? n : 1);
	if (!b) {
		fclose(f);
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", path);
	}
	if (fread(b, 1, n, f) != n) {
		tb_free(b);
		fclose(f);
		return tb_fail(err, TB_ERR_IO, "%s: read error", path);
	}
	fclose(f);
	*out = b;
	*len = n;
	return TB_OK;
}

static enum tb_status load_json(const uint8_t *buf, size_t len,
				const char *name, json_t **out,
				struct tb_error *err)
{
	*out = NULL;
	if (len > FMT_F1TI_JSON_MAX)
		return tb_fail(err, TB_ERR_LIMIT, "%s: %zu bytes, at most %zu",
			       name, len, FMT_F1TI_JSON_MAX);
	json_error_t je;
	json_t *root =
	    json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		/* Input ending early (a cut file) vs bad content. */
		bool cut = strstr(je.text, "near end of file") != NULL ||
			   strstr(je.text, "premature end of input") != NULL ||
			   (strstr(je.text, "invalid token") != NULL &&
			    je.position >= 0 && (size_t)je.position >= len);
		return tb_fail(err, cut ? TB_ERR_TRUNCATED : TB_ERR_CORRUPT,
			       "%s:%d:%d: JSON: %s", name, je.line, je.column,
			       je.text);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s: JSON root is not an object", name);
	}
	*out = root;
	return TB_OK;
}

/* A value that means "missing": null or the string "None". */
static bool is_none(const json_t *v)
{
	return json_is_null(v) ||
	       (json_is_string(v) && strcmp(json_string_value(v), "None") == 0);
}

/* ------------------------------------------------------------------ */
/* tel JSON. */

enum conv { C_PLAIN, C_KMH, C_PCT, C_BRAKE, C_DRS, C_GEAR, C_DECI };

static const struct {
	const char *key;
	enum tb_channel ch;
	enum conv conv;
	double lo, hi; /* accepted raw range */
} tel_keys[] = {
    {"speed", TB_CH_SPEED, C_KMH, 0.0, 500.0},
    {"rpm", TB_CH_RPM, C_PLAIN, 0.0, 25000.0},
    {"gear", TB_CH_GEAR, C_GEAR, -1.0, 9.0},
    {"throttle", TB_CH_THROTTLE, C_PCT, 0.0, 105.0},
    {"brake", TB_CH_BRAKE, C_BRAKE, 0.0, 1.0},
    {"drs", TB_CH_DRS, C_DRS, 0.0, 255.0},
    {"distance", TB_CH_LAP_DIST, C_PLAIN, -1e6, 1e6},
    {"x", TB_CH_POS_X, C_DECI, -1e7, 1e7},
    {"y", TB_CH_POS_Y, C_DECI, -1e7, 1e7},
    {"z", TB_CH_POS_Z, C_DECI, -1e7, 1e7},
};
#define N_TEL_KEYS (sizeof(tel_keys) / sizeof(tel_keys[0]))

/* One element of a channel array: true with *v, false if absent; an
 * error status in *st for a bad element. */
static bool tel_value(const json_t *e, size_t k, size_t i, const char *name,
		      double *v, enum tb_status *st, struct tb_error *err)
{
	*st = TB_OK;
	if (is_none(e))
		return false;
	double raw;
	if (json_is_number(e))
		raw = json_number_value(e);
	else if (tel_keys[k].conv == C_BRAKE && json_is_boolean(e))
		raw = json_is_true(e) ? 1.0 : 0.0;
	else {
		*st = tb_fail(err, TB_ERR_CORRUPT,
			      "%s: tel.%s[%zu] is not a number", name,
			      tel_keys[k].key, i);
		return false;
	}
	if (!isfinite(raw) || raw < tel_keys[k].lo || raw > tel_keys[k].hi) {
		*st = tb_fail(err, TB_ERR_RANGE,
			      "%s: tel.%s[%zu] = %g, outside %g..%g", name,
			      tel_keys[k].key, i, raw, tel_keys[k].lo,
			      tel_keys[k].hi);
		return false;
	}
	switch (tel_keys[k].conv) {
	case C_PLAIN:
		*v = raw;
		break;
	case C_KMH:
		*v = raw / TB_KMH_PER_MS;
		break;
	case C_PCT:
		*v = raw >= 100.0 ? 1.0 : raw / 100.0;
		break;
	case C_BRAKE:
		if (raw != 0.0 && raw != 1.0) {
			*st = tb_fail(err, TB_ERR_RANGE,
				      "%s: tel.brake[%zu] = %g, expected 0 or "
				      "1 (on/off)",
				      name, i, raw);
			return false;
		}
		*v = raw;
		break;
	case C_DRS:
	case C_GEAR:
		if (raw != floor(raw)) {
			*st = tb_fail(err, TB_ERR_CORRUPT,
				      "%s: tel.%s[%zu] = %g is not a whole "
				      "number",
				      name, tel_keys[k].key, i, raw);
			return false;
		}
		*v =
		    tel_keys[k].conv == C_DRS ? (raw >= 10.0 ? 1.0 : 0.0) : raw;
		break;
	case C_DECI:
		*v = raw / 10.0;
		break;
	}
	return true;
}

static enum tb_status tel_fill(json_t *tel, const char *name,
			       struct tb_lap *lap, struct tb_error *err)
{
	json_t *time = json_object_get(tel, "time");
	if (!json_is_array(time))
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s: tel.time is missing or not an array", name);
	size_t n = json_array_size(time);
	if (n == 0)
		return tb_fail(err, TB_ERR_CORRUPT, "%s: tel.time is empty",
			       name);
	if (n > TB_LAP_MAX_SAMPLES)
		return tb_fail(err, TB_ERR_LIMIT, "%s: %zu samples, at most %u",
			       name, n, TB_LAP_MAX_SAMPLES);
	json_t *arr[N_TEL_KEYS];
	tb_chmask chans = TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_LAP_TIME);
	for (size_t k = 0; k < N_TEL_KEYS; k++) {
		arr[k] = json_object_get(tel, tel_keys[k].key);
		if (!arr[k])
			continue;
		if (!json_is_array(arr[k]) || json_array_size(arr[k]) != n)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: tel.%s is not an array of %zu "
				       "values (as tel.time)",
				       name, tel_keys[k].key, n);
		chans |= TB_CHBIT(tel_keys[k].ch);
	}
	if (tb_lap_alloc(lap, n, chans) != TB_OK)
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", name);
	double prev = -INFINITY;
	tb_chmask used = TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_LAP_TIME);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(time, i);
		double t = json_is_number(e) ? json_number_value(e) : NAN;
		if (!isfinite(t) || t < prev || t > 1e6)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: tel.time[%zu] is %s", name, i,
				       !json_is_number(e) ? "not a number"
				       : t < prev	  ? "before the one "
							    "ahead of it"
							  : "out of range");
		prev = t;
		lap->col[TB_CH_TIME][i] = t;
		lap->col[TB_CH_LAP_TIME][i] = t;
		tb_chmask m = TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_LAP_TIME);
		for (size_t k = 0; k < N_TEL_KEYS; k++) {
			if (!arr[k])
				continue;
			double v = 0.0;
			enum tb_status st;
			if (tel_value(json_array_get(arr[k], i), k, i, name, &v,
				      &st, err)) {
				lap->col[tel_keys[k].ch][i] = v;
				m |= TB_CHBIT(tel_keys[k].ch);
			} else if (st != TB_OK) {
				return st;
			}
		}
		lap->mask[i] = m;
		used |= m;
	}
	/* A column with no value at all is dropped: absent, not zero. */
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if ((lap->chans & TB_CHBIT(ch)) && !(used & TB_CHBIT(ch))) {
			tb_free(lap->col[ch]);
			lap->col[ch] = NULL;
			lap->chans &= ~TB_CHBIT(ch);
		}
	return TB_OK;
}

enum tb_status fmt_f1ti_parse_tel(const uint8_t *buf, size_t len,
				  const char *name, uint32_t lap_number,
				  struct tb_lap *lap, char *data_key,
				  size_t cap, struct tb_error *err)
{
	if (!buf || !lap)
		return tb_fail(err, TB_ERR_ARG, "f1ti: no input");
	if (!name)
		name = "tel.json";
	if (data_key && cap)
		data_key[0] = '\0';
	tb_lap_release(lap);
	json_t *root;
	enum tb_status st = load_json(buf, len, name, &root, err);
	if (st != TB_OK)
		return st;
	json_t *tel = json_object_get(root, "tel");
	if (!json_is_object(tel)) {
		json_decref(root);
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s: no \"tel\" object: not TracingInsights "
			       "telemetry",
			       name);
	}
	json_t *dk = json_object_get(tel, "dataKey");
	if (dk && !json_is_string(dk)) {
		json_decref(root);
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: tel.dataKey is not a string", name);
	}
	if (dk && data_key && cap)
		set_str(data_key, cap, json_string_value(dk));
	st = tel_fill(tel, name, lap, err);
	json_decref(root);
	if (st != TB_OK) {
		tb_lap_release(lap);
		return st;
	}
	lap->lap_number = lap_number;
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* laptimes.json and drivers.json. */

/* A time in s (or "None") as ms; false for anything else. */
static bool time_ms(const json_t *v, int32_t *ms)
{
	if (is_none(v)) {
		*ms = TB_TIME_UNKNOWN;
		return true;
	}
	if (!json_is_number(v))
		return false;
	double t = json_number_value(v);
	if (!isfinite(t) || t <= 0.0 || t > 86400.0)
		return false;
	*ms = (int32_t)llround(t * 1000.0);
	return true;
}

static bool stint_of(const json_t *v, int64_t *out)
{
	if (is_none(v)) {
		*out = -1;
		return true;
	}
	if (!json_is_integer(v))
		return false;
	json_int_t s = json_integer_value(v);
	if (s < 0 || s > 100000)
		return false;
	*out = (int64_t)s;
	return true;
}

enum tb_status fmt_f1ti_parse_laptimes(const uint8_t *buf, size_t len,
				       const char *name, uint32_t lap_number,
				       struct fmt_f1ti_lapinfo *out,
				       struct tb_error *err)
{
	if (!buf || !out)
		return tb_fail(err, TB_ERR_ARG, "f1ti: no input");
	if (!name)
		name = "laptimes.json";
	memset(out, 0, sizeof(*out));
	out->lap_time_ms = TB_TIME_UNKNOWN;
	for (int k = 0; k < 3; k++)
		out->sector_ms[k] = TB_TIME_UNKNOWN;
	json_t *root;
	enum tb_status st = load_json(buf, len, name, &root, err);
	if (st != TB_OK)
		return st;
	static const char *const keys[] = {"time", "stint", "s1", "s2", "s3"};
	json_t *lap = json_object_get(root, "lap"), *a[5];
	if (!json_is_array(lap)) {
		st = tb_fail(err, TB_ERR_FORMAT,
			     "%s: no \"lap\" array: not a laptimes.json", name);
		goto out;
	}
	size_t n = json_array_size(lap);
	for (int k = 0; k < 5; k++) {
		a[k] = json_object_get(root, keys[k]);
		if (a[k] &&
		    (!json_is_array(a[k]) || json_array_size(a[k]) != n)) {
			st = tb_fail(err, TB_ERR_CORRUPT,
				     "%s: \"%s\" is not an array of %zu "
				     "values (as \"lap\")",
				     name, keys[k], n);
			goto out;
		}
	}
	size_t at = n;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(lap, i);
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT32_MAX) {
			st = tb_fail(err, TB_ERR_CORRUPT,
				     "%s: lap[%zu] is not a lap number", name,
				     i);
			goto out;
		}
		if (at == n && (uint32_t)json_integer_value(v) == lap_number)
			at = i;
	}
	if (at == n)
		goto out; /* not listed */
	out->found = true;
	if (a[0] && !time_ms(json_array_get(a[0], at), &out->lap_time_ms)) {
		st = tb_fail(err, TB_ERR_CORRUPT,
			     "%s: time[%zu] (lap %" PRIu32 ") is not a time",
			     name, at, lap_number);
		goto out;
	}
	for (int k = 0; k < 3; k++)
		if (a[2 + k] && !time_ms(json_array_get(a[2 + k], at),
					 &out->sector_ms[k])) {
			st = tb_fail(err, TB_ERR_CORRUPT,
				     "%s: s%d[%zu] (lap %" PRIu32
				     ") is not a time",
				     name, k + 1, at, lap_number);
			goto out;
		}
	if (a[1]) {
		int64_t s, prev = -1, next = -1;
		if (!stint_of(json_array_get(a[1], at), &s) ||
		    (at > 0 &&
		     !stint_of(json_array_get(a[1], at - 1), &prev)) ||
		    (at + 1 < n &&
		     !stint_of(json_array_get(a[1], at + 1), &next))) {
			st = tb_fail(err, TB_ERR_CORRUPT,
				     "%s: stint near [%zu] (lap %" PRIu32
				     ") is not a stint number",
				     name, at, lap_number);
			goto out;
		}
		if (s >= 0) {
			out->stint = (uint32_t)s;
			if (at == 0 || (prev >= 0 && prev != s))
				out->flags |= TB_LAP_OUT;
			if (at + 1 < n && next >= 0 && next != s)
				out->flags |= TB_LAP_IN;
		}
	}
out:
	json_decref(root);
	return st;
}

enum tb_status fmt_f1ti_parse_drivers(const uint8_t *buf, size_t len,
				      const char *name, const char *code,
				      int *index, char *team, size_t cap,
				      struct tb_error *err)
{
	if (!buf || !code || !index)
		return tb_fail(err, TB_ERR_ARG, "f1ti: no input");
	if (!name)
		name = "drivers.json";
	*index = -1;
	if (team && cap)
		team[0] = '\0';
	json_t *root;
	enum tb_status st = load_json(buf, len, name, &root, err);
	if (st != TB_OK)
		return st;
	json_t *drv = json_object_get(root, "drivers");
	if (!json_is_array(drv)) {
		json_decref(root);
		return tb_fail(err, TB_ERR_FORMAT, "%s: no \"drivers\" array",
			       name);
	}
	size_t n = json_array_size(drv);
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(drv, i);
		json_t *c = json_object_get(d, "driver");
		json_t *t = json_object_get(d, "team");
		if (!json_is_object(d) || !json_is_string(c) ||
		    (t && !json_is_string(t))) {
			json_decref(root);
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: drivers[%zu] is not "
				       "{\"driver\": code, \"team\": name}",
				       name, i);
		}
		if (*index < 0 && strcmp(json_string_value(c), code) == 0) {
			if (i > UINT8_MAX) {
				json_decref(root);
				return tb_fail(err, TB_ERR_LIMIT,
					       "%s: driver %s is number %zu, "
					       "at most 256 cars",
					       name, code, i + 1);
			}
			*index = (int)i;
			if (t && team && cap)
				set_str(team, cap, json_string_value(t));
		}
	}
	json_decref(root);
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Files and folders. */

/* One parsed lap with everything the callback needs. */
struct ti_lap {
	struct tb_session_info sess;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
	struct tb_lap lap;
};

/* Lap number of "<digits>_tel.json"; false otherwise. */
static bool lap_from_name(const char *base, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; base[i] >= '0' && base[i] <= '9'; i++) {
		if (i >= 9)
			return false;
		v = v * 10 + (uint64_t)(base[i] - '0');
	}
	if (i == 0 || strcmp(base + i, "_tel.json") != 0)
		return false;
	*out = (uint32_t)v;
	return true;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* dir (cap bytes) = the folder part of path ("." if none). */
static void dir_name(const char *path, char *dir, size_t cap)
{
	const char *s = strrchr(path, '/');
	if (!s) {
		set_str(dir, cap, ".");
		return;
	}
	size_t n = (size_t)(s - path);
	if (n == 0)
		n = 1; /* "/x" */
	if (n >= cap)
		n = cap - 1;
	memcpy(dir, path, n);
	dir[n] = '\0';
}

static bool is_code(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 4)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* Split "2026-PreSeasonTesting-Practice 3-PIA-107" into its session
 * part, driver code and lap; false if it has not that shape. */
static bool split_key(const char *key, char *sess, size_t scap, char *code,
		      size_t ccap, uint32_t *lap)
{
	const char *l = strrchr(key, '-');
	if (!l || l == key)
		return false;
	const char *d = l - 1;
	while (d > key && *d != '-')
		d--;
	if (*d != '-')
		return false;
	size_t cl = (size_t)(l - d - 1);
	if (cl == 0 || cl >= ccap)
		return false;
	memcpy(code, d + 1, cl);
	code[cl] = '\0';
	uint64_t v = 0;
	const char *p = l + 1;
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > 100000000)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*lap = (uint32_t)v;
	size_t sl = (size_t)(d - key);
	if (sl >= scap)
		sl = scap - 1;
	memcpy(sess, key, sl);
	sess[sl] = '\0';
	return true;
}

static enum tb_session_kind kind_of(const char *s)
{
	if (strstr(s, "Qualifying") || strstr(s, "Shootout"))
		return TB_SESSION_QUALIFYING;
	if (strstr(s, "Race") || strstr(s, "Sprint"))
		return TB_SESSION_RACE;
	if (strstr(s, "Practice") || strstr(s, "Testing"))
		return TB_SESSION_PRACTICE;
	return TB_SESSION_UNKNOWN;
}

/* A side file: TB_ERR_NOTFOUND when absent (fine), else its bytes. */
static enum tb_status side_file(const char *path, uint8_t **buf, size_t *len,
				struct tb_error *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0 && errno == ENOENT) {
		*buf = NULL;
		*len = 0;
		return TB_ERR_NOTFOUND;
	}
	return slurp(path, SIDE_MAX, buf, len, err);
}

/* Read one tel file with its side files into t (t->lap initialised). */
static enum tb_status load_one(const char *path, struct ti_lap *t,
			       struct tb_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char key[KEY_CAP], dir[PATH_CAP], side[PATH_CAP];
	enum tb_status st = slurp(path, FMT_F1TI_JSON_MAX, &buf, &len, err);
	if (st != TB_OK)
		return st;
	uint32_t lapno = 0;
	bool by_name = lap_from_name(base_name(path), &lapno);
	st = fmt_f1ti_parse_tel(buf, len, path, lapno, &t->lap, key,
				sizeof(key), err);
	tb_free(buf);
	buf = NULL;
	if (st != TB_OK)
		return st;

	char sess_key[KEY_CAP] = "", code[8] = "";
	uint32_t key_lap = 0;
	bool keyed = split_key(key, sess_key, sizeof(sess_key), code,
			       sizeof(code), &key_lap);
	if (!by_name && !keyed)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s: no lap number: the name is not "
			       "<lap>_tel.json and there is no dataKey",
			       path);
	if (!by_name)
		t->lap.lap_number = lapno = key_lap;
	dir_name(path, dir, sizeof(dir));
	if (is_code(base_name(dir)))
		set_str(code, sizeof(code), base_name(dir));

	memset(&t->sess, 0, sizeof(t->sess));
	t->sess.game = TB_GAME_REAL_F1;
	t->sess.track_id = -1;
	t->sess.weather = -1;
	t->sess.game_session_type = -1;
	t->sess.car_class = TB_CLASS_F1;
	t->sess.kind = keyed ? kind_of(sess_key) : TB_SESSION_PRACTICE;
	if (keyed) {
		t->sess.source_uid = fnv1a(sess_key);
	} else {
		char up[PATH_CAP];
		dir_name(dir, up, sizeof(up));
		t->sess.source_uid = fnv1a(up);
	}
	memset(&t->car, 0, sizeof(t->car));
	set_str(t->car.driver, sizeof(t->car.driver), code);
	t->car.team_id = -1;
	t->car.race_number = -1;
	memset(&t->meta, 0, sizeof(t->meta));
	t->meta.reference = true;
	set_str(t->meta.source, sizeof(t->meta.source), FMT_F1TI_SOURCE);

	/* laptimes.json beside the tel file. */
	if ((size_t)snprintf(side, sizeof(side), "%s/laptimes.json", dir) >=
	    sizeof(side))
		return tb_fail(err, TB_ERR_LIMIT, "%s: path too long", path);
	st = side_file(side, &buf, &len, err);
	if (st == TB_OK) {
		struct fmt_f1ti_lapinfo li;
		st = fmt_f1ti_parse_laptimes(buf, len, side, lapno, &li, err);
		tb_free(buf);
		buf = NULL;
		if (st != TB_OK)
			return st;
		t->lap.lap_time_ms = li.lap_time_ms;
		memcpy(t->lap.sector_ms, li.sector_ms, sizeof(li.sector_ms));
		t->lap.flags = li.flags;
		t->meta.stint = li.stint;
	} else if (st != TB_ERR_NOTFOUND) {
		return st;
	}
	/* drivers.json one folder up. */
	char up[PATH_CAP];
	dir_name(dir, up, sizeof(up));
	if ((size_t)snprintf(side, sizeof(side), "%s/drivers.json", up) >=
	    sizeof(side))
		return tb_fail(err, TB_ERR_LIMIT, "%s: path too long", path);
	st = side_file(side, &buf, &len, err);
	if (st == TB_OK) {
		int idx;
		st = fmt_f1ti_parse_drivers(buf, len, side, code, &idx,
					    t->meta.car, sizeof(t->meta.car),
					    err);
		tb_free(buf);
		if (st != TB_OK)
			return st;
		if (idx >= 0)
			t->car.car_index = (uint8_t)idx;
	} else if (st != TB_ERR_NOTFOUND) {
		return st;
	}
	t->lap.car_index = t->car.car_index;
	return TB_OK;
}

/* Parse every path, then hand every lap over (nothing on failure). */
static enum tb_status import_paths(const char *const *paths, size_t n,
				   fmt_lap_fn fn, void *ctx,
				   const struct fmt_progress *progress,
				   struct tb_error *err)
{
	struct ti_lap *t = tb_calloc(n ? n : 1, sizeof(*t));
	if (!t)
		return tb_fail(err, TB_ERR_NOMEM, "f1ti: out of memory");
	for (size_t i = 0; i < n; i++)
		tb_lap_init(&t[i].lap);
	enum tb_status st = TB_OK;
	for (size_t i = 0; i < n && st == TB_OK; i++) {
		st = load_one(paths[i], &t[i], err);
		if (progress && progress->update)
			progress->update(progress->ctx, i + 1, n);
	}
	for (size_t i = 0; i < n && st == TB_OK; i++)
		st = fn(ctx, &t[i].sess, &t[i].car, &t[i].lap, &t[i].meta);
	for (size_t i = 0; i < n; i++)
		tb_lap_release(&t[i].lap);
	tb_free(t);
	return st;
}

/* Collected tel paths of a folder walk. */
struct walk {
	char **paths;
	size_t n, cap;
	struct tb_error *err;
};

static enum tb_status walk_add(struct walk *w, const char *path)
{
	if (w->n == FMT_LAPS_MAX)
		return tb_fail(w->err, TB_ERR_LIMIT,
			       "%s: more than %u tel files", path,
			       FMT_LAPS_MAX);
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 64;
		char **p = tb_realloc(w->paths, nc * sizeof(*p));
		if (!p)
			return tb_fail(w->err, TB_ERR_NOMEM,
				       "f1ti: out of memory");
		w->paths = p;
		w->cap = nc;
	}
	size_t len = strlen(path) + 1;
	char *s = tb_malloc(len);
	if (!s)
		return tb_fail(w->err, TB_ERR_NOMEM, "f1ti: out of memory");
	memcpy(s, path, len);
	w->paths[w->n++] = s;
	return TB_OK;
}

static enum tb_status walk_dir(struct walk *w, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return tb_fail(w->err, TB_ERR_IO, "%s: cannot open: %s", dir,
			       strerror(errno));
	enum tb_status st = TB_OK;
	struct dirent *e;
	char path[PATH_CAP];
	while (st == TB_OK && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) >= sizeof(path))
			continue;
		struct stat sb;
		if (stat(path, &sb) != 0)
			continue;
		uint32_t lap;
		if (S_ISREG(sb.st_mode) && lap_from_name(e->d_name, &lap))
			st = walk_add(w, path);
		else if (S_ISDIR(sb.st_mode) && depth > 1)
			st = walk_dir(w, path, depth - 1);
	}
	closedir(d);
	return st;
}

/* Folder order, then lap number. */
static int path_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	const char *bx = base_name(x), *by = base_name(y);
	size_t dx = (size_t)(bx - x), dy = (size_t)(by - y);
	int c = strncmp(x, y, dx < dy ? dx : dy);
	if (c || dx != dy)
		return c ? c : (dx < dy ? -1 : 1);
	uint32_t lx = 0, ly = 0;
	lap_from_name(bx, &lx);
	lap_from_name(by, &ly);
	return lx < ly ? -1 : lx > ly;
}

enum tb_status fmt_f1ti_import_dir(const char *dir, fmt_lap_fn fn, void *ctx,
				   const struct fmt_progress *progress,
				   struct tb_error *err)
{
	if (!dir || !fn)
		return tb_fail(err, TB_ERR_ARG, "f1ti: no folder or callback");
	struct walk w = {.err = err};
	enum tb_status st = walk_dir(&w, dir, FMT_F1TI_DIR_DEPTH);
	if (st == TB_OK && w.n == 0)
		st = tb_fail(err, TB_ERR_NOTFOUND,
			     "%s: no <lap>_tel.json files (searched %d "
			     "levels)",
			     dir, FMT_F1TI_DIR_DEPTH);
	if (st == TB_OK) {
		qsort(w.paths, w.n, sizeof(*w.paths), path_cmp);
		st = import_paths((const char *const *)w.paths, w.n, fn, ctx,
				  progress, err);
	}
	for (size_t i = 0; i < w.n; i++)
		tb_free(w.paths[i]);
	tb_free(w.paths);
	return st;
}

static enum tb_status f1ti_import(const char *path, fmt_lap_fn fn, void *ctx,
				  const struct fmt_progress *progress,
				  struct tb_error *err)
{
	struct stat sb;
	if (path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return fmt_f1ti_import_dir(path, fn, ctx, progress, err);
	if (!path || !fn)
		return tb_fail(err, TB_ERR_ARG, "f1ti: no file or callback");
	return import_paths(&path, 1, fn, ctx, progress, err);
}

/* ------------------------------------------------------------------ */
/* Sniffing: {"tel": { "<key>": [ ... */

static const uint8_t *skip_ws(const uint8_t *p, const uint8_t *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

static const uint8_t *expect(const uint8_t *p, const uint8_t *e,
			     const char *lit)
{
	p = skip_ws(p, e);
	size_t n = strlen(lit);
	if (!p || (size_t)(e - p) < n || memcmp(p, lit, n) != 0)
		return NULL;
	return p + n;
}

bool fmt_f1ti_sniff(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	const uint8_t *p = head, *e = head + n;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	if (!(p = expect(p, e, "{")) || !(p = expect(p, e, "\"tel\"")) ||
	    !(p = expect(p, e, ":")) || !(p = expect(p, e, "{")) ||
	    !(p = expect(p, e, "\"")))
		return false;
	size_t k = 0;
	while (p < e && *p != '"' && k < 64) {
		if (*p < 0x20 || *p == '\\')
			return false;
		p++;
		k++;
	}
	if (p >= e || *p != '"' || k == 0)
		return false;
	return (p = expect(p + 1, e, ":")) && expect(p, e, "[");
}

const struct fmt_importer fmt_importer_f1_tracinginsights = {
    .version = 1,
    .name = "f1-tracinginsights",
    .title = "F1 telemetry JSON (TracingInsights <lap>_tel.json)",
    .sniff = fmt_f1ti_sniff,
    .import = f1ti_import,
};

/* f1lt.c - F1 live-timing archives (server ".jsonStream" or FastF1
 * ".raw"): line framing, a capped deep merge of the incremental patches,
 * lap reconstruction from TimingData, ".z" decoding (base64 + raw
 * DEFLATE) of CarData/Position, and the importer that finds a session's
 * sibling streams by both naming schemes. Layout notes: shared/FORMATS.md
 * and the FastF1 test-data README (Fast-F1 fastf1/_api.py). */
#include "f1lt.h"
#include "jscan.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <zlib.h>

#define LT_TS_LEN     12    /* "HH:MM:SS.mmm" */
#define LT_POS_GAP_MS 2000  /* interpolate positions over <= 2 s */
#define LT_PEND_MS    10000 /* a lap time this late still counts */
#define LT_SOURCE     "f1-livetiming"

/* ------------------------------------------------------------------ */
/* Small parsers. */

static int lt_digits(const char *s, size_t n, size_t k, long *v)
{
	long x = 0;
	if (n < k)
		return -1;
	for (size_t i = 0; i < k; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t lt_days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

enum tb_status f1lt_parse_iso8601(const char *s, size_t n, int64_t *ms)
{
	long Y, M, D, h, m, sec, frac = 0;
	size_t i = 0;

	if (!s || !ms || n < 19 || lt_digits(s, n, 4, &Y) || s[4] != '-' ||
	    lt_digits(s + 5, n - 5, 2, &M) || s[7] != '-' ||
	    lt_digits(s + 8, n - 8, 2, &D) || (s[10] != 'T' && s[10] != ' ') ||
	    lt_digits(s + 11, n - 11, 2, &h) || s[13] != ':' ||
	    lt_digits(s + 14, n - 14, 2, &m) || s[16] != ':' ||
	    lt_digits(s + 17, n - 17, 2, &sec))
		return TB_ERR_FORMAT;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return TB_ERR_FORMAT;
	i = 19;
	if (i < n && s[i] == '.') {
		size_t k = 0;
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (k < 3)
				frac = frac * 10 + (s[i] - '0');
			k++;
			i++;
		}
		if (k == 0 || k > 9)
			return TB_ERR_FORMAT;
		while (k < 3) {
			frac *= 10;
			k++;
		}
	}
	long off_min = 0;
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		long oh, om;
		int sign = s[i] == '-' ? -1 : 1;
		if (lt_digits(s + i + 1, n - i - 1, 2, &oh) || i + 6 > n ||
		    s[i + 3] != ':' ||
		    lt_digits(s + i + 4, n - i - 4, 2, &om) || oh > 23 ||
		    om > 59)
			return TB_ERR_FORMAT;
		off_min = sign * (oh * 60 + om);
		i += 6;
	}
	if (i != n)
		return TB_ERR_FORMAT;
	int64_t days = lt_days_from_civil(Y, M, D);
	*ms = ((days * 86400 + h * 3600 + m * 60 + sec) - off_min * 60) * 1000 +
	      frac;
	return TB_OK;
}

enum tb_status f1lt_parse_laptime(const char *s, size_t n, int32_t *ms)
{
	long part[3] = {0, 0, 0};
	size_t np = 0, i = 0;

	if (!s || !ms || n == 0 || n > 16)
		return TB_ERR_FORMAT;
	/* Up to two "N:" prefixes, then seconds with 1..3 decimals. */
	for (;;) {
		long v = 0;
		size_t k = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && k < 6) {
			v = v * 10 + (s[i] - '0');
			i++;
			k++;
		}
		if (k == 0)
			return TB_ERR_FORMAT;
		if (np > 0 && v > 59)
			return TB_ERR_FORMAT;
		part[np++] = v;
		if (i < n && s[i] == ':' && np < 3) {
			i++;
			continue;
		}
		break;
	}
	long frac = 0;
	if (i < n && s[i] == '.') {
		size_t k = 0;
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9' && k < 3) {
			frac = frac * 10 + (s[i] - '0');
			i++;
			k++;
		}
		if (k == 0)
			return TB_ERR_FORMAT;
		while (k++ < 3)
			frac *= 10;
	}
	if (i != n)
		return TB_ERR_FORMAT;
	long secs = 0;
	for (size_t j = 0; j < np; j++)
		secs = secs * 60 + part[j];
	if (secs > 86400)
		return TB_ERR_FORMAT;
	*ms = (int32_t)(secs * 1000 + frac);
	return TB_OK;
}

/* "HH:MM:SS.mmm" -> ms. */
static int lt_parse_ts(const uint8_t *p, int64_t *ms)
{
	long h, m, s, f;
	const char *c = (const char *)p;
	if (lt_digits(c, 12, 2, &h) || c[2] != ':' ||
	    lt_digits(c + 3, 9, 2, &m) || c[5] != ':' ||
	    lt_digits(c + 6, 6, 2, &s) || c[8] != '.' ||
	    lt_digits(c + 9, 3, 3, &f) || m > 59 || s > 59)
		return -1;
	*ms = ((int64_t)h * 3600 + m * 60 + s) * 1000 + f;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Base64 + raw DEFLATE. */

static int lt_b64_val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode standard base64 (padding required) into a new buffer. */
static enum tb_status lt_b64_decode(const char *s, size_t n, uint8_t **out,
				    size_t *out_n, struct tb_error *err)
{
	if (n == 0 || n % 4 != 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "base64: length %zu is not a positive "
			       "multiple of 4",
			       n);
	size_t pad = 0;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	size_t len = n / 4 * 3 - pad;
	uint8_t *b = tb_malloc(len ? len : 1);
	if (!b)
		return tb_fail(err, TB_ERR_NOMEM, "base64: %zu bytes", len);
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		for (size_t k = 0; k < 4; k++) {
			uint8_t c = (uint8_t)s[i + k];
			bool tail = i + 4 == n && k >= 4 - pad;
			v[k] = tail ? 0 : lt_b64_val(c);
			if (v[k] < 0 || (!tail && c == '=')) {
				tb_free(b);
				return tb_fail(err, TB_ERR_CORRUPT,
					       "base64: invalid character "
					       "0x%02x at offset %zu",
					       c, i + k);
			}
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
			     (uint32_t)v[2] << 6 | (uint32_t)v[3];
		uint8_t t[3] = {(uint8_t)(w >> 16), (uint8_t)(w >> 8),
				(uint8_t)w};
		for (size_t k = 0; k < 3 && o < len; k++)
			b[o++] = t[k];
	}
	*out = b;
	*out_n = len;
	return TB_OK;
}

enum tb_status f1lt_z_inflate(const char *b64, size_t n, struct tb_buf *out,
			      struct tb_error *err)
{
	uint8_t *raw = NULL;
	size_t raw_n = 0;
	enum tb_status st;

	if (!b64 || !out)
		return tb_fail(err, TB_ERR_ARG, "f1lt_z_inflate: NULL");
	st = lt_b64_decode(b64, n, &raw, &raw_n, err);
	if (st != TB_OK)
		return st;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, -15) != Z_OK) {
		tb_free(raw);
		return tb_fail(err, TB_ERR_NOMEM, "inflate: cannot start");
	}
	z.next_in = raw;
	z.avail_in = (uInt)raw_n;
	size_t start = out->len;
	int zr = Z_OK;
	st = TB_OK;
	while (zr != Z_STREAM_END) {
		if (out->len - start >= F1LT_Z_MAX) {
			st = tb_fail(err, TB_ERR_LIMIT,
				     "inflate: payload over %u bytes",
				     F1LT_Z_MAX);
			break;
		}
		st = tb_buf_reserve(out, 64u << 10);
		if (st != TB_OK) {
			tb_fail(err, st, "inflate: output over its cap");
			break;
		}
		size_t room = out->cap - out->len;
		if (room > (64u << 10))
			room = 64u << 10;
		z.next_out = out->data + out->len;
		z.avail_out = (uInt)room;
		zr = inflate(&z, Z_NO_FLUSH);
		out->len += room - z.avail_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_BUF_ERROR && z.avail_in == 0) {
			st = tb_fail(err, TB_ERR_TRUNCATED,
				     "inflate: DEFLATE stream ends early "
				     "(%zu compressed bytes)",
				     raw_n);
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			st = tb_fail(err, TB_ERR_CORRUPT,
				     "inflate: %s at compressed byte %zu",
				     z.msg ? z.msg : "invalid data",
				     (size_t)(z.next_in - raw));
			break;
		}
	}
	if (st == TB_OK && z.avail_in != 0)
		st = tb_fail(err, TB_ERR_CORRUPT,
			     "inflate: %u bytes after the end of the DEFLATE "
			     "stream",
			     z.avail_in);
	inflateEnd(&z);
	tb_free(raw);
	if (st != TB_OK)
		out->len = start;
	return st;
}

/* ------------------------------------------------------------------ */
/* Line framing and the state merge. */

typedef enum tb_status (*lt_msg_fn)(void *ctx, size_t line, int64_t t_ms,
				    json_t *msg, struct tb_error *err);

/* Call fn for each message of s. Objects only, unless strings (".z"). */
static enum tb_status lt_each(const struct f1lt_stream *s, bool strings,
			      lt_msg_fn fn, void *ctx, size_t *n_msgs,
			      struct tb_error *err)
{
	const uint8_t *p = s->p;
	size_t n = s->n, pos = 0, line = 0, count = 0;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		pos = 3;
	while (pos < n) {
		const uint8_t *nl = memchr(p + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - p) : n;
		size_t len = end - pos;
		line++;
		if (len > 0 && p[pos + len - 1] == '\r')
			len--;
		if (len == 0) {
			pos = end + 1;
			continue;
		}
		if (len > F1LT_LINE_MAX)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s line %zu: %zu bytes, over the %u "
				       "byte cap",
				       s->name, line, len, F1LT_LINE_MAX);
		int64_t t_ms;
		if (len <= LT_TS_LEN || lt_parse_ts(p + pos, &t_ms) != 0)
			return tb_fail(err,
				       len <= LT_TS_LEN && !nl
					   ? TB_ERR_TRUNCATED
					   : TB_ERR_FORMAT,
				       "%s line %zu: expected a time "
				       "HH:MM:SS.mmm then a JSON message",
				       s->name, line);
		if (++count > F1LT_MSGS_MAX)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s: more than %u messages", s->name,
				       F1LT_MSGS_MAX);
		json_error_t je;
		const char *body = (const char *)p + pos + LT_TS_LEN;
		size_t blen = len - LT_TS_LEN;
		json_t *msg;
		bool fast = strings && blen >= 2 && body[0] == '"' &&
			    body[blen - 1] == '"' &&
			    !memchr(body + 1, '\\', blen - 2) &&
			    !memchr(body + 1, '"', blen - 2);
		if (fast)
			/* a ".z" payload: base64 needs no unescaping, and its
			 * decoder rejects every byte outside the alphabet */
			msg = json_stringn_nocheck(body + 1, blen - 2);
		else
			msg = jbuild_parse(body, blen);
		if (!msg && !fast)
			/* rejected (or no memory): jansson's own message */
			msg = json_loadb(body, blen,
					 JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (!msg && fast)
			return tb_fail(err, TB_ERR_NOMEM,
				       "%s line %zu: no memory", s->name, line);
		if (!msg)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s line %zu column %d: %s", s->name,
				       line, je.column + LT_TS_LEN, je.text);
		if (!json_is_object(msg) && !(strings && json_is_string(msg))) {
			json_decref(msg);
			return tb_fail(err, TB_ERR_FORMAT,
				       "%s line %zu: message is not a JSON %s",
				       s->name, line,
				       strings ? "string" : "object");
		}
		enum tb_status st = fn(ctx, line, t_ms, msg, err);
		json_decref(msg);
		if (st != TB_OK)
			return st;
		pos = end + 1;
	}
	if (n_msgs)
		*n_msgs = count;
	return TB_OK;
}

struct lt_merge_ctx {
	const char *name;
	size_t line;
	size_t keys; /* keys in the state tree */
};

/* Visit a patch object or array (arrays are objects keyed "0","1"...). */
typedef enum tb_status (*lt_kv_fn)(void *ctx, const char *key, json_t *v,
				   struct tb_error *err);

static enum tb_status lt_each_kv(json_t *o, lt_kv_fn fn, void *ctx,
				 struct tb_error *err)
{
	enum tb_status st = TB_OK;
	if (json_is_object(o)) {
		const char *k;
		json_t *v;
		json_object_foreach(o, k, v)
		{
			st = fn(ctx, k, v, err);
			if (st != TB_OK)
				return st;
		}
	} else if (json_is_array(o)) {
		size_t i;
		json_t *v;
		json_array_foreach(o, i, v)
		{
			char key[24];
			snprintf(key, sizeof(key), "%zu", i);
			st = fn(ctx, key, v, err);
			if (st != TB_OK)
				return st;
		}
	}
	return st;
}

/* Child of a patch node by key, arrays indexed by decimal key. */
static json_t *lt_get(json_t *o, const char *key)
{
	if (json_is_object(o))
		return json_object_get(o, key);
	if (json_is_array(o)) {
		char *end;
		errno = 0;
		unsigned long i = strtoul(key, &end, 10);
		if (*key && !*end && errno == 0)
			return json_array_get(o, i);
	}
	return NULL;
}

static enum tb_status lt_merge(struct lt_merge_ctx *m, json_t *dst,
			       json_t *patch, int depth, struct tb_error *err);

struct lt_merge_kv {
	struct lt_merge_ctx *m;
	json_t *dst;
	int depth;
};

static enum tb_status lt_merge_one(void *ctx, const char *key, json_t *v,
				   struct tb_error *err)
{
	struct lt_merge_kv *kv = ctx;
	struct lt_merge_ctx *m = kv->m;
	json_t *cur = json_object_get(kv->dst, key);

	/* "_deleted": a list of keys the server removed. */
	if (strcmp(key, "_deleted") == 0 && json_is_array(v)) {
		size_t i;
		json_t *d;
		json_array_foreach(v, i, d)
		{
			char buf[24];
			const char *dk = json_string_value(d);
			if (json_is_integer(d)) {
				snprintf(buf, sizeof(buf), "%lld",
					 (long long)json_integer_value(d));
				dk = buf;
			}
			if (dk && json_object_get(kv->dst, dk) &&
			    json_object_del(kv->dst, dk) == 0 && m->keys > 0)
				m->keys--;
		}
		return TB_OK;
	}
	if (!cur) {
		if (++m->keys > F1LT_STATE_MAX)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s line %zu: state tree over %u keys",
				       m->name, m->line, F1LT_STATE_MAX);
	}
	if (json_is_object(v) || json_is_array(v)) {
		if (!json_is_object(cur)) {
			cur = json_object();
			if (!cur || json_object_set_new(kv->dst, key, cur) != 0)
				return tb_fail(err, TB_ERR_NOMEM,
					       "%s line %zu: state", m->name,
					       m->line);
		}
		return lt_merge(m, cur, v, kv->depth + 1, err);
	}
	if (json_object_set(kv->dst, key, v) != 0)
		return tb_fail(err, TB_ERR_NOMEM, "%s line %zu: state", m->name,
			       m->line);
	return TB_OK;
}

/* Deep-merge patch into dst (an object): objects merge key by key,
 * arrays become objects keyed by index, scalars replace. */
static enum tb_status lt_merge(struct lt_merge_ctx *m, json_t *dst,
			       json_t *patch, int depth, struct tb_error *err)
{
	if (depth > F1LT_DEPTH_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s line %zu: patch nested deeper than %d",
			       m->name, m->line, F1LT_DEPTH_MAX);
	struct lt_merge_kv kv = {m, dst, depth};
	return lt_each_kv(patch, lt_merge_one, &kv, err);
}

/* Merge a whole stream into state (an empty object). */
struct lt_state_ctx {
	struct lt_merge_ctx m;
	json_t *state;
};

static enum tb_status lt_state_msg(void *ctx, size_t line, int64_t t_ms,
				   json_t *msg, struct tb_error *err)
{
	struct lt_state_ctx *c = ctx;
	(void)t_ms;
	c->m.line = line;
	return lt_merge(&c->m, c->state, msg, 0, err);
}

static enum tb_status lt_load_state(const struct f1lt_stream *s, json_t **out,
				    struct tb_error *err)
{
	struct lt_state_ctx c = {{s->name, 0, 0}, json_object()};
	*out = NULL;
	if (!c.state)
		return tb_fail(err, TB_ERR_NOMEM, "%s: state", s->name);
	enum tb_status st = lt_each(s, false, lt_state_msg, &c, NULL, err);
	if (st != TB_OK) {
		json_decref(c.state);
		return st;
	}
	*out = c.state;
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* The session being rebuilt. */

struct lt_lap {
	uint16_t drv;
	uint32_t lap_no;
	int32_t time_ms;
	int32_t sec[3];
	uint32_t flags;
	bool pb, ob, deleted;
	int64_t end_ms; /* session (stream) time of the LastLapTime */
};

struct lt_car {
	int64_t utc;
	float v[6]; /* rpm, speed km/h, gear, throttle %, brake, drs */
	uint8_t mask;
};

struct lt_pos {
	int64_t utc;
	float x, y, z;
};

struct lt_drv_state {
	uint32_t nol;	/* NumberOfLaps so far */
	int32_t cur[3]; /* sector times of the lap in progress */
	bool out, in;	/* lap in progress left / entered the pits */
	long last_lap;	/* index in laps of its last lap, -1 none */
	bool late_open; /* a late sector may still belong to it */
	/* NumberOfLaps moved without a LastLapTime: the line was crossed
	 * and the time may follow in a later message. */
	bool pend;
	int64_t pend_t;
	uint32_t pend_no;
	int32_t pend_sec[3];
	uint32_t pend_flags;
	struct lt_car *car;
	size_t n_car, cap_car;
	struct lt_pos *pos;
	size_t n_pos, cap_pos;
};

struct lt_sess {
	const struct f1lt_input *in;
	struct f1lt_result *res;
	struct lt_drv_state ds[F1LT_DRIVERS_MAX];
	struct lt_lap *laps;
	size_t n_laps, cap_laps;
	size_t n_samples;
	bool race;
	json_t *timing; /* merged TimingData state */
	struct lt_merge_ctx tm;
	struct tb_buf zbuf;
	bool have_off;
	int64_t off; /* UTC ms of session time 0 */
	struct tb_session_info info;
	const char *cur_name;
	size_t cur_line;
};

static int lt_number(const char *key)
{
	long v = 0;
	size_t n = strlen(key);
	if (n == 0 || n > 3)
		return -1;
	if (lt_digits(key, n, n, &v))
		return -1;
	return (int)v;
}

/* Index of the driver with racing number key, added if new. */
static enum tb_status lt_driver(struct lt_sess *s, const char *key, size_t *idx,
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
	return json_is_true(lt_get(o, key));
}

/* Timing string field "Value" of node o: ms, or TB_TIME_UNKNOWN when
 * absent or empty. A malformed time is an error. */
static enum tb_status lt_value_ms(struct lt_sess *s, json_t *o,
				  const char *what, bool *present, int32_t *ms,
				  struct tb_error *err)
{
	json_t *v = lt_get(o, "Value");
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
		json_t *o = lt_get(secs, key);
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
	enum tb_status st = lt_driver(s, key, &d, err);
	if (st != TB_OK)
		return st;
	if (!json_is_object(p) && !json_is_array(p))
		return TB_OK; /* nothing to apply */
	struct lt_drv_state *ds = &s->ds[d];
	uint32_t prev_nol = ds->nol;

	json_t *nol = lt_get(p, "NumberOfLaps");
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
	json_t *secs = lt_get(p, "Sectors");
	if (secs) {
		st = lt_sectors(s, d, secs, err);
		if (st != TB_OK)
			return st;
	}
	json_t *llt = lt_get(p, "LastLapTime");
	bool have_llt = false;
	if (llt) {
		bool present;
		int32_t ms;
		st = lt_value_ms(s, llt, "LastLapTime", &present, &ms, err);
		if (st != TB_OK)
			return st;
		/* A car's first message is a snapshot, not a lap end. */
		bool snapshot = lt_get(p, "RacingNumber") != NULL;
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

static enum tb_status lt_timing_msg(void *ctx, size_t line, int64_t t_ms,
				    json_t *msg, struct tb_error *err)
{
	struct lt_sess *s = ctx;
	s->cur_line = line;
	s->tm.line = line;
	json_t *lines = json_object_get(msg, "Lines");
	if (lines) {
		struct lt_lines_ctx c = {s, t_ms};
		enum tb_status st = lt_each_kv(lines, lt_timing_line, &c, err);
		if (st != TB_OK)
			return st;
	}
	return lt_merge(&s->tm, s->timing, msg, 0, err);
}

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
		enum tb_status st = lt_driver(s, key, &d, err);
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

static enum tb_status lt_car_msg(void *ctx, size_t line, int64_t t_ms,
				 json_t *msg, struct tb_error *err)
{
	return lt_z_msg(ctx, line, t_ms, msg, true, err);
}

static enum tb_status lt_pos_msg(void *ctx, size_t line, int64_t t_ms,
				 json_t *msg, struct tb_error *err)
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

static void lt_sort_samples(struct lt_sess *s)
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

static enum tb_status lt_drivers(struct lt_sess *s, struct tb_error *err)
{
	const struct f1lt_stream *st_in = &s->in->drivers;
	json_t *state = NULL;
	if (!st_in->p)
		return TB_OK;
	enum tb_status st = lt_load_state(st_in, &state, err);
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
		st = lt_driver(s, key, &d, err);
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

static enum tb_status lt_session(struct lt_sess *s, struct tb_error *err)
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
	enum tb_status st = lt_load_state(ss, &state, err);
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
			if (lt_digits(g, strlen(g), 2, &h) == 0 &&
			    g[2] == ':' &&
			    lt_digits(g + 3, strlen(g + 3), 2, &m) == 0)
				start -= sign * (h * 3600 + m * 60) * 1000;
		}
		in->start_unix_ms = start;
	}
	json_decref(state);
	return TB_OK;
}

static enum tb_status lt_lap_count(struct lt_sess *s, struct tb_error *err)
{
	json_t *state = NULL;
	if (!s->in->lap_count.p)
		return TB_OK;
	enum tb_status st = lt_load_state(&s->in->lap_count, &state, err);
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

static enum tb_status lt_rc_msg(void *ctx, size_t line, int64_t t_ms,
				json_t *msg, struct tb_error *err)
{
	struct lt_lines_ctx c = {ctx, t_ms};
	(void)line;
	return lt_each_kv(json_object_get(msg, "Messages"), lt_rc_one, &c, err);
}

/* Final BestLapTime / NumberOfLaps per car from the merged state. */
static enum tb_status lt_final_timing(struct lt_sess *s, struct tb_error *err)
{
	json_t *lines = json_object_get(s->timing, "Lines");
	const char *key;
	json_t *v;
	json_object_foreach(lines, key, v)
	{
		size_t d;
		enum tb_status st = lt_driver(s, key, &d, err);
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

/* ------------------------------------------------------------------ */
/* Building and handing over the laps. */

static enum tb_status lt_push(struct tb_lap *lap, const struct tb_frame *f,
			      struct tb_error *err)
{
	enum tb_status st = tb_lap_push(lap, f);
	if (st != TB_OK)
		return tb_fail(err, st, "lap %u: %zu samples", lap->lap_number,
			       lap->n);
	return TB_OK;
}

/* Position of driver ds at utc, interpolated; false when unknown. */
static bool lt_pos_at(const struct lt_drv_state *ds, int64_t utc, double xyz[3])
{
	size_t lo = 0, hi = ds->n_pos;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ds->pos[mid].utc < utc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo: first position at or after utc. */
	if (lo < ds->n_pos && ds->pos[lo].utc == utc) {
		xyz[0] = ds->pos[lo].x;
		xyz[1] = ds->pos[lo].y;
		xyz[2] = ds->pos[lo].z;
		return true;
	}
	if (lo == 0 || lo >= ds->n_pos)
		return false;
	const struct lt_pos *a = &ds->pos[lo - 1], *b = &ds->pos[lo];
	if (b->utc - a->utc > LT_POS_GAP_MS)
		return false;
	double f = (double)(utc - a->utc) / (double)(b->utc - a->utc);
	xyz[0] = a->x + (b->x - a->x) * f;
	xyz[1] = a->y + (b->y - a->y) * f;
	xyz[2] = a->z + (b->z - a->z) * f;
	return true;
}

static void lt_car_frame(const struct lt_car *c, struct tb_frame *f)
{
	if (c->mask & 1)
		tb_frame_set(f, TB_CH_RPM, c->v[0]);
	if (c->mask & 2)
		tb_frame_set(f, TB_CH_SPEED, c->v[1] / TB_KMH_PER_MS);
	if (c->mask & 4)
		tb_frame_set(f, TB_CH_GEAR, c->v[2]);
	if (c->mask & 8) {
		/* Percent; the feed sometimes sends 104 for "full". */
		double th = c->v[3] / 100.0;
		tb_frame_set(f, TB_CH_THROTTLE, th > 1 ? 1 : th < 0 ? 0 : th);
	}
	if (c->mask & 16) /* 0 or 100 (some years 1): on/off only */
		tb_frame_set(f, TB_CH_BRAKE, c->v[4] > 0 ? 1.0 : 0.0);
	if (c->mask & 32) /* codes 10, 12, 14 = flap open */
		tb_frame_set(f, TB_CH_DRS, c->v[5] >= 10 ? 1.0 : 0.0);
}

static enum tb_status lt_fill_lap(const struct lt_sess *s,
				  const struct lt_lap *l, struct tb_lap *lap,
				  bool *timing_only, struct tb_error *err)
{
	const struct lt_drv_state *ds = &s->ds[l->drv];
	double end = (double)l->end_ms / 1000.0;
	double start = end - (double)l->time_ms / 1000.0;
	struct tb_frame f;
	enum tb_status st;

	*timing_only = true;
	if (s->have_off && ds->n_car > 0) {
		int64_t u0 = s->off + l->end_ms - l->time_ms;
		int64_t u1 = s->off + l->end_ms;
		size_t lo = 0, hi = ds->n_car;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (ds->car[mid].utc < u0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < ds->n_car && ds->car[i].utc <= u1;
		     i++) {
			const struct lt_car *c = &ds->car[i];
			double xyz[3];
			tb_frame_clear(&f);
			tb_frame_set(&f, TB_CH_TIME,
				     (double)(c->utc - s->off) / 1000.0);
			tb_frame_set(&f, TB_CH_LAP_TIME,
				     (double)(c->utc - u0) / 1000.0);
			lt_car_frame(c, &f);
			/* x/y ground plane, z up, in 1/10 m. */
			if (lt_pos_at(ds, c->utc, xyz)) {
				tb_frame_set(&f, TB_CH_POS_X, xyz[0] / 10.0);
				tb_frame_set(&f, TB_CH_POS_Y, xyz[1] / 10.0);
				tb_frame_set(&f, TB_CH_POS_Z, xyz[2] / 10.0);
			}
			st = lt_push(lap, &f, err);
			if (st != TB_OK)
				return st;
		}
		if (lap->n > 0) {
			*timing_only = false;
			return TB_OK;
		}
	}
	/* Timing only: the lap's start and end, nothing else known. */
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_TIME, start);
	tb_frame_set(&f, TB_CH_LAP_TIME, 0.0);
	st = lt_push(lap, &f, err);
	if (st != TB_OK)
		return st;
	tb_frame_set(&f, TB_CH_TIME, end);
	tb_frame_set(&f, TB_CH_LAP_TIME, (double)l->time_ms / 1000.0);
	return lt_push(lap, &f, err);
}

static void lt_car_meta(const struct f1lt_driver *dr, struct tb_car_info *car,
			struct fmt_lap_meta *meta)
{
	memset(car, 0, sizeof(*car));
	car->car_index = (uint8_t)(dr->race_number & 0xff);
	car->race_number = dr->race_number;
	car->team_id = -1;
	if (dr->full_name[0])
		snprintf(car->driver, sizeof(car->driver), "%s", dr->full_name);
	else if (dr->tla[0])
		snprintf(car->driver, sizeof(car->driver), "%s", dr->tla);
	else
		snprintf(car->driver, sizeof(car->driver), "#%d",
			 dr->race_number);
	memset(meta, 0, sizeof(*meta));
	meta->reference = true;
	snprintf(meta->source, sizeof(meta->source), "%s", LT_SOURCE);
	snprintf(meta->car, sizeof(meta->car), "%s", dr->team);
}

/* Build every lap first (a failure hands nothing over), then hand them
 * over in completion order. */
static enum tb_status lt_emit(struct lt_sess *s, f1lt_lap_fn fn, void *ctx,
			      struct tb_error *err)
{
	struct tb_lap *laps;
	bool *timing_only;
	enum tb_status st = TB_OK;
	size_t n = s->n_laps;

	if (n == 0)
		return TB_OK;
	laps = tb_calloc(n, sizeof(*laps));
	timing_only = tb_calloc(n, sizeof(*timing_only));
	if (!laps || !timing_only) {
		tb_free(laps);
		tb_free(timing_only);
		return tb_fail(err, TB_ERR_NOMEM, "%zu laps", n);
	}
	for (size_t i = 0; i < n; i++)
		tb_lap_init(&laps[i]);
	for (size_t i = 0; i < n && st == TB_OK; i++) {
		const struct lt_lap *l = &s->laps[i];
		struct tb_lap *lap = &laps[i];
		lap->car_index =
		    (uint8_t)(s->res->drivers[l->drv].race_number & 0xff);
		lap->lap_number = l->lap_no;
		lap->lap_time_ms = l->time_ms;
		memcpy(lap->sector_ms, l->sec, sizeof(lap->sector_ms));
		lap->flags = l->flags;
		st = lt_fill_lap(s, l, lap, &timing_only[i], err);
	}
	for (size_t i = 0; i < n && st == TB_OK && fn; i++) {
		const struct lt_lap *l = &s->laps[i];
		const struct f1lt_driver *dr = &s->res->drivers[l->drv];
		struct tb_car_info car;
		struct fmt_lap_meta meta;
		struct f1lt_lap_info info;

		lt_car_meta(dr, &car, &meta);
		memset(&info, 0, sizeof(info));
		info.driver = dr;
		info.timing_only = timing_only[i];
		info.personal_best = l->pb;
		info.overall_best = l->ob;
		info.deleted = l->deleted;
		info.end_s = (double)l->end_ms / 1000.0;
		info.start_s = info.end_s - (double)l->time_ms / 1000.0;
		st = fn(ctx, &s->info, &car, &laps[i], &meta, &info);
		tb_lap_release(&laps[i]);
	}
	for (size_t i = 0; i < n; i++)
		tb_lap_release(&laps[i]);
	tb_free(laps);
	tb_free(timing_only);
	return st;
}

static void lt_sess_release(struct lt_sess *s)
{
	for (size_t d = 0; d < F1LT_DRIVERS_MAX; d++) {
		tb_free(s->ds[d].car);
		tb_free(s->ds[d].pos);
	}
	tb_free(s->laps);
	json_decref(s->timing);
	tb_buf_release(&s->zbuf);
}

static enum tb_status lt_stream(struct lt_sess *s, const struct f1lt_stream *in,
				bool z, lt_msg_fn fn, size_t *n_msgs,
				struct tb_error *err)
{
	if (!in->p)
		return TB_OK;
	s->cur_name = in->name ? in->name : "stream";
	s->cur_line = 0;
	return lt_each(in, z, fn, s, n_msgs, err);
}

enum tb_status f1lt_parse(const struct f1lt_input *in, f1lt_lap_fn fn,
			  void *ctx, struct f1lt_result *res,
			  struct tb_error *err)
{
	struct lt_sess *s;
	struct f1lt_result *r;
	enum tb_status st;

	if (!in || !in->timing.p)
		return tb_fail(err, TB_ERR_ARG, "f1lt_parse: no timing data");
	s = tb_calloc(1, sizeof(*s));
	r = tb_calloc(1, sizeof(*r));
	if (!s || !r) {
		tb_free(s);
		tb_free(r);
		return tb_fail(err, TB_ERR_NOMEM, "f1lt_parse");
	}
	s->in = in;
	s->res = r;
	tb_buf_init(&s->zbuf, F1LT_Z_MAX + (64u << 10));
	s->timing = json_object();
	s->tm.name = in->timing.name ? in->timing.name : "timing";
	if (!s->timing) {
		st = tb_fail(err, TB_ERR_NOMEM, "f1lt_parse");
		goto out;
	}
	st = lt_session(s, err);
	if (st == TB_OK)
		st = lt_drivers(s, err);
	if (st == TB_OK)
		st = lt_lap_count(s, err);
	if (st == TB_OK)
		st = lt_stream(s, &in->timing, false, lt_timing_msg,
			       &r->n_timing_messages, err);
	if (st == TB_OK)
		st = lt_final_timing(s, err);
	if (st == TB_OK)
		st = lt_stream(s, &in->race_control, false, lt_rc_msg, NULL,
			       err);
	if (st == TB_OK)
		st = lt_stream(s, &in->car_data, true, lt_car_msg,
			       &r->n_car_messages, err);
	if (st == TB_OK)
		st = lt_stream(s, &in->position, true, lt_pos_msg,
			       &r->n_pos_messages, err);
	if (st != TB_OK)
		goto out;
	lt_sort_samples(s);
	r->n_laps = s->n_laps;
	r->has_car_data = s->have_off;
	if (s->have_off) {
		r->utc_offset_ms = s->off;
		s->info.start_unix_ms = s->off;
	}
	st = lt_emit(s, fn, ctx, err);
out:
	if (res && st == TB_OK)
		*res = *r;
	lt_sess_release(s);
	tb_free(s);
	tb_free(r);
	return st;
}

/* ------------------------------------------------------------------ */
/* Files: the importer and sibling discovery. */

enum lt_kind {
	LT_TIMING,
	LT_DRIVERS,
	LT_SESSION,
	LT_LAPCOUNT,
	LT_RC,
	LT_CAR,
	LT_POS,
	LT__COUNT
};

/* FastF1's cache names and the timing server's names. */
static const char *const lt_names[LT__COUNT][2] = {
    [LT_TIMING] = {"timing_data.raw", "TimingData.jsonStream"},
    [LT_DRIVERS] = {"driver_list.raw", "DriverList.jsonStream"},
    [LT_SESSION] = {"session_info.raw", "SessionInfo.jsonStream"},
    [LT_LAPCOUNT] = {"lap_count.raw", "LapCount.jsonStream"},
    [LT_RC] = {"race_control_messages.raw", "RaceControlMessages.jsonStream"},
    [LT_CAR] = {"car_data.raw", "CarData.z.jsonStream"},
    [LT_POS] = {"position.raw", "Position.z.jsonStream"},
};

static struct f1lt_stream *lt_slot(struct f1lt_input *in, enum lt_kind k)
{
	switch (k) {
	case LT_TIMING:
		return &in->timing;
	case LT_DRIVERS:
		return &in->drivers;
	case LT_SESSION:
		return &in->session;
	case LT_LAPCOUNT:
		return &in->lap_count;
	case LT_RC:
		return &in->race_control;
	case LT_CAR:
		return &in->car_data;
	case LT_POS:
	default:
		return &in->position;
	}
}

/* Read a whole file; TB_ERR_NOTFOUND when it does not exist. */
static enum tb_status lt_read(const char *path, struct f1lt_stream *s,
			      struct tb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return TB_ERR_NOTFOUND;
		return tb_fail(err, TB_ERR_IO, "%s: cannot open: %s", path,
			       strerror(errno));
	}
	enum tb_status st = TB_OK;
	uint8_t *buf = NULL;
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		st = tb_fail(err, TB_ERR_IO, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)sb.st_size > FMT_FILE_MAX) {
		st = tb_fail(err, TB_ERR_LIMIT, "%s: %lld bytes, over %llu",
			     path, (long long)sb.st_size,
			     (unsigned long long)FMT_FILE_MAX);
		goto out;
	}
	size_t n = (size_t)sb.st_size;
	buf = tb_malloc(n ? n : 1);
	if (!buf) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: %zu bytes", path, n);
		goto out;
	}
	if (n && fread(buf, 1, n, f) != n) {
		st = tb_fail(err, TB_ERR_IO, "%s: short read", path);
		goto out;
	}
	size_t pl = strlen(path);
	s->own_name = tb_malloc(pl + 1);
	if (!s->own_name) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s", path);
		goto out;
	}
	memcpy(s->own_name, path, pl + 1);
	s->name = s->own_name;
	s->own_buf = buf;
	s->p = buf;
	s->n = n;
	buf = NULL;
out:
	tb_free(buf);
	fclose(f);
	return st;
}

void f1lt_input_release(struct f1lt_input *in)
{
	if (!in)
		return;
	for (int k = 0; k < LT__COUNT; k++) {
		struct f1lt_stream *s = lt_slot(in, (enum lt_kind)k);
		tb_free(s->own_buf);
		tb_free(s->own_name);
		memset(s, 0, sizeof(*s));
	}
}

enum tb_status f1lt_input_load(const char *path, struct f1lt_input *in,
			       struct tb_error *err)
{
	if (!path || !in)
		return tb_fail(err, TB_ERR_ARG, "f1lt_input_load: NULL");
	memset(in, 0, sizeof(*in));
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dir_n = (size_t)(base - path);
	/* Any other stream of the session folder (".raw" / ".jsonStream")
	 * leads to the timing stream next to it; a file of another name is
	 * the timing stream itself. */
	size_t bl = strlen(base);
	bool stream_name =
	    (bl > 4 && strcmp(base + bl - 4, ".raw") == 0) ||
	    (bl > 11 && strcmp(base + bl - 11, ".jsonStream") == 0);
	int given = LT_TIMING;
	if (stream_name && strcmp(base, lt_names[LT_TIMING][0]) != 0 &&
	    strcmp(base, lt_names[LT_TIMING][1]) != 0)
		given = LT_DRIVERS; /* anything but the timing stream */
	enum tb_status st = TB_OK;
	for (int k = 0; k < LT__COUNT && st == TB_OK; k++) {
		struct f1lt_stream *s = lt_slot(in, (enum lt_kind)k);
		if (k == LT_TIMING && given == LT_TIMING) {
			st = lt_read(path, s, err);
			if (st == TB_ERR_NOTFOUND)
				st = tb_fail(err, TB_ERR_IO,
					     "%s: cannot open: no such file",
					     path);
			continue;
		}
		for (int v = 0; v < 2; v++) {
			char p[4096];
			int w = snprintf(p, sizeof(p), "%.*s%s", (int)dir_n,
					 path, lt_names[k][v]);
			if (w < 0 || (size_t)w >= sizeof(p)) {
				st = tb_fail(err, TB_ERR_ARG,
					     "%s: path too long", path);
				break;
			}
			st = lt_read(p, s, err);
			if (st != TB_ERR_NOTFOUND)
				break;
			st = TB_OK;
		}
		if (k == LT_TIMING && st == TB_OK && !s->p)
			st = tb_fail(err, TB_ERR_NOTFOUND,
				     "%s: no timing_data.raw or "
				     "TimingData.jsonStream next to it",
				     path);
	}
	if (st != TB_OK)
		f1lt_input_release(in);
	return st;
}

static bool lt_sniff(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	size_t i = 0;
	int64_t t;
	if (n >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
		i = 3;
	if (n < i + LT_TS_LEN + 1 || lt_parse_ts(head + i, &t) != 0)
		return false;
	uint8_t c = head[i + LT_TS_LEN];
	return c == '{' || c == '"';
}

struct lt_adapt {
	fmt_lap_fn fn;
	void *ctx;
};

static enum tb_status
lt_adapt_fn(void *ctx, const struct tb_session_info *session,
	    const struct tb_car_info *car, struct tb_lap *lap,
	    const struct fmt_lap_meta *meta, const struct f1lt_lap_info *info)
{
	struct lt_adapt *a = ctx;
	(void)info;
	return a->fn(a->ctx, session, car, lap, meta);
}

static enum tb_status lt_import(const char *path, fmt_lap_fn fn, void *ctx,
				const struct fmt_progress *progress,
				struct tb_error *err)
{
	struct f1lt_input in;
	enum tb_status st = f1lt_input_load(path, &in, err);
	if (st != TB_OK)
		return st;
	uint64_t total = in.timing.n + in.car_data.n + in.position.n;
	if (progress && progress->update)
		progress->update(progress->ctx, 0, total);
	struct lt_adapt a = {fn, ctx};
	st = f1lt_parse(&in, fn ? lt_adapt_fn : NULL, &a, NULL, err);
	if (st == TB_OK && progress && progress->update)
		progress->update(progress->ctx, total, total);
	f1lt_input_release(&in);
	return st;
}

const struct fmt_importer fmt_importer_f1_livetiming = {
    .version = 1,
    .name = "f1-livetiming",
    .title = "F1 live-timing archive (TimingData.jsonStream / "
	     "FastF1 .raw)",
    .sniff = lt_sniff,
    .import = lt_import,
};

/* f1lt_stream.c - F1 live-timing streams as text: ISO 8601 and lap-time
 * parsers, "HH:MM:SS.mmm" stamps, base64 + raw DEFLATE of ".z" payloads,
 * line framing (every line's JSON through jbuild, jansson's own parser
 * only to word an error) and the capped deep merge of patches. */
#include "f1lt_int.h"
#include "jscan.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

/* ------------------------------------------------------------------ */
/* Small parsers. */

int f1lt__digits(const char *s, size_t n, size_t k, long *v)
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

	if (!s || !ms || n < 19 || f1lt__digits(s, n, 4, &Y) || s[4] != '-' ||
	    f1lt__digits(s + 5, n - 5, 2, &M) || s[7] != '-' ||
	    f1lt__digits(s + 8, n - 8, 2, &D) ||
	    (s[10] != 'T' && s[10] != ' ') ||
	    f1lt__digits(s + 11, n - 11, 2, &h) || s[13] != ':' ||
	    f1lt__digits(s + 14, n - 14, 2, &m) || s[16] != ':' ||
	    f1lt__digits(s + 17, n - 17, 2, &sec))
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
		if (f1lt__digits(s + i + 1, n - i - 1, 2, &oh) || i + 6 > n ||
		    s[i + 3] != ':' ||
		    f1lt__digits(s + i + 4, n - i - 4, 2, &om) || oh > 23 ||
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
int f1lt__parse_ts(const uint8_t *p, int64_t *ms)
{
	long h, m, s, f;
	const char *c = (const char *)p;
	if (f1lt__digits(c, 12, 2, &h) || c[2] != ':' ||
	    f1lt__digits(c + 3, 9, 2, &m) || c[5] != ':' ||
	    f1lt__digits(c + 6, 6, 2, &s) || c[8] != '.' ||
	    f1lt__digits(c + 9, 3, 3, &f) || m > 59 || s > 59)
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

/* Call fn for each message of s. Objects only, unless strings (".z"). */
enum tb_status f1lt__each(const struct f1lt_stream *s, bool strings,
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
		if (len <= LT_TS_LEN || f1lt__parse_ts(p + pos, &t_ms) != 0)
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

enum tb_status f1lt__each_kv(json_t *o, lt_kv_fn fn, void *ctx,
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
json_t *f1lt__get(json_t *o, const char *key)
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
		return f1lt__merge(m, cur, v, kv->depth + 1, err);
	}
	if (json_object_set(kv->dst, key, v) != 0)
		return tb_fail(err, TB_ERR_NOMEM, "%s line %zu: state", m->name,
			       m->line);
	return TB_OK;
}

/* Deep-merge patch into dst (an object): objects merge key by key,
 * arrays become objects keyed by index, scalars replace. */
enum tb_status f1lt__merge(struct lt_merge_ctx *m, json_t *dst, json_t *patch,
			   int depth, struct tb_error *err)
{
	if (depth > F1LT_DEPTH_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s line %zu: patch nested deeper than %d",
			       m->name, m->line, F1LT_DEPTH_MAX);
	struct lt_merge_kv kv = {m, dst, depth};
	return f1lt__each_kv(patch, lt_merge_one, &kv, err);
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
	return f1lt__merge(&c->m, c->state, msg, 0, err);
}

enum tb_status f1lt__load_state(const struct f1lt_stream *s, json_t **out,
				struct tb_error *err)
{
	struct lt_state_ctx c = {{s->name, 0, 0}, json_object()};
	*out = NULL;
	if (!c.state)
		return tb_fail(err, TB_ERR_NOMEM, "%s: state", s->name);
	enum tb_status st = f1lt__each(s, false, lt_state_msg, &c, NULL, err);
	if (st != TB_OK) {
		json_decref(c.state);
		return st;
	}
	*out = c.state;
	return TB_OK;
}

/* ldx.c - the MoTeC i2 .ldx companion file: a tolerant scanner for its
 * XML shape, read into the beacon times and <Details> strings of a
 * struct fmt_ldx. Format notes are in motec_int.h. */
#include "motec_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* .ldx: a tolerant scanner for just this XML shape. Tags, attributes
 * (single or double quotes), comments, <?..?>, <!..> and text are
 * recognised; elements other than MarkerGroup/Marker/Details children
 * are ignored. */

struct xml {
	const uint8_t *p;
	size_t len, pos;
	const char *name;
	struct tb_error *err;
	size_t wpos, wline, wcol; /* line/column cache: tags only move on */
};

#define XML_ATTRS_MAX 16
#define XML_NAME_MAX  64
#define XML_VAL_MAX   FMT_LDX_DETAIL_MAX

struct xml_tag {
	char name[XML_NAME_MAX];
	bool end, empty; /* </name>, <name/> */
	size_t n_attrs;
	char key[XML_ATTRS_MAX][XML_NAME_MAX];
	char val[XML_ATTRS_MAX][XML_VAL_MAX];
	size_t line, col;
};

static void xml_where(struct xml *x, size_t pos, size_t *line, size_t *col)
{
	size_t l = 1, c = 1, i = 0;
	if (x->wline && pos >= x->wpos) {
		l = x->wline;
		c = x->wcol;
		i = x->wpos;
	}
	for (; i < pos && i < x->len; i++) {
		if (x->p[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	x->wpos = pos;
	x->wline = l;
	x->wcol = c;
	*line = l;
	*col = c;
}

static enum tb_status xml_bad(struct xml *x, size_t pos, const char *what)
{
	size_t line, col;
	xml_where(x, pos, &line, &col);
	return tb_fail(x->err, TB_ERR_CORRUPT, "%s: line %zu, column %zu: %s",
		       x->name, line, col, what);
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	       c == ':' || c >= 0x80;
}

/* Find needle from pos; returns its offset or len. */
static size_t xml_find(const struct xml *x, size_t pos, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = pos; i + n <= x->len; i++)
		if (memcmp(x->p + i, needle, n) == 0)
			return i;
	return x->len;
}

/* Append one decoded character (entities resolved) to a value buffer. */
static void val_put(char *v, size_t *k, uint32_t c)
{
	uint8_t b[4];
	size_t n;
	if (c < 0x80) {
		b[0] = (uint8_t)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (uint8_t)(0xC0 | (c >> 6));
		b[1] = (uint8_t)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (uint8_t)(0xE0 | (c >> 12));
		b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xF0 | ((c >> 18) & 0x07));
		b[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (*k + n < XML_VAL_MAX) {
		memcpy(v + *k, b, n);
		*k += n;
	}
}

/* Decode an attribute value [s, e) with entities into v. */
static enum tb_status xml_value(struct xml *x, size_t s, size_t e, char *v)
{
	size_t k = 0;
	static const struct {
		const char *name;
		char c;
	} ents[] = {{"amp;", '&'},
		    {"lt;", '<'},
		    {"gt;", '>'},
		    {"quot;", '"'},
		    {"apos;", '\''}};
	for (size_t i = s; i < e;) {
		uint8_t c = x->p[i];
		if (c != '&') {
			if (k + 1 < XML_VAL_MAX)
				v[k++] = c < 0x20 ? ' ' : (char)c;
			i++;
			continue;
		}
		bool done = false;
		for (size_t j = 0; j < 5 && !done; j++) {
			size_t n = strlen(ents[j].name);
			if (i + 1 + n <= e &&
			    memcmp(x->p + i + 1, ents[j].name, n) == 0) {
				val_put(v, &k, (uint8_t)ents[j].c);
				i += 1 + n;
				done = true;
			}
		}
		if (done)
			continue;
		if (i + 2 < e && x->p[i + 1] == '#') {
			size_t j = i + 2;
			uint32_t cp = 0;
			bool hex = x->p[j] == 'x' || x->p[j] == 'X';
			if (hex)
				j++;
			size_t digits = 0;
			for (; j < e && x->p[j] != ';' && digits < 8;
			     j++, digits++) {
				uint8_t d = x->p[j];
				uint32_t dv;
				if (d >= '0' && d <= '9')
					dv = d - '0';
				else if (hex && fmt__motec_lower(d) >= 'a' &&
					 fmt__motec_lower(d) <= 'f')
					dv = (uint32_t)(fmt__motec_lower(d) -
							'a' + 10);
				else
					break;
				cp = cp * (hex ? 16 : 10) + dv;
			}
			if (j < e && x->p[j] == ';' && digits > 0 && cp > 0 &&
			    cp <= 0x10FFFF) {
				val_put(v, &k, cp);
				i = j + 1;
				continue;
			}
		}
		return xml_bad(x, i, "bad character reference in attribute");
	}
	v[k] = 0;
	return TB_OK;
}

/* Next markup item. Returns TB_OK with *got false at the end of input,
 * or with tag filled for an element tag (comments, declarations and
 * text are skipped). */
static enum tb_status xml_next(struct xml *x, struct xml_tag *t, bool *got)
{
	*got = false;
	for (;;) {
		while (x->pos < x->len && x->p[x->pos] != '<')
			x->pos++;
		if (x->pos >= x->len)
			return TB_OK;
		size_t start = x->pos;
		if (x->pos + 4 <= x->len &&
		    memcmp(x->p + x->pos, "<!--", 4) == 0) {
			size_t e = xml_find(x, x->pos + 4, "-->");
			if (e >= x->len)
				return xml_bad(x, start, "comment not closed");
			x->pos = e + 3;
			continue;
		}
		if (x->pos + 1 < x->len &&
		    (x->p[x->pos + 1] == '?' || x->p[x->pos + 1] == '!')) {
			const char *close =
			    x->p[x->pos + 1] == '?' ? "?>" : ">";
			size_t e = xml_find(x, x->pos + 2, close);
			if (e >= x->len)
				return xml_bad(x, start,
					       "declaration not closed");
			x->pos = e + strlen(close);
			continue;
		}
		break;
	}
	size_t start = x->pos;
	memset(t, 0, sizeof(*t));
	xml_where(x, start, &t->line, &t->col);
	x->pos++;
	if (x->pos < x->len && x->p[x->pos] == '/') {
		t->end = true;
		x->pos++;
	}
	size_t k = 0;
	while (x->pos < x->len && is_name_char(x->p[x->pos])) {
		if (k + 1 < XML_NAME_MAX)
			t->name[k++] = (char)x->p[x->pos];
		x->pos++;
	}
	if (k == 0)
		return xml_bad(x, start, "'<' not followed by a tag name");
	for (;;) {
		while (x->pos < x->len && is_space(x->p[x->pos]))
			x->pos++;
		if (x->pos >= x->len)
			return xml_bad(x, start, "tag not closed");
		uint8_t c = x->p[x->pos];
		if (c == '>') {
			x->pos++;
			break;
		}
		if (c == '/' && x->pos + 1 < x->len &&
		    x->p[x->pos + 1] == '>' && !t->end) {
			t->empty = true;
			x->pos += 2;
			break;
		}
		if (t->end || !is_name_char(c))
			return xml_bad(x, x->pos,
				       "unexpected character in tag");
		char key[XML_NAME_MAX];
		size_t kk = 0;
		while (x->pos < x->len && is_name_char(x->p[x->pos])) {
			if (kk + 1 < XML_NAME_MAX)
				key[kk++] = (char)x->p[x->pos];
			x->pos++;
		}
		key[kk] = 0;
		while (x->pos < x->len && is_space(x->p[x->pos]))
			x->pos++;
		if (x->pos >= x->len || x->p[x->pos] != '=')
			return xml_bad(x, x->pos, "attribute without '='");
		x->pos++;
		while (x->pos < x->len && is_space(x->p[x->pos]))
			x->pos++;
		if (x->pos >= x->len ||
		    (x->p[x->pos] != '"' && x->p[x->pos] != '\''))
			return xml_bad(x, x->pos, "attribute value not quoted");
		uint8_t q = x->p[x->pos++];
		size_t vs = x->pos;
		while (x->pos < x->len && x->p[x->pos] != q &&
		       x->p[x->pos] != '<')
			x->pos++;
		if (x->pos >= x->len || x->p[x->pos] != q)
			return xml_bad(x, vs, "attribute value not closed");
		size_t ve = x->pos++;
		if (t->n_attrs < XML_ATTRS_MAX) {
			size_t a = t->n_attrs++;
			memcpy(t->key[a], key, kk + 1);
			enum tb_status st = xml_value(x, vs, ve, t->val[a]);
			if (st != TB_OK)
				return st;
		}
	}
	*got = true;
	return TB_OK;
}

static const char *xml_attr(const struct xml_tag *t, const char *key)
{
	for (size_t i = 0; i < t->n_attrs; i++)
		if (strcmp(t->key[i], key) == 0)
			return t->val[i];
	return NULL;
}

void fmt_ldx_init(struct fmt_ldx *x)
{
	memset(x, 0, sizeof(*x));
	x->total_laps = -1;
	x->fastest_time_ms = -1;
	x->fastest_lap = -1;
}

void fmt_ldx_release(struct fmt_ldx *x)
{
	if (!x)
		return;
	tb_free(x->marker_us);
	fmt_ldx_init(x);
}

const char *fmt_ldx_detail(const struct fmt_ldx *x, const char *id)
{
	for (size_t i = 0; i < x->n_details; i++)
		if (strcmp(x->details[i].id, id) == 0)
			return x->details[i].value;
	return NULL;
}

/* Unsigned decimal of up to 9 digits; -1 if s is not one. */
int32_t fmt__ldx_parse_uint(const char *s, const char **end)
{
	int32_t v = 0;
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 9)
			return -1;
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (end)
		*end = s + n;
	return n ? v : -1;
}

const char *fmt__ldx_trim_lead(const char *s)
{
	while (is_space((uint8_t)*s))
		s++;
	return s;
}

int32_t fmt_ldx_parse_time_ms(const char *s)
{
	int32_t part[3];
	size_t n = 0;
	const char *p = fmt__ldx_trim_lead(s);
	for (;;) {
		int32_t v = fmt__ldx_parse_uint(p, &p);
		if (v < 0 || n == 3)
			return -1;
		part[n++] = v;
		if (*p != ':')
			break;
		p++;
	}
	int64_t ms = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && part[i] >= 60)
			return -1;
		ms = ms * 60 + part[i];
	}
	ms *= 1000;
	if (*p == '.') {
		p++;
		int64_t scale = 100;
		size_t digits = 0;
		int round = 0;
		while (*p >= '0' && *p <= '9') {
			if (digits < 3)
				ms += (*p - '0') * scale;
			else if (digits == 3)
				round = *p >= '5';
			scale /= 10;
			digits++;
			p++;
		}
		if (digits == 0)
			return -1;
		ms += round;
	}
	p = fmt__ldx_trim_lead(p);
	if (*p || ms > INT32_MAX)
		return -1;
	return (int32_t)ms;
}

int32_t fmt__ldx_parse_count(const char *s)
{
	const char *e;
	int32_t v = fmt__ldx_parse_uint(fmt__ldx_trim_lead(s), &e);
	return (v >= 0 && *fmt__ldx_trim_lead(e) == 0) ? v : -1;
}

/* Marker time: a decimal number of µs, possibly with an exponent
 * ("1.10018e+09" from some writers). */
static bool parse_marker_time(const char *s, int64_t *us)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *fmt__ldx_trim_lead(end) != 0 || errno == ERANGE ||
	    !isfinite(v) || v < 0 || v > 1e13)
		return false;
	*us = (int64_t)llround(v);
	return true;
}

enum ldx_ctx { LDX_OUT, LDX_BEACONS, LDX_OTHER_GROUP, LDX_DETAILS };

static enum tb_status ldx_on_tag(struct xml *x, const struct xml_tag *t,
				 enum ldx_ctx *ctx, struct fmt_ldx *out)
{
	if (t->end) {
		if (strcmp(t->name, "MarkerGroup") == 0 ||
		    strcmp(t->name, "Details") == 0)
			*ctx = LDX_OUT;
		return TB_OK;
	}
	if (strcmp(t->name, "MarkerGroup") == 0) {
		const char *n = xml_attr(t, "Name");
		if (!t->empty)
			*ctx = (n && strcmp(n, "Beacons") == 0)
				   ? LDX_BEACONS
				   : LDX_OTHER_GROUP;
		return TB_OK;
	}
	if (strcmp(t->name, "Details") == 0) {
		if (!t->empty)
			*ctx = LDX_DETAILS;
		return TB_OK;
	}
	if (*ctx == LDX_BEACONS && strcmp(t->name, "Marker") == 0) {
		const char *tm = xml_attr(t, "Time");
		int64_t us;
		if (!tm)
			return tb_fail(x->err, TB_ERR_CORRUPT,
				       "%s: line %zu, column %zu: Marker "
				       "without Time",
				       x->name, t->line, t->col);
		if (!parse_marker_time(tm, &us))
			return tb_fail(x->err, TB_ERR_CORRUPT,
				       "%s: line %zu, column %zu: Marker "
				       "Time \"%s\" is not a time in µs",
				       x->name, t->line, t->col, tm);
		if (out->n_markers >= FMT_LDX_MAX_MARKERS)
			return tb_fail(x->err, TB_ERR_LIMIT,
				       "%s: line %zu: more than %u markers",
				       x->name, t->line, FMT_LDX_MAX_MARKERS);
		if (out->n_markers && us < out->marker_us[out->n_markers - 1])
			return tb_fail(
			    x->err, TB_ERR_CORRUPT,
			    "%s: line %zu, column %zu: Marker "
			    "Time %lld goes back (previous %lld)",
			    x->name, t->line, t->col, (long long)us,
			    (long long)out->marker_us[out->n_markers - 1]);
		out->marker_us[out->n_markers++] = us;
		return TB_OK;
	}
	if (*ctx == LDX_DETAILS) {
		const char *id = xml_attr(t, "Id");
		if (!id || out->n_details >= FMT_LDX_MAX_DETAILS)
			return TB_OK;
		const char *v = xml_attr(t, "Value");
		struct fmt_ldx_detail *d = &out->details[out->n_details++];
		fmt__motec_copy_str(d->id, sizeof(d->id), id);
		fmt__motec_copy_str(d->value, sizeof(d->value), v ? v : "");
	}
	return TB_OK;
}

enum tb_status fmt_ldx_parse(const uint8_t *buf, size_t len, const char *name,
			     struct fmt_ldx *out, struct tb_error *err)
{
	fmt_ldx_init(out);
	if (!name)
		name = "ldx";
	if (!buf && len)
		return tb_fail(err, TB_ERR_ARG, "%s: no buffer", name);
	if (len > FMT_LDX_MAX_BYTES)
		return tb_fail(err, TB_ERR_LIMIT, "%s: %zu bytes, cap %u", name,
			       len, FMT_LDX_MAX_BYTES);
	struct xml x = {buf, len, 0, name, err, 0, 0, 0};
	struct xml_tag *t = tb_malloc(sizeof(*t));
	out->marker_us = tb_malloc(FMT_LDX_MAX_MARKERS * sizeof(int64_t));
	enum tb_status st = TB_OK;
	if (!t || !out->marker_us) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", name);
		goto fail;
	}
	bool got, root = false;
	enum ldx_ctx ctx = LDX_OUT;
	for (;;) {
		st = xml_next(&x, t, &got);
		if (st != TB_OK)
			goto fail;
		if (!got)
			break;
		if (!root) {
			if (t->end || strcmp(t->name, "LDXFile") != 0) {
				st = tb_fail(err, TB_ERR_FORMAT,
					     "%s: line %zu: root element <%s>, "
					     "expected <LDXFile>",
					     name, t->line, t->name);
				goto fail;
			}
			root = true;
			continue;
		}
		st = ldx_on_tag(&x, t, &ctx, out);
		if (st != TB_OK)
			goto fail;
	}
	if (!root) {
		st = tb_fail(err, TB_ERR_FORMAT, "%s: no <LDXFile> element",
			     name);
		goto fail;
	}
	const char *v = fmt_ldx_detail(out, "Total Laps");
	out->total_laps = v ? fmt__ldx_parse_count(v) : -1;
	v = fmt_ldx_detail(out, "Fastest Lap");
	out->fastest_lap = v ? fmt__ldx_parse_count(v) : -1;
	v = fmt_ldx_detail(out, "Fastest Time");
	out->fastest_time_ms = v ? fmt_ldx_parse_time_ms(v) : -1;
	tb_free(t);
	return TB_OK;
fail:
	tb_free(t);
	fmt_ldx_release(out);
	return st;
}

enum tb_status fmt_ldx_read(const char *path, struct fmt_ldx *out,
			    struct tb_error *err)
{
	fmt_ldx_init(out);
	uint8_t *buf;
	size_t len;
	enum tb_status st =
	    fmt__motec_read_whole(path, FMT_LDX_MAX_BYTES, &buf, &len, err);
	if (st != TB_OK)
		return st;
	st = fmt_ldx_parse(buf, len, path, out, err);
	tb_free(buf);
	return st;
}

/* jbuild.c - JSON text straight into a jansson tree (jscan.h): one pass
 * over the bytes with pointer scans instead of jansson's per-character
 * stream lexer, building values with json_object/json_array/
 * json_stringn_nocheck/json_integer/json_real. Accepts exactly what
 * json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL) accepts and builds an
 * equal tree (fuzz/fuzz_f1lt_json.c checks both); on any rejection the
 * caller asks jansson again for its message. */
#include "jscan.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* jansson's JSON_PARSER_MAX_DEPTH: arrays and objects nested deeper are
 * rejected there, so here too. */
#define JB_DEPTH_MAX 2048

struct jb {
	const char *p, *end;
	int depth;
};

static void jb_ws(struct jb *b)
{
	while (b->p < b->end && (*b->p == ' ' || *b->p == '\t' ||
				 *b->p == '\n' || *b->p == '\r'))
		b->p++;
}

/* Length of the valid UTF-8 sequence at p (jansson's utf8_check_first
 * and utf8_check_full: no overlong forms, no surrogates, at most
 * U+10FFFF), 0 if invalid or cut short. */
static size_t jb_utf8(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		n = 2;
		cp = c & 0x1f;
	} else if (c < 0xf0) {
		n = 3;
		cp = c & 0x0f;
	} else if (c < 0xf5) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return 0;
	return n;
}

static int jb_hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static size_t jb_put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode the escapes of raw string bytes s[0..n) (already checked to be
 * free of control characters and invalid UTF-8) into out, which holds
 * n bytes; its length, or -1 for a bad escape or lone surrogate. */
static ptrdiff_t jb_unescape(const char *s, size_t n, char *out)
{
	const char *e = s + n;
	char *o = out;
	while (s < e) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		if (e - s < 2)
			return -1;
		char c = s[1];
		s += 2;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*o++ = c;
			continue;
		case 'b':
			*o++ = '\b';
			continue;
		case 'f':
			*o++ = '\f';
			continue;
		case 'n':
			*o++ = '\n';
			continue;
		case 'r':
			*o++ = '\r';
			continue;
		case 't':
			*o++ = '\t';
			continue;
		case 'u':
			break;
		default:
			return -1;
		}
		int u = e - s >= 4 ? jb_hex4(s) : -1;
		if (u < 0)
			return -1;
		s += 4;
		uint32_t cp = (uint32_t)u;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return -1; /* a low surrogate first */
		if (cp >= 0xd800 && cp <= 0xdbff) {
			int lo = e - s >= 6 && s[0] == '\\' && s[1] == 'u'
				     ? jb_hex4(s + 2)
				     : -1;
			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			s += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     ((uint32_t)lo - 0xdc00);
		}
		o += jb_put_utf8(o, cp);
	}
	return o - out;
}

/* A string at b->p (the opening quote): its decoded bytes in *s, *n,
 * pointing into the input when nothing needed decoding, else into *heap
 * or stack (cap bytes), which the caller frees (*heap). */
static bool jb_str(struct jb *b, const char **s, size_t *n, char *stack,
		   size_t cap, char **heap)
{
	const unsigned char *q = (const unsigned char *)b->p + 1;
	const unsigned char *e = (const unsigned char *)b->end;
	const unsigned char *start = q;
	bool esc = false;
	for (;;) {
		while (q < e && *q >= 0x20 && *q < 0x80 && *q != '"' &&
		       *q != '\\')
			q++;
		if (q >= e || *q < 0x20)
			return false;
		if (*q == '"')
			break;
		if (*q == '\\') {
			/* the escape's own syntax is checked when decoding;
			 * skipping the next byte keeps \" inside */
			esc = true;
			if (e - q < 2 || q[1] < 0x20 || q[1] >= 0x80)
				return false;
			q += 2;
			continue;
		}
		size_t k = jb_utf8(q, e);
		if (!k)
			return false;
		q += k;
	}
	size_t raw = (size_t)(q - start);
	b->p = (const char *)q + 1;
	*heap = NULL;
	if (!esc) {
		*s = (const char *)start;
		*n = raw;
		return true;
	}
	char *out = stack;
	if (raw > cap) {
		out = tb_malloc(raw);
		if (!out)
			return false;
		*heap = out;
	}
	ptrdiff_t len = jb_unescape((const char *)start, raw, out);
	if (len < 0) {
		tb_free(*heap);
		*heap = NULL;
		return false;
	}
	*s = out;
	*n = (size_t)len;
	return true;
}

/* jansson reads one byte past a number or a literal and puts it back;
 * a NUL byte put back is lost (its stream buffer takes NUL for empty),
 * so "1\0" and "[true\0]" load there. Skipped here alike. */
static void jb_lookahead_nul(struct jb *b)
{
	if (b->p < b->end && *b->p == '\0')
		b->p++;
}

static const double jb_pow10[] = {
    1e0,  1e1,	1e2,  1e3,  1e4,  1e5,	1e6,  1e7,  1e8,  1e9,	1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The number at b->p, typed as jansson types it: an integer unless it
 * has a fraction or an exponent; integers outside json_int_t and reals
 * that overflow are rejected. */
static json_t *jb_num(struct jb *b)
{
	const char *q = b->p, *e = b->end, *text = q;
	bool neg = false;
	if (*q == '-') {
		neg = true;
		q++;
	}
	if (q >= e || *q < '0' || *q > '9')
		return NULL;
	const char *ip = q;
	if (*q == '0') {
		q++;
		if (q < e && *q >= '0' && *q <= '9')
			return NULL;
	} else {
		while (q < e && *q >= '0' && *q <= '9')
			q++;
	}
	size_t ni = (size_t)(q - ip);
	if (q >= e || (*q != '.' && *q != 'e' && *q != 'E')) {
		/* json_int_t is long long (jansson's strtoll) */
		uint64_t lim =
		    neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
		uint64_t v = 0;
		for (size_t i = 0; i < ni; i++) {
			unsigned d = (unsigned)(ip[i] - '0');
			if (v > (lim - d) / 10)
				return NULL;
			v = v * 10 + d;
		}
		b->p = q;
		jb_lookahead_nul(b);
		json_int_t x;
		if (!neg)
			x = (json_int_t)v;
		else if (v > (uint64_t)INT64_MAX)
			x = (json_int_t)INT64_MIN;
		else
			x = -(json_int_t)v;
		return json_integer(x);
	}
	const char *fp = q, *fe = q;
	if (*q == '.') {
		q++;
		fp = q;
		if (q >= e || *q < '0' || *q > '9')
			return NULL;
		while (q < e && *q >= '0' && *q <= '9')
			q++;
		fe = q;
	}
	long ex = 0;
	bool exbig = false;
	if (q < e && (*q == 'e' || *q == 'E')) {
		q++;
		bool eneg = false;
		if (q < e && (*q == '+' || *q == '-'))
			eneg = *q++ == '-';
		if (q >= e || *q < '0' || *q > '9')
			return NULL;
		while (q < e && *q >= '0' && *q <= '9') {
			if (ex < 100000)
				ex = ex * 10 + (*q - '0');
			else
				exbig = true;
			q++;
		}
		if (eneg)
			ex = -ex;
	}
	b->p = q;
	jb_lookahead_nul(b);
	size_t nf = (size_t)(fe - fp);
	long e10 = ex - (long)nf;
	double v;
	if (!exbig && ni + nf <= 15 && e10 >= -22 && e10 <= 22) {
		/* exact mantissa and power of ten: one rounding, as strtod
		 * (Clinger's fast path) */
		uint64_t m = 0;
		for (size_t i = 0; i < ni; i++)
			m = m * 10 + (unsigned)(ip[i] - '0');
		for (size_t i = 0; i < nf; i++)
			m = m * 10 + (unsigned)(fp[i] - '0');
		v = (double)m;
		v = e10 >= 0 ? v * jb_pow10[e10] : v / jb_pow10[-e10];
		if (neg)
			v = -v;
	} else {
		size_t len = (size_t)(q - text);
		char stack[64], *tmp = stack;
		if (len >= sizeof(stack)) {
			tmp = tb_malloc(len + 1);
			if (!tmp)
				return NULL;
		}
		memcpy(tmp, text, len);
		tmp[len] = '\0';
		errno = 0;
		v = strtod(tmp, NULL);
		int overflow =
		    (v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE;
		if (tmp != stack)
			tb_free(tmp);
		if (overflow)
			return NULL;
	}
	return json_real(v);
}

static bool jb_lit(struct jb *b, const char *lit, size_t n)
{
	if ((size_t)(b->end - b->p) < n || memcmp(b->p, lit, n) != 0)
		return false;
	b->p += n;
	jb_lookahead_nul(b);
	return true;
}

static json_t *jb_value(struct jb *b);

static json_t *jb_array(struct jb *b)
{
	json_t *a = json_array();
	if (!a)
		return NULL;
	b->p++;
	jb_ws(b);
	if (b->p < b->end && *b->p == ']') {
		b->p++;
		return a;
	}
	for (;;) {
		json_t *v = jb_value(b);
		if (!v || json_array_append_new(a, v) != 0)
			goto fail;
		jb_ws(b);
		if (b->p >= b->end)
			goto fail;
		if (*b->p == ']') {
			b->p++;
			return a;
		}
		if (*b->p != ',')
			goto fail;
		b->p++;
	}
fail:
	json_decref(a);
	return NULL;
}

static json_t *jb_object(struct jb *b)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	b->p++;
	jb_ws(b);
	if (b->p < b->end && *b->p == '}') {
		b->p++;
		return o;
	}
	for (;;) {
		char stack[128], *heap;
		const char *k;
		size_t kn;
		jb_ws(b);
		if (b->p >= b->end || *b->p != '"' ||
		    !jb_str(b, &k, &kn, stack, sizeof(stack), &heap))
			goto fail;
		/* jansson refuses a NUL in a key even with JSON_ALLOW_NUL */
		bool ok = !memchr(k, '\0', kn);
		jb_ws(b);
		ok = ok && b->p < b->end && *b->p == ':';
		json_t *v = NULL;
		if (ok) {
			b->p++;
			v = jb_value(b);
		}
		ok = v && json_object_setn_new_nocheck(o, k, kn, v) == 0;
		tb_free(heap);
		if (!ok)
			goto fail;
		jb_ws(b);
		if (b->p >= b->end)
			goto fail;
		if (*b->p == '}') {
			b->p++;
			return o;
		}
		if (*b->p != ',')
			goto fail;
		b->p++;
	}
fail:
	json_decref(o);
	return NULL;
}

static json_t *jb_value(struct jb *b)
{
	jb_ws(b);
	if (b->p >= b->end)
		return NULL;
	switch (*b->p) {
	case '{':
	case '[': {
		if (++b->depth > JB_DEPTH_MAX)
			return NULL;
		json_t *v = *b->p == '{' ? jb_object(b) : jb_array(b);
		b->depth--;
		return v;
	}
	case '"': {
		char stack[256], *heap;
		const char *s;
		size_t n;
		if (!jb_str(b, &s, &n, stack, sizeof(stack), &heap))
			return NULL;
		json_t *v = json_stringn_nocheck(s, n);
		tb_free(heap);
		return v;
	}
	case 't':
		return jb_lit(b, "true", 4) ? json_true() : NULL;
	case 'f':
		return jb_lit(b, "false", 5) ? json_false() : NULL;
	case 'n':
		return jb_lit(b, "null", 4) ? json_null() : NULL;
	default:
		return jb_num(b);
	}
}

json_t *jbuild_parse(const char *buf, size_t n)
{
	struct jb b = {buf, buf + n, 0};
	json_t *v = jb_value(&b);
	if (!v)
		return NULL;
	jb_ws(&b);
	if (b.p != b.end) {
		json_decref(v);
		return NULL;
	}
	return v;
}

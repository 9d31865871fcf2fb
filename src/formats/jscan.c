/* jscan.c - the strict JSON pull reader of jscan.h (RFC 8259 grammar:
 * literals, numbers, strings with escapes, objects, arrays). */
#include "jscan.h"

#include <stdlib.h>
#include <string.h>

static bool fail(struct jscan *j, const char *what)
{
	if (!j->err) {
		j->err = what;
		j->err_at = (size_t)(j->p - j->base);
	}
	return false;
}

static void ws(struct jscan *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

void jscan_init(struct jscan *j, const char *buf, size_t n)
{
	memset(j, 0, sizeof(*j));
	j->base = j->p = buf;
	j->end = buf + n;
}

enum jscan_type jscan_peek(struct jscan *j)
{
	if (j->err)
		return JSCAN_BAD;
	ws(j);
	if (j->p >= j->end)
		return JSCAN_BAD;
	switch (*j->p) {
	case '{':
		return JSCAN_OBJ;
	case '[':
		return JSCAN_ARR;
	case '"':
		return JSCAN_STR;
	case 'n':
		return JSCAN_NULL;
	case 't':
	case 'f':
		return JSCAN_BOOL;
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return JSCAN_NUM;
		return JSCAN_BAD;
	}
}

static bool hex4(const char *p)
{
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

bool jscan_str(struct jscan *j, const char **s, size_t *n)
{
	if (jscan_peek(j) != JSCAN_STR)
		return fail(j, "expected a string");
	const char *q = ++j->p;
	while (q < j->end && *q != '"') {
		unsigned char c = (unsigned char)*q;
		if (c < 0x20) {
			j->p = q;
			return fail(j, "control character in a string");
		}
		if (c == '\\') {
			if (q + 1 >= j->end)
				break;
			char e = q[1];
			if (e == 'u') {
				if (j->end - q < 6 || !hex4(q + 2)) {
					j->p = q;
					return fail(j, "bad \\u escape");
				}
				q += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", e) || e == '\0') {
				j->p = q;
				return fail(j, "bad escape in a string");
			}
			q += 2;
			continue;
		}
		q++;
	}
	if (q >= j->end) {
		j->p = j->end;
		return fail(j, "unterminated string");
	}
	*s = j->p;
	*n = (size_t)(q - j->p);
	j->p = q + 1;
	return true;
}

bool jscan_num(struct jscan *j, double *v)
{
	if (jscan_peek(j) != JSCAN_NUM)
		return fail(j, "expected a number");
	const char *q = j->p, *e = j->end;
	bool neg = false, integral = true;
	if (*q == '-') {
		neg = true;
		q++;
	}
	if (q >= e || *q < '0' || *q > '9')
		return fail(j, "bad number");
	const char *digits = q;
	if (*q == '0')
		q++;
	else
		while (q < e && *q >= '0' && *q <= '9')
			q++;
	size_t nd = (size_t)(q - digits);
	if (q < e && *q == '.') {
		integral = false;
		q++;
		if (q >= e || *q < '0' || *q > '9')
			return fail(j, "bad number");
		while (q < e && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < e && (*q == 'e' || *q == 'E')) {
		integral = false;
		q++;
		if (q < e && (*q == '+' || *q == '-'))
			q++;
		if (q >= e || *q < '0' || *q > '9')
			return fail(j, "bad number");
		while (q < e && *q >= '0' && *q <= '9')
			q++;
	}
	if (integral && nd <= 15) {
		/* exact in a double: no strtod */
		int64_t x = 0;
		for (size_t i = 0; i < nd; i++)
			x = x * 10 + (digits[i] - '0');
		*v = neg ? -(double)x : (double)x;
	} else {
		char tmp[64];
		size_t len = (size_t)(q - j->p);
		if (len >= sizeof(tmp))
			return fail(j, "number longer than 63 characters");
		memcpy(tmp, j->p, len);
		tmp[len] = '\0';
		*v = strtod(tmp, NULL);
	}
	j->p = q;
	return true;
}

static bool literal(struct jscan *j, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return fail(j, "bad literal");
	j->p += n;
	return true;
}

bool jscan_obj_begin(struct jscan *j)
{
	if (jscan_peek(j) != JSCAN_OBJ)
		return fail(j, "expected an object");
	if (j->depth >= JSCAN_DEPTH_MAX)
		return fail(j, "nested too deeply");
	j->p++;
	j->depth++;
	j->first |= (uint64_t)1 << (j->depth - 1);
	return true;
}

bool jscan_arr_begin(struct jscan *j)
{
	if (jscan_peek(j) != JSCAN_ARR)
		return fail(j, "expected an array");
	if (j->depth >= JSCAN_DEPTH_MAX)
		return fail(j, "nested too deeply");
	j->p++;
	j->depth++;
	j->first |= (uint64_t)1 << (j->depth - 1);
	return true;
}

/* The separator before a member: 1 = a member follows, 0 = close read. */
static int next_member(struct jscan *j, char close)
{
	if (j->err || j->depth <= 0)
		return -1;
	uint64_t bit = (uint64_t)1 << (j->depth - 1);
	ws(j);
	if (j->p >= j->end)
		return fail(j, "unexpected end of input"), -1;
	if (*j->p == close) {
		j->p++;
		j->depth--;
		return 0;
	}
	if (j->first & bit) {
		j->first &= ~bit;
		return 1;
	}
	if (*j->p != ',')
		return fail(j, "expected ',' or a closing bracket"), -1;
	j->p++;
	return 1;
}

int jscan_obj_next(struct jscan *j, const char **key, size_t *klen)
{
	int r = next_member(j, '}');
	if (r != 1)
		return r;
	if (!jscan_str(j, key, klen))
		return -1;
	ws(j);
	if (j->p >= j->end || *j->p != ':')
		return fail(j, "expected ':'"), -1;
	j->p++;
	return 1;
}

int jscan_arr_next(struct jscan *j)
{
	return next_member(j, ']');
}

bool jscan_skip(struct jscan *j)
{
	const char *s;
	size_t n;
	double v;
	int r;
	switch (jscan_peek(j)) {
	case JSCAN_STR:
		return jscan_str(j, &s, &n);
	case JSCAN_NUM:
		return jscan_num(j, &v);
	case JSCAN_NULL:
		return literal(j, "null");
	case JSCAN_BOOL:
		return literal(j, *j->p == 't' ? "true" : "false");
	case JSCAN_OBJ:
		if (!jscan_obj_begin(j))
			return false;
		while ((r = jscan_obj_next(j, &s, &n)) == 1)
			if (!jscan_skip(j))
				return false;
		return r == 0;
	case JSCAN_ARR:
		if (!jscan_arr_begin(j))
			return false;
		while ((r = jscan_arr_next(j)) == 1)
			if (!jscan_skip(j))
				return false;
		return r == 0;
	default:
		return fail(j, j->p >= j->end ? "unexpected end of input"
					      : "unexpected character");
	}
}

bool jscan_done(struct jscan *j)
{
	if (j->err)
		return false;
	ws(j);
	if (j->p != j->end)
		return fail(j, "trailing characters");
	return true;
}

bool jscan_key_is(const char *key, size_t klen, const char *lit)
{
	size_t n = strlen(lit);
	return klen == n && memcmp(key, lit, n) == 0;
}

/* json.c - a small JSON writer for the API: objects, arrays, escaped
 * strings, and numbers formatted by hand (integer arithmetic, no
 * printf) because a lap's channels are hundreds of thousands of them.
 * Errors stick: the first failing append leaves st set. */
#include "api_int.h"

#include <math.h>
#include <stdio.h>

void srv__json_init(struct srv_json *j, size_t max)
{
	memset(j, 0, sizeof(*j));
	tb_buf_init(&j->b, max);
	j->st = TB_OK;
	j->first[0] = true;
}

void srv__json_release(struct srv_json *j)
{
	tb_buf_release(&j->b);
}

static void put(struct srv_json *j, const void *p, size_t n)
{
	if (j->st == TB_OK)
		j->st = tb_buf_append(&j->b, p, n);
}

static void putc1(struct srv_json *j, char c)
{
	if (j->st != TB_OK)
		return;
	if (j->b.len < j->b.cap) {
		j->b.data[j->b.len++] = (uint8_t)c;
		return;
	}
	j->st = tb_buf_append(&j->b, &c, 1);
}

/* Before a value: a comma unless it is the first at this depth or it
 * follows its key. */
static void sep(struct srv_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		putc1(j, ',');
	j->first[j->depth] = false;
}

static void begin(struct srv_json *j, char c)
{
	sep(j);
	putc1(j, c);
	if (j->depth + 1 >= SRV_JSON_DEPTH) {
		if (j->st == TB_OK)
			j->st = TB_ERR_LIMIT;
		return;
	}
	j->first[++j->depth] = true;
}

static void end(struct srv_json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	putc1(j, c);
}

void srv__json_obj(struct srv_json *j)
{
	begin(j, '{');
}

void srv__json_obj_end(struct srv_json *j)
{
	end(j, '}');
}

void srv__json_arr(struct srv_json *j)
{
	begin(j, '[');
}

void srv__json_arr_end(struct srv_json *j)
{
	end(j, ']');
}

static void put_escaped(struct srv_json *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	putc1(j, '"');
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(j, run, (size_t)(s - run));
		run = s + 1;
		char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		if (c == '"' || c == '\\') {
			e[1] = (char)c;
			put(j, e, 2);
		} else if (c == '\n') {
			put(j, "\\n", 2);
		} else if (c == '\t') {
			put(j, "\\t", 2);
		} else {
			put(j, e, sizeof(e));
		}
	}
	put(j, run, (size_t)(s - run));
	putc1(j, '"');
}

void srv__json_key(struct srv_json *j, const char *k)
{
	sep(j);
	put_escaped(j, k);
	putc1(j, ':');
	j->after_key = true;
}

void srv__json_str(struct srv_json *j, const char *s)
{
	if (!s) {
		srv__json_null(j);
		return;
	}
	sep(j);
	put_escaped(j, s);
}

/* Decimal digits of v, most significant first, into out; returns the
 * count (at least one). */
static size_t u64_digits(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

void srv__json_int(struct srv_json *j, int64_t v)
{
	char buf[24];
	size_t n = 0;
	uint64_t u = (uint64_t)v;
	if (v < 0) {
		buf[n++] = '-';
		u = 0 - u;
	}
	n += u64_digits(buf + n, u);
	sep(j);
	put(j, buf, n);
}

void srv__json_bool(struct srv_json *j, bool v)
{
	sep(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void srv__json_null(struct srv_json *j)
{
	sep(j);
	put(j, "null", 4);
}

static const double pow10_tab[10] = {1e0, 1e1, 1e2, 1e3, 1e4,
				     1e5, 1e6, 1e7, 1e8, 1e9};

/* Nine significant digits for 1 <= |v| < 1e9, nine decimals below 1
 * (down to 1e-5), trailing zeros trimmed; anything else through
 * snprintf("%.9g"). Exact integers print as integers. */
size_t srv__json_fmt_num(char *out, double v)
{
	double a = fabs(v);
	size_t n = 0;
	if (a < 1e15 && a == floor(a)) {
		if (v < 0)
			out[n++] = '-';
		return n + u64_digits(out + n, (uint64_t)a);
	}
	if (a >= 1e9 || a < 1e-5) {
		int k = snprintf(out, 32, "%.9g", v);
		return k > 0 ? (size_t)k : 0;
	}
	uint64_t ip = (uint64_t)a;
	int dec = 9;
	for (uint64_t p = ip; p; p /= 10)
		dec--;
	uint64_t scaled = (uint64_t)llround(a * pow10_tab[dec]);
	if (scaled == 0) {
		out[0] = '0';
		return 1;
	}
	while (dec > 0 && scaled % 10 == 0) {
		scaled /= 10;
		dec--;
	}
	if (v < 0)
		out[n++] = '-';
	char d[24];
	size_t nd = u64_digits(d, scaled);
	if (dec == 0) {
		memcpy(out + n, d, nd);
		return n + nd;
	}
	if (nd <= (size_t)dec) {
		out[n++] = '0';
		out[n++] = '.';
		for (size_t z = nd; z < (size_t)dec; z++)
			out[n++] = '0';
		memcpy(out + n, d, nd);
		return n + nd;
	}
	size_t whole = nd - (size_t)dec;
	memcpy(out + n, d, whole);
	n += whole;
	out[n++] = '.';
	memcpy(out + n, d + whole, (size_t)dec);
	return n + (size_t)dec;
}

void srv__json_num(struct srv_json *j, double v)
{
	if (!isfinite(v)) {
		srv__json_null(j);
		return;
	}
	char buf[40];
	size_t n = srv__json_fmt_num(buf, v);
	sep(j);
	put(j, buf, n);
}

void srv__json_nums(struct srv_json *j, const double *v, size_t n)
{
	srv__json_arr(j);
	/* Reserve for the worst case up front (about 24 bytes a number)
	 * so the loop writes straight into the buffer. */
	if (j->st == TB_OK)
		j->st = tb_buf_reserve(&j->b, n * 25 + 2);
	if (j->st != TB_OK)
		return;
	uint8_t *p = j->b.data + j->b.len;
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		if (isfinite(v[i])) {
			p += srv__json_fmt_num((char *)p, v[i]);
		} else {
			memcpy(p, "null", 4);
			p += 4;
		}
	}
	j->b.len = (size_t)(p - j->b.data);
	if (n)
		j->first[j->depth] = false;
	srv__json_arr_end(j);
}

void srv__json_kstr(struct srv_json *j, const char *k, const char *s)
{
	srv__json_key(j, k);
	srv__json_str(j, s);
}

void srv__json_kint(struct srv_json *j, const char *k, int64_t v)
{
	srv__json_key(j, k);
	srv__json_int(j, v);
}

void srv__json_knum(struct srv_json *j, const char *k, double v)
{
	srv__json_key(j, k);
	srv__json_num(j, v);
}

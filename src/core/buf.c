/* buf.c - capped growable byte buffer and LEB128 varints. */
#include "core.h"

#include <stdarg.h>
#include <stdio.h>

void tb_buf_init(struct tb_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void tb_buf_release(struct tb_buf *b)
{
	tb_free(b->data);
	tb_buf_init(b, b->max);
}

enum tb_status tb_buf_reserve(struct tb_buf *b, size_t extra)
{
	if (extra > b->max || b->len > b->max - extra)
		return TB_ERR_LIMIT;
	size_t need = b->len + extra;
	if (need <= b->cap)
		return TB_OK;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap = (ncap > SIZE_MAX / 2) ? need : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	uint8_t *p = tb_realloc(b->data, ncap);
	if (!p)
		return TB_ERR_NOMEM;
	b->data = p;
	b->cap = ncap;
	return TB_OK;
}

enum tb_status tb_buf_append(struct tb_buf *b, const void *p, size_t n)
{
	enum tb_status st = tb_buf_reserve(b, n);
	if (st != TB_OK)
		return st;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return TB_OK;
}

enum tb_status tb_buf_append_u8(struct tb_buf *b, uint8_t v)
{
	return tb_buf_append(b, &v, 1);
}

enum tb_status tb_buf_append_u32le(struct tb_buf *b, uint32_t v)
{
	uint8_t t[4];
	tb_st_u32le(t, v);
	return tb_buf_append(b, t, 4);
}

enum tb_status tb_buf_append_varint(struct tb_buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	do {
		uint8_t byte = v & 0x7f;
		v >>= 7;
		t[n++] = byte | (v ? 0x80 : 0);
	} while (v);
	return tb_buf_append(b, t, n);
}

enum tb_status tb_buf_printf(struct tb_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return TB_ERR_ARG;
	enum tb_status st = tb_buf_reserve(b, (size_t)n + 1);
	if (st != TB_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return TB_OK;
}

uint64_t tb_rd_varint(struct tb_cur *c)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t byte = tb_rd_u8(c);
		if (c->bad)
			return 0;
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

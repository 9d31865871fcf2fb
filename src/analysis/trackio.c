/* trackio.c - a track model as bytes, for storing and reusing it: a
 * versioned little-endian layout with its length checked against the
 * point count and a checksum over everything, decoded over a bounded
 * cursor so that any damaged or truncated input is refused, never
 * half-read. */
#include <math.h>

#include "analysis.h"

/* Layout, format 1 (all little-endian):
 *   0   4  magic "TBTM"
 *   4   4  u32 format (ANA_TRACK_FORMAT)
 *   8   4  u32 n points (TRACKIO_MIN_POINTS..TRACKIO_MAX_POINTS)
 *  12   4  u32 reserved, 0
 *  16   8  f64 step_m  (> 0; = length_m / n)
 *  24   8  f64 length_m
 *  32 24n  per point: f64 x, f64 y, f64 curv (finite)
 *  32+24n 4  u32 FNV-1a of bytes 0 .. 32+24n */
#define TRACKIO_HEAD 32u
#define TRACKIO_POINT 24u
#define TRACKIO_TAIL 4u
#define TRACKIO_MIN_POINTS 16u	  /* as ana_track_build makes them */
#define TRACKIO_MAX_POINTS (1u << 20)

static const uint8_t trackio_magic[4] = {'T', 'B', 'T', 'M'};

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static bool track_sane(const struct ana_track *t)
{
	if (t->n < TRACKIO_MIN_POINTS || t->n > TRACKIO_MAX_POINTS ||
	    !t->x || !t->y || !t->curv)
		return false;
	if (!(t->step_m > 0) || !isfinite(t->step_m) ||
	    !isfinite(t->length_m) ||
	    fabs(t->length_m - t->step_m * (double)t->n) >
		1e-6 * t->length_m)
		return false;
	for (size_t i = 0; i < t->n; i++)
		if (!isfinite(t->x[i]) || !isfinite(t->y[i]) ||
		    !isfinite(t->curv[i]))
			return false;
	return true;
}

enum tb_status ana_track_encode(const struct ana_track *t, struct tb_buf *out,
				struct tb_error *err)
{
	if (!t || !out)
		return tb_fail(err, TB_ERR_ARG, "track encode: no model/out");
	if (!track_sane(t))
		return tb_fail(err, TB_ERR_ARG,
			       "track encode: model of %zu points, step %g m, "
			       "length %g m is not a built model",
			       t->n, t->step_m, t->length_m);
	size_t len = TRACKIO_HEAD + TRACKIO_POINT * t->n + TRACKIO_TAIL;
	size_t at = out->len;
	enum tb_status st = tb_buf_reserve(out, len);
	if (st != TB_OK)
		return tb_fail(err, st, "track encode: %zu bytes: %s", len,
			       tb_strerror(st));
	uint8_t *p = out->data + at;
	memcpy(p, trackio_magic, 4);
	tb_st_u32le(p + 4, ANA_TRACK_FORMAT);
	tb_st_u32le(p + 8, (uint32_t)t->n);
	tb_st_u32le(p + 12, 0);
	tb_st_f64le(p + 16, t->step_m);
	tb_st_f64le(p + 24, t->length_m);
	for (size_t i = 0; i < t->n; i++) {
		uint8_t *q = p + TRACKIO_HEAD + TRACKIO_POINT * i;
		tb_st_f64le(q, t->x[i]);
		tb_st_f64le(q + 8, t->y[i]);
		tb_st_f64le(q + 16, t->curv[i]);
	}
	size_t body = len - TRACKIO_TAIL;
	tb_st_u32le(p + body, fnv1a(p, body));
	out->len = at + len;
	return TB_OK;
}

/* Header checks: magic, format, point count against the length. */
static enum tb_status check_head(const uint8_t *p, size_t len, size_t *n,
				 struct tb_error *err)
{
	if (len < TRACKIO_HEAD + TRACKIO_TAIL)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "track model: %zu bytes, shorter than its "
			       "header (%u)",
			       len, TRACKIO_HEAD + TRACKIO_TAIL);
	struct tb_cur c;
	tb_cur_init(&c, p, len);
	uint8_t magic[4];
	tb_rd_bytes(&c, magic, 4);
	uint32_t fmt = tb_rd_u32le(&c), cnt = tb_rd_u32le(&c);
	uint32_t res = tb_rd_u32le(&c);
	if (memcmp(magic, trackio_magic, 4) != 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "track model: bad magic (not a track model)");
	if (fmt != ANA_TRACK_FORMAT)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "track model: format %u, this build reads %u",
			       (unsigned)fmt, (unsigned)ANA_TRACK_FORMAT);
	if (cnt < TRACKIO_MIN_POINTS || cnt > TRACKIO_MAX_POINTS || res != 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "track model: %u points (needs %u..%u), "
			       "reserved %u",
			       (unsigned)cnt, TRACKIO_MIN_POINTS,
			       TRACKIO_MAX_POINTS, (unsigned)res);
	size_t want = TRACKIO_HEAD + TRACKIO_POINT * (size_t)cnt + TRACKIO_TAIL;
	if (len != want)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "track model: %zu bytes, %u points need %zu",
			       len, (unsigned)cnt, want);
	uint32_t sum = fnv1a(p, len - TRACKIO_TAIL);
	tb_cur_seek(&c, len - TRACKIO_TAIL);
	uint32_t stored = tb_rd_u32le(&c);
	if (!tb_cur_ok(&c) || sum != stored)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "track model: checksum %08x, stored %08x",
			       (unsigned)sum, (unsigned)stored);
	*n = cnt;
	return TB_OK;
}

enum tb_status ana_track_decode(const void *buf, size_t len,
				struct ana_track *out, struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "track decode: no output");
	memset(out, 0, sizeof(*out));
	if (!buf)
		return tb_fail(err, TB_ERR_ARG, "track decode: no input");
	const uint8_t *p = buf;
	size_t n = 0;
	enum tb_status st = check_head(p, len, &n, err);
	if (st != TB_OK)
		return st;
	out->x = tb_malloc(n * sizeof(double));
	out->y = tb_malloc(n * sizeof(double));
	out->curv = tb_malloc(n * sizeof(double));
	if (!out->x || !out->y || !out->curv) {
		ana_track_release(out);
		return tb_fail(err, TB_ERR_NOMEM,
			       "track decode: out of memory (%zu points)", n);
	}
	struct tb_cur c;
	tb_cur_init(&c, p, len);
	tb_cur_seek(&c, 16);
	out->n = n;
	out->step_m = tb_rd_f64le(&c);
	out->length_m = tb_rd_f64le(&c);
	for (size_t i = 0; i < n; i++) {
		out->x[i] = tb_rd_f64le(&c);
		out->y[i] = tb_rd_f64le(&c);
		out->curv[i] = tb_rd_f64le(&c);
	}
	if (!tb_cur_ok(&c) || !track_sane(out)) {
		ana_track_release(out);
		return tb_fail(err, TB_ERR_CORRUPT,
			       "track model: step, length or a point out of "
			       "range (non-finite, or length != n * step)");
	}
	return TB_OK;
}

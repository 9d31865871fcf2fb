/* lapblob.c - the lap blob codec (layout in lapblob.h). The encoder
 * tries, per channel, integer then float32 then float64 forms, keeps
 * the first one every value reproduces bit-for-bit through, and codes
 * it as zigzag deltas; zstd does the rest. The decoder checks every
 * length and count before it trusts it. */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createCCtx_advanced: tb_malloc */
#include "lapblob.h"

#include <float.h>
#include <math.h>
#include <zstd.h>
#include <zstd_errors.h>

/* The encoder proves exactness by recomputing values with the same
 * double operations the decoder uses; that needs plain IEEE doubles. */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "lapblob needs FLT_EVAL_METHOD == 0 (SSE2 / IEEE double math)"
#endif

static const uint8_t magic[4] = {'T', 'B', 'L', 'B'};

#define ENC_METHOD_MASK 0x03u
#define ENC_DENSE	0x04u
#define ENC_ORDER2	0x08u
#define ENC_RESERVED	0xf0u
#define MASK_UNIFORM	0
#define MASK_RUNS	1
#define ZSTD_LEVEL	3
#define INT_LIMIT	9007199254740992.0 /* 2^53: k and (double)k agree */

/* ------------------------------------------------------------------ */
/* Small helpers: bits, zigzag, the scale table, zstd through tb_malloc. */

static uint64_t dbits(double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	return u;
}

static double bitsd(uint64_t u)
{
	double v;
	memcpy(&v, &u, sizeof(v));
	return v;
}

static uint32_t fbits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof(u));
	return u;
}

static float bitsf(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Order-preserving, bijective map of IEEE bit patterns to unsigned
 * integers, so a smooth signal crossing zero still has small deltas. */
static uint64_t ord64(uint64_t u)
{
	return (u >> 63) ? ~u : u ^ ((uint64_t)1 << 63);
}

static uint64_t unord64(uint64_t o)
{
	return (o >> 63) ? o ^ ((uint64_t)1 << 63) : ~o;
}

static uint32_t ord32(uint32_t u)
{
	return (u >> 31) ? ~u : u ^ 0x80000000u;
}

static uint32_t unord32(uint32_t o)
{
	return (o >> 31) ? o ^ 0x80000000u : ~o;
}

/* Zigzag of a residual taken modulo 2^width (width 32 or 64). */
static uint64_t zigzag(uint64_t r, unsigned width)
{
	if (width == 32) {
		uint32_t r32 = (uint32_t)r;
		return (uint32_t)((r32 << 1) ^ (0u - (r32 >> 31)));
	}
	return (r << 1) ^ (0 - (r >> 63));
}

static uint64_t unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

static uint64_t wmask(unsigned width)
{
	return width == 32 ? 0xffffffffu : UINT64_MAX;
}

/* Prediction of word i from the words before it, for delta order 1/2. */
static uint64_t predict(const uint64_t *w, size_t i, unsigned order)
{
	if (i == 0)
		return 0;
	if (order == 1 || i == 1)
		return w[i - 1];
	return 2 * w[i - 1] - w[i - 2];
}

/* Value from the stored quantity x under scale sc: the one expression
 * both the encoder (to verify) and the decoder evaluate. */
static double scale_apply(unsigned sc, double x)
{
	switch (sc) {
	case LAPBLOB_SC_DIV_3_6:
		return x / 3.6;
	case LAPBLOB_SC_DIV_10:
		return x / 10.0;
	case LAPBLOB_SC_DIV_100:
		return x / 100.0;
	case LAPBLOB_SC_DIV_1000:
		return x / 1000.0;
	case LAPBLOB_SC_DIV_1E4:
		return x / 1e4;
	case LAPBLOB_SC_DIV_1E5:
		return x / 1e5;
	case LAPBLOB_SC_DIV_1E6:
		return x / 1e6;
	case LAPBLOB_SC_MUL_KPA_PSI:
		return x * TB_KPA_PER_PSI;
	case LAPBLOB_SC_MUL_0_1:
		return x * 0.1;
	case LAPBLOB_SC_MUL_0_01:
		return x * 0.01;
	case LAPBLOB_SC_MUL_0_001:
		return x * 0.001;
	case LAPBLOB_SC_MUL_INV_3_6:
		return x * (1.0 / 3.6);
	case LAPBLOB_SC_MUL_DEG_RAD:
		return x * (3.14159265358979323846 / 180.0);
	case LAPBLOB_SC_DIV_60:
		return x / 60.0;
	default:
		return x;
	}
}

/* A guess of the stored quantity behind v (verified by the caller). */
static double scale_guess(unsigned sc, double v)
{
	switch (sc) {
	case LAPBLOB_SC_DIV_3_6:
		return v * 3.6;
	case LAPBLOB_SC_DIV_10:
		return v * 10.0;
	case LAPBLOB_SC_DIV_100:
		return v * 100.0;
	case LAPBLOB_SC_DIV_1000:
		return v * 1000.0;
	case LAPBLOB_SC_DIV_1E4:
		return v * 1e4;
	case LAPBLOB_SC_DIV_1E5:
		return v * 1e5;
	case LAPBLOB_SC_DIV_1E6:
		return v * 1e6;
	case LAPBLOB_SC_MUL_KPA_PSI:
		return v / TB_KPA_PER_PSI;
	case LAPBLOB_SC_MUL_0_1:
		return v * 10.0;
	case LAPBLOB_SC_MUL_0_01:
		return v * 100.0;
	case LAPBLOB_SC_MUL_0_001:
		return v * 1000.0;
	case LAPBLOB_SC_MUL_INV_3_6:
		return v * 3.6;
	case LAPBLOB_SC_MUL_DEG_RAD:
		return v * (180.0 / 3.14159265358979323846);
	case LAPBLOB_SC_DIV_60:
		return v * 60.0;
	default:
		return v;
	}
}

static void *zalloc(void *opaque, size_t size)
{
	(void)opaque;
	return tb_malloc(size);
}

static void zfree(void *opaque, void *p)
{
	(void)opaque;
	tb_free(p);
}

static const ZSTD_customMem zmem = {zalloc, zfree, NULL};

/* CRC-32 (IEEE 802.3, reflected) of p[0..len), header CRC field read as
 * zeros. A 1 KiB table per call costs less than a microsecond. */
static uint32_t blob_crc(const uint8_t *p, size_t len)
{
	uint32_t table[256];
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (i >= 24 && i < 28) ? 0 : p[i];
		crc = table[(crc ^ b) & 0xff] ^ (crc >> 8);
	}
	return crc ^ 0xffffffffu;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_varint(uint8_t *p, size_t *pos, uint64_t v)
{
	while (v >= 0x80) {
		p[(*pos)++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[(*pos)++] = (uint8_t)v;
}

/* Strict LEB128: at most 10 bytes and no bits past 64. */
static uint64_t rd_varint(struct tb_cur *c)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t byte = tb_rd_u8(c);
		if (c->bad)
			return 0;
		if (shift == 63 && (byte & 0x7e)) {
			c->bad = true;
			return 0;
		}
		v |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

static enum tb_status nomem_or(enum tb_status st, struct tb_error *err,
			       const char *what)
{
	if (st == TB_ERR_LIMIT)
		return tb_fail(err, st, "lap blob: %s exceeds %u bytes", what,
			       TB_BLOB_MAX_BYTES);
	return tb_fail(err, st, "lap blob: %s: %s", what, tb_strerror(st));
}

/* ------------------------------------------------------------------ */
/* Encoder. */

/* Scratch shared by the channels of one encode, n entries each. */
struct enc {
	const struct tb_lap *lap;
	struct tb_buf *body;
	double *vals;
	uint64_t *words;
};

/* Stored quantities for channel values under (method, sc), into w;
 * false if some value does not come back bit-for-bit. */
static bool try_int(const double *v, size_t m, unsigned sc, uint64_t *w)
{
	for (size_t i = 0; i < m; i++) {
		double x = scale_guess(sc, v[i]);
		if (!(fabs(x) <= INT_LIMIT))
			return false;
		/* Check through the decoder's own expression: that is
		 * what turns -0.0 away (k = 0 comes back as +0.0). */
		int64_t k = (int64_t)nearbyint(x);
		if (dbits(scale_apply(sc, (double)k)) != dbits(v[i]))
			return false;
		w[i] = (uint64_t)k;
	}
	return true;
}

static bool try_f32(const double *v, size_t m, unsigned sc, uint64_t *w)
{
	for (size_t i = 0; i < m; i++) {
		double x = scale_guess(sc, v[i]);
		/* Demotion of an out-of-range double is undefined in C. */
		if (isfinite(x) && fabs(x) > FLT_MAX)
			return false;
		float f = (float)x;
		if (dbits(scale_apply(sc, (double)f)) != dbits(v[i]))
			return false;
		w[i] = ord32(fbits(f));
	}
	return true;
}

static void to_f64(const double *v, size_t m, uint64_t *w)
{
	for (size_t i = 0; i < m; i++)
		w[i] = ord64(dbits(v[i]));
}

/* Rough coded size of the residuals of a delta order, in bits. */
static uint64_t order_cost(const uint64_t *w, size_t m, unsigned order,
			   unsigned width)
{
	uint64_t bits = 0;
	for (size_t i = 0; i < m; i++) {
		uint64_t z = zigzag(w[i] - predict(w, i, order), width);
		bits += z ? 64u - (unsigned)__builtin_clzll(z) : 0u;
	}
	return bits;
}

static enum tb_status emit_int(struct tb_buf *b, const uint64_t *w, size_t m,
			       unsigned order)
{
	size_t plen = 0;
	for (size_t i = 0; i < m; i++)
		plen += varint_len(zigzag(w[i] - predict(w, i, order), 64));
	enum tb_status st = tb_buf_append_varint(b, plen);
	if (st == TB_OK)
		st = tb_buf_reserve(b, plen);
	if (st != TB_OK)
		return st;
	for (size_t i = 0; i < m; i++)
		put_varint(b->data, &b->len,
			   zigzag(w[i] - predict(w, i, order), 64));
	return TB_OK;
}

/* Fixed-width residuals split into byte planes: plane j holds byte j of
 * every residual, so the mostly-zero high bytes sit together. */
static enum tb_status emit_planes(struct tb_buf *b, const uint64_t *w, size_t m,
				  unsigned order, unsigned width)
{
	size_t nb = width / 8;
	size_t plen = m * nb;
	enum tb_status st = tb_buf_append_varint(b, plen);
	if (st == TB_OK)
		st = tb_buf_reserve(b, plen);
	if (st != TB_OK)
		return st;
	uint8_t *p = b->data + b->len;
	for (size_t i = 0; i < m; i++) {
		uint64_t z = zigzag(w[i] - predict(w, i, order), width);
		for (size_t j = 0; j < nb; j++)
			p[j * m + i] = (uint8_t)(z >> (8 * j));
	}
	b->len += plen;
	return TB_OK;
}

/* Gather channel ch's coded values into e->vals; *dense is false when
 * only present samples are needed (every absent value is +0.0). */
static size_t gather(struct enc *e, int ch, bool *dense)
{
	const struct tb_lap *lap = e->lap;
	const double *col = lap->col[ch];
	tb_chmask bit = TB_CHBIT(ch);
	*dense = false;
	for (size_t i = 0; i < lap->n; i++) {
		if (!(lap->mask[i] & bit) && dbits(col[i]) != 0) {
			*dense = true;
			break;
		}
	}
	if (*dense) {
		memcpy(e->vals, col, lap->n * sizeof(double));
		return lap->n;
	}
	size_t m = 0;
	for (size_t i = 0; i < lap->n; i++) {
		if (lap->mask[i] & bit)
			e->vals[m++] = col[i];
	}
	return m;
}

/* Choose method and scale for m values, leaving the words in e->words. */
static void choose(struct enc *e, size_t m, unsigned *method, unsigned *sc)
{
	for (unsigned s = 0; s < LAPBLOB_SC__COUNT; s++) {
		if (try_int(e->vals, m, s, e->words)) {
			*method = LAPBLOB_INT;
			*sc = s;
			return;
		}
	}
	for (unsigned s = 0; s < LAPBLOB_SC__COUNT; s++) {
		if (try_f32(e->vals, m, s, e->words)) {
			*method = LAPBLOB_F32;
			*sc = s;
			return;
		}
	}
	to_f64(e->vals, m, e->words);
	*method = LAPBLOB_F64;
	*sc = LAPBLOB_SC_NONE;
}

static enum tb_status encode_channel(struct enc *e, int ch,
				     struct lapblob_stats *stats)
{
	bool dense;
	size_t m = gather(e, ch, &dense);
	unsigned method, sc;
	choose(e, m, &method, &sc);
	unsigned width = method == LAPBLOB_F32 ? 32 : 64;
	unsigned order = order_cost(e->words, m, 2, width) <
				 order_cost(e->words, m, 1, width)
			     ? 2
			     : 1;
	uint8_t hdr[3] = {(uint8_t)ch,
			  (uint8_t)(method | (dense ? ENC_DENSE : 0) |
				    (order == 2 ? ENC_ORDER2 : 0)),
			  (uint8_t)sc};
	enum tb_status st = tb_buf_append(e->body, hdr, sizeof(hdr));
	if (st != TB_OK)
		return st;
	if (stats) {
		stats->method[ch] = (uint8_t)method;
		stats->scale[ch] = (uint8_t)sc;
		stats->dense[ch] = dense;
		stats->order[ch] = (uint8_t)order;
	}
	if (method == LAPBLOB_INT)
		return emit_int(e->body, e->words, m, order);
	return emit_planes(e->body, e->words, m, order, width);
}

static enum tb_status encode_masks(struct enc *e)
{
	const struct tb_lap *lap = e->lap;
	struct tb_buf *b = e->body;
	size_t n_runs = 0;
	for (size_t i = 0; i < lap->n; i++) {
		if (i == 0 || lap->mask[i] != lap->mask[i - 1])
			n_runs++;
	}
	enum tb_status st;
	if (n_runs <= 1) {
		st = tb_buf_append_u8(b, MASK_UNIFORM);
		if (st == TB_OK)
			st = tb_buf_append_varint(b, lap->n ? lap->mask[0] : 0);
		return st;
	}
	st = tb_buf_append_u8(b, MASK_RUNS);
	if (st == TB_OK)
		st = tb_buf_append_varint(b, n_runs);
	for (size_t i = 0; i < lap->n && st == TB_OK;) {
		size_t j = i + 1;
		while (j < lap->n && lap->mask[j] == lap->mask[i])
			j++;
		st = tb_buf_append_varint(b, lap->mask[i]);
		if (st == TB_OK)
			st = tb_buf_append_varint(b, j - i);
		i = j;
	}
	return st;
}

static enum tb_status check_lap(const struct tb_lap *lap, struct tb_error *err)
{
	if (lap->n > TB_LAP_MAX_SAMPLES)
		return tb_fail(err, TB_ERR_LIMIT,
			       "lap blob: %zu samples, at most %u", lap->n,
			       TB_LAP_MAX_SAMPLES);
	if (TB_CH__COUNT < 64 && (lap->chans >> TB_CH__COUNT))
		return tb_fail(err, TB_ERR_ARG,
			       "lap blob: channel set 0x%llx has unknown "
			       "channels",
			       (unsigned long long)lap->chans);
	if (lap->n && !lap->mask)
		return tb_fail(err, TB_ERR_ARG, "lap blob: lap has no masks");
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if ((lap->chans & TB_CHBIT(ch)) && lap->n && !lap->col[ch])
			return tb_fail(err, TB_ERR_ARG,
				       "lap blob: channel %s has no column",
				       tb_channel_name((enum tb_channel)ch));
	}
	for (size_t i = 0; i < lap->n; i++) {
		tb_chmask m = lap->mask[i];
		if (m & ~lap->chans)
			return tb_fail(err, TB_ERR_ARG,
				       "lap blob: sample %zu mask 0x%llx "
				       "outside channel set 0x%llx",
				       i, (unsigned long long)m,
				       (unsigned long long)lap->chans);
	}
	return TB_OK;
}

static enum tb_status compress_body(const struct tb_buf *body,
				    struct tb_buf *out, struct tb_error *err)
{
	size_t bound = ZSTD_compressBound(body->len);
	enum tb_status st = tb_buf_reserve(out, LAPBLOB_HEADER_BYTES + bound);
	if (st != TB_OK)
		return nomem_or(st, err, "compressed blob");
	ZSTD_CCtx *cc = ZSTD_createCCtx_advanced(zmem);
	if (!cc)
		return tb_fail(err, TB_ERR_NOMEM, "lap blob: zstd context");
	size_t r =
	    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	if (!ZSTD_isError(r))
		r = ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	if (!ZSTD_isError(r))
		r = ZSTD_compress2(cc, out->data + LAPBLOB_HEADER_BYTES, bound,
				   body->data, body->len);
	ZSTD_freeCCtx(cc);
	if (ZSTD_isError(r)) {
		st = ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation
			 ? TB_ERR_NOMEM
			 : TB_ERR_INTERNAL;
		return tb_fail(err, st, "lap blob: zstd: %s",
			       ZSTD_getErrorName(r));
	}
	out->len = LAPBLOB_HEADER_BYTES + r;
	return TB_OK;
}

static void write_header(const struct tb_lap *lap, size_t body_len, uint8_t *p)
{
	memcpy(p, magic, 4);
	p[4] = LAPBLOB_VERSION;
	p[5] = 0;
	tb_st_u16le(p + 6, 0);
	tb_st_u32le(p + 8, (uint32_t)lap->n);
	tb_st_u64le(p + 12, lap->chans);
	tb_st_u32le(p + 20, (uint32_t)body_len);
	tb_st_u32le(p + 24, 0);
}

enum tb_status lapblob_encode(const struct tb_lap *lap, struct tb_buf *out,
			      struct lapblob_stats *stats, struct tb_error *err)
{
	struct enc e = {.lap = lap};
	struct tb_buf body;
	tb_buf_init(&body, TB_BLOB_MAX_BYTES);
	e.body = &body;
	out->len = 0;
	if (out->max < TB_BLOB_MAX_BYTES)
		out->max = TB_BLOB_MAX_BYTES;
	if (stats)
		memset(stats, 0, sizeof(*stats));

	enum tb_status st = check_lap(lap, err);
	if (st != TB_OK)
		goto cleanup;
	size_t cap = lap->n ? lap->n : 1;
	e.vals = tb_malloc(cap * sizeof(*e.vals));
	e.words = tb_malloc(cap * sizeof(*e.words));
	if (!e.vals || !e.words) {
		st = tb_fail(err, TB_ERR_NOMEM,
			     "lap blob: scratch for %zu "
			     "samples",
			     lap->n);
		goto cleanup;
	}
	st = tb_buf_append_varint(&body, lap->n);
	if (st == TB_OK)
		st = tb_buf_append_varint(&body, lap->chans);
	if (st == TB_OK)
		st = encode_masks(&e);
	for (int ch = 0; ch < TB_CH__COUNT && st == TB_OK; ch++) {
		if (lap->chans & TB_CHBIT(ch))
			st = encode_channel(&e, ch, stats);
	}
	if (st != TB_OK) {
		st = nomem_or(st, err, "body");
		goto cleanup;
	}
	if (body.len > UINT32_MAX) {
		st = tb_fail(err, TB_ERR_LIMIT, "lap blob: body %zu bytes",
			     body.len);
		goto cleanup;
	}
	st = compress_body(&body, out, err);
	if (st != TB_OK)
		goto cleanup;
	write_header(lap, body.len, out->data);
	tb_st_u32le(out->data + 24, blob_crc(out->data, out->len));
	if (stats) {
		stats->body_bytes = body.len;
		stats->blob_bytes = out->len;
	}
cleanup:
	if (st != TB_OK)
		out->len = 0;
	tb_free(e.words);
	tb_free(e.vals);
	tb_buf_release(&body);
	return st;
}

/* ------------------------------------------------------------------ */
/* Decoder. */

struct hdr {
	size_t n;
	tb_chmask chans;
	size_t body_len;
};

static enum tb_status parse_header(const uint8_t *p, size_t len, struct hdr *h,
				   struct tb_error *err)
{
	if (len < LAPBLOB_HEADER_BYTES)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: %zu bytes, header needs %d", len,
			       LAPBLOB_HEADER_BYTES);
	if (memcmp(p, magic, 4) != 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: bad magic %02x %02x %02x %02x", p[0],
			       p[1], p[2], p[3]);
	if (p[4] != LAPBLOB_VERSION)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: codec version %u, this build reads "
			       "%d",
			       p[4], LAPBLOB_VERSION);
	if (p[5] != 0 || tb_ld_u16le(p + 6) != 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: reserved header bytes not zero");
	uint32_t crc = blob_crc(p, len);
	if (crc != tb_ld_u32le(p + 24))
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: CRC 0x%08x, header says 0x%08x "
			       "(%zu bytes)",
			       crc, tb_ld_u32le(p + 24), len);
	h->n = tb_ld_u32le(p + 8);
	h->chans = tb_ld_u64le(p + 12);
	h->body_len = tb_ld_u32le(p + 20);
	if (h->n > TB_LAP_MAX_SAMPLES)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: %zu samples, at most %u", h->n,
			       TB_LAP_MAX_SAMPLES);
	if (TB_CH__COUNT < 64 && (h->chans >> TB_CH__COUNT))
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: channel set 0x%llx has unknown "
			       "channels",
			       (unsigned long long)h->chans);
	/* Largest body the encoder can write for n and chans: refuse
	 * anything bigger before allocating for it. */
	uint64_t nch = (uint64_t)__builtin_popcountll(h->chans);
	uint64_t most = 32 + (uint64_t)h->n * 20 + nch * (16 + h->n * 10);
	if (h->body_len > TB_BLOB_MAX_BYTES || h->body_len > most)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: body %zu bytes for %zu samples of "
			       "%u channels",
			       h->body_len, h->n, (unsigned)nch);
	return TB_OK;
}

enum tb_status lapblob_peek(const void *blob, size_t len, size_t *n,
			    tb_chmask *chans, struct tb_error *err)
{
	struct hdr h = {0};
	enum tb_status st = parse_header(blob, len, &h, err);
	if (st != TB_OK)
		return st;
	*n = h.n;
	*chans = h.chans;
	return TB_OK;
}

static enum tb_status decompress(const uint8_t *src, size_t len,
				 const struct hdr *h, uint8_t **out,
				 struct tb_error *err)
{
	*out = NULL;
	unsigned long long csize = ZSTD_getFrameContentSize(src, len);
	if (csize != (unsigned long long)h->body_len)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: zstd frame content size %lld, "
			       "header says %zu",
			       (long long)csize, h->body_len);
	size_t fsize = ZSTD_findFrameCompressedSize(src, len);
	if (ZSTD_isError(fsize) || fsize != len)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: zstd frame of %zu bytes, %s", len,
			       ZSTD_isError(fsize) ? ZSTD_getErrorName(fsize)
						   : "trailing bytes");
	uint8_t *body = tb_malloc(h->body_len);
	if (!body)
		return tb_fail(err, TB_ERR_NOMEM,
			       "lap blob: body of %zu "
			       "bytes",
			       h->body_len);
	ZSTD_DCtx *dc = ZSTD_createDCtx_advanced(zmem);
	if (!dc) {
		tb_free(body);
		return tb_fail(err, TB_ERR_NOMEM, "lap blob: zstd context");
	}
	size_t r = ZSTD_decompressDCtx(dc, body, h->body_len, src, len);
	ZSTD_freeDCtx(dc);
	if (ZSTD_isError(r) || r != h->body_len) {
		tb_free(body);
		if (ZSTD_isError(r) &&
		    ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
			return tb_fail(err, TB_ERR_NOMEM, "lap blob: zstd: %s",
				       ZSTD_getErrorName(r));
		return tb_fail(err, TB_ERR_CORRUPT, "lap blob: zstd: %s",
			       ZSTD_isError(r) ? ZSTD_getErrorName(r)
					       : "short body");
	}
	*out = body;
	return TB_OK;
}

static enum tb_status corrupt_at(struct tb_error *err, const char *what,
				 const struct tb_cur *c)
{
	return tb_fail(err, TB_ERR_CORRUPT, "lap blob: %s at body offset %zu",
		       what, c->pos);
}

static enum tb_status decode_masks(struct tb_cur *c, struct tb_lap *lap,
				   size_t count[TB_CH__COUNT],
				   struct tb_error *err)
{
	uint8_t mode = tb_rd_u8(c);
	if (mode == MASK_UNIFORM) {
		uint64_t m = rd_varint(c);
		if (c->bad || (m & ~lap->chans))
			return corrupt_at(err, "bad uniform mask", c);
		for (size_t i = 0; i < lap->n; i++)
			lap->mask[i] = m;
		for (int ch = 0; ch < TB_CH__COUNT; ch++)
			count[ch] = (m & TB_CHBIT(ch)) ? lap->n : 0;
		return TB_OK;
	}
	if (mode != MASK_RUNS)
		return corrupt_at(err, "bad mask mode", c);
	uint64_t n_runs = rd_varint(c);
	if (c->bad || n_runs < 2 || n_runs > lap->n)
		return corrupt_at(err, "bad mask run count", c);
	memset(count, 0, TB_CH__COUNT * sizeof(count[0]));
	size_t at = 0;
	for (uint64_t r = 0; r < n_runs; r++) {
		uint64_t m = rd_varint(c);
		uint64_t len = rd_varint(c);
		if (c->bad || (m & ~lap->chans) || len == 0 ||
		    len > lap->n - at)
			return corrupt_at(err, "bad mask run", c);
		for (size_t i = 0; i < len; i++)
			lap->mask[at + i] = m;
		at += len;
		for (tb_chmask b = m; b; b &= b - 1)
			count[__builtin_ctzll(b)] += len;
	}
	if (at != lap->n)
		return corrupt_at(err, "mask runs do not cover the lap", c);
	return TB_OK;
}

/* Rebuild m words (stored quantities) from a channel's payload. */
static bool read_words(struct tb_cur *p, unsigned method, unsigned order,
		       size_t m, uint64_t *w)
{
	unsigned width = method == LAPBLOB_F32 ? 32 : 64;
	if (method == LAPBLOB_INT) {
		for (size_t i = 0; i < m; i++) {
			uint64_t z = rd_varint(p);
			if (p->bad)
				return false;
			w[i] = unzigzag(z) + predict(w, i, order);
		}
		return tb_cur_left(p) == 0;
	}
	size_t nb = width / 8;
	if (tb_cur_left(p) / nb != m || tb_cur_left(p) % nb)
		return false;
	const uint8_t *src = p->p + p->pos;
	for (size_t i = 0; i < m; i++) {
		uint64_t z = 0;
		for (size_t j = 0; j < nb; j++)
			z |= (uint64_t)src[j * m + i] << (8 * j);
		w[i] = (unzigzag(z) + predict(w, i, order)) & wmask(width);
	}
	return true;
}

static double word_value(unsigned method, unsigned sc, uint64_t w)
{
	if (method == LAPBLOB_INT)
		return scale_apply(sc, (double)(int64_t)w);
	if (method == LAPBLOB_F32)
		return scale_apply(sc, (double)bitsf(unord32((uint32_t)w)));
	return bitsd(unord64(w));
}

static enum tb_status decode_channel(struct tb_cur *c, struct tb_lap *lap,
				     int ch, size_t count, uint64_t *w,
				     struct tb_error *err)
{
	const char *name = tb_channel_name((enum tb_channel)ch);
	uint8_t id = tb_rd_u8(c);
	uint8_t enc = tb_rd_u8(c);
	uint8_t sc = tb_rd_u8(c);
	uint64_t plen = rd_varint(c);
	unsigned method = enc & ENC_METHOD_MASK;
	if (c->bad)
		return corrupt_at(err, "truncated channel header", c);
	if (id != ch)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: channel %u where %s (%d) expected",
			       id, name, ch);
	if ((enc & ENC_RESERVED) || method > LAPBLOB_F64 ||
	    sc >= LAPBLOB_SC__COUNT || (method == LAPBLOB_F64 && sc))
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: channel %s: bad encoding 0x%02x "
			       "scale %u",
			       name, enc, sc);
	if (plen > tb_cur_left(c))
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: channel %s: payload %llu bytes, %zu "
			       "left",
			       name, (unsigned long long)plen, tb_cur_left(c));
	bool dense = (enc & ENC_DENSE) != 0;
	size_t m = dense ? lap->n : count;
	struct tb_cur p;
	tb_cur_init(&p, c->p + c->pos, (size_t)plen);
	c->pos += (size_t)plen;
	if (!read_words(&p, method, (enc & ENC_ORDER2) ? 2 : 1, m, w))
		return tb_fail(err, TB_ERR_CORRUPT,
			       "lap blob: channel %s: payload of %llu bytes "
			       "does not hold %zu values",
			       name, (unsigned long long)plen, m);
	double *col = lap->col[ch];
	tb_chmask bit = TB_CHBIT(ch);
	for (size_t i = 0, j = 0; i < lap->n; i++) {
		if (dense || (lap->mask[i] & bit))
			col[i] = word_value(method, sc, w[j++]);
	}
	return TB_OK;
}

static enum tb_status parse_body(const uint8_t *body, const struct hdr *h,
				 struct tb_lap *tmp, struct tb_error *err)
{
	struct tb_cur c;
	tb_cur_init(&c, body, h->body_len);
	uint64_t n = rd_varint(&c);
	uint64_t chans = rd_varint(&c);
	if (c.bad || n != h->n || chans != h->chans)
		return corrupt_at(err, "body disagrees with header", &c);
	if (tb_lap_alloc(tmp, h->n, h->chans) != TB_OK)
		return tb_fail(err, TB_ERR_NOMEM,
			       "lap blob: columns for %zu samples", h->n);
	enum tb_status st;
	size_t count[TB_CH__COUNT];
	st = decode_masks(&c, tmp, count, err);
	if (st != TB_OK)
		return st;
	uint64_t *w = tb_malloc((h->n ? h->n : 1) * sizeof(*w));
	if (!w)
		return tb_fail(err, TB_ERR_NOMEM, "lap blob: scratch");
	for (int ch = 0; ch < TB_CH__COUNT && st == TB_OK; ch++) {
		if (h->chans & TB_CHBIT(ch))
			st = decode_channel(&c, tmp, ch, count[ch], w, err);
	}
	tb_free(w);
	if (st == TB_OK && tb_cur_left(&c) != 0)
		st = corrupt_at(err, "trailing bytes", &c);
	return st;
}

enum tb_status lapblob_decode(const void *blob, size_t len, struct tb_lap *out,
			      struct tb_error *err)
{
	const uint8_t *p = blob;
	struct hdr h = {0};
	uint8_t *body = NULL;
	struct tb_lap tmp;
	tb_lap_init(&tmp);

	enum tb_status st = parse_header(p, len, &h, err);
	if (st != TB_OK)
		goto cleanup;
	st = decompress(p + LAPBLOB_HEADER_BYTES, len - LAPBLOB_HEADER_BYTES,
			&h, &body, err);
	if (st != TB_OK)
		goto cleanup;
	st = parse_body(body, &h, &tmp, err);
	if (st != TB_OK)
		goto cleanup;
	/* Keep out's metadata, take the samples. */
	tmp.car_index = out->car_index;
	tmp.lap_number = out->lap_number;
	tmp.lap_time_ms = out->lap_time_ms;
	memcpy(tmp.sector_ms, out->sector_ms, sizeof(tmp.sector_ms));
	tmp.flags = out->flags;
	tb_lap_move(out, &tmp);
cleanup:
	tb_lap_release(&tmp);
	tb_free(body);
	return st;
}

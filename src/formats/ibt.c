/* ibt.c - iRacing .ibt files: the parsed view (header, variable headers,
 * session info, rows; disk files and snapshots of the live memory map),
 * the builder, and the importer that cuts a disk file's rows into laps of
 * canonical channels. Layout: FORMATS.md section 6 (sajax/irsdkdocs,
 * kutu/pyirsdk, teamjorge/ibt), checked against the shared recordings. */
#include "ibt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

/* irsdk_header (112 B), little-endian i32 fields:
 *   @0 ver  @4 status  @8 tickRate  @12 sessionInfoUpdate
 *   @16 sessionInfoLen  @20 sessionInfoOffset  @24 numVars
 *   @28 varHeaderOffset  @32 numBuf  @36 bufLen  @40 pad[2]
 *   @48 varBuf[4] of {i32 tickCount, i32 bufOffset, i32 pad[2]} (16 B)
 * irsdk_diskSubHeader (32 B at 112): i64 sessionStartDate (time_t),
 *   f64 sessionStartTime, f64 sessionEndTime, i32 sessionLapCount,
 *   i32 sessionRecordCount.
 * irsdk_varHeader (144 B): i32 type @0, i32 offset @4, i32 count @8,
 *   u8 countAsTime @12 (+3 pad), char name[32] @16, desc[64] @48,
 *   unit[32] @112. */
#define IBT_VERSION   2
#define TICK_RATE_MAX 10000
#define DISK_DATA_MIN (IBT_HEADER_LEN + IBT_SUBHEADER_LEN)
#define VH_NAME	      16
#define VH_DESC	      48
#define VH_UNIT	      112
#define VH_NAME_LEN   32
#define VH_DESC_LEN   64
#define VH_UNIT_LEN   32

struct ibt_file {
	const uint8_t *buf;
	size_t len;
	struct ibt_info info;
	struct ibt_var *vars;
	char *text; /* session info as UTF-8 */
	size_t text_len;
	struct ibt_yaml *yaml;
};

size_t ibt_type_size(enum ibt_type t)
{
	switch (t) {
	case IBT_CHAR:
	case IBT_BOOL:
		return 1;
	case IBT_INT:
	case IBT_BITFIELD:
	case IBT_FLOAT:
		return 4;
	case IBT_DOUBLE:
		return 8;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Text: iRacing writes latin-1. Text that is already valid UTF-8 is kept
 * as it is (a latin-1 string with accents is almost never valid UTF-8),
 * anything else is converted byte by byte. */

static size_t utf8_seq_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t k = c >= 0xf0 && c <= 0xf4  ? 4
		   : c >= 0xe0		   ? 3
		   : c >= 0xc2 && c < 0xe0 ? 2
					   : 0;
	if (k == 0 || k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

static bool is_utf8(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = utf8_seq_len(s + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* Convert src (n bytes, stops at NUL) into dst (cap >= 1), never cutting
 * a sequence; returns the length written (NUL not counted). */
static size_t to_utf8(const uint8_t *src, size_t n, char *dst, size_t cap)
{
	n = strnlen((const char *)src, n);
	bool keep = is_utf8(src, n);
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = src[i];
		if (c < 0x80 || keep) {
			size_t k = c < 0x80 ? 1 : utf8_seq_len(src + i, n - i);
			if (w + k >= cap)
				break;
			memcpy(dst + w, src + i, k);
			w += k;
			i += k - 1;
		} else {
			if (w + 2 >= cap)
				break;
			dst[w++] = (char)(0xc0 | (c >> 6));
			dst[w++] = (char)(0x80 | (c & 0x3f));
		}
	}
	dst[w] = '\0';
	return w;
}

/* ------------------------------------------------------------------ */
/* Parsing. */

struct raw_header {
	int32_t ver, status, tick_rate, si_update, si_len, si_off;
	int32_t n_vars, vh_off, n_buf, buf_len;
	int32_t tick[IBT_BUFS_MAX], off[IBT_BUFS_MAX];
};

static void read_header(const uint8_t *b, struct raw_header *h)
{
	struct tb_cur c;
	tb_cur_init(&c, b, IBT_HEADER_LEN);
	h->ver = tb_rd_i32le(&c);
	h->status = tb_rd_i32le(&c);
	h->tick_rate = tb_rd_i32le(&c);
	h->si_update = tb_rd_i32le(&c);
	h->si_len = tb_rd_i32le(&c);
	h->si_off = tb_rd_i32le(&c);
	h->n_vars = tb_rd_i32le(&c);
	h->vh_off = tb_rd_i32le(&c);
	h->n_buf = tb_rd_i32le(&c);
	h->buf_len = tb_rd_i32le(&c);
	tb_cur_seek(&c, 48);
	for (unsigned i = 0; i < IBT_BUFS_MAX; i++) {
		h->tick[i] = tb_rd_i32le(&c);
		h->off[i] = tb_rd_i32le(&c);
		tb_cur_seek(&c, c.pos + 8);
	}
}

static enum tb_status check_header(const struct raw_header *h,
				   const char *label, struct tb_error *err)
{
	if (h->ver != IBT_VERSION)
		return tb_fail(err, TB_ERR_VERSION,
			       "%s: header version %d at offset 0, only %d is "
			       "known",
			       label, h->ver, IBT_VERSION);
	if (h->tick_rate <= 0 || h->tick_rate > TICK_RATE_MAX)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: header tickRate %d (offset 8) is not in "
			       "1..%d",
			       label, h->tick_rate, TICK_RATE_MAX);
	if (h->n_vars <= 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: header numVars %d (offset 24)", label,
			       h->n_vars);
	if ((uint32_t)h->n_vars > IBT_VARS_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s: header numVars %d (offset 24) exceeds %u",
			       label, h->n_vars, IBT_VARS_MAX);
	if (h->n_buf < 1 || (uint32_t)h->n_buf > IBT_BUFS_MAX)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: header numBuf %d (offset 32) is not in "
			       "1..%u",
			       label, h->n_buf, IBT_BUFS_MAX);
	if (h->buf_len <= 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: header bufLen %d (offset 36)", label,
			       h->buf_len);
	if ((uint32_t)h->buf_len > IBT_ROW_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s: header bufLen %d (offset 36) exceeds %u",
			       label, h->buf_len, IBT_ROW_MAX);
	if (h->si_len < 0 || h->si_off < 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: session info length %d / offset %d "
			       "(offsets 16/20)",
			       label, h->si_len, h->si_off);
	if ((uint32_t)h->si_len > IBT_YAML_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s: session info of %d bytes exceeds %u", label,
			       h->si_len, IBT_YAML_MAX);
	if (h->vh_off < 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: header varHeaderOffset %d (offset 28)",
			       label, h->vh_off);
	for (int i = 0; i < h->n_buf; i++)
		if (h->off[i] <= 0)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: varBuf[%d].bufOffset %d (offset "
				       "%d)",
				       label, i, h->off[i], 52 + 16 * i);
	return TB_OK;
}

/* A region [off, off + n) must lie inside the file. */
static enum tb_status check_region(uint64_t off, uint64_t n, size_t len,
				   const char *what, const char *label,
				   struct tb_error *err)
{
	if (off + n > len)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "%s: %s at %llu..%llu, file is %zu bytes", label,
			       what, (unsigned long long)off,
			       (unsigned long long)(off + n), len);
	return TB_OK;
}

static bool overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return an && bn && a < b + bn && b < a + an;
}

/* Disk file: sub-header, regions in order, row count. */
static enum tb_status layout_disk(struct ibt_file *f,
				  const struct raw_header *h, const char *label,
				  struct tb_error *err)
{
	struct ibt_info *in = &f->info;
	if (f->len < DISK_DATA_MIN)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "%s: %zu bytes, header and disk sub-header need "
			       "%u",
			       label, f->len, DISK_DATA_MIN);
	struct tb_cur c;
	tb_cur_init(&c, f->buf + IBT_HEADER_LEN, IBT_SUBHEADER_LEN);
	in->start_date = (int64_t)tb_rd_u64le(&c);
	in->start_time = tb_rd_f64le(&c);
	in->end_time = tb_rd_f64le(&c);
	in->lap_count = tb_rd_i32le(&c);
	in->record_count = tb_rd_i32le(&c);
	if (in->record_count < 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: sessionRecordCount %d (offset 140)", label,
			       in->record_count);
	uint64_t vh = (uint64_t)h->vh_off;
	uint64_t vh_n = (uint64_t)h->n_vars * IBT_VAR_HEADER_LEN;
	uint64_t si = (uint64_t)h->si_off, si_n = (uint64_t)h->si_len;
	uint64_t row = (uint64_t)h->off[0], bl = (uint64_t)h->buf_len;
	if (vh < DISK_DATA_MIN || (si_n && si < DISK_DATA_MIN) ||
	    row < DISK_DATA_MIN)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: varHeaderOffset %llu, sessionInfoOffset "
			       "%llu or bufOffset %llu inside the %u-byte "
			       "headers",
			       label, (unsigned long long)vh,
			       (unsigned long long)si, (unsigned long long)row,
			       DISK_DATA_MIN);
	enum tb_status st =
	    check_region(vh, vh_n, f->len, "variable headers", label, err);
	if (st == TB_OK && si_n)
		st = check_region(si, si_n, f->len, "session info", label, err);
	if (st == TB_OK && row > f->len)
		st = check_region(row, 0, f->len, "first row", label, err);
	if (st != TB_OK)
		return st;
	if (overlap(vh, vh_n, si, si_n))
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: variable headers at %llu and session info "
			       "at %llu overlap",
			       label, (unsigned long long)vh,
			       (unsigned long long)si);
	if (vh + vh_n > row)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: variable headers end at %llu, past the "
			       "first row at %llu",
			       label, (unsigned long long)(vh + vh_n),
			       (unsigned long long)row);
	/* The session info normally sits before the rows; a writer may put
	 * it after them. Rows run to it, or to the end of the file. */
	bool si_after = si_n && si >= row;
	uint64_t data_end = si_after ? si : f->len;
	uint64_t n_rows;
	if (in->record_count > 0) {
		n_rows = (uint64_t)in->record_count;
		uint64_t end = row + n_rows * bl;
		if (end > data_end)
			return tb_fail(
			    err, TB_ERR_TRUNCATED,
			    "%s: sessionRecordCount %d rows of %llu "
			    "bytes from %llu end at %llu, data "
			    "ends at %llu",
			    label, in->record_count, (unsigned long long)bl,
			    (unsigned long long)row, (unsigned long long)end,
			    (unsigned long long)data_end);
		uint64_t tail = si_after ? si - end : f->len - end;
		if (tail)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: %llu bytes after the last of %d "
				       "rows (offset %llu)",
				       label, (unsigned long long)tail,
				       in->record_count,
				       (unsigned long long)end);
	} else {
		/* Count not written (recording cut short): whole rows. */
		n_rows = (data_end - row) / bl;
		uint64_t rem = (data_end - row) % bl;
		if (rem)
			return tb_fail(
			    err, TB_ERR_TRUNCATED,
			    "%s: last row at %llu holds %llu of "
			    "%llu bytes",
			    label, (unsigned long long)(row + n_rows * bl),
			    (unsigned long long)rem, (unsigned long long)bl);
	}
	if (si_n && !si_after && si + si_n > row)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: session info at %llu..%llu runs into the "
			       "rows at %llu",
			       label, (unsigned long long)si,
			       (unsigned long long)(si + si_n),
			       (unsigned long long)row);
	in->n_rows = (size_t)n_rows;
	in->row_offset = row;
	return TB_OK;
}

/* Snapshot of the live map: every buffer inside the file, the newest
 * (highest tickCount) is the one row. No disk sub-header. */
static enum tb_status layout_live(struct ibt_file *f,
				  const struct raw_header *h, const char *label,
				  struct tb_error *err)
{
	struct ibt_info *in = &f->info;
	enum tb_status st = check_region(
	    (uint64_t)h->vh_off, (uint64_t)h->n_vars * IBT_VAR_HEADER_LEN,
	    f->len, "variable headers", label, err);
	if (st == TB_OK)
		st = check_region((uint64_t)h->si_off, (uint64_t)h->si_len,
				  f->len, "session info", label, err);
	int newest = 0;
	for (int i = 0; st == TB_OK && i < h->n_buf; i++) {
		st = check_region((uint64_t)h->off[i], (uint64_t)h->buf_len,
				  f->len, "live buffer", label, err);
		if (h->tick[i] > h->tick[newest])
			newest = i;
	}
	if (st != TB_OK)
		return st;
	in->live = true;
	in->n_rows = 1;
	in->row_offset = (uint64_t)h->off[newest];
	in->newest_tick = h->tick[newest];
	return TB_OK;
}

static bool printable_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static enum tb_status read_vars(struct ibt_file *f, uint64_t vh_off,
				const char *label, struct tb_error *err)
{
	size_t n = f->info.n_vars;
	f->vars = tb_calloc(n, sizeof(*f->vars));
	if (!f->vars)
		return tb_fail(err, TB_ERR_NOMEM, "%s: %zu variables", label,
			       n);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = f->buf + vh_off + i * IBT_VAR_HEADER_LEN;
		struct ibt_var *v = &f->vars[i];
		int32_t type = (int32_t)tb_ld_u32le(p);
		int32_t off = (int32_t)tb_ld_u32le(p + 4);
		int32_t count = (int32_t)tb_ld_u32le(p + 8);
		size_t nl = strnlen((const char *)p + VH_NAME, VH_NAME_LEN);
		memcpy(v->name, p + VH_NAME, nl);
		v->name[nl] = '\0';
		uint64_t at = vh_off + i * IBT_VAR_HEADER_LEN;
		if (!printable_name(v->name))
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: variable %zu (header at %llu): "
				       "name is empty or not text",
				       label, i, (unsigned long long)at);
		if (type < 0 || type >= IBT_TYPE__COUNT)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: variable %zu (%s): type %d", label,
				       i, v->name, type);
		size_t sz = ibt_type_size((enum ibt_type)type);
		if (off < 0 || count < 1 ||
		    (uint64_t)off + (uint64_t)count * sz > f->info.buf_len)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: variable %zu (%s): offset %d + %d "
				       "x %zu bytes outside the %zu-byte row",
				       label, i, v->name, off, count, sz,
				       f->info.buf_len);
		v->type = (enum ibt_type)type;
		v->offset = (uint32_t)off;
		v->count = (uint32_t)count;
		v->count_as_time = p[12] != 0;
		to_utf8(p + VH_UNIT, VH_UNIT_LEN, v->unit, sizeof(v->unit));
		to_utf8(p + VH_DESC, VH_DESC_LEN, v->desc, sizeof(v->desc));
	}
	return TB_OK;
}

static enum tb_status read_session(struct ibt_file *f,
				   const struct raw_header *h,
				   const char *label, struct tb_error *err)
{
	size_t n = (size_t)h->si_len;
	f->text = tb_malloc(2 * n + 1);
	if (!f->text)
		return tb_fail(err, TB_ERR_NOMEM, "%s: session info", label);
	const uint8_t *src = n ? f->buf + h->si_off : (const uint8_t *)"";
	f->text_len = to_utf8(src, n, f->text, 2 * n + 1);
	enum tb_status st = ibt_yaml_parse(f->text, f->text_len, &f->yaml);
	if (st != TB_OK)
		return tb_fail(err, st, "%s: session info (%zu bytes): %s",
			       label, n, tb_strerror(st));
	return TB_OK;
}

enum tb_status ibt_parse(const uint8_t *buf, size_t len, const char *label,
			 struct ibt_file **out, struct tb_error *err)
{
	*out = NULL;
	if (!label)
		label = "ibt";
	if (!buf || len < IBT_HEADER_LEN)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "%s: %zu bytes, the iRacing header needs %u",
			       label, buf ? len : 0, IBT_HEADER_LEN);
	struct raw_header h;
	read_header(buf, &h);
	enum tb_status st = check_header(&h, label, err);
	if (st != TB_OK)
		return st;
	struct ibt_file *f = tb_calloc(1, sizeof(*f));
	if (!f)
		return tb_fail(err, TB_ERR_NOMEM, "%s", label);
	f->buf = buf;
	f->len = len;
	struct ibt_info *in = &f->info;
	in->version = h.ver;
	in->status = h.status;
	in->tick_rate = h.tick_rate;
	in->session_info_update = h.si_update;
	in->n_vars = (size_t)h.n_vars;
	in->n_bufs = (size_t)h.n_buf;
	in->buf_len = (size_t)h.buf_len;
	/* Several rotating buffers only exist in the live memory map. */
	st = h.n_buf > 1 ? layout_live(f, &h, label, err)
			 : layout_disk(f, &h, label, err);
	if (st == TB_OK)
		st = read_vars(f, (uint64_t)h.vh_off, label, err);
	if (st == TB_OK)
		st = read_session(f, &h, label, err);
	if (st != TB_OK) {
		ibt_destroy(f);
		return st;
	}
	*out = f;
	return TB_OK;
}

void ibt_destroy(struct ibt_file *f)
{
	if (!f)
		return;
	ibt_yaml_destroy(f->yaml);
	tb_free(f->text);
	tb_free(f->vars);
	tb_free(f);
}

const struct ibt_info *ibt_info(const struct ibt_file *f)
{
	return &f->info;
}

const struct ibt_var *ibt_var_at(const struct ibt_file *f, size_t i)
{
	return i < f->info.n_vars ? &f->vars[i] : NULL;
}

const struct ibt_var *ibt_var_find(const struct ibt_file *f, const char *name)
{
	for (size_t i = 0; i < f->info.n_vars; i++)
		if (strcmp(f->vars[i].name, name) == 0)
			return &f->vars[i];
	return NULL;
}

const uint8_t *ibt_row(const struct ibt_file *f, size_t row)
{
	if (row >= f->info.n_rows)
		return NULL;
	return f->buf + f->info.row_offset + (uint64_t)row * f->info.buf_len;
}

/* Element of a validated variable in a row (no bounds checks). */
static double load(const uint8_t *row, const struct ibt_var *v, size_t idx)
{
	const uint8_t *p = row + v->offset + idx * ibt_type_size(v->type);
	switch (v->type) {
	case IBT_CHAR:
		return p[0];
	case IBT_BOOL:
		return p[0] != 0;
	case IBT_INT:
		return (int32_t)tb_ld_u32le(p);
	case IBT_BITFIELD:
		return tb_ld_u32le(p);
	case IBT_FLOAT:
		return tb_ld_f32le(p);
	case IBT_DOUBLE: {
		uint64_t u = tb_ld_u64le(p);
		double d;
		memcpy(&d, &u, sizeof(d));
		return d;
	}
	default:
		return NAN;
	}
}

double ibt_value(const struct ibt_file *f, const struct ibt_var *v, size_t row,
		 size_t idx)
{
	const uint8_t *r = ibt_row(f, row);
	if (!r || !v || idx >= v->count)
		return NAN;
	return load(r, v, idx);
}

const char *ibt_session_text(const struct ibt_file *f, size_t *len)
{
	if (len)
		*len = f->text_len;
	return f->text;
}

const struct ibt_yaml *ibt_session(const struct ibt_file *f)
{
	return f->yaml;
}

/* ------------------------------------------------------------------ */
/* Builder. */

static void put_str(uint8_t *dst, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	memcpy(dst, s, n);
}

enum tb_status ibt_build(const struct ibt_build *b, struct tb_buf *out)
{
	if (!b || !out || b->n_vars == 0 || b->n_vars > IBT_VARS_MAX ||
	    b->buf_len == 0 || b->buf_len > IBT_ROW_MAX ||
	    b->yaml_len > IBT_YAML_MAX || b->n_rows > (size_t)INT32_MAX / 2 ||
	    (!b->rows && b->n_rows))
		return TB_ERR_ARG;
	uint64_t vh = DISK_DATA_MIN;
	uint64_t si = vh + b->n_vars * IBT_VAR_HEADER_LEN;
	uint64_t row = si + b->yaml_len;
	uint64_t total = row + (uint64_t)b->n_rows * b->buf_len;
	if (total > INT32_MAX)
		return TB_ERR_LIMIT;
	size_t base = out->len;
	enum tb_status st = tb_buf_reserve(out, (size_t)total);
	if (st != TB_OK)
		return st;
	uint8_t *p = out->data + base;
	memset(p, 0, (size_t)row);
	tb_st_u32le(p + 0, IBT_VERSION);
	tb_st_u32le(p + 4, 1);
	tb_st_u32le(p + 8, (uint32_t)b->tick_rate);
	tb_st_u32le(p + 16, (uint32_t)b->yaml_len);
	tb_st_u32le(p + 20, (uint32_t)si);
	tb_st_u32le(p + 24, (uint32_t)b->n_vars);
	tb_st_u32le(p + 28, (uint32_t)vh);
	tb_st_u32le(p + 32, 1);
	tb_st_u32le(p + 36, (uint32_t)b->buf_len);
	tb_st_u32le(p + 48, (uint32_t)b->n_rows);
	tb_st_u32le(p + 52, (uint32_t)row);
	tb_st_u64le(p + 112, (uint64_t)b->start_date);
	tb_st_f64le(p + 120, b->start_time);
	tb_st_f64le(p + 128, b->end_time);
	tb_st_u32le(p + 136, (uint32_t)b->lap_count);
	tb_st_u32le(p + 140, (uint32_t)b->n_rows);
	for (size_t i = 0; i < b->n_vars; i++) {
		const struct ibt_var *v = &b->vars[i];
		uint8_t *q = p + vh + i * IBT_VAR_HEADER_LEN;
		tb_st_u32le(q, (uint32_t)v->type);
		tb_st_u32le(q + 4, v->offset);
		tb_st_u32le(q + 8, v->count);
		q[12] = v->count_as_time;
		put_str(q + VH_NAME, v->name, VH_NAME_LEN);
		put_str(q + VH_DESC, v->desc, VH_DESC_LEN);
		put_str(q + VH_UNIT, v->unit, VH_UNIT_LEN);
	}
	if (b->yaml_len)
		memcpy(p + si, b->yaml, b->yaml_len);
	if (b->n_rows)
		memcpy(p + row, b->rows, b->n_rows * b->buf_len);
	out->len = base + (size_t)total;
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Import: a disk file's rows become laps of canonical channels.
 *
 * Channels (iRacing name -> canonical, conversion). Units are checked
 * where iRacing names one; a variable with another unit is left out.
 *   SessionTime -> time; LapCurrentLapTime -> lap_time; LapDist ->
 *   lap_dist; Speed (m/s) -> speed; Throttle, Brake -> 0..1 as is;
 *   Clutch is 0 = disengaged .. 1 = engaged, canonical clutch is the
 *   pedal (0 released = engaged) -> 1 - Clutch;
 *   SteeringWheelAngle (rad, + left) / SteeringWheelAngleMax (the angle
 *   of full lock) -> steer -1 (left) .. +1 (right) as F1's, clamped;
 *   absent without a positive SteeringWheelAngleMax;
 *   Gear, RPM as is; LongAccel, VertAccel (m/s^2, gravity included)
 *   / 9.80665 -> g_lon (+ forward), g_vert (1 at rest, as F1);
 *   LatAccel (+ left) -> g_lat with the sign of steer (+ right);
 *   Yaw, Pitch, Roll (rad) as is; DRS_Status 3 (active) -> drs 1, else 0;
 *   {LF,RF,LR,RR}tempM (middle of the surface) -> tyre_surf_temp_*,
 *   {..}tempCM (middle of the carcass) -> tyre_inner_temp_*,
 *   {..}pressure (kPa) -> tyre_press_*; WaterTemp -> engine_temp;
 *   FuelLevel (litres) x DriverInfo.DriverCarFuelKgPerLtr -> fuel (kg),
 *   absent without the density; EnergyERSBattery (J) -> ers_store;
 *   sector from LapDistPct and SplitTimeInfo.Sectors[].SectorStartPct.
 * Left out: VelocityX/Y/Z (car frame, canonical is world frame), Lat/Lon
 * (GPS, no canonical channel), position (not recorded). */
#define STD_G	      9.80665
#define SECTORS_MAX   16
#define DRS_ACTIVE    3
#define LAST_LAP_WAIT 10 /* s to wait for LapLastLapTime after the line */
#define READ_CHUNK    ((size_t)64 << 20)

struct chan_rule {
	const char *var;
	const char *unit; /* required unit, NULL: any */
	enum tb_channel ch;
	double scale, add;
};

static const struct chan_rule chan_rules[] = {
    {"SessionTime", "s", TB_CH_TIME, 1, 0},
    {"LapCurrentLapTime", "s", TB_CH_LAP_TIME, 1, 0},
    {"LapDist", "m", TB_CH_LAP_DIST, 1, 0},
    {"Speed", "m/s", TB_CH_SPEED, 1, 0},
    {"Throttle", NULL, TB_CH_THROTTLE, 1, 0},
    {"Brake", NULL, TB_CH_BRAKE, 1, 0},
    {"Clutch", NULL, TB_CH_CLUTCH, -1, 1},
    {"Gear", NULL, TB_CH_GEAR, 1, 0},
    {"RPM", "revs/min", TB_CH_RPM, 1, 0},
    {"LatAccel", "m/s^2", TB_CH_G_LAT, -1 / STD_G, 0},
    {"LongAccel", "m/s^2", TB_CH_G_LON, 1 / STD_G, 0},
    {"VertAccel", "m/s^2", TB_CH_G_VERT, 1 / STD_G, 0},
    {"Yaw", "rad", TB_CH_YAW, 1, 0},
    {"Pitch", "rad", TB_CH_PITCH, 1, 0},
    {"Roll", "rad", TB_CH_ROLL, 1, 0},
    {"LFtempM", "C", TB_CH_TYRE_SURF_FL, 1, 0},
    {"RFtempM", "C", TB_CH_TYRE_SURF_FR, 1, 0},
    {"LRtempM", "C", TB_CH_TYRE_SURF_RL, 1, 0},
    {"RRtempM", "C", TB_CH_TYRE_SURF_RR, 1, 0},
    {"LFtempCM", "C", TB_CH_TYRE_INNER_FL, 1, 0},
    {"RFtempCM", "C", TB_CH_TYRE_INNER_FR, 1, 0},
    {"LRtempCM", "C", TB_CH_TYRE_INNER_RL, 1, 0},
    {"RRtempCM", "C", TB_CH_TYRE_INNER_RR, 1, 0},
    {"LFpressure", "kPa", TB_CH_TYRE_PRESS_FL, 1, 0},
    {"RFpressure", "kPa", TB_CH_TYRE_PRESS_FR, 1, 0},
    {"LRpressure", "kPa", TB_CH_TYRE_PRESS_RL, 1, 0},
    {"RRpressure", "kPa", TB_CH_TYRE_PRESS_RR, 1, 0},
    {"WaterTemp", "C", TB_CH_ENGINE_TEMP, 1, 0},
    {"EnergyERSBattery", "J", TB_CH_ERS_STORE, 1, 0},
    {"FuelLevel", "l", TB_CH_FUEL, 0, 0}, /* scale: fuel density */
};

#define N_RULES (sizeof(chan_rules) / sizeof(chan_rules[0]))

struct chan_map {
	const struct ibt_var *v;
	enum tb_channel ch;
	double scale, add;
};

/* One stretch of rows of one lap. */
struct seg {
	size_t start, end; /* rows [start, end) */
	int64_t lap;
	int32_t sess;
	bool from_line, to_line; /* began / ended crossing the line */
	int32_t time_ms;
};

struct imp {
	const char *path;
	const struct ibt_file *f;
	const struct ibt_yaml *y;
	struct chan_map map[N_RULES];
	size_t n_map;
	const struct ibt_var *steer, *steer_max, *drs, *pct;
	const struct ibt_var *lap, *sess, *last, *pit;
	double sector_start[SECTORS_MAX];
	size_t n_sectors;
	struct tb_session_info base;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
	struct seg *segs;
	size_t n_segs, cap_segs;
};

/* A scalar numeric variable, or NULL. */
static const struct ibt_var *scalar(const struct ibt_file *f, const char *name,
				    const char *unit)
{
	const struct ibt_var *v = ibt_var_find(f, name);
	if (!v || v->type == IBT_CHAR)
		return NULL;
	if (unit && strcmp(v->unit, unit) != 0)
		return NULL;
	return v;
}

/* Copy UTF-8 text, cut on a character boundary. */
static void copy_utf8(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static const char *ystr(const struct imp *im, int from, const char *path)
{
	const char *s = ibt_yaml_str(im->y, ibt_yaml_get(im->y, from, path));
	return s ? s : "";
}

static bool ynum(const struct imp *im, int from, const char *path, double *out,
		 const char **unit)
{
	return ibt_yaml_num(im->y, ibt_yaml_get(im->y, from, path), out, unit);
}

static bool contains(const char *s, const char *what)
{
	return strstr(s, what) != NULL;
}

static enum tb_session_kind kind_of(const char *type)
{
	if (contains(type, "Qualify"))
		return TB_SESSION_QUALIFYING;
	if (contains(type, "Race") || contains(type, "Heat"))
		return TB_SESSION_RACE;
	if (contains(type, "Time Trial"))
		return TB_SESSION_TIME_TRIAL;
	if (contains(type, "Practice") || contains(type, "Testing") ||
	    contains(type, "Warmup"))
		return TB_SESSION_PRACTICE;
	return TB_SESSION_UNKNOWN;
}

/* Car classes we can name from the file: iRacing's class short name
 * (GT3, GTP/LMDh/Hypercar) or the car folder of its F1 cars. */
static enum tb_car_class class_of(const char *cls, const char *path,
				  const char *screen)
{
	static const char *const f1_paths[] = {"mercedesw12", "mercedesw13",
					       "mclarenmp430", "williamsfw31"};
	if (contains(cls, "GT3") || contains(screen, "GT3"))
		return TB_CLASS_GT3;
	if (contains(cls, "GTP") || contains(cls, "LMDh") ||
	    contains(cls, "Hypercar") || contains(cls, "LMH"))
		return TB_CLASS_LMH;
	for (size_t i = 0; i < sizeof(f1_paths) / sizeof(f1_paths[0]); i++)
		if (strcmp(path, f1_paths[i]) == 0)
			return TB_CLASS_F1;
	return TB_CLASS_OTHER;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void setup_session(struct imp *im)
{
	struct tb_session_info *s = &im->base;
	const struct ibt_info *in = ibt_info(im->f);
	memset(s, 0, sizeof(*s));
	s->game = TB_GAME_IRACING;
	s->track_id = -1;
	s->game_session_type = -1;
	s->weather = -1;
	int wk = ibt_yaml_get(im->y, 0, "WeekendInfo");
	double v;
	const char *unit;
	if (ynum(im, wk, "TrackID", &v, NULL) && v >= 0 && v <= INT32_MAX)
		s->track_id = (int32_t)v;
	const char *name = ystr(im, wk, "TrackDisplayName");
	copy_utf8(s->track, sizeof(s->track),
		  *name ? name : ystr(im, wk, "TrackName"));
	copy_utf8(s->layout, sizeof(s->layout),
		  ystr(im, wk, "TrackConfigName"));
	if (ynum(im, wk, "TrackLength", &v, &unit) && v > 0 && v < 1000) {
		if (!strcmp(unit, "km"))
			s->track_length_m = v * 1000;
		else if (!strcmp(unit, "mi"))
			s->track_length_m = v * 1609.344;
	}
	if (ynum(im, wk, "TrackAirTemp", &v, &unit) && !strcmp(unit, "C") &&
	    fabs(v) < 200)
		s->air_temp_c = (int32_t)lround(v);
	if (ynum(im, wk, "TrackSurfaceTemp", &v, &unit) && !strcmp(unit, "C") &&
	    fabs(v) < 200)
		s->track_temp_c = (int32_t)lround(v);
	/* time_t of the recording's start, years 1970..2999 only. */
	if (in->start_date > 0 && in->start_date < 32503680000ll)
		s->start_unix_ms = in->start_date * 1000;
	uint64_t h = 0xcbf29ce484222325ull;
	h = fnv1a(h, &in->start_date, sizeof(in->start_date));
	const char *ids[] = {
	    ystr(im, wk, "SessionID"), ystr(im, wk, "SubSessionID"),
	    ystr(im, 0, "DriverInfo.DriverUserID"), ystr(im, wk, "TrackName")};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		h = fnv1a(h, ids[i], strlen(ids[i]) + 1);
	s->source_uid = h;
}

static void setup_car(struct imp *im)
{
	struct tb_car_info *c = &im->car;
	memset(c, 0, sizeof(*c));
	c->team_id = -1;
	c->race_number = -1;
	memset(&im->meta, 0, sizeof(im->meta));
	copy_utf8(im->meta.source, sizeof(im->meta.source), "iracing-ibt");
	double v;
	if (!ynum(im, 0, "DriverInfo.DriverCarIdx", &v, NULL) || v < 0 ||
	    v > 255)
		return;
	c->car_index = (uint8_t)v;
	char idx[8];
	snprintf(idx, sizeof(idx), "%u", (unsigned)c->car_index);
	int drv = ibt_yaml_item_where(
	    im->y, ibt_yaml_get(im->y, 0, "DriverInfo.Drivers"), "CarIdx", idx);
	if (drv < 0)
		return;
	copy_utf8(c->driver, sizeof(c->driver), ystr(im, drv, "UserName"));
	copy_utf8(im->meta.car, sizeof(im->meta.car),
		  ystr(im, drv, "CarScreenName"));
	copy_utf8(c->car, sizeof(c->car), ystr(im, drv, "CarScreenName"));
	if (ynum(im, drv, "CarNumberRaw", &v, NULL) && v >= 0 && v <= INT32_MAX)
		c->race_number = (int32_t)v;
	c->ai = ynum(im, drv, "CarIsAI", &v, NULL) && v != 0;
	im->base.car_class =
	    class_of(ystr(im, drv, "CarClassShortName"),
		     ystr(im, drv, "CarPath"), ystr(im, drv, "CarScreenName"));
}

static void setup_sectors(struct imp *im)
{
	int list = ibt_yaml_get(im->y, 0, "SplitTimeInfo.Sectors");
	size_t n = ibt_yaml_n_children(im->y, list);
	if (n == 0 || n > SECTORS_MAX)
		return;
	for (size_t i = 0; i < n; i++) {
		char path[32];
		snprintf(path, sizeof(path), "[%zu].SectorStartPct", i);
		double v;
		if (!ynum(im, list, path, &v, NULL) || v < 0 || v >= 1 ||
		    (i == 0 && v != 0) ||
		    (i > 0 && v <= im->sector_start[i - 1]))
			return; /* unusable: no sector channel */
		im->sector_start[i] = v;
	}
	im->n_sectors = n;
}

static void setup_channels(struct imp *im)
{
	const struct ibt_file *f = im->f;
	double density = 0;
	if (!ynum(im, 0, "DriverInfo.DriverCarFuelKgPerLtr", &density, NULL) ||
	    density <= 0 || density > 5)
		density = 0;
	for (size_t i = 0; i < N_RULES; i++) {
		const struct chan_rule *r = &chan_rules[i];
		const struct ibt_var *v = scalar(f, r->var, r->unit);
		double scale = r->ch == TB_CH_FUEL ? density : r->scale;
		if (!v || scale == 0)
			continue;
		struct chan_map *m = &im->map[im->n_map++];
		m->v = v;
		m->ch = r->ch;
		m->scale = scale;
		m->add = r->add;
	}
	im->steer = scalar(f, "SteeringWheelAngle", "rad");
	im->steer_max = scalar(f, "SteeringWheelAngleMax", "rad");
	im->drs = scalar(f, "DRS_Status", NULL);
	im->pct = scalar(f, "LapDistPct", NULL);
	im->lap = scalar(f, "Lap", NULL);
	im->sess = scalar(f, "SessionNum", NULL);
	im->last = scalar(f, "LapLastLapTime", "s");
	im->pit = scalar(f, "OnPitRoad", NULL);
	setup_sectors(im);
}

static void row_frame(const struct imp *im, const uint8_t *row,
		      struct tb_frame *fr)
{
	tb_frame_clear(fr);
	for (size_t i = 0; i < im->n_map; i++) {
		const struct chan_map *m = &im->map[i];
		double x = load(row, m->v, 0) * m->scale + m->add;
		if (isfinite(x)) /* NaN or overflow: absent this sample */
			tb_frame_set(fr, m->ch, x);
	}
	if (im->steer && im->steer_max) {
		double a = load(row, im->steer, 0);
		double mx = load(row, im->steer_max, 0);
		if (isfinite(a) && isfinite(mx) && mx > 0) {
			double s = -a / mx;
			tb_frame_set(fr, TB_CH_STEER,
				     s < -1  ? -1
				     : s > 1 ? 1
					     : s);
		}
	}
	if (im->drs) {
		double d = load(row, im->drs, 0);
		if (isfinite(d))
			tb_frame_set(fr, TB_CH_DRS, d == DRS_ACTIVE);
	}
	if (im->n_sectors && im->pct) {
		double p = load(row, im->pct, 0);
		if (p >= 0 && p <= 1) {
			size_t s = 0;
			while (s + 1 < im->n_sectors &&
			       p >= im->sector_start[s + 1])
				s++;
			tb_frame_set(fr, TB_CH_SECTOR, (double)s);
		}
	}
}

static double row_val(const struct imp *im, const struct ibt_var *v, size_t r,
		      double dflt)
{
	if (!v)
		return dflt;
	double x = load(ibt_row(im->f, r), v, 0);
	return isfinite(x) ? x : dflt;
}

/* Clamp before converting: a float or double variable may hold anything. */
static double clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static enum tb_status add_seg(struct imp *im, size_t start,
			      struct tb_error *err)
{
	if (im->n_segs == im->cap_segs) {
		size_t ncap = im->cap_segs ? im->cap_segs * 2 : 16;
		if (im->n_segs >= FMT_LAPS_MAX)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s: more than %u laps (row %zu)",
				       im->path, FMT_LAPS_MAX, start);
		if (ncap > FMT_LAPS_MAX)
			ncap = FMT_LAPS_MAX;
		struct seg *s = tb_realloc(im->segs, ncap * sizeof(*s));
		if (!s)
			return tb_fail(err, TB_ERR_NOMEM, "%s: laps", im->path);
		im->segs = s;
		im->cap_segs = ncap;
	}
	struct seg *s = &im->segs[im->n_segs++];
	memset(s, 0, sizeof(*s));
	s->start = start;
	s->lap = (int64_t)clamp(row_val(im, im->lap, start, (double)im->n_segs),
				-1, UINT32_MAX);
	s->sess =
	    (int32_t)clamp(row_val(im, im->sess, start, -1), -1, INT32_MAX);
	s->time_ms = TB_TIME_UNKNOWN;
	return TB_OK;
}

/* LapLastLapTime updates a few ticks after the line: the lap's time is
 * its first new value within LAST_LAP_WAIT s of the session. */
static int32_t lap_time_after(const struct imp *im, size_t r)
{
	if (!im->last)
		return TB_TIME_UNKNOWN;
	size_t n = ibt_info(im->f)->n_rows;
	size_t wait = (size_t)ibt_info(im->f)->tick_rate * LAST_LAP_WAIT;
	double before = row_val(im, im->last, r - 1, NAN);
	double sess = row_val(im, im->sess, r, -1);
	for (size_t j = r; j < n && j - r <= wait; j++) {
		if (row_val(im, im->sess, j, -1) != sess)
			break;
		double t = row_val(im, im->last, j, NAN);
		if (t == before || (isnan(t) && isnan(before)))
			continue;
		if (t > 0 && t * 1000 < INT32_MAX)
			return (int32_t)lround(t * 1000);
		return TB_TIME_UNKNOWN;
	}
	return TB_TIME_UNKNOWN;
}

/* A new lap starts where Lap or SessionNum changes (without a Lap
 * variable: where LapDistPct wraps from the last to the first quarter). */
static enum tb_status segment(struct imp *im, struct tb_error *err)
{
	size_t n = ibt_info(im->f)->n_rows;
	if (n == 0)
		return TB_OK;
	enum tb_status st = add_seg(im, 0, err);
	for (size_t r = 1; st == TB_OK && r < n; r++) {
		double sa = row_val(im, im->sess, r - 1, -1);
		double sb = row_val(im, im->sess, r, -1);
		bool cross, cut;
		if (im->lap) {
			double la = row_val(im, im->lap, r - 1, 0);
			double lb = row_val(im, im->lap, r, 0);
			cut = la != lb;
			cross = lb == la + 1;
		} else {
			double pa = row_val(im, im->pct, r - 1, 0);
			double pb = row_val(im, im->pct, r, 0);
			cut = cross = pa > 0.75 && pb < 0.25;
		}
		if (sa != sb) {
			cut = true;
			cross = false;
		}
		if (!cut)
			continue;
		struct seg *prev = &im->segs[im->n_segs - 1];
		prev->end = r;
		prev->to_line = cross;
		if (cross)
			prev->time_ms = lap_time_after(im, r);
		st = add_seg(im, r, err);
		if (st == TB_OK)
			im->segs[im->n_segs - 1].from_line = cross;
	}
	if (st == TB_OK)
		im->segs[im->n_segs - 1].end = n;
	for (size_t i = 0; st == TB_OK && i < im->n_segs; i++)
		if (im->segs[i].end - im->segs[i].start > TB_LAP_MAX_SAMPLES)
			st = tb_fail(err, TB_ERR_LIMIT,
				     "%s: lap at rows %zu..%zu has more than "
				     "%u samples",
				     im->path, im->segs[i].start,
				     im->segs[i].end, TB_LAP_MAX_SAMPLES);
	return st;
}

static enum tb_status build_lap(const struct imp *im, const struct seg *s,
				struct tb_lap *lap, struct tb_error *err)
{
	struct tb_frame fr;
	lap->car_index = im->car.car_index;
	lap->lap_number = s->lap < 0		? 0
			  : s->lap > UINT32_MAX ? UINT32_MAX
						: (uint32_t)s->lap;
	lap->lap_time_ms = s->time_ms;
	if (!s->from_line || !s->to_line)
		lap->flags |= TB_LAP_INCOMPLETE;
	bool any_pit = false;
	for (size_t r = s->start; r < s->end; r++) {
		row_frame(im, ibt_row(im->f, r), &fr);
		enum tb_status st = tb_lap_push(lap, &fr);
		if (st != TB_OK)
			return tb_fail(err, st, "%s: lap %u, row %zu: %s",
				       im->path, lap->lap_number, r,
				       tb_strerror(st));
		if (im->pit && row_val(im, im->pit, r, 0) != 0)
			any_pit = true;
	}
	if (any_pit)
		lap->flags |= TB_LAP_PIT;
	if (row_val(im, im->pit, s->start, 0) != 0)
		lap->flags |= TB_LAP_OUT;
	if (row_val(im, im->pit, s->end - 1, 0) != 0)
		lap->flags |= TB_LAP_IN;
	return TB_OK;
}

/* Session of a lap: kind from SessionInfo.Sessions[SessionNum]; each
 * session number is its own session. */
static void session_of(const struct imp *im, int32_t sess,
		       struct tb_session_info *out)
{
	*out = im->base;
	int list = ibt_yaml_get(im->y, 0, "SessionInfo.Sessions");
	int item = -1;
	if (sess >= 0) {
		char num[16];
		snprintf(num, sizeof(num), "%d", (int)sess);
		item = ibt_yaml_item_where(im->y, list, "SessionNum", num);
	} else if (ibt_yaml_n_children(im->y, list) == 1) {
		item = ibt_yaml_get(im->y, list, "[0]");
	}
	out->kind = kind_of(ystr(im, item, "SessionType"));
	out->source_uid = fnv1a(out->source_uid, &sess, sizeof(sess));
}

static enum tb_status read_all(const char *path, const struct fmt_progress *pr,
			       uint8_t **out, size_t *len_out,
			       struct tb_error *err)
{
	*out = NULL;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return tb_fail(err, TB_ERR_IO, "%s: cannot open: %s", path,
			       strerror(errno));
	enum tb_status st = TB_OK;
	uint8_t *buf = NULL;
	if (fseeko(fp, 0, SEEK_END) != 0) {
		st = tb_fail(err, TB_ERR_IO, "%s: cannot seek: %s", path,
			     strerror(errno));
		goto out;
	}
	off_t size = ftello(fp);
	if (size < 0 || fseeko(fp, 0, SEEK_SET) != 0) {
		st = tb_fail(err, TB_ERR_IO, "%s: cannot size: %s", path,
			     strerror(errno));
		goto out;
	}
	if ((uint64_t)size > FMT_FILE_MAX) {
		st =
		    tb_fail(err, TB_ERR_LIMIT,
			    "%s: %lld bytes, more than the %llu accepted", path,
			    (long long)size, (unsigned long long)FMT_FILE_MAX);
		goto out;
	}
	size_t len = (size_t)size;
	buf = tb_malloc(len ? len : 1);
	if (!buf) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: %zu bytes", path, len);
		goto out;
	}
	for (size_t done = 0; done < len;) {
		size_t want = len - done < READ_CHUNK ? len - done : READ_CHUNK;
		if (fread(buf + done, 1, want, fp) != want) {
			st = tb_fail(err, TB_ERR_IO,
				     "%s: read failed at offset %zu", path,
				     done);
			goto out;
		}
		done += want;
		if (pr && pr->update)
			pr->update(pr->ctx, done, len);
	}
	*out = buf;
	*len_out = len;
	buf = NULL;
out:
	tb_free(buf);
	fclose(fp);
	return st;
}

static enum tb_status hand_over(struct imp *im, struct tb_lap *laps,
				fmt_lap_fn fn, void *ctx, struct tb_error *err)
{
	for (size_t i = 0; i < im->n_segs; i++) {
		struct tb_session_info si;
		session_of(im, im->segs[i].sess, &si);
		enum tb_status st = fn(ctx, &si, &im->car, &laps[i], &im->meta);
		if (st != TB_OK)
			return tb_fail(err, st, "%s: lap %u not taken: %s",
				       im->path, laps[i].lap_number,
				       tb_strerror(st));
	}
	return TB_OK;
}

enum tb_status ibt_import_buf(const uint8_t *buf, size_t len, const char *label,
			      fmt_lap_fn fn, void *ctx, struct tb_error *err)
{
	struct ibt_file *f = NULL;
	struct tb_lap *laps = NULL;
	struct imp im;
	memset(&im, 0, sizeof(im));
	im.path = label ? label : "ibt";
	enum tb_status st = ibt_parse(buf, len, im.path, &f, err);
	if (st != TB_OK)
		goto out;
	if (ibt_info(f)->live) {
		st = tb_fail(err, TB_ERR_UNSUPPORTED,
			     "%s: a snapshot of iRacing's live memory map "
			     "(%zu rotating buffers, newest tick %d), not a "
			     "disk telemetry file: one sample, no laps",
			     im.path, ibt_info(f)->n_bufs,
			     ibt_info(f)->newest_tick);
		goto out;
	}
	im.f = f;
	im.y = ibt_session(f);
	setup_session(&im);
	setup_car(&im);
	setup_channels(&im);
	st = segment(&im, err);
	if (st != TB_OK || im.n_segs == 0)
		goto out;
	laps = tb_calloc(im.n_segs, sizeof(*laps));
	if (!laps) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: %zu laps", im.path,
			     im.n_segs);
		goto out;
	}
	for (size_t i = 0; i < im.n_segs; i++)
		tb_lap_init(&laps[i]);
	for (size_t i = 0; st == TB_OK && i < im.n_segs; i++)
		st = build_lap(&im, &im.segs[i], &laps[i], err);
	if (st == TB_OK)
		st = hand_over(&im, laps, fn, ctx, err);
out:
	for (size_t i = 0; laps && i < im.n_segs; i++)
		tb_lap_release(&laps[i]);
	tb_free(laps);
	tb_free(im.segs);
	ibt_destroy(f);
	return st;
}

static enum tb_status ibt_import(const char *path, fmt_lap_fn fn, void *ctx,
				 const struct fmt_progress *progress,
				 struct tb_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	enum tb_status st = read_all(path, progress, &buf, &len, err);
	if (st == TB_OK)
		st = ibt_import_buf(buf, len, path, fn, ctx, err);
	tb_free(buf);
	return st;
}

static bool ibt_sniff(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	if (!head || n < IBT_HEADER_LEN)
		return false;
	struct raw_header h;
	read_header(head, &h);
	return check_header(&h, "", NULL) == TB_OK &&
	       h.vh_off >= (int32_t)IBT_HEADER_LEN;
}

const struct fmt_importer fmt_importer_ibt = {
    .version = 1,
    .name = "ibt",
    .title = "iRacing telemetry (.ibt)",
    .sniff = ibt_sniff,
    .import = ibt_import,
};

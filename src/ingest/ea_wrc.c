/* ea_wrc.c - EA SPORTS WRC UDP: packet structures (the built-in default
 * and a small JSON reader for the game's structure files), the decoder
 * and encoder driven by them, and the ingest protocol that makes stage
 * runs of session_update packets (rules in ea_wrc.h). */
#include "ea_wrc.h"
#include "ingest_int.h"

#include "stage.h"

#include <math.h>
#include <stdio.h>

#define SESSION_IDLE_US (60 * 1000000LL)
#define RUN_IDLE_US	(5 * 1000000LL)
#define GRAVITY		9.80665
#define JSON_DEPTH_MAX	32

static const char *const ch_names[WRC_CH__COUNT] = {
#define WRC__X(id, name, type) name,
    WRC_CHANNEL_LIST(WRC__X)
#undef WRC__X
};

static const uint8_t ch_types[WRC_CH__COUNT] = {
#define WRC__X(id, name, type) type,
    WRC_CHANNEL_LIST(WRC__X)
#undef WRC__X
};

static const char fourcc[WRC_KIND__COUNT][5] = {"sess", "sesu", "sese", "sesp",
						"sesr"};
static const char *const kind_ids[WRC_KIND__COUNT] = {
    "session_start", "session_update", "session_end", "session_pause",
    "session_resume"};

const char *wrc_channel_name(enum wrc_channel ch)
{
	return (unsigned)ch < WRC_CH__COUNT ? ch_names[ch] : NULL;
}

enum wrc_type wrc_channel_type(enum wrc_channel ch)
{
	return (enum wrc_type)ch_types[ch];
}

static size_t type_size(enum wrc_type t)
{
	switch (t) {
	case WRC_T_BOOL:
	case WRC_T_U8:
		return 1;
	case WRC_T_U16:
		return 2;
	case WRC_T_U32:
	case WRC_T_F32:
	case WRC_T_FOURCC:
		return 4;
	default:
		return 8;
	}
}

/* ------------------------------------------------------------------ */
/* Structures */

/* Lay out a channel list after `off`; returns the end offset. */
static size_t lay_out(struct wrc_field *f, const uint16_t *chs, size_t n,
		      size_t off)
{
	for (size_t i = 0; i < n; i++) {
		f[i].ch = chs[i];
		f[i].off = (uint16_t)off;
		off += type_size(wrc_channel_type(chs[i]));
	}
	return off;
}

/* Offsets from channel lists; the caller checked the counts. */
static enum tb_status build(struct wrc_schema *s, const uint16_t *hdr,
			    size_t n_hdr, uint16_t lists[][WRC_FIELDS_MAX],
			    const size_t *n, const bool *used,
			    struct tb_error *err)
{
	s->n_header = n_hdr;
	s->header_size = lay_out(s->header, hdr, n_hdr, 0);
	s->off_4cc = -1;
	for (size_t i = 0; i < n_hdr; i++)
		if (hdr[i] == WRC_CH_PACKET_4CC)
			s->off_4cc = s->header[i].off;
	for (int k = 0; k < WRC_KIND__COUNT; k++) {
		struct wrc_packet_def *d = &s->pk[k];
		d->used = used[k];
		d->n = n[k];
		d->size = lay_out(d->f, lists[k], n[k], s->header_size);
		if (d->size > TB_DATAGRAM_MAX)
			return tb_fail(err, TB_ERR_FORMAT,
				       "ea-wrc structure: packet %s is %zu "
				       "bytes, over %u",
				       kind_ids[k], d->size, TB_DATAGRAM_MAX);
	}
	if (s->off_4cc < 0 && !used[WRC_SESSION_UPDATE])
		return tb_fail(err, TB_ERR_FORMAT,
			       "ea-wrc structure: no packet_4cc in the header "
			       "and no session_update");
	return TB_OK;
}

void wrc_schema_default(struct wrc_schema *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "wrc");
	static const uint16_t hdr[2] = {WRC_CH_PACKET_4CC, WRC_CH_PACKET_UID};
	uint16_t lists[WRC_KIND__COUNT][WRC_FIELDS_MAX];
	size_t n[WRC_KIND__COUNT] = {0};
	bool used[WRC_KIND__COUNT] = {true, true, true, true, true};
	/* session_update: game_total_time .. stage_length, in the order of
	 * WRC_CHANNEL_LIST (which follows the game's wrc.json) */
	for (unsigned c = WRC_CH_GAME_TOTAL_TIME; c <= WRC_CH_STAGE_LENGTH; c++)
		lists[WRC_SESSION_UPDATE][n[WRC_SESSION_UPDATE]++] =
		    (uint16_t)c;
	enum tb_status st = build(out, hdr, 2, lists, n, used, NULL);
	(void)st; /* the built-in structure is valid (tested) */
}

/* A minimal JSON reader for the structure's shape: values are walked
 * recursively; only the keys we need are kept, the rest skipped. */
struct jp {
	const char *s;
	size_t n, i;
	int depth;
	struct tb_error *err;
	enum tb_status st;
	/* what was read */
	char id[TB_NAME_MAX];
	uint16_t hdr[WRC_HEADER_MAX];
	size_t n_hdr;
	uint16_t lists[WRC_KIND__COUNT][WRC_FIELDS_MAX];
	size_t n_list[WRC_KIND__COUNT];
	bool used[WRC_KIND__COUNT];
};

static bool jfail(struct jp *p, const char *what)
{
	if (p->st == TB_OK)
		p->st = tb_fail(p->err, TB_ERR_FORMAT,
				"ea-wrc structure: %s at byte %zu", what, p->i);
	return false;
}

static void jws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
			       p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static bool jeat(struct jp *p, char c)
{
	jws(p);
	if (p->i < p->n && p->s[p->i] == c) {
		p->i++;
		return true;
	}
	return false;
}

/* A string into out (truncated to cap - 1; \u escapes become '?'). */
static bool jstr(struct jp *p, char *out, size_t cap)
{
	size_t o = 0;
	if (!jeat(p, '"'))
		return jfail(p, "string expected");
	while (p->i < p->n) {
		char c = p->s[p->i++];
		if (c == '"') {
			if (cap)
				out[o] = '\0';
			return true;
		}
		if ((unsigned char)c < 0x20)
			return jfail(p, "control character in string");
		if (c == '\\') {
			if (p->i >= p->n)
				break;
			c = p->s[p->i++];
			if (c == 'u') {
				if (p->n - p->i < 4)
					break;
				p->i += 4;
				c = '?';
			} else if (c == 'n' || c == 't' || c == 'r' ||
				   c == 'b' || c == 'f') {
				c = ' ';
			} else if (c != '"' && c != '\\' && c != '/') {
				return jfail(p, "bad escape");
			}
		}
		if (o + 1 < cap)
			out[o++] = c;
	}
	return jfail(p, "unterminated string");
}

static bool jvalue(struct jp *p);

static bool jskip_container(struct jp *p, char open, char close)
{
	if (++p->depth > JSON_DEPTH_MAX)
		return jfail(p, "nested too deep");
	(void)open;
	if (jeat(p, close)) {
		p->depth--;
		return true;
	}
	do {
		if (close == '}') {
			char key[8];
			if (!jstr(p, key, sizeof(key)) || !jeat(p, ':'))
				return jfail(p, "object member expected");
		}
		if (!jvalue(p))
			return false;
	} while (jeat(p, ','));
	if (!jeat(p, close))
		return jfail(p, "',' or end of container expected");
	p->depth--;
	return true;
}

/* Skip any value. */
static bool jvalue(struct jp *p)
{
	jws(p);
	if (p->i >= p->n)
		return jfail(p, "value expected");
	char c = p->s[p->i];
	if (c == '{') {
		p->i++;
		return jskip_container(p, '{', '}');
	}
	if (c == '[') {
		p->i++;
		return jskip_container(p, '[', ']');
	}
	if (c == '"') {
		char tmp[2];
		return jstr(p, tmp, sizeof(tmp));
	}
	size_t start = p->i;
	while (p->i < p->n && strchr("+-0123456789.eEtruefalsn", p->s[p->i]))
		p->i++;
	return p->i > start ? true : jfail(p, "value expected");
}

static int channel_by_name(const char *name)
{
	for (int c = 0; c < WRC_CH__COUNT; c++)
		if (!strcmp(ch_names[c], name))
			return c;
	return -1;
}

/* An array of channel names into list (cap entries). */
static bool jchannels(struct jp *p, uint16_t *list, size_t *n, size_t cap)
{
	*n = 0;
	if (!jeat(p, '['))
		return jfail(p, "channel list expected");
	if (jeat(p, ']'))
		return true;
	do {
		char name[TB_NAME_MAX];
		if (!jstr(p, name, sizeof(name)))
			return false;
		int c = channel_by_name(name);
		if (c < 0) {
			if (p->st == TB_OK)
				p->st = tb_fail(p->err, TB_ERR_FORMAT,
						"ea-wrc structure: unknown "
						"channel '%s'",
						name);
			return false;
		}
		if (*n >= cap)
			return jfail(p, "too many channels");
		list[(*n)++] = (uint16_t)c;
	} while (jeat(p, ','));
	return jeat(p, ']') ? true : jfail(p, "']' expected");
}

/* Iterate the members of an object: fn(p, key) reads each value. */
static bool jobject(struct jp *p, bool (*fn)(struct jp *, const char *, void *),
		    void *ctx)
{
	if (!jeat(p, '{'))
		return jfail(p, "object expected");
	if (++p->depth > JSON_DEPTH_MAX)
		return jfail(p, "nested too deep");
	if (!jeat(p, '}')) {
		do {
			char key[TB_NAME_MAX];
			if (!jstr(p, key, sizeof(key)) || !jeat(p, ':'))
				return jfail(p, "object member expected");
			if (!fn(p, key, ctx))
				return false;
		} while (jeat(p, ','));
		if (!jeat(p, '}'))
			return jfail(p, "'}' expected");
	}
	p->depth--;
	return true;
}

static bool on_header(struct jp *p, const char *key, void *ctx)
{
	(void)ctx;
	if (!strcmp(key, "channels"))
		return jchannels(p, p->hdr, &p->n_hdr, WRC_HEADER_MAX);
	return jvalue(p);
}

struct packet_rd {
	char id[TB_NAME_MAX];
	uint16_t list[WRC_FIELDS_MAX];
	size_t n;
	bool have_list;
};

static bool on_packet(struct jp *p, const char *key, void *ctx)
{
	struct packet_rd *r = ctx;
	if (!strcmp(key, "id"))
		return jstr(p, r->id, sizeof(r->id));
	if (!strcmp(key, "channels")) {
		r->have_list = true;
		return jchannels(p, r->list, &r->n, WRC_FIELDS_MAX);
	}
	return jvalue(p);
}

static bool jpackets(struct jp *p)
{
	if (!jeat(p, '['))
		return jfail(p, "packet list expected");
	if (jeat(p, ']'))
		return true;
	do {
		struct packet_rd r;
		memset(&r, 0, sizeof(r));
		if (!jobject(p, on_packet, &r))
			return false;
		for (int k = 0; k < WRC_KIND__COUNT; k++) {
			if (strcmp(r.id, kind_ids[k]) != 0)
				continue;
			p->used[k] = true;
			memcpy(p->lists[k], r.list, r.n * sizeof(r.list[0]));
			p->n_list[k] = r.n;
		}
	} while (jeat(p, ','));
	return jeat(p, ']') ? true : jfail(p, "']' expected");
}

static bool on_root(struct jp *p, const char *key, void *ctx)
{
	(void)ctx;
	if (!strcmp(key, "id"))
		return jstr(p, p->id, sizeof(p->id));
	if (!strcmp(key, "header"))
		return jobject(p, on_header, NULL);
	if (!strcmp(key, "packets"))
		return jpackets(p);
	return jvalue(p);
}

enum tb_status wrc_schema_parse(const char *json, size_t len,
				struct wrc_schema *out, struct tb_error *err)
{
	memset(out, 0, sizeof(*out));
	struct jp *p = tb_calloc(1, sizeof(*p));
	if (!p)
		return tb_fail(err, TB_ERR_NOMEM, "ea-wrc structure: %s",
			       tb_strerror(TB_ERR_NOMEM));
	p->s = json;
	p->n = len;
	p->err = err;
	bool ok = jobject(p, on_root, NULL);
	if (ok) {
		jws(p);
		if (p->i != p->n)
			ok = jfail(p, "trailing data");
	}
	enum tb_status st = p->st;
	if (ok) {
		snprintf(out->id, sizeof(out->id), "%s", p->id);
		st = build(out, p->hdr, p->n_hdr, p->lists, p->n_list, p->used,
			   err);
	} else if (st == TB_OK) {
		st = tb_fail(err, TB_ERR_FORMAT, "ea-wrc structure: bad JSON");
	}
	tb_free(p);
	return st;
}

enum tb_status wrc_schema_load(const char *path, struct wrc_schema *out,
			       struct tb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return tb_fail(err, TB_ERR_IO, "%s: cannot open", path);
	char *buf = tb_malloc(WRC_SCHEMA_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return tb_fail(err, TB_ERR_NOMEM, "%s: %s", path,
			       tb_strerror(TB_ERR_NOMEM));
	}
	size_t n = fread(buf, 1, WRC_SCHEMA_MAX_BYTES + 1, f);
	bool failed = ferror(f) != 0;
	fclose(f);
	enum tb_status st;
	if (failed)
		st = tb_fail(err, TB_ERR_IO, "%s: read error", path);
	else if (n > WRC_SCHEMA_MAX_BYTES)
		st = tb_fail(err, TB_ERR_LIMIT, "%s: over %u bytes", path,
			     WRC_SCHEMA_MAX_BYTES);
	else
		st = wrc_schema_parse(buf, n, out, err);
	tb_free(buf);
	return st;
}

/* ------------------------------------------------------------------ */
/* Packets */

double wrc_value(const struct wrc_packet *p, enum wrc_channel ch)
{
	if (!wrc_has(p, ch))
		return 0;
	uint64_t r = p->raw[ch];
	switch (wrc_channel_type(ch)) {
	case WRC_T_F32: {
		uint32_t u = (uint32_t)r;
		float f;
		memcpy(&f, &u, sizeof(f));
		return f;
	}
	case WRC_T_F64: {
		double d;
		memcpy(&d, &r, sizeof(d));
		return d;
	}
	default:
		return (double)r;
	}
}

void wrc_set(struct wrc_packet *p, enum wrc_channel ch, double v)
{
	uint64_t r = 0;
	switch (wrc_channel_type(ch)) {
	case WRC_T_F32: {
		float f = (float)v;
		uint32_t u;
		memcpy(&u, &f, sizeof(u));
		r = u;
		break;
	}
	case WRC_T_F64:
		memcpy(&r, &v, sizeof(r));
		break;
	case WRC_T_BOOL:
		r = v != 0;
		break;
	default:
		r = v > 0 ? (uint64_t)v : 0;
		break;
	}
	p->raw[ch] = r;
	p->has[ch / 64] |= (uint64_t)1 << (ch % 64);
}

static uint64_t rd_field(const uint8_t *b, enum wrc_type t)
{
	switch (t) {
	case WRC_T_BOOL:
	case WRC_T_U8:
		return b[0];
	case WRC_T_U16:
		return tb_ld_u16le(b);
	case WRC_T_U32:
	case WRC_T_F32:
	case WRC_T_FOURCC:
		return tb_ld_u32le(b);
	default:
		return tb_ld_u64le(b);
	}
}

static void st_field(uint8_t *b, enum wrc_type t, uint64_t v)
{
	switch (t) {
	case WRC_T_BOOL:
	case WRC_T_U8:
		b[0] = (uint8_t)v;
		break;
	case WRC_T_U16:
		tb_st_u16le(b, (uint16_t)v);
		break;
	case WRC_T_U32:
	case WRC_T_F32:
	case WRC_T_FOURCC:
		tb_st_u32le(b, (uint32_t)v);
		break;
	default:
		tb_st_u64le(b, v);
		break;
	}
}

/* The kind a 4CC names (text order or reversed), or -1. */
static int kind_of_4cc(const uint8_t *b)
{
	for (int k = 0; k < WRC_KIND__COUNT; k++) {
		const char *c = fourcc[k];
		if (!memcmp(b, c, 4))
			return k;
		if (b[0] == c[3] && b[1] == c[2] && b[2] == c[1] &&
		    b[3] == c[0])
			return k;
	}
	return -1;
}

static void read_fields(const struct wrc_field *f, size_t n, const uint8_t *buf,
			struct wrc_packet *out)
{
	for (size_t i = 0; i < n; i++) {
		enum wrc_channel ch = f[i].ch;
		out->raw[ch] = rd_field(buf + f[i].off, wrc_channel_type(ch));
		out->has[ch / 64] |= (uint64_t)1 << (ch % 64);
	}
}

enum tb_status wrc_decode(const struct wrc_schema *s, const uint8_t *buf,
			  size_t len, struct wrc_packet *out,
			  struct tb_error *err)
{
	int kind = WRC_SESSION_UPDATE;
	size_t need = s->header_size;
	if (s->off_4cc >= 0 && (size_t)s->off_4cc + 4 > need)
		need = (size_t)s->off_4cc + 4;
	if (len < need)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "ea-wrc: %zu bytes, shorter than the %zu-byte "
			       "header",
			       len, need);
	if (s->off_4cc >= 0) {
		kind = kind_of_4cc(buf + s->off_4cc);
		if (kind < 0 || !s->pk[kind].used)
			return tb_fail(err, TB_ERR_ID,
				       "ea-wrc: unknown packet 4CC "
				       "%02x%02x%02x%02x",
				       buf[s->off_4cc], buf[s->off_4cc + 1],
				       buf[s->off_4cc + 2],
				       buf[s->off_4cc + 3]);
	}
	const struct wrc_packet_def *d = &s->pk[kind];
	if (len != d->size)
		return tb_fail(err, TB_ERR_LENGTH,
			       "ea-wrc: %s packet %zu bytes, structure '%s' "
			       "expects %zu",
			       kind_ids[kind], len, s->id, d->size);
	memset(out, 0, sizeof(*out));
	out->kind = (enum wrc_kind)kind;
	read_fields(s->header, s->n_header, buf, out);
	read_fields(d->f, d->n, buf, out);
	return TB_OK;
}

enum tb_status wrc_encode(const struct wrc_schema *s,
			  const struct wrc_packet *p, uint8_t *buf, size_t cap,
			  size_t *len)
{
	if ((unsigned)p->kind >= WRC_KIND__COUNT || !s->pk[p->kind].used)
		return TB_ERR_ARG;
	const struct wrc_packet_def *d = &s->pk[p->kind];
	if (cap < d->size)
		return TB_ERR_LIMIT;
	memset(buf, 0, d->size);
	for (size_t i = 0; i < s->n_header; i++) {
		enum wrc_channel ch = s->header[i].ch;
		uint64_t v = wrc_has(p, ch) ? p->raw[ch] : 0;
		if (ch == WRC_CH_PACKET_4CC)
			v = tb_ld_u32le((const uint8_t *)fourcc[p->kind]);
		st_field(buf + s->header[i].off, wrc_channel_type(ch), v);
	}
	for (size_t i = 0; i < d->n; i++) {
		enum wrc_channel ch = d->f[i].ch;
		st_field(buf + d->f[i].off, wrc_channel_type(ch),
			 wrc_has(p, ch) ? p->raw[ch] : 0);
	}
	*len = d->size;
	return TB_OK;
}

bool wrc_sniff(const uint8_t *buf, size_t len)
{
	/* default structure: 4CC at 0, 12 or 241 bytes */
	if (len < 12)
		return false;
	int k = kind_of_4cc(buf);
	if (k < 0)
		return false;
	return len == (k == WRC_SESSION_UPDATE ? 241u : 12u);
}

/* ------------------------------------------------------------------ */
/* The protocol instance. */

struct wrc_inst {
	ingest_lap_fn fn;
	void *ctx;
	struct ingest_stats st;
	struct wrc_schema schema;
	struct stage_asm *stage;
	bool in_session;
	double length;
	struct tb_session_info info;
	struct tb_car_info car;
	int64_t last_us;
	struct wrc_packet pkt; /* decode scratch */
};

static void on_lap(void *ctx, struct tb_lap *lap)
{
	struct wrc_inst *w = ctx;
	struct tb_session_info s = w->info;
	s.track_length_m = w->length > 0 ? w->length : 0;
	ingest__hand_over(w->fn, w->ctx, &s, &w->car, lap, &w->st.laps,
			  &w->st.laps_incomplete);
}

static enum tb_status wrc_create(const struct ingest_opts *opts,
				 ingest_lap_fn fn, void *ctx, void **out)
{
	*out = NULL;
	if (!fn)
		return TB_ERR_ARG;
	struct wrc_inst *w = tb_calloc(1, sizeof(*w));
	if (!w)
		return TB_ERR_NOMEM;
	w->fn = fn;
	w->ctx = ctx;
	enum tb_status st = TB_OK;
	if (opts && opts->schema)
		st = wrc_schema_load(opts->schema, &w->schema, NULL);
	else
		wrc_schema_default(&w->schema);
	if (st == TB_OK)
		st = stage_asm_create(on_lap, w, &w->stage);
	if (st != TB_OK) {
		tb_free(w);
		return st;
	}
	if (opts)
		stage_asm_observe(w->stage, &opts->live, &w->info, &w->car);
	*out = w;
	return TB_OK;
}

static void wrc_destroy(void *inst)
{
	struct wrc_inst *w = inst;
	if (!w)
		return;
	stage_asm_destroy(w->stage);
	tb_free(w);
}

static void close_session(struct wrc_inst *w)
{
	if (!w->in_session)
		return;
	stage_asm_reset(w->stage);
	w->in_session = false;
}

static void open_session(struct wrc_inst *w, const struct wrc_packet *p,
			 int64_t now_us)
{
	w->in_session = true;
	w->length = 0;
	struct tb_session_info *in = &w->info;
	memset(in, 0, sizeof(*in));
	in->source_uid = (uint64_t)now_us;
	in->game = TB_GAME_EA_WRC;
	in->track_id = wrc_has(p, WRC_CH_ROUTE_ID)
			   ? (int32_t)wrc_value(p, WRC_CH_ROUTE_ID)
			   : -1;
	in->kind = TB_SESSION_STAGE;
	in->game_session_type = wrc_has(p, WRC_CH_GAME_MODE)
				    ? (int32_t)wrc_value(p, WRC_CH_GAME_MODE)
				    : -1;
	in->car_class = TB_CLASS_RALLY;
	in->weather = -1;
	in->start_unix_ms = now_us / 1000;
	memset(&w->car, 0, sizeof(w->car));
	w->car.team_id = wrc_has(p, WRC_CH_VEHICLE_ID)
			     ? (int32_t)wrc_value(p, WRC_CH_VEHICLE_ID)
			     : -1;
	w->car.race_number = -1;
	w->st.sessions++;
}

static double gear_of(const struct wrc_packet *p)
{
	double g = wrc_value(p, WRC_CH_GEAR);
	if (wrc_has(p, WRC_CH_GEAR_REVERSE)) {
		if (g == wrc_value(p, WRC_CH_GEAR_REVERSE))
			return -1;
	} else if (g == 10) {
		return -1;
	}
	if (wrc_has(p, WRC_CH_GEAR_NEUTRAL) &&
	    g == wrc_value(p, WRC_CH_GEAR_NEUTRAL))
		return 0;
	return g;
}

static bool has3(const struct wrc_packet *p, enum wrc_channel x)
{
	return wrc_has(p, x) && wrc_has(p, x + 1) && wrc_has(p, x + 2);
}

static double dot3(const struct wrc_packet *p, enum wrc_channel a,
		   enum wrc_channel b)
{
	double s = 0;
	for (int i = 0; i < 3; i++)
		s += wrc_value(p, a + i) * wrc_value(p, b + i);
	return s;
}

/* Channel c of p to canonical ch when present. */
static void map1(struct tb_frame *f, const struct wrc_packet *p,
		 enum wrc_channel c, enum tb_channel ch)
{
	if (wrc_has(p, c))
		tb_frame_set(f, ch, wrc_value(p, c));
}

static void map_xyz(struct tb_frame *f, const struct wrc_packet *p,
		    enum wrc_channel x, enum tb_channel cx)
{
	if (!has3(p, x))
		return;
	/* Y is up: x -> x, z -> y, y -> z */
	tb_frame_set(f, cx, wrc_value(p, x));
	tb_frame_set(f, cx + 1, wrc_value(p, x + 2));
	tb_frame_set(f, cx + 2, wrc_value(p, x + 1));
}

static void make_frame(const struct wrc_packet *p, struct tb_frame *f)
{
	tb_frame_clear(f);
	if (wrc_has(p, WRC_CH_GAME_TOTAL_TIME))
		map1(f, p, WRC_CH_GAME_TOTAL_TIME, TB_CH_TIME);
	else
		map1(f, p, WRC_CH_STAGE_TIME, TB_CH_TIME);
	map1(f, p, WRC_CH_STAGE_TIME, TB_CH_LAP_TIME);
	map1(f, p, WRC_CH_STAGE_DIST, TB_CH_LAP_DIST);
	map1(f, p, WRC_CH_SPEED, TB_CH_SPEED);
	map1(f, p, WRC_CH_THROTTLE, TB_CH_THROTTLE);
	map1(f, p, WRC_CH_BRAKE, TB_CH_BRAKE);
	map1(f, p, WRC_CH_CLUTCH, TB_CH_CLUTCH);
	map1(f, p, WRC_CH_STEERING, TB_CH_STEER);
	map1(f, p, WRC_CH_RPM, TB_CH_RPM);
	if (wrc_has(p, WRC_CH_GEAR))
		tb_frame_set(f, TB_CH_GEAR, gear_of(p));
	map_xyz(f, p, WRC_CH_POS_X, TB_CH_POS_X);
	map_xyz(f, p, WRC_CH_VEL_X, TB_CH_VEL_X);
	map1(f, p, WRC_CH_BRAKE_TEMP_FL, TB_CH_BRAKE_TEMP_FL);
	map1(f, p, WRC_CH_BRAKE_TEMP_FR, TB_CH_BRAKE_TEMP_FR);
	map1(f, p, WRC_CH_BRAKE_TEMP_BL, TB_CH_BRAKE_TEMP_RL);
	map1(f, p, WRC_CH_BRAKE_TEMP_BR, TB_CH_BRAKE_TEMP_RR);
	if (has3(p, WRC_CH_FWD_X)) {
		double fx = wrc_value(p, WRC_CH_FWD_X);
		double fz = wrc_value(p, WRC_CH_FWD_Z);
		if (hypot(fx, fz) > 0.1)
			tb_frame_set(f, TB_CH_YAW, atan2(fx, fz));
		if (has3(p, WRC_CH_ACC_X))
			tb_frame_set(f, TB_CH_G_LON,
				     dot3(p, WRC_CH_ACC_X, WRC_CH_FWD_X) /
					 GRAVITY);
	}
	if (has3(p, WRC_CH_ACC_X) && has3(p, WRC_CH_LEFT_X))
		tb_frame_set(f, TB_CH_G_LAT,
			     -dot3(p, WRC_CH_ACC_X, WRC_CH_LEFT_X) / GRAVITY);
	if (has3(p, WRC_CH_ACC_X) && has3(p, WRC_CH_UP_X))
		tb_frame_set(f, TB_CH_G_VERT,
			     dot3(p, WRC_CH_ACC_X, WRC_CH_UP_X) / GRAVITY);
}

static void take_update(struct wrc_inst *w, const struct wrc_packet *p)
{
	struct tb_frame f;
	make_frame(p, &f);
	if (wrc_has(p, WRC_CH_STAGE_LENGTH))
		w->length = wrc_value(p, WRC_CH_STAGE_LENGTH);
	struct stage_state ss;
	memset(&ss, 0, sizeof(ss));
	ss.time_s = wrc_value(p, WRC_CH_STAGE_TIME);
	ss.dist_m = wrc_value(p, WRC_CH_STAGE_DIST);
	ss.progress =
	    wrc_has(p, WRC_CH_PROGRESS) ? wrc_value(p, WRC_CH_PROGRESS) : -1;
	ss.length_m = w->length;
	w->st.frames++;
	if (!tb_frame_has(&f, TB_CH_TIME) ||
	    stage_asm_frame(w->stage, &f, &ss) != TB_OK)
		w->st.frame_errors++;
}

static enum tb_status wrc_datagram(void *inst, const uint8_t *buf, size_t len,
				   int64_t now_us, struct tb_error *err)
{
	struct wrc_inst *w = inst;
	w->st.datagrams++;
	w->st.bytes += len;
	enum tb_status st = wrc_decode(&w->schema, buf, len, &w->pkt, err);
	if (st != TB_OK) {
		w->st.rejected[ingest_reject_of(st)]++;
		return st;
	}
	const struct wrc_packet *p = &w->pkt;
	w->st.accepted++;
	w->st.kinds[p->kind]++;
	if (w->in_session && now_us - w->last_us > SESSION_IDLE_US)
		close_session(w);
	w->last_us = now_us;
	switch (p->kind) {
	case WRC_SESSION_START:
		close_session(w);
		open_session(w, p, now_us);
		if (wrc_has(p, WRC_CH_STAGE_LENGTH))
			w->length = wrc_value(p, WRC_CH_STAGE_LENGTH);
		break;
	case WRC_SESSION_UPDATE:
		if (!w->in_session)
			open_session(w, p, now_us);
		take_update(w, p);
		break;
	case WRC_SESSION_END:
		close_session(w);
		break;
	default: /* pause / resume: counted only */
		break;
	}
	return TB_OK;
}

static void wrc_tick(void *inst, int64_t now_us, const struct ingest_io *io)
{
	(void)io;
	struct wrc_inst *w = inst;
	if (!w->in_session)
		return;
	if (now_us - w->last_us > SESSION_IDLE_US)
		close_session(w);
	else if (now_us - w->last_us > RUN_IDLE_US)
		stage_asm_end(w->stage);
}

static void wrc_flush(void *inst)
{
	close_session(inst);
}

static void wrc_stats(const void *inst, struct ingest_stats *out)
{
	const struct wrc_inst *w = inst;
	*out = w->st;
	const struct stage_asm_stats *ss = stage_asm_stats(w->stage);
	out->rewinds = ss->restarts;
	out->discarded = ss->discarded + ss->post_finish;
}

static const char *wrc_kind_name(unsigned i)
{
	return i < WRC_KIND__COUNT ? kind_ids[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* Encoder for the generator's frames, default structure. Each generated
 * lap is a stage run: the first frame after the line carries the clock
 * frozen at the lap's time with the distance past the stage length (as
 * the game freezes the stage clock at the finish), so the run ends with
 * the generator's exact time; the next frame restarts the clock. */

static enum tb_status wrc_gen_encode(const struct gen_frame *fr, unsigned car,
				     char variant, uint8_t *buf, size_t cap,
				     size_t *len)
{
	(void)variant;
	if (car >= F1_CARS)
		return TB_ERR_RANGE;
	const struct f1_motion_car *m = &fr->motion->u.motion[car];
	const struct f1_lap_car *l = &fr->lap->u.lap.cars[car];
	const struct f1_telemetry_car *t = &fr->telemetry->u.telemetry[car];
	const struct f1_status_car *s = &fr->status->u.status[car];
	struct wrc_schema sch;
	wrc_schema_default(&sch);
	struct wrc_packet p;
	memset(&p, 0, sizeof(p));
	p.kind = WRC_SESSION_UPDATE;
	double length = gen_track_length();
	/* the first frame of a lap: less than one frame period into it */
	double period_ms = fr->t_s > 0 && fr->frame_id > 0
			       ? 1000.0 * fr->t_s / fr->frame_id
			       : 1000.0 / 60;
	bool finish = l->lap_num >= 2 && l->last_lap_ms > 0 &&
		      l->current_lap_ms < period_ms;
	wrc_set(&p, WRC_CH_PACKET_UID, fr->frame_id);
	wrc_set(&p, WRC_CH_GAME_TOTAL_TIME, fr->t_s);
	wrc_set(&p, WRC_CH_GAME_DELTA_TIME, 1.0 / 60);
	wrc_set(&p, WRC_CH_GAME_FRAME_COUNT, fr->frame_id);
	wrc_set(&p, WRC_CH_STAGE_TIME,
		(finish ? l->last_lap_ms : l->current_lap_ms) / 1000.0);
	wrc_set(&p, WRC_CH_STAGE_DIST,
		finish ? length + l->lap_distance : l->lap_distance);
	wrc_set(&p, WRC_CH_STAGE_LENGTH, length);
	wrc_set(&p, WRC_CH_GEAR, t->gear < 0 ? 10 : t->gear);
	wrc_set(&p, WRC_CH_GEAR_NEUTRAL, 0);
	wrc_set(&p, WRC_CH_GEAR_REVERSE, 10);
	wrc_set(&p, WRC_CH_GEAR_MAX, s->max_gears);
	wrc_set(&p, WRC_CH_SPEED, t->speed_kmh / TB_KMH_PER_MS);
	wrc_set(&p, WRC_CH_RPM, t->rpm);
	wrc_set(&p, WRC_CH_RPM_MAX, s->max_rpm);
	wrc_set(&p, WRC_CH_RPM_IDLE, s->idle_rpm);
	wrc_set(&p, WRC_CH_THROTTLE, t->throttle);
	wrc_set(&p, WRC_CH_BRAKE, t->brake);
	wrc_set(&p, WRC_CH_CLUTCH, t->clutch / 100.0);
	wrc_set(&p, WRC_CH_STEERING, t->steer);
	double fwd[3], left[3], up[3] = {0, 1, 0};
	for (int i = 0; i < 3; i++) {
		fwd[i] = m->fwd[i] / 32767.0;
		left[i] = -m->right[i] / 32767.0;
		wrc_set(&p, WRC_CH_POS_X + i, m->pos[i]);
		wrc_set(&p, WRC_CH_VEL_X + i, m->vel[i]);
		wrc_set(&p, WRC_CH_FWD_X + i, fwd[i]);
		wrc_set(&p, WRC_CH_LEFT_X + i, left[i]);
		wrc_set(&p, WRC_CH_UP_X + i, up[i]);
		wrc_set(&p, WRC_CH_ACC_X + i,
			GRAVITY * (fwd[i] * m->g_lon - left[i] * m->g_lat +
				   up[i] * m->g_vert));
	}
	/* F1 wire order RL, RR, FL, FR */
	wrc_set(&p, WRC_CH_BRAKE_TEMP_BL, t->brake_temp[0]);
	wrc_set(&p, WRC_CH_BRAKE_TEMP_BR, t->brake_temp[1]);
	wrc_set(&p, WRC_CH_BRAKE_TEMP_FL, t->brake_temp[2]);
	wrc_set(&p, WRC_CH_BRAKE_TEMP_FR, t->brake_temp[3]);
	return wrc_encode(&sch, &p, buf, cap, len);
}

const struct ingest_proto ingest_proto_ea_wrc = {
    .version = 1,
    .name = "ea-wrc",
    .title = "EA SPORTS WRC",
    .default_port = 20777,
    .sniff = wrc_sniff,
    .create = wrc_create,
    .destroy = wrc_destroy,
    .datagram = wrc_datagram,
    .tick = wrc_tick,
    .flush = wrc_flush,
    .stats = wrc_stats,
    .kind_name = wrc_kind_name,
    .gen_encode = wrc_gen_encode,
};

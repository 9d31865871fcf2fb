/* f1lt_files.c - the F1 live-timing importer: a session's sibling
 * streams found by both naming schemes (FastF1's cache, the timing
 * server's), read whole, parsed, laps handed to the store. */
#include "f1lt_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* Files: the importer and sibling discovery. */

enum lt_kind {
	LT_TIMING,
	LT_DRIVERS,
	LT_SESSION,
	LT_LAPCOUNT,
	LT_RC,
	LT_CAR,
	LT_POS,
	LT__COUNT
};

/* FastF1's cache names and the timing server's names. */
static const char *const lt_names[LT__COUNT][2] = {
    [LT_TIMING] = {"timing_data.raw", "TimingData.jsonStream"},
    [LT_DRIVERS] = {"driver_list.raw", "DriverList.jsonStream"},
    [LT_SESSION] = {"session_info.raw", "SessionInfo.jsonStream"},
    [LT_LAPCOUNT] = {"lap_count.raw", "LapCount.jsonStream"},
    [LT_RC] = {"race_control_messages.raw", "RaceControlMessages.jsonStream"},
    [LT_CAR] = {"car_data.raw", "CarData.z.jsonStream"},
    [LT_POS] = {"position.raw", "Position.z.jsonStream"},
};

static struct f1lt_stream *lt_slot(struct f1lt_input *in, enum lt_kind k)
{
	switch (k) {
	case LT_TIMING:
		return &in->timing;
	case LT_DRIVERS:
		return &in->drivers;
	case LT_SESSION:
		return &in->session;
	case LT_LAPCOUNT:
		return &in->lap_count;
	case LT_RC:
		return &in->race_control;
	case LT_CAR:
		return &in->car_data;
	case LT_POS:
	default:
		return &in->position;
	}
}

/* Read a whole file; TB_ERR_NOTFOUND when it does not exist. */
static enum tb_status lt_read(const char *path, struct f1lt_stream *s,
			      struct tb_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return TB_ERR_NOTFOUND;
		return tb_fail(err, TB_ERR_IO, "%s: cannot open: %s", path,
			       strerror(errno));
	}
	enum tb_status st = TB_OK;
	uint8_t *buf = NULL;
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		st = tb_fail(err, TB_ERR_IO, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)sb.st_size > FMT_FILE_MAX) {
		st = tb_fail(err, TB_ERR_LIMIT, "%s: %lld bytes, over %llu",
			     path, (long long)sb.st_size,
			     (unsigned long long)FMT_FILE_MAX);
		goto out;
	}
	size_t n = (size_t)sb.st_size;
	buf = tb_malloc(n ? n : 1);
	if (!buf) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: %zu bytes", path, n);
		goto out;
	}
	if (n && fread(buf, 1, n, f) != n) {
		st = tb_fail(err, TB_ERR_IO, "%s: short read", path);
		goto out;
	}
	size_t pl = strlen(path);
	s->own_name = tb_malloc(pl + 1);
	if (!s->own_name) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s", path);
		goto out;
	}
	memcpy(s->own_name, path, pl + 1);
	s->name = s->own_name;
	s->own_buf = buf;
	s->p = buf;
	s->n = n;
	buf = NULL;
out:
	tb_free(buf);
	fclose(f);
	return st;
}

void f1lt_input_release(struct f1lt_input *in)
{
	if (!in)
		return;
	for (int k = 0; k < LT__COUNT; k++) {
		struct f1lt_stream *s = lt_slot(in, (enum lt_kind)k);
		tb_free(s->own_buf);
		tb_free(s->own_name);
		memset(s, 0, sizeof(*s));
	}
}

enum tb_status f1lt_input_load(const char *path, struct f1lt_input *in,
			       struct tb_error *err)
{
	if (!path || !in)
		return tb_fail(err, TB_ERR_ARG, "f1lt_input_load: NULL");
	memset(in, 0, sizeof(*in));
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dir_n = (size_t)(base - path);
	/* Any other stream of the session folder (".raw" / ".jsonStream")
	 * leads to the timing stream next to it; a file of another name is
	 * the timing stream itself. */
	size_t bl = strlen(base);
	bool stream_name =
	    (bl > 4 && strcmp(base + bl - 4, ".raw") == 0) ||
	    (bl > 11 && strcmp(base + bl - 11, ".jsonStream") == 0);
	int given = LT_TIMING;
	if (stream_name && strcmp(base, lt_names[LT_TIMING][0]) != 0 &&
	    strcmp(base, lt_names[LT_TIMING][1]) != 0)
		given = LT_DRIVERS; /* anything but the timing stream */
	enum tb_status st = TB_OK;
	for (int k = 0; k < LT__COUNT && st == TB_OK; k++) {
		struct f1lt_stream *s = lt_slot(in, (enum lt_kind)k);
		if (k == LT_TIMING && given == LT_TIMING) {
			st = lt_read(path, s, err);
			if (st == TB_ERR_NOTFOUND)
				st = tb_fail(err, TB_ERR_IO,
					     "%s: cannot open: no such file",
					     path);
			continue;
		}
		for (int v = 0; v < 2; v++) {
			char p[4096];
			int w = snprintf(p, sizeof(p), "%.*s%s", (int)dir_n,
					 path, lt_names[k][v]);
			if (w < 0 || (size_t)w >= sizeof(p)) {
				st = tb_fail(err, TB_ERR_ARG,
					     "%s: path too long", path);
				break;
			}
			st = lt_read(p, s, err);
			if (st != TB_ERR_NOTFOUND)
				break;
			st = TB_OK;
		}
		if (k == LT_TIMING && st == TB_OK && !s->p)
			st = tb_fail(err, TB_ERR_NOTFOUND,
				     "%s: no timing_data.raw or "
				     "TimingData.jsonStream next to it",
				     path);
	}
	if (st != TB_OK)
		f1lt_input_release(in);
	return st;
}

static bool lt_sniff(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	size_t i = 0;
	int64_t t;
	if (n >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
		i = 3;
	if (n < i + LT_TS_LEN + 1 || f1lt__parse_ts(head + i, &t) != 0)
		return false;
	uint8_t c = head[i + LT_TS_LEN];
	return c == '{' || c == '"';
}

struct lt_adapt {
	fmt_lap_fn fn;
	void *ctx;
};

static enum tb_status
lt_adapt_fn(void *ctx, const struct tb_session_info *session,
	    const struct tb_car_info *car, struct tb_lap *lap,
	    const struct fmt_lap_meta *meta, const struct f1lt_lap_info *info)
{
	struct lt_adapt *a = ctx;
	(void)info;
	return a->fn(a->ctx, session, car, lap, meta);
}

static enum tb_status lt_import(const char *path, fmt_lap_fn fn, void *ctx,
				const struct fmt_progress *progress,
				struct tb_error *err)
{
	struct f1lt_input in;
	enum tb_status st = f1lt_input_load(path, &in, err);
	if (st != TB_OK)
		return st;
	uint64_t total = in.timing.n + in.car_data.n + in.position.n;
	if (progress && progress->update)
		progress->update(progress->ctx, 0, total);
	struct lt_adapt a = {fn, ctx};
	st = f1lt_parse(&in, fn ? lt_adapt_fn : NULL, &a, NULL, err);
	if (st == TB_OK && progress && progress->update)
		progress->update(progress->ctx, total, total);
	f1lt_input_release(&in);
	return st;
}

const struct fmt_importer fmt_importer_f1_livetiming = {
    .version = 1,
    .name = "f1-livetiming",
    .title = "F1 live-timing archive (TimingData.jsonStream / "
	     "FastF1 .raw)",
    .sniff = lt_sniff,
    .import = lt_import,
};

/* csv_own.c - trailbrake's own CSV dialect: the magic line, the
 * "# session", "# car" and "# lap" comment lines of percent-encoded
 * key=value pairs, then data rows in canonical channels and units. */
#include "csv_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* trailbrake's own dialect. */

bool fmt__csv_pct_char_plain(uint8_t b)
{
	return b > 0x20 && b != '%' && b != '"' && b != ',' && b != ';' &&
	       b != '=' && b != 0x7f;
}

static int hexval(char c)
{
	c = fmt__csv_lower(c);
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool pct_decode(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (ch == '%') {
			if (i + 2 >= n)
				return false;
			int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			ch = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= cap || ch == '\0')
			return false;
		out[o++] = ch;
	}
	out[o] = '\0';
	return true;
}

/* Iterate "key=value" tokens of a comment line after its prefix. */
struct kv {
	const char *p, *end;
	const char *key, *val;
	size_t klen, vlen;
};

static bool kv_next(struct kv *k)
{
	while (k->p < k->end && *k->p == ' ')
		k->p++;
	if (k->p >= k->end)
		return false;
	const char *st = k->p;
	while (k->p < k->end && *k->p != ' ')
		k->p++;
	const char *eq = memchr(st, '=', (size_t)(k->p - st));
	k->key = st;
	k->klen = eq ? (size_t)(eq - st) : (size_t)(k->p - st);
	k->val = eq ? eq + 1 : k->p;
	k->vlen = eq ? (size_t)(k->p - eq - 1) : 0;
	return true;
}

static bool key_is(const struct kv *k, const char *s)
{
	return strlen(s) == k->klen && memcmp(k->key, s, k->klen) == 0;
}

/* Read one comment line's raw text (without CR/LF); false at the end
 * of the buffer. */
bool fmt__csv_raw_line(struct rd *r, const char **p, size_t *n)
{
	if (r->p >= r->end)
		return false;
	const char *st = r->p;
	const char *q = memchr(st, '\n', (size_t)(r->end - st));
	const char *e = q ? q : r->end;
	r->line = r->next_line++;
	r->p = q ? q + 1 : r->end;
	if (e > st && e[-1] == '\r')
		e--;
	*p = st;
	*n = (size_t)(e - st);
	return true;
}

bool fmt__csv_starts(const char *p, size_t n, const char *pre)
{
	size_t m = strlen(pre);
	return n >= m && memcmp(p, pre, m) == 0;
}

#define BAD_KV(c, what, k)                                                     \
	tb_fail((c)->err, TB_ERR_CORRUPT,                                      \
		"%s:%" PRIu64 ": %s field '%.*s' has a bad value '%.*s'",      \
		(c)->name, (c)->rd.line, what, (int)(k)->klen, (k)->key,       \
		(int)((k)->vlen > 40 ? 40 : (k)->vlen), (k)->val)

static enum tb_status own_session(struct csv *c, const char *p, size_t n)
{
	struct tb_session_info *s = &c->sess;
	struct kv k = {.p = p, .end = p + n};
	while (kv_next(&k)) {
		int64_t v;
		uint64_t u;
		bool ok = true;
		if (key_is(&k, "source_uid")) {
			ok = fmt__csv_parse_u64(k.val, k.vlen, &u);
			s->source_uid = u;
		} else if (key_is(&k, "game")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, 0,
						TB_GAME__COUNT - 1, &v);
			s->game = (enum tb_game)v;
		} else if (key_is(&k, "packet_format")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, 0, UINT16_MAX,
						&v);
			s->packet_format = (uint16_t)v;
		} else if (key_is(&k, "game_year")) {
			ok =
			    fmt__csv_parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			s->game_year = (uint8_t)v;
		} else if (key_is(&k, "game_major")) {
			ok =
			    fmt__csv_parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			s->game_major = (uint8_t)v;
		} else if (key_is(&k, "game_minor")) {
			ok =
			    fmt__csv_parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			s->game_minor = (uint8_t)v;
		} else if (key_is(&k, "track_id")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, INT32_MIN,
						INT32_MAX, &v);
			s->track_id = (int32_t)v;
		} else if (key_is(&k, "track")) {
			ok = pct_decode(k.val, k.vlen, s->track,
					sizeof(s->track));
		} else if (key_is(&k, "layout")) {
			ok = pct_decode(k.val, k.vlen, s->layout,
					sizeof(s->layout));
		} else if (key_is(&k, "track_length_m")) {
			ok = fmt__csv_parse_num(k.val, k.vlen, '.',
						&s->track_length_m);
		} else if (key_is(&k, "kind")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, 0,
						TB_SESSION__COUNT - 1, &v);
			s->kind = (enum tb_session_kind)v;
		} else if (key_is(&k, "game_session_type")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, INT32_MIN,
						INT32_MAX, &v);
			s->game_session_type = (int32_t)v;
		} else if (key_is(&k, "car_class")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, 0,
						TB_CLASS__COUNT - 1, &v);
			s->car_class = (enum tb_car_class)v;
		} else if (key_is(&k, "weather")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, INT32_MIN,
						INT32_MAX, &v);
			s->weather = (int32_t)v;
		} else if (key_is(&k, "air_temp_c")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, INT32_MIN,
						INT32_MAX, &v);
			s->air_temp_c = (int32_t)v;
		} else if (key_is(&k, "track_temp_c")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, INT32_MIN,
						INT32_MAX, &v);
			s->track_temp_c = (int32_t)v;
		} else if (key_is(&k, "start_unix_ms")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, INT64_MIN + 1,
						INT64_MAX, &v);
			s->start_unix_ms = v;
		}
		if (!ok)
			return BAD_KV(c, "session", &k);
	}
	return TB_OK;
}

static enum tb_status own_car(struct csv *c, const char *p, size_t n)
{
	struct tb_car_info *car = &c->car;
	struct kv k = {.p = p, .end = p + n};
	while (kv_next(&k)) {
		int64_t v = 0;
		bool ok = true;
		if (key_is(&k, "index")) {
			ok =
			    fmt__csv_parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			car->car_index = (uint8_t)v;
		} else if (key_is(&k, "driver")) {
			ok = pct_decode(k.val, k.vlen, car->driver,
					sizeof(car->driver));
		} else if (key_is(&k, "team_id")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, INT32_MIN,
						INT32_MAX, &v);
			car->team_id = (int32_t)v;
		} else if (key_is(&k, "race_number")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, INT32_MIN,
						INT32_MAX, &v);
			car->race_number = (int32_t)v;
		} else if (key_is(&k, "ai")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, 0, 1, &v);
			car->ai = v != 0;
		}
		if (!ok)
			return BAD_KV(c, "car", &k);
	}
	return TB_OK;
}

struct own_lap {
	struct seg seg;
	uint8_t car;
	int32_t sectors[3];
	tb_chmask chans;
	size_t n;
};

static enum tb_status own_lap_line(struct csv *c, const char *p, size_t n,
				   struct own_lap *l)
{
	struct kv k = {.p = p, .end = p + n};
	bool have_n = false, have_number = false;
	l->seg.lap_time_ms = TB_TIME_UNKNOWN;
	for (int i = 0; i < 3; i++)
		l->sectors[i] = TB_TIME_UNKNOWN;
	while (kv_next(&k)) {
		int64_t v = 0;
		uint64_t u = 0;
		bool ok = true;
		if (key_is(&k, "car")) {
			ok =
			    fmt__csv_parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			l->car = (uint8_t)v;
		} else if (key_is(&k, "number")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, 0, UINT32_MAX,
						&v);
			l->seg.number = (uint32_t)v;
			have_number = ok;
		} else if (key_is(&k, "lap_time_ms")) {
			ok = fmt__csv_parse_i64(k.val, k.vlen, INT32_MIN,
						INT32_MAX, &v);
			l->seg.lap_time_ms = (int32_t)v;
		} else if (key_is(&k, "sectors")) {
			const char *q = k.val, *e = k.val + k.vlen;
			for (int i = 0; i < 3 && ok; i++) {
				const char *sl =
				    memchr(q, '/', (size_t)(e - q));
				if (i == 2)
					sl = sl ? NULL : e;
				ok = sl && fmt__csv_parse_i64(
					       q, (size_t)(sl - q), INT32_MIN,
					       INT32_MAX, &v);
				l->sectors[i] = (int32_t)v;
				if (ok)
					q = sl + 1;
			}
		} else if (key_is(&k, "flags")) {
			ok = fmt__csv_parse_u64(k.val, k.vlen, &u) &&
			     u <= UINT32_MAX;
			l->seg.flags = (uint32_t)u;
		} else if (key_is(&k, "n")) {
			ok = fmt__csv_parse_u64(k.val, k.vlen, &u) &&
			     u <= TB_LAP_MAX_SAMPLES;
			l->n = (size_t)u;
			have_n = ok;
		} else if (key_is(&k, "chans")) {
			ok = fmt__csv_parse_u64(k.val, k.vlen, &u) &&
			     (TB_CH__COUNT == 64 || (u >> TB_CH__COUNT) == 0);
			l->chans = u;
		}
		if (!ok)
			return BAD_KV(c, "lap", &k);
	}
	if (!have_n || !have_number)
		return tb_fail(c->err, TB_ERR_CORRUPT,
			       "%s:%" PRIu64 ": lap line without %s", c->name,
			       c->rd.line, have_n ? "number" : "n");
	return TB_OK;
}

enum tb_status fmt__csv_own_parse(struct csv *c, fmt_lap_fn fn, void *ctx)
{
	struct own_lap *ol = NULL;
	tb_chmask *force = NULL;
	int32_t(*sectors)[3] = NULL;
	size_t n_ol = 0, cap_ol = 0;
	enum tb_status st = TB_OK;
	const char *p;
	size_t n;
	bool have_session = false, have_car = false;
	fmt__csv_raw_line(&c->rd, &p, &n); /* the magic line */
	c->sess.track_id = -1;
	c->sess.weather = -1;
	c->car.team_id = -1;
	c->car.race_number = -1;
	for (;;) {
		if (c->rd.p >= c->rd.end || *c->rd.p != '#')
			break;
		fmt__csv_raw_line(&c->rd, &p, &n);
		if (fmt__csv_starts(p, n, "# session:")) {
			st = own_session(c, p + 10, n - 10);
			have_session = true;
		} else if (fmt__csv_starts(p, n, "# car:")) {
			st = own_car(c, p + 6, n - 6);
			have_car = true;
		} else if (fmt__csv_starts(p, n, "# lap:")) {
			if (n_ol == FMT_LAPS_MAX) {
				st =
				    tb_fail(c->err, TB_ERR_LIMIT,
					    "%s:%" PRIu64 ": more than %u laps",
					    c->name, c->rd.line, FMT_LAPS_MAX);
				goto out;
			}
			if (n_ol == cap_ol) {
				size_t nc = cap_ol ? cap_ol * 2 : 16;
				struct own_lap *t =
				    tb_realloc(ol, nc * sizeof(*ol));
				if (!t) {
					st = fmt__csv_oom(c);
					goto out;
				}
				ol = t;
				cap_ol = nc;
			}
			memset(&ol[n_ol], 0, sizeof(ol[n_ol]));
			st = own_lap_line(c, p + 6, n - 6, &ol[n_ol]);
			n_ol++;
		}
		if (st != TB_OK)
			goto out;
	}
	if (!have_session || !have_car || n_ol == 0) {
		st = tb_fail(c->err, TB_ERR_CORRUPT,
			     "%s:%" PRIu64 ": trailbrake CSV without %s line",
			     c->name, c->rd.next_line,
			     !have_session ? "a session"
			     : !have_car   ? "a car"
					   : "any lap");
		goto out;
	}

	/* Header: lap, then canonical channel names, each once. */
	size_t nf;
	st = fmt__csv_rd_row(&c->rd, c->name, c->f, FMT_CSV_COLS_MAX, &nf,
			     c->err);
	if (st == TB_ERR_EMPTY)
		st = tb_fail(c->err, TB_ERR_TRUNCATED,
			     "%s: ends before the header row", c->name);
	if (st != TB_OK)
		goto out;
	if (nf < 1 || !fmt__csv_span_ieq(c->f[0].p, c->f[0].len, "lap")) {
		st = tb_fail(c->err, TB_ERR_CORRUPT,
			     "%s:%" PRIu64 ": header must start with 'lap'",
			     c->name, c->rd.line);
		goto out;
	}
	c->n_cols = nf;
	tb_chmask hdr = 0;
	int colch[TB_CH__COUNT + 1];
	if (nf > TB_CH__COUNT + 1) {
		st = tb_fail(c->err, TB_ERR_CORRUPT,
			     "%s:%" PRIu64 ": %zu columns, at most %d", c->name,
			     c->rd.line, nf, TB_CH__COUNT + 1);
		goto out;
	}
	for (size_t j = 1; j < nf; j++) {
		char nm[64];
		enum tb_channel ch;
		if (!fmt__csv_span_text(&c->f[j], nm, sizeof(nm)) ||
		    tb_channel_by_name(nm, &ch) != TB_OK ||
		    (hdr & TB_CHBIT(ch))) {
			st = tb_fail(c->err, TB_ERR_CORRUPT,
				     "%s:%" PRIu64 ": column %zu '%.*s' is not "
				     "a channel (or repeats one)",
				     c->name, c->rd.line, j + 1,
				     (int)(c->f[j].len > 40 ? 40 : c->f[j].len),
				     c->f[j].p);
			goto out;
		}
		hdr |= TB_CHBIT(ch);
		colch[j] = (int)ch;
		c->mapped[c->n_mapped++] = (int)ch;
	}
	/* Units row: exactly the canonical units. */
	st = fmt__csv_rd_row(&c->rd, c->name, c->f, FMT_CSV_COLS_MAX, &nf,
			     c->err);
	if (st == TB_ERR_EMPTY)
		st = tb_fail(c->err, TB_ERR_TRUNCATED,
			     "%s: ends before the units row", c->name);
	if (st != TB_OK)
		goto out;
	if (nf != c->n_cols) {
		st = tb_fail(c->err, TB_ERR_CORRUPT,
			     "%s:%" PRIu64 ": units row has %zu fields, the "
			     "header %zu",
			     c->name, c->rd.line, nf, c->n_cols);
		goto out;
	}
	for (size_t j = 1; j < nf; j++) {
		const char *u = tb_channel_unit((enum tb_channel)colch[j]);
		if (strlen(u) != c->f[j].len ||
		    memcmp(u, c->f[j].p, c->f[j].len) != 0) {
			st = tb_fail(c->err, TB_ERR_CORRUPT,
				     "%s:%" PRIu64 ": column %zu: unit must "
				     "be '%s'",
				     c->name, c->rd.line, j + 1, u);
			goto out;
		}
	}
	for (size_t i = 0; i < n_ol; i++)
		if (ol[i].chans & ~hdr) {
			st = tb_fail(c->err, TB_ERR_CORRUPT,
				     "%s: lap line %zu names channels the "
				     "header lacks",
				     c->name, i + 1);
			goto out;
		}

	/* Rows, n per lap line. */
	c->segs = tb_calloc(n_ol, sizeof(*c->segs));
	force = tb_calloc(n_ol, sizeof(*force));
	sectors = tb_calloc(n_ol, sizeof(*sectors));
	if (!c->segs || !force || !sectors) {
		st = fmt__csv_oom(c);
		goto out;
	}
	for (size_t li = 0; li < n_ol; li++) {
		struct seg *sg = &c->segs[li];
		*sg = ol[li].seg;
		sg->start = c->n_rows;
		force[li] = ol[li].chans;
		memcpy(sectors[li], ol[li].sectors, sizeof(sectors[li]));
		for (size_t r = 0; r < ol[li].n; r++) {
			st = fmt__csv_rd_row(&c->rd, c->name, c->f,
					     FMT_CSV_COLS_MAX, &nf, c->err);
			if (st == TB_OK && nf && c->f[0].len &&
			    c->f[0].p[0] == '#')
				st = TB_ERR_EMPTY;
			if (st == TB_ERR_EMPTY)
				st = tb_fail(c->err, TB_ERR_TRUNCATED,
					     "%s: ends in lap %zu after %zu of "
					     "its %zu rows",
					     c->name, li + 1, r, ol[li].n);
			if (st != TB_OK)
				goto out;
			if (nf != c->n_cols) {
				st =
				    tb_fail(c->err, TB_ERR_CORRUPT,
					    "%s:%" PRIu64 ": %zu fields, the "
					    "header has %zu",
					    c->name, c->rd.line, nf, c->n_cols);
				goto out;
			}
			uint64_t lapno;
			if (!fmt__csv_parse_u64(c->f[0].p, c->f[0].len,
						&lapno) ||
			    lapno != sg->number) {
				st = tb_fail(
				    c->err, TB_ERR_CORRUPT,
				    "%s:%" PRIu64 ": column 1 'lap': "
				    "'%.*s', expected %" PRIu32,
				    c->name, c->rd.line,
				    (int)(c->f[0].len > 20 ? 20 : c->f[0].len),
				    c->f[0].p, sg->number);
				goto out;
			}
			if ((st = fmt__csv_stage_grow(c)) != TB_OK)
				goto out;
			size_t row = c->n_rows;
			tb_chmask m = 0;
			for (size_t j = 1; j < nf; j++) {
				int ch = colch[j];
				const struct span *s = &c->f[j];
				double v = 0.0;
				if (s->len == 0) {
					c->val[ch][row] = 0.0;
					continue;
				}
				if (!fmt__csv_parse_num(s->p, s->len, '.',
							&v) ||
				    !(ol[li].chans & TB_CHBIT(ch))) {
					st = tb_fail(
					    c->err, TB_ERR_CORRUPT,
					    "%s:%" PRIu64 ": column %zu "
					    "'%s': '%.*s' is not a number"
					    "%s",
					    c->name, c->rd.line, j + 1,
					    tb_channel_name(
						(enum tb_channel)ch),
					    (int)(s->len > 40 ? 40 : s->len),
					    s->p,
					    (ol[li].chans & TB_CHBIT(ch))
						? ""
						: " of this lap");
					goto out;
				}
				c->val[ch][row] = v;
				m |= TB_CHBIT(ch);
			}
			c->pres[row] = m;
			c->line[row] = c->rd.line;
			c->n_rows++;
			fmt__csv_report(c);
		}
		sg->end = c->n_rows;
	}
	/* The trailer, then nothing but blank lines. */
	bool ended = false;
	while (fmt__csv_raw_line(&c->rd, &p, &n)) {
		if (!ended && n == 5 && memcmp(p, "# end", 5) == 0) {
			ended = true;
			continue;
		}
		size_t k = 0;
		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k == n)
			continue;
		st = tb_fail(c->err, TB_ERR_CORRUPT, "%s:%" PRIu64 ": %s",
			     c->name, c->rd.line,
			     ended ? "text after '# end'"
				   : "more rows than the lap lines announce");
		goto out;
	}
	if (!ended) {
		st = tb_fail(c->err, TB_ERR_TRUNCATED,
			     "%s: no '# end' line: the file is cut short",
			     c->name);
		goto out;
	}
	c->n_segs = n_ol;
	c->laps = tb_calloc(n_ol, sizeof(*c->laps));
	if (!c->laps) {
		st = fmt__csv_oom(c);
		goto out;
	}
	c->n_laps = n_ol;
	for (size_t i = 0; i < n_ol; i++)
		tb_lap_init(&c->laps[i]);
	for (size_t i = 0; i < n_ol && st == TB_OK; i++) {
		st = fmt__csv_build_lap(c, &c->segs[i], force[i], &c->laps[i]);
		c->laps[i].car_index = ol[i].car;
		memcpy(c->laps[i].sector_ms, sectors[i], sizeof(sectors[i]));
	}
	if (st != TB_OK)
		goto out;
	snprintf(c->meta.source, sizeof(c->meta.source), "trailbrake-csv");
	if (c->progress && c->progress->update)
		c->progress->update(c->progress->ctx, c->len, c->len);
	for (size_t i = 0; i < c->n_laps && st == TB_OK; i++)
		st = fn(ctx, &c->sess, &c->car, &c->laps[i], &c->meta);
out:
	tb_free(ol);
	tb_free(force);
	tb_free(sectors);
	return st;
}

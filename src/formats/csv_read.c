/* csv_read.c - CSV import: the whole file is read into memory,
 * tokenised row by row into staging columns (one double array per mapped
 * channel plus a presence mask per row), laps are built from the staged
 * rows and only then handed over: a bad file hands nothing. Also the
 * entry points, sniffing and the small number parsers. */
#include "csv_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#define NUM_CAP 128 /* longest number text we convert */

/* ------------------------------------------------------------------ */
/* Small helpers. */

uint64_t fmt__csv_hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

/* Copy a string, truncated to fit cap (always NUL-terminated). */
void fmt__csv_set_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

char fmt__csv_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool fmt__csv_span_ieq(const char *p, size_t n, const char *s)
{
	size_t m = strlen(s);
	if (m != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (fmt__csv_lower(p[i]) != fmt__csv_lower(s[i]))
			return false;
	return true;
}

void fmt__csv_trim(const char **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

static const double pow10_tab[23] = {
    1e0,  1e1,	1e2,  1e3,  1e4,  1e5,	1e6,  1e7,  1e8,  1e9,	1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parse a decimal number (optional sign, digits, point, exponent; spaces
 * around allowed). dec is the decimal point accepted besides '.'. Exact:
 * short numbers take the Clinger fast path, others strtod (C locale).
 * false if the text is not a finite number. */
bool fmt__csv_parse_num(const char *p, size_t n, char dec, double *out)
{
	fmt__csv_trim(&p, &n);
	if (n == 0 || n >= NUM_CAP)
		return false;
	const char *s = p, *e = p + n;
	bool neg = false;
	if (*s == '+' || *s == '-') {
		neg = *s == '-';
		s++;
	}
	uint64_t m = 0;
	int nd = 0, exp10 = 0;
	bool any = false, inexact = false;
	for (; s < e && *s >= '0' && *s <= '9'; s++) {
		any = true;
		if (m == 0 && *s == '0')
			continue;
		if (nd < 19) {
			m = m * 10 + (uint64_t)(*s - '0');
			nd++;
		} else {
			exp10++;
			inexact = true;
		}
	}
	if (s < e && (*s == '.' || *s == dec)) {
		s++;
		for (; s < e && *s >= '0' && *s <= '9'; s++) {
			any = true;
			if (m == 0 && *s == '0') {
				exp10--;
				continue;
			}
			if (nd < 19) {
				m = m * 10 + (uint64_t)(*s - '0');
				nd++;
				exp10--;
			} else {
				inexact = true;
			}
		}
	}
	if (!any)
		return false;
	if (s < e && (*s == 'e' || *s == 'E')) {
		s++;
		bool eneg = false;
		if (s < e && (*s == '+' || *s == '-')) {
			eneg = *s == '-';
			s++;
		}
		int ev = 0, ed = 0;
		for (; s < e && *s >= '0' && *s <= '9'; s++, ed++)
			if (ev < 100000)
				ev = ev * 10 + (*s - '0');
		if (ed == 0)
			return false;
		exp10 += eneg ? -ev : ev;
	}
	if (s != e)
		return false;
	double d;
	if (m == 0) {
		d = 0.0;
	} else if (!inexact && m <= (1ull << 53) && exp10 >= -22 &&
		   exp10 <= 22) {
		d = (double)m;
		d = exp10 < 0 ? d / pow10_tab[-exp10] : d * pow10_tab[exp10];
	} else {
		char tmp[NUM_CAP];
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (tmp[i] == dec)
				tmp[i] = '.';
		d = strtod(tmp, NULL); /* sign included */
		neg = false;
	}
	d = neg ? -d : d;
	if (!isfinite(d))
		return false;
	*out = d;
	return true;
}

/* Integer in decimal or 0x hex, whole span. */
bool fmt__csv_parse_u64(const char *p, size_t n, uint64_t *out)
{
	fmt__csv_trim(&p, &n);
	if (n == 0)
		return false;
	uint64_t v = 0;
	if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (n > 18)
			return false;
		for (size_t i = 2; i < n; i++) {
			char c = fmt__csv_lower(p[i]);
			int d = (c >= '0' && c <= '9')	 ? c - '0'
				: (c >= 'a' && c <= 'f') ? c - 'a' + 10
							 : -1;
			if (d < 0)
				return false;
			v = v * 16 + (uint64_t)d;
		}
	} else {
		if (n > 20)
			return false;
		for (size_t i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return false;
			uint64_t d = (uint64_t)(p[i] - '0');
			if (v > (UINT64_MAX - d) / 10)
				return false;
			v = v * 10 + d;
		}
	}
	*out = v;
	return true;
}

bool fmt__csv_parse_i64(const char *p, size_t n, int64_t lo, int64_t hi,
			int64_t *out)
{
	fmt__csv_trim(&p, &n);
	bool neg = n && p[0] == '-';
	uint64_t u;
	if (!fmt__csv_parse_u64(p + neg, n - neg, &u) ||
	    u > (uint64_t)INT64_MAX)
		return false;
	int64_t v = neg ? -(int64_t)u : (int64_t)u;
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* ------------------------------------------------------------------ */
/* Tokeniser: one row at a time over the whole buffer. */

static void rd_init(struct rd *r, const char *p, size_t n, char delim)
{
	r->p = p;
	r->end = p + n;
	r->line = 0;
	r->next_line = 1;
	r->delim = delim;
	memset(r->stop, 0, sizeof(r->stop));
	r->stop[(uint8_t)delim] = 1;
	r->stop['\r'] = 1;
	r->stop['\n'] = 1;
}

void fmt__csv_rd_set_delim(struct rd *r, char delim)
{
	r->stop[(uint8_t)r->delim] = 0;
	r->delim = delim;
	r->stop[(uint8_t)delim] = 1;
	r->stop['\r'] = 1;
	r->stop['\n'] = 1;
}

static uint64_t count_nl(const char *p, const char *e)
{
	uint64_t n = 0;
	while (p < e) {
		const char *q = memchr(p, '\n', (size_t)(e - p));
		if (!q)
			break;
		n++;
		p = q + 1;
	}
	return n;
}

/* Next row: TB_OK with *nf fields (0 for an empty line), TB_ERR_EMPTY at
 * the end of the buffer, or an error naming the line. */
enum tb_status fmt__csv_rd_row(struct rd *r, const char *name, struct span *f,
			       size_t cap, size_t *nf, struct tb_error *err)
{
	const char *p = r->p, *end = r->end;
	if (p >= end)
		return TB_ERR_EMPTY;
	r->line = r->next_line;
	const char *start = p;
	size_t n = 0;
	if (*p != '\r' && *p != '\n') {
		for (;;) {
			if (n == cap)
				return tb_fail(err, TB_ERR_LIMIT,
					       "%s:%" PRIu64
					       ": more than %zu columns",
					       name, r->line, cap);
			struct span *s = &f[n++];
			if (p < end && *p == '"') {
				const char *st = ++p, *q;
				bool esc = false;
				for (;;) {
					q = memchr(p, '"', (size_t)(end - p));
					if (!q)
						return tb_fail(
						    err, TB_ERR_TRUNCATED,
						    "%s:%" PRIu64
						    ": column %zu: quote "
						    "never closed",
						    name, r->line, n);
					if (q + 1 < end && q[1] == '"') {
						esc = true;
						p = q + 2;
						continue;
					}
					break;
				}
				r->next_line += count_nl(st, q);
				s->p = st;
				s->len = (size_t)(q - st);
				s->quoted = true;
				s->esc = esc;
				p = q + 1;
				while (p < end && (*p == ' ' || *p == '\t') &&
				       *p != r->delim)
					p++;
				if (p < end && !r->stop[(uint8_t)*p])
					return tb_fail(
					    err, TB_ERR_CORRUPT,
					    "%s:%" PRIu64 ": column %zu: "
					    "text after a closing quote",
					    name, r->line, n);
			} else {
				const char *st = p;
				while (p < end && !r->stop[(uint8_t)*p])
					p++;
				s->p = st;
				s->len = (size_t)(p - st);
				s->quoted = false;
				s->esc = false;
			}
			if ((size_t)(p - start) > FMT_CSV_LINE_MAX)
				return tb_fail(err, TB_ERR_LIMIT,
					       "%s:%" PRIu64
					       ": line longer than %u bytes",
					       name, r->line, FMT_CSV_LINE_MAX);
			if (p < end && *p == r->delim) {
				p++;
				continue;
			}
			break;
		}
	}
	if (p < end && *p == '\r')
		p++;
	if (p < end && *p == '\n')
		p++;
	r->next_line++;
	r->p = p;
	*nf = n;
	return TB_OK;
}

/* A field's text with "" undoubled, into buf (cap bytes, NUL-ended);
 * false if it does not fit. */
bool fmt__csv_span_text(const struct span *s, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < s->len; i++) {
		if (s->esc && s->p[i] == '"' && i + 1 < s->len &&
		    s->p[i + 1] == '"')
			i++;
		if (o + 1 >= cap)
			return false;
		buf[o++] = s->p[i];
	}
	buf[o] = '\0';
	return true;
}

bool fmt__csv_row_blank(const struct span *f, size_t nf)
{
	for (size_t i = 0; i < nf; i++) {
		const char *p = f[i].p;
		size_t n = f[i].len;
		fmt__csv_trim(&p, &n);
		if (n)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The import state. */

static void csv_release(struct csv *c)
{
	tb_free(c->f);
	for (int s = 0; s < N_SLOTS; s++)
		tb_free(c->val[s]);
	tb_free(c->pres);
	tb_free(c->line);
	tb_free(c->segs);
	if (c->laps)
		for (size_t i = 0; i < c->n_laps; i++)
			tb_lap_release(&c->laps[i]);
	tb_free(c->laps);
}

void fmt__csv_report(struct csv *c)
{
	if (!c->progress || !c->progress->update)
		return;
	uint64_t done = (uint64_t)((const uint8_t *)c->rd.p - c->buf);
	if (done < c->next_report)
		return;
	c->progress->update(c->progress->ctx, done, c->len);
	c->next_report = done + c->step;
}

enum tb_status fmt__csv_oom(struct csv *c)
{
	return tb_fail(c->err, TB_ERR_NOMEM, "%s: out of memory", c->name);
}

/* Room for one more staged row. */
enum tb_status fmt__csv_stage_grow(struct csv *c)
{
	if (c->n_rows < c->cap_rows)
		return TB_OK;
	if (c->n_rows >= FMT_CSV_ROWS_MAX)
		return tb_fail(c->err, TB_ERR_LIMIT,
			       "%s:%" PRIu64 ": more than %u data rows",
			       c->name, c->rd.line, FMT_CSV_ROWS_MAX);
	size_t ncap = c->cap_rows ? c->cap_rows * 2 : 4096;
	if (ncap > FMT_CSV_ROWS_MAX)
		ncap = FMT_CSV_ROWS_MAX;
	tb_chmask *pm = tb_realloc(c->pres, ncap * sizeof(*pm));
	if (!pm)
		return fmt__csv_oom(c);
	c->pres = pm;
	uint64_t *ln = tb_realloc(c->line, ncap * sizeof(*ln));
	if (!ln)
		return fmt__csv_oom(c);
	c->line = ln;
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		double *v = tb_realloc(c->val[s], ncap * sizeof(*v));
		if (!v)
			return fmt__csv_oom(c);
		c->val[s] = v;
	}
	c->cap_rows = ncap;
	return TB_OK;
}

bool fmt__csv_is_missing(const char *p, size_t n)
{
	fmt__csv_trim(&p, &n);
	return n == 0 || fmt__csv_span_ieq(p, n, "nan") ||
	       fmt__csv_span_ieq(p, n, "none") ||
	       fmt__csv_span_ieq(p, n, "null") ||
	       fmt__csv_span_ieq(p, n, "na") ||
	       fmt__csv_span_ieq(p, n, "n/a") || fmt__csv_span_ieq(p, n, "-");
}

/* ------------------------------------------------------------------ */
/* Laps: build every lap from the staged rows. */

/* One lap from rows [s->start, s->end); chans forced (own dialect) or
 * the union of the rows' masks when force is 0. */
enum tb_status fmt__csv_build_lap(struct csv *c, const struct seg *s,
				  tb_chmask force, struct tb_lap *lap)
{
	size_t n = s->end - s->start;
	tb_chmask chans = force;
	if (!chans)
		for (size_t i = s->start; i < s->end; i++)
			chans |= c->pres[i];
	tb_lap_init(lap);
	lap->car_index = c->car.car_index;
	lap->lap_number = s->number;
	lap->lap_time_ms = s->lap_time_ms;
	lap->flags = s->flags;
	if (tb_lap_alloc(lap, n, chans) != TB_OK)
		return fmt__csv_oom(c);
	if (n)
		memcpy(lap->mask, c->pres + s->start, n * sizeof(*lap->mask));
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if ((chans & TB_CHBIT(ch)) && c->val[ch] && n)
			memcpy(lap->col[ch], c->val[ch] + s->start,
			       n * sizeof(double));
	return TB_OK;
}

enum tb_status fmt__csv_build_and_hand(struct csv *c, fmt_lap_fn fn, void *ctx)
{
	c->laps = tb_calloc(c->n_segs ? c->n_segs : 1, sizeof(*c->laps));
	if (!c->laps)
		return fmt__csv_oom(c);
	c->n_laps = c->n_segs;
	for (size_t i = 0; i < c->n_laps; i++)
		tb_lap_init(&c->laps[i]);
	for (size_t i = 0; i < c->n_segs; i++) {
		enum tb_status st =
		    fmt__csv_build_lap(c, &c->segs[i], 0, &c->laps[i]);
		if (st != TB_OK)
			return st;
	}
	if (c->progress && c->progress->update)
		c->progress->update(c->progress->ctx, c->len, c->len);
	for (size_t i = 0; i < c->n_laps; i++) {
		enum tb_status st =
		    fn(ctx, &c->sess, &c->car, &c->laps[i], &c->meta);
		if (st != TB_OK)
			return st;
	}
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Entry points. */

void fmt_csv_options_init(struct fmt_csv_options *o)
{
	memset(o, 0, sizeof(*o));
}

enum tb_status fmt_csv_parse_map(const char *spec, struct fmt_csv_options *o,
				 struct tb_error *err)
{
	if (!spec || !o)
		return tb_fail(err, TB_ERR_ARG, "--map: nothing to parse");
	size_t len = strlen(spec);
	if (len >= sizeof(o->names))
		return tb_fail(err, TB_ERR_LIMIT,
			       "--map: longer than %zu bytes",
			       sizeof(o->names) - 1);
	/* Parse into a copy first so o is unchanged on failure. */
	struct fmt_csv_options t = *o;
	memcpy(t.names, spec, len + 1);
	char *p = t.names;
	while (*p) {
		char *end = strchr(p, ',');
		if (end)
			*end = '\0';
		char *eq = strchr(p, '=');
		if (!eq || eq == p || !eq[1])
			return tb_fail(err, TB_ERR_ARG,
				       "--map: '%s' is not channel=column", p);
		*eq = '\0';
		enum tb_channel ch;
		if (strcmp(p, "lap") == 0)
			t.lap_col = eq + 1;
		else if (tb_channel_by_name(p, &ch) == TB_OK)
			t.map[ch] = eq + 1;
		else
			return tb_fail(err, TB_ERR_ARG,
				       "--map: '%s' is not a channel (e.g. "
				       "time, speed, throttle, lap_dist, lap)",
				       p);
		if (!end)
			break;
		p = end + 1;
	}
	/* Re-point the strings into o's own storage. */
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if (t.map[ch] && t.map[ch] >= t.names &&
		    t.map[ch] < t.names + sizeof(t.names))
			t.map[ch] = o->names + (t.map[ch] - t.names);
	if (t.lap_col && t.lap_col >= t.names &&
	    t.lap_col < t.names + sizeof(t.names))
		t.lap_col = o->names + (t.lap_col - t.names);
	*o = t;
	return TB_OK;
}

enum tb_status fmt_csv_parse(const uint8_t *buf, size_t len, const char *name,
			     const struct fmt_csv_options *opts, fmt_lap_fn fn,
			     void *ctx, const struct fmt_progress *progress,
			     struct tb_error *err)
{
	struct fmt_csv_options defaults;
	if (!opts) {
		fmt_csv_options_init(&defaults);
		opts = &defaults;
	}
	if (!name)
		name = "csv";
	if (!fn)
		return tb_fail(err, TB_ERR_ARG, "%s: no lap callback", name);
	struct csv *c = tb_calloc(1, sizeof(*c));
	if (!c)
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", name);
	c->name = name;
	c->buf = buf;
	c->len = len;
	c->opts = opts;
	c->progress = progress;
	c->err = err;
	c->step = len / 100 ? len / 100 : 1;
	if (c->step > (64u << 20))
		c->step = 64u << 20;
	c->sess.track_id = -1;
	c->sess.weather = -1;
	c->sess.game_session_type = -1;
	c->car.team_id = -1;
	c->car.race_number = -1;
	enum tb_status st = TB_OK;
	c->f = tb_calloc(FMT_CSV_COLS_MAX, sizeof(*c->f));
	if (!c->f) {
		st = fmt__csv_oom(c);
		goto out;
	}
	const char *p = (const char *)buf;
	size_t n = len;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	if (memchr(p, '\0', n)) {
		st = tb_fail(err, TB_ERR_FORMAT,
			     "%s: holds NUL bytes: not a CSV text file", name);
		goto out;
	}
	rd_init(&c->rd, p, n, ',');
	if (fmt__csv_starts(p, n, OWN_MAGIC) &&
	    (n == strlen(OWN_MAGIC) || p[strlen(OWN_MAGIC)] == '\n' ||
	     p[strlen(OWN_MAGIC)] == '\r')) {
		c->own = true;
		st = fmt__csv_own_parse(c, fn, ctx);
		goto out;
	}
	c->motec = fmt__csv_starts(p, n, "\"Format\",\"MoTeC CSV File\"") ||
		   fmt__csv_starts(p, n, "Format,MoTeC CSV File");
	c->sess.car_class = TB_CLASS_OTHER;
	st = fmt__csv_generic_parse(c, fn, ctx);
out:
	csv_release(c);
	tb_free(c);
	return st;
}

/* Read a whole regular file into memory (capped). */
static enum tb_status slurp(const char *path, uint8_t **out, size_t *len,
			    struct tb_error *err)
{
	*out = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return tb_fail(err, TB_ERR_IO, "%s: cannot open: %s", path,
			       strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return tb_fail(err, TB_ERR_IO, "%s: not a regular file", path);
	}
	if ((uint64_t)sb.st_size > FMT_FILE_MAX) {
		fclose(f);
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s: %lld bytes, the cap is %" PRIu64, path,
			       (long long)sb.st_size, FMT_FILE_MAX);
	}
	size_t n = (size_t)sb.st_size;
	uint8_t *b = tb_malloc(n ? n : 1);
	if (!b) {
		fclose(f);
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", path);
	}
	if (fread(b, 1, n, f) != n) {
		tb_free(b);
		fclose(f);
		return tb_fail(err, TB_ERR_IO, "%s: read error", path);
	}
	fclose(f);
	*out = b;
	*len = n;
	return TB_OK;
}

enum tb_status fmt_csv_import_opts(const char *path,
				   const struct fmt_csv_options *opts,
				   fmt_lap_fn fn, void *ctx,
				   const struct fmt_progress *progress,
				   struct tb_error *err)
{
	uint8_t *buf;
	size_t len;
	enum tb_status st = slurp(path, &buf, &len, err);
	if (st != TB_OK)
		return st;
	const char *base = strrchr(path, '/');
	st = fmt_csv_parse(buf, len, base ? base + 1 : path, opts, fn, ctx,
			   progress, err);
	tb_free(buf);
	return st;
}

static enum tb_status csv_import(const char *path, fmt_lap_fn fn, void *ctx,
				 const struct fmt_progress *progress,
				 struct tb_error *err)
{
	return fmt_csv_import_opts(path, NULL, fn, ctx, progress, err);
}

/* A header field for sniffing: unquoted, trimmed text of [p, e). */
static int sniff_field(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '"'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '"'))
		e--;
	if (e == p || e - p >= NAME_CAP)
		return -3;
	double d;
	if (fmt__csv_parse_num(p, (size_t)(e - p), '.', &d))
		return -4;
	char nm[NAME_CAP], unit[24];
	memcpy(nm, p, (size_t)(e - p));
	nm[e - p] = '\0';
	return fmt__csv_classify(nm, unit, sizeof(unit));
}

bool fmt_csv_sniff(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	const char *p = (const char *)head, *e = p + n;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	if (p >= e)
		return false;
	for (const char *q = p; q < e; q++) {
		uint8_t b = (uint8_t)*q;
		if (b < 0x20 && b != '\t' && b != '\r' && b != '\n')
			return false;
	}
	size_t m = (size_t)(e - p);
	if (fmt__csv_starts(p, m, OWN_MAGIC) ||
	    fmt__csv_starts(p, m, "\"Format\",\"MoTeC CSV File\"") ||
	    fmt__csv_starts(p, m, "Format,MoTeC CSV File"))
		return true;
	/* First content line: skip blank and '#' lines. */
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		const char *q = p;
		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q == le || *q == '#') {
			if (!nl)
				return false;
			p = nl + 1;
			continue;
		}
		if (*q == '{' || *q == '[' || *q == '<')
			return false;
		if (!nl && n >= 4096)
			return false; /* header longer than the head */
		if (le > p && le[-1] == '\r')
			le--;
		char d = fmt__csv_detect_delim(p, le);
		size_t nfields = 0;
		bool timeish = false;
		const char *st = p;
		for (const char *r = p;; r++) {
			if (r == le || *r == d) {
				int s = sniff_field(st, r);
				if (s == -4)
					return false; /* a number: data */
				if (s == TB_CH_TIME || s == TB_CH_LAP_DIST ||
				    s == TB_CH_TOTAL_DIST || s == AMBIG_DIST)
					timeish = true;
				nfields++;
				st = r + 1;
				if (r == le)
					break;
			}
		}
		return nfields >= 2 && timeish;
	}
	return false;
}

const struct fmt_importer fmt_importer_csv = {
    .version = 1,
    .name = "csv",
    .title = "CSV telemetry (trailbrake, MoTeC i2 export, generic)",
    .sniff = fmt_csv_sniff,
    .import = csv_import,
};

/* csv_generic.c - generic and MoTeC CSV: delimiter detection, the
 * MoTeC preamble and beacons, header mapping, unit and range decisions
 * over the whole file, lap cutting and the distance/time bases. */
#include "csv_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* Generic and MoTeC CSV. */

char fmt__csv_detect_delim(const char *p, const char *end)
{
	size_t comma = 0, semi = 0, tab = 0;
	bool q = false;
	for (; p < end && (q || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			q = !q;
		else if (!q && *p == ',')
			comma++;
		else if (!q && *p == ';')
			semi++;
		else if (!q && *p == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "dd/mm/yyyy" and "HH:MM:SS" (taken as UTC: the export carries no
 * zone) to ms since the epoch; 0 when either does not parse. */
static int64_t motec_start(const char *date, const char *time)
{
	unsigned d, mo, y, h, mi, s;
	char tail;
	if (sscanf(date, "%2u/%2u/%4u%c", &d, &mo, &y, &tail) != 3 ||
	    sscanf(time, "%2u:%2u:%2u%c", &h, &mi, &s, &tail) != 3)
		return 0;
	if (d < 1 || d > 31 || mo < 1 || mo > 12 || y < 1970 || h > 23 ||
	    mi > 59 || s > 60)
		return 0;
	int64_t days = days_from_civil(y, mo, d);
	return ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000;
}

static enum tb_status motec_beacons(struct csv *c, const char *txt)
{
	const char *p = txt;
	for (;;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			return TB_OK;
		const char *st = p;
		while (*p && *p != ' ' && *p != ',' && *p != '\t')
			p++;
		double v;
		if (!fmt__csv_parse_num(st, (size_t)(p - st), '.', &v) ||
		    (c->n_beacons && v <= c->beacons[c->n_beacons - 1]))
			return tb_fail(c->err, TB_ERR_CORRUPT,
				       "%s:%" PRIu64 ": Beacon Markers: '%.*s' "
				       "is not a time after the previous one",
				       c->name, c->rd.line,
				       (int)((p - st) > 20 ? 20 : (p - st)),
				       st);
		if (c->n_beacons == BEACONS_MAX)
			return tb_fail(c->err, TB_ERR_LIMIT,
				       "%s:%" PRIu64 ": more than %d beacon "
				       "markers",
				       c->name, c->rd.line, BEACONS_MAX);
		c->beacons[c->n_beacons++] = v;
	}
}

/* The MoTeC preamble: "Key","Value" rows up to the first blank line. */
static enum tb_status motec_preamble(struct csv *c)
{
	char date[32] = "", tim[32] = "";
	for (;;) {
		size_t nf;
		enum tb_status st = fmt__csv_rd_row(
		    &c->rd, c->name, c->f, FMT_CSV_COLS_MAX, &nf, c->err);
		if (st == TB_ERR_EMPTY)
			return tb_fail(c->err, TB_ERR_TRUNCATED,
				       "%s: MoTeC CSV ends in its preamble",
				       c->name);
		if (st != TB_OK)
			return st;
		if (nf == 0 || fmt__csv_row_blank(c->f, nf))
			break;
		if (nf < 2)
			continue;
		char key[32], val[1024];
		if (!fmt__csv_span_text(&c->f[0], key, sizeof(key)))
			continue;
		bool fits = fmt__csv_span_text(&c->f[1], val, sizeof(val));
		if (!fits && strcmp(key, "Beacon Markers") != 0)
			continue;
		if (strcmp(key, "Venue") == 0)
			fmt__csv_set_str(c->sess.track, sizeof(c->sess.track),
					 val);
		else if (strcmp(key, "Driver") == 0)
			fmt__csv_set_str(c->car.driver, sizeof(c->car.driver),
					 val);
		else if (strcmp(key, "Vehicle") == 0)
			fmt__csv_set_str(c->meta.car, sizeof(c->meta.car), val);
		else if (strcmp(key, "Log Date") == 0)
			fmt__csv_set_str(date, sizeof(date), val);
		else if (strcmp(key, "Log Time") == 0)
			fmt__csv_set_str(tim, sizeof(tim), val);
		else if (strcmp(key, "Beacon Markers") == 0) {
			char *big = tb_malloc(c->f[1].len + 1);
			if (!big)
				return fmt__csv_oom(c);
			fmt__csv_span_text(&c->f[1], big, c->f[1].len + 1);
			st = motec_beacons(c, big);
			tb_free(big);
			if (st != TB_OK)
				return st;
		}
	}
	c->sess.start_unix_ms = motec_start(date, tim);
	return TB_OK;
}

/* Next row that is not blank (nor a '#' comment in generic files). */
static enum tb_status next_content_row(struct csv *c, size_t *nf)
{
	for (;;) {
		if (!c->motec && c->rd.p < c->rd.end && *c->rd.p == '#') {
			const char *p;
			size_t n;
			fmt__csv_raw_line(&c->rd, &p, &n);
			continue;
		}
		enum tb_status st = fmt__csv_rd_row(
		    &c->rd, c->name, c->f, FMT_CSV_COLS_MAX, nf, c->err);
		if (st != TB_OK)
			return st;
		if (*nf && !fmt__csv_row_blank(c->f, *nf))
			return TB_OK;
	}
}

static void norm_unit(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; *in && o + 1 < cap; in++)
		if (*in != ' ' && *in != '"')
			out[o++] = fmt__csv_lower(*in);
	out[o] = '\0';
}

static long find_col(struct csv *c, const char *want)
{
	char nm[NAME_CAP];
	for (size_t j = 0; j < c->n_cols; j++)
		if (fmt__csv_span_text(&c->f[j], nm, sizeof(nm)) &&
		    fmt__csv_span_ieq(nm, strlen(nm), want))
			return (long)j;
	return -1;
}

static void map_slot(struct csv *c, int slot, long col, const char *unit)
{
	c->col[slot] = col;
	norm_unit(unit, c->unit[slot], sizeof(c->unit[slot]));
	char nm[NAME_CAP];
	if (fmt__csv_span_text(&c->f[col], nm, sizeof(nm)))
		fmt__csv_set_str(c->colname[slot], sizeof(c->colname[slot]),
				 nm);
	c->mapped[c->n_mapped++] = slot;
}

/* Map header columns to slots: explicit map first, then by name. */
static enum tb_status map_header(struct csv *c)
{
	const struct fmt_csv_options *o = c->opts;
	bool taken[FMT_CSV_COLS_MAX] = {0};
	for (int s = 0; s < N_SLOTS; s++)
		c->col[s] = -1;
	for (int s = 0; s < N_SLOTS; s++) {
		const char *want = s == CH_LAP ? o->lap_col : o->map[s];
		if (!want || !*want)
			continue;
		long j = find_col(c, want);
		if (j < 0)
			return tb_fail(
			    c->err, TB_ERR_NOTFOUND,
			    "%s:%" PRIu64 ": no column '%s' (mapped "
			    "to %s) in the header",
			    c->name, c->rd.line, want,
			    s == CH_LAP ? "lap"
					: tb_channel_name((enum tb_channel)s));
		char nm[NAME_CAP], unit[24];
		fmt__csv_span_text(&c->f[j], nm, sizeof(nm));
		fmt__csv_classify(nm, unit, sizeof(unit));
		map_slot(c, s, j, unit);
		taken[j] = true;
	}
	for (size_t j = 0; j < c->n_cols; j++) {
		char nm[NAME_CAP], unit[24];
		if (taken[j] || !fmt__csv_span_text(&c->f[j], nm, sizeof(nm)))
			continue;
		int s = fmt__csv_classify(nm, unit, sizeof(unit));
		bool ambig = s == AMBIG_DIST;
		if (ambig)
			s = TB_CH_LAP_DIST;
		if (s < 0 || c->col[s] >= 0)
			continue;
		if (ambig)
			c->dist_ambig = true;
		map_slot(c, s, (long)j, unit);
	}
	return TB_OK;
}

/* The units row (when present) refines units of mapped columns. */
static void apply_units_row(struct csv *c, size_t nf)
{
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		size_t j = (size_t)c->col[s];
		char u[64];
		if (j >= nf || !fmt__csv_span_text(&c->f[j], u, sizeof(u)) ||
		    !u[0])
			continue;
		norm_unit(u, c->unit[s], sizeof(c->unit[s]));
	}
}

static enum tb_status decide_units(struct csv *c)
{
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		if (!fmt__csv_unit_conv(fmt__csv_family_of(s), c->unit[s],
					&c->scale[s], &c->off[s], &c->rule[s]))
			return tb_fail(
			    c->err, TB_ERR_UNSUPPORTED,
			    "%s: column %ld '%s': unit '%s' is not "
			    "understood for %s; map the column or "
			    "fix its unit",
			    c->name, c->col[s] + 1, c->colname[s], c->unit[s],
			    s == CH_LAP ? "lap"
					: tb_channel_name((enum tb_channel)s));
		if (s == TB_CH_SPEED && c->opts->speed_scale > 0) {
			c->scale[s] = c->opts->speed_scale;
			c->rule[s] = RULE_FIXED;
		}
		if (fmt__csv_family_of(s) == FAM_PEDAL &&
		    c->opts->pedal_scale > 0) {
			c->scale[s] = c->opts->pedal_scale;
			c->rule[s] = RULE_FIXED;
		}
	}
	return TB_OK;
}

static bool is_gear_text(const struct span *s, double *v)
{
	const char *p = s->p;
	size_t n = s->len;
	fmt__csv_trim(&p, &n);
	if (fmt__csv_span_ieq(p, n, "n")) {
		*v = 0;
		return true;
	}
	if (fmt__csv_span_ieq(p, n, "r")) {
		*v = -1;
		return true;
	}
	return false;
}

/* One data row into the staging columns. */
static enum tb_status stage_row(struct csv *c, size_t nf, int slot_base,
				double *prev_t, double *prev_lap)
{
	if (nf < c->n_cols)
		return tb_fail(c->err, TB_ERR_CORRUPT,
			       "%s:%" PRIu64 ": %zu fields, the header has %zu",
			       c->name, c->rd.line, nf, c->n_cols);
	for (size_t j = c->n_cols; j < nf; j++)
		if (c->f[j].len)
			return tb_fail(c->err, TB_ERR_CORRUPT,
				       "%s:%" PRIu64 ": column %zu: a value "
				       "past the header's %zu columns",
				       c->name, c->rd.line, j + 1, c->n_cols);
	enum tb_status st = fmt__csv_stage_grow(c);
	if (st != TB_OK)
		return st;
	size_t row = c->n_rows;
	tb_chmask m = 0;
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		const struct span *sp = &c->f[c->col[s]];
		double v;
		if (fmt__csv_parse_num(sp->p, sp->len, c->dec, &v) ||
		    (s == TB_CH_GEAR && is_gear_text(sp, &v))) {
			c->val[s][row] = v;
			if (s != CH_LAP)
				m |= TB_CHBIT(s);
			if (v < c->vmin[s])
				c->vmin[s] = v;
			if (v > c->vmax[s])
				c->vmax[s] = v;
			continue;
		}
		if (!fmt__csv_is_missing(sp->p, sp->len) ||
		    (s == slot_base || s == CH_LAP))
			return tb_fail(
			    c->err, TB_ERR_CORRUPT,
			    "%s:%" PRIu64 ": column %ld '%s': '%.*s' is "
			    "not a number",
			    c->name, c->rd.line, c->col[s] + 1, c->colname[s],
			    (int)(sp->len > 40 ? 40 : sp->len), sp->p);
		c->val[s][row] = 0.0;
	}
	if (c->col[CH_LAP] >= 0) {
		double lv = c->val[CH_LAP][row];
		if (lv < 0 || lv > UINT32_MAX || lv != floor(lv))
			return tb_fail(c->err, TB_ERR_CORRUPT,
				       "%s:%" PRIu64 ": column %ld '%s': lap "
				       "%g is not a lap number",
				       c->name, c->rd.line, c->col[CH_LAP] + 1,
				       c->colname[CH_LAP], lv);
		if (row && lv != *prev_lap)
			*prev_t = -INFINITY;
		*prev_lap = lv;
	}
	if (slot_base == TB_CH_TIME) {
		double t = c->val[TB_CH_TIME][row];
		if (t < *prev_t)
			return tb_fail(c->err, TB_ERR_CORRUPT,
				       "%s:%" PRIu64 ": column %ld '%s': time "
				       "%.17g goes back (previous %.17g)",
				       c->name, c->rd.line,
				       c->col[TB_CH_TIME] + 1,
				       c->colname[TB_CH_TIME], t, *prev_t);
		*prev_t = t;
	}
	c->pres[row] = m;
	c->line[row] = c->rd.line;
	c->n_rows++;
	return TB_OK;
}

/* Decide range rules over the whole file and apply every conversion. */
static enum tb_status convert(struct csv *c)
{
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		if (s == CH_LAP)
			continue;
		double lo = c->vmin[s], hi = c->vmax[s];
		bool any = lo <= hi;
		double amax = fmax(fabs(lo), fabs(hi));
		switch (c->rule[s]) {
		case RULE_PEDAL:
			if (!any || hi <= 1.01)
				c->scale[s] = 1.0;
			else if (hi <= 101.0)
				c->scale[s] = 0.01;
			else
				return tb_fail(
				    c->err, TB_ERR_RANGE,
				    "%s: column %ld '%s': values up to %g "
				    "are neither 0..1 nor 0..100 %%; map "
				    "it or fix its unit",
				    c->name, c->col[s] + 1, c->colname[s], hi);
			break;
		case RULE_SPEED:
			c->scale[s] =
			    (!any || amax <= 100.0) ? 1.0 : 1.0 / TB_KMH_PER_MS;
			break;
		case RULE_STEER:
			if (any && amax > 1.01)
				c->rule[s] = RULE_DROP;
			break;
		case RULE_FIXED:
		case RULE_DROP:
			break;
		}
		if (c->rule[s] == RULE_DROP) {
			for (size_t i = 0; i < c->n_rows; i++)
				c->pres[i] &= ~TB_CHBIT(s);
			continue;
		}
		double sc = c->scale[s], of = c->off[s];
		if (any && fmt__csv_family_of(s) == FAM_PEDAL &&
		    (lo * sc + of < -0.01 || hi * sc + of > 1.01))
			return tb_fail(c->err, TB_ERR_RANGE,
				       "%s: column %ld '%s': values %g..%g do "
				       "not fit 0..1 in unit '%s'",
				       c->name, c->col[s] + 1, c->colname[s],
				       lo, hi, c->unit[s]);
		if (any && s == TB_CH_STEER &&
		    (lo * sc < -1.01 || hi * sc > 1.01))
			return tb_fail(c->err, TB_ERR_RANGE,
				       "%s: column %ld '%s': values %g..%g do "
				       "not fit -1..1",
				       c->name, c->col[s] + 1, c->colname[s],
				       lo, hi);
		if (sc == 1.0 && of == 0.0)
			continue;
		double *v = c->val[s];
		for (size_t i = 0; i < c->n_rows; i++)
			if (c->pres[i] & TB_CHBIT(s))
				v[i] = v[i] * sc + of;
	}
	return TB_OK;
}

static enum tb_status add_seg(struct csv *c, size_t *cap, size_t start,
			      size_t end, uint32_t number, int32_t ms,
			      uint32_t flags)
{
	if (end == start)
		return TB_OK;
	if (end - start > TB_LAP_MAX_SAMPLES)
		return tb_fail(
		    c->err, TB_ERR_LIMIT,
		    "%s: lap %" PRIu32 " has %zu samples, at most %u", c->name,
		    number, end - start, TB_LAP_MAX_SAMPLES);
	if (c->n_segs == FMT_LAPS_MAX)
		return tb_fail(c->err, TB_ERR_LIMIT, "%s: more than %u laps",
			       c->name, FMT_LAPS_MAX);
	if (c->n_segs == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct seg *t = tb_realloc(c->segs, nc * sizeof(*t));
		if (!t)
			return fmt__csv_oom(c);
		c->segs = t;
		*cap = nc;
	}
	c->segs[c->n_segs++] = (struct seg){start, end, number, ms, flags};
	return TB_OK;
}

static enum tb_status cut_laps(struct csv *c)
{
	size_t cap = 0;
	enum tb_status st = TB_OK;
	if (c->col[CH_LAP] >= 0) {
		const double *lv = c->val[CH_LAP];
		size_t st0 = 0;
		for (size_t i = 1; i <= c->n_rows && st == TB_OK; i++)
			if (i == c->n_rows || lv[i] != lv[st0]) {
				st = add_seg(c, &cap, st0, i, (uint32_t)lv[st0],
					     TB_TIME_UNKNOWN, 0);
				st0 = i;
			}
		return st;
	}
	if (c->n_beacons && c->col[TB_CH_TIME] >= 0) {
		const double *t = c->val[TB_CH_TIME];
		size_t i = 0, st0 = 0;
		for (size_t b = 0; b <= c->n_beacons && st == TB_OK; b++) {
			double lim =
			    b < c->n_beacons ? c->beacons[b] : INFINITY;
			while (i < c->n_rows && t[i] < lim)
				i++;
			int32_t ms = TB_TIME_UNKNOWN;
			uint32_t fl = TB_LAP_INCOMPLETE;
			if (b > 0 && b < c->n_beacons) {
				double d = (c->beacons[b] - c->beacons[b - 1]) *
					   1000.0;
				ms = d < INT32_MAX ? (int32_t)llround(d)
						   : TB_TIME_UNKNOWN;
				fl = 0;
			}
			st = add_seg(c, &cap, st0, i, (uint32_t)b + 1, ms, fl);
			st0 = i;
		}
		return st;
	}
	return add_seg(c, &cap, 0, c->n_rows, 1, TB_TIME_UNKNOWN, 0);
}

/* The generic distance does not restart per lap: total distance (if
 * that column is free, else dropped). */
static void to_total(struct csv *c)
{
	tb_chmask b = TB_CHBIT(TB_CH_LAP_DIST);
	bool moved = c->col[TB_CH_TOTAL_DIST] < 0;
	if (moved) {
		c->val[TB_CH_TOTAL_DIST] = c->val[TB_CH_LAP_DIST];
		c->col[TB_CH_TOTAL_DIST] = c->col[TB_CH_LAP_DIST];
		snprintf(c->colname[TB_CH_TOTAL_DIST], sizeof(c->colname[0]),
			 "%s", c->colname[TB_CH_LAP_DIST]);
	} else {
		tb_free(c->val[TB_CH_LAP_DIST]);
	}
	c->val[TB_CH_LAP_DIST] = NULL;
	c->col[TB_CH_LAP_DIST] = -1;
	for (size_t i = 0; i < c->n_rows; i++)
		if (c->pres[i] & b) {
			c->pres[i] &= ~b;
			if (moved)
				c->pres[i] |= TB_CHBIT(TB_CH_TOTAL_DIST);
		}
}

/* A generic "distance": lap distance if it restarts with every lap. */
static void settle_distance(struct csv *c)
{
	if (!c->dist_ambig || c->n_segs < 2)
		return;
	const double *d = c->val[TB_CH_LAP_DIST];
	tb_chmask b = TB_CHBIT(TB_CH_LAP_DIST);
	for (size_t k = 1; k < c->n_segs; k++) {
		const struct seg *p = &c->segs[k - 1], *s = &c->segs[k];
		double last = NAN, first = NAN;
		for (size_t i = p->end; i > p->start; i--)
			if (c->pres[i - 1] & b) {
				last = d[i - 1];
				break;
			}
		for (size_t i = s->start; i < s->end; i++)
			if (c->pres[i] & b) {
				first = d[i];
				break;
			}
		if (!isnan(last) && !isnan(first) && !(first < last)) {
			to_total(c);
			return;
		}
	}
}

/* Distance base: time from distance and speed, per lap from 0. */
static enum tb_status derive_time(struct csv *c, int dist)
{
	double *t = tb_calloc(c->cap_rows ? c->cap_rows : 1, sizeof(*t));
	if (!t)
		return fmt__csv_oom(c);
	tb_free(c->val[TB_CH_TIME]);
	c->val[TB_CH_TIME] = t;
	const double *d = c->val[dist], *v = c->val[TB_CH_SPEED];
	tb_chmask need = TB_CHBIT(dist) | TB_CHBIT(TB_CH_SPEED);
	for (size_t k = 0; k < c->n_segs; k++) {
		const struct seg *s = &c->segs[k];
		for (size_t i = s->start; i < s->end; i++) {
			if ((c->pres[i] & need) != need)
				return tb_fail(c->err, TB_ERR_CORRUPT,
					       "%s:%" PRIu64 ": distance or "
					       "speed is empty: time cannot "
					       "be derived",
					       c->name, c->line[i]);
			c->pres[i] |= TB_CHBIT(TB_CH_TIME);
			if (i == s->start) {
				t[i] = 0.0;
				continue;
			}
			double dd = d[i] - d[i - 1], vv = v[i] + v[i - 1];
			if (dd < 0 || (dd > 0 && vv < 0.2))
				return tb_fail(c->err, TB_ERR_CORRUPT,
					       "%s:%" PRIu64 ": cannot derive "
					       "time: distance %s",
					       c->name, c->line[i],
					       dd < 0 ? "goes back"
						      : "grows at speed 0");
			t[i] = t[i - 1] + (dd > 0 ? 2.0 * dd / vv : 0.0);
		}
	}
	return TB_OK;
}

enum tb_status fmt__csv_generic_parse(struct csv *c, fmt_lap_fn fn, void *ctx)
{
	enum tb_status st;
	size_t nf;
	if (c->motec && (st = motec_preamble(c)) != TB_OK)
		return st;
	/* Header row (the delimiter is decided on it). */
	while (c->rd.p < c->rd.end && (*c->rd.p == '\n' || *c->rd.p == '\r' ||
				       (!c->motec && *c->rd.p == '#'))) {
		const char *p;
		size_t n;
		fmt__csv_raw_line(&c->rd, &p, &n);
	}
	fmt__csv_rd_set_delim(&c->rd,
			      fmt__csv_detect_delim(c->rd.p, c->rd.end));
	c->dec = c->rd.delim == ';' ? ',' : '.';
	st = next_content_row(c, &nf);
	if (st == TB_ERR_EMPTY)
		return tb_fail(c->err, TB_ERR_TRUNCATED, "%s: no header row",
			       c->name);
	if (st != TB_OK)
		return st;
	c->n_cols = nf;
	uint64_t hdr_line = c->rd.line;
	if ((st = map_header(c)) != TB_OK)
		return st;
	int base = TB_CH_TIME;
	if (c->col[TB_CH_TIME] < 0 || c->opts->distance_base)
		base = c->col[TB_CH_LAP_DIST] >= 0     ? TB_CH_LAP_DIST
		       : c->col[TB_CH_TOTAL_DIST] >= 0 ? TB_CH_TOTAL_DIST
						       : -1;
	if (base < 0 || (base != TB_CH_TIME && c->col[TB_CH_SPEED] < 0))
		return tb_fail(c->err, TB_ERR_FORMAT,
			       "%s:%" PRIu64 ": no time column (time, Time, "
			       "SessionTime, t%s) and no distance with speed "
			       "to derive it from; map one with --map",
			       c->name, hdr_line,
			       c->opts->distance_base ? "; distance base "
							"asked"
						      : "");
	if (base != TB_CH_TIME && c->col[TB_CH_TIME] >= 0) {
		/* distance_base: drop the time column. */
		for (size_t k = 0; k < c->n_mapped; k++)
			if (c->mapped[k] == TB_CH_TIME)
				c->mapped[k] = c->mapped[--c->n_mapped];
		c->col[TB_CH_TIME] = -1;
	}
	for (int s = 0; s < N_SLOTS; s++) {
		c->vmin[s] = INFINITY;
		c->vmax[s] = -INFINITY;
	}
	/* Units row: the base column's field is not a number. */
	st = next_content_row(c, &nf);
	if (st == TB_ERR_EMPTY)
		return tb_fail(c->err, TB_ERR_TRUNCATED,
			       "%s: a header row and no data", c->name);
	if (st != TB_OK)
		return st;
	double dummy;
	size_t bc = (size_t)c->col[base];
	bool units = bc >= nf || !fmt__csv_parse_num(c->f[bc].p, c->f[bc].len,
						     c->dec, &dummy);
	if (units) {
		apply_units_row(c, nf);
		if ((st = decide_units(c)) != TB_OK)
			return st;
		st = next_content_row(c, &nf);
		if (st == TB_ERR_EMPTY)
			return tb_fail(c->err, TB_ERR_TRUNCATED,
				       "%s: header and units rows, no data",
				       c->name);
		if (st != TB_OK)
			return st;
	} else if ((st = decide_units(c)) != TB_OK) {
		return st;
	}
	double prev_t = -INFINITY, prev_lap = 0;
	for (;;) {
		st = stage_row(c, nf, base, &prev_t, &prev_lap);
		if (st != TB_OK)
			return st;
		fmt__csv_report(c);
		st = next_content_row(c, &nf);
		if (st == TB_ERR_EMPTY)
			break;
		if (st != TB_OK)
			return st;
	}
	if ((st = convert(c)) != TB_OK || (st = cut_laps(c)) != TB_OK)
		return st;
	settle_distance(c);
	if (base != TB_CH_TIME) {
		int dist = c->col[TB_CH_LAP_DIST] >= 0 ? TB_CH_LAP_DIST
						       : TB_CH_TOTAL_DIST;
		if ((st = derive_time(c, dist)) != TB_OK)
			return st;
	}
	c->sess.kind = TB_SESSION_UNKNOWN;
	c->sess.source_uid = fmt__csv_hash_bytes(c->buf, c->len);
	fmt__csv_set_str(c->meta.source, sizeof(c->meta.source),
			 c->motec ? "motec-csv" : "csv");
	return fmt__csv_build_and_hand(c, fn, ctx);
}

/* motec_write.c - MoTeC i2 writer: laps become one .ld log, resampled
 * onto one grid, with its companion .ldx holding the lap beacons and the
 * session details. Layout notes are in motec_int.h. */
#include "motec_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* Writer. */

#define WR_MAX_RATE   1000u
#define WR_DEF_RATE   60u
#define WR_RATE_DIFFS 65536u
#define WR_RATE_SPAN  10u
/* A sample this close to a grid point (in periods) is on it: games send
 * float32 session times, microseconds off their frame grid, and a gear
 * change a few µs after a grid point must not land a period late. */
#define WR_SNAP 1e-3

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Lap-relative time of sample j (s): TIME - TIME[0], else LAP_TIME -
 * LAP_TIME[0], else j / rate. */
static double wr_rel_time(const struct tb_lap *lap, size_t j, int src,
			  uint32_t rate)
{
	if (src >= 0)
		return lap->col[src][j] - lap->col[src][0];
	return (double)j / rate;
}

/* Which time column a lap uses (-1: index / rate). Only a column present
 * in every sample counts. */
static int wr_time_src(const struct tb_lap *lap)
{
	static const enum tb_channel cand[] = {TB_CH_TIME, TB_CH_LAP_TIME};
	for (size_t c = 0; c < 2; c++) {
		enum tb_channel ch = cand[c];
		if (!(lap->chans & TB_CHBIT(ch)))
			continue;
		bool all = true;
		for (size_t j = 0; j < lap->n && all; j++)
			all = (lap->mask[j] & TB_CHBIT(ch)) != 0;
		if (all)
			return (int)ch;
	}
	return -1;
}

static uint32_t wr_rate(const struct tb_lap *laps, size_t n_laps)
{
	size_t total = 0;
	for (size_t i = 0; i < n_laps; i++)
		total += laps[i].n > 1 ? laps[i].n - 1 : 0;
	if (total == 0)
		return WR_DEF_RATE;
	size_t stride = total / WR_RATE_DIFFS + 1;
	double *d = tb_malloc((total / stride + 1) * sizeof(double));
	if (!d)
		return WR_DEF_RATE;
	size_t n = 0, seen = 0;
	for (size_t i = 0; i < n_laps; i++) {
		int src = wr_time_src(&laps[i]);
		if (src < 0)
			continue;
		/* intervals over WR_RATE_SPAN samples: time stamps
		 * quantised to the ms (Forza) or jittered by the game's
		 * frames (DiRT) would bias a median of single ones */
		size_t w = laps[i].n - 1 < WR_RATE_SPAN ? laps[i].n - 1
							 : WR_RATE_SPAN;
		for (size_t j = 1; j < laps[i].n; j++, seen++) {
			if (seen % stride || j < w)
				continue;
			double dt =
			    (laps[i].col[src][j] - laps[i].col[src][j - w]) /
			    (double)w;
			if (dt > 0 && isfinite(dt))
				d[n++] = dt;
		}
	}
	uint32_t rate = WR_DEF_RATE;
	if (n) {
		qsort(d, n, sizeof(double), cmp_double);
		double r = 1.0 / d[n / 2];
		rate = r < 1		 ? 1
		       : r > WR_MAX_RATE ? WR_MAX_RATE
					 : (uint32_t)lround(r);
	}
	tb_free(d);
	return rate;
}

/* Value of channel ch of lap at lap-relative time tr; NaN when absent.
 * *j is a cursor (monotonic tr). */
static double wr_value(const struct tb_lap *lap, enum tb_channel ch, int src,
		       uint32_t rate, double tr, size_t *j)
{
	const double eps = WR_SNAP / rate;
	while (*j + 1 < lap->n &&
	       wr_rel_time(lap, *j + 1, src, rate) <= tr + eps)
		(*j)++;
	size_t i = *j;
	if (lap->n == 0 || !lap->col[ch])
		return NAN;
	double ti = wr_rel_time(lap, i, src, rate);
	if (ti > tr + eps || !(lap->mask[i] & TB_CHBIT(ch)))
		return NAN;
	double v = lap->col[ch][i];
	if (tr - ti <= eps)
		return v;
	bool step = tb_channel_kind(ch) == TB_KIND_STEP;
	if (i + 1 < lap->n && (lap->mask[i + 1] & TB_CHBIT(ch))) {
		if (step)
			return v;
		double t1 = wr_rel_time(lap, i + 1, src, rate);
		if (t1 > ti)
			return v + (lap->col[ch][i + 1] - v) * (tr - ti) /
				       (t1 - ti);
		return v;
	}
	return tr - ti < 1.0 / rate - eps ? v : NAN;
}

struct wr_lap {
	int src;	  /* time column, -1 none */
	int64_t start_us; /* lap start on the log clock */
	uint64_t k0, k1;  /* grid samples of the lap */
};

struct wr {
	const char *path;
	const struct tb_lap *laps;
	size_t n_laps;
	struct wr_lap *wl;
	uint32_t rate;
	uint64_t n; /* grid samples */
	double *vals;
};

/* All grid values of one channel (written units) into w->vals. */
static void wr_channel(struct wr *w, const struct chan_name *row)
{
	for (size_t i = 0; i < w->n_laps; i++) {
		const struct tb_lap *lap = &w->laps[i];
		const struct wr_lap *l = &w->wl[i];
		size_t cur = 0;
		for (uint64_t k = l->k0; k < l->k1; k++) {
			double tr =
			    (double)k / w->rate - (double)l->start_us / 1e6;
			double v =
			    wr_value(lap, row->ch, l->src, w->rate, tr, &cur);
			w->vals[k] = v * row->k;
		}
	}
}

/* int16 with dec places 0..3 when every value is on that grid; else
 * float32 (-1). */
static int wr_pick_dec(const double *v, uint64_t n)
{
	for (int dec = 0; dec <= 3; dec++) {
		double s = pow(10.0, dec);
		bool ok = true;
		for (uint64_t i = 0; i < n && ok; i++) {
			double x = v[i] * s;
			double r = nearbyint(x);
			ok = isfinite(x) && fabs(r) <= 32767 &&
			     fabs(x - r) <= 1e-9 * (fabs(x) > 1 ? fabs(x) : 1);
		}
		if (ok)
			return dec;
	}
	return -1;
}

struct wr_chan {
	const struct chan_name *row;
	int dec; /* -1: float32 */
	uint32_t data, n;
};

static void put_str(uint8_t *p, size_t cap, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n < cap ? n : cap);
}

static void wr_header(uint8_t *h, const struct tb_session_info *s,
		      const struct tb_car_info *car, uint32_t meta,
		      uint32_t data, uint32_t n_ch)
{
	tb_st_u32le(h + 0x00, LD_MARKER);
	tb_st_u32le(h + 0x08, meta);
	tb_st_u32le(h + 0x0C, data);
	tb_st_u32le(h + 0x24, LD_HEAD_SIZE);
	tb_st_u16le(h + 0x40, 1);
	tb_st_u16le(h + 0x42, 0x4240);
	tb_st_u16le(h + 0x44, 0x000F);
	tb_st_u32le(h + 0x46, 0x1F44);
	put_str(h + 0x4A, 8, "ADL");
	tb_st_u16le(h + 0x52, 420);
	tb_st_u16le(h + 0x54, 0xADB0);
	tb_st_u32le(h + 0x56, n_ch);
	int64_t ms = s && s->start_unix_ms > 0 ? s->start_unix_ms : 0;
	int64_t days = ms / 86400000, sec = (ms / 1000) % 86400;
	/* civil from days (H. Hinnant) */
	int64_t z = days + 719468, era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
	char buf[32];
	snprintf(buf, sizeof(buf), "%02u/%02u/%04lld", d, m, (long long)y);
	put_str(h + 0x5E, 16, buf);
	snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld",
		 (long long)(sec / 3600), (long long)(sec / 60 % 60),
		 (long long)(sec % 60));
	put_str(h + 0x7E, 16, buf);
	if (car)
		put_str(h + 0x9E, 63, car->driver);
	if (s) {
		put_str(h + 0xDE, 63, tb_car_class_name(s->car_class));
		put_str(h + 0x15E, 63, s->track);
	}
	tb_st_u32le(h + 0x5DE, 0xC81A4);
	put_str(h + 0x624, 63, "trailbrake");
}

static void wr_blocks(uint8_t *p, const struct tb_session_info *s)
{
	uint8_t *ev = p + LD_HEAD_SIZE;
	uint32_t vn = LD_HEAD_SIZE + LD_EVENT_SIZE;
	uint32_t vh = vn + LD_VENUE_SIZE;
	if (s) {
		put_str(ev, 63, tb_game_name(s->game));
		put_str(ev + 0x40, 63, tb_session_kind_name(s->kind));
		put_str(p + vn, 63, s->track);
		if (s->track_length_m > 0 && s->track_length_m < 100000)
			tb_st_u32le(p + vn + LD_VN_LENGTH,
				    (uint32_t)lround(s->track_length_m * 1000));
		put_str(p + vh, 63, tb_car_class_name(s->car_class));
		put_str(p + vh + LD_VH_TYPE, 31,
			tb_car_class_name(s->car_class));
	}
	tb_st_u32le(ev + LD_EV_VENUE_PTR, vn);
	tb_st_u32le(p + vn + LD_VN_VEHICLE_PTR, vh);
}

static void wr_chan_entry(uint8_t *e, const struct wr_chan *c, uint32_t at,
			  size_t i, size_t n, uint32_t rate)
{
	tb_st_u32le(e + 0x00, i ? at - LD_CHAN_SIZE : 0);
	tb_st_u32le(e + 0x04, i + 1 < n ? at + LD_CHAN_SIZE : 0);
	tb_st_u32le(e + 0x08, c->data);
	tb_st_u32le(e + 0x0C, c->n);
	tb_st_u16le(e + 0x10, (uint16_t)(0x2EE1 + i));
	tb_st_u16le(e + 0x12, c->dec < 0 ? LD_TYPE_FLOAT : LD_TYPE_INT);
	tb_st_u16le(e + 0x14, c->dec < 0 ? 4 : 2);
	tb_st_u16le(e + 0x16, (uint16_t)rate);
	tb_st_u16le(e + 0x18, 0);
	tb_st_u16le(e + 0x1A, 1);
	tb_st_u16le(e + 0x1C, 1);
	tb_st_u16le(e + 0x1E, (uint16_t)(c->dec < 0 ? 0 : c->dec));
	put_str(e + 0x20, 31, c->row->name);
	put_str(e + 0x40, 8, c->row->short_name);
	put_str(e + 0x48, 11, c->row->unit);
}

/* Encode w->vals as channel c's samples and write them. */
static bool wr_data(FILE *f, const struct wr *w, const struct wr_chan *c,
		    uint8_t *chunk, size_t chunk_len)
{
	size_t sz = c->dec < 0 ? 4 : 2, per = chunk_len / sz, k = 0;
	double s = c->dec < 0 ? 1 : pow(10.0, c->dec);
	for (uint64_t i = 0; i < w->n; i++) {
		if (c->dec < 0)
			tb_st_f32le(chunk + k * 4, (float)w->vals[i]);
		else
			tb_st_u16le(chunk + k * 2, (uint16_t)(int16_t)nearbyint(
						       w->vals[i] * s));
		if (++k == per) {
			if (fwrite(chunk, sz, k, f) != k)
				return false;
			k = 0;
		}
	}
	return k == 0 || fwrite(chunk, sz, k, f) == k;
}

/* Lay the laps out on the log clock. */
static enum tb_status wr_layout(struct wr *w, struct tb_error *err)
{
	int64_t t_us = 0;
	for (size_t i = 0; i < w->n_laps; i++) {
		const struct tb_lap *lap = &w->laps[i];
		struct wr_lap *l = &w->wl[i];
		l->src = wr_time_src(lap);
		l->start_us = t_us;
		int64_t dur;
		if (lap->lap_time_ms > 0) {
			dur = (int64_t)lap->lap_time_ms * 1000;
		} else {
			double last = lap->n ? wr_rel_time(lap, lap->n - 1,
							   l->src, w->rate)
					     : 0;
			if (!isfinite(last) || last < 0 || last > 1e7)
				return tb_fail(err, TB_ERR_RANGE,
					       "%s: lap %zu: time runs from "
					       "its first sample by %g s",
					       w->path, i, last);
			dur = llround((last + 1.0 / w->rate) * 1e6);
		}
		t_us += dur;
		if (t_us > (int64_t)1e13)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s: laps longer than 10^7 s", w->path);
		l->k0 = fmt__motec_us_to_k(l->start_us, w->rate);
		l->k1 = fmt__motec_us_to_k(t_us, w->rate);
	}
	w->n = w->n_laps ? w->wl[w->n_laps - 1].k1 : 0;
	return TB_OK;
}

static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
		}
	}
}

static enum tb_status wr_ldx(const struct wr *w,
			     const struct tb_session_info *s,
			     const struct tb_car_info *car,
			     struct tb_error *err)
{
	char xp[4096];
	if (!fmt__motec_ldx_path(w->path, xp, sizeof(xp)))
		return tb_fail(err, TB_ERR_ARG, "%s: path too long", w->path);
	FILE *f = fopen(xp, "wb");
	if (!f)
		return tb_fail(err, TB_ERR_IO, "%s: cannot create: %s", xp,
			       strerror(errno));
	const struct tb_lap *first = &w->laps[0];
	const struct tb_lap *last = &w->laps[w->n_laps - 1];
	size_t i0 = (first->flags & TB_LAP_INCOMPLETE) ? 1 : 0;
	size_t i1 = (last->flags & TB_LAP_INCOMPLETE) || last->lap_time_ms <= 0
			? w->n_laps
			: w->n_laps + 1;
	/* marker j of [i0, i1) sits at the start of lap j (or the end of
	 * the last lap for j == n_laps) */
	int64_t best = -1;
	size_t best_lap = 0, n_mark = 0;
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	      "<LDXFile Version=\"1.6\" Locale=\"English\">\n"
	      "  <Layers>\n    <Layer>\n      <MarkerBlock>\n"
	      "        <MarkerGroup Name=\"Beacons\" Index=\"3\">\n",
	      f);
	for (size_t j = i0; j < i1; j++) {
		int64_t us =
		    j < w->n_laps
			? w->wl[j].start_us
			: w->wl[j - 1].start_us +
			      (int64_t)w->laps[j - 1].lap_time_ms * 1000;
		n_mark++;
		fprintf(f,
			"          <Marker Version=\"100\" ClassName=\"BCN\" "
			"Name=\"Manual.%zu\" Flags=\"77\" "
			"Time=\"%lld.000000\"/>\n",
			n_mark, (long long)us);
		if (j + 1 < i1 && j < w->n_laps) {
			int64_t next =
			    j + 1 < w->n_laps
				? w->wl[j + 1].start_us
				: us + (int64_t)w->laps[j].lap_time_ms * 1000;
			if (best < 0 || next - us < best) {
				best = next - us;
				best_lap = n_mark;
			}
		}
	}
	fputs("        </MarkerGroup>\n      </MarkerBlock>\n"
	      "      <RangeBlock/>\n    </Layer>\n    <Details>\n",
	      f);
	if (s) {
		fputs("      <String Id=\"Event\" Value=\"", f);
		xml_escape(f, tb_game_name(s->game));
		fputs("\"/>\n      <String Id=\"Venue\" Value=\"", f);
		xml_escape(f, s->track);
		fputs("\"/>\n      <String Id=\"Session\" Value=\"", f);
		xml_escape(f, tb_session_kind_name(s->kind));
		fputs("\"/>\n", f);
	}
	if (car) {
		fputs("      <String Id=\"Driver\" Value=\"", f);
		xml_escape(f, car->driver);
		fputs("\"/>\n", f);
	}
	fprintf(f, "      <String Id=\"Total Laps\" Value=\"%zu\"/>\n",
		n_mark + 1);
	bool consecutive = true;
	for (size_t j = 1; j < w->n_laps && consecutive; j++)
		consecutive = w->laps[j].lap_number ==
			      w->laps[j - 1].lap_number + 1;
	if (consecutive && first->lap_number <= INT32_MAX)
		fprintf(f,
			"      <String Id=\"First Lap\" Value=\"%lu\"/>\n",
			(unsigned long)first->lap_number);
	if (best >= 0) {
		int64_t ms = (best + 500) / 1000;
		fprintf(f,
			"      <String Id=\"Fastest Time\" "
			"Value=\"%lld:%02lld.%03lld\"/>\n"
			"      <String Id=\"Fastest Lap\" Value=\"%zu\"/>\n",
			(long long)(ms / 60000), (long long)(ms / 1000 % 60),
			(long long)(ms % 1000), best_lap);
	}
	fputs("    </Details>\n  </Layers>\n</LDXFile>\n", f);
	bool ok = !ferror(f);
	if (fclose(f) != 0 || !ok)
		return tb_fail(err, TB_ERR_IO, "%s: write failed", xp);
	return TB_OK;
}

static enum tb_status wr_file(struct wr *w, const struct tb_session_info *s,
			      const struct tb_car_info *car, struct wr_chan *wc,
			      size_t n_ch, struct tb_error *err)
{
	uint32_t meta =
	    LD_HEAD_SIZE + LD_EVENT_SIZE + LD_VENUE_SIZE + LD_VEHICLE_SIZE;
	uint64_t data = meta + (uint64_t)n_ch * LD_CHAN_SIZE;
	uint64_t at = data;
	for (size_t i = 0; i < n_ch; i++) {
		wc[i].data = (uint32_t)at;
		wc[i].n = (uint32_t)w->n;
		at += w->n * (wc[i].dec < 0 ? 4 : 2);
		if (at > UINT32_MAX)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s: %llu samples x %zu channels do "
				       "not fit the 32-bit pointers of .ld",
				       w->path, (unsigned long long)w->n, n_ch);
	}
	size_t head_len = (size_t)data;
	uint8_t *head = tb_calloc(head_len, 1);
	uint8_t *chunk = tb_malloc(1u << 16);
	enum tb_status st = TB_OK;
	FILE *f = NULL;
	if (!head || !chunk) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", w->path);
		goto out;
	}
	wr_header(head, s, car, n_ch ? meta : 0, (uint32_t)data,
		  (uint32_t)n_ch);
	wr_blocks(head, s);
	for (size_t i = 0; i < n_ch; i++)
		wr_chan_entry(head + meta + i * LD_CHAN_SIZE, &wc[i],
			      meta + (uint32_t)(i * LD_CHAN_SIZE), i, n_ch,
			      w->rate);
	f = fopen(w->path, "wb");
	if (!f) {
		st = tb_fail(err, TB_ERR_IO, "%s: cannot create: %s", w->path,
			     strerror(errno));
		goto out;
	}
	if (fwrite(head, 1, head_len, f) != head_len)
		goto io;
	for (size_t i = 0; i < n_ch; i++) {
		wr_channel(w, wc[i].row);
		if (!wr_data(f, w, &wc[i], chunk, 1u << 16))
			goto io;
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto io;
	}
	f = NULL;
	st = wr_ldx(w, s, car, err);
	goto out;
io:
	st = tb_fail(err, TB_ERR_IO, "%s: write failed: %s", w->path,
		     strerror(errno));
out:
	if (f)
		fclose(f);
	tb_free(head);
	tb_free(chunk);
	return st;
}

enum tb_status fmt_motec_write(const char *ld_path,
			       const struct tb_session_info *s,
			       const struct tb_car_info *car,
			       const struct tb_lap *laps, size_t n_laps,
			       struct tb_error *err)
{
	if (!ld_path || !*ld_path || (!laps && n_laps))
		return tb_fail(err, TB_ERR_ARG, "motec write: bad argument");
	if (n_laps == 0 || n_laps > FMT_LAPS_MAX)
		return tb_fail(err, TB_ERR_ARG, "%s: %zu laps (1..%u)", ld_path,
			       n_laps, FMT_LAPS_MAX);
	struct wr w = {ld_path, laps, n_laps, NULL, 0, 0, NULL};
	struct wr_chan wc[TB_CH__COUNT];
	size_t n_ch = 0;
	enum tb_status st = TB_OK;
	w.wl = tb_calloc(n_laps, sizeof(*w.wl));
	if (!w.wl)
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", ld_path);
	w.rate = wr_rate(laps, n_laps);
	st = wr_layout(&w, err);
	if (st != TB_OK)
		goto out;
	if (w.n == 0 || w.n > UINT32_MAX) {
		st = tb_fail(err, TB_ERR_ARG, "%s: %llu samples to write",
			     ld_path, (unsigned long long)w.n);
		goto out;
	}
	w.vals = tb_malloc((size_t)w.n * sizeof(double));
	if (!w.vals) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", ld_path);
		goto out;
	}
	tb_chmask all = 0;
	for (size_t i = 0; i < n_laps; i++)
		all |= laps[i].chans;
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		const struct chan_name *row =
		    fmt__motec_chan_writer_row((enum tb_channel)ch);
		if (!(all & TB_CHBIT(ch)) || !row)
			continue;
		wr_channel(&w, row);
		wc[n_ch].row = row;
		wc[n_ch].dec = wr_pick_dec(w.vals, w.n);
		n_ch++;
	}
	if (n_ch == 0) {
		st = tb_fail(err, TB_ERR_ARG,
			     "%s: the laps hold no channel .ld can carry",
			     ld_path);
		goto out;
	}
	st = wr_file(&w, s, car, wc, n_ch, err);
out:
	tb_free(w.vals);
	tb_free(w.wl);
	return st;
}

/* motec_read.c - MoTeC i2 .ld reader and importer. The reader validates
 * the whole log (header, the linked list of channel entries, every data
 * range) before it resamples the channels it can map onto canonical ones
 * to the fastest channel's rate and hands over laps split at the .ldx
 * beacons. Channels with no canonical home are skipped. */
#include "motec_int.h"

#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Small helpers. */

/* Copy a fixed-size field of the file into a NUL-terminated string:
 * stops at the first NUL, control bytes become '?', trailing blanks go. */
static void copy_field(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap && src[i]; i++)
		dst[k++] = src[i] < 0x20 ? '?' : (char)src[i];
	while (k > 0 && dst[k - 1] == ' ')
		k--;
	dst[k] = 0;
}

static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 0x1f;
	int m = h & 0x3ff;
	double v;
	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(m + 1024, e - 25);
	return (h & 0x8000) ? -v : v;
}

/* ------------------------------------------------------------------ */
/* .ld reader. */

struct ld_chan {
	uint32_t meta, data, n;
	uint16_t type, size, freq;
	int16_t shift, mul, scale, dec;
	char name[33], unit[13];
	int row;     /* fmt__motec_chan_names row, -1 when not mapped */
	double a, b; /* canonical = raw * a + b */
};

struct ld_file {
	const uint8_t *p;
	size_t len;
	const char *name;
	struct ld_chan *ch;
	size_t n_ch;
	int use[TB_CH__COUNT]; /* index into ch, -1 none */
	uint32_t rate;	       /* the time base, Hz */
	uint64_t n_samples;    /* on the time base */
	struct tb_session_info s;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
};

static enum tb_status ld_ptr_check(const struct ld_file *f, uint32_t ptr,
				   size_t size, const char *what,
				   struct tb_error *err)
{
	if ((uint64_t)ptr + size > f->len)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: %s 0x%x + %zu bytes past the end of the "
			       "file (%zu bytes)",
			       f->name, what, ptr, size, f->len);
	return TB_OK;
}

/* days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "dd/mm/yyyy" + "HH:MM[:SS]" as UTC ms since the epoch; 0 unknown. */
static int64_t ld_datetime(const char *date, const char *tm)
{
	const char *p = fmt__ldx_trim_lead(date);
	int32_t d = fmt__ldx_parse_uint(p, &p);
	if (d < 1 || d > 31 || *p++ != '/')
		return 0;
	int32_t mo = fmt__ldx_parse_uint(p, &p);
	if (mo < 1 || mo > 12 || *p++ != '/')
		return 0;
	int32_t y = fmt__ldx_parse_uint(p, &p);
	if (y < 1970 || y > 9999)
		return 0;
	p = fmt__ldx_trim_lead(tm);
	int32_t h = fmt__ldx_parse_uint(p, &p), mi = 0, s = 0;
	if (h < 0 || h > 23 || *p++ != ':')
		return 0;
	mi = fmt__ldx_parse_uint(p, &p);
	if (mi < 0 || mi > 59)
		return 0;
	if (*p == ':') {
		p++;
		s = fmt__ldx_parse_uint(p, &p);
		if (s < 0 || s > 60)
			s = 0;
	}
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	return ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] &&
		       fmt__motec_lower((unsigned char)hay[i]) ==
			   fmt__motec_lower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

static enum tb_session_kind kind_from(const char *s)
{
	if (contains_ci(s, "qual"))
		return TB_SESSION_QUALIFYING;
	if (contains_ci(s, "race"))
		return TB_SESSION_RACE;
	if (contains_ci(s, "practice") || contains_ci(s, "test"))
		return TB_SESSION_PRACTICE;
	if (contains_ci(s, "time trial") || contains_ci(s, "hotlap"))
		return TB_SESSION_TIME_TRIAL;
	if (contains_ci(s, "stage"))
		return TB_SESSION_STAGE;
	return TB_SESSION_UNKNOWN;
}

static enum tb_car_class class_from(const char *s)
{
	if (fmt__motec_name_eq(s, "F1") || contains_ci(s, "formula 1"))
		return TB_CLASS_F1;
	if (contains_ci(s, "GT3"))
		return TB_CLASS_GT3;
	if (contains_ci(s, "LMH") || contains_ci(s, "hypercar"))
		return TB_CLASS_LMH;
	if (contains_ci(s, "rally"))
		return TB_CLASS_RALLY;
	return TB_CLASS_OTHER;
}

/* Header, event, venue and vehicle blocks into session/car/meta. */
static enum tb_status ld_read_meta(struct ld_file *f, struct tb_error *err)
{
	const uint8_t *p = f->p;
	char date[17], tm[17], vehicle[TB_NAME_MAX];
	memset(&f->s, 0, sizeof(f->s));
	memset(&f->car, 0, sizeof(f->car));
	memset(&f->meta, 0, sizeof(f->meta));
	f->s.track_id = -1;
	f->s.weather = -1;
	f->s.game = TB_GAME_UNKNOWN;
	f->car.team_id = -1;
	f->car.race_number = -1;
	fmt__motec_copy_str(f->meta.source, sizeof(f->meta.source), "motec-ld");
	copy_field(date, sizeof(date), p + 0x5E, 16);
	copy_field(tm, sizeof(tm), p + 0x7E, 16);
	f->s.start_unix_ms = ld_datetime(date, tm);
	copy_field(f->car.driver, sizeof(f->car.driver), p + 0x9E, 64);
	copy_field(vehicle, sizeof(vehicle), p + 0xDE, 64);
	fmt__motec_copy_str(f->meta.car, sizeof(f->meta.car), vehicle);
	copy_field(f->s.track, sizeof(f->s.track), p + 0x15E, 64);
	char vtype[33] = "";
	uint32_t ev = tb_ld_u32le(p + 0x24);
	if (ev) {
		enum tb_status st =
		    ld_ptr_check(f, ev, LD_EV_VENUE_PTR + 2,
				 "event block pointer (header 0x24)", err);
		if (st != TB_OK)
			return st;
		char sess[TB_NAME_MAX];
		copy_field(sess, sizeof(sess), p + ev + 0x40, 64);
		f->s.kind = kind_from(sess);
		uint32_t vn = tb_ld_u16le(p + ev + LD_EV_VENUE_PTR);
		if (vn) {
			st = ld_ptr_check(f, vn, LD_VN_VEHICLE_PTR + 2,
					  "venue block pointer", err);
			if (st != TB_OK)
				return st;
			if (!f->s.track[0])
				copy_field(f->s.track, sizeof(f->s.track),
					   p + vn, 64);
			uint32_t mm = tb_ld_u32le(p + vn + LD_VN_LENGTH);
			if (mm > 0 && mm < 100000000u) /* < 100 km */
				f->s.track_length_m = mm / 1000.0;
			uint32_t vh = tb_ld_u16le(p + vn + LD_VN_VEHICLE_PTR);
			if (vh) {
				st = ld_ptr_check(f, vh, LD_VEHICLE_SIZE,
						  "vehicle block pointer", err);
				if (st != TB_OK)
					return st;
				if (!f->meta.car[0])
					copy_field(f->meta.car,
						   sizeof(f->meta.car), p + vh,
						   64);
				copy_field(vtype, sizeof(vtype),
					   p + vh + LD_VH_TYPE, 32);
			}
		}
	}
	f->s.car_class = class_from(vtype[0] ? vtype : f->meta.car);
	return TB_OK;
}

static enum tb_status ld_chan_bad(const struct ld_file *f, size_t i,
				  const struct ld_chan *c, const char *what,
				  long long v, struct tb_error *err)
{
	return tb_fail(err, TB_ERR_CORRUPT,
		       "%s: channel %zu \"%s\" (entry at 0x%x): %s %lld",
		       f->name, i, c->name, c->meta, what, v);
}

/* Decode and validate one channel entry at c->meta. */
static enum tb_status ld_read_chan(struct ld_file *f, size_t i,
				   struct ld_chan *c, uint32_t *next,
				   struct tb_error *err)
{
	const uint8_t *e = f->p + c->meta;
	*next = tb_ld_u32le(e + 4);
	c->data = tb_ld_u32le(e + 8);
	c->n = tb_ld_u32le(e + 12);
	c->type = tb_ld_u16le(e + 0x12);
	c->size = tb_ld_u16le(e + 0x14);
	c->freq = tb_ld_u16le(e + 0x16);
	c->shift = (int16_t)tb_ld_u16le(e + 0x18);
	c->mul = (int16_t)tb_ld_u16le(e + 0x1A);
	c->scale = (int16_t)tb_ld_u16le(e + 0x1C);
	c->dec = (int16_t)tb_ld_u16le(e + 0x1E);
	copy_field(c->name, sizeof(c->name), e + 0x20, 32);
	copy_field(c->unit, sizeof(c->unit), e + 0x48, 12);
	c->row = -1;
	bool is_float = c->type == LD_TYPE_FLOAT;
	bool is_int = c->type == 0x00 || c->type == 0x03 || c->type == 0x05;
	if (!is_float && !is_int)
		return ld_chan_bad(f, i, c, "unknown data type", c->type, err);
	if (is_float ? (c->size != 2 && c->size != 4)
		     : (c->size != 1 && c->size != 2 && c->size != 4))
		return ld_chan_bad(f, i, c, "bad sample size", c->size, err);
	if (c->n && (c->freq == 0 || c->freq > FMT_MOTEC_MAX_FREQ))
		return ld_chan_bad(f, i, c, "absurd rate (Hz)", c->freq, err);
	if (c->scale == 0)
		return ld_chan_bad(f, i, c, "scale", 0, err);
	if (c->dec > LD_MAX_DEC || c->dec < -LD_MAX_DEC)
		return ld_chan_bad(f, i, c, "decimal places", c->dec, err);
	if ((uint64_t)c->data + (uint64_t)c->n * c->size > f->len)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: channel %zu \"%s\" (entry at 0x%x): data "
			       "at 0x%x, %u samples of %u bytes run past the "
			       "end of the file (%zu bytes)",
			       f->name, i, c->name, c->meta, c->data, c->n,
			       c->size, f->len);
	if (c->n == 0)
		return TB_OK;
	int row = fmt__motec_chan_lookup(c->name);
	double ua, ub;
	if (row < 0 || !fmt__motec_unit_factor(fmt__motec_chan_names[row].uc,
					       c->unit, &ua, &ub))
		return TB_OK; /* no canonical home: skipped */
	double mul = c->mul ? c->mul : 1;
	c->row = row;
	c->a = mul * ua / (c->scale * pow(10.0, c->dec));
	c->b = c->shift * mul * ua + ub;
	return TB_OK;
}

/* Walk the channel list, validating every entry. */
static enum tb_status ld_read_chans(struct ld_file *f, struct tb_error *err)
{
	uint32_t ptr = tb_ld_u32le(f->p + 0x08);
	if (ptr == 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: no channels (first channel pointer at "
			       "0x08 is 0)",
			       f->name);
	size_t cap = 64;
	f->ch = tb_malloc(cap * sizeof(*f->ch));
	if (!f->ch)
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", f->name);
	while (ptr) {
		if (f->n_ch >= FMT_MOTEC_MAX_CHANNELS)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s: more than %u channels", f->name,
				       FMT_MOTEC_MAX_CHANNELS);
		if ((uint64_t)ptr + LD_CHAN_SIZE > f->len)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: channel %zu: entry pointer 0x%x "
				       "past the end of the file (%zu bytes)",
				       f->name, f->n_ch, ptr, f->len);
		if (ptr < 0x40)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: channel %zu: entry pointer 0x%x "
				       "inside the file header",
				       f->name, f->n_ch, ptr);
		for (size_t j = 0; j < f->n_ch; j++)
			if (f->ch[j].meta == ptr)
				return tb_fail(err, TB_ERR_CORRUPT,
					       "%s: channel %zu: next pointer "
					       "0x%x loops back to channel %zu",
					       f->name, f->n_ch, ptr, j);
		if (f->n_ch == cap) {
			cap *= 2;
			struct ld_chan *n =
			    tb_realloc(f->ch, cap * sizeof(*f->ch));
			if (!n)
				return tb_fail(err, TB_ERR_NOMEM,
					       "%s: out of memory", f->name);
			f->ch = n;
		}
		struct ld_chan *c = &f->ch[f->n_ch];
		memset(c, 0, sizeof(*c));
		c->meta = ptr;
		enum tb_status st = ld_read_chan(f, f->n_ch, c, &ptr, err);
		if (st != TB_OK)
			return st;
		f->n_ch++;
	}
	return TB_OK;
}

/* Pick one file channel per canonical channel and the time base. */
static enum tb_status ld_plan(struct ld_file *f, struct tb_error *err)
{
	int best_row[TB_CH__COUNT];
	for (int k = 0; k < TB_CH__COUNT; k++) {
		f->use[k] = -1;
		best_row[k] = INT32_MAX;
	}
	f->rate = 0;
	for (size_t i = 0; i < f->n_ch; i++) {
		const struct ld_chan *c = &f->ch[i];
		if (c->row < 0)
			continue;
		enum tb_channel ch = fmt__motec_chan_names[c->row].ch;
		if (c->row < best_row[ch]) {
			best_row[ch] = c->row;
			f->use[ch] = (int)i;
		}
	}
	/* the time base covers every channel, mapped or not */
	for (size_t i = 0; i < f->n_ch; i++)
		if (f->ch[i].n && f->ch[i].freq > f->rate)
			f->rate = f->ch[i].freq;
	f->n_samples = 0;
	for (size_t i = 0; i < f->n_ch; i++) {
		const struct ld_chan *c = &f->ch[i];
		if (!c->n)
			continue;
		uint64_t n = ((uint64_t)c->n * f->rate + c->freq - 1) / c->freq;
		if (n > f->n_samples)
			f->n_samples = n;
	}
	if (f->n_samples == 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: %zu channels, none with samples", f->name,
			       f->n_ch);
	return TB_OK;
}

/* Raw sample i of c as a double (NaN stays NaN). */
static double ld_raw(const struct ld_file *f, const struct ld_chan *c,
		     uint64_t i)
{
	const uint8_t *q = f->p + c->data + i * c->size;
	if (c->type == LD_TYPE_FLOAT)
		return c->size == 4 ? (double)tb_ld_f32le(q)
				    : half_to_double(tb_ld_u16le(q));
	if (c->size == 1)
		return (int8_t)q[0];
	if (c->size == 2)
		return (int16_t)tb_ld_u16le(q);
	return (int32_t)tb_ld_u32le(q);
}

/* Fill column col for grid samples [k0, k0 + n) of channel c. */
static void ld_fill(const struct ld_file *f, const struct ld_chan *c, bool step,
		    uint64_t k0, size_t n, double *col, tb_chmask *mask,
		    tb_chmask bit)
{
	for (size_t j = 0; j < n; j++) {
		uint64_t num = (k0 + j) * c->freq;
		uint64_t i = num / f->rate;
		uint64_t rem = num % f->rate;
		double v;
		if (i >= c->n) {
			col[j] = 0;
			continue;
		}
		v = ld_raw(f, c, i);
		if (rem && !step && i + 1 < c->n) {
			double w = (double)rem / f->rate;
			v = v + (ld_raw(f, c, i + 1) - v) * w;
		}
		v = v * c->a + c->b;
		if (!isfinite(v)) {
			col[j] = 0;
			continue;
		}
		col[j] = v;
		mask[j] |= bit;
	}
}

/* Same-rate fast paths: one raw sample per grid sample. */
static void ld_fill_direct(const struct ld_file *f, const struct ld_chan *c,
			   uint64_t k0, size_t n, double *col, tb_chmask *mask,
			   tb_chmask bit)
{
	size_t m = k0 >= c->n ? 0 : (size_t)(c->n - k0);
	if (m > n)
		m = n;
	const uint8_t *q = f->p + c->data + k0 * c->size;
	double a = c->a, b = c->b;
	if (c->type != LD_TYPE_FLOAT && c->size == 2) {
		for (size_t j = 0; j < m; j++) {
			col[j] = (int16_t)tb_ld_u16le(q + 2 * j) * a + b;
			mask[j] |= bit;
		}
	} else if (c->type == LD_TYPE_FLOAT && c->size == 4) {
		for (size_t j = 0; j < m; j++) {
			double v = (double)tb_ld_f32le(q + 4 * j) * a + b;
			bool ok = isfinite(v);
			col[j] = ok ? v : 0;
			mask[j] |= ok ? bit : 0;
		}
	} else {
		ld_fill(f, c, false, k0, m, col, mask, bit);
	}
	for (size_t j = m; j < n; j++)
		col[j] = 0;
}

struct ld_seg {
	uint64_t k0, k1;
	uint32_t lap_number;
	int32_t lap_time_ms;
	uint32_t flags;
	bool lap_time_col; /* starts at a beacon: lap_time column known */
	int64_t start_us;
};

/* Split the time base at the beacons into at most n_markers + 1 laps;
 * empty ones are dropped. */
static enum tb_status ld_segments(const struct ld_file *f,
				  const struct fmt_ldx *ldx, struct ld_seg *seg,
				  size_t *n_seg, struct tb_error *err)
{
	size_t m = ldx ? ldx->n_markers : 0;
	size_t n = 0;
	uint64_t N = f->n_samples;
	if (m == 0) {
		seg[0] = (struct ld_seg){
		    0, N, 1, TB_TIME_UNKNOWN, TB_LAP_INCOMPLETE, false, 0};
		n = 1;
	} else {
		uint64_t b0 = fmt__motec_us_to_k(ldx->marker_us[0], f->rate);
		if (b0 > N)
			b0 = N;
		if (b0 > 0)
			seg[n++] = (struct ld_seg){
			    0,	   b0, 0, TB_TIME_UNKNOWN, TB_LAP_INCOMPLETE,
			    false, 0};
		for (size_t j = 0; j < m; j++) {
			int64_t s_us = ldx->marker_us[j];
			uint64_t k0 = fmt__motec_us_to_k(s_us, f->rate);
			struct ld_seg g = {k0,
					   N,
					   (uint32_t)(j + 1),
					   TB_TIME_UNKNOWN,
					   TB_LAP_INCOMPLETE,
					   true,
					   s_us};
			if (j + 1 < m) {
				int64_t e_us = ldx->marker_us[j + 1];
				uint64_t k1 = fmt__motec_us_to_k(e_us, f->rate);
				g.k1 = k1 > N ? N : k1;
				int64_t ms = (e_us - s_us + 500) / 1000;
				g.lap_time_ms = ms <= INT32_MAX
						    ? (int32_t)ms
						    : TB_TIME_UNKNOWN;
				g.flags = k1 > N ? TB_LAP_INCOMPLETE : 0;
			}
			if (g.k0 >= g.k1)
				continue;
			seg[n++] = g;
		}
	}
	/* trailbrake's .ldx names the number of the log's first lap (its
	 * laps are consecutive); the first lap is the one before the first
	 * beacon when that beacon is not at 0 */
	const char *first = ldx ? fmt_ldx_detail(ldx, "First Lap") : NULL;
	int32_t first_lap = first ? fmt__ldx_parse_count(first) : -1;
	if (first_lap >= 0) {
		uint32_t d0 = m > 0 && ldx->marker_us[0] > 0 ? 0 : 1;
		for (size_t i = 0; i < n; i++)
			seg[i].lap_number += (uint32_t)first_lap - d0;
	}
	for (size_t i = 0; i < n; i++)
		if (seg[i].k1 - seg[i].k0 > TB_LAP_MAX_SAMPLES)
			return tb_fail(
			    err, TB_ERR_LIMIT,
			    "%s: lap %u has %llu samples at %u Hz, "
			    "more than %u",
			    f->name, seg[i].lap_number,
			    (unsigned long long)(seg[i].k1 - seg[i].k0),
			    f->rate, TB_LAP_MAX_SAMPLES);
	*n_seg = n;
	return TB_OK;
}

/* Build one lap of the time base. Cannot fail but for memory. */
static enum tb_status ld_build_lap(const struct ld_file *f,
				   const struct ld_seg *g, struct tb_lap *lap,
				   struct tb_error *err)
{
	size_t n = (size_t)(g->k1 - g->k0);
	tb_chmask chans = TB_CHBIT(TB_CH_TIME);
	if (g->lap_time_col)
		chans |= TB_CHBIT(TB_CH_LAP_TIME);
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if (f->use[ch] >= 0)
			chans |= TB_CHBIT(ch);
	tb_lap_init(lap);
	if (tb_lap_alloc(lap, n, chans) != TB_OK)
		return tb_fail(err, TB_ERR_NOMEM,
			       "%s: out of memory for lap %u (%zu samples)",
			       f->name, g->lap_number, n);
	lap->lap_number = g->lap_number;
	lap->lap_time_ms = g->lap_time_ms;
	lap->flags = g->flags;
	double *t = lap->col[TB_CH_TIME];
	for (size_t j = 0; j < n; j++) {
		t[j] = (double)(g->k0 + j) / f->rate;
		lap->mask[j] = TB_CHBIT(TB_CH_TIME);
	}
	if (g->lap_time_col) {
		double *lt = lap->col[TB_CH_LAP_TIME];
		double s0 = g->start_us / 1e6;
		for (size_t j = 0; j < n; j++) {
			lt[j] = t[j] - s0;
			lap->mask[j] |= TB_CHBIT(TB_CH_LAP_TIME);
		}
	}
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (f->use[ch] < 0)
			continue;
		const struct ld_chan *c = &f->ch[f->use[ch]];
		bool step =
		    tb_channel_kind((enum tb_channel)ch) == TB_KIND_STEP;
		if (c->freq == f->rate)
			ld_fill_direct(f, c, g->k0, n, lap->col[ch], lap->mask,
				       TB_CHBIT(ch));
		else
			ld_fill(f, c, step, g->k0, n, lap->col[ch], lap->mask,
				TB_CHBIT(ch));
	}
	/* a channel with no sample in this lap stays out of the lap */
	tb_chmask seen = 0;
	for (size_t j = 0; j < n; j++)
		seen |= lap->mask[j];
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if ((lap->chans & TB_CHBIT(ch)) && !(seen & TB_CHBIT(ch))) {
			tb_free(lap->col[ch]);
			lap->col[ch] = NULL;
			lap->chans &= ~TB_CHBIT(ch);
		}
	}
	return TB_OK;
}

enum tb_status fmt_motec_parse(const uint8_t *buf, size_t len, const char *name,
			       const struct fmt_ldx *ldx, fmt_lap_fn fn,
			       void *ctx, struct tb_error *err)
{
	if (!name)
		name = "ld";
	tb_error_clear(err);
	if ((!buf && len) || !fn)
		return tb_fail(err, TB_ERR_ARG, "%s: bad argument", name);
	if (len < LD_HEAD_SIZE)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "%s: %zu bytes, a MoTeC .ld header alone is %u",
			       name, len, LD_HEAD_SIZE);
	if (tb_ld_u32le(buf) != LD_MARKER)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s: first word 0x%x, a MoTeC .ld starts with "
			       "0x40",
			       name, tb_ld_u32le(buf));
	struct ld_file f = {0};
	f.p = buf;
	f.len = len;
	f.name = name;
	struct ld_seg *seg = NULL;
	struct tb_lap lap;
	tb_lap_init(&lap);
	enum tb_status st = ld_read_meta(&f, err);
	if (st == TB_OK)
		st = ld_read_chans(&f, err);
	if (st == TB_OK)
		st = ld_plan(&f, err);
	if (st != TB_OK)
		goto out;
	seg = tb_malloc(((ldx ? ldx->n_markers : 0) + 1) * sizeof(*seg));
	if (!seg) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", name);
		goto out;
	}
	size_t n_seg = 0;
	st = ld_segments(&f, ldx, seg, &n_seg, err);
	if (st != TB_OK)
		goto out;
	for (size_t i = 0; i < n_seg && st == TB_OK; i++) {
		st = ld_build_lap(&f, &seg[i], &lap, err);
		if (st != TB_OK)
			break;
		st = fn(ctx, &f.s, &f.car, &lap, &f.meta);
		tb_lap_release(&lap);
		if (st != TB_OK && err && err->status == TB_OK)
			tb_fail(err, st, "%s: lap %u refused by the receiver",
				name, seg[i].lap_number);
	}
out:
	tb_lap_release(&lap);
	tb_free(seg);
	tb_free(f.ch);
	return st;
}

/* ------------------------------------------------------------------ */
/* Importer. */

static bool motec_sniff(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	if (n < 0x60)
		return false;
	if (tb_ld_u32le(head) != LD_MARKER)
		return false;
	uint32_t meta = tb_ld_u32le(head + 8), data = tb_ld_u32le(head + 12);
	if (meta < 0x40 || data < 0x40)
		return false;
	/* device type: printable ASCII padded with NULs */
	for (size_t i = 0; i < 8; i++) {
		uint8_t c = head[0x4A + i];
		if (c && (c < 0x20 || c > 0x7e))
			return false;
	}
	return true;
}

static enum tb_status motec_import(const char *path, fmt_lap_fn fn, void *ctx,
				   const struct fmt_progress *progress,
				   struct tb_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct fmt_ldx ldx;
	fmt_ldx_init(&ldx);
	bool have_ldx = false;
	char xp[4096];
	enum tb_status st =
	    fmt__motec_read_whole(path, FMT_FILE_MAX, &buf, &len, err);
	if (st != TB_OK)
		return st;
	if (progress && progress->update)
		progress->update(progress->ctx, 0, len);
	if (fmt__motec_ldx_path(path, xp, sizeof(xp))) {
		FILE *t = fopen(xp, "rb");
		if (t) {
			fclose(t);
			st = fmt_ldx_read(xp, &ldx, err);
			if (st != TB_OK)
				goto out;
			have_ldx = true;
		}
	}
	st = fmt_motec_parse(buf, len, path, have_ldx ? &ldx : NULL, fn, ctx,
			     err);
	if (st == TB_OK && progress && progress->update)
		progress->update(progress->ctx, len, len);
out:
	fmt_ldx_release(&ldx);
	tb_free(buf);
	return st;
}

const struct fmt_importer fmt_importer_motec_ld = {
    .version = 1,
    .name = "motec-ld",
    .title = "MoTeC i2 log (.ld, laps from the .ldx)",
    .sniff = motec_sniff,
    .import = motec_import,
};

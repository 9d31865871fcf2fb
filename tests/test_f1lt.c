/* test_f1lt.c - F1 live-timing archives: the facts of the FastF1 test
 * data (message counts, every driver's best lap rebuilt from successive
 * LastLapTime values equals BestLapTime, spot values), sibling discovery
 * under both naming schemes, ".z" car data and positions encoded here
 * (raw DEFLATE + base64), and corrupt input: truncations, broken base64
 * and DEFLATE, random bytes, failed allocations - never a lap handed
 * over for a failed parse. */
#include "tb_test.h"

#include <math.h>
#include <sys/stat.h>

#include <zlib.h>

#include "formats/f1lt.h"

#define DATA_SUB "f1-livetiming-fastf1-testdata"

/* ------------------------------------------------------------------ */
/* Collecting laps. */

struct got_lap {
	int num;
	uint32_t lap_no;
	int32_t time_ms;
	int32_t sec[3];
	uint32_t flags;
	bool pb, ob, deleted, timing_only;
	size_t n;
	tb_chmask chans;
	char driver[TB_NAME_MAX];
	char team[TB_NAME_MAX];
};

struct got {
	struct got_lap *laps;
	size_t n, cap;
	struct tb_session_info session;
	struct tb_lap keep; /* last lap with samples, moved out */
	bool keep_set;
};

static enum tb_status got_fn(void *ctx, const struct tb_session_info *s,
			     const struct tb_car_info *car, struct tb_lap *lap,
			     const struct fmt_lap_meta *meta,
			     const struct f1lt_lap_info *info)
{
	struct got *g = ctx;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->laps = realloc(g->laps, g->cap * sizeof(*g->laps));
		assert_non_null(g->laps);
	}
	struct got_lap *l = &g->laps[g->n++];
	memset(l, 0, sizeof(*l));
	l->num = car->race_number;
	l->lap_no = lap->lap_number;
	l->time_ms = lap->lap_time_ms;
	memcpy(l->sec, lap->sector_ms, sizeof(l->sec));
	l->flags = lap->flags;
	l->pb = info->personal_best;
	l->ob = info->overall_best;
	l->deleted = info->deleted;
	l->timing_only = info->timing_only;
	l->n = lap->n;
	l->chans = lap->chans;
	snprintf(l->driver, sizeof(l->driver), "%s", car->driver);
	snprintf(l->team, sizeof(l->team), "%s", meta->car);
	assert_true(meta->reference);
	assert_string_equal(meta->source, "f1-livetiming");
	assert_int_equal(s->car_class, TB_CLASS_F1);
	g->session = *s;
	/* Every lap has samples; time and lap time always present. */
	assert_true(lap->n >= 1);
	assert_true(lap->chans & TB_CHBIT(TB_CH_TIME));
	assert_true(lap->chans & TB_CHBIT(TB_CH_LAP_TIME));
	if (!info->timing_only) {
		tb_lap_move(&g->keep, lap);
		g->keep_set = true;
	}
	return TB_OK;
}

static void got_init(struct got *g)
{
	memset(g, 0, sizeof(*g));
	tb_lap_init(&g->keep);
}

static void got_release(struct got *g)
{
	free(g->laps);
	tb_lap_release(&g->keep);
	memset(g, 0, sizeof(*g));
}

static struct f1lt_input load_dir(const char *sub, const char *file)
{
	const char *d = tbt_data_or_skip("test_f1lt");
	char path[1024];
	struct f1lt_input in;
	struct tb_error err;
	snprintf(path, sizeof(path), "%s/%s/%s/%s", d, DATA_SUB, sub, file);
	enum tb_status st = f1lt_input_load(path, &in, &err);
	if (st != TB_OK)
		fail_msg("%s: %s", path, err.msg);
	return in;
}

/* ------------------------------------------------------------------ */
/* Real data. */

static const struct f1lt_driver *find_driver(const struct f1lt_result *r,
					     int num)
{
	for (size_t i = 0; i < r->n_drivers; i++)
		if (r->drivers[i].race_number == num)
			return &r->drivers[i];
	return NULL;
}

/* For every driver: the best of the rebuilt lap times is BestLapTime and
 * its lap number is BestLapTime.Lap. */
static void check_best_laps(const struct got *g, const struct f1lt_result *r)
{
	size_t checked = 0;
	for (size_t i = 0; i < r->n_drivers; i++) {
		const struct f1lt_driver *d = &r->drivers[i];
		int32_t best = INT32_MAX;
		uint32_t best_no = 0;
		size_t n = 0;
		for (size_t k = 0; k < g->n; k++) {
			const struct got_lap *l = &g->laps[k];
			if (l->num != d->race_number)
				continue;
			n++;
			if (l->time_ms < best) {
				best = l->time_ms;
				best_no = l->lap_no;
			}
		}
		assert_int_equal(n, d->n_laps);
		if (d->best_ms == TB_TIME_UNKNOWN) {
			assert_int_equal(n, 0);
			continue;
		}
		if (best != d->best_ms || best_no != d->best_lap)
			fail_msg("car %d: rebuilt best %d ms lap %u, "
				 "BestLapTime %d ms lap %u",
				 d->race_number, best, best_no, d->best_ms,
				 d->best_lap);
		checked++;
	}
	assert_true(checked >= 19);
}

static void test_fp2_2020(void **state)
{
	(void)state;
	struct f1lt_input in =
	    load_dir("2020-70thAnniversary-FP2", "timing_data.raw");
	struct f1lt_result r;
	struct got g;
	struct tb_error err;
	got_init(&g);
	assert_non_null(in.drivers.p);
	assert_non_null(in.session.p);
	assert_non_null(in.race_control.p);
	assert_null(in.car_data.p);
	enum tb_status st = f1lt_parse(&in, got_fn, &g, &r, &err);
	if (st != TB_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(r.n_timing_messages, 17121);
	assert_int_equal(r.n_drivers, 20);
	assert_false(r.has_car_data);
	assert_int_equal(r.n_laps, g.n);
	check_best_laps(&g, &r);

	/* Session facts from session_info.raw. */
	assert_string_equal(g.session.track, "Silverstone");
	assert_int_equal(g.session.kind, TB_SESSION_PRACTICE);
	assert_int_equal(g.session.source_uid, 5778);
	assert_int_equal(g.session.track_id, 2);
	/* 2020-08-07T15:00:00 at GMT+01:00 = 14:00 UTC. */
	assert_int_equal(g.session.start_unix_ms, 1596808800000LL);

	/* Hamilton: 21 timed laps, best 1:25.606 on lap 8. */
	const struct f1lt_driver *ham = find_driver(&r, 44);
	assert_non_null(ham);
	assert_string_equal(ham->tla, "HAM");
	assert_string_equal(ham->full_name, "Lewis HAMILTON");
	assert_string_equal(ham->team, "Mercedes");
	assert_int_equal(ham->n_laps, 21);
	assert_int_equal(ham->best_ms, 85606);
	assert_int_equal(ham->best_lap, 8);
	assert_int_equal(ham->number_of_laps, 22);

	/* Ricciardo: first timed lap is lap 2, 1:27.736 with sectors
	 * 27.926 + 35.770 + 24.040; lap 5 ends in the pits; lap 6 is the
	 * 16:05.564 out lap; 1:27.113 (lap 9) deleted for track limits. */
	bool seen2 = false, seen5 = false, seen6 = false, seen9 = false;
	size_t sums = 0, sums_ok = 0;
	for (size_t k = 0; k < g.n; k++) {
		const struct got_lap *l = &g.laps[k];
		assert_true(l->timing_only);
		assert_int_equal(l->n, 2);
		assert_int_equal(l->chans, TB_CHBIT(TB_CH_TIME) |
					       TB_CHBIT(TB_CH_LAP_TIME));
		if (l->sec[0] > 0 && l->sec[1] > 0 && l->sec[2] > 0) {
			sums++;
			if (abs(l->sec[0] + l->sec[1] + l->sec[2] -
				l->time_ms) <= 3)
				sums_ok++;
		}
		if (l->num != 3)
			continue;
		assert_string_equal(l->driver, "Daniel RICCIARDO");
		assert_string_equal(l->team, "Renault");
		if (l->lap_no == 2) {
			seen2 = true;
			assert_int_equal(l->time_ms, 87736);
			assert_int_equal(l->sec[0], 27926);
			assert_int_equal(l->sec[1], 35770);
			assert_int_equal(l->sec[2], 24040);
			assert_true(l->pb);
			assert_int_equal(l->flags, 0);
		} else if (l->lap_no == 5) {
			seen5 = true;
			assert_int_equal(l->time_ms, 118052);
			assert_true(l->flags & TB_LAP_IN);
		} else if (l->lap_no == 6) {
			seen6 = true;
			assert_int_equal(l->time_ms, 965564);
			assert_true(l->flags & TB_LAP_OUT);
		} else if (l->lap_no == 9) {
			seen9 = true;
			assert_int_equal(l->time_ms, 87113);
			assert_true(l->deleted);
			assert_true(l->flags & TB_LAP_CUT);
		}
	}
	assert_true(seen2 && seen5 && seen6 && seen9);
	/* Sector times add up to the lap time on nearly every full lap. */
	assert_true(sums > 300);
	assert_true(sums_ok * 100 >= sums * 95);
	got_release(&g);
	f1lt_input_release(&in);
}

static void test_miami_2025(void **state)
{
	(void)state;
	struct f1lt_input in =
	    load_dir("2025-Miami-Sprint", "TimingData.jsonStream");
	struct f1lt_result r;
	struct got g;
	struct tb_error err;
	got_init(&g);
	assert_non_null(in.lap_count.p);
	enum tb_status st = f1lt_parse(&in, got_fn, &g, &r, &err);
	if (st != TB_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(r.n_timing_messages, 20767);
	assert_int_equal(r.n_drivers, 20);
	assert_int_equal(r.total_laps, 18);
	check_best_laps(&g, &r);
	assert_string_equal(g.session.track, "Miami");
	assert_int_equal(g.session.kind, TB_SESSION_RACE);
	assert_int_equal(g.session.source_uid, 10028);
	/* 2025-05-03T12:00:00 at GMT-04:00 = 16:00 UTC. */
	assert_int_equal(g.session.start_unix_ms, 1746288000000LL);

	/* Hamilton: laps 2..18 timed (the grid lap never is), best
	 * 1:36.368 on lap 13; Lawson (30) and Alonso (14) too. */
	const struct f1lt_driver *ham = find_driver(&r, 44);
	assert_non_null(ham);
	assert_int_equal(ham->n_laps, 17);
	assert_int_equal(ham->best_ms, 96368);
	assert_int_equal(ham->best_lap, 13);
	const struct f1lt_driver *alo = find_driver(&r, 14);
	assert_non_null(alo);
	assert_int_equal(alo->n_laps, 12);
	assert_int_equal(alo->best_ms, 101782);
	/* Car 16 did not start: no laps. */
	const struct f1lt_driver *lec = find_driver(&r, 16);
	assert_non_null(lec);
	assert_int_equal(lec->n_laps, 0);
	uint32_t first = UINT32_MAX, last = 0;
	for (size_t k = 0; k < g.n; k++) {
		if (g.laps[k].num != 44)
			continue;
		if (g.laps[k].lap_no < first)
			first = g.laps[k].lap_no;
		if (g.laps[k].lap_no > last)
			last = g.laps[k].lap_no;
		if (g.laps[k].lap_no == 2)
			assert_int_equal(g.laps[k].time_ms, 176652);
	}
	assert_int_equal(first, 2);
	assert_int_equal(last, 18);
	got_release(&g);
	f1lt_input_release(&in);
}

/* The importer finds the timing stream from any sibling, sniffs both
 * folders, and hands over the same laps. */
struct count_ctx {
	size_t n;
	int32_t best44;
};

static enum tb_status count_fn(void *ctx, const struct tb_session_info *s,
			       const struct tb_car_info *car,
			       struct tb_lap *lap,
			       const struct fmt_lap_meta *meta)
{
	struct count_ctx *c = ctx;
	(void)s;
	(void)meta;
	c->n++;
	if (car->race_number == 44 &&
	    (c->best44 == 0 || lap->lap_time_ms < c->best44))
		c->best44 = lap->lap_time_ms;
	return TB_OK;
}

static void test_importer_siblings(void **state)
{
	(void)state;
	const char *d = tbt_data_or_skip("test_f1lt");
	static const char *const files[][3] = {
	    {"2020-70thAnniversary-FP2", "timing_data.raw", "85606"},
	    {"2020-70thAnniversary-FP2", "driver_list.raw", "85606"},
	    {"2020-70thAnniversary-FP2", "session_status.raw", "85606"},
	    {"2025-Miami-Sprint", "TimingData.jsonStream", "96368"},
	    {"2025-Miami-Sprint", "LapCount.jsonStream", "96368"},
	};
	size_t n_fp2 = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[1024];
		struct tb_error err;
		struct count_ctx c = {0, 0};
		snprintf(path, sizeof(path), "%s/%s/%s/%s", d, DATA_SUB,
			 files[i][0], files[i][1]);
		const struct fmt_importer *imp = fmt_detect(path, &err);
		if (!imp)
			fail_msg("%s", err.msg);
		/* The timing stream must be recognised by us. */
		if (strstr(files[i][1], "iming"))
			assert_ptr_equal(imp, &fmt_importer_f1_livetiming);
		enum tb_status st = fmt_importer_f1_livetiming.import(
		    path, count_fn, &c, NULL, &err);
		if (st != TB_OK)
			fail_msg("%s: %s", path, err.msg);
		assert_int_equal(c.best44, strtol(files[i][2], NULL, 10));
		if (i == 0)
			n_fp2 = c.n;
		if (i == 1 || i == 2)
			assert_int_equal(c.n, n_fp2);
	}
	assert_true(n_fp2 > 400);
}

/* Every truncation of the real stream: either a clean error naming the
 * file and line with no lap handed over, or (cut at a line end) OK. */
static void test_truncations_real(void **state)
{
	(void)state;
	struct f1lt_input in =
	    load_dir("2025-Miami-Sprint", "TimingData.jsonStream");
	const uint8_t *full = in.timing.p;
	size_t n = in.timing.n;
	size_t step = n / 97;
	for (size_t cut = 1; cut < n; cut += step) {
		struct got g;
		struct tb_error err;
		got_init(&g);
		in.timing.n = cut;
		enum tb_status st = f1lt_parse(&in, got_fn, &g, NULL, &err);
		/* Where does the cut leave the last line? */
		size_t ls = cut;
		while (ls > 0 && full[ls - 1] != '\n')
			ls--;
		size_t le = cut;
		while (le > ls && (full[le - 1] == '\r'))
			le--;
		bool whole = le == ls || full[le - 1] == '}';
		if (!whole) {
			if (st == TB_OK)
				fail_msg("cut at %zu accepted", cut);
			assert_int_equal(g.n, 0);
			assert_non_null(strstr(err.msg, "TimingData"));
			assert_non_null(strstr(err.msg, "line"));
		}
		got_release(&g);
	}
	in.timing.n = n;
	f1lt_input_release(&in);
}

/* ------------------------------------------------------------------ */
/* A hand-made session with car data and positions. */

static void put(struct tb_buf *b, const char *s)
{
	assert_int_equal(tb_buf_append(b, s, strlen(s)), TB_OK);
}

static void putf(struct tb_buf *b, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(w >= 0 && (size_t)w < sizeof(tmp));
	put(b, tmp);
}

static void put_ts(struct tb_buf *b, int64_t ms)
{
	putf(b, "%02d:%02d:%02d.%03d", (int)(ms / 3600000),
	     (int)(ms / 60000 % 60), (int)(ms / 1000 % 60), (int)(ms % 1000));
}

/* Raw DEFLATE (window -15) then base64, as the timing server sends. */
static void put_z(struct tb_buf *b, const char *json)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				 "opqrstuvwxyz0123456789+/";
	size_t n = strlen(json);
	uLong cap = compressBound(n) + 64;
	uint8_t *z = malloc(cap);
	assert_non_null(z);
	z_stream s;
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = (Bytef *)json;
	s.avail_in = (uInt)n;
	s.next_out = z;
	s.avail_out = (uInt)cap;
	assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
	size_t zn = cap - s.avail_out;
	deflateEnd(&s);
	put(b, "\"");
	for (size_t i = 0; i < zn; i += 3) {
		uint32_t w = (uint32_t)z[i] << 16;
		if (i + 1 < zn)
			w |= (uint32_t)z[i + 1] << 8;
		if (i + 2 < zn)
			w |= z[i + 2];
		char q[5] = {al[w >> 18 & 63], al[w >> 12 & 63],
			     i + 1 < zn ? al[w >> 6 & 63] : '=',
			     i + 2 < zn ? al[w & 63] : '=', 0};
		put(b, q);
	}
	put(b, "\"");
	free(z);
}

/* Session time 0 is UTC 2024-03-02T15:00:00.000Z. */
#define UTC0 1709391600000LL

static void put_utc(char *dst, size_t cap, int64_t t_ms)
{
	int64_t ms = UTC0 + t_ms;
	int64_t sec = ms / 1000;
	snprintf(dst, cap, "2024-03-02T%02d:%02d:%02d.%03dZ",
		 (int)(sec / 3600 % 24), (int)(sec / 60 % 60), (int)(sec % 60),
		 (int)(ms % 1000));
}

struct synth {
	struct tb_buf timing, drivers, session, car, pos;
};

/* Car 44: out lap from the pits at 60 s (untimed), lap 2 = 90.000 s
 * from 150 s to 240 s (sectors 30.0 / 30.5 / 29.5, the last arriving
 * late), lap 3 = 91.250 s ending in the pits at 331.25 s. Car data
 * every 250 ms from 140 s to 340 s: speed = 288 km/h, rpm = 10000 + t,
 * gear 7, throttle 104 %, brake 100 on odd samples, DRS 12 / 8.
 * Positions every 300 ms: X = 10 t (dm), Y = -5 t, Z = 20. */
static void synth_build(struct synth *s, bool with_z)
{
	tb_buf_init(&s->timing, 1u << 20);
	tb_buf_init(&s->drivers, 1u << 20);
	tb_buf_init(&s->session, 1u << 20);
	tb_buf_init(&s->car, 16u << 20);
	tb_buf_init(&s->pos, 16u << 20);
	struct tb_buf *t = &s->timing;
	put(t, "\xef\xbb\xbf");
	put(t, "00:00:01.000{\"Lines\":{\"44\":{\"RacingNumber\":\"44\","
	       "\"Line\":1,\"InPit\":true,\"PitOut\":false,\"Sectors\":["
	       "{\"Value\":\"\"},{\"Value\":\"\"},{\"Value\":\"\"}],"
	       "\"LastLapTime\":{\"Value\":\"\"},\"BestLapTime\":{\"Value\":"
	       "\"\"}}},\"Withheld\":false}\r\n");
	put(t, "00:01:00.000{\"Lines\":{\"44\":{\"InPit\":false,\"PitOut\":"
	       "true,\"NumberOfLaps\":1}}}\r\n");
	put(t, "00:02:30.000{\"Lines\":{\"44\":{\"NumberOfLaps\":2,"
	       "\"PitOut\":false}}}\r\n");
	put(t, "00:03:00.000{\"Lines\":{\"44\":{\"Sectors\":{\"0\":{"
	       "\"Value\":\"30.000\"},\"1\":{\"Value\":\"\"},\"2\":{\"Value\":"
	       "\"\"}}}}}\r\n");
	put(t, "00:03:30.500{\"Lines\":{\"44\":{\"Sectors\":{\"1\":{"
	       "\"Value\":\"30.500\"}}}}}\r\n");
	put(t, "00:04:00.000{\"Lines\":{\"44\":{\"NumberOfLaps\":3,"
	       "\"LastLapTime\":{\"Value\":\"1:30.000\",\"PersonalFastest\":"
	       "true},\"BestLapTime\":{\"Value\":\"1:30.000\",\"Lap\":2}}}}"
	       "\r\n");
	put(t, "00:04:01.000{\"Lines\":{\"44\":{\"Sectors\":{\"2\":{"
	       "\"Value\":\"29.500\"}}}}}\r\n");
	put(t, "00:04:01.500{\"Lines\":{\"44\":{\"LastLapTime\":{"
	       "\"OverallFastest\":true}}}}\r\n");
	put(t, "00:05:20.000{\"Lines\":{\"44\":{\"InPit\":true}}}\r\n");
	put(t, "00:05:31.250{\"Lines\":{\"44\":{\"LastLapTime\":{\"Value\":"
	       "\"1:31.250\",\"PersonalFastest\":false}}}}\r\n");

	put(&s->drivers, "\xef\xbb\xbf"
			 "00:00:01.000{\"44\":{\"RacingNumber\":\"44\","
			 "\"Tla\":\"HAM\",\"FullName\":\"Lewis HAMILTON\","
			 "\"TeamName\":\"Mercedes\"}}\r\n"
			 "00:00:02.000{\"44\":{\"Line\":1}}\r\n");
	put(&s->session,
	    "\xef\xbb\xbf"
	    "00:00:00.000{\"Meeting\":{\"Name\":\"Test GP\",\"Circuit\":{"
	    "\"Key\":99,\"ShortName\":\"Testring\"}},\"Key\":4242,\"Type\":"
	    "\"Practice\",\"Name\":\"Practice 1\",\"StartDate\":"
	    "\"2024-03-02T17:00:00\",\"GmtOffset\":\"03:00:00\"}\r\n");
	if (!with_z)
		return;
	/* Car data: 4 entries per line; the first line has no latency,
	 * later ones 150 ms, so session time 0 is UTC0 exactly. */
	int k = 0;
	for (int64_t ms = 140000; ms <= 340000; ms += 1000) {
		char json[4096];
		size_t o = 0;
		o += (size_t)snprintf(json + o, sizeof(json) - o,
				      "{\"Entries\":[");
		for (int j = 0; j < 4; j++, k++) {
			char utc[40];
			int64_t e = ms + j * 250;
			put_utc(utc, sizeof(utc), e);
			o += (size_t)snprintf(
			    json + o, sizeof(json) - o,
			    "%s{\"Utc\":\"%s\",\"Cars\":{\"44\":{"
			    "\"Channels\":{\"0\":%lld,\"2\":288,\"3\":7,"
			    "\"4\":104,\"5\":%d,\"45\":%d}}}}",
			    j ? "," : "", utc, (long long)(10000 + e / 1000),
			    k % 2 ? 100 : 0, k % 3 ? 12 : 8);
		}
		snprintf(json + o, sizeof(json) - o, "]}");
		put_ts(&s->car, ms + 750 + (ms == 140000 ? 0 : 150));
		put_z(&s->car, json);
		put(&s->car, "\r\n");
	}
	for (int64_t ms = 130000; ms <= 350000; ms += 3000) {
		char json[8192];
		size_t o = 0;
		o += (size_t)snprintf(json + o, sizeof(json) - o,
				      "{\"Position\":[");
		for (int j = 0; j < 10; j++) {
			char utc[40];
			int64_t e = ms + j * 300;
			put_utc(utc, sizeof(utc), e);
			o += (size_t)snprintf(
			    json + o, sizeof(json) - o,
			    "%s{\"Timestamp\":\"%s\",\"Entries\":{\"44\":{"
			    "\"Status\":\"OnTrack\",\"X\":%lld,\"Y\":%lld,"
			    "\"Z\":20}}}",
			    j ? "," : "", utc, (long long)(e / 100),
			    (long long)(-e / 200));
		}
		snprintf(json + o, sizeof(json) - o, "]}");
		put_ts(&s->pos, ms + 2700 + 500);
		put_z(&s->pos, json);
		put(&s->pos, "\n");
	}
}

static void synth_release(struct synth *s)
{
	tb_buf_release(&s->timing);
	tb_buf_release(&s->drivers);
	tb_buf_release(&s->session);
	tb_buf_release(&s->car);
	tb_buf_release(&s->pos);
}

static struct f1lt_input synth_input(const struct synth *s, bool with_z)
{
	struct f1lt_input in;
	memset(&in, 0, sizeof(in));
	in.timing = (struct f1lt_stream){"TimingData", s->timing.data,
					 s->timing.len, NULL, NULL};
	in.drivers = (struct f1lt_stream){"DriverList", s->drivers.data,
					  s->drivers.len, NULL, NULL};
	in.session = (struct f1lt_stream){"SessionInfo", s->session.data,
					  s->session.len, NULL, NULL};
	if (with_z) {
		in.car_data = (struct f1lt_stream){"CarData.z", s->car.data,
						   s->car.len, NULL, NULL};
		in.position = (struct f1lt_stream){"Position.z", s->pos.data,
						   s->pos.len, NULL, NULL};
	}
	return in;
}

static void test_synth_timing_only(void **state)
{
	(void)state;
	struct synth s;
	struct got g;
	struct f1lt_result r;
	struct tb_error err;
	synth_build(&s, false);
	struct f1lt_input in = synth_input(&s, false);
	got_init(&g);
	enum tb_status st = f1lt_parse(&in, got_fn, &g, &r, &err);
	if (st != TB_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.laps[0].lap_no, 2);
	assert_int_equal(g.laps[0].time_ms, 90000);
	assert_int_equal(g.laps[0].sec[0], 30000);
	assert_int_equal(g.laps[0].sec[1], 30500);
	assert_int_equal(g.laps[0].sec[2], 29500); /* arrived late */
	assert_true(g.laps[0].pb && g.laps[0].ob);
	assert_int_equal(g.laps[0].flags, 0);
	assert_int_equal(g.laps[1].lap_no, 3);
	assert_int_equal(g.laps[1].time_ms, 91250);
	assert_int_equal(g.laps[1].flags, TB_LAP_IN);
	assert_false(g.laps[1].pb);
	assert_int_equal(g.laps[1].sec[0], TB_TIME_UNKNOWN);
	assert_string_equal(g.laps[0].driver, "Lewis HAMILTON");
	assert_string_equal(g.session.track, "Testring");
	/* 17:00 at GMT+03:00 = 14:00 UTC. */
	assert_int_equal(g.session.start_unix_ms, UTC0 - 3600000);
	assert_int_equal(r.drivers[0].best_ms, 90000);
	assert_int_equal(r.drivers[0].best_lap, 2);
	got_release(&g);
	synth_release(&s);
}

/* A timing-only lap: two samples, start and end, TIME and LAP_TIME. */
static enum tb_status keep_first(void *ctx, const struct tb_session_info *s,
				 const struct tb_car_info *car,
				 struct tb_lap *lap,
				 const struct fmt_lap_meta *meta,
				 const struct f1lt_lap_info *info)
{
	struct tb_lap *keep = ctx;
	(void)s;
	(void)car;
	(void)meta;
	(void)info;
	if (keep->n == 0)
		tb_lap_move(keep, lap);
	return TB_OK;
}

static void test_synth_timing_only_samples(void **state)
{
	(void)state;
	struct synth s;
	struct tb_lap lap;
	struct tb_error err;
	synth_build(&s, false);
	struct f1lt_input in = synth_input(&s, false);
	tb_lap_init(&lap);
	assert_int_equal(f1lt_parse(&in, keep_first, &lap, NULL, &err), TB_OK);
	assert_int_equal(lap.n, 2);
	assert_int_equal(lap.chans,
			 TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_LAP_TIME));
	assert_true(fabs(lap.col[TB_CH_TIME][0] - 150.0) < 1e-9);
	assert_true(fabs(lap.col[TB_CH_TIME][1] - 240.0) < 1e-9);
	assert_true(fabs(lap.col[TB_CH_LAP_TIME][0]) < 1e-9);
	assert_true(fabs(lap.col[TB_CH_LAP_TIME][1] - 90.0) < 1e-9);
	tb_lap_release(&lap);
	synth_release(&s);
}

static void test_synth_car_data(void **state)
{
	(void)state;
	struct synth s;
	struct tb_lap lap;
	struct f1lt_result r;
	struct tb_error err;
	synth_build(&s, true);
	struct f1lt_input in = synth_input(&s, true);
	tb_lap_init(&lap);
	enum tb_status st = f1lt_parse(&in, keep_first, &lap, &r, &err);
	if (st != TB_OK)
		fail_msg("%s", err.msg);
	assert_true(r.has_car_data);
	assert_int_equal(r.utc_offset_ms, UTC0);
	assert_int_equal(r.n_car_messages, 201);
	assert_int_equal(r.drivers[0].n_car_samples, 804);
	/* Lap 2: 150.000 .. 240.000 s, samples every 250 ms inclusive. */
	assert_int_equal(lap.lap_number, 2);
	assert_int_equal(lap.n, 361);
	tb_chmask want = TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_LAP_TIME) |
			 TB_CHBIT(TB_CH_SPEED) | TB_CHBIT(TB_CH_RPM) |
			 TB_CHBIT(TB_CH_GEAR) | TB_CHBIT(TB_CH_THROTTLE) |
			 TB_CHBIT(TB_CH_BRAKE) | TB_CHBIT(TB_CH_DRS) |
			 TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y) |
			 TB_CHBIT(TB_CH_POS_Z);
	assert_int_equal(lap.chans, want);
	assert_false(lap.chans & TB_CHBIT(TB_CH_STEER));
	for (size_t i = 0; i < lap.n; i++) {
		struct tb_frame f;
		tb_lap_frame(&lap, i, &f);
		double t = f.v[TB_CH_TIME];
		assert_true(fabs(t - (150.0 + 0.25 * (double)i)) < 1e-6);
		assert_true(fabs(f.v[TB_CH_LAP_TIME] - 0.25 * (double)i) <
			    1e-6);
		assert_true(fabs(f.v[TB_CH_SPEED] - 80.0) < 1e-9);
		assert_true(fabs(f.v[TB_CH_RPM] - (10000 + floor(t))) < 1e-6);
		assert_true(f.v[TB_CH_GEAR] == 7);
		assert_true(f.v[TB_CH_THROTTLE] == 1.0);
		assert_true(f.v[TB_CH_BRAKE] == 0.0 || f.v[TB_CH_BRAKE] == 1.0);
		assert_true(f.v[TB_CH_DRS] == 0.0 || f.v[TB_CH_DRS] == 1.0);
		/* Positions interpolated onto the car-data times, in m. */
		assert_true(tb_frame_has(&f, TB_CH_POS_X));
		assert_true(fabs(f.v[TB_CH_POS_X] - t) < 0.11);
		assert_true(fabs(f.v[TB_CH_POS_Y] + t / 2) < 0.11);
		assert_true(fabs(f.v[TB_CH_POS_Z] - 2.0) < 1e-6);
	}
	tb_lap_release(&lap);
	synth_release(&s);
}

static void test_synth_importer_files(void **state)
{
	(void)state;
	struct synth s;
	char *dir = tbt_tmpdir();
	char path[512];
	assert_non_null(dir);
	synth_build(&s, true);
	const struct {
		const char *name;
		const struct tb_buf *b;
	} files[] = {{"TimingData.jsonStream", &s.timing},
		     {"DriverList.jsonStream", &s.drivers},
		     {"SessionInfo.jsonStream", &s.session},
		     {"CarData.z.jsonStream", &s.car},
		     {"Position.z.jsonStream", &s.pos}};
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(
		    fwrite(files[i].b->data, 1, files[i].b->len, f),
		    files[i].b->len);
		fclose(f);
	}
	/* Given the car data file: sniffed, timing found next to it. */
	snprintf(path, sizeof(path), "%s/CarData.z.jsonStream", dir);
	struct tb_error err;
	assert_ptr_equal(fmt_detect(path, &err), &fmt_importer_f1_livetiming);
	struct count_ctx c = {0, 0};
	assert_int_equal(
	    fmt_importer_f1_livetiming.import(path, count_fn, &c, NULL, &err),
	    TB_OK);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.best44, 90000);
	/* Without a timing stream the import fails clearly. */
	snprintf(path, sizeof(path), "%s/TimingData.jsonStream", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/CarData.z.jsonStream", dir);
	c.n = 0;
	assert_int_not_equal(
	    fmt_importer_f1_livetiming.import(path, count_fn, &c, NULL, &err),
	    TB_OK);
	assert_non_null(strstr(err.msg, "TimingData.jsonStream"));
	assert_int_equal(c.n, 0);
	for (size_t i = 1; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		unlink(path);
	}
	rmdir(dir);
	free(dir);
	synth_release(&s);
}

/* ------------------------------------------------------------------ */
/* ".z" decoding and corrupt input. */

static void test_z_inflate(void **state)
{
	(void)state;
	struct tb_buf line, out;
	struct tb_error err;
	static const char json[] = "{\"Entries\":[]}";
	tb_buf_init(&line, 1u << 16);
	tb_buf_init(&out, 1u << 20);
	put_z(&line, json);
	/* Strip the quotes. */
	const char *b64 = (const char *)line.data + 1;
	size_t n = line.len - 2;
	assert_int_equal(f1lt_z_inflate(b64, n, &out, &err), TB_OK);
	assert_int_equal(out.len, strlen(json));
	assert_memory_equal(out.data, json, out.len);

	/* Base64 length not a multiple of 4 (FastF1's with_errors.txt). */
	out.len = 0;
	assert_int_equal(f1lt_z_inflate(b64, n - 1, &out, &err),
			 TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "base64"));
	assert_non_null(strstr(err.msg, "multiple of 4"));
	/* A character outside the alphabet. */
	char *bad = malloc(n);
	assert_non_null(bad);
	memcpy(bad, b64, n);
	bad[2] = '*';
	assert_int_equal(f1lt_z_inflate(bad, n, &out, &err), TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "invalid character"));
	/* DEFLATE cut short: decode a prefix of whole quads. */
	assert_int_equal(f1lt_z_inflate(b64, 8, &out, &err), TB_ERR_TRUNCATED);
	assert_non_null(strstr(err.msg, "inflate"));
	/* DEFLATE garbage: an invalid block type. */
	assert_int_equal(f1lt_z_inflate("////", 4, &out, &err), TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "inflate"));
	assert_int_equal(out.len, 0);
	free(bad);
	tb_buf_release(&line);
	tb_buf_release(&out);
}

static void test_z_corrupt_streams(void **state)
{
	(void)state;
	struct synth s;
	synth_build(&s, true);
	/* Corrupt the base64 of line 3 of the car data in three ways. */
	const uint8_t *p = s.car.data;
	size_t l3 = 0;
	for (int lines = 0; lines < 2; l3++)
		if (p[l3] == '\n')
			lines++;
	static const char *const want[] = {"multiple of 4", "invalid character",
					   "inflate"};
	for (int mode = 0; mode < 3; mode++) {
		struct tb_buf c;
		tb_buf_init(&c, 16u << 20);
		assert_int_equal(tb_buf_append(&c, p, s.car.len), TB_OK);
		size_t q = l3 + 13; /* first base64 char of line 3 */
		if (mode == 0)
			memmove(c.data + q, c.data + q + 1, c.len - q - 1),
			    c.len--;
		else if (mode == 1)
			c.data[q + 5] = '!';
		else
			memcpy(c.data + q, "////", 4);
		struct synth t = s;
		t.car = c;
		struct f1lt_input in = synth_input(&t, true);
		struct got g;
		struct tb_error err;
		got_init(&g);
		assert_int_not_equal(f1lt_parse(&in, got_fn, &g, NULL, &err),
				     TB_OK);
		assert_int_equal(g.n, 0);
		assert_non_null(strstr(err.msg, "CarData.z line 3"));
		assert_non_null(strstr(err.msg, want[mode]));
		got_release(&g);
		tb_buf_release(&c);
	}
	synth_release(&s);
}

/* Every truncation of the small streams: an error naming the stream or
 * a clean (shorter) session, never a crash, leak or partial hand-over. */
static void test_truncate_every_byte(void **state)
{
	(void)state;
	struct synth s;
	synth_build(&s, true);
	struct f1lt_input full = synth_input(&s, true);
	struct f1lt_stream *which[] = {&full.timing, &full.drivers,
				       &full.session, &full.car_data};
	for (size_t w = 0; w < 4; w++) {
		size_t n = which[w]->n;
		size_t step = w == 3 ? 97 : 1;
		for (size_t cut = 0; cut < n; cut += step) {
			struct f1lt_input in = full;
			struct f1lt_stream *sp = w == 0	  ? &in.timing
						 : w == 1 ? &in.drivers
						 : w == 2 ? &in.session
							  : &in.car_data;
			sp->n = cut;
			struct got g;
			struct tb_error err;
			got_init(&g);
			enum tb_status st =
			    f1lt_parse(&in, got_fn, &g, NULL, &err);
			if (st != TB_OK) {
				assert_int_equal(g.n, 0);
				assert_true(strlen(err.msg) > 0);
			}
			got_release(&g);
		}
	}
	synth_release(&s);
}

static void test_corrupt_messages(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum tb_status st;
		const char *msg;
	} cases[] = {
	    {"00:00:01.000{\"Lines\":{\"44\":{\"NumberOfLaps\":2}}}\n"
	     "00:00:0x.000{}\n",
	     TB_ERR_FORMAT, "line 2"},
	    {"00:00:01.000{\"Lines\":{\"44\":{\"NumberOfLaps\":2}\n",
	     TB_ERR_CORRUPT, "line 1 column"},
	    {"00:00:01.000[1,2]\n", TB_ERR_FORMAT, "not a JSON object"},
	    {"00:00:01.000{\"Lines\":{\"abc\":{}}}\n", TB_ERR_CORRUPT,
	     "racing number"},
	    {"00:00:01.000{\"Lines\":{\"44\":{\"NumberOfLaps\":-3}}}\n",
	     TB_ERR_FORMAT, "NumberOfLaps"},
	    {"00:00:01.000{\"Lines\":{\"44\":{\"LastLapTime\":{\"Value\":"
	     "\"fast\"}}}}\n",
	     TB_ERR_FORMAT, "is not a time"},
	    {"00:00:01.000{\"Lines\":{\"44\":{\"Sectors\":[{\"Value\":"
	     "12}]}}}\n",
	     TB_ERR_FORMAT, "not a string"},
	    {"00:00:01", TB_ERR_TRUNCATED, "line 1"},
	    {"garbage\n", TB_ERR_FORMAT, "HH:MM:SS.mmm"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct f1lt_input in;
		struct got g;
		struct tb_error err;
		memset(&in, 0, sizeof(in));
		in.timing.name = "T.jsonStream";
		in.timing.p = (const uint8_t *)cases[i].text;
		in.timing.n = strlen(cases[i].text);
		got_init(&g);
		enum tb_status st = f1lt_parse(&in, got_fn, &g, NULL, &err);
		if (st != cases[i].st || !strstr(err.msg, cases[i].msg) ||
		    !strstr(err.msg, "T.jsonStream"))
			fail_msg("case %zu: %s (%s), want %s / %s", i,
				 tb_status_name(st), err.msg,
				 tb_status_name(cases[i].st), cases[i].msg);
		assert_int_equal(g.n, 0);
		got_release(&g);
	}
	/* Deep nesting is capped. */
	struct tb_buf b;
	tb_buf_init(&b, 1u << 16);
	put(&b, "00:00:01.000");
	for (int i = 0; i < 40; i++)
		put(&b, "{\"a\":");
	put(&b, "1");
	for (int i = 0; i < 40; i++)
		put(&b, "}");
	struct f1lt_input in;
	struct tb_error err;
	memset(&in, 0, sizeof(in));
	in.timing.name = "T";
	in.timing.p = b.data;
	in.timing.n = b.len;
	assert_int_equal(f1lt_parse(&in, NULL, NULL, NULL, &err), TB_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "deeper"));
	tb_buf_release(&b);
}

static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 12345;
	uint8_t buf[600];
	for (int it = 0; it < 3000; it++) {
		size_t n = 1 + (size_t)(it % (int)sizeof(buf));
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		/* Half the time a valid time prefix, to reach the JSON. */
		if (it % 2 && n > 13)
			memcpy(buf, "00:00:01.000{", 13);
		struct f1lt_input in;
		struct got g;
		struct tb_error err;
		memset(&in, 0, sizeof(in));
		in.timing.name = "R";
		in.timing.p = buf;
		in.timing.n = n;
		in.car_data = in.timing;
		got_init(&g);
		if (f1lt_parse(&in, got_fn, &g, NULL, &err) != TB_OK)
			assert_int_equal(g.n, 0);
		got_release(&g);
	}
}

static void test_alloc_failures(void **state)
{
	(void)state;
	struct synth s;
	synth_build(&s, true);
	struct f1lt_input in = synth_input(&s, true);
	bool ok = false;
	for (long n = 1; n < 2000 && !ok; n++) {
		struct got g;
		struct tb_error err;
		got_init(&g);
		tb_fault_fail_alloc_after(n);
		enum tb_status st = f1lt_parse(&in, got_fn, &g, NULL, &err);
		tb_fault_fail_alloc_after(0);
		if (st == TB_OK) {
			ok = true;
			assert_int_equal(g.n, 2);
		} else {
			assert_int_equal(g.n, 0);
		}
		got_release(&g);
	}
	assert_true(ok);
	synth_release(&s);
}

static void test_parsers(void **state)
{
	(void)state;
	int64_t ms;
	int32_t t;
	assert_int_equal(f1lt_parse_iso8601("2020-08-07T14:00:00", 19, &ms),
			 TB_OK);
	assert_int_equal(ms, 1596808800000LL);
	assert_int_equal(
	    f1lt_parse_iso8601("2021-07-18T14:04:05.1234567Z", 28, &ms), TB_OK);
	assert_int_equal(ms, 1626617045123LL);
	assert_int_equal(
	    f1lt_parse_iso8601("2023-09-16T13:03:35.292000+00:00", 32, &ms),
	    TB_OK);
	assert_int_equal(ms, 1694869415292LL);
	assert_int_equal(
	    f1lt_parse_iso8601("2023-09-16T15:03:35+02:00", 25, &ms), TB_OK);
	assert_int_equal(ms, 1694869415000LL);
	assert_int_equal(f1lt_parse_iso8601("2023-13-16T13:03:35", 19, &ms),
			 TB_ERR_FORMAT);
	assert_int_equal(f1lt_parse_iso8601("2023-09-16T13:03:35x", 20, &ms),
			 TB_ERR_FORMAT);
	assert_int_equal(f1lt_parse_laptime("1:27.736", 8, &t), TB_OK);
	assert_int_equal(t, 87736);
	assert_int_equal(f1lt_parse_laptime("27.9", 4, &t), TB_OK);
	assert_int_equal(t, 27900);
	assert_int_equal(f1lt_parse_laptime("16:05.564", 9, &t), TB_OK);
	assert_int_equal(t, 965564);
	assert_int_equal(f1lt_parse_laptime("1:02:03.456", 11, &t), TB_OK);
	assert_int_equal(t, 3723456);
	assert_int_equal(f1lt_parse_laptime("", 0, &t), TB_ERR_FORMAT);
	assert_int_equal(f1lt_parse_laptime("1:75.000", 8, &t), TB_ERR_FORMAT);
	assert_int_equal(f1lt_parse_laptime("1:27.", 5, &t), TB_ERR_FORMAT);
	/* Sniffing: with and without BOM, objects and ".z" strings. */
	const struct fmt_importer *imp = &fmt_importer_f1_livetiming;
	assert_true(imp->sniff((const uint8_t *)"\xef\xbb\xbf"
						"00:00:03.604{\"Lines\"",
			       23, NULL));
	assert_true(
	    imp->sniff((const uint8_t *)"00:00:06.018{\"3\"", 16, NULL));
	assert_true(imp->sniff((const uint8_t *)"00:00:06.018\"7ZB", 16, NULL));
	assert_false(imp->sniff((const uint8_t *)"00:00:06.018 {", 14, NULL));
	assert_false(imp->sniff((const uint8_t *)"00:00:06", 8, NULL));
	assert_false(imp->sniff((const uint8_t *)"Time,Speed\n", 11, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parsers),
	    cmocka_unit_test(test_z_inflate),
	    cmocka_unit_test(test_synth_timing_only),
	    cmocka_unit_test(test_synth_timing_only_samples),
	    cmocka_unit_test(test_synth_car_data),
	    cmocka_unit_test(test_synth_importer_files),
	    cmocka_unit_test(test_z_corrupt_streams),
	    cmocka_unit_test(test_corrupt_messages),
	    cmocka_unit_test(test_truncate_every_byte),
	    cmocka_unit_test(test_random_bytes),
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_fp2_2020),
	    cmocka_unit_test(test_miami_2025),
	    cmocka_unit_test(test_importer_siblings),
	    cmocka_unit_test(test_truncations_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

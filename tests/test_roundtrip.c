/* test_roundtrip.c - every kind of lap the store holds (F1 game laps, a
 * DiRT Rally 2.0 stage, GT7, Forza, Assetto Corsa, iRacing .ibt, a real
 * F1 reference lap), built here from generated streams and the shared
 * recordings, exported to trailbrake CSV and to MoTeC .ld/.ldx and
 * imported back. CSV must give the lap back bit for bit with its session
 * and car; .ld must give every channel back within its precision.
 *
 * What ".ld equals the original within precision" means here. The writer
 * resamples every lap onto one fixed grid (the lap's median rate, period
 * h) and stores each channel as int16 (values on a decimal grid: exact)
 * or float32. Each original sample i (time t_i on the log clock: its time
 * column minus the lap's first) is looked up in the re-imported lap:
 *
 *   kind   evaluation on the .ld lap        tolerance
 *   -----  -------------------------------  ------------------------------
 *   CONT   linear interpolation between     P + min(R, 2 S (d + s))
 *          the grid samples around t_i      P = 1.2e-7 max|v| (float32's
 *                                           24 bits, twice) + 1e-9
 *                                           R = range of the original's
 *                                           values over the samples that
 *                                           bracket the grid cell
 *                                           S = steepest original slope
 *                                           there, d = distance of t_i to
 *                                           the nearer grid sample,
 *                                           s = the writer's snap, h/1000
 *   STEP   hold: the grid sample at or      exact: the original's own
 *          before t_i (+ s)                 hold at that grid sample; the
 *                                           value is at most h late
 *
 * Both bounds follow from the writer's contract (a grid value is the
 * original's linear interpolation, or hold, at that grid time), not from
 * measurement. For the 60 Hz sources (F1, GT7 and AC streams, .ibt)
 * every sample sits on the grid (d <= s, asserted), so a continuous
 * channel must match within P + 2 S s (microseconds of slope: float32
 * rounding of the games' session times) and a step channel exactly,
 * sample by sample. Only the irregular sources need the looser R:
 * Forza stamps its packets in whole ms (samples up to 0.04 period off a
 * 60 Hz grid), the DiRT stage's timestamps are the game's float32 run
 * time with frame jitter (up to half a period off), and the
 * TracingInsights lap is sampled at ~4-8 Hz with no two intervals alike,
 * so samples fall between grid points and the grid cannot hold every
 * vertex of the original; its step channels (gear, DRS) then lag by up
 * to one grid period.
 *
 * Presence: every channel of the original is in the .ld lap and every
 * channel absent stays absent, except the time base: .ld has no time
 * channels; the reader derives time from the grid and lap_time from the
 * beacons (lap_time is then time since the lap's beacon, i.e. the
 * original's lap_time minus its first sample's). Lap number, lap time to
 * the ms (complete laps) and the incomplete flag survive. What .ld cannot
 * carry (motec.h / motec_int.h): session time of day (the log clock starts at
 * 0), lap flags other than incomplete (cut, pit, out, in, flashback),
 * sector times, an incomplete lap's game-reported time, and session
 * fields with no .ld home (uid, game version, track id, weather, temps,
 * team, race number, car index). */
#include "tb_ingest_test.h"

#include <math.h>
#include <sys/stat.h>

#include "formats/csv.h"
#include "formats/formats.h"
#include "formats/ibt.h"
#include "formats/motec.h"
#include "ingest/codemasters.h"
#include "ingest/gen.h"
#include "ingest/proto.h"

static char *tmp_dir;

/* ------------------------------------------------------------------ */
/* The laps under test. */

#define RT_MAX_LAPS 64

struct rt_lap {
	char what[96];
	struct tb_session_info s;
	struct tb_car_info car;
	struct tb_lap lap;
	bool regular; /* samples expected on a fixed grid */
};

struct rt_set {
	size_t n;
	struct rt_lap l[RT_MAX_LAPS];
	/* while collecting */
	const char *source;
	bool regular;
	size_t jobs; /* laps handed over by the source */
};

static void set_add(struct rt_set *set, const struct tb_session_info *s,
		    const struct tb_car_info *car, struct tb_lap *lap)
{
	assert_true(set->n < RT_MAX_LAPS);
	struct rt_lap *r = &set->l[set->n++];
	r->s = *s;
	r->car = *car;
	r->regular = set->regular;
	tb_lap_init(&r->lap);
	tb_lap_move(&r->lap, lap);
	snprintf(r->what, sizeof(r->what), "%s car %u lap %u", set->source,
		 (unsigned)car->car_index, (unsigned)r->lap.lap_number);
}

/* Game laps: complete ones, and one out lap (incomplete): the first lap
 * handed over when it is incomplete (F1 and AC flag it TB_LAP_OUT; GT7
 * and Forza only see that its start was missed). */
static void on_job(void *ctx, struct ingest_lap_job *job)
{
	struct rt_set *set = ctx;
	bool complete = !(job->lap.flags & TB_LAP_INCOMPLETE);
	bool out = !complete && set->jobs++ == 0;
	if ((!complete && !out) || job->lap.n < 2)
		return;
	set_add(set, &job->session, &job->car, &job->lap);
}

static enum tb_status on_file_lap(void *ctx, const struct tb_session_info *s,
				  const struct tb_car_info *car,
				  struct tb_lap *lap,
				  const struct fmt_lap_meta *meta)
{
	(void)meta;
	struct rt_set *set = ctx;
	if (lap->n >= 2 && set->n < RT_MAX_LAPS)
		set_add(set, s, car, lap);
	return TB_OK;
}

static void set_release(struct rt_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		tb_lap_release(&set->l[i].lap);
	set->n = 0;
}

/* ------------------------------------------------------------------ */
/* Building laps. */

static struct gen *make_gen(unsigned n_cars, unsigned n_laps)
{
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = n_cars;
	cfg.n_laps = n_laps;
	cfg.format = 2025;
	struct gen *g = NULL;
	struct tb_error err;
	if (gen_create(&cfg, &g, &err) != TB_OK)
		fail_msg("gen_create: %s", err.msg);
	return g;
}

/* F1 25: the scenario generator's packets through a sniffing port. */
static void build_f1(struct rt_set *set)
{
	struct gen *g = make_gen(2, 2);
	struct ingest_port *port = NULL;
	assert_int_equal(ingest_port_create(NULL, NULL, on_job, set, &port),
			 TB_OK);
	set->source = "F1 25";
	set->regular = true;
	set->jobs = 0;
	struct f1_packet *p = calloc(1, sizeof(*p));
	uint8_t *buf = malloc(TB_DATAGRAM_MAX);
	assert_non_null(p);
	assert_non_null(buf);
	double t_s = 0;
	size_t n_dg = 0;
	while (gen_next(g, p, &t_s) == TB_OK) {
		size_t len = 0;
		assert_int_equal(f1_encode(p, buf, TB_DATAGRAM_MAX, &len),
				 TB_OK);
		struct tb_error err;
		int64_t now = 1700000000000000LL + llround(t_s * 1e6);
		if (ingest_port_datagram(port, buf, len, now, &err) != TB_OK)
			fail_msg("F1 datagram %zu: %s", n_dg, err.msg);
		n_dg++;
	}
	assert_ptr_equal(ingest_port_proto(port), &ingest_proto_f1);
	ingest_port_flush(port);
	ingest_port_destroy(port);
	free(buf);
	free(p);
	gen_destroy(g);
}

/* A protocol whose datagrams carry one car: gen_encode per frame. */
static void build_gen_proto(struct rt_set *set, const struct ingest_proto *pr,
			    char variant, const char *source, bool regular)
{
	struct gen *g = make_gen(1, 2);
	struct ingest_port *port = NULL;
	struct ingest_opts o = {0};
	o.variant = variant;
	assert_int_equal(ingest_port_create(pr, &o, on_job, set, &port),
			 TB_OK);
	set->source = source;
	set->regular = regular;
	set->jobs = 0;
	tbt_feed_gen(port, g, pr, variant);
	ingest_port_flush(port);
	ingest_port_destroy(port);
	gen_destroy(g);
}

/* DiRT Rally 2.0: 264-byte packets back to back, arrival time from the
 * packet's run time (float32 at offset 0). */
static bool build_dirt(struct rt_set *set, const char *data)
{
	char path[1024];
	snprintf(path, sizeof(path),
		 "%s/dirt-rally-2-dr2_logger/"
		 "noorinbee_199.6s.derived-264B-packets.bin",
		 data);
	size_t len = 0;
	uint8_t *b = tbt_read_file(path, &len);
	if (!b) {
		printf("note: %s absent, DiRT stage skipped\n", path);
		return false;
	}
	assert_int_equal(len % CM_SIZE_EXTRA, 0);
	struct ingest_port *port = NULL;
	assert_int_equal(ingest_port_create(&ingest_proto_codemasters, NULL,
					    on_job, set, &port),
			 TB_OK);
	set->source = "DiRT Rally 2.0";
	set->regular = false;
	set->jobs = 0;
	size_t before = set->n;
	for (size_t i = 0; i < len / CM_SIZE_EXTRA; i++) {
		const uint8_t *d = b + i * CM_SIZE_EXTRA;
		int64_t now = llround((double)tb_ld_f32le(d) * 1e6);
		struct tb_error err;
		if (ingest_port_datagram(port, d, CM_SIZE_EXTRA, now, &err) !=
		    TB_OK)
			fail_msg("DiRT packet %zu: %s", i, err.msg);
	}
	ingest_port_flush(port);
	ingest_port_destroy(port);
	free(b);
	/* the stage run, complete */
	assert_int_equal(set->n - before, 1);
	assert_int_equal(set->l[before].lap.lap_time_ms, 199575);
	return true;
}

static bool build_file(struct rt_set *set, const char *data, const char *rel,
		       const struct fmt_importer *imp, const char *source,
		       bool regular)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", data, rel);
	if (access(path, R_OK) != 0) {
		printf("note: %s absent, %s skipped\n", path, source);
		return false;
	}
	struct tb_error err;
	if (!imp)
		imp = fmt_detect(path, &err);
	if (!imp)
		fail_msg("%s: %s", path, err.msg);
	set->source = source;
	set->regular = regular;
	size_t before = set->n;
	if (imp->import(path, on_file_lap, set, NULL, &err) != TB_OK)
		fail_msg("%s: %s", path, err.msg);
	assert_true(set->n > before);
	return true;
}

/* ------------------------------------------------------------------ */
/* CSV: bit for bit, metadata included. */

struct one {
	size_t n;
	struct tb_session_info s;
	struct tb_car_info car;
	struct tb_lap lap;
};

static enum tb_status on_one(void *ctx, const struct tb_session_info *s,
			     const struct tb_car_info *car, struct tb_lap *lap,
			     const struct fmt_lap_meta *meta)
{
	(void)meta;
	struct one *o = ctx;
	if (o->n++ == 0) {
		o->s = *s;
		o->car = *car;
		tb_lap_move(&o->lap, lap);
	}
	return TB_OK;
}

static void check_session_equal(const char *what,
				const struct tb_session_info *a,
				const struct tb_session_info *b)
{
	if (a->source_uid != b->source_uid || a->game != b->game ||
	    a->packet_format != b->packet_format ||
	    a->game_year != b->game_year || a->game_major != b->game_major ||
	    a->game_minor != b->game_minor || a->track_id != b->track_id ||
	    strcmp(a->track, b->track) != 0 ||
	    strcmp(a->layout, b->layout) != 0 ||
	    a->track_length_m != b->track_length_m || a->kind != b->kind ||
	    a->game_session_type != b->game_session_type ||
	    a->car_class != b->car_class || a->weather != b->weather ||
	    a->air_temp_c != b->air_temp_c ||
	    a->track_temp_c != b->track_temp_c ||
	    a->start_unix_ms != b->start_unix_ms)
		fail_msg("%s: CSV session differs (track '%s' / '%s', kind "
			 "%d / %d, game %d / %d)",
			 what, a->track, b->track, (int)a->kind, (int)b->kind,
			 (int)a->game, (int)b->game);
}

static void check_csv(const struct rt_lap *r, size_t idx)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/lap%zu.csv", tmp_dir, idx);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	struct tb_error err;
	enum tb_status st =
	    fmt_csv_write_laps(f, &r->s, &r->car, &r->lap, 1, &err);
	assert_int_equal(fclose(f), 0);
	if (st != TB_OK)
		fail_msg("%s: CSV write: %s", r->what, err.msg);
	struct one o;
	memset(&o, 0, sizeof(o));
	tb_lap_init(&o.lap);
	st = fmt_importer_csv.import(path, on_one, &o, NULL, &err);
	if (st != TB_OK)
		fail_msg("%s: CSV import: %s", r->what, err.msg);
	assert_int_equal(o.n, 1);
	check_session_equal(r->what, &r->s, &o.s);
	if (o.car.car_index != r->car.car_index ||
	    strcmp(o.car.driver, r->car.driver) != 0 ||
	    o.car.team_id != r->car.team_id ||
	    o.car.race_number != r->car.race_number || o.car.ai != r->car.ai)
		fail_msg("%s: CSV car differs (driver '%s' / '%s')", r->what,
			 r->car.driver, o.car.driver);
	const struct tb_lap *a = &r->lap, *b = &o.lap;
	if (a->lap_number != b->lap_number ||
	    a->lap_time_ms != b->lap_time_ms ||
	    a->sector_ms[0] != b->sector_ms[0] ||
	    a->sector_ms[1] != b->sector_ms[1] ||
	    a->sector_ms[2] != b->sector_ms[2] || a->flags != b->flags)
		fail_msg("%s: CSV lap metadata differs: lap %u/%u time %d/%d "
			 "flags %x/%x",
			 r->what, a->lap_number, b->lap_number, a->lap_time_ms,
			 b->lap_time_ms, a->flags, b->flags);
	if (!tb_lap_equal(a, b))
		fail_msg("%s: CSV lap not bit-identical", r->what);
	tb_lap_release(&o.lap);
	remove(path);
}

/* ------------------------------------------------------------------ */
/* .ld: within precision. */

#define SNAP 1e-3 /* the writer's snap, in grid periods */
#define TIME_BASE (TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_LAP_TIME))

/* The writer's time column: TIME, else LAP_TIME, if in every sample. */
static int time_col(const struct tb_lap *l)
{
	static const enum tb_channel cand[] = {TB_CH_TIME, TB_CH_LAP_TIME};
	for (size_t c = 0; c < 2; c++) {
		if (!(l->chans & TB_CHBIT(cand[c])))
			continue;
		bool all = true;
		for (size_t i = 0; i < l->n && all; i++)
			all = (l->mask[i] & TB_CHBIT(cand[c])) != 0;
		if (all)
			return (int)cand[c];
	}
	return -1;
}

static double rel_t(const struct tb_lap *l, int src, size_t i)
{
	return l->col[src][i] - l->col[src][0];
}

/* Bracketing samples of [a, b] in the original: last j with t_j <= a,
 * first with t_j >= b. */
static void bracket(const struct tb_lap *o, int src, double a, double b,
		    size_t *lo, size_t *hi)
{
	size_t j = 0;
	while (j + 1 < o->n && rel_t(o, src, j + 1) <= a)
		j++;
	*lo = j;
	while (j + 1 < o->n && rel_t(o, src, j) < b)
		j++;
	*hi = j;
}

struct ch_stats {
	double worst;	   /* largest |error| */
	double worst_tol;  /* its tolerance */
	double max_d;	   /* largest distance to the grid, periods */
	size_t checked;
};

/* Range, steepest slope and largest |v| of channel ch over [lo, hi]. */
static void local_shape(const struct tb_lap *o, int src, enum tb_channel ch,
			size_t lo, size_t hi, double *range, double *slope,
			double *vmax)
{
	double mn = INFINITY, mx = -INFINITY;
	*slope = 0;
	*vmax = 0;
	for (size_t j = lo; j <= hi; j++) {
		if (!(o->mask[j] & TB_CHBIT(ch)))
			continue;
		double v = o->col[ch][j];
		mn = v < mn ? v : mn;
		mx = v > mx ? v : mx;
		*vmax = fabs(v) > *vmax ? fabs(v) : *vmax;
		if (j > lo && (o->mask[j - 1] & TB_CHBIT(ch))) {
			double dt = rel_t(o, src, j) - rel_t(o, src, j - 1);
			double dv = fabs(v - o->col[ch][j - 1]);
			if (dt > 0 && dv / dt > *slope)
				*slope = dv / dt;
			else if (dt <= 0 && dv > 0)
				*slope = INFINITY;
		}
	}
	*range = mx >= mn ? mx - mn : 0;
}

/* The original's hold value at grid time g (the last sample at or
 * before g + snap); false when that sample lacks the channel. */
static bool orig_hold(const struct tb_lap *o, int src, enum tb_channel ch,
		      double g, double snap, double *v)
{
	size_t j = 0;
	if (rel_t(o, src, 0) > g + snap)
		return false;
	while (j + 1 < o->n && rel_t(o, src, j + 1) <= g + snap)
		j++;
	if (!(o->mask[j] & TB_CHBIT(ch)))
		return false;
	*v = o->col[ch][j];
	return true;
}

static bool has(const struct tb_lap *l, size_t k, enum tb_channel ch)
{
	return k < l->n && (l->mask[k] & TB_CHBIT(ch));
}

static void check_sample(const char *what, const struct tb_lap *o, int src,
			 const struct tb_lap *b, double rate,
			 enum tb_channel ch, size_t i, struct ch_stats *cs)
{
	/* one lap per file: the lap starts at 0 on the log clock */
	double t = rel_t(o, src, i), h = 1.0 / rate, snap = SNAP * h;
	size_t k = (size_t)floor(t * rate + SNAP);
	double g0 = (double)k / rate, g1 = (double)(k + 1) / rate;
	double d_lo = fabs(t - g0), d_hi = fabs(g1 - t);
	double d = d_lo < d_hi ? d_lo : d_hi;
	if (d / h > cs->max_d)
		cs->max_d = d / h;
	if (k >= b->n)
		fail_msg("%s: sample %zu (t %.6f s) beyond the .ld lap "
			 "(%zu samples at %.0f Hz)",
			 what, i, t, b->n, rate);
	cs->checked++;
	if (tb_channel_kind(ch) == TB_KIND_STEP) {
		double want;
		if (!orig_hold(o, src, ch, g0, snap, &want))
			return; /* the grid point precedes the channel */
		if (!has(b, k, ch))
			fail_msg("%s: %s absent at .ld sample %zu (orig %zu)",
				 what, tb_channel_name(ch), k, i);
		if (b->col[ch][k] != want)
			fail_msg("%s: %s at sample %zu (t %.6f): %.17g, "
				 "expected %.17g (held from the grid at "
				 "%.6f)",
				 what, tb_channel_name(ch), i, t,
				 b->col[ch][k], want, g0);
		return;
	}
	/* continuous: interpolate between k and k + 1, or take the one
	 * grid sample t_i sits on (or the only one the lap has there) */
	double v, a_t, b_t;
	bool on_k = d_lo <= snap || (has(b, k, ch) && !has(b, k + 1, ch));
	bool on_k1 = !on_k && (d_hi <= snap || !has(b, k, ch));
	if (on_k1) {
		if (!has(b, k + 1, ch))
			fail_msg("%s: %s absent at .ld sample %zu", what,
				 tb_channel_name(ch), k + 1);
		v = b->col[ch][k + 1];
		a_t = t < g1 ? t : g1;
		b_t = t < g1 ? g1 : t;
	} else if (on_k) {
		if (!has(b, k, ch))
			fail_msg("%s: %s absent at .ld sample %zu (orig %zu, "
				 "t %.6f)",
				 what, tb_channel_name(ch), k, i, t);
		v = b->col[ch][k];
		a_t = t < g0 ? t : g0;
		b_t = t < g0 ? g0 : t;
	} else {
		double w = (t - g0) * rate;
		v = b->col[ch][k] + (b->col[ch][k + 1] - b->col[ch][k]) * w;
		a_t = g0;
		b_t = g1;
	}
	size_t lo, hi;
	bracket(o, src, a_t, b_t, &lo, &hi);
	double range, slope, vmax;
	local_shape(o, src, ch, lo, hi, &range, &slope, &vmax);
	double p = 1.2e-7 * vmax + 1e-9;
	double by_slope = 2.0 * slope * (d + snap);
	double tol = p + (by_slope < range ? by_slope : range);
	double err = fabs(v - o->col[ch][i]);
	if (err > tol)
		fail_msg("%s: %s at sample %zu (t %.6f s): %.17g, expected "
			 "%.17g (error %.3g > tolerance %.3g: range %.3g, "
			 "slope %.3g, %.3g periods off the grid)",
			 what, tb_channel_name(ch), i, t, v, o->col[ch][i], err,
			 tol, range, slope, d / h);
	if (err > cs->worst) {
		cs->worst = err;
		cs->worst_tol = tol;
	}
}

static void check_ld_meta(const struct rt_lap *r, const struct one *o)
{
	const struct tb_lap *a = &r->lap, *b = &o->lap;
	bool inc = (a->flags & TB_LAP_INCOMPLETE) != 0;
	if (b->lap_number != a->lap_number)
		fail_msg("%s: .ld lap number %u, expected %u", r->what,
			 b->lap_number, a->lap_number);
	if (((b->flags & TB_LAP_INCOMPLETE) != 0) != inc)
		fail_msg("%s: .ld flags %x, original %x", r->what, b->flags,
			 a->flags);
	int32_t want = inc ? TB_TIME_UNKNOWN : a->lap_time_ms;
	if (b->lap_time_ms != want)
		fail_msg("%s: .ld lap time %d ms, expected %d", r->what,
			 b->lap_time_ms, want);
	if (strcmp(o->s.track, r->s.track) != 0 ||
	    strcmp(o->car.driver, r->car.driver) != 0 ||
	    o->s.kind != r->s.kind)
		fail_msg("%s: .ld session: track '%s' / '%s', driver '%s' / "
			 "'%s', kind %d / %d",
			 r->what, o->s.track, r->s.track, o->car.driver,
			 r->car.driver, (int)o->s.kind, (int)r->s.kind);
	tb_chmask ca = a->chans & ~TIME_BASE, cb = b->chans & ~TIME_BASE;
	if (ca != cb)
		fail_msg("%s: .ld channels %llx, original %llx (missing %llx, "
			 "extra %llx)",
			 r->what, (unsigned long long)cb,
			 (unsigned long long)ca, (unsigned long long)(ca & ~cb),
			 (unsigned long long)(cb & ~ca));
}

static void check_ld(const struct rt_lap *r, size_t idx)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/lap%zu.ld", tmp_dir, idx);
	struct tb_error err;
	enum tb_status st =
	    fmt_motec_write(path, &r->s, &r->car, &r->lap, 1, &err);
	if (st != TB_OK)
		fail_msg("%s: .ld write: %s", r->what, err.msg);
	struct one o;
	memset(&o, 0, sizeof(o));
	tb_lap_init(&o.lap);
	st = fmt_importer_motec_ld.import(path, on_one, &o, NULL, &err);
	if (st != TB_OK)
		fail_msg("%s: .ld import: %s", r->what, err.msg);
	if (o.n != 1)
		fail_msg("%s: .ld gave %zu laps", r->what, o.n);
	check_ld_meta(r, &o);
	const struct tb_lap *a = &r->lap, *b = &o.lap;
	int src = time_col(a);
	assert_true(src >= 0);
	assert_true(b->n >= 2);
	assert_true(b->col[TB_CH_TIME][0] == 0.0);
	double rate = nearbyint(1.0 / b->col[TB_CH_TIME][1]);
	struct ch_stats all = {0};
	char worst_ch[32] = "";
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (!(a->chans & TB_CHBIT(ch)) || (TIME_BASE & TB_CHBIT(ch)))
			continue;
		struct ch_stats cs = {0};
		for (size_t i = 0; i < a->n; i++)
			if (a->mask[i] & TB_CHBIT(ch))
				check_sample(r->what, a, src, b, rate,
					     (enum tb_channel)ch, i, &cs);
		if (cs.worst_tol > 0 &&
		    cs.worst / cs.worst_tol >
			(all.worst_tol > 0 ? all.worst / all.worst_tol : 0)) {
			all.worst = cs.worst;
			all.worst_tol = cs.worst_tol;
			snprintf(worst_ch, sizeof(worst_ch), "%s",
				 tb_channel_name(ch));
		}
		all.checked += cs.checked;
		if (cs.max_d > all.max_d)
			all.max_d = cs.max_d;
	}
	/* the 60 Hz sources sit on the grid: no resampling at all */
	if (r->regular && all.max_d > SNAP)
		fail_msg("%s: a sample %.3g periods off the %.0f Hz grid",
			 r->what, all.max_d, rate);
	/* lap_time on the .ld: time since the beacon */
	if (!(a->flags & TB_LAP_INCOMPLETE)) {
		assert_true(b->chans & TB_CHBIT(TB_CH_LAP_TIME));
		assert_true(fabs(b->col[TB_CH_LAP_TIME][0]) < 1e-9);
	}
	printf("  %-28s %6zu -> %6zu samples at %3.0f Hz, %7zu values; "
	       "max %.2f periods off grid; worst %s err %.3g (tol %.3g)\n",
	       r->what, a->n, b->n, rate, all.checked, all.max_d,
	       worst_ch[0] ? worst_ch : "-", all.worst, all.worst_tol);
	tb_lap_release(&o.lap);
	remove(path);
	snprintf(path, sizeof(path), "%s/lap%zu.ldx", tmp_dir, idx);
	remove(path);
}

/* ------------------------------------------------------------------ */

static void check_set(struct rt_set *set, size_t *idx)
{
	for (size_t i = 0; i < set->n; i++) {
		check_csv(&set->l[i], *idx);
		check_ld(&set->l[i], *idx);
		(*idx)++;
	}
}

static size_t count_incomplete(const struct rt_set *set)
{
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++)
		n += (set->l[i].lap.flags & TB_LAP_INCOMPLETE) != 0;
	return n;
}

static void test_generated(void **state)
{
	(void)state;
	size_t idx = 0;
	struct rt_set *set = calloc(1, sizeof(*set));
	assert_non_null(set);

	build_f1(set);
	/* 2 cars x 2 timed laps, and one out lap */
	assert_int_equal(set->n, 5);
	assert_int_equal(count_incomplete(set), 1);
	check_set(set, &idx);
	set_release(set);

	static const struct {
		const struct ingest_proto *proto;
		char variant;
		const char *name;
		bool regular;
	} gens[] = {
	    {&ingest_proto_gt7, 'A', "GT7", true},
	    /* Forza stamps packets in whole ms: its 60 Hz samples sit up
	     * to 0.67 ms (0.04 period) off any 60 Hz grid */
	    {&ingest_proto_forza, 'm', "Forza Motorsport", false},
	    {&ingest_proto_ac, 0, "Assetto Corsa", true},
	};
	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++) {
		build_gen_proto(set, gens[i].proto, gens[i].variant,
				gens[i].name, gens[i].regular);
		if (set->n != 3)
			fail_msg("%s: %zu laps, expected 2 timed + out lap",
				 gens[i].name, set->n);
		assert_int_equal(count_incomplete(set), 1);
		check_set(set, &idx);
		set_release(set);
	}
	free(set);
}

/* *state: a size_t receiving how many recorded parts ran. */
static void test_recorded(void **state)
{
	size_t *ran = *state;
	const char *data = tbt_data_dir();
	if (!data) {
		printf("note: TRAILBRAKE_DATA absent, recorded laps "
		       "skipped\n");
		return;
	}
	size_t idx = 100, parts = 0;
	struct rt_set *set = calloc(1, sizeof(*set));
	assert_non_null(set);
	if (build_dirt(set, data)) {
		check_set(set, &idx);
		parts++;
	}
	set_release(set);
	if (build_file(set, data, "iracing-ibt-teamjorge/valid_test_file.ibt",
		       &fmt_importer_ibt, "iRacing", true)) {
		check_set(set, &idx);
		parts++;
	}
	set_release(set);
	if (build_file(set, data,
		       "f1-2026-testing-tracinginsights/practice3/VER/"
		       "10_tel.json",
		       NULL, "F1 2026 VER", false)) {
		assert_int_equal(set->n, 1);
		assert_true(set->l[0].lap.n > 100);
		check_set(set, &idx);
		parts++;
	}
	set_release(set);
	free(set);
	*ran = parts;
}

int main(void)
{
	tmp_dir = tbt_tmpdir();
	if (!tmp_dir)
		return 1;
	size_t recorded = 0;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generated),
	    cmocka_unit_test_prestate(test_recorded, &recorded),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmp_dir);
	free(tmp_dir);
	if (rc == 0 && recorded == 0) {
		printf("SKIP: every recorded part needs TRAILBRAKE_DATA\n");
		return TB_SKIP_CODE;
	}
	return rc;
}

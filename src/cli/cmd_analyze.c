/* cmd_analyze.c - `trailbrake analyze LAP [--ref ...]`: a lap against a
 * reference lap, corner by corner (brake point, minimum and exit speed,
 * throttle pickup, time lost; the losses add up to the lap delta), and
 * `trailbrake compare LAP LAP... --csv FILE`: the laps' traces aligned
 * by distance. The track model is looked up in the store by the
 * session's (game, track, layout) and built from the reference lap(s)
 * only when absent, then stored for the next run. */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "../analysis/analysis.h"
#include "../store/store.h"

#define GRID_STEP_M 1.0
#define COMPARE_MAX 16

/* A lap loaded and on its distance grid. */
struct alap {
	int64_t id;
	struct store_lap_row row;
	struct tb_lap lap;
	struct ana_grid grid;
	bool has_grid;
};

static void alap_release(struct alap *a)
{
	tb_lap_release(&a->lap);
	if (a->has_grid)
		ana_grid_release(&a->grid);
	a->has_grid = false;
}

static int load(const char *cmd, struct store *st, int64_t id, struct alap *a)
{
	struct tb_error err;
	tb_error_clear(&err);
	memset(a, 0, sizeof(*a));
	a->id = id;
	tb_lap_init(&a->lap);
	if (store_lap_get(st, id, &a->lap, &a->row, &err) != TB_OK)
		return cli_fail(cmd, &err);
	return 0;
}

/* F1 timing data carries the brake as on/off: every known sample 0/1. */
static bool brake_binary(const struct tb_lap *lap)
{
	const double *b = lap->col[TB_CH_BRAKE];
	if (!b)
		return false;
	bool one = false;
	for (size_t i = 0; i < lap->n; i++) {
		if (!(lap->mask[i] & TB_CHBIT(TB_CH_BRAKE)))
			continue;
		if (b[i] != 0 && b[i] != 1)
			return false;
		one |= b[i] == 1;
	}
	return one;
}

static bool has_pos(const struct tb_lap *lap)
{
	tb_chmask m = TB_CHBIT(TB_CH_POS_X) | TB_CHBIT(TB_CH_POS_Y);
	return (lap->chans & m) == m;
}

/* Track model from the laps with position (NULL-able *t on return). */
static void build_track(struct alap *const *laps, size_t n, struct ana_track *t,
			bool *have)
{
	const struct tb_lap *use[COMPARE_MAX];
	size_t k = 0, used = 0;
	for (size_t i = 0; i < n && k < COMPARE_MAX; i++) {
		if (has_pos(&laps[i]->lap))
			use[k++] = &laps[i]->lap;
	}
	*have = false;
	if (k == 0)
		return;
	struct tb_error err;
	tb_error_clear(&err);
	if (ana_track_build(use, k, GRID_STEP_M, t, &used, &err) == TB_OK)
		*have = true;
	else
		fprintf(stderr,
			"note: no track model (%s): distance from "
			"the laps' own channels\n",
			err.msg);
}

/* The store key of a session's track model: (game, track, layout), or
 * with no track name (game, "", "<length> m"): the session's track
 * length rounded to the metre, else the reference lap's own distance
 * rounded to KEY_LEN_ROUND_M (laps of one layout differ by tens of
 * metres; alt names the other nearest multiple, tried as well). False
 * (no key) when neither is known. */
#define KEY_LEN_ROUND_M 100.0

struct track_key {
	enum tb_game game;
	char track[TB_NAME_MAX];
	char layout[TB_NAME_MAX];
	char alt[TB_NAME_MAX]; /* "" or a second layout key to look up */
	bool by_length;
};

static double lap_dist_max(const struct tb_lap *lap)
{
	double m = NAN;
	const double *d = lap->col[TB_CH_LAP_DIST];
	for (size_t i = 0; d && i < lap->n; i++)
		if ((lap->mask[i] & TB_CHBIT(TB_CH_LAP_DIST)) && isfinite(d[i]))
			m = isnan(m) || d[i] > m ? d[i] : m;
	return m;
}

static bool track_key_of(struct store *st, const struct alap *ref,
			 struct track_key *k)
{
	struct store_session_row srow;
	memset(k, 0, sizeof(*k));
	if (store_session_get(st, ref->row.session_id, &srow, NULL) != TB_OK)
		return false;
	k->game = srow.info.game;
	if (srow.info.track[0] != '\0') {
		snprintf(k->track, sizeof(k->track), "%s", srow.info.track);
		snprintf(k->layout, sizeof(k->layout), "%s", srow.info.layout);
		return true;
	}
	k->by_length = true;
	if (srow.info.track_length_m > 100 && srow.info.track_length_m < 1e6) {
		snprintf(k->layout, sizeof(k->layout), "%.0f m",
			 srow.info.track_length_m);
		return true;
	}
	double len = lap_dist_max(&ref->lap);
	if (!(len > 100 && len < 1e6))
		return false;
	double r = KEY_LEN_ROUND_M;
	double near = r * floor(len / r + 0.5);
	double other = len >= near ? near + r : near - r;
	snprintf(k->layout, sizeof(k->layout), "%.0f m", near);
	snprintf(k->alt, sizeof(k->alt), "%.0f m", other);
	return true;
}

/* Store a freshly built model under k; false (with a note) on failure. */
static bool store_track(struct store *st, const struct track_key *k,
			const struct ana_track *t)
{
	struct tb_buf b;
	struct tb_error err;
	tb_error_clear(&err);
	tb_buf_init(&b, STORE_TRACK_BLOB_MAX);
	struct store_track_row m;
	memset(&m, 0, sizeof(m));
	m.game = k->game;
	snprintf(m.track, sizeof(m.track), "%s", k->track);
	snprintf(m.layout, sizeof(m.layout), "%s", k->layout);
	m.n_points = (int64_t)t->n;
	m.step_m = t->step_m;
	m.length_m = t->length_m;
	bool ok = ana_track_encode(t, &b, &err) == TB_OK &&
		  store_track_put(st, &m, b.data, b.len, &err) == TB_OK;
	if (!ok)
		fprintf(stderr, "note: track model not stored: %s\n", err.msg);
	tb_buf_release(&b);
	return ok;
}

/* The stored model under k into *t; false if none (or unreadable: a
 * note, and it is built and stored again). */
static bool load_track(struct store *st, const struct track_key *k,
		       struct ana_track *t)
{
	struct tb_buf b;
	struct tb_error err;
	tb_error_clear(&err);
	tb_buf_init(&b, STORE_TRACK_BLOB_MAX);
	enum tb_status rc =
	    store_track_get(st, k->game, k->track, k->layout, NULL, &b, &err);
	if (rc == TB_OK)
		rc = ana_track_decode(b.data, b.len, t, &err);
	if (rc != TB_OK && rc != TB_ERR_NOTFOUND)
		fprintf(stderr, "note: stored track model unusable (%s): "
			"building it again\n", err.msg);
	tb_buf_release(&b);
	return rc == TB_OK;
}

/* The track model for laps (ref = laps[0] gives the session): stored
 * and reused, else built from the laps with position and stored. Says
 * which on `out` (stdout for analyze, stderr when stdout is data). */
static void get_track(struct store *st, struct alap *const *laps, size_t n,
		      struct ana_track *t, bool *have, FILE *out)
{
	struct track_key k;
	bool keyed = track_key_of(st, laps[0], &k);
	bool found = keyed && load_track(st, &k, t);
	if (!found && keyed && k.alt[0]) {
		struct track_key k2 = k;
		snprintf(k2.layout, sizeof(k2.layout), "%s", k.alt);
		found = load_track(st, &k2, t);
		if (found)
			k = k2;
	}
	char key[200];
	snprintf(key, sizeof(key), "%s, %s%s%s%s", tb_game_name(k.game),
		 !k.by_length ? ""
		 : k.alt[0]   ? "no track name: keyed by lap length (to 100 "
				"m) "
			      : "no track name: keyed by track length ",
		 k.track, k.track[0] && k.layout[0] ? " " : "", k.layout);
	*have = found;
	if (found) {
		fprintf(out, "track model: reused from the store (%s; %.1f m, "
			"%zu points)\n", key, t->length_m, t->n);
		return;
	}
	build_track(laps, n, t, have);
	if (!*have)
		return;
	bool stored = keyed && store_track(st, &k, t);
	fprintf(out, "track model: built from the reference lap%s, %s (%s; "
		"%.1f m, %zu points)\n", n > 1 ? "s" : "",
		stored ? "stored for reuse" : "not stored",
		keyed ? key : "no track name or length to key it by",
		t->length_m, t->n);
}

static int to_grid(const char *cmd, struct alap *a, const struct ana_track *t)
{
	struct tb_error err;
	tb_error_clear(&err);
	if (ana_grid_from_lap(&a->lap, t, GRID_STEP_M, &a->grid, &err) !=
	    TB_OK) {
		fprintf(stderr, "trailbrake %s: lap %" PRId64 ": %s\n", cmd,
			a->id, err.msg);
		return tb_status_exit(err.status) ? tb_status_exit(err.status)
						  : 1;
	}
	a->has_grid = true;
	if (brake_binary(&a->lap))
		a->grid.src |= ANA_SRC_BRAKE_BINARY;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reference lap: an id, or the fastest valid lap of the session (of
 * the same car for "best"). */

struct best_ctx {
	int64_t id;
	int32_t ms;
	int car; /* -1: any */
};

static int pick_best(void *ctx, const struct store_lap_row *r)
{
	struct best_ctx *b = ctx;
	if (r->flags != 0 || r->lap_time_ms <= 0)
		return 0;
	if (b->car >= 0 && r->car_index != b->car)
		return 0;
	if (b->id == 0 || r->lap_time_ms < b->ms) {
		b->id = r->id;
		b->ms = r->lap_time_ms;
	}
	return 0;
}

static int resolve_ref(const char *cmd, struct store *st, const char *spec,
		       const struct alap *lap, int64_t *out)
{
	bool best = !strcmp(spec, "best"),
	     sbest = !strcmp(spec, "session-best");
	if (!best && !sbest) {
		long v;
		if (!cli_parse_long(cmd, "--ref", spec, 1, INT64_MAX, &v))
			return 2;
		*out = v;
		return 0;
	}
	struct best_ctx b = {0, 0, best ? lap->row.car_index : -1};
	struct tb_error err;
	tb_error_clear(&err);
	if (store_laps_list(st, lap->row.session_id, pick_best, &b, &err) !=
	    TB_OK)
		return cli_fail(cmd, &err);
	if (b.id == 0) {
		fprintf(stderr,
			"trailbrake %s: no valid timed lap in session "
			"%" PRId64 "%s to compare with\n",
			cmd, lap->row.session_id, best ? " for this car" : "");
		return 1;
	}
	*out = b.id;
	return 0;
}

/* ------------------------------------------------------------------ */

static void analyze_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake analyze LAP [--ref LAP|best|session-best] "
		"[--db URL]\n"
		"Compare a stored lap with a reference lap corner by corner: "
		"brake point,\nminimum speed, exit speed (100 m after the "
		"apex), throttle pickup and time\nlost. The losses add up to "
		"the lap delta (last line). --ref best (default):\nthe fastest "
		"valid lap of the same session and car; session-best: of the\n"
		"session. The track model is looked up by game, track and "
		"layout;\nwhen absent it is built from the reference lap and "
		"stored for reuse.\n");
}

static void fmt_num(char *buf, size_t cap, double v, const char *f)
{
	if (isfinite(v))
		snprintf(buf, cap, f, v);
	else
		snprintf(buf, cap, "n/a");
}

static void print_corner(const struct ana_corner *c,
			 const struct ana_corner_metrics *ml,
			 const struct ana_corner_metrics *mr, double loss)
{
	char b[24], db[24], v[24], dv[24], ex[24], dex[24], tp[24], ov[24];
	fmt_num(b, sizeof(b), ml->brake_m, "%.0f");
	fmt_num(db, sizeof(db), ml->brake_m - mr->brake_m, "%+.0f");
	fmt_num(v, sizeof(v), ml->min_kmh, "%.1f");
	fmt_num(dv, sizeof(dv), ml->min_kmh - mr->min_kmh, "%+.1f");
	fmt_num(ex, sizeof(ex), ml->exit_kmh[1], "%.1f");
	fmt_num(dex, sizeof(dex), ml->exit_kmh[1] - mr->exit_kmh[1], "%+.1f");
	fmt_num(tp, sizeof(tp), ml->throttle_m - mr->throttle_m, "%+.0f");
	fmt_num(ov, sizeof(ov), ml->overlap_m, "%.0f");
	printf("%3d%c %7.0f %6s %5s %7s %6s %7s %6s %7s %6s %8.3f\n", c->number,
	       c->complex ? '*' : ' ', c->apex_m, b, db, v, dv, ex, dex, tp, ov,
	       loss);
}

static void print_unknown(tb_chmask unk, bool binary)
{
	if (unk & TB_CHBIT(TB_CH_STEER))
		printf("brake/steer overlap, steering corrections: n/a "
		       "(source has no steering)\n");
	if (binary)
		printf("brake build-up, trail release: n/a (source has an "
		       "on/off brake)\n");
	else if (unk & TB_CHBIT(TB_CH_BRAKE))
		printf("brake metrics: n/a (source has no brake)\n");
	if (unk & TB_CHBIT(TB_CH_THROTTLE))
		printf("throttle metrics: n/a (source has no throttle)\n");
	if (unk & TB_CHBIT(TB_CH_SPEED))
		printf("speeds: n/a (source has no speed)\n");
}

/* The table itself, once both grids and the corners exist. */
static int analyze_table(const char *cmd, struct alap *lap, struct alap *ref,
			 const struct ana_corners *cs)
{
	struct tb_error err;
	tb_error_clear(&err);
	double *delta = tb_malloc(ref->grid.n * sizeof(*delta));
	if (!delta)
		return 70;
	size_t n = 0;
	struct ana_delta_info di;
	if (ana_delta(&lap->grid, &ref->grid, delta, &n, &di, &err) != TB_OK) {
		tb_free(delta);
		return cli_fail(cmd, &err);
	}
	printf("corner  apex_m brake_m   Δm min_kmh     Δ exit_kmh     Δ "
	       "pickupΔm ovl_m   lost_s\n");
	double sum = 0;
	tb_chmask unk = 0;
	int rc = 0;
	/* Segment starts follow where either lap lifts or brakes for the
	 * corner, so a slow exit's loss down the straight stays with it. */
	double loss_k[ANA_CORNERS_MAX];
	if (ana_corner_losses(&lap->grid, &ref->grid, cs, delta, n, loss_k,
			      &err) != TB_OK) {
		tb_free(delta);
		return cli_fail(cmd, &err);
	}
	for (size_t k = 0; k < cs->n && rc == 0; k++) {
		struct ana_corner_metrics ml, mr;
		if (ana_corner_metrics(&lap->grid, cs, k, &ml, &err) != TB_OK ||
		    ana_corner_metrics(&ref->grid, cs, k, &mr, &err) != TB_OK) {
			rc = cli_fail(cmd, &err);
			break;
		}
		double loss = loss_k[k];
		sum += loss;
		unk |= ml.unknown | mr.unknown;
		print_corner(&cs->c[k], &ml, &mr, loss);
	}
	if (rc == 0) {
		printf("sum of corners %.3f s = lap delta %.3f s at the line "
		       "(game times differ by %.3f s)\n",
		       sum, n ? delta[n - 1] : NAN, di.final_s);
		if (di.warning)
			printf("warning: %s\n", di.warning);
		print_unknown(unk, (lap->grid.src | ref->grid.src) &
				       ANA_SRC_BRAKE_BINARY);
		printf("* = complex (merged corners)\n");
	}
	tb_free(delta);
	return rc;
}

static int analyze_run(const char *cmd, struct store *st, int64_t lap_id,
		       const char *ref_spec)
{
	struct alap lap, ref;
	int rc = load(cmd, st, lap_id, &lap);
	memset(&ref, 0, sizeof(ref));
	tb_lap_init(&ref.lap);
	int64_t ref_id = 0;
	if (rc == 0)
		rc = resolve_ref(cmd, st, ref_spec, &lap, &ref_id);
	if (rc == 0)
		rc = load(cmd, st, ref_id, &ref);
	struct ana_track track;
	bool have_track = false;
	memset(&track, 0, sizeof(track));
	if (rc == 0) {
		struct alap *rl[] = {&ref};
		get_track(st, rl, 1, &track, &have_track, stdout);
		rc = to_grid(cmd, &lap, have_track ? &track : NULL);
	}
	if (rc == 0)
		rc = to_grid(cmd, &ref, have_track ? &track : NULL);
	if (rc == 0) {
		char a[32], b[32];
		cli_fmt_ms(lap.row.lap_time_ms, a, sizeof(a));
		cli_fmt_ms(ref.row.lap_time_ms, b, sizeof(b));
		printf("lap %" PRId64 " (%s, car %u %s) vs reference %" PRId64
		       " (%s, car %u %s)\ndistance: %s%s%s%s\n",
		       lap.id, a, lap.row.car_index, lap.row.driver, ref.id, b,
		       ref.row.car_index, ref.row.driver,
		       ana_dist_method_name(lap.grid.dist.method),
		       lap.grid.dist.note ? " (" : "",
		       lap.grid.dist.note ? lap.grid.dist.note : "",
		       lap.grid.dist.note ? ")" : "");
		if (!have_track)
			printf("track model: none\n");
		struct tb_error err;
		tb_error_clear(&err);
		const struct ana_grid *refs[] = {&ref.grid};
		struct ana_corners cs;
		if (ana_corners_find(have_track ? &track : NULL, refs, 1, &cs,
				     &err) != TB_OK)
			rc = cli_fail(cmd, &err);
		else
			rc = analyze_table(cmd, &lap, &ref, &cs);
	}
	if (have_track)
		ana_track_release(&track);
	alap_release(&lap);
	alap_release(&ref);
	return rc;
}

int cli_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"ref", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db(), *ref = "best";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'r':
			ref = optarg;
			break;
		case 'h':
			analyze_usage(stdout);
			return 0;
		default:
			analyze_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		analyze_usage(stderr);
		return 2;
	}
	long lap_id;
	if (!cli_parse_long("analyze", "LAP", argv[optind], 1, INT64_MAX,
			    &lap_id))
		return 2;
	struct store *st = NULL;
	struct tb_error err;
	tb_error_clear(&err);
	if (store_open(db, &st, &err) != TB_OK)
		return cli_fail("analyze", &err);
	int rc = analyze_run("analyze", st, lap_id, ref);
	store_close(st);
	return rc;
}

/* ------------------------------------------------------------------ */
/* compare */

static void compare_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake compare LAP LAP... --csv FILE [--db URL]\n"
		"Write the laps' traces aligned by distance (1 m grid of the "
		"first lap):\ndistance, then per lap time, delta to the first "
		"lap, speed (m/s), throttle,\nbrake, steer, gear and rpm. "
		"Unknown values are empty.\n");
}

static const enum tb_channel cmp_ch[] = {
    TB_CH_SPEED, TB_CH_THROTTLE, TB_CH_BRAKE,
    TB_CH_STEER, TB_CH_GEAR,	 TB_CH_RPM,
};
#define N_CMP_CH (sizeof(cmp_ch) / sizeof(cmp_ch[0]))

/* Value of a lap's column at the first lap's distance d. */
static double col_at(const struct ana_grid *g, const double *v, double d,
		     double len0)
{
	if (!v)
		return NAN;
	double x = d * (g->length_m / len0) / g->step_m;
	if (x < 0 || x > (double)(g->n - 1))
		return NAN;
	size_t i = (size_t)x;
	if (i + 1 >= g->n)
		return v[g->n - 1];
	return v[i] + (v[i + 1] - v[i]) * (x - (double)i);
}

static void put(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, ",%.6g", v);
	else
		fputs(",", f);
}

static int write_csv(const char *path, struct alap *const *l, size_t n,
		     double *const *delta)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "trailbrake compare: cannot write %s\n", path);
		return 73;
	}
	fprintf(f, "distance_m");
	for (size_t k = 0; k < n; k++) {
		fprintf(f, ",time_s_%" PRId64 ",delta_s_%" PRId64, l[k]->id,
			l[k]->id);
		for (size_t c = 0; c < N_CMP_CH; c++)
			fprintf(f, ",%s_%" PRId64, tb_channel_name(cmp_ch[c]),
				l[k]->id);
	}
	fputc('\n', f);
	const struct ana_grid *g0 = &l[0]->grid;
	for (size_t i = 0; i < g0->n; i++) {
		double d = (double)i * g0->step_m;
		fprintf(f, "%.1f", d);
		for (size_t k = 0; k < n; k++) {
			const struct ana_grid *g = &l[k]->grid;
			put(f, col_at(g, g->t, d, g0->length_m));
			put(f, delta[k][i]);
			for (size_t c = 0; c < N_CMP_CH; c++)
				put(f, col_at(g, g->col[cmp_ch[c]], d,
					      g0->length_m));
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "trailbrake compare: error writing %s\n", path);
		return 74;
	}
	return 0;
}

static int compare_run(struct store *st, char **ids, size_t n, const char *csv)
{
	struct alap laps[COMPARE_MAX];
	struct alap *lp[COMPARE_MAX] = {0};
	double *delta[COMPARE_MAX] = {0};
	size_t loaded = 0;
	int rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		long id;
		if (!cli_parse_long("compare", "LAP", ids[k], 1, INT64_MAX,
				    &id)) {
			rc = 2;
			break;
		}
		lp[k] = &laps[k];
		rc = load("compare", st, id, &laps[k]);
		loaded = k + 1;
	}
	struct ana_track track;
	bool have_track = false;
	memset(&track, 0, sizeof(track));
	if (rc == 0)
		get_track(st, lp, n, &track, &have_track, stderr);
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = to_grid("compare", &laps[k], have_track ? &track : NULL);
	for (size_t k = 0; k < n && rc == 0; k++) {
		delta[k] = tb_malloc(laps[0].grid.n * sizeof(double));
		if (!delta[k]) {
			rc = 70;
			break;
		}
		size_t nd = 0;
		struct ana_delta_info di;
		struct tb_error err;
		tb_error_clear(&err);
		if (ana_delta(&laps[k].grid, &laps[0].grid, delta[k], &nd, &di,
			      &err) != TB_OK) {
			fprintf(stderr,
				"trailbrake compare: lap %" PRId64 ": %s\n",
				laps[k].id, err.msg);
			rc = tb_status_exit(err.status);
			break;
		}
		for (size_t i = nd; i < laps[0].grid.n; i++)
			delta[k][i] = NAN;
	}
	if (rc == 0)
		rc = write_csv(csv, lp, n, delta);
	if (rc == 0)
		printf("wrote %s: %zu laps, %zu points every %.0f m\n", csv, n,
		       laps[0].grid.n, GRID_STEP_M);
	if (have_track)
		ana_track_release(&track);
	for (size_t k = 0; k < loaded; k++) {
		alap_release(&laps[k]);
		tb_free(delta[k]);
	}
	return rc;
}

int cli_compare(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"csv", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *db = cli_default_db(), *csv = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'c':
			csv = optarg;
			break;
		case 'h':
			compare_usage(stdout);
			return 0;
		default:
			compare_usage(stderr);
			return 2;
		}
	}
	size_t n = (size_t)(argc - optind);
	if (!csv || n < 1 || n > COMPARE_MAX) {
		if (n > COMPARE_MAX)
			fprintf(stderr, "trailbrake compare: at most %d laps\n",
				COMPARE_MAX);
		compare_usage(stderr);
		return 2;
	}
	struct store *st = NULL;
	struct tb_error err;
	tb_error_clear(&err);
	if (store_open(db, &st, &err) != TB_OK)
		return cli_fail("compare", &err);
	int rc = compare_run(st, argv + optind, n, csv);
	store_close(st);
	return rc;
}

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
#include "../server/trackmodel.h"
#include "../store/store.h"

#define GRID_STEP_M 1.0
#define COMPARE_MAX 16

static int load(const char *cmd, struct store *st, int64_t id,
		struct cli_lap *a)
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

/* The session's track model and corners (trackmodel.h: stored and
 * reused, else built from the session's fastest clean laps, or from the
 * reference lap(s) when it has none, and stored). Says which on `out`
 * (stdout for analyze, stderr when stdout is data). */
static int get_track(const char *cmd, struct store *st,
		     struct cli_lap *const *laps, size_t n, struct srv_tm *tm,
		     FILE *out)
{
	struct tb_error err;
	tb_error_clear(&err);
	(void)n;
	if (srv_tm_get(st, laps[0]->row.session_id, &laps[0]->lap, true, tm,
		       &err) != TB_OK)
		return cli_fail(cmd, &err);
	if (tm->why[0] && tm->src != SRV_TM_BUILT_STORED)
		fprintf(stderr, "note: %s\n", tm->why);
	if (tm->src == SRV_TM_STORED)
		fprintf(out,
			"track model: reused from the store (%s; %.1f m, "
			"%zu points)\n",
			tm->key, tm->track.length_m, tm->track.n);
	else if (tm->has_track)
		fprintf(out,
			"track model: built from %zu clean lap%s, %s (%s; "
			"%.1f m, %zu points)\n",
			tm->n_built_from, tm->n_built_from == 1 ? "" : "s",
			tm->src == SRV_TM_BUILT_STORED ? "stored for reuse"
						       : "not stored",
			tm->key, tm->track.length_m, tm->track.n);
	return 0;
}

static int to_grid(const char *cmd, struct cli_lap *a,
		   const struct ana_track *t)
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
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reference lap: an id, or the fastest valid lap of the session (of
 * the same car for "best"). */

static int resolve_ref(const char *cmd, struct store *st, const char *spec,
		       const struct cli_lap *lap, int64_t *out)
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
	int64_t id = 0;
	struct tb_error err;
	tb_error_clear(&err);
	if (store_session_best(st, lap->row.session_id,
			       best ? lap->row.car_index : -1, &id, NULL,
			       &err) != TB_OK)
		return cli_fail(cmd, &err);
	if (id == 0) {
		fprintf(stderr,
			"trailbrake %s: no valid timed lap in session "
			"%" PRId64 "%s to compare with\n",
			cmd, lap->row.session_id, best ? " for this car" : "");
		return 1;
	}
	*out = id;
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
static int analyze_table(const char *cmd, struct cli_lap *lap,
			 struct cli_lap *ref, const struct ana_corners *cs)
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
	struct cli_lap lap, ref;
	int rc = load(cmd, st, lap_id, &lap);
	memset(&ref, 0, sizeof(ref));
	tb_lap_init(&ref.lap);
	int64_t ref_id = 0;
	if (rc == 0)
		rc = resolve_ref(cmd, st, ref_spec, &lap, &ref_id);
	if (rc == 0)
		rc = load(cmd, st, ref_id, &ref);
	struct srv_tm tm;
	memset(&tm, 0, sizeof(tm));
	if (rc == 0) {
		struct cli_lap *rl[] = {&ref};
		rc = get_track(cmd, st, rl, 1, &tm, stdout);
	}
	const struct ana_track *track = tm.has_track ? &tm.track : NULL;
	if (rc == 0)
		rc = to_grid(cmd, &lap, track);
	if (rc == 0)
		rc = to_grid(cmd, &ref, track);
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
		if (!track)
			printf("track model: none\n");
		struct tb_error err;
		tb_error_clear(&err);
		/* The session's corners (the same numbers the coach and the
		 * API show); the reference's own only if it has none. */
		const struct ana_grid *refs[] = {&ref.grid};
		if (!tm.has_corners &&
		    ana_corners_find(track, refs, 1, &tm.corners, &err) !=
			TB_OK)
			rc = cli_fail(cmd, &err);
		else
			rc = analyze_table(cmd, &lap, &ref, &tm.corners);
	}
	srv_tm_release(&tm);
	cli_lap_release(&lap);
	cli_lap_release(&ref);
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

static int write_csv(const char *path, struct cli_lap *const *l, size_t n,
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
	struct cli_lap laps[COMPARE_MAX];
	struct cli_lap *lp[COMPARE_MAX] = {0};
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
	struct srv_tm tm;
	memset(&tm, 0, sizeof(tm));
	if (rc == 0)
		rc = get_track("compare", st, lp, n, &tm, stderr);
	for (size_t k = 0; k < n && rc == 0; k++)
		rc = to_grid("compare", &laps[k],
			     tm.has_track ? &tm.track : NULL);
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
	srv_tm_release(&tm);
	for (size_t k = 0; k < loaded; k++) {
		cli_lap_release(&laps[k]);
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

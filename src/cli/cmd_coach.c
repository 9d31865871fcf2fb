/* cmd_coach.c - `trailbrake coach LAP | --session ID`: a stored lap (or
 * every clean lap of a session) against a reference (the driver's best,
 * the session's best or a lap id, e.g. a tagged pro lap), rated 0..100
 * per skill area, with up to three pieces of advice ranked by the time
 * they are worth; --explain shows the metrics and model outputs behind
 * each, --json prints the result as JSON. A session also gets the
 * mistakes that recur across its laps. */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../coach/coach.h"
#include "../sim/sim.h"
#include "../server/trackmodel.h"
#include "../store/store.h"

#define COACH_STEP_M	 1.0
#define SESSION_LAPS_MAX 256

/* Load a lap and put it on its distance grid (on the session's track
 * model when given, else the lap's own distance channel or integrated
 * speed). 0 or an exit code, message printed. */
static int load_on(struct store *st, int64_t id, const struct ana_track *t,
		   struct cli_lap *a)
{
	struct tb_error err;
	tb_error_clear(&err);
	memset(a, 0, sizeof(*a));
	a->id = id;
	tb_lap_init(&a->lap);
	if (store_lap_get(st, id, &a->lap, &a->row, &err) != TB_OK)
		return cli_fail("coach", &err);
	if (ana_grid_from_lap(&a->lap, t, COACH_STEP_M, &a->grid, &err) !=
	    TB_OK) {
		fprintf(stderr,
			"trailbrake coach: lap %" PRId64 ": no usable "
			"channels: %s\n",
			id, err.msg);
		return 65;
	}
	a->has_grid = true;
	return 0;
}

static int load(struct store *st, int64_t id, struct cli_lap *a)
{
	return load_on(st, id, NULL, a);
}

struct best_ctx {
	int64_t id;
	int32_t ms;
	int car; /* -1: any */
	int64_t ids[SESSION_LAPS_MAX];
	uint8_t cars[SESSION_LAPS_MAX];
	size_t n_ids;
};

static int pick(void *ctx, const struct store_lap_row *r)
{
	struct best_ctx *b = ctx;
	if (r->flags != 0 || r->lap_time_ms <= 0)
		return 0;
	if (b->n_ids < SESSION_LAPS_MAX) {
		b->cars[b->n_ids] = r->car_index;
		b->ids[b->n_ids++] = r->id;
	}
	if (b->car >= 0 && r->car_index != b->car)
		return 0;
	if (b->id == 0 || r->lap_time_ms < b->ms) {
		b->id = r->id;
		b->ms = r->lap_time_ms;
	}
	return 0;
}

/* "best" (this car's), "session-best" or a lap id. */
static int resolve_ref(struct store *st, const char *spec, int64_t session,
		       int car, int64_t *out)
{
	bool best = !strcmp(spec, "best"),
	     sbest = !strcmp(spec, "session-best");
	if (!best && !sbest) {
		long v;
		if (!cli_parse_long("coach", "--ref", spec, 1, INT64_MAX, &v))
			return 2;
		*out = v;
		return 0;
	}
	int64_t id = 0;
	struct tb_error err;
	tb_error_clear(&err);
	if (store_session_best(st, session, best ? car : -1, &id, NULL, &err) !=
	    TB_OK)
		return cli_fail("coach", &err);
	if (id == 0) {
		fprintf(stderr,
			"trailbrake coach: no clean timed lap in session "
			"%" PRId64 " to compare with\n",
			session);
		return 1;
	}
	*out = id;
	return 0;
}

static void coach_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: trailbrake coach LAP [--ref best|session-best|ID|limit] "
	    "[--class C]\n"
	    "         [--explain] [--json]\n"
	    "       trailbrake coach --session ID [--ref ...] [--json]\n"
	    "         [--save] [--model FILE] [--db URL]\n"
	    "       trailbrake coach LAP --cross LAP2 [--class C] [--class2 "
	    "C2]\n"
	    "       trailbrake coach --history DRIVER\n"
	    "  Rates the lap 0..100 (braking, entry, mid-corner, exit, "
	    "consistency,\n"
	    "  overall) against the reference and gives up to three "
	    "pieces of advice\n"
	    "  ranked by the time they are worth. --ref best: the "
	    "driver's own best\n"
	    "  clean lap (default), session-best, or any lap id (a pro "
	    "lap), or limit:\n"
	    "  the physics limit lap of the car class (the session's, or "
	    "--class\n"
	    "  F1|LMH|GT3|Rally) on the lap's own path, so that laps of "
	    "different\n"
	    "  classes compare by the share of their grip they use.\n"
	    "  --cross LAP2  both laps against their own class's limit "
	    "lap: technique\n"
	    "             shares side by side, the lap-time difference split "
	    "into the\n"
	    "             car's and the drivers' parts (--class / --class2 "
	    "override\n"
	    "             the sessions' classes)\n"
	    "  --explain  the metrics and model outputs behind each "
	    "piece of advice\n"
	    "  --save     store the ratings with the session (skill "
	    "tracking);\n"
	    "             --history DRIVER lists them, oldest first\n"
	    "  --model    model file (default $TRAILBRAKE_MODEL, else "
	    "the one built\n"
	    "             into trailbrake from models/coach.tbm; "
	    "rebuild with\n"
	    "             `trailbrake train`)\n");
}

struct copt {
	const char *db, *ref, *model, *history, *cls, *cls2;
	long cross;
	bool explain, json, save;
	long session;
	struct srv_tm_cache *tm; /* the sessions' track models and corners */
};

_Static_assert(COACH_R__COUNT == STORE_RATINGS,
	       "the store keeps one column per coach rating");

static int save_ratings(struct store *st, const struct cli_lap *lap,
			int64_t ref_id, const struct coach_lap_result *r)
{
	struct store_rating_row row;
	memset(&row, 0, sizeof(row));
	row.lap_id = lap->id;
	row.session_id = lap->row.session_id;
	row.ref_lap_id = ref_id;
	snprintf(row.driver, sizeof(row.driver), "%s", lap->row.driver);
	row.lap_s = r->lap_s;
	row.delta_s = r->delta_s;
	for (int k = 0; k < COACH_R__COUNT; k++)
		row.rating[k] = r->rating[k];
	struct tb_error err;
	tb_error_clear(&err);
	if (store_rating_put(st, &row, &err) != TB_OK)
		return cli_fail("coach", &err);
	return 0;
}

static void put_rating(double v)
{
	if (isfinite(v))
		printf(" %5.0f", v);
	else
		printf(" %5s", "-");
}

static int print_history_row(void *ctx, const struct store_rating_row *r)
{
	size_t *n = ctx;
	if ((*n)++ == 0)
		printf("%-8s %-8s %-8s %-10s %9s %8s  braking entry   mid  "
		       "exit consistency overall\n",
		       "session", "lap", "ref", "driver", "lap s", "delta s");
	printf("%-8" PRId64 " %-8" PRId64 " %-8" PRId64 " %-10s %9.3f "
	       "%+8.3f ",
	       r->session_id, r->lap_id, r->ref_lap_id, r->driver, r->lap_s,
	       r->delta_s);
	for (int k = 0; k < STORE_RATINGS; k++)
		put_rating(r->rating[k]);
	printf("\n");
	return 0;
}

/* `coach --history DRIVER`: the stored ratings, oldest first. */
static int history(struct store *st, const char *driver)
{
	size_t n = 0;
	struct tb_error err;
	tb_error_clear(&err);
	if (store_ratings_list(st, driver, print_history_row, &n, &err) !=
	    TB_OK)
		return cli_fail("coach", &err);
	if (n == 0)
		printf("no ratings stored for %s (coach a lap with --save)\n",
		       driver);
	return 0;
}

static void print_result(const struct cli_lap *lap, const struct cli_lap *ref,
			 const struct coach_lap_result *r, bool explain)
{
	printf("lap %" PRId64 " (%s, %.3f s) vs reference %" PRId64
	       " (%s, %.3f s): %+.3f s\nratings:",
	       lap->id, lap->row.driver, r->lap_s, ref->id, ref->row.driver,
	       r->ref_s, r->delta_s);
	for (int k = 0; k < COACH_R__COUNT; k++) {
		if (isfinite(r->rating[k]))
			printf(" %s %.0f", coach_rating_name(k), r->rating[k]);
		else
			printf(" %s -", coach_rating_name(k));
	}
	printf("\ngrip used (of the reference's): braking %.0f %%, cornering "
	       "%.0f %%, combined %.0f %%\n",
	       100 * r->grip_share[0], 100 * r->grip_share[1],
	       100 * r->grip_share[2]);
	if (r->n_advice == 0)
		printf("no advice: no corner loses %.2f s or more\n", 0.02);
	for (size_t i = 0; i < r->n_advice; i++) {
		printf("%zu. %s\n", i + 1, r->adv[i].text);
		if (explain)
			printf("   why: %s\n", r->adv[i].explain);
	}
}

/* The class's physics limit lap on the lap's own path as the
 * reference: the class from --class, else the session's. */
static int limit_ref(struct store *st, const char *cls_name,
		     const struct cli_lap *lap, struct cli_lap *ref,
		     enum tb_car_class *cls_out)
{
	struct tb_error err;
	tb_error_clear(&err);
	enum tb_car_class cls = TB_CLASS_OTHER;
	struct store_session_row srow;
	if (cls_name) {
		if (sim_class_by_name(cls_name, &cls) != TB_OK) {
			fprintf(stderr,
				"trailbrake coach: class %s: F1, LMH, GT3 "
				"or Rally\n",
				cls_name);
			return 2;
		}
	} else if (store_session_get(st, lap->row.session_id, &srow, NULL) ==
		   TB_OK) {
		cls = srow.info.car_class;
	}
	if (cls == TB_CLASS_OTHER) {
		fprintf(stderr, "trailbrake coach: --ref limit: the session "
				"names no car class; give --class\n");
		return 2;
	}
	double limit_s = NAN;
	if (coach_limit_grid(&lap->lap, cls, &ref->grid, &limit_s, &err) !=
	    TB_OK) {
		fprintf(stderr, "trailbrake coach: lap %" PRId64 ": %s\n",
			lap->id, err.msg);
		return 65;
	}
	ref->has_grid = true;
	snprintf(ref->row.driver, sizeof(ref->row.driver), "%s limit",
		 tb_car_class_name(cls));
	if (cls_out)
		*cls_out = cls;
	return 0;
}

/* `coach LAP --cross LAP2`: each lap against its class's limit lap,
 * the technique shares side by side, the car/driver split. */
static int coach_cross(struct store *st, const struct coach_model *m,
		       const struct copt *o, int64_t id_a, int64_t id_b)
{
	struct cli_lap l[2], lim[2];
	enum tb_car_class cls[2] = {TB_CLASS_OTHER, TB_CLASS_OTHER};
	const char *names[2] = {o->cls, o->cls2};
	int64_t ids[2] = {id_a, id_b};
	struct coach_lap_result *r = calloc(2, sizeof(*r));
	int rc = r ? 0 : 70;
	memset(l, 0, sizeof(l));
	memset(lim, 0, sizeof(lim));
	for (int i = 0; i < 2; i++) {
		tb_lap_init(&l[i].lap);
		tb_lap_init(&lim[i].lap);
	}
	struct tb_error err;
	tb_error_clear(&err);
	for (int i = 0; i < 2 && rc == 0; i++) {
		rc = load(st, ids[i], &l[i]);
		if (rc == 0)
			rc = limit_ref(st, names[i], &l[i], &lim[i], &cls[i]);
		const struct ana_grid *refs[] = {&lim[i].grid};
		struct ana_corners cs;
		if (rc == 0 &&
		    (ana_corners_find(NULL, refs, 1, &cs, &err) != TB_OK ||
		     coach_lap(m, &l[i].grid, &lim[i].grid, &cs, 0, NAN, &r[i],
			       &err) != TB_OK)) {
			fprintf(stderr,
				"trailbrake coach: lap %" PRId64 ": %s\n",
				ids[i], err.msg);
			rc = 65;
		}
	}
	if (rc == 0) {
		struct tb_buf b;
		tb_buf_init(&b, 1 << 16);
		if (coach_cross_text(&r[0], cls[0], &r[1], cls[1], &b, &err) !=
		    TB_OK)
			rc = cli_fail("coach", &err);
		else
			printf("lap %" PRId64 " (%s) and lap %" PRId64
			       " (%s)\n%.*s",
			       ids[0], l[0].row.driver, ids[1], l[1].row.driver,
			       (int)b.len, (const char *)b.data);
		tb_buf_release(&b);
	}
	for (int i = 0; i < 2; i++) {
		cli_lap_release(&l[i]);
		cli_lap_release(&lim[i]);
	}
	free(r);
	return rc;
}

/* The lap and its reference (ref_spec: best, session-best or an id;
 * NULL: *ref_id as given) on the lap's session's track model, with the
 * session's corners (without them, the reference's): the corners and
 * numbers `analyze` and the API show. 0 or an exit code, message
 * printed; tm is filled (release it) either way. */
static int load_pair(struct store *st, struct srv_tm_cache *c, int64_t lap_id,
		     const char *ref_spec, int64_t *ref_id, struct cli_lap *lap,
		     struct cli_lap *ref, struct srv_tm *tm)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct store_lap_row row;
	int rc = 0;
	if (store_lap_row_get(st, lap_id, &row, &err) == TB_OK &&
	    srv_tm_cache_get(c, st, row.session_id, true, tm, &err) != TB_OK)
		rc = cli_fail("coach", &err);
	const struct ana_track *track = tm->has_track ? &tm->track : NULL;
	if (rc == 0)
		rc = load_on(st, lap_id, track, lap);
	if (rc == 0 && ref_spec)
		rc = resolve_ref(st, ref_spec, lap->row.session_id,
				 lap->row.car_index, ref_id);
	if (rc == 0)
		rc = load_on(st, *ref_id, track, ref);
	const struct ana_grid *refs[] = {&ref->grid};
	if (rc == 0 && !tm->has_corners &&
	    ana_corners_find(NULL, refs, 1, &tm->corners, &err) != TB_OK) {
		fprintf(stderr, "trailbrake coach: lap %" PRId64 ": %s\n",
			lap_id, err.msg);
		rc = 65;
	}
	return rc;
}

int cli_coach_corners(struct store *st, struct srv_tm_cache *c, int64_t lap_id,
		      int64_t ref_id, struct coach_corner *out, size_t *n_out)
{
	struct cli_lap lap, ref;
	memset(&lap, 0, sizeof(lap));
	memset(&ref, 0, sizeof(ref));
	tb_lap_init(&lap.lap);
	tb_lap_init(&ref.lap);
	struct srv_tm tm;
	memset(&tm, 0, sizeof(tm));
	struct tb_error err;
	tb_error_clear(&err);
	*n_out = 0;
	int rc = load_pair(st, c, lap_id, NULL, &ref_id, &lap, &ref, &tm);
	if (rc == 0 && coach_lap_features(&lap.grid, &ref.grid, &tm.corners,
					  out, n_out, &err) != TB_OK) {
		fprintf(stderr, "trailbrake coach: lap %" PRId64 ": %s\n",
			lap_id, err.msg);
		rc = 65;
	}
	srv_tm_release(&tm);
	cli_lap_release(&lap);
	cli_lap_release(&ref);
	return rc;
}

static int coach_one(struct store *st, const struct coach_model *m,
		     const struct copt *o, int64_t lap_id, double sd_s,
		     struct coach_lap_result *res, bool print)
{
	struct cli_lap lap, ref;
	memset(&lap, 0, sizeof(lap));
	memset(&ref, 0, sizeof(ref));
	tb_lap_init(&lap.lap);
	tb_lap_init(&ref.lap);
	int64_t ref_id = 0;
	bool limit = !strcmp(o->ref, "limit");
	struct tb_error err;
	tb_error_clear(&err);
	/* Against a recorded reference, the session's track model and
	 * corners: the corner numbers `analyze` and the API show. */
	struct srv_tm tm;
	memset(&tm, 0, sizeof(tm));
	int rc = 0;
	if (limit) {
		rc = load_on(st, lap_id, NULL, &lap);
		if (rc == 0)
			rc = limit_ref(st, o->cls, &lap, &ref, NULL);
		const struct ana_grid *refs[] = {&ref.grid};
		if (rc == 0 && ana_corners_find(NULL, refs, 1, &tm.corners,
						&err) != TB_OK) {
			fprintf(stderr,
				"trailbrake coach: lap %" PRId64 ": %s\n",
				lap_id, err.msg);
			rc = 65;
		}
	} else {
		rc = load_pair(st, o->tm, lap_id, o->ref, &ref_id, &lap, &ref,
			       &tm);
	}
	if (rc == 0 && coach_lap(m, &lap.grid, &ref.grid, &tm.corners, NAN,
				 sd_s, res, &err) != TB_OK) {
		fprintf(stderr, "trailbrake coach: lap %" PRId64 ": %s\n",
			lap_id, err.msg);
		rc = 65;
	}
	srv_tm_release(&tm);
	bool traffic = (lap.row.flags & TB_LAP_TRAFFIC) != 0;
	if (rc == 0 && print && o->json) {
		struct tb_buf b;
		tb_buf_init(&b, 1 << 20);
		if (coach_lap_json(res, o->explain, &b, &err) != TB_OK)
			rc = cli_fail("coach", &err);
		else /* the result's object with the lap's warnings first */
			printf("{\"warnings\":[%s],%.*s\n",
			       traffic ? "\"traffic\"" : "", (int)b.len - 1,
			       (const char *)b.data + 1);
		tb_buf_release(&b);
	} else if (rc == 0 && print) {
		print_result(&lap, &ref, res, o->explain);
		if (traffic)
			printf("note: lap %" PRId64 " had traffic (another car "
			       "close ahead for part of it): some of its loss "
			       "may not be the driver's; it is left out of "
			       "references and session advice\n",
			       lap.id);
	}
	if (rc == 0 && o->save)
		rc = save_ratings(st, &lap, ref_id, res);
	cli_lap_release(&lap);
	cli_lap_release(&ref);
	return rc;
}

/* Per car of the session: the mean over corners of the standard
 * deviation of the corner's loss against the reference over the car's
 * clean laps (= of its segment time), NAN with fewer than two laps.
 * ANA_CARS_MAX values, malloc'd; NULL when out of memory. */
static double *consistency(struct store *st, const struct coach_model *m,
			   const struct copt *o, const struct best_ctx *b,
			   struct coach_lap_result *r)
{
	double *sd = malloc(ANA_CARS_MAX * sizeof(double));
	double(*acc)[ANA_CORNERS_MAX][3] =
	    calloc(ANA_CARS_MAX, sizeof(*acc)); /* n, sum, sum of squares */
	if (!sd || !acc) {
		free(sd);
		free(acc);
		return NULL;
	}
	for (size_t i = 0; i < b->n_ids; i++) {
		if (coach_one(st, m, o, b->ids[i], NAN, r, false) != 0)
			continue;
		for (size_t k = 0; k < r->n; k++) {
			double v = r->c[k].loss_s;
			if (!isfinite(v))
				continue;
			acc[b->cars[i]][k][0] += 1;
			acc[b->cars[i]][k][1] += v;
			acc[b->cars[i]][k][2] += v * v;
		}
	}
	for (size_t c = 0; c < ANA_CARS_MAX; c++) {
		double sum = 0;
		size_t n = 0;
		for (size_t k = 0; k < ANA_CORNERS_MAX; k++) {
			double nk = acc[c][k][0];
			if (nk < 2)
				continue;
			double mean = acc[c][k][1] / nk;
			double var = acc[c][k][2] / nk - mean * mean;
			sum += sqrt(var > 0 ? var * nk / (nk - 1) : 0);
			n++;
		}
		sd[c] = n ? sum / (double)n : NAN;
	}
	free(acc);
	return sd;
}

/* Every clean lap of the session against the reference, the mistakes
 * that recur (detected on at least two laps at the same corner). */
static int coach_session(struct store *st, const struct coach_model *m,
			 const struct copt *o)
{
	struct best_ctx *b = calloc(1, sizeof(*b));
	struct coach_lap_result *r = malloc(sizeof(*r));
	int rc = 0;
	if (!b || !r) {
		free(b);
		free(r);
		return 70;
	}
	b->car = -1;
	struct tb_error err;
	tb_error_clear(&err);
	if (store_laps_list(st, o->session, pick, b, &err) != TB_OK)
		rc = cli_fail("coach", &err);
	else if (b->n_ids == 0) {
		fprintf(stderr,
			"trailbrake coach: session %ld has no clean timed lap "
			"(laps with traffic, pits or off-tracks are left "
			"out)\n",
			o->session);
		rc = 1;
	}
	int count[ANA_CORNERS_MAX + 1][COACH_MK__COUNT];
	memset(count, 0, sizeof(count));
	size_t done = 0;
	double *sd = rc == 0 ? consistency(st, m, o, b, r) : NULL;
	if (rc == 0 && !sd)
		rc = 70;
	for (size_t i = 0; i < b->n_ids && rc == 0; i++) {
		if (!o->json)
			printf("%s", i ? "\n" : "");
		if (coach_one(st, m, o, b->ids[i], sd[b->cars[i]], r, true) !=
		    0)
			continue; /* said why; the other laps still count */
		done++;
		for (size_t k = 0; k < r->n_advice; k++)
			if (r->adv[k].mistake < COACH_MK__COUNT &&
			    r->adv[k].corner > 0 &&
			    r->adv[k].corner <= ANA_CORNERS_MAX)
				count[r->adv[k].corner][r->adv[k].mistake]++;
	}
	if (rc == 0 && !o->json) {
		printf("\n%zu of %zu clean laps coached\n", done, b->n_ids);
		for (int c = 1; c <= ANA_CORNERS_MAX; c++)
			for (int k = 0; k < COACH_MK__COUNT; k++)
				if (count[c][k] >= 2)
					printf("recurring: turn %d %s on %d "
					       "laps\n",
					       c, coach_mistake_name(k),
					       count[c][k]);
	}
	free(sd);
	free(b);
	free(r);
	return rc;
}

static int parse(int argc, char **argv, struct copt *o, long *lap_id)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"ref", required_argument, NULL, 'r'},
	    {"model", required_argument, NULL, 'm'},
	    {"session", required_argument, NULL, 's'},
	    {"explain", no_argument, NULL, 'e'},
	    {"json", no_argument, NULL, 'j'},
	    {"save", no_argument, NULL, 'S'},
	    {"history", required_argument, NULL, 'H'},
	    {"class", required_argument, NULL, 'c'},
	    {"class2", required_argument, NULL, 'C'},
	    {"cross", required_argument, NULL, 'x'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->db = optarg;
			break;
		case 'r':
			o->ref = optarg;
			break;
		case 'm':
			o->model = optarg;
			break;
		case 's':
			if (!cli_parse_long("coach", "--session", optarg, 1,
					    INT64_MAX, &o->session))
				return 2;
			break;
		case 'e':
			o->explain = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'S':
			o->save = true;
			break;
		case 'H':
			o->history = optarg;
			break;
		case 'c':
			o->cls = optarg;
			break;
		case 'C':
			o->cls2 = optarg;
			break;
		case 'x':
			if (!cli_parse_long("coach", "--cross", optarg, 1,
					    INT64_MAX, &o->cross))
				return 2;
			break;
		case 'h':
			coach_usage(stdout);
			return -1;
		default:
			coach_usage(stderr);
			return 2;
		}
	}
	if (o->history)
		return optind == argc ? 0 : (coach_usage(stderr), 2);
	if (o->session == 0 && optind + 1 != argc) {
		coach_usage(stderr);
		return 2;
	}
	if (o->session == 0 &&
	    !cli_parse_long("coach", "LAP", argv[optind], 1, INT64_MAX, lap_id))
		return 2;
	return 0;
}

int cli_coach(int argc, char **argv)
{
	struct copt o = {.db = cli_default_db(), .ref = "best", .model = NULL};
	long lap_id = 0;
	int rc = parse(argc, argv, &o, &lap_id);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	struct tb_error err;
	tb_error_clear(&err);
	struct coach_model *m = NULL;
	if (o.history) {
		struct store *hs = NULL;
		if (store_open(o.db, &hs, &err) != TB_OK)
			return cli_fail("coach", &err);
		rc = history(hs, o.history);
		store_close(hs);
		return rc;
	}
	if (coach_model_open(o.model, &m, &err) != TB_OK)
		return cli_fail("coach", &err);
	struct store *st = NULL;
	if (store_open(o.db, &st, &err) != TB_OK) {
		coach_model_destroy(m);
		return cli_fail("coach", &err);
	}
	struct coach_lap_result *r = malloc(sizeof(*r));
	if (!r || srv_tm_cache_create(&o.tm, &err) != TB_OK)
		rc = 70;
	else if (o.cross)
		rc = coach_cross(st, m, &o, lap_id, o.cross);
	else if (o.session)
		rc = coach_session(st, m, &o);
	else
		rc = coach_one(st, m, &o, lap_id, NAN, r, true);
	free(r);
	srv_tm_cache_destroy(o.tm);
	store_close(st);
	coach_model_destroy(m);
	return rc;
}

/* cmd_train.c - `trailbrake train`: builds the coach's data set from
 * synthetic drivers of every class on the training circuits, trains the
 * models, evaluates them on held-out circuits and drivers (seeds and
 * tracks never used in training), writes the model file and the
 * evaluation report. Fixed seeds: the same options give byte-identical
 * model files. */
#include "cli.h"

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../coach/coach.h"
#include "../sim/sim.h"
#include "train_labels.h"

#define TRAIN_TRACKS_MAX 96
#define SHARP_SIGMA_M	 6.0 /* second smoothing of the training circuits */
#define TRAIN_SEED	 20260401ull
#define TEST_SEED	 99991ull

/* Circuits kept out of training: the held-out evaluation set. */
static const char *const held_out[] = {"club",	  "bh-2002", "it-1922",
				       "mc-1929", "be-1925", "hu-1986"};

static bool is_held_out(const char *id)
{
	for (size_t i = 0; i < sizeof(held_out) / sizeof(held_out[0]); i++)
		if (!strcmp(id, held_out[i]))
			return true;
	return false;
}

struct tracks {
	struct ana_track t[TRAIN_TRACKS_MAX];
	char name[TRAIN_TRACKS_MAX][32];
	size_t n;
};

static void tracks_release(struct tracks *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		ana_track_release(&ts->t[i]);
	ts->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load one circuit (built-in name or DIR/id.csv) into ts. */
static bool add_track(struct tracks *ts, const char *dir, const char *id,
		      double sigma_m)
{
	struct tb_error err;
	tb_error_clear(&err);
	if (ts->n >= TRAIN_TRACKS_MAX)
		return false;
	struct ana_track *t = &ts->t[ts->n];
	enum tb_status st;
	if (sim_track_builtin(id, t, NULL) == TB_OK) {
		st = TB_OK;
	} else {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s.csv", dir ? dir : ".", id);
		struct sim_smooth sm = sim_smooth_default();
		if (sigma_m > 0)
			sm.sigma_m = sigma_m;
		st = sim_track_load_csv(path, &sm, t, &err);
	}
	if (st != TB_OK) {
		fprintf(stderr, "trailbrake train: track %s: %s\n", id,
			err.msg);
		return false;
	}
	snprintf(ts->name[ts->n], sizeof(ts->name[0]), "%s", id);
	(void)sigma_m;
	ts->n++;
	return true;
}

/* The circuits of dir (sorted, so the data set does not depend on the
 * directory order), split into training and held-out sets; the
 * built-in oval trains and club is held out in any case. max_tracks
 * caps the training set (0 = all). */
static int load_tracks(const char *dir, size_t max_tracks, struct tracks *train,
		       struct tracks *test)
{
	char *ids[TRAIN_TRACKS_MAX];
	size_t n = 0;
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL && n < TRAIN_TRACKS_MAX) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".csv"))
			continue;
		ids[n] = strdup(e->d_name);
		if (ids[n])
			ids[n++][len - 4] = '\0';
	}
	if (d)
		closedir(d);
	else
		fprintf(stderr,
			"trailbrake train: no circuit directory (%s):"
			" built-in circuits only\n",
			dir ? dir : "TRAILBRAKE_DATA unset");
	qsort(ids, n, sizeof(ids[0]), cmp_str);
	add_track(train, NULL, "oval", 0);
	add_track(test, NULL, "club", 0);
	for (size_t i = 0; i < n; i++) {
		if (is_held_out(ids[i]))
			add_track(test, dir, ids[i], 0);
		else if (!max_tracks || train->n < max_tracks)
			add_track(train, dir, ids[i], 0);
		free(ids[i]);
	}
	/* the same circuits smoothed less: tighter corners, as a recorded
	 * path or the built-in circuits have them */
	for (size_t i = 1, n0 = train->n; i < n0; i++) {
		char id[40];
		snprintf(id, sizeof(id), "%s", train->name[i]);
		add_track(train, dir, id, SHARP_SIGMA_M);
	}
	return 0;
}

static void progress(void *ctx, size_t done, size_t total)
{
	const char *what = ctx;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r%s: %zu/%zu track x class", what, done,
			total);
	if (done == total && isatty(STDERR_FILENO))
		fprintf(stderr, "\n");
}

static void train_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake train [--tracks DIR] [--drivers N] "
		"[--max-tracks N]\n"
		"         [--rounds N] [--out FILE] [--report FILE]\n"
		"         [--labels FILE --db URL]\n"
		"  Trains the coach's models on synthetic drivers of every "
		"class and writes\n"
		"  the model file (default models/coach.tbm) and the "
		"evaluation report\n"
		"  (default models/coach-report.txt).\n"
		"  DIR: circuit files (default $TRAILBRAKE_DATA/tracks/"
		"bacinger-f1-circuits/\n"
		"       csv_local_m); club, bh-2002, it-1922, mc-1929, "
		"be-1925, hu-1986 are\n"
		"       held out for the evaluation\n"
		"  --drivers N     drivers per circuit, smoothing and class "
		"(default 16)\n"
		"  --max-tracks N  training circuits at most (default all)\n"
		"  --rounds N      boosting rounds per classifier (default "
		"200; the\n"
		"                  regressor takes half as many)\n"
		"  --labels FILE   labelled corners of stored real laps "
		"(CSV: lap,ref,corner,\n"
		"                  mistake,cost_s; docs/COACH.md) added to "
		"the data set, split\n"
		"                  by driver; needs --db URL, the store "
		"holding the laps\n");
}

struct train_opt {
	const char *dir, *out, *report, *labels, *db;
	long drivers, max_tracks, rounds;
};

static int write_report(const char *path, const struct tb_buf *b)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len) {
		if (f)
			fclose(f);
		fprintf(stderr, "trailbrake train: cannot write %s\n", path);
		return 73;
	}
	return fclose(f) == 0 ? 0 : 74;
}

static int train_run(const struct train_opt *o, const struct tracks *tr,
		     const struct tracks *te, const struct train_labels *lb)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct coach_dataset dtr, dte;
	coach_dataset_init(&dtr);
	coach_dataset_init(&dte);
	struct coach_model *m = NULL;
	struct tb_buf rep;
	tb_buf_init(&rep, 1 << 20);
	int rc = 0;
	uint64_t t0 = tb_now_ns();
	struct coach_synth s = {.tracks = tr->t,
				.n_tracks = tr->n,
				.drivers_per_track = (size_t)o->drivers,
				.seed = TRAIN_SEED,
				.progress = progress,
				.progress_ctx = (void *)"training data"};
	struct coach_synth h = s;
	h.tracks = te->t;
	h.n_tracks = te->n;
	h.seed = TEST_SEED;
	h.track_base = 1000;
	h.driver_base = 1000000;
	h.progress_ctx = (void *)"held-out data";
	struct coach_train_opt to;
	coach_train_opt_default(&to);
	to.rounds = (int)o->rounds;
	to.reg_rounds = to.rounds / 2 > 0 ? to.rounds / 2 : 1;
	if (coach_synth_build(&s, &dtr, &err) != TB_OK ||
	    coach_synth_build(&h, &dte, &err) != TB_OK) {
		rc = cli_fail("train", &err);
		goto out;
	}
	size_t n_synth = dtr.n;
	for (size_t i = 0; lb && i < lb->train.n; i++)
		if (coach_dataset_add(&dtr, &lb->train.rows[i], &err) !=
		    TB_OK) {
			rc = cli_fail("train", &err);
			goto out;
		}
	uint64_t t1 = tb_now_ns();
	fprintf(stderr, "training %zu models on %zu corners...\n",
		(size_t)COACH_N_BOOSTERS, dtr.n);
	if (coach_train(&dtr, &to, &m, &err) != TB_OK) {
		rc = cli_fail("train", &err);
		goto out;
	}
	uint64_t t2 = tb_now_ns();
	struct coach_eval ev;
	if (coach_evaluate(m, &dte, &ev, &err) != TB_OK ||
	    coach_model_save(m, o->out, &err) != TB_OK) {
		rc = cli_fail("train", &err);
		goto out;
	}
	if (tb_buf_printf(&rep,
			  "trailbrake coach model: evaluation report\n"
			  "training: %zu circuit versions (each file smoothed "
			  "twice) x 4 classes x %ld drivers, "
			  "%zu corners (seed %llu)\n"
			  "held-out: %zu circuits never seen in training,"
			  " other drivers (seed %llu)\n"
			  "time: data %.1f s, training %.1f s (classifiers "
			  "%d rounds depth %d, regressor %d rounds depth %d, "
			  "%d threads)\n\n",
			  tr->n, o->drivers, n_synth,
			  (unsigned long long)TRAIN_SEED, te->n,
			  (unsigned long long)TEST_SEED, (t1 - t0) / 1e9,
			  (t2 - t1) / 1e9, to.rounds, to.depth, to.reg_rounds,
			  to.reg_depth, to.nthread) != TB_OK ||
	    coach_eval_report(&ev, &rep, &err) != TB_OK) {
		rc = cli_fail("train", &err);
		goto out;
	}
	if (lb && (rc = train_labels_report(lb, m, &rep)) != 0)
		goto out;
	fwrite(rep.data, 1, rep.len, stdout);
	rc = write_report(o->report, &rep);
	if (rc == 0)
		printf("\nmodel: %s\nreport: %s\n", o->out, o->report);
out:
	tb_buf_release(&rep);
	coach_model_destroy(m);
	coach_dataset_release(&dtr);
	coach_dataset_release(&dte);
	return rc;
}

int cli_train(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"tracks", required_argument, NULL, 't'},
	    {"drivers", required_argument, NULL, 'd'},
	    {"max-tracks", required_argument, NULL, 'm'},
	    {"rounds", required_argument, NULL, 'r'},
	    {"out", required_argument, NULL, 'o'},
	    {"report", required_argument, NULL, 'R'},
	    {"labels", required_argument, NULL, 'l'},
	    {"db", required_argument, NULL, 'D'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct train_opt o = {.out = "models/coach.tbm",
			      .report = "models/coach-report.txt",
			      .drivers = 16,
			      .rounds = 200};
	char dirbuf[1024];
	const char *data = getenv("TRAILBRAKE_DATA");
	if (data && *data) {
		snprintf(dirbuf, sizeof(dirbuf),
			 "%s/tracks/bacinger-f1-circuits/csv_local_m", data);
		o.dir = dirbuf;
	}
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			o.dir = optarg;
			break;
		case 'd':
			if (!cli_parse_long("train", "--drivers", optarg, 1,
					    10000, &o.drivers))
				return 2;
			break;
		case 'm':
			if (!cli_parse_long("train", "--max-tracks", optarg, 1,
					    TRAIN_TRACKS_MAX, &o.max_tracks))
				return 2;
			break;
		case 'r':
			if (!cli_parse_long("train", "--rounds", optarg, 1,
					    5000, &o.rounds))
				return 2;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'R':
			o.report = optarg;
			break;
		case 'l':
			o.labels = optarg;
			break;
		case 'D':
			o.db = optarg;
			break;
		case 'h':
			train_usage(stdout);
			return 0;
		default:
			train_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		train_usage(stderr);
		return 2;
	}
	if (o.labels && !o.db) {
		fprintf(stderr,
			"trailbrake train: --labels %s needs --db URL (the "
			"store holding its laps)\n",
			o.labels);
		return 2;
	}
	if (o.db && !o.labels) {
		fprintf(stderr,
			"trailbrake train: --db %s without --labels "
			"FILE: nothing to read from it\n",
			o.db);
		return 2;
	}
	/* the labels first: a bad file stops before anything is written */
	struct train_labels *lb = o.labels ? calloc(1, sizeof(*lb)) : NULL;
	if (o.labels && !lb)
		return 70;
	if (lb) {
		int lrc = train_labels_load(o.labels, o.db, lb);
		if (lrc != 0) {
			train_labels_release(lb);
			free(lb);
			return lrc;
		}
	}
	struct tracks *tr = calloc(1, sizeof(*tr));
	struct tracks *te = calloc(1, sizeof(*te));
	int rc = 70;
	if (tr && te) {
		load_tracks(o.dir, (size_t)o.max_tracks, tr, te);
		rc = train_run(&o, tr, te, lb);
		tracks_release(tr);
		tracks_release(te);
	}
	free(tr);
	free(te);
	if (lb)
		train_labels_release(lb);
	free(lb);
	return rc;
}

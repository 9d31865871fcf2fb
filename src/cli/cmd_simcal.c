/* cmd_simcal.c - `sim limit --line racing|centre --width M --car FILE`
 * (the limit lap on a racing line inside the track width, or of a car
 * read from a key=value file) and `sim calibrate --track T --from DIR`:
 * a car class fitted to the fastest real laps, written as such a
 * file. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../formats/formats.h"
#include "../sim/sim.h"

#define CAR_FILE_MAX  4096
#define CAL_LAPS_MAX  200 /* laps read from --from */
#define CAL_TRACK_LAP 5	  /* fastest laps building a track "laps" */

void cli_sim_limit_init(struct cli_sim_limit *l)
{
	memset(l, 0, sizeof(*l));
	l->width_m = SIM_WIDTH_DEFAULT_M;
}

bool cli_sim_limit_opt(struct cli_sim_limit *l, int c, const char *arg)
{
	if (c == 'L') {
		if (strcmp(arg, "racing") && strcmp(arg, "centre")) {
			fprintf(stderr,
				"trailbrake sim: --line: '%s' is "
				"not racing or centre\n",
				arg);
			return false;
		}
		l->racing = !strcmp(arg, "racing");
		return true;
	}
	if (c == 'W')
		return cli_parse_double("sim", "--width", arg, 3, 100,
					&l->width_m);
	l->car_file = arg;
	return true;
}

static int read_car(const char *path, struct sim_car *car)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "trailbrake sim: cannot read %s\n", path);
		return 66;
	}
	char *text = tb_malloc(CAR_FILE_MAX + 1);
	size_t n = text ? fread(text, 1, CAR_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (!text || n > CAR_FILE_MAX) {
		tb_free(text);
		fprintf(stderr, "trailbrake sim: %s: over %d bytes\n", path,
			CAR_FILE_MAX);
		return 65;
	}
	text[n] = '\0';
	struct tb_error err;
	tb_error_clear(&err);
	enum tb_status st = sim_car_parse(text, car, &err);
	tb_free(text);
	if (st != TB_OK) {
		fprintf(stderr, "trailbrake sim: %s: %s\n", path, err.msg);
		return 65;
	}
	return 0;
}

/* The car of cls, or the class the file names overlaid by the file. */
static int pick_car(const char *file, enum tb_car_class cls,
		    struct sim_car *car)
{
	struct tb_error err;
	tb_error_clear(&err);
	if (cls == TB_CLASS_OTHER)
		cls = TB_CLASS_F1;
	if (sim_car_class(cls, car, &err) != TB_OK)
		return cli_fail("sim", &err);
	return file ? read_car(file, car) : 0;
}

static void print_limit(FILE *info, const struct sim_car *car,
			const char *track, double length,
			const struct sim_result *r, const char *line)
{
	char lt[32];
	cli_fmt_ms((int32_t)(r->lap_time_s * 1000.0 + 0.5), lt, sizeof(lt));
	fprintf(info,
		"%s, %s (%.0f m, %s line): limit lap %s (%.3f s), top "
		"%.1f km/h, minimum %.1f km/h\n",
		car->name, track, length, line, lt, r->lap_time_s,
		r->v_top * TB_KMH_PER_MS, r->v_min * TB_KMH_PER_MS);
}

int cli_sim_limit_run(const struct cli_sim_limit *l, const struct ana_track *t,
		      enum tb_car_class cls, const char *track, const char *csv,
		      double rate)
{
	struct sim_car car;
	int rc = pick_car(l->car_file, cls, &car);
	if (rc)
		return rc;
	struct tb_error err;
	tb_error_clear(&err);
	struct sim_line line;
	memset(&line, 0, sizeof(line));
	struct sim_line_opt lo = sim_line_opt_default();
	lo.width_m = l->width_m;
	if (l->racing &&
	    sim_line_fastest(t, &lo, &car, &line, NULL, &err) != TB_OK)
		return cli_fail("sim", &err);
	const struct ana_track *run = l->racing ? &line.track : t;
	struct sim_result r;
	struct tb_lap lap;
	tb_lap_init(&lap);
	if (sim_solve(run, &car, &r, &err) != TB_OK) {
		sim_line_release(&line);
		return cli_fail("sim", &err);
	}
	FILE *info = csv && !strcmp(csv, "-") ? stderr : stdout;
	print_limit(info, &car, track, t->length_m, &r,
		    l->racing ? "racing" : "centre");
	if (l->racing)
		fprintf(info,
			"racing line: %.0f m long, width %.1f m, offsets "
			"within +-%.2f m of the centre line, length "
			"weight %g\n",
			line.track.length_m, l->width_m, line.half_m,
			line.length_weight);
	if (csv) {
		/* Channels on the line, lap distance mapped back to the
		 * centre line so they line up with other laps. */
		if (sim_result_to_lap(run, &car, &r, rate, &lap, &err) !=
			TB_OK ||
		    (l->racing &&
		     sim_line_lap_to_centre(&line, &lap, &err) != TB_OK))
			rc = cli_fail("sim", &err);
		else
			rc = cli_sim_write_lap(csv, t, &car, &lap, track);
	}
	tb_lap_release(&lap);
	sim_result_release(&r);
	sim_line_release(&line);
	return rc;
}

/* ------------------------------------------------------------------ */
/* sim calibrate */

struct lapset {
	struct tb_lap *laps;
	size_t n;
};

static enum tb_status keep_lap(void *ctx, const struct tb_session_info *si,
			       const struct tb_car_info *ci, struct tb_lap *lap,
			       const struct fmt_lap_meta *meta)
{
	(void)si;
	(void)ci;
	(void)meta;
	struct lapset *s = ctx;
	/* Timed laps from and to the track only. */
	if (lap->lap_time_ms <= 0 ||
	    (lap->flags & (TB_LAP_OUT | TB_LAP_IN | TB_LAP_INCOMPLETE)))
		return TB_OK;
	if (s->n >= CAL_LAPS_MAX)
		return TB_OK;
	tb_lap_init(&s->laps[s->n]);
	tb_lap_move(&s->laps[s->n], lap);
	s->n++;
	return TB_OK;
}

static int load_laps(const char *from, struct lapset *s)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct stat sb;
	const struct fmt_importer *imp = NULL;
	if (stat(from, &sb) == 0 && S_ISDIR(sb.st_mode))
		imp = &fmt_importer_f1_tracinginsights;
	else
		imp = fmt_detect(from, &err);
	if (!imp)
		return cli_fail("sim", &err);
	if (imp->import(from, keep_lap, s, NULL, &err) != TB_OK)
		return cli_fail("sim", &err);
	if (s->n == 0) {
		fprintf(stderr, "trailbrake sim: %s: no timed laps\n", from);
		return 65;
	}
	return 0;
}

static int cmp_lap(const void *a, const void *b)
{
	const struct tb_lap *x = *(const struct tb_lap *const *)a;
	const struct tb_lap *y = *(const struct tb_lap *const *)b;
	return (x->lap_time_ms > y->lap_time_ms) -
	       (x->lap_time_ms < y->lap_time_ms);
}

/* Track "laps": the median path of the fastest laps, every 10 m, as a
 * simulator track. */
static int track_of_laps(const struct tb_lap *const *laps, size_t n,
			 struct ana_track *t)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct ana_track model;
	size_t used = 0;
	if (ana_track_build(laps, n < CAL_TRACK_LAP ? n : CAL_TRACK_LAP, 1.0,
			    &model, &used, &err) != TB_OK)
		return cli_fail("sim", &err);
	enum tb_status st = sim_track_from_model(&model, 10.0, NULL, t, &err);
	ana_track_release(&model);
	return st == TB_OK ? 0 : cli_fail("sim", &err);
}

static int write_car(const char *out, const struct sim_car *car)
{
	char buf[CAR_FILE_MAX];
	struct tb_error err;
	tb_error_clear(&err);
	if (sim_car_format(car, buf, sizeof(buf), &err) != TB_OK)
		return cli_fail("sim", &err);
	FILE *f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, "trailbrake sim: cannot write %s\n", out);
		return 73;
	}
	bool ok = fputs(buf, f) >= 0;
	if (fclose(f) != 0 || !ok) {
		fprintf(stderr, "trailbrake sim: writing %s failed\n", out);
		return 74;
	}
	return 0;
}

static void print_report(const struct sim_car *car,
			 const struct sim_calib_report *rep,
			 const struct tb_lap *fast)
{
	printf("fastest real lap %.3f s (lap %u, %.0f m); fit on %zu "
	       "points, start at %.0f m of the track, %d solver runs\n",
	       rep->real_lap_s, fast->lap_number, rep->real_length_m,
	       rep->grid_n, rep->shift_m, rep->evals);
	printf("base car:       limit lap %.3f s (%+.2f %%), speed "
	       "correlation %.4f, RMS error %.2f km/h\n",
	       rep->base_lap_s, 100 * (rep->base_lap_s / rep->real_lap_s - 1),
	       rep->base_corr, rep->base_rmse_ms * TB_KMH_PER_MS);
	printf("calibrated car: limit lap %.3f s (%+.2f %%), speed "
	       "correlation %.4f, RMS error %.2f km/h\n",
	       rep->lap_s, 100 * (rep->lap_s / rep->real_lap_s - 1), rep->corr,
	       rep->rmse_ms * TB_KMH_PER_MS);
	printf("  mu %.3f  cla %.2f m2  cda %.3f m2  power %.0f kW  brake "
	       "cap %.1f kN\n",
	       car->mu, car->cla_m2, car->cda_m2, car->power_w / 1e3,
	       car->brake_max_n / 1e3);
	printf("g-g-v of the real lap (98th percentiles):\n");
	for (int b = 0; b < SIM_CALIB_BINS; b++) {
		if (rep->env[b].n == 0)
			continue;
		printf("  %3.0f-%3.0f km/h: n %3zu  accel %.2f g  brake %.2f "
		       "g  lateral %.2f g\n",
		       b * SIM_CALIB_BIN_MS * TB_KMH_PER_MS,
		       (b + 1) * SIM_CALIB_BIN_MS * TB_KMH_PER_MS,
		       rep->env[b].n, rep->env[b].accel_g, rep->env[b].brake_g,
		       rep->env[b].lat_g);
	}
}

struct cal_args {
	const char *track, *dir, *from, *out;
	enum tb_car_class cls;
};

static int parse_cal(int argc, char **argv, struct cal_args *a)
{
	static const struct option opts[] = {
	    {"track", required_argument, NULL, 't'},
	    {"tracks", required_argument, NULL, 'T'},
	    {"from", required_argument, NULL, 'f'},
	    {"class", required_argument, NULL, 'c'},
	    {"out", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0}};
	memset(a, 0, sizeof(*a));
	a->cls = TB_CLASS_F1;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't')
			a->track = optarg;
		else if (c == 'T')
			a->dir = optarg;
		else if (c == 'f')
			a->from = optarg;
		else if (c == 'o')
			a->out = optarg;
		else if (c == 'c' &&
			 sim_class_by_name(optarg, &a->cls) == TB_OK)
			continue;
		else
			return 2;
	}
	return a->track && a->from && optind == argc ? 0 : 2;
}

int cli_sim_calibrate(int argc, char **argv)
{
	struct cal_args a;
	if (parse_cal(argc, argv, &a) != 0) {
		fprintf(stderr,
			"usage: trailbrake sim calibrate --track T|laps "
			"--from DIR|FILE\n"
			"         [--class F1|LMH|GT3|Rally] [--out CAR] "
			"[--tracks DIR]\n");
		return 2;
	}
	struct lapset s = {tb_malloc(sizeof(struct tb_lap) * CAL_LAPS_MAX), 0};
	const struct tb_lap **ptr = tb_malloc(sizeof(*ptr) * CAL_LAPS_MAX);
	struct ana_track t;
	memset(&t, 0, sizeof(t));
	int rc = 0;
	if (!s.laps || !ptr) {
		fprintf(stderr, "trailbrake sim: out of memory\n");
		rc = 70;
		goto out;
	}
	rc = load_laps(a.from, &s);
	if (rc)
		goto out;
	for (size_t i = 0; i < s.n; i++)
		ptr[i] = &s.laps[i];
	qsort(ptr, s.n, sizeof(*ptr), cmp_lap);
	rc = !strcmp(a.track, "laps") ? track_of_laps(ptr, s.n, &t)
				      : cli_sim_load_track(a.track, a.dir, &t);
	if (rc)
		goto out;
	struct sim_car base, car;
	struct sim_calib_report rep;
	struct tb_error err;
	tb_error_clear(&err);
	if (sim_car_class(a.cls, &base, &err) != TB_OK ||
	    sim_calibrate(&t, ptr, s.n, &base, NULL, &car, &rep, &err) !=
		TB_OK) {
		rc = cli_fail("sim", &err);
		goto out;
	}
	printf("%s on %s (%.0f m), %zu timed laps from %s\n", base.name,
	       a.track, t.length_m, s.n, a.from);
	print_report(&car, &rep, ptr[rep.lap_index]);
	if (a.out) {
		rc = write_car(a.out, &car);
		if (rc == 0)
			printf("car written to %s\n", a.out);
	}
out:
	ana_track_release(&t);
	for (size_t i = 0; i < s.n; i++)
		tb_lap_release(&s.laps[i]);
	tb_free(s.laps);
	tb_free(ptr);
	return rc;
}

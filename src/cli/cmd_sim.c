/* cmd_sim.c - `trailbrake sim limit --track T --class C [--csv FILE]`:
 * the physics-limit lap of a car class on a built-in circuit or a
 * circuit file of the shared track data; prints the lap time and the
 * top and minimum speed, optionally writes the lap's channels as CSV. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "../formats/csv.h"
#include "../sim/sim.h"

#define SIM_CSV_HZ 20.0

static void sim_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake sim limit --track T --class F1|LMH|GT3|Rally"
		"\n         [--tracks DIR] [--csv FILE] [--rate HZ]\n"
		"  T: a built-in circuit (oval, club, ring) or a circuit id\n"
		"     of DIR (default $TRAILBRAKE_DATA/tracks/"
		"bacinger-f1-circuits/csv_local_m), e.g. it-1922\n"
		"  --csv FILE  the lap as CSV at --rate Hz (default 20; - for "
		"stdout)\n");
}

static int load_track(const char *name, const char *dir, struct ana_track *t)
{
	struct tb_error err;
	tb_error_clear(&err);
	for (size_t i = 0; i < sim_builtin_count(); i++) {
		if (!strcmp(name, sim_builtin_name(i))) {
			if (sim_track_builtin(name, t, &err) != TB_OK)
				return cli_fail("sim", &err);
			return 0;
		}
	}
	char path[1024];
	const char *data = getenv("TRAILBRAKE_DATA");
	int w;
	if (dir)
		w = snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	else if (data && *data)
		w = snprintf(path, sizeof(path),
			     "%s/tracks/bacinger-f1-circuits/csv_local_m/"
			     "%s.csv",
			     data, name);
	else {
		fprintf(stderr,
			"trailbrake sim: '%s' is not a built-in track "
			"and neither --tracks nor TRAILBRAKE_DATA is "
			"set\n",
			name);
		return 2;
	}
	if (w < 0 || (size_t)w >= sizeof(path)) {
		fprintf(stderr, "trailbrake sim: track path too long\n");
		return 2;
	}
	if (sim_track_load_csv(path, NULL, t, &err) != TB_OK)
		return cli_fail("sim", &err);
	return 0;
}

static int write_csv(const char *out, const struct ana_track *t,
		     const struct sim_car *car, const struct sim_result *r,
		     double rate, const char *track)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct tb_lap lap;
	tb_lap_init(&lap);
	if (sim_result_to_lap(t, car, r, rate, &lap, &err) != TB_OK)
		return cli_fail("sim", &err);
	struct tb_session_info si;
	memset(&si, 0, sizeof(si));
	si.track_id = -1;
	si.weather = -1;
	si.car_class = car->cls;
	si.track_length_m = t->length_m;
	snprintf(si.track, sizeof(si.track), "%s", track);
	struct tb_car_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.team_id = -1;
	ci.race_number = -1;
	snprintf(ci.driver, sizeof(ci.driver), "sim limit");
	snprintf(ci.car, sizeof(ci.car), "%s", car->name);
	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
	int rc = 0;
	if (!f) {
		fprintf(stderr, "trailbrake sim: cannot write %s\n", out);
		tb_lap_release(&lap);
		return 73;
	}
	if (fmt_csv_write_laps(f, &si, &ci, &lap, 1, &err) != TB_OK)
		rc = cli_fail("sim", &err);
	if (f != stdout && fclose(f) != 0 && rc == 0) {
		fprintf(stderr, "trailbrake sim: writing %s failed\n", out);
		rc = 74;
	}
	tb_lap_release(&lap);
	return rc;
}

int cli_sim(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"track", required_argument, NULL, 't'},
	    {"class", required_argument, NULL, 'c'},
	    {"tracks", required_argument, NULL, 'T'},
	    {"csv", required_argument, NULL, 'o'},
	    {"rate", required_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *track = NULL, *dir = NULL, *csv = NULL;
	enum tb_car_class cls = TB_CLASS_OTHER;
	double rate = SIM_CSV_HZ;
	int c;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			track = optarg;
			break;
		case 'c':
			if (sim_class_by_name(optarg, &cls) != TB_OK) {
				fprintf(stderr,
					"trailbrake sim: --class: '%s' "
					"is not one of F1, LMH, GT3, "
					"Rally\n",
					optarg);
				return 2;
			}
			break;
		case 'T':
			dir = optarg;
			break;
		case 'o':
			csv = optarg;
			break;
		case 'r':
			if (!cli_parse_double("sim", "--rate", optarg, 0.1,
					      10000, &rate))
				return 2;
			break;
		case 'h':
			sim_usage(stdout);
			return 0;
		default:
			sim_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || strcmp(argv[optind], "limit") != 0 || !track ||
	    cls == TB_CLASS_OTHER) {
		sim_usage(stderr);
		return 2;
	}
	struct ana_track t;
	int rc = load_track(track, dir, &t);
	if (rc != 0)
		return rc;
	struct tb_error err;
	tb_error_clear(&err);
	struct sim_car car;
	struct sim_result r;
	if (sim_car_class(cls, &car, &err) != TB_OK ||
	    sim_solve(&t, &car, &r, &err) != TB_OK) {
		ana_track_release(&t);
		return cli_fail("sim", &err);
	}
	char lt[32];
	cli_fmt_ms((int32_t)(r.lap_time_s * 1000.0 + 0.5), lt, sizeof(lt));
	FILE *info = csv && !strcmp(csv, "-") ? stderr : stdout;
	fprintf(info,
		"%s, %s (%.0f m): limit lap %s (%.3f s), top %.1f km/h, "
		"minimum %.1f km/h\n",
		car.name, track, t.length_m, lt, r.lap_time_s,
		r.v_top * TB_KMH_PER_MS, r.v_min * TB_KMH_PER_MS);
	if (csv)
		rc = write_csv(csv, &t, &car, &r, rate, track);
	sim_result_release(&r);
	ana_track_release(&t);
	return rc;
}

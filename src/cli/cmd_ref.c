/* cmd_ref.c - `trailbrake ref add LAP --driver NAME --class CLASS` tags a
 * stored lap as a reference; `trailbrake ref list` lists them. */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "../store/store.h"

static void ref_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake ref add LAP --driver NAME --class CLASS "
		"[--source S] [--db URL]\n"
		"       trailbrake ref list [--csv] [--db URL]\n"
		"Tag a stored lap as a reference lap (a pro lap, a fast lap to "
		"learn from)\nof a car class: F1, LMH, GT3, Rally or other. "
		"Real F1 laps imported from\ntiming data are tagged by the "
		"import.\n");
}

static bool parse_class(const char *s, enum tb_car_class *out)
{
	for (int c = 0; c < TB_CLASS__COUNT; c++) {
		if (!strcasecmp(s, tb_car_class_name((enum tb_car_class)c))) {
			*out = (enum tb_car_class)c;
			return true;
		}
	}
	return false;
}

static int print_ref(void *ctx, const struct store_ref_row *r)
{
	const bool *csv = ctx;
	char t[32];
	if (*csv) {
		printf("%" PRId64 ",%" PRId64 ",%u,\"%s\",%s,%s,\"%s\",%d\n",
		       r->lap_id, r->session_id, r->lap_number, r->driver,
		       tb_car_class_name(r->car_class), r->source, r->track,
		       r->lap_time_ms);
		return 0;
	}
	cli_fmt_ms(r->lap_time_ms, t, sizeof(t));
	printf("%6" PRId64 " %-5s %-20.20s %-24.24s %10s  %s\n", r->lap_id,
	       tb_car_class_name(r->car_class), r->driver,
	       r->track[0] ? r->track : "?", t, r->source);
	return 0;
}

int cli_ref(int argc, char **argv)
{
	static const struct option opts[] = {
		{"driver", required_argument, NULL, 'D'},
		{"class", required_argument, NULL, 'C'},
		{"source", required_argument, NULL, 'S'},
		{"db", required_argument, NULL, 'd'},
		{"csv", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *driver = NULL, *source = "user", *db = cli_default_db();
	enum tb_car_class cls = TB_CLASS__COUNT;
	bool csv = false;
	int c;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			driver = optarg;
			break;
		case 'C':
			if (!parse_class(optarg, &cls)) {
				fprintf(stderr,
					"trailbrake ref: --class: '%s' is not "
					"one of F1, LMH, GT3, Rally, other\n",
					optarg);
				return 2;
			}
			break;
		case 'S':
			source = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'c':
			csv = true;
			break;
		case 'h':
			ref_usage(stdout);
			return 0;
		default:
			ref_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		ref_usage(stderr);
		return 2;
	}
	const char *sub = argv[optind];
	bool add = !strcmp(sub, "add");
	if (!add && strcmp(sub, "list") != 0) {
		fprintf(stderr, "trailbrake ref: unknown '%s' (add or list)\n",
			sub);
		return 2;
	}
	long lap = 0;
	if (add) {
		if (optind + 2 != argc || !driver || cls == TB_CLASS__COUNT) {
			fprintf(stderr, "trailbrake ref add: needs LAP, --driver "
					"and --class\n");
			return 2;
		}
		if (!cli_parse_long("ref", "LAP", argv[optind + 1], 1,
				    INT64_MAX, &lap))
			return 2;
		if (strlen(driver) >= TB_NAME_MAX || !*driver) {
			fprintf(stderr, "trailbrake ref: --driver: 1 to %u "
					"characters\n",
				TB_NAME_MAX - 1);
			return 2;
		}
	} else if (optind + 1 != argc) {
		ref_usage(stderr);
		return 2;
	}
	struct store *st;
	struct tb_error err;
	tb_error_clear(&err);
	if (store_open(db, &st, &err) != TB_OK)
		return cli_fail("ref", &err);
	int rc = 0;
	if (add) {
		if (store_ref_put(st, lap, driver, cls, source, &err) != TB_OK)
			rc = cli_fail("ref", &err);
		else
			printf("lap %ld is a %s reference (%s)\n", lap,
			       tb_car_class_name(cls), driver);
	} else {
		if (csv)
			printf("lap,session,lap_number,driver,class,source,"
			       "track,lap_ms\n");
		if (store_refs_list(st, print_ref, &csv, &err) != TB_OK)
			rc = cli_fail("ref", &err);
	}
	store_close(st);
	return rc;
}

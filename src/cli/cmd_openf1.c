/* cmd_openf1.c - `trailbrake openf1 SESSION_KEY DRIVER`: real F1 laps
 * from the OpenF1 API into the store as references. */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <string.h>

#include "../formats/openf1.h"
#include "../server/server.h"

static void openf1_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake openf1 SESSION_KEY DRIVER_NUMBER [--db URL]\n"
		"                         [--base-url URL] [--cache DIR]\n"
		"Fetch one driver's laps of one session from the OpenF1 API "
		"(sessions,\ndrivers, laps, car_data, location; at most 3 "
		"requests/s, retries on 429)\nand store them as F1 reference "
		"laps. OpenF1 data is ~3.7 Hz with on/off\nbrake and no "
		"steering. Responses are cached in DIR (default\n"
		"./openf1-cache): historical sessions never change.\n");
}

int cli_openf1(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"base-url", required_argument, NULL, 'b'},
		{"cache", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct openf1_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.cache_dir = "openf1-cache";
	const char *db = cli_default_db();
	int ch;
	optind = 0; /* glibc: full re-initialisation */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			db = optarg;
			break;
		case 'b':
			cfg.base_url = optarg;
			break;
		case 'c':
			cfg.cache_dir = optarg;
			break;
		case 'h':
			openf1_usage(stdout);
			return 0;
		default:
			openf1_usage(stderr);
			return 2;
		}
	}
	long key, driver;
	if (optind + 2 != argc) {
		openf1_usage(stderr);
		return 2;
	}
	if (!cli_parse_long("openf1", "SESSION_KEY", argv[optind], 1,
			    INT32_MAX, &key) ||
	    !cli_parse_long("openf1", "DRIVER_NUMBER", argv[optind + 1], 1,
			    99, &driver))
		return 2;
	struct store *st;
	struct tb_error err;
	tb_error_clear(&err);
	if (store_open(db, &st, &err) != TB_OK)
		return cli_fail("openf1", &err);
	struct srv_import_result res;
	int rc = 0;
	if (srv_import_openf1(st, &cfg, (int)key, (int)driver, &res, &err) !=
	    TB_OK)
		rc = cli_fail("openf1", &err);
	else
		printf("openf1 session %ld driver %ld: %" PRIu64
		       " laps stored (+%" PRIu64 " incomplete)\n",
		       key, driver, res.laps, res.laps_incomplete);
	store_close(st);
	return rc;
}

/* cmd_store.c - commands on the store: `import` captures, list
 * `sessions` and `laps`, `export` a lap as CSV, `check` every lap. */
#include "cli.h"

#include <getopt.h>
#include <unistd.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "../formats/csv.h"
#include "../formats/formats.h"
#include "../formats/motec.h"
#include "../formats/pcap.h"
#include "../server/server.h"
#include "../store/store.h"

/* Parse "--db URL" and "--csv" style common options. Returns -1 to go
 * on, or an exit code. */
struct common {
	const char *db;
	const char *map; /* import --map */
	bool csv;
	long port;
};

static int parse_common(const char *cmd, int argc, char **argv,
			struct common *c, void (*usage)(FILE *))
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"csv", no_argument, NULL, 'c'},
		{"port", required_argument, NULL, 'p'},
		{"map", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	c->db = cli_default_db();
	int ch;
	optind = 0; /* glibc: full re-initialisation */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			c->db = optarg;
			break;
		case 'c':
			c->csv = true;
			break;
		case 'p':
			if (!cli_parse_long(cmd, "--port", optarg, 1, 65535,
					    &c->port))
				return 2;
			break;
		case 'm':
			c->map = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

static int open_store(const char *cmd, const char *db, struct store **st)
{
	struct tb_error err;
	tb_error_clear(&err);
	if (store_open(db, st, &err) != TB_OK)
		return cli_fail(cmd, &err);
	return -1;
}

/* ------------------------------------------------------------------ */

/* A one-line progress bar on a terminal: "file  42% [=====     ]". */
struct progress_bar {
	const char *name;
	bool shown;
	int last_pct;
};

static void progress_update(void *ctx, uint64_t done, uint64_t total)
{
	struct progress_bar *b = ctx;
	if (total == 0)
		return;
	int pct = (int)(done * 100 / total);
	if (b->shown && pct == b->last_pct)
		return;
	b->shown = true;
	b->last_pct = pct;
	char bar[31];
	int fill = pct * 30 / 100;
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '=' : ' ';
	bar[30] = '\0';
	fprintf(stderr, "\r%-40.40s %3d%% [%s]", b->name, pct, bar);
	fflush(stderr);
}

static void import_usage(FILE *out)
{
	fprintf(out, "usage: trailbrake import FILE|DIR... [--db URL] [--port P] "
		     "[--map CH=COL,...]\n"
		     "Import recorded files into the store, each recognised by "
		     "its content:\npacket captures (pcap/pcapng: each "
		     "destination port's protocol is\ndetected; --port keeps "
		     "only datagrams sent to port P), iRacing .ibt,\nMoTeC .ld "
		     "(+ .ldx), CSV, real F1 timing data (a folder: every "
		     "*_tel.json under\nit). A file imports whole or not at "
		     "all; real F1 laps are tagged as\nreferences. --map reads "
		     "a CSV with explicit columns, e.g.\n--map "
		     "time=Time,speed=Speed_kmh,lap=Lap. A progress bar shows "
		     "on a terminal.\n");
}

int cli_import(int argc, char **argv)
{
	struct common c = {0};
	int rc = parse_common("import", argc, argv, &c, import_usage);
	if (rc >= 0)
		return rc;
	if (optind >= argc) {
		import_usage(stderr);
		return 2;
	}
	struct store *st = NULL;
	if ((rc = open_store("import", c.db, &st)) >= 0)
		return rc;
	rc = 0;
	struct progress_bar bar = {0};
	struct fmt_progress prog = {.ctx = &bar, .update = progress_update};
	bool tty = isatty(STDERR_FILENO);
	for (int i = optind; i < argc; i++) {
		const char *path = argv[i];
		struct srv_import_result res;
		struct tb_error err;
		tb_error_clear(&err);
		bar.name = path;
		bar.shown = false;
		struct srv_import_opts io = {.dst_port = (uint16_t)c.port,
					     .csv_map = c.map,
					     .progress = tty ? &prog : NULL};
		enum tb_status ist = srv_import_file(st, path, &io, &res, &err);
		if (bar.shown)
			fputc('\n', stderr);
		if (ist != TB_OK) {
			rc = cli_fail("import", &err);
			continue;
		}
		printf("%s: %s, ", path,
		       res.protos[0] ? res.protos : "no known protocol");
		if (res.datagrams)
			printf("%" PRIu64 " datagrams (%" PRIu64 " rejected), ",
			       res.datagrams, res.rejected);
		printf("%" PRIu64 " sessions, %" PRIu64
		       " laps stored (+%" PRIu64 " incomplete)\n",
		       res.sessions, res.laps, res.laps_incomplete);
	}
	store_close(st);
	return rc;
}

/* ------------------------------------------------------------------ */

static void sessions_usage(FILE *out)
{
	fprintf(out, "usage: trailbrake sessions [--db URL] [--csv]\n"
		     "List stored sessions, newest first.\n");
}

static int print_session(void *ctx, const struct store_session_row *r)
{
	const struct common *c = ctx;
	char best[32];
	cli_fmt_ms(r->best_lap_ms, best, sizeof(best));
	const struct tb_session_info *in = &r->info;
	if (c->csv) {
		printf("%" PRId64 ",%s,%u,%" PRIu64 ",\"%s\",%s,%" PRId64
		       ",%d\n",
		       r->id, tb_game_name(in->game), in->packet_format,
		       in->source_uid, in->track,
		       tb_session_kind_name(in->kind), r->n_laps,
		       r->best_lap_ms);
		return 0;
	}
	printf("%6" PRId64 "  %-6s %-5u %-20.20s %-11s %5" PRId64 "  %s\n",
	       r->id, tb_game_name(in->game), in->packet_format,
	       in->track[0] ? in->track : "?",
	       tb_session_kind_name(in->kind), r->n_laps, best);
	return 0;
}

int cli_sessions(int argc, char **argv)
{
	struct common c = {0};
	int rc = parse_common("sessions", argc, argv, &c, sessions_usage);
	if (rc >= 0)
		return rc;
	if (optind < argc) {
		sessions_usage(stderr);
		return 2;
	}
	struct store *st = NULL;
	if ((rc = open_store("sessions", c.db, &st)) >= 0)
		return rc;
	if (c.csv)
		printf("id,game,format,uid,track,kind,laps,best_ms\n");
	else
		printf("%6s  %-6s %-5s %-20s %-11s %5s  %s\n", "id", "game",
		       "fmt", "track", "kind", "laps", "best");
	struct tb_error err;
	tb_error_clear(&err);
	rc = 0;
	if (store_sessions_list(st, print_session, &c, &err) != TB_OK)
		rc = cli_fail("sessions", &err);
	store_close(st);
	return rc;
}

/* ------------------------------------------------------------------ */

static void laps_usage(FILE *out)
{
	fprintf(out, "usage: trailbrake laps SESSION [--db URL] [--csv]\n"
		     "List a session's laps: car, driver, lap and sector "
		     "times from the game,\nvalidity.\n");
}

static int print_lap(void *ctx, const struct store_lap_row *r)
{
	const struct common *c = ctx;
	char flags[96];
	tb_lap_flags_str(r->flags, flags, sizeof(flags));
	if (c->csv) {
		for (char *q = flags; *q; q++)
			if (*q == ',')
				*q = '|'; /* one CSV field */
		printf("%" PRId64 ",%u,\"%s\",%u,%d,%d,%d,%d,%s,%" PRId64
		       "\n",
		       r->id, r->car_index, r->driver, r->lap_number,
		       r->lap_time_ms, r->sector_ms[0], r->sector_ms[1],
		       r->sector_ms[2], flags, r->n_samples);
		return 0;
	}
	char t[32], s1[32], s2[32], s3[32];
	cli_fmt_ms(r->lap_time_ms, t, sizeof(t));
	cli_fmt_ms(r->sector_ms[0], s1, sizeof(s1));
	cli_fmt_ms(r->sector_ms[1], s2, sizeof(s2));
	cli_fmt_ms(r->sector_ms[2], s3, sizeof(s3));
	printf("%6" PRId64 " %3u %-16.16s %3u %10s %10s %10s %10s %6" PRId64
	       "  %s\n",
	       r->id, r->car_index, r->driver, r->lap_number, t, s1, s2, s3,
	       r->n_samples, flags[0] ? flags : "valid");
	return 0;
}

int cli_laps(int argc, char **argv)
{
	struct common c = {0};
	int rc = parse_common("laps", argc, argv, &c, laps_usage);
	if (rc >= 0)
		return rc;
	long sid;
	if (optind + 1 != argc) {
		laps_usage(stderr);
		return 2;
	}
	if (!cli_parse_long("laps", "SESSION", argv[optind], 1, INT64_MAX,
			    &sid))
		return 2;
	struct store *st = NULL;
	if ((rc = open_store("laps", c.db, &st)) >= 0)
		return rc;
	if (c.csv)
		printf("id,car,driver,lap,lap_ms,s1_ms,s2_ms,s3_ms,flags,"
		       "samples\n");
	else
		printf("%6s %3s %-16s %3s %10s %10s %10s %10s %6s  %s\n", "id",
		       "car", "driver", "lap", "time", "s1", "s2", "s3",
		       "samp", "flags");
	struct tb_error err;
	tb_error_clear(&err);
	rc = 0;
	if (store_laps_list(st, sid, print_lap, &c, &err) != TB_OK)
		rc = cli_fail("laps", &err);
	store_close(st);
	return rc;
}

/* ------------------------------------------------------------------ */

static void export_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake export LAP [--format csv|ld] --out FILE "
		"[--db URL]\n"
		"       trailbrake export --session S [--car N] [--format "
		"csv|ld] --out FILE\n"
		"       trailbrake export LAP --csv FILE\n"
		"Write a stored lap, or every lap of one car of a session, to "
		"a file other\ntools open. csv: comment lines with the lap "
		"metadata, a row of channel\nnames, a row of units, one row "
		"per sample (an absent value is empty);\ntrailbrake reads it "
		"back exactly. ld: a MoTeC i2 log (.ld) plus its lap\nmarkers "
		"(.ldx beside it). The format defaults to the file's "
		"extension.\nFILE '-' writes CSV to stdout.\n");
}

struct export_laps {
	struct store *st;
	int car; /* -1: any (must be one) */
	size_t n, cap;
	int64_t *ids;
	uint64_t cars_seen; /* bit per car index < 64 */
	bool oom;
};

static int collect_export(void *ctx, const struct store_lap_row *r)
{
	struct export_laps *e = ctx;
	if (r->car_index < 64)
		e->cars_seen |= 1ull << r->car_index;
	if (e->car >= 0 && r->car_index != e->car)
		return 0;
	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 64;
		int64_t *p = tb_realloc(e->ids, ncap * sizeof(*p));
		if (!p) {
			e->oom = true;
			return 1;
		}
		e->ids = p;
		e->cap = ncap;
	}
	e->ids[e->n++] = r->id;
	return 0;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

/* Load the laps to export (all of one car): laps[] filled, *n set. */
static int load_export(const char *cmd, struct store *st, long lap_id,
		       long session_id, int car, struct tb_session_info *si,
		       struct tb_car_info *ci, struct tb_lap **laps_out,
		       size_t *n_out)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct export_laps e = {.st = st, .car = car};
	if (lap_id > 0) {
		e.ids = tb_malloc(sizeof(*e.ids));
		if (!e.ids)
			return 70;
		e.ids[0] = lap_id;
		e.n = e.cap = 1;
	} else {
		if (store_laps_list(st, session_id, collect_export, &e, &err) !=
		    TB_OK) {
			tb_free(e.ids);
			return cli_fail(cmd, &err);
		}
		if (e.oom) {
			tb_free(e.ids);
			return 70;
		}
		if (car < 0 && __builtin_popcountll(e.cars_seen) > 1) {
			fprintf(stderr,
				"trailbrake %s: session %ld has %d cars: pick "
				"one with --car N (",
				cmd, session_id,
				__builtin_popcountll(e.cars_seen));
			for (int i = 0; i < 64; i++)
				if (e.cars_seen & (1ull << i))
					fprintf(stderr, " %d", i);
			fprintf(stderr, " )\n");
			tb_free(e.ids);
			return 2;
		}
		if (e.n == 0) {
			fprintf(stderr, "trailbrake %s: no laps to export\n",
				cmd);
			tb_free(e.ids);
			return 1;
		}
	}
	struct tb_lap *laps = tb_calloc(e.n, sizeof(*laps));
	int rc = 0;
	if (!laps) {
		tb_free(e.ids);
		return 70;
	}
	for (size_t i = 0; i < e.n; i++)
		tb_lap_init(&laps[i]);
	for (size_t i = 0; i < e.n && rc == 0; i++) {
		struct store_lap_row row;
		if (store_lap_get(st, e.ids[i], &laps[i], &row, &err) != TB_OK) {
			rc = cli_fail(cmd, &err);
			break;
		}
		if (i == 0) {
			struct store_session_row sr;
			if (store_session_get(st, row.session_id, &sr, &err) !=
			    TB_OK) {
				rc = cli_fail(cmd, &err);
				break;
			}
			*si = sr.info;
			memset(ci, 0, sizeof(*ci));
			ci->car_index = row.car_index;
			ci->team_id = -1;
			ci->race_number = -1;
			snprintf(ci->driver, sizeof(ci->driver), "%s",
				 row.driver);
		}
	}
	tb_free(e.ids);
	if (rc != 0) {
		for (size_t i = 0; i < e.n; i++)
			tb_lap_release(&laps[i]);
		tb_free(laps);
		return rc;
	}
	*laps_out = laps;
	*n_out = e.n;
	return 0;
}

int cli_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"csv", required_argument, NULL, 'c'},
		{"out", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"session", required_argument, NULL, 's'},
		{"car", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *db = cli_default_db(), *out = NULL, *format = NULL;
	long session_id = 0, car = -1, lap_id = 0;
	int ch;
	optind = 0; /* glibc: full re-initialisation */
	while ((ch = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			db = optarg;
			break;
		case 'c':
			out = optarg;
			format = "csv";
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 's':
			if (!cli_parse_long("export", "--session", optarg, 1,
					    INT64_MAX, &session_id))
				return 2;
			break;
		case 'C':
			if (!cli_parse_long("export", "--car", optarg, 0, 255,
					    &car))
				return 2;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			export_usage(stderr);
			return 2;
		}
	}
	if (optind < argc && !cli_parse_long("export", "LAP", argv[optind], 1,
					     INT64_MAX, &lap_id))
		return 2;
	if (!out || (lap_id > 0) == (session_id > 0) ||
	    optind + (lap_id > 0) != argc) {
		export_usage(stderr);
		return 2;
	}
	if (!format)
		format = ends_with(out, ".ld") ? "ld" : "csv";
	bool ld = !strcmp(format, "ld");
	if (!ld && strcmp(format, "csv") != 0) {
		fprintf(stderr, "trailbrake export: --format: '%s' (csv or "
				"ld)\n",
			format);
		return 2;
	}
	if (ld && !strcmp(out, "-")) {
		fprintf(stderr, "trailbrake export: an .ld log needs a file "
				"name\n");
		return 2;
	}
	struct store *st = NULL;
	int rc = open_store("export", db, &st);
	if (rc >= 0)
		return rc;
	struct tb_session_info si;
	struct tb_car_info ci;
	struct tb_lap *laps = NULL;
	size_t n = 0;
	rc = load_export("export", st, lap_id, session_id, (int)car, &si, &ci,
			 &laps, &n);
	if (rc != 0)
		goto out;
	struct tb_error err;
	tb_error_clear(&err);
	if (ld) {
		if (fmt_motec_write(out, &si, &ci, laps, n, &err) != TB_OK)
			rc = cli_fail("export", &err);
	} else {
		FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
		if (!f) {
			fprintf(stderr, "trailbrake export: cannot write %s\n",
				out);
			rc = 73;
			goto free_laps;
		}
		if (fmt_csv_write_laps(f, &si, &ci, laps, n, &err) != TB_OK)
			rc = cli_fail("export", &err);
		if (f != stdout && fclose(f) != 0 && rc == 0) {
			fprintf(stderr, "trailbrake export: writing %s failed\n",
				out);
			rc = 74;
		}
	}
	if (rc == 0)
		fprintf(stderr, "export: %zu lap%s -> %s (%s)\n", n,
			n == 1 ? "" : "s", out, ld ? "MoTeC .ld + .ldx" : "CSV");
free_laps:
	for (size_t i = 0; i < n; i++)
		tb_lap_release(&laps[i]);
	tb_free(laps);
out:
	store_close(st);
	return rc;
}

/* ------------------------------------------------------------------ */

static void check_usage(FILE *out)
{
	fprintf(out, "usage: trailbrake check [--db URL]\n"
		     "Read every stored lap back and verify it is whole: the "
		     "blob decodes,\nthe sample count matches, session time "
		     "only goes forward. Exit 1 if not.\n");
}

struct check_ctx {
	struct store *st;
	int64_t laps, bad;
	int64_t *ids;
	size_t n_ids, cap_ids;
};

static int collect_lap(void *ctx, const struct store_lap_row *r)
{
	struct check_ctx *cc = ctx;
	if (cc->n_ids == cc->cap_ids) {
		size_t ncap = cc->cap_ids ? cc->cap_ids * 2 : 256;
		int64_t *p = tb_realloc(cc->ids, ncap * sizeof(*p));
		if (!p)
			return 1;
		cc->ids = p;
		cc->cap_ids = ncap;
	}
	cc->ids[cc->n_ids++] = r->id;
	return 0;
}

static int check_session(void *ctx, const struct store_session_row *r)
{
	struct check_ctx *cc = ctx;
	struct tb_error err;
	if (store_laps_list(cc->st, r->id, collect_lap, cc, &err) != TB_OK)
		cc->bad++;
	return 0;
}

static bool lap_whole(const struct tb_lap *lap, const struct store_lap_row *r)
{
	if ((int64_t)lap->n != r->n_samples || lap->n == 0)
		return false;
	const double *t = lap->col[TB_CH_TIME];
	if (!t)
		return false;
	for (size_t i = 1; i < lap->n; i++)
		if (!(t[i] > t[i - 1]))
			return false;
	return true;
}

int cli_check(int argc, char **argv)
{
	struct common c = {0};
	int rc = parse_common("check", argc, argv, &c, check_usage);
	if (rc >= 0)
		return rc;
	struct check_ctx cc = {0};
	if ((rc = open_store("check", c.db, &cc.st)) >= 0)
		return rc;
	struct tb_error err;
	tb_error_clear(&err);
	rc = 0;
	if (store_sessions_list(cc.st, check_session, &cc, &err) != TB_OK) {
		rc = cli_fail("check", &err);
		goto out;
	}
	for (size_t i = 0; i < cc.n_ids; i++) {
		struct tb_lap lap;
		struct store_lap_row row;
		tb_lap_init(&lap);
		cc.laps++;
		if (store_lap_get(cc.st, cc.ids[i], &lap, &row, &err) !=
		    TB_OK) {
			fprintf(stderr, "check: lap %" PRId64 ": %s\n",
				cc.ids[i], err.msg);
			cc.bad++;
		} else if (!lap_whole(&lap, &row)) {
			fprintf(stderr, "check: lap %" PRId64 " is not whole\n",
				cc.ids[i]);
			cc.bad++;
		}
		tb_lap_release(&lap);
	}
	printf("check: %" PRId64 " laps, %" PRId64 " bad\n", cc.laps, cc.bad);
	rc = cc.bad ? 1 : 0;
out:
	tb_free(cc.ids);
	store_close(cc.st);
	return rc;
}

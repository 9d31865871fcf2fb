/* cmd_store.c - commands on the store: `import` captures, list
 * `sessions` and `laps`, `export` a lap as CSV, `check` every lap. */
#include "cli.h"

#include <getopt.h>
#include <unistd.h>
#include <inttypes.h>
#include <string.h>

#include "../formats/formats.h"
#include "../formats/pcap.h"
#include "../server/server.h"
#include "../store/store.h"

/* Parse "--db URL" and "--csv" style common options. Returns -1 to go
 * on, or an exit code. */
struct common {
	const char *db;
	const char *csv_path;
	bool csv;
	long port;
};

static int parse_common(const char *cmd, int argc, char **argv,
			struct common *c, void (*usage)(FILE *))
{
	/* `export` takes --csv FILE; the listings take a bare --csv. */
	bool csv_file = !strcmp(cmd, "export");
	const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"csv", csv_file ? required_argument : no_argument, NULL, 'c'},
		{"port", required_argument, NULL, 'p'},
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
			c->csv_path = optarg;
			break;
		case 'p':
			if (!cli_parse_long(cmd, "--port", optarg, 1, 65535,
					    &c->port))
				return 2;
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
	fprintf(out, "usage: trailbrake import FILE... [--db URL] [--port P]\n"
		     "Import recorded files into the store, each recognised by "
		     "its content:\npacket captures (pcap/pcapng: each "
		     "destination port's protocol is\ndetected; --port keeps "
		     "only datagrams sent to port P), iRacing .ibt,\nMoTeC .ld "
		     "(+ .ldx), CSV, real F1 timing data. A file imports whole "
		     "or\nnot at all; real F1 laps are tagged as references. A "
		     "progress bar shows\non a terminal.\n");
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
		enum tb_status ist = srv_import_file(st, path,
						     (uint16_t)c.port,
						     tty ? &prog : NULL, &res,
						     &err);
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
		"usage: trailbrake export LAP --csv FILE [--db URL]\n"
		"Write a stored lap's channels as CSV: a header row of "
		"channel names, a\nrow of units, then one row per sample; an "
		"absent value is an empty\nfield. FILE '-' writes to "
		"stdout.\n");
}

static void write_csv(FILE *f, const struct tb_lap *lap)
{
	const char *sep = "";
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (lap->chans & TB_CHBIT(ch)) {
			fprintf(f, "%s%s", sep, tb_channel_name(ch));
			sep = ",";
		}
	}
	fputc('\n', f);
	sep = "";
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (lap->chans & TB_CHBIT(ch)) {
			fprintf(f, "%s%s", sep, tb_channel_unit(ch));
			sep = ",";
		}
	}
	fputc('\n', f);
	for (size_t i = 0; i < lap->n; i++) {
		sep = "";
		for (int ch = 0; ch < TB_CH__COUNT; ch++) {
			if (!(lap->chans & TB_CHBIT(ch)))
				continue;
			if (lap->mask[i] & TB_CHBIT(ch))
				fprintf(f, "%s%.17g", sep, lap->col[ch][i]);
			else
				fputs(sep, f);
			sep = ",";
		}
		fputc('\n', f);
	}
}

int cli_export(int argc, char **argv)
{
	struct common c = {0};
	int rc = parse_common("export", argc, argv, &c, export_usage);
	if (rc >= 0)
		return rc;
	long lap_id;
	if (optind + 1 != argc || !c.csv || !c.csv_path) {
		export_usage(stderr);
		return 2;
	}
	if (!cli_parse_long("export", "LAP", argv[optind], 1, INT64_MAX,
			    &lap_id))
		return 2;
	struct store *st = NULL;
	if ((rc = open_store("export", c.db, &st)) >= 0)
		return rc;
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_error err;
	tb_error_clear(&err);
	rc = 0;
	if (store_lap_get(st, lap_id, &lap, NULL, &err) != TB_OK) {
		rc = cli_fail("export", &err);
		goto out;
	}
	FILE *f = strcmp(c.csv_path, "-") ? fopen(c.csv_path, "w") : stdout;
	if (!f) {
		fprintf(stderr, "trailbrake export: cannot write %s\n",
			c.csv_path);
		rc = 73;
		goto out;
	}
	write_csv(f, &lap);
	if (f != stdout && fclose(f) != 0) {
		fprintf(stderr, "trailbrake export: writing %s failed\n",
			c.csv_path);
		rc = 74;
	}
out:
	tb_lap_release(&lap);
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

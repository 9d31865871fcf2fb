/* cli.h - `trailbrake <command>`: each command is one function taking
 * argc/argv after the command name and returning a process exit code.
 * Shared helpers parse numbers and addresses with clear errors. */
#ifndef TB_CLI_H
#define TB_CLI_H

#include <netinet/in.h>
#include <stdio.h>

#include "../analysis/analysis.h"
#include "../core/core.h"
#include "../store/store.h"

int cli_serve(int argc, char **argv);
int cli_record(int argc, char **argv);
int cli_replay(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_gen(int argc, char **argv);
int cli_sessions(int argc, char **argv);
int cli_laps(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_ref(int argc, char **argv);
int cli_openf1(int argc, char **argv);
int cli_analyze(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_sim(int argc, char **argv);
int cli_train(int argc, char **argv);
int cli_coach(int argc, char **argv);

/* Parse a whole decimal integer in [lo, hi]; prints "trailbrake CMD:
 * --opt: ..." and returns false on anything else. */
bool cli_parse_long(const char *cmd, const char *opt, const char *s, long lo,
		    long hi, long *out);
bool cli_parse_double(const char *cmd, const char *opt, const char *s,
		      double lo, double hi, double *out);
/* "HOST:PORT" (IPv4 address or "localhost") into sa. */
bool cli_parse_hostport(const char *cmd, const char *s, struct sockaddr_in *sa);
/* Default store: $TRAILBRAKE_DB or ./trailbrake.db. */
const char *cli_default_db(void);
/* Print a failure "trailbrake CMD: message" and return its exit code. */
int cli_fail(const char *cmd, const struct tb_error *err);

/* A stored lap loaded and, once has_grid, on its distance grid (analyze,
 * compare, coach). */
struct cli_lap {
	int64_t id;
	struct store_lap_row row;
	struct tb_lap lap;
	struct ana_grid grid;
	bool has_grid;
};
void cli_lap_release(struct cli_lap *a);
/* m:ss.mmm, or "-" for unknown. */
void cli_fmt_ms(int32_t ms, char *buf, size_t cap);

/* cmd_coach.c: the coach's features of stored lap lap_id against the
 * stored lap ref_id, as `trailbrake coach LAP --ref REF` computes them
 * (the session's track model and corners, as `analyze` numbers them).
 * out: ANA_CORNERS_MAX corners. 0 or an exit code, message printed. c
 * from srv_tm_cache_create. */
struct store;
struct srv_tm_cache;
struct coach_corner;
int cli_coach_corners(struct store *st, struct srv_tm_cache *c, int64_t lap_id,
		      int64_t ref_id, struct coach_corner *out, size_t *n_out);

/* `sim limit` options of the racing line and car files, and `sim
 * calibrate` (cmd_simcal.c). */
struct ana_track;
struct sim_car;
struct tb_lap;
struct cli_sim_limit {
	bool racing;	      /* --line racing */
	double width_m;	      /* --width */
	const char *car_file; /* --car */
};
void cli_sim_limit_init(struct cli_sim_limit *l);
/* Option c ('L', 'W', 'C') with its argument; false after printing an
 * error. */
bool cli_sim_limit_opt(struct cli_sim_limit *l, int c, const char *arg);
/* The limit lap on t (the car of cls, or of l->car_file), printed and
 * optionally written as CSV. */
int cli_sim_limit_run(const struct cli_sim_limit *l, const struct ana_track *t,
		      enum tb_car_class cls, const char *track, const char *csv,
		      double rate);
int cli_sim_calibrate(int argc, char **argv);
/* cmd_sim.c: a built-in or circuit-file track; one lap as CSV. */
int cli_sim_load_track(const char *name, const char *dir, struct ana_track *t);
int cli_sim_write_lap(const char *out, const struct ana_track *t,
		      const struct sim_car *car, const struct tb_lap *lap,
		      const char *track);

#endif /* TB_CLI_H */

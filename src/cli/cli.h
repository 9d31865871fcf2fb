/* cli.h - `trailbrake <command>`: each command is one function taking
 * argc/argv after the command name and returning a process exit code.
 * Shared helpers parse numbers and addresses with clear errors. */
#ifndef TB_CLI_H
#define TB_CLI_H

#include <netinet/in.h>
#include <stdio.h>

#include "../core/core.h"

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
bool cli_parse_long(const char *cmd, const char *opt, const char *s,
		    long lo, long hi, long *out);
bool cli_parse_double(const char *cmd, const char *opt, const char *s,
		      double lo, double hi, double *out);
/* "HOST:PORT" (IPv4 address or "localhost") into sa. */
bool cli_parse_hostport(const char *cmd, const char *s,
			struct sockaddr_in *sa);
/* Default store: $TRAILBRAKE_DB or ./trailbrake.db. */
const char *cli_default_db(void);
/* Print a failure "trailbrake CMD: message" and return its exit code. */
int cli_fail(const char *cmd, const struct tb_error *err);
/* m:ss.mmm, or "-" for unknown. */
void cli_fmt_ms(int32_t ms, char *buf, size_t cap);

#endif /* TB_CLI_H */

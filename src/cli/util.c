/* util.c - argument parsing and output helpers shared by the commands. */
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool cli_parse_long(const char *cmd, const char *opt, const char *s,
		    long lo, long hi, long *out)
{
	char *end = NULL;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || errno || *end || v < lo || v > hi) {
		fprintf(stderr,
			"trailbrake %s: %s: '%s' is not a whole number in "
			"%ld..%ld\n",
			cmd, opt, s ? s : "", lo, hi);
		return false;
	}
	*out = v;
	return true;
}

bool cli_parse_double(const char *cmd, const char *opt, const char *s,
		      double lo, double hi, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = s ? strtod(s, &end) : 0;
	if (!s || !*s || errno || *end || !isfinite(v) || v < lo || v > hi) {
		fprintf(stderr,
			"trailbrake %s: %s: '%s' is not a number in %g..%g\n",
			cmd, opt, s ? s : "", lo, hi);
		return false;
	}
	*out = v;
	return true;
}

bool cli_parse_hostport(const char *cmd, const char *s,
			struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	const char *colon = s ? strrchr(s, ':') : NULL;
	if (!colon || colon == s) {
		fprintf(stderr, "trailbrake %s: '%s': expected HOST:PORT\n",
			cmd, s ? s : "");
		return false;
	}
	char host[64];
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof(host)) {
		fprintf(stderr, "trailbrake %s: host too long\n", cmd);
		return false;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (!strcmp(host, "localhost"))
		memcpy(host, "127.0.0.1", 10);
	long port;
	if (!cli_parse_long(cmd, "port", colon + 1, 1, 65535, &port))
		return false;
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		fprintf(stderr,
			"trailbrake %s: '%s' is not an IPv4 address\n", cmd,
			host);
		return false;
	}
	sa->sin_port = htons((uint16_t)port);
	return true;
}

const char *cli_default_db(void)
{
	const char *e = getenv("TRAILBRAKE_DB");
	return (e && *e) ? e : "trailbrake.db";
}

int cli_fail(const char *cmd, const struct tb_error *err)
{
	fprintf(stderr, "trailbrake %s: %s\n", cmd,
		err->msg[0] ? err->msg : tb_strerror(err->status));
	int code = tb_status_exit(err->status);
	return code ? code : 1;
}

void cli_fmt_ms(int32_t ms, char *buf, size_t cap)
{
	if (ms < 0) {
		snprintf(buf, cap, "-");
		return;
	}
	snprintf(buf, cap, "%d:%02d.%03d", ms / 60000, (ms / 1000) % 60,
		 ms % 1000);
}

void cli_lap_release(struct cli_lap *a)
{
	tb_lap_release(&a->lap);
	if (a->has_grid)
		ana_grid_release(&a->grid);
	a->has_grid = false;
}

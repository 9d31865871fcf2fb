/* cmd_serve.c - `trailbrake serve`: the recording daemon. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

#include "../server/server.h"

static void serve_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake serve [--db URL] [--udp PORT] [--bind ADDR]\n"
		"                        [--http PORT] [--http-bind ADDR]\n"
		"                        [--record FILE.pcap] [--verbose]\n"
		"Receive F1 22/23/24/25 UDP telemetry (any format year) and "
		"store every\nlap of every car. Stops cleanly on SIGINT or "
		"SIGTERM: laps in progress\nare stored, marked incomplete.\n"
		"  --db URL         store (default ./trailbrake.db or "
		"$TRAILBRAKE_DB)\n"
		"  --udp PORT       telemetry port (default 20777)\n"
		"  --bind ADDR      telemetry bind address (default 0.0.0.0)\n"
		"  --http PORT      HTTP port for /healthz and /metrics "
		"(default 8080, 0 = off)\n"
		"  --http-bind ADDR HTTP bind address (default 127.0.0.1)\n"
		"  --record FILE    also write every datagram to a pcap "
		"capture\n"
		"  --verbose        log every stored lap and rejected "
		"datagram\n");
}

int cli_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"udp", required_argument, NULL, 'u'},
		{"bind", required_argument, NULL, 'b'},
		{"http", required_argument, NULL, 'H'},
		{"http-bind", required_argument, NULL, 'B'},
		{"record", required_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct srv_config cfg;
	srv_config_default(&cfg);
	cfg.db_url = cli_default_db();
	long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cfg.db_url = optarg;
			break;
		case 'u':
			if (!cli_parse_long("serve", "--udp", optarg, 1, 65535,
					    &v))
				return 2;
			cfg.udp_port = (uint16_t)v;
			break;
		case 'b':
			cfg.udp_addr = optarg;
			break;
		case 'H':
			if (!cli_parse_long("serve", "--http", optarg, 0,
					    65535, &v))
				return 2;
			cfg.http_port = (uint16_t)v;
			break;
		case 'B':
			cfg.http_addr = optarg;
			break;
		case 'r':
			cfg.record_path = optarg;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "trailbrake serve: unexpected '%s'\n",
			argv[optind]);
		return 2;
	}
	struct tb_error err;
	tb_error_clear(&err);
	if (srv_run(&cfg, &err) != TB_OK)
		return cli_fail("serve", &err);
	return 0;
}

/* cmd_serve.c - `trailbrake serve`: the recording daemon. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

#include "../server/server.h"

static void serve_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake serve [--config FILE] [--db URL]\n"
		"                        [--udp PORT[/PROTO]]... "
		"[--gt7 HOST[/A|B|~]]... [--ac HOST[:PORT]]...\n"
		"                        [--bind ADDR] [--http PORT] "
		"[--http-bind ADDR]\n"
		"                        [--record FILE.pcap] [--verbose]\n"
		"Receive UDP telemetry and store every lap of every car. Each "
		"port finds\nthe game's protocol by itself (F1 22-25, DiRT "
		"Rally 2.0, EA WRC, Forza,\n...) unless /PROTO names it. "
		"Stops cleanly on SIGINT or SIGTERM: laps in\nprogress are "
		"stored, marked incomplete.\n"
		"  --config FILE    settings as 'key = value' lines (db, udp, "
		"gt7, ac, bind,\n"
		"                   http, http_bind, record, queue, verbose); "
		"flags override\n"
		"  --db URL         store (default ./trailbrake.db or "
		"$TRAILBRAKE_DB)\n"
		"  --udp PORT[/P]   telemetry port (repeatable; default 20777, "
		"detected)\n"
		"  --gt7 HOST[/V]   a PlayStation running GT7: heartbeat to it, "
		"listen on 33740\n"
		"  --ac HOST[:PORT] an Assetto Corsa host: handshake with it "
		"(port 9996)\n"
		"  --bind ADDR      telemetry bind address (default 0.0.0.0)\n"
		"  --http PORT      HTTP port for /healthz and /metrics "
		"(default 8080, 0 = off)\n"
		"  --http-bind ADDR HTTP bind address (default 127.0.0.1)\n"
		"  --record FILE    also write every datagram to a pcap "
		"capture\n"
		"  --wrc-schema F   EA WRC packet structure (the game's "
		"readme/udp/wrc.json)\n"
		"  --verbose        log every stored lap and rejected "
		"datagram\n");
}

static bool copy_arg(char *dst, size_t cap, const char *v, const char *opt)
{
	if (strlen(v) >= cap) {
		fprintf(stderr, "trailbrake serve: %s: value too long\n", opt);
		return false;
	}
	snprintf(dst, cap, "%s", v);
	return true;
}

int cli_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"db", required_argument, NULL, 'd'},
		{"udp", required_argument, NULL, 'u'},
		{"gt7", required_argument, NULL, 'g'},
		{"ac", required_argument, NULL, 'a'},
		{"bind", required_argument, NULL, 'b'},
		{"http", required_argument, NULL, 'H'},
		{"http-bind", required_argument, NULL, 'B'},
		{"record", required_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"wrc-schema", required_argument, NULL, 'W'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct srv_config cfg;
	srv_config_default(&cfg);
	snprintf(cfg.db_url, sizeof(cfg.db_url), "%s", cli_default_db());
	struct tb_error err;
	tb_error_clear(&err);
	long v;
	int c;
	/* The config file first, so that flags override it. */
	optind = 0; /* glibc: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		if (c == 'c' && srv_config_load(&cfg, optarg, &err) != TB_OK)
			return cli_fail("serve", &err);
	}
	opterr = 1;
	bool ports_from_flags = false;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "hv", opts, NULL)) != -1) {
		enum tb_status st = TB_OK;
		if ((c == 'u' || c == 'g' || c == 'a') && !ports_from_flags) {
			cfg.n_ports = 0; /* flags replace the file's ports */
			ports_from_flags = true;
		}
		switch (c) {
		case 'c':
			break;
		case 'd':
			if (!copy_arg(cfg.db_url, sizeof(cfg.db_url), optarg,
				      "--db"))
				return 2;
			break;
		case 'u':
			st = srv_config_add_udp(&cfg, optarg, &err);
			break;
		case 'g':
			st = srv_config_add_gt7(&cfg, optarg, &err);
			break;
		case 'a':
			st = srv_config_add_ac(&cfg, optarg, &err);
			break;
		case 'b':
			if (!copy_arg(cfg.udp_addr, sizeof(cfg.udp_addr), optarg,
				      "--bind"))
				return 2;
			break;
		case 'H':
			if (!cli_parse_long("serve", "--http", optarg, 0,
					    65535, &v))
				return 2;
			cfg.http_port = (uint16_t)v;
			break;
		case 'B':
			if (!copy_arg(cfg.http_addr, sizeof(cfg.http_addr),
				      optarg, "--http-bind"))
				return 2;
			break;
		case 'r':
			if (!copy_arg(cfg.record_path, sizeof(cfg.record_path),
				      optarg, "--record"))
				return 2;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'W':
			if (!copy_arg(cfg.wrc_schema, sizeof(cfg.wrc_schema),
				      optarg, "--wrc-schema"))
				return 2;
			break;
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return 2;
		}
		if (st != TB_OK) {
			fprintf(stderr, "trailbrake serve: %s\n", err.msg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "trailbrake serve: unexpected '%s'\n",
			argv[optind]);
		return 2;
	}
	if (srv_run(&cfg, &err) != TB_OK)
		return cli_fail("serve", &err);
	return 0;
}

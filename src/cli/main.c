/* main.c - `trailbrake`: dispatch to the commands, top-level help. */
#include "cli.h"

#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{"serve", cli_serve, "record UDP telemetry into the store, serve HTTP"},
	{"record", cli_record, "write a UDP stream to a pcap capture"},
	{"replay", cli_replay, "send a capture's datagrams to HOST:PORT"},
	{"import", cli_import, "import captures, .ibt, .ld, CSV, F1 timing"},
	{"gen", cli_gen, "generate a demo F1 stream (pcap or live UDP)"},
	{"sessions", cli_sessions, "list stored sessions"},
	{"laps", cli_laps, "list a session's laps"},
	{"export", cli_export, "export a lap's channels as CSV"},
	{"openf1", cli_openf1, "fetch real F1 laps from the OpenF1 API"},
	{"ref", cli_ref, "tag laps as references (pro laps), list them"},
	{"analyze", cli_analyze, "a lap against a reference, corner by corner"},
	{"compare", cli_compare, "laps' traces aligned by distance, as CSV"},
	{"sim", cli_sim, "physics-limit lap of a car class on a track"},
	{"coach", cli_coach, "rate a lap and give ranked advice"},
	{"train", cli_train, "train the coach's models on synthetic drivers"},
	{"check", cli_check, "read every stored lap back and verify it"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: trailbrake <command> [options]  "
		     "(trailbrake <command> --help)\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nThe store defaults to ./trailbrake.db (or "
		     "$TRAILBRAKE_DB); --db URL picks another.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("trailbrake 0.1.0\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "trailbrake: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}

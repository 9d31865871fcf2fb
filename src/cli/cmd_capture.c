/* cmd_capture.c - captures: `record` (UDP -> pcap), `replay` (pcap ->
 * UDP at real pace, N times faster or flat out) and `gen` (the demo
 * scenario as a pcap or a live stream, with its ground truth). */
#define _GNU_SOURCE
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../formats/pcap.h"
#include "../ingest/gen.h"
#include "../ingest/proto.h"

/* Sleep until monotonic time t_ns. */
static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = {.tv_sec = (time_t)(t_ns / 1000000000u),
			      .tv_nsec = (long)(t_ns % 1000000000u)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR) {
	}
}

/* "max" -> 0 (no pacing), else a factor > 0. */
static bool parse_rate(const char *cmd, const char *s, double *rate)
{
	if (!strcmp(s, "max")) {
		*rate = 0;
		return true;
	}
	return cli_parse_double(cmd, "--rate", s, 1e-3, 1e6, rate);
}

static int udp_sender(const char *cmd)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fprintf(stderr, "trailbrake %s: socket: %s\n", cmd,
			strerror(errno));
	int sz = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

/* ------------------------------------------------------------------ */

static void record_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake record --out FILE.pcap [--udp PORT] "
		"[--bind ADDR]\n"
		"                         [--duration SECONDS] [--count N]\n"
		"Write every datagram arriving on the UDP port (default 20777) "
		"to a pcap\ncapture that Wireshark and tcpdump open. Stops on "
		"SIGINT/SIGTERM, after\n--duration seconds or --count "
		"datagrams.\n");
}

int cli_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"udp", required_argument, NULL, 'u'},
		{"bind", required_argument, NULL, 'b'},
		{"duration", required_argument, NULL, 't'},
		{"count", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *out = NULL, *bind_addr = "0.0.0.0";
	long port = 20777, count = 0;
	double duration = 0;
	int c;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'u':
			if (!cli_parse_long("record", "--udp", optarg, 1,
					    65535, &port))
				return 2;
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 't':
			if (!cli_parse_double("record", "--duration", optarg,
					      0, 1e7, &duration))
				return 2;
			break;
		case 'n':
			if (!cli_parse_long("record", "--count", optarg, 0,
					    1L << 40, &count))
				return 2;
			break;
		case 'h':
			record_usage(stdout);
			return 0;
		default:
			record_usage(stderr);
			return 2;
		}
	}
	if (!out) {
		fprintf(stderr, "trailbrake record: --out FILE is required\n");
		return 2;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "trailbrake record: bad address '%s'\n",
			bind_addr);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "trailbrake record: cannot listen on UDP "
				"%s:%ld: %s\n",
			bind_addr, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 69;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	struct tb_error err;
	struct fmt_pcap_writer *w = NULL;
	if (fmt_pcap_writer_open(out, &w, &err) != TB_OK) {
		close(fd);
		close(sfd);
		return cli_fail("record", &err);
	}
	fprintf(stderr, "record: UDP %s:%ld -> %s\n", bind_addr, port, out);
	uint64_t end_ns = duration > 0 ? tb_now_ns() + (uint64_t)(duration * 1e9)
				       : 0;
	long n = 0;
	int rc = 0;
	uint8_t buf[65536];
	for (;;) {
		if (count && n >= count)
			break;
		int timeout = 200;
		if (end_ns && tb_now_ns() >= end_ns)
			break;
		struct pollfd pf[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
		if (poll(pf, 2, timeout) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (!(pf[0].revents & POLLIN))
			continue;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, buf, sizeof(buf), 0,
				       (struct sockaddr *)&from, &fl);
		if (len < 0)
			continue;
		struct fmt_udp_datagram d = {
			.ts_us = tb_wall_ms() * 1000,
			.src_ip = ntohl(from.sin_addr.s_addr),
			.dst_ip = ntohl(sa.sin_addr.s_addr) ? ntohl(sa.sin_addr.s_addr)
							    : 0x7f000001,
			.src_port = ntohs(from.sin_port),
			.dst_port = (uint16_t)port,
			.payload = buf,
			.len = (size_t)len};
		if (fmt_pcap_write(w, &d, &err) != TB_OK) {
			rc = cli_fail("record", &err);
			break;
		}
		n++;
	}
	fmt_pcap_writer_close(w);
	close(fd);
	close(sfd);
	fprintf(stderr, "record: %ld datagrams written to %s\n", n, out);
	return rc;
}

/* ------------------------------------------------------------------ */

static void replay_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake replay FILE.pcap --to HOST:PORT "
		"[--rate 1|N|max] [--port P]\n"
		"Send the UDP payloads of a capture (pcap or pcapng) to "
		"HOST:PORT, paced\nby the capture's timestamps: --rate 1 is "
		"real time (default), N is N\ntimes faster, max sends flat "
		"out. --port keeps only datagrams sent to P.\n");
}

int cli_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"to", required_argument, NULL, 't'},
		{"rate", required_argument, NULL, 'r'},
		{"port", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *to = NULL;
	double rate = 1;
	long only_port = 0;
	int c;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			to = optarg;
			break;
		case 'r':
			if (!parse_rate("replay", optarg, &rate))
				return 2;
			break;
		case 'p':
			if (!cli_parse_long("replay", "--port", optarg, 1,
					    65535, &only_port))
				return 2;
			break;
		case 'h':
			replay_usage(stdout);
			return 0;
		default:
			replay_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || !to) {
		replay_usage(stderr);
		return 2;
	}
	struct sockaddr_in dst;
	if (!cli_parse_hostport("replay", to, &dst))
		return 2;
	struct tb_error err;
	struct fmt_pcap_reader *rd = NULL;
	if (fmt_pcap_reader_open(argv[optind], &rd, &err) != TB_OK)
		return cli_fail("replay", &err);
	int fd = udp_sender("replay");
	if (fd < 0) {
		fmt_pcap_reader_close(rd);
		return 69;
	}
	uint64_t t0_ns = tb_now_ns(), n = 0, bytes = 0;
	int64_t ts0 = 0;
	bool first = true;
	int rc = 0;
	for (;;) {
		struct fmt_udp_datagram d;
		enum tb_status st = fmt_pcap_next(rd, &d, &err);
		if (st == TB_ERR_EMPTY)
			break;
		if (st != TB_OK) {
			rc = cli_fail("replay", &err);
			break;
		}
		if (only_port && d.dst_port != only_port)
			continue;
		if (first) {
			ts0 = d.ts_us;
			first = false;
		}
		if (rate > 0 && d.ts_us > ts0)
			sleep_until(t0_ns +
				    (uint64_t)((double)(d.ts_us - ts0) * 1e3 /
					       rate));
		if (sendto(fd, d.payload, d.len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0) {
			fprintf(stderr, "trailbrake replay: send: %s\n",
				strerror(errno));
			rc = 69;
			break;
		}
		n++;
		bytes += d.len;
		if (rate == 0 && (n & 63) == 0)
			usleep(50); /* let a local receiver keep up */
	}
	fprintf(stderr, "replay: %llu datagrams, %llu bytes in %.2f s\n",
		(unsigned long long)n, (unsigned long long)bytes,
		(tb_now_ns() - t0_ns) / 1e9);
	close(fd);
	fmt_pcap_reader_close(rd);
	return rc;
}

/* ------------------------------------------------------------------ */

static void gen_usage(FILE *out)
{
	fprintf(out,
		"usage: trailbrake gen [--cars N] [--laps K] [--format YEAR] "
		"[--seed S]\n"
		"                      (--out FILE.pcap | --to HOST:PORT "
		"[--rate 1|N|max])\n"
		"                      [--truth] [--protocol NAME "
		"[--variant V]]\n"
		"Drive N cars (default 4) round the built-in test circuit for "
		"K timed laps\n(default 3) and emit the F1 UDP stream of "
		"packet format YEAR (2022-2025,\ndefault 2025) at 60 Hz, "
		"into a capture or live to HOST:PORT. --truth\nprints each "
		"lap's time and sector times (ms) as CSV on stdout.\n"
		"--protocol codemasters|ea-wrc|forza|ac|gt7 emits car 0 in "
		"that game's\nprotocol instead (--variant picks a layout: "
		"Forza s/d/h/m, GT7 A/B/~).\n");
}

struct gen_opts {
	struct gen_config cfg;
	const char *out, *to;
	double rate;
	bool truth;
	const struct ingest_proto *proto; /* NULL: F1 */
	char variant;
};

static int gen_parse(int argc, char **argv, struct gen_opts *o)
{
	static const struct option opts[] = {
		{"cars", required_argument, NULL, 'c'},
		{"laps", required_argument, NULL, 'l'},
		{"format", required_argument, NULL, 'f'},
		{"seed", required_argument, NULL, 's'},
		{"out", required_argument, NULL, 'o'},
		{"to", required_argument, NULL, 't'},
		{"rate", required_argument, NULL, 'r'},
		{"truth", no_argument, NULL, 'T'},
		{"protocol", required_argument, NULL, 'P'},
		{"variant", required_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	long v;
	int c;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!cli_parse_long("gen", "--cars", optarg, 1, 22, &v))
				return 2;
			o->cfg.n_cars = (unsigned)v;
			break;
		case 'l':
			if (!cli_parse_long("gen", "--laps", optarg, 1, 200,
					    &v))
				return 2;
			o->cfg.n_laps = (unsigned)v;
			break;
		case 'f':
			if (!cli_parse_long("gen", "--format", optarg, 2022,
					    2025, &v))
				return 2;
			o->cfg.format = (uint16_t)v;
			break;
		case 's':
			if (!cli_parse_long("gen", "--seed", optarg, 0,
					    UINT32_MAX, &v))
				return 2;
			o->cfg.seed = (uint32_t)v;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 't':
			o->to = optarg;
			break;
		case 'r':
			if (!parse_rate("gen", optarg, &o->rate))
				return 2;
			break;
		case 'T':
			o->truth = true;
			break;
		case 'P':
			if (strcmp(optarg, "f1") == 0)
				break;
			o->proto = ingest_proto_by_name(optarg);
			if (!o->proto || !o->proto->gen_encode) {
				fprintf(stderr,
					"trailbrake gen: --protocol: '%s' is not "
					"a protocol with an encoder\n",
					optarg);
				return 2;
			}
			break;
		case 'V':
			if (strlen(optarg) != 1) {
				fprintf(stderr, "trailbrake gen: --variant: one "
						"character\n");
				return 2;
			}
			o->variant = optarg[0];
			break;
		case 'h':
			gen_usage(stdout);
			return 0;
		default:
			gen_usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (!o->out && !o->to && !o->truth) ||
	    (o->out && o->to)) {
		gen_usage(stderr);
		return 2;
	}
	return -1;
}

static void print_truth(const struct gen *g, const struct gen_config *cfg)
{
	printf("car,lap,lap_ms,s1_ms,s2_ms,s3_ms,flags,complete\n");
	for (unsigned car = 0; car < cfg->n_cars; car++) {
		for (unsigned lap = 1; lap <= cfg->n_laps + 2; lap++) {
			struct gen_lap_truth t;
			if (gen_lap_truth(g, car, lap, &t) != TB_OK)
				continue;
			printf("%u,%u,%d,%d,%d,%d,%u,%d\n", car, lap, t.lap_ms,
			       t.sector_ms[0], t.sector_ms[1], t.sector_ms[2],
			       t.flags, t.complete ? 1 : 0);
		}
	}
}

/* The next datagram of the generated stream: F1 packets, or car 0 of
 * each frame in another protocol. False at the end or on error (rc). */
static bool next_datagram(struct gen *g, const struct ingest_proto *proto,
			  char variant, uint8_t *buf, size_t cap, size_t *len,
			  double *t_s, int *rc)
{
	enum tb_status st;
	if (!proto) {
		struct f1_packet p;
		if (gen_next(g, &p, t_s) != TB_OK)
			return false;
		st = f1_encode(&p, buf, cap, len);
	} else {
		struct gen_frame f;
		if (gen_next_frame(g, &f) != TB_OK)
			return false;
		*t_s = f.t_s;
		st = proto->gen_encode(&f, 0, variant, buf, cap, len);
	}
	if (st != TB_OK) {
		fprintf(stderr, "trailbrake gen: cannot encode: %s\n",
			tb_strerror(st));
		*rc = 70;
		return false;
	}
	return true;
}

/* Fixed capture epoch so generated files are reproducible. */
#define GEN_EPOCH_US 1767225600000000LL /* 2026-01-01T00:00:00Z */

int cli_gen(int argc, char **argv)
{
	struct gen_opts o;
	memset(&o, 0, sizeof(o));
	gen_config_default(&o.cfg);
	o.rate = 1;
	int prc = gen_parse(argc, argv, &o);
	if (prc >= 0)
		return prc;
	if (o.proto)
		o.cfg.n_cars = 1; /* single-car protocols send the player */
	struct sockaddr_in dst;
	if (o.to && !cli_parse_hostport("gen", o.to, &dst))
		return 2;
	struct tb_error err;
	struct gen *g = NULL;
	if (gen_create(&o.cfg, &g, &err) != TB_OK)
		return cli_fail("gen", &err);
	if (o.truth)
		print_truth(g, &o.cfg);
	struct fmt_pcap_writer *w = NULL;
	int fd = -1, rc = 0;
	if (o.out && fmt_pcap_writer_open(o.out, &w, &err) != TB_OK) {
		gen_destroy(g);
		return cli_fail("gen", &err);
	}
	if (o.to && (fd = udp_sender("gen")) < 0) {
		gen_destroy(g);
		return 69;
	}
	uint64_t n = 0, t0_ns = tb_now_ns();
	uint8_t buf[TB_DATAGRAM_MAX];
	double t_s;
	size_t len;
	uint16_t dport = o.proto && o.proto->default_port
				 ? o.proto->default_port
				 : 20777;
	while ((o.out || o.to) &&
	       next_datagram(g, o.proto, o.variant, buf, sizeof(buf), &len,
			     &t_s, &rc)) {
		if (w) {
			struct fmt_udp_datagram d = {
				.ts_us = GEN_EPOCH_US + (int64_t)(t_s * 1e6),
				.src_ip = 0x7f000001,
				.dst_ip = 0x7f000001,
				.src_port = 50000,
				.dst_port = dport,
				.payload = buf,
				.len = len};
			if (fmt_pcap_write(w, &d, &err) != TB_OK) {
				rc = cli_fail("gen", &err);
				break;
			}
		} else {
			if (o.rate > 0)
				sleep_until(t0_ns + (uint64_t)(t_s * 1e9 /
							       o.rate));
			else if ((n & 63) == 0)
				usleep(50);
			if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst,
				   sizeof(dst)) < 0) {
				fprintf(stderr, "trailbrake gen: send: %s\n",
					strerror(errno));
				rc = 69;
				break;
			}
		}
		n++;
	}
	if (o.out || o.to)
		fprintf(stderr, "gen: %llu packets, %u cars x %u laps, format "
				"%u%s%s\n",
			(unsigned long long)n, o.cfg.n_cars, o.cfg.n_laps,
			o.cfg.format, o.out ? " -> " : "",
			o.out ? o.out : "");
	fmt_pcap_writer_close(w);
	if (fd >= 0)
		close(fd);
	gen_destroy(g);
	return rc;
}

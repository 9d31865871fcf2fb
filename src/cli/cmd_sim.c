/* cmd_sim.c - `trailbrake sim limit --track T --class C [--csv FILE]`:
 * the physics-limit lap of a car class on a built-in circuit or a
 * circuit file of the shared track data; prints the lap time and the
 * top and minimum speed, optionally writes the lap's channels as CSV.
 * `trailbrake sim driver ... --mistakes SPEC --laps N`: laps of a
 * synthetic driver with injected mistakes and each mistake's cost, as
 * CSV or as a game's packet stream (--emit, live or to a pcap). */
#define _GNU_SOURCE
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../formats/csv.h"
#include "../formats/pcap.h"
#include "../ingest/proto.h"
#include "../sim/sim.h"
#include "sim_emit.h"

#define SIM_CSV_HZ 20.0

static void sim_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: trailbrake sim limit --track T --class F1|LMH|GT3|Rally"
	    "\n         [--tracks DIR] [--csv FILE] [--rate HZ]\n"
	    "       trailbrake sim driver --track T --class C "
	    "[--mistakes SPEC]\n"
	    "         [--laps N] [--skill S] [--noise] [--tracks DIR] "
	    "[--csv FILE] [--rate HZ]\n"
	    "  SPEC: kind:corner:size,... with kind brake-early (m), "
	    "slow (factor),\n"
	    "     late-throttle (m), coast (m), no-trail-brake (m "
	    "before the turn-in),\n"
	    "     over-drive (m later), steer-corrections (count 1..8) "
	    "or poor-exit\n"
	    "     (share of the traction limit), e.g. "
	    "brake-early:2:20,slow:4:0.9\n"
	    "  --skill S   share of the grip used, (0, 1] (default 1)\n"
	    "  --noise     sensor noise (speed 0.05 m/s, pedals 0.01, "
	    "position 0.02 m),\n"
	    "              another draw every lap\n"
	    "  T: a built-in circuit (oval, club, ring) or a circuit id\n"
	    "     of DIR (default $TRAILBRAKE_DATA/tracks/"
	    "bacinger-f1-circuits/csv_local_m), e.g. it-1922\n"
	    "  --csv FILE  the lap as CSV at --rate Hz (default 20; - for "
	    "stdout)\n"
	    "  --emit PROTO (--to HOST:PORT | --out FILE.pcap): the laps "
	    "as a game's\n"
	    "     packet stream at --rate Hz (default 60): PROTO f1-2025, "
	    "f1-2024,\n"
	    "     f1-2023, f1-2022, codemasters (dirt-rally-2), ea-wrc, "
	    "forza\n"
	    "     (--variant s|d|h|m), ac or gt7 (--variant A|B|~); live "
	    "at real time\n"
	    "     unless --speed X (X times faster, max = flat out); a "
	    "pcap flat out\n"
	    "  --driver S[/SPEC]  one more car (F1 only; up to 22): skill S "
	    "and its\n"
	    "     mistakes; without it one car of --skill and --mistakes\n");
}

static int load_track(const char *name, const char *dir, struct ana_track *t)
{
	struct tb_error err;
	tb_error_clear(&err);
	for (size_t i = 0; i < sim_builtin_count(); i++) {
		if (!strcmp(name, sim_builtin_name(i))) {
			if (sim_track_builtin(name, t, &err) != TB_OK)
				return cli_fail("sim", &err);
			return 0;
		}
	}
	char path[1024];
	const char *data = getenv("TRAILBRAKE_DATA");
	int w;
	if (dir)
		w = snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	else if (data && *data)
		w = snprintf(path, sizeof(path),
			     "%s/tracks/bacinger-f1-circuits/csv_local_m/"
			     "%s.csv",
			     data, name);
	else {
		fprintf(stderr,
			"trailbrake sim: '%s' is not a built-in track "
			"and neither --tracks nor TRAILBRAKE_DATA is "
			"set\n",
			name);
		return 2;
	}
	if (w < 0 || (size_t)w >= sizeof(path)) {
		fprintf(stderr, "trailbrake sim: track path too long\n");
		return 2;
	}
	if (sim_track_load_csv(path, NULL, t, &err) != TB_OK)
		return cli_fail("sim", &err);
	return 0;
}

static int write_laps(const char *out, const struct ana_track *t,
		      const struct sim_car *car, const struct tb_lap *laps,
		      size_t n_laps, const char *track, const char *who)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct tb_session_info si;
	memset(&si, 0, sizeof(si));
	si.track_id = -1;
	si.weather = -1;
	si.car_class = car->cls;
	si.track_length_m = t->length_m;
	snprintf(si.track, sizeof(si.track), "%s", track);
	struct tb_car_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.team_id = -1;
	ci.race_number = -1;
	snprintf(ci.driver, sizeof(ci.driver), "%s", who);
	snprintf(ci.car, sizeof(ci.car), "%s", car->name);
	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
	int rc = 0;
	if (!f) {
		fprintf(stderr, "trailbrake sim: cannot write %s\n", out);
		return 73;
	}
	if (fmt_csv_write_laps(f, &si, &ci, laps, n_laps, &err) != TB_OK)
		rc = cli_fail("sim", &err);
	if (f != stdout && fclose(f) != 0 && rc == 0) {
		fprintf(stderr, "trailbrake sim: writing %s failed\n", out);
		rc = 74;
	}
	return rc;
}

static int write_csv(const char *out, const struct ana_track *t,
		     const struct sim_car *car, const struct sim_result *r,
		     double rate, const char *track)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct tb_lap lap;
	tb_lap_init(&lap);
	if (sim_result_to_lap(t, car, r, rate, &lap, &err) != TB_OK)
		return cli_fail("sim", &err);
	int rc = write_laps(out, t, car, &lap, 1, track, "sim limit");
	tb_lap_release(&lap);
	return rc;
}

#define SIM_LAPS_MAX 100

#define EMIT_DEFAULT_HZ 60.0
#define EMIT_EPOCH_US	1767225600000000LL /* 2026-01-01T00:00:00Z */

/* Options of `sim driver` beyond those of `sim limit`. */
struct driver_opts {
	const char *track, *csv;
	struct sim_driver d;
	long laps;
	double rate;
	bool noise;
	/* --emit */
	const char *emit, *to, *out;
	double speed; /* pacing factor; 0 flat out; < 0 default */
	char variant;
	struct sim_emit_car cars[F1_CARS];
	unsigned n_cars; /* from --driver; 0 = one of d */
};

static void print_costs(FILE *info, const struct sim_driver *d,
			const struct sim_driver_report *rep)
{
	char lt[32];
	cli_fmt_ms((int32_t)(rep->clean_s * 1000.0 + 0.5), lt, sizeof(lt));
	fprintf(info,
		"clean lap %s (%.3f s); with the mistakes %.3f s "
		"(%+.3f s)\n",
		lt, rep->clean_s, rep->lap_s, rep->lap_s - rep->clean_s);
	for (size_t j = 0; j < rep->n; j++) {
		const struct sim_mistake *m = &d->m[j];
		const struct sim_mistake_result *r = &rep->m[j];
		fprintf(info,
			"  %s corner %d size %g: true cost %+.3f s "
			"(at %.0f m, clean %.0f m; min %.1f km/h, clean "
			"%.1f km/h)\n",
			sim_mistake_name(m->kind), m->corner, m->size,
			r->cost_s, r->at_m, r->base_at_m,
			r->min_ms * TB_KMH_PER_MS,
			r->base_min_ms * TB_KMH_PER_MS);
	}
}

static int drive_laps(const struct driver_opts *o, const struct ana_track *t,
		      const struct sim_car *car, const struct ana_corners *cs,
		      const struct sim_result *r, FILE *info)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct tb_lap *laps = tb_malloc(sizeof(*laps) * (size_t)o->laps);
	if (!laps) {
		fprintf(stderr, "trailbrake sim: out of memory\n");
		return 70;
	}
	int rc = 0;
	long made = 0;
	for (long i = 0; i < o->laps && rc == 0; i++) {
		struct sim_noise nz = {0.05, 0.01, 0.02, (uint64_t)i + 1};
		tb_lap_init(&laps[i]);
		made++;
		if (sim_driver_sample(t, car, &o->d, cs, r,
				      o->noise ? &nz : NULL, o->rate, &laps[i],
				      &err) != TB_OK) {
			rc = cli_fail("sim", &err);
			break;
		}
		laps[i].lap_number = (uint32_t)i + 1;
		char lt[32];
		cli_fmt_ms(laps[i].lap_time_ms, lt, sizeof(lt));
		fprintf(info, "lap %ld: %s (%.3f s)%s\n", i + 1, lt,
			r->lap_time_s, o->noise ? ", noisy channels" : "");
	}
	if (rc == 0 && o->csv)
		rc = write_laps(o->csv, t, car, laps, (size_t)o->laps, o->track,
				"sim driver");
	for (long i = 0; i < made; i++)
		tb_lap_release(&laps[i]);
	tb_free(laps);
	return rc;
}

/* The protocol of --emit: F1 (proto NULL, *format set) or one with an
 * encoder. False (message printed) if unknown. */
static bool emit_proto(const char *name, const struct ingest_proto **proto,
		       uint16_t *format)
{
	static const struct {
		const char *name;
		uint16_t format;
	} f1[] = {{"f1", 2025},
		  {"f1-2025", 2025},
		  {"f1-2024", 2024},
		  {"f1-2023", 2023},
		  {"f1-2022", 2022}};
	*proto = NULL;
	for (size_t i = 0; i < sizeof(f1) / sizeof(f1[0]); i++) {
		if (!strcmp(name, f1[i].name)) {
			*format = f1[i].format;
			return true;
		}
	}
	*format = 2025;
	*proto = ingest_proto_by_name(
	    strcmp(name, "dirt-rally-2") ? name : "codemasters");
	if (*proto && (*proto)->gen_encode)
		return true;
	fprintf(stderr,
		"trailbrake sim: --emit: '%s' is not f1-2025, f1-2024, "
		"f1-2023, f1-2022, codemasters, dirt-rally-2, ea-wrc, forza, "
		"ac or gt7\n",
		name);
	return false;
}

static void sleep_until_ns(uint64_t t_ns)
{
	struct timespec ts = {.tv_sec = (time_t)(t_ns / 1000000000u),
			      .tv_nsec = (long)(t_ns % 1000000000u)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR) {
	}
}

/* Where the datagrams go: a pcap writer or a UDP socket, paced. */
struct emit_sink {
	struct fmt_pcap_writer *w;
	int fd;
	struct sockaddr_in dst;
	uint16_t dport;
	double speed;
	uint64_t t0_ns, n;
};

static int sink_put(struct emit_sink *k, const uint8_t *buf, size_t len,
		    double t_s)
{
	struct tb_error err;
	tb_error_clear(&err);
	if (k->w) {
		struct fmt_udp_datagram d = {
		    .ts_us = EMIT_EPOCH_US + (int64_t)llround(t_s * 1e6),
		    .src_ip = 0x7f000001,
		    .dst_ip = 0x7f000001,
		    .src_port = 50000,
		    .dst_port = k->dport,
		    .payload = buf,
		    .len = len};
		if (fmt_pcap_write(k->w, &d, &err) != TB_OK)
			return cli_fail("sim", &err);
	} else {
		if (k->speed > 0)
			sleep_until_ns(k->t0_ns +
				       (uint64_t)(t_s * 1e9 / k->speed));
		else if ((k->n & 63) == 0)
			usleep(50); /* flat out, but let the receiver read */
		if (sendto(k->fd, buf, len, 0, (struct sockaddr *)&k->dst,
			   sizeof(k->dst)) < 0) {
			fprintf(stderr, "trailbrake sim: send: %s\n",
				strerror(errno));
			return 69;
		}
	}
	k->n++;
	return 0;
}

/* Every datagram of the stream into the sink. */
static int emit_stream(struct sim_emit *se, const struct ingest_proto *proto,
		       char variant, struct emit_sink *k)
{
	struct tb_error err;
	tb_error_clear(&err);
	uint8_t buf[TB_DATAGRAM_MAX];
	for (;;) {
		size_t len = 0;
		double t_s = 0;
		enum tb_status st;
		if (!proto) {
			struct f1_packet p;
			st = sim_emit_next(se, &p, &t_s, &err);
			if (st == TB_OK)
				st = f1_encode(&p, buf, sizeof(buf), &len);
		} else {
			struct gen_frame f;
			st = sim_emit_next_frame(se, &f, &err);
			t_s = f.t_s;
			if (st == TB_OK)
				st = proto->gen_encode(&f, 0, variant, buf,
						       sizeof(buf), &len);
		}
		if (st == TB_ERR_EMPTY)
			return 0;
		if (st != TB_OK) {
			if (!err.msg[0])
				tb_fail(&err, st, "cannot encode: %s",
					tb_strerror(st));
			return cli_fail("sim", &err);
		}
		int rc = sink_put(k, buf, len, t_s);
		if (rc != 0)
			return rc;
	}
}

static int run_emit(const struct driver_opts *o, const struct ana_track *t,
		    const struct sim_car *car)
{
	const struct ingest_proto *proto;
	uint16_t format;
	if (!emit_proto(o->emit, &proto, &format))
		return 2;
	struct sim_emit_car one;
	memset(&one, 0, sizeof(one));
	one.d = o->d;
	snprintf(one.name, sizeof(one.name), "Sim driver");
	struct sim_emit_config cfg = {.track = t,
				      .car = car,
				      .cars = o->n_cars ? o->cars : &one,
				      .n_cars =
					  o->n_cars && !proto ? o->n_cars : 1,
				      .n_laps = (unsigned)o->laps,
				      .rate_hz = (unsigned)lround(o->rate),
				      .format = format,
				      .session_uid = 0x51D0C0DEull,
				      .noise = o->noise};
	struct emit_sink k;
	memset(&k, 0, sizeof(k));
	k.fd = -1;
	k.dport = proto && proto->default_port ? proto->default_port : 20777;
	k.speed = o->speed >= 0 ? o->speed : (o->to ? 1.0 : 0.0);
	if (o->to && !cli_parse_hostport("sim", o->to, &k.dst))
		return 2;
	struct tb_error err;
	tb_error_clear(&err);
	struct sim_emit *se = NULL;
	if (sim_emit_create(&cfg, &se, &err) != TB_OK)
		return cli_fail("sim", &err);
	int rc = 0;
	if (o->out && fmt_pcap_writer_open(o->out, &k.w, &err) != TB_OK) {
		rc = cli_fail("sim", &err);
		goto out;
	}
	if (o->to) {
		k.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int sz = 4 << 20;
		if (k.fd < 0 || setsockopt(k.fd, SOL_SOCKET, SO_SNDBUF, &sz,
					   sizeof(sz)) != 0) {
			fprintf(stderr, "trailbrake sim: socket: %s\n",
				strerror(errno));
			rc = 69;
			goto out;
		}
	}
	for (unsigned c = 0; c < cfg.n_cars; c++)
		printf("car %u %s: lap %.3f s\n", c, cfg.cars[c].name,
		       sim_emit_lap_s(se, c));
	k.t0_ns = tb_now_ns();
	rc = emit_stream(se, proto, o->variant, &k);
	fprintf(stderr,
		"sim: %llu datagrams, %u car%s x %u laps, %s at %u Hz%s%s\n",
		(unsigned long long)k.n, cfg.n_cars, cfg.n_cars > 1 ? "s" : "",
		cfg.n_laps, o->emit, cfg.rate_hz, o->out ? " -> " : "",
		o->out ? o->out : "");
out:
	fmt_pcap_writer_close(k.w);
	if (k.fd >= 0)
		close(k.fd);
	sim_emit_destroy(se);
	return rc;
}

/* --driver "S[/SPEC]": one more car of skill S with mistakes SPEC. */
static int parse_driver_car(const char *arg, struct driver_opts *o)
{
	if (o->n_cars >= F1_CARS) {
		fprintf(stderr, "trailbrake sim: --driver: at most %u cars\n",
			F1_CARS);
		return 2;
	}
	struct sim_emit_car *e = &o->cars[o->n_cars];
	memset(e, 0, sizeof(*e));
	char *end = NULL;
	double skill = strtod(arg, &end);
	if (end == arg || (*end && *end != '/') || !(skill > 0 && skill <= 1)) {
		fprintf(stderr,
			"trailbrake sim: --driver '%s': SKILL[/MISTAKES] "
			"with a skill in (0, 1]\n",
			arg);
		return 2;
	}
	struct tb_error err;
	tb_error_clear(&err);
	if (sim_mistakes_parse(*end ? end + 1 : "", &e->d, &err) != TB_OK)
		return cli_fail("sim", &err) ? 2 : 2;
	e->d.skill = skill;
	snprintf(e->name, sizeof(e->name), "Sim %u (%.2f%s)", o->n_cars + 1,
		 skill, e->d.n_mistakes ? " mistakes" : "");
	o->n_cars++;
	return 0;
}

static int run_driver(const struct driver_opts *o, const struct ana_track *t,
		      const struct sim_car *car)
{
	struct tb_error err;
	tb_error_clear(&err);
	struct ana_corners *cs = tb_malloc(sizeof(*cs));
	struct sim_driver_report *rep = tb_malloc(sizeof(*rep));
	struct sim_result r;
	memset(&r, 0, sizeof(r));
	int rc = 0;
	if (!cs || !rep) {
		fprintf(stderr, "trailbrake sim: out of memory\n");
		rc = 70;
		goto out;
	}
	if (sim_driver_corners(t, car, cs, &err) != TB_OK ||
	    sim_driver_solve(t, car, &o->d, cs, &r, &err) != TB_OK ||
	    (o->n_cars == 0 &&
	     sim_driver_report(t, car, &o->d, cs, rep, &err) != TB_OK)) {
		rc = cli_fail("sim", &err);
		goto out;
	}
	FILE *info = o->csv && !strcmp(o->csv, "-") ? stderr : stdout;
	fprintf(info, "%s, %s (%.0f m): %zu corners\n", car->name, o->track,
		t->length_m, cs->n);
	if (o->n_cars == 0)
		fprintf(info,
			"skill %.3f: ", o->d.skill == 0 ? 1.0 : o->d.skill);
	if (o->n_cars == 0)
		print_costs(info, &o->d, rep);
	for (unsigned c = 0; c < o->n_cars; c++) {
		const struct sim_driver *d = &o->cars[c].d;
		if (sim_driver_report(t, car, d, cs, rep, &err) != TB_OK) {
			rc = cli_fail("sim", &err);
			goto out;
		}
		fprintf(info, "car %u %s, skill %.3f: ", c, o->cars[c].name,
			d->skill);
		print_costs(info, d, rep);
	}
	if (o->emit)
		rc = run_emit(o, t, car);
	else
		rc = drive_laps(o, t, car, cs, &r, info);
out:
	sim_result_release(&r);
	tb_free(rep);
	tb_free(cs);
	return rc;
}

int cli_sim(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"track", required_argument, NULL, 't'},
	    {"class", required_argument, NULL, 'c'},
	    {"tracks", required_argument, NULL, 'T'},
	    {"csv", required_argument, NULL, 'o'},
	    {"rate", required_argument, NULL, 'r'},
	    {"mistakes", required_argument, NULL, 'm'},
	    {"laps", required_argument, NULL, 'n'},
	    {"skill", required_argument, NULL, 's'},
	    {"noise", no_argument, NULL, 'N'},
	    {"emit", required_argument, NULL, 'E'},
	    {"to", required_argument, NULL, 'D'},
	    {"out", required_argument, NULL, 'O'},
	    {"speed", required_argument, NULL, 'S'},
	    {"realtime", no_argument, NULL, 'R'},
	    {"variant", required_argument, NULL, 'V'},
	    {"driver", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	const char *track = NULL, *dir = NULL, *csv = NULL;
	enum tb_car_class cls = TB_CLASS_OTHER;
	double rate = SIM_CSV_HZ, laps = 1, skill = 1;
	const char *mistakes = "";
	bool noise = false, rate_set = false;
	struct driver_opts dopt;
	memset(&dopt, 0, sizeof(dopt));
	dopt.speed = -1;
	int c;
	optind = 0; /* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			track = optarg;
			break;
		case 'c':
			if (sim_class_by_name(optarg, &cls) != TB_OK) {
				fprintf(stderr,
					"trailbrake sim: --class: '%s' "
					"is not one of F1, LMH, GT3, "
					"Rally\n",
					optarg);
				return 2;
			}
			break;
		case 'T':
			dir = optarg;
			break;
		case 'o':
			csv = optarg;
			break;
		case 'r':
			if (!cli_parse_double("sim", "--rate", optarg, 0.1,
					      10000, &rate))
				return 2;
			rate_set = true;
			break;
		case 'm':
			mistakes = optarg;
			break;
		case 'n':
			if (!cli_parse_double("sim", "--laps", optarg, 1,
					      SIM_LAPS_MAX, &laps))
				return 2;
			break;
		case 's':
			if (!cli_parse_double("sim", "--skill", optarg, 0.01, 1,
					      &skill))
				return 2;
			break;
		case 'N':
			noise = true;
			break;
		case 'E':
			dopt.emit = optarg;
			break;
		case 'D':
			dopt.to = optarg;
			break;
		case 'O':
			dopt.out = optarg;
			break;
		case 'S':
			if (!strcmp(optarg, "max"))
				dopt.speed = 0;
			else if (!cli_parse_double("sim", "--speed", optarg,
						   1e-3, 1e6, &dopt.speed))
				return 2;
			break;
		case 'R':
			dopt.speed = 1;
			break;
		case 'V':
			if (strlen(optarg) != 1) {
				fprintf(stderr, "trailbrake sim: --variant: "
						"one character\n");
				return 2;
			}
			dopt.variant = optarg[0];
			break;
		case 'd':
			if (parse_driver_car(optarg, &dopt) != 0)
				return 2;
			break;
		case 'h':
			sim_usage(stdout);
			return 0;
		default:
			sim_usage(stderr);
			return 2;
		}
	}
	bool driver = optind < argc && !strcmp(argv[optind], "driver");
	if (optind >= argc || (strcmp(argv[optind], "limit") != 0 && !driver) ||
	    !track || cls == TB_CLASS_OTHER) {
		sim_usage(stderr);
		return 2;
	}
	if (driver && dopt.emit && (!dopt.to == !dopt.out)) {
		fprintf(stderr, "trailbrake sim: --emit needs one of --to "
				"HOST:PORT or --out FILE.pcap\n");
		return 2;
	}
	if (driver && !dopt.emit && (dopt.to || dopt.out || dopt.n_cars)) {
		fprintf(stderr, "trailbrake sim: --to, --out and --driver go "
				"with --emit\n");
		return 2;
	}
	if (driver && dopt.emit && !rate_set)
		rate = EMIT_DEFAULT_HZ;
	if (driver && dopt.emit && (rate != floor(rate) || rate > 1000)) {
		fprintf(stderr, "trailbrake sim: --rate: a whole number of "
				"frames per second up to 1000 with --emit\n");
		return 2;
	}
	if (driver) {
		struct tb_error perr;
		tb_error_clear(&perr);
		if (sim_mistakes_parse(mistakes, &dopt.d, &perr) != TB_OK)
			return cli_fail("sim", &perr);
		if (laps != floor(laps)) {
			fprintf(stderr, "trailbrake sim: --laps: whole "
					"number expected\n");
			return 2;
		}
		dopt.track = track;
		dopt.csv = csv;
		dopt.laps = (long)laps;
		dopt.rate = rate;
		dopt.noise = noise;
		dopt.d.skill = skill;
	}
	struct ana_track t;
	int rc = load_track(track, dir, &t);
	if (rc != 0)
		return rc;
	struct tb_error err;
	tb_error_clear(&err);
	struct sim_car car;
	struct sim_result r;
	if (driver) {
		if (sim_car_class(cls, &car, &err) != TB_OK)
			rc = cli_fail("sim", &err);
		else
			rc = run_driver(&dopt, &t, &car);
		ana_track_release(&t);
		return rc;
	}
	if (sim_car_class(cls, &car, &err) != TB_OK ||
	    sim_solve(&t, &car, &r, &err) != TB_OK) {
		ana_track_release(&t);
		return cli_fail("sim", &err);
	}
	char lt[32];
	cli_fmt_ms((int32_t)(r.lap_time_s * 1000.0 + 0.5), lt, sizeof(lt));
	FILE *info = csv && !strcmp(csv, "-") ? stderr : stdout;
	fprintf(info,
		"%s, %s (%.0f m): limit lap %s (%.3f s), top %.1f km/h, "
		"minimum %.1f km/h\n",
		car.name, track, t.length_m, lt, r.lap_time_s,
		r.v_top * TB_KMH_PER_MS, r.v_min * TB_KMH_PER_MS);
	if (csv)
		rc = write_csv(csv, &t, &car, &r, rate, track);
	sim_result_release(&r);
	ana_track_release(&t);
	return rc;
}

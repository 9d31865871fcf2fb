/* test_serve.c - the daemon end to end over real loopback sockets:
 * start `trailbrake serve` on a fresh SQLite file, send it 100,000
 * garbage datagrams mixed into a generated 4-car stream, read /healthz
 * and /metrics over HTTP, stop it with SIGTERM, then check the store
 * holds every generated lap with the generator's exact times and that
 * the rejects were counted per reason. */
#include "tb_test.h"

#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ingest/gen.h"
#include "store/store.h"

struct served {
	pid_t pid;
	int udp_port, http_port;
	char db[256];
};

static void start_serve(struct served *s, const char *dir)
{
	const char *bin = getenv("TB_BIN");
	assert_non_null(bin);
	snprintf(s->db, sizeof(s->db), "%s/tb.db", dir);
	s->udp_port = 30000 + (getpid() % 10000);
	s->http_port = s->udp_port + 1;
	char udp[16], http[16];
	snprintf(udp, sizeof(udp), "%d", s->udp_port);
	snprintf(http, sizeof(http), "%d", s->http_port);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		execl(bin, bin, "serve", "--db", s->db, "--udp", udp, "--http",
		      http, "--bind", "127.0.0.1", (char *)NULL);
		_exit(127);
	}
}

/* GET path over HTTP/1.0; returns the status code, body in buf. */
static int http_get(int port, const char *path, char *buf, size_t cap)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	char req[256];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	size_t got = 0;
	ssize_t r;
	while (got + 1 < cap && (r = read(fd, buf + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	close(fd);
	int code = -1;
	if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
		return -1;
	return code;
}

static void wait_ready(const struct served *s)
{
	static char buf[4096];
	for (int i = 0; i < 200; i++) {
		if (http_get(s->http_port, "/healthz", buf, sizeof(buf)) == 200)
			return;
		tbt_sleep_ms(25);
	}
	fail_msg("serve did not answer /healthz");
}

/* Sum of every sample line whose name starts with prefix. */
static uint64_t sum_metric(const char *text, const char *prefix)
{
	uint64_t sum = 0;
	size_t pl = strlen(prefix);
	for (const char *line = text; line && *line;) {
		if (!strncmp(line, prefix, pl)) {
			const char *sp = strchr(line, ' ');
			unsigned long long v;
			if (sp && sscanf(sp, " %llu", &v) == 1)
				sum += v;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return sum;
}

struct lap_seen {
	unsigned car, lap;
	int32_t ms, s[3];
	uint32_t flags;
};

struct collect {
	size_t n;
	struct lap_seen laps[256];
};

static int on_lap_row(void *ctx, const struct store_lap_row *r)
{
	struct collect *c = ctx;
	if (c->n < 256) {
		struct lap_seen *l = &c->laps[c->n++];
		l->car = r->car_index;
		l->lap = r->lap_number;
		l->ms = r->lap_time_ms;
		memcpy(l->s, r->sector_ms, sizeof(l->s));
		l->flags = r->flags;
	}
	return 0;
}

static int first_session(void *ctx, const struct store_session_row *r)
{
	*(int64_t *)ctx = r->id;
	return 1;
}

/* A length no 2025 packet (nor event) has, so random bytes behind a
 * valid format are certain to be rejected. */
static size_t never_valid(size_t len)
{
	for (;;) {
		bool valid = len >= 29 && len <= 64;
		for (unsigned id = 0; id < F1_PACKET__COUNT; id++)
			valid = valid || f1_packet_size(2025, id) == len;
		if (!valid)
			return len;
		len++;
	}
}

static void test_serve_garbage_and_laps(void **state)
{
	(void)state;
	char *dir = tbt_tmpdir();
	struct served s;
	start_serve(&s, dir);
	wait_ready(&s);

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in dst = {.sin_family = AF_INET,
				  .sin_port = htons((uint16_t)s.udp_port)};
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);

	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 4;
	cfg.n_laps = 2;
	struct gen *g;
	assert_int_equal(gen_create(&cfg, &g, NULL), TB_OK);
	uint64_t rng = 0x9E3779B97F4A7C15ull;
	uint8_t buf[2048];
	struct f1_packet p;
	double t;
	unsigned garbage = 0, sent = 0;
	while (gen_next(g, &p, &t) == TB_OK) {
		size_t len;
		assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
		assert_true(sendto(fd, buf, len, 0, (struct sockaddr *)&dst,
				   sizeof(dst)) == (ssize_t)len);
		/* interleave garbage: random lengths and bytes */
		for (int k = 0; k < 4 && garbage < 100000; k++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			size_t glen = rng % 1500;
			for (size_t i = 0; i < glen; i++)
				buf[i] = (uint8_t)(rng >> ((i % 8) * 8)) ^
					 (uint8_t)i;
			if (glen >= 2 && (rng & 1)) {
				buf[0] = 0xE9; /* a valid format, 2025 */
				buf[1] = 0x07;
				glen = never_valid(glen);
			}
			assert_true(sendto(fd, buf, glen, 0,
					   (struct sockaddr *)&dst,
					   sizeof(dst)) == (ssize_t)glen);
			garbage++;
		}
		if ((++sent & 127) == 0)
			tbt_sleep_ms(2); /* stay under the socket buffer */
	}
	while (garbage < 100000) {
		size_t glen = garbage % 64;
		memset(buf, 0xA5, glen);
		assert_true(sendto(fd, buf, glen, 0, (struct sockaddr *)&dst,
				   sizeof(dst)) == (ssize_t)glen);
		if ((++garbage & 127) == 0)
			tbt_sleep_ms(1);
	}
	close(fd);
	tbt_sleep_ms(300);

	static char text[65536];
	assert_int_equal(http_get(s.http_port, "/metrics", text, sizeof(text)),
			 200);
	uint64_t rej = sum_metric(text, "trailbrake_rejected_total{");
	assert_true(strstr(text, "trailbrake_rejected_total{port=") != NULL);
	assert_true(strstr(text, "protocol=\"f1\",reason=\"length\"}") !=
		    NULL);
	/* Random bytes can form a valid packet only by a vanishing chance;
	 * every garbage datagram is counted as a reject. */
	assert_int_equal(rej, 100000);
	assert_int_equal(http_get(s.http_port, "/nope", text, sizeof(text)),
			 404);

	kill(s.pid, SIGTERM);
	int status;
	assert_int_equal(waitpid(s.pid, &status, 0), s.pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	struct store *st;
	assert_int_equal(store_open(s.db, &st, NULL), TB_OK);
	int64_t sid = 0;
	assert_int_equal(store_sessions_list(st, first_session, &sid, NULL),
			 TB_OK);
	assert_true(sid > 0);
	struct collect c = {0};
	assert_int_equal(store_laps_list(st, sid, on_lap_row, &c, NULL), TB_OK);
	unsigned timed = 0;
	for (unsigned car = 0; car < cfg.n_cars; car++) {
		for (unsigned lap = 1; lap <= cfg.n_laps + 2; lap++) {
			struct gen_lap_truth tr;
			if (gen_lap_truth(g, car, lap, &tr) != TB_OK)
				continue;
			if (!tr.complete) {
				/* out and in laps: stored, flagged as such */
				for (size_t i = 0; i < c.n; i++)
					if (c.laps[i].car == car &&
					    c.laps[i].lap == lap)
						assert_int_equal(
						    c.laps[i].flags &
							~(uint32_t)
							    TB_LAP_TRAFFIC,
						    tr.flags);
				continue;
			}
			bool found = false;
			for (size_t i = 0; i < c.n; i++) {
				struct lap_seen *l = &c.laps[i];
				if (l->car != car || l->lap != lap)
					continue;
				found = true;
				assert_int_equal(l->ms, tr.lap_ms);
				assert_int_equal(l->s[0], tr.sector_ms[0]);
				assert_int_equal(l->s[1], tr.sector_ms[1]);
				assert_int_equal(l->s[2], tr.sector_ms[2]);
				/* the truth has no traffic (gen.h) */
				assert_int_equal(
				    l->flags & ~(uint32_t)TB_LAP_TRAFFIC,
				    tr.flags);
			}
			if (!found)
				fail_msg("car %u lap %u missing", car, lap);
			timed++;
		}
	}
	assert_int_equal(timed, cfg.n_cars * cfg.n_laps);
	store_close(st);
	gen_destroy(g);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve_garbage_and_laps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

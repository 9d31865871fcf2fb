/* test_openf1.c - the OpenF1 client against a local HTTP server run by
 * this test (a thread on 127.0.0.1:0 answering canned responses shaped
 * like the real API): laps built from laps + car_data + location, a 429
 * retried, the on-disk cache (a second run sends no request), the rate
 * limit, and errors (HTTP 500, a truncated body, invalid JSON, a body
 * over the cap, retries exhausted, connection refused). Never touches
 * the internet. */
#include "tb_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "formats/openf1.h"

/* ------------------------------------------------------------------ */
/* The canned API. Session 9999, car 44; session start 16:00:00 UTC. */

#define T0_ISO "2025-05-03T16:00:00"
#define T0_MS  1746288000000LL

struct server {
	int fd;
	int port;
	pthread_t th;
	atomic_bool stop;
	atomic_int requests;
	atomic_int car_requests;
	char *car_body, *loc_body, *big_body;
};

static void iso(char *dst, size_t cap, int64_t ms_after_t0)
{
	int64_t s = ms_after_t0 / 1000;
	snprintf(dst, cap, "2025-05-03T%02d:%02d:%02d.%03d000+00:00",
		 (int)(16 + s / 3600), (int)(s / 60 % 60), (int)(s % 60),
		 (int)(ms_after_t0 % 1000));
}

/* car_data every 270 ms over 0..420 s: speed 300 km/h, rpm 11000 +
 * t(s), gear 8, throttle 100, brake 100 every 4th sample, DRS 12. */
static char *make_car(void)
{
	size_t cap = 8u << 20, o = 0;
	char *b = malloc(cap);
	assert_non_null(b);
	o += (size_t)snprintf(b, cap, "[");
	int k = 0;
	for (int64_t t = 0; t <= 420000; t += 270, k++) {
		char d[64];
		iso(d, sizeof(d), t);
		o += (size_t)snprintf(
		    b + o, cap - o,
		    "%s{\"brake\":%d,\"date\":\"%s\",\"driver_number\":44,"
		    "\"drs\":12,\"meeting_key\":1259,\"n_gear\":8,\"rpm\":"
		    "%lld,\"session_key\":9999,\"speed\":300,\"throttle\":"
		    "100}",
		    k ? "," : "", k % 4 == 0 ? 100 : 0, d,
		    (long long)(11000 + t / 1000));
	}
	snprintf(b + o, cap - o, "]");
	return b;
}

/* location every 280 ms: x = 10 t(s) (1/10 m), y = -20 t, z = 15. */
static char *make_loc(void)
{
	size_t cap = 8u << 20, o = 0;
	char *b = malloc(cap);
	assert_non_null(b);
	o += (size_t)snprintf(b, cap, "[");
	int k = 0;
	for (int64_t t = 0; t <= 420000; t += 280, k++) {
		char d[64];
		iso(d, sizeof(d), t);
		o += (size_t)snprintf(b + o, cap - o,
				      "%s{\"date\":\"%s\",\"driver_number\":44,"
				      "\"meeting_key\":1259,\"session_key\":"
				      "9999,\"x\":%.3f,\"y\":%.3f,\"z\":15}",
				      k ? "," : "", d, (double)t / 100.0,
				      -(double)t / 50.0);
	}
	snprintf(b + o, cap - o, "]");
	return b;
}

static const char SESSIONS[] =
    "[{\"circuit_key\":151,\"circuit_short_name\":\"Miami\","
    "\"country_code\":\"USA\",\"country_key\":19,\"country_name\":"
    "\"United States\",\"date_end\":\"2025-05-03T17:00:00+00:00\","
    "\"date_start\":\"" T0_ISO "+00:00\",\"gmt_offset\":\"-04:00:00\","
    "\"location\":\"Miami\",\"meeting_key\":1259,\"session_key\":9999,"
    "\"session_name\":\"Sprint\",\"session_type\":\"Race\",\"year\":"
    "2025}]";

static const char DRIVERS[] =
    "[{\"broadcast_name\":\"L HAMILTON\",\"country_code\":\"GBR\","
    "\"driver_number\":44,\"first_name\":\"Lewis\",\"full_name\":"
    "\"Lewis HAMILTON\",\"headshot_url\":null,\"last_name\":\"Hamilton\","
    "\"meeting_key\":1259,\"name_acronym\":\"HAM\",\"session_key\":9999,"
    "\"team_colour\":\"E80020\",\"team_name\":\"Ferrari\"}]";

/* Lap 1: no duration (ends at lap 2's start, incomplete); lap 2 90.123 s
 * with sectors; lap 3 95.5 s ending in the pits (lap 4 is a pit-out
 * lap); lap 4 120 s; lap 5 no start (skipped). */
static const char LAPS[] =
    "[{\"date_start\":\"2025-05-03T16:00:10.000000+00:00\","
    "\"driver_number\":44,\"duration_sector_1\":null,"
    "\"duration_sector_2\":31.2,\"duration_sector_3\":30.1,"
    "\"i1_speed\":null,\"i2_speed\":250,\"is_pit_out_lap\":false,"
    "\"lap_duration\":null,\"lap_number\":1,\"meeting_key\":1259,"
    "\"segments_sector_1\":[2048,2049],\"session_key\":9999,"
    "\"st_speed\":280},"
    "{\"date_start\":\"2025-05-03T16:04:45.623000+00:00\","
    "\"driver_number\":44,\"duration_sector_1\":40.0,"
    "\"duration_sector_2\":40.0,\"duration_sector_3\":40.0,"
    "\"is_pit_out_lap\":true,\"lap_duration\":120.0,\"lap_number\":4},"
    "{\"date_start\":\"2025-05-03T16:01:40.000000+00:00\","
    "\"driver_number\":44,\"duration_sector_1\":30.1,"
    "\"duration_sector_2\":30.0,\"duration_sector_3\":30.023,"
    "\"is_pit_out_lap\":false,\"lap_duration\":90.123,\"lap_number\":2},"
    "{\"date_start\":\"2025-05-03T16:03:10.123000+00:00\","
    "\"driver_number\":44,\"duration_sector_1\":30.5,"
    "\"duration_sector_2\":30.5,\"duration_sector_3\":34.5,"
    "\"is_pit_out_lap\":false,\"lap_duration\":95.5,\"lap_number\":3},"
    "{\"date_start\":null,\"driver_number\":44,\"lap_duration\":null,"
    "\"lap_number\":5,\"is_pit_out_lap\":false}]";

static void send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, int status, const char *body, size_t len,
		    size_t claim)
{
	char head[256];
	const char *reason = status == 200   ? "OK"
			     : status == 429 ? "Too Many Requests"
					     : "Internal Server Error";
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json"
			 "\r\nContent-Length: %zu\r\n%sConnection: close\r\n"
			 "\r\n",
			 status, reason, claim,
			 status == 429 ? "Retry-After: 0\r\n" : "");
	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

static void serve_one(struct server *s, int fd)
{
	char req[4096];
	size_t n = 0;
	while (n < sizeof(req) - 1) {
		ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = 0;
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = 0;
	char path[2048] = "";
	if (sscanf(req, "GET %2047s ", path) != 1)
		return;
	atomic_fetch_add(&s->requests, 1);
	const char *body = NULL;
	if (strncmp(path, "/v1/sessions?session_key=9999", 29) == 0) {
		body = SESSIONS;
	} else if (strncmp(path, "/v1/sessions?", 13) == 0) {
		body = "[]";
	} else if (strncmp(path, "/v1/drivers?", 12) == 0) {
		body = DRIVERS;
	} else if (strncmp(path, "/v1/laps?", 9) == 0) {
		body = LAPS;
	} else if (strncmp(path, "/v1/car_data?", 13) == 0) {
		/* The first request is rate limited. */
		if (atomic_fetch_add(&s->car_requests, 1) == 0) {
			respond(fd, 429, "{\"detail\":\"slow down\"}", 22, 22);
			return;
		}
		body = s->car_body;
	} else if (strncmp(path, "/v1/location?", 13) == 0) {
		body = s->loc_body;
	} else if (strncmp(path, "/v1/err500", 10) == 0) {
		respond(fd, 500, "{\"detail\":\"boom\"}", 17, 17);
		return;
	} else if (strncmp(path, "/v1/always429", 13) == 0) {
		respond(fd, 429, "{}", 2, 2);
		return;
	} else if (strncmp(path, "/v1/trunc", 9) == 0) {
		respond(fd, 200, "[{\"a\":1},", 9, 1000);
		return;
	} else if (strncmp(path, "/v1/badjson", 11) == 0) {
		body = "[{\"a\":1},\n {\"b\":}]";
	} else if (strncmp(path, "/v1/big", 7) == 0) {
		body = s->big_body;
	} else if (strncmp(path, "/v1/ping", 8) == 0) {
		body = "[]";
	} else {
		respond(fd, 500, "{}", 2, 2);
		return;
	}
	respond(fd, 200, body, strlen(body), strlen(body));
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd p = {s->fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		serve_one(s, c);
		close(c);
	}
	return NULL;
}

static struct server *server_start(void)
{
	struct server *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->car_body = make_car();
	s->loc_body = make_loc();
	s->big_body = malloc(100001);
	assert_non_null(s->big_body);
	memset(s->big_body, ' ', 100000);
	s->big_body[0] = '[';
	s->big_body[99999] = ']';
	s->big_body[100000] = 0;
	s->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 16), 0);
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->th, NULL, server_main, s), 0);
	return s;
}

static void server_stop(struct server *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
	close(s->fd);
	free(s->car_body);
	free(s->loc_body);
	free(s->big_body);
	free(s);
}

static struct server *srv;
static char base_url[64];

static int setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	srv = server_start();
	snprintf(base_url, sizeof(base_url), "http://127.0.0.1:%d/v1",
		 srv->port);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	server_stop(srv);
	curl_global_cleanup();
	return 0;
}

static struct openf1 *client(const char *cache, double rps, int retries)
{
	struct openf1_config cfg;
	struct openf1 *c;
	struct tb_error err;
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = base_url;
	cfg.cache_dir = cache;
	cfg.max_rps = rps;
	cfg.max_retries = retries;
	cfg.backoff_ms = 10;
	cfg.timeout_ms = 5000;
	cfg.max_response = 64u << 10 << 6; /* 4 MiB */
	if (openf1_create(&cfg, &c, &err) != TB_OK)
		fail_msg("%s", err.msg);
	return c;
}

/* ------------------------------------------------------------------ */
/* Laps. */

struct got {
	size_t n;
	struct tb_lap laps[8];
	struct tb_session_info session;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
};

static enum tb_status got_fn(void *ctx, const struct tb_session_info *s,
			     const struct tb_car_info *car, struct tb_lap *lap,
			     const struct fmt_lap_meta *meta)
{
	struct got *g = ctx;
	assert_true(g->n < 8);
	tb_lap_init(&g->laps[g->n]);
	tb_lap_move(&g->laps[g->n++], lap);
	g->session = *s;
	g->car = *car;
	g->meta = *meta;
	return TB_OK;
}

static void got_release(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		tb_lap_release(&g->laps[i]);
	g->n = 0;
}

static void check_laps(const struct got *g)
{
	assert_int_equal(g->n, 4);
	assert_string_equal(g->session.track, "Miami");
	assert_int_equal(g->session.kind, TB_SESSION_RACE);
	assert_int_equal(g->session.start_unix_ms, T0_MS);
	assert_int_equal(g->session.source_uid, 9999);
	assert_int_equal(g->session.car_class, TB_CLASS_F1);
	assert_string_equal(g->car.driver, "Lewis HAMILTON");
	assert_int_equal(g->car.race_number, 44);
	assert_string_equal(g->meta.car, "Ferrari");
	assert_string_equal(g->meta.source, "openf1");
	assert_true(g->meta.reference);

	const struct tb_lap *l1 = &g->laps[0], *l2 = &g->laps[1],
			    *l3 = &g->laps[2], *l4 = &g->laps[3];
	assert_int_equal(l1->lap_number, 1);
	assert_int_equal(l1->lap_time_ms, TB_TIME_UNKNOWN);
	assert_int_equal(l1->flags, TB_LAP_INCOMPLETE);
	assert_int_equal(l1->sector_ms[0], TB_TIME_UNKNOWN);
	assert_int_equal(l1->sector_ms[1], 31200);
	assert_int_equal(l2->lap_number, 2);
	assert_int_equal(l2->lap_time_ms, 90123);
	assert_int_equal(l2->sector_ms[2], 30023);
	assert_int_equal(l2->flags, 0);
	assert_int_equal(l3->lap_number, 3);
	assert_int_equal(l3->flags, TB_LAP_IN);
	assert_int_equal(l4->lap_number, 4);
	assert_int_equal(l4->flags, TB_LAP_OUT);

	/* Lap 2: car samples in [100.000, 190.123) s, every 270 ms. */
	size_t want = 0;
	for (int64_t t = 0; t <= 420000; t += 270)
		if (t >= 100000 && t < 190123)
			want++;
	assert_int_equal(l2->n, want);
	assert_false(l2->chans & TB_CHBIT(TB_CH_STEER));
	assert_true(l2->chans & TB_CHBIT(TB_CH_POS_X));
	for (size_t i = 0; i < l2->n; i++) {
		struct tb_frame f;
		tb_lap_frame(l2, i, &f);
		double t = f.v[TB_CH_TIME];
		assert_true(t >= 100.0 && t < 190.123);
		assert_true(fabs(f.v[TB_CH_LAP_TIME] - (t - 100.0)) < 1e-9);
		assert_true(fabs(f.v[TB_CH_SPEED] - 300 / 3.6) < 1e-9);
		assert_true(f.v[TB_CH_GEAR] == 8);
		assert_true(f.v[TB_CH_THROTTLE] == 1.0);
		assert_true(f.v[TB_CH_BRAKE] == 0 || f.v[TB_CH_BRAKE] == 1);
		assert_true(f.v[TB_CH_DRS] == 1.0);
		assert_true(fabs(f.v[TB_CH_RPM] - (11000 + floor(t))) < 1e-9);
		/* Location interpolated by date: x = t m, y = -2t m. */
		assert_true(fabs(f.v[TB_CH_POS_X] - t) < 1e-6);
		assert_true(fabs(f.v[TB_CH_POS_Y] + 2 * t) < 1e-6);
		assert_true(fabs(f.v[TB_CH_POS_Z] - 1.5) < 1e-9);
	}
}

static void test_import_and_cache(void **state)
{
	(void)state;
	char *dir = tbt_tmpdir();
	char cache[512];
	struct got g;
	struct tb_error err;
	struct openf1_stats st;
	assert_non_null(dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	memset(&g, 0, sizeof(g));

	struct openf1 *c = client(cache, 1000, 3);
	int before = atomic_load(&srv->requests);
	if (openf1_import_laps(c, 9999, 44, got_fn, &g, &err) != TB_OK)
		fail_msg("%s", err.msg);
	check_laps(&g);
	got_release(&g);
	openf1_get_stats(c, &st);
	/* sessions, drivers, laps, car_data (429 then 200), location. */
	assert_int_equal(st.requests, 6);
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.cache_hits, 0);
	assert_int_equal(atomic_load(&srv->requests) - before, 6);
	openf1_destroy(c);

	/* A second run is answered by the cache alone. */
	c = client(cache, 1000, 3);
	before = atomic_load(&srv->requests);
	if (openf1_import_laps(c, 9999, 44, got_fn, &g, &err) != TB_OK)
		fail_msg("%s", err.msg);
	check_laps(&g);
	got_release(&g);
	openf1_get_stats(c, &st);
	assert_int_equal(st.requests, 0);
	assert_int_equal(st.cache_hits, 5);
	assert_int_equal(atomic_load(&srv->requests), before);
	openf1_destroy(c);

	/* Typed helpers on the cache. */
	c = client(cache, 1000, 3);
	struct openf1_lap *laps;
	size_t n;
	assert_int_equal(openf1_laps(c, 9999, 44, &laps, &n, &err), TB_OK);
	assert_int_equal(n, 5);
	assert_int_equal(laps[0].lap_number, 1);
	assert_int_equal(laps[4].lap_number, 5);
	assert_int_equal(laps[4].date_start_ms, 0);
	assert_true(laps[3].pit_out);
	tb_free(laps);
	struct openf1_session ses;
	assert_int_equal(openf1_session_get(c, 9999, &ses, &err), TB_OK);
	assert_string_equal(ses.session_name, "Sprint");
	assert_int_equal(ses.date_end_ms, T0_MS + 3600000);
	/* Unknown session: an empty answer. */
	assert_int_equal(openf1_session_get(c, 1, &ses, &err), TB_ERR_NOTFOUND);
	openf1_destroy(c);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static void test_errors(void **state)
{
	(void)state;
	struct openf1 *c = client(NULL, 1000, 2);
	struct tb_error err;
	struct openf1_stats st;
	json_t *j = NULL;

	assert_int_equal(openf1_get(c, "/err500", &j, &err), TB_ERR_NET);
	assert_null(j);
	assert_non_null(strstr(err.msg, "HTTP 500"));
	assert_non_null(strstr(err.msg, "/v1/err500"));

	assert_int_equal(openf1_get(c, "/trunc", &j, &err), TB_ERR_NET);
	assert_non_null(strstr(err.msg, "truncated"));

	assert_int_equal(openf1_get(c, "/badjson", &j, &err), TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "invalid JSON at line 2"));

	openf1_get_stats(c, &st);
	unsigned long req0 = st.requests;
	assert_int_equal(openf1_get(c, "/always429", &j, &err), TB_ERR_NET);
	assert_non_null(strstr(err.msg, "HTTP 429"));
	assert_non_null(strstr(err.msg, "retries exhausted"));
	openf1_get_stats(c, &st);
	assert_int_equal(st.requests - req0, 3); /* 1 + 2 retries */
	openf1_destroy(c);

	/* A body over the cap. */
	struct openf1_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = base_url;
	cfg.max_response = 10000;
	cfg.max_rps = 1000;
	assert_int_equal(openf1_create(&cfg, &c, &err), TB_OK);
	assert_int_equal(openf1_get(c, "/big", &j, &err), TB_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "over 10000 bytes"));
	openf1_destroy(c);

	/* Nobody listening. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", ntohs(a.sin_port));
	cfg.base_url = url;
	cfg.max_response = 0;
	assert_int_equal(openf1_create(&cfg, &c, &err), TB_OK);
	assert_int_equal(openf1_get(c, "/ping", &j, &err), TB_ERR_NET);
	assert_non_null(strstr(err.msg, url));
	/* The import fails as a whole: no lap handed over. */
	struct got g;
	memset(&g, 0, sizeof(g));
	assert_int_equal(openf1_import_laps(c, 9999, 44, got_fn, &g, &err),
			 TB_ERR_NET);
	assert_int_equal(g.n, 0);
	openf1_destroy(c);
}

static void test_rate_limit(void **state)
{
	(void)state;
	struct openf1 *c = client(NULL, 3, 2);
	struct tb_error err;
	uint64_t t0 = tb_now_ns();
	for (int i = 0; i < 5; i++) {
		char q[64];
		json_t *j;
		snprintf(q, sizeof(q), "/ping?i=%d", i);
		assert_int_equal(openf1_get(c, q, &j, &err), TB_OK);
		assert_true(json_is_array(j));
		json_decref(j);
	}
	double s = (double)(tb_now_ns() - t0) / 1e9;
	/* Five starts at <= 3/s span at least 4/3 s. */
	assert_true(s >= 4.0 / 3.0 - 0.01);
	assert_true(s < 5.0);
	openf1_destroy(c);
}

static void test_alloc_failures(void **state)
{
	(void)state;
	char *dir = tbt_tmpdir();
	char cache[512];
	struct tb_error err;
	assert_non_null(dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	/* Fill the cache once, then fail each allocation in turn. */
	struct openf1 *c = client(cache, 1000, 3);
	assert_int_equal(openf1_import_laps(c, 9999, 44, NULL, NULL, &err),
			 TB_OK);
	openf1_destroy(c);
	bool ok = false;
	for (long n = 1; n < 5000 && !ok; n++) {
		struct got g;
		memset(&g, 0, sizeof(g));
		c = client(cache, 1000, 3);
		tb_fault_fail_alloc_after(n);
		enum tb_status st =
		    openf1_import_laps(c, 9999, 44, got_fn, &g, &err);
		tb_fault_fail_alloc_after(0);
		if (st == TB_OK) {
			ok = true;
			check_laps(&g);
		} else {
			assert_int_equal(g.n, 0);
		}
		got_release(&g);
		openf1_destroy(c);
	}
	assert_true(ok);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_import_and_cache),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_rate_limit),
	    cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_live.c - live telemetry end to end: `trailbrake serve` on
 * loopback, a generated 2-car F1 stream replayed into it at 10x by
 * `trailbrake gen`, WebSocket viewers on /api/v1/live. Checks the
 * refusals before upgrading (426, 400, 404), frames arriving with lap
 * distance going up, the lap message, a delta once a reference lap is
 * stored, switching car, ping/pong, bad client frames, the rate cap, and
 * that a viewer that never reads neither stops the others nor the laps
 * being stored (it is closed as slow, its frames counted as dropped). */
#include "tb_test.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "ws_client.h"

static struct {
	const char *bin;
	char dir[64], db[128];
	int http, udp;
	pid_t pid;
} F;

static int setup(void **state)
{
	(void)state;
	F.bin = getenv("TB_BIN");
	if (!F.bin || access(F.bin, X_OK) != 0) {
		printf("SKIP: TB_BIN must name the trailbrake binary\n");
		exit(TB_SKIP_CODE);
	}
	snprintf(F.dir, sizeof(F.dir), "/tmp/tblive.XXXXXX");
	if (!mkdtemp(F.dir))
		return -1;
	snprintf(F.db, sizeof(F.db), "%s/live.db", F.dir);
	srand((unsigned)getpid());
	F.http = 30000 + rand() % 20000;
	F.udp = F.http + 1;
	F.pid = ah_serve(F.bin, F.db, F.udp, F.http);
	return F.pid > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	int rc = ah_stop(F.pid);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", F.dir);
	if (system(cmd) != 0) {
		/* a leftover temporary directory is harmless */
	}
	return rc == 0 ? 0 : -1;
}

static int get_status(const char *path, char *body, size_t cap)
{
	struct ah_resp r;
	int st = ah_get(F.http, path, &r);
	if (body)
		snprintf(body, cap, "%s", r.body ? r.body : "");
	ah_resp_free(&r);
	return st;
}

/* A metric's value from /metrics (-1 when absent). */
static double metric(const char *name)
{
	struct ah_resp r;
	double v = -1;
	if (ah_get(F.http, "/metrics", &r) == 200) {
		char pat[128];
		snprintf(pat, sizeof(pat), "\n%s ", name);
		const char *p = strstr(r.body, pat);
		if (p)
			v = strtod(p + strlen(pat), NULL);
	}
	ah_resp_free(&r);
	return v;
}

static void test_refusals(void **state)
{
	(void)state;
	char body[1024];
	struct wsc w;
	/* No Upgrade header: 426 with a JSON error. */
	assert_int_equal(get_status("/api/v1/live", body, sizeof(body)), 426);
	assert_non_null(strstr(body, "\"error\":\"upgrade required\""));
	/* Bad parameters: 400 with a message, before upgrading. */
	static const char *const bad[] = {
	    "/api/v1/live?car=abc", "/api/v1/live?car=24",
	    "/api/v1/live?hz=0",    "/api/v1/live?hz=61",
	    "/api/v1/live?ref=-3",  "/api/v1/live?source=x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st =
		    wsc_open(&w, F.http, bad[i], NULL, 0, body, sizeof(body));
		if (st != 400)
			printf("%s: %d %s\n", bad[i], st, body);
		assert_int_equal(st, 400);
		assert_non_null(strstr(body, "\"detail\":\""));
	}
	/* Unknown ids: 404. */
	static const char *const missing[] = {"/api/v1/live?ref=999999",
					      "/api/v1/live?source=1",
					      "/api/v1/live?car=0"};
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		int st = wsc_open(&w, F.http, missing[i], NULL, 0, body,
				  sizeof(body));
		if (st != 404)
			printf("%s: %d %s\n", missing[i], st, body);
		assert_int_equal(st, 404);
	}
	/* A bad key is 400, another version 426. */
	assert_int_equal(wsc_open(&w, F.http, "/api/v1/live",
				  "Sec-WebSocket-Version: 13\r\n"
				  "Sec-WebSocket-Key: short\r\n",
				  0, body, sizeof(body)),
			 400);
	assert_int_equal(
	    wsc_open(&w, F.http, "/api/v1/live",
		     "Sec-WebSocket-Version: 8\r\n"
		     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
		     0, body, sizeof(body)),
	    426);
	/* At most 64 viewers: the 65th is refused with 503, and closed
	 * viewers free their places. */
	static struct wsc many[64];
	for (int i = 0; i < 64; i++)
		assert_int_equal(wsc_open(&many[i], F.http, "/api/v1/live",
					  NULL, 0, NULL, 0),
				 101);
	assert_int_equal(
	    wsc_open(&w, F.http, "/api/v1/live", NULL, 0, body, sizeof(body)),
	    503);
	assert_non_null(strstr(body, "\"error\":\"too many viewers\""));
	for (int i = 0; i < 64; i++)
		wsc_close(&many[i]);
	for (int i = 0; i < 100 && metric("trailbrake_live_viewers") != 0; i++)
		ah_sleep_ms(20);
	assert_int_equal(metric("trailbrake_live_viewers"), 0);
	assert_int_equal(wsc_open(&w, F.http, "/api/v1/live", NULL, 0, NULL, 0),
			 101);
	wsc_close(&w);
	/* No cars yet: an empty list. */
	assert_int_equal(get_status("/api/v1/live/cars", body, sizeof(body)),
			 200);
	assert_string_equal(body, "{\"cars\":[]}");
}

static pid_t start_gen(void)
{
	char to[32];
	snprintf(to, sizeof(to), "127.0.0.1:%d", F.udp);
	pid_t pid = fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		if (nul >= 0) {
			dup2(nul, 1);
			dup2(nul, 2);
		}
		execl(F.bin, F.bin, "gen", "--cars", "2", "--laps", "2", "--to",
		      to, "--rate", "10", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* What one reading viewer saw. */
struct seen {
	struct wsc w;
	int frames, laps, hellos, errors, other;
	int lap2_ms;	  /* lap message for lap 2, 0 none */
	double last_dist; /* within the current lap */
	int last_lap;
	int dist_back;	     /* lap distance going down within a lap */
	int delta_frames;    /* frames with a delta */
	uint64_t last_us;    /* when the last frame arrived */
	uint64_t max_gap_us; /* longest wait between frames */
};

static void take(struct seen *s, const char *m)
{
	double v, lap;
	if (wsc_is(m, "frame")) {
		uint64_t now = wsc_now_us();
		if (s->last_us && now - s->last_us > s->max_gap_us)
			s->max_gap_us = now - s->last_us;
		s->last_us = now;
		s->frames++;
		if (wsc_num(m, "lap", &lap) == 1 &&
		    wsc_num(m, "lap_dist_m", &v) == 1) {
			if ((int)lap == s->last_lap && v < s->last_dist - 1.0)
				s->dist_back++;
			s->last_lap = (int)lap;
			s->last_dist = v;
		}
		if (wsc_num(m, "delta_s", &v) == 1) {
			s->delta_frames++;
			assert_true(fabs(v) < 10.0);
		}
		assert_int_equal(wsc_num(m, "recv_us", &v), 1);
	} else if (wsc_is(m, "lap")) {
		s->laps++;
		if (wsc_num(m, "lap", &lap) == 1 && (int)lap == 2 &&
		    wsc_num(m, "lap_time_ms", &v) == 1)
			s->lap2_ms = (int)v;
	} else if (wsc_is(m, "hello")) {
		s->hellos++;
	} else if (wsc_is(m, "error")) {
		s->errors++;
	} else {
		s->other++;
	}
}

/* Read every viewer for ms milliseconds. */
static void read_all(struct seen *v, int n, int ms)
{
	uint64_t end = wsc_now_us() + (uint64_t)ms * 1000u;
	char m[4096];
	while (wsc_now_us() < end) {
		for (int i = 0; i < n; i++) {
			int op;
			while ((op = wsc_recv(&v[i].w, m, sizeof(m), NULL,
					      0)) == 1)
				take(&v[i], m);
			assert_int_not_equal(op, -2);
		}
		ah_sleep_ms(2);
	}
}

static int wait_cars(void)
{
	char body[4096];
	for (int i = 0; i < 200; i++) {
		if (get_status("/api/v1/live/cars", body, sizeof(body)) ==
			200 &&
		    strstr(body, "\"car\":1"))
			return 0;
		ah_sleep_ms(20);
	}
	return -1;
}

static void test_stream(void **state)
{
	(void)state;
	char body[4096], m[4096];
	pid_t gen = start_gen();
	assert_true(gen > 0);
	assert_int_equal(wait_cars(), 0);
	assert_int_equal(get_status("/api/v1/live/cars", body, sizeof(body)),
			 200);
	assert_non_null(strstr(body, "\"protocol\":\"f1\""));
	char src[64];
	snprintf(src, sizeof(src), "\"source\":\"%d\"", F.udp);
	assert_non_null(strstr(body, src));

	/* Three readers (the player's car, car 1, car 0 at 10 Hz) and one
	 * that never reads, with a tiny receive buffer. */
	struct seen v[3];
	memset(v, 0, sizeof(v));
	static const char *const paths[] = {
	    "/api/v1/live", "/api/v1/live?car=1", "/api/v1/live?car=0&hz=10"};
	for (int i = 0; i < 3; i++)
		assert_int_equal(
		    wsc_open(&v[i].w, F.http, paths[i], NULL, 0, NULL, 0), 101);
	struct wsc stalled;
	assert_int_equal(wsc_open(&stalled, F.http, "/api/v1/live?car=0", NULL,
				  2048, NULL, 0),
			 101);
	/* The hello comes first, naming the car and no reference yet. */
	assert_int_equal(wsc_recv(&v[0].w, m, sizeof(m), NULL, 2000), 1);
	assert_true(wsc_is(m, "hello"));
	assert_non_null(strstr(m, "\"car\":0,\"ref\":null"));

	/* One second at 10x: the 10 Hz viewer gets about a tenth. The
	 * bounds leave room for a loaded machine (sanitizers, tests in
	 * parallel); the cap is what must hold. */
	read_all(v, 3, 1000);
	assert_true(v[0].frames >= 20);
	assert_true(v[1].frames >= 20);
	assert_true(v[2].frames >= 3 && v[2].frames <= 13);

	/* Control: ping, switching car, nonsense, then a binary frame. */
	struct wsc c;
	assert_int_equal(wsc_open(&c, F.http, "/api/v1/live", NULL, 0, NULL, 0),
			 101);
	assert_int_equal(wsc_send(&c, 0x89, "hb", 2, 1), 0);
	assert_int_equal(wsc_text(&c, "{\"car\": 1}"), 0);
	assert_int_equal(wsc_text(&c, "{\"speed\":3}"), 0);
	int pong = 0, hello1 = 0, err = 0, close_code = 0;
	for (int i = 0; i < 400 && !(pong && hello1 && err); i++) {
		int op = wsc_recv(&c, m, sizeof(m), NULL, 1000);
		assert_true(op > 0);
		if (op == 0xA && strcmp(m, "hb") == 0)
			pong = 1;
		if (op == 1 && wsc_is(m, "hello") && strstr(m, "\"car\":1"))
			hello1 = 1;
		if (op == 1 && wsc_is(m, "error"))
			err = 1;
	}
	assert_true(pong && hello1 && err);
	assert_int_equal(wsc_send(&c, 0x82, "\x01", 1, 1), 0);
	for (int i = 0; i < 400 && !close_code; i++) {
		size_t n;
		int op = wsc_recv(&c, m, sizeof(m), &n, 1000);
		assert_true(op > 0);
		if (op == 8 && n >= 2)
			close_code = (uint8_t)m[0] << 8 | (uint8_t)m[1];
	}
	assert_int_equal(close_code, 1003);
	wsc_close(&c);
	/* An unmasked frame: 1002. */
	assert_int_equal(wsc_open(&c, F.http, "/api/v1/live", NULL, 0, NULL, 0),
			 101);
	assert_int_equal(wsc_send(&c, 0x81, "{}", 2, 0), 0);
	close_code = 0;
	for (int i = 0; i < 400 && !close_code; i++) {
		size_t n;
		int op = wsc_recv(&c, m, sizeof(m), &n, 1000);
		assert_true(op > 0);
		if (op == 8 && n >= 2)
			close_code = (uint8_t)m[0] << 8 | (uint8_t)m[1];
	}
	assert_int_equal(close_code, 1002);
	wsc_close(&c);

	/* Until the first timed lap ends (~6.3 s at 10x) and a while
	 * after: the readers keep getting frames every few ms while the
	 * stalled viewer holds nothing up. */
	read_all(v, 3, 8000);
	for (int i = 0; i < 2; i++) {
		printf("viewer %d: %d frames, %d laps, lap 2 %d ms, longest "
		       "gap %.1f ms\n",
		       i, v[i].frames, v[i].laps, v[i].lap2_ms,
		       v[i].max_gap_us / 1e3);
		assert_int_equal(v[i].dist_back, 0);
		assert_true(v[i].lap2_ms > 60000);
		/* far below the 5 s after which the stalled viewer is
		 * closed: it held nobody up */
		assert_true(v[i].max_gap_us < 1500000);
		assert_int_equal(v[i].other, 0);
	}
	assert_true(v[0].frames >= 400);
	/* Lap 2 is stored: a new viewer gets it as its reference, and
	 * frames of lap 3 carry a delta. */
	struct seen r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    wsc_open(&r.w, F.http, "/api/v1/live", NULL, 0, NULL, 0), 101);
	assert_int_equal(wsc_recv(&r.w, m, sizeof(m), NULL, 2000), 1);
	assert_true(wsc_is(m, "hello"));
	double ref, ref_ms;
	assert_int_equal(wsc_num(m, "ref", &ref), 1);
	assert_int_equal(wsc_num(m, "ref_time_ms", &ref_ms), 1);
	assert_true(ref_ms > 60000);
	read_all(&r, 1, 1000);
	assert_true(r.delta_frames > 20);

	/* The stalled viewer was closed and its frames dropped. */
	printf("stalled viewer: closed %.0f, dropped %.0f frames\n",
	       metric("trailbrake_live_viewers_closed_slow_total"),
	       metric("trailbrake_live_frames_dropped_total"));
	assert_true(metric("trailbrake_live_viewers_closed_slow_total") >= 1);
	assert_true(metric("trailbrake_live_frames_dropped_total") >= 1);
	assert_true(metric("trailbrake_live_frames_sent_total") >= 500);
	int status;
	assert_int_equal(waitpid(gen, &status, 0), gen);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	read_all(v, 3, 300);
	/* Every lap of both cars is stored (out lap, 2 timed, in lap). */
	ah_sleep_ms(300);
	assert_true(metric("trailbrake_laps_stored_total") >= 6);
	assert_int_equal(metric("trailbrake_laps_dropped_total"), 0);
	for (int i = 0; i < 3; i++)
		wsc_close(&v[i].w);
	wsc_close(&r.w);
	wsc_close(&stalled);
	/* Closed viewers are forgotten. */
	for (int i = 0; i < 100 && metric("trailbrake_live_viewers") != 0; i++)
		ah_sleep_ms(20);
	assert_int_equal(metric("trailbrake_live_viewers"), 0);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_stream),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

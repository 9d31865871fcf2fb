/* bench_live.c - live telemetry latency: `trailbrake serve` (TB_BIN, or
 * the trailbrake next to this program) on loopback, 20 WebSocket viewers
 * of the player's car plus one that never reads, and a generated 4-car
 * F1 stream sent in real time at 60 Hz by this program. Latency is from
 * sending a frame's first packet to a viewer receiving that frame (the
 * server emits a merged frame when the next one starts, so one frame
 * period is part of it), and from the server's receive stamp (recv_us).
 * Target: p99 <= 50 ms. */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "ingest/f1.h"
#include "ingest/gen.h"
#include "ws_client.h"

#define N_VIEWERS     20
#define STREAM_S      12.0
#define RATE_HZ	      60
#define N_FRAMES      (12 * 60 + 8) /* STREAM_S * RATE_HZ and slack */
#define TARGET_P99_MS 50.0

struct sender {
	int udp;
	uint64_t send_us[N_FRAMES]; /* first packet of frame i, 0 none */
	uint64_t packets;
	int failed;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 4;
	cfg.n_laps = 2;
	struct gen *g = NULL;
	if (gen_create(&cfg, &g, NULL) != TB_OK) {
		s->failed = 1;
		return NULL;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)s->udp)};
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	static struct f1_packet p;
	uint8_t buf[TB_DATAGRAM_MAX];
	uint64_t t0 = wsc_now_us();
	double t, first_t = -1;
	while (gen_next(g, &p, &t) == TB_OK) {
		if (first_t < 0)
			first_t = t;
		if (t - first_t > STREAM_S)
			break;
		uint64_t due = t0 + (uint64_t)((t - first_t) * 1e6);
		uint64_t now = wsc_now_us();
		if (due > now) {
			struct timespec ts = {0, (long)(due - now) * 1000};
			nanosleep(&ts, NULL);
		}
		size_t len;
		if (f1_encode(&p, buf, sizeof(buf), &len) != TB_OK)
			continue;
		int idx = (int)lrint(t * RATE_HZ);
		uint64_t sent = wsc_now_us();
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&to,
			   sizeof(to)) < 0)
			s->failed = 1;
		if (idx >= 0 && idx < N_FRAMES && !s->send_us[idx])
			s->send_us[idx] = sent;
		s->packets++;
	}
	close(fd);
	gen_destroy(g);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, size_t n, double q)
{
	if (!n)
		return NAN;
	size_t i = (size_t)ceil(q * (double)n) - 1;
	return (double)v[i < n ? i : n - 1] / 1e3;
}

static const char *find_bin(char *buf, size_t cap)
{
	const char *env = getenv("TB_BIN");
	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", buf, cap - 16);
	if (n <= 0)
		return "./trailbrake";
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	snprintf(slash ? slash + 1 : buf, 16, "trailbrake");
	return buf;
}

/* A metric's value from /metrics (-1 when absent). */
static double metric(int port, const char *name)
{
	struct ah_resp r;
	double v = -1;
	if (ah_get(port, "/metrics", &r) == 200) {
		char pat[128];
		snprintf(pat, sizeof(pat), "\n%s ", name);
		const char *p = strstr(r.body, pat);
		if (p)
			v = strtod(p + strlen(pat), NULL);
	}
	ah_resp_free(&r);
	return v;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	char binbuf[4096], dir[] = "/tmp/tbbench_live.XXXXXX", db[128];
	const char *bin = find_bin(binbuf, sizeof(binbuf));
	if (!mkdtemp(dir))
		return 1;
	snprintf(db, sizeof(db), "%s/live.db", dir);
	srand((unsigned)getpid());
	int http = 30000 + rand() % 20000;
	static struct sender s;
	s.udp = http + 1;
	pid_t pid = ah_serve(bin, db, s.udp, http);
	if (pid < 0) {
		printf("live: cannot start %s serve: FAIL\n", bin);
		return 1;
	}
	static struct wsc v[N_VIEWERS], stalled;
	int bad = 0;
	for (int i = 0; i < N_VIEWERS; i++)
		if (wsc_open(&v[i], http, "/api/v1/live", NULL, 0, NULL, 0) !=
		    101)
			bad = 1;
	if (wsc_open(&stalled, http, "/api/v1/live", NULL, 2048, NULL, 0) !=
	    101)
		bad = 1;
	pthread_t th;
	pthread_create(&th, NULL, sender_main, &s);
	size_t cap = (size_t)N_VIEWERS * N_FRAMES * 2, n = 0, n_srv = 0;
	uint64_t *lat = calloc(cap, sizeof(*lat));
	uint64_t *lat_srv = calloc(cap, sizeof(*lat_srv));
	int frames[N_VIEWERS] = {0};
	uint64_t end = wsc_now_us() + (uint64_t)((STREAM_S + 1.5) * 1e6);
	char m[4096];
	while (wsc_now_us() < end && !bad) {
		struct pollfd p[N_VIEWERS];
		for (int i = 0; i < N_VIEWERS; i++)
			p[i] = (struct pollfd){.fd = v[i].fd, .events = POLLIN};
		if (poll(p, N_VIEWERS, 50) <= 0)
			continue;
		for (int i = 0; i < N_VIEWERS; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			int op;
			while ((op = wsc_recv(&v[i], m, sizeof(m), NULL, 0)) ==
			       1) {
				uint64_t now = wsc_now_us();
				double st, rus;
				if (!wsc_is(m, "frame") ||
				    wsc_num(m, "session_time_s", &st) != 1)
					continue;
				frames[i]++;
				int idx = (int)lrint(st * RATE_HZ);
				if (idx >= 0 && idx < N_FRAMES &&
				    s.send_us[idx] && n < cap)
					lat[n++] = now - s.send_us[idx];
				if (wsc_num(m, "recv_us", &rus) == 1 &&
				    n_srv < cap)
					lat_srv[n_srv++] = now - (uint64_t)rus;
			}
			if (op == -2)
				bad = 1;
		}
	}
	pthread_join(th, NULL);
	qsort(lat, n, sizeof(*lat), cmp_u64);
	qsort(lat_srv, n_srv, sizeof(*lat_srv), cmp_u64);
	int min_frames = frames[0];
	for (int i = 1; i < N_VIEWERS; i++)
		if (frames[i] < min_frames)
			min_frames = frames[i];
	double p99 = pct(lat, n, 0.99);
	bool ok = !bad && !s.failed && n > 0 && p99 <= TARGET_P99_MS;
	printf("live: %d viewers + 1 stalled, 4-car F1 stream at %d Hz for "
	       "%.0f s (%llu packets); frames per viewer >= %d\n",
	       N_VIEWERS, RATE_HZ, STREAM_S, (unsigned long long)s.packets,
	       min_frames);
	printf("  packet send -> viewer receive: p50 %.2f ms  p99 %.2f ms  "
	       "max %.2f ms (%zu frames)\n",
	       pct(lat, n, 0.5), p99, pct(lat, n, 1.0), n);
	printf("  server receive -> viewer receive: p50 %.2f ms  p99 %.2f "
	       "ms\n",
	       pct(lat_srv, n_srv, 0.5), pct(lat_srv, n_srv, 0.99));
	printf("  stalled viewer: closed as slow %.0f, frames dropped %.0f\n",
	       metric(http, "trailbrake_live_viewers_closed_slow_total"),
	       metric(http, "trailbrake_live_frames_dropped_total"));
	printf("  p99 target <= %.0f ms: %s\n", TARGET_P99_MS,
	       bad || s.failed ? "FAILED (connection error)"
	       : ok	       ? "PASS"
			       : "FAIL");
	bool frames_ok = min_frames >= (int)(STREAM_S * RATE_HZ * 0.9);
	printf("  every viewer >= 90%% of the frames: %s\n",
	       frames_ok ? "PASS" : "FAIL");
	for (int i = 0; i < N_VIEWERS; i++)
		wsc_close(&v[i]);
	wsc_close(&stalled);
	if (ah_stop(pid) != 0)
		bad = 1;
	unlink(db);
	rmdir(dir);
	free(lat);
	free(lat_srv);
	return ok && frames_ok ? 0 : 1;
}

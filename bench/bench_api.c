/* bench_api.c - the JSON API under load: `trailbrake serve` (TB_BIN, or
 * the trailbrake next to this program) on a store holding one 90 s
 * 60 Hz lap of 42 channels; the time to serve that lap's channels
 * (target <= 5 ms, binary and JSON), then small requests per second
 * over N keep-alive connections on loopback (target >= 10,000/s), each
 * connection a thread sending one request at a time for a bounded time
 * and count. Exit 1 when a target is missed. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

#include "api_http.h"
#include "lapgen.h"
#include "store/store.h"

#define TARGET_LAP_MS 5.0
#define TARGET_RPS 10000.0
#define N_CONN 8
#define RUN_NS 2000000000ull
#define MAX_REQ_PER_CONN 200000

/* One GET on a keep-alive connection; the body length read, or -1. */
static long ka_get(int fd, const char *path, char *buf, size_t cap)
{
	char req[512];
	int n = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (ah_write_all(fd, req, (size_t)n) != 0)
		return -1;
	size_t len = 0;
	char *end = NULL;
	while (!end) {
		if (len + 1 >= cap)
			return -1;
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r <= 0)
			return -1;
		len += (size_t)r;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	int status = 0;
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1 || status != 200)
		return -1;
	const char *cl = strstr(buf, "Content-Length: ");
	if (!cl || cl > end)
		return -1;
	size_t body = strtoul(cl + 16, NULL, 10);
	size_t have = len - (size_t)(end + 4 - buf);
	while (have < body) {
		char tmp[65536];
		size_t want = body - have < sizeof(tmp) ? body - have
							: sizeof(tmp);
		ssize_t r = read(fd, tmp, want);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	return (long)body;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median and 95th percentile latency of reps GETs of path, ms. */
static int time_path(int port, const char *path, int reps, double *med,
		     double *p95, long *bytes)
{
	int fd = ah_connect(port);
	if (fd < 0)
		return -1;
	static char buf[1 << 16];
	uint64_t t[256];
	for (int i = 0; i < reps && i < 256; i++) {
		uint64_t t0 = tb_now_ns();
		*bytes = ka_get(fd, path, buf, sizeof(buf));
		t[i] = tb_now_ns() - t0;
		if (*bytes < 0) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	qsort(t, (size_t)reps, sizeof(t[0]), cmp_u64);
	*med = (double)t[reps / 2] / 1e6;
	*p95 = (double)t[reps * 95 / 100] / 1e6;
	return 0;
}

struct loader {
	int port;
	uint64_t deadline;
	uint64_t done;
	int failed;
};

static void *load_main(void *arg)
{
	struct loader *l = arg;
	int fd = ah_connect(l->port);
	char buf[8192];
	if (fd < 0) {
		l->failed = 1;
		return NULL;
	}
	/* Not /laps/{id}: it decodes the lap blob (store.h has no
	 * metadata-only lap read yet); see the lap channels timings. */
	static const char *const paths[] = {"/api/v1/sessions/1",
					    "/api/v1/sessions/1/laps",
					    "/api/v1/sessions?limit=10",
					    "/api/v1/refs"};
	while (l->done < MAX_REQ_PER_CONN && tb_now_ns() < l->deadline) {
		if (ka_get(fd, paths[l->done % 4], buf, sizeof(buf)) < 0) {
			l->failed = 1;
			break;
		}
		l->done++;
	}
	close(fd);
	return NULL;
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

static int make_db(const char *db)
{
	struct store *st;
	if (store_open(db, &st, NULL) != TB_OK)
		return -1;
	struct tb_session_info in;
	memset(&in, 0, sizeof(in));
	in.source_uid = 1;
	in.game = TB_GAME_F1_25;
	in.track_id = -1;
	in.weather = -1;
	snprintf(in.track, sizeof(in.track), "Bench");
	int64_t sid, lid;
	struct tb_lap lap;
	tb_lap_init(&lap);
	int rc = -1;
	if (store_session_put(st, &in, &sid, NULL) == TB_OK &&
	    lg_realistic_lap(&lap, 90.0, 7) == TB_OK) {
		lap.lap_number = 1;
		if (store_lap_put(st, sid, &lap, &lid, NULL) == TB_OK &&
		    store_ref_put(st, lid, "Bench", TB_CLASS_F1, "user",
				  NULL) == TB_OK)
			rc = 0;
	}
	tb_lap_release(&lap);
	store_close(st);
	return rc;
}

int main(void)
{
	char binbuf[PATH_MAX], dir[] = "/tmp/tbbench.XXXXXX", db[128];
	const char *bin = find_bin(binbuf, sizeof(binbuf));
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db, sizeof(db), "%s/api.db", dir);
	if (make_db(db) != 0) {
		fprintf(stderr, "bench_api: cannot build the store\n");
		return 1;
	}
	int port = 45000 + getpid() % 5000;
	pid_t pid = ah_serve(bin, db, port + 1, port);
	if (pid < 0) {
		fprintf(stderr, "bench_api: cannot start %s serve\n", bin);
		return 1;
	}
	int bad = 0;
	static const struct {
		const char *what, *path;
		bool target;
	} lap[] = {
		{"binary, all 42 channels",
		 "/api/v1/laps/1/channels?format=bin", true},
		{"JSON, 6 channels",
		 "/api/v1/laps/1/channels?ch=lap_dist,speed,throttle,brake,"
		 "steer,gear",
		 true},
		{"JSON, 6 channels, max_points=2000",
		 "/api/v1/laps/1/channels?ch=lap_dist,speed,throttle,brake,"
		 "steer,gear&max_points=2000",
		 true},
		{"JSON, all 42 channels", "/api/v1/laps/1/channels", false},
	};
	printf("lap channels, 90 s at 60 Hz (5400 samples), keep-alive, "
	       "target <= %.1f ms:\n",
	       TARGET_LAP_MS);
	for (size_t i = 0; i < sizeof(lap) / sizeof(lap[0]); i++) {
		double med, p95;
		long bytes;
		if (time_path(port, lap[i].path, 100, &med, &p95, &bytes)) {
			printf("  %-36s FAILED\n", lap[i].what);
			bad = 1;
			continue;
		}
		bool ok = med <= TARGET_LAP_MS;
		printf("  %-36s %8ld bytes  median %.2f ms  p95 %.2f ms  %s\n",
		       lap[i].what, bytes, med, p95,
		       !lap[i].target ? "(info)" : ok ? "PASS" : "FAIL");
		bad |= lap[i].target && !ok;
	}

	struct loader l[N_CONN];
	pthread_t th[N_CONN];
	uint64_t t0 = tb_now_ns();
	for (int i = 0; i < N_CONN; i++) {
		l[i] = (struct loader){.port = port, .deadline = t0 + RUN_NS};
		pthread_create(&th[i], NULL, load_main, &l[i]);
	}
	uint64_t total = 0;
	int failed = 0;
	for (int i = 0; i < N_CONN; i++) {
		pthread_join(th[i], NULL);
		total += l[i].done;
		failed |= l[i].failed;
	}
	double sec = (double)(tb_now_ns() - t0) / 1e9;
	double rps = (double)total / sec;
	bool ok = !failed && rps >= TARGET_RPS;
	printf("small API requests, %d keep-alive connections, %.1f s: "
	       "%llu requests, %.0f/s, target >= %.0f/s: %s\n",
	       N_CONN, sec, (unsigned long long)total, rps, TARGET_RPS,
	       failed ? "FAILED (request error)" : ok ? "PASS" : "FAIL");
	bad |= !ok;

	if (ah_stop(pid) != 0)
		bad = 1;
	unlink(db);
	char side[160];
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	rmdir(dir);
	return bad;
}

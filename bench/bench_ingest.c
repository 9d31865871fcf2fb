/* bench_ingest.c - end-to-end ingest: a generated 22-car F1 25 stream
 * sent over loopback UDP as fast as the daemon keeps up, into `trailbrake
 * serve` on a fresh SQLite file. Reports samples/s from socket to stored
 * laps, and the store's bytes per channel-sample. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ingest/gen.h"
#include "store/store.h"

struct totals {
	int64_t laps, samples, bytes, chan_samples;
	struct store *st;
};

static int on_lap(void *ctx, const struct store_lap_row *r)
{
	struct totals *t = ctx;
	t->laps++;
	t->samples += r->n_samples;
	t->bytes += r->blob_bytes;
	t->chan_samples += r->n_samples * __builtin_popcountll(r->chans);
	return 0;
}

static int on_session(void *ctx, const struct store_session_row *r)
{
	struct totals *t = ctx;
	return store_laps_list(t->st, r->id, on_lap, t, NULL) != TB_OK;
}

int main(void)
{
	char dir[] = "/tmp/tbbench.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char db[256];
	snprintf(db, sizeof(db), "%s/bench.db", dir);
	int port = 40000 + getpid() % 10000;
	char ports[16];
	snprintf(ports, sizeof(ports), "%d", port);
	pid_t pid = fork();
	if (pid == 0) {
		execl(TB_BIN_PATH, TB_BIN_PATH, "serve", "--db", db, "--udp",
		      ports, "--http", "0", "--bind", "127.0.0.1",
		      (char *)NULL);
		_exit(127);
	}
	usleep(300000);
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 22;
	cfg.n_laps = 2;
	struct gen *g;
	if (gen_create(&cfg, &g, NULL) != TB_OK)
		return 1;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in dst = {.sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	uint8_t buf[2048];
	struct f1_packet p;
	double t;
	uint64_t n = 0, bytes = 0;
	uint64_t t0 = tb_now_ns();
	while (gen_next(g, &p, &t) == TB_OK) {
		size_t len;
		if (f1_encode(&p, buf, sizeof(buf), &len) != TB_OK)
			return 1;
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0)
			return 1;
		n++;
		bytes += len;
		if ((n & 31) == 0)
			usleep(20); /* keep within the socket buffer */
	}
	uint64_t t_send = tb_now_ns() - t0;
	kill(pid, SIGTERM);
	int status;
	waitpid(pid, &status, 0);
	uint64_t t_all = tb_now_ns() - t0;
	struct totals tot = {0};
	if (store_open(db, &tot.st, NULL) != TB_OK)
		return 1;
	if (store_sessions_list(tot.st, on_session, &tot, NULL) != TB_OK)
		return 1;
	store_close(tot.st);
	struct stat sb;
	stat(db, &sb);
	double secs = t_all / 1e9;
	printf("ingest: %" PRIu64 " datagrams (%.1f MB) sent in %.2f s; "
	       "%" PRId64 " laps, %" PRId64 " samples stored in %.2f s\n",
	       n, bytes / 1e6, t_send / 1e9, tot.laps, tot.samples, secs);
	printf("ingest: %.0f samples/s (car frames, ~45 channels each), "
	       "%.0f channel-samples/s, socket to SQLite\n",
	       tot.samples / secs, tot.chan_samples / secs);
	printf("store: %.3f bytes per channel-sample in lap blobs "
	       "(target <= 2.0: %s), database file %.1f MB\n",
	       (double)tot.bytes / (double)tot.chan_samples,
	       (double)tot.bytes / (double)tot.chan_samples <= 2.0 ? "PASS"
								   : "FAIL",
	       sb.st_size / 1e6);
	gen_destroy(g);
	close(fd);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}

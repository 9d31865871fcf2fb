/* daemon.c - `trailbrake serve`: one receiver thread (epoll over the UDP
 * socket and a signalfd, recvmmsg batches, decode, per-car assembly)
 * hands finished laps through a bounded SPSC queue to one writer thread
 * that stores them; HTTP runs on libmicrohttpd's own thread. The
 * receiver never blocks on the store: a full queue is a counted drop.
 * SIGINT/SIGTERM: laps in progress are stored as incomplete, the queue is
 * drained, then everything closes. */
#define _GNU_SOURCE
#include "server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../formats/pcap.h"

#define BATCH 64

void srv_config_default(struct srv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->db_url = "trailbrake.db";
	cfg->udp_addr = "0.0.0.0";
	cfg->udp_port = 20777;
	cfg->http_addr = "127.0.0.1";
	cfg->http_port = 8080;
	cfg->queue_laps = 1024;
}

struct daemon {
	const struct srv_config *cfg;
	struct srv_metrics m;
	struct tb_ring *queue; /* struct ingest_lap_job * slots */
	struct store *store;
	struct srv_sink *sink;
	struct f1_feed *feed;
	struct fmt_pcap_writer *rec;
	int udp_fd, sig_fd, ep_fd, wake_fd[2];
	atomic_bool receiver_done;
	uint64_t last_report_ns;
	uint64_t rej_logged;
};

static void on_lap(void *ctx, struct ingest_lap_job *job)
{
	struct daemon *d = ctx;
	struct ingest_lap_job *copy = tb_malloc(sizeof(*copy));
	if (!copy) {
		atomic_fetch_add(&d->m.laps_dropped, 1);
		return;
	}
	copy->session = job->session;
	copy->car = job->car;
	tb_lap_init(&copy->lap);
	tb_lap_move(&copy->lap, &job->lap);
	if (tb_ring_push(d->queue, &copy) != TB_OK) {
		atomic_fetch_add(&d->m.laps_dropped, 1);
		fprintf(stderr, "serve: lap queue full, lap %u of car %u "
				"dropped\n",
			copy->lap.lap_number, copy->lap.car_index);
		tb_lap_release(&copy->lap);
		tb_free(copy);
		return;
	}
	atomic_fetch_add(&d->m.laps_queued, 1);
	char c = 1;
	if (write(d->wake_fd[1], &c, 1) < 0) {
		/* pipe full: the writer is awake already */
	}
}

static void publish_stats(struct daemon *d)
{
	struct f1_feed_stats fs;
	f1_feed_stats(d->feed, &fs);
	atomic_store(&d->m.datagrams, fs.datagrams);
	atomic_store(&d->m.bytes, fs.bytes);
	for (int i = 0; i < F1_PACKET__COUNT; i++)
		atomic_store(&d->m.packets[i], fs.packets[i]);
	for (int i = 0; i < INGEST_REJ__COUNT; i++)
		atomic_store(&d->m.rejected[i], fs.rejected[i]);
	atomic_store(&d->m.frames, fs.frames);
	atomic_store(&d->m.sessions, fs.sessions);
	atomic_store(&d->m.rewinds, fs.rewinds);
	atomic_store(&d->m.queue_depth, tb_ring_count(d->queue));
}

static void report_rejects(struct daemon *d, bool force)
{
	uint64_t now = tb_now_ns();
	if (!force && now - d->last_report_ns < 10000000000ull)
		return;
	d->last_report_ns = now;
	uint64_t total = 0;
	for (int i = 0; i < INGEST_REJ__COUNT; i++)
		total += atomic_load(&d->m.rejected[i]);
	if (total == d->rej_logged)
		return;
	d->rej_logged = total;
	fprintf(stderr, "serve: rejected datagrams so far: %llu "
			"(truncated %llu, format %llu, id %llu, length %llu, "
			"other %llu)\n",
		(unsigned long long)total,
		(unsigned long long)atomic_load(&d->m.rejected[0]),
		(unsigned long long)atomic_load(&d->m.rejected[1]),
		(unsigned long long)atomic_load(&d->m.rejected[2]),
		(unsigned long long)atomic_load(&d->m.rejected[3]),
		(unsigned long long)atomic_load(&d->m.rejected[4]));
}

static void receive_batch(struct daemon *d)
{
	_Static_assert(BATCH <= 1024, "batch fits the stack");
	uint8_t bufs[BATCH][TB_DATAGRAM_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	int n = recvmmsg(d->udp_fd, msgs, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	int64_t now_us = tb_wall_ms() * 1000;
	for (int i = 0; i < n; i++) {
		size_t len = msgs[i].msg_len;
		struct tb_error err;
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			/* larger than any telemetry packet we know */
			len = TB_DATAGRAM_MAX + 1;
		}
		if (d->rec && len <= TB_DATAGRAM_MAX) {
			struct fmt_udp_datagram dg = {
				.ts_us = now_us,
				.src_ip = ntohl(from[i].sin_addr.s_addr),
				.dst_ip = 0x7f000001,
				.src_port = ntohs(from[i].sin_port),
				.dst_port = d->cfg->udp_port,
				.payload = bufs[i],
				.len = len};
			if (fmt_pcap_write(d->rec, &dg, &err) != TB_OK)
				atomic_fetch_add(&d->m.record_errors, 1);
		}
		enum tb_status st;
		if (len > TB_DATAGRAM_MAX)
			st = f1_feed_datagram(d->feed, bufs[i], 0, &err);
		else
			st = f1_feed_datagram(d->feed, bufs[i], len, &err);
		if (st != TB_OK && d->cfg->verbose)
			fprintf(stderr, "serve: rejected: %s\n", err.msg);
	}
	publish_stats(d);
}

static void *receiver_main(void *arg)
{
	struct daemon *d = arg;
	bool stop = false;
	while (!stop) {
		struct epoll_event ev[4];
		int n = epoll_wait(d->ep_fd, ev, 4, 200);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == d->sig_fd) {
				struct signalfd_siginfo si;
				if (read(d->sig_fd, &si, sizeof(si)) > 0)
					fprintf(stderr, "serve: signal %u, "
							"stopping\n",
						si.ssi_signo);
				stop = true;
			} else if (ev[i].data.fd == d->udp_fd) {
				receive_batch(d);
			}
		}
		report_rejects(d, false);
	}
	/* Drain what the socket already holds, then close every lap. */
	for (int i = 0; i < 64; i++)
		receive_batch(d);
	f1_feed_flush(d->feed);
	publish_stats(d);
	report_rejects(d, true);
	atomic_store(&d->receiver_done, true);
	char c = 1;
	if (write(d->wake_fd[1], &c, 1) < 0) {
		/* writer is awake already */
	}
	return NULL;
}

static void write_job(struct daemon *d, struct ingest_lap_job *job)
{
	struct tb_error err;
	uint64_t t0 = tb_now_ns();
	if (srv_sink_write(d->sink, job, &err) != TB_OK) {
		atomic_fetch_add(&d->m.laps_failed, 1);
		fprintf(stderr, "serve: storing lap %u of car %u failed: %s\n",
			job->lap.lap_number, job->lap.car_index, err.msg);
	} else {
		atomic_fetch_add(&d->m.laps_stored, 1);
		atomic_fetch_add(&d->m.samples_stored, job->lap.n);
		if (d->cfg->verbose) {
			fprintf(stderr, "serve: stored lap %u of car %u "
					"(%d ms, %zu samples, %.1f ms)\n",
				job->lap.lap_number, job->lap.car_index,
				job->lap.lap_time_ms, job->lap.n,
				(tb_now_ns() - t0) / 1e6);
		}
	}
	tb_lap_release(&job->lap);
	tb_free(job);
}

/* The writer: runs on the calling thread until the receiver is done
 * and the queue is empty. */
static void writer_loop(struct daemon *d)
{
	for (;;) {
		struct ingest_lap_job *job;
		while (tb_ring_pop(d->queue, &job) == TB_OK)
			write_job(d, job);
		if (atomic_load(&d->receiver_done)) {
			while (tb_ring_pop(d->queue, &job) == TB_OK)
				write_job(d, job);
			return;
		}
		char buf[64];
		fd_set rs;
		FD_ZERO(&rs);
		FD_SET(d->wake_fd[0], &rs);
		struct timeval tv = {0, 100000};
		if (select(d->wake_fd[0] + 1, &rs, NULL, NULL, &tv) > 0) {
			if (read(d->wake_fd[0], buf, sizeof(buf)) < 0) {
				/* spurious wake-up */
			}
		}
	}
}

static enum tb_status open_udp(struct daemon *d, struct tb_error *err)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(d->cfg->udp_port);
	if (inet_pton(AF_INET, d->cfg->udp_addr, &sa.sin_addr) != 1)
		return tb_fail(err, TB_ERR_ARG, "bad UDP bind address '%s'",
			       d->cfg->udp_addr);
	d->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0);
	if (d->udp_fd < 0)
		return tb_fail(err, TB_ERR_NET, "socket: %s", strerror(errno));
	int one = 1, rcvbuf = 8 << 20;
	setsockopt(d->udp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(d->udp_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(d->udp_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return tb_fail(err, TB_ERR_NET, "cannot listen on UDP %s:%u: %s",
			       d->cfg->udp_addr, d->cfg->udp_port,
			       strerror(errno));
	return TB_OK;
}

static enum tb_status open_events(struct daemon *d, struct tb_error *err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	/* Blocked in this thread before any other starts, so every thread
	 * inherits the mask and only the signalfd sees the signals. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	d->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sig_fd < 0 || d->ep_fd < 0 ||
	    pipe2(d->wake_fd, O_CLOEXEC | O_NONBLOCK) != 0)
		return tb_fail(err, TB_ERR_IO, "event setup: %s",
			       strerror(errno));
	struct epoll_event ev = {.events = EPOLLIN};
	ev.data.fd = d->sig_fd;
	epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, d->sig_fd, &ev);
	ev.data.fd = d->udp_fd;
	epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, d->udp_fd, &ev);
	return TB_OK;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

enum tb_status srv_run(const struct srv_config *cfg, struct tb_error *err)
{
	struct daemon d;
	struct srv_http *http = NULL;
	pthread_t rx;
	bool rx_started = false;
	enum tb_status rc;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.udp_fd = d.sig_fd = d.ep_fd = d.wake_fd[0] = d.wake_fd[1] = -1;
	d.m.started_ns = tb_now_ns();
	atomic_init(&d.receiver_done, false);

	rc = store_open(cfg->db_url, &d.store, err);
	if (rc != TB_OK)
		goto out;
	rc = srv_sink_create(d.store, &d.sink);
	if (rc == TB_OK)
		rc = tb_ring_create(sizeof(struct ingest_lap_job *),
				    cfg->queue_laps, &d.queue);
	if (rc == TB_OK)
		rc = f1_feed_create(on_lap, &d, &d.feed);
	if (rc != TB_OK) {
		tb_fail(err, rc, "serve: %s", tb_strerror(rc));
		goto out;
	}
	if (cfg->record_path) {
		rc = fmt_pcap_writer_open(cfg->record_path, &d.rec, err);
		if (rc != TB_OK)
			goto out;
	}
	rc = open_udp(&d, err);
	if (rc == TB_OK)
		rc = open_events(&d, err);
	if (rc != TB_OK)
		goto out;
	if (cfg->http_port) {
		rc = srv__http_start(cfg->http_addr, cfg->http_port, &d.m,
				     &http, err);
		if (rc != TB_OK)
			goto out;
	}
	fprintf(stderr, "serve: listening on UDP %s:%u", cfg->udp_addr,
		cfg->udp_port);
	if (cfg->http_port)
		fprintf(stderr, ", HTTP http://%s:%u/healthz", cfg->http_addr,
			cfg->http_port);
	fprintf(stderr, ", store %s\n", cfg->db_url);
	if (pthread_create(&rx, NULL, receiver_main, &d) != 0) {
		rc = tb_fail(err, TB_ERR_INTERNAL, "cannot start receiver");
		goto out;
	}
	rx_started = true;
	writer_loop(&d);
	rc = TB_OK;
out:
	if (rx_started)
		pthread_join(rx, NULL);
	srv__http_stop(http);
	if (d.queue) {
		struct ingest_lap_job *job;
		while (tb_ring_pop(d.queue, &job) == TB_OK)
			write_job(&d, job);
	}
	if (d.store)
		fprintf(stderr, "serve: stopped; %llu laps stored, %llu "
				"dropped, %llu failed\n",
			(unsigned long long)atomic_load(&d.m.laps_stored),
			(unsigned long long)atomic_load(&d.m.laps_dropped),
			(unsigned long long)atomic_load(&d.m.laps_failed));
	fmt_pcap_writer_close(d.rec);
	f1_feed_destroy(d.feed);
	tb_ring_destroy(d.queue);
	srv_sink_destroy(d.sink);
	store_close(d.store);
	close_fd(&d.udp_fd);
	close_fd(&d.sig_fd);
	close_fd(&d.ep_fd);
	close_fd(&d.wake_fd[0]);
	close_fd(&d.wake_fd[1]);
	return rc;
}

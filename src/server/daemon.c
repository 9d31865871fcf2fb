/* daemon.c - `trailbrake serve`: one receiver thread (epoll over the UDP
 * ports and a signalfd, recvmmsg batches, protocol detection and
 * decoding, per-car assembly, handshakes and heartbeats on each tick)
 * hands finished laps through a bounded SPSC queue to one writer thread
 * that stores them; HTTP runs on libmicrohttpd's own thread. Each car's
 * latest frame and finished laps also go to live viewers (live.c). The
 * receiver never blocks on the store: a full queue is a counted drop.
 * SIGINT/SIGTERM: laps in progress are stored as incomplete, the queue is
 * drained, then everything closes. */
#define _GNU_SOURCE
#include "live_int.h"

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
#include <time.h>
#include <unistd.h>

#include "../formats/pcap.h"

#define BATCH 64

struct port {
	struct daemon *d;
	const struct srv_port_cfg *cfg;
	uint16_t local_port; /* bound port (cfg->port, or the kernel's) */
	int fd;
	struct ingest_port *in;
	const struct ingest_proto *announced; /* logged "detected" once */
	unsigned idx;			      /* index in daemon.ports */
	int64_t recv_us;   /* wall clock of the batch being decoded */
	bool live_pending; /* frames published since the last kick */
};

struct daemon {
	const struct srv_config *cfg;
	struct srv_metrics m;
	struct tb_ring *queue; /* struct ingest_lap_job * slots */
	struct store *store;
	struct srv_sink *sink;
	struct srv_live *live; /* NULL without HTTP */
	struct fmt_pcap_writer *rec;
	unsigned n_ports;
	struct port ports[SRV_MAX_PORTS];
	int sig_fd, ep_fd, wake_fd[2];
	atomic_bool receiver_done;
	uint64_t last_report_ns;
	uint64_t rej_logged;
};

static void on_lap(void *ctx, struct ingest_lap_job *job)
{
	struct port *p = ctx;
	struct daemon *d = p->d;
	srv__live_lap(d->live, p->idx, job);
	p->live_pending = true;
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

/* Every frame any protocol assembles: to the live slot of its car. */
static void on_live(void *ctx, const struct lap_live *lv)
{
	struct port *p = ctx;
	const struct ingest_proto *pr = ingest_port_proto(p->in);
	srv__live_frame(p->d->live, p->idx, pr ? pr->name : "", lv, p->recv_us);
	p->live_pending = true;
}

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void publish_stats(struct daemon *d)
{
	pthread_mutex_lock(&d->m.mu);
	d->m.n_ports = d->n_ports;
	for (unsigned i = 0; i < d->n_ports; i++) {
		struct srv_port_metrics *pm = &d->m.ports[i];
		pm->port = d->ports[i].local_port;
		pm->proto = ingest_port_proto(d->ports[i].in);
		ingest_port_stats(d->ports[i].in, &pm->s);
	}
	pthread_mutex_unlock(&d->m.mu);
	atomic_store(&d->m.queue_depth, tb_ring_count(d->queue));
}

static void report_rejects(struct daemon *d, bool force)
{
	uint64_t now = tb_now_ns();
	if (!force && now - d->last_report_ns < 10000000000ull)
		return;
	d->last_report_ns = now;
	uint64_t rej[INGEST_REJ__COUNT] = {0}, total = 0;
	for (unsigned i = 0; i < d->n_ports; i++) {
		struct ingest_stats s;
		ingest_port_stats(d->ports[i].in, &s);
		for (int r = 0; r < INGEST_REJ__COUNT; r++) {
			rej[r] += s.rejected[r];
			total += s.rejected[r];
		}
	}
	if (total == d->rej_logged)
		return;
	d->rej_logged = total;
	fprintf(stderr, "serve: rejected datagrams so far: %llu "
			"(truncated %llu, format %llu, id %llu, length %llu, "
			"other %llu)\n",
		(unsigned long long)total, (unsigned long long)rej[0],
		(unsigned long long)rej[1], (unsigned long long)rej[2],
		(unsigned long long)rej[3], (unsigned long long)rej[4]);
}

static enum tb_status port_send(void *ctx, uint32_t ip, uint16_t port,
				const uint8_t *buf, size_t len)
{
	struct port *p = ctx;
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(ip)};
	if (sendto(p->fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)) <
	    0)
		return TB_ERR_NET;
	return TB_OK;
}

static void tick_ports(struct daemon *d)
{
	int64_t now_us = tb_wall_ms() * 1000;
	for (unsigned i = 0; i < d->n_ports; i++) {
		struct port *p = &d->ports[i];
		struct ingest_io io = {.ctx = p, .send = port_send};
		ingest_port_tick(p->in, now_us, &io);
	}
}

static void announce(struct port *p)
{
	const struct ingest_proto *pr = ingest_port_proto(p->in);
	if (pr && pr != p->announced) {
		p->announced = pr;
		fprintf(stderr, "serve: UDP port %u: %s%s\n", p->local_port,
			pr->title, p->cfg->proto ? "" : " (detected)");
	}
}

static void receive_batch(struct daemon *d, struct port *p)
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
	int n = recvmmsg(p->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	int64_t now_us = tb_wall_ms() * 1000;
	p->recv_us = wall_us();
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
				.dst_port = p->local_port,
				.payload = bufs[i],
				.len = len};
			if (fmt_pcap_write(d->rec, &dg, &err) != TB_OK)
				atomic_fetch_add(&d->m.record_errors, 1);
		}
		/* An oversized datagram is no telemetry we know: reject it
		 * as truncated-to-nothing rather than decode a prefix. */
		enum tb_status st = ingest_port_datagram(
			p->in, bufs[i], len > TB_DATAGRAM_MAX ? 0 : len, now_us,
			&err);
		if (st != TB_OK && d->cfg->verbose)
			fprintf(stderr, "serve: port %u: rejected: %s\n",
				p->local_port, err.msg);
	}
	if (p->live_pending) {
		p->live_pending = false;
		srv__live_kick(d->live);
	}
	announce(p);
}

static struct port *port_of_fd(struct daemon *d, int fd)
{
	for (unsigned i = 0; i < d->n_ports; i++)
		if (d->ports[i].fd == fd)
			return &d->ports[i];
	return NULL;
}

static void *receiver_main(void *arg)
{
	struct daemon *d = arg;
	bool stop = false;
	uint64_t last_tick = 0;
	tick_ports(d);
	while (!stop) {
		struct epoll_event ev[SRV_MAX_PORTS + 1];
		int n = epoll_wait(d->ep_fd, ev, SRV_MAX_PORTS + 1, 100);
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
				continue;
			}
			struct port *p = port_of_fd(d, ev[i].data.fd);
			if (p)
				receive_batch(d, p);
		}
		uint64_t now = tb_now_ns();
		if (now - last_tick >= 100000000u) {
			tick_ports(d);
			last_tick = now;
		}
		publish_stats(d);
		report_rejects(d, false);
	}
	/* Drain what the sockets already hold, then close every lap (and
	 * let protocols with a peer say goodbye on their last tick). */
	for (unsigned k = 0; k < d->n_ports; k++)
		for (int i = 0; i < 64; i++)
			receive_batch(d, &d->ports[k]);
	for (unsigned k = 0; k < d->n_ports; k++)
		ingest_port_flush(d->ports[k].in);
	tick_ports(d);
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

static enum tb_status open_port(struct daemon *d, struct port *p,
				const struct srv_port_cfg *pc, struct tb_error *err)
{
	p->d = d;
	p->cfg = pc;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(pc->port);
	if (inet_pton(AF_INET, d->cfg->udp_addr, &sa.sin_addr) != 1)
		return tb_fail(err, TB_ERR_ARG, "bad UDP bind address '%s'",
			       d->cfg->udp_addr);
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return tb_fail(err, TB_ERR_NET, "socket: %s", strerror(errno));
	int one = 1, rcvbuf = 8 << 20;
	setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Beyond rmem_max needs privilege; fall back to the plain call. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) != 0)
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	if (bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return tb_fail(err, TB_ERR_NET, "cannot listen on UDP %s:%u: %s",
			       d->cfg->udp_addr, pc->port, strerror(errno));
	socklen_t sl = sizeof(sa);
	getsockname(p->fd, (struct sockaddr *)&sa, &sl);
	p->local_port = ntohs(sa.sin_port);
	struct ingest_opts opts = pc->opts;
	if (d->cfg->wrc_schema[0] && !opts.schema)
		opts.schema = d->cfg->wrc_schema;
	if (d->live) {
		opts.live.fn = on_live;
		opts.live.ctx = p;
		srv__live_set_port(d->live, p->idx, p->local_port);
	}
	enum tb_status st =
	    ingest_port_create(pc->proto, &opts, on_lap, p, &p->in);
	if (st != TB_OK)
		return tb_fail(err, st, "port %u: %s", p->local_port,
			       tb_strerror(st));
	struct epoll_event ev = {.events = EPOLLIN};
	ev.data.fd = p->fd;
	epoll_ctl(d->ep_fd, EPOLL_CTL_ADD, p->fd, &ev);
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
	return TB_OK;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

enum tb_status srv_run(const struct srv_config *cfg_in, struct tb_error *err)
{
	struct daemon d;
	struct srv_config cfg = *cfg_in;
	struct srv_http *http = NULL;
	pthread_t rx;
	bool rx_started = false;
	enum tb_status rc;

	if (cfg.n_ports == 0) {
		cfg.n_ports = 1;
		memset(&cfg.ports[0], 0, sizeof(cfg.ports[0]));
		cfg.ports[0].port = 20777;
	}
	memset(&d, 0, sizeof(d));
	d.cfg = &cfg;
	d.sig_fd = d.ep_fd = d.wake_fd[0] = d.wake_fd[1] = -1;
	for (unsigned i = 0; i < SRV_MAX_PORTS; i++)
		d.ports[i].fd = -1;
	d.m.started_ns = tb_now_ns();
	pthread_mutex_init(&d.m.mu, NULL);
	atomic_init(&d.receiver_done, false);

	rc = store_open(cfg.db_url, &d.store, err);
	if (rc != TB_OK)
		goto out;
	rc = srv_sink_create(d.store, &d.sink);
	if (rc == TB_OK)
		rc = tb_ring_create(sizeof(struct ingest_lap_job *),
				    cfg.queue_laps, &d.queue);
	if (rc != TB_OK) {
		tb_fail(err, rc, "serve: %s", tb_strerror(rc));
		goto out;
	}
	if (cfg.record_path[0]) {
		rc = fmt_pcap_writer_open(cfg.record_path, &d.rec, err);
		if (rc != TB_OK)
			goto out;
	}
	rc = open_events(&d, err);
	if (rc == TB_OK && cfg.http_port)
		rc = srv__live_create(cfg.db_url, &d.m, &d.live, err);
	for (unsigned i = 0; rc == TB_OK && i < cfg.n_ports; i++) {
		d.ports[i].idx = i;
		rc = open_port(&d, &d.ports[i], &cfg.ports[i], err);
		if (rc == TB_OK)
			d.n_ports++;
	}
	if (rc != TB_OK)
		goto out;
	if (cfg.http_port) {
		rc = srv__http_start(cfg.http_addr, cfg.http_port, cfg.db_url,
				     &d.m, d.live, &http, err);
		if (rc != TB_OK)
			goto out;
	}
	for (unsigned i = 0; i < d.n_ports; i++) {
		const struct srv_port_cfg *pc = &cfg.ports[i];
		fprintf(stderr, "serve: listening on UDP %s:%u (%s)\n",
			cfg.udp_addr, d.ports[i].local_port,
			pc->proto ? pc->proto->title : "any protocol, detected");
	}
	if (cfg.http_port)
		fprintf(stderr, "serve: HTTP http://%s:%u/healthz\n",
			cfg.http_addr, cfg.http_port);
	fprintf(stderr, "serve: store %s\n", cfg.db_url);
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
	srv__live_stop(d.live);
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
	for (unsigned i = 0; i < SRV_MAX_PORTS; i++) {
		ingest_port_destroy(d.ports[i].in);
		close_fd(&d.ports[i].fd);
	}
	tb_ring_destroy(d.queue);
	srv__live_destroy(d.live);
	srv_sink_destroy(d.sink);
	store_close(d.store);
	close_fd(&d.sig_fd);
	close_fd(&d.ep_fd);
	close_fd(&d.wake_fd[0]);
	close_fd(&d.wake_fd[1]);
	pthread_mutex_destroy(&d.m.mu);
	return rc;
}

/* http.c - the daemon's HTTP endpoint on libmicrohttpd: /healthz and
 * /metrics (Prometheus text format). The response is queued on the
 * handler's second call: queueing on the first makes MHD close every
 * connection after one response. */
#include "server_int.h"

#include <microhttpd.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>

struct srv_http {
	struct MHD_Daemon *mhd;
	struct srv_metrics *m;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code,
			     const char *type, const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* Per-port, per-protocol counters. Labels: port, protocol. */
static enum tb_status ports_text(struct srv_metrics *m, struct tb_buf *b)
{
	struct srv_port_metrics ports[SRV_MAX_PORTS];
	pthread_mutex_lock(&m->mu);
	unsigned n = m->n_ports;
	memcpy(ports, m->ports, n * sizeof(ports[0]));
	pthread_mutex_unlock(&m->mu);
	enum tb_status st = TB_OK;
	static const struct {
		const char *name, *help;
		size_t off;
	} plain[] = {
		{"datagrams_total", "UDP datagrams received.",
		 offsetof(struct ingest_stats, datagrams)},
		{"bytes_total", "UDP payload bytes received.",
		 offsetof(struct ingest_stats, bytes)},
		{"accepted_total", "Datagrams decoded and used.",
		 offsetof(struct ingest_stats, accepted)},
		{"frames_total", "Canonical car frames assembled.",
		 offsetof(struct ingest_stats, frames)},
		{"sessions_total", "Game sessions seen.",
		 offsetof(struct ingest_stats, sessions)},
		{"rewinds_total", "Flashbacks / resets (time going back).",
		 offsetof(struct ingest_stats, rewinds)},
		{"peer_sent_total", "Handshakes and heartbeats sent.",
		 offsetof(struct ingest_stats, sent)},
		{"peer_timeouts_total", "Times the game stopped answering.",
		 offsetof(struct ingest_stats, peer_timeouts)},
	};
	for (size_t k = 0; k < sizeof(plain) / sizeof(plain[0]); k++) {
		if (st == TB_OK)
			st = tb_buf_printf(b,
					   "# HELP trailbrake_%s %s\n"
					   "# TYPE trailbrake_%s counter\n",
					   plain[k].name, plain[k].help,
					   plain[k].name);
		for (unsigned i = 0; i < n && st == TB_OK; i++) {
			uint64_t v;
			memcpy(&v, (const char *)&ports[i].s + plain[k].off,
			       sizeof(v));
			st = tb_buf_printf(
				b,
				"trailbrake_%s{port=\"%u\",protocol=\"%s\"} "
				"%llu\n",
				plain[k].name, ports[i].port,
				ports[i].proto ? ports[i].proto->name : "none",
				(unsigned long long)v);
		}
	}
	if (st == TB_OK)
		st = tb_buf_printf(b, "# HELP trailbrake_packets_total Datagrams "
				      "accepted, by protocol and kind.\n"
				      "# TYPE trailbrake_packets_total counter\n");
	for (unsigned i = 0; i < n && st == TB_OK; i++) {
		const struct ingest_proto *pr = ports[i].proto;
		for (unsigned k = 0; pr && pr->kind_name &&
				     k < INGEST_KINDS_MAX && st == TB_OK;
		     k++) {
			const char *kn = pr->kind_name(k);
			if (!kn)
				break;
			st = tb_buf_printf(
				b,
				"trailbrake_packets_total{port=\"%u\","
				"protocol=\"%s\",kind=\"%s\"} %llu\n",
				ports[i].port, pr->name, kn,
				(unsigned long long)ports[i].s.kinds[k]);
		}
	}
	if (st == TB_OK)
		st = tb_buf_printf(b, "# HELP trailbrake_rejected_total "
				      "Datagrams rejected, by reason.\n"
				      "# TYPE trailbrake_rejected_total counter\n");
	for (unsigned i = 0; i < n && st == TB_OK; i++)
		for (int r = 0; r < INGEST_REJ__COUNT && st == TB_OK; r++)
			st = tb_buf_printf(
				b,
				"trailbrake_rejected_total{port=\"%u\","
				"protocol=\"%s\",reason=\"%s\"} %llu\n",
				ports[i].port,
				ports[i].proto ? ports[i].proto->name : "none",
				ingest_reject_name((enum ingest_reject)r),
				(unsigned long long)ports[i].s.rejected[r]);
	return st;
}

static enum tb_status metrics_text(struct srv_metrics *m,
				   struct tb_buf *b)
{
	enum tb_status st = TB_OK;
#define OUT(...)                                                             \
	do {                                                                 \
		if (st == TB_OK)                                             \
			st = tb_buf_printf(b, __VA_ARGS__);                  \
	} while (0)
#define COUNTER(name, help, val)                                             \
	OUT("# HELP trailbrake_" name " " help "\n# TYPE trailbrake_" name   \
	    " counter\ntrailbrake_" name " %llu\n",                          \
	    (unsigned long long)(val))
	st = ports_text(m, b);
	COUNTER("laps_stored_total", "Laps written to the store.",
		atomic_load(&m->laps_stored));
	COUNTER("laps_dropped_total", "Laps dropped: lap queue full.",
		atomic_load(&m->laps_dropped));
	COUNTER("laps_failed_total", "Laps the store refused.",
		atomic_load(&m->laps_failed));
	COUNTER("samples_stored_total", "Samples in stored laps.",
		atomic_load(&m->samples_stored));
	COUNTER("http_requests_total", "HTTP requests served.",
		atomic_load(&m->http_requests));
	OUT("# HELP trailbrake_lap_queue_depth Laps waiting for the "
	    "writer.\n# TYPE trailbrake_lap_queue_depth gauge\n"
	    "trailbrake_lap_queue_depth %llu\n",
	    (unsigned long long)atomic_load(&m->queue_depth));
#undef COUNTER
#undef OUT
	return st;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct srv_http *h = cls;
	(void)version;
	(void)upload;
	static int first_call_marker;
	if (*con_cls == NULL) {
		*con_cls = &first_call_marker;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* no endpoint takes a body yet */
		return MHD_YES;
	}
	atomic_fetch_add(&h->m->http_requests, 1);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		static const char msg[] =
			"{\"error\":\"method not allowed\"}\n";
		return reply(c, 405, "application/json", msg,
			     sizeof(msg) - 1);
	}
	if (strcmp(url, "/healthz") == 0) {
		char body[128];
		int n = snprintf(body, sizeof(body),
				 "{\"status\":\"ok\",\"uptime_s\":%.1f}\n",
				 (tb_now_ns() - h->m->started_ns) / 1e9);
		return reply(c, 200, "application/json", body, (size_t)n);
	}
	if (strcmp(url, "/metrics") == 0) {
		struct tb_buf b;
		tb_buf_init(&b, 1 << 20);
		enum MHD_Result ret;
		if (metrics_text(h->m, &b) == TB_OK)
			ret = reply(c, 200, "text/plain; version=0.0.4",
				    (const char *)b.data, b.len);
		else
			ret = reply(c, 500, "text/plain", "error\n", 6);
		tb_buf_release(&b);
		return ret;
	}
	static const char nf[] = "{\"error\":\"not found\"}\n";
	return reply(c, 404, "application/json", nf, sizeof(nf) - 1);
}

enum tb_status srv__http_start(const char *addr, uint16_t port,
			       struct srv_metrics *m, struct srv_http **out,
			       struct tb_error *err)
{
	*out = NULL;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return tb_fail(err, TB_ERR_ARG, "bad HTTP bind address '%s'",
			       addr);
	struct srv_http *h = tb_calloc(1, sizeof(*h));
	if (!h)
		return tb_fail(err, TB_ERR_NOMEM, "http: out of memory");
	h->m = m;
	h->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY,
		port, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, &sa,
		MHD_OPTION_CONNECTION_LIMIT, 256u,
		MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!h->mhd) {
		tb_free(h);
		return tb_fail(err, TB_ERR_NET,
			       "cannot serve HTTP on %s:%u (port in use?)",
			       addr, port);
	}
	*out = h;
	return TB_OK;
}

void srv__http_stop(struct srv_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	tb_free(h);
}

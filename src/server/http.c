/* http.c - the daemon's HTTP endpoint on libmicrohttpd: /healthz,
 * /metrics (Prometheus text format) and the JSON API under /api/v1
 * (api.c). A response is queued on the handler's second call: queueing
 * on the first makes MHD close every connection after one response
 * (only early refusals of an upload are queued on the first call, and
 * those should close). Uploads stream into a temporary file.
 * /api/v1/live upgrades to a WebSocket whose socket goes to live.c. */
#include "api_int.h"
#include "live_int.h"
#include "static_int.h"
#include "ws_int.h"

#include <microhttpd.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Request latency histogram per endpoint (seconds, upper bounds). */
#define SRV_LAT_BUCKETS 12
static const double lat_le[SRV_LAT_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05,	0.1,   0.25,   0.5,   1.0,  5.0};

struct srv_lat {
	atomic_uint_fast64_t bucket[SRV_LAT_BUCKETS]; /* not cumulative */
	atomic_uint_fast64_t count, sum_ns;
};

struct srv_http {
	struct MHD_Daemon *mhd;
	struct srv_metrics *m;
	struct srv_api *api;
	struct srv_live *live; /* borrowed; NULL: no live endpoint */
	struct srv_lat lat[SRV_EP__COUNT];
};

/* One request's state, from the first handler call to completion. */
struct srv_req {
	uint64_t t0;
	enum srv_ep ep;
	int64_t id;
	bool bad_id;
	bool queued; /* a response is queued already (early refusal) */
	int fd;	     /* upload file, -1 when none */
	bool write_failed;
	uint64_t want, got;
	char dir[64], path[128];
	struct srv_live_sub *sub; /* live: until the upgrade takes it */
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

/* Send an API reply; its body buffer moves to MHD, which frees it. */
static enum MHD_Result send_reply(struct MHD_Connection *c,
				  struct srv_reply *rp, const char *allow)
{
	static const char fallback[] = "{\"error\":\"internal error\"}\n";
	struct MHD_Response *r;
	if (rp->body.len == 0) {
		tb_buf_release(&rp->body);
		r = MHD_create_response_from_buffer(sizeof(fallback) - 1,
						    (void *)fallback,
						    MHD_RESPMEM_PERSISTENT);
	} else {
		r = MHD_create_response_from_buffer_with_free_callback(
			rp->body.len, rp->body.data, tb_free);
		if (!r)
			tb_buf_release(&rp->body);
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				rp->type ? rp->type : "application/json");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	enum MHD_Result ret = MHD_queue_response(c, rp->code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned code,
				  const char *error, const char *detail,
				  const char *allow)
{
	struct srv_reply rp;
	srv__reply_error(&rp, code, error, detail);
	return send_reply(c, &rp, allow);
}

static void lat_record(struct srv_http *h, const struct srv_req *q)
{
	uint64_t ns = tb_now_ns() - q->t0;
	struct srv_lat *l = &h->lat[q->ep];
	double s = (double)ns / 1e9;
	for (int i = 0; i < SRV_LAT_BUCKETS; i++)
		if (s <= lat_le[i]) {
			atomic_fetch_add(&l->bucket[i], 1);
			break;
		}
	atomic_fetch_add(&l->count, 1);
	atomic_fetch_add(&l->sum_ns, ns);
}

static enum tb_status lat_text(struct srv_http *h, struct tb_buf *b)
{
	enum tb_status st = tb_buf_printf(
		b, "# HELP trailbrake_http_request_duration_seconds Time to "
		   "answer an HTTP request, by endpoint.\n"
		   "# TYPE trailbrake_http_request_duration_seconds "
		   "histogram\n");
	for (int e = 0; e < SRV_EP__COUNT && st == TB_OK; e++) {
		const char *name = srv__ep_name((enum srv_ep)e);
		struct srv_lat *l = &h->lat[e];
		uint64_t cum = 0;
		for (int i = 0; i < SRV_LAT_BUCKETS && st == TB_OK; i++) {
			cum += atomic_load(&l->bucket[i]);
			st = tb_buf_printf(
				b,
				"trailbrake_http_request_duration_seconds_"
				"bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
				name, lat_le[i], (unsigned long long)cum);
		}
		uint64_t n = atomic_load(&l->count);
		if (st == TB_OK)
			st = tb_buf_printf(
				b,
				"trailbrake_http_request_duration_seconds_"
				"bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n"
				"trailbrake_http_request_duration_seconds_"
				"sum{endpoint=\"%s\"} %.6f\n"
				"trailbrake_http_request_duration_seconds_"
				"count{endpoint=\"%s\"} %llu\n",
				name, (unsigned long long)n, name,
				(double)atomic_load(&l->sum_ns) / 1e9, name,
				(unsigned long long)n);
	}
	return st;
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
	COUNTER("live_frames_sent_total", "Live frames written to viewers.",
		atomic_load(&m->live_frames_sent));
	COUNTER("live_frames_dropped_total",
		"Live frames dropped: the viewer was slow.",
		atomic_load(&m->live_frames_dropped));
	COUNTER("live_viewers_closed_slow_total",
		"Live viewers closed for reading nothing for 5 s.",
		atomic_load(&m->live_closed_slow));
	OUT("# HELP trailbrake_live_viewers Live WebSocket viewers now.\n"
	    "# TYPE trailbrake_live_viewers gauge\n"
	    "trailbrake_live_viewers %llu\n",
	    (unsigned long long)atomic_load(&m->live_viewers));
	OUT("# HELP trailbrake_lap_queue_depth Laps waiting for the "
	    "writer.\n# TYPE trailbrake_lap_queue_depth gauge\n"
	    "trailbrake_lap_queue_depth %llu\n",
	    (unsigned long long)atomic_load(&m->queue_depth));
#undef COUNTER
#undef OUT
	return st;
}

static const char *conn_arg(void *ctx, const char *key)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static void req_free(struct srv_req *q)
{
	srv__live_sub_free(q->sub);
	if (q->fd >= 0)
		close(q->fd);
	if (q->path[0])
		unlink(q->path);
	if (q->dir[0])
		rmdir(q->dir);
	tb_free(q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	if (*con_cls)
		req_free(*con_cls);
	*con_cls = NULL;
}

/* Declared body length; false when there is none or it is malformed. */
static bool content_length(struct MHD_Connection *c, uint64_t *len)
{
	const char *v = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!v || *v < '0' || *v > '9')
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end)
		return false;
	*len = n;
	return true;
}

/* First call of an upload: refuse it before reading the body (the
 * connection closes), or open the temporary file it streams into. */
static enum MHD_Result upload_begin(struct MHD_Connection *c,
				    struct srv_req *q)
{
	char d[128];
	if (!content_length(c, &q->want)) {
		q->queued = true;
		return send_error(c, 411, "length required",
				  "POST /api/v1/import needs a Content-Length "
				  "header (the file is the raw body)",
				  NULL);
	}
	if (q->want > SRV_UPLOAD_MAX) {
		q->queued = true;
		snprintf(d, sizeof(d), "%llu bytes; the limit is %llu",
			 (unsigned long long)q->want,
			 (unsigned long long)SRV_UPLOAD_MAX);
		return send_error(c, 413, "file too large", d, NULL);
	}
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(q->dir, sizeof(q->dir), "%s/tb-upload.XXXXXX", tmp);
	if (!mkdtemp(q->dir)) {
		q->dir[0] = '\0';
		q->queued = true;
		return send_error(c, 500, "input/output error",
				  "cannot create a temporary directory", NULL);
	}
	const char *name = MHD_lookup_connection_value(c,
						       MHD_GET_ARGUMENT_KIND,
						       "name");
	/* The importer may look at the extension: keep a safe basename. */
	char base[48] = "upload";
	if (name && *name && name[0] != '.' && strlen(name) < sizeof(base) &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == strlen(name))
		memcpy(base, name, strlen(name) + 1);
	snprintf(q->path, sizeof(q->path), "%s/%s", q->dir, base);
	q->fd = open(q->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (q->fd < 0) {
		q->path[0] = '\0';
		q->queued = true;
		return send_error(c, 500, "input/output error",
				  "cannot create a temporary file", NULL);
	}
	return MHD_YES;
}

static void upload_chunk(struct srv_req *q, const char *data, size_t n)
{
	q->got += n;
	while (n && q->fd >= 0 && !q->write_failed) {
		ssize_t w = write(q->fd, data, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			q->write_failed = true;
			break;
		}
		data += w;
		n -= (size_t)w;
	}
}

static enum MHD_Result upload_end(struct srv_http *h,
				  struct MHD_Connection *c,
				  struct srv_req *q)
{
	if (q->write_failed || close(q->fd) != 0) {
		q->fd = -1;
		return send_error(c, 500, "input/output error",
				  "cannot store the upload", NULL);
	}
	q->fd = -1;
	if (q->got == 0)
		return send_error(c, 400, "bad request", "empty body", NULL);
	struct srv_reply rp;
	srv__api_import(h->api, q->path, &rp);
	return send_reply(c, &rp, NULL);
}

static enum MHD_Result serve_builtin(struct srv_http *h,
				     struct MHD_Connection *c,
				     enum srv_ep ep)
{
	if (ep == SRV_EP_HEALTHZ) {
		char body[128];
		int n = snprintf(body, sizeof(body),
				 "{\"status\":\"ok\",\"uptime_s\":%.1f}\n",
				 (tb_now_ns() - h->m->started_ns) / 1e9);
		return reply(c, 200, "application/json", body, (size_t)n);
	}
	struct tb_buf b;
	tb_buf_init(&b, 1 << 20);
	enum MHD_Result ret;
	enum tb_status st = metrics_text(h->m, &b);
	if (st == TB_OK)
		st = lat_text(h, &b);
	if (st == TB_OK)
		ret = reply(c, 200, "text/plain; version=0.0.4",
			    (const char *)b.data, b.len);
	else
		ret = reply(c, 500, "text/plain", "error\n", 6);
	tb_buf_release(&b);
	return ret;
}

/* ------------------------------------------------------------------ */
/* /api/v1/live: the WebSocket handshake (RFC 6455 4.2). */

static void ws_close(void *urh)
{
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

static void on_upgrade(void *cls, struct MHD_Connection *c, void *con_cls,
		       const char *extra, size_t n, MHD_socket sock,
		       struct MHD_UpgradeResponseHandle *urh)
{
	struct srv_http *h = cls;
	struct srv_req *q = con_cls;
	(void)c;
	struct srv_live_sub *sub = q ? q->sub : NULL;
	if (!sub) {
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		return;
	}
	q->sub = NULL;
	srv__live_attach(h->live, sub, sock, extra, n, ws_close, urh);
}

/* Does the comma-separated header value v hold token tok (any case)? */
static bool has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok);
	while (v && *v) {
		v += strspn(v, " \t,");
		size_t k = strcspn(v, ",");
		size_t e = k;
		while (e && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e == n && strncasecmp(v, tok, n) == 0)
			return true;
		v += k;
	}
	return false;
}

static enum MHD_Result refuse_upgrade(struct MHD_Connection *c,
				      const char *detail, const char *hdr,
				      const char *val)
{
	struct srv_reply rp;
	srv__reply_error(&rp, 426, "upgrade required", detail);
	struct MHD_Response *r =
	    MHD_create_response_from_buffer_with_free_callback(
		rp.body.len, rp.body.data, tb_free);
	if (!r) {
		tb_buf_release(&rp.body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	MHD_add_response_header(r, hdr, val);
	enum MHD_Result ret = MHD_queue_response(c, 426, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result live_upgrade(struct srv_http *h,
				    struct MHD_Connection *c, struct srv_req *q)
{
	struct srv_reply rp;
	if (!h->live)
		return send_error(c, 404, "not found", "no live endpoint",
				  NULL);
	if (!srv__live_prepare(h->live, conn_arg, c, &q->sub, &rp))
		return send_reply(c, &rp, NULL);
	const char *up =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Upgrade");
	const char *conn =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Connection");
	const char *ver = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "Sec-WebSocket-Version");
	const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      "Sec-WebSocket-Key");
	char accept[29];
	enum MHD_Result ret;
	if (!up || !has_token(up, "websocket") || !conn ||
	    !has_token(conn, "upgrade"))
		ret = refuse_upgrade(c,
				     "/api/v1/live is a WebSocket: send "
				     "Upgrade: websocket",
				     "Upgrade", "websocket");
	else if (!ver || strcmp(ver, "13") != 0)
		ret = refuse_upgrade(c, "Sec-WebSocket-Version must be 13",
				     "Sec-WebSocket-Version", "13");
	else if (!srv__ws_accept(key, accept))
		ret = send_error(c, 400, "bad request",
				 "Sec-WebSocket-Key must be the base64 of 16 "
				 "bytes",
				 NULL);
	else {
		struct MHD_Response *r =
		    MHD_create_response_for_upgrade(on_upgrade, h);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, "Upgrade", "websocket");
		MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
		ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
		MHD_destroy_response(r);
		return ret;
	}
	srv__live_sub_free(q->sub);
	q->sub = NULL;
	return ret;
}

/* Final call: the request is complete; answer it. */
static enum MHD_Result dispatch(struct srv_http *h, struct MHD_Connection *c,
				struct srv_req *q, const char *url,
				const char *method)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	bool post = strcmp(method, "POST") == 0;
	if (q->ep == SRV_EP_OTHER)
		return send_error(c, 404, "not found", "no such endpoint",
				  NULL);
	if (srv__ep_is_post(q->ep) ? !post : !get)
		return send_error(c, 405, "method not allowed", method,
				  srv__ep_is_post(q->ep) ? "POST"
							 : "GET, HEAD");
	if (q->bad_id)
		return send_error(c, 400, "bad parameter",
				  "the id in the path must be a positive "
				  "whole number",
				  NULL);
	if (q->ep == SRV_EP_HEALTHZ || q->ep == SRV_EP_METRICS)
		return serve_builtin(h, c, q->ep);
	if (q->ep == SRV_EP_IMPORT)
		return upload_end(h, c, q);
	if (q->ep == SRV_EP_STATIC)
		return (enum MHD_Result)srv__static_send(c, url);
	if (q->ep == SRV_EP_LIVE)
		return live_upgrade(h, c, q);
	if (q->ep == SRV_EP_LIVE_CARS) {
		struct srv_reply rp;
		if (!h->live)
			return send_error(c, 404, "not found",
					  "no live endpoint", NULL);
		srv__live_cars(h->live, &rp);
		return send_reply(c, &rp, NULL);
	}
	struct srv_reply rp;
	if (srv__ui_owns(q->ep))
		srv__ui_get(h->api, q->ep, q->id, url, &rp);
	else
		srv__api_get(h->api, q->ep, q->id, conn_arg, c, &rp);
	return send_reply(c, &rp, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct srv_http *h = cls;
	(void)version;
	struct srv_req *q = *con_cls;
	if (!q) {
		q = tb_calloc(1, sizeof(*q));
		if (!q)
			return MHD_NO;
		q->t0 = tb_now_ns();
		q->fd = -1;
		q->ep = srv__api_route(url, &q->id, &q->bad_id);
		*con_cls = q;
		if (q->ep == SRV_EP_IMPORT && strcmp(method, "POST") == 0)
			return upload_begin(c, q);
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->queued)
			upload_chunk(q, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->queued)
		return MHD_YES;
	q->queued = true;
	atomic_fetch_add(&h->m->http_requests, 1);
	enum MHD_Result ret = dispatch(h, c, q, url, method);
	lat_record(h, q);
	return ret;
}

static unsigned pool_size(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1u : n > 8 ? 8u : (unsigned)n;
}

enum tb_status srv__http_start(const char *addr, uint16_t port,
			       const char *db_url, struct srv_metrics *m,
			       struct srv_live *live, struct srv_http **out,
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
	h->live = live;
	enum tb_status st = srv__api_create(db_url, &h->api, err);
	if (st != TB_OK) {
		tb_free(h);
		return st;
	}
	/* A pool of polling threads: handlers run concurrently, so the
	 * API guards its store handle with a mutex. Upgraded (WebSocket)
	 * connections leave MHD's polling: live.c's thread serves them. */
	h->mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY |
		MHD_ALLOW_UPGRADE,
	    port, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_THREAD_POOL_SIZE, pool_size(),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_CONNECTION_TIMEOUT,
	    30u, MHD_OPTION_END);
	if (!h->mhd) {
		srv__api_destroy(h->api);
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
	/* Viewers' sockets belong to MHD until closed: close them first. */
	srv__live_stop(h->live);
	MHD_stop_daemon(h->mhd);
	srv__api_destroy(h->api);
	tb_free(h);
}

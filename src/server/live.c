/* live.c - live telemetry over WebSocket (protocol in docs/openapi.yaml,
 * /api/v1/live). The receiver publishes each car's latest frame into a
 * slot (a copy under the slot's mutex: no allocation, no waiting on a
 * viewer); one sender thread, woken by an eventfd, formats a JSON frame
 * per viewer when its car has a new frame and its rate allows, queues it
 * in the viewer's bounded queue (the oldest frame goes when full, and the
 * count is reported), and writes non-blocking. A viewer that takes no
 * bytes for SRV_LIVE_STALL_MS is closed with 1008. */
#define _GNU_SOURCE
#include "live_int.h"
#include "ws_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One car of one source: its latest frame and last finished lap. */
struct slot {
	pthread_mutex_t mu;
	uint64_t seq;	  /* frames published; 0: never seen */
	uint64_t lap_seq; /* laps finished */
	uint64_t order;	  /* when first seen (for "first seen") */
	int64_t recv_us;  /* wall clock of the frame's datagram */
	uint64_t seen_ns; /* monotonic clock of the frame */
	struct tb_frame f;
	uint32_t lap_num;
	bool player;
	const char *proto;
	uint64_t session_uid;
	enum tb_game game;
	char track[TB_NAME_MAX], driver[TB_NAME_MAX], car[TB_NAME_MAX];
	uint32_t done_lap;
	int32_t done_ms;
	bool done_valid;
};

/* A reference lap: its time by lap distance (strictly increasing). */
struct ref {
	int64_t id;
	int32_t time_ms;
	size_t n;
	double *dist, *time;
};

struct msg {
	uint16_t len;
	bool frame; /* may be dropped when the viewer is slow */
	uint8_t data[SRV_LIVE_MSG_MAX];
};

enum vstate { V_OPEN, V_CLOSING };

struct viewer {
	struct viewer *next;
	struct srv_live *l;
	int fd;
	void (*close_fn)(void *);
	void *close_ctx;
	enum vstate state;
	unsigned src;
	int car; /* -1: the player's car once one is seen */
	bool car_auto;
	unsigned hz;
	double credit; /* frames the rate allows now (at most 2) */
	uint64_t credit_ns;
	uint64_t last_seq, lap_seq, frames;
	uint64_t dropped_unreported;
	uint64_t progress_ns; /* last time bytes went out (or none due) */
	uint64_t closing_ns;
	struct ref ref;
	/* outbound queue: q[(head + i) % SRV_LIVE_QUEUE], i < count; the
	 * head message has head_off bytes sent */
	struct msg *q;
	unsigned head, count;
	size_t head_off;
	/* inbound */
	struct srv_ws_rx rx;
	uint8_t in[SRV_WS_MSG_MAX + 2 * SRV_WS_HDR_MAX + 128];
	size_t in_len;
};

struct srv_live_sub {
	struct srv_live *l;
	unsigned src;
	int car;
	bool car_auto;
	unsigned hz;
	struct ref ref;
};

struct srv_live {
	struct srv_metrics *m;
	pthread_mutex_t store_mu; /* guards st */
	struct store *st;
	unsigned n_ports;
	uint16_t ports[SRV_MAX_PORTS];
	struct slot slots[SRV_MAX_PORTS][SRV_LIVE_CARS];
	atomic_uint_fast64_t order;
	atomic_uint reserved; /* viewers prepared or attached */
	int ev_fd, ep_fd;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	pthread_mutex_t pend_mu; /* guards pending */
	struct viewer *pending;	 /* attached, not yet taken by the sender */
	struct viewer *viewers;	 /* sender thread only */
};

static uint64_t mono_ns(void)
{
	return tb_now_ns();
}

/* ------------------------------------------------------------------ */
/* Receiver side. */

void srv__live_set_port(struct srv_live *l, unsigned idx, uint16_t port)
{
	if (!l || idx >= SRV_MAX_PORTS)
		return;
	l->ports[idx] = port;
	if (idx + 1 > l->n_ports)
		l->n_ports = idx + 1;
}

static void copy_name(char *dst, const char *src)
{
	size_t n = strnlen(src, TB_NAME_MAX - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void srv__live_frame(struct srv_live *l, unsigned idx, const char *proto,
		     const struct lap_live *lv, int64_t recv_us)
{
	if (!l || idx >= SRV_MAX_PORTS || lv->car >= SRV_LIVE_CARS)
		return;
	struct slot *s = &l->slots[idx][lv->car];
	pthread_mutex_lock(&s->mu);
	if (s->seq == 0)
		s->order = atomic_fetch_add(&l->order, 1) + 1;
	s->seq++;
	s->f = *lv->frame;
	s->lap_num = lv->lap_num;
	s->player = lv->player;
	s->recv_us = recv_us;
	s->seen_ns = mono_ns();
	s->proto = proto;
	if (lv->session) {
		s->session_uid = lv->session->source_uid;
		s->game = lv->session->game;
		copy_name(s->track, lv->session->track);
	}
	if (lv->car_info) {
		copy_name(s->driver, lv->car_info->driver);
		copy_name(s->car, lv->car_info->car);
	}
	pthread_mutex_unlock(&s->mu);
}

void srv__live_lap(struct srv_live *l, unsigned idx,
		   const struct ingest_lap_job *job)
{
	unsigned car = job->lap.car_index;
	if (!l || idx >= SRV_MAX_PORTS || car >= SRV_LIVE_CARS ||
	    job->lap.lap_time_ms <= 0)
		return;
	struct slot *s = &l->slots[idx][car];
	pthread_mutex_lock(&s->mu);
	s->done_lap = job->lap.lap_number;
	s->done_ms = job->lap.lap_time_ms;
	s->done_valid = job->lap.flags == 0;
	s->lap_seq++;
	pthread_mutex_unlock(&s->mu);
}

void srv__live_kick(struct srv_live *l)
{
	if (!l || l->ev_fd < 0)
		return;
	uint64_t one = 1;
	if (write(l->ev_fd, &one, sizeof(one)) < 0) {
		/* counter saturated: the sender is awake already */
	}
}

/* A consistent copy of a slot. */
static void slot_read(struct slot *s, struct slot *out)
{
	pthread_mutex_lock(&s->mu);
	memcpy((char *)out + sizeof(out->mu), (char *)s + sizeof(s->mu),
	       sizeof(*s) - sizeof(s->mu));
	pthread_mutex_unlock(&s->mu);
}

static bool slot_live(const struct slot *s, uint64_t now)
{
	return s->seq &&
	       now - s->seen_ns < (uint64_t)SRV_LIVE_SEEN_MS * 1000000u;
}

/* ------------------------------------------------------------------ */
/* GET /api/v1/live/cars */

void srv__live_cars(struct srv_live *l, struct srv_reply *r)
{
	struct srv_json j;
	srv__json_init(&j, 1u << 20);
	srv__json_obj(&j);
	srv__json_key(&j, "cars");
	srv__json_arr(&j);
	uint64_t now = mono_ns();
	for (unsigned p = 0; p < l->n_ports; p++) {
		for (unsigned c = 0; c < SRV_LIVE_CARS; c++) {
			struct slot s;
			slot_read(&l->slots[p][c], &s);
			if (!slot_live(&s, now))
				continue;
			char src[8], uid[24];
			snprintf(src, sizeof(src), "%u", l->ports[p]);
			snprintf(uid, sizeof(uid), "%llu",
				 (unsigned long long)s.session_uid);
			srv__json_obj(&j);
			srv__json_kstr(&j, "source", src);
			srv__json_kstr(&j, "protocol", s.proto);
			srv__json_kint(&j, "car", c);
			srv__json_key(&j, "player");
			srv__json_bool(&j, s.player);
			srv__json_kstr(&j, "driver", s.driver);
			srv__json_kstr(&j, "car_name", s.car);
			srv__json_kstr(&j, "track", s.track);
			srv__json_kstr(&j, "session_uid", uid);
			srv__json_kint(&j, "lap", s.lap_num);
			srv__json_knum(&j, "lap_dist_m",
				       tb_frame_has(&s.f, TB_CH_LAP_DIST)
					   ? s.f.v[TB_CH_LAP_DIST]
					   : NAN);
			srv__json_knum(&j, "speed_ms",
				       tb_frame_has(&s.f, TB_CH_SPEED)
					   ? s.f.v[TB_CH_SPEED]
					   : NAN);
			srv__json_kint(&j, "age_ms",
				       (int64_t)((now - s.seen_ns) / 1000000u));
			srv__json_obj_end(&j);
		}
	}
	srv__json_arr_end(&j);
	srv__json_obj_end(&j);
	if (j.st != TB_OK) {
		srv__json_release(&j);
		srv__reply_error(r, 500, "internal error", tb_strerror(j.st));
		return;
	}
	r->code = 200;
	r->type = "application/json";
	r->body = j.b;
}

/* ------------------------------------------------------------------ */
/* Reference laps. */

static void ref_release(struct ref *f)
{
	tb_free(f->dist);
	tb_free(f->time);
	memset(f, 0, sizeof(*f));
}

/* Time by distance from a lap: samples with both channels, distance
 * strictly increasing (a car backing up keeps its first pass). */
static enum tb_status ref_build(struct ref *f, int64_t id,
				const struct tb_lap *lap)
{
	memset(f, 0, sizeof(*f));
	const double *d = lap->col[TB_CH_LAP_DIST];
	const double *t = lap->col[TB_CH_LAP_TIME];
	const double *st = lap->col[TB_CH_TIME];
	tb_chmask need = TB_CHBIT(TB_CH_LAP_DIST) |
			 (t ? TB_CHBIT(TB_CH_LAP_TIME) : TB_CHBIT(TB_CH_TIME));
	if (!d || (!t && !st) || lap->n == 0)
		return TB_ERR_FORMAT;
	f->dist = tb_malloc(lap->n * sizeof(double));
	f->time = tb_malloc(lap->n * sizeof(double));
	if (!f->dist || !f->time) {
		ref_release(f);
		return TB_ERR_NOMEM;
	}
	double t0 = NAN;
	for (size_t i = 0; i < lap->n; i++) {
		if ((lap->mask[i] & need) != need)
			continue;
		double ti = t ? t[i] : st[i];
		if (!t && isnan(t0))
			t0 = ti;
		if (!t)
			ti -= t0;
		if (!isfinite(d[i]) || !isfinite(ti))
			continue;
		if (f->n && d[i] <= f->dist[f->n - 1])
			continue;
		f->dist[f->n] = d[i];
		f->time[f->n] = ti;
		f->n++;
	}
	if (f->n < 2) {
		ref_release(f);
		return TB_ERR_FORMAT;
	}
	f->id = id;
	f->time_ms = lap->lap_time_ms;
	return TB_OK;
}

/* The reference's time at distance x, NAN outside it. */
static double ref_time_at(const struct ref *f, double x)
{
	if (f->n < 2 || !(x >= f->dist[0]) || x > f->dist[f->n - 1])
		return NAN;
	size_t lo = 0, hi = f->n - 1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->dist[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	double u = (x - f->dist[lo]) / (f->dist[hi] - f->dist[lo]);
	return f->time[lo] + u * (f->time[hi] - f->time[lo]);
}

static enum tb_status ref_load(struct srv_live *l, int64_t id, struct ref *f,
			       struct tb_error *err)
{
	struct tb_lap lap;
	tb_lap_init(&lap);
	pthread_mutex_lock(&l->store_mu);
	enum tb_status st = store_lap_get(l->st, id, &lap, NULL, err);
	pthread_mutex_unlock(&l->store_mu);
	if (st == TB_OK) {
		st = ref_build(f, id, &lap);
		if (st != TB_OK)
			tb_fail(err, st,
				"lap %lld has no lap distance and time",
				(long long)id);
	}
	tb_lap_release(&lap);
	return st;
}

/* The best valid timed lap stored for the same game, track and car. */
struct best {
	const struct slot *s;
	int64_t ids[256];
	size_t n_ids;
	int64_t lap_id;
	int32_t ms;
};

static int best_session(void *ctx, const struct store_session_row *r)
{
	struct best *b = ctx;
	if (r->info.game == b->s->game &&
	    strcmp(r->info.track, b->s->track) == 0 &&
	    b->n_ids < sizeof(b->ids) / sizeof(b->ids[0]))
		b->ids[b->n_ids++] = r->id;
	return 0;
}

static int best_lap(void *ctx, const struct store_lap_row *r)
{
	struct best *b = ctx;
	if (r->flags == 0 && r->lap_time_ms > 0 &&
	    strcmp(r->car, b->s->car) == 0 &&
	    (b->lap_id == 0 || r->lap_time_ms < b->ms)) {
		b->lap_id = r->id;
		b->ms = r->lap_time_ms;
	}
	return 0;
}

static int64_t best_ref(struct srv_live *l, const struct slot *s)
{
	struct best *b = tb_calloc(1, sizeof(*b));
	if (!b)
		return 0;
	b->s = s;
	pthread_mutex_lock(&l->store_mu);
	if (store_sessions_list(l->st, best_session, b, NULL) == TB_OK)
		for (size_t i = 0; i < b->n_ids; i++)
			if (store_laps_list(l->st, b->ids[i], best_lap, b,
					    NULL) != TB_OK)
				break;
	pthread_mutex_unlock(&l->store_mu);
	int64_t id = b->lap_id;
	tb_free(b);
	return id;
}

/* ------------------------------------------------------------------ */
/* Subscriptions. */

static bool parse_uint(const char *v, uint64_t max, uint64_t *out)
{
	if (!v || *v < '0' || *v > '9' || strlen(v) > 18)
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || *end || n > max)
		return false;
	*out = n;
	return true;
}

static void bad(struct srv_reply *r, unsigned code, const char *fmt,
		const char *v)
{
	char d[256];
	snprintf(d, sizeof(d), fmt, v ? v : "");
	srv__reply_error(r, code,
			 code == 404   ? "not found"
			 : code == 503 ? "too many viewers"
				       : "bad parameter",
			 d);
}

/* The car a viewer without one follows: the player's, else the first
 * seen; -1 when no car is live on the source. */
static int pick_car(struct srv_live *l, unsigned src)
{
	uint64_t now = mono_ns(), first = 0;
	int found = -1;
	for (unsigned c = 0; c < SRV_LIVE_CARS; c++) {
		struct slot s;
		slot_read(&l->slots[src][c], &s);
		if (!slot_live(&s, now))
			continue;
		if (s.player)
			return (int)c;
		if (found < 0 || s.order < first) {
			found = (int)c;
			first = s.order;
		}
	}
	return found;
}

static bool sub_source(struct srv_live *l, srv_arg_fn arg, void *ctx,
		       struct srv_live_sub *s, struct srv_reply *r)
{
	const char *v = arg(ctx, "source");
	uint64_t port;
	if (!v) {
		if (l->n_ports != 1) {
			bad(r, 400,
			    "several UDP ports: name one with "
			    "source=PORT%s",
			    "");
			return false;
		}
		s->src = 0;
		return true;
	}
	if (!parse_uint(v, 65535, &port)) {
		bad(r, 400, "source must be a UDP port number, not '%.40s'", v);
		return false;
	}
	for (unsigned i = 0; i < l->n_ports; i++)
		if (l->ports[i] == port) {
			s->src = i;
			return true;
		}
	bad(r, 404, "no UDP source on port %.8s", v);
	return false;
}

static bool sub_car(struct srv_live *l, srv_arg_fn arg, void *ctx,
		    struct srv_live_sub *s, struct srv_reply *r)
{
	const char *v = arg(ctx, "car");
	uint64_t car;
	if (!v) {
		s->car_auto = true;
		s->car = pick_car(l, s->src);
		return true;
	}
	if (!parse_uint(v, SRV_LIVE_CARS - 1, &car)) {
		bad(r, 400, "car must be a car index 0..23, not '%.40s'", v);
		return false;
	}
	struct slot sl;
	slot_read(&l->slots[s->src][car], &sl);
	if (!slot_live(&sl, mono_ns())) {
		bad(r, 404, "car %s has sent nothing in the last 10 s", v);
		return false;
	}
	s->car = (int)car;
	return true;
}

static bool sub_ref(struct srv_live *l, srv_arg_fn arg, void *ctx,
		    struct srv_live_sub *s, struct srv_reply *r)
{
	const char *v = arg(ctx, "ref");
	uint64_t id;
	struct tb_error err;
	if (!v) {
		if (s->car < 0)
			return true;
		struct slot sl;
		slot_read(&l->slots[s->src][s->car], &sl);
		int64_t best = best_ref(l, &sl);
		if (best > 0 && ref_load(l, best, &s->ref, &err) != TB_OK)
			memset(&s->ref, 0, sizeof(s->ref));
		return true;
	}
	if (!parse_uint(v, INT64_MAX, &id) || id == 0) {
		bad(r, 400,
		    "ref must be a lap id (a positive whole number), "
		    "not '%.40s'",
		    v);
		return false;
	}
	enum tb_status st = ref_load(l, (int64_t)id, &s->ref, &err);
	if (st == TB_ERR_NOTFOUND) {
		bad(r, 404, "no lap %s", v);
		return false;
	}
	if (st != TB_OK) {
		bad(r, st == TB_ERR_FORMAT ? 400 : 500, "%s", err.msg);
		return false;
	}
	return true;
}

bool srv__live_prepare(struct srv_live *l, srv_arg_fn arg, void *ctx,
		       struct srv_live_sub **out, struct srv_reply *r)
{
	*out = NULL;
	memset(r, 0, sizeof(*r));
	struct srv_live_sub *s = tb_calloc(1, sizeof(*s));
	if (!s) {
		srv__reply_error(r, 500, "out of memory", "live viewer");
		return false;
	}
	s->l = l;
	s->hz = SRV_LIVE_HZ_MAX;
	const char *hz = arg(ctx, "hz");
	uint64_t v;
	if (hz && (!parse_uint(hz, SRV_LIVE_HZ_MAX, &v) || v == 0)) {
		bad(r, 400, "hz must be 1..60, not '%.40s'", hz);
		tb_free(s);
		return false;
	}
	if (hz)
		s->hz = (unsigned)v;
	if (!sub_source(l, arg, ctx, s, r) || !sub_car(l, arg, ctx, s, r) ||
	    !sub_ref(l, arg, ctx, s, r)) {
		ref_release(&s->ref);
		tb_free(s);
		return false;
	}
	unsigned n = atomic_fetch_add(&l->reserved, 1);
	if (n >= SRV_LIVE_VIEWERS_MAX) {
		atomic_fetch_sub(&l->reserved, 1);
		bad(r, 503, "at most 64 live viewers at once%s", "");
		ref_release(&s->ref);
		tb_free(s);
		return false;
	}
	*out = s;
	return true;
}

void srv__live_sub_free(struct srv_live_sub *s)
{
	if (!s)
		return;
	atomic_fetch_sub(&s->l->reserved, 1);
	ref_release(&s->ref);
	tb_free(s);
}

void srv__live_attach(struct srv_live *l, struct srv_live_sub *sub, int fd,
		      const char *extra, size_t n, void (*close_fn)(void *ctx),
		      void *close_ctx)
{
	struct viewer *v = tb_calloc(1, sizeof(*v));
	struct msg *q = tb_calloc(SRV_LIVE_QUEUE, sizeof(*q));
	if (!v || !q || n > sizeof(v->in)) {
		tb_free(v);
		tb_free(q);
		srv__live_sub_free(sub);
		close_fn(close_ctx);
		return;
	}
	v->l = l;
	v->fd = fd;
	v->close_fn = close_fn;
	v->close_ctx = close_ctx;
	v->q = q;
	v->src = sub->src;
	v->car = sub->car;
	v->car_auto = sub->car_auto;
	v->hz = sub->hz;
	v->credit = 1;
	v->ref = sub->ref;
	memset(&sub->ref, 0, sizeof(sub->ref));
	tb_free(sub); /* its viewer place moves to v */
	srv__ws_rx_init(&v->rx);
	if (n)
		memcpy(v->in, extra, n);
	v->in_len = n;
	int sz = 32 << 10;
	/* A small send buffer: a stalled viewer shows within seconds. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	pthread_mutex_lock(&l->pend_mu);
	v->next = l->pending;
	l->pending = v;
	pthread_mutex_unlock(&l->pend_mu);
	srv__live_kick(l);
}

/* ------------------------------------------------------------------ */
/* Viewer output. */

static struct msg *q_at(struct viewer *v, unsigned i)
{
	return &v->q[(v->head + i) % SRV_LIVE_QUEUE];
}

/* Drop the oldest frame not being written; false if there is none. The
 * messages before it move back one place (the head with its partial
 * write included), so the order of the others is kept. */
static bool q_drop_frame(struct viewer *v)
{
	for (unsigned i = v->head_off ? 1 : 0; i < v->count; i++) {
		if (!q_at(v, i)->frame)
			continue;
		for (unsigned k = i; k > 0; k--)
			*q_at(v, k) = *q_at(v, k - 1);
		v->head = (v->head + 1) % SRV_LIVE_QUEUE;
		v->count--;
		return true;
	}
	return false;
}

/* Queue one message (text, or another opcode); frame: droppable. A full
 * queue drops its oldest frame first; false if nothing could go. */
static bool q_push(struct viewer *v, enum srv_ws_op op, const char *p, size_t n,
		   bool frame)
{
	if (n + SRV_WS_HDR_MAX > SRV_LIVE_MSG_MAX)
		return false;
	if (v->count == SRV_LIVE_QUEUE) {
		if (!q_drop_frame(v))
			return false;
		v->dropped_unreported++;
		atomic_fetch_add(&v->l->m->live_frames_dropped, 1);
	}
	struct msg *m = q_at(v, v->count);
	size_t h = srv__ws_header(m->data, op, n);
	memcpy(m->data + h, p, n);
	m->len = (uint16_t)(h + n);
	m->frame = frame;
	v->count++;
	return true;
}

static void q_text(struct viewer *v, const char *p, size_t n)
{
	q_push(v, SRV_WS_OP_TEXT, p, n, false);
}

/* Write what the socket takes. */
static void flush(struct viewer *v, uint64_t now)
{
	if (v->count == 0)
		v->progress_ns = now;
	while (v->count) {
		struct msg *m = q_at(v, 0);
		ssize_t w =
		    send(v->fd, m->data + v->head_off, m->len - v->head_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			/* the peer is gone: nothing more can be written */
			v->state = V_CLOSING;
			v->closing_ns = 0;
			v->count = 0;
			v->head_off = 0;
			break;
		}
		if (w <= 0)
			break;
		v->progress_ns = now;
		v->head_off += (size_t)w;
		if (v->head_off < m->len)
			break;
		if (m->frame)
			atomic_fetch_add(&v->l->m->live_frames_sent, 1);
		v->head_off = 0;
		v->head = (v->head + 1) % SRV_LIVE_QUEUE;
		v->count--;
	}
}

static void start_close(struct viewer *v, uint16_t code, const char *why,
			uint64_t now)
{
	if (v->state == V_CLOSING)
		return;
	char p[128];
	size_t n = strnlen(why, sizeof(p) - 3);
	p[0] = (char)(code >> 8);
	p[1] = (char)(code & 0xFF);
	memcpy(p + 2, why, n);
	/* The close goes after what is queued; frames may make room. */
	while (!q_push(v, SRV_WS_OP_CLOSE, p, n + 2, false) &&
	       q_drop_frame(v)) {
	}
	v->state = V_CLOSING;
	v->closing_ns = now;
}

/* ------------------------------------------------------------------ */
/* Messages. */

struct out {
	char b[SRV_LIVE_MSG_MAX - SRV_WS_HDR_MAX];
	size_t n;
	bool full;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(o->b + o->n, sizeof(o->b) - o->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(o->b) - o->n)
		o->full = true;
	else
		o->n += (size_t)k;
}

static void put_num(struct out *o, const char *key, double v)
{
	char num[40];
	if (!isfinite(v)) {
		put(o, ",\"%s\":null", key);
		return;
	}
	size_t n = srv__json_fmt_num(num, v);
	put(o, ",\"%s\":%.*s", key, (int)n, num);
}

static void put_ch(struct out *o, const char *key, const struct tb_frame *f,
		   enum tb_channel ch)
{
	put_num(o, key, tb_frame_has(f, ch) ? f->v[ch] : NAN);
}

static void send_hello(struct viewer *v)
{
	struct out o = {.n = 0};
	put(&o, "{\"type\":\"hello\",\"source\":\"%u\"", v->l->ports[v->src]);
	if (v->car >= 0)
		put(&o, ",\"car\":%d", v->car);
	else
		put(&o, ",\"car\":null");
	if (v->ref.id)
		put(&o, ",\"ref\":%lld,\"ref_time_ms\":%d}",
		    (long long)v->ref.id, (int)v->ref.time_ms);
	else
		put(&o, ",\"ref\":null,\"ref_time_ms\":null}");
	if (!o.full)
		q_text(v, o.b, o.n);
}

static void send_error(struct viewer *v, const char *msg)
{
	struct out o = {.n = 0};
	put(&o, "{\"type\":\"error\",\"message\":\"%s\"}", msg);
	if (!o.full)
		q_text(v, o.b, o.n);
}

static void send_frame(struct viewer *v, const struct slot *s)
{
	const struct tb_frame *f = &s->f;
	struct out o = {.n = 0};
	double lt =
	    tb_frame_has(f, TB_CH_LAP_TIME) ? f->v[TB_CH_LAP_TIME] : NAN;
	double ld =
	    tb_frame_has(f, TB_CH_LAP_DIST) ? f->v[TB_CH_LAP_DIST] : NAN;
	double delta = lt - ref_time_at(&v->ref, ld);
	put(&o, "{\"type\":\"frame\",\"seq\":%llu", (unsigned long long)s->seq);
	if (s->lap_num)
		put(&o, ",\"lap\":%u", s->lap_num);
	else
		put(&o, ",\"lap\":null");
	put_num(&o, "lap_time_s", lt);
	put_num(&o, "lap_dist_m", ld);
	put_ch(&o, "speed_ms", f, TB_CH_SPEED);
	put_ch(&o, "throttle", f, TB_CH_THROTTLE);
	put_ch(&o, "brake", f, TB_CH_BRAKE);
	put_ch(&o, "steer", f, TB_CH_STEER);
	put_ch(&o, "gear", f, TB_CH_GEAR);
	put_ch(&o, "rpm", f, TB_CH_RPM);
	put_ch(&o, "x", f, TB_CH_POS_X);
	put_ch(&o, "y", f, TB_CH_POS_Y);
	put_num(&o, "delta_s", delta);
	put_ch(&o, "session_time_s", f, TB_CH_TIME);
	put(&o, ",\"recv_us\":%lld}", (long long)s->recv_us);
	if (!o.full && q_push(v, SRV_WS_OP_TEXT, o.b, o.n, true))
		v->frames++;
}

static void send_lap(struct viewer *v, const struct slot *s)
{
	struct out o = {.n = 0};
	put(&o,
	    "{\"type\":\"lap\",\"lap\":%u,\"lap_time_ms\":%d,"
	    "\"valid\":%s}",
	    s->done_lap, (int)s->done_ms, s->done_valid ? "true" : "false");
	if (!o.full)
		q_text(v, o.b, o.n);
}

static void send_dropped(struct viewer *v)
{
	if (!v->dropped_unreported || v->count >= SRV_LIVE_QUEUE - 1)
		return;
	struct out o = {.n = 0};
	put(&o, "{\"type\":\"dropped\",\"frames\":%llu}",
	    (unsigned long long)v->dropped_unreported);
	q_text(v, o.b, o.n);
	v->dropped_unreported = 0;
}

/* ------------------------------------------------------------------ */
/* Client messages: {"car":N} or {"ref":N}. */

static const char *skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Parse {"KEY": INTEGER} into key (car/ref) and value. */
static bool parse_cmd(const char *p, size_t n, char key[8], int64_t *val)
{
	const char *e = p + n;
	p = skip_ws(p, e);
	if (p == e || *p++ != '{')
		return false;
	p = skip_ws(p, e);
	if (p == e || *p++ != '"')
		return false;
	size_t k = 0;
	while (p < e && *p != '"' && k < 7)
		key[k++] = *p++;
	key[k] = '\0';
	if (p == e || *p++ != '"')
		return false;
	p = skip_ws(p, e);
	if (p == e || *p++ != ':')
		return false;
	p = skip_ws(p, e);
	int64_t v = 0;
	size_t digits = 0;
	for (; p < e && *p >= '0' && *p <= '9' && digits < 18; p++, digits++)
		v = v * 10 + (*p - '0');
	if (!digits)
		return false;
	p = skip_ws(p, e);
	if (p == e || *p++ != '}')
		return false;
	p = skip_ws(p, e);
	*val = v;
	return p == e;
}

static void on_text(struct viewer *v, const uint8_t *p, size_t n)
{
	char key[8];
	int64_t val;
	struct srv_live *l = v->l;
	if (!parse_cmd((const char *)p, n, key, &val)) {
		send_error(v,
			   "expected {\\\"car\\\":N} or {\\\"ref\\\":LAP_ID}");
		return;
	}
	if (strcmp(key, "car") == 0) {
		struct slot s;
		if (val >= SRV_LIVE_CARS) {
			send_error(v, "car must be 0..23");
			return;
		}
		slot_read(&l->slots[v->src][val], &s);
		if (!slot_live(&s, mono_ns())) {
			send_error(v, "that car has sent nothing in the last "
				      "10 s");
			return;
		}
		v->car = (int)val;
		v->car_auto = false;
		v->last_seq = s.seq ? s.seq - 1 : 0;
		v->lap_seq = s.lap_seq;
		send_hello(v);
		return;
	}
	if (strcmp(key, "ref") == 0) {
		struct ref f;
		struct tb_error err;
		if (val <= 0 || ref_load(l, val, &f, &err) != TB_OK) {
			send_error(v, val > 0 ? "no such lap, or it has no "
						"lap distance"
					      : "ref must be a lap id");
			return;
		}
		ref_release(&v->ref);
		v->ref = f;
		send_hello(v);
		return;
	}
	send_error(v, "unknown key: expected car or ref");
}

/* Read and act on what the client sent; false when it is gone. */
static bool take_input(struct viewer *v, uint64_t now)
{
	for (;;) {
		ssize_t r = recv(v->fd, v->in + v->in_len,
				 sizeof(v->in) - v->in_len, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return false;
		if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return false; /* reset */
		if (r < 0)
			break;
		v->in_len += (size_t)r;
		if (v->in_len == sizeof(v->in))
			break;
	}
	size_t off = 0;
	while (v->state == V_OPEN) {
		size_t used;
		struct srv_ws_out o;
		enum srv_ws_event e = srv__ws_take(&v->rx, v->in + off,
						   v->in_len - off, &used, &o);
		off += used;
		if (e == SRV_WS_MORE)
			break;
		if (e == SRV_WS_TEXT)
			on_text(v, o.data, o.len);
		else if (e == SRV_WS_PING)
			q_push(v, SRV_WS_OP_PONG, (const char *)o.data, o.len,
			       false);
		else if (e == SRV_WS_CLOSE)
			start_close(v, o.code == 1005 ? 1000 : o.code, "", now);
		else if (e == SRV_WS_FAIL)
			start_close(v, o.code, "bad frame", now);
	}
	if (v->state == V_CLOSING)
		off = v->in_len; /* nothing after a close counts */
	memmove(v->in, v->in + off, v->in_len - off);
	v->in_len -= off;
	return true;
}

/* ------------------------------------------------------------------ */
/* The sender thread. */

/* Queue what is new for v; returns ns until its next frame is due
 * (UINT64_MAX: nothing waiting). */
static uint64_t pump(struct viewer *v, uint64_t now)
{
	struct srv_live *l = v->l;
	if (v->state != V_OPEN)
		return UINT64_MAX;
	if (v->car < 0 && v->car_auto) {
		v->car = pick_car(l, v->src);
		if (v->car < 0)
			return UINT64_MAX;
		send_hello(v);
	}
	struct slot s;
	slot_read(&l->slots[v->src][v->car], &s);
	if (s.lap_seq != v->lap_seq) {
		if (v->lap_seq || v->frames)
			send_lap(v, &s);
		v->lap_seq = s.lap_seq;
	}
	if (s.seq == v->last_seq)
		return UINT64_MAX;
	double period = 1e9 / v->hz;
	v->credit += (double)(now - v->credit_ns) / period;
	if (v->credit > 2)
		v->credit = 2;
	v->credit_ns = now;
	if (v->credit < 1)
		return (uint64_t)((1 - v->credit) * period) + 1;
	v->credit -= 1;
	send_dropped(v);
	send_frame(v, &s);
	v->last_seq = s.seq;
	return UINT64_MAX;
}

static void viewer_free(struct viewer *v)
{
	v->close_fn(v->close_ctx);
	ref_release(&v->ref);
	tb_free(v->q);
	tb_free(v);
}

static void take_pending(struct srv_live *l, uint64_t now)
{
	pthread_mutex_lock(&l->pend_mu);
	struct viewer *p = l->pending;
	l->pending = NULL;
	pthread_mutex_unlock(&l->pend_mu);
	while (p) {
		struct viewer *v = p;
		p = p->next;
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT |
						   EPOLLET | EPOLLRDHUP};
		ev.data.ptr = v;
		if (epoll_ctl(l->ep_fd, EPOLL_CTL_ADD, v->fd, &ev) != 0) {
			atomic_fetch_sub(&l->reserved, 1);
			viewer_free(v);
			continue;
		}
		v->progress_ns = v->credit_ns = now;
		v->next = l->viewers;
		l->viewers = v;
		atomic_fetch_add(&l->m->live_viewers, 1);
		send_hello(v);
		if (v->car >= 0) {
			struct slot s;
			slot_read(&l->slots[v->src][v->car], &s);
			v->lap_seq = s.lap_seq;
		}
		if (v->in_len && !take_input(v, now))
			v->state = V_CLOSING, v->closing_ns = 0;
	}
}

/* Close and forget viewers that are done. */
static void reap(struct srv_live *l, uint64_t now)
{
	struct viewer **pp = &l->viewers;
	while (*pp) {
		struct viewer *v = *pp;
		bool gone = false;
		if (v->state == V_OPEN && v->count &&
		    now - v->progress_ns >
			(uint64_t)SRV_LIVE_STALL_MS * 1000000u) {
			atomic_fetch_add(&l->m->live_closed_slow, 1);
			start_close(v, SRV_WS_CLOSE_POLICY,
				    "not reading: closed", now);
			gone = true; /* it reads nothing: do not wait */
		}
		if (v->state == V_CLOSING &&
		    (v->count == 0 || now - v->closing_ns > 1000000000u))
			gone = true;
		if (!gone) {
			pp = &v->next;
			continue;
		}
		if (v->count && v->state == V_CLOSING) {
			/* try once more to get the close frame out */
			flush(v, now);
		}
		*pp = v->next;
		epoll_ctl(l->ep_fd, EPOLL_CTL_DEL, v->fd, NULL);
		atomic_fetch_sub(&l->m->live_viewers, 1);
		atomic_fetch_sub(&l->reserved, 1);
		viewer_free(v);
	}
}

static void *sender_main(void *arg)
{
	struct srv_live *l = arg;
	int timeout_ms = 50;
	while (!atomic_load(&l->stop)) {
		struct epoll_event ev[64];
		int n = epoll_wait(l->ep_fd, ev, 64, timeout_ms);
		uint64_t now = mono_ns();
		for (int i = 0; i < n; i++) {
			struct viewer *v = ev[i].data.ptr;
			if (!v) {
				uint64_t c;
				if (read(l->ev_fd, &c, sizeof(c)) < 0) {
					/* spurious */
				}
				continue;
			}
			if (ev[i].events &
			    (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
				if (!take_input(v, now) && v->state == V_OPEN) {
					v->state = V_CLOSING;
					v->closing_ns = 0;
					v->count = 0; /* peer gone */
				}
			}
		}
		take_pending(l, now);
		uint64_t wait = UINT64_MAX;
		for (struct viewer *v = l->viewers; v; v = v->next) {
			uint64_t w = pump(v, now);
			if (w < wait)
				wait = w;
			flush(v, now);
		}
		reap(l, now);
		timeout_ms = wait == UINT64_MAX ? 50
			     : wait / 1000000u >= 50
				 ? 50
				 : (int)(wait / 1000000u) + 1;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Lifetime. */

enum tb_status srv__live_create(const char *db_url, struct srv_metrics *m,
				struct srv_live **out, struct tb_error *err)
{
	*out = NULL;
	struct srv_live *l = tb_calloc(1, sizeof(*l));
	if (!l)
		return tb_fail(err, TB_ERR_NOMEM, "live: out of memory");
	l->m = m;
	l->ev_fd = l->ep_fd = -1;
	pthread_mutex_init(&l->store_mu, NULL);
	pthread_mutex_init(&l->pend_mu, NULL);
	for (unsigned p = 0; p < SRV_MAX_PORTS; p++)
		for (unsigned c = 0; c < SRV_LIVE_CARS; c++)
			pthread_mutex_init(&l->slots[p][c].mu, NULL);
	atomic_init(&l->stop, false);
	enum tb_status st = store_open(db_url, &l->st, err);
	if (st != TB_OK)
		goto fail;
	l->ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	ev.data.ptr = NULL;
	if (l->ev_fd < 0 || l->ep_fd < 0 ||
	    epoll_ctl(l->ep_fd, EPOLL_CTL_ADD, l->ev_fd, &ev) != 0) {
		st = tb_fail(err, TB_ERR_IO, "live: event setup: %s",
			     strerror(errno));
		goto fail;
	}
	if (pthread_create(&l->thread, NULL, sender_main, l) != 0) {
		st = tb_fail(err, TB_ERR_INTERNAL,
			     "live: cannot start the "
			     "sender thread");
		goto fail;
	}
	l->started = true;
	*out = l;
	return TB_OK;
fail:
	srv__live_destroy(l);
	return st;
}

void srv__live_stop(struct srv_live *l)
{
	if (!l)
		return;
	if (l->started) {
		atomic_store(&l->stop, true);
		srv__live_kick(l);
		pthread_join(l->thread, NULL);
		l->started = false;
	}
	uint64_t now = mono_ns();
	take_pending(l, now);
	while (l->viewers) {
		struct viewer *v = l->viewers;
		l->viewers = v->next;
		start_close(v, SRV_WS_CLOSE_GOING_AWAY, "server stopping", now);
		flush(v, now);
		epoll_ctl(l->ep_fd, EPOLL_CTL_DEL, v->fd, NULL);
		atomic_fetch_sub(&l->m->live_viewers, 1);
		atomic_fetch_sub(&l->reserved, 1);
		viewer_free(v);
	}
}

void srv__live_destroy(struct srv_live *l)
{
	if (!l)
		return;
	srv__live_stop(l);
	if (l->ev_fd >= 0)
		close(l->ev_fd);
	if (l->ep_fd >= 0)
		close(l->ep_fd);
	store_close(l->st);
	for (unsigned p = 0; p < SRV_MAX_PORTS; p++)
		for (unsigned c = 0; c < SRV_LIVE_CARS; c++)
			pthread_mutex_destroy(&l->slots[p][c].mu);
	pthread_mutex_destroy(&l->store_mu);
	pthread_mutex_destroy(&l->pend_mu);
	tb_free(l);
}

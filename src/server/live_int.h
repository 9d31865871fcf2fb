/* live_int.h - live telemetry to browsers over WebSocket (live.c). The
 * receiver thread publishes each car's latest merged frame into a fixed
 * per-car slot (a memcpy under the slot's own mutex, no allocation, never
 * waiting on a viewer); one sender thread formats JSON for each viewer at
 * up to its rate and writes it non-blocking through a bounded per-viewer
 * queue whose oldest frames are dropped when the viewer is slow. The
 * HTTP side validates a subscription, upgrades the connection and hands
 * the socket over. Protocol: docs/openapi.yaml, /api/v1/live. */
#ifndef TB_SERVER_LIVE_INT_H
#define TB_SERVER_LIVE_INT_H

#include "api_int.h"

#define SRV_LIVE_VIEWERS_MAX 64u   /* 503 beyond */
#define SRV_LIVE_CARS	     24u   /* car indexes 0..23 per source */
#define SRV_LIVE_SEEN_MS     10000 /* a car is live this long after a frame */
#define SRV_LIVE_STALL_MS    5000  /* a viewer reading nothing is closed */
#define SRV_LIVE_QUEUE	     64u   /* messages queued per viewer */
#define SRV_LIVE_MSG_MAX     640u  /* one queued message, header included */
#define SRV_LIVE_HZ_MAX	     60u   /* frames per second per viewer */

struct srv_live;
struct srv_live_sub;

/* Create the broadcaster with its own store handle (db_url, copied) for
 * reference laps, and start its sender thread. m is borrowed. */
enum tb_status srv__live_create(const char *db_url, struct srv_metrics *m,
				struct srv_live **out,
				struct tb_error *err) TB_WUR;
/* Stop the sender thread and close every viewer (1001). Idempotent. */
void srv__live_stop(struct srv_live *l);
/* Stop, then free; NULL is a no-op. */
void srv__live_destroy(struct srv_live *l);

/* Daemon, before the receiver starts: source idx listens on UDP port. */
void srv__live_set_port(struct srv_live *l, unsigned idx, uint16_t port);

/* Receiver thread: car lv->car of source idx took a frame (received at
 * recv_us, wall clock µs) under protocol proto (static string). */
void srv__live_frame(struct srv_live *l, unsigned idx, const char *proto,
		     const struct lap_live *lv, int64_t recv_us);
/* Receiver thread: a lap of source idx finished (job borrowed). */
void srv__live_lap(struct srv_live *l, unsigned idx,
		   const struct ingest_lap_job *job);
/* Receiver thread, after a batch that published frames: wake the
 * sender (one non-blocking eventfd write). */
void srv__live_kick(struct srv_live *l);

/* GET /api/v1/live/cars into r. */
void srv__live_cars(struct srv_live *l, struct srv_reply *r);

/* Check a subscription's query (source, car, ref, hz) and reserve a
 * viewer place: on success *out (owned by the caller until attached or
 * freed) and true; otherwise r holds the 400/404/503 reply. */
bool srv__live_prepare(struct srv_live *l, srv_arg_fn arg, void *ctx,
		       struct srv_live_sub **out, struct srv_reply *r);
/* Give up a prepared subscription that was never attached. */
void srv__live_sub_free(struct srv_live_sub *s);

/* The connection of sub was upgraded: fd is its socket, extra (n bytes,
 * copied) what the client sent after the handshake. The viewer takes
 * sub; close_fn(close_ctx) is called once, on the sender thread, when
 * the viewer is done with fd (the caller's way to close it). */
void srv__live_attach(struct srv_live *l, struct srv_live_sub *sub, int fd,
		      const char *extra, size_t n, void (*close_fn)(void *ctx),
		      void *close_ctx);

#endif /* TB_SERVER_LIVE_INT_H */

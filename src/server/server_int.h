/* server_int.h - internals shared by the daemon's files: the metrics
 * the receiver and writer publish (atomics, read by the HTTP thread) and
 * the HTTP endpoint. */
#ifndef TB_SERVER_INT_H
#define TB_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "server.h"

/* What the receiver publishes per port after each batch. */
struct srv_port_metrics {
	uint16_t port;
	const struct ingest_proto *proto; /* NULL while undetected */
	struct ingest_stats s;
};

struct srv_metrics {
	pthread_mutex_t mu; /* guards n_ports and ports */
	unsigned n_ports;
	struct srv_port_metrics ports[SRV_MAX_PORTS];
	atomic_uint_fast64_t laps_queued, laps_stored, laps_failed;
	atomic_uint_fast64_t laps_dropped, samples_stored, queue_depth;
	atomic_uint_fast64_t record_errors, http_requests;
	/* live viewers (live.c): connected now, frames written, frames
	 * dropped because a viewer was slow, viewers closed for it */
	atomic_uint_fast64_t live_viewers, live_frames_sent;
	atomic_uint_fast64_t live_frames_dropped, live_closed_slow;
	uint64_t started_ns;
};

struct srv_http;
struct srv_live;

/* Start the HTTP endpoint on addr:port with its own read handle on the
 * store at db_url (copied); metrics and live (NULL: no live endpoint)
 * are borrowed and must outlive it. Stopping it stops live's viewers. */
enum tb_status srv__http_start(const char *addr, uint16_t port,
			       const char *db_url, struct srv_metrics *m,
			       struct srv_live *live, struct srv_http **out,
			       struct tb_error *err);
void srv__http_stop(struct srv_http *h);

#endif /* TB_SERVER_INT_H */

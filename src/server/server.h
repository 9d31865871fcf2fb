/* server.h - the daemon and the pipelines that wire modules together:
 * UDP socket -> F1 feed -> lap queue -> writer thread -> store, an HTTP
 * endpoint (/healthz, /metrics) on libmicrohttpd, and the synchronous
 * variant of the same path used to import captures. */
#ifndef TB_SERVER_H
#define TB_SERVER_H

#include "../core/core.h"
#include "../ingest/ingest.h"
#include "../store/store.h"

/* Writes lap jobs to a store, remembering session ids by game session
 * id so each session row is written once per change. */
struct srv_sink;

enum tb_status srv_sink_create(struct store *st, struct srv_sink **out) TB_WUR;
void srv_sink_destroy(struct srv_sink *s);
/* Store one job: session (insert or update), car, then the lap in one
 * transaction. job is borrowed. */
enum tb_status srv_sink_write(struct srv_sink *s,
			      const struct ingest_lap_job *job,
			      struct tb_error *err) TB_WUR;
/* Laps written and write failures so far. */
uint64_t srv_sink_laps(const struct srv_sink *s);
uint64_t srv_sink_failures(const struct srv_sink *s);

/* Import a pcap/pcapng capture of F1 UDP traffic into the store. Only
 * datagrams to dst_port are taken when dst_port != 0. Prints nothing;
 * fills the counters. */
struct srv_import_result {
	uint64_t datagrams, rejected, laps, laps_incomplete, sessions;
};
enum tb_status srv_import_pcap(struct store *st, const char *path,
			       uint16_t dst_port,
			       struct srv_import_result *res,
			       struct tb_error *err) TB_WUR;

struct srv_config {
	const char *db_url;    /* store URL or path */
	const char *udp_addr;  /* bind address for telemetry, "0.0.0.0" */
	uint16_t udp_port;     /* 20777 */
	const char *http_addr; /* "127.0.0.1" */
	uint16_t http_port;    /* 8080; 0 = no HTTP */
	unsigned queue_laps;   /* lap queue slots (power of two) */
	const char *record_path; /* also write every datagram to pcap */
	bool verbose;
};

void srv_config_default(struct srv_config *cfg);

/* Run the daemon until SIGINT or SIGTERM, then stop cleanly: laps in
 * progress are stored (marked incomplete), the queue is drained, the
 * store closed. Logs to stderr. */
enum tb_status srv_run(const struct srv_config *cfg,
		       struct tb_error *err) TB_WUR;

#endif /* TB_SERVER_H */

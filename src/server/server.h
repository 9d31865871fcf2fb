/* server.h - the daemon and the pipelines that wire modules together:
 * UDP socket -> F1 feed -> lap queue -> writer thread -> store, an HTTP
 * endpoint (/healthz, /metrics) on libmicrohttpd, and the synchronous
 * variant of the same path used to import captures. */
#ifndef TB_SERVER_H
#define TB_SERVER_H

#include "../core/core.h"
#include "../ingest/ingest.h"
#include "../ingest/proto.h"
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
/* The same from parts; *lap_id receives the stored lap's id. */
enum tb_status srv_sink_put(struct srv_sink *s,
			    const struct tb_session_info *session,
			    const struct tb_car_info *car,
			    const struct tb_lap *lap, int64_t *lap_id,
			    struct tb_error *err) TB_WUR;

/* Import a pcap/pcapng capture of UDP telemetry into the store: each
 * destination port is one stream whose protocol is found by sniffing.
 * Only datagrams to dst_port are taken when dst_port != 0. Prints
 * nothing; fills the counters. protos names the protocols found
 * ("f1,gt7"). */
struct srv_import_result {
	uint64_t datagrams, rejected, laps, laps_incomplete, sessions;
	char protos[128];
};
enum tb_status srv_import_pcap(struct store *st, const char *path,
			       uint16_t dst_port,
			       struct srv_import_result *res,
			       struct tb_error *err) TB_WUR;

#define SRV_MAX_PORTS 8
#define SRV_STR_MAX 256

/* One telemetry port: a UDP socket and the protocol on it (NULL: found
 * by sniffing the stream). Peers (AC host, GT7 console) go in opts. */
struct srv_port_cfg {
	uint16_t port; /* local UDP port; 0 = any (AC) */
	const struct ingest_proto *proto;
	struct ingest_opts opts;
};

/* Import any file trailbrake reads: a capture (through the protocol
 * decoders) or a recorded file (through formats.h importers), found by
 * content. A recorded file is stored in one batch: whole or not at all.
 * Reference laps (real F1 data) are tagged as references. progress may
 * be NULL. res->protos names the format or protocols found. */
struct fmt_progress;
struct srv_import_opts {
	uint16_t dst_port;	/* captures: only this destination port */
	const char *csv_map;	/* CSV: "speed=Col,lap=L" column mapping */
	const struct fmt_progress *progress; /* NULL: none */
};
/* A directory imports every F1 per-lap telemetry file under it. */
enum tb_status srv_import_file(struct store *st, const char *path,
			       const struct srv_import_opts *opts,
			       struct srv_import_result *res,
			       struct tb_error *err) TB_WUR;

/* Fetch one driver's laps of one session from the OpenF1 API (through
 * its cache) and store them as F1 reference laps, in one batch. */
struct openf1_config;
enum tb_status srv_import_openf1(struct store *st,
				 const struct openf1_config *cfg,
				 int session_key, int driver_number,
				 struct srv_import_result *res,
				 struct tb_error *err) TB_WUR;

struct srv_config {
	char db_url[SRV_STR_MAX];    /* store URL or path */
	char udp_addr[64];	     /* bind address, "0.0.0.0" */
	char http_addr[64];	     /* "127.0.0.1" */
	uint16_t http_port;	     /* 8080; 0 = no HTTP */
	unsigned queue_laps;	     /* lap queue slots (power of two) */
	char record_path[SRV_STR_MAX]; /* "" or a pcap of every datagram */
	bool verbose;
	char wrc_schema[SRV_STR_MAX]; /* EA WRC packet structure JSON, "" =
					 the game's default built in */
	unsigned n_ports;
	struct srv_port_cfg ports[SRV_MAX_PORTS];
};

/* Defaults: ./trailbrake.db, HTTP 127.0.0.1:8080, no ports (serve adds
 * UDP 20777 with auto-detection when none is configured). */
void srv_config_default(struct srv_config *cfg);

/* Add a port: "PORT" (auto-detect) or "PORT/PROTO" ("5300/forza"). */
enum tb_status srv_config_add_udp(struct srv_config *cfg, const char *spec,
				  struct tb_error *err) TB_WUR;
/* Add a GT7 console: "HOST" or "HOST/VARIANT" (A, B or ~); listens on
 * UDP 33740 where the console answers. */
enum tb_status srv_config_add_gt7(struct srv_config *cfg, const char *spec,
				  struct tb_error *err) TB_WUR;
/* Add an Assetto Corsa host: "HOST" or "HOST:PORT" (default 9996). */
enum tb_status srv_config_add_ac(struct srv_config *cfg, const char *spec,
				 struct tb_error *err) TB_WUR;
/* Read a config file of "key = value" lines (# comments): db, http,
 * http_bind, bind, udp, gt7, ac, record, queue, verbose, wrc_schema. Errors name
 * the file and line. Later flags override earlier settings.
 * wrc_schema = PATH names EA WRC's packet structure file (readme/udp/
 * wrc.json or a custom one) for every port. */
enum tb_status srv_config_load(struct srv_config *cfg, const char *path,
			       struct tb_error *err) TB_WUR;

/* Run the daemon until SIGINT or SIGTERM, then stop cleanly: laps in
 * progress are stored (marked incomplete), the queue is drained, the
 * store closed. Logs to stderr. */
enum tb_status srv_run(const struct srv_config *cfg,
		       struct tb_error *err) TB_WUR;

#endif /* TB_SERVER_H */

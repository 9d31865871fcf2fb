/* proto.h - one interface for every UDP telemetry protocol. A protocol
 * is a table of functions (like store_ops): a stateless sniff that says
 * whether a datagram is one of its own (by length and magic), and an
 * instance that turns datagrams into whole laps handed to an
 * ingest_lap_fn. Protocols whose game must be spoken to first (Assetto
 * Corsa's handshake, GT7's heartbeat) send through the ingest_io the
 * caller passes to tick(). An ingest_port (port.c) picks the protocol of
 * a stream by sniffing and runs one instance of it. */
#ifndef TB_INGEST_PROTO_H
#define TB_INGEST_PROTO_H

#include "gen.h"
#include "ingest.h"

/* Counters every protocol keeps. kinds[] counts accepted datagrams per
 * protocol-specific kind (F1: packet id), named by the kind_name op. */
#define INGEST_KINDS_MAX 16
struct ingest_stats {
	uint64_t datagrams, bytes, accepted;
	uint64_t rejected[INGEST_REJ__COUNT];
	uint64_t kinds[INGEST_KINDS_MAX];
	uint64_t frames, frame_errors, sessions;
	uint64_t laps, laps_incomplete, rewinds, discarded;
	uint64_t sent; /* handshakes / heartbeats sent to the game */
	uint64_t peer_timeouts; /* the game stopped answering */
};

/* How a protocol talks back to the game: send len bytes to ip:port
 * (IPv4, host byte order) from the socket the stream arrives on. */
struct ingest_io {
	void *ctx;
	enum tb_status (*send)(void *ctx, uint32_t ip, uint16_t port,
			       const uint8_t *buf, size_t len);
};

/* Per-instance options (from the config file or flags). */
struct ingest_opts {
	uint32_t peer_ip;   /* game host for AC / GT7 (host order); 0 none */
	uint16_t peer_port; /* 0 = the protocol's default (9996, 33739) */
	char variant;	    /* GT7 heartbeat: 'A', 'B' or '~'; 0 = 'A' */
	const char *schema; /* EA WRC: packet structure JSON path; NULL =
			       the game's default structure built in */
	struct lap_observer live; /* every frame as taken (laps.h); copied */
};

struct ingest_proto {
	int version; /* 1 */
	const char *name;  /* "f1", "codemasters", "ea-wrc", "forza", ... */
	const char *title; /* "F1 22-25", "DiRT Rally 2.0 / Codemasters" */
	uint16_t default_port; /* where the game sends by default; 0 none */
	/* True if buf looks like this protocol's datagram. Pure, no state,
	 * cheap (a length switch and a magic check; GT7 decrypts 4 bytes). */
	bool (*sniff)(const uint8_t *buf, size_t len);
	enum tb_status (*create)(const struct ingest_opts *opts,
				 ingest_lap_fn fn, void *ctx, void **out);
	void (*destroy)(void *inst);
	/* Take one datagram received at now_us (wall clock, or the capture
	 * time on import). Rejected datagrams are counted by reason, and
	 * described in err; they change no state. */
	enum tb_status (*datagram)(void *inst, const uint8_t *buf, size_t len,
				   int64_t now_us, struct tb_error *err);
	/* Called at least every 200 ms while serving: handshakes,
	 * heartbeats, peer time-outs, closing idle sessions. NULL if the
	 * protocol needs none. */
	void (*tick)(void *inst, int64_t now_us, const struct ingest_io *io);
	/* Hand over every lap in progress (incomplete); on shutdown a
	 * protocol with a peer also says goodbye (AC's dismiss) in tick. */
	void (*flush)(void *inst);
	void (*stats)(const void *inst, struct ingest_stats *out);
	/* Name of kinds[i] ("Motion"), NULL past the last. */
	const char *(*kind_name)(unsigned i);
	/* Encoder for tests and the demo: car `car` of one generated frame
	 * (gen.h) as one datagram of this protocol, variant as in
	 * ingest_opts (0 = default). NULL for protocols whose datagrams
	 * carry every car (F1 encodes packets with f1_encode). */
	enum tb_status (*gen_encode)(const struct gen_frame *f, unsigned car,
				     char variant, uint8_t *buf, size_t cap,
				     size_t *len);
};

/* Every protocol trailbrake speaks, in sniffing order; n filled. */
const struct ingest_proto *const *ingest_protocols(size_t *n);
/* By name ("gt7"); NULL if unknown. */
const struct ingest_proto *ingest_proto_by_name(const char *name);
/* The protocol a datagram belongs to, or NULL. */
const struct ingest_proto *ingest_detect(const uint8_t *buf, size_t len);

/* The protocols (each in its own file of src/ingest). */
extern const struct ingest_proto ingest_proto_f1;	   /* f1_feed.c */
extern const struct ingest_proto ingest_proto_codemasters; /* codemasters.c */
extern const struct ingest_proto ingest_proto_ea_wrc;	   /* ea_wrc.c */
extern const struct ingest_proto ingest_proto_forza;	   /* forza.c */
extern const struct ingest_proto ingest_proto_ac;	   /* ac.c */
extern const struct ingest_proto ingest_proto_gt7;	   /* gt7.c */

/* ------------------------------------------------------------------ */
/* A port: one stream whose protocol is fixed (proto != NULL at create)
 * or found by sniffing the first datagram that any protocol claims.
 * Datagrams before detection that nobody claims are counted as rejected
 * (reason "format"). */
struct ingest_port;

enum tb_status ingest_port_create(const struct ingest_proto *proto,
				  const struct ingest_opts *opts,
				  ingest_lap_fn fn, void *ctx,
				  struct ingest_port **out) TB_WUR;
void ingest_port_destroy(struct ingest_port *p);
enum tb_status ingest_port_datagram(struct ingest_port *p,
				    const uint8_t *buf, size_t len,
				    int64_t now_us, struct tb_error *err);
void ingest_port_tick(struct ingest_port *p, int64_t now_us,
		      const struct ingest_io *io);
void ingest_port_flush(struct ingest_port *p);
/* The protocol in use, NULL while still undetected. */
const struct ingest_proto *ingest_port_proto(const struct ingest_port *p);
/* Counters: the instance's plus rejects before detection. */
void ingest_port_stats(const struct ingest_port *p, struct ingest_stats *out);

#endif /* TB_INGEST_PROTO_H */

/* ingest.h - from datagrams to whole laps. A feed takes one protocol's
 * datagrams, decodes them, merges the packets of one frame into one
 * canonical frame per car, assembles laps per car (laps.h) and hands
 * each finished lap over as a job carrying its session and car. Sessions
 * are told apart by the game's session id; several may interleave. */
#ifndef TB_INGEST_H
#define TB_INGEST_H

#include "../core/core.h"
#include "f1.h"
#include "laps.h"

/* A finished lap with the session and car it belongs to. */
struct ingest_lap_job {
	struct tb_session_info session;
	struct tb_car_info car;
	struct tb_lap lap;
};

/* Called for each finished lap. job is borrowed for the call; move
 * job->lap out with tb_lap_move to keep the samples. */
typedef void (*ingest_lap_fn)(void *ctx, struct ingest_lap_job *job);

/* Why datagrams were rejected, counted per reason. */
enum ingest_reject {
	INGEST_REJ_TRUNCATED, /* shorter than a header */
	INGEST_REJ_FORMAT,    /* unknown packet format / protocol */
	INGEST_REJ_ID,	      /* unknown packet id for the format */
	INGEST_REJ_LENGTH,    /* wrong length for (format, id) */
	INGEST_REJ_OTHER,
	INGEST_REJ__COUNT
};
const char *ingest_reject_name(enum ingest_reject r); /* "length" */
enum ingest_reject ingest_reject_of(enum tb_status st);

struct f1_feed_stats {
	uint64_t datagrams, bytes;
	uint64_t packets[F1_PACKET__COUNT];	/* accepted, per id */
	uint64_t rejected[INGEST_REJ__COUNT];	/* per reason */
	uint64_t frames;			/* canonical frames made */
	uint64_t frame_errors;			/* frames a lap could not take */
	uint64_t sessions;			/* sessions seen */
	uint64_t laps, laps_incomplete;
	uint64_t rewinds, discarded;
};

struct f1_feed;

/* fn/ctx are borrowed and called from f1_feed_* on the caller's thread. */
enum tb_status f1_feed_create(ingest_lap_fn fn, void *ctx,
			      struct f1_feed **out) TB_WUR;
/* Flushes nothing: call f1_feed_flush first to keep laps in progress. */
void f1_feed_destroy(struct f1_feed *fd);

/* Decode and take one datagram. A rejected datagram is counted by
 * reason, described in err, and changes no state. */
enum tb_status f1_feed_datagram(struct f1_feed *fd, const uint8_t *buf,
				size_t len, struct tb_error *err) TB_WUR;
/* Take an already decoded packet. */
void f1_feed_packet(struct f1_feed *fd, const struct f1_packet *p);
/* Hand over every lap in progress (incomplete) of every session. */
void f1_feed_flush(struct f1_feed *fd);
/* Counters (a snapshot; read on the feed's thread). */
void f1_feed_stats(const struct f1_feed *fd, struct f1_feed_stats *out);

#endif /* TB_INGEST_H */

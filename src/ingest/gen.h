/* gen.h - a scenario generator for tests and the demo: N cars driving K
 * laps round a built-in test circuit with known lap and sector times, as
 * a continuous stream of F1 packets (decoded form; encode them with
 * f1_encode) at a fixed rate, in the order a real game sends them. The
 * ground truth (every lap's time and sector times, to the ms) is
 * available for assertions. Deterministic for a given config. */
#ifndef TB_INGEST_GEN_H
#define TB_INGEST_GEN_H

#include "f1.h"

struct gen;

struct gen_config {
	unsigned n_cars;    /* 1..22 active cars */
	unsigned n_laps;    /* timed laps per car after the out lap, >= 1 */
	unsigned rate_hz;   /* frames per second, e.g. 60 */
	uint16_t format;    /* packet format 2022..2025 */
	uint64_t session_uid;
	uint32_t seed;	    /* varies lap times and noise */
	unsigned base_lap_ms; /* 0 = default (about 62 s) */
	/* Optional events for tests (0 / -1 = none): */
	double flashback_at_s;	 /* at this session time, rewind ... */
	double flashback_back_s; /* ... this many seconds (FLBK event) */
	int cut_car, cut_lap;	 /* car/lap (1-based lap) flagged invalid */
};

/* Defaults: 4 cars, 3 laps, 60 Hz, format 2025, uid 0x7B0C5EED, seed 1. */
void gen_config_default(struct gen_config *cfg);

enum tb_status gen_create(const struct gen_config *cfg, struct gen **out,
			  struct tb_error *err) TB_WUR;
void gen_destroy(struct gen *g);

/* Next packet of the stream into *out (header filled: format, ids,
 * session uid, session time, frame ids, player index 0). TB_OK, or
 * TB_ERR_EMPTY when the stream has ended (after every car finished its
 * laps and a SEND event). *t_s receives the packet's session time, for
 * pacing a replay. */
enum tb_status gen_next(struct gen *g, struct f1_packet *out,
			double *t_s) TB_WUR;

/* Ground truth of car `car`'s lap `lap` (the game's lap number, 1-based;
 * lap 1 is the out lap): its time and sector times in ms and whether it
 * is a complete, valid timed lap. TB_ERR_NOTFOUND for laps the stream
 * does not contain. */
struct gen_lap_truth {
	int32_t lap_ms;
	int32_t sector_ms[3];
	uint32_t flags; /* tb_lap_flag bits the assembler must report */
	bool complete;	/* crossed the line at both ends */
};
enum tb_status gen_lap_truth(const struct gen *g, unsigned car,
			     unsigned lap, struct gen_lap_truth *out) TB_WUR;

/* Name of the built-in circuit and its length in metres. */
const char *gen_track_name(void);
double gen_track_length(void);

#endif /* TB_INGEST_GEN_H */

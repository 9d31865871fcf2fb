/* gen.h - a scenario generator for tests and the demo: N cars driving K
 * laps round a built-in test circuit with known lap and sector times, as
 * a continuous stream of F1 packets (decoded form; encode them with
 * f1_encode) at a fixed rate, in the order a real game sends them. The
 * ground truth (every lap's time and sector times, to the ms) is
 * available for assertions. Deterministic for a given config. */
/*
 * What the stream does (decisions a consumer may rely on):
 * - Each car starts on lap 1, its out lap (driverStatus 3), 120 + 97 * car
 *   metres (plus a few from the seed) before the line: lapDistance and
 *   totalDistance are negative, sector 0, sector times 0. Crossing the
 *   line starts lap 2, the first timed lap, and LapData then reports the
 *   out lap's time as lastLapTimeInMS. Truth of lap 1: that time,
 *   sectors TB_TIME_UNKNOWN, TB_LAP_OUT | TB_LAP_INCOMPLETE, complete
 *   false (it did not start at the line).
 * - Laps 2..K+1 are timed (driverStatus 1): complete, exact lap and
 *   sector times; s1 / s2 appear in LapData once passed and reset to 0
 *   when the lap completes. currentLapInvalid is 1 from mid-lap of the
 *   configured cut lap only (truth TB_LAP_CUT, still complete).
 * - Lap K+2 is the in lap (driverStatus 2), slower, never completed: the
 *   stream ends 5 s after the last car starts it, with SEND. Truth: lap
 *   time TB_TIME_UNKNOWN, sectors known only for sector lines crossed in
 *   the stream, TB_LAP_IN | TB_LAP_INCOMPLETE, complete false.
 * - Flashback: after the frame at flashback_at_s the FLBK event names the
 *   target frame (flashback_back_s earlier); the stream continues from
 *   the target frame itself: frameIdentifier and sessionTime go back, the
 *   state is exactly the target's (the target frame is sent again, equal
 *   to its first sending), overallFrameIdentifier keeps counting. Lap
 *   times stay exact. Truth flags TB_LAP_FLASHBACK on every lap of every
 *   car that had a frame in the rewound span [target, flashback frame].
 * - Per frame: Participants (first frame, then every 5 s), Session (2 Hz),
 *   Motion, LapData, Events (FTLP when a valid timed lap beats every
 *   lap completed before it; FLBK), CarTelemetry, CarStatus,
 *   SessionHistory (one active car per frame, cycling). SSTA is the
 *   first packet. Cars beyond n_cars are all-zero entries.
 * - Session: trackId -1 (the circuit is ours, unknown to any game),
 *   trackLength 4318, sessionType 5 (Q1, the same code in 2022..2025),
 *   totalLaps = n_laps. Header gameYear: 0 for 2022, else format - 2000;
 *   for 2022 overall_frame_id repeats frame_id (the field is absent).
 * - Traffic: the cars start about 97 m apart and lap at different paces,
 *   so a car may run close behind another; the truth never has
 *   TB_LAP_TRAFFIC, which the F1 feed sets by its own rule (laps.h).
 */
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
	unsigned base_lap_ms; /* 0 = default 62 s; >= about 60.3 s */
	/* Optional events for tests (0 / -1 = none): */
	double flashback_at_s;	 /* at this session time, rewind ... */
	double flashback_back_s; /* ... this many seconds (FLBK event) */
	int cut_car, cut_lap;	 /* car/lap (timed lap 2..K+1) invalid */
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

/* World x, z (m) of the circuit's centre line at lap distance s (m,
 * taken modulo the length, so negative distances before the line work). */
void gen_track_xz(const struct gen *g, double s, double *x, double *z);

/* Session time of the stream's last frame, s. */
double gen_duration_s(const struct gen *g);

/* The stream frame by frame, for encoders of other protocols that carry
 * a whole car state per packet: the per-car packets of one F1 frame
 * (Motion, LapData, CarTelemetry, CarStatus; every car) together. The
 * packets are borrowed from g until the next call. Not to be mixed with
 * gen_next on the same generator. TB_ERR_EMPTY at the end. */
struct gen_frame {
	double t_s;
	uint32_t frame_id;
	const struct f1_packet *motion, *lap, *telemetry, *status;
};
enum tb_status gen_next_frame(struct gen *g, struct gen_frame *out) TB_WUR;

#endif /* TB_INGEST_GEN_H */

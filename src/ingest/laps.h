/* laps.h - the per-car lap assembler, common to every source. It takes
 * canonical frames with the source's own lap state (lap counter, the
 * game's lap and sector times, validity, pit) and hands whole laps to a
 * callback: lap and sector times come from the game, never from our own
 * clock; a session time going back (flashback, reset) rewinds the lap in
 * progress; laps whose start was not seen are marked incomplete. */
#ifndef TB_INGEST_LAPS_H
#define TB_INGEST_LAPS_H

#include "../core/core.h"

/* The source's lap state that comes with one frame of one car. */
struct lap_state {
	uint32_t lap_num;     /* game's lap number, 1-based; 0 unknown */
	int32_t last_lap_ms;  /* last completed lap; <= 0 unknown */
	int32_t cur_lap_ms;   /* time into this lap; < 0 unknown */
	int32_t sector_ms[2]; /* this lap's sector 1, 2 so far; <= 0 none */
	bool invalid;	      /* the game says this lap is invalid */
	bool cut;	      /* ... and the reason is a track-limit cut */
	bool in_pit;	      /* in the pit lane */
	bool out_lap;	      /* the game says this is an out lap */
	bool in_lap;	      /* the game says this is an in lap */
	bool traffic;	      /* another car close ahead in this frame */
};

/* Traffic (TB_LAP_TRAFFIC). Only a source that sees every car of the
 * session in the same frame can know it (the F1 feed); others leave
 * lap_state.traffic false and never set the flag.
 * - Per frame, a car is "in traffic" when another car that is on track
 *   (live, not in the pit lane, not in the pits itself) is ahead of it on
 *   the track by less than max(TRAFFIC_GAP_M, TRAFFIC_GAP_S * the two
 *   cars' mean speed) (about TRAFFIC_GAP_S behind it in time),
 *   the gap taken along the track as (their lap distance - ours) modulo
 *   the track length: the line is no edge, and a car a lap ahead or
 *   behind (lapping or being lapped) counts like any other.
 * - A lap gets TB_LAP_TRAFFIC when its frames in traffic add up to at
 *   least TRAFFIC_MIN_S, or TRAFFIC_MIN_FRAC of the lap's duration if
 *   that is shorter (each frame counts the time since the car's previous
 *   frame, at most TRAFFIC_MAX_DT_S, so gaps in the feed count little).
 * The flag marks the lap as unrepresentative (dirty air, held up): the
 * lap stays valid for its time but is left out of references and of
 * the coach's session advice. */
#define TRAFFIC_GAP_M 40.0
#define TRAFFIC_GAP_S 1.0
#define TRAFFIC_MIN_S 3.0
#define TRAFFIC_MIN_FRAC 0.05
#define TRAFFIC_MAX_DT_S 0.5

/* A finished lap handed over. lap's contents are the callee's: move them
 * out with tb_lap_move (or leave them; the assembler releases what is
 * left after the call). */
typedef void (*lap_done_fn)(void *ctx, struct tb_lap *lap);

struct lap_asm;

/* A live observer: sees every frame an assembler takes, as it is taken
 * (before any lap logic), on the assembler's thread. Used by the daemon
 * to publish each car's latest frame to live viewers; it must neither
 * block nor keep the pointers (all are borrowed for the call). */
struct lap_live {
	unsigned car;	  /* car index within the source */
	uint32_t lap_num; /* source's lap (stage run) number; 0 unknown */
	bool player;	  /* the player's own car */
	const struct tb_frame *frame;
	const struct tb_session_info *session; /* NULL unknown */
	const struct tb_car_info *car_info;    /* NULL unknown */
};
typedef void (*lap_live_fn)(void *ctx, const struct lap_live *lv);
struct lap_observer {
	lap_live_fn fn; /* NULL: none */
	void *ctx;
};

/* Counters of what the assembler did, for logs and /metrics. */
struct lap_asm_stats {
	uint64_t frames;	   /* frames taken */
	uint64_t laps_complete;	   /* laps handed over with a game time */
	uint64_t laps_incomplete;  /* laps handed over without one */
	uint64_t rewinds;	   /* session time went back */
	uint64_t discarded;	   /* samples dropped (rewind into a lap
				      already handed over, overflow) */
};

/* n_cars slots (car indexes 0..n_cars-1). The callback is borrowed. */
enum tb_status lap_asm_create(unsigned n_cars, lap_done_fn done, void *ctx,
			      struct lap_asm **out) TB_WUR;
void lap_asm_destroy(struct lap_asm *a);

/* Take one frame of car `car`. The frame must have TB_CH_TIME (session
 * time, s). Out-of-range cars are TB_ERR_RANGE. TB_ERR_NOMEM / LIMIT
 * leave the lap in progress as it was (the sample is counted as
 * discarded). */
enum tb_status lap_asm_frame(struct lap_asm *a, unsigned car,
			     const struct tb_frame *f,
			     const struct lap_state *ls) TB_WUR;

/* End of session (or shutdown): hand over every lap in progress, marked
 * incomplete, and forget all cars. */
void lap_asm_flush(struct lap_asm *a);

const struct lap_asm_stats *lap_asm_stats(const struct lap_asm *a);

/* Report every frame taken to obs (copied; NULL or obs->fn NULL: none).
 * session and cars (an array of the assembler's n_cars entries, indexed
 * by car) are borrowed, owned by the protocol instance and read at each
 * frame; either may be NULL. */
void lap_asm_observe(struct lap_asm *a, const struct lap_observer *obs,
		     const struct tb_session_info *session,
		     const struct tb_car_info *cars);
/* Which car is the player's (default 0); others are reported as not. */
void lap_asm_set_player(struct lap_asm *a, unsigned car);

#endif /* TB_INGEST_LAPS_H */

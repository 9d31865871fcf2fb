/* sim_emit.h - synthetic drivers as a game's packet stream: every car a
 * synthetic driver on one track, driving an out lap's end, n timed laps
 * and the start of an in lap, as the F1 packets a game sends at a fixed
 * frame rate (decoded form: encode them with f1_encode), or frame by
 * frame (gen.h's struct gen_frame) for the encoders of other protocols.
 *
 * What the stream does (decisions a consumer may rely on):
 * - Car c sets off at session time c * gap, SIM_EMIT_OUT_M metres before
 *   the line on lap 1, its out lap (driverStatus 3; resultStatus 1
 *   "inactive" until then, 2 after); gap = SIM_EMIT_CLEAR_S plus what the
 *   fastest driver gains on the slowest in n + 1 laps, so no car comes
 *   close behind another (no traffic laps), or lap / cars when that
 *   would not fit in one lap; laps 2..n+1 are timed
 *   (driverStatus 1) and last exactly the driver's simulated lap time
 *   (lastLapTimeInMS = that time rounded to the ms; sectors at a third
 *   and two thirds of the track length); lap n+2 is the in lap
 *   (driverStatus 2), driven until SIM_EMIT_IN_S after the slowest car
 *   started it, then SEND.
 * - Channels between the frames of the driver's sampled lap (sampled at
 *   the frame rate from its lap time 0, sensor noise drawn per lap) are
 *   interpolated at each frame's lap time.
 * - Session: trackId -1, trackLength the track's, sessionType 5,
 *   totalLaps n. Participants every 5 s, Session twice a second, then
 *   Motion, LapData, CarTelemetry, CarStatus every frame. */
#ifndef TB_CLI_SIM_EMIT_H
#define TB_CLI_SIM_EMIT_H

#include "../ingest/gen.h"
#include "../sim/sim.h"

#define SIM_EMIT_OUT_M	 300.0 /* out lap: metres before the line */
#define SIM_EMIT_IN_S	 3.0   /* in lap: seconds driven */
#define SIM_EMIT_CLEAR_S 3.0   /* least gap between cars, s */

struct sim_emit;

/* One car of the stream: its driver (copied) and name. */
struct sim_emit_car {
	char name[F1_NAME_MAX + 1];
	struct sim_driver d;
};

struct sim_emit_config {
	const struct ana_track *track;	 /* borrowed; outlives the stream */
	const struct sim_car *car;	 /* borrowed: every car's class */
	const struct sim_emit_car *cars; /* n_cars, copied */
	unsigned n_cars;		 /* 1..F1_CARS */
	unsigned n_laps;		 /* timed laps, 1..200 */
	unsigned rate_hz;		 /* frames per second, 1..1000 */
	uint16_t format;		 /* F1 packet format 2022..2025 */
	uint64_t session_uid;
	bool noise; /* sensor noise (speed 0.05 m/s, pedals 0.01, x/y
		       0.02 m), another draw every lap */
};

/* Solve every driver (sim_driver_solve on the car's corners).
 * TB_ERR_ARG for a config out of range or a driver that does not fit
 * the track (the message names the car). */
enum tb_status sim_emit_create(const struct sim_emit_config *cfg,
			       struct sim_emit **out,
			       struct tb_error *err) TB_WUR;
void sim_emit_destroy(struct sim_emit *s);

/* The exact simulated lap time of car c, s (NAN past the cars). */
double sim_emit_lap_s(const struct sim_emit *s, unsigned c);

/* Next packet into *out (t_s: its session time). TB_ERR_EMPTY at the
 * end; other errors (out of memory sampling a lap) in err. */
enum tb_status sim_emit_next(struct sim_emit *s, struct f1_packet *out,
			     double *t_s, struct tb_error *err) TB_WUR;

/* The stream frame by frame (Motion, LapData, CarTelemetry, CarStatus
 * together, borrowed until the next call), for single-car protocols.
 * Not to be mixed with sim_emit_next. TB_ERR_EMPTY at the end. */
enum tb_status sim_emit_next_frame(struct sim_emit *s, struct gen_frame *out,
				   struct tb_error *err) TB_WUR;

#endif /* TB_CLI_SIM_EMIT_H */

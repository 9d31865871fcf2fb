/* forza.h - Forza "Data Out" UDP: Forza Motorsport 7, Forza Horizon 4/5
 * and Forza Motorsport (2023). One fixed-layout datagram per physics tick
 * (60 Hz), no header or id: the layout is known by the length alone. This
 * header has the decoded packet, its decoder/encoder and the ingest
 * protocol ("forza") that turns a stream of them into laps.
 *
 * Layouts (offsets next to the decoder in forza.c, sources there):
 *   Sled       232 B  FM7 / FM2023 "Sled": motion only, no lap data
 *   Dash       311 B  FM7 "Car Dash": Sled + position, speed, laps, inputs
 *   Horizon    324 B  FH4 / FH5: Sled + 12 B Horizon block + Dash + 1 pad
 *   Motorsport 331 B  FM2023 "Dash": Dash + tyre wear + track ordinal
 *
 * What the protocol makes of them (decisions a consumer may rely on):
 * - Detection: a datagram is Forza's when its length is one of the four,
 *   IsRaceOn is 0 or 1 and no float field is infinite or larger than 1e9
 *   in magnitude (NaN is tolerated and leaves its channel absent). Random
 *   data of the right length is claimed with probability below 1e-19
 *   (IsRaceOn 2^-30, each of at least 47 floats about 0.62).
 * - IsRaceOn = 0 (menus, paused): counted (kind "race_off"), no frame;
 *   their other fields (often zero) are ignored, timestamp included.
 * - TB_CH_TIME: the game's TimestampMS (u32 ms, wraps) unwrapped into a
 *   monotonic session time, 0 at the session's first racing packet. A
 *   datagram up to 2 s older than the last one (reordered) is dropped
 *   (counted as discarded); a larger step back starts a new session.
 * - Laps (Dash, Horizon, Motorsport only): lap number = LapNumber + 1;
 *   when it moves on, the lap's time is the game's LastLap (float s,
 *   lrint(s * 1000) ms). Forza sends no sector times and no validity, pit
 *   or out/in-lap state: those stay unknown. TB_CH_LAP_DIST is the
 *   DistanceTraveled since the lap's line crossing (for lap 1 the race
 *   distance itself; absent for a lap joined mid-way). Frames before the
 *   game times anything (LapNumber, CurrentLap and CurrentRaceTime all 0,
 *   e.g. Horizon free roam) are counted but not assembled into laps.
 * - Sled streams carry no lap counter, lap time or distance: their frames
 *   are made and counted (stats.frames, kind "sled") but never assembled
 *   into laps, so a Sled stream yields no laps at all. Choose "Dash" in
 *   the game to record laps.
 * - Rewinds (FM7/FM2023): TimestampMS keeps counting, so a rewind is seen
 *   only as CurrentRaceTime going back; it is counted (stats.rewinds) and
 *   the lap keeps the game's time.
 * - Sessions: a new one when the layout, CarOrdinal or (FM2023)
 *   TrackOrdinal changes, when the race clock restarts (CurrentRaceTime
 *   back to under 1 s from later), after 60 s without datagrams, or on
 *   flush. source_uid = now_us of the session's first packet.
 *   packet_format = the layout's size in bytes. track = "Forza track <n>"
 *   from the FM2023 TrackOrdinal, else unknown. car_class: Forza classes
 *   (D..X, E..X) are performance bands, not categories: TB_CLASS_OTHER.
 *   The car's CarOrdinal goes to tb_car_info.team_id (the game's code of
 *   the car; no names are sent); CarClass and PerformanceIndex are only
 *   in the decoded packet.
 * - Channels: rpm, g (car-local acceleration / 9.80665: lat = X right,
 *   lon = Z forward, vert = Y up), yaw/pitch/roll (rad), speed (Dash
 *   Speed; Sled: |velocity|); Dash also throttle/brake/clutch (u8/255),
 *   steer (s8/127), gear (0 = R -> -1, 11 = N -> 0, 1..10 kept, other
 *   codes absent; the same in FM7, FH4/5 and FM2023), world position
 *   (Forza is Y up: x -> x, z -> y, y -> z), total distance, lap time
 *   (CurrentLap) and tyre temperatures as TB_CH_TYRE_SURF_* (degF -> degC
 *   in every game; for FM2023 the official page gives no unit and the
 *   community tools convert from degF: medium confidence). Absent: world
 *   velocity (Forza's is car-local), fuel (a 0..1 fraction, the channel is
 *   kg), power, torque, boost, handbrake, tyre wear (no channels), brake
 *   temps, pressures, engine temp, DRS, ERS, sector.
 */
#ifndef TB_INGEST_FORZA_H
#define TB_INGEST_FORZA_H

#include "proto.h"

enum forza_layout {
	FORZA_SLED,	  /* 232 B */
	FORZA_DASH,	  /* 311 B */
	FORZA_HORIZON,	  /* 324 B */
	FORZA_MOTORSPORT, /* 331 B */
	FORZA_LAYOUT__COUNT
};

#define FORZA_SLED_SIZE 232u
#define FORZA_DASH_SIZE 311u
#define FORZA_HORIZON_SIZE 324u
#define FORZA_MOTORSPORT_SIZE 331u

/* One datagram, decoded. Wheel arrays are FL, FR, RL, RR (the wire's
 * order). Fields a layout does not carry are 0. */
struct forza_packet {
	enum forza_layout layout;
	/* Sled (every layout) */
	int32_t is_race_on; /* 1 racing, 0 menus / paused */
	uint32_t timestamp_ms; /* wraps */
	float engine_max_rpm, engine_idle_rpm, current_engine_rpm;
	float accel[3];	  /* car local m/s^2: X right, Y up, Z forward */
	float vel[3];	  /* car local m/s */
	float ang_vel[3]; /* car local rad/s: X pitch, Y yaw, Z roll */
	float yaw, pitch, roll; /* rad */
	float susp_norm[4];	/* 0 stretched .. 1 compressed */
	float slip_ratio[4];
	float wheel_rot_speed[4]; /* rad/s */
	int32_t on_rumble[4];
	float puddle_depth[4];
	float surface_rumble[4];
	float slip_angle[4];
	float combined_slip[4];
	float susp_travel_m[4];
	int32_t car_ordinal, car_class, car_pi, drivetrain, num_cylinders;
	/* Horizon block (FORZA_HORIZON only) */
	int32_t horizon_car_category;
	int32_t horizon_unknown[2];
	/* Dash (Dash, Horizon, Motorsport) */
	float pos[3]; /* world m, Y up */
	float speed;  /* m/s */
	float power;  /* W */
	float torque; /* Nm */
	float tyre_temp[4]; /* degF */
	float boost;	    /* psi */
	float fuel;	    /* 0..1 */
	float distance;	    /* m, since the race start */
	float best_lap, last_lap, current_lap, race_time; /* s */
	uint16_t lap_number; /* completed laps, 0-based */
	uint8_t race_position;
	uint8_t accel_in, brake_in, clutch_in, handbrake_in; /* 0..255 */
	uint8_t gear; /* 0 R, 1..10, 11 N */
	int8_t steer; /* -127..127 */
	int8_t driving_line, ai_brake_diff;
	uint8_t horizon_pad; /* the Horizon layout's trailing byte */
	/* Motorsport (2023) extras */
	float tyre_wear[4];
	int32_t track_ordinal;
};

/* Datagram size of a layout; 0 for an invalid one. */
size_t forza_layout_size(enum forza_layout l);
/* Layout name: "sled", "dash", "horizon", "motorsport"; "?" if invalid. */
const char *forza_layout_name(enum forza_layout l);
/* The game a layout comes from (Sled: TB_GAME_FORZA_M7, though FM2023
 * sends the same 232 bytes). */
enum tb_game forza_layout_game(enum forza_layout l);

/* True if buf is a plausible Forza datagram (the detection rule above).
 * Pure and cheap. */
bool forza_sniff(const uint8_t *buf, size_t len);

/* Decode one datagram into *out (cleared first). Checks, in order: at
 * least the Sled size (TB_ERR_TRUNCATED), one of the four sizes
 * (TB_ERR_LENGTH), IsRaceOn 0 or 1 and plausible floats (TB_ERR_FORMAT).
 * Never allocates; err names the size or field at fault. */
enum tb_status forza_decode(const uint8_t *buf, size_t len,
			    struct forza_packet *out,
			    struct tb_error *err) TB_WUR;

/* Encode p in its layout into buf: exactly forza_layout_size() bytes,
 * stored in *out_len. Fields the layout lacks are not written, so
 * forza_decode(forza_encode(p)) == p for packets whose other fields are
 * 0. TB_ERR_LIMIT if cap is too small, TB_ERR_ARG for a bad layout. */
enum tb_status forza_encode(const struct forza_packet *p, uint8_t *buf,
			    size_t cap, size_t *out_len) TB_WUR;

/* Build the packet of car `car` of one generated frame (gen.h) in the
 * given layout. The generated car: CarOrdinal 2000 + car, class 5, PI
 * 800, TrackOrdinal FORZA_GEN_TRACK; TimestampMS = FORZA_GEN_TS_BASE +
 * the frame's ms, so every generated stream crosses the u32 wrap 30 s in.
 * BestLap is 0 (the encoder keeps no state). */
#define FORZA_GEN_TS_BASE (UINT32_MAX - 29999u)
#define FORZA_GEN_TRACK 990
enum tb_status forza_from_gen(const struct gen_frame *f, unsigned car,
			      enum forza_layout layout,
			      struct forza_packet *out) TB_WUR;

/* The protocol: name "forza", no default port (the player sets one; 5300
 * is common). gen_encode variants: 's' Sled, 'd' Dash, 'h' Horizon, 'm'
 * Motorsport 2023 (0 = 'm'). kinds: 0..3 racing datagrams per layout, 4
 * "race_off" (IsRaceOn = 0, any layout); they add up to accepted. */
extern const struct ingest_proto ingest_proto_forza;

enum forza_kind {
	FORZA_KIND_RACE_OFF = FORZA_LAYOUT__COUNT,
	FORZA_KIND__COUNT
};

#endif /* TB_INGEST_FORZA_H */

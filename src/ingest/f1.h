/* f1.h - EA/Codemasters F1 UDP telemetry, packet formats 2022, 2023,
 * 2024 and 2025: a decoder that checks the datagram length against the
 * spec for the (format, id) pair before any read, and an encoder that
 * writes the same layouts (tests, demo, simulator). Values are kept as the
 * game sends them (km/h, psi, wheel order RL, RR, FL, FR); conversion to
 * the canonical channels happens in f1_frames.c. Layout sources and byte
 * offsets are written next to each decoder in f1_decode.c. */
#ifndef TB_INGEST_F1_H
#define TB_INGEST_F1_H

#include "../core/core.h"

#define F1_CARS 22
#define F1_HISTORY_LAPS 100
#define F1_HISTORY_STINTS 8
#define F1_NAME_MAX 48 /* longest name field on the wire (2022-2024) */

enum f1_packet_id {
	F1_MOTION = 0,
	F1_SESSION = 1,
	F1_LAP_DATA = 2,
	F1_EVENT = 3,
	F1_PARTICIPANTS = 4,
	F1_CAR_SETUPS = 5,
	F1_CAR_TELEMETRY = 6,
	F1_CAR_STATUS = 7,
	F1_FINAL_CLASSIFICATION = 8,
	F1_LOBBY_INFO = 9,
	F1_CAR_DAMAGE = 10,
	F1_SESSION_HISTORY = 11,
	F1_TYRE_SETS = 12,
	F1_MOTION_EX = 13,
	F1_TIME_TRIAL = 14,
	F1_LAP_POSITIONS = 15,
	F1_PACKET__COUNT
};

/* Name of a packet id ("CarTelemetry"); "?" when out of range. */
const char *f1_packet_name(unsigned id);

/* Exact datagram size for (format, id), or 0 if that pair does not exist
 * (id not sent by that format, or unknown format). Event packets are the
 * exception: see f1_event_size_ok(). */
size_t f1_packet_size(uint16_t format, unsigned id);
/* Header length of a format: 24 for 2022, 29 for 2023-2025, 0 unknown. */
size_t f1_header_size(uint16_t format);

struct f1_header {
	uint16_t format;       /* packetFormat: 2022..2025 */
	uint8_t game_year;     /* 0 for 2022 (field absent) */
	uint8_t game_major, game_minor;
	uint8_t packet_version;
	uint8_t packet_id;
	uint64_t session_uid;
	float session_time;
	uint32_t frame_id;
	uint32_t overall_frame_id; /* = frame_id for 2022 (field absent) */
	uint8_t player_car;
	uint8_t player2_car; /* 255 none */
};

struct f1_motion_car {
	float pos[3]; /* world x, y (up), z, m */
	float vel[3]; /* m/s */
	int16_t fwd[3], right[3]; /* normalised by 32767 */
	float g_lat, g_lon, g_vert;
	float yaw, pitch, roll; /* rad */
};

struct f1_session {
	uint8_t weather;
	int8_t track_temp, air_temp;
	uint8_t total_laps;
	uint16_t track_length; /* m */
	uint8_t session_type;  /* game code; meaning depends on format */
	int8_t track_id;       /* -1 unknown */
	uint8_t formula;
	uint16_t time_left, duration; /* s */
	uint8_t pit_speed_limit;
	uint8_t game_paused, is_spectating, spectator_car;
};

struct f1_lap_car {
	uint32_t last_lap_ms, current_lap_ms;
	uint32_t sector1_ms, sector2_ms; /* minutes folded in */
	float lap_distance;		 /* m; negative before the line */
	float total_distance;
	uint8_t position, lap_num, pit_status, num_pit_stops;
	uint8_t sector; /* 0-based */
	uint8_t lap_invalid;
	uint8_t penalties, total_warnings, corner_cutting_warnings;
	uint8_t grid_position, driver_status, result_status;
	uint8_t pit_lane_timer_active;
	/* Also decoded (0 where the format lacks the field). */
	uint32_t delta_front_ms, delta_leader_ms; /* 2023+; minutes folded */
	float safety_car_delta;			  /* s */
	uint8_t unserved_drive_through, unserved_stop_go;
	uint16_t pit_lane_time_ms, pit_stop_timer_ms;
	uint8_t pit_stop_serve_pen;
	float speed_trap_kmh;	 /* 2024+: fastest speed-trap speed */
	uint8_t speed_trap_lap; /* 2024+: 255 none */
};

struct f1_event {
	char code[5]; /* 4 ASCII chars + NUL */
	/* The details this project uses; others are recognised by code. */
	uint8_t vehicle_idx; /* FTLP, RTMT, TMPT, RCWN, PENA, DTSV, SGSV... */
	float lap_time_s;    /* FTLP */
	uint32_t flashback_frame_id; /* FLBK */
	float flashback_session_time;
	uint32_t button_status; /* BUTN */
	/* Further details, 0 unless the code carries them. */
	uint8_t other_vehicle_idx; /* PENA other, OVTK overtaken, COLL,
				    * SPTP fastest vehicle */
	uint8_t penalty_type, infringement_type; /* PENA */
	uint8_t penalty_time, penalty_lap, places_gained;
	float speed_kmh, fastest_speed_kmh; /* SPTP */
	uint8_t is_overall_fastest, is_driver_fastest;
	uint8_t num_lights;  /* STLG */
	uint8_t reason;	     /* RTMT (2025), DRSD (2024+) */
	float stop_time_s;   /* SGSV (2025) */
	uint8_t safety_car_type, safety_car_event; /* SCAR */
};

struct f1_participant {
	uint8_t ai, driver_id, network_id, team_id, my_team, race_number;
	uint8_t nationality;
	char name[F1_NAME_MAX + 1]; /* NUL-terminated UTF-8 */
	uint8_t your_telemetry, show_online_names, platform;
	uint16_t tech_level;	  /* 2024+ */
	uint8_t num_colours;	  /* 2025 */
	uint8_t livery[4][3];	  /* 2025: RGB livery colours */
};

struct f1_participants {
	uint8_t num_active;
	struct f1_participant cars[F1_CARS];
};

struct f1_telemetry_car {
	uint16_t speed_kmh;
	float throttle, steer, brake;
	uint8_t clutch; /* 0..100 */
	int8_t gear;	/* -1 R, 0 N */
	uint16_t rpm;
	uint8_t drs;
	uint8_t rev_lights_pct;
	uint16_t rev_lights_bits;
	uint16_t brake_temp[4]; /* wire order RL, RR, FL, FR; degC */
	uint8_t tyre_surf_temp[4], tyre_inner_temp[4];
	uint16_t engine_temp;
	float tyre_press[4]; /* psi */
	uint8_t surface[4];
};

struct f1_status_car {
	uint8_t traction_control, abs, fuel_mix, brake_bias, pit_limiter;
	float fuel_in_tank, fuel_capacity, fuel_remaining_laps; /* kg */
	uint16_t max_rpm, idle_rpm;
	uint8_t max_gears, drs_allowed;
	uint16_t drs_activation_distance;
	uint8_t actual_compound, visual_compound, tyre_age_laps;
	int8_t fia_flags;
	float engine_power_ice, engine_power_mguk; /* 0 in 2022 */
	float ers_store; /* J */
	uint8_t ers_mode;
	float ers_harvest_mguk, ers_harvest_mguh, ers_deployed;
	uint8_t network_paused;
};

struct f1_history_lap {
	uint32_t lap_ms;
	uint32_t s1_ms, s2_ms, s3_ms; /* minutes folded in (2023+) */
	uint8_t valid_flags; /* bit0 lap, bit1 s1, bit2 s2, bit3 s3 */
};

struct f1_tyre_stint {
	uint8_t end_lap; /* 255: current set */
	uint8_t actual_compound, visual_compound;
};

struct f1_session_history {
	uint8_t car_idx, num_laps, num_tyre_stints;
	uint8_t best_lap, best_s1_lap, best_s2_lap, best_s3_lap;
	struct f1_history_lap laps[F1_HISTORY_LAPS];
	struct f1_tyre_stint stints[F1_HISTORY_STINTS];
};

/* Player-only extra motion data (2023+; id 13; 2022 sends a subset inside
 * Motion, see f1_packet.motion22_ex). Wheel order RL,RR,FL,FR. Fields a
 * format does not send are 0. */
struct f1_motion_ex {
	float susp_pos[4], susp_vel[4], susp_acc[4];
	float wheel_speed[4], wheel_slip_ratio[4], wheel_slip_angle[4];
	float wheel_lat_force[4], wheel_long_force[4];
	float height_cog_ground;
	float local_vel[3], ang_vel[3], ang_acc[3];
	float front_wheels_angle;
	float wheel_vert_force[4]; /* 2023+ (217-byte packet ends here) */
	/* 2024+ (237 bytes) */
	float front_aero_height, rear_aero_height; /* m */
	float front_roll_angle, rear_roll_angle;   /* rad */
	float chassis_yaw; /* rad, relative to the velocity */
	/* 2025 (273 bytes) */
	float chassis_pitch; /* rad, relative to the velocity */
	float wheel_camber[4], wheel_camber_gain[4]; /* rad */
};

/* A decoded packet: header plus the body for its id. Bodies of ids this
 * project does not use (setups, damage, lobby, ...) are length-checked
 * and counted but not decoded: `u` is untouched for them. */
struct f1_packet {
	struct f1_header h;
	union {
		struct f1_motion_car motion[F1_CARS];
		struct f1_session session;
		struct {
			struct f1_lap_car cars[F1_CARS];
			uint8_t tt_pb_car, tt_rival_car;
		} lap;
		struct f1_event event;
		struct f1_participants participants;
		struct f1_telemetry_car telemetry[F1_CARS];
		struct f1_status_car status[F1_CARS];
		struct f1_session_history history;
		struct f1_motion_ex motion_ex;
	} u;
	/* Motion (id 0) of format 2022 only: the player's extra motion data
	 * that later formats send as MotionEx (id 13). Untouched otherwise. */
	struct f1_motion_ex motion22_ex;
};

/* Decode one datagram. Checks, in order: at least a 2022 header's bytes
 * (TB_ERR_TRUNCATED), a known packetFormat (TB_ERR_FORMAT), an id known
 * for that format (TB_ERR_ID), the exact size for (format, id)
 * (TB_ERR_LENGTH; events by their code). Only then reads. Never
 * allocates. err names the packet, the size seen and the size expected. */
enum tb_status f1_decode(const uint8_t *buf, size_t len,
			 struct f1_packet *out, struct tb_error *err) TB_WUR;

/* Encode p (format p->h.format, id p->h.packet_id) into buf. Writes
 * exactly f1_packet_size() bytes (events: 45, or the legacy 2022 40) and
 * stores that count in *out_len. Ids without a decoded body are written
 * with a zero body of the right size. TB_ERR_LIMIT if cap is too small,
 * TB_ERR_FORMAT / TB_ERR_ID for pairs that do not exist. */
enum tb_status f1_encode(const struct f1_packet *p, uint8_t *buf,
			 size_t cap, size_t *out_len) TB_WUR;

/* Map a format's raw sessionType code to a session kind. */
enum tb_session_kind f1_session_kind(uint16_t format, uint8_t session_type);
/* Track name for a trackId ("Silverstone"); "" when unknown. */
const char *f1_track_name(int track_id);
/* Game for a header (format, game_year): F1 25 sending format 2023 is
 * F1 25, gameYear 0 means "a game sending a legacy format": by format. */
enum tb_game f1_game(const struct f1_header *h);

#endif /* TB_INGEST_F1_H */

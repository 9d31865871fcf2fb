/* codemasters.h - the Codemasters "extradata" UDP telemetry of DiRT Rally
 * 1 / 2.0, DiRT 4, GRID and the F1 titles up to 2017 (legacy mode): one
 * datagram per tick holding little-endian float32 values, no header or
 * id, so the layout is known by the length alone. This header has the
 * decoded packet, its decoder/encoder and the ingest protocol
 * ("codemasters") that turns a stream of them into stage runs or laps.
 *
 * Layouts (index i is at byte offset 4 * i; table next to the decoder in
 * codemasters.c, sources there):
 *   extradata 3   264 B  66 floats (DiRT Rally 1/2.0, DiRT 4, GRID)
 *   extradata 0   152 B  38 floats (DiRT 3 era; the first 38 of the 66)
 * Other lengths are rejected: extradata 1/2 are not documented by any
 * source we found, and the F1 2016/2017 legacy packet (1237-1289 B with
 * per-car arrays) is another layout altogether.
 *
 * What the protocol makes of them (decisions a consumer may rely on):
 * - Detection: the length is 152 or 264, every float is finite with a
 *   magnitude below 1e7, throttle/brake/clutch lie in [-0.01, 1.01] and
 *   the gear in [-1, 10].
 * - Duplicates: the game keeps sending while paused; a datagram whose
 *   floats 1.. equal the previous one's (only run_time moved), or whose
 *   run_time and lap_time both equal the previous one's, is counted
 *   (kind "duplicate") and dropped.
 * - Mode, per datagram: "lap mode" (circuits: GRID, DiRT rallycross) when
 *   total laps (float 60) >= 2, laps completed (59) >= 1 or the lap index
 *   (36) >= 1; "stage mode" otherwise (DR2 rally sends total laps 1).
 *   A change of mode starts a new session.
 * - Stage mode (stage.h): lap_time (float 1) is the stage clock, distance
 *   (2) the stage distance, progress (3) 0..1, track length (61) the
 *   stage length (also the session's track_length_m), sector 1 / 2 times
 *   (49, 50: DR2 sends sector 2 as a duration, verified on recordings).
 *   DR2 has four splits but sends two times, so sector 3 of a run is the
 *   rest of the stage. Session kind TB_SESSION_STAGE.
 * - Lap mode (laps.h): lap number = float 36 + 1; when it moves on, the
 *   lap's time is last lap time (62), sector times 49 / 50, in pit (47).
 *   Session kind TB_SESSION_RACE when total laps >= 2, else unknown.
 * - Sessions: a new one on a mode, layout, stage length (> 1 m) or car
 *   (max rpm, idle rpm, gears) change, after 60 s without datagrams, or
 *   on flush; a run in progress ends after 5 s without datagrams.
 *   source_uid = now_us of the session's first datagram; packet_format =
 *   the layout's size. game: TB_GAME_DIRT_RALLY_2 for 264 B (decided by
 *   length only: DiRT 4 and GRID send the same layout and are recorded
 *   as DR2), TB_GAME_CODEMASTERS for 152 B; car_class TB_CLASS_RALLY for
 *   264 B. No names are sent (no track, car or driver).
 * - Channels: time = run_time (0), lap_time (1), lap_dist (2), world
 *   position / velocity (4-6, 8-10; Y up: x -> x, z -> y, y -> z), speed
 *   (7), throttle, steer, brake, clutch (29-32), gear (33: 10 = reverse
 *   in DR2 -> -1, 0 neutral), g lat / lon (34, 35, as sent), rpm (37 x
 *   10), sector (48, 0-based, 264 B only). Yaw = atan2(fwd.x, fwd.z) of
 *   the forward unit vector (14-16, verified as the direction of travel
 *   on the recordings), the same convention as F1's yaw; pitch and roll
 *   stay absent (their sign conventions cannot be checked). Absent: brake
 *   temperatures (51-54: DR2 sends values from -64 up, not degC), tyre
 *   pressures and fuel (0 in DR2, units unknown elsewhere), suspension
 *   and wheel speeds (no channels).
 */
#ifndef TB_INGEST_CODEMASTERS_H
#define TB_INGEST_CODEMASTERS_H

#include "proto.h"

#define CM_SIZE_LEGACY 152u
#define CM_SIZE_EXTRA  264u
#define CM_FLOATS_MAX  66u

/* Float indices (byte offset = 4 * index). */
enum cm_field {
	CM_RUN_TIME = 0,
	CM_LAP_TIME = 1,
	CM_DISTANCE = 2,
	CM_PROGRESS = 3,
	CM_POS_X = 4, /* 5 y (up), 6 z */
	CM_SPEED = 7,
	CM_VEL_X = 8,		/* 9 y, 10 z */
	CM_ROLL_X = 11,		/* lateral unit vector, 12 y, 13 z */
	CM_PITCH_X = 14,	/* forward unit vector, 15 y, 16 z */
	CM_SUSP_POS_RL = 17,	/* RL RR FL FR, 17..20 */
	CM_SUSP_VEL_RL = 21,	/* 21..24 */
	CM_WHEEL_SPEED_RL = 25, /* 25..28 */
	CM_THROTTLE = 29,
	CM_STEER = 30,
	CM_BRAKE = 31,
	CM_CLUTCH = 32,
	CM_GEAR = 33,
	CM_G_LAT = 34,
	CM_G_LON = 35,
	CM_LAP = 36,
	CM_RPM = 37, /* / 10 */
	/* extradata 3 only from here */
	CM_SLI_PRO = 38,
	CM_CAR_POS = 39,
	CM_FUEL = 45,
	CM_IN_PIT = 47,
	CM_SECTOR = 48,
	CM_SECTOR1_TIME = 49,
	CM_SECTOR2_TIME = 50,
	CM_BRAKE_TEMP_RL = 51, /* RL RR FL FR, 51..54 */
	CM_TYRE_PRESS_RL = 55, /* 55..58 */
	CM_LAPS_DONE = 59,
	CM_TOTAL_LAPS = 60,
	CM_TRACK_LENGTH = 61,
	CM_LAST_LAP_TIME = 62,
	CM_MAX_RPM = 63,  /* / 10 */
	CM_IDLE_RPM = 64, /* / 10 */
	CM_MAX_GEARS = 65
};

/* One datagram, decoded: n_floats is 38 or 66; f[] past n is 0. */
struct cm_packet {
	unsigned n_floats;
	float f[CM_FLOATS_MAX];
};

/* Decode: TB_ERR_TRUNCATED below 152 bytes, TB_ERR_LENGTH for any other
 * length than 152 / 264. Reads nothing before the check. */
enum tb_status cm_decode(const uint8_t *buf, size_t len, struct cm_packet *out,
			 struct tb_error *err) TB_WUR;
/* Encode p (n_floats 38 or 66) into buf; *len = 152 / 264. */
enum tb_status cm_encode(const struct cm_packet *p, uint8_t *buf, size_t cap,
			 size_t *len) TB_WUR;
/* True if buf looks like one of the layouts (the sniff rules above). */
bool cm_sniff(const uint8_t *buf, size_t len);

extern const struct ingest_proto ingest_proto_codemasters;

#endif /* TB_INGEST_CODEMASTERS_H */

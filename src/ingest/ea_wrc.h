/* ea_wrc.h - EA SPORTS WRC (2023) UDP telemetry: schema-driven packets.
 * The game builds each datagram from a packet structure (a JSON file in
 * Documents/My Games/WRC/telemetry/udp/, e.g. readme/udp/wrc.json): a
 * header channel list and, per packet (session_start, session_update,
 * session_end, session_pause, session_resume), an ordered channel list;
 * the wire is the channels' values packed in that order, little-endian,
 * no padding, types from readme/channels.json. This header has the
 * field table built from such a structure (the game's default "wrc"
 * structure is built in), the decoder/encoder and the ingest protocol
 * ("ea-wrc") that turns a stream into stage runs (stage.h).
 *
 * Confidence (no game install or recording was available): the channel
 * names and types come from public decoders (ZTMZ PacenoteTool's
 * WRCDataStructure, packed sequential: packet_uid u64, game_total_time
 * f32, game_frame_count u64, shiftlights_rpm_valid bool (1 byte), gear
 * indices u8, stage_current_distance and stage_length f64, ids u16) and
 * the FORMATS.md digest; the built-in default structure (header
 * packet_4cc + packet_uid; session_update = the 58 channels from
 * game_total_time to stage_length listed in ea_wrc.c; the other packets
 * empty, 12 bytes) is from memory of the game's readme and is MEDIUM-LOW
 * confidence: pass the game's own wrc.json in ingest_opts.schema to be
 * sure. The 4CCs "sess", "sesu", "sese", "sesp", "sesr" are taken in
 * either byte order.
 *
 * What the protocol makes of it (decisions a consumer may rely on):
 * - Detection (default structure only): the first 4 bytes are one of the
 *   five 4CCs and the length is that packet's (12 or 241 bytes).
 * - session_start opens a new session (stage_length, location_id,
 *   route_id taken when the structure has them); session_end ends the run
 *   in progress and the session; pause/resume are counted only; a
 *   session_update without an open session opens one. Also a new session
 *   after 60 s without datagrams, and on flush; a run in progress ends
 *   after 5 s without datagrams. source_uid = now_us of the session's
 *   first datagram. game TB_GAME_EA_WRC, kind TB_SESSION_STAGE, class
 *   TB_CLASS_RALLY, track_id = route_id when sent (-1 otherwise).
 * - Stage runs (stage.h): stage clock stage_current_time, distance
 *   stage_current_distance, progress stage_progress, length stage_length.
 *   The default structure sends no split times: no sector times.
 * - Channels: time = game_total_time (else the stage clock), lap_time,
 *   lap_dist, speed (vehicle_speed, m/s), throttle, brake, clutch, steer
 *   (as sent, -1..1), gear (vehicle_gear_index: the reverse index -> -1,
 *   the neutral index -> 0; without those channels 10 = reverse), rpm,
 *   world position / velocity (Y up: x -> x, z -> y, y -> z), g from the
 *   world acceleration projected on the car's axes / 9.80665 (lon =
 *   forward, lat = -left (positive right), vert = up; whether the game
 *   includes gravity is unknown), yaw = atan2(fwd.x, fwd.z) as for DiRT
 *   and F1, brake temperatures (bl, br, fl, fr -> RL, RR, FL, FR; degC).
 *   Pitch, roll and everything else stay absent.
 */
#ifndef TB_INGEST_EA_WRC_H
#define TB_INGEST_EA_WRC_H

#include "proto.h"

enum wrc_kind {
	WRC_SESSION_START,
	WRC_SESSION_UPDATE,
	WRC_SESSION_END,
	WRC_SESSION_PAUSE,
	WRC_SESSION_RESUME,
	WRC_KIND__COUNT
};

enum wrc_type {
	WRC_T_BOOL, WRC_T_U8, WRC_T_U16, WRC_T_U32, WRC_T_U64,
	WRC_T_F32, WRC_T_F64, WRC_T_FOURCC
};

/* Every channel we know: X(id, name, type). */
#define WRC_CHANNEL_LIST(X)                                                  \
	X(WRC_CH_PACKET_4CC, "packet_4cc", WRC_T_FOURCC)                     \
	X(WRC_CH_PACKET_UID, "packet_uid", WRC_T_U64)                        \
	X(WRC_CH_GAME_TOTAL_TIME, "game_total_time", WRC_T_F32)              \
	X(WRC_CH_GAME_DELTA_TIME, "game_delta_time", WRC_T_F32)              \
	X(WRC_CH_GAME_FRAME_COUNT, "game_frame_count", WRC_T_U64)            \
	X(WRC_CH_SHIFT_FRACTION, "shiftlights_fraction", WRC_T_F32)          \
	X(WRC_CH_SHIFT_RPM_START, "shiftlights_rpm_start", WRC_T_F32)        \
	X(WRC_CH_SHIFT_RPM_END, "shiftlights_rpm_end", WRC_T_F32)            \
	X(WRC_CH_SHIFT_RPM_VALID, "shiftlights_rpm_valid", WRC_T_BOOL)       \
	X(WRC_CH_GEAR, "vehicle_gear_index", WRC_T_U8)                       \
	X(WRC_CH_GEAR_NEUTRAL, "vehicle_gear_index_neutral", WRC_T_U8)       \
	X(WRC_CH_GEAR_REVERSE, "vehicle_gear_index_reverse", WRC_T_U8)       \
	X(WRC_CH_GEAR_MAX, "vehicle_gear_maximum", WRC_T_U8)                 \
	X(WRC_CH_SPEED, "vehicle_speed", WRC_T_F32)                          \
	X(WRC_CH_TRANS_SPEED, "vehicle_transmission_speed", WRC_T_F32)       \
	X(WRC_CH_POS_X, "vehicle_position_x", WRC_T_F32)                     \
	X(WRC_CH_POS_Y, "vehicle_position_y", WRC_T_F32)                     \
	X(WRC_CH_POS_Z, "vehicle_position_z", WRC_T_F32)                     \
	X(WRC_CH_VEL_X, "vehicle_velocity_x", WRC_T_F32)                     \
	X(WRC_CH_VEL_Y, "vehicle_velocity_y", WRC_T_F32)                     \
	X(WRC_CH_VEL_Z, "vehicle_velocity_z", WRC_T_F32)                     \
	X(WRC_CH_ACC_X, "vehicle_acceleration_x", WRC_T_F32)                 \
	X(WRC_CH_ACC_Y, "vehicle_acceleration_y", WRC_T_F32)                 \
	X(WRC_CH_ACC_Z, "vehicle_acceleration_z", WRC_T_F32)                 \
	X(WRC_CH_LEFT_X, "vehicle_left_direction_x", WRC_T_F32)              \
	X(WRC_CH_LEFT_Y, "vehicle_left_direction_y", WRC_T_F32)              \
	X(WRC_CH_LEFT_Z, "vehicle_left_direction_z", WRC_T_F32)              \
	X(WRC_CH_FWD_X, "vehicle_forward_direction_x", WRC_T_F32)            \
	X(WRC_CH_FWD_Y, "vehicle_forward_direction_y", WRC_T_F32)            \
	X(WRC_CH_FWD_Z, "vehicle_forward_direction_z", WRC_T_F32)            \
	X(WRC_CH_UP_X, "vehicle_up_direction_x", WRC_T_F32)                  \
	X(WRC_CH_UP_Y, "vehicle_up_direction_y", WRC_T_F32)                  \
	X(WRC_CH_UP_Z, "vehicle_up_direction_z", WRC_T_F32)                  \
	X(WRC_CH_HUB_POS_BL, "vehicle_hub_position_bl", WRC_T_F32)           \
	X(WRC_CH_HUB_POS_BR, "vehicle_hub_position_br", WRC_T_F32)           \
	X(WRC_CH_HUB_POS_FL, "vehicle_hub_position_fl", WRC_T_F32)           \
	X(WRC_CH_HUB_POS_FR, "vehicle_hub_position_fr", WRC_T_F32)           \
	X(WRC_CH_HUB_VEL_BL, "vehicle_hub_velocity_bl", WRC_T_F32)           \
	X(WRC_CH_HUB_VEL_BR, "vehicle_hub_velocity_br", WRC_T_F32)           \
	X(WRC_CH_HUB_VEL_FL, "vehicle_hub_velocity_fl", WRC_T_F32)           \
	X(WRC_CH_HUB_VEL_FR, "vehicle_hub_velocity_fr", WRC_T_F32)           \
	X(WRC_CH_CP_SPEED_BL, "vehicle_cp_forward_speed_bl", WRC_T_F32)      \
	X(WRC_CH_CP_SPEED_BR, "vehicle_cp_forward_speed_br", WRC_T_F32)      \
	X(WRC_CH_CP_SPEED_FL, "vehicle_cp_forward_speed_fl", WRC_T_F32)      \
	X(WRC_CH_CP_SPEED_FR, "vehicle_cp_forward_speed_fr", WRC_T_F32)      \
	X(WRC_CH_BRAKE_TEMP_BL, "vehicle_brake_temperature_bl", WRC_T_F32)   \
	X(WRC_CH_BRAKE_TEMP_BR, "vehicle_brake_temperature_br", WRC_T_F32)   \
	X(WRC_CH_BRAKE_TEMP_FL, "vehicle_brake_temperature_fl", WRC_T_F32)   \
	X(WRC_CH_BRAKE_TEMP_FR, "vehicle_brake_temperature_fr", WRC_T_F32)   \
	X(WRC_CH_RPM_MAX, "vehicle_engine_rpm_max", WRC_T_F32)               \
	X(WRC_CH_RPM_IDLE, "vehicle_engine_rpm_idle", WRC_T_F32)             \
	X(WRC_CH_RPM, "vehicle_engine_rpm_current", WRC_T_F32)               \
	X(WRC_CH_THROTTLE, "vehicle_throttle", WRC_T_F32)                    \
	X(WRC_CH_BRAKE, "vehicle_brake", WRC_T_F32)                          \
	X(WRC_CH_CLUTCH, "vehicle_clutch", WRC_T_F32)                        \
	X(WRC_CH_STEERING, "vehicle_steering", WRC_T_F32)                    \
	X(WRC_CH_HANDBRAKE, "vehicle_handbrake", WRC_T_F32)                  \
	X(WRC_CH_STAGE_TIME, "stage_current_time", WRC_T_F32)                \
	X(WRC_CH_STAGE_DIST, "stage_current_distance", WRC_T_F64)            \
	X(WRC_CH_STAGE_LENGTH, "stage_length", WRC_T_F64)                    \
	X(WRC_CH_VEHICLE_ID, "vehicle_id", WRC_T_U16)                        \
	X(WRC_CH_VEHICLE_CLASS_ID, "vehicle_class_id", WRC_T_U16)            \
	X(WRC_CH_VEHICLE_MANUF_ID, "vehicle_manufacturer_id", WRC_T_U16)     \
	X(WRC_CH_VEHICLE_MODEL_ID, "vehicle_model_id", WRC_T_U16)            \
	X(WRC_CH_LOCATION_ID, "location_id", WRC_T_U16)                      \
	X(WRC_CH_ROUTE_ID, "route_id", WRC_T_U16)                            \
	X(WRC_CH_SPLIT_TIME, "stage_previous_split_time", WRC_T_F32)         \
	X(WRC_CH_RESULT_TIME, "stage_result_time", WRC_T_F32)                \
	X(WRC_CH_RESULT_PENALTY, "stage_result_time_penalty", WRC_T_F32)     \
	X(WRC_CH_RESULT_STATUS, "stage_result_status", WRC_T_U8)             \
	X(WRC_CH_PROGRESS, "stage_progress", WRC_T_F32)                      \
	X(WRC_CH_TYRE_STATE_BL, "vehicle_tyre_state_bl", WRC_T_U8)           \
	X(WRC_CH_TYRE_STATE_BR, "vehicle_tyre_state_br", WRC_T_U8)           \
	X(WRC_CH_TYRE_STATE_FL, "vehicle_tyre_state_fl", WRC_T_U8)           \
	X(WRC_CH_TYRE_STATE_FR, "vehicle_tyre_state_fr", WRC_T_U8)           \
	X(WRC_CH_SHAKEDOWN, "stage_shakedown", WRC_T_BOOL)                   \
	X(WRC_CH_GAME_MODE, "game_mode", WRC_T_U8)                           \
	X(WRC_CH_CLUSTER_ABS, "vehicle_cluster_abs", WRC_T_BOOL)

enum wrc_channel {
#define WRC__X(id, name, type) id,
	WRC_CHANNEL_LIST(WRC__X)
#undef WRC__X
	WRC_CH__COUNT
};
_Static_assert(WRC_CH__COUNT <= 128, "two 64-bit presence words");

#define WRC_FIELDS_MAX 128
#define WRC_HEADER_MAX 8
#define WRC_SCHEMA_MAX_BYTES (1u << 20) /* a structure file */

struct wrc_field {
	uint16_t ch;  /* enum wrc_channel */
	uint16_t off; /* byte offset in the datagram */
};

struct wrc_packet_def {
	bool used;   /* the structure lists this packet */
	size_t size; /* whole datagram, header included */
	size_t n;
	struct wrc_field f[WRC_FIELDS_MAX];
};

/* A structure: the header and each packet's fields with offsets. */
struct wrc_schema {
	char id[TB_NAME_MAX]; /* "wrc" */
	size_t n_header, header_size;
	struct wrc_field header[WRC_HEADER_MAX];
	int off_4cc; /* offset of packet_4cc; -1: none (length decides) */
	struct wrc_packet_def pk[WRC_KIND__COUNT];
};

/* The game's default "wrc" structure (built in). */
void wrc_schema_default(struct wrc_schema *out);
/* Parse a structure JSON ({"id", "header": {"channels": [...]},
 * "packets": [{"id", "channels": [...]}, ...]}; other keys ignored). An
 * unknown channel name, a packet over WRC_FIELDS_MAX fields or bad JSON
 * is TB_ERR_FORMAT naming the problem. */
enum tb_status wrc_schema_parse(const char *json, size_t len,
				struct wrc_schema *out,
				struct tb_error *err) TB_WUR;
/* Read and parse a structure file (at most WRC_SCHEMA_MAX_BYTES). */
enum tb_status wrc_schema_load(const char *path, struct wrc_schema *out,
			       struct tb_error *err) TB_WUR;
const char *wrc_channel_name(enum wrc_channel ch);
enum wrc_type wrc_channel_type(enum wrc_channel ch);

/* One datagram, decoded: raw[ch] holds the channel's bits (integers
 * zero-extended, f32 / f64 as their IEEE bits, the 4CC's 4 bytes as a
 * little-endian u32) for each channel in has. */
struct wrc_packet {
	enum wrc_kind kind;
	uint64_t has[2];
	uint64_t raw[WRC_CH__COUNT];
};

static inline bool wrc_has(const struct wrc_packet *p, enum wrc_channel ch)
{
	return (p->has[ch / 64] >> (ch % 64)) & 1;
}
/* The channel's value as a double (0 when absent). */
double wrc_value(const struct wrc_packet *p, enum wrc_channel ch);
/* Set a channel from a double (converted to the channel's type). */
void wrc_set(struct wrc_packet *p, enum wrc_channel ch, double v);

/* Decode with schema s: TB_ERR_TRUNCATED shorter than the header (or the
 * 4CC), TB_ERR_ID for an unknown 4CC, TB_ERR_LENGTH when the length is
 * not the packet's. */
enum tb_status wrc_decode(const struct wrc_schema *s, const uint8_t *buf,
			  size_t len, struct wrc_packet *out,
			  struct tb_error *err) TB_WUR;
/* Encode p (its kind's fields; absent channels as 0, the 4CC from the
 * kind) into buf. */
enum tb_status wrc_encode(const struct wrc_schema *s,
			  const struct wrc_packet *p, uint8_t *buf, size_t cap,
			  size_t *len) TB_WUR;
/* Default structure detection (see above). */
bool wrc_sniff(const uint8_t *buf, size_t len);

extern const struct ingest_proto ingest_proto_ea_wrc;

#endif /* TB_INGEST_EA_WRC_H */

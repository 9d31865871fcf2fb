/* ac.h - Assetto Corsa (original) Remote Telemetry UDP: the client asks
 * the game (UDP 9996) for a handshake, the game answers with its car,
 * driver and track names, the client subscribes, and the game streams one
 * RTCarInfo per physics step until dismissed. Decoder and encoder of the
 * four datagrams, and the protocol instance (ingest_proto_ac) that runs
 * the handshake from tick() and turns RTCarInfo into laps. */
#ifndef TB_INGEST_AC_H
#define TB_INGEST_AC_H

#include "proto.h"

#define AC_PORT 9996 /* where the game listens for requests */

/* Exact datagram sizes. */
#define AC_REQUEST_SIZE	 12u  /* client -> game: handshaker */
#define AC_RESPONSE_SIZE 408u /* game -> client: handshackerResponse */
#define AC_CAR_INFO_SIZE 328u /* game -> client: RTCarInfo */
#define AC_LAP_SIZE	 212u /* game -> client: RTLap (spot event) */

/* A name field is 50 UTF-16LE units ending at '%' (then garbage). Decoded
 * names are UTF-8: at most 49 units of text, 3 bytes a unit, plus NUL. */
#define AC_NAME_UNITS 50u
#define AC_NAME_MAX   148u

/* handshaker.operationId */
enum ac_op {
	AC_OP_HANDSHAKE = 0,
	AC_OP_SUBSCRIBE_UPDATE = 1, /* RTCarInfo every physics step */
	AC_OP_SUBSCRIBE_SPOT = 2,   /* RTLap at each car's lap end */
	AC_OP_DISMISS = 3
};

/* What a datagram is; also the index of ingest_stats.kinds[]. */
enum ac_kind {
	AC_KIND_REQUEST,  /* 12 B handshaker (only the client sends it) */
	AC_KIND_RESPONSE, /* 408 B handshake response */
	AC_KIND_CAR_INFO, /* 328 B RTCarInfo */
	AC_KIND_LAP,	  /* 212 B RTLap */
	AC_KIND__COUNT
};

struct ac_request {
	int32_t identifier; /* "not used" by AC; clients send 1 */
	int32_t version;    /* "not used" by AC; clients send 1 */
	int32_t op;	    /* enum ac_op */
};

struct ac_response {
	char car[AC_NAME_MAX]; /* UTF-8, NUL-terminated */
	char driver[AC_NAME_MAX];
	int32_t identifier; /* 4242 per the documentation */
	int32_t version;    /* 1 */
	char track[AC_NAME_MAX];
	char config[AC_NAME_MAX]; /* track layout; "" for the default */
};

/* RTCarInfo. Units as AC sends them; flags are the raw bytes. */
struct ac_car_info {
	uint8_t identifier; /* 'a' */
	int32_t size;	    /* 328 */
	float speed_kmh, speed_mph, speed_ms;
	uint8_t abs_enabled, abs_in_action, tc_in_action, tc_enabled;
	uint8_t in_pit, engine_limiter_on;
	float acc_g_vertical, acc_g_horizontal, acc_g_frontal; /* g */
	int32_t lap_time_ms, last_lap_ms, best_lap_ms;
	int32_t lap_count;	  /* laps completed */
	float gas, brake, clutch; /* 0..1 */
	float engine_rpm;
	float steer;  /* steering wheel angle, degrees */
	int32_t gear; /* 0 R, 1 N, 2 first gear, ... */
	float cg_height;
	/* per wheel, FL, FR, RL, RR */
	float wheel_angular_speed[4];
	float slip_angle[4];
	float slip_angle_contact_patch[4];
	float slip_ratio[4];
	float tyre_slip[4];
	float nd_slip[4];
	float load[4];
	float dy[4];
	float mz[4];
	float tyre_dirty_level[4];
	float camber_rad[4];
	float tyre_radius[4];
	float tyre_loaded_radius[4];
	float suspension_height[4];
	float car_position_normalized; /* 0..1 round the lap */
	float car_slope;
	float car_coordinates[3]; /* world, m; Y is up */
};

struct ac_lap {
	int32_t car_id; /* carIdentifierNumber */
	int32_t lap;
	char driver[AC_NAME_MAX];
	char car[AC_NAME_MAX];
	int32_t time_ms;
};

struct ac_packet {
	enum ac_kind kind;
	union {
		struct ac_request request;
		struct ac_response response;
		struct ac_car_info car;
		struct ac_lap lap;
	} u;
};

/* Decode one datagram; the kind is chosen by its exact length. Checks, in
 * order: at least AC_REQUEST_SIZE bytes (TB_ERR_TRUNCATED), one of the
 * four sizes (TB_ERR_LENGTH); then per kind: a request's operation 0..3
 * (TB_ERR_ID); RTCarInfo's identifier 'a' (TB_ERR_FORMAT) and size field
 * 328 (TB_ERR_LENGTH); a response's four names each ending at '%', an
 * RTLap's two at '%' or NUL (TB_ERR_CORRUPT). UTF-16 is converted to
 * UTF-8; unpaired surrogates become U+FFFD. out is fully written on
 * success (zeroed first); nothing allocated. */
enum tb_status ac_decode(const uint8_t *buf, size_t len, struct ac_packet *out,
			 struct tb_error *err) TB_WUR;

/* Encode p into buf (cap bytes); *out_len gets the exact size. Names are
 * written as UTF-16LE, '%', then zeros. TB_ERR_LIMIT if cap is too small
 * or a name needs more than 49 UTF-16 units; TB_ERR_ARG for a name that
 * is not valid UTF-8 or contains '%', or an unknown kind. */
enum tb_status ac_encode(const struct ac_packet *p, uint8_t *buf, size_t cap,
			 size_t *out_len) TB_WUR;

/* Name of a kind ("RTCarInfo"); NULL past the last. */
const char *ac_kind_name(unsigned kind);

/* The RTCarInfo AC would send for car `car` of one generated frame:
 * speeds, pedals, gear, rpm, g, lap counter and times, position. The
 * steering wheel angle is the generator's -1..1 input times 450 degrees
 * (a 900 degree wheel). TB_ERR_RANGE for a car the frame lacks. */
enum tb_status ac_gen_car_info(const struct gen_frame *f, unsigned car,
			       struct ac_car_info *out) TB_WUR;

/* The protocol (ac.c). */
extern const struct ingest_proto ingest_proto_ac;

#endif /* TB_INGEST_AC_H */

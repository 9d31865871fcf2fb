/* gt7.h - Gran Turismo 7 / GT Sport "Simulator Interface": the client
 * sends a one-byte heartbeat to the console (UDP 33739) and the console
 * answers the sender (port 33740) with one Salsa20-encrypted packet per
 * 60 Hz tick; the heartbeat byte picks the layout. This header has the
 * decoded packet, its decoder/encoder (encrypted wire bytes) and the
 * ingest protocol ("gt7") that heartbeats from tick() and turns the
 * stream into laps.
 *
 * Variants (offsets next to the decoder in gt7.c, sources there):
 *   'A' 296 B  the original layout (GT Sport sends only this one)
 *   'B' 316 B  'A' + steering wheel angle/velocity, sway/heave/surge
 *   '~' 344 B  'B' + filtered pedals, torque vectoring, energy recovery
 *
 * Crypto: Salsa20/20, key = the first 32 bytes of "Simulator Interface
 * Packet GT7 ver 0.0" (GT Sport: of "Simulator Interface Packet ver 0.0",
 * 34 characters cut to 32 as PDTools' Salsa20 does: "...Packet ver 0");
 * iv1 = the LE u32 at 0x40 of the received bytes (written in clear over
 * the ciphertext), iv2 = iv1 XOR 0xDEADBEAF ('A' and GT Sport),
 * 0xDEADBEEF ('B'), 0x55FABB4F ('~'); nonce = LE(iv2) || LE(iv1). The
 * plaintext starts with the magic 0x47375330 ("0S7G"). A 296-byte packet
 * that fails with the GT7 key is tried with the GT Sport key.
 *
 * What the protocol makes of them (decisions a consumer may rely on):
 * - Heartbeat: with ingest_opts.peer_ip set, tick() sends the variant's
 *   byte (ingest_opts.variant 'A', 'B' or '~'; 0 = 'A') to peer_ip at
 *   peer_port (0 = 33739) on its first call and then every
 *   GT7_HEARTBEAT_US (1 s). Why 1 s: the console stops streaming about
 *   10 s after the last heartbeat (FORMATS.md; PDTools only re-sends
 *   once 10 s have passed, on its next packet, which is the edge);
 *   common tools send every 1.5-3 s (sim-to-motec every 100 packets,
 *   gt7speedboard every 3 s). One second keeps ten chances
 *   inside that window, so several lost heartbeats in a row (UDP, Wi-Fi)
 *   never stop the stream, and with ticks up to 200 ms late the gap stays
 *   under 1.5 s; it costs one byte a second. Each send that the io
 *   accepts is counted in stats.sent. GT Sport listens on 33339 and
 *   answers to 33340 (PDTools SimulatorInterfaceClient): set peer_port.
 * - Peer time-out: no accepted datagram for GT7_PEER_TIMEOUT_US (5 s)
 *   while heartbeating counts stats.peer_timeouts (once per 5 s of
 *   silence) and heartbeating goes on. peer_ip 0 (capture import,
 *   passive listening): nothing is ever sent.
 * - With a peer, only the asked variant's size is accepted (another size
 *   is TB_ERR_LENGTH); without one, all three are.
 * - Packets flagged paused or loading (0x8E bits 1, 2), or not on track
 *   (bit 0 clear: menus, replays without data), make no frame: counted
 *   (kinds "paused", "loading", "off_track"). The recordings show the
 *   paused flag (with on-track clear) on two packets in the middle of a
 *   flying lap, the car at full throttle and the counter running (a pause
 *   menu online does not stop the simulation): so the derived distance
 *   bridges such packets, trapezoid over the gap, as long as the counter
 *   gap stays under 5 s; a longer gap adds no distance.
 * - TB_CH_TIME: the packet counter at 0x70 / 60 (the console's 60 Hz
 *   simulation tick, the rate the game sends at), 0 at the session's
 *   first packet. A counter equal to or up to 120 ticks (2 s) behind the
 *   last one is a duplicate or late datagram: dropped, counted as
 *   discarded. Further back starts a new session.
 * - Laps: lap number = the current lap at 0x74 (frames with lap <= 0,
 *   before a race start, are counted but not assembled); when it moves
 *   on, the lap's time is the last-lap time at 0x7C (ms, -1 none). GT7
 *   sends no sector times, validity or pit state. A lap counts as started
 *   at the line only when its counter change was seen in the stream.
 * - TB_CH_LAP_DIST and TB_CH_LAP_TIME are DERIVED, not sent by the game:
 *   distance integrates speed (0x4C, trapezoids over the packet counter's
 *   time) from the packet where the lap counter changed; time is the
 *   counter's ticks since then / 60. Both absent for a lap joined
 *   mid-way. Accuracy: the line crossing is known to one packet (1/60 s),
 *   and speed is the car's, not the racing line's.
 * - No g-forces: the console sends world velocity, and its orientation
 *   (0x1C..0x2B: PDTools reads "pitch/yaw/roll in -1..1" plus "relative
 *   orientation to north"; in the recordings the four floats form a unit
 *   quaternion, but its component order and handedness are unsourced) is
 *   not settled, so velocity differences cannot be put on the car's axes
 *   with confidence; differencing 60 Hz velocities would also amplify
 *   lost packets. G channels stay absent, as do yaw, pitch and roll.
 * - Channels: speed, rpm, throttle and brake (u8/255), clutch pedal (0..1
 *   float), gear (low nibble of 0x90: 1..14 as is; 0 is reverse when the
 *   in-gear flag is set and neutral when not; 15 absent), world position
 *   and velocity (GT7 is Y up: x -> x, z -> y, y -> z), tyre surface
 *   temperatures (degC, FL FR RL RR as sent). Absent: fuel (the game's
 *   level is on a 0..capacity scale with capacity 100 for most cars, a
 *   percentage, not kg), steering (the 'B' angle is in radians with no
 *   lock angle to normalise by), water/oil temperature (constant 85 /
 *   110 in every recording), brakes temps, pressures, DRS, ERS, sector.
 * - Sessions: a new one when the car code, variant or game (GT7 / GT
 *   Sport) changes, when the packet counter goes back more than 2 s, after
 *   60 s without datagrams, or on flush. source_uid = now_us of the
 *   session's first packet; game TB_GAME_GT7 or TB_GAME_GT_SPORT;
 *   packet_format = the datagram size; track unknown (not sent). The car
 *   code at 0x124 is tb_car_info.team_id (the game's car id; no names).
 */
#ifndef TB_INGEST_GT7_H
#define TB_INGEST_GT7_H

#include "proto.h"

#define GT7_PORT	    33739u /* the console listens for heartbeats */
#define GT7_CLIENT_PORT	    33740u /* ... and answers the sender here */
#define GT_SPORT_PORT	    33339u /* GT Sport's pair: 33339 / 33340 */
#define GT7_MAGIC	    0x47375330u
#define GT7_TICK_HZ	    60
#define GT7_HEARTBEAT_US    1000000ll
#define GT7_PEER_TIMEOUT_US 5000000ll

enum gt7_variant {
	GT7_VARIANT_A,	   /* heartbeat 'A', 296 B */
	GT7_VARIANT_B,	   /* heartbeat 'B', 316 B */
	GT7_VARIANT_TILDE, /* heartbeat '~', 344 B */
	GT7_VARIANT__COUNT
};

#define GT7_SIZE_A     296u
#define GT7_SIZE_B     316u
#define GT7_SIZE_TILDE 344u
#define GT7_SIZE_MAX   GT7_SIZE_TILDE

/* Flags at 0x8E. */
enum gt7_flag {
	GT7_FLAG_ON_TRACK = 1u << 0,
	GT7_FLAG_PAUSED = 1u << 1,
	GT7_FLAG_LOADING = 1u << 2,
	GT7_FLAG_IN_GEAR = 1u << 3,
	GT7_FLAG_HAS_TURBO = 1u << 4,
	GT7_FLAG_REV_LIMIT = 1u << 5,
	GT7_FLAG_HANDBRAKE = 1u << 6,
	GT7_FLAG_LIGHTS = 1u << 7,
	GT7_FLAG_HIGH_BEAM = 1u << 8,
	GT7_FLAG_LOW_BEAM = 1u << 9,
	GT7_FLAG_ASM = 1u << 10,
	GT7_FLAG_TCS = 1u << 11
};

/* What an accepted datagram was; the index of ingest_stats.kinds[]. */
enum gt7_kind {
	GT7_KIND_A,	    /* GT7 'A' packet that made a frame */
	GT7_KIND_B,	    /* ... 'B' */
	GT7_KIND_TILDE,	    /* ... '~' */
	GT7_KIND_GT_SPORT,  /* GT Sport packet that made a frame */
	GT7_KIND_PAUSED,    /* flagged paused: no frame */
	GT7_KIND_LOADING,   /* flagged loading: no frame */
	GT7_KIND_OFF_TRACK, /* not on track: no frame */
	GT7_KIND__COUNT
};

/* One datagram, decrypted and decoded. Every plaintext byte is a field,
 * so encode(decode(bytes)) gives the bytes back. Fields a variant does
 * not carry are 0. Wheel arrays are FL, FR, RL, RR (the wire's order). */
struct gt7_packet {
	enum gt7_variant variant;
	bool gt_sport;	   /* decrypted with the GT Sport key */
	uint32_t iv;	   /* iv1: the clear bytes at 0x40 */
	float pos[3];	   /* world m, Y up */
	float vel[3];	   /* world m/s */
	float rot[3];	   /* orientation, -1..1 (quaternion part) */
	float rel_north;   /* 0x28 "to north": 4th quaternion part */
	float ang_vel[3];  /* rad/s */
	float body_height; /* m */
	float rpm;
	float fuel_level, fuel_capacity; /* 0..capacity (100 for most cars) */
	float speed;			 /* m/s */
	float boost;			 /* bar + 1 */
	float oil_pressure;		 /* bar */
	float water_temp, oil_temp;	 /* degC */
	float tyre_temp[4];		 /* surface, degC */
	int32_t tick;			 /* packet counter, 60 Hz */
	int16_t lap, total_laps;
	int32_t best_lap_ms, last_lap_ms; /* -1 none */
	int32_t time_of_day_ms;
	int16_t position, n_cars; /* before the start; -1 after */
	uint16_t rpm_alert_min, rpm_alert_max;
	int16_t est_top_speed; /* km/h */
	uint16_t flags;	       /* enum gt7_flag */
	uint8_t gear; /* low nibble current, high suggested (15 none) */
	uint8_t throttle, brake; /* 0..255 */
	uint8_t pad_93;
	float road_plane[3], road_plane_dist;
	float wheel_rps[4];   /* rad/s */
	float tyre_radius[4]; /* m */
	float susp_height[4];
	float unknown_d4[8];
	float clutch, clutch_engage, rpm_after_clutch;
	float trans_top_speed; /* as a gear ratio */
	float gear_ratio[8];
	int32_t car_code;
	/* 'B' and '~' */
	float steer_rot, steer_vel; /* rad, rad/s */
	float sway, heave, surge;
	/* '~' only */
	uint8_t throttle_filtered, brake_filtered;
	uint8_t unknown_13e, unknown_13f;
	float torque_vector[4];
	float energy_recovery;
	float unknown_154;
};

/* Datagram size of a variant (0 if invalid), its heartbeat byte ('A',
 * 'B', '~'; 0 if invalid), and the variant of a size or heartbeat byte
 * (-1 if none). */
size_t gt7_variant_size(enum gt7_variant v);
char gt7_variant_char(enum gt7_variant v);
int gt7_variant_of_size(size_t len);
int gt7_variant_of_char(char c);

/* Encrypt (or decrypt: the same XOR) buf in place as the console does for
 * a datagram of len bytes (a variant's size) with iv1, then store iv1 in
 * clear at 0x40. gt_sport picks the GT Sport key. TB_ERR_LENGTH for a
 * length that is no variant's (GT Sport: only 296). */
enum tb_status gt7_encrypt(uint8_t *buf, size_t len, uint32_t iv1,
			   bool gt_sport) TB_WUR;

/* Decrypt the datagram buf (len bytes) into plain (at least len bytes).
 * Checks, in order: at least 296 bytes (TB_ERR_TRUNCATED), a variant's
 * size (TB_ERR_LENGTH), the magic after decrypting with the GT7 key or,
 * for 296 bytes, the GT Sport key (TB_ERR_FORMAT "wrong magic
 * (key/IV)"). *gt_sport (may be NULL) says which key fitted. */
enum tb_status gt7_decrypt(const uint8_t *buf, size_t len, uint8_t *plain,
			   bool *gt_sport, struct tb_error *err) TB_WUR;

/* True if buf is a GT7 / GT Sport datagram: a variant's size and the
 * magic after decrypting (one Salsa20 block, two for a 296-byte miss). */
bool gt7_sniff(const uint8_t *buf, size_t len);

/* Decrypt and decode one datagram into *out (cleared first); the checks
 * of gt7_decrypt. Never allocates. */
enum tb_status gt7_decode(const uint8_t *buf, size_t len,
			  struct gt7_packet *out, struct tb_error *err) TB_WUR;

/* Encode p as the console would: the variant's layout, magic, encrypted
 * with p->iv (and the GT Sport key if p->gt_sport; GT Sport is variant
 * 'A' only, else TB_ERR_ARG). Writes gt7_variant_size() bytes into buf
 * (TB_ERR_LIMIT if cap is smaller) and stores the count in *out_len. */
enum tb_status gt7_encode(const struct gt7_packet *p, uint8_t *buf, size_t cap,
			  size_t *out_len) TB_WUR;

/* The packet a console would send for car `car` of a generated frame
 * (gen.h) in variant v: iv1 derived from the frame id, packet counter =
 * frame id, lap counter and last-lap time from LapData. */
enum tb_status gt7_from_gen(const struct gen_frame *f, unsigned car,
			    enum gt7_variant v, struct gt7_packet *out) TB_WUR;

/* The "gt7" protocol. */
extern const struct ingest_proto ingest_proto_gt7;

#endif /* TB_INGEST_GT7_H */

/* gt7.c - Gran Turismo 7 / GT Sport "Simulator Interface": Salsa20
 * decryption (salsa20.h), the three layouts decoded and encoded with
 * explicit little-endian reads at fixed offsets after an exact length and
 * magic check, and the "gt7" ingest protocol that heartbeats the console
 * from tick() and turns the stream into frames, laps (lap_asm, one car)
 * and sessions. Decisions are listed in gt7.h. */
#include "gt7.h"
#include "ingest_int.h"

#include <math.h>

#include "salsa20.h"

/* ------------------------------------------------------------------ */
/* Wire layout (plaintext after decryption). Sources: Nenkai/PDTools
 * PDTools.SimulatorInterface/SimulatorPacket.cs (296-byte fields, flags
 * enum, "gear ratios: 7 + one memcpy'd past them"), PDTools.Crypto
 * SimulationInterface/SimulatorInterfaceCryptorGT7.cs / ...GTSport.cs and
 * Salsa20.cs (keys, IV, key cut to 32 bytes), profittlich/gt7speedboard
 * src/receiver/GT7TelemetryReceiver.cpp (per-size IV masks) and
 * src/cardata/TelemetryPointGT7.cpp ('B' and '~' offsets), GeekyDeaks/
 * sim-to-motec stm/gt7/packet.py. Little-endian, packed; checked against
 * the gt7-speedboard recordings (every packet decrypts, magic at 0).
 *
 * 0x00 u32 magic 0x47375330     0x04 f32 position x,y,z (Y up)
 * 0x10 f32 velocity x,y,z       0x1C f32 rotation x,y,z   0x28 f32 north
 * 0x2C f32 angular velocity xyz 0x38 f32 body height      0x3C f32 rpm
 * 0x40 u32 iv1 (clear on the wire, garbage after decryption)
 * 0x44 f32 fuel level  0x48 fuel capacity  0x4C speed m/s  0x50 boost
 * 0x54 oil pressure  0x58 water temp  0x5C oil temp  0x60 tyre temp x4
 * 0x70 i32 packet counter  0x74 i16 lap  0x76 i16 total laps
 * 0x78 i32 best lap ms  0x7C i32 last lap ms  0x80 i32 time of day ms
 * 0x84 i16 position  0x86 i16 cars  0x88 u16 rpm alert min  0x8A max
 * 0x8C i16 est. top speed  0x8E u16 flags  0x90 u8 gear (lo cur, hi sugg)
 * 0x91 u8 throttle  0x92 u8 brake  0x93 u8 pad
 * 0x94 f32 road plane x,y,z  0xA0 distance  0xA4 wheel rad/s x4
 * 0xB4 tyre radius x4  0xC4 suspension height x4  0xD4 8 unknown f32
 * 0xF4 clutch  0xF8 clutch engagement  0xFC rpm after clutch
 * 0x100 transmission top speed  0x104 gear ratio x8  0x124 i32 car code
 * 'B': 0x128 steering rad  0x12C steering rad/s  0x130 sway, heave, surge
 * '~': 0x13C u8 throttle filtered  0x13D brake filtered  0x13E, 0x13F u8
 *      0x140 f32 torque vector x4  0x150 energy recovery  0x154 unknown */

#define OFF_MAGIC	0x00
#define OFF_POS		0x04
#define OFF_VEL		0x10
#define OFF_ROT		0x1C
#define OFF_NORTH	0x28
#define OFF_ANG_VEL	0x2C
#define OFF_BODY_HEIGHT 0x38
#define OFF_RPM		0x3C
#define OFF_IV		0x40
#define OFF_FUEL	0x44
#define OFF_FUEL_CAP	0x48
#define OFF_SPEED	0x4C
#define OFF_BOOST	0x50
#define OFF_OIL_PRESS	0x54
#define OFF_WATER	0x58
#define OFF_OIL_TEMP	0x5C
#define OFF_TYRE_TEMP	0x60
#define OFF_TICK	0x70
#define OFF_LAP		0x74
#define OFF_TOTAL_LAPS	0x76
#define OFF_BEST	0x78
#define OFF_LAST	0x7C
#define OFF_TOD		0x80
#define OFF_POSITION	0x84
#define OFF_N_CARS	0x86
#define OFF_ALERT_MIN	0x88
#define OFF_ALERT_MAX	0x8A
#define OFF_TOP_SPEED	0x8C
#define OFF_FLAGS	0x8E
#define OFF_GEAR	0x90
#define OFF_THROTTLE	0x91
#define OFF_BRAKE	0x92
#define OFF_PAD93	0x93
#define OFF_ROAD_PLANE	0x94
#define OFF_ROAD_DIST	0xA0
#define OFF_WHEEL_RPS	0xA4
#define OFF_TYRE_RADIUS 0xB4
#define OFF_SUSP	0xC4
#define OFF_UNKNOWN_D4	0xD4
#define OFF_CLUTCH	0xF4
#define OFF_CLUTCH_ENG	0xF8
#define OFF_RPM_CLUTCH	0xFC
#define OFF_TRANS_TOP	0x100
#define OFF_GEAR_RATIO	0x104
#define OFF_CAR_CODE	0x124
#define OFF_STEER	0x128
#define OFF_STEER_VEL	0x12C
#define OFF_SWAY	0x130
#define OFF_HEAVE	0x134
#define OFF_SURGE	0x138
#define OFF_THR_FILT	0x13C
#define OFF_BRK_FILT	0x13D
#define OFF_UNK_13E	0x13E
#define OFF_UNK_13F	0x13F
#define OFF_TORQUE_VEC	0x140
#define OFF_ENERGY	0x150
#define OFF_UNK_154	0x154

/* Keys: the first 32 bytes of the games' strings (gt7.h). */
static const uint8_t key_gt7[32] = "Simulator Interface Packet GT7 v";
static const uint8_t key_gts[32] = "Simulator Interface Packet ver 0";

static const size_t sizes[GT7_VARIANT__COUNT] = {GT7_SIZE_A, GT7_SIZE_B,
						 GT7_SIZE_TILDE};
static const char chars[GT7_VARIANT__COUNT] = {'A', 'B', '~'};
static const uint32_t masks[GT7_VARIANT__COUNT] = {0xDEADBEAFu, 0xDEADBEEFu,
						   0x55FABB4Fu};

size_t gt7_variant_size(enum gt7_variant v)
{
	return (unsigned)v < GT7_VARIANT__COUNT ? sizes[v] : 0;
}

char gt7_variant_char(enum gt7_variant v)
{
	return (unsigned)v < GT7_VARIANT__COUNT ? chars[v] : 0;
}

int gt7_variant_of_size(size_t len)
{
	for (int i = 0; i < GT7_VARIANT__COUNT; i++)
		if (sizes[i] == len)
			return i;
	return -1;
}

int gt7_variant_of_char(char c)
{
	for (int i = 0; i < GT7_VARIANT__COUNT; i++)
		if (chars[i] == c)
			return i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Crypto */

static void key_of(bool gt_sport, struct salsa20_key *k)
{
	salsa20_key_init(k, gt_sport ? key_gts : key_gt7);
}

static void nonce_of(enum gt7_variant v, uint32_t iv1, uint8_t nonce[8])
{
	tb_st_u32le(nonce, iv1 ^ masks[v]);
	tb_st_u32le(nonce + 4, iv1);
}

/* The magic under one key: the first keystream block only. */
static bool magic_ok(const uint8_t *buf, enum gt7_variant v, bool gt_sport)
{
	struct salsa20_key k;
	uint8_t nonce[8], first[4];
	key_of(gt_sport, &k);
	nonce_of(v, tb_ld_u32le(buf + OFF_IV), nonce);
	salsa20_xor(&k, nonce, 0, buf, first, sizeof(first));
	return tb_ld_u32le(first) == GT7_MAGIC;
}

enum tb_status gt7_encrypt(uint8_t *buf, size_t len, uint32_t iv1,
			   bool gt_sport)
{
	int v = gt7_variant_of_size(len);
	if (v < 0 || (gt_sport && v != GT7_VARIANT_A))
		return TB_ERR_LENGTH;
	struct salsa20_key k;
	uint8_t nonce[8];
	key_of(gt_sport, &k);
	nonce_of((enum gt7_variant)v, iv1, nonce);
	salsa20_xor(&k, nonce, 0, buf, buf, len);
	tb_st_u32le(buf + OFF_IV, iv1);
	return TB_OK;
}

/* Length checks shared by sniff and decrypt: the variant, or a status. */
static enum tb_status check_len(size_t len, int *v, struct tb_error *err)
{
	if (len < GT7_SIZE_A)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "packet %zu bytes, GT7 needs at least %u", len,
			       GT7_SIZE_A);
	*v = gt7_variant_of_size(len);
	if (*v < 0)
		return tb_fail(err, TB_ERR_LENGTH,
			       "packet %zu bytes, GT7 expects 296 ('A'), 316 "
			       "('B') or 344 ('~')",
			       len);
	return TB_OK;
}

bool gt7_sniff(const uint8_t *buf, size_t len)
{
	int v;
	if (check_len(len, &v, NULL) != TB_OK)
		return false;
	if (magic_ok(buf, (enum gt7_variant)v, false))
		return true;
	return v == GT7_VARIANT_A && magic_ok(buf, GT7_VARIANT_A, true);
}

/* Decrypt all of buf under one key into plain; true if the magic fits. */
static bool decrypt_with(const uint8_t *buf, size_t len, enum gt7_variant v,
			 bool gt_sport, uint8_t *plain)
{
	struct salsa20_key k;
	uint8_t nonce[8];
	key_of(gt_sport, &k);
	nonce_of(v, tb_ld_u32le(buf + OFF_IV), nonce);
	salsa20_xor(&k, nonce, 0, buf, plain, len);
	return tb_ld_u32le(plain) == GT7_MAGIC;
}

enum tb_status gt7_decrypt(const uint8_t *buf, size_t len, uint8_t *plain,
			   bool *gt_sport, struct tb_error *err)
{
	int v;
	enum tb_status st = check_len(len, &v, err);
	if (st != TB_OK)
		return st;
	/* The whole packet at once: a real one needs no second pass. */
	bool gts = false;
	if (!decrypt_with(buf, len, (enum gt7_variant)v, false, plain)) {
		if (v != GT7_VARIANT_A ||
		    !decrypt_with(buf, len, GT7_VARIANT_A, true, plain))
			return tb_fail(err, TB_ERR_FORMAT,
				       "GT7 '%c' packet of %zu bytes: wrong "
				       "magic (key/IV)",
				       chars[v], len);
		gts = true;
	}
	if (gt_sport)
		*gt_sport = gts;
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Decoder */

static void ldf(const uint8_t *p, float *out, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = tb_ld_f32le(p + 4 * i);
}

static int16_t ld_i16(const uint8_t *p)
{
	return (int16_t)tb_ld_u16le(p);
}

static int32_t ld_i32(const uint8_t *p)
{
	return (int32_t)tb_ld_u32le(p);
}

static void parse_a(const uint8_t *b, struct gt7_packet *o)
{
	ldf(b + OFF_POS, o->pos, 3);
	ldf(b + OFF_VEL, o->vel, 3);
	ldf(b + OFF_ROT, o->rot, 3);
	o->rel_north = tb_ld_f32le(b + OFF_NORTH);
	ldf(b + OFF_ANG_VEL, o->ang_vel, 3);
	o->body_height = tb_ld_f32le(b + OFF_BODY_HEIGHT);
	o->rpm = tb_ld_f32le(b + OFF_RPM);
	o->fuel_level = tb_ld_f32le(b + OFF_FUEL);
	o->fuel_capacity = tb_ld_f32le(b + OFF_FUEL_CAP);
	o->speed = tb_ld_f32le(b + OFF_SPEED);
	o->boost = tb_ld_f32le(b + OFF_BOOST);
	o->oil_pressure = tb_ld_f32le(b + OFF_OIL_PRESS);
	o->water_temp = tb_ld_f32le(b + OFF_WATER);
	o->oil_temp = tb_ld_f32le(b + OFF_OIL_TEMP);
	ldf(b + OFF_TYRE_TEMP, o->tyre_temp, 4);
	o->tick = ld_i32(b + OFF_TICK);
	o->lap = ld_i16(b + OFF_LAP);
	o->total_laps = ld_i16(b + OFF_TOTAL_LAPS);
	o->best_lap_ms = ld_i32(b + OFF_BEST);
	o->last_lap_ms = ld_i32(b + OFF_LAST);
	o->time_of_day_ms = ld_i32(b + OFF_TOD);
	o->position = ld_i16(b + OFF_POSITION);
	o->n_cars = ld_i16(b + OFF_N_CARS);
	o->rpm_alert_min = tb_ld_u16le(b + OFF_ALERT_MIN);
	o->rpm_alert_max = tb_ld_u16le(b + OFF_ALERT_MAX);
	o->est_top_speed = ld_i16(b + OFF_TOP_SPEED);
	o->flags = tb_ld_u16le(b + OFF_FLAGS);
	o->gear = b[OFF_GEAR];
	o->throttle = b[OFF_THROTTLE];
	o->brake = b[OFF_BRAKE];
	o->pad_93 = b[OFF_PAD93];
	ldf(b + OFF_ROAD_PLANE, o->road_plane, 3);
	o->road_plane_dist = tb_ld_f32le(b + OFF_ROAD_DIST);
	ldf(b + OFF_WHEEL_RPS, o->wheel_rps, 4);
	ldf(b + OFF_TYRE_RADIUS, o->tyre_radius, 4);
	ldf(b + OFF_SUSP, o->susp_height, 4);
	ldf(b + OFF_UNKNOWN_D4, o->unknown_d4, 8);
	o->clutch = tb_ld_f32le(b + OFF_CLUTCH);
	o->clutch_engage = tb_ld_f32le(b + OFF_CLUTCH_ENG);
	o->rpm_after_clutch = tb_ld_f32le(b + OFF_RPM_CLUTCH);
	o->trans_top_speed = tb_ld_f32le(b + OFF_TRANS_TOP);
	ldf(b + OFF_GEAR_RATIO, o->gear_ratio, 8);
	o->car_code = ld_i32(b + OFF_CAR_CODE);
}

static void parse_b(const uint8_t *b, struct gt7_packet *o)
{
	o->steer_rot = tb_ld_f32le(b + OFF_STEER);
	o->steer_vel = tb_ld_f32le(b + OFF_STEER_VEL);
	o->sway = tb_ld_f32le(b + OFF_SWAY);
	o->heave = tb_ld_f32le(b + OFF_HEAVE);
	o->surge = tb_ld_f32le(b + OFF_SURGE);
}

static void parse_tilde(const uint8_t *b, struct gt7_packet *o)
{
	o->throttle_filtered = b[OFF_THR_FILT];
	o->brake_filtered = b[OFF_BRK_FILT];
	o->unknown_13e = b[OFF_UNK_13E];
	o->unknown_13f = b[OFF_UNK_13F];
	ldf(b + OFF_TORQUE_VEC, o->torque_vector, 4);
	o->energy_recovery = tb_ld_f32le(b + OFF_ENERGY);
	o->unknown_154 = tb_ld_f32le(b + OFF_UNK_154);
}

enum tb_status gt7_decode(const uint8_t *buf, size_t len,
			  struct gt7_packet *out, struct tb_error *err)
{
	memset(out, 0, sizeof(*out));
	uint8_t plain[GT7_SIZE_MAX];
	bool gts = false;
	enum tb_status st = gt7_decrypt(buf, len, plain, &gts, err);
	if (st != TB_OK)
		return st;
	/* gt7_decrypt accepted len: it is a variant's size. */
	out->variant = (enum gt7_variant)gt7_variant_of_size(len);
	out->gt_sport = gts;
	out->iv = tb_ld_u32le(buf + OFF_IV);
	parse_a(plain, out);
	if (out->variant >= GT7_VARIANT_B)
		parse_b(plain, out);
	if (out->variant == GT7_VARIANT_TILDE)
		parse_tilde(plain, out);
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Encoder */

static void stf(uint8_t *p, const float *v, int n)
{
	for (int i = 0; i < n; i++)
		tb_st_f32le(p + 4 * i, v[i]);
}

static void build_a(const struct gt7_packet *p, uint8_t *b)
{
	tb_st_u32le(b + OFF_MAGIC, GT7_MAGIC);
	stf(b + OFF_POS, p->pos, 3);
	stf(b + OFF_VEL, p->vel, 3);
	stf(b + OFF_ROT, p->rot, 3);
	tb_st_f32le(b + OFF_NORTH, p->rel_north);
	stf(b + OFF_ANG_VEL, p->ang_vel, 3);
	tb_st_f32le(b + OFF_BODY_HEIGHT, p->body_height);
	tb_st_f32le(b + OFF_RPM, p->rpm);
	tb_st_f32le(b + OFF_FUEL, p->fuel_level);
	tb_st_f32le(b + OFF_FUEL_CAP, p->fuel_capacity);
	tb_st_f32le(b + OFF_SPEED, p->speed);
	tb_st_f32le(b + OFF_BOOST, p->boost);
	tb_st_f32le(b + OFF_OIL_PRESS, p->oil_pressure);
	tb_st_f32le(b + OFF_WATER, p->water_temp);
	tb_st_f32le(b + OFF_OIL_TEMP, p->oil_temp);
	stf(b + OFF_TYRE_TEMP, p->tyre_temp, 4);
	tb_st_u32le(b + OFF_TICK, (uint32_t)p->tick);
	tb_st_u16le(b + OFF_LAP, (uint16_t)p->lap);
	tb_st_u16le(b + OFF_TOTAL_LAPS, (uint16_t)p->total_laps);
	tb_st_u32le(b + OFF_BEST, (uint32_t)p->best_lap_ms);
	tb_st_u32le(b + OFF_LAST, (uint32_t)p->last_lap_ms);
	tb_st_u32le(b + OFF_TOD, (uint32_t)p->time_of_day_ms);
	tb_st_u16le(b + OFF_POSITION, (uint16_t)p->position);
	tb_st_u16le(b + OFF_N_CARS, (uint16_t)p->n_cars);
	tb_st_u16le(b + OFF_ALERT_MIN, p->rpm_alert_min);
	tb_st_u16le(b + OFF_ALERT_MAX, p->rpm_alert_max);
	tb_st_u16le(b + OFF_TOP_SPEED, (uint16_t)p->est_top_speed);
	tb_st_u16le(b + OFF_FLAGS, p->flags);
	b[OFF_GEAR] = p->gear;
	b[OFF_THROTTLE] = p->throttle;
	b[OFF_BRAKE] = p->brake;
	b[OFF_PAD93] = p->pad_93;
	stf(b + OFF_ROAD_PLANE, p->road_plane, 3);
	tb_st_f32le(b + OFF_ROAD_DIST, p->road_plane_dist);
	stf(b + OFF_WHEEL_RPS, p->wheel_rps, 4);
	stf(b + OFF_TYRE_RADIUS, p->tyre_radius, 4);
	stf(b + OFF_SUSP, p->susp_height, 4);
	stf(b + OFF_UNKNOWN_D4, p->unknown_d4, 8);
	tb_st_f32le(b + OFF_CLUTCH, p->clutch);
	tb_st_f32le(b + OFF_CLUTCH_ENG, p->clutch_engage);
	tb_st_f32le(b + OFF_RPM_CLUTCH, p->rpm_after_clutch);
	tb_st_f32le(b + OFF_TRANS_TOP, p->trans_top_speed);
	stf(b + OFF_GEAR_RATIO, p->gear_ratio, 8);
	tb_st_u32le(b + OFF_CAR_CODE, (uint32_t)p->car_code);
}

static void build_b(const struct gt7_packet *p, uint8_t *b)
{
	tb_st_f32le(b + OFF_STEER, p->steer_rot);
	tb_st_f32le(b + OFF_STEER_VEL, p->steer_vel);
	tb_st_f32le(b + OFF_SWAY, p->sway);
	tb_st_f32le(b + OFF_HEAVE, p->heave);
	tb_st_f32le(b + OFF_SURGE, p->surge);
}

static void build_tilde(const struct gt7_packet *p, uint8_t *b)
{
	b[OFF_THR_FILT] = p->throttle_filtered;
	b[OFF_BRK_FILT] = p->brake_filtered;
	b[OFF_UNK_13E] = p->unknown_13e;
	b[OFF_UNK_13F] = p->unknown_13f;
	stf(b + OFF_TORQUE_VEC, p->torque_vector, 4);
	tb_st_f32le(b + OFF_ENERGY, p->energy_recovery);
	tb_st_f32le(b + OFF_UNK_154, p->unknown_154);
}

enum tb_status gt7_encode(const struct gt7_packet *p, uint8_t *buf, size_t cap,
			  size_t *out_len)
{
	size_t n = gt7_variant_size(p->variant);
	if (n == 0 || (p->gt_sport && p->variant != GT7_VARIANT_A))
		return TB_ERR_ARG;
	if (cap < n)
		return TB_ERR_LIMIT;
	memset(buf, 0, n);
	build_a(p, buf);
	if (p->variant >= GT7_VARIANT_B)
		build_b(p, buf);
	if (p->variant == GT7_VARIANT_TILDE)
		build_tilde(p, buf);
	enum tb_status st = gt7_encrypt(buf, n, p->iv, p->gt_sport);
	if (st != TB_OK)
		return st;
	*out_len = n;
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* From a generated F1 frame (gen.h) to a GT7 packet. */

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

static uint8_t pedal_u8(double v)
{
	return (uint8_t)lrint(clamp(v, 0.0, 1.0) * 255.0);
}

/* F1 wire wheel order RL, RR, FL, FR -> GT7 FL, FR, RL, RR. */
static const int f1_wheel[4] = {2, 3, 0, 1};

#define GEN_TYRE_RADIUS 0.33f
#define GEN_CAR_CODE	3000

enum tb_status gt7_from_gen(const struct gen_frame *f, unsigned car,
			    enum gt7_variant v, struct gt7_packet *o)
{
	if (car >= F1_CARS)
		return TB_ERR_RANGE;
	if ((unsigned)v >= GT7_VARIANT__COUNT)
		return TB_ERR_ARG;
	memset(o, 0, sizeof(*o));
	const struct f1_motion_car *m = &f->motion->u.motion[car];
	const struct f1_lap_car *l = &f->lap->u.lap.cars[car];
	const struct f1_telemetry_car *t = &f->telemetry->u.telemetry[car];
	const struct f1_status_car *s = &f->status->u.status[car];
	double speed = t->speed_kmh / TB_KMH_PER_MS;
	o->variant = v;
	/* A console's iv1 looks random per packet: mix the frame id. */
	o->iv = (f->frame_id + 1u) * 0x9E3779B1u ^ 0x5A17C0DEu;
	for (int i = 0; i < 3; i++) {
		o->pos[i] = m->pos[i]; /* both Y up */
		o->vel[i] = m->vel[i];
	}
	/* A rotation about Y (up) by the yaw, as quaternion parts. */
	o->rot[1] = (float)sin(m->yaw / 2.0);
	o->rel_north = (float)cos(m->yaw / 2.0);
	o->body_height = 0.08f;
	o->rpm = t->rpm;
	o->fuel_capacity = 100.0f;
	o->fuel_level =
	    s->fuel_capacity > 0
		? (float)(100.0 * s->fuel_in_tank / s->fuel_capacity)
		: 0.0f;
	o->speed = (float)speed;
	o->boost = 1.0f;
	o->oil_pressure = 4.0f;
	o->water_temp = 85.0f; /* what the game always sends */
	o->oil_temp = 110.0f;
	for (int w = 0; w < 4; w++) {
		o->tyre_temp[w] = t->tyre_surf_temp[f1_wheel[w]];
		o->wheel_rps[w] = (float)(speed / GEN_TYRE_RADIUS);
		o->tyre_radius[w] = GEN_TYRE_RADIUS;
		o->susp_height[w] = 0.1f;
	}
	o->tick = (int32_t)f->frame_id;
	o->lap = (int16_t)l->lap_num;
	o->best_lap_ms = -1; /* a single frame does not know the best */
	o->last_lap_ms = l->last_lap_ms > 0 ? (int32_t)l->last_lap_ms : -1;
	o->time_of_day_ms = 14 * 3600000 + (int32_t)lrint(f->t_s * 1000.0);
	o->position = -1;
	o->n_cars = -1;
	o->rpm_alert_min = (uint16_t)(s->max_rpm > 500 ? s->max_rpm - 500 : 0);
	o->rpm_alert_max = s->max_rpm;
	o->est_top_speed = 330;
	o->flags = GT7_FLAG_ON_TRACK;
	uint8_t gear = 0;
	if (t->gear != 0)
		o->flags |= GT7_FLAG_IN_GEAR; /* reverse is 0 + in gear */
	if (t->gear > 0)
		gear = (uint8_t)(t->gear & 0x0F);
	o->gear = (uint8_t)(0xF0 | gear); /* no suggested gear */
	o->throttle = pedal_u8(t->throttle);
	o->brake = pedal_u8(t->brake);
	o->road_plane[1] = 1.0f;
	o->clutch = (float)(t->clutch / 100.0);
	o->clutch_engage = 1.0f - o->clutch;
	o->rpm_after_clutch = t->rpm;
	o->car_code = GEN_CAR_CODE + (int32_t)car;
	if (v == GT7_VARIANT_A)
		return TB_OK;
	o->steer_rot = (float)(t->steer * 7.85); /* 900 degrees lock to lock */
	if (v == GT7_VARIANT_TILDE) {
		o->throttle_filtered = o->throttle;
		o->brake_filtered = o->brake;
	}
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* The protocol instance. */

#define SILENCE_US (60ll * 1000000)  /* a new session after this quiet */
#define LATE_TICKS (2 * GT7_TICK_HZ) /* back up to this: late datagram */
#define GAP_TICKS  (5 * GT7_TICK_HZ) /* no distance across longer gaps */

struct gt7_inst {
	ingest_lap_fn fn;
	void *ctx;
	struct ingest_stats st;
	struct gt7_packet pkt; /* decode scratch */
	struct lap_asm *laps;  /* one car, reused across sessions */
	int64_t last_now_us;
	/* the console */
	uint32_t peer_ip;
	uint16_t peer_port;
	enum gt7_variant want; /* the variant the heartbeat asks for */
	bool hb_started;
	int64_t next_hb_us;
	int64_t heard_us; /* last accepted datagram, or heartbeat start */
	/* the session */
	bool open;
	struct tb_session_info info;
	struct tb_car_info car;
	enum gt7_variant variant;
	bool gt_sport;
	int32_t car_code;
	int32_t tick0, last_tick;
	/* the lap in progress */
	bool lap_seen; /* lap holds the last lap counter seen */
	int16_t lap;
	bool start_known; /* this lap's counter change was seen */
	int32_t start_tick;
	double lap_dist;
	bool have_prev; /* integration base: prev_tick, prev_speed */
	int32_t prev_tick;
	double prev_speed;
};

static void on_lap(void *ctx, struct tb_lap *lap)
{
	struct gt7_inst *g = ctx;
	ingest__hand_over(g->fn, g->ctx, &g->info, &g->car, lap,
			  &g->st.laps, &g->st.laps_incomplete);
}

static void close_session(struct gt7_inst *g)
{
	if (!g->open)
		return;
	lap_asm_flush(g->laps);
	g->open = false;
	g->lap_seen = false;
	g->start_known = false;
	g->have_prev = false;
}

static void open_session(struct gt7_inst *g, const struct gt7_packet *p,
			 int64_t now_us)
{
	struct tb_session_info *in = &g->info;
	memset(in, 0, sizeof(*in));
	in->source_uid = (uint64_t)now_us;
	in->game = p->gt_sport ? TB_GAME_GT_SPORT : TB_GAME_GT7;
	in->packet_format = (uint16_t)gt7_variant_size(p->variant);
	in->track_id = -1;
	in->kind = TB_SESSION_UNKNOWN;
	in->game_session_type = -1;
	in->car_class = TB_CLASS_OTHER;
	in->weather = -1;
	in->start_unix_ms = now_us / 1000;
	memset(&g->car, 0, sizeof(g->car));
	g->car.team_id = p->car_code;
	g->car.race_number = -1;
	g->open = true;
	g->variant = p->variant;
	g->gt_sport = p->gt_sport;
	g->car_code = p->car_code;
	g->tick0 = p->tick;
	g->last_tick = p->tick;
	g->lap_seen = false;
	g->start_known = false;
	g->have_prev = false;
	g->st.sessions++;
}

/* Ticks from a to b, in 64 bits (the counter is a signed 32-bit). */
static int64_t ticks(int32_t a, int32_t b)
{
	return (int64_t)b - (int64_t)a;
}

/* True when p cannot belong to the open session. */
static bool restarted(const struct gt7_inst *g, const struct gt7_packet *p)
{
	return p->variant != g->variant || p->gt_sport != g->gt_sport ||
	       p->car_code != g->car_code ||
	       ticks(g->last_tick, p->tick) < -LATE_TICKS;
}

static void set_f(struct tb_frame *f, enum tb_channel ch, double v)
{
	if (isfinite(v))
		tb_frame_set(f, ch, v);
}

static void frame_of(const struct gt7_packet *p, struct tb_frame *f)
{
	set_f(f, TB_CH_SPEED, p->speed);
	set_f(f, TB_CH_RPM, p->rpm);
	tb_frame_set(f, TB_CH_THROTTLE, p->throttle / 255.0);
	tb_frame_set(f, TB_CH_BRAKE, p->brake / 255.0);
	if (p->clutch >= 0.0f && p->clutch <= 1.0f)
		tb_frame_set(f, TB_CH_CLUTCH, p->clutch);
	unsigned gear = p->gear & 0x0Fu;
	if (gear == 0)
		tb_frame_set(f, TB_CH_GEAR,
			     (p->flags & GT7_FLAG_IN_GEAR) ? -1 : 0);
	else if (gear != 15)
		tb_frame_set(f, TB_CH_GEAR, gear);
	/* Canonical x/y are the ground plane, z is up; GT7's Y is up. */
	set_f(f, TB_CH_POS_X, p->pos[0]);
	set_f(f, TB_CH_POS_Y, p->pos[2]);
	set_f(f, TB_CH_POS_Z, p->pos[1]);
	set_f(f, TB_CH_VEL_X, p->vel[0]);
	set_f(f, TB_CH_VEL_Y, p->vel[2]);
	set_f(f, TB_CH_VEL_Z, p->vel[1]);
	for (int w = 0; w < 4; w++)
		set_f(f, TB_CH_TYRE_SURF_FL + w, p->tyre_temp[w]);
}

/* Distance and time into the lap (derived; gt7.h), then lap assembly. */
static void take_lap(struct gt7_inst *g, const struct gt7_packet *p,
		     struct tb_frame *f)
{
	double v = isfinite(p->speed) ? p->speed : 0.0;
	if (!g->lap_seen || p->lap != g->lap) {
		/* The counter moved on in the stream: this lap starts here. */
		g->start_known = g->lap_seen;
		g->start_tick = p->tick;
		g->lap_dist = 0.0;
		g->lap_seen = true;
		g->lap = p->lap;
	} else if (g->have_prev) {
		int64_t dt = ticks(g->prev_tick, p->tick);
		if (dt > 0 && dt <= GAP_TICKS)
			g->lap_dist += 0.5 * (g->prev_speed + v) *
				       ((double)dt / GT7_TICK_HZ);
	}
	g->have_prev = true;
	g->prev_tick = p->tick;
	g->prev_speed = v;
	if (p->lap <= 0)
		return; /* before the start: frames only */
	struct lap_state ls;
	memset(&ls, 0, sizeof(ls));
	ls.lap_num = (uint32_t)p->lap;
	ls.last_lap_ms = p->last_lap_ms;
	ls.cur_lap_ms = -1;
	if (g->start_known) {
		int64_t in = ticks(g->start_tick, p->tick);
		tb_frame_set(f, TB_CH_LAP_DIST, g->lap_dist);
		tb_frame_set(f, TB_CH_LAP_TIME, (double)in / GT7_TICK_HZ);
		ls.cur_lap_ms = (int32_t)((in * 1000) / GT7_TICK_HZ);
	}
	/* NOMEM / LIMIT are counted by the assembler as discarded. */
	if (lap_asm_frame(g->laps, 0, f, &ls) != TB_OK)
		g->st.frame_errors++;
}

static void take(struct gt7_inst *g, const struct gt7_packet *p, int64_t now_us)
{
	if (g->open && restarted(g, p))
		close_session(g);
	if (!g->open) {
		open_session(g, p, now_us);
	} else if (ticks(g->last_tick, p->tick) <= 0) {
		g->st.discarded++; /* duplicate or late datagram */
		return;
	}
	g->last_tick = p->tick;
	struct tb_frame f;
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_TIME,
		     (double)ticks(g->tick0, p->tick) / GT7_TICK_HZ);
	frame_of(p, &f);
	g->st.frames++;
	take_lap(g, p, &f);
}

/* The kind of an accepted packet; frames only for the first four. */
static enum gt7_kind kind_of(const struct gt7_packet *p)
{
	if (p->flags & GT7_FLAG_PAUSED)
		return GT7_KIND_PAUSED;
	if (p->flags & GT7_FLAG_LOADING)
		return GT7_KIND_LOADING;
	if (!(p->flags & GT7_FLAG_ON_TRACK))
		return GT7_KIND_OFF_TRACK;
	if (p->gt_sport)
		return GT7_KIND_GT_SPORT;
	return (enum gt7_kind)p->variant;
}

static enum tb_status inst_datagram(void *inst, const uint8_t *buf, size_t len,
				    int64_t now_us, struct tb_error *err)
{
	struct gt7_inst *g = inst;
	g->st.datagrams++;
	g->st.bytes += len;
	enum tb_status st;
	if (g->peer_ip && len >= GT7_SIZE_A && len != sizes[g->want] &&
	    gt7_variant_of_size(len) >= 0) {
		st = tb_fail(err, TB_ERR_LENGTH,
			     "GT7 packet of %zu bytes, the heartbeat '%c' "
			     "asks for %zu",
			     len, chars[g->want], sizes[g->want]);
	} else {
		st = gt7_decode(buf, len, &g->pkt, err);
	}
	if (st != TB_OK) {
		g->st.rejected[ingest_reject_of(st)]++;
		return st;
	}
	g->st.accepted++;
	g->heard_us = now_us;
	if (g->open && now_us - g->last_now_us > SILENCE_US)
		close_session(g);
	g->last_now_us = now_us;
	enum gt7_kind k = kind_of(&g->pkt);
	g->st.kinds[k]++;
	if (k >= GT7_KIND_PAUSED)
		return TB_OK; /* distance bridges it up to GAP_TICKS (gt7.h) */
	take(g, &g->pkt, now_us);
	return TB_OK;
}

static void send_heartbeat(struct gt7_inst *g, int64_t now_us,
			   const struct ingest_io *io)
{
	g->next_hb_us = now_us + GT7_HEARTBEAT_US;
	if (!g->hb_started) {
		g->hb_started = true;
		g->heard_us = now_us; /* silence counts from the first one */
	}
	if (!io || !io->send)
		return;
	uint8_t b = (uint8_t)chars[g->want];
	if (io->send(io->ctx, g->peer_ip, g->peer_port, &b, 1) == TB_OK)
		g->st.sent++;
}

static void inst_tick(void *inst, int64_t now_us, const struct ingest_io *io)
{
	struct gt7_inst *g = inst;
	if (g->open && now_us - g->last_now_us > SILENCE_US)
		close_session(g);
	if (!g->peer_ip)
		return; /* passive: never send */
	if (!g->hb_started || now_us >= g->next_hb_us)
		send_heartbeat(g, now_us, io);
	if (now_us - g->heard_us >= GT7_PEER_TIMEOUT_US) {
		g->st.peer_timeouts++;
		g->heard_us = now_us; /* once per 5 s of silence */
	}
}

static enum tb_status inst_create(const struct ingest_opts *opts,
				  ingest_lap_fn fn, void *ctx, void **out)
{
	*out = NULL;
	if (!fn)
		return TB_ERR_ARG;
	int want = GT7_VARIANT_A;
	if (opts && opts->variant) {
		want = gt7_variant_of_char(opts->variant);
		if (want < 0)
			return TB_ERR_ARG;
	}
	struct gt7_inst *g = tb_calloc(1, sizeof(*g));
	if (!g)
		return TB_ERR_NOMEM;
	enum tb_status st = lap_asm_create(1, on_lap, g, &g->laps);
	if (st != TB_OK) {
		tb_free(g);
		return st;
	}
	g->fn = fn;
	g->ctx = ctx;
	g->want = (enum gt7_variant)want;
	if (opts)
		lap_asm_observe(g->laps, &opts->live, &g->info, &g->car);
	if (opts && opts->peer_ip) {
		g->peer_ip = opts->peer_ip;
		g->peer_port = opts->peer_port ? opts->peer_port : GT7_PORT;
	}
	*out = g;
	return TB_OK;
}

static void inst_destroy(void *inst)
{
	struct gt7_inst *g = inst;
	if (!g)
		return;
	lap_asm_destroy(g->laps);
	tb_free(g);
}

static void inst_flush(void *inst)
{
	close_session(inst);
}

static void inst_stats(const void *inst, struct ingest_stats *out)
{
	const struct gt7_inst *g = inst;
	*out = g->st;
	const struct lap_asm_stats *as = lap_asm_stats(g->laps);
	out->rewinds += as->rewinds;
	out->discarded += as->discarded;
}

static const char *inst_kind_name(unsigned i)
{
	static const char *const names[GT7_KIND__COUNT] = {
	    "A", "B", "~", "gt_sport", "paused", "loading", "off_track"};
	return i < GT7_KIND__COUNT ? names[i] : NULL;
}

static enum tb_status inst_gen_encode(const struct gen_frame *f, unsigned car,
				      char variant, uint8_t *buf, size_t cap,
				      size_t *len)
{
	int v = variant ? gt7_variant_of_char(variant) : GT7_VARIANT_A;
	if (v < 0)
		return TB_ERR_ARG;
	struct gt7_packet p;
	enum tb_status st = gt7_from_gen(f, car, (enum gt7_variant)v, &p);
	if (st != TB_OK)
		return st;
	return gt7_encode(&p, buf, cap, len);
}

const struct ingest_proto ingest_proto_gt7 = {
    .version = 1,
    .name = "gt7",
    .title = "Gran Turismo 7 / GT Sport",
    .default_port = GT7_CLIENT_PORT,
    .sniff = gt7_sniff,
    .create = inst_create,
    .destroy = inst_destroy,
    .datagram = inst_datagram,
    .tick = inst_tick,
    .flush = inst_flush,
    .stats = inst_stats,
    .kind_name = inst_kind_name,
    .gen_encode = inst_gen_encode,
};

/* forza.c - Forza "Data Out" (FM7, FH4/FH5, FM2023): the four fixed
 * layouts decoded and encoded with explicit little-endian reads at fixed
 * offsets after an exact length check, and the "forza" ingest protocol
 * that turns a stream of them into canonical frames, laps (via lap_asm,
 * one car) and sessions. Decisions are listed in forza.h. */
#include "forza.h"
#include "ingest_int.h"

#include <math.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Wire layout. Sources: Turn 10's "Forza Motorsport 7 'Data Out' feature
 * details" (forums.forza.net/t/74013: Sled and Dash structures, field
 * comments), the FM2023 page (support.forzamotorsport.net article
 * 21742934024211: Dash + TireWear x4 + TrackOrdinal), geeooff/
 * forza-data-web Core/ForzaDataReader.*.cs and the Core struct files (the
 * Horizon block: CarCategory + 2 unknown s32 at 232, Dash shifted +12,
 * 1 trailing byte), baamhittn/forza include.h, nettrom/forza_motorsport
 * fdp.py. All little-endian, packed, no padding.
 *
 * Sled (every layout), absolute offsets:
 *   0 s32 IsRaceOn           4 u32 TimestampMS (wraps)
 *   8 f32 EngineMaxRpm      12 f32 EngineIdleRpm   16 f32 CurrentEngineRpm
 *  20 f32 AccelerationX,Y,Z (to 32)  32 f32 VelocityX,Y,Z (to 44)
 *  44 f32 AngularVelocityX,Y,Z (to 56)
 *  56 f32 Yaw  60 f32 Pitch  64 f32 Roll
 *  68 f32 NormalizedSuspensionTravel FL,FR,RL,RR   84 f32 TireSlipRatio x4
 * 100 f32 WheelRotationSpeed x4 (rad/s)           116 s32 WheelOnRumbleStrip x4
 * 132 f32 WheelInPuddleDepth x4   148 f32 SurfaceRumble x4
 * 164 f32 TireSlipAngle x4        180 f32 TireCombinedSlip x4
 * 196 f32 SuspensionTravelMeters x4
 * 212 s32 CarOrdinal 216 CarClass 220 CarPerformanceIndex 224 DrivetrainType
 * 228 s32 NumCylinders                                             -> 232
 * Horizon block (324 only): 232 s32 CarCategory, 236/240 s32 unknown.
 * Dash block at B = 232 (Dash, Motorsport) or 244 (Horizon):
 * B+0 f32 PositionX,Y,Z  B+12 Speed  B+16 Power  B+20 Torque
 * B+24 f32 TireTemp FL,FR,RL,RR  B+40 Boost  B+44 Fuel  B+48 DistanceTraveled
 * B+52 BestLap  B+56 LastLap  B+60 CurrentLap  B+64 CurrentRaceTime
 * B+68 u16 LapNumber  B+70 u8 RacePosition  B+71 u8 Accel  B+72 Brake
 * B+73 Clutch  B+74 HandBrake  B+75 Gear  B+76 s8 Steer
 * B+77 s8 NormalizedDrivingLine  B+78 s8 NormalizedAIBrakeDifference -> B+79
 * Horizon: 323 u8 trailing byte -> 324.
 * Motorsport: 311 f32 TireWear FL,FR,RL,RR  327 s32 TrackOrdinal -> 331. */

#define OFF_RACE_ON 0
#define OFF_TIMESTAMP 4
#define OFF_MAX_RPM 8
#define OFF_IDLE_RPM 12
#define OFF_RPM 16
#define OFF_ACCEL 20
#define OFF_VEL 32
#define OFF_ANG_VEL 44
#define OFF_YAW 56
#define OFF_PITCH 60
#define OFF_ROLL 64
#define OFF_SUSP_NORM 68
#define OFF_SLIP_RATIO 84
#define OFF_WHEEL_ROT 100
#define OFF_RUMBLE 116
#define OFF_PUDDLE 132
#define OFF_SURF_RUMBLE 148
#define OFF_SLIP_ANGLE 164
#define OFF_COMB_SLIP 180
#define OFF_SUSP_M 196
#define OFF_CAR_ORDINAL 212
#define OFF_CAR_CLASS 216
#define OFF_CAR_PI 220
#define OFF_DRIVETRAIN 224
#define OFF_CYLINDERS 228
#define OFF_HZ_CATEGORY 232
#define OFF_HZ_UNKNOWN 236
#define DASH_BASE 232
#define DASH_BASE_HORIZON 244
#define D_POS 0
#define D_SPEED 12
#define D_POWER 16
#define D_TORQUE 20
#define D_TYRE_TEMP 24
#define D_BOOST 40
#define D_FUEL 44
#define D_DISTANCE 48
#define D_BEST 52
#define D_LAST 56
#define D_CURRENT 60
#define D_RACE_TIME 64
#define D_LAP_NUMBER 68
#define D_POSITION 70
#define D_ACCEL 71
#define D_BRAKE 72
#define D_CLUTCH 73
#define D_HANDBRAKE 74
#define D_GEAR 75
#define D_STEER 76
#define D_LINE 77
#define D_AI_BRAKE 78
#define D_FLOATS 17 /* f32 fields from B+0 to B+68 */
#define OFF_HZ_PAD 323
#define OFF_TYRE_WEAR 311
#define OFF_TRACK 327

/* Floats beyond this magnitude (or infinite) mean "not a Forza packet":
 * no field of a real one (distances in m, rpm, W, degF) comes near. */
#define FLOAT_LIMIT 1e9f

static const size_t layout_sizes[FORZA_LAYOUT__COUNT] = {
	FORZA_SLED_SIZE, FORZA_DASH_SIZE, FORZA_HORIZON_SIZE,
	FORZA_MOTORSPORT_SIZE};

size_t forza_layout_size(enum forza_layout l)
{
	return (unsigned)l < FORZA_LAYOUT__COUNT ? layout_sizes[l] : 0;
}

const char *forza_layout_name(enum forza_layout l)
{
	static const char *const names[FORZA_LAYOUT__COUNT] = {
		"sled", "dash", "horizon", "motorsport"};
	return (unsigned)l < FORZA_LAYOUT__COUNT ? names[l] : "?";
}

enum tb_game forza_layout_game(enum forza_layout l)
{
	switch (l) {
	case FORZA_SLED:
	case FORZA_DASH:
		return TB_GAME_FORZA_M7;
	case FORZA_HORIZON:
		return TB_GAME_FORZA_H4;
	case FORZA_MOTORSPORT:
		return TB_GAME_FORZA_M2023;
	default:
		return TB_GAME_UNKNOWN;
	}
}

/* Layout of a datagram length; -1 if none. */
static int layout_of(size_t len)
{
	for (int i = 0; i < FORZA_LAYOUT__COUNT; i++)
		if (layout_sizes[i] == len)
			return i;
	return -1;
}

static size_t dash_base(enum forza_layout l)
{
	return l == FORZA_HORIZON ? DASH_BASE_HORIZON : DASH_BASE;
}

static bool plausible(float f)
{
	/* NaN compares false: tolerated (its channel is left absent). */
	return !(fabsf(f) > FLOAT_LIMIT);
}

/* Offset of the first implausible float, or 0 if all are plausible
 * (offset 0 is IsRaceOn, never a float). len is a valid layout size. */
static size_t bad_float(const uint8_t *buf, enum forza_layout l)
{
	for (size_t o = OFF_MAX_RPM; o < OFF_RUMBLE; o += 4)
		if (!plausible(tb_ld_f32le(buf + o)))
			return o;
	for (size_t o = OFF_PUDDLE; o < OFF_CAR_ORDINAL; o += 4)
		if (!plausible(tb_ld_f32le(buf + o)))
			return o;
	if (l == FORZA_SLED)
		return 0;
	size_t b = dash_base(l);
	for (size_t i = 0; i < D_FLOATS; i++)
		if (!plausible(tb_ld_f32le(buf + b + 4 * i)))
			return b + 4 * i;
	if (l == FORZA_MOTORSPORT)
		for (size_t o = OFF_TYRE_WEAR; o < OFF_TRACK; o += 4)
			if (!plausible(tb_ld_f32le(buf + o)))
				return o;
	return 0;
}

/* Length and content checks shared by sniff and decode. */
static enum tb_status check(const uint8_t *buf, size_t len,
			    struct tb_error *err)
{
	if (len < FORZA_SLED_SIZE)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "packet %zu bytes, Forza needs at least %u",
			       len, FORZA_SLED_SIZE);
	int l = layout_of(len);
	if (l < 0)
		return tb_fail(err, TB_ERR_LENGTH,
			       "packet %zu bytes, Forza expects 232, 311, 324 "
			       "or 331",
			       len);
	int32_t on = (int32_t)tb_ld_u32le(buf + OFF_RACE_ON);
	if (on != 0 && on != 1)
		return tb_fail(err, TB_ERR_FORMAT,
			       "Forza %s packet: IsRaceOn %d, expects 0 or 1",
			       forza_layout_name(l), (int)on);
	size_t bad = bad_float(buf, (enum forza_layout)l);
	if (bad)
		return tb_fail(err, TB_ERR_FORMAT,
			       "Forza %s packet: float at offset %zu is %g",
			       forza_layout_name(l), bad,
			       (double)tb_ld_f32le(buf + bad));
	return TB_OK;
}

bool forza_sniff(const uint8_t *buf, size_t len)
{
	return check(buf, len, NULL) == TB_OK;
}

static void ld4(const uint8_t *p, float out[4])
{
	for (int i = 0; i < 4; i++)
		out[i] = tb_ld_f32le(p + 4 * i);
}

static void ld4i(const uint8_t *p, int32_t out[4])
{
	for (int i = 0; i < 4; i++)
		out[i] = (int32_t)tb_ld_u32le(p + 4 * i);
}

static int32_t ld_i32(const uint8_t *p)
{
	return (int32_t)tb_ld_u32le(p);
}

static void decode_sled(const uint8_t *b, struct forza_packet *o)
{
	o->is_race_on = ld_i32(b + OFF_RACE_ON);
	o->timestamp_ms = tb_ld_u32le(b + OFF_TIMESTAMP);
	o->engine_max_rpm = tb_ld_f32le(b + OFF_MAX_RPM);
	o->engine_idle_rpm = tb_ld_f32le(b + OFF_IDLE_RPM);
	o->current_engine_rpm = tb_ld_f32le(b + OFF_RPM);
	for (int i = 0; i < 3; i++) {
		o->accel[i] = tb_ld_f32le(b + OFF_ACCEL + 4 * i);
		o->vel[i] = tb_ld_f32le(b + OFF_VEL + 4 * i);
		o->ang_vel[i] = tb_ld_f32le(b + OFF_ANG_VEL + 4 * i);
	}
	o->yaw = tb_ld_f32le(b + OFF_YAW);
	o->pitch = tb_ld_f32le(b + OFF_PITCH);
	o->roll = tb_ld_f32le(b + OFF_ROLL);
	ld4(b + OFF_SUSP_NORM, o->susp_norm);
	ld4(b + OFF_SLIP_RATIO, o->slip_ratio);
	ld4(b + OFF_WHEEL_ROT, o->wheel_rot_speed);
	ld4i(b + OFF_RUMBLE, o->on_rumble);
	ld4(b + OFF_PUDDLE, o->puddle_depth);
	ld4(b + OFF_SURF_RUMBLE, o->surface_rumble);
	ld4(b + OFF_SLIP_ANGLE, o->slip_angle);
	ld4(b + OFF_COMB_SLIP, o->combined_slip);
	ld4(b + OFF_SUSP_M, o->susp_travel_m);
	o->car_ordinal = ld_i32(b + OFF_CAR_ORDINAL);
	o->car_class = ld_i32(b + OFF_CAR_CLASS);
	o->car_pi = ld_i32(b + OFF_CAR_PI);
	o->drivetrain = ld_i32(b + OFF_DRIVETRAIN);
	o->num_cylinders = ld_i32(b + OFF_CYLINDERS);
}

static void decode_dash(const uint8_t *d, struct forza_packet *o)
{
	for (int i = 0; i < 3; i++)
		o->pos[i] = tb_ld_f32le(d + D_POS + 4 * i);
	o->speed = tb_ld_f32le(d + D_SPEED);
	o->power = tb_ld_f32le(d + D_POWER);
	o->torque = tb_ld_f32le(d + D_TORQUE);
	ld4(d + D_TYRE_TEMP, o->tyre_temp);
	o->boost = tb_ld_f32le(d + D_BOOST);
	o->fuel = tb_ld_f32le(d + D_FUEL);
	o->distance = tb_ld_f32le(d + D_DISTANCE);
	o->best_lap = tb_ld_f32le(d + D_BEST);
	o->last_lap = tb_ld_f32le(d + D_LAST);
	o->current_lap = tb_ld_f32le(d + D_CURRENT);
	o->race_time = tb_ld_f32le(d + D_RACE_TIME);
	o->lap_number = tb_ld_u16le(d + D_LAP_NUMBER);
	o->race_position = d[D_POSITION];
	o->accel_in = d[D_ACCEL];
	o->brake_in = d[D_BRAKE];
	o->clutch_in = d[D_CLUTCH];
	o->handbrake_in = d[D_HANDBRAKE];
	o->gear = d[D_GEAR];
	o->steer = (int8_t)d[D_STEER];
	o->driving_line = (int8_t)d[D_LINE];
	o->ai_brake_diff = (int8_t)d[D_AI_BRAKE];
}

enum tb_status forza_decode(const uint8_t *buf, size_t len,
			    struct forza_packet *out, struct tb_error *err)
{
	memset(out, 0, sizeof(*out));
	enum tb_status st = check(buf, len, err);
	if (st != TB_OK)
		return st;
	enum forza_layout l = (enum forza_layout)layout_of(len);
	out->layout = l;
	decode_sled(buf, out);
	if (l == FORZA_SLED)
		return TB_OK;
	if (l == FORZA_HORIZON) {
		out->horizon_car_category = ld_i32(buf + OFF_HZ_CATEGORY);
		out->horizon_unknown[0] = ld_i32(buf + OFF_HZ_UNKNOWN);
		out->horizon_unknown[1] = ld_i32(buf + OFF_HZ_UNKNOWN + 4);
		out->horizon_pad = buf[OFF_HZ_PAD];
	}
	decode_dash(buf + dash_base(l), out);
	if (l == FORZA_MOTORSPORT) {
		ld4(buf + OFF_TYRE_WEAR, out->tyre_wear);
		out->track_ordinal = ld_i32(buf + OFF_TRACK);
	}
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Encoder (tests, the demo, the bench). */

static void st4(uint8_t *p, const float v[4])
{
	for (int i = 0; i < 4; i++)
		tb_st_f32le(p + 4 * i, v[i]);
}

static void st4i(uint8_t *p, const int32_t v[4])
{
	for (int i = 0; i < 4; i++)
		tb_st_u32le(p + 4 * i, (uint32_t)v[i]);
}

static void encode_sled(const struct forza_packet *p, uint8_t *b)
{
	tb_st_u32le(b + OFF_RACE_ON, (uint32_t)p->is_race_on);
	tb_st_u32le(b + OFF_TIMESTAMP, p->timestamp_ms);
	tb_st_f32le(b + OFF_MAX_RPM, p->engine_max_rpm);
	tb_st_f32le(b + OFF_IDLE_RPM, p->engine_idle_rpm);
	tb_st_f32le(b + OFF_RPM, p->current_engine_rpm);
	for (int i = 0; i < 3; i++) {
		tb_st_f32le(b + OFF_ACCEL + 4 * i, p->accel[i]);
		tb_st_f32le(b + OFF_VEL + 4 * i, p->vel[i]);
		tb_st_f32le(b + OFF_ANG_VEL + 4 * i, p->ang_vel[i]);
	}
	tb_st_f32le(b + OFF_YAW, p->yaw);
	tb_st_f32le(b + OFF_PITCH, p->pitch);
	tb_st_f32le(b + OFF_ROLL, p->roll);
	st4(b + OFF_SUSP_NORM, p->susp_norm);
	st4(b + OFF_SLIP_RATIO, p->slip_ratio);
	st4(b + OFF_WHEEL_ROT, p->wheel_rot_speed);
	st4i(b + OFF_RUMBLE, p->on_rumble);
	st4(b + OFF_PUDDLE, p->puddle_depth);
	st4(b + OFF_SURF_RUMBLE, p->surface_rumble);
	st4(b + OFF_SLIP_ANGLE, p->slip_angle);
	st4(b + OFF_COMB_SLIP, p->combined_slip);
	st4(b + OFF_SUSP_M, p->susp_travel_m);
	tb_st_u32le(b + OFF_CAR_ORDINAL, (uint32_t)p->car_ordinal);
	tb_st_u32le(b + OFF_CAR_CLASS, (uint32_t)p->car_class);
	tb_st_u32le(b + OFF_CAR_PI, (uint32_t)p->car_pi);
	tb_st_u32le(b + OFF_DRIVETRAIN, (uint32_t)p->drivetrain);
	tb_st_u32le(b + OFF_CYLINDERS, (uint32_t)p->num_cylinders);
}

static void encode_dash(const struct forza_packet *p, uint8_t *d)
{
	for (int i = 0; i < 3; i++)
		tb_st_f32le(d + D_POS + 4 * i, p->pos[i]);
	tb_st_f32le(d + D_SPEED, p->speed);
	tb_st_f32le(d + D_POWER, p->power);
	tb_st_f32le(d + D_TORQUE, p->torque);
	st4(d + D_TYRE_TEMP, p->tyre_temp);
	tb_st_f32le(d + D_BOOST, p->boost);
	tb_st_f32le(d + D_FUEL, p->fuel);
	tb_st_f32le(d + D_DISTANCE, p->distance);
	tb_st_f32le(d + D_BEST, p->best_lap);
	tb_st_f32le(d + D_LAST, p->last_lap);
	tb_st_f32le(d + D_CURRENT, p->current_lap);
	tb_st_f32le(d + D_RACE_TIME, p->race_time);
	tb_st_u16le(d + D_LAP_NUMBER, p->lap_number);
	d[D_POSITION] = p->race_position;
	d[D_ACCEL] = p->accel_in;
	d[D_BRAKE] = p->brake_in;
	d[D_CLUTCH] = p->clutch_in;
	d[D_HANDBRAKE] = p->handbrake_in;
	d[D_GEAR] = p->gear;
	d[D_STEER] = (uint8_t)p->steer;
	d[D_LINE] = (uint8_t)p->driving_line;
	d[D_AI_BRAKE] = (uint8_t)p->ai_brake_diff;
}

enum tb_status forza_encode(const struct forza_packet *p, uint8_t *buf,
			    size_t cap, size_t *out_len)
{
	size_t n = forza_layout_size(p->layout);
	if (n == 0)
		return TB_ERR_ARG;
	if (cap < n)
		return TB_ERR_LIMIT;
	memset(buf, 0, n);
	encode_sled(p, buf);
	if (p->layout != FORZA_SLED) {
		if (p->layout == FORZA_HORIZON) {
			tb_st_u32le(buf + OFF_HZ_CATEGORY,
				    (uint32_t)p->horizon_car_category);
			tb_st_u32le(buf + OFF_HZ_UNKNOWN,
				    (uint32_t)p->horizon_unknown[0]);
			tb_st_u32le(buf + OFF_HZ_UNKNOWN + 4,
				    (uint32_t)p->horizon_unknown[1]);
			buf[OFF_HZ_PAD] = p->horizon_pad;
		}
		encode_dash(p, buf + dash_base(p->layout));
		if (p->layout == FORZA_MOTORSPORT) {
			st4(buf + OFF_TYRE_WEAR, p->tyre_wear);
			tb_st_u32le(buf + OFF_TRACK,
				    (uint32_t)p->track_ordinal);
		}
	}
	*out_len = n;
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* From a generated F1 frame (gen.h) to a Forza packet. */

#define STD_G 9.80665

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

static uint8_t pedal_u8(double v)
{
	return (uint8_t)lrint(clamp(v, 0.0, 1.0) * 255.0);
}

/* F1 wire wheel order RL, RR, FL, FR -> Forza FL, FR, RL, RR. */
static const int f1_wheel[4] = {2, 3, 0, 1};

static void gen_dash(const struct gen_frame *f, unsigned car,
		     struct forza_packet *o)
{
	const struct f1_motion_car *m = &f->motion->u.motion[car];
	const struct f1_lap_car *l = &f->lap->u.lap.cars[car];
	const struct f1_telemetry_car *t = &f->telemetry->u.telemetry[car];
	const struct f1_status_car *s = &f->status->u.status[car];
	for (int i = 0; i < 3; i++)
		o->pos[i] = m->pos[i]; /* both Y up */
	o->speed = (float)(t->speed_kmh / TB_KMH_PER_MS);
	o->power = (float)(350000.0 * clamp(t->throttle, 0, 1));
	o->torque = (float)(450.0 * clamp(t->throttle, 0, 1));
	for (int w = 0; w < 4; w++)
		o->tyre_temp[w] =
			(float)(t->tyre_surf_temp[f1_wheel[w]] * 1.8 + 32.0);
	o->fuel = s->fuel_capacity > 0
			  ? (float)(s->fuel_in_tank / s->fuel_capacity)
			  : 0.0f;
	o->distance = l->total_distance;
	o->last_lap = (float)(l->last_lap_ms / 1000.0);
	o->current_lap = (float)(l->current_lap_ms / 1000.0);
	o->race_time = (float)f->t_s;
	o->lap_number = (uint16_t)(l->lap_num >= 1 ? l->lap_num - 1 : 0);
	o->race_position = l->position;
	o->accel_in = pedal_u8(t->throttle);
	o->brake_in = pedal_u8(t->brake);
	o->clutch_in = pedal_u8(t->clutch / 100.0);
	o->gear = t->gear < 0 ? 0 : (t->gear == 0 ? 11 : (uint8_t)t->gear);
	o->steer = (int8_t)lrint(clamp(t->steer, -1.0, 1.0) * 127.0);
}

enum tb_status forza_from_gen(const struct gen_frame *f, unsigned car,
			      enum forza_layout layout,
			      struct forza_packet *o)
{
	if (car >= F1_CARS)
		return TB_ERR_RANGE;
	if ((unsigned)layout >= FORZA_LAYOUT__COUNT)
		return TB_ERR_ARG;
	memset(o, 0, sizeof(*o));
	o->layout = layout;
	const struct f1_motion_car *m = &f->motion->u.motion[car];
	const struct f1_telemetry_car *t = &f->telemetry->u.telemetry[car];
	const struct f1_status_car *s = &f->status->u.status[car];
	double v = t->speed_kmh / TB_KMH_PER_MS;
	o->is_race_on = 1;
	o->timestamp_ms = FORZA_GEN_TS_BASE + (uint32_t)lrint(f->t_s * 1000);
	o->engine_max_rpm = s->max_rpm;
	o->engine_idle_rpm = s->idle_rpm;
	o->current_engine_rpm = t->rpm;
	o->accel[0] = (float)(m->g_lat * STD_G);
	o->accel[1] = (float)(m->g_vert * STD_G);
	o->accel[2] = (float)(m->g_lon * STD_G);
	o->vel[2] = (float)v; /* car local: all forward */
	o->yaw = m->yaw;
	o->pitch = m->pitch;
	o->roll = m->roll;
	for (int w = 0; w < 4; w++) {
		o->susp_norm[w] = 0.5f;
		o->wheel_rot_speed[w] = (float)(v / 0.33);
		o->susp_travel_m[w] = 0.05f;
	}
	o->car_ordinal = 2000 + (int32_t)car;
	o->car_class = 5;
	o->car_pi = 800;
	o->drivetrain = 1;
	o->num_cylinders = 8;
	if (layout == FORZA_SLED)
		return TB_OK;
	gen_dash(f, car, o);
	if (layout == FORZA_MOTORSPORT) {
		for (int w = 0; w < 4; w++)
			o->tyre_wear[w] = 0.97f;
		o->track_ordinal = FORZA_GEN_TRACK;
	}
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* The protocol instance. */

#define SILENCE_US (60ll * 1000000) /* a new session after this quiet */
#define REORDER_MS 2000		    /* a step back up to this: late */
#define RESTART_RACE_S 1.0f	    /* race clock back under this */
#define REWIND_S 0.05f		    /* race clock back more than this */
#define START_SLACK_S 1.0f	    /* a lap joined this early: at start */

struct forza_feed {
	ingest_lap_fn fn;
	void *ctx;
	struct ingest_stats st;
	struct forza_packet pkt; /* decode scratch */
	struct lap_asm *laps;	 /* one car, reused across sessions */
	int64_t last_now_us;
	/* the session */
	bool open;
	struct tb_session_info info;
	struct tb_car_info car;
	enum forza_layout layout;
	int32_t car_ordinal, track_ordinal;
	uint32_t last_ts;
	uint64_t t_ms; /* unwrapped TimestampMS since the session began */
	float last_race_time;
	/* the lap in progress */
	bool lap_seen, dist_known;
	uint16_t lap_number;
	double lap_start_dist;
};

static void on_lap(void *ctx, struct tb_lap *lap)
{
	struct forza_feed *fd = ctx;
	ingest__hand_over(fd->fn, fd->ctx, &fd->info, &fd->car, lap,
			  &fd->st.laps, &fd->st.laps_incomplete);
}

static void close_session(struct forza_feed *fd)
{
	if (!fd->open)
		return;
	lap_asm_flush(fd->laps);
	fd->open = false;
	fd->lap_seen = false;
	fd->dist_known = false;
}

static void open_session(struct forza_feed *fd, const struct forza_packet *p,
			 int64_t now_us)
{
	struct tb_session_info *in = &fd->info;
	memset(in, 0, sizeof(*in));
	in->source_uid = (uint64_t)now_us;
	in->game = forza_layout_game(p->layout);
	in->packet_format = (uint16_t)forza_layout_size(p->layout);
	in->track_id = -1;
	if (p->layout == FORZA_MOTORSPORT) {
		in->track_id = p->track_ordinal;
		snprintf(in->track, sizeof(in->track), "Forza track %d",
			 (int)p->track_ordinal);
	}
	in->kind = TB_SESSION_UNKNOWN;
	in->game_session_type = -1;
	in->car_class = TB_CLASS_OTHER;
	in->weather = -1;
	in->start_unix_ms = now_us / 1000;
	memset(&fd->car, 0, sizeof(fd->car));
	fd->car.team_id = p->car_ordinal;
	fd->car.race_number = -1;
	fd->open = true;
	fd->layout = p->layout;
	fd->car_ordinal = p->car_ordinal;
	fd->track_ordinal = p->track_ordinal;
	fd->last_ts = p->timestamp_ms;
	fd->t_ms = 0;
	fd->last_race_time = p->race_time;
	fd->lap_seen = false;
	fd->dist_known = false;
	fd->st.sessions++;
}

/* True when p cannot belong to the open session. */
static bool restarted(const struct forza_feed *fd,
		      const struct forza_packet *p)
{
	if (p->layout != fd->layout || p->car_ordinal != fd->car_ordinal)
		return true;
	if (p->layout == FORZA_MOTORSPORT &&
	    p->track_ordinal != fd->track_ordinal)
		return true;
	if ((int32_t)(p->timestamp_ms - fd->last_ts) <= -REORDER_MS)
		return true;
	/* The race clock back to its start: a restart, not a rewind. */
	return p->layout != FORZA_SLED && p->race_time < RESTART_RACE_S &&
	       fd->last_race_time >= p->race_time + RESTART_RACE_S;
}

static void set_f(struct tb_frame *f, enum tb_channel ch, double v)
{
	if (isfinite(v))
		tb_frame_set(f, ch, v);
}

static void frame_common(const struct forza_packet *p, struct tb_frame *f)
{
	set_f(f, TB_CH_RPM, p->current_engine_rpm);
	set_f(f, TB_CH_G_LAT, p->accel[0] / STD_G);
	set_f(f, TB_CH_G_VERT, p->accel[1] / STD_G);
	set_f(f, TB_CH_G_LON, p->accel[2] / STD_G);
	set_f(f, TB_CH_YAW, p->yaw);
	set_f(f, TB_CH_PITCH, p->pitch);
	set_f(f, TB_CH_ROLL, p->roll);
	if (p->layout == FORZA_SLED) {
		double vx = p->vel[0], vy = p->vel[1], vz = p->vel[2];
		set_f(f, TB_CH_SPEED, sqrt(vx * vx + vy * vy + vz * vz));
	}
}

static void frame_dash(const struct forza_packet *p, struct tb_frame *f)
{
	set_f(f, TB_CH_SPEED, p->speed);
	tb_frame_set(f, TB_CH_THROTTLE, p->accel_in / 255.0);
	tb_frame_set(f, TB_CH_BRAKE, p->brake_in / 255.0);
	tb_frame_set(f, TB_CH_CLUTCH, p->clutch_in / 255.0);
	tb_frame_set(f, TB_CH_STEER, clamp(p->steer / 127.0, -1.0, 1.0));
	if (p->gear == 0)
		tb_frame_set(f, TB_CH_GEAR, -1);
	else if (p->gear == 11)
		tb_frame_set(f, TB_CH_GEAR, 0);
	else if (p->gear <= 10)
		tb_frame_set(f, TB_CH_GEAR, p->gear);
	/* Canonical x/y are the ground plane, z is up; Forza's Y is up. */
	set_f(f, TB_CH_POS_X, p->pos[0]);
	set_f(f, TB_CH_POS_Y, p->pos[2]);
	set_f(f, TB_CH_POS_Z, p->pos[1]);
	set_f(f, TB_CH_TOTAL_DIST, p->distance);
	if (p->current_lap >= 0)
		set_f(f, TB_CH_LAP_TIME, p->current_lap);
	for (int w = 0; w < 4; w++)
		set_f(f, TB_CH_TYRE_SURF_FL + w,
		      (p->tyre_temp[w] - 32.0) * (5.0 / 9.0));
}

/* Seconds (float) to ms; 0 when unknown or out of range. */
static int32_t ms_of(float s)
{
	if (!(s > 0.0f) || s > 2e6f)
		return 0;
	return (int32_t)lrint((double)s * 1000.0);
}

/* A lap number not seen before: where does its distance start? */
static void new_lap(struct forza_feed *fd, const struct forza_packet *p)
{
	fd->lap_seen = true;
	fd->lap_number = p->lap_number;
	fd->dist_known = false;
	if (p->lap_number == 0) {
		/* The race's first lap: its distance is the race's. */
		fd->lap_start_dist = 0;
		fd->dist_known = true;
	} else if (p->current_lap >= 0 && p->current_lap <= START_SLACK_S &&
		   isfinite(p->distance) && isfinite(p->speed)) {
		/* Back from this packet to the line crossing. */
		fd->lap_start_dist = (double)p->distance -
				     (double)p->speed * p->current_lap;
		fd->dist_known = true;
	}
}

static void take_laps(struct forza_feed *fd, const struct forza_packet *p,
		      struct tb_frame *f)
{
	if (!fd->lap_seen || p->lap_number != fd->lap_number)
		new_lap(fd, p);
	if (fd->dist_known)
		set_f(f, TB_CH_LAP_DIST, p->distance - fd->lap_start_dist);
	struct lap_state ls;
	memset(&ls, 0, sizeof(ls));
	ls.lap_num = (uint32_t)p->lap_number + 1;
	ls.last_lap_ms = ms_of(p->last_lap);
	double cur = p->current_lap;
	ls.cur_lap_ms = cur >= 0.0 && cur < 2e6 ? (int32_t)lrint(cur * 1000.0)
						: -1;
	/* NOMEM / LIMIT are counted by the assembler as discarded. */
	if (lap_asm_frame(fd->laps, 0, f, &ls) != TB_OK)
		fd->st.frame_errors++;
}

static void take(struct forza_feed *fd, const struct forza_packet *p,
		 int64_t now_us)
{
	if (fd->open && restarted(fd, p))
		close_session(fd);
	if (!fd->open) {
		open_session(fd, p, now_us);
	} else {
		int32_t d = (int32_t)(p->timestamp_ms - fd->last_ts);
		if (d < 0) {
			fd->st.discarded++; /* late (reordered) datagram */
			return;
		}
		fd->t_ms += (uint32_t)d;
		fd->last_ts = p->timestamp_ms;
	}
	if (p->layout != FORZA_SLED) {
		if (p->race_time + REWIND_S < fd->last_race_time)
			fd->st.rewinds++;
		fd->last_race_time = p->race_time;
	}
	struct tb_frame f;
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_TIME, (double)fd->t_ms / 1000.0);
	frame_common(p, &f);
	fd->st.frames++;
	if (p->layout == FORZA_SLED)
		return; /* no lap data: frames only (forza.h) */
	frame_dash(p, &f);
	bool timed = p->lap_number > 0 || p->current_lap > 0 ||
		     p->race_time > 0;
	if (timed)
		take_laps(fd, p, &f);
}

static enum tb_status feed_datagram(void *inst, const uint8_t *buf,
				    size_t len, int64_t now_us,
				    struct tb_error *err)
{
	struct forza_feed *fd = inst;
	fd->st.datagrams++;
	fd->st.bytes += len;
	enum tb_status st = forza_decode(buf, len, &fd->pkt, err);
	if (st != TB_OK) {
		fd->st.rejected[ingest_reject_of(st)]++;
		return st;
	}
	fd->st.accepted++;
	if (fd->open && now_us - fd->last_now_us > SILENCE_US)
		close_session(fd);
	fd->last_now_us = now_us;
	if (fd->pkt.is_race_on == 0) {
		fd->st.kinds[FORZA_KIND_RACE_OFF]++;
		return TB_OK;
	}
	fd->st.kinds[fd->pkt.layout]++;
	take(fd, &fd->pkt, now_us);
	return TB_OK;
}

static enum tb_status feed_create(const struct ingest_opts *opts,
				  ingest_lap_fn fn, void *ctx, void **out)
{
	*out = NULL;
	if (!fn)
		return TB_ERR_ARG;
	struct forza_feed *fd = tb_calloc(1, sizeof(*fd));
	if (!fd)
		return TB_ERR_NOMEM;
	enum tb_status st = lap_asm_create(1, on_lap, fd, &fd->laps);
	if (st != TB_OK) {
		tb_free(fd);
		return st;
	}
	fd->fn = fn;
	fd->ctx = ctx;
	/* no other options: the layout is known by length */
	if (opts)
		lap_asm_observe(fd->laps, &opts->live, &fd->info, &fd->car);
	*out = fd;
	return TB_OK;
}

static void feed_destroy(void *inst)
{
	struct forza_feed *fd = inst;
	if (!fd)
		return;
	lap_asm_destroy(fd->laps);
	tb_free(fd);
}

static void feed_tick(void *inst, int64_t now_us, const struct ingest_io *io)
{
	(void)io; /* Forza only sends */
	struct forza_feed *fd = inst;
	if (fd->open && now_us - fd->last_now_us > SILENCE_US)
		close_session(fd);
}

static void feed_flush(void *inst)
{
	close_session(inst);
}

static void feed_stats(const void *inst, struct ingest_stats *out)
{
	const struct forza_feed *fd = inst;
	*out = fd->st;
	const struct lap_asm_stats *as = lap_asm_stats(fd->laps);
	out->rewinds += as->rewinds;
	out->discarded += as->discarded;
}

static const char *feed_kind_name(unsigned i)
{
	if (i < FORZA_LAYOUT__COUNT)
		return forza_layout_name((enum forza_layout)i);
	return i == FORZA_KIND_RACE_OFF ? "race_off" : NULL;
}

static enum tb_status feed_gen_encode(const struct gen_frame *f, unsigned car,
				      char variant, uint8_t *buf, size_t cap,
				      size_t *len)
{
	enum forza_layout l;
	switch (variant) {
	case 's':
		l = FORZA_SLED;
		break;
	case 'd':
		l = FORZA_DASH;
		break;
	case 'h':
		l = FORZA_HORIZON;
		break;
	case 0:
	case 'm':
		l = FORZA_MOTORSPORT;
		break;
	default:
		return TB_ERR_ARG;
	}
	struct forza_packet p;
	enum tb_status st = forza_from_gen(f, car, l, &p);
	if (st != TB_OK)
		return st;
	return forza_encode(&p, buf, cap, len);
}

const struct ingest_proto ingest_proto_forza = {
	.version = 1,
	.name = "forza",
	.title = "Forza Motorsport 7 / 2023, Forza Horizon 4/5",
	.default_port = 0,
	.sniff = forza_sniff,
	.create = feed_create,
	.destroy = feed_destroy,
	.datagram = feed_datagram,
	.tick = feed_tick,
	.flush = feed_flush,
	.stats = feed_stats,
	.kind_name = feed_kind_name,
	.gen_encode = feed_gen_encode,
};

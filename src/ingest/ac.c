/* ac.c - Assetto Corsa (original) Remote Telemetry UDP: the decoder and
 * encoder of its four datagrams, and the protocol instance that talks to
 * the game (handshake, subscribe, re-handshake when it goes quiet,
 * dismiss) and turns each RTCarInfo into a canonical frame for the lap
 * assembler. */
#include "ac.h"
#include "ingest_int.h"

#include <math.h>

/* Layouts. Sources: the Kunos "AC Remote Telemetry Documentation" (the
 * published Google doc, copied as vpicon/acudp UDP.md) gives the C
 * structs; offsets follow from natural alignment, confirmed by the sizes
 * real clients check: vpicon/acudp src/acudp.c (response 100*4 + 4*2,
 * RTLap 100*2 + 4*3, RTCarInfo size field == sizeof == 328) and
 * MacManley/assetto-corsa-udp (char identifier[4], two unknown bytes
 * after the six flags). The doc says char[50] for names, but they are
 * 50 wchar_t (UTF-16LE) ending at '%' (acudp src/format.c stops at
 * 0x0025): only that gives 408 and 212 bytes.
 *
 * handshaker (12): i32 identifier @0, i32 version @4, i32 operationId @8.
 * handshackerResponse (408): wchar carName[50] @0, wchar driverName[50]
 *   @100, i32 identifier @200, i32 version @204, wchar trackName[50]
 *   @208, wchar trackConfig[50] @308.
 * RTLap (212): i32 carIdentifierNumber @0, i32 lap @4, wchar
 *   driverName[50] @8, wchar carName[50] @108, i32 time (ms) @208.
 * RTCarInfo (328): see the CI_* offsets below. */
#define RQ_IDENT 0
#define RQ_VER	 4
#define RQ_OP	 8

#define RS_CAR	  0
#define RS_DRIVER 100
#define RS_IDENT  200
#define RS_VER	  204
#define RS_TRACK  208
#define RS_CONFIG 308

#define LP_CAR_ID 0
#define LP_LAP	  4
#define LP_DRIVER 8
#define LP_CAR	  108
#define LP_TIME	  208

#define CI_IDENT     0	/* char 'a', then 3 padding bytes */
#define CI_SIZE	     4	/* i32 */
#define CI_SPEED_KMH 8	/* f32 */
#define CI_SPEED_MPH 12 /* f32 */
#define CI_SPEED_MS  16 /* f32 */
/* 6 bools at CI_FLAGS: abs on, abs active, tc active, tc on, in pit,
 * limiter; then 2 padding bytes */
#define CI_FLAGS     20
#define CI_ACCG	     28	 /* f32 vertical, horizontal, frontal */
#define CI_LAP_TIME  40	 /* i32 ms */
#define CI_LAST_LAP  44	 /* i32 ms */
#define CI_BEST_LAP  48	 /* i32 ms */
#define CI_LAP_COUNT 52	 /* i32 */
#define CI_GAS	     56	 /* f32 */
#define CI_BRAKE     60	 /* f32 */
#define CI_CLUTCH    64	 /* f32 */
#define CI_RPM	     68	 /* f32 */
#define CI_STEER     72	 /* f32 */
#define CI_GEAR	     76	 /* i32 */
#define CI_CG_HEIGHT 80	 /* f32 */
#define CI_WHEELS    84	 /* 14 x f32[4], FL FR RL RR: 84 .. 307 */
#define CI_POS_NORM  308 /* f32 */
#define CI_SLOPE     312 /* f32 */
#define CI_COORDS    316 /* f32[3] -> 328 */

#define AC_CAR_INFO_ID 'a'

_Static_assert(RS_CONFIG + 2 * AC_NAME_UNITS == AC_RESPONSE_SIZE, "408");
_Static_assert(LP_TIME + 4 == AC_LAP_SIZE, "212");
_Static_assert(CI_WHEELS + 14 * 16 == CI_POS_NORM, "wheel arrays");
_Static_assert(CI_COORDS + 12 == AC_CAR_INFO_SIZE, "328");
_Static_assert((AC_NAME_UNITS - 1) * 3 + 1 <= AC_NAME_MAX, "UTF-8 room");

static const char *const kind_names[AC_KIND__COUNT] = {
    "Request", "HandshakeResponse", "RTCarInfo", "RTLap"};

const char *ac_kind_name(unsigned kind)
{
	return kind < AC_KIND__COUNT ? kind_names[kind] : NULL;
}

/* ------------------------------------------------------------------ */
/* Names: UTF-16LE <-> UTF-8. */

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* How a name field ended: 0 no terminator, else the unit that ended it. */
enum name_end { NAME_UNTERMINATED = 0, NAME_PCT = '%', NAME_NUL = 1 };

/* Decode the name field at p (AC_NAME_UNITS units) up to its first '%'
 * or NUL unit into out (AC_NAME_MAX bytes, NUL-terminated; "" when the
 * field has no terminator). The terminator is found first, so at most 49
 * units are converted: 3 bytes each at most (a surrogate pair, 2 units,
 * becomes 4), 147 bytes and the NUL. */
static enum name_end name_decode(const uint8_t *p, char *out)
{
	size_t end = 0;
	while (end < AC_NAME_UNITS) {
		uint16_t u = tb_ld_u16le(p + 2 * end);
		if (u == '%' || u == 0)
			break;
		end++;
	}
	out[0] = '\0';
	if (end == AC_NAME_UNITS)
		return NAME_UNTERMINATED;
	size_t o = 0;
	for (size_t i = 0; i < end; i++) {
		uint32_t u = tb_ld_u16le(p + 2 * i);
		uint32_t cp = u;
		if (u >= 0xD800 && u <= 0xDBFF && i + 1 < end) {
			uint32_t lo = tb_ld_u16le(p + 2 * (i + 1));
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((u - 0xD800) << 10) +
				     (lo - 0xDC00);
				i++;
			} else {
				cp = 0xFFFD;
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			cp = 0xFFFD;
		}
		o += utf8_put(out + o, cp);
	}
	out[o] = '\0';
	return tb_ld_u16le(p + 2 * end) == '%' ? NAME_PCT : NAME_NUL;
}

/* Next code point of NUL-terminated UTF-8 at *s; advances *s. Returns
 * false on malformed input (overlong, surrogate, > U+10FFFF, cut). */
static bool utf8_next(const uint8_t **s, uint32_t *cp)
{
	const uint8_t *p = *s;
	uint32_t c = p[0];
	size_t n;
	uint32_t min;
	if (c < 0x80) {
		*cp = c;
		*s = p + 1;
		return true;
	}
	if ((c & 0xE0) == 0xC0) {
		n = 1;
		c &= 0x1F;
		min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 2;
		c &= 0x0F;
		min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 3;
		c &= 0x07;
		min = 0x10000;
	} else {
		return false;
	}
	for (size_t i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return false; /* also stops at the NUL */
		c = (c << 6) | (p[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return false;
	*cp = c;
	*s = p + n + 1;
	return true;
}

/* Encode UTF-8 name as a name field at p: UTF-16LE, '%', zeros. */
static enum tb_status name_encode(const char *name, uint8_t *p)
{
	memset(p, 0, 2 * AC_NAME_UNITS);
	const uint8_t *s = (const uint8_t *)name;
	size_t u = 0;
	while (*s) {
		uint32_t cp;
		if (!utf8_next(&s, &cp) || cp == '%')
			return TB_ERR_ARG;
		size_t need = cp >= 0x10000 ? 2 : 1;
		if (u + need > AC_NAME_UNITS - 1)
			return TB_ERR_LIMIT; /* room for the '%' */
		if (need == 2) {
			cp -= 0x10000;
			tb_st_u16le(p + 2 * u++,
				    (uint16_t)(0xD800 + (cp >> 10)));
			tb_st_u16le(p + 2 * u++,
				    (uint16_t)(0xDC00 + (cp & 0x3FF)));
		} else {
			tb_st_u16le(p + 2 * u++, (uint16_t)cp);
		}
	}
	tb_st_u16le(p + 2 * u, '%');
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Decoder. */

static int32_t ld_i32(const uint8_t *p)
{
	return (int32_t)tb_ld_u32le(p);
}

static void ld_f32s(const uint8_t *p, float *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tb_ld_f32le(p + 4 * i);
}

static enum tb_status decode_request(const uint8_t *b, struct ac_request *r,
				     struct tb_error *err)
{
	r->identifier = ld_i32(b + RQ_IDENT);
	r->version = ld_i32(b + RQ_VER);
	r->op = ld_i32(b + RQ_OP);
	if (r->op < AC_OP_HANDSHAKE || r->op > AC_OP_DISMISS)
		return tb_fail(err, TB_ERR_ID,
			       "AC request operation %d, expects 0..3",
			       (int)r->op);
	return TB_OK;
}

static enum tb_status decode_response(const uint8_t *b, struct ac_response *r,
				      struct tb_error *err)
{
	static const struct {
		size_t off;
		size_t field;
		const char *what;
	} names[] = {
	    {RS_CAR, offsetof(struct ac_response, car), "carName"},
	    {RS_DRIVER, offsetof(struct ac_response, driver), "driverName"},
	    {RS_TRACK, offsetof(struct ac_response, track), "trackName"},
	    {RS_CONFIG, offsetof(struct ac_response, config), "trackConfig"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *dst = (char *)r + names[i].field;
		if (name_decode(b + names[i].off, dst) != NAME_PCT)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "AC handshake response: %s has no '%%' "
				       "terminator",
				       names[i].what);
	}
	r->identifier = ld_i32(b + RS_IDENT);
	r->version = ld_i32(b + RS_VER);
	return TB_OK;
}

static enum tb_status decode_lap(const uint8_t *b, struct ac_lap *l,
				 struct tb_error *err)
{
	l->car_id = ld_i32(b + LP_CAR_ID);
	l->lap = ld_i32(b + LP_LAP);
	l->time_ms = ld_i32(b + LP_TIME);
	/* RTLap names are documented like the response's; accept a NUL end
	 * too since no capture shows which one the game writes. */
	if (name_decode(b + LP_DRIVER, l->driver) == NAME_UNTERMINATED ||
	    name_decode(b + LP_CAR, l->car) == NAME_UNTERMINATED)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "AC RTLap: a name has no '%%' or NUL "
			       "terminator");
	return TB_OK;
}

static enum tb_status decode_car_info(const uint8_t *b, struct ac_car_info *c,
				      struct tb_error *err)
{
	c->identifier = b[CI_IDENT];
	c->size = ld_i32(b + CI_SIZE);
	if (c->identifier != AC_CAR_INFO_ID)
		return tb_fail(err, TB_ERR_FORMAT,
			       "AC RTCarInfo identifier 0x%02x, expects 'a'",
			       c->identifier);
	if (c->size != (int32_t)AC_CAR_INFO_SIZE)
		return tb_fail(err, TB_ERR_LENGTH,
			       "AC RTCarInfo size field %d, expects %u",
			       (int)c->size, AC_CAR_INFO_SIZE);
	c->speed_kmh = tb_ld_f32le(b + CI_SPEED_KMH);
	c->speed_mph = tb_ld_f32le(b + CI_SPEED_MPH);
	c->speed_ms = tb_ld_f32le(b + CI_SPEED_MS);
	c->abs_enabled = b[CI_FLAGS + 0];
	c->abs_in_action = b[CI_FLAGS + 1];
	c->tc_in_action = b[CI_FLAGS + 2];
	c->tc_enabled = b[CI_FLAGS + 3];
	c->in_pit = b[CI_FLAGS + 4];
	c->engine_limiter_on = b[CI_FLAGS + 5];
	c->acc_g_vertical = tb_ld_f32le(b + CI_ACCG);
	c->acc_g_horizontal = tb_ld_f32le(b + CI_ACCG + 4);
	c->acc_g_frontal = tb_ld_f32le(b + CI_ACCG + 8);
	c->lap_time_ms = ld_i32(b + CI_LAP_TIME);
	c->last_lap_ms = ld_i32(b + CI_LAST_LAP);
	c->best_lap_ms = ld_i32(b + CI_BEST_LAP);
	c->lap_count = ld_i32(b + CI_LAP_COUNT);
	c->gas = tb_ld_f32le(b + CI_GAS);
	c->brake = tb_ld_f32le(b + CI_BRAKE);
	c->clutch = tb_ld_f32le(b + CI_CLUTCH);
	c->engine_rpm = tb_ld_f32le(b + CI_RPM);
	c->steer = tb_ld_f32le(b + CI_STEER);
	c->gear = ld_i32(b + CI_GEAR);
	c->cg_height = tb_ld_f32le(b + CI_CG_HEIGHT);
	float *w[14] = {c->wheel_angular_speed,
			c->slip_angle,
			c->slip_angle_contact_patch,
			c->slip_ratio,
			c->tyre_slip,
			c->nd_slip,
			c->load,
			c->dy,
			c->mz,
			c->tyre_dirty_level,
			c->camber_rad,
			c->tyre_radius,
			c->tyre_loaded_radius,
			c->suspension_height};
	for (size_t i = 0; i < 14; i++)
		ld_f32s(b + CI_WHEELS + 16 * i, w[i], 4);
	c->car_position_normalized = tb_ld_f32le(b + CI_POS_NORM);
	c->car_slope = tb_ld_f32le(b + CI_SLOPE);
	ld_f32s(b + CI_COORDS, c->car_coordinates, 3);
	return TB_OK;
}

enum tb_status ac_decode(const uint8_t *buf, size_t len, struct ac_packet *out,
			 struct tb_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!buf || len < AC_REQUEST_SIZE)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "packet %zu bytes, AC datagrams have at least "
			       "%u",
			       len, AC_REQUEST_SIZE);
	switch (len) {
	case AC_REQUEST_SIZE:
		out->kind = AC_KIND_REQUEST;
		return decode_request(buf, &out->u.request, err);
	case AC_RESPONSE_SIZE:
		out->kind = AC_KIND_RESPONSE;
		return decode_response(buf, &out->u.response, err);
	case AC_CAR_INFO_SIZE:
		out->kind = AC_KIND_CAR_INFO;
		return decode_car_info(buf, &out->u.car, err);
	case AC_LAP_SIZE:
		out->kind = AC_KIND_LAP;
		return decode_lap(buf, &out->u.lap, err);
	default:
		return tb_fail(err, TB_ERR_LENGTH,
			       "packet %zu bytes, AC expects %u (request), "
			       "%u (RTLap), %u (RTCarInfo) or %u (handshake "
			       "response)",
			       len, AC_REQUEST_SIZE, AC_LAP_SIZE,
			       AC_CAR_INFO_SIZE, AC_RESPONSE_SIZE);
	}
}

/* ------------------------------------------------------------------ */
/* Encoder. */

static void st_i32(uint8_t *p, int32_t v)
{
	tb_st_u32le(p, (uint32_t)v);
}

static void st_f32s(uint8_t *p, const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tb_st_f32le(p + 4 * i, v[i]);
}

static void encode_car_info(const struct ac_car_info *c, uint8_t *b)
{
	memset(b, 0, AC_CAR_INFO_SIZE);
	b[CI_IDENT] = c->identifier;
	st_i32(b + CI_SIZE, c->size);
	tb_st_f32le(b + CI_SPEED_KMH, c->speed_kmh);
	tb_st_f32le(b + CI_SPEED_MPH, c->speed_mph);
	tb_st_f32le(b + CI_SPEED_MS, c->speed_ms);
	b[CI_FLAGS + 0] = c->abs_enabled;
	b[CI_FLAGS + 1] = c->abs_in_action;
	b[CI_FLAGS + 2] = c->tc_in_action;
	b[CI_FLAGS + 3] = c->tc_enabled;
	b[CI_FLAGS + 4] = c->in_pit;
	b[CI_FLAGS + 5] = c->engine_limiter_on;
	tb_st_f32le(b + CI_ACCG, c->acc_g_vertical);
	tb_st_f32le(b + CI_ACCG + 4, c->acc_g_horizontal);
	tb_st_f32le(b + CI_ACCG + 8, c->acc_g_frontal);
	st_i32(b + CI_LAP_TIME, c->lap_time_ms);
	st_i32(b + CI_LAST_LAP, c->last_lap_ms);
	st_i32(b + CI_BEST_LAP, c->best_lap_ms);
	st_i32(b + CI_LAP_COUNT, c->lap_count);
	tb_st_f32le(b + CI_GAS, c->gas);
	tb_st_f32le(b + CI_BRAKE, c->brake);
	tb_st_f32le(b + CI_CLUTCH, c->clutch);
	tb_st_f32le(b + CI_RPM, c->engine_rpm);
	tb_st_f32le(b + CI_STEER, c->steer);
	st_i32(b + CI_GEAR, c->gear);
	tb_st_f32le(b + CI_CG_HEIGHT, c->cg_height);
	const float *w[14] = {c->wheel_angular_speed,
			      c->slip_angle,
			      c->slip_angle_contact_patch,
			      c->slip_ratio,
			      c->tyre_slip,
			      c->nd_slip,
			      c->load,
			      c->dy,
			      c->mz,
			      c->tyre_dirty_level,
			      c->camber_rad,
			      c->tyre_radius,
			      c->tyre_loaded_radius,
			      c->suspension_height};
	for (size_t i = 0; i < 14; i++)
		st_f32s(b + CI_WHEELS + 16 * i, w[i], 4);
	tb_st_f32le(b + CI_POS_NORM, c->car_position_normalized);
	tb_st_f32le(b + CI_SLOPE, c->car_slope);
	st_f32s(b + CI_COORDS, c->car_coordinates, 3);
}

static enum tb_status encode_response(const struct ac_response *r, uint8_t *b)
{
	enum tb_status st = name_encode(r->car, b + RS_CAR);
	if (st == TB_OK)
		st = name_encode(r->driver, b + RS_DRIVER);
	if (st == TB_OK)
		st = name_encode(r->track, b + RS_TRACK);
	if (st == TB_OK)
		st = name_encode(r->config, b + RS_CONFIG);
	st_i32(b + RS_IDENT, r->identifier);
	st_i32(b + RS_VER, r->version);
	return st;
}

static enum tb_status encode_lap(const struct ac_lap *l, uint8_t *b)
{
	st_i32(b + LP_CAR_ID, l->car_id);
	st_i32(b + LP_LAP, l->lap);
	st_i32(b + LP_TIME, l->time_ms);
	enum tb_status st = name_encode(l->driver, b + LP_DRIVER);
	if (st == TB_OK)
		st = name_encode(l->car, b + LP_CAR);
	return st;
}

static size_t kind_size(enum ac_kind k)
{
	switch (k) {
	case AC_KIND_REQUEST:
		return AC_REQUEST_SIZE;
	case AC_KIND_RESPONSE:
		return AC_RESPONSE_SIZE;
	case AC_KIND_CAR_INFO:
		return AC_CAR_INFO_SIZE;
	case AC_KIND_LAP:
		return AC_LAP_SIZE;
	default:
		return 0;
	}
}

enum tb_status ac_encode(const struct ac_packet *p, uint8_t *buf, size_t cap,
			 size_t *out_len)
{
	*out_len = 0;
	size_t n = kind_size(p->kind);
	if (n == 0)
		return TB_ERR_ARG;
	if (cap < n)
		return TB_ERR_LIMIT;
	enum tb_status st = TB_OK;
	switch (p->kind) {
	case AC_KIND_REQUEST:
		st_i32(buf + RQ_IDENT, p->u.request.identifier);
		st_i32(buf + RQ_VER, p->u.request.version);
		st_i32(buf + RQ_OP, p->u.request.op);
		break;
	case AC_KIND_RESPONSE:
		st = encode_response(&p->u.response, buf);
		break;
	case AC_KIND_CAR_INFO:
		encode_car_info(&p->u.car, buf);
		break;
	default:
		st = encode_lap(&p->u.lap, buf);
		break;
	}
	if (st == TB_OK)
		*out_len = n;
	return st;
}

/* ------------------------------------------------------------------ */
/* From the scenario generator. */

#define GEN_WHEEL_DEG 450.0 /* half of a 900 degree wheel */
#define GEN_TYRE_R    0.33  /* m */
#define KMH_PER_MPH   1.609344

enum tb_status ac_gen_car_info(const struct gen_frame *f, unsigned car,
			       struct ac_car_info *out)
{
	memset(out, 0, sizeof(*out));
	if (car >= F1_CARS || !f->motion || !f->lap || !f->telemetry)
		return TB_ERR_RANGE;
	const struct f1_motion_car *m = &f->motion->u.motion[car];
	const struct f1_lap_car *l = &f->lap->u.lap.cars[car];
	const struct f1_telemetry_car *t = &f->telemetry->u.telemetry[car];
	if (l->lap_num == 0)
		return TB_ERR_RANGE; /* not a car of this stream */
	out->identifier = AC_CAR_INFO_ID;
	out->size = (int32_t)AC_CAR_INFO_SIZE;
	out->speed_kmh = (float)t->speed_kmh;
	out->speed_mph = (float)(t->speed_kmh / KMH_PER_MPH);
	out->speed_ms = (float)(t->speed_kmh / TB_KMH_PER_MS);
	out->abs_enabled = 1;
	out->tc_enabled = 1;
	out->in_pit = l->pit_status != 0;
	out->acc_g_vertical = m->g_vert;
	out->acc_g_horizontal = m->g_lat;
	out->acc_g_frontal = m->g_lon;
	/* lapCount counts laps completed: the generator's lap 1 (its out
	 * lap) is AC's lap 0. */
	out->lap_time_ms = (int32_t)l->current_lap_ms;
	out->last_lap_ms = (int32_t)l->last_lap_ms;
	out->lap_count = (int32_t)l->lap_num - 1;
	out->gas = t->throttle;
	out->brake = t->brake;
	out->clutch = (float)(t->clutch / 100.0);
	out->engine_rpm = (float)t->rpm;
	out->steer = (float)(t->steer * GEN_WHEEL_DEG);
	out->gear = t->gear + 1;
	out->cg_height = 0.3f;
	for (int w = 0; w < 4; w++) {
		out->wheel_angular_speed[w] =
		    (float)(t->speed_kmh / TB_KMH_PER_MS / GEN_TYRE_R);
		out->tyre_radius[w] = (float)GEN_TYRE_R;
		out->tyre_loaded_radius[w] = (float)(GEN_TYRE_R - 0.01);
		out->load[w] = 3000.0f;
	}
	double len = gen_track_length();
	double pos = fmod(l->lap_distance, len);
	if (pos < 0)
		pos += len;
	out->car_position_normalized = (float)(pos / len);
	/* AC's world is Y-up like F1's: the same axes. */
	for (int i = 0; i < 3; i++)
		out->car_coordinates[i] = m->pos[i];
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* The protocol instance. With a peer (ingest_opts.peer_ip) it runs the
 * conversation from tick():
 *
 *   HANDSHAKE --response--> SUBSCRIBE --tick sends op 1--> SUBSCRIBED
 *   SUBSCRIBED --RTCarInfo--> STREAMING
 *   SUBSCRIBED / STREAMING --no RTCarInfo for AC_PEER_TIMEOUT_US--> HANDSHAKE
 *   HANDSHAKE: op 0 again every AC_RETRY_US while unanswered
 *   flush --> DISMISS (the next tick sends op 3) --> STOPPED
 *   (straight to STOPPED if we never subscribed)
 *
 * Without a peer (capture import) it only decodes what arrives.
 * Datagrams arrive on the caller's thread with now_us; AC sends no clock,
 * so session time is now_us since the session began (kept strictly
 * increasing) and lap times are the game's lastLap. */

#define AC_RETRY_US	   1000000  /* handshake retry period */
#define AC_PEER_TIMEOUT_US 3000000  /* silence that means the game is gone */
#define AC_SESSION_IDLE_US 60000000 /* silence that ends a session */
#define AC_DUP_WINDOW_US   2000000  /* answers this soon are to our ask */
#define AC_CLIENT_ID	   1	    /* identifier and version we send */
#define AC_TIME_TIE_S	   1e-6	    /* between samples arriving together */

enum ac_state {
	ST_PASSIVE,    /* no peer: decode only */
	ST_HANDSHAKE,  /* sending op 0 every second */
	ST_SUBSCRIBE,  /* answered: the next tick subscribes */
	ST_SUBSCRIBED, /* waiting for the first RTCarInfo */
	ST_STREAMING,
	ST_DISMISS, /* flushed: the next tick says goodbye */
	ST_STOPPED
};

struct ac_inst {
	ingest_lap_fn fn;
	void *ctx;
	uint32_t peer_ip;
	uint16_t peer_port;
	enum ac_state state;
	int64_t since_us;   /* entered SUBSCRIBED */
	bool hs_sent;	    /* a handshake was ever sent */
	int64_t hs_sent_us; /* when the last one was */
	bool hs_unanswered; /* a handshake is out with no answer yet */
	bool subscribed;    /* a subscribe was sent: dismiss on flush */
	int64_t car_rx_us;  /* last RTCarInfo */
	int64_t rx_us;	    /* last accepted datagram */
	bool any_rx;

	/* names of the last handshake response */
	bool have_names;
	struct ac_response names;

	/* the session */
	bool have_session;
	bool resumed; /* names unchanged after a re-handshake: the next
			 RTCarInfo tells a pause from a restart */
	int64_t start_us;
	double last_t;
	int32_t last_count, last_lap_time;
	struct tb_session_info info;
	struct tb_car_info car;
	struct lap_asm *laps;

	struct ingest_stats st;
	struct ac_packet pkt; /* decode scratch */
};

/* Copy UTF-8 src into dst (cap bytes), cut at a character boundary. */
static void copy_utf8(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void on_lap(void *ctx, struct tb_lap *lap)
{
	struct ac_inst *a = ctx;
	ingest__hand_over(a->fn, a->ctx, &a->info, &a->car, lap,
			  &a->st.laps, &a->st.laps_incomplete);
}

static void session_end(struct ac_inst *a)
{
	if (!a->have_session)
		return;
	lap_asm_flush(a->laps);
	a->have_session = false;
	a->resumed = false;
}

/* A new session starting at now_us, named by the last response. */
static void session_begin(struct ac_inst *a, int64_t now_us)
{
	session_end(a);
	struct tb_session_info *in = &a->info;
	memset(in, 0, sizeof(*in));
	/* AC has no session id: the arrival time of the session's first
	 * datagram is unique per stream. */
	in->source_uid = (uint64_t)now_us;
	in->game = TB_GAME_AC;
	in->track_id = -1;
	in->kind = TB_SESSION_UNKNOWN;
	in->game_session_type = -1;
	in->car_class = TB_CLASS_OTHER;
	in->weather = -1;
	in->start_unix_ms = now_us / 1000;
	memset(&a->car, 0, sizeof(a->car));
	a->car.team_id = -1;
	a->car.race_number = -1;
	if (a->have_names) {
		copy_utf8(in->track, sizeof(in->track), a->names.track);
		copy_utf8(in->layout, sizeof(in->layout), a->names.config);
		copy_utf8(a->car.driver, sizeof(a->car.driver),
			  a->names.driver);
		copy_utf8(a->car.car, sizeof(a->car.car), a->names.car);
	}
	a->have_session = true;
	a->resumed = false;
	a->start_us = now_us;
	a->last_t = -1.0; /* before any sample */
	a->last_count = -1;
	a->last_lap_time = -1;
	a->st.sessions++;
}

static bool same_names(const struct ac_response *x, const struct ac_response *y)
{
	return !strcmp(x->car, y->car) && !strcmp(x->driver, y->driver) &&
	       !strcmp(x->track, y->track) && !strcmp(x->config, y->config);
}

static void take_response(struct ac_inst *a, const struct ac_response *r,
			  int64_t now_us)
{
	bool same = a->have_names && same_names(&a->names, r);
	bool solicited =
	    a->hs_sent && now_us - a->hs_sent_us <= AC_DUP_WINDOW_US;
	a->names = *r;
	a->have_names = true;
	a->hs_unanswered = false;
	switch (a->state) {
	case ST_HANDSHAKE:
		a->state = ST_SUBSCRIBE;
		break;
	case ST_SUBSCRIBE:
	case ST_SUBSCRIBED:
		/* a second answer to a retried handshake */
		if (!same)
			session_begin(a, now_us);
		return;
	case ST_STREAMING:
		/* Unasked for while the game streams: it restarted. */
		if (!solicited || !same) {
			session_begin(a, now_us);
			return;
		}
		return;
	default:
		break;
	}
	if (!a->have_session || !same)
		session_begin(a, now_us);
	else
		a->resumed = true;
}

static void set_finite(struct tb_frame *f, enum tb_channel ch, double v)
{
	if (isfinite(v))
		tb_frame_set(f, ch, v);
}

/* RTCarInfo as a canonical frame. Steering is left absent: AC sends the
 * steering wheel angle in degrees, and the wheel's lock (needed for
 * -1..1) is not in the protocol. Lap distance is absent too: only the
 * normalised position is sent, and the track length is not. */
static void car_frame(const struct ac_car_info *c, double t, struct tb_frame *f)
{
	tb_frame_clear(f);
	tb_frame_set(f, TB_CH_TIME, t);
	if (c->lap_time_ms >= 0)
		tb_frame_set(f, TB_CH_LAP_TIME, c->lap_time_ms / 1000.0);
	set_finite(f, TB_CH_SPEED, c->speed_ms);
	set_finite(f, TB_CH_THROTTLE, c->gas);
	set_finite(f, TB_CH_BRAKE, c->brake);
	set_finite(f, TB_CH_CLUTCH, c->clutch);
	if (c->gear >= 0)
		tb_frame_set(f, TB_CH_GEAR, c->gear - 1); /* 0 R -> -1 */
	set_finite(f, TB_CH_RPM, c->engine_rpm);
	/* vertical, horizontal (lateral), frontal (longitudinal) */
	set_finite(f, TB_CH_G_VERT, c->acc_g_vertical);
	set_finite(f, TB_CH_G_LAT, c->acc_g_horizontal);
	set_finite(f, TB_CH_G_LON, c->acc_g_frontal);
	/* AC's world is Y-up: canonical x, y (ground), z (up) = x, z, y. */
	const float *p = c->car_coordinates;
	if (isfinite(p[0]) && isfinite(p[1]) && isfinite(p[2])) {
		tb_frame_set(f, TB_CH_POS_X, p[0]);
		tb_frame_set(f, TB_CH_POS_Y, p[2]);
		tb_frame_set(f, TB_CH_POS_Z, p[1]);
	}
}

/* Does this RTCarInfo continue the session? lapCount only grows within
 * an AC session; after a re-handshake with unchanged names the lap time
 * must also not have gone back (a paused game resumes where it was). */
static bool continues(const struct ac_inst *a, const struct ac_car_info *c)
{
	if (c->lap_count < a->last_count)
		return false;
	if (a->resumed && c->lap_count == a->last_count &&
	    c->lap_time_ms < a->last_lap_time)
		return false;
	return true;
}

static void take_car_info(struct ac_inst *a, const struct ac_car_info *c,
			  int64_t now_us)
{
	if (a->state == ST_SUBSCRIBED || a->state == ST_HANDSHAKE ||
	    a->state == ST_SUBSCRIBE) {
		/* Data flows: the subscription is alive. */
		a->state = ST_STREAMING;
		a->hs_unanswered = false;
	}
	a->car_rx_us = now_us;
	if (!a->have_session || !continues(a, c))
		session_begin(a, now_us);
	a->resumed = false;
	a->last_count = c->lap_count;
	a->last_lap_time = c->lap_time_ms;

	/* Arrival times tie (a batch read at one clock reading, a clock of
	 * ms resolution) or step back (wall clock set back): keep arrival
	 * order with session time strictly increasing, 1 us apart. */
	double t = (double)(now_us - a->start_us) / 1e6;
	if (t <= a->last_t)
		t = a->last_t + AC_TIME_TIE_S;
	a->last_t = t;
	struct tb_frame f;
	car_frame(c, t, &f);
	struct lap_state ls;
	memset(&ls, 0, sizeof(ls));
	ls.lap_num = c->lap_count >= 0 ? (uint32_t)c->lap_count + 1 : 0;
	ls.last_lap_ms = c->last_lap_ms;
	/* Lap 0 runs from the pits or the grid to the first line crossing:
	 * an out lap that never starts at the line. */
	ls.cur_lap_ms = c->lap_count == 0 ? -1 : c->lap_time_ms;
	ls.out_lap = c->lap_count == 0;
	ls.in_pit = c->in_pit != 0;
	ls.sector_ms[0] = ls.sector_ms[1] = 0;
	a->st.frames++;
	if (lap_asm_frame(a->laps, 0, &f, &ls) != TB_OK)
		a->st.frame_errors++;
}

static enum tb_status ac_datagram(void *inst, const uint8_t *buf, size_t len,
				  int64_t now_us, struct tb_error *err)
{
	struct ac_inst *a = inst;
	a->st.datagrams++;
	a->st.bytes += len;
	enum tb_status st = ac_decode(buf, len, &a->pkt, err);
	if (st == TB_OK && a->pkt.kind == AC_KIND_REQUEST)
		st = tb_fail(err, TB_ERR_ID,
			     "AC request (operation %d): only the client "
			     "sends those",
			     (int)a->pkt.u.request.op);
	if (st != TB_OK) {
		a->st.rejected[ingest_reject_of(st)]++;
		return st;
	}
	/* Silence long enough ends the session even without tick (an
	 * import runs no ticks). */
	if (a->have_session && a->any_rx &&
	    now_us - a->rx_us >= AC_SESSION_IDLE_US)
		session_end(a);
	a->rx_us = now_us;
	a->any_rx = true;
	a->st.accepted++;
	a->st.kinds[a->pkt.kind]++;
	switch (a->pkt.kind) {
	case AC_KIND_RESPONSE:
		take_response(a, &a->pkt.u.response, now_us);
		break;
	case AC_KIND_CAR_INFO:
		take_car_info(a, &a->pkt.u.car, now_us);
		break;
	default:
		/* RTLap only comes with SUBSCRIBE_SPOT, which we do not send
		 * (see send_op): counted, its lap time is RTCarInfo's. */
		break;
	}
	return TB_OK;
}

static void send_op(struct ac_inst *a, const struct ingest_io *io,
		    enum ac_op op)
{
	if (!io || !io->send)
		return;
	struct ac_packet p;
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_REQUEST;
	p.u.request.identifier = AC_CLIENT_ID;
	p.u.request.version = AC_CLIENT_ID;
	p.u.request.op = op;
	uint8_t buf[AC_REQUEST_SIZE];
	size_t n;
	if (ac_encode(&p, buf, sizeof(buf), &n) != TB_OK)
		return;
	if (io->send(io->ctx, a->peer_ip, a->peer_port, buf, n) == TB_OK)
		a->st.sent++;
}

static void handshake(struct ac_inst *a, int64_t now_us,
		      const struct ingest_io *io)
{
	if (a->hs_unanswered)
		a->st.peer_timeouts++; /* the last one went unanswered */
	send_op(a, io, AC_OP_HANDSHAKE);
	a->hs_sent = true;
	a->hs_sent_us = now_us;
	a->hs_unanswered = true;
}

/* The stream went quiet: ask again. */
static void peer_lost(struct ac_inst *a, int64_t now_us,
		      const struct ingest_io *io)
{
	a->st.peer_timeouts++;
	a->state = ST_HANDSHAKE;
	a->hs_unanswered = false;
	handshake(a, now_us, io);
}

static void ac_tick(void *inst, int64_t now_us, const struct ingest_io *io)
{
	struct ac_inst *a = inst;
	if (a->have_session && now_us - a->rx_us >= AC_SESSION_IDLE_US)
		session_end(a);
	switch (a->state) {
	case ST_HANDSHAKE:
		if (!a->hs_sent || now_us - a->hs_sent_us >= AC_RETRY_US)
			handshake(a, now_us, io);
		break;
	case ST_SUBSCRIBE:
		/* Only the update stream: it carries lapCount and lastLap,
		 * and AC keeps one subscription per client, so also asking
		 * for spot events could replace it. */
		send_op(a, io, AC_OP_SUBSCRIBE_UPDATE);
		a->subscribed = true;
		a->state = ST_SUBSCRIBED;
		a->since_us = now_us;
		break;
	case ST_SUBSCRIBED:
		if (now_us - a->since_us >= AC_PEER_TIMEOUT_US)
			peer_lost(a, now_us, io);
		break;
	case ST_STREAMING:
		if (now_us - a->car_rx_us >= AC_PEER_TIMEOUT_US)
			peer_lost(a, now_us, io);
		break;
	case ST_DISMISS:
		send_op(a, io, AC_OP_DISMISS);
		a->state = ST_STOPPED;
		break;
	default:
		break;
	}
}

static void ac_flush(void *inst)
{
	struct ac_inst *a = inst;
	session_end(a);
	if (a->state == ST_PASSIVE || a->state == ST_STOPPED)
		return;
	/* No more handshakes; a game that took our subscription is told
	 * to forget us on the next tick. */
	a->state = a->subscribed ? ST_DISMISS : ST_STOPPED;
}

static enum tb_status ac_create(const struct ingest_opts *opts,
				ingest_lap_fn fn, void *ctx, void **out)
{
	*out = NULL;
	if (!fn)
		return TB_ERR_ARG;
	struct ac_inst *a = tb_calloc(1, sizeof(*a));
	if (!a)
		return TB_ERR_NOMEM;
	enum tb_status st = lap_asm_create(1, on_lap, a, &a->laps);
	if (st != TB_OK) {
		tb_free(a);
		return st;
	}
	a->fn = fn;
	a->ctx = ctx;
	if (opts)
		lap_asm_observe(a->laps, &opts->live, &a->info, &a->car);
	if (opts && opts->peer_ip) {
		a->peer_ip = opts->peer_ip;
		a->peer_port = opts->peer_port ? opts->peer_port : AC_PORT;
		a->state = ST_HANDSHAKE;
	} else {
		a->state = ST_PASSIVE;
	}
	*out = a;
	return TB_OK;
}

static void ac_destroy(void *inst)
{
	struct ac_inst *a = inst;
	if (!a)
		return;
	lap_asm_destroy(a->laps);
	tb_free(a);
}

static void ac_stats(const void *inst, struct ingest_stats *out)
{
	const struct ac_inst *a = inst;
	*out = a->st;
	const struct lap_asm_stats *as = lap_asm_stats(a->laps);
	out->rewinds = as->rewinds;
	out->discarded = as->discarded;
}

/* Which of our datagrams a buffer is: exact size and a cheap check. */
static bool names_end_pct(const uint8_t *p)
{
	for (size_t i = 0; i < AC_NAME_UNITS; i++) {
		uint16_t u = tb_ld_u16le(p + 2 * i);
		if (u == '%')
			return true;
		if (u == 0)
			return false;
	}
	return false;
}

static bool name_ends(const uint8_t *p)
{
	for (size_t i = 0; i < AC_NAME_UNITS; i++) {
		uint16_t u = tb_ld_u16le(p + 2 * i);
		if (u == '%' || u == 0)
			return true;
	}
	return false;
}

static bool ac_sniff(const uint8_t *buf, size_t len)
{
	switch (len) {
	case AC_CAR_INFO_SIZE:
		return buf[0] == AC_CAR_INFO_ID &&
		       tb_ld_u32le(buf + CI_SIZE) == AC_CAR_INFO_SIZE;
	case AC_RESPONSE_SIZE:
		return names_end_pct(buf + RS_CAR) &&
		       names_end_pct(buf + RS_DRIVER) &&
		       names_end_pct(buf + RS_TRACK) &&
		       names_end_pct(buf + RS_CONFIG);
	case AC_LAP_SIZE:
		/* a finished lap: a number and a time */
		return ld_i32(buf + LP_CAR_ID) >= 0 &&
		       ld_i32(buf + LP_LAP) >= 1 && ld_i32(buf + LP_TIME) > 0 &&
		       name_ends(buf + LP_DRIVER) && name_ends(buf + LP_CAR);
	default:
		return false;
	}
}

static enum tb_status ac_gen_encode(const struct gen_frame *f, unsigned car,
				    char variant, uint8_t *buf, size_t cap,
				    size_t *len)
{
	(void)variant;
	*len = 0;
	struct ac_packet p;
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_CAR_INFO;
	enum tb_status st = ac_gen_car_info(f, car, &p.u.car);
	if (st != TB_OK)
		return st;
	return ac_encode(&p, buf, cap, len);
}

const struct ingest_proto ingest_proto_ac = {
    .version = 1,
    .name = "ac",
    .title = "Assetto Corsa (Remote Telemetry)",
    .default_port = 0, /* we ask the game; any local port */
    .sniff = ac_sniff,
    .create = ac_create,
    .destroy = ac_destroy,
    .datagram = ac_datagram,
    .tick = ac_tick,
    .flush = ac_flush,
    .stats = ac_stats,
    .kind_name = ac_kind_name,
    .gen_encode = ac_gen_encode,
};

/* test_f1_codec.c - the F1 UDP codec without recordings: encode -> decode
 * round trips for every (format, id) with non-trivial values; every
 * truncated length of every pair rejected with the right status, and
 * one byte too many too; unknown formats and ids; event length rules;
 * error messages; and 100,000 random datagrams (fixed seed) that must be
 * rejected or decoded without a crash (run under ASan+UBSan, each
 * datagram in its own exact-size heap block). */
#include "tb_ingest_test.h"

#include "ingest/f1.h"

static const uint16_t formats[] = {2022, 2023, 2024, 2025};
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

/* xorshift64* (tb_ingest_test.h): deterministic, seedable. */
static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	return tbt_rng_next(&g_rng);
}
static uint32_t rnd_u(uint32_t n)
{
	return tbt_rng_below(&g_rng, n);
}
static float rnd_f(void)
{
	return tbt_rng_grid(&g_rng);
}
static void rnd_fs(float *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		f[i] = rnd_f();
}

static void fill_header(struct f1_header *h, uint16_t format, unsigned id)
{
	h->format = format;
	h->game_year = format == 2022 ? 0 : (uint8_t)(format - 2000);
	h->game_major = 1;
	h->game_minor = (uint8_t)rnd_u(30);
	h->packet_version = 1;
	h->packet_id = (uint8_t)id;
	h->session_uid = rnd();
	h->session_time = 1234.5f;
	h->frame_id = (uint32_t)rnd();
	h->overall_frame_id = format == 2022 ? h->frame_id : (uint32_t)rnd();
	h->player_car = 19;
	h->player2_car = 255;
}

static void fill_motion_ex(struct f1_motion_ex *x, uint16_t format)
{
	memset(x, 0, sizeof(*x));
	rnd_fs(x->susp_pos, 4);
	rnd_fs(x->susp_vel, 4);
	rnd_fs(x->susp_acc, 4);
	rnd_fs(x->wheel_speed, 4);
	rnd_fs(x->wheel_slip_ratio, 4);
	rnd_fs(x->local_vel, 3);
	rnd_fs(x->ang_vel, 3);
	rnd_fs(x->ang_acc, 3);
	x->front_wheels_angle = rnd_f();
	if (format == 2022)
		return; /* the 2022 subset inside Motion */
	rnd_fs(x->wheel_slip_angle, 4);
	rnd_fs(x->wheel_lat_force, 4);
	rnd_fs(x->wheel_long_force, 4);
	x->height_cog_ground = rnd_f();
	rnd_fs(x->wheel_vert_force, 4);
	if (format < 2024)
		return;
	x->front_aero_height = rnd_f();
	x->rear_aero_height = rnd_f();
	x->front_roll_angle = rnd_f();
	x->rear_roll_angle = rnd_f();
	x->chassis_yaw = rnd_f();
	if (format < 2025)
		return;
	x->chassis_pitch = rnd_f();
	rnd_fs(x->wheel_camber, 4);
	rnd_fs(x->wheel_camber_gain, 4);
}

static void fill_lap(struct f1_packet *p, uint16_t format)
{
	for (size_t i = 0; i < F1_CARS; i++) {
		struct f1_lap_car *c = &p->u.lap.cars[i];
		c->last_lap_ms = (uint32_t)rnd();
		c->current_lap_ms = (uint32_t)rnd();
		/* 2022 has no minutes parts: u16 only. */
		uint32_t lim = format == 2022 ? 65536 : 200u * 60000u;
		c->sector1_ms = rnd_u(lim);
		c->sector2_ms = rnd_u(lim);
		if (format == 2023) {
			c->delta_front_ms = rnd_u(65536);
			c->delta_leader_ms = rnd_u(65536);
		} else if (format >= 2024) {
			c->delta_front_ms = rnd_u(lim);
			c->delta_leader_ms = rnd_u(lim);
		}
		c->lap_distance = rnd_f();
		c->total_distance = rnd_f();
		c->safety_car_delta = rnd_f();
		c->position = (uint8_t)(i + 1);
		c->lap_num = (uint8_t)rnd();
		c->pit_status = (uint8_t)rnd();
		c->num_pit_stops = (uint8_t)rnd();
		c->sector = (uint8_t)rnd_u(3);
		c->lap_invalid = (uint8_t)rnd_u(2);
		c->penalties = (uint8_t)rnd();
		c->total_warnings = (uint8_t)rnd();
		if (format >= 2023)
			c->corner_cutting_warnings = (uint8_t)rnd();
		c->grid_position = (uint8_t)rnd();
		c->driver_status = (uint8_t)rnd();
		c->result_status = (uint8_t)rnd();
		c->pit_lane_timer_active = (uint8_t)rnd();
		c->unserved_drive_through = (uint8_t)rnd();
		c->unserved_stop_go = (uint8_t)rnd();
		c->pit_lane_time_ms = (uint16_t)rnd();
		c->pit_stop_timer_ms = (uint16_t)rnd();
		c->pit_stop_serve_pen = (uint8_t)rnd();
		if (format >= 2024) {
			c->speed_trap_kmh = rnd_f();
			c->speed_trap_lap = (uint8_t)rnd();
		}
	}
	p->u.lap.tt_pb_car = 3;
	p->u.lap.tt_rival_car = 7;
}

static void fill_participants(struct f1_participants *o, uint16_t format)
{
	size_t name_max = format == 2025 ? 32 : 48;
	o->num_active = 20;
	for (size_t i = 0; i < F1_CARS; i++) {
		struct f1_participant *c = &o->cars[i];
		c->ai = (uint8_t)rnd_u(2);
		c->driver_id = (uint8_t)rnd();
		c->network_id = (uint8_t)rnd();
		c->team_id = (uint8_t)rnd();
		c->my_team = (uint8_t)rnd();
		c->race_number = (uint8_t)rnd();
		c->nationality = (uint8_t)rnd();
		/* Up to the full field width (no NUL on the wire then). */
		size_t n = 1 + rnd_u((uint32_t)name_max);
		if (i == 0)
			n = name_max;
		for (size_t k = 0; k < n; k++)
			c->name[k] = (char)('A' + rnd_u(26));
		c->your_telemetry = (uint8_t)rnd_u(2);
		if (format >= 2023) {
			c->show_online_names = (uint8_t)rnd_u(2);
			c->platform = (uint8_t)rnd();
		}
		if (format >= 2024)
			c->tech_level = (uint16_t)rnd();
		if (format >= 2025) {
			c->num_colours = (uint8_t)rnd_u(5);
			for (size_t k = 0; k < 4; k++)
				for (size_t j = 0; j < 3; j++)
					c->livery[k][j] = (uint8_t)rnd();
		}
	}
}

static void fill_telemetry(struct f1_telemetry_car *t)
{
	for (size_t i = 0; i < F1_CARS; i++) {
		struct f1_telemetry_car *c = &t[i];
		c->speed_kmh = (uint16_t)rnd_u(400);
		c->throttle = rnd_f();
		c->steer = rnd_f();
		c->brake = rnd_f();
		c->clutch = (uint8_t)rnd_u(101);
		c->gear = (int8_t)((int)rnd_u(10) - 1);
		c->rpm = (uint16_t)rnd();
		c->drs = (uint8_t)rnd_u(2);
		c->rev_lights_pct = (uint8_t)rnd_u(101);
		c->rev_lights_bits = (uint16_t)rnd();
		for (size_t k = 0; k < 4; k++) {
			c->brake_temp[k] = (uint16_t)rnd();
			c->tyre_surf_temp[k] = (uint8_t)rnd();
			c->tyre_inner_temp[k] = (uint8_t)rnd();
			c->tyre_press[k] = rnd_f();
			c->surface[k] = (uint8_t)rnd();
		}
		c->engine_temp = (uint16_t)rnd();
	}
}

static void fill_status(struct f1_status_car *s, uint16_t format)
{
	for (size_t i = 0; i < F1_CARS; i++) {
		struct f1_status_car *c = &s[i];
		c->traction_control = (uint8_t)rnd();
		c->abs = (uint8_t)rnd();
		c->fuel_mix = (uint8_t)rnd();
		c->brake_bias = (uint8_t)rnd();
		c->pit_limiter = (uint8_t)rnd();
		c->fuel_in_tank = rnd_f();
		c->fuel_capacity = rnd_f();
		c->fuel_remaining_laps = rnd_f();
		c->max_rpm = (uint16_t)rnd();
		c->idle_rpm = (uint16_t)rnd();
		c->max_gears = (uint8_t)rnd();
		c->drs_allowed = (uint8_t)rnd();
		c->drs_activation_distance = (uint16_t)rnd();
		c->actual_compound = (uint8_t)rnd();
		c->visual_compound = (uint8_t)rnd();
		c->tyre_age_laps = (uint8_t)rnd();
		c->fia_flags = (int8_t)rnd();
		if (format >= 2023) {
			c->engine_power_ice = rnd_f();
			c->engine_power_mguk = rnd_f();
		}
		c->ers_store = rnd_f();
		c->ers_mode = (uint8_t)rnd();
		c->ers_harvest_mguk = rnd_f();
		c->ers_harvest_mguh = rnd_f();
		c->ers_deployed = rnd_f();
		c->network_paused = (uint8_t)rnd();
	}
}

static void fill_history(struct f1_session_history *h, uint16_t format)
{
	uint32_t lim = format == 2022 ? 65536 : 200u * 60000u;
	h->car_idx = 7;
	h->num_laps = 42;
	h->num_tyre_stints = 3;
	h->best_lap = 12;
	h->best_s1_lap = 13;
	h->best_s2_lap = 14;
	h->best_s3_lap = 15;
	for (size_t i = 0; i < F1_HISTORY_LAPS; i++) {
		h->laps[i].lap_ms = (uint32_t)rnd();
		h->laps[i].s1_ms = rnd_u(lim);
		h->laps[i].s2_ms = rnd_u(lim);
		h->laps[i].s3_ms = rnd_u(lim);
		h->laps[i].valid_flags = (uint8_t)rnd_u(16);
	}
	for (size_t i = 0; i < F1_HISTORY_STINTS; i++) {
		h->stints[i].end_lap = (uint8_t)rnd();
		h->stints[i].actual_compound = (uint8_t)rnd();
		h->stints[i].visual_compound = (uint8_t)rnd();
	}
}

static const char *const event_codes[] = {
    "SSTA", "SEND", "FTLP", "RTMT", "DRSE", "DRSD", "TMPT", "CHQF",
    "RCWN", "PENA", "SPTP", "STLG", "LGOT", "DTSV", "SGSV", "FLBK",
    "BUTN", "RDFL", "OVTK", "SCAR", "COLL", "ZZZZ",
};
#define N_CODES (sizeof(event_codes) / sizeof(event_codes[0]))

/* Set exactly the fields the code carries in that format. */
static void fill_event(struct f1_event *e, uint16_t format, const char *code)
{
	memcpy(e->code, code, 5);
	if (!strcmp(code, "FTLP")) {
		e->vehicle_idx = 5;
		e->lap_time_s = 83.125f;
	} else if (!strcmp(code, "RTMT")) {
		e->vehicle_idx = 9;
		if (format >= 2025)
			e->reason = 4;
	} else if (!strcmp(code, "DRSD")) {
		if (format >= 2024)
			e->reason = 2;
	} else if (!strcmp(code, "TMPT") || !strcmp(code, "RCWN") ||
		   !strcmp(code, "DTSV")) {
		e->vehicle_idx = 11;
	} else if (!strcmp(code, "SGSV")) {
		e->vehicle_idx = 12;
		if (format >= 2025)
			e->stop_time_s = 10.5f;
	} else if (!strcmp(code, "PENA")) {
		e->penalty_type = 5;
		e->infringement_type = 7;
		e->vehicle_idx = 3;
		e->other_vehicle_idx = 4;
		e->penalty_time = 5;
		e->penalty_lap = 17;
		e->places_gained = 2;
	} else if (!strcmp(code, "SPTP")) {
		e->vehicle_idx = 1;
		e->speed_kmh = 321.5f;
		e->is_overall_fastest = 1;
		e->is_driver_fastest = 1;
		e->other_vehicle_idx = 2;
		e->fastest_speed_kmh = 330.25f;
	} else if (!strcmp(code, "STLG")) {
		e->num_lights = 4;
	} else if (!strcmp(code, "FLBK")) {
		e->flashback_frame_id = 123456;
		e->flashback_session_time = 987.5f;
	} else if (!strcmp(code, "BUTN")) {
		e->button_status = 0xdeadbeef;
	} else if (!strcmp(code, "OVTK") || !strcmp(code, "COLL")) {
		e->vehicle_idx = 14;
		e->other_vehicle_idx = 15;
	} else if (!strcmp(code, "SCAR")) {
		e->safety_car_type = 2;
		e->safety_car_event = 3;
	}
}

/* A packet with every decoded field of (format, id) set. */
static void fill_packet(struct f1_packet *p, uint16_t format, unsigned id)
{
	memset(p, 0, sizeof(*p));
	fill_header(&p->h, format, id);
	switch (id) {
	case F1_MOTION:
		for (size_t i = 0; i < F1_CARS; i++) {
			struct f1_motion_car *m = &p->u.motion[i];
			rnd_fs(m->pos, 3);
			rnd_fs(m->vel, 3);
			for (size_t k = 0; k < 3; k++) {
				m->fwd[k] = (int16_t)rnd();
				m->right[k] = (int16_t)rnd();
			}
			m->g_lat = rnd_f();
			m->g_lon = rnd_f();
			m->g_vert = rnd_f();
			m->yaw = rnd_f();
			m->pitch = rnd_f();
			m->roll = rnd_f();
		}
		if (format == 2022)
			fill_motion_ex(&p->motion22_ex, 2022);
		break;
	case F1_SESSION:
		p->u.session = (struct f1_session){.weather = 3,
						   .track_temp = -5,
						   .air_temp = 41,
						   .total_laps = 57,
						   .track_length = 5412,
						   .session_type = 15,
						   .track_id = -1,
						   .formula = 2,
						   .time_left = 3599,
						   .duration = 7200,
						   .pit_speed_limit = 80,
						   .game_paused = 1,
						   .is_spectating = 1,
						   .spectator_car = 21};
		break;
	case F1_LAP_DATA:
		fill_lap(p, format);
		break;
	case F1_EVENT:
		fill_event(&p->u.event, format, "SPTP");
		break;
	case F1_PARTICIPANTS:
		fill_participants(&p->u.participants, format);
		break;
	case F1_CAR_TELEMETRY:
		fill_telemetry(p->u.telemetry);
		break;
	case F1_CAR_STATUS:
		fill_status(p->u.status, format);
		break;
	case F1_SESSION_HISTORY:
		fill_history(&p->u.history, format);
		break;
	case F1_MOTION_EX:
		fill_motion_ex(&p->u.motion_ex, format);
		break;
	default:
		break;
	}
}

static void assert_header_equal(const struct f1_header *a,
				const struct f1_header *b)
{
	assert_int_equal(a->format, b->format);
	assert_int_equal(a->game_year, b->game_year);
	assert_int_equal(a->game_major, b->game_major);
	assert_int_equal(a->game_minor, b->game_minor);
	assert_int_equal(a->packet_version, b->packet_version);
	assert_int_equal(a->packet_id, b->packet_id);
	assert_true(a->session_uid == b->session_uid);
	assert_true(a->session_time == b->session_time);
	assert_int_equal(a->frame_id, b->frame_id);
	assert_int_equal(a->overall_frame_id, b->overall_frame_id);
	assert_int_equal(a->player_car, b->player_car);
	assert_int_equal(a->player2_car, b->player2_car);
}

/* Bytes of the union member that the id decodes (0: none). */
static size_t body_size(unsigned id)
{
	struct f1_packet *p = NULL;
	switch (id) {
	case F1_MOTION:
		return sizeof(p->u.motion);
	case F1_SESSION:
		return sizeof(p->u.session);
	case F1_LAP_DATA:
		return sizeof(p->u.lap);
	case F1_EVENT:
		return sizeof(p->u.event);
	case F1_PARTICIPANTS:
		return sizeof(p->u.participants);
	case F1_CAR_TELEMETRY:
		return sizeof(p->u.telemetry);
	case F1_CAR_STATUS:
		return sizeof(p->u.status);
	case F1_SESSION_HISTORY:
		return sizeof(p->u.history);
	case F1_MOTION_EX:
		return sizeof(p->u.motion_ex);
	default:
		return 0;
	}
}

/* decode(encode(p)) == p and encode(decode(encode(p))) is the same
 * bytes. Both packets start zeroed, so the member bytes compare. */
static void round_trip(const struct f1_packet *in)
{
	static uint8_t buf[TB_DATAGRAM_MAX], buf2[TB_DATAGRAM_MAX];
	static struct f1_packet out;
	size_t len = 0, len2 = 0;
	unsigned id = in->h.packet_id;
	assert_int_equal(f1_encode(in, buf, sizeof(buf), &len), TB_OK);
	assert_int_equal(len, f1_packet_size(in->h.format, id));
	memset(&out, 0, sizeof(out));
	struct tb_error err = {0};
	enum tb_status st = f1_decode(buf, len, &out, &err);
	if (st != TB_OK)
		fail_msg("%u/%u: %s", in->h.format, id, err.msg);
	assert_header_equal(&in->h, &out.h);
	size_t n = body_size(id);
	if (n && memcmp(&in->u, &out.u, n) != 0)
		fail_msg("F1 %u %s: decoded body differs from the encoded one",
			 in->h.format, f1_packet_name(id));
	if (memcmp(&in->motion22_ex, &out.motion22_ex,
		   sizeof(out.motion22_ex)) != 0)
		fail_msg("F1 %u: motion22_ex differs", in->h.format);
	assert_int_equal(f1_encode(&out, buf2, sizeof(buf2), &len2), TB_OK);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
}

static void test_round_trip_all(void **state)
{
	(void)state;
	static struct f1_packet p;
	size_t n = 0;
	for (size_t f = 0; f < N_FORMATS; f++) {
		for (unsigned id = 0; id < F1_PACKET__COUNT; id++) {
			if (!f1_packet_size(formats[f], id))
				continue;
			for (int rep = 0; rep < 3; rep++) {
				fill_packet(&p, formats[f], id);
				round_trip(&p);
				n++;
			}
		}
	}
	assert_int_equal(n, 3 * (12 + 14 + 15 + 16));
}

static void test_round_trip_events(void **state)
{
	(void)state;
	static struct f1_packet p;
	for (size_t f = 0; f < N_FORMATS; f++) {
		for (size_t c = 0; c < N_CODES; c++) {
			memset(&p, 0, sizeof(p));
			fill_header(&p.h, formats[f], F1_EVENT);
			fill_event(&p.u.event, formats[f], event_codes[c]);
			round_trip(&p);
		}
	}
}

/* Values that exercise the minutes parts: 75,123 ms = 1 min 15,123. */
static void test_minutes_parts(void **state)
{
	(void)state;
	static struct f1_packet p, out;
	static uint8_t buf[TB_DATAGRAM_MAX];
	size_t len;
	memset(&p, 0, sizeof(p));
	fill_header(&p.h, 2024, F1_LAP_DATA);
	p.u.lap.cars[0].sector1_ms = 75123;
	p.u.lap.cars[0].delta_leader_ms = 3u * 60000u + 7;
	assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
	assert_int_equal(buf[29 + 8] | (buf[29 + 9] << 8), 15123);
	assert_int_equal(buf[29 + 10], 1);
	assert_int_equal(buf[29 + 19], 3);
	assert_int_equal(f1_decode(buf, len, &out, NULL), TB_OK);
	assert_int_equal(out.u.lap.cars[0].sector1_ms, 75123);
	assert_int_equal(out.u.lap.cars[0].delta_leader_ms, 180007);
}

/* Decode a copy of buf[0..len) in an exact-size heap block. */
static enum tb_status decode_copy(const uint8_t *buf, size_t len,
				  struct f1_packet *out, struct tb_error *err)
{
	if (len > 65536) {
		fail_msg("decode_copy: %zu bytes is no datagram", len);
		return TB_ERR_ARG;
	}
	uint8_t *b = malloc(len ? len : 1);
	assert_non_null(b);
	if (len)
		memcpy(b, buf, len);
	enum tb_status st = f1_decode(b, len, out, err);
	free(b);
	return st;
}

static void test_truncated_and_long(void **state)
{
	(void)state;
	static struct f1_packet p, out;
	static uint8_t buf[TB_DATAGRAM_MAX + 16];
	for (size_t f = 0; f < N_FORMATS; f++) {
		uint16_t fmt = formats[f];
		size_t hs = f1_header_size(fmt);
		for (unsigned id = 0; id < F1_PACKET__COUNT; id++) {
			size_t size = f1_packet_size(fmt, id), len = 0;
			if (!size)
				continue;
			/* Events: SPTP, whose 12 detail bytes fill it. */
			fill_packet(&p, fmt, id);
			assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len),
					 TB_OK);
			for (size_t n = 0; n < size; n++) {
				enum tb_status want =
				    n < hs ? TB_ERR_TRUNCATED : TB_ERR_LENGTH;
				enum tb_status st =
				    decode_copy(buf, n, &out, NULL);
				if (st != want)
					fail_msg(
					    "F1 %u %s len %zu: %s, want %s",
					    fmt, f1_packet_name(id), n,
					    tb_status_name(st),
					    tb_status_name(want));
			}
			assert_int_equal(decode_copy(buf, size, &out, NULL),
					 TB_OK);
			size_t over = id == F1_EVENT ? size + 9 : size + 1;
			assert_int_equal(decode_copy(buf, over, &out, NULL),
					 TB_ERR_LENGTH);
		}
	}
}

static void test_event_lengths(void **state)
{
	(void)state;
	static struct f1_packet p, out;
	static uint8_t buf[TB_DATAGRAM_MAX];
	size_t len;
	for (size_t f = 0; f < N_FORMATS; f++) {
		uint16_t fmt = formats[f];
		size_t hs = f1_header_size(fmt);
		size_t size = f1_packet_size(fmt, F1_EVENT);
		/* Longer by up to 8 bytes (a 47-byte SCAR exists). */
		memset(&p, 0, sizeof(p));
		fill_header(&p.h, fmt, F1_EVENT);
		fill_event(&p.u.event, fmt, "SPTP");
		assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
		for (size_t n = size + 1; n <= size + 8; n++)
			assert_int_equal(decode_copy(buf, n, &out, NULL),
					 TB_OK);
		/* BUTN needs its u32, no more. */
		fill_event(&p.u.event, fmt, "BUTN");
		assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
		assert_int_equal(decode_copy(buf, hs + 8, &out, NULL), TB_OK);
		assert_int_equal(out.u.event.button_status, 0xdeadbeef);
		assert_int_equal(decode_copy(buf, hs + 7, &out, NULL),
				 TB_ERR_LENGTH);
		/* Codes without details: the code alone is enough. */
		memset(&p.u.event, 0, sizeof(p.u.event));
		fill_event(&p.u.event, fmt, "RDFL");
		assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
		assert_int_equal(decode_copy(buf, hs + 4, &out, NULL), TB_OK);
		assert_int_equal(decode_copy(buf, hs + 3, &out, NULL),
				 TB_ERR_LENGTH);
		/* 2025 RTMT carries a reason byte, earlier formats do not. */
		fill_event(&p.u.event, fmt, "RTMT");
		assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
		assert_int_equal(decode_copy(buf, hs + 5, &out, NULL),
				 fmt >= 2025 ? TB_ERR_LENGTH : TB_OK);
	}
}

static void put_header(uint8_t *b, uint16_t fmt, unsigned id)
{
	tb_st_u16le(b, fmt);
	b[fmt == 2022 ? 5 : 6] = (uint8_t)id;
}

static void test_unknown_format_and_id(void **state)
{
	(void)state;
	static struct f1_packet out;
	static uint8_t buf[1500];
	const uint16_t bad[] = {0, 2019, 2021, 2026, 0xFFFF};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(buf, 0, sizeof(buf));
		put_header(buf, bad[i], 0);
		assert_int_equal(decode_copy(buf, 1349, &out, NULL),
				 TB_ERR_FORMAT);
		assert_int_equal(decode_copy(buf, 24, &out, NULL),
				 TB_ERR_FORMAT);
		assert_int_equal(decode_copy(buf, 23, &out, NULL),
				 TB_ERR_TRUNCATED);
	}
	static const struct {
		uint16_t fmt;
		unsigned id;
	} ids[] = {{2022, 12}, {2022, 13}, {2022, 14}, {2022, 15}, {2022, 16},
		   {2023, 14}, {2023, 15}, {2024, 15}, {2025, 16}, {2025, 255}};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		memset(buf, 0, sizeof(buf));
		put_header(buf, ids[i].fmt, ids[i].id);
		assert_int_equal(decode_copy(buf, 231, &out, NULL), TB_ERR_ID);
		assert_int_equal(f1_packet_size(ids[i].fmt, ids[i].id), 0);
	}
	/* Id checked before the header length (2023+: 24..28 bytes). */
	memset(buf, 0, sizeof(buf));
	put_header(buf, 2025, 0);
	assert_int_equal(decode_copy(buf, 28, &out, NULL), TB_ERR_TRUNCATED);
	put_header(buf, 2025, 99);
	assert_int_equal(decode_copy(buf, 28, &out, NULL), TB_ERR_ID);
}

static void test_error_messages(void **state)
{
	(void)state;
	static struct f1_packet p, out;
	static uint8_t buf[TB_DATAGRAM_MAX];
	size_t len;
	struct tb_error err;
	fill_packet(&p, 2025, F1_MOTION);
	assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
	assert_int_equal(f1_decode(buf, 1204, &out, &err), TB_ERR_LENGTH);
	assert_int_equal(err.status, TB_ERR_LENGTH);
	assert_string_equal(err.msg,
			    "F1 2025 Motion: 1204 bytes, expected 1349");
	fill_packet(&p, 2022, F1_CAR_TELEMETRY);
	assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
	assert_int_equal(f1_decode(buf, 1352, &out, &err), TB_ERR_LENGTH);
	assert_string_equal(err.msg,
			    "F1 2022 CarTelemetry: 1352 bytes, expected 1347");
	assert_int_equal(f1_decode(buf, 3, &out, &err), TB_ERR_TRUNCATED);
	assert_non_null(strstr(err.msg, "3 bytes"));
	tb_st_u16le(buf, 2021);
	assert_int_equal(f1_decode(buf, 1347, &out, &err), TB_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "2021"));
	assert_int_equal(f1_decode(NULL, 0, &out, &err), TB_ERR_TRUNCATED);
	assert_int_equal(f1_decode(buf, 10, NULL, &err), TB_ERR_ARG);
}

static void test_encode_errors(void **state)
{
	(void)state;
	static struct f1_packet p;
	static uint8_t buf[TB_DATAGRAM_MAX];
	size_t len = 0;
	fill_packet(&p, 2024, F1_LAP_DATA);
	assert_int_equal(f1_encode(&p, buf, 1284, &len), TB_ERR_LIMIT);
	assert_int_equal(f1_encode(&p, buf, 1285, &len), TB_OK);
	assert_int_equal(len, 1285);
	p.h.format = 2021;
	assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_ERR_FORMAT);
	p.h.format = 2022;
	p.h.packet_id = F1_MOTION_EX;
	assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_ERR_ID);
	assert_int_equal(f1_encode(NULL, buf, sizeof(buf), &len), TB_ERR_ARG);
	/* Ids without a decoded body: right size, zero body. */
	fill_packet(&p, 2025, F1_CAR_DAMAGE);
	assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
	assert_int_equal(len, 1041);
	for (size_t i = 29; i < len; i++)
		assert_int_equal(buf[i], 0);
	/* Events: 40 bytes in 2022, 45 after. */
	fill_packet(&p, 2022, F1_EVENT);
	assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
	assert_int_equal(len, 40);
	fill_packet(&p, 2023, F1_EVENT);
	assert_int_equal(f1_encode(&p, buf, sizeof(buf), &len), TB_OK);
	assert_int_equal(len, 45);
}

static void test_tables(void **state)
{
	(void)state;
	assert_string_equal(f1_packet_name(F1_CAR_TELEMETRY), "CarTelemetry");
	assert_string_equal(f1_packet_name(16), "?");
	assert_int_equal(f1_header_size(2022), 24);
	assert_int_equal(f1_header_size(2025), 29);
	assert_int_equal(f1_header_size(2026), 0);
	assert_int_equal(f1_packet_size(2022, F1_MOTION), 1464);
	assert_int_equal(f1_packet_size(2025, F1_PARTICIPANTS), 1284);
	assert_int_equal(f1_packet_size(2025, F1_LAP_POSITIONS), 1131);
	assert_int_equal(f1_packet_size(2024, F1_LAP_POSITIONS), 0);
	assert_int_equal(f1_packet_size(2030, F1_MOTION), 0);
	assert_int_equal(f1_session_kind(2022, 10), TB_SESSION_RACE);
	assert_int_equal(f1_session_kind(2022, 13), TB_SESSION_TIME_TRIAL);
	assert_int_equal(f1_session_kind(2023, 18), TB_SESSION_TIME_TRIAL);
	assert_int_equal(f1_session_kind(2024, 10), TB_SESSION_QUALIFYING);
	assert_int_equal(f1_session_kind(2024, 15), TB_SESSION_RACE);
	assert_int_equal(f1_session_kind(2025, 1), TB_SESSION_PRACTICE);
	assert_int_equal(f1_session_kind(2025, 0), TB_SESSION_UNKNOWN);
	assert_int_equal(f1_session_kind(2025, 99), TB_SESSION_UNKNOWN);
	assert_int_equal(f1_session_kind(2021, 10), TB_SESSION_UNKNOWN);
	assert_string_equal(f1_track_name(7), "Silverstone");
	assert_string_equal(f1_track_name(-1), "");
	assert_string_equal(f1_track_name(35), "");
	assert_string_equal(f1_track_name(1000), "");
	struct f1_header h = {.format = 2023, .game_year = 0};
	assert_int_equal(f1_game(&h), TB_GAME_F1_23);
	h.game_year = 25;
	assert_int_equal(f1_game(&h), TB_GAME_F1_25);
	h.format = 2021;
	h.game_year = 0;
	assert_int_equal(f1_game(&h), TB_GAME_UNKNOWN);
}

/* 100,000 random datagrams: half pure noise of random length, half with
 * a valid (format, id) header prefix and a length near the right one. */
static void test_random_datagrams(void **state)
{
	(void)state;
	static struct f1_packet out;
	static uint8_t buf[TB_DATAGRAM_MAX + 16];
	size_t ok = 0, rejected = 0;
	g_rng = 20250601;
	for (int i = 0; i < 100000; i++) {
		size_t len = rnd_u(TB_DATAGRAM_MAX + 1);
		for (size_t k = 0; k < sizeof(buf); k++)
			buf[k] = (uint8_t)rnd();
		if (i & 1) {
			uint16_t fmt = formats[rnd_u(N_FORMATS)];
			unsigned id = rnd_u(F1_PACKET__COUNT);
			put_header(buf, fmt, id);
			size_t size = f1_packet_size(fmt, id);
			if (size && rnd_u(2))
				len = size + rnd_u(3) - 1 +
				      (id == F1_EVENT ? rnd_u(9) : 0);
			if (id == F1_EVENT && rnd_u(2))
				memcpy(buf + f1_header_size(fmt),
				       event_codes[rnd_u(N_CODES)], 4);
		}
		struct tb_error err;
		enum tb_status st = decode_copy(buf, len, &out, &err);
		if (st == TB_OK) {
			ok++;
		} else {
			assert_true(st == TB_ERR_TRUNCATED ||
				    st == TB_ERR_FORMAT || st == TB_ERR_ID ||
				    st == TB_ERR_LENGTH);
			assert_int_equal(err.status, st);
			rejected++;
		}
	}
	printf("random datagrams: %zu decoded, %zu rejected\n", ok, rejected);
	assert_true(ok > 5000);
	assert_true(rejected > 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_all),
	    cmocka_unit_test(test_round_trip_events),
	    cmocka_unit_test(test_minutes_parts),
	    cmocka_unit_test(test_truncated_and_long),
	    cmocka_unit_test(test_event_lengths),
	    cmocka_unit_test(test_unknown_format_and_id),
	    cmocka_unit_test(test_error_messages),
	    cmocka_unit_test(test_encode_errors),
	    cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_random_datagrams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* f1_encode.c - F1 UDP datagram encoder for packet formats 2022-2025,
 * the mirror of f1_decode.c: the same offsets (per-format layouts shared
 * through f1_int.h), so that f1_decode(f1_encode(p)) gives p back. Used
 * by tests, the demo generator and the benchmark. Bodies without a
 * decoder are written as zeros of the right size. */
#include "f1_int.h"

#define F1_CODE(a, b, c, d)                                                    \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) |        \
	 ((uint32_t)(d) << 24))

static inline void st_i16(uint8_t *p, int16_t v)
{
	tb_st_u16le(p, (uint16_t)v);
}

static uint8_t *st_f32s(uint8_t *p, const float *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tb_st_f32le(p + 4 * i, src[i]);
	return p + 4 * n;
}

/* Split a time into the ms part and, when the format has one, a minutes
 * byte (offset 0 = none: the whole value goes into the u16). */
static void st_ms_min(uint8_t *c, uint8_t ms_off, uint8_t min_off, uint32_t v)
{
	if (min_off) {
		c[min_off] = (uint8_t)(v / 60000u);
		v %= 60000u;
	}
	tb_st_u16le(c + ms_off, (uint16_t)v);
}

static void enc_header(const struct f1_header *h, uint16_t format, uint8_t *b)
{
	tb_st_u16le(b, format);
	if (format == 2022) {
		b[2] = h->game_major;
		b[3] = h->game_minor;
		b[4] = h->packet_version;
		b[5] = h->packet_id;
		tb_st_u64le(b + 6, h->session_uid);
		tb_st_f32le(b + 14, h->session_time);
		tb_st_u32le(b + 18, h->frame_id);
		b[22] = h->player_car;
		b[23] = h->player2_car;
		return;
	}
	b[2] = h->game_year;
	b[3] = h->game_major;
	b[4] = h->game_minor;
	b[5] = h->packet_version;
	b[6] = h->packet_id;
	tb_st_u64le(b + 7, h->session_uid);
	tb_st_f32le(b + 15, h->session_time);
	tb_st_u32le(b + 19, h->frame_id);
	tb_st_u32le(b + 23, h->overall_frame_id);
	b[27] = h->player_car;
	b[28] = h->player2_car;
}

static void enc_motion(const struct f1_motion_car *m, uint8_t *p)
{
	for (size_t i = 0; i < F1_CARS; i++, p += 60) {
		const struct f1_motion_car *c = &m[i];
		for (size_t k = 0; k < 3; k++) {
			tb_st_f32le(p + 4 * k, c->pos[k]);
			tb_st_f32le(p + 12 + 4 * k, c->vel[k]);
			st_i16(p + 24 + 2 * k, c->fwd[k]);
			st_i16(p + 30 + 2 * k, c->right[k]);
		}
		tb_st_f32le(p + 36, c->g_lat);
		tb_st_f32le(p + 40, c->g_lon);
		tb_st_f32le(p + 44, c->g_vert);
		tb_st_f32le(p + 48, c->yaw);
		tb_st_f32le(p + 52, c->pitch);
		tb_st_f32le(p + 56, c->roll);
	}
}

static void enc_motion22_ex(const struct f1_motion_ex *x, uint8_t *p)
{
	p = st_f32s(p, x->susp_pos, 4);
	p = st_f32s(p, x->susp_vel, 4);
	p = st_f32s(p, x->susp_acc, 4);
	p = st_f32s(p, x->wheel_speed, 4);
	p = st_f32s(p, x->wheel_slip_ratio, 4);
	p = st_f32s(p, x->local_vel, 3);
	p = st_f32s(p, x->ang_vel, 3);
	p = st_f32s(p, x->ang_acc, 3);
	st_f32s(p, &x->front_wheels_angle, 1);
}

static void enc_motion_ex(const struct f1_motion_ex *x, uint16_t format,
			  uint8_t *p)
{
	p = st_f32s(p, x->susp_pos, 4);
	p = st_f32s(p, x->susp_vel, 4);
	p = st_f32s(p, x->susp_acc, 4);
	p = st_f32s(p, x->wheel_speed, 4);
	p = st_f32s(p, x->wheel_slip_ratio, 4);
	p = st_f32s(p, x->wheel_slip_angle, 4);
	p = st_f32s(p, x->wheel_lat_force, 4);
	p = st_f32s(p, x->wheel_long_force, 4);
	p = st_f32s(p, &x->height_cog_ground, 1);
	p = st_f32s(p, x->local_vel, 3);
	p = st_f32s(p, x->ang_vel, 3);
	p = st_f32s(p, x->ang_acc, 3);
	p = st_f32s(p, &x->front_wheels_angle, 1);
	p = st_f32s(p, x->wheel_vert_force, 4);
	if (format < 2024)
		return;
	p = st_f32s(p, &x->front_aero_height, 1);
	p = st_f32s(p, &x->rear_aero_height, 1);
	p = st_f32s(p, &x->front_roll_angle, 1);
	p = st_f32s(p, &x->rear_roll_angle, 1);
	p = st_f32s(p, &x->chassis_yaw, 1);
	if (format < 2025)
		return;
	p = st_f32s(p, &x->chassis_pitch, 1);
	p = st_f32s(p, x->wheel_camber, 4);
	st_f32s(p, x->wheel_camber_gain, 4);
}

static void enc_session(const struct f1_session *s, uint8_t *p)
{
	p[0] = s->weather;
	p[1] = (uint8_t)s->track_temp;
	p[2] = (uint8_t)s->air_temp;
	p[3] = s->total_laps;
	tb_st_u16le(p + 4, s->track_length);
	p[6] = s->session_type;
	p[7] = (uint8_t)s->track_id;
	p[8] = s->formula;
	tb_st_u16le(p + 9, s->time_left);
	tb_st_u16le(p + 11, s->duration);
	p[13] = s->pit_speed_limit;
	p[14] = s->game_paused;
	p[15] = s->is_spectating;
	p[16] = s->spectator_car;
}

static void enc_lap_car(const struct f1_lap_car *o,
			const struct f1__lap_layout *L, uint8_t *c)
{
	tb_st_u32le(c, o->last_lap_ms);
	tb_st_u32le(c + 4, o->current_lap_ms);
	st_ms_min(c, L->s1_ms, L->s1_min, o->sector1_ms);
	st_ms_min(c, L->s2_ms, L->s2_min, o->sector2_ms);
	if (L->front_ms)
		st_ms_min(c, L->front_ms, L->front_min, o->delta_front_ms);
	if (L->leader_ms)
		st_ms_min(c, L->leader_ms, L->leader_min, o->delta_leader_ms);
	tb_st_f32le(c + L->lap_dist, o->lap_distance);
	tb_st_f32le(c + L->total_dist, o->total_distance);
	tb_st_f32le(c + L->sc_delta, o->safety_car_delta);
	c[L->position] = o->position;
	c[L->lap_num] = o->lap_num;
	c[L->pit_status] = o->pit_status;
	c[L->num_pit_stops] = o->num_pit_stops;
	c[L->sector] = o->sector;
	c[L->invalid] = o->lap_invalid;
	c[L->penalties] = o->penalties;
	c[L->warnings] = o->total_warnings;
	if (L->cc_warnings)
		c[L->cc_warnings] = o->corner_cutting_warnings;
	c[L->dt_pens] = o->unserved_drive_through;
	c[L->sg_pens] = o->unserved_stop_go;
	c[L->grid] = o->grid_position;
	c[L->driver_status] = o->driver_status;
	c[L->result_status] = o->result_status;
	c[L->pit_timer_active] = o->pit_lane_timer_active;
	tb_st_u16le(c + L->pit_lane_time, o->pit_lane_time_ms);
	tb_st_u16le(c + L->pit_stop_timer, o->pit_stop_timer_ms);
	c[L->serve_pen] = o->pit_stop_serve_pen;
	if (L->trap_speed)
		tb_st_f32le(c + L->trap_speed, o->speed_trap_kmh);
	if (L->trap_lap)
		c[L->trap_lap] = o->speed_trap_lap;
}

static void enc_lap(const struct f1_packet *in, uint16_t format, uint8_t *p)
{
	const struct f1__lap_layout *L = f1__lap_layout(format);
	for (size_t i = 0; i < F1_CARS; i++)
		enc_lap_car(&in->u.lap.cars[i], L, p + i * L->stride);
	p += F1_CARS * L->stride;
	p[0] = in->u.lap.tt_pb_car;
	p[1] = in->u.lap.tt_rival_car;
}

static void enc_event(const struct f1_event *e, uint16_t format, uint8_t *p)
{
	uint8_t *d = p + 4;
	memcpy(p, e->code, 4);
	switch (tb_ld_u32le(p)) {
	case F1_CODE('F', 'T', 'L', 'P'):
		d[0] = e->vehicle_idx;
		tb_st_f32le(d + 1, e->lap_time_s);
		break;
	case F1_CODE('R', 'T', 'M', 'T'):
		d[0] = e->vehicle_idx;
		if (format >= 2025)
			d[1] = e->reason;
		break;
	case F1_CODE('D', 'R', 'S', 'D'):
		if (format >= 2024)
			d[0] = e->reason;
		break;
	case F1_CODE('T', 'M', 'P', 'T'):
	case F1_CODE('R', 'C', 'W', 'N'):
	case F1_CODE('D', 'T', 'S', 'V'):
		d[0] = e->vehicle_idx;
		break;
	case F1_CODE('S', 'G', 'S', 'V'):
		d[0] = e->vehicle_idx;
		if (format >= 2025)
			tb_st_f32le(d + 1, e->stop_time_s);
		break;
	case F1_CODE('P', 'E', 'N', 'A'):
		d[0] = e->penalty_type;
		d[1] = e->infringement_type;
		d[2] = e->vehicle_idx;
		d[3] = e->other_vehicle_idx;
		d[4] = e->penalty_time;
		d[5] = e->penalty_lap;
		d[6] = e->places_gained;
		break;
	case F1_CODE('S', 'P', 'T', 'P'):
		d[0] = e->vehicle_idx;
		tb_st_f32le(d + 1, e->speed_kmh);
		d[5] = e->is_overall_fastest;
		d[6] = e->is_driver_fastest;
		d[7] = e->other_vehicle_idx;
		tb_st_f32le(d + 8, e->fastest_speed_kmh);
		break;
	case F1_CODE('S', 'T', 'L', 'G'):
		d[0] = e->num_lights;
		break;
	case F1_CODE('F', 'L', 'B', 'K'):
		tb_st_u32le(d, e->flashback_frame_id);
		tb_st_f32le(d + 4, e->flashback_session_time);
		break;
	case F1_CODE('B', 'U', 'T', 'N'):
		tb_st_u32le(d, e->button_status);
		break;
	case F1_CODE('O', 'V', 'T', 'K'):
	case F1_CODE('C', 'O', 'L', 'L'):
		d[0] = e->vehicle_idx;
		d[1] = e->other_vehicle_idx;
		break;
	case F1_CODE('S', 'C', 'A', 'R'):
		d[0] = e->safety_car_type;
		d[1] = e->safety_car_event;
		break;
	default:
		break;
	}
}

static void enc_participant(const struct f1_participant *o,
			    const struct f1__part_layout *L, uint8_t *c)
{
	c[0] = o->ai;
	c[1] = o->driver_id;
	c[2] = o->network_id;
	c[3] = o->team_id;
	c[4] = o->my_team;
	c[5] = o->race_number;
	c[6] = o->nationality;
	/* Names longer than the field are cut (2025: 32 bytes, no NUL). */
	size_t n = strnlen(o->name, sizeof(o->name));
	memcpy(c + 7, o->name, n < L->name_len ? n : L->name_len);
	c[7 + L->name_len] = o->your_telemetry;
	if (L->show_online)
		c[L->show_online] = o->show_online_names;
	if (L->tech_level)
		tb_st_u16le(c + L->tech_level, o->tech_level);
	if (L->platform)
		c[L->platform] = o->platform;
	if (L->num_colours)
		c[L->num_colours] = o->num_colours;
	if (L->livery)
		memcpy(c + L->livery, o->livery, sizeof(o->livery));
}

static void enc_participants(const struct f1_participants *o, uint16_t format,
			     uint8_t *p)
{
	const struct f1__part_layout *L = f1__part_layout(format);
	p[0] = o->num_active;
	for (size_t i = 0; i < F1_CARS; i++)
		enc_participant(&o->cars[i], L, p + 1 + i * L->stride);
}

static void enc_telemetry(const struct f1_telemetry_car *t, uint8_t *p)
{
	for (size_t i = 0; i < F1_CARS; i++, p += 60) {
		const struct f1_telemetry_car *c = &t[i];
		tb_st_u16le(p, c->speed_kmh);
		tb_st_f32le(p + 2, c->throttle);
		tb_st_f32le(p + 6, c->steer);
		tb_st_f32le(p + 10, c->brake);
		p[14] = c->clutch;
		p[15] = (uint8_t)c->gear;
		tb_st_u16le(p + 16, c->rpm);
		p[18] = c->drs;
		p[19] = c->rev_lights_pct;
		tb_st_u16le(p + 20, c->rev_lights_bits);
		for (size_t k = 0; k < 4; k++) {
			tb_st_u16le(p + 22 + 2 * k, c->brake_temp[k]);
			p[30 + k] = c->tyre_surf_temp[k];
			p[34 + k] = c->tyre_inner_temp[k];
			tb_st_f32le(p + 40 + 4 * k, c->tyre_press[k]);
			p[56 + k] = c->surface[k];
		}
		tb_st_u16le(p + 38, c->engine_temp);
	}
}

static void enc_status(const struct f1_status_car *s, uint16_t format,
		       uint8_t *p)
{
	const struct f1__status_layout *L = f1__status_layout(format);
	for (size_t i = 0; i < F1_CARS; i++, p += L->stride) {
		const struct f1_status_car *c = &s[i];
		uint8_t *e = p + L->ers_store;
		p[0] = c->traction_control;
		p[1] = c->abs;
		p[2] = c->fuel_mix;
		p[3] = c->brake_bias;
		p[4] = c->pit_limiter;
		tb_st_f32le(p + 5, c->fuel_in_tank);
		tb_st_f32le(p + 9, c->fuel_capacity);
		tb_st_f32le(p + 13, c->fuel_remaining_laps);
		tb_st_u16le(p + 17, c->max_rpm);
		tb_st_u16le(p + 19, c->idle_rpm);
		p[21] = c->max_gears;
		p[22] = c->drs_allowed;
		tb_st_u16le(p + 23, c->drs_activation_distance);
		p[25] = c->actual_compound;
		p[26] = c->visual_compound;
		p[27] = c->tyre_age_laps;
		p[28] = (uint8_t)c->fia_flags;
		if (L->power_ice)
			tb_st_f32le(p + L->power_ice, c->engine_power_ice);
		if (L->power_mguk)
			tb_st_f32le(p + L->power_mguk, c->engine_power_mguk);
		tb_st_f32le(e, c->ers_store);
		e[4] = c->ers_mode;
		tb_st_f32le(e + 5, c->ers_harvest_mguk);
		tb_st_f32le(e + 9, c->ers_harvest_mguh);
		tb_st_f32le(e + 13, c->ers_deployed);
		e[17] = c->network_paused;
	}
}

static void enc_history(const struct f1_session_history *h, uint16_t format,
			uint8_t *p)
{
	size_t ls = f1__history_lap_size(format);
	p[0] = h->car_idx;
	p[1] = h->num_laps;
	p[2] = h->num_tyre_stints;
	p[3] = h->best_lap;
	p[4] = h->best_s1_lap;
	p[5] = h->best_s2_lap;
	p[6] = h->best_s3_lap;
	uint8_t *c = p + 7;
	for (size_t i = 0; i < F1_HISTORY_LAPS; i++, c += ls) {
		const struct f1_history_lap *l = &h->laps[i];
		tb_st_u32le(c, l->lap_ms);
		if (ls == 11) {
			tb_st_u16le(c + 4, (uint16_t)l->s1_ms);
			tb_st_u16le(c + 6, (uint16_t)l->s2_ms);
			tb_st_u16le(c + 8, (uint16_t)l->s3_ms);
			c[10] = l->valid_flags;
		} else {
			st_ms_min(c, 4, 6, l->s1_ms);
			st_ms_min(c, 7, 9, l->s2_ms);
			st_ms_min(c, 10, 12, l->s3_ms);
			c[13] = l->valid_flags;
		}
	}
	for (size_t i = 0; i < F1_HISTORY_STINTS; i++, c += 3) {
		c[0] = h->stints[i].end_lap;
		c[1] = h->stints[i].actual_compound;
		c[2] = h->stints[i].visual_compound;
	}
}

enum tb_status f1_encode(const struct f1_packet *p, uint8_t *buf, size_t cap,
			 size_t *out_len)
{
	if (!p || !buf || !out_len)
		return TB_ERR_ARG;
	uint16_t format = p->h.format;
	size_t hs = f1_header_size(format);
	if (hs == 0)
		return TB_ERR_FORMAT;
	unsigned id = p->h.packet_id;
	size_t size = f1_packet_size(format, id);
	if (size == 0)
		return TB_ERR_ID;
	if (cap < size)
		return TB_ERR_LIMIT;
	memset(buf, 0, size);
	enc_header(&p->h, format, buf);
	uint8_t *b = buf + hs;
	switch (id) {
	case F1_MOTION:
		enc_motion(p->u.motion, b);
		if (format == 2022)
			enc_motion22_ex(&p->motion22_ex, b + F1_CARS * 60);
		break;
	case F1_SESSION:
		enc_session(&p->u.session, b);
		break;
	case F1_LAP_DATA:
		enc_lap(p, format, b);
		break;
	case F1_EVENT:
		enc_event(&p->u.event, format, b);
		break;
	case F1_PARTICIPANTS:
		enc_participants(&p->u.participants, format, b);
		break;
	case F1_CAR_TELEMETRY:
		enc_telemetry(p->u.telemetry, b);
		break;
	case F1_CAR_STATUS:
		enc_status(p->u.status, format, b);
		break;
	case F1_SESSION_HISTORY:
		enc_history(&p->u.history, format, b);
		break;
	case F1_MOTION_EX:
		enc_motion_ex(&p->u.motion_ex, format, b);
		break;
	default: /* no decoded body: zeros of the right size */
		break;
	}
	*out_len = size;
	return TB_OK;
}

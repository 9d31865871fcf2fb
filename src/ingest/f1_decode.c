/* f1_decode.c - F1 UDP datagram decoder for packet formats 2022-2025.
 * f1_decode() checks the length for the (format, id) pair before it reads
 * anything, then reads fixed offsets with tb_ld_* (no cursor state, no
 * allocation). Each record's layout and its source are written next to
 * its decoder; the layouts that changed between formats live in
 * f1_tables.c, shared with f1_encode.c. */
#include "f1_int.h"

/* Event code as a little-endian u32, for switch statements. */
#define F1_CODE(a, b, c, d)                                                    \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) |        \
	 ((uint32_t)(d) << 24))

static inline int16_t ld_i16(const uint8_t *p)
{
	return (int16_t)tb_ld_u16le(p);
}

static const uint8_t *ld_f32s(const uint8_t *p, float *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = tb_ld_f32le(p + 4 * i);
	return p + 4 * n;
}

/* ms part plus an optional minutes byte (offset 0 = none in the format). */
static uint32_t ld_ms_min(const uint8_t *c, uint8_t ms_off, uint8_t min_off)
{
	uint32_t v = tb_ld_u16le(c + ms_off);
	if (min_off)
		v += (uint32_t)c[min_off] * 60000u;
	return v;
}

/* Header. 2022 (24 B): u16 packetFormat @0, u8 gameMajorVersion @2,
 * gameMinorVersion @3, packetVersion @4, packetId @5, u64 sessionUID @6,
 * f32 sessionTime @14, u32 frameIdentifier @18, u8 playerCarIndex @22,
 * secondaryPlayerCarIndex @23. 2023+ (29 B): format @0, u8 gameYear @2,
 * major @3, minor @4, packetVersion @5, packetId @6, uid @7, time @15,
 * frame @19, u32 overallFrameIdentifier @23, player @27, player2 @28.
 * Source: FORMATS.md section 1, checked on every fixture. */
static void dec_header(const uint8_t *b, uint16_t format, struct f1_header *h)
{
	h->format = format;
	if (format == 2022) {
		h->game_year = 0;
		h->game_major = b[2];
		h->game_minor = b[3];
		h->packet_version = b[4];
		h->packet_id = b[5];
		h->session_uid = tb_ld_u64le(b + 6);
		h->session_time = tb_ld_f32le(b + 14);
		h->frame_id = tb_ld_u32le(b + 18);
		h->overall_frame_id = h->frame_id;
		h->player_car = b[22];
		h->player2_car = b[23];
		return;
	}
	h->game_year = b[2];
	h->game_major = b[3];
	h->game_minor = b[4];
	h->packet_version = b[5];
	h->packet_id = b[6];
	h->session_uid = tb_ld_u64le(b + 7);
	h->session_time = tb_ld_f32le(b + 15);
	h->frame_id = tb_ld_u32le(b + 19);
	h->overall_frame_id = tb_ld_u32le(b + 23);
	h->player_car = b[27];
	h->player2_car = b[28];
}

/* Motion (id 0), all formats: 22 x 60 B at H. f32 worldPosition X/Y/Z
 * @0/4/8, worldVelocity X/Y/Z @12/16/20, i16 worldForwardDir X/Y/Z
 * @24/26/28, worldRightDir X/Y/Z @30/32/34, f32 gForceLateral @36,
 * gForceLongitudinal @40, gForceVertical @44, yaw @48, pitch @52,
 * roll @56. Source: FORMATS.md; maciejpedzich src/packets/motion.rs. */
static void dec_motion(const uint8_t *p, struct f1_motion_car *m)
{
	for (size_t i = 0; i < F1_CARS; i++, p += 60) {
		struct f1_motion_car *c = &m[i];
		for (size_t k = 0; k < 3; k++) {
			c->pos[k] = tb_ld_f32le(p + 4 * k);
			c->vel[k] = tb_ld_f32le(p + 12 + 4 * k);
			c->fwd[k] = ld_i16(p + 24 + 2 * k);
			c->right[k] = ld_i16(p + 30 + 2 * k);
		}
		c->g_lat = tb_ld_f32le(p + 36);
		c->g_lon = tb_ld_f32le(p + 40);
		c->g_vert = tb_ld_f32le(p + 44);
		c->yaw = tb_ld_f32le(p + 48);
		c->pitch = tb_ld_f32le(p + 52);
		c->roll = tb_ld_f32le(p + 56);
	}
}

/* Motion 2022 player extras, 30 x f32 after the cars (@1344): suspension
 * position[4], velocity[4], acceleration[4], wheelSpeed[4],
 * wheelSlip[4], localVelocity X/Y/Z, angularVelocity X/Y/Z,
 * angularAcceleration X/Y/Z, frontWheelsAngle. 1344 + 120 = 1464.
 * Source: maciejpedzich src/packets/mod.rs (F1PacketMotionExData). */
static void dec_motion22_ex(const uint8_t *p, struct f1_motion_ex *x)
{
	memset(x, 0, sizeof(*x));
	p = ld_f32s(p, x->susp_pos, 4);
	p = ld_f32s(p, x->susp_vel, 4);
	p = ld_f32s(p, x->susp_acc, 4);
	p = ld_f32s(p, x->wheel_speed, 4);
	p = ld_f32s(p, x->wheel_slip_ratio, 4);
	p = ld_f32s(p, x->local_vel, 3);
	p = ld_f32s(p, x->ang_vel, 3);
	p = ld_f32s(p, x->ang_acc, 3);
	ld_f32s(p, &x->front_wheels_angle, 1);
}

/* MotionEx (id 13), all f32 at H, in this order: suspensionPosition[4],
 * suspensionVelocity[4], suspensionAcceleration[4], wheelSpeed[4],
 * wheelSlipRatio[4], wheelSlipAngle[4], wheelLatForce[4],
 * wheelLongForce[4], heightOfCOGAboveGround, localVelocity X/Y/Z,
 * angularVelocity X/Y/Z, angularAcceleration X/Y/Z, frontWheelsAngle,
 * wheelVertForce[4] -> 29 + 47*4 = 217 (2023). 2024 adds frontAeroHeight,
 * rearAeroHeight, frontRollAngle, rearRollAngle, chassisYaw (237). 2025
 * adds chassisPitch, wheelCamber[4], wheelCamberGain[4] (273). Source:
 * the official F1 23/24/25 appendices' field order; checked on fixtures
 * (2023: wheelVertForce ~1900-2500 N at rest, so it is already in 2023). */
static void dec_motion_ex(const uint8_t *p, uint16_t format,
			  struct f1_motion_ex *x)
{
	memset(x, 0, sizeof(*x));
	p = ld_f32s(p, x->susp_pos, 4);
	p = ld_f32s(p, x->susp_vel, 4);
	p = ld_f32s(p, x->susp_acc, 4);
	p = ld_f32s(p, x->wheel_speed, 4);
	p = ld_f32s(p, x->wheel_slip_ratio, 4);
	p = ld_f32s(p, x->wheel_slip_angle, 4);
	p = ld_f32s(p, x->wheel_lat_force, 4);
	p = ld_f32s(p, x->wheel_long_force, 4);
	p = ld_f32s(p, &x->height_cog_ground, 1);
	p = ld_f32s(p, x->local_vel, 3);
	p = ld_f32s(p, x->ang_vel, 3);
	p = ld_f32s(p, x->ang_acc, 3);
	p = ld_f32s(p, &x->front_wheels_angle, 1);
	p = ld_f32s(p, x->wheel_vert_force, 4);
	if (format < 2024)
		return;
	p = ld_f32s(p, &x->front_aero_height, 1);
	p = ld_f32s(p, &x->rear_aero_height, 1);
	p = ld_f32s(p, &x->front_roll_angle, 1);
	p = ld_f32s(p, &x->rear_roll_angle, 1);
	p = ld_f32s(p, &x->chassis_yaw, 1);
	if (format < 2025)
		return;
	p = ld_f32s(p, &x->chassis_pitch, 1);
	p = ld_f32s(p, x->wheel_camber, 4);
	ld_f32s(p, x->wheel_camber_gain, 4);
}

/* Session (id 1), first fields, same in every format (offsets from H):
 * u8 weather @0, i8 trackTemperature @1, i8 airTemperature @2,
 * u8 totalLaps @3, u16 trackLength @4, u8 sessionType @6, i8 trackId @7,
 * u8 formula @8, u16 sessionTimeLeft @9, u16 sessionDuration @11,
 * u8 pitSpeedLimit @13, gamePaused @14, isSpectating @15,
 * spectatorCarIndex @16. Source: FORMATS.md; maciejpedzich mod.rs. */
static void dec_session(const uint8_t *p, struct f1_session *s)
{
	s->weather = p[0];
	s->track_temp = (int8_t)p[1];
	s->air_temp = (int8_t)p[2];
	s->total_laps = p[3];
	s->track_length = tb_ld_u16le(p + 4);
	s->session_type = p[6];
	s->track_id = (int8_t)p[7];
	s->formula = p[8];
	s->time_left = tb_ld_u16le(p + 9);
	s->duration = tb_ld_u16le(p + 11);
	s->pit_speed_limit = p[13];
	s->game_paused = p[14];
	s->is_spectating = p[15];
	s->spectator_car = p[16];
}

/* LapData (id 2): 22 records of L->stride bytes at H, then u8
 * timeTrialPBCarIdx, u8 timeTrialRivalCarIdx. Record layouts (2022 43 B,
 * 2023 50 B, 2024/2025 57 B) in f1_tables.c. u32 lastLapTimeInMS @0 and
 * currentLapTimeInMS @4 in all formats. Sources: FORMATS.md (2023,
 * 2024), maciejpedzich src/packets/lap_data.rs (2022), fixtures. */
static void dec_lap_car(const uint8_t *c, const struct f1__lap_layout *L,
			struct f1_lap_car *o)
{
	o->last_lap_ms = tb_ld_u32le(c);
	o->current_lap_ms = tb_ld_u32le(c + 4);
	o->sector1_ms = ld_ms_min(c, L->s1_ms, L->s1_min);
	o->sector2_ms = ld_ms_min(c, L->s2_ms, L->s2_min);
	o->delta_front_ms =
	    L->front_ms ? ld_ms_min(c, L->front_ms, L->front_min) : 0;
	o->delta_leader_ms =
	    L->leader_ms ? ld_ms_min(c, L->leader_ms, L->leader_min) : 0;
	o->lap_distance = tb_ld_f32le(c + L->lap_dist);
	o->total_distance = tb_ld_f32le(c + L->total_dist);
	o->safety_car_delta = tb_ld_f32le(c + L->sc_delta);
	o->position = c[L->position];
	o->lap_num = c[L->lap_num];
	o->pit_status = c[L->pit_status];
	o->num_pit_stops = c[L->num_pit_stops];
	o->sector = c[L->sector];
	o->lap_invalid = c[L->invalid];
	o->penalties = c[L->penalties];
	o->total_warnings = c[L->warnings];
	o->corner_cutting_warnings = L->cc_warnings ? c[L->cc_warnings] : 0;
	o->unserved_drive_through = c[L->dt_pens];
	o->unserved_stop_go = c[L->sg_pens];
	o->grid_position = c[L->grid];
	o->driver_status = c[L->driver_status];
	o->result_status = c[L->result_status];
	o->pit_lane_timer_active = c[L->pit_timer_active];
	o->pit_lane_time_ms = tb_ld_u16le(c + L->pit_lane_time);
	o->pit_stop_timer_ms = tb_ld_u16le(c + L->pit_stop_timer);
	o->pit_stop_serve_pen = c[L->serve_pen];
	o->speed_trap_kmh = L->trap_speed ? tb_ld_f32le(c + L->trap_speed) : 0;
	o->speed_trap_lap = L->trap_lap ? c[L->trap_lap] : 0;
}

static void dec_lap(const uint8_t *p, uint16_t format, struct f1_packet *out)
{
	const struct f1__lap_layout *L = f1__lap_layout(format);
	for (size_t i = 0; i < F1_CARS; i++)
		dec_lap_car(p + i * L->stride, L, &out->u.lap.cars[i]);
	p += F1_CARS * L->stride;
	out->u.lap.tt_pb_car = p[0];
	out->u.lap.tt_rival_car = p[1];
}

/* Event (id 3): char[4] code @H, details @H+4 (union, at most 12 bytes).
 * Detail layouts by code (maciejpedzich src/packets/event.rs, fixtures):
 * FTLP u8 vehicle, f32 lapTime; RTMT u8 vehicle (+u8 reason 2025);
 * DRSD (+u8 reason 2024+); TMPT/RCWN/DTSV u8 vehicle; SGSV u8 vehicle
 * (+f32 stopTime 2025); PENA u8 penaltyType, infringementType, vehicle,
 * otherVehicle, time, lapNum, placesGained; SPTP u8 vehicle, f32 speed,
 * u8 isOverallFastest, isDriverFastest, fastestVehicle, f32 fastestSpeed;
 * STLG u8 numLights; FLBK u32 frameId, f32 sessionTime; BUTN u32 status;
 * OVTK u8 overtaking, overtaken; SCAR u8 type, eventType; COLL u8
 * vehicle, other. The caller has checked that the code's details fit. */
static void dec_event(const uint8_t *p, uint16_t format, struct f1_event *e)
{
	const uint8_t *d = p + 4;
	memset(e, 0, sizeof(*e));
	memcpy(e->code, p, 4);
	switch (tb_ld_u32le(p)) {
	case F1_CODE('F', 'T', 'L', 'P'):
		e->vehicle_idx = d[0];
		e->lap_time_s = tb_ld_f32le(d + 1);
		break;
	case F1_CODE('R', 'T', 'M', 'T'):
		e->vehicle_idx = d[0];
		if (format >= 2025)
			e->reason = d[1];
		break;
	case F1_CODE('D', 'R', 'S', 'D'):
		if (format >= 2024)
			e->reason = d[0];
		break;
	case F1_CODE('T', 'M', 'P', 'T'):
	case F1_CODE('R', 'C', 'W', 'N'):
	case F1_CODE('D', 'T', 'S', 'V'):
		e->vehicle_idx = d[0];
		break;
	case F1_CODE('S', 'G', 'S', 'V'):
		e->vehicle_idx = d[0];
		if (format >= 2025)
			e->stop_time_s = tb_ld_f32le(d + 1);
		break;
	case F1_CODE('P', 'E', 'N', 'A'):
		e->penalty_type = d[0];
		e->infringement_type = d[1];
		e->vehicle_idx = d[2];
		e->other_vehicle_idx = d[3];
		e->penalty_time = d[4];
		e->penalty_lap = d[5];
		e->places_gained = d[6];
		break;
	case F1_CODE('S', 'P', 'T', 'P'):
		e->vehicle_idx = d[0];
		e->speed_kmh = tb_ld_f32le(d + 1);
		e->is_overall_fastest = d[5];
		e->is_driver_fastest = d[6];
		e->other_vehicle_idx = d[7];
		e->fastest_speed_kmh = tb_ld_f32le(d + 8);
		break;
	case F1_CODE('S', 'T', 'L', 'G'):
		e->num_lights = d[0];
		break;
	case F1_CODE('F', 'L', 'B', 'K'):
		e->flashback_frame_id = tb_ld_u32le(d);
		e->flashback_session_time = tb_ld_f32le(d + 4);
		break;
	case F1_CODE('B', 'U', 'T', 'N'):
		e->button_status = tb_ld_u32le(d);
		break;
	case F1_CODE('O', 'V', 'T', 'K'):
	case F1_CODE('C', 'O', 'L', 'L'):
		e->vehicle_idx = d[0];
		e->other_vehicle_idx = d[1];
		break;
	case F1_CODE('S', 'C', 'A', 'R'):
		e->safety_car_type = d[0];
		e->safety_car_event = d[1];
		break;
	default: /* SSTA, SEND, DRSE, CHQF, LGOT, RDFL, unknown: no details */
		break;
	}
}

/* Participants (id 4): u8 numActiveCars @H, then 22 records at H+1:
 * u8 aiControlled @0, driverId @1, networkId @2, teamId @3, myTeam @4,
 * raceNumber @5, nationality @6, char name[48 or 32] @7 (NUL-terminated
 * UTF-8), u8 yourTelemetry right after the name, then per format (see
 * f1_tables.c): showOnlineNames, u16 techLevel, platform, numColours,
 * liveryColours[4] RGB. Source: maciejpedzich participants.rs (2022-24),
 * FORMATS.md (2025), fixtures (names PIASTRI, LECLERC, aSx_edoc). */
static void dec_participant(const uint8_t *c, const struct f1__part_layout *L,
			    struct f1_participant *o)
{
	o->ai = c[0];
	o->driver_id = c[1];
	o->network_id = c[2];
	o->team_id = c[3];
	o->my_team = c[4];
	o->race_number = c[5];
	o->nationality = c[6];
	const uint8_t *nul = memchr(c + 7, 0, L->name_len);
	size_t n = nul ? (size_t)(nul - (c + 7)) : L->name_len;
	memcpy(o->name, c + 7, n);
	memset(o->name + n, 0, sizeof(o->name) - n);
	o->your_telemetry = c[7 + L->name_len];
	o->show_online_names = L->show_online ? c[L->show_online] : 0;
	o->tech_level = L->tech_level ? tb_ld_u16le(c + L->tech_level) : 0;
	o->platform = L->platform ? c[L->platform] : 0;
	o->num_colours = L->num_colours ? c[L->num_colours] : 0;
	if (L->livery)
		memcpy(o->livery, c + L->livery, sizeof(o->livery));
	else
		memset(o->livery, 0, sizeof(o->livery));
}

static void dec_participants(const uint8_t *p, uint16_t format,
			     struct f1_participants *o)
{
	const struct f1__part_layout *L = f1__part_layout(format);
	o->num_active = p[0];
	for (size_t i = 0; i < F1_CARS; i++)
		dec_participant(p + 1 + i * L->stride, L, &o->cars[i]);
}

/* CarTelemetry (id 6), all formats: 22 x 60 B at H. u16 speed @0,
 * f32 throttle @2, steer @6, brake @10, u8 clutch @14, i8 gear @15,
 * u16 engineRPM @16, u8 drs @18, revLightsPercent @19, u16
 * revLightsBitValue @20, u16 brakesTemperature[4] @22, u8
 * tyresSurfaceTemperature[4] @30, tyresInnerTemperature[4] @34, u16
 * engineTemperature @38, f32 tyresPressure[4] @40, u8 surfaceType[4]
 * @56. The 3-byte trailer (MFD panels, suggested gear) is not decoded.
 * Source: FORMATS.md; maciejpedzich car_telemetry.rs. */
static void dec_telemetry(const uint8_t *p, struct f1_telemetry_car *t)
{
	for (size_t i = 0; i < F1_CARS; i++, p += 60) {
		struct f1_telemetry_car *c = &t[i];
		c->speed_kmh = tb_ld_u16le(p);
		c->throttle = tb_ld_f32le(p + 2);
		c->steer = tb_ld_f32le(p + 6);
		c->brake = tb_ld_f32le(p + 10);
		c->clutch = p[14];
		c->gear = (int8_t)p[15];
		c->rpm = tb_ld_u16le(p + 16);
		c->drs = p[18];
		c->rev_lights_pct = p[19];
		c->rev_lights_bits = tb_ld_u16le(p + 20);
		for (size_t k = 0; k < 4; k++) {
			c->brake_temp[k] = tb_ld_u16le(p + 22 + 2 * k);
			c->tyre_surf_temp[k] = p[30 + k];
			c->tyre_inner_temp[k] = p[34 + k];
			c->tyre_press[k] = tb_ld_f32le(p + 40 + 4 * k);
			c->surface[k] = p[56 + k];
		}
		c->engine_temp = tb_ld_u16le(p + 38);
	}
}

/* CarStatus (id 7): 22 records at H. u8 tractionControl @0,
 * antiLockBrakes @1, fuelMix @2, frontBrakeBias @3, pitLimiterStatus @4,
 * f32 fuelInTank @5, fuelCapacity @9, fuelRemainingLaps @13, u16
 * maxRPM @17, idleRPM @19, u8 maxGears @21, drsAllowed @22, u16
 * drsActivationDistance @23, u8 actualTyreCompound @25,
 * visualTyreCompound @26, tyresAgeLaps @27, i8 vehicleFiaFlags @28,
 * 2023+: f32 enginePowerICE @29, enginePowerMGUK @33; then at E (29 in
 * 2022, 37 in 2023+): f32 ersStoreEnergy @E, u8 ersDeployMode @E+4,
 * f32 ersHarvestedThisLapMGUK @E+5, MGUH @E+9, ersDeployedThisLap
 * @E+13, u8 networkPaused @E+17. Source: maciejpedzich car_status.rs. */
static void dec_status(const uint8_t *p, uint16_t format,
		       struct f1_status_car *s)
{
	const struct f1__status_layout *L = f1__status_layout(format);
	for (size_t i = 0; i < F1_CARS; i++, p += L->stride) {
		struct f1_status_car *c = &s[i];
		const uint8_t *e = p + L->ers_store;
		c->traction_control = p[0];
		c->abs = p[1];
		c->fuel_mix = p[2];
		c->brake_bias = p[3];
		c->pit_limiter = p[4];
		c->fuel_in_tank = tb_ld_f32le(p + 5);
		c->fuel_capacity = tb_ld_f32le(p + 9);
		c->fuel_remaining_laps = tb_ld_f32le(p + 13);
		c->max_rpm = tb_ld_u16le(p + 17);
		c->idle_rpm = tb_ld_u16le(p + 19);
		c->max_gears = p[21];
		c->drs_allowed = p[22];
		c->drs_activation_distance = tb_ld_u16le(p + 23);
		c->actual_compound = p[25];
		c->visual_compound = p[26];
		c->tyre_age_laps = p[27];
		c->fia_flags = (int8_t)p[28];
		c->engine_power_ice =
		    L->power_ice ? tb_ld_f32le(p + L->power_ice) : 0;
		c->engine_power_mguk =
		    L->power_mguk ? tb_ld_f32le(p + L->power_mguk) : 0;
		c->ers_store = tb_ld_f32le(e);
		c->ers_mode = e[4];
		c->ers_harvest_mguk = tb_ld_f32le(e + 5);
		c->ers_harvest_mguh = tb_ld_f32le(e + 9);
		c->ers_deployed = tb_ld_f32le(e + 13);
		c->network_paused = e[17];
	}
}

/* SessionHistory (id 11) at H: u8 carIdx @0, numLaps @1, numTyreStints
 * @2, bestLapTimeLapNum @3, bestSector1LapNum @4, bestSector2LapNum @5,
 * bestSector3LapNum @6; 100 lap entries @7; 8 stints of {endLap,
 * tyreActualCompound, tyreVisualCompound} after them. Lap entry 2022
 * (11 B): u32 lapTimeInMS @0, u16 sector1 @4, u16 sector2 @6, u16
 * sector3 @8, u8 lapValidBitFlags @10. 2023+ (14 B): u32 @0, u16 s1 ms
 * @4, u8 s1 min @6, u16 s2 ms @7, u8 s2 min @9, u16 s3 ms @10, u8 s3 min
 * @12, u8 flags @13. Source: maciejpedzich session_history.rs; sizes
 * 24+7+1100+24 = 1155 and 29+7+1400+24 = 1460 match the fixtures. */
static void dec_history(const uint8_t *p, uint16_t format,
			struct f1_session_history *h)
{
	size_t ls = f1__history_lap_size(format);
	h->car_idx = p[0];
	h->num_laps = p[1];
	h->num_tyre_stints = p[2];
	h->best_lap = p[3];
	h->best_s1_lap = p[4];
	h->best_s2_lap = p[5];
	h->best_s3_lap = p[6];
	const uint8_t *c = p + 7;
	for (size_t i = 0; i < F1_HISTORY_LAPS; i++, c += ls) {
		struct f1_history_lap *l = &h->laps[i];
		l->lap_ms = tb_ld_u32le(c);
		if (ls == 11) {
			l->s1_ms = tb_ld_u16le(c + 4);
			l->s2_ms = tb_ld_u16le(c + 6);
			l->s3_ms = tb_ld_u16le(c + 8);
			l->valid_flags = c[10];
		} else {
			l->s1_ms = ld_ms_min(c, 4, 6);
			l->s2_ms = ld_ms_min(c, 7, 9);
			l->s3_ms = ld_ms_min(c, 10, 12);
			l->valid_flags = c[13];
		}
	}
	for (size_t i = 0; i < F1_HISTORY_STINTS; i++, c += 3) {
		h->stints[i].end_lap = c[0];
		h->stints[i].actual_compound = c[1];
		h->stints[i].visual_compound = c[2];
	}
}

/* Printable copy of an event code for error messages. */
static void code_str(const uint8_t *p, char out[5])
{
	for (size_t i = 0; i < 4; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[4] = '\0';
}

/* Events: the normal size is 40 (2022) / 45, but captures of 44 and 47
 * bytes exist (f1-udp-maciejpedzich 2024 RDFL/SCAR). Accept the code
 * plus the details this decoder reads for it, up to normal size + 8. */
static enum tb_status check_event(const uint8_t *buf, size_t len,
				  uint16_t format, size_t hs, size_t want,
				  struct tb_error *err)
{
	if (len < hs + 4)
		return tb_fail(err, TB_ERR_LENGTH,
			       "F1 %u Event: %zu bytes, expected %zu",
			       (unsigned)format, len, want);
	size_t need = hs + 4 + f1__event_detail_size(format, buf + hs);
	if (len < need || len > want + F1__EVENT_SLACK) {
		char code[5];
		code_str(buf + hs, code);
		return tb_fail(err, TB_ERR_LENGTH,
			       "F1 %u Event %s: %zu bytes, expected %zu"
			       " (accepted %zu..%zu)",
			       (unsigned)format, code, len, want, need,
			       want + F1__EVENT_SLACK);
	}
	return TB_OK;
}

static enum tb_status check(const uint8_t *buf, size_t len, uint16_t *format,
			    struct tb_error *err)
{
	if (len < 24)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "F1 packet: %zu bytes, shorter than any header"
			       " (24)",
			       len);
	uint16_t fmt = tb_ld_u16le(buf);
	size_t hs = f1_header_size(fmt);
	if (hs == 0)
		return tb_fail(err, TB_ERR_FORMAT,
			       "F1 packet: unknown packetFormat %u",
			       (unsigned)fmt);
	unsigned id = buf[fmt == 2022 ? F1__ID_OFF_2022 : F1__ID_OFF];
	size_t want = f1_packet_size(fmt, id);
	if (want == 0)
		return tb_fail(err, TB_ERR_ID,
			       "F1 %u: packet id %u does not exist",
			       (unsigned)fmt, id);
	if (len < hs)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "F1 %u %s: %zu bytes, shorter than the %zu-byte"
			       " header (expected %zu)",
			       (unsigned)fmt, f1_packet_name(id), len, hs,
			       want);
	if (id == F1_EVENT) {
		enum tb_status st = check_event(buf, len, fmt, hs, want, err);
		if (st != TB_OK)
			return st;
	} else if (len != want) {
		return tb_fail(err, TB_ERR_LENGTH,
			       "F1 %u %s: %zu bytes, expected %zu",
			       (unsigned)fmt, f1_packet_name(id), len, want);
	}
	*format = fmt;
	return TB_OK;
}

enum tb_status f1_decode(const uint8_t *buf, size_t len, struct f1_packet *out,
			 struct tb_error *err)
{
	if ((!buf && len) || !out)
		return tb_fail(err, TB_ERR_ARG, "f1_decode: NULL argument");
	uint16_t format = 0;
	enum tb_status st = check(buf, len, &format, err);
	if (st != TB_OK)
		return st;
	dec_header(buf, format, &out->h);
	const uint8_t *p = buf + f1_header_size(format);
	switch (out->h.packet_id) {
	case F1_MOTION:
		dec_motion(p, out->u.motion);
		if (format == 2022)
			dec_motion22_ex(p + F1_CARS * 60, &out->motion22_ex);
		break;
	case F1_SESSION:
		dec_session(p, &out->u.session);
		break;
	case F1_LAP_DATA:
		dec_lap(p, format, out);
		break;
	case F1_EVENT:
		dec_event(p, format, &out->u.event);
		break;
	case F1_PARTICIPANTS:
		dec_participants(p, format, &out->u.participants);
		break;
	case F1_CAR_TELEMETRY:
		dec_telemetry(p, out->u.telemetry);
		break;
	case F1_CAR_STATUS:
		dec_status(p, format, out->u.status);
		break;
	case F1_SESSION_HISTORY:
		dec_history(p, format, &out->u.history);
		break;
	case F1_MOTION_EX:
		dec_motion_ex(p, format, &out->u.motion_ex);
		break;
	default: /* length-checked only */
		break;
	}
	return TB_OK;
}

/* gen_packets.c - the scenario generator's F1 packets: header, Motion,
 * LapData, Participants, Session, CarTelemetry, CarStatus, history and
 * events, filled from every car's state at the current frame. */
#include "gen_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Packets. */

void gen__header(const struct gen *g, struct f1_packet *p, enum f1_packet_id id)
{
	struct f1_header *h = &p->h;
	memset(h, 0, sizeof(*h));
	h->format = g->cfg.format;
	/* the game of the same year; F1 22 sends no gameYear */
	h->game_year =
	    g->cfg.format == 2022 ? 0 : (uint8_t)(g->cfg.format - 2000);
	h->game_major = 1;
	h->game_minor = 17;
	h->packet_version = 1;
	h->packet_id = (uint8_t)id;
	h->session_uid = g->cfg.session_uid;
	h->session_time = (float)((double)g->frame / g->cfg.rate_hz);
	h->frame_id = g->frame;
	/* 2022 has no overallFrameIdentifier: a decoder repeats frame_id */
	h->overall_frame_id = g->cfg.format == 2022 ? g->frame : g->overall;
	h->player_car = 0;
	h->player2_car = 255;
}

void gen__motion(const struct gen *g, struct f1_packet *p)
{
	memset(p->u.motion, 0, sizeof(p->u.motion));
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		const struct gen_now *n = &g->now[c];
		struct f1_motion_car *m = &p->u.motion[c];
		m->pos[0] = (float)n->x;
		m->pos[1] = 0.0f;
		m->pos[2] = (float)n->z;
		m->vel[0] = (float)(n->v * n->tx);
		m->vel[2] = (float)(n->v * n->tz);
		/* forward along the tangent, right = forward x up (Y up,
		 * left-handed as in the game) */
		m->fwd[0] = (int16_t)lround(32767 * n->tx);
		m->fwd[2] = (int16_t)lround(32767 * n->tz);
		m->right[0] = (int16_t)lround(32767 * n->tz);
		m->right[2] = (int16_t)lround(-32767 * n->tx);
		m->g_lat = (float)(n->v * n->v * n->k / GEN_GRAV);
		m->g_lon = (float)(n->a / GEN_GRAV);
		m->g_vert =
		    (float)(1.0 + 0.02 * gen__snoise(g, c, 1, g->frame / 6.0));
		m->yaw = (float)atan2(n->tx, n->tz);
		m->pitch = (float)(-0.004 * n->a / GEN_GRAV);
		m->roll = (float)(0.008 * m->g_lat);
	}
}

static uint8_t gen_driver_status(const struct gen *g, unsigned lap)
{
	if (lap == 1)
		return 3;		 /* out lap */
	return lap == g->n_laps ? 2 : 1; /* in lap : flying lap */
}

void gen__lapdata(const struct gen *g, struct f1_packet *p)
{
	const int64_t rate = g->cfg.rate_hz;
	memset(&p->u.lap, 0, sizeof(p->u.lap));
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		const struct gen_now *n = &g->now[c];
		const struct gen_lap *L = gen__lap_of(g, c, n->lap);
		struct f1_lap_car *l = &p->u.lap.cars[c];
		if (n->lap > 1)
			l->last_lap_ms = (uint32_t)gen__lap_of(g, c, n->lap - 1)
					     ->truth.lap_ms;
		l->current_lap_ms = (uint32_t)(n->el / rate);
		if (n->sector >= 1)
			l->sector1_ms = (uint32_t)L->sec_ms[0];
		if (n->sector >= 2)
			l->sector2_ms = (uint32_t)L->sec_ms[1];
		l->lap_distance = (float)n->lap_dist;
		l->total_distance = (float)n->total;
		l->position = n->position;
		l->lap_num = (uint8_t)n->lap;
		l->sector = (uint8_t)n->sector;
		l->lap_invalid = n->invalid;
		l->total_warnings = n->warnings;
		l->corner_cutting_warnings = n->warnings;
		l->grid_position = (uint8_t)(c + 1);
		l->driver_status = gen_driver_status(g, n->lap);
		l->result_status = 2;
	}
	p->u.lap.tt_pb_car = 255;
	p->u.lap.tt_rival_car = 255;
}

static const char *const gen_names[F1_CARS] = {
    "Alex Varga",     "Noor Haddad",  "Tomas Lindqvist", "Ines Moreau",
    "Kenji Arai",     "Maya Okafor",  "Luca Bernardi",	 "Sofia Ruiz",
    "Pavel Novak",    "Erin Walsh",   "Diego Salas",	 "Hana Sato",
    "Oskar Berg",     "Lena Fischer", "Rafael Costa",	 "Ada Kowalska",
    "Yusuf Demir",    "Clara Jensen", "Marco Vitale",	 "Priya Nair",
    "Felix Hartmann", "Zoe Lambert",
};
static const uint8_t gen_numbers[F1_CARS] = {
    7,	12, 21, 33, 5,	18, 27, 9,  41, 3,  64,
    17, 88, 24, 11, 50, 6,  72, 29, 15, 91, 36,
};

void gen__participants(const struct gen *g, struct f1_packet *p)
{
	struct f1_participants *pa = &p->u.participants;
	memset(pa, 0, sizeof(*pa));
	pa->num_active = (uint8_t)g->cfg.n_cars;
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		struct f1_participant *q = &pa->cars[c];
		size_t len = strlen(gen_names[c]);
		q->ai = c != 0;
		q->driver_id = c == 0 ? 255 : (uint8_t)(100 + c);
		q->network_id = (uint8_t)c;
		q->team_id = (uint8_t)(c % 10);
		q->race_number = gen_numbers[c];
		q->nationality = (uint8_t)(1 + (c * 7) % 80);
		memcpy(q->name, gen_names[c], len + 1);
		q->your_telemetry = 1;
		q->show_online_names = 1;
		q->platform = 1;
	}
}

void gen__session(const struct gen *g, struct f1_packet *p)
{
	struct f1_session *s = &p->u.session;
	uint32_t dur =
	    (g->last_frame + g->cfg.rate_hz - 1) / g->cfg.rate_hz + 60;
	uint32_t now = g->frame / g->cfg.rate_hz;
	memset(s, 0, sizeof(*s));
	s->weather = 0;
	s->track_temp = 33;
	s->air_temp = 24;
	s->total_laps = (uint8_t)g->cfg.n_laps;
	s->track_length = (uint16_t)lround(GEN_TRACK_LEN);
	s->session_type = 5; /* Q1: code 5 in every format 2022..2025 */
	s->track_id = -1;    /* our own circuit: unknown to the game */
	s->formula = 0;
	s->duration = (uint16_t)dur;
	s->time_left = (uint16_t)(dur - now);
	s->pit_speed_limit = 80;
	s->spectator_car = 255;
}

/* Gear from speed: upshift points, m/s; rpm rises to GEN_RPM_SHIFT. */
static const double gen_upshift[8] = {24, 33, 42, 51, 60, 69, 78, 92};
#define GEN_RPM_SHIFT 11800.0
#define GEN_RPM_IDLE  4000.0
#define GEN_RPM_MAX   13000

static int gen_gear(double v)
{
	int gear = 1;
	while (gear < 8 && v > gen_upshift[gear - 1])
		gear++;
	return gear;
}

static void gen_pedals(const struct gen_now *n, float *thr, float *brk)
{
	if (n->a < -1.5) {
		*thr = 0.0f;
		*brk = (float)gen_clamp(-n->a / GEN_A_BRK, 0.05, 1.0);
	} else if (n->a < -0.5) {
		*thr = 0.15f; /* lift */
		*brk = 0.0f;
	} else {
		double want = 0.3 + n->a / GEN_A_ACC + n->v / GEN_V_TOP;
		*thr = (float)gen_clamp(want, 0.2, 1.0);
		*brk = 0.0f;
	}
}

static void gen_telemetry_car(const struct gen *g, unsigned c,
			      struct f1_telemetry_car *t)
{
	const struct gen_now *n = &g->now[c];
	double ts = (double)g->frame / g->cfg.rate_hz;
	int gear = gen_gear(n->v);
	double rpm = GEN_RPM_SHIFT * n->v / gen_upshift[gear - 1];
	rpm = gen_clamp(rpm, GEN_RPM_IDLE, GEN_RPM_MAX);
	t->speed_kmh = (uint16_t)lround(n->v * TB_KMH_PER_MS);
	gen_pedals(n, &t->throttle, &t->brake);
	t->steer = (float)gen_clamp(atan(3.6 * n->k) / 0.3, -1.0, 1.0);
	t->clutch = 0;
	t->gear = (int8_t)gear;
	t->rpm = (uint16_t)lround(rpm);
	t->drs = 0;
	double rev = gen_clamp((rpm - 10000.0) / 2500.0, 0.0, 1.0);
	t->rev_lights_pct = (uint8_t)lround(100 * rev);
	unsigned leds = (unsigned)lround(15 * rev);
	t->rev_lights_bits = (uint16_t)((1u << leds) - 1u);
	double warm = gen_clamp(ts / 90.0, 0.0, 1.0); /* tyres come in */
	for (unsigned w = 0; w < 4; w++) {
		bool front = w >= 2; /* wire order RL, RR, FL, FR */
		double nz = gen__snoise(g, c, 10 + w, ts / 3.0);
		double bt = 320.0 + (front ? 720.0 : 560.0) * n->heat + 6 * nz;
		double glat = fabs(n->v * n->v * n->k) / GEN_GRAV;
		double surf = 78.0 + 18.0 * warm + 2.5 * glat + 1.5 * nz;
		double inner = 88.0 + 14.0 * warm + 0.8 * nz;
		t->brake_temp[w] = (uint16_t)lround(bt);
		t->tyre_surf_temp[w] = (uint8_t)lround(surf);
		t->tyre_inner_temp[w] = (uint8_t)lround(inner);
		t->tyre_press[w] =
		    (float)((front ? 22.6 : 20.9) + 1.1 * warm + 0.04 * nz);
		t->surface[w] = 0; /* tarmac */
	}
	t->engine_temp = (uint16_t)lround(104.0 + 3.0 * warm +
					  gen__snoise(g, c, 20, ts / 8.0));
}

void gen__telemetry(const struct gen *g, struct f1_packet *p)
{
	memset(p->u.telemetry, 0, sizeof(p->u.telemetry));
	for (unsigned c = 0; c < g->cfg.n_cars; c++)
		gen_telemetry_car(g, c, &p->u.telemetry[c]);
}

void gen__status(const struct gen *g, struct f1_packet *p)
{
	double ts = (double)g->frame / g->cfg.rate_hz;
	double lap_s = g->cfg.base_lap_ms / 1e3;
	double fuel0 = GEN_FUEL_KG_S * lap_s * (g->cfg.n_laps + 2) + 3.0;
	memset(p->u.status, 0, sizeof(p->u.status));
	for (unsigned c = 0; c < g->cfg.n_cars; c++) {
		const struct gen_now *n = &g->now[c];
		struct f1_status_car *s = &p->u.status[c];
		float thr, brk;
		gen_pedals(n, &thr, &brk);
		s->fuel_mix = 1;
		s->brake_bias = 56;
		s->fuel_in_tank = (float)(fuel0 - GEN_FUEL_KG_S * ts);
		s->fuel_capacity = 110.0f;
		s->fuel_remaining_laps =
		    s->fuel_in_tank / (float)(GEN_FUEL_KG_S * lap_s);
		s->max_rpm = GEN_RPM_MAX;
		s->idle_rpm = 3500;
		s->max_gears = 8;
		s->actual_compound = 17; /* C4 */
		s->visual_compound = 16; /* soft */
		s->tyre_age_laps = (uint8_t)(n->lap - 1);
		s->fia_flags = 0;
		if (g->cfg.format >= 2023) {
			s->engine_power_ice = 590000.0f * thr;
			s->engine_power_mguk = n->ers > 0 ? 120000.0f * thr : 0;
		}
		s->ers_store = (float)(2.4e6 + n->ers);
		s->ers_mode = n->lap == 1 || n->lap == g->n_laps ? 1 : 2;
		s->ers_harvest_mguk = (float)(2.0e5 * brk);
		s->ers_harvest_mguh = (float)(3.0e4 * thr);
		s->ers_deployed = (float)(2.0e6 * n->lap_dist / GEN_TRACK_LEN);
		if (s->ers_deployed < 0)
			s->ers_deployed = 0;
	}
}

/* SessionHistory of one car per frame, cycling: completed laps, the lap
 * in progress with the sectors passed, best lap and sector laps among
 * the completed timed laps (a cut lap is not a best lap). */
void gen__history(const struct gen *g, struct f1_packet *p)
{
	struct f1_session_history *h = &p->u.history;
	unsigned c = g->overall % g->cfg.n_cars;
	const struct gen_now *n = &g->now[c];
	int32_t best[4] = {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX};
	uint8_t *best_lap[4] = {&h->best_lap, &h->best_s1_lap, &h->best_s2_lap,
				&h->best_s3_lap};
	memset(h, 0, sizeof(*h));
	h->car_idx = (uint8_t)c;
	h->num_laps = (uint8_t)n->lap; /* the lap in progress included */
	h->num_tyre_stints = 1;
	for (unsigned lap = 1; lap <= n->lap; lap++) {
		const struct gen_lap *L = gen__lap_of(g, c, lap);
		struct f1_history_lap *e = &h->laps[lap - 1];
		bool done = lap < n->lap;
		bool timed = lap > 1;
		if (done)
			e->lap_ms = (uint32_t)L->truth.lap_ms;
		if (timed && (done || n->sector >= 1))
			e->s1_ms = (uint32_t)L->sec_ms[0];
		if (timed && (done || n->sector >= 2))
			e->s2_ms = (uint32_t)L->sec_ms[1];
		if (timed && done)
			e->s3_ms = (uint32_t)L->sec_ms[2];
		if (!timed)
			continue;
		bool cut =
		    (L->truth.flags & TB_LAP_CUT) && (done || n->invalid);
		e->valid_flags = cut ? 0x0E : 0x0F;
		if (!done)
			continue;
		int32_t v[4] = {L->truth.lap_ms, L->sec_ms[0], L->sec_ms[1],
				L->sec_ms[2]};
		for (int i = 0; i < 4; i++) {
			if (i == 0 && cut)
				continue;
			if (v[i] < best[i]) {
				best[i] = v[i];
				*best_lap[i] = (uint8_t)lap;
			}
		}
	}
}

void gen__event(const struct gen *g, struct f1_packet *p, const char *code)
{
	gen__header(g, p, F1_EVENT);
	memset(&p->u.event, 0, sizeof(p->u.event));
	memcpy(p->u.event.code, code, 5);
}

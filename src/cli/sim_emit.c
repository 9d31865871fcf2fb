/* sim_emit.c - synthetic drivers as a game's packet stream: each car's
 * solved lap, sampled once per lap at the frame rate (noise drawn per
 * lap), read at every frame's lap time and written into the F1 packets
 * a game sends (Participants, Session, Motion, LapData, CarTelemetry,
 * CarStatus, SSTA / SEND events). Timeline in sim_emit.h. */
#include "sim_emit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define EMIT_MAX_LAPS 200u
#define EMIT_MAX_RATE 1000u

/* Channels read from the sampled lap. */
enum {
	V_DIST,
	V_SPEED,
	V_THR,
	V_BRK,
	V_STEER,
	V_GEAR,
	V_RPM,
	V_GLAT,
	V_GLON,
	V_X,
	V_Y,
	V__N
};
static const enum tb_channel v_ch[V__N] = {
    TB_CH_LAP_DIST, TB_CH_SPEED, TB_CH_THROTTLE, TB_CH_BRAKE,
    TB_CH_STEER,    TB_CH_GEAR,	 TB_CH_RPM,	 TB_CH_G_LAT,
    TB_CH_G_LON,    TB_CH_POS_X, TB_CH_POS_Y};

struct ecar {
	struct sim_emit_car cfg;
	struct sim_result res;
	double lap_s, out_s; /* lap time; out lap's driven part */
	double start_s;	     /* session time the car sets off */
	bool started;	     /* at the current frame */
	int32_t lap_ms, sec_ms[2];
	struct tb_lap lap; /* the current lap, sampled */
	int lap_seq;	   /* which lap is sampled in lap: -1 none */
	/* state at the current frame */
	unsigned lap_num; /* the game's: 1 out, 2..n+1 timed, n+2 in */
	double tau;	  /* lap time elapsed on the profile, s */
	double el_s;	  /* time since this game lap began, s */
	double v[V__N];
	double total_m;
	uint8_t position;
};

struct sim_emit {
	struct sim_emit_config cfg;
	struct ana_corners cs;
	struct ecar *cars;
	uint32_t frame, last_frame;
	unsigned slot;
	bool done;
	struct f1_packet fparts[4]; /* sim_emit_next_frame */
};

enum {
	SL_ENTER,
	SL_PARTICIPANTS,
	SL_SESSION,
	SL_MOTION,
	SL_LAP,
	SL_TELEMETRY,
	SL_STATUS,
	SL_END,
	SL_SEND,
};

static enum tb_status check_cfg(const struct sim_emit_config *c,
				struct tb_error *err)
{
	if (!c || !c->track || !c->car || !c->cars)
		return tb_fail(err, TB_ERR_ARG, "emit: missing argument");
	if (c->n_cars < 1 || c->n_cars > F1_CARS)
		return tb_fail(err, TB_ERR_ARG, "emit: %u cars, 1..%u",
			       c->n_cars, F1_CARS);
	if (c->n_laps < 1 || c->n_laps > EMIT_MAX_LAPS)
		return tb_fail(err, TB_ERR_ARG, "emit: %u laps, 1..%u",
			       c->n_laps, EMIT_MAX_LAPS);
	if (c->rate_hz < 1 || c->rate_hz > EMIT_MAX_RATE)
		return tb_fail(err, TB_ERR_ARG, "emit: rate %u Hz, 1..%u",
			       c->rate_hz, EMIT_MAX_RATE);
	if (c->format < 2022 || c->format > 2025)
		return tb_fail(err, TB_ERR_ARG,
			       "emit: F1 packet format %u, 2022..2025",
			       (unsigned)c->format);
	return TB_OK;
}

/* Time of the profile at distance d, s. */
static double time_at(const struct sim_result *r, double d)
{
	double x = d / r->step_m;
	size_t i = (size_t)x;
	if (i >= r->n)
		return r->t[r->n];
	double w = x - (double)i;
	return r->t[i] * (1 - w) + r->t[i + 1] * w;
}

static enum tb_status car_init(struct sim_emit *s, unsigned c,
			       struct tb_error *err)
{
	struct ecar *e = &s->cars[c];
	const struct sim_emit_config *cfg = &s->cfg;
	e->cfg = cfg->cars[c];
	tb_lap_init(&e->lap);
	e->lap_seq = -1;
	struct tb_error e2;
	tb_error_clear(&e2);
	enum tb_status st = sim_driver_solve(cfg->track, cfg->car, &e->cfg.d,
					     &s->cs, &e->res, &e2);
	if (st != TB_OK)
		return tb_fail(err, st, "emit: car %u (%s): %s", c, e->cfg.name,
			       e2.msg);
	double len = cfg->track->length_m;
	e->lap_s = e->res.lap_time_s;
	e->lap_ms = (int32_t)llround(e->lap_s * 1000.0);
	double out_m = fmin(SIM_EMIT_OUT_M, 0.5 * len);
	e->out_s = e->lap_s - time_at(&e->res, len - out_m);
	int32_t t1 = (int32_t)llround(time_at(&e->res, len / 3) * 1000.0);
	int32_t t2 = (int32_t)llround(time_at(&e->res, 2 * len / 3) * 1000.0);
	e->sec_ms[0] = t1;
	e->sec_ms[1] = t2 - t1;
	return TB_OK;
}

/* Start times: each car sets off once the one before it has a lead it
 * cannot lose over the run (SIM_EMIT_CLEAR_S plus what the fastest car
 * gains on the slowest in n + 1 laps), so no lap is a traffic lap —
 * unless that spacing would make the first car catch the last, then as
 * far apart as the lap allows. */
static void space_cars(struct sim_emit *s)
{
	unsigned nc = s->cfg.n_cars;
	double lo = INFINITY, hi = 0;
	for (unsigned c = 0; c < nc; c++) {
		lo = fmin(lo, s->cars[c].lap_s);
		hi = fmax(hi, s->cars[c].lap_s);
	}
	double gap = SIM_EMIT_CLEAR_S + (s->cfg.n_laps + 1) * (hi - lo);
	if (nc > 1 && gap * nc > lo)
		gap = lo / nc;
	for (unsigned c = 0; c < nc; c++)
		s->cars[c].start_s = c * gap;
}

void sim_emit_destroy(struct sim_emit *s)
{
	if (!s)
		return;
	for (unsigned c = 0; s->cars && c < s->cfg.n_cars; c++) {
		sim_result_release(&s->cars[c].res);
		tb_lap_release(&s->cars[c].lap);
	}
	tb_free(s->cars);
	tb_free(s);
}

enum tb_status sim_emit_create(const struct sim_emit_config *cfg,
			       struct sim_emit **out, struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "emit: no output");
	*out = NULL;
	enum tb_status st = check_cfg(cfg, err);
	if (st != TB_OK)
		return st;
	struct sim_emit *s = tb_calloc(1, sizeof(*s));
	if (!s)
		return tb_fail(err, TB_ERR_NOMEM, "emit: out of memory");
	s->cfg = *cfg;
	s->cars = tb_calloc(cfg->n_cars, sizeof(*s->cars));
	if (!s->cars) {
		tb_free(s);
		return tb_fail(err, TB_ERR_NOMEM, "emit: out of memory");
	}
	st = sim_driver_corners(cfg->track, cfg->car, &s->cs, err);
	for (unsigned c = 0; c < cfg->n_cars && st == TB_OK; c++)
		st = car_init(s, c, err);
	if (st != TB_OK) {
		sim_emit_destroy(s);
		return st;
	}
	space_cars(s);
	double end_s = 0;
	for (unsigned c = 0; c < cfg->n_cars; c++) {
		const struct ecar *e = &s->cars[c];
		end_s =
		    fmax(end_s, e->start_s + e->out_s + cfg->n_laps * e->lap_s);
	}
	s->last_frame = (uint32_t)ceil((end_s + SIM_EMIT_IN_S) * cfg->rate_hz);
	*out = s;
	return TB_OK;
}

double sim_emit_lap_s(const struct sim_emit *s, unsigned c)
{
	return s && c < s->cfg.n_cars ? s->cars[c].lap_s : NAN;
}

/* ------------------------------------------------------------------ */
/* Car state at a frame. */

/* Sample lap number seq (0 out, 1..n timed, n+1 in) of car c. */
static enum tb_status ensure_lap(struct sim_emit *s, unsigned c, int seq,
				 struct tb_error *err)
{
	struct ecar *e = &s->cars[c];
	if (e->lap_seq == seq)
		return TB_OK;
	struct sim_noise nz = {0.05, 0.01, 0.02,
			       (uint64_t)(c + 1) * 1000003u + (uint64_t)seq};
	enum tb_status st = sim_driver_sample(
	    s->cfg.track, s->cfg.car, &e->cfg.d, &s->cs, &e->res,
	    s->cfg.noise ? &nz : NULL, s->cfg.rate_hz, &e->lap, err);
	e->lap_seq = st == TB_OK ? seq : -1;
	return st;
}

/* Channels at lap time tau: the samples either side, linearly (the
 * gear held). */
static void read_at(struct ecar *e, double tau, double rate)
{
	const struct tb_lap *l = &e->lap;
	const double *lt = l->col[TB_CH_LAP_TIME];
	double x = tau * rate;
	size_t k = x > 0 ? (size_t)x : 0;
	if (k + 1 >= l->n)
		k = l->n >= 2 ? l->n - 2 : 0;
	/* samples every 1 / rate, the last one at the lap time */
	double w = 0;
	if (lt && l->n >= 2 && lt[k + 1] > lt[k])
		w = (tau - lt[k]) / (lt[k + 1] - lt[k]);
	w = w < 0 ? 0 : (w > 1 ? 1 : w);
	for (int j = 0; j < V__N; j++) {
		const double *col = l->col[v_ch[j]];
		if (!col || l->n == 0) {
			e->v[j] = 0;
			continue;
		}
		size_t k1 = k + 1 < l->n ? k + 1 : k;
		e->v[j] = j == V_GEAR ? col[k] : col[k] * (1 - w) + col[k1] * w;
	}
}

static enum tb_status car_state(struct sim_emit *s, unsigned c, double t,
				struct tb_error *err)
{
	struct ecar *e = &s->cars[c];
	unsigned n = s->cfg.n_laps;
	t -= e->start_s; /* the car's own clock; waits at 0 until then */
	e->started = t >= 0;
	if (t < 0)
		t = 0;
	double len = s->cfg.track->length_m, rel = t - e->out_s;
	int seq;
	if (rel < 0) {
		seq = 0;
		e->lap_num = 1;
		e->tau = e->lap_s - e->out_s + t;
		e->el_s = t;
	} else {
		unsigned k = (unsigned)floor(rel / e->lap_s);
		if (k > n)
			k = n;
		seq = (int)k + 1;
		e->lap_num = k + 2;
		e->tau = rel - k * e->lap_s;
		if (k == n && e->tau >= e->lap_s) /* in lap: park */
			e->tau = e->lap_s * (1 - 1e-6);
		e->el_s = e->tau;
	}
	enum tb_status st = ensure_lap(s, c, seq, err);
	if (st != TB_OK)
		return st;
	read_at(e, e->tau, s->cfg.rate_hz);
	if (e->lap_num == 1) {
		e->v[V_DIST] -= len;
		e->total_m = e->v[V_DIST];
	} else {
		e->total_m = (e->lap_num - 2) * len + e->v[V_DIST];
	}
	return TB_OK;
}

static enum tb_status enter_frame(struct sim_emit *s, struct tb_error *err)
{
	double t = (double)s->frame / s->cfg.rate_hz;
	unsigned nc = s->cfg.n_cars, order[F1_CARS];
	for (unsigned c = 0; c < nc; c++) {
		enum tb_status st = car_state(s, c, t, err);
		if (st != TB_OK)
			return st;
		order[c] = c;
	}
	for (unsigned i = 1; i < nc; i++) { /* leader first */
		unsigned c = order[i], j = i;
		while (j > 0 &&
		       s->cars[order[j - 1]].total_m < s->cars[c].total_m) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = c;
	}
	for (unsigned i = 0; i < nc; i++)
		s->cars[order[i]].position = (uint8_t)(i + 1);
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* Packets. */

static void header(const struct sim_emit *s, struct f1_packet *p,
		   enum f1_packet_id id)
{
	struct f1_header *h = &p->h;
	memset(h, 0, sizeof(*h));
	h->format = s->cfg.format;
	h->game_year =
	    s->cfg.format == 2022 ? 0 : (uint8_t)(s->cfg.format - 2000);
	h->game_major = 1;
	h->game_minor = 1;
	h->packet_version = 1;
	h->packet_id = (uint8_t)id;
	h->session_uid = s->cfg.session_uid;
	h->session_time = (float)((double)s->frame / s->cfg.rate_hz);
	h->frame_id = s->frame;
	h->overall_frame_id = s->frame;
	h->player_car = 0;
	h->player2_car = 255;
}

/* Unit tangent of the track at lap distance d (x, y ground plane). */
static void tangent(const struct ana_track *t, double d, double *tx, double *ty)
{
	double x = d / t->step_m;
	if (!(x > 0))
		x = 0;
	size_t i = (size_t)x % t->n, j = (i + 1) % t->n;
	double dx = t->x[j] - t->x[i], dy = t->y[j] - t->y[i];
	double l = hypot(dx, dy);
	*tx = l > 0 ? dx / l : 1.0;
	*ty = l > 0 ? dy / l : 0.0;
}

static void motion(const struct sim_emit *s, struct f1_packet *p)
{
	memset(p->u.motion, 0, sizeof(p->u.motion));
	double len = s->cfg.track->length_m;
	for (unsigned c = 0; c < s->cfg.n_cars; c++) {
		const struct ecar *e = &s->cars[c];
		struct f1_motion_car *m = &p->u.motion[c];
		double d = e->v[V_DIST] < 0 ? e->v[V_DIST] + len : e->v[V_DIST];
		double tx, ty, v = e->v[V_SPEED];
		tangent(s->cfg.track, d, &tx, &ty);
		/* the game's world: x, y up, z; our ground plane x/y is its
		 * x/z (TB_CH_POS_X / POS_Y decode from pos[0] / pos[2]) */
		m->pos[0] = (float)e->v[V_X];
		m->pos[2] = (float)e->v[V_Y];
		m->vel[0] = (float)(v * tx);
		m->vel[2] = (float)(v * ty);
		m->fwd[0] = (int16_t)lround(32767 * tx);
		m->fwd[2] = (int16_t)lround(32767 * ty);
		m->right[0] = (int16_t)lround(32767 * ty);
		m->right[2] = (int16_t)lround(-32767 * tx);
		m->g_lat = (float)e->v[V_GLAT];
		m->g_lon = (float)e->v[V_GLON];
		m->g_vert = 1.0f;
		m->yaw = (float)atan2(tx, ty);
	}
}

static uint8_t driver_status(const struct sim_emit *s, unsigned lap)
{
	if (lap == 1)
		return 3;
	return lap == s->cfg.n_laps + 2 ? 2 : 1;
}

static void lapdata(const struct sim_emit *s, struct f1_packet *p)
{
	memset(&p->u.lap, 0, sizeof(p->u.lap));
	double len = s->cfg.track->length_m;
	for (unsigned c = 0; c < s->cfg.n_cars; c++) {
		const struct ecar *e = &s->cars[c];
		struct f1_lap_car *l = &p->u.lap.cars[c];
		bool timed = e->lap_num >= 2;
		if (e->lap_num == 2)
			l->last_lap_ms = (uint32_t)llround(e->out_s * 1000.0);
		else if (e->lap_num > 2)
			l->last_lap_ms = (uint32_t)e->lap_ms;
		l->current_lap_ms = (uint32_t)llround(e->el_s * 1000.0);
		double d = e->v[V_DIST];
		unsigned sec = !timed		 ? 2
			       : d < len / 3	 ? 0
			       : d < 2 * len / 3 ? 1
						 : 2;
		if (timed && sec >= 1)
			l->sector1_ms = (uint32_t)e->sec_ms[0];
		if (timed && sec >= 2)
			l->sector2_ms = (uint32_t)e->sec_ms[1];
		l->lap_distance = (float)d;
		l->total_distance = (float)e->total_m;
		l->position = e->position;
		l->lap_num = (uint8_t)e->lap_num;
		l->sector = (uint8_t)sec;
		l->grid_position = (uint8_t)(c + 1);
		l->driver_status = driver_status(s, e->lap_num);
		l->result_status = e->started ? 2 : 1; /* 1: not yet out */
	}
	p->u.lap.tt_pb_car = 255;
	p->u.lap.tt_rival_car = 255;
}

static void participants(const struct sim_emit *s, struct f1_packet *p)
{
	struct f1_participants *pa = &p->u.participants;
	memset(pa, 0, sizeof(*pa));
	pa->num_active = (uint8_t)s->cfg.n_cars;
	for (unsigned c = 0; c < s->cfg.n_cars; c++) {
		struct f1_participant *q = &pa->cars[c];
		q->ai = c != 0;
		q->driver_id = c == 0 ? 255 : (uint8_t)(100 + c);
		q->network_id = (uint8_t)c;
		q->team_id = (uint8_t)(c % 10);
		q->race_number = (uint8_t)(c + 1);
		q->nationality = 0;
		snprintf(q->name, sizeof(q->name), "%s", s->cars[c].cfg.name);
		q->your_telemetry = 1;
		q->show_online_names = 1;
		q->platform = 1;
	}
}

static void session(const struct sim_emit *s, struct f1_packet *p)
{
	struct f1_session *se = &p->u.session;
	uint32_t dur = s->last_frame / s->cfg.rate_hz + 60;
	memset(se, 0, sizeof(*se));
	se->track_temp = 30;
	se->air_temp = 22;
	se->total_laps = (uint8_t)s->cfg.n_laps;
	se->track_length =
	    (uint16_t)lround(fmin(s->cfg.track->length_m, 65535.0));
	se->session_type = 5;
	se->track_id = -1;
	se->duration = (uint16_t)(dur > 65535 ? 65535 : dur);
	se->time_left = (uint16_t)(se->duration - s->frame / s->cfg.rate_hz);
	se->pit_speed_limit = 80;
	se->spectator_car = 255;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

static void telemetry(const struct sim_emit *s, struct f1_packet *p)
{
	memset(p->u.telemetry, 0, sizeof(p->u.telemetry));
	for (unsigned c = 0; c < s->cfg.n_cars; c++) {
		const struct ecar *e = &s->cars[c];
		struct f1_telemetry_car *t = &p->u.telemetry[c];
		t->speed_kmh = (uint16_t)lround(
		    clamp(e->v[V_SPEED] * TB_KMH_PER_MS, 0, 65535));
		t->throttle = (float)clamp(e->v[V_THR], 0, 1);
		t->brake = (float)clamp(e->v[V_BRK], 0, 1);
		t->steer = (float)clamp(e->v[V_STEER], -1, 1);
		t->gear = (int8_t)lround(e->v[V_GEAR]);
		t->rpm = (uint16_t)lround(clamp(e->v[V_RPM], 0, 65535));
		double rev = clamp(
		    (e->v[V_RPM] / s->cfg.car->rpm_max - 0.8) / 0.2, 0, 1);
		t->rev_lights_pct = (uint8_t)lround(100 * rev);
		unsigned leds = (unsigned)lround(15 * rev);
		t->rev_lights_bits = (uint16_t)((1u << leds) - 1u);
		/* steady values: the simulator has no thermal model */
		for (int w = 0; w < 4; w++) {
			t->brake_temp[w] = 450;
			t->tyre_surf_temp[w] = 90;
			t->tyre_inner_temp[w] = 95;
			t->tyre_press[w] = 23.0f;
		}
		t->engine_temp = 105;
	}
}

static void status(const struct sim_emit *s, struct f1_packet *p)
{
	memset(p->u.status, 0, sizeof(p->u.status));
	const struct sim_car *car = s->cfg.car;
	for (unsigned c = 0; c < s->cfg.n_cars; c++) {
		const struct ecar *e = &s->cars[c];
		struct f1_status_car *st = &p->u.status[c];
		st->fuel_mix = 1;
		st->brake_bias = 56;
		st->fuel_in_tank = 50.0f;
		st->fuel_capacity = 110.0f;
		st->fuel_remaining_laps = 20.0f;
		st->max_rpm = (uint16_t)lround(car->rpm_max);
		st->idle_rpm = (uint16_t)lround(car->rpm_min);
		st->max_gears = (uint8_t)car->n_gears;
		st->actual_compound = 17;
		st->visual_compound = 16;
		st->tyre_age_laps = (uint8_t)(e->lap_num - 1);
		st->ers_mode = 1;
	}
}

static void event(const struct sim_emit *s, struct f1_packet *p,
		  const char *code)
{
	header(s, p, F1_EVENT);
	memset(&p->u.event, 0, sizeof(p->u.event));
	memcpy(p->u.event.code, code, 5);
}

enum tb_status sim_emit_next(struct sim_emit *s, struct f1_packet *out,
			     double *t_s, struct tb_error *err)
{
	if (!s || !out)
		return tb_fail(err, TB_ERR_ARG, "emit: missing argument");
	unsigned rate = s->cfg.rate_hz;
	for (;;) {
		unsigned sl = s->slot;
		if (s->done)
			return TB_ERR_EMPTY;
		if (sl == SL_ENTER) {
			enum tb_status st = enter_frame(s, err);
			if (st != TB_OK)
				return st;
			s->slot = SL_PARTICIPANTS;
			if (s->frame == 0) {
				event(s, out, "SSTA");
				break;
			}
			continue;
		}
		s->slot = sl + 1;
		if (sl == SL_PARTICIPANTS && s->frame % (5 * rate) == 0) {
			header(s, out, F1_PARTICIPANTS);
			participants(s, out);
			break;
		}
		if (sl == SL_SESSION &&
		    s->frame % (rate / 2 ? rate / 2 : 1) == 0) {
			header(s, out, F1_SESSION);
			session(s, out);
			break;
		}
		if (sl == SL_MOTION) {
			header(s, out, F1_MOTION);
			motion(s, out);
			break;
		}
		if (sl == SL_LAP) {
			header(s, out, F1_LAP_DATA);
			lapdata(s, out);
			break;
		}
		if (sl == SL_TELEMETRY) {
			header(s, out, F1_CAR_TELEMETRY);
			telemetry(s, out);
			break;
		}
		if (sl == SL_STATUS) {
			header(s, out, F1_CAR_STATUS);
			status(s, out);
			break;
		}
		if (sl == SL_END) {
			if (s->frame >= s->last_frame) {
				s->slot = SL_SEND;
			} else {
				s->frame++;
				s->slot = SL_ENTER;
			}
			continue;
		}
		if (sl == SL_SEND) {
			event(s, out, "SEND");
			s->done = true;
			break;
		}
	}
	if (t_s)
		*t_s = out->h.session_time;
	return TB_OK;
}

enum tb_status sim_emit_next_frame(struct sim_emit *s, struct gen_frame *out,
				   struct tb_error *err)
{
	if (!s || !out)
		return tb_fail(err, TB_ERR_ARG, "emit: missing argument");
	if (s->done || s->frame > s->last_frame)
		return TB_ERR_EMPTY;
	enum tb_status st = enter_frame(s, err);
	if (st != TB_OK)
		return st;
	header(s, &s->fparts[0], F1_MOTION);
	motion(s, &s->fparts[0]);
	header(s, &s->fparts[1], F1_LAP_DATA);
	lapdata(s, &s->fparts[1]);
	header(s, &s->fparts[2], F1_CAR_TELEMETRY);
	telemetry(s, &s->fparts[2]);
	header(s, &s->fparts[3], F1_CAR_STATUS);
	status(s, &s->fparts[3]);
	out->t_s = (double)s->frame / s->cfg.rate_hz;
	out->frame_id = s->frame;
	out->motion = &s->fparts[0];
	out->lap = &s->fparts[1];
	out->telemetry = &s->fparts[2];
	out->status = &s->fparts[3];
	s->frame++;
	return TB_OK;
}

/* codemasters.c - Codemasters "extradata" UDP (DiRT Rally 2.0, DiRT 4,
 * GRID, legacy F1): decoder, encoder and the ingest protocol. Rally
 * stages become runs through stage.c, circuit laps go through laps.c;
 * the rules are in codemasters.h.
 *
 * Layout (float index: byte offset = 4 * index), sources:
 * ErlerPhilipp/dr2_logger source/dirt_rally/udp_data.py (Fields enum,
 * extradata=3), soong-construction/dirt-rally-time-recorder, the F1 2017
 * legacy field list (m_time .. m_max_gears, same order) and
 * Sztorm/Dirt3TelemetryDisplay via kimoncar/udpClientDirt3 (152 B,
 * extradata 0). Verified against the three dr2_logger recordings:
 *   0 run_time s (not the stage clock: steps of 7..33 ms)
 *   1 lap_time s: the stage clock, steps of exactly 1/60 s
 *   2 distance m   3 progress 0..1   4-6 position (Y up)   7 speed m/s
 *   8-10 velocity m/s   11-13 lateral unit vector (= fwd x up)
 *   14-16 forward unit vector (velocity . fwd = 0.98 on average)
 *   17-20 suspension position RL RR FL FR   21-24 suspension velocity
 *   25-28 wheel speed   29 throttle   30 steer   31 brake   32 clutch
 *   33 gear (0 N, 10 R in DR2)   34 g lat   35 g lon   36 lap (0-based)
 *   37 rpm / 10 -- end of the 152 B layout --
 *   38 sli pro   39 car position   40-41 kers   42 drs   43 tc   44 abs
 *   45 fuel   46 fuel capacity   47 in pit   48 sector (0-based; DR2:
 *   0..3, four splits)   49 sector 1 time   50 sector 2 time (a
 *   duration, not cumulative)   51-54 brake temp RL RR FL FR   55-58
 *   tyre pressure   59 laps completed   60 total laps   61 track length
 *   m   62 last lap time   63 max rpm / 10   64 idle rpm / 10
 *   65 max gears */
#include "codemasters.h"
#include "ingest_int.h"

#include "stage.h"

#include <math.h>

#define SESSION_IDLE_US (60 * 1000000LL)
#define RUN_IDLE_US	(5 * 1000000LL)
#define SNIFF_MAX	1e7f

enum cm_kind {
	CM_KIND_EXTRA,
	CM_KIND_LEGACY,
	CM_KIND_DUPLICATE,
	CM_KIND_IDLE,
	CM_KIND__COUNT
};

enum tb_status cm_decode(const uint8_t *buf, size_t len, struct cm_packet *out,
			 struct tb_error *err)
{
	if (len < CM_SIZE_LEGACY)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "codemasters: %zu bytes, the shortest layout "
			       "is %u",
			       len, CM_SIZE_LEGACY);
	if (len != CM_SIZE_LEGACY && len != CM_SIZE_EXTRA)
		return tb_fail(err, TB_ERR_LENGTH,
			       "codemasters: %zu bytes, expected %u "
			       "(extradata 0) or %u (extradata 3)",
			       len, CM_SIZE_LEGACY, CM_SIZE_EXTRA);
	memset(out, 0, sizeof(*out));
	out->n_floats = (unsigned)(len / 4);
	for (unsigned i = 0; i < out->n_floats; i++)
		out->f[i] = tb_ld_f32le(buf + 4 * i);
	return TB_OK;
}

enum tb_status cm_encode(const struct cm_packet *p, uint8_t *buf, size_t cap,
			 size_t *len)
{
	if (p->n_floats != CM_SIZE_LEGACY / 4 &&
	    p->n_floats != CM_SIZE_EXTRA / 4)
		return TB_ERR_ARG;
	size_t n = 4u * p->n_floats;
	if (cap < n)
		return TB_ERR_LIMIT;
	for (unsigned i = 0; i < p->n_floats; i++)
		tb_st_f32le(buf + 4 * i, p->f[i]);
	*len = n;
	return TB_OK;
}

static bool in_range(float v, float lo, float hi)
{
	return v >= lo && v <= hi;
}

bool cm_sniff(const uint8_t *buf, size_t len)
{
	if (len != CM_SIZE_LEGACY && len != CM_SIZE_EXTRA)
		return false;
	for (size_t i = 0; i < len; i += 4) {
		float v = tb_ld_f32le(buf + i);
		if (!in_range(v, -SNIFF_MAX, SNIFF_MAX)) /* also NaN, inf */
			return false;
	}
	return in_range(tb_ld_f32le(buf + 4 * CM_THROTTLE), -0.01f, 1.01f) &&
	       in_range(tb_ld_f32le(buf + 4 * CM_BRAKE), -0.01f, 1.01f) &&
	       in_range(tb_ld_f32le(buf + 4 * CM_CLUTCH), -0.01f, 1.01f) &&
	       in_range(tb_ld_f32le(buf + 4 * CM_GEAR), -1.0f, 10.0f);
}

/* ------------------------------------------------------------------ */
/* The protocol instance. */

struct cm_inst {
	ingest_lap_fn fn;
	void *ctx;
	struct ingest_stats st;
	struct lap_asm *laps;
	struct stage_asm *stage;
	/* the session */
	bool in_session, lap_mode;
	unsigned n_floats;
	float length, max_rpm, idle_rpm, max_gears;
	struct tb_session_info info;
	struct tb_car_info car;
	int64_t last_us;
	/* the previous datagram, for duplicates */
	size_t prev_len;
	uint8_t prev[CM_SIZE_EXTRA];
	struct cm_packet pkt; /* decode scratch */
};

static void on_lap(void *ctx, struct tb_lap *lap)
{
	struct cm_inst *c = ctx;
	ingest__hand_over(c->fn, c->ctx, &c->info, &c->car, lap,
			  &c->st.laps, &c->st.laps_incomplete);
}

static enum tb_status cm_create(const struct ingest_opts *opts,
				ingest_lap_fn fn, void *ctx, void **out)
{
	*out = NULL;
	if (!fn)
		return TB_ERR_ARG;
	struct cm_inst *c = tb_calloc(1, sizeof(*c));
	if (!c)
		return TB_ERR_NOMEM;
	c->fn = fn;
	c->ctx = ctx;
	enum tb_status st = lap_asm_create(1, on_lap, c, &c->laps);
	if (st == TB_OK)
		st = stage_asm_create(on_lap, c, &c->stage);
	if (st != TB_OK) {
		lap_asm_destroy(c->laps);
		tb_free(c);
		return st;
	}
	if (opts) {
		lap_asm_observe(c->laps, &opts->live, &c->info, &c->car);
		stage_asm_observe(c->stage, &opts->live, &c->info, &c->car);
	}
	*out = c;
	return TB_OK;
}

static void cm_destroy(void *inst)
{
	struct cm_inst *c = inst;
	if (!c)
		return;
	lap_asm_destroy(c->laps);
	stage_asm_destroy(c->stage);
	tb_free(c);
}

static void close_session(struct cm_inst *c)
{
	if (!c->in_session)
		return;
	lap_asm_flush(c->laps);
	stage_asm_reset(c->stage);
	c->in_session = false;
	c->prev_len = 0;
}

static bool is_lap_mode(const struct cm_packet *p)
{
	if (p->f[CM_LAP] >= 1.0f)
		return true;
	return p->n_floats == CM_SIZE_EXTRA / 4 &&
	       (p->f[CM_TOTAL_LAPS] >= 2.0f || p->f[CM_LAPS_DONE] >= 1.0f);
}

/* Does p belong to another session than the one open? */
static bool session_changed(const struct cm_inst *c, const struct cm_packet *p,
			    bool lap_mode)
{
	if (c->n_floats != p->n_floats || c->lap_mode != lap_mode)
		return true;
	if (p->n_floats != CM_SIZE_EXTRA / 4)
		return false;
	return fabsf(p->f[CM_TRACK_LENGTH] - c->length) > 1.0f ||
	       p->f[CM_MAX_RPM] != c->max_rpm ||
	       p->f[CM_IDLE_RPM] != c->idle_rpm ||
	       p->f[CM_MAX_GEARS] != c->max_gears;
}

static void open_session(struct cm_inst *c, const struct cm_packet *p,
			 bool lap_mode, int64_t now_us)
{
	bool extra = p->n_floats == CM_SIZE_EXTRA / 4;
	c->in_session = true;
	c->lap_mode = lap_mode;
	c->n_floats = p->n_floats;
	c->length = extra ? p->f[CM_TRACK_LENGTH] : 0;
	c->max_rpm = p->f[CM_MAX_RPM];
	c->idle_rpm = p->f[CM_IDLE_RPM];
	c->max_gears = p->f[CM_MAX_GEARS];
	struct tb_session_info *in = &c->info;
	memset(in, 0, sizeof(*in));
	in->source_uid = (uint64_t)now_us;
	in->game = extra ? TB_GAME_DIRT_RALLY_2 : TB_GAME_CODEMASTERS;
	in->packet_format = (uint16_t)(4 * p->n_floats);
	in->track_id = -1;
	in->track_length_m = c->length > 0 ? c->length : 0;
	if (!lap_mode)
		in->kind = TB_SESSION_STAGE;
	else if (extra && p->f[CM_TOTAL_LAPS] >= 2.0f)
		in->kind = TB_SESSION_RACE;
	in->game_session_type = -1;
	in->car_class = extra ? TB_CLASS_RALLY : TB_CLASS_OTHER;
	in->weather = -1;
	in->start_unix_ms = now_us / 1000;
	memset(&c->car, 0, sizeof(c->car));
	c->car.team_id = -1;
	c->car.race_number = -1;
	c->st.sessions++;
}

static double map_gear(float g, float max_gears)
{
	/* DR2 sends reverse as 10; other titles as -1. */
	if (g >= 9.5f && (max_gears <= 0 || g > max_gears))
		return -1;
	if (g < -0.5f)
		return -1;
	return (double)lrintf(g);
}

static void make_frame(const struct cm_packet *p, struct tb_frame *f)
{
	const float *v = p->f;
	tb_frame_clear(f);
	tb_frame_set(f, TB_CH_TIME, v[CM_RUN_TIME]);
	tb_frame_set(f, TB_CH_LAP_TIME, v[CM_LAP_TIME]);
	tb_frame_set(f, TB_CH_LAP_DIST, v[CM_DISTANCE]);
	/* Y is up: x -> x, z -> y, y -> z. */
	tb_frame_set(f, TB_CH_POS_X, v[CM_POS_X]);
	tb_frame_set(f, TB_CH_POS_Y, v[CM_POS_X + 2]);
	tb_frame_set(f, TB_CH_POS_Z, v[CM_POS_X + 1]);
	tb_frame_set(f, TB_CH_VEL_X, v[CM_VEL_X]);
	tb_frame_set(f, TB_CH_VEL_Y, v[CM_VEL_X + 2]);
	tb_frame_set(f, TB_CH_VEL_Z, v[CM_VEL_X + 1]);
	tb_frame_set(f, TB_CH_SPEED, v[CM_SPEED]);
	double fx = v[CM_PITCH_X], fz = v[CM_PITCH_X + 2];
	if (hypot(fx, fz) > 0.1) /* not pointing straight up or unset */
		tb_frame_set(f, TB_CH_YAW, atan2(fx, fz));
	tb_frame_set(f, TB_CH_THROTTLE, v[CM_THROTTLE]);
	tb_frame_set(f, TB_CH_STEER, v[CM_STEER]);
	tb_frame_set(f, TB_CH_BRAKE, v[CM_BRAKE]);
	tb_frame_set(f, TB_CH_CLUTCH, v[CM_CLUTCH]);
	tb_frame_set(f, TB_CH_GEAR, map_gear(v[CM_GEAR], v[CM_MAX_GEARS]));
	tb_frame_set(f, TB_CH_G_LAT, v[CM_G_LAT]);
	tb_frame_set(f, TB_CH_G_LON, v[CM_G_LON]);
	tb_frame_set(f, TB_CH_RPM, v[CM_RPM] * 10.0);
	if (p->n_floats == CM_SIZE_EXTRA / 4)
		tb_frame_set(f, TB_CH_SECTOR, v[CM_SECTOR]);
}

static int32_t to_ms(float s)
{
	return s > 0 && s < 2e6f ? (int32_t)lrint((double)s * 1000.0) : 0;
}

static void take(struct cm_inst *c, const struct cm_packet *p)
{
	struct tb_frame f;
	make_frame(p, &f);
	const float *v = p->f;
	bool extra = p->n_floats == CM_SIZE_EXTRA / 4;
	enum tb_status st;
	if (c->lap_mode) {
		struct lap_state ls;
		memset(&ls, 0, sizeof(ls));
		ls.lap_num = v[CM_LAP] >= 0 && v[CM_LAP] < 1e6f
				 ? (uint32_t)lrintf(v[CM_LAP]) + 1
				 : 0;
		ls.cur_lap_ms = to_ms(v[CM_LAP_TIME]);
		if (extra) {
			ls.last_lap_ms = to_ms(v[CM_LAST_LAP_TIME]);
			ls.sector_ms[0] = to_ms(v[CM_SECTOR1_TIME]);
			ls.sector_ms[1] = to_ms(v[CM_SECTOR2_TIME]);
			ls.in_pit = v[CM_IN_PIT] >= 0.5f;
		}
		st = lap_asm_frame(c->laps, 0, &f, &ls);
	} else {
		struct stage_state ss;
		ss.time_s = v[CM_LAP_TIME];
		ss.dist_m = v[CM_DISTANCE];
		ss.progress = v[CM_PROGRESS];
		ss.length_m = extra ? v[CM_TRACK_LENGTH] : 0;
		ss.split_ms[0] = extra ? to_ms(v[CM_SECTOR1_TIME]) : 0;
		ss.split_ms[1] = extra ? to_ms(v[CM_SECTOR2_TIME]) : 0;
		if (!(ss.time_s > 0))
			c->st.kinds[CM_KIND_IDLE]++;
		st = stage_asm_frame(c->stage, &f, &ss);
	}
	c->st.frames++;
	if (st != TB_OK)
		c->st.frame_errors++;
}

/* Paused: only run_time moves, or nothing does. */
static bool is_duplicate(const struct cm_inst *c, const uint8_t *buf,
			 size_t len)
{
	if (c->prev_len != len)
		return false;
	return memcmp(buf + 4, c->prev + 4, len - 4) == 0 ||
	       memcmp(buf, c->prev, 8) == 0;
}

static enum tb_status cm_datagram(void *inst, const uint8_t *buf, size_t len,
				  int64_t now_us, struct tb_error *err)
{
	struct cm_inst *c = inst;
	c->st.datagrams++;
	c->st.bytes += len;
	enum tb_status st = cm_decode(buf, len, &c->pkt, err);
	if (st != TB_OK) {
		c->st.rejected[ingest_reject_of(st)]++;
		return st;
	}
	c->st.accepted++;
	c->st.kinds[len == CM_SIZE_EXTRA ? CM_KIND_EXTRA : CM_KIND_LEGACY]++;
	if (c->in_session && now_us - c->last_us > SESSION_IDLE_US)
		close_session(c);
	c->last_us = now_us;
	if (is_duplicate(c, buf, len)) {
		c->st.kinds[CM_KIND_DUPLICATE]++;
		return TB_OK;
	}
	memcpy(c->prev, buf, len);
	c->prev_len = len;
	bool lap_mode = is_lap_mode(&c->pkt);
	if (c->in_session && session_changed(c, &c->pkt, lap_mode)) {
		close_session(c);
		memcpy(c->prev, buf, len); /* close_session forgot it */
		c->prev_len = len;
	}
	if (!c->in_session)
		open_session(c, &c->pkt, lap_mode, now_us);
	take(c, &c->pkt);
	return TB_OK;
}

static void cm_tick(void *inst, int64_t now_us, const struct ingest_io *io)
{
	(void)io;
	struct cm_inst *c = inst;
	if (!c->in_session)
		return;
	if (now_us - c->last_us > SESSION_IDLE_US)
		close_session(c);
	else if (!c->lap_mode && now_us - c->last_us > RUN_IDLE_US)
		stage_asm_end(c->stage);
}

static void cm_flush(void *inst)
{
	close_session(inst);
}

static void cm_stats(const void *inst, struct ingest_stats *out)
{
	const struct cm_inst *c = inst;
	*out = c->st;
	const struct lap_asm_stats *ls = lap_asm_stats(c->laps);
	const struct stage_asm_stats *ss = stage_asm_stats(c->stage);
	out->rewinds = ls->rewinds + ss->restarts;
	out->discarded = ls->discarded + ss->discarded + ss->post_finish;
}

static const char *cm_kind_name(unsigned i)
{
	static const char *const names[CM_KIND__COUNT] = {
	    "extradata3", "extradata0", "duplicate", "idle"};
	return i < CM_KIND__COUNT ? names[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* Encoder for the generator's frames: lap mode (GRID-like), so the
 * generated laps come back with the game's lap and sector times. */

static float q16(int16_t v)
{
	return (float)(v / 32767.0);
}

static enum tb_status cm_gen_encode(const struct gen_frame *fr, unsigned car,
				    char variant, uint8_t *buf, size_t cap,
				    size_t *len)
{
	if (car >= F1_CARS)
		return TB_ERR_RANGE;
	const struct f1_motion_car *m = &fr->motion->u.motion[car];
	const struct f1_lap_car *l = &fr->lap->u.lap.cars[car];
	const struct f1_telemetry_car *t = &fr->telemetry->u.telemetry[car];
	const struct f1_status_car *s = &fr->status->u.status[car];
	struct cm_packet p;
	memset(&p, 0, sizeof(p));
	p.n_floats = (variant == '0') ? CM_SIZE_LEGACY / 4 : CM_SIZE_EXTRA / 4;
	float *v = p.f;
	v[CM_RUN_TIME] = (float)fr->t_s;
	v[CM_LAP_TIME] = (float)(l->current_lap_ms / 1000.0);
	v[CM_DISTANCE] = l->lap_distance;
	v[CM_PROGRESS] = (float)(l->lap_distance / gen_track_length());
	for (int i = 0; i < 3; i++) {
		v[CM_POS_X + i] = m->pos[i];
		v[CM_VEL_X + i] = m->vel[i];
		v[CM_PITCH_X + i] = q16(m->fwd[i]);
		/* the lateral vector is fwd x up: F1's right vector negated */
		v[CM_ROLL_X + i] = -q16(m->right[i]);
	}
	v[CM_SPEED] = (float)(t->speed_kmh / TB_KMH_PER_MS);
	v[CM_THROTTLE] = t->throttle;
	v[CM_STEER] = t->steer;
	v[CM_BRAKE] = t->brake;
	v[CM_CLUTCH] = (float)(t->clutch / 100.0);
	v[CM_GEAR] = t->gear < 0 ? 10.0f : (float)t->gear;
	v[CM_G_LAT] = m->g_lat;
	v[CM_G_LON] = m->g_lon;
	v[CM_LAP] = (float)(l->lap_num > 0 ? l->lap_num - 1 : 0);
	v[CM_RPM] = (float)(t->rpm / 10.0);
	if (p.n_floats == CM_SIZE_EXTRA / 4) {
		v[CM_CAR_POS] = l->position;
		v[CM_FUEL] = s->fuel_in_tank;
		v[CM_IN_PIT] = l->pit_status ? 1.0f : 0.0f;
		v[CM_SECTOR] = l->sector;
		v[CM_SECTOR1_TIME] = (float)(l->sector1_ms / 1000.0);
		v[CM_SECTOR2_TIME] = (float)(l->sector2_ms / 1000.0);
		for (int w = 0; w < 4; w++) { /* both RL, RR, FL, FR */
			v[CM_BRAKE_TEMP_RL + w] = t->brake_temp[w];
			v[CM_TYRE_PRESS_RL + w] = t->tyre_press[w];
		}
		v[CM_LAPS_DONE] = v[CM_LAP];
		/* The frame does not carry the race length: "at least one
		 * more lap", which keeps the stream in lap mode. */
		v[CM_TOTAL_LAPS] = (float)(l->lap_num + 1);
		v[CM_TRACK_LENGTH] = (float)gen_track_length();
		v[CM_LAST_LAP_TIME] = (float)(l->last_lap_ms / 1000.0);
		v[CM_MAX_RPM] = (float)(s->max_rpm / 10.0);
		v[CM_IDLE_RPM] = (float)(s->idle_rpm / 10.0);
		v[CM_MAX_GEARS] = s->max_gears;
	}
	return cm_encode(&p, buf, cap, len);
}

const struct ingest_proto ingest_proto_codemasters = {
    .version = 1,
    .name = "codemasters",
    .title = "DiRT Rally 2.0 / Codemasters extradata",
    .default_port = 20777,
    .sniff = cm_sniff,
    .create = cm_create,
    .destroy = cm_destroy,
    .datagram = cm_datagram,
    .tick = cm_tick,
    .flush = cm_flush,
    .stats = cm_stats,
    .kind_name = cm_kind_name,
    .gen_encode = cm_gen_encode,
};

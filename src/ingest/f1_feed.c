/* f1_feed.c - F1 22-25 datagrams to laps. Packets of one frame (Motion,
 * LapData, CarTelemetry, CarStatus share a frame identifier) are merged
 * per car into one canonical frame, emitted when the next frame starts;
 * a part missing from a frame leaves its channels absent. Session and
 * Participants packets fill the session and car metadata; SEND closes a
 * session. Up to FEED_SESSIONS session ids are tracked at once, since
 * games interleave packets of menus and other sessions. */
#include "proto.h"
#include "ingest_int.h"

#include <math.h>
#include <stdio.h>

#define FEED_SESSIONS 4

struct sess {
	bool used;
	uint64_t last_use;
	struct tb_session_info info;
	struct tb_car_info cars[F1_CARS];
	struct lap_asm *laps;
	/* the frame being merged */
	bool have_frame;
	uint32_t frame_id, overall_id;
	double frame_time;
	unsigned parts; /* FRAME_* bits of the frame being merged */
	/* the frame last emitted complete (all FRAME_ALL parts): a part of
	 * it arriving late is dropped, never a second sample */
	bool done_valid;
	uint32_t done_frame_id, done_overall_id;
	struct tb_frame acc[F1_CARS];
	/* last lap state per car, carried into frames without LapData */
	struct lap_state ls[F1_CARS];
	bool live[F1_CARS]; /* car has an active LapData entry */
	struct f1_feed *owner;
};

struct f1_feed {
	ingest_lap_fn fn;
	void *ctx;
	uint64_t clock; /* packets seen, for least-recently-used eviction */
	struct f1_feed_stats st;
	struct lap_observer live; /* from ingest_opts; fn NULL: none */
	struct f1_packet pkt;  /* decode scratch: no allocation per packet */
	struct sess sess[FEED_SESSIONS];
};

const char *ingest_reject_name(enum ingest_reject r)
{
	static const char *const names[INGEST_REJ__COUNT] = {
		"truncated", "format", "id", "length", "other"};
	return ((unsigned)r < INGEST_REJ__COUNT) ? names[r] : "other";
}

enum ingest_reject ingest_reject_of(enum tb_status st)
{
	switch (st) {
	case TB_ERR_TRUNCATED:
		return INGEST_REJ_TRUNCATED;
	case TB_ERR_FORMAT:
	case TB_ERR_VERSION:
		return INGEST_REJ_FORMAT;
	case TB_ERR_ID:
		return INGEST_REJ_ID;
	case TB_ERR_LENGTH:
		return INGEST_REJ_LENGTH;
	default:
		return INGEST_REJ_OTHER;
	}
}

static void on_lap(void *ctx, struct tb_lap *lap)
{
	struct sess *s = ctx;
	struct f1_feed *fd = s->owner;
	struct tb_car_info car =
	    s->cars[lap->car_index < F1_CARS ? lap->car_index : 0];
	car.car_index = lap->car_index;
	ingest__hand_over(fd->fn, fd->ctx, &s->info, &car, lap, &fd->st.laps,
			  &fd->st.laps_incomplete);
}

enum tb_status f1_feed_create(ingest_lap_fn fn, void *ctx,
			      struct f1_feed **out)
{
	*out = NULL;
	if (!fn)
		return TB_ERR_ARG;
	struct f1_feed *fd = tb_calloc(1, sizeof(*fd));
	if (!fd)
		return TB_ERR_NOMEM;
	fd->fn = fn;
	fd->ctx = ctx;
	*out = fd;
	return TB_OK;
}

static void sess_release(struct sess *s)
{
	lap_asm_destroy(s->laps);
	memset(s, 0, sizeof(*s));
}

void f1_feed_destroy(struct f1_feed *fd)
{
	if (!fd)
		return;
	for (int i = 0; i < FEED_SESSIONS; i++)
		sess_release(&fd->sess[i]);
	tb_free(fd);
}

static void default_info(struct tb_session_info *in, const struct f1_header *h)
{
	memset(in, 0, sizeof(*in));
	in->source_uid = h->session_uid;
	in->game = f1_game(h);
	in->packet_format = h->format;
	in->game_year = h->game_year;
	in->game_major = h->game_major;
	in->game_minor = h->game_minor;
	in->track_id = -1;
	in->kind = TB_SESSION_UNKNOWN;
	in->game_session_type = -1;
	in->car_class = TB_CLASS_F1;
	in->weather = -1;
	in->start_unix_ms = tb_wall_ms();
}

/* The packets whose data make up a merged frame. When all have arrived
 * the frame is emitted at once (the live view sees it a frame period
 * sooner); otherwise when the next frame starts. */
#define FRAME_MOTION 1u
#define FRAME_LAP    2u
#define FRAME_TELEM  4u
#define FRAME_STATUS 8u
#define FRAME_ALL    15u

/* A car's speed in the frame being merged, m/s; 0 unknown. */
static double frame_speed(const struct tb_frame *f)
{
	return tb_frame_has(f, TB_CH_SPEED) && f->v[TB_CH_SPEED] > 0
		   ? f->v[TB_CH_SPEED]
		   : 0;
}

/* Whether car i of the frame being merged is in traffic (laps.h): some
 * other car on track is ahead of it along the track, modulo the lap, by
 * less than TRAFFIC_GAP_M or TRAFFIC_GAP_S at the two cars' mean speed
 * (the mean, so that a leader braking for a corner does not look closer
 * in time than it is). 21 comparisons, no allocation. */
static bool in_traffic(const struct sess *s, unsigned i, double len)
{
	const struct tb_frame *f = &s->acc[i];
	if (!s->live[i] || s->ls[i].in_pit || !tb_frame_has(f, TB_CH_LAP_DIST))
		return false;
	double me = f->v[TB_CH_LAP_DIST], v = frame_speed(f);
	for (unsigned j = 0; j < F1_CARS; j++) {
		const struct tb_frame *o = &s->acc[j];
		if (j == i || !s->live[j] || s->ls[j].in_pit ||
		    !tb_frame_has(o, TB_CH_LAP_DIST))
			continue;
		double reach = TRAFFIC_GAP_S * (v + frame_speed(o)) / 2;
		if (reach < TRAFFIC_GAP_M)
			reach = TRAFFIC_GAP_M;
		if (reach >= len / 2)
			continue; /* nonsense length: nothing is "ahead" */
		double gap = fmod(o->v[TB_CH_LAP_DIST] - me, len);
		if (gap < 0)
			gap += len;
		if (gap > 0 && gap < reach)
			return true;
	}
	return false;
}

/* Emit the merged frame of every live car to the lap assembler. */
static void emit_frame(struct f1_feed *fd, struct sess *s)
{
	if (!s->have_frame)
		return;
	double len = s->info.track_length_m;
	for (unsigned i = 0; i < F1_CARS; i++)
		s->ls[i].traffic = len > 0 && in_traffic(s, i, len);
	for (unsigned i = 0; i < F1_CARS; i++) {
		struct tb_frame *f = &s->acc[i];
		if (s->live[i] && f->mask) {
			tb_frame_set(f, TB_CH_TIME, s->frame_time);
			fd->st.frames++;
			/* NOMEM / LIMIT are counted by the assembler as
			 * discarded samples; the lap so far is kept. */
			if (lap_asm_frame(s->laps, i, f, &s->ls[i]) != TB_OK)
				fd->st.frame_errors++;
		}
		tb_frame_clear(f);
	}
	s->have_frame = false;
	s->parts = 0;
}

static void close_session(struct f1_feed *fd, struct sess *s)
{
	emit_frame(fd, s);
	lap_asm_flush(s->laps);
	const struct lap_asm_stats *as = lap_asm_stats(s->laps);
	fd->st.rewinds += as->rewinds;
	fd->st.discarded += as->discarded;
	sess_release(s);
}

static struct sess *find_session(struct f1_feed *fd,
				 const struct f1_header *h)
{
	struct sess *lru = &fd->sess[0];
	for (int i = 0; i < FEED_SESSIONS; i++) {
		struct sess *s = &fd->sess[i];
		if (s->used && s->info.source_uid == h->session_uid) {
			s->last_use = ++fd->clock;
			return s;
		}
		if (!s->used || (lru->used && s->last_use < lru->last_use))
			lru = s;
	}
	if (lru->used)
		close_session(fd, lru);
	if (lap_asm_create(F1_CARS, on_lap, lru, &lru->laps) != TB_OK)
		return NULL;
	lap_asm_observe(lru->laps, &fd->live, &lru->info, lru->cars);
	lru->used = true;
	lru->owner = fd;
	lru->last_use = ++fd->clock;
	default_info(&lru->info, h);
	for (unsigned i = 0; i < F1_CARS; i++) {
		lru->cars[i].car_index = (uint8_t)i;
		lru->cars[i].team_id = -1;
		lru->cars[i].race_number = -1;
	}
	fd->st.sessions++;
	return lru;
}

/* Start a new merged frame when the frame identifier moves. False: the
 * packet belongs to the frame already emitted complete (a late or
 * repeated part) and is dropped. */
static bool frame_part(struct f1_feed *fd, struct sess *s,
		       const struct f1_header *h)
{
	if (s->have_frame && (h->frame_id != s->frame_id ||
			      h->overall_frame_id != s->overall_id))
		emit_frame(fd, s);
	if (!s->have_frame) {
		if (s->done_valid && h->frame_id == s->done_frame_id &&
		    h->overall_frame_id == s->done_overall_id)
			return false;
		if (h->player_car < F1_CARS)
			lap_asm_set_player(s->laps, h->player_car);
		s->have_frame = true;
		s->frame_id = h->frame_id;
		s->overall_id = h->overall_frame_id;
		s->frame_time = h->session_time;
	}
	return true;
}

/* Note part `bit` of the frame taken; emit the frame once it is whole. */
static void frame_took(struct f1_feed *fd, struct sess *s, unsigned bit)
{
	s->parts |= bit;
	if (s->parts == FRAME_ALL) {
		s->done_valid = true;
		s->done_frame_id = s->frame_id;
		s->done_overall_id = s->overall_id;
		emit_frame(fd, s);
	}
}

static void take_motion(struct sess *s, const struct f1_packet *p)
{
	for (unsigned i = 0; i < F1_CARS; i++) {
		const struct f1_motion_car *m = &p->u.motion[i];
		struct tb_frame *f = &s->acc[i];
		/* Canonical x/y are the ground plane, z is up; F1's Y is up. */
		tb_frame_set(f, TB_CH_POS_X, m->pos[0]);
		tb_frame_set(f, TB_CH_POS_Y, m->pos[2]);
		tb_frame_set(f, TB_CH_POS_Z, m->pos[1]);
		tb_frame_set(f, TB_CH_VEL_X, m->vel[0]);
		tb_frame_set(f, TB_CH_VEL_Y, m->vel[2]);
		tb_frame_set(f, TB_CH_VEL_Z, m->vel[1]);
		tb_frame_set(f, TB_CH_G_LAT, m->g_lat);
		tb_frame_set(f, TB_CH_G_LON, m->g_lon);
		tb_frame_set(f, TB_CH_G_VERT, m->g_vert);
		tb_frame_set(f, TB_CH_YAW, m->yaw);
		tb_frame_set(f, TB_CH_PITCH, m->pitch);
		tb_frame_set(f, TB_CH_ROLL, m->roll);
	}
}

static void take_lap_data(struct sess *s, const struct f1_packet *p)
{
	for (unsigned i = 0; i < F1_CARS; i++) {
		const struct f1_lap_car *l = &p->u.lap.cars[i];
		/* resultStatus 0 invalid, 1 inactive; 2+ active/finished */
		s->live[i] = l->result_status >= 2 && l->lap_num >= 1;
		if (!s->live[i])
			continue;
		struct lap_state *ls = &s->ls[i];
		ls->lap_num = l->lap_num;
		ls->last_lap_ms = (int32_t)l->last_lap_ms;
		ls->cur_lap_ms = (int32_t)l->current_lap_ms;
		ls->sector_ms[0] = (int32_t)l->sector1_ms;
		ls->sector_ms[1] = (int32_t)l->sector2_ms;
		ls->invalid = l->lap_invalid != 0;
		ls->cut = ls->invalid && l->corner_cutting_warnings > 0;
		ls->in_pit = l->pit_status != 0;
		/* driverStatus: 0 garage, 1 flying, 2 in lap, 3 out lap */
		ls->in_lap = l->driver_status == 2;
		ls->out_lap = l->driver_status == 3 || l->driver_status == 0;
		struct tb_frame *f = &s->acc[i];
		tb_frame_set(f, TB_CH_LAP_DIST, l->lap_distance);
		tb_frame_set(f, TB_CH_TOTAL_DIST, l->total_distance);
		tb_frame_set(f, TB_CH_LAP_TIME, l->current_lap_ms / 1000.0);
		tb_frame_set(f, TB_CH_SECTOR, l->sector);
	}
}

/* Wire wheel order RL, RR, FL, FR -> canonical FL, FR, RL, RR. */
static const int wheel_map[4] = {2, 3, 0, 1};

static void take_telemetry(struct sess *s, const struct f1_packet *p)
{
	for (unsigned i = 0; i < F1_CARS; i++) {
		const struct f1_telemetry_car *t = &p->u.telemetry[i];
		struct tb_frame *f = &s->acc[i];
		tb_frame_set(f, TB_CH_SPEED, t->speed_kmh / TB_KMH_PER_MS);
		tb_frame_set(f, TB_CH_THROTTLE, t->throttle);
		tb_frame_set(f, TB_CH_BRAKE, t->brake);
		tb_frame_set(f, TB_CH_CLUTCH, t->clutch / 100.0);
		tb_frame_set(f, TB_CH_STEER, t->steer);
		tb_frame_set(f, TB_CH_GEAR, t->gear);
		tb_frame_set(f, TB_CH_RPM, t->rpm);
		tb_frame_set(f, TB_CH_DRS, t->drs);
		tb_frame_set(f, TB_CH_ENGINE_TEMP, t->engine_temp);
		for (int w = 0; w < 4; w++) {
			int src = wheel_map[w];
			tb_frame_set(f, TB_CH_BRAKE_TEMP_FL + w,
				     t->brake_temp[src]);
			tb_frame_set(f, TB_CH_TYRE_SURF_FL + w,
				     t->tyre_surf_temp[src]);
			tb_frame_set(f, TB_CH_TYRE_INNER_FL + w,
				     t->tyre_inner_temp[src]);
			tb_frame_set(f, TB_CH_TYRE_PRESS_FL + w,
				     t->tyre_press[src] * TB_KPA_PER_PSI);
		}
	}
}

static void take_status(struct sess *s, const struct f1_packet *p)
{
	for (unsigned i = 0; i < F1_CARS; i++) {
		const struct f1_status_car *c = &p->u.status[i];
		struct tb_frame *f = &s->acc[i];
		tb_frame_set(f, TB_CH_FUEL, c->fuel_in_tank);
		tb_frame_set(f, TB_CH_ERS_STORE, c->ers_store);
		tb_frame_set(f, TB_CH_ERS_MODE, c->ers_mode);
	}
}

static void take_session(struct sess *s, const struct f1_packet *p)
{
	const struct f1_session *ss = &p->u.session;
	struct tb_session_info *in = &s->info;
	in->track_id = ss->track_id;
	const char *name = f1_track_name(ss->track_id);
	snprintf(in->track, sizeof(in->track), "%s", name);
	in->track_length_m = ss->track_length;
	in->game_session_type = ss->session_type;
	in->kind = f1_session_kind(p->h.format, ss->session_type);
	in->weather = ss->weather;
	in->air_temp_c = ss->air_temp;
	in->track_temp_c = ss->track_temp;
}

static void take_participants(struct sess *s, const struct f1_packet *p)
{
	const struct f1_participants *pp = &p->u.participants;
	for (unsigned i = 0; i < F1_CARS; i++) {
		const struct f1_participant *src = &pp->cars[i];
		struct tb_car_info *c = &s->cars[i];
		c->car_index = (uint8_t)i;
		snprintf(c->driver, sizeof(c->driver), "%s", src->name);
		c->team_id = src->team_id;
		c->race_number = src->race_number;
		c->ai = src->ai != 0;
	}
}

void f1_feed_packet(struct f1_feed *fd, const struct f1_packet *p)
{
	const struct f1_header *h = &p->h;
	if (h->packet_id < F1_PACKET__COUNT)
		fd->st.packets[h->packet_id]++;
	if (h->session_uid == 0)
		return; /* menus: no session to attach data to */
	struct sess *s = find_session(fd, h);
	if (!s)
		return;
	switch (h->packet_id) {
	case F1_MOTION:
		if (frame_part(fd, s, h)) {
			take_motion(s, p);
			frame_took(fd, s, FRAME_MOTION);
		}
		break;
	case F1_LAP_DATA:
		if (frame_part(fd, s, h)) {
			take_lap_data(s, p);
			frame_took(fd, s, FRAME_LAP);
		}
		break;
	case F1_CAR_TELEMETRY:
		if (frame_part(fd, s, h)) {
			take_telemetry(s, p);
			frame_took(fd, s, FRAME_TELEM);
		}
		break;
	case F1_CAR_STATUS:
		if (frame_part(fd, s, h)) {
			take_status(s, p);
			frame_took(fd, s, FRAME_STATUS);
		}
		break;
	case F1_SESSION:
		take_session(s, p);
		break;
	case F1_PARTICIPANTS:
		take_participants(s, p);
		break;
	case F1_EVENT:
		if (memcmp(p->u.event.code, "SEND", 4) == 0)
			close_session(fd, s);
		break;
	default:
		break;
	}
}

enum tb_status f1_feed_datagram(struct f1_feed *fd, const uint8_t *buf,
				size_t len, struct tb_error *err)
{
	fd->st.datagrams++;
	fd->st.bytes += len;
	enum tb_status st = f1_decode(buf, len, &fd->pkt, err);
	if (st != TB_OK) {
		fd->st.rejected[ingest_reject_of(st)]++;
		return st;
	}
	f1_feed_packet(fd, &fd->pkt);
	return TB_OK;
}

void f1_feed_flush(struct f1_feed *fd)
{
	for (int i = 0; i < FEED_SESSIONS; i++) {
		if (fd->sess[i].used)
			close_session(fd, &fd->sess[i]);
	}
}

void f1_feed_stats(const struct f1_feed *fd, struct f1_feed_stats *out)
{
	*out = fd->st;
	for (int i = 0; i < FEED_SESSIONS; i++) {
		const struct sess *s = &fd->sess[i];
		if (!s->used)
			continue;
		const struct lap_asm_stats *as = lap_asm_stats(s->laps);
		out->rewinds += as->rewinds;
		out->discarded += as->discarded;
	}
}

/* ------------------------------------------------------------------ */
/* The F1 feed as an ingest protocol. */

static bool f1_sniff(const uint8_t *buf, size_t len)
{
	if (len < 24)
		return false;
	uint16_t format = tb_ld_u16le(buf);
	size_t hs = f1_header_size(format);
	if (hs == 0 || len < hs)
		return false;
	unsigned id = buf[format == 2022 ? 5 : 6];
	if (id == F1_EVENT)
		return len >= hs + 4 && len <= f1_packet_size(format, id) + 8;
	return f1_packet_size(format, id) == len;
}

static enum tb_status f1_create(const struct ingest_opts *opts,
				ingest_lap_fn fn, void *ctx, void **out)
{
	struct f1_feed *fd;
	enum tb_status st = f1_feed_create(fn, ctx, &fd);
	if (st == TB_OK && opts)
		fd->live = opts->live;
	*out = fd;
	return st;
}

static void f1_destroy(void *inst)
{
	f1_feed_destroy(inst);
}

static enum tb_status f1_datagram(void *inst, const uint8_t *buf, size_t len,
				  int64_t now_us, struct tb_error *err)
{
	(void)now_us; /* F1 packets carry their own session time */
	return f1_feed_datagram(inst, buf, len, err);
}

static void f1_flush(void *inst)
{
	f1_feed_flush(inst);
}

static void f1_stats(const void *inst, struct ingest_stats *out)
{
	struct f1_feed_stats fs;
	f1_feed_stats(inst, &fs);
	memset(out, 0, sizeof(*out));
	out->datagrams = fs.datagrams;
	out->bytes = fs.bytes;
	for (int i = 0; i < F1_PACKET__COUNT && i < INGEST_KINDS_MAX; i++) {
		out->kinds[i] = fs.packets[i];
		out->accepted += fs.packets[i];
	}
	memcpy(out->rejected, fs.rejected, sizeof(out->rejected));
	out->frames = fs.frames;
	out->frame_errors = fs.frame_errors;
	out->sessions = fs.sessions;
	out->laps = fs.laps;
	out->laps_incomplete = fs.laps_incomplete;
	out->rewinds = fs.rewinds;
	out->discarded = fs.discarded;
}

static const char *f1_kind_name(unsigned i)
{
	return i < F1_PACKET__COUNT ? f1_packet_name(i) : NULL;
}

const struct ingest_proto ingest_proto_f1 = {
	.version = 1,
	.name = "f1",
	.title = "F1 22-25 (EA/Codemasters)",
	.default_port = 20777,
	.sniff = f1_sniff,
	.create = f1_create,
	.destroy = f1_destroy,
	.datagram = f1_datagram,
	.tick = NULL,
	.flush = f1_flush,
	.stats = f1_stats,
	.kind_name = f1_kind_name,
};

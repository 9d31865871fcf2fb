/* test_gen.c - the scenario generator: for several configs (1..22 cars,
 * formats 2022..2025, a cut lap, a flashback) the stream's LapData agrees
 * with the ground truth to the ms, frames and times are consistent, the
 * kinematics are plausible and on the circuit, packet rates match a real
 * game, runs are deterministic, and every packet encodes. */
#include "tb_test.h"

#include <math.h>

#include "ingest/f1.h"
#include "ingest/gen.h"

#define WINDOWS 4096 /* seconds of stream a test may run */

/* What one pass over a stream saw. */
struct seen {
	size_t n_pkt[F1_PACKET__COUNT];
	size_t n_frames; /* Motion packets */
	unsigned incs[F1_CARS];
	unsigned max_lap[F1_CARS];
	size_t n_ssta, n_send, n_flbk, n_ftlp;
	size_t frame_backs;
	size_t in_lap_sectors; /* in-lap frames past sector 1 */
	uint32_t flbk_target;
	uint8_t sess_w[WINDOWS], part_w[WINDOWS];
	bool cut_seen_before_mid, cut_seen;
};

static void cfg_make(struct gen_config *c, unsigned cars, unsigned laps,
		     uint16_t format, uint32_t seed)
{
	gen_config_default(c);
	c->n_cars = cars;
	c->n_laps = laps;
	c->format = format;
	c->seed = seed;
}

static double speed_of(const struct f1_motion_car *m)
{
	return sqrt((double)m->vel[0] * m->vel[0] +
		    (double)m->vel[1] * m->vel[1] +
		    (double)m->vel[2] * m->vel[2]);
}

static void check_motion(const struct gen_config *c, const struct f1_packet *p)
{
	for (unsigned i = 0; i < c->n_cars; i++) {
		const struct f1_motion_car *m = &p->u.motion[i];
		double v = speed_of(m);
		if (!(v > 0.0 && v < 100.0))
			fail_msg("car %u speed %.2f m/s", i, v);
		if (fabs(m->g_lat) > 6.0 || fabs(m->g_lon) > 6.0)
			fail_msg("car %u g lat %.2f lon %.2f", i, m->g_lat,
				 m->g_lon);
	}
	for (unsigned i = c->n_cars; i < F1_CARS; i++)
		assert_true(p->u.motion[i].pos[0] == 0.0f);
}

static void check_telemetry(const struct gen_config *c,
			    const struct f1_packet *p,
			    const struct f1_packet *mo)
{
	for (unsigned i = 0; i < c->n_cars; i++) {
		const struct f1_telemetry_car *t = &p->u.telemetry[i];
		double kmh = speed_of(&mo->u.motion[i]) * 3.6;
		if (fabs(kmh - t->speed_kmh) > 1.0)
			fail_msg("car %u speed %u km/h, motion %.2f", i,
				 t->speed_kmh, kmh);
		assert_true(t->throttle >= 0.0f && t->throttle <= 1.0f);
		assert_true(t->brake >= 0.0f && t->brake <= 1.0f);
		assert_false(t->throttle > 0.0f && t->brake > 0.0f);
		assert_in_range(t->gear, 1, 8);
		assert_in_range(t->rpm, 3000, 13000);
		assert_in_range(t->brake_temp[2], 200, 1200);
		assert_in_range(t->tyre_surf_temp[0], 60, 130);
	}
}

/* One car's LapData against the truth and the Motion of its frame. */
static void check_lap_car(struct gen *g, const struct gen_config *c, unsigned i,
			  const struct f1_lap_car *l,
			  const struct f1_lap_car *prev,
			  const struct f1_motion_car *m, struct seen *s)
{
	const double L = gen_track_length();
	struct gen_lap_truth t;
	assert_int_equal(l->result_status, 2);
	assert_in_range(l->lap_num, 1, c->n_laps + 2);
	assert_int_equal(
	    l->driver_status,
	    l->lap_num == 1 ? 3 : (l->lap_num == c->n_laps + 2 ? 2 : 1));
	/* negative distance on the out lap only */
	assert_true((l->lap_distance < 0.0f) == (l->lap_num == 1));
	assert_true(l->lap_distance > -L && l->lap_distance < L);
	/* the car is where its lap distance says */
	double x, z;
	gen_track_xz(g, l->lap_distance, &x, &z);
	if (hypot(x - m->pos[0], z - m->pos[2]) > 0.05)
		fail_msg("car %u at (%.2f, %.2f), lap distance %.2f is at "
			 "(%.2f, %.2f)",
			 i, m->pos[0], m->pos[2], l->lap_distance, x, z);
	if (l->lap_num <= s->max_lap[i]) {
		if (l->lap_num == s->max_lap[i] && l->lap_num > 1) {
			bool timed = l->lap_num <= c->n_laps + 1;
			assert_int_equal(gen_lap_truth(g, i, l->lap_num, &t),
					 TB_OK);
			if (timed)
				assert_true(l->current_lap_ms <=
					    (uint32_t)t.lap_ms);
			/* sector times as passed, in the in lap too */
			if (l->sector >= 1)
				assert_int_equal(l->sector1_ms, t.sector_ms[0]);
			else
				assert_int_equal(l->sector1_ms, 0);
			if (l->sector >= 2)
				assert_int_equal(l->sector2_ms, t.sector_ms[1]);
			else
				assert_int_equal(l->sector2_ms, 0);
			if (!timed && l->sector >= 1)
				s->in_lap_sectors++;
		}
		return;
	}
	/* a new lap: the one before it is complete, as the truth says */
	assert_int_equal(l->lap_num, s->max_lap[i] + 1);
	s->max_lap[i] = l->lap_num;
	s->incs[i]++;
	assert_int_equal(gen_lap_truth(g, i, l->lap_num - 1u, &t), TB_OK);
	assert_int_equal(l->last_lap_ms, t.lap_ms);
	assert_int_equal(l->sector1_ms, 0);
	assert_int_equal(l->sector2_ms, 0);
	assert_int_equal(l->sector, 0);
	if (t.complete) {
		assert_int_equal(prev->sector1_ms, t.sector_ms[0]);
		assert_int_equal(prev->sector2_ms, t.sector_ms[1]);
		assert_int_equal(
		    t.sector_ms[0] + t.sector_ms[1] + t.sector_ms[2], t.lap_ms);
		/* not a whole number of frames: no counting the lap */
		assert_true((t.lap_ms * (int64_t)c->rate_hz) % 1000 != 0);
	}
	double travel = speed_of(m) * 1.02 / c->rate_hz + 0.01;
	if (!(l->lap_distance >= 0.0f && l->lap_distance < travel))
		fail_msg("car %u lap %u starts at %.3f m (a frame is %.3f m)",
			 i, l->lap_num, l->lap_distance, travel);
	assert_true(l->current_lap_ms < 1000u / c->rate_hz + 1);
}

static void check_lapdata(struct gen *g, const struct gen_config *c,
			  const struct f1_packet *p,
			  const struct f1_packet *prev,
			  const struct f1_packet *mo, struct seen *s)
{
	static const struct f1_lap_car zero;
	assert_int_equal(mo->h.frame_id, p->h.frame_id);
	for (unsigned i = 0; i < c->n_cars; i++) {
		const struct f1_lap_car *l = &p->u.lap.cars[i];
		check_lap_car(g, c, i, l, &prev->u.lap.cars[i],
			      &mo->u.motion[i], s);
		bool cut_car =
		    c->cut_car == (int)i && c->cut_lap == (int)l->lap_num;
		if (l->lap_invalid) {
			struct gen_lap_truth t;
			assert_true(cut_car);
			assert_int_equal(gen_lap_truth(g, i, l->lap_num, &t),
					 TB_OK);
			assert_true(2 * l->current_lap_ms + 2 >=
				    (uint32_t)t.lap_ms);
			s->cut_seen = true;
		} else if (cut_car) {
			s->cut_seen_before_mid = true;
		}
	}
	for (unsigned i = c->n_cars; i < F1_CARS; i++)
		assert_memory_equal(&p->u.lap.cars[i], &zero, sizeof(zero));
}

static void check_event(struct gen *g, const struct f1_packet *p,
			const struct f1_packet *lap, struct seen *s,
			int32_t *best)
{
	const struct f1_event *e = &p->u.event;
	if (memcmp(e->code, "SSTA", 4) == 0) {
		s->n_ssta++;
		return;
	}
	if (memcmp(e->code, "SEND", 4) == 0) {
		s->n_send++;
		return;
	}
	if (memcmp(e->code, "FLBK", 4) == 0) {
		s->n_flbk++;
		s->flbk_target = e->flashback_frame_id;
		assert_true(e->flashback_frame_id < p->h.frame_id);
		return;
	}
	assert_memory_equal(e->code, "FTLP", 4);
	s->n_ftlp++;
	const struct f1_lap_car *l = &lap->u.lap.cars[e->vehicle_idx];
	struct gen_lap_truth t;
	assert_int_equal(lap->h.frame_id, p->h.frame_id);
	assert_true(l->lap_num >= 3);
	assert_int_equal(gen_lap_truth(g, e->vehicle_idx, l->lap_num - 1u, &t),
			 TB_OK);
	assert_true(t.complete && !(t.flags & TB_LAP_CUT));
	assert_true(fabs(e->lap_time_s - t.lap_ms / 1e3) < 1e-3);
	/* fastest so far (a flashback may replay the same record) */
	assert_true(t.lap_ms <= *best);
	*best = t.lap_ms;
}

/* Periodic packets per window of frames: Session 2 per second,
 * Participants 1 per 5 s. A packet sent before a frame's Motion belongs
 * to that frame: its index is the count of Motion packets so far. */
static void window_count(const struct gen_config *c, size_t frame_seq,
			 unsigned id, struct seen *s)
{
	size_t w = frame_seq / c->rate_hz;
	assert_true(w < WINDOWS);
	if (id == F1_SESSION)
		s->sess_w[w]++;
	if (id == F1_PARTICIPANTS)
		s->part_w[w / 5]++;
}

struct pktbuf {
	struct f1_packet p, motion, lap, prev_lap;
};

static void run_stream(const struct gen_config *c, struct seen *s)
{
	struct gen *g = NULL;
	struct tb_error err;
	enum tb_status st = gen_create(c, &g, &err);
	if (st != TB_OK)
		fail_msg("gen_create: %s", err.msg);
	struct pktbuf *b = calloc(1, sizeof(*b));
	assert_non_null(b);
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < F1_CARS; i++)
		s->max_lap[i] = 1; /* every car starts on its out lap */
	uint32_t last_frame = 0, last_overall = 0, last_motion = 0;
	int32_t best = INT32_MAX;
	bool first = true, ended = false;
	double t_s;
	while ((st = gen_next(g, &b->p, &t_s)) == TB_OK) {
		const struct f1_header *h = &b->p.h;
		assert_false(ended);
		assert_int_equal(h->format, c->format);
		assert_true(h->session_uid == c->session_uid);
		assert_true(h->session_time ==
			    (float)((double)h->frame_id / c->rate_hz));
		assert_true(t_s == h->session_time);
		if (first)
			assert_int_equal(h->packet_id, F1_EVENT);
		if (!first && h->frame_id < last_frame) {
			s->frame_backs++;
			assert_int_equal(s->n_flbk, 1);
			assert_int_equal(h->frame_id, s->flbk_target);
		}
		if (c->format >= 2023)
			assert_true(h->overall_frame_id >= last_overall);
		last_frame = h->frame_id;
		last_overall = h->overall_frame_id;
		first = false;
		s->n_pkt[h->packet_id]++;
		switch (h->packet_id) {
		case F1_MOTION:
			/* strictly increasing but for the one rewind */
			if (s->n_frames > 0 && h->frame_id <= last_motion)
				assert_int_equal(h->frame_id, s->flbk_target);
			last_motion = h->frame_id;
			s->n_frames++;
			if (c->format >= 2023)
				assert_int_equal(h->overall_frame_id,
						 s->n_frames - 1);
			check_motion(c, &b->p);
			b->motion = b->p;
			break;
		case F1_LAP_DATA:
			check_lapdata(g, c, &b->p, &b->prev_lap, &b->motion, s);
			b->prev_lap = b->p;
			b->lap = b->p;
			break;
		case F1_CAR_TELEMETRY:
			check_telemetry(c, &b->p, &b->motion);
			break;
		case F1_SESSION:
			window_count(c, s->n_frames, h->packet_id, s);
			assert_int_equal(b->p.u.session.track_length,
					 (uint16_t)lround(gen_track_length()));
			assert_int_equal(b->p.u.session.track_id, -1);
			break;
		case F1_PARTICIPANTS:
			window_count(c, s->n_frames, h->packet_id, s);
			assert_int_equal(b->p.u.participants.num_active,
					 c->n_cars);
			break;
		case F1_SESSION_HISTORY:
			assert_true(b->p.u.history.car_idx < c->n_cars);
			break;
		case F1_EVENT:
			check_event(g, &b->p, &b->lap, s, &best);
			if (memcmp(b->p.u.event.code, "SEND", 4) == 0)
				ended = true;
			break;
		default:
			break;
		}
	}
	assert_int_equal(st, TB_ERR_EMPTY);
	assert_true(ended);
	assert_int_equal(gen_next(g, &b->p, &t_s), TB_ERR_EMPTY);
	assert_true(fabs(gen_duration_s(g) - (double)last_frame / c->rate_hz) <
		    1e-9);
	free(b);
	gen_destroy(g);
}

/* Everything every stream must satisfy. */
static void check_common(const struct gen_config *c, const struct seen *s)
{
	const size_t F = s->n_frames;
	assert_int_equal(s->n_ssta, 1);
	assert_int_equal(s->n_send, 1);
	assert_true(s->n_ftlp >= 1);
	for (unsigned i = 0; i < c->n_cars; i++) {
		if (s->incs[i] != c->n_laps + 1)
			fail_msg("car %u: lap number went up %u times, "
				 "expected %u",
				 i, s->incs[i], c->n_laps + 1);
	}
	assert_int_equal(s->n_pkt[F1_LAP_DATA], F);
	assert_int_equal(s->n_pkt[F1_CAR_TELEMETRY], F);
	assert_int_equal(s->n_pkt[F1_CAR_STATUS], F);
	assert_int_equal(s->n_pkt[F1_SESSION_HISTORY], F);
	assert_int_equal(s->n_pkt[F1_SESSION],
			 (F + c->rate_hz / 2 - 1) / (c->rate_hz / 2));
	assert_int_equal(s->n_pkt[F1_PARTICIPANTS],
			 (F + 5 * c->rate_hz - 1) / (5 * c->rate_hz));
	for (size_t w = 0; w < F / c->rate_hz; w++)
		assert_int_equal(s->sess_w[w], 2);
	for (size_t w = 0; w < F / (5 * c->rate_hz); w++)
		assert_int_equal(s->part_w[w], 1);
	assert_int_equal(s->n_pkt[F1_EVENT], 2 + s->n_ftlp + s->n_flbk);
}

static void check_truth_shape(const struct gen_config *c)
{
	struct gen *g;
	assert_int_equal(gen_create(c, &g, NULL), TB_OK);
	struct gen_lap_truth t;
	for (unsigned i = 0; i < c->n_cars; i++) {
		assert_int_equal(gen_lap_truth(g, i, 1, &t), TB_OK);
		assert_false(t.complete);
		assert_true(t.flags & TB_LAP_OUT);
		assert_true(t.flags & TB_LAP_INCOMPLETE);
		for (unsigned k = 2; k <= c->n_laps + 1; k++) {
			assert_int_equal(gen_lap_truth(g, i, k, &t), TB_OK);
			assert_true(t.complete);
			assert_in_range(t.lap_ms, 55000, 70000);
			for (int j = 0; j < 3; j++)
				assert_true(t.sector_ms[j] > 10000);
		}
		assert_int_equal(gen_lap_truth(g, i, c->n_laps + 2, &t), TB_OK);
		assert_false(t.complete);
		assert_int_equal(t.lap_ms, TB_TIME_UNKNOWN);
		assert_true(t.flags & TB_LAP_IN);
		assert_int_equal(gen_lap_truth(g, i, c->n_laps + 3, &t),
				 TB_ERR_NOTFOUND);
		assert_int_equal(gen_lap_truth(g, i, 0, &t), TB_ERR_NOTFOUND);
	}
	assert_int_equal(gen_lap_truth(g, c->n_cars, 2, &t), TB_ERR_NOTFOUND);
	gen_destroy(g);
}

static void test_streams(void **state)
{
	(void)state;
	static const struct {
		unsigned cars, laps;
		uint16_t format;
		uint32_t seed;
		unsigned rate;
	} cases[] = {
	    {1, 2, 2022, 1, 60},  {4, 3, 2023, 7, 60}, {22, 2, 2024, 3, 60},
	    {4, 2, 2025, 11, 60}, {3, 1, 2025, 5, 20},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gen_config c;
		struct seen s;
		cfg_make(&c, cases[i].cars, cases[i].laps, cases[i].format,
			 cases[i].seed);
		c.rate_hz = cases[i].rate;
		check_truth_shape(&c);
		run_stream(&c, &s);
		check_common(&c, &s);
		assert_int_equal(s.frame_backs, 0);
		assert_int_equal(s.n_flbk, 0);
		assert_false(s.cut_seen);
		/* with 22 staggered cars the first ones finish long before
		 * the last: their in lap passes sector 1 */
		if (c.n_cars == 22)
			assert_true(s.in_lap_sectors > 0);
	}
}

static void test_cut_lap(void **state)
{
	(void)state;
	struct gen_config c;
	struct seen s;
	cfg_make(&c, 4, 3, 2025, 2);
	c.cut_car = 2;
	c.cut_lap = 3;
	run_stream(&c, &s);
	check_common(&c, &s);
	assert_true(s.cut_seen);
	assert_true(s.cut_seen_before_mid);
	struct gen *g;
	struct gen_lap_truth t;
	assert_int_equal(gen_create(&c, &g, NULL), TB_OK);
	assert_int_equal(gen_lap_truth(g, 2, 3, &t), TB_OK);
	assert_int_equal(t.flags, TB_LAP_CUT);
	assert_true(t.complete);
	assert_int_equal(gen_lap_truth(g, 2, 2, &t), TB_OK);
	assert_int_equal(t.flags, 0);
	gen_destroy(g);
}

static void test_flashback(void **state)
{
	(void)state;
	struct gen_config c;
	struct seen s;
	cfg_make(&c, 4, 3, 2025, 9);
	c.flashback_at_s = 100.0;
	c.flashback_back_s = 6.5;
	run_stream(&c, &s);
	check_common(&c, &s);
	assert_int_equal(s.n_flbk, 1);
	assert_int_equal(s.frame_backs, 1);
	assert_int_equal(s.flbk_target, (100.0 - 6.5) * 60);
	/* the lap each car was on at 100 s is flagged, times still exact */
	struct gen *g;
	assert_int_equal(gen_create(&c, &g, NULL), TB_OK);
	for (unsigned i = 0; i < c.n_cars; i++) {
		unsigned flagged = 0;
		for (unsigned k = 1; k <= c.n_laps + 2; k++) {
			struct gen_lap_truth t;
			assert_int_equal(gen_lap_truth(g, i, k, &t), TB_OK);
			if (t.flags & TB_LAP_FLASHBACK) {
				flagged++;
				assert_true(k >= 2 && k <= c.n_laps + 1);
				assert_true(t.complete);
			}
		}
		assert_in_range(flagged, 1, 2);
	}
	gen_destroy(g);

	/* after the rewind the target frame is sent again, identical */
	struct f1_packet *p = calloc(2, sizeof(*p));
	assert_non_null(p);
	assert_int_equal(gen_create(&c, &g, NULL), TB_OK);
	unsigned seen_target = 0;
	double t;
	while (gen_next(g, &p[0], &t) == TB_OK) {
		if (p[0].h.packet_id != F1_LAP_DATA ||
		    p[0].h.frame_id != s.flbk_target)
			continue;
		if (seen_target++ == 0)
			p[1] = p[0];
		else
			assert_memory_equal(&p[0].u.lap, &p[1].u.lap,
					    sizeof(p[0].u.lap));
	}
	assert_int_equal(seen_target, 2);
	free(p);
	gen_destroy(g);
}

static void test_deterministic(void **state)
{
	(void)state;
	struct gen_config c;
	cfg_make(&c, 5, 1, 2024, 42);
	c.flashback_at_s = 30.0;
	c.flashback_back_s = 2.0;
	struct gen *a, *b;
	assert_int_equal(gen_create(&c, &a, NULL), TB_OK);
	assert_int_equal(gen_create(&c, &b, NULL), TB_OK);
	struct f1_packet *pa = calloc(2, sizeof(*pa));
	assert_non_null(pa);
	double ta, tb;
	size_t n = 0;
	enum tb_status sa, sb;
	do {
		sa = gen_next(a, &pa[0], &ta);
		sb = gen_next(b, &pa[1], &tb);
		assert_int_equal(sa, sb);
		assert_memory_equal(&pa[0], &pa[1], sizeof(pa[0]));
		n++;
	} while (sa == TB_OK);
	assert_true(n > 1000);
	/* another seed gives other lap times */
	struct gen *d;
	c.seed = 43;
	assert_int_equal(gen_create(&c, &d, NULL), TB_OK);
	struct gen_lap_truth t1, t2;
	assert_int_equal(gen_lap_truth(a, 0, 2, &t1), TB_OK);
	assert_int_equal(gen_lap_truth(d, 0, 2, &t2), TB_OK);
	assert_true(t1.lap_ms != t2.lap_ms);
	free(pa);
	gen_destroy(a);
	gen_destroy(b);
	gen_destroy(d);
}

static void test_encodes(void **state)
{
	(void)state;
	static const uint16_t formats[] = {2022, 2023, 2024, 2025};
	uint8_t buf[TB_DATAGRAM_MAX];
	struct f1_packet *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	for (size_t i = 0; i < 4; i++) {
		struct gen_config c;
		struct gen *g;
		cfg_make(&c, 22, 1, formats[i], 4);
		assert_int_equal(gen_create(&c, &g, NULL), TB_OK);
		double t;
		size_t n = 0;
		while (gen_next(g, p, &t) == TB_OK && n < 20000) {
			size_t len = 0;
			enum tb_status st =
			    f1_encode(p, buf, sizeof(buf), &len);
			if (st != TB_OK)
				fail_msg("format %u id %u: %s", formats[i],
					 p->h.packet_id, tb_strerror(st));
			if (p->h.packet_id != F1_EVENT)
				assert_int_equal(
				    len,
				    f1_packet_size(formats[i], p->h.packet_id));
			n++;
		}
		gen_destroy(g);
	}
	free(p);
}

static void test_bad_configs(void **state)
{
	(void)state;
	struct gen_config c;
	struct gen *g = (struct gen *)&c;
	struct tb_error err;
	cfg_make(&c, 0, 3, 2025, 1);
	assert_int_equal(gen_create(&c, &g, &err), TB_ERR_ARG);
	assert_null(g);
	assert_non_null(strstr(err.msg, "n_cars"));
	cfg_make(&c, 23, 3, 2025, 1);
	assert_int_equal(gen_create(&c, &g, NULL), TB_ERR_ARG);
	cfg_make(&c, 2, 0, 2025, 1);
	assert_int_equal(gen_create(&c, &g, NULL), TB_ERR_ARG);
	cfg_make(&c, 2, 2, 2021, 1);
	assert_int_equal(gen_create(&c, &g, NULL), TB_ERR_FORMAT);
	cfg_make(&c, 2, 2, 2025, 1);
	c.rate_hz = 59;
	assert_int_equal(gen_create(&c, &g, NULL), TB_ERR_ARG);
	cfg_make(&c, 2, 2, 2025, 1);
	c.cut_car = 1;
	c.cut_lap = 1; /* the out lap is not a timed lap */
	assert_int_equal(gen_create(&c, &g, NULL), TB_ERR_ARG);
	cfg_make(&c, 2, 2, 2025, 1);
	c.flashback_at_s = 5.0;
	c.flashback_back_s = 6.0;
	assert_int_equal(gen_create(&c, &g, NULL), TB_ERR_ARG);
	cfg_make(&c, 2, 2, 2025, 1);
	c.flashback_at_s = 5000.0; /* after the end */
	c.flashback_back_s = 1.0;
	assert_int_equal(gen_create(&c, &g, &err), TB_ERR_ARG);
	cfg_make(&c, 2, 2, 2025, 1);
	c.base_lap_ms = 30000; /* faster than the circuit allows */
	assert_int_equal(gen_create(&c, &g, &err), TB_ERR_ARG);
	assert_non_null(strstr(err.msg, "base_lap_ms"));
	gen_destroy(NULL);
	assert_string_equal(gen_track_name(), "trailbrake test circuit");
	assert_true(gen_track_length() > 3500 && gen_track_length() < 5000);
}

static void test_alloc_failures(void **state)
{
	(void)state;
	struct gen_config c;
	cfg_make(&c, 4, 2, 2025, 1);
	for (long n = 1; n <= 8; n++) {
		struct gen *g = (struct gen *)&c;
		tb_fault_fail_alloc_after(n);
		enum tb_status st = gen_create(&c, &g, NULL);
		tb_fault_fail_alloc_after(0);
		if (st == TB_OK) {
			gen_destroy(g);
			continue;
		}
		assert_int_equal(st, TB_ERR_NOMEM);
		assert_null(g);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_streams),
	    cmocka_unit_test(test_cut_lap),
	    cmocka_unit_test(test_flashback),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_encodes),
	    cmocka_unit_test(test_bad_configs),
	    cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

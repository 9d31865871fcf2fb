/* test_live_obs.c - the live observer of the ingest module: the lap and
 * stage assemblers report every frame they take, with the car, the
 * source's lap (or run) number, whether it is the player's car and the
 * session and car metadata; a generated F1 stream through a port
 * reports every car's every frame, as many as the port assembled. */
#include "tb_test.h"

#include "ingest/proto.h"
#include "ingest/stage.h"

struct obs_log {
	size_t n;
	unsigned car[64];
	uint32_t lap[64];
	bool player[64];
	const struct tb_session_info *session[64];
	const struct tb_car_info *car_info[64];
	double t[64];
};

static void log_frame(void *ctx, const struct lap_live *lv)
{
	struct obs_log *l = ctx;
	if (l->n < 64) {
		l->car[l->n] = lv->car;
		l->lap[l->n] = lv->lap_num;
		l->player[l->n] = lv->player;
		l->session[l->n] = lv->session;
		l->car_info[l->n] = lv->car_info;
		l->t[l->n] = lv->frame->v[TB_CH_TIME];
	}
	l->n++;
}

static void no_lap(void *ctx, struct tb_lap *lap)
{
	(void)ctx;
	(void)lap;
}

static void test_lap_asm(void **state)
{
	(void)state;
	struct lap_asm *a;
	assert_int_equal(lap_asm_create(3, no_lap, NULL, &a), TB_OK);
	struct obs_log log = {0};
	struct tb_session_info session = {.source_uid = 77};
	struct tb_car_info cars[3] = {
	    {.car_index = 0}, {.car_index = 1}, {.car_index = 2}};
	struct lap_observer obs = {.fn = log_frame, .ctx = &log};
	lap_asm_observe(a, &obs, &session, cars);
	lap_asm_set_player(a, 2);
	struct tb_frame f;
	struct lap_state ls = {.lap_num = 4, .cur_lap_ms = 100};
	for (unsigned i = 0; i < 6; i++) {
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, 1.0 + i);
		assert_int_equal(lap_asm_frame(a, i % 3, &f, &ls), TB_OK);
	}
	/* Refused frames (no time, bad car) are not reported. */
	tb_frame_clear(&f);
	assert_int_equal(lap_asm_frame(a, 0, &f, &ls), TB_ERR_ARG);
	tb_frame_set(&f, TB_CH_TIME, 9.0);
	assert_int_equal(lap_asm_frame(a, 3, &f, &ls), TB_ERR_RANGE);
	assert_int_equal(log.n, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(log.car[i], i % 3);
		assert_int_equal(log.lap[i], 4);
		assert_int_equal(log.player[i], i % 3 == 2);
		assert_ptr_equal(log.session[i], &session);
		assert_ptr_equal(log.car_info[i], &cars[i % 3]);
		assert_true(log.t[i] == 1.0 + i);
	}
	/* No observer: nothing reported. */
	lap_asm_observe(a, NULL, NULL, NULL);
	tb_frame_set(&f, TB_CH_TIME, 10.0);
	assert_int_equal(lap_asm_frame(a, 0, &f, &ls), TB_OK);
	assert_int_equal(log.n, 6);
	lap_asm_destroy(a);
}

static void test_stage_asm(void **state)
{
	(void)state;
	struct stage_asm *a;
	assert_int_equal(stage_asm_create(no_lap, NULL, &a), TB_OK);
	struct obs_log log = {0};
	struct tb_car_info car = {.car_index = 0};
	struct lap_observer obs = {.fn = log_frame, .ctx = &log};
	stage_asm_observe(a, &obs, NULL, &car);
	struct tb_frame f;
	struct stage_state s = {.progress = -1, .length_m = 1000};
	for (int i = 0; i < 5; i++) {
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, 10.0 + i);
		s.time_s = i; /* the first sample is not running */
		s.dist_m = 10.0 * i;
		assert_int_equal(stage_asm_frame(a, &f, &s), TB_OK);
	}
	assert_int_equal(log.n, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(log.car[i], 0);
		assert_int_equal(log.lap[i], 1); /* the first run */
		assert_true(log.player[i]);
		assert_null(log.session[i]);
		assert_ptr_equal(log.car_info[i], &car);
	}
	stage_asm_destroy(a);
}

struct port_log {
	uint64_t n, player, with_session, dist;
	uint64_t per_car[F1_CARS];
	double last_t[F1_CARS];
	bool back;
	uint64_t uid;
};

static void port_frame(void *ctx, const struct lap_live *lv)
{
	struct port_log *l = ctx;
	l->n++;
	assert_true(lv->car < F1_CARS);
	l->per_car[lv->car]++;
	l->player += lv->player;
	if (lv->session && lv->session->source_uid == l->uid)
		l->with_session++;
	if (tb_frame_has(lv->frame, TB_CH_LAP_DIST))
		l->dist++;
	double t = lv->frame->v[TB_CH_TIME];
	if (t < l->last_t[lv->car])
		l->back = true;
	l->last_t[lv->car] = t;
}

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	(void)ctx;
	(void)job;
}

static void test_port_f1(void **state)
{
	(void)state;
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 2;
	cfg.n_laps = 1;
	struct gen *g;
	assert_int_equal(gen_create(&cfg, &g, NULL), TB_OK);
	struct port_log log = {.uid = cfg.session_uid};
	struct ingest_opts opts = {.live = {.fn = port_frame, .ctx = &log}};
	struct ingest_port *p;
	assert_int_equal(ingest_port_create(NULL, &opts, on_job, NULL, &p),
			 TB_OK);
	static struct f1_packet pkt;
	uint8_t buf[TB_DATAGRAM_MAX];
	double t;
	while (gen_next(g, &pkt, &t) == TB_OK) {
		size_t len;
		assert_int_equal(f1_encode(&pkt, buf, sizeof(buf), &len),
				 TB_OK);
		assert_int_equal(ingest_port_datagram(p, buf, len, 0, NULL),
				 TB_OK);
	}
	ingest_port_flush(p);
	struct ingest_stats s;
	ingest_port_stats(p, &s);
	printf("frames reported %llu, assembled %llu\n",
	       (unsigned long long)log.n, (unsigned long long)s.frames);
	assert_true(log.n > 1000);
	assert_int_equal(log.n, s.frames);
	assert_int_equal(log.per_car[0], log.per_car[1]);
	assert_int_equal(log.player, log.per_car[0]); /* car 0 is player */
	assert_int_equal(log.with_session, log.n);
	assert_int_equal(log.dist, log.n);
	assert_false(log.back);
	ingest_port_destroy(p);
	gen_destroy(g);
}

/* An F1 frame is handed on as soon as its four parts (Motion, LapData,
 * CarTelemetry, CarStatus) are in, not when the next frame starts; a
 * part of it arriving again afterwards adds no sample. */
static void test_f1_frame_complete(void **state)
{
	(void)state;
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 2;
	cfg.n_laps = 1;
	struct gen *g;
	assert_int_equal(gen_create(&cfg, &g, NULL), TB_OK);
	struct port_log log = {.uid = cfg.session_uid};
	struct ingest_opts opts = {.live = {.fn = port_frame, .ctx = &log}};
	struct ingest_port *p;
	assert_int_equal(ingest_port_create(NULL, &opts, on_job, NULL, &p),
			 TB_OK);
	static struct f1_packet pkt;
	uint8_t buf[TB_DATAGRAM_MAX];
	double t;
	uint32_t frame = UINT32_MAX;
	unsigned parts = 0;
	uint64_t complete = 0, repeats = 0;
	while (gen_next(g, &pkt, &t) == TB_OK && complete < 600) {
		size_t len;
		assert_int_equal(f1_encode(&pkt, buf, sizeof(buf), &len),
				 TB_OK);
		assert_int_equal(ingest_port_datagram(p, buf, len, 0, NULL),
				 TB_OK);
		unsigned id = pkt.h.packet_id, bit = 0;
		if (id == F1_MOTION)
			bit = 1;
		else if (id == F1_LAP_DATA)
			bit = 2;
		else if (id == F1_CAR_TELEMETRY)
			bit = 4;
		else if (id == F1_CAR_STATUS)
			bit = 8;
		if (!bit)
			continue;
		if (pkt.h.frame_id != frame) {
			frame = pkt.h.frame_id;
			parts = 0;
		}
		parts |= bit;
		if (parts != 15)
			continue;
		/* the frame's last part: both cars' samples are out now */
		complete++;
		assert_int_equal(log.per_car[0], complete);
		assert_int_equal(log.per_car[1], complete);
		/* the same part again: dropped, no second sample */
		assert_int_equal(ingest_port_datagram(p, buf, len, 0, NULL),
				 TB_OK);
		repeats++;
		assert_int_equal(log.per_car[0], complete);
		parts = 16; /* counted once */
	}
	assert_int_equal(complete, 600);
	assert_int_equal(repeats, 600);
	assert_false(log.back);
	ingest_port_destroy(p);
	gen_destroy(g);
}

/* Every protocol with an encoder: car 0 of a generated session through
 * a port of that protocol reports as many frames as it assembled. */
static void test_every_protocol(void **state)
{
	(void)state;
	size_t n;
	const struct ingest_proto *const *all = ingest_protocols(&n);
	unsigned tried = 0;
	for (size_t k = 0; k < n; k++) {
		const struct ingest_proto *pr = all[k];
		if (!pr->gen_encode)
			continue;
		struct gen_config cfg;
		gen_config_default(&cfg);
		cfg.n_cars = 1;
		cfg.n_laps = 1;
		struct gen *g;
		assert_int_equal(gen_create(&cfg, &g, NULL), TB_OK);
		struct port_log log = {.uid = 0};
		struct ingest_opts opts = {
		    .live = {.fn = port_frame, .ctx = &log}};
		struct ingest_port *p;
		assert_int_equal(
		    ingest_port_create(pr, &opts, on_job, NULL, &p), TB_OK);
		struct gen_frame f;
		uint8_t buf[TB_DATAGRAM_MAX];
		int64_t us = 0;
		while (gen_next_frame(g, &f) == TB_OK) {
			size_t len;
			if (pr->gen_encode(&f, 0, 0, buf, sizeof(buf), &len) !=
			    TB_OK)
				continue;
			us += 16667;
			(void)ingest_port_datagram(p, buf, len, us, NULL);
		}
		struct ingest_stats s;
		ingest_port_stats(p, &s);
		printf("%s: frames reported %llu, assembled %llu\n", pr->name,
		       (unsigned long long)log.n, (unsigned long long)s.frames);
		assert_true(log.n > 0);
		assert_true(log.n <= s.frames);
		assert_int_equal(log.per_car[0], log.n);
		assert_int_equal(log.player, log.n);
		ingest_port_destroy(p);
		gen_destroy(g);
		tried++;
	}
	assert_true(tried >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lap_asm),
	    cmocka_unit_test(test_stage_asm),
	    cmocka_unit_test(test_port_f1),
	    cmocka_unit_test(test_f1_frame_complete),
	    cmocka_unit_test(test_every_protocol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_codemasters.c - the Codemasters extradata protocol: encode/decode
 * round trips for both layouts, every short and wrong length rejected and
 * counted, 100,000 random datagrams, detection against other protocols'
 * sizes and random data, canonical units, paused duplicates, stage mode
 * on a hand-built sequence (a run, a restart, an abandoned run, a finish
 * and the coast after it) and a generated multi-lap stream in lap mode,
 * found by auto-detection, whose laps carry exactly the generator's lap
 * and sector times. */
#include "tb_ingest_test.h"

#include <math.h>

#include "ingest/codemasters.h"
#include "ingest/proto.h"
#include "ingest/stage.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	return tbt_rng_next(&rng_state);
}

static void *new_inst(struct tbt_sink *s)
{
	void *inst = NULL;
	assert_int_equal(
	    ingest_proto_codemasters.create(NULL, tbt_on_job, s, &inst), TB_OK);
	return inst;
}

/* A plausible DR2 packet at stage time t, distance d. */
static void dr2_packet(struct cm_packet *p, double t, double d)
{
	memset(p, 0, sizeof(*p));
	p->n_floats = 66;
	p->f[CM_RUN_TIME] = (float)(100.0 + t);
	p->f[CM_LAP_TIME] = (float)t;
	p->f[CM_DISTANCE] = (float)d;
	p->f[CM_PROGRESS] = (float)(d / 1000.0);
	p->f[CM_POS_X] = 10.0f;
	p->f[CM_POS_X + 1] = -150.0f; /* up */
	p->f[CM_POS_X + 2] = (float)d;
	p->f[CM_SPEED] = 20.0f;
	p->f[CM_PITCH_X + 2] = 1.0f; /* forward = +z */
	p->f[CM_ROLL_X] = -1.0f;
	p->f[CM_THROTTLE] = 0.5f;
	p->f[CM_GEAR] = 3.0f;
	p->f[CM_RPM] = 500.0f;
	p->f[CM_TOTAL_LAPS] = 1.0f;
	p->f[CM_TRACK_LENGTH] = 1000.0f;
	p->f[CM_MAX_RPM] = 837.758f;
	p->f[CM_IDLE_RPM] = 151.844f;
	p->f[CM_MAX_GEARS] = 5.0f;
}

static size_t enc(const struct cm_packet *p, uint8_t *buf)
{
	size_t n = 0;
	assert_int_equal(cm_encode(p, buf, TB_DATAGRAM_MAX, &n), TB_OK);
	return n;
}

static void test_roundtrip(void **state)
{
	(void)state;
	rng_state = 0x5EED0001;
	uint8_t buf[TB_DATAGRAM_MAX];
	const unsigned sizes[2] = {38, 66};
	for (int k = 0; k < 200; k++) {
		struct cm_packet p, q;
		memset(&p, 0, sizeof(p));
		p.n_floats = sizes[k & 1];
		for (unsigned i = 0; i < p.n_floats; i++) {
			uint32_t u = (uint32_t)rng();
			memcpy(&p.f[i], &u, 4); /* any bits, NaN too */
		}
		size_t n = enc(&p, buf);
		assert_int_equal(n, 4 * p.n_floats);
		assert_int_equal(cm_decode(buf, n, &q, NULL), TB_OK);
		assert_memory_equal(&p, &q, sizeof(p));
	}
	/* explicit offsets: float i at byte 4 i, little-endian */
	struct cm_packet p;
	dr2_packet(&p, 12.5, 300);
	size_t n = enc(&p, buf);
	assert_int_equal(n, CM_SIZE_EXTRA);
	assert_int_equal(tb_ld_u32le(buf + 4), 0x41480000u); /* 12.5f */
	assert_true(tb_ld_f32le(buf + 244) == 1000.0f);
	/* encoder refuses other counts and small buffers */
	p.n_floats = 40;
	assert_int_equal(cm_encode(&p, buf, sizeof(buf), &n), TB_ERR_ARG);
	p.n_floats = 66;
	assert_int_equal(cm_encode(&p, buf, 263, &n), TB_ERR_LIMIT);
}

static void test_rejects(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s);
	uint8_t buf[600];
	memset(buf, 0, sizeof(buf));
	uint64_t n_trunc = 0, n_len = 0;
	for (size_t len = 0; len <= sizeof(buf); len++) {
		if (len == CM_SIZE_LEGACY || len == CM_SIZE_EXTRA)
			continue;
		struct cm_packet p;
		struct tb_error err;
		enum tb_status want =
		    len < CM_SIZE_LEGACY ? TB_ERR_TRUNCATED : TB_ERR_LENGTH;
		assert_int_equal(cm_decode(buf, len, &p, &err), want);
		assert_int_equal(err.status, want);
		assert_non_null(strstr(err.msg, "bytes"));
		assert_int_equal(ingest_proto_codemasters.datagram(
				     inst, buf, len, 1000, NULL),
				 want);
		if (want == TB_ERR_TRUNCATED)
			n_trunc++;
		else
			n_len++;
	}
	struct ingest_stats st;
	ingest_proto_codemasters.stats(inst, &st);
	assert_int_equal(st.rejected[INGEST_REJ_TRUNCATED], n_trunc);
	assert_int_equal(st.rejected[INGEST_REJ_LENGTH], n_len);
	assert_int_equal(st.accepted, 0);
	assert_int_equal(st.sessions, 0);
	ingest_proto_codemasters.flush(inst);
	assert_int_equal(s.n, 0);
	ingest_proto_codemasters.destroy(inst);
}

static void test_random(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s);
	struct ingest_port *port = NULL;
	assert_int_equal(ingest_port_create(NULL, NULL, tbt_on_job, &s, &port),
			 TB_OK);
	rng_state = 0x5EED0002;
	uint8_t buf[TB_DATAGRAM_MAX];
	for (int k = 0; k < 100000; k++) {
		size_t len;
		switch (rng() % 4) {
		case 0:
			len = CM_SIZE_LEGACY;
			break;
		case 1:
			len = CM_SIZE_EXTRA;
			break;
		default:
			len = rng() % 400;
			break;
		}
		for (size_t b = 0; b < len; b++)
			buf[b] = (uint8_t)rng();
		/* half of them made plausible floats so they get past
		 * decoding into the session logic */
		if (k & 1)
			for (size_t b = 3; b < len; b += 4)
				buf[b] = (uint8_t)(0x3C + (rng() & 3));
		int64_t now = 1000000ll * (k / 100);
		(void)ingest_proto_codemasters.datagram(inst, buf, len, now,
							NULL);
		(void)ingest_port_datagram(port, buf, len, now, NULL);
		if (s.n > TBT_MAX_JOBS / 2)
			tbt_sink_release(&s);
	}
	ingest_proto_codemasters.flush(inst);
	ingest_port_flush(port);
	tbt_sink_release(&s);
	struct ingest_stats st;
	ingest_proto_codemasters.stats(inst, &st);
	assert_int_equal(st.datagrams, 100000);
	ingest_port_destroy(port);
	ingest_proto_codemasters.destroy(inst);
}

static void test_sniff(void **state)
{
	(void)state;
	uint8_t buf[TB_DATAGRAM_MAX];
	struct cm_packet p;
	dr2_packet(&p, 1.0, 10.0);
	size_t n = enc(&p, buf);
	assert_true(cm_sniff(buf, n));
	assert_ptr_equal(ingest_detect(buf, n), &ingest_proto_codemasters);
	p.n_floats = 38;
	n = enc(&p, buf);
	assert_true(cm_sniff(buf, n));
	assert_ptr_equal(ingest_detect(buf, n), &ingest_proto_codemasters);
	/* implausible content of the right size */
	p.f[CM_THROTTLE] = 3.0f;
	n = enc(&p, buf);
	assert_false(cm_sniff(buf, n));
	p.f[CM_THROTTLE] = 0.0f;
	p.f[CM_GEAR] = NAN;
	n = enc(&p, buf);
	assert_false(cm_sniff(buf, n));
	/* No: every F1 packet size, zero-filled (a plausible body). */
	memset(buf, 0, sizeof(buf));
	size_t n_f1 = 0;
	for (uint16_t fmt = 2022; fmt <= 2025; fmt++) {
		for (unsigned id = 0; id < F1_PACKET__COUNT; id++) {
			size_t sz = f1_packet_size(fmt, id);
			if (sz == 0)
				continue;
			assert_false(cm_sniff(buf, sz));
			n_f1++;
		}
	}
	assert_true(n_f1 > 40);
	/* Forza, AC, GT7 and EA WRC default sizes. */
	const size_t others[] = {12,  212, 232, 241, 268, 296, 311,
				 316, 324, 328, 331, 344, 408};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_false(cm_sniff(buf, others[i]));
	/* Random data of the right sizes: never claimed. */
	rng_state = 0x5EED0003;
	size_t claimed = 0;
	for (int k = 0; k < 20000; k++) {
		size_t sz = (k & 1) ? CM_SIZE_EXTRA : CM_SIZE_LEGACY;
		for (size_t b = 0; b < sz; b++)
			buf[b] = (uint8_t)rng();
		claimed += cm_sniff(buf, sz);
	}
	assert_int_equal(claimed, 0);
}

/* Feed p at now_us to inst. */
static void feed(void *inst, const struct cm_packet *p, int64_t now_us)
{
	uint8_t buf[TB_DATAGRAM_MAX];
	size_t n = enc(p, buf);
	assert_int_equal(
	    ingest_proto_codemasters.datagram(inst, buf, n, now_us, NULL),
	    TB_OK);
}

static void test_units(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s);
	struct cm_packet p;
	dr2_packet(&p, 0.5, 10);
	p.f[CM_GEAR] = 10.0f;	/* DR2 reverse */
	p.f[CM_PITCH_X] = 1.0f; /* forward = +x */
	p.f[CM_PITCH_X + 2] = 0.0f;
	p.f[CM_SECTOR] = 1.0f;
	feed(inst, &p, 1000000);
	ingest_proto_codemasters.flush(inst);
	assert_int_equal(s.n, 1);
	const struct ingest_lap_job *j = &s.jobs[0];
	struct tb_frame f;
	tb_lap_frame(&j->lap, 0, &f);
	assert_true(f.v[TB_CH_TIME] == (double)(100.0f + 0.5f));
	assert_true(f.v[TB_CH_LAP_TIME] == 0.5);
	assert_true(f.v[TB_CH_LAP_DIST] == 10.0);
	assert_true(f.v[TB_CH_GEAR] == -1.0);
	assert_true(fabs(f.v[TB_CH_RPM] - 5000.0) < 1e-9);
	assert_true(f.v[TB_CH_POS_Z] == -150.0); /* Y up -> z */
	assert_true(f.v[TB_CH_POS_Y] == 10.0);
	assert_true(fabs(f.v[TB_CH_YAW] - 2 * atan(1.0)) < 1e-9);
	assert_true(f.v[TB_CH_SECTOR] == 1.0);
	assert_false(tb_frame_has(&f, TB_CH_PITCH));
	assert_false(tb_frame_has(&f, TB_CH_ROLL));
	assert_false(tb_frame_has(&f, TB_CH_BRAKE_TEMP_FL));
	assert_false(tb_frame_has(&f, TB_CH_TYRE_PRESS_FL));
	assert_false(tb_frame_has(&f, TB_CH_FUEL));
	assert_int_equal(j->session.game, TB_GAME_DIRT_RALLY_2);
	assert_int_equal(j->session.kind, TB_SESSION_STAGE);
	assert_int_equal(j->session.car_class, TB_CLASS_RALLY);
	assert_int_equal(j->session.packet_format, 264);
	assert_true(j->session.track_length_m == 1000.0);
	assert_int_equal(j->session.source_uid, 1000000);
	tbt_sink_release(&s);
	/* gear 10 is a real gear only for a car with 10 or more */
	dr2_packet(&p, 0.5, 10);
	p.f[CM_GEAR] = 10.0f;
	p.f[CM_MAX_GEARS] = 10.0f;
	feed(inst, &p, 2000000);
	ingest_proto_codemasters.flush(inst);
	tb_lap_frame(&s.jobs[0].lap, 0, &f);
	assert_true(f.v[TB_CH_GEAR] == 10.0);
	tbt_sink_release(&s);
	/* legacy 152 B: no sector channel, another game */
	dr2_packet(&p, 0.5, 10);
	p.n_floats = 38;
	memset(&p.f[38], 0, sizeof(p.f) - 38 * sizeof(float));
	feed(inst, &p, 3000000);
	ingest_proto_codemasters.flush(inst);
	assert_int_equal(s.n, 1);
	tb_lap_frame(&s.jobs[0].lap, 0, &f);
	assert_false(tb_frame_has(&f, TB_CH_SECTOR));
	assert_int_equal(s.jobs[0].session.game, TB_GAME_CODEMASTERS);
	assert_int_equal(s.jobs[0].session.packet_format, 152);
	tbt_sink_release(&s);
	ingest_proto_codemasters.destroy(inst);
}

/* Drive one run of the 1000 m test stage: stage time t0.. at 60 Hz,
 * distance = 10 m per frame from d0, up to (not past) d_end. */
static int64_t drive(void *inst, int64_t now, double t0, double d0,
		     double d_end, double s1, double s2, struct cm_packet *last)
{
	struct cm_packet p;
	double t = t0, d = d0;
	while (d <= d_end + 1e-9) {
		dr2_packet(&p, t, d);
		if (d >= 333)
			p.f[CM_SECTOR1_TIME] = (float)s1;
		if (d >= 666)
			p.f[CM_SECTOR2_TIME] = (float)s2;
		feed(inst, &p, now);
		now += 16667;
		t += 1.0 / 60;
		d += 10;
		if (last)
			*last = p;
	}
	return now;
}

static void test_stage_mode(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s);
	struct cm_packet p;
	int64_t now = 1000000;
	/* countdown: not running, nothing stored */
	for (int i = 0; i < 30; i++) {
		dr2_packet(&p, 0, 0);
		p.f[CM_RUN_TIME] = (float)(i * 0.1);
		feed(inst, &p, now += 100000);
	}
	/* run 1: 400 m, then a restart (time and distance back) */
	struct cm_packet last;
	now = drive(inst, now, 1.0 / 60, 0, 400, 0.55, 0, NULL);
	assert_int_equal(s.n, 0);
	/* run 2: 500 m, paused (duplicates), then abandoned (clock 0) */
	now = drive(inst, now, 1.0 / 60, 0, 500, 5.25, 0, &last);
	assert_int_equal(s.n, 1); /* the restart handed run 1 over */
	struct ingest_stats st;
	ingest_proto_codemasters.stats(inst, &st);
	uint64_t frames_before = st.frames, dups_before = st.kinds[2];
	p = last;
	for (int i = 0; i < 20; i++) {
		p.f[CM_RUN_TIME] += 0.5f; /* only run_time moves */
		feed(inst, &p, now += 16667);
	}
	ingest_proto_codemasters.stats(inst, &st);
	assert_int_equal(st.frames, frames_before);
	assert_int_equal(st.kinds[2] - dups_before, 20); /* duplicate */
	dr2_packet(&p, 0, 0);
	feed(inst, &p, now += 16667);
	assert_int_equal(s.n, 2);
	/* run 3: to the finish (last sample 2 m short), with splits */
	now = drive(inst, now, 1.0 / 60, 0, 990, 0.55, 0.5, &last);
	float t3 = last.f[CM_LAP_TIME] + 0.01f;
	dr2_packet(&p, t3, 998);
	p.f[CM_SECTOR1_TIME] = 0.55f;
	p.f[CM_SECTOR2_TIME] = 0.5f;
	p.f[CM_PROGRESS] = 0.998f;
	feed(inst, &p, now += 16667);
	/* the reset after the finish ends it */
	dr2_packet(&p, 0, 0);
	feed(inst, &p, now += 16667);
	assert_int_equal(s.n, 3);
	/* run 4 crosses the line: handed over at once; the coast after it
	 * does not start a junk run */
	now = drive(inst, now, 1.0 / 60, 0, 1000, 0.55, 0.5, &last);
	float t4 = last.f[CM_LAP_TIME];
	assert_int_equal(s.n, 4);
	now = drive(inst, now, 102.0 / 60, 1010, 1200, 0.55, 0.5, NULL);
	ingest_proto_codemasters.flush(inst);
	assert_int_equal(s.n, 4);

	const struct tb_lap *l1 = &s.jobs[0].lap, *l2 = &s.jobs[1].lap,
			    *l3 = &s.jobs[2].lap, *l4 = &s.jobs[3].lap;
	assert_int_equal(l1->lap_number, 1);
	assert_int_equal(l1->n, 41);
	assert_true(l1->flags & TB_LAP_INCOMPLETE);
	assert_int_equal(l1->lap_time_ms, TB_TIME_UNKNOWN);
	assert_int_equal(l1->sector_ms[0], 550); /* split seen */
	assert_int_equal(l2->lap_number, 2);
	assert_int_equal(l2->n, 51);
	assert_true(l2->flags & TB_LAP_INCOMPLETE);
	assert_int_equal(l3->lap_number, 3);
	assert_int_equal(l3->n, 101);
	assert_int_equal(l3->flags, 0);
	assert_int_equal(l3->lap_time_ms, lrint((double)t3 * 1000));
	assert_int_equal(l3->sector_ms[0], 550);
	assert_int_equal(l3->sector_ms[1], 500);
	assert_int_equal(l3->sector_ms[2], l3->lap_time_ms - 1050);
	assert_int_equal(l4->lap_number, 4);
	assert_int_equal(l4->flags, 0);
	assert_int_equal(l4->n, 101);
	assert_int_equal(l4->lap_time_ms, lrint((double)t4 * 1000));
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.jobs[i].session.source_uid,
				 s.jobs[0].session.source_uid);
	ingest_proto_codemasters.stats(inst, &st);
	assert_int_equal(st.sessions, 1);
	assert_int_equal(st.laps, 2);
	assert_int_equal(st.laps_incomplete, 2);
	assert_int_equal(st.rewinds, 1); /* one restart */
	assert_true(st.discarded >= 19); /* the coast */
	tbt_sink_release(&s);

	/* a run cut by silence: tick after 5 s ends it, 60 s the session */
	now = drive(inst, now + 1000000, 1.0 / 60, 5, 995, 0, 0, NULL);
	ingest_proto_codemasters.tick(inst, now + 6000000, NULL);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.jobs[0].lap.flags, 0);
	assert_int_equal(s.jobs[0].lap.lap_number, 1); /* new session */
	ingest_proto_codemasters.tick(inst, now + 61000000, NULL);
	ingest_proto_codemasters.stats(inst, &st);
	assert_int_equal(st.sessions, 2);
	tbt_sink_release(&s);
	ingest_proto_codemasters.destroy(inst);
}

struct kept_run {
	int n;
	int32_t lap_ms, sector_ms[3];
	uint32_t flags;
};

static void keep_run(void *ctx, struct tb_lap *lap)
{
	struct kept_run *k = ctx;
	k->n++;
	k->lap_ms = lap->lap_time_ms;
	memcpy(k->sector_ms, lap->sector_ms, sizeof(k->sector_ms));
	k->flags = lap->flags;
}

/* Split times near INT32_MAX (a damaged or hostile datagram) do not
 * overflow the third sector's sum: it stays unknown, the run is kept
 * with its clock's time. */
static void test_stage_huge_splits(void **state)
{
	(void)state;
	struct kept_run k = {0};
	struct stage_asm *a;
	assert_int_equal(stage_asm_create(keep_run, &k, &a), TB_OK);
	struct stage_state s = {.progress = -1, .length_m = 1000};
	s.split_ms[0] = INT32_MAX - 5;
	s.split_ms[1] = INT32_MAX - 7;
	for (int i = 0; i <= 100; i++) {
		struct tb_frame f;
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, 1.0 + 0.5 * i);
		s.time_s = 0.5 * i;
		s.dist_m = 10.0 * i;
		assert_int_equal(stage_asm_frame(a, &f, &s), TB_OK);
	}
	stage_asm_end(a);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.lap_ms, 50000);
	assert_int_equal(k.sector_ms[0], INT32_MAX - 5);
	assert_int_equal(k.sector_ms[1], INT32_MAX - 7);
	assert_int_equal(k.sector_ms[2], TB_TIME_UNKNOWN);
	assert_false(k.flags & TB_LAP_INCOMPLETE);
	stage_asm_destroy(a);
}

static void test_gen_lap_mode(void **state)
{
	(void)state;
	struct gen *g = tbt_gen_create(3);
	struct tbt_gen_run r;
	tbt_gen_run(g, &ingest_proto_codemasters, 0, &r);
	assert_int_equal(r.st.sessions, 1);
	unsigned timed = 0;
	for (size_t i = 0; i < r.s.n; i++) {
		const struct tb_lap *lap = &r.s.jobs[i].lap;
		assert_int_equal(r.s.jobs[i].session.kind, TB_SESSION_RACE);
		struct gen_lap_truth t;
		assert_int_equal(gen_lap_truth(g, 0, lap->lap_number, &t),
				 TB_OK);
		if (!t.complete) {
			assert_true(lap->flags & TB_LAP_INCOMPLETE);
			continue;
		}
		if (lap->lap_time_ms != t.lap_ms)
			fail_msg("lap %u: %d ms, truth %d ms", lap->lap_number,
				 lap->lap_time_ms, t.lap_ms);
		for (int k = 0; k < 3; k++)
			assert_int_equal(lap->sector_ms[k], t.sector_ms[k]);
		assert_int_equal(lap->flags & TB_LAP_INCOMPLETE, 0);
		/* yaw derived from the forward vector: within the int16
		 * quantisation of the generator's own */
		assert_true(lap->chans & TB_CHBIT(TB_CH_YAW));
		timed++;
	}
	assert_int_equal(timed, 3);
	assert_int_equal(r.st.laps, 3);
	tbt_sink_release(&r.s);
	gen_destroy(g);
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(ingest_proto_by_name("codemasters"),
			 &ingest_proto_codemasters);
	assert_int_equal(ingest_proto_codemasters.version, 1);
	for (unsigned i = 0; i < 4; i++)
		assert_non_null(ingest_proto_codemasters.kind_name(i));
	assert_null(ingest_proto_codemasters.kind_name(4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_units),
	    cmocka_unit_test(test_stage_mode),
	    cmocka_unit_test(test_stage_huge_splits),
	    cmocka_unit_test(test_gen_lap_mode),
	    cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

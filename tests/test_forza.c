/* test_forza.c - the Forza "Data Out" protocol: encode/decode round trips
 * for the four layouts, every short and wrong length and implausible
 * content rejected and counted, 100,000 random datagrams, detection
 * against other protocols' sizes and random data, canonical units, the
 * timestamp wrap and sessions, and generated multi-lap streams (found by
 * auto-detection) whose laps carry exactly the generator's lap times. */
#include "tb_ingest_test.h"

#include <math.h>

#include "ingest/forza.h"
#include "ingest/proto.h"

/* ------------------------------------------------------------------ */
/* Helpers */

static uint64_t rng_state;

static uint64_t rng(void)
{
	return tbt_rng_next(&rng_state);
}

static float rngf(double lo, double hi)
{
	return tbt_rng_float(&rng_state, lo, hi);
}

static const enum forza_layout layouts[FORZA_LAYOUT__COUNT] = {
	FORZA_SLED, FORZA_DASH, FORZA_HORIZON, FORZA_MOTORSPORT};

/* A packet of layout l with varied plausible values in its own fields
 * only (the others stay 0, as decode leaves them). */
static void make_packet(enum forza_layout l, struct forza_packet *p)
{
	memset(p, 0, sizeof(*p));
	p->layout = l;
	p->is_race_on = 1;
	p->timestamp_ms = (uint32_t)rng();
	p->engine_max_rpm = 8500;
	p->engine_idle_rpm = 900;
	p->current_engine_rpm = rngf(900, 8500);
	for (int i = 0; i < 3; i++) {
		p->accel[i] = rngf(-30, 30);
		p->vel[i] = rngf(-80, 80);
		p->ang_vel[i] = rngf(-3, 3);
	}
	p->yaw = rngf(-3.14, 3.14);
	p->pitch = rngf(-0.1, 0.1);
	p->roll = rngf(-0.1, 0.1);
	for (int w = 0; w < 4; w++) {
		p->susp_norm[w] = rngf(0, 1);
		p->slip_ratio[w] = rngf(-1, 1);
		p->wheel_rot_speed[w] = rngf(0, 200);
		p->on_rumble[w] = (int32_t)(rng() & 1);
		p->puddle_depth[w] = rngf(0, 1);
		p->surface_rumble[w] = rngf(0, 1);
		p->slip_angle[w] = rngf(-1, 1);
		p->combined_slip[w] = rngf(0, 2);
		p->susp_travel_m[w] = rngf(0, 0.2);
	}
	p->car_ordinal = 3001;
	p->car_class = 6;
	p->car_pi = 901;
	p->drivetrain = 2;
	p->num_cylinders = 6;
	if (l == FORZA_SLED)
		return;
	if (l == FORZA_HORIZON) {
		p->horizon_car_category = 17;
		p->horizon_unknown[0] = -5;
		p->horizon_unknown[1] = 123456;
		p->horizon_pad = 0xA5;
	}
	for (int i = 0; i < 3; i++)
		p->pos[i] = rngf(-3000, 3000);
	p->speed = rngf(0, 90);
	p->power = rngf(0, 500000);
	p->torque = rngf(0, 800);
	for (int w = 0; w < 4; w++)
		p->tyre_temp[w] = rngf(80, 250);
	p->boost = rngf(0, 20);
	p->fuel = rngf(0, 1);
	p->distance = rngf(0, 50000);
	p->best_lap = rngf(60, 90);
	p->last_lap = rngf(60, 90);
	p->current_lap = rngf(0, 90);
	p->race_time = rngf(0, 900);
	p->lap_number = (uint16_t)(rng() % 20);
	p->race_position = 3;
	p->accel_in = (uint8_t)rng();
	p->brake_in = (uint8_t)rng();
	p->clutch_in = (uint8_t)rng();
	p->handbrake_in = (uint8_t)rng();
	p->gear = (uint8_t)(rng() % 12);
	p->steer = (int8_t)rng();
	p->driving_line = (int8_t)rng();
	p->ai_brake_diff = (int8_t)rng();
	if (l == FORZA_MOTORSPORT) {
		for (int w = 0; w < 4; w++)
			p->tyre_wear[w] = rngf(0, 1);
		p->track_ordinal = 612;
	}
}

static void *new_inst(struct tbt_sink *s)
{
	void *inst = NULL;
	assert_int_equal(ingest_proto_forza.create(NULL, tbt_on_job, s, &inst),
			 TB_OK);
	assert_non_null(inst);
	return inst;
}

static size_t enc(const struct forza_packet *p, uint8_t *buf)
{
	size_t n = 0;
	assert_int_equal(forza_encode(p, buf, TB_DATAGRAM_MAX, &n), TB_OK);
	return n;
}

/* ------------------------------------------------------------------ */
/* Codec */

static void test_roundtrip(void **state)
{
	(void)state;
	rng_state = 0x5EED0001;
	uint8_t buf[TB_DATAGRAM_MAX];
	for (int k = 0; k < 200; k++) {
		for (int i = 0; i < FORZA_LAYOUT__COUNT; i++) {
			struct forza_packet p, q;
			make_packet(layouts[i], &p);
			size_t n = enc(&p, buf);
			assert_int_equal(n, forza_layout_size(layouts[i]));
			assert_true(forza_sniff(buf, n));
			assert_int_equal(forza_decode(buf, n, &q, NULL), TB_OK);
			assert_int_equal(q.layout, p.layout);
			assert_memory_equal(&p, &q, sizeof(p));
		}
	}
	/* The sizes the documentation gives. */
	assert_int_equal(forza_layout_size(FORZA_SLED), 232);
	assert_int_equal(forza_layout_size(FORZA_DASH), 311);
	assert_int_equal(forza_layout_size(FORZA_HORIZON), 324);
	assert_int_equal(forza_layout_size(FORZA_MOTORSPORT), 331);
	/* Too small a buffer, a bad layout. */
	struct forza_packet p;
	make_packet(FORZA_MOTORSPORT, &p);
	size_t n = 0;
	assert_int_equal(forza_encode(&p, buf, 330, &n), TB_ERR_LIMIT);
	p.layout = FORZA_LAYOUT__COUNT;
	assert_int_equal(forza_encode(&p, buf, sizeof(buf), &n), TB_ERR_ARG);
}

/* Known bytes at documented offsets: the Horizon layout's shifted Dash
 * block and the FM2023 extras. */
static void test_offsets(void **state)
{
	(void)state;
	uint8_t buf[TB_DATAGRAM_MAX];
	struct forza_packet p, q;
	memset(&p, 0, sizeof(p));
	p.layout = FORZA_HORIZON;
	p.is_race_on = 1;
	p.speed = 12.5f;
	p.lap_number = 0x0102;
	p.gear = 4;
	p.steer = -3;
	size_t n = enc(&p, buf);
	assert_int_equal(n, 324);
	assert_true(tb_ld_f32le(buf + 256) == 12.5f);
	assert_int_equal(tb_ld_u16le(buf + 312), 0x0102);
	assert_int_equal(buf[319], 4);
	assert_int_equal((int8_t)buf[320], -3);

	memset(&p, 0, sizeof(p));
	p.layout = FORZA_MOTORSPORT;
	p.speed = 7.0f;
	p.last_lap = 81.25f;
	p.lap_number = 7;
	p.gear = 11;
	p.tyre_wear[3] = 0.5f;
	p.track_ordinal = 0x01020304;
	n = enc(&p, buf);
	assert_int_equal(n, 331);
	assert_true(tb_ld_f32le(buf + 244) == 7.0f);
	assert_true(tb_ld_f32le(buf + 288) == 81.25f);
	assert_int_equal(tb_ld_u16le(buf + 300), 7);
	assert_int_equal(buf[307], 11);
	assert_true(tb_ld_f32le(buf + 323) == 0.5f);
	assert_int_equal(tb_ld_u32le(buf + 327), 0x01020304);
	assert_int_equal(forza_decode(buf, n, &q, NULL), TB_OK);
	assert_int_equal(q.track_ordinal, 0x01020304);
}

/* Every length below the Sled size is truncated, every other wrong
 * length is a length error, bad content a format error; all counted,
 * none changes state. */
static void test_rejects(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s);
	uint8_t buf[512];
	memset(buf, 0, sizeof(buf));
	struct forza_packet q;
	struct tb_error err;
	size_t n_trunc = 0, n_len = 0, n_fmt = 0;
	for (size_t len = 0; len < sizeof(buf); len++) {
		bool valid = len == 232 || len == 311 || len == 324 ||
			     len == 331;
		enum tb_status want = len < 232 ? TB_ERR_TRUNCATED
				      : valid	? TB_OK
						: TB_ERR_LENGTH;
		assert_int_equal(forza_decode(buf, len, &q, &err), want);
		assert_int_equal(ingest_proto_forza.datagram(inst, buf, len, 1,
							     NULL),
				 want);
		assert_int_equal(forza_sniff(buf, len), valid);
		if (want == TB_ERR_TRUNCATED)
			n_trunc++;
		else if (want == TB_ERR_LENGTH)
			n_len++;
	}
	assert_non_null(strstr(err.msg, "511 bytes"));
	/* IsRaceOn not 0 / 1, infinite or huge floats, per layout. */
	rng_state = 0x5EED0002;
	for (int i = 0; i < FORZA_LAYOUT__COUNT; i++) {
		struct forza_packet p;
		make_packet(layouts[i], &p);
		size_t n = enc(&p, buf);
		const int32_t bad_on[] = {2, -1, 0x01000000};
		for (size_t k = 0; k < 3; k++) {
			uint8_t b2[512];
			memcpy(b2, buf, n);
			tb_st_u32le(b2, (uint32_t)bad_on[k]);
			assert_int_equal(forza_decode(b2, n, &q, &err),
					 TB_ERR_FORMAT);
			assert_int_equal(ingest_proto_forza.datagram(
						 inst, b2, n, 1, NULL),
					 TB_ERR_FORMAT);
			assert_false(forza_sniff(b2, n));
			n_fmt++;
		}
		/* RPM (8), a suspension float (196), and for Dash layouts
		 * the distance (B+48). */
		size_t offs[3] = {8, 196, 0};
		if (layouts[i] != FORZA_SLED)
			offs[2] = layouts[i] == FORZA_HORIZON ? 244 + 48
							      : 232 + 48;
		const float bad_f[] = {INFINITY, -INFINITY, 2e9f};
		for (size_t o = 0; o < 3; o++) {
			if (!offs[o])
				continue;
			for (size_t k = 0; k < 3; k++) {
				uint8_t b2[512];
				memcpy(b2, buf, n);
				tb_st_f32le(b2 + offs[o], bad_f[k]);
				assert_int_equal(forza_decode(b2, n, &q, &err),
						 TB_ERR_FORMAT);
				assert_int_equal(ingest_proto_forza.datagram(
							 inst, b2, n, 1, NULL),
						 TB_ERR_FORMAT);
				n_fmt++;
			}
		}
		/* NaN is tolerated (its channel is left absent). */
		uint8_t b2[512];
		memcpy(b2, buf, n);
		tb_st_f32le(b2 + 16, NAN);
		assert_int_equal(forza_decode(b2, n, &q, NULL), TB_OK);
	}
	struct ingest_stats st;
	ingest_proto_forza.stats(inst, &st);
	assert_int_equal(st.rejected[INGEST_REJ_TRUNCATED], n_trunc);
	assert_int_equal(st.rejected[INGEST_REJ_LENGTH], n_len);
	assert_int_equal(st.rejected[INGEST_REJ_FORMAT], n_fmt);
	assert_int_equal(st.accepted, 4); /* the four all-zero packets */
	assert_int_equal(st.kinds[FORZA_KIND_RACE_OFF], 4);
	assert_int_equal(st.frames, 0);
	assert_int_equal(st.sessions, 0);
	ingest_proto_forza.flush(inst);
	assert_int_equal(s.n, 0);
	ingest_proto_forza.destroy(inst);
}

/* 100,000 random datagrams (fixed seed): never a crash, every one counted
 * once. Half have a valid length and IsRaceOn 0/1 to reach the feed. */
static void test_random(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s);
	rng_state = 0xF022A5EEDull;
	uint8_t buf[TB_DATAGRAM_MAX];
	int64_t now = 1000000;
	for (int i = 0; i < 100000; i++) {
		size_t len = (size_t)(rng() % 400);
		if (i & 1)
			len = forza_layout_size(layouts[rng() % 4]);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rng();
		if ((i & 1) && len >= 4) {
			tb_st_u32le(buf, (uint32_t)(rng() & 1));
			/* Small exponents in most floats so some pass. */
			for (size_t k = 8; k + 4 <= len; k += 4)
				if (rng() % 32)
					buf[k + 3] &= 0x3F;
		}
		now += 16667;
		(void)ingest_proto_forza.datagram(inst, buf, len, now, NULL);
		if (i % 1000 == 0)
			ingest_proto_forza.tick(inst, now, NULL);
		if (s.n > TBT_MAX_JOBS / 2)
			tbt_sink_release(&s);
	}
	ingest_proto_forza.flush(inst);
	struct ingest_stats st;
	ingest_proto_forza.stats(inst, &st);
	uint64_t rej = 0;
	for (int r = 0; r < INGEST_REJ__COUNT; r++)
		rej += st.rejected[r];
	assert_int_equal(st.datagrams, 100000);
	assert_int_equal(st.accepted + rej, st.datagrams);
	uint64_t kinds = 0;
	for (int k = 0; k < FORZA_KIND__COUNT; k++)
		kinds += st.kinds[k];
	assert_int_equal(kinds, st.accepted);
	print_message("random: %llu accepted, %llu frames, %llu sessions\n",
		      (unsigned long long)st.accepted,
		      (unsigned long long)st.frames,
		      (unsigned long long)st.sessions);
	tbt_sink_release(&s);
	ingest_proto_forza.destroy(inst);
}

/* ------------------------------------------------------------------ */
/* Detection */

static void test_sniff(void **state)
{
	(void)state;
	uint8_t buf[TB_DATAGRAM_MAX];
	/* Yes: every layout, racing or not. */
	rng_state = 0x5EED0003;
	for (int i = 0; i < FORZA_LAYOUT__COUNT; i++) {
		struct forza_packet p;
		make_packet(layouts[i], &p);
		size_t n = enc(&p, buf);
		assert_true(forza_sniff(buf, n));
		assert_ptr_equal(ingest_detect(buf, n), &ingest_proto_forza);
		memset(buf, 0, n);
		assert_true(forza_sniff(buf, n));
	}
	/* No: every F1 packet size (a Forza-looking body of that length),
	 * and the other protocols' sizes from FORMATS.md. */
	memset(buf, 0, sizeof(buf));
	tb_st_u32le(buf, 1);
	size_t n_f1 = 0;
	for (uint16_t fmt = 2022; fmt <= 2025; fmt++) {
		for (unsigned id = 0; id < F1_PACKET__COUNT; id++) {
			size_t n = f1_packet_size(fmt, id);
			if (n == 0)
				continue;
			assert_true(n <= sizeof(buf));
			assert_false(forza_sniff(buf, n));
			n_f1++;
		}
	}
	assert_true(n_f1 > 40);
	const size_t others[] = {12,  152, 212, 264, 268, 296,
				 316, 328, 344, 364, 408};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_false(forza_sniff(buf, others[i]));
	/* Random data of the right sizes: never claimed; even with IsRaceOn
	 * forced to 1 the floats give it away. */
	rng_state = 0x5EED0004;
	size_t claimed = 0, claimed_on = 0;
	for (int k = 0; k < 20000; k++) {
		size_t n = forza_layout_size(layouts[k % 4]);
		for (size_t b = 0; b < n; b++)
			buf[b] = (uint8_t)rng();
		claimed += forza_sniff(buf, n);
		tb_st_u32le(buf, (uint32_t)(k & 1));
		claimed_on += forza_sniff(buf, n);
	}
	assert_int_equal(claimed, 0);
	assert_int_equal(claimed_on, 0);
}

/* ------------------------------------------------------------------ */
/* Canonical frames */

/* One racing Dash-family packet p at now_us, then flush: the lap handed
 * over has the frame. */
static void one_frame(const struct forza_packet *p, struct tb_frame *out,
		      struct ingest_lap_job *job)
{
	struct tbt_sink s = {0};
	void *inst = new_inst(&s);
	uint8_t buf[TB_DATAGRAM_MAX];
	size_t n = enc(p, buf);
	assert_int_equal(
		ingest_proto_forza.datagram(inst, buf, n, 5000000, NULL),
		TB_OK);
	ingest_proto_forza.flush(inst);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.jobs[0].lap.n, 1);
	tb_lap_frame(&s.jobs[0].lap, 0, out);
	job->session = s.jobs[0].session;
	job->car = s.jobs[0].car;
	job->lap.lap_number = s.jobs[0].lap.lap_number;
	job->lap.flags = s.jobs[0].lap.flags;
	job->lap.lap_time_ms = s.jobs[0].lap.lap_time_ms;
	tbt_sink_release(&s);
	ingest_proto_forza.destroy(inst);
}

static void test_units(void **state)
{
	(void)state;
	struct forza_packet p;
	memset(&p, 0, sizeof(p));
	p.layout = FORZA_MOTORSPORT;
	p.is_race_on = 1;
	p.timestamp_ms = 123456;
	p.current_engine_rpm = 7000;
	p.accel[0] = 9.80665f; /* 1 g right */
	p.accel[1] = 0;
	p.accel[2] = -19.6133f; /* 2 g braking */
	p.yaw = 1.5f;
	p.car_ordinal = 777;
	p.car_class = 4;
	p.pos[0] = 10;
	p.pos[1] = 20; /* up */
	p.pos[2] = 30;
	p.speed = 50;
	p.tyre_temp[0] = 212; /* degF */
	p.tyre_temp[1] = 32;
	p.tyre_temp[2] = 176;
	p.tyre_temp[3] = -40;
	p.fuel = 0.5f;
	p.distance = 1234.5f;
	p.current_lap = 12.5f;
	p.race_time = 100;
	p.lap_number = 0;
	p.accel_in = 255;
	p.brake_in = 51;
	p.clutch_in = 0;
	p.gear = 0; /* reverse */
	p.steer = -127;
	p.track_ordinal = 42;
	struct tb_frame f;
	struct ingest_lap_job job;
	one_frame(&p, &f, &job);
	assert_true(tb_frame_has(&f, TB_CH_TIME));
	assert_true(f.v[TB_CH_TIME] == 0.0);
	assert_true(f.v[TB_CH_RPM] == 7000);
	assert_true(fabs(f.v[TB_CH_G_LAT] - 1.0) < 1e-6);
	assert_true(fabs(f.v[TB_CH_G_LON] + 2.0) < 1e-6);
	assert_true(f.v[TB_CH_G_VERT] == 0.0);
	assert_true(fabs(f.v[TB_CH_YAW] - 1.5) < 1e-6);
	assert_true(f.v[TB_CH_POS_X] == 10);
	assert_true(f.v[TB_CH_POS_Y] == 30);
	assert_true(f.v[TB_CH_POS_Z] == 20);
	assert_true(f.v[TB_CH_SPEED] == 50);
	assert_true(fabs(f.v[TB_CH_TYRE_SURF_FL] - 100) < 1e-9);
	assert_true(fabs(f.v[TB_CH_TYRE_SURF_FR] - 0) < 1e-9);
	assert_true(fabs(f.v[TB_CH_TYRE_SURF_RL] - 80) < 1e-9);
	assert_true(fabs(f.v[TB_CH_TYRE_SURF_RR] + 40) < 1e-9);
	assert_true(f.v[TB_CH_THROTTLE] == 1.0);
	assert_true(fabs(f.v[TB_CH_BRAKE] - 0.2) < 1e-9);
	assert_true(tb_frame_has(&f, TB_CH_CLUTCH));
	assert_true(f.v[TB_CH_CLUTCH] == 0.0);
	assert_true(f.v[TB_CH_STEER] == -1.0);
	assert_true(f.v[TB_CH_GEAR] == -1);
	assert_true(fabs(f.v[TB_CH_TOTAL_DIST] - 1234.5) < 1e-9);
	assert_true(fabs(f.v[TB_CH_LAP_DIST] - 1234.5) < 1e-9); /* lap 1 */
	assert_true(f.v[TB_CH_LAP_TIME] == 12.5);
	/* Absent, never zero: what Forza lacks or has no channel for. */
	const enum tb_channel absent[] = {
		TB_CH_VEL_X,	     TB_CH_VEL_Y,	  TB_CH_VEL_Z,
		TB_CH_FUEL,	     TB_CH_DRS,		  TB_CH_SECTOR,
		TB_CH_ERS_STORE,     TB_CH_ERS_MODE,	  TB_CH_ENGINE_TEMP,
		TB_CH_BRAKE_TEMP_FL, TB_CH_TYRE_INNER_FL, TB_CH_TYRE_PRESS_FL};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		assert_false(tb_frame_has(&f, absent[i]));
	/* Session and car. */
	assert_int_equal(job.session.game, TB_GAME_FORZA_M2023);
	assert_int_equal(job.session.packet_format, 331);
	assert_int_equal(job.session.track_id, 42);
	assert_string_equal(job.session.track, "Forza track 42");
	assert_int_equal(job.session.car_class, TB_CLASS_OTHER);
	assert_int_equal(job.session.source_uid, 5000000);
	assert_int_equal(job.session.start_unix_ms, 5000);
	assert_int_equal(job.car.team_id, 777);
	assert_int_equal(job.car.race_number, -1);
	assert_int_equal(job.lap.lap_number, 1);
	assert_true(job.lap.flags & TB_LAP_INCOMPLETE);
	assert_int_equal(job.lap.lap_time_ms, TB_TIME_UNKNOWN);

	/* Gears: 11 = N, 1..10 kept, other codes absent; FM7 and Horizon
	 * games; no track before FM2023. */
	const struct {
		enum forza_layout l;
		uint8_t gear;
		double want; /* NAN: absent */
		enum tb_game game;
	} gears[] = {
		{FORZA_DASH, 11, 0, TB_GAME_FORZA_M7},
		{FORZA_DASH, 1, 1, TB_GAME_FORZA_M7},
		{FORZA_HORIZON, 10, 10, TB_GAME_FORZA_H4},
		{FORZA_HORIZON, 12, NAN, TB_GAME_FORZA_H4},
		{FORZA_MOTORSPORT, 255, NAN, TB_GAME_FORZA_M2023},
	};
	for (size_t i = 0; i < sizeof(gears) / sizeof(gears[0]); i++) {
		p.layout = gears[i].l;
		p.gear = gears[i].gear;
		one_frame(&p, &f, &job);
		if (isnan(gears[i].want))
			assert_false(tb_frame_has(&f, TB_CH_GEAR));
		else
			assert_true(f.v[TB_CH_GEAR] == gears[i].want);
		assert_int_equal(job.session.game, gears[i].game);
		if (gears[i].l != FORZA_MOTORSPORT) {
			assert_int_equal(job.session.track_id, -1);
			assert_string_equal(job.session.track, "");
		}
	}
	/* NaN leaves its channel absent. */
	p.layout = FORZA_DASH;
	p.speed = NAN;
	one_frame(&p, &f, &job);
	assert_false(tb_frame_has(&f, TB_CH_SPEED));
}

/* A float LastLap carries any whole-ms lap time exactly through
 * lrint(s * 1000) up to an hour. */
static void test_lap_ms_exact(void **state)
{
	(void)state;
	for (int32_t ms = 1; ms <= 3600000; ms++) {
		float s = (float)(ms / 1000.0);
		if (lrint((double)s * 1000.0) != ms)
			fail_msg("%d ms comes back as %ld", ms,
				 lrint((double)s * 1000.0));
	}
}

/* ------------------------------------------------------------------ */
/* Clock, sessions, race-off */

struct stream {
	struct tbt_sink s;
	void *inst;
	struct forza_packet p;
	uint8_t buf[TB_DATAGRAM_MAX];
};

static enum tb_status xsend(struct stream *x, int64_t now_us)
{
	size_t n = enc(&x->p, x->buf);
	return ingest_proto_forza.datagram(x->inst, x->buf, n, now_us, NULL);
}

static void stream_init(struct stream *x, enum forza_layout l)
{
	memset(x, 0, sizeof(*x));
	x->inst = new_inst(&x->s);
	x->p.layout = l;
	x->p.is_race_on = 1;
	x->p.car_ordinal = 55;
	x->p.race_time = 10;
	x->p.current_lap = 10;
	x->p.speed = 30;
}

static void stream_release(struct stream *x)
{
	tbt_sink_release(&x->s);
	ingest_proto_forza.destroy(x->inst);
}

static struct ingest_stats stats_of(const struct stream *x)
{
	struct ingest_stats st;
	ingest_proto_forza.stats(x->inst, &st);
	return st;
}

static void test_clock(void **state)
{
	(void)state;
	struct stream x;
	stream_init(&x, FORZA_DASH);
	x.p.lap_number = 3;
	/* Across the u32 wrap: 0xFFFFFFF0 -> 0x10 is 32 ms later. */
	const uint32_t ts[] = {0xFFFFFFE0u, 0xFFFFFFF0u, 0x10u, 0x20u};
	int64_t now = 1000000;
	for (size_t i = 0; i < 4; i++) {
		x.p.timestamp_ms = ts[i];
		x.p.race_time += 0.016f;
		assert_int_equal(xsend(&x, now += 16000), TB_OK);
	}
	/* A late datagram (reordered by the network): dropped, counted. */
	x.p.timestamp_ms = 0x18u;
	assert_int_equal(xsend(&x, now += 1000), TB_OK);
	struct ingest_stats st = stats_of(&x);
	assert_int_equal(st.frames, 4);
	assert_int_equal(st.discarded, 1);
	assert_int_equal(st.sessions, 1);
	ingest_proto_forza.flush(x.inst);
	assert_int_equal(x.s.n, 1);
	const struct tb_lap *lap = &x.s.jobs[0].lap;
	assert_int_equal(lap->n, 4);
	const double want[] = {0.0, 0.016, 0.048, 0.064};
	for (size_t i = 0; i < 4; i++)
		assert_true(fabs(lap->col[TB_CH_TIME][i] - want[i]) < 1e-9);
	/* A lap joined mid-way has no lap distance. */
	assert_false(lap->chans & TB_CHBIT(TB_CH_LAP_DIST));
	stream_release(&x);
}

static void test_sessions(void **state)
{
	(void)state;
	struct stream x;
	stream_init(&x, FORZA_MOTORSPORT);
	int64_t now = 1000000;
	x.p.track_ordinal = 7;
	assert_int_equal(xsend(&x, now), TB_OK);
	/* Race-off packets: counted, no frame, no session change, their
	 * (zero) timestamp ignored. */
	struct forza_packet keep = x.p;
	memset(&x.p, 0, sizeof(x.p));
	x.p.layout = FORZA_MOTORSPORT;
	for (int i = 0; i < 10; i++)
		assert_int_equal(xsend(&x, now += 16000), TB_OK);
	struct ingest_stats st = stats_of(&x);
	assert_int_equal(st.kinds[FORZA_KIND_RACE_OFF], 10);
	assert_int_equal(st.kinds[FORZA_MOTORSPORT], 1);
	assert_int_equal(st.frames, 1);
	assert_int_equal(st.sessions, 1);
	x.p = keep;
	x.p.timestamp_ms += 500;
	assert_int_equal(xsend(&x, now += 16000), TB_OK);
	assert_int_equal(stats_of(&x).sessions, 1);
	/* 60 s of silence, seen by tick: the session closes. */
	ingest_proto_forza.tick(x.inst, now + 30000000, NULL);
	assert_int_equal(x.s.n, 0);
	ingest_proto_forza.tick(x.inst, now + 61000000, NULL);
	assert_int_equal(x.s.n, 1);
	assert_true(x.s.jobs[0].lap.flags & TB_LAP_INCOMPLETE);
	now += 62000000;
	assert_int_equal(xsend(&x, now), TB_OK);
	assert_int_equal(stats_of(&x).sessions, 2);
	/* ... and without ticks (import): on the next datagram. */
	now += 61000000;
	x.p.timestamp_ms += 61000;
	assert_int_equal(xsend(&x, now), TB_OK);
	assert_int_equal(stats_of(&x).sessions, 3);
	assert_int_equal(x.s.n, 2);
	/* Another car, another track, a layout change. */
	x.p.car_ordinal++;
	assert_int_equal(xsend(&x, now += 16000), TB_OK);
	assert_int_equal(stats_of(&x).sessions, 4);
	x.p.track_ordinal++;
	assert_int_equal(xsend(&x, now += 16000), TB_OK);
	assert_int_equal(stats_of(&x).sessions, 5);
	x.p.layout = FORZA_DASH;
	assert_int_equal(xsend(&x, now += 16000), TB_OK);
	assert_int_equal(stats_of(&x).sessions, 6);
	/* The race clock restarting: a new session; a rewind is counted. */
	x.p.race_time = 50;
	x.p.timestamp_ms += 16;
	assert_int_equal(xsend(&x, now += 16000), TB_OK);
	x.p.race_time = 45;
	x.p.timestamp_ms += 16;
	assert_int_equal(xsend(&x, now += 16000), TB_OK);
	assert_int_equal(stats_of(&x).sessions, 6);
	assert_int_equal(stats_of(&x).rewinds, 1);
	x.p.race_time = 0.2f;
	x.p.timestamp_ms += 16;
	assert_int_equal(xsend(&x, now += 16000), TB_OK);
	assert_int_equal(stats_of(&x).sessions, 7);
	/* The game's clock far back: a new session too. */
	x.p.timestamp_ms -= 5000;
	x.p.race_time += 0.016f;
	assert_int_equal(xsend(&x, now += 16000), TB_OK);
	assert_int_equal(stats_of(&x).sessions, 8);
	ingest_proto_forza.flush(x.inst);
	for (size_t i = 1; i < x.s.n; i++)
		assert_true(x.s.jobs[i].session.source_uid !=
			    x.s.jobs[i - 1].session.source_uid);
	stream_release(&x);
}

/* ------------------------------------------------------------------ */
/* Generated streams through auto-detection */

static void check_dash_stream(char variant, enum tb_game game)
{
	struct gen *g = tbt_gen_create(3);
	struct tbt_gen_run r;
	tbt_gen_run(g, &ingest_proto_forza, variant, &r);
	assert_int_equal(r.st.sessions, 1);
	assert_int_equal(r.st.frames, r.n_frames);
	unsigned timed = 0;
	for (size_t i = 0; i < r.s.n; i++) {
		const struct ingest_lap_job *j = &r.s.jobs[i];
		const struct tb_lap *lap = &j->lap;
		assert_int_equal(j->session.game, game);
		struct gen_lap_truth t;
		assert_int_equal(gen_lap_truth(g, 0, lap->lap_number, &t),
				 TB_OK);
		/* Forza sends no sector times. */
		for (int k = 0; k < 3; k++)
			assert_int_equal(lap->sector_ms[k], TB_TIME_UNKNOWN);
		/* Session time strictly increasing (across the wrap). */
		for (size_t k = 1; k < lap->n; k++)
			assert_true(lap->col[TB_CH_TIME][k] >
				    lap->col[TB_CH_TIME][k - 1]);
		if (!t.complete) {
			assert_true(lap->flags & TB_LAP_INCOMPLETE);
			continue;
		}
		if (lap->lap_time_ms != t.lap_ms)
			fail_msg("variant %c lap %u: %d ms, truth %d ms",
				 variant, lap->lap_number, lap->lap_time_ms,
				 t.lap_ms);
		assert_int_equal(lap->flags & TB_LAP_INCOMPLETE, 0);
		/* The lap distance runs from about 0 to the lap length. */
		double d0 = lap->col[TB_CH_LAP_DIST][0];
		double d1 = lap->col[TB_CH_LAP_DIST][lap->n - 1];
		assert_true(fabs(d0) < 5.0);
		assert_true(fabs(d1 - gen_track_length()) < 5.0);
		timed++;
	}
	assert_int_equal(timed, 3);
	assert_int_equal(r.st.laps, 3);
	print_message("variant %c: %zu datagrams, %zu laps (%u timed)\n",
		      variant ? variant : '0', r.n_frames, r.s.n, timed);
	tbt_sink_release(&r.s);
	gen_destroy(g);
}

static void test_gen_dash(void **state)
{
	(void)state;
	check_dash_stream('d', TB_GAME_FORZA_M7);
}

static void test_gen_horizon(void **state)
{
	(void)state;
	check_dash_stream('h', TB_GAME_FORZA_H4);
}

static void test_gen_motorsport(void **state)
{
	(void)state;
	check_dash_stream('m', TB_GAME_FORZA_M2023);
	check_dash_stream(0, TB_GAME_FORZA_M2023);
}

/* Sled: frames, no laps (no lap data in the layout). */
static void test_gen_sled(void **state)
{
	(void)state;
	struct gen *g = tbt_gen_create(3);
	struct tbt_gen_run r;
	tbt_gen_run(g, &ingest_proto_forza, 's', &r);
	assert_int_equal(r.st.kinds[FORZA_SLED], r.n_frames);
	assert_int_equal(r.st.frames, r.n_frames);
	assert_int_equal(r.s.n, 0);
	assert_int_equal(r.st.laps + r.st.laps_incomplete, 0);
	uint8_t buf[TB_DATAGRAM_MAX];
	size_t n;
	struct gen_frame fr = {0};
	assert_int_equal(ingest_proto_forza.gen_encode(&fr, 0, 'x', buf,
						       sizeof(buf), &n),
			 TB_ERR_ARG);
	assert_int_equal(ingest_proto_forza.gen_encode(&fr, F1_CARS, 's', buf,
						       sizeof(buf), &n),
			 TB_ERR_RANGE);
	gen_destroy(g);
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(ingest_proto_by_name("forza"), &ingest_proto_forza);
	const char *names[] = {"sled", "dash", "horizon", "motorsport",
			       "race_off"};
	for (unsigned i = 0; i < 5; i++)
		assert_string_equal(ingest_proto_forza.kind_name(i), names[i]);
	assert_null(ingest_proto_forza.kind_name(5));
	ingest_proto_forza.destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_sniff),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_lap_ms_exact),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_gen_dash),
		cmocka_unit_test(test_gen_horizon),
		cmocka_unit_test(test_gen_motorsport),
		cmocka_unit_test(test_gen_sled),
		cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

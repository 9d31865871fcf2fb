/* test_gt7.c - the GT7 / GT Sport Simulator Interface protocol: encrypted
 * encode/decode round trips per variant, offsets, every short and wrong
 * length and wrong key / IV / magic rejected and counted, 100,000 random
 * datagrams, detection against other protocols' sizes and random data,
 * canonical frames, clock and sessions, generated multi-lap streams
 * (found by auto-detection) with the generator's exact lap times, and a
 * FAKE CONSOLE on loopback: it waits for the heartbeat, checks its byte
 * and streams encrypted packets back to the sender. */
#include "tb_ingest_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "ingest/gt7.h"

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

static const enum gt7_variant variants[GT7_VARIANT__COUNT] = {
    GT7_VARIANT_A, GT7_VARIANT_B, GT7_VARIANT_TILDE};

/* A packet of variant v with varied values in its own fields only. */
static void make_packet(enum gt7_variant v, struct gt7_packet *p)
{
	memset(p, 0, sizeof(*p));
	p->variant = v;
	p->iv = (uint32_t)rng();
	for (int i = 0; i < 3; i++) {
		p->pos[i] = rngf(-3000, 3000);
		p->vel[i] = rngf(-80, 80);
		p->rot[i] = rngf(-1, 1);
		p->ang_vel[i] = rngf(-3, 3);
		p->road_plane[i] = rngf(-1, 1);
	}
	p->rel_north = rngf(-1, 1);
	p->body_height = rngf(0, 0.2);
	p->rpm = rngf(900, 9000);
	p->fuel_level = rngf(0, 100);
	p->fuel_capacity = 100;
	p->speed = rngf(0, 90);
	p->boost = rngf(0, 3);
	p->oil_pressure = rngf(0, 6);
	p->water_temp = 85;
	p->oil_temp = 110;
	p->road_plane_dist = rngf(-100, 100);
	for (int w = 0; w < 4; w++) {
		p->tyre_temp[w] = rngf(20, 120);
		p->wheel_rps[w] = rngf(0, 250);
		p->tyre_radius[w] = rngf(0.3, 0.4);
		p->susp_height[w] = rngf(0, 0.2);
		p->torque_vector[w] = 0;
	}
	for (int i = 0; i < 8; i++) {
		p->unknown_d4[i] = rngf(-1, 1);
		p->gear_ratio[i] = rngf(0, 4);
	}
	p->tick = (int32_t)(rng() & 0x7FFFFFFF);
	p->lap = (int16_t)(rng() % 30);
	p->total_laps = 5;
	p->best_lap_ms = (int32_t)(rng() % 200000);
	p->last_lap_ms = -1;
	p->time_of_day_ms = 54600000;
	p->position = -1;
	p->n_cars = 16;
	p->rpm_alert_min = 6800;
	p->rpm_alert_max = 7000;
	p->est_top_speed = 267;
	p->flags = (uint16_t)(rng() & 0x0FFF);
	p->gear = (uint8_t)rng();
	p->throttle = (uint8_t)rng();
	p->brake = (uint8_t)rng();
	p->pad_93 = (uint8_t)rng();
	p->clutch = rngf(0, 1);
	p->clutch_engage = rngf(0, 1);
	p->rpm_after_clutch = rngf(0, 9000);
	p->trans_top_speed = rngf(0, 4);
	p->car_code = (int32_t)(rng() % 4000);
	if (v == GT7_VARIANT_A)
		return;
	p->steer_rot = rngf(-7, 7);
	p->steer_vel = rngf(-10, 10);
	p->sway = rngf(-1, 1);
	p->heave = rngf(-1, 1);
	p->surge = rngf(-1, 1);
	if (v == GT7_VARIANT_B)
		return;
	p->throttle_filtered = (uint8_t)rng();
	p->brake_filtered = (uint8_t)rng();
	p->unknown_13e = (uint8_t)rng();
	p->unknown_13f = (uint8_t)rng();
	for (int w = 0; w < 4; w++)
		p->torque_vector[w] = rngf(-500, 500);
	p->energy_recovery = rngf(0, 100);
	p->unknown_154 = rngf(-1, 1);
}

static size_t enc(const struct gt7_packet *p, uint8_t *buf)
{
	size_t n = 0;
	assert_int_equal(gt7_encode(p, buf, TB_DATAGRAM_MAX, &n), TB_OK);
	return n;
}

static void *new_inst(struct tbt_sink *s, const struct ingest_opts *o)
{
	void *inst = NULL;
	assert_int_equal(ingest_proto_gt7.create(o, tbt_on_job, s, &inst), TB_OK);
	assert_non_null(inst);
	return inst;
}

static struct ingest_stats stats_of(void *inst)
{
	struct ingest_stats st;
	ingest_proto_gt7.stats(inst, &st);
	return st;
}

/* ------------------------------------------------------------------ */
/* Codec */

static void test_roundtrip(void **state)
{
	(void)state;
	rng_state = 0x5EED0701;
	uint8_t buf[TB_DATAGRAM_MAX], again[TB_DATAGRAM_MAX];
	for (int k = 0; k < 300; k++) {
		for (int i = 0; i < GT7_VARIANT__COUNT; i++) {
			struct gt7_packet p, q;
			make_packet(variants[i], &p);
			p.gt_sport = (k % 3 == 0) && i == 0;
			size_t n = enc(&p, buf);
			assert_int_equal(n, gt7_variant_size(variants[i]));
			assert_int_equal(tb_ld_u32le(buf + 0x40), p.iv);
			assert_true(gt7_sniff(buf, n));
			assert_int_equal(gt7_decode(buf, n, &q, NULL), TB_OK);
			assert_memory_equal(&p, &q, sizeof(p));
			size_t n2 = enc(&q, again);
			assert_int_equal(n2, n);
			assert_memory_equal(again, buf, n);
		}
	}
	assert_int_equal(gt7_variant_size(GT7_VARIANT_A), 296);
	assert_int_equal(gt7_variant_size(GT7_VARIANT_B), 316);
	assert_int_equal(gt7_variant_size(GT7_VARIANT_TILDE), 344);
	assert_int_equal(gt7_variant_size(GT7_VARIANT__COUNT), 0);
	assert_int_equal(gt7_variant_char(GT7_VARIANT_TILDE), '~');
	assert_int_equal(gt7_variant_of_char('B'), GT7_VARIANT_B);
	assert_int_equal(gt7_variant_of_char('C'), -1);
	assert_int_equal(gt7_variant_of_size(344), GT7_VARIANT_TILDE);
	assert_int_equal(gt7_variant_of_size(364), -1);
	/* Too small a buffer, a bad variant, GT Sport beyond 'A'. */
	struct gt7_packet p;
	make_packet(GT7_VARIANT_TILDE, &p);
	size_t n = 0;
	assert_int_equal(gt7_encode(&p, buf, 343, &n), TB_ERR_LIMIT);
	p.gt_sport = true;
	assert_int_equal(gt7_encode(&p, buf, sizeof(buf), &n), TB_ERR_ARG);
	p.gt_sport = false;
	p.variant = GT7_VARIANT__COUNT;
	assert_int_equal(gt7_encode(&p, buf, sizeof(buf), &n), TB_ERR_ARG);
}

/* Known plaintext bytes at the documented offsets, and the nonce: iv1 in
 * clear at 0x40, iv2 = iv1 ^ the variant's mask. */
static void test_offsets(void **state)
{
	(void)state;
	uint8_t buf[TB_DATAGRAM_MAX], plain[GT7_SIZE_MAX];
	struct gt7_packet p;
	memset(&p, 0, sizeof(p));
	p.variant = GT7_VARIANT_TILDE;
	p.iv = 0x01020304;
	p.speed = 12.5f;
	p.tick = 0x11223344;
	p.lap = 7;
	p.last_lap_ms = 86874;
	p.flags = 0x0019;
	p.gear = 0xF5;
	p.throttle = 200;
	p.car_code = 3450;
	p.steer_rot = -1.5f;
	p.surge = 0.25f;
	p.brake_filtered = 77;
	p.unknown_154 = 3.0f;
	size_t n = enc(&p, buf);
	assert_int_equal(n, 344);
	bool gts = true;
	assert_int_equal(gt7_decrypt(buf, n, plain, &gts, NULL), TB_OK);
	assert_false(gts);
	assert_int_equal(tb_ld_u32le(plain), 0x47375330);
	assert_memory_equal(plain, "0S7G", 4);
	assert_true(tb_ld_f32le(plain + 0x4C) == 12.5f);
	assert_int_equal(tb_ld_u32le(plain + 0x70), 0x11223344);
	assert_int_equal(tb_ld_u16le(plain + 0x74), 7);
	assert_int_equal(tb_ld_u32le(plain + 0x7C), 86874);
	assert_int_equal(tb_ld_u16le(plain + 0x8E), 0x19);
	assert_int_equal(plain[0x90], 0xF5);
	assert_int_equal(plain[0x91], 200);
	assert_int_equal(tb_ld_u32le(plain + 0x124), 3450);
	assert_true(tb_ld_f32le(plain + 0x128) == -1.5f);
	assert_true(tb_ld_f32le(plain + 0x138) == 0.25f);
	assert_int_equal(plain[0x13D], 77);
	assert_true(tb_ld_f32le(plain + 0x154) == 3.0f);
	/* gt7_encrypt is its own inverse apart from the clear iv at 0x40. */
	uint8_t b2[GT7_SIZE_MAX];
	memcpy(b2, plain, n);
	assert_int_equal(gt7_encrypt(b2, n, 0x01020304, false), TB_OK);
	assert_memory_equal(b2, buf, n);
	assert_int_equal(gt7_encrypt(b2, 300, 1, false), TB_ERR_LENGTH);
	assert_int_equal(gt7_encrypt(b2, 316, 1, true), TB_ERR_LENGTH);
}

/* Every length below 296 is truncated, every other non-variant length a
 * length error, garbage of a variant's size a format error ("wrong
 * magic"); wrong key, wrong variant mask, wrong magic too. All counted;
 * none changes state. */
static void test_rejects(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s, NULL);
	uint8_t buf[512];
	memset(buf, 0, sizeof(buf));
	struct gt7_packet q;
	struct tb_error err;
	uint64_t n_trunc = 0, n_len = 0, n_fmt = 0;
	for (size_t len = 0; len < sizeof(buf); len++) {
		bool valid = len == 296 || len == 316 || len == 344;
		enum tb_status want = len < 296 ? TB_ERR_TRUNCATED
				      : valid	? TB_ERR_FORMAT
						: TB_ERR_LENGTH;
		assert_int_equal(gt7_decode(buf, len, &q, &err), want);
		assert_int_equal(
		    ingest_proto_gt7.datagram(inst, buf, len, 1, NULL), want);
		assert_false(gt7_sniff(buf, len));
		if (want == TB_ERR_TRUNCATED)
			n_trunc++;
		else if (want == TB_ERR_LENGTH)
			n_len++;
		else
			n_fmt++;
	}
	assert_non_null(strstr(err.msg, "511 bytes"));
	assert_int_equal(gt7_decode(buf, 344, &q, &err), TB_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "wrong magic (key/IV)"));
	/* Every truncation of a valid packet. */
	rng_state = 0x5EED0702;
	struct gt7_packet p;
	make_packet(GT7_VARIANT_TILDE, &p);
	size_t n = enc(&p, buf);
	for (size_t len = 0; len < n; len++) {
		enum tb_status st =
		    ingest_proto_gt7.datagram(inst, buf, len, 1, NULL);
		assert_true(st == TB_ERR_TRUNCATED || st == TB_ERR_LENGTH ||
			    st == TB_ERR_FORMAT);
		if (st == TB_ERR_TRUNCATED)
			n_trunc++;
		else if (st == TB_ERR_LENGTH)
			n_len++;
		else
			n_fmt++;
	}
	/* Wrong key: a plaintext encrypted under another key. */
	uint8_t plain[GT7_SIZE_MAX];
	for (int i = 0; i < GT7_VARIANT__COUNT; i++) {
		make_packet(variants[i], &p);
		n = enc(&p, buf);
		assert_int_equal(gt7_decrypt(buf, n, plain, NULL, NULL), TB_OK);
		/* Encrypt with the GT Sport key ('A' only) or, for B/~, a
		 * 296-byte plaintext under 'A' sent at this size. */
		uint8_t bad[GT7_SIZE_MAX];
		memcpy(bad, plain, n);
		if (i == 0) {
			/* GT Sport key is accepted as GT Sport: so spoil the
			 * magic instead. */
			tb_st_u32le(bad, 0x30533647); /* GT6 "G6S0" */
			assert_int_equal(gt7_encrypt(bad, n, p.iv, false),
					 TB_OK);
		} else {
			/* The right key with the 'A' mask: wrong IV. */
			assert_int_equal(gt7_encrypt(bad, 296, p.iv, false),
					 TB_OK);
			tb_st_u32le(bad + 0x40, p.iv);
		}
		assert_int_equal(gt7_decode(bad, n, &q, &err), TB_ERR_FORMAT);
		assert_int_equal(
		    ingest_proto_gt7.datagram(inst, bad, n, 1, NULL),
		    TB_ERR_FORMAT);
		assert_false(gt7_sniff(bad, n));
		n_fmt++;
		/* A flipped iv byte breaks the nonce. */
		memcpy(bad, buf, n);
		bad[0x41] ^= 0x10;
		assert_int_equal(gt7_decode(bad, n, &q, NULL), TB_ERR_FORMAT);
		assert_int_equal(
		    ingest_proto_gt7.datagram(inst, bad, n, 1, NULL),
		    TB_ERR_FORMAT);
		n_fmt++;
	}
	struct ingest_stats st = stats_of(inst);
	assert_int_equal(st.rejected[INGEST_REJ_TRUNCATED], n_trunc);
	assert_int_equal(st.rejected[INGEST_REJ_LENGTH], n_len);
	assert_int_equal(st.rejected[INGEST_REJ_FORMAT], n_fmt);
	assert_int_equal(st.accepted, 0);
	assert_int_equal(st.frames, 0);
	assert_int_equal(st.sessions, 0);
	ingest_proto_gt7.flush(inst);
	assert_int_equal(s.n, 0);
	ingest_proto_gt7.destroy(inst);
	/* A bad heartbeat variant is refused at create. */
	struct ingest_opts o = {.variant = 'C'};
	void *x = (void *)1;
	assert_int_equal(ingest_proto_gt7.create(&o, tbt_on_job, &s, &x),
			 TB_ERR_ARG);
	assert_null(x);
}

/* 100,000 random datagrams (fixed seed): never a crash, every one counted
 * once. A quarter are real packets with random fields (encrypted, so the
 * decoder and the feed see every flag, lap and counter combination). */
static void test_random(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s, NULL);
	rng_state = 0xF0A7EEDull;
	uint8_t buf[TB_DATAGRAM_MAX], plain[GT7_SIZE_MAX];
	int64_t now = 1000000;
	for (int i = 0; i < 100000; i++) {
		size_t len = (size_t)(rng() % 400);
		if (i & 1)
			len = gt7_variant_size(variants[rng() % 3]);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rng();
		if ((i & 3) == 1) {
			/* Random plaintext with the magic, encrypted. */
			memcpy(plain, buf, len);
			tb_st_u32le(plain, GT7_MAGIC);
			tb_st_u16le(plain + 0x74, (uint16_t)(rng() % 4));
			assert_int_equal(
			    gt7_encrypt(plain, len, (uint32_t)rng(), false),
			    TB_OK);
			memcpy(buf, plain, len);
		}
		now += 16667;
		(void)ingest_proto_gt7.datagram(inst, buf, len, now, NULL);
		if (i % 1000 == 0)
			ingest_proto_gt7.tick(inst, now, NULL);
		if (s.n > TBT_MAX_JOBS / 2)
			tbt_sink_release(&s);
	}
	ingest_proto_gt7.flush(inst);
	struct ingest_stats st = stats_of(inst);
	uint64_t rej = 0;
	for (int r = 0; r < INGEST_REJ__COUNT; r++)
		rej += st.rejected[r];
	assert_int_equal(st.datagrams, 100000);
	assert_int_equal(st.accepted + rej, st.datagrams);
	assert_int_equal(st.accepted, 25000);
	uint64_t kinds = 0;
	for (int k = 0; k < GT7_KIND__COUNT; k++)
		kinds += st.kinds[k];
	assert_int_equal(kinds, st.accepted);
	print_message("random: %llu accepted, %llu frames, %llu sessions\n",
		      (unsigned long long)st.accepted,
		      (unsigned long long)st.frames,
		      (unsigned long long)st.sessions);
	tbt_sink_release(&s);
	ingest_proto_gt7.destroy(inst);
}

/* ------------------------------------------------------------------ */
/* Detection */

static void test_sniff(void **state)
{
	(void)state;
	uint8_t buf[TB_DATAGRAM_MAX];
	rng_state = 0x5EED0703;
	for (int i = 0; i < GT7_VARIANT__COUNT; i++) {
		struct gt7_packet p;
		make_packet(variants[i], &p);
		size_t n = enc(&p, buf);
		assert_true(gt7_sniff(buf, n));
		assert_ptr_equal(ingest_detect(buf, n), &ingest_proto_gt7);
		if (i == 0) {
			p.gt_sport = true;
			n = enc(&p, buf);
			assert_true(gt7_sniff(buf, n));
			assert_ptr_equal(ingest_detect(buf, n),
					 &ingest_proto_gt7);
			struct gt7_packet q;
			assert_int_equal(gt7_decode(buf, n, &q, NULL), TB_OK);
			assert_true(q.gt_sport);
		}
	}
	/* No: every F1 packet size and the other protocols' sizes. */
	memset(buf, 0, sizeof(buf));
	size_t n_f1 = 0;
	for (uint16_t fmt = 2022; fmt <= 2025; fmt++) {
		for (unsigned id = 0; id < F1_PACKET__COUNT; id++) {
			size_t n = f1_packet_size(fmt, id);
			if (n == 0)
				continue;
			assert_true(n <= sizeof(buf));
			assert_false(gt7_sniff(buf, n));
			n_f1++;
		}
	}
	assert_true(n_f1 > 40);
	const size_t others[] = {12,  152, 212, 232, 264, 268,
				 311, 324, 328, 331, 364, 408};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_false(gt7_sniff(buf, others[i]));
	/* Random data of the right sizes: never claimed. */
	rng_state = 0x5EED0704;
	size_t claimed = 0;
	for (int k = 0; k < 30000; k++) {
		size_t n = gt7_variant_size(variants[k % 3]);
		for (size_t b = 0; b < n; b++)
			buf[b] = (uint8_t)rng();
		claimed += gt7_sniff(buf, n);
	}
	assert_int_equal(claimed, 0);
}

/* ------------------------------------------------------------------ */
/* Canonical frames */

static void one_frame(const struct gt7_packet *p, struct tb_frame *out,
		      struct ingest_lap_job *job)
{
	struct tbt_sink s = {0};
	void *inst = new_inst(&s, NULL);
	uint8_t buf[TB_DATAGRAM_MAX];
	size_t n = enc(p, buf);
	assert_int_equal(ingest_proto_gt7.datagram(inst, buf, n, 5000000, NULL),
			 TB_OK);
	ingest_proto_gt7.flush(inst);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.jobs[0].lap.n, 1);
	tb_lap_frame(&s.jobs[0].lap, 0, out);
	job->session = s.jobs[0].session;
	job->car = s.jobs[0].car;
	job->lap.lap_number = s.jobs[0].lap.lap_number;
	job->lap.flags = s.jobs[0].lap.flags;
	job->lap.lap_time_ms = s.jobs[0].lap.lap_time_ms;
	tbt_sink_release(&s);
	ingest_proto_gt7.destroy(inst);
}

static void test_units(void **state)
{
	(void)state;
	struct gt7_packet p;
	memset(&p, 0, sizeof(p));
	p.variant = GT7_VARIANT_B;
	p.iv = 42;
	p.pos[0] = 10;
	p.pos[1] = 20; /* up */
	p.pos[2] = 30;
	p.vel[0] = 1;
	p.vel[1] = 2;
	p.vel[2] = 3;
	p.rpm = 7000;
	p.speed = 50;
	p.fuel_level = 80;
	p.fuel_capacity = 100;
	p.water_temp = 85;
	p.tyre_temp[0] = 60;
	p.tyre_temp[1] = 61;
	p.tyre_temp[2] = 62;
	p.tyre_temp[3] = 63;
	p.tick = 1000;
	p.lap = 3;
	p.last_lap_ms = 90000;
	p.flags = GT7_FLAG_ON_TRACK | GT7_FLAG_IN_GEAR;
	p.gear = 0xF4;
	p.throttle = 255;
	p.brake = 51;
	p.clutch = 0.25f;
	p.car_code = 3311;
	p.steer_rot = 1.0f;
	struct tb_frame f;
	struct ingest_lap_job job;
	one_frame(&p, &f, &job);
	assert_true(f.v[TB_CH_TIME] == 0.0);
	assert_true(f.v[TB_CH_SPEED] == 50);
	assert_true(f.v[TB_CH_RPM] == 7000);
	assert_true(f.v[TB_CH_THROTTLE] == 1.0);
	assert_true(fabs(f.v[TB_CH_BRAKE] - 0.2) < 1e-9);
	assert_true(f.v[TB_CH_CLUTCH] == 0.25);
	assert_true(f.v[TB_CH_GEAR] == 4);
	assert_true(f.v[TB_CH_POS_X] == 10);
	assert_true(f.v[TB_CH_POS_Y] == 30);
	assert_true(f.v[TB_CH_POS_Z] == 20);
	assert_true(f.v[TB_CH_VEL_X] == 1);
	assert_true(f.v[TB_CH_VEL_Y] == 3);
	assert_true(f.v[TB_CH_VEL_Z] == 2);
	assert_true(f.v[TB_CH_TYRE_SURF_FL] == 60);
	assert_true(f.v[TB_CH_TYRE_SURF_RR] == 63);
	/* Absent, never zero. */
	const enum tb_channel absent[] = {
	    TB_CH_G_LAT,	 TB_CH_G_LON,	      TB_CH_G_VERT,
	    TB_CH_YAW,		 TB_CH_PITCH,	      TB_CH_ROLL,
	    TB_CH_FUEL,		 TB_CH_STEER,	      TB_CH_ENGINE_TEMP,
	    TB_CH_DRS,		 TB_CH_SECTOR,	      TB_CH_ERS_STORE,
	    TB_CH_BRAKE_TEMP_FL, TB_CH_TYRE_INNER_FL, TB_CH_TYRE_PRESS_FL,
	    TB_CH_TOTAL_DIST,	 TB_CH_LAP_DIST,      TB_CH_LAP_TIME};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (tb_frame_has(&f, absent[i]))
			fail_msg("%s present", tb_channel_name(absent[i]));
	assert_int_equal(job.session.game, TB_GAME_GT7);
	assert_int_equal(job.session.packet_format, 316);
	assert_int_equal(job.session.track_id, -1);
	assert_string_equal(job.session.track, "");
	assert_int_equal(job.session.source_uid, 5000000);
	assert_int_equal(job.car.team_id, 3311);
	assert_int_equal(job.car.race_number, -1);
	assert_int_equal(job.lap.lap_number, 3);
	assert_true(job.lap.flags & TB_LAP_INCOMPLETE);

	/* Gears: the low nibble; 0 is R in gear, N out of gear; 15 absent.
	 * GT Sport is its own game. */
	const struct {
		uint8_t gear;
		uint16_t flags;
		double want; /* NAN: absent */
	} gears[] = {
	    {0xF0, GT7_FLAG_IN_GEAR, -1},  {0xF0, 0, 0},
	    {0x31, GT7_FLAG_IN_GEAR, 1},   {0xF8, 0, 8},
	    {0xFF, GT7_FLAG_IN_GEAR, NAN},
	};
	p.variant = GT7_VARIANT_A;
	p.gt_sport = true;
	for (size_t i = 0; i < sizeof(gears) / sizeof(gears[0]); i++) {
		p.gear = gears[i].gear;
		p.flags = (uint16_t)(GT7_FLAG_ON_TRACK | gears[i].flags);
		one_frame(&p, &f, &job);
		if (isnan(gears[i].want))
			assert_false(tb_frame_has(&f, TB_CH_GEAR));
		else
			assert_true(f.v[TB_CH_GEAR] == gears[i].want);
		assert_int_equal(job.session.game, TB_GAME_GT_SPORT);
	}
}

/* Paused, loading, off track: accepted and counted, no frame. */
static void test_states(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s, NULL);
	struct gt7_packet p;
	memset(&p, 0, sizeof(p));
	p.variant = GT7_VARIANT_A;
	p.lap = 1;
	uint8_t buf[TB_DATAGRAM_MAX];
	const uint16_t flags[] = {GT7_FLAG_PAUSED, GT7_FLAG_LOADING,
				  GT7_FLAG_PAUSED | GT7_FLAG_ON_TRACK, 0};
	int64_t now = 1000000;
	for (size_t i = 0; i < 4; i++) {
		p.flags = flags[i];
		p.tick++;
		size_t n = enc(&p, buf);
		assert_int_equal(
		    ingest_proto_gt7.datagram(inst, buf, n, now += 16667, NULL),
		    TB_OK);
	}
	struct ingest_stats st = stats_of(inst);
	assert_int_equal(st.accepted, 4);
	assert_int_equal(st.kinds[GT7_KIND_PAUSED], 2);
	assert_int_equal(st.kinds[GT7_KIND_LOADING], 1);
	assert_int_equal(st.kinds[GT7_KIND_OFF_TRACK], 1);
	assert_int_equal(st.frames, 0);
	assert_int_equal(st.sessions, 0);
	ingest_proto_gt7.flush(inst);
	assert_int_equal(s.n, 0);
	ingest_proto_gt7.destroy(inst);
}

/* Clock, duplicates and late datagrams, sessions. */
static void test_sessions(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = new_inst(&s, NULL);
	struct gt7_packet p;
	memset(&p, 0, sizeof(p));
	p.variant = GT7_VARIANT_A;
	p.flags = GT7_FLAG_ON_TRACK;
	p.lap = 2;
	p.car_code = 100;
	p.speed = 30;
	p.tick = 5000;
	uint8_t buf[TB_DATAGRAM_MAX];
	int64_t now = 1000000;
#define SEND()                                                                 \
	assert_int_equal(ingest_proto_gt7.datagram(inst, buf, enc(&p, buf),    \
						   now += 16667, NULL),        \
			 TB_OK)
	SEND();
	p.tick += 3;
	SEND();
	SEND(); /* duplicate */
	p.tick -= 2;
	SEND(); /* late */
	struct ingest_stats st = stats_of(inst);
	assert_int_equal(st.frames, 2);
	assert_int_equal(st.discarded, 2);
	assert_int_equal(st.sessions, 1);
	/* Far back: a new session; car code, variant, game: new ones. */
	p.tick -= 1000;
	SEND();
	assert_int_equal(stats_of(inst).sessions, 2);
	p.tick++;
	p.car_code++;
	SEND();
	assert_int_equal(stats_of(inst).sessions, 3);
	p.tick++;
	p.variant = GT7_VARIANT_B;
	SEND();
	assert_int_equal(stats_of(inst).sessions, 4);
	p.tick++;
	p.variant = GT7_VARIANT_A;
	p.gt_sport = true;
	SEND();
	assert_int_equal(stats_of(inst).sessions, 5);
	/* 60 s of silence seen by tick closes the session. */
	size_t before = s.n;
	ingest_proto_gt7.tick(inst, now + 30000000, NULL);
	assert_int_equal(s.n, before);
	ingest_proto_gt7.tick(inst, now + 61000000, NULL);
	assert_int_equal(s.n, before + 1);
	now += 62000000;
	p.tick++;
	SEND();
	assert_int_equal(stats_of(inst).sessions, 6);
	/* ... and without ticks (an import), on the next datagram. */
	now += 61000000;
	p.tick++;
	SEND();
	assert_int_equal(stats_of(inst).sessions, 7);
#undef SEND
	assert_int_equal(stats_of(inst).sent, 0); /* passive: never */
	ingest_proto_gt7.flush(inst);
	for (size_t i = 1; i < s.n; i++)
		assert_true(s.jobs[i].session.source_uid !=
			    s.jobs[i - 1].session.source_uid);
	tbt_sink_release(&s);
	ingest_proto_gt7.destroy(inst);
}

/* ------------------------------------------------------------------ */
/* Generated streams */

/* Check the laps of a generated 1-car 3-lap stream: every timed lap with
 * exactly the generator's time; derived distance from 0 to the lap's
 * length and derived time to the lap time. Returns the timed laps. */
static unsigned check_laps(const struct gen *g, const struct tbt_sink *s,
			   enum tb_game game)
{
	unsigned timed = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct ingest_lap_job *j = &s->jobs[i];
		const struct tb_lap *lap = &j->lap;
		assert_int_equal(j->session.game, game);
		assert_int_equal(j->car.team_id, 3000);
		struct gen_lap_truth t;
		assert_int_equal(gen_lap_truth(g, 0, lap->lap_number, &t),
				 TB_OK);
		for (int k = 0; k < 3; k++)
			assert_int_equal(lap->sector_ms[k], TB_TIME_UNKNOWN);
		for (size_t k = 1; k < lap->n; k++)
			assert_true(lap->col[TB_CH_TIME][k] >
				    lap->col[TB_CH_TIME][k - 1]);
		if (!t.complete) {
			assert_true(lap->flags & TB_LAP_INCOMPLETE);
			continue;
		}
		if (lap->lap_time_ms != t.lap_ms)
			fail_msg("lap %u: %d ms, truth %d ms", lap->lap_number,
				 lap->lap_time_ms, t.lap_ms);
		assert_int_equal(lap->flags & TB_LAP_INCOMPLETE, 0);
		double d0 = lap->col[TB_CH_LAP_DIST][0];
		double d1 = lap->col[TB_CH_LAP_DIST][lap->n - 1];
		double t1 = lap->col[TB_CH_LAP_TIME][lap->n - 1];
		assert_true(d0 == 0.0);
		/* Integrated speed (whole km/h in the generator): within
		 * 1 % of the circuit's length at the lap's last packet. */
		if (fabs(d1 - gen_track_length()) > 0.01 * gen_track_length())
			fail_msg("lap %u: %.1f m integrated, track %.1f m",
				 lap->lap_number, d1, gen_track_length());
		assert_true(fabs(t1 * 1000.0 - t.lap_ms) < 40.0);
		timed++;
	}
	return timed;
}

static void run_gen_stream(char variant)
{
	struct gen *g = tbt_gen_create(3);
	struct tbt_gen_run r;
	tbt_gen_run(g, &ingest_proto_gt7, variant, &r);
	assert_int_equal(r.st.frames, r.n_frames);
	assert_int_equal(r.st.sessions, 1);
	assert_int_equal(check_laps(g, &r.s, TB_GAME_GT7), 3);
	assert_int_equal(r.st.laps, 3);
	print_message("variant %c: %zu datagrams, %zu laps\n",
		      variant ? variant : '0', r.n_frames, r.s.n);
	tbt_sink_release(&r.s);
	gen_destroy(g);
}

static void test_gen_streams(void **state)
{
	(void)state;
	run_gen_stream('A');
	run_gen_stream('B');
	run_gen_stream('~');
	run_gen_stream(0);
	uint8_t buf[TB_DATAGRAM_MAX];
	size_t n;
	struct gen_frame fr = {0};
	assert_int_equal(
	    ingest_proto_gt7.gen_encode(&fr, 0, 'x', buf, sizeof(buf), &n),
	    TB_ERR_ARG);
	assert_int_equal(ingest_proto_gt7.gen_encode(&fr, F1_CARS, 'A', buf,
						     sizeof(buf), &n),
			 TB_ERR_RANGE);
}

/* ------------------------------------------------------------------ */
/* The fake console on loopback. It plays the PS5: waits for the
 * heartbeat on its port, checks the byte, and while heartbeats keep
 * coming (the console's ~10 s) streams one packet per 60 Hz tick to the
 * heartbeat's sender. The client side is the test's own loop: a socket on
 * 127.0.0.1:0 whose datagrams go to ingest_port_datagram and an
 * ingest_io.send that sendto()s from it. Time is simulated (100 ms per
 * loop turn, six packets a turn) so the test runs fast and exactly. */

enum console_mode {
	CONSOLE_STREAM,	   /* answer with the generated stream */
	CONSOLE_SILENT,	   /* never answer */
	CONSOLE_GARBAGE,   /* random bytes of the right size */
	CONSOLE_WRONG_KEY, /* the GT Sport key on a GT7 variant */
	CONSOLE_WRONG_SIZE /* valid packets of another variant */
};

#define MAX_HB 512

struct rig {
	int console_fd, client_fd;
	uint16_t console_port;
	struct ingest_port *port;
	struct tbt_sink s;
	/* the console */
	enum console_mode mode;
	char expect; /* the heartbeat byte it must receive */
	size_t n_hb, bad_hb;
	int64_t hb_at[MAX_HB];
	struct sockaddr_in peer; /* where heartbeats came from */
	bool have_peer;
	uint64_t packets_sent;
	struct gen *gen;
	bool gen_done;
	uint32_t garbage_tick;
};

static int udp_socket(uint16_t *port_out)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	int fl = fcntl(fd, F_GETFL, 0);
	assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
	int rcv = 1 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (port_out)
		*port_out = ntohs(a.sin_port);
	return fd;
}

/* ingest_io.send: from the client socket, as the daemon would. */
static enum tb_status rig_send(void *ctx, uint32_t ip, uint16_t port,
			       const uint8_t *buf, size_t len)
{
	struct rig *r = ctx;
	struct sockaddr_in to;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(ip);
	to.sin_port = htons(port);
	ssize_t n = sendto(r->client_fd, buf, len, 0, (struct sockaddr *)&to,
			   sizeof(to));
	return n == (ssize_t)len ? TB_OK : TB_ERR_NET;
}

static void rig_init(struct rig *r, enum console_mode mode, char variant)
{
	memset(r, 0, sizeof(*r));
	r->mode = mode;
	r->expect = variant ? variant : 'A';
	r->console_fd = udp_socket(&r->console_port);
	r->client_fd = udp_socket(NULL);
	struct ingest_opts o;
	memset(&o, 0, sizeof(o));
	o.peer_ip = 0x7F000001u; /* 127.0.0.1 */
	o.peer_port = r->console_port;
	o.variant = variant;
	assert_int_equal(ingest_port_create(&ingest_proto_gt7, &o, tbt_on_job,
					    &r->s, &r->port),
			 TB_OK);
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 1;
	cfg.n_laps = 3;
	assert_int_equal(gen_create(&cfg, &r->gen, NULL), TB_OK);
}

static void rig_release(struct rig *r)
{
	ingest_port_destroy(r->port);
	close(r->console_fd);
	close(r->client_fd);
	tbt_sink_release(&r->s);
	gen_destroy(r->gen);
}

/* The console reads heartbeats (waiting up to wait_ms for the first). */
static void console_recv(struct rig *r, int64_t now, int wait_ms)
{
	struct pollfd pfd = {.fd = r->console_fd, .events = POLLIN};
	if (wait_ms > 0)
		(void)poll(&pfd, 1, wait_ms);
	for (;;) {
		uint8_t b[64];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(r->console_fd, b, sizeof(b), 0,
				     (struct sockaddr *)&from, &fl);
		if (n < 0)
			break;
		if (n != 1 || b[0] != (uint8_t)r->expect) {
			r->bad_hb++;
			continue;
		}
		assert_true(r->n_hb < MAX_HB);
		r->hb_at[r->n_hb++] = now;
		r->peer = from;
		r->have_peer = true;
	}
}

static void console_send_one(struct rig *r, const uint8_t *buf, size_t n)
{
	ssize_t k = sendto(r->console_fd, buf, n, 0,
			   (struct sockaddr *)&r->peer, sizeof(r->peer));
	assert_int_equal(k, (ssize_t)n);
	r->packets_sent++;
}

/* One 100 ms turn of the console: six packets while heartbeats are fresh
 * (the console's ~10 s keep-alive). */
static void console_stream(struct rig *r, int64_t now)
{
	if (!r->have_peer || r->mode == CONSOLE_SILENT)
		return;
	if (now - r->hb_at[r->n_hb - 1] > 10000000)
		return; /* no heartbeat for 10 s: the console stops */
	int v = gt7_variant_of_char(r->expect);
	for (int i = 0; i < 6; i++) {
		uint8_t buf[TB_DATAGRAM_MAX];
		size_t n = 0;
		if (r->mode == CONSOLE_GARBAGE) {
			n = gt7_variant_size((enum gt7_variant)v);
			for (size_t b = 0; b < n; b++)
				buf[b] = (uint8_t)rng();
			console_send_one(r, buf, n);
			continue;
		}
		struct gen_frame fr;
		if (r->gen_done || gen_next_frame(r->gen, &fr) != TB_OK) {
			r->gen_done = true;
			return;
		}
		struct gt7_packet p;
		assert_int_equal(gt7_from_gen(&fr, 0, (enum gt7_variant)v, &p),
				 TB_OK);
		if (r->mode == CONSOLE_WRONG_SIZE)
			p.variant = (enum gt7_variant)((v + 1) % 3);
		n = enc(&p, buf);
		if (r->mode == CONSOLE_WRONG_KEY) {
			/* Re-encrypt the plaintext under the GT Sport key
			 * with a variant mask GT Sport never uses. */
			uint8_t plain[GT7_SIZE_MAX];
			assert_int_equal(gt7_decrypt(buf, n, plain, NULL, NULL),
					 TB_OK);
			memcpy(buf, plain, n);
			assert_int_equal(gt7_encrypt(buf, 296, p.iv, true),
					 TB_OK);
		}
		console_send_one(r, buf, n);
	}
}

/* The client drains its socket into the port. */
static void client_recv(struct rig *r, int64_t now)
{
	struct pollfd pfd = {.fd = r->client_fd, .events = POLLIN};
	if (r->packets_sent)
		(void)poll(&pfd, 1, 20);
	for (;;) {
		uint8_t b[TB_DATAGRAM_MAX];
		ssize_t n = recv(r->client_fd, b, sizeof(b), 0);
		if (n < 0)
			break;
		(void)ingest_port_datagram(r->port, b, (size_t)n, now, NULL);
	}
}

/* Run the rig for `turns` 100 ms turns of simulated time from t0. */
static int64_t rig_run(struct rig *r, int64_t t0, int turns)
{
	struct ingest_io io = {.ctx = r, .send = rig_send};
	int64_t now = t0;
	for (int i = 0; i < turns; i++) {
		ingest_port_tick(r->port, now, &io);
		console_recv(r, now, i == 0 ? 1000 : 0);
		if (i == 0)
			assert_true(r->n_hb >= 1); /* within the first tick */
		console_stream(r, now);
		client_recv(r, now);
		now += 100000;
		if (r->gen_done)
			break;
	}
	return now;
}

static struct ingest_stats rig_stats(const struct rig *r)
{
	struct ingest_stats st;
	ingest_port_stats(r->port, &st);
	return st;
}

static void console_laps(char variant)
{
	struct rig r;
	rig_init(&r, CONSOLE_STREAM, variant);
	int64_t t0 = 1700000000000000ll;
	int64_t end = rig_run(&r, t0, 100000);
	assert_true(r.gen_done);
	ingest_port_flush(r.port);
	struct ingest_stats st = rig_stats(&r);
	/* Heartbeats: the right byte, one at start, then every 1 s. */
	assert_int_equal(r.bad_hb, 0);
	assert_true(r.n_hb >= 2);
	assert_int_equal(r.hb_at[0], t0);
	for (size_t i = 1; i < r.n_hb; i++)
		assert_int_equal(r.hb_at[i] - r.hb_at[i - 1], GT7_HEARTBEAT_US);
	assert_int_equal(st.sent, r.n_hb);
	assert_int_equal((end - t0 + GT7_HEARTBEAT_US - 1) / GT7_HEARTBEAT_US,
			 r.n_hb);
	/* Every packet arrived and was accepted; laps exact. */
	assert_int_equal(st.accepted, r.packets_sent);
	assert_int_equal(st.datagrams, r.packets_sent);
	assert_int_equal(st.peer_timeouts, 0);
	assert_int_equal(check_laps(r.gen, &r.s, TB_GAME_GT7), 3);
	print_message("console '%c': %zu heartbeats, %llu packets, %zu "
		      "laps\n",
		      r.expect, r.n_hb, (unsigned long long)r.packets_sent,
		      r.s.n);
	rig_release(&r);
}

static void test_console_laps(void **state)
{
	(void)state;
	console_laps('A');
	console_laps('B');
	console_laps('~');
}

/* A console that never answers: heartbeats go on, one peer time-out per
 * 5 s of silence, nothing else happens. */
static void test_console_silent(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r, CONSOLE_SILENT, 0);
	int64_t t0 = 1700000000000000ll;
	rig_run(&r, t0, 121); /* 0 .. 12.0 s */
	struct ingest_stats st = rig_stats(&r);
	assert_int_equal(r.n_hb, 13);
	assert_int_equal(st.sent, 13);
	assert_int_equal(st.peer_timeouts, 2); /* at 5 s and 10 s */
	assert_int_equal(st.datagrams, 0);
	assert_int_equal(r.s.n, 0);
	rig_release(&r);
}

/* Answers the client cannot use: each rejected and counted, the peer
 * still times out (nothing accepted), heartbeats go on. */
static void console_bad(enum console_mode mode, char variant,
			enum ingest_reject why)
{
	struct rig r;
	rig_init(&r, mode, variant);
	rng_state = 0xBADC0DE;
	rig_run(&r, 1700000000000000ll, 61); /* 6 s */
	struct ingest_stats st = rig_stats(&r);
	assert_true(r.packets_sent > 300);
	assert_int_equal(st.datagrams, r.packets_sent);
	assert_int_equal(st.rejected[why], r.packets_sent);
	assert_int_equal(st.accepted, 0);
	assert_int_equal(st.frames, 0);
	assert_int_equal(st.peer_timeouts, 1);
	assert_int_equal(st.sent, 7);
	assert_int_equal(r.s.n, 0);
	rig_release(&r);
}

static void test_console_bad(void **state)
{
	(void)state;
	console_bad(CONSOLE_GARBAGE, 'A', INGEST_REJ_FORMAT);
	console_bad(CONSOLE_GARBAGE, '~', INGEST_REJ_FORMAT);
	console_bad(CONSOLE_WRONG_KEY, 'B', INGEST_REJ_FORMAT);
	console_bad(CONSOLE_WRONG_SIZE, 'A', INGEST_REJ_LENGTH);
	console_bad(CONSOLE_WRONG_SIZE, '~', INGEST_REJ_LENGTH);
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(ingest_proto_by_name("gt7"), &ingest_proto_gt7);
	assert_int_equal(ingest_proto_gt7.default_port, 33740);
	const char *names[] = {"A",	 "B",	    "~",	"gt_sport",
			       "paused", "loading", "off_track"};
	for (unsigned i = 0; i < GT7_KIND__COUNT; i++)
		assert_string_equal(ingest_proto_gt7.kind_name(i), names[i]);
	assert_null(ingest_proto_gt7.kind_name(GT7_KIND__COUNT));
	ingest_proto_gt7.destroy(NULL);
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
	    cmocka_unit_test(test_states),
	    cmocka_unit_test(test_sessions),
	    cmocka_unit_test(test_gen_streams),
	    cmocka_unit_test(test_console_laps),
	    cmocka_unit_test(test_console_silent),
	    cmocka_unit_test(test_console_bad),
	    cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

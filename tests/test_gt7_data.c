/* test_gt7_data.c - the shared gt7-speedboard recordings (TRAILBRAKE_DATA;
 * SKIP when absent): raw encrypted 296-byte 'A' packets, subsets of one
 * lap. Every packet decrypts (magic), and values checked once for
 * plausibility are asserted: lap counter, last-lap time, car code, speed
 * range, packet counter strictly increasing, and the distance integrated
 * over the counter's 60 Hz ticks against the circuits' lengths. Each file
 * also goes through the protocol (passive: nothing sent). */
#include "tb_test.h"

#include <math.h>

#include "ingest/gt7.h"

struct expect {
	const char *file;
	size_t n;	     /* packets */
	int16_t lap;	     /* current lap in every packet */
	int32_t last_lap_ms; /* the previous lap's time */
	int32_t car_code;
	int32_t first_tick, last_tick;
	double kmh_min, kmh_max; /* speed range, km/h */
	double length_m;	 /* official length; 0 = not checked */
	size_t n_paused;	 /* packets flagged paused (0x8E bit 1) */
};

/* Plausibility, checked before writing these down: Nurburgring GP lap
 * 2:13.933 with the file's own lap spanning 8097 ticks = 134.95 s;
 * Interlagos 6429 ticks = 107.2 s for a 267 km/h car; Alsace Test Course
 * 3090 ticks = 51.5 s against a last lap of 48.7 s. The integrated
 * distance of a lap file is within 3 % of the circuit's length (4309 m,
 * 5148 m), which also supports the 60 Hz tick. */
static const struct expect files[] = {
    {"Nurburgring-Grand_Prix.gt7lap", 203, 2, 133933, 3311, 1114433, 1122530,
     52.0361, 241.9161, 5148.0, 0},
    {"Interlagos-Full_Course-best_2024-06-25.gt7lap", 166, 2, 86874, 3450,
     152105, 158534, 56.8028, 249.1499, 4309.0, 0},
    {"Alsace-Test_Course.gt7track", 84, 2, 48700, 3450, 505630, 508720, 70.9440,
     207.6036, 0.0, 2},
};

struct sink {
	size_t n_laps, n_samples;
	bool has_lap_dist;
	int32_t team_id;
	enum tb_game game;
};

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	struct sink *s = ctx;
	s->n_laps++;
	s->n_samples += job->lap.n;
	s->has_lap_dist |= (job->lap.chans & TB_CHBIT(TB_CH_LAP_DIST)) != 0;
	s->team_id = job->car.team_id;
	s->game = job->session.game;
	assert_true(job->lap.flags & TB_LAP_INCOMPLETE);
	assert_int_equal(job->lap.lap_time_ms, TB_TIME_UNKNOWN);
}

static void check_file(const char *dir, const struct expect *e)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/gt7-speedboard/%s", dir, e->file);
	size_t len = 0;
	uint8_t *buf = tbt_read_file(path, &len);
	if (!buf)
		fail_msg("cannot read %s", path);
	assert_int_equal(len % GT7_SIZE_A, 0);
	assert_int_equal(len / GT7_SIZE_A, e->n);
	double vmin = 1e9, vmax = -1e9, dist = 0, prev_v = 0;
	int32_t prev_tick = 0;
	size_t n_paused = 0;
	struct gt7_packet p;
	struct tb_error err;
	for (size_t i = 0; i < e->n; i++) {
		const uint8_t *d = buf + i * GT7_SIZE_A;
		assert_true(gt7_sniff(d, GT7_SIZE_A));
		if (gt7_decode(d, GT7_SIZE_A, &p, &err) != TB_OK)
			fail_msg("%s packet %zu: %s", e->file, i, err.msg);
		assert_int_equal(p.variant, GT7_VARIANT_A);
		assert_false(p.gt_sport);
		assert_int_equal(p.lap, e->lap);
		assert_int_equal(p.last_lap_ms, e->last_lap_ms);
		assert_int_equal(p.best_lap_ms, -1);
		assert_int_equal(p.car_code, e->car_code);
		/* Paused comes with on-track clear, even mid-lap at full
		 * throttle (Alsace); loading never. */
		if (p.flags & GT7_FLAG_PAUSED) {
			n_paused++;
			assert_false(p.flags & GT7_FLAG_ON_TRACK);
			assert_true(p.speed > 40.0f && p.throttle == 255);
		} else {
			assert_true(p.flags & GT7_FLAG_ON_TRACK);
		}
		assert_false(p.flags & GT7_FLAG_LOADING);
		assert_int_equal(p.gear >> 4, 15); /* no suggested gear */
		double kmh = p.speed * TB_KMH_PER_MS;
		vmin = fmin(vmin, kmh);
		vmax = fmax(vmax, kmh);
		if (i == 0) {
			assert_int_equal(p.tick, e->first_tick);
		} else {
			/* A subset of the 60 Hz stream: strictly rising. */
			if (p.tick <= prev_tick)
				fail_msg("%s packet %zu: tick %d after %d",
					 e->file, i, p.tick, prev_tick);
			dist += 0.5 * (prev_v + p.speed) *
				(p.tick - prev_tick) / (double)GT7_TICK_HZ;
		}
		prev_tick = p.tick;
		prev_v = p.speed;
		/* Round trip: the packet encodes back to the same bytes. */
		uint8_t again[GT7_SIZE_MAX];
		size_t n = 0;
		assert_int_equal(gt7_encode(&p, again, sizeof(again), &n),
				 TB_OK);
		assert_int_equal(n, GT7_SIZE_A);
		assert_memory_equal(again, d, GT7_SIZE_A);
	}
	assert_int_equal(prev_tick, e->last_tick);
	assert_int_equal(n_paused, e->n_paused);
	assert_true(fabs(vmin - e->kmh_min) < 0.001);
	assert_true(fabs(vmax - e->kmh_max) < 0.001);
	print_message("%s: %zu packets, %.1f s of ticks, %.0f m, %.1f-%.1f "
		      "km/h\n",
		      e->file, e->n,
		      (e->last_tick - e->first_tick) / (double)GT7_TICK_HZ,
		      dist, vmin, vmax);
	if (e->length_m > 0)
		assert_true(fabs(dist - e->length_m) < 0.05 * e->length_m);

	/* The protocol, passive (an import): one session, every packet not
	 * flagged paused a frame, one lap handed over at flush, incomplete
	 * (joined mid-way, so no derived lap distance either). */
	struct sink s = {0};
	void *inst = NULL;
	assert_int_equal(ingest_proto_gt7.create(NULL, on_job, &s, &inst),
			 TB_OK);
	int64_t now = 1719270000000000ll;
	for (size_t i = 0; i < e->n; i++) {
		assert_int_equal(
		    ingest_proto_gt7.datagram(inst, buf + i * GT7_SIZE_A,
					      GT7_SIZE_A, now, NULL),
		    TB_OK);
		now += 800000;
		ingest_proto_gt7.tick(inst, now, NULL);
	}
	struct ingest_stats st;
	ingest_proto_gt7.stats(inst, &st);
	assert_int_equal(st.accepted, e->n);
	assert_int_equal(st.kinds[GT7_KIND_A], e->n - e->n_paused);
	assert_int_equal(st.kinds[GT7_KIND_PAUSED], e->n_paused);
	assert_int_equal(st.frames, e->n - e->n_paused);
	assert_int_equal(st.sessions, 1);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.peer_timeouts, 0);
	ingest_proto_gt7.flush(inst);
	assert_int_equal(s.n_laps, 1);
	assert_int_equal(s.n_samples, e->n - e->n_paused);
	assert_false(s.has_lap_dist);
	assert_int_equal(s.team_id, e->car_code);
	assert_int_equal(s.game, TB_GAME_GT7);
	ingest_proto_gt7.destroy(inst);
	free(buf);
}

static void test_gt7_data(void **state)
{
	(void)state;
	const char *dir = tbt_data_or_skip("test_gt7_data");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		check_file(dir, &files[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gt7_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

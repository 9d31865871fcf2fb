/* test_traffic.c - TB_LAP_TRAFFIC from the F1 feed: decoded LapData and
 * CarTelemetry packets of cars driving at a constant speed round a 1 km
 * track at fixed gaps. A car running 0.4 s behind another has traffic on
 * every lap (the line between them included); one 5 s behind has none; a
 * lapped car close ahead counts, unless it is in the pit lane. */
#include "tb_test.h"

#include "ingest/ingest.h"

#include <math.h>

#define LEN	 1000.0 /* track length, m */
#define SPEED	 50.0	/* m/s: a 20 s lap */
#define RATE	 10	/* frames per second */
#define END_S	 70.0	/* last frame */
#define MAX_CARS 5
#define MAX_LAPS 32

struct got {
	size_t n;
	struct {
		unsigned car, lap;
		uint32_t flags;
		int32_t ms;
	} laps[MAX_LAPS];
};

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	struct got *g = ctx;
	assert_true(g->n < MAX_LAPS);
	g->laps[g->n].car = job->car.car_index;
	g->laps[g->n].lap = job->lap.lap_number;
	g->laps[g->n].flags = job->lap.flags;
	g->laps[g->n].ms = job->lap.lap_time_ms;
	g->n++;
}

/* start[i]: car i's track position (lap number - 1) * LEN + lap distance
 * at t = 0, NAN for no car; pit[i]: car i is in the pit lane. */
struct scene {
	double start[MAX_CARS];
	bool pit[MAX_CARS];
};

static void header(struct f1_packet *p, unsigned id, uint32_t frame, double t)
{
	memset(&p->h, 0, sizeof(p->h));
	p->h.format = 2025;
	p->h.game_year = 25;
	p->h.packet_id = (uint8_t)id;
	p->h.session_uid = 0x7AFF1C;
	p->h.session_time = (float)t;
	p->h.frame_id = frame;
	p->h.overall_frame_id = frame;
	p->h.player2_car = 255;
}

static void run(const struct scene *sc, struct got *g)
{
	static struct f1_packet p; /* large: not on the stack */
	struct f1_feed *fd;
	memset(g, 0, sizeof(*g));
	assert_int_equal(f1_feed_create(on_job, g, &fd), TB_OK);
	memset(&p, 0, sizeof(p));
	header(&p, F1_SESSION, 0, 0);
	p.u.session.track_length = (uint16_t)LEN;
	p.u.session.track_id = -1;
	f1_feed_packet(fd, &p);
	for (uint32_t k = 0; k <= (uint32_t)(END_S * RATE); k++) {
		double t = (double)k / RATE;
		memset(&p.u, 0, sizeof(p.u));
		header(&p, F1_LAP_DATA, k, t);
		for (unsigned i = 0; i < MAX_CARS; i++) {
			if (isnan(sc->start[i]))
				continue;
			struct f1_lap_car *l = &p.u.lap.cars[i];
			double pos = sc->start[i] + SPEED * t;
			unsigned lap = (unsigned)floor(pos / LEN);
			double d = pos - lap * LEN;
			l->lap_num = (uint8_t)(lap + 1);
			l->lap_distance = (float)d;
			l->total_distance = (float)pos;
			l->current_lap_ms = (uint32_t)llround(d / SPEED * 1e3);
			l->last_lap_ms = (uint32_t)llround(LEN / SPEED * 1e3);
			l->result_status = 2;
			l->driver_status = sc->pit[i] ? 3 : 1;
			l->pit_status = sc->pit[i] ? 1 : 0;
		}
		f1_feed_packet(fd, &p);
		memset(&p.u, 0, sizeof(p.u));
		header(&p, F1_CAR_TELEMETRY, k, t);
		for (unsigned i = 0; i < MAX_CARS; i++)
			p.u.telemetry[i].speed_kmh =
			    (uint16_t)llround(SPEED * TB_KMH_PER_MS);
		f1_feed_packet(fd, &p);
	}
	f1_feed_flush(fd);
	f1_feed_destroy(fd);
}

/* Complete laps of car: how many, and how many of them have traffic. */
static void count(const struct got *g, unsigned car, unsigned *n,
		  unsigned *traffic)
{
	*n = *traffic = 0;
	for (size_t i = 0; i < g->n; i++) {
		if (g->laps[i].car != car ||
		    (g->laps[i].flags & TB_LAP_INCOMPLETE))
			continue;
		assert_int_equal(g->laps[i].ms, (int32_t)(LEN / SPEED * 1e3));
		(*n)++;
		if (g->laps[i].flags & TB_LAP_TRAFFIC)
			(*traffic)++;
	}
}

static void scene_none(struct scene *sc)
{
	for (unsigned i = 0; i < MAX_CARS; i++) {
		sc->start[i] = NAN;
		sc->pit[i] = false;
	}
}

static void test_follow_close_and_far(void **state)
{
	(void)state;
	struct scene sc;
	struct got g;
	unsigned n, tr;
	scene_none(&sc);
	sc.start[0] = 1500;			 /* leader, no one ahead */
	sc.start[1] = 1500 - 0.4 * SPEED;	 /* 0.4 s behind car 0 */
	sc.start[2] = sc.start[1] - 5.0 * SPEED; /* 5 s behind car 1 */
	run(&sc, &g);
	count(&g, 0, &n, &tr);
	assert_true(n >= 2);
	assert_int_equal(tr, 0);
	/* car 1 crosses the line 0.4 s after car 0 every lap: the gap
	 * (their lap distance - ours, modulo the length) stays 20 m */
	count(&g, 1, &n, &tr);
	assert_true(n >= 2);
	assert_int_equal(tr, n);
	count(&g, 2, &n, &tr);
	assert_true(n >= 2);
	assert_int_equal(tr, 0);
	/* only traffic and incompleteness were flagged */
	for (size_t i = 0; i < g.n; i++)
		assert_int_equal(
		    g.laps[i].flags &
			~(uint32_t)(TB_LAP_TRAFFIC | TB_LAP_INCOMPLETE),
		    0);
}

static void test_lapped_car_and_pit_lane(void **state)
{
	(void)state;
	struct scene sc;
	struct got g;
	unsigned n, tr;
	scene_none(&sc);
	sc.start[0] = 1500;
	/* car 1 is a lap down, 30 m ahead of car 0 on the track */
	sc.start[1] = 1500 + 30 - LEN;
	run(&sc, &g);
	count(&g, 0, &n, &tr);
	assert_true(n >= 2);
	assert_int_equal(tr, n);
	count(&g, 1, &n, &tr);
	assert_int_equal(tr, 0); /* car 0 is 970 m ahead of it */

	/* the same car in the pit lane holds nobody up */
	sc.pit[1] = true;
	run(&sc, &g);
	count(&g, 0, &n, &tr);
	assert_true(n >= 2);
	assert_int_equal(tr, 0);
}

static void test_alone(void **state)
{
	(void)state;
	struct scene sc;
	struct got g;
	unsigned n, tr;
	scene_none(&sc);
	sc.start[3] = 1200;
	run(&sc, &g);
	count(&g, 3, &n, &tr);
	assert_true(n >= 2);
	assert_int_equal(tr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_follow_close_and_far),
	    cmocka_unit_test(test_lapped_car_and_pit_lane),
	    cmocka_unit_test(test_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_codemasters_data.c - the three DiRT Rally 2.0 stage recordings of
 * dirt-rally-2-dr2_logger (Noorinbee Ridge Descent, 5236.91 m): the
 * derived 264-byte packet files decode packet by packet with the values
 * the recordings carry, and each derived pcap imports (auto-detected)
 * into a store as exactly one complete stage run with the stage time,
 * sector times and top speed of its packets. */
#include "tb_test.h"

#include <math.h>

#include "ingest/codemasters.h"
#include "server/server.h"

struct rec {
	const char *name;
	size_t n_packets;
	float first_run_time, last_run_time, final_time, s1, s2, top_speed;
	int32_t time_ms, s1_ms, s2_ms;
	double name_time_s; /* in the file name */
};

/* Values read from the files (float32, exact). */
static const struct rec recs[] = {
    {"noorinbee_199.6s", 11973, 229.25515747070312f, 428.8067321777344f,
     199.57534790039062f, 52.59458923339844f, 53.01382064819336f,
     43.278507232666016f, 199575, 52595, 53014, 199.6},
    {"noorinbee_202.2s", 12130, 60.81304168701172f, 262.9903259277344f,
     202.2085723876953f, 52.23359298706055f, 55.63276290893555f,
     43.589256286621094f, 202209, 52234, 55633, 202.2},
    {"noorinbee_202.5s", 12151, 10.462445259094238f, 212.9651336669922f,
     202.52523803710938f, 53.278465270996094f, 55.7918586730957f,
     43.15449523925781f, 202525, 53278, 55792, 202.5},
};

static const char *dir(void)
{
	static char d[512];
	snprintf(d, sizeof(d), "%s/dirt-rally-2-dr2_logger",
		 tbt_data_or_skip("DiRT Rally 2.0 recordings"));
	return d;
}

static void check_packets(const struct rec *r)
{
	char path[768];
	snprintf(path, sizeof(path), "%s/%s.derived-264B-packets.bin", dir(),
		 r->name);
	size_t len = 0;
	uint8_t *buf = tbt_read_file(path, &len);
	assert_non_null(buf);
	assert_int_equal(len, r->n_packets * CM_SIZE_EXTRA);
	struct cm_packet p, first;
	float top = 0, prev_lt = 0;
	for (size_t i = 0; i < r->n_packets; i++) {
		const uint8_t *d = buf + i * CM_SIZE_EXTRA;
		assert_true(cm_sniff(d, CM_SIZE_EXTRA));
		assert_int_equal(cm_decode(d, CM_SIZE_EXTRA, &p, NULL), TB_OK);
		if (i == 0)
			first = p;
		assert_true(p.f[CM_TRACK_LENGTH] == 5236.91015625f);
		assert_true(p.f[CM_TOTAL_LAPS] == 1.0f);
		assert_true(p.f[CM_LAP_TIME] > prev_lt); /* no pause kept */
		prev_lt = p.f[CM_LAP_TIME];
		if (p.f[CM_SPEED] > top)
			top = p.f[CM_SPEED];
		/* gears 1..5 of a 5-speed car */
		assert_true(p.f[CM_GEAR] >= 0 && p.f[CM_GEAR] <= 5);
	}
	assert_true(first.f[CM_RUN_TIME] == r->first_run_time);
	assert_true(p.f[CM_RUN_TIME] == r->last_run_time);
	assert_true(p.f[CM_LAP_TIME] == r->final_time);
	assert_true(fabs(p.f[CM_LAP_TIME] - r->name_time_s) < 0.05);
	assert_true(p.f[CM_SECTOR1_TIME] == r->s1);
	assert_true(p.f[CM_SECTOR2_TIME] == r->s2);
	assert_true(p.f[CM_SECTOR] == 3.0f);
	assert_true(top == r->top_speed);
	/* the last packet is a fraction of a metre before the line */
	assert_true(p.f[CM_DISTANCE] < 5236.91f);
	assert_true(p.f[CM_DISTANCE] > 5236.91f - 1.0f);
	assert_true(p.f[CM_PROGRESS] > 0.9999f);
	free(buf);
}

static void test_packets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		check_packets(&recs[i]);
}

struct found {
	int64_t session_id;
	size_t n_sessions, n_laps;
	struct store_lap_row lap;
};

static int on_session(void *ctx, const struct store_session_row *r)
{
	struct found *f = ctx;
	f->session_id = r->id;
	f->n_sessions++;
	assert_int_equal(r->info.game, TB_GAME_DIRT_RALLY_2);
	assert_int_equal(r->info.kind, TB_SESSION_STAGE);
	assert_int_equal(r->info.car_class, TB_CLASS_RALLY);
	assert_true(fabs(r->info.track_length_m - 5236.91) < 0.01);
	return 0;
}

static int on_lap(void *ctx, const struct store_lap_row *r)
{
	struct found *f = ctx;
	f->lap = *r;
	f->n_laps++;
	return 0;
}

static void check_pcap(const struct rec *r, const char *tmp)
{
	char path[768], url[768];
	snprintf(path, sizeof(path), "%s/%s.derived.pcap", dir(), r->name);
	snprintf(url, sizeof(url), "sqlite:%s/%s.db", tmp, r->name);
	struct store *st = NULL;
	struct tb_error err;
	assert_int_equal(store_open(url, &st, &err), TB_OK);
	struct srv_import_result res;
	enum tb_status rc = srv_import_pcap(st, path, 0, &res, &err);
	if (rc != TB_OK)
		fail_msg("%s: %s", path, err.msg);
	assert_string_equal(res.protos, "codemasters");
	assert_int_equal(res.datagrams, r->n_packets);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(res.laps, 1);
	assert_int_equal(res.laps_incomplete, 0);
	assert_int_equal(res.sessions, 1);
	struct found f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(store_sessions_list(st, on_session, &f, &err), TB_OK);
	assert_int_equal(f.n_sessions, 1);
	assert_int_equal(store_laps_list(st, f.session_id, on_lap, &f, &err),
			 TB_OK);
	assert_int_equal(f.n_laps, 1);
	assert_int_equal(f.lap.lap_number, 1);
	assert_int_equal(f.lap.flags, 0);
	assert_int_equal(f.lap.lap_time_ms, r->time_ms);
	assert_int_equal(f.lap.sector_ms[0], r->s1_ms);
	assert_int_equal(f.lap.sector_ms[1], r->s2_ms);
	assert_int_equal(f.lap.sector_ms[2], r->time_ms - r->s1_ms - r->s2_ms);
	assert_int_equal(f.lap.n_samples, (int64_t)r->n_packets);
	/* the stored samples: top speed and the stage clock */
	struct tb_lap lap;
	tb_lap_init(&lap);
	assert_int_equal(store_lap_get(st, f.lap.id, &lap, NULL, &err), TB_OK);
	double top = 0;
	for (size_t i = 0; i < lap.n; i++)
		top = fmax(top, lap.col[TB_CH_SPEED][i]);
	assert_true(top == (double)r->top_speed);
	assert_true(lap.col[TB_CH_TIME][0] == (double)r->first_run_time);
	assert_true(lap.col[TB_CH_LAP_TIME][lap.n - 1] ==
		    (double)r->final_time);
	assert_true(lap.chans & TB_CHBIT(TB_CH_YAW));
	print_message("%s: %zu samples, %d ms (%d / %d / %d), top %.2f m/s\n",
		      r->name, lap.n, f.lap.lap_time_ms, f.lap.sector_ms[0],
		      f.lap.sector_ms[1], f.lap.sector_ms[2], top);
	tb_lap_release(&lap);
	store_close(st);
}

static void test_pcaps(void **state)
{
	(void)state;
	char *tmp = tbt_tmpdir();
	assert_non_null(tmp);
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		check_pcap(&recs[i], tmp);
	free(tmp);
}

int main(void)
{
	(void)dir(); /* skip before cmocka when the data is absent */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_packets),
	    cmocka_unit_test(test_pcaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

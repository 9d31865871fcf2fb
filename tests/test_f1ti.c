/* test_f1ti.c - TracingInsights F1 telemetry on the real recordings
 * (f1-2026-testing-tracinginsights): the 17 fastest laps as F1 reference
 * laps with laptimes.json's times to the ms, Piastri's long run as one
 * stint in order with out/in laps, channel conversions, the facts of
 * the folder's README, truncations and corruptions of real files (an
 * error and no lap), sniffing, the CSV round trip of real laps, random
 * bytes and allocation failure. */
#include "tb_test.h"

#include <math.h>
#include <sys/stat.h>

#include "formats/csv.h"
#include "formats/f1ti.h"

#define MAX_GOT 64

struct got {
	size_t n;
	struct tb_lap laps[MAX_GOT];
	struct tb_session_info sess[MAX_GOT];
	struct tb_car_info car[MAX_GOT];
	struct fmt_lap_meta meta[MAX_GOT];
};

static enum tb_status collect(void *ctx, const struct tb_session_info *s,
			      const struct tb_car_info *car, struct tb_lap *lap,
			      const struct fmt_lap_meta *meta)
{
	struct got *g = ctx;
	if (g->n == MAX_GOT)
		return TB_ERR_LIMIT;
	tb_lap_init(&g->laps[g->n]);
	tb_lap_move(&g->laps[g->n], lap);
	g->sess[g->n] = *s;
	g->car[g->n] = *car;
	g->meta[g->n] = *meta;
	g->n++;
	return TB_OK;
}

static void got_release(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		tb_lap_release(&g->laps[i]);
	g->n = 0;
}

static char root[1024];

static void path_of(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/%s", root, rel);
}

/* The fastest lap with telemetry of each driver (README; laptimes.json),
 * with its position in drivers.json and its sample count. */
static const struct {
	const char *drv;
	uint32_t lap;
	int32_t ms;
	size_t n;
	int index;
	const char *team;
} fastest[] = {
    {"ALB", 64, 96793, 730, 14, "Williams"},
    {"ANT", 15, 93669, 723, 13, "Mercedes"},
    {"BEA", 18, 95972, 709, 4, "Haas F1 Team"},
    {"BOR", 47, 97536, 728, 8, "Audi"},
    {"BOT", 12, 98772, 734, 10, "Cadillac"},
    {"COL", 129, 95806, 732, 7, "Alpine"},
    {"HAD", 46, 95610, 724, 11, "Red Bull Racing"},
    {"HAM", 8, 94209, 687, 5, "Ferrari"},
    {"HUL", 46, 96291, 723, 15, "Audi"},
    {"LAW", 87, 96808, 728, 2, "Racing Bulls"},
    {"OCO", 60, 95753, 712, 16, "Haas F1 Team"},
    {"PER", 41, 99251, 758, 12, "Cadillac"},
    {"PIA", 91, 94549, 696, 9, "McLaren"},
    {"RUS", 4, 93918, 676, 0, "Mercedes"},
    {"SAI", 12, 97234, 732, 3, "Williams"},
    {"STR", 62, 98165, 732, 6, "Aston Martin"},
    {"VER", 10, 95425, 703, 1, "Red Bull Racing"},
};
#define N_FASTEST (sizeof(fastest) / sizeof(fastest[0]))

static double col_max(const struct tb_lap *l, enum tb_channel ch)
{
	double m = -INFINITY;
	for (size_t i = 0; i < l->n; i++)
		if (l->mask[i] & TB_CHBIT(ch))
			m = fmax(m, l->col[ch][i]);
	return m;
}

static void test_fastest_laps(void **state)
{
	(void)state;
	uint64_t uid = 0;
	for (size_t k = 0; k < N_FASTEST; k++) {
		char rel[128], path[2048];
		snprintf(rel, sizeof(rel), "practice3/%s/%u_tel.json",
			 fastest[k].drv, (unsigned)fastest[k].lap);
		path_of(path, sizeof(path), rel);
		struct tb_error err;
		const struct fmt_importer *imp = fmt_detect(path, &err);
		assert_non_null(imp);
		assert_string_equal(imp->name, "f1-tracinginsights");
		struct got g = {0};
		if (imp->import(path, collect, &g, NULL, &err) != TB_OK)
			fail_msg("%s: %s", path, err.msg);
		assert_int_equal(g.n, 1);
		const struct tb_lap *l = &g.laps[0];
		assert_int_equal(l->lap_number, fastest[k].lap);
		assert_int_equal(l->lap_time_ms, fastest[k].ms);
		assert_int_equal(l->n, fastest[k].n);
		assert_int_equal(l->flags, 0);
		for (int s = 0; s < 3; s++)
			assert_true(l->sector_ms[s] > 20000 &&
				    l->sector_ms[s] < 50000);
		assert_int_equal(l->sector_ms[0] + l->sector_ms[1] +
				     l->sector_ms[2],
				 l->lap_time_ms);
		/* last time sample == lap time, to the ms */
		double last = l->col[TB_CH_TIME][l->n - 1];
		assert_int_equal((int32_t)llround(last * 1000), l->lap_time_ms);
		assert_true(l->col[TB_CH_TIME][0] == 0.0);
		assert_memory_equal(l->col[TB_CH_TIME], l->col[TB_CH_LAP_TIME],
				    l->n * sizeof(double));
		/* README: distance end 5347..5381 m, vmax 320..337 km/h */
		double dend = l->col[TB_CH_LAP_DIST][l->n - 1];
		assert_true(dend > 5347 && dend < 5381.5);
		double vmax = col_max(l, TB_CH_SPEED) * 3.6;
		assert_true(vmax >= 320 - 1e-9 && vmax <= 337 + 1e-9);
		/* gears 1..8 (or 2..8), brake only 0/1, throttle 0..1 */
		assert_true(col_max(l, TB_CH_GEAR) <= 8);
		for (size_t i = 0; i < l->n; i++) {
			double b = l->col[TB_CH_BRAKE][i];
			assert_true(b == 0.0 || b == 1.0);
			double t = l->col[TB_CH_THROTTLE][i];
			assert_true(t >= 0.0 && t <= 1.0);
			assert_true(l->col[TB_CH_DRS][i] == 0.0);
			assert_true(l->col[TB_CH_GEAR][i] >= 1);
			/* z: height, 1/10 m -> m; Bahrain spans ~17 m */
			double z = l->col[TB_CH_POS_Z][i];
			assert_true(z > -17.0 && z < 1.0);
		}
		assert_true(col_max(l, TB_CH_BRAKE) == 1.0);
		/* derived accelerations and steering stay absent */
		assert_false(l->chans &
			     (TB_CHBIT(TB_CH_G_LAT) | TB_CHBIT(TB_CH_G_LON) |
			      TB_CHBIT(TB_CH_G_VERT) | TB_CHBIT(TB_CH_STEER)));
		/* session, car, meta */
		assert_int_equal(g.sess[0].game, TB_GAME_REAL_F1);
		assert_int_equal(g.sess[0].car_class, TB_CLASS_F1);
		assert_int_equal(g.sess[0].kind, TB_SESSION_PRACTICE);
		assert_string_equal(g.sess[0].track, "");
		if (k == 0)
			uid = g.sess[0].source_uid;
		assert_true(g.sess[0].source_uid == uid); /* one session */
		assert_string_equal(g.car[0].driver, fastest[k].drv);
		assert_int_equal(g.car[0].car_index, fastest[k].index);
		assert_int_equal(l->car_index, fastest[k].index);
		assert_true(g.meta[0].reference);
		assert_string_equal(g.meta[0].source, "f1-timing");
		assert_true(fmt_f1ti_brake_is_binary(g.meta[0].source));
		assert_string_equal(g.meta[0].car, fastest[k].team);
		assert_true(g.meta[0].stint > 0);
		got_release(&g);
	}
	assert_false(fmt_f1ti_brake_is_binary("csv"));
	assert_false(fmt_f1ti_brake_is_binary(NULL));
}

static void test_one_lap_values(void **state)
{
	(void)state;
	char path[2048];
	path_of(path, sizeof(path), "practice3/ANT/15_tel.json");
	struct got g = {0};
	struct tb_error err;
	assert_int_equal(fmt_importer_f1_tracinginsights.import(path, collect,
								&g, NULL, &err),
			 TB_OK);
	const struct tb_lap *l = &g.laps[0];
	assert_int_equal(l->sector_ms[0], 29568);
	assert_int_equal(l->sector_ms[1], 41042);
	assert_int_equal(l->sector_ms[2], 23059);
	assert_int_equal(g.meta[0].stint, 5);
	/* unit conversions against the raw JSON */
	size_t len = 0;
	uint8_t *raw = tbt_read_file(path, &len);
	assert_non_null(raw);
	assert_non_null(strstr((char *)raw, "\"x\":[-354.2086304074593,"));
	assert_true(l->col[TB_CH_POS_X][0] == -354.2086304074593 / 10.0);
	assert_true(fabs(col_max(l, TB_CH_SPEED) - 326.0 / 3.6) < 1e-12);
	assert_true(col_max(l, TB_CH_RPM) > 10000);
	free(raw);
	got_release(&g);
}

static void test_long_run(void **state)
{
	(void)state;
	static const int32_t ms[] = {99178, 99205, 99092, 99048,  99385, 99586,
				     99557, 99501, 99620, 100038, 99681, 99697,
				     99666, 99572, 99746, 99918,  99746, 100127,
				     99957, 99763, 103082};
	char path[2048];
	path_of(path, sizeof(path), "practice3/PIA");
	struct got g = {0};
	struct tb_error err;
	if (fmt_f1ti_import_dir(path, collect, &g, NULL, &err) != TB_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(g.n, 23); /* lap 91 and 107..128 */
	assert_int_equal(g.laps[0].lap_number, 91);
	for (uint32_t k = 0; k < 22; k++) {
		const struct tb_lap *l = &g.laps[1 + k];
		assert_int_equal(l->lap_number, 107 + k);
		assert_int_equal(g.meta[1 + k].stint, 15);
		assert_string_equal(g.car[1 + k].driver, "PIA");
		if (k == 0) {
			/* out lap: untimed, no first sector */
			assert_int_equal(l->flags, TB_LAP_OUT);
			assert_int_equal(l->lap_time_ms, TB_TIME_UNKNOWN);
			assert_int_equal(l->sector_ms[0], TB_TIME_UNKNOWN);
			assert_int_equal(l->sector_ms[1], 44177);
			assert_int_equal(l->sector_ms[2], 24526);
			assert_int_equal(l->n, 1456);
			assert_true(l->col[TB_CH_TIME][l->n - 1] == 194.737);
			assert_true(l->col[TB_CH_GEAR][0] >= 0);
			continue;
		}
		assert_int_equal(l->lap_time_ms, ms[k - 1]);
		assert_int_equal(l->flags, k == 21 ? TB_LAP_IN : 0);
		double last = l->col[TB_CH_TIME][l->n - 1];
		assert_int_equal((int32_t)llround(last * 1000), l->lap_time_ms);
	}
	got_release(&g);
}

static void test_whole_folder(void **state)
{
	(void)state;
	char path[2048];
	path_of(path, sizeof(path), "practice3");
	struct got g = {0};
	struct tb_error err;
	size_t calls = 0;
	struct fmt_progress pr = {&calls, NULL};
	if (fmt_importer_f1_tracinginsights.import(path, collect, &g, &pr,
						   &err) != TB_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(g.n, 39);
	int seen[32] = {0};
	for (size_t i = 0; i < g.n; i++) {
		assert_true(g.car[i].car_index < 17);
		seen[g.car[i].car_index]++;
		assert_true(g.sess[i].source_uid == g.sess[0].source_uid);
	}
	for (int i = 0; i < 17; i++)
		assert_true(seen[i] >= 1);
	assert_int_equal(seen[9], 23); /* PIA */
	got_release(&g);
	/* no tel files */
	char *d = tbt_tmpdir();
	assert_int_equal(fmt_f1ti_import_dir(d, collect, &g, NULL, &err),
			 TB_ERR_NOTFOUND);
	rmdir(d);
	free(d);
}

/* The CSV export of real laps reads back identical. */
static void test_csv_roundtrip_real(void **state)
{
	(void)state;
	char path[2048];
	path_of(path, sizeof(path), "practice3/PIA");
	struct got g = {0};
	struct tb_error err;
	assert_int_equal(fmt_f1ti_import_dir(path, collect, &g, NULL, &err),
			 TB_OK);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(
	    fmt_csv_write_laps(f, &g.sess[0], &g.car[0], g.laps, g.n, &err),
	    TB_OK);
	fclose(f);
	struct got b = {0};
	if (fmt_csv_parse((uint8_t *)buf, len, "pia.csv", NULL, collect, &b,
			  NULL, &err) != TB_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(b.n, g.n);
	for (size_t i = 0; i < g.n; i++)
		assert_true(tb_lap_equal(&g.laps[i], &b.laps[i]));
	assert_memory_equal(&b.sess[0], &g.sess[0], sizeof(g.sess[0]));
	assert_memory_equal(&b.car[0], &g.car[0], sizeof(g.car[0]));
	/* truncations at many points of the real export: error, no lap */
	for (size_t cut = 0; cut + 1 < len; cut += 4099) {
		got_release(&b);
		enum tb_status st =
		    fmt_csv_parse((uint8_t *)buf, cut, "p.csv", NULL, collect,
				  &b, NULL, &err);
		assert_int_not_equal(st, TB_OK);
		assert_int_equal(b.n, 0);
	}
	free(buf);
	got_release(&g);
	got_release(&b);
}

static void test_truncations(void **state)
{
	(void)state;
	char path[2048];
	path_of(path, sizeof(path), "practice3/VER/10_tel.json");
	size_t len = 0;
	uint8_t *raw = tbt_read_file(path, &len);
	assert_non_null(raw);
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_error err;
	assert_int_equal(
	    fmt_f1ti_parse_tel(raw, len, "v.json", 10, &lap, NULL, 0, &err),
	    TB_OK);
	assert_int_equal(lap.n, 703);
	for (size_t cut = 0; cut < len; cut += (cut > len - 64 ? 1 : 61)) {
		enum tb_status st = fmt_f1ti_parse_tel(raw, cut, "v.json", 10,
						       &lap, NULL, 0, &err);
		if (st == TB_OK)
			fail_msg("cut at %zu of %zu parsed", cut, len);
		assert_int_equal(lap.n, 0);
		assert_non_null(strstr(err.msg, "v.json"));
	}
	/* A truncated tel file in a driver folder: nothing imported. */
	char *dir = tbt_tmpdir();
	char drv[512], f[600];
	snprintf(drv, sizeof(drv), "%s/VER", dir);
	mkdir(drv, 0700);
	snprintf(f, sizeof(f), "%s/10_tel.json", drv);
	FILE *o = fopen(f, "wb");
	fwrite(raw, 1, len / 2, o);
	fclose(o);
	struct got g = {0};
	assert_int_equal(fmt_f1ti_import_dir(dir, collect, &g, NULL, &err),
			 TB_ERR_TRUNCATED);
	assert_int_equal(g.n, 0);
	/* Whole file without side files: times unknown, driver from the
	 * folder, lap from the name. */
	o = fopen(f, "wb");
	fwrite(raw, 1, len, o);
	fclose(o);
	assert_int_equal(fmt_f1ti_import_dir(dir, collect, &g, NULL, &err),
			 TB_OK);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.laps[0].lap_time_ms, TB_TIME_UNKNOWN);
	assert_string_equal(g.car[0].driver, "VER");
	assert_int_equal(g.laps[0].lap_number, 10);
	got_release(&g);
	/* A broken laptimes.json fails the import. */
	char lt[600];
	snprintf(lt, sizeof(lt), "%s/laptimes.json", drv);
	o = fopen(lt, "wb");
	fputs("{\"lap\":[10],\"time\":[1,2]}", o);
	fclose(o);
	assert_int_equal(fmt_f1ti_import_dir(dir, collect, &g, NULL, &err),
			 TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "laptimes.json"));
	assert_int_equal(g.n, 0);
	remove(lt);
	remove(f);
	rmdir(drv);
	rmdir(dir);
	free(dir);
	free(raw);
	tb_lap_release(&lap);
}

static void expect_tel_fail(const char *json, enum tb_status want,
			    const char *msg)
{
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_error err;
	enum tb_status st =
	    fmt_f1ti_parse_tel((const uint8_t *)json, strlen(json), "c.json", 1,
			       &lap, NULL, 0, &err);
	if (st != want || !strstr(err.msg, msg))
		fail_msg("'%s': got %s '%s', want %s '%s'", json,
			 tb_status_name(st), err.msg, tb_status_name(want),
			 msg);
	assert_int_equal(lap.n, 0);
	tb_lap_release(&lap);
}

static void test_corruptions(void **state)
{
	(void)state;
	expect_tel_fail("{\"tel\":{\"time\":[0,1],\"speed\":[1]}}",
			TB_ERR_CORRUPT, "tel.speed is not an array of 2");
	expect_tel_fail("{\"tel\":{\"time\":[0,1],\"speed\":[1,\"x\"]}}",
			TB_ERR_CORRUPT, "tel.speed[1] is not a number");
	expect_tel_fail("{\"tel\":{\"time\":[0,1],\"brake\":[0,0.5]}}",
			TB_ERR_RANGE, "tel.brake[1]");
	expect_tel_fail("{\"tel\":{\"time\":[0,1],\"speed\":[1,900]}}",
			TB_ERR_RANGE, "tel.speed[1] = 900");
	expect_tel_fail("{\"tel\":{\"time\":[0,1],\"gear\":[1,2.5]}}",
			TB_ERR_CORRUPT, "whole number");
	expect_tel_fail("{\"tel\":{\"time\":[1,0]}}", TB_ERR_CORRUPT,
			"tel.time[1] is before");
	expect_tel_fail("{\"tel\":{\"time\":[0,\"None\"]}}", TB_ERR_CORRUPT,
			"tel.time[1] is not a number");
	expect_tel_fail("{\"tel\":{\"time\":[]}}", TB_ERR_CORRUPT, "empty");
	expect_tel_fail("{\"tel\":{\"time\":[0],\"time\":[0]}}", TB_ERR_CORRUPT,
			"duplicate");
	expect_tel_fail("{\"tel\":{\"speed\":[0]}}", TB_ERR_FORMAT,
			"tel.time is missing");
	expect_tel_fail("{\"laps\":{}}", TB_ERR_FORMAT, "no \"tel\"");
	expect_tel_fail("[1]", TB_ERR_FORMAT, "root is not an object");
	expect_tel_fail("{\"tel\":{\"time\":[0],\"dataKey\":3}}",
			TB_ERR_CORRUPT, "dataKey");
	expect_tel_fail("{\"tel\":{\"time\":[0]}} x", TB_ERR_CORRUPT, "JSON");

	/* "None" and null are absent samples; a column never present is
	 * dropped; booleans are accepted for brake; drs codes. */
	const char *ok = "{\"tel\":{\"time\":[0,0.5,1],\"speed\":[\"None\","
			 "36,null],\"brake\":[true,false,1],\"drs\":[8,10,"
			 "14],\"rpm\":[null,\"None\",null],\"throttle\":[104,"
			 "50,0]}}";
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_error err;
	char key[16];
	assert_int_equal(fmt_f1ti_parse_tel((const uint8_t *)ok, strlen(ok),
					    "ok", 7, &lap, key, sizeof(key),
					    &err),
			 TB_OK);
	assert_string_equal(key, "");
	assert_int_equal(lap.lap_number, 7);
	assert_false(lap.mask[0] & TB_CHBIT(TB_CH_SPEED));
	assert_true(lap.mask[1] & TB_CHBIT(TB_CH_SPEED));
	assert_true(lap.col[TB_CH_SPEED][1] == 10.0);
	assert_false(lap.chans & TB_CHBIT(TB_CH_RPM));
	assert_true(lap.col[TB_CH_BRAKE][0] == 1.0);
	assert_true(lap.col[TB_CH_DRS][0] == 0.0);
	assert_true(lap.col[TB_CH_DRS][1] == 1.0);
	assert_true(lap.col[TB_CH_THROTTLE][0] == 1.0);
	tb_lap_release(&lap);

	/* laptimes.json and drivers.json parsers */
	struct fmt_f1ti_lapinfo li;
	const char *lt = "{\"lap\":[1,2,3],\"time\":[\"None\",90.5,91],"
			 "\"stint\":[1,1,2],\"s1\":[1,2,3],\"s2\":[1,2,3],"
			 "\"s3\":[1,\"None\",3]}";
	assert_int_equal(fmt_f1ti_parse_laptimes((const uint8_t *)lt,
						 strlen(lt), "lt", 2, &li,
						 &err),
			 TB_OK);
	assert_true(li.found);
	assert_int_equal(li.lap_time_ms, 90500);
	assert_int_equal(li.sector_ms[2], TB_TIME_UNKNOWN);
	assert_int_equal(li.flags, TB_LAP_IN);
	assert_int_equal(fmt_f1ti_parse_laptimes((const uint8_t *)lt,
						 strlen(lt), "lt", 1, &li,
						 &err),
			 TB_OK);
	assert_int_equal(li.flags, TB_LAP_OUT);
	assert_int_equal(fmt_f1ti_parse_laptimes((const uint8_t *)lt,
						 strlen(lt), "lt", 9, &li,
						 &err),
			 TB_OK);
	assert_false(li.found);
	const char *bad = "{\"lap\":[1],\"time\":[-4]}";
	assert_int_equal(fmt_f1ti_parse_laptimes((const uint8_t *)bad,
						 strlen(bad), "lt", 1, &li,
						 &err),
			 TB_ERR_CORRUPT);
	int idx;
	char team[32];
	const char *dj = "{\"drivers\":[{\"driver\":\"A\",\"team\":\"X\"},"
			 "{\"driver\":\"B\",\"team\":\"Y\"}]}";
	assert_int_equal(fmt_f1ti_parse_drivers((const uint8_t *)dj, strlen(dj),
						"d", "B", &idx, team,
						sizeof(team), &err),
			 TB_OK);
	assert_int_equal(idx, 1);
	assert_string_equal(team, "Y");
	const char *dbad = "{\"drivers\":[{\"driver\":3}]}";
	assert_int_equal(fmt_f1ti_parse_drivers((const uint8_t *)dbad,
						strlen(dbad), "d", "B", &idx,
						team, sizeof(team), &err),
			 TB_ERR_CORRUPT);
}

static void test_sniff(void **state)
{
	(void)state;
	const char *files[] = {
	    "practice3/PIA/107_tel.json", "practice3/PIA/laptimes.json",
	    "practice3/drivers.json", "practice3/corners.json"};
	for (int i = 0; i < 4; i++) {
		char path[2048];
		path_of(path, sizeof(path), files[i]);
		size_t len = 0;
		uint8_t *raw = tbt_read_file(path, &len);
		assert_non_null(raw);
		size_t n = len < 4096 ? len : 4096;
		assert_int_equal(fmt_f1ti_sniff(raw, n, path), i == 0);
		assert_false(fmt_csv_sniff(raw, n, path));
		free(raw);
	}
	assert_true(fmt_f1ti_sniff((const uint8_t *)" {\n \"tel\" : { \"t\" :"
						    " [",
				   28, NULL));
	assert_false(fmt_f1ti_sniff((const uint8_t *)"{\"tel\":{}}", 10, NULL));
	assert_false(fmt_f1ti_sniff((const uint8_t *)"time,speed\n", 11, NULL));
	uint8_t bin[4096];
	srand(5);
	for (int k = 0; k < 100; k++) {
		for (size_t i = 0; i < sizeof(bin); i++)
			bin[i] = (uint8_t)rand();
		assert_false(fmt_f1ti_sniff(bin, sizeof(bin), NULL));
	}
}

static void test_mutations_and_alloc(void **state)
{
	(void)state;
	char path[2048];
	path_of(path, sizeof(path), "practice3/HAM/8_tel.json");
	size_t len = 0;
	uint8_t *raw = tbt_read_file(path, &len);
	uint8_t *m = malloc(len);
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_error err;
	srand(3);
	for (int k = 0; k < 300; k++) {
		memcpy(m, raw, len);
		for (int f = 0; f < 4; f++)
			m[rand() % (int)len] =
			    (uint8_t) "0123456789-.,:[]{}\"eN"[rand() % 21];
		enum tb_status st =
		    fmt_f1ti_parse_tel(m, len, "m", 8, &lap, NULL, 0, &err);
		if (st != TB_OK)
			assert_int_equal(lap.n, 0);
	}
	bool passed = false;
	for (long n = 1; n < 100 && !passed; n++) {
		tb_fault_fail_alloc_after(n);
		enum tb_status st =
		    fmt_f1ti_parse_tel(raw, len, "a", 8, &lap, NULL, 0, &err);
		tb_fault_fail_alloc_after(0);
		if (st == TB_OK)
			passed = true;
		else
			assert_int_equal(st, TB_ERR_NOMEM);
	}
	assert_true(passed);
	tb_lap_release(&lap);
	free(m);
	free(raw);
}

int main(void)
{
	const char *d = tbt_data_or_skip("test_f1ti");
	snprintf(root, sizeof(root), "%s/f1-2026-testing-tracinginsights", d);
	if (access(root, R_OK) != 0) {
		printf("SKIP: %s is absent\n", root);
		return TB_SKIP_CODE;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fastest_laps),
	    cmocka_unit_test(test_one_lap_values),
	    cmocka_unit_test(test_long_run),
	    cmocka_unit_test(test_whole_folder),
	    cmocka_unit_test(test_csv_roundtrip_real),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_corruptions),
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_mutations_and_alloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_ibt_data.c - the shared iRacing recordings: the disk file
 * (valid_test_file.ibt) comes out with the README's header, track, car
 * and channel values and every truncation of it is an error; the live
 * memory snapshot (live_test_file.ibt) parses with its newest buffer as
 * the one row and is refused by the importer. Skips (77) without
 * TRAILBRAKE_DATA. */
#include "ibt_test.h"

#define DIR_NAME "iracing-ibt-teamjorge"
#define VALID	 "valid_test_file.ibt"
#define LIVE	 "live_test_file.ibt"

static char *data_path(const char *name, char *buf, size_t cap)
{
	const char *d = tbt_data_or_skip("test_ibt_data");
	snprintf(buf, cap, "%s/%s/%s", d, DIR_NAME, name);
	return buf;
}

static uint8_t *load_data(const char *name, size_t *len)
{
	char p[1200];
	uint8_t *b = tbt_read_file(data_path(name, p, sizeof(p)), len);
	if (!b)
		fail_msg("cannot read %s", p);
	return b;
}

static void test_real_header(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = load_data(VALID, &len);
	assert_int_equal(len, 471844);
	struct ibt_file *f;
	struct tb_error err = {0};
	assert_int_equal(ibt_parse(b, len, VALID, &f, &err), TB_OK);
	const struct ibt_info *in = ibt_info(f);
	assert_int_equal(in->version, 2);
	assert_int_equal(in->tick_rate, 60);
	assert_int_equal(in->n_vars, 276);
	assert_int_equal(in->n_bufs, 1);
	assert_int_equal(in->buf_len, 1072);
	assert_int_equal(in->n_rows, 390);
	assert_int_equal(in->record_count, 390);
	assert_int_equal(in->row_offset, 53764);
	assert_int_equal(in->lap_count, 1);
	assert_int_equal(in->start_date, 1719258336);
	assert_near(in->start_time, 932.000000635264, 1e-9);
	assert_near(in->end_time, 938.4833339685914, 1e-9);
	assert_false(in->live);

	const struct ibt_var *v = ibt_var_find(f, "Speed");
	assert_non_null(v);
	assert_int_equal(v->type, IBT_FLOAT);
	assert_int_equal(v->offset, 302);
	assert_int_equal(v->count, 1);
	assert_string_equal(v->unit, "m/s");
	assert_string_equal(v->desc, "GPS vehicle speed");
	v = ibt_var_find(f, "SessionTime");
	assert_int_equal(v->type, IBT_DOUBLE);
	assert_int_equal(v->offset, 0);
	v = ibt_var_find(f, "Gear");
	assert_int_equal(v->type, IBT_INT);
	assert_int_equal(v->offset, 201); /* unaligned */
	v = ibt_var_find(f, "OnPitRoad");
	assert_int_equal(v->type, IBT_BOOL);
	v = ibt_var_find(f, "SessionFlags");
	assert_int_equal(v->type, IBT_BITFIELD);
	v = ibt_var_find(f, "Lat");
	assert_int_equal(v->type, IBT_DOUBLE);
	assert_string_equal(v->unit, "deg");
	v = ibt_var_find(f, "Clutch");
	assert_string_equal(v->desc, "0=disengaged to 1=fully engaged");
	assert_null(ibt_var_find(f, "NoSuchVariable"));
	assert_non_null(ibt_var_at(f, 275));
	assert_null(ibt_var_at(f, 276));
	/* every variable sits inside the row */
	for (size_t i = 0; i < in->n_vars; i++) {
		v = ibt_var_at(f, i);
		assert_true(v->offset + v->count * ibt_type_size(v->type) <=
			    1072);
	}
	ibt_destroy(f);
	free(b);
}

static void test_real_values(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = load_data(VALID, &len);
	struct ibt_file *f;
	assert_int_equal(ibt_parse(b, len, VALID, &f, NULL), TB_OK);
#define VAL(name, row) ibt_value(f, ibt_var_find(f, name), row, 0)
	assert_near(VAL("SessionTime", 0), 932.000000635264, 1e-12);
	assert_near(VAL("SessionTime", 389), 938.4833339685914, 1e-12);
	assert_near(VAL("SessionTick", 0), 56320, 0);
	assert_near(VAL("SessionTick", 389), 56709, 0);
	for (size_t r = 0; r < 390; r += 13) {
		assert_near(VAL("Lap", r), 9, 0);
		assert_near(VAL("LapCompleted", r), 8, 0);
		assert_near(VAL("LapLastLapTime", r), -1, 0);
		assert_near(VAL("OnPitRoad", r), 1, 0);
	}
	assert_near(VAL("LapBestLapTime", 0), 68.67109680175781, 1e-9);
	assert_near(VAL("LapDist", 0), 236.5242919921875, 1e-9);
	assert_near(VAL("Speed", 200), 0.8739675283432007, 1e-12);
	assert_near(VAL("SteeringWheelAngle", 0), -3.804598569869995, 1e-9);
	assert_near(VAL("SteeringWheelAngleMax", 0), 7.330376625061035, 1e-9);
	assert_near(VAL("RPM", 200), 4054.72021484375, 1e-9);
	assert_near(VAL("Gear", 100), 1, 0);
	assert_near(VAL("VertAccel", 100), 9.805956840515137, 1e-9);
	assert_near(VAL("FuelLevel", 0), 60, 0);
	assert_near(VAL("LFpressure", 0), 165.47401428222656, 1e-9);
	assert_near(VAL("Clutch", 0), 0, 0);
	assert_near(VAL("ClutchRaw", 0), 1, 0);
#undef VAL
	/* out of range: NAN, never a read */
	const struct ibt_var *v = ibt_var_find(f, "Speed");
	assert_true(isnan(ibt_value(f, v, 390, 0)));
	assert_true(isnan(ibt_value(f, v, 0, 1)));
	assert_null(ibt_row(f, 390));
	/* the one array of the disk file: 6 sub-samples at 360 Hz */
	v = ibt_var_find(f, "SteeringWheelTorque_ST");
	assert_int_equal(v->count, 6);
	assert_true(v->count_as_time);
	assert_string_equal(v->unit, "N*m");
	assert_false(isnan(ibt_value(f, v, 0, 5)));
	assert_true(isnan(ibt_value(f, v, 0, 6)));
	ibt_destroy(f);
	free(b);
}

static void test_real_yaml(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = load_data(VALID, &len);
	struct ibt_file *f;
	assert_int_equal(ibt_parse(b, len, VALID, &f, NULL), TB_OK);
	const struct ibt_yaml *y = ibt_session(f);
	size_t tl;
	const char *text = ibt_session_text(f, &tl);
	assert_int_equal(tl, 13876);
	assert_int_equal(strncmp(text, "---\nWeekendInfo:", 16), 0);
#define S(path) ibt_yaml_str(y, ibt_yaml_get(y, 0, path))
	assert_string_equal(S("WeekendInfo.TrackName"), "spielberg gp");
	assert_string_equal(S("WeekendInfo.TrackDisplayName"), "Red Bull Ring");
	assert_string_equal(S("WeekendInfo.TrackConfigName"), "Grand Prix");
	assert_string_equal(S("WeekendInfo.TrackID"), "403");
	assert_string_equal(S("WeekendInfo.EventType"), "Test");
	assert_string_equal(S("WeekendInfo.WeekendOptions.TimeOfDay"),
			    "12:00 pm");
	assert_string_equal(S("WeekendInfo.TelemetryOptions.TelemetryDiskFile"),
			    "");
	double v;
	const char *unit;
	assert_true(ibt_yaml_num(
	    y, ibt_yaml_get(y, 0, "WeekendInfo.TrackLength"), &v, &unit));
	assert_near(v, 4.28, 1e-12);
	assert_string_equal(unit, "km");
	assert_string_equal(S("SessionInfo.Sessions[0].SessionType"),
			    "Offline Testing");
	assert_string_equal(S("SessionInfo.Sessions[0].SessionNum"), "0");
	assert_string_equal(
	    S("SessionInfo.Sessions[0].ResultsPositions[0].LapsComplete"), "8");
	assert_string_equal(
	    S("SessionInfo.Sessions[0].ResultsPositions[0].FastestTime"),
	    "68.6711");
	assert_string_equal(
	    S("SessionInfo.Sessions[0].ResultsPositions[0].LastTime"),
	    "-1.0000");
	assert_string_equal(
	    S("SessionInfo.Sessions[0].ResultsFastestLap[0].FastestLap"), "4");
	assert_string_equal(S("SessionInfo.Sessions[0].ResultsOfficial"), "0");
	assert_int_equal(
	    ibt_yaml_n_children(y, ibt_yaml_get(y, 0, "SessionInfo.Sessions")),
	    1);
	assert_string_equal(S("DriverInfo.DriverCarIdx"), "0");
	assert_string_equal(S("DriverInfo.DriverCarFuelKgPerLtr"), "0.750");
	int drivers = ibt_yaml_get(y, 0, "DriverInfo.Drivers");
	int d = ibt_yaml_item_where(y, drivers, "CarIdx", "0");
	assert_true(d > 0);
	assert_string_equal(ibt_yaml_str(y, ibt_yaml_get(y, d, "UserName")),
			    "George v Rensburg");
	assert_string_equal(
	    ibt_yaml_str(y, ibt_yaml_get(y, d, "CarScreenName")),
	    "Mercedes-AMG W13 E Performance");
	assert_string_equal(
	    ibt_yaml_str(y, ibt_yaml_get(y, d, "CarScreenNameShort")),
	    "Mercedes W13");
	assert_string_equal(
	    ibt_yaml_str(y, ibt_yaml_get(y, d, "CarClassShortName")), "");
	assert_string_equal(ibt_yaml_str(y, ibt_yaml_get(y, d, "CarNumber")),
			    "64"); /* quoted in the file */
	assert_int_equal(ibt_yaml_item_where(y, drivers, "CarIdx", "1"), -1);
	int sec = ibt_yaml_get(y, 0, "SplitTimeInfo.Sectors");
	assert_int_equal(ibt_yaml_n_children(y, sec), 3);
	assert_string_equal(S("SplitTimeInfo.Sectors[1].SectorStartPct"),
			    "0.271918");
	assert_string_equal(S("SplitTimeInfo.Sectors[2].SectorStartPct"),
			    "0.668198");
	assert_string_equal(
	    S("RadioInfo.Radios[0].Frequencies[2].FrequencyName"), "@TEAM");
	assert_string_equal(S("CameraInfo.Groups[0].Cameras[0].CameraName"),
			    "CamNose");
	assert_string_equal(S("CarSetup.TiresAero.LeftFrontTire.LastTempsOMI"),
			    "89C, 96C, 101C");
	assert_string_equal(S("CarSetup.Chassis.Rear.FuelLevel"), "45 Kg");
	/* absent keys: unknown, never a crash */
	assert_int_equal(ibt_yaml_get(y, 0, "WeekendInfo.NoSuchKey"), -1);
	assert_int_equal(ibt_yaml_get(y, 0, "SessionInfo.Sessions[5]"), -1);
	assert_int_equal(ibt_yaml_get(y, 0, "SessionInfo.Sessions[x]"), -1);
	assert_null(S("Nothing.Here"));
	assert_false(ibt_yaml_num(y, -1, &v, NULL));
#undef S
	ibt_destroy(f);
	free(b);
}

static void test_real_import(void **state)
{
	(void)state;
	char p[1200];
	struct sink s = {0};
	struct tb_error err = {0};
	data_path(VALID, p, sizeof(p));
	assert_ptr_equal(fmt_detect(p, &err), &fmt_importer_ibt);
	enum tb_status st = fmt_importer_ibt.import(p, take, &s, NULL, &err);
	if (st != TB_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(s.n, 1);
	const struct tb_session_info *si = &s.si[0];
	assert_int_equal(si->game, TB_GAME_IRACING);
	assert_string_equal(si->track, "Red Bull Ring");
	assert_string_equal(si->layout, "Grand Prix");
	assert_int_equal(si->track_id, 403);
	assert_near(si->track_length_m, 4280, 1e-9);
	assert_int_equal(si->kind, TB_SESSION_PRACTICE); /* Offline Testing */
	assert_int_equal(si->car_class, TB_CLASS_F1);
	assert_int_equal(si->air_temp_c, 24);	/* 23.89 C */
	assert_int_equal(si->track_temp_c, 39); /* 38.89 C */
	assert_int_equal(si->start_unix_ms, 1719258336000ll);
	assert_int_equal(s.car[0].car_index, 0);
	assert_string_equal(s.car[0].driver, "George v Rensburg");
	assert_int_equal(s.car[0].race_number, 64);
	assert_false(s.car[0].ai);
	assert_string_equal(s.meta[0].source, "iracing-ibt");
	assert_string_equal(s.meta[0].car, "Mercedes-AMG W13 E Performance");
	assert_false(s.meta[0].reference);

	const struct tb_lap *l = &s.laps[0];
	assert_int_equal(l->lap_number, 9);
	assert_int_equal(l->n, 390);
	assert_int_equal(l->lap_time_ms, TB_TIME_UNKNOWN);
	assert_true(l->flags & TB_LAP_INCOMPLETE);
	assert_true(l->flags & TB_LAP_PIT); /* on pit road throughout */
	assert_true(l->flags & TB_LAP_OUT);
	assert_true(l->flags & TB_LAP_IN);
	struct tb_frame fr;
	tb_lap_frame(l, 0, &fr);
	assert_near(fr.v[TB_CH_TIME], 932.000000635264, 1e-12);
	assert_near(fr.v[TB_CH_LAP_TIME], 37.66189956665039, 1e-9);
	assert_near(fr.v[TB_CH_LAP_DIST], 236.5242919921875, 1e-9);
	assert_near(fr.v[TB_CH_BRAKE], 1, 0);
	assert_near(fr.v[TB_CH_THROTTLE], 0, 0);
	assert_near(fr.v[TB_CH_CLUTCH], 1, 0); /* Clutch 0 = disengaged */
	/* -(-3.8046 rad) / 7.3304 rad: wheel turned right */
	assert_near(fr.v[TB_CH_STEER], 3.804598569869995 / 7.330376625061035,
		    1e-9);
	assert_near(fr.v[TB_CH_GEAR], 0, 0);
	assert_near(fr.v[TB_CH_RPM], 300, 0);
	assert_near(fr.v[TB_CH_FUEL], 45, 1e-9); /* 60 l x 0.75 kg/l */
	assert_near(fr.v[TB_CH_TYRE_PRESS_FL], 165.47401428222656, 1e-9);
	assert_near(fr.v[TB_CH_TYRE_PRESS_RL], 144.790009, 1e-5);
	assert_near(fr.v[TB_CH_TYRE_SURF_FL], 69.90805053710938, 1e-9);
	assert_near(fr.v[TB_CH_TYRE_INNER_FL], 87.5858154296875, 1e-9);
	assert_near(fr.v[TB_CH_ENGINE_TEMP], 77, 0);
	assert_near(fr.v[TB_CH_ERS_STORE], 4e6, 1);
	assert_near(fr.v[TB_CH_SECTOR], 0, 0); /* 0.055 < 0.271918 */
	assert_near(fr.v[TB_CH_DRS], 0, 0);
	tb_lap_frame(l, 100, &fr);
	assert_near(fr.v[TB_CH_G_VERT], 9.805956840515137 / 9.80665, 1e-9);
	assert_near(fr.v[TB_CH_G_LAT], 0.20328453183174133 / 9.80665, 1e-9);
	assert_near(fr.v[TB_CH_G_LON], 0.08271382749080658 / 9.80665, 1e-9);
	assert_near(fr.v[TB_CH_GEAR], 1, 0);
	tb_lap_frame(l, 200, &fr);
	assert_near(fr.v[TB_CH_SPEED], 0.8739675283432007, 1e-12);
	assert_near(fr.v[TB_CH_RPM], 4054.72021484375, 1e-9);
	assert_near(fr.v[TB_CH_YAW], -2.867187023162842, 1e-9);
	tb_lap_frame(l, 389, &fr);
	assert_near(fr.v[TB_CH_TIME], 938.4833339685914, 1e-12);
	assert_near(fr.v[TB_CH_LAP_TIME], 44.145233154296875, 1e-9);
	/* at rest the vertical channel reads about 1 g, as F1's */
	assert_near(fr.v[TB_CH_G_VERT], 1, 0.01);
	/* not in the file, or not canonical: absent, not zero */
	static const enum tb_channel absent[] = {
	    TB_CH_POS_X,      TB_CH_POS_Y,	   TB_CH_POS_Z,
	    TB_CH_VEL_X,      TB_CH_VEL_Y,	   TB_CH_VEL_Z,
	    TB_CH_TOTAL_DIST, TB_CH_BRAKE_TEMP_FL, TB_CH_BRAKE_TEMP_RR,
	    TB_CH_ERS_MODE};
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		assert_false(l->chans & TB_CHBIT(absent[i]));
		assert_false(fr.mask & TB_CHBIT(absent[i]));
	}
	sink_release(&s);
}

/* ------------------------------------------------------------------ */
/* The live snapshot: parsed (newest buffer as one row), never imported. */

static void test_live_snapshot(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = load_data(LIVE, &len);
	assert_int_equal(len, 1191936);
	assert_true(fmt_importer_ibt.sniff(b, 8192, NULL));
	struct ibt_file *f;
	struct tb_error err = {0};
	assert_int_equal(ibt_parse(b, len, LIVE, &f, &err), TB_OK);
	const struct ibt_info *in = ibt_info(f);
	assert_true(in->live);
	assert_int_equal(in->n_bufs, 3);
	assert_int_equal(in->n_vars, 323);
	assert_int_equal(in->buf_len, 8154);
	assert_int_equal(in->n_rows, 1);
	assert_int_equal(in->newest_tick, 2005);
	assert_int_equal(in->row_offset, 1138800);
	assert_int_equal(in->record_count, 0); /* sub-header not trusted */
	assert_near(ibt_value(f, ibt_var_find(f, "SessionTick"), 0, 0), 3443,
		    0);
	assert_near(ibt_value(f, ibt_var_find(f, "SessionTime"), 0, 0),
		    53.14999923705867, 1e-12);
	assert_near(ibt_value(f, ibt_var_find(f, "Speed"), 0, 0), 0, 0);
	const struct ibt_yaml *y = ibt_session(f);
	assert_string_equal(
	    ibt_yaml_str(y, ibt_yaml_get(y, 0, "WeekendInfo.TrackDisplayName")),
	    "Autodromo Nazionale Monza");
	size_t tl;
	ibt_session_text(f, &tl);
	assert_int_equal(tl, 15146); /* up to the NUL padding */
	ibt_destroy(f);
	free(b);

	char p[1200];
	struct sink s = {0};
	data_path(LIVE, p, sizeof(p));
	assert_ptr_equal(fmt_detect(p, &err), &fmt_importer_ibt);
	assert_int_equal(fmt_importer_ibt.import(p, take, &s, NULL, &err),
			 TB_ERR_UNSUPPORTED);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(err.msg, LIVE));
	assert_non_null(strstr(err.msg, "live memory map"));
}

/* Every truncation of the real file is an error naming the file. */
static void test_real_truncations(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = load_data(VALID, &len);
	struct tb_error err;
	size_t n_cut = 0;
	for (size_t n = 0; n < len; n += (n < 4096    ? 1
					  : n < 60000 ? 61
						      : 997)) {
		err.msg[0] = '\0';
		enum tb_status st = parse_exact(b, n, &err);
		if (st != TB_ERR_TRUNCATED)
			fail_msg("cut at %zu: %s (%s)", n, tb_status_name(st),
				 err.msg);
		assert_non_null(strstr(err.msg, "cut.ibt"));
		n_cut++;
	}
	assert_true(n_cut > 5000);
	/* through the importer, at region edges */
	static const size_t cuts[] = {0,     1,	    111,   112,	  143,
				      144,   40000, 39887, 39888, 53763,
				      53764, 53765, 54836, 471843};
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct sink s = {0};
		enum tb_status st = import_buf(b, cuts[i], &s, &err);
		assert_int_not_equal(st, TB_OK);
		assert_int_equal(s.n, 0);
		assert_non_null(strstr(err.msg, "f.ibt"));
	}
	free(b);
}

int main(void)
{
	tbt_data_or_skip("test_ibt_data");
	char *t = tbt_tmpdir();
	if (!t)
		return 1;
	snprintf(g_tmp, sizeof(g_tmp), "%s", t);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_header),
	    cmocka_unit_test(test_real_values),
	    cmocka_unit_test(test_real_yaml),
	    cmocka_unit_test(test_real_import),
	    cmocka_unit_test(test_live_snapshot),
	    cmocka_unit_test(test_real_truncations),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[320];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	free(t);
	return rc;
}

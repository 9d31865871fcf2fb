/* test_ibt.c - iRacing .ibt without recordings: hand-made files
 * round-trip through the builder and the importer (laps split on Lap and
 * SessionNum, lap times from LapLastLapTime, latin-1 names); every
 * truncation, corrupted header or pointer, random bytes and failed
 * allocation is a clear error that hands no lap over; the YAML reader
 * reads iRacing's subset and survives malformed text. */
#include "ibt_test.h"

/* ------------------------------------------------------------------ */
/* Hand-made files. Row layout (bufLen 64, unaligned on purpose):
 *   @0 SessionTime double  @8 Lap int  @12 SessionNum int
 *   @17 LapLastLapTime float  @21 Speed float  @25 OnPitRoad bool
 *   @26 Clutch float  @30 SteeringWheelAngle float
 *   @34 SteeringWheelAngleMax float  @38 Flags bitfield
 *   @42 Name char[4]  @46 Arr float[3]  @58 FuelLevel float
 *   @62 Gear char? no: Gear int would not fit; @62 Bool2 bool */

#define ROW_LEN 64
#define TICK	60

static const struct ibt_var small_vars[] = {
    {"SessionTime", "s", "Seconds since session start", IBT_DOUBLE, 0, 1,
     false},
    {"Lap", "", "Laps started count", IBT_INT, 8, 1, false},
    {"SessionNum", "", "Session number", IBT_INT, 12, 1, false},
    {"LapLastLapTime", "s", "Players last lap time", IBT_FLOAT, 17, 1, false},
    {"Speed", "m/s", "GPS vehicle speed", IBT_FLOAT, 21, 1, false},
    {"OnPitRoad", "", "pit", IBT_BOOL, 25, 1, false},
    {"Clutch", "%", "0=disengaged to 1=fully engaged", IBT_FLOAT, 26, 1, false},
    {"SteeringWheelAngle", "rad", "", IBT_FLOAT, 30, 1, false},
    {"SteeringWheelAngleMax", "rad", "", IBT_FLOAT, 34, 1, false},
    {"Flags", "irsdk_Flags", "\xb0 bits", IBT_BITFIELD, 38, 1, false},
    {"Name", "", "", IBT_CHAR, 42, 4, false},
    {"Arr", "C", "", IBT_FLOAT, 46, 3, false},
    {"FuelLevel", "l", "", IBT_FLOAT, 58, 1, false},
    {"Bool2", "", "", IBT_BOOL, 62, 1, true},
};
#define N_SMALL_VARS (sizeof(small_vars) / sizeof(small_vars[0]))

static const char small_yaml[] = "---\n"
				 "WeekendInfo:\n"
				 " TrackName: test oval\n"
				 " TrackID: 7\n"
				 " TrackLength: 2.50 mi\n"
				 " TrackDisplayName: \"Test \\\"Oval\\\"\"\n"
				 " TrackConfigName: \n"
				 "SessionInfo:\n"
				 " Sessions:\n"
				 " - SessionNum: 0\n"
				 "   SessionType: Lone Qualify\n"
				 " - SessionNum: 1\n"
				 "   SessionType: Race\n"
				 "DriverInfo:\n"
				 " DriverCarIdx: 2\n"
				 " Drivers:\n"
				 " - CarIdx: 0\n"
				 "   UserName: Someone Else\n"
				 " - CarIdx: 2\n"
				 "   UserName: J\xf6rg M\xfcller\n"
				 "   CarScreenName: Porsche 911 GT3 R\n"
				 "   CarClassShortName: GT3 Class\n"
				 "   CarNumberRaw: 17\n"
				 "   CarIsAI: 1\n"
				 "SplitTimeInfo:\n"
				 " Sectors:\n"
				 " - SectorNum: 0\n"
				 "   SectorStartPct: 0.000000\n"
				 "...\n";

/* Rows: session 0, lap 1 (from mid-lap) to row 9, lap 2 rows 10..29
 * (its time 20.125 s appears in LapLastLapTime 3 rows after the line),
 * lap 3 rows 30..39 in session 0, then session 1 lap 1 rows 40..44. */
#define SMALL_ROWS 45
static void small_rows(uint8_t *rows)
{
	memset(rows, 0, SMALL_ROWS * ROW_LEN);
	for (int r = 0; r < SMALL_ROWS; r++) {
		uint8_t *p = rows + r * ROW_LEN;
		int lap = r < 10 ? 1 : r < 30 ? 2 : r < 40 ? 3 : 1;
		float last = r < 13 ? -1.0f : r < 33 ? 19.5f : 20.125f;
		if (r >= 40)
			last = -1.0f;
		tb_st_f64le(p + 0, 100.0 + r / (double)TICK);
		tb_st_u32le(p + 8, (uint32_t)lap);
		tb_st_u32le(p + 12, r < 40 ? 0 : 1);
		tb_st_f32le(p + 17, last);
		tb_st_f32le(p + 21, 10.0f + (float)r);
		p[25] = r < 3;
		tb_st_f32le(p + 26, 0.25f);
		tb_st_f32le(p + 30, r == 5 ? -9.0f : 0.5f);
		tb_st_f32le(p + 34, 2.0f);
		tb_st_u32le(p + 38, 0x80000001u);
		memcpy(p + 42, "abcd", 4);
		tb_st_f32le(p + 46, 1.5f);
		tb_st_f32le(p + 50, (float)r);
		tb_st_f32le(p + 54, -2.5f);
		tb_st_f32le(p + 58, 30.0f);
		p[62] = 7;
	}
}

static void build_small(struct tb_buf *out, const struct ibt_var *vars,
			size_t n_vars, const char *yaml)
{
	static uint8_t rows[SMALL_ROWS * ROW_LEN];
	small_rows(rows);
	struct ibt_build b = {
	    .vars = vars,
	    .n_vars = n_vars,
	    .yaml = yaml,
	    .yaml_len = yaml ? strlen(yaml) : 0,
	    .rows = rows,
	    .n_rows = SMALL_ROWS,
	    .buf_len = ROW_LEN,
	    .tick_rate = TICK,
	    .start_date = 1700000000,
	    .start_time = 100.0,
	    .end_time = 100.0 + (SMALL_ROWS - 1) / (double)TICK,
	    .lap_count = 3,
	};
	tb_buf_init(out, 1 << 20);
	assert_int_equal(ibt_build(&b, out), TB_OK);
}

static void test_build_round_trip(void **state)
{
	(void)state;
	struct tb_buf buf;
	build_small(&buf, small_vars, N_SMALL_VARS, small_yaml);
	assert_true(fmt_importer_ibt.sniff(buf.data, buf.len, NULL));
	struct ibt_file *f;
	struct tb_error err = {0};
	assert_int_equal(ibt_parse(buf.data, buf.len, "small", &f, &err),
			 TB_OK);
	const struct ibt_info *in = ibt_info(f);
	assert_int_equal(in->n_rows, SMALL_ROWS);
	assert_int_equal(in->n_vars, N_SMALL_VARS);
	assert_int_equal(in->tick_rate, TICK);
	assert_int_equal(in->start_date, 1700000000);
	for (size_t i = 0; i < N_SMALL_VARS; i++) {
		const struct ibt_var *v = ibt_var_at(f, i);
		assert_string_equal(v->name, small_vars[i].name);
		assert_int_equal(v->type, small_vars[i].type);
		assert_int_equal(v->offset, small_vars[i].offset);
		assert_int_equal(v->count, small_vars[i].count);
		assert_int_equal(v->count_as_time, small_vars[i].count_as_time);
	}
	assert_string_equal(ibt_var_find(f, "Flags")->desc,
			    "\xc2\xb0 bits"); /* latin-1 degree sign */
	assert_true(ibt_var_find(f, "Bool2")->count_as_time);
	const struct ibt_var *name = ibt_var_find(f, "Name");
	assert_near(ibt_value(f, name, 3, 1), 'b', 0);
	assert_near(ibt_value(f, ibt_var_find(f, "Bool2"), 3, 0), 1, 0);
	assert_near(ibt_value(f, ibt_var_find(f, "Flags"), 3, 0), 0x80000001u,
		    0);
	assert_near(ibt_value(f, ibt_var_find(f, "Arr"), 7, 1), 7, 0);
	assert_near(ibt_value(f, ibt_var_find(f, "Arr"), 7, 2), -2.5, 0);
	assert_near(ibt_value(f, ibt_var_find(f, "Lap"), 35, 0), 3, 0);
	const struct ibt_yaml *y = ibt_session(f);
	assert_string_equal(
	    ibt_yaml_str(y, ibt_yaml_get(y, 0, "WeekendInfo.TrackDisplayName")),
	    "Test \"Oval\"");
	assert_string_equal(
	    ibt_yaml_str(y,
			 ibt_yaml_get(y, 0, "DriverInfo.Drivers[1].UserName")),
	    "J\xc3\xb6rg M\xc3\xbcller");
	ibt_destroy(f);

	/* the importer: laps split on Lap and SessionNum */
	struct sink s = {0};
	assert_int_equal(import_buf(buf.data, buf.len, &s, &err), TB_OK);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.laps[0].lap_number, 1);
	assert_int_equal(s.laps[0].n, 10);
	assert_true(s.laps[0].flags & TB_LAP_INCOMPLETE);
	assert_true(s.laps[0].flags & TB_LAP_OUT);
	assert_true(s.laps[0].flags & TB_LAP_PIT);
	assert_false(s.laps[0].flags & TB_LAP_IN);
	/* lap 1 ended at the line: its time is the new LapLastLapTime */
	assert_int_equal(s.laps[0].lap_time_ms, 19500);
	assert_int_equal(s.laps[1].lap_number, 2);
	assert_int_equal(s.laps[1].n, 20);
	assert_int_equal(s.laps[1].flags, 0);
	assert_int_equal(s.laps[1].lap_time_ms, 20125);
	assert_int_equal(s.laps[2].lap_number, 3);
	assert_true(s.laps[2].flags & TB_LAP_INCOMPLETE); /* session ends */
	assert_int_equal(s.laps[2].lap_time_ms, TB_TIME_UNKNOWN);
	assert_int_equal(s.laps[3].lap_number, 1);
	assert_int_equal(s.laps[3].n, 5);
	assert_true(s.laps[3].flags & TB_LAP_INCOMPLETE);
	assert_int_equal(s.si[0].kind, TB_SESSION_QUALIFYING);
	assert_int_equal(s.si[3].kind, TB_SESSION_RACE);
	assert_true(s.si[0].source_uid == s.si[2].source_uid);
	assert_true(s.si[0].source_uid != s.si[3].source_uid);
	assert_string_equal(s.si[0].track, "Test \"Oval\"");
	assert_string_equal(s.si[0].layout, "");
	assert_near(s.si[0].track_length_m, 2.5 * 1609.344, 1e-9);
	assert_int_equal(s.si[0].car_class, TB_CLASS_GT3);
	assert_int_equal(s.car[0].car_index, 2);
	assert_string_equal(s.car[0].driver, "J\xc3\xb6rg M\xc3\xbcller");
	assert_int_equal(s.car[0].race_number, 17);
	assert_true(s.car[0].ai);
	assert_string_equal(s.meta[0].car, "Porsche 911 GT3 R");
	assert_int_equal(s.laps[1].car_index, 2);
	struct tb_frame fr;
	tb_lap_frame(&s.laps[0], 5, &fr);
	assert_near(fr.v[TB_CH_TIME], 100.0 + 5 / 60.0, 1e-12);
	assert_near(fr.v[TB_CH_SPEED], 15, 0);
	assert_near(fr.v[TB_CH_CLUTCH], 0.75, 0);
	assert_near(fr.v[TB_CH_STEER], 1, 0); /* 9 rad right, clamped */
	assert_near(fr.v[TB_CH_SECTOR], 0, 0);
	tb_lap_frame(&s.laps[0], 6, &fr);
	assert_near(fr.v[TB_CH_STEER], -0.25, 0);
	/* no fuel density in the YAML: fuel (kg) absent, not litres */
	assert_false(s.laps[0].chans & TB_CHBIT(TB_CH_FUEL));
	/* no such variables: absent */
	assert_false(s.laps[0].chans & TB_CHBIT(TB_CH_RPM));
	assert_false(s.laps[0].chans & TB_CHBIT(TB_CH_LAP_DIST));
	sink_release(&s);
	tb_buf_release(&buf);
}

/* Without SteeringWheelAngleMax the steer channel is absent; a YAML-less
 * file still imports, everything unknown. */
static void test_build_minimal(void **state)
{
	(void)state;
	struct ibt_var vars[N_SMALL_VARS];
	size_t n = 0;
	for (size_t i = 0; i < N_SMALL_VARS; i++)
		if (strcmp(small_vars[i].name, "SteeringWheelAngleMax"))
			vars[n++] = small_vars[i];
	struct tb_buf buf;
	build_small(&buf, vars, n, NULL);
	struct sink s = {0};
	struct tb_error err = {0};
	assert_int_equal(import_buf(buf.data, buf.len, &s, &err), TB_OK);
	assert_int_equal(s.n, 4);
	assert_false(s.laps[0].chans & TB_CHBIT(TB_CH_STEER));
	assert_true(s.laps[0].chans & TB_CHBIT(TB_CH_SPEED));
	assert_false(s.laps[0].chans & TB_CHBIT(TB_CH_SECTOR));
	assert_string_equal(s.si[0].track, "");
	assert_int_equal(s.si[0].track_id, -1);
	assert_int_equal(s.si[0].kind, TB_SESSION_UNKNOWN);
	assert_string_equal(s.car[0].driver, "");
	sink_release(&s);

	/* zero rows: a valid, empty recording */
	struct ibt_build b = {.vars = small_vars,
			      .n_vars = N_SMALL_VARS,
			      .buf_len = ROW_LEN,
			      .tick_rate = 360};
	tb_buf_release(&buf);
	tb_buf_init(&buf, 1 << 20);
	assert_int_equal(ibt_build(&b, &buf), TB_OK);
	assert_int_equal(import_buf(buf.data, buf.len, &s, &err), TB_OK);
	assert_int_equal(s.n, 0);
	tb_buf_release(&buf);
}

/* Every prefix of a hand-made file is an error. */
static void test_build_every_truncation(void **state)
{
	(void)state;
	struct tb_buf buf;
	build_small(&buf, small_vars, N_SMALL_VARS, small_yaml);
	for (size_t n = 0; n < buf.len; n++) {
		struct tb_error err = {0};
		enum tb_status st = parse_exact(buf.data, n, &err);
		if (st != TB_ERR_TRUNCATED)
			fail_msg("cut at %zu of %zu: %s (%s)", n, buf.len,
				 tb_status_name(st), err.msg);
	}
	/* a few through the importer: nothing handed over */
	for (size_t n = 0; n < buf.len; n += 97) {
		struct sink s = {0};
		struct tb_error err = {0};
		assert_int_not_equal(import_buf(buf.data, n, &s, &err), TB_OK);
		assert_int_equal(s.n, 0);
	}
	tb_buf_release(&buf);
}

struct corruption {
	size_t off;   /* byte offset */
	uint32_t val; /* i32 written there */
	enum tb_status want;
	const char *says; /* in the message */
};

static void test_corruptions(void **state)
{
	(void)state;
	struct tb_buf good;
	build_small(&good, small_vars, N_SMALL_VARS, small_yaml);
	const size_t vh = 144;
	const struct corruption t[] = {
	    {0, 1, TB_ERR_VERSION, "version 1"},
	    {0, 0x7fffffff, TB_ERR_VERSION, "version"},
	    {8, 0, TB_ERR_CORRUPT, "tickRate 0"},
	    {8, 100000, TB_ERR_CORRUPT, "tickRate"},
	    {24, 0, TB_ERR_CORRUPT, "numVars 0"},
	    {24, (uint32_t)-1, TB_ERR_CORRUPT, "numVars -1"},
	    {24, 5000, TB_ERR_LIMIT, "numVars 5000"},
	    {24, 200, TB_ERR_TRUNCATED, "variable headers"},
	    {24, 20, TB_ERR_CORRUPT, "overlap"},
	    {28, 0, TB_ERR_CORRUPT, "headers"},
	    {28, 0x7ffffff0, TB_ERR_TRUNCATED, "variable headers"},
	    {28, (uint32_t)-8, TB_ERR_CORRUPT, "varHeaderOffset"},
	    {32, 0, TB_ERR_CORRUPT, "numBuf 0"},
	    {32, 5, TB_ERR_CORRUPT, "numBuf 5"},
	    {36, 0, TB_ERR_CORRUPT, "bufLen 0"},
	    {36, 2u << 20, TB_ERR_LIMIT, "bufLen"},
	    {36, 60, TB_ERR_CORRUPT, "after the last of 45 rows"},
	    {36, 65, TB_ERR_TRUNCATED, "sessionRecordCount"},
	    {36, 63 * 1000, TB_ERR_TRUNCATED, "sessionRecordCount"},
	    {16, (uint32_t)-1, TB_ERR_CORRUPT, "session info"},
	    {16, 64u << 20, TB_ERR_LIMIT, "session info"},
	    {16, 0x100000, TB_ERR_TRUNCATED, "session info"},
	    {16, 1000, TB_ERR_CORRUPT, "runs into the rows"},
	    {20, 0x7ffffff0, TB_ERR_TRUNCATED, "session info"},
	    {20, 200, TB_ERR_CORRUPT, "overlap"},
	    {52, 0, TB_ERR_CORRUPT, "bufOffset"},
	    {52, 1000, TB_ERR_CORRUPT, "variable headers end"},
	    {52, 0x7ffffff0, TB_ERR_TRUNCATED, "first row"},
	    {140, SMALL_ROWS + 1, TB_ERR_TRUNCATED, "sessionRecordCount"},
	    {140, SMALL_ROWS - 1, TB_ERR_CORRUPT, "after the last"},
	    {140, (uint32_t)-1, TB_ERR_CORRUPT, "sessionRecordCount -1"},
	    {vh, 6, TB_ERR_CORRUPT, "type 6"},
	    {vh, (uint32_t)-1, TB_ERR_CORRUPT, "type -1"},
	    {vh + 4, 60, TB_ERR_CORRUPT, "SessionTime"},
	    {vh + 4, (uint32_t)-1, TB_ERR_CORRUPT, "offset -1"},
	    {vh + 8, 0, TB_ERR_CORRUPT, "+ 0 x"},
	    {vh + 8, 0x40000000, TB_ERR_CORRUPT, "outside"},
	    {vh + 16, 0, TB_ERR_CORRUPT, "name"},
	    {vh + 144 * 3 + 16, 0x01020304, TB_ERR_CORRUPT, "variable 3"},
	    {vh + 144 * 13 + 4, 63, TB_OK, ""},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t *b = malloc(good.len);
		memcpy(b, good.data, good.len);
		tb_st_u32le(b + t[i].off, t[i].val);
		struct tb_error err = {0};
		enum tb_status st = parse_exact(b, good.len, &err);
		if (st != t[i].want || !strstr(err.msg, t[i].says) ||
		    (st != TB_OK && !strstr(err.msg, "cut.ibt")))
			fail_msg("case %zu (@%zu = %u): %s \"%s\", expected "
				 "%s \"%s\"",
				 i, t[i].off, t[i].val, tb_status_name(st),
				 err.msg, tb_status_name(t[i].want), t[i].says);
		struct sink s = {0};
		st = import_buf(b, good.len, &s, &err);
		assert_int_equal(st, t[i].want);
		if (st != TB_OK)
			assert_int_equal(s.n, 0);
		sink_release(&s);
		free(b);
	}
	/* trailing junk after the rows */
	struct tb_buf more;
	tb_buf_init(&more, 1 << 20);
	assert_int_equal(tb_buf_append(&more, good.data, good.len), TB_OK);
	assert_int_equal(tb_buf_append(&more, "junk", 4), TB_OK);
	struct tb_error err = {0};
	assert_int_equal(parse_exact(more.data, more.len, &err),
			 TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "4 bytes after the last of 45 rows"));
	/* record count 0 (recording cut short): whole rows are read, a
	 * partial last row is a truncation */
	tb_st_u32le(more.data + 140, 0);
	assert_int_equal(parse_exact(more.data, more.len, &err),
			 TB_ERR_TRUNCATED);
	assert_non_null(strstr(err.msg, "holds 4 of 64 bytes"));
	assert_int_equal(parse_exact(more.data, more.len - 4, &err), TB_OK);
	tb_buf_release(&more);
	tb_buf_release(&good);
}

/* Random bytes and random damage: an error or a parse, never a crash,
 * and no lap from a failed file. */
static void test_random(void **state)
{
	(void)state;
	srand(12345);
	uint8_t junk[4096];
	for (int k = 0; k < 2000; k++) {
		size_t n = (size_t)(rand() % (int)sizeof(junk));
		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)rand();
		if (k % 2 && n >= 112) {
			/* a plausible header over random bytes */
			tb_st_u32le(junk, 2);
			tb_st_u32le(junk + 8, 60);
			tb_st_u32le(junk + 24, 1 + rand() % 20);
			tb_st_u32le(junk + 28, 144 + rand() % 64);
			tb_st_u32le(junk + 32, 1 + rand() % 4);
			tb_st_u32le(junk + 36, 1 + rand() % 256);
			tb_st_u32le(junk + 16, rand() % 1024);
			tb_st_u32le(junk + 20, rand() % 4096);
			tb_st_u32le(junk + 52, 144 + rand() % 4000);
			tb_st_u32le(junk + 140, rand() % 8);
		}
		struct tb_error err = {0};
		enum tb_status st = parse_exact(junk, n, &err);
		if (st != TB_OK)
			assert_true(err.msg[0] != '\0');
	}
	struct tb_buf good;
	build_small(&good, small_vars, N_SMALL_VARS, small_yaml);
	for (int k = 0; k < 3000; k++) {
		uint8_t *b = malloc(good.len);
		memcpy(b, good.data, good.len);
		int flips = 1 + rand() % 8;
		for (int i = 0; i < flips; i++) {
			/* mostly in the headers, where it matters */
			size_t at =
			    (size_t)rand() %
			    (k % 3 ? 144 + N_SMALL_VARS * 144 : good.len);
			b[at] ^= (uint8_t)(1u << (rand() % 8));
		}
		struct tb_error err = {0};
		(void)parse_exact(b, good.len, &err);
		if (k % 50 == 0) {
			struct sink s = {0};
			enum tb_status st = import_buf(b, good.len, &s, &err);
			if (st != TB_OK)
				assert_int_equal(s.n, 0);
			sink_release(&s);
		}
		free(b);
	}
	tb_buf_release(&good);
}

/* Allocation failing at each step: an error, nothing leaked, no lap. */
static void test_alloc_failures(void **state)
{
	(void)state;
	struct tb_buf good;
	build_small(&good, small_vars, N_SMALL_VARS, small_yaml);
	char path[320];
	snprintf(path, sizeof(path), "%s/alloc.ibt", g_tmp);
	write_file(path, good.data, good.len);
	tb_buf_release(&good);
	bool ok_seen = false;
	for (long n = 1; n < 400 && !ok_seen; n++) {
		struct sink s = {0};
		struct tb_error err = {0};
		tb_fault_fail_alloc_after(n);
		enum tb_status st =
		    fmt_importer_ibt.import(path, take, &s, NULL, &err);
		tb_fault_fail_alloc_after(0);
		if (st == TB_OK) {
			ok_seen = true;
			assert_int_equal(s.n, 4);
		} else {
			assert_int_equal(st, TB_ERR_NOMEM);
			assert_int_equal(s.n, 0);
		}
		sink_release(&s);
	}
	assert_true(ok_seen);
}

/* ------------------------------------------------------------------ */
/* YAML reader. */

static void test_yaml_subset(void **state)
{
	(void)state;
	static const char text[] = "---\r\n"
				   "A:\r\n"
				   " B: 1\r\n"
				   " C:\n"
				   "  D: two words  \n"
				   "  E: 'it''s'\n"
				   " L:\n"
				   " - x: 1\n"
				   "   y: 2\n"
				   " -   x: 3\n"
				   "     y: 4\n"
				   " - plain item\n"
				   " -\n"
				   "   z: 5\n"
				   " M:\n"
				   "   - nested: 1\n"
				   "# a comment\n"
				   "Time: 12:00 pm\n"
				   "Q: \"a: b\"\n"
				   "no colon here\n"
				   "K:\n"
				   "...\n";
	struct ibt_yaml *y;
	assert_int_equal(ibt_yaml_parse(text, sizeof(text) - 1, &y), TB_OK);
#define S(p) ibt_yaml_str(y, ibt_yaml_get(y, 0, p))
	assert_string_equal(S("A.B"), "1");
	assert_string_equal(S("A.C.D"), "two words");
	assert_string_equal(S("A.C.E"), "it's");
	assert_int_equal(ibt_yaml_n_children(y, ibt_yaml_get(y, 0, "A.L")), 4);
	assert_string_equal(S("A.L[0].x"), "1");
	assert_string_equal(S("A.L[0].y"), "2");
	assert_string_equal(S("A.L[1].x"), "3");
	assert_string_equal(S("A.L[1].y"), "4");
	assert_string_equal(S("A.L[2]"), "plain item");
	assert_string_equal(S("A.L[3].z"), "5");
	assert_string_equal(S("A.M[0].nested"), "1");
	assert_string_equal(S("Time"), "12:00 pm");
	assert_string_equal(S("Q"), "a: b");
	assert_string_equal(S("K"), "");
	assert_int_equal(
	    ibt_yaml_item_where(y, ibt_yaml_get(y, 0, "A.L"), "x", "3"),
	    ibt_yaml_get(y, 0, "A.L[1]"));
	double v;
	assert_false(ibt_yaml_num(y, ibt_yaml_get(y, 0, "A.C.D"), &v, NULL));
	assert_true(ibt_yaml_num(y, ibt_yaml_get(y, 0, "A.B"), &v, NULL));
	assert_near(v, 1, 0);
	assert_int_equal(ibt_yaml_get(y, 0, "A..B"), ibt_yaml_get(y, 0, "A.B"));
	assert_int_equal(ibt_yaml_get(y, 0, "A.L[1"), -1);
	assert_int_equal(ibt_yaml_get(y, 99999, "A"), -1);
#undef S
	ibt_yaml_destroy(y);
	ibt_yaml_destroy(NULL);
}

static void test_yaml_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "---",
	    ":",
	    ": value",
	    "- - - -",
	    "-",
	    "\"unterminated: x",
	    "a: \"unterminated",
	    "a: '",
	    "a: \"\\",
	    "\t\ta: 1\n\tb: 2\n",
	    "   - x: 1\n- y\n  - z: 2\nq: 3\n      r: 4\n",
	    "a:\n  b:\n c: 1\n   d: 2\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ibt_yaml *y;
		assert_int_equal(ibt_yaml_parse(bad[i], strlen(bad[i]), &y),
				 TB_OK);
		(void)ibt_yaml_get(y, 0, "a.b.c[0].d");
		ibt_yaml_destroy(y);
	}
	/* very deep nesting and very long lines */
	size_t n = 300 * 302 + 70000;
	char *deep = malloc(n);
	size_t w = 0;
	for (int d = 0; d < 300; d++) {
		memset(deep + w, ' ', (size_t)d);
		w += (size_t)d;
		w += (size_t)snprintf(deep + w, n - w, "k%d:\n", d);
	}
	memset(deep + w, 'x', 60000);
	w += 60000;
	struct ibt_yaml *y;
	assert_int_equal(ibt_yaml_parse(deep, w, &y), TB_OK);
	assert_true(ibt_yaml_get(y, 0, "k0.k1.k2.k3") > 0);
	ibt_yaml_destroy(y);
	/* random bytes */
	srand(777);
	for (int k = 0; k < 2000; k++) {
		char t[512];
		size_t len = (size_t)(rand() % (int)sizeof(t));
		static const char alpha[] = " -:\n\"'ab\t#.";
		for (size_t i = 0; i < len; i++)
			t[i] = k % 2 ? alpha[rand() % (sizeof(alpha) - 1)]
				     : (char)rand();
		assert_int_equal(ibt_yaml_parse(t, len, &y), TB_OK);
		(void)ibt_yaml_get(y, 0, "a.b[1]");
		ibt_yaml_destroy(y);
	}
	free(deep);
}

static void test_sniff(void **state)
{
	(void)state;
	struct tb_buf good;
	build_small(&good, small_vars, N_SMALL_VARS, small_yaml);
	assert_true(fmt_importer_ibt.sniff(good.data, 4096, "x"));
	assert_false(fmt_importer_ibt.sniff(good.data, 111, NULL));
	assert_false(fmt_importer_ibt.sniff(NULL, 0, NULL));
	good.data[0] = 3;
	assert_false(fmt_importer_ibt.sniff(good.data, 4096, NULL));
	uint8_t zero[256] = {0};
	assert_false(fmt_importer_ibt.sniff(zero, sizeof(zero), NULL));
	static const char csv[] = "time,speed,throttle\n0.0,12.5,1.0\n";
	assert_false(fmt_importer_ibt.sniff((const uint8_t *)csv,
					    sizeof(csv) - 1, NULL));
	tb_buf_release(&good);
	/* the build refuses nonsense */
	struct tb_buf b;
	tb_buf_init(&b, 1 << 20);
	struct ibt_build bad = {.vars = small_vars, .n_vars = 0};
	assert_int_equal(ibt_build(&bad, &b), TB_ERR_ARG);
	tb_buf_release(&b);
}

int main(void)
{
	char *t = tbt_tmpdir();
	if (!t)
		return 1;
	snprintf(g_tmp, sizeof(g_tmp), "%s", t);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_round_trip),
	    cmocka_unit_test(test_build_minimal),
	    cmocka_unit_test(test_build_every_truncation),
	    cmocka_unit_test(test_corruptions),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_yaml_subset),
	    cmocka_unit_test(test_yaml_malformed),
	    cmocka_unit_test(test_sniff),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[320];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_tmp);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	free(t);
	return rc;
}

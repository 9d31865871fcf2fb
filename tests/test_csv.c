/* test_csv.c - CSV import and export: exact round trips of trailbrake's
 * own dialect (metadata, absent samples, awkward doubles, several laps,
 * an empty lap), every truncation of an export, generic and MoTeC CSV
 * mapping (units, ranges, delimiters, quotes, CRLF, BOM, lap splits,
 * distance base), errors naming file/line/column, caps, sniffing,
 * random bytes and allocation failure at every step. */
#include "tb_test.h"

#include <math.h>

#include "formats/csv.h"

#define MAX_GOT 64

struct got {
	size_t n;
	struct tb_lap laps[MAX_GOT];
	struct tb_session_info sess;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
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
	g->n++;
	g->sess = *s;
	g->car = *car;
	g->meta = *meta;
	return TB_OK;
}

static void got_release(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		tb_lap_release(&g->laps[i]);
	g->n = 0;
}

#define ASSERT_PARSE_OK(txt, o, g, err)                                        \
	do {                                                                   \
		if (parse_txt((txt), (o), (g), (err)) != TB_OK)                \
			fail_msg("parse failed: %s", (err)->msg);              \
	} while (0)

static enum tb_status parse_txt(const char *txt,
				const struct fmt_csv_options *o, struct got *g,
				struct tb_error *err)
{
	memset(g, 0, sizeof(*g));
	tb_error_clear(err);
	return fmt_csv_parse((const uint8_t *)txt, strlen(txt), "t.csv", o,
			     collect, g, NULL, err);
}

/* Expect a failure whose message holds `want`, and no lap. */
static void expect_fail(const char *txt, const struct fmt_csv_options *o,
			const char *want)
{
	struct got g;
	struct tb_error err;
	enum tb_status st = parse_txt(txt, o, &g, &err);
	if (st == TB_OK || !strstr(err.msg, want))
		fail_msg("expected failure with '%s', got %s '%s'", want,
			 tb_status_name(st), err.msg);
	assert_int_equal(g.n, 0);
}

/* ------------------------------------------------------------------ */
/* Round trips. */

static void fill_session(struct tb_session_info *s, struct tb_car_info *c)
{
	memset(s, 0, sizeof(*s));
	s->source_uid = 0xfedcba9876543210ull;
	s->game = TB_GAME_F1_25;
	s->packet_format = 2025;
	s->game_year = 25;
	s->game_major = 1;
	s->game_minor = 17;
	s->track_id = 3;
	snprintf(s->track, sizeof(s->track), "Bahrain %% =,;\"x\" Sakhir");
	snprintf(s->layout, sizeof(s->layout), "Grand Prix \xc3\xa9");
	s->track_length_m = 5412.000000000001;
	s->kind = TB_SESSION_QUALIFYING;
	s->game_session_type = 8;
	s->car_class = TB_CLASS_F1;
	s->weather = 2;
	s->air_temp_c = -3;
	s->track_temp_c = 41;
	s->start_unix_ms = 1739450000123;
	memset(c, 0, sizeof(*c));
	c->car_index = 19;
	snprintf(c->driver, sizeof(c->driver), "O'Ward Pato, \"P\"");
	c->team_id = 7;
	c->race_number = 81;
	c->ai = true;
}

static void make_lap(struct tb_lap *lap, uint32_t number, size_t n,
		     unsigned seed)
{
	tb_lap_init(lap);
	lap->car_index = 19;
	lap->lap_number = number;
	lap->lap_time_ms = 93669 + (int32_t)seed;
	lap->sector_ms[0] = 29568;
	lap->sector_ms[1] = TB_TIME_UNKNOWN;
	lap->sector_ms[2] = 23059;
	lap->flags = TB_LAP_CUT | TB_LAP_OUT | TB_LAP_TRAFFIC;
	for (size_t i = 0; i < n; i++) {
		struct tb_frame f;
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, 1000.0 + i / 3.0);
		tb_frame_set(&f, TB_CH_SPEED, 83.0 + sin((double)i + seed));
		if (i % 3)
			tb_frame_set(&f, TB_CH_THROTTLE, i % 7 / 7.0);
		if (i % 5 == 0)
			tb_frame_set(&f, TB_CH_BRAKE, -0.0);
		tb_frame_set(&f, TB_CH_GEAR, (double)(i % 9) - 1);
		tb_frame_set(&f, TB_CH_POS_X, 1e-300 * i);
		tb_frame_set(&f, TB_CH_POS_Y, -1.7976931348623157e308);
		tb_frame_set(&f, TB_CH_ERS_STORE, 4e6 / (i + 1.0));
		if (seed == 1)
			tb_frame_set(&f, TB_CH_TYRE_PRESS_RR, 0.1 + 0.2);
		assert_int_equal(tb_lap_push(lap, &f), TB_OK);
	}
}

static char *write_laps(const struct tb_session_info *s,
			const struct tb_car_info *c, const struct tb_lap *laps,
			size_t n, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	struct tb_error err;
	assert_int_equal(fmt_csv_write_laps(f, s, c, laps, n, &err), TB_OK);
	fclose(f);
	return buf;
}

static void test_roundtrip_one(void **state)
{
	(void)state;
	struct tb_session_info s;
	struct tb_car_info c;
	fill_session(&s, &c);
	struct tb_lap lap;
	make_lap(&lap, 12, 300, 0);
	size_t len = 0;
	char *txt = write_laps(&s, &c, &lap, 1, &len);
	assert_true(strncmp(txt, "# trailbrake csv 1\n", 19) == 0);
	assert_true(fmt_csv_sniff((const uint8_t *)txt, len, NULL));
	struct got g;
	struct tb_error err;
	ASSERT_PARSE_OK(txt, NULL, &g, &err);
	assert_int_equal(g.n, 1);
	assert_true(tb_lap_equal(&lap, &g.laps[0]));
	assert_memory_equal(&g.sess, &s, sizeof(s));
	assert_memory_equal(&g.car, &c, sizeof(c));
	assert_string_equal(g.meta.source, "trailbrake-csv");
	/* -0.0 survives as -0.0 */
	assert_true(signbit(g.laps[0].col[TB_CH_BRAKE][0]));
	got_release(&g);
	tb_lap_release(&lap);
	free(txt);
}

static void test_roundtrip_session(void **state)
{
	(void)state;
	struct tb_session_info s;
	struct tb_car_info c;
	fill_session(&s, &c);
	struct tb_lap laps[4];
	make_lap(&laps[0], 1, 50, 0);
	make_lap(&laps[1], 2, 0, 1); /* an empty lap */
	make_lap(&laps[2], 3, 77, 1);
	make_lap(&laps[3], 3, 5, 2); /* repeated number */
	laps[2].car_index = 4;
	size_t len = 0;
	char *txt = write_laps(&s, &c, laps, 4, &len);
	struct got g;
	struct tb_error err;
	ASSERT_PARSE_OK(txt, NULL, &g, &err);
	assert_int_equal(g.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_true(tb_lap_equal(&laps[i], &g.laps[i]));
		tb_lap_release(&laps[i]);
	}
	got_release(&g);

	/* Every truncation fails and hands nothing over. */
	for (size_t cut = 0; cut < len; cut++) {
		memset(&g, 0, sizeof(g));
		enum tb_status st =
		    fmt_csv_parse((const uint8_t *)txt, cut, "cut.csv", NULL,
				  collect, &g, NULL, &err);
		/* "# end" without its newline is whole. */
		if (cut == len - 1) {
			assert_int_equal(st, TB_OK);
			got_release(&g);
			continue;
		}
		if (st == TB_OK)
			fail_msg("truncation at %zu of %zu imported", cut, len);
		assert_int_equal(g.n, 0);
	}
	free(txt);
}

static void test_write_refuses_nan(void **state)
{
	(void)state;
	struct tb_session_info s;
	struct tb_car_info c;
	fill_session(&s, &c);
	struct tb_lap lap;
	make_lap(&lap, 1, 3, 0);
	lap.col[TB_CH_SPEED][1] = NAN;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct tb_error err;
	assert_int_equal(fmt_csv_write(f, &s, &c, &lap, &err), TB_ERR_RANGE);
	assert_non_null(strstr(err.msg, "speed"));
	fclose(f);
	free(buf);
	assert_int_equal(fmt_csv_write_laps(NULL, &s, &c, &lap, 1, &err),
			 TB_ERR_ARG);
	tb_lap_release(&lap);
}

static void test_own_corrupt(void **state)
{
	(void)state;
	const char *head = "# trailbrake csv 1\n"
			   "# session: game=0\n"
			   "# car: index=0\n";
	char buf[1024];
	struct {
		const char *body, *want;
	} cases[] = {
	    {"# lap: number=1 n=1 chans=0x1\nlap,time\n,s\n1,abc\n# end\n",
	     "t.csv:7: column 2 'time': 'abc' is not a number"},
	    {"# lap: number=1 n=1 chans=0x1\nlap,time\n,m\n1,1\n# end\n",
	     "unit must be 's'"},
	    {"# lap: number=1 n=2 chans=0x1\nlap,time\n,s\n1,1\n# end\n",
	     "ends in lap 1"},
	    {"# lap: number=1 n=1 chans=0x1\nlap,time\n,s\n2,1\n# end\n",
	     "expected 1"},
	    {"# lap: number=1 n=1 chans=0x1\nlap,time\n,s\n1,1\n1,2\n"
	     "# end\n",
	     "more rows than"},
	    {"# lap: number=1 n=1 chans=0x1\nlap,time,time\n,s,s\n1,1,1\n",
	     "repeats"},
	    {"# lap: number=1 n=1 chans=0x3\nlap,time\n,s\n1,1\n# end\n",
	     "header lacks"},
	    {"# lap: number=1 n=1 chans=0x1\nlap,time,speed\n,s,m/s\n"
	     "1,1,3\n# end\n",
	     "of this lap"},
	    {"# lap: number=x n=1\n", "bad value"},
	    {"# lap: n=1\n", "without number"},
	    {"# lap: number=1 n=1 chans=0x1\nlap,time\n,s\n1,1\n# end\n"
	     "junk\n",
	     "after '# end'"},
	    {"# lap: number=1 n=1 chans=0x1\nlap,time\n,s\n1,1\n",
	     "no '# end'"},
	    {"# lap: number=1 n=99999999\n", "bad value"},
	    {"lap,time\n,s\n", "without any lap"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", head, cases[i].body);
		expect_fail(buf, NULL, cases[i].want);
	}
	expect_fail("# trailbrake csv 1\n# session: track=a%2\n", NULL,
		    "session field 'track'");
	expect_fail("# trailbrake csv 1\n# session: game=999\n", NULL,
		    "session field 'game'");
}

/* ------------------------------------------------------------------ */
/* Generic CSV. */

static void test_generic_units_and_laps(void **state)
{
	(void)state;
	const char *txt =
	    "\xef\xbb\xbf# exported by some tool\r\n"
	    "Time,\"Speed (km/h)\",Throttle,Brake,Lap,Distance,Gear,"
	    "Steering Angle,Other\r\n"
	    "s,,%,,,m,,deg,x\r\n"
	    "0.0,36,0,0,1,0,1,10,7\r\n"
	    "\r\n"
	    "0.5,72,50,0.25,1,10,2,-5,7\r\n"
	    "1.0,108,100,0.5,2,1,N,0,\"7\"\r\n"
	    "1.5,144,,1,2,20,R,3,7\r\n";
	struct got g;
	struct tb_error err;
	ASSERT_PARSE_OK(txt, NULL, &g, &err);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.meta.source, "csv");
	struct tb_lap *a = &g.laps[0], *b = &g.laps[1];
	assert_int_equal(a->lap_number, 1);
	assert_int_equal(b->lap_number, 2);
	assert_int_equal(a->n, 2);
	assert_int_equal(b->n, 2);
	assert_int_equal(a->lap_time_ms, TB_TIME_UNKNOWN);
	assert_true(fabs(a->col[TB_CH_SPEED][1] - 20.0) < 1e-12);
	assert_true(fabs(b->col[TB_CH_SPEED][1] - 40.0) < 1e-12);
	assert_true(a->col[TB_CH_THROTTLE][1] == 0.5);
	assert_true(b->col[TB_CH_THROTTLE][0] == 1.0);
	assert_false(b->mask[1] & TB_CHBIT(TB_CH_THROTTLE)); /* empty */
	assert_true(a->col[TB_CH_BRAKE][1] == 0.25);	     /* max 1: 0..1 */
	assert_true(b->col[TB_CH_GEAR][0] == 0.0);
	assert_true(b->col[TB_CH_GEAR][1] == -1.0);
	/* distance restarts per lap: lap distance */
	assert_true(a->chans & TB_CHBIT(TB_CH_LAP_DIST));
	assert_true(b->col[TB_CH_LAP_DIST][1] == 20.0);
	/* steering angle in deg: absent */
	assert_false(a->chans & TB_CHBIT(TB_CH_STEER));
	assert_true(a->col[TB_CH_TIME][1] == 0.5);
	assert_true(g.sess.source_uid != 0);
	got_release(&g);

	/* Not restarting: total distance. */
	const char *tot = "time,lap,distance\n0,1,0\n1,1,5\n2,2,10\n3,2,15\n";
	ASSERT_PARSE_OK(tot, NULL, &g, &err);
	assert_int_equal(g.n, 2);
	assert_true(g.laps[1].chans & TB_CHBIT(TB_CH_TOTAL_DIST));
	assert_false(g.laps[1].chans & TB_CHBIT(TB_CH_LAP_DIST));
	assert_true(g.laps[1].col[TB_CH_TOTAL_DIST][1] == 15.0);
	got_release(&g);
}

static void test_generic_dialects(void **state)
{
	(void)state;
	/* ';' with decimal commas, quotes with "" and a newline inside. */
	const char *semi = "SessionTime;speed_kph;\"Com\"\"ment\";throttle\n"
			   "0,5;3,6;\"a;b\nc\";0,5\n"
			   "1;7,2;x;1\n";
	struct got g;
	struct tb_error err;
	ASSERT_PARSE_OK(semi, NULL, &g, &err);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.laps[0].n, 2);
	assert_true(g.laps[0].col[TB_CH_TIME][0] == 0.5);
	assert_true(fabs(g.laps[0].col[TB_CH_SPEED][1] - 2.0) < 1e-12);
	got_release(&g);

	/* Tabs, mph, t_ms. */
	const char *tab = "t_ms\tSpeed_mph\n0\t10\n100\t20\n";
	ASSERT_PARSE_OK(tab, NULL, &g, &err);
	assert_true(g.laps[0].col[TB_CH_TIME][1] == 0.1);
	assert_true(fabs(g.laps[0].col[TB_CH_SPEED][1] - 8.9408) < 1e-12);
	got_release(&g);

	/* Unitless speed above 100 reads as km/h; pedals in %. */
	const char *kmh = "time,speed,brake\n0,50,0\n1,300,100\n";
	ASSERT_PARSE_OK(kmh, NULL, &g, &err);
	assert_true(fabs(g.laps[0].col[TB_CH_SPEED][1] - 300 / 3.6) < 1e-12);
	assert_true(g.laps[0].col[TB_CH_BRAKE][1] == 1.0);
	got_release(&g);

	/* Canonical names with the units row but no comment lines. */
	const char *canon = "lap,time,speed,g_lat\n,s,m/s,g\n"
			    "4,0,10,0.5\n4,1,11,-0.5\n";
	ASSERT_PARSE_OK(canon, NULL, &g, &err);
	assert_int_equal(g.laps[0].lap_number, 4);
	assert_true(g.laps[0].col[TB_CH_SPEED][1] == 11.0);
	assert_true(g.laps[0].col[TB_CH_G_LAT][1] == -0.5);
	got_release(&g);
}

static void test_distance_base(void **state)
{
	(void)state;
	const char *txt = "lap_dist,speed\nm,m/s\n0,10\n10,10\n30,30\n";
	struct got g;
	struct tb_error err;
	ASSERT_PARSE_OK(txt, NULL, &g, &err);
	struct tb_lap *l = &g.laps[0];
	assert_true(l->chans & TB_CHBIT(TB_CH_TIME));
	assert_true(l->col[TB_CH_TIME][0] == 0.0);
	assert_true(fabs(l->col[TB_CH_TIME][1] - 1.0) < 1e-12);
	assert_true(fabs(l->col[TB_CH_TIME][2] - 2.0) < 1e-12);
	got_release(&g);

	expect_fail("lap_dist,rpm\n0,1\n", NULL, "no time column");
	expect_fail("lap_dist,speed\n0,0\n10,0\n", NULL, "speed 0");
	expect_fail("lap_dist,speed\n0,1\n,1\n", NULL, "t.csv:3: column 1");

	/* distance_base ignores the time column. */
	struct fmt_csv_options o;
	fmt_csv_options_init(&o);
	o.distance_base = true;
	assert_int_equal(
	    parse_txt("time,distance,speed\n5,0,2\n9,2,2\n", &o, &g, &err),
	    TB_OK);
	assert_true(fabs(g.laps[0].col[TB_CH_TIME][1] - 1.0) < 1e-12);
	got_release(&g);
}

static void test_generic_errors(void **state)
{
	(void)state;
	expect_fail("Time,Speed,X\n0,1,2\n1,abc,3\n", NULL,
		    "t.csv:3: column 2 'Speed': 'abc' is not a number");
	expect_fail("time,speed\n0,1\n1\n", NULL, "t.csv:3: 1 fields");
	expect_fail("time,speed\n0,1\n1,2,3\n", NULL, "column 3");
	expect_fail("time,speed\n1,1\n0,2\n", NULL, "goes back");
	expect_fail("time,throttle\n0,1\n1,250\n", NULL,
		    "neither 0..1 nor 0..100");
	expect_fail("time,throttle (%)\n0,1\n1,150\n", NULL, "do not fit");
	expect_fail("time,speed\ns,furlong\n0,1\n", NULL,
		    "unit 'furlong' is not understood");
	expect_fail("time,speed\n", NULL, "no data");
	expect_fail("", NULL, "no header");
	expect_fail("time,speed\n\"0,1\n", NULL, "quote never closed");
	expect_fail("time,speed\n\"0\"x,1\n", NULL, "after a closing quote");
	expect_fail("time,lap\n0,1.5\n", NULL, "not a lap number");
	expect_fail("time,lap\n0,\n", NULL, "'' is not a number");
	expect_fail("time,speed\n0,1e999\n", NULL, "not a number");

	/* Caps: a line over FMT_CSV_LINE_MAX, more than the column cap. */
	size_t big = FMT_CSV_LINE_MAX + 100;
	char *t = malloc(big + 32);
	memcpy(t, "time,x\n0,", 9);
	memset(t + 9, '1', big);
	t[9 + big] = '\0';
	expect_fail(t, NULL, "longer than");
	size_t cols = FMT_CSV_COLS_MAX + 5;
	char *w = malloc(cols * 2 + 32);
	size_t o = 0;
	memcpy(w, "time", 4);
	o = 4;
	for (size_t i = 0; i < cols; i++) {
		w[o++] = ',';
		w[o++] = 'a';
	}
	memcpy(w + o, "\n0\n", 4);
	expect_fail(w, NULL, "more than 4096 columns");
	free(t);
	free(w);
}

static void test_map_options(void **state)
{
	(void)state;
	struct fmt_csv_options o;
	fmt_csv_options_init(&o);
	struct tb_error err;
	assert_int_equal(
	    fmt_csv_parse_map("speed=Vel Ocity,lap=L,time=Clk", &o, &err),
	    TB_OK);
	assert_string_equal(o.map[TB_CH_SPEED], "Vel Ocity");
	assert_string_equal(o.map[TB_CH_TIME], "Clk");
	assert_string_equal(o.lap_col, "L");
	assert_true(o.map[TB_CH_SPEED] >= o.names &&
		    o.map[TB_CH_SPEED] < o.names + sizeof(o.names));
	struct fmt_csv_options copy = o;
	assert_int_equal(fmt_csv_parse_map("bogus=x", &o, &err), TB_ERR_ARG);
	assert_non_null(strstr(err.msg, "'bogus' is not a channel"));
	assert_int_equal(fmt_csv_parse_map("speed", &o, &err), TB_ERR_ARG);
	assert_int_equal(fmt_csv_parse_map("speed=", &o, &err), TB_ERR_ARG);
	assert_memory_equal(&o, &copy, sizeof(o)); /* unchanged on error */

	const char *txt = "Clk,Vel Ocity,L,Speed\n0,10,3,99\n1,20,3,99\n";
	o.speed_scale = 0.5;
	struct got g;
	ASSERT_PARSE_OK(txt, &o, &g, &err);
	assert_int_equal(g.laps[0].lap_number, 3);
	assert_true(g.laps[0].col[TB_CH_SPEED][1] == 10.0);
	got_release(&g);

	assert_int_equal(fmt_csv_parse_map("speed=Nope", &o, &err), TB_OK);
	expect_fail(txt, &o, "no column 'Nope'");

	/* pedal_scale overrides the range rule. */
	fmt_csv_options_init(&o);
	o.pedal_scale = 0.001;
	assert_int_equal(parse_txt("time,brake\n0,0\n1,1000\n", &o, &g, &err),
			 TB_OK);
	assert_true(g.laps[0].col[TB_CH_BRAKE][1] == 1.0);
	got_release(&g);
}

/* A MoTeC i2 "Export Data" CSV, shaped as public examples of it. */
static const char motec[] =
    "\"Format\",\"MoTeC CSV File\",,,\"Workbook\",\"\"\n"
    "\"Venue\",\"Calder Park\",,,\"Worksheet\",\"\"\n"
    "\"Vehicle\",\"Formula Ford\",,,\"Vehicle Desc\",\"\"\n"
    "\"Driver\",\"A. Driver\",,,\"Engine ID\",\"\"\n"
    "\"Device\",\"ADL\"\n"
    "\"Comment\",\"\",,,\"Session\",\"1\"\n"
    "\"Log Date\",\"24/03/2010\",,,\"Origin Time\",\"0.000\",\"s\"\n"
    "\"Log Time\",\"10:40:15\",,,\"Start Time\",\"0.000\",\"s\"\n"
    "\"Sample Rate\",\"2.000\",\"Hz\",,\"End Time\",\"5.0\",\"s\"\n"
    "\"Duration\",\"5.0\",\"s\",,\"Start Distance\",\"0\",\"m\"\n"
    "\"Range\",\"entire outing\",,,\"End Distance\",\"50\",\"m\"\n"
    "\"Beacon Markers\",\"1.250 3.750 \"\n"
    "\n"
    "\n"
    "\"Time\",\"Distance\",\"Ground Speed\",\"Throttle Pos\","
    "\"Brake Pos\",\"G Force Lat\",\"Engine RPM\",\"Time\"\n"
    "\"s\",\"m\",\"km/h\",\"%\",\"%\",\"m/s^2\",\"rpm\",\"min\"\n"
    "\n"
    "\n"
    "\"0.000\",\"0\",\"36.0\",\"10\",\"0\",\"9.80665\",\"5000\",\"0\"\n"
    "\"1.000\",\"10\",\"36.0\",\"20\",\"0\",\"0\",\"5000\",\"0\"\n"
    "\"2.000\",\"20\",\"36.0\",\"30\",\"0\",\"0\",\"5000\",\"0\"\n"
    "\"3.000\",\"30\",\"36.0\",\"40\",\"0\",\"0\",\"5000\",\"0\"\n"
    "\"4.000\",\"40\",\"36.0\",\"50\",\"50\",\"0\",\"5000\",\"0\"\n"
    "\"5.000\",\"50\",\"36.0\",\"60\",\"100\",\"0\",\"5000\",\"0\"\n";

static void test_motec(void **state)
{
	(void)state;
	assert_true(fmt_csv_sniff((const uint8_t *)motec, strlen(motec), NULL));
	struct got g;
	struct tb_error err;
	ASSERT_PARSE_OK(motec, NULL, &g, &err);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.sess.track, "Calder Park");
	assert_string_equal(g.car.driver, "A. Driver");
	assert_string_equal(g.meta.car, "Formula Ford");
	assert_string_equal(g.meta.source, "motec-csv");
	/* 2010-03-24 10:40:15 (no zone in the file: taken as UTC) */
	assert_int_equal(g.sess.start_unix_ms, 1269427215000LL);
	assert_int_equal(g.laps[0].flags, TB_LAP_INCOMPLETE);
	assert_int_equal(g.laps[1].flags, 0);
	assert_int_equal(g.laps[1].lap_time_ms, 2500);
	assert_int_equal(g.laps[1].lap_number, 2);
	assert_int_equal(g.laps[2].flags, TB_LAP_INCOMPLETE);
	assert_int_equal(g.laps[0].n, 2);
	assert_int_equal(g.laps[1].n, 2);
	assert_int_equal(g.laps[2].n, 2);
	/* outing distance does not restart: total distance */
	assert_true(g.laps[1].chans & TB_CHBIT(TB_CH_TOTAL_DIST));
	assert_true(fabs(g.laps[0].col[TB_CH_G_LAT][0] - 1.0) < 1e-12);
	assert_true(g.laps[2].col[TB_CH_BRAKE][1] == 1.0);
	assert_true(fabs(g.laps[0].col[TB_CH_SPEED][0] - 10.0) < 1e-12);
	got_release(&g);

	/* Every truncation: a clean error or a (shorter) valid import,
	 * never a crash; the preamble cut is an error. */
	size_t n = strlen(motec);
	for (size_t cut = 0; cut < n; cut++) {
		memset(&g, 0, sizeof(g));
		enum tb_status st =
		    fmt_csv_parse((const uint8_t *)motec, cut, "m.csv", NULL,
				  collect, &g, NULL, &err);
		if (st != TB_OK)
			assert_int_equal(g.n, 0);
		if (cut < 300)
			assert_int_not_equal(st, TB_OK);
		got_release(&g);
	}
}

static void test_sniff(void **state)
{
	(void)state;
	struct {
		const char *txt;
		bool want;
	} cases[] = {
	    {"Time,Speed\n0,1\n", true},
	    {"\xef\xbb\xbf"
	     "distance;speed\n",
	     true},
	    {"# comment\n\nSessionTime\tThrottle\n", true},
	    {"\"Format\",\"MoTeC CSV File\"\n", true},
	    {"# trailbrake csv 1\n", true},
	    {"speed,rpm\n1,2\n", false},   /* no time or distance */
	    {"0.1,0.2\n0.3,0.4\n", false}, /* data, no header */
	    {"time\n0\n", false},	   /* one column */
	    {"{\"tel\":{\"time\":[0]}}", false},
	    {"[1,2]", false},
	    {"<xml>time,speed</xml>", false},
	    {"time,speed\0\x01\x02", false},
	    {"", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].txt);
		if (i == 11)
			n = 13;
		if (fmt_csv_sniff((const uint8_t *)cases[i].txt, n, NULL) !=
		    cases[i].want)
			fail_msg("sniff case %zu '%s'", i, cases[i].txt);
	}
	uint8_t bin[4096];
	srand(7);
	for (int k = 0; k < 200; k++) {
		for (size_t i = 0; i < sizeof(bin); i++)
			bin[i] = (uint8_t)rand();
		assert_false(fmt_csv_sniff(bin, sizeof(bin), NULL));
	}
}

static void test_random_and_mutated(void **state)
{
	(void)state;
	srand(11);
	struct got g;
	struct tb_error err;
	static const char alpha[] = "0123456789.,;\"\n\r-+eE #abtime";
	char buf[512];
	for (int k = 0; k < 5000; k++) {
		size_t n = (size_t)(rand() % (int)sizeof(buf));
		for (size_t i = 0; i < n; i++)
			buf[i] = (k & 1) ? (char)rand()
					 : alpha[rand() % (sizeof(alpha) - 1)];
		memset(&g, 0, sizeof(g));
		enum tb_status st =
		    fmt_csv_parse((const uint8_t *)buf, n, "r.csv", NULL,
				  collect, &g, NULL, &err);
		if (st != TB_OK) {
			assert_int_equal(g.n, 0);
			assert_true(err.msg[0] != '\0');
		}
		got_release(&g);
	}
	/* Byte flips of the MoTeC sample. */
	size_t mn = strlen(motec);
	char *m = malloc(mn);
	for (int k = 0; k < 3000; k++) {
		memcpy(m, motec, mn);
		for (int f = 0; f < 3; f++)
			m[rand() % (int)mn] = (char)rand();
		memset(&g, 0, sizeof(g));
		enum tb_status st =
		    fmt_csv_parse((const uint8_t *)m, mn, "m.csv", NULL,
				  collect, &g, NULL, &err);
		if (st != TB_OK)
			assert_int_equal(g.n, 0);
		got_release(&g);
	}
	free(m);
}

/* Allocation failure at every step: an error, no lap, no leak. */
static void test_alloc_failures(void **state)
{
	(void)state;
	struct tb_session_info s;
	struct tb_car_info c;
	fill_session(&s, &c);
	struct tb_lap laps[2];
	make_lap(&laps[0], 1, 40, 0);
	make_lap(&laps[1], 2, 40, 1);
	size_t len = 0;
	char *own = write_laps(&s, &c, laps, 2, &len);
	const char *inputs[] = {own, motec,
				"time,lap,distance,speed\n0,1,0,1\n1,2,5,1\n"};
	for (size_t k = 0; k < 3; k++) {
		bool passed = false;
		for (long n = 1; n < 200 && !passed; n++) {
			struct got g;
			struct tb_error err;
			memset(&g, 0, sizeof(g));
			tb_fault_fail_alloc_after(n);
			enum tb_status st = fmt_csv_parse(
			    (const uint8_t *)inputs[k], strlen(inputs[k]),
			    "f.csv", NULL, collect, &g, NULL, &err);
			tb_fault_fail_alloc_after(0);
			if (st == TB_OK) {
				passed = true;
			} else {
				assert_int_equal(st, TB_ERR_NOMEM);
				assert_int_equal(g.n, 0);
			}
			got_release(&g);
		}
		assert_true(passed);
	}
	free(own);
	tb_lap_release(&laps[0]);
	tb_lap_release(&laps[1]);
}

static enum tb_status stop_at_2(void *ctx, const struct tb_session_info *s,
				const struct tb_car_info *car,
				struct tb_lap *lap,
				const struct fmt_lap_meta *meta)
{
	(void)s;
	(void)car;
	(void)lap;
	(void)meta;
	int *n = ctx;
	return ++*n == 2 ? TB_ERR_DB : TB_OK;
}

static void test_file_import_and_callback_stop(void **state)
{
	(void)state;
	char *dir = tbt_tmpdir();
	char path[512];
	snprintf(path, sizeof(path), "%s/laps.csv", dir);
	FILE *f = fopen(path, "wb");
	fputs("time,lap\n0,1\n1,2\n2,3\n", f);
	fclose(f);
	int n = 0;
	struct tb_error err;
	assert_int_equal(
	    fmt_importer_csv.import(path, stop_at_2, &n, NULL, &err),
	    TB_ERR_DB);
	assert_int_equal(n, 2);
	struct got g;
	memset(&g, 0, sizeof(g));
	assert_int_equal(
	    fmt_csv_import_opts(path, NULL, collect, &g, NULL, &err), TB_OK);
	assert_int_equal(g.n, 3);
	got_release(&g);
	assert_int_equal(fmt_csv_import_opts("/nonexistent/x.csv", NULL,
					     collect, &g, NULL, &err),
			 TB_ERR_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/x.csv"));
	assert_int_equal(
	    fmt_csv_import_opts(dir, NULL, collect, &g, NULL, &err), TB_ERR_IO);
	remove(path);
	rmdir(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_one),
	    cmocka_unit_test(test_roundtrip_session),
	    cmocka_unit_test(test_write_refuses_nan),
	    cmocka_unit_test(test_own_corrupt),
	    cmocka_unit_test(test_generic_units_and_laps),
	    cmocka_unit_test(test_generic_dialects),
	    cmocka_unit_test(test_distance_base),
	    cmocka_unit_test(test_generic_errors),
	    cmocka_unit_test(test_map_options),
	    cmocka_unit_test(test_motec),
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_random_and_mutated),
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_file_import_and_callback_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

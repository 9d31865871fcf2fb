/* test_motec.c - MoTeC i2: the real .ldx files of ac-gym-monza (markers,
 * details, lap times against the lap tables), the tolerant XML scanner,
 * hand-built multi-rate .ld logs (scaling, resampling, name/unit table),
 * writer round trips (60 Hz with every channel, 20 Hz sparse, channels
 * appearing mid-lap), and corrupt input: truncation at every byte, broken
 * list pointers and fields, random bytes, failed allocations. */
#include "tb_test.h"

#include <math.h>
#include <sys/stat.h>

#include "formats/motec.h"

static char *tmp_dir;

/* ------------------------------------------------------------------ */
/* A lap sink: counts laps, keeps copies. */

#define SINK_MAX 16

struct sink {
	size_t n;
	struct tb_lap laps[SINK_MAX];
	struct tb_session_info s;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
	enum tb_status answer; /* returned to the importer */
};

static enum tb_status sink_fn(void *ctx, const struct tb_session_info *s,
			      const struct tb_car_info *car, struct tb_lap *lap,
			      const struct fmt_lap_meta *meta)
{
	struct sink *k = ctx;
	if (k->n < SINK_MAX) {
		tb_lap_init(&k->laps[k->n]);
		tb_lap_move(&k->laps[k->n], lap);
	}
	k->n++;
	k->s = *s;
	k->car = *car;
	k->meta = *meta;
	return k->answer;
}

static void sink_init(struct sink *k)
{
	memset(k, 0, sizeof(*k));
}

static void sink_release(struct sink *k)
{
	for (size_t i = 0; i < k->n && i < SINK_MAX; i++)
		tb_lap_release(&k->laps[i]);
	k->n = 0;
}

static char *path_in_tmp(const char *name)
{
	static char buf[4][512];
	static int slot;
	char *p = buf[slot++ % 4];
	snprintf(p, 512, "%s/%s", tmp_dir, name);
	return p;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

/* ------------------------------------------------------------------ */
/* The real .ldx files (ac-gym-monza-ldx-laptimes). */

struct ldx_case {
	const char *file;
	size_t markers;
	int32_t total_laps;
	int32_t fastest_time_ms; /* the "Fastest Time" detail */
	int32_t fastest_lap;
	int32_t computed_ms;  /* shortest marker difference */
	int32_t computed_lap; /* its start marker, 1-based (ACTI's number) */
	bool first_at_zero;
};

static const struct ldx_case ldx_cases[] = {
    {"20240229_HC__monza_bmw_z4_gt3_adrianremonda_stint_1.ldx", 4, 5, 125679, 2,
     125679, 2, true},
    {"20240313_OP__monza_bmw_z4_gt3_KC_Sim_Racer_stint_1.ldx", 10, 11, 118745,
     8, 118745, 8, false},
    {"20240325_WL__monza_bmw_z4_gt3_WL_stint_1.ldx", 5, 6, 111332, 3, 111332, 3,
     false},
    /* the one disagreement: the detail (and the lap table) says
     * 125.238, the beacons are 125.232 s apart */
    {"20240329_ST__monza_bmw_z4_gt3_adrianremonda_stint_2.ldx", 5, 6, 125238, 1,
     125232, 1, true},
    {"20240410_A_21_231__monza_bmw_z4_gt3_KC_Sim_Racer_stint_2.ldx", 7, 8,
     111896, 3, 111896, 3, false},
    {"20240410_A_21_231__monza_bmw_z4_gt3_KC_Sim_Racer_stint_3.ldx", 12, 13,
     111415, 7, 111415, 7, false},
    {"20240411_A_12_312__monza_bmw_z4_gt3_KC_Sim_Racer_stint_4.ldx", 7, 8,
     111447, 5, 111447, 5, false},
    {"20240411_A_12_312__monza_bmw_z4_gt3_KC_Sim_Racer_stint_5.ldx", 12, 13,
     111603, 4, 111603, 4, false},
    {"20240417_HC__monza_bmw_z4_gt3_adrianremonda_stint_1.ldx", 6, 7, 116036, 5,
     116036, 5, true},
    {"20240423_IN__monza_bmw_z4_gt3_adrianremonda_stint_1.ldx", 6, 7, 125366, 5,
     125366, 5, true},
    {"20240424_KW__monza_bmw_z4_gt3_adrianremonda_stint_1.ldx", 5, 6, 123592, 3,
     123592, 3, true},
    {"20240425_RRK__monza_bmw_z4_gt3_adrianremonda_stint_1.ldx", 6, 7, 124214,
     3, 124214, 3, true},
    {"20240426_AB__monza_bmw_z4_gt3_adrianremonda_stint_1.ldx", 7, 8, 116001, 6,
     116001, 6, true},
    {"20240426_NiM__monza_bmw_z4_gt3_NiM_stint_2.ldx", 0, 1, -1, -1, -1, -1,
     false},
};

static const char *ldx_dir(void)
{
	static char d[512];
	const char *root = tbt_data_dir();
	if (!root) {
		printf("SKIP: the MoTeC .ldx files need TRAILBRAKE_DATA\n");
		skip();
	}
	snprintf(d, sizeof(d), "%s/ac-gym-monza-ldx-laptimes", root);
	return d;
}

static void test_ldx_real_files(void **state)
{
	(void)state;
	const char *dir = ldx_dir();
	for (size_t i = 0; i < sizeof(ldx_cases) / sizeof(ldx_cases[0]); i++) {
		const struct ldx_case *c = &ldx_cases[i];
		char p[1024];
		snprintf(p, sizeof(p), "%s/%s", dir, c->file);
		struct fmt_ldx x;
		struct tb_error err;
		enum tb_status st = fmt_ldx_read(p, &x, &err);
		if (st != TB_OK)
			fail_msg("%s: %s", c->file, err.msg);
		assert_int_equal(x.n_markers, c->markers);
		assert_int_equal(x.total_laps, c->total_laps);
		/* every file: Total Laps = beacons + 1 (a marker at 0
		 * counts as a beacon) */
		assert_int_equal(x.total_laps, (int32_t)x.n_markers + 1);
		assert_int_equal(x.fastest_time_ms, c->fastest_time_ms);
		assert_int_equal(x.fastest_lap, c->fastest_lap);
		int64_t best = -1;
		int32_t best_lap = -1;
		for (size_t j = 1; j < x.n_markers; j++) {
			int64_t d = x.marker_us[j] - x.marker_us[j - 1];
			assert_true(d > 0);
			assert_int_equal(d % 1000, 0); /* whole ms */
			if (best < 0 || d < best) {
				best = d;
				best_lap = (int32_t)j;
			}
		}
		assert_int_equal(best < 0 ? -1 : (int32_t)(best / 1000),
				 c->computed_ms);
		assert_int_equal(best_lap, c->computed_lap);
		if (x.n_markers)
			assert_int_equal(x.marker_us[0] == 0, c->first_at_zero);
		fmt_ldx_release(&x);
	}
}

static void test_ldx_real_details(void **state)
{
	(void)state;
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", ldx_dir(),
		 "20240325_WL__monza_bmw_z4_gt3_WL_stint_1.ldx");
	struct fmt_ldx x;
	assert_int_equal(fmt_ldx_read(p, &x, NULL), TB_OK);
	assert_int_equal(x.n_details, 21);
	assert_string_equal(fmt_ldx_detail(&x, "Venue"), "monza");
	assert_string_equal(fmt_ldx_detail(&x, "Driver"), "WL");
	assert_string_equal(fmt_ldx_detail(&x, "Vehicle Id"), "bmw_z4_gt3");
	assert_string_equal(fmt_ldx_detail(&x, "Session"), "PRACTICE");
	assert_string_equal(fmt_ldx_detail(&x, "Vehicle Desc"), "");
	assert_string_equal(fmt_ldx_detail(&x, "Log Date"), "7/5/2024");
	assert_string_equal(fmt_ldx_detail(&x, "Long Comment"),
			    "AC v1.16.4 data exported using ACTI v1.1.2");
	assert_null(fmt_ldx_detail(&x, "Nope"));
	assert_int_equal(x.marker_us[0], 120337000);
	fmt_ldx_release(&x);
}

/* The lap tables: LapTime (s) per lap against the beacon differences.
 * A table holds one more row than there are differences when the first
 * beacon is not at 0 (its first lap ran from an earlier start). */
struct csv_case {
	const char *csv, *ldx;
	size_t rows;
	int32_t max_dev_ms;
};

static const struct csv_case csv_cases[] = {
    {"20240229_HC__laps_info.csv",
     "20240229_HC__monza_bmw_z4_gt3_adrianremonda_stint_1.ldx", 3, 17},
    {"20240313_OP__laps_info.csv",
     "20240313_OP__monza_bmw_z4_gt3_KC_Sim_Racer_stint_1.ldx", 10, 5},
    {"20240329_ST__laps_info.csv",
     "20240329_ST__monza_bmw_z4_gt3_adrianremonda_stint_2.ldx", 4, 6},
    {"20240410_A_21_231__laps_info.csv",
     "20240410_A_21_231__monza_bmw_z4_gt3_KC_Sim_Racer_stint_3.ldx", 12, 2},
    {"20240411_A_12_312__laps_info.csv",
     "20240411_A_12_312__monza_bmw_z4_gt3_KC_Sim_Racer_stint_5.ldx", 12, 1},
};

static size_t read_csv_laps(const char *path, double *ms, size_t cap)
{
	size_t len = 0, n = 0;
	uint8_t *b = tbt_read_file(path, &len);
	assert_non_null(b);
	char *s = malloc(len + 1);
	memcpy(s, b, len);
	s[len] = 0;
	free(b);
	char *line = strchr(s, '\n'); /* skip the header */
	while (line && *++line && n < cap) {
		char *c1 = strchr(line, ',');
		char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (!c2)
			break;
		ms[n++] = strtod(c2 + 1, NULL) * 1000.0;
		line = strchr(line, '\n');
	}
	free(s);
	return n;
}

static void test_ldx_vs_lap_tables(void **state)
{
	(void)state;
	const char *dir = ldx_dir();
	for (size_t i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
		const struct csv_case *c = &csv_cases[i];
		char p[1024];
		double ms[64];
		snprintf(p, sizeof(p), "%s/%s", dir, c->csv);
		size_t rows = read_csv_laps(p, ms, 64);
		assert_int_equal(rows, c->rows);
		snprintf(p, sizeof(p), "%s/%s", dir, c->ldx);
		struct fmt_ldx x;
		assert_int_equal(fmt_ldx_read(p, &x, NULL), TB_OK);
		size_t diffs = x.n_markers - 1;
		size_t off = rows - diffs;
		assert_int_equal(off, x.marker_us[0] == 0 ? 0 : 1);
		double worst = 0;
		for (size_t j = 0; j < diffs; j++) {
			double d =
			    (x.marker_us[j + 1] - x.marker_us[j]) / 1000.0;
			double dev = fabs(ms[off + j] - d);
			if (dev > worst)
				worst = dev;
		}
		if (lround(worst) != c->max_dev_ms)
			fail_msg("%s: worst lap-table deviation %.1f ms, "
				 "expected %d",
				 c->csv, worst, c->max_dev_ms);
		fmt_ldx_release(&x);
	}
}

static void test_ldx_truncated(void **state)
{
	(void)state;
	const char *dir = ldx_dir();
	for (size_t i = 0; i < sizeof(ldx_cases) / sizeof(ldx_cases[0]); i++) {
		char p[1024];
		size_t len = 0;
		snprintf(p, sizeof(p), "%s/%s", dir, ldx_cases[i].file);
		uint8_t *b = tbt_read_file(p, &len);
		assert_non_null(b);
		for (size_t cut = 0; cut < len; cut++) {
			struct fmt_ldx x;
			struct tb_error err;
			uint8_t *c = malloc(cut ? cut : 1);
			memcpy(c, b, cut);
			enum tb_status st =
			    fmt_ldx_parse(c, cut, "cut.ldx", &x, &err);
			if (st != TB_OK) {
				assert_non_null(strstr(err.msg, "cut.ldx"));
				assert_null(x.marker_us);
			}
			assert_true(x.n_markers <= ldx_cases[i].markers);
			fmt_ldx_release(&x);
			free(c);
		}
		free(b);
	}
}

/* ------------------------------------------------------------------ */
/* The scanner on hand-written shapes. */

static enum tb_status ldx_str(const char *s, struct fmt_ldx *x,
			      struct tb_error *err)
{
	return fmt_ldx_parse((const uint8_t *)s, strlen(s), "t.ldx", x, err);
}

static void test_ldx_scanner(void **state)
{
	(void)state;
	struct fmt_ldx x;
	struct tb_error err;
	const char *ok =
	    "<?xml version='1.0'?>\n<!-- a comment <Marker> -->\n"
	    "<!DOCTYPE x>\n<LDXFile Version='1.6'><Layers><Layer>"
	    "<MarkerBlock><MarkerGroup Name=\"Other\">"
	    "<Marker Time=\"5\"/></MarkerGroup>"
	    "<MarkerGroup Name='Beacons' Index='1'>"
	    "<Marker Name=\"0, id=99\" Time=\"1.10018e+09\" />\n"
	    "<Marker Name=\"1, id=99\" Time = '1.22553e+09'/>"
	    "</MarkerGroup></MarkerBlock></Layer>"
	    "<Details><String Id=\"Driver\" Value=\"A &amp; B &#x263A;"
	    "&lt;&#65;\"/><String Id=\"Empty\"/>"
	    "<String Id=\"Fastest Time\" Value=\" 2:5.5 \"/>"
	    "<String Id=\"Total Laps\" Value=\"\"/></Details>"
	    "</Layers></LDXFile>";
	assert_int_equal(ldx_str(ok, &x, &err), TB_OK);
	assert_int_equal(x.n_markers, 2);
	assert_int_equal(x.marker_us[0], 1100180000);
	assert_int_equal(x.marker_us[1], 1225530000);
	assert_string_equal(fmt_ldx_detail(&x, "Driver"),
			    "A & B \xe2\x98\xba<A");
	assert_string_equal(fmt_ldx_detail(&x, "Empty"), "");
	assert_int_equal(x.fastest_time_ms, 125500);
	assert_int_equal(x.total_laps, -1);
	assert_int_equal(x.fastest_lap, -1);
	fmt_ldx_release(&x);

	static const struct {
		const char *xml;
		enum tb_status st;
		const char *needle;
	} bad[] = {
	    {"", TB_ERR_FORMAT, "no <LDXFile>"},
	    {"just text", TB_ERR_FORMAT, "no <LDXFile>"},
	    {"<Other/>", TB_ERR_FORMAT, "root element <Other>"},
	    {"<LDXFile", TB_ERR_CORRUPT, "line 1, column 1"},
	    {"<LDXFile><MarkerGroup Name=\"Beacons\">\n  <Marker "
	     "Time=\"-5\"/>",
	     TB_ERR_CORRUPT, "line 2, column 3"},
	    {"<LDXFile><MarkerGroup Name=\"Beacons\"><Marker Time=\"x\"/>",
	     TB_ERR_CORRUPT, "not a time"},
	    {"<LDXFile><MarkerGroup Name=\"Beacons\"><Marker/>", TB_ERR_CORRUPT,
	     "without Time"},
	    {"<LDXFile><MarkerGroup Name=\"Beacons\"><Marker Time=\"9\"/>"
	     "<Marker Time=\"8\"/>",
	     TB_ERR_CORRUPT, "goes back"},
	    {"<LDXFile><MarkerGroup Name=\"Beacons\"><Marker Time=\"1e300\""
	     "/>",
	     TB_ERR_CORRUPT, "not a time"},
	    {"<LDXFile a=b>", TB_ERR_CORRUPT, "not quoted"},
	    {"<LDXFile a>", TB_ERR_CORRUPT, "without '='"},
	    {"<LDXFile a=\"x>", TB_ERR_CORRUPT, "not closed"},
	    {"<LDXFile a=\"&bogus;\">", TB_ERR_CORRUPT, "reference"},
	    {"<LDXFile><!-- x", TB_ERR_CORRUPT, "comment not closed"},
	    {"<LDXFile>< x>", TB_ERR_CORRUPT, "tag name"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum tb_status st = ldx_str(bad[i].xml, &x, &err);
		if (st != bad[i].st || !strstr(err.msg, bad[i].needle))
			fail_msg("case %zu: %s / \"%s\"", i, tb_status_name(st),
				 err.msg);
		assert_non_null(strstr(err.msg, "t.ldx"));
		assert_null(x.marker_us);
	}
}

static void test_ldx_time_parse(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int32_t ms;
	} c[] = {{"2:5.679", 125679},	{"1:58.745", 118745},
		 {"01:58.745", 118745}, {"0:59.9996", 60000},
		 {"125.5", 125500},	{"1:02:03.004", 3723004},
		 {"7", 7000},		{"", -1},
		 {"abc", -1},		{"1:60.0", -1},
		 {"1:5.", -1},		{"1:2:3:4", -1},
		 {"-1:00.0", -1},	{"1:00.000x", -1}};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (fmt_ldx_parse_time_ms(c[i].s) != c[i].ms)
			fail_msg("\"%s\": %d, expected %d", c[i].s,
				 fmt_ldx_parse_time_ms(c[i].s), c[i].ms);
}

/* ------------------------------------------------------------------ */
/* Hand-built .ld logs (independent of our writer). */

struct hchan {
	const char *name, *unit;
	uint16_t type, size, freq;
	int16_t shift, mul, scale, dec;
	uint32_t n;
	const void *data; /* n * size bytes, little-endian */
};

/* Build an .ld image: header, an event block, entries, data. */
static uint8_t *build_ld(const struct hchan *c, size_t n, size_t *len)
{
	size_t meta = 0x6E2 + 0x488, data = meta + 124 * n, total = data;
	for (size_t i = 0; i < n; i++)
		total += (size_t)c[i].n * c[i].size;
	uint8_t *b = calloc(1, total);
	tb_st_u32le(b, 0x40);
	tb_st_u32le(b + 8, (uint32_t)meta);
	tb_st_u32le(b + 12, (uint32_t)data);
	tb_st_u32le(b + 0x24, 0x6E2);
	memcpy(b + 0x4A, "ADL", 3);
	memcpy(b + 0x5E, "24/12/2023", 10);
	memcpy(b + 0x7E, "13:45:10", 8);
	memcpy(b + 0x9E, "Jo Driver", 9);
	memcpy(b + 0xDE, "bmw_z4_gt3", 10);
	memcpy(b + 0x15E, "monza", 5);
	memcpy(b + 0x6E2 + 0x40, "Qualify 1", 9);
	size_t at = data;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = b + meta + 124 * i;
		uint32_t me = (uint32_t)(meta + 124 * i);
		tb_st_u32le(e, i ? me - 124 : 0);
		tb_st_u32le(e + 4, i + 1 < n ? me + 124 : 0);
		tb_st_u32le(e + 8, (uint32_t)at);
		tb_st_u32le(e + 12, c[i].n);
		tb_st_u16le(e + 0x10, (uint16_t)(0x2EE1 + i));
		tb_st_u16le(e + 0x12, c[i].type);
		tb_st_u16le(e + 0x14, c[i].size);
		tb_st_u16le(e + 0x16, c[i].freq);
		tb_st_u16le(e + 0x18, (uint16_t)c[i].shift);
		tb_st_u16le(e + 0x1A, (uint16_t)c[i].mul);
		tb_st_u16le(e + 0x1C, (uint16_t)c[i].scale);
		tb_st_u16le(e + 0x1E, (uint16_t)c[i].dec);
		memcpy(e + 0x20, c[i].name, strlen(c[i].name));
		memcpy(e + 0x48, c[i].unit, strlen(c[i].unit));
		memcpy(b + at, c[i].data, (size_t)c[i].n * c[i].size);
		at += (size_t)c[i].n * c[i].size;
	}
	*len = total;
	return b;
}

/* 1 s of a multi-rate log: speed 100 Hz float32 km/h, throttle 50 Hz
 * int16 scaled, gear 10 Hz int16, brake 20 Hz float16 %, pressures in
 * psi, an unknown channel, steering in degrees (no lock: skipped). */
static float f_speed[100];
static int16_t i_thr[50], i_gear[10], i_unknown[10], i_steer[10];
static uint16_t h_brake[20];
static float f_press[10];

static size_t small_ld_chans(struct hchan *c)
{
	for (int i = 0; i < 100; i++)
		f_speed[i] = (float)(100 + i);
	for (int i = 0; i < 50; i++)
		i_thr[i] = (int16_t)(i * 20); /* (raw/2*10^-1 + 1) * 1 % */
	for (int i = 0; i < 10; i++) {
		i_gear[i] = (int16_t)(i % 3 + 1);
		i_unknown[i] = 7;
		i_steer[i] = 90;
		f_press[i] = 25.0f;
	}
	for (int i = 0; i < 20; i++)
		h_brake[i] = 0x5640; /* float16 100.0 */
	h_brake[10] = 0x7E00;	     /* NaN: absent */
	struct hchan t[] = {
	    {"Ground Speed", "km/h", 7, 4, 100, 0, 1, 1, 0, 100, f_speed},
	    {"Throttle Pos", "%", 3, 2, 50, 1, 1, 2, 1, 50, i_thr},
	    {"Gear", "", 0, 2, 10, 0, 0, 1, 0, 10, i_gear},
	    {"Brake Pos", "%", 7, 2, 20, 0, 1, 1, 0, 20, h_brake},
	    {"Tyre Pressure FL", "psi", 7, 4, 10, 0, 1, 1, 0, 10, f_press},
	    {"Mystery", "V", 3, 2, 10, 0, 1, 1, 0, 10, i_unknown},
	    {"Steering Angle", "deg", 3, 2, 10, 0, 1, 1, 0, 10, i_steer},
	};
	memcpy(c, t, sizeof(t));
	return sizeof(t) / sizeof(t[0]);
}

static uint8_t *small_ld(size_t *len)
{
	struct hchan c[8];
	size_t n = small_ld_chans(c);
	return build_ld(c, n, len);
}

static void test_ld_multirate(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *b = small_ld(&len);
	struct sink k;
	sink_init(&k);
	struct tb_error err;
	assert_int_equal(
	    fmt_motec_parse(b, len, "small.ld", NULL, sink_fn, &k, &err),
	    TB_OK);
	assert_int_equal(k.n, 1);
	const struct tb_lap *l = &k.laps[0];
	assert_int_equal(l->n, 100); /* the 100 Hz time base */
	assert_int_equal(l->lap_number, 1);
	assert_int_equal(l->flags, TB_LAP_INCOMPLETE);
	assert_int_equal(l->lap_time_ms, TB_TIME_UNKNOWN);
	tb_chmask want = TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_SPEED) |
			 TB_CHBIT(TB_CH_THROTTLE) | TB_CHBIT(TB_CH_GEAR) |
			 TB_CHBIT(TB_CH_BRAKE) | TB_CHBIT(TB_CH_TYRE_PRESS_FL);
	assert_int_equal(l->chans, want); /* no steer, no mystery */
	for (size_t i = 0; i < 100; i++) {
		assert_true(fabs(l->col[TB_CH_TIME][i] - i / 100.0) < 1e-12);
		assert_true(fabs(l->col[TB_CH_SPEED][i] - (100 + i) / 3.6) <
			    1e-9);
		/* throttle at 50 Hz: sample j = (20j/2 * 0.1 + 1)% =
		 * (j + 1)%, linear in between */
		double thr = i < 99 ? (i / 2.0 + 1) / 100.0 : 0.50;
		if (fabs(l->col[TB_CH_THROTTLE][i] - thr) > 1e-12)
			fail_msg("throttle[%zu] %g, expected %g", i,
				 l->col[TB_CH_THROTTLE][i], thr);
	}
	/* gear holds (step), never interpolated */
	for (size_t i = 0; i < 100; i++)
		assert_true(l->col[TB_CH_GEAR][i] == (double)(i / 10 % 3 + 1));
	/* brake: float16 100 % = 1.0; the NaN sample (50..54 and the
	 * interpolation into it from 45) is absent */
	for (size_t i = 0; i < 100; i++) {
		bool has = (l->mask[i] & TB_CHBIT(TB_CH_BRAKE)) != 0;
		bool nan_zone = i > 45 && i < 55;
		assert_int_equal(has, !nan_zone);
		if (has)
			assert_true(l->col[TB_CH_BRAKE][i] == 1.0);
	}
	assert_true(fabs(l->col[TB_CH_TYRE_PRESS_FL][0] -
			 25.0 * TB_KPA_PER_PSI) < 1e-9);
	/* metadata */
	assert_string_equal(k.car.driver, "Jo Driver");
	assert_string_equal(k.s.track, "monza");
	assert_string_equal(k.meta.car, "bmw_z4_gt3");
	assert_string_equal(k.meta.source, "motec-ld");
	assert_int_equal(k.s.kind, TB_SESSION_QUALIFYING);
	assert_int_equal(k.s.car_class, TB_CLASS_GT3);
	assert_int_equal(k.s.game, TB_GAME_UNKNOWN);
	assert_int_equal(k.s.start_unix_ms, 1703425510000LL);
	sink_release(&k);
	free(b);
}

static void test_ld_beacons(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *b = small_ld(&len);
	struct fmt_ldx x;
	const char *xml = "<LDXFile><MarkerGroup Name=\"Beacons\">"
			  "<Marker Time=\"205000\"/><Marker Time=\"505000\"/>"
			  "<Marker Time=\"505000\"/><Marker Time=\"2000000\"/>"
			  "</MarkerGroup></LDXFile>";
	assert_int_equal(ldx_str(xml, &x, NULL), TB_OK);
	struct sink k;
	sink_init(&k);
	assert_int_equal(
	    fmt_motec_parse(b, len, "small.ld", &x, sink_fn, &k, NULL), TB_OK);
	/* [0, 0.205) lap 0; [0.205, 0.505) lap 1 (300 ms); the empty lap
	 * 2 dropped; [0.505, 1.0) lap 3, its end beacon past the data */
	assert_int_equal(k.n, 3);
	assert_int_equal(k.laps[0].lap_number, 0);
	assert_int_equal(k.laps[0].n, 21);
	assert_int_equal(k.laps[0].flags, TB_LAP_INCOMPLETE);
	assert_false(k.laps[0].chans & TB_CHBIT(TB_CH_LAP_TIME));
	assert_int_equal(k.laps[1].lap_number, 1);
	assert_int_equal(k.laps[1].lap_time_ms, 300);
	assert_int_equal(k.laps[1].flags, 0);
	assert_int_equal(k.laps[1].n, 30);
	assert_true(fabs(k.laps[1].col[TB_CH_LAP_TIME][0] - 0.005) < 1e-12);
	assert_true(fabs(k.laps[1].col[TB_CH_TIME][0] - 0.21) < 1e-12);
	assert_int_equal(k.laps[2].lap_number, 3);
	assert_int_equal(k.laps[2].lap_time_ms, 1495);
	assert_int_equal(k.laps[2].flags, TB_LAP_INCOMPLETE);
	assert_int_equal(k.laps[2].n, 49);
	sink_release(&k);
	fmt_ldx_release(&x);
	free(b);
}

static enum tb_status parse_count(const uint8_t *b, size_t len, size_t *laps,
				  struct tb_error *err)
{
	struct sink k;
	sink_init(&k);
	enum tb_status st =
	    fmt_motec_parse(b, len, "bad.ld", NULL, sink_fn, &k, err);
	*laps = k.n;
	sink_release(&k);
	return st;
}

static void test_ld_truncated_every_byte(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *b = small_ld(&len);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);
		memcpy(c, b, cut);
		size_t laps;
		struct tb_error err;
		enum tb_status st = parse_count(c, cut, &laps, &err);
		if (st == TB_OK)
			fail_msg("cut at %zu of %zu accepted", cut, len);
		assert_int_equal(laps, 0);
		assert_non_null(strstr(err.msg, "bad.ld"));
		free(c);
	}
	free(b);
}

/* Corrupt one field of the small log; expect status and message. */
struct corrupt_case {
	size_t off; /* from the first channel entry when chan >= 0 */
	int chan;
	uint32_t value;
	int width;
	enum tb_status st;
	const char *needle;
};

static void test_ld_corrupt_fields(void **state)
{
	(void)state;
	size_t meta = 0x6E2 + 0x488;
	const struct corrupt_case cases[] = {
	    {0, -1, 0x41, 4, TB_ERR_FORMAT, "0x40"},
	    {8, -1, 0, 4, TB_ERR_CORRUPT, "no channels"},
	    {8, -1, 0x7fffffff, 4, TB_ERR_CORRUPT, "past the end"},
	    {8, -1, 0x10, 4, TB_ERR_CORRUPT, "inside the file header"},
	    {0x24, -1, 0xfffffff0, 4, TB_ERR_CORRUPT, "event block"},
	    {0x6E2 + 0x480, -1, 0xfff0, 2, TB_ERR_CORRUPT, "venue block"},
	    {4, 0, (uint32_t)meta, 4, TB_ERR_CORRUPT, "loops back"},
	    {4, 3, (uint32_t)(meta + 124), 4, TB_ERR_CORRUPT,
	     "channel 4: next pointer"},
	    {4, 2, 0xfffffff0, 4, TB_ERR_CORRUPT, "channel 3: entry"},
	    {8, 1, 0xffffff00, 4, TB_ERR_CORRUPT, "channel 1 \"Throttle Pos\""},
	    {12, 0, 0x40000000, 4, TB_ERR_CORRUPT, "run past the end"},
	    {12, 4, 0xffffffff, 4, TB_ERR_CORRUPT, "run past the end"},
	    {0x12, 2, 9, 2, TB_ERR_CORRUPT, "unknown data type 9"},
	    {0x14, 2, 3, 2, TB_ERR_CORRUPT, "bad sample size 3"},
	    {0x14, 0, 1, 2, TB_ERR_CORRUPT, "bad sample size 1"},
	    {0x16, 3, 0, 2, TB_ERR_CORRUPT, "absurd rate (Hz) 0"},
	    {0x16, 3, 65535, 2, TB_ERR_CORRUPT, "absurd rate (Hz) 65535"},
	    {0x1C, 1, 0, 2, TB_ERR_CORRUPT, "scale 0"},
	    {0x1E, 1, 400, 2, TB_ERR_CORRUPT, "decimal places 400"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = 0;
		uint8_t *b = small_ld(&len);
		const struct corrupt_case *c = &cases[i];
		size_t at = c->chan >= 0 ? meta + 124 * (size_t)c->chan + c->off
					 : c->off;
		if (c->width == 4)
			tb_st_u32le(b + at, c->value);
		else
			tb_st_u16le(b + at, (uint16_t)c->value);
		size_t laps;
		struct tb_error err;
		enum tb_status st = parse_count(b, len, &laps, &err);
		if (st != c->st || !strstr(err.msg, c->needle) ||
		    !strstr(err.msg, "bad.ld"))
			fail_msg("case %zu: %s \"%s\"", i, tb_status_name(st),
				 err.msg);
		assert_int_equal(laps, 0);
		free(b);
	}
}

static void test_ld_random_bytes(void **state)
{
	(void)state;
	srand(1234);
	for (int r = 0; r < 3000; r++) {
		size_t len = (size_t)(rand() % 5000);
		uint8_t *b = malloc(len + 1);
		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)rand();
		if (len >= 4 && r % 2)
			tb_st_u32le(b, 0x40);
		size_t laps;
		struct tb_error err;
		enum tb_status st = parse_count(b, len, &laps, &err);
		assert_int_not_equal(st, TB_OK);
		assert_int_equal(laps, 0);
		assert_true(err.msg[0] != 0);
		free(b);
	}
	/* random garbage over the entries of a valid log */
	size_t meta = 0x6E2 + 0x488;
	for (int r = 0; r < 3000; r++) {
		size_t len = 0;
		uint8_t *b = small_ld(&len);
		for (int k = 0; k < 4; k++)
			b[meta + (size_t)(rand() % (124 * 7))] =
			    (uint8_t)rand();
		size_t laps;
		enum tb_status st = parse_count(b, len, &laps, NULL);
		assert_true(st == TB_OK ? laps == 1 : laps == 0);
		free(b);
	}
}

static void test_ld_alloc_failures(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *b = small_ld(&len);
	struct fmt_ldx x;
	assert_int_equal(
	    ldx_str("<LDXFile><MarkerGroup Name=\"Beacons\"><Marker "
		    "Time=\"200000\"/><Marker Time=\"600000\"/>"
		    "</MarkerGroup></LDXFile>",
		    &x, NULL),
	    TB_OK);
	bool ok = false;
	for (long n = 1; n < 200 && !ok; n++) {
		struct sink k;
		sink_init(&k);
		struct tb_error err;
		tb_fault_fail_alloc_after(n);
		enum tb_status st =
		    fmt_motec_parse(b, len, "a.ld", &x, sink_fn, &k, &err);
		tb_fault_fail_alloc_after(0);
		if (st == TB_OK) {
			ok = true;
			assert_int_equal(k.n, 3);
		} else {
			assert_int_equal(st, TB_ERR_NOMEM);
			assert_non_null(strstr(err.msg, "a.ld"));
		}
		sink_release(&k);
	}
	assert_true(ok);
	fmt_ldx_release(&x);
	free(b);
}

static void test_ld_receiver_stops(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *b = small_ld(&len);
	struct sink k;
	sink_init(&k);
	k.answer = TB_ERR_FULL;
	struct tb_error err;
	assert_int_equal(
	    fmt_motec_parse(b, len, "s.ld", NULL, sink_fn, &k, &err),
	    TB_ERR_FULL);
	assert_int_equal(k.n, 1);
	assert_non_null(strstr(err.msg, "refused"));
	sink_release(&k);
	free(b);
}

/* ------------------------------------------------------------------ */
/* Writer round trips. */

static void lap_push(struct tb_lap *l, const struct tb_frame *f)
{
	assert_int_equal(tb_lap_push(l, f), TB_OK);
}

/* Precision a channel is declared with on the way back: int16 columns
 * are exact (up to double rounding of the unit factor), float32 ones
 * carry 24 bits. */
static double tol(double v)
{
	return fabs(v) * 1.2e-7 + 1e-9;
}

static void assert_laps_equal(const struct tb_lap *got,
			      const struct tb_lap *want, size_t li)
{
	assert_int_equal(got->n, want->n);
	assert_int_equal(got->lap_number, want->lap_number);
	assert_int_equal(got->lap_time_ms, want->lap_time_ms);
	assert_int_equal(got->flags, want->flags);
	if (got->chans != want->chans)
		fail_msg("lap %zu: channels %llx, expected %llx", li,
			 (unsigned long long)got->chans,
			 (unsigned long long)want->chans);
	for (size_t i = 0; i < want->n; i++) {
		if (got->mask[i] != want->mask[i])
			fail_msg("lap %zu sample %zu: mask %llx, expected "
				 "%llx",
				 li, i, (unsigned long long)got->mask[i],
				 (unsigned long long)want->mask[i]);
		for (int ch = 0; ch < TB_CH__COUNT; ch++) {
			if (!(want->mask[i] & TB_CHBIT(ch)))
				continue;
			double a = got->col[ch][i], b = want->col[ch][i];
			if (fabs(a - b) > tol(b))
				fail_msg("lap %zu sample %zu %s: %.9g, "
					 "expected %.9g",
					 li, i, tb_channel_name(ch), a, b);
		}
	}
}

static void session(struct tb_session_info *s, struct tb_car_info *car)
{
	memset(s, 0, sizeof(*s));
	memset(car, 0, sizeof(*car));
	s->game = TB_GAME_F1_25;
	snprintf(s->track, sizeof(s->track), "Silverstone");
	s->track_length_m = 5891.0;
	s->kind = TB_SESSION_RACE;
	s->car_class = TB_CLASS_F1;
	s->start_unix_ms = 1745000000000LL; /* whole seconds */
	snprintf(car->driver, sizeof(car->driver), "Max Tester");
}

static enum tb_status roundtrip(const char *name, const struct tb_lap *laps,
				size_t n, struct sink *k)
{
	struct tb_session_info s;
	struct tb_car_info car;
	session(&s, &car);
	char *p = path_in_tmp(name);
	struct tb_error err;
	enum tb_status st = fmt_motec_write(p, &s, &car, laps, n, &err);
	if (st != TB_OK)
		fail_msg("write: %s", err.msg);
	sink_init(k);
	st = fmt_importer_motec_ld.import(p, sink_fn, k, NULL, &err);
	if (st != TB_OK)
		fail_msg("import: %s", err.msg);
	assert_string_equal(k->car.driver, "Max Tester");
	assert_string_equal(k->s.track, "Silverstone");
	assert_true(fabs(k->s.track_length_m - 5891.0) < 1e-9);
	assert_int_equal(k->s.kind, TB_SESSION_RACE);
	assert_int_equal(k->s.car_class, TB_CLASS_F1);
	assert_int_equal(k->s.start_unix_ms, 1745000000000LL);
	return st;
}

/* F1-like: 3 laps of 300 samples at 60 Hz (5 s each), every channel;
 * speed quantised to whole km/h and gear/DRS/sector integers (int16 on
 * disk), the rest arbitrary floats (float32 on disk). */
static void make_f1_laps(struct tb_lap *laps, size_t n_laps, size_t n)
{
	for (size_t l = 0; l < n_laps; l++) {
		tb_lap_init(&laps[l]);
		laps[l].lap_number = (uint32_t)l + 1;
		laps[l].lap_time_ms = (int32_t)(n * 1000 / 60);
		for (size_t i = 0; i < n; i++) {
			struct tb_frame f;
			tb_frame_clear(&f);
			double t = (double)(l * n + i) / 60.0;
			for (int ch = 0; ch < TB_CH__COUNT; ch++)
				tb_frame_set(&f, ch,
					     sin(0.01 * i + ch) * (ch + 1) *
						 10.0);
			tb_frame_set(&f, TB_CH_TIME, t);
			tb_frame_set(&f, TB_CH_LAP_TIME, i / 60.0);
			tb_frame_set(&f, TB_CH_SPEED,
				     (double)((i * 7 + l) % 340) / 3.6);
			tb_frame_set(&f, TB_CH_GEAR, (double)(i / 40 % 9) - 1);
			tb_frame_set(&f, TB_CH_DRS, (double)(i / 100 % 2));
			tb_frame_set(&f, TB_CH_SECTOR, (double)(i * 3 / n));
			tb_frame_set(&f, TB_CH_ERS_MODE, 2);
			tb_frame_set(&f, TB_CH_THROTTLE, (i % 101) / 100.0);
			tb_frame_set(&f, TB_CH_BRAKE, 0.123456789);
			tb_frame_set(&f, TB_CH_STEER, sin(i * 0.05));
			tb_frame_set(&f, TB_CH_RPM, 10000 + i * 13.5);
			tb_frame_set(&f, TB_CH_LAP_DIST, i * 19.2);
			tb_frame_set(&f, TB_CH_ERS_STORE, 4e6 - i * 1000.25);
			lap_push(&laps[l], &f);
		}
	}
}

static void test_roundtrip_f1(void **state)
{
	(void)state;
	struct tb_lap laps[3];
	make_f1_laps(laps, 3, 300);
	struct sink k;
	roundtrip("f1.ld", laps, 3, &k);
	assert_int_equal(k.n, 3);
	for (size_t l = 0; l < 3; l++)
		assert_laps_equal(&k.laps[l], &laps[l], l);
	/* the .ldx says what i2 shows */
	struct fmt_ldx x;
	assert_int_equal(fmt_ldx_read(path_in_tmp("f1.ldx"), &x, NULL), TB_OK);
	assert_int_equal(x.n_markers, 4);
	assert_int_equal(x.marker_us[3], 15000000);
	assert_int_equal(x.total_laps, 5);
	assert_int_equal(x.fastest_time_ms, 5000);
	assert_int_equal(x.fastest_lap, 1);
	fmt_ldx_release(&x);
	/* detection by content picks the MoTeC importer */
	const struct fmt_importer *imp = fmt_detect(path_in_tmp("f1.ld"), NULL);
	assert_non_null(imp);
	assert_string_equal(imp->name, "motec-ld");
	sink_release(&k);
	for (size_t l = 0; l < 3; l++)
		tb_lap_release(&laps[l]);
}

/* 20 Hz, a few channels, the last lap incomplete (no end beacon). */
static void test_roundtrip_sparse(void **state)
{
	(void)state;
	struct tb_lap laps[2];
	size_t n[2] = {40, 25};
	for (size_t l = 0; l < 2; l++) {
		tb_lap_init(&laps[l]);
		laps[l].lap_number = (uint32_t)l + 1;
		laps[l].lap_time_ms = l == 0 ? 2000 : TB_TIME_UNKNOWN;
		laps[l].flags = l == 0 ? 0 : TB_LAP_INCOMPLETE;
		for (size_t i = 0; i < n[l]; i++) {
			struct tb_frame f;
			tb_frame_clear(&f);
			tb_frame_set(&f, TB_CH_TIME, l * 2.0 + i / 20.0);
			tb_frame_set(&f, TB_CH_LAP_TIME, i / 20.0);
			tb_frame_set(&f, TB_CH_SPEED, 20.0 + i * 0.37);
			tb_frame_set(&f, TB_CH_THROTTLE, 1.0);
			tb_frame_set(&f, TB_CH_GEAR, 3);
			tb_frame_set(&f, TB_CH_POS_X, -1234.5678 + i);
			lap_push(&laps[l], &f);
		}
	}
	struct sink k;
	roundtrip("sparse.ld", laps, 2, &k);
	assert_int_equal(k.n, 2);
	assert_laps_equal(&k.laps[0], &laps[0], 0);
	assert_laps_equal(&k.laps[1], &laps[1], 1);
	assert_false(k.laps[0].chans & TB_CHBIT(TB_CH_BRAKE));
	sink_release(&k);
	for (size_t l = 0; l < 2; l++)
		tb_lap_release(&laps[l]);
}

/* Channels that appear mid-lap: RPM from sample 100 of lap 1, tyre temps
 * only in lap 2 (from its sample 30). */
static void test_roundtrip_mid_lap(void **state)
{
	(void)state;
	struct tb_lap laps[2];
	for (size_t l = 0; l < 2; l++) {
		tb_lap_init(&laps[l]);
		laps[l].lap_number = (uint32_t)l + 1;
		laps[l].lap_time_ms = 3000;
		for (size_t i = 0; i < 180; i++) {
			struct tb_frame f;
			tb_frame_clear(&f);
			tb_frame_set(&f, TB_CH_TIME, l * 3.0 + i / 60.0);
			tb_frame_set(&f, TB_CH_LAP_TIME, i / 60.0);
			tb_frame_set(&f, TB_CH_SPEED, 50.0);
			if (l == 1 || i >= 100)
				tb_frame_set(&f, TB_CH_RPM, 8000 + i);
			if (l == 1 && i >= 30)
				for (int w = 0; w < 4; w++)
					tb_frame_set(&f, TB_CH_TYRE_SURF_FL + w,
						     90.25 + w + i * 0.01);
			lap_push(&laps[l], &f);
		}
	}
	struct sink k;
	roundtrip("mid.ld", laps, 2, &k);
	assert_int_equal(k.n, 2);
	assert_laps_equal(&k.laps[0], &laps[0], 0);
	assert_laps_equal(&k.laps[1], &laps[1], 1);
	assert_false(k.laps[0].chans & TB_CHBIT(TB_CH_TYRE_SURF_FL));
	sink_release(&k);
	for (size_t l = 0; l < 2; l++)
		tb_lap_release(&laps[l]);
}

/* Regressions found by the export round trips (test_roundtrip.c): lap
 * numbers other than 1.. (an out lap 7, then 8, 9), the "stage" session
 * kind, a gear change a few µs after a grid point (float32 session
 * times) that must not land a period late, and whole-ms time stamps
 * (Forza) that must still give a 60 Hz grid. */
static void test_roundtrip_regressions(void **state)
{
	(void)state;
	struct tb_lap laps[3];
	for (size_t l = 0; l < 3; l++) {
		tb_lap_init(&laps[l]);
		laps[l].lap_number = 7 + (uint32_t)l;
		laps[l].lap_time_ms = l == 0 ? TB_TIME_UNKNOWN : 2000;
		laps[l].flags = l == 0 ? TB_LAP_INCOMPLETE | TB_LAP_OUT : 0;
		for (size_t i = 0; i < 120; i++) {
			struct tb_frame f;
			tb_frame_clear(&f);
			/* whole ms, as Forza stamps its packets */
			double t = (double)((l * 120 + i) * 1000 / 60) / 1e3;
			tb_frame_set(&f, TB_CH_TIME, t);
			tb_frame_set(&f, TB_CH_SPEED, 40.0);
			/* µs off the grid, as float32 session times are */
			tb_frame_set(&f, TB_CH_GEAR, i < 61 ? 3 : 4);
			lap_push(&laps[l], &f);
		}
	}
	struct tb_session_info s;
	struct tb_car_info car;
	session(&s, &car);
	s.kind = TB_SESSION_STAGE;
	char *p = path_in_tmp("regr.ld");
	assert_int_equal(fmt_motec_write(p, &s, &car, laps, 3, NULL), TB_OK);
	struct sink k;
	sink_init(&k);
	assert_int_equal(
	    fmt_importer_motec_ld.import(p, sink_fn, &k, NULL, NULL), TB_OK);
	assert_int_equal(k.s.kind, TB_SESSION_STAGE);
	assert_int_equal(k.n, 3);
	for (size_t l = 0; l < 3; l++) {
		assert_int_equal(k.laps[l].lap_number, 7 + l);
		/* 60 Hz, not the 59 of a median of 16/17 ms steps */
		assert_true(fabs(k.laps[l].col[TB_CH_TIME][1] -
				 k.laps[l].col[TB_CH_TIME][0] - 1.0 / 60) <
			    1e-9);
	}
	assert_int_equal(k.laps[0].flags, TB_LAP_INCOMPLETE);
	assert_int_equal(k.laps[1].lap_time_ms, 2000);
	sink_release(&k);
	/* one lap, its time base µs off the grid: gear changes on time */
	tb_lap_clear_samples(&laps[2]);
	for (size_t i = 0; i < 120; i++) {
		struct tb_frame f;
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME,
			     (double)(float)(100.0 + i / 60.0) - 100.0);
		tb_frame_set(&f, TB_CH_SPEED, 40.0);
		tb_frame_set(&f, TB_CH_GEAR, (double)(i / 7 % 6 + 1));
		lap_push(&laps[2], &f);
	}
	laps[2].lap_number = 12;
	assert_int_equal(fmt_motec_write(p, &s, &car, &laps[2], 1, NULL),
			 TB_OK);
	sink_init(&k);
	assert_int_equal(
	    fmt_importer_motec_ld.import(p, sink_fn, &k, NULL, NULL), TB_OK);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.laps[0].lap_number, 12);
	assert_true(k.laps[0].n >= 120);
	for (size_t i = 0; i < 120; i++)
		if (k.laps[0].col[TB_CH_GEAR][i] != laps[2].col[TB_CH_GEAR][i])
			fail_msg("gear at %zu: %g, expected %g", i,
				 k.laps[0].col[TB_CH_GEAR][i],
				 laps[2].col[TB_CH_GEAR][i]);
	sink_release(&k);
	for (size_t l = 0; l < 3; l++)
		tb_lap_release(&laps[l]);
}

/* The written log without its .ldx is one incomplete lap; truncating
 * the written file anywhere fails cleanly with no lap. */
static void test_written_without_ldx_and_truncated(void **state)
{
	(void)state;
	struct tb_lap laps[2];
	make_f1_laps(laps, 2, 120);
	struct tb_session_info s;
	struct tb_car_info car;
	session(&s, &car);
	char *p = path_in_tmp("solo.ld");
	assert_int_equal(fmt_motec_write(p, &s, &car, laps, 2, NULL), TB_OK);
	assert_int_equal(remove(path_in_tmp("solo.ldx")), 0);
	struct sink k;
	sink_init(&k);
	assert_int_equal(
	    fmt_importer_motec_ld.import(p, sink_fn, &k, NULL, NULL), TB_OK);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.laps[0].n, 240);
	assert_int_equal(k.laps[0].flags, TB_LAP_INCOMPLETE);
	assert_int_equal(k.laps[0].lap_number, 1);
	sink_release(&k);
	size_t len = 0;
	uint8_t *b = tbt_read_file(p, &len);
	assert_non_null(b);
	for (size_t cut = 0; cut < len; cut += cut < 8000 ? 1 : 97) {
		size_t n_laps;
		struct tb_error err;
		assert_int_not_equal(parse_count(b, cut, &n_laps, &err), TB_OK);
		assert_int_equal(n_laps, 0);
	}
	free(b);
	/* a corrupt .ldx next to a good .ld imports nothing */
	write_file(path_in_tmp("solo.ldx"), "<LDXFile><Marker", 16);
	sink_init(&k);
	struct tb_error err;
	assert_int_equal(
	    fmt_importer_motec_ld.import(p, sink_fn, &k, NULL, &err),
	    TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "solo.ldx"));
	assert_int_equal(k.n, 0);
	for (size_t l = 0; l < 2; l++)
		tb_lap_release(&laps[l]);
}

static void test_writer_args(void **state)
{
	(void)state;
	struct tb_lap lap;
	tb_lap_init(&lap);
	struct tb_error err;
	assert_int_equal(
	    fmt_motec_write(path_in_tmp("x.ld"), NULL, NULL, &lap, 0, &err),
	    TB_ERR_ARG);
	assert_int_equal(fmt_motec_write(NULL, NULL, NULL, &lap, 1, &err),
			 TB_ERR_ARG);
	/* only time channels: nothing .ld can carry */
	struct tb_frame f;
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_TIME, 0);
	lap_push(&lap, &f);
	assert_int_equal(
	    fmt_motec_write(path_in_tmp("x.ld"), NULL, NULL, &lap, 1, &err),
	    TB_ERR_ARG);
	assert_int_equal(
	    fmt_motec_write("/nonexistent/dir/x.ld", NULL, NULL, &lap, 1, &err),
	    TB_ERR_ARG);
	tb_frame_set(&f, TB_CH_SPEED, 1);
	lap_push(&lap, &f);
	assert_int_equal(
	    fmt_motec_write("/nonexistent/dir/x.ld", NULL, NULL, &lap, 1, &err),
	    TB_ERR_IO);
	tb_lap_release(&lap);
}

static void test_sniff(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *b = small_ld(&len);
	assert_true(fmt_importer_motec_ld.sniff(b, len, NULL));
	b[0] = 0x41;
	assert_false(fmt_importer_motec_ld.sniff(b, len, NULL));
	b[0] = 0x40;
	b[0x4A] = 0x01;
	assert_false(fmt_importer_motec_ld.sniff(b, len, NULL));
	assert_false(fmt_importer_motec_ld.sniff(b, 10, NULL));
	free(b);
}

int main(void)
{
	tmp_dir = tbt_tmpdir();
	if (!tmp_dir)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ldx_scanner),
	    cmocka_unit_test(test_ldx_time_parse),
	    cmocka_unit_test(test_ld_multirate),
	    cmocka_unit_test(test_ld_beacons),
	    cmocka_unit_test(test_ld_truncated_every_byte),
	    cmocka_unit_test(test_ld_corrupt_fields),
	    cmocka_unit_test(test_ld_random_bytes),
	    cmocka_unit_test(test_ld_alloc_failures),
	    cmocka_unit_test(test_ld_receiver_stops),
	    cmocka_unit_test(test_roundtrip_f1),
	    cmocka_unit_test(test_roundtrip_sparse),
	    cmocka_unit_test(test_roundtrip_mid_lap),
	    cmocka_unit_test(test_roundtrip_regressions),
	    cmocka_unit_test(test_written_without_ldx_and_truncated),
	    cmocka_unit_test(test_writer_args),
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_ldx_real_files),
	    cmocka_unit_test(test_ldx_real_details),
	    cmocka_unit_test(test_ldx_vs_lap_tables),
	    cmocka_unit_test(test_ldx_truncated),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}

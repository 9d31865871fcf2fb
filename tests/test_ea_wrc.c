/* test_ea_wrc.c - the EA SPORTS WRC protocol: the built-in structure's
 * layout, structure JSON parsing (valid files and every kind of bad
 * one), encode/decode round trips per packet kind, truncated / unknown
 * 4CC / wrong length rejected and counted, 100,000 random datagrams,
 * detection, canonical units, sessions from session_start / session_end,
 * a structure file through ingest_opts.schema, and a generated multi-lap
 * stream, found by auto-detection, whose stage runs carry exactly the
 * generator's lap times. */
#include "tb_ingest_test.h"

#include <math.h>

#include "ingest/ea_wrc.h"
#include "ingest/proto.h"

static uint64_t rng_state;

static uint64_t rng(void)
{
	return tbt_rng_next(&rng_state);
}

static const char custom_json[] =
    "{\n  \"versions\": {\"schema\": 1, \"data\": 3},\n"
    "  \"id\": \"laptimer\",\n"
    "  \"header\": {\"channels\": [\"packet_4cc\", \"packet_uid\"]},\n"
    "  \"packets\": [\n"
    "    {\"id\": \"session_start\", \"channels\": [\"vehicle_id\", "
    "\"location_id\", \"route_id\", \"stage_length\", "
    "\"stage_shakedown\"]},\n"
    "    {\"channels\": [\"stage_current_distance\", "
    "\"stage_current_time\", \"stage_previous_split_time\", "
    "\"stage_progress\", \"vehicle_speed\", \"vehicle_gear_index\", "
    "\"game_total_time\"], \"id\": \"session_update\", \"x\": [1, "
    "{\"y\": null}, true, -2.5e3, \"\\u00e9\\\"\"]},\n"
    "    {\"id\": \"session_end\", \"channels\": [\"stage_result_time\", "
    "\"stage_result_status\"]},\n"
    "    {\"id\": \"something_else\", \"channels\": []}\n"
    "  ]\n}\n";

static void test_default_schema(void **state)
{
	(void)state;
	struct wrc_schema s;
	wrc_schema_default(&s);
	assert_string_equal(s.id, "wrc");
	assert_int_equal(s.header_size, 12);
	assert_int_equal(s.off_4cc, 0);
	assert_int_equal(s.pk[WRC_SESSION_UPDATE].n, 58);
	assert_int_equal(s.pk[WRC_SESSION_UPDATE].size, 241);
	assert_int_equal(s.pk[WRC_SESSION_START].size, 12);
	assert_int_equal(s.pk[WRC_SESSION_END].size, 12);
	/* spot offsets (the packed sequential layout) */
	const struct wrc_packet_def *d = &s.pk[WRC_SESSION_UPDATE];
	assert_int_equal(d->f[0].ch, WRC_CH_GAME_TOTAL_TIME);
	assert_int_equal(d->f[0].off, 12);
	assert_int_equal(d->f[2].off, 20);  /* game_frame_count u64 */
	assert_int_equal(d->f[7].off, 41);  /* gear index after the bool */
	assert_int_equal(d->f[11].off, 45); /* vehicle_speed */
	assert_int_equal(d->f[57].ch, WRC_CH_STAGE_LENGTH);
	assert_int_equal(d->f[57].off, 233);
}

static void test_schema_parse(void **state)
{
	(void)state;
	struct wrc_schema s;
	struct tb_error err;
	assert_int_equal(
	    wrc_schema_parse(custom_json, strlen(custom_json), &s, &err),
	    TB_OK);
	assert_string_equal(s.id, "laptimer");
	assert_true(s.pk[WRC_SESSION_START].used);
	assert_false(s.pk[WRC_SESSION_PAUSE].used);
	assert_int_equal(s.pk[WRC_SESSION_START].size, 12 + 2 + 2 + 2 + 8 + 1);
	assert_int_equal(s.pk[WRC_SESSION_UPDATE].size,
			 12 + 8 + 4 + 4 + 4 + 4 + 1 + 4);
	assert_int_equal(s.pk[WRC_SESSION_END].size, 12 + 4 + 1);
	/* bad ones */
	const char *bad[] = {
	    "",
	    "[]",
	    "{\"header\": {\"channels\": [\"no_such_channel\"]}}",
	    "{\"header\": {\"channels\": [\"packet_4cc\"]}",
	    "{\"id\": \"x\",}",
	    "{\"id\": \"x\"} trailing",
	    "{\"id\": \"unterminated}",
	    "{\"id\": \"bad \\q escape\"}",
	    "{\"packets\": [{\"id\": \"session_start\", \"channels\": "
	    "[\"vehicle_id\" \"route_id\"]}]}",
	    /* no 4CC and no session_update */
	    "{\"header\": {\"channels\": [\"packet_uid\"]}, \"packets\": "
	    "[]}",
	    "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		enum tb_status st =
		    wrc_schema_parse(bad[i], strlen(bad[i]), &s, &err);
		if (st != TB_ERR_FORMAT)
			fail_msg("bad[%zu] gave %s", i, tb_status_name(st));
		assert_true(strlen(err.msg) > 0);
	}
	assert_int_equal(wrc_schema_parse(bad[2], strlen(bad[2]), &s, &err),
			 TB_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "no_such_channel"));
	/* too many fields */
	char big[16384];
	size_t o = (size_t)snprintf(big, sizeof(big),
				    "{\"packets\":[{\"id\":\"session_update\","
				    "\"channels\":[");
	for (int i = 0; i < WRC_FIELDS_MAX + 1; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s\"%s\"",
				      i ? "," : "", "vehicle_speed");
	o += (size_t)snprintf(big + o, sizeof(big) - o, "]}]}");
	assert_int_equal(wrc_schema_parse(big, o, &s, &err), TB_ERR_FORMAT);
	/* random bytes and truncations of a good file never crash */
	rng_state = 0x5EED0101;
	size_t n = strlen(custom_json);
	size_t n_ok = 0;
	for (size_t cut = 0; cut < n; cut++)
		n_ok += wrc_schema_parse(custom_json, cut, &s, NULL) == TB_OK;
	assert_int_equal(n_ok, 1); /* only without the final newline */
	for (int k = 0; k < 2000; k++) {
		char buf[256];
		memcpy(buf, custom_json, sizeof(buf));
		buf[rng() % sizeof(buf)] = (char)rng();
		if (wrc_schema_parse(buf, sizeof(buf), &s, NULL) == TB_OK)
			fail_msg("a cut file parsed");
	}
	assert_int_equal(wrc_schema_load("/nonexistent/wrc.json", &s, &err),
			 TB_ERR_IO);
}

static void random_packet(struct wrc_packet *p, const struct wrc_schema *s,
			  enum wrc_kind k)
{
	memset(p, 0, sizeof(*p));
	p->kind = k;
	const struct wrc_packet_def *d = &s->pk[k];
	for (size_t i = 0; i < s->n_header + d->n; i++) {
		const struct wrc_field *f =
		    i < s->n_header ? &s->header[i] : &d->f[i - s->n_header];
		enum wrc_channel ch = f->ch;
		uint64_t v = rng();
		switch (wrc_channel_type(ch)) {
		case WRC_T_BOOL:
		case WRC_T_U8:
			v &= 0xff;
			break;
		case WRC_T_U16:
			v &= 0xffff;
			break;
		case WRC_T_U32:
		case WRC_T_F32:
			v &= 0xffffffffu;
			break;
		case WRC_T_FOURCC:
			v = tb_ld_u32le(
			    (const uint8_t[]){'s', 'e', 's', "suepr"[k]});
			break;
		default:
			break;
		}
		p->raw[ch] = v;
		p->has[ch / 64] |= (uint64_t)1 << (ch % 64);
	}
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct wrc_schema sch[2];
	wrc_schema_default(&sch[0]);
	assert_int_equal(
	    wrc_schema_parse(custom_json, strlen(custom_json), &sch[1], NULL),
	    TB_OK);
	rng_state = 0x5EED0102;
	uint8_t buf[TB_DATAGRAM_MAX];
	for (int si = 0; si < 2; si++) {
		for (int k = 0; k < WRC_KIND__COUNT; k++) {
			if (!sch[si].pk[k].used)
				continue;
			for (int r = 0; r < 50; r++) {
				struct wrc_packet p, q;
				random_packet(&p, &sch[si], (enum wrc_kind)k);
				size_t n = 0;
				assert_int_equal(wrc_encode(&sch[si], &p, buf,
							    sizeof(buf), &n),
						 TB_OK);
				assert_int_equal(n, sch[si].pk[k].size);
				assert_int_equal(
				    wrc_decode(&sch[si], buf, n, &q, NULL),
				    TB_OK);
				assert_memory_equal(&p, &q, sizeof(p));
			}
		}
	}
	/* values: an f64 distance and a u8 gear at their offsets */
	struct wrc_packet p;
	memset(&p, 0, sizeof(p));
	p.kind = WRC_SESSION_UPDATE;
	wrc_set(&p, WRC_CH_STAGE_DIST, 1234.5);
	wrc_set(&p, WRC_CH_GEAR, 3);
	size_t n;
	assert_int_equal(wrc_encode(&sch[0], &p, buf, sizeof(buf), &n), TB_OK);
	assert_memory_equal(buf, "sesu", 4);
	double d;
	uint64_t u = tb_ld_u64le(buf + 225);
	memcpy(&d, &u, 8);
	assert_true(d == 1234.5);
	assert_int_equal(buf[41], 3);
	assert_int_equal(wrc_encode(&sch[0], &p, buf, 240, &n), TB_ERR_LIMIT);
	p.kind = WRC_SESSION_PAUSE;
	assert_int_equal(wrc_encode(&sch[1], &p, buf, sizeof(buf), &n),
			 TB_ERR_ARG);
}

static void test_rejects(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = NULL;
	assert_int_equal(
	    ingest_proto_ea_wrc.create(NULL, tbt_on_job, &s, &inst), TB_OK);
	uint8_t buf[400];
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "sesu", 4);
	uint64_t want[INGEST_REJ__COUNT] = {0};
	for (size_t len = 0; len <= sizeof(buf); len++) {
		if (len == 241)
			continue;
		enum tb_status w = len < 12 ? TB_ERR_TRUNCATED : TB_ERR_LENGTH;
		struct tb_error err;
		assert_int_equal(
		    ingest_proto_ea_wrc.datagram(inst, buf, len, 1, &err), w);
		assert_int_equal(err.status, w);
		want[ingest_reject_of(w)]++;
	}
	/* a 12-byte session_start is fine; an unknown 4CC is not */
	memcpy(buf, "sess", 4);
	assert_int_equal(ingest_proto_ea_wrc.datagram(inst, buf, 12, 1, NULL),
			 TB_OK);
	memcpy(buf, "uses", 4); /* reversed byte order accepted */
	assert_int_equal(ingest_proto_ea_wrc.datagram(inst, buf, 241, 1, NULL),
			 TB_OK);
	memcpy(buf, "xxxx", 4);
	assert_int_equal(ingest_proto_ea_wrc.datagram(inst, buf, 241, 1, NULL),
			 TB_ERR_ID);
	want[INGEST_REJ_ID]++;
	struct ingest_stats st;
	ingest_proto_ea_wrc.stats(inst, &st);
	for (int r = 0; r < INGEST_REJ__COUNT; r++)
		assert_int_equal(st.rejected[r], want[r]);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(st.kinds[WRC_SESSION_START], 1);
	assert_int_equal(st.kinds[WRC_SESSION_UPDATE], 1);
	ingest_proto_ea_wrc.flush(inst);
	tbt_sink_release(&s);
	ingest_proto_ea_wrc.destroy(inst);
}

static void test_random(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = NULL;
	assert_int_equal(
	    ingest_proto_ea_wrc.create(NULL, tbt_on_job, &s, &inst), TB_OK);
	struct ingest_port *port = NULL;
	assert_int_equal(ingest_port_create(NULL, NULL, tbt_on_job, &s, &port),
			 TB_OK);
	rng_state = 0x5EED0103;
	uint8_t buf[TB_DATAGRAM_MAX];
	static const char *const cc[] = {"sess", "sesu", "sese", "sesp",
					 "sesr"};
	for (int k = 0; k < 100000; k++) {
		size_t len = (rng() & 1) ? 241 : rng() % 300;
		for (size_t b = 0; b < len; b++)
			buf[b] = (uint8_t)rng();
		if (len >= 4 && (k & 1))
			memcpy(buf, cc[rng() % 5], 4);
		int64_t now = 1000000ll * (k / 50);
		(void)ingest_proto_ea_wrc.datagram(inst, buf, len, now, NULL);
		(void)ingest_port_datagram(port, buf, len, now, NULL);
		if (s.n > TBT_MAX_JOBS / 2)
			tbt_sink_release(&s);
	}
	ingest_proto_ea_wrc.flush(inst);
	ingest_port_flush(port);
	tbt_sink_release(&s);
	ingest_port_destroy(port);
	ingest_proto_ea_wrc.destroy(inst);
}

static void test_sniff(void **state)
{
	(void)state;
	struct wrc_schema sch;
	wrc_schema_default(&sch);
	uint8_t buf[TB_DATAGRAM_MAX];
	rng_state = 0x5EED0104;
	for (int k = 0; k < WRC_KIND__COUNT; k++) {
		struct wrc_packet p;
		random_packet(&p, &sch, (enum wrc_kind)k);
		size_t n;
		assert_int_equal(wrc_encode(&sch, &p, buf, sizeof(buf), &n),
				 TB_OK);
		assert_true(wrc_sniff(buf, n));
		assert_ptr_equal(ingest_detect(buf, n), &ingest_proto_ea_wrc);
		assert_false(wrc_sniff(buf, n + 1));
	}
	memset(buf, 0, sizeof(buf));
	for (uint16_t fmt = 2022; fmt <= 2025; fmt++)
		for (unsigned id = 0; id < F1_PACKET__COUNT; id++)
			assert_false(wrc_sniff(buf, f1_packet_size(fmt, id)));
	const size_t others[] = {152, 212, 232, 264, 296, 311,
				 316, 324, 328, 331, 344, 408};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_false(wrc_sniff(buf, others[i]));
	size_t claimed = 0;
	for (int k = 0; k < 20000; k++) {
		size_t n = (k & 1) ? 241 : 12;
		for (size_t b = 0; b < n; b++)
			buf[b] = (uint8_t)rng();
		claimed += wrc_sniff(buf, n);
	}
	assert_int_equal(claimed, 0);
}

static void feed(void *inst, const struct wrc_schema *sch,
		 const struct wrc_packet *p, int64_t now)
{
	uint8_t buf[TB_DATAGRAM_MAX];
	size_t n;
	assert_int_equal(wrc_encode(sch, p, buf, sizeof(buf), &n), TB_OK);
	assert_int_equal(ingest_proto_ea_wrc.datagram(inst, buf, n, now, NULL),
			 TB_OK);
}

static void test_units_and_sessions(void **state)
{
	(void)state;
	struct tbt_sink s = {0};
	void *inst = NULL;
	assert_int_equal(
	    ingest_proto_ea_wrc.create(NULL, tbt_on_job, &s, &inst), TB_OK);
	struct wrc_schema sch;
	wrc_schema_default(&sch);
	struct wrc_packet p;
	memset(&p, 0, sizeof(p));
	p.kind = WRC_SESSION_START;
	feed(inst, &sch, &p, 1000);
	/* an update: reverse gear, car heading +x, 1 g forward, 0.5 g to
	 * the right (left vector +z... computed: left = (-fz, 0, fx)) */
	p.kind = WRC_SESSION_UPDATE;
	wrc_set(&p, WRC_CH_GAME_TOTAL_TIME, 10.0);
	wrc_set(&p, WRC_CH_STAGE_TIME, 0.5);
	wrc_set(&p, WRC_CH_STAGE_DIST, 12.0);
	wrc_set(&p, WRC_CH_STAGE_LENGTH, 500.0);
	wrc_set(&p, WRC_CH_GEAR, 9);
	wrc_set(&p, WRC_CH_GEAR_REVERSE, 9);
	wrc_set(&p, WRC_CH_GEAR_NEUTRAL, 0);
	wrc_set(&p, WRC_CH_SPEED, 25.0);
	wrc_set(&p, WRC_CH_RPM, 6000.0);
	wrc_set(&p, WRC_CH_POS_X, 1.0);
	wrc_set(&p, WRC_CH_POS_Y, 2.0);
	wrc_set(&p, WRC_CH_POS_Z, 3.0);
	wrc_set(&p, WRC_CH_FWD_X, 1.0);
	wrc_set(&p, WRC_CH_LEFT_Z, 1.0);
	wrc_set(&p, WRC_CH_UP_Y, 1.0);
	wrc_set(&p, WRC_CH_ACC_X, 9.80665);
	wrc_set(&p, WRC_CH_ACC_Z, -0.5 * 9.80665);
	wrc_set(&p, WRC_CH_ACC_Y, 9.80665);
	wrc_set(&p, WRC_CH_BRAKE_TEMP_BL, 300.0);
	feed(inst, &sch, &p, 2000);
	/* the finish, then session_end */
	wrc_set(&p, WRC_CH_STAGE_TIME, 30.25);
	wrc_set(&p, WRC_CH_STAGE_DIST, 500.5);
	wrc_set(&p, WRC_CH_GAME_TOTAL_TIME, 40.0);
	feed(inst, &sch, &p, 3000);
	assert_int_equal(s.n, 1);
	memset(&p, 0, sizeof(p));
	p.kind = WRC_SESSION_END;
	feed(inst, &sch, &p, 4000);
	const struct ingest_lap_job *j = &s.jobs[0];
	assert_int_equal(j->lap.lap_number, 1);
	assert_int_equal(j->lap.flags, 0);
	assert_int_equal(j->lap.lap_time_ms, 30250);
	assert_int_equal(j->lap.sector_ms[0], TB_TIME_UNKNOWN);
	assert_int_equal(j->session.game, TB_GAME_EA_WRC);
	assert_int_equal(j->session.kind, TB_SESSION_STAGE);
	assert_int_equal(j->session.car_class, TB_CLASS_RALLY);
	assert_true(j->session.track_length_m == 500.0);
	struct tb_frame f;
	tb_lap_frame(&j->lap, 0, &f);
	assert_true(f.v[TB_CH_TIME] == 10.0);
	assert_true(f.v[TB_CH_LAP_TIME] == 0.5);
	assert_true(f.v[TB_CH_LAP_DIST] == 12.0);
	assert_true(f.v[TB_CH_GEAR] == -1);
	assert_true(f.v[TB_CH_RPM] == 6000.0);
	assert_true(f.v[TB_CH_POS_Y] == 3.0 && f.v[TB_CH_POS_Z] == 2.0);
	assert_true(fabs(f.v[TB_CH_YAW] - 2 * atan(1.0)) < 1e-6);
	assert_true(fabs(f.v[TB_CH_G_LON] - 1.0) < 1e-6);
	assert_true(fabs(f.v[TB_CH_G_LAT] - 0.5) < 1e-6);
	assert_true(fabs(f.v[TB_CH_G_VERT] - 1.0) < 1e-6);
	assert_true(f.v[TB_CH_BRAKE_TEMP_RL] == 300.0);
	assert_true(f.v[TB_CH_BRAKE_TEMP_FL] == 0.0); /* sent as 0 */
	tbt_sink_release(&s);
	struct ingest_stats st;
	ingest_proto_ea_wrc.stats(inst, &st);
	assert_int_equal(st.sessions, 1);
	assert_int_equal(st.laps, 1);
	ingest_proto_ea_wrc.destroy(inst);
}

static void test_schema_file(void **state)
{
	(void)state;
	char *dir = tbt_tmpdir();
	assert_non_null(dir);
	char path[512];
	snprintf(path, sizeof(path), "%s/laptimer.json", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(custom_json, fp);
	fclose(fp);
	struct ingest_opts o;
	memset(&o, 0, sizeof(o));
	o.schema = path;
	struct tbt_sink s = {0};
	void *inst = NULL;
	assert_int_equal(ingest_proto_ea_wrc.create(&o, tbt_on_job, &s, &inst),
			 TB_OK);
	struct wrc_schema sch;
	assert_int_equal(wrc_schema_load(path, &sch, NULL), TB_OK);
	struct wrc_packet p;
	memset(&p, 0, sizeof(p));
	p.kind = WRC_SESSION_START;
	wrc_set(&p, WRC_CH_STAGE_LENGTH, 100.0);
	wrc_set(&p, WRC_CH_ROUTE_ID, 42);
	feed(inst, &sch, &p, 1000);
	memset(&p, 0, sizeof(p));
	p.kind = WRC_SESSION_UPDATE;
	for (int i = 1; i <= 60; i++) { /* 60 samples, 90 m: not finished */
		wrc_set(&p, WRC_CH_GAME_TOTAL_TIME, i / 60.0);
		wrc_set(&p, WRC_CH_STAGE_TIME, i / 60.0);
		wrc_set(&p, WRC_CH_STAGE_DIST, i * 1.5);
		feed(inst, &sch, &p, 1000 + i * 16667);
	}
	memset(&p, 0, sizeof(p));
	p.kind = WRC_SESSION_END;
	feed(inst, &sch, &p, 2000000);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.jobs[0].lap.n, 60);
	assert_true(s.jobs[0].lap.flags & TB_LAP_INCOMPLETE);
	assert_int_equal(s.jobs[0].session.track_id, 42);
	assert_true(s.jobs[0].session.track_length_m == 100.0);
	tbt_sink_release(&s);
	ingest_proto_ea_wrc.destroy(inst);
	/* a bad file fails create */
	o.schema = "/nonexistent.json";
	assert_int_equal(ingest_proto_ea_wrc.create(&o, tbt_on_job, &s, &inst),
			 TB_ERR_IO);
	remove(path);
	rmdir(dir);
	free(dir);
}

static void test_gen(void **state)
{
	(void)state;
	struct gen *g = tbt_gen_create(3);
	struct tbt_gen_run r;
	tbt_gen_run(g, &ingest_proto_ea_wrc, 0, &r);
	assert_int_equal(r.st.sessions, 1);
	unsigned timed = 0;
	for (size_t i = 0; i < r.s.n; i++) {
		const struct tb_lap *lap = &r.s.jobs[i].lap;
		struct gen_lap_truth t;
		assert_int_equal(gen_lap_truth(g, 0, lap->lap_number, &t),
				 TB_OK);
		if (!t.complete)
			continue;
		if (lap->lap_time_ms != t.lap_ms)
			fail_msg("lap %u: %d ms, truth %d ms", lap->lap_number,
				 lap->lap_time_ms, t.lap_ms);
		assert_int_equal(lap->flags & TB_LAP_INCOMPLETE, 0);
		assert_true(lap->chans & TB_CHBIT(TB_CH_G_LAT));
		timed++;
	}
	assert_int_equal(timed, 3);
	assert_true(r.s.jobs[r.s.n - 1].lap.flags & TB_LAP_INCOMPLETE); /* in */
	tbt_sink_release(&r.s);
	gen_destroy(g);
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(ingest_proto_by_name("ea-wrc"), &ingest_proto_ea_wrc);
	assert_string_equal(ingest_proto_ea_wrc.kind_name(1), "session_update");
	assert_null(ingest_proto_ea_wrc.kind_name(WRC_KIND__COUNT));
	assert_string_equal(wrc_channel_name(WRC_CH_STAGE_LENGTH),
			    "stage_length");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_schema),
	    cmocka_unit_test(test_schema_parse),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_rejects),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_units_and_sessions),
	    cmocka_unit_test(test_schema_file),
	    cmocka_unit_test(test_gen),
	    cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_f1_data_maciejpedzich.c - every capture in
 * $TRAILBRAKE_DATA/f1-udp-maciejpedzich (F1 22/23/24, one datagram per
 * file) decodes; sizes, ids and event codes match the file names; and
 * spot values read from the captures (tracks, names, events, car data)
 * come out of the decoder. Skips (77) when the data is absent. */
#include "tb_ingest_test.h"

#include <dirent.h>
#include <math.h>

#include "ingest/f1.h"

#define DIR_NAME "f1-udp-maciejpedzich"

static char g_dir[1024];

/* Decode one named file into *p; fails the test if it does not. */
static void load(const char *name, struct f1_packet *p, size_t *len_out)
{
	tbt_f1_load(g_dir, name, p, len_out);
}

/* Every file: decodes, its format/id/event code match its name
 * <format>-<id>[-<CODE>].bin, and the size is the table's (events may
 * differ: two captures are 44 and 47 bytes). */
static void test_every_file_decodes(void **state)
{
	(void)state;
	DIR *d = opendir(g_dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *de;
	static struct f1_packet p;
	while ((de = readdir(d)) != NULL) {
		unsigned fmt = 0, id = 0;
		char code[8] = "";
		const char *nm = de->d_name;
		size_t L = strlen(nm);
		if (L < 5 || strcmp(nm + L - 4, ".bin") != 0)
			continue;
		int k = sscanf(nm, "%4u-%2u-%4[A-Z]", &fmt, &id, code);
		assert_true(k >= 2);
		size_t len = 0;
		load(nm, &p, &len);
		assert_int_equal(p.h.format, fmt);
		assert_int_equal(p.h.packet_id, id);
		if (id == F1_EVENT) {
			assert_int_equal(k, 3);
			assert_string_equal(p.u.event.code, code);
		} else {
			assert_int_equal(len, f1_packet_size(fmt, id));
		}
		n++;
	}
	closedir(d);
	/* 2022: 11 + 17 events; 2023: 13 + 19 events; 2024: 14 + 21. */
	assert_int_equal(n, 95);
}

/* The session-start captures of each year share one sessionUID, player
 * index 19, game version and gameYear. Events, final classification and
 * lobby captures come from other sessions (README overstates this). */
static void test_headers(void **state)
{
	(void)state;
	static struct f1_packet p;
	static const struct {
		const char *file;
		uint64_t uid;
		uint8_t year, major, minor;
	} t[] = {
	    {"2022-00.bin", 595028885941540715ull, 0, 1, 19},
	    {"2022-07.bin", 595028885941540715ull, 0, 1, 19},
	    {"2023-00.bin", 0x68f65200bf7d356dull, 23, 1, 21},
	    {"2023-13.bin", 0x68f65200bf7d356dull, 23, 1, 21},
	    {"2024-00.bin", 0x2fbbc3bbcb0b8c58ull, 24, 1, 17},
	    {"2024-11.bin", 0x2fbbc3bbcb0b8c58ull, 24, 1, 17},
	    {"2024-03-CHQF.bin", 0x2fbbc3bbcb0b8c58ull, 24, 1, 17},
	    {"2023-03-CHQF.bin", 0x4bd44e6c9bf2a6e0ull, 23, 1, 21},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		load(t[i].file, &p, NULL);
		assert_true(p.h.session_uid == t[i].uid);
		assert_int_equal(p.h.game_year, t[i].year);
		assert_int_equal(p.h.game_major, t[i].major);
		assert_int_equal(p.h.game_minor, t[i].minor);
		assert_int_equal(p.h.player_car, 19);
		assert_int_equal(p.h.player2_car, 255);
	}
	load("2022-00.bin", &p, NULL);
	assert_int_equal(f1_game(&p.h), TB_GAME_F1_22);
	assert_int_equal(p.h.frame_id, 13);
	assert_int_equal(p.h.overall_frame_id, 13);
	assert_float_near(p.h.session_time, 1.069398, 1e-5);
	load("2023-03-CHQF.bin", &p, NULL);
	assert_int_equal(f1_game(&p.h), TB_GAME_F1_23);
	assert_int_equal(p.h.frame_id, 8443);
	assert_int_equal(p.h.overall_frame_id, 8530); /* after a flashback */
	load("2024-00.bin", &p, NULL);
	assert_int_equal(f1_game(&p.h), TB_GAME_F1_24);
	/* BUTN from F1 23 carries gameYear 0: still format 2023. */
	load("2023-03-BUTN.bin", &p, NULL);
	assert_int_equal(p.h.game_year, 0);
	assert_int_equal(f1_game(&p.h), TB_GAME_F1_23);
}

static void test_sessions(void **state)
{
	(void)state;
	static struct f1_packet p;
	static const struct {
		const char *file;
		int track_id, length, type, laps, air, track_t;
		enum tb_session_kind kind;
		const char *name;
	} t[] = {
	    {"2022-01.bin", 3, 5408, 10, 5, 23, 29, TB_SESSION_RACE, "Sakhir"},
	    {"2023-01.bin", 0, 5276, 10, 5, 34, 38, TB_SESSION_RACE,
	     "Melbourne"},
	    {"2024-01.bin", 3, 5408, 15, 5, 25, 32, TB_SESSION_RACE, "Sakhir"},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		load(t[i].file, &p, NULL);
		const struct f1_session *s = &p.u.session;
		assert_int_equal(s->track_id, t[i].track_id);
		assert_int_equal(s->track_length, t[i].length);
		assert_int_equal(s->session_type, t[i].type);
		assert_int_equal(s->total_laps, t[i].laps);
		assert_int_equal(s->air_temp, t[i].air);
		assert_int_equal(s->track_temp, t[i].track_t);
		assert_int_equal(s->duration, 7200);
		assert_int_equal(s->pit_speed_limit, 80);
		assert_int_equal(f1_session_kind(p.h.format, s->session_type),
				 t[i].kind);
		assert_string_equal(f1_track_name(s->track_id), t[i].name);
	}
}

static void test_lap_data(void **state)
{
	(void)state;
	static struct f1_packet p;
	/* 2022: 43-byte records, lapDistance @12 (not @18). */
	load("2022-02.bin", &p, NULL);
	const struct f1_lap_car *c = &p.u.lap.cars[19];
	assert_float_near(c->lap_distance, 203.905624, 1e-4);
	assert_float_near(c->total_distance, 203.905624, 1e-4);
	assert_int_equal(c->position, 6);
	assert_int_equal(c->grid_position, 6);
	assert_int_equal(c->lap_num, 1);
	assert_int_equal(c->driver_status, 4);
	assert_int_equal(c->result_status, 2);
	assert_int_equal(p.u.lap.cars[0].position, 11);
	assert_float_near(p.u.lap.cars[0].lap_distance, 163.906433, 1e-4);
	assert_int_equal(p.u.lap.tt_pb_car, 255);
	/* 2023: before the line at the start: negative lap distance. */
	load("2023-02.bin", &p, NULL);
	c = &p.u.lap.cars[19];
	assert_float_near(c->lap_distance, -74.825195, 1e-4);
	assert_int_equal(c->position, 10);
	assert_int_equal(c->sector, 2);
	assert_int_equal(p.u.lap.cars[0].position, 13);
	assert_float_near(p.u.lap.cars[0].lap_distance, -98.870605, 1e-4);
	/* 2024: lapDistance @20. */
	load("2024-02.bin", &p, NULL);
	c = &p.u.lap.cars[19];
	assert_float_near(c->lap_distance, 243.949020, 1e-4);
	assert_int_equal(c->position, 1);
	assert_int_equal(c->grid_position, 1);
	assert_int_equal(c->speed_trap_lap, 255);
	assert_int_equal(p.u.lap.cars[0].position, 17);
}

static void test_participants(void **state)
{
	(void)state;
	static struct f1_packet p;
	load("2022-04.bin", &p, NULL);
	assert_int_equal(p.u.participants.num_active, 20);
	assert_string_equal(p.u.participants.cars[19].name, "LECLERC");
	assert_string_equal(p.u.participants.cars[0].name, "ALONSO");
	assert_int_equal(p.u.participants.cars[0].race_number, 14);
	assert_int_equal(p.u.participants.cars[19].ai, 0);
	assert_int_equal(p.u.participants.cars[19].race_number, 16);
	load("2023-04.bin", &p, NULL);
	assert_int_equal(p.u.participants.num_active, 20);
	assert_string_equal(p.u.participants.cars[19].name, "PIASTRI");
	assert_int_equal(p.u.participants.cars[19].race_number, 81);
	assert_int_equal(p.u.participants.cars[19].team_id, 8);
	assert_int_equal(p.u.participants.cars[19].platform, 1);
	assert_string_equal(p.u.participants.cars[0].name, "HULKENBERG");
	assert_int_equal(p.u.participants.cars[0].platform, 255);
	load("2024-04.bin", &p, NULL);
	assert_string_equal(p.u.participants.cars[19].name, "LECLERC");
	assert_string_equal(p.u.participants.cars[1].name, "SAINZ");
	assert_int_equal(p.u.participants.cars[19].platform, 1);
	assert_int_equal(p.u.participants.cars[19].show_online_names, 1);
	assert_int_equal(p.u.participants.cars[19].tech_level, 0);
}

static void test_motion(void **state)
{
	(void)state;
	static struct f1_packet p;
	load("2022-00.bin", &p, NULL);
	const struct f1_motion_car *m = &p.u.motion[19];
	assert_float_near(m->pos[0], -377.973785, 1e-3);
	assert_float_near(m->pos[1], 91.133217, 1e-3);
	assert_float_near(m->yaw, 3.090250, 1e-5);
	assert_int_equal(m->fwd[2], -32723);
	/* 2022 player extras after the 22 cars (later: MotionEx). */
	assert_float_near(p.motion22_ex.susp_pos[0], 33.36, 0.01);
	assert_float_near(p.motion22_ex.susp_acc[0], 64.58, 0.01);
	assert_float_near(p.motion22_ex.wheel_speed[0], 0, 1e-9);
	load("2024-00.bin", &p, NULL);
	m = &p.u.motion[19];
	assert_float_near(m->pos[2], -106.183350, 1e-3);
	assert_float_near(m->yaw, 3.102501, 1e-5);
}

static void test_motion_ex(void **state)
{
	(void)state;
	static struct f1_packet p;
	/* 2023 (217 B) already ends with wheelVertForce[4]. */
	load("2023-13.bin", &p, NULL);
	const struct f1_motion_ex *x = &p.u.motion_ex;
	assert_float_near(x->susp_pos[0], 47.39, 0.01);
	assert_float_near(x->wheel_vert_force[0], 2518, 1);
	assert_float_near(x->wheel_vert_force[3], 2382, 1);
	assert_float_near(x->front_aero_height, 0, 0);
	load("2024-13.bin", &p, NULL);
	x = &p.u.motion_ex;
	assert_float_near(x->wheel_vert_force[0], 2597, 1);
	assert_float_near(x->front_aero_height, 0.02603, 1e-4);
	assert_float_near(x->rear_aero_height, 0.05078, 1e-4);
	assert_float_near(x->chassis_pitch, 0, 0);
}

static void test_telemetry_status_history(void **state)
{
	(void)state;
	static struct f1_packet p;
	load("2022-06.bin", &p, NULL);
	const struct f1_telemetry_car *t = &p.u.telemetry[19];
	assert_int_equal(t->rpm, 3490);
	assert_int_equal(t->engine_temp, 109);
	assert_int_equal(t->brake_temp[0], 29);
	assert_int_equal(t->tyre_inner_temp[0], 92);
	assert_float_near(t->tyre_press[0], 21.247808, 1e-5);
	assert_int_equal(t->speed_kmh, 0);
	load("2024-06.bin", &p, NULL);
	assert_int_equal(p.u.telemetry[19].rpm, 3535);
	load("2022-07.bin", &p, NULL);
	const struct f1_status_car *s = &p.u.status[19];
	assert_float_near(s->fuel_in_tank, 11.098905, 1e-5);
	assert_float_near(s->fuel_capacity, 110, 0);
	assert_int_equal(s->max_rpm, 13000);
	assert_int_equal(s->brake_bias, 54);
	assert_float_near(s->ers_store, 4e6, 0);
	assert_float_near(s->engine_power_ice, 0, 0);
	load("2023-07.bin", &p, NULL);
	s = &p.u.status[19];
	assert_float_near(s->engine_power_ice, 93480.734375, 1e-3);
	assert_float_near(s->ers_store, 4e6, 0);
	assert_int_equal(s->ers_mode, 3);
	load("2022-11.bin", &p, NULL);
	assert_int_equal(p.u.history.car_idx, 10);
	assert_int_equal(p.u.history.num_laps, 1);
	assert_int_equal(p.u.history.laps[0].valid_flags, 15);
	assert_int_equal(p.u.history.stints[0].end_lap, 255);
	assert_int_equal(p.u.history.stints[0].actual_compound, 18);
	assert_int_equal(p.u.history.stints[0].visual_compound, 16);
}

static void test_events(void **state)
{
	(void)state;
	static struct f1_packet p;
	const struct f1_event *e = &p.u.event;
	load("2022-03-FTLP.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 7);
	assert_float_near(e->lap_time_s, 93.428001, 1e-5);
	load("2022-03-SPTP.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 7);
	assert_float_near(e->speed_kmh, 276.258209, 1e-4);
	assert_int_equal(e->is_overall_fastest, 1);
	assert_int_equal(e->other_vehicle_idx, 7);
	load("2022-03-FLBK.bin", &p, NULL);
	assert_int_equal(e->flashback_frame_id, 794);
	assert_float_near(e->flashback_session_time, 28.270043, 1e-5);
	load("2022-03-PENA.bin", &p, NULL);
	assert_int_equal(e->penalty_type, 5);
	assert_int_equal(e->infringement_type, 4);
	assert_int_equal(e->vehicle_idx, 15);
	assert_int_equal(e->other_vehicle_idx, 18);
	assert_int_equal(e->penalty_lap, 1);
	load("2022-03-BUTN.bin", &p, NULL);
	assert_int_equal(e->button_status, 0x80);
	load("2022-03-STLG.bin", &p, NULL);
	assert_int_equal(e->num_lights, 1);
	load("2023-03-FTLP.bin", &p, NULL);
	assert_float_near(e->lap_time_s, 85.790001, 1e-5);
	load("2023-03-FLBK.bin", &p, NULL);
	assert_int_equal(e->flashback_frame_id, 4120);
	assert_float_near(e->flashback_session_time, 194.178574, 1e-4);
	load("2023-03-OVTK.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 14);
	assert_int_equal(e->other_vehicle_idx, 5);
	load("2024-03-SPTP.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 1);
	assert_float_near(e->speed_kmh, 268.110779, 1e-4);
	load("2024-03-COLL.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 19);
	assert_int_equal(e->other_vehicle_idx, 1);
	load("2024-03-FLBK.bin", &p, NULL);
	assert_int_equal(e->flashback_frame_id, 528);
	/* The two odd-sized captures. */
	size_t len = 0;
	load("2024-03-RDFL.bin", &p, &len);
	assert_int_equal(len, 44);
	assert_string_equal(e->code, "RDFL");
	load("2024-03-SCAR.bin", &p, &len);
	assert_int_equal(len, 47);
	assert_int_equal(e->safety_car_type, 1);
	assert_int_equal(e->safety_car_event, 0);
}

int main(void)
{
	const char *d = tbt_data_or_skip("test_f1_data_maciejpedzich");
	snprintf(g_dir, sizeof(g_dir), "%s/%s", d, DIR_NAME);
	if (access(g_dir, R_OK) != 0) {
		printf("SKIP: %s absent\n", g_dir);
		return TB_SKIP_CODE;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_file_decodes),
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_sessions),
	    cmocka_unit_test(test_lap_data),
	    cmocka_unit_test(test_participants),
	    cmocka_unit_test(test_motion),
	    cmocka_unit_test(test_motion_ex),
	    cmocka_unit_test(test_telemetry_status_history),
	    cmocka_unit_test(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

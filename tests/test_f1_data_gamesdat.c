/* test_f1_data_gamesdat.c - every capture in
 * $TRAILBRAKE_DATA/f1-udp-gamesdat/{2023,2024,2025} decodes (all made by
 * F1 25, the first two in its legacy 2023/2024 formats), and the spot
 * values of the README and of the captures come out: a Silverstone time
 * trial in the 2023/2024 folders, a Melbourne race in 2025, with
 * cross-packet checks (speed vs velocity, speed trap vs SPTP event).
 * Skips (77) when the data is absent. */
#include "tb_ingest_test.h"

#include <dirent.h>
#include <math.h>

#include "ingest/f1.h"

#define DIR_NAME "f1-udp-gamesdat"

static char g_dir[1024];

static void load(const char *name, struct f1_packet *p, size_t *len_out)
{
	tbt_f1_load(g_dir, name, p, len_out);
}

static double speed_of(const struct f1_motion_car *m)
{
	return sqrt((double)m->vel[0] * m->vel[0] +
		    (double)m->vel[1] * m->vel[1] +
		    (double)m->vel[2] * m->vel[2]);
}

/* Each folder: every packet-<id>[-CODE].bin decodes with that format and
 * id, at the table's size; counts per folder are fixed. */
static void test_every_file_decodes(void **state)
{
	(void)state;
	static const struct {
		const char *year;
		unsigned format;
		size_t files;
	} t[] = {{"2023", 2023, 13}, {"2024", 2024, 13}, {"2025", 2025, 29}};
	static struct f1_packet p;
	for (size_t y = 0; y < 3; y++) {
		char dir[1200];
		snprintf(dir, sizeof(dir), "%s/%s", g_dir, t[y].year);
		DIR *d = opendir(dir);
		assert_non_null(d);
		size_t n = 0;
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			unsigned id = 0;
			char code[8] = "";
			if (strstr(de->d_name, ".bin") == NULL)
				continue;
			int k =
			    sscanf(de->d_name, "packet-%2u-%4[A-Z]", &id, code);
			assert_true(k >= 1);
			char rel[1300];
			snprintf(rel, sizeof(rel), "%s/%s", t[y].year,
				 de->d_name);
			size_t len = 0;
			load(rel, &p, &len);
			assert_int_equal(p.h.format, t[y].format);
			assert_int_equal(p.h.packet_id, id);
			assert_int_equal(len, f1_packet_size(t[y].format, id));
			if (k == 2)
				assert_string_equal(p.u.event.code, code);
			n++;
		}
		closedir(d);
		assert_int_equal(n, t[y].files);
	}
}

/* 2023 folder: F1 25 in the 2023 format: gameYear 0 and
 * overallFrameIdentifier 0; time trial at Silverstone. */
static void test_2023_time_trial(void **state)
{
	(void)state;
	static struct f1_packet p;
	load("2023/packet-1.bin", &p, NULL);
	assert_int_equal(p.h.game_year, 0);
	assert_int_equal(p.h.game_major, 1);
	assert_int_equal(p.h.game_minor, 17);
	assert_int_equal(p.h.frame_id, 40465);
	assert_int_equal(p.h.overall_frame_id, 0);
	assert_true(p.h.session_uid == 0xfa7f931bf5121b88ull);
	assert_float_near(p.h.session_time, 694.36, 0.005);
	assert_int_equal(p.h.player_car, 0);
	assert_int_equal(f1_game(&p.h), TB_GAME_F1_23); /* by format */
	const struct f1_session *s = &p.u.session;
	assert_int_equal(s->track_id, 7);
	assert_string_equal(f1_track_name(s->track_id), "Silverstone");
	assert_int_equal(s->track_length, 5890);
	assert_int_equal(s->session_type, 18);
	assert_int_equal(f1_session_kind(2023, s->session_type),
			 TB_SESSION_TIME_TRIAL);
	assert_int_equal(s->duration, 600);
	assert_int_equal(s->game_paused, 1);

	load("2023/packet-4.bin", &p, NULL);
	assert_int_equal(p.u.participants.num_active, 1);
	assert_string_equal(p.u.participants.cars[0].name, "aSx_edoc");
	assert_string_equal(p.u.participants.cars[1].name, "Personal Best");

	load("2023/packet-2.bin", &p, NULL);
	const struct f1_lap_car *c = &p.u.lap.cars[0];
	assert_int_equal(c->last_lap_ms, 90050);
	assert_int_equal(c->current_lap_ms, 1271);
	assert_float_near(c->lap_distance, 89.839844, 1e-4);
	assert_float_near(c->total_distance, 23652.541016, 1e-2);
	assert_int_equal(c->lap_num, 5);
	assert_int_equal(c->position, 1);
	assert_int_equal(p.u.lap.cars[1].last_lap_ms, 89612);
	assert_int_equal(p.u.lap.tt_pb_car, 2);
	assert_int_equal(p.u.lap.tt_rival_car, 4);

	/* Same frame: telemetry speed agrees with the motion velocity. */
	load("2023/packet-6.bin", &p, NULL);
	const struct f1_telemetry_car t = p.u.telemetry[0];
	assert_int_equal(t.speed_kmh, 264);
	assert_int_equal(t.gear, 7);
	assert_int_equal(t.rpm, 10378);
	load("2023/packet-0.bin", &p, NULL);
	assert_float_near(speed_of(&p.u.motion[0]) * TB_KMH_PER_MS, t.speed_kmh,
			  1.0);

	load("2023/packet-13.bin", &p, NULL);
	assert_float_near(p.u.motion_ex.local_vel[2] * TB_KMH_PER_MS,
			  t.speed_kmh, 1.0);
	assert_float_near(p.u.motion_ex.wheel_vert_force[0], 6813, 1);

	load("2023/packet-7.bin", &p, NULL);
	assert_int_equal(p.u.status[0].brake_bias, 58);
	assert_float_near(p.u.status[0].engine_power_ice, 534946.5, 0.1);
	assert_float_near(p.u.status[0].ers_store, 4e6, 0);

	/* Another session, frame 0: a button event. */
	load("2023/packet-3.bin", &p, NULL);
	assert_true(p.h.session_uid == 0x3eba4a9586e9cc6dull);
	assert_string_equal(p.u.event.code, "BUTN");
	assert_int_equal(p.u.event.button_status, 0x20);
}

/* 2024 folder: same session in the 2024 format; gameYear 25. */
static void test_2024_time_trial(void **state)
{
	(void)state;
	static struct f1_packet p;
	load("2024/packet-1.bin", &p, NULL);
	assert_int_equal(p.h.game_year, 25);
	assert_int_equal(f1_game(&p.h), TB_GAME_F1_25);
	assert_true(p.h.session_uid == 0xfa7f931bf5121b88ull);
	assert_int_equal(p.u.session.track_id, 7);
	assert_int_equal(p.u.session.track_length, 5890);
	assert_int_equal(p.u.session.session_type, 18);
	assert_int_equal(f1_session_kind(2024, 18), TB_SESSION_TIME_TRIAL);
	load("2024/packet-2.bin", &p, NULL);
	assert_float_near(p.h.session_time, 674.02, 0.01);
	const struct f1_lap_car *c = &p.u.lap.cars[0];
	assert_int_equal(c->last_lap_ms, 90050);
	assert_int_equal(c->current_lap_ms, 19223);
	assert_float_near(c->lap_distance, 1106.291016, 1e-3);
	assert_float_near(c->speed_trap_kmh, 323.378967, 1e-3);
	assert_int_equal(c->speed_trap_lap, 2);
	load("2024/packet-4.bin", &p, NULL);
	assert_string_equal(p.u.participants.cars[0].name, "aSx_edoc");
	assert_int_equal(p.u.participants.cars[0].platform, 1);
	load("2024/packet-6.bin", &p, NULL);
	assert_int_equal(p.u.telemetry[0].speed_kmh, 104);
	assert_int_equal(p.u.telemetry[0].gear, 2);
	assert_int_equal(p.u.telemetry[0].brake_temp[0], 588);
	load("2024/packet-13.bin", &p, NULL);
	assert_float_near(p.u.motion_ex.front_aero_height, 0.02878, 1e-4);
	assert_float_near(p.u.motion_ex.chassis_yaw, -0.06386, 1e-4);
	size_t len = 0;
	load("2024/packet-14.bin", &p, &len);
	assert_int_equal(len, 101);
	assert_int_equal(p.h.packet_id, F1_TIME_TRIAL);
}

/* 2025 folder: race at Melbourne, player 19 = LECLERC, 18 cars. */
static void test_2025_race(void **state)
{
	(void)state;
	static struct f1_packet p;
	load("2025/packet-1.bin", &p, NULL);
	assert_int_equal(f1_game(&p.h), TB_GAME_F1_25);
	assert_int_equal(p.h.player_car, 19);
	assert_int_equal(p.h.frame_id, 63212);
	assert_int_equal(p.h.overall_frame_id, 64817);
	const struct f1_session *s = &p.u.session;
	assert_int_equal(s->track_id, 0);
	assert_string_equal(f1_track_name(0), "Melbourne");
	assert_int_equal(s->track_length, 5276);
	assert_int_equal(s->session_type, 15);
	assert_int_equal(f1_session_kind(2025, 15), TB_SESSION_RACE);
	assert_int_equal(s->total_laps, 20);
	assert_int_equal(s->air_temp, 19);
	assert_int_equal(s->track_temp, 27);

	load("2025/packet-4.bin", &p, NULL);
	const struct f1_participants *ps = &p.u.participants;
	assert_int_equal(ps->num_active, 18);
	assert_string_equal(ps->cars[19].name, "LECLERC");
	assert_string_equal(ps->cars[0].name, "BEARMAN");
	assert_int_equal(ps->cars[19].race_number, 16);
	assert_int_equal(ps->cars[19].num_colours, 3);
	assert_int_equal(ps->cars[19].livery[0][0], 225);
	assert_int_equal(ps->cars[19].livery[0][1], 31);
	assert_int_equal(ps->cars[19].livery[0][2], 15);
	assert_int_equal(ps->cars[19].platform, 1);
	assert_int_equal(ps->cars[0].platform, 255);

	load("2025/packet-2.bin", &p, NULL);
	const struct f1_lap_car *c = &p.u.lap.cars[19];
	assert_int_equal(c->last_lap_ms, 100047);
	assert_int_equal(c->current_lap_ms, 62095);
	assert_int_equal(c->sector1_ms, 33711);
	assert_int_equal(c->sector2_ms, 18410);
	assert_int_equal(c->delta_front_ms, 8484);
	assert_int_equal(c->delta_leader_ms, 44562);
	assert_float_near(c->lap_distance, 3916.75, 1e-3);
	assert_int_equal(c->position, 15);
	assert_int_equal(c->lap_num, 15);
	assert_int_equal(c->sector, 2);
	assert_float_near(c->speed_trap_kmh, 328.492828, 1e-3);
	assert_int_equal(c->speed_trap_lap, 13);
	/* Lap distances of the 18 running cars lie within the lap. */
	for (size_t i = 0; i < 18; i++) {
		assert_true(p.u.lap.cars[i].lap_distance >= 0);
		assert_true(p.u.lap.cars[i].lap_distance <= 5276);
	}

	load("2025/packet-6.bin", &p, NULL);
	const struct f1_telemetry_car t = p.u.telemetry[19];
	assert_int_equal(t.speed_kmh, 305);
	assert_float_near(t.throttle, 1.0, 0);
	assert_int_equal(t.gear, 8);
	assert_int_equal(t.rpm, 10926);
	load("2025/packet-0.bin", &p, NULL);
	assert_float_near(speed_of(&p.u.motion[19]) * TB_KMH_PER_MS,
			  t.speed_kmh, 1.0);

	load("2025/packet-13.bin", &p, NULL);
	const struct f1_motion_ex *x = &p.u.motion_ex;
	assert_float_near(x->wheel_vert_force[0], 8495, 1);
	assert_float_near(x->chassis_pitch, 0.000519, 1e-5);
	assert_float_near(x->wheel_camber[0], -0.0431, 1e-4);
	assert_float_near(x->wheel_camber[3], -0.05083, 1e-4);
	assert_float_near(x->wheel_camber_gain[0], -0.009935, 1e-5);

	load("2025/packet-7.bin", &p, NULL);
	assert_float_near(p.u.status[19].engine_power_ice, 548373.4375, 0.01);
	assert_float_near(p.u.status[19].engine_power_mguk, 83989.40625, 0.01);
	assert_float_near(p.u.status[19].fuel_in_tank, 13.611640, 1e-5);

	/* History of car 7: 15 laps; each complete lap's sectors add up
	 * to its time (within the game's 1 ms rounding). */
	load("2025/packet-11.bin", &p, NULL);
	const struct f1_session_history *h = &p.u.history;
	assert_int_equal(h->car_idx, 7);
	assert_int_equal(h->num_laps, 15);
	assert_int_equal(h->best_lap, 6);
	assert_int_equal(h->laps[0].lap_ms, 98290);
	assert_int_equal(h->laps[0].s1_ms, 38383);
	for (size_t i = 0; i + 1 < h->num_laps; i++) {
		const struct f1_history_lap *l = &h->laps[i];
		long sum = (long)l->s1_ms + l->s2_ms + l->s3_ms;
		assert_true(labs(sum - (long)l->lap_ms) <= 2);
	}
	assert_int_equal(h->num_tyre_stints, 2);
	assert_int_equal(h->stints[0].end_lap, 11);
	assert_int_equal(h->stints[1].end_lap, 255);
}

static void test_2025_events(void **state)
{
	(void)state;
	static struct f1_packet p;
	const struct f1_event *e = &p.u.event;
	load("2025/packet-3-FTLP.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 19);
	assert_float_near(e->lap_time_s, 82.245003, 1e-5);
	/* The player's speed-trap record in LapData is the session best. */
	load("2025/packet-3-SPTP.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 2);
	assert_float_near(e->speed_kmh, 306.091095, 1e-4);
	assert_int_equal(e->other_vehicle_idx, 19);
	assert_float_near(e->fastest_speed_kmh, 328.492828, 1e-3);
	load("2025/packet-3-FLBK.bin", &p, NULL);
	assert_int_equal(e->flashback_frame_id, 57980);
	assert_float_near(e->flashback_session_time, 1201.277954, 1e-3);
	/* After the flashback the frame id went back, the overall one not. */
	assert_int_equal(p.h.frame_id, 58793);
	assert_int_equal(p.h.overall_frame_id, 59585);
	load("2025/packet-3-RTMT.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 10);
	assert_int_equal(e->reason, 3);
	load("2025/packet-3-PENA.bin", &p, NULL);
	assert_int_equal(e->penalty_type, 16);
	assert_int_equal(e->infringement_type, 41);
	assert_int_equal(e->vehicle_idx, 1);
	assert_int_equal(e->penalty_lap, 12);
	load("2025/packet-3-COLL.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 9);
	assert_int_equal(e->other_vehicle_idx, 19);
	load("2025/packet-3-OVTK.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 5);
	assert_int_equal(e->other_vehicle_idx, 18);
	load("2025/packet-3-STLG.bin", &p, NULL);
	assert_int_equal(e->num_lights, 5);
	load("2025/packet-3-RCWN.bin", &p, NULL);
	assert_true(p.h.session_uid == 0x205810cd0491579full);
	assert_int_equal(e->vehicle_idx, 9);
	load("2025/packet-3-TMPT.bin", &p, NULL);
	assert_int_equal(e->vehicle_idx, 11);
}

int main(void)
{
	const char *d = tbt_data_or_skip("test_f1_data_gamesdat");
	snprintf(g_dir, sizeof(g_dir), "%s/%s", d, DIR_NAME);
	if (access(g_dir, R_OK) != 0) {
		printf("SKIP: %s absent\n", g_dir);
		return TB_SKIP_CODE;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_file_decodes),
	    cmocka_unit_test(test_2023_time_trial),
	    cmocka_unit_test(test_2024_time_trial),
	    cmocka_unit_test(test_2025_race),
	    cmocka_unit_test(test_2025_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

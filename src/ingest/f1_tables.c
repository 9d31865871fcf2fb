/* f1_tables.c - the F1 UDP facts that are tables rather than code: packet
 * sizes per (format, id), header sizes, packet names, per-format record
 * layouts shared by decoder and encoder, event detail sizes, session
 * type and track id meanings, and the game behind a header. Sizes from
 * FORMATS.md section 1, checked against the fixture captures in
 * f1-udp-maciejpedzich and f1-udp-gamesdat (all formats). */
#include "f1_int.h"

#define FMT_FIRST 2022
#define FMT_LAST  2025
#define N_FMT	  (FMT_LAST - FMT_FIRST + 1)

/* 0: the id does not exist in that format. 2025 LobbyInfo (954) has no
 * fixture; every other non-zero size was seen in a real capture. */
static const uint16_t packet_sizes[N_FMT][F1_PACKET__COUNT] = {
    /* 2022 */
    {1464, 632, 972, 40, 1257, 1102, 1347, 1058, 1015, 1191, 948, 1155, 0, 0, 0,
     0},
    /* 2023 */
    {1349, 644, 1131, 45, 1306, 1107, 1352, 1239, 1020, 1218, 953, 1460, 231,
     217, 0, 0},
    /* 2024 */
    {1349, 753, 1285, 45, 1350, 1133, 1352, 1239, 1020, 1306, 953, 1460, 231,
     237, 101, 0},
    /* 2025 */
    {1349, 753, 1285, 45, 1284, 1133, 1352, 1239, 1042, 954, 1041, 1460, 231,
     273, 101, 1131},
};

static const char *const packet_names[F1_PACKET__COUNT] = {
    "Motion",	    "Session",	    "LapData",
    "Event",	    "Participants", "CarSetups",
    "CarTelemetry", "CarStatus",    "FinalClassification",
    "LobbyInfo",    "CarDamage",    "SessionHistory",
    "TyreSets",	    "MotionEx",	    "TimeTrial",
    "LapPositions",
};

const char *f1_packet_name(unsigned id)
{
	return id < F1_PACKET__COUNT ? packet_names[id] : "?";
}

size_t f1_header_size(uint16_t format)
{
	if (format == 2022)
		return 24;
	if (format >= 2023 && format <= FMT_LAST)
		return 29;
	return 0;
}

size_t f1_packet_size(uint16_t format, unsigned id)
{
	if (format < FMT_FIRST || format > FMT_LAST || id >= F1_PACKET__COUNT)
		return 0;
	return packet_sizes[format - FMT_FIRST][id];
}

/* LapData per-car records. 2022 (43 B): no minutes parts, no deltas, no
 * corner-cutting warnings, lapDistance @12. 2023 (50 B): minutes parts,
 * u16 deltas, lapDistance @18. 2024/2025 (57 B): deltas gain minutes
 * parts, lapDistance @20, speed trap at the end. */
static const struct f1__lap_layout lap_layouts[N_FMT] = {
    {.stride = 43,
     .s1_ms = 8,
     .s2_ms = 10,
     .lap_dist = 12,
     .total_dist = 16,
     .sc_delta = 20,
     .position = 24,
     .lap_num = 25,
     .pit_status = 26,
     .num_pit_stops = 27,
     .sector = 28,
     .invalid = 29,
     .penalties = 30,
     .warnings = 31,
     .dt_pens = 32,
     .sg_pens = 33,
     .grid = 34,
     .driver_status = 35,
     .result_status = 36,
     .pit_timer_active = 37,
     .pit_lane_time = 38,
     .pit_stop_timer = 40,
     .serve_pen = 42},
    {.stride = 50,
     .s1_ms = 8,
     .s1_min = 10,
     .s2_ms = 11,
     .s2_min = 13,
     .front_ms = 14,
     .leader_ms = 16,
     .lap_dist = 18,
     .total_dist = 22,
     .sc_delta = 26,
     .position = 30,
     .lap_num = 31,
     .pit_status = 32,
     .num_pit_stops = 33,
     .sector = 34,
     .invalid = 35,
     .penalties = 36,
     .warnings = 37,
     .cc_warnings = 38,
     .dt_pens = 39,
     .sg_pens = 40,
     .grid = 41,
     .driver_status = 42,
     .result_status = 43,
     .pit_timer_active = 44,
     .pit_lane_time = 45,
     .pit_stop_timer = 47,
     .serve_pen = 49},
    {.stride = 57,
     .s1_ms = 8,
     .s1_min = 10,
     .s2_ms = 11,
     .s2_min = 13,
     .front_ms = 14,
     .front_min = 16,
     .leader_ms = 17,
     .leader_min = 19,
     .lap_dist = 20,
     .total_dist = 24,
     .sc_delta = 28,
     .position = 32,
     .lap_num = 33,
     .pit_status = 34,
     .num_pit_stops = 35,
     .sector = 36,
     .invalid = 37,
     .penalties = 38,
     .warnings = 39,
     .cc_warnings = 40,
     .dt_pens = 41,
     .sg_pens = 42,
     .grid = 43,
     .driver_status = 44,
     .result_status = 45,
     .pit_timer_active = 46,
     .pit_lane_time = 47,
     .pit_stop_timer = 49,
     .serve_pen = 51,
     .trap_speed = 52,
     .trap_lap = 56},
    {.stride = 57,
     .s1_ms = 8,
     .s1_min = 10,
     .s2_ms = 11,
     .s2_min = 13,
     .front_ms = 14,
     .front_min = 16,
     .leader_ms = 17,
     .leader_min = 19,
     .lap_dist = 20,
     .total_dist = 24,
     .sc_delta = 28,
     .position = 32,
     .lap_num = 33,
     .pit_status = 34,
     .num_pit_stops = 35,
     .sector = 36,
     .invalid = 37,
     .penalties = 38,
     .warnings = 39,
     .cc_warnings = 40,
     .dt_pens = 41,
     .sg_pens = 42,
     .grid = 43,
     .driver_status = 44,
     .result_status = 45,
     .pit_timer_active = 46,
     .pit_lane_time = 47,
     .pit_stop_timer = 49,
     .serve_pen = 51,
     .trap_speed = 52,
     .trap_lap = 56},
};

/* CarStatus per-car records: 2022 47 B (no enginePowerICE/MGUK), 2023+
 * 55 B (the two f32 powers @29/@33 push ersStoreEnergy to @37). */
static const struct f1__status_layout status_layouts[N_FMT] = {
    {.stride = 47, .ers_store = 29},
    {.stride = 55, .power_ice = 29, .power_mguk = 33, .ers_store = 37},
    {.stride = 55, .power_ice = 29, .power_mguk = 33, .ers_store = 37},
    {.stride = 55, .power_ice = 29, .power_mguk = 33, .ers_store = 37},
};

/* Participants per-car records; name always @7, yourTelemetry right after
 * it. 2022 56 B; 2023 58 B (+showOnlineNames, platform); 2024 60 B
 * (+u16 techLevel before platform); 2025 57 B (name 32 B, + numColours,
 * 4 x RGB liveryColours). */
static const struct f1__part_layout part_layouts[N_FMT] = {
    {.stride = 56, .name_len = 48},
    {.stride = 58, .name_len = 48, .show_online = 56, .platform = 57},
    {.stride = 60,
     .name_len = 48,
     .show_online = 56,
     .tech_level = 57,
     .platform = 59},
    {.stride = 57,
     .name_len = 32,
     .show_online = 40,
     .tech_level = 41,
     .platform = 43,
     .num_colours = 44,
     .livery = 45},
};

const struct f1__lap_layout *f1__lap_layout(uint16_t format)
{
	if (format < FMT_FIRST || format > FMT_LAST)
		return NULL;
	return &lap_layouts[format - FMT_FIRST];
}

const struct f1__status_layout *f1__status_layout(uint16_t format)
{
	if (format < FMT_FIRST || format > FMT_LAST)
		return NULL;
	return &status_layouts[format - FMT_FIRST];
}

const struct f1__part_layout *f1__part_layout(uint16_t format)
{
	if (format < FMT_FIRST || format > FMT_LAST)
		return NULL;
	return &part_layouts[format - FMT_FIRST];
}

/* Detail bytes per event code: before 2024, from 2024, in 2025. Sources:
 * maciejpedzich/f1-game-packet-parser src/packets/event.rs and the
 * fixtures (2025 RTMT carries a reason byte; SGSV gains f32 stopTime in
 * 2025; DRSD a reason byte from 2024). Codes not listed carry none. */
static const struct {
	char code[4];
	uint8_t n, n2024, n2025;
} event_details[] = {
    {{'F', 'T', 'L', 'P'}, 5, 5, 5},	{{'R', 'T', 'M', 'T'}, 1, 1, 2},
    {{'D', 'R', 'S', 'D'}, 0, 1, 1},	{{'T', 'M', 'P', 'T'}, 1, 1, 1},
    {{'R', 'C', 'W', 'N'}, 1, 1, 1},	{{'P', 'E', 'N', 'A'}, 7, 7, 7},
    {{'S', 'P', 'T', 'P'}, 12, 12, 12}, {{'S', 'T', 'L', 'G'}, 1, 1, 1},
    {{'D', 'T', 'S', 'V'}, 1, 1, 1},	{{'S', 'G', 'S', 'V'}, 1, 1, 5},
    {{'F', 'L', 'B', 'K'}, 8, 8, 8},	{{'B', 'U', 'T', 'N'}, 4, 4, 4},
    {{'O', 'V', 'T', 'K'}, 2, 2, 2},	{{'S', 'C', 'A', 'R'}, 2, 2, 2},
    {{'C', 'O', 'L', 'L'}, 2, 2, 2},
};

size_t f1__event_detail_size(uint16_t format, const uint8_t code[4])
{
	size_t n = sizeof(event_details) / sizeof(event_details[0]);
	for (size_t i = 0; i < n; i++) {
		if (memcmp(event_details[i].code, code, 4) != 0)
			continue;
		if (format >= 2025)
			return event_details[i].n2025;
		if (format >= 2024)
			return event_details[i].n2024;
		return event_details[i].n;
	}
	return 0;
}

/* sessionType codes. 2022 and F1 23: 1-4 practice, 5-9 qualifying,
 * 10-12 race, 13 time trial. 2024/2025 insert sprint shootouts at 10-14:
 * race 15-17, time trial 18. F1 25 sending the 2023 format uses the 2024
 * codes (fixture f1-udp-gamesdat/2023: time trial = 18), so for 2023 the
 * codes 14-18 take their 2024 meaning; 10-13 keep the F1 23 meaning. */
enum tb_session_kind f1_session_kind(uint16_t format, uint8_t t)
{
	if (t >= 1 && t <= 4)
		return TB_SESSION_PRACTICE;
	if (t >= 5 && t <= 9)
		return TB_SESSION_QUALIFYING;
	if (format == 2022 || format == 2023) {
		if (t >= 10 && t <= 12)
			return TB_SESSION_RACE;
		if (t == 13)
			return TB_SESSION_TIME_TRIAL;
		if (format == 2022)
			return TB_SESSION_UNKNOWN;
	} else if (format == 2024 || format == 2025) {
		if (t >= 10 && t <= 14)
			return TB_SESSION_QUALIFYING;
	} else {
		return TB_SESSION_UNKNOWN;
	}
	if (t == 14)
		return TB_SESSION_QUALIFYING;
	if (t >= 15 && t <= 17)
		return TB_SESSION_RACE;
	if (t == 18)
		return TB_SESSION_TIME_TRIAL;
	return TB_SESSION_UNKNOWN;
}

/* trackId names (official appendices F1 22-25; 39-41 reverse layouts of
 * F1 25). Gaps are ids never used. */
static const char *const track_names[] = {
    "Melbourne",
    "Paul Ricard",
    "Shanghai",
    "Sakhir",
    "Catalunya",
    "Monaco",
    "Montreal",
    "Silverstone",
    "Hockenheim",
    "Hungaroring",
    "Spa",
    "Monza",
    "Singapore",
    "Suzuka",
    "Abu Dhabi",
    "Texas",
    "Brazil",
    "Austria",
    "Sochi",
    "Mexico",
    "Baku",
    "Sakhir Short",
    "Silverstone Short",
    "Texas Short",
    "Suzuka Short",
    "Hanoi",
    "Zandvoort",
    "Imola",
    "Portimao",
    "Jeddah",
    "Miami",
    "Las Vegas",
    "Losail",
    "",
    "",
    "",
    "",
    "",
    "",
    "Silverstone Reverse",
    "Austria Reverse",
    "Zandvoort Reverse",
};

const char *f1_track_name(int track_id)
{
	int n = (int)(sizeof(track_names) / sizeof(track_names[0]));
	if (track_id < 0 || track_id >= n)
		return "";
	return track_names[track_id];
}

enum tb_game f1_game(const struct f1_header *h)
{
	switch (h->game_year) {
	case 22:
		return TB_GAME_F1_22;
	case 23:
		return TB_GAME_F1_23;
	case 24:
		return TB_GAME_F1_24;
	case 25:
		return TB_GAME_F1_25;
	default:
		break;
	}
	/* No (or an unknown) gameYear: a game sending a legacy format. */
	switch (h->format) {
	case 2022:
		return TB_GAME_F1_22;
	case 2023:
		return TB_GAME_F1_23;
	case 2024:
		return TB_GAME_F1_24;
	case 2025:
		return TB_GAME_F1_25;
	default:
		return TB_GAME_UNKNOWN;
	}
}

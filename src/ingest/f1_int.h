/* f1_int.h - internals shared by the F1 UDP decoder and encoder: the
 * per-format layouts of the records whose shape changed between formats,
 * so that f1_decode.c and f1_encode.c read and write the same offsets,
 * and the event detail sizes. Not part of the public API. */
#ifndef TB_INGEST_F1_INT_H
#define TB_INGEST_F1_INT_H

#include "f1.h"

/* Offset of packetId in the header: 5 (2022) or 6 (2023+). */
#define F1__ID_OFF_2022 5
#define F1__ID_OFF	6

/* Largest event detail block (SPTP, 12 bytes) and the slack accepted on
 * event datagrams beyond the normal size (real captures of 47 bytes). */
#define F1__EVENT_DETAIL_MAX 12u
#define F1__EVENT_SLACK	     8u

/* Per-car LapData record; offsets within one car's record. A 0 offset
 * for a field that cannot be at 0 means "absent in this format". */
struct f1__lap_layout {
	uint8_t stride;
	uint8_t s1_ms, s1_min, s2_ms, s2_min;
	uint8_t front_ms, front_min, leader_ms, leader_min;
	uint8_t lap_dist, total_dist, sc_delta;
	uint8_t position, lap_num, pit_status, num_pit_stops, sector;
	uint8_t invalid, penalties, warnings, cc_warnings;
	uint8_t dt_pens, sg_pens, grid, driver_status, result_status;
	uint8_t pit_timer_active, pit_lane_time, pit_stop_timer;
	uint8_t serve_pen, trap_speed, trap_lap;
};

/* Per-car CarStatus record: the fields up to fiaFlag @28 never move. */
struct f1__status_layout {
	uint8_t stride;
	uint8_t power_ice, power_mguk; /* 0: absent (2022) */
	uint8_t ers_store;	       /* ersMode and later follow it */
};

/* Per-car Participants record. */
struct f1__part_layout {
	uint8_t stride;
	uint8_t name_len;
	uint8_t show_online, tech_level, platform, num_colours, livery;
};

/* Layouts for a known format (2022..2025); NULL otherwise. */
const struct f1__lap_layout *f1__lap_layout(uint16_t format);
const struct f1__status_layout *f1__status_layout(uint16_t format);
const struct f1__part_layout *f1__part_layout(uint16_t format);

/* SessionHistory lap entry size: 11 (2022, no minutes parts) or 14. */
static inline size_t f1__history_lap_size(uint16_t format)
{
	return format == 2022 ? 11 : 14;
}

/* Number of detail bytes the event `code` (4 chars) carries in `format`;
 * 0 for codes without details and for unknown codes. */
size_t f1__event_detail_size(uint16_t format, const uint8_t code[4]);

#endif /* TB_INGEST_F1_INT_H */

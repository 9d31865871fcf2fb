/* f1ti.h - real F1 telemetry as published by TracingInsights (FastF1
 * extracts, github.com/TracingInsights): one lap per `<lap>_tel.json`,
 * `{"tel": {"time": [...], "speed": [...], ...}}`, with the driver's
 * `laptimes.json` beside it and the session's `drivers.json` one folder
 * up (both optional).
 *
 * What a lap holds (TB_CH_* from tel arrays):
 *   time      -> TB_CH_TIME and TB_CH_LAP_TIME: s from the lap's start
 *                (the files carry no session clock)
 *   speed     -> TB_CH_SPEED, km/h -> m/s
 *   rpm, gear -> TB_CH_RPM, TB_CH_GEAR
 *   throttle  -> TB_CH_THROTTLE, 0..100 -> 0..1 (values up to 105, which
 *                FastF1 data sometimes holds, read as 1)
 *   brake     -> TB_CH_BRAKE, ON/OFF ONLY: 0 or 1, never a pressure or a
 *                pedal travel. Analysis must treat it as binary (see
 *                fmt_f1ti_brake_is_binary).
 *   drs       -> TB_CH_DRS: F1 timing codes, >= 10 (10, 12, 14) = open
 *                -> 1, else (0, 1, 8: off / eligible) -> 0
 *   distance  -> TB_CH_LAP_DIST (m from the lap's start)
 *   x, y, z   -> TB_CH_POS_X/Y/Z: F1 timing units of 1/10 m -> m; x/y is
 *                the ground plane, z is height
 * Not mapped: acc_x/acc_y/acc_z are DERIVED by TracingInsights from
 * speed and position (noisy, +-40 m/s^2 spikes), not measured: the g
 * channels stay absent rather than carry them. rel_distance is
 * redundant. There is no steering channel. "None" strings and null are
 * absent samples.
 *
 * Lap metadata: the lap number from the file name (`128_tel.json`, else
 * the dataKey's last field); lap and sector times (to the ms) from
 * laptimes.json ("None" -> TB_TIME_UNKNOWN; without laptimes.json the
 * times are unknown); the stint number into fmt_lap_meta.stint; a lap
 * whose stint differs from the previous lap's (or the day's first lap)
 * is flagged TB_LAP_OUT, one whose stint differs from the next lap's is
 * TB_LAP_IN. Tyre compound is not stored (no field for it yet).
 * Session: TB_GAME_UNKNOWN, class TB_CLASS_F1, kind from the dataKey
 * ("Practice"/"Testing" -> practice, "Qualifying"/"Shootout" ->
 * qualifying, "Race"/"Sprint" -> race), track "" (the files do not name
 * it), source_uid a hash of the dataKey's session part (all laps of one
 * session share it). Car: driver = the three-letter code (the folder's
 * name, else the dataKey's), car_index = its position in drivers.json
 * (0 without it). Meta: reference = true, source "f1-timing", car = the
 * team from drivers.json. */
#ifndef TB_FORMATS_F1TI_H
#define TB_FORMATS_F1TI_H

#include "formats.h"

#define FMT_F1TI_JSON_MAX  ((size_t)64 << 20) /* one JSON file */
#define FMT_F1TI_DIR_DEPTH 3 /* folder levels searched for *_tel.json */

extern const struct fmt_importer fmt_importer_f1_tracinginsights;

/* The fmt_lap_meta.source of these laps. */
#define FMT_F1TI_SOURCE "f1-timing"

/* True if laps from this source (fmt_lap_meta.source, or the stored
 * reference's source) carry TB_CH_BRAKE as on/off (0/1) rather than a
 * pedal fraction: F1 timing data does. */
bool fmt_f1ti_brake_is_binary(const char *source);

/* What laptimes.json says about one lap. */
struct fmt_f1ti_lapinfo {
	bool found;	     /* the lap is listed */
	int32_t lap_time_ms; /* TB_TIME_UNKNOWN for "None" */
	int32_t sector_ms[3];
	uint32_t stint; /* 0 unknown */
	uint32_t flags; /* TB_LAP_OUT / TB_LAP_IN from stints */
};

/* Parse one tel JSON (buf borrowed, name for messages) into lap (which
 * must be initialised; its old contents are released). lap_number is
 * stored as given. data_key (cap bytes, may be NULL) receives the
 * dataKey string or "". */
enum tb_status fmt_f1ti_parse_tel(const uint8_t *buf, size_t len,
				  const char *name, uint32_t lap_number,
				  struct tb_lap *lap, char *data_key,
				  size_t cap, struct tb_error *err) TB_WUR;

/* Find lap_number in a laptimes.json. A lap not listed is not an error
 * (out->found = false); a malformed file is. */
enum tb_status fmt_f1ti_parse_laptimes(const uint8_t *buf, size_t len,
				       const char *name, uint32_t lap_number,
				       struct fmt_f1ti_lapinfo *out,
				       struct tb_error *err) TB_WUR;

/* Find a driver code in drivers.json: *index its position (-1 if not
 * listed), team (cap bytes) its team or "". */
enum tb_status fmt_f1ti_parse_drivers(const uint8_t *buf, size_t len,
				      const char *name, const char *code,
				      int *index, char *team, size_t cap,
				      struct tb_error *err) TB_WUR;

/* Import every *_tel.json under dir (up to FMT_F1TI_DIR_DEPTH levels:
 * a driver folder, a session folder of driver folders, ...), ordered by
 * folder then lap number. All files are read and checked before the
 * first lap is handed over. TB_ERR_NOTFOUND if there is none. */
enum tb_status fmt_f1ti_import_dir(const char *dir, fmt_lap_fn fn, void *ctx,
				   const struct fmt_progress *progress,
				   struct tb_error *err) TB_WUR;

/* True for the head of a tel JSON: an object whose first key is "tel"
 * holding an object whose first value is an array. */
bool fmt_f1ti_sniff(const uint8_t *head, size_t n, const char *path);

#endif /* TB_FORMATS_F1TI_H */

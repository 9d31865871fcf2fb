/* f1lt.h - F1 live-timing archives: the SignalR streams saved by the
 * timing server (TimingData.jsonStream, CarData.z.jsonStream, ...) or by
 * FastF1 (timing_data.raw, car_data.raw, ...). Each line is a session
 * time "HH:MM:SS.mmm" and a JSON patch of a state tree; ".z" streams
 * carry base64 raw-DEFLATE JSON. Laps are rebuilt from TimingData (lap
 * and sector times as the timing system published them) and, when the
 * car data streams are present, filled with their samples. */
#ifndef TB_FORMATS_F1LT_H
#define TB_FORMATS_F1LT_H

#include "formats.h"

extern const struct fmt_importer fmt_importer_f1_livetiming;

/* Caps (see also formats.h). */
#define F1LT_LINE_MAX	 (16u << 20) /* one message line */
#define F1LT_MSGS_MAX	 4000000u    /* messages in one stream */
#define F1LT_DEPTH_MAX	 32	     /* nesting of a patch */
#define F1LT_STATE_MAX	 (1u << 20)  /* keys in one merged state tree */
#define F1LT_Z_MAX	 (64u << 20) /* one inflated ".z" payload */
#define F1LT_DRIVERS_MAX 64u	     /* cars in one session */
#define F1LT_SAMPLES_MAX (1u << 24)  /* car / position samples, total */

/* One input stream; p == NULL means the stream is absent. name is used
 * in error messages. All borrowed. */
struct f1lt_stream {
	const char *name;
	const uint8_t *p;
	size_t n;
	char *own_name; /* set by f1lt_input_load: owned copies */
	uint8_t *own_buf;
};

/* The streams of one session. timing is required; the others are
 * optional (names, session facts, lap count, deleted lap times,
 * telemetry, positions).
 *
 * The laps handed over (meta.reference, source "f1-livetiming", class
 * F1, driver = DriverList FullName, meta.car = TeamName):
 * - one per LastLapTime value published (lap_time_ms exactly that; the
 *   grid lap of a race and out laps from the garage have none and are
 *   not laps here); sectors from Sectors 0/1/2 of the same lap, a final
 *   sector published just after the lap time still counted;
 * - lap_number: NumberOfLaps counts the lap in progress in practice and
 *   qualifying but laps completed in a race (SessionInfo Type "Race"),
 *   so it matches BestLapTime.Lap in both;
 * - flags: TB_LAP_IN (InPit during the lap), TB_LAP_OUT (PitOut during
 *   it), TB_LAP_CUT (race control "TIME m:ss.mmm DELETED");
 * - TB_CH_TIME is session time: the stream clock (s since the stream's
 *   first second). A lap spans [end - lap time, end], end = the time of
 *   the LastLapTime message (so its edges carry the feed's latency);
 * - with car data: the CarData samples inside (rpm, speed km/h -> m/s,
 *   gear, throttle % -> 0..1 clamped, brake 0/100 -> 0/1 (on/off only),
 *   DRS codes 10/12/14 -> 1 open, else 0), Position X/Y/Z (1/10 m -> m,
 *   z up) interpolated onto them; UTC -> session time by the largest
 *   (Utc - line time) seen, i.e. the least delayed line;
 * - timing only: exactly 2 samples, the lap's start (TB_CH_TIME, and
 *   TB_CH_LAP_TIME 0) and end (TB_CH_LAP_TIME = lap time), every other
 *   channel absent. */
struct f1lt_input {
	struct f1lt_stream timing;	 /* TimingData / timing_data.raw */
	struct f1lt_stream drivers;	 /* DriverList / driver_list.raw */
	struct f1lt_stream session;	 /* SessionInfo / session_info.raw */
	struct f1lt_stream lap_count;	 /* LapCount / lap_count.raw */
	struct f1lt_stream race_control; /* RaceControlMessages */
	struct f1lt_stream car_data;	 /* CarData.z / car_data.raw */
	struct f1lt_stream position;	 /* Position.z / position.raw */
};

/* What the streams said about one driver. */
struct f1lt_driver {
	int race_number;
	char tla[8];		     /* "HAM"; "" unknown */
	char full_name[TB_NAME_MAX]; /* "Lewis HAMILTON"; "" unknown */
	char team[TB_NAME_MAX];	     /* "Mercedes"; "" unknown */
	int32_t best_ms;	     /* final BestLapTime; TB_TIME_UNKNOWN */
	uint32_t best_lap;	     /* final BestLapTime.Lap; 0 unknown */
	uint32_t number_of_laps;     /* final NumberOfLaps */
	size_t n_laps;		     /* timed laps rebuilt */
	size_t n_car_samples, n_pos_samples;
};

/* Summary of a parse, for callers and tests. */
struct f1lt_result {
	size_t n_timing_messages;
	size_t n_car_messages, n_pos_messages;
	size_t n_drivers;
	struct f1lt_driver drivers[F1LT_DRIVERS_MAX];
	size_t n_laps;
	uint32_t total_laps;   /* LapCount TotalLaps; 0 unknown */
	int64_t utc_offset_ms; /* UTC ms of session time 0 (car data) */
	bool has_car_data;
};

/* Extra facts about a lap the common callback has no field for. */
struct f1lt_lap_info {
	const struct f1lt_driver *driver; /* borrowed from the result */
	bool personal_best;    /* LastLapTime.PersonalFastest was set */
	bool overall_best;     /* LastLapTime.OverallFastest was set */
	bool deleted;	       /* race control deleted the time */
	bool timing_only;      /* 2 samples: start and end (no car data) */
	double start_s, end_s; /* session time of the lap's ends */
};

typedef enum tb_status (*f1lt_lap_fn)(void *ctx,
				      const struct tb_session_info *session,
				      const struct tb_car_info *car,
				      struct tb_lap *lap,
				      const struct fmt_lap_meta *meta,
				      const struct f1lt_lap_info *info);

/* Parse and validate every stream of in, rebuild the laps, then hand
 * them to fn (may be NULL: parse only) in the order they were completed.
 * res (may be NULL) is filled with the summary. Nothing is handed over
 * when any stream is invalid. Errors name the stream, the line and the
 * column or field. */
enum tb_status f1lt_parse(const struct f1lt_input *in, f1lt_lap_fn fn,
			  void *ctx, struct f1lt_result *res,
			  struct tb_error *err) TB_WUR;

/* Decode one ".z" payload (the base64 text, without quotes): base64 ->
 * raw DEFLATE (zlib window -15) -> bytes appended to out (its cap and
 * F1LT_Z_MAX bound the size). */
enum tb_status f1lt_z_inflate(const char *b64, size_t n, struct tb_buf *out,
			      struct tb_error *err) TB_WUR;

/* Parse an ISO 8601 time "2025-05-03T16:04:05.1234567Z" (fraction and
 * zone optional; no zone means UTC; "+hh:mm" offsets applied) into ms
 * since the epoch. TB_ERR_FORMAT when malformed. */
enum tb_status f1lt_parse_iso8601(const char *s, size_t n, int64_t *ms) TB_WUR;

/* Parse a timing duration "1:27.736", "27.926" or "1:02:03.456" into
 * ms. TB_ERR_FORMAT when malformed or empty. */
enum tb_status f1lt_parse_laptime(const char *s, size_t n, int32_t *ms) TB_WUR;

/* The importer's sibling discovery: given any stream file of a session
 * folder, fill in (tb_malloc'd buffers, owned by the caller: release
 * with f1lt_input_release) every stream found next to it under either
 * naming scheme. */
enum tb_status f1lt_input_load(const char *path, struct f1lt_input *in,
			       struct tb_error *err) TB_WUR;
void f1lt_input_release(struct f1lt_input *in);

#endif /* TB_FORMATS_F1LT_H */

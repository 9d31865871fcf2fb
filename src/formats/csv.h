/* csv.h - telemetry as CSV text, in and out. The importer reads three
 * dialects, recognised by content: trailbrake's own export (exact round
 * trip, metadata included), MoTeC i2 "Export Data" CSV, and a generic
 * time-series CSV whose columns are mapped by name and unit (or by an
 * explicit map). The writer produces the first dialect.
 *
 * trailbrake CSV, version 1 (what fmt_csv_write produces):
 *
 *   # trailbrake csv 1
 *   # session: source_uid=.. game=.. ... track=Bahrain%20Circuit ...
 *   # car: index=0 driver=PIA team_id=-1 race_number=-1 ai=0
 *   # lap: car=0 number=12 lap_time_ms=93669 sectors=29568/41042/23059
 *          flags=0x0 n=723 chans=0x1f      (one line per lap, in order)
 *   lap,time,lap_time,lap_dist,...        (canonical channel names)
 *   ,s,s,m,...                            (canonical units)
 *   12,0,0,-3.3749257233317564e-06,...    (one row per sample)
 *   # end
 *
 * Fields of the comment lines are key=value separated by one space;
 * strings are percent-encoded (bytes <= 0x20, '%', '"', ',', ';', '=',
 * 0x7f). Rows of a session export come lap after lap; the `lap` column
 * holds the lap number and each lap line's n says how many rows are its
 * own, so laps of any length (even empty) round-trip. An absent sample
 * is an empty field; numbers are printed with %.17g so they read back
 * bit for bit. The trailer `# end` makes any truncation detectable.
 *
 * Generic CSV (and MoTeC, whose preamble adds track, driver, vehicle,
 * log date/time and beacon markers that split laps):
 * - delimiter ',', ';' or TAB, detected on the header line; with ';' a
 *   ',' is also accepted as the decimal point. UTF-8 BOM, CRLF, quoted
 *   fields ("" escapes, newlines inside quotes), blank lines and lines
 *   starting with '#' are accepted.
 * - columns are mapped by normalised name (case and punctuation
 *   ignored): time/t/SessionTime, speed/Ground Speed, throttle, brake,
 *   distance/lap_dist, lap/lap number, x/y/z, every canonical channel
 *   name, ... (table in csv.c). The first matching column wins.
 * - units from a units row (the row after the header whose time (or
 *   distance) field is not a number) or a name suffix ("Speed (km/h)",
 *   "speed_kph", "time_ms"): km/h, kph, mph, m/s; %, 0..1; ms; g or m/s2;
 *   deg or rad; C/F/K; psi/bar/kPa.
 * - throttle, brake and clutch without a unit are 0..1 when the largest
 *   value in the whole file is <= 1.01, % when it is <= 101, otherwise
 *   the import fails (map the column or fix the units row). Unitless
 *   speed is m/s when the file's largest value is <= 100, else km/h.
 *   Steering is imported only as a -1..1 (or %) fraction; an angle (deg,
 *   rad, or unitless values beyond +-1.01) is left absent: turning an
 *   angle into lock needs the wheel's lock, which a CSV does not carry.
 * - empty fields and nan/none/null/na/n/a/- are absent; gear N/R read as
 *   0/-1.
 * - laps: split where the lap column's value changes, or at MoTeC beacon
 *   markers, else one lap. Lap times come only from beacons (lap and
 *   sector times are otherwise unknown). A generic "distance" column is
 *   lap distance if it restarts with every lap (or there is one lap),
 *   else total distance.
 * - time base: a time column (seconds, must not go back within a lap).
 *   Without one (or with distance_base) time is integrated from
 *   distance and speed, restarting at 0 in every lap; without speed the
 *   import fails.
 * Errors name the file, line and column: "lap.csv:1043: column 7 'Speed':
 * 'abc' is not a number". Numbers are parsed in the C locale. */
#ifndef TB_FORMATS_CSV_H
#define TB_FORMATS_CSV_H

#include <stdio.h>

#include "formats.h"

#define FMT_CSV_LINE_MAX (1u << 20) /* bytes in one line */
#define FMT_CSV_COLS_MAX 4096u	    /* columns in one row */
#define FMT_CSV_ROWS_MAX (1u << 24) /* data rows in one file */
#define FMT_CSV_SPEC_MAX 2048u	    /* bytes of a --map spec */

extern const struct fmt_importer fmt_importer_csv;

/* Explicit choices for a generic or MoTeC CSV (ignored for trailbrake's
 * own dialect, which is exact already). Plain value; the strings are
 * borrowed (fmt_csv_parse_map points them into `names`). */
struct fmt_csv_options {
	/* Column name (exact, or case-insensitively) per channel; NULL =
	 * find by name. Mapped columns take their unit as described
	 * above unless a scale below is set. */
	const char *map[TB_CH__COUNT];
	const char *lap_col; /* lap-number column; NULL = by name */
	bool distance_base;  /* derive time from distance and speed even
			      * if a time column exists */
	double speed_scale;  /* speed value x this = m/s; 0 = by unit */
	double pedal_scale;  /* throttle/brake/clutch x this = 0..1;
			      * 0 = by unit or range */
	char names[FMT_CSV_SPEC_MAX]; /* storage for parsed map names */
};

/* Defaults: everything by name and unit. */
void fmt_csv_options_init(struct fmt_csv_options *o);

/* Parse "speed=Speed_kmh,throttle=TPS,lap=Lap" into o (channel names
 * are canonical: tb_channel_name; "lap" is the lap column). Column names
 * cannot contain ',' and end at the next ','; they are copied into
 * o->names. TB_ERR_ARG with a message naming the bad entry. */
enum tb_status fmt_csv_parse_map(const char *spec, struct fmt_csv_options *o,
				 struct tb_error *err) TB_WUR;

/* Import a CSV file (any of the three dialects) with options (NULL =
 * defaults). Reads and checks the whole file, then hands laps to fn in
 * order. */
enum tb_status fmt_csv_import_opts(const char *path,
				   const struct fmt_csv_options *opts,
				   fmt_lap_fn fn, void *ctx,
				   const struct fmt_progress *progress,
				   struct tb_error *err) TB_WUR;

/* The same over bytes in memory (buf borrowed; name is used in error
 * messages only). */
enum tb_status fmt_csv_parse(const uint8_t *buf, size_t len, const char *name,
			     const struct fmt_csv_options *opts, fmt_lap_fn fn,
			     void *ctx, const struct fmt_progress *progress,
			     struct tb_error *err) TB_WUR;

/* True if head (n bytes) is text whose first row is trailbrake's
 * comment header, a MoTeC CSV preamble, or a header row naming a time or
 * distance column. Conservative: binary data and JSON never match. */
bool fmt_csv_sniff(const uint8_t *head, size_t n, const char *path);

/* Write one lap as trailbrake CSV (session, car and lap borrowed).
 * TB_ERR_RANGE for a non-finite value (it could not be read back),
 * TB_ERR_IO on a write error. */
enum tb_status fmt_csv_write(FILE *f, const struct tb_session_info *s,
			     const struct tb_car_info *car,
			     const struct tb_lap *lap,
			     struct tb_error *err) TB_WUR;

/* Write n >= 1 laps of one car of one session, lap after lap (the
 * header's columns are the union of the laps' channels). */
enum tb_status fmt_csv_write_laps(FILE *f, const struct tb_session_info *s,
				  const struct tb_car_info *car,
				  const struct tb_lap *laps, size_t n,
				  struct tb_error *err) TB_WUR;

#endif /* TB_FORMATS_CSV_H */

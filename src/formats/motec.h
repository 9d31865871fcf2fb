/* motec.h - MoTeC i2 logs: the .ld binary log (read and write) and its
 * companion .ldx XML with the lap beacons (read and write). The importer
 * resamples every channel onto the fastest channel's time base, maps the
 * MoTeC channel names it knows onto canonical channels and splits laps at
 * the .ldx beacons. Layout notes and sources are in motec_int.h. */
#ifndef TB_FORMATS_MOTEC_H
#define TB_FORMATS_MOTEC_H

#include "formats.h"

extern const struct fmt_importer fmt_importer_motec_ld;

/* Caps of the MoTeC reader (named here, next to the others of formats.h). */
#define FMT_MOTEC_MAX_CHANNELS 4096u  /* channel entries in one .ld */
#define FMT_MOTEC_MAX_FREQ     20000u /* Hz; faster is taken as corrupt */
#define FMT_LDX_MAX_BYTES      (16u << 20)
#define FMT_LDX_MAX_MARKERS    (FMT_LAPS_MAX + 2u)
#define FMT_LDX_MAX_DETAILS    64u
#define FMT_LDX_DETAIL_MAX     128u /* bytes of one detail id or value */

/* One <Details> entry (<String Id=".." Value=".."/>, <DateTime ...>). An
 * absent or empty Value reads as "". Both strings NUL-terminated,
 * truncated to FMT_LDX_DETAIL_MAX - 1 bytes. */
struct fmt_ldx_detail {
	char id[FMT_LDX_DETAIL_MAX];
	char value[FMT_LDX_DETAIL_MAX];
};

/* What an .ldx holds. marker_us is owned (fmt_ldx_release frees it). */
struct fmt_ldx {
	int64_t *marker_us; /* Beacons group markers, µs from log start,
			       non-decreasing */
	size_t n_markers;
	int32_t total_laps;	 /* "Total Laps"; -1 when absent or empty */
	int32_t fastest_time_ms; /* "Fastest Time" ("2:5.679"); -1 absent */
	int32_t fastest_lap;	 /* "Fastest Lap"; -1 when absent */
	struct fmt_ldx_detail details[FMT_LDX_MAX_DETAILS];
	size_t n_details; /* further entries are ignored */
};

/* Empty value (no allocation). */
void fmt_ldx_init(struct fmt_ldx *x);
/* Free the markers; x is empty again. NULL is a no-op. */
void fmt_ldx_release(struct fmt_ldx *x);
/* Detail value by id (case-sensitive), or NULL when absent. */
const char *fmt_ldx_detail(const struct fmt_ldx *x, const char *id);

/* Parse .ldx text (buf/len borrowed; name is used in error messages).
 * out is initialised here; on failure it is left empty. A malformed file
 * is TB_ERR_CORRUPT with line and column, a document that is not an
 * <LDXFile> TB_ERR_FORMAT. */
enum tb_status fmt_ldx_parse(const uint8_t *buf, size_t len, const char *name,
			     struct fmt_ldx *out, struct tb_error *err) TB_WUR;
/* Read and parse the .ldx at path (TB_ERR_IO if it cannot be opened). */
enum tb_status fmt_ldx_read(const char *path, struct fmt_ldx *out,
			    struct tb_error *err) TB_WUR;

/* "m:s.mmm" (also "h:m:s.mmm", "s.mmm"; fields need not be padded) to
 * milliseconds; -1 if the text is not a time. */
int32_t fmt_ldx_parse_time_ms(const char *s);

/* Parse a whole .ld image (buf/len borrowed, name for messages) and hand
 * its laps to fn, split at the beacons of ldx (NULL or no markers: the
 * whole log is one lap flagged TB_LAP_INCOMPLETE). Everything is
 * validated before the first lap is handed over. */
enum tb_status fmt_motec_parse(const uint8_t *buf, size_t len, const char *name,
			       const struct fmt_ldx *ldx, fmt_lap_fn fn,
			       void *ctx, struct tb_error *err) TB_WUR;

/* Write laps (all borrowed) to ld_path as one MoTeC .ld log, and the
 * companion .ldx (ld_path with its ".ld" suffix replaced, or ".ldx"
 * appended) with a Beacon marker at every lap boundary. Every canonical
 * channel present in any lap is written, resampled to one fixed rate (the
 * laps' median sample rate, rounded to whole Hz). A sample a lap lacks is
 * written as NaN (float32 channel) and reads back absent. s and car may
 * be NULL. Existing files are replaced. Lap numbers are kept when the
 * laps' numbers are consecutive (the .ldx names the first). */
enum tb_status fmt_motec_write(const char *ld_path,
			       const struct tb_session_info *s,
			       const struct tb_car_info *car,
			       const struct tb_lap *laps, size_t n_laps,
			       struct tb_error *err) TB_WUR;

#endif /* TB_FORMATS_MOTEC_H */

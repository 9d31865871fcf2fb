/* formats.h - recorded files in and out. Every importer recognises its
 * files by content (never by extension), reads and validates the WHOLE
 * file before handing any lap over (a corrupt file imports nothing), and
 * hands laps to a callback with their session and car. Exporters write
 * one lap (or a session's laps) to a file other tools open. */
#ifndef TB_FORMATS_H
#define TB_FORMATS_H

#include "../core/core.h"

/* Extra facts an importer knows about a lap. */
struct fmt_lap_meta {
	bool reference;		  /* a pro/reference lap (e.g. real F1) */
	char source[TB_NAME_MAX]; /* "iracing-ibt", "motec-ld", "f1-timing" */
	char car[TB_NAME_MAX];	  /* car / team name when known */
	uint32_t stint;		  /* stint number within the file, 0 none */
};

/* Called once per lap, in file order. session, car and meta are
 * borrowed; move lap's contents out with tb_lap_move to keep them.
 * A non-OK return stops the import with that status. */
typedef enum tb_status (*fmt_lap_fn)(void *ctx,
				     const struct tb_session_info *session,
				     const struct tb_car_info *car,
				     struct tb_lap *lap,
				     const struct fmt_lap_meta *meta);

/* Progress of a long import: called with bytes done / total now and
 * then (at most every 1 % or 64 MiB). May be NULL. */
struct fmt_progress {
	void *ctx;
	void (*update)(void *ctx, uint64_t done, uint64_t total);
};

/* Caps on what an importer accepts, named here in one place. */
#define FMT_FILE_MAX ((uint64_t)4 << 30) /* 4 GiB */
#define FMT_LAPS_MAX 10000u		 /* laps in one file */

struct fmt_importer {
	int version; /* 1 */
	const char *name;  /* "ibt", "motec-ld", "csv", ... */
	const char *title; /* "iRacing telemetry (.ibt)" */
	/* True if the file's first bytes (head, n of them: at least 4 KiB
	 * or the whole file if shorter) are this format's. path is for
	 * formats that need a companion file (.ld + .ldx); may be NULL. */
	bool (*sniff)(const uint8_t *head, size_t n, const char *path);
	/* Read the whole file, then hand its laps over. Errors name the
	 * file and what is wrong (offset, line, column, field). */
	enum tb_status (*import)(const char *path, fmt_lap_fn fn, void *ctx,
				 const struct fmt_progress *progress,
				 struct tb_error *err);
};

/* The importers (each in its own file of src/formats). */
extern const struct fmt_importer fmt_importer_ibt;
extern const struct fmt_importer fmt_importer_motec_ld;
extern const struct fmt_importer fmt_importer_f1_tracinginsights;
extern const struct fmt_importer fmt_importer_f1_livetiming;
extern const struct fmt_importer fmt_importer_csv;

/* Every importer, in sniffing order; n filled. */
const struct fmt_importer *const *fmt_importers(size_t *n);
/* The importer for a file (reads its head), or NULL with err saying
 * what the file looked like. */
const struct fmt_importer *fmt_detect(const char *path,
				      struct tb_error *err);

#endif /* TB_FORMATS_H */

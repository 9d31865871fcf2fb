/* csv_int.h - internals shared by the CSV files (csv_read.c,
 * csv_names.c, csv_own.c, csv_generic.c, csv_write.c): the tokeniser,
 * the import state, channel families and conversion rules, and the
 * helpers one file calls in another. */
#ifndef TB_FORMATS_CSV_INT_H
#define TB_FORMATS_CSV_INT_H

#include "csv.h"

#define CH_LAP	    TB_CH__COUNT /* pseudo-channel: the lap-number column */
#define N_SLOTS	    (TB_CH__COUNT + 1)
#define NAME_CAP    256	  /* header names longer than this never match */
#define BEACONS_MAX 10000 /* MoTeC beacon markers */

/* Slot of a name that is lap or total distance, decided by the data. */
#define AMBIG_DIST (-2)

#define OWN_MAGIC "# trailbrake csv 1"

struct span {
	const char *p;
	size_t len;
	bool quoted, esc; /* esc: holds "" pairs to undouble */
};

struct rd {
	const char *p, *end;
	char delim;
	uint64_t line, next_line; /* line of the row returned; of the next */
	uint8_t stop[256];	  /* delimiter, CR, LF */
};

enum family {
	FAM_NONE,
	FAM_TIME,
	FAM_DIST,
	FAM_SPEED,
	FAM_PEDAL,
	FAM_STEER,
	FAM_COUNT,
	FAM_RPM,
	FAM_G,
	FAM_ANGLE,
	FAM_TEMP,
	FAM_PRESS,
	FAM_FUEL,
	FAM_ENERGY
};

/* How a column's raw values become canonical ones. */
enum rule { RULE_FIXED, RULE_PEDAL, RULE_SPEED, RULE_STEER, RULE_DROP };

struct seg {
	size_t start, end; /* rows [start, end) */
	uint32_t number;
	int32_t lap_time_ms;
	uint32_t flags;
};

struct csv {
	const char *name;
	const uint8_t *buf;
	size_t len;
	const struct fmt_csv_options *opts;
	const struct fmt_progress *progress;
	struct tb_error *err;
	struct rd rd;
	struct span *f; /* FMT_CSV_COLS_MAX fields */
	size_t n_cols;
	char dec;	 /* extra decimal point (',' with ';' files) */
	bool motec, own; /* dialects */

	/* mapping: column per slot (-1 none), conversion, header name */
	long col[N_SLOTS];
	char unit[N_SLOTS][24];
	double scale[N_SLOTS], off[N_SLOTS];
	enum rule rule[N_SLOTS];
	char colname[N_SLOTS][48];
	int mapped[N_SLOTS];
	size_t n_mapped;
	bool dist_ambig;

	/* staging */
	size_t n_rows, cap_rows;
	double *val[N_SLOTS];
	tb_chmask *pres;
	uint64_t *line;
	double vmin[N_SLOTS], vmax[N_SLOTS];

	/* metadata and laps */
	struct tb_session_info sess;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
	double beacons[BEACONS_MAX];
	size_t n_beacons;
	struct seg *segs;
	size_t n_segs;
	struct tb_lap *laps;
	size_t n_laps;
	uint64_t next_report, step;
};

/* csv_read.c */
uint64_t fmt__csv_hash_bytes(const uint8_t *p, size_t n);
void fmt__csv_set_str(char *dst, size_t cap, const char *src);
char fmt__csv_lower(char c);
bool fmt__csv_span_ieq(const char *p, size_t n, const char *s);
void fmt__csv_trim(const char **p, size_t *n);
bool fmt__csv_parse_num(const char *p, size_t n, char dec, double *out);
bool fmt__csv_parse_u64(const char *p, size_t n, uint64_t *out);
bool fmt__csv_parse_i64(const char *p, size_t n, int64_t lo, int64_t hi,
			int64_t *out);
void fmt__csv_rd_set_delim(struct rd *r, char delim);
enum tb_status fmt__csv_rd_row(struct rd *r, const char *name, struct span *f,
			       size_t cap, size_t *nf, struct tb_error *err);
bool fmt__csv_span_text(const struct span *s, char *buf, size_t cap);
bool fmt__csv_row_blank(const struct span *f, size_t nf);
void fmt__csv_report(struct csv *c);
enum tb_status fmt__csv_oom(struct csv *c);
enum tb_status fmt__csv_stage_grow(struct csv *c);
bool fmt__csv_is_missing(const char *p, size_t n);
enum tb_status fmt__csv_build_lap(struct csv *c, const struct seg *s,
				  tb_chmask force, struct tb_lap *lap);
enum tb_status fmt__csv_build_and_hand(struct csv *c, fmt_lap_fn fn, void *ctx);

/* csv_names.c */
enum family fmt__csv_family_of(int slot);
int fmt__csv_classify(const char *name, char *unit, size_t ucap);
bool fmt__csv_unit_conv(enum family fam, const char *u, double *scale,
			double *off, enum rule *rule);

/* csv_own.c */
bool fmt__csv_pct_char_plain(uint8_t b);
bool fmt__csv_raw_line(struct rd *r, const char **p, size_t *n);
bool fmt__csv_starts(const char *p, size_t n, const char *pre);
enum tb_status fmt__csv_own_parse(struct csv *c, fmt_lap_fn fn, void *ctx);

/* csv_generic.c */
char fmt__csv_detect_delim(const char *p, const char *end);
enum tb_status fmt__csv_generic_parse(struct csv *c, fmt_lap_fn fn, void *ctx);

#endif

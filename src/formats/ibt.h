/* ibt.h - iRacing telemetry files (.ibt): a parsed view of a file held in
 * memory (header, variables, session YAML, sample rows), a reader for the
 * YAML subset iRacing writes, a small builder that lays out valid files
 * (tests, benchmarks), and the importer that turns a file into laps. */
#ifndef TB_FORMATS_IBT_H
#define TB_FORMATS_IBT_H

#include "formats.h"

extern const struct fmt_importer fmt_importer_ibt;

/* Caps on what the parser accepts (a file past them is refused with
 * TB_ERR_LIMIT, never read partially). */
#define IBT_VARS_MAX	   4096u       /* variables per file */
#define IBT_ROW_MAX	   (1u << 20)  /* bytes per sample row */
#define IBT_YAML_MAX	   (16u << 20) /* session info text */
#define IBT_YAML_NODES_MAX (1u << 20)  /* YAML keys and list items */
#define IBT_BUFS_MAX	   4u	       /* irsdk's IRSDK_MAX_BUFS */
#define IBT_HEADER_LEN	   112u	       /* irsdk_header */
#define IBT_SUBHEADER_LEN  32u	       /* irsdk_diskSubHeader */
#define IBT_VAR_HEADER_LEN 144u	       /* irsdk_varHeader */

/* Variable types (irsdk_VarType). */
enum ibt_type {
	IBT_CHAR = 0,
	IBT_BOOL = 1,
	IBT_INT = 2,
	IBT_BITFIELD = 3,
	IBT_FLOAT = 4,
	IBT_DOUBLE = 5,
	IBT_TYPE__COUNT
};

/* Size in bytes of one element of a type; 0 for an unknown type. */
size_t ibt_type_size(enum ibt_type t);

/* One variable: strings are NUL-terminated copies (units and
 * descriptions converted from latin-1 to UTF-8). */
struct ibt_var {
	char name[33];
	char unit[65];
	char desc[129];
	enum ibt_type type;
	uint32_t offset; /* within a row */
	uint32_t count;	 /* array length, >= 1 */
	bool count_as_time;
};

/* What the header and disk sub-header say. `live` is true for a snapshot
 * of the live memory map (several rotating buffers, no disk
 * sub-header): its newest buffer is then the file's single row and the
 * sub-header fields are 0. */
struct ibt_info {
	int32_t version;
	int32_t status;
	int32_t tick_rate;
	int32_t session_info_update;
	size_t n_vars;
	size_t n_bufs;
	size_t buf_len;
	size_t n_rows;
	uint64_t row_offset; /* first row (disk) / newest buffer (live) */
	int32_t newest_tick; /* live: tickCount of the newest buffer */
	bool live;
	int64_t start_date;	     /* time_t of the recording's start */
	double start_time, end_time; /* SessionTime at start / end */
	int32_t lap_count;
	int32_t record_count;
};

struct ibt_file;
struct ibt_yaml;

/* Parse a whole file held in buf (borrowed: it must outlive the handle;
 * never written). label names the file in error messages. Validates the
 * header, every variable header, the regions of the session info and of
 * the rows; a malformed YAML is no error (its keys read as unknown).
 * TB_ERR_TRUNCATED / TB_ERR_CORRUPT / TB_ERR_FORMAT / TB_ERR_VERSION /
 * TB_ERR_LIMIT / TB_ERR_NOMEM with a message naming the file and the
 * field. */
enum tb_status ibt_parse(const uint8_t *buf, size_t len, const char *label,
			 struct ibt_file **out, struct tb_error *err) TB_WUR;
/* NULL is a no-op. */
void ibt_destroy(struct ibt_file *f);

const struct ibt_info *ibt_info(const struct ibt_file *f);
/* Variable i (< n_vars), or NULL. */
const struct ibt_var *ibt_var_at(const struct ibt_file *f, size_t i);
/* First variable of that name, or NULL. */
const struct ibt_var *ibt_var_find(const struct ibt_file *f, const char *name);
/* Element idx of variable v in row (both in range, else NAN), as a
 * double: char/bool/int/bitfield converted exactly. */
double ibt_value(const struct ibt_file *f, const struct ibt_var *v, size_t row,
		 size_t idx);
/* Raw bytes of row (< n_rows), bufLen of them; NULL out of range. */
const uint8_t *ibt_row(const struct ibt_file *f, size_t row);
/* Session info converted to UTF-8 (NUL-terminated, owned by f), and its
 * parsed tree (owned by f). */
const char *ibt_session_text(const struct ibt_file *f, size_t *len);
const struct ibt_yaml *ibt_session(const struct ibt_file *f);

/* ------------------------------------------------------------------ */
/* YAML subset: nested maps by indentation, lists of "- " items (also at
 * the indentation of their key, as iRacing writes them), plain and
 * quoted scalars. Anything else is skipped; parsing never fails except
 * for memory. Nodes are numbered, 0 being the root; -1 means "none". */

/* Parse len bytes of UTF-8 text (copied). TB_ERR_LIMIT past the caps. */
enum tb_status ibt_yaml_parse(const char *text, size_t len,
			      struct ibt_yaml **out) TB_WUR;
void ibt_yaml_destroy(struct ibt_yaml *y);

/* Node at a dotted path below node `from` ("WeekendInfo.TrackName",
 * "SessionInfo.Sessions[0].SessionType"); -1 if absent. */
int ibt_yaml_get(const struct ibt_yaml *y, int from, const char *path);
/* Child list item of list node `list` whose key `key` has the value
 * `value` (Drivers item with CarIdx 3); -1 if none. */
int ibt_yaml_item_where(const struct ibt_yaml *y, int list, const char *key,
			const char *value);
/* Number of children (list items or keys) of a node. */
size_t ibt_yaml_n_children(const struct ibt_yaml *y, int node);
/* Scalar value of a node ("" if it has none; NULL for -1). Borrowed. */
const char *ibt_yaml_str(const struct ibt_yaml *y, int node);
/* Leading number of a node's value ("4.28 km" -> 4.28, unit "km"
 * pointed at by *unit when not NULL); false if it does not start with
 * a finite number. */
bool ibt_yaml_num(const struct ibt_yaml *y, int node, double *out,
		  const char **unit);

/* The importer over a file held in memory (buf borrowed, label names it
 * in errors): validates everything, builds every lap, then hands them to
 * fn in file order; a failed file hands nothing over. A live-memory
 * snapshot is refused with TB_ERR_UNSUPPORTED (it holds one sample). */
enum tb_status ibt_import_buf(const uint8_t *buf, size_t len, const char *label,
			      fmt_lap_fn fn, void *ctx,
			      struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Builder: lays out a disk file (header, sub-header, variable headers,
 * YAML, rows) into out (appended). vars give name/unit/desc/type/offset/
 * count; rows holds n_rows * buf_len bytes. For tests and benchmarks. */
struct ibt_build {
	const struct ibt_var *vars;
	size_t n_vars;
	const char *yaml; /* may be NULL */
	size_t yaml_len;
	const uint8_t *rows;
	size_t n_rows, buf_len;
	int32_t tick_rate;
	int64_t start_date;
	double start_time, end_time;
	int32_t lap_count;
};
enum tb_status ibt_build(const struct ibt_build *b, struct tb_buf *out) TB_WUR;

#endif /* TB_FORMATS_IBT_H */

/* f1lt_int.h - internals of the F1 live-timing importer, shared by its
 * files: f1lt_stream.c (time stamps, base64 + DEFLATE, line framing and
 * the capped state merge), f1lt_timing.c (the session being rebuilt from
 * TimingData and the side streams), f1lt_cardata.c (".z" car data and
 * positions), f1lt.c (laps built and handed over; f1lt_parse) and
 * f1lt_files.c (the importer and sibling discovery). */
#ifndef TB_FORMATS_F1LT_INT_H
#define TB_FORMATS_F1LT_INT_H

#include "f1lt.h"

#include <jansson.h>

#define LT_TS_LEN     12    /* "HH:MM:SS.mmm" */
#define LT_POS_GAP_MS 2000  /* interpolate positions over <= 2 s */
#define LT_PEND_MS    10000 /* a lap time this late still counts */
#define LT_SOURCE     "f1-livetiming"

/* ------------------------------------------------------------------ */
/* f1lt_stream.c */

/* The first k characters of s (n available) as a number into *v; -1 if
 * fewer than k or not all digits. */
int f1lt__digits(const char *s, size_t n, size_t k, long *v);
/* "HH:MM:SS.mmm" at p into ms; -1 if malformed. */
int f1lt__parse_ts(const uint8_t *p, int64_t *ms);

typedef enum tb_status (*lt_msg_fn)(void *ctx, size_t line, int64_t t_ms,
				    json_t *msg, struct tb_error *err);
/* Call fn for each message of s. Objects only, unless strings (".z"). */
enum tb_status f1lt__each(const struct f1lt_stream *s, bool strings,
			  lt_msg_fn fn, void *ctx, size_t *n_msgs,
			  struct tb_error *err);

/* Visit a patch object or array (arrays are objects keyed "0","1"...). */
typedef enum tb_status (*lt_kv_fn)(void *ctx, const char *key, json_t *v,
				   struct tb_error *err);
enum tb_status f1lt__each_kv(json_t *o, lt_kv_fn fn, void *ctx,
			     struct tb_error *err);
/* Child of a patch node by key, arrays indexed by decimal key. */
json_t *f1lt__get(json_t *o, const char *key);

struct lt_merge_ctx {
	const char *name;
	size_t line;
	size_t keys; /* keys in the state tree */
};
/* Deep-merge patch into dst (capped in keys and depth). */
enum tb_status f1lt__merge(struct lt_merge_ctx *m, json_t *dst, json_t *patch,
			   int depth, struct tb_error *err);
/* Merge a whole stream into a new state object. */
enum tb_status f1lt__load_state(const struct f1lt_stream *s, json_t **out,
				struct tb_error *err);

/* ------------------------------------------------------------------ */
/* The session being rebuilt. */

struct lt_lap {
	uint16_t drv;
	uint32_t lap_no;
	int32_t time_ms;
	int32_t sec[3];
	uint32_t flags;
	bool pb, ob, deleted;
	int64_t end_ms; /* session (stream) time of the LastLapTime */
};

struct lt_car {
	int64_t utc;
	float v[6]; /* rpm, speed km/h, gear, throttle %, brake, drs */
	uint8_t mask;
};

struct lt_pos {
	int64_t utc;
	float x, y, z;
};

struct lt_drv_state {
	uint32_t nol;	/* NumberOfLaps so far */
	int32_t cur[3]; /* sector times of the lap in progress */
	bool out, in;	/* lap in progress left / entered the pits */
	long last_lap;	/* index in laps of its last lap, -1 none */
	bool late_open; /* a late sector may still belong to it */
	/* NumberOfLaps moved without a LastLapTime: the line was crossed
	 * and the time may follow in a later message. */
	bool pend;
	int64_t pend_t;
	uint32_t pend_no;
	int32_t pend_sec[3];
	uint32_t pend_flags;
	struct lt_car *car;
	size_t n_car, cap_car;
	struct lt_pos *pos;
	size_t n_pos, cap_pos;
};

struct lt_sess {
	const struct f1lt_input *in;
	struct f1lt_result *res;
	struct lt_drv_state ds[F1LT_DRIVERS_MAX];
	struct lt_lap *laps;
	size_t n_laps, cap_laps;
	size_t n_samples;
	bool race;
	json_t *timing; /* merged TimingData state */
	struct lt_merge_ctx tm;
	struct tb_buf zbuf;
	bool have_off;
	int64_t off; /* UTC ms of session time 0 */
	struct tb_session_info info;
	const char *cur_name;
	size_t cur_line;
};

/* f1lt_timing.c */
/* Index of the driver with racing number key, added if new. */
enum tb_status f1lt__driver(struct lt_sess *s, const char *key, size_t *idx,
			    struct tb_error *err);
enum tb_status f1lt__timing_msg(void *ctx, size_t line, int64_t t_ms,
				json_t *msg, struct tb_error *err);
enum tb_status f1lt__drivers(struct lt_sess *s, struct tb_error *err);
enum tb_status f1lt__session(struct lt_sess *s, struct tb_error *err);
enum tb_status f1lt__lap_count(struct lt_sess *s, struct tb_error *err);
enum tb_status f1lt__rc_msg(void *ctx, size_t line, int64_t t_ms, json_t *msg,
			    struct tb_error *err);
/* Final BestLapTime / NumberOfLaps per car from the merged state. */
enum tb_status f1lt__final_timing(struct lt_sess *s, struct tb_error *err);

/* f1lt_cardata.c */
enum tb_status f1lt__car_msg(void *ctx, size_t line, int64_t t_ms, json_t *msg,
			     struct tb_error *err);
enum tb_status f1lt__pos_msg(void *ctx, size_t line, int64_t t_ms, json_t *msg,
			     struct tb_error *err);
/* Samples of every driver in time order. */
void f1lt__sort_samples(struct lt_sess *s);

#endif /* TB_FORMATS_F1LT_INT_H */

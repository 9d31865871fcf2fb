/* jscan.h - a strict JSON pull reader for hot paths of the importers: no
 * allocation, no tree; the caller walks objects and arrays and reads the
 * values it wants, skipping the rest. Strings come back raw (escapes
 * validated, not decoded). Depth is capped at JSCAN_DEPTH_MAX. Used
 * where a DOM parser's allocations dominate (the F1 live-timing car data
 * and positions); errors carry the byte offset. Internal to formats. */
#ifndef TB_FORMATS_JSCAN_H
#define TB_FORMATS_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSCAN_DEPTH_MAX 64

enum jscan_type {
	JSCAN_BAD = -1, /* no value here (end of input or a bad byte) */
	JSCAN_NULL,
	JSCAN_BOOL,
	JSCAN_NUM,
	JSCAN_STR,
	JSCAN_ARR,
	JSCAN_OBJ
};

struct jscan {
	const char *base, *p, *end;
	int depth;
	uint64_t first;	 /* bit d: no member read yet at depth d */
	const char *err; /* first error, static text; NULL while fine */
	size_t err_at;	 /* its byte offset */
};

void jscan_init(struct jscan *j, const char *buf, size_t n);
/* Type of the next value (whitespace skipped), nothing consumed. */
enum jscan_type jscan_peek(struct jscan *j);
/* Read a value of the type; false (and j->err set) otherwise. */
bool jscan_str(struct jscan *j, const char **s, size_t *n);
bool jscan_num(struct jscan *j, double *v);
/* Skip any one value, nested ones included. */
bool jscan_skip(struct jscan *j);
/* Objects: jscan_obj_begin, then jscan_obj_next until it returns 0 (the
 * closing brace read) or -1 (error); 1 = a key was read, its value is
 * next. Arrays likewise with jscan_arr_next (1 = a value is next). */
bool jscan_obj_begin(struct jscan *j);
int jscan_obj_next(struct jscan *j, const char **key, size_t *klen);
bool jscan_arr_begin(struct jscan *j);
int jscan_arr_next(struct jscan *j);
/* Only whitespace left. */
bool jscan_done(struct jscan *j);
/* key (klen bytes, raw) equals the NUL-terminated lit. */
bool jscan_key_is(const char *key, size_t klen, const char *lit);

/* jbuild.c: parse buf[0..n) into a new jansson tree (a json_t, the
 * caller's reference), equal to what json_loadb(buf, n, JSON_DECODE_ANY |
 * JSON_ALLOW_NUL) returns; NULL wherever that call fails and when out of
 * memory. No message: callers that need one ask json_loadb. */
struct json_t *jbuild_parse(const char *buf, size_t n);

#endif /* TB_FORMATS_JSCAN_H */

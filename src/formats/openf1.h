/* openf1.h - a small client for the OpenF1 HTTP API (api.openf1.org/v1):
 * GET with timeouts, a response size cap, clear HTTP errors, a rate
 * limit with bounded retries on 429, and an on-disk cache keyed by URL
 * (historical sessions never change). Typed helpers read sessions,
 * drivers, laps, car_data and location, and openf1_import_laps merges
 * them into reference laps. */
#ifndef TB_FORMATS_OPENF1_H
#define TB_FORMATS_OPENF1_H

#include "formats.h"

#include <jansson.h>

#define OPENF1_BASE_URL	    "https://api.openf1.org/v1"
#define OPENF1_RESPONSE_MAX (256u << 20) /* one response body */
#define OPENF1_ROWS_MAX	    2000000u	 /* rows of one typed answer */

/* Client settings; zero fields take the defaults in brackets. Strings
 * are copied by openf1_create. */
struct openf1_config {
	const char *base_url;	 /* [OPENF1_BASE_URL], no trailing '/' */
	const char *cache_dir;	 /* NULL: no cache; created if missing */
	long connect_timeout_ms; /* [10000] */
	long timeout_ms;	 /* whole request [60000] */
	size_t max_response;	 /* [OPENF1_RESPONSE_MAX] */
	double max_rps;		 /* requests per second [3] */
	int max_retries;	 /* retries after 429 / 503 [4] */
	long backoff_ms;	 /* first retry wait, doubles [500] */
};

/* Counters, for callers and tests. */
struct openf1_stats {
	unsigned long requests;	  /* HTTP requests sent */
	unsigned long cache_hits; /* answered from the cache */
	unsigned long retries;	  /* requests repeated after 429/503 */
};

struct openf1;

/* Create a client (libcurl global init is the caller's: curl_global_init
 * once in main). out is NULL on failure. */
enum tb_status openf1_create(const struct openf1_config *cfg,
			     struct openf1 **out, struct tb_error *err) TB_WUR;
void openf1_destroy(struct openf1 *c);
void openf1_get_stats(const struct openf1 *c, struct openf1_stats *out);

/* GET base_url + path_and_query ("/laps?session_key=9161") and parse
 * the JSON body into *out (a new reference, the caller decrefs). The
 * client is not const: the rate limiter and counters change. Errors:
 * TB_ERR_NET (connection, timeout, truncated body, HTTP status: the
 * message names the URL and the status), TB_ERR_LIMIT (body over the
 * cap), TB_ERR_CORRUPT (invalid JSON, with line and column). */
enum tb_status openf1_get(struct openf1 *c, const char *path_and_query,
			  json_t **out, struct tb_error *err) TB_WUR;

/* Typed rows. Dates are ms since the epoch (UTC); unknown numbers are
 * NAN, unknown times TB_TIME_UNKNOWN or 0 as noted. */
struct openf1_session {
	int session_key, meeting_key, circuit_key, year;
	char session_name[TB_NAME_MAX]; /* "Sprint" */
	char session_type[TB_NAME_MAX]; /* "Race" */
	char circuit[TB_NAME_MAX];	/* circuit_short_name */
	char location[TB_NAME_MAX];
	int64_t date_start_ms, date_end_ms; /* 0 unknown */
};

struct openf1_driver {
	int driver_number;
	char acronym[8];
	char full_name[TB_NAME_MAX];
	char team[TB_NAME_MAX];
};

struct openf1_lap {
	int lap_number;
	int64_t date_start_ms; /* 0 unknown (often lap 1) */
	int32_t duration_ms;   /* TB_TIME_UNKNOWN when null */
	int32_t sector_ms[3];  /* TB_TIME_UNKNOWN when null */
	bool pit_out;
};

struct openf1_car {
	int64_t date_ms;
	double rpm, speed_kmh, gear, throttle_pct, brake, drs; /* NAN none */
};

struct openf1_location {
	int64_t date_ms;
	double x, y, z;
};

/* One session by key; TB_ERR_NOTFOUND when the API has none. */
enum tb_status openf1_session_get(struct openf1 *c, int session_key,
				  struct openf1_session *out,
				  struct tb_error *err) TB_WUR;
/* One driver of a session; TB_ERR_NOTFOUND when absent. */
enum tb_status openf1_driver_get(struct openf1 *c, int session_key,
				 int driver_number, struct openf1_driver *out,
				 struct tb_error *err) TB_WUR;
/* Rows of a driver in a session, sorted by time (laps by number); *out
 * is tb_malloc'd (tb_free it), NULL when n == 0. */
enum tb_status openf1_laps(struct openf1 *c, int session_key, int driver_number,
			   struct openf1_lap **out, size_t *n,
			   struct tb_error *err) TB_WUR;
enum tb_status openf1_car_data(struct openf1 *c, int session_key,
			       int driver_number, struct openf1_car **out,
			       size_t *n, struct tb_error *err) TB_WUR;
enum tb_status openf1_location(struct openf1 *c, int session_key,
			       int driver_number, struct openf1_location **out,
			       size_t *n, struct tb_error *err) TB_WUR;

/* Fetch a driver's session and build its laps: each /laps row cut from
 * date_start for lap_duration (to the ms; a null duration ends the lap
 * at the next lap's start, flagged incomplete), filled with the car_data
 * samples in it (~3.7 Hz: speed m/s, rpm, gear, throttle 0..1, brake
 * on/off only, DRS open 0/1; no steering) and location interpolated onto
 * them by date (1/10 m -> m). Everything is fetched and built before the
 * first lap is handed to fn. */
enum tb_status openf1_import_laps(struct openf1 *c, int session_key,
				  int driver_number, fmt_lap_fn fn, void *ctx,
				  struct tb_error *err) TB_WUR;

#endif /* TB_FORMATS_OPENF1_H */

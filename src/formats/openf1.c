/* openf1.c - OpenF1 HTTP client (libcurl + jansson): rate-limited GETs
 * with bounded retries, a size cap and an on-disk cache by URL, typed
 * readers of sessions/drivers/laps/car_data/location, and the merge of
 * those rows into reference laps. Field names: shared/FORMATS.md §8 and
 * openf1.org's documentation. */
#include "openf1.h"
#include "f1lt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define OF_SOURCE	      "openf1"
#define OF_RETRY_AFTER_MAX_MS 30000L
#define OF_POS_GAP_MS	      2000 /* interpolate locations over <= 2 s */

struct openf1 {
	char *base_url;
	char *cache_dir;
	long connect_timeout_ms, timeout_ms;
	size_t max_response;
	double max_rps;
	int max_retries;
	long backoff_ms;
	uint64_t last_req_ns; /* start of the previous request, 0 none */
	struct openf1_stats stats;
	CURL *curl;
};

static char *of_strdup(const char *s)
{
	size_t n = strlen(s);
	char *d = tb_malloc(n + 1);
	if (d)
		memcpy(d, s, n + 1);
	return d;
}

enum tb_status openf1_create(const struct openf1_config *cfg,
			     struct openf1 **out, struct tb_error *err)
{
	struct openf1_config def;
	memset(&def, 0, sizeof(def));
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "openf1_create: NULL out");
	*out = NULL;
	if (!cfg)
		cfg = &def;
	struct openf1 *c = tb_calloc(1, sizeof(*c));
	if (!c)
		return tb_fail(err, TB_ERR_NOMEM, "openf1 client");
	const char *base = cfg->base_url ? cfg->base_url : OPENF1_BASE_URL;
	c->base_url = of_strdup(base);
	c->cache_dir = cfg->cache_dir ? of_strdup(cfg->cache_dir) : NULL;
	c->connect_timeout_ms =
	    cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 10000;
	c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 60000;
	c->max_response =
	    cfg->max_response ? cfg->max_response : OPENF1_RESPONSE_MAX;
	c->max_rps = cfg->max_rps > 0 ? cfg->max_rps : 3.0;
	c->max_retries = cfg->max_retries > 0 ? cfg->max_retries : 4;
	if (c->max_retries > 10)
		c->max_retries = 10;
	c->backoff_ms = cfg->backoff_ms > 0 ? cfg->backoff_ms : 500;
	c->curl = curl_easy_init();
	if (!c->base_url || (cfg->cache_dir && !c->cache_dir) || !c->curl) {
		openf1_destroy(c);
		return tb_fail(err, TB_ERR_NOMEM, "openf1 client");
	}
	size_t bl = strlen(c->base_url);
	while (bl > 0 && c->base_url[bl - 1] == '/')
		c->base_url[--bl] = 0;
	if (c->cache_dir && mkdir(c->cache_dir, 0755) != 0 && errno != EEXIST) {
		enum tb_status st =
		    tb_fail(err, TB_ERR_IO, "%s: cannot create cache: %s",
			    c->cache_dir, strerror(errno));
		openf1_destroy(c);
		return st;
	}
	*out = c;
	return TB_OK;
}

void openf1_destroy(struct openf1 *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	tb_free(c->base_url);
	tb_free(c->cache_dir);
	tb_free(c);
}

void openf1_get_stats(const struct openf1 *c, struct openf1_stats *out)
{
	*out = c->stats;
}

/* ------------------------------------------------------------------ */
/* Cache: <dir>/<fnv1a-64 of the URL>.json, first line the URL itself
 * (so a hash collision is a miss, not a wrong answer). */

static void of_cache_path(const struct openf1 *c, const char *url, char *path,
			  size_t cap)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = url; *p; p++) {
		h ^= (uint8_t)*p;
		h *= 1099511628211ull;
	}
	snprintf(path, cap, "%s/%016llx.json", c->cache_dir,
		 (unsigned long long)h);
}

/* The cached body of url into b, or false. */
static bool of_cache_get(const struct openf1 *c, const char *url,
			 struct tb_buf *b)
{
	char path[4096];
	if (!c->cache_dir)
		return false;
	of_cache_path(c, url, path, sizeof(path));
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	bool ok = false;
	size_t ul = strlen(url);
	char *line = tb_malloc(ul + 2);
	if (line && fread(line, 1, ul + 1, f) == ul + 1 &&
	    memcmp(line, url, ul) == 0 && line[ul] == '\n') {
		uint8_t chunk[65536];
		size_t n;
		ok = true;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			if (tb_buf_append(b, chunk, n) != TB_OK) {
				ok = false;
				break;
			}
		if (ferror(f))
			ok = false;
	}
	tb_free(line);
	fclose(f);
	if (!ok)
		b->len = 0;
	return ok;
}

/* Store atomically (temp file + rename); a failure only costs a miss. */
static void of_cache_put(const struct openf1 *c, const char *url,
			 const struct tb_buf *b)
{
	char path[4096], tmp[4200];
	if (!c->cache_dir)
		return;
	of_cache_path(c, url, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return;
	bool ok = fwrite(url, 1, strlen(url), f) == strlen(url) &&
		  fputc('\n', f) != EOF &&
		  fwrite(b->data, 1, b->len, f) == b->len;
	if (fclose(f) != 0 || !ok || rename(tmp, path) != 0)
		unlink(tmp);
}

/* ------------------------------------------------------------------ */
/* HTTP. */

struct of_sink {
	struct tb_buf *b;
	bool over;
};

static size_t of_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct of_sink *s = ud;
	size_t n = size * nmemb;
	if (tb_buf_append(s->b, p, n) != TB_OK) {
		s->over = true;
		return 0; /* aborts the transfer */
	}
	return n;
}

static void of_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

/* At most max_rps request starts per second. */
static void of_pace(struct openf1 *c)
{
	uint64_t gap = (uint64_t)(1e9 / c->max_rps);
	uint64_t now = tb_now_ns();
	if (c->last_req_ns && now < c->last_req_ns + gap) {
		uint64_t wait = c->last_req_ns + gap - now;
		of_sleep_ms((long)((wait + 999999) / 1000000));
	}
	c->last_req_ns = tb_now_ns();
}

/* One request; *status the HTTP code (0 when none). */
static enum tb_status of_fetch(struct openf1 *c, const char *url,
			       struct tb_buf *b, long *status,
			       long *retry_after_ms, struct tb_error *err)
{
	struct of_sink sink = {b, false};
	CURL *h = c->curl;
	b->len = 0;
	*status = 0;
	*retry_after_ms = -1;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, of_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "trailbrake");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	of_pace(c);
	c->stats.requests++;
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_off_t ra = -1;
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
	    ra >= 0)
		*retry_after_ms = (long)(ra > OF_RETRY_AFTER_MAX_MS / 1000
					     ? OF_RETRY_AFTER_MAX_MS
					     : ra * 1000);
	if (sink.over)
		return tb_fail(err, TB_ERR_LIMIT, "%s: response over %zu bytes",
			       url, c->max_response);
	if (rc == CURLE_PARTIAL_FILE)
		return tb_fail(err, TB_ERR_NET,
			       "%s: response truncated after %zu bytes", url,
			       b->len);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return tb_fail(err, TB_ERR_NET, "%s: timed out after %ld ms",
			       url, c->timeout_ms);
	if (rc != CURLE_OK)
		return tb_fail(err, TB_ERR_NET, "%s: %s", url,
			       curl_easy_strerror(rc));
	return TB_OK;
}

enum tb_status openf1_get(struct openf1 *c, const char *path_and_query,
			  json_t **out, struct tb_error *err)
{
	struct tb_buf b;
	enum tb_status st = TB_OK;
	char url[4096];

	if (!c || !path_and_query || !out)
		return tb_fail(err, TB_ERR_ARG, "openf1_get: NULL");
	*out = NULL;
	int w = snprintf(url, sizeof(url), "%s%s%s", c->base_url,
			 path_and_query[0] == '/' ? "" : "/", path_and_query);
	if (w < 0 || (size_t)w >= sizeof(url))
		return tb_fail(err, TB_ERR_ARG, "openf1: URL over %zu bytes",
			       sizeof(url));
	tb_buf_init(&b, c->max_response);
	bool cached = of_cache_get(c, url, &b);
	if (cached) {
		c->stats.cache_hits++;
	} else {
		long status = 0, ra = -1, wait = c->backoff_ms;
		for (int attempt = 0;; attempt++) {
			st = of_fetch(c, url, &b, &status, &ra, err);
			if (st != TB_OK)
				break;
			if (status == 200)
				break;
			bool again = status == 429 || status == 503;
			if (!again || attempt >= c->max_retries) {
				st = tb_fail(
				    err, TB_ERR_NET, "%s: HTTP %ld%s%s", url,
				    status,
				    status == 429 ? " (rate limited)" : "",
				    again ? ", retries exhausted" : "");
				break;
			}
			c->stats.retries++;
			of_sleep_ms(ra >= 0 ? ra : wait);
			wait *= 2;
		}
	}
	if (st == TB_OK) {
		json_error_t je;
		*out = json_loadb((const char *)b.data, b.len, 0, &je);
		if (!*out)
			st = tb_fail(err, TB_ERR_CORRUPT,
				     "%s: invalid JSON at line %d column "
				     "%d: %s",
				     url, je.line, je.column, je.text);
		else if (!cached)
			of_cache_put(c, url, &b);
	}
	tb_buf_release(&b);
	return st;
}

/* ------------------------------------------------------------------ */
/* Typed rows. */

static double of_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int of_int(json_t *o, const char *key, int dflt)
{
	json_t *v = json_object_get(o, key);
	json_int_t x = json_integer_value(v);
	return json_is_integer(v) && x >= INT32_MIN && x <= INT32_MAX ? (int)x
								      : dflt;
}

static void of_str(char *dst, size_t cap, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	snprintf(dst, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Date field as ms; 0 when null; error when malformed. */
static enum tb_status of_date(json_t *o, const char *key, const char *what,
			      size_t row, int64_t *ms, struct tb_error *err)
{
	json_t *v = json_object_get(o, key);
	*ms = 0;
	if (!v || json_is_null(v))
		return TB_OK;
	if (!json_is_string(v) ||
	    f1lt_parse_iso8601(json_string_value(v), json_string_length(v),
			       ms) != TB_OK)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s row %zu: %s is not an ISO 8601 time", what,
			       row, key);
	return TB_OK;
}

static int32_t of_ms(json_t *o, const char *key)
{
	double s = of_num(o, key);
	if (isnan(s) || s < 0 || s > 86400)
		return TB_TIME_UNKNOWN;
	return (int32_t)llround(s * 1000.0);
}

/* GET and check the answer is an array of objects within the caps. */
static enum tb_status of_rows(struct openf1 *c, const char *what,
			      const char *query, json_t **out,
			      struct tb_error *err)
{
	enum tb_status st = openf1_get(c, query, out, err);
	if (st != TB_OK)
		return st;
	if (!json_is_array(*out) || json_array_size(*out) > OPENF1_ROWS_MAX) {
		size_t n = json_array_size(*out);
		json_decref(*out);
		*out = NULL;
		return tb_fail(err, n ? TB_ERR_LIMIT : TB_ERR_FORMAT, "%s: %s",
			       what,
			       n ? "too many rows" : "answer is not an array");
	}
	for (size_t i = 0; i < json_array_size(*out); i++) {
		if (!json_is_object(json_array_get(*out, i))) {
			json_decref(*out);
			*out = NULL;
			return tb_fail(err, TB_ERR_FORMAT,
				       "%s row %zu: not an object", what, i);
		}
	}
	return TB_OK;
}

enum tb_status openf1_session_get(struct openf1 *c, int session_key,
				  struct openf1_session *out,
				  struct tb_error *err)
{
	char q[128];
	json_t *rows;
	snprintf(q, sizeof(q), "/sessions?session_key=%d", session_key);
	enum tb_status st = of_rows(c, "sessions", q, &rows, err);
	if (st != TB_OK)
		return st;
	memset(out, 0, sizeof(*out));
	json_t *o = json_array_get(rows, 0);
	if (!o) {
		json_decref(rows);
		return tb_fail(err, TB_ERR_NOTFOUND, "session %d not found",
			       session_key);
	}
	out->session_key = of_int(o, "session_key", session_key);
	out->meeting_key = of_int(o, "meeting_key", 0);
	out->circuit_key = of_int(o, "circuit_key", -1);
	out->year = of_int(o, "year", 0);
	of_str(out->session_name, sizeof(out->session_name), o, "session_name");
	of_str(out->session_type, sizeof(out->session_type), o, "session_type");
	of_str(out->circuit, sizeof(out->circuit), o, "circuit_short_name");
	of_str(out->location, sizeof(out->location), o, "location");
	st = of_date(o, "date_start", "sessions", 0, &out->date_start_ms, err);
	if (st == TB_OK)
		st = of_date(o, "date_end", "sessions", 0, &out->date_end_ms,
			     err);
	json_decref(rows);
	return st;
}

enum tb_status openf1_driver_get(struct openf1 *c, int session_key,
				 int driver_number, struct openf1_driver *out,
				 struct tb_error *err)
{
	char q[128];
	json_t *rows;
	snprintf(q, sizeof(q), "/drivers?session_key=%d&driver_number=%d",
		 session_key, driver_number);
	enum tb_status st = of_rows(c, "drivers", q, &rows, err);
	if (st != TB_OK)
		return st;
	memset(out, 0, sizeof(*out));
	json_t *o = json_array_get(rows, 0);
	if (!o) {
		json_decref(rows);
		return tb_fail(err, TB_ERR_NOTFOUND,
			       "driver %d not found in session %d",
			       driver_number, session_key);
	}
	out->driver_number = of_int(o, "driver_number", driver_number);
	of_str(out->acronym, sizeof(out->acronym), o, "name_acronym");
	of_str(out->full_name, sizeof(out->full_name), o, "full_name");
	of_str(out->team, sizeof(out->team), o, "team_name");
	json_decref(rows);
	return TB_OK;
}

static int of_cmp_lap(const void *a, const void *b)
{
	int x = ((const struct openf1_lap *)a)->lap_number;
	int y = ((const struct openf1_lap *)b)->lap_number;
	return (x > y) - (x < y);
}

enum tb_status openf1_laps(struct openf1 *c, int session_key, int driver_number,
			   struct openf1_lap **out, size_t *n,
			   struct tb_error *err)
{
	char q[128];
	json_t *rows;
	*out = NULL;
	*n = 0;
	snprintf(q, sizeof(q), "/laps?session_key=%d&driver_number=%d",
		 session_key, driver_number);
	enum tb_status st = of_rows(c, "laps", q, &rows, err);
	if (st != TB_OK)
		return st;
	size_t m = json_array_size(rows);
	struct openf1_lap *v = m ? tb_calloc(m, sizeof(*v)) : NULL;
	if (m && !v) {
		json_decref(rows);
		return tb_fail(err, TB_ERR_NOMEM, "laps: %zu rows", m);
	}
	for (size_t i = 0; i < m && st == TB_OK; i++) {
		json_t *o = json_array_get(rows, i);
		struct openf1_lap *l = &v[i];
		l->lap_number = of_int(o, "lap_number", -1);
		if (l->lap_number < 0 || l->lap_number > 100000) {
			st = tb_fail(err, TB_ERR_FORMAT,
				     "laps row %zu: no lap_number", i);
			break;
		}
		st =
		    of_date(o, "date_start", "laps", i, &l->date_start_ms, err);
		l->duration_ms = of_ms(o, "lap_duration");
		l->sector_ms[0] = of_ms(o, "duration_sector_1");
		l->sector_ms[1] = of_ms(o, "duration_sector_2");
		l->sector_ms[2] = of_ms(o, "duration_sector_3");
		l->pit_out = json_is_true(json_object_get(o, "is_pit_out_lap"));
	}
	json_decref(rows);
	if (st != TB_OK) {
		tb_free(v);
		return st;
	}
	if (m)
		qsort(v, m, sizeof(*v), of_cmp_lap);
	*out = v;
	*n = m;
	return TB_OK;
}

static int of_cmp_car(const void *a, const void *b)
{
	int64_t x = ((const struct openf1_car *)a)->date_ms;
	int64_t y = ((const struct openf1_car *)b)->date_ms;
	return (x > y) - (x < y);
}

static int of_cmp_loc(const void *a, const void *b)
{
	int64_t x = ((const struct openf1_location *)a)->date_ms;
	int64_t y = ((const struct openf1_location *)b)->date_ms;
	return (x > y) - (x < y);
}

/* Fill element i of a time series from its row o; errors name what. */
typedef enum tb_status (*of_fill_fn)(json_t *o, size_t i, void *elem,
				     struct tb_error *err);

/* GET /what?session_key=K&driver_number=D as an array of n elements of
 * size sz, each filled by fill, sorted by cmp (by date). */
static enum tb_status of_series(struct openf1 *c, const char *what,
				int session_key, int driver_number, size_t sz,
				of_fill_fn fill,
				int (*cmp)(const void *, const void *),
				void **out, size_t *n, struct tb_error *err)
{
	char q[128];
	json_t *rows;
	*out = NULL;
	*n = 0;
	snprintf(q, sizeof(q), "/%s?session_key=%d&driver_number=%d", what,
		 session_key, driver_number);
	enum tb_status st = of_rows(c, what, q, &rows, err);
	if (st != TB_OK)
		return st;
	size_t m = json_array_size(rows);
	unsigned char *v = m ? tb_calloc(m, sz) : NULL;
	if (m && !v) {
		json_decref(rows);
		return tb_fail(err, TB_ERR_NOMEM, "%s: %zu rows", what, m);
	}
	for (size_t i = 0; i < m && st == TB_OK; i++)
		st = fill(json_array_get(rows, i), i, v + i * sz, err);
	json_decref(rows);
	if (st != TB_OK) {
		tb_free(v);
		return st;
	}
	if (m)
		qsort(v, m, sz, cmp);
	*out = v;
	*n = m;
	return TB_OK;
}

static enum tb_status of_fill_car(json_t *o, size_t i, void *elem,
				  struct tb_error *err)
{
	struct openf1_car *s = elem;
	enum tb_status st = of_date(o, "date", "car_data", i, &s->date_ms, err);
	if (st == TB_OK && s->date_ms == 0)
		st =
		    tb_fail(err, TB_ERR_FORMAT, "car_data row %zu: no date", i);
	s->rpm = of_num(o, "rpm");
	s->speed_kmh = of_num(o, "speed");
	s->gear = of_num(o, "n_gear");
	s->throttle_pct = of_num(o, "throttle");
	s->brake = of_num(o, "brake");
	s->drs = of_num(o, "drs");
	return st;
}

static enum tb_status of_fill_loc(json_t *o, size_t i, void *elem,
				  struct tb_error *err)
{
	struct openf1_location *s = elem;
	enum tb_status st = of_date(o, "date", "location", i, &s->date_ms, err);
	s->x = of_num(o, "x");
	s->y = of_num(o, "y");
	s->z = of_num(o, "z");
	if (st == TB_OK &&
	    (s->date_ms == 0 || isnan(s->x) || isnan(s->y) || isnan(s->z)))
		st = tb_fail(err, TB_ERR_FORMAT,
			     "location row %zu: needs date, x, y, z", i);
	return st;
}

enum tb_status openf1_car_data(struct openf1 *c, int session_key,
			       int driver_number, struct openf1_car **out,
			       size_t *n, struct tb_error *err)
{
	void *v;
	enum tb_status st =
	    of_series(c, "car_data", session_key, driver_number, sizeof(**out),
		      of_fill_car, of_cmp_car, &v, n, err);
	*out = v;
	return st;
}

enum tb_status openf1_location(struct openf1 *c, int session_key,
			       int driver_number, struct openf1_location **out,
			       size_t *n, struct tb_error *err)
{
	void *v;
	enum tb_status st =
	    of_series(c, "location", session_key, driver_number, sizeof(**out),
		      of_fill_loc, of_cmp_loc, &v, n, err);
	*out = v;
	return st;
}

/* ------------------------------------------------------------------ */
/* Laps. */

static bool of_loc_at(const struct openf1_location *l, size_t n, int64_t t,
		      double xyz[3])
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l[mid].date_ms < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && l[lo].date_ms == t) {
		xyz[0] = l[lo].x;
		xyz[1] = l[lo].y;
		xyz[2] = l[lo].z;
		return true;
	}
	if (lo == 0 || lo >= n ||
	    l[lo].date_ms - l[lo - 1].date_ms > OF_POS_GAP_MS)
		return false;
	const struct openf1_location *a = &l[lo - 1], *b = &l[lo];
	double f = (double)(t - a->date_ms) / (double)(b->date_ms - a->date_ms);
	xyz[0] = a->x + (b->x - a->x) * f;
	xyz[1] = a->y + (b->y - a->y) * f;
	xyz[2] = a->z + (b->z - a->z) * f;
	return true;
}

struct of_data {
	struct openf1_session sess;
	struct openf1_driver drv;
	struct openf1_lap *laps;
	size_t n_laps;
	struct openf1_car *car;
	size_t n_car;
	struct openf1_location *loc;
	size_t n_loc;
};

static enum tb_status of_push(struct tb_lap *lap, const struct tb_frame *f,
			      struct tb_error *err)
{
	enum tb_status st = tb_lap_push(lap, f);
	if (st != TB_OK)
		return tb_fail(err, st, "lap %u: %zu samples", lap->lap_number,
			       lap->n);
	return TB_OK;
}

static enum tb_status of_fill(const struct of_data *d, int64_t t0,
			      int64_t start, int64_t end, struct tb_lap *lap,
			      struct tb_error *err)
{
	struct tb_frame f;
	enum tb_status st;
	size_t lo = 0, hi = d->n_car;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->car[mid].date_ms < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < d->n_car && d->car[i].date_ms < end; i++) {
		const struct openf1_car *c = &d->car[i];
		double xyz[3];
		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, (double)(c->date_ms - t0) / 1e3);
		tb_frame_set(&f, TB_CH_LAP_TIME,
			     (double)(c->date_ms - start) / 1e3);
		if (!isnan(c->speed_kmh))
			tb_frame_set(&f, TB_CH_SPEED,
				     c->speed_kmh / TB_KMH_PER_MS);
		if (!isnan(c->rpm))
			tb_frame_set(&f, TB_CH_RPM, c->rpm);
		if (!isnan(c->gear))
			tb_frame_set(&f, TB_CH_GEAR, c->gear);
		if (!isnan(c->throttle_pct)) {
			double th = c->throttle_pct / 100.0;
			tb_frame_set(&f, TB_CH_THROTTLE,
				     th > 1   ? 1
				     : th < 0 ? 0
					      : th);
		}
		if (!isnan(c->brake)) /* 0 or 100: on/off only */
			tb_frame_set(&f, TB_CH_BRAKE, c->brake > 0 ? 1 : 0);
		if (!isnan(c->drs)) /* 10, 12, 14 = open */
			tb_frame_set(&f, TB_CH_DRS, c->drs >= 10 ? 1 : 0);
		if (of_loc_at(d->loc, d->n_loc, c->date_ms, xyz)) {
			tb_frame_set(&f, TB_CH_POS_X, xyz[0] / 10.0);
			tb_frame_set(&f, TB_CH_POS_Y, xyz[1] / 10.0);
			tb_frame_set(&f, TB_CH_POS_Z, xyz[2] / 10.0);
		}
		st = of_push(lap, &f, err);
		if (st != TB_OK)
			return st;
	}
	if (lap->n > 0)
		return TB_OK;
	/* No car data in the lap: its start and end only. */
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_TIME, (double)(start - t0) / 1e3);
	tb_frame_set(&f, TB_CH_LAP_TIME, 0.0);
	st = of_push(lap, &f, err);
	if (st != TB_OK)
		return st;
	tb_frame_set(&f, TB_CH_TIME, (double)(end - t0) / 1e3);
	tb_frame_set(&f, TB_CH_LAP_TIME, (double)(end - start) / 1e3);
	return of_push(lap, &f, err);
}

static void of_session_info(const struct of_data *d, struct tb_session_info *in)
{
	memset(in, 0, sizeof(*in));
	in->source_uid =
	    (uint64_t)(d->sess.session_key > 0 ? d->sess.session_key : 0);
	in->game = TB_GAME_REAL_F1;
	in->track_id = d->sess.circuit_key;
	snprintf(in->track, sizeof(in->track), "%s", d->sess.circuit);
	const char *t = d->sess.session_type;
	in->kind = strcmp(t, "Race") == 0	  ? TB_SESSION_RACE
		   : strcmp(t, "Qualifying") == 0 ? TB_SESSION_QUALIFYING
		   : strcmp(t, "Practice") == 0	  ? TB_SESSION_PRACTICE
						  : TB_SESSION_UNKNOWN;
	in->game_session_type = -1;
	in->car_class = TB_CLASS_F1;
	in->weather = -1;
	in->start_unix_ms = d->sess.date_start_ms;
}

static enum tb_status of_build(const struct of_data *d, fmt_lap_fn fn,
			       void *ctx, struct tb_error *err)
{
	struct tb_session_info info;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
	size_t n = d->n_laps;
	enum tb_status st = TB_OK;

	of_session_info(d, &info);
	memset(&car, 0, sizeof(car));
	car.car_index = (uint8_t)(d->drv.driver_number & 0xff);
	car.race_number = d->drv.driver_number;
	car.team_id = -1;
	snprintf(car.driver, sizeof(car.driver), "%s",
		 d->drv.full_name[0] ? d->drv.full_name : d->drv.acronym);
	memset(&meta, 0, sizeof(meta));
	meta.reference = true;
	snprintf(meta.source, sizeof(meta.source), "%s", OF_SOURCE);
	snprintf(meta.car, sizeof(meta.car), "%s", d->drv.team);
	int64_t t0 = d->sess.date_start_ms;
	if (t0 == 0 && d->n_car)
		t0 = d->car[0].date_ms;
	if (n == 0)
		return TB_OK;
	if (n > FMT_LAPS_MAX)
		return tb_fail(err, TB_ERR_LIMIT, "%zu laps, over %u", n,
			       FMT_LAPS_MAX);
	struct tb_lap *laps = tb_calloc(n, sizeof(*laps));
	bool *use = tb_calloc(n, sizeof(*use));
	if (!laps || !use) {
		tb_free(laps);
		tb_free(use);
		return tb_fail(err, TB_ERR_NOMEM, "%zu laps", n);
	}
	for (size_t i = 0; i < n; i++)
		tb_lap_init(&laps[i]);
	for (size_t i = 0; i < n && st == TB_OK; i++) {
		const struct openf1_lap *l = &d->laps[i];
		const struct openf1_lap *next =
		    i + 1 < n ? &d->laps[i + 1] : NULL;
		int64_t start = l->date_start_ms, end;
		uint32_t flags = 0;
		if (start == 0)
			continue; /* no start time: cannot place it */
		if (l->duration_ms != TB_TIME_UNKNOWN) {
			end = start + l->duration_ms;
		} else if (next && next->date_start_ms > start) {
			end = next->date_start_ms;
			flags |= TB_LAP_INCOMPLETE;
		} else {
			continue;
		}
		if (l->pit_out)
			flags |= TB_LAP_OUT;
		if (next && next->pit_out)
			flags |= TB_LAP_IN;
		struct tb_lap *lap = &laps[i];
		lap->car_index = car.car_index;
		lap->lap_number = (uint32_t)l->lap_number;
		lap->lap_time_ms = l->duration_ms;
		memcpy(lap->sector_ms, l->sector_ms, sizeof(lap->sector_ms));
		lap->flags = flags;
		st = of_fill(d, t0, start, end, lap, err);
		use[i] = true;
	}
	for (size_t i = 0; i < n && st == TB_OK && fn; i++) {
		if (use[i])
			st = fn(ctx, &info, &car, &laps[i], &meta);
		tb_lap_release(&laps[i]);
	}
	for (size_t i = 0; i < n; i++)
		tb_lap_release(&laps[i]);
	tb_free(laps);
	tb_free(use);
	return st;
}

enum tb_status openf1_import_laps(struct openf1 *c, int session_key,
				  int driver_number, fmt_lap_fn fn, void *ctx,
				  struct tb_error *err)
{
	struct of_data d;
	memset(&d, 0, sizeof(d));
	if (!c)
		return tb_fail(err, TB_ERR_ARG, "openf1_import_laps: NULL");
	enum tb_status st = openf1_session_get(c, session_key, &d.sess, err);
	if (st == TB_OK)
		st = openf1_driver_get(c, session_key, driver_number, &d.drv,
				       err);
	if (st == TB_OK)
		st = openf1_laps(c, session_key, driver_number, &d.laps,
				 &d.n_laps, err);
	if (st == TB_OK)
		st = openf1_car_data(c, session_key, driver_number, &d.car,
				     &d.n_car, err);
	if (st == TB_OK)
		st = openf1_location(c, session_key, driver_number, &d.loc,
				     &d.n_loc, err);
	if (st == TB_OK)
		st = of_build(&d, fn, ctx, err);
	tb_free(d.laps);
	tb_free(d.car);
	tb_free(d.loc);
	return st;
}

/* test_api.c - the JSON API of `trailbrake serve` end to end: a store
 * filled with a generated F1 session (imported from `trailbrake gen`)
 * and a 90 s synthetic lap, the daemon started on it, then every
 * endpoint: status codes, values against the store, errors, the binary
 * channel format, min/max downsampling, uploads. Each JSON response is
 * checked against docs/openapi.yaml (read with a small parser of the
 * YAML subset that file keeps to). */
#include "tb_test.h"

#include <jansson.h>
#include <math.h>

#include "api_http.h"
#include "lapgen.h"
#include "server/server.h"
#include "store/store.h"

/* ------------------------------------------------------------------ */
/* The YAML subset of docs/openapi.yaml: block maps, "- " sequences of
 * maps or scalars, flow lists "[a, b]", one-line scalars, # comments. */

struct yn {
	char key[96];
	char val[512];
	int indent;
	struct yn *kids, *next, *last;
};

static struct yn *yn_new(const char *key, int indent)
{
	struct yn *n = calloc(1, sizeof(*n));
	snprintf(n->key, sizeof(n->key), "%s", key);
	n->indent = indent;
	return n;
}

static void yn_add(struct yn *parent, struct yn *kid)
{
	if (parent->last)
		parent->last->next = kid;
	else
		parent->kids = kid;
	parent->last = kid;
}

static void yn_free(struct yn *n)
{
	while (n) {
		struct yn *next = n->next;
		yn_free(n->kids);
		free(n);
		n = next;
	}
}

static void unquote(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
}

static struct yn *yaml_load(const char *path)
{
	size_t len = 0;
	char *text = (char *)tbt_read_file(path, &len);
	assert_non_null(text);
	text = realloc(text, len + 1);
	text[len] = '\0';
	struct yn *root = yn_new("", -1);
	struct yn *stack[64] = {root};
	int depth = 0;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		int ind = (int)strspn(line, " ");
		char *p = line + ind;
		if (*p && *p != '#') {
			while (depth > 0 && stack[depth]->indent >= ind)
				depth--;
			if (p[0] == '-' && p[1] == ' ') {
				struct yn *item = yn_new("-", ind);
				yn_add(stack[depth], item);
				stack[++depth] = item;
				ind += 2;
				p += 2;
			}
			char *colon = strstr(p, ": ");
			size_t pl = strlen(p);
			if (!colon && pl && p[pl - 1] == ':')
				colon = p + pl - 1;
			struct yn *n = yn_new("", ind);
			if (colon) {
				*colon = '\0';
				snprintf(n->key, sizeof(n->key), "%s", p);
				unquote(n->key);
				if (colon[1])
					snprintf(n->val, sizeof(n->val), "%s",
						 colon + 2);
				unquote(n->val);
			} else {
				snprintf(n->val, sizeof(n->val), "%s", p);
				unquote(n->val);
			}
			yn_add(stack[depth], n);
			stack[++depth] = n;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return root;
}

static struct yn *yn_get(const struct yn *n, const char *key)
{
	for (struct yn *k = n ? n->kids : NULL; k; k = k->next)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

/* Follow "#/components/schemas/X" style references. */
static const struct yn *yn_deref(const struct yn *root, const struct yn *n)
{
	for (int i = 0; i < 8 && n; i++) {
		const struct yn *ref = yn_get(n, "$ref");
		if (!ref)
			return n;
		assert_true(strncmp(ref->val, "#/", 2) == 0);
		char path[256];
		snprintf(path, sizeof(path), "%s", ref->val + 2);
		n = root;
		for (char *s = path, *e; s; s = e ? e + 1 : NULL) {
			e = strchr(s, '/');
			if (e)
				*e = '\0';
			n = yn_get(n, s);
			if (!n)
				fail_msg("openapi: dangling $ref %s", ref->val);
		}
	}
	return n;
}

static bool flow_has(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; (p = strstr(p, word)) != NULL; p++) {
		char before = p == list ? '[' : p[-1];
		char after = p[wl];
		if ((before == '[' || before == ' ' || before == ',') &&
		    (after == ']' || after == ',' || after == ' '))
			return true;
	}
	return false;
}

static void check_schema(const struct yn *root, const struct yn *schema,
			 json_t *v, const char *where, int depth);

static void check_type(const char *type, bool nullable, json_t *v,
		       const char *where)
{
	if (json_is_null(v)) {
		if (!nullable)
			fail_msg("%s: null but not nullable", where);
		return;
	}
	bool ok = !strcmp(type, "string")    ? json_is_string(v)
		  : !strcmp(type, "integer") ? json_is_integer(v)
		  : !strcmp(type, "number")  ? json_is_number(v)
		  : !strcmp(type, "boolean") ? json_is_boolean(v)
		  : !strcmp(type, "array")   ? json_is_array(v)
		  : !strcmp(type, "object")  ? json_is_object(v)
					     : false;
	if (!ok)
		fail_msg("%s: expected %s", where, type);
}

static void check_schema(const struct yn *root, const struct yn *schema,
			 json_t *v, const char *where, int depth)
{
	schema = yn_deref(root, schema);
	const struct yn *type = yn_get(schema, "type");
	const struct yn *nul = yn_get(schema, "nullable");
	bool nullable = nul && !strcmp(nul->val, "true");
	if (type)
		check_type(type->val, nullable, v, where);
	if (json_is_null(v) || depth > 6)
		return;
	const struct yn *en = yn_get(schema, "enum");
	if (en && json_is_string(v) && !flow_has(en->val, json_string_value(v)))
		fail_msg("%s: '%s' not in enum %s", where, json_string_value(v),
			 en->val);
	const struct yn *props = yn_get(schema, "properties");
	if (props && json_is_object(v)) {
		const struct yn *req = yn_get(schema, "required");
		for (const struct yn *p = props->kids; p; p = p->next) {
			json_t *f = json_object_get(v, p->key);
			char w[256];
			snprintf(w, sizeof(w), "%s.%s", where, p->key);
			if (!f) {
				if (req && flow_has(req->val, p->key))
					fail_msg("%s: required, missing", w);
				continue;
			}
			check_schema(root, p, f, w, depth + 1);
		}
		const char *k;
		json_t *f;
		json_object_foreach(v, k, f)
		{
			if (!yn_get(props, k))
				fail_msg("%s.%s: not in the schema", where, k);
		}
	}
	const struct yn *addl = yn_get(schema, "additionalProperties");
	if (addl && json_is_object(v)) {
		const char *k;
		json_t *f;
		json_object_foreach(v, k, f)
		{
			check_schema(root, addl, f, where, depth + 1);
		}
	}
	const struct yn *items = yn_get(schema, "items");
	if (items && json_is_array(v)) {
		size_t n = json_array_size(v);
		/* The first few, the last: enough to catch a wrong shape. */
		for (size_t i = 0; i < n;
		     i = i < 3 ? i + 1 : (i < n - 1 ? n - 1 : n)) {
			char w[256];
			snprintf(w, sizeof(w), "%s[%zu]", where, i);
			check_schema(root, items, json_array_get(v, i), w,
				     depth + 1);
		}
	}
}

/* Check a response body against paths.<tpl>.<method>.responses.<code>. */
static void check_openapi(const struct yn *api, const char *tpl,
			  const char *method, int code, json_t *body)
{
	char cs[8];
	snprintf(cs, sizeof(cs), "%d", code);
	const struct yn *ops = yn_get(yn_get(api, "paths"), tpl);
	const struct yn *op = yn_get(ops, method);
	if (!op && code == 405 && ops)
		op = ops->kids; /* documented under the method it takes */
	if (!op)
		fail_msg("openapi: %s %s not documented", method, tpl);
	const struct yn *resp = yn_get(yn_get(op, "responses"), cs);
	if (!resp)
		fail_msg("openapi: %s %s: status %d not documented", method,
			 tpl, code);
	resp = yn_deref(api, resp);
	const struct yn *schema = yn_get(
	    yn_get(yn_get(resp, "content"), "application/json"), "schema");
	if (!schema)
		fail_msg("openapi: %s %s %d: no JSON schema", method, tpl,
			 code);
	char where[160];
	snprintf(where, sizeof(where), "%s %s %d", method, tpl, code);
	check_schema(api, schema, body, where, 0);
}

/* ------------------------------------------------------------------ */
/* Fixture: a store, the daemon on it. */

struct fx {
	char *dir;
	char db[256];
	char pcap[256];
	pid_t pid;
	int http;
	struct yn *api;
	int64_t gen_session, syn_session, syn_lap;
	size_t n_gen_laps;
	struct store_lap_row gen_laps[64];
	int64_t timed[8]; /* complete laps of car 0 and 1 */
	size_t n_timed;
	struct tb_lap syn; /* the 90 s synthetic lap as stored */
};

static struct fx F;

static int on_lap_row(void *ctx, const struct store_lap_row *r)
{
	struct fx *f = ctx;
	if (f->n_gen_laps < 64)
		f->gen_laps[f->n_gen_laps++] = *r;
	return 0;
}

static void run_gen(const char *bin, const char *out, const char *format)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(bin, bin, "gen", "--cars", "2", "--laps", "3", "--format",
		      format, "--out", out, (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int setup(void **state)
{
	(void)state;
	const char *bin = getenv("TB_BIN");
	assert_non_null(bin);
	memset(&F, 0, sizeof(F));
	F.api = yaml_load(TB_SOURCE_DIR "/docs/openapi.yaml");
	F.dir = tbt_tmpdir();
	snprintf(F.db, sizeof(F.db), "%s/api.db", F.dir);
	snprintf(F.pcap, sizeof(F.pcap), "%s/gen.pcap", F.dir);
	run_gen(bin, F.pcap, "2025");

	struct store *st;
	struct tb_error err;
	assert_int_equal(store_open(F.db, &st, &err), TB_OK);
	struct srv_import_result res;
	assert_int_equal(srv_import_file(st, F.pcap, NULL, &res, &err), TB_OK);
	assert_true(res.laps >= 6);

	/* A second, newer session: one 90 s lap of 42 channels. */
	struct tb_session_info in;
	memset(&in, 0, sizeof(in));
	in.source_uid = 777;
	in.game = TB_GAME_F1_25;
	in.track_id = -1;
	in.weather = -1;
	in.kind = TB_SESSION_PRACTICE;
	in.car_class = TB_CLASS_F1;
	snprintf(in.track, sizeof(in.track), "Synthetic \"Ring\"");
	in.start_unix_ms = tb_wall_ms() + 86400000;
	assert_int_equal(store_session_put(st, &in, &F.syn_session, &err),
			 TB_OK);
	tb_lap_init(&F.syn);
	assert_int_equal(lg_realistic_lap(&F.syn, 90.0, 42), TB_OK);
	F.syn.lap_number = 1;
	F.syn.sector_ms[0] = F.syn.sector_ms[1] = F.syn.sector_ms[2] = -1;
	assert_int_equal(
	    store_lap_put(st, F.syn_session, &F.syn, &F.syn_lap, &err), TB_OK);
	assert_int_equal(store_ref_put(st, F.syn_lap, "Test Driver",
				       TB_CLASS_F1, "user", &err),
			 TB_OK);

	F.gen_session = 1; /* the first session of a fresh store */
	assert_int_equal(
	    store_laps_list(st, F.gen_session, on_lap_row, &F, &err), TB_OK);
	for (size_t i = 0; i < F.n_gen_laps && F.n_timed < 8; i++)
		if (F.gen_laps[i].flags == 0 && F.gen_laps[i].lap_time_ms > 0)
			F.timed[F.n_timed++] = F.gen_laps[i].id;
	assert_true(F.n_timed >= 4);
	store_close(st);

	F.http = 40000 + (getpid() % 10000);
	F.pid = ah_serve(bin, F.db, F.http + 1, F.http);
	assert_true(F.pid > 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(ah_stop(F.pid), 0);
	yn_free(F.api);
	tb_lap_release(&F.syn);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", F.dir);
	free(F.dir);
	return 0;
}

/* GET path, expect status, parse JSON and check it against the
 * documented response of tpl. Caller json_decref()s. */
static json_t *get_json(const char *path, const char *tpl, int want)
{
	struct ah_resp r;
	int st = ah_get(F.http, path, &r);
	if (st != want)
		fail_msg("GET %s: status %d, want %d: %s", path, st, want,
			 r.body ? r.body : "");
	assert_non_null(strstr(r.head, "Content-Type: application/json"));
	json_error_t je;
	json_t *j = json_loadb(r.body, r.body_len, 0, &je);
	if (!j)
		fail_msg("GET %s: bad JSON (%s) %.200s", path, je.text, r.body);
	check_openapi(F.api, tpl, "get", want, j);
	ah_resp_free(&r);
	return j;
}

/* An error response: status, {"error","detail"} documented. */
static void expect_error(const char *method, const char *path, const char *tpl,
			 int want)
{
	struct ah_resp r;
	int st = ah_request(F.http, method, path, &r);
	if (st != want)
		fail_msg("%s %s: status %d, want %d: %s", method, path, st,
			 want, r.body ? r.body : "");
	json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
	assert_non_null(j);
	assert_true(json_is_string(json_object_get(j, "error")));
	assert_true(json_is_string(json_object_get(j, "detail")));
	if (tpl) {
		char m[8];
		snprintf(m, sizeof(m), "%s", method);
		for (char *p = m; *p; p++)
			*p = (char)(*p | 0x20);
		check_openapi(F.api, tpl, m, want, j);
	}
	json_decref(j);
	ah_resp_free(&r);
}

static json_int_t jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* ------------------------------------------------------------------ */

static void test_sessions(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/sessions", "/api/v1/sessions", 200);
	assert_int_equal(jint(j, "total"), 2);
	json_t *ss = json_object_get(j, "sessions");
	assert_int_equal(json_array_size(ss), 2);
	/* newest first: the synthetic session starts a day ahead */
	assert_int_equal(jint(json_array_get(ss, 0), "id"), F.syn_session);
	assert_int_equal(jint(json_array_get(ss, 1), "id"), F.gen_session);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(ss, 0), "track")),
	    "Synthetic \"Ring\"");
	json_decref(j);

	j = get_json("/api/v1/sessions?limit=1&offset=1", "/api/v1/sessions",
		     200);
	ss = json_object_get(j, "sessions");
	assert_int_equal(json_array_size(ss), 1);
	assert_int_equal(jint(json_array_get(ss, 0), "id"), F.gen_session);
	assert_int_equal(jint(j, "limit"), 1);
	assert_int_equal(jint(j, "offset"), 1);
	json_decref(j);
	j = get_json("/api/v1/sessions?offset=5", "/api/v1/sessions", 200);
	assert_int_equal(json_array_size(json_object_get(j, "sessions")), 0);
	json_decref(j);

	expect_error("GET", "/api/v1/sessions?limit=0", "/api/v1/sessions",
		     400);
	expect_error("GET", "/api/v1/sessions?limit=abc", "/api/v1/sessions",
		     400);
	expect_error("GET", "/api/v1/sessions?offset=-1", "/api/v1/sessions",
		     400);
	expect_error("POST", "/api/v1/sessions", "/api/v1/sessions", 405);
	expect_error("DELETE", "/api/v1/sessions", "/api/v1/sessions", 405);
	expect_error("GET", "/api/v1/nope", NULL, 404);
	expect_error("GET", "/api/v1/sessions/1/nope", NULL, 404);
}

static void test_session(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/sessions/%lld",
		 (long long)F.gen_session);
	json_t *j = get_json(path, "/api/v1/sessions/{id}", 200);
	assert_int_equal(jint(j, "id"), F.gen_session);
	assert_string_equal(json_string_value(json_object_get(j, "game")),
			    "F1 25");
	int32_t best = INT32_MAX;
	for (size_t i = 0; i < F.n_gen_laps; i++)
		if (F.gen_laps[i].lap_time_ms > 0 && F.gen_laps[i].flags == 0 &&
		    F.gen_laps[i].lap_time_ms < best)
			best = F.gen_laps[i].lap_time_ms;
	assert_int_equal(jint(j, "best_lap_ms"), best);
	json_decref(j);
	expect_error("GET", "/api/v1/sessions/999999", "/api/v1/sessions/{id}",
		     404);
	expect_error("GET", "/api/v1/sessions/abc", "/api/v1/sessions/{id}",
		     400);
	expect_error("GET", "/api/v1/sessions/0", "/api/v1/sessions/{id}", 400);
	expect_error("PUT", path, "/api/v1/sessions/{id}", 405);
}

static void test_session_laps(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/sessions/1/laps",
			     "/api/v1/sessions/{id}/laps", 200);
	json_t *laps = json_object_get(j, "laps");
	assert_int_equal(json_array_size(laps), F.n_gen_laps);
	for (size_t i = 0; i < F.n_gen_laps; i++) {
		json_t *l = json_array_get(laps, i);
		const struct store_lap_row *w = &F.gen_laps[i];
		assert_int_equal(jint(l, "id"), w->id);
		assert_int_equal(jint(l, "lap_number"), w->lap_number);
		assert_int_equal(jint(l, "car_index"), w->car_index);
		assert_int_equal(jint(l, "n_samples"), w->n_samples);
		json_t *t = json_object_get(l, "lap_time_ms");
		if (w->lap_time_ms < 0)
			assert_true(json_is_null(t));
		else
			assert_int_equal(json_integer_value(t), w->lap_time_ms);
		for (int k = 0; k < 3; k++) {
			json_t *s = json_array_get(
			    json_object_get(l, "sector_ms"), (size_t)k);
			if (w->sector_ms[k] < 0)
				assert_true(json_is_null(s));
			else
				assert_int_equal(json_integer_value(s),
						 w->sector_ms[k]);
		}
		assert_int_equal(json_is_true(json_object_get(l, "valid")),
				 w->flags == 0);
	}
	json_decref(j);
	expect_error("GET", "/api/v1/sessions/4242/laps",
		     "/api/v1/sessions/{id}/laps", 404);
}

static void test_lap(void **state)
{
	(void)state;
	char path[128];
	const struct store_lap_row *w = &F.gen_laps[1];
	snprintf(path, sizeof(path), "/api/v1/laps/%lld", (long long)w->id);
	json_t *j = get_json(path, "/api/v1/laps/{id}", 200);
	assert_int_equal(jint(j, "id"), w->id);
	assert_int_equal(jint(j, "session_id"), F.gen_session);
	assert_int_equal(jint(j, "n_samples"), w->n_samples);
	if (w->lap_time_ms > 0)
		assert_int_equal(jint(j, "lap_time_ms"), w->lap_time_ms);
	assert_int_equal(json_array_size(json_object_get(j, "channels")),
			 __builtin_popcountll(w->chans));
	json_decref(j);
	snprintf(path, sizeof(path), "/api/v1/laps/%lld", (long long)F.syn_lap);
	j = get_json(path, "/api/v1/laps/{id}", 200);
	assert_int_equal(jint(j, "lap_time_ms"), 90000);
	assert_true(
	    json_is_null(json_array_get(json_object_get(j, "sector_ms"), 0)));
	json_decref(j);
	expect_error("GET", "/api/v1/laps/123456", "/api/v1/laps/{id}", 404);
	expect_error("GET", "/api/v1/laps/-3", "/api/v1/laps/{id}", 400);
	expect_error("GET", "/api/v1/laps/99999999999999999999",
		     "/api/v1/laps/{id}", 400);
}

/* Values of one channel object, NaN for null. */
static double *values(json_t *ch, size_t *n)
{
	json_t *v = json_object_get(ch, "values");
	*n = json_array_size(v);
	double *out = malloc((*n + 1) * sizeof(double));
	for (size_t i = 0; i < *n; i++) {
		json_t *x = json_array_get(v, i);
		out[i] = json_is_null(x) ? NAN : json_number_value(x);
	}
	return out;
}

static void test_lap_channels(void **state)
{
	(void)state;
	const char *tpl = "/api/v1/laps/{id}/channels";
	char path[256];
	long long id = (long long)F.syn_lap;
	snprintf(path, sizeof(path), "/api/v1/laps/%lld/channels", id);
	json_t *j = get_json(path, tpl, 200);
	json_t *chs = json_object_get(j, "channels");
	assert_int_equal(json_array_size(chs),
			 __builtin_popcountll(F.syn.chans));
	assert_int_equal(jint(j, "n"), F.syn.n);
	assert_false(json_is_true(json_object_get(j, "downsampled")));
	/* every value equals the stored one (9 significant digits) */
	for (size_t k = 0; k < json_array_size(chs); k++) {
		json_t *c = json_array_get(chs, k);
		enum tb_channel ch;
		assert_int_equal(
		    tb_channel_by_name(
			json_string_value(json_object_get(c, "name")), &ch),
		    TB_OK);
		size_t n;
		double *v = values(c, &n);
		assert_int_equal(n, F.syn.n);
		for (size_t i = 0; i < n; i++) {
			double want = F.syn.col[ch][i];
			if (fabs(v[i] - want) > 1e-8 * fmax(1, fabs(want)))
				fail_msg("%s[%zu]: %.12g != %.12g",
					 tb_channel_name(ch), i, v[i], want);
		}
		free(v);
	}
	json_decref(j);

	/* chosen channels, distance range, absent channel as null */
	snprintf(path, sizeof(path),
		 "/api/v1/laps/%lld/channels?ch=lap_dist,speed,clutch"
		 "&from=1000&to=2000.5",
		 id);
	j = get_json(path, tpl, 200);
	chs = json_object_get(j, "channels");
	assert_int_equal(json_array_size(chs), 3);
	size_t n, nd;
	double *d = values(json_array_get(chs, 0), &nd);
	double *cl = values(json_array_get(chs, 2), &n);
	size_t want = 0;
	for (size_t i = 0; i < F.syn.n; i++)
		if (F.syn.col[TB_CH_LAP_DIST][i] >= 1000 &&
		    F.syn.col[TB_CH_LAP_DIST][i] <= 2000.5)
			want++;
	assert_true(want > 100);
	assert_int_equal(nd, want);
	assert_int_equal(n, want);
	for (size_t i = 0; i < nd; i++) {
		assert_true(d[i] >= 1000 && d[i] <= 2000.5);
		assert_true(isnan(cl[i]));
	}
	free(d);
	free(cl);
	json_decref(j);

	/* min/max downsampling keeps each channel's extremes */
	snprintf(path, sizeof(path),
		 "/api/v1/laps/%lld/channels?ch=speed,brake,rpm"
		 "&max_points=201",
		 id);
	j = get_json(path, tpl, 200);
	assert_int_equal(jint(j, "n"), 200);
	assert_true(json_is_true(json_object_get(j, "downsampled")));
	assert_string_equal(json_string_value(json_object_get(j, "method")),
			    "minmax");
	static const enum tb_channel mm[] = {TB_CH_SPEED, TB_CH_BRAKE,
					     TB_CH_RPM};
	for (size_t k = 0; k < 3; k++) {
		double *v = values(
		    json_array_get(json_object_get(j, "channels"), k), &n);
		assert_int_equal(n, 200);
		double lo = INFINITY, hi = -INFINITY, wlo = INFINITY,
		       whi = -INFINITY;
		for (size_t i = 0; i < n; i++) {
			lo = fmin(lo, v[i]);
			hi = fmax(hi, v[i]);
		}
		for (size_t i = 0; i < F.syn.n; i++) {
			wlo = fmin(wlo, F.syn.col[mm[k]][i]);
			whi = fmax(whi, F.syn.col[mm[k]][i]);
		}
		assert_true(fabs(lo - wlo) <= 1e-8 * fmax(1, fabs(wlo)));
		assert_true(fabs(hi - whi) <= 1e-8 * fmax(1, fabs(whi)));
		free(v);
	}
	json_decref(j);

	static const char *const bad[] = {
	    "ch=nope",	    "ch=speed,,rpm", "from=10&to=5",
	    "max_points=0", "max_points=1",  "max_points=x",
	    "from=abc",	    "format=xml",    "to=nan"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/api/v1/laps/%lld/channels?%s",
			 id, bad[i]);
		expect_error("GET", path, tpl, 400);
	}
	expect_error("GET", "/api/v1/laps/777777/channels", tpl, 404);
	expect_error("POST", path, tpl, 405);
}

static void test_lap_channels_bin(void **state)
{
	(void)state;
	char path[256];
	snprintf(path, sizeof(path),
		 "/api/v1/laps/%lld/channels?ch=speed,gear,clutch&format=bin",
		 (long long)F.syn_lap);
	struct ah_resp r;
	assert_int_equal(ah_get(F.http, path, &r), 200);
	assert_non_null(
	    strstr(r.head, "Content-Type: application/octet-stream"));
	const uint8_t *p = (const uint8_t *)r.body;
	assert_true(r.body_len >= 24);
	assert_memory_equal(p, "TBC1", 4);
	uint32_t head = tb_ld_u32le(p + 4), nch = tb_ld_u32le(p + 8),
		 rows = tb_ld_u32le(p + 12), flags = tb_ld_u32le(p + 16);
	assert_int_equal(nch, 3);
	assert_int_equal(head, 24 + 32 * 3);
	assert_int_equal(rows, F.syn.n);
	assert_int_equal(flags, 0);
	assert_int_equal(r.body_len, head + 4ull * rows * nch);
	assert_string_equal((const char *)p + 24, "speed");
	assert_string_equal((const char *)p + 24 + 24, "m/s");
	assert_string_equal((const char *)p + 24 + 32, "gear");
	assert_string_equal((const char *)p + 24 + 64, "clutch");
	static const enum tb_channel ch[] = {TB_CH_SPEED, TB_CH_GEAR};
	for (uint32_t k = 0; k < 2; k++)
		for (uint32_t i = 0; i < rows; i++) {
			float v = tb_ld_f32le(p + head + 4ull * (k * rows + i));
			assert_true(v == (float)F.syn.col[ch[k]][i]);
		}
	for (uint32_t i = 0; i < rows; i++)
		assert_true(
		    isnan(tb_ld_f32le(p + head + 4ull * (2 * rows + i))));
	ah_resp_free(&r);

	snprintf(path, sizeof(path),
		 "/api/v1/laps/%lld/channels?ch=speed&format=bin&max_points=64",
		 (long long)F.syn_lap);
	assert_int_equal(ah_get(F.http, path, &r), 200);
	p = (const uint8_t *)r.body;
	assert_int_equal(tb_ld_u32le(p + 12), 64);
	assert_int_equal(tb_ld_u32le(p + 16), 1);
	ah_resp_free(&r);
}

static void test_compare(void **state)
{
	(void)state;
	const char *tpl = "/api/v1/compare";
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/compare?laps=%lld,%lld,%lld",
		 (long long)F.timed[0], (long long)F.timed[1],
		 (long long)F.timed[2]);
	json_t *j = get_json(path, tpl, 200);
	/* reference: the fastest of the three */
	int64_t ref = 0;
	int32_t best = INT32_MAX;
	for (size_t i = 0; i < F.n_gen_laps; i++)
		for (int k = 0; k < 3; k++)
			if (F.gen_laps[i].id == F.timed[k] &&
			    F.gen_laps[i].lap_time_ms < best) {
				best = F.gen_laps[i].lap_time_ms;
				ref = F.gen_laps[i].id;
			}
	assert_int_equal(jint(j, "ref_lap_id"), ref);
	json_t *laps = json_object_get(j, "laps");
	assert_int_equal(json_array_size(laps), 3);
	json_t *corners = json_object_get(j, "corners");
	assert_true(json_is_array(corners));
	assert_true(json_array_size(corners) >= 1);
	for (size_t i = 0; i < 3; i++) {
		json_t *l = json_array_get(laps, i);
		assert_int_equal(jint(l, "lap_id"), F.timed[i]);
		json_t *delta = json_object_get(l, "delta");
		assert_true(json_is_array(delta));
		json_t *speed =
		    json_object_get(json_object_get(l, "traces"), "speed");
		assert_int_equal(json_array_size(speed), jint(l, "n"));
		double fin =
		    json_number_value(json_object_get(l, "delta_final_s"));
		if (F.timed[i] == ref) {
			assert_true(json_is_true(json_object_get(l, "is_ref")));
			assert_true(fabs(fin) < 1e-9);
		}
		/* the corner segments tile the lap: losses add up to the
		 * delta over the lap */
		double sum = 0;
		for (size_t k = 0; k < json_array_size(corners); k++) {
			json_t *cl = json_array_get(
			    json_object_get(json_array_get(corners, k), "laps"),
			    i);
			assert_int_equal(jint(cl, "lap_id"), F.timed[i]);
			sum += json_number_value(json_object_get(cl, "loss_s"));
		}
		size_t nd = json_array_size(delta);
		double whole =
		    json_number_value(json_array_get(delta, nd - 1)) -
		    json_number_value(json_array_get(delta, 0));
		if (fabs(sum - whole) > 1e-3)
			fail_msg("lap %zu: corner losses %.6f, delta %.6f", i,
				 sum, whole);
	}
	json_decref(j);

	/* an explicit reference from outside the list */
	snprintf(path, sizeof(path),
		 "/api/v1/compare?laps=%lld&ref=%lld"
		 "&step=2&ch=speed,rpm",
		 (long long)F.timed[0], (long long)F.timed[3]);
	j = get_json(path, tpl, 200);
	assert_int_equal(jint(j, "ref_lap_id"), F.timed[3]);
	assert_int_equal(json_array_size(json_object_get(j, "laps")), 1);
	json_t *tr = json_object_get(
	    json_array_get(json_object_get(j, "laps"), 0), "traces");
	assert_int_equal(json_object_size(tr), 2);
	json_decref(j);

	expect_error("GET", "/api/v1/compare", tpl, 400);
	expect_error("GET", "/api/v1/compare?laps=", tpl, 400);
	expect_error("GET", "/api/v1/compare?laps=1,x", tpl, 400);
	expect_error("GET", "/api/v1/compare?laps=1,2,3,4,5,6,7,8,9", tpl, 400);
	expect_error("GET", "/api/v1/compare?laps=3&step=0", tpl, 400);
	expect_error("GET", "/api/v1/compare?laps=3&ref=zz", tpl, 400);
	expect_error("GET", "/api/v1/compare?laps=3&ch=nope", tpl, 400);
	expect_error("GET", "/api/v1/compare?laps=3,99999", tpl, 404);
	expect_error("POST", "/api/v1/compare?laps=3", tpl, 405);
}

static void test_refs(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/refs", "/api/v1/refs", 200);
	json_t *refs = json_object_get(j, "refs");
	assert_int_equal(json_array_size(refs), 1);
	json_t *r = json_array_get(refs, 0);
	assert_int_equal(jint(r, "lap_id"), F.syn_lap);
	assert_int_equal(jint(r, "lap_time_ms"), 90000);
	assert_string_equal(json_string_value(json_object_get(r, "driver")),
			    "Test Driver");
	assert_string_equal(json_string_value(json_object_get(r, "source")),
			    "user");
	json_decref(j);
	expect_error("PATCH", "/api/v1/refs", "/api/v1/refs", 405);
}

static void test_import(void **state)
{
	(void)state;
	const char *tpl = "/api/v1/import";
	char gen2[300];
	snprintf(gen2, sizeof(gen2), "%s/gen2.pcap", F.dir);
	run_gen(getenv("TB_BIN"), gen2, "2024"); /* a new session */
	size_t len = 0;
	uint8_t *file = tbt_read_file(gen2, &len);
	assert_non_null(file);
	struct ah_resp r;
	assert_int_equal(
	    ah_post(F.http, "/api/v1/import?name=gen2.pcap", file, len, &r),
	    200);
	json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
	assert_non_null(j);
	check_openapi(F.api, tpl, "post", 200, j);
	assert_string_equal(json_string_value(json_object_get(j, "format")),
			    "f1");
	assert_true(jint(j, "laps") >= 6);
	json_decref(j);
	ah_resp_free(&r);
	free(file);
	j = get_json("/api/v1/sessions?limit=10", "/api/v1/sessions", 200);
	assert_int_equal(jint(j, "total"), 3);
	bool found = false;
	json_t *ss = json_object_get(j, "sessions");
	for (size_t i = 0; i < json_array_size(ss); i++)
		found |= !strcmp(json_string_value(json_object_get(
				     json_array_get(ss, i), "game")),
				 "F1 24");
	assert_true(found);
	json_decref(j);

	/* garbage: the importer's message, nothing stored */
	char junk[3000];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	assert_int_equal(ah_post(F.http, tpl, junk, sizeof(junk), &r), 400);
	j = json_loadb(r.body, r.body_len, 0, NULL);
	assert_non_null(j);
	check_openapi(F.api, tpl, "post", 400, j);
	const char *detail = json_string_value(json_object_get(j, "detail"));
	assert_non_null(strstr(detail, "not a format"));
	assert_null(strstr(detail, "tb-upload")); /* no temporary path */
	json_decref(j);
	ah_resp_free(&r);

	/* over the cap: refused from the header, the body never sent */
	const char *big = "POST /api/v1/import HTTP/1.1\r\nHost: x\r\n"
			  "Content-Length: 268435457\r\n\r\n";
	assert_int_equal(ah_exchange(F.http, big, NULL, 0, &r), 413);
	j = json_loadb(r.body, r.body_len, 0, NULL);
	assert_non_null(j);
	check_openapi(F.api, tpl, "post", 413, j);
	json_decref(j);
	ah_resp_free(&r);
	const char *nolen = "POST /api/v1/import HTTP/1.1\r\nHost: x\r\n"
			    "Connection: close\r\n\r\n";
	assert_int_equal(ah_exchange(F.http, nolen, NULL, 0, &r), 411);
	ah_resp_free(&r);
	assert_int_equal(ah_post(F.http, tpl, "", 0, &r), 400);
	ah_resp_free(&r);
	expect_error("GET", tpl, tpl, 405);
}

/* The live endpoints' plain-HTTP answers against the document (the
 * WebSocket itself is tests/test_live.c). No stream runs here. */
static void test_live(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/live/cars", "/api/v1/live/cars", 200);
	assert_int_equal(json_array_size(json_object_get(j, "cars")), 0);
	json_decref(j);
	expect_error("POST", "/api/v1/live/cars", "/api/v1/live/cars", 405);
	expect_error("GET", "/api/v1/live", "/api/v1/live", 426);
	expect_error("GET", "/api/v1/live?car=x", "/api/v1/live", 400);
	expect_error("GET", "/api/v1/live?hz=99", "/api/v1/live", 400);
	expect_error("GET", "/api/v1/live?ref=0", "/api/v1/live", 400);
	expect_error("GET", "/api/v1/live?car=3", "/api/v1/live", 404);
	expect_error("GET", "/api/v1/live?source=9", "/api/v1/live", 404);
	expect_error("GET", "/api/v1/live?ref=99999", "/api/v1/live", 404);
}

static void test_metrics(void **state)
{
	(void)state;
	struct ah_resp r;
	assert_int_equal(ah_get(F.http, "/metrics", &r), 200);
	const char *m = r.body;
	assert_non_null(strstr(m, "# TYPE trailbrake_http_request_duration_"
				  "seconds histogram"));
	const char *c = strstr(m, "trailbrake_http_request_duration_seconds_"
				  "count{endpoint=\"lap_channels\"} ");
	assert_non_null(c);
	unsigned long long n = 0;
	assert_int_equal(sscanf(strchr(c, '}') + 2, "%llu", &n), 1);
	assert_true(n >= 10);
	assert_non_null(strstr(m, "trailbrake_http_requests_total"));
	ah_resp_free(&r);
	json_t *j = get_json("/healthz", "/healthz", 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")),
			    "ok");
	json_decref(j);
}

/* ------------------------------------------------------------------ */
/* The web UI's endpoints and the embedded UI. */

static json_t *find_track_of(json_t *tracks, int64_t session)
{
	size_t i, k;
	json_t *t, *s;
	json_array_foreach(tracks, i, t)
	{
		json_array_foreach(json_object_get(t, "sessions"), k, s)
		{
			if (json_integer_value(s) == session)
				return t;
		}
	}
	return NULL;
}

static void test_tracks(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/tracks", "/api/v1/tracks", 200);
	json_t *ts = json_object_get(j, "tracks");
	assert_int_equal(json_array_size(ts), 2);
	json_t *gen = find_track_of(ts, F.gen_session);
	json_t *syn = find_track_of(ts, F.syn_session);
	assert_non_null(gen);
	assert_non_null(syn);
	assert_true(gen != syn);
	assert_string_equal(json_string_value(json_object_get(syn, "track")),
			    "Synthetic \"Ring\"");
	/* The generated laps carry positions: a model, corners. */
	assert_true(json_is_true(json_object_get(gen, "has_model")));
	assert_true(json_is_false(json_object_get(gen, "model_stored")));
	assert_true(jint(gen, "n_corners") >= 3);
	double len = json_number_value(json_object_get(gen, "length_m"));
	if (!(fabs(len - 4318.0) < 0.02 * 4318.0))
		fail_msg("generated track length %.1f m, want ~4318", len);
	assert_int_equal(jint(gen, "id"), F.gen_session);
	assert_int_equal(jint(gen, "n_laps"), (json_int_t)F.n_gen_laps);
	json_decref(j);
	expect_error("POST", "/api/v1/tracks", "/api/v1/tracks", 405);
}

static void test_track(void **state)
{
	(void)state;
	char path[80];
	snprintf(path, sizeof(path), "/api/v1/tracks/%lld",
		 (long long)F.gen_session);
	json_t *j = get_json(path, "/api/v1/tracks/{id}", 200);
	json_t *x = json_object_get(j, "x"), *y = json_object_get(j, "y");
	size_t n = json_array_size(x);
	assert_int_equal(json_array_size(y), n);
	if (n < 500 || n > 1200)
		fail_msg("centre line of %zu points, want 500..1200", n);
	/* Consecutive points step_m apart (the decimated spacing). */
	double step = json_number_value(json_object_get(j, "step_m"));
	for (size_t i = 1; i < n; i++) {
		double dx = json_number_value(json_array_get(x, i)) -
			    json_number_value(json_array_get(x, i - 1));
		double dy = json_number_value(json_array_get(y, i)) -
			    json_number_value(json_array_get(y, i - 1));
		double d = sqrt(dx * dx + dy * dy);
		if (fabs(d - step) > 0.1 * step)
			fail_msg("points %zu-%zu %.2f m apart, step %.2f",
				 i - 1, i, d, step);
	}
	json_t *cs = json_object_get(j, "corners");
	assert_int_equal(json_array_size(cs), jint(j, "n_corners"));
	double len = json_number_value(json_object_get(j, "length_m"));
	size_t k;
	json_t *c;
	json_array_foreach(cs, k, c)
	{
		assert_int_equal(jint(c, "number"), (json_int_t)k + 1);
		double apex = json_number_value(json_object_get(c, "apex_m"));
		assert_true(apex >= 0 && apex <= len);
		/* The label sits on the centre line. */
		double cx = json_number_value(json_object_get(c, "x"));
		double cy = json_number_value(json_object_get(c, "y"));
		double best = INFINITY;
		for (size_t i = 0; i < n; i++) {
			double dx =
			    json_number_value(json_array_get(x, i)) - cx;
			double dy =
			    json_number_value(json_array_get(y, i)) - cy;
			best = fmin(best, sqrt(dx * dx + dy * dy));
		}
		if (best > step)
			fail_msg("corner %zu is %.1f m off the line", k + 1,
				 best);
	}
	json_decref(j);
	/* The synthetic session: one timed 90 s lap with positions is
	 * enough for a model (named track, so keyed by name). */
	snprintf(path, sizeof(path), "/api/v1/tracks/%lld",
		 (long long)F.syn_session);
	j = get_json(path, "/api/v1/tracks/{id}", 200);
	assert_true(json_is_true(json_object_get(j, "has_model")));
	assert_string_equal(json_string_value(json_object_get(j, "name")),
			    "Synthetic \"Ring\"");
	assert_true(json_array_size(json_object_get(j, "x")) > 100);
	json_decref(j);
	expect_error("GET", "/api/v1/tracks/999999", "/api/v1/tracks/{id}",
		     404);
	expect_error("GET", "/api/v1/tracks/abc", "/api/v1/tracks/{id}", 400);
	expect_error("GET", "/api/v1/tracks/0", "/api/v1/tracks/{id}", 400);
}

static void test_drivers(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/drivers", "/api/v1/drivers", 200);
	json_t *ds = json_object_get(j, "drivers");
	size_t i;
	json_t *d;
	json_int_t laps = 0;
	json_array_foreach(ds, i, d)
	{
		laps += jint(d, "n_laps");
	}
	/* Every stored lap counted once: the generated ones and the 90 s. */
	assert_int_equal(laps, (json_int_t)F.n_gen_laps + 1);
	json_decref(j);

	/* The first generated driver: best = their fastest timed lap. */
	const char *name = F.gen_laps[0].driver;
	int32_t best = 0;
	int64_t best_id = 0;
	for (size_t k = 0; k < F.n_gen_laps; k++) {
		const struct store_lap_row *r = &F.gen_laps[k];
		if (strcmp(r->driver, name) || r->flags || r->lap_time_ms <= 0)
			continue;
		if (!best || r->lap_time_ms < best) {
			best = r->lap_time_ms;
			best_id = r->id;
		}
	}
	assert_true(best > 0);
	char path[160], enc[120];
	size_t e = 0;
	for (const char *p = name; *p && e + 4 < sizeof(enc); p++) {
		if (*p == ' ')
			e += (size_t)snprintf(enc + e, sizeof(enc) - e, "%%20");
		else
			enc[e++] = *p;
	}
	enc[e] = '\0';
	snprintf(path, sizeof(path), "/api/v1/drivers/%s", enc);
	j = get_json(path, "/api/v1/drivers/{name}", 200);
	assert_string_equal(json_string_value(json_object_get(j, "name")),
			    name);
	json_t *bl = json_object_get(j, "best_laps");
	assert_int_equal(json_array_size(bl), 1);
	json_t *b = json_object_get(json_array_get(bl, 0), "best");
	assert_int_equal(jint(b, "lap_time_ms"), best);
	assert_int_equal(jint(b, "lap_id"), best_id);
	assert_int_equal(jint(b, "session_id"), F.gen_session);
	assert_int_equal(json_array_size(json_object_get(j, "rating_history")),
			 0);
	json_decref(j);
	expect_error("GET", "/api/v1/drivers/Nobody%20Here",
		     "/api/v1/drivers/{name}", 404);
}

/* /api/v1/drivers/{name} with spaces percent-encoded. */
static void driver_path(const char *name, char *path, size_t n)
{
	char enc[120];
	size_t e = 0;
	for (const char *p = name; *p && e + 4 < sizeof(enc); p++) {
		if (*p == ' ')
			e += (size_t)snprintf(enc + e, sizeof(enc) - e, "%%20");
		else
			enc[e++] = *p;
	}
	enc[e] = '\0';
	snprintf(path, n, "/api/v1/drivers/%s", enc);
}

/* A rating stored as `coach --save` stores it comes back in the
 * driver's rating_history, documented, with its numbers; NAN is null. */
static void test_driver_ratings(void **state)
{
	(void)state;
	const struct store_lap_row *lap = NULL;
	for (size_t k = 0; k < F.n_gen_laps && !lap; k++)
		if (F.gen_laps[k].id == F.timed[1])
			lap = &F.gen_laps[k];
	assert_non_null(lap);
	struct store_rating_row row;
	memset(&row, 0, sizeof(row));
	row.lap_id = lap->id;
	row.session_id = lap->session_id;
	row.ref_lap_id = F.timed[0];
	snprintf(row.driver, sizeof(row.driver), "%s", lap->driver);
	row.lap_s = 91.25;
	row.delta_s = 0.75;
	const double want[STORE_RATINGS] = {81, 72.5, 64, 90, NAN, 77};
	memcpy(row.rating, want, sizeof(want));
	struct store *st;
	struct tb_error err;
	assert_int_equal(store_open(F.db, &st, &err), TB_OK);
	int64_t t0 = tb_wall_ms();
	assert_int_equal(store_rating_put(st, &row, &err), TB_OK);
	store_close(st);

	char path[160];
	driver_path(lap->driver, path, sizeof(path));
	json_t *j = get_json(path, "/api/v1/drivers/{name}", 200);
	json_t *h = json_object_get(j, "rating_history");
	assert_int_equal(json_array_size(h), 1);
	json_t *x = json_array_get(h, 0);
	assert_int_equal(jint(x, "lap_id"), row.lap_id);
	assert_int_equal(jint(x, "session_id"), row.session_id);
	assert_int_equal(jint(x, "ref_lap_id"), row.ref_lap_id);
	assert_true(jint(x, "created_unix_ms") >= t0 - 1000);
	assert_float_equal(json_number_value(json_object_get(x, "lap_s")),
			   91.25, 1e-9);
	assert_float_equal(json_number_value(json_object_get(x, "delta_s")),
			   0.75, 1e-9);
	json_t *rt = json_object_get(x, "ratings");
	const char *names[STORE_RATINGS] = {
	    "braking", "entry", "mid-corner", "exit", "consistency", "overall"};
	for (size_t k = 0; k < STORE_RATINGS; k++) {
		json_t *v = json_object_get(rt, names[k]);
		if (isnan(want[k])) {
			assert_true(json_is_null(v));
			continue;
		}
		assert_true(json_is_number(v));
		assert_float_equal(json_number_value(v), want[k], 1e-9);
	}
	json_decref(j);
	/* Another driver's profile does not show it. */
	bool other = false;
	for (size_t k = 0; k < F.n_gen_laps; k++) {
		if (!strcmp(F.gen_laps[k].driver, lap->driver))
			continue;
		driver_path(F.gen_laps[k].driver, path, sizeof(path));
		j = get_json(path, "/api/v1/drivers/{name}", 200);
		assert_int_equal(
		    json_array_size(json_object_get(j, "rating_history")), 0);
		json_decref(j);
		other = true;
		break;
	}
	assert_true(other);
}

static void test_features(void **state)
{
	(void)state;
	json_t *j = get_json("/api/v1/features", "/api/v1/features", 200);
	assert_true(json_is_boolean(json_object_get(j, "coach")));
	assert_true(json_is_boolean(json_object_get(j, "live")));
	json_decref(j);
}

/* The value of header name (with ": ") in r's head, copied to out. */
static bool header(const struct ah_resp *r, const char *name, char *out,
		   size_t n)
{
	const char *h = strstr(r->head, name);
	if (!h)
		return false;
	h += strlen(name);
	size_t l = strcspn(h, "\r\n");
	snprintf(out, n, "%.*s", (int)l, h);
	return true;
}

static void test_static(void **state)
{
	(void)state;
	struct ah_resp r;
	char etag[64], type[64], head[512];
	assert_int_equal(ah_get(F.http, "/", &r), 200);
	assert_true(header(&r, "Content-Type: ", type, sizeof(type)));
	assert_string_equal(type, "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "<main id=\"app\">"));
	assert_non_null(strstr(r.body, "/assets/app.js"));
	assert_true(header(&r, "ETag: ", etag, sizeof(etag)));
	assert_true(header(&r, "Cache-Control: ", type, sizeof(type)));
	assert_string_equal(type, "no-cache");
	ah_resp_free(&r);
	/* Revalidation: the same ETag is a 304 with no body. */
	snprintf(head, sizeof(head),
		 "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: %s\r\n"
		 "Connection: close\r\n\r\n",
		 etag);
	assert_int_equal(ah_exchange(F.http, head, NULL, 0, &r), 304);
	assert_int_equal(r.body_len, 0);
	ah_resp_free(&r);
	snprintf(head, sizeof(head),
		 "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: "
		 "\"0000\"\r\nConnection: close\r\n\r\n");
	assert_int_equal(ah_exchange(F.http, head, NULL, 0, &r), 200);
	ah_resp_free(&r);
	assert_int_equal(ah_get(F.http, "/assets/app.js", &r), 200);
	assert_true(header(&r, "Content-Type: ", type, sizeof(type)));
	assert_string_equal(type, "text/javascript; charset=utf-8");
	assert_true(r.body_len > 10000);
	ah_resp_free(&r);
	assert_int_equal(ah_get(F.http, "/assets/app.css", &r), 200);
	assert_true(header(&r, "Content-Type: ", type, sizeof(type)));
	assert_string_equal(type, "text/css; charset=utf-8");
	ah_resp_free(&r);
	expect_error("GET", "/assets/nope.js", "/assets/{file}", 404);
	/* Only / is the page: other paths are not found. */
	expect_error("GET", "/sessions", NULL, 404);
	expect_error("POST", "/", NULL, 405);
}

/* GET /laps/{id}/coach: ratings, corners and advice (the shipped
 * model) against the car's best lap; bad ref 400, unknown lap 404. */
static void test_lap_coach(void **state)
{
	(void)state;
	const char *tpl = "/api/v1/laps/{id}/coach";
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/laps/%lld/coach?ref=%lld",
		 (long long)F.timed[1], (long long)F.timed[0]);
	json_t *j = get_json(path, tpl, 200);
	json_t *ov = json_object_get(json_object_get(j, "ratings"), "overall");
	assert_true(json_is_number(ov));
	assert_true(json_number_value(ov) >= 0 && json_number_value(ov) <= 100);
	assert_true(json_array_size(json_object_get(j, "corners")) >= 2);
	assert_true(json_is_array(json_object_get(j, "advice")));
	/* warnings: "traffic" exactly when the lap is flagged so */
	json_t *w = json_object_get(j, "warnings");
	assert_true(json_is_array(w));
	char lp[64];
	snprintf(lp, sizeof(lp), "/api/v1/laps/%lld", (long long)F.timed[1]);
	json_t *lj = get_json(lp, "/api/v1/laps/{id}", 200);
	json_t *fl = json_object_get(lj, "flags");
	bool traffic = false;
	for (size_t i = 0; i < json_array_size(fl); i++)
		traffic |= !strcmp(json_string_value(json_array_get(fl, i)),
				   "traffic");
	assert_int_equal(json_array_size(w), traffic ? 1 : 0);
	if (traffic)
		assert_string_equal(json_string_value(json_array_get(w, 0)),
				    "traffic");
	json_decref(lj);
	json_decref(j);
	snprintf(path, sizeof(path), "/api/v1/laps/%lld/coach?ref=abc",
		 (long long)F.timed[1]);
	json_decref(get_json(path, tpl, 400));
	json_decref(get_json("/api/v1/laps/999999/coach", tpl, 404));
	snprintf(path, sizeof(path), "/api/v1/laps/%lld/coach?ref=999999",
		 (long long)F.timed[1]);
	json_decref(get_json(path, tpl, 404));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sessions),
	    cmocka_unit_test(test_session),
	    cmocka_unit_test(test_session_laps),
	    cmocka_unit_test(test_lap),
	    cmocka_unit_test(test_lap_channels),
	    cmocka_unit_test(test_lap_channels_bin),
	    cmocka_unit_test(test_compare),
	    cmocka_unit_test(test_refs),
	    cmocka_unit_test(test_lap_coach),
	    /* before test_import adds sessions */
	    cmocka_unit_test(test_tracks),
	    cmocka_unit_test(test_track),
	    cmocka_unit_test(test_drivers),
	    cmocka_unit_test(test_driver_ratings),
	    cmocka_unit_test(test_features),
	    cmocka_unit_test(test_static),
	    cmocka_unit_test(test_import),
	    cmocka_unit_test(test_live),
	    cmocka_unit_test(test_metrics),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_ac.c - Assetto Corsa Remote Telemetry: codec round trips per
 * datagram, offsets checked on hand-built bytes, UTF-16 names (non-ASCII,
 * surrogate pairs, '%' then garbage), every wrong length rejected and
 * counted, 100,000 random datagrams, sniffing, a generated multi-lap
 * stream through an auto-detecting port, and a fake game on loopback
 * that plays AC's side of the conversation: handshake, subscribe,
 * stream, dismiss; a game that never answers, one that answers garbage,
 * one that pauses and one that restarts. */
#include "tb_ingest_test.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "ingest/ac.h"

/* xorshift64* (tb_ingest_test.h): deterministic, seedable. */
static uint64_t g_rng = 0x5eed0ac0ffee1234ull;

/* ------------------------------------------------------------------ */
/* Laps handed over, remembered for assertions. */

#define MAX_SEEN 64
struct seen_lap {
	uint64_t uid;
	enum tb_game game;
	char track[TB_NAME_MAX], layout[TB_NAME_MAX], driver[TB_NAME_MAX];
	uint32_t lap;
	int32_t ms;
	uint32_t flags;
	size_t n;
	tb_chmask chans;
	bool increasing; /* session time strictly increasing */
};
struct seen {
	size_t n;
	struct seen_lap l[MAX_SEEN];
};

static void collect(void *ctx, struct ingest_lap_job *job)
{
	struct seen *s = ctx;
	if (s->n >= MAX_SEEN)
		return;
	struct seen_lap *l = &s->l[s->n++];
	l->uid = job->session.source_uid;
	l->game = job->session.game;
	memcpy(l->track, job->session.track, TB_NAME_MAX);
	memcpy(l->layout, job->session.layout, TB_NAME_MAX);
	memcpy(l->driver, job->car.driver, TB_NAME_MAX);
	l->lap = job->lap.lap_number;
	l->ms = job->lap.lap_time_ms;
	l->flags = job->lap.flags;
	l->n = job->lap.n;
	l->chans = job->lap.chans;
	const double *t = job->lap.col[TB_CH_TIME];
	l->increasing = t != NULL;
	for (size_t i = 1; t && i < job->lap.n; i++)
		if (!(t[i] > t[i - 1]))
			l->increasing = false;
}

/* ------------------------------------------------------------------ */
/* Packets with non-trivial values. */

static void fill_car_info(struct ac_car_info *c)
{
	c->identifier = 'a';
	c->size = 328;
	c->speed_kmh = tbt_rng_grid(&g_rng);
	c->speed_mph = tbt_rng_grid(&g_rng);
	c->speed_ms = tbt_rng_grid(&g_rng);
	c->abs_enabled = 1;
	c->abs_in_action = (uint8_t)tbt_rng_below(&g_rng, 2);
	c->tc_in_action = (uint8_t)tbt_rng_below(&g_rng, 2);
	c->tc_enabled = 1;
	c->in_pit = (uint8_t)tbt_rng_below(&g_rng, 2);
	c->engine_limiter_on = (uint8_t)tbt_rng_below(&g_rng, 256);
	c->acc_g_vertical = tbt_rng_grid(&g_rng);
	c->acc_g_horizontal = tbt_rng_grid(&g_rng);
	c->acc_g_frontal = tbt_rng_grid(&g_rng);
	c->lap_time_ms = (int32_t)tbt_rng_below(&g_rng, 200000);
	c->last_lap_ms = (int32_t)tbt_rng_below(&g_rng, 200000);
	c->best_lap_ms = (int32_t)tbt_rng_below(&g_rng, 200000);
	c->lap_count = (int32_t)tbt_rng_below(&g_rng, 100);
	c->gas = tbt_rng_grid(&g_rng);
	c->brake = tbt_rng_grid(&g_rng);
	c->clutch = tbt_rng_grid(&g_rng);
	c->engine_rpm = tbt_rng_grid(&g_rng);
	c->steer = tbt_rng_grid(&g_rng);
	c->gear = (int32_t)tbt_rng_below(&g_rng, 9);
	c->cg_height = tbt_rng_grid(&g_rng);
	float *w[14] = {c->wheel_angular_speed,
			c->slip_angle,
			c->slip_angle_contact_patch,
			c->slip_ratio,
			c->tyre_slip,
			c->nd_slip,
			c->load,
			c->dy,
			c->mz,
			c->tyre_dirty_level,
			c->camber_rad,
			c->tyre_radius,
			c->tyre_loaded_radius,
			c->suspension_height};
	for (int i = 0; i < 14; i++)
		for (int k = 0; k < 4; k++)
			w[i][k] = tbt_rng_grid(&g_rng);
	c->car_position_normalized = tbt_rng_grid(&g_rng);
	c->car_slope = tbt_rng_grid(&g_rng);
	for (int i = 0; i < 3; i++)
		c->car_coordinates[i] = tbt_rng_grid(&g_rng);
}

/* UTF-8 test names: Latin-1 range, other BMP, and a non-BMP emoji. */
#define CAR_NAME "ks_bmw_z4_gt3"
#define DRIVER_NAME                                                            \
	"J\xc3\xbcrgen \xc3\x87"                                               \
	"elik \xe6\x9d\xb1"
#define TRACK_NAME  "n\xc3\xbcrburgring"
#define CONFIG_NAME "gp \xf0\x9f\x8f\x81"

static void fill_response(struct ac_response *r, const char *driver)
{
	snprintf(r->car, sizeof(r->car), "%s", CAR_NAME);
	snprintf(r->driver, sizeof(r->driver), "%s", driver);
	r->identifier = 4242;
	r->version = 1;
	snprintf(r->track, sizeof(r->track), "%s", TRACK_NAME);
	snprintf(r->config, sizeof(r->config), "%s", CONFIG_NAME);
}

static void round_trip(const struct ac_packet *p, size_t want_len)
{
	uint8_t buf[512];
	size_t n = 0;
	assert_int_equal(ac_encode(p, buf, sizeof(buf), &n), TB_OK);
	assert_int_equal(n, want_len);
	struct ac_packet q;
	struct tb_error err;
	enum tb_status st = ac_decode(buf, n, &q, &err);
	if (st != TB_OK)
		fail_msg("decode: %s", err.msg);
	assert_int_equal(q.kind, p->kind);
	assert_memory_equal(&q, p, sizeof(q));
	/* one byte short of the buffer: no room */
	assert_int_equal(ac_encode(p, buf, want_len - 1, &n), TB_ERR_LIMIT);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct ac_packet p;
	for (int op = 0; op <= 3; op++) {
		memset(&p, 0, sizeof(p));
		p.kind = AC_KIND_REQUEST;
		p.u.request.identifier = 1;
		p.u.request.version = 1;
		p.u.request.op = op;
		round_trip(&p, AC_REQUEST_SIZE);
	}
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_RESPONSE;
	fill_response(&p.u.response, DRIVER_NAME);
	round_trip(&p, AC_RESPONSE_SIZE);
	/* empty names (a track without a configuration) */
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_RESPONSE;
	round_trip(&p, AC_RESPONSE_SIZE);
	for (int i = 0; i < 200; i++) {
		memset(&p, 0, sizeof(p));
		p.kind = AC_KIND_CAR_INFO;
		fill_car_info(&p.u.car);
		round_trip(&p, AC_CAR_INFO_SIZE);
	}
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_LAP;
	p.u.lap.car_id = 3;
	p.u.lap.lap = 7;
	p.u.lap.time_ms = 83456;
	snprintf(p.u.lap.driver, sizeof(p.u.lap.driver), "%s", DRIVER_NAME);
	snprintf(p.u.lap.car, sizeof(p.u.lap.car), "%s", CAR_NAME);
	round_trip(&p, AC_LAP_SIZE);
	/* 49 units is the longest name: 48 ASCII + one surrogate pair
	 * does not fit, 47 + a pair does. */
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_RESPONSE;
	memset(p.u.response.car, 'x', 49);
	round_trip(&p, AC_RESPONSE_SIZE);
	memset(p.u.response.car, 0, sizeof(p.u.response.car));
	memset(p.u.response.car, 'x', 47);
	memcpy(p.u.response.car + 47, "\xf0\x9f\x8f\x81", 4);
	round_trip(&p, AC_RESPONSE_SIZE);
	uint8_t buf[512];
	size_t n;
	memset(p.u.response.car, 0, sizeof(p.u.response.car));
	memset(p.u.response.car, 'x', 48);
	memcpy(p.u.response.car + 48, "\xf0\x9f\x8f\x81", 4);
	assert_int_equal(ac_encode(&p, buf, sizeof(buf), &n), TB_ERR_LIMIT);
	memset(p.u.response.car, 0, sizeof(p.u.response.car));
	memset(p.u.response.car, 'x', 50);
	assert_int_equal(ac_encode(&p, buf, sizeof(buf), &n), TB_ERR_LIMIT);
	/* names that cannot be sent */
	snprintf(p.u.response.car, sizeof(p.u.response.car), "100%%");
	assert_int_equal(ac_encode(&p, buf, sizeof(buf), &n), TB_ERR_ARG);
	snprintf(p.u.response.car, sizeof(p.u.response.car), "bad\xc3");
	assert_int_equal(ac_encode(&p, buf, sizeof(buf), &n), TB_ERR_ARG);
	snprintf(p.u.response.car, sizeof(p.u.response.car), "\xed\xa0\x80");
	assert_int_equal(ac_encode(&p, buf, sizeof(buf), &n), TB_ERR_ARG);
	p.kind = AC_KIND__COUNT;
	assert_int_equal(ac_encode(&p, buf, sizeof(buf), &n), TB_ERR_ARG);
}

/* ------------------------------------------------------------------ */
/* Hand-built bytes: the offsets of FORMATS.md section 4, independently
 * of the encoder. */

static void put_f32(uint8_t *b, size_t off, float v)
{
	tb_st_f32le(b + off, v);
}
static void put_i32(uint8_t *b, size_t off, int32_t v)
{
	tb_st_u32le(b + off, (uint32_t)v);
}

/* Write UTF-16 units, then '%', then garbage, into a 100-byte field. */
static void put_units(uint8_t *field, const uint16_t *u, size_t n,
		      bool terminate)
{
	for (size_t i = 0; i < AC_NAME_UNITS; i++)
		tb_st_u16le(field + 2 * i,
			    (uint16_t)(0x4100 + tbt_rng_below(&g_rng, 0x100)));
	for (size_t i = 0; i < n; i++)
		tb_st_u16le(field + 2 * i, u[i]);
	if (terminate)
		tb_st_u16le(field + 2 * n, '%');
}

static void put_ascii(uint8_t *field, const char *s, bool terminate)
{
	uint16_t u[AC_NAME_UNITS];
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		u[i] = (uint8_t)s[i];
	put_units(field, u, n, terminate);
}

/* driver "Jürgen Çelik 東", config "gp 🏁" as UTF-16 units */
static const uint16_t driver_units[] = {'J',  0xFC, 'r', 'g', 'e', 'n', ' ',
					0xC7, 'e',  'l', 'i', 'k', ' ', 0x6771};
static const uint16_t config_units[] = {'g', 'p', ' ', 0xD83C, 0xDFC1};

static void build_response(uint8_t *b, bool terminate_track)
{
	memset(b, 0xEE, AC_RESPONSE_SIZE);
	put_ascii(b + 0, CAR_NAME, true);
	put_units(b + 100, driver_units,
		  sizeof(driver_units) / sizeof(driver_units[0]), true);
	put_i32(b, 200, 4242);
	put_i32(b, 204, 1);
	static const uint16_t track_units[] = {'n', 0xFC, 'r', 'b', 'u', 'r',
					       'g', 'r',  'i', 'n', 'g'};
	put_units(b + 208, track_units, 11, terminate_track);
	put_units(b + 308, config_units, 5, true);
}

static void test_hand_built(void **state)
{
	(void)state;
	uint8_t b[AC_RESPONSE_SIZE];
	struct ac_packet p;
	struct tb_error err;
	build_response(b, true);
	assert_int_equal(ac_decode(b, sizeof(b), &p, &err), TB_OK);
	assert_int_equal(p.kind, AC_KIND_RESPONSE);
	assert_string_equal(p.u.response.car, CAR_NAME);
	assert_string_equal(p.u.response.driver, DRIVER_NAME);
	assert_string_equal(p.u.response.track, TRACK_NAME);
	assert_string_equal(p.u.response.config, CONFIG_NAME);
	assert_int_equal(p.u.response.identifier, 4242);
	assert_int_equal(p.u.response.version, 1);
	/* a lone surrogate becomes U+FFFD */
	static const uint16_t lone[] = {'a', 0xDC00, 'b', 0xD800};
	put_units(b + 0, lone, 4, true);
	assert_int_equal(ac_decode(b, sizeof(b), &p, &err), TB_OK);
	assert_string_equal(p.u.response.car, "a\xef\xbf\xbd"
					      "b\xef\xbf\xbd");
	/* no '%' in the track name: rejected */
	build_response(b, false);
	assert_int_equal(ac_decode(b, sizeof(b), &p, &err), TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "trackName"));
	/* 49 three-byte characters then '%' fit; 50 with no terminator are
	 * rejected without writing past the field (the packet is an exact
	 * heap block, the config name its last bytes) */
	struct ac_packet *hp = malloc(sizeof(*hp));
	build_response(b, true);
	uint16_t wide[AC_NAME_UNITS];
	for (size_t i = 0; i < AC_NAME_UNITS; i++)
		wide[i] = 0x6771;
	put_units(b + 308, wide, AC_NAME_UNITS - 1, true);
	assert_int_equal(ac_decode(b, sizeof(b), hp, &err), TB_OK);
	assert_int_equal(strlen(hp->u.response.config), 3 * 49);
	put_units(b + 308, wide, AC_NAME_UNITS, false);
	assert_int_equal(ac_decode(b, sizeof(b), hp, &err), TB_ERR_CORRUPT);
	assert_non_null(strstr(err.msg, "trackConfig"));
	free(hp);

	uint8_t c[AC_CAR_INFO_SIZE];
	memset(c, 0, sizeof(c));
	c[0] = 'a';
	c[1] = 0x7F; /* padding bytes carry garbage: ignored */
	c[2] = 0x13;
	put_i32(c, 4, 328);
	put_f32(c, 8, 180.0f);
	put_f32(c, 16, 50.0f);
	c[20] = 1;
	c[24] = 1; /* isInPit */
	c[26] = 0xAB;
	put_f32(c, 28, 1.01f);
	put_f32(c, 32, -1.5f);
	put_f32(c, 36, 0.75f);
	put_i32(c, 40, 12345);
	put_i32(c, 44, 91234);
	put_i32(c, 48, 90001);
	put_i32(c, 52, 4);
	put_f32(c, 56, 0.8f);
	put_f32(c, 60, 0.25f);
	put_f32(c, 64, 0.5f);
	put_f32(c, 68, 7200.0f);
	put_f32(c, 72, -90.0f);
	put_i32(c, 76, 3);
	put_f32(c, 80, 0.31f);
	put_f32(c, 84, 151.0f); /* wheelAngularSpeed FL */
	put_f32(c, 96, 152.0f); /* ... RR */
	put_f32(c, 292, 0.07f); /* suspensionHeight FL */
	put_f32(c, 308, 0.625f);
	put_f32(c, 312, 0.01f);
	put_f32(c, 316, 100.0f);
	put_f32(c, 320, 5.0f);
	put_f32(c, 324, -250.0f);
	assert_int_equal(ac_decode(c, sizeof(c), &p, &err), TB_OK);
	const struct ac_car_info *ci = &p.u.car;
	assert_int_equal(p.kind, AC_KIND_CAR_INFO);
	assert_true(ci->speed_kmh == 180.0f && ci->speed_ms == 50.0f);
	assert_int_equal(ci->abs_enabled, 1);
	assert_int_equal(ci->in_pit, 1);
	assert_int_equal(ci->engine_limiter_on, 0);
	assert_true(ci->acc_g_vertical == 1.01f);
	assert_true(ci->acc_g_horizontal == -1.5f);
	assert_true(ci->acc_g_frontal == 0.75f);
	assert_int_equal(ci->lap_time_ms, 12345);
	assert_int_equal(ci->last_lap_ms, 91234);
	assert_int_equal(ci->best_lap_ms, 90001);
	assert_int_equal(ci->lap_count, 4);
	assert_true(ci->gas == 0.8f && ci->brake == 0.25f);
	assert_true(ci->clutch == 0.5f && ci->engine_rpm == 7200.0f);
	assert_true(ci->steer == -90.0f);
	assert_int_equal(ci->gear, 3);
	assert_true(ci->cg_height == 0.31f);
	assert_true(ci->wheel_angular_speed[0] == 151.0f);
	assert_true(ci->wheel_angular_speed[3] == 152.0f);
	assert_true(ci->suspension_height[0] == 0.07f);
	assert_true(ci->car_position_normalized == 0.625f);
	assert_true(ci->car_slope == 0.01f);
	assert_true(ci->car_coordinates[0] == 100.0f);
	assert_true(ci->car_coordinates[1] == 5.0f);
	assert_true(ci->car_coordinates[2] == -250.0f);

	uint8_t l[AC_LAP_SIZE];
	memset(l, 0, sizeof(l));
	put_i32(l, 0, 2);
	put_i32(l, 4, 5);
	put_units(l + 8, driver_units,
		  sizeof(driver_units) / sizeof(driver_units[0]), true);
	put_ascii(l + 108, CAR_NAME, false);
	tb_st_u16le(l + 108 + 2 * strlen(CAR_NAME), 0); /* NUL end */
	put_i32(l, 208, 88888);
	assert_int_equal(ac_decode(l, sizeof(l), &p, &err), TB_OK);
	assert_int_equal(p.u.lap.car_id, 2);
	assert_int_equal(p.u.lap.lap, 5);
	assert_string_equal(p.u.lap.driver, DRIVER_NAME);
	assert_string_equal(p.u.lap.car, CAR_NAME);
	assert_int_equal(p.u.lap.time_ms, 88888);
	/* a name with neither '%' nor NUL */
	put_ascii(l + 108, CAR_NAME, false);
	assert_int_equal(ac_decode(l, sizeof(l), &p, &err), TB_ERR_CORRUPT);
}

/* ------------------------------------------------------------------ */
/* Lengths, magic and the counters of a protocol instance. */

static void noop_lap(void *ctx, struct ingest_lap_job *job)
{
	(void)ctx;
	(void)job;
}

static bool is_ac_size(size_t n)
{
	return n == AC_REQUEST_SIZE || n == AC_RESPONSE_SIZE ||
	       n == AC_CAR_INFO_SIZE || n == AC_LAP_SIZE;
}

static void test_lengths(void **state)
{
	(void)state;
	const struct ingest_proto *pr = &ingest_proto_ac;
	void *inst;
	assert_int_equal(pr->create(NULL, noop_lap, NULL, &inst), TB_OK);
	uint64_t want_trunc = 0, want_len = 0;
	struct tb_error err;
	struct ac_packet p;
	for (size_t n = 0; n <= 600; n++) {
		if (is_ac_size(n))
			continue;
		/* exact-size heap block: ASan sees any overread */
		uint8_t *b = malloc(n ? n : 1);
		memset(b, 'a', n ? n : 1);
		enum tb_status want =
		    n < AC_REQUEST_SIZE ? TB_ERR_TRUNCATED : TB_ERR_LENGTH;
		assert_int_equal(ac_decode(b, n, &p, &err), want);
		assert_int_equal(pr->datagram(inst, b, n, 1, &err), want);
		assert_false(pr->sniff(b, n));
		if (want == TB_ERR_TRUNCATED)
			want_trunc++;
		else
			want_len++;
		free(b);
	}
	assert_non_null(strstr(err.msg, "600 bytes"));
	/* RTCarInfo with the wrong identifier / size field */
	uint8_t c[AC_CAR_INFO_SIZE];
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_CAR_INFO;
	fill_car_info(&p.u.car);
	size_t n;
	assert_int_equal(ac_encode(&p, c, sizeof(c), &n), TB_OK);
	assert_true(pr->sniff(c, n));
	c[0] = 'b';
	assert_false(pr->sniff(c, n));
	assert_int_equal(pr->datagram(inst, c, n, 2, &err), TB_ERR_FORMAT);
	c[0] = 'a';
	put_i32(c, 4, 327);
	assert_false(pr->sniff(c, n));
	assert_int_equal(pr->datagram(inst, c, n, 3, &err), TB_ERR_LENGTH);
	want_len++;
	/* a response without '%' */
	uint8_t r[AC_RESPONSE_SIZE];
	build_response(r, false);
	assert_false(pr->sniff(r, sizeof(r)));
	assert_int_equal(pr->datagram(inst, r, sizeof(r), 4, &err),
			 TB_ERR_CORRUPT);
	/* a request (only we send those), and one with a bad operation */
	uint8_t q[AC_REQUEST_SIZE];
	put_i32(q, 0, 1);
	put_i32(q, 4, 1);
	put_i32(q, 8, 0);
	assert_false(pr->sniff(q, sizeof(q)));
	assert_int_equal(pr->datagram(inst, q, sizeof(q), 5, &err), TB_ERR_ID);
	put_i32(q, 8, 4);
	assert_int_equal(ac_decode(q, sizeof(q), &p, &err), TB_ERR_ID);
	assert_int_equal(pr->datagram(inst, q, sizeof(q), 6, &err), TB_ERR_ID);

	struct ingest_stats s;
	pr->stats(inst, &s);
	assert_int_equal(s.rejected[INGEST_REJ_TRUNCATED], want_trunc);
	assert_int_equal(s.rejected[INGEST_REJ_LENGTH], want_len);
	assert_int_equal(s.rejected[INGEST_REJ_FORMAT], 1);
	assert_int_equal(s.rejected[INGEST_REJ_OTHER], 1);
	assert_int_equal(s.rejected[INGEST_REJ_ID], 2);
	assert_int_equal(s.accepted, 0);
	assert_int_equal(s.sessions, 0);
	assert_int_equal(s.datagrams, want_trunc + want_len + 4);
	for (unsigned k = 0; k < AC_KIND__COUNT; k++)
		assert_non_null(pr->kind_name(k));
	assert_null(pr->kind_name(AC_KIND__COUNT));
	pr->destroy(inst);
}

/* 100,000 random datagrams: decoded or rejected, never a crash. A
 * quarter are AC sizes, some with the RTCarInfo magic patched in. */
static void test_random(void **state)
{
	(void)state;
	static const size_t sizes[] = {AC_REQUEST_SIZE, AC_LAP_SIZE,
				       AC_CAR_INFO_SIZE, AC_RESPONSE_SIZE};
	const struct ingest_proto *pr = &ingest_proto_ac;
	void *inst;
	struct seen seen = {0};
	assert_int_equal(pr->create(NULL, collect, &seen, &inst), TB_OK);
	struct ac_packet p;
	struct tb_error err;
	uint64_t ok = 0;
	for (int i = 0; i < 100000; i++) {
		size_t n = tbt_rng_below(&g_rng, 4) == 0
			       ? sizes[tbt_rng_below(&g_rng, 4)]
			       : tbt_rng_below(&g_rng, 2049);
		uint8_t *b = malloc(n ? n : 1);
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)tbt_rng_next(&g_rng);
		if (n == AC_CAR_INFO_SIZE && tbt_rng_below(&g_rng, 2)) {
			b[0] = 'a';
			put_i32(b, 4, 328);
		}
		if (ac_decode(b, n, &p, &err) == TB_OK)
			ok++;
		(void)pr->sniff(b, n);
		(void)pr->datagram(inst, b, n, 1000000 + i * 16667LL, &err);
		free(b);
	}
	pr->flush(inst);
	struct ingest_stats s;
	pr->stats(inst, &s);
	assert_int_equal(s.datagrams, 100000);
	assert_true(ok > 1000); /* the patched RTCarInfos and requests */
	pr->destroy(inst);
}

static void test_sniff(void **state)
{
	(void)state;
	const struct ingest_proto *pr = &ingest_proto_ac;
	uint8_t b[2048];
	size_t n;
	struct ac_packet p;
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_RESPONSE;
	fill_response(&p.u.response, DRIVER_NAME);
	assert_int_equal(ac_encode(&p, b, sizeof(b), &n), TB_OK);
	assert_true(pr->sniff(b, n));
	assert_ptr_equal(ingest_detect(b, n), pr);
	build_response(b, true); /* garbage after the '%' */
	assert_true(pr->sniff(b, AC_RESPONSE_SIZE));
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_CAR_INFO;
	fill_car_info(&p.u.car);
	assert_int_equal(ac_encode(&p, b, sizeof(b), &n), TB_OK);
	assert_true(pr->sniff(b, n));
	assert_ptr_equal(ingest_detect(b, n), pr);
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_LAP;
	p.u.lap.lap = 3;
	p.u.lap.time_ms = 90000;
	snprintf(p.u.lap.driver, sizeof(p.u.lap.driver), "%s", DRIVER_NAME);
	assert_int_equal(ac_encode(&p, b, sizeof(b), &n), TB_OK);
	assert_true(pr->sniff(b, n));
	assert_ptr_equal(ingest_detect(b, n), pr);
	/* every F1 size, zeroed and random */
	for (uint16_t fmt = 2022; fmt <= 2025; fmt++) {
		for (unsigned id = 0; id < F1_PACKET__COUNT; id++) {
			size_t sz = f1_packet_size(fmt, id);
			if (sz == 0)
				continue;
			memset(b, 0, sz);
			tb_st_u16le(b, fmt);
			assert_false(pr->sniff(b, sz));
			for (size_t k = 0; k < sz; k++)
				b[k] = (uint8_t)tbt_rng_next(&g_rng);
			assert_false(pr->sniff(b, sz));
		}
	}
	/* random data, any length, and random data of our sizes */
	static const size_t ours[] = {AC_LAP_SIZE, AC_CAR_INFO_SIZE,
				      AC_RESPONSE_SIZE, AC_REQUEST_SIZE};
	for (int i = 0; i < 20000; i++) {
		size_t sz = i & 1 ? ours[tbt_rng_below(&g_rng, 4)]
				  : tbt_rng_below(&g_rng, 2049);
		for (size_t k = 0; k < sz; k++)
			b[k] = (uint8_t)tbt_rng_next(&g_rng);
		assert_false(pr->sniff(b, sz));
	}
	/* zeroed buffers of our sizes are not ours either */
	memset(b, 0, sizeof(b));
	for (int i = 0; i < 4; i++)
		assert_false(pr->sniff(b, ours[i]));
}

/* ------------------------------------------------------------------ */
/* A generated stream through a port that detects the protocol. */

static struct gen *make_gen(unsigned n_laps, uint32_t seed)
{
	struct gen_config cfg;
	gen_config_default(&cfg);
	cfg.n_cars = 1;
	cfg.n_laps = n_laps;
	cfg.seed = seed;
	cfg.flashback_at_s = 0;
	cfg.cut_car = -1;
	struct gen *g;
	struct tb_error err;
	assert_int_equal(gen_create(&cfg, &g, &err), TB_OK);
	return g;
}

/* Check the laps of one session against the generator's truth. */
static void check_laps(const struct gen *g, const struct seen *s, size_t first,
		       size_t count, unsigned n_laps)
{
	assert_int_equal(count, n_laps + 2); /* out, timed..., in */
	for (size_t i = first; i < first + count; i++) {
		const struct seen_lap *l = &s->l[i];
		struct gen_lap_truth t;
		assert_int_equal(l->lap, i - first + 1);
		assert_int_equal(gen_lap_truth(g, 0, l->lap, &t), TB_OK);
		assert_int_equal(l->game, TB_GAME_AC);
		assert_int_equal(l->uid, s->l[first].uid);
		if (t.complete) {
			assert_int_equal(l->ms, t.lap_ms);
			assert_int_equal(l->flags, t.flags);
		} else {
			assert_true(l->flags & TB_LAP_INCOMPLETE);
		}
		assert_true(l->n > 0);
		assert_true(l->increasing);
		tb_chmask want =
		    TB_CHBIT(TB_CH_TIME) | TB_CHBIT(TB_CH_LAP_TIME) |
		    TB_CHBIT(TB_CH_SPEED) | TB_CHBIT(TB_CH_THROTTLE) |
		    TB_CHBIT(TB_CH_BRAKE) | TB_CHBIT(TB_CH_CLUTCH) |
		    TB_CHBIT(TB_CH_GEAR) | TB_CHBIT(TB_CH_RPM) |
		    TB_CHBIT(TB_CH_G_LAT) | TB_CHBIT(TB_CH_G_LON) |
		    TB_CHBIT(TB_CH_G_VERT) | TB_CHBIT(TB_CH_POS_X) |
		    TB_CHBIT(TB_CH_POS_Y) | TB_CHBIT(TB_CH_POS_Z);
		assert_int_equal(l->chans, want);
	}
	/* out lap and in lap */
	assert_int_equal(s->l[first].flags & (TB_LAP_OUT | TB_LAP_INCOMPLETE),
			 TB_LAP_OUT | TB_LAP_INCOMPLETE);
	assert_true(s->l[first + count - 1].flags & TB_LAP_INCOMPLETE);
}

static void test_gen_stream(void **state)
{
	(void)state;
	struct gen *g = make_gen(3, 11);
	struct seen seen = {0};
	struct ingest_port *port;
	assert_int_equal(ingest_port_create(NULL, NULL, collect, &seen, &port),
			 TB_OK);
	struct gen_frame f;
	uint8_t buf[TB_DATAGRAM_MAX];
	size_t n, frames = 0;
	const int64_t t0 = 1700000000000000LL;
	while (gen_next_frame(g, &f) == TB_OK) {
		assert_int_equal(
		    ingest_proto_ac.gen_encode(&f, 0, 0, buf, sizeof(buf), &n),
		    TB_OK);
		assert_int_equal(n, AC_CAR_INFO_SIZE);
		/* arrival times as a daemon sees them: a ms clock read
		 * once per batch of datagrams (here 50 ms) */
		int64_t now = t0 + (llround(f.t_s * 1e3) / 50) * 50000;
		struct tb_error err;
		enum tb_status st =
		    ingest_port_datagram(port, buf, n, now, &err);
		if (st != TB_OK)
			fail_msg("frame %zu: %s", frames, err.msg);
		frames++;
	}
	assert_ptr_equal(ingest_port_proto(port), &ingest_proto_ac);
	ingest_port_flush(port);
	check_laps(g, &seen, 0, seen.n, 3);
	assert_string_equal(seen.l[0].track, ""); /* no handshake seen */
	struct ingest_stats s;
	ingest_port_stats(port, &s);
	assert_int_equal(s.frames, frames);
	assert_int_equal(s.kinds[AC_KIND_CAR_INFO], frames);
	assert_int_equal(s.sessions, 1);
	assert_int_equal(s.laps, 3);
	assert_int_equal(s.laps_incomplete, 2);
	assert_int_equal(s.sent, 0);
	ingest_port_destroy(port);
	gen_destroy(g);
}

/* ------------------------------------------------------------------ */
/* A fake game on loopback. The test plays both sides in one thread:
 * the game's socket answers what the client's port sends; time is a
 * virtual clock handed to the port, so silences cost nothing. */

struct rig {
	int game_fd, client_fd;
	uint16_t game_port;
	struct sockaddr_in client; /* where the game answers */
	bool know_client;
	struct ingest_port *port;
	struct ingest_io io;
	int64_t now_us;
	struct seen seen;
};

static int udp_loopback(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	int big = 1 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	*port = ntohs(a.sin_port);
	return fd;
}

static enum tb_status rig_send(void *ctx, uint32_t ip, uint16_t port,
			       const uint8_t *buf, size_t len)
{
	struct rig *r = ctx;
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(ip)};
	if (sendto(r->client_fd, buf, len, 0, (struct sockaddr *)&to,
		   sizeof(to)) != (ssize_t)len)
		return TB_ERR_NET;
	return TB_OK;
}

static void rig_open(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	uint16_t cport;
	r->game_fd = udp_loopback(&r->game_port);
	r->client_fd = udp_loopback(&cport);
	struct ingest_opts o = {.peer_ip = INADDR_LOOPBACK,
				.peer_port = r->game_port};
	assert_int_equal(ingest_port_create(&ingest_proto_ac, &o, collect,
					    &r->seen, &r->port),
			 TB_OK);
	r->io.ctx = r;
	r->io.send = rig_send;
	r->now_us = 5000000000LL;
}

static void rig_close(struct rig *r)
{
	ingest_port_destroy(r->port);
	close(r->game_fd);
	close(r->client_fd);
}

static void rig_tick(struct rig *r)
{
	ingest_port_tick(r->port, r->now_us, &r->io);
}

/* The game reads one datagram (waiting up to ms); its length or -1. */
static ssize_t game_recv(struct rig *r, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd pf = {.fd = r->game_fd, .events = POLLIN};
	if (poll(&pf, 1, ms) <= 0)
		return -1;
	socklen_t al = sizeof(r->client);
	ssize_t n = recvfrom(r->game_fd, buf, cap, 0,
			     (struct sockaddr *)&r->client, &al);
	if (n >= 0)
		r->know_client = true;
	return n;
}

/* The game expects one request with operation op. */
static void game_expect(struct rig *r, int op)
{
	uint8_t b[64];
	ssize_t n = game_recv(r, b, sizeof(b), 2000);
	if (n != (ssize_t)AC_REQUEST_SIZE)
		fail_msg("expected a %u-byte request (op %d), got %zd",
			 AC_REQUEST_SIZE, op, n);
	/* exactly {1, 1, op}, little-endian */
	uint8_t want[AC_REQUEST_SIZE] = {1, 0, 0, 0, 1, 0, 0, 0};
	want[8] = (uint8_t)op;
	assert_memory_equal(b, want, sizeof(want));
}

/* Nothing arrives at the game. */
static void game_expect_nothing(struct rig *r)
{
	uint8_t b[64];
	assert_int_equal(game_recv(r, b, sizeof(b), 0), -1);
}

static void game_send(struct rig *r, const uint8_t *buf, size_t len)
{
	assert_true(r->know_client);
	assert_int_equal(sendto(r->game_fd, buf, len, 0,
				(struct sockaddr *)&r->client,
				sizeof(r->client)),
			 (ssize_t)len);
}

/* The client takes what arrived (waiting up to ms for the first). */
static size_t client_pump(struct rig *r, int ms)
{
	size_t got = 0;
	struct pollfd pf = {.fd = r->client_fd, .events = POLLIN};
	while (poll(&pf, 1, got ? 0 : ms) > 0) {
		uint8_t b[TB_DATAGRAM_MAX];
		ssize_t n = recv(r->client_fd, b, sizeof(b), 0);
		if (n < 0)
			break;
		struct tb_error err;
		(void)ingest_port_datagram(r->port, b, (size_t)n, r->now_us,
					   &err);
		got++;
	}
	return got;
}

static void game_answer(struct rig *r, const char *driver)
{
	uint8_t b[AC_RESPONSE_SIZE];
	struct ac_packet p;
	memset(&p, 0, sizeof(p));
	p.kind = AC_KIND_RESPONSE;
	fill_response(&p.u.response, driver);
	size_t n;
	assert_int_equal(ac_encode(&p, b, sizeof(b), &n), TB_OK);
	/* garbage after each '%', as the game leaves it */
	static const size_t fields[] = {0, 100, 208, 308};
	for (int i = 0; i < 4; i++) {
		size_t k = fields[i];
		while (tb_ld_u16le(b + k) != '%')
			k += 2;
		for (k += 2; k < fields[i] + 100; k++)
			b[k] = (uint8_t)(0x30 + tbt_rng_below(&g_rng, 60));
	}
	game_send(r, b, n);
	assert_int_equal(client_pump(r, 2000), 1);
}

/* Handshake and subscribe, as the game sees them. */
static void connect_game(struct rig *r, const char *driver)
{
	rig_tick(r);
	game_expect(r, AC_OP_HANDSHAKE);
	game_answer(r, driver);
	game_expect_nothing(r); /* the subscribe waits for a tick */
	r->now_us += 50000;
	rig_tick(r);
	game_expect(r, AC_OP_SUBSCRIBE_UPDATE);
	game_expect_nothing(r);
}

/* Stream up to max_frames generated frames (all if 0), one datagram at a
 * time, ticking every 200 ms of virtual time; the client must send
 * nothing meanwhile. */
static size_t stream(struct rig *r, struct gen *g, size_t max_frames)
{
	struct gen_frame f;
	uint8_t b[TB_DATAGRAM_MAX];
	size_t n, sent = 0;
	while ((max_frames == 0 || sent < max_frames) &&
	       gen_next_frame(g, &f) == TB_OK) {
		assert_int_equal(
		    ingest_proto_ac.gen_encode(&f, 0, 0, b, sizeof(b), &n),
		    TB_OK);
		game_send(r, b, n);
		assert_int_equal(client_pump(r, 2000), 1);
		r->now_us += 16667;
		if (++sent % 12 == 0) {
			rig_tick(r);
			game_expect_nothing(r);
		}
	}
	return sent;
}

static void test_fake_game(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r);
	connect_game(&r, DRIVER_NAME);
	struct gen *g = make_gen(3, 5);
	size_t frames = stream(&r, g, 0);
	assert_true(frames > 10000);
	ingest_port_flush(r.port);
	game_expect_nothing(&r); /* goodbye comes with the next tick */
	rig_tick(&r);
	game_expect(&r, AC_OP_DISMISS);
	r.now_us += 5000000;
	rig_tick(&r); /* dismissed: no more handshakes */
	game_expect_nothing(&r);

	check_laps(g, &r.seen, 0, r.seen.n, 3);
	assert_string_equal(r.seen.l[0].track, TRACK_NAME);
	assert_string_equal(r.seen.l[0].layout, CONFIG_NAME);
	assert_string_equal(r.seen.l[0].driver, DRIVER_NAME);
	struct ingest_stats s;
	ingest_port_stats(r.port, &s);
	assert_int_equal(s.sent, 3); /* handshake, subscribe, dismiss */
	assert_int_equal(s.peer_timeouts, 0);
	assert_int_equal(s.sessions, 1);
	assert_int_equal(s.kinds[AC_KIND_RESPONSE], 1);
	assert_int_equal(s.kinds[AC_KIND_CAR_INFO], frames);
	assert_int_equal(s.laps, 3);
	gen_destroy(g);
	rig_close(&r);
}

static void test_no_answer(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r);
	int got = 0;
	for (int i = 0; i <= 26; i++) { /* 5.2 s in 200 ms ticks */
		rig_tick(&r);
		uint8_t b[64];
		ssize_t n = game_recv(&r, b, sizeof(b), 0);
		if (n >= 0) {
			assert_int_equal(n, AC_REQUEST_SIZE);
			assert_int_equal(tb_ld_u32le(b + 8), AC_OP_HANDSHAKE);
			got++;
		}
		r.now_us += 200000;
	}
	assert_int_equal(got, 6); /* at 0, 1, 2, 3, 4 and 5 s */
	struct ingest_stats s;
	ingest_port_stats(r.port, &s);
	assert_int_equal(s.sent, 6);
	assert_int_equal(s.peer_timeouts, 5);
	assert_int_equal(s.sessions, 0);
	assert_int_equal(r.seen.n, 0);
	/* never subscribed: nothing to dismiss */
	ingest_port_flush(r.port);
	rig_tick(&r);
	game_expect_nothing(&r);
	rig_close(&r);
}

static void test_garbage_answers(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r);
	uint8_t b[AC_RESPONSE_SIZE + 8];
	/* wrong sizes, a response without '%', random bytes */
	static const size_t lens[] = {
	    407, 409, 100, 4, AC_RESPONSE_SIZE, AC_CAR_INFO_SIZE, AC_LAP_SIZE};
	const size_t n_lens = sizeof(lens) / sizeof(lens[0]);
	for (size_t i = 0; i < n_lens; i++) {
		rig_tick(&r);
		game_expect(&r, AC_OP_HANDSHAKE);
		for (size_t k = 0; k < sizeof(b); k++)
			/* no '%' */
			b[k] = (uint8_t)(0x30 + tbt_rng_below(&g_rng, 60));
		if (lens[i] == AC_RESPONSE_SIZE)
			build_response(b, false);
		if (lens[i] == AC_CAR_INFO_SIZE)
			b[0] = 'b';
		game_send(&r, b, lens[i]);
		assert_int_equal(client_pump(&r, 2000), 1);
		r.now_us += 1000000;
	}
	struct ingest_stats s;
	ingest_port_stats(r.port, &s);
	assert_int_equal(s.accepted, 0);
	assert_int_equal(s.rejected[INGEST_REJ_TRUNCATED], 1);
	assert_int_equal(s.rejected[INGEST_REJ_LENGTH], 3);
	assert_int_equal(s.rejected[INGEST_REJ_FORMAT], 1); /* 328, no 'a' */
	assert_int_equal(s.rejected[INGEST_REJ_OTHER], 2);  /* no '%' */
	assert_int_equal(s.sent, n_lens);
	assert_int_equal(s.peer_timeouts, n_lens - 1);
	assert_int_equal(s.sessions, 0);
	/* still asking; a real answer then works */
	rig_tick(&r);
	game_expect(&r, AC_OP_HANDSHAKE);
	game_answer(&r, "Ada");
	r.now_us += 100000;
	rig_tick(&r);
	game_expect(&r, AC_OP_SUBSCRIBE_UPDATE);
	ingest_port_stats(r.port, &s);
	assert_int_equal(s.sessions, 1);
	rig_close(&r);
}

/* Silence, a re-handshake with the same names, and a stream that goes on
 * where it was: the same session (a pause, not a restart). */
static void test_pause(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r);
	connect_game(&r, DRIVER_NAME);
	struct gen *g = make_gen(2, 7);
	stream(&r, g, 6000);	       /* into the first timed lap */
	for (int i = 0; i < 15; i++) { /* 3 s in 200 ms ticks */
		r.now_us += 200000;
		rig_tick(&r);
	}
	game_expect(&r, AC_OP_HANDSHAKE);
	game_expect_nothing(&r);
	game_answer(&r, DRIVER_NAME);
	r.now_us += 20000;
	rig_tick(&r);
	game_expect(&r, AC_OP_SUBSCRIBE_UPDATE);
	stream(&r, g, 0);
	ingest_port_flush(r.port);
	check_laps(g, &r.seen, 0, r.seen.n, 2);
	struct ingest_stats s;
	ingest_port_stats(r.port, &s);
	assert_int_equal(s.sessions, 1);
	assert_int_equal(s.peer_timeouts, 1);
	assert_int_equal(s.sent, 4);
	gen_destroy(g);
	rig_close(&r);
}

/* The game restarts: silence, a new handshake response, and a stream
 * from lap 0 again: re-handshake and a new session. Then an unasked-for
 * response while streaming (another restart) opens a third. */
static void test_restart(void **state)
{
	(void)state;
	struct rig r;
	rig_open(&r);
	connect_game(&r, DRIVER_NAME);
	struct gen *g1 = make_gen(1, 21);
	stream(&r, g1, 0);
	size_t n1 = r.seen.n;
	assert_int_equal(n1, 2);       /* out lap and the timed lap so far */
	for (int i = 0; i < 20; i++) { /* 4 s of silence */
		r.now_us += 200000;
		rig_tick(&r);
	}
	game_expect(&r, AC_OP_HANDSHAKE);
	game_expect(&r, AC_OP_HANDSHAKE); /* the retry a second later */
	game_expect_nothing(&r);
	game_answer(&r, DRIVER_NAME);
	r.now_us += 20000;
	rig_tick(&r);
	game_expect(&r, AC_OP_SUBSCRIBE_UPDATE);
	struct gen *g2 = make_gen(1, 22);
	stream(&r, g2, 0);
	/* the first session's in lap was closed when the second began */
	check_laps(g1, &r.seen, 0, 3, 1);
	size_t n2 = r.seen.n;
	assert_int_equal(n2, 3 + 2);
	assert_true(r.seen.l[3].uid != r.seen.l[0].uid);
	/* a different driver now, unasked for, long after our handshake */
	game_answer(&r, "Noor Haddad");
	struct gen *g3 = make_gen(1, 23);
	stream(&r, g3, 0);
	ingest_port_flush(r.port);
	check_laps(g2, &r.seen, 3, 3, 1);
	assert_int_equal(r.seen.n, 6 + 3);
	const struct seen_lap *last = &r.seen.l[r.seen.n - 1];
	assert_string_equal(last->driver, "Noor Haddad");
	assert_true(last->uid != r.seen.l[3].uid);
	struct ingest_stats s;
	ingest_port_stats(r.port, &s);
	assert_int_equal(s.sessions, 3);
	gen_destroy(g1);
	gen_destroy(g2);
	gen_destroy(g3);
	rig_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_hand_built),
	    cmocka_unit_test(test_lengths),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_gen_stream),
	    cmocka_unit_test(test_fake_game),
	    cmocka_unit_test(test_no_answer),
	    cmocka_unit_test(test_garbage_answers),
	    cmocka_unit_test(test_pause),
	    cmocka_unit_test(test_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_ws.c - the WebSocket pieces of the live endpoint: SHA-1 against
 * the FIPS 180 / RFC 3174 vectors, base64 against RFC 4648, the
 * handshake's accept value against RFC 6455's example, server frame
 * headers, and the client frame parser (masking, fragmentation, control
 * frames, and the close code of every kind of bad frame). */
#include "tb_test.h"

#include "server/ws_int.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_sha1_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t reps;
		const char *want;
	} v[] = {
	    {"abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	     "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
	    {"a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
	    {"01234567012345670123456701234567"
	     "01234567012345670123456701234567",
	     10, "dea356a2cddd90c7a7ecedc5ebb563934f460452"},
	    {"", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	};
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		size_t n = strlen(v[k].in);
		size_t total = n * v[k].reps;
		uint8_t *buf = malloc(total + 1);
		for (size_t r = 0; r < v[k].reps; r++)
			memcpy(buf + r * n, v[k].in, n);
		uint8_t d[20];
		char got[41];
		srv__sha1(buf, total, d);
		hex(d, 20, got);
		assert_string_equal(got, v[k].want);
		free(buf);
	}
}

/* Lengths around the padding boundary (55, 56, 63, 64 bytes) against
 * values computed independently (sha1sum). */
static void test_sha1_padding(void **state)
{
	(void)state;
	static const struct {
		size_t n;
		const char *want;
	} v[] = {
	    {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
	    {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
	    {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
	    {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
	};
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		uint8_t buf[64], d[20];
		char got[41];
		memset(buf, 'a', sizeof(buf));
		srv__sha1(buf, v[k].n, d);
		hex(d, 20, got);
		assert_string_equal(got, v[k].want);
	}
}

static void test_base64(void **state)
{
	(void)state;
	static const char *const want[] = {
	    "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[16];
	for (size_t n = 0; n <= 6; n++) {
		assert_int_equal(
		    srv__base64((const uint8_t *)"foobar", n, out, sizeof(out)),
		    strlen(want[n]));
		assert_string_equal(out, want[n]);
	}
	assert_int_equal(srv__base64((const uint8_t *)"foobar", 6, out, 8), 0);
}

static void test_accept(void **state)
{
	(void)state;
	char out[29];
	/* RFC 6455 section 1.3. */
	assert_true(srv__ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out));
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_false(srv__ws_accept("dGhlIHNhbXBsZSBub25jZQ=", out));
	assert_false(srv__ws_accept("dGhlIHNhbXBsZSBub25j*Q==", out));
	assert_false(srv__ws_accept("dGhlIHNhbXBsZSBub25jZR==", out));
	assert_false(srv__ws_accept("", out));
	assert_false(srv__ws_accept(NULL, out));
}

static void test_header(void **state)
{
	(void)state;
	uint8_t h[SRV_WS_HDR_MAX];
	assert_int_equal(srv__ws_header(h, SRV_WS_OP_TEXT, 5), 2);
	assert_int_equal(h[0], 0x81);
	assert_int_equal(h[1], 5);
	assert_int_equal(srv__ws_header(h, SRV_WS_OP_TEXT, 125), 2);
	assert_int_equal(srv__ws_header(h, SRV_WS_OP_PONG, 126), 4);
	assert_int_equal(h[0], 0x8A);
	assert_int_equal(h[1], 126);
	assert_int_equal(h[2] << 8 | h[3], 126);
	assert_int_equal(srv__ws_header(h, SRV_WS_OP_TEXT, 65535), 4);
	assert_int_equal(srv__ws_header(h, SRV_WS_OP_TEXT, 65536), 10);
	assert_int_equal(h[1], 127);
	assert_int_equal(h[7], 1);
	assert_int_equal(h[8], 0);
}

/* A client frame: fin, opcode, payload masked with key (mask false:
 * unmasked, which clients must not send). Returns its length. */
static size_t client_frame(uint8_t *out, bool fin, unsigned op,
			   const void *payload, size_t n, bool mask)
{
	static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
	size_t h = 0;
	out[h++] = (uint8_t)((fin ? 0x80 : 0) | op);
	uint8_t m = mask ? 0x80 : 0;
	if (n < 126) {
		out[h++] = (uint8_t)(m | n);
	} else if (n <= 0xFFFF) {
		out[h++] = m | 126;
		out[h++] = (uint8_t)(n >> 8);
		out[h++] = (uint8_t)n;
	} else {
		out[h++] = m | 127;
		for (int i = 7; i >= 0; i--)
			out[h++] = (uint8_t)((uint64_t)n >> (8 * i));
	}
	if (mask) {
		memcpy(out + h, key, 4);
		h += 4;
	}
	const uint8_t *p = payload;
	for (size_t i = 0; i < n; i++)
		out[h + i] = mask ? p[i] ^ key[i & 3] : p[i];
	return h + n;
}

static void test_masked_text(void **state)
{
	(void)state;
	struct srv_ws_rx rx;
	struct srv_ws_out o;
	uint8_t buf[256];
	size_t used, n;
	srv__ws_rx_init(&rx);
	/* RFC 6455 5.7: a masked "Hello". */
	static const uint8_t hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					0x7f, 0x9f, 0x4d, 0x51, 0x58};
	memcpy(buf, hello, sizeof(hello));
	/* Byte by byte: nothing until the whole frame is there. */
	for (n = 0; n < sizeof(hello); n++) {
		assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o),
				 SRV_WS_MORE);
		assert_int_equal(used, 0);
	}
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_TEXT);
	assert_int_equal(used, sizeof(hello));
	assert_int_equal(o.len, 5);
	assert_memory_equal(o.data, "Hello", 5);
	/* A 200-byte message uses the 16-bit length. */
	char big[200];
	memset(big, 'x', sizeof(big));
	n = client_frame(buf, true, SRV_WS_OP_TEXT, big, sizeof(big), true);
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_TEXT);
	assert_int_equal(used, n);
	assert_int_equal(o.len, 200);
	assert_memory_equal(o.data, big, 200);
}

static void test_fragments_and_control(void **state)
{
	(void)state;
	struct srv_ws_rx rx;
	struct srv_ws_out o;
	uint8_t buf[512];
	size_t used, n = 0;
	srv__ws_rx_init(&rx);
	n += client_frame(buf + n, false, SRV_WS_OP_TEXT, "{\"car\"", 6, true);
	n += client_frame(buf + n, true, SRV_WS_OP_PING, "hi", 2, true);
	n += client_frame(buf + n, true, SRV_WS_OP_CONT, ":3}", 3, true);
	size_t off = 0;
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_NONE);
	off += used;
	/* A ping between fragments is answered, the message goes on. */
	assert_int_equal(srv__ws_take(&rx, buf + off, n - off, &used, &o),
			 SRV_WS_PING);
	assert_int_equal(o.len, 2);
	assert_memory_equal(o.data, "hi", 2);
	off += used;
	assert_int_equal(srv__ws_take(&rx, buf + off, n - off, &used, &o),
			 SRV_WS_TEXT);
	assert_int_equal(o.len, 9);
	assert_memory_equal(o.data, "{\"car\":3}", 9);
	off += used;
	assert_int_equal(off, n);
	/* Close with a code and a reason; an empty close means 1000. */
	uint8_t cl[] = {0x03, 0xE9, 'b', 'y', 'e'};
	n = client_frame(buf, true, SRV_WS_OP_CLOSE, cl, sizeof(cl), true);
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_CLOSE);
	assert_int_equal(o.code, 1001);
	n = client_frame(buf, true, SRV_WS_OP_CLOSE, "", 0, true);
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_CLOSE);
	assert_int_equal(o.code, 1000);
	n = client_frame(buf, true, SRV_WS_OP_PONG, "x", 1, true);
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_PONG);
}

static void expect_fail(const uint8_t *frame, size_t n, bool in_msg,
			uint16_t code)
{
	struct srv_ws_rx rx;
	struct srv_ws_out o;
	uint8_t buf[8192];
	size_t used;
	srv__ws_rx_init(&rx);
	rx.in_msg = in_msg;
	memcpy(buf, frame, n);
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_FAIL);
	assert_int_equal(o.code, code);
}

static void test_bad_frames(void **state)
{
	(void)state;
	uint8_t f[8192];
	size_t n;
	n = client_frame(f, true, SRV_WS_OP_TEXT, "hi", 2, false);
	expect_fail(f, n, false, SRV_WS_CLOSE_PROTOCOL); /* unmasked */
	n = client_frame(f, true, SRV_WS_OP_BINARY, "hi", 2, true);
	expect_fail(f, n, false, SRV_WS_CLOSE_UNSUPPORTED);
	n = client_frame(f, true, SRV_WS_OP_TEXT, "hi", 2, true);
	f[0] |= 0x40; /* RSV1 without an extension */
	expect_fail(f, n, false, SRV_WS_CLOSE_PROTOCOL);
	n = client_frame(f, true, 0x3, "hi", 2, true); /* reserved opcode */
	expect_fail(f, n, false, SRV_WS_CLOSE_PROTOCOL);
	n = client_frame(f, true, 0xB, "hi", 2, true);
	expect_fail(f, n, false, SRV_WS_CLOSE_PROTOCOL);
	n = client_frame(f, false, SRV_WS_OP_PING, "hi", 2, true);
	expect_fail(f, n, false, SRV_WS_CLOSE_PROTOCOL); /* fragmented */
	char big[200];
	memset(big, 'p', sizeof(big));
	n = client_frame(f, true, SRV_WS_OP_PING, big, 126, true);
	expect_fail(f, n, false, SRV_WS_CLOSE_PROTOCOL); /* ping > 125 */
	n = client_frame(f, true, SRV_WS_OP_CONT, "hi", 2, true);
	expect_fail(f, n, false, SRV_WS_CLOSE_PROTOCOL); /* no message */
	n = client_frame(f, true, SRV_WS_OP_TEXT, "hi", 2, true);
	expect_fail(f, n, true, SRV_WS_CLOSE_PROTOCOL); /* inside one */
	n = client_frame(f, true, SRV_WS_OP_CLOSE, "x", 1, true);
	expect_fail(f, n, false, SRV_WS_CLOSE_PROTOCOL); /* 1-byte close */
	n = client_frame(f, true, SRV_WS_OP_TEXT, "\xc0\xaf", 2, true);
	expect_fail(f, n, false, SRV_WS_CLOSE_BAD_DATA); /* overlong */
	n = client_frame(f, true, SRV_WS_OP_TEXT, "\xed\xa0\x80", 3, true);
	expect_fail(f, n, false, SRV_WS_CLOSE_BAD_DATA); /* surrogate */
	n = client_frame(f, true, SRV_WS_OP_TEXT, "\xe2\x82", 2, true);
	expect_fail(f, n, false, SRV_WS_CLOSE_BAD_DATA); /* cut short */
	/* Over the cap: refused from the header alone (only 10 bytes). */
	n = client_frame(f, true, SRV_WS_OP_TEXT, big, 0, true);
	f[1] = 0x80 | 127;
	memset(f + 2, 0, 8);
	f[7] = 0x01; /* 1 << 16 bytes */
	expect_fail(f, 10, false, SRV_WS_CLOSE_TOO_BIG);
	f[2] = 0x80; /* most significant bit set: invalid */
	expect_fail(f, 10, false, SRV_WS_CLOSE_PROTOCOL);
}

/* Fragments adding up to more than the cap fail with 1009; exactly the
 * cap is fine. */
static void test_fragment_cap(void **state)
{
	(void)state;
	struct srv_ws_rx rx;
	struct srv_ws_out o;
	static uint8_t buf[3 * SRV_WS_MSG_MAX];
	static char part[SRV_WS_MSG_MAX];
	size_t used, n;
	memset(part, 'a', sizeof(part));
	srv__ws_rx_init(&rx);
	n = client_frame(buf, false, SRV_WS_OP_TEXT, part, SRV_WS_MSG_MAX / 2,
			 true);
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_NONE);
	n = client_frame(buf, true, SRV_WS_OP_CONT, part, SRV_WS_MSG_MAX / 2,
			 true);
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_TEXT);
	assert_int_equal(o.len, SRV_WS_MSG_MAX);
	n = client_frame(buf, false, SRV_WS_OP_TEXT, part, SRV_WS_MSG_MAX / 2,
			 true);
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_NONE);
	n = client_frame(buf, true, SRV_WS_OP_CONT, part,
			 SRV_WS_MSG_MAX / 2 + 1, true);
	assert_int_equal(srv__ws_take(&rx, buf, n, &used, &o), SRV_WS_FAIL);
	assert_int_equal(o.code, SRV_WS_CLOSE_TOO_BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha1_vectors),
	    cmocka_unit_test(test_sha1_padding),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_accept),
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_masked_text),
	    cmocka_unit_test(test_fragments_and_control),
	    cmocka_unit_test(test_bad_frames),
	    cmocka_unit_test(test_fragment_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

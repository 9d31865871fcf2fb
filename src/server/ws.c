/* ws.c - RFC 6455 framing for the live endpoint: SHA-1 and base64 for
 * the handshake (written here rather than pulled in: forty lines each),
 * server frame headers, and the client frame parser with the close code
 * each violation deserves. */
#include "ws_int.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* SHA-1, FIPS 180-4 section 6.1. */

static uint32_t rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5A827999u;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ED9EBA1u;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDCu;
		} else {
			f = b ^ c ^ d;
			k = 0xCA62C1D6u;
		}
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void srv__sha1(const void *data, size_t len, uint8_t out[20])
{
	uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u,
			 0xC3D2E1F0u};
	const uint8_t *p = data;
	size_t left = len;
	for (; left >= 64; left -= 64, p += 64)
		sha1_block(h, p);
	/* Padding: 0x80, zeros, then the bit length big-endian. */
	uint8_t tail[128];
	memset(tail, 0, sizeof(tail));
	if (left)
		memcpy(tail, p, left);
	tail[left] = 0x80;
	size_t n = left + 1 + 8 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		tail[n - 1 - i] = (uint8_t)(bits >> (8 * i));
	sha1_block(h, tail);
	if (n == 128)
		sha1_block(h, tail + 64);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

/* ------------------------------------------------------------------ */
/* base64, RFC 4648 section 4. */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t srv__base64(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t need = (n + 2) / 3 * 4;
	if (cap < need + 1)
		return 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

static bool is_b64(char c)
{
	return c && strchr(b64, c) != NULL;
}

bool srv__ws_accept(const char *key, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	/* 16 bytes encode as 22 characters and "==". */
	if (!key || strlen(key) != 24 || key[22] != '=' || key[23] != '=')
		return false;
	for (int i = 0; i < 22; i++)
		if (!is_b64(key[i]))
			return false;
	/* The last character carries 2 bits; the 4 low ones must be 0. */
	if ((strchr(b64, key[21]) - b64) & 15)
		return false;
	char cat[24 + sizeof(guid)];
	memcpy(cat, key, 24);
	memcpy(cat + 24, guid, sizeof(guid) - 1);
	uint8_t dig[20];
	srv__sha1(cat, 24 + sizeof(guid) - 1, dig);
	return srv__base64(dig, 20, out, 29) == 28;
}

/* ------------------------------------------------------------------ */
/* Frames, RFC 6455 section 5.2. */

size_t srv__ws_header(uint8_t *out, enum srv_ws_op op, uint64_t len)
{
	out[0] = (uint8_t)(0x80 | (op & 0x0F));
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xFFFF) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

void srv__ws_rx_init(struct srv_ws_rx *rx)
{
	rx->in_msg = false;
	rx->msg_len = 0;
}

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static bool utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			k = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			k = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += k + 1;
	}
	return true;
}

static enum srv_ws_event fail(struct srv_ws_out *out, uint16_t code)
{
	out->data = NULL;
	out->len = 0;
	out->code = code;
	return SRV_WS_FAIL;
}

/* A control frame's meaning once whole (payload unmasked at p). */
static enum srv_ws_event control(unsigned op, const uint8_t *p, size_t n,
				 struct srv_ws_out *out)
{
	out->data = p;
	out->len = n;
	out->code = 0;
	if (op == SRV_WS_OP_PING)
		return SRV_WS_PING;
	if (op == SRV_WS_OP_PONG)
		return SRV_WS_PONG;
	if (n == 1)
		return fail(out, SRV_WS_CLOSE_PROTOCOL);
	out->code = n >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : SRV_WS_CLOSE_NORMAL;
	if (n > 2 && !utf8_ok(p + 2, n - 2))
		return fail(out, SRV_WS_CLOSE_BAD_DATA);
	return SRV_WS_CLOSE;
}

enum srv_ws_event srv__ws_take(struct srv_ws_rx *rx, uint8_t *buf, size_t len,
			       size_t *used, struct srv_ws_out *out)
{
	*used = 0;
	memset(out, 0, sizeof(*out));
	if (len < 2)
		return SRV_WS_MORE;
	bool fin = buf[0] & 0x80;
	unsigned op = buf[0] & 0x0F;
	bool masked = buf[1] & 0x80;
	uint64_t plen = buf[1] & 0x7F;
	size_t hl = 2;
	if (buf[0] & 0x70)
		return fail(out, SRV_WS_CLOSE_PROTOCOL); /* no extensions */
	if (!masked)
		return fail(out, SRV_WS_CLOSE_PROTOCOL); /* 5.1: clients mask */
	bool ctl = op & 0x08;
	if (ctl && op != SRV_WS_OP_CLOSE && op != SRV_WS_OP_PING &&
	    op != SRV_WS_OP_PONG)
		return fail(out, SRV_WS_CLOSE_PROTOCOL);
	if (!ctl && op > SRV_WS_OP_BINARY)
		return fail(out, SRV_WS_CLOSE_PROTOCOL);
	if (ctl && (!fin || plen > 125))
		return fail(out, SRV_WS_CLOSE_PROTOCOL);
	if (op == SRV_WS_OP_CONT && !rx->in_msg)
		return fail(out, SRV_WS_CLOSE_PROTOCOL);
	if ((op == SRV_WS_OP_TEXT || op == SRV_WS_OP_BINARY) && rx->in_msg)
		return fail(out, SRV_WS_CLOSE_PROTOCOL);
	if (op == SRV_WS_OP_BINARY)
		return fail(out, SRV_WS_CLOSE_UNSUPPORTED);
	if (plen == 126) {
		if (len < 4)
			return SRV_WS_MORE;
		plen = (uint64_t)buf[2] << 8 | buf[3];
		hl = 4;
	} else if (plen == 127) {
		if (len < 10)
			return SRV_WS_MORE;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = plen << 8 | buf[2 + i];
		hl = 10;
		if (plen >> 63)
			return fail(out, SRV_WS_CLOSE_PROTOCOL);
	}
	/* Text too big is known from the header: refuse before the
	 * payload arrives. */
	size_t have = op == SRV_WS_OP_CONT ? rx->msg_len : 0;
	if (!ctl && plen > SRV_WS_MSG_MAX - have)
		return fail(out, SRV_WS_CLOSE_TOO_BIG);
	if (len < hl + 4 || len - hl - 4 < plen)
		return SRV_WS_MORE;
	const uint8_t *mask = buf + hl;
	uint8_t *p = buf + hl + 4;
	for (size_t i = 0; i < plen; i++)
		p[i] ^= mask[i & 3];
	*used = hl + 4 + (size_t)plen;
	if (ctl)
		return control(op, p, (size_t)plen, out);
	if (op == SRV_WS_OP_TEXT)
		rx->msg_len = 0;
	memcpy(rx->msg + rx->msg_len, p, (size_t)plen);
	rx->msg_len += (size_t)plen;
	rx->in_msg = !fin;
	if (!fin)
		return SRV_WS_NONE;
	if (!utf8_ok(rx->msg, rx->msg_len))
		return fail(out, SRV_WS_CLOSE_BAD_DATA);
	out->data = rx->msg;
	out->len = rx->msg_len;
	return SRV_WS_TEXT;
}

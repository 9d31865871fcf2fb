/* ws_int.h - the pieces of RFC 6455 WebSocket the live endpoint needs:
 * SHA-1 (FIPS 180-4) and base64 for the handshake's Sec-WebSocket-Accept,
 * the header of an unmasked server frame, and an incremental parser of
 * client frames (masked, possibly fragmented text, control frames) that
 * says which close code a protocol violation deserves. No I/O here. */
#ifndef TB_SERVER_WS_INT_H
#define TB_SERVER_WS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_WS_MSG_MAX 4096u /* largest client text message (1009 beyond) */
#define SRV_WS_HDR_MAX 14u   /* largest frame header (masked, 64-bit len) */

enum srv_ws_op {
	SRV_WS_OP_CONT = 0x0,
	SRV_WS_OP_TEXT = 0x1,
	SRV_WS_OP_BINARY = 0x2,
	SRV_WS_OP_CLOSE = 0x8,
	SRV_WS_OP_PING = 0x9,
	SRV_WS_OP_PONG = 0xA
};

/* Close codes (RFC 6455 7.4.1). */
#define SRV_WS_CLOSE_NORMAL	 1000
#define SRV_WS_CLOSE_GOING_AWAY	 1001
#define SRV_WS_CLOSE_PROTOCOL	 1002
#define SRV_WS_CLOSE_UNSUPPORTED 1003
#define SRV_WS_CLOSE_BAD_DATA	 1007
#define SRV_WS_CLOSE_POLICY	 1008
#define SRV_WS_CLOSE_TOO_BIG	 1009

/* SHA-1 of len bytes at data into out. */
void srv__sha1(const void *data, size_t len, uint8_t out[20]);

/* Standard base64 (with padding) of n bytes into out, NUL-terminated.
 * Returns the length written, or 0 when cap is too small. */
size_t srv__base64(const uint8_t *in, size_t n, char *out, size_t cap);

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key into out (29
 * bytes: 28 characters and NUL). False when the key is not the base64
 * of 16 bytes (RFC 6455 4.2.1: then the handshake is refused). */
bool srv__ws_accept(const char *key, char out[29]);

/* Header of one final, unmasked server frame of opcode op carrying len
 * payload bytes into out (at least SRV_WS_HDR_MAX bytes); returns the
 * header length (2, 4 or 10). */
size_t srv__ws_header(uint8_t *out, enum srv_ws_op op, uint64_t len);

/* What srv__ws_take found at the front of the input. */
enum srv_ws_event {
	SRV_WS_MORE,  /* no whole frame yet: read more */
	SRV_WS_NONE,  /* a frame was taken (a text fragment): call again */
	SRV_WS_TEXT,  /* a whole text message: out->data, out->len */
	SRV_WS_PING,  /* answer with a pong carrying out->data, out->len */
	SRV_WS_PONG,  /* ignore */
	SRV_WS_CLOSE, /* the client closes with out->code (1000 if none) */
	SRV_WS_FAIL   /* protocol violation: close with out->code */
};

/* A connection's parser state: the text message being reassembled. */
struct srv_ws_rx {
	bool in_msg; /* a fragmented text message is in progress */
	size_t msg_len;
	uint8_t msg[SRV_WS_MSG_MAX];
};

struct srv_ws_out {
	const uint8_t *data; /* into rx->msg or buf; valid until next call */
	size_t len;
	uint16_t code;
};

void srv__ws_rx_init(struct srv_ws_rx *rx);

/* Take at most one client frame from the front of buf (len bytes; the
 * payload is unmasked in place). *used receives the bytes consumed (0
 * with SRV_WS_MORE). Unmasked frames, reserved bits or opcodes, control
 * frames fragmented or over 125 bytes, a continuation with no message or
 * a new message inside one fail with 1002; binary messages with 1003; a
 * text message over SRV_WS_MSG_MAX with 1009 (decided from the header,
 * before its payload arrives); text that is not UTF-8 with 1007. */
enum srv_ws_event srv__ws_take(struct srv_ws_rx *rx, uint8_t *buf, size_t len,
			       size_t *used, struct srv_ws_out *out);

#endif /* TB_SERVER_WS_INT_H */

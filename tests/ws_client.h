/* ws_client.h - a minimal RFC 6455 client for the live endpoint's tests
 * and benchmark: the handshake, masked client frames, reading whole
 * server messages with a time-out, and picking fields out of the flat
 * JSON messages the server sends. Header-only (static inline). */
#ifndef TB_WS_CLIENT_H
#define TB_WS_CLIENT_H

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api_http.h"

struct wsc {
	int fd;
	size_t len;
	uint8_t buf[1 << 16];
};

static inline uint64_t wsc_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Connect and upgrade to GET path; extra: the version and key header
 * lines (NULL: version 13 and RFC 6455's sample key).
 * Returns the HTTP status (101 on success, the socket kept open in
 * w->fd; otherwise closed and the body, if any, in body). rcvbuf > 0
 * shrinks the socket's receive buffer first. */
static inline int wsc_open(struct wsc *w, int port, const char *path,
			   const char *extra, int rcvbuf, char *body,
			   size_t body_cap)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	char req[1024];
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		 "%s\r\n",
		 path,
		 extra ? extra
		       : "Sec-WebSocket-Version: 13\r\n"
			 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
	if (ah_write_all(fd, req, strlen(req)) != 0) {
		close(fd);
		return -1;
	}
	/* Read the head; keep what follows it. */
	size_t n = 0;
	char *end = NULL;
	while (!end && n < sizeof(w->buf) - 1) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t r = read(fd, w->buf + n, sizeof(w->buf) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		w->buf[n] = 0;
		end = strstr((char *)w->buf, "\r\n\r\n");
	}
	int status = -1;
	if (!end || sscanf((char *)w->buf, "HTTP/1.1 %d", &status) != 1) {
		close(fd);
		return -1;
	}
	size_t head = (size_t)(end + 4 - (char *)w->buf);
	if (status != 101) {
		/* the body follows; the server closes after it */
		for (;;) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, 2000) <= 0)
				break;
			ssize_t r =
			    read(fd, w->buf + n, sizeof(w->buf) - 1 - n);
			if (r <= 0)
				break;
			n += (size_t)r;
		}
		w->buf[n] = 0;
		if (body)
			snprintf(body, body_cap, "%s", (char *)w->buf + head);
		close(fd);
		return status;
	}
	if (strstr((char *)w->buf, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == NULL) {
		close(fd);
		return -2; /* wrong Sec-WebSocket-Accept */
	}
	memmove(w->buf, w->buf + head, n - head);
	w->len = n - head;
	w->fd = fd;
	return status;
}

/* Send one client frame (masked unless mask is false). */
static inline int wsc_send(struct wsc *w, int fin_op, const void *p, size_t n,
			   int mask)
{
	uint8_t f[256 + 14];
	static const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
	if (n > 256)
		return -1;
	size_t h = 0;
	f[h++] = (uint8_t)fin_op;
	if (n < 126) {
		f[h++] = (uint8_t)((mask ? 0x80 : 0) | n);
	} else {
		f[h++] = (uint8_t)((mask ? 0x80 : 0) | 126);
		f[h++] = (uint8_t)(n >> 8);
		f[h++] = (uint8_t)n;
	}
	if (mask) {
		memcpy(f + h, key, 4);
		h += 4;
	}
	for (size_t i = 0; i < n; i++)
		f[h + i] = ((const uint8_t *)p)[i] ^ (mask ? key[i & 3] : 0);
	return ah_write_all(w->fd, f, h + n);
}

static inline int wsc_text(struct wsc *w, const char *s)
{
	return wsc_send(w, 0x81, s, strlen(s), 1);
}

/* Next whole server message within timeout_ms: its opcode (1 text, 8
 * close, 10 pong...), payload NUL-terminated into out; -1 on time-out,
 * -2 when the connection ended. */
static inline int wsc_recv(struct wsc *w, char *out, size_t cap, size_t *len,
			   int timeout_ms)
{
	uint64_t deadline = wsc_now_us() + (uint64_t)timeout_ms * 1000u;
	for (;;) {
		if (w->len >= 2) {
			size_t plen = w->buf[1] & 0x7F, h = 2;
			if (plen == 126 && w->len >= 4) {
				plen = (size_t)w->buf[2] << 8 | w->buf[3];
				h = 4;
			} else if (plen == 127 && w->len >= 10) {
				plen = 0;
				for (int i = 0; i < 8; i++)
					plen = plen << 8 | w->buf[2 + i];
				h = 10;
			} else if (plen >= 126) {
				h = SIZE_MAX;
			}
			if (h != SIZE_MAX && w->len >= h + plen) {
				int op = w->buf[0] & 0x0F;
				size_t k = plen < cap - 1 ? plen : cap - 1;
				memcpy(out, w->buf + h, k);
				out[k] = 0;
				if (len)
					*len = plen;
				memmove(w->buf, w->buf + h + plen,
					w->len - h - plen);
				w->len -= h + plen;
				return op;
			}
		}
		uint64_t now = wsc_now_us();
		int wait =
		    now >= deadline ? 0 : (int)((deadline - now) / 1000u) + 1;
		struct pollfd p = {.fd = w->fd, .events = POLLIN};
		int r = poll(&p, 1, wait);
		if (r <= 0 && wait == 0)
			return -1;
		if (r <= 0)
			continue;
		ssize_t k =
		    read(w->fd, w->buf + w->len, sizeof(w->buf) - w->len);
		if (k <= 0)
			return -2;
		w->len += (size_t)k;
	}
}

static inline void wsc_close(struct wsc *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* Field key of a flat JSON message: 1 and *v for a number, 0 for null,
 * -1 when absent. */
static inline int wsc_num(const char *msg, const char *key, double *v)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(msg, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	if (strncmp(p, "null", 4) == 0)
		return 0;
	char *end;
	*v = strtod(p, &end);
	return end != p ? 1 : -1;
}

/* Is msg of type t ("frame", "lap" ...)? */
static inline int wsc_is(const char *msg, const char *t)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "{\"type\":\"%s\"", t);
	return strncmp(msg, pat, strlen(pat)) == 0;
}

#endif /* TB_WS_CLIENT_H */

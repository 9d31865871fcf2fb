/* api_http.h - a minimal HTTP/1.1 client over loopback for the API test
 * and benchmark: one request per call on a fresh connection (the server
 * closes after it: "Connection: close"), the response split into status,
 * headers and body; and starting `trailbrake serve` as a child. */
#ifndef TB_API_HTTP_H
#define TB_API_HTTP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ah_resp {
	int status;
	char *head; /* status line and headers, NUL-terminated */
	char *body; /* NUL-terminated (binary bodies may hold NULs) */
	size_t body_len;
	char *raw;
};

static inline void ah_resp_free(struct ah_resp *r)
{
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

static inline int ah_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static inline int ah_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Send head (a whole request head, "\r\n\r\n" included) and body, read
 * until the server closes. Returns the status or -1. */
static inline int ah_exchange(int port, const char *head, const void *body,
			      size_t body_len, struct ah_resp *r)
{
	memset(r, 0, sizeof(*r));
	int fd = ah_connect(port);
	if (fd < 0)
		return -1;
	if (ah_write_all(fd, head, strlen(head)) != 0 ||
	    (body_len && ah_write_all(fd, body, body_len) != 0)) {
		/* the server may refuse early and close: still read */
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	r->raw = buf;
	char *sep = strstr(buf, "\r\n\r\n");
	if (!sep || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
		return r->status = -1;
	*sep = '\0';
	r->head = buf;
	r->body = sep + 4;
	r->body_len = len - (size_t)(r->body - buf);
	return r->status;
}

/* GET (or another bodiless method) of path. */
static inline int ah_request(int port, const char *method, const char *path,
			     struct ah_resp *r)
{
	char head[1024];
	snprintf(head, sizeof(head),
		 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Connection: close\r\n\r\n",
		 method, path);
	return ah_exchange(port, head, NULL, 0, r);
}

static inline int ah_get(int port, const char *path, struct ah_resp *r)
{
	return ah_request(port, "GET", path, r);
}

static inline int ah_post(int port, const char *path, const void *body,
			  size_t len, struct ah_resp *r)
{
	char head[1024];
	snprintf(head, sizeof(head),
		 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Content-Type: application/octet-stream\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 path, len);
	return ah_exchange(port, head, body, len, r);
}

static inline void ah_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0) {
	}
}

/* Start `bin serve` on db with HTTP on http_port (UDP on udp_port);
 * wait until /healthz answers. Returns the child's pid or -1. */
static inline pid_t ah_serve(const char *bin, const char *db, int udp_port,
			     int http_port)
{
	char udp[16], http[16];
	snprintf(udp, sizeof(udp), "%d", udp_port);
	snprintf(http, sizeof(http), "%d", http_port);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(bin, bin, "serve", "--db", db, "--udp", udp, "--http",
		      http, "--bind", "127.0.0.1", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400; i++) {
		struct ah_resp r;
		int st = ah_get(http_port, "/healthz", &r);
		ah_resp_free(&r);
		if (st == 200)
			return pid;
		ah_sleep_ms(25);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

/* Stop the child with SIGTERM; returns its exit status or -1. */
static inline int ah_stop(pid_t pid)
{
	int status;
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#endif /* TB_API_HTTP_H */

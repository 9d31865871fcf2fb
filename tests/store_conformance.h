/* store_conformance.h - one behavioural suite for every store backend:
 * a backend's test program hands it a way to make fresh store URLs and
 * runs it (cmocka), then adds its own backend-specific tests. */
#ifndef TB_STORE_CONFORMANCE_H
#define TB_STORE_CONFORMANCE_H

#include <stddef.h>

/* How the suite gets an empty store: fresh_url writes a URL naming a
 * new, empty store into buf (cap bytes) and returns 0, or non-zero when
 * it cannot. Each test calls it once and may open that URL again to
 * check persistence. */
struct sc_backend {
	const char *name;
	int (*fresh_url)(void *ctx, char *buf, size_t cap);
	void *ctx;
};

/* Run the suite against backend b; returns the number of failed tests
 * (cmocka's result). */
int sc_run(const struct sc_backend *b);

#endif /* TB_STORE_CONFORMANCE_H */

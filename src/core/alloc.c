/* alloc.c - allocation wrappers with a fault-injection hook (tests make
 * the Nth allocation fail to prove error paths free what they took), and
 * the clocks. */
#define _POSIX_C_SOURCE 200809L
#include "core.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

/* The only process-wide variable: a test knob, atomic, off by default. */
static atomic_long fault_countdown;

void tb_fault_fail_alloc_after(long n)
{
	atomic_store(&fault_countdown, n);
}

static bool fault_hit(void)
{
	long cur = atomic_load(&fault_countdown);
	while (cur > 0) {
		if (atomic_compare_exchange_weak(&fault_countdown, &cur,
						 cur - 1))
			return cur == 1;
	}
	return false;
}

void *tb_malloc(size_t n)
{
	return fault_hit() ? NULL : malloc(n ? n : 1);
}

void *tb_calloc(size_t n, size_t size)
{
	return fault_hit() ? NULL : calloc(n ? n : 1, size ? size : 1);
}

void *tb_realloc(void *p, size_t n)
{
	return fault_hit() ? NULL : realloc(p, n ? n : 1);
}

void tb_free(void *p)
{
	free(p);
}

uint64_t tb_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t tb_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ring.c - bounded lock-free single-producer / single-consumer ring of
 * fixed-size slots (C11 atomics, acquire/release on the indices). */
#include "core.h"

#include <stdatomic.h>

struct tb_ring {
	size_t slot_size, mask;
	/* Padding keeps the two indices on separate cache lines without
	 * over-aligning the struct (calloc gives 16-byte alignment). */
	char pad0[64];
	atomic_size_t head; /* next slot to write (producer) */
	char pad1[64];
	atomic_size_t tail; /* next slot to read (consumer) */
	char pad2[64];
	uint8_t slots[];
};

enum tb_status tb_ring_create(size_t slot_size, size_t n_slots,
			      struct tb_ring **out)
{
	*out = NULL;
	if (slot_size == 0 || n_slots < 2 || (n_slots & (n_slots - 1)) ||
	    n_slots > ((size_t)1 << 24) || slot_size > ((size_t)1 << 20))
		return TB_ERR_ARG;
	struct tb_ring *r = tb_calloc(1, sizeof(*r) + slot_size * n_slots);
	if (!r)
		return TB_ERR_NOMEM;
	r->slot_size = slot_size;
	r->mask = n_slots - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	*out = r;
	return TB_OK;
}

void tb_ring_destroy(struct tb_ring *r)
{
	tb_free(r);
}

enum tb_status tb_ring_push(struct tb_ring *r, const void *slot)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask)
		return TB_ERR_FULL;
	memcpy(r->slots + (head & r->mask) * r->slot_size, slot,
	       r->slot_size);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return TB_OK;
}

enum tb_status tb_ring_pop(struct tb_ring *r, void *slot)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (head == tail)
		return TB_ERR_EMPTY;
	memcpy(slot, r->slots + (tail & r->mask) * r->slot_size,
	       r->slot_size);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return TB_OK;
}

size_t tb_ring_count(const struct tb_ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	return head - tail;
}

size_t tb_ring_capacity(const struct tb_ring *r)
{
	return r->mask + 1;
}

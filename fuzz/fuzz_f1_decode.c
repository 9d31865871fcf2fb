/* fuzz_f1_decode.c - libFuzzer harness for f1_decode(): any byte string
 * must be rejected with a status or decoded, never read out of bounds.
 * A decoded packet is re-encoded and decoded again, which must succeed
 * and give the same bytes (the codec is its own inverse). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/f1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct f1_packet p, q;
	static uint8_t b1[TB_DATAGRAM_MAX], b2[TB_DATAGRAM_MAX];
	struct tb_error err;
	size_t n1 = 0, n2 = 0;
	if (f1_decode(data, size, &p, &err) != TB_OK)
		return 0;
	if (f1_encode(&p, b1, sizeof(b1), &n1) != TB_OK)
		__builtin_trap();
	if (f1_decode(b1, n1, &q, &err) != TB_OK)
		__builtin_trap();
	if (f1_encode(&q, b2, sizeof(b2), &n2) != TB_OK || n1 != n2 ||
	    memcmp(b1, b2, n1) != 0)
		__builtin_trap();
	return 0;
}

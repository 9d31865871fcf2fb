/* fuzz_forza.c - libFuzzer harness for the Forza "Data Out" protocol: any
 * byte string must be rejected with a status or decoded, never read out
 * of bounds. A decoded packet is re-encoded and decoded again, which must
 * give the same bytes; every input also goes through one long-lived
 * protocol instance (frames, laps, sessions), flushed now and then. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/forza.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	(void)ctx;
	if (job->lap.n > TB_LAP_MAX_SAMPLES)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct forza_packet p, q;
	static uint8_t b1[TB_DATAGRAM_MAX], b2[TB_DATAGRAM_MAX];
	static void *inst;
	static int64_t now;
	static unsigned calls;
	struct tb_error err;
	size_t n1 = 0, n2 = 0;
	if (!inst && ingest_proto_forza.create(NULL, on_job, NULL, &inst) !=
			     TB_OK)
		__builtin_trap();
	now += 16667;
	(void)ingest_proto_forza.datagram(inst, data, size, now, &err);
	if (++calls % 4096 == 0)
		ingest_proto_forza.flush(inst);
	if (forza_decode(data, size, &p, &err) != TB_OK)
		return 0;
	/* Every byte of every layout is a field: the bytes come back. */
	if (forza_encode(&p, b1, sizeof(b1), &n1) != TB_OK || n1 != size ||
	    memcmp(b1, data, size) != 0)
		__builtin_trap();
	if (forza_decode(b1, n1, &q, &err) != TB_OK)
		__builtin_trap();
	if (forza_encode(&q, b2, sizeof(b2), &n2) != TB_OK || n1 != n2 ||
	    memcmp(b1, b2, n1) != 0)
		__builtin_trap();
	return 0;
}

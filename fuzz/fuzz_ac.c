/* fuzz_ac.c - libFuzzer harness for the Assetto Corsa protocol: any byte
 * string must be rejected with a status or decoded, never read out of
 * bounds. A decoded packet re-encodes and decodes to the same value and
 * bytes; a datagram the sniffer claims must decode; every input also
 * goes through a passive protocol instance (frames, laps, sessions). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drop_lap(void *ctx, struct ingest_lap_job *job)
{
	(void)ctx;
	(void)job;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ac_packet p, q;
	static uint8_t b1[TB_DATAGRAM_MAX], b2[TB_DATAGRAM_MAX];
	static void *inst;
	static unsigned runs;
	static int64_t now = 1000000;
	const struct ingest_proto *pr = &ingest_proto_ac;
	struct tb_error err;
	size_t n1 = 0, n2 = 0;

	if (!inst && pr->create(NULL, drop_lap, NULL, &inst) != TB_OK)
		__builtin_trap();
	now += 16667;
	(void)pr->datagram(inst, data, size, now, &err);
	if (++runs % 10000 == 0)
		pr->flush(inst); /* bound the lap in progress */

	enum tb_status st = ac_decode(data, size, &p, &err);
	if (pr->sniff(data, size) && st != TB_OK)
		__builtin_trap();
	if (st != TB_OK)
		return 0;
	if (ac_encode(&p, b1, sizeof(b1), &n1) != TB_OK || n1 != size)
		__builtin_trap();
	if (ac_decode(b1, n1, &q, &err) != TB_OK ||
	    memcmp(&p, &q, sizeof(p)) != 0)
		__builtin_trap();
	if (ac_encode(&q, b2, sizeof(b2), &n2) != TB_OK || n1 != n2 ||
	    memcmp(b1, b2, n1) != 0)
		__builtin_trap();
	return 0;
}

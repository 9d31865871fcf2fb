/* fuzz_gt7.c - libFuzzer harness for the GT7 / GT Sport Simulator
 * Interface: any byte string must be rejected with a status or decoded,
 * never read out of bounds. A decoded packet is re-encoded, which must
 * give the same bytes. Since random bytes almost never decrypt to the
 * magic, each input of a variant's size is also taken as a PLAINTEXT:
 * magic set, encrypted as the console would, then decoded and fed to two
 * long-lived protocol instances (passive, and heartbeating variant 'A'
 * with a no-op io), so the fuzzer reaches the frames, laps and sessions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/gt7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	(void)ctx;
	if (job->lap.n > TB_LAP_MAX_SAMPLES)
		__builtin_trap();
}

static enum tb_status no_send(void *ctx, uint32_t ip, uint16_t port,
			      const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)ip;
	(void)port;
	if (len != 1 || buf[0] != 'A')
		__builtin_trap();
	return TB_OK;
}

static void roundtrip(const uint8_t *buf, size_t size)
{
	static struct gt7_packet p;
	static uint8_t b1[TB_DATAGRAM_MAX];
	size_t n1 = 0;
	if (gt7_decode(buf, size, &p, NULL) != TB_OK)
		return;
	if (gt7_encode(&p, b1, sizeof(b1), &n1) != TB_OK || n1 != size ||
	    memcmp(b1, buf, size) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void *passive, *peer;
	static int64_t now;
	static unsigned calls;
	static uint8_t buf[TB_DATAGRAM_MAX];
	static const struct ingest_io io = {NULL, no_send};
	if (!passive) {
		struct ingest_opts o = {.peer_ip = 0x7F000001u};
		if (ingest_proto_gt7.create(NULL, on_job, NULL, &passive) !=
			TB_OK ||
		    ingest_proto_gt7.create(&o, on_job, NULL, &peer) != TB_OK)
			__builtin_trap();
	}
	now += 16667;
	(void)ingest_proto_gt7.datagram(passive, data, size, now, NULL);
	roundtrip(data, size);
	if (gt7_variant_of_size(size) >= 0 && size >= 0x44) {
		memcpy(buf, data, size);
		tb_st_u32le(buf, GT7_MAGIC);
		bool gts = size == GT7_SIZE_A && (data[0] & 1);
		if (gt7_encrypt(buf, size, tb_ld_u32le(data + 0x40), gts) !=
		    TB_OK)
			__builtin_trap();
		if (!gt7_sniff(buf, size))
			__builtin_trap();
		roundtrip(buf, size);
		(void)ingest_proto_gt7.datagram(passive, buf, size, now, NULL);
		(void)ingest_proto_gt7.datagram(peer, buf, size, now, NULL);
	}
	ingest_proto_gt7.tick(peer, now, &io);
	if (++calls % 4096 == 0) {
		ingest_proto_gt7.flush(passive);
		ingest_proto_gt7.flush(peer);
	}
	return 0;
}

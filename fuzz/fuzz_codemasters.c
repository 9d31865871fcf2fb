/* fuzz_codemasters.c - libFuzzer harness for the rally protocols: any
 * byte string goes to cm_decode (a decoded packet must re-encode to the
 * same bytes), to wrc_decode with the default structure (the same), to
 * the EA WRC structure JSON reader, and to both protocol instances. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/codemasters.h"
#include "ingest/ea_wrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_job(void *ctx, struct ingest_lap_job *job)
{
	(void)ctx;
	(void)job;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_packet cp;
	static struct wrc_packet wp;
	static struct wrc_schema def, sch;
	static uint8_t b[TB_DATAGRAM_MAX];
	size_t n = 0;
	if (cm_decode(data, size, &cp, NULL) == TB_OK) {
		if (cm_encode(&cp, b, sizeof(b), &n) != TB_OK || n != size ||
		    memcmp(b, data, n) != 0)
			__builtin_trap();
	}
	wrc_schema_default(&def);
	if (wrc_decode(&def, data, size, &wp, NULL) == TB_OK) {
		if (wrc_encode(&def, &wp, b, sizeof(b), &n) != TB_OK ||
		    n != size || memcmp(b + 4, data + 4, n - 4) != 0)
			__builtin_trap();
	}
	if (wrc_schema_parse((const char *)data, size, &sch, NULL) == TB_OK &&
	    sch.off_4cc > (int)sch.header_size)
		__builtin_trap();
	const struct ingest_proto *pr[2] = {&ingest_proto_codemasters,
					    &ingest_proto_ea_wrc};
	for (int i = 0; i < 2; i++) {
		void *inst = NULL;
		if (pr[i]->create(NULL, on_job, NULL, &inst) != TB_OK)
			continue;
		/* the input as a stream of datagrams: 2-byte lengths */
		size_t o = 0;
		int64_t now = 0;
		while (o + 2 <= size) {
			size_t len =
			    (size_t)(data[o] | (data[o + 1] << 8)) % 300;
			o += 2;
			if (len > size - o)
				len = size - o;
			(void)pr[i]->datagram(inst, data + o, len, now, NULL);
			now += 16667;
			o += len;
		}
		pr[i]->tick(inst, now + 70000000, NULL);
		pr[i]->flush(inst);
		pr[i]->destroy(inst);
	}
	return 0;
}

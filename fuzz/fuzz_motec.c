/* fuzz_motec.c - libFuzzer harness for the MoTeC reader: the first byte
 * picks what the rest is: an .ld image alone, an .ldx document, or an .ld
 * image split at a fixed set of beacons. */
#include <stddef.h>
#include <stdint.h>

#include "formats/motec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum tb_status count_lap(void *ctx, const struct tb_session_info *s,
				const struct tb_car_info *car,
				struct tb_lap *lap,
				const struct fmt_lap_meta *meta)
{
	(void)s;
	(void)car;
	(void)meta;
	size_t *n = ctx;
	*n += lap->n;
	return TB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 3;
	data++;
	size--;
	size_t n = 0;
	struct tb_error err;
	struct fmt_ldx x;
	if (mode == 1) {
		if (fmt_ldx_parse(data, size, "fuzz.ldx", &x, &err) == TB_OK)
			fmt_ldx_release(&x);
		return 0;
	}
	static const char beacons[] =
	    "<LDXFile><MarkerGroup Name=\"Beacons\"><Marker Time=\"0\"/>"
	    "<Marker Time=\"100000\"/><Marker Time=\"350000\"/>"
	    "<Marker Time=\"1000000\"/></MarkerGroup></LDXFile>";
	const struct fmt_ldx *use = NULL;
	if (mode == 2) {
		if (fmt_ldx_parse((const uint8_t *)beacons, sizeof(beacons) - 1,
				  "b.ldx", &x, &err) != TB_OK)
			return 0;
		use = &x;
	}
	(void)fmt_motec_parse(data, size, "fuzz.ld", use, count_lap, &n, &err);
	if (use)
		fmt_ldx_release(&x);
	return 0;
}

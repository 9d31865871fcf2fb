/* fuzz_f1ti.c - libFuzzer harness for the TracingInsights JSON parsers:
 * the input is parsed as a tel file, a laptimes.json and a drivers.json
 * (exactly sized copy), and sniffed. A failed tel parse must leave the
 * lap empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/f1ti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct tb_error err;
	struct tb_lap lap;
	tb_lap_init(&lap);
	char key[32];
	enum tb_status st = fmt_f1ti_parse_tel(buf, size, "fuzz", 1, &lap, key,
					       sizeof(key), &err);
	if (st != TB_OK && lap.n != 0)
		abort();
	tb_lap_release(&lap);
	struct fmt_f1ti_lapinfo li;
	(void)fmt_f1ti_parse_laptimes(buf, size, "fuzz", 1, &li, &err);
	int idx;
	char team[16];
	(void)fmt_f1ti_parse_drivers(buf, size, "fuzz", "PIA", &idx, team,
				     sizeof(team), &err);
	(void)fmt_f1ti_sniff(buf, size, NULL);
	free(buf);
	return 0;
}

/* fuzz_f1lt.c - libFuzzer harness for F1 live-timing archives: any byte
 * string as the timing stream, as a car data (".z") stream and as a
 * driver list must parse or fail with a status, never read out of
 * bounds or leak; a failed parse hands no lap over. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/f1lt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum tb_status count_lap(void *ctx, const struct tb_session_info *s,
				const struct tb_car_info *car,
				struct tb_lap *lap,
				const struct fmt_lap_meta *meta,
				const struct f1lt_lap_info *info)
{
	size_t *n = ctx;
	(void)s;
	(void)car;
	(void)meta;
	(void)info;
	if (lap->n < 1)
		__builtin_trap();
	(*n)++;
	return TB_OK;
}

static const char timing[] =
    "00:00:01.000{\"Lines\":{\"44\":{\"NumberOfLaps\":1}}}\n"
    "00:01:31.000{\"Lines\":{\"44\":{\"NumberOfLaps\":2,\"LastLapTime\":"
    "{\"Value\":\"1:30.000\"}}}}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct f1lt_input in;
	struct tb_error err;
	size_t n = 0;

	memset(&in, 0, sizeof(in));
	in.timing = (struct f1lt_stream){"T", data, size, NULL, NULL};
	if (f1lt_parse(&in, count_lap, &n, NULL, &err) != TB_OK && n != 0)
		__builtin_trap();

	n = 0;
	in.timing = (struct f1lt_stream){"T", (const uint8_t *)timing,
					 sizeof(timing) - 1, NULL, NULL};
	in.car_data = (struct f1lt_stream){"C", data, size, NULL, NULL};
	in.position = in.car_data;
	in.drivers = in.car_data;
	enum tb_status st = f1lt_parse(&in, count_lap, &n, NULL, &err);
	if (st != TB_OK && n != 0)
		__builtin_trap();
	if (st == TB_OK && n != 1)
		__builtin_trap();
	return 0;
}

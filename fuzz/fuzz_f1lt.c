/* fuzz_f1lt.c - libFuzzer harness for F1 live-timing archives: any byte
 * string as the timing stream, as a car data (".z") stream and as a
 * driver list must parse or fail with a status, never read out of
 * bounds or leak; a failed parse hands no lap over. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

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

/* The input as the inflated JSON of one ".z" line: raw DEFLATE, then
 * base64, framed as "00:00:01.000\"...\"". Returns the line's length (0
 * if it does not fit). */
static size_t z_line(const uint8_t *data, size_t size, char *out, size_t cap)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
				  "rstuvwxyz0123456789+/";
	static uint8_t def[1 << 18];
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)size;
	z.next_out = def;
	z.avail_out = sizeof(def);
	int zr = deflate(&z, Z_FINISH);
	size_t dn = sizeof(def) - z.avail_out;
	deflateEnd(&z);
	if (zr != Z_STREAM_END)
		return 0;
	size_t need = 12 + 2 + 4 * ((dn + 2) / 3) + 1;
	if (need > cap)
		return 0;
	memcpy(out, "00:00:01.000\"", 13);
	size_t o = 13;
	for (size_t i = 0; i < dn; i += 3) {
		uint32_t v = (uint32_t)def[i] << 16;
		if (i + 1 < dn)
			v |= (uint32_t)def[i + 1] << 8;
		if (i + 2 < dn)
			v |= def[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < dn ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < dn ? b64[v & 63] : '=';
	}
	out[o++] = '"';
	out[o++] = '\n';
	return o;
}

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

	/* The input as decompressed car data and positions: the JSON pull
	 * reader and the entry walkers see arbitrary JSON. */
	static char line[1 << 19];
	size_t ln = z_line(data, size, line, sizeof(line));
	if (ln == 0)
		return 0;
	n = 0;
	in.car_data =
	    (struct f1lt_stream){"C", (const uint8_t *)line, ln, NULL, NULL};
	in.position = in.car_data;
	memset(&in.drivers, 0, sizeof(in.drivers));
	st = f1lt_parse(&in, count_lap, &n, NULL, &err);
	if (st != TB_OK && n != 0)
		__builtin_trap();
	return 0;
}

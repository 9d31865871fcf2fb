/* fuzz_csv.c - libFuzzer harness for the CSV importer: the input goes
 * through fmt_csv_parse (exactly sized copy so ASan sees any read past
 * the end) with default options, then with distance base and explicit
 * scales (chosen by the first byte), and through the sniffer. A failed
 * parse must hand over no lap. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum tb_status take(void *ctx, const struct tb_session_info *s,
			   const struct tb_car_info *car, struct tb_lap *lap,
			   const struct fmt_lap_meta *meta)
{
	(void)s;
	(void)car;
	(void)meta;
	size_t *n = ctx;
	(*n)++;
	/* Touch every sample so ASan checks the columns. */
	double acc = 0;
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if (lap->chans & TB_CHBIT(ch))
			for (size_t i = 0; i < lap->n; i++)
				acc += lap->col[ch][i];
	return acc == 12345.678 ? TB_ERR_INTERNAL : TB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	struct tb_error err;
	size_t n = 0;
	enum tb_status st =
	    fmt_csv_parse(buf, size, "fuzz.csv", NULL, take, &n, NULL, &err);
	if (st != TB_OK && st != TB_ERR_INTERNAL && n != 0)
		abort(); /* a failed file handed laps over */
	struct fmt_csv_options o;
	fmt_csv_options_init(&o);
	if (size && (data[0] & 1))
		o.distance_base = true;
	if (size && (data[0] & 2))
		o.speed_scale = 0.5;
	if (size && (data[0] & 4))
		o.pedal_scale = 0.01;
	if (size && (data[0] & 8) &&
	    fmt_csv_parse_map("speed=b,lap=c,time=a", &o, &err) != TB_OK)
		abort();
	n = 0;
	st = fmt_csv_parse(buf, size, "fuzz.csv", &o, take, &n, NULL, &err);
	if (st != TB_OK && st != TB_ERR_INTERNAL && n != 0)
		abort();
	(void)fmt_csv_sniff(buf, size, NULL);
	free(buf);
	return 0;
}

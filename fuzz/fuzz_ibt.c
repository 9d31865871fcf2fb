/* fuzz_ibt.c - libFuzzer harness for the .ibt reader: any byte string
 * is parsed (every variable of the first rows read back), imported into
 * laps (whose invariants are checked: samples present, masks within the
 * lap's channels, steer within -1..1, finite values) and read as session
 * YAML; nothing may read out of bounds, leak or crash. ibt.c and
 * ibt_yaml.c are built into the target so libFuzzer sees their coverage. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ibt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum tb_status check_lap(void *ctx, const struct tb_session_info *si,
				const struct tb_car_info *car,
				struct tb_lap *lap,
				const struct fmt_lap_meta *meta)
{
	(void)ctx;
	(void)car;
	if (lap->n == 0 || si->track[TB_NAME_MAX - 1] != '\0' ||
	    meta->car[TB_NAME_MAX - 1] != '\0')
		__builtin_trap();
	for (size_t i = 0; i < lap->n; i++) {
		if (lap->mask[i] & ~lap->chans)
			__builtin_trap();
		for (int ch = 0; ch < TB_CH__COUNT; ch++) {
			if (!(lap->mask[i] & TB_CHBIT(ch)))
				continue;
			double v = lap->col[ch][i];
			if (!isfinite(v))
				__builtin_trap();
			if (ch == TB_CH_STEER && (v < -1 || v > 1))
				__builtin_trap();
		}
	}
	return TB_OK;
}

static void parse_and_walk(const uint8_t *data, size_t size)
{
	struct ibt_file *f;
	if (ibt_parse(data, size, "fuzz", &f, NULL) != TB_OK)
		return;
	const struct ibt_info *in = ibt_info(f);
	size_t rows = in->n_rows < 64 ? in->n_rows : 64;
	for (size_t r = 0; r < rows; r++)
		for (size_t i = 0; i < in->n_vars; i++) {
			const struct ibt_var *v = ibt_var_at(f, i);
			(void)ibt_value(f, v, r, v->count - 1);
		}
	const struct ibt_yaml *y = ibt_session(f);
	(void)ibt_yaml_get(y, 0, "DriverInfo.Drivers[0].UserName");
	ibt_destroy(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_and_walk(data, size);
	struct tb_error err;
	(void)ibt_import_buf(data, size, "fuzz", check_lap, NULL, &err);
	struct ibt_yaml *y;
	if (ibt_yaml_parse((const char *)data, size, &y) == TB_OK) {
		int n = ibt_yaml_get(y, 0, "WeekendInfo.TrackLength");
		double v;
		(void)ibt_yaml_num(y, n, &v, NULL);
		(void)ibt_yaml_item_where(y, ibt_yaml_get(y, 0, "a.b"), "c",
					  "1");
		ibt_yaml_destroy(y);
	}
	return 0;
}

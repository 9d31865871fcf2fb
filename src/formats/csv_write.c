/* csv_write.c - CSV export in trailbrake's own dialect: the magic
 * line, percent-encoded session, car and lap comment lines, then one
 * row per sample in canonical channels and units. */
#include "csv_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* Writer. */

static void pct_encode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (; *s && o + 4 < cap; s++) {
		uint8_t b = (uint8_t)*s;
		if (fmt__csv_pct_char_plain(b)) {
			out[o++] = (char)b;
		} else {
			out[o++] = '%';
			out[o++] = hex[b >> 4];
			out[o++] = hex[b & 15];
		}
	}
	out[o] = '\0';
}

enum tb_status fmt_csv_write_laps(FILE *f, const struct tb_session_info *s,
				  const struct tb_car_info *car,
				  const struct tb_lap *laps, size_t n,
				  struct tb_error *err)
{
	if (!f || !s || !car || !laps || n == 0)
		return tb_fail(err, TB_ERR_ARG, "csv writer: nothing to write");
	if (n > FMT_LAPS_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "csv writer: %zu laps, at "
			       "most %u",
			       n, FMT_LAPS_MAX);
	tb_chmask chans = 0;
	for (size_t k = 0; k < n; k++) {
		const struct tb_lap *l = &laps[k];
		chans |= l->chans;
		for (int ch = 0; ch < TB_CH__COUNT; ch++) {
			if (!(l->chans & TB_CHBIT(ch)))
				continue;
			for (size_t i = 0; i < l->n; i++)
				if ((l->mask[i] & TB_CHBIT(ch)) &&
				    !isfinite(l->col[ch][i]))
					return tb_fail(
					    err, TB_ERR_RANGE,
					    "csv writer: lap %" PRIu32
					    " sample %zu: %s is not finite",
					    l->lap_number, i,
					    tb_channel_name(
						(enum tb_channel)ch));
		}
	}
	char a[3 * TB_NAME_MAX + 1], b[3 * TB_NAME_MAX + 1];
	pct_encode(s->track, a, sizeof(a));
	pct_encode(s->layout, b, sizeof(b));
	fprintf(f, OWN_MAGIC "\n");
	fprintf(f,
		"# session: source_uid=%" PRIu64 " game=%d packet_format=%u "
		"game_year=%u game_major=%u game_minor=%u track_id=%" PRId32
		" track=%s layout=%s track_length_m=%.17g kind=%d "
		"game_session_type=%" PRId32 " car_class=%d weather=%" PRId32
		" air_temp_c=%" PRId32 " track_temp_c=%" PRId32
		" start_unix_ms=%" PRId64 "\n",
		s->source_uid, (int)s->game, (unsigned)s->packet_format,
		(unsigned)s->game_year, (unsigned)s->game_major,
		(unsigned)s->game_minor, s->track_id, a, b, s->track_length_m,
		(int)s->kind, s->game_session_type, (int)s->car_class,
		s->weather, s->air_temp_c, s->track_temp_c, s->start_unix_ms);
	pct_encode(car->driver, a, sizeof(a));
	fprintf(f,
		"# car: index=%u driver=%s team_id=%" PRId32
		" race_number=%" PRId32 " ai=%d\n",
		(unsigned)car->car_index, a, car->team_id, car->race_number,
		car->ai ? 1 : 0);
	for (size_t k = 0; k < n; k++) {
		const struct tb_lap *l = &laps[k];
		fprintf(f,
			"# lap: car=%u number=%" PRIu32 " lap_time_ms=%" PRId32
			" sectors=%" PRId32 "/%" PRId32 "/%" PRId32
			" flags=0x%" PRIx32 " n=%zu chans=0x%" PRIx64 "\n",
			(unsigned)l->car_index, l->lap_number, l->lap_time_ms,
			l->sector_ms[0], l->sector_ms[1], l->sector_ms[2],
			l->flags, l->n, (uint64_t)l->chans);
	}
	fputs("lap", f);
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if (chans & TB_CHBIT(ch))
			fprintf(f, ",%s", tb_channel_name((enum tb_channel)ch));
	fputc('\n', f);
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if (chans & TB_CHBIT(ch))
			fprintf(f, ",%s", tb_channel_unit((enum tb_channel)ch));
	fputc('\n', f);
	char line[64 * (TB_CH__COUNT + 1)];
	for (size_t k = 0; k < n; k++) {
		const struct tb_lap *l = &laps[k];
		for (size_t i = 0; i < l->n; i++) {
			int o = snprintf(line, sizeof(line), "%" PRIu32,
					 l->lap_number);
			for (int ch = 0; ch < TB_CH__COUNT; ch++) {
				if (!(chans & TB_CHBIT(ch)))
					continue;
				line[o++] = ',';
				if (l->mask[i] & TB_CHBIT(ch))
					o += snprintf(line + o,
						      sizeof(line) - (size_t)o,
						      "%.17g", l->col[ch][i]);
			}
			line[o++] = '\n';
			fwrite(line, 1, (size_t)o, f);
		}
	}
	fputs("# end\n", f);
	if (ferror(f) || fflush(f) != 0)
		return tb_fail(err, TB_ERR_IO, "csv writer: write error: %s",
			       strerror(errno));
	return TB_OK;
}

enum tb_status fmt_csv_write(FILE *f, const struct tb_session_info *s,
			     const struct tb_car_info *car,
			     const struct tb_lap *lap, struct tb_error *err)
{
	return fmt_csv_write_laps(f, s, car, lap, 1, err);
}

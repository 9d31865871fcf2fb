/* importers.c - the registry of file importers and detection by
 * content. Packet captures are not here: a capture is a stream of UDP
 * datagrams, imported through the protocol decoders (server/sink.c). */
#include "formats.h"
#include "ibt.h"

#include <errno.h>
#include <stdio.h>

static const struct fmt_importer *const importers[] = {
	NULL, /* keeps the table non-empty */
	&fmt_importer_ibt,
	&fmt_importer_motec_ld,
	&fmt_importer_f1_tracinginsights,
	&fmt_importer_f1_livetiming,
	&fmt_importer_csv,
};

#define N_SLOTS (sizeof(importers) / sizeof(importers[0]))

const struct fmt_importer *const *fmt_importers(size_t *n)
{
	*n = N_SLOTS - 1;
	return importers + 1;
}

const struct fmt_importer *fmt_detect(const char *path, struct tb_error *err)
{
	uint8_t head[8192];
	FILE *f = fopen(path, "rb");
	if (!f) {
		tb_fail(err, TB_ERR_IO, "%s: cannot open: %s", path,
			strerror(errno));
		return NULL;
	}
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	for (size_t i = 1; i < N_SLOTS; i++)
		if (importers[i]->sniff(head, n, path))
			return importers[i];
	tb_fail(err, TB_ERR_FORMAT,
		"%s: not a format trailbrake reads (%zu bytes; expected a "
		"capture, .ibt, .ld, CSV or F1 timing data)",
		path, n);
	return NULL;
}

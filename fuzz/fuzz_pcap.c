/* fuzz_pcap.c - libFuzzer harness for the capture reader: each input is
 * written to a temporary file and read to the end through
 * fmt_pcap_reader_open/fmt_pcap_next; the same bytes also go straight
 * into the frame parser (first byte picks the link type), where an
 * exactly sized buffer lets ASan see any read past the frame. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/pcap.h"
#include "formats/pcap_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmp_path[256];

static void remove_tmp(void)
{
	unlink(tmp_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(tmp_path, sizeof(tmp_path), "%s/fuzz_pcap.XXXXXX", dir);
	int fd = mkstemp(tmp_path);
	if (fd < 0)
		abort();
	close(fd);
	atexit(remove_tmp);
	return 0;
}

static void read_file_through(const uint8_t *data, size_t size)
{
	FILE *f = fopen(tmp_path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	struct fmt_pcap_reader *r;
	struct fmt_udp_datagram d;
	if (fmt_pcap_reader_open(tmp_path, &r, NULL) != TB_OK)
		return;
	while (fmt_pcap_next(r, &d, NULL) == TB_OK) {
		if (d.len > 65535)
			abort();
	}
	const struct fmt_pcap_stats *s = fmt_pcap_reader_stats(r);
	if (s->frames !=
	    s->udp + s->not_udp + s->fragments + s->truncated + s->bad_header)
		abort();
	fmt_pcap_reader_close(r);
}

static void parse_frame_direct(const uint8_t *data, size_t size)
{
	static const int dlts[] = {0, 1, 12, 108, 113, 228, 229, 276};
	if (size < 1)
		return;
	int dlt = dlts[data[0] % 8];
	uint8_t *copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return;
	memcpy(copy, data + 1, size - 1);
	struct fmt_udp_datagram d;
	if (fmt__pcap_parse_frame(dlt, copy, size - 1, &d) == FMT__FRAME_UDP &&
	    (d.payload < copy || d.payload + d.len > copy + size - 1))
		abort();
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_file_through(data, size);
	parse_frame_direct(data, size);
	return 0;
}

/* bench_f1lt.c - F1 live-timing import throughput: a big session folder
 * synthesised in /tmp from the real Miami 2025 TimingData stream (copies
 * with times shifted by 2 h each, about 40 MB) plus its DriverList and
 * SessionInfo, and a CarData.z stream (20 cars, 4 Hz, 4 entries a line)
 * covering it. Reports MB/s and laps/s for timing only and with car
 * data, against a target of 50 MB/s (JSON text, not binary). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "formats/f1lt.h"

#define TARGET_MBS 50.0
#define COPIES	   18
#define DIR	   "/tmp/tb-bench-f1lt"

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(sz > 0 ? (size_t)sz : 1);
	if (b && sz > 0 && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*n = (size_t)sz;
	return b;
}

static int copy(const char *from, const char *to)
{
	size_t n;
	uint8_t *b = slurp(from, &n);
	FILE *f = fopen(to, "wb");
	int rc = b && f && fwrite(b, 1, n, f) == n ? 0 : -1;
	if (f)
		fclose(f);
	free(b);
	return rc;
}

/* TimingData repeated with each line's time shifted by k * 2 h. */
static int write_timing(const uint8_t *src, size_t n, const char *to)
{
	FILE *f = fopen(to, "wb");
	if (!f)
		return -1;
	for (int k = 0; k < COPIES; k++) {
		size_t pos = (n >= 3 && src[0] == 0xef) ? 3 : 0;
		if (k == 0 && pos)
			fwrite(src, 1, 3, f);
		while (pos + 12 < n) {
			const uint8_t *nl = memchr(src + pos, '\n', n - pos);
			size_t end = nl ? (size_t)(nl - src) + 1 : n;
			int h = (src[pos] - '0') * 10 + src[pos + 1] - '0';
			fprintf(f, "%02d", h + 2 * k);
			fwrite(src + pos + 2, 1, end - pos - 2, f);
			pos = end;
		}
	}
	return fclose(f);
}

static void b64(FILE *f, const uint8_t *z, size_t zn)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
				 "opqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < zn; i += 3) {
		uint32_t w = (uint32_t)z[i] << 16;
		if (i + 1 < zn)
			w |= (uint32_t)z[i + 1] << 8;
		if (i + 2 < zn)
			w |= z[i + 2];
		fputc(al[w >> 18 & 63], f);
		fputc(al[w >> 12 & 63], f);
		fputc(i + 1 < zn ? al[w >> 6 & 63] : '=', f);
		fputc(i + 2 < zn ? al[w & 63] : '=', f);
	}
}

/* Car data for 20 cars at 4 Hz over the first 2 h (session 0 = UTC
 * 2025-05-03T15:00:00Z). */
static int write_car(const char *to)
{
	static const int cars[20] = {1,	 4,  5,	 6,  7,	 10, 12, 14, 16, 18,
				     22, 23, 27, 30, 31, 44, 55, 63, 81, 87};
	static char json[65536];
	static uint8_t z[65536];
	FILE *f = fopen(to, "wb");
	if (!f)
		return -1;
	for (long ms = 0; ms < 7200000; ms += 1000) {
		size_t o = 0;
		o += (size_t)snprintf(json, sizeof(json), "{\"Entries\":[");
		for (int j = 0; j < 4; j++) {
			long e = ms + j * 250;
			o += (size_t)snprintf(
			    json + o, sizeof(json) - o,
			    "%s{\"Utc\":\"2025-05-03T%02ld:%02ld:%02ld."
			    "%03ldZ\",\"Cars\":{",
			    j ? "," : "", 15 + e / 3600000, e / 60000 % 60,
			    e / 1000 % 60, e % 1000);
			for (int c = 0; c < 20; c++)
				o += (size_t)snprintf(
				    json + o, sizeof(json) - o,
				    "%s\"%d\":{\"Channels\":{\"0\":%ld,"
				    "\"2\":%ld,\"3\":%ld,\"4\":%ld,\"5\":"
				    "%d,\"45\":%d}}",
				    c ? "," : "", cars[c], 9000 + e % 3000,
				    e / 100 % 330, e / 7 % 9, e / 3 % 101,
				    (int)(e / 250 % 2) * 100, 8);
			o += (size_t)snprintf(json + o, sizeof(json) - o, "}}");
		}
		o += (size_t)snprintf(json + o, sizeof(json) - o, "]}");
		z_stream s;
		memset(&s, 0, sizeof(s));
		deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
		s.next_in = (Bytef *)json;
		s.avail_in = (uInt)o;
		s.next_out = z;
		s.avail_out = sizeof(z);
		deflate(&s, Z_FINISH);
		size_t zn = sizeof(z) - s.avail_out;
		deflateEnd(&s);
		long t = ms + 1000;
		fprintf(f, "%02ld:%02ld:%02ld.%03ld\"", t / 3600000,
			t / 60000 % 60, t / 1000 % 60, t % 1000);
		b64(f, z, zn);
		fputs("\"\r\n", f);
	}
	return fclose(f);
}

struct counts {
	size_t laps, samples;
};

static enum tb_status count(void *ctx, const struct tb_session_info *s,
			    const struct tb_car_info *car, struct tb_lap *lap,
			    const struct fmt_lap_meta *meta)
{
	struct counts *c = ctx;
	(void)s;
	(void)car;
	(void)meta;
	c->laps++;
	c->samples += lap->n;
	return TB_OK;
}

static double file_mb(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
}

static int run(const char *label, double mb)
{
	struct counts c = {0, 0};
	struct tb_error err;
	int reps = 0;
	uint64_t t0 = tb_now_ns(), t1;
	do {
		c.laps = c.samples = 0;
		if (fmt_importer_f1_livetiming.import(
			DIR "/TimingData.jsonStream", count, &c, NULL, &err) !=
		    TB_OK) {
			fprintf(stderr, "import: %s\n", err.msg);
			return 1;
		}
		reps++;
		t1 = tb_now_ns();
	} while (t1 - t0 < 1000000000ull);
	double s = (double)(t1 - t0) / 1e9 / reps;
	double mbs = mb / s;
	printf("%-22s %7.1f MB in %.3f s: %7.1f MB/s, %8.0f laps/s, "
	       "%9.0f samples/s (target %.0f MB/s) %s\n",
	       label, mb, s, mbs, (double)c.laps / s, (double)c.samples / s,
	       TARGET_MBS, mbs >= TARGET_MBS ? "PASS" : "FAIL");
	return mbs >= TARGET_MBS ? 0 : 1;
}

int main(void)
{
	const char *data = getenv("TRAILBRAKE_DATA");
	char src[1024];
	size_t n;
	if (!data)
		data = "../shared/data";
	snprintf(src, sizeof(src),
		 "%s/f1-livetiming-fastf1-testdata/2025-Miami-Sprint/", data);
	char p[1200];
	snprintf(p, sizeof(p), "%sTimingData.jsonStream", src);
	uint8_t *timing = slurp(p, &n);
	if (!timing) {
		printf("SKIP: %s not found (set TRAILBRAKE_DATA)\n", p);
		return 0;
	}
	mkdir(DIR, 0755);
	int rc = write_timing(timing, n, DIR "/TimingData.jsonStream");
	free(timing);
	snprintf(p, sizeof(p), "%sDriverList.jsonStream", src);
	rc |= copy(p, DIR "/DriverList.jsonStream");
	snprintf(p, sizeof(p), "%sSessionInfo.jsonStream", src);
	rc |= copy(p, DIR "/SessionInfo.jsonStream");
	unlink(DIR "/CarData.z.jsonStream");
	if (rc) {
		fprintf(stderr, "cannot write %s\n", DIR);
		return 1;
	}
	double mb = file_mb(DIR "/TimingData.jsonStream") +
		    file_mb(DIR "/DriverList.jsonStream") +
		    file_mb(DIR "/SessionInfo.jsonStream");
	rc |= run("timing only", mb);
	if (write_car(DIR "/CarData.z.jsonStream") != 0)
		return 1;
	mb += file_mb(DIR "/CarData.z.jsonStream");
	rc |= run("timing + CarData.z", mb);
	return rc;
}

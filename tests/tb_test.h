/* tb_test.h - shared helpers for the test programs: finding the shared
 * recordings (TRAILBRAKE_DATA) and skipping cleanly when absent, reading
 * whole files, and temporary paths. */
#ifndef TB_TEST_H
#define TB_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define TB_SKIP_CODE 77

/* Directory of the shared recordings, or NULL if it does not exist. */
static inline const char *tbt_data_dir(void)
{
	const char *d = getenv("TRAILBRAKE_DATA");
	if (!d || !*d)
		d = "../shared/data";
	if (access(d, R_OK) != 0)
		return NULL;
	return d;
}

/* Exit with SKIP (77) and a clear message when the data is absent. */
static inline const char *tbt_data_or_skip(const char *what)
{
	const char *d = tbt_data_dir();
	if (!d) {
		printf("SKIP: %s needs TRAILBRAKE_DATA (the shared recordings)"
		       " and it is absent\n", what);
		exit(TB_SKIP_CODE);
	}
	return d;
}

/* Read a whole file into a malloc'd buffer; NULL on failure. */
static inline uint8_t *tbt_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		*len = (size_t)n;
	return buf;
}

/* Make a fresh temporary directory; returns a static-lifetime copy. */
static inline char *tbt_tmpdir(void)
{
	char tmpl[] = "/tmp/tbtest.XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

/* Sleep for ms milliseconds (usleep is not POSIX 2008). */
static inline void tbt_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0) {
	}
}

#endif /* TB_TEST_H */

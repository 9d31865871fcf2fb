/* bench_store.c - the store's numbers on a realistic 90 s, 60 Hz lap:
 * blob bytes per channel-sample against the 2.0 target (PASS/FAIL),
 * encode and decode speed in samples/s, and laps/s written to SQLite. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lapgen.h"
#include "store/lapblob.h"
#include "store/store.h"

#define TARGET_BYTES 2.0
#define CODEC_ROUNDS 20
#define DB_LAPS	     200

static double secs(uint64_t t0)
{
	return (double)(tb_now_ns() - t0) / 1e9;
}

static int fail(const char *what, enum tb_status st, const struct tb_error *e)
{
	fprintf(stderr, "bench_store: %s: %s: %s\n", what, tb_status_name(st),
		e->msg);
	return 1;
}

static int write_laps(const struct tb_lap *lap, double *laps_per_s)
{
	char dir[] = "/tmp/tbbench.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char url[128], path[96];
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	struct store *st;
	struct tb_error err;
	enum tb_status rc = store_open(url, &st, &err);
	if (rc != TB_OK)
		return fail("open", rc, &err);
	struct tb_session_info in;
	memset(&in, 0, sizeof(in));
	in.source_uid = 42;
	in.game = TB_GAME_F1_25;
	int64_t sid, lid;
	rc = store_session_put(st, &in, &sid, &err);
	struct tb_lap l = *lap; /* shallow: only metadata changes */
	uint64_t t0 = tb_now_ns();
	for (uint32_t i = 0; i < DB_LAPS && rc == TB_OK; i++) {
		l.lap_number = i + 1;
		rc = store_lap_put(st, sid, &l, &lid, &err);
	}
	*laps_per_s = DB_LAPS / secs(t0);
	store_close(st);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bench.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bench.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return rc == TB_OK ? 0 : fail("lap_put", rc, &err);
}

int main(void)
{
	struct tb_lap lap, back;
	tb_lap_init(&lap);
	tb_lap_init(&back);
	struct tb_buf blob;
	tb_buf_init(&blob, TB_BLOB_MAX_BYTES);
	struct tb_error err;
	struct lapblob_stats stats;
	enum tb_status rc = lg_realistic_lap(&lap, 90.0, 1);
	if (rc != TB_OK)
		return fail("generate", rc, &err);
	int nch = __builtin_popcountll(lap.chans);

	uint64_t t0 = tb_now_ns();
	for (int i = 0; i < CODEC_ROUNDS && rc == TB_OK; i++)
		rc = lapblob_encode(&lap, &blob, &stats, &err);
	double enc_s = secs(t0) / CODEC_ROUNDS;
	if (rc != TB_OK)
		return fail("encode", rc, &err);
	t0 = tb_now_ns();
	for (int i = 0; i < CODEC_ROUNDS && rc == TB_OK; i++)
		rc = lapblob_decode(blob.data, blob.len, &back, &err);
	double dec_s = secs(t0) / CODEC_ROUNDS;
	if (rc != TB_OK)
		return fail("decode", rc, &err);
	back.lap_time_ms = lap.lap_time_ms;
	bool same = tb_lap_equal(&back, &lap);

	double per = (double)blob.len / ((double)lap.n * nch);
	printf("lap: %zu samples x %d channels (90 s at 60 Hz), raw %zu "
	       "bytes as doubles\n",
	       lap.n, nch, lap.n * (size_t)nch * 8);
	printf("blob: %zu bytes (body %zu before zstd), %.3f B per "
	       "channel-sample, target <= %.1f: %s\n",
	       blob.len, stats.body_bytes, per, TARGET_BYTES,
	       per <= TARGET_BYTES ? "PASS" : "FAIL");
	printf("round trip bit-for-bit: %s\n", same ? "yes" : "NO");
	printf("encode: %.2f ms/lap, %.2f M samples/s (%.1f M "
	       "channel-samples/s)\n",
	       enc_s * 1e3, lap.n / enc_s / 1e6, lap.n * nch / enc_s / 1e6);
	printf("decode: %.2f ms/lap, %.2f M samples/s (%.1f M "
	       "channel-samples/s)\n",
	       dec_s * 1e3, lap.n / dec_s / 1e6, lap.n * nch / dec_s / 1e6);
	double lps = 0;
	int bad = write_laps(&lap, &lps);
	if (!bad)
		printf("sqlite: %d laps written, %.1f laps/s (encode + one "
		       "transaction each)\n",
		       DB_LAPS, lps);
	tb_buf_release(&blob);
	tb_lap_release(&back);
	tb_lap_release(&lap);
	return bad || !same || per > TARGET_BYTES;
}

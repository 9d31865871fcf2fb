/* bench_ibt.c - .ibt import throughput. Builds a big valid file in /tmp
 * from the rows of the shared recording (header, variables and session
 * info kept; rows repeated with SessionTime, Lap and LapLastLapTime
 * rewritten so that it holds laps of 5000 rows), then imports it through
 * fmt_importer_ibt and reports MB/s and samples/s against the target of
 * 200 MB/s. Usage: bench_ibt [MB] (default 400). Without the shared
 * recordings it says so and exits 0. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/ibt.h"

#define TARGET_MBS  200.0
#define LAP_ROWS    5000
#define DEFAULT_MB  400
#define SOURCE_FILE "iracing-ibt-teamjorge/valid_test_file.ibt"

struct count {
	uint64_t laps, samples, timed;
};

static enum tb_status count_lap(void *ctx, const struct tb_session_info *si,
				const struct tb_car_info *car,
				struct tb_lap *lap,
				const struct fmt_lap_meta *meta)
{
	(void)si;
	(void)car;
	(void)meta;
	struct count *c = ctx;
	c->laps++;
	c->samples += lap->n;
	if (lap->lap_time_ms != TB_TIME_UNKNOWN &&
	    !(lap->flags & TB_LAP_INCOMPLETE))
		c->timed++;
	return TB_OK;
}

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = b ? (size_t)n : 0;
	return b;
}

static void put_var(uint8_t *row, const struct ibt_var *v, double x)
{
	if (!v)
		return;
	uint8_t *p = row + v->offset;
	if (v->type == IBT_DOUBLE)
		tb_st_f64le(p, x);
	else if (v->type == IBT_FLOAT)
		tb_st_f32le(p, (float)x);
	else if (v->type == IBT_INT)
		tb_st_u32le(p, (uint32_t)(int32_t)x);
}

/* Write the synthetic file; returns its size or 0. */
static size_t synthesise(const char *src, const char *dst, size_t want)
{
	size_t len;
	uint8_t *b = read_all(src, &len);
	struct ibt_file *f = NULL;
	size_t out_len = 0;
	struct tb_buf out;
	tb_buf_init(&out, (size_t)FMT_FILE_MAX);
	if (!b || ibt_parse(b, len, src, &f, NULL) != TB_OK)
		goto done;
	const struct ibt_info *in = ibt_info(f);
	size_t bl = in->buf_len, n_src = in->n_rows;
	size_t n_rows = want / bl;
	struct ibt_var *vars = malloc(in->n_vars * sizeof(*vars));
	uint8_t *rows = malloc(n_rows * bl);
	if (!vars || !rows) {
		free(vars);
		free(rows);
		goto done;
	}
	for (size_t i = 0; i < in->n_vars; i++)
		vars[i] = *ibt_var_at(f, i);
	const struct ibt_var *t = ibt_var_find(f, "SessionTime");
	const struct ibt_var *lap = ibt_var_find(f, "Lap");
	const struct ibt_var *last = ibt_var_find(f, "LapLastLapTime");
	double dt = 1.0 / in->tick_rate;
	for (size_t r = 0; r < n_rows; r++) {
		uint8_t *p = rows + r * bl;
		memcpy(p, ibt_row(f, r % n_src), bl);
		put_var(p, t, 1000.0 + (double)r * dt);
		put_var(p, lap, (double)(1 + r / LAP_ROWS));
		/* the previous lap's time shows 3 ticks after the line,
		 * a millisecond longer each lap so that every lap's value
		 * differs from the one before */
		double lt = -1;
		if (r >= 2 * LAP_ROWS + 3)
			lt = LAP_ROWS * dt +
			     0.001 * (double)((r - 3) / LAP_ROWS);
		put_var(p, last, lt);
	}
	size_t yl;
	const char *yaml = ibt_session_text(f, &yl);
	struct ibt_build bd = {
	    .vars = vars,
	    .n_vars = in->n_vars,
	    .yaml = yaml,
	    .yaml_len = yl,
	    .rows = rows,
	    .n_rows = n_rows,
	    .buf_len = bl,
	    .tick_rate = in->tick_rate,
	    .start_date = in->start_date,
	    .start_time = 1000.0,
	    .end_time = 1000.0 + (double)(n_rows - 1) * dt,
	    .lap_count = (int32_t)(n_rows / LAP_ROWS + 1),
	};
	if (ibt_build(&bd, &out) == TB_OK) {
		FILE *o = fopen(dst, "wb");
		if (o && fwrite(out.data, 1, out.len, o) == out.len)
			out_len = out.len;
		if (o)
			fclose(o);
	}
	free(vars);
	free(rows);
done:
	tb_buf_release(&out);
	ibt_destroy(f);
	free(b);
	return out_len;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : DEFAULT_MB;
	if (mb == 0 || mb > 3000)
		mb = DEFAULT_MB;
	const char *data = getenv("TRAILBRAKE_DATA");
	if (!data || !*data)
		data = "../shared/data";
	char src[1024], dst[256];
	snprintf(src, sizeof(src), "%s/%s", data, SOURCE_FILE);
	if (access(src, R_OK) != 0) {
		printf("ibt: SKIP, %s absent (set TRAILBRAKE_DATA)\n", src);
		return 0;
	}
	snprintf(dst, sizeof(dst), "/tmp/bench_ibt.%ld.ibt", (long)getpid());
	size_t size = synthesise(src, dst, mb << 20);
	if (!size) {
		printf("ibt: cannot build %s\n", dst);
		return 1;
	}
	double best = 0;
	struct count c = {0};
	int rc = 0;
	for (int run = 0; run < 3; run++) {
		struct tb_error err = {0};
		memset(&c, 0, sizeof(c));
		uint64_t t0 = tb_now_ns();
		enum tb_status st =
		    fmt_importer_ibt.import(dst, count_lap, &c, NULL, &err);
		double s = (double)(tb_now_ns() - t0) / 1e9;
		if (st != TB_OK) {
			printf("ibt: import failed: %s\n", err.msg);
			rc = 1;
			break;
		}
		double mbs = (double)size / 1048576.0 / s;
		if (mbs > best)
			best = mbs;
		printf("ibt: run %d: %.1f MB in %.3f s = %.0f MB/s, %.2f M "
		       "samples/s, %" PRIu64 " laps (%" PRIu64 " timed)\n",
		       run + 1, (double)size / 1048576.0, s, mbs,
		       (double)c.samples / s / 1e6, c.laps, c.timed);
	}
	unlink(dst);
	if (rc == 0)
		printf("ibt: best %.0f MB/s (target >= %.0f MB/s: %s)\n", best,
		       TARGET_MBS, best >= TARGET_MBS ? "PASS" : "FAIL");
	return rc;
}

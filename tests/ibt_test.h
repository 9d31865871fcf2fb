/* ibt_test.h - helpers shared by the .ibt tests: a lap sink that keeps
 * what the importer hands over, importing a buffer through a temporary
 * file, and parsing exactly sized copies so that ASan sees any read past
 * the end. g_tmp is the program's temporary directory (set in main). */
#ifndef TB_IBT_TEST_H
#define TB_IBT_TEST_H

#include "tb_test.h"

#include <math.h>

#include "formats/ibt.h"

#define assert_near(a, b, eps)                                                 \
	do {                                                                   \
		double a_ = (a), b_ = (b);                                     \
		if (!(fabs(a_ - b_) <= (eps)))                                 \
			fail_msg("%s = %.9f, expected %.9f", #a, a_, b_);      \
	} while (0)

static char g_tmp[256];

/* Laps handed over, kept for inspection. */
struct sink {
	size_t n;
	struct tb_lap laps[8];
	struct tb_session_info si[8];
	struct tb_car_info car[8];
	struct fmt_lap_meta meta[8];
};

static enum tb_status take(void *ctx, const struct tb_session_info *si,
			   const struct tb_car_info *car, struct tb_lap *lap,
			   const struct fmt_lap_meta *meta)
{
	struct sink *s = ctx;
	if (s->n < 8) {
		tb_lap_init(&s->laps[s->n]);
		tb_lap_move(&s->laps[s->n], lap);
		s->si[s->n] = *si;
		s->car[s->n] = *car;
		s->meta[s->n] = *meta;
	}
	s->n++;
	return TB_OK;
}

static void sink_release(struct sink *s)
{
	for (size_t i = 0; i < s->n && i < 8; i++)
		tb_lap_release(&s->laps[i]);
	s->n = 0;
}

static void write_file(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* Import a buffer through a temporary file. */
static enum tb_status import_buf(const uint8_t *b, size_t n, struct sink *s,
				 struct tb_error *err)
{
	char path[320];
	snprintf(path, sizeof(path), "%s/f.ibt", g_tmp);
	write_file(path, b, n);
	return fmt_importer_ibt.import(path, take, s, NULL, err);
}

/* Parse n bytes placed at the end of an exact allocation, so that ASan
 * sees any read past them. */
static enum tb_status parse_exact(const uint8_t *b, size_t n,
				  struct tb_error *err)
{
	uint8_t *c = malloc(n ? n : 1);
	assert_non_null(c);
	if (n)
		memcpy(c, b, n);
	struct ibt_file *f = NULL;
	enum tb_status st = ibt_parse(c, n, "cut.ibt", &f, err);
	if (st == TB_OK) {
		/* walk every variable of every row */
		const struct ibt_info *in = ibt_info(f);
		for (size_t r = 0; r < in->n_rows; r++)
			for (size_t i = 0; i < in->n_vars; i++) {
				const struct ibt_var *v = ibt_var_at(f, i);
				(void)ibt_value(f, v, r, v->count - 1);
			}
	} else {
		assert_null(f);
	}
	ibt_destroy(f);
	free(c);
	return st;
}

#endif /* TB_IBT_TEST_H */

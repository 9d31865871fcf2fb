/* lap.c - a lap's columnar sample storage: columns appear lazily when a
 * channel is first seen, earlier samples of that column read 0 and are
 * marked absent in the per-sample mask. */
#include "core.h"

#include <math.h>

void tb_lap_init(struct tb_lap *lap)
{
	memset(lap, 0, sizeof(*lap));
	lap->lap_time_ms = TB_TIME_UNKNOWN;
	for (int i = 0; i < 3; i++)
		lap->sector_ms[i] = TB_TIME_UNKNOWN;
}

void tb_lap_release(struct tb_lap *lap)
{
	tb_free(lap->mask);
	for (int i = 0; i < TB_CH__COUNT; i++)
		tb_free(lap->col[i]);
	tb_lap_init(lap);
}

static void free_samples(struct tb_lap *lap)
{
	tb_free(lap->mask);
	lap->mask = NULL;
	for (int i = 0; i < TB_CH__COUNT; i++) {
		tb_free(lap->col[i]);
		lap->col[i] = NULL;
	}
	lap->n = lap->cap = 0;
	lap->chans = 0;
}

enum tb_status tb_lap_alloc(struct tb_lap *lap, size_t n, tb_chmask chans)
{
	free_samples(lap);
	size_t cap = n ? n : 1;
	lap->mask = tb_calloc(cap, sizeof(*lap->mask));
	if (!lap->mask)
		goto nomem;
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (!(chans & TB_CHBIT(ch)))
			continue;
		lap->col[ch] = tb_calloc(cap, sizeof(double));
		if (!lap->col[ch])
			goto nomem;
		lap->chans |= TB_CHBIT(ch);
	}
	lap->cap = cap;
	lap->n = n;
	return TB_OK;
nomem:
	free_samples(lap);
	return TB_ERR_NOMEM;
}

double tb_lap_max(const struct tb_lap *lap, enum tb_channel ch)
{
	double m = NAN;
	const double *d = lap->col[ch];
	for (size_t i = 0; d && i < lap->n; i++)
		if ((lap->mask[i] & TB_CHBIT(ch)) && isfinite(d[i]))
			m = isnan(m) || d[i] > m ? d[i] : m;
	return m;
}

void tb_lap_clear_samples(struct tb_lap *lap)
{
	lap->n = 0;
}

static enum tb_status grow(struct tb_lap *lap)
{
	size_t ncap = lap->cap ? lap->cap * 2 : 1024;
	if (ncap > TB_LAP_MAX_SAMPLES)
		ncap = TB_LAP_MAX_SAMPLES;
	if (ncap <= lap->cap)
		return TB_ERR_LIMIT;
	tb_chmask *m = tb_realloc(lap->mask, ncap * sizeof(*m));
	if (!m)
		return TB_ERR_NOMEM;
	lap->mask = m;
	for (int i = 0; i < TB_CH__COUNT; i++) {
		if (!lap->col[i])
			continue;
		double *c = tb_realloc(lap->col[i], ncap * sizeof(*c));
		if (!c)
			return TB_ERR_NOMEM; /* old cap still valid for all */
		lap->col[i] = c;
	}
	lap->cap = ncap;
	return TB_OK;
}

static enum tb_status add_column(struct tb_lap *lap, int ch)
{
	double *c = tb_calloc(lap->cap ? lap->cap : 1, sizeof(*c));
	if (!c)
		return TB_ERR_NOMEM;
	lap->col[ch] = c;
	lap->chans |= TB_CHBIT(ch);
	return TB_OK;
}

enum tb_status tb_lap_push(struct tb_lap *lap, const struct tb_frame *f)
{
	enum tb_status st;
	if (lap->n == lap->cap) {
		st = grow(lap);
		if (st != TB_OK)
			return st;
	}
	tb_chmask newc = f->mask & ~lap->chans;
	while (newc) {
		int ch = __builtin_ctzll(newc);
		newc &= newc - 1;
		st = add_column(lap, ch);
		if (st != TB_OK)
			return st;
	}
	size_t i = lap->n;
	lap->mask[i] = f->mask;
	tb_chmask m = lap->chans;
	while (m) {
		int ch = __builtin_ctzll(m);
		m &= m - 1;
		lap->col[ch][i] = (f->mask & TB_CHBIT(ch)) ? f->v[ch] : 0.0;
	}
	lap->n++;
	return TB_OK;
}

void tb_lap_truncate(struct tb_lap *lap, size_t n)
{
	if (n < lap->n)
		lap->n = n;
}

void tb_lap_frame(const struct tb_lap *lap, size_t i, struct tb_frame *out)
{
	tb_frame_clear(out);
	if (i >= lap->n)
		return;
	out->mask = lap->mask[i];
	tb_chmask m = lap->chans;
	while (m) {
		int ch = __builtin_ctzll(m);
		m &= m - 1;
		out->v[ch] = lap->col[ch][i];
	}
}

enum tb_status tb_lap_copy(struct tb_lap *dst, const struct tb_lap *src)
{
	struct tb_lap tmp;
	tb_lap_init(&tmp);
	tmp.car_index = src->car_index;
	tmp.lap_number = src->lap_number;
	tmp.lap_time_ms = src->lap_time_ms;
	memcpy(tmp.sector_ms, src->sector_ms, sizeof(tmp.sector_ms));
	tmp.flags = src->flags;
	size_t cap = src->n ? src->n : 1;
	tmp.mask = tb_malloc(cap * sizeof(*tmp.mask));
	if (!tmp.mask)
		goto fail;
	tmp.cap = cap;
	if (src->n)
		memcpy(tmp.mask, src->mask, src->n * sizeof(*tmp.mask));
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (!(src->chans & TB_CHBIT(ch)))
			continue;
		tmp.col[ch] = tb_malloc(cap * sizeof(double));
		if (!tmp.col[ch])
			goto fail;
		tmp.chans |= TB_CHBIT(ch);
		if (src->n)
			memcpy(tmp.col[ch], src->col[ch],
			       src->n * sizeof(double));
	}
	tmp.n = src->n;
	tb_lap_release(dst);
	*dst = tmp;
	return TB_OK;
fail:
	tb_lap_release(&tmp);
	return TB_ERR_NOMEM;
}

void tb_lap_move(struct tb_lap *dst, struct tb_lap *src)
{
	tb_lap_release(dst);
	*dst = *src;
	tb_lap_init(src);
}

bool tb_lap_equal(const struct tb_lap *a, const struct tb_lap *b)
{
	if (a->car_index != b->car_index || a->lap_number != b->lap_number ||
	    a->lap_time_ms != b->lap_time_ms || a->flags != b->flags ||
	    memcmp(a->sector_ms, b->sector_ms, sizeof(a->sector_ms)) != 0 ||
	    a->n != b->n || a->chans != b->chans)
		return false;
	if (a->n == 0)
		return true;
	if (memcmp(a->mask, b->mask, a->n * sizeof(*a->mask)) != 0)
		return false;
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (!(a->chans & TB_CHBIT(ch)))
			continue;
		if (memcmp(a->col[ch], b->col[ch], a->n * sizeof(double)))
			return false;
	}
	return true;
}

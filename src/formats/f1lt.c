/* f1lt.c - F1 live-timing archives (server ".jsonStream" or FastF1
 * ".raw"): laps built from the rebuilt session (f1lt_timing.c) with the
 * car data and positions (f1lt_cardata.c) and handed over; f1lt_parse.
 * The importer is f1lt_files.c, the stream text f1lt_stream.c. Layout
 * notes: shared/FORMATS.md and the FastF1 test-data README (Fast-F1
 * fastf1/_api.py). */
#include "f1lt_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------------ */
/* Building and handing over the laps. */

static enum tb_status lt_push(struct tb_lap *lap, const struct tb_frame *f,
			      struct tb_error *err)
{
	enum tb_status st = tb_lap_push(lap, f);
	if (st != TB_OK)
		return tb_fail(err, st, "lap %u: %zu samples", lap->lap_number,
			       lap->n);
	return TB_OK;
}

/* Position of driver ds at utc, interpolated; false when unknown. */
static bool lt_pos_at(const struct lt_drv_state *ds, int64_t utc, double xyz[3])
{
	size_t lo = 0, hi = ds->n_pos;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ds->pos[mid].utc < utc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo: first position at or after utc. */
	if (lo < ds->n_pos && ds->pos[lo].utc == utc) {
		xyz[0] = ds->pos[lo].x;
		xyz[1] = ds->pos[lo].y;
		xyz[2] = ds->pos[lo].z;
		return true;
	}
	if (lo == 0 || lo >= ds->n_pos)
		return false;
	const struct lt_pos *a = &ds->pos[lo - 1], *b = &ds->pos[lo];
	if (b->utc - a->utc > LT_POS_GAP_MS)
		return false;
	double f = (double)(utc - a->utc) / (double)(b->utc - a->utc);
	xyz[0] = a->x + (b->x - a->x) * f;
	xyz[1] = a->y + (b->y - a->y) * f;
	xyz[2] = a->z + (b->z - a->z) * f;
	return true;
}

static void lt_car_frame(const struct lt_car *c, struct tb_frame *f)
{
	if (c->mask & 1)
		tb_frame_set(f, TB_CH_RPM, c->v[0]);
	if (c->mask & 2)
		tb_frame_set(f, TB_CH_SPEED, c->v[1] / TB_KMH_PER_MS);
	if (c->mask & 4)
		tb_frame_set(f, TB_CH_GEAR, c->v[2]);
	if (c->mask & 8) {
		/* Percent; the feed sometimes sends 104 for "full". */
		double th = c->v[3] / 100.0;
		tb_frame_set(f, TB_CH_THROTTLE, th > 1 ? 1 : th < 0 ? 0 : th);
	}
	if (c->mask & 16) /* 0 or 100 (some years 1): on/off only */
		tb_frame_set(f, TB_CH_BRAKE, c->v[4] > 0 ? 1.0 : 0.0);
	if (c->mask & 32) /* codes 10, 12, 14 = flap open */
		tb_frame_set(f, TB_CH_DRS, c->v[5] >= 10 ? 1.0 : 0.0);
}

static enum tb_status lt_fill_lap(const struct lt_sess *s,
				  const struct lt_lap *l, struct tb_lap *lap,
				  bool *timing_only, struct tb_error *err)
{
	const struct lt_drv_state *ds = &s->ds[l->drv];
	double end = (double)l->end_ms / 1000.0;
	double start = end - (double)l->time_ms / 1000.0;
	struct tb_frame f;
	enum tb_status st;

	*timing_only = true;
	if (s->have_off && ds->n_car > 0) {
		int64_t u0 = s->off + l->end_ms - l->time_ms;
		int64_t u1 = s->off + l->end_ms;
		size_t lo = 0, hi = ds->n_car;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (ds->car[mid].utc < u0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < ds->n_car && ds->car[i].utc <= u1;
		     i++) {
			const struct lt_car *c = &ds->car[i];
			double xyz[3];
			tb_frame_clear(&f);
			tb_frame_set(&f, TB_CH_TIME,
				     (double)(c->utc - s->off) / 1000.0);
			tb_frame_set(&f, TB_CH_LAP_TIME,
				     (double)(c->utc - u0) / 1000.0);
			lt_car_frame(c, &f);
			/* x/y ground plane, z up, in 1/10 m. */
			if (lt_pos_at(ds, c->utc, xyz)) {
				tb_frame_set(&f, TB_CH_POS_X, xyz[0] / 10.0);
				tb_frame_set(&f, TB_CH_POS_Y, xyz[1] / 10.0);
				tb_frame_set(&f, TB_CH_POS_Z, xyz[2] / 10.0);
			}
			st = lt_push(lap, &f, err);
			if (st != TB_OK)
				return st;
		}
		if (lap->n > 0) {
			*timing_only = false;
			return TB_OK;
		}
	}
	/* Timing only: the lap's start and end, nothing else known. */
	tb_frame_clear(&f);
	tb_frame_set(&f, TB_CH_TIME, start);
	tb_frame_set(&f, TB_CH_LAP_TIME, 0.0);
	st = lt_push(lap, &f, err);
	if (st != TB_OK)
		return st;
	tb_frame_set(&f, TB_CH_TIME, end);
	tb_frame_set(&f, TB_CH_LAP_TIME, (double)l->time_ms / 1000.0);
	return lt_push(lap, &f, err);
}

static void lt_car_meta(const struct f1lt_driver *dr, struct tb_car_info *car,
			struct fmt_lap_meta *meta)
{
	memset(car, 0, sizeof(*car));
	car->car_index = (uint8_t)(dr->race_number & 0xff);
	car->race_number = dr->race_number;
	car->team_id = -1;
	if (dr->full_name[0])
		snprintf(car->driver, sizeof(car->driver), "%s", dr->full_name);
	else if (dr->tla[0])
		snprintf(car->driver, sizeof(car->driver), "%s", dr->tla);
	else
		snprintf(car->driver, sizeof(car->driver), "#%d",
			 dr->race_number);
	memset(meta, 0, sizeof(*meta));
	meta->reference = true;
	snprintf(meta->source, sizeof(meta->source), "%s", LT_SOURCE);
	snprintf(meta->car, sizeof(meta->car), "%s", dr->team);
}

/* Build every lap first (a failure hands nothing over), then hand them
 * over in completion order. */
static enum tb_status lt_emit(struct lt_sess *s, f1lt_lap_fn fn, void *ctx,
			      struct tb_error *err)
{
	struct tb_lap *laps;
	bool *timing_only;
	enum tb_status st = TB_OK;
	size_t n = s->n_laps;

	if (n == 0)
		return TB_OK;
	laps = tb_calloc(n, sizeof(*laps));
	timing_only = tb_calloc(n, sizeof(*timing_only));
	if (!laps || !timing_only) {
		tb_free(laps);
		tb_free(timing_only);
		return tb_fail(err, TB_ERR_NOMEM, "%zu laps", n);
	}
	for (size_t i = 0; i < n; i++)
		tb_lap_init(&laps[i]);
	for (size_t i = 0; i < n && st == TB_OK; i++) {
		const struct lt_lap *l = &s->laps[i];
		struct tb_lap *lap = &laps[i];
		lap->car_index =
		    (uint8_t)(s->res->drivers[l->drv].race_number & 0xff);
		lap->lap_number = l->lap_no;
		lap->lap_time_ms = l->time_ms;
		memcpy(lap->sector_ms, l->sec, sizeof(lap->sector_ms));
		lap->flags = l->flags;
		st = lt_fill_lap(s, l, lap, &timing_only[i], err);
	}
	for (size_t i = 0; i < n && st == TB_OK && fn; i++) {
		const struct lt_lap *l = &s->laps[i];
		const struct f1lt_driver *dr = &s->res->drivers[l->drv];
		struct tb_car_info car;
		struct fmt_lap_meta meta;
		struct f1lt_lap_info info;

		lt_car_meta(dr, &car, &meta);
		memset(&info, 0, sizeof(info));
		info.driver = dr;
		info.timing_only = timing_only[i];
		info.personal_best = l->pb;
		info.overall_best = l->ob;
		info.deleted = l->deleted;
		info.end_s = (double)l->end_ms / 1000.0;
		info.start_s = info.end_s - (double)l->time_ms / 1000.0;
		st = fn(ctx, &s->info, &car, &laps[i], &meta, &info);
		tb_lap_release(&laps[i]);
	}
	for (size_t i = 0; i < n; i++)
		tb_lap_release(&laps[i]);
	tb_free(laps);
	tb_free(timing_only);
	return st;
}

static void lt_sess_release(struct lt_sess *s)
{
	for (size_t d = 0; d < F1LT_DRIVERS_MAX; d++) {
		tb_free(s->ds[d].car);
		tb_free(s->ds[d].pos);
	}
	tb_free(s->laps);
	json_decref(s->timing);
	tb_buf_release(&s->zbuf);
}

static enum tb_status lt_stream(struct lt_sess *s, const struct f1lt_stream *in,
				bool z, lt_msg_fn fn, size_t *n_msgs,
				struct tb_error *err)
{
	if (!in->p)
		return TB_OK;
	s->cur_name = in->name ? in->name : "stream";
	s->cur_line = 0;
	return f1lt__each(in, z, fn, s, n_msgs, err);
}

enum tb_status f1lt_parse(const struct f1lt_input *in, f1lt_lap_fn fn,
			  void *ctx, struct f1lt_result *res,
			  struct tb_error *err)
{
	struct lt_sess *s;
	struct f1lt_result *r;
	enum tb_status st;

	if (!in || !in->timing.p)
		return tb_fail(err, TB_ERR_ARG, "f1lt_parse: no timing data");
	s = tb_calloc(1, sizeof(*s));
	r = tb_calloc(1, sizeof(*r));
	if (!s || !r) {
		tb_free(s);
		tb_free(r);
		return tb_fail(err, TB_ERR_NOMEM, "f1lt_parse");
	}
	s->in = in;
	s->res = r;
	tb_buf_init(&s->zbuf, F1LT_Z_MAX + (64u << 10));
	s->timing = json_object();
	s->tm.name = in->timing.name ? in->timing.name : "timing";
	if (!s->timing) {
		st = tb_fail(err, TB_ERR_NOMEM, "f1lt_parse");
		goto out;
	}
	st = f1lt__session(s, err);
	if (st == TB_OK)
		st = f1lt__drivers(s, err);
	if (st == TB_OK)
		st = f1lt__lap_count(s, err);
	if (st == TB_OK)
		st = lt_stream(s, &in->timing, false, f1lt__timing_msg,
			       &r->n_timing_messages, err);
	if (st == TB_OK)
		st = f1lt__final_timing(s, err);
	if (st == TB_OK)
		st = lt_stream(s, &in->race_control, false, f1lt__rc_msg, NULL,
			       err);
	if (st == TB_OK)
		st = lt_stream(s, &in->car_data, true, f1lt__car_msg,
			       &r->n_car_messages, err);
	if (st == TB_OK)
		st = lt_stream(s, &in->position, true, f1lt__pos_msg,
			       &r->n_pos_messages, err);
	if (st != TB_OK)
		goto out;
	f1lt__sort_samples(s);
	r->n_laps = s->n_laps;
	r->has_car_data = s->have_off;
	if (s->have_off) {
		r->utc_offset_ms = s->off;
		s->info.start_unix_ms = s->off;
	}
	st = lt_emit(s, fn, ctx, err);
out:
	if (res && st == TB_OK)
		*res = *r;
	lt_sess_release(s);
	tb_free(s);
	tb_free(r);
	return st;
}

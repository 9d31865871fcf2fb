/* test_coach_f1.c - the coach on real F1 laps (TracingInsights, 2026
 * test, 17 drivers; 3-8 Hz, on/off brake, no steering): each driver's
 * fastest lap against the fastest of all, with only the channels that
 * source has. The overall rating ranks the drivers as their lap times
 * do (Spearman >= 0.8); the advice for the slowest driver names corners
 * among those where the measured loss is largest. Skips without
 * TRAILBRAKE_DATA. */
#include "tb_test.h"

#include <math.h>

#include "coach/coach.h"
#include "formats/f1ti.h"

#define DRIVERS_MAX 32

struct drv {
	char code[TB_NAME_MAX];
	struct tb_lap lap;
	double time_s;
	struct ana_grid g;
	double overall;
};

struct ctx {
	struct drv d[DRIVERS_MAX];
	size_t n;
};

/* Keep each driver's fastest timed, flag-free lap. */
static enum tb_status on_lap(void *vctx, const struct tb_session_info *s,
			     const struct tb_car_info *car, struct tb_lap *lap,
			     const struct fmt_lap_meta *meta)
{
	(void)s;
	(void)meta;
	struct ctx *c = vctx;
	if (lap->flags != 0 || lap->lap_time_ms <= 0)
		return TB_OK;
	double t = lap->lap_time_ms / 1000.0;
	size_t i = 0;
	while (i < c->n && strcmp(c->d[i].code, car->driver))
		i++;
	if (i == c->n) {
		if (c->n == DRIVERS_MAX)
			return TB_OK;
		memset(&c->d[i], 0, sizeof(c->d[i]));
		snprintf(c->d[i].code, sizeof(c->d[i].code), "%s", car->driver);
		tb_lap_init(&c->d[i].lap);
		c->d[i].time_s = INFINITY;
		c->n++;
	}
	if (t < c->d[i].time_s) {
		c->d[i].time_s = t;
		tb_lap_move(&c->d[i].lap, lap);
	}
	return TB_OK;
}

static void ranks(const double *v, size_t n, double *r)
{
	for (size_t i = 0; i < n; i++) {
		double less = 0, same = 0;
		for (size_t j = 0; j < n; j++) {
			less += v[j] < v[i];
			same += v[j] == v[i];
		}
		r[i] = less + (same + 1) / 2.0;
	}
}

static double spearman(const double *a, const double *b, size_t n)
{
	double ra[DRIVERS_MAX], rb[DRIVERS_MAX], ma = 0, mb = 0;
	ranks(a, n, ra);
	ranks(b, n, rb);
	for (size_t i = 0; i < n; i++) {
		ma += ra[i] / (double)n;
		mb += rb[i] / (double)n;
	}
	double sab = 0, saa = 0, sbb = 0;
	for (size_t i = 0; i < n; i++) {
		sab += (ra[i] - ma) * (rb[i] - mb);
		saa += (ra[i] - ma) * (ra[i] - ma);
		sbb += (rb[i] - mb) * (rb[i] - mb);
	}
	return sab / sqrt(saa * sbb);
}

static void test_f1_ranking(void **state)
{
	(void)state;
	const char *data = tbt_data_or_skip("the real F1 ranking");
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/f1-2026-testing-tracinginsights", data);
	static struct ctx c;
	struct tb_error err;
	if (fmt_f1ti_import_dir(dir, on_lap, &c, NULL, &err) != TB_OK)
		fail_msg("import %s: %s", dir, err.msg);
	assert_int_equal(c.n, 17);
	size_t best = 0, worst = 0;
	for (size_t i = 0; i < c.n; i++) {
		if (ana_grid_from_lap(&c.d[i].lap, NULL, 1.0, &c.d[i].g,
				      &err) != TB_OK)
			fail_msg("%s: %s", c.d[i].code, err.msg);
		c.d[i].g.src |= ANA_SRC_BRAKE_BINARY;
		best = c.d[i].time_s < c.d[best].time_s ? i : best;
		worst = c.d[i].time_s > c.d[worst].time_s ? i : worst;
	}
	const struct ana_grid *refs[] = {&c.d[best].g};
	struct ana_corners cs;
	assert_int_equal(ana_corners_find(NULL, refs, 1, &cs, &err), TB_OK);
	struct coach_model *m = NULL;
	if (coach_model_load(TB_SHIPPED_MODEL, &m, &err) != TB_OK)
		fail_msg("model: %s", err.msg);
	struct coach_lap_result *r = malloc(sizeof(*r));
	double t[DRIVERS_MAX], neg[DRIVERS_MAX];
	for (size_t i = 0; i < c.n; i++) {
		if (coach_lap(m, &c.d[i].g, &c.d[best].g, &cs, 0, NAN, r,
			      &err) != TB_OK)
			fail_msg("%s: %s", c.d[i].code, err.msg);
		c.d[i].overall = r->rating[COACH_R_OVERALL];
		t[i] = c.d[i].time_s;
		neg[i] = -c.d[i].overall;
		printf("%s %.3f s  overall %.1f  braking %.0f entry %.0f mid "
		       "%.0f exit %.0f  grip %.2f\n",
		       c.d[i].code, t[i], c.d[i].overall,
		       r->rating[COACH_R_BRAKING], r->rating[COACH_R_ENTRY],
		       r->rating[COACH_R_MID], r->rating[COACH_R_EXIT],
		       r->grip_share[2]);
	}
	double rho = spearman(t, neg, c.n);
	printf("Spearman (lap time vs overall rating, %zu drivers): %.3f\n",
	       c.n, rho);
	assert_true(rho >= 0.8);

	/* the slowest against the fastest: advice at the corners losing
	 * most (each advised corner among the four largest losses) */
	assert_int_equal(
	    coach_lap(m, &c.d[worst].g, &c.d[best].g, &cs, 0, NAN, r, &err),
	    TB_OK);
	double loss[ANA_CORNERS_MAX];
	for (size_t k = 0; k < r->n; k++)
		loss[k] = r->c[k].loss_s;
	assert_true(r->n_advice >= 2);
	for (size_t a = 0; a < r->n_advice; a++) {
		size_t k = 0, above = 0;
		while (k < r->n && r->c[k].number != r->adv[a].corner)
			k++;
		assert_true(k < r->n);
		for (size_t j = 0; j < r->n; j++)
			above += loss[j] > loss[k];
		printf("%s: %s (loss %.3f s, rank %zu of %zu)\n   %s\n",
		       c.d[worst].code, r->adv[a].text, loss[k], above + 1,
		       r->n, r->adv[a].explain);
		assert_true(above < 4);
	}
	free(r);
	coach_model_destroy(m);
	for (size_t i = 0; i < c.n; i++) {
		ana_grid_release(&c.d[i].g);
		tb_lap_release(&c.d[i].lap);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_f1_ranking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

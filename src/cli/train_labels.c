/* train_labels.c - labelled real laps for `trailbrake train`
 * (train_labels.h). */
#include "train_labels.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../server/trackmodel.h"
#include "../store/store.h"
#include "cli.h"

#define LABELS_HEADER "lap,ref,corner,mistake,cost_s"
#define LABELS_FIELDS 5

struct label_key {
	int64_t lap, ref;
	long corner;
};

/* What one load needs: the store, the corners of the last pair. */
struct lctx {
	const char *path;
	size_t line;
	struct store *st;
	struct srv_tm_cache *tm;
	struct coach_corner *cc; /* ANA_CORNERS_MAX */
	size_t n_cc;
	int64_t cc_lap, cc_ref;
	struct label_key *keys;
	size_t n_keys, cap_keys;
	struct coach_dataset all; /* driver: index into l->driver */
	int64_t laps[1024];
	size_t n_laps;
};

static int bad(const struct lctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int bad(const struct lctx *c, const char *fmt, ...)
{
	fprintf(stderr, "trailbrake train: %s:%zu: ", c->path, c->line);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return 65;
}

static void trim(char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
	size_t n = strlen(*s);
	while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t' ||
			 (*s)[n - 1] == '\r' || (*s)[n - 1] == '\n'))
		(*s)[--n] = '\0';
}

static bool parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int mistake_of(const char *s)
{
	if (!strcmp(s, "none"))
		return -1;
	for (int k = 0; k < COACH_MK__COUNT; k++)
		if (!strcmp(s, coach_mistake_name((enum coach_mistake)k)))
			return k;
	return -2;
}

static int driver_index(struct train_labels *l, const char *name)
{
	for (size_t i = 0; i < l->n_drivers; i++)
		if (!strcmp(l->driver[i], name))
			return (int)i;
	if (l->n_drivers >= TRAIN_LABELS_DRIVERS_MAX)
		return -1;
	snprintf(l->driver[l->n_drivers], TB_NAME_MAX, "%s", name);
	return (int)l->n_drivers++;
}

static int lap_known(struct lctx *c, int64_t id, const char *what,
		     struct store_lap_row *row)
{
	struct tb_error err;
	tb_error_clear(&err);
	if (store_lap_row_get(c->st, id, row, &err) == TB_OK)
		return 0;
	char num[32];
	snprintf(num, sizeof(num), "%" PRId64, id);
	fprintf(stderr,
		"trailbrake train: %s:%zu: %slap %s is not in the "
		"store (%s)\n",
		c->path, c->line, what, num, err.msg);
	return 65;
}

/* One data line into c->all. */
static int add_line(struct lctx *c, struct train_labels *l, char *text)
{
	char *f[LABELS_FIELDS];
	size_t n = 0;
	for (char *p = text; n < LABELS_FIELDS;) {
		f[n++] = p;
		char *comma = strchr(p, ',');
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
		if (n == LABELS_FIELDS)
			return bad(c, "%s fields, want 5 (" LABELS_HEADER ")%s",
				   "more than 5", "");
	}
	if (n != LABELS_FIELDS) {
		char got[16];
		snprintf(got, sizeof(got), "%zu", n);
		return bad(c, "%s field(s), want 5 (" LABELS_HEADER ")%s", got,
			   "");
	}
	for (size_t i = 0; i < n; i++)
		trim(&f[i]);
	long long lap, ref, corner;
	if (!parse_int(f[0], 1, INT64_MAX, &lap))
		return bad(c, "lap \"%s\": not a lap id%s", f[0], "");
	if (!parse_int(f[1], 1, INT64_MAX, &ref))
		return bad(c, "ref \"%s\": not a lap id%s", f[1], "");
	if (!parse_int(f[2], 1, ANA_CORNERS_MAX, &corner))
		return bad(c, "corner \"%s\": not a corner number%s", f[2], "");
	int mk = mistake_of(f[3]);
	if (mk == -2)
		return bad(c,
			   "mistake \"%s\": not a mistake type (none, "
			   "early-braking, over-slowing, late-throttle, "
			   "coasting, no-trail-braking, over-driving, "
			   "poor-exit)%s",
			   f[3], "");
	double cost = NAN;
	if (*f[4]) {
		char *end = NULL;
		errno = 0;
		cost = strtod(f[4], &end);
		if (*end || errno || !isfinite(cost) || fabs(cost) > 60)
			return bad(c,
				   "cost_s \"%s\": not a time in s (-60..60, "
				   "blank = unknown)%s",
				   f[4], "");
	} else if (mk < 0) {
		cost = 0; /* a clean corner costs nothing */
	}
	if (lap == ref)
		return bad(c, "lap %s is its own reference%s", f[0], "");
	struct store_lap_row row, rrow;
	int rc = lap_known(c, lap, "", &row);
	if (rc == 0)
		rc = lap_known(c, ref, "reference ", &rrow);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < c->n_keys; i++)
		if (c->keys[i].lap == lap && c->keys[i].ref == ref &&
		    c->keys[i].corner == corner)
			return bad(c, "lap %s corner %s labelled twice", f[0],
				   f[2]);
	if (c->n_cc == 0 || c->cc_lap != lap || c->cc_ref != ref) {
		c->n_cc = 0;
		if (cli_coach_corners(c->st, c->tm, lap, ref, c->cc,
				      &c->n_cc) != 0)
			return bad(c,
				   "lap %s against reference %s: no features "
				   "(see above)",
				   f[0], f[1]);
		c->cc_lap = lap;
		c->cc_ref = ref;
	}
	const struct coach_corner *k = NULL;
	for (size_t i = 0; i < c->n_cc; i++)
		if (c->cc[i].number == corner)
			k = &c->cc[i];
	if (!k) {
		char range[96];
		snprintf(range, sizeof(range),
			 "lap %lld against %lld has corners 1..%zu", lap, ref,
			 c->n_cc);
		return bad(c, "corner %s out of range: %s", f[2], range);
	}
	if (!isfinite(k->loss_s))
		return bad(c,
			   "corner %s: no measured loss against the "
			   "reference%s",
			   f[2], "");
	int drv = driver_index(l, row.driver);
	if (drv < 0)
		return bad(c, "more than %s drivers%s", "256", "");
	if (c->n_keys == c->cap_keys) {
		size_t cap = c->cap_keys ? 2 * c->cap_keys : 64;
		struct label_key *nk = realloc(c->keys, cap * sizeof(*nk));
		if (!nk)
			return 70;
		c->keys = nk;
		c->cap_keys = cap;
	}
	c->keys[c->n_keys++] = (struct label_key){lap, ref, (long)corner};
	bool seen = false;
	for (size_t i = 0; i < c->n_laps; i++)
		seen |= c->laps[i] == lap;
	if (!seen && c->n_laps < sizeof(c->laps) / sizeof(c->laps[0]))
		c->laps[c->n_laps++] = lap;
	struct coach_row r;
	memset(&r, 0, sizeof(r));
	memcpy(r.f, k->f, sizeof(r.f));
	r.loss_s = (float)k->loss_s;
	r.cost_s = (float)cost;
	r.mistake = (int8_t)mk;
	r.track = TRAIN_LABELS_TRACK;
	r.driver = (uint32_t)drv;
	struct store_session_row srow;
	r.cls = store_session_get(c->st, row.session_id, &srow, NULL) == TB_OK
		    ? (uint8_t)srow.info.car_class
		    : (uint8_t)TB_CLASS_OTHER;
	struct tb_error err;
	tb_error_clear(&err);
	if (coach_dataset_add(&c->all, &r, &err) != TB_OK)
		return cli_fail("train", &err);
	return 0;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull ^ TRAIN_LABELS_SEED;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

/* Hold out the first quarter of the drivers (at least one of two or
 * more) in the order of a seeded hash of their names. */
static void split(struct train_labels *l)
{
	size_t n = l->n_drivers, hold = n >= 2 ? (n / 4 ? n / 4 : 1) : 0;
	for (size_t h = 0; h < hold; h++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (!l->held_out[i] &&
			    (best == n || name_hash(l->driver[i]) <
					      name_hash(l->driver[best])))
				best = i;
		l->held_out[best] = true;
	}
	l->n_held_drivers = hold;
}

int train_labels_load(const char *path, const char *db, struct train_labels *l)
{
	memset(l, 0, sizeof(*l));
	l->path = path;
	coach_dataset_init(&l->train);
	coach_dataset_init(&l->held);
	struct lctx c;
	memset(&c, 0, sizeof(c));
	c.path = path;
	coach_dataset_init(&c.all);
	struct tb_error err;
	tb_error_clear(&err);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "trailbrake train: %s: cannot open: %s\n", path,
			strerror(errno));
		return 66;
	}
	int rc = 0;
	c.cc = malloc(ANA_CORNERS_MAX * sizeof(*c.cc));
	if (!c.cc || srv_tm_cache_create(&c.tm, &err) != TB_OK)
		rc = 70;
	else if (store_open(db, &c.st, &err) != TB_OK)
		rc = cli_fail("train", &err);
	char *line = NULL;
	size_t cap = 0;
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		c.line++;
		char *s = line;
		trim(&s);
		if (c.line == 1) {
			if (strcmp(s, LABELS_HEADER))
				rc = bad(&c, "header \"%s\", want \"%s\"", s,
					 LABELS_HEADER);
			continue;
		}
		if (!*s)
			continue;
		rc = add_line(&c, l, s);
	}
	if (rc == 0 && c.line == 0) {
		fprintf(stderr,
			"trailbrake train: %s: empty, want the header "
			"\"" LABELS_HEADER "\"\n",
			path);
		rc = 65;
	}
	if (rc == 0 && c.all.n == 0) {
		fprintf(stderr, "trailbrake train: %s: no labelled corner\n",
			path);
		rc = 65;
	}
	free(line);
	fclose(f);
	if (rc == 0) {
		split(l);
		l->n_laps = c.n_laps;
		for (size_t i = 0; i < c.all.n && rc == 0; i++) {
			struct coach_row r = c.all.rows[i];
			bool held = l->held_out[r.driver];
			r.driver += TRAIN_LABELS_DRIVER_BASE;
			l->count[held]
				[r.mistake < 0 ? COACH_MK__COUNT : r.mistake]++;
			if (coach_dataset_add(held ? &l->held : &l->train, &r,
					      &err) != TB_OK)
				rc = cli_fail("train", &err);
		}
	}
	coach_dataset_release(&c.all);
	free(c.keys);
	free(c.cc);
	srv_tm_cache_destroy(c.tm);
	store_close(c.st);
	return rc;
}

void train_labels_release(struct train_labels *l)
{
	coach_dataset_release(&l->train);
	coach_dataset_release(&l->held);
}

static enum tb_status names(const struct train_labels *l, bool held,
			    struct tb_buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n_drivers; i++) {
		if (l->held_out[i] != held)
			continue;
		enum tb_status st =
		    tb_buf_printf(b, "%s%s", n++ ? ", " : "", l->driver[i]);
		if (st != TB_OK)
			return st;
	}
	return tb_buf_printf(b, "%s", n ? ")\n" : "none)\n");
}

int train_labels_report(const struct train_labels *l,
			const struct coach_model *m, struct tb_buf *b)
{
	struct tb_error err;
	tb_error_clear(&err);
	enum tb_status st = tb_buf_printf(
	    b,
	    "\nlabelled real laps (%s): %zu corners of %zu laps, %zu "
	    "drivers, split by driver (seed %llu)\n"
	    "rows used in training: %zu (drivers: ",
	    l->path, l->train.n + l->held.n, l->n_laps, l->n_drivers,
	    (unsigned long long)TRAIN_LABELS_SEED, l->train.n);
	if (st == TB_OK)
		st = names(l, false, b);
	if (st == TB_OK)
		st = tb_buf_printf(b,
				   "rows held out: %zu (drivers: ", l->held.n);
	if (st == TB_OK)
		st = names(l, true, b);
	if (st == TB_OK)
		st = tb_buf_printf(b, "\n%-20s %8s %8s\n", "mistake",
				   "training", "held-out");
	for (int k = 0; k <= COACH_MK__COUNT && st == TB_OK; k++)
		st = tb_buf_printf(
		    b, "%-20s %8zu %8zu\n",
		    k < COACH_MK__COUNT
			? coach_mistake_name((enum coach_mistake)k)
			: "none",
		    l->count[0][k], l->count[1][k]);
	if (st == TB_OK && l->held.n == 0)
		st = tb_buf_printf(b, "\nheld-out detection: no held-out "
				      "rows (one driver: all in training)\n");
	struct coach_eval ev;
	if (st == TB_OK && l->held.n > 0) {
		st = coach_evaluate(m, &l->held, &ev, &err);
		if (st == TB_OK)
			st = tb_buf_printf(b,
					   "\nheld-out detection (probability "
					   ">= %.1f): %zu rows, %zu with a "
					   "mistake\n%-20s %4s %4s %4s %4s "
					   "%9s %7s %6s\n",
					   COACH_P_THRESHOLD, ev.n_rows,
					   ev.n_mistakes, "mistake", "n", "tp",
					   "fp", "fn", "precision", "recall",
					   "F1");
		for (int k = 0; k < COACH_MK__COUNT && st == TB_OK; k++) {
			if (!coach_model_has(m, (enum coach_mistake)k))
				continue;
			st = tb_buf_printf(
			    b, "%-20s %4zu %4zu %4zu %4zu %9.3f %7.3f %6.3f\n",
			    coach_mistake_name((enum coach_mistake)k),
			    ev.mk[k].n_pos, ev.mk[k].tp, ev.mk[k].fp,
			    ev.mk[k].fn, ev.mk[k].precision, ev.mk[k].recall,
			    ev.mk[k].f1);
		}
	}
	if (st != TB_OK && err.status == TB_OK)
		(void)tb_fail(&err, st, "report: %s", tb_status_name(st));
	if (st != TB_OK)
		return cli_fail("train", &err);
	return 0;
}

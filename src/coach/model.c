/* model.c - the coach's XGBoost models through the C API: training
 * (regressor of the corner loss, one binary classifier per mistake
 * type), prediction with SHAP contributions split by cause, and the
 * model file: a small header (magic, format, feature-schema hash,
 * mistake list size) around XGBoost's own saved buffers, checksummed
 * so a truncated or foreign file is refused before XGBoost sees it. */
#include "coach.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

struct coach_model {
	BoosterHandle b[COACH_N_BOOSTERS]; /* [0] regressor, [1 + k] mistake
					      k; NULL = absent */
};

static enum tb_status xgb_fail(struct tb_error *err, const char *what)
{
	return tb_fail(err, TB_ERR_INTERNAL, "xgboost %s: %s", what,
		       XGBGetLastError());
}

void coach_train_opt_default(struct coach_train_opt *o)
{
	o->rounds = 200;
	o->depth = 6;
	o->reg_rounds = 100;
	o->reg_depth = 4;
	o->nthread = 2;
	o->seed = 7;
}

void coach_model_destroy(struct coach_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < COACH_N_BOOSTERS; i++)
		if (m->b[i])
			XGBoosterFree(m->b[i]);
	tb_free(m);
}

bool coach_model_has(const struct coach_model *m, enum coach_mistake k)
{
	return m && (unsigned)k < COACH_MK__COUNT && m->b[1 + k] != NULL;
}

static enum tb_status make_matrix(const struct coach_row *r, size_t n,
				  const float *const *fv, DMatrixHandle *out,
				  struct tb_error *err)
{
	float *x = tb_malloc((n ? n : 1) * COACH_NF * sizeof(float));
	if (!x)
		return tb_fail(err, TB_ERR_NOMEM, "coach: feature matrix");
	for (size_t i = 0; i < n; i++)
		memcpy(x + i * COACH_NF, r ? r[i].f : fv[i],
		       COACH_NF * sizeof(float));
	int rc = XGDMatrixCreateFromMat(x, (bst_ulong)n, COACH_NF, NAN, out);
	tb_free(x);
	return rc ? xgb_fail(err, "matrix") : TB_OK;
}

/* "[[0,1],[2]]": the feature indexes of each cause. */
static bool interaction_groups(char *buf, size_t cap)
{
	size_t len = 0;
	int w = snprintf(buf, cap, "[");
	len = w > 0 ? (size_t)w : cap;
	bool first_group = true;
	for (size_t c = 0; c < COACH_CAUSE__COUNT && len < cap; c++) {
		bool first = true;
		for (size_t j = 0; j < COACH_NF && len < cap; j++) {
			if (coach_feature_cause((enum coach_feature)j) != c)
				continue;
			w = snprintf(buf + len, cap - len, "%s%s%zu",
				     first && !first_group ? "," : "",
				     first ? "[" : ",", j);
			len += w > 0 ? (size_t)w : cap;
			first = false;
		}
		if (!first && len < cap) {
			w = snprintf(buf + len, cap - len, "]");
			len += w > 0 ? (size_t)w : cap;
			first_group = false;
		}
	}
	if (len < cap) {
		w = snprintf(buf + len, cap - len, "]");
		len += w > 0 ? (size_t)w : cap;
	}
	return len < cap;
}

static enum tb_status set_params(BoosterHandle h,
				 const struct coach_train_opt *o,
				 bool classifier, struct tb_error *err)
{
	char depth[16], nth[16], seed[32];
	snprintf(depth, sizeof(depth), "%d",
		 classifier ? o->depth : o->reg_depth);
	snprintf(nth, sizeof(nth), "%d", o->nthread);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)o->seed);
	const char *kv[][2] = {
	    {"objective", classifier ? "binary:logistic" : "reg:squarederror"},
	    {"max_depth", depth},
	    {"eta", "0.1"},
	    {"subsample", "1"},
	    {"min_child_weight", "1"},
	    {"tree_method", "hist"},
	    {"nthread", nth},
	    {"seed", seed},
	    {"verbosity", "0"},
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (XGBoosterSetParam(h, kv[i][0], kv[i][1]))
			return xgb_fail(err, "parameter");
	if (classifier)
		return TB_OK;
	/* The regressor is additive over causes: no tree mixes features of
	 * two causes, so a cause's SHAP sum is its own function's share. */
	char ic[512];
	if (!interaction_groups(ic, sizeof(ic)) ||
	    XGBoosterSetParam(h, "interaction_constraints", ic))
		return xgb_fail(err, "interaction constraints");
	return TB_OK;
}

static enum tb_status train_one(DMatrixHandle dm, const float *label, size_t n,
				const struct coach_train_opt *o,
				bool classifier, BoosterHandle *out,
				struct tb_error *err)
{
	*out = NULL;
	if (XGDMatrixSetFloatInfo(dm, "label", label, (bst_ulong)n))
		return xgb_fail(err, "labels");
	BoosterHandle h;
	if (XGBoosterCreate(&dm, 1, &h))
		return xgb_fail(err, "booster");
	enum tb_status st = set_params(h, o, classifier, err);
	int rounds = classifier ? o->rounds : o->reg_rounds;
	for (int it = 0; it < rounds && st == TB_OK; it++)
		if (XGBoosterUpdateOneIter(h, it, dm))
			st = xgb_fail(err, "training");
	if (st != TB_OK) {
		XGBoosterFree(h);
		return st;
	}
	*out = h;
	return TB_OK;
}

enum tb_status coach_train(const struct coach_dataset *d,
			   const struct coach_train_opt *o,
			   struct coach_model **out, struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "coach train: no output");
	*out = NULL;
	if (!d || !o || d->n < 10)
		return tb_fail(err, TB_ERR_ARG,
			       "coach train: %zu rows (at least 10 needed)",
			       d ? d->n : 0);
	if (o->rounds < 1 || o->depth < 1 || o->nthread < 1 ||
	    o->reg_rounds < 1 || o->reg_depth < 1)
		return tb_fail(err, TB_ERR_ARG, "coach train: bad options");
	struct coach_model *m = tb_calloc(1, sizeof(*m));
	float *label = tb_malloc(d->n * sizeof(float));
	DMatrixHandle dm = NULL;
	enum tb_status st = TB_OK;
	if (!m || !label) {
		st = tb_fail(err, TB_ERR_NOMEM, "coach train");
		goto fail;
	}
	st = make_matrix(d->rows, d->n, NULL, &dm, err);
	if (st != TB_OK)
		goto fail;
	for (size_t i = 0; i < d->n; i++)
		label[i] = d->rows[i].loss_s;
	st = train_one(dm, label, d->n, o, false, &m->b[0], err);
	for (int k = 0; k < COACH_MK__COUNT && st == TB_OK; k++) {
		size_t pos = 0;
		for (size_t i = 0; i < d->n; i++) {
			label[i] = d->rows[i].mistake == k ? 1.0f : 0.0f;
			pos += d->rows[i].mistake == k;
		}
		if (pos == 0)
			continue;
		st = train_one(dm, label, d->n, o, true, &m->b[1 + k], err);
	}
	if (st != TB_OK)
		goto fail;
	XGDMatrixFree(dm);
	tb_free(label);
	*out = m;
	return TB_OK;
fail:
	if (dm)
		XGDMatrixFree(dm);
	tb_free(label);
	coach_model_destroy(m);
	return st;
}

/* ------------------------------------------------------------------ */
/* Prediction. */

static void split_causes(const float *f, double loss, struct coach_pred *p)
{
	double pos[COACH_CAUSE__COUNT] = {0}, sum = 0;
	(void)f;
	for (size_t j = 0; j < COACH_NF; j++)
		pos[coach_feature_cause((enum coach_feature)j)] += p->shap[j];
	for (size_t c = 0; c < COACH_CAUSE__COUNT; c++) {
		pos[c] = pos[c] > 0 ? pos[c] : 0;
		sum += pos[c];
	}
	for (size_t c = 0; c < COACH_CAUSE__COUNT; c++)
		p->cause_s[c] = sum > 0 && isfinite(loss) && loss > 0
				    ? loss * pos[c] / sum
				    : 0.0;
}

/* The loss the driver could recover at a mistake: its corner's loss
 * less the lap's pace there (loss per second of reference time over
 * the lap's corners without a detected mistake), split among the
 * detected mistakes by probability times their cause's SHAP share. A
 * mistake that leaves the corner slower (over-slowing, late throttle,
 * poor exit) also gets what the next corner, if it has no mistake of
 * its own, loses beyond the pace: the speed missing down the straight
 * costs time until the next braking point, which the analysis books
 * to the next segment. i0..i1: one lap's corners in order. */
bool coach_pred_detected(const struct coach_pred *p, enum coach_mistake k)
{
	if ((unsigned)k >= COACH_MK__COUNT || isnan(p->p[k]))
		return false;
	if (p->p[k] >= COACH_P_THRESHOLD)
		return true;
	/* mistakes of one cause can look alike (early braking and no
	 * trail braking): their probabilities add up, and the most
	 * probable of them stands for the cause */
	enum coach_cause c = coach_mistake_cause(k);
	double sum = 0;
	for (int j = 0; j < COACH_MK__COUNT; j++) {
		if (isnan(p->p[j]) || coach_mistake_cause(j) != c)
			continue;
		if (p->p[j] > p->p[k] || (p->p[j] == p->p[k] && j < (int)k))
			return false;
		sum += p->p[j];
	}
	return sum >= COACH_P_THRESHOLD;
}

static bool detected(const struct coach_pred *p)
{
	for (int k = 0; k < COACH_MK__COUNT; k++)
		if (coach_pred_detected(p, k))
			return true;
	return false;
}

static bool slow_exit(enum coach_mistake k)
{
	enum coach_cause c = coach_mistake_cause(k);
	return c == COACH_CAUSE_APEX || c == COACH_CAUSE_EXIT;
}

static bool exit_detected(const struct coach_pred *p)
{
	for (int k = 0; k < COACH_MK__COUNT; k++)
		if (coach_pred_detected(p, k) && slow_exit(k))
			return true;
	return false;
}

static double excess(const float *f, double loss, double pace)
{
	double t = f[COACH_F_REF_TIME_S];
	double x = isfinite(loss) ? loss : 0;
	if (isfinite(t))
		x -= pace * t;
	return x > 0 ? x : 0;
}

static void split_mistakes(const float *const *fv, const double *loss,
			   size_t i0, size_t i1, struct coach_pred *p)
{
	double sl = 0, st = 0;
	size_t n = i1 - i0;
	for (size_t i = i0; i < i1; i++) {
		double t = fv[i][COACH_F_REF_TIME_S];
		size_t prev = i == i0 ? i1 - 1 : i - 1;
		if (detected(&p[i]) || exit_detected(&p[prev]) ||
		    !isfinite(loss[i]) || !isfinite(t))
			continue;
		sl += loss[i];
		st += t;
	}
	double pace = st > 0 && sl > 0 ? sl / st : 0;
	for (size_t i = i0; i < i1; i++) {
		size_t next = i + 1 == i1 ? i0 : i + 1;
		double drv = excess(fv[i], loss[i], pace), carry = 0;
		if (n > 2 && !detected(&p[next]))
			carry = excess(fv[next], loss[next], pace);
		double w[COACH_MK__COUNT], sum = 0, sum_exit = 0;
		for (size_t k = 0; k < COACH_MK__COUNT; k++) {
			double cs = p[i].cause_s[coach_mistake_cause(
			    (enum coach_mistake)k)];
			w[k] = coach_pred_detected(&p[i], (enum coach_mistake)k)
				   ? p[i].p[k] * (cs > 0 ? cs : 1e-3)
				   : 0;
			sum += w[k];
			sum_exit += slow_exit((enum coach_mistake)k) ? w[k] : 0;
		}
		for (size_t k = 0; k < COACH_MK__COUNT; k++) {
			p[i].mk_s[k] = sum > 0 ? drv * w[k] / sum : 0.0;
			if (sum_exit > 0 && slow_exit((enum coach_mistake)k))
				p[i].mk_s[k] += carry * w[k] / sum_exit;
		}
	}
}

static enum tb_status predict(const struct coach_model *m, DMatrixHandle dm,
			      size_t n, const double *loss,
			      const float *const *fv, struct coach_pred *out,
			      struct tb_error *err)
{
	bst_ulong len;
	const float *res;
	if (XGBoosterPredict(m->b[0], dm, 0, 0, 0, &len, &res) || len != n)
		return xgb_fail(err, "predict");
	for (size_t i = 0; i < n; i++)
		out[i].loss_s = res[i];
	if (XGBoosterPredict(m->b[0], dm, 4, 0, 0, &len, &res) ||
	    len != n * (COACH_NF + 1))
		return xgb_fail(err, "contributions");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j <= COACH_NF; j++)
			out[i].shap[j] = res[i * (COACH_NF + 1) + j];
		split_causes(fv[i], loss[i], &out[i]);
	}
	for (int k = 0; k < COACH_MK__COUNT; k++) {
		if (!m->b[1 + k]) {
			for (size_t i = 0; i < n; i++)
				out[i].p[k] = NAN;
			continue;
		}
		if (XGBoosterPredict(m->b[1 + k], dm, 0, 0, 0, &len, &res) ||
		    len != n)
			return xgb_fail(err, "classify");
		for (size_t i = 0; i < n; i++)
			out[i].p[k] = res[i];
	}
	return TB_OK;
}

enum tb_status coach_predict(const struct coach_model *m,
			     const struct coach_corner *c, size_t n,
			     struct coach_pred *out, struct tb_error *err)
{
	if (!m || !c || !out || n == 0 || n > ANA_CORNERS_MAX)
		return tb_fail(err, TB_ERR_ARG, "coach predict: %zu corners",
			       n);
	const float *fv[ANA_CORNERS_MAX];
	double loss[ANA_CORNERS_MAX];
	for (size_t i = 0; i < n; i++) {
		fv[i] = c[i].f;
		loss[i] = c[i].loss_s;
	}
	DMatrixHandle dm;
	enum tb_status st = make_matrix(NULL, n, fv, &dm, err);
	if (st != TB_OK)
		return st;
	st = predict(m, dm, n, loss, fv, out, err);
	XGDMatrixFree(dm);
	if (st == TB_OK)
		split_mistakes(fv, loss, 0, n, out);
	return st;
}

enum tb_status coach_predict_rows(const struct coach_model *m,
				  const struct coach_row *r, size_t n,
				  struct coach_pred *out, struct tb_error *err)
{
	if (!m || !r || !out || n == 0)
		return tb_fail(err, TB_ERR_ARG, "coach predict: no rows");
	const float **fv = tb_malloc(n * sizeof(*fv));
	double *loss = tb_malloc(n * sizeof(*loss));
	DMatrixHandle dm = NULL;
	enum tb_status st = TB_OK;
	if (!fv || !loss) {
		st = tb_fail(err, TB_ERR_NOMEM, "coach predict");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		fv[i] = r[i].f;
		loss[i] = r[i].loss_s;
	}
	st = make_matrix(r, n, NULL, &dm, err);
	if (st == TB_OK)
		st = predict(m, dm, n, loss, fv, out, err);
	/* rows of one driver are one lap, in a run */
	for (size_t i0 = 0, i1; st == TB_OK && i0 < n; i0 = i1) {
		for (i1 = i0 + 1; i1 < n && r[i1].driver == r[i0].driver; i1++)
			;
		split_mistakes(fv, loss, i0, i1, out);
	}
out:
	if (dm)
		XGDMatrixFree(dm);
	tb_free(fv);
	tb_free(loss);
	return st;
}

/* ------------------------------------------------------------------ */
/* File format. */

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static enum tb_status append_u64(struct tb_buf *b, uint64_t v)
{
	uint8_t x[8];
	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	return tb_buf_append(b, x, 8);
}

enum tb_status coach_model_encode(const struct coach_model *m,
				  struct tb_buf *out, struct tb_error *err)
{
	if (!m || !out || !m->b[0])
		return tb_fail(err, TB_ERR_ARG, "coach model: nothing to save");
	size_t start = out->len;
	enum tb_status st = tb_buf_append(out, COACH_MODEL_MAGIC, 8);
	if (st == TB_OK)
		st = tb_buf_append_u32le(out, COACH_MODEL_FORMAT);
	if (st == TB_OK)
		st = tb_buf_append_u32le(out, coach_schema_hash());
	if (st == TB_OK)
		st = tb_buf_append_u32le(out, COACH_MK__COUNT);
	for (size_t i = 0; i < COACH_N_BOOSTERS && st == TB_OK; i++) {
		st = tb_buf_append_u8(out, m->b[i] ? 1 : 0);
		if (st != TB_OK || !m->b[i])
			continue;
		bst_ulong len;
		const char *p;
		if (XGBoosterSaveModelToBuffer(m->b[i], "{\"format\": \"ubj\"}",
					       &len, &p))
			return xgb_fail(err, "save");
		st = append_u64(out, len);
		if (st == TB_OK)
			st = tb_buf_append(out, p, len);
	}
	if (st == TB_OK)
		st = tb_buf_append_u32le(
		    out, fnv1a(out->data + start, out->len - start));
	if (st != TB_OK)
		return tb_fail(err, st, "coach model: %zu bytes: %s", out->len,
			       tb_strerror(st));
	return TB_OK;
}

static uint32_t rd_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

enum tb_status coach_model_decode(const void *buf, size_t len,
				  struct coach_model **out,
				  struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "coach model: no output");
	*out = NULL;
	const uint8_t *p = buf;
	if (!p || len < 8 + 12 + 4)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "coach model: %zu bytes, too short for the "
			       "header",
			       len);
	if (memcmp(p, COACH_MODEL_MAGIC, 8) != 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "coach model: not a trailbrake coach model "
			       "(wrong magic)");
	uint32_t fmt = rd_u32(p + 8), schema = rd_u32(p + 12);
	uint32_t nmk = rd_u32(p + 16);
	if (fmt != COACH_MODEL_FORMAT)
		return tb_fail(err, TB_ERR_VERSION,
			       "coach model: format %u, this build reads %u "
			       "(retrain with `trailbrake train`)",
			       fmt, COACH_MODEL_FORMAT);
	if (schema != coach_schema_hash() || nmk != COACH_MK__COUNT)
		return tb_fail(err, TB_ERR_VERSION,
			       "coach model: feature schema %08x with %u "
			       "mistake types, this build has %08x with %d "
			       "(retrain with `trailbrake train`)",
			       schema, nmk, coach_schema_hash(),
			       COACH_MK__COUNT);
	if (rd_u32(p + len - 4) != fnv1a(p, len - 4))
		return tb_fail(err, TB_ERR_CORRUPT,
			       "coach model: checksum mismatch (%zu bytes: "
			       "truncated or damaged)",
			       len);
	struct coach_model *m = tb_calloc(1, sizeof(*m));
	if (!m)
		return tb_fail(err, TB_ERR_NOMEM, "coach model");
	size_t off = 20, end = len - 4;
	for (size_t i = 0; i < COACH_N_BOOSTERS; i++) {
		if (off + 1 > end)
			goto trunc;
		if (!p[off++])
			continue;
		if (off + 8 > end)
			goto trunc;
		uint64_t n = 0;
		for (int b = 0; b < 8; b++)
			n |= (uint64_t)p[off + b] << (8 * b);
		off += 8;
		if (n > end - off)
			goto trunc;
		if (XGBoosterCreate(NULL, 0, &m->b[i]) ||
		    XGBoosterLoadModelFromBuffer(m->b[i], p + off,
						 (bst_ulong)n) ||
		    XGBoosterSetParam(m->b[i], "nthread", "1")) {
			enum tb_status st = tb_fail(
			    err, TB_ERR_CORRUPT, "coach model: booster %zu: %s",
			    i, XGBGetLastError());
			coach_model_destroy(m);
			return st;
		}
		off += n;
	}
	if (off != end || !m->b[0])
		goto trunc;
	*out = m;
	return TB_OK;
trunc:
	coach_model_destroy(m);
	return tb_fail(err, TB_ERR_CORRUPT,
		       "coach model: booster table does not fit its %zu "
		       "bytes",
		       len);
}

enum tb_status coach_model_save(const struct coach_model *m, const char *path,
				struct tb_error *err)
{
	struct tb_buf b;
	tb_buf_init(&b, COACH_MODEL_MAX);
	enum tb_status st = coach_model_encode(m, &b, err);
	if (st != TB_OK) {
		tb_buf_release(&b);
		return st;
	}
	FILE *f = fopen(path, "wb");
	if (!f) {
		tb_buf_release(&b);
		return tb_fail(err, TB_ERR_IO, "cannot write %s", path);
	}
	bool ok = fwrite(b.data, 1, b.len, f) == b.len;
	ok = fclose(f) == 0 && ok;
	tb_buf_release(&b);
	return ok ? TB_OK : tb_fail(err, TB_ERR_IO, "writing %s failed", path);
}

enum tb_status coach_model_load(const char *path, struct coach_model **out,
				struct tb_error *err)
{
	if (!out)
		return tb_fail(err, TB_ERR_ARG, "coach model: no output");
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return tb_fail(err, TB_ERR_NOTFOUND,
			       "coach model %s: cannot open (missing? run "
			       "`trailbrake train`)",
			       path);
	struct tb_buf b;
	tb_buf_init(&b, COACH_MODEL_MAX);
	uint8_t chunk[65536];
	size_t n;
	enum tb_status st = TB_OK;
	while (st == TB_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		st = tb_buf_append(&b, chunk, n);
	bool rerr = ferror(f) != 0;
	fclose(f);
	if (st != TB_OK || rerr) {
		tb_buf_release(&b);
		return tb_fail(err, rerr ? TB_ERR_IO : st,
			       "coach model %s: cannot read it whole", path);
	}
	st = coach_model_decode(b.data, b.len, out, err);
	if (st != TB_OK && err) {
		char msg[TB_ERROR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		tb_fail(err, st, "%s: %s", path, msg);
	}
	tb_buf_release(&b);
	return st;
}

/* models/coach.tbm as compiled in (generated by tools/embed.c). */
extern const unsigned char coach__builtin_model[];
extern const size_t coach__builtin_model_len;

const char *coach_model_source(const char *path)
{
	if (path && *path)
		return path;
	const char *env = getenv("TRAILBRAKE_MODEL");
	return env && *env ? env : "built-in";
}

enum tb_status coach_model_open(const char *path, struct coach_model **out,
				struct tb_error *err)
{
	const char *src = coach_model_source(path);
	if (strcmp(src, "built-in") != 0 || (path && *path))
		return coach_model_load(src, out, err);
	enum tb_status st = coach_model_decode(
	    coach__builtin_model, coach__builtin_model_len, out, err);
	if (st != TB_OK && err) {
		char msg[TB_ERROR_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		tb_fail(err, st, "built-in model: %s", msg);
	}
	return st;
}

/* coach.h - rates a driver's laps and says what to change. Per-corner
 * features from the analysis (lap minus reference, and shares of the
 * reference's / class limit's grip), XGBoost models trained on synthetic
 * drivers with injected mistakes of known cost (a time-loss regressor
 * whose SHAP contributions split the loss into causes, one classifier
 * per mistake type), skill ratings 0..100 and ranked advice with the
 * numbers behind it. Method, data and evaluation: docs/COACH.md. */
#ifndef TB_COACH_H
#define TB_COACH_H

#include "../analysis/analysis.h"
#include "../core/core.h"

/* ------------------------------------------------------------------ */
/* Causes: what a feature measures, and where a loss is attributed. */
#define COACH_CAUSES(X)                                                        \
	X(BRAKE, "braking and entry",                                          \
	  "brake point, pressure, coasting, "                                  \
	  "trail braking")                                                     \
	X(APEX, "mid-corner", "minimum speed")                                 \
	X(EXIT, "exit", "throttle pickup and exit speed")                      \
	X(CONTEXT, "context", "corner and pace, not one mistake")

enum coach_cause {
#define X(id, name, desc) COACH_CAUSE_##id,
	COACH_CAUSES(X)
#undef X
	    COACH_CAUSE__COUNT
};
const char *coach_cause_name(enum coach_cause c); /* "braking" */

/* Mistake types: the classifier set. sim is the simulator's kind name
 * ("brake-early") or NULL while the simulator cannot inject it yet. */
#define COACH_MISTAKES(X)                                                      \
	X(EARLY_BRAKING, "early-braking", BRAKE, "brake-early")                \
	X(OVER_SLOWING, "over-slowing", APEX, "slow")                          \
	X(LATE_THROTTLE, "late-throttle", EXIT, "late-throttle")               \
	X(COASTING, "coasting", BRAKE, "coast")                                \
	X(NO_TRAIL, "no-trail-braking", BRAKE, "no-trail-brake")               \
	X(OVER_DRIVING, "over-driving", BRAKE, "over-drive")                   \
	X(POOR_EXIT, "poor-exit", EXIT, "poor-exit")

enum coach_mistake {
#define X(id, name, cause, sim) COACH_MK_##id,
	COACH_MISTAKES(X)
#undef X
	    COACH_MK__COUNT
};
const char *coach_mistake_name(enum coach_mistake m);
enum coach_cause coach_mistake_cause(enum coach_mistake m);
/* The simulator's kind name, or NULL (not injectable yet). */
const char *coach_mistake_sim_name(enum coach_mistake m);

/* ------------------------------------------------------------------ */
/* Features of one corner (float, NAN = unknown: XGBoost's missing). */
#define COACH_FEATURES(X)                                                      \
	X(D_BRAKE_M, "d_brake_m", BRAKE)                                       \
	X(D_ENTRY_KMH, "d_entry_kmh", BRAKE)                                   \
	X(DECEL_SHARE, "decel_share", BRAKE)                                   \
	X(D_BRAKE_PEAK, "d_brake_peak", BRAKE)                                 \
	X(REL_D_BRAKE_M, "rel_d_brake_m", BRAKE)                               \
	X(D_MIN_KMH, "d_min_kmh", APEX)                                        \
	X(LAT_SHARE, "lat_share", APEX)                                        \
	X(D_MIN_M, "d_min_m", APEX)                                            \
	X(REL_LAT_SHARE, "rel_lat_share", APEX)                                \
	X(D_THROTTLE_M, "d_throttle_m", EXIT)                                  \
	X(D_FULL_M, "d_full_throttle_m", EXIT)                                 \
	X(D_EXIT50_KMH, "d_exit50_kmh", EXIT)                                  \
	X(D_EXIT200_KMH, "d_exit200_kmh", EXIT)                                \
	X(D_COAST_M, "d_coast_m", BRAKE)                                       \
	X(COAST_M, "coast_m", BRAKE)                                           \
	X(D_TRAIL_M, "d_trail_release_m", BRAKE)                               \
	X(D_OVERLAP_M, "d_overlap_m", BRAKE)                                   \
	X(OVERLAP_M, "overlap_m", BRAKE)                                       \
	X(D_BRAKE_LEN_M, "d_brake_length_m", BRAKE)                            \
	X(D_CORR, "d_steer_corrections", BRAKE)                                \
	X(LAP_LAT_SHARE, "lap_lat_share", CONTEXT)                             \
	X(LAP_D_BRAKE_M, "lap_d_brake_m", CONTEXT)                             \
	X(SEG_M, "segment_m", CONTEXT)                                         \
	X(CURV, "curvature", CONTEXT)                                          \
	X(REF_MIN_KMH, "ref_min_kmh", CONTEXT)                                 \
	X(REF_ENTRY_KMH, "ref_entry_kmh", CONTEXT)                             \
	X(REF_TIME_S, "ref_time_s", CONTEXT)

enum coach_feature {
#define X(id, name, cause) COACH_F_##id,
	COACH_FEATURES(X)
#undef X
	    COACH_NF
};
const char *coach_feature_name(enum coach_feature f);
enum coach_cause coach_feature_cause(enum coach_feature f);
/* Hash of the feature and mistake lists (names, order): a model file
 * made for another schema is refused. */
uint32_t coach_schema_hash(void);

/* One corner of a lap against a reference: the analysis' metrics of
 * both, the measured loss, the features. */
struct coach_corner {
	int number;
	double loss_s; /* ana_corner_losses: lap - reference, s */
	struct ana_corner_metrics lap, ref;
	float f[COACH_NF];
};

/* A lap's corners against a reference. lap and ref: grids of the same
 * layout; corners from the reference (ana_corners_find); delta from
 * ana_delta (n points of ref). binary_brake: the lap's brake is on/off.
 * TB_ERR_ARG / TB_ERR_RANGE as the analysis; n_out = corners->n. */
enum tb_status coach_features(const struct ana_grid *lap,
			      const struct ana_grid *ref,
			      const struct ana_corners *corners,
			      const double *delta, size_t n,
			      struct coach_corner *out, size_t *n_out,
			      struct tb_error *err) TB_WUR;

/* The features of a lap's corners against a reference, as coach_lap
 * computes them (ana_delta, then coach_features): the same rows a
 * labelled real lap adds to the training set. out: ANA_CORNERS_MAX.
 * TB_ERR_ARG for fewer than 2 corners or no speed; errors as above. */
enum tb_status coach_lap_features(const struct ana_grid *lap,
				  const struct ana_grid *ref,
				  const struct ana_corners *corners,
				  struct coach_corner *out, size_t *n_out,
				  struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Data set: rows of corner features with their labels. */
struct coach_row {
	float f[COACH_NF];
	float loss_s;	 /* measured corner loss */
	float cost_s;	 /* true cost of the injected mistake, 0 if none */
	int8_t mistake;	 /* enum coach_mistake, -1 = none */
	uint16_t track;	 /* index of the track (split key) */
	uint32_t driver; /* index of the driver (split key) */
	uint8_t cls;	 /* enum tb_car_class */
};

struct coach_dataset {
	struct coach_row *rows; /* owned */
	size_t n, cap;
};
#define COACH_ROWS_MAX ((size_t)4 << 20)
void coach_dataset_init(struct coach_dataset *d);
void coach_dataset_release(struct coach_dataset *d);
enum tb_status coach_dataset_add(struct coach_dataset *d,
				 const struct coach_row *r,
				 struct tb_error *err) TB_WUR;

/* Synthetic data: every class on every track of tracks (borrowed,
 * n_tracks), drivers_per_track drivers each (random skill, reference
 * skill, mistakes on random corners with random sizes, sensor noise,
 * sample rate), all from seed. track_base/driver_base offset the split
 * keys. progress (may be NULL) is called after each track. */
struct coach_synth {
	const struct ana_track *tracks;
	size_t n_tracks;
	size_t drivers_per_track;
	uint64_t seed;
	uint16_t track_base;
	uint32_t driver_base;
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
};
enum tb_status coach_synth_build(const struct coach_synth *s,
				 struct coach_dataset *out,
				 struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Models. */
#define COACH_MODEL_MAGIC  "TBCOACH\0"
#define COACH_MODEL_FORMAT 1u
#define COACH_MODEL_MAX	   ((size_t)64 << 20)
#define COACH_N_BOOSTERS   (1 + COACH_MK__COUNT)

struct coach_model;

struct coach_train_opt {
	int rounds; /* boosting rounds per classifier, e.g. 200 */
	int depth;  /* classifier tree depth */
	int reg_rounds, reg_depth; /* the regressor's: smaller, as exact
				      SHAP costs rounds x leaves x depth^2
				      per corner at inference */
	int nthread;		   /* 2 */
	uint64_t seed;
};
void coach_train_opt_default(struct coach_train_opt *o);

/* Train the regressor on every row and one classifier per mistake type
 * that has positive rows (the others stay absent: never predicted).
 * *out NULL on failure. Deterministic for the same rows and options. */
enum tb_status coach_train(const struct coach_dataset *d,
			   const struct coach_train_opt *o,
			   struct coach_model **out,
			   struct tb_error *err) TB_WUR;
void coach_model_destroy(struct coach_model *m);
/* True if the model has a classifier for m. */
bool coach_model_has(const struct coach_model *m, enum coach_mistake k);

/* File format (little-endian): magic "TBCOACH\0", u32 format, u32
 * schema hash, u32 number of mistake types, then per booster (the
 * regressor, then each mistake type) u8 present, u64 length and
 * XGBoost's JSON model bytes, then a u32 FNV-1a checksum of all before.
 * encode appends to out; decode refuses a wrong magic, format, schema,
 * a truncated or corrupt file with TB_ERR_CORRUPT naming what. */
enum tb_status coach_model_encode(const struct coach_model *m,
				  struct tb_buf *out,
				  struct tb_error *err) TB_WUR;
enum tb_status coach_model_decode(const void *buf, size_t len,
				  struct coach_model **out,
				  struct tb_error *err) TB_WUR;
enum tb_status coach_model_save(const struct coach_model *m, const char *path,
				struct tb_error *err) TB_WUR;
enum tb_status coach_model_load(const char *path, struct coach_model **out,
				struct tb_error *err) TB_WUR;
/* The model to use: the file path if it is given (non-NULL, not empty),
 * else $TRAILBRAKE_MODEL if set, else the default model compiled into
 * the binary (models/coach.tbm at build time). Errors as
 * coach_model_load / coach_model_decode. */
enum tb_status coach_model_open(const char *path, struct coach_model **out,
				struct tb_error *err) TB_WUR;
/* Where coach_model_open(path) reads from: the path, the environment's
 * file, or "built-in". */
const char *coach_model_source(const char *path);

/* Model outputs for one corner. */
struct coach_pred {
	double loss_s;			    /* regressor */
	double shap[COACH_NF + 1];	    /* contributions, last = bias */
	double cause_s[COACH_CAUSE__COUNT]; /* measured loss split by the
					       positive SHAP of each cause */
	double p[COACH_MK__COUNT];	    /* mistake probability, NAN = no
					       classifier */
	double mk_s[COACH_MK__COUNT];	    /* time attributed to each mistake:
					       the measured loss less the lap's
					       pace (the loss per second of
					       reference time of the corners
					       without a detected mistake),
					       split among the detected
					       mistakes (coach_pred_detected)
					       by probability times their
					       cause's SHAP share; 0 if none;
					       a slow exit also takes the next
					       corner's loss beyond the pace
					       when that one has no mistake */
};

/* Whether mistake k counts as detected: its probability reaches
 * COACH_P_THRESHOLD, or the probabilities of the mistakes of its cause
 * add up to it and k is the most probable of them (one mistake per
 * corner; alike mistakes share the evidence). */
bool coach_pred_detected(const struct coach_pred *p, enum coach_mistake k);

/* Predict for n corners (features in c[i].f, measured loss in
 * c[i].loss_s) into out[n]. */
enum tb_status coach_predict(const struct coach_model *m,
			     const struct coach_corner *c, size_t n,
			     struct coach_pred *out,
			     struct tb_error *err) TB_WUR;
/* The same over data set rows (evaluation). */
enum tb_status coach_predict_rows(const struct coach_model *m,
				  const struct coach_row *r, size_t n,
				  struct coach_pred *out,
				  struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Evaluation on held-out rows. */
struct coach_eval {
	size_t n_rows, n_mistakes;
	struct {
		size_t tp, fp, fn, n_pos;
		double precision, recall, f1; /* NAN without positives */
		size_t n_attr;	 /* attribution within the tolerance */
		double attr_mae; /* attribution vs true cost, s */
	} mk[COACH_MK__COUNT];
	double loss_mae_s; /* regressor vs measured loss */
	struct {
		size_t tp, fp, fn, n_pos;
		double f1;
	} cause[COACH_CAUSE__COUNT]; /* the same by cause: any detected
					mistake of the injected one's cause
					counts */
	double attr_within;	     /* share of mistake corners whose
					attribution to the mistake's cause
					(mk_s summed over the detected
					mistakes of that cause) is within
					0.05 s of the true cost */
	double attr_mae_s;
	double cause_within; /* the same for cause_s of the mistake's
				cause (the SHAP split by phase) */
	/* calibration: mean predicted probability and observed rate in
	 * ten bins, over all classifiers */
	double cal_pred[10], cal_obs[10];
	size_t cal_n[10];
};
#define COACH_ATTR_TOL_S  0.05
#define COACH_P_THRESHOLD 0.5
enum tb_status coach_evaluate(const struct coach_model *m,
			      const struct coach_dataset *d,
			      struct coach_eval *out,
			      struct tb_error *err) TB_WUR;
/* The report as text (appended to out). */
enum tb_status coach_eval_report(const struct coach_eval *e, struct tb_buf *out,
				 struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Ratings and advice for one lap. */
#define COACH_ADVICE_MAX 3

struct coach_advice {
	int corner;
	enum coach_mistake mistake;
	double time_s; /* recoverable, s */
	double prob;   /* classifier probability */
	char text[256];
	char explain[512]; /* metrics and model outputs behind it */
};

#define COACH_RATINGS(X)                                                       \
	X(BRAKING, "braking")                                                  \
	X(ENTRY, "entry")                                                      \
	X(MID, "mid-corner")                                                   \
	X(EXIT, "exit")                                                        \
	X(CONSISTENCY, "consistency")                                          \
	X(OVERALL, "overall")
enum coach_rating {
#define X(id, name) COACH_R_##id,
	COACH_RATINGS(X)
#undef X
	    COACH_R__COUNT
};
const char *coach_rating_name(enum coach_rating r);

struct coach_lap_result {
	size_t n;
	struct coach_corner c[ANA_CORNERS_MAX];
	struct coach_pred p[ANA_CORNERS_MAX];
	double lap_s, ref_s, delta_s;
	double rating[COACH_R__COUNT]; /* 0..100, NAN = unknown */
	double grip_share[3];	       /* braking, cornering, combined: the
					  lap's use of the reference's grip,
					  0..1+ (NAN unknown) */
	size_t n_advice;
	struct coach_advice adv[COACH_ADVICE_MAX];
};

/* Everything for one lap: features, models, ratings, advice. ref_gap_s:
 * how far the reference itself is from the anchor (0 for the limit lap
 * or a class reference; NAN if unknown). consistency_sd_s: the session's
 * mean per-corner segment-time standard deviation (NAN: one lap).
 * TB_ERR_ARG for a lap with fewer than 2 corners or no speed. */
enum tb_status coach_lap(const struct coach_model *m,
			 const struct ana_grid *lap, const struct ana_grid *ref,
			 const struct ana_corners *corners, double ref_gap_s,
			 double consistency_sd_s, struct coach_lap_result *out,
			 struct tb_error *err) TB_WUR;

/* The result as one JSON object (appended to b): lap_s, ref_s,
 * delta_s, ratings {name: 0..100|null}, grip_share {braking, cornering,
 * combined}, corners [{number, loss_s, predicted_s, attribution_s
 * {cause: s}, mistakes {type: probability|null}}], advice [{corner,
 * mistake, time_s, probability, text[, explain]}]. */
enum tb_status coach_lap_json(const struct coach_lap_result *r, bool explain,
			      struct tb_buf *b, struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* The class limit lap as a reference, and cross-class comparison. */

/* The physics limit lap of class cls on the lap's own path: a track
 * from the lap's positions (sim_track_from_xy), the class's car solved
 * on it (sim_solve), sampled at 50 Hz and put on a 1 m grid like a
 * recorded lap. *limit_s (optional) gets its lap time. TB_ERR_ARG for a
 * lap without positions or an unknown class. out initialised here. */
enum tb_status coach_limit_grid(const struct tb_lap *lap, enum tb_car_class cls,
				struct ana_grid *out, double *limit_s,
				struct tb_error *err) TB_WUR;

/* Two laps of different classes on the same track, each coached
 * against its own class limit lap (a, b from coach_lap with that
 * reference): their technique shares side by side, and which part of
 * the lap-time difference is the car (the limit laps' difference) and
 * which the driver (each lap's gap to its own limit), as text appended
 * to out. */
enum tb_status coach_cross_text(const struct coach_lap_result *a,
				enum tb_car_class cls_a,
				const struct coach_lap_result *b,
				enum tb_car_class cls_b, struct tb_buf *out,
				struct tb_error *err) TB_WUR;

#endif /* TB_COACH_H */

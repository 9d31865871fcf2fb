/* analysis.h - laps compared by distance. A lap's samples get a lap
 * distance (projected onto a track model's reference path, or the
 * source's own distance channel, or integrated speed — and the result
 * says which), are resampled onto a regular distance grid, and two grids
 * give a delta-time trace. Corners are found once per track layout and
 * tile the lap, so per-corner time losses sum exactly to the lap delta.
 * Everything works on laps in memory (core) and allocates only in the
 * create/build calls. A value that cannot be known from a source (no
 * steering channel, on/off brake) is NAN with a reason, never 0. */
#ifndef TB_ANALYSIS_H
#define TB_ANALYSIS_H

#include "../core/core.h"

/* ------------------------------------------------------------------ */
/* Track model: a reference path (ground-plane x/y every step metres,
 * closed at the line) learnt from clean laps of one game + track +
 * layout, stored and reused. */

struct ana_track {
	double step_m;	 /* spacing of the path points, e.g. 1.0 */
	double length_m; /* closed length (last point to first included) */
	size_t n;	 /* points */
	double *x, *y;	 /* n each; owned */
	double *curv;	 /* n: signed curvature 1/m (+ left), smoothed */
};

/* Build a track model from n_laps laps that have TB_CH_POS_X/Y (clean,
 * complete laps of the same layout): each lap's path resampled by its
 * own arc length, aligned at the line, the median of the laps taken
 * point by point, smoothed, closed and resampled every step_m metres.
 * TB_ERR_ARG if fewer than one usable lap; laps whose length differs
 * from the median by more than 2 % are left out (n_used says how many
 * were used). */
enum tb_status ana_track_build(const struct tb_lap *const *laps, size_t n_laps,
			       double step_m, struct ana_track *out,
			       size_t *n_used, struct tb_error *err) TB_WUR;
void ana_track_release(struct ana_track *t);

/* A model as bytes, to store and reuse it (the store keeps it opaque).
 * Format ANA_TRACK_FORMAT: little-endian, magic "TBTM", the point count
 * checked against the length, a checksum over all of it (layout in
 * trackio.c). encode appends to out (TB_ERR_ARG for a model that
 * ana_track_build could not have made; the buffer's cap applies).
 * decode fills out (release with ana_track_release; zeroed on failure)
 * and refuses anything wrong or truncated with TB_ERR_CORRUPT. */
#define ANA_TRACK_FORMAT 1u
enum tb_status ana_track_encode(const struct ana_track *t, struct tb_buf *out,
				struct tb_error *err) TB_WUR;
enum tb_status ana_track_decode(const void *buf, size_t len,
				struct ana_track *out,
				struct tb_error *err) TB_WUR;

/* Project (x, y) onto the path: the distance along it (0..length) of
 * the nearest point, searching only [hint - back, hint + ahead] (metres,
 * wrapping at the line) so a hairpin or a crossover cannot make the
 * projection jump. *err_m receives the distance off the path. */
double ana_track_project(const struct ana_track *t, double x, double y,
			 double hint_m, double back_m, double ahead_m,
			 double *err_m);

/* ------------------------------------------------------------------ */
/* Distance base of a lap. */

enum ana_dist_method {
	ANA_DIST_TRACK,	  /* projected onto the track model, fused with
			     integrated speed */
	ANA_DIST_CHANNEL, /* the source's own lap distance channel
			     (with a track model and a low sample rate:
			     scaled onto its length, projection as a
			     check, see check_m) */
	ANA_DIST_SPEED,	  /* integrated speed (no position, no channel) */
};
const char *ana_dist_method_name(enum ana_dist_method m); /* "track" */

struct ana_dist_info {
	enum ana_dist_method method;
	double length_m;    /* distance covered by the lap */
	double pos_err_rms; /* projection error, m (TRACK; CHANNEL with a
			       check: off the path near the channel's
			       distance; else NAN) */
	double pos_err_max;
	double rate_hz;	       /* median sample rate */
	size_t n_dropped;      /* samples dropped: duplicate or reversed time,
				  non-finite values */
	double line_time_s;    /* start/finish crossing, interpolated between
				  samples, in the lap's TB_CH_TIME */
	double end_time_s;     /* the line at the lap's end (length_m), in
				  TB_CH_TIME: the game's lap time when it
				  agrees with the samples, else extrapolated;
				  NAN if the lap does not reach it */
	const char *note;      /* NULL, or a fallback / cleanup taken
				  ("no position: lap distance channel") */
	enum tb_channel clock; /* the lap's clock the times above are in:
				TB_CH_TIME, or TB_CH_LAP_TIME when that
				one runs steadier (a game clock against a
				jittery receive time) */
	double check_m;	       /* CHANNEL on a track model (a low-rate
				  source, < 20 Hz: its own distance scaled
				  onto the model's length is the base): the
				  largest disagreement, m, of the projected
				  positions along the path with it (median of
				  9 samples, so one glitch does not count);
				  NAN without such a check */
};

/* Lap distance of every sample of lap into dist[lap->n] (metres from the
 * line, increasing; a dropped sample gets NAN). track may be NULL.
 * Refuses (TB_ERR_ARG with a reason) a lap without time, or with
 * neither position+track, a distance channel, nor speed. */
enum tb_status ana_lap_distance(const struct tb_lap *lap,
				const struct ana_track *track, double *dist,
				struct ana_dist_info *info,
				struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* A lap on a regular distance grid: point i is at i * step_m. */

struct ana_grid {
	double step_m;
	size_t n; /* points: floor(length / step) + 1 */
	double length_m;
	tb_chmask chans; /* channels with at least one known point */
	double *t;	 /* n: elapsed time since the line, s (always) */
	double *col[TB_CH__COUNT]; /* n each for chans; NAN = unknown here */
	struct ana_dist_info dist; /* how the distance was obtained */
	int32_t lap_time_ms;	   /* the lap's (game's) time, or unknown */
	double t_end_s;		   /* elapsed time at length_m (the line at
				      the end), NAN if not reached */
	uint32_t src;		   /* ANA_SRC_* bits about the source:
				      ana_grid_from_lap sets them from the
				      lap, ana_resample leaves them 0 */
};

/* What a grid's source can and cannot tell (struct ana_grid.src). */
#define ANA_SRC_BRAKE_BINARY                                                   \
	(1u << 0) /* TB_CH_BRAKE is on/off (0/1), not                          \
		     a pedal fraction (F1 timing) */

/* Resample lap onto a step_m grid using dist (from ana_lap_distance):
 * linear interpolation for continuous channels, hold for step channels
 * (core channel kinds), NAN where a channel is absent or across a gap
 * wider than max_gap_m. out is initialised here; release it with
 * ana_grid_release. */
enum tb_status ana_resample(const struct tb_lap *lap, const double *dist,
			    const struct ana_dist_info *info, double step_m,
			    double max_gap_m, struct ana_grid *out,
			    struct tb_error *err) TB_WUR;
void ana_grid_release(struct ana_grid *g);

/* Convenience: distance + resample in one call, with out->src set from
 * the lap (ANA_SRC_BRAKE_BINARY when ana_lap_brake_binary). */
enum tb_status ana_grid_from_lap(const struct tb_lap *lap,
				 const struct ana_track *track, double step_m,
				 struct ana_grid *out,
				 struct tb_error *err) TB_WUR;
/* True if the lap's brake is on/off (F1 timing data): every known sample
 * 0 or 1, and at least one 1. */
bool ana_lap_brake_binary(const struct tb_lap *lap);

/* ------------------------------------------------------------------ */
/* Delta time. */

struct ana_delta_info {
	double final_s;	     /* delta at the line = lap time difference */
	double confidence;   /* 0..1: position error, sample rates, line
				length difference and the channel-vs-
				positions check (check_m) folded into one
				figure; < 0.25 with a warning when the
				check fails (> 30 m) */
	double len_diff_m;   /* lap length - reference length */
	const char *warning; /* NULL, or why the comparison is doubtful */
};

/* delta[i] = lap time at distance i*step - reference time there, for
 * every reference point i < ref->n (n_out). Both grids must share step_m;
 * the lap's distance is scaled onto the reference's length first when
 * they differ by < 2 % (different lines); more → TB_ERR_RANGE ("not the
 * same layout"). delta must hold ref->n doubles. */
enum tb_status ana_delta(const struct ana_grid *lap, const struct ana_grid *ref,
			 double *delta, size_t *n_out,
			 struct ana_delta_info *info,
			 struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Corners: segments that tile [0, length). Each segment k runs from
 * start_m to the next segment's start (the last one to length_m) and
 * holds one corner (or a merged complex) and the straight after it. */

#define ANA_CORNERS_MAX 64

struct ana_corner {
	int number;	 /* stable 1-based number along the lap */
	double start_m;	 /* segment start (end of the previous straight,
			    before this corner's braking) */
	double brake_m;	 /* where the reference starts braking / lifting
			    (NAN if it does not) */
	double apex_m;	 /* minimum speed of the reference */
	double exit_m;	 /* back on full throttle / curvature ends */
	double end_m;	 /* segment end = next start */
	double curv_max; /* 1/m, signed (+ left) */
	bool complex;	 /* several apexes merged */
};

struct ana_corners {
	size_t n;
	double length_m;
	struct ana_corner c[ANA_CORNERS_MAX];
};

/* Find corners from the track model's curvature (or, without one, from
 * the reference grid's speed: local minima), refined by where the fast
 * laps brake and lift. refs: the fastest laps' grids (>= 1). */
enum tb_status ana_corners_find(const struct ana_track *track,
				const struct ana_grid *const *refs,
				size_t n_refs, struct ana_corners *out,
				struct tb_error *err) TB_WUR;

/* Per-corner metrics of a lap; NAN = unknown (the source lacks the
 * channel: see unknown_mask), each also as lap - reference. */
struct ana_corner_metrics {
	double brake_m;		/* brake point (distance) */
	double brake_peak;	/* 0..1 */
	double brake_build_s;	/* time from 10 % to 90 % of peak */
	double trail_release_m; /* brake released (< 5 %) */
	double overlap_m;	/* brake and steering both applied */
	double entry_kmh;	/* speed at the brake point */
	double min_kmh, min_m;	/* minimum speed and where */
	double coast_m;		/* neither brake nor throttle */
	double throttle_m;	/* throttle pickup (> 10 % after the apex) */
	double full_throttle_m; /* distance from pickup to > 95 % */
	double exit_kmh[3];	/* 50, 100, 200 m after the apex */
	double gear_apex;
	double steer_corrections; /* sign changes of steering rate */
	double time_s;		  /* time through the segment */
	tb_chmask unknown;	  /* channels missing for these metrics */
};

/* Metrics of lap in corner k's segment. Distances are in the corners'
 * frame (the lap's distance scaled onto corners->length_m, which must
 * agree within 2 %: TB_ERR_RANGE otherwise). lap->src says whether the
 * brake is on/off (ANA_SRC_BRAKE_BINARY: brake point at > 0.5, build-up
 * and release unknown). TB_ERR_ARG for an empty grid or k >= n. */
enum tb_status ana_corner_metrics(const struct ana_grid *lap,
				  const struct ana_corners *corners, size_t k,
				  struct ana_corner_metrics *out,
				  struct tb_error *err) TB_WUR;

/* Time lost in corner c's segment: delta at its end minus delta at its
 * start (linear interpolation of delta[n], point i at i * step_m; ends
 * beyond the last point take the last one). Segments tile the lap, so
 * the losses of all corners add up to delta[n - 1] - delta[0], the lap
 * delta. NAN for bad arguments or a NAN delta there. */
double ana_corner_loss(const double *delta, size_t n, double step_m,
		       const struct ana_corner *c);

/* Time lost in every corner by lap against ref (the grids of delta,
 * from ana_delta: n points of ref) into loss[corners->n], each segment
 * start (except the first) moved for this comparison from start_m to
 * where either lap first lifts (throttle < 95 %) or brakes for the
 * corner, less 2 m (never before start_m, never after apex_m): the time
 * a slow exit keeps losing down the straight stays with that corner,
 * an early lift, brake or coast goes to the corner it was for. Without
 * pedals the fixed starts apply (= ana_corner_loss). The boundaries
 * still tile the lap, so the losses sum to delta[n-1] - delta[0].
 * TB_ERR_ARG / TB_ERR_RANGE as ana_corner_metrics. */
enum tb_status ana_corner_losses(const struct ana_grid *lap,
				 const struct ana_grid *ref,
				 const struct ana_corners *corners,
				 const double *delta, size_t n, double *loss,
				 struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Session views: many laps of one layout against one set of corners. */

#define ANA_CARS_MAX 256 /* car indexes 0..255 */

struct ana_session_lap {
	const struct ana_grid *grid; /* borrowed */
	uint8_t car;		     /* car index */
	bool clean;		     /* valid lap: counted in the views */
};

struct ana_corner_stats {
	size_t n_laps;	   /* clean laps with a segment time */
	double best_s;	   /* best segment time among clean laps */
	size_t best_lap;   /* index into the laps array */
	double time_sd_s;  /* std dev of the segment time */
	double brake_sd_m; /* std dev of the brake point (laps braking) */
	double min_kmh_sd; /* std dev of the minimum speed */
};

struct ana_session_summary {
	size_t n_clean;
	double best_lap_s;    /* fastest clean lap (NAN: none) */
	size_t best_lap;      /* its index */
	double theoretical_s; /* sum over segments of best_s */
	size_t n_corners;
	struct ana_corner_stats c[ANA_CORNERS_MAX];
	size_t n_cars;		       /* cars with a clean lap */
	size_t car_best[ANA_CARS_MAX]; /* per car index: best clean lap's
					  index, SIZE_MAX if none */
};

/* Summarise n_laps laps (grids of the same layout as corners): the
 * theoretical best (sum over the corner segments of the best segment
 * time among clean laps), consistency per corner over clean laps (std
 * dev of brake point, minimum speed, segment time) and the best lap per
 * car. A lap's time is its lap_time_ms when known, else its last grid
 * time. TB_ERR_ARG without a clean lap; no allocation. */
enum tb_status ana_session_summarize(const struct ana_session_lap *laps,
				     size_t n_laps,
				     const struct ana_corners *corners,
				     struct ana_session_summary *out,
				     struct tb_error *err) TB_WUR;

#endif /* TB_ANALYSIS_H */

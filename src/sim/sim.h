/* sim.h - the lap-time simulator: the physics limit of a car class on a
 * track. A track is a smoothed centre line every 1 m with its curvature
 * (struct ana_track, so analysis can project onto it); a car class is a
 * small parameter set (mass, power, aero, tyre grip with load
 * sensitivity, brakes); the solver is quasi-steady-state (corner speed
 * limit, forward traction pass, backward braking pass, friction
 * ellipse, closed lap) and its lap comes out as a struct tb_lap in
 * canonical channels. Method, equations and sources: docs/SIM.md. */
#ifndef TB_SIM_H
#define TB_SIM_H

#include "../analysis/analysis.h"
#include "../core/core.h"

#define SIM_G		9.80665	 /* standard gravity, m/s^2 */
#define SIM_AIR_DENSITY 1.225	 /* ISA sea level, kg/m^3 */
#define SIM_STEP_M	1.0	 /* track resolution */
#define SIM_TRACK_MAX_M 100000.0 /* longest track accepted (100 km) */
#define SIM_POLY_MAX	100000u	 /* most vertices of an input polyline */

/* ------------------------------------------------------------------ */
/* Tracks. Every function fills a struct ana_track (release it with
 * ana_track_release): n points step_m apart (step_m = length / n, as
 * close to the requested step as a whole number of points allows),
 * closed (point n-1 joins point 0), point 0 on the start line, and a
 * signed curvature (+ left) that is smooth. */

/* Smoothing of a centre line (docs/SIM.md "Tracks"). */
struct sim_smooth {
	double step_m;	/* output spacing; 0 = SIM_STEP_M */
	double sigma_m; /* Gaussian smoothing of the curvature, m
			   (standard deviation); 0 = none */
};

/* Defaults for coarse survey polylines (the circuit files): 1 m,
 * sigma 20 m. */
struct sim_smooth sim_smooth_default(void);

/* Fit a closed centre line through the polyline (x[i], y[i]), i < n
 * (metres, ground plane; borrowed, not kept): a periodic cubic spline
 * with chord-length parameter through the vertices (duplicates and a
 * repeated closing vertex dropped), resampled by arc length every
 * opt->step_m, curvature taken from the spline's derivatives and then
 * smoothed with a periodic Gaussian of opt->sigma_m. start_idx is the
 * vertex on the start line (point 0 of the result). opt NULL = defaults.
 * TB_ERR_ARG: fewer than 4 distinct vertices, non-finite values,
 * start_idx >= n, n > SIM_POLY_MAX, or a length over SIM_TRACK_MAX_M.
 * out is initialised here (empty on failure). */
enum tb_status sim_track_from_xy(const double *x, const double *y, size_t n,
				 size_t start_idx, const struct sim_smooth *opt,
				 struct ana_track *out,
				 struct tb_error *err) TB_WUR;

/* Load a circuit file of the shared track data
 * (tracks/bacinger-f1-circuits/csv_local_m/<id>.csv: "#" comment lines,
 * then "x_m,y_m" rows in local metres). The file's first vertex is not
 * the start line: the start is placed on the vertex that begins the
 * longest straight stretch (see docs/SIM.md), a documented guess.
 * TB_ERR_IO if unreadable, TB_ERR_CORRUPT (with the line number) for a
 * malformed row, else as sim_track_from_xy. */
enum tb_status sim_track_load_csv(const char *path,
				  const struct sim_smooth *opt,
				  struct ana_track *out,
				  struct tb_error *err) TB_WUR;

/* Built-in test circuits, defined in code (no data files):
 * "oval" (2 x 1000 m straights, 150 m radius ends), "club" (about 5 km:
 * a chicane, a 15 m hairpin, fast and slow corners), "ring" (a circle of
 * 200 m radius: constant speed, for exact checks). Curvature is the
 * exact piecewise-constant one smoothed with a 3 m Gaussian (so it is
 * continuous); x/y are its integral. TB_ERR_NOTFOUND for another name. */
enum tb_status sim_track_builtin(const char *name, struct ana_track *out,
				 struct tb_error *err) TB_WUR;
/* Names of the built-in circuits: i < sim_builtin_count(); NULL past. */
size_t sim_builtin_count(void);
const char *sim_builtin_name(size_t i);

/* ------------------------------------------------------------------ */
/* Car classes. Values and their sources: docs/SIM.md. */

struct sim_car {
	char name[TB_NAME_MAX];
	enum tb_car_class cls;
	double mass_kg;	    /* car + driver + qualifying fuel */
	double power_w;	    /* power at the wheels, constant (power-
			       limited above the traction limit) */
	double drive_frac;  /* share of the load on the driven wheels:
			       caps traction at drive_frac * longitudinal
			       grip (1 for four-wheel drive) */
	double cda_m2;	    /* drag area Cd * A */
	double cla_m2;	    /* downforce area Cl * A (positive = down) */
	double mu;	    /* tyre friction coefficient at the static
			       load m g (lateral) */
	double mu_lon;	    /* longitudinal / lateral friction ratio */
	double load_sens;   /* s in [0, 0.5): grip force mu N0 (N/N0)^(1-s),
			       N0 = m g: the effective mu falls as
			       downforce adds load */
	double brake_max_n; /* brake-system cap on the braking force */
	double crr;	    /* rolling resistance coefficient */
	int n_gears;	    /* forward gears, 1..10 */
	double v_gear1_ms;  /* speed at rpm_max in first gear */
	double v_top_ms;    /* speed at rpm_max in top gear (gearing caps
			       the top speed here) */
	double rpm_max;	    /* shift point / rev limit */
	double rpm_min;	    /* lowest rpm reported (clutch slipping) */
};

/* Parameter set of a class: TB_CLASS_F1, _LMH, _GT3, _RALLY (rally on
 * tarmac). TB_ERR_ARG for TB_CLASS_OTHER or out of range. */
enum tb_status sim_car_class(enum tb_car_class cls, struct sim_car *out,
			     struct tb_error *err) TB_WUR;
/* Class from its name, case-insensitive: "F1", "LMH", "GT3", "Rally".
 * TB_ERR_NOTFOUND otherwise. */
enum tb_status sim_class_by_name(const char *name, enum tb_car_class *out);
/* TB_ERR_ARG naming the first parameter out of its sane range. */
enum tb_status sim_car_check(const struct sim_car *car,
			     struct tb_error *err) TB_WUR;

/* Forces available at speed v (m/s), in newtons, all >= 0. */
struct sim_forces {
	double load_n;	 /* vertical load m g + downforce */
	double fy_max;	 /* lateral grip */
	double fx_max;	 /* longitudinal grip (brake side) */
	double fx_drive; /* drive force cap: min(power / v, drive_frac *
			    fx_max) */
	double fx_brake; /* braking force cap: min(brake_max_n, fx_max) */
	double drag_n;	 /* aero drag + rolling resistance */
};
/* Fill f for car at speed v (v < 0 treated as 0). Pure; no checks. */
void sim_car_forces(const struct sim_car *car, double v, struct sim_forces *f);

/* Highest steady speed through curvature curv (1/m, either sign):
 * solves m v^2 |curv| = fy_max(v), capped at the gearing top speed
 * v_top_ms (also for curv = 0). Pure; no checks. */
double sim_corner_speed(const struct sim_car *car, double curv);

/* ------------------------------------------------------------------ */
/* Solver. */

/* A limit lap on the track's points (distance i * step_m). */
struct sim_result {
	size_t n; /* = track n; point n is point 0 again */
	double step_m;
	double lap_time_s;
	double *v;	     /* n: speed at point i, m/s */
	double *v_lim;	     /* n: corner speed limit at point i */
	double *t;	     /* n + 1: elapsed time at point i; t[n] = lap */
	double *ax;	     /* n: longitudinal acceleration on segment i
				(point i to i + 1), m/s^2 */
	double *fx;	     /* n: tyre longitudinal force on segment i, N
				(+ drive, - brake): m ax + drag */
	double v_min, v_top; /* slowest / fastest point, m/s */
	double closure_ms;   /* |speed at the end - speed at the start|: the
				lap closes when this is ~0 */
	int iterations;	     /* start-speed iterations taken */
};

/* Solve the limit lap of car on track (quasi-steady-state):
 * 1. v_lim(i) = sim_corner_speed(curv[i]);
 * 2. forward pass from the slowest v_lim point around the lap:
 *    v(i+1)^2 = v(i)^2 + 2 ds (fx_avail - drag) / m, fx_avail the drive
 *    cap scaled by the friction ellipse sqrt(1 - (Fy/fy_max)^2), where
 *    Fy = m v(i)^2 |curv(i)|; capped at v_lim(i+1);
 * 3. backward pass likewise with the braking cap, plus drag;
 * 4. v = min(forward, backward); repeated from the end speed until the
 *    start and end speeds agree within 1e-9 m/s (max 50 iterations).
 * out is initialised here; release with sim_result_release. TB_ERR_ARG
 * for an empty track or a car failing sim_car_check. */
enum tb_status sim_solve(const struct ana_track *track,
			 const struct sim_car *car, struct sim_result *out,
			 struct tb_error *err) TB_WUR;
void sim_result_release(struct sim_result *r);

/* Gear (1-based) and rpm of car at speed v: the lowest gear whose top
 * speed (geometric spacing between v_gear1_ms and v_top_ms) is >= v;
 * rpm = rpm_max * v / that gear's top speed, at least rpm_min. */
void sim_gearbox(const struct sim_car *car, double v, int *gear, double *rpm);

/* The solved lap as a struct tb_lap sampled every 1 / rate_hz seconds
 * of lap time from 0 up to and including the lap time (the last sample
 * at the line): channels time, lap_time, lap_dist, speed, throttle,
 * brake (fractions of the drive / brake caps at that speed), gear, rpm,
 * g_lat (+ left), g_lon, pos_x, pos_y. lap_time_ms is the rounded lap
 * time, lap_number 1, flags 0. out must be initialised (tb_lap_init);
 * its old contents are released. TB_ERR_ARG: rate not in (0, 10000],
 * track and result of different sizes. TB_ERR_LIMIT past
 * TB_LAP_MAX_SAMPLES. */
enum tb_status sim_result_to_lap(const struct ana_track *track,
				 const struct sim_car *car,
				 const struct sim_result *res, double rate_hz,
				 struct tb_lap *out,
				 struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Racing line (src/sim/line.c; docs/SIM.md "Racing line"). The circuit
 * files carry no widths: a nominal width is used (12 m, the FIA minimum
 * for a new Grade 1 circuit, unless told otherwise). */

#define SIM_WIDTH_DEFAULT_M	12.0 /* nominal track width */
#define SIM_CAR_WIDTH_DEFAULT_M 2.0  /* F1 car width (regulation max) */

struct sim_line_opt {
	double width_m;	      /* track width, m */
	double car_width_m;   /* the car's centre stays (width - car) / 2
				 from the centre line at most */
	double node_m;	      /* spacing of the optimisation nodes, m */
	double sigma_m;	      /* Gaussian smoothing of the line's
				 curvature, m (0 = none) */
	double length_weight; /* weight of the line's length against its
				 squared curvature, 1/m^3 (0 = the
				 minimum-curvature line) */
};
/* 12 m, 2 m, nodes every 5 m, sigma 10 m, length weight 0. */
struct sim_line_opt sim_line_opt_default(void);

/* A racing line: a track of its own plus its map to the centre line. */
struct sim_line {
	struct ana_track track; /* the line: n points every ~1 m, point 0
				   on the start line (on the normal
				   through the centre line's point 0) */
	double *centre_m;	/* n: distance along the centre line of
				   the point's projection, unwrapped
				   (rises from ~0 to ~centre length) */
	double *offset_m;	/* n: signed distance from the centre
				   line (+ left) */
	double half_m;		/* the bound on the offset used */
	double centre_length_m; /* the centre line's length */
	int sweeps;		/* SOR sweeps, all levels */
	double length_weight;	/* the weight it was made with */
};

/* The minimum-curvature line of centre (borrowed): lateral offsets e of
 * nodes every opt->node_m of centre-line distance, |e| <= (width - car
 * width) / 2, minimising the sum of the squared second differences of
 * the node points (projected SOR, coarse to fine); the nodes
 * become a track through sim_track_from_xy with opt->sigma_m. opt NULL
 * = sim_line_opt_default(). out is initialised here (release with
 * sim_line_release). TB_ERR_ARG: options out of range, a track without
 * x/y or shorter than 128 nodes. */
enum tb_status sim_line_racing(const struct ana_track *centre,
			       const struct sim_line_opt *opt,
			       struct sim_line *out,
			       struct tb_error *err) TB_WUR;
void sim_line_release(struct sim_line *l);

/* The fastest line of a small family for car: sim_line_racing with
 * length weights 0, 1e-5, 1e-4 and 1e-3 1/m^3 (pure minimum curvature
 * to nearly the shortest path), each solved with sim_solve, the one of
 * the shortest limit lap kept (its time into *lap_s, optional). */
enum tb_status sim_line_fastest(const struct ana_track *centre,
				const struct sim_line_opt *opt,
				const struct sim_car *car, struct sim_line *out,
				double *lap_s, struct tb_error *err) TB_WUR;

/* Centre-line distance of the line's point at line distance line_m
 * (linear between points; the line's length maps to the centre's),
 * clamped to [0, centre length]. NAN without a line. */
double sim_line_centre_dist(const struct sim_line *l, double line_m);

/* Rewrite a lap on the line (TB_CH_LAP_DIST in line distance, e.g. from
 * sim_result_to_lap on l->track) into centre-line distance, so analysis
 * on the centre line's track model lines it up with other laps.
 * TB_ERR_ARG without a lap distance channel. */
enum tb_status sim_line_lap_to_centre(const struct sim_line *l,
				      struct tb_lap *lap,
				      struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Calibration from real laps (src/sim/calib.c; docs/SIM.md
 * "Calibration"). */

#define SIM_CALIB_BINS	 10   /* speed bins of the g-g-v report */
#define SIM_CALIB_BIN_MS 10.0 /* width of a bin, m/s */

struct sim_calib_opt {
	double grid_m; /* spacing of the comparison grid, m (10) */
	int evals_max; /* solver runs at most (600) */
};
struct sim_calib_opt sim_calib_opt_default(void);

struct sim_calib_report {
	size_t lap_index;     /* the fastest lap, the fit's target */
	double real_lap_s;    /* its time */
	double real_length_m; /* its own lap distance */
	size_t grid_n;	      /* grid points: fractions (k + 0.5) / n of
				 each lap's length */
	double shift_m;	      /* track distance of the real lap's start
				 (best correlation of the base car) */
	double base_lap_s, base_corr, base_rmse_ms; /* the base car */
	double lap_s, corr, rmse_ms;		    /* the fitted car */
	int evals;				    /* solver runs */
	struct {
		size_t n;	/* grid points in the bin */
		double accel_g; /* 98th percentile of the real lap's */
		double brake_g; /* longitudinal accel, decel and */
		double lat_g;	/* lateral accel (v^2 curv) */
	} env[SIM_CALIB_BINS];	/* bin b: speeds [b, b + 1) * 10 m/s */
};

/* Fit base's mu, cla_m2, cda_m2, power_w and brake_max_n (the rest kept)
 * so that its limit lap on track follows the fastest of laps (borrowed;
 * its lap_time_ms, else its time channel): each parameter stepped in
 * log scale (pattern search, the step halved down to 0.4 %), minimising
 * the mean squared difference of the speeds on a grid of normalised
 * distance (each lap's own length) plus the squared lap-time
 * difference (1 s^2 counts as 1 (m/s)^2). The real lap's start on the
 * track is the circular shift of best correlation of the base car's
 * trace. opt NULL = defaults. out gets the fitted car, rep the
 * numbers. TB_ERR_ARG: no lap with a time, a fastest lap without
 * speed or lap distance (or under 50 samples), a track under 1 km. */
enum tb_status sim_calibrate(const struct ana_track *track,
			     const struct tb_lap *const *laps, size_t n_laps,
			     const struct sim_car *base,
			     const struct sim_calib_opt *opt,
			     struct sim_car *out, struct sim_calib_report *rep,
			     struct tb_error *err) TB_WUR;

/* A simulator track from a track model built of real laps
 * (ana_track_build: their median path, point 0 on their line): its
 * path taken every vertex_m metres as a polyline for sim_track_from_xy
 * with opt (NULL = sim_smooth_default()). TB_ERR_ARG for vertex_m not
 * in [1, 100] or a model without x/y. */
enum tb_status sim_track_from_model(const struct ana_track *model,
				    double vertex_m,
				    const struct sim_smooth *opt,
				    struct ana_track *out,
				    struct tb_error *err) TB_WUR;

/* Pearson correlation of a[] and b[] (n > 1); NAN when either is
 * constant or missing. */
double sim_pearson(const double *a, const double *b, size_t n);

/* The car as text: "# trailbrake car v1" then one key=value per line
 * (name, class, every numeric field of struct sim_car by its name).
 * TB_ERR_LIMIT if cap is too small (1 KiB is plenty). */
enum tb_status sim_car_format(const struct sim_car *car, char *buf, size_t cap,
			      struct tb_error *err) TB_WUR;
/* Parse such text over car (keys absent keep car's values; '#' lines
 * and blank lines skipped), then sim_car_check. TB_ERR_CORRUPT naming
 * the line for an unknown key or a bad number. */
enum tb_status sim_car_parse(const char *text, struct sim_car *car,
			     struct tb_error *err) TB_WUR;

/* ------------------------------------------------------------------ */
/* Synthetic drivers: the limit lap driven at a share of the grip, with
 * mistakes of exact sizes injected at chosen corners (docs/SIM.md
 * "Synthetic drivers"). Corner k is corner number k of ana_corners_find
 * on the car's limit lap (sim_driver_corners), so an analysis of the
 * laps numbers the corners the same way. */

#define SIM_MISTAKES_MAX 16

enum sim_mistake_kind {
	SIM_BRAKE_EARLY,   /* size m: braking starts that much earlier and
			      lighter: the tyres' braking force (friction
			      ellipse kept) scaled by one share f in
			      [0.15, 1], found by bisection so that the
			      backward pass from the end of the clean
			      braking run meets the clean profile size m
			      before the clean brake point; trailed to
			      the same end (release and overlap kept) */
	SIM_SLOW,	   /* size = factor in (0, 1): the corner's minimum
			      speed times it, held over the limit lap's
			      minimum, braked into and driven out of at
			      the limit */
	SIM_LATE_THROTTLE, /* size m: neither pedal for that far from
			      where the throttle would pass 10 %, then
			      the limit */
	SIM_COAST,	   /* size m: neither pedal for that far before
			      the braking point, then braking at the
			      limit (which therefore starts later) */
	SIM_NO_TRAIL,	   /* size m: braking ends that far before the
			      turn-in (steering first past 5 % of lock
			      after the brake point), at the speed of
			      the end of the clean braking run, held
			      until the clean lap is faster; braked into
			      at the limit (so earlier) */
	SIM_OVER_DRIVE,	   /* size m: braking starts that much later, at
			      the straight-line limit (progress no faster
			      than the corner limit: the car runs wide);
			      the minimum becomes v_min (v_c / v_in)^2
			      (v_in, v_c: speed at the late brake point
			      with and without the mistake), reached by
			      that braking and held to the clean pickup
			      + size, then the limit */
	SIM_STEER_CORR,	   /* size = count 1..8: that many steering
			      corrections at the corner's minimum, each
			      one cycle of SIM_CORR_AMP of lock over
			      SIM_CORR_S seconds, each scrubbing
			      SIM_CORR_SCRUB of the minimum speed */
	SIM_POOR_EXIT,	   /* size = share in (0, 1): from the throttle
			      pickup the drive force is that share of
			      the traction limit, rising linearly to
			      all of it SIM_POOR_EXIT_M later */
};
#define SIM_CORR_AMP	0.08 /* steering correction amplitude, of lock */
#define SIM_CORR_S	0.4  /* one correction's duration, s */
#define SIM_CORR_SCRUB	0.01 /* minimum speed lost per correction */
#define SIM_CORR_MAX	8
#define SIM_POOR_EXIT_M 80.0 /* poor exit: metres to the full limit */
/* "brake-early", "slow", "late-throttle", "coast", "no-trail-brake",
 * "over-drive", "steer-corrections", "poor-exit"; NULL past the end. */
const char *sim_mistake_name(enum sim_mistake_kind k);

struct sim_mistake {
	enum sim_mistake_kind kind;
	int corner;  /* corner number, 1-based */
	double size; /* metres, the factor of SIM_SLOW, the share of
			SIM_POOR_EXIT or the count of SIM_STEER_CORR */
};

/* Steering of the synthetic laps (TB_CH_STEER, -1..1, + left like the
 * curvature): atan(wheelbase * curvature) / lock, the road-wheel angle
 * of a kinematic (Ackermann) car over its angle at full lock. */
struct sim_steering {
	double wheelbase_m;
	double lock_rad; /* road-wheel angle at full lock */
};
/* Geometry of a class (docs/SIM.md); a GT3's for TB_CLASS_OTHER. */
void sim_steering_class(enum tb_car_class cls, struct sim_steering *out);

/* Sensor noise added to the sampled channels: Gaussian, standard
 * deviations as given (0 = none); pedals clamped to [0, 1]. The same
 * seed gives the same noise. */
struct sim_noise {
	double speed_ms; /* TB_CH_SPEED */
	double pedal;	 /* TB_CH_THROTTLE, TB_CH_BRAKE */
	double pos_m;	 /* TB_CH_POS_X, TB_CH_POS_Y */
	uint64_t seed;
};

struct sim_driver {
	double skill; /* share of the grip envelope used, (0, 1]: the car's
			 mu times skill (0 = 1) */
	size_t n_mistakes;
	struct sim_mistake m[SIM_MISTAKES_MAX];
	struct sim_noise noise;
};

/* Parse a mistake list "kind:corner:size[,kind:corner:size...]" (kinds
 * as sim_mistake_name) into d (its mistakes replaced; the rest kept).
 * TB_ERR_ARG naming the offending item: an unknown kind, a corner < 1,
 * a size <= 0 (a factor of SIM_SLOW / SIM_POOR_EXIT not in (0, 1), a
 * count of SIM_STEER_CORR not a whole 1..SIM_CORR_MAX), more than
 * SIM_MISTAKES_MAX items. An empty string gives no mistakes. */
enum tb_status sim_mistakes_parse(const char *spec, struct sim_driver *d,
				  struct tb_error *err) TB_WUR;

/* Corners of the car's limit lap on track: sim_solve, sampled at
 * 100 Hz, ana_grid_from_lap on track at 1 m, ana_corners_find. */
enum tb_status sim_driver_corners(const struct ana_track *track,
				  const struct sim_car *car,
				  struct ana_corners *out,
				  struct tb_error *err) TB_WUR;

/* What a driver's mistake did, re-simulated. */
struct sim_mistake_result {
	double cost_s;	    /* lap time with this mistake alone - lap
			       time without any */
	double base_at_m;   /* the clean lap's landmark: brake onset
			       (BRAKE_EARLY, COAST, OVER_DRIVE), minimum
			       (SLOW, STEER_CORR), throttle pickup
			       (LATE_THROTTLE, POOR_EXIT), brake release
			       (NO_TRAIL), m */
	double at_m;	    /* ... where the mistake puts it (the brake
			       onset after coasting) */
	double base_min_ms; /* the corner's minimum speed, clean lap */
	double min_ms;	    /* ... with this mistake alone */
};

struct sim_driver_report {
	double clean_s; /* the driver's lap without mistakes */
	double lap_s;	/* with all of them */
	size_t n;	/* = d->n_mistakes */
	struct sim_mistake_result m[SIM_MISTAKES_MAX];
};

/* The driver's speed profile on track (as sim_solve's result; v_lim is
 * the skill-scaled car's): the limit lap of car with mu * skill, then
 * each mistake applied at its corner of corners (from
 * sim_driver_corners; NULL = found here). out is initialised here;
 * release with sim_result_release. TB_ERR_ARG: skill not in (0, 1], a
 * mistake's corner past corners->n, a mistake that does not fit its
 * corner (no braking before it, no pickup after it). */
enum tb_status
sim_driver_solve(const struct ana_track *track, const struct sim_car *car,
		 const struct sim_driver *d, const struct ana_corners *corners,
		 struct sim_result *out, struct tb_error *err) TB_WUR;

/* Each mistake's true time cost and where it landed (rep->m[j] for
 * d->m[j]), the clean and the full lap times; corners as above. */
enum tb_status
sim_driver_report(const struct ana_track *track, const struct sim_car *car,
		  const struct sim_driver *d, const struct ana_corners *corners,
		  struct sim_driver_report *rep, struct tb_error *err) TB_WUR;

/* Both in one: the driver's profile into out (as sim_driver_solve) and
 * the report (as sim_driver_report), solving the clean lap once (the
 * mistakes are applied to copies of it): what a training pipeline
 * calls per lap. out is initialised here (released on failure). */
enum tb_status
sim_driver_run(const struct ana_track *track, const struct sim_car *car,
	       const struct sim_driver *d, const struct ana_corners *corners,
	       struct sim_result *out, struct sim_driver_report *rep,
	       struct tb_error *err) TB_WUR;

/* The driver's lap as channels (sim_driver_sample of the profile of
 * sim_driver_solve, corners found here), d->noise added. *lap_time_s
 * (optional) gets the exact lap time (out->lap_time_ms is it rounded).
 * out must be initialised (tb_lap_init). */
enum tb_status sim_driver_lap(const struct ana_track *track,
			      const struct sim_car *car,
			      const struct sim_driver *d, double rate_hz,
			      struct tb_lap *out, double *lap_time_s,
			      struct tb_error *err) TB_WUR;

/* The same from a solved profile (the CLI's many laps): res from
 * sim_driver_solve with the same d and corners (NULL = found here when
 * d has steering corrections); sim_result_to_lap plus TB_CH_STEER
 * (sim_steering_class of car->cls, d's steering corrections added at
 * their corners); the brake is the fraction of the real car's brake cap;
 * noise from noise (NULL = none). d NULL: no corrections. */
enum tb_status
sim_driver_sample(const struct ana_track *track, const struct sim_car *car,
		  const struct sim_driver *d, const struct ana_corners *corners,
		  const struct sim_result *res, const struct sim_noise *noise,
		  double rate_hz, struct tb_lap *out,
		  struct tb_error *err) TB_WUR;

/* Thread safety: every sim_ function is reentrant. They keep no state
 * between calls, and inputs (tracks, cars, drivers, corners) are only
 * read, so threads may share them; each thread needs its own outputs
 * (results, laps). */

#endif /* TB_SIM_H */

/* gen_int.h - internals of the scenario generator shared by gen.c (the
 * schedule, every car's state per frame, the packets) and gen_track.c
 * (the built-in circuit: spline, curvature, speed shape). */
#ifndef TB_INGEST_GEN_INT_H
#define TB_INGEST_GEN_INT_H

#include "gen.h"

/* The circuit: a centripetal Catmull-Rom loop through GEN_CTL control
 * points, resampled every metre by arc length and scaled to exactly
 * GEN_TRACK_LEN. The line is at control point 0, heading +x. */

#define GEN_TRACK_NAME "trailbrake test circuit"
#define GEN_TRACK_LEN  4318.0 /* m */
#define GEN_N	       4318u  /* table nodes: ds = 1 m */
#define GEN_B1	       1402u  /* sector 2 starts here (node = metre) */
#define GEN_B2	       2911u  /* sector 3 starts here */
#define GEN_DENSE      96u    /* spline samples per control segment */

/* Speed shape (the pace of a lap, later scaled per sector). */
#define GEN_GRAV   9.80665
#define GEN_V_TOP  86.0	 /* m/s, shape top speed */
#define GEN_A_LAT  31.0	 /* m/s^2 cornering limit */
#define GEN_A_BRK  41.0	 /* m/s^2 braking */
#define GEN_A_ACC  15.0	 /* m/s^2 traction-limited acceleration at 0 */
#define GEN_V_DRAG 100.0 /* speed where acceleration would vanish */

/* Session shape. */
#define GEN_DEFAULT_LAP_MS 62000u
#define GEN_MAX_LAP_MS	   600000u
#define GEN_MAX_LAPS	   50u
#define GEN_IN_LAP_MS	   5000 /* in lap driven after the last car's line */
#define GEN_OUT_PACE	   0.92 /* out lap pace relative to the first lap */
#define GEN_IN_PACE	   0.68 /* in lap pace relative to the shape */
#define GEN_FUEL_KG_S	   0.026
#define GEN_MAX_EVENTS	   (F1_CARS + 2)

struct gen_node {
	double x, z;   /* centre line, m */
	double tx, tz; /* unit tangent */
	double k;      /* curvature, 1/m, positive to the left */
	double w;      /* speed shape, m/s */
	double acc;    /* w dw/ds: acceleration along the shape, m/s^2 */
	double tau;    /* shape time from the line to here, s */
	double heat;   /* brake heat 0..1, lagging the braking */
	double ers;    /* ERS store offset, J */
};

/* A stretch of one car's drive with an exact duration: the out lap, or
 * one sector of a lap. Along it the pace factor lambda (shape seconds per
 * second) is a quadratic in u = t / T with the given end values and a
 * mean of dtau / T, so the car covers exactly [tau0, tau0 + dtau] of shape
 * time in T and the pace is continuous from one stretch to the next. */
struct gen_seg {
	int64_t t0_ms; /* start, ms since session start */
	int32_t dur_ms;
	double tau0, dtau;
	double l0, l1;
};

struct gen_lap {
	int64_t t0_ms;
	struct gen_lap_truth truth;
	int32_t sec_ms[3]; /* notional sector times, also of the in lap */
	bool ftlp;	   /* fastest so far when it completed */
};

/* One car at the current frame. */
struct gen_now {
	unsigned lap, sector;
	int64_t el; /* time into the lap, in ms * rate units */
	double s, v, a, k, lam;
	double lap_dist, total;
	double x, z, tx, tz, heat, ers;
	bool invalid;
	uint8_t warnings, position;
};

enum gen_slot {
	SL_SSTA,
	SL_PARTICIPANTS,
	SL_SESSION,
	SL_MOTION,
	SL_LAP,
	SL_EVENTS,
	SL_TELEMETRY,
	SL_STATUS,
	SL_HISTORY,
	SL_END_FRAME,
	SL_SEND,
	SL_DONE
};

struct gen {
	struct gen_config cfg;
	unsigned n_seg;	       /* per car */
	unsigned n_laps;       /* per car: out lap + timed + in lap */
	struct gen_node *node; /* GEN_N + 1; node GEN_N closes the loop */
	struct gen_seg *seg;   /* n_cars * n_seg */
	struct gen_lap *lap;   /* n_cars * n_laps */
	double tau_total;
	uint32_t last_frame; /* game frame of the last frame */
	bool has_flashback;
	uint32_t fb_at, fb_to; /* flashback frame and its rewind target */
	/* stream position */
	uint32_t frame;
	uint32_t overall;
	bool flashed;
	enum gen_slot slot;
	unsigned n_ev, ev_i;
	struct f1_event ev[GEN_MAX_EVENTS];
	struct gen_now now[F1_CARS];
	struct f1_packet fparts[4]; /* gen_next_frame's current frame */
};

static inline double gen_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : (v > hi ? hi : v);
}

/* gen_track.c */
/* Build the circuit table of g (nodes every metre, curvature, speed
 * shape and its lap time g->tau_total). */
enum tb_status gen__track_build(struct gen *g);
/* Interpolated node at s (0 <= s <= GEN_TRACK_LEN). */
void gen__track_at(const struct gen *g, double s, struct gen_node *o);
/* Position along the circuit at shape time tau (inverse of node.tau). */
double gen__s_of_tau(const struct gen *g, double tau);

/* gen.c */
/* Smooth noise in [-1, 1]: value noise over whole seconds. */
double gen__snoise(const struct gen *g, unsigned car, unsigned ch, double t);
/* Car car's game lap number lap (1 = the out lap). */
struct gen_lap *gen__lap_of(const struct gen *g, unsigned car, unsigned lap);

/* gen_packets.c: the decoded F1 packets of the current frame */
void gen__header(const struct gen *g, struct f1_packet *p,
		 enum f1_packet_id id);
void gen__motion(const struct gen *g, struct f1_packet *p);
void gen__lapdata(const struct gen *g, struct f1_packet *p);
void gen__participants(const struct gen *g, struct f1_packet *p);
void gen__session(const struct gen *g, struct f1_packet *p);
void gen__telemetry(const struct gen *g, struct f1_packet *p);
void gen__status(const struct gen *g, struct f1_packet *p);
/* SessionHistory of one car per frame, cycling: completed laps, the lap
 * in progress with the sectors passed, best lap and sector laps among
 * the completed timed laps (a cut lap is not a best lap). */
void gen__history(const struct gen *g, struct f1_packet *p);
void gen__event(const struct gen *g, struct f1_packet *p, const char *code);

#endif /* TB_INGEST_GEN_INT_H */

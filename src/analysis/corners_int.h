/* corners_int.h - helpers shared by corners.c, metrics.c and session.c:
 * reading a grid column at a distance of the corners' frame (a lap of a
 * slightly different length is scaled onto it) and segment times. */
#ifndef TB_ANALYSIS_CORNERS_INT_H
#define TB_ANALYSIS_CORNERS_INT_H

#include "analysis.h"

/* Largest relative length difference accepted between a lap and the
 * corners' layout (a different line); more is another layout. */
#define ANA__LEN_TOL 0.02

/* Linear interpolation of v[n] (point i at i * step) at distance d,
 * clamped to the ends. NAN if n == 0 or a neighbour is NAN. */
double ana__interp(const double *v, size_t n, double step, double d);

/* Grid index nearest to distance d of a layout length_m long (g's
 * distances scaled by g->length_m / length_m), clamped to [0, n - 1]. */
size_t ana__index(const struct ana_grid *g, double length_m, double d);

/* Elapsed time of g at distance d of the layout; d >= length_m gives the
 * time at the line (t_end_s, else lap_time_ms, else the last point's). */
double ana__time_at(const struct ana_grid *g, double length_m, double d);

/* TB_OK if g can be read against a layout length_m long. */
enum tb_status ana__check_grid(const struct ana_grid *g, double length_m,
			       const char *what, struct tb_error *err);

/* Brake threshold of a grid: 5 % of pedal, 0.5 for an on/off brake. */
double ana__brake_thr(const struct ana_grid *g);

#endif /* TB_ANALYSIS_CORNERS_INT_H */

/* sim_int.h - solver internals shared inside the sim module: the
 * longitudinal acceleration the tyres and engine allow at a point, and
 * the per-segment quantities (time, acceleration, tyre force) of a
 * speed profile. Not part of the public interface. */
#ifndef TB_SIM_INT_H
#define TB_SIM_INT_H

#include "sim.h"

/* Acceleration available at speed v on curvature k, m/s^2: drive
 * (dir > 0: traction or power, net of drag; may be < 0) or braking
 * (dir < 0: returned positive, drag included), the tyre force scaled by
 * the friction ellipse once the lateral force is taken. */
double sim__accel_avail(const struct sim_car *car, double v, double k, int dir);

/* Fill r->ax, fx, t, lap_time_s, v_min, v_top from r->v (r->n points
 * r->step_m apart, closed). */
void sim__finish(const struct sim_car *car, struct sim_result *r);

/* Allocate the arrays of a result of n points (zeroed fields
 * otherwise). TB_ERR_NOMEM (r released) on failure. */
enum tb_status sim__result_alloc(struct sim_result *r, size_t n, double step_m,
				 struct tb_error *err) TB_WUR;

#endif /* TB_SIM_INT_H */

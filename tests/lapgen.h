/* lapgen.h - deterministic synthetic laps for the store tests and the
 * store benchmark: a realistic F1-like 60 Hz lap with each channel at
 * the precision the game sends it (float32, integer km/h, integer degC,
 * float psi converted to kPa...), and a small PRNG. */
#ifndef TB_LAPGEN_H
#define TB_LAPGEN_H

#include <math.h>

#include "core/core.h"

/* xorshift64*: reproducible across platforms. */
static inline uint64_t lg_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Uniform in [0, 1). */
static inline double lg_unit(uint64_t *s)
{
	return (double)(lg_next(s) >> 11) / 9007199254740992.0;
}

/* Roughly normal, mean 0, deviation 1 (sum of four uniforms). */
static inline double lg_noise(uint64_t *s)
{
	double a = 0;
	for (int i = 0; i < 4; i++)
		a += lg_unit(s);
	return (a - 2.0) * 1.7320508075688772;
}

static inline double lg_f32(double v)
{
	return (double)(float)v;
}

static inline double lg_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Fill lap (initialised, empty) with a realistic lap of `seconds` at
 * 60 Hz: 42 channels. Returns TB_OK or what tb_lap_push returned. */
static inline enum tb_status lg_realistic_lap(struct tb_lap *lap,
					      double seconds, uint64_t seed)
{
	uint64_t s = seed ? seed : 1;
	size_t n = (size_t)(seconds * 60.0);
	const double track_len = 5300.0;
	double dist = 0, fuel = 42.0, ers = 3.2e6, yaw = 0;
	double x = 120.0, z = -340.0;
	double tyre[4] = {92, 95, 90, 93}, inner[4] = {101, 103, 99, 100};
	double psi[4] = {22.9, 23.1, 21.4, 21.6};
	double btemp[4] = {420, 430, 380, 385};
	struct tb_frame f;
	lap->lap_time_ms = (int32_t)(seconds * 1000.0);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / 60.0;
		/* A track of straights and corners: speed follows a
		 * periodic profile, braking where it falls. */
		double ph = dist / track_len * 2 * 3.141592653589793;
		double prof = 0.55 + 0.45 * sin(ph * 7) * sin(ph * 3 + 0.4);
		double kmh_f = 95.0 + 225.0 * prof;
		double slope = 7 * cos(ph * 7) * sin(ph * 3 + 0.4) +
			       3 * sin(ph * 7) * cos(ph * 3 + 0.4);
		double thr = lg_clamp(0.5 + 1.5 * slope, 0, 1);
		double brk = lg_clamp(-1.2 * slope - 0.3, 0, 1);
		double steer = 0.6 * cos(ph * 7) * (1 - prof);
		int kmh = (int)lrint(kmh_f);
		double v = kmh / 3.6;
		dist += v / 60.0;
		yaw += steer * 0.02;
		x += v / 60.0 * cos(yaw);
		z += v / 60.0 * sin(yaw);
		int gear = 1 + (int)(kmh_f / 45.0);
		gear = gear > 8 ? 8 : gear;
		int rpm =
		    7000 + (int)(kmh_f * 37) % 4800 + (int)(lg_noise(&s) * 20);
		fuel -= 0.0003 + 0.00002 * thr;
		ers += (brk > 0.1 ? 900.0 : -400.0 * thr);

		tb_frame_clear(&f);
		tb_frame_set(&f, TB_CH_TIME, lg_f32(1805.25 + t));
		tb_frame_set(&f, TB_CH_LAP_TIME, lg_f32(t));
		tb_frame_set(&f, TB_CH_LAP_DIST, lg_f32(dist));
		tb_frame_set(&f, TB_CH_SPEED, (double)kmh / 3.6);
		tb_frame_set(
		    &f, TB_CH_THROTTLE,
		    lg_f32(lg_clamp(thr + 0.002 * lg_noise(&s), 0, 1)));
		tb_frame_set(
		    &f, TB_CH_BRAKE,
		    lg_f32(lg_clamp(brk + 0.002 * lg_noise(&s), 0, 1)));
		tb_frame_set(&f, TB_CH_STEER,
			     lg_f32(steer + 0.003 * lg_noise(&s)));
		tb_frame_set(&f, TB_CH_GEAR, gear);
		tb_frame_set(&f, TB_CH_RPM, rpm);
		tb_frame_set(&f, TB_CH_G_LAT,
			     lg_f32(steer * v * 0.05 + 0.03 * lg_noise(&s)));
		tb_frame_set(&f, TB_CH_G_LON,
			     lg_f32(slope * 0.8 + 0.03 * lg_noise(&s)));
		tb_frame_set(&f, TB_CH_G_VERT,
			     lg_f32(1.0 + 0.02 * lg_noise(&s)));
		tb_frame_set(&f, TB_CH_POS_X, lg_f32(x));
		tb_frame_set(&f, TB_CH_POS_Y, lg_f32(3.0 + 2.0 * sin(ph)));
		tb_frame_set(&f, TB_CH_POS_Z, lg_f32(z));
		tb_frame_set(&f, TB_CH_VEL_X, lg_f32(v * cos(yaw)));
		tb_frame_set(&f, TB_CH_VEL_Y, lg_f32(0.05 * cos(ph)));
		tb_frame_set(&f, TB_CH_VEL_Z, lg_f32(v * sin(yaw)));
		tb_frame_set(&f, TB_CH_YAW, lg_f32(yaw));
		tb_frame_set(&f, TB_CH_PITCH,
			     lg_f32(0.01 * slope + 0.002 * lg_noise(&s)));
		tb_frame_set(&f, TB_CH_ROLL,
			     lg_f32(0.02 * steer + 0.002 * lg_noise(&s)));
		tb_frame_set(&f, TB_CH_DRS, prof > 0.9 ? 1 : 0);
		for (int w = 0; w < 4; w++) {
			tyre[w] += 0.02 * (brk - 0.1) + 0.01 * lg_noise(&s);
			inner[w] += 0.005 * (brk - 0.1);
			psi[w] += 0.00002 * (tyre[w] - 95);
			btemp[w] += brk > 0.2 ? 4.0 : -1.0;
			btemp[w] = lg_clamp(btemp[w], 300, 1000);
			tb_frame_set(&f, TB_CH_TYRE_SURF_FL + w,
				     lrint(tyre[w]));
			tb_frame_set(&f, TB_CH_TYRE_INNER_FL + w,
				     lrint(inner[w]));
			tb_frame_set(&f, TB_CH_BRAKE_TEMP_FL + w,
				     lrint(btemp[w]));
			tb_frame_set(&f, TB_CH_TYRE_PRESS_FL + w,
				     (double)(float)psi[w] * TB_KPA_PER_PSI);
		}
		tb_frame_set(&f, TB_CH_ENGINE_TEMP, 108 + (i / 900) % 3);
		tb_frame_set(&f, TB_CH_FUEL, lg_f32(fuel));
		tb_frame_set(&f, TB_CH_ERS_STORE, lg_f32(ers));
		tb_frame_set(&f, TB_CH_SECTOR, (double)(3 * i / n));
		enum tb_status st = tb_lap_push(lap, &f);
		if (st != TB_OK)
			return st;
	}
	return TB_OK;
}

#endif /* TB_LAPGEN_H */

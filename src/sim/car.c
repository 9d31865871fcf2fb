/* car.c - car classes for the simulator (parameter sets; values and
 * sources in docs/SIM.md), the forces available at a speed (tyre grip
 * with load sensitivity, power, aero, brakes), the corner speed limit
 * and the simple gearbox. */
#include "sim.h"

#include <math.h>
#include <strings.h>

/* Parameter sets, indexed by enum tb_car_class. Estimates are marked
 * so in docs/SIM.md, which gives each value's source. */
static const struct sim_car classes[] = {
    [TB_CLASS_F1] = {.name = "Formula 1 (2024)",
		     .cls = TB_CLASS_F1,
		     .mass_kg = 808,
		     .power_w = 640e3,
		     .drive_frac = 0.55,
		     .cda_m2 = 1.25,
		     .cla_m2 = 5.0,
		     .mu = 1.8,
		     .mu_lon = 1.0,
		     .load_sens = 0.10,
		     .brake_max_n = 50e3,
		     .crr = 0.012,
		     .n_gears = 8,
		     .v_gear1_ms = 26.0,
		     .v_top_ms = 97.0,
		     .rpm_max = 12000,
		     .rpm_min = 4000},
    [TB_CLASS_LMH] = {.name = "Le Mans Hypercar (2024)",
		      .cls = TB_CLASS_LMH,
		      .mass_kg = 1130,
		      .power_w = 470e3,
		      .drive_frac = 0.55,
		      .cda_m2 = 0.80,
		      .cla_m2 = 3.2,
		      .mu = 1.7,
		      .mu_lon = 1.0,
		      .load_sens = 0.12,
		      .brake_max_n = 50e3,
		      .crr = 0.012,
		      .n_gears = 7,
		      .v_gear1_ms = 24.0,
		      .v_top_ms = 94.0,
		      .rpm_max = 8500,
		      .rpm_min = 3500},
    [TB_CLASS_GT3] = {.name = "GT3 (2024)",
		      .cls = TB_CLASS_GT3,
		      .mass_kg = 1360,
		      .power_w = 380e3,
		      .drive_frac = 0.60,
		      .cda_m2 = 0.85,
		      .cla_m2 = 1.8,
		      .mu = 1.55,
		      .mu_lon = 1.0,
		      .load_sens = 0.10,
		      .brake_max_n = 40e3,
		      .crr = 0.012,
		      .n_gears = 6,
		      .v_gear1_ms = 22.0,
		      .v_top_ms = 80.0,
		      .rpm_max = 8500,
		      .rpm_min = 3500},
    [TB_CLASS_RALLY] = {.name = "Rally1 on tarmac (2024)",
			.cls = TB_CLASS_RALLY,
			.mass_kg = 1420,
			.power_w = 300e3,
			.drive_frac = 1.0,
			.cda_m2 = 0.75,
			.cla_m2 = 0.6,
			.mu = 1.3,
			.mu_lon = 1.0,
			.load_sens = 0.10,
			.brake_max_n = 25e3,
			.crr = 0.015,
			.n_gears = 5,
			.v_gear1_ms = 16.0,
			.v_top_ms = 56.0,
			.rpm_max = 7500,
			.rpm_min = 3000},
};

enum tb_status sim_car_class(enum tb_car_class cls, struct sim_car *out,
			     struct tb_error *err)
{
	if (!out || cls <= TB_CLASS_OTHER || cls >= TB_CLASS__COUNT)
		return tb_fail(err, TB_ERR_ARG,
			       "no simulator parameters for "
			       "car class %d",
			       (int)cls);
	*out = classes[cls];
	return TB_OK;
}

enum tb_status sim_class_by_name(const char *name, enum tb_car_class *out)
{
	static const struct {
		const char *name;
		enum tb_car_class cls;
	} names[] = {{"F1", TB_CLASS_F1},
		     {"LMH", TB_CLASS_LMH},
		     {"GT3", TB_CLASS_GT3},
		     {"Rally", TB_CLASS_RALLY}};
	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(name, names[i].name)) {
			*out = names[i].cls;
			return TB_OK;
		}
	}
	return TB_ERR_NOTFOUND;
}

#define CHECK(cond, what, v)                                                   \
	do {                                                                   \
		if (!(cond))                                                   \
			return tb_fail(err, TB_ERR_ARG,                        \
				       "car '%s': %s = %g out of range",       \
				       car->name, what, (double)(v));          \
	} while (0)

enum tb_status sim_car_check(const struct sim_car *car, struct tb_error *err)
{
	if (!car)
		return tb_fail(err, TB_ERR_ARG, "no car");
	CHECK(car->mass_kg >= 100 && car->mass_kg <= 5000, "mass_kg",
	      car->mass_kg);
	CHECK(car->power_w >= 1e3 && car->power_w <= 5e6, "power_w",
	      car->power_w);
	CHECK(car->drive_frac > 0 && car->drive_frac <= 1, "drive_frac",
	      car->drive_frac);
	CHECK(car->cda_m2 >= 0 && car->cda_m2 <= 10, "cda_m2", car->cda_m2);
	CHECK(car->cla_m2 >= 0 && car->cla_m2 <= 20, "cla_m2", car->cla_m2);
	CHECK(car->mu >= 0.1 && car->mu <= 5, "mu", car->mu);
	CHECK(car->mu_lon >= 0.1 && car->mu_lon <= 3, "mu_lon", car->mu_lon);
	CHECK(car->load_sens >= 0 && car->load_sens < 0.5, "load_sens",
	      car->load_sens);
	CHECK(car->brake_max_n > 0 && car->brake_max_n <= 1e6, "brake_max_n",
	      car->brake_max_n);
	CHECK(car->crr >= 0 && car->crr <= 0.2, "crr", car->crr);
	CHECK(car->n_gears >= 1 && car->n_gears <= 10, "n_gears", car->n_gears);
	CHECK(car->v_gear1_ms > 0 && car->v_gear1_ms <= car->v_top_ms,
	      "v_gear1_ms", car->v_gear1_ms);
	CHECK(car->v_top_ms >= 5 && car->v_top_ms <= 200, "v_top_ms",
	      car->v_top_ms);
	CHECK(car->rpm_max > car->rpm_min && car->rpm_min >= 0, "rpm_max",
	      car->rpm_max);
	return TB_OK;
}

/* Tyre grip force at load N: mu N0 (N / N0)^(1 - s). */
static double grip(const struct sim_car *car, double n0, double load)
{
	double r = load / n0;
	if (car->load_sens == 0)
		return car->mu * load;
	return car->mu * n0 * pow(r, 1.0 - car->load_sens);
}

void sim_car_forces(const struct sim_car *car, double v, struct sim_forces *f)
{
	if (!(v > 0))
		v = 0;
	double q = 0.5 * SIM_AIR_DENSITY * v * v;
	double n0 = car->mass_kg * SIM_G;
	f->load_n = n0 + q * car->cla_m2;
	f->fy_max = grip(car, n0, f->load_n);
	f->fx_max = car->mu_lon * f->fy_max;
	double power = car->power_w / fmax(v, 1.0);
	f->fx_drive = fmin(power, car->drive_frac * f->fx_max);
	f->fx_brake = fmin(car->brake_max_n, f->fx_max);
	/* Rolling resistance on the static weight only: downforce is
	 * modelled as free of drag (CdA is its own parameter). */
	f->drag_n = q * car->cda_m2 + car->crr * n0;
}

/* m v^2 k = grip(m g + q' v^2): with u = v^2 the left side is linear
 * and the right concave in u, so f(u) = lhs - rhs is convex with
 * f(0) < 0: Newton from a point where f > 0 descends monotonically to
 * the single root. */
double sim_corner_speed(const struct sim_car *car, double curv)
{
	double k = fabs(curv);
	double m = car->mass_kg, n0 = m * SIM_G;
	double qa = 0.5 * SIM_AIR_DENSITY * car->cla_m2;
	double ucap = car->v_top_ms * car->v_top_ms;
	double s = car->load_sens;
	if (k * m * ucap <= grip(car, n0, n0 + qa * ucap))
		return car->v_top_ms;
	if (s == 0) /* linear: closed form */
		return sqrt(car->mu * n0 / (m * k - car->mu * qa));
	double u = ucap;
	for (int it = 0; it < 60; it++) {
		double load = n0 + qa * u;
		double g = grip(car, n0, load);
		double f = m * k * u - g;
		double df = m * k - (1.0 - s) * g / load * qa;
		double du = f / df;
		u -= du;
		if (fabs(du) <= 1e-13 * u)
			break;
	}
	return sqrt(u);
}

void sim_gearbox(const struct sim_car *car, double v, int *gear, double *rpm)
{
	int n = car->n_gears;
	double ratio =
	    n > 1 ? pow(car->v_top_ms / car->v_gear1_ms, 1.0 / (double)(n - 1))
		  : 1.0;
	double vg = n > 1 ? car->v_gear1_ms : car->v_top_ms;
	int g = 1;
	while (g < n && v > vg) {
		g++;
		vg *= ratio;
	}
	*gear = g;
	*rpm = fmax(car->rpm_min, car->rpm_max * fmin(v / vg, 1.0));
}

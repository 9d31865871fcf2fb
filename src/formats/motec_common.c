/* motec_common.c - what the MoTeC i2 .ld reader, .ld writer and .ldx
 * parser share: the channel-name table with its unit conversions, and
 * small string and file helpers. */
#include "motec_int.h"

#include <errno.h>
#include <stdio.h>

/* ------------------------------------------------------------------ */
/* Channel names (see motec_int.h). */

#define DEG (180.0 / 3.14159265358979323846)
#define W(n, s, u, k, ch, uc)                                                  \
	{                                                                      \
		n, s, u, k, ch, uc                                             \
	}
#define R(n, ch, uc)                                                           \
	{                                                                      \
		n, NULL, NULL, 1.0, ch, uc                                     \
	}
#define WHEELS(fmt_fl, fmt_fr, fmt_rl, fmt_rr, base, uc)                       \
	R(fmt_fl, base, uc), R(fmt_fr, base + 1, uc), R(fmt_rl, base + 2, uc), \
	    R(fmt_rr, base + 3, uc)
#define WWHEELS(pre, spre, unit, base, uc)                                     \
	W(pre " FL", spre "FL", unit, 1.0, base, uc),                          \
	    W(pre " FR", spre "FR", unit, 1.0, base + 1, uc),                  \
	    W(pre " RL", spre "RL", unit, 1.0, base + 2, uc),                  \
	    W(pre " RR", spre "RR", unit, 1.0, base + 3, uc)

const struct chan_name fmt__motec_chan_names[] = {
    W("Ground Speed", "Gnd Spd", "km/h", 3.6, TB_CH_SPEED, UC_SPEED),
    R("Speed", TB_CH_SPEED, UC_SPEED),
    R("Vehicle Speed", TB_CH_SPEED, UC_SPEED),
    R("Corr Speed", TB_CH_SPEED, UC_SPEED),
    W("Throttle Pos", "Thr Pos", "%", 100.0, TB_CH_THROTTLE, UC_PCT),
    R("Throttle", TB_CH_THROTTLE, UC_PCT),
    R("Throttle Position", TB_CH_THROTTLE, UC_PCT),
    W("Brake Pos", "Brk Pos", "%", 100.0, TB_CH_BRAKE, UC_PCT),
    R("Brake", TB_CH_BRAKE, UC_PCT),
    R("Brake Position", TB_CH_BRAKE, UC_PCT),
    W("Clutch Pos", "Clt Pos", "%", 100.0, TB_CH_CLUTCH, UC_PCT),
    R("Clutch", TB_CH_CLUTCH, UC_PCT),
    W("Steering Pos", "StrPos", "%", 100.0, TB_CH_STEER, UC_PCT),
    W("Gear", "Gear", "", 1.0, TB_CH_GEAR, UC_COUNT),
    W("Engine RPM", "RPM", "rpm", 1.0, TB_CH_RPM, UC_RPM),
    R("RPMS", TB_CH_RPM, UC_RPM),
    R("RPM", TB_CH_RPM, UC_RPM),
    R("Engine Speed", TB_CH_RPM, UC_RPM),
    W("G Force Lat", "G Lat", "G", 1.0, TB_CH_G_LAT, UC_G),
    R("G_LAT", TB_CH_G_LAT, UC_G),
    W("G Force Long", "G Long", "G", 1.0, TB_CH_G_LON, UC_G),
    R("G_LON", TB_CH_G_LON, UC_G),
    W("G Force Vert", "G Vert", "G", 1.0, TB_CH_G_VERT, UC_G),
    R("G_VERT", TB_CH_G_VERT, UC_G),
    W("Lap Distance", "LapDist", "m", 1.0, TB_CH_LAP_DIST, UC_DIST),
    R("Lap Dist", TB_CH_LAP_DIST, UC_DIST),
    W("Distance", "Dist", "m", 1.0, TB_CH_TOTAL_DIST, UC_DIST),
    W("Car Coord X", "CoordX", "m", 1.0, TB_CH_POS_X, UC_DIST),
    W("Car Coord Y", "CoordY", "m", 1.0, TB_CH_POS_Y, UC_DIST),
    W("Car Coord Z", "CoordZ", "m", 1.0, TB_CH_POS_Z, UC_DIST),
    W("Car Vel X", "VelX", "m/s", 1.0, TB_CH_VEL_X, UC_VEL),
    W("Car Vel Y", "VelY", "m/s", 1.0, TB_CH_VEL_Y, UC_VEL),
    W("Car Vel Z", "VelZ", "m/s", 1.0, TB_CH_VEL_Z, UC_VEL),
    W("Yaw Angle", "Yaw", "deg", DEG, TB_CH_YAW, UC_ANGLE),
    W("Pitch Angle", "Pitch", "deg", DEG, TB_CH_PITCH, UC_ANGLE),
    W("Roll Angle", "Roll", "deg", DEG, TB_CH_ROLL, UC_ANGLE),
    W("DRS Active", "DRS", "", 1.0, TB_CH_DRS, UC_COUNT),
    R("DRS", TB_CH_DRS, UC_COUNT),
    WWHEELS("Brake Temp", "BTemp", "C", TB_CH_BRAKE_TEMP_FL, UC_TEMP),
    WHEELS("BRAKE_TEMP_LF", "BRAKE_TEMP_RF", "BRAKE_TEMP_LR", "BRAKE_TEMP_RR",
	   TB_CH_BRAKE_TEMP_FL, UC_TEMP),
    WWHEELS("Tyre Temp", "TTemp", "C", TB_CH_TYRE_SURF_FL, UC_TEMP),
    WHEELS("Tyre Surface Temp FL", "Tyre Surface Temp FR",
	   "Tyre Surface Temp RL", "Tyre Surface Temp RR", TB_CH_TYRE_SURF_FL,
	   UC_TEMP),
    WWHEELS("Tyre Inner Temp", "TInT", "C", TB_CH_TYRE_INNER_FL, UC_TEMP),
    WHEELS("Tyre Carcass Temp FL", "Tyre Carcass Temp FR",
	   "Tyre Carcass Temp RL", "Tyre Carcass Temp RR", TB_CH_TYRE_INNER_FL,
	   UC_TEMP),
    WWHEELS("Tyre Pressure", "TPres", "kPa", TB_CH_TYRE_PRESS_FL, UC_PRESS),
    WHEELS("Tyre Pres FL", "Tyre Pres FR", "Tyre Pres RL", "Tyre Pres RR",
	   TB_CH_TYRE_PRESS_FL, UC_PRESS),
    WHEELS("TYRE_PRESS_LF", "TYRE_PRESS_RF", "TYRE_PRESS_LR", "TYRE_PRESS_RR",
	   TB_CH_TYRE_PRESS_FL, UC_PRESS),
    W("Eng Water Temp", "WaterT", "C", 1.0, TB_CH_ENGINE_TEMP, UC_TEMP),
    R("Water Temp", TB_CH_ENGINE_TEMP, UC_TEMP),
    R("Engine Temp", TB_CH_ENGINE_TEMP, UC_TEMP),
    W("Fuel Mass", "Fuel", "kg", 1.0, TB_CH_FUEL, UC_MASS),
    R("Fuel Level", TB_CH_FUEL, UC_MASS),
    W("ERS Store", "ERS", "J", 1.0, TB_CH_ERS_STORE, UC_ENERGY),
    W("Sector", "Sector", "", 1.0, TB_CH_SECTOR, UC_COUNT),
    W("ERS Mode", "ERSMode", "", 1.0, TB_CH_ERS_MODE, UC_COUNT),
};

#undef W
#undef R
#undef WHEELS
#undef WWHEELS

#define N_CHAN_NAMES                                                           \
	(sizeof(fmt__motec_chan_names) / sizeof(fmt__motec_chan_names[0]))

int fmt__motec_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

bool fmt__motec_name_eq(const char *a, const char *b)
{
	while (*a && fmt__motec_lower((unsigned char)*a) ==
			 fmt__motec_lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == 0 && *b == 0;
}

/* Degree sign as Latin-1 (0xB0) or UTF-8 (0xC2 0xB0) before the unit. */
static const char *skip_degree(const char *u)
{
	const unsigned char *p = (const unsigned char *)u;
	if (p[0] == 0xB0)
		return u + 1;
	if (p[0] == 0xC2 && p[1] == 0xB0)
		return u + 2;
	return u;
}

/* canonical = value * *a + *b for a unit of class uc; false if the unit
 * is not one we can convert (the channel is then skipped). */
bool fmt__motec_unit_factor(enum unit_class uc, const char *unit, double *a,
			    double *b)
{
	*a = 1.0;
	*b = 0.0;
	switch (uc) {
	case UC_SPEED:
	case UC_VEL:
		if (fmt__motec_name_eq(unit, "km/h") ||
		    fmt__motec_name_eq(unit, "kph") ||
		    fmt__motec_name_eq(unit, "kmh"))
			*a = 1.0 / TB_KMH_PER_MS;
		else if (fmt__motec_name_eq(unit, "mph"))
			*a = 0.44704;
		else if (!fmt__motec_name_eq(unit, "m/s"))
			return false;
		return true;
	case UC_PCT: /* MoTeC pedal positions are %; an empty unit too */
		*a = 0.01;
		return fmt__motec_name_eq(unit, "%") || unit[0] == 0;
	case UC_DIST:
		if (fmt__motec_name_eq(unit, "km"))
			*a = 1000.0;
		else if (!fmt__motec_name_eq(unit, "m"))
			return false;
		return true;
	case UC_G:
		if (fmt__motec_name_eq(unit, "m/s/s") ||
		    fmt__motec_name_eq(unit, "m/s^2") ||
		    fmt__motec_name_eq(unit, "m/s2"))
			*a = 1.0 / 9.80665;
		else if (!fmt__motec_name_eq(unit, "g"))
			return false;
		return true;
	case UC_TEMP:
		unit = skip_degree(unit);
		if (fmt__motec_name_eq(unit, "c") ||
		    fmt__motec_name_eq(unit, "degc") ||
		    fmt__motec_name_eq(unit, "deg c"))
			return true;
		if (fmt__motec_name_eq(unit, "f") ||
		    fmt__motec_name_eq(unit, "degf")) {
			*a = 5.0 / 9.0;
			*b = -32.0 * 5.0 / 9.0;
			return true;
		}
		if (fmt__motec_name_eq(unit, "k")) {
			*b = -273.15;
			return true;
		}
		return false;
	case UC_PRESS:
		if (fmt__motec_name_eq(unit, "psi"))
			*a = TB_KPA_PER_PSI;
		else if (fmt__motec_name_eq(unit, "bar"))
			*a = 100.0;
		else if (fmt__motec_name_eq(unit, "pa"))
			*a = 0.001;
		else if (!fmt__motec_name_eq(unit, "kpa"))
			return false;
		return true;
	case UC_RPM:
		return fmt__motec_name_eq(unit, "rpm") || unit[0] == 0;
	case UC_COUNT:
		return true;
	case UC_ANGLE:
		if (fmt__motec_name_eq(unit, "rad"))
			return true;
		if (fmt__motec_name_eq(skip_degree(unit), "") ||
		    fmt__motec_name_eq(unit, "deg")) {
			*a = 1.0 / DEG;
			return unit[0] != 0;
		}
		return false;
	case UC_MASS:
		return fmt__motec_name_eq(unit, "kg");
	case UC_ENERGY:
		if (fmt__motec_name_eq(unit, "kj"))
			*a = 1e3;
		else if (fmt__motec_name_eq(unit, "mj"))
			*a = 1e6;
		else if (!fmt__motec_name_eq(unit, "j"))
			return false;
		return true;
	}
	return false;
}

/* Index into fmt__motec_chan_names of the row that maps name, or -1. */
int fmt__motec_chan_lookup(const char *name)
{
	for (size_t i = 0; i < N_CHAN_NAMES; i++)
		if (fmt__motec_name_eq(name, fmt__motec_chan_names[i].name))
			return (int)i;
	return -1;
}

/* The writer's row for a channel, or NULL (time channels). */
const struct chan_name *fmt__motec_chan_writer_row(enum tb_channel ch)
{
	for (size_t i = 0; i < N_CHAN_NAMES; i++)
		if (fmt__motec_chan_names[i].ch == ch &&
		    fmt__motec_chan_names[i].short_name)
			return &fmt__motec_chan_names[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Small helpers. */

/* Bounded copy of a C string (always NUL-terminated). */
void fmt__motec_copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

enum tb_status fmt__motec_read_whole(const char *path, uint64_t max,
				     uint8_t **out, size_t *len,
				     struct tb_error *err)
{
	*out = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return tb_fail(err, TB_ERR_IO, "%s: cannot open: %s", path,
			       strerror(errno));
	enum tb_status st = TB_OK;
	uint8_t *buf = NULL;
	if (fseek(f, 0, SEEK_END) != 0) {
		st = tb_fail(err, TB_ERR_IO, "%s: cannot seek", path);
		goto out;
	}
	long size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
		st = tb_fail(err, TB_ERR_IO, "%s: cannot size", path);
		goto out;
	}
	if ((uint64_t)size > max) {
		st = tb_fail(err, TB_ERR_LIMIT,
			     "%s: %ld bytes, more than the %llu accepted", path,
			     size, (unsigned long long)max);
		goto out;
	}
	buf = tb_malloc(size ? (size_t)size : 1);
	if (!buf) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory (%ld bytes)",
			     path, size);
		goto out;
	}
	if (size && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		st = tb_fail(err, TB_ERR_IO, "%s: read failed", path);
		tb_free(buf);
		buf = NULL;
		goto out;
	}
	*out = buf;
	*len = (size_t)size;
out:
	fclose(f);
	return st;
}

/* Grid index of a time in µs: the first sample at or after it. */
uint64_t fmt__motec_us_to_k(int64_t us, uint32_t rate)
{
	return ((uint64_t)us * rate + 999999u) / 1000000u;
}

/* The companion .ldx of an .ld path into out (cap bytes). */
bool fmt__motec_ldx_path(const char *ld, char *out, size_t cap)
{
	size_t n = strlen(ld);
	if (n >= 3 && ld[n - 3] == '.' &&
	    fmt__motec_lower((unsigned char)ld[n - 2]) == 'l' &&
	    fmt__motec_lower((unsigned char)ld[n - 1]) == 'd') {
		if (n + 2 > cap)
			return false;
		memcpy(out, ld, n);
		out[n] = ld[n - 1] == 'D' ? 'X' : 'x';
		out[n + 1] = 0;
		return true;
	}
	if (n + 5 > cap)
		return false;
	memcpy(out, ld, n);
	memcpy(out + n, ".ldx", 5);
	return true;
}

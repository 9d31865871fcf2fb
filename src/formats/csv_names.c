/* csv_names.c - CSV channel names and units: header names (common
 * exports' aliases and canonical names, with a unit suffix) to slots,
 * and units to the scale, offset and range rule that make raw values
 * canonical. */
#include "csv_int.h"

#include <math.h>

#define G0	 9.80665
#define DEG_SIGN "\xc2\xb0" /* UTF-8 degree sign */

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* ------------------------------------------------------------------ */
/* Channel names and units. */

enum family fmt__csv_family_of(int slot)
{
	switch (slot) {
	case TB_CH_TIME:
	case TB_CH_LAP_TIME:
		return FAM_TIME;
	case TB_CH_LAP_DIST:
	case TB_CH_TOTAL_DIST:
	case TB_CH_POS_X:
	case TB_CH_POS_Y:
	case TB_CH_POS_Z:
		return FAM_DIST;
	case TB_CH_SPEED:
	case TB_CH_VEL_X:
	case TB_CH_VEL_Y:
	case TB_CH_VEL_Z:
		return FAM_SPEED;
	case TB_CH_THROTTLE:
	case TB_CH_BRAKE:
	case TB_CH_CLUTCH:
		return FAM_PEDAL;
	case TB_CH_STEER:
		return FAM_STEER;
	case TB_CH_RPM:
		return FAM_RPM;
	case TB_CH_G_LAT:
	case TB_CH_G_LON:
	case TB_CH_G_VERT:
		return FAM_G;
	case TB_CH_YAW:
	case TB_CH_PITCH:
	case TB_CH_ROLL:
		return FAM_ANGLE;
	case TB_CH_FUEL:
		return FAM_FUEL;
	case TB_CH_ERS_STORE:
		return FAM_ENERGY;
	case TB_CH_GEAR:
	case TB_CH_DRS:
	case TB_CH_SECTOR:
	case TB_CH_ERS_MODE:
	case CH_LAP:
		return FAM_COUNT;
	default:
		break;
	}
	if (slot >= TB_CH_TYRE_PRESS_FL && slot <= TB_CH_TYRE_PRESS_RR)
		return FAM_PRESS;
	if ((slot >= TB_CH_BRAKE_TEMP_FL && slot <= TB_CH_TYRE_INNER_RR) ||
	    slot == TB_CH_ENGINE_TEMP)
		return FAM_TEMP;
	return FAM_NONE;
}

/* Normalised names (lower case, letters and digits only) of common
 * exports; canonical channel names are matched too. A name marked
 * AMBIG_DIST is lap or total distance, decided by the data. */
static const struct {
	const char *name;
	int slot;
} aliases[] = {
    {"time", TB_CH_TIME},
    {"t", TB_CH_TIME},
    {"sessiontime", TB_CH_TIME},
    {"elapsedtime", TB_CH_TIME},
    {"elapsed", TB_CH_TIME},
    {"currentlaptime", TB_CH_LAP_TIME},
    {"lapcurrentlaptime", TB_CH_LAP_TIME},
    {"runninglaptime", TB_CH_LAP_TIME},
    {"lapelapsedtime", TB_CH_LAP_TIME},
    {"distance", AMBIG_DIST},
    {"dist", AMBIG_DIST},
    {"lapdist", TB_CH_LAP_DIST},
    {"lapdistance", TB_CH_LAP_DIST},
    {"distancelap", TB_CH_LAP_DIST},
    {"totaldist", TB_CH_TOTAL_DIST},
    {"totaldistance", TB_CH_TOTAL_DIST},
    {"odometer", TB_CH_TOTAL_DIST},
    {"speed", TB_CH_SPEED},
    {"groundspeed", TB_CH_SPEED},
    {"vehiclespeed", TB_CH_SPEED},
    {"carspeed", TB_CH_SPEED},
    {"gpsspeed", TB_CH_SPEED},
    {"velocity", TB_CH_SPEED},
    {"vcar", TB_CH_SPEED},
    {"corrspeed", TB_CH_SPEED},
    {"throttle", TB_CH_THROTTLE},
    {"throttlepos", TB_CH_THROTTLE},
    {"throttleposition", TB_CH_THROTTLE},
    {"throttlepedal", TB_CH_THROTTLE},
    {"driverthrottlepos", TB_CH_THROTTLE},
    {"tps", TB_CH_THROTTLE},
    {"gas", TB_CH_THROTTLE},
    {"pedalthrottle", TB_CH_THROTTLE},
    {"brake", TB_CH_BRAKE},
    {"brakepos", TB_CH_BRAKE},
    {"brakeposition", TB_CH_BRAKE},
    {"brakepedal", TB_CH_BRAKE},
    {"driverbrakepos", TB_CH_BRAKE},
    {"pedalbrake", TB_CH_BRAKE},
    {"clutch", TB_CH_CLUTCH},
    {"clutchpos", TB_CH_CLUTCH},
    {"clutchposition", TB_CH_CLUTCH},
    {"clutchpedal", TB_CH_CLUTCH},
    {"steer", TB_CH_STEER},
    {"steering", TB_CH_STEER},
    {"steerpos", TB_CH_STEER},
    {"steerangle", TB_CH_STEER},
    {"steeringangle", TB_CH_STEER},
    {"steeringwheelangle", TB_CH_STEER},
    {"gear", TB_CH_GEAR},
    {"ngear", TB_CH_GEAR},
    {"gearpos", TB_CH_GEAR},
    {"currentgear", TB_CH_GEAR},
    {"rpm", TB_CH_RPM},
    {"rpms", TB_CH_RPM},
    {"enginerpm", TB_CH_RPM},
    {"enginespeed", TB_CH_RPM},
    {"glat", TB_CH_G_LAT},
    {"gforcelat", TB_CH_G_LAT},
    {"latg", TB_CH_G_LAT},
    {"lateralg", TB_CH_G_LAT},
    {"accellat", TB_CH_G_LAT},
    {"lataccel", TB_CH_G_LAT},
    {"latacc", TB_CH_G_LAT},
    {"glon", TB_CH_G_LON},
    {"glong", TB_CH_G_LON},
    {"gforcelong", TB_CH_G_LON},
    {"gforcelon", TB_CH_G_LON},
    {"longg", TB_CH_G_LON},
    {"accellong", TB_CH_G_LON},
    {"longaccel", TB_CH_G_LON},
    {"longacc", TB_CH_G_LON},
    {"gvert", TB_CH_G_VERT},
    {"gforcevert", TB_CH_G_VERT},
    {"vertg", TB_CH_G_VERT},
    {"vertaccel", TB_CH_G_VERT},
    {"accelvert", TB_CH_G_VERT},
    {"x", TB_CH_POS_X},
    {"y", TB_CH_POS_Y},
    {"z", TB_CH_POS_Z},
    {"posx", TB_CH_POS_X},
    {"posy", TB_CH_POS_Y},
    {"posz", TB_CH_POS_Z},
    {"positionx", TB_CH_POS_X},
    {"positiony", TB_CH_POS_Y},
    {"positionz", TB_CH_POS_Z},
    {"worldx", TB_CH_POS_X},
    {"worldy", TB_CH_POS_Y},
    {"worldz", TB_CH_POS_Z},
    {"velocityx", TB_CH_VEL_X},
    {"velocityy", TB_CH_VEL_Y},
    {"velocityz", TB_CH_VEL_Z},
    {"vx", TB_CH_VEL_X},
    {"vy", TB_CH_VEL_Y},
    {"vz", TB_CH_VEL_Z},
    {"fuelkg", TB_CH_FUEL},
    {"watertemp", TB_CH_ENGINE_TEMP},
    {"lap", CH_LAP},
    {"lapnumber", CH_LAP},
    {"lapno", CH_LAP},
    {"lapnum", CH_LAP},
    {"currentlap", CH_LAP},
};

/* Lower-case alphanumerics of s (up to cap-1 of them). */
static void normalise(const char *s, char *out, size_t cap)
{
	size_t o = 0;
	for (; *s && o + 1 < cap; s++)
		if (is_alnum(*s))
			out[o++] = fmt__csv_lower(*s);
	out[o] = '\0';
}

static int slot_by_norm(const char *norm)
{
	if (!norm[0])
		return -1;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].name, norm) == 0)
			return aliases[i].slot;
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		char cn[64];
		normalise(tb_channel_name((enum tb_channel)ch), cn, sizeof(cn));
		if (strcmp(cn, norm) == 0)
			return ch;
	}
	return -1;
}

/* Units a name may end with ("speed_kmh", "time ms"). */
static const char *const unit_suffixes[] = {
    "kmh", "kph", "mph", "ms", "mps", "s",   "m",   "pct", "percent", "rpm",
    "g",   "deg", "rad", "c",  "f",   "kpa", "psi", "bar", "km",
};

/* Split a header name into its slot and unit: "Speed (km/h)" and
 * "speed_kmh" give TB_CH_SPEED and "km/h" / "kmh". -1 when unknown. */
int fmt__csv_classify(const char *name, char *unit, size_t ucap)
{
	char base[NAME_CAP], norm[NAME_CAP];
	unit[0] = '\0';
	size_t n = strlen(name);
	const char *open = NULL;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '(' || name[i] == '[') {
			open = name + i;
			break;
		}
	if (open) {
		char close = *open == '(' ? ')' : ']';
		const char *c = strchr(open, close);
		size_t ul = c ? (size_t)(c - open - 1) : strlen(open + 1);
		if (ul >= ucap)
			ul = ucap - 1;
		memcpy(unit, open + 1, ul);
		unit[ul] = '\0';
		n = (size_t)(open - name);
	}
	if (n >= sizeof(base))
		return -1;
	memcpy(base, name, n);
	base[n] = '\0';
	normalise(base, norm, sizeof(norm));
	int slot = slot_by_norm(norm);
	if (slot != -1 || open)
		return slot;
	/* A unit after the last '_', ' ' or '-'. */
	size_t cut = n;
	while (cut > 0 && base[cut - 1] != '_' && base[cut - 1] != ' ' &&
	       base[cut - 1] != '-')
		cut--;
	if (cut == 0)
		return -1;
	char suf[32];
	normalise(base + cut, suf, sizeof(suf));
	for (size_t i = 0; i < sizeof(unit_suffixes) / sizeof(*unit_suffixes);
	     i++) {
		if (strcmp(suf, unit_suffixes[i]) != 0)
			continue;
		base[cut - 1] = '\0';
		normalise(base, norm, sizeof(norm));
		slot = slot_by_norm(norm);
		if (slot != -1) {
			size_t ul = strlen(suf);
			if (ul >= ucap)
				ul = ucap - 1;
			memcpy(unit, suf, ul);
			unit[ul] = '\0';
		}
		return slot;
	}
	return -1;
}

/* Decide scale/offset from a unit (normalised: lower case, no spaces).
 * false if the unit is not understood for this family. */
bool fmt__csv_unit_conv(enum family fam, const char *u, double *scale,
			double *off, enum rule *rule)
{
	*scale = 1.0;
	*off = 0.0;
	*rule = RULE_FIXED;
	bool none = u[0] == '\0';
#define U(s) (strcmp(u, s) == 0)
	switch (fam) {
	case FAM_TIME:
		if (none || U("s") || U("sec") || U("secs"))
			return true;
		if (U("ms")) {
			*scale = 1e-3;
			return true;
		}
		if (U("min")) {
			*scale = 60.0;
			return true;
		}
		return false;
	case FAM_DIST:
		if (none || U("m"))
			return true;
		if (U("km")) {
			*scale = 1000.0;
			return true;
		}
		if (U("mi")) {
			*scale = 1609.344;
			return true;
		}
		if (U("ft")) {
			*scale = 0.3048;
			return true;
		}
		return false;
	case FAM_SPEED:
		if (none) {
			*rule = RULE_SPEED;
			return true;
		}
		if (U("m/s") || U("ms") || U("mps"))
			return true;
		if (U("km/h") || U("kmh") || U("kph") || U("kmph")) {
			*scale = 1.0 / TB_KMH_PER_MS;
			return true;
		}
		if (U("mph")) {
			*scale = 0.44704;
			return true;
		}
		return false;
	case FAM_PEDAL:
		if (U("%") || U("pct") || U("percent")) {
			*scale = 0.01;
			return true;
		}
		if (none || U("1") || U("0..1") || U("frac"))
			*rule = RULE_PEDAL;
		return none || U("1") || U("0..1") || U("frac");
	case FAM_STEER:
		if (U("%") || U("pct") || U("percent")) {
			*scale = 0.01;
			return true;
		}
		if (none || U("1")) {
			*rule = RULE_STEER;
			return true;
		}
		/* An angle: needs the wheel's lock; left absent. */
		*rule = RULE_DROP;
		return true;
	case FAM_COUNT:
		return true;
	case FAM_RPM:
		return none || U("rpm") || U("1/min");
	case FAM_G:
		if (none || U("g"))
			return true;
		if (U("m/s^2") || U("m/s2") || U("m/s\xc2\xb2") || U("ms2") ||
		    U("mps2")) {
			*scale = 1.0 / G0;
			return true;
		}
		return false;
	case FAM_ANGLE:
		if (none || U("rad"))
			return true;
		if (U("deg") || U(DEG_SIGN) || U("degrees")) {
			*scale = 3.14159265358979323846 / 180.0;
			return true;
		}
		return false;
	case FAM_TEMP:
		if (none || U("c") || U("degc") || U(DEG_SIGN "c"))
			return true;
		if (U("f") || U("degf") || U(DEG_SIGN "f")) {
			*scale = 5.0 / 9.0;
			*off = -32.0 * 5.0 / 9.0;
			return true;
		}
		if (U("k")) {
			*off = -273.15;
			return true;
		}
		return false;
	case FAM_PRESS:
		if (none || U("kpa"))
			return true;
		if (U("psi")) {
			*scale = TB_KPA_PER_PSI;
			return true;
		}
		if (U("bar")) {
			*scale = 100.0;
			return true;
		}
		if (U("pa")) {
			*scale = 1e-3;
			return true;
		}
		return false;
	case FAM_FUEL:
		return none || U("kg");
	case FAM_ENERGY:
		if (none || U("j"))
			return true;
		if (U("kj")) {
			*scale = 1e3;
			return true;
		}
		if (U("mj")) {
			*scale = 1e6;
			return true;
		}
		return false;
	case FAM_NONE:
		break;
	}
#undef U
	return false;
}

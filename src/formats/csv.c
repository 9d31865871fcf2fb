/* csv.c - CSV telemetry in and out (dialects and rules in csv.h). The
 * whole file is read into memory, tokenised row by row into staging
 * columns (one double array per mapped channel plus a presence mask per
 * row), then units and ranges are decided over the whole file, laps are
 * cut and built, and only then handed over: a bad file hands nothing. */
#include "csv.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#define CH_LAP	    TB_CH__COUNT /* pseudo-channel: the lap-number column */
#define N_SLOTS	    (TB_CH__COUNT + 1)
#define NAME_CAP    256	  /* header names longer than this never match */
#define NUM_CAP	    128	  /* longest number text we convert */
#define BEACONS_MAX 10000 /* MoTeC beacon markers */
#define G0	    9.80665
#define DEG_SIGN    "\xc2\xb0" /* UTF-8 degree sign */

/* ------------------------------------------------------------------ */
/* Small helpers. */

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

/* Copy a string, truncated to fit cap (always NUL-terminated). */
static void set_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static bool span_ieq(const char *p, size_t n, const char *s)
{
	size_t m = strlen(s);
	if (m != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(p[i]) != lower(s[i]))
			return false;
	return true;
}

static void trim(const char **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

static const double pow10_tab[23] = {
    1e0,  1e1,	1e2,  1e3,  1e4,  1e5,	1e6,  1e7,  1e8,  1e9,	1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parse a decimal number (optional sign, digits, point, exponent; spaces
 * around allowed). dec is the decimal point accepted besides '.'. Exact:
 * short numbers take the Clinger fast path, others strtod (C locale).
 * false if the text is not a finite number. */
static bool parse_num(const char *p, size_t n, char dec, double *out)
{
	trim(&p, &n);
	if (n == 0 || n >= NUM_CAP)
		return false;
	const char *s = p, *e = p + n;
	bool neg = false;
	if (*s == '+' || *s == '-') {
		neg = *s == '-';
		s++;
	}
	uint64_t m = 0;
	int nd = 0, exp10 = 0;
	bool any = false, inexact = false;
	for (; s < e && *s >= '0' && *s <= '9'; s++) {
		any = true;
		if (m == 0 && *s == '0')
			continue;
		if (nd < 19) {
			m = m * 10 + (uint64_t)(*s - '0');
			nd++;
		} else {
			exp10++;
			inexact = true;
		}
	}
	if (s < e && (*s == '.' || *s == dec)) {
		s++;
		for (; s < e && *s >= '0' && *s <= '9'; s++) {
			any = true;
			if (m == 0 && *s == '0') {
				exp10--;
				continue;
			}
			if (nd < 19) {
				m = m * 10 + (uint64_t)(*s - '0');
				nd++;
				exp10--;
			} else {
				inexact = true;
			}
		}
	}
	if (!any)
		return false;
	if (s < e && (*s == 'e' || *s == 'E')) {
		s++;
		bool eneg = false;
		if (s < e && (*s == '+' || *s == '-')) {
			eneg = *s == '-';
			s++;
		}
		int ev = 0, ed = 0;
		for (; s < e && *s >= '0' && *s <= '9'; s++, ed++)
			if (ev < 100000)
				ev = ev * 10 + (*s - '0');
		if (ed == 0)
			return false;
		exp10 += eneg ? -ev : ev;
	}
	if (s != e)
		return false;
	double d;
	if (m == 0) {
		d = 0.0;
	} else if (!inexact && m <= (1ull << 53) && exp10 >= -22 &&
		   exp10 <= 22) {
		d = (double)m;
		d = exp10 < 0 ? d / pow10_tab[-exp10] : d * pow10_tab[exp10];
	} else {
		char tmp[NUM_CAP];
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (tmp[i] == dec)
				tmp[i] = '.';
		d = strtod(tmp, NULL); /* sign included */
		neg = false;
	}
	d = neg ? -d : d;
	if (!isfinite(d))
		return false;
	*out = d;
	return true;
}

/* Integer in decimal or 0x hex, whole span. */
static bool parse_u64(const char *p, size_t n, uint64_t *out)
{
	trim(&p, &n);
	if (n == 0)
		return false;
	uint64_t v = 0;
	if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (n > 18)
			return false;
		for (size_t i = 2; i < n; i++) {
			char c = lower(p[i]);
			int d = (c >= '0' && c <= '9')	 ? c - '0'
				: (c >= 'a' && c <= 'f') ? c - 'a' + 10
							 : -1;
			if (d < 0)
				return false;
			v = v * 16 + (uint64_t)d;
		}
	} else {
		if (n > 20)
			return false;
		for (size_t i = 0; i < n; i++) {
			if (p[i] < '0' || p[i] > '9')
				return false;
			uint64_t d = (uint64_t)(p[i] - '0');
			if (v > (UINT64_MAX - d) / 10)
				return false;
			v = v * 10 + d;
		}
	}
	*out = v;
	return true;
}

static bool parse_i64(const char *p, size_t n, int64_t lo, int64_t hi,
		      int64_t *out)
{
	trim(&p, &n);
	bool neg = n && p[0] == '-';
	uint64_t u;
	if (!parse_u64(p + neg, n - neg, &u) || u > (uint64_t)INT64_MAX)
		return false;
	int64_t v = neg ? -(int64_t)u : (int64_t)u;
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* ------------------------------------------------------------------ */
/* Tokeniser: one row at a time over the whole buffer. */

struct span {
	const char *p;
	size_t len;
	bool quoted, esc; /* esc: holds "" pairs to undouble */
};

struct rd {
	const char *p, *end;
	char delim;
	uint64_t line, next_line; /* line of the row returned; of the next */
	uint8_t stop[256];	  /* delimiter, CR, LF */
};

static void rd_init(struct rd *r, const char *p, size_t n, char delim)
{
	r->p = p;
	r->end = p + n;
	r->line = 0;
	r->next_line = 1;
	r->delim = delim;
	memset(r->stop, 0, sizeof(r->stop));
	r->stop[(uint8_t)delim] = 1;
	r->stop['\r'] = 1;
	r->stop['\n'] = 1;
}

static void rd_set_delim(struct rd *r, char delim)
{
	r->stop[(uint8_t)r->delim] = 0;
	r->delim = delim;
	r->stop[(uint8_t)delim] = 1;
	r->stop['\r'] = 1;
	r->stop['\n'] = 1;
}

static uint64_t count_nl(const char *p, const char *e)
{
	uint64_t n = 0;
	while (p < e) {
		const char *q = memchr(p, '\n', (size_t)(e - p));
		if (!q)
			break;
		n++;
		p = q + 1;
	}
	return n;
}

/* Next row: TB_OK with *nf fields (0 for an empty line), TB_ERR_EMPTY at
 * the end of the buffer, or an error naming the line. */
static enum tb_status rd_row(struct rd *r, const char *name, struct span *f,
			     size_t cap, size_t *nf, struct tb_error *err)
{
	const char *p = r->p, *end = r->end;
	if (p >= end)
		return TB_ERR_EMPTY;
	r->line = r->next_line;
	const char *start = p;
	size_t n = 0;
	if (*p != '\r' && *p != '\n') {
		for (;;) {
			if (n == cap)
				return tb_fail(err, TB_ERR_LIMIT,
					       "%s:%" PRIu64
					       ": more than %zu columns",
					       name, r->line, cap);
			struct span *s = &f[n++];
			if (p < end && *p == '"') {
				const char *st = ++p, *q;
				bool esc = false;
				for (;;) {
					q = memchr(p, '"', (size_t)(end - p));
					if (!q)
						return tb_fail(
						    err, TB_ERR_TRUNCATED,
						    "%s:%" PRIu64
						    ": column %zu: quote "
						    "never closed",
						    name, r->line, n);
					if (q + 1 < end && q[1] == '"') {
						esc = true;
						p = q + 2;
						continue;
					}
					break;
				}
				r->next_line += count_nl(st, q);
				s->p = st;
				s->len = (size_t)(q - st);
				s->quoted = true;
				s->esc = esc;
				p = q + 1;
				while (p < end && (*p == ' ' || *p == '\t') &&
				       *p != r->delim)
					p++;
				if (p < end && !r->stop[(uint8_t)*p])
					return tb_fail(
					    err, TB_ERR_CORRUPT,
					    "%s:%" PRIu64 ": column %zu: "
					    "text after a closing quote",
					    name, r->line, n);
			} else {
				const char *st = p;
				while (p < end && !r->stop[(uint8_t)*p])
					p++;
				s->p = st;
				s->len = (size_t)(p - st);
				s->quoted = false;
				s->esc = false;
			}
			if ((size_t)(p - start) > FMT_CSV_LINE_MAX)
				return tb_fail(err, TB_ERR_LIMIT,
					       "%s:%" PRIu64
					       ": line longer than %u bytes",
					       name, r->line, FMT_CSV_LINE_MAX);
			if (p < end && *p == r->delim) {
				p++;
				continue;
			}
			break;
		}
	}
	if (p < end && *p == '\r')
		p++;
	if (p < end && *p == '\n')
		p++;
	r->next_line++;
	r->p = p;
	*nf = n;
	return TB_OK;
}

/* A field's text with "" undoubled, into buf (cap bytes, NUL-ended);
 * false if it does not fit. */
static bool span_text(const struct span *s, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < s->len; i++) {
		if (s->esc && s->p[i] == '"' && i + 1 < s->len &&
		    s->p[i + 1] == '"')
			i++;
		if (o + 1 >= cap)
			return false;
		buf[o++] = s->p[i];
	}
	buf[o] = '\0';
	return true;
}

static bool row_blank(const struct span *f, size_t nf)
{
	for (size_t i = 0; i < nf; i++) {
		const char *p = f[i].p;
		size_t n = f[i].len;
		trim(&p, &n);
		if (n)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Channel names and units. */

enum family {
	FAM_NONE,
	FAM_TIME,
	FAM_DIST,
	FAM_SPEED,
	FAM_PEDAL,
	FAM_STEER,
	FAM_COUNT,
	FAM_RPM,
	FAM_G,
	FAM_ANGLE,
	FAM_TEMP,
	FAM_PRESS,
	FAM_FUEL,
	FAM_ENERGY
};

static enum family family_of(int slot)
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
#define AMBIG_DIST (-2)
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
			out[o++] = lower(*s);
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
static int classify(const char *name, char *unit, size_t ucap)
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

/* How a column's raw values become canonical ones. */
enum rule { RULE_FIXED, RULE_PEDAL, RULE_SPEED, RULE_STEER, RULE_DROP };

/* Decide scale/offset from a unit (normalised: lower case, no spaces).
 * false if the unit is not understood for this family. */
static bool unit_conv(enum family fam, const char *u, double *scale,
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

/* ------------------------------------------------------------------ */
/* The import state. */

struct seg {
	size_t start, end; /* rows [start, end) */
	uint32_t number;
	int32_t lap_time_ms;
	uint32_t flags;
};

struct csv {
	const char *name;
	const uint8_t *buf;
	size_t len;
	const struct fmt_csv_options *opts;
	const struct fmt_progress *progress;
	struct tb_error *err;
	struct rd rd;
	struct span *f; /* FMT_CSV_COLS_MAX fields */
	size_t n_cols;
	char dec;	 /* extra decimal point (',' with ';' files) */
	bool motec, own; /* dialects */

	/* mapping: column per slot (-1 none), conversion, header name */
	long col[N_SLOTS];
	char unit[N_SLOTS][24];
	double scale[N_SLOTS], off[N_SLOTS];
	enum rule rule[N_SLOTS];
	char colname[N_SLOTS][48];
	int mapped[N_SLOTS];
	size_t n_mapped;
	bool dist_ambig;

	/* staging */
	size_t n_rows, cap_rows;
	double *val[N_SLOTS];
	tb_chmask *pres;
	uint64_t *line;
	double vmin[N_SLOTS], vmax[N_SLOTS];

	/* metadata and laps */
	struct tb_session_info sess;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
	double beacons[BEACONS_MAX];
	size_t n_beacons;
	struct seg *segs;
	size_t n_segs;
	struct tb_lap *laps;
	size_t n_laps;
	uint64_t next_report, step;
};

static void csv_release(struct csv *c)
{
	tb_free(c->f);
	for (int s = 0; s < N_SLOTS; s++)
		tb_free(c->val[s]);
	tb_free(c->pres);
	tb_free(c->line);
	tb_free(c->segs);
	if (c->laps)
		for (size_t i = 0; i < c->n_laps; i++)
			tb_lap_release(&c->laps[i]);
	tb_free(c->laps);
}

static void report(struct csv *c)
{
	if (!c->progress || !c->progress->update)
		return;
	uint64_t done = (uint64_t)((const uint8_t *)c->rd.p - c->buf);
	if (done < c->next_report)
		return;
	c->progress->update(c->progress->ctx, done, c->len);
	c->next_report = done + c->step;
}

static enum tb_status oom(struct csv *c)
{
	return tb_fail(c->err, TB_ERR_NOMEM, "%s: out of memory", c->name);
}

/* Room for one more staged row. */
static enum tb_status stage_grow(struct csv *c)
{
	if (c->n_rows < c->cap_rows)
		return TB_OK;
	if (c->n_rows >= FMT_CSV_ROWS_MAX)
		return tb_fail(c->err, TB_ERR_LIMIT,
			       "%s:%" PRIu64 ": more than %u data rows",
			       c->name, c->rd.line, FMT_CSV_ROWS_MAX);
	size_t ncap = c->cap_rows ? c->cap_rows * 2 : 4096;
	if (ncap > FMT_CSV_ROWS_MAX)
		ncap = FMT_CSV_ROWS_MAX;
	tb_chmask *pm = tb_realloc(c->pres, ncap * sizeof(*pm));
	if (!pm)
		return oom(c);
	c->pres = pm;
	uint64_t *ln = tb_realloc(c->line, ncap * sizeof(*ln));
	if (!ln)
		return oom(c);
	c->line = ln;
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		double *v = tb_realloc(c->val[s], ncap * sizeof(*v));
		if (!v)
			return oom(c);
		c->val[s] = v;
	}
	c->cap_rows = ncap;
	return TB_OK;
}

static bool is_missing(const char *p, size_t n)
{
	trim(&p, &n);
	return n == 0 || span_ieq(p, n, "nan") || span_ieq(p, n, "none") ||
	       span_ieq(p, n, "null") || span_ieq(p, n, "na") ||
	       span_ieq(p, n, "n/a") || span_ieq(p, n, "-");
}

/* ------------------------------------------------------------------ */
/* Laps: build every lap from the staged rows. */

static enum tb_status lap_alloc(struct tb_lap *lap, size_t n, tb_chmask chans)
{
	size_t cap = n ? n : 1;
	lap->mask = tb_calloc(cap, sizeof(*lap->mask));
	if (!lap->mask)
		return TB_ERR_NOMEM;
	lap->cap = cap;
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (!(chans & TB_CHBIT(ch)))
			continue;
		lap->col[ch] = tb_calloc(cap, sizeof(double));
		if (!lap->col[ch])
			return TB_ERR_NOMEM;
		lap->chans |= TB_CHBIT(ch);
	}
	lap->n = n;
	return TB_OK;
}

/* One lap from rows [s->start, s->end); chans forced (own dialect) or
 * the union of the rows' masks when force is 0. */
static enum tb_status build_lap(struct csv *c, const struct seg *s,
				tb_chmask force, struct tb_lap *lap)
{
	size_t n = s->end - s->start;
	tb_chmask chans = force;
	if (!chans)
		for (size_t i = s->start; i < s->end; i++)
			chans |= c->pres[i];
	tb_lap_init(lap);
	lap->car_index = c->car.car_index;
	lap->lap_number = s->number;
	lap->lap_time_ms = s->lap_time_ms;
	lap->flags = s->flags;
	if (lap_alloc(lap, n, chans) != TB_OK)
		return oom(c);
	if (n)
		memcpy(lap->mask, c->pres + s->start, n * sizeof(*lap->mask));
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if ((chans & TB_CHBIT(ch)) && c->val[ch] && n)
			memcpy(lap->col[ch], c->val[ch] + s->start,
			       n * sizeof(double));
	return TB_OK;
}

static enum tb_status build_and_hand(struct csv *c, fmt_lap_fn fn, void *ctx)
{
	c->laps = tb_calloc(c->n_segs ? c->n_segs : 1, sizeof(*c->laps));
	if (!c->laps)
		return oom(c);
	c->n_laps = c->n_segs;
	for (size_t i = 0; i < c->n_laps; i++)
		tb_lap_init(&c->laps[i]);
	for (size_t i = 0; i < c->n_segs; i++) {
		enum tb_status st = build_lap(c, &c->segs[i], 0, &c->laps[i]);
		if (st != TB_OK)
			return st;
	}
	if (c->progress && c->progress->update)
		c->progress->update(c->progress->ctx, c->len, c->len);
	for (size_t i = 0; i < c->n_laps; i++) {
		enum tb_status st =
		    fn(ctx, &c->sess, &c->car, &c->laps[i], &c->meta);
		if (st != TB_OK)
			return st;
	}
	return TB_OK;
}

/* ------------------------------------------------------------------ */
/* trailbrake's own dialect. */

#define OWN_MAGIC "# trailbrake csv 1"

static bool pct_char_plain(uint8_t b)
{
	return b > 0x20 && b != '%' && b != '"' && b != ',' && b != ';' &&
	       b != '=' && b != 0x7f;
}

static int hexval(char c)
{
	c = lower(c);
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool pct_decode(const char *p, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (ch == '%') {
			if (i + 2 >= n)
				return false;
			int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			ch = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= cap || ch == '\0')
			return false;
		out[o++] = ch;
	}
	out[o] = '\0';
	return true;
}

/* Iterate "key=value" tokens of a comment line after its prefix. */
struct kv {
	const char *p, *end;
	const char *key, *val;
	size_t klen, vlen;
};

static bool kv_next(struct kv *k)
{
	while (k->p < k->end && *k->p == ' ')
		k->p++;
	if (k->p >= k->end)
		return false;
	const char *st = k->p;
	while (k->p < k->end && *k->p != ' ')
		k->p++;
	const char *eq = memchr(st, '=', (size_t)(k->p - st));
	k->key = st;
	k->klen = eq ? (size_t)(eq - st) : (size_t)(k->p - st);
	k->val = eq ? eq + 1 : k->p;
	k->vlen = eq ? (size_t)(k->p - eq - 1) : 0;
	return true;
}

static bool key_is(const struct kv *k, const char *s)
{
	return strlen(s) == k->klen && memcmp(k->key, s, k->klen) == 0;
}

/* Read one comment line's raw text (without CR/LF); false at the end
 * of the buffer. */
static bool raw_line(struct rd *r, const char **p, size_t *n)
{
	if (r->p >= r->end)
		return false;
	const char *st = r->p;
	const char *q = memchr(st, '\n', (size_t)(r->end - st));
	const char *e = q ? q : r->end;
	r->line = r->next_line++;
	r->p = q ? q + 1 : r->end;
	if (e > st && e[-1] == '\r')
		e--;
	*p = st;
	*n = (size_t)(e - st);
	return true;
}

static bool starts(const char *p, size_t n, const char *pre)
{
	size_t m = strlen(pre);
	return n >= m && memcmp(p, pre, m) == 0;
}

#define BAD_KV(c, what, k)                                                     \
	tb_fail((c)->err, TB_ERR_CORRUPT,                                      \
		"%s:%" PRIu64 ": %s field '%.*s' has a bad value '%.*s'",      \
		(c)->name, (c)->rd.line, what, (int)(k)->klen, (k)->key,       \
		(int)((k)->vlen > 40 ? 40 : (k)->vlen), (k)->val)

static enum tb_status own_session(struct csv *c, const char *p, size_t n)
{
	struct tb_session_info *s = &c->sess;
	struct kv k = {.p = p, .end = p + n};
	while (kv_next(&k)) {
		int64_t v;
		uint64_t u;
		bool ok = true;
		if (key_is(&k, "source_uid")) {
			ok = parse_u64(k.val, k.vlen, &u);
			s->source_uid = u;
		} else if (key_is(&k, "game")) {
			ok =
			    parse_i64(k.val, k.vlen, 0, TB_GAME__COUNT - 1, &v);
			s->game = (enum tb_game)v;
		} else if (key_is(&k, "packet_format")) {
			ok = parse_i64(k.val, k.vlen, 0, UINT16_MAX, &v);
			s->packet_format = (uint16_t)v;
		} else if (key_is(&k, "game_year")) {
			ok = parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			s->game_year = (uint8_t)v;
		} else if (key_is(&k, "game_major")) {
			ok = parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			s->game_major = (uint8_t)v;
		} else if (key_is(&k, "game_minor")) {
			ok = parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			s->game_minor = (uint8_t)v;
		} else if (key_is(&k, "track_id")) {
			ok = parse_i64(k.val, k.vlen, INT32_MIN, INT32_MAX, &v);
			s->track_id = (int32_t)v;
		} else if (key_is(&k, "track")) {
			ok = pct_decode(k.val, k.vlen, s->track,
					sizeof(s->track));
		} else if (key_is(&k, "layout")) {
			ok = pct_decode(k.val, k.vlen, s->layout,
					sizeof(s->layout));
		} else if (key_is(&k, "track_length_m")) {
			ok = parse_num(k.val, k.vlen, '.', &s->track_length_m);
		} else if (key_is(&k, "kind")) {
			ok = parse_i64(k.val, k.vlen, 0, TB_SESSION__COUNT - 1,
				       &v);
			s->kind = (enum tb_session_kind)v;
		} else if (key_is(&k, "game_session_type")) {
			ok = parse_i64(k.val, k.vlen, INT32_MIN, INT32_MAX, &v);
			s->game_session_type = (int32_t)v;
		} else if (key_is(&k, "car_class")) {
			ok = parse_i64(k.val, k.vlen, 0, TB_CLASS__COUNT - 1,
				       &v);
			s->car_class = (enum tb_car_class)v;
		} else if (key_is(&k, "weather")) {
			ok = parse_i64(k.val, k.vlen, INT32_MIN, INT32_MAX, &v);
			s->weather = (int32_t)v;
		} else if (key_is(&k, "air_temp_c")) {
			ok = parse_i64(k.val, k.vlen, INT32_MIN, INT32_MAX, &v);
			s->air_temp_c = (int32_t)v;
		} else if (key_is(&k, "track_temp_c")) {
			ok = parse_i64(k.val, k.vlen, INT32_MIN, INT32_MAX, &v);
			s->track_temp_c = (int32_t)v;
		} else if (key_is(&k, "start_unix_ms")) {
			ok = parse_i64(k.val, k.vlen, INT64_MIN + 1, INT64_MAX,
				       &v);
			s->start_unix_ms = v;
		}
		if (!ok)
			return BAD_KV(c, "session", &k);
	}
	return TB_OK;
}

static enum tb_status own_car(struct csv *c, const char *p, size_t n)
{
	struct tb_car_info *car = &c->car;
	struct kv k = {.p = p, .end = p + n};
	while (kv_next(&k)) {
		int64_t v = 0;
		bool ok = true;
		if (key_is(&k, "index")) {
			ok = parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			car->car_index = (uint8_t)v;
		} else if (key_is(&k, "driver")) {
			ok = pct_decode(k.val, k.vlen, car->driver,
					sizeof(car->driver));
		} else if (key_is(&k, "team_id")) {
			ok = parse_i64(k.val, k.vlen, INT32_MIN, INT32_MAX, &v);
			car->team_id = (int32_t)v;
		} else if (key_is(&k, "race_number")) {
			ok = parse_i64(k.val, k.vlen, INT32_MIN, INT32_MAX, &v);
			car->race_number = (int32_t)v;
		} else if (key_is(&k, "ai")) {
			ok = parse_i64(k.val, k.vlen, 0, 1, &v);
			car->ai = v != 0;
		}
		if (!ok)
			return BAD_KV(c, "car", &k);
	}
	return TB_OK;
}

struct own_lap {
	struct seg seg;
	uint8_t car;
	int32_t sectors[3];
	tb_chmask chans;
	size_t n;
};

static enum tb_status own_lap_line(struct csv *c, const char *p, size_t n,
				   struct own_lap *l)
{
	struct kv k = {.p = p, .end = p + n};
	bool have_n = false, have_number = false;
	l->seg.lap_time_ms = TB_TIME_UNKNOWN;
	for (int i = 0; i < 3; i++)
		l->sectors[i] = TB_TIME_UNKNOWN;
	while (kv_next(&k)) {
		int64_t v = 0;
		uint64_t u = 0;
		bool ok = true;
		if (key_is(&k, "car")) {
			ok = parse_i64(k.val, k.vlen, 0, UINT8_MAX, &v);
			l->car = (uint8_t)v;
		} else if (key_is(&k, "number")) {
			ok = parse_i64(k.val, k.vlen, 0, UINT32_MAX, &v);
			l->seg.number = (uint32_t)v;
			have_number = ok;
		} else if (key_is(&k, "lap_time_ms")) {
			ok = parse_i64(k.val, k.vlen, INT32_MIN, INT32_MAX, &v);
			l->seg.lap_time_ms = (int32_t)v;
		} else if (key_is(&k, "sectors")) {
			const char *q = k.val, *e = k.val + k.vlen;
			for (int i = 0; i < 3 && ok; i++) {
				const char *sl =
				    memchr(q, '/', (size_t)(e - q));
				if (i == 2)
					sl = sl ? NULL : e;
				ok = sl && parse_i64(q, (size_t)(sl - q),
						     INT32_MIN, INT32_MAX, &v);
				l->sectors[i] = (int32_t)v;
				if (ok)
					q = sl + 1;
			}
		} else if (key_is(&k, "flags")) {
			ok = parse_u64(k.val, k.vlen, &u) && u <= UINT32_MAX;
			l->seg.flags = (uint32_t)u;
		} else if (key_is(&k, "n")) {
			ok = parse_u64(k.val, k.vlen, &u) &&
			     u <= TB_LAP_MAX_SAMPLES;
			l->n = (size_t)u;
			have_n = ok;
		} else if (key_is(&k, "chans")) {
			ok = parse_u64(k.val, k.vlen, &u) &&
			     (TB_CH__COUNT == 64 || (u >> TB_CH__COUNT) == 0);
			l->chans = u;
		}
		if (!ok)
			return BAD_KV(c, "lap", &k);
	}
	if (!have_n || !have_number)
		return tb_fail(c->err, TB_ERR_CORRUPT,
			       "%s:%" PRIu64 ": lap line without %s", c->name,
			       c->rd.line, have_n ? "number" : "n");
	return TB_OK;
}

static enum tb_status own_parse(struct csv *c, fmt_lap_fn fn, void *ctx)
{
	struct own_lap *ol = NULL;
	tb_chmask *force = NULL;
	int32_t(*sectors)[3] = NULL;
	size_t n_ol = 0, cap_ol = 0;
	enum tb_status st = TB_OK;
	const char *p;
	size_t n;
	bool have_session = false, have_car = false;
	raw_line(&c->rd, &p, &n); /* the magic line */
	c->sess.track_id = -1;
	c->sess.weather = -1;
	c->car.team_id = -1;
	c->car.race_number = -1;
	for (;;) {
		if (c->rd.p >= c->rd.end || *c->rd.p != '#')
			break;
		raw_line(&c->rd, &p, &n);
		if (starts(p, n, "# session:")) {
			st = own_session(c, p + 10, n - 10);
			have_session = true;
		} else if (starts(p, n, "# car:")) {
			st = own_car(c, p + 6, n - 6);
			have_car = true;
		} else if (starts(p, n, "# lap:")) {
			if (n_ol == FMT_LAPS_MAX) {
				st =
				    tb_fail(c->err, TB_ERR_LIMIT,
					    "%s:%" PRIu64 ": more than %u laps",
					    c->name, c->rd.line, FMT_LAPS_MAX);
				goto out;
			}
			if (n_ol == cap_ol) {
				size_t nc = cap_ol ? cap_ol * 2 : 16;
				struct own_lap *t =
				    tb_realloc(ol, nc * sizeof(*ol));
				if (!t) {
					st = oom(c);
					goto out;
				}
				ol = t;
				cap_ol = nc;
			}
			memset(&ol[n_ol], 0, sizeof(ol[n_ol]));
			st = own_lap_line(c, p + 6, n - 6, &ol[n_ol]);
			n_ol++;
		}
		if (st != TB_OK)
			goto out;
	}
	if (!have_session || !have_car || n_ol == 0) {
		st = tb_fail(c->err, TB_ERR_CORRUPT,
			     "%s:%" PRIu64 ": trailbrake CSV without %s line",
			     c->name, c->rd.next_line,
			     !have_session ? "a session"
			     : !have_car   ? "a car"
					   : "any lap");
		goto out;
	}

	/* Header: lap, then canonical channel names, each once. */
	size_t nf;
	st = rd_row(&c->rd, c->name, c->f, FMT_CSV_COLS_MAX, &nf, c->err);
	if (st == TB_ERR_EMPTY)
		st = tb_fail(c->err, TB_ERR_TRUNCATED,
			     "%s: ends before the header row", c->name);
	if (st != TB_OK)
		goto out;
	if (nf < 1 || !span_ieq(c->f[0].p, c->f[0].len, "lap")) {
		st = tb_fail(c->err, TB_ERR_CORRUPT,
			     "%s:%" PRIu64 ": header must start with 'lap'",
			     c->name, c->rd.line);
		goto out;
	}
	c->n_cols = nf;
	tb_chmask hdr = 0;
	int colch[TB_CH__COUNT + 1];
	if (nf > TB_CH__COUNT + 1) {
		st = tb_fail(c->err, TB_ERR_CORRUPT,
			     "%s:%" PRIu64 ": %zu columns, at most %d", c->name,
			     c->rd.line, nf, TB_CH__COUNT + 1);
		goto out;
	}
	for (size_t j = 1; j < nf; j++) {
		char nm[64];
		enum tb_channel ch;
		if (!span_text(&c->f[j], nm, sizeof(nm)) ||
		    tb_channel_by_name(nm, &ch) != TB_OK ||
		    (hdr & TB_CHBIT(ch))) {
			st = tb_fail(c->err, TB_ERR_CORRUPT,
				     "%s:%" PRIu64 ": column %zu '%.*s' is not "
				     "a channel (or repeats one)",
				     c->name, c->rd.line, j + 1,
				     (int)(c->f[j].len > 40 ? 40 : c->f[j].len),
				     c->f[j].p);
			goto out;
		}
		hdr |= TB_CHBIT(ch);
		colch[j] = (int)ch;
		c->mapped[c->n_mapped++] = (int)ch;
	}
	/* Units row: exactly the canonical units. */
	st = rd_row(&c->rd, c->name, c->f, FMT_CSV_COLS_MAX, &nf, c->err);
	if (st == TB_ERR_EMPTY)
		st = tb_fail(c->err, TB_ERR_TRUNCATED,
			     "%s: ends before the units row", c->name);
	if (st != TB_OK)
		goto out;
	if (nf != c->n_cols) {
		st = tb_fail(c->err, TB_ERR_CORRUPT,
			     "%s:%" PRIu64 ": units row has %zu fields, the "
			     "header %zu",
			     c->name, c->rd.line, nf, c->n_cols);
		goto out;
	}
	for (size_t j = 1; j < nf; j++) {
		const char *u = tb_channel_unit((enum tb_channel)colch[j]);
		if (strlen(u) != c->f[j].len ||
		    memcmp(u, c->f[j].p, c->f[j].len) != 0) {
			st = tb_fail(c->err, TB_ERR_CORRUPT,
				     "%s:%" PRIu64 ": column %zu: unit must "
				     "be '%s'",
				     c->name, c->rd.line, j + 1, u);
			goto out;
		}
	}
	for (size_t i = 0; i < n_ol; i++)
		if (ol[i].chans & ~hdr) {
			st = tb_fail(c->err, TB_ERR_CORRUPT,
				     "%s: lap line %zu names channels the "
				     "header lacks",
				     c->name, i + 1);
			goto out;
		}

	/* Rows, n per lap line. */
	c->segs = tb_calloc(n_ol, sizeof(*c->segs));
	force = tb_calloc(n_ol, sizeof(*force));
	sectors = tb_calloc(n_ol, sizeof(*sectors));
	if (!c->segs || !force || !sectors) {
		st = oom(c);
		goto out;
	}
	for (size_t li = 0; li < n_ol; li++) {
		struct seg *sg = &c->segs[li];
		*sg = ol[li].seg;
		sg->start = c->n_rows;
		force[li] = ol[li].chans;
		memcpy(sectors[li], ol[li].sectors, sizeof(sectors[li]));
		for (size_t r = 0; r < ol[li].n; r++) {
			st = rd_row(&c->rd, c->name, c->f, FMT_CSV_COLS_MAX,
				    &nf, c->err);
			if (st == TB_OK && nf && c->f[0].len &&
			    c->f[0].p[0] == '#')
				st = TB_ERR_EMPTY;
			if (st == TB_ERR_EMPTY)
				st = tb_fail(c->err, TB_ERR_TRUNCATED,
					     "%s: ends in lap %zu after %zu of "
					     "its %zu rows",
					     c->name, li + 1, r, ol[li].n);
			if (st != TB_OK)
				goto out;
			if (nf != c->n_cols) {
				st =
				    tb_fail(c->err, TB_ERR_CORRUPT,
					    "%s:%" PRIu64 ": %zu fields, the "
					    "header has %zu",
					    c->name, c->rd.line, nf, c->n_cols);
				goto out;
			}
			uint64_t lapno;
			if (!parse_u64(c->f[0].p, c->f[0].len, &lapno) ||
			    lapno != sg->number) {
				st = tb_fail(
				    c->err, TB_ERR_CORRUPT,
				    "%s:%" PRIu64 ": column 1 'lap': "
				    "'%.*s', expected %" PRIu32,
				    c->name, c->rd.line,
				    (int)(c->f[0].len > 20 ? 20 : c->f[0].len),
				    c->f[0].p, sg->number);
				goto out;
			}
			if ((st = stage_grow(c)) != TB_OK)
				goto out;
			size_t row = c->n_rows;
			tb_chmask m = 0;
			for (size_t j = 1; j < nf; j++) {
				int ch = colch[j];
				const struct span *s = &c->f[j];
				double v = 0.0;
				if (s->len == 0) {
					c->val[ch][row] = 0.0;
					continue;
				}
				if (!parse_num(s->p, s->len, '.', &v) ||
				    !(ol[li].chans & TB_CHBIT(ch))) {
					st = tb_fail(
					    c->err, TB_ERR_CORRUPT,
					    "%s:%" PRIu64 ": column %zu "
					    "'%s': '%.*s' is not a number"
					    "%s",
					    c->name, c->rd.line, j + 1,
					    tb_channel_name(
						(enum tb_channel)ch),
					    (int)(s->len > 40 ? 40 : s->len),
					    s->p,
					    (ol[li].chans & TB_CHBIT(ch))
						? ""
						: " of this lap");
					goto out;
				}
				c->val[ch][row] = v;
				m |= TB_CHBIT(ch);
			}
			c->pres[row] = m;
			c->line[row] = c->rd.line;
			c->n_rows++;
			report(c);
		}
		sg->end = c->n_rows;
	}
	/* The trailer, then nothing but blank lines. */
	bool ended = false;
	while (raw_line(&c->rd, &p, &n)) {
		if (!ended && n == 5 && memcmp(p, "# end", 5) == 0) {
			ended = true;
			continue;
		}
		size_t k = 0;
		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k == n)
			continue;
		st = tb_fail(c->err, TB_ERR_CORRUPT, "%s:%" PRIu64 ": %s",
			     c->name, c->rd.line,
			     ended ? "text after '# end'"
				   : "more rows than the lap lines announce");
		goto out;
	}
	if (!ended) {
		st = tb_fail(c->err, TB_ERR_TRUNCATED,
			     "%s: no '# end' line: the file is cut short",
			     c->name);
		goto out;
	}
	c->n_segs = n_ol;
	c->laps = tb_calloc(n_ol, sizeof(*c->laps));
	if (!c->laps) {
		st = oom(c);
		goto out;
	}
	c->n_laps = n_ol;
	for (size_t i = 0; i < n_ol; i++)
		tb_lap_init(&c->laps[i]);
	for (size_t i = 0; i < n_ol && st == TB_OK; i++) {
		st = build_lap(c, &c->segs[i], force[i], &c->laps[i]);
		c->laps[i].car_index = ol[i].car;
		memcpy(c->laps[i].sector_ms, sectors[i], sizeof(sectors[i]));
	}
	if (st != TB_OK)
		goto out;
	snprintf(c->meta.source, sizeof(c->meta.source), "trailbrake-csv");
	if (c->progress && c->progress->update)
		c->progress->update(c->progress->ctx, c->len, c->len);
	for (size_t i = 0; i < c->n_laps && st == TB_OK; i++)
		st = fn(ctx, &c->sess, &c->car, &c->laps[i], &c->meta);
out:
	tb_free(ol);
	tb_free(force);
	tb_free(sectors);
	return st;
}

/* ------------------------------------------------------------------ */
/* Generic and MoTeC CSV. */

static char detect_delim(const char *p, const char *end)
{
	size_t comma = 0, semi = 0, tab = 0;
	bool q = false;
	for (; p < end && (q || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			q = !q;
		else if (!q && *p == ',')
			comma++;
		else if (!q && *p == ';')
			semi++;
		else if (!q && *p == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "dd/mm/yyyy" and "HH:MM:SS" (taken as UTC: the export carries no
 * zone) to ms since the epoch; 0 when either does not parse. */
static int64_t motec_start(const char *date, const char *time)
{
	unsigned d, mo, y, h, mi, s;
	char tail;
	if (sscanf(date, "%2u/%2u/%4u%c", &d, &mo, &y, &tail) != 3 ||
	    sscanf(time, "%2u:%2u:%2u%c", &h, &mi, &s, &tail) != 3)
		return 0;
	if (d < 1 || d > 31 || mo < 1 || mo > 12 || y < 1970 || h > 23 ||
	    mi > 59 || s > 60)
		return 0;
	int64_t days = days_from_civil(y, mo, d);
	return ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000;
}

static enum tb_status motec_beacons(struct csv *c, const char *txt)
{
	const char *p = txt;
	for (;;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			return TB_OK;
		const char *st = p;
		while (*p && *p != ' ' && *p != ',' && *p != '\t')
			p++;
		double v;
		if (!parse_num(st, (size_t)(p - st), '.', &v) ||
		    (c->n_beacons && v <= c->beacons[c->n_beacons - 1]))
			return tb_fail(c->err, TB_ERR_CORRUPT,
				       "%s:%" PRIu64 ": Beacon Markers: '%.*s' "
				       "is not a time after the previous one",
				       c->name, c->rd.line,
				       (int)((p - st) > 20 ? 20 : (p - st)),
				       st);
		if (c->n_beacons == BEACONS_MAX)
			return tb_fail(c->err, TB_ERR_LIMIT,
				       "%s:%" PRIu64 ": more than %d beacon "
				       "markers",
				       c->name, c->rd.line, BEACONS_MAX);
		c->beacons[c->n_beacons++] = v;
	}
}

/* The MoTeC preamble: "Key","Value" rows up to the first blank line. */
static enum tb_status motec_preamble(struct csv *c)
{
	char date[32] = "", tim[32] = "";
	for (;;) {
		size_t nf;
		enum tb_status st = rd_row(&c->rd, c->name, c->f,
					   FMT_CSV_COLS_MAX, &nf, c->err);
		if (st == TB_ERR_EMPTY)
			return tb_fail(c->err, TB_ERR_TRUNCATED,
				       "%s: MoTeC CSV ends in its preamble",
				       c->name);
		if (st != TB_OK)
			return st;
		if (nf == 0 || row_blank(c->f, nf))
			break;
		if (nf < 2)
			continue;
		char key[32], val[1024];
		if (!span_text(&c->f[0], key, sizeof(key)))
			continue;
		bool fits = span_text(&c->f[1], val, sizeof(val));
		if (!fits && strcmp(key, "Beacon Markers") != 0)
			continue;
		if (strcmp(key, "Venue") == 0)
			set_str(c->sess.track, sizeof(c->sess.track), val);
		else if (strcmp(key, "Driver") == 0)
			set_str(c->car.driver, sizeof(c->car.driver), val);
		else if (strcmp(key, "Vehicle") == 0)
			set_str(c->meta.car, sizeof(c->meta.car), val);
		else if (strcmp(key, "Log Date") == 0)
			set_str(date, sizeof(date), val);
		else if (strcmp(key, "Log Time") == 0)
			set_str(tim, sizeof(tim), val);
		else if (strcmp(key, "Beacon Markers") == 0) {
			char *big = tb_malloc(c->f[1].len + 1);
			if (!big)
				return oom(c);
			span_text(&c->f[1], big, c->f[1].len + 1);
			st = motec_beacons(c, big);
			tb_free(big);
			if (st != TB_OK)
				return st;
		}
	}
	c->sess.start_unix_ms = motec_start(date, tim);
	return TB_OK;
}

/* Next row that is not blank (nor a '#' comment in generic files). */
static enum tb_status next_content_row(struct csv *c, size_t *nf)
{
	for (;;) {
		if (!c->motec && c->rd.p < c->rd.end && *c->rd.p == '#') {
			const char *p;
			size_t n;
			raw_line(&c->rd, &p, &n);
			continue;
		}
		enum tb_status st =
		    rd_row(&c->rd, c->name, c->f, FMT_CSV_COLS_MAX, nf, c->err);
		if (st != TB_OK)
			return st;
		if (*nf && !row_blank(c->f, *nf))
			return TB_OK;
	}
}

static void norm_unit(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	for (; *in && o + 1 < cap; in++)
		if (*in != ' ' && *in != '"')
			out[o++] = lower(*in);
	out[o] = '\0';
}

static long find_col(struct csv *c, const char *want)
{
	char nm[NAME_CAP];
	for (size_t j = 0; j < c->n_cols; j++)
		if (span_text(&c->f[j], nm, sizeof(nm)) &&
		    span_ieq(nm, strlen(nm), want))
			return (long)j;
	return -1;
}

static void map_slot(struct csv *c, int slot, long col, const char *unit)
{
	c->col[slot] = col;
	norm_unit(unit, c->unit[slot], sizeof(c->unit[slot]));
	char nm[NAME_CAP];
	if (span_text(&c->f[col], nm, sizeof(nm)))
		set_str(c->colname[slot], sizeof(c->colname[slot]), nm);
	c->mapped[c->n_mapped++] = slot;
}

/* Map header columns to slots: explicit map first, then by name. */
static enum tb_status map_header(struct csv *c)
{
	const struct fmt_csv_options *o = c->opts;
	bool taken[FMT_CSV_COLS_MAX] = {0};
	for (int s = 0; s < N_SLOTS; s++)
		c->col[s] = -1;
	for (int s = 0; s < N_SLOTS; s++) {
		const char *want = s == CH_LAP ? o->lap_col : o->map[s];
		if (!want || !*want)
			continue;
		long j = find_col(c, want);
		if (j < 0)
			return tb_fail(
			    c->err, TB_ERR_NOTFOUND,
			    "%s:%" PRIu64 ": no column '%s' (mapped "
			    "to %s) in the header",
			    c->name, c->rd.line, want,
			    s == CH_LAP ? "lap"
					: tb_channel_name((enum tb_channel)s));
		char nm[NAME_CAP], unit[24];
		span_text(&c->f[j], nm, sizeof(nm));
		classify(nm, unit, sizeof(unit));
		map_slot(c, s, j, unit);
		taken[j] = true;
	}
	for (size_t j = 0; j < c->n_cols; j++) {
		char nm[NAME_CAP], unit[24];
		if (taken[j] || !span_text(&c->f[j], nm, sizeof(nm)))
			continue;
		int s = classify(nm, unit, sizeof(unit));
		bool ambig = s == AMBIG_DIST;
		if (ambig)
			s = TB_CH_LAP_DIST;
		if (s < 0 || c->col[s] >= 0)
			continue;
		if (ambig)
			c->dist_ambig = true;
		map_slot(c, s, (long)j, unit);
	}
	return TB_OK;
}

/* The units row (when present) refines units of mapped columns. */
static void apply_units_row(struct csv *c, size_t nf)
{
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		size_t j = (size_t)c->col[s];
		char u[64];
		if (j >= nf || !span_text(&c->f[j], u, sizeof(u)) || !u[0])
			continue;
		norm_unit(u, c->unit[s], sizeof(c->unit[s]));
	}
}

static enum tb_status decide_units(struct csv *c)
{
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		if (!unit_conv(family_of(s), c->unit[s], &c->scale[s],
			       &c->off[s], &c->rule[s]))
			return tb_fail(
			    c->err, TB_ERR_UNSUPPORTED,
			    "%s: column %ld '%s': unit '%s' is not "
			    "understood for %s; map the column or "
			    "fix its unit",
			    c->name, c->col[s] + 1, c->colname[s], c->unit[s],
			    s == CH_LAP ? "lap"
					: tb_channel_name((enum tb_channel)s));
		if (s == TB_CH_SPEED && c->opts->speed_scale > 0) {
			c->scale[s] = c->opts->speed_scale;
			c->rule[s] = RULE_FIXED;
		}
		if (family_of(s) == FAM_PEDAL && c->opts->pedal_scale > 0) {
			c->scale[s] = c->opts->pedal_scale;
			c->rule[s] = RULE_FIXED;
		}
	}
	return TB_OK;
}

static bool is_gear_text(const struct span *s, double *v)
{
	const char *p = s->p;
	size_t n = s->len;
	trim(&p, &n);
	if (span_ieq(p, n, "n")) {
		*v = 0;
		return true;
	}
	if (span_ieq(p, n, "r")) {
		*v = -1;
		return true;
	}
	return false;
}

/* One data row into the staging columns. */
static enum tb_status stage_row(struct csv *c, size_t nf, int slot_base,
				double *prev_t, double *prev_lap)
{
	if (nf < c->n_cols)
		return tb_fail(c->err, TB_ERR_CORRUPT,
			       "%s:%" PRIu64 ": %zu fields, the header has %zu",
			       c->name, c->rd.line, nf, c->n_cols);
	for (size_t j = c->n_cols; j < nf; j++)
		if (c->f[j].len)
			return tb_fail(c->err, TB_ERR_CORRUPT,
				       "%s:%" PRIu64 ": column %zu: a value "
				       "past the header's %zu columns",
				       c->name, c->rd.line, j + 1, c->n_cols);
	enum tb_status st = stage_grow(c);
	if (st != TB_OK)
		return st;
	size_t row = c->n_rows;
	tb_chmask m = 0;
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		const struct span *sp = &c->f[c->col[s]];
		double v;
		if (parse_num(sp->p, sp->len, c->dec, &v) ||
		    (s == TB_CH_GEAR && is_gear_text(sp, &v))) {
			c->val[s][row] = v;
			if (s != CH_LAP)
				m |= TB_CHBIT(s);
			if (v < c->vmin[s])
				c->vmin[s] = v;
			if (v > c->vmax[s])
				c->vmax[s] = v;
			continue;
		}
		if (!is_missing(sp->p, sp->len) ||
		    (s == slot_base || s == CH_LAP))
			return tb_fail(
			    c->err, TB_ERR_CORRUPT,
			    "%s:%" PRIu64 ": column %ld '%s': '%.*s' is "
			    "not a number",
			    c->name, c->rd.line, c->col[s] + 1, c->colname[s],
			    (int)(sp->len > 40 ? 40 : sp->len), sp->p);
		c->val[s][row] = 0.0;
	}
	if (c->col[CH_LAP] >= 0) {
		double lv = c->val[CH_LAP][row];
		if (lv < 0 || lv > UINT32_MAX || lv != floor(lv))
			return tb_fail(c->err, TB_ERR_CORRUPT,
				       "%s:%" PRIu64 ": column %ld '%s': lap "
				       "%g is not a lap number",
				       c->name, c->rd.line, c->col[CH_LAP] + 1,
				       c->colname[CH_LAP], lv);
		if (row && lv != *prev_lap)
			*prev_t = -INFINITY;
		*prev_lap = lv;
	}
	if (slot_base == TB_CH_TIME) {
		double t = c->val[TB_CH_TIME][row];
		if (t < *prev_t)
			return tb_fail(c->err, TB_ERR_CORRUPT,
				       "%s:%" PRIu64 ": column %ld '%s': time "
				       "%.17g goes back (previous %.17g)",
				       c->name, c->rd.line,
				       c->col[TB_CH_TIME] + 1,
				       c->colname[TB_CH_TIME], t, *prev_t);
		*prev_t = t;
	}
	c->pres[row] = m;
	c->line[row] = c->rd.line;
	c->n_rows++;
	return TB_OK;
}

/* Decide range rules over the whole file and apply every conversion. */
static enum tb_status convert(struct csv *c)
{
	for (size_t k = 0; k < c->n_mapped; k++) {
		int s = c->mapped[k];
		if (s == CH_LAP)
			continue;
		double lo = c->vmin[s], hi = c->vmax[s];
		bool any = lo <= hi;
		double amax = fmax(fabs(lo), fabs(hi));
		switch (c->rule[s]) {
		case RULE_PEDAL:
			if (!any || hi <= 1.01)
				c->scale[s] = 1.0;
			else if (hi <= 101.0)
				c->scale[s] = 0.01;
			else
				return tb_fail(
				    c->err, TB_ERR_RANGE,
				    "%s: column %ld '%s': values up to %g "
				    "are neither 0..1 nor 0..100 %%; map "
				    "it or fix its unit",
				    c->name, c->col[s] + 1, c->colname[s], hi);
			break;
		case RULE_SPEED:
			c->scale[s] =
			    (!any || amax <= 100.0) ? 1.0 : 1.0 / TB_KMH_PER_MS;
			break;
		case RULE_STEER:
			if (any && amax > 1.01)
				c->rule[s] = RULE_DROP;
			break;
		case RULE_FIXED:
		case RULE_DROP:
			break;
		}
		if (c->rule[s] == RULE_DROP) {
			for (size_t i = 0; i < c->n_rows; i++)
				c->pres[i] &= ~TB_CHBIT(s);
			continue;
		}
		double sc = c->scale[s], of = c->off[s];
		if (any && family_of(s) == FAM_PEDAL &&
		    (lo * sc + of < -0.01 || hi * sc + of > 1.01))
			return tb_fail(c->err, TB_ERR_RANGE,
				       "%s: column %ld '%s': values %g..%g do "
				       "not fit 0..1 in unit '%s'",
				       c->name, c->col[s] + 1, c->colname[s],
				       lo, hi, c->unit[s]);
		if (any && s == TB_CH_STEER &&
		    (lo * sc < -1.01 || hi * sc > 1.01))
			return tb_fail(c->err, TB_ERR_RANGE,
				       "%s: column %ld '%s': values %g..%g do "
				       "not fit -1..1",
				       c->name, c->col[s] + 1, c->colname[s],
				       lo, hi);
		if (sc == 1.0 && of == 0.0)
			continue;
		double *v = c->val[s];
		for (size_t i = 0; i < c->n_rows; i++)
			if (c->pres[i] & TB_CHBIT(s))
				v[i] = v[i] * sc + of;
	}
	return TB_OK;
}

static enum tb_status add_seg(struct csv *c, size_t *cap, size_t start,
			      size_t end, uint32_t number, int32_t ms,
			      uint32_t flags)
{
	if (end == start)
		return TB_OK;
	if (end - start > TB_LAP_MAX_SAMPLES)
		return tb_fail(
		    c->err, TB_ERR_LIMIT,
		    "%s: lap %" PRIu32 " has %zu samples, at most %u", c->name,
		    number, end - start, TB_LAP_MAX_SAMPLES);
	if (c->n_segs == FMT_LAPS_MAX)
		return tb_fail(c->err, TB_ERR_LIMIT, "%s: more than %u laps",
			       c->name, FMT_LAPS_MAX);
	if (c->n_segs == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct seg *t = tb_realloc(c->segs, nc * sizeof(*t));
		if (!t)
			return oom(c);
		c->segs = t;
		*cap = nc;
	}
	c->segs[c->n_segs++] = (struct seg){start, end, number, ms, flags};
	return TB_OK;
}

static enum tb_status cut_laps(struct csv *c)
{
	size_t cap = 0;
	enum tb_status st = TB_OK;
	if (c->col[CH_LAP] >= 0) {
		const double *lv = c->val[CH_LAP];
		size_t st0 = 0;
		for (size_t i = 1; i <= c->n_rows && st == TB_OK; i++)
			if (i == c->n_rows || lv[i] != lv[st0]) {
				st = add_seg(c, &cap, st0, i, (uint32_t)lv[st0],
					     TB_TIME_UNKNOWN, 0);
				st0 = i;
			}
		return st;
	}
	if (c->n_beacons && c->col[TB_CH_TIME] >= 0) {
		const double *t = c->val[TB_CH_TIME];
		size_t i = 0, st0 = 0;
		for (size_t b = 0; b <= c->n_beacons && st == TB_OK; b++) {
			double lim =
			    b < c->n_beacons ? c->beacons[b] : INFINITY;
			while (i < c->n_rows && t[i] < lim)
				i++;
			int32_t ms = TB_TIME_UNKNOWN;
			uint32_t fl = TB_LAP_INCOMPLETE;
			if (b > 0 && b < c->n_beacons) {
				double d = (c->beacons[b] - c->beacons[b - 1]) *
					   1000.0;
				ms = d < INT32_MAX ? (int32_t)llround(d)
						   : TB_TIME_UNKNOWN;
				fl = 0;
			}
			st = add_seg(c, &cap, st0, i, (uint32_t)b + 1, ms, fl);
			st0 = i;
		}
		return st;
	}
	return add_seg(c, &cap, 0, c->n_rows, 1, TB_TIME_UNKNOWN, 0);
}

/* The generic distance does not restart per lap: total distance (if
 * that column is free, else dropped). */
static void to_total(struct csv *c)
{
	tb_chmask b = TB_CHBIT(TB_CH_LAP_DIST);
	bool moved = c->col[TB_CH_TOTAL_DIST] < 0;
	if (moved) {
		c->val[TB_CH_TOTAL_DIST] = c->val[TB_CH_LAP_DIST];
		c->col[TB_CH_TOTAL_DIST] = c->col[TB_CH_LAP_DIST];
		snprintf(c->colname[TB_CH_TOTAL_DIST], sizeof(c->colname[0]),
			 "%s", c->colname[TB_CH_LAP_DIST]);
	} else {
		tb_free(c->val[TB_CH_LAP_DIST]);
	}
	c->val[TB_CH_LAP_DIST] = NULL;
	c->col[TB_CH_LAP_DIST] = -1;
	for (size_t i = 0; i < c->n_rows; i++)
		if (c->pres[i] & b) {
			c->pres[i] &= ~b;
			if (moved)
				c->pres[i] |= TB_CHBIT(TB_CH_TOTAL_DIST);
		}
}

/* A generic "distance": lap distance if it restarts with every lap. */
static void settle_distance(struct csv *c)
{
	if (!c->dist_ambig || c->n_segs < 2)
		return;
	const double *d = c->val[TB_CH_LAP_DIST];
	tb_chmask b = TB_CHBIT(TB_CH_LAP_DIST);
	for (size_t k = 1; k < c->n_segs; k++) {
		const struct seg *p = &c->segs[k - 1], *s = &c->segs[k];
		double last = NAN, first = NAN;
		for (size_t i = p->end; i > p->start; i--)
			if (c->pres[i - 1] & b) {
				last = d[i - 1];
				break;
			}
		for (size_t i = s->start; i < s->end; i++)
			if (c->pres[i] & b) {
				first = d[i];
				break;
			}
		if (!isnan(last) && !isnan(first) && !(first < last)) {
			to_total(c);
			return;
		}
	}
}

/* Distance base: time from distance and speed, per lap from 0. */
static enum tb_status derive_time(struct csv *c, int dist)
{
	double *t = tb_calloc(c->cap_rows ? c->cap_rows : 1, sizeof(*t));
	if (!t)
		return oom(c);
	tb_free(c->val[TB_CH_TIME]);
	c->val[TB_CH_TIME] = t;
	const double *d = c->val[dist], *v = c->val[TB_CH_SPEED];
	tb_chmask need = TB_CHBIT(dist) | TB_CHBIT(TB_CH_SPEED);
	for (size_t k = 0; k < c->n_segs; k++) {
		const struct seg *s = &c->segs[k];
		for (size_t i = s->start; i < s->end; i++) {
			if ((c->pres[i] & need) != need)
				return tb_fail(c->err, TB_ERR_CORRUPT,
					       "%s:%" PRIu64 ": distance or "
					       "speed is empty: time cannot "
					       "be derived",
					       c->name, c->line[i]);
			c->pres[i] |= TB_CHBIT(TB_CH_TIME);
			if (i == s->start) {
				t[i] = 0.0;
				continue;
			}
			double dd = d[i] - d[i - 1], vv = v[i] + v[i - 1];
			if (dd < 0 || (dd > 0 && vv < 0.2))
				return tb_fail(c->err, TB_ERR_CORRUPT,
					       "%s:%" PRIu64 ": cannot derive "
					       "time: distance %s",
					       c->name, c->line[i],
					       dd < 0 ? "goes back"
						      : "grows at speed 0");
			t[i] = t[i - 1] + (dd > 0 ? 2.0 * dd / vv : 0.0);
		}
	}
	return TB_OK;
}

static enum tb_status generic_parse(struct csv *c, fmt_lap_fn fn, void *ctx)
{
	enum tb_status st;
	size_t nf;
	if (c->motec && (st = motec_preamble(c)) != TB_OK)
		return st;
	/* Header row (the delimiter is decided on it). */
	while (c->rd.p < c->rd.end && (*c->rd.p == '\n' || *c->rd.p == '\r' ||
				       (!c->motec && *c->rd.p == '#'))) {
		const char *p;
		size_t n;
		raw_line(&c->rd, &p, &n);
	}
	rd_set_delim(&c->rd, detect_delim(c->rd.p, c->rd.end));
	c->dec = c->rd.delim == ';' ? ',' : '.';
	st = next_content_row(c, &nf);
	if (st == TB_ERR_EMPTY)
		return tb_fail(c->err, TB_ERR_TRUNCATED, "%s: no header row",
			       c->name);
	if (st != TB_OK)
		return st;
	c->n_cols = nf;
	uint64_t hdr_line = c->rd.line;
	if ((st = map_header(c)) != TB_OK)
		return st;
	int base = TB_CH_TIME;
	if (c->col[TB_CH_TIME] < 0 || c->opts->distance_base)
		base = c->col[TB_CH_LAP_DIST] >= 0     ? TB_CH_LAP_DIST
		       : c->col[TB_CH_TOTAL_DIST] >= 0 ? TB_CH_TOTAL_DIST
						       : -1;
	if (base < 0 || (base != TB_CH_TIME && c->col[TB_CH_SPEED] < 0))
		return tb_fail(c->err, TB_ERR_FORMAT,
			       "%s:%" PRIu64 ": no time column (time, Time, "
			       "SessionTime, t%s) and no distance with speed "
			       "to derive it from; map one with --map",
			       c->name, hdr_line,
			       c->opts->distance_base ? "; distance base "
							"asked"
						      : "");
	if (base != TB_CH_TIME && c->col[TB_CH_TIME] >= 0) {
		/* distance_base: drop the time column. */
		for (size_t k = 0; k < c->n_mapped; k++)
			if (c->mapped[k] == TB_CH_TIME)
				c->mapped[k] = c->mapped[--c->n_mapped];
		c->col[TB_CH_TIME] = -1;
	}
	for (int s = 0; s < N_SLOTS; s++) {
		c->vmin[s] = INFINITY;
		c->vmax[s] = -INFINITY;
	}
	/* Units row: the base column's field is not a number. */
	st = next_content_row(c, &nf);
	if (st == TB_ERR_EMPTY)
		return tb_fail(c->err, TB_ERR_TRUNCATED,
			       "%s: a header row and no data", c->name);
	if (st != TB_OK)
		return st;
	double dummy;
	size_t bc = (size_t)c->col[base];
	bool units =
	    bc >= nf || !parse_num(c->f[bc].p, c->f[bc].len, c->dec, &dummy);
	if (units) {
		apply_units_row(c, nf);
		if ((st = decide_units(c)) != TB_OK)
			return st;
		st = next_content_row(c, &nf);
		if (st == TB_ERR_EMPTY)
			return tb_fail(c->err, TB_ERR_TRUNCATED,
				       "%s: header and units rows, no data",
				       c->name);
		if (st != TB_OK)
			return st;
	} else if ((st = decide_units(c)) != TB_OK) {
		return st;
	}
	double prev_t = -INFINITY, prev_lap = 0;
	for (;;) {
		st = stage_row(c, nf, base, &prev_t, &prev_lap);
		if (st != TB_OK)
			return st;
		report(c);
		st = next_content_row(c, &nf);
		if (st == TB_ERR_EMPTY)
			break;
		if (st != TB_OK)
			return st;
	}
	if ((st = convert(c)) != TB_OK || (st = cut_laps(c)) != TB_OK)
		return st;
	settle_distance(c);
	if (base != TB_CH_TIME) {
		int dist = c->col[TB_CH_LAP_DIST] >= 0 ? TB_CH_LAP_DIST
						       : TB_CH_TOTAL_DIST;
		if ((st = derive_time(c, dist)) != TB_OK)
			return st;
	}
	c->sess.kind = TB_SESSION_UNKNOWN;
	c->sess.source_uid = hash_bytes(c->buf, c->len);
	set_str(c->meta.source, sizeof(c->meta.source),
		c->motec ? "motec-csv" : "csv");
	return build_and_hand(c, fn, ctx);
}

/* ------------------------------------------------------------------ */
/* Entry points. */

void fmt_csv_options_init(struct fmt_csv_options *o)
{
	memset(o, 0, sizeof(*o));
}

enum tb_status fmt_csv_parse_map(const char *spec, struct fmt_csv_options *o,
				 struct tb_error *err)
{
	if (!spec || !o)
		return tb_fail(err, TB_ERR_ARG, "--map: nothing to parse");
	size_t len = strlen(spec);
	if (len >= sizeof(o->names))
		return tb_fail(err, TB_ERR_LIMIT,
			       "--map: longer than %zu bytes",
			       sizeof(o->names) - 1);
	/* Parse into a copy first so o is unchanged on failure. */
	struct fmt_csv_options t = *o;
	memcpy(t.names, spec, len + 1);
	char *p = t.names;
	while (*p) {
		char *end = strchr(p, ',');
		if (end)
			*end = '\0';
		char *eq = strchr(p, '=');
		if (!eq || eq == p || !eq[1])
			return tb_fail(err, TB_ERR_ARG,
				       "--map: '%s' is not channel=column", p);
		*eq = '\0';
		enum tb_channel ch;
		if (strcmp(p, "lap") == 0)
			t.lap_col = eq + 1;
		else if (tb_channel_by_name(p, &ch) == TB_OK)
			t.map[ch] = eq + 1;
		else
			return tb_fail(err, TB_ERR_ARG,
				       "--map: '%s' is not a channel (e.g. "
				       "time, speed, throttle, lap_dist, lap)",
				       p);
		if (!end)
			break;
		p = end + 1;
	}
	/* Re-point the strings into o's own storage. */
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if (t.map[ch] && t.map[ch] >= t.names &&
		    t.map[ch] < t.names + sizeof(t.names))
			t.map[ch] = o->names + (t.map[ch] - t.names);
	if (t.lap_col && t.lap_col >= t.names &&
	    t.lap_col < t.names + sizeof(t.names))
		t.lap_col = o->names + (t.lap_col - t.names);
	*o = t;
	return TB_OK;
}

enum tb_status fmt_csv_parse(const uint8_t *buf, size_t len, const char *name,
			     const struct fmt_csv_options *opts, fmt_lap_fn fn,
			     void *ctx, const struct fmt_progress *progress,
			     struct tb_error *err)
{
	struct fmt_csv_options defaults;
	if (!opts) {
		fmt_csv_options_init(&defaults);
		opts = &defaults;
	}
	if (!name)
		name = "csv";
	if (!fn)
		return tb_fail(err, TB_ERR_ARG, "%s: no lap callback", name);
	struct csv *c = tb_calloc(1, sizeof(*c));
	if (!c)
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", name);
	c->name = name;
	c->buf = buf;
	c->len = len;
	c->opts = opts;
	c->progress = progress;
	c->err = err;
	c->step = len / 100 ? len / 100 : 1;
	if (c->step > (64u << 20))
		c->step = 64u << 20;
	c->sess.track_id = -1;
	c->sess.weather = -1;
	c->sess.game_session_type = -1;
	c->car.team_id = -1;
	c->car.race_number = -1;
	enum tb_status st = TB_OK;
	c->f = tb_calloc(FMT_CSV_COLS_MAX, sizeof(*c->f));
	if (!c->f) {
		st = oom(c);
		goto out;
	}
	const char *p = (const char *)buf;
	size_t n = len;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		n -= 3;
	}
	if (memchr(p, '\0', n)) {
		st = tb_fail(err, TB_ERR_FORMAT,
			     "%s: holds NUL bytes: not a CSV text file", name);
		goto out;
	}
	rd_init(&c->rd, p, n, ',');
	if (starts(p, n, OWN_MAGIC) &&
	    (n == strlen(OWN_MAGIC) || p[strlen(OWN_MAGIC)] == '\n' ||
	     p[strlen(OWN_MAGIC)] == '\r')) {
		c->own = true;
		st = own_parse(c, fn, ctx);
		goto out;
	}
	c->motec = starts(p, n, "\"Format\",\"MoTeC CSV File\"") ||
		   starts(p, n, "Format,MoTeC CSV File");
	c->sess.car_class = TB_CLASS_OTHER;
	st = generic_parse(c, fn, ctx);
out:
	csv_release(c);
	tb_free(c);
	return st;
}

/* Read a whole regular file into memory (capped). */
static enum tb_status slurp(const char *path, uint8_t **out, size_t *len,
			    struct tb_error *err)
{
	*out = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return tb_fail(err, TB_ERR_IO, "%s: cannot open: %s", path,
			       strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return tb_fail(err, TB_ERR_IO, "%s: not a regular file", path);
	}
	if ((uint64_t)sb.st_size > FMT_FILE_MAX) {
		fclose(f);
		return tb_fail(err, TB_ERR_LIMIT,
			       "%s: %lld bytes, the cap is %" PRIu64, path,
			       (long long)sb.st_size, FMT_FILE_MAX);
	}
	size_t n = (size_t)sb.st_size;
	uint8_t *b = tb_malloc(n ? n : 1);
	if (!b) {
		fclose(f);
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", path);
	}
	if (fread(b, 1, n, f) != n) {
		tb_free(b);
		fclose(f);
		return tb_fail(err, TB_ERR_IO, "%s: read error", path);
	}
	fclose(f);
	*out = b;
	*len = n;
	return TB_OK;
}

enum tb_status fmt_csv_import_opts(const char *path,
				   const struct fmt_csv_options *opts,
				   fmt_lap_fn fn, void *ctx,
				   const struct fmt_progress *progress,
				   struct tb_error *err)
{
	uint8_t *buf;
	size_t len;
	enum tb_status st = slurp(path, &buf, &len, err);
	if (st != TB_OK)
		return st;
	const char *base = strrchr(path, '/');
	st = fmt_csv_parse(buf, len, base ? base + 1 : path, opts, fn, ctx,
			   progress, err);
	tb_free(buf);
	return st;
}

static enum tb_status csv_import(const char *path, fmt_lap_fn fn, void *ctx,
				 const struct fmt_progress *progress,
				 struct tb_error *err)
{
	return fmt_csv_import_opts(path, NULL, fn, ctx, progress, err);
}

/* A header field for sniffing: unquoted, trimmed text of [p, e). */
static int sniff_field(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '"'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '"'))
		e--;
	if (e == p || e - p >= NAME_CAP)
		return -3;
	double d;
	if (parse_num(p, (size_t)(e - p), '.', &d))
		return -4;
	char nm[NAME_CAP], unit[24];
	memcpy(nm, p, (size_t)(e - p));
	nm[e - p] = '\0';
	return classify(nm, unit, sizeof(unit));
}

bool fmt_csv_sniff(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	const char *p = (const char *)head, *e = p + n;
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	if (p >= e)
		return false;
	for (const char *q = p; q < e; q++) {
		uint8_t b = (uint8_t)*q;
		if (b < 0x20 && b != '\t' && b != '\r' && b != '\n')
			return false;
	}
	size_t m = (size_t)(e - p);
	if (starts(p, m, OWN_MAGIC) ||
	    starts(p, m, "\"Format\",\"MoTeC CSV File\"") ||
	    starts(p, m, "Format,MoTeC CSV File"))
		return true;
	/* First content line: skip blank and '#' lines. */
	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		const char *q = p;
		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q == le || *q == '#') {
			if (!nl)
				return false;
			p = nl + 1;
			continue;
		}
		if (*q == '{' || *q == '[' || *q == '<')
			return false;
		if (!nl && n >= 4096)
			return false; /* header longer than the head */
		if (le > p && le[-1] == '\r')
			le--;
		char d = detect_delim(p, le);
		size_t nfields = 0;
		bool timeish = false;
		const char *st = p;
		for (const char *r = p;; r++) {
			if (r == le || *r == d) {
				int s = sniff_field(st, r);
				if (s == -4)
					return false; /* a number: data */
				if (s == TB_CH_TIME || s == TB_CH_LAP_DIST ||
				    s == TB_CH_TOTAL_DIST || s == AMBIG_DIST)
					timeish = true;
				nfields++;
				st = r + 1;
				if (r == le)
					break;
			}
		}
		return nfields >= 2 && timeish;
	}
	return false;
}

const struct fmt_importer fmt_importer_csv = {
    .version = 1,
    .name = "csv",
    .title = "CSV telemetry (trailbrake, MoTeC i2 export, generic)",
    .sniff = fmt_csv_sniff,
    .import = csv_import,
};

/* ------------------------------------------------------------------ */
/* Writer. */

static void pct_encode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (; *s && o + 4 < cap; s++) {
		uint8_t b = (uint8_t)*s;
		if (pct_char_plain(b)) {
			out[o++] = (char)b;
		} else {
			out[o++] = '%';
			out[o++] = hex[b >> 4];
			out[o++] = hex[b & 15];
		}
	}
	out[o] = '\0';
}

enum tb_status fmt_csv_write_laps(FILE *f, const struct tb_session_info *s,
				  const struct tb_car_info *car,
				  const struct tb_lap *laps, size_t n,
				  struct tb_error *err)
{
	if (!f || !s || !car || !laps || n == 0)
		return tb_fail(err, TB_ERR_ARG, "csv writer: nothing to write");
	if (n > FMT_LAPS_MAX)
		return tb_fail(err, TB_ERR_LIMIT,
			       "csv writer: %zu laps, at "
			       "most %u",
			       n, FMT_LAPS_MAX);
	tb_chmask chans = 0;
	for (size_t k = 0; k < n; k++) {
		const struct tb_lap *l = &laps[k];
		chans |= l->chans;
		for (int ch = 0; ch < TB_CH__COUNT; ch++) {
			if (!(l->chans & TB_CHBIT(ch)))
				continue;
			for (size_t i = 0; i < l->n; i++)
				if ((l->mask[i] & TB_CHBIT(ch)) &&
				    !isfinite(l->col[ch][i]))
					return tb_fail(
					    err, TB_ERR_RANGE,
					    "csv writer: lap %" PRIu32
					    " sample %zu: %s is not finite",
					    l->lap_number, i,
					    tb_channel_name(
						(enum tb_channel)ch));
		}
	}
	char a[3 * TB_NAME_MAX + 1], b[3 * TB_NAME_MAX + 1];
	pct_encode(s->track, a, sizeof(a));
	pct_encode(s->layout, b, sizeof(b));
	fprintf(f, OWN_MAGIC "\n");
	fprintf(f,
		"# session: source_uid=%" PRIu64 " game=%d packet_format=%u "
		"game_year=%u game_major=%u game_minor=%u track_id=%" PRId32
		" track=%s layout=%s track_length_m=%.17g kind=%d "
		"game_session_type=%" PRId32 " car_class=%d weather=%" PRId32
		" air_temp_c=%" PRId32 " track_temp_c=%" PRId32
		" start_unix_ms=%" PRId64 "\n",
		s->source_uid, (int)s->game, (unsigned)s->packet_format,
		(unsigned)s->game_year, (unsigned)s->game_major,
		(unsigned)s->game_minor, s->track_id, a, b, s->track_length_m,
		(int)s->kind, s->game_session_type, (int)s->car_class,
		s->weather, s->air_temp_c, s->track_temp_c, s->start_unix_ms);
	pct_encode(car->driver, a, sizeof(a));
	fprintf(f,
		"# car: index=%u driver=%s team_id=%" PRId32
		" race_number=%" PRId32 " ai=%d\n",
		(unsigned)car->car_index, a, car->team_id, car->race_number,
		car->ai ? 1 : 0);
	for (size_t k = 0; k < n; k++) {
		const struct tb_lap *l = &laps[k];
		fprintf(f,
			"# lap: car=%u number=%" PRIu32 " lap_time_ms=%" PRId32
			" sectors=%" PRId32 "/%" PRId32 "/%" PRId32
			" flags=0x%" PRIx32 " n=%zu chans=0x%" PRIx64 "\n",
			(unsigned)l->car_index, l->lap_number, l->lap_time_ms,
			l->sector_ms[0], l->sector_ms[1], l->sector_ms[2],
			l->flags, l->n, (uint64_t)l->chans);
	}
	fputs("lap", f);
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if (chans & TB_CHBIT(ch))
			fprintf(f, ",%s", tb_channel_name((enum tb_channel)ch));
	fputc('\n', f);
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if (chans & TB_CHBIT(ch))
			fprintf(f, ",%s", tb_channel_unit((enum tb_channel)ch));
	fputc('\n', f);
	char line[64 * (TB_CH__COUNT + 1)];
	for (size_t k = 0; k < n; k++) {
		const struct tb_lap *l = &laps[k];
		for (size_t i = 0; i < l->n; i++) {
			int o = snprintf(line, sizeof(line), "%" PRIu32,
					 l->lap_number);
			for (int ch = 0; ch < TB_CH__COUNT; ch++) {
				if (!(chans & TB_CHBIT(ch)))
					continue;
				line[o++] = ',';
				if (l->mask[i] & TB_CHBIT(ch))
					o += snprintf(line + o,
						      sizeof(line) - (size_t)o,
						      "%.17g", l->col[ch][i]);
			}
			line[o++] = '\n';
			fwrite(line, 1, (size_t)o, f);
		}
	}
	fputs("# end\n", f);
	if (ferror(f) || fflush(f) != 0)
		return tb_fail(err, TB_ERR_IO, "csv writer: write error: %s",
			       strerror(errno));
	return TB_OK;
}

enum tb_status fmt_csv_write(FILE *f, const struct tb_session_info *s,
			     const struct tb_car_info *car,
			     const struct tb_lap *lap, struct tb_error *err)
{
	return fmt_csv_write_laps(f, s, car, lap, 1, err);
}

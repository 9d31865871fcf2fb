/* motec.c - MoTeC i2 logs: .ld reader and writer, .ldx reader and writer.
 * The reader validates the whole log (header, the linked list of channel
 * entries, every data range) before it resamples the channels it can map
 * onto canonical ones to the fastest channel's rate and hands over laps
 * split at the .ldx beacons. Channels with no canonical home are skipped.
 *
 * .ld layout (little-endian; reverse engineered, never published by
 * MoTeC). Sources: gotzl/ldparser ldparser.py (ldHead/ldChan/ldEvent/
 * ldVenue/ldVehicle struct strings), riccardotornesello/motecldparser
 * ldfile/{header,channel,event,venue,vehicle}.go (a writer whose files
 * i2 opens), GeekyDeaks/sim-to-motec
 * stm/motec/ld.py and stm/channels.py (writer, channel names, data type
 * codes), a layout "based on logs from the MoTeC EDL3 v5.6" (venue length,
 * weather block). Offsets are from the start of the block.
 *
 * Header (0x6E2 bytes as the Go writer writes it):
 *   0x000 u32 marker 0x40 (EDL3 logs: u64 0x000006E2_00000040)
 *   0x008 u32 first channel entry     0x00C u32 first channel data
 *   0x024 u32 event block pointer (0 = none)
 *   0x040 u16 1, u16 0x4240, u16 0x000F   meaning unknown; written as is
 *   0x046 u32 device serial (0x1F44)  0x04A char[8] device type "ADL"
 *   0x052 u16 device version (420)    0x054 u16 0xADB0, unknown
 *   0x056 u32 channel count           0x05E char[16] date "dd/mm/yyyy"
 *   0x07E char[16] time "HH:MM:SS"    0x09E char[64] driver
 *   0x0DE char[64] vehicle id         0x15E char[64] venue
 *   0x5DE u32 "pro logging" 0xC81A4, unknown; 0x624 char[64] short comment
 *   everything else zero.
 * Event (at the event pointer, 0x6E2 in Go-written files, which is why
 * gotzl reads "event"/"session" at header offsets 0x6E2/0x722):
 *   0x000 char[64] name, 0x040 char[64] session, 0x080 char[1024] comment,
 *   0x480 u16 venue pointer (EDL3: u32, followed by a u32 weather pointer;
 *   we read the low 16 bits as every writer stores them, and write u32).
 * Venue: 0x000 char[64] name, 0x042 u32 length in mm (EDL3 only; zero
 *   from other writers), 0x44A u16 vehicle pointer (EDL3: u32).
 * Vehicle: 0x000 char[64] id, 0x0C0 u32 weight kg, 0x0C4 char[32] type,
 *   0x0E4 char[32] comment.
 * Channel entry, 124 bytes, a doubly linked list:
 *   0x00 u32 prev, 0x04 u32 next (0 = last), 0x08 u32 data pointer,
 *   0x0C u32 sample count, 0x10 u16 id (writers use 0x2EE1 + n / 8000+),
 *   0x12 u16 type (0x07 float; 0x00, 0x03, 0x05 integer),
 *   0x14 u16 bytes per sample (float: 2 or 4; integer: 1, 2 or 4),
 *   0x16 u16 rate Hz, 0x18 i16 shift, 0x1A i16 mul, 0x1C i16 scale,
 *   0x1E i16 dec places, 0x20 char[32] name, 0x40 char[8] short name,
 *   0x48 char[12] unit, 0x54 40 bytes unknown (zero).
 *   value = (raw / scale * 10^-dec + shift) * mul (gotzl and sim-to-motec
 *   agree; a mul of 0 is read as 1, as gotzl's first reader ignored it).
 *
 * .ldx: XML, <LDXFile><Layers><Layer><MarkerBlock><MarkerGroup
 * Name="Beacons"><Marker ... Time="µs"/>... and <Details><String Id=..
 * Value=../>. Laps: before the first beacon = lap 0 (incomplete); lap j
 * runs from beacon j to beacon j+1 (ACTI numbers "Fastest Lap" this way);
 * after the last beacon = incomplete. Without beacons the whole log is
 * lap 1, incomplete. Our writer adds <String Id="First Lap" Value="n"/>
 * (the number of the log's first lap; its laps are consecutive) and the
 * reader numbers the laps from it.
 *
 * Not carried: time of day of the first sample (the log time starts at
 * 0), lap flags other than incomplete, sector times, an incomplete lap's
 * time, lap numbers of laps that are not consecutive, steering angle in
 * degrees (no wheel lock known), positions/velocities of other writers
 * (their axis conventions differ), litres of fuel. Date and time of the
 * header are taken as UTC. */
#include "motec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ */
/* Layout constants (see the table above). */

enum {
	LD_HEAD_SIZE = 0x6E2,
	LD_EVENT_SIZE = 0x488, /* name, session, comment, u32 venue, u32 wx */
	LD_VENUE_SIZE = 0x44E, /* ..., u32 vehicle pointer at 0x44A */
	LD_VEHICLE_SIZE = 0x104,
	LD_CHAN_SIZE = 124,
	LD_MARKER = 0x40,
	LD_EV_VENUE_PTR = 0x480,
	LD_VN_LENGTH = 0x42,
	LD_VN_VEHICLE_PTR = 0x44A,
	LD_VH_TYPE = 0xC4,
	LD_TYPE_FLOAT = 0x07,
	LD_TYPE_INT = 0x03,
};

#define LD_MAX_DEC 15

/* ------------------------------------------------------------------ */
/* Channel names. Reader: every row maps a MoTeC name (case-insensitive)
 * to a canonical channel; the first matching row of a channel wins.
 * Writer: the first row of each channel with a short name is what we
 * write. Names: sim-to-motec (i2's "Circuit" workspace names: Ground
 * Speed, Throttle Pos, ...), ACC's export (SPEED, RPMS, G_LAT, BRAKE_TEMP_LF,
 * TYRE_PRESS_LF: MotecHandlerAcc), and ours where no common name exists
 * (Car Coord X/Y/Z: x/y ground plane, z up; Car Vel X/Y/Z; Yaw/Pitch/Roll
 * Angle; Tyre Inner Temp; Fuel Mass; ERS Store; ERS Mode; Sector). */

enum unit_class {
	UC_SPEED,
	UC_PCT,
	UC_DIST,
	UC_G,
	UC_TEMP,
	UC_PRESS,
	UC_RPM,
	UC_COUNT,
	UC_ANGLE,
	UC_MASS,
	UC_ENERGY,
	UC_VEL
};

struct chan_name {
	const char *name;
	const char *short_name; /* non-NULL: the row the writer uses */
	const char *unit;	/* written unit */
	double k;		/* written value = canonical * k */
	enum tb_channel ch;
	enum unit_class uc;
};

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

static const struct chan_name chan_names[] = {
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

#define N_CHAN_NAMES (sizeof(chan_names) / sizeof(chan_names[0]))

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static bool name_eq(const char *a, const char *b)
{
	while (*a && lower((unsigned char)*a) == lower((unsigned char)*b)) {
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
static bool unit_factor(enum unit_class uc, const char *unit, double *a,
			double *b)
{
	*a = 1.0;
	*b = 0.0;
	switch (uc) {
	case UC_SPEED:
	case UC_VEL:
		if (name_eq(unit, "km/h") || name_eq(unit, "kph") ||
		    name_eq(unit, "kmh"))
			*a = 1.0 / TB_KMH_PER_MS;
		else if (name_eq(unit, "mph"))
			*a = 0.44704;
		else if (!name_eq(unit, "m/s"))
			return false;
		return true;
	case UC_PCT: /* MoTeC pedal positions are %; an empty unit too */
		*a = 0.01;
		return name_eq(unit, "%") || unit[0] == 0;
	case UC_DIST:
		if (name_eq(unit, "km"))
			*a = 1000.0;
		else if (!name_eq(unit, "m"))
			return false;
		return true;
	case UC_G:
		if (name_eq(unit, "m/s/s") || name_eq(unit, "m/s^2") ||
		    name_eq(unit, "m/s2"))
			*a = 1.0 / 9.80665;
		else if (!name_eq(unit, "g"))
			return false;
		return true;
	case UC_TEMP:
		unit = skip_degree(unit);
		if (name_eq(unit, "c") || name_eq(unit, "degc") ||
		    name_eq(unit, "deg c"))
			return true;
		if (name_eq(unit, "f") || name_eq(unit, "degf")) {
			*a = 5.0 / 9.0;
			*b = -32.0 * 5.0 / 9.0;
			return true;
		}
		if (name_eq(unit, "k")) {
			*b = -273.15;
			return true;
		}
		return false;
	case UC_PRESS:
		if (name_eq(unit, "psi"))
			*a = TB_KPA_PER_PSI;
		else if (name_eq(unit, "bar"))
			*a = 100.0;
		else if (name_eq(unit, "pa"))
			*a = 0.001;
		else if (!name_eq(unit, "kpa"))
			return false;
		return true;
	case UC_RPM:
		return name_eq(unit, "rpm") || unit[0] == 0;
	case UC_COUNT:
		return true;
	case UC_ANGLE:
		if (name_eq(unit, "rad"))
			return true;
		if (name_eq(skip_degree(unit), "") || name_eq(unit, "deg")) {
			*a = 1.0 / DEG;
			return unit[0] != 0;
		}
		return false;
	case UC_MASS:
		return name_eq(unit, "kg");
	case UC_ENERGY:
		if (name_eq(unit, "kj"))
			*a = 1e3;
		else if (name_eq(unit, "mj"))
			*a = 1e6;
		else if (!name_eq(unit, "j"))
			return false;
		return true;
	}
	return false;
}

/* Index into chan_names of the row that maps name, or -1. */
static int chan_lookup(const char *name)
{
	for (size_t i = 0; i < N_CHAN_NAMES; i++)
		if (name_eq(name, chan_names[i].name))
			return (int)i;
	return -1;
}

/* The writer's row for a channel, or NULL (time channels). */
static const struct chan_name *chan_writer_row(enum tb_channel ch)
{
	for (size_t i = 0; i < N_CHAN_NAMES; i++)
		if (chan_names[i].ch == ch && chan_names[i].short_name)
			return &chan_names[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Small helpers. */

/* Copy a fixed-size field of the file into a NUL-terminated string:
 * stops at the first NUL, control bytes become '?', trailing blanks go. */
static void copy_field(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap && src[i]; i++)
		dst[k++] = src[i] < 0x20 ? '?' : (char)src[i];
	while (k > 0 && dst[k - 1] == ' ')
		k--;
	dst[k] = 0;
}

/* Bounded copy of a C string (always NUL-terminated). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 0x1f;
	int m = h & 0x3ff;
	double v;
	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(m + 1024, e - 25);
	return (h & 0x8000) ? -v : v;
}

static enum tb_status read_whole(const char *path, uint64_t max, uint8_t **out,
				 size_t *len, struct tb_error *err)
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

/* ------------------------------------------------------------------ */
/* .ldx: a tolerant scanner for just this XML shape. Tags, attributes
 * (single or double quotes), comments, <?..?>, <!..> and text are
 * recognised; elements other than MarkerGroup/Marker/Details children
 * are ignored. */

struct xml {
	const uint8_t *p;
	size_t len, pos;
	const char *name;
	struct tb_error *err;
	size_t wpos, wline, wcol; /* line/column cache: tags only move on */
};

#define XML_ATTRS_MAX 16
#define XML_NAME_MAX  64
#define XML_VAL_MAX   FMT_LDX_DETAIL_MAX

struct xml_tag {
	char name[XML_NAME_MAX];
	bool end, empty; /* </name>, <name/> */
	size_t n_attrs;
	char key[XML_ATTRS_MAX][XML_NAME_MAX];
	char val[XML_ATTRS_MAX][XML_VAL_MAX];
	size_t line, col;
};

static void xml_where(struct xml *x, size_t pos, size_t *line, size_t *col)
{
	size_t l = 1, c = 1, i = 0;
	if (x->wline && pos >= x->wpos) {
		l = x->wline;
		c = x->wcol;
		i = x->wpos;
	}
	for (; i < pos && i < x->len; i++) {
		if (x->p[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	x->wpos = pos;
	x->wline = l;
	x->wcol = c;
	*line = l;
	*col = c;
}

static enum tb_status xml_bad(struct xml *x, size_t pos, const char *what)
{
	size_t line, col;
	xml_where(x, pos, &line, &col);
	return tb_fail(x->err, TB_ERR_CORRUPT, "%s: line %zu, column %zu: %s",
		       x->name, line, col, what);
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_name_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	       c == ':' || c >= 0x80;
}

/* Find needle from pos; returns its offset or len. */
static size_t xml_find(const struct xml *x, size_t pos, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = pos; i + n <= x->len; i++)
		if (memcmp(x->p + i, needle, n) == 0)
			return i;
	return x->len;
}

/* Append one decoded character (entities resolved) to a value buffer. */
static void val_put(char *v, size_t *k, uint32_t c)
{
	uint8_t b[4];
	size_t n;
	if (c < 0x80) {
		b[0] = (uint8_t)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (uint8_t)(0xC0 | (c >> 6));
		b[1] = (uint8_t)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (uint8_t)(0xE0 | (c >> 12));
		b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xF0 | ((c >> 18) & 0x07));
		b[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (uint8_t)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (*k + n < XML_VAL_MAX) {
		memcpy(v + *k, b, n);
		*k += n;
	}
}

/* Decode an attribute value [s, e) with entities into v. */
static enum tb_status xml_value(struct xml *x, size_t s, size_t e, char *v)
{
	size_t k = 0;
	static const struct {
		const char *name;
		char c;
	} ents[] = {{"amp;", '&'},
		    {"lt;", '<'},
		    {"gt;", '>'},
		    {"quot;", '"'},
		    {"apos;", '\''}};
	for (size_t i = s; i < e;) {
		uint8_t c = x->p[i];
		if (c != '&') {
			if (k + 1 < XML_VAL_MAX)
				v[k++] = c < 0x20 ? ' ' : (char)c;
			i++;
			continue;
		}
		bool done = false;
		for (size_t j = 0; j < 5 && !done; j++) {
			size_t n = strlen(ents[j].name);
			if (i + 1 + n <= e &&
			    memcmp(x->p + i + 1, ents[j].name, n) == 0) {
				val_put(v, &k, (uint8_t)ents[j].c);
				i += 1 + n;
				done = true;
			}
		}
		if (done)
			continue;
		if (i + 2 < e && x->p[i + 1] == '#') {
			size_t j = i + 2;
			uint32_t cp = 0;
			bool hex = x->p[j] == 'x' || x->p[j] == 'X';
			if (hex)
				j++;
			size_t digits = 0;
			for (; j < e && x->p[j] != ';' && digits < 8;
			     j++, digits++) {
				uint8_t d = x->p[j];
				uint32_t dv;
				if (d >= '0' && d <= '9')
					dv = d - '0';
				else if (hex && lower(d) >= 'a' &&
					 lower(d) <= 'f')
					dv = (uint32_t)(lower(d) - 'a' + 10);
				else
					break;
				cp = cp * (hex ? 16 : 10) + dv;
			}
			if (j < e && x->p[j] == ';' && digits > 0 && cp > 0 &&
			    cp <= 0x10FFFF) {
				val_put(v, &k, cp);
				i = j + 1;
				continue;
			}
		}
		return xml_bad(x, i, "bad character reference in attribute");
	}
	v[k] = 0;
	return TB_OK;
}

/* Next markup item. Returns TB_OK with *got false at the end of input,
 * or with tag filled for an element tag (comments, declarations and
 * text are skipped). */
static enum tb_status xml_next(struct xml *x, struct xml_tag *t, bool *got)
{
	*got = false;
	for (;;) {
		while (x->pos < x->len && x->p[x->pos] != '<')
			x->pos++;
		if (x->pos >= x->len)
			return TB_OK;
		size_t start = x->pos;
		if (x->pos + 4 <= x->len &&
		    memcmp(x->p + x->pos, "<!--", 4) == 0) {
			size_t e = xml_find(x, x->pos + 4, "-->");
			if (e >= x->len)
				return xml_bad(x, start, "comment not closed");
			x->pos = e + 3;
			continue;
		}
		if (x->pos + 1 < x->len &&
		    (x->p[x->pos + 1] == '?' || x->p[x->pos + 1] == '!')) {
			const char *close =
			    x->p[x->pos + 1] == '?' ? "?>" : ">";
			size_t e = xml_find(x, x->pos + 2, close);
			if (e >= x->len)
				return xml_bad(x, start,
					       "declaration not closed");
			x->pos = e + strlen(close);
			continue;
		}
		break;
	}
	size_t start = x->pos;
	memset(t, 0, sizeof(*t));
	xml_where(x, start, &t->line, &t->col);
	x->pos++;
	if (x->pos < x->len && x->p[x->pos] == '/') {
		t->end = true;
		x->pos++;
	}
	size_t k = 0;
	while (x->pos < x->len && is_name_char(x->p[x->pos])) {
		if (k + 1 < XML_NAME_MAX)
			t->name[k++] = (char)x->p[x->pos];
		x->pos++;
	}
	if (k == 0)
		return xml_bad(x, start, "'<' not followed by a tag name");
	for (;;) {
		while (x->pos < x->len && is_space(x->p[x->pos]))
			x->pos++;
		if (x->pos >= x->len)
			return xml_bad(x, start, "tag not closed");
		uint8_t c = x->p[x->pos];
		if (c == '>') {
			x->pos++;
			break;
		}
		if (c == '/' && x->pos + 1 < x->len &&
		    x->p[x->pos + 1] == '>' && !t->end) {
			t->empty = true;
			x->pos += 2;
			break;
		}
		if (t->end || !is_name_char(c))
			return xml_bad(x, x->pos,
				       "unexpected character in tag");
		char key[XML_NAME_MAX];
		size_t kk = 0;
		while (x->pos < x->len && is_name_char(x->p[x->pos])) {
			if (kk + 1 < XML_NAME_MAX)
				key[kk++] = (char)x->p[x->pos];
			x->pos++;
		}
		key[kk] = 0;
		while (x->pos < x->len && is_space(x->p[x->pos]))
			x->pos++;
		if (x->pos >= x->len || x->p[x->pos] != '=')
			return xml_bad(x, x->pos, "attribute without '='");
		x->pos++;
		while (x->pos < x->len && is_space(x->p[x->pos]))
			x->pos++;
		if (x->pos >= x->len ||
		    (x->p[x->pos] != '"' && x->p[x->pos] != '\''))
			return xml_bad(x, x->pos, "attribute value not quoted");
		uint8_t q = x->p[x->pos++];
		size_t vs = x->pos;
		while (x->pos < x->len && x->p[x->pos] != q &&
		       x->p[x->pos] != '<')
			x->pos++;
		if (x->pos >= x->len || x->p[x->pos] != q)
			return xml_bad(x, vs, "attribute value not closed");
		size_t ve = x->pos++;
		if (t->n_attrs < XML_ATTRS_MAX) {
			size_t a = t->n_attrs++;
			memcpy(t->key[a], key, kk + 1);
			enum tb_status st = xml_value(x, vs, ve, t->val[a]);
			if (st != TB_OK)
				return st;
		}
	}
	*got = true;
	return TB_OK;
}

static const char *xml_attr(const struct xml_tag *t, const char *key)
{
	for (size_t i = 0; i < t->n_attrs; i++)
		if (strcmp(t->key[i], key) == 0)
			return t->val[i];
	return NULL;
}

void fmt_ldx_init(struct fmt_ldx *x)
{
	memset(x, 0, sizeof(*x));
	x->total_laps = -1;
	x->fastest_time_ms = -1;
	x->fastest_lap = -1;
}

void fmt_ldx_release(struct fmt_ldx *x)
{
	if (!x)
		return;
	tb_free(x->marker_us);
	fmt_ldx_init(x);
}

const char *fmt_ldx_detail(const struct fmt_ldx *x, const char *id)
{
	for (size_t i = 0; i < x->n_details; i++)
		if (strcmp(x->details[i].id, id) == 0)
			return x->details[i].value;
	return NULL;
}

/* Unsigned decimal of up to 9 digits; -1 if s is not one. */
static int32_t parse_uint(const char *s, const char **end)
{
	int32_t v = 0;
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 9)
			return -1;
		v = v * 10 + (s[n] - '0');
		n++;
	}
	if (end)
		*end = s + n;
	return n ? v : -1;
}

static const char *trim_lead(const char *s)
{
	while (is_space((uint8_t)*s))
		s++;
	return s;
}

int32_t fmt_ldx_parse_time_ms(const char *s)
{
	int32_t part[3];
	size_t n = 0;
	const char *p = trim_lead(s);
	for (;;) {
		int32_t v = parse_uint(p, &p);
		if (v < 0 || n == 3)
			return -1;
		part[n++] = v;
		if (*p != ':')
			break;
		p++;
	}
	int64_t ms = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && part[i] >= 60)
			return -1;
		ms = ms * 60 + part[i];
	}
	ms *= 1000;
	if (*p == '.') {
		p++;
		int64_t scale = 100;
		size_t digits = 0;
		int round = 0;
		while (*p >= '0' && *p <= '9') {
			if (digits < 3)
				ms += (*p - '0') * scale;
			else if (digits == 3)
				round = *p >= '5';
			scale /= 10;
			digits++;
			p++;
		}
		if (digits == 0)
			return -1;
		ms += round;
	}
	p = trim_lead(p);
	if (*p || ms > INT32_MAX)
		return -1;
	return (int32_t)ms;
}

static int32_t parse_count(const char *s)
{
	const char *e;
	int32_t v = parse_uint(trim_lead(s), &e);
	return (v >= 0 && *trim_lead(e) == 0) ? v : -1;
}

/* Marker time: a decimal number of µs, possibly with an exponent
 * ("1.10018e+09" from some writers). */
static bool parse_marker_time(const char *s, int64_t *us)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *trim_lead(end) != 0 || errno == ERANGE ||
	    !isfinite(v) || v < 0 || v > 1e13)
		return false;
	*us = (int64_t)llround(v);
	return true;
}

enum ldx_ctx { LDX_OUT, LDX_BEACONS, LDX_OTHER_GROUP, LDX_DETAILS };

static enum tb_status ldx_on_tag(struct xml *x, const struct xml_tag *t,
				 enum ldx_ctx *ctx, struct fmt_ldx *out)
{
	if (t->end) {
		if (strcmp(t->name, "MarkerGroup") == 0 ||
		    strcmp(t->name, "Details") == 0)
			*ctx = LDX_OUT;
		return TB_OK;
	}
	if (strcmp(t->name, "MarkerGroup") == 0) {
		const char *n = xml_attr(t, "Name");
		if (!t->empty)
			*ctx = (n && strcmp(n, "Beacons") == 0)
				   ? LDX_BEACONS
				   : LDX_OTHER_GROUP;
		return TB_OK;
	}
	if (strcmp(t->name, "Details") == 0) {
		if (!t->empty)
			*ctx = LDX_DETAILS;
		return TB_OK;
	}
	if (*ctx == LDX_BEACONS && strcmp(t->name, "Marker") == 0) {
		const char *tm = xml_attr(t, "Time");
		int64_t us;
		if (!tm)
			return tb_fail(x->err, TB_ERR_CORRUPT,
				       "%s: line %zu, column %zu: Marker "
				       "without Time",
				       x->name, t->line, t->col);
		if (!parse_marker_time(tm, &us))
			return tb_fail(x->err, TB_ERR_CORRUPT,
				       "%s: line %zu, column %zu: Marker "
				       "Time \"%s\" is not a time in µs",
				       x->name, t->line, t->col, tm);
		if (out->n_markers >= FMT_LDX_MAX_MARKERS)
			return tb_fail(x->err, TB_ERR_LIMIT,
				       "%s: line %zu: more than %u markers",
				       x->name, t->line, FMT_LDX_MAX_MARKERS);
		if (out->n_markers && us < out->marker_us[out->n_markers - 1])
			return tb_fail(
			    x->err, TB_ERR_CORRUPT,
			    "%s: line %zu, column %zu: Marker "
			    "Time %lld goes back (previous %lld)",
			    x->name, t->line, t->col, (long long)us,
			    (long long)out->marker_us[out->n_markers - 1]);
		out->marker_us[out->n_markers++] = us;
		return TB_OK;
	}
	if (*ctx == LDX_DETAILS) {
		const char *id = xml_attr(t, "Id");
		if (!id || out->n_details >= FMT_LDX_MAX_DETAILS)
			return TB_OK;
		const char *v = xml_attr(t, "Value");
		struct fmt_ldx_detail *d = &out->details[out->n_details++];
		copy_str(d->id, sizeof(d->id), id);
		copy_str(d->value, sizeof(d->value), v ? v : "");
	}
	return TB_OK;
}

enum tb_status fmt_ldx_parse(const uint8_t *buf, size_t len, const char *name,
			     struct fmt_ldx *out, struct tb_error *err)
{
	fmt_ldx_init(out);
	if (!name)
		name = "ldx";
	if (!buf && len)
		return tb_fail(err, TB_ERR_ARG, "%s: no buffer", name);
	if (len > FMT_LDX_MAX_BYTES)
		return tb_fail(err, TB_ERR_LIMIT, "%s: %zu bytes, cap %u", name,
			       len, FMT_LDX_MAX_BYTES);
	struct xml x = {buf, len, 0, name, err, 0, 0, 0};
	struct xml_tag *t = tb_malloc(sizeof(*t));
	out->marker_us = tb_malloc(FMT_LDX_MAX_MARKERS * sizeof(int64_t));
	enum tb_status st = TB_OK;
	if (!t || !out->marker_us) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", name);
		goto fail;
	}
	bool got, root = false;
	enum ldx_ctx ctx = LDX_OUT;
	for (;;) {
		st = xml_next(&x, t, &got);
		if (st != TB_OK)
			goto fail;
		if (!got)
			break;
		if (!root) {
			if (t->end || strcmp(t->name, "LDXFile") != 0) {
				st = tb_fail(err, TB_ERR_FORMAT,
					     "%s: line %zu: root element <%s>, "
					     "expected <LDXFile>",
					     name, t->line, t->name);
				goto fail;
			}
			root = true;
			continue;
		}
		st = ldx_on_tag(&x, t, &ctx, out);
		if (st != TB_OK)
			goto fail;
	}
	if (!root) {
		st = tb_fail(err, TB_ERR_FORMAT, "%s: no <LDXFile> element",
			     name);
		goto fail;
	}
	const char *v = fmt_ldx_detail(out, "Total Laps");
	out->total_laps = v ? parse_count(v) : -1;
	v = fmt_ldx_detail(out, "Fastest Lap");
	out->fastest_lap = v ? parse_count(v) : -1;
	v = fmt_ldx_detail(out, "Fastest Time");
	out->fastest_time_ms = v ? fmt_ldx_parse_time_ms(v) : -1;
	tb_free(t);
	return TB_OK;
fail:
	tb_free(t);
	fmt_ldx_release(out);
	return st;
}

enum tb_status fmt_ldx_read(const char *path, struct fmt_ldx *out,
			    struct tb_error *err)
{
	fmt_ldx_init(out);
	uint8_t *buf;
	size_t len;
	enum tb_status st =
	    read_whole(path, FMT_LDX_MAX_BYTES, &buf, &len, err);
	if (st != TB_OK)
		return st;
	st = fmt_ldx_parse(buf, len, path, out, err);
	tb_free(buf);
	return st;
}

/* ------------------------------------------------------------------ */
/* .ld reader. */

struct ld_chan {
	uint32_t meta, data, n;
	uint16_t type, size, freq;
	int16_t shift, mul, scale, dec;
	char name[33], unit[13];
	int row;     /* chan_names row, -1 when not mapped */
	double a, b; /* canonical = raw * a + b */
};

struct ld_file {
	const uint8_t *p;
	size_t len;
	const char *name;
	struct ld_chan *ch;
	size_t n_ch;
	int use[TB_CH__COUNT]; /* index into ch, -1 none */
	uint32_t rate;	       /* the time base, Hz */
	uint64_t n_samples;    /* on the time base */
	struct tb_session_info s;
	struct tb_car_info car;
	struct fmt_lap_meta meta;
};

static enum tb_status ld_ptr_check(const struct ld_file *f, uint32_t ptr,
				   size_t size, const char *what,
				   struct tb_error *err)
{
	if ((uint64_t)ptr + size > f->len)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: %s 0x%x + %zu bytes past the end of the "
			       "file (%zu bytes)",
			       f->name, what, ptr, size, f->len);
	return TB_OK;
}

/* days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "dd/mm/yyyy" + "HH:MM[:SS]" as UTC ms since the epoch; 0 unknown. */
static int64_t ld_datetime(const char *date, const char *tm)
{
	const char *p = trim_lead(date);
	int32_t d = parse_uint(p, &p);
	if (d < 1 || d > 31 || *p++ != '/')
		return 0;
	int32_t mo = parse_uint(p, &p);
	if (mo < 1 || mo > 12 || *p++ != '/')
		return 0;
	int32_t y = parse_uint(p, &p);
	if (y < 1970 || y > 9999)
		return 0;
	p = trim_lead(tm);
	int32_t h = parse_uint(p, &p), mi = 0, s = 0;
	if (h < 0 || h > 23 || *p++ != ':')
		return 0;
	mi = parse_uint(p, &p);
	if (mi < 0 || mi > 59)
		return 0;
	if (*p == ':') {
		p++;
		s = parse_uint(p, &p);
		if (s < 0 || s > 60)
			s = 0;
	}
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	return ((days * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] &&
		       lower((unsigned char)hay[i]) ==
			   lower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return false;
}

static enum tb_session_kind kind_from(const char *s)
{
	if (contains_ci(s, "qual"))
		return TB_SESSION_QUALIFYING;
	if (contains_ci(s, "race"))
		return TB_SESSION_RACE;
	if (contains_ci(s, "practice") || contains_ci(s, "test"))
		return TB_SESSION_PRACTICE;
	if (contains_ci(s, "time trial") || contains_ci(s, "hotlap"))
		return TB_SESSION_TIME_TRIAL;
	if (contains_ci(s, "stage"))
		return TB_SESSION_STAGE;
	return TB_SESSION_UNKNOWN;
}

static enum tb_car_class class_from(const char *s)
{
	if (name_eq(s, "F1") || contains_ci(s, "formula 1"))
		return TB_CLASS_F1;
	if (contains_ci(s, "GT3"))
		return TB_CLASS_GT3;
	if (contains_ci(s, "LMH") || contains_ci(s, "hypercar"))
		return TB_CLASS_LMH;
	if (contains_ci(s, "rally"))
		return TB_CLASS_RALLY;
	return TB_CLASS_OTHER;
}

/* Header, event, venue and vehicle blocks into session/car/meta. */
static enum tb_status ld_read_meta(struct ld_file *f, struct tb_error *err)
{
	const uint8_t *p = f->p;
	char date[17], tm[17], vehicle[TB_NAME_MAX];
	memset(&f->s, 0, sizeof(f->s));
	memset(&f->car, 0, sizeof(f->car));
	memset(&f->meta, 0, sizeof(f->meta));
	f->s.track_id = -1;
	f->s.weather = -1;
	f->s.game = TB_GAME_UNKNOWN;
	f->car.team_id = -1;
	f->car.race_number = -1;
	copy_str(f->meta.source, sizeof(f->meta.source), "motec-ld");
	copy_field(date, sizeof(date), p + 0x5E, 16);
	copy_field(tm, sizeof(tm), p + 0x7E, 16);
	f->s.start_unix_ms = ld_datetime(date, tm);
	copy_field(f->car.driver, sizeof(f->car.driver), p + 0x9E, 64);
	copy_field(vehicle, sizeof(vehicle), p + 0xDE, 64);
	copy_str(f->meta.car, sizeof(f->meta.car), vehicle);
	copy_field(f->s.track, sizeof(f->s.track), p + 0x15E, 64);
	char vtype[33] = "";
	uint32_t ev = tb_ld_u32le(p + 0x24);
	if (ev) {
		enum tb_status st =
		    ld_ptr_check(f, ev, LD_EV_VENUE_PTR + 2,
				 "event block pointer (header 0x24)", err);
		if (st != TB_OK)
			return st;
		char sess[TB_NAME_MAX];
		copy_field(sess, sizeof(sess), p + ev + 0x40, 64);
		f->s.kind = kind_from(sess);
		uint32_t vn = tb_ld_u16le(p + ev + LD_EV_VENUE_PTR);
		if (vn) {
			st = ld_ptr_check(f, vn, LD_VN_VEHICLE_PTR + 2,
					  "venue block pointer", err);
			if (st != TB_OK)
				return st;
			if (!f->s.track[0])
				copy_field(f->s.track, sizeof(f->s.track),
					   p + vn, 64);
			uint32_t mm = tb_ld_u32le(p + vn + LD_VN_LENGTH);
			if (mm > 0 && mm < 100000000u) /* < 100 km */
				f->s.track_length_m = mm / 1000.0;
			uint32_t vh = tb_ld_u16le(p + vn + LD_VN_VEHICLE_PTR);
			if (vh) {
				st = ld_ptr_check(f, vh, LD_VEHICLE_SIZE,
						  "vehicle block pointer", err);
				if (st != TB_OK)
					return st;
				if (!f->meta.car[0])
					copy_field(f->meta.car,
						   sizeof(f->meta.car), p + vh,
						   64);
				copy_field(vtype, sizeof(vtype),
					   p + vh + LD_VH_TYPE, 32);
			}
		}
	}
	f->s.car_class = class_from(vtype[0] ? vtype : f->meta.car);
	return TB_OK;
}

static enum tb_status ld_chan_bad(const struct ld_file *f, size_t i,
				  const struct ld_chan *c, const char *what,
				  long long v, struct tb_error *err)
{
	return tb_fail(err, TB_ERR_CORRUPT,
		       "%s: channel %zu \"%s\" (entry at 0x%x): %s %lld",
		       f->name, i, c->name, c->meta, what, v);
}

/* Decode and validate one channel entry at c->meta. */
static enum tb_status ld_read_chan(struct ld_file *f, size_t i,
				   struct ld_chan *c, uint32_t *next,
				   struct tb_error *err)
{
	const uint8_t *e = f->p + c->meta;
	*next = tb_ld_u32le(e + 4);
	c->data = tb_ld_u32le(e + 8);
	c->n = tb_ld_u32le(e + 12);
	c->type = tb_ld_u16le(e + 0x12);
	c->size = tb_ld_u16le(e + 0x14);
	c->freq = tb_ld_u16le(e + 0x16);
	c->shift = (int16_t)tb_ld_u16le(e + 0x18);
	c->mul = (int16_t)tb_ld_u16le(e + 0x1A);
	c->scale = (int16_t)tb_ld_u16le(e + 0x1C);
	c->dec = (int16_t)tb_ld_u16le(e + 0x1E);
	copy_field(c->name, sizeof(c->name), e + 0x20, 32);
	copy_field(c->unit, sizeof(c->unit), e + 0x48, 12);
	c->row = -1;
	bool is_float = c->type == LD_TYPE_FLOAT;
	bool is_int = c->type == 0x00 || c->type == 0x03 || c->type == 0x05;
	if (!is_float && !is_int)
		return ld_chan_bad(f, i, c, "unknown data type", c->type, err);
	if (is_float ? (c->size != 2 && c->size != 4)
		     : (c->size != 1 && c->size != 2 && c->size != 4))
		return ld_chan_bad(f, i, c, "bad sample size", c->size, err);
	if (c->n && (c->freq == 0 || c->freq > FMT_MOTEC_MAX_FREQ))
		return ld_chan_bad(f, i, c, "absurd rate (Hz)", c->freq, err);
	if (c->scale == 0)
		return ld_chan_bad(f, i, c, "scale", 0, err);
	if (c->dec > LD_MAX_DEC || c->dec < -LD_MAX_DEC)
		return ld_chan_bad(f, i, c, "decimal places", c->dec, err);
	if ((uint64_t)c->data + (uint64_t)c->n * c->size > f->len)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: channel %zu \"%s\" (entry at 0x%x): data "
			       "at 0x%x, %u samples of %u bytes run past the "
			       "end of the file (%zu bytes)",
			       f->name, i, c->name, c->meta, c->data, c->n,
			       c->size, f->len);
	if (c->n == 0)
		return TB_OK;
	int row = chan_lookup(c->name);
	double ua, ub;
	if (row < 0 || !unit_factor(chan_names[row].uc, c->unit, &ua, &ub))
		return TB_OK; /* no canonical home: skipped */
	double mul = c->mul ? c->mul : 1;
	c->row = row;
	c->a = mul * ua / (c->scale * pow(10.0, c->dec));
	c->b = c->shift * mul * ua + ub;
	return TB_OK;
}

/* Walk the channel list, validating every entry. */
static enum tb_status ld_read_chans(struct ld_file *f, struct tb_error *err)
{
	uint32_t ptr = tb_ld_u32le(f->p + 0x08);
	if (ptr == 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: no channels (first channel pointer at "
			       "0x08 is 0)",
			       f->name);
	size_t cap = 64;
	f->ch = tb_malloc(cap * sizeof(*f->ch));
	if (!f->ch)
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", f->name);
	while (ptr) {
		if (f->n_ch >= FMT_MOTEC_MAX_CHANNELS)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s: more than %u channels", f->name,
				       FMT_MOTEC_MAX_CHANNELS);
		if ((uint64_t)ptr + LD_CHAN_SIZE > f->len)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: channel %zu: entry pointer 0x%x "
				       "past the end of the file (%zu bytes)",
				       f->name, f->n_ch, ptr, f->len);
		if (ptr < 0x40)
			return tb_fail(err, TB_ERR_CORRUPT,
				       "%s: channel %zu: entry pointer 0x%x "
				       "inside the file header",
				       f->name, f->n_ch, ptr);
		for (size_t j = 0; j < f->n_ch; j++)
			if (f->ch[j].meta == ptr)
				return tb_fail(err, TB_ERR_CORRUPT,
					       "%s: channel %zu: next pointer "
					       "0x%x loops back to channel %zu",
					       f->name, f->n_ch, ptr, j);
		if (f->n_ch == cap) {
			cap *= 2;
			struct ld_chan *n =
			    tb_realloc(f->ch, cap * sizeof(*f->ch));
			if (!n)
				return tb_fail(err, TB_ERR_NOMEM,
					       "%s: out of memory", f->name);
			f->ch = n;
		}
		struct ld_chan *c = &f->ch[f->n_ch];
		memset(c, 0, sizeof(*c));
		c->meta = ptr;
		enum tb_status st = ld_read_chan(f, f->n_ch, c, &ptr, err);
		if (st != TB_OK)
			return st;
		f->n_ch++;
	}
	return TB_OK;
}

/* Pick one file channel per canonical channel and the time base. */
static enum tb_status ld_plan(struct ld_file *f, struct tb_error *err)
{
	int best_row[TB_CH__COUNT];
	for (int k = 0; k < TB_CH__COUNT; k++) {
		f->use[k] = -1;
		best_row[k] = INT32_MAX;
	}
	f->rate = 0;
	for (size_t i = 0; i < f->n_ch; i++) {
		const struct ld_chan *c = &f->ch[i];
		if (c->row < 0)
			continue;
		enum tb_channel ch = chan_names[c->row].ch;
		if (c->row < best_row[ch]) {
			best_row[ch] = c->row;
			f->use[ch] = (int)i;
		}
	}
	/* the time base covers every channel, mapped or not */
	for (size_t i = 0; i < f->n_ch; i++)
		if (f->ch[i].n && f->ch[i].freq > f->rate)
			f->rate = f->ch[i].freq;
	f->n_samples = 0;
	for (size_t i = 0; i < f->n_ch; i++) {
		const struct ld_chan *c = &f->ch[i];
		if (!c->n)
			continue;
		uint64_t n = ((uint64_t)c->n * f->rate + c->freq - 1) / c->freq;
		if (n > f->n_samples)
			f->n_samples = n;
	}
	if (f->n_samples == 0)
		return tb_fail(err, TB_ERR_CORRUPT,
			       "%s: %zu channels, none with samples", f->name,
			       f->n_ch);
	return TB_OK;
}

/* Raw sample i of c as a double (NaN stays NaN). */
static double ld_raw(const struct ld_file *f, const struct ld_chan *c,
		     uint64_t i)
{
	const uint8_t *q = f->p + c->data + i * c->size;
	if (c->type == LD_TYPE_FLOAT)
		return c->size == 4 ? (double)tb_ld_f32le(q)
				    : half_to_double(tb_ld_u16le(q));
	if (c->size == 1)
		return (int8_t)q[0];
	if (c->size == 2)
		return (int16_t)tb_ld_u16le(q);
	return (int32_t)tb_ld_u32le(q);
}

/* Fill column col for grid samples [k0, k0 + n) of channel c. */
static void ld_fill(const struct ld_file *f, const struct ld_chan *c, bool step,
		    uint64_t k0, size_t n, double *col, tb_chmask *mask,
		    tb_chmask bit)
{
	for (size_t j = 0; j < n; j++) {
		uint64_t num = (k0 + j) * c->freq;
		uint64_t i = num / f->rate;
		uint64_t rem = num % f->rate;
		double v;
		if (i >= c->n) {
			col[j] = 0;
			continue;
		}
		v = ld_raw(f, c, i);
		if (rem && !step && i + 1 < c->n) {
			double w = (double)rem / f->rate;
			v = v + (ld_raw(f, c, i + 1) - v) * w;
		}
		v = v * c->a + c->b;
		if (!isfinite(v)) {
			col[j] = 0;
			continue;
		}
		col[j] = v;
		mask[j] |= bit;
	}
}

/* Same-rate fast paths: one raw sample per grid sample. */
static void ld_fill_direct(const struct ld_file *f, const struct ld_chan *c,
			   uint64_t k0, size_t n, double *col, tb_chmask *mask,
			   tb_chmask bit)
{
	size_t m = k0 >= c->n ? 0 : (size_t)(c->n - k0);
	if (m > n)
		m = n;
	const uint8_t *q = f->p + c->data + k0 * c->size;
	double a = c->a, b = c->b;
	if (c->type != LD_TYPE_FLOAT && c->size == 2) {
		for (size_t j = 0; j < m; j++) {
			col[j] = (int16_t)tb_ld_u16le(q + 2 * j) * a + b;
			mask[j] |= bit;
		}
	} else if (c->type == LD_TYPE_FLOAT && c->size == 4) {
		for (size_t j = 0; j < m; j++) {
			double v = (double)tb_ld_f32le(q + 4 * j) * a + b;
			bool ok = isfinite(v);
			col[j] = ok ? v : 0;
			mask[j] |= ok ? bit : 0;
		}
	} else {
		ld_fill(f, c, false, k0, m, col, mask, bit);
	}
	for (size_t j = m; j < n; j++)
		col[j] = 0;
}

struct ld_seg {
	uint64_t k0, k1;
	uint32_t lap_number;
	int32_t lap_time_ms;
	uint32_t flags;
	bool lap_time_col; /* starts at a beacon: lap_time column known */
	int64_t start_us;
};

/* Grid index of a time in µs: the first sample at or after it. */
static uint64_t us_to_k(int64_t us, uint32_t rate)
{
	return ((uint64_t)us * rate + 999999u) / 1000000u;
}

/* Split the time base at the beacons into at most n_markers + 1 laps;
 * empty ones are dropped. */
static enum tb_status ld_segments(const struct ld_file *f,
				  const struct fmt_ldx *ldx, struct ld_seg *seg,
				  size_t *n_seg, struct tb_error *err)
{
	size_t m = ldx ? ldx->n_markers : 0;
	size_t n = 0;
	uint64_t N = f->n_samples;
	if (m == 0) {
		seg[0] = (struct ld_seg){
		    0, N, 1, TB_TIME_UNKNOWN, TB_LAP_INCOMPLETE, false, 0};
		n = 1;
	} else {
		uint64_t b0 = us_to_k(ldx->marker_us[0], f->rate);
		if (b0 > N)
			b0 = N;
		if (b0 > 0)
			seg[n++] = (struct ld_seg){
			    0,	   b0, 0, TB_TIME_UNKNOWN, TB_LAP_INCOMPLETE,
			    false, 0};
		for (size_t j = 0; j < m; j++) {
			int64_t s_us = ldx->marker_us[j];
			uint64_t k0 = us_to_k(s_us, f->rate);
			struct ld_seg g = {k0,
					   N,
					   (uint32_t)(j + 1),
					   TB_TIME_UNKNOWN,
					   TB_LAP_INCOMPLETE,
					   true,
					   s_us};
			if (j + 1 < m) {
				int64_t e_us = ldx->marker_us[j + 1];
				uint64_t k1 = us_to_k(e_us, f->rate);
				g.k1 = k1 > N ? N : k1;
				int64_t ms = (e_us - s_us + 500) / 1000;
				g.lap_time_ms = ms <= INT32_MAX
						    ? (int32_t)ms
						    : TB_TIME_UNKNOWN;
				g.flags = k1 > N ? TB_LAP_INCOMPLETE : 0;
			}
			if (g.k0 >= g.k1)
				continue;
			seg[n++] = g;
		}
	}
	/* trailbrake's .ldx names the number of the log's first lap (its
	 * laps are consecutive); the first lap is the one before the first
	 * beacon when that beacon is not at 0 */
	const char *first = ldx ? fmt_ldx_detail(ldx, "First Lap") : NULL;
	int32_t first_lap = first ? parse_count(first) : -1;
	if (first_lap >= 0) {
		uint32_t d0 = m > 0 && ldx->marker_us[0] > 0 ? 0 : 1;
		for (size_t i = 0; i < n; i++)
			seg[i].lap_number += (uint32_t)first_lap - d0;
	}
	for (size_t i = 0; i < n; i++)
		if (seg[i].k1 - seg[i].k0 > TB_LAP_MAX_SAMPLES)
			return tb_fail(
			    err, TB_ERR_LIMIT,
			    "%s: lap %u has %llu samples at %u Hz, "
			    "more than %u",
			    f->name, seg[i].lap_number,
			    (unsigned long long)(seg[i].k1 - seg[i].k0),
			    f->rate, TB_LAP_MAX_SAMPLES);
	*n_seg = n;
	return TB_OK;
}

/* Allocate lap columns for n samples and the channels in chans. */
static enum tb_status lap_alloc(struct tb_lap *lap, size_t n, tb_chmask chans)
{
	tb_lap_init(lap);
	size_t cap = n ? n : 1;
	lap->mask = tb_calloc(cap, sizeof(*lap->mask));
	if (!lap->mask)
		return TB_ERR_NOMEM;
	lap->cap = cap;
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (!(chans & TB_CHBIT(ch)))
			continue;
		lap->col[ch] = tb_calloc(cap, sizeof(double));
		if (!lap->col[ch]) {
			tb_lap_release(lap);
			return TB_ERR_NOMEM;
		}
		lap->chans |= TB_CHBIT(ch);
	}
	lap->n = n;
	return TB_OK;
}

/* Build one lap of the time base. Cannot fail but for memory. */
static enum tb_status ld_build_lap(const struct ld_file *f,
				   const struct ld_seg *g, struct tb_lap *lap,
				   struct tb_error *err)
{
	size_t n = (size_t)(g->k1 - g->k0);
	tb_chmask chans = TB_CHBIT(TB_CH_TIME);
	if (g->lap_time_col)
		chans |= TB_CHBIT(TB_CH_LAP_TIME);
	for (int ch = 0; ch < TB_CH__COUNT; ch++)
		if (f->use[ch] >= 0)
			chans |= TB_CHBIT(ch);
	if (lap_alloc(lap, n, chans) != TB_OK)
		return tb_fail(err, TB_ERR_NOMEM,
			       "%s: out of memory for lap %u (%zu samples)",
			       f->name, g->lap_number, n);
	lap->lap_number = g->lap_number;
	lap->lap_time_ms = g->lap_time_ms;
	lap->flags = g->flags;
	double *t = lap->col[TB_CH_TIME];
	for (size_t j = 0; j < n; j++) {
		t[j] = (double)(g->k0 + j) / f->rate;
		lap->mask[j] = TB_CHBIT(TB_CH_TIME);
	}
	if (g->lap_time_col) {
		double *lt = lap->col[TB_CH_LAP_TIME];
		double s0 = g->start_us / 1e6;
		for (size_t j = 0; j < n; j++) {
			lt[j] = t[j] - s0;
			lap->mask[j] |= TB_CHBIT(TB_CH_LAP_TIME);
		}
	}
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if (f->use[ch] < 0)
			continue;
		const struct ld_chan *c = &f->ch[f->use[ch]];
		bool step =
		    tb_channel_kind((enum tb_channel)ch) == TB_KIND_STEP;
		if (c->freq == f->rate)
			ld_fill_direct(f, c, g->k0, n, lap->col[ch], lap->mask,
				       TB_CHBIT(ch));
		else
			ld_fill(f, c, step, g->k0, n, lap->col[ch], lap->mask,
				TB_CHBIT(ch));
	}
	/* a channel with no sample in this lap stays out of the lap */
	tb_chmask seen = 0;
	for (size_t j = 0; j < n; j++)
		seen |= lap->mask[j];
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		if ((lap->chans & TB_CHBIT(ch)) && !(seen & TB_CHBIT(ch))) {
			tb_free(lap->col[ch]);
			lap->col[ch] = NULL;
			lap->chans &= ~TB_CHBIT(ch);
		}
	}
	return TB_OK;
}

enum tb_status fmt_motec_parse(const uint8_t *buf, size_t len, const char *name,
			       const struct fmt_ldx *ldx, fmt_lap_fn fn,
			       void *ctx, struct tb_error *err)
{
	if (!name)
		name = "ld";
	tb_error_clear(err);
	if ((!buf && len) || !fn)
		return tb_fail(err, TB_ERR_ARG, "%s: bad argument", name);
	if (len < LD_HEAD_SIZE)
		return tb_fail(err, TB_ERR_TRUNCATED,
			       "%s: %zu bytes, a MoTeC .ld header alone is %u",
			       name, len, LD_HEAD_SIZE);
	if (tb_ld_u32le(buf) != LD_MARKER)
		return tb_fail(err, TB_ERR_FORMAT,
			       "%s: first word 0x%x, a MoTeC .ld starts with "
			       "0x40",
			       name, tb_ld_u32le(buf));
	struct ld_file f = {0};
	f.p = buf;
	f.len = len;
	f.name = name;
	struct ld_seg *seg = NULL;
	struct tb_lap lap;
	tb_lap_init(&lap);
	enum tb_status st = ld_read_meta(&f, err);
	if (st == TB_OK)
		st = ld_read_chans(&f, err);
	if (st == TB_OK)
		st = ld_plan(&f, err);
	if (st != TB_OK)
		goto out;
	seg = tb_malloc(((ldx ? ldx->n_markers : 0) + 1) * sizeof(*seg));
	if (!seg) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", name);
		goto out;
	}
	size_t n_seg = 0;
	st = ld_segments(&f, ldx, seg, &n_seg, err);
	if (st != TB_OK)
		goto out;
	for (size_t i = 0; i < n_seg && st == TB_OK; i++) {
		st = ld_build_lap(&f, &seg[i], &lap, err);
		if (st != TB_OK)
			break;
		st = fn(ctx, &f.s, &f.car, &lap, &f.meta);
		tb_lap_release(&lap);
		if (st != TB_OK && err && err->status == TB_OK)
			tb_fail(err, st, "%s: lap %u refused by the receiver",
				name, seg[i].lap_number);
	}
out:
	tb_lap_release(&lap);
	tb_free(seg);
	tb_free(f.ch);
	return st;
}

/* ------------------------------------------------------------------ */
/* Importer. */

static bool motec_sniff(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	if (n < 0x60)
		return false;
	if (tb_ld_u32le(head) != LD_MARKER)
		return false;
	uint32_t meta = tb_ld_u32le(head + 8), data = tb_ld_u32le(head + 12);
	if (meta < 0x40 || data < 0x40)
		return false;
	/* device type: printable ASCII padded with NULs */
	for (size_t i = 0; i < 8; i++) {
		uint8_t c = head[0x4A + i];
		if (c && (c < 0x20 || c > 0x7e))
			return false;
	}
	return true;
}

/* The companion .ldx of an .ld path into out (cap bytes). */
static bool ldx_path(const char *ld, char *out, size_t cap)
{
	size_t n = strlen(ld);
	if (n >= 3 && ld[n - 3] == '.' &&
	    lower((unsigned char)ld[n - 2]) == 'l' &&
	    lower((unsigned char)ld[n - 1]) == 'd') {
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

static enum tb_status motec_import(const char *path, fmt_lap_fn fn, void *ctx,
				   const struct fmt_progress *progress,
				   struct tb_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct fmt_ldx ldx;
	fmt_ldx_init(&ldx);
	bool have_ldx = false;
	char xp[4096];
	enum tb_status st = read_whole(path, FMT_FILE_MAX, &buf, &len, err);
	if (st != TB_OK)
		return st;
	if (progress && progress->update)
		progress->update(progress->ctx, 0, len);
	if (ldx_path(path, xp, sizeof(xp))) {
		FILE *t = fopen(xp, "rb");
		if (t) {
			fclose(t);
			st = fmt_ldx_read(xp, &ldx, err);
			if (st != TB_OK)
				goto out;
			have_ldx = true;
		}
	}
	st = fmt_motec_parse(buf, len, path, have_ldx ? &ldx : NULL, fn, ctx,
			     err);
	if (st == TB_OK && progress && progress->update)
		progress->update(progress->ctx, len, len);
out:
	fmt_ldx_release(&ldx);
	tb_free(buf);
	return st;
}

const struct fmt_importer fmt_importer_motec_ld = {
    .version = 1,
    .name = "motec-ld",
    .title = "MoTeC i2 log (.ld, laps from the .ldx)",
    .sniff = motec_sniff,
    .import = motec_import,
};

/* ------------------------------------------------------------------ */
/* Writer. */

#define WR_MAX_RATE   1000u
#define WR_DEF_RATE   60u
#define WR_RATE_DIFFS 65536u
#define WR_RATE_SPAN  10u
/* A sample this close to a grid point (in periods) is on it: games send
 * float32 session times, microseconds off their frame grid, and a gear
 * change a few µs after a grid point must not land a period late. */
#define WR_SNAP 1e-3

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Lap-relative time of sample j (s): TIME - TIME[0], else LAP_TIME -
 * LAP_TIME[0], else j / rate. */
static double wr_rel_time(const struct tb_lap *lap, size_t j, int src,
			  uint32_t rate)
{
	if (src >= 0)
		return lap->col[src][j] - lap->col[src][0];
	return (double)j / rate;
}

/* Which time column a lap uses (-1: index / rate). Only a column present
 * in every sample counts. */
static int wr_time_src(const struct tb_lap *lap)
{
	static const enum tb_channel cand[] = {TB_CH_TIME, TB_CH_LAP_TIME};
	for (size_t c = 0; c < 2; c++) {
		enum tb_channel ch = cand[c];
		if (!(lap->chans & TB_CHBIT(ch)))
			continue;
		bool all = true;
		for (size_t j = 0; j < lap->n && all; j++)
			all = (lap->mask[j] & TB_CHBIT(ch)) != 0;
		if (all)
			return (int)ch;
	}
	return -1;
}

static uint32_t wr_rate(const struct tb_lap *laps, size_t n_laps)
{
	size_t total = 0;
	for (size_t i = 0; i < n_laps; i++)
		total += laps[i].n > 1 ? laps[i].n - 1 : 0;
	if (total == 0)
		return WR_DEF_RATE;
	size_t stride = total / WR_RATE_DIFFS + 1;
	double *d = tb_malloc((total / stride + 1) * sizeof(double));
	if (!d)
		return WR_DEF_RATE;
	size_t n = 0, seen = 0;
	for (size_t i = 0; i < n_laps; i++) {
		int src = wr_time_src(&laps[i]);
		if (src < 0)
			continue;
		/* intervals over WR_RATE_SPAN samples: time stamps
		 * quantised to the ms (Forza) or jittered by the game's
		 * frames (DiRT) would bias a median of single ones */
		size_t w = laps[i].n - 1 < WR_RATE_SPAN ? laps[i].n - 1
							 : WR_RATE_SPAN;
		for (size_t j = 1; j < laps[i].n; j++, seen++) {
			if (seen % stride || j < w)
				continue;
			double dt =
			    (laps[i].col[src][j] - laps[i].col[src][j - w]) /
			    (double)w;
			if (dt > 0 && isfinite(dt))
				d[n++] = dt;
		}
	}
	uint32_t rate = WR_DEF_RATE;
	if (n) {
		qsort(d, n, sizeof(double), cmp_double);
		double r = 1.0 / d[n / 2];
		rate = r < 1		 ? 1
		       : r > WR_MAX_RATE ? WR_MAX_RATE
					 : (uint32_t)lround(r);
	}
	tb_free(d);
	return rate;
}

/* Value of channel ch of lap at lap-relative time tr; NaN when absent.
 * *j is a cursor (monotonic tr). */
static double wr_value(const struct tb_lap *lap, enum tb_channel ch, int src,
		       uint32_t rate, double tr, size_t *j)
{
	const double eps = WR_SNAP / rate;
	while (*j + 1 < lap->n &&
	       wr_rel_time(lap, *j + 1, src, rate) <= tr + eps)
		(*j)++;
	size_t i = *j;
	if (lap->n == 0 || !lap->col[ch])
		return NAN;
	double ti = wr_rel_time(lap, i, src, rate);
	if (ti > tr + eps || !(lap->mask[i] & TB_CHBIT(ch)))
		return NAN;
	double v = lap->col[ch][i];
	if (tr - ti <= eps)
		return v;
	bool step = tb_channel_kind(ch) == TB_KIND_STEP;
	if (i + 1 < lap->n && (lap->mask[i + 1] & TB_CHBIT(ch))) {
		if (step)
			return v;
		double t1 = wr_rel_time(lap, i + 1, src, rate);
		if (t1 > ti)
			return v + (lap->col[ch][i + 1] - v) * (tr - ti) /
				       (t1 - ti);
		return v;
	}
	return tr - ti < 1.0 / rate - eps ? v : NAN;
}

struct wr_lap {
	int src;	  /* time column, -1 none */
	int64_t start_us; /* lap start on the log clock */
	uint64_t k0, k1;  /* grid samples of the lap */
};

struct wr {
	const char *path;
	const struct tb_lap *laps;
	size_t n_laps;
	struct wr_lap *wl;
	uint32_t rate;
	uint64_t n; /* grid samples */
	double *vals;
};

/* All grid values of one channel (written units) into w->vals. */
static void wr_channel(struct wr *w, const struct chan_name *row)
{
	for (size_t i = 0; i < w->n_laps; i++) {
		const struct tb_lap *lap = &w->laps[i];
		const struct wr_lap *l = &w->wl[i];
		size_t cur = 0;
		for (uint64_t k = l->k0; k < l->k1; k++) {
			double tr =
			    (double)k / w->rate - (double)l->start_us / 1e6;
			double v =
			    wr_value(lap, row->ch, l->src, w->rate, tr, &cur);
			w->vals[k] = v * row->k;
		}
	}
}

/* int16 with dec places 0..3 when every value is on that grid; else
 * float32 (-1). */
static int wr_pick_dec(const double *v, uint64_t n)
{
	for (int dec = 0; dec <= 3; dec++) {
		double s = pow(10.0, dec);
		bool ok = true;
		for (uint64_t i = 0; i < n && ok; i++) {
			double x = v[i] * s;
			double r = nearbyint(x);
			ok = isfinite(x) && fabs(r) <= 32767 &&
			     fabs(x - r) <= 1e-9 * (fabs(x) > 1 ? fabs(x) : 1);
		}
		if (ok)
			return dec;
	}
	return -1;
}

struct wr_chan {
	const struct chan_name *row;
	int dec; /* -1: float32 */
	uint32_t data, n;
};

static void put_str(uint8_t *p, size_t cap, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n < cap ? n : cap);
}

static void wr_header(uint8_t *h, const struct tb_session_info *s,
		      const struct tb_car_info *car, uint32_t meta,
		      uint32_t data, uint32_t n_ch)
{
	tb_st_u32le(h + 0x00, LD_MARKER);
	tb_st_u32le(h + 0x08, meta);
	tb_st_u32le(h + 0x0C, data);
	tb_st_u32le(h + 0x24, LD_HEAD_SIZE);
	tb_st_u16le(h + 0x40, 1);
	tb_st_u16le(h + 0x42, 0x4240);
	tb_st_u16le(h + 0x44, 0x000F);
	tb_st_u32le(h + 0x46, 0x1F44);
	put_str(h + 0x4A, 8, "ADL");
	tb_st_u16le(h + 0x52, 420);
	tb_st_u16le(h + 0x54, 0xADB0);
	tb_st_u32le(h + 0x56, n_ch);
	int64_t ms = s && s->start_unix_ms > 0 ? s->start_unix_ms : 0;
	int64_t days = ms / 86400000, sec = (ms / 1000) % 86400;
	/* civil from days (H. Hinnant) */
	int64_t z = days + 719468, era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = (int64_t)yoe + era * 400 + (m <= 2);
	char buf[32];
	snprintf(buf, sizeof(buf), "%02u/%02u/%04lld", d, m, (long long)y);
	put_str(h + 0x5E, 16, buf);
	snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld",
		 (long long)(sec / 3600), (long long)(sec / 60 % 60),
		 (long long)(sec % 60));
	put_str(h + 0x7E, 16, buf);
	if (car)
		put_str(h + 0x9E, 63, car->driver);
	if (s) {
		put_str(h + 0xDE, 63, tb_car_class_name(s->car_class));
		put_str(h + 0x15E, 63, s->track);
	}
	tb_st_u32le(h + 0x5DE, 0xC81A4);
	put_str(h + 0x624, 63, "trailbrake");
}

static void wr_blocks(uint8_t *p, const struct tb_session_info *s)
{
	uint8_t *ev = p + LD_HEAD_SIZE;
	uint32_t vn = LD_HEAD_SIZE + LD_EVENT_SIZE;
	uint32_t vh = vn + LD_VENUE_SIZE;
	if (s) {
		put_str(ev, 63, tb_game_name(s->game));
		put_str(ev + 0x40, 63, tb_session_kind_name(s->kind));
		put_str(p + vn, 63, s->track);
		if (s->track_length_m > 0 && s->track_length_m < 100000)
			tb_st_u32le(p + vn + LD_VN_LENGTH,
				    (uint32_t)lround(s->track_length_m * 1000));
		put_str(p + vh, 63, tb_car_class_name(s->car_class));
		put_str(p + vh + LD_VH_TYPE, 31,
			tb_car_class_name(s->car_class));
	}
	tb_st_u32le(ev + LD_EV_VENUE_PTR, vn);
	tb_st_u32le(p + vn + LD_VN_VEHICLE_PTR, vh);
}

static void wr_chan_entry(uint8_t *e, const struct wr_chan *c, uint32_t at,
			  size_t i, size_t n, uint32_t rate)
{
	tb_st_u32le(e + 0x00, i ? at - LD_CHAN_SIZE : 0);
	tb_st_u32le(e + 0x04, i + 1 < n ? at + LD_CHAN_SIZE : 0);
	tb_st_u32le(e + 0x08, c->data);
	tb_st_u32le(e + 0x0C, c->n);
	tb_st_u16le(e + 0x10, (uint16_t)(0x2EE1 + i));
	tb_st_u16le(e + 0x12, c->dec < 0 ? LD_TYPE_FLOAT : LD_TYPE_INT);
	tb_st_u16le(e + 0x14, c->dec < 0 ? 4 : 2);
	tb_st_u16le(e + 0x16, (uint16_t)rate);
	tb_st_u16le(e + 0x18, 0);
	tb_st_u16le(e + 0x1A, 1);
	tb_st_u16le(e + 0x1C, 1);
	tb_st_u16le(e + 0x1E, (uint16_t)(c->dec < 0 ? 0 : c->dec));
	put_str(e + 0x20, 31, c->row->name);
	put_str(e + 0x40, 8, c->row->short_name);
	put_str(e + 0x48, 11, c->row->unit);
}

/* Encode w->vals as channel c's samples and write them. */
static bool wr_data(FILE *f, const struct wr *w, const struct wr_chan *c,
		    uint8_t *chunk, size_t chunk_len)
{
	size_t sz = c->dec < 0 ? 4 : 2, per = chunk_len / sz, k = 0;
	double s = c->dec < 0 ? 1 : pow(10.0, c->dec);
	for (uint64_t i = 0; i < w->n; i++) {
		if (c->dec < 0)
			tb_st_f32le(chunk + k * 4, (float)w->vals[i]);
		else
			tb_st_u16le(chunk + k * 2, (uint16_t)(int16_t)nearbyint(
						       w->vals[i] * s));
		if (++k == per) {
			if (fwrite(chunk, sz, k, f) != k)
				return false;
			k = 0;
		}
	}
	return k == 0 || fwrite(chunk, sz, k, f) == k;
}

/* Lay the laps out on the log clock. */
static enum tb_status wr_layout(struct wr *w, struct tb_error *err)
{
	int64_t t_us = 0;
	for (size_t i = 0; i < w->n_laps; i++) {
		const struct tb_lap *lap = &w->laps[i];
		struct wr_lap *l = &w->wl[i];
		l->src = wr_time_src(lap);
		l->start_us = t_us;
		int64_t dur;
		if (lap->lap_time_ms > 0) {
			dur = (int64_t)lap->lap_time_ms * 1000;
		} else {
			double last = lap->n ? wr_rel_time(lap, lap->n - 1,
							   l->src, w->rate)
					     : 0;
			if (!isfinite(last) || last < 0 || last > 1e7)
				return tb_fail(err, TB_ERR_RANGE,
					       "%s: lap %zu: time runs from "
					       "its first sample by %g s",
					       w->path, i, last);
			dur = llround((last + 1.0 / w->rate) * 1e6);
		}
		t_us += dur;
		if (t_us > (int64_t)1e13)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s: laps longer than 10^7 s", w->path);
		l->k0 = us_to_k(l->start_us, w->rate);
		l->k1 = us_to_k(t_us, w->rate);
	}
	w->n = w->n_laps ? w->wl[w->n_laps - 1].k1 : 0;
	return TB_OK;
}

static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
		}
	}
}

static enum tb_status wr_ldx(const struct wr *w,
			     const struct tb_session_info *s,
			     const struct tb_car_info *car,
			     struct tb_error *err)
{
	char xp[4096];
	if (!ldx_path(w->path, xp, sizeof(xp)))
		return tb_fail(err, TB_ERR_ARG, "%s: path too long", w->path);
	FILE *f = fopen(xp, "wb");
	if (!f)
		return tb_fail(err, TB_ERR_IO, "%s: cannot create: %s", xp,
			       strerror(errno));
	const struct tb_lap *first = &w->laps[0];
	const struct tb_lap *last = &w->laps[w->n_laps - 1];
	size_t i0 = (first->flags & TB_LAP_INCOMPLETE) ? 1 : 0;
	size_t i1 = (last->flags & TB_LAP_INCOMPLETE) || last->lap_time_ms <= 0
			? w->n_laps
			: w->n_laps + 1;
	/* marker j of [i0, i1) sits at the start of lap j (or the end of
	 * the last lap for j == n_laps) */
	int64_t best = -1;
	size_t best_lap = 0, n_mark = 0;
	fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	      "<LDXFile Version=\"1.6\" Locale=\"English\">\n"
	      "  <Layers>\n    <Layer>\n      <MarkerBlock>\n"
	      "        <MarkerGroup Name=\"Beacons\" Index=\"3\">\n",
	      f);
	for (size_t j = i0; j < i1; j++) {
		int64_t us =
		    j < w->n_laps
			? w->wl[j].start_us
			: w->wl[j - 1].start_us +
			      (int64_t)w->laps[j - 1].lap_time_ms * 1000;
		n_mark++;
		fprintf(f,
			"          <Marker Version=\"100\" ClassName=\"BCN\" "
			"Name=\"Manual.%zu\" Flags=\"77\" "
			"Time=\"%lld.000000\"/>\n",
			n_mark, (long long)us);
		if (j + 1 < i1 && j < w->n_laps) {
			int64_t next =
			    j + 1 < w->n_laps
				? w->wl[j + 1].start_us
				: us + (int64_t)w->laps[j].lap_time_ms * 1000;
			if (best < 0 || next - us < best) {
				best = next - us;
				best_lap = n_mark;
			}
		}
	}
	fputs("        </MarkerGroup>\n      </MarkerBlock>\n"
	      "      <RangeBlock/>\n    </Layer>\n    <Details>\n",
	      f);
	if (s) {
		fputs("      <String Id=\"Event\" Value=\"", f);
		xml_escape(f, tb_game_name(s->game));
		fputs("\"/>\n      <String Id=\"Venue\" Value=\"", f);
		xml_escape(f, s->track);
		fputs("\"/>\n      <String Id=\"Session\" Value=\"", f);
		xml_escape(f, tb_session_kind_name(s->kind));
		fputs("\"/>\n", f);
	}
	if (car) {
		fputs("      <String Id=\"Driver\" Value=\"", f);
		xml_escape(f, car->driver);
		fputs("\"/>\n", f);
	}
	fprintf(f, "      <String Id=\"Total Laps\" Value=\"%zu\"/>\n",
		n_mark + 1);
	bool consecutive = true;
	for (size_t j = 1; j < w->n_laps && consecutive; j++)
		consecutive = w->laps[j].lap_number ==
			      w->laps[j - 1].lap_number + 1;
	if (consecutive && first->lap_number <= INT32_MAX)
		fprintf(f,
			"      <String Id=\"First Lap\" Value=\"%lu\"/>\n",
			(unsigned long)first->lap_number);
	if (best >= 0) {
		int64_t ms = (best + 500) / 1000;
		fprintf(f,
			"      <String Id=\"Fastest Time\" "
			"Value=\"%lld:%02lld.%03lld\"/>\n"
			"      <String Id=\"Fastest Lap\" Value=\"%zu\"/>\n",
			(long long)(ms / 60000), (long long)(ms / 1000 % 60),
			(long long)(ms % 1000), best_lap);
	}
	fputs("    </Details>\n  </Layers>\n</LDXFile>\n", f);
	bool ok = !ferror(f);
	if (fclose(f) != 0 || !ok)
		return tb_fail(err, TB_ERR_IO, "%s: write failed", xp);
	return TB_OK;
}

static enum tb_status wr_file(struct wr *w, const struct tb_session_info *s,
			      const struct tb_car_info *car, struct wr_chan *wc,
			      size_t n_ch, struct tb_error *err)
{
	uint32_t meta =
	    LD_HEAD_SIZE + LD_EVENT_SIZE + LD_VENUE_SIZE + LD_VEHICLE_SIZE;
	uint64_t data = meta + (uint64_t)n_ch * LD_CHAN_SIZE;
	uint64_t at = data;
	for (size_t i = 0; i < n_ch; i++) {
		wc[i].data = (uint32_t)at;
		wc[i].n = (uint32_t)w->n;
		at += w->n * (wc[i].dec < 0 ? 4 : 2);
		if (at > UINT32_MAX)
			return tb_fail(err, TB_ERR_LIMIT,
				       "%s: %llu samples x %zu channels do "
				       "not fit the 32-bit pointers of .ld",
				       w->path, (unsigned long long)w->n, n_ch);
	}
	size_t head_len = (size_t)data;
	uint8_t *head = tb_calloc(head_len, 1);
	uint8_t *chunk = tb_malloc(1u << 16);
	enum tb_status st = TB_OK;
	FILE *f = NULL;
	if (!head || !chunk) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", w->path);
		goto out;
	}
	wr_header(head, s, car, n_ch ? meta : 0, (uint32_t)data,
		  (uint32_t)n_ch);
	wr_blocks(head, s);
	for (size_t i = 0; i < n_ch; i++)
		wr_chan_entry(head + meta + i * LD_CHAN_SIZE, &wc[i],
			      meta + (uint32_t)(i * LD_CHAN_SIZE), i, n_ch,
			      w->rate);
	f = fopen(w->path, "wb");
	if (!f) {
		st = tb_fail(err, TB_ERR_IO, "%s: cannot create: %s", w->path,
			     strerror(errno));
		goto out;
	}
	if (fwrite(head, 1, head_len, f) != head_len)
		goto io;
	for (size_t i = 0; i < n_ch; i++) {
		wr_channel(w, wc[i].row);
		if (!wr_data(f, w, &wc[i], chunk, 1u << 16))
			goto io;
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto io;
	}
	f = NULL;
	st = wr_ldx(w, s, car, err);
	goto out;
io:
	st = tb_fail(err, TB_ERR_IO, "%s: write failed: %s", w->path,
		     strerror(errno));
out:
	if (f)
		fclose(f);
	tb_free(head);
	tb_free(chunk);
	return st;
}

enum tb_status fmt_motec_write(const char *ld_path,
			       const struct tb_session_info *s,
			       const struct tb_car_info *car,
			       const struct tb_lap *laps, size_t n_laps,
			       struct tb_error *err)
{
	if (!ld_path || !*ld_path || (!laps && n_laps))
		return tb_fail(err, TB_ERR_ARG, "motec write: bad argument");
	if (n_laps == 0 || n_laps > FMT_LAPS_MAX)
		return tb_fail(err, TB_ERR_ARG, "%s: %zu laps (1..%u)", ld_path,
			       n_laps, FMT_LAPS_MAX);
	struct wr w = {ld_path, laps, n_laps, NULL, 0, 0, NULL};
	struct wr_chan wc[TB_CH__COUNT];
	size_t n_ch = 0;
	enum tb_status st = TB_OK;
	w.wl = tb_calloc(n_laps, sizeof(*w.wl));
	if (!w.wl)
		return tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", ld_path);
	w.rate = wr_rate(laps, n_laps);
	st = wr_layout(&w, err);
	if (st != TB_OK)
		goto out;
	if (w.n == 0 || w.n > UINT32_MAX) {
		st = tb_fail(err, TB_ERR_ARG, "%s: %llu samples to write",
			     ld_path, (unsigned long long)w.n);
		goto out;
	}
	w.vals = tb_malloc((size_t)w.n * sizeof(double));
	if (!w.vals) {
		st = tb_fail(err, TB_ERR_NOMEM, "%s: out of memory", ld_path);
		goto out;
	}
	tb_chmask all = 0;
	for (size_t i = 0; i < n_laps; i++)
		all |= laps[i].chans;
	for (int ch = 0; ch < TB_CH__COUNT; ch++) {
		const struct chan_name *row =
		    chan_writer_row((enum tb_channel)ch);
		if (!(all & TB_CHBIT(ch)) || !row)
			continue;
		wr_channel(&w, row);
		wc[n_ch].row = row;
		wc[n_ch].dec = wr_pick_dec(w.vals, w.n);
		n_ch++;
	}
	if (n_ch == 0) {
		st = tb_fail(err, TB_ERR_ARG,
			     "%s: the laps hold no channel .ld can carry",
			     ld_path);
		goto out;
	}
	st = wr_file(&w, s, car, wc, n_ch, err);
out:
	tb_free(w.vals);
	tb_free(w.wl);
	return st;
}

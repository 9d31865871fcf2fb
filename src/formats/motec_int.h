/* motec_int.h - internals shared by the MoTeC i2 files (ldx.c,
 * motec_read.c, motec_write.c, motec_common.c): the .ld layout and its
 * constants, the channel-name table and small helpers. */
#ifndef TB_FORMATS_MOTEC_INT_H
#define TB_FORMATS_MOTEC_INT_H

#include "motec.h"

/* .ld layout (little-endian; reverse engineered, never published by
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

/* The rows, in motec_common.c. */
extern const struct chan_name fmt__motec_chan_names[];

/* ------------------------------------------------------------------ */
/* Helpers (motec_common.c). */

/* ASCII lower case of c. */
int fmt__motec_lower(int c);

/* Case-insensitive (ASCII) string equality. */
bool fmt__motec_name_eq(const char *a, const char *b);

/* canonical = value * *a + *b for a unit of class uc; false if the unit
 * is not one we can convert (the channel is then skipped). */
bool fmt__motec_unit_factor(enum unit_class uc, const char *unit, double *a,
			    double *b);

/* Index into fmt__motec_chan_names of the row that maps name, or -1. */
int fmt__motec_chan_lookup(const char *name);

/* The writer's row for a channel, or NULL (time channels). */
const struct chan_name *fmt__motec_chan_writer_row(enum tb_channel ch);

/* Bounded copy of a C string (always NUL-terminated). */
void fmt__motec_copy_str(char *dst, size_t cap, const char *src);

/* The whole file at path (at most max bytes) into *out (tb_malloc'd,
 * *len bytes); on failure *out is NULL and err says why. */
enum tb_status fmt__motec_read_whole(const char *path, uint64_t max,
				     uint8_t **out, size_t *len,
				     struct tb_error *err);

/* Grid index of a time in µs: the first sample at or after it. */
uint64_t fmt__motec_us_to_k(int64_t us, uint32_t rate);

/* The companion .ldx of an .ld path into out (cap bytes). */
bool fmt__motec_ldx_path(const char *ld, char *out, size_t cap);

/* ------------------------------------------------------------------ */
/* Number parsing of the .ldx reader (ldx.c), also used for the .ld
 * header's date and time. */

/* Unsigned decimal of up to 9 digits; -1 if s is not one. */
int32_t fmt__ldx_parse_uint(const char *s, const char **end);

/* s past its leading white space. */
const char *fmt__ldx_trim_lead(const char *s);

/* A whole unsigned decimal, blanks around it allowed; -1 if s is not
 * one. */
int32_t fmt__ldx_parse_count(const char *s);

#endif /* TB_FORMATS_MOTEC_INT_H */

/* core.h - trailbrake's ground floor: status codes, the canonical channel
 * set (SI units), frames and laps, session metadata, a bounds-checked byte
 * cursor, capped growable buffers and a bounded single-producer /
 * single-consumer ring. Depends on nothing of ours; every other module
 * builds on these types. */
#ifndef TB_CORE_H
#define TB_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define TB_WUR __attribute__((warn_unused_result))
#define TB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TB_WUR
#define TB_PRINTF(f, a)
#endif

/* ------------------------------------------------------------------ */
/* Status codes: one X-macro list, so names, messages, HTTP statuses and
 * process exit codes cannot drift apart. */

#define TB_STATUS_LIST(X)                                                    \
	X(TB_OK, "ok", 200, 0)                                               \
	X(TB_ERR_ARG, "invalid argument", 400, 2)                            \
	X(TB_ERR_NOMEM, "out of memory", 500, 70)                            \
	X(TB_ERR_TRUNCATED, "truncated input", 400, 65)                      \
	X(TB_ERR_LENGTH, "wrong length", 400, 65)                            \
	X(TB_ERR_FORMAT, "unknown or unsupported format", 400, 65)           \
	X(TB_ERR_VERSION, "unsupported version", 400, 65)                    \
	X(TB_ERR_ID, "unknown id", 400, 65)                                  \
	X(TB_ERR_CORRUPT, "corrupt data", 400, 65)                           \
	X(TB_ERR_RANGE, "value out of range", 400, 65)                       \
	X(TB_ERR_LIMIT, "size limit exceeded", 413, 65)                      \
	X(TB_ERR_FULL, "queue full", 503, 75)                                \
	X(TB_ERR_EMPTY, "queue empty", 404, 1)                               \
	X(TB_ERR_NOTFOUND, "not found", 404, 1)                              \
	X(TB_ERR_IO, "input/output error", 500, 74)                          \
	X(TB_ERR_DB, "database error", 500, 74)                              \
	X(TB_ERR_NET, "network error", 502, 69)                              \
	X(TB_ERR_UNSUPPORTED, "not supported", 501, 69)                      \
	X(TB_ERR_INTERNAL, "internal error", 500, 70)

enum tb_status {
#define TB__X(name, msg, http, exitc) name,
	TB_STATUS_LIST(TB__X)
#undef TB__X
	TB_STATUS__COUNT
};

/* Human message for a status ("truncated input"); never NULL. */
const char *tb_strerror(enum tb_status st);
/* Symbolic name ("TB_ERR_TRUNCATED"); never NULL. */
const char *tb_status_name(enum tb_status st);
/* HTTP status code that answers a request failing with st. */
int tb_status_http(enum tb_status st);
/* Process exit code (sysexits style) for a command failing with st. */
int tb_status_exit(enum tb_status st);

#define TB_ERROR_MSG_MAX 256

/* Optional detail for a failure: the status and a message naming the
 * offending thing ("packet 1204 bytes, F1 2025 Motion expects 1349"). */
struct tb_error {
	enum tb_status status;
	char msg[TB_ERROR_MSG_MAX];
};

/* Fill err (if not NULL) and return st, so callers can write
 * `return tb_fail(err, TB_ERR_LENGTH, "...", ...);`. */
enum tb_status tb_fail(struct tb_error *err, enum tb_status st,
		       const char *fmt, ...) TB_PRINTF(3, 4);

/* Clear err to TB_OK with an empty message. NULL is allowed. */
void tb_error_clear(struct tb_error *err);

/* ------------------------------------------------------------------ */
/* Caps: every growable buffer has one. Named here, in one place. */

#define TB_LAP_MAX_SAMPLES (1u << 20)	 /* 1 M samples: 4.8 h at 60 Hz */
#define TB_BLOB_MAX_BYTES (256u << 20)	 /* one stored lap blob */
#define TB_DATAGRAM_MAX 2048u		 /* largest UDP payload we accept */
#define TB_NAME_MAX 64u			 /* names: drivers, tracks, cars */
#define TB_MAX_CARS 22u			 /* cars per F1 session */

/* ------------------------------------------------------------------ */
/* The canonical channel set. SI units; wheel arrays in the order FL, FR,
 * RL, RR (sources with other orders are re-ordered by their decoder).
 * X(id, name, unit, kind): kind is TB_KIND_CONT (interpolate linearly)
 * or TB_KIND_STEP (hold value: gear, flags). Appending is fine; the
 * numeric ids are stored on disk, so never reorder or remove. */

enum tb_channel_kind { TB_KIND_CONT, TB_KIND_STEP };

#define TB_CHANNEL_LIST(X)                                                   \
	X(TB_CH_TIME, "time", "s", TB_KIND_CONT)                             \
	X(TB_CH_LAP_TIME, "lap_time", "s", TB_KIND_CONT)                     \
	X(TB_CH_LAP_DIST, "lap_dist", "m", TB_KIND_CONT)                     \
	X(TB_CH_TOTAL_DIST, "total_dist", "m", TB_KIND_CONT)                 \
	X(TB_CH_SPEED, "speed", "m/s", TB_KIND_CONT)                         \
	X(TB_CH_THROTTLE, "throttle", "1", TB_KIND_CONT)                     \
	X(TB_CH_BRAKE, "brake", "1", TB_KIND_CONT)                           \
	X(TB_CH_CLUTCH, "clutch", "1", TB_KIND_CONT)                         \
	X(TB_CH_STEER, "steer", "1", TB_KIND_CONT)                           \
	X(TB_CH_GEAR, "gear", "", TB_KIND_STEP)                              \
	X(TB_CH_RPM, "rpm", "rpm", TB_KIND_CONT)                             \
	X(TB_CH_G_LAT, "g_lat", "g", TB_KIND_CONT)                           \
	X(TB_CH_G_LON, "g_lon", "g", TB_KIND_CONT)                           \
	X(TB_CH_G_VERT, "g_vert", "g", TB_KIND_CONT)                         \
	X(TB_CH_POS_X, "pos_x", "m", TB_KIND_CONT)                           \
	X(TB_CH_POS_Y, "pos_y", "m", TB_KIND_CONT)                           \
	X(TB_CH_POS_Z, "pos_z", "m", TB_KIND_CONT)                           \
	X(TB_CH_VEL_X, "vel_x", "m/s", TB_KIND_CONT)                         \
	X(TB_CH_VEL_Y, "vel_y", "m/s", TB_KIND_CONT)                         \
	X(TB_CH_VEL_Z, "vel_z", "m/s", TB_KIND_CONT)                         \
	X(TB_CH_YAW, "yaw", "rad", TB_KIND_CONT)                             \
	X(TB_CH_PITCH, "pitch", "rad", TB_KIND_CONT)                         \
	X(TB_CH_ROLL, "roll", "rad", TB_KIND_CONT)                           \
	X(TB_CH_DRS, "drs", "", TB_KIND_STEP)                                \
	X(TB_CH_BRAKE_TEMP_FL, "brake_temp_fl", "degC", TB_KIND_CONT)        \
	X(TB_CH_BRAKE_TEMP_FR, "brake_temp_fr", "degC", TB_KIND_CONT)        \
	X(TB_CH_BRAKE_TEMP_RL, "brake_temp_rl", "degC", TB_KIND_CONT)        \
	X(TB_CH_BRAKE_TEMP_RR, "brake_temp_rr", "degC", TB_KIND_CONT)        \
	X(TB_CH_TYRE_SURF_FL, "tyre_surf_temp_fl", "degC", TB_KIND_CONT)     \
	X(TB_CH_TYRE_SURF_FR, "tyre_surf_temp_fr", "degC", TB_KIND_CONT)     \
	X(TB_CH_TYRE_SURF_RL, "tyre_surf_temp_rl", "degC", TB_KIND_CONT)     \
	X(TB_CH_TYRE_SURF_RR, "tyre_surf_temp_rr", "degC", TB_KIND_CONT)     \
	X(TB_CH_TYRE_INNER_FL, "tyre_inner_temp_fl", "degC", TB_KIND_CONT)   \
	X(TB_CH_TYRE_INNER_FR, "tyre_inner_temp_fr", "degC", TB_KIND_CONT)   \
	X(TB_CH_TYRE_INNER_RL, "tyre_inner_temp_rl", "degC", TB_KIND_CONT)   \
	X(TB_CH_TYRE_INNER_RR, "tyre_inner_temp_rr", "degC", TB_KIND_CONT)   \
	X(TB_CH_TYRE_PRESS_FL, "tyre_press_fl", "kPa", TB_KIND_CONT)         \
	X(TB_CH_TYRE_PRESS_FR, "tyre_press_fr", "kPa", TB_KIND_CONT)         \
	X(TB_CH_TYRE_PRESS_RL, "tyre_press_rl", "kPa", TB_KIND_CONT)         \
	X(TB_CH_TYRE_PRESS_RR, "tyre_press_rr", "kPa", TB_KIND_CONT)         \
	X(TB_CH_ENGINE_TEMP, "engine_temp", "degC", TB_KIND_CONT)            \
	X(TB_CH_FUEL, "fuel", "kg", TB_KIND_CONT)                            \
	X(TB_CH_ERS_STORE, "ers_store", "J", TB_KIND_CONT)                   \
	X(TB_CH_SECTOR, "sector", "", TB_KIND_STEP)                          \
	X(TB_CH_ERS_MODE, "ers_mode", "", TB_KIND_STEP)

enum tb_channel {
#define TB__X(id, name, unit, kind) id,
	TB_CHANNEL_LIST(TB__X)
#undef TB__X
	TB_CH__COUNT
};

_Static_assert(TB_CH__COUNT <= 64, "channel mask is a uint64_t");

typedef uint64_t tb_chmask;
#define TB_CHBIT(ch) ((tb_chmask)1 << (ch))

/* Name ("speed"), unit ("m/s") and kind of a channel; NULL for an id out
 * of range. */
const char *tb_channel_name(enum tb_channel ch);
const char *tb_channel_unit(enum tb_channel ch);
enum tb_channel_kind tb_channel_kind(enum tb_channel ch);
/* Look a channel up by name; returns TB_ERR_NOTFOUND if unknown. */
enum tb_status tb_channel_by_name(const char *name, enum tb_channel *out);

/* Unit conversions used by decoders (exact constants). */
#define TB_KMH_PER_MS 3.6
#define TB_KPA_PER_PSI 6.894757293168361

/* ------------------------------------------------------------------ */
/* A frame: one sample of one car, every channel, with a mask of the
 * channels present. A channel not in `mask` is absent (unknown), and its
 * value is 0 by convention so frames compare bytewise. Hot-path value:
 * caller-allocated, never heap. */
struct tb_frame {
	tb_chmask mask;
	double v[TB_CH__COUNT];
};

/* Clear to "nothing known". */
static inline void tb_frame_clear(struct tb_frame *f)
{
	memset(f, 0, sizeof(*f));
}

static inline void tb_frame_set(struct tb_frame *f, enum tb_channel ch,
				double v)
{
	f->v[ch] = v;
	f->mask |= TB_CHBIT(ch);
}

static inline bool tb_frame_has(const struct tb_frame *f, enum tb_channel ch)
{
	return (f->mask & TB_CHBIT(ch)) != 0;
}

/* ------------------------------------------------------------------ */
/* Sessions, cars and laps. */

enum tb_game {
	TB_GAME_UNKNOWN = 0,
	TB_GAME_F1_22,
	TB_GAME_F1_23,
	TB_GAME_F1_24,
	TB_GAME_F1_25,
	TB_GAME_DIRT_RALLY_2,  /* Codemasters extradata UDP */
	TB_GAME_CODEMASTERS,   /* other extradata titles (DiRT 4, GRID...) */
	TB_GAME_EA_WRC,
	TB_GAME_FORZA_M7,
	TB_GAME_FORZA_H4,      /* Forza Horizon 4/5 share one layout */
	TB_GAME_FORZA_M2023,
	TB_GAME_AC,	       /* Assetto Corsa (original) */
	TB_GAME_GT7,
	TB_GAME_GT_SPORT,
	TB_GAME_IRACING,
	TB_GAME_ACC,	      /* Assetto Corsa Competizione (MoTeC files) */
	TB_GAME_LMU,	      /* Le Mans Ultimate (MoTeC files) */
	TB_GAME_RF2,	      /* rFactor 2 (MoTeC files) */
	TB_GAME_REAL_F1,      /* real Formula 1 timing data */
	TB_GAME__COUNT
};
const char *tb_game_name(enum tb_game g); /* "F1 25" */

enum tb_session_kind {
	TB_SESSION_UNKNOWN = 0,
	TB_SESSION_PRACTICE,
	TB_SESSION_QUALIFYING,
	TB_SESSION_RACE,
	TB_SESSION_TIME_TRIAL,
	TB_SESSION_STAGE,
	TB_SESSION__COUNT
};
const char *tb_session_kind_name(enum tb_session_kind k); /* "race" */

enum tb_car_class {
	TB_CLASS_OTHER = 0,
	TB_CLASS_F1,
	TB_CLASS_LMH,
	TB_CLASS_GT3,
	TB_CLASS_RALLY,
	TB_CLASS__COUNT
};
const char *tb_car_class_name(enum tb_car_class c); /* "F1" */

/* Where a session came from and what it was. Plain value; strings are
 * NUL-terminated arrays owned by the struct. */
struct tb_session_info {
	uint64_t source_uid;	 /* the game's session id (F1 sessionUID) */
	enum tb_game game;
	uint16_t packet_format;	 /* F1 packetFormat: 2022..2025 */
	uint8_t game_year;	 /* F1 gameYear; 0 when the game sends none */
	uint8_t game_major, game_minor;
	int32_t track_id;	 /* game's id; -1 unknown */
	char track[TB_NAME_MAX]; /* canonical name, "" unknown */
	char layout[TB_NAME_MAX];
	double track_length_m;	 /* 0 unknown */
	enum tb_session_kind kind;
	int32_t game_session_type; /* the game's raw code */
	enum tb_car_class car_class;
	int32_t weather;	   /* game code; -1 unknown */
	int32_t air_temp_c, track_temp_c;
	int64_t start_unix_ms;	   /* wall clock of the first packet */
};

/* One car (participant) of a session. */
struct tb_car_info {
	uint8_t car_index;
	char driver[TB_NAME_MAX];
	char car[TB_NAME_MAX]; /* car model or team, "" unknown */
	int32_t team_id;     /* game code; -1 unknown */
	int32_t race_number; /* -1 unknown */
	bool ai;
};

/* Why a lap is invalid, as bits; 0 means valid. */
enum tb_lap_flag {
	TB_LAP_CUT = 1u << 0,	     /* track limits / corner cutting */
	TB_LAP_PIT = 1u << 1,	     /* pitted during the lap */
	TB_LAP_FLASHBACK = 1u << 2,  /* rewound (flashback / reset) */
	TB_LAP_INCOMPLETE = 1u << 3, /* did not reach the line */
	TB_LAP_OUT = 1u << 4,	     /* out lap (started in the pits/grid) */
	TB_LAP_IN = 1u << 5,	     /* in lap (ended in the pits) */
	TB_LAP_INVALID_GAME = 1u << 6, /* game flagged invalid, reason unknown */
	TB_LAP_TRAFFIC = 1u << 7 /* close behind another car (ingest/laps.h) */
};
/* "cut,pit" style list of flag names into buf (always NUL-terminated). */
void tb_lap_flags_str(uint32_t flags, char *buf, size_t cap);

#define TB_TIME_UNKNOWN (-1)

/* A lap: metadata plus channels as columns. Column `ch` exists (non-NULL)
 * iff bit ch is set in `chans`; `mask[i]` says which channels sample i
 * has. Values of absent samples are 0. All arrays are owned by the lap
 * and hold `cap` entries, `n` of them used. */
struct tb_lap {
	uint8_t car_index;
	uint32_t lap_number;	  /* the game's lap number, 1-based */
	int32_t lap_time_ms;	  /* from the game; TB_TIME_UNKNOWN */
	int32_t sector_ms[3];	  /* from the game; TB_TIME_UNKNOWN */
	uint32_t flags;		  /* enum tb_lap_flag bits */
	size_t n, cap;
	tb_chmask chans;
	tb_chmask *mask;
	double *col[TB_CH__COUNT];
};

/* Initialise an empty lap (no allocation). */
void tb_lap_init(struct tb_lap *lap);
/* Free every column; the lap is empty again and can be reused. */
void tb_lap_release(struct tb_lap *lap);
/* Room for exactly n samples of the channels in chans, zeroed (every
 * sample absent until its mask says otherwise): the old samples are
 * freed, the metadata kept. lap must be initialised. TB_ERR_NOMEM leaves
 * it without samples. The caller bounds n. */
enum tb_status tb_lap_alloc(struct tb_lap *lap, size_t n,
			    tb_chmask chans) TB_WUR;
/* Largest known, finite value of channel ch in lap; NAN if none. */
double tb_lap_max(const struct tb_lap *lap, enum tb_channel ch);
/* Drop the samples but keep metadata and capacity. */
void tb_lap_clear_samples(struct tb_lap *lap);
/* Append one frame (copied). TB_ERR_LIMIT past TB_LAP_MAX_SAMPLES. */
enum tb_status tb_lap_push(struct tb_lap *lap,
			   const struct tb_frame *f) TB_WUR;
/* Keep the first n samples only (n <= lap->n). */
void tb_lap_truncate(struct tb_lap *lap, size_t n);
/* Read sample i back as a frame. */
void tb_lap_frame(const struct tb_lap *lap, size_t i, struct tb_frame *out);
/* Deep copy src into dst (dst initialised; its old contents released). */
enum tb_status tb_lap_copy(struct tb_lap *dst,
			   const struct tb_lap *src) TB_WUR;
/* Move src's contents into dst (released first); src becomes empty. */
void tb_lap_move(struct tb_lap *dst, struct tb_lap *src);
/* True if both laps hold the same metadata and bit-identical samples. */
bool tb_lap_equal(const struct tb_lap *a, const struct tb_lap *b);

/* ------------------------------------------------------------------ */
/* Bounds-checked little-endian byte cursor. A read past the end sets
 * `bad` and yields 0; check `bad` (or tb_cur_ok) once after a batch of
 * reads. Decoders check the datagram length first, so the cursor is the
 * second line of defence, not the first. */
struct tb_cur {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
};

static inline void tb_cur_init(struct tb_cur *c, const void *p, size_t len)
{
	c->p = (const uint8_t *)p;
	c->len = len;
	c->pos = 0;
	c->bad = false;
}

static inline bool tb_cur_ok(const struct tb_cur *c)
{
	return !c->bad;
}

static inline size_t tb_cur_left(const struct tb_cur *c)
{
	return c->len - c->pos;
}

/* Move to absolute offset; past the end marks bad. */
static inline void tb_cur_seek(struct tb_cur *c, size_t pos)
{
	if (pos > c->len) {
		c->bad = true;
		c->pos = c->len;
	} else {
		c->pos = pos;
	}
}

static inline const uint8_t *tb_cur__take(struct tb_cur *c, size_t n)
{
	if (c->bad || n > c->len - c->pos) {
		c->bad = true;
		return NULL;
	}
	const uint8_t *p = c->p + c->pos;
	c->pos += n;
	return p;
}

static inline uint8_t tb_rd_u8(struct tb_cur *c)
{
	const uint8_t *p = tb_cur__take(c, 1);
	return p ? p[0] : 0;
}

static inline int8_t tb_rd_i8(struct tb_cur *c)
{
	return (int8_t)tb_rd_u8(c);
}

static inline uint16_t tb_rd_u16le(struct tb_cur *c)
{
	const uint8_t *p = tb_cur__take(c, 2);
	return p ? (uint16_t)(p[0] | (p[1] << 8)) : 0;
}

static inline int16_t tb_rd_i16le(struct tb_cur *c)
{
	return (int16_t)tb_rd_u16le(c);
}

static inline uint32_t tb_rd_u32le(struct tb_cur *c)
{
	const uint8_t *p = tb_cur__take(c, 4);
	return p ? (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
			   ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24)
		 : 0;
}

static inline int32_t tb_rd_i32le(struct tb_cur *c)
{
	return (int32_t)tb_rd_u32le(c);
}

static inline uint64_t tb_rd_u64le(struct tb_cur *c)
{
	uint64_t lo = tb_rd_u32le(c);
	uint64_t hi = tb_rd_u32le(c);
	return lo | (hi << 32);
}

static inline float tb_rd_f32le(struct tb_cur *c)
{
	uint32_t u = tb_rd_u32le(c);
	float f;
	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline double tb_rd_f64le(struct tb_cur *c)
{
	uint64_t u = tb_rd_u64le(c);
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Copy n bytes out (zero-filled if the cursor runs out). */
static inline void tb_rd_bytes(struct tb_cur *c, void *dst, size_t n)
{
	const uint8_t *p = tb_cur__take(c, n);
	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

/* Fixed-offset readers for decoders that check the length up front:
 * read at p + off with no cursor state. Caller guarantees bounds. */
static inline uint16_t tb_ld_u16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t tb_ld_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	       ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t tb_ld_u64le(const uint8_t *p)
{
	return (uint64_t)tb_ld_u32le(p) | ((uint64_t)tb_ld_u32le(p + 4) << 32);
}
static inline float tb_ld_f32le(const uint8_t *p)
{
	uint32_t u = tb_ld_u32le(p);
	float f;
	memcpy(&f, &u, sizeof(f));
	return f;
}

/* Little-endian writers (encoders): store at p, caller checks bounds. */
static inline void tb_st_u16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void tb_st_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
static inline void tb_st_u64le(uint8_t *p, uint64_t v)
{
	tb_st_u32le(p, (uint32_t)v);
	tb_st_u32le(p + 4, (uint32_t)(v >> 32));
}
static inline void tb_st_f32le(uint8_t *p, float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof(u));
	tb_st_u32le(p, u);
}
static inline void tb_st_f64le(uint8_t *p, double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof(u));
	tb_st_u64le(p, u);
}

/* ------------------------------------------------------------------ */
/* Capped growable byte buffer. Growth past `max` fails with TB_ERR_LIMIT
 * and leaves the buffer unchanged. */
struct tb_buf {
	uint8_t *data;
	size_t len, cap, max;
};

/* Initialise empty with the given cap (no allocation). */
void tb_buf_init(struct tb_buf *b, size_t max);
void tb_buf_release(struct tb_buf *b);
/* Ensure room for `extra` more bytes. */
enum tb_status tb_buf_reserve(struct tb_buf *b, size_t extra) TB_WUR;
enum tb_status tb_buf_append(struct tb_buf *b, const void *p,
			     size_t n) TB_WUR;
enum tb_status tb_buf_append_u8(struct tb_buf *b, uint8_t v) TB_WUR;
enum tb_status tb_buf_append_u32le(struct tb_buf *b, uint32_t v) TB_WUR;
/* LEB128 unsigned varint. */
enum tb_status tb_buf_append_varint(struct tb_buf *b, uint64_t v) TB_WUR;
/* printf-append; the result always NUL-terminated (NUL not in len). */
enum tb_status tb_buf_printf(struct tb_buf *b, const char *fmt,
			     ...) TB_PRINTF(2, 3) TB_WUR;

/* Read a LEB128 varint from the cursor (bad on overflow / truncation). */
uint64_t tb_rd_varint(struct tb_cur *c);

/* ------------------------------------------------------------------ */
/* Bounded SPSC ring of fixed-size slots: one producer thread, one
 * consumer thread, lock-free. Capacity is a power of two. Push fails
 * with TB_ERR_FULL (the caller counts the drop), never blocks. */
struct tb_ring;

enum tb_status tb_ring_create(size_t slot_size, size_t n_slots,
			      struct tb_ring **out) TB_WUR;
void tb_ring_destroy(struct tb_ring *r);
/* Copy one slot in (producer only). */
enum tb_status tb_ring_push(struct tb_ring *r, const void *slot) TB_WUR;
/* Copy one slot out (consumer only); TB_ERR_EMPTY when none. */
enum tb_status tb_ring_pop(struct tb_ring *r, void *slot) TB_WUR;
/* Current fill (approximate when called concurrently). */
size_t tb_ring_count(const struct tb_ring *r);
size_t tb_ring_capacity(const struct tb_ring *r);

/* ------------------------------------------------------------------ */
/* Test hook for fault injection: when set (> 0), the Nth allocation made
 * through tb_malloc/tb_realloc from now fails. Process-wide by nature (a
 * test-only knob, not state); 0 disables. */
void tb_fault_fail_alloc_after(long n);
void *tb_malloc(size_t n);
void *tb_calloc(size_t n, size_t size);
void *tb_realloc(void *p, size_t n);
void tb_free(void *p);

/* Monotonic clock in nanoseconds, and wall clock in ms since the epoch. */
uint64_t tb_now_ns(void);
int64_t tb_wall_ms(void);

#endif /* TB_CORE_H */

/* lapblob.h - the store module's lap blob codec (internal): a lap's
 * samples (count, channel set, per-sample masks, columns) as one
 * versioned, columnar, zstd-compressed blob that decodes back
 * bit-for-bit. Each channel gets the smallest lossless encoding that
 * the encoder can prove exact: integers (optionally scaled by a
 * constant from a fixed table), float32 (optionally scaled), or
 * float64, delta-coded and byte-plane shuffled. Laps' metadata (car,
 * lap number, times, flags) is not part of the blob.
 *
 * Layout (all integers little-endian, varints LEB128):
 *   header, 28 bytes, uncompressed:
 *     0  "TBLB"  magic
 *     4  u8      codec version (LAPBLOB_VERSION)
 *     5  u8      flags, 0
 *     6  u16     reserved, 0
 *     8  u32     n, samples
 *    12  u64     chans, channel set
 *    20  u32     body bytes once decompressed
 *    24  u32     CRC-32 (IEEE) of the whole blob, this field as zeros;
 *                zstd skips some frame header bits, this does not
 *   then one zstd frame (level 3, content size and checksum) of the body:
 *     varint n, varint chans                 repeated, cross-checked
 *     u8 mask mode: 0 = every sample has one mask: varint mask
 *                   1 = runs: varint n_runs, n_runs x (varint mask,
 *                       varint run length)
 *     per channel in chans, ascending:
 *       u8 channel id, u8 encoding, u8 scale index, varint payload bytes,
 *       payload
 *   encoding: bits 0-1 method (LAPBLOB_INT, LAPBLOB_F32, LAPBLOB_F64),
 *   bit 2 dense (all n values; else only samples whose mask has the
 *   channel, the others being +0.0), bit 3 second-order delta.
 *   INT payload: one zigzag varint per value (delta of k); F32 and F64:
 *   zigzag deltas of order-preserving bit patterns, byte planes. */
#ifndef TB_STORE_LAPBLOB_H
#define TB_STORE_LAPBLOB_H

#include "../core/core.h"

#define LAPBLOB_VERSION	     1
#define LAPBLOB_HEADER_BYTES 28

/* How a channel's values are stored. Numbers are on disk. */
enum lapblob_method {
	LAPBLOB_INT = 0, /* v == scale((double)k), k a 53-bit integer */
	LAPBLOB_F32 = 1, /* v == scale((double)f), f a float32 */
	LAPBLOB_F64 = 2	 /* raw float64 bits */
};

/* Scale table: index on disk, so append only, never reorder. Index 0
 * is the identity. */
enum lapblob_scale {
	LAPBLOB_SC_NONE = 0,
	LAPBLOB_SC_DIV_3_6, /* km/h -> m/s: k / 3.6 */
	LAPBLOB_SC_DIV_10,
	LAPBLOB_SC_DIV_100,
	LAPBLOB_SC_DIV_1000,
	LAPBLOB_SC_DIV_1E4,
	LAPBLOB_SC_DIV_1E5,
	LAPBLOB_SC_DIV_1E6,
	LAPBLOB_SC_MUL_KPA_PSI, /* psi -> kPa: f * 6.894757293168361 */
	LAPBLOB_SC_MUL_0_1,
	LAPBLOB_SC_MUL_0_01,
	LAPBLOB_SC_MUL_0_001,
	LAPBLOB_SC_MUL_INV_3_6, /* k * (1 / 3.6) */
	LAPBLOB_SC_MUL_DEG_RAD, /* degrees -> rad: k * (pi / 180) */
	LAPBLOB_SC_DIV_60,
	LAPBLOB_SC__COUNT
};

/* What the encoder chose, per channel (for tests and the benchmark). */
struct lapblob_stats {
	uint8_t method[TB_CH__COUNT]; /* enum lapblob_method */
	uint8_t scale[TB_CH__COUNT];  /* enum lapblob_scale */
	bool dense[TB_CH__COUNT];
	uint8_t order[TB_CH__COUNT]; /* delta order, 1 or 2 */
	size_t body_bytes;	     /* before zstd */
	size_t blob_bytes;	     /* header + zstd frame */
};

/* Encode lap's samples into out: out must be initialised (tb_buf_init);
 * its contents are replaced (capacity reused) and out->max is raised to
 * TB_BLOB_MAX_BYTES if lower. lap is borrowed. stats may be NULL. On
 * failure out->len is 0. Errors: TB_ERR_NOMEM, TB_ERR_LIMIT (blob over
 * TB_BLOB_MAX_BYTES), TB_ERR_ARG (a lap breaking its own invariants,
 * such as a mask bit outside chans), TB_ERR_INTERNAL (compressor). */
enum tb_status lapblob_encode(const struct tb_lap *lap, struct tb_buf *out,
			      struct lapblob_stats *stats,
			      struct tb_error *err) TB_WUR;

/* Decode blob (borrowed) into out, which must be initialised: its
 * samples (n, chans, masks, columns) are replaced, its metadata kept.
 * On failure out is unchanged. Never trusts the input: anything
 * inconsistent (magic, codec version, lengths, varints, sample count
 * over TB_LAP_MAX_SAMPLES, body over TB_BLOB_MAX_BYTES, zstd errors and
 * checksum) is TB_ERR_CORRUPT with a message saying what and where.
 * TB_ERR_NOMEM on allocation failure. */
enum tb_status lapblob_decode(const void *blob, size_t len, struct tb_lap *out,
			      struct tb_error *err) TB_WUR;

/* Read and validate just the header: sample count and channel set. */
enum tb_status lapblob_peek(const void *blob, size_t len, size_t *n,
			    tb_chmask *chans, struct tb_error *err) TB_WUR;

#endif /* TB_STORE_LAPBLOB_H */

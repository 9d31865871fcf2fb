/* salsa20.h - the Salsa20/20 stream cipher, written from D. J. Bernstein's
 * "Salsa20 specification" (cr.yp.to/snuffle/spec.pdf): the spec's
 * building blocks (quarterround, rowround, columnround, doubleround, the
 * Salsa20 hash) for tests against the spec's own examples, and a fast
 * keystream XOR over 64-byte blocks for decrypting telemetry (GT7). Not
 * constant-time; no key material is secret here. */
#ifndef TB_INGEST_SALSA20_H
#define TB_INGEST_SALSA20_H

#include <stddef.h>
#include <stdint.h>

#define SALSA20_KEY_SIZE   32u
#define SALSA20_NONCE_SIZE 8u
#define SALSA20_BLOCK_SIZE 64u

/* The spec's functions, in place on words (section 3-6). */
void salsa20_quarterround(uint32_t y[4]);
void salsa20_rowround(uint32_t y[16]);
void salsa20_columnround(uint32_t x[16]);
void salsa20_doubleround(uint32_t x[16]);

/* Salsa20(x) of the spec (section 8, the "hash" / core): 64 bytes in, 64
 * out; in and out may be the same buffer. */
void salsa20_hash(const uint8_t in[64], uint8_t out[64]);

/* A 256-bit key, expanded to words once. Plain value, no resources. */
struct salsa20_key {
	uint32_t k[8];
};

/* Load a 32-byte key (the spec's 32-byte expansion, sigma constants). */
void salsa20_key_init(struct salsa20_key *key, const uint8_t k[32]);

/* Keystream block `counter` (the spec's Salsa20_k(n, counter)) into out. */
void salsa20_block(const struct salsa20_key *key, const uint8_t nonce[8],
		   uint64_t counter, uint8_t out[64]);

/* out = in XOR the keystream for nonce, starting at block `counter`
 * (byte offset 64 * counter). Encryption and decryption are the same
 * operation. in and out may be the same buffer (in place); otherwise
 * they must not overlap. len 0 is allowed. */
void salsa20_xor(const struct salsa20_key *key, const uint8_t nonce[8],
		 uint64_t counter, const uint8_t *in, uint8_t *out, size_t len);

#endif /* TB_INGEST_SALSA20_H */

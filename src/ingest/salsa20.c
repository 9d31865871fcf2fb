/* salsa20.c - Salsa20/20 from the specification (D. J. Bernstein,
 * "Salsa20 specification", cr.yp.to/snuffle/spec.pdf). The spec's
 * functions are kept word for word for the tests; the keystream uses one
 * unrolled core over sixteen locals, the same doubleround written out, so
 * a 296-byte GT7 packet (five blocks) decrypts in about a microsecond. */
#include "salsa20.h"

#include "../core/core.h"

#define ROTL(v, c) (((v) << (c)) | ((v) >> (32 - (c))))

/* ------------------------------------------------------------------ */
/* The specification's functions (sections 3 to 6). */

void salsa20_quarterround(uint32_t y[4])
{
	/* z1 = y1 ^ ((y0 + y3) <<< 7), z2 = y2 ^ ((z1 + y0) <<< 9),
	 * z3 = y3 ^ ((z2 + z1) <<< 13), z0 = y0 ^ ((z3 + z2) <<< 18). */
	y[1] ^= ROTL(y[0] + y[3], 7);
	y[2] ^= ROTL(y[1] + y[0], 9);
	y[3] ^= ROTL(y[2] + y[1], 13);
	y[0] ^= ROTL(y[3] + y[2], 18);
}

/* quarterround on (v[a], v[b], v[c], v[d]) written back in place. */
static void qr_at(uint32_t v[16], int a, int b, int c, int d)
{
	uint32_t y[4] = {v[a], v[b], v[c], v[d]};
	salsa20_quarterround(y);
	v[a] = y[0];
	v[b] = y[1];
	v[c] = y[2];
	v[d] = y[3];
}

void salsa20_rowround(uint32_t y[16])
{
	qr_at(y, 0, 1, 2, 3);
	qr_at(y, 5, 6, 7, 4);
	qr_at(y, 10, 11, 8, 9);
	qr_at(y, 15, 12, 13, 14);
}

void salsa20_columnround(uint32_t x[16])
{
	qr_at(x, 0, 4, 8, 12);
	qr_at(x, 5, 9, 13, 1);
	qr_at(x, 10, 14, 2, 6);
	qr_at(x, 15, 3, 7, 11);
}

void salsa20_doubleround(uint32_t x[16])
{
	salsa20_columnround(x);
	salsa20_rowround(x);
}

/* ------------------------------------------------------------------ */
/* The fast core: Salsa20(x) = x + doubleround^10(x) on words. */

static void core(const uint32_t in[16], uint32_t out[16])
{
	uint32_t x0 = in[0], x1 = in[1], x2 = in[2], x3 = in[3];
	uint32_t x4 = in[4], x5 = in[5], x6 = in[6], x7 = in[7];
	uint32_t x8 = in[8], x9 = in[9], x10 = in[10], x11 = in[11];
	uint32_t x12 = in[12], x13 = in[13], x14 = in[14], x15 = in[15];
	for (int i = 0; i < 10; i++) {
		/* columnround */
		x4 ^= ROTL(x0 + x12, 7);
		x8 ^= ROTL(x4 + x0, 9);
		x12 ^= ROTL(x8 + x4, 13);
		x0 ^= ROTL(x12 + x8, 18);
		x9 ^= ROTL(x5 + x1, 7);
		x13 ^= ROTL(x9 + x5, 9);
		x1 ^= ROTL(x13 + x9, 13);
		x5 ^= ROTL(x1 + x13, 18);
		x14 ^= ROTL(x10 + x6, 7);
		x2 ^= ROTL(x14 + x10, 9);
		x6 ^= ROTL(x2 + x14, 13);
		x10 ^= ROTL(x6 + x2, 18);
		x3 ^= ROTL(x15 + x11, 7);
		x7 ^= ROTL(x3 + x15, 9);
		x11 ^= ROTL(x7 + x3, 13);
		x15 ^= ROTL(x11 + x7, 18);
		/* rowround */
		x1 ^= ROTL(x0 + x3, 7);
		x2 ^= ROTL(x1 + x0, 9);
		x3 ^= ROTL(x2 + x1, 13);
		x0 ^= ROTL(x3 + x2, 18);
		x6 ^= ROTL(x5 + x4, 7);
		x7 ^= ROTL(x6 + x5, 9);
		x4 ^= ROTL(x7 + x6, 13);
		x5 ^= ROTL(x4 + x7, 18);
		x11 ^= ROTL(x10 + x9, 7);
		x8 ^= ROTL(x11 + x10, 9);
		x9 ^= ROTL(x8 + x11, 13);
		x10 ^= ROTL(x9 + x8, 18);
		x12 ^= ROTL(x15 + x14, 7);
		x13 ^= ROTL(x12 + x15, 9);
		x14 ^= ROTL(x13 + x12, 13);
		x15 ^= ROTL(x14 + x13, 18);
	}
	out[0] = x0 + in[0];
	out[1] = x1 + in[1];
	out[2] = x2 + in[2];
	out[3] = x3 + in[3];
	out[4] = x4 + in[4];
	out[5] = x5 + in[5];
	out[6] = x6 + in[6];
	out[7] = x7 + in[7];
	out[8] = x8 + in[8];
	out[9] = x9 + in[9];
	out[10] = x10 + in[10];
	out[11] = x11 + in[11];
	out[12] = x12 + in[12];
	out[13] = x13 + in[13];
	out[14] = x14 + in[14];
	out[15] = x15 + in[15];
}

void salsa20_hash(const uint8_t in[64], uint8_t out[64])
{
	uint32_t x[16], z[16];
	for (int i = 0; i < 16; i++)
		x[i] = tb_ld_u32le(in + 4 * i);
	core(x, z);
	for (int i = 0; i < 16; i++)
		tb_st_u32le(out + 4 * i, z[i]);
}

/* ------------------------------------------------------------------ */
/* Expansion and the keystream (sections 9 and 10). */

/* sigma = "expand 32-byte k" as four little-endian words. */
static const uint32_t sigma[4] = {0x61707865, 0x3320646e, 0x79622d32,
				  0x6b206574};

void salsa20_key_init(struct salsa20_key *key, const uint8_t k[32])
{
	for (int i = 0; i < 8; i++)
		key->k[i] = tb_ld_u32le(k + 4 * i);
}

/* The 16 input words of Salsa20_k(n): sigma0, k0..3, sigma1, nonce,
 * counter (low, high), sigma2, k4..7, sigma3. */
static void input_words(const struct salsa20_key *key, const uint8_t n[8],
			uint64_t counter, uint32_t x[16])
{
	x[0] = sigma[0];
	x[1] = key->k[0];
	x[2] = key->k[1];
	x[3] = key->k[2];
	x[4] = key->k[3];
	x[5] = sigma[1];
	x[6] = tb_ld_u32le(n);
	x[7] = tb_ld_u32le(n + 4);
	x[8] = (uint32_t)counter;
	x[9] = (uint32_t)(counter >> 32);
	x[10] = sigma[2];
	x[11] = key->k[4];
	x[12] = key->k[5];
	x[13] = key->k[6];
	x[14] = key->k[7];
	x[15] = sigma[3];
}

void salsa20_block(const struct salsa20_key *key, const uint8_t nonce[8],
		   uint64_t counter, uint8_t out[64])
{
	uint32_t x[16], z[16];
	input_words(key, nonce, counter, x);
	core(x, z);
	for (int i = 0; i < 16; i++)
		tb_st_u32le(out + 4 * i, z[i]);
}

void salsa20_xor(const struct salsa20_key *key, const uint8_t nonce[8],
		 uint64_t counter, const uint8_t *in, uint8_t *out, size_t len)
{
	uint32_t x[16], z[16];
	input_words(key, nonce, counter, x);
	while (len >= SALSA20_BLOCK_SIZE) {
		core(x, z);
		for (int i = 0; i < 16; i++)
			tb_st_u32le(out + 4 * i,
				    tb_ld_u32le(in + 4 * i) ^ z[i]);
		/* The 64-bit block counter is words 8 (low) and 9 (high). */
		if (++x[8] == 0)
			x[9]++;
		in += SALSA20_BLOCK_SIZE;
		out += SALSA20_BLOCK_SIZE;
		len -= SALSA20_BLOCK_SIZE;
	}
	if (len == 0)
		return;
	uint8_t ks[SALSA20_BLOCK_SIZE];
	core(x, z);
	for (int i = 0; i < 16; i++)
		tb_st_u32le(ks + 4 * i, z[i]);
	for (size_t i = 0; i < len; i++)
		out[i] = in[i] ^ ks[i];
}

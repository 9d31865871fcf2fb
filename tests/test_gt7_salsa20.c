/* test_gt7_salsa20.c - Salsa20/20 against the specification's own examples
 * (D. J. Bernstein, "Salsa20 specification": quarterround, rowround,
 * columnround, doubleround, the Salsa20 hash and the 32-byte expansion)
 * and the eSTREAM/ECRYPT 256-bit key vectors (Set 1 vectors 0 and 9,
 * Set 6 vector 0, including the 512-byte XOR digest), plus the stream
 * cipher's properties: XOR of any message, in place, any split. */
#include "tb_test.h"

#include "core/core.h"
#include "ingest/salsa20.h"

static void words_equal(const uint32_t *got, const uint32_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("word %zu: 0x%08x, want 0x%08x", i, got[i],
				 want[i]);
}

/* Hex string (spaces allowed) to bytes; returns the count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* The specification's examples */

static void test_quarterround(void **state)
{
	(void)state;
	static const uint32_t cases[][2][4] = {
	    {{0, 0, 0, 0}, {0, 0, 0, 0}},
	    {{1, 0, 0, 0}, {0x08008145, 0x00000080, 0x00010200, 0x20500000}},
	    {{0, 1, 0, 0}, {0x88000100, 0x00000001, 0x00000200, 0x00402000}},
	    {{0, 0, 1, 0}, {0x80040000, 0x00000000, 0x00000001, 0x00002000}},
	    {{0, 0, 0, 1}, {0x00048044, 0x00000080, 0x00010000, 0x20100001}},
	    {{0xe7e8c006, 0xc4f9417d, 0x6479b4b2, 0x68c67137},
	     {0xe876d72b, 0x9361dfd5, 0xf1460244, 0x948541a3}},
	    {{0xd3917c5b, 0x55f1c407, 0x52a58a7a, 0x8f887a3b},
	     {0x3e2f308c, 0xd90a8f36, 0x6ab2a923, 0x2883524c}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t y[4];
		memcpy(y, cases[i][0], sizeof(y));
		salsa20_quarterround(y);
		words_equal(y, cases[i][1], 4);
	}
}

static const uint32_t ones_in[16] = {1, 0, 0, 0, 1, 0, 0, 0,
				     1, 0, 0, 0, 1, 0, 0, 0};
static const uint32_t mixed_in[16] = {
    0x08521bd6, 0x1fe88837, 0xbb2aa576, 0x3aa26365, 0xc54c6a5b, 0x2fc74c2f,
    0x6dd39cc3, 0xda0a64f6, 0x90a2f23d, 0x067f95a6, 0x06b35f61, 0x41e4732e,
    0xe859c100, 0xea4d84b7, 0x0f619bff, 0xbc6e965a};

static void test_rowround(void **state)
{
	(void)state;
	static const uint32_t want1[16] = {
	    0x08008145, 0x00000080, 0x00010200, 0x20500000,
	    0x20100001, 0x00048044, 0x00000080, 0x00010000,
	    0x00000001, 0x00002000, 0x80040000, 0x00000000,
	    0x00000001, 0x00000200, 0x00402000, 0x88000100};
	static const uint32_t want2[16] = {
	    0xa890d39d, 0x65d71596, 0xe9487daa, 0xc8ca6a86,
	    0x949d2192, 0x764b7754, 0xe408d9b9, 0x7a41b4d1,
	    0x3402e183, 0x3c3af432, 0x50669f96, 0xd89ef0a8,
	    0x0040ede5, 0xb545fbce, 0xd257ed4f, 0x1818882d};
	uint32_t y[16];
	memcpy(y, ones_in, sizeof(y));
	salsa20_rowround(y);
	words_equal(y, want1, 16);
	memcpy(y, mixed_in, sizeof(y));
	salsa20_rowround(y);
	words_equal(y, want2, 16);
}

static void test_columnround(void **state)
{
	(void)state;
	static const uint32_t want1[16] = {
	    0x10090288, 0x00000000, 0x00000000, 0x00000000,
	    0x00000101, 0x00000000, 0x00000000, 0x00000000,
	    0x00020401, 0x00000000, 0x00000000, 0x00000000,
	    0x40a04001, 0x00000000, 0x00000000, 0x00000000};
	static const uint32_t want2[16] = {
	    0x8c9d190a, 0xce8e4c90, 0x1ef8e9d3, 0x1326a71a,
	    0x90a20123, 0xead3c4f3, 0x63a091a0, 0xf0708d69,
	    0x789b010c, 0xd195a681, 0xeb7d5504, 0xa774135c,
	    0x481c2027, 0x53a8e4b5, 0x4c1f89c5, 0x3f78c9c8};
	uint32_t x[16];
	memcpy(x, ones_in, sizeof(x));
	salsa20_columnround(x);
	words_equal(x, want1, 16);
	memcpy(x, mixed_in, sizeof(x));
	salsa20_columnround(x);
	words_equal(x, want2, 16);
}

static void test_doubleround(void **state)
{
	(void)state;
	static const uint32_t in1[16] = {1};
	static const uint32_t want1[16] = {
	    0x8186a22d, 0x0040a284, 0x82479210, 0x06929051,
	    0x08000090, 0x02402200, 0x00004000, 0x00800000,
	    0x00010200, 0x20400000, 0x08008104, 0x00000000,
	    0x20500000, 0xa0000040, 0x0008180a, 0x612a8020};
	static const uint32_t in2[16] = {
	    0xde501066, 0x6f9eb8f7, 0xe4fbbd9b, 0x454e3f57,
	    0xb75540d3, 0x43e93a4c, 0x3a6f2aa0, 0x726d6b36,
	    0x9243f484, 0x9145d1e8, 0x4fa9d247, 0xdc8dee11,
	    0x054bf545, 0x254dd653, 0xd9421b6d, 0x67b276c1};
	static const uint32_t want2[16] = {
	    0xccaaf672, 0x23d960f7, 0x9153e63a, 0xcd9a60d0,
	    0x50440492, 0xf07cad19, 0xae344aa0, 0xdf4cfdfc,
	    0xca531c29, 0x8e7943db, 0xac1680cd, 0xd503ca00,
	    0xa74b2ad6, 0xbc331c5c, 0x1dda24c7, 0xee928277};
	uint32_t x[16];
	memcpy(x, in1, sizeof(x));
	salsa20_doubleround(x);
	words_equal(x, want1, 16);
	memcpy(x, in2, sizeof(x));
	salsa20_doubleround(x);
	words_equal(x, want2, 16);
}

static void test_hash(void **state)
{
	(void)state;
	static const uint8_t cases[3][2][64] = {
	    {{0}, {0}},
	    {{211, 159, 13,  115, 76,  55,  82,	 183, 3,   117, 222, 37,  191,
	      187, 234, 136, 49,  237, 179, 48,	 1,   106, 178, 219, 175, 199,
	      166, 48,	86,  16,  179, 207, 31,	 240, 32,  63,	15,  83,  93,
	      161, 116, 147, 48,  113, 238, 55,	 204, 36,  79,	201, 235, 79,
	      3,   81,	156, 47,  203, 26,  244, 243, 88,  118, 104, 54},
	     {109, 42,	178, 168, 156, 240, 248, 238, 168, 196, 190, 203, 26,
	      110, 170, 154, 29,  29,  150, 26,	 150, 30,  235, 249, 190, 163,
	      251, 48,	69,  144, 51,  57,  118, 40,  152, 157, 180, 57,  27,
	      94,  107, 42,  236, 35,  27,  111, 114, 114, 219, 236, 232, 135,
	      111, 155, 110, 18,  24,  232, 95,	 158, 179, 19,	48,  202}},
	    {{88, 118, 104, 54,	 79,  201, 235, 79,  3,	  81,  156, 47,	 203,
	      26, 244, 243, 191, 187, 234, 136, 211, 159, 13,  115, 76,	 55,
	      82, 183, 3,   117, 222, 37,  86,	16,  179, 207, 49,  237, 179,
	      48, 1,   106, 178, 219, 175, 199, 166, 48,  238, 55,  204, 36,
	      31, 240, 32,  63,	 15,  83,  93,	161, 116, 147, 48,  113},
	     {179, 19,	48,  202, 219, 236, 232, 135, 111, 155, 110, 18,  24,
	      232, 95,	158, 26,  110, 170, 154, 109, 42,  178, 168, 156, 240,
	      248, 238, 168, 196, 190, 203, 69,	 144, 51,  57,	29,  29,  150,
	      26,  150, 30,  235, 249, 190, 163, 251, 48,  27,	111, 114, 114,
	      118, 40,	152, 157, 180, 57,  27,	 94,  107, 42,	236, 35}},
	};
	for (size_t i = 0; i < 3; i++) {
		uint8_t out[64];
		salsa20_hash(cases[i][0], out);
		assert_memory_equal(out, cases[i][1], 64);
		memcpy(out, cases[i][0], 64); /* in place */
		salsa20_hash(out, out);
		assert_memory_equal(out, cases[i][1], 64);
	}
}

/* The spec's expansion example: k = (1..16, 201..216), n = 101..116:
 * nonce 101..108, block counter the LE u64 of 109..116. */
static void test_expansion(void **state)
{
	(void)state;
	static const uint8_t want[64] = {
	    69,	 37,  68,  39,	41,  15,  107, 193, 255, 139, 122, 6,	170,
	    233, 217, 98,  89,	144, 182, 106, 21,  51,	 200, 65,  239, 49,
	    222, 34,  215, 114, 40,  126, 104, 197, 7,	 225, 197, 153, 31,
	    2,	 102, 78,  76,	176, 84,  245, 246, 184, 177, 160, 133, 130,
	    6,	 72,  149, 119, 192, 195, 132, 236, 234, 103, 246, 74};
	uint8_t k[32], n[16], out[64];
	for (int i = 0; i < 16; i++) {
		k[i] = (uint8_t)(1 + i);
		k[16 + i] = (uint8_t)(201 + i);
		n[i] = (uint8_t)(101 + i);
	}
	struct salsa20_key key;
	salsa20_key_init(&key, k);
	salsa20_block(&key, n, tb_ld_u64le(n + 8), out);
	assert_memory_equal(out, want, 64);
}

/* ------------------------------------------------------------------ */
/* eSTREAM / ECRYPT verified test vectors, 256-bit keys */

struct segment {
	size_t offset;
	const char *hex; /* 64 bytes */
};

static void check_stream(const char *key_hex, const char *iv_hex,
			 const struct segment *segs, size_t n_segs,
			 const char *digest_hex)
{
	uint8_t k[32], iv[8];
	assert_int_equal(unhex(key_hex, k, sizeof(k)), 32);
	assert_int_equal(unhex(iv_hex, iv, sizeof(iv)), 8);
	struct salsa20_key key;
	salsa20_key_init(&key, k);
	static uint8_t zero[65600], ks[65600];
	memset(zero, 0, sizeof(zero));
	salsa20_xor(&key, iv, 0, zero, ks, sizeof(ks));
	for (size_t i = 0; i < n_segs; i++) {
		uint8_t want[64];
		assert_int_equal(unhex(segs[i].hex, want, 64), 64);
		assert_true(segs[i].offset + 64 <= sizeof(ks));
		assert_memory_equal(ks + segs[i].offset, want, 64);
		/* The same block on its own, by counter. */
		uint8_t blk[64];
		salsa20_block(&key, iv, segs[i].offset / 64, blk);
		assert_memory_equal(blk, want, 64);
	}
	if (digest_hex) {
		/* eSTREAM's xor-digest: the 512-byte stream folded by XOR
		 * into 64 bytes. */
		uint8_t want[64], d[64] = {0};
		assert_int_equal(unhex(digest_hex, want, 64), 64);
		for (size_t i = 0; i < 512; i++)
			d[i % 64] ^= ks[i];
		assert_memory_equal(d, want, 64);
	}
}

static void test_estream_set1_v0(void **state)
{
	(void)state;
	static const struct segment s[] = {
	    {0, "E3BE8FDD8BECA2E3EA8EF9475B29A6E7"
		"003951E1097A5C38D23B7A5FAD9F6844"
		"B22C97559E2723C7CBBD3FE4FC8D9A07"
		"44652A83E72A9C461876AF4D7EF1A117"},
	    {192, "57BE81F47B17D9AE7C4FF15429A73E10"
		  "ACF250ED3A90A93C711308A74C6216A9"
		  "ED84CD126DA7F28E8ABF8BB63517E1CA"
		  "98E712F4FB2E1A6AED9FDC73291FAA17"},
	    {256, "958211C4BA2EBD5838C635EDB81F513A"
		  "91A294E194F1C039AEEC657DCE40AA7E"
		  "7C0AF57CACEFA40C9F14B71A4B3456A6"
		  "3E162EC7D8D10B8FFB1810D71001B618"},
	    {448, "696AFCFD0CDDCC83C7E77F11A649D79A"
		  "CDC3354E9635FF137E929933A0BD6F53"
		  "77EFA105A3A4266B7C0D089D08F1E855"
		  "CC32B15B93784A36E56A76CC64BC8477"},
	};
	check_stream("80000000000000000000000000000000"
		     "00000000000000000000000000000000",
		     "0000000000000000", s, 4,
		     "50EC2485637DB19C6E795E9C73938280"
		     "6F6DB320FE3D0444D56707D7B456457F"
		     "3DB3E8D7065AF375A225A70951C8AB74"
		     "4EC4D595E85225F08E2BC03FE1C42567");
}

static void test_estream_set1_v9(void **state)
{
	(void)state;
	static const struct segment s[] = {
	    {0, "01F191C3A1F2CC6EBED78095A05E062E"
		"1228154AF6BAE80A0E1A61DF2AE15FBC"
		"C37286440F66780761413F23B0C2C9E4"
		"678C628C5E7FB48C6EC1D82D47117D9F"},
	    {192, "86D6F824D58012A14A19858CFE137D76"
		  "8E77597B96A4285D6B65D88A7F1A8778"
		  "4BF1A3E44FC9D3525DDC784F5D99BA22"
		  "2712420181CABAB00C4B91AAEDFF521C"},
	};
	check_stream("00400000000000000000000000000000"
		     "00000000000000000000000000000000",
		     "0000000000000000", s, 2, NULL);
}

static void test_estream_set6_v0(void **state)
{
	(void)state;
	static const struct segment s[] = {
	    {0, "F5FAD53F79F9DF58C4AEA0D0ED9A9601"
		"F278112CA7180D565B420A48019670EA"
		"F24CE493A86263F677B46ACE1924773D"
		"2BB25571E1AA8593758FC382B1280B71"},
	    {65472, "B70C50139C63332EF6E77AC54338A407"
		    "9B82BEC9F9A403DFEA821B83F7860791"
		    "650EF1B2489D0590B1DE772EEDA4E3BC"
		    "D60FA7CE9CD623D9D2FD5758B8653E70"},
	    {65536, "81582C65D7562B80AEC2F1A673A9D01C"
		    "9F892A23D4919F6AB47B9154E08E699B"
		    "4117D7C666477B60F8391481682F5D95"
		    "D96623DBC489D88DAA6956B9F0646B6E"},
	};
	check_stream("0053A6F94C9FF24598EB3E91E4378ADD"
		     "3083D6297CCF2275C81B6EC11467BA0D",
		     "0D74DB42A91077DE", s, 3, NULL);
}

/* Encryption of a real message: c = m XOR keystream, decrypting gives m
 * back, in place or not, whole or split at any block boundary (a partial
 * tail included); the 32-bit block counter carries into word 9. */
static void test_encrypt_message(void **state)
{
	(void)state;
	uint8_t k[32], iv[8], m[300], c[300], c2[300], ks[300], zero[300];
	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(i * 7 + 1);
	for (int i = 0; i < 8; i++)
		iv[i] = (uint8_t)(0xA0 + i);
	for (size_t i = 0; i < sizeof(m); i++)
		m[i] = (uint8_t)(i * 13 + 5);
	memset(zero, 0, sizeof(zero));
	struct salsa20_key key;
	salsa20_key_init(&key, k);
	salsa20_xor(&key, iv, 0, zero, ks, sizeof(ks));
	salsa20_xor(&key, iv, 0, m, c, sizeof(m));
	for (size_t i = 0; i < sizeof(m); i++)
		assert_int_equal(c[i], m[i] ^ ks[i]);
	memcpy(c2, m, sizeof(m));
	salsa20_xor(&key, iv, 0, c2, c2, sizeof(c2));
	assert_memory_equal(c2, c, sizeof(c));
	salsa20_xor(&key, iv, 0, c2, c2, sizeof(c2));
	assert_memory_equal(c2, m, sizeof(m));
	for (size_t cut = 0; cut <= sizeof(m); cut += 64) {
		salsa20_xor(&key, iv, 0, m, c2, cut);
		salsa20_xor(&key, iv, cut / 64, m + cut, c2 + cut,
			    sizeof(m) - cut);
		assert_memory_equal(c2, c, sizeof(c));
	}
	/* Across the low counter word's wrap: block 2^32 follows 2^32-1. */
	uint8_t two[128], b0[64], b1[64];
	memset(two, 0, sizeof(two));
	salsa20_xor(&key, iv, 0xFFFFFFFFull, two, two, sizeof(two));
	salsa20_block(&key, iv, 0xFFFFFFFFull, b0);
	salsa20_block(&key, iv, 0x100000000ull, b1);
	assert_memory_equal(two, b0, 64);
	assert_memory_equal(two + 64, b1, 64);
	assert_memory_not_equal(b0, b1, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quarterround),
	    cmocka_unit_test(test_rowround),
	    cmocka_unit_test(test_columnround),
	    cmocka_unit_test(test_doubleround),
	    cmocka_unit_test(test_hash),
	    cmocka_unit_test(test_expansion),
	    cmocka_unit_test(test_estream_set1_v0),
	    cmocka_unit_test(test_estream_set1_v9),
	    cmocka_unit_test(test_estream_set6_v0),
	    cmocka_unit_test(test_encrypt_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_jbuild.c - jbuild_parse, the live-timing line parser: for every
 * case it must agree with json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL)
 * (verdict, types, values), and the decoded values are checked directly:
 * escapes, surrogate pairs, NUL, UTF-8, integer range, reals, depth. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "formats/jscan.h"

/* Parse doc[0..n) both ways; assert the same verdict and an equal tree
 * (same types: json_equal alone lets nothing else differ either, as an
 * integer never equals a real). Returns jbuild's tree or NULL. */
static json_t *both(const char *doc, size_t n)
{
	json_error_t je;
	json_t *ref = json_loadb(doc, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	json_t *got = jbuild_parse(doc, n);
	if (!ref != !got)
		fail_msg("\"%.*s\" (%zu bytes): json_loadb %s, jbuild %s",
			 (int)n, doc, n, ref ? "accepts" : je.text,
			 got ? "accepts" : "rejects");
	if (ref && !json_equal(ref, got)) {
		char *a = json_dumps(ref, JSON_ENCODE_ANY);
		char *b = json_dumps(got, JSON_ENCODE_ANY);
		fail_msg("\"%.*s\": json_loadb %s, jbuild %s", (int)n, doc, a,
			 b);
	}
	json_decref(ref);
	return got;
}

static json_t *both_s(const char *doc)
{
	return both(doc, strlen(doc));
}

static void expect_str(const char *doc, const char *want, size_t wn)
{
	json_t *v = both_s(doc);
	assert_non_null(v);
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), wn);
	assert_memory_equal(json_string_value(v), want, wn);
	json_decref(v);
}

static void expect_bad(const char *doc, size_t n)
{
	json_t *v = both(doc, n);
	if (v)
		fail_msg("\"%.*s\" accepted", (int)n, doc);
}

static void test_escapes(void **state)
{
	(void)state;
	expect_str("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
	expect_str("\"\\u00e9\\u20AC\"", "\xc3\xa9\xe2\x82\xac", 5);
	/* a surrogate pair is one code point, 4 bytes of UTF-8 */
	expect_str("\"a\\ud83d\\ude00b\"",
		   "a\xf0\x9f\x98\x80"
		   "b",
		   6);
	expect_str("\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4);
	/* raw UTF-8 passes through */
	expect_str("\"\xc3\xa9\xf0\x9f\x98\x80\"", "\xc3\xa9\xf0\x9f\x98\x80",
		   6);
	/* a long escaped string (decoded off the stack) */
	char big[1300];
	size_t o = 0;
	big[o++] = '"';
	for (int i = 0; i < 200; i++) {
		memcpy(big + o, "\\u00e9", 6);
		o += 6;
	}
	big[o++] = '"';
	json_t *v = both(big, o);
	assert_non_null(v);
	assert_int_equal(json_string_length(v), 400);
	json_decref(v);

	static const char *const bad[] = {
	    "\"\\ud83d\"",	    /* a lone high surrogate */
	    "\"\\ud83d\\u0041\"",   /* high, then no low one */
	    "\"\\ude00\"",	    /* a low surrogate first */
	    "\"\\u12\"",	    /* short */
	    "\"\\u12g4\"",	    /* not hex */
	    "\"\\x\"",		    /* unknown escape */
	    "\"\\\"",		    /* escape eats the quote */
	    "\"a\tb\"",		    /* raw control character */
	    "\"\xc0\x80\"",	    /* overlong */
	    "\"\xe0\x80\xaf\"",	    /* overlong */
	    "\"\xed\xa0\x80\"",	    /* UTF-8 surrogate */
	    "\"\xf4\x90\x80\x80\"", /* over U+10FFFF */
	    "\"\xe2\x82\"",	    /* cut short */
	    "\"\xff\"",
	    "\"abc",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i], strlen(bad[i]));
}

static void test_nul(void **state)
{
	(void)state;
	/* JSON_ALLOW_NUL: \u0000 in a string value */
	expect_str("\"a\\u0000b\"", "a\0b", 3);
	/* but never in a key, nor raw */
	expect_bad("{\"a\\u0000\":1}", 13);
	expect_bad("\"a\0b\"", 5);
	/* jansson loses one NUL byte right after a number or literal (its
	 * lookahead is put back into a buffer where NUL means empty) */
	json_t *v = both("1\0", 2);
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), 1);
	json_decref(v);
	v = both("[true\0,2.5\0]", 12);
	assert_int_equal(json_array_size(v), 2);
	json_decref(v);
	expect_bad("1\0\0", 3);
	expect_bad("\"a\"\0", 4);
	expect_bad("[1] \0", 5);
	expect_bad("\0", 1);
}

static void test_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *doc;
		json_int_t want;
	} ints[] = {
	    {"0", 0},
	    {"-0", 0},
	    {"42", 42},
	    {"9223372036854775807", INT64_MAX},
	    {"-9223372036854775808", INT64_MIN},
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		json_t *v = both_s(ints[i].doc);
		assert_true(json_is_integer(v));
		assert_int_equal(json_integer_value(v), ints[i].want);
		json_decref(v);
	}
	static const char *const reals[] = {
	    "1.5",
	    "1e2",
	    "1E+2",
	    "-12.25E-2",
	    "0.1",
	    "-0.0",
	    "1e-400",
	    "123456789.123456789",
	    "1e22",
	    "1e23",
	    "9007199254740993.0",
	    "2.2250738585072011e-308",
	    "1.7976931348623157e308",
	    "0.000000000000000000000000001",
	    "3.14159265358979323846264338327950288419716939937510582097494"};
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		json_t *v = both_s(reals[i]);
		assert_true(json_is_real(v));
		double want = strtod(reals[i], NULL);
		double got = json_real_value(v);
		if (memcmp(&want, &got, sizeof(got)) != 0)
			fail_msg("%s: %.17g, strtod %.17g", reals[i], got,
				 want);
		json_decref(v);
	}
	static const char *const bad[] = {"9223372036854775808",
					  "-9223372036854775809",
					  "123456789012345678901234567890",
					  "1e309",
					  "-1e309",
					  "01",
					  "-01",
					  "1.",
					  ".5",
					  "-",
					  "1e",
					  "1e+",
					  "+1",
					  "0x10",
					  "1.5.2",
					  "- 1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i], strlen(bad[i]));
}

static void test_grammar(void **state)
{
	(void)state;
	static const char *const good[] = {
	    "{}",
	    "[]",
	    " true ",
	    "null",
	    "false",
	    "\"\"",
	    " { \"a\" : [1, 2, {\"b\": null}] ,\"\":{}}\r\n",
	    "{\"Lines\":{\"44\":{\"Sectors\":[{\"Value\":\"30.1\"},"
	    "{\"Segments\":{\"3\":{\"Status\":2049}}}]}}}",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		json_t *v = both_s(good[i]);
		assert_non_null(v);
		json_decref(v);
	}
	static const char *const bad[] = {
	    "",	     "  ",     "[1,]", "{\"a\":1,}",	"{\"a\" 1}",
	    "{a:1}", "[1 2]",  "tru",  "truex",		"nul",
	    "[1] x", "{} {}",  "[",    "{\"a\":",	"]",
	    "'a'",   "[1,,2]", "{,}",  "\xef\xbb\xbf{}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad(bad[i], strlen(bad[i]));

	/* duplicate keys: the last value, in the first one's place */
	json_t *v = both_s("{\"a\":1,\"b\":2,\"a\":3}");
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 3);
	assert_string_equal(json_object_iter_key(json_object_iter(v)), "a");
	json_decref(v);
}

static void test_depth(void **state)
{
	(void)state;
	/* jansson's cap: 2048 nested arrays/objects load, 2049 do not */
	enum { N = 2049 };
	char *doc = malloc(2 * N);
	assert_non_null(doc);
	memset(doc, '[', N);
	memset(doc + N, ']', N);
	expect_bad(doc, 2 * N);
	json_t *v = both(doc + 1, 2 * N - 2);
	assert_non_null(v);
	json_decref(v);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escapes), cmocka_unit_test(test_nul),
	    cmocka_unit_test(test_numbers), cmocka_unit_test(test_grammar),
	    cmocka_unit_test(test_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

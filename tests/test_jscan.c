/* test_jscan.c - the JSON pull reader of the importers' hot paths:
 * grammar (accepts exactly RFC 8259 documents in the cases below),
 * numbers, raw strings, object/array walking, depth cap, error offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "formats/jscan.h"

static bool whole(const char *doc)
{
	struct jscan j;
	jscan_init(&j, doc, strlen(doc));
	return jscan_skip(&j) && jscan_done(&j);
}

static void test_grammar(void **state)
{
	(void)state;
	static const char *const good[] = {
	    "{}",
	    "[]",
	    "0",
	    "-0",
	    "1.5e+3",
	    "-12.25E-2",
	    "\"\"",
	    "true",
	    "false",
	    "null",
	    " { \"a\" : [1, 2, {\"b\": null}] } ",
	    "\"\\u00e9\\n\\\"\\\\\\/\"",
	    "[[[[]]]]",
	    "{\"a\":{\"b\":{}}}",
	    "123456789012345678901234567890"};
	static const char *const bad[] = {
	    "",		  "{",		 "}",	  "[1,]", "[,1]",
	    "{\"a\":1,}", "{\"a\" 1}",	 "{1:2}", "01",	  "1.",
	    ".5",	  "-",		 "1e",	  "+1",	  "\"abc",
	    "\"\\x\"",	  "\"\\u12G4\"", "tru",	  "nul",  "[1 2]",
	    "{} {}",	  "\"a\nb\"",	 "[1]]",  "NaN"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!whole(good[i]))
			fail_msg("rejected valid JSON: %s", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (whole(bad[i]))
			fail_msg("accepted invalid JSON: %s", bad[i]);
	}
}

static void test_numbers(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		double v;
	} cases[] = {{"0", 0},
		     {"-7", -7},
		     {"11000", 11000},
		     {"288.5", 288.5},
		     {"-1.25e2", -125},
		     {"1E3", 1000},
		     {"999999999999999", 999999999999999.0}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jscan j;
		double v = -1;
		jscan_init(&j, cases[i].s, strlen(cases[i].s));
		assert_true(jscan_num(&j, &v));
		assert_true(jscan_done(&j));
		assert_true(v == cases[i].v);
	}
	char longnum[80];
	memset(longnum, '1', 70);
	longnum[70] = '.';
	longnum[71] = '5';
	longnum[72] = '\0';
	struct jscan j;
	double v;
	jscan_init(&j, longnum, strlen(longnum));
	assert_false(jscan_num(&j, &v));
	assert_non_null(strstr(j.err, "longer"));
}

/* Walking the F1 car-data shape, skipping what is not asked for. */
static void test_walk(void **state)
{
	(void)state;
	const char *doc =
	    "{\"x\":[1,{\"y\":2}],\"Entries\":[{\"Utc\":\"2025-05-03T20:00:"
	    "00.1Z\",\"Cars\":{\"44\":{\"Channels\":{\"0\":11000,\"2\":288,"
	    "\"45\":8}},\"1\":{\"Channels\":{\"0\":10500}}}}]}";
	struct jscan j;
	const char *k, *s;
	size_t kn, sn;
	jscan_init(&j, doc, strlen(doc));
	assert_true(jscan_obj_begin(&j));
	assert_int_equal(jscan_obj_next(&j, &k, &kn), 1);
	assert_true(jscan_key_is(k, kn, "x"));
	assert_true(jscan_skip(&j));
	assert_int_equal(jscan_obj_next(&j, &k, &kn), 1);
	assert_true(jscan_key_is(k, kn, "Entries"));
	assert_true(jscan_arr_begin(&j));
	assert_int_equal(jscan_arr_next(&j), 1);
	assert_true(jscan_obj_begin(&j));
	assert_int_equal(jscan_obj_next(&j, &k, &kn), 1);
	assert_true(jscan_key_is(k, kn, "Utc"));
	assert_true(jscan_str(&j, &s, &sn));
	assert_int_equal(sn, strlen("2025-05-03T20:00:00.1Z"));
	assert_int_equal(jscan_obj_next(&j, &k, &kn), 1);
	assert_true(jscan_key_is(k, kn, "Cars"));
	double sum = 0;
	int cars = 0;
	assert_true(jscan_obj_begin(&j));
	while (jscan_obj_next(&j, &k, &kn) == 1) {
		cars++;
		assert_true(jscan_obj_begin(&j));
		assert_int_equal(jscan_obj_next(&j, &k, &kn), 1);
		assert_true(jscan_obj_begin(&j));
		while (jscan_obj_next(&j, &k, &kn) == 1) {
			double v;
			assert_true(jscan_num(&j, &v));
			sum += v;
		}
		assert_int_equal(jscan_obj_next(&j, &k, &kn), 0);
	}
	assert_int_equal(cars, 2);
	assert_true(sum == 11000 + 288 + 8 + 10500);
	assert_int_equal(jscan_obj_next(&j, &k, &kn), 0); /* entry */
	assert_int_equal(jscan_arr_next(&j), 0);
	assert_int_equal(jscan_obj_next(&j, &k, &kn), 0);
	assert_true(jscan_done(&j));
	assert_null(j.err);
}

static void test_depth_and_offsets(void **state)
{
	(void)state;
	char deep[2 * (JSCAN_DEPTH_MAX + 2) + 1];
	size_t n = JSCAN_DEPTH_MAX + 1;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	assert_false(whole(deep));
	deep[JSCAN_DEPTH_MAX] = '\0'; /* exactly at the cap: fine */
	memmove(deep + JSCAN_DEPTH_MAX, deep + n, JSCAN_DEPTH_MAX);
	deep[2 * JSCAN_DEPTH_MAX] = '\0';
	memset(deep, '[', JSCAN_DEPTH_MAX);
	memset(deep + JSCAN_DEPTH_MAX, ']', JSCAN_DEPTH_MAX);
	assert_true(whole(deep));

	struct jscan j;
	const char *doc = "{\"a\": [1, 2 x]}";
	jscan_init(&j, doc, strlen(doc));
	assert_false(jscan_skip(&j));
	assert_int_equal(j.err_at, (size_t)(strchr(doc, 'x') - doc));
	/* a wrong type is an error, and later calls keep the first one */
	jscan_init(&j, "[1]", 3);
	double v;
	assert_false(jscan_num(&j, &v));
	assert_false(jscan_obj_begin(&j));
	assert_non_null(strstr(j.err, "number"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grammar),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_walk),
	    cmocka_unit_test(test_depth_and_offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* fuzz_f1lt_json.c - differential libFuzzer harness for jbuild_parse (the
 * live-timing line parser of src/formats/jbuild.c): any byte string is
 * parsed by it and by json_loadb with the flags f1lt.c used before
 * (JSON_DECODE_ANY | JSON_ALLOW_NUL); both must reject it, or both accept
 * it with json_equal trees of the same types. Traps otherwise. */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "formats/jscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* json_equal compares numbers by value within a type; also check that
 * every node has the same type (integer stays integer, real stays real)
 * and reals the same bits (-0.0). */
static int same(json_t *a, json_t *b)
{
	if (json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_real(a)) {
		double x = json_real_value(a), y = json_real_value(b);
		return __builtin_memcmp(&x, &y, sizeof(x)) == 0;
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!same(json_array_get(a, i), json_array_get(b, i)))
				return 0;
		return 1;
	}
	if (json_is_object(a)) {
		const char *k;
		size_t kn;
		json_t *v;
		if (json_object_size(a) != json_object_size(b))
			return 0;
		/* same iteration order: f1lt's merge walks keys in it */
		void *ib = json_object_iter(b);
		json_object_keylen_foreach(a, k, kn, v)
		{
			if (!ib || json_object_iter_key_len(ib) != kn ||
			    __builtin_memcmp(json_object_iter_key(ib), k, kn) !=
				0 ||
			    !same(v, json_object_iter_value(ib)))
				return 0;
			ib = json_object_iter_next(b, ib);
		}
		return 1;
	}
	return json_equal(a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *ref = json_loadb((const char *)data, size,
				 JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	json_t *got = jbuild_parse((const char *)data, size);
	if (!ref != !got)
		__builtin_trap();
	if (ref && (!json_equal(ref, got) || !same(ref, got)))
		__builtin_trap();
	json_decref(ref);
	json_decref(got);
	return 0;
}

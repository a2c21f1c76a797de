/* SPDX-License-Identifier: MIT */
/* Tests of swap/json.c: numbers read back from swapemu's own JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "swap/json.h"

static const char stat_json[] =
	"{\"size\":1048576,\"read\":{\"ops\":12,\"bytes\":49152},"
	"\"write\":{\"ops\":7,\"bytes\":28672},\"big\":18446744073709551615}";

static void test_find(void **state)
{
	(void)state;
	assert_int_equal(json_find_u64(stat_json, NULL, "size"), 1048576);
	/* The first "ops" is the read object's; "after" picks another. */
	assert_int_equal(json_find_u64(stat_json, NULL, "ops"), 12);
	assert_int_equal(json_find_u64(stat_json, "\"write\":{", "ops"), 7);
	assert_int_equal(json_find_u64(stat_json, "\"write\":{", "bytes"),
			 28672);
	assert_true(json_find_u64(stat_json, NULL, "big") == UINT64_MAX);
}

static void test_absent(void **state)
{
	(void)state;
	assert_int_equal(json_find_u64(stat_json, NULL, "nosuch"), 0);
	assert_int_equal(json_find_u64(stat_json, "\"discard\":{", "ops"), 0);
	/* "size" past the write object does not exist. */
	assert_int_equal(json_find_u64(stat_json, "\"write\":{", "size"), 0);
	/* A key that is only a prefix of another is not matched. */
	assert_int_equal(json_find_u64(stat_json, NULL, "siz"), 0);
	assert_int_equal(json_find_u64("", NULL, "size"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

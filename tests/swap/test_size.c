/* SPDX-License-Identifier: MIT */
/*
 * Tests of swap/size.c: sizes with unit suffixes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "swap/size.h"

static void test_units(void **state)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} ok[] = {
		{ "0", 0 }, { "4096", 4096 }, { "1k", 1024 }, { "1K", 1024 },
		{ "64M", 64ull << 20 }, { "1G", 1ull << 30 },
		{ "1GiB", 1ull << 30 }, { "2GB", 2ull << 30 },
		{ "3t", 3ull << 40 }, { "512MiB", 512ull << 20 },
	};
	uint64_t v;

	(void)state;
	for (unsigned int i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		assert_int_equal(swap_size_parse(ok[i].text, &v), 0);
		assert_int_equal(v, ok[i].bytes);
	}
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
		"", "-1", " 1", "1 ", "1X", "1KX", "K", "1.5G", "+4", "1iB",
		"0x10",
	};
	uint64_t v = 7;

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(swap_size_parse(bad[i], &v), -EINVAL);
	assert_int_equal(swap_size_parse(NULL, &v), -EINVAL);
	assert_int_equal(swap_size_parse("99999999999999999999", &v), -ERANGE);
	assert_int_equal(swap_size_parse("16777216T", &v), -ERANGE);
	assert_int_equal(v, 7); /* untouched on error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

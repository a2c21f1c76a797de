/* SPDX-License-Identifier: MIT */
/*
 * Tests of swap/entry.h: packing of area type and slot offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "swap/entry.h"

static void test_round_trip(void **state)
{
	static const uint64_t offsets[] = {
		0, 1, 511, 512, 4194303, UINT32_MAX, SWP_OFFSET_MAX,
	};

	(void)state;
	for (unsigned int type = 0; type < MAX_SWAPFILES; type++) {
		for (unsigned int i = 0; i < sizeof(offsets) / sizeof(*offsets);
		     i++) {
			swp_entry_t e = swp_entry(type, offsets[i]);

			assert_int_equal(swp_type(e), type);
			assert_int_equal(swp_offset(e), offsets[i]);
		}
	}
}

static void test_none_and_equality(void **state)
{
	swp_entry_t none = { 0 };

	(void)state;
	assert_true(swp_entry_none(none));
	/* slot 0 of type 0 is the header: the one entry that means none */
	assert_true(swp_entry_none(swp_entry(0, 0)));
	assert_false(swp_entry_none(swp_entry(0, 1)));
	assert_false(swp_entry_none(swp_entry(1, 0)));
	assert_true(swp_entry_eq(swp_entry(3, 77), swp_entry(3, 77)));
	assert_false(swp_entry_eq(swp_entry(3, 77), swp_entry(4, 77)));
	assert_false(swp_entry_eq(swp_entry(3, 77), swp_entry(3, 78)));
}

static void test_offset_does_not_leak_into_type(void **state)
{
	(void)state;
	/* an offset past the field is cut, never turned into another type */
	assert_int_equal(swp_type(swp_entry(2, SWP_OFFSET_MAX + 1)), 2);
	assert_int_equal(swp_offset(swp_entry(2, SWP_OFFSET_MAX + 1)), 0);
	/* 32 types fit with room to spare in the word */
	assert_true((uint64_t)(MAX_SWAPFILES - 1) <=
		    (UINT64_MAX >> SWP_OFFSET_BITS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_none_and_equality),
		cmocka_unit_test(test_offset_does_not_leak_into_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* Tests of swap/io/bucket.c: delaying token buckets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "swap/io/bucket.h"

#define MS 1000000ull
#define SEC 1000000000ull

static void test_unlimited(void **state)
{
	struct swap_bucket b;

	swap_bucket_init(&b, 0, 0);
	assert_false(swap_bucket_limited(&b));
	for (int i = 0; i < 1000; i++)
		assert_int_equal(swap_bucket_take(&b, 1 << 20, 5 * SEC), 5 * SEC);
}

/* A full bucket lets a burst through at once, then paces at the rate. */
static void test_burst_then_rate(void **state)
{
	struct swap_bucket b;
	uint64_t now = 10 * SEC, t;

	swap_bucket_init(&b, 1000, 10); /* 1000/s, burst 10 */
	for (int i = 0; i < 10; i++)
		assert_int_equal(swap_bucket_take(&b, 1, now), now);
	/* The 11th waits one token interval (1 ms). */
	t = swap_bucket_take(&b, 1, now);
	assert_int_equal(t, now + 1 * MS);
	t = swap_bucket_take(&b, 1, now);
	assert_int_equal(t, now + 2 * MS);
	/* After a long idle time the bucket is full again, not fuller. */
	now += 10 * SEC;
	for (int i = 0; i < 10; i++)
		assert_int_equal(swap_bucket_take(&b, 1, now), now);
	assert_true(swap_bucket_take(&b, 1, now) > now);
}

/* Long-run throughput equals the rate, whatever the request size. */
static void test_long_run_rate(void **state)
{
	struct swap_bucket b;
	uint64_t now = SEC, start = 0, bytes = 0;

	swap_bucket_init(&b, 100 << 20, 1 << 20); /* 100 MiB/s, 1 MiB burst */
	while (start < SEC + 10 * SEC) {
		start = swap_bucket_take(&b, 4096 * 3, now);
		bytes += 4096 * 3;
		now = start; /* closed loop: next arrives when this starts */
	}
	/* 10 s at 100 MiB/s, plus one burst. */
	assert_true(bytes >= 1000ull << 20);
	assert_true(bytes <= (1000ull << 20) + (2 << 20));
}

/* An op larger than the burst passes when the bucket is full, then the
 * debt delays the next one. */
static void test_large_op_debt(void **state)
{
	struct swap_bucket b;
	uint64_t now = SEC;

	swap_bucket_init(&b, 1 << 20, 4096); /* 1 MiB/s, burst 4 KiB */
	assert_int_equal(swap_bucket_take(&b, 1 << 20, now), now);
	assert_true(swap_bucket_level(&b, now) < 0);
	/* 1 MiB of debt at 1 MiB/s: the next 4 KiB waits ~1 s. */
	assert_true(swap_bucket_take(&b, 4096, now) >= now + SEC - MS);
}

static void test_set_keeps_debt(void **state)
{
	struct swap_bucket b;
	uint64_t now = SEC;

	swap_bucket_init(&b, 1000, 1);
	swap_bucket_take(&b, 1, now);
	swap_bucket_set(&b, 2000, 1);
	assert_true(swap_bucket_take(&b, 1, now) > now);
	swap_bucket_set(&b, 0, 0);
	assert_int_equal(swap_bucket_take(&b, 1, now), now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_long_run_rate),
		cmocka_unit_test(test_large_op_debt),
		cmocka_unit_test(test_set_keeps_debt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

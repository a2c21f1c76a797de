/* SPDX-License-Identifier: MIT */
/* Tests of swap/io/hist.c: bucket geometry and percentiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <cmocka.h>

#include "swap/io/hist.h"

static void test_geometry(void **state)
{
	uint64_t v;

	/* Small values are exact. */
	for (v = 0; v < 2 * SWAP_HIST_SUB; v++) {
		assert_int_equal(swap_hist_bucket(v), v);
		assert_int_equal(swap_hist_bucket_lower(v), v);
	}
	/* Every value lies in its bucket, buckets are contiguous. */
	for (size_t i = 0; i + 1 < SWAP_HIST_BUCKETS; i++)
		assert_int_equal(swap_hist_bucket_upper(i),
				 swap_hist_bucket_lower(i + 1));
	for (v = 1; v < (UINT64_C(1) << 62); v = v * 3 + 1) {
		size_t b = swap_hist_bucket(v);

		assert_true(swap_hist_bucket_lower(b) <= v);
		assert_true(v < swap_hist_bucket_upper(b));
		/* Relative width at most 1/SUB. */
		assert_true((double)(swap_hist_bucket_upper(b) -
				     swap_hist_bucket_lower(b)) <=
			    (double)swap_hist_bucket_lower(b) / SWAP_HIST_SUB + 1);
	}
	assert_int_equal(swap_hist_bucket(UINT64_MAX), SWAP_HIST_BUCKETS - 1);
}

static void test_empty(void **state)
{
	struct swap_hist *h;
	struct swap_hist_summary s;

	assert_int_equal(swap_hist_create(&h), 0);
	swap_hist_summarize(h, &s);
	assert_int_equal(s.count, 0);
	assert_int_equal(s.p50, 0);
	assert_int_equal(s.max, 0);
	swap_hist_destroy(h);
}

/* Percentiles of 1..100000 within the bucket resolution. */
static void test_uniform_percentiles(void **state)
{
	struct swap_hist *h;
	struct swap_hist_summary s;

	assert_int_equal(swap_hist_create(&h), 0);
	for (uint64_t v = 1; v <= 100000; v++)
		swap_hist_add(h, v);
	swap_hist_summarize(h, &s);
	assert_int_equal(s.count, 100000);
	assert_int_equal(s.min, 1);
	assert_int_equal(s.max, 100000);
	assert_int_equal(s.mean, 50000);
	assert_true(fabs((double)s.p50 - 50000) <= 50000.0 / SWAP_HIST_SUB);
	assert_true(fabs((double)s.p90 - 90000) <= 90000.0 / SWAP_HIST_SUB);
	assert_true(fabs((double)s.p99 - 99000) <= 99000.0 / SWAP_HIST_SUB);
	assert_true(s.p999 <= 100000 && s.p999 >= 99900 * 7 / 8);
	swap_hist_destroy(h);
}

/* A constant is reported as itself (clamped to min/max). */
static void test_constant(void **state)
{
	struct swap_hist *h;

	assert_int_equal(swap_hist_create(&h), 0);
	for (int i = 0; i < 1000; i++)
		swap_hist_add(h, 100000);
	assert_int_equal(swap_hist_quantile(h, 0.5), 100000);
	assert_int_equal(swap_hist_quantile(h, 0.999), 100000);
	swap_hist_destroy(h);
}

static void test_merge_reset(void **state)
{
	struct swap_hist *a, *b;

	assert_int_equal(swap_hist_create(&a), 0);
	assert_int_equal(swap_hist_create(&b), 0);
	for (int i = 0; i < 100; i++) {
		swap_hist_add(a, 10);
		swap_hist_add(b, 1000000);
	}
	swap_hist_merge(a, b);
	assert_int_equal(swap_hist_count(a), 200);
	assert_int_equal(swap_hist_quantile(a, 0.25), 10);
	assert_true(swap_hist_quantile(a, 0.75) >= 1000000 * 7 / 8);
	swap_hist_reset(a);
	assert_int_equal(swap_hist_count(a), 0);
	assert_int_equal(swap_hist_quantile(a, 0.5), 0);
	swap_hist_destroy(a);
	swap_hist_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_uniform_percentiles),
		cmocka_unit_test(test_constant),
		cmocka_unit_test(test_merge_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

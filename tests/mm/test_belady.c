/* SPDX-License-Identifier: MIT */
/* Tests of mm/belady.c on hand-computed traces. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "mm/belady.h"

static const uint64_t classic[] = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
#define NCLASSIC (sizeof(classic) / sizeof(classic[0]))

/*
 * 3 frames, OPT (evict the page used farthest ahead):
 *   1 2 3   miss miss miss        {1,2,3}
 *   4       miss, evict 3 (next use at 9, 1 at 4, 2 at 5)   {1,2,4}
 *   1 2     hits
 *   5       miss, evict 4 (next at 10; 1 at 7, 2 at 8)      {1,2,5}
 *   1 2     hits
 *   3       miss, evict 1 or 2 (never used again)           {3,x,5}
 *   4       miss, evict the other unused one / 3            {3,4,5}
 *   5       hit
 * = 7 misses.  4 frames: 1 2 3 4 miss, 5 miss (evict 4, next at 10),
 * 3 hit, 4 miss = 6 misses.
 */
static void test_classic_trace(void **state)
{
	uint64_t f;

	(void)state;
	assert_int_equal(belady_faults(classic, NCLASSIC, 3, &f), 0);
	assert_int_equal(f, 7);
	assert_int_equal(belady_faults(classic, NCLASSIC, 4, &f), 0);
	assert_int_equal(f, 6);
	/* Enough frames: only the 5 first touches. */
	assert_int_equal(belady_faults(classic, NCLASSIC, 5, &f), 0);
	assert_int_equal(f, 5);
	/* One frame: every change of page misses: 12. */
	assert_int_equal(belady_faults(classic, NCLASSIC, 1, &f), 0);
	assert_int_equal(f, 12);
}

/* The same trace under LRU shows Belady's anomaly-free bound: LRU gets
 * 10 misses with 3 frames and 8 with 4. */
static void test_lru_companion(void **state)
{
	uint64_t f;

	(void)state;
	assert_int_equal(belady_lru_faults(classic, NCLASSIC, 3, &f), 0);
	assert_int_equal(f, 10);
	assert_int_equal(belady_lru_faults(classic, NCLASSIC, 4, &f), 0);
	assert_int_equal(f, 8);
}

static void test_edges(void **state)
{
	const uint64_t big[] = {UINT64_MAX, 0, UINT64_MAX, 1ull << 63, 0};
	uint64_t f = 99;

	(void)state;
	assert_int_equal(belady_faults(classic, NCLASSIC, 0, &f), -EINVAL);
	assert_int_equal(belady_faults(classic, 0, 3, &f), 0);
	assert_int_equal(f, 0);
	/* Arbitrary 64-bit ids: 3 distinct, 2 frames.  miss, miss, hit,
	 * miss (evict max: next use of 0 at 4 is nearer than max's none),
	 * hit = 3. */
	assert_int_equal(belady_faults(big, 5, 2, &f), 0);
	assert_int_equal(f, 3);
}

/* OPT never does worse than LRU, on a pseudo-random stream. */
static void test_opt_le_lru(void **state)
{
	enum { N = 20000 };
	uint64_t *refs = malloc(N * sizeof(*refs)), opt, lru;
	uint64_t x = 88172645463325252ull;

	(void)state;
	for (int i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		refs[i] = (x % 100) < 80 ? x % 50 : x % 1000;
	}
	for (size_t frames = 1; frames <= 512; frames *= 2) {
		assert_int_equal(belady_faults(refs, N, frames, &opt), 0);
		assert_int_equal(belady_lru_faults(refs, N, frames, &lru), 0);
		assert_true(opt <= lru);
	}
	free(refs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classic_trace),
		cmocka_unit_test(test_lru_companion),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_opt_le_lru),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

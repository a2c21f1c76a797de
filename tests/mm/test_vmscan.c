/* SPDX-License-Identifier: MIT */
/*
 * Tests of mm/vmscan.c: second chance, activation, write-out and free,
 * clean swap-cache drops, active list aging, scan priority, watermarks,
 * direct reclaim and kswapd.
 *
 * These cover reclaim LOGIC.  Swap IO goes to the in-memory backend of
 * mm_test.h (completing at once, or when the test says so); the IO path
 * itself is tested with the swap/io engine elsewhere.
 */
#include <stdio.h>
#include <unistd.h>

#include "mm_test.h"
#include "mm/lru.h"
#include "mm/mmu.h"
#include "mm/swap_state.h"
#include "mm/vmscan.h"

#define BASE UINT64_C(0x20000000)

static const struct page_watermarks quiet_wm = {2, 4, 8};

static struct scan_control shrink_once(struct mm_env *env)
{
	struct scan_control sc;

	vmscan_sc_init(&sc, SWAP_CLUSTER_MAX, false);
	vmscan_shrink_inactive_list(env->pgdat, SWAP_CLUSTER_MAX, &sc);
	return sc;
}

static struct mm *mm_with_pages(struct mm_env *env, unsigned int n)
{
	struct mm *mm;

	assert_int_equal(mmu_mm_create(env->pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, 1024 * PAGE_SIZE), 0);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t stamp = i * 1000 + 7;

		assert_int_equal(mmu_write(mm, BASE + i * PAGE_SIZE, &stamp,
					   sizeof(stamp)),
				 0);
	}
	return mm;
}

static void check_stamp(struct mm *mm, unsigned int i)
{
	uint64_t stamp = 0;

	assert_int_equal(
		mmu_read(mm, BASE + i * PAGE_SIZE, &stamp, sizeof(stamp)), 0);
	assert_int_equal(stamp, i * 1000 + 7);
}

static enum mmu_pte_kind pte_kind(struct mm *mm, unsigned int i)
{
	struct mmu_pte_info pi;

	assert_int_equal(mmu_pte_info(mm, BASE + i * PAGE_SIZE, &pi), 0);
	return pi.kind;
}

static void test_second_chance(void **state)
{
	struct scan_control sc;
	struct mm_env env;
	struct mm *mm;
	struct page *page;

	(void)state;
	mm_env_setup(&env, 64, 256, &quiet_wm);
	mm = mm_with_pages(&env, 1);
	page = mmu_page_at(mm, BASE);
	/* Referenced by its pte from the fault: kept, PG_referenced set. */
	sc = shrink_once(&env);
	assert_int_equal(sc.nr_scanned, 1);
	assert_int_equal(sc.nr_reclaimed, 0);
	assert_true(page_test_flag(page, PG_referenced));
	assert_false(page_test_flag(page, PG_active));
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 1);
	assert_int_equal(pte_kind(mm, 0), MMU_PTE_PRESENT);
	/* Not used since: swapped out and freed. */
	sc = shrink_once(&env);
	assert_int_equal(sc.nr_reclaimed, 1);
	assert_int_equal(pte_kind(mm, 0), MMU_PTE_SWAP);
	assert_int_equal(ev(&env, PSWPOUT), 1);
	assert_int_equal(ev(&env, PGSTEAL_DIRECT), 1);
	assert_int_equal(ev(&env, PGSCAN_DIRECT), 2);
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 0);
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 64);
	/* And it comes back intact with a major fault. */
	check_stamp(mm, 0);
	assert_int_equal(ev(&env, PGMAJFAULT), 1);
	assert_int_equal(ev(&env, PSWPIN), 1);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_activation(void **state)
{
	struct mm_env env;
	struct mm *mm, *child;
	struct page *p0, *p1;

	(void)state;
	mm_env_setup(&env, 64, 256, &quiet_wm);
	mm = mm_with_pages(&env, 2);
	p0 = mmu_page_at(mm, BASE);
	p1 = mmu_page_at(mm, BASE + PAGE_SIZE);
	shrink_once(&env); /* both kept with PG_referenced */
	/* Used again: referenced twice, so activated. */
	assert_int_equal(mmu_access(mm, BASE, 1, false), 0);
	shrink_once(&env);
	assert_true(page_test_flag(p0, PG_active));
	assert_int_equal(lru_size(env.pgdat, LRU_ACTIVE_ANON), 1);
	assert_int_equal(ev(&env, PGACTIVATE), 1);
	/* p1 was not used again and went to swap. */
	assert_int_equal(pte_kind(mm, 1), MMU_PTE_SWAP);
	(void)p1;
	/* A new page referenced by two ptes is activated at once. */
	assert_int_equal(mmu_write(mm, BASE + 2 * PAGE_SIZE, "x", 1), 0);
	assert_int_equal(mmu_fork(mm, 1, &child), 0);
	assert_int_equal(mmu_access(child, BASE + 2 * PAGE_SIZE, 1, false), 0);
	shrink_once(&env);
	assert_true(page_test_flag(mmu_page_at(mm, BASE + 2 * PAGE_SIZE),
				   PG_active));
	assert_int_equal(ev(&env, PGACTIVATE), 2);
	mmu_exit(child);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_clean_swapcache_dropped_without_io(void **state)
{
	struct scan_control sc;
	struct mm_env env;
	struct mm *mm;

	(void)state;
	mm_env_setup(&env, 64, 256, &quiet_wm);
	mm = mm_with_pages(&env, 1);
	shrink_once(&env);
	shrink_once(&env);
	assert_int_equal(env.io.nr_writes, 1);
	/* A read brings it back as a clean swap cache page. */
	check_stamp(mm, 0);
	assert_true(page_test_flag(mmu_page_at(mm, BASE), PG_swapcache));
	assert_false(page_test_flag(mmu_page_at(mm, BASE), PG_dirty));
	shrink_once(&env); /* young from the read: second chance */
	sc = shrink_once(&env);
	assert_int_equal(sc.nr_reclaimed, 1);
	assert_int_equal(env.io.nr_writes, 1); /* no second write */
	assert_int_equal(ev(&env, PSWPOUT), 1);
	assert_int_equal(pte_kind(mm, 0), MMU_PTE_SWAP);
	check_stamp(mm, 0);
	/* Written to after the swap-in: written out again. */
	assert_int_equal(mmu_write(mm, BASE + 8, "d", 1), 0);
	shrink_once(&env);
	shrink_once(&env);
	assert_int_equal(env.io.nr_writes, 2);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_shrink_active_list(void **state)
{
	struct scan_control sc;
	struct mm_env env;
	struct mm *mm;
	struct mmu_pte_info pi;

	(void)state;
	mm_env_setup(&env, 64, 256, &quiet_wm);
	mm = mm_with_pages(&env, 4);
	for (int i = 0; i < 4; i++)
		lru_activate(env.pgdat, mmu_page_at(mm, BASE + i * PAGE_SIZE));
	assert_int_equal(lru_size(env.pgdat, LRU_ACTIVE_ANON), 4);
	vmscan_sc_init(&sc, SWAP_CLUSTER_MAX, false);
	vmscan_shrink_active_list(env.pgdat, 3, &sc);
	assert_int_equal(ev(&env, PGREFILL), 3);
	assert_int_equal(ev(&env, PGDEACTIVATE), 3);
	assert_int_equal(lru_size(env.pgdat, LRU_ACTIVE_ANON), 1);
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 3);
	/* The oldest three: their young bits are cleared, workingset set. */
	for (int i = 0; i < 3; i++) {
		struct page *p = mmu_page_at(mm, BASE + i * PAGE_SIZE);

		assert_true(page_test_flag(p, PG_workingset));
		assert_false(page_test_flag(p, PG_active));
		mmu_pte_info(mm, BASE + i * PAGE_SIZE, &pi);
		assert_false(pi.young);
	}
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_priority_scan_size(void **state)
{
	struct scan_control sc;
	struct mm_env env;
	struct mm *mm;

	(void)state;
	mm_env_setup(&env, 256, 512, NULL);
	mm = mm_with_pages(&env, 100);
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 100);
	vmscan_sc_init(&sc, SWAP_CLUSTER_MAX, false);
	vmscan_shrink_lruvec(env.pgdat, &sc); /* 100 >> 12 = 0 */
	assert_int_equal(sc.nr_scanned, 0);
	sc.priority = 5; /* 100 >> 5 = 3 */
	vmscan_shrink_lruvec(env.pgdat, &sc);
	assert_int_equal(sc.nr_scanned, 3);
	sc.priority = 0; /* everything, in batches of 32 */
	sc.nr_scanned = 0;
	vmscan_shrink_lruvec(env.pgdat, &sc);
	assert_int_equal(sc.nr_scanned, 100);
	assert_int_equal(sc.nr_reclaimed, 3); /* the 3 seen twice */
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_async_writeback_freed_on_completion(void **state)
{
	struct scan_control sc;
	struct mm_env env;
	struct mm *mm;
	struct page *page;

	(void)state;
	mm_env_setup(&env, 64, 256, &quiet_wm);
	mm = mm_with_pages(&env, 1);
	page = mmu_page_at(mm, BASE);
	env.io.defer = true;
	shrink_once(&env);
	sc = shrink_once(&env);
	assert_int_equal(sc.nr_reclaimed, 0);
	assert_int_equal(sc.nr_writeback, 1);
	assert_true(page_test_flag(page, PG_writeback));
	assert_true(page_test_flag(page, PG_reclaim));
	assert_true(page_test_flag(page, PG_lru)); /* back on the list */
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 63);
	/* Scanning it again while under writeback does nothing. */
	sc = shrink_once(&env);
	assert_int_equal(sc.nr_reclaimed, 0);
	assert_int_equal(env.io.nr_writes, 1);
	/* end_swap_bio_write frees it. */
	assert_int_equal(memswap_complete(&env.io), 1);
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 64);
	assert_int_equal(ev(&env, PGSTEAL_DIRECT), 1);
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 0);
	env.io.defer = false;
	check_stamp(mm, 0);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_alloc_decision(void **state)
{
	const struct page_watermarks wm = {8, 12, 16};

	(void)state;
	assert_int_equal(pgdat_alloc_decision(13, &wm), PGDAT_ALLOC_OK);
	assert_int_equal(pgdat_alloc_decision(12, &wm),
			 PGDAT_ALLOC_WAKE_KSWAPD);
	assert_int_equal(pgdat_alloc_decision(9, &wm), PGDAT_ALLOC_WAKE_KSWAPD);
	assert_int_equal(pgdat_alloc_decision(8, &wm), PGDAT_ALLOC_RECLAIM);
	assert_int_equal(pgdat_alloc_decision(0, &wm), PGDAT_ALLOC_RECLAIM);
}

static void test_direct_reclaim_under_pressure(void **state)
{
	const struct page_watermarks wm = {8, 12, 16};
	struct mm_env env;
	struct mm *mm;

	(void)state;
	mm_env_setup(&env, 64, 512, &wm);
	/* Above low: nothing happens. */
	mm = mm_with_pages(&env, 50);
	assert_int_equal(vmscan_kswapd_wakeups(env.pgdat), 0);
	assert_int_equal(ev(&env, ALLOCSTALL), 0);
	/* Free 14 -> 12: at low, kswapd is asked for (not running here). */
	assert_int_equal(mmu_write(mm, BASE + 50 * PAGE_SIZE, "a", 1), 0);
	assert_int_equal(mmu_write(mm, BASE + 51 * PAGE_SIZE, "a", 1), 0);
	assert_true(vmscan_kswapd_wakeups(env.pgdat) >= 1);
	assert_int_equal(ev(&env, ALLOCSTALL), 0);
	/* Four times the memory: direct reclaim keeps it going. */
	for (unsigned int i = 0; i < 256; i++) {
		uint64_t stamp = i * 1000 + 7;

		assert_int_equal(mmu_write(mm, BASE + i * PAGE_SIZE, &stamp,
					   sizeof(stamp)),
				 0);
	}
	assert_true(ev(&env, ALLOCSTALL) > 0);
	assert_true(ev(&env, PGSTEAL_DIRECT) > 0);
	assert_true(page_pool_nr_free(pgdat_pool(env.pgdat)) >= wm.min);
	for (unsigned int i = 0; i < 256; i++)
		check_stamp(mm, i);
	assert_int_equal(ev(&env, SWAP_CSUM_FAIL), 0);
	mmu_exit(mm);
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 64);
	assert_int_equal(swap_cache_nr_pages(env.pgdat), 0);
	mm_env_teardown(&env);
}

static void test_kswapd_balances(void **state)
{
	const struct page_watermarks wm = {8, 12, 16};
	struct mm_env env;
	struct mm *mm;
	int waited = 0;

	(void)state;
	mm_env_setup(&env, 64, 512, &wm);
	assert_int_equal(vmscan_kswapd_run(env.pgdat), 0);
	/* The 52nd page leaves 12 free, at low: kswapd is woken.  No more
	 * allocations until it is done, so it ends above high. */
	mm = mm_with_pages(&env, 52);
	/* kswapd reclaims until more than high is free, then sleeps. */
	while ((!vmscan_pgdat_balanced(env.pgdat) ||
		vmscan_kswapd_busy(env.pgdat)) &&
	       waited++ < 500)
		usleep(10000);
	if (!vmscan_pgdat_balanced(env.pgdat)) {
		fprintf(stderr,
			"free %lu inactive %lu active %lu wakeups %lu\n",
			(unsigned long)page_pool_nr_free(pgdat_pool(env.pgdat)),
			(unsigned long)lru_size(env.pgdat, LRU_INACTIVE_ANON),
			(unsigned long)lru_size(env.pgdat, LRU_ACTIVE_ANON),
			(unsigned long)vmscan_kswapd_wakeups(env.pgdat));
		vmstat_print(pgdat_vmstat(env.pgdat), stderr);
	}
	assert_true(vmscan_pgdat_balanced(env.pgdat));
	assert_false(vmscan_kswapd_busy(env.pgdat));
	assert_true(ev(&env, KSWAPD_WAKE) >= 1);
	assert_true(ev(&env, PGSCAN_KSWAPD) > 0);
	assert_true(ev(&env, PGSTEAL_KSWAPD) > 0);
	/* Tasks keep running while kswapd works: 4x memory. */
	for (unsigned int round = 0; round < 2; round++)
		for (unsigned int i = 0; i < 256; i++) {
			uint64_t stamp = i * 1000 + 7;

			assert_int_equal(mmu_write(mm, BASE + i * PAGE_SIZE,
						   &stamp, sizeof(stamp)),
					 0);
		}
	for (unsigned int i = 0; i < 256; i++)
		check_stamp(mm, i);
	vmscan_kswapd_stop(env.pgdat);
	assert_int_equal(ev(&env, SWAP_CSUM_FAIL), 0);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_checksum_mismatch_fails_hard(void **state)
{
	struct mm_env env;
	struct mm *mm;
	char *report = NULL;
	size_t len = 0;
	uint64_t v;

	(void)state;
	mm_env_setup(&env, 64, 256, &quiet_wm);
	env.pgdat->report = open_memstream(&report, &len);
	mm = mm_with_pages(&env, 1);
	shrink_once(&env);
	shrink_once(&env);
	env.io.corrupt_reads = true;
	assert_int_equal(mmu_read(mm, BASE, &v, sizeof(v)), -EIO);
	assert_int_equal(ev(&env, SWAP_CSUM_FAIL), 1);
	fclose(env.pgdat->report);
	env.pgdat->report = stderr;
	if (getenv("SWAPEMU_TEST_VERBOSE"))
		fputs(report, stderr);
	assert_non_null(strstr(report, "swap-in verify failed"));
	assert_non_null(strstr(report, "swapout-submit")); /* history */
	assert_non_null(strstr(report, "verify-failed"));
	free(report);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_may_writepage(void **state)
{
	struct scan_control sc;
	struct mm_env env;
	struct mm *mm;
	struct page *page;

	(void)state;
	mm_env_setup(&env, 64, 256, &quiet_wm);
	mm = mm_with_pages(&env, 1);
	page = mmu_page_at(mm, BASE);
	shrink_once(&env);
	/* Not allowed to write: unmapped into the swap cache, kept dirty. */
	vmscan_sc_init(&sc, SWAP_CLUSTER_MAX, false);
	sc.may_writepage = false;
	vmscan_shrink_inactive_list(env.pgdat, SWAP_CLUSTER_MAX, &sc);
	assert_int_equal(sc.nr_reclaimed, 0);
	assert_int_equal(env.io.nr_writes, 0);
	assert_false(page_test_flag(page, PG_locked));
	assert_true(page_test_flag(page, PG_dirty));
	assert_true(page_test_flag(page, PG_swapcache));
	assert_int_equal(pte_kind(mm, 0), MMU_PTE_SWAP);
	/* Allowed now: written and freed. */
	assert_int_equal(shrink_once(&env).nr_reclaimed, 1);
	assert_int_equal(env.io.nr_writes, 1);
	check_stamp(mm, 0);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_no_swap_no_reclaim(void **state)
{
	struct scan_control sc;
	struct mm_env env;
	struct mm *mm;

	(void)state;
	mm_env_setup(&env, 64, 0, &quiet_wm);
	mm = mm_with_pages(&env, 8);
	vmscan_sc_init(&sc, SWAP_CLUSTER_MAX, false);
	sc.priority = 0;
	vmscan_shrink_lruvec(env.pgdat, &sc);
	assert_int_equal(sc.nr_scanned, 0);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_second_chance),
		cmocka_unit_test(test_activation),
		cmocka_unit_test(test_clean_swapcache_dropped_without_io),
		cmocka_unit_test(test_shrink_active_list),
		cmocka_unit_test(test_priority_scan_size),
		cmocka_unit_test(test_async_writeback_freed_on_completion),
		cmocka_unit_test(test_alloc_decision),
		cmocka_unit_test(test_direct_reclaim_under_pressure),
		cmocka_unit_test(test_kswapd_balances),
		cmocka_unit_test(test_checksum_mismatch_fails_hard),
		cmocka_unit_test(test_may_writepage),
		cmocka_unit_test(test_no_swap_no_reclaim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

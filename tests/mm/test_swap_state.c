/* SPDX-License-Identifier: MIT */
/*
 * Tests of mm/swap_state.c: swap cache states against the swap map, the
 * readahead window functions on hand-computed cases, and both readahead
 * policies on a sequence of faults (hits and misses worked out by hand).
 * Swap IO goes to the in-memory backend of mm_test.h.
 */
#include "mm_test.h"
#include "mm/mmu.h"
#include "mm/swap_state.h"
#include "mm/vmscan.h"

#define BASE UINT64_C(0x30000000)

static void touch(struct mm *mm, unsigned int i);

static void test_cache_states(void **state)
{
	struct mm_env env;
	struct page *page, *other;
	swp_entry_t e;

	(void)state;
	mm_env_setup(&env, 64, 256, NULL);
	page = pgdat_alloc_page(env.pgdat);
	other = pgdat_alloc_page(env.pgdat);
	page_lock(page);
	page_lock(other);
	/* add_to_swap: slot owned by the cache, page dirty. */
	assert_int_equal(swap_cache_add_to_swap(env.pgdat, page), 0);
	e = page_swap_entry(page);
	assert_int_equal(mm_env_map(&env, e), SWAP_HAS_CACHE);
	assert_true(page_test_flag(page, PG_swapcache));
	assert_true(page_test_flag(page, PG_dirty));
	assert_int_equal(page_count(page), 2);
	assert_int_equal(swap_cache_nr_pages(env.pgdat), 1);
	/* Lookup takes a reference. */
	assert_ptr_equal(swap_cache_lookup(env.pgdat, e), page);
	assert_int_equal(page_count(page), 3);
	put_page(env.pgdat, page);
	/* One page per entry. */
	assert_int_equal(swap_cache_add(env.pgdat, other, e), -EEXIST);
	/* A pte refers to the slot: the swap copy must stay. */
	assert_int_equal(swap_table_dup(env.table, e), 0);
	assert_int_equal(mm_env_map(&env, e), SWAP_HAS_CACHE | 1);
	assert_int_equal(swap_cache_swapcount(env.pgdat, e), 1);
	assert_false(swap_cache_try_free_swap(env.pgdat, page));
	/* ... and not while a write is in flight. */
	assert_int_equal(swap_table_free(env.table, e), 0);
	page_set_flag(page, PG_writeback);
	assert_false(swap_cache_try_free_swap(env.pgdat, page));
	page_clear_flag(page, PG_writeback);
	/* Nobody else: the slot is freed with the cache page. */
	assert_true(swap_cache_try_free_swap(env.pgdat, page));
	assert_int_equal(mm_env_map(&env, e), 0);
	assert_false(page_test_flag(page, PG_swapcache));
	assert_null(swap_cache_lookup(env.pgdat, e));
	assert_int_equal(page_count(page), 1);
	/* delete_from_swap_cache directly. */
	assert_int_equal(swap_cache_add_to_swap(env.pgdat, other), 0);
	e = page_swap_entry(other);
	page_get(other);
	swap_cache_delete(env.pgdat, other);
	assert_int_equal(mm_env_map(&env, e), 0);
	assert_int_equal(page_count(other), 2);
	put_page(env.pgdat, other);
	page_unlock(other);
	put_page(env.pgdat, other);
	page_unlock(page);
	put_page(env.pgdat, page);
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 64);
	mm_env_teardown(&env);
}

static void test_ra_nr_pages(void **state)
{
	(void)state;
	/* No hits: 1, or 2 next to the previous fault (either side). */
	assert_int_equal(swap_ra_nr_pages(10, 20, 0, 8, 0), 1);
	assert_int_equal(swap_ra_nr_pages(10, 11, 0, 8, 0), 2);
	assert_int_equal(swap_ra_nr_pages(10, 9, 0, 8, 0), 2);
	/* hits + 2 rounded up to a power of two, at least 4. */
	assert_int_equal(swap_ra_nr_pages(10, 20, 1, 8, 0), 4);
	assert_int_equal(swap_ra_nr_pages(10, 20, 2, 8, 0), 4);
	assert_int_equal(swap_ra_nr_pages(10, 20, 3, 8, 0), 8);
	assert_int_equal(swap_ra_nr_pages(10, 20, 3, 32, 0), 8);
	assert_int_equal(swap_ra_nr_pages(10, 20, 7, 32, 0), 16);
	/* Capped at max_pages. */
	assert_int_equal(swap_ra_nr_pages(10, 20, 10, 8, 0), 8);
	/* Never below half the last window. */
	assert_int_equal(swap_ra_nr_pages(10, 20, 0, 8, 8), 4);
	assert_int_equal(swap_ra_nr_pages(10, 20, 0, 8, 4), 2);
	assert_int_equal(swap_ra_nr_pages(10, 20, 0, 8, 2), 1);
}

static void test_ra_cluster_window(void **state)
{
	uint64_t s, e;

	(void)state;
	swap_ra_cluster_window(13, 8, 100, &s, &e);
	assert_int_equal(s, 8);
	assert_int_equal(e, 15);
	swap_ra_cluster_window(3, 8, 100, &s, &e); /* skips the header */
	assert_int_equal(s, 1);
	assert_int_equal(e, 7);
	swap_ra_cluster_window(98, 8, 100, &s, &e); /* ends at the area */
	assert_int_equal(s, 96);
	assert_int_equal(e, 99);
	swap_ra_cluster_window(21, 1, 100, &s, &e);
	assert_int_equal(s, 21);
	assert_int_equal(e, 21);
}

static void test_ra_vma_window(void **state)
{
	struct swap_ra_vma_in in = {
		.page_cluster = 3,
		.vma_start = 0,
		.vma_end = 10000,
	};
	uint64_t s, e;

	(void)state;
	/* Forward: 2 pages from the fault. */
	in.fault_vpn = 100, in.prev_vpn = 99;
	assert_int_equal(swap_ra_vma_window(&in, &s, &e), 2);
	assert_int_equal(s, 100);
	assert_int_equal(e, 102);
	/* Backward. */
	in.prev_vpn = 101;
	assert_int_equal(swap_ra_vma_window(&in, &s, &e), 2);
	assert_int_equal(s, 99);
	assert_int_equal(e, 101);
	/* Around, with (win - 1) / 2 pages before the fault. */
	in.prev_vpn = 50, in.hits = 2;
	assert_int_equal(swap_ra_vma_window(&in, &s, &e), 4);
	assert_int_equal(s, 99);
	assert_int_equal(e, 103);
	/* Clipped to the VMA. */
	in.vma_start = 100;
	swap_ra_vma_window(&in, &s, &e);
	assert_int_equal(s, 100);
	assert_int_equal(e, 103);
	/* Clipped to the page-table page (512 ptes). */
	in.vma_start = 0, in.fault_vpn = 511, in.hits = 6;
	assert_int_equal(swap_ra_vma_window(&in, &s, &e), 8);
	assert_int_equal(s, 508);
	assert_int_equal(e, 512);
	/* page_cluster 0: no readahead; above 5 the window stops at 32. */
	in.page_cluster = 0;
	assert_int_equal(swap_ra_vma_window(&in, &s, &e), 1);
	assert_int_equal(e - s, 1);
	in.page_cluster = 8, in.hits = 100, in.fault_vpn = 1000;
	assert_int_equal(swap_ra_vma_window(&in, &s, &e), 32);
	/* The state word round-trips. */
	{
		uint64_t vpn;
		unsigned int win, hits;

		swap_ra_info_unpack(swap_ra_info_pack(0x7f0000123, 8, 3), &vpn,
				    &win, &hits);
		assert_int_equal(vpn, 0x7f0000123);
		assert_int_equal(win, 8);
		assert_int_equal(hits, 3);
	}
}

/* @n pages written, then all swapped out in order: page i to slot i+1. */
static struct mm *swapped_out_pages(struct mm_env *env, unsigned int n)
{
	struct scan_control sc;
	struct mmu_pte_info pi;
	struct mm *mm;

	assert_int_equal(mmu_mm_create(env->pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, 64 * PAGE_SIZE), 0);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(
			mmu_write(mm, BASE + i * PAGE_SIZE, &i, sizeof(i)), 0);
	for (int pass = 0; pass < 2; pass++) {
		vmscan_sc_init(&sc, SWAP_CLUSTER_MAX, false);
		vmscan_shrink_inactive_list(env->pgdat, SWAP_CLUSTER_MAX, &sc);
	}
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(mmu_pte_info(mm, BASE + i * PAGE_SIZE, &pi),
				 0);
		assert_int_equal(pi.kind, MMU_PTE_SWAP);
		assert_int_equal(swp_offset(pi.entry), i + 1);
	}
	return mm;
}

static void touch(struct mm *mm, unsigned int i)
{
	unsigned int v = ~0u;

	assert_int_equal(mmu_read(mm, BASE + i * PAGE_SIZE, &v, sizeof(v)), 0);
	assert_int_equal(v, i);
}

static void test_cluster_readahead_sequence(void **state)
{
	const struct page_watermarks wm = {2, 4, 8};
	struct mm_env env;
	struct mm *mm;

	(void)state;
	mm_env_setup(&env, 64, 256, &wm);
	env.pgdat->vma_ra = false; /* cluster policy, page-cluster 3 */
	mm = swapped_out_pages(&env, 16);
	/* Slot 1, previous offset 0: adjacent, window 2 = [1] (slot 0 is
	 * the header). */
	touch(mm, 0);
	assert_int_equal(ev(&env, SWAP_RA), 0);
	/* Slot 2 next to 1: window 2 = [2, 3]: slot 3 read ahead. */
	touch(mm, 1);
	assert_int_equal(ev(&env, SWAP_RA), 1);
	/* Slot 3 was read ahead: a hit, no read. */
	touch(mm, 2);
	assert_int_equal(ev(&env, SWAP_RA_HIT), 1);
	assert_int_equal(ev(&env, PGMAJFAULT), 2);
	/* Slot 4 with 1 hit: window 4 = [4, 7]. */
	touch(mm, 3);
	assert_int_equal(ev(&env, SWAP_RA), 4);
	touch(mm, 4);
	touch(mm, 5);
	touch(mm, 6);
	assert_int_equal(ev(&env, SWAP_RA_HIT), 4);
	/* Slot 8 with 3 hits: window 8 = [8, 15]. */
	touch(mm, 7);
	assert_int_equal(ev(&env, SWAP_RA), 11);
	for (unsigned int i = 8; i < 15; i++)
		touch(mm, i);
	assert_int_equal(ev(&env, SWAP_RA_HIT), 11);
	assert_int_equal(ev(&env, PGMAJFAULT), 4);
	/* Slot 16 with 7 hits: window 8 = [16, 23]; 17.. are free slots
	 * and are skipped. */
	touch(mm, 15);
	assert_int_equal(ev(&env, SWAP_RA), 11);
	assert_int_equal(ev(&env, PGMAJFAULT), 5);
	assert_int_equal(ev(&env, PSWPIN), 16);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_vma_readahead_sequence(void **state)
{
	const struct page_watermarks wm = {2, 4, 8};
	struct mm_env env;
	struct mm *mm;

	(void)state;
	mm_env_setup(&env, 64, 256, &wm); /* VMA policy, page-cluster 3 */
	mm = swapped_out_pages(&env, 16);
	/* First fault: no history, window 1. */
	touch(mm, 0);
	assert_int_equal(ev(&env, SWAP_RA), 0);
	/* Next page: forward window 2 -> page 2 read ahead. */
	touch(mm, 1);
	assert_int_equal(ev(&env, SWAP_RA), 1);
	touch(mm, 2); /* hit: the VMA's last fault address moves to 2 */
	assert_int_equal(ev(&env, SWAP_RA_HIT), 1);
	/* Page 3, 1 hit, last address 2 (adjacent): window 4 forward =
	 * [3, 7), pages 4..6 read ahead (swap_update_readahead). */
	touch(mm, 3);
	assert_int_equal(ev(&env, SWAP_RA), 4);
	touch(mm, 4);
	touch(mm, 5);
	touch(mm, 6);
	assert_int_equal(ev(&env, SWAP_RA_HIT), 4);
	/* Page 7, 3 hits, last address 6: window 8 forward = [7, 15). */
	touch(mm, 7);
	assert_int_equal(ev(&env, SWAP_RA), 11);
	assert_int_equal(ev(&env, PGMAJFAULT), 4);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

/*
 * swapoff with two areas: area 0 (priority 10) holds a parent's and a
 * fork's pages; it is swapped off while memory is too small to hold
 * them, so they come back in and go out again to area 1.
 */
static void test_swapoff_moves_pages(void **state)
{
	const struct page_watermarks wm = {4, 8, 12};
	struct swap_area_stats st;
	struct mmu_pte_info pi;
	struct swap_area *area1;
	struct mm_env env;
	struct mm *mm, *child;
	unsigned int in_area1 = 0;

	(void)state;
	mm_env_setup(&env, 64, 512, &wm);
	assert_int_equal(swap_table_swapoff(env.table, 0, NULL, NULL), 0);
	assert_int_equal(swap_table_swapon(env.table, env.area, 10, &env.type),
			 0);
	area1 = mm_env_add_area(&env, 512, 5);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, 200 * PAGE_SIZE), 0);
	for (unsigned int i = 0; i < 200; i++)
		assert_int_equal(
			mmu_write(mm, BASE + i * PAGE_SIZE, &i, sizeof(i)), 0);
	assert_int_equal(mmu_fork(mm, 1, &child), 0);
	swap_area_stats(env.area, &st);
	assert_true(st.nr_inuse > 100); /* most pages are in area 0 */
	swap_area_stats(area1, &st);
	assert_int_equal(st.nr_inuse, 0);
	assert_int_equal(pgdat_swapoff(env.pgdat, 0), 0);
	assert_null(swap_table_area(env.table, 0));
	for (unsigned int i = 0; i < 200; i++) {
		assert_int_equal(mmu_pte_info(child, BASE + i * PAGE_SIZE, &pi),
				 0);
		assert_true(
			pi.kind == MMU_PTE_PRESENT ||
			(pi.kind == MMU_PTE_SWAP && swp_type(pi.entry) == 1));
		in_area1 += pi.kind == MMU_PTE_SWAP;
	}
	assert_true(in_area1 > 100);
	for (unsigned int i = 0; i < 200; i++) {
		touch(mm, i);
		touch(child, i);
	}
	assert_int_equal(ev(&env, SWAP_CSUM_FAIL), 0);
	mmu_exit(child);
	mmu_exit(mm);
	swap_area_stats(area1, &st);
	assert_int_equal(st.nr_inuse, 0);
	assert_int_equal(swap_table_swapoff(env.table, 1, NULL, NULL), 0);
	swap_area_destroy(area1);
	mm_env_teardown(&env);
}

/* swapoff without room anywhere fails with -ENOMEM and changes nothing
 * that matters: the area is back and every page still reads right. */
static void test_swapoff_without_room(void **state)
{
	const struct page_watermarks wm = {4, 8, 12};
	struct mm_env env;
	struct mm *mm;

	(void)state;
	mm_env_setup(&env, 64, 512, &wm);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, 200 * PAGE_SIZE), 0);
	for (unsigned int i = 0; i < 200; i++)
		assert_int_equal(
			mmu_write(mm, BASE + i * PAGE_SIZE, &i, sizeof(i)), 0);
	assert_int_equal(pgdat_swapoff(env.pgdat, 0), -ENOMEM);
	assert_non_null(swap_table_area(env.table, 0));
	for (unsigned int i = 0; i < 200; i++)
		touch(mm, i);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache_states),
		cmocka_unit_test(test_ra_nr_pages),
		cmocka_unit_test(test_ra_cluster_window),
		cmocka_unit_test(test_ra_vma_window),
		cmocka_unit_test(test_cluster_readahead_sequence),
		cmocka_unit_test(test_vma_readahead_sequence),
		cmocka_unit_test(test_swapoff_moves_pages),
		cmocka_unit_test(test_swapoff_without_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

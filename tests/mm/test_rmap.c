/* SPDX-License-Identifier: MIT */
/* Tests of mm/rmap.c with fork: map counts, page_referenced, try_to_unmap
 * replacing every pte with the swap entry (swap count = mappings), and
 * swap counts dropping on exit and munmap. */
#include "mm_test.h"
#include "mm/mmu.h"
#include "mm/rmap.h"
#include "mm/swap_state.h"

#define BASE UINT64_C(0x10000000)

struct fork3 {
	struct mm_env env;
	struct mm *mm[3];  /* parent and two children */
	struct page *page; /* page at BASE, shared by all */
};

static void fork3_setup(struct fork3 *f)
{
	mm_env_setup(&f->env, 64, 256, NULL);
	assert_int_equal(mmu_mm_create(f->env.pgdat, 0, &f->mm[0]), 0);
	assert_int_equal(mmu_mmap(f->mm[0], BASE, 4 * PAGE_SIZE), 0);
	assert_int_equal(mmu_write(f->mm[0], BASE, "shared", 7), 0);
	assert_int_equal(mmu_fork(f->mm[0], 1, &f->mm[1]), 0);
	assert_int_equal(mmu_fork(f->mm[1], 2, &f->mm[2]), 0);
	f->page = mmu_page_at(f->mm[0], BASE);
}

static void fork3_teardown(struct fork3 *f)
{
	for (int i = 0; i < 3; i++)
		if (f->mm[i])
			mmu_exit(f->mm[i]);
	assert_int_equal(page_pool_nr_free(pgdat_pool(f->env.pgdat)), 64);
	mm_env_teardown(&f->env);
}

static void test_mapcount_and_referenced(void **state)
{
	struct fork3 f;

	(void)state;
	fork3_setup(&f);
	assert_int_equal(page_mapcount(f.page), 3);
	assert_int_equal(page_count(f.page), 3);
	/* Only the parent's pte is young (a fork's copy starts old). */
	assert_int_equal(rmap_page_referenced(f.env.pgdat, f.page), 1);
	assert_int_equal(rmap_page_referenced(f.env.pgdat, f.page), 0);
	/* Accesses set young bits again: one per pte that was used. */
	assert_int_equal(mmu_access(f.mm[1], BASE, 1, false), 0);
	assert_int_equal(mmu_access(f.mm[2], BASE, 1, false), 0);
	assert_int_equal(rmap_page_referenced(f.env.pgdat, f.page), 2);
	assert_int_equal(mmu_access(f.mm[0], BASE, 1, false), 0);
	assert_int_equal(mmu_access(f.mm[1], BASE, 1, false), 0);
	assert_int_equal(mmu_access(f.mm[2], BASE, 1, false), 0);
	assert_int_equal(rmap_page_referenced(f.env.pgdat, f.page), 3);
	/* A COW copy in the grandchild leaves two mappings. */
	assert_int_equal(mmu_write(f.mm[2], BASE, "mine", 5), 0);
	assert_int_equal(page_mapcount(f.page), 2);
	assert_int_equal(mmu_access(f.mm[2], BASE, 1, false), 0);
	assert_int_equal(rmap_page_referenced(f.env.pgdat, f.page), 0);
	fork3_teardown(&f);
}

/* Lock @page, give it a slot and unmap it everywhere. */
static swp_entry_t unmap_to_swap(struct fork3 *f)
{
	struct tlbflush_batch tlb = {.nr = 0};
	swp_entry_t e;

	page_lock(f->page);
	assert_int_equal(swap_cache_add_to_swap(f->env.pgdat, f->page), 0);
	e = page_swap_entry(f->page);
	assert_false(swp_entry_none(e));
	assert_int_equal(mm_env_map(&f->env, e), SWAP_HAS_CACHE);
	assert_true(page_test_flag(f->page, PG_dirty));
	assert_true(rmap_try_to_unmap(f->env.pgdat, f->page, &tlb));
	tlb_batch_flush(&tlb);
	page_unlock(f->page);
	return e;
}

static void test_try_to_unmap(void **state)
{
	struct mmu_pte_info pi;
	struct fork3 f;
	swp_entry_t e;

	(void)state;
	fork3_setup(&f);
	e = unmap_to_swap(&f);
	/* Every pte holds the entry; one swap count per pte. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(mmu_pte_info(f.mm[i], BASE, &pi), 0);
		assert_int_equal(pi.kind, MMU_PTE_SWAP);
		assert_int_equal(pi.entry.val, e.val);
	}
	assert_int_equal(mm_env_map(&f.env, e), SWAP_HAS_CACHE | 3);
	assert_int_equal(page_mapcount(f.page), 0);
	assert_int_equal(page_count(f.page), 1); /* the swap cache's */
	/* A fault finds the page in the swap cache: a minor fault that
	 * gives back one swap count. */
	assert_int_equal(mmu_access(f.mm[1], BASE, 1, false), 0);
	assert_int_equal(ev(&f.env, PGMAJFAULT), 0);
	assert_int_equal(mm_env_map(&f.env, e), SWAP_HAS_CACHE | 2);
	assert_ptr_equal(mmu_page_at(f.mm[1], BASE), f.page);
	assert_int_equal(page_mapcount(f.page), 1);
	/* Swap counts follow exit and munmap. */
	mmu_exit(f.mm[2]);
	f.mm[2] = NULL;
	assert_int_equal(mm_env_map(&f.env, e), SWAP_HAS_CACHE | 1);
	assert_int_equal(mmu_munmap(f.mm[0], BASE, 4 * PAGE_SIZE), 0);
	assert_int_equal(mm_env_map(&f.env, e), SWAP_HAS_CACHE);
	/* The last user writes: the swap copy is dropped, the slot freed. */
	assert_int_equal(mmu_write(f.mm[1], BASE, "w", 1), 0);
	assert_int_equal(ev(&f.env, COW_FAULT), 0);
	assert_int_equal(mm_env_map(&f.env, e), 0);
	assert_false(page_test_flag(f.page, PG_swapcache));
	fork3_teardown(&f);
}

static void test_swap_counts_on_exit(void **state)
{
	struct fork3 f;
	swp_entry_t e;
	struct page *page;

	(void)state;
	fork3_setup(&f);
	e = unmap_to_swap(&f);
	page = f.page;
	for (int i = 2; i >= 0; i--) {
		mmu_exit(f.mm[i]);
		f.mm[i] = NULL;
		/* Counts drop one by one; the cache bit stays while the
		 * page is in the cache. */
		assert_int_equal(mm_env_map(&f.env, e) & ~SWAP_HAS_CACHE, i);
	}
	/* The last exit dropped the cache page too: slot free. */
	assert_int_equal(mm_env_map(&f.env, e), 0);
	assert_int_equal(swap_cache_nr_pages(f.env.pgdat), 0);
	(void)page;
	fork3_teardown(&f);
}

static void test_fork_of_swapped_pte(void **state)
{
	struct mmu_pte_info pi;
	struct fork3 f;
	struct mm *more;
	swp_entry_t e;
	char buf[8];

	(void)state;
	fork3_setup(&f);
	e = unmap_to_swap(&f);
	/* fork shares the swap entry: swap_duplicate. */
	assert_int_equal(mmu_fork(f.mm[0], 3, &more), 0);
	assert_int_equal(mm_env_map(&f.env, e), SWAP_HAS_CACHE | 4);
	assert_int_equal(mmu_pte_info(more, BASE, &pi), 0);
	assert_int_equal(pi.kind, MMU_PTE_SWAP);
	assert_int_equal(mmu_read(more, BASE, buf, 7), 0);
	assert_string_equal(buf, "shared");
	mmu_exit(more);
	assert_int_equal(mm_env_map(&f.env, e), SWAP_HAS_CACHE | 3);
	fork3_teardown(&f);
}

/* Counts stop at SWAP_MAP_MAX (62): a fork that would add a 63rd
 * reference to a swapped-out page fails and leaves everything as it
 * was. */
static void test_fork_swap_count_overflow(void **state)
{
	struct mm *kids[SWAP_MAP_MAX], *extra = NULL;
	struct fork3 f;
	swp_entry_t e;

	(void)state;
	fork3_setup(&f);
	e = unmap_to_swap(&f); /* 3 references */
	for (int i = 0; i < SWAP_MAP_MAX - 3; i++)
		assert_int_equal(mmu_fork(f.mm[0], 10 + i, &kids[i]), 0);
	assert_int_equal(mm_env_map(&f.env, e), SWAP_HAS_CACHE | SWAP_MAP_MAX);
	assert_int_equal(mmu_fork(f.mm[0], 99, &extra), -EOVERFLOW);
	assert_null(extra);
	assert_int_equal(mm_env_map(&f.env, e), SWAP_HAS_CACHE | SWAP_MAP_MAX);
	for (int i = 0; i < SWAP_MAP_MAX - 3; i++)
		mmu_exit(kids[i]);
	assert_int_equal(mm_env_map(&f.env, e), SWAP_HAS_CACHE | 3);
	fork3_teardown(&f);
}

/* A fork after a split keeps the rmap of both pieces: reclaim finds the
 * child's ptes through the pieces' anon_vmas. */
static void test_split_then_fork(void **state)
{
	struct tlbflush_batch tlb = {.nr = 0};
	struct mm_env env;
	struct mm *mm, *child;
	struct page *page;
	struct mmu_pte_info pi;

	(void)state;
	mm_env_setup(&env, 64, 256, NULL);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, 8 * PAGE_SIZE), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(mmu_write(mm, BASE + i * PAGE_SIZE, "x", 1),
				 0);
	assert_int_equal(mmu_munmap(mm, BASE + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(mmu_fork(mm, 1, &child), 0);
	page = mmu_page_at(mm, BASE + 5 * PAGE_SIZE);
	assert_int_equal(page_mapcount(page), 2);
	page_lock(page);
	assert_int_equal(swap_cache_add_to_swap(env.pgdat, page), 0);
	assert_true(rmap_try_to_unmap(env.pgdat, page, &tlb));
	tlb_batch_flush(&tlb);
	page_unlock(page);
	assert_int_equal(mmu_pte_info(child, BASE + 5 * PAGE_SIZE, &pi), 0);
	assert_int_equal(pi.kind, MMU_PTE_SWAP);
	assert_int_equal(mm_env_map(&env, pi.entry), SWAP_HAS_CACHE | 2);
	mmu_exit(child);
	mmu_exit(mm);
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 64);
	mm_env_teardown(&env);
}

/* A page swapped in by one sharer and still mapped by it is not taken
 * over by the other sharer's write fault: that one copies. */
static void test_swapin_shared_then_write(void **state)
{
	struct mmu_pte_info pi;
	struct fork3 f;
	char buf[8];

	(void)state;
	fork3_setup(&f);
	mmu_exit(f.mm[2]);
	f.mm[2] = NULL;
	unmap_to_swap(&f);
	/* The child reads: mapped read-only, still in the swap cache. */
	assert_int_equal(mmu_read(f.mm[1], BASE, buf, 7), 0);
	assert_string_equal(buf, "shared");
	/* The parent writes: its pte was the last one on the slot, but the
	 * child maps the page, so the parent gets a copy. */
	assert_int_equal(mmu_write(f.mm[0], BASE, "parent", 7), 0);
	assert_int_equal(ev(&f.env, COW_FAULT), 1);
	assert_int_equal(mmu_read(f.mm[1], BASE, buf, 7), 0);
	assert_string_equal(buf, "shared");
	assert_int_equal(mmu_pte_info(f.mm[1], BASE, &pi), 0);
	assert_false(pi.write);
	fork3_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapcount_and_referenced),
		cmocka_unit_test(test_try_to_unmap),
		cmocka_unit_test(test_swap_counts_on_exit),
		cmocka_unit_test(test_fork_of_swapped_pte),
		cmocka_unit_test(test_fork_swap_count_overflow),
		cmocka_unit_test(test_split_then_fork),
		cmocka_unit_test(test_swapin_shared_then_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

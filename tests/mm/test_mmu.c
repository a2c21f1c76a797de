/* SPDX-License-Identifier: MIT */
/* Tests of mm/mmu.c: anonymous faults, the zero page, fork and copy on
 * write, munmap and exit. */
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "mm_test.h"
#include "mm/lru.h"
#include "mm/mmu.h"
#include "mm/rmap.h"
#include "mm/workload.h"

#define BASE UINT64_C(0x7f0000000000)

static uint64_t nr_free(struct mm_env *env)
{
	return page_pool_nr_free(pgdat_pool(env->pgdat));
}

static void test_anon_fault(void **state)
{
	struct mmu_pte_info pi;
	struct mm_env env;
	struct mm *mm;
	struct page *page;
	uint64_t faults, maj;

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, 16 * PAGE_SIZE), 0);
	assert_int_equal(mmu_pte_info(mm, BASE, &pi), 0);
	assert_int_equal(pi.kind, MMU_PTE_NONE);
	assert_int_equal(mmu_access(mm, BASE + 8, 8, true), 0);
	assert_int_equal(mmu_pte_info(mm, BASE, &pi), 0);
	assert_int_equal(pi.kind, MMU_PTE_PRESENT);
	assert_true(pi.young && pi.dirty && pi.write);
	page = mmu_page_at(mm, BASE);
	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(page_count(page), 1);
	assert_true(page_test_flag(page, PG_lru));
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 1);
	/* A hit is not a fault. */
	assert_int_equal(mmu_access(mm, BASE + 16, 8, true), 0);
	assert_int_equal(ev(&env, PGFAULT), 1);
	mmu_fault_counts(mm, &faults, &maj);
	assert_int_equal(faults, 1);
	assert_int_equal(maj, 0);
	/* Crossing a page boundary touches both pages. */
	assert_int_equal(mmu_access(mm, BASE + 2 * PAGE_SIZE - 4, 8, true), 0);
	assert_int_equal(ev(&env, PGFAULT), 3);
	/* Outside any VMA. */
	assert_int_equal(mmu_access(mm, BASE + 16 * PAGE_SIZE, 1, false),
			 -EFAULT);
	assert_int_equal(mmu_mmap(mm, BASE + PAGE_SIZE, PAGE_SIZE), -EEXIST);
	assert_int_equal(mmu_mmap(mm, BASE + 100, PAGE_SIZE), -EINVAL);
	mmu_exit(mm);
	assert_int_equal(nr_free(&env), 64);
	mm_env_teardown(&env);
}

static void test_zero_page(void **state)
{
	struct mmu_pte_info pi;
	struct mm_env env;
	struct mm *mm;
	uint8_t buf[64], zeros[64] = {0};

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, 4 * PAGE_SIZE), 0);
	/* A read maps the shared zero page: no frame used. */
	assert_int_equal(mmu_read(mm, BASE, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, zeros, sizeof(buf));
	assert_int_equal(mmu_pte_info(mm, BASE, &pi), 0);
	assert_int_equal(pi.kind, MMU_PTE_ZERO);
	assert_false(pi.write);
	assert_int_equal(nr_free(&env), 64);
	/* A write then gets a private zeroed page. */
	assert_int_equal(mmu_write(mm, BASE + 10, "hi", 2), 0);
	assert_int_equal(mmu_pte_info(mm, BASE, &pi), 0);
	assert_int_equal(pi.kind, MMU_PTE_PRESENT);
	assert_int_equal(nr_free(&env), 63);
	assert_int_equal(mmu_read(mm, BASE, buf, 16), 0);
	assert_int_equal(buf[10], 'h');
	assert_int_equal(buf[0], 0);
	assert_int_equal(ev(&env, PGFAULT), 2);
	mmu_exit(mm);
	assert_int_equal(nr_free(&env), 64);
	mm_env_teardown(&env);
}

static void test_fork_cow(void **state)
{
	struct mmu_pte_info pp, cp;
	struct mm_env env;
	struct mm *parent, *child;
	struct page *old;
	char buf[8];

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &parent), 0);
	assert_int_equal(mmu_mmap(parent, BASE, 4 * PAGE_SIZE), 0);
	assert_int_equal(mmu_write(parent, BASE, "parent", 7), 0);
	assert_int_equal(mmu_write(parent, BASE + PAGE_SIZE, "second", 7), 0);
	old = mmu_page_at(parent, BASE);
	assert_int_equal(mmu_fork(parent, 1, &child), 0);
	/* Shared, write-protected in both; the child's pte is old. */
	assert_int_equal(page_mapcount(old), 2);
	assert_int_equal(page_count(old), 2);
	mmu_pte_info(parent, BASE, &pp);
	mmu_pte_info(child, BASE, &cp);
	assert_int_equal(pp.pfn, cp.pfn);
	assert_false(pp.write);
	assert_false(cp.write);
	assert_true(pp.young);
	assert_false(cp.young);
	assert_int_equal(nr_free(&env), 62);
	/* The child's write copies. */
	assert_int_equal(mmu_write(child, BASE, "child", 6), 0);
	assert_int_equal(ev(&env, COW_FAULT), 1);
	mmu_pte_info(child, BASE, &cp);
	assert_int_not_equal(cp.pfn, pp.pfn);
	assert_true(cp.write && cp.dirty);
	assert_int_equal(page_mapcount(old), 1);
	assert_int_equal(page_count(old), 1);
	assert_int_equal(mmu_read(parent, BASE, buf, 7), 0);
	assert_string_equal(buf, "parent");
	assert_int_equal(mmu_read(child, BASE, buf, 6), 0);
	assert_string_equal(buf, "child");
	/* The copy kept the rest of the page. */
	assert_int_equal(mmu_write(parent, BASE + 100, "x", 1), 0);
	/* ... and the parent, now the only user, reuses its page. */
	assert_int_equal(ev(&env, COW_FAULT), 1);
	mmu_pte_info(parent, BASE, &pp);
	assert_ptr_equal(mmu_page_at(parent, BASE), old);
	assert_true(pp.write);
	/* Reading in the child does not copy. */
	assert_int_equal(mmu_read(child, BASE + PAGE_SIZE, buf, 7), 0);
	assert_string_equal(buf, "second");
	assert_int_equal(nr_free(&env), 61);
	mmu_exit(child);
	assert_int_equal(page_mapcount(mmu_page_at(parent, BASE + PAGE_SIZE)),
			 1);
	assert_int_equal(nr_free(&env), 62);
	mmu_exit(parent);
	assert_int_equal(nr_free(&env), 64);
	assert_int_equal(pgdat_nr_anon(env.pgdat), 0);
	mm_env_teardown(&env);
}

static void test_fork_zero_page_cow(void **state)
{
	struct mm_env env;
	struct mm *parent, *child;
	char buf[4];

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &parent), 0);
	assert_int_equal(mmu_mmap(parent, BASE, PAGE_SIZE), 0);
	assert_int_equal(mmu_access(parent, BASE, 4, false), 0);
	assert_int_equal(mmu_fork(parent, 1, &child), 0);
	assert_int_equal(mmu_write(child, BASE, "abc", 4), 0);
	assert_int_equal(mmu_read(parent, BASE, buf, 4), 0);
	assert_int_equal(buf[0], 0);
	mmu_exit(parent);
	mmu_exit(child);
	assert_int_equal(nr_free(&env), 64);
	mm_env_teardown(&env);
}

static void test_munmap_split(void **state)
{
	struct mm_env env;
	struct mm *mm, *child;
	char buf[2];

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, 8 * PAGE_SIZE), 0);
	for (int i = 0; i < 8; i++) {
		char c[2] = {(char)('a' + i), 0};

		assert_int_equal(mmu_write(mm, BASE + i * PAGE_SIZE, c, 2), 0);
	}
	assert_int_equal(mmu_fork(mm, 1, &child), 0);
	assert_int_equal(nr_free(&env), 56);
	/* A hole in the middle splits the VMA in two. */
	assert_int_equal(mmu_munmap(mm, BASE + 3 * PAGE_SIZE, 2 * PAGE_SIZE),
			 0);
	assert_int_equal(mmu_access(mm, BASE + 3 * PAGE_SIZE, 1, false),
			 -EFAULT);
	assert_int_equal(mmu_access(mm, BASE + 4 * PAGE_SIZE, 1, false),
			 -EFAULT);
	assert_int_equal(mmu_read(mm, BASE + 2 * PAGE_SIZE, buf, 2), 0);
	assert_string_equal(buf, "c");
	assert_int_equal(mmu_read(mm, BASE + 5 * PAGE_SIZE, buf, 2), 0);
	assert_string_equal(buf, "f");
	/* Head and tail trims; then unmapping a range with holes. */
	assert_int_equal(mmu_munmap(mm, BASE, PAGE_SIZE), 0);
	assert_int_equal(mmu_munmap(mm, BASE + 7 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(mmu_read(mm, BASE + 6 * PAGE_SIZE, buf, 2), 0);
	assert_string_equal(buf, "g");
	/* The child still has every page; none was freed. */
	assert_int_equal(nr_free(&env), 56);
	assert_int_equal(mmu_munmap(mm, BASE, 8 * PAGE_SIZE), 0);
	assert_int_equal(mmu_munmap(mm, BASE, PAGE_SIZE), 0); /* nothing */
	assert_int_equal(mmu_munmap(mm, BASE + 1, PAGE_SIZE), -EINVAL);
	/* The child can still write: now the only user, no copy. */
	assert_int_equal(mmu_write(child, BASE + 4 * PAGE_SIZE, "z", 2), 0);
	assert_int_equal(ev(&env, COW_FAULT), 0);
	mmu_exit(child);
	mmu_exit(mm);
	assert_int_equal(nr_free(&env), 64);
	mm_env_teardown(&env);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct workload_op acc(uint64_t addr, uint64_t len, bool write)
{
	return (struct workload_op){
		.type = WL_ACCESS, .addr = addr, .len = len, .write = write};
}

/* Runs of accesses: the hit path and every way out of it. */
static void test_access_ops(void **state)
{
	const uint64_t vma2 = BASE + 64 * PAGE_SIZE;
	struct workload_op ops[] = {
		acc(BASE, 8, true),			/* fault: new page */
		acc(BASE + 8, 8, true),			/* hit */
		acc(BASE + PAGE_SIZE, 8, false),	/* zero page */
		acc(BASE + PAGE_SIZE, 8, false),	/* hit on it */
		acc(BASE + PAGE_SIZE + 1, 2, true),	/* copy on write */
		acc(BASE + 2 * PAGE_SIZE - 4, 8, true), /* two pages */
		acc(vma2, 4096, true),			/* another VMA */
		acc(BASE + 16, 1, false),		/* back, one byte */
		{.type = WL_MMAP, .addr = vma2 + 8 * PAGE_SIZE, .len = 4096},
	};
	struct workload_op bad[] = {
		acc(BASE + 24, 8, false),
		acc(BASE + 16 * PAGE_SIZE, 8, false), /* no VMA */
	};
	struct mmu_pte_info pi;
	struct mm_env env;
	unsigned int done;
	struct page *page;
	uint64_t v[2];
	struct mm *mm;

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, 16 * PAGE_SIZE), 0);
	assert_int_equal(mmu_mmap(mm, vma2, 4 * PAGE_SIZE), 0);
	assert_int_equal(mmu_access_ops(mm, ops, 9, &done), 0);
	assert_int_equal(done, 8); /* stops before the mmap */
	/* Faults: page 0, zero page, COW, page 2, the other VMA. */
	assert_int_equal(ev(&env, PGFAULT), 5);
	assert_int_equal(mmu_read(mm, BASE, v, sizeof(v)), 0);
	assert_true(v[0] != 0 && v[1] != 0 && v[0] != v[1]);
	assert_int_equal(mmu_pte_info(mm, BASE + PAGE_SIZE, &pi), 0);
	assert_int_equal(pi.kind, MMU_PTE_PRESENT);
	assert_true(pi.dirty && pi.write);
	/* page_referenced sees hits: a hit on a pte whose young bit reclaim
	 * cleared sets it again. */
	page = mmu_page_at(mm, BASE);
	assert_int_equal(rmap_page_referenced(env.pgdat, page), 1);
	assert_int_equal(rmap_page_referenced(env.pgdat, page), 0);
	assert_int_equal(mmu_access_ops(mm, bad, 1, &done), 0);
	assert_int_equal(done, 1);
	assert_int_equal(mmu_pte_info(mm, BASE, &pi), 0);
	assert_true(pi.young);
	assert_int_equal(rmap_page_referenced(env.pgdat, page), 1);
	assert_int_equal(ev(&env, PGFAULT), 5); /* setting young is no fault */
	/* A failure stops the run at the failing access. */
	assert_int_equal(mmu_access_ops(mm, bad, 2, &done), -EFAULT);
	assert_int_equal(done, 1);
	mmu_exit(mm);
	assert_int_equal(nr_free(&env), 64);
	mm_env_teardown(&env);
}

/*
 * The hit path: accesses to resident pages, random over 256 KiB and over
 * 16 MiB, 8 bytes, one write in four.  Prints the rate (the target is 20M/s on one
 * thread in an optimised build); asserts only that hits take no faults.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HIT_RATE_N 1000000u /* sanitizers: only check it works */
#else
#define HIT_RATE_N 20000000u
#endif

static void hit_rate(unsigned int pages)
{
	const unsigned int n = HIT_RATE_N;
	struct mm_env env;
	struct mm *mm;
	uint64_t x = 88172645463325252ull, faults, maj;
	double t0, t1;

	mm_env_setup(&env, 2 * pages, 0, NULL);
	assert_int_equal(mmu_mm_create(env.pgdat, 0, &mm), 0);
	assert_int_equal(mmu_mmap(mm, BASE, (uint64_t)pages * PAGE_SIZE), 0);
	for (unsigned int i = 0; i < pages; i++)
		assert_int_equal(mmu_access(mm, BASE + i * PAGE_SIZE, 8, true),
				 0);
	t0 = now_s();
	for (unsigned int i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		mmu_access(mm,
			   BASE + (x % pages) * PAGE_SIZE + (x >> 52 & 0xff8),
			   8, (x & 3) == 0);
	}
	t1 = now_s();
	mmu_fault_counts(mm, &faults, &maj);
	assert_int_equal(faults, pages);
	print_message("hit path, %u pages: %.1fM accesses/s (%.1f ns each)\n",
		      pages, n / (t1 - t0) / 1e6, (t1 - t0) / n * 1e9);
	mmu_exit(mm);
	mm_env_teardown(&env);
}

static void test_hit_rate(void **state)
{
	(void)state;
	hit_rate(64);	/* frames in cache: the cost of the path itself */
	hit_rate(4096); /* 16 MiB: memory latency shows */
}

/* A task thread is SCHED_BATCH; the thread that made it is not changed. */
static void *task_thread(void *arg)
{
	int *policy = arg;

	if (mmu_task_thread_init() == 0)
		*policy = sched_getscheduler(0);
	return NULL;
}

static void test_task_thread_init(void **state)
{
	int policy = -1, before = sched_getscheduler(0);
	pthread_t th;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, task_thread, &policy), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(policy, SCHED_BATCH);
	assert_int_equal(sched_getscheduler(0), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anon_fault),
		cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_fork_cow),
		cmocka_unit_test(test_fork_zero_page_cow),
		cmocka_unit_test(test_munmap_split),
		cmocka_unit_test(test_access_ops),
		cmocka_unit_test(test_hit_rate),
		cmocka_unit_test(test_task_thread_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

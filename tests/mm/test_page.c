/* SPDX-License-Identifier: MIT */
/* Tests of mm/page.c: frames, descriptors, page lock, checksum, history,
 * default watermarks. */
#include <pthread.h>
#include <unistd.h>

#include "mm_test.h"
#include "mm/page.h"

static void test_pool_alloc_free(void **state)
{
	struct page_pool *pool;
	struct page *a, *b;

	(void)state;
	assert_int_equal(page_pool_create(8, &pool), -EINVAL);
	assert_int_equal(page_pool_create(64, &pool), 0);
	assert_int_equal(page_pool_nr_free(pool), 64);
	a = page_pool_alloc(pool, 0);
	b = page_pool_alloc(pool, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(page_to_pfn(pool, a), 0);
	assert_int_equal(page_to_pfn(pool, b), 1);
	assert_ptr_equal(pfn_to_page(pool, 1), b);
	assert_null(pfn_to_page(pool, 64));
	assert_int_equal(page_count(a), 1);
	assert_int_equal(page_pool_nr_free(pool), 62);
	/* The reserve is respected. */
	assert_null(page_pool_alloc(pool, 62));
	memset(page_address(pool, a), 0xab, PAGE_SIZE);
	assert_true(page_put_testzero(a));
	page_pool_free(pool, a);
	assert_int_equal(page_pool_nr_free(pool), 63);
	/* LIFO: the frame just freed comes back first. */
	assert_ptr_equal(page_pool_alloc(pool, 0), a);
	/* The zero page reads as zeros and lies past the frames. */
	assert_int_equal(page_pool_zero_pfn(pool), 64);
	assert_int_equal(((uint8_t *)pfn_address(pool, 64))[4095], 0);
	page_pool_destroy(pool);
}

static void test_flags_and_counts(void **state)
{
	struct page_pool *pool;
	struct page *p;

	(void)state;
	assert_int_equal(page_pool_create(16, &pool), 0);
	p = page_pool_alloc(pool, 0);
	assert_false(page_test_flag(p, PG_dirty));
	page_set_flag(p, PG_dirty);
	assert_true(page_test_flag(p, PG_dirty));
	assert_true(page_test_clear_flag(p, PG_dirty));
	assert_false(page_test_clear_flag(p, PG_dirty));
	assert_false(page_test_set_flag(p, PG_referenced));
	assert_true(page_test_set_flag(p, PG_referenced));
	page_get(p);
	assert_int_equal(page_count(p), 2);
	assert_true(page_try_get(p));
	assert_false(page_put_testzero(p));
	assert_false(page_put_testzero(p));
	assert_true(page_put_testzero(p));
	assert_false(page_try_get(p)); /* being freed */
	assert_true(swp_entry_none(page_swap_entry(p)));
	page_pool_free(pool, p);
	page_pool_destroy(pool);
}

struct locker {
	struct page *page;
	_Atomic int stage;
};

static void *lock_waiter(void *arg)
{
	struct locker *l = arg;

	atomic_store(&l->stage, 1);
	page_lock(l->page); /* sleeps until the main thread unlocks */
	atomic_store(&l->stage, 2);
	page_unlock(l->page);
	return NULL;
}

static void test_page_lock_sleeps(void **state)
{
	struct page_pool *pool;
	struct locker l;
	pthread_t t;

	(void)state;
	assert_int_equal(page_pool_create(16, &pool), 0);
	l.page = page_pool_alloc(pool, 0);
	atomic_init(&l.stage, 0);
	page_lock(l.page);
	assert_false(page_trylock(l.page));
	assert_int_equal(pthread_create(&t, NULL, lock_waiter, &l), 0);
	while (atomic_load(&l.stage) == 0)
		usleep(100);
	usleep(20000);
	assert_int_equal(atomic_load(&l.stage), 1);
	page_unlock(l.page);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&l.stage), 2);
	assert_true(page_trylock(l.page));
	page_unlock(l.page);
	/* Writeback waits the same way. */
	page_set_flag(l.page, PG_writeback);
	page_end_writeback(l.page);
	page_wait_writeback(l.page);
	assert_true(page_put_testzero(l.page));
	page_pool_free(pool, l.page);
	page_pool_destroy(pool);
}

static void test_csum(void **state)
{
	uint8_t *buf = aligned_alloc(4096, 4096);
	uint64_t zero, c1, c2;

	(void)state;
	memset(buf, 0, 4096);
	zero = page_csum(buf);
	assert_int_not_equal(zero, 0);
	assert_int_equal(page_csum(buf), zero); /* deterministic */
	buf[4095] = 1;
	c1 = page_csum(buf);
	assert_int_not_equal(c1, zero);
	buf[4095] = 0;
	buf[0] = 1;
	c2 = page_csum(buf);
	assert_int_not_equal(c2, zero);
	assert_int_not_equal(c2, c1);
	/* Swapping two words changes the sum (lanes are position aware). */
	memset(buf, 0, 4096);
	buf[0] = 1;
	c1 = page_csum(buf);
	buf[0] = 0;
	buf[8] = 1;
	assert_int_not_equal(page_csum(buf), c1);
	free(buf);
}

static void test_history_ring(void **state)
{
	struct page_event_rec rec[PAGE_HISTORY_LEN];
	struct page_pool *pool;
	struct page *p;
	unsigned int n;

	(void)state;
	assert_int_equal(page_pool_create(16, &pool), 0);
	p = page_pool_alloc(pool, 0); /* records PE_ALLOC */
	n = page_history(p, rec);
	assert_int_equal(n, 1);
	assert_int_equal(rec[0].event, PE_ALLOC);
	for (uint64_t i = 0; i < 10; i++)
		page_history_add(pool, p, PE_SWAPOUT, i);
	n = page_history(p, rec);
	assert_int_equal(n, PAGE_HISTORY_LEN);
	/* The last PAGE_HISTORY_LEN events, oldest first. */
	for (unsigned int k = 0; k < n; k++) {
		assert_int_equal(rec[k].event, PE_SWAPOUT);
		assert_int_equal(rec[k].arg, 10 - PAGE_HISTORY_LEN + k);
		if (k)
			assert_true(rec[k].seq > rec[k - 1].seq);
	}
	assert_string_equal(page_event_name(PE_SWAPOUT), "swapout-submit");
	assert_true(page_put_testzero(p));
	page_pool_free(pool, p);
	page_pool_destroy(pool);
}

static void test_watermarks_default(void **state)
{
	struct page_watermarks wm;

	(void)state;
	/* 16 frames: min_free_kbytes clamps to 128 (32 pages), capped at
	 * 16/16 = 1; the gap is at least one page. */
	page_watermarks_default(16, &wm);
	assert_int_equal(wm.min, 1);
	assert_int_equal(wm.low, 2);
	assert_int_equal(wm.high, 3);
	/* 16 MiB: sqrt(16384 * 16) = 512 KiB = 128 pages; gap max(4, 32). */
	page_watermarks_default(4096, &wm);
	assert_int_equal(wm.min, 128);
	assert_int_equal(wm.low, 160);
	assert_int_equal(wm.high, 192);
	/* 1 GiB: sqrt(1048576 * 16) = 4096 KiB = 1024 pages; gap
	 * max(262, 256) = 262. */
	page_watermarks_default(262144, &wm);
	assert_int_equal(wm.min, 1024);
	assert_int_equal(wm.low, 1286);
	assert_int_equal(wm.high, 1548);
}

static void test_set_watermarks(void **state)
{
	struct page_pool *pool;
	struct page_watermarks wm = {4, 8, 12}, bad = {8, 8, 12}, got;

	(void)state;
	assert_int_equal(page_pool_create(32, &pool), 0);
	assert_int_equal(page_pool_set_watermarks(pool, &bad), -EINVAL);
	assert_int_equal(page_pool_set_watermarks(pool, &wm), 0);
	page_pool_watermarks(pool, &got);
	assert_int_equal(got.low, 8);
	assert_true(page_pool_watermark_ok(pool, 31));
	assert_false(page_pool_watermark_ok(pool, 32));
	page_pool_destroy(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_alloc_free),
		cmocka_unit_test(test_flags_and_counts),
		cmocka_unit_test(test_page_lock_sleeps),
		cmocka_unit_test(test_csum),
		cmocka_unit_test(test_history_ring),
		cmocka_unit_test(test_watermarks_default),
		cmocka_unit_test(test_set_watermarks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

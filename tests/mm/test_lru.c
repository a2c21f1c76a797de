/* SPDX-License-Identifier: MIT */
/* Tests of mm/lru.c: list movement, mark_page_accessed, inactive ratio,
 * isolation and putback. */
#include "mm_test.h"
#include "mm/lru.h"

/* @n unmapped pages on the inactive list. */
static void add_pages(struct mm_env *env, struct page **p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		p[i] = pgdat_alloc_page(env->pgdat);
		assert_non_null(p[i]);
		lru_add(env->pgdat, p[i]);
	}
}

static void drop_pages(struct mm_env *env, struct page **p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		put_page(env->pgdat, p[i]); /* takes it off the LRU */
	assert_int_equal(lru_size(env->pgdat, LRU_INACTIVE_ANON), 0);
	assert_int_equal(lru_size(env->pgdat, LRU_ACTIVE_ANON), 0);
}

static void test_add_and_order(void **state)
{
	struct mm_env env;
	struct page *p[3], *walk[3];

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	add_pages(&env, p, 3);
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 3);
	assert_true(page_test_flag(p[0], PG_lru));
	assert_false(page_test_flag(p[0], PG_active));
	/* Newest at the head. */
	assert_int_equal(lru_walk(env.pgdat, LRU_INACTIVE_ANON, walk, 3), 3);
	assert_ptr_equal(walk[0], p[2]);
	assert_ptr_equal(walk[2], p[0]);
	/* Rotation puts a page at the tail. */
	lru_rotate(env.pgdat, p[2]);
	lru_walk(env.pgdat, LRU_INACTIVE_ANON, walk, 3);
	assert_ptr_equal(walk[2], p[2]);
	assert_int_equal(ev(&env, PGROTATED), 1);
	drop_pages(&env, p, 3);
	mm_env_teardown(&env);
}

static void test_mark_accessed_promotes(void **state)
{
	struct mm_env env;
	struct page *p[2];

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	add_pages(&env, p, 2);
	/* First use: referenced only. */
	lru_mark_accessed(env.pgdat, p[0]);
	assert_true(page_test_flag(p[0], PG_referenced));
	assert_false(page_test_flag(p[0], PG_active));
	assert_int_equal(lru_size(env.pgdat, LRU_ACTIVE_ANON), 0);
	/* Second use: activated, referenced cleared. */
	lru_mark_accessed(env.pgdat, p[0]);
	assert_true(page_test_flag(p[0], PG_active));
	assert_false(page_test_flag(p[0], PG_referenced));
	assert_int_equal(lru_size(env.pgdat, LRU_ACTIVE_ANON), 1);
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 1);
	assert_int_equal(ev(&env, PGACTIVATE), 1);
	/* Further uses of an active page only set referenced. */
	lru_mark_accessed(env.pgdat, p[0]);
	lru_mark_accessed(env.pgdat, p[0]);
	assert_int_equal(ev(&env, PGACTIVATE), 1);
	/* activate_page directly. */
	lru_activate(env.pgdat, p[1]);
	assert_int_equal(lru_size(env.pgdat, LRU_ACTIVE_ANON), 2);
	drop_pages(&env, p, 2);
	mm_env_teardown(&env);
}

static void test_inactive_ratio(void **state)
{
	const uint64_t gb = 262144; /* pages per GiB */

	(void)state;
	assert_int_equal(lru_inactive_ratio(0), 1);
	assert_int_equal(lru_inactive_ratio(gb - 1), 1);
	assert_int_equal(lru_inactive_ratio(gb), 3);	    /* sqrt(10) */
	assert_int_equal(lru_inactive_ratio(4 * gb), 6);    /* sqrt(40) */
	assert_int_equal(lru_inactive_ratio(10 * gb), 10);  /* sqrt(100) */
	assert_int_equal(lru_inactive_ratio(100 * gb), 31); /* sqrt(1000) */
}

static void test_inactive_is_low(void **state)
{
	struct mm_env env;
	struct page *p[10];

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	add_pages(&env, p, 10);
	/* Under 1 GiB the ratio is 1: low when inactive < active. */
	for (int i = 0; i < 5; i++)
		lru_activate(env.pgdat, p[i]);
	assert_false(lru_inactive_is_low(env.pgdat)); /* 5 vs 5 */
	lru_activate(env.pgdat, p[5]);
	assert_true(lru_inactive_is_low(env.pgdat)); /* 4 vs 6 */
	drop_pages(&env, p, 10);
	mm_env_teardown(&env);
}

static void test_isolate_putback(void **state)
{
	struct mm_env env;
	struct page *p[4], *walk[4];
	struct page_list list;
	uint64_t scanned;

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	add_pages(&env, p, 4);
	page_list_init(&list);
	/* Oldest two come off the tail. */
	assert_int_equal(
		lru_isolate(env.pgdat, LRU_INACTIVE_ANON, 2, &list, &scanned),
		2);
	assert_int_equal(scanned, 2);
	assert_false(page_test_flag(p[0], PG_lru));
	assert_false(page_test_flag(p[1], PG_lru));
	assert_int_equal(page_count(p[0]), 2); /* isolation reference */
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 2);
	/* A page marked active goes back to the active list. */
	page_set_flag(p[1], PG_active);
	lru_putback(env.pgdat, &list);
	assert_int_equal(page_count(p[0]), 1);
	assert_int_equal(lru_size(env.pgdat, LRU_ACTIVE_ANON), 1);
	assert_int_equal(lru_walk(env.pgdat, LRU_INACTIVE_ANON, walk, 4), 3);
	assert_ptr_equal(walk[0], p[0]); /* put back at the head */
	/* A page whose last reference goes while isolated is freed at
	 * putback. */
	lru_isolate(env.pgdat, LRU_INACTIVE_ANON, 1, &list, &scanned);
	assert_ptr_equal(list.head, p[2]);
	put_page(env.pgdat, p[2]); /* the owner lets go */
	lru_putback(env.pgdat, &list);
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 2);
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 61);
	p[2] = p[3];
	drop_pages(&env, p, 3);
	mm_env_teardown(&env);
}

static void test_isolate_inactive(void **state)
{
	struct mm_env env;
	struct page *p[2];

	(void)state;
	mm_env_setup(&env, 64, 0, NULL);
	add_pages(&env, p, 2);
	lru_activate(env.pgdat, p[1]);
	assert_false(lru_isolate_inactive(env.pgdat, p[1])); /* active */
	assert_true(lru_isolate_inactive(env.pgdat, p[0]));
	assert_false(page_test_flag(p[0], PG_lru));
	assert_false(lru_isolate_inactive(env.pgdat, p[0])); /* not listed */
	assert_int_equal(lru_size(env.pgdat, LRU_INACTIVE_ANON), 0);
	assert_int_equal(page_count(p[0]), 1); /* no reference taken */
	drop_pages(&env, p, 2);
	mm_env_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_order),
		cmocka_unit_test(test_mark_accessed_promotes),
		cmocka_unit_test(test_inactive_ratio),
		cmocka_unit_test(test_inactive_is_low),
		cmocka_unit_test(test_isolate_putback),
		cmocka_unit_test(test_isolate_inactive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

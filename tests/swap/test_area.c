/* SPDX-License-Identifier: MIT */
/*
 * Tests of swap/area.c, cluster.c and scan.c: the swap_map transitions,
 * both allocators, cluster lists, discard, and a model-checked random
 * sequence and a concurrent stress run for each policy.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "swap/area.h"

static const enum swap_alloc_policy policies[] = {
	SWAP_ALLOC_CLUSTER, SWAP_ALLOC_SCAN,
};
#define FOR_ALL_POLICIES(p)                                                   \
	for (unsigned int _i = 0;                                             \
	     _i < sizeof(policies) / sizeof(*policies) &&                     \
	     ((p) = policies[_i], 1);                                          \
	     _i++)

static struct swap_area *make_area(uint64_t pages, enum swap_alloc_policy p,
				   const uint32_t *bad, uint32_t nr_bad)
{
	struct swap_area_config cfg = {
		.nr_pages = pages, .badpages = bad, .nr_badpages = nr_bad,
		.policy = p,
	};
	struct swap_area *a = NULL;

	assert_int_equal(swap_area_create(&cfg, &a), 0);
	assert_non_null(a);
	return a;
}

static void test_create_rejects(void **state)
{
	struct swap_area *a = NULL;
	uint32_t bad0 = 0, bad_far = 100;
	struct swap_area_config cfg = { .nr_pages = 10 };

	(void)state;
	/* 10 pages = 9 usable: fewer than 10 */
	assert_int_equal(swap_area_create(&cfg, &a), -EINVAL);
	cfg.nr_pages = 100;
	cfg.badpages = &bad0;
	cfg.nr_badpages = 1;
	assert_int_equal(swap_area_create(&cfg, &a), -EINVAL);
	cfg.badpages = &bad_far;
	assert_int_equal(swap_area_create(&cfg, &a), -EINVAL);
	cfg.badpages = NULL;
	assert_int_equal(swap_area_create(&cfg, &a), -EINVAL);
	cfg.nr_badpages = 0;
	cfg.policy = (enum swap_alloc_policy)7;
	assert_int_equal(swap_area_create(&cfg, &a), -EINVAL);
	assert_null(a);
}

static void test_bad_slots(void **state)
{
	uint32_t bad[] = { 5, 6, 700 };
	enum swap_alloc_policy p;

	(void)state;
	FOR_ALL_POLICIES(p) {
		struct swap_area *a = make_area(1024, p, bad, 3);
		struct swap_area_stats st;
		uint64_t off;
		unsigned int n = 0;

		assert_int_equal(swap_area_map(a, 0), SWAP_MAP_BAD);
		assert_int_equal(swap_area_map(a, 5), SWAP_MAP_BAD);
		assert_int_equal(swap_area_map(a, 700), SWAP_MAP_BAD);
		assert_int_equal(swap_area_map(a, 1024), SWAP_MAP_BAD);
		while (swap_area_alloc(a, 0, 1, &off) == 0) {
			assert_true(off != 0 && off != 5 && off != 6 &&
				    off != 700 && off < 1024);
			n++;
		}
		assert_int_equal(n, 1024 - 4);
		assert_int_equal(swap_area_nr_free(a), 0);
		swap_area_stats(a, &st);
		assert_int_equal(st.nr_bad, 4);
		assert_int_equal(st.nr_free, 0);
		assert_int_equal(st.nr_inuse, 1020);
		assert_int_equal(swap_area_dup(a, 0), -EINVAL);
		assert_int_equal(swap_area_free(a, 5), -EINVAL);
		assert_int_equal(swap_area_cache_get(a, 700), -EINVAL);
		swap_area_destroy(a);
	}
}

static void test_transitions(void **state)
{
	enum swap_alloc_policy p;

	(void)state;
	FOR_ALL_POLICIES(p) {
		struct swap_area *a = make_area(2048, p, NULL, 0);
		uint64_t off;

		/* free slot: nothing but allocation applies */
		assert_int_equal(swap_area_dup(a, 9), -ENOENT);
		assert_int_equal(swap_area_free(a, 9), -ENOENT);
		assert_int_equal(swap_area_cache_get(a, 9), -ENOENT);
		assert_int_equal(swap_area_cache_put(a, 9), -ENOENT);
		assert_int_equal(swap_area_dup(a, 2048), -ERANGE);
		assert_int_equal(swap_area_free(a, 1u << 30), -ERANGE);

		/* a counted slot */
		assert_int_equal(swap_area_alloc(a, 0, 1, &off), 0);
		assert_int_equal(swap_area_map(a, off), 1);
		for (int i = 1; i < SWAP_MAP_MAX; i++)
			assert_int_equal(swap_area_dup(a, off), 0);
		assert_int_equal(swap_area_map(a, off), SWAP_MAP_MAX);
		assert_int_equal(swap_area_dup(a, off), -EOVERFLOW);
		assert_int_equal(swap_area_map(a, off), SWAP_MAP_MAX);
		assert_int_equal(swap_area_cache_get(a, off), 0);
		assert_int_equal(swap_area_cache_get(a, off), -EEXIST);
		assert_int_equal(swap_area_map(a, off),
				 SWAP_MAP_MAX | SWAP_HAS_CACHE);
		for (int i = 0; i < SWAP_MAP_MAX; i++)
			assert_int_equal(swap_area_free(a, off), 0);
		/* count 0, cache bit still set: still in use */
		assert_int_equal(swap_area_map(a, off), SWAP_HAS_CACHE);
		assert_int_equal(swap_area_free(a, off), -ENOENT);
		/* the kernel lets a cache-only slot be referenced again */
		assert_int_equal(swap_area_dup(a, off), 0);
		assert_int_equal(swap_area_free(a, off), 0);
		assert_int_equal(swap_area_cache_put(a, off), 0);
		assert_int_equal(swap_area_map(a, off), 0);
		assert_int_equal(swap_area_cache_put(a, off), -ENOENT);

		/* allocated for the swap cache */
		assert_int_equal(swap_area_alloc(a, 0, SWAP_HAS_CACHE, &off), 0);
		assert_int_equal(swap_area_map(a, off), SWAP_HAS_CACHE);
		assert_int_equal(swap_area_dup(a, off), 0);
		assert_int_equal(swap_area_cache_put(a, off), 0);
		assert_int_equal(swap_area_map(a, off), 1);
		assert_int_equal(swap_area_free(a, off), 0);
		assert_int_equal(swap_area_map(a, off), 0);

		assert_int_equal(swap_area_alloc(a, 0, 2, &off), -EINVAL);
		assert_int_equal(swap_area_alloc(a, SWAP_NR_ORDERS, 1, &off),
				 -EINVAL);
		swap_area_destroy(a);
	}
}

static void test_writeok(void **state)
{
	enum swap_alloc_policy p;

	(void)state;
	FOR_ALL_POLICIES(p) {
		struct swap_area *a = make_area(1024, p, NULL, 0);
		uint64_t off, off2;

		assert_int_equal(swap_area_alloc(a, 0, 1, &off), 0);
		swap_area_set_writeok(a, false);
		assert_false(swap_area_writeok(a));
		assert_int_equal(swap_area_alloc(a, 0, 1, &off2), -EPERM);
		/* references keep working during swapoff */
		assert_int_equal(swap_area_dup(a, off), 0);
		assert_int_equal(swap_area_free(a, off), 0);
		assert_int_equal(swap_area_free(a, off), 0);
		swap_area_set_writeok(a, true);
		assert_int_equal(swap_area_alloc(a, 0, 1, &off2), 0);
		swap_area_destroy(a);
	}
}

static void test_orders_aligned(void **state)
{
	enum swap_alloc_policy p;

	(void)state;
	FOR_ALL_POLICIES(p) {
		struct swap_area *a = make_area(16 * SWAPFILE_CLUSTER, p, NULL, 0);

		for (unsigned int order = 1; order < SWAP_NR_ORDERS; order++) {
			uint64_t nr = 1ull << order, off;

			assert_int_equal(swap_area_alloc(a, order, 1, &off), 0);
			assert_int_equal(off % nr, 0);
			assert_int_equal(off / SWAPFILE_CLUSTER,
					 (off + nr - 1) / SWAPFILE_CLUSTER);
			for (uint64_t i = 0; i < nr; i++)
				assert_int_equal(swap_area_map(a, off + i), 1);
			assert_true(off != 0); /* never over the header */
		}
		swap_area_destroy(a);
	}
}

/* Clusters serve one order until empty; full clusters land on lists. */
static void test_cluster_lists(void **state)
{
	struct swap_area *a = make_area(4 * SWAPFILE_CLUSTER, SWAP_ALLOC_CLUSTER,
					NULL, 0);
	struct swap_area_stats st;
	uint64_t off, first, o2;

	(void)state;
	swap_area_stats(a, &st);
	assert_int_equal(st.nr_clusters, 4);
	/* cluster 0 holds slot 0: it starts nonfull, the rest free */
	assert_int_equal(st.cl_nonfull, 1);
	assert_int_equal(st.cl_free, 3);

	/* sequential order-0 allocations fill cluster 0 first */
	assert_int_equal(swap_area_alloc(a, 0, 1, &first), 0);
	assert_int_equal(first, 1);
	for (uint64_t i = 2; i < SWAPFILE_CLUSTER; i++) {
		assert_int_equal(swap_area_alloc(a, 0, 1, &off), 0);
		assert_int_equal(off, i);
	}
	swap_area_stats(a, &st);
	assert_int_equal(st.cl_full, 1);

	/* an order-2 allocation takes a free cluster for that order */
	assert_int_equal(swap_area_alloc(a, 2, 1, &o2), 0);
	assert_int_equal(o2 / SWAPFILE_CLUSTER, 1);
	/* order 0 does not mix into the order-2 cluster while others exist */
	assert_int_equal(swap_area_free(a, 7), 0);
	assert_int_equal(swap_area_alloc(a, 0, 1, &off), 0);
	assert_int_equal(off, 7);
	swap_area_stats(a, &st);
	assert_int_equal(st.cl_full, 1);
	assert_int_equal(st.cl_free, 2);
	assert_int_equal(st.cl_nonfull, 1);

	/* freeing everything in the order-2 cluster makes it free again */
	for (int i = 0; i < 4; i++)
		assert_int_equal(swap_area_free(a, o2 + i), 0);
	swap_area_stats(a, &st);
	assert_int_equal(st.cl_free, 3);
	swap_area_destroy(a);
}

/* An order that finds no aligned run moves the cluster to frag; order 0
 * may still use its holes. */
static void test_frag_and_steal(void **state)
{
	struct swap_area *a = make_area(SWAPFILE_CLUSTER * 2, SWAP_ALLOC_CLUSTER,
					NULL, 0);
	struct swap_area_stats st;
	uint64_t off;
	unsigned int n = 0;

	(void)state;
	/* take all of cluster 1 with order 1, then free one slot per pair */
	for (unsigned int i = 0; i < SWAPFILE_CLUSTER / 2; i++) {
		assert_int_equal(swap_area_alloc(a, 1, 1, &off), 0);
		assert_int_equal(off / SWAPFILE_CLUSTER, 1);
	}
	for (uint64_t s = SWAPFILE_CLUSTER; s < 2 * SWAPFILE_CLUSTER; s += 2)
		assert_int_equal(swap_area_free(a, s), 0);
	/* no aligned pair left anywhere but cluster 0 (nonfull, order 0) */
	while (swap_area_alloc(a, 0, 1, &off) == 0) {
		if (off >= SWAPFILE_CLUSTER)
			n++;
	}
	/* order 0 stole every hole of the order-1 cluster */
	assert_int_equal(n, SWAPFILE_CLUSTER / 2);
	swap_area_stats(a, &st);
	assert_int_equal(st.nr_free, 0);
	assert_int_equal(swap_area_alloc(a, 1, 1, &off), -ENOSPC);
	swap_area_destroy(a);
}

struct discard_log {
	uint64_t first[16];
	uint64_t nr[16];
	unsigned int calls;
};

static int record_discard(void *ctx, uint64_t first, uint64_t nr)
{
	struct discard_log *log = ctx;

	if (log->calls < 16) {
		log->first[log->calls] = first;
		log->nr[log->calls] = nr;
	}
	log->calls++;
	return 0;
}

static void test_discard(void **state)
{
	struct discard_log log = { 0 };
	struct swap_area_config cfg = {
		.nr_pages = 4 * SWAPFILE_CLUSTER, .policy = SWAP_ALLOC_CLUSTER,
		.discard = record_discard, .discard_ctx = &log,
	};
	struct swap_area *a;
	struct swap_area_stats st;
	uint64_t offs[3 * SWAPFILE_CLUSTER];
	unsigned int n = 0;
	uint64_t off;

	(void)state;
	assert_int_equal(swap_area_create(&cfg, &a), 0);
	/* fill the area */
	while (swap_area_alloc(a, 0, 1, &off) == 0)
		if (off >= SWAPFILE_CLUSTER)
			offs[n++] = off;
	assert_int_equal(n, 3 * SWAPFILE_CLUSTER);
	/* empty clusters 1 and 2: they wait for discard, not free */
	for (unsigned int i = 0; i < n; i++)
		if (offs[i] < 3 * SWAPFILE_CLUSTER)
			assert_int_equal(swap_area_free(a, offs[i]), 0);
	swap_area_stats(a, &st);
	assert_int_equal(st.cl_discard, 2);
	assert_int_equal(st.cl_free, 0);
	/* claiming a slot of a cluster under discard is refused */
	assert_int_equal(swap_area_claim(a, SWAPFILE_CLUSTER + 3, 1, 1), -EBUSY);
	/* one run of two whole clusters */
	assert_int_equal(swap_area_flush_discards(a), 2);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.first[0], SWAPFILE_CLUSTER);
	assert_int_equal(log.nr[0], 2 * SWAPFILE_CLUSTER);
	swap_area_stats(a, &st);
	assert_int_equal(st.cl_discard, 0);
	assert_int_equal(st.cl_free, 2);

	/* allocation runs pending discards itself when it would fail */
	for (unsigned int i = 0; i < n; i++)
		if (offs[i] >= 3 * SWAPFILE_CLUSTER)
			assert_int_equal(swap_area_free(a, offs[i]), 0);
	while (swap_area_alloc(a, 0, 1, &off) == 0)
		;
	assert_int_equal(log.calls, 2);
	assert_int_equal(log.first[1], 3 * SWAPFILE_CLUSTER);
	swap_area_destroy(a);
}

static void test_claim_release(void **state)
{
	enum swap_alloc_policy p;

	(void)state;
	FOR_ALL_POLICIES(p) {
		uint32_t bad = 600;
		struct swap_area *a = make_area(1024, p, &bad, 1);
		struct swap_area_stats st;
		uint64_t off;

		/* across a cluster boundary */
		assert_int_equal(swap_area_claim(a, 500, 20, 1), 0);
		for (uint64_t i = 500; i < 520; i++)
			assert_int_equal(swap_area_map(a, i), 1);
		assert_int_equal(swap_area_claim(a, 519, 2, 1), -EBUSY);
		assert_int_equal(swap_area_map(a, 520), 0); /* all or nothing */
		assert_int_equal(swap_area_claim(a, 590, 20, 1), -EINVAL);
		assert_int_equal(swap_area_map(a, 590), 0);
		assert_int_equal(swap_area_claim(a, 1020, 8, 1), -ERANGE);
		assert_int_equal(swap_area_claim(a, 0, 1, 1), -EINVAL);
		/* the allocator never hands out a claimed slot */
		while (swap_area_alloc(a, 0, 1, &off) == 0)
			assert_false(off >= 500 && off < 520);
		assert_int_equal(swap_area_dup(a, 505), 0);
		assert_int_equal(swap_area_release(a, 0, 1024), 1024 - 2);
		swap_area_stats(a, &st);
		assert_int_equal(st.nr_free, 1024 - 2);
		assert_int_equal(st.nr_bad, 2);
		assert_int_equal(swap_area_release(a, 1000, 100), -ERANGE);
		/* a free slot can be marked bad, a used one cannot */
		assert_int_equal(swap_area_claim(a, 40, 1, 1), 0);
		assert_int_equal(swap_area_mark_bad(a, 40), -EBUSY);
		assert_int_equal(swap_area_mark_bad(a, 41), 0);
		assert_int_equal(swap_area_map(a, 41), SWAP_MAP_BAD);
		while (swap_area_alloc(a, 0, 1, &off) == 0)
			assert_int_not_equal(off, 41);
		swap_area_destroy(a);
	}
}

/* The 2.6 policy continues after the previous slot. */
static void test_scan_sequential(void **state)
{
	struct swap_area *a = make_area(4096, SWAP_ALLOC_SCAN, NULL, 0);
	uint64_t off, prev;

	(void)state;
	assert_int_equal(swap_area_alloc(a, 0, 1, &prev), 0);
	assert_int_equal(prev, 1);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(swap_area_alloc(a, 0, 1, &off), 0);
		assert_int_equal(off, prev + 1);
		prev = off;
	}
	swap_area_destroy(a);
}

/*
 * Random operations against a reference model of every slot: the area
 * must agree byte for byte after each step.
 */
struct model {
	unsigned char *map;
	uint64_t pages;
};

static int model_apply(struct model *m, int op, uint64_t off)
{
	unsigned char b = m->map[off];
	unsigned char count = b & ~SWAP_HAS_CACHE;

	if (b == SWAP_MAP_BAD)
		return -EINVAL;
	switch (op) {
	case 0: /* dup */
		if (!b)
			return -ENOENT;
		if (count >= SWAP_MAP_MAX)
			return -EOVERFLOW;
		m->map[off]++;
		return 0;
	case 1: /* free */
		if (!count)
			return -ENOENT;
		m->map[off]--;
		return 0;
	case 2: /* cache get */
		if (!b)
			return -ENOENT;
		if (b & SWAP_HAS_CACHE)
			return -EEXIST;
		m->map[off] |= SWAP_HAS_CACHE;
		return 0;
	default: /* cache put */
		if (!(b & SWAP_HAS_CACHE))
			return -ENOENT;
		m->map[off] &= ~SWAP_HAS_CACHE;
		return 0;
	}
}

static int area_apply(struct swap_area *a, int op, uint64_t off)
{
	switch (op) {
	case 0:
		return swap_area_dup(a, off);
	case 1:
		return swap_area_free(a, off);
	case 2:
		return swap_area_cache_get(a, off);
	default:
		return swap_area_cache_put(a, off);
	}
}

static void model_step(struct swap_area *a, struct model *m, unsigned int r)
{
	uint64_t off;

	if (r % 4 == 0) {
		unsigned int order = (r >> 8) % 4 ? 0 : (r >> 10) % 4;
		unsigned char usage = (r >> 4) & 1 ? SWAP_HAS_CACHE : 1;
		int rc = swap_area_alloc(a, order, usage, &off);

		if (rc == 0) {
			for (uint64_t i = 0; i < (1ull << order); i++) {
				assert_int_equal(m->map[off + i], 0);
				m->map[off + i] = usage;
			}
		} else {
			assert_int_equal(rc, -ENOSPC);
		}
		return;
	}
	off = (r >> 3) % m->pages;
	assert_int_equal(area_apply(a, (r >> 1) % 4, off),
			 model_apply(m, (r >> 1) % 4, off));
}

static void test_model_random(void **state)
{
	const uint64_t pages = 3 * SWAPFILE_CLUSTER + 77;
	uint32_t bad[] = { 3, 900, 1500 };
	enum swap_alloc_policy p;

	(void)state;
	FOR_ALL_POLICIES(p) {
		struct swap_area *a = make_area(pages, p, bad, 3);
		struct model m = { calloc(pages, 1), pages };
		unsigned int seed = 12345;

		m.map[0] = SWAP_MAP_BAD;
		for (int i = 0; i < 3; i++)
			m.map[bad[i]] = SWAP_MAP_BAD;
		for (int step = 0; step < 400000; step++) {
			model_step(a, &m, (unsigned int)rand_r(&seed) * 2654435761u);
			if (step % 50000 == 0 || step == 399999) {
				uint64_t nr_free = 0;

				for (uint64_t s = 0; s < pages; s++) {
					assert_int_equal(swap_area_map(a, s),
							 m.map[s]);
					nr_free += !m.map[s];
				}
				assert_int_equal(swap_area_nr_free(a), nr_free);
			}
		}
		free(m.map);
		swap_area_destroy(a);
	}
}

/* Several threads allocate, duplicate and free at once. */
struct stress_arg {
	struct swap_area *a;
	unsigned int seed;
	uint64_t allocated;
	int errors;
};

#define STRESS_HELD 256

static void *stress_thread(void *p)
{
	struct stress_arg *arg = p;
	uint64_t held[STRESS_HELD];
	unsigned int nr = 0;

	for (int i = 0; i < 200000; i++) {
		unsigned int r = (unsigned int)rand_r(&arg->seed);
		uint64_t off;

		if (nr < STRESS_HELD && (r & 1)) {
			if (swap_area_alloc(arg->a, 0, 1, &off) == 0) {
				if (swap_area_map(arg->a, off) != 1)
					arg->errors++; /* someone else has it */
				held[nr++] = off;
				arg->allocated++;
			}
		} else if (nr) {
			unsigned int k = r % nr;

			if ((r >> 8) % 4 == 0) {
				arg->errors += swap_area_dup(arg->a, held[k]) != 0;
				arg->errors += swap_area_free(arg->a, held[k]) != 0;
			}
			arg->errors += swap_area_free(arg->a, held[k]) != 0;
			held[k] = held[--nr];
		}
	}
	while (nr)
		arg->errors += swap_area_free(arg->a, held[--nr]) != 0;
	return NULL;
}

static void test_concurrent_stress(void **state)
{
	enum swap_alloc_policy p;

	(void)state;
	FOR_ALL_POLICIES(p) {
		/* small enough that threads run into full and fragmented
		 * clusters, with 4 * 256 held slots out of 1200 */
		struct swap_area *a = make_area(1200, p, NULL, 0);
		struct stress_arg args[4];
		pthread_t t[4];
		struct swap_area_stats st;

		for (int i = 0; i < 4; i++) {
			args[i] = (struct stress_arg){ a, 1000u + i, 0, 0 };
			pthread_create(&t[i], NULL, stress_thread, &args[i]);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			assert_int_equal(args[i].errors, 0);
			assert_true(args[i].allocated > 1000);
		}
		swap_area_stats(a, &st);
		assert_int_equal(st.nr_free, 1199);
		assert_int_equal(swap_area_nr_free(a), 1199);
		assert_int_equal(st.nr_inuse, 0);
		if (p == SWAP_ALLOC_CLUSTER) {
			assert_int_equal(st.cl_free + st.cl_nonfull +
					 st.cl_frag + st.cl_full, 3);
			assert_int_equal(st.cl_full, 0);
		}
		swap_area_destroy(a);
	}
}

static void test_policy_names(void **state)
{
	enum swap_alloc_policy p;

	(void)state;
	assert_int_equal(swap_alloc_policy_parse("cluster", &p), 0);
	assert_int_equal(p, SWAP_ALLOC_CLUSTER);
	assert_int_equal(swap_alloc_policy_parse("scan", &p), 0);
	assert_int_equal(p, SWAP_ALLOC_SCAN);
	assert_int_equal(swap_alloc_policy_parse("lru", &p), -EINVAL);
	assert_string_equal(swap_alloc_policy_name(SWAP_ALLOC_SCAN), "scan");
}

static void test_metadata_per_slot(void **state)
{
	struct swap_area *a = make_area(1u << 22, SWAP_ALLOC_CLUSTER, NULL, 0);

	(void)state;
	/* 1 byte of swap_map plus cluster state: at most 1.1 B per slot */
	assert_true(swap_area_metadata_bytes(a) <= (1u << 22) * 11 / 10);
	swap_area_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects),
		cmocka_unit_test(test_bad_slots),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_writeok),
		cmocka_unit_test(test_orders_aligned),
		cmocka_unit_test(test_cluster_lists),
		cmocka_unit_test(test_frag_and_steal),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_claim_release),
		cmocka_unit_test(test_scan_sequential),
		cmocka_unit_test(test_model_random),
		cmocka_unit_test(test_concurrent_stress),
		cmocka_unit_test(test_policy_names),
		cmocka_unit_test(test_metadata_per_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

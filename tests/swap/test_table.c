/* SPDX-License-Identifier: MIT */
/*
 * Tests for swap/table.c: priorities and their renumbering, allocation
 * order across areas (highest first, round-robin, fall-through), swapoff
 * with draining and refusal, the type limit, entry routing, and a
 * multi-threaded run of allocations racing swapon/swapoff.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "swap/table.h"

/* Usable slots of a small area: slot 0 is the header. */
#define SMALL_PAGES 64
#define SMALL_SLOTS (SMALL_PAGES - 1)
#define NR_AREAS 4

/* A table and a few areas, made by fixture_setup(). */
struct fixture {
	struct swap_table *t;		  /* empty at setup */
	struct swap_area *area[NR_AREAS]; /* SMALL_PAGES each, all off */
	enum swap_alloc_policy policy;	  /* of every area */
};

static struct swap_area *area_new(uint64_t nr_pages,
				  enum swap_alloc_policy policy)
{
	struct swap_area_config cfg = {
		.nr_pages = nr_pages,
		.policy = policy,
	};
	struct swap_area *a = NULL;

	assert_int_equal(swap_area_create(&cfg, &a), 0);
	return a;
}

static int fixture_setup_policy(void **state, enum swap_alloc_policy policy)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || swap_table_create(&f->t))
		return -1;
	f->policy = policy;
	for (int i = 0; i < NR_AREAS; i++)
		f->area[i] = area_new(SMALL_PAGES, policy);
	*state = f;
	return 0;
}

static int fixture_setup(void **state)
{
	return fixture_setup_policy(state, SWAP_ALLOC_CLUSTER);
}

static int fixture_setup_scan(void **state)
{
	return fixture_setup_policy(state, SWAP_ALLOC_SCAN);
}

/* Areas still on are taken off first: the table does not own them. */
static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	struct swap_table_info info[MAX_SWAPFILES];
	size_t n = swap_table_list(f->t, info, MAX_SWAPFILES);

	for (size_t i = 0; i < n; i++)
		swap_table_swapoff(f->t, info[i].type, NULL, NULL);
	swap_table_destroy(f->t);
	for (int i = 0; i < NR_AREAS; i++)
		swap_area_destroy(f->area[i]);
	free(f);
	return 0;
}

/* swapon fixture area @i with @prio; returns its type. */
static unsigned int on(struct fixture *f, int i, int prio)
{
	unsigned int type = UINT_MAX;

	assert_int_equal(swap_table_swapon(f->t, f->area[i], prio, &type), 0);
	assert_ptr_equal(swap_table_area(f->t, type), f->area[i]);
	return type;
}

static int prio_of(struct fixture *f, unsigned int type)
{
	int prio = INT_MIN;

	assert_int_equal(swap_table_prio(f->t, type, &prio), 0);
	return prio;
}

/* Allocate one order-0 slot and return its type. */
static unsigned int alloc_type(struct fixture *f)
{
	swp_entry_t e;

	assert_int_equal(swap_table_alloc(f->t, 0, 1, &e), 0);
	assert_true(swp_offset(e) > 0);
	return swp_type(e);
}

static uint64_t inuse(struct swap_area *a)
{
	struct swap_area_stats st;

	swap_area_stats(a, &st);
	return st.nr_inuse;
}

/* ---- priorities ---- */

static void test_explicit_prio(void **state)
{
	struct fixture *f = *state;
	struct swap_table_info info[NR_AREAS];
	unsigned int t0 = on(f, 0, 5), t1 = on(f, 1, 10), t2 = on(f, 2, 0);
	unsigned int t3 = on(f, 3, SWAP_PRIO_MAX);

	assert_int_equal(t0, 0);
	assert_int_equal(t3, 3);
	assert_int_equal(prio_of(f, t0), 5);
	assert_int_equal(prio_of(f, t2), 0);
	assert_int_equal(swap_table_list(f->t, info, NR_AREAS), 4);
	assert_int_equal(info[0].type, t3);
	assert_int_equal(info[0].prio, SWAP_PRIO_MAX);
	assert_int_equal(info[1].type, t1);
	assert_int_equal(info[2].type, t0);
	assert_int_equal(info[3].type, t2);
	for (int i = 0; i < NR_AREAS; i++)
		assert_false(info[i].auto_prio);
	assert_ptr_equal(info[1].area, f->area[1]);
}

static void test_bad_prio(void **state)
{
	struct fixture *f = *state;
	unsigned int type;

	assert_int_equal(swap_table_swapon(f->t, f->area[0], -2, &type),
			 -EINVAL);
	assert_int_equal(
		swap_table_swapon(f->t, f->area[0], SWAP_PRIO_MAX + 1, &type),
		-EINVAL);
	assert_int_equal(swap_table_swapon(f->t, f->area[0], INT_MIN, &type),
			 -EINVAL);
	assert_int_equal(swap_table_swapon(f->t, NULL, 0, &type), -EINVAL);
	assert_int_equal(swap_table_list(f->t, NULL, 0), 0);

	type = on(f, 0, 1);
	assert_int_equal(swap_table_swapon(f->t, f->area[0], 2, &type), -EBUSY);
	assert_int_equal(swap_table_prio(f->t, 1, &(int){0}), -EINVAL);
	assert_int_equal(swap_table_prio(f->t, MAX_SWAPFILES, &(int){0}),
			 -EINVAL);
}

static void test_auto_prio_renumber(void **state)
{
	struct fixture *f = *state;
	struct swap_table_info info[NR_AREAS];
	unsigned int a = on(f, 0, SWAP_PRIO_AUTO);
	unsigned int b = on(f, 1, SWAP_PRIO_AUTO);
	unsigned int c = on(f, 2, SWAP_PRIO_AUTO);

	assert_int_equal(prio_of(f, a), -2);
	assert_int_equal(prio_of(f, b), -3);
	assert_int_equal(prio_of(f, c), -4);

	assert_int_equal(swap_table_swapoff(f->t, a, NULL, NULL), 0);
	assert_int_equal(prio_of(f, b), -2);
	assert_int_equal(prio_of(f, c), -3);
	assert_int_equal(swap_table_prio(f->t, a, &(int){0}), -EINVAL);

	/* The next automatic one continues below the others. */
	a = on(f, 0, SWAP_PRIO_AUTO);
	assert_int_equal(prio_of(f, a), -4);
	assert_int_equal(swap_table_list(f->t, info, NR_AREAS), 3);
	assert_int_equal(info[0].type, b);
	assert_int_equal(info[1].type, c);
	assert_int_equal(info[2].type, a);
	assert_true(info[2].auto_prio);

	/* Removing the lowest moves nothing but the counter. */
	assert_int_equal(swap_table_swapoff(f->t, a, NULL, NULL), 0);
	assert_int_equal(prio_of(f, b), -2);
	assert_int_equal(prio_of(f, c), -3);
	a = on(f, 0, SWAP_PRIO_AUTO);
	assert_int_equal(prio_of(f, a), -4);
}

static void test_auto_prio_mixed(void **state)
{
	struct fixture *f = *state;
	unsigned int a = on(f, 0, SWAP_PRIO_AUTO);
	unsigned int x = on(f, 1, 0);
	unsigned int b = on(f, 2, SWAP_PRIO_AUTO);
	unsigned int c = on(f, 3, SWAP_PRIO_AUTO);

	assert_int_equal(prio_of(f, a), -2);
	assert_int_equal(prio_of(f, b), -3);
	assert_int_equal(prio_of(f, c), -4);

	/* A middle one: only the lower ones move; explicit ones never. */
	assert_int_equal(swap_table_swapoff(f->t, b, NULL, NULL), 0);
	assert_int_equal(prio_of(f, a), -2);
	assert_int_equal(prio_of(f, x), 0);
	assert_int_equal(prio_of(f, c), -3);
	assert_int_equal(swap_table_swapoff(f->t, x, NULL, NULL), 0);
	assert_int_equal(prio_of(f, a), -2);
	assert_int_equal(prio_of(f, c), -3);

	/* The renumbered order is the allocation order. */
	assert_int_equal(alloc_type(f), a);
	assert_int_equal(swap_table_swapoff(f->t, a, NULL, NULL), -EBUSY);
	assert_int_equal(prio_of(f, a), -2);
	assert_int_equal(prio_of(f, c), -3);
}

/* ---- allocation order ---- */

static void test_highest_first_fall_through(void **state)
{
	struct fixture *f = *state;
	unsigned int lo = on(f, 0, 1), hi = on(f, 1, 2);
	unsigned int au = on(f, 2, SWAP_PRIO_AUTO);
	swp_entry_t e;

	for (int i = 0; i < SMALL_SLOTS; i++)
		assert_int_equal(alloc_type(f), hi);
	for (int i = 0; i < SMALL_SLOTS; i++)
		assert_int_equal(alloc_type(f), lo);
	for (int i = 0; i < SMALL_SLOTS; i++)
		assert_int_equal(alloc_type(f), au);
	assert_int_equal(swap_table_alloc(f->t, 0, 1, &e), -ENOSPC);
	assert_int_equal(inuse(f->area[0]), SMALL_SLOTS);
	assert_int_equal(inuse(f->area[1]), SMALL_SLOTS);

	/* A slot freed in the highest area is the next one used. */
	assert_int_equal(swap_table_free(f->t, swp_entry(hi, 7)), 0);
	assert_int_equal(swap_table_alloc(f->t, 0, 1, &e), 0);
	assert_int_equal(swp_type(e), hi);
	assert_int_equal(swp_offset(e), 7);
}

static void test_round_robin(void **state)
{
	struct fixture *f = *state;
	unsigned int type[3], count[MAX_SWAPFILES] = {0};
	unsigned int lo = on(f, 3, 1);

	for (int i = 0; i < 3; i++)
		type[i] = on(f, i, 7);
	/* Strictly in turn, in swapon order. */
	for (int i = 0; i < 30; i++)
		assert_int_equal(alloc_type(f), type[i % 3]);
	for (int i = 30; i < 3 * SMALL_SLOTS; i++)
		count[alloc_type(f)]++;
	for (int i = 0; i < 3; i++)
		assert_int_equal(count[type[i]] + 10, SMALL_SLOTS);
	assert_int_equal(inuse(f->area[3]), 0);
	/* All three full: the lower one serves. */
	assert_int_equal(alloc_type(f), lo);
}

static void test_round_robin_skips_full(void **state)
{
	struct fixture *f = *state;
	unsigned int a = on(f, 0, 3), b = on(f, 1, 3), c = on(f, 2, 3);
	unsigned int seq[6];

	/* Fill a behind the table's back, then take turns without it. */
	while (swap_area_alloc(f->area[0], 0, 1, &(uint64_t){0}) == 0)
		;
	for (int i = 0; i < 6; i++)
		seq[i] = alloc_type(f);
	for (int i = 0; i < 6; i++)
		assert_int_equal(seq[i], i % 2 ? c : b);
	/*
	 * Every area tried went behind its peers, the full one too, so a
	 * is at the head again; with room it serves, then is skipped.
	 */
	assert_int_equal(swap_table_free(f->t, swp_entry(a, 1)), 0);
	assert_int_equal(alloc_type(f), a);
	assert_int_equal(alloc_type(f), b);
	assert_int_equal(alloc_type(f), c);
	assert_int_equal(alloc_type(f), b);
}

static void test_alloc_args(void **state)
{
	struct fixture *f = *state;
	/* Two whole clusters: the one without the header serves order 2. */
	struct swap_area *big = area_new(2 * SWAPFILE_CLUSTER, f->policy);
	unsigned int type;
	swp_entry_t e;

	assert_int_equal(swap_table_alloc(f->t, 0, 1, &e), -ENOSPC);
	assert_int_equal(swap_table_swapon(f->t, big, 0, &type), 0);
	assert_int_equal(swap_table_alloc(f->t, SWAP_NR_ORDERS, 1, &e),
			 -EINVAL);
	assert_int_equal(swap_table_alloc(f->t, 0, 2, &e), -EINVAL);
	assert_int_equal(swap_table_alloc(f->t, 0, 0, &e), -EINVAL);
	assert_int_equal(swap_table_alloc(f->t, 2, SWAP_HAS_CACHE, &e), 0);
	assert_int_equal(swp_type(e), type);
	assert_int_equal(swp_offset(e) % 4, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(swap_area_map(big, swp_offset(e) + i),
				 SWAP_HAS_CACHE);
	assert_int_equal(swap_table_swapoff(f->t, type, NULL, NULL), -EBUSY);
	for (int i = 0; i < 4; i++)
		assert_int_equal(swap_area_cache_put(big, swp_offset(e) + i),
				 0);
	assert_int_equal(swap_table_swapoff(f->t, type, NULL, NULL), 0);
	swap_area_destroy(big);
}

/* ---- swapoff ---- */

/* What a drain callback saw and does. */
struct drain_ctx {
	struct fixture *f;	 /* the table under test */
	unsigned int calls;	 /* times the callback ran */
	unsigned int type;	 /* type it was called for */
	struct swap_area *area;	 /* area it was called for */
	uint64_t leave;		 /* slots to leave in use */
	int rc;			 /* what it returns */
	unsigned int other_type; /* type an allocation inside it got */
	int other_rc;		 /* result of that allocation */
	unsigned int victim;	 /* type to swap off from inside it */
};

/*
 * Bring back every slot of @area but ctx->leave, as try_to_unuse: drop
 * each reference and the swap cache through the table's entry calls,
 * which must work on an area being swapped off.
 */
static int drain_unuse(void *arg, unsigned int type, struct swap_area *area)
{
	struct drain_ctx *ctx = arg;
	struct swap_table *t = ctx->f->t;
	swp_entry_t e;

	ctx->calls++;
	ctx->type = type;
	ctx->area = area;
	assert_false(swap_area_writeok(area));
	assert_int_equal(swap_area_alloc(area, 0, 1, &(uint64_t){0}), -EPERM);
	/* No table lock is held: allocating goes on, elsewhere. */
	ctx->other_rc = swap_table_alloc(t, 0, 1, &e);
	if (!ctx->other_rc) {
		ctx->other_type = swp_type(e);
		assert_int_equal(swap_table_free(t, e), 0);
	}
	for (uint64_t off = 1; off < swap_area_nr_pages(area); off++) {
		unsigned char v = swap_area_map(area, off);

		if (v == 0 || v == SWAP_MAP_BAD)
			continue;
		if (ctx->leave && ctx->leave--)
			continue;
		e = swp_entry(type, off);
		for (unsigned int n = SWAP_COUNT(v); n; n--)
			assert_int_equal(swap_table_free(t, e), 0);
		if (v & SWAP_HAS_CACHE)
			assert_int_equal(swap_table_cache_put(t, e), 0);
	}
	return ctx->rc;
}

static void test_swapoff_drains(void **state)
{
	struct fixture *f = *state;
	unsigned int hi = on(f, 0, 9), lo = on(f, 1, 1);
	struct drain_ctx ctx = {.f = f};
	swp_entry_t e[21];

	for (int i = 0; i < 20; i++) {
		assert_int_equal(swap_table_alloc(f->t, 0, 1, &e[i]), 0);
		assert_int_equal(swp_type(e[i]), hi);
	}
	assert_int_equal(swap_table_alloc(f->t, 0, SWAP_HAS_CACHE, &e[20]), 0);
	assert_int_equal(swap_table_dup(f->t, e[3]), 0);
	assert_int_equal(swap_table_cache_get(f->t, e[4]), 0);
	assert_int_equal(inuse(f->area[0]), 21);

	assert_int_equal(swap_table_swapoff(f->t, hi, drain_unuse, &ctx), 0);
	assert_int_equal(ctx.calls, 1);
	assert_int_equal(ctx.type, hi);
	assert_ptr_equal(ctx.area, f->area[0]);
	assert_int_equal(ctx.other_rc, 0);
	assert_int_equal(ctx.other_type, lo);
	assert_int_equal(inuse(f->area[0]), 0);
	assert_null(swap_table_area(f->t, hi));
	assert_int_equal(swap_table_list(f->t, NULL, 0), 1);
	assert_int_equal(alloc_type(f), lo);
	assert_int_equal(swap_table_dup(f->t, swp_entry(hi, 1)), -EINVAL);

	/* It can come back, under the lowest free type. */
	assert_int_equal(on(f, 0, 9), hi);
	assert_int_equal(alloc_type(f), hi);
}

static void test_swapoff_only_area(void **state)
{
	struct fixture *f = *state;
	unsigned int a = on(f, 0, SWAP_PRIO_AUTO);
	struct drain_ctx ctx = {.f = f};

	alloc_type(f);
	assert_int_equal(swap_table_swapoff(f->t, a, drain_unuse, &ctx), 0);
	assert_int_equal(ctx.other_rc, -ENOSPC);
	assert_int_equal(swap_table_list(f->t, NULL, 0), 0);
}

static void test_swapoff_busy(void **state)
{
	struct fixture *f = *state;
	unsigned int a = on(f, 0, SWAP_PRIO_AUTO), b = on(f, 1, SWAP_PRIO_AUTO);
	struct drain_ctx ctx = {.f = f, .leave = 2};
	swp_entry_t e;

	for (int i = 0; i < 5; i++)
		assert_int_equal(alloc_type(f), a);
	assert_int_equal(swap_table_swapoff(f->t, a, drain_unuse, &ctx),
			 -EBUSY);
	assert_int_equal(inuse(f->area[0]), 2);
	/* Still on, as it was: priority, writable, first in line. */
	assert_ptr_equal(swap_table_area(f->t, a), f->area[0]);
	assert_int_equal(prio_of(f, a), -2);
	assert_int_equal(prio_of(f, b), -3);
	assert_true(swap_area_writeok(f->area[0]));
	assert_int_equal(swap_table_alloc(f->t, 0, 1, &e), 0);
	assert_int_equal(swp_type(e), a);

	ctx.leave = 0;
	assert_int_equal(swap_table_swapoff(f->t, a, drain_unuse, &ctx), 0);
	assert_int_equal(prio_of(f, b), -2);
}

static void test_swapoff_no_unuse_busy(void **state)
{
	struct fixture *f = *state;
	unsigned int a = on(f, 0, 4);

	alloc_type(f);
	assert_int_equal(swap_table_swapoff(f->t, a, NULL, NULL), -EBUSY);
	assert_int_equal(alloc_type(f), a);
}

static void test_swapoff_unuse_fails(void **state)
{
	struct fixture *f = *state;
	unsigned int a = on(f, 0, 4), b = on(f, 1, 4);
	struct drain_ctx ctx = {.f = f, .rc = -EINTR};

	/* It went back behind its peer: b, a, b, a. */
	assert_int_equal(swap_table_swapoff(f->t, a, drain_unuse, &ctx),
			 -EINTR);
	assert_int_equal(alloc_type(f), b);
	assert_int_equal(alloc_type(f), a);
	assert_int_equal(alloc_type(f), b);
	assert_int_equal(prio_of(f, a), 4);
}

/* swapoff of a type already being swapped off, from inside its unuse. */
static int nested_unuse(void *arg, unsigned int type, struct swap_area *area)
{
	struct fixture *f = arg;
	struct swap_table_info info;
	unsigned int again;

	assert_int_equal(swap_table_swapoff(f->t, type, NULL, NULL), -EINVAL);
	/* Still listed, its type taken, its priority kept while it drains. */
	assert_int_equal(swap_table_list(f->t, &info, 1), 1);
	assert_int_equal(info.type, type);
	assert_int_equal(info.prio, 6);
	assert_int_equal(swap_table_swapon(f->t, area, 0, &again), -EBUSY);
	assert_int_equal(swap_table_swapon(f->t, f->area[1], 0, &again), 0);
	assert_int_not_equal(again, type);
	return 0;
}

static void test_swapoff_errors(void **state)
{
	struct fixture *f = *state;
	unsigned int a;

	assert_int_equal(swap_table_swapoff(f->t, 0, NULL, NULL), -EINVAL);
	assert_int_equal(swap_table_swapoff(f->t, MAX_SWAPFILES, NULL, NULL),
			 -EINVAL);
	a = on(f, 0, 6);
	assert_int_equal(swap_table_swapoff(f->t, a, nested_unuse, f), 0);
	assert_int_equal(swap_table_swapoff(f->t, a, NULL, NULL), -EINVAL);
}

/* Swap off ctx->victim from inside a drain, then drain. */
static int renumber_unuse(void *arg, unsigned int type, struct swap_area *area)
{
	struct drain_ctx *ctx = arg;

	assert_int_equal(swap_table_swapoff(ctx->f->t, ctx->victim, NULL, NULL),
			 0);
	/* The draining area moved up, though it takes no allocations. */
	assert_int_equal(prio_of(ctx->f, type), -2);
	return drain_unuse(arg, type, area);
}

static void test_swapoff_renumber_while_draining(void **state)
{
	struct fixture *f = *state;
	unsigned int a = on(f, 0, SWAP_PRIO_AUTO), b = on(f, 1, SWAP_PRIO_AUTO);
	struct drain_ctx ctx = {.f = f, .leave = 1, .victim = a};
	unsigned int c;

	assert_int_equal(prio_of(f, b), -3);
	/* Fill a so that b gets a slot to leave behind. */
	while (swap_area_alloc(f->area[0], 0, 1, &(uint64_t){0}) == 0)
		;
	assert_int_equal(alloc_type(f), b);
	for (uint64_t off = 1; off < SMALL_PAGES; off++)
		swap_area_free(f->area[0], off);

	assert_int_equal(swap_table_swapoff(f->t, b, renumber_unuse, &ctx),
			 -EBUSY);
	/* b is back with the priority it has now, and a new one is below. */
	assert_int_equal(prio_of(f, b), -2);
	assert_int_equal(alloc_type(f), b);
	c = on(f, 2, SWAP_PRIO_AUTO);
	assert_int_equal(prio_of(f, c), -3);
}

static void test_skips_not_writable(void **state)
{
	struct fixture *f = *state;
	unsigned int hi = on(f, 0, 2), lo = on(f, 1, 1);
	swp_entry_t e;

	swap_area_set_writeok(f->area[0], false);
	assert_int_equal(alloc_type(f), lo);
	swap_area_set_writeok(f->area[1], false);
	assert_int_equal(swap_table_alloc(f->t, 0, 1, &e), -ENOSPC);
	swap_area_set_writeok(f->area[0], true);
	assert_int_equal(alloc_type(f), hi);
}

/* ---- limits and routing ---- */

static void test_max_areas(void **state)
{
	struct fixture *f = *state;
	struct swap_area *extra[MAX_SWAPFILES + 1];
	struct swap_table_info info[MAX_SWAPFILES];
	unsigned int type;

	for (unsigned int i = 0; i <= MAX_SWAPFILES; i++)
		extra[i] = area_new(SMALL_PAGES, f->policy);
	for (unsigned int i = 0; i < MAX_SWAPFILES; i++) {
		assert_int_equal(
			swap_table_swapon(f->t, extra[i], (int)i % 3, &type),
			0);
		assert_int_equal(type, i);
	}
	assert_int_equal(
		swap_table_swapon(f->t, extra[MAX_SWAPFILES], 0, &type),
		-EPERM);
	assert_int_equal(swap_table_list(f->t, info, MAX_SWAPFILES),
			 MAX_SWAPFILES);
	for (unsigned int i = 1; i < MAX_SWAPFILES; i++)
		assert_true(info[i - 1].prio >= info[i].prio);

	/* A freed type is the lowest free one, and is reused. */
	assert_int_equal(swap_table_swapoff(f->t, 17, NULL, NULL), 0);
	assert_int_equal(swap_table_swapoff(f->t, 5, NULL, NULL), 0);
	assert_int_equal(swap_table_swapon(f->t, extra[MAX_SWAPFILES],
					   SWAP_PRIO_AUTO, &type),
			 0);
	assert_int_equal(type, 5);

	for (unsigned int i = 0; i < MAX_SWAPFILES; i++)
		swap_table_swapoff(f->t, i, NULL, NULL);
	for (unsigned int i = 0; i <= MAX_SWAPFILES; i++)
		swap_area_destroy(extra[i]);
}

static void test_entry_routing(void **state)
{
	struct fixture *f = *state;
	unsigned int a = on(f, 0, 1), b = on(f, 1, 2);
	swp_entry_t e;
	uint64_t off;

	assert_int_equal(swap_table_alloc(f->t, 0, 1, &e), 0);
	assert_int_equal(swp_type(e), b);
	off = swp_offset(e);
	assert_int_equal(swap_table_dup(f->t, e), 0);
	assert_int_equal(swap_area_map(f->area[1], off), 2);
	assert_int_equal(swap_area_map(f->area[0], off), 0);
	assert_int_equal(swap_table_cache_get(f->t, e), 0);
	assert_int_equal(swap_table_cache_get(f->t, e), -EEXIST);
	assert_int_equal(swap_area_map(f->area[1], off), 2 | SWAP_HAS_CACHE);
	assert_int_equal(swap_table_free(f->t, e), 0);
	assert_int_equal(swap_table_free(f->t, e), 0);
	assert_int_equal(swap_table_cache_put(f->t, e), 0);
	assert_int_equal(swap_area_map(f->area[1], off), 0);
	assert_int_equal(swap_table_free(f->t, e), -ENOENT);
	assert_int_equal(inuse(f->area[1]), 0);

	/* The same offset in the other area is another slot. */
	assert_int_equal(swap_table_free(f->t, swp_entry(a, off)), -ENOENT);
	assert_int_equal(swap_table_dup(f->t, swp_entry(a, 0)), -EINVAL);
	assert_int_equal(swap_table_free(f->t, swp_entry(a, SMALL_PAGES)),
			 -ERANGE);
	/* Types that are not on. */
	assert_int_equal(swap_table_free(f->t, swp_entry(7, off)), -EINVAL);
	assert_int_equal(swap_table_dup(f->t, swp_entry(MAX_SWAPFILES, off)),
			 -EINVAL);
	assert_int_equal(swap_table_cache_get(f->t, swp_entry(1000, 1)),
			 -EINVAL);
	assert_int_equal(swap_table_cache_put(f->t, swp_entry(31, 1)), -EINVAL);
	assert_null(swap_table_area(f->t, 7));
	assert_null(swap_table_area(f->t, MAX_SWAPFILES));
}

/* ---- threads ---- */

#define MT_WORKERS 4
#define MT_HELD 64    /* entries a worker holds at most */
#define MT_OPS 20000  /* operations per worker, at least */
#define MT_ROUNDS 500 /* swapon/swapoff rounds, at least */
#define MT_PAGES 1024

/*
 * A worker's entries, like a process's page table.  Whoever clears a
 * held[] word (compare-and-swap to 0) owns that entry and frees it: the
 * worker, or the unuse callback taking the entries of the area going away
 * out of it, as try_to_unuse does.  An entry allocated but not yet
 * stored can be missed by the callback; swapoff then says -EBUSY and is
 * tried again, as a user of swapoff(2) would.
 */
struct mt_worker {
	_Atomic uint64_t held[MT_HELD]; /* swp_entry_t values, 0: empty */
	struct mt_ctx *ctx;		/* shared state */
	uint64_t rs;			/* random state */
	unsigned int fail;		/* unexpected results */
};

struct mt_ctx {
	struct swap_table *t;		/* under test */
	struct mt_worker w[MT_WORKERS]; /* the allocating threads */
	atomic_int done;		/* workers finished */
	atomic_uint rounds;		/* swapon/swapoff rounds done */
	unsigned int unused;		/* entries the callback took */
	unsigned int busy;		/* swapoffs refused with -EBUSY */
	unsigned int fail;		/* unexpected results, swapper */
};

static uint64_t mt_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Take the entry out of @slot if it still holds @v; true if we did. */
static bool mt_take(_Atomic uint64_t *slot, uint64_t v)
{
	return v && atomic_compare_exchange_strong(slot, &v, 0);
}

/* One step on a random held[] word: allocate into it, or free it
 * (sometimes after a dup and a free). */
static void mt_step(struct mt_worker *w, struct swap_table *t)
{
	uint64_t r = mt_rand(&w->rs);
	_Atomic uint64_t *slot = &w->held[(r >> 8) % MT_HELD];
	uint64_t v = atomic_load(slot);
	swp_entry_t e;
	int rc;

	if (!v) {
		rc = swap_table_alloc(t, 0, 1, &e);
		if (rc == 0)
			atomic_store(slot, e.val);
		else if (rc != -ENOSPC)
			w->fail++;
		return;
	}
	if (!mt_take(slot, v))
		return;
	e.val = v;
	if (r % 8 == 2 && swap_table_dup(t, e))
		w->fail++;
	if (r % 8 == 2 && swap_table_free(t, e))
		w->fail++;
	if (swap_table_free(t, e))
		w->fail++;
}

static void *mt_worker_main(void *arg)
{
	struct mt_worker *w = arg;
	struct swap_table *t = w->ctx->t;
	swp_entry_t e;

	for (int i = 0; i < MT_OPS || atomic_load(&w->ctx->rounds) < MT_ROUNDS;
	     i++)
		mt_step(w, t);
	for (int i = 0; i < MT_HELD; i++) {
		e.val = atomic_load(&w->held[i]);
		if (mt_take(&w->held[i], e.val) && swap_table_free(t, e))
			w->fail++;
	}
	atomic_fetch_add(&w->ctx->done, 1);
	return NULL;
}

static int mt_unuse(void *arg, unsigned int type, struct swap_area *area)
{
	struct mt_ctx *ctx = arg;
	swp_entry_t e;

	for (int i = 0; i < MT_WORKERS; i++) {
		for (int j = 0; j < MT_HELD; j++) {
			_Atomic uint64_t *slot = &ctx->w[i].held[j];

			e.val = atomic_load(slot);
			if (!e.val || swp_type(e) != type ||
			    !mt_take(slot, e.val))
				continue;
			if (swap_table_free(ctx->t, e))
				ctx->fail++;
			ctx->unused++;
		}
	}
	return 0;
}

/* Swap a fourth area on and off, under several priorities, until the
 * workers are done. */
static unsigned int mt_swapper(struct mt_ctx *ctx, struct swap_area *area)
{
	static const int prios[] = {10, 5, SWAP_PRIO_AUTO, 0};
	unsigned int rounds = 0, type;
	int rc;

	while (atomic_load(&ctx->done) < MT_WORKERS) {
		if (swap_table_swapon(ctx->t, area, prios[rounds % 4], &type))
			ctx->fail++;
		usleep(100);
		while ((rc = swap_table_swapoff(ctx->t, type, mt_unuse, ctx)) ==
		       -EBUSY) {
			ctx->busy++;
			usleep(10);
		}
		if (rc)
			ctx->fail++;
		atomic_store(&ctx->rounds, ++rounds);
	}
	return rounds;
}

static void test_threads(void **state)
{
	struct mt_ctx *ctx = calloc(1, sizeof(*ctx));
	struct swap_area *area[4];
	pthread_t th[MT_WORKERS];
	unsigned int type, rounds;
	int prio;

	assert_non_null(ctx);
	assert_int_equal(swap_table_create(&ctx->t), 0);
	area[0] = area_new(MT_PAGES, SWAP_ALLOC_CLUSTER);
	area[1] = area_new(128, SWAP_ALLOC_SCAN);
	area[2] = area_new(MT_PAGES, SWAP_ALLOC_CLUSTER);
	area[3] = area_new(MT_PAGES, SWAP_ALLOC_SCAN);
	assert_int_equal(swap_table_swapon(ctx->t, area[0], 5, &type), 0);
	assert_int_equal(swap_table_swapon(ctx->t, area[1], 5, &type), 0);
	assert_int_equal(
		swap_table_swapon(ctx->t, area[2], SWAP_PRIO_AUTO, &type), 0);

	for (int i = 0; i < MT_WORKERS; i++) {
		ctx->w[i].ctx = ctx;
		ctx->w[i].rs = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		assert_int_equal(pthread_create(&th[i], NULL, mt_worker_main,
						&ctx->w[i]),
				 0);
	}
	rounds = mt_swapper(ctx, area[3]);
	for (int i = 0; i < MT_WORKERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(ctx->w[i].fail, 0);
	}
	print_message("%u swapon/swapoff rounds, %u entries unused, "
		      "%u swapoffs busy\n",
		      rounds, ctx->unused, ctx->busy);
	assert_int_equal(ctx->fail, 0);
	assert_true(rounds >= MT_ROUNDS);
	for (int i = 0; i < 4; i++)
		assert_int_equal(inuse(area[i]), 0);
	/* The three areas are as they were, the fourth is off. */
	assert_int_equal(swap_table_list(ctx->t, NULL, 0), 3);
	assert_null(swap_table_area(ctx->t, 3));
	assert_int_equal(swap_table_prio(ctx->t, 2, &prio), 0);
	assert_int_equal(prio, -2);

	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(swap_table_swapoff(ctx->t, i, NULL, NULL), 0);
	swap_table_destroy(ctx->t);
	for (int i = 0; i < 4; i++)
		swap_area_destroy(area[i]);
	free(ctx);
}

#define FIXTURE_TEST(fn) \
	cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
/* Where the allocator policy could matter, a test runs under both. */
#define BOTH_POLICIES(fn)                                                   \
	FIXTURE_TEST(fn),                                                   \
	{                                                                   \
#fn "/scan", fn, fixture_setup_scan, fixture_teardown, NULL \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FIXTURE_TEST(test_explicit_prio),
		FIXTURE_TEST(test_bad_prio),
		FIXTURE_TEST(test_auto_prio_renumber),
		FIXTURE_TEST(test_auto_prio_mixed),
		BOTH_POLICIES(test_highest_first_fall_through),
		BOTH_POLICIES(test_round_robin),
		BOTH_POLICIES(test_round_robin_skips_full),
		BOTH_POLICIES(test_alloc_args),
		BOTH_POLICIES(test_swapoff_drains),
		FIXTURE_TEST(test_swapoff_only_area),
		BOTH_POLICIES(test_swapoff_busy),
		FIXTURE_TEST(test_swapoff_no_unuse_busy),
		FIXTURE_TEST(test_swapoff_unuse_fails),
		FIXTURE_TEST(test_swapoff_errors),
		FIXTURE_TEST(test_swapoff_renumber_while_draining),
		FIXTURE_TEST(test_skips_not_writable),
		FIXTURE_TEST(test_max_areas),
		FIXTURE_TEST(test_entry_routing),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

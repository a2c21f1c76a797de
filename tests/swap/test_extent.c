/* SPDX-License-Identifier: MIT */
/*
 * Tests for swap/extent.c: merging, refusals, lookups at the edges, areas
 * over several backing stores, range splitting, and a randomized run
 * against a per-slot reference.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "swap/extent.h"
#include "swap/header.h"

#define PG SWAP_PAGE_SIZE
/* One past the largest file offset (off_t). */
#define OFF_END ((uint64_t)INT64_MAX + 1)

static int map_setup(void **state)
{
	struct swap_extent_map *m;

	if (swap_extent_map_create(1024, &m))
		return -1;
	*state = m;
	return 0;
}

static int map_teardown(void **state)
{
	swap_extent_map_destroy(*state);
	return 0;
}

/* Assert that extent @i of @m is exactly the given one. */
static void assert_extent(const struct swap_extent_map *m, size_t i,
			  uint64_t start, uint64_t nr, int store, uint64_t byte)
{
	const struct swap_extent *e = swap_extent_at(m, i);

	assert_non_null(e);
	assert_int_equal(e->start_slot, start);
	assert_int_equal(e->nr_slots, nr);
	assert_int_equal(e->store, store);
	assert_int_equal(e->start_byte, byte);
}

static void test_create_args(void **state)
{
	struct swap_extent_map *m = NULL;

	assert_int_equal(swap_extent_map_create(0, &m), -EINVAL);
	assert_int_equal(swap_extent_map_create(1, NULL), -EINVAL);
	assert_int_equal(swap_extent_map_create(UINT64_MAX, &m), -EINVAL);
	assert_int_equal(swap_extent_map_create(1, &m), 0);
	assert_int_equal(swap_extent_map_slots(m), 1);
	assert_int_equal(swap_extent_mapped_slots(m), 0);
	assert_int_equal(swap_extent_count(m), 0);
	assert_null(swap_extent_at(m, 0));
	swap_extent_map_destroy(m);
	swap_extent_map_destroy(NULL);
}

static void test_merge_left(void **state)
{
	struct swap_extent_map *m = *state;

	assert_int_equal(swap_extent_add(m, 0, 10, 0, 0), 0);
	assert_int_equal(swap_extent_add(m, 10, 5, 0, 10 * PG), 0);
	assert_int_equal(swap_extent_count(m), 1);
	assert_extent(m, 0, 0, 15, 0, 0);
	assert_int_equal(swap_extent_mapped_slots(m), 15);
}

static void test_merge_right(void **state)
{
	struct swap_extent_map *m = *state;

	assert_int_equal(swap_extent_add(m, 100, 10, 1, 50 * PG), 0);
	assert_int_equal(swap_extent_add(m, 90, 10, 1, 40 * PG), 0);
	assert_int_equal(swap_extent_count(m), 1);
	assert_extent(m, 0, 90, 20, 1, 40 * PG);
}

static void test_merge_bridge(void **state)
{
	struct swap_extent_map *m = *state;

	assert_int_equal(swap_extent_add(m, 0, 8, 2, 0), 0);
	assert_int_equal(swap_extent_add(m, 16, 8, 2, 16 * PG), 0);
	assert_int_equal(swap_extent_add(m, 100, 1, 2, 500 * PG), 0);
	assert_int_equal(swap_extent_count(m), 3);
	/* Filling the hole joins all three into one. */
	assert_int_equal(swap_extent_add(m, 8, 8, 2, 8 * PG), 0);
	assert_int_equal(swap_extent_count(m), 2);
	assert_extent(m, 0, 0, 24, 2, 0);
	assert_extent(m, 1, 100, 1, 2, 500 * PG);
	assert_int_equal(swap_extent_mapped_slots(m), 25);
}

static void test_no_merge_other_store(void **state)
{
	struct swap_extent_map *m = *state;

	assert_int_equal(swap_extent_add(m, 0, 4, 0, 0), 0);
	assert_int_equal(swap_extent_add(m, 4, 4, 1, 4 * PG), 0);
	assert_int_equal(swap_extent_add(m, 8, 4, 0, 8 * PG), 0);
	assert_int_equal(swap_extent_count(m), 3);
	assert_extent(m, 0, 0, 4, 0, 0);
	assert_extent(m, 1, 4, 4, 1, 4 * PG);
	assert_extent(m, 2, 8, 4, 0, 8 * PG);
}

static void test_no_merge_byte_gap(void **state)
{
	struct swap_extent_map *m = *state;

	/* Adjacent in slots, not in bytes: a fragmented file. */
	assert_int_equal(swap_extent_add(m, 0, 4, 0, 0), 0);
	assert_int_equal(swap_extent_add(m, 4, 4, 0, 5 * PG), 0);
	/* Adjacent in bytes, not in slots. */
	assert_int_equal(swap_extent_add(m, 9, 4, 0, 9 * PG), 0);
	/* Bytes run backwards. */
	assert_int_equal(swap_extent_add(m, 13, 1, 0, 8 * PG), 0);
	assert_int_equal(swap_extent_count(m), 4);
	assert_int_equal(swap_extent_mapped_slots(m), 13);
}

static void test_overlap(void **state)
{
	struct swap_extent_map *m = *state;

	assert_int_equal(swap_extent_add(m, 10, 10, 0, 0), 0);
	assert_int_equal(swap_extent_add(m, 10, 10, 0, 0), -EEXIST);
	assert_int_equal(swap_extent_add(m, 5, 6, 0, 100 * PG), -EEXIST);
	assert_int_equal(swap_extent_add(m, 19, 5, 0, 100 * PG), -EEXIST);
	assert_int_equal(swap_extent_add(m, 12, 2, 0, 100 * PG), -EEXIST);
	assert_int_equal(swap_extent_add(m, 0, 100, 0, 100 * PG), -EEXIST);
	/* Even one that would merge is refused when it overlaps. */
	assert_int_equal(swap_extent_add(m, 15, 10, 0, 5 * PG), -EEXIST);
	assert_int_equal(swap_extent_count(m), 1);
	assert_int_equal(swap_extent_mapped_slots(m), 10);
	/* Touching on either side is fine. */
	assert_int_equal(swap_extent_add(m, 5, 5, 1, 0), 0);
	assert_int_equal(swap_extent_add(m, 20, 5, 1, 50 * PG), 0);
	assert_int_equal(swap_extent_count(m), 3);
}

static void test_bad_args(void **state)
{
	struct swap_extent_map *m = *state;

	assert_int_equal(swap_extent_add(m, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(swap_extent_add(m, 0, 1, -1, 0), -EINVAL);
	assert_int_equal(swap_extent_add(m, 0, 1, 0, 512), -EINVAL);
	assert_int_equal(swap_extent_add(m, 0, 1, 0, PG + 1), -EINVAL);
	/* The second page would end past the largest file offset. */
	assert_int_equal(swap_extent_add(m, 0, 2, 0, OFF_END - 2 * PG),
			 -EINVAL);
	/* nr_slots * page size would wrap. */
	assert_int_equal(swap_extent_add(m, 0, UINT64_MAX / PG + 2, 0, 0),
			 -EINVAL);
	assert_int_equal(swap_extent_add(m, 0, 1, 0, UINT64_MAX - PG + 1),
			 -EINVAL);
	/* It would end at 2^63, one past the largest file offset. */
	assert_int_equal(swap_extent_add(m, 0, 1, 0, OFF_END - PG), -EINVAL);
	assert_int_equal(swap_extent_count(m), 0);
	/* The last page that still fits. */
	assert_int_equal(swap_extent_add(m, 0, 1, 0, OFF_END - 2 * PG), 0);
}

static void test_range_errors(void **state)
{
	struct swap_extent_map *m = *state;

	assert_int_equal(swap_extent_add(m, 1024, 1, 0, 0), -ERANGE);
	assert_int_equal(swap_extent_add(m, 1020, 5, 0, 0), -ERANGE);
	assert_int_equal(swap_extent_add(m, 1, 1024, 0, 0), -ERANGE);
	assert_int_equal(swap_extent_add(m, UINT64_MAX, 2, 0, 0), -ERANGE);
	assert_int_equal(swap_extent_add(m, 2, 2000, 0, 0), -ERANGE);
	assert_int_equal(swap_extent_add(m, 1020, 4, 0, 0), 0);
	assert_int_equal(swap_extent_add(m, 0, 1020, 0, 4 * PG), 0);
	assert_int_equal(swap_extent_count(m), 2);
	assert_int_equal(swap_extent_mapped_slots(m), 1024);
}

static void test_lookup_boundaries(void **state)
{
	struct swap_extent_map *m = *state;
	struct swap_extent e;

	assert_int_equal(swap_extent_lookup(m, 0, &e), -ENOENT);
	assert_int_equal(swap_extent_add(m, 10, 10, 3, 8 * PG), 0);
	assert_int_equal(swap_extent_add(m, 30, 1, 4, 0), 0);

	assert_int_equal(swap_extent_lookup(m, 9, &e), -ENOENT);
	assert_int_equal(swap_extent_lookup(m, 10, &e), 0);
	assert_int_equal(e.start_slot, 10);
	assert_int_equal(e.nr_slots, 10);
	assert_int_equal(e.store, 3);
	assert_int_equal(e.start_byte, 8 * PG);
	assert_int_equal(swap_extent_lookup(m, 19, &e), 0);
	assert_int_equal(e.start_slot, 10);
	assert_int_equal(swap_extent_lookup(m, 20, &e), -ENOENT);
	assert_int_equal(swap_extent_lookup(m, 29, &e), -ENOENT);
	assert_int_equal(swap_extent_lookup(m, 30, &e), 0);
	assert_int_equal(e.store, 4);
	assert_int_equal(swap_extent_lookup(m, 31, &e), -ENOENT);
	assert_int_equal(swap_extent_lookup(m, 1024, &e), -ENOENT);
	assert_int_equal(swap_extent_lookup(m, UINT64_MAX, &e), -ENOENT);
}

/*
 * One area over three backing stores, as a swapfile spread over three
 * files: slots 0..99 in store 0, 100..299 in store 1 (two runs of the
 * file), 300..1023 in store 2.
 */
static void add_three_stores(struct swap_extent_map *m)
{
	assert_int_equal(swap_extent_add(m, 0, 100, 0, 0), 0);
	assert_int_equal(swap_extent_add(m, 100, 50, 1, 0), 0);
	assert_int_equal(swap_extent_add(m, 150, 150, 1, 1000 * PG), 0);
	assert_int_equal(swap_extent_add(m, 300, 724, 2, 64 * PG), 0);
}

static void test_three_stores(void **state)
{
	struct swap_extent_map *m = *state;
	struct swap_extent e;

	add_three_stores(m);
	assert_int_equal(swap_extent_count(m), 4);
	assert_int_equal(swap_extent_mapped_slots(m), 1024);

	assert_int_equal(swap_extent_lookup(m, 99, &e), 0);
	assert_int_equal(e.store, 0);
	assert_int_equal(swap_extent_lookup(m, 100, &e), 0);
	assert_int_equal(e.store, 1);
	assert_int_equal(e.start_byte, 0);
	assert_int_equal(swap_extent_lookup(m, 200, &e), 0);
	assert_int_equal(e.store, 1);
	assert_int_equal(e.start_slot, 150);
	assert_int_equal(e.start_byte, 1000 * PG);
	assert_int_equal(swap_extent_lookup(m, 1023, &e), 0);
	assert_int_equal(e.store, 2);
	assert_int_equal(e.start_slot, 300);
}

/* Split [slot, slot + nr) along extents into @out; returns the count. */
static int split_range(const struct swap_extent_map *m, uint64_t slot,
		       uint64_t nr, struct swap_extent *out, int max)
{
	int n = 0;

	while (nr) {
		assert_true(n < max);
		assert_int_equal(swap_extent_map_range(m, slot, nr, &out[n]),
				 0);
		assert_int_equal(out[n].start_slot, slot);
		assert_true(out[n].nr_slots > 0 && out[n].nr_slots <= nr);
		slot += out[n].nr_slots;
		nr -= out[n].nr_slots;
		n++;
	}
	return n;
}

static void test_map_range(void **state)
{
	struct swap_extent_map *m = *state;
	struct swap_extent r[8];

	add_three_stores(m);

	/* Inside one extent: the whole request, offset into the extent. */
	assert_int_equal(split_range(m, 160, 10, r, 8), 1);
	assert_int_equal(r[0].store, 1);
	assert_int_equal(r[0].nr_slots, 10);
	assert_int_equal(r[0].start_byte, 1010 * PG);

	/* Across all of them. */
	assert_int_equal(split_range(m, 90, 300, r, 8), 4);
	assert_int_equal(r[0].nr_slots, 10);
	assert_int_equal(r[0].store, 0);
	assert_int_equal(r[0].start_byte, 90 * PG);
	assert_int_equal(r[1].start_slot, 100);
	assert_int_equal(r[1].nr_slots, 50);
	assert_int_equal(r[1].store, 1);
	assert_int_equal(r[1].start_byte, 0);
	assert_int_equal(r[2].start_slot, 150);
	assert_int_equal(r[2].nr_slots, 150);
	assert_int_equal(r[2].start_byte, 1000 * PG);
	assert_int_equal(r[3].start_slot, 300);
	assert_int_equal(r[3].nr_slots, 90);
	assert_int_equal(r[3].store, 2);
	assert_int_equal(r[3].start_byte, 64 * PG);

	/* Exactly the last slot of an extent. */
	assert_int_equal(swap_extent_map_range(m, 149, 100, &r[0]), 0);
	assert_int_equal(r[0].nr_slots, 1);
	assert_int_equal(r[0].start_byte, 49 * PG);

	/* Whole area. */
	assert_int_equal(split_range(m, 0, 1024, r, 8), 4);

	assert_int_equal(swap_extent_map_range(m, 0, 0, &r[0]), -EINVAL);
	assert_int_equal(swap_extent_map_range(m, 1024, 1, &r[0]), -ENOENT);
}

static void test_map_range_hole(void **state)
{
	struct swap_extent_map *m = *state;
	struct swap_extent r;

	assert_int_equal(swap_extent_add(m, 0, 10, 0, 0), 0);
	assert_int_equal(swap_extent_add(m, 20, 10, 0, 20 * PG), 0);
	assert_int_equal(swap_extent_map_range(m, 5, 20, &r), 0);
	assert_int_equal(r.nr_slots, 5);
	/* The caller walks into the hole and learns of it. */
	assert_int_equal(swap_extent_map_range(m, 10, 15, &r), -ENOENT);
}

/* ---- randomized comparison with a per-slot reference ---- */

#define RND_SLOTS 1024
#define RND_STORES 3
#define RND_ROUNDS 20
#define RND_ADDS 250 /* per round, each on a fresh map */

/* What the reference says of one slot. */
struct ref_slot {
	int store;     /* -1: unmapped */
	uint64_t byte; /* byte offset of the slot in its store */
};

/* xorshift64*: reproducible across libcs, unlike rand(). */
static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return rnd_next(s) % n;
}

/* Expected result of an add, from the reference alone. */
static int ref_expect(const struct ref_slot *ref, uint64_t start, uint64_t nr)
{
	if (start >= RND_SLOTS || nr > RND_SLOTS - start)
		return -ERANGE;
	for (uint64_t s = start; s < start + nr; s++)
		if (ref[s].store >= 0)
			return -EEXIST;
	return 0;
}

static void ref_apply(struct ref_slot *ref, uint64_t start, uint64_t nr,
		      int store, uint64_t byte)
{
	for (uint64_t s = 0; s < nr; s++) {
		ref[start + s].store = store;
		ref[start + s].byte = byte + s * PG;
	}
}

/* Maximal runs in the reference: what a fully merged map must hold. */
static size_t ref_runs(const struct ref_slot *ref, uint64_t *mapped)
{
	size_t runs = 0;

	*mapped = 0;
	for (uint64_t s = 0; s < RND_SLOTS; s++) {
		if (ref[s].store < 0)
			continue;
		(*mapped)++;
		if (s == 0 || ref[s - 1].store != ref[s].store ||
		    ref[s - 1].byte + PG != ref[s].byte)
			runs++;
	}
	return runs;
}

/* Every slot looks up as the reference says, and the map is minimal. */
static void ref_check(const struct swap_extent_map *m,
		      const struct ref_slot *ref)
{
	struct swap_extent e;
	uint64_t mapped;

	for (uint64_t s = 0; s < RND_SLOTS; s++) {
		int rc = swap_extent_lookup(m, s, &e);

		if (ref[s].store < 0) {
			assert_int_equal(rc, -ENOENT);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_true(e.start_slot <= s && s - e.start_slot < e.nr_slots);
		assert_int_equal(e.store, ref[s].store);
		assert_int_equal(e.start_byte + (s - e.start_slot) * PG,
				 ref[s].byte);
	}
	assert_int_equal(swap_extent_count(m), ref_runs(ref, &mapped));
	assert_int_equal(swap_extent_mapped_slots(m), mapped);
}

/*
 * Where a new extent goes.  Mostly where a fixed layout puts its first slot
 * (runs of RND_RUN slots in turn on each store, each at its own slot's
 * offset), so that filling holes merges on one side or bridges both; else
 * continuing the slot before it, meeting the slot after it, or anywhere.
 */
#define RND_RUN 100

static uint64_t rnd_byte(uint64_t *rs, const struct ref_slot *ref,
			 uint64_t start, uint64_t nr, int *store)
{
	uint64_t end = start + nr;

	switch (rnd_below(rs, 8)) {
	case 0:
		if (start > 0 && start < RND_SLOTS &&
		    ref[start - 1].store >= 0) {
			*store = ref[start - 1].store;
			return ref[start - 1].byte + PG;
		}
		break;
	case 1:
		if (end < RND_SLOTS && ref[end].store >= 0 &&
		    ref[end].byte >= nr * PG) {
			*store = ref[end].store;
			return ref[end].byte - nr * PG;
		}
		break;
	case 2:
		break;
	default:
		*store = (int)(start / RND_RUN % RND_STORES);
		return start * PG;
	}
	return rnd_below(rs, 1u << 20) * PG;
}

/*
 * Where a new extent starts, and its length: half the time the start of a
 * hole after a mapped slot, filling the hole exactly (to bridge) or in
 * part, sometimes one slot too long (to overlap); else anywhere.
 */
static uint64_t rnd_start(uint64_t *rs, const struct ref_slot *ref, int i,
			  uint64_t *nr)
{
	uint64_t s = rnd_below(rs, RND_SLOTS), hole = 0;

	*nr = 1 + rnd_below(rs, i % 5 ? 4 : 40);
	if (rnd_below(rs, 2))
		return rnd_below(rs, RND_SLOTS + 8);
	while (s < RND_SLOTS &&
	       !(ref[s].store < 0 && s > 0 && ref[s - 1].store >= 0))
		s++;
	if (s == RND_SLOTS)
		return rnd_below(rs, RND_SLOTS);
	while (s + hole < RND_SLOTS && ref[s + hole].store < 0)
		hole++;
	if (rnd_below(rs, 2))
		*nr = hole;
	else
		*nr = 1 + rnd_below(rs, hole + 1);
	return s;
}

/* One round: a fresh map, RND_ADDS random adds, all checked. */
static void rnd_round(uint64_t *rs)
{
	struct swap_extent_map *m;
	struct ref_slot ref[RND_SLOTS];

	assert_int_equal(swap_extent_map_create(RND_SLOTS, &m), 0);
	for (size_t s = 0; s < RND_SLOTS; s++)
		ref[s].store = -1;

	for (int i = 0; i < RND_ADDS; i++) {
		uint64_t nr;
		uint64_t start = rnd_start(rs, ref, i, &nr);
		int store = (int)rnd_below(rs, RND_STORES);
		uint64_t byte = rnd_byte(rs, ref, start, nr, &store);
		int want = ref_expect(ref, start, nr);

		assert_int_equal(swap_extent_add(m, start, nr, store, byte),
				 want);
		if (want == 0)
			ref_apply(ref, start, nr, store, byte);
		ref_check(m, ref);
	}
	swap_extent_map_destroy(m);
}

static void test_random_vs_reference(void **state)
{
	uint64_t rs = 0x5eed5eed12345678ull;

	for (int round = 0; round < RND_ROUNDS; round++)
		rnd_round(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test_setup_teardown(test_merge_left, map_setup,
						map_teardown),
		cmocka_unit_test_setup_teardown(test_merge_right, map_setup,
						map_teardown),
		cmocka_unit_test_setup_teardown(test_merge_bridge, map_setup,
						map_teardown),
		cmocka_unit_test_setup_teardown(test_no_merge_other_store,
						map_setup, map_teardown),
		cmocka_unit_test_setup_teardown(test_no_merge_byte_gap,
						map_setup, map_teardown),
		cmocka_unit_test_setup_teardown(test_overlap, map_setup,
						map_teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, map_setup,
						map_teardown),
		cmocka_unit_test_setup_teardown(test_range_errors, map_setup,
						map_teardown),
		cmocka_unit_test_setup_teardown(test_lookup_boundaries,
						map_setup, map_teardown),
		cmocka_unit_test_setup_teardown(test_three_stores, map_setup,
						map_teardown),
		cmocka_unit_test_setup_teardown(test_map_range, map_setup,
						map_teardown),
		cmocka_unit_test_setup_teardown(test_map_range_hole, map_setup,
						map_teardown),
		cmocka_unit_test(test_random_vs_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Swap extents as a sorted array.
 *
 * The kernel keeps swap extents in an rbtree because a swapfile is mapped
 * once at swapon and then only looked up.  The same holds here, so a sorted
 * array does better: lookups are a binary search over contiguous memory,
 * iteration is trivial, and the price (an insertion in the middle moves the
 * tail) is paid only while the map is built.  Merging keeps the array as
 * short as the backing layout allows: a swapfile laid out in one run on
 * disk is one extent however it was added.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "swap/entry.h"
#include "swap/extent.h"
#include "swap/header.h"

/* Backing byte offsets must fit an off_t, as pread/pwrite take them. */
#define EXTENT_BYTE_LIMIT ((uint64_t)INT64_MAX)

/* Extents the first insertion makes room for. */
#define EXTENT_INITIAL_CAP 8

struct swap_extent_map {
	uint64_t nr_slots;	 /* slots of the area, mapped or not */
	uint64_t mapped;	 /* sum of nr_slots over all extents */
	size_t nr;		 /* extents in use in ext[] */
	size_t cap;		 /* extents allocated in ext[] */
	struct swap_extent *ext; /* sorted, disjoint, no mergeable neighbours */
};

int swap_extent_map_create(uint64_t nr_slots, struct swap_extent_map **out)
{
	struct swap_extent_map *m;

	if (!out || nr_slots == 0 || nr_slots > SWP_OFFSET_MAX + 1)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->nr_slots = nr_slots;
	*out = m;
	return 0;
}

void swap_extent_map_destroy(struct swap_extent_map *m)
{
	if (!m)
		return;
	free(m->ext);
	free(m);
}

static uint64_t extent_end_slot(const struct swap_extent *e)
{
	return e->start_slot + e->nr_slots;
}

static uint64_t extent_end_byte(const struct swap_extent *e)
{
	return e->start_byte + e->nr_slots * SWAP_PAGE_SIZE;
}

/* Does @b continue @a in both slot and byte space, on the same store? */
static bool extent_continues(const struct swap_extent *a,
			     const struct swap_extent *b)
{
	return a->store == b->store && extent_end_slot(a) == b->start_slot &&
	       extent_end_byte(a) == b->start_byte;
}

/* Index of the first extent starting after @slot (m->nr if none). */
static size_t extent_upper_bound(const struct swap_extent_map *m, uint64_t slot)
{
	size_t lo = 0, hi = m->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->ext[mid].start_slot <= slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The extent holding @slot, or NULL. */
static const struct swap_extent *extent_find(const struct swap_extent_map *m,
					     uint64_t slot)
{
	size_t i = extent_upper_bound(m, slot);
	const struct swap_extent *e;

	if (i == 0)
		return NULL;
	e = &m->ext[i - 1];
	return slot < extent_end_slot(e) ? e : NULL;
}

/* Make room for one more extent.  Returns 0 or -ENOMEM (map unchanged). */
static int extent_reserve(struct swap_extent_map *m)
{
	struct swap_extent *ext;
	size_t cap;

	if (m->nr < m->cap)
		return 0;
	cap = m->cap ? m->cap * 2 : EXTENT_INITIAL_CAP;
	ext = realloc(m->ext, cap * sizeof(*ext));
	if (!ext)
		return -ENOMEM;
	m->ext = ext;
	m->cap = cap;
	return 0;
}

/* Checks that need no map: 0 or -EINVAL. */
static int extent_validate(const struct swap_extent *e)
{
	if (e->nr_slots == 0 || e->store < 0)
		return -EINVAL;
	if (e->start_byte % SWAP_PAGE_SIZE)
		return -EINVAL;
	if (e->start_byte > EXTENT_BYTE_LIMIT ||
	    e->nr_slots > (EXTENT_BYTE_LIMIT - e->start_byte) / SWAP_PAGE_SIZE)
		return -EINVAL;
	return 0;
}

/*
 * Put @e at index @i, between ext[i - 1] and ext[i], merging with either or
 * both when @e continues the left one or the right one continues @e.
 * The caller has checked that @e overlaps neither.
 */
static int extent_insert_at(struct swap_extent_map *m, size_t i,
			    const struct swap_extent *e)
{
	struct swap_extent *left = i > 0 ? &m->ext[i - 1] : NULL;
	struct swap_extent *right = i < m->nr ? &m->ext[i] : NULL;
	bool merge_left = left && extent_continues(left, e);
	bool merge_right = right && extent_continues(e, right);
	int rc;

	if (merge_left && merge_right) {
		left->nr_slots += e->nr_slots + right->nr_slots;
		memmove(right, right + 1, (m->nr - i - 1) * sizeof(*right));
		m->nr--;
	} else if (merge_left) {
		left->nr_slots += e->nr_slots;
	} else if (merge_right) {
		right->start_slot = e->start_slot;
		right->start_byte = e->start_byte;
		right->nr_slots += e->nr_slots;
	} else {
		rc = extent_reserve(m);
		if (rc)
			return rc;
		memmove(&m->ext[i + 1], &m->ext[i], (m->nr - i) * sizeof(*e));
		m->ext[i] = *e;
		m->nr++;
	}
	m->mapped += e->nr_slots;
	return 0;
}

int swap_extent_add(struct swap_extent_map *m, uint64_t start_slot,
		    uint64_t nr_slots, int store, uint64_t start_byte)
{
	struct swap_extent e = {
		.start_slot = start_slot,
		.nr_slots = nr_slots,
		.store = store,
		.start_byte = start_byte,
	};
	size_t i;
	int rc;

	rc = extent_validate(&e);
	if (rc)
		return rc;
	if (start_slot >= m->nr_slots || nr_slots > m->nr_slots - start_slot)
		return -ERANGE;

	i = extent_upper_bound(m, start_slot);
	if (i > 0 && extent_end_slot(&m->ext[i - 1]) > start_slot)
		return -EEXIST;
	if (i < m->nr && m->ext[i].start_slot < extent_end_slot(&e))
		return -EEXIST;
	return extent_insert_at(m, i, &e);
}

int swap_extent_lookup(const struct swap_extent_map *m, uint64_t slot,
		       struct swap_extent *out)
{
	const struct swap_extent *e = extent_find(m, slot);

	if (!e)
		return -ENOENT;
	*out = *e;
	return 0;
}

int swap_extent_map_range(const struct swap_extent_map *m, uint64_t slot,
			  uint64_t nr, struct swap_extent *out)
{
	const struct swap_extent *e;
	uint64_t rest;

	if (nr == 0)
		return -EINVAL;
	e = extent_find(m, slot);
	if (!e)
		return -ENOENT;
	rest = extent_end_slot(e) - slot;
	out->start_slot = slot;
	out->nr_slots = nr < rest ? nr : rest;
	out->store = e->store;
	out->start_byte =
		e->start_byte + (slot - e->start_slot) * SWAP_PAGE_SIZE;
	return 0;
}

size_t swap_extent_count(const struct swap_extent_map *m)
{
	return m->nr;
}

const struct swap_extent *swap_extent_at(const struct swap_extent_map *m,
					 size_t i)
{
	return i < m->nr ? &m->ext[i] : NULL;
}

uint64_t swap_extent_map_slots(const struct swap_extent_map *m)
{
	return m->nr_slots;
}

uint64_t swap_extent_mapped_slots(const struct swap_extent_map *m)
{
	return m->mapped;
}

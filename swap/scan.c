/* SPDX-License-Identifier: MIT */
/*
 * The Linux 2.6 slot allocator, scan_swap_map(), kept as a second policy so
 * that the two can be measured on the same work.
 *
 * One lock guards the whole area.  Allocations continue from cluster_next,
 * the slot after the previous one, so consecutive swap-outs land next to
 * each other; every SCAN_CLUSTER allocations the allocator looks, from
 * lowest_bit, for a run of SCAN_CLUSTER free slots to continue in, and if
 * the area has none it goes back to lowest_bit and takes free slots one by
 * one.  lowest_bit and highest_bit bound the free slots so that searches
 * skip the full ends of the area.  On a fragmented area the search for a
 * free run reads the whole map: that is the cost the cluster allocator
 * removed.
 *
 * Orders above 0 did not exist in 2.6; here they take the first naturally
 * aligned free run at or above lowest_bit.
 */
#include <errno.h>
#include <string.h>

#include "swap/area_i.h"

void scan_setup(struct swap_area *a)
{
	uint64_t off;

	a->inuse_pages = 0;
	for (off = 0; off < a->nr_pages; off++)
		a->inuse_pages += a->swap_map[off] != 0;
	for (off = 1; off < a->nr_pages && a->swap_map[off]; off++)
		;
	a->lowest_bit = off;
	for (off = a->nr_pages - 1; off > 0 && a->swap_map[off]; off--)
		;
	a->highest_bit = off;
	a->cluster_next = a->lowest_bit;
	a->cluster_nr = SCAN_CLUSTER;
}

void scan_account_locked(struct swap_area *a, uint64_t off, int delta)
{
	if (delta < 0) {
		if (!a->highest_bit) {
			a->lowest_bit = a->highest_bit = off;
		} else {
			if (off < a->lowest_bit)
				a->lowest_bit = off;
			if (off > a->highest_bit)
				a->highest_bit = off;
		}
		a->inuse_pages--;
		return;
	}
	if (off == a->lowest_bit)
		a->lowest_bit++;
	if (off == a->highest_bit)
		a->highest_bit--;
	if (++a->inuse_pages == a->nr_pages) {
		a->lowest_bit = a->nr_pages;
		a->highest_bit = 0;
	}
}

/* Start of the first run of SCAN_CLUSTER free slots, or SWAP_NEXT_NONE. */
static uint64_t find_free_run_locked(struct swap_area *a)
{
	uint64_t run = 0;

	for (uint64_t off = a->lowest_bit; off <= a->highest_bit; off++) {
		run = a->swap_map[off] ? 0 : run + 1;
		if (run == SCAN_CLUSTER)
			return off + 1 - SCAN_CLUSTER;
	}
	return SWAP_NEXT_NONE;
}

/* First free slot in [from, to], or SWAP_NEXT_NONE. */
static uint64_t find_free_slot_locked(struct swap_area *a, uint64_t from,
				      uint64_t to)
{
	const unsigned char *p;

	if (from > to)
		return SWAP_NEXT_NONE;
	p = memchr(a->swap_map + from, 0, to - from + 1);
	return p ? (uint64_t)(p - a->swap_map) : SWAP_NEXT_NONE;
}

/* Choose where to look: continue, or every SCAN_CLUSTER allocations
 * look for a fresh free run from lowest_bit. */
static uint64_t scan_start_locked(struct swap_area *a)
{
	if (a->cluster_nr) {
		a->cluster_nr--;
		return a->cluster_next;
	}
	a->cluster_nr = SCAN_CLUSTER - 1;
	if (a->nr_pages - a->inuse_pages >= SCAN_CLUSTER) {
		uint64_t run = find_free_run_locked(a);

		if (run != SWAP_NEXT_NONE)
			return run;
	}
	return a->lowest_bit;
}

static int scan_alloc_one_locked(struct swap_area *a, unsigned char usage,
				 uint64_t *offset)
{
	uint64_t off;

	if (a->inuse_pages == a->nr_pages || !a->highest_bit)
		return -ENOSPC;
	off = scan_start_locked(a);
	if (off > a->highest_bit || off < a->lowest_bit)
		off = a->lowest_bit;
	if (a->swap_map[off]) {
		uint64_t wrap = off;

		off = find_free_slot_locked(a, wrap, a->highest_bit);
		if (off == SWAP_NEXT_NONE)
			off = find_free_slot_locked(a, a->lowest_bit, wrap);
		if (off == SWAP_NEXT_NONE)
			return -ENOSPC;
	}
	map_set(a, off, usage);
	scan_account_locked(a, off, +1);
	a->cluster_next = off + 1;
	*offset = off;
	return 0;
}

static int scan_alloc_run_locked(struct swap_area *a, unsigned int order,
				 unsigned char usage, uint64_t *offset)
{
	uint64_t nr = 1ull << order;
	uint64_t off = (a->lowest_bit + nr - 1) & ~(nr - 1);

	for (; a->highest_bit && off + nr - 1 <= a->highest_bit; off += nr) {
		if (!map_range_free(a, off, nr))
			continue;
		for (uint64_t i = 0; i < nr; i++) {
			map_set(a, off + i, usage);
			scan_account_locked(a, off + i, +1);
		}
		*offset = off;
		return 0;
	}
	return -ENOSPC;
}

int scan_alloc(struct swap_area *a, unsigned int order, unsigned char usage,
	       uint64_t *offset)
{
	int rc;

	pthread_mutex_lock(&a->lock);
	if (order)
		rc = scan_alloc_run_locked(a, order, usage, offset);
	else
		rc = scan_alloc_one_locked(a, usage, offset);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The swap cache, as the kernel's mm/swap_state.c: pages that have a swap
 * slot, found by their swap entry.  A page enters it when reclaim gives it
 * a slot (add_to_swap) or a swap-in reads it, and leaves it when reclaim
 * drops it after write-out (clean pages without IO) or when a write fault
 * takes the page over (try_to_free_swap).  While in the cache a page has
 * PG_swapcache, its entry in page->private, one reference held by the
 * cache and SWAP_HAS_CACHE set on its slot (swap_table_cache_get/put).
 *
 * Alongside, one record per slot keeps the checksum written to the slot
 * (verified on every read) and the workingset shadow of an evicted page
 * (its eviction time on the LRU clock, for refault distances).
 *
 * Swap-in readahead, both policies of the kernel, is here too: the pure
 * window computations (swap_ra_*) and the reads they start.
 */
#ifndef SWAPEMU_MM_SWAP_STATE_H
#define SWAPEMU_MM_SWAP_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "swap/entry.h"

struct page;
struct pgdat;
struct swap_cache;
struct vma;

/* ---- the cache ---------------------------------------------------------- */

int swap_cache_create(uint64_t nr_frames, struct swap_cache **out);
void swap_cache_destroy(struct swap_cache *sc);

/*
 * add_to_swap_cache: @page (locked, not in the cache) now stands for
 * @entry.  Takes a reference.  -EEXIST if another page has the entry.
 * The slot's SWAP_HAS_CACHE must already be set by the caller.
 */
int swap_cache_add(struct pgdat *pgdat, struct page *page, swp_entry_t entry);
/*
 * delete_from_swap_cache: take @page (locked, in the cache, not under
 * writeback) out, clear SWAP_HAS_CACHE of its slot and drop the cache's
 * reference.  The caller holds a reference of its own.
 */
void swap_cache_delete(struct pgdat *pgdat, struct page *page);
/* The page for @entry with a reference taken, or NULL. */
struct page *swap_cache_lookup(struct pgdat *pgdat, swp_entry_t entry);
uint64_t swap_cache_nr_pages(struct pgdat *pgdat);

/*
 * add_to_swap: give an anonymous @page (locked) a slot, owned by the
 * cache, and mark it dirty so it gets written.  0, -ENOSPC (no slot),
 * -ENODEV (no swap).
 */
int swap_cache_add_to_swap(struct pgdat *pgdat, struct page *page);
/* try_to_free_swap: drop the swap copy of @page (locked) if no pte refers
 * to its slot and no write is in flight.  True if done. */
bool swap_cache_try_free_swap(struct pgdat *pgdat, struct page *page);
/*
 * __remove_mapping for reclaim: @page (locked, isolated, clean, unmapped,
 * in the cache) is freed if the isolation and the cache hold its only
 * references.  Leaves a workingset shadow on the slot.  True if the
 * frame went back to the free list.
 */
bool swap_cache_remove_mapping(struct pgdat *pgdat, struct page *page);
/*
 * free_swap_and_cache: a pte holding @entry went away.  Drops its swap
 * count and, if only the cache still uses the slot, drops the cache page
 * too when that is possible without waiting.
 */
void swap_cache_free_entry(struct pgdat *pgdat, swp_entry_t entry);
/* Swap count of a slot (ptes referring to it), without the cache bit. */
int swap_cache_swapcount(struct pgdat *pgdat, swp_entry_t entry);

/* Checksum recorded for a slot at its last write-out, 0 if none. */
uint64_t swap_cache_slot_csum(struct pgdat *pgdat, swp_entry_t entry);
/* Record the checksum of the copy being written to @entry. */
void swap_cache_set_slot_csum(struct pgdat *pgdat, swp_entry_t entry,
			      uint64_t csum, uint64_t pfn);

/*
 * try_to_unuse for swapoff of area @type (which takes no new slots any
 * more): swap in every pte that refers to it, in every address space, and
 * drop its swap cache pages.  0 when no slot of the area is in use,
 * -ENOMEM (memory and the other areas cannot hold it all), -EIO,
 * -EBUSY (still in use after several passes: tasks keep sharing it).
 */
int swap_cache_try_to_unuse(struct pgdat *pgdat, unsigned int type);

/* ---- swap-in ---------------------------------------------------------- */

/*
 * lookup_swap_cache for a fault: as swap_cache_lookup, and counts a
 * read-ahead hit (swap_ra_hit and the readahead window's hits) when the
 * page was read ahead and not used yet.
 */
struct page *swap_cache_get_page(struct pgdat *pgdat, swp_entry_t entry,
				 struct vma *vma, uint64_t addr);
/*
 * swapin_readahead: start reading @entry (faulting at @addr of @vma) and
 * the slots its window covers, and return the page for @entry with a
 * reference held; it is locked until its read completes.  NULL with
 * *@err = -ENOMEM (no frame) or -ENOENT (the slot was freed meanwhile).
 */
struct page *swap_cache_swapin_readahead(struct pgdat *pgdat, swp_entry_t entry,
					 struct vma *vma, uint64_t addr,
					 int *err);

/* ---- readahead windows (pure) ----------------------------------------- */

/*
 * __swapin_nr_pages: the adaptive window.  @hits read-ahead hits since
 * the last fault give hits + 2 pages rounded up to a power of two (at
 * least 4); without hits one page, or 2 if @offset is next to
 * @prev_offset; at most @max_pages; never below half of @prev_win.
 */
unsigned int swap_ra_nr_pages(uint64_t prev_offset, uint64_t offset,
			      unsigned int hits, unsigned int max_pages,
			      unsigned int prev_win);

/*
 * Cluster readahead: the aligned block of @win slots (a power of two)
 * around @offset, without slot 0 and inside an area of @nr_slots.
 * Slots [*start, *end] inclusive.
 */
void swap_ra_cluster_window(uint64_t offset, unsigned int win,
			    uint64_t nr_slots, uint64_t *start, uint64_t *end);

/* Inputs of the VMA readahead window, in virtual page numbers. */
struct swap_ra_vma_in {
	uint64_t fault_vpn;	   /* faulting page */
	uint64_t prev_vpn;	   /* previous swap fault in this VMA */
	unsigned int prev_win;	   /* previous window */
	unsigned int hits;	   /* read-ahead hits since */
	unsigned int page_cluster; /* vm.page-cluster */
	uint64_t vma_start;	   /* first vpn of the VMA */
	uint64_t vma_end;	   /* one past its last vpn */
};

/*
 * swap_vma_readahead's window: win pages ahead of the fault when the
 * fault follows the previous one, behind when it precedes it, around it
 * otherwise; clipped to the VMA and to the 512-page page-table page of
 * the fault; window at most 1 << min(page_cluster, 5).  Sets vpns
 * [*start, *end) and returns the window size chosen.
 */
unsigned int swap_ra_vma_window(const struct swap_ra_vma_in *in,
				uint64_t *start, uint64_t *end);

/* VMA readahead state word: previous vpn, window, hits. */
uint64_t swap_ra_info_pack(uint64_t vpn, unsigned int win, unsigned int hits);
void swap_ra_info_unpack(uint64_t info, uint64_t *vpn, unsigned int *win,
			 unsigned int *hits);

#endif

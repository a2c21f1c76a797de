/* SPDX-License-Identifier: MIT */
/*
 * Physical memory of the paging engine: a pool of N page frames of real
 * 4 KiB memory (one mmap'd region) with one descriptor per frame, like the
 * kernel's mem_map of struct page.
 *
 * A descriptor carries the page flags (PG_*), a reference count (who holds
 * the page: each mapping pte, the swap cache, an isolating reclaimer, an IO
 * in flight), a map count (ptes mapping it), the swap entry while the page
 * is in the swap cache (page->private in the kernel), and a short history
 * of what happened to the page, printed when a swap-in finds contents that
 * do not match their checksum.
 *
 * The pool keeps free frames on a list under one lock and the three
 * watermarks min < low < high used by reclaim (mm/pgdat.h does the
 * watermark-checked allocation; page_pool_alloc here never reclaims).
 */
#ifndef SWAPEMU_MM_PAGE_H
#define SWAPEMU_MM_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "swap/entry.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define PAGE_OFFSET_MASK ((uint64_t)PAGE_SIZE - 1)

/* Page flags, as include/linux/page-flags.h. */
enum pageflags {
	PG_locked,     /* page lock held (IO, swap cache changes) */
	PG_waiters,    /* a thread sleeps on this page's lock or writeback */
	PG_task_waiters, /* a task (mm/vcpu.h) waits on them, idem */
	PG_referenced, /* second-chance bit of reclaim */
	PG_uptodate,   /* contents valid (a swap-in read completed) */
	PG_dirty,      /* contents differ from the swap copy, if any */
	PG_lru,	       /* on an LRU list */
	PG_active,     /* on the active list (or going there) */
	PG_workingset, /* was active before deactivation (refault hint) */
	PG_swapbacked, /* anonymous memory */
	PG_swapcache,  /* in the swap cache; private holds the entry */
	PG_writeback,  /* a swap-out write is in flight */
	PG_reclaim,    /* free as soon as writeback ends */
	PG_readahead,  /* read ahead and not used yet */
	PG_error,      /* the last swap-in failed or did not verify */
	NR_PAGEFLAGS
};

/* Events kept in a page's history (the last PAGE_HISTORY_LEN of them). */
enum page_event {
	PE_NONE,
	PE_ALLOC,      /* taken from the free list */
	PE_FREE,       /* returned to the free list */
	PE_ANON,       /* mapped as a new zero page; arg = vpn */
	PE_COW,	       /* filled by a copy-on-write copy; arg = source pfn */
	PE_SWAPOUT,    /* write submitted; arg = swap entry (csum in the
			  slot's record) */
	PE_WRITTEN,    /* write completed; arg = result (0 or -errno) */
	PE_SWAPIN,     /* read submitted; arg = swap entry */
	PE_READ,       /* read completed; arg = result */
	PE_VERIFY_BAD, /* contents did not match; arg = checksum found */
	PE_DROP,       /* clean swap cache page dropped; arg = swap entry */
	PE_MAP,	       /* mapped from the swap cache; arg = vpn */
};

#define PAGE_HISTORY_LEN 8

/* One remembered event, returned by page_history(). */
struct page_event_rec {
	uint64_t seq;	/* pool-wide event number (56 bits) */
	uint32_t event; /* enum page_event */
	uint64_t arg;	/* event argument, see enum page_event */
};

struct page;
struct page_pool;

struct page_watermarks {
	uint64_t min;  /* below: allocations reclaim directly */
	uint64_t low;  /* below: kswapd is woken */
	uint64_t high; /* kswapd reclaims until free pages exceed this */
};

/*
 * Create a pool of @nr_frames frames, all free, with the default
 * watermarks (page_watermarks_default).  Returns 0, -EINVAL for fewer than
 * 16 frames, -ENOMEM.
 */
int page_pool_create(uint64_t nr_frames, struct page_pool **out);
void page_pool_destroy(struct page_pool *pool);

uint64_t page_pool_nr_frames(const struct page_pool *pool);
uint64_t page_pool_nr_free(const struct page_pool *pool);
/* The frame of the shared zero page (read-only, no descriptor): read
 * faults on untouched anonymous memory map it, as the kernel does. */
uint64_t page_pool_zero_pfn(const struct page_pool *pool);

/*
 * Default watermarks as the kernel computes them for one zone of
 * @nr_frames pages: min_free_kbytes = sqrt(16 * KiB of memory) clamped to
 * 128 KiB .. 256 MiB, min = min_free_kbytes / 4 pages (at most 1/16 of
 * memory, so tiny emulations still have room to run), low and high above
 * min by max(min / 4, nr_frames / 1000) and twice that
 * (watermark_scale_factor 10).
 */
void page_watermarks_default(uint64_t nr_frames, struct page_watermarks *wm);
/* Set the watermarks; -EINVAL unless min < low < high < nr_frames. */
int page_pool_set_watermarks(struct page_pool *pool,
			     const struct page_watermarks *wm);
void page_pool_watermarks(const struct page_pool *pool,
			  struct page_watermarks *wm);
/* zone_watermark_ok: more than @mark pages free. */
bool page_pool_watermark_ok(const struct page_pool *pool, uint64_t mark);

/*
 * Take a free frame if more than @reserve frames are free: refcount 1,
 * no flags, contents undefined.  NULL when the pool is at the reserve.
 */
struct page *page_pool_alloc(struct page_pool *pool, uint64_t reserve);
/* Give a frame back; it must have refcount 0 and be off every list. */
void page_pool_free(struct page_pool *pool, struct page *page);

/* Frame <-> descriptor. */
uint64_t page_to_pfn(const struct page_pool *pool, const struct page *page);
struct page *pfn_to_page(struct page_pool *pool, uint64_t pfn);
void *page_address(const struct page_pool *pool, const struct page *page);
void *pfn_address(const struct page_pool *pool, uint64_t pfn);

/* Flags (atomic bit operations). */
bool page_test_flag(const struct page *page, enum pageflags flag);
void page_set_flag(struct page *page, enum pageflags flag);
void page_clear_flag(struct page *page, enum pageflags flag);
bool page_test_set_flag(struct page *page, enum pageflags flag);
bool page_test_clear_flag(struct page *page, enum pageflags flag);

/* Counts. */
int page_count(const struct page *page);
int page_mapcount(const struct page *page);
bool page_mapped(const struct page *page);
/* The swap entry of a swap cache page (none otherwise). */
swp_entry_t page_swap_entry(const struct page *page);

void page_get(struct page *page);
/* get_page_unless_zero: false if the page is being freed. */
bool page_try_get(struct page *page);
/* Drop a reference; true if it was the last one (the caller frees). */
bool page_put_testzero(struct page *page);

/*
 * The page lock (PG_locked): lock_page sleeps until the lock is free,
 * trylock does not.  Unlock wakes sleepers.  wait_on_page_locked and
 * wait_on_page_writeback sleep until the flag clears.
 */
void page_lock(struct page *page);
bool page_trylock(struct page *page);
void page_unlock(struct page *page);
void page_wait_locked(struct page *page);
void page_wait_writeback(struct page *page);
/* Clear PG_writeback and wake sleepers (end_page_writeback). */
void page_end_writeback(struct page *page);

/*
 * Checksum of 4 KiB of page contents: a 64-bit multiply-rotate hash over
 * four lanes (xxHash64's structure), a few GB/s, so it can run on every
 * swap-out and swap-in.  Never 0 for a real page (0 means "none").
 */
uint64_t page_csum(const void *data);
/* Checksum the page's contents and remember it in the descriptor. */
uint64_t page_csum_update(const struct page_pool *pool, struct page *page);
uint64_t page_csum_stored(const struct page *page);

/* Record an event in the page's history. */
void page_history_add(struct page_pool *pool, struct page *page,
		      enum page_event ev, uint64_t arg);
/* Copy the history, oldest first, into @out[PAGE_HISTORY_LEN]; returns
 * the number of events. */
unsigned int page_history(const struct page *page, struct page_event_rec *out);
const char *page_event_name(enum page_event ev);
/* Print a page's state and history, for failure reports. */
void page_dump(const struct page_pool *pool, const struct page *page, FILE *f);

#endif

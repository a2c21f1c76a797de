/* SPDX-License-Identifier: MIT */
/*
 * The emulated memory node, as the kernel's pglist_data: the frames, the
 * anon LRU lists, the swap cache, the counters, kswapd, and the swap
 * table it swaps to.  Every address space (mm/mmu.h) lives in one node.
 *
 * pgdat_alloc_page is the page allocator as __alloc_pages sees it: take a
 * frame while more than the low watermark is free; below low wake kswapd
 * and allow down to min; below min reclaim directly, waiting for writeback
 * when reclaim made no progress, and give up (NULL, an OOM) only when
 * nothing is reclaimable and nothing is in flight.
 */
#ifndef SWAPEMU_MM_PGDAT_H
#define SWAPEMU_MM_PGDAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mm/page.h"
#include "mm/page_io.h"
#include "mm/vmstat.h"

struct pgdat;
struct swap_table;

struct pgdat_config {
	uint64_t nr_frames;		  /* frames of emulated memory */
	struct swap_table *swap;	  /* swap areas; NULL: no swap */
	const struct page_io_ops *io;	  /* NULL: the swap/io engine areas
					  attached by page_io_attach_area */
	void *io_ctx;			  /* passed to io->submit */
	unsigned int page_cluster;	  /* vm.page-cluster (default 3) */
	bool vma_ra;			  /* VMA-based readahead (default) */
	bool new_anon_active;		  /* new anon pages start on the active
					  list, as before Linux 5.9 */
	const struct page_watermarks *wm; /* NULL: page_watermarks_default */
	FILE *report;			  /* failure reports; NULL: stderr */
};

/* Fill @cfg with the defaults (nr_frames must still be set). */
void pgdat_config_init(struct pgdat_config *cfg);

/* Returns 0, -EINVAL, -ENOMEM. */
int pgdat_create(const struct pgdat_config *cfg, struct pgdat **out);
/* Destroy a node whose address spaces are all gone.  Stops kswapd and
 * waits for the swap IO still in flight (writeback kswapd started,
 * readahead nobody waits for): its completions touch the node. */
void pgdat_destroy(struct pgdat *pgdat);

/* Wait until no swap read or write of the node is in flight and every
 * completion has finished with the node. */
void pgdat_wait_io(struct pgdat *pgdat);

struct page_pool *pgdat_pool(struct pgdat *pgdat);
struct vmstat *pgdat_vmstat(struct pgdat *pgdat);
struct swap_table *pgdat_swap(struct pgdat *pgdat);

/* What an allocation does with @nr_free frames free (pure). */
enum pgdat_alloc_decision {
	PGDAT_ALLOC_OK,		 /* above low: take a frame */
	PGDAT_ALLOC_WAKE_KSWAPD, /* low or below, above min: wake kswapd */
	PGDAT_ALLOC_RECLAIM,	 /* min or below: reclaim directly */
};
enum pgdat_alloc_decision
pgdat_alloc_decision(uint64_t nr_free, const struct page_watermarks *wm);

/*
 * Allocate a frame for anonymous memory (refcount 1), reclaiming as the
 * watermarks say.  NULL when memory and swap are both exhausted.
 */
struct page *pgdat_alloc_page(struct pgdat *pgdat);

/*
 * swapoff of area @type: it stops taking slots, every page swapped to it
 * comes back (into memory, or out to the other areas under pressure), and
 * it leaves the swap table (its engine area, if any, is detached).
 * Returns 0, -EINVAL, -ENOMEM, -EIO, -EBUSY; on failure the area stays.
 */
int pgdat_swapoff(struct pgdat *pgdat, unsigned int type);

struct swap_hist_summary;

/* Fault latency so far (ns, from the fault to the access it allowed):
 * every fault, and those that waited for a swap-in read. */
void pgdat_fault_latency(struct pgdat *pgdat, struct swap_hist_summary *all,
			 struct swap_hist_summary *major);

/* Forget the latencies so far (no task may be faulting). */
void pgdat_fault_latency_reset(struct pgdat *pgdat);

/* The swap IO pattern so far, per enum page_io_op: pages submitted and
 * runs of consecutive slots (mean run length = ops / runs). */
struct pgdat_io_pattern {
	uint64_t ops[2];  /* pages read, written */
	uint64_t runs[2]; /* runs of slot n followed by slot n + 1 */
};
void pgdat_io_pattern(struct pgdat *pgdat, struct pgdat_io_pattern *out);

/* Anonymous pages in use (mapped or in the swap cache). */
uint64_t pgdat_nr_anon(struct pgdat *pgdat);

#endif

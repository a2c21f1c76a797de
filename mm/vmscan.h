/* SPDX-License-Identifier: MIT */
/*
 * Page reclaim, as the kernel's mm/vmscan.c for anonymous memory.
 *
 * Reclaim scans the tail of the inactive list: pages whose ptes were
 * referenced get a second chance (kept, marked PG_referenced), or are
 * activated when referenced by more than one pte or for the second time;
 * the others are added to the swap cache, unmapped, written out, and
 * freed when the write completes; clean swap cache pages are freed at
 * once.  The active list is aged into the inactive one whenever the
 * inactive list is low (inactive * ratio < active).
 *
 * Each pass scans size >> priority pages of each list, priority falling
 * from DEF_PRIORITY (12) toward 0 while too little was reclaimed.  kswapd
 * (a thread) runs passes while free memory is at or below the high
 * watermark once an allocation found it at or below low; an allocation at
 * or below min reclaims directly (mm/pgdat.h).
 */
#ifndef SWAPEMU_MM_VMSCAN_H
#define SWAPEMU_MM_VMSCAN_H

#include <stdbool.h>
#include <stdint.h>

struct pgdat;

#define DEF_PRIORITY 12
#define SWAP_CLUSTER_MAX 32u
#define MAX_RECLAIM_RETRIES 16

/* The parameters and results of one reclaim invocation; exposed as the
 * kernel's is, a parameter block that callers fill and read back. */
struct scan_control {
	uint64_t nr_to_reclaim; /* stop once this many pages are freed */
	uint64_t nr_scanned;	/* inactive pages scanned */
	uint64_t nr_reclaimed;	/* pages freed */
	uint64_t nr_writeback;	/* writes started (pages freed later) */
	uint64_t nr_immediate;	/* pages met still under writeback */
	int priority;		/* scan size >> priority of each list */
	bool may_writepage;	/* may start swap writes */
	bool may_unmap;		/* may unmap mapped pages */
	bool may_swap;		/* may give pages swap slots */
	bool kswapd;		/* counts as kswapd (pgscan/pgsteal_kswapd) */
};

/* Initialise @sc for a reclaim of @nr_to_reclaim pages at DEF_PRIORITY
 * with everything allowed. */
void vmscan_sc_init(struct scan_control *sc, uint64_t nr_to_reclaim,
		    bool kswapd);

/* shrink_inactive_list: isolate up to @nr_to_scan inactive pages and
 * reclaim what can be.  Returns pages freed. */
uint64_t vmscan_shrink_inactive_list(struct pgdat *pgdat, uint64_t nr_to_scan,
				     struct scan_control *sc);
/* shrink_active_list: move up to @nr_to_scan active pages to the
 * inactive list (pgrefill, pgdeactivate), clearing their young bits. */
void vmscan_shrink_active_list(struct pgdat *pgdat, uint64_t nr_to_scan,
			       struct scan_control *sc);
/* shrink_lruvec: one pass over both lists at sc->priority. */
void vmscan_shrink_lruvec(struct pgdat *pgdat, struct scan_control *sc);

/* try_to_free_pages: direct reclaim of SWAP_CLUSTER_MAX pages. */
uint64_t vmscan_try_to_free_pages(struct pgdat *pgdat);
/* balance_pgdat: one kswapd run toward the high watermark. */
uint64_t vmscan_balance_pgdat(struct pgdat *pgdat);
/* More than the high watermark free. */
bool vmscan_pgdat_balanced(struct pgdat *pgdat);

/* Start and stop the kswapd thread of @pgdat.  0 or -errno. */
int vmscan_kswapd_run(struct pgdat *pgdat);
void vmscan_kswapd_stop(struct pgdat *pgdat);
/* wakeup_kswapd: ask kswapd to balance the node (no-op if balanced). */
void vmscan_wakeup_kswapd(struct pgdat *pgdat);
/* Wakeups asked for so far, and whether kswapd is running a pass. */
uint64_t vmscan_kswapd_wakeups(struct pgdat *pgdat);
bool vmscan_kswapd_busy(struct pgdat *pgdat);

/*
 * Sleep until some swap write completes after the completion count
 * @seq, or @timeout_ms passes.  Returns the current count; read it first
 * with vmscan_writeback_seq.
 */
uint64_t vmscan_writeback_seq(struct pgdat *pgdat);
uint64_t vmscan_wait_writeback(struct pgdat *pgdat, uint64_t seq,
			       unsigned int timeout_ms);

#endif

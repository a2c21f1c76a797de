/* SPDX-License-Identifier: MIT */
/*
 * Event counters of the paging engine, named as the kernel's /proc/vmstat
 * so that a run can be compared with a real machine line by line.
 *
 * Counters are relaxed atomics: they are bumped from the fault path, the
 * reclaim path and IO completions at once, and read as a snapshot that is
 * consistent enough for reporting (no counter is used for a decision).
 */
#ifndef SWAPEMU_MM_VMSTAT_H
#define SWAPEMU_MM_VMSTAT_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum vm_event_item {
	PGFAULT,		  /* every fault taken by a task */
	PGMAJFAULT,		  /* faults that waited for a swap-in read */
	PSWPIN,			  /* pages read from swap */
	PSWPOUT,		  /* pages written to swap */
	PGSCAN_KSWAPD,		  /* inactive pages scanned by kswapd */
	PGSCAN_DIRECT,		  /* inactive pages scanned by direct reclaim */
	PGSTEAL_KSWAPD,		  /* pages reclaimed by kswapd */
	PGSTEAL_DIRECT,		  /* pages reclaimed by direct reclaim */
	PGACTIVATE,		  /* inactive -> active moves */
	PGDEACTIVATE,		  /* active -> inactive moves */
	PGREFILL,		  /* active pages scanned */
	PGROTATED,		  /* pages rotated to the inactive tail */
	PGFREE,			  /* frames returned to the free list */
	PGALLOC,		  /* frames taken from the free list */
	ALLOCSTALL,		  /* allocations that entered direct reclaim */
	KSWAPD_WAKE,		  /* wakeups of kswapd that found work */
	PAGEOUTRUN,		  /* kswapd balance passes */
	SWAP_RA,		  /* pages read ahead */
	SWAP_RA_HIT,		  /* read-ahead pages later used */
	WORKINGSET_REFAULT_ANON,  /* swap-ins of recently evicted pages */
	WORKINGSET_ACTIVATE_ANON, /* refaults activated at once */
	WORKINGSET_RESTORE_ANON,  /* refaults of pages that were active */
	COW_FAULT,		  /* copy-on-write copies (not in vmstat) */
	RECLAIM_THROTTLED,	  /* reclaim waits for writeback (not in
				     vmstat: the mm_vmscan_throttled event) */
	SWAP_CSUM_FAIL,		  /* swap-ins with a wrong checksum */
	NR_VM_EVENT_ITEMS
};

/* One set of counters (one per emulated node).  Exposed so that the
 * increment is an inline atomic add on the fault and reclaim paths. */
struct vmstat {
	_Atomic uint64_t ev[NR_VM_EVENT_ITEMS]; /* indexed by vm_event_item */
};

void vmstat_init(struct vmstat *vs);

static inline void vmstat_add(struct vmstat *vs, enum vm_event_item item,
			      uint64_t n)
{
	atomic_fetch_add_explicit(&vs->ev[item], n, memory_order_relaxed);
}

static inline void vmstat_inc(struct vmstat *vs, enum vm_event_item item)
{
	vmstat_add(vs, item, 1);
}

uint64_t vmstat_read(const struct vmstat *vs, enum vm_event_item item);

/* The /proc/vmstat name of a counter ("pgfault"), NULL past the end. */
const char *vmstat_name(enum vm_event_item item);

/* Copy every counter into @out[NR_VM_EVENT_ITEMS]. */
void vmstat_snapshot(const struct vmstat *vs, uint64_t *out);

/* Print "name value" lines, as /proc/vmstat does. */
void vmstat_print(const struct vmstat *vs, FILE *f);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Emulated processes: address spaces (struct mm) made of anonymous VMAs,
 * each with a flat array of page table entries, one 64-bit word per page:
 * none, present (frame + young + dirty + write bits) or a swap entry.
 *
 * Accesses go through mmu_access, which behaves as a CPU with an MMU:
 * a hit reads the pte, sets the young/dirty bits the way hardware does
 * (only when they are not already set) and touches the frame, taking no
 * lock; anything else is a fault handled as the kernel's handle_mm_fault:
 * a new zero-filled page (or the shared zero page on a read), copy on
 * write, or a swap-in through the swap cache.
 *
 * fork shares every page (map count, write-protected ptes for copy on
 * write) and every swap entry (one more swap count each); munmap and exit
 * drop frames and swap counts.
 *
 * Threads: an address space is driven by one thread at a time (its task);
 * reclaim (kswapd, other tasks in direct reclaim) changes its ptes at the
 * same time through the reverse map.
 */
#ifndef SWAPEMU_MM_MMU_H
#define SWAPEMU_MM_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swap/entry.h"

struct mm;
struct page;
struct pgdat;
struct workload_op;

/* Create an empty address space in @pgdat.  0 or -ENOMEM. */
int mmu_mm_create(struct pgdat *pgdat, int id, struct mm **out);
/* Unmap everything (frames and swap slots freed) and destroy @mm. */
void mmu_exit(struct mm *mm);
int mmu_mm_id(const struct mm *mm);

/*
 * Map [@addr, @addr + @len) as anonymous memory.  Page aligned, nonzero.
 * Returns 0, -EINVAL, -EEXIST (overlaps a mapping), -ENOMEM.
 */
int mmu_mmap(struct mm *mm, uint64_t addr, uint64_t len);
/* Unmap whatever is mapped in the range (possibly splitting VMAs).
 * Returns 0, -EINVAL (unaligned or empty), -ENOMEM. */
int mmu_munmap(struct mm *mm, uint64_t addr, uint64_t len);

/*
 * fork: a copy of @parent sharing its pages copy-on-write and its swap
 * entries.  Returns 0, -ENOMEM, -EOVERFLOW (a swap slot has
 * SWAP_MAP_MAX sharers already).
 */
int mmu_fork(struct mm *parent, int child_id, struct mm **child);

/*
 * Make the calling thread fit to run a task (the accesses of address
 * spaces): it becomes SCHED_BATCH, so that a task woken by the IO
 * completion of its swap-in waits for a CPU instead of preempting the IO
 * engine's ring thread that woke it.  In the kernel an interrupt handler
 * is not preempted by the task it wakes; here the ring thread plays that
 * part, and each preemption would hold every other completion and
 * submission of the ring until the task sleeps again.  Returns 0 or
 * -errno (the thread then keeps its policy and runs all the same).
 */
int mmu_task_thread_init(void);

/*
 * Read or write @len bytes at @addr (may cross pages).  A write stores
 * a value that changes on every write, so swapped data is always fresh.
 * Returns 0, -EFAULT (not mapped), -ENOMEM (out of memory and swap),
 * -EIO (a swap-in failed or did not verify).
 */
int mmu_access(struct mm *mm, uint64_t addr, uint32_t len, bool write);

/*
 * A task's run of accesses: execute @ops[0..@n) in order, each
 * WL_ACCESS as mmu_access would, stopping before the first operation of
 * another type.  *@done is the number executed; on a failure it is the
 * index of the failing access and its -errno is returned.  Hits take the
 * short path (mm/mmu.c), so this is how tasks run their accesses.
 */
int mmu_access_ops(struct mm *mm, const struct workload_op *ops, unsigned int n,
		   unsigned int *done);

/* As mmu_access, storing @buf / reading into @buf (for verification). */
int mmu_write(struct mm *mm, uint64_t addr, const void *buf, size_t len);
int mmu_read(struct mm *mm, uint64_t addr, void *buf, size_t len);

/* What one pte holds, for tests and reports. */
enum mmu_pte_kind {
	MMU_PTE_NONE,	 /* never touched */
	MMU_PTE_ZERO,	 /* the shared zero page, read-only */
	MMU_PTE_PRESENT, /* a frame */
	MMU_PTE_SWAP,	 /* a swap entry */
};

struct mmu_pte_info {
	enum mmu_pte_kind kind; /* see above */
	uint64_t pfn;		/* frame, when present */
	bool young;		/* accessed bit */
	bool dirty;		/* dirty bit */
	bool write;		/* writable (not write-protected) */
	swp_entry_t entry;	/* swap entry, when MMU_PTE_SWAP */
};

/* Look at the pte of @addr.  0 or -EFAULT when not mapped. */
int mmu_pte_info(struct mm *mm, uint64_t addr, struct mmu_pte_info *out);
/* The page mapped at @addr (no reference taken), or NULL. */
struct page *mmu_page_at(struct mm *mm, uint64_t addr);
/* Faults taken by @mm: all, and those that waited for a read. */
void mmu_fault_counts(const struct mm *mm, uint64_t *faults,
		      uint64_t *majfaults);

#endif

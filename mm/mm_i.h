/* SPDX-License-Identifier: MIT */
/*
 * Private to mm/: the structures the modules of the paging engine share.
 * Nothing outside mm/ (and its unit tests) includes this header.
 *
 * Lock order, outermost first (a function taking a later lock may hold an
 * earlier one, never the reverse):
 *
 *   1. mm->mmap_lock       (rwlock)  VMA set of one address space
 *   2. page lock           (PG_locked, sleeping)  swap cache state of a page
 *   3. anon_vma root lock  (rwlock)  VMA lists of one anon_vma family
 *   4. mm->ptl             (mutex)   page table entries of one mm
 *   5. lruvec->lock        (mutex)   LRU lists
 *   6. swap cache bucket   (mutex)   one hash chain of the swap cache
 *   7. page pool lock      (mutex)   free list
 *
 * The swap table's own locks nest inside all of these.  One exception to
 * the order: swapoff maps a locked page into each address space under
 * that mm's mmap_lock (read); this is safe because no holder of an
 * mmap_lock ever waits for a page lock (munmap, exit and fork only try
 * them).  Nothing is taken
 * on an access that hits: see mm/mmu.c for the fast path and how reclaim
 * waits for accesses in flight (the TLB flush of this model).
 */
#ifndef SWAPEMU_MM_MM_I_H
#define SWAPEMU_MM_MM_I_H

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mm/lru.h"
#include "mm/page.h"
#include "mm/pgdat.h"
#include "mm/vcpu.h"
#include "mm/vmstat.h"
#include "swap/entry.h"

/*
 * Debug checks that a lock is held (by someone: pthreads cannot say by
 * whom), for the *_locked functions.
 */
#ifdef NDEBUG
#define mutex_assert_held(m) ((void)0)
#define rwlock_assert_held(l) ((void)0)
#define page_assert_locked(p) ((void)0)
#else
#define mutex_assert_held(m) assert(pthread_mutex_trylock(m) != 0)
#define rwlock_assert_held(l) assert(pthread_rwlock_trywrlock(l) != 0)
#define page_assert_locked(p) assert(PageFlag((p), PG_locked))
#endif

/*
 * A full memory barrier.  ThreadSanitizer does not model fences (gcc
 * refuses them under it); there a locked read-modify-write, which is a
 * full barrier on x86 too, takes the place of one.
 */
static inline void smp_mb(void)
{
#ifdef __SANITIZE_THREAD__
	static _Atomic int smp_mb_word;

	atomic_fetch_add_explicit(&smp_mb_word, 0, memory_order_seq_cst);
#else
	atomic_thread_fence(memory_order_seq_cst);
#endif
}

struct anon_vma;
struct swap_io_area;
struct swap_table;

/* ---- struct page ------------------------------------------------------ */

struct page {
	_Atomic uint32_t flags;	  /* PG_* bits */
	_Atomic int32_t refcount; /* holders; 0 = free or being freed */
	_Atomic int32_t mapcount; /* ptes mapping the page */
	_Atomic uint64_t private; /* swp_entry_t.val while PG_swapcache */
	/* rmap: the anon_vma whose VMAs may map the page (holds a reference)
	 * and the virtual page number it is mapped at in each of them.  Set
	 * once, under the page lock, at the first mapping (index first,
	 * then mapping with release), then stable while the page lives;
	 * walkers that do not hold the page lock load mapping (acquire). */
	struct anon_vma *_Atomic mapping;
	uint64_t index;		    /* virtual page number (address >> 12) */
	struct page *prev, *next;   /* LRU, free or private list links */
	struct page *hash_next;	    /* swap cache chain, under its bucket */
	_Atomic uint64_t csum;	    /* checksum at the last write-out/read */
	_Atomic uint32_t hist_head; /* events recorded so far */
	struct {
		_Atomic uint64_t
			seq_ev;	      /* event number << 8 | enum page_event */
		_Atomic uint64_t arg; /* see enum page_event */
	} hist[PAGE_HISTORY_LEN];     /* ring, hist_head % LEN is next */
};

static inline bool PageFlag(const struct page *p, enum pageflags f)
{
	return atomic_load_explicit(&p->flags, memory_order_acquire) &
	       (1u << f);
}

/*
 * Set @set and clear @clear in one step, and with no atomic write at all
 * when the flags already say so: for reclaim, which holds the page
 * isolated or locked and finds most bits as it wants them.  (No barrier
 * is implied when nothing changes.)
 */
static inline void page_flags_change(struct page *p, uint32_t set,
				     uint32_t clear)
{
	uint32_t old = atomic_load_explicit(&p->flags, memory_order_relaxed);

	while (((old & ~clear) | set) != old &&
	       !atomic_compare_exchange_weak(&p->flags, &old,
					     (old & ~clear) | set))
		;
}

#define PG_BIT(f) (1u << (f))

/* A list of pages through page->prev/next (LRU and private lists).
 * New pages go to the head; reclaim takes from the tail. */
struct page_list {
	struct page *head; /* most recently added */
	struct page *tail; /* oldest */
	uint64_t nr;	   /* pages on the list */
};

void page_list_init(struct page_list *l);
void page_list_add(struct page_list *l, struct page *p); /* at head */
void page_list_add_tail(struct page_list *l, struct page *p);
void page_list_del(struct page_list *l, struct page *p);
struct page *page_list_pop_tail(struct page_list *l);
void page_list_splice(struct page_list *to, struct page_list *from);

/* ---- page table entries ------------------------------------------------ */

/*
 * One 64-bit word per virtual page:
 *   none     0
 *   present  pfn << 12 | PTE_PRESENT | PTE_YOUNG? | PTE_DIRTY? | PTE_WRITE?
 *   swap     entry << PTE_SWP_SHIFT | PTE_SWAP
 * The access fast path tests (pte & need) == need with one load.
 */
#define PTE_PRESENT (UINT64_C(1) << 0)
#define PTE_YOUNG (UINT64_C(1) << 1) /* accessed since last cleared */
#define PTE_DIRTY (UINT64_C(1) << 2) /* written since mapped */
#define PTE_WRITE (UINT64_C(1) << 3) /* writable (clear: COW/read-only) */
#define PTE_SWAP (UINT64_C(1) << 4)  /* not present: holds a swap entry */
#define PTE_SWP_SHIFT 5
#define PTE_PFN_SHIFT 12

typedef uint64_t pte_t;

static inline pte_t pfn_pte(uint64_t pfn, uint64_t bits)
{
	return (pfn << PTE_PFN_SHIFT) | PTE_PRESENT | bits;
}
static inline bool pte_present(pte_t pte)
{
	return pte & PTE_PRESENT;
}
static inline bool pte_none(pte_t pte)
{
	return pte == 0;
}
static inline bool pte_is_swap(pte_t pte)
{
	return !(pte & PTE_PRESENT) && (pte & PTE_SWAP);
}
static inline uint64_t pte_pfn(pte_t pte)
{
	return pte >> PTE_PFN_SHIFT;
}
static inline pte_t swp_entry_to_pte(swp_entry_t e)
{
	return (e.val << PTE_SWP_SHIFT) | PTE_SWAP;
}
static inline swp_entry_t pte_to_swp_entry(pte_t pte)
{
	swp_entry_t e = {pte >> PTE_SWP_SHIFT};
	return e;
}

/* ---- address spaces ----------------------------------------------------- */

/*
 * An anon_vma groups the VMAs that may map a page (a process's VMA and the
 * copies fork made of it), as the kernel's.  A family (one root and the
 * anon_vmas of descendants) shares the root's lock.
 */
struct anon_vma {
	struct anon_vma *root; /* family root; self for a root */
	pthread_rwlock_t lock; /* root only: guards vmas[] of the family */
	struct vma **vmas;     /* VMAs linked to this anon_vma */
	uint32_t nr_vmas;      /* entries used in vmas */
	uint32_t cap_vmas;     /* entries allocated */
	_Atomic int refcount;  /* linked VMAs, pages, child anon_vmas */
};

/* One mapping of anonymous memory. */
struct vma {
	struct mm *mm;		   /* owner */
	uint64_t start;		   /* first byte, page aligned */
	uint64_t end;		   /* one past the last byte */
	_Atomic pte_t *ptes;	   /* one per page, mmap'd (zero = none) */
	size_t ptes_bytes;	   /* size of the ptes mapping */
	struct anon_vma *anon_vma; /* own anon_vma, for pages it creates */
	struct anon_vma **chain;   /* anon_vmas it is linked into (own too) */
	uint32_t nr_chain;	   /* entries in chain */
	_Atomic uint64_t swap_ra_info; /* VMA readahead: prev vpn, win, hits */
};

/* An emulated process's address space. */
struct mm {
	struct pgdat *pgdat;	    /* the memory it lives in */
	int id;			    /* task id, for reports */
	_Atomic int users;	    /* references (mm_grab/mm_drop) */
	pthread_rwlock_t mmap_lock; /* guards vmas[]: owner writes */
	pthread_mutex_t ptl;	    /* guards pte changes, see mm/mmu.c */
	struct vma **vmas;	    /* sorted by start */
	uint32_t nr_vmas;	    /* entries used */
	uint32_t cap_vmas;	    /* entries allocated */
	/* From here to list_next: what the owner's access path touches, on
	 * cache lines of their own, so that reclaim taking ptl or a
	 * reference (users) from another thread does not bounce them. */
	_Alignas(64) struct vma *vma_cache; /* last VMA hit (owner only) */
	/* Odd while the owner thread is between reading a pte and finishing
	 * the access it allows; written by the owner only. */
	_Atomic uint64_t access_seq;
	uint8_t *frames;       /* frame 0 of the node, for the fast path */
	uint64_t zero_pfn;     /* the shared zero page's frame */
	uint64_t write_seq;    /* value stored by the next write */
	uint64_t read_sink;    /* folds read data so reads happen */
	uint64_t nr_faults;    /* faults taken (owner thread) */
	uint64_t nr_majfaults; /* faults that waited for a read */
	_Alignas(64) struct mm *list_next; /* pgdat's list of mms */
	struct mm *list_prev;		   /* pgdat's list of address spaces */
};

/* ---- the node ------------------------------------------------------------ */

struct lruvec {
	pthread_mutex_t lock;		      /* lru_lock: lists, PG_lru/active
					      of listed pages */
	struct page_list lists[NR_LRU_LISTS]; /* inactive, active */
	/* Evictions + activations so far: the clock of refault distances. */
	_Atomic uint64_t nonresident_age;
	struct pgdat *pgdat; /* owner (for free and counters) */
};

/* Readahead state of the cluster (non-VMA) policy: one per node, as the
 * kernel's static prev_offset / last_readahead_pages. */
struct swap_ra_state {
	_Atomic uint64_t prev_offset; /* slot of the last fault without hits */
	_Atomic uint32_t prev_win;    /* last window, pages */
	_Atomic uint32_t hits;	      /* read-ahead hits since last fault */
};

/* Context of one page's IO in flight (one per frame: a page has at most
 * one, under its lock for reads or PG_writeback for writes). */
struct page_io_req {
	struct pgdat *pgdat; /* node of the page */
	struct page *page;   /* page under IO */
	swp_entry_t entry;   /* slot read or written */
	uint8_t op;	     /* enum page_io_op */
	uint8_t kswapd;	     /* write started by kswapd (pgsteal_kswapd) */
};

struct swap_cache;
struct kswapd;

struct pgdat {
	struct page_pool *pool;	       /* frames */
	struct lruvec lruvec;	       /* anon LRU */
	struct swap_cache *swap_cache; /* swap cache and per-slot records */
	struct swap_table *swap;       /* swap areas (borrowed) */
	struct vmstat stat;	       /* counters */
	struct kswapd *kswapd;	       /* reclaim thread, NULL if not run */
	struct page_io_req *ioreq;     /* per frame */
	struct page_io_ops io;	       /* IO backend, see mm/page_io.c */
	void *io_ctx;		       /* its context */
	/* Without io.submit: the engine area of each swap type. */
	struct swap_io_area *_Atomic io_areas[MAX_SWAPFILES];
	unsigned int page_cluster; /* vm.page-cluster */
	bool vma_ra;		   /* VMA-based readahead, else cluster */
	bool new_anon_active;	   /* new anon pages start active (pre-5.9) */
	struct swap_ra_state ra;   /* cluster readahead state */
	FILE *report;		   /* where failures are described */
	pthread_mutex_t mm_lock;   /* guards the mm list */
	struct mm *mm_list;	   /* every live address space */
	/* Reclaim throttling: waiters for writeback completions. */
	pthread_mutex_t wb_lock;	/* guards wb_seq waits */
	pthread_cond_t wb_cond;		/* signalled on every completion */
	_Atomic uint64_t wb_seq;	/* completions so far */
	struct vtask_waiter *wb_tasks;	/* tasks on vcpus waiting (wb_lock) */
	_Atomic uint64_t nr_writeback;	/* writes in flight */
	_Atomic uint64_t nr_reading;	/* reads in flight */
	_Atomic uint64_t nr_anon;	/* anon pages allocated, not freed */
	struct swap_hist *fault_lat;	/* ns from fault to done access */
	struct swap_hist *majfault_lat; /* the same, faults that read */
	/* Swap IO pattern, per enum page_io_op (racy "last" on purpose:
	 * the summary is statistical). */
	_Atomic uint64_t io_last[2]; /* last entry submitted */
	_Atomic uint64_t io_ops[2];  /* pages submitted */
	_Atomic uint64_t io_runs[2]; /* runs of consecutive slots */
};

/* ---- cross-module internals --------------------------------------------- */

/* mm/pgdat.c: count one fault's latency. */
void pgdat_fault_latency_add(struct pgdat *pgdat, uint64_t ns, bool major);

/* mm/page.c: free a page whose last reference went (off the LRU first). */
void page_release(struct pgdat *pgdat, struct page *page);
/* mm/page.c: drop a reference, releasing the page on the last one. */
void put_page(struct pgdat *pgdat, struct page *page);

/* mm/mmu.c: find the VMA of @addr in @mm (mmap_lock or owner thread). */
struct vma *find_vma(struct mm *mm, uint64_t addr);
_Atomic pte_t *vma_pte(struct vma *vma, uint64_t addr);
/* mm/mmu.c: wait until no access that read an old pte of @mm is in
 * flight (the model's TLB flush); see struct tlbflush_batch. */
struct tlbflush_batch {
	struct mm *mms[16]; /* address spaces to wait for (referenced) */
	unsigned int nr;    /* entries used */
};
void tlb_batch_add(struct tlbflush_batch *b, struct mm *mm);
void tlb_batch_flush(struct tlbflush_batch *b);
void mm_grab(struct mm *mm);
void mm_drop(struct mm *mm);
/* mm/mmu.c, for swapoff: call @fn for each pte of @mm holding an entry
 * of area @type (mmap_lock held); stops at the first nonzero return. */
int mmu_for_each_swap_pte(struct mm *mm, unsigned int type,
			  int (*fn)(void *ctx, struct mm *mm, uint64_t addr,
				    swp_entry_t entry),
			  void *ctx);
/* mm/mmu.c, for swapoff: map swap cache @page (locked, uptodate) at @addr
 * if the pte there still holds @entry (unuse_pte). */
void mmu_unuse_pte(struct mm *mm, uint64_t addr, swp_entry_t entry,
		   struct page *page);

/* mm/page_io.c: the one place IO is started. */
int page_io_submit(struct pgdat *pgdat, struct page *page, enum page_io_op op,
		   swp_entry_t entry, bool kswapd);

/* mm/vmscan.c: the kswapd state of a node (the thread is started by
 * vmscan_kswapd_run); exit stops the thread. */
int kswapd_init(struct pgdat *pgdat);
void kswapd_exit(struct pgdat *pgdat);

/* mm/pgdat.c: the end of one swap IO counted in @inflight (nr_writeback or
 * nr_reading): drops the count and wakes waiters.  The completion's last
 * touch of the node. */
void pgdat_io_end(struct pgdat *pgdat, _Atomic uint64_t *inflight);

/* mm/vmscan.c: end_swap_bio_write — a write of @page ended with @res;
 * consumes the IO's page reference. */
void vmscan_end_write(struct pgdat *pgdat, struct page *page, int res,
		      bool kswapd);
/* mm/swap_state.c: end_swap_bio_read — verify, mark uptodate, unlock;
 * consumes the IO's page reference. */
void swap_cache_end_read(struct pgdat *pgdat, struct page *page,
			 swp_entry_t entry, int res);

#endif

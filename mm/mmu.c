/* SPDX-License-Identifier: MIT */
/*
 * Address spaces, page tables and faults.  See mm/mmu.h.
 *
 * Page table locking.  mm->ptl guards every change of a pte except two
 * that are done with compare-and-swap on the pte word alone: the access
 * path setting young/dirty (the hardware's job) and page_referenced
 * clearing young.  Both only act on a present pte for the frame they
 * expect, so they cannot undo a change made under the lock.
 *
 * The TLB flush of this model.  A hit reads a pte and then touches the
 * frame without a lock, so when reclaim replaces a present pte by a swap
 * entry, an access that read the old pte may still be writing the frame.
 * As the kernel flushes TLBs before writing a page out, reclaim waits
 * for such accesses (tlb_batch_flush): each address space has an access
 * sequence that its task makes odd before reading a pte and even after
 * the access.  The reclaimer issues membarrier(PRIVATE_EXPEDITED), which
 * makes every thread pass a full barrier, and then waits for each odd
 * sequence to move on.  The task's side is two plain stores (one in a
 * run of accesses, see access_hits), so a hit stays a few nanoseconds.
 * Without membarrier, tasks pay a fence.
 */
#include "mm/mmu.h"

#include <errno.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mm/lru.h"
#include "mm/mm_i.h"
#include "mm/rmap.h"
#include "mm/swap_state.h"
#include "mm/vcpu.h"
#include "mm/workload.h"
#include "swap/table.h"

static bool tlb_membarrier;
static pthread_once_t tlb_once = PTHREAD_ONCE_INIT;

static void tlb_init(void)
{
	long rc = syscall(__NR_membarrier,
			  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);

	tlb_membarrier = rc == 0;
}

static inline void access_begin(struct mm *mm)
{
	uint64_t s =
		atomic_load_explicit(&mm->access_seq, memory_order_relaxed);

	atomic_store_explicit(&mm->access_seq, s + 1, memory_order_relaxed);
	if (tlb_membarrier)
		atomic_signal_fence(memory_order_seq_cst);
	else
		smp_mb();
}

static inline void access_end(struct mm *mm)
{
	uint64_t s =
		atomic_load_explicit(&mm->access_seq, memory_order_relaxed);

	atomic_store_explicit(&mm->access_seq, s + 1, memory_order_release);
}

void mm_grab(struct mm *mm)
{
	atomic_fetch_add(&mm->users, 1);
}

void mm_drop(struct mm *mm)
{
	if (atomic_fetch_sub(&mm->users, 1) != 1)
		return;
	pthread_rwlock_destroy(&mm->mmap_lock);
	pthread_mutex_destroy(&mm->ptl);
	free(mm->vmas);
	free(mm);
}

void tlb_batch_flush(struct tlbflush_batch *b)
{
	if (!b->nr)
		return;
	if (tlb_membarrier)
		syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0,
			0);
	else
		smp_mb();
	for (unsigned int i = 0; i < b->nr; i++) {
		struct mm *mm = b->mms[i];
		uint64_t s = atomic_load_explicit(&mm->access_seq,
						  memory_order_acquire);
		unsigned int spins = 0;

		while ((s & 1) &&
		       atomic_load_explicit(&mm->access_seq,
					    memory_order_acquire) == s) {
			if (++spins > 64)
				vcpu_yield();
		}
		mm_drop(mm);
	}
	b->nr = 0;
}

void tlb_batch_add(struct tlbflush_batch *b, struct mm *mm)
{
	for (unsigned int i = 0; i < b->nr; i++)
		if (b->mms[i] == mm)
			return;
	if (b->nr == sizeof(b->mms) / sizeof(b->mms[0]))
		tlb_batch_flush(b);
	mm_grab(mm);
	b->mms[b->nr++] = mm;
}

/* ---- VMAs --------------------------------------------------------------- */

static struct vma *vma_alloc(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *vma = calloc(1, sizeof(*vma));
	void *p;

	if (!vma)
		return NULL;
	vma->mm = mm;
	vma->start = start;
	vma->end = end;
	vma->ptes_bytes = ((end - start) >> PAGE_SHIFT) * sizeof(pte_t);
	p = mmap(NULL, vma->ptes_bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		free(vma);
		return NULL;
	}
	vma->ptes = p;
	return vma;
}

/* Free a VMA that is unlinked from rmap and its mm. */
static void vma_free(struct vma *vma)
{
	munmap((void *)vma->ptes, vma->ptes_bytes);
	free(vma);
}

_Atomic pte_t *vma_pte(struct vma *vma, uint64_t addr)
{
	return &vma->ptes[(addr - vma->start) >> PAGE_SHIFT];
}

struct vma *find_vma(struct mm *mm, uint64_t addr)
{
	uint32_t lo = 0, hi = mm->nr_vmas;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		struct vma *v = mm->vmas[mid];

		if (addr < v->start)
			hi = mid;
		else if (addr >= v->end)
			lo = mid + 1;
		else
			return v;
	}
	return NULL;
}

/* Index where a VMA starting at @start goes in mm->vmas. */
static uint32_t vma_slot(struct mm *mm, uint64_t start)
{
	uint32_t i = 0;

	while (i < mm->nr_vmas && mm->vmas[i]->start < start)
		i++;
	return i;
}

static int mm_insert_vma(struct mm *mm, struct vma *vma)
{
	uint32_t i;

	if (mm->nr_vmas == mm->cap_vmas) {
		uint32_t cap = mm->cap_vmas ? 2 * mm->cap_vmas : 8;
		struct vma **v = realloc(mm->vmas, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		mm->vmas = v;
		mm->cap_vmas = cap;
	}
	i = vma_slot(mm, vma->start);
	memmove(&mm->vmas[i + 1], &mm->vmas[i],
		(mm->nr_vmas - i) * sizeof(*mm->vmas));
	mm->vmas[i] = vma;
	mm->nr_vmas++;
	return 0;
}

static void mm_remove_vma(struct mm *mm, struct vma *vma)
{
	uint32_t i = vma_slot(mm, vma->start);

	assert(i < mm->nr_vmas && mm->vmas[i] == vma);
	memmove(&mm->vmas[i], &mm->vmas[i + 1],
		(mm->nr_vmas - i - 1) * sizeof(*mm->vmas));
	mm->nr_vmas--;
	if (mm->vma_cache == vma)
		mm->vma_cache = NULL;
}

/* ---- address spaces ------------------------------------------------------ */

int mmu_mm_create(struct pgdat *pgdat, int id, struct mm **out)
{
	/* Aligned: the owner's hot fields have cache lines of their own. */
	struct mm *mm = aligned_alloc(_Alignof(struct mm), sizeof(*mm));

	if (!mm)
		return -ENOMEM;
	memset(mm, 0, sizeof(*mm));
	pthread_once(&tlb_once, tlb_init);
	mm->pgdat = pgdat;
	mm->id = id;
	atomic_init(&mm->users, 1);
	pthread_rwlock_init(&mm->mmap_lock, NULL);
	pthread_mutex_init(&mm->ptl, NULL);
	mm->frames = pfn_address(pgdat->pool, 0);
	mm->zero_pfn = page_pool_zero_pfn(pgdat->pool);
	pthread_mutex_lock(&pgdat->mm_lock);
	mm->list_next = pgdat->mm_list;
	if (pgdat->mm_list)
		pgdat->mm_list->list_prev = mm;
	pgdat->mm_list = mm;
	pthread_mutex_unlock(&pgdat->mm_lock);
	*out = mm;
	return 0;
}

int mmu_mm_id(const struct mm *mm)
{
	return mm->id;
}

/*
 * Take @mm's mmap_lock for writing (its own task does: mmap, munmap, fork,
 * exit).  A task on an emulated CPU does not sleep its thread for it: the
 * holder may be swapoff's walk, waiting for a page that another task of
 * the same CPU holds locked; the task lets the CPU's other tasks run
 * until the lock is free, as a task sleeps on an rw_semaphore.
 */
static void mmap_write_lock(struct mm *mm)
{
	if (!vtask_current()) {
		pthread_rwlock_wrlock(&mm->mmap_lock);
		return;
	}
	while (pthread_rwlock_trywrlock(&mm->mmap_lock))
		vcpu_yield();
}

int mmu_mmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	struct vma *vma;
	int rc = -EINVAL;

	if (!len || (addr | len) & PAGE_OFFSET_MASK || addr + len < addr)
		return -EINVAL;
	mmap_write_lock(mm);
	for (uint32_t i = 0; i < mm->nr_vmas; i++) {
		struct vma *v = mm->vmas[i];

		if (addr < v->end && v->start < addr + len) {
			rc = -EEXIST;
			goto out_unlock;
		}
	}
	rc = -ENOMEM;
	vma = vma_alloc(mm, addr, addr + len);
	if (!vma)
		goto out_unlock;
	rc = anon_vma_prepare(vma);
	if (!rc)
		rc = mm_insert_vma(mm, vma);
	if (rc) {
		anon_vma_unlink(vma);
		vma_free(vma);
	}
out_unlock:
	pthread_rwlock_unlock(&mm->mmap_lock);
	return rc;
}

/* free_swap_cache: the last pte of a swap cache page went away; drop the
 * swap copy if nothing else refers to the slot and the page is free. */
static void free_swap_cache(struct pgdat *pgdat, struct page *page)
{
	if (!PageFlag(page, PG_swapcache) || page_mapped(page) ||
	    !page_trylock(page))
		return;
	if (!page_mapped(page))
		swap_cache_try_free_swap(pgdat, page);
	page_unlock(page);
}

/* zap_pte_range: clear the ptes of [start, end) in @vma, dropping the
 * frames and swap counts they held. */
static void zap_pte_range(struct mm *mm, struct vma *vma, uint64_t start,
			  uint64_t end)
{
	struct pgdat *pgdat = mm->pgdat;

	pthread_mutex_lock(&mm->ptl);
	for (uint64_t addr = start; addr < end; addr += PAGE_SIZE) {
		pte_t pte = atomic_exchange(vma_pte(vma, addr), 0);

		if (pte_present(pte) && pte_pfn(pte) != mm->zero_pfn) {
			struct page *page =
				pfn_to_page(pgdat->pool, pte_pfn(pte));

			if (pte & PTE_DIRTY)
				page_set_flag(page, PG_dirty);
			rmap_remove(page);
			free_swap_cache(pgdat, page);
			put_page(pgdat, page);
		} else if (pte_is_swap(pte)) {
			swap_cache_free_entry(pgdat, pte_to_swp_entry(pte));
		}
	}
	pthread_mutex_unlock(&mm->ptl);
}

/* Copy the ptes of [vma->start, vma->end) from @old into @vma; runs
 * under the anon_vma family lock so walkers see one copy or the other. */
static void copy_ptes(struct vma *vma, struct vma *old)
{
	memcpy((void *)vma->ptes, (void *)vma_pte(old, vma->start),
	       vma->ptes_bytes);
}

/* Replace @vma by the pieces of it outside [start, end). */
static int split_vma(struct mm *mm, struct vma *vma, uint64_t start,
		     uint64_t end)
{
	struct vma *piece[2] = {NULL, NULL};
	unsigned int n = 0;
	int rc = -ENOMEM;

	if (vma->start < start)
		piece[n++] = vma_alloc(mm, vma->start, start);
	if (end < vma->end)
		piece[n++] = vma_alloc(mm, end, vma->end);
	for (unsigned int i = 0; i < n; i++)
		if (!piece[i])
			goto out_free;
	rc = anon_vma_replace(vma, piece, n, copy_ptes);
	if (rc)
		goto out_free;
	mm_remove_vma(mm, vma);
	for (unsigned int i = 0; i < n; i++)
		mm_insert_vma(mm, piece[i]); /* room: one removed */
	vma_free(vma);
	return 0;

out_free:
	for (unsigned int i = 0; i < n; i++)
		if (piece[i])
			vma_free(piece[i]);
	return rc;
}

static void remove_vma(struct mm *mm, struct vma *vma)
{
	mm_remove_vma(mm, vma);
	anon_vma_unlink(vma);
	vma_free(vma);
}

int mmu_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;
	int rc = 0;

	if (!len || (addr | len) & PAGE_OFFSET_MASK || end < addr)
		return -EINVAL;
	mmap_write_lock(mm);
	for (uint32_t i = 0; i < mm->nr_vmas && !rc;) {
		struct vma *vma = mm->vmas[i];
		uint64_t s = vma->start > addr ? vma->start : addr;
		uint64_t e = vma->end < end ? vma->end : end;

		if (s >= e) {
			i++;
			continue;
		}
		zap_pte_range(mm, vma, s, e);
		if (s == vma->start && e == vma->end) {
			remove_vma(mm, vma);
			continue;
		}
		rc = split_vma(mm, vma, s, e);
		i = 0; /* the array changed; zapped ranges are skipped */
		if (!rc)
			addr = e;
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
	return rc;
}

void mmu_exit(struct mm *mm)
{
	struct pgdat *pgdat = mm->pgdat;

	mmap_write_lock(mm);
	while (mm->nr_vmas) {
		struct vma *vma = mm->vmas[mm->nr_vmas - 1];

		zap_pte_range(mm, vma, vma->start, vma->end);
		remove_vma(mm, vma);
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
	pthread_mutex_lock(&pgdat->mm_lock);
	if (mm->list_prev)
		mm->list_prev->list_next = mm->list_next;
	else
		pgdat->mm_list = mm->list_next;
	if (mm->list_next)
		mm->list_next->list_prev = mm->list_prev;
	pthread_mutex_unlock(&pgdat->mm_lock);
	mm_drop(mm);
}

/* ---- fork ------------------------------------------------------------ */

/* copy_one_pte: share what the parent's pte maps; both ptes locked. */
static int copy_one_pte(struct mm *parent, _Atomic pte_t *src,
			_Atomic pte_t *dst)
{
	struct pgdat *pgdat = parent->pgdat;
	pte_t pte = atomic_load(src);

	if (pte_none(pte))
		return 0;
	if (pte_is_swap(pte)) {
		int rc = swap_table_dup(pgdat->swap, pte_to_swp_entry(pte));

		if (rc)
			return rc;
	} else if (pte_pfn(pte) != parent->zero_pfn) {
		struct page *page = pfn_to_page(pgdat->pool, pte_pfn(pte));

		page_get(page);
		rmap_dup(page);
		/* Write-protect the parent: young/dirty may change under us. */
		while (!atomic_compare_exchange_weak(src, &pte,
						     pte & ~PTE_WRITE))
			;
		pte &= ~(PTE_WRITE | PTE_YOUNG);
	}
	atomic_store(dst, pte);
	return 0;
}

static int copy_page_range(struct mm *parent, struct vma *dst, struct vma *src)
{
	int rc = 0;

	pthread_mutex_lock(&parent->ptl);
	pthread_mutex_lock(&dst->mm->ptl);
	for (uint64_t addr = src->start; addr < src->end && !rc;
	     addr += PAGE_SIZE)
		rc = copy_one_pte(parent, vma_pte(src, addr),
				  vma_pte(dst, addr));
	pthread_mutex_unlock(&dst->mm->ptl);
	pthread_mutex_unlock(&parent->ptl);
	return rc;
}

static int dup_vma(struct mm *parent, struct mm *child, struct vma *src)
{
	struct vma *vma = vma_alloc(child, src->start, src->end);
	int rc;

	if (!vma)
		return -ENOMEM;
	rc = anon_vma_fork(vma, src);
	if (!rc)
		rc = mm_insert_vma(child, vma);
	if (rc) {
		anon_vma_unlink(vma);
		vma_free(vma);
		return rc;
	}
	return copy_page_range(parent, vma, src);
}

int mmu_fork(struct mm *parent, int child_id, struct mm **out)
{
	struct mm *child;
	int rc;

	rc = mmu_mm_create(parent->pgdat, child_id, &child);
	if (rc)
		return rc;
	mmap_write_lock(parent);
	for (uint32_t i = 0; i < parent->nr_vmas && !rc; i++)
		rc = dup_vma(parent, child, parent->vmas[i]);
	pthread_rwlock_unlock(&parent->mmap_lock);
	if (rc) {
		mmu_exit(child);
		return rc;
	}
	*out = child;
	return 0;
}

/* ---- faults -------------------------------------------------------------- */

/* Install @new_pte for a new page at @addr if the pte is still @old. */
static int map_new_page(struct mm *mm, struct vma *vma, uint64_t addr,
			pte_t old, struct page *page)
{
	struct pgdat *pgdat = mm->pgdat;
	_Atomic pte_t *ptep = vma_pte(vma, addr);
	uint64_t pfn = page_to_pfn(pgdat->pool, page);

	pthread_mutex_lock(&mm->ptl);
	if (atomic_load(ptep) != old) {
		pthread_mutex_unlock(&mm->ptl);
		put_page(pgdat, page);
		return 0;
	}
	rmap_add_new_anon(page, vma, addr);
	page_set_flag(page, PG_uptodate);
	if (pgdat->new_anon_active)
		page_set_flag(page, PG_active);
	lru_add(pgdat, page);
	atomic_store_explicit(ptep,
			      pfn_pte(pfn, PTE_YOUNG | PTE_DIRTY | PTE_WRITE),
			      memory_order_release);
	if (pte_present(old) && pte_pfn(old) != mm->zero_pfn) {
		struct page *oldpage = pfn_to_page(pgdat->pool, pte_pfn(old));

		rmap_remove(oldpage);
		put_page(pgdat, oldpage);
	}
	pthread_mutex_unlock(&mm->ptl);
	return 0;
}

/* do_anonymous_page: first touch.  A read maps the zero page. */
static int do_anonymous_page(struct mm *mm, struct vma *vma, uint64_t addr,
			     bool write)
{
	struct page *page;

	if (!write) {
		_Atomic pte_t *ptep = vma_pte(vma, addr);
		pte_t zero = pfn_pte(mm->zero_pfn, PTE_YOUNG);
		pte_t none = 0;

		pthread_mutex_lock(&mm->ptl);
		atomic_compare_exchange_strong(ptep, &none, zero);
		pthread_mutex_unlock(&mm->ptl);
		return 0;
	}
	page = pgdat_alloc_page(mm->pgdat);
	if (!page)
		return -ENOMEM;
	memset(page_address(mm->pgdat->pool, page), 0, PAGE_SIZE);
	page_history_add(mm->pgdat->pool, page, PE_ANON, addr >> PAGE_SHIFT);
	return map_new_page(mm, vma, addr, 0, page);
}

/* wp_page_reuse: the faulting pte is the only user; make it writable. */
static bool wp_page_reuse(struct mm *mm, _Atomic pte_t *ptep, pte_t pte,
			  struct page *page)
{
	bool reused = false;

	if (!page_trylock(page))
		return false;
	if (PageFlag(page, PG_swapcache))
		swap_cache_try_free_swap(mm->pgdat, page);
	/* The mapping's reference and ours. */
	if (page_count(page) == 2 && page_mapcount(page) == 1) {
		pthread_mutex_lock(&mm->ptl);
		reused = atomic_compare_exchange_strong(
			ptep, &pte, pte | PTE_WRITE | PTE_DIRTY | PTE_YOUNG);
		pthread_mutex_unlock(&mm->ptl);
	}
	page_unlock(page);
	return reused;
}

/* do_wp_page: a write to a write-protected pte: reuse or copy. */
static int do_wp_page(struct mm *mm, struct vma *vma, uint64_t addr, pte_t pte)
{
	struct pgdat *pgdat = mm->pgdat;
	_Atomic pte_t *ptep = vma_pte(vma, addr);
	struct page *page = NULL, *new;

	if (pte_pfn(pte) != mm->zero_pfn) {
		pthread_mutex_lock(&mm->ptl);
		if (atomic_load(ptep) == pte) {
			page = pfn_to_page(pgdat->pool, pte_pfn(pte));
			page_get(page);
		}
		pthread_mutex_unlock(&mm->ptl);
		if (!page)
			return 0;
		if (wp_page_reuse(mm, ptep, pte, page)) {
			put_page(pgdat, page);
			return 0;
		}
	}
	new = pgdat_alloc_page(pgdat);
	if (!new) {
		if (page)
			put_page(pgdat, page);
		return -ENOMEM;
	}
	if (page) {
		memcpy(page_address(pgdat->pool, new),
		       page_address(pgdat->pool, page), PAGE_SIZE);
		page_history_add(pgdat->pool, new, PE_COW,
				 page_to_pfn(pgdat->pool, page));
		vmstat_inc(&pgdat->stat, COW_FAULT);
		put_page(pgdat, page);
	} else {
		memset(page_address(pgdat->pool, new), 0, PAGE_SIZE);
		page_history_add(pgdat->pool, new, PE_ANON, addr >> PAGE_SHIFT);
	}
	return map_new_page(mm, vma, addr, pte, new);
}

/* Map swap cache @page (locked) where the pte still holds @pte. */
static int map_swap_page(struct mm *mm, struct vma *vma, uint64_t addr,
			 pte_t pte, struct page *page, bool write)
{
	struct pgdat *pgdat = mm->pgdat;
	_Atomic pte_t *ptep = vma_pte(vma, addr);
	swp_entry_t entry = pte_to_swp_entry(pte);
	pte_t bits = PTE_YOUNG;
	bool exclusive;

	pthread_mutex_lock(&mm->ptl);
	if (atomic_load(ptep) != pte) {
		pthread_mutex_unlock(&mm->ptl);
		return 0;
	}
	/* reuse_swap_page: ours is the only pte that refers to the slot
	 * and no other pte maps the page. */
	exclusive =
		swap_cache_swapcount(pgdat, entry) == 1 && !page_mapped(page);
	rmap_add_anon(page, vma, addr, exclusive);
	page_get(page); /* the mapping's reference */
	swap_table_free(pgdat->swap, entry);
	if (write && exclusive && swap_cache_try_free_swap(pgdat, page))
		bits |= PTE_WRITE | PTE_DIRTY;
	atomic_store_explicit(ptep,
			      pfn_pte(page_to_pfn(pgdat->pool, page), bits),
			      memory_order_release);
	pthread_mutex_unlock(&mm->ptl);
	page_history_add(pgdat->pool, page, PE_MAP, addr >> PAGE_SHIFT);
	return 0;
}

/* Bring in the swap entry of @pte at @addr and map it (do_swap_page
 * without the accounting).  *@major says whether a read was started. */
static int swapin_pte(struct mm *mm, struct vma *vma, uint64_t addr, pte_t pte,
		      bool write, bool *major)
{
	struct pgdat *pgdat = mm->pgdat;
	swp_entry_t entry = pte_to_swp_entry(pte);
	struct page *page;
	int rc = 0;

	*major = false;
	page = swap_cache_get_page(pgdat, entry, vma, addr);
	if (!page) {
		page = swap_cache_swapin_readahead(pgdat, entry, vma, addr,
						   &rc);
		if (!page)
			return rc == -ENOENT ? 0 : rc;
		*major = true;
	}
	page_lock(page);
	if (!PageFlag(page, PG_swapcache) ||
	    page_swap_entry(page).val != entry.val)
		goto out_unlock; /* reclaimed and reused meanwhile: retry */
	if (PageFlag(page, PG_error) || !PageFlag(page, PG_uptodate)) {
		rc = -EIO;
		goto out_unlock;
	}
	rc = map_swap_page(mm, vma, addr, pte, page, write);
out_unlock:
	page_unlock(page);
	put_page(pgdat, page);
	return rc;
}

/* do_swap_page: the pte holds a swap entry. */
static int do_swap_page(struct mm *mm, struct vma *vma, uint64_t addr,
			pte_t pte, bool write)
{
	bool major;
	int rc = swapin_pte(mm, vma, addr, pte, write, &major);

	if (major) {
		vmstat_inc(&mm->pgdat->stat, PGMAJFAULT);
		mm->nr_majfaults++;
	}
	return rc;
}

int mmu_for_each_swap_pte(struct mm *mm, unsigned int type,
			  int (*fn)(void *ctx, struct mm *mm, uint64_t addr,
				    swp_entry_t entry),
			  void *ctx)
{
	int rc = 0;

	pthread_rwlock_rdlock(&mm->mmap_lock);
	for (uint32_t i = 0; i < mm->nr_vmas && !rc; i++) {
		struct vma *vma = mm->vmas[i];

		for (uint64_t addr = vma->start; addr < vma->end && !rc;
		     addr += PAGE_SIZE) {
			pte_t pte = atomic_load(vma_pte(vma, addr));

			if (pte_is_swap(pte) &&
			    swp_type(pte_to_swp_entry(pte)) == type)
				rc = fn(ctx, mm, addr, pte_to_swp_entry(pte));
		}
	}
	pthread_rwlock_unlock(&mm->mmap_lock);
	return rc;
}

void mmu_unuse_pte(struct mm *mm, uint64_t addr, swp_entry_t entry,
		   struct page *page)
{
	struct vma *vma;

	pthread_rwlock_rdlock(&mm->mmap_lock);
	vma = find_vma(mm, addr);
	if (vma)
		map_swap_page(mm, vma, addr, swp_entry_to_pte(entry), page,
			      false);
	pthread_rwlock_unlock(&mm->mmap_lock);
}

/* handle_mm_fault: one fault at @addr; the caller retries the access. */
static int handle_mm_fault(struct mm *mm, struct vma *vma, uint64_t addr,
			   bool write)
{
	pte_t pte = atomic_load(vma_pte(vma, addr));

	vmstat_inc(&mm->pgdat->stat, PGFAULT);
	mm->nr_faults++;
	if (pte_none(pte))
		return do_anonymous_page(mm, vma, addr, write);
	if (pte_is_swap(pte))
		return do_swap_page(mm, vma, addr, pte, write);
	if (write && !(pte & PTE_WRITE))
		return do_wp_page(mm, vma, addr, pte);
	return 0;
}

/* ---- the access path -------------------------------------------------------- */

/* Data moved by an access: NULL pointers mean "any data". */
struct access_data {
	const uint8_t *src; /* bytes a write stores */
	uint8_t *dst;	    /* where a read puts the bytes */
};

static inline void touch_frame(struct mm *mm, uint8_t *p, uint32_t n,
			       bool write, const struct access_data *d)
{
	uint64_t v;

	if (d) {
		if (write)
			memcpy(p, d->src, n);
		else
			memcpy(d->dst, p, n);
		return;
	}
	if (write) {
		v = ++mm->write_seq;
		if (n <= sizeof(v))
			memcpy(p, &v, n);
		else
			memset(p, (int)(v | 1), n);
	} else {
		v = 0;
		memcpy(&v, p, n < sizeof(v) ? n : sizeof(v));
		mm->read_sink += v ^ p[n - 1];
	}
}

/*
 * One try of the hit path: 1 if the access was done, 0 if it needs a
 * fault (*@vmap is the VMA), -EFAULT outside every VMA.
 */
static inline int access_try(struct mm *mm, uint64_t addr, uint32_t n,
			     bool write, const struct access_data *d,
			     struct vma **vmap)
{
	const pte_t need =
		PTE_PRESENT | PTE_YOUNG | (write ? PTE_DIRTY | PTE_WRITE : 0);
	const pte_t hw = write ? PTE_YOUNG | PTE_DIRTY : PTE_YOUNG;
	struct vma *vma = mm->vma_cache;
	_Atomic pte_t *ptep;
	pte_t pte;

	if (!vma || addr - vma->start >= vma->end - vma->start) {
		vma = find_vma(mm, addr);
		if (!vma)
			return -EFAULT;
		mm->vma_cache = vma;
	}
	*vmap = vma;
	ptep = vma_pte(vma, addr);
	for (;;) {
		access_begin(mm);
		pte = atomic_load_explicit(ptep, memory_order_acquire);
		if ((pte & need) == need) {
			touch_frame(mm,
				    mm->frames + (pte_pfn(pte) << PAGE_SHIFT) +
					    (addr & PAGE_OFFSET_MASK),
				    n, write, d);
			access_end(mm);
			return 1;
		}
		if (!pte_present(pte) || (write && !(pte & PTE_WRITE))) {
			access_end(mm);
			return 0;
		}
		/* What the MMU does: set accessed/dirty, then retry. */
		atomic_compare_exchange_strong(ptep, &pte, pte | hw);
		access_end(mm);
	}
}

static uint64_t mmu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Fault until the access is done; its latency goes to the node's
 * histograms (from the fault to the access that completed). */
static int access_fault(struct mm *mm, uint64_t addr, uint32_t n, bool write,
			const struct access_data *d, struct vma *vma)
{
	uint64_t t0 = mmu_now_ns(), maj = mm->nr_majfaults;
	int rc;

	do {
		rc = handle_mm_fault(mm, vma, addr, write);
		if (rc)
			return rc;
		rc = access_try(mm, addr, n, write, d, &vma);
	} while (!rc);
	if (rc < 0)
		return rc;
	pgdat_fault_latency_add(mm->pgdat, mmu_now_ns() - t0,
				mm->nr_majfaults != maj);
	return 0;
}

static inline int access_page(struct mm *mm, uint64_t addr, uint32_t n,
			      bool write, const struct access_data *d)
{
	struct vma *vma;
	int rc = access_try(mm, addr, n, write, d, &vma);

	if (rc)
		return rc > 0 ? 0 : rc;
	return access_fault(mm, addr, n, write, d, vma);
}

static int access_range(struct mm *mm, uint64_t addr, size_t len, bool write,
			const uint8_t *src, uint8_t *dst)
{
	while (len) {
		uint32_t off = addr & PAGE_OFFSET_MASK;
		uint32_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		struct access_data d = {src, dst};
		int rc =
			access_page(mm, addr, n, write, src || dst ? &d : NULL);

		if (rc)
			return rc;
		addr += n;
		len -= n;
		if (src)
			src += n;
		if (dst)
			dst += n;
	}
	return 0;
}

int mmu_task_thread_init(void)
{
	struct sched_param sp = {.sched_priority = 0};

	pthread_setname_np(pthread_self(), "swapemu-task");
	return -pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
}

int mmu_access(struct mm *mm, uint64_t addr, uint32_t len, bool write)
{
	vcpu_tick();
	return access_range(mm, addr, len, write, NULL, NULL);
}

/* ---- runs of accesses -------------------------------------------------------- */

/* The data of a hit of other than 8 bytes, as touch_frame without @d:
 * a write stores @v; a read returns what goes into the read sink. */
static uint64_t touch_bytes(uint8_t *p, uint32_t n, bool write, uint64_t v)
{
	if (write) {
		if (n <= sizeof(v))
			memcpy(p, &v, n);
		else
			memset(p, (int)(v | 1), n);
		return 0;
	}
	v = 0;
	memcpy(&v, p, n < sizeof(v) ? n : sizeof(v));
	return v ^ p[n - 1];
}

/*
 * The hit path of a run: execute accesses from @ops while each is a
 * one-page access in the cached VMA whose pte allows it as it is
 * (present, young, and dirty + writable for a write); returns how many
 * were done.  @fence: no membarrier, pay a fence per access (a constant:
 * the compiler makes one loop of each).
 *
 * Per access: one pte load, the frame touch and one store to
 * access_seq; the VMA, the frame base, the write value and the read
 * sink stay in registers.  access_seq is odd from the first hit to the
 * end of the run and moves on by 2 after each access (its release
 * orders the touch before it), so tlb_batch_flush still only waits for
 * the access in flight; it is made even before returning, that is
 * before anything that may sleep or reclaim (a fault).
 */
static inline __attribute__((always_inline)) unsigned int
access_hits(struct mm *mm, const struct workload_op *ops, unsigned int n,
	    const bool fence)
{
	const struct vma *vma = mm->vma_cache;
	uint8_t *const frames = mm->frames;
	uint64_t seq =
		atomic_load_explicit(&mm->access_seq, memory_order_relaxed) + 1;
	uint64_t wseq = mm->write_seq, sink = mm->read_sink;
	const uint64_t start = vma ? vma->start : 0;
	const uint64_t size = vma ? vma->end - start : 0;
	_Atomic pte_t *const ptes = vma ? vma->ptes : NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct workload_op *op = &ops[i];
		const uint64_t addr = op->addr, len = op->len;
		const uint64_t in = addr & PAGE_OFFSET_MASK;
		const bool write = op->write;
		const pte_t need = PTE_PRESENT | PTE_YOUNG |
				   (write ? PTE_DIRTY | PTE_WRITE : 0);
		uint8_t *p;
		pte_t pte;

		if (op->type != WL_ACCESS || len - 1 >= PAGE_SIZE - in ||
		    addr - start >= size)
			break;
		atomic_store_explicit(&mm->access_seq, seq,
				      memory_order_release);
		if (fence)
			smp_mb();
		else
			atomic_signal_fence(memory_order_seq_cst);
		pte = atomic_load_explicit(&ptes[(addr - start) >> PAGE_SHIFT],
					   memory_order_acquire);
		if ((pte & need) != need)
			break;
		p = frames + (pte_pfn(pte) << PAGE_SHIFT) + in;
		if (write) {
			wseq++;
			if (len == sizeof(wseq))
				memcpy(p, &wseq, sizeof(wseq));
			else
				touch_bytes(p, (uint32_t)len, true, wseq);
		} else if (len == sizeof(uint64_t)) {
			uint64_t v;

			memcpy(&v, p, sizeof(v));
			sink += v ^ p[7];
		} else {
			sink += touch_bytes(p, (uint32_t)len, false, 0);
		}
		seq += 2;
	}
	atomic_store_explicit(&mm->access_seq, seq + 1, memory_order_release);
	mm->write_seq = wseq;
	mm->read_sink = sink;
	return i;
}

int mmu_access_ops(struct mm *mm, const struct workload_op *ops, unsigned int n,
		   unsigned int *done)
{
	unsigned int i = 0;
	int rc = 0;

	vcpu_tick();
	while (i < n && ops[i].type == WL_ACCESS) {
		if (tlb_membarrier)
			i += access_hits(mm, ops + i, n - i, false);
		else
			i += access_hits(mm, ops + i, n - i, true);
		if (i == n || ops[i].type != WL_ACCESS)
			break;
		/* Not a hit as it is: a fault, a pte bit to set, several
		 * pages, another VMA. */
		rc = access_range(mm, ops[i].addr, ops[i].len, ops[i].write,
				  NULL, NULL);
		if (rc)
			break;
		i++;
	}
	*done = i;
	return rc;
}

int mmu_write(struct mm *mm, uint64_t addr, const void *buf, size_t len)
{
	return access_range(mm, addr, len, true, buf, NULL);
}

int mmu_read(struct mm *mm, uint64_t addr, void *buf, size_t len)
{
	return access_range(mm, addr, len, false, NULL, buf);
}

/* ---- inspection --------------------------------------------------------- */

int mmu_pte_info(struct mm *mm, uint64_t addr, struct mmu_pte_info *out)
{
	struct vma *vma;
	pte_t pte;

	pthread_rwlock_rdlock(&mm->mmap_lock);
	vma = find_vma(mm, addr);
	pte = vma ? atomic_load(vma_pte(vma, addr)) : 0;
	pthread_rwlock_unlock(&mm->mmap_lock);
	if (!vma)
		return -EFAULT;
	memset(out, 0, sizeof(*out));
	if (pte_present(pte)) {
		out->kind = pte_pfn(pte) == mm->zero_pfn ? MMU_PTE_ZERO
							 : MMU_PTE_PRESENT;
		out->pfn = pte_pfn(pte);
		out->young = pte & PTE_YOUNG;
		out->dirty = pte & PTE_DIRTY;
		out->write = pte & PTE_WRITE;
	} else if (pte_is_swap(pte)) {
		out->kind = MMU_PTE_SWAP;
		out->entry = pte_to_swp_entry(pte);
	}
	return 0;
}

struct page *mmu_page_at(struct mm *mm, uint64_t addr)
{
	struct mmu_pte_info info;

	if (mmu_pte_info(mm, addr, &info) || info.kind != MMU_PTE_PRESENT)
		return NULL;
	return pfn_to_page(mm->pgdat->pool, info.pfn);
}

void mmu_fault_counts(const struct mm *mm, uint64_t *faults,
		      uint64_t *majfaults)
{
	*faults = mm->nr_faults;
	*majfaults = mm->nr_majfaults;
}

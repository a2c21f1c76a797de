/* SPDX-License-Identifier: MIT */
/*
 * Reverse mapping.  See mm/rmap.h.
 */
#include "mm/rmap.h"

#include <errno.h>
#include <stdlib.h>

#include "mm/mm_i.h"
#include "swap/table.h"

static struct anon_vma *anon_vma_alloc(struct anon_vma *root)
{
	struct anon_vma *av = calloc(1, sizeof(*av));

	if (!av)
		return NULL;
	atomic_init(&av->refcount, 1);
	if (root) {
		av->root = root;
		anon_vma_get(root);
	} else {
		av->root = av;
		pthread_rwlock_init(&av->lock, NULL);
	}
	return av;
}

void anon_vma_get(struct anon_vma *av)
{
	atomic_fetch_add(&av->refcount, 1);
}

void anon_vma_put(struct anon_vma *av)
{
	struct anon_vma *root;

	if (atomic_fetch_sub(&av->refcount, 1) != 1)
		return;
	root = av->root;
	free(av->vmas);
	if (root == av)
		pthread_rwlock_destroy(&av->lock);
	free(av);
	if (root != av)
		anon_vma_put(root);
}

/* Add @vma to @av's list and @av to @vma's chain; root lock held. */
static int anon_vma_link_locked(struct anon_vma *av, struct vma *vma)
{
	struct anon_vma **chain;

	rwlock_assert_held(&av->root->lock);

	if (av->nr_vmas == av->cap_vmas) {
		uint32_t cap = av->cap_vmas ? 2 * av->cap_vmas : 4;
		struct vma **v = realloc(av->vmas, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		av->vmas = v;
		av->cap_vmas = cap;
	}
	chain = realloc(vma->chain, (vma->nr_chain + 1) * sizeof(*chain));
	if (!chain)
		return -ENOMEM;
	vma->chain = chain;
	vma->chain[vma->nr_chain++] = av;
	av->vmas[av->nr_vmas++] = vma;
	anon_vma_get(av);
	return 0;
}

int anon_vma_prepare(struct vma *vma)
{
	struct anon_vma *av = anon_vma_alloc(NULL);
	int rc;

	if (!av)
		return -ENOMEM;
	pthread_rwlock_wrlock(&av->lock);
	rc = anon_vma_link_locked(av, vma);
	pthread_rwlock_unlock(&av->lock);
	if (!rc)
		vma->anon_vma = av;
	anon_vma_put(av); /* the link holds it */
	return rc;
}

int anon_vma_clone(struct vma *dst, struct vma *src)
{
	struct anon_vma *root = src->anon_vma->root;
	int rc = 0;

	pthread_rwlock_wrlock(&root->lock);
	for (uint32_t i = 0; i < src->nr_chain && !rc; i++)
		rc = anon_vma_link_locked(src->chain[i], dst);
	pthread_rwlock_unlock(&root->lock);
	if (!rc)
		dst->anon_vma = src->anon_vma;
	return rc;
}

int anon_vma_fork(struct vma *child, struct vma *parent)
{
	struct anon_vma *root = parent->anon_vma->root;
	struct anon_vma *av;
	int rc;

	rc = anon_vma_clone(child, parent);
	if (rc)
		return rc;
	av = anon_vma_alloc(root);
	if (!av)
		return -ENOMEM;
	pthread_rwlock_wrlock(&root->lock);
	rc = anon_vma_link_locked(av, child);
	pthread_rwlock_unlock(&root->lock);
	if (!rc)
		child->anon_vma = av;
	anon_vma_put(av);
	return rc;
}

static void anon_vma_remove_locked(struct anon_vma *av, struct vma *vma)
{
	rwlock_assert_held(&av->root->lock);
	for (uint32_t i = 0; i < av->nr_vmas; i++) {
		if (av->vmas[i] == vma) {
			av->vmas[i] = av->vmas[--av->nr_vmas];
			return;
		}
	}
}

/* Drop the chain of a VMA that is on no anon_vma list any more. */
static void anon_vma_chain_free(struct vma *vma)
{
	/* Drop children before the root: a child holds the root. */
	for (uint32_t i = vma->nr_chain; i-- > 0;)
		anon_vma_put(vma->chain[i]);
	free(vma->chain);
	vma->chain = NULL;
	vma->nr_chain = 0;
	vma->anon_vma = NULL;
}

/* Reserve room for one more VMA on each anon_vma of @vma's chain. */
static int anon_vma_reserve_locked(struct vma *vma, unsigned int more)
{
	rwlock_assert_held(&vma->anon_vma->root->lock);
	for (uint32_t i = 0; i < vma->nr_chain; i++) {
		struct anon_vma *av = vma->chain[i];
		uint32_t cap = av->nr_vmas + more;
		struct vma **v;

		if (cap <= av->cap_vmas)
			continue;
		v = realloc(av->vmas, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		av->vmas = v;
		av->cap_vmas = cap;
	}
	return 0;
}

int anon_vma_replace(struct vma *old, struct vma **news, unsigned int nr,
		     void (*copy)(struct vma *dst, struct vma *old))
{
	struct anon_vma *root = old->anon_vma->root;
	int rc = 0;

	for (unsigned int k = 0; k < nr && !rc; k++) {
		news[k]->chain = malloc(old->nr_chain * sizeof(*old->chain));
		if (!news[k]->chain)
			rc = -ENOMEM;
	}
	pthread_rwlock_wrlock(&root->lock);
	if (!rc)
		rc = anon_vma_reserve_locked(old, nr);
	for (unsigned int k = 0; k < nr && !rc; k++) {
		struct vma *v = news[k];

		for (uint32_t i = 0; i < old->nr_chain; i++) {
			struct anon_vma *av = old->chain[i];

			v->chain[v->nr_chain++] = av;
			av->vmas[av->nr_vmas++] = v;
			anon_vma_get(av);
		}
		v->anon_vma = old->anon_vma;
		copy(v, old);
	}
	if (!rc)
		for (uint32_t i = 0; i < old->nr_chain; i++)
			anon_vma_remove_locked(old->chain[i], old);
	pthread_rwlock_unlock(&root->lock);
	for (unsigned int k = 0; k < nr && rc; k++) {
		free(news[k]->chain);
		news[k]->chain = NULL;
	}
	if (!rc)
		anon_vma_chain_free(old);
	return rc;
}

void anon_vma_unlink(struct vma *vma)
{
	struct anon_vma *root;

	if (!vma->nr_chain)
		return;
	root = vma->chain[0]->root;
	pthread_rwlock_wrlock(&root->lock);
	for (uint32_t i = 0; i < vma->nr_chain; i++)
		anon_vma_remove_locked(vma->chain[i], vma);
	pthread_rwlock_unlock(&root->lock);
	anon_vma_chain_free(vma);
}

/* ---- page side ----------------------------------------------------------- */

void rmap_add_new_anon(struct page *page, struct vma *vma, uint64_t addr)
{
	page->index = addr >> PAGE_SHIFT;
	anon_vma_get(vma->anon_vma);
	atomic_store_explicit(&page->mapping, vma->anon_vma,
			      memory_order_release);
	page_set_flag(page, PG_swapbacked);
	atomic_store(&page->mapcount, 1);
}

void rmap_add_anon(struct page *page, struct vma *vma, uint64_t addr,
		   bool exclusive)
{
	if (!atomic_load_explicit(&page->mapping, memory_order_relaxed)) {
		struct anon_vma *av =
			exclusive ? vma->anon_vma : vma->anon_vma->root;

		page->index = addr >> PAGE_SHIFT;
		anon_vma_get(av);
		atomic_store_explicit(&page->mapping, av, memory_order_release);
	}
	assert(page->index == addr >> PAGE_SHIFT);
	atomic_fetch_add(&page->mapcount, 1);
}

void rmap_dup(struct page *page)
{
	atomic_fetch_add(&page->mapcount, 1);
}

void rmap_remove(struct page *page)
{
	int old = atomic_fetch_sub(&page->mapcount, 1);

	assert(old > 0);
	(void)old;
}

/* The pte of @vma that would map @page, or NULL if outside the VMA. */
static _Atomic pte_t *page_vma_pte(struct page *page, struct vma *vma)
{
	uint64_t addr = page->index << PAGE_SHIFT;

	if (addr < vma->start || addr >= vma->end)
		return NULL;
	return vma_pte(vma, addr);
}

/* Clear the young bit of @ptep if it maps @pfn; true if it was set. */
static bool pte_test_clear_young(_Atomic pte_t *ptep, uint64_t pfn, bool *maps)
{
	pte_t pte = atomic_load(ptep);

	for (;;) {
		*maps = pte_present(pte) && pte_pfn(pte) == pfn;
		if (!*maps || !(pte & PTE_YOUNG))
			return false;
		if (atomic_compare_exchange_weak(ptep, &pte, pte & ~PTE_YOUNG))
			return true;
	}
}

int rmap_page_referenced(struct pgdat *pgdat, struct page *page)
{
	uint64_t pfn = page_to_pfn(pgdat->pool, page);
	struct anon_vma *av =
		atomic_load_explicit(&page->mapping, memory_order_acquire);
	int mapcount = page_mapcount(page), referenced = 0;

	if (!av || mapcount <= 0)
		return 0;
	pthread_rwlock_rdlock(&av->root->lock);
	for (uint32_t i = 0; i < av->nr_vmas && mapcount > 0; i++) {
		_Atomic pte_t *ptep = page_vma_pte(page, av->vmas[i]);
		bool maps;

		if (!ptep)
			continue;
		if (pte_test_clear_young(ptep, pfn, &maps))
			referenced++;
		if (maps)
			mapcount--;
	}
	pthread_rwlock_unlock(&av->root->lock);
	return referenced;
}

/* Replace one pte mapping @page with @entry; ptl of the VMA's mm held. */
static int try_to_unmap_one_locked(struct pgdat *pgdat, struct vma *vma,
				   struct page *page, _Atomic pte_t *ptep,
				   swp_entry_t entry)
{
	uint64_t pfn = page_to_pfn(pgdat->pool, page);
	pte_t pte = atomic_load(ptep);
	int rc;

	mutex_assert_held(&vma->mm->ptl);
	if (!pte_present(pte) || pte_pfn(pte) != pfn)
		return 0;
	rc = swap_table_dup(pgdat->swap, entry);
	if (rc)
		return rc;
	pte = atomic_exchange(ptep, swp_entry_to_pte(entry));
	if (pte & PTE_DIRTY)
		page_set_flag(page, PG_dirty);
	rmap_remove(page);
	if (page_put_testzero(page))
		assert(!"try_to_unmap dropped the last reference");
	return 1;
}

bool rmap_try_to_unmap(struct pgdat *pgdat, struct page *page,
		       struct tlbflush_batch *tlb)
{
	struct anon_vma *av =
		atomic_load_explicit(&page->mapping, memory_order_acquire);
	swp_entry_t entry = page_swap_entry(page);
	int rc = 0;

	assert(PageFlag(page, PG_locked));
	if (!av || swp_entry_none(entry))
		return !page_mapped(page);
	pthread_rwlock_rdlock(&av->root->lock);
	for (uint32_t i = 0; i < av->nr_vmas && page_mapped(page); i++) {
		struct vma *vma = av->vmas[i];
		_Atomic pte_t *ptep = page_vma_pte(page, vma);

		if (!ptep)
			continue;
		pthread_mutex_lock(&vma->mm->ptl);
		rc = try_to_unmap_one_locked(pgdat, vma, page, ptep, entry);
		pthread_mutex_unlock(&vma->mm->ptl);
		if (rc < 0)
			break;
		if (rc > 0)
			tlb_batch_add(tlb, vma->mm);
	}
	pthread_rwlock_unlock(&av->root->lock);
	return !page_mapped(page);
}

/* SPDX-License-Identifier: MIT */
/*
 * Reverse mapping: from a page to every (mm, address) that maps it, as the
 * kernel's anon_vma scheme.
 *
 * Each VMA has its own anon_vma and is linked into the anon_vmas of every
 * VMA it was forked from (its "chain").  A page points to one anon_vma
 * (page->mapping) and records its virtual page number (page->index); since
 * this model has no mremap, a page sits at the same address in every
 * address space that shares it, so a walk visits the VMAs linked to the
 * page's anon_vma and looks at one pte in each.  The cost of a walk is the
 * number of related VMAs, not the number of pages, and a fault adds no
 * per-mapping allocation: the kernel's trade-off, kept for the same reason
 * (faults and forks of millions of pages stay cheap).
 *
 * A family of anon_vmas (a root and those forked from it) shares the
 * root's rwlock: walks read, fork/munmap/exit write.
 */
#ifndef SWAPEMU_MM_RMAP_H
#define SWAPEMU_MM_RMAP_H

#include <stdbool.h>
#include <stdint.h>

struct anon_vma;
struct page;
struct pgdat;
struct tlbflush_batch;
struct vma;

/* Give a new VMA its own root anon_vma.  0 or -ENOMEM. */
int anon_vma_prepare(struct vma *vma);
/* Link @child (a fork's copy of @parent) into @parent's chain and give it
 * its own anon_vma in the same family.  0 or -ENOMEM. */
int anon_vma_fork(struct vma *child, struct vma *parent);
/* Link @dst (a piece of @src after a split) where @src is. 0/-ENOMEM. */
int anon_vma_clone(struct vma *dst, struct vma *src);
/*
 * Replace @old by the @nr VMAs @news (pieces of it after a partial
 * munmap) in one step for walkers: under the family lock each new VMA is
 * linked where @old is, @copy fills its ptes from @old, and @old is
 * unlinked.  0 or -ENOMEM (nothing changed).
 */
int anon_vma_replace(struct vma *old, struct vma **news, unsigned int nr,
		     void (*copy)(struct vma *dst, struct vma *old));
/* Unlink a VMA that is going away from every anon_vma of its chain. */
void anon_vma_unlink(struct vma *vma);
void anon_vma_get(struct anon_vma *av);
void anon_vma_put(struct anon_vma *av);

/* A new page mapped once at @addr of @vma: mapcount 1, rmap set. */
void rmap_add_new_anon(struct page *page, struct vma *vma, uint64_t addr);
/*
 * One more pte maps @page (a swap-in).  A page without rmap gets the
 * VMA's own anon_vma if @exclusive (no other pte can map it later),
 * else the family root, which every related VMA is linked to.  Page
 * locked.
 */
void rmap_add_anon(struct page *page, struct vma *vma, uint64_t addr,
		   bool exclusive);
/* fork copied a pte mapping @page. */
void rmap_dup(struct page *page);
/* One pte no longer maps @page. */
void rmap_remove(struct page *page);

/*
 * page_referenced: test and clear the young bit of every pte mapping
 * @page.  Returns how many were young.  Page locked.
 */
int rmap_page_referenced(struct pgdat *pgdat, struct page *page);

/*
 * try_to_unmap: replace every pte mapping @page (a swap cache page,
 * locked) with its swap entry, taking one swap count per pte as the
 * kernel's swap_duplicate, and move pte dirty bits to PG_dirty.  The
 * address spaces touched are added to @tlb; the caller flushes before it
 * reads the page.  Returns true when no pte maps the page any more.
 */
bool rmap_try_to_unmap(struct pgdat *pgdat, struct page *page,
		       struct tlbflush_batch *tlb);

#endif

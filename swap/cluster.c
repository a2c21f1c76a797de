/* SPDX-License-Identifier: MIT */
/*
 * The cluster allocator of Linux 6.x (mm/swapfile.c), in user space.
 *
 * Slots are grouped in clusters of SWAPFILE_CLUSTER.  A cluster that has
 * served an allocation of order N serves only that order until it is empty
 * again, so order-N runs stay naturally aligned and small and large
 * allocations do not fragment each other.  Each thread keeps, per order, the
 * slot where its next allocation looks first (its "current cluster"); only
 * when that cluster is used up does it go to the lists, in this order:
 * nonfull[order], free, frag[order], and for order 0 the nonfull and frag
 * lists of the higher orders (stealing).  A cluster in which an allocation
 * of its order failed moves to frag[order] so later searches skip it until
 * a slot of it is freed.
 *
 * The trade-off against scan_swap_map (scan.c): a little state per cluster
 * (16 bytes per 512 slots) buys allocation that never scans more than one
 * cluster on the fast path, locking per cluster instead of per area, and
 * writes that stay sequential within a cluster.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "swap/area_i.h"

/* Passes over the lists before an allocation that met busy clusters
 * gives up. */
#define CLUSTER_ALLOC_RETRIES 8

/* This thread's current-cluster slot: threads are spread round-robin. */
static struct swap_pcp *this_pcp(struct swap_area *a)
{
	static atomic_uint next_slot;
	static _Thread_local unsigned int slot = UINT_MAX;

	if (slot == UINT_MAX)
		slot = atomic_fetch_add(&next_slot, 1) % SWAP_NR_PCP;
	return &a->pcp[slot];
}

void cluster_free_add(struct swap_area *a, int64_t delta)
{
	atomic_fetch_add_explicit(&this_pcp(a)->free_delta, delta,
				  memory_order_relaxed);
}

uint64_t cluster_nr_free(struct swap_area *a)
{
	int64_t delta = 0;

	for (unsigned int p = 0; p < SWAP_NR_PCP; p++)
		delta += atomic_load_explicit(&a->pcp[p].free_delta,
					      memory_order_relaxed);
	return (uint64_t)((int64_t)a->nr_free_init + delta);
}

/* --- cluster lists, all with area->lock held ------------------------- */

static struct cluster_list *list_head(struct swap_area *a,
				      enum cluster_list_id id,
				      unsigned int order)
{
	switch (id) {
	case CL_FREE:
		return &a->free_clusters;
	case CL_NONFULL:
		return &a->nonfull[order];
	case CL_FRAG:
		return &a->frag[order];
	case CL_DISCARD:
		return &a->discard_clusters;
	default:
		return NULL;
	}
}

static void list_add_tail_locked(struct swap_area *a, struct cluster_list *l,
				 uint32_t idx)
{
	struct swap_cluster *ci = &a->clusters[idx];

	ci->next = CLUSTER_NONE;
	ci->prev = l->tail;
	if (l->tail != CLUSTER_NONE)
		a->clusters[l->tail].next = idx;
	else
		l->head = idx;
	l->tail = idx;
	l->nr++;
}

static void list_del_locked(struct swap_area *a, struct cluster_list *l,
			    uint32_t idx)
{
	struct swap_cluster *ci = &a->clusters[idx];

	if (ci->prev != CLUSTER_NONE)
		a->clusters[ci->prev].next = ci->next;
	else
		l->head = ci->next;
	if (ci->next != CLUSTER_NONE)
		a->clusters[ci->next].prev = ci->prev;
	else
		l->tail = ci->prev;
	ci->prev = ci->next = CLUSTER_NONE;
	l->nr--;
}

/* Move @ci to list @id.  Needs ci->lock, and area->lock unless neither
 * list is a linked one (see cluster_move_links). */
static void move_cluster_locked(struct swap_area *a, struct swap_cluster *ci,
				enum cluster_list_id id)
{
	uint32_t idx = cluster_index(a, ci);
	struct cluster_list *from = list_head(a, ci->list, ci->order);
	struct cluster_list *to = list_head(a, id, ci->order);

	if (from)
		list_del_locked(a, from, idx);
	if (to)
		list_add_tail_locked(a, to, idx);
	if (ci->list == CL_FULL)
		atomic_fetch_sub_explicit(&a->nr_full, 1, memory_order_relaxed);
	if (id == CL_FULL)
		atomic_fetch_add_explicit(&a->nr_full, 1, memory_order_relaxed);
	ci->list = (uint8_t)id;
}

/* Does moving between these lists touch a linked list? */
static bool cluster_move_links(enum cluster_list_id from,
			       enum cluster_list_id to)
{
	return (from != CL_NONE && from != CL_FULL) ||
	       (to != CL_NONE && to != CL_FULL);
}

/* --- where a cluster belongs ----------------------------------------- */

/*
 * The list a cluster should be on given its count.  A frag cluster stays
 * frag while it fills up; a slot freed in it makes it nonfull again, as in
 * the kernel's partial_free_cluster().
 */
static enum cluster_list_id cluster_target(const struct swap_area *a,
					   const struct swap_cluster *ci,
					   int delta)
{
	if (ci->count == 0)
		return a->discard ? CL_DISCARD : CL_FREE;
	if (ci->count == SWAPFILE_CLUSTER)
		return CL_FULL;
	if (ci->list == CL_FRAG && delta >= 0)
		return CL_FRAG;
	return CL_NONFULL;
}

/* Put @ci on @id if it is not there already.  Needs ci->lock. */
static void relocate_locked(struct swap_area *a, struct swap_cluster *ci,
			    enum cluster_list_id id)
{
	if (ci->list == id)
		return;
	if (!cluster_move_links(ci->list, id)) {
		move_cluster_locked(a, ci, id);
		return;
	}
	pthread_mutex_lock(&a->lock);
	move_cluster_locked(a, ci, id);
	pthread_mutex_unlock(&a->lock);
}

void cluster_account_locked(struct swap_area *a, struct swap_cluster *ci,
			    int delta)
{
	ci->count = (uint16_t)(ci->count + delta);
	cluster_free_add(a, -delta);
	/* An isolated cluster is relocated by whoever isolated it. */
	if (ci->list == CL_NONE)
		return;
	if (ci->list == CL_FREE)
		ci->order = 0; /* claimed slots: the cluster now serves order 0 */
	relocate_locked(a, ci, cluster_target(a, ci, delta));
}

/* --- setup ------------------------------------------------------------ */

static void cluster_init_one(struct swap_area *a, uint32_t idx)
{
	struct swap_cluster *ci = &a->clusters[idx];
	uint64_t base = (uint64_t)idx * SWAPFILE_CLUSTER;
	uint64_t end = base + SWAPFILE_CLUSTER;
	enum cluster_list_id id;

	swap_spin_init(&ci->lock);
	ci->count = 0;
	for (uint64_t off = base; off < end; off++)
		if (off >= a->nr_pages || a->swap_map[off])
			ci->count++;
	ci->order = 0;
	ci->list = CL_NONE;
	if (ci->count == 0)
		id = CL_FREE;
	else if (ci->count == SWAPFILE_CLUSTER)
		id = CL_FULL;
	else
		id = CL_NONFULL;
	move_cluster_locked(a, ci, id);
}

static void init_list(struct cluster_list *l)
{
	l->head = l->tail = CLUSTER_NONE;
	l->nr = 0;
}

int cluster_setup(struct swap_area *a)
{
	a->nr_clusters = (uint32_t)((a->nr_pages + SWAPFILE_CLUSTER - 1) /
				    SWAPFILE_CLUSTER);
	if (a->policy != SWAP_ALLOC_CLUSTER)
		return 0;
	a->clusters = calloc(a->nr_clusters, sizeof(*a->clusters));
	a->pcp = aligned_alloc(64, SWAP_NR_PCP * sizeof(*a->pcp));
	if (!a->clusters || !a->pcp) {
		free(a->clusters);
		free(a->pcp);
		return -ENOMEM;
	}
	pthread_mutex_init(&a->discard_lock, NULL);
	init_list(&a->free_clusters);
	atomic_init(&a->nr_full, 0);
	init_list(&a->discard_clusters);
	for (unsigned int o = 0; o < SWAP_NR_ORDERS; o++) {
		init_list(&a->nonfull[o]);
		init_list(&a->frag[o]);
	}
	for (uint32_t i = 0; i < a->nr_clusters; i++)
		cluster_init_one(a, i);
	a->nr_free_init = 0;
	for (uint64_t off = 0; off < a->nr_pages; off++)
		a->nr_free_init += !a->swap_map[off];
	for (unsigned int p = 0; p < SWAP_NR_PCP; p++) {
		swap_spin_init(&a->pcp[p].lock);
		atomic_init(&a->pcp[p].free_delta, 0);
		for (unsigned int o = 0; o < SWAP_NR_ORDERS; o++)
			a->pcp[p].next[o] = SWAP_NEXT_NONE;
	}
	return 0;
}

void cluster_teardown(struct swap_area *a)
{
	if (!a->clusters)
		return;
	pthread_mutex_destroy(&a->discard_lock);
	free(a->clusters);
	free(a->pcp);
}

/* --- allocation -------------------------------------------------------- */


/* First free naturally aligned run of 1 << @order in [from, end). */
static uint64_t scan_run(const struct swap_area *a, uint64_t from,
			 uint64_t end, unsigned int order)
{
	uint64_t nr = 1ull << order;

	if (order == 0) {
		const unsigned char *p = memchr(a->swap_map + from, 0,
						end - from);

		return p ? (uint64_t)(p - a->swap_map) : SWAP_NEXT_NONE;
	}
	for (uint64_t off = (from + nr - 1) & ~(nr - 1); off + nr <= end;
	     off += nr)
		if (map_range_free(a, off, nr))
			return off;
	return SWAP_NEXT_NONE;
}

/*
 * Find a free run in @ci, looking from @start to the cluster's end, then
 * from its beginning.  Needs ci->lock.  Returns SWAP_NEXT_NONE if none.
 */
static uint64_t cluster_scan_locked(struct swap_area *a,
				    struct swap_cluster *ci, uint64_t start,
				    unsigned int order)
{
	uint64_t base = (uint64_t)cluster_index(a, ci) * SWAPFILE_CLUSTER;
	uint64_t end = base + SWAPFILE_CLUSTER;
	uint64_t off;

	if (end > a->nr_pages)
		end = a->nr_pages;
	if (SWAPFILE_CLUSTER - ci->count < (1u << order))
		return SWAP_NEXT_NONE;
	off = scan_run(a, start, end, order);
	if (off == SWAP_NEXT_NONE && start > base)
		off = scan_run(a, base, start, order);
	return off;
}

/* Give [off, off + 1 << order) @usage.  Needs ci->lock; slots are free. */
static void take_run_locked(struct swap_area *a, struct swap_cluster *ci,
			    uint64_t off, unsigned int order,
			    unsigned char usage)
{
	uint64_t nr = 1ull << order;

	for (uint64_t i = 0; i < nr; i++)
		map_set(a, off + i, usage);
	ci->count = (uint16_t)(ci->count + nr);
	cluster_free_add(a, -(int64_t)nr);
}

/* Where this thread's next allocation of this order starts looking:
 * nowhere once the cluster is full. */
static void set_next(struct swap_pcp *pcp, const struct swap_cluster *ci,
		     unsigned int order, uint64_t off)
{
	if (ci->count == SWAPFILE_CLUSTER)
		off = SWAP_NEXT_NONE;
	else if (off % SWAPFILE_CLUSTER == 0)
		off -= SWAPFILE_CLUSTER; /* wrap inside the cluster */
	pcp->next[order] = off;
}

/* The fast path: this thread's current cluster.  Needs pcp->lock. */
static int alloc_fast(struct swap_area *a, struct swap_pcp *pcp,
		      unsigned int order, unsigned char usage,
		      uint64_t *offset)
{
	uint64_t next = pcp->next[order];
	struct swap_cluster *ci;
	uint64_t off;

	if (next == SWAP_NEXT_NONE)
		return -EAGAIN;
	ci = offset_cluster(a, next);
	swap_spin_lock(&ci->lock);
	if (ci->order != order ||
	    (ci->list != CL_NONFULL && ci->list != CL_FRAG)) {
		off = SWAP_NEXT_NONE;
	} else {
		off = cluster_scan_locked(a, ci, next, order);
		if (off != SWAP_NEXT_NONE) {
			take_run_locked(a, ci, off, order, usage);
			relocate_locked(a, ci, cluster_target(a, ci, 1));
		} else if (ci->list == CL_NONFULL) {
			relocate_locked(a, ci, CL_FRAG);
		}
	}
	if (off != SWAP_NEXT_NONE)
		set_next(pcp, ci, order, off + (1ull << order));
	swap_spin_unlock(&ci->lock);
	if (off == SWAP_NEXT_NONE) {
		pcp->next[order] = SWAP_NEXT_NONE;
		return -EAGAIN;
	}
	*offset = off;
	return 0;
}

/*
 * Take the first cluster of list @l whose lock can be had without waiting
 * (lists come before clusters in the lock order only with a trylock), off
 * its list.  *@tries bounds the clusters taken from one list in one
 * allocation: UINT32_MAX on the first call sets it to the list's length.
 * *@busy is set when a cluster was skipped because another thread held it.
 * Returns the cluster locked and isolated, or NULL.
 */
static struct swap_cluster *isolate_lock_cluster(struct swap_area *a,
						 struct cluster_list *l,
						 uint32_t *tries, bool *busy)
{
	struct swap_cluster *found = NULL;

	pthread_mutex_lock(&a->lock);
	if (*tries == UINT32_MAX)
		*tries = l->nr;
	if (!*tries)
		goto out_unlock;
	(*tries)--;
	for (uint32_t idx = l->head; idx != CLUSTER_NONE;
	     idx = a->clusters[idx].next) {
		struct swap_cluster *ci = &a->clusters[idx];

		if (!swap_spin_trylock(&ci->lock)) {
			*busy = true;
			continue;
		}
		move_cluster_locked(a, ci, CL_NONE);
		found = ci;
		break;
	}
out_unlock:
	pthread_mutex_unlock(&a->lock);
	return found;
}

/*
 * Try the clusters of one list, at most as many as it held when we began
 * (failures move to a frag list, possibly this one).  Needs pcp->lock.
 */
static int alloc_from_list(struct swap_area *a, struct swap_pcp *pcp,
			   struct cluster_list *l, unsigned int order,
			   unsigned char usage, uint64_t *offset, bool *busy)
{
	uint32_t tries = UINT32_MAX; /* set to the list's length at first */

	for (;;) {
		struct swap_cluster *ci = isolate_lock_cluster(a, l, &tries, busy);
		uint64_t base, off;

		if (!ci)
			return -ENOSPC;
		if (ci->count == 0)
			ci->order = (uint8_t)order;
		base = (uint64_t)cluster_index(a, ci) * SWAPFILE_CLUSTER;
		off = cluster_scan_locked(a, ci, base, order);
		if (off != SWAP_NEXT_NONE)
			take_run_locked(a, ci, off, order, usage);
		relocate_locked(a, ci, off == SWAP_NEXT_NONE && ci->count ?
				CL_FRAG : cluster_target(a, ci, 1));
		if (off != SWAP_NEXT_NONE && ci->order == order)
			set_next(pcp, ci, order, off + (1ull << order));
		swap_spin_unlock(&ci->lock);
		if (off != SWAP_NEXT_NONE) {
			*offset = off;
			return 0;
		}
	}
	return -ENOSPC;
}

/* The slow path: the lists, in the kernel's order.  Needs pcp->lock. */
static int alloc_slow(struct swap_area *a, struct swap_pcp *pcp,
		      unsigned int order, unsigned char usage,
		      uint64_t *offset, bool *busy)
{
	struct cluster_list *order_lists[] = {
		&a->nonfull[order], &a->free_clusters, &a->frag[order],
	};

	for (unsigned int i = 0; i < 3; i++)
		if (!alloc_from_list(a, pcp, order_lists[i], order, usage,
				     offset, busy))
			return 0;
	if (order)
		return -ENOSPC;
	/* Order 0 may steal single slots from clusters of higher orders. */
	for (unsigned int o = 1; o < SWAP_NR_ORDERS; o++) {
		if (!alloc_from_list(a, pcp, &a->frag[o], 0, usage, offset,
				     busy) ||
		    !alloc_from_list(a, pcp, &a->nonfull[o], 0, usage, offset,
				     busy))
			return 0;
	}
	return -ENOSPC;
}

int cluster_alloc(struct swap_area *a, unsigned int order,
		  unsigned char usage, uint64_t *offset)
{
	struct swap_pcp *pcp = this_pcp(a);
	int rc;

	for (int attempt = 0; attempt < CLUSTER_ALLOC_RETRIES; attempt++) {
		bool busy = false;

		swap_spin_lock(&pcp->lock);
		rc = alloc_fast(a, pcp, order, usage, offset);
		if (rc == -EAGAIN)
			rc = alloc_slow(a, pcp, order, usage, offset, &busy);
		swap_spin_unlock(&pcp->lock);
		if (rc != -ENOSPC)
			break;
		/* Out of room: empty clusters may be waiting for discard. */
		if (cluster_flush_discards(a))
			continue;
		/* The lists skipped clusters other threads held locked: one
		 * of them may have room by now. */
		if (!busy)
			break;
		sched_yield();
	}
	return rc;
}

/* --- discard ------------------------------------------------------------ */

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

/* Indices of the clusters on the discard list, sorted; *nr set. */
static uint32_t *snapshot_discards(struct swap_area *a, uint32_t *nr)
{
	uint32_t *idx = NULL, n = 0;

	pthread_mutex_lock(&a->lock);
	if (a->discard_clusters.nr)
		idx = malloc(a->discard_clusters.nr * sizeof(*idx));
	for (uint32_t i = a->discard_clusters.head; idx && i != CLUSTER_NONE;
	     i = a->clusters[i].next)
		idx[n++] = i;
	pthread_mutex_unlock(&a->lock);
	qsort(idx, n, sizeof(*idx), cmp_u32);
	*nr = n;
	return idx;
}

/* Discard clusters [first, first + n) and make them free. */
static void discard_run(struct swap_area *a, uint32_t first, uint32_t n)
{
	a->discard(a->discard_ctx, (uint64_t)first * SWAPFILE_CLUSTER,
		   (uint64_t)n * SWAPFILE_CLUSTER);
	for (uint32_t i = first; i < first + n; i++) {
		struct swap_cluster *ci = &a->clusters[i];

		swap_spin_lock(&ci->lock);
		if (ci->list == CL_DISCARD)
			relocate_locked(a, ci, CL_FREE);
		swap_spin_unlock(&ci->lock);
	}
}

/*
 * While a cluster sits on the discard list it has no used slot and
 * nothing may claim one (swap_area_claim refuses), so the callback runs
 * with no lock held.  Flushes run one at a time.
 */
unsigned int cluster_flush_discards(struct swap_area *a)
{
	uint32_t *idx, n, start = 0;

	if (!a->discard || pthread_mutex_trylock(&a->discard_lock))
		return 0;
	idx = snapshot_discards(a, &n);
	for (uint32_t i = 1; i <= n; i++) {
		if (i < n && idx[i] == idx[i - 1] + 1)
			continue;
		discard_run(a, idx[start], i - start);
		start = i;
	}
	pthread_mutex_unlock(&a->discard_lock);
	free(idx);
	return n;
}

void cluster_list_counts(struct swap_area *a, struct swap_area_stats *st)
{
	pthread_mutex_lock(&a->lock);
	st->cl_free = a->free_clusters.nr;
	st->cl_full = atomic_load(&a->nr_full);
	st->cl_discard = a->discard_clusters.nr;
	for (unsigned int o = 0; o < SWAP_NR_ORDERS; o++) {
		st->cl_nonfull += a->nonfull[o].nr;
		st->cl_frag += a->frag[o].nr;
	}
	pthread_mutex_unlock(&a->lock);
	for (unsigned int p = 0; p < SWAP_NR_PCP; p++) {
		swap_spin_lock(&a->pcp[p].lock);
		for (unsigned int o = 0; o < SWAP_NR_ORDERS; o++)
			st->cl_current += a->pcp[p].next[o] != SWAP_NEXT_NONE;
		swap_spin_unlock(&a->pcp[p].lock);
	}
}

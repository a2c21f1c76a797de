/* SPDX-License-Identifier: MIT */
/*
 * Private to swap/: the layout of struct swap_area and the helpers shared
 * by the map operations (area.c), the cluster allocator (cluster.c) and the
 * scan_swap_map allocator (scan.c).
 *
 * Lock order:  pcp->lock  ->  cluster->lock (ascending index)  ->  area->lock
 *
 * Cluster policy: a slot's swap_map byte and its cluster's count, order and
 * `list` are guarded by the cluster's lock.  The linked cluster lists (and
 * the prev/next links) are guarded by area->lock, taken after the cluster
 * lock whenever a move links or unlinks a cluster.  Full clusters are on no
 * linked list, only counted, so filling a cluster needs no area lock.  The
 * lists are entered from area->lock towards a cluster only with a trylock,
 * as the kernel's isolate_lock_cluster() does.
 *
 * Scan policy: area->lock guards the whole swap_map and the scan state, as
 * swap_device_lock did in Linux 2.6.
 */
#ifndef SWAPEMU_SWAP_AREA_I_H
#define SWAPEMU_SWAP_AREA_I_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "swap/area.h"
#include "swap/spinlock.h"

#ifdef NDEBUG
#define swap_assert(x) ((void)0)
#else
#include <assert.h>
#define swap_assert(x) assert(x)
#endif

/* Which list a cluster is on. */
enum cluster_list_id {
	CL_NONE = 0, /* isolated: its lock holder is working on it */
	CL_FREE,     /* no slot used */
	CL_NONFULL,  /* some slots free, serves ->order */
	CL_FRAG,     /* an allocation of ->order failed in it */
	CL_FULL,     /* every slot used or bad; counted, not linked */
	CL_DISCARD,  /* empty, waiting for the discard callback */
	CL_NR_LISTS,
};

#define CLUSTER_NONE UINT32_MAX
#define SWAP_NEXT_NONE UINT64_MAX
/* Clusters the 2.6 policy looks for when it restarts (SWAPFILE_CLUSTER). */
#define SCAN_CLUSTER 256u

/* A doubly linked list of clusters, by index, so a cluster costs 16 bytes. */
struct cluster_list {
	uint32_t head;  /* first cluster index or CLUSTER_NONE */
	uint32_t tail;  /* last cluster index or CLUSTER_NONE */
	uint32_t nr;    /* clusters on the list */
};

struct swap_cluster {
	swap_spinlock_t lock;    /* guards count, order, list, its slots */
	uint16_t count;          /* slots not free: used, bad or past the end */
	uint8_t order;           /* order it serves while not free */
	uint8_t list;            /* enum cluster_list_id, see the lock rules */
	uint32_t prev;           /* list link, guarded by area->lock */
	uint32_t next;           /* list link, guarded by area->lock */
};

/*
 * A per-thread current cluster for each order, as the kernel's per-CPU
 * percpu_swap_cluster.  Threads are spread over SWAP_NR_PCP of these; two
 * threads sharing one only contend on its lock.
 */
#define SWAP_NR_PCP 32u
struct swap_pcp {
	swap_spinlock_t lock;          /* guards next[] */
	uint64_t next[SWAP_NR_ORDERS];    /* slot to try next, SWAP_NEXT_NONE */
	/* Change in free slots made by the threads of this slot, so that
	 * counting free slots shares no cache line between threads. */
	atomic_int_fast64_t free_delta;
} __attribute__((aligned(64)));

struct swap_area {
	unsigned char *swap_map;  /* one byte per slot, see area.h */
	uint64_t nr_pages;        /* slots, slot 0 included */
	uint32_t nr_clusters;     /* DIV_ROUND_UP(nr_pages, SWAPFILE_CLUSTER) */
	enum swap_alloc_policy policy;
	atomic_bool writeok;      /* false once swapoff began */
	swap_discard_fn discard;  /* NULL: free clusters are not discarded */
	void *discard_ctx;        /* for discard */

	pthread_mutex_t lock;     /* cluster lists (cluster policy) or the
				     whole map and scan state (scan policy) */
	struct swap_cluster *clusters;          /* nr_clusters entries */
	struct cluster_list free_clusters;      /* CL_FREE */
	struct cluster_list nonfull[SWAP_NR_ORDERS]; /* CL_NONFULL by order */
	struct cluster_list frag[SWAP_NR_ORDERS];    /* CL_FRAG by order */
	atomic_uint nr_full;                    /* clusters in CL_FULL */
	uint64_t nr_free_init;  /* free slots at creation; plus the pcp
				   free_delta sums, the free slots now */
	struct cluster_list discard_clusters;   /* CL_DISCARD */
	struct swap_pcp *pcp;                   /* SWAP_NR_PCP entries */
	pthread_mutex_t discard_lock; /* one discard flush at a time */

	/* scan_swap_map state, guarded by lock (scan policy only) */
	uint64_t lowest_bit;      /* no free slot below this */
	uint64_t highest_bit;     /* no free slot above this; 0 when full */
	uint64_t cluster_next;    /* where the next allocation looks first */
	uint32_t cluster_nr;      /* allocations left before a new search */
	uint64_t inuse_pages;     /* slots not free, bad ones included */
};

/* Relaxed atomic access to map bytes: racing readers see whole bytes. */
static inline unsigned char map_get(const struct swap_area *a, uint64_t off)
{
	return __atomic_load_n(&a->swap_map[off], __ATOMIC_RELAXED);
}

static inline void map_set(struct swap_area *a, uint64_t off, unsigned char v)
{
	__atomic_store_n(&a->swap_map[off], v, __ATOMIC_RELAXED);
}

static inline struct swap_cluster *offset_cluster(struct swap_area *a,
						  uint64_t off)
{
	return &a->clusters[off / SWAPFILE_CLUSTER];
}

static inline uint32_t cluster_index(struct swap_area *a,
				     const struct swap_cluster *ci)
{
	return (uint32_t)(ci - a->clusters);
}

/* cluster.c */
int cluster_setup(struct swap_area *a);
void cluster_teardown(struct swap_area *a);
int cluster_alloc(struct swap_area *a, unsigned int order,
		  unsigned char usage, uint64_t *offset);
/* A slot of @ci became used (+1) or free (-1); moves the cluster to the
 * list its new count calls for. */
void cluster_account_locked(struct swap_area *a, struct swap_cluster *ci,
			    int delta);
unsigned int cluster_flush_discards(struct swap_area *a);
void cluster_list_counts(struct swap_area *a, struct swap_area_stats *st);

/* Free slots of a cluster-policy area went up (or down) by @delta. */
void cluster_free_add(struct swap_area *a, int64_t delta);
uint64_t cluster_nr_free(struct swap_area *a);

/* scan.c */
void scan_setup(struct swap_area *a);
int scan_alloc(struct swap_area *a, unsigned int order, unsigned char usage,
	       uint64_t *offset);
/* A slot became used (+1) or free (-1) under the scan policy. */
void scan_account_locked(struct swap_area *a, uint64_t off, int delta);

/* area.c: true when every byte of [off, off + nr) is 0. */
bool map_range_free(const struct swap_area *a, uint64_t off, uint64_t nr);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * One swap area, like the kernel's swap_info_struct: the swap_map (one byte
 * per slot), the cluster bookkeeping and a slot allocator.
 *
 * swap_map byte: 0 is free; 1..SWAP_MAP_MAX counts the references (page
 * table entries, in the kernel) to the page stored in the slot;
 * SWAP_MAP_BAD marks an unusable slot (slot 0, which holds the header, and
 * the header's bad pages); the SWAP_HAS_CACHE bit says a swap cache page
 * owns the slot.  A slot is free again once its count is 0 and the cache
 * bit is clear.
 *
 * Counts stop at SWAP_MAP_MAX: a duplicate beyond it fails with -EOVERFLOW
 * and changes nothing.  The kernel chains continuation pages instead; a
 * user of this library that needs more sharers copies the page (as a fork
 * that cannot share a swap entry would).
 *
 * Two allocation policies, chosen per area at creation:
 *  - SWAP_ALLOC_CLUSTER: the kernel 6.x cluster allocator.  Slots are grouped
 *    in clusters of SWAPFILE_CLUSTER; each cluster is on the free, nonfull
 *    (per order), frag (per order), full or discard list; each thread keeps a
 *    current cluster per order.  Order-N runs are naturally aligned inside
 *    one cluster.  Locking is per cluster, so threads scale.
 *  - SWAP_ALLOC_SCAN: the Linux 2.6 scan_swap_map(): cluster_next,
 *    lowest_bit/highest_bit, a countdown of SWAPFILE_CLUSTER allocations
 *    before looking for a new free run from lowest_bit.  One area lock.
 *
 * Every function is safe to call from several threads at once.
 */
#ifndef SWAPEMU_SWAP_AREA_H
#define SWAPEMU_SWAP_AREA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* swap_map byte values, as include/linux/swap.h. */
#define SWAP_HAS_CACHE 0x40
#define COUNT_CONTINUED 0x80
#define SWAP_MAP_MAX 0x3e
#define SWAP_MAP_BAD 0x3f
#define SWAP_COUNT(byte) ((byte) & ~SWAP_HAS_CACHE)

/* Slots per cluster (the kernel's value with THP swap). */
#define SWAPFILE_CLUSTER 512u
/* Orders 0..SWAP_NR_ORDERS-1: the largest run is one whole cluster. */
#define SWAP_NR_ORDERS 10u

enum swap_alloc_policy {
	SWAP_ALLOC_CLUSTER = 0, /* kernel 6.x cluster allocator */
	SWAP_ALLOC_SCAN,        /* Linux 2.6 scan_swap_map */
};

/*
 * Called for a run of whole free clusters that may be discarded, without
 * any lock held.  Returns 0 or -errno (the clusters become free either way).
 */
typedef int (*swap_discard_fn)(void *ctx, uint64_t first_slot, uint64_t nr);

struct swap_area_config {
	uint64_t nr_pages;         /* last_page + 1: slots including slot 0 */
	const uint32_t *badpages;  /* slots that are never used, may be NULL */
	uint32_t nr_badpages;      /* entries in badpages */
	enum swap_alloc_policy policy;
	swap_discard_fn discard;   /* NULL: freed clusters are not discarded */
	void *discard_ctx;         /* passed to discard */
};

struct swap_area_stats {
	uint64_t nr_pages;   /* slots including the header slot */
	uint64_t nr_bad;     /* SWAP_MAP_BAD slots, slot 0 included */
	uint64_t nr_free;    /* slots with count 0 and no cache bit */
	uint64_t nr_inuse;   /* slots that are neither free nor bad */
	uint64_t nr_cached;  /* slots with SWAP_HAS_CACHE set */
	uint64_t nr_cache_only; /* cached slots with count 0 */
	uint32_t nr_clusters;
	uint32_t cl_free;    /* clusters on the free list */
	uint32_t cl_nonfull; /* on a nonfull list, all orders */
	uint32_t cl_frag;    /* on a frag list, all orders */
	uint32_t cl_full;    /* on the full list */
	uint32_t cl_discard; /* waiting to be discarded */
	uint32_t cl_current; /* held as some thread's current cluster */
};

struct swap_area;

/*
 * Create an area with every slot free except slot 0 and the bad pages.
 * Needs at least SWAP_HEADER_MIN_GOODPAGES usable slots.
 * Returns 0, -EINVAL (bad config or bad page out of range), -ENOMEM.
 */
int swap_area_create(const struct swap_area_config *cfg,
		     struct swap_area **out);
void swap_area_destroy(struct swap_area *a);

uint64_t swap_area_nr_pages(const struct swap_area *a);
enum swap_alloc_policy swap_area_policy(const struct swap_area *a);
const char *swap_alloc_policy_name(enum swap_alloc_policy policy);
/* Parse "cluster" or "scan"; returns 0 or -EINVAL. */
int swap_alloc_policy_parse(const char *name, enum swap_alloc_policy *out);

/*
 * Allocate a naturally aligned run of 1 << @order free slots and give each
 * the initial @usage: 1 (one reference) or SWAP_HAS_CACHE (owned by the
 * swap cache, as the kernel's folio_alloc_swap).  The first slot is stored
 * in *@offset.  Returns 0, -ENOSPC when no such run is free, -EINVAL for a
 * bad order or usage, -EPERM while the area is not writable.
 */
int swap_area_alloc(struct swap_area *a, unsigned int order,
		    unsigned char usage, uint64_t *offset);

/*
 * Take the @nr given free slots from @offset on with @usage, as if the
 * allocator had chosen them (the file system mirrors slots a kernel chose).
 * All or nothing: -EBUSY if one is not free, -EINVAL if one is bad,
 * -ERANGE past the end.
 */
int swap_area_claim(struct swap_area *a, uint64_t offset, uint64_t nr,
		    unsigned char usage);

/* swap_duplicate: one more reference.  -ENOENT free, -EINVAL bad,
 * -EOVERFLOW at SWAP_MAP_MAX, -ERANGE out of range. */
int swap_area_dup(struct swap_area *a, uint64_t offset);

/* swap_free: drop one reference; the slot is freed when nothing is left.
 * -ENOENT if the count is already 0, -EINVAL bad, -ERANGE. */
int swap_area_free(struct swap_area *a, uint64_t offset);

/* swapcache_prepare: set SWAP_HAS_CACHE.  -EEXIST if already set, -ENOENT
 * on a free slot, -EINVAL bad, -ERANGE. */
int swap_area_cache_get(struct swap_area *a, uint64_t offset);

/* Clear SWAP_HAS_CACHE, freeing the slot if its count is 0.  -ENOENT if
 * the bit was not set, -EINVAL bad, -ERANGE. */
int swap_area_cache_put(struct swap_area *a, uint64_t offset);

/*
 * Free every in-use slot of [@offset, @offset + @nr) whatever its count:
 * the user discarded that range.  Bad and free slots are skipped.
 * Returns the number of slots freed, or -ERANGE.
 */
int64_t swap_area_release(struct swap_area *a, uint64_t offset, uint64_t nr);

/* Mark a free slot SWAP_MAP_BAD (a bad page learned later).  -EBUSY if the
 * slot is in use, -ERANGE, 0 if it already was bad. */
int swap_area_mark_bad(struct swap_area *a, uint64_t offset);

/* The swap_map byte of a slot; SWAP_MAP_BAD past the end. */
unsigned char swap_area_map(const struct swap_area *a, uint64_t offset);

/* Copy up to @n swap_map bytes from @offset; returns bytes copied. */
size_t swap_area_map_copy(const struct swap_area *a, uint64_t offset,
			  unsigned char *buf, size_t n);

/* Stop (false) or allow (true) new allocations, for swapoff. */
void swap_area_set_writeok(struct swap_area *a, bool writeok);
bool swap_area_writeok(const struct swap_area *a);

/* Run the discard callback for clusters waiting on the discard list and
 * make them free.  Returns the number of clusters discarded. */
unsigned int swap_area_flush_discards(struct swap_area *a);

/* Free slots now, in O(1) (cluster policy: a sum over the per-thread
 * cluster slots, exact when no operation is running). */
uint64_t swap_area_nr_free(const struct swap_area *a);

/* A consistent-enough snapshot of the counters. */
void swap_area_stats(const struct swap_area *a, struct swap_area_stats *st);

/* Bytes of allocator and map metadata held for the area. */
size_t swap_area_metadata_bytes(const struct swap_area *a);

#endif

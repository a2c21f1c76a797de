/* SPDX-License-Identifier: MIT */
/*
 * Swap areas: creation, the swap_map operations every user shares
 * (duplicate, free, swap cache bit, claim, release) and the figures.
 * The allocators live in cluster.c and scan.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "swap/area_i.h"
#include "swap/entry.h"
#include "swap/header.h"

static const char *const policy_names[] = {
	[SWAP_ALLOC_CLUSTER] = "cluster",
	[SWAP_ALLOC_SCAN] = "scan",
};

const char *swap_alloc_policy_name(enum swap_alloc_policy policy)
{
	if ((unsigned int)policy >= sizeof(policy_names) / sizeof(*policy_names))
		return "unknown";
	return policy_names[policy];
}

int swap_alloc_policy_parse(const char *name, enum swap_alloc_policy *out)
{
	for (unsigned int i = 0; i < sizeof(policy_names) / sizeof(*policy_names); i++) {
		if (name && !strcmp(name, policy_names[i])) {
			*out = (enum swap_alloc_policy)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Mark slot 0 and the bad pages; returns the number of bad slots. */
static int mark_bad_pages(struct swap_area *a, const struct swap_area_config *cfg)
{
	uint64_t nr_bad = 1;

	a->swap_map[0] = SWAP_MAP_BAD;
	for (uint32_t i = 0; i < cfg->nr_badpages; i++) {
		uint32_t page = cfg->badpages[i];

		if (page == 0 || page >= cfg->nr_pages)
			return -EINVAL;
		if (a->swap_map[page] != SWAP_MAP_BAD)
			nr_bad++;
		a->swap_map[page] = SWAP_MAP_BAD;
	}
	if (cfg->nr_pages - nr_bad < SWAP_HEADER_MIN_GOODPAGES)
		return -EINVAL;
	return 0;
}

int swap_area_create(const struct swap_area_config *cfg,
		     struct swap_area **out)
{
	struct swap_area *a;
	int rc;

	if (!cfg || cfg->nr_pages < SWAP_HEADER_MIN_GOODPAGES + 1 ||
	    cfg->nr_pages > SWP_OFFSET_MAX ||
	    (cfg->policy != SWAP_ALLOC_CLUSTER && cfg->policy != SWAP_ALLOC_SCAN) ||
	    (cfg->nr_badpages && !cfg->badpages))
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->nr_pages = cfg->nr_pages;
	a->policy = cfg->policy;
	a->discard = cfg->discard;
	a->discard_ctx = cfg->discard_ctx;
	atomic_init(&a->writeok, true);
	rc = -ENOMEM;
	a->swap_map = calloc(cfg->nr_pages, 1);
	if (!a->swap_map)
		goto out_free_area;
	rc = mark_bad_pages(a, cfg);
	if (rc)
		goto out_free_map;
	pthread_mutex_init(&a->lock, NULL);
	rc = cluster_setup(a);
	if (rc)
		goto out_destroy_lock;
	scan_setup(a);
	*out = a;
	return 0;

out_destroy_lock:
	pthread_mutex_destroy(&a->lock);
out_free_map:
	free(a->swap_map);
out_free_area:
	free(a);
	return rc;
}

void swap_area_destroy(struct swap_area *a)
{
	if (!a)
		return;
	cluster_teardown(a);
	pthread_mutex_destroy(&a->lock);
	free(a->swap_map);
	free(a);
}

uint64_t swap_area_nr_pages(const struct swap_area *a)
{
	return a->nr_pages;
}

enum swap_alloc_policy swap_area_policy(const struct swap_area *a)
{
	return a->policy;
}

void swap_area_set_writeok(struct swap_area *a, bool writeok)
{
	atomic_store(&a->writeok, writeok);
}

bool swap_area_writeok(const struct swap_area *a)
{
	return atomic_load(&((struct swap_area *)a)->writeok);
}

/*
 * lock_cluster_or_swap_info, as the kernel calls it: the cluster policy
 * guards a slot with its cluster's lock, the scan policy with the area's.
 */
static void lock_slot(struct swap_area *a, uint64_t off)
{
	if (a->policy == SWAP_ALLOC_CLUSTER)
		swap_spin_lock(&offset_cluster(a, off)->lock);
	else
		pthread_mutex_lock(&a->lock);
}

static void unlock_slot(struct swap_area *a, uint64_t off)
{
	if (a->policy == SWAP_ALLOC_CLUSTER)
		swap_spin_unlock(&offset_cluster(a, off)->lock);
	else
		pthread_mutex_unlock(&a->lock);
}

/* A slot turned used (+1) or free (-1): tell the allocator's bookkeeping. */
static void account_slot_locked(struct swap_area *a, uint64_t off, int delta)
{
	if (a->policy == SWAP_ALLOC_CLUSTER)
		cluster_account_locked(a, offset_cluster(a, off), delta);
	else
		scan_account_locked(a, off, delta);
}

/* Set the map byte of @off to @v, keeping the free/used accounting. */
static void map_update_locked(struct swap_area *a, uint64_t off,
			      unsigned char v)
{
	unsigned char old = map_get(a, off);

	map_set(a, off, v);
	if (!old && v)
		account_slot_locked(a, off, +1);
	else if (old && !v)
		account_slot_locked(a, off, -1);
}

/*
 * The transitions of one slot's map byte.  Each returns the new byte, or
 * -errno for an illegal transition (and the byte stays as it was).
 */
static int op_dup(unsigned char b)
{
	unsigned char count = SWAP_COUNT(b);

	if (b == SWAP_MAP_BAD)
		return -EINVAL;
	if (!b)
		return -ENOENT;
	if (count >= SWAP_MAP_MAX)
		return -EOVERFLOW;
	return b + 1;
}

static int op_free(unsigned char b)
{
	if (b == SWAP_MAP_BAD)
		return -EINVAL;
	if (!SWAP_COUNT(b))
		return -ENOENT;
	return b - 1;
}

static int op_cache_get(unsigned char b)
{
	if (b == SWAP_MAP_BAD)
		return -EINVAL;
	if (!b)
		return -ENOENT;
	if (b & SWAP_HAS_CACHE)
		return -EEXIST;
	return b | SWAP_HAS_CACHE;
}

static int op_cache_put(unsigned char b)
{
	if (b == SWAP_MAP_BAD)
		return -EINVAL;
	if (!(b & SWAP_HAS_CACHE))
		return -ENOENT;
	return b & ~SWAP_HAS_CACHE;
}

/* Apply one transition to slot @off under the slot's lock.  Inlined so
 * that each caller's transition is known at compile time. */
static inline __attribute__((always_inline)) int slot_transition(struct swap_area *a, uint64_t off,
			   int (*op)(unsigned char))
{
	int v;

	if (off >= a->nr_pages)
		return -ERANGE;
	lock_slot(a, off);
	v = op(map_get(a, off));
	if (v >= 0)
		map_update_locked(a, off, (unsigned char)v);
	unlock_slot(a, off);
	return v < 0 ? v : 0;
}

int swap_area_dup(struct swap_area *a, uint64_t offset)
{
	return slot_transition(a, offset, op_dup);
}

int swap_area_free(struct swap_area *a, uint64_t offset)
{
	return slot_transition(a, offset, op_free);
}

int swap_area_cache_get(struct swap_area *a, uint64_t offset)
{
	return slot_transition(a, offset, op_cache_get);
}

int swap_area_cache_put(struct swap_area *a, uint64_t offset)
{
	return slot_transition(a, offset, op_cache_put);
}

int swap_area_alloc(struct swap_area *a, unsigned int order,
		    unsigned char usage, uint64_t *offset)
{
	if (order >= SWAP_NR_ORDERS || (usage != 1 && usage != SWAP_HAS_CACHE))
		return -EINVAL;
	if (!swap_area_writeok(a))
		return -EPERM;
	if (a->policy == SWAP_ALLOC_CLUSTER)
		return cluster_alloc(a, order, usage, offset);
	return scan_alloc(a, order, usage, offset);
}

bool map_range_free(const struct swap_area *a, uint64_t off, uint64_t nr)
{
	const unsigned char *p = a->swap_map + off;

	for (; nr >= 8; nr -= 8, p += 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		if (w)
			return false;
	}
	while (nr--)
		if (*p++)
			return false;
	return true;
}

/*
 * Lock every lock guarding [off, off + nr): the clusters in ascending
 * order, or the area once.
 */
static void lock_range(struct swap_area *a, uint64_t off, uint64_t nr)
{
	if (a->policy != SWAP_ALLOC_CLUSTER) {
		pthread_mutex_lock(&a->lock);
		return;
	}
	for (uint64_t c = off / SWAPFILE_CLUSTER;
	     c <= (off + nr - 1) / SWAPFILE_CLUSTER; c++)
		swap_spin_lock(&a->clusters[c].lock);
}

static void unlock_range(struct swap_area *a, uint64_t off, uint64_t nr)
{
	if (a->policy != SWAP_ALLOC_CLUSTER) {
		pthread_mutex_unlock(&a->lock);
		return;
	}
	for (uint64_t c = off / SWAPFILE_CLUSTER;
	     c <= (off + nr - 1) / SWAPFILE_CLUSTER; c++)
		swap_spin_unlock(&a->clusters[c].lock);
}

/* A cluster on the discard list may be under discard right now. */
static bool range_discarding_locked(struct swap_area *a, uint64_t off,
				    uint64_t nr)
{
	if (a->policy != SWAP_ALLOC_CLUSTER)
		return false;
	for (uint64_t c = off / SWAPFILE_CLUSTER;
	     c <= (off + nr - 1) / SWAPFILE_CLUSTER; c++)
		if (a->clusters[c].list == CL_DISCARD)
			return true;
	return false;
}

int swap_area_claim(struct swap_area *a, uint64_t offset, uint64_t nr,
		    unsigned char usage)
{
	int rc = 0;

	if (usage != 1 && usage != SWAP_HAS_CACHE)
		return -EINVAL;
	if (!nr || offset >= a->nr_pages || nr > a->nr_pages - offset)
		return -ERANGE;
	lock_range(a, offset, nr);
	for (uint64_t i = offset; i < offset + nr && !rc; i++) {
		unsigned char b = map_get(a, i);

		if (b == SWAP_MAP_BAD)
			rc = -EINVAL;
		else if (b)
			rc = -EBUSY;
	}
	if (!rc && range_discarding_locked(a, offset, nr))
		rc = -EBUSY;
	for (uint64_t i = offset; i < offset + nr && !rc; i++)
		map_update_locked(a, i, usage);
	unlock_range(a, offset, nr);
	return rc;
}

int64_t swap_area_release(struct swap_area *a, uint64_t offset, uint64_t nr)
{
	int64_t freed = 0;

	if (offset > a->nr_pages || nr > a->nr_pages - offset)
		return -ERANGE;
	if (!nr)
		return 0;
	lock_range(a, offset, nr);
	for (uint64_t i = offset; i < offset + nr; i++) {
		unsigned char b = map_get(a, i);

		if (!b || b == SWAP_MAP_BAD)
			continue;
		map_update_locked(a, i, 0);
		freed++;
	}
	unlock_range(a, offset, nr);
	return freed;
}

int swap_area_mark_bad(struct swap_area *a, uint64_t offset)
{
	unsigned char b;
	int rc = 0;

	if (offset >= a->nr_pages)
		return -ERANGE;
	lock_slot(a, offset);
	b = map_get(a, offset);
	if (b && b != SWAP_MAP_BAD)
		rc = -EBUSY;
	else if (!b && range_discarding_locked(a, offset, 1))
		rc = -EBUSY;
	else if (!b)
		map_update_locked(a, offset, SWAP_MAP_BAD);
	unlock_slot(a, offset);
	return rc;
}

unsigned char swap_area_map(const struct swap_area *a, uint64_t offset)
{
	if (offset >= a->nr_pages)
		return SWAP_MAP_BAD;
	return map_get(a, offset);
}

size_t swap_area_map_copy(const struct swap_area *a, uint64_t offset,
			  unsigned char *buf, size_t n)
{
	size_t i;

	if (offset >= a->nr_pages)
		return 0;
	if (n > a->nr_pages - offset)
		n = a->nr_pages - offset;
	for (i = 0; i < n; i++)
		buf[i] = map_get(a, offset + i);
	return n;
}

unsigned int swap_area_flush_discards(struct swap_area *a)
{
	if (a->policy != SWAP_ALLOC_CLUSTER)
		return 0;
	return cluster_flush_discards(a);
}

static void count_byte(struct swap_area_stats *st, unsigned char b)
{
	if (b == SWAP_MAP_BAD) {
		st->nr_bad++;
		return;
	}
	if (!b) {
		st->nr_free++;
		return;
	}
	st->nr_inuse++;
	if (b & SWAP_HAS_CACHE) {
		st->nr_cached++;
		if (!SWAP_COUNT(b))
			st->nr_cache_only++;
	}
}

void swap_area_stats(const struct swap_area *ca, struct swap_area_stats *st)
{
	struct swap_area *a = (struct swap_area *)ca;

	memset(st, 0, sizeof(*st));
	st->nr_pages = a->nr_pages;
	st->nr_clusters = a->nr_clusters;
	for (uint64_t off = 0; off < a->nr_pages; off++)
		count_byte(st, map_get(a, off));
	if (a->policy == SWAP_ALLOC_CLUSTER)
		cluster_list_counts(a, st);
}

uint64_t swap_area_nr_free(const struct swap_area *ca)
{
	struct swap_area *a = (struct swap_area *)ca;
	uint64_t nr;

	if (a->policy == SWAP_ALLOC_CLUSTER)
		return cluster_nr_free(a);
	pthread_mutex_lock(&a->lock);
	nr = a->nr_pages - a->inuse_pages;
	pthread_mutex_unlock(&a->lock);
	return nr;
}

size_t swap_area_metadata_bytes(const struct swap_area *a)
{
	size_t bytes = sizeof(*a) + a->nr_pages;

	if (a->clusters)
		bytes += (size_t)a->nr_clusters * sizeof(struct swap_cluster) +
			 SWAP_NR_PCP * sizeof(struct swap_pcp);
	return bytes;
}

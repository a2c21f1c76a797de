/* SPDX-License-Identifier: MIT */
/*
 * The swap cache, per-slot records, workingset shadows and swap-in
 * readahead.  See mm/swap_state.h.
 */
#include "mm/swap_state.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>

#include "mm/lru.h"
#include "mm/page_io.h"
#include "mm/mm_i.h"
#include "mm/vcpu.h"
#include "swap/table.h"

/* What is remembered about one slot (the kernel keeps shadows in the
 * swap cache's xarray; the checksum is this model's addition). */
struct swap_slot_rec {
	_Atomic uint64_t csum;	 /* checksum of the copy in the slot, 0 none */
	_Atomic uint64_t shadow; /* age << 2 | 2 | workingset, 0 = none */
	_Atomic uint64_t writer; /* pfn + 1 of the page last written there */
};

struct swap_cache_bucket {
	pthread_mutex_t lock; /* guards head and the chain's hash_next */
	struct page *head;    /* pages whose entry hashes here */
};

struct swap_cache {
	struct swap_cache_bucket *buckets; /* nr_buckets hash chains */
	uint64_t mask;			   /* nr_buckets - 1 */
	_Atomic uint64_t nr_pages;	   /* pages in the cache */
	pthread_mutex_t rec_lock;	   /* guards allocation of recs */
	/* Per area type: one record per slot, allocated at first use. */
	struct swap_slot_rec *_Atomic recs[MAX_SWAPFILES];
	uint64_t nr_recs[MAX_SWAPFILES]; /* slots covered by recs[type] */
};

int swap_cache_create(uint64_t nr_frames, struct swap_cache **out)
{
	struct swap_cache *sc = calloc(1, sizeof(*sc));
	uint64_t n = 64;

	if (!sc)
		return -ENOMEM;
	while (n < nr_frames)
		n <<= 1;
	sc->buckets = calloc(n, sizeof(*sc->buckets));
	if (!sc->buckets) {
		free(sc);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < n; i++)
		pthread_mutex_init(&sc->buckets[i].lock, NULL);
	sc->mask = n - 1;
	pthread_mutex_init(&sc->rec_lock, NULL);
	*out = sc;
	return 0;
}

void swap_cache_destroy(struct swap_cache *sc)
{
	if (!sc)
		return;
	for (uint64_t i = 0; i <= sc->mask; i++)
		pthread_mutex_destroy(&sc->buckets[i].lock);
	for (unsigned int t = 0; t < MAX_SWAPFILES; t++)
		free(sc->recs[t]);
	pthread_mutex_destroy(&sc->rec_lock);
	free(sc->buckets);
	free(sc);
}

static struct swap_cache_bucket *swap_bucket(struct swap_cache *sc,
					     swp_entry_t e)
{
	uint64_t h = e.val * UINT64_C(0x9E3779B97F4A7C15);

	return &sc->buckets[(h >> 20) & sc->mask];
}

/* ---- slot records ------------------------------------------------------- */

static struct swap_slot_rec *slot_rec(struct pgdat *pgdat, swp_entry_t e)
{
	struct swap_cache *sc = pgdat->swap_cache;
	unsigned int type = swp_type(e);
	struct swap_slot_rec *recs;
	struct swap_area *area;
	uint64_t nr;

	if (type >= MAX_SWAPFILES || !pgdat->swap)
		return NULL;
	recs = atomic_load_explicit(&sc->recs[type], memory_order_acquire);
	if (recs && swp_offset(e) < sc->nr_recs[type])
		return &recs[swp_offset(e)];
	area = swap_table_area(pgdat->swap, type);
	if (!area)
		return NULL;
	nr = swap_area_nr_pages(area);
	pthread_mutex_lock(&sc->rec_lock);
	recs = atomic_load(&sc->recs[type]);
	if (!recs || sc->nr_recs[type] < nr) {
		/* First use, or a bigger area came at this type: the old
		 * records described slots that no longer exist. */
		free(recs);
		recs = calloc(nr, sizeof(*recs));
		sc->nr_recs[type] = recs ? nr : 0;
		atomic_store_explicit(&sc->recs[type], recs,
				      memory_order_release);
	}
	pthread_mutex_unlock(&sc->rec_lock);
	if (!recs || swp_offset(e) >= nr)
		return NULL;
	return &recs[swp_offset(e)];
}

uint64_t swap_cache_slot_csum(struct pgdat *pgdat, swp_entry_t entry)
{
	struct swap_slot_rec *r = slot_rec(pgdat, entry);

	return r ? atomic_load(&r->csum) : 0;
}

void swap_cache_set_slot_csum(struct pgdat *pgdat, swp_entry_t entry,
			      uint64_t csum, uint64_t pfn)
{
	struct swap_slot_rec *r = slot_rec(pgdat, entry);

	if (!r)
		return;
	atomic_store(&r->writer, pfn + 1);
	atomic_store(&r->csum, csum);
}

/* ---- the cache ----------------------------------------------------------- */

int swap_cache_add(struct pgdat *pgdat, struct page *page, swp_entry_t entry)
{
	struct swap_cache *sc = pgdat->swap_cache;
	struct swap_cache_bucket *b = swap_bucket(sc, entry);
	int rc = 0;

	assert(PageFlag(page, PG_locked) && !PageFlag(page, PG_swapcache));
	pthread_mutex_lock(&b->lock);
	for (struct page *p = b->head; p; p = p->hash_next) {
		if (atomic_load(&p->private) == entry.val) {
			rc = -EEXIST;
			goto out_unlock;
		}
	}
	page_get(page);
	atomic_store(&page->private, entry.val);
	page_set_flag(page, PG_swapcache);
	page_set_flag(page, PG_swapbacked);
	page->hash_next = b->head;
	b->head = page;
	atomic_fetch_add(&sc->nr_pages, 1);
out_unlock:
	pthread_mutex_unlock(&b->lock);
	return rc;
}

/* Unlink @page from its chain; bucket locked. */
static void swap_cache_unlink_locked(struct swap_cache *sc,
				     struct swap_cache_bucket *b,
				     struct page *page)
{
	struct page **pp = &b->head;

	mutex_assert_held(&b->lock);

	while (*pp != page)
		pp = &(*pp)->hash_next;
	*pp = page->hash_next;
	page->hash_next = NULL;
	page_clear_flag(page, PG_swapcache);
	atomic_store(&page->private, 0);
	atomic_fetch_sub(&sc->nr_pages, 1);
}

void swap_cache_delete(struct pgdat *pgdat, struct page *page)
{
	struct swap_cache *sc = pgdat->swap_cache;
	swp_entry_t entry = page_swap_entry(page);
	struct swap_cache_bucket *b = swap_bucket(sc, entry);

	assert(PageFlag(page, PG_locked) && !PageFlag(page, PG_writeback));
	pthread_mutex_lock(&b->lock);
	swap_cache_unlink_locked(sc, b, page);
	pthread_mutex_unlock(&b->lock);
	swap_table_cache_put(pgdat->swap, entry);
	if (page_put_testzero(page))
		assert(!"swap_cache_delete dropped the last reference");
}

struct page *swap_cache_lookup(struct pgdat *pgdat, swp_entry_t entry)
{
	struct swap_cache_bucket *b = swap_bucket(pgdat->swap_cache, entry);
	struct page *page = NULL;

	pthread_mutex_lock(&b->lock);
	for (struct page *p = b->head; p; p = p->hash_next) {
		if (atomic_load(&p->private) == entry.val) {
			if (page_try_get(p))
				page = p;
			break;
		}
	}
	pthread_mutex_unlock(&b->lock);
	return page;
}

uint64_t swap_cache_nr_pages(struct pgdat *pgdat)
{
	return atomic_load(&pgdat->swap_cache->nr_pages);
}

int swap_cache_swapcount(struct pgdat *pgdat, swp_entry_t entry)
{
	struct swap_area *area =
		pgdat->swap ? swap_table_area(pgdat->swap, swp_type(entry))
			    : NULL;
	unsigned char map;

	if (!area)
		return 0;
	map = swap_area_map(area, swp_offset(entry));
	if (map == SWAP_MAP_BAD)
		return 0;
	return SWAP_COUNT(map);
}

int swap_cache_add_to_swap(struct pgdat *pgdat, struct page *page)
{
	struct swap_slot_rec *r;
	swp_entry_t entry;
	int rc;

	if (!pgdat->swap)
		return -ENODEV;
	rc = swap_table_alloc(pgdat->swap, 0, SWAP_HAS_CACHE, &entry);
	if (rc)
		return rc;
	r = slot_rec(pgdat, entry);
	if (r) {
		atomic_store(&r->shadow, 0);
		atomic_store(&r->csum, 0);
	}
	rc = swap_cache_add(pgdat, page, entry);
	if (rc) {
		swap_table_cache_put(pgdat->swap, entry);
		return rc;
	}
	page_set_flag(page, PG_dirty);
	return 0;
}

bool swap_cache_try_free_swap(struct pgdat *pgdat, struct page *page)
{
	assert(PageFlag(page, PG_locked));
	if (!PageFlag(page, PG_swapcache) || PageFlag(page, PG_writeback))
		return false;
	if (swap_cache_swapcount(pgdat, page_swap_entry(page)) > 0)
		return false;
	swap_cache_delete(pgdat, page);
	/* The only copy is in memory now. */
	page_set_flag(page, PG_dirty);
	return true;
}

/* workingset_eviction: the shadow left in the slot of an evicted page. */
static void workingset_eviction(struct pgdat *pgdat, struct page *page,
				swp_entry_t entry)
{
	struct swap_slot_rec *r = slot_rec(pgdat, entry);
	uint64_t age = atomic_fetch_add(&pgdat->lruvec.nonresident_age, 1);

	if (r)
		atomic_store(&r->shadow,
			     (age << 2) | 2 | PageFlag(page, PG_workingset));
}

bool swap_cache_remove_mapping(struct pgdat *pgdat, struct page *page)
{
	struct swap_cache *sc = pgdat->swap_cache;
	swp_entry_t entry = page_swap_entry(page);
	struct swap_cache_bucket *b = swap_bucket(sc, entry);
	int expected = 2; /* the isolation's and the cache's */

	assert(PageFlag(page, PG_locked) && !PageFlag(page, PG_lru));
	pthread_mutex_lock(&b->lock);
	if (!atomic_compare_exchange_strong(&page->refcount, &expected, 0)) {
		pthread_mutex_unlock(&b->lock);
		return false;
	}
	if (PageFlag(page, PG_dirty) || page_mapped(page)) {
		atomic_store(&page->refcount, 2);
		pthread_mutex_unlock(&b->lock);
		return false;
	}
	swap_cache_unlink_locked(sc, b, page);
	pthread_mutex_unlock(&b->lock);
	workingset_eviction(pgdat, page, entry);
	swap_table_cache_put(pgdat->swap, entry);
	page_history_add(pgdat->pool, page, PE_DROP, entry.val);
	/* Nobody can wait on it: every waiter holds a reference. */
	page_clear_flag(page, PG_locked);
	page_release(pgdat, page);
	return true;
}

void swap_cache_free_entry(struct pgdat *pgdat, swp_entry_t entry)
{
	struct page *page;

	swap_table_free(pgdat->swap, entry);
	if (swap_cache_swapcount(pgdat, entry) > 0)
		return;
	page = swap_cache_lookup(pgdat, entry);
	if (!page)
		return;
	if (page_trylock(page)) {
		if (PageFlag(page, PG_swapcache) &&
		    page_swap_entry(page).val == entry.val &&
		    !page_mapped(page))
			swap_cache_try_free_swap(pgdat, page);
		page_unlock(page);
	}
	put_page(pgdat, page);
}

/* ---- swap-in ---------------------------------------------------------- */

/* workingset_refault: a page read back; activate it if it was evicted
 * less than an active list's worth of LRU time ago. */
static void workingset_refault(struct pgdat *pgdat, struct page *page,
			       swp_entry_t entry)
{
	struct swap_slot_rec *r = slot_rec(pgdat, entry);
	uint64_t shadow = r ? atomic_exchange(&r->shadow, 0) : 0;
	uint64_t now, distance;

	if (!shadow)
		return;
	vmstat_inc(&pgdat->stat, WORKINGSET_REFAULT_ANON);
	now = atomic_load(&pgdat->lruvec.nonresident_age);
	distance = now - (shadow >> 2);
	if (distance > lru_size(pgdat, LRU_ACTIVE_ANON))
		return;
	page_set_flag(page, PG_active);
	atomic_fetch_add(&pgdat->lruvec.nonresident_age, 1);
	vmstat_inc(&pgdat->stat, WORKINGSET_ACTIVATE_ANON);
	if (shadow & 1) {
		page_set_flag(page, PG_workingset);
		vmstat_inc(&pgdat->stat, WORKINGSET_RESTORE_ANON);
	}
}

/* A slot some pte or the cache still uses (readahead skips the rest). */
static bool swap_slot_in_use(struct pgdat *pgdat, swp_entry_t entry)
{
	struct swap_area *area = swap_table_area(pgdat->swap, swp_type(entry));
	unsigned char map;

	if (!area)
		return false;
	map = swap_area_map(area, swp_offset(entry));
	return map && map != SWAP_MAP_BAD;
}

/*
 * __read_swap_cache_async: the cache page for @entry, or a new locked
 * one added to the cache and the LRU (*@new set; the caller starts its
 * read).  NULL with *@err = -ENOENT if the slot is free, -ENOMEM.
 */
static struct page *read_swap_cache_async(struct pgdat *pgdat,
					  swp_entry_t entry, bool *new,
					  int *err)
{
	struct page *page;
	int rc;

	*new = false;
	for (;;) {
		page = swap_cache_lookup(pgdat, entry);
		if (page)
			return page;
		if (!swap_slot_in_use(pgdat, entry)) {
			*err = -ENOENT;
			return NULL;
		}
		page = pgdat_alloc_page(pgdat);
		if (!page) {
			*err = -ENOMEM;
			return NULL;
		}
		rc = swap_table_cache_get(pgdat->swap, entry);
		if (!rc)
			break;
		put_page(pgdat, page);
		if (rc != -EEXIST) {
			*err = -ENOENT;
			return NULL;
		}
		vcpu_yield(); /* someone is adding it: look again */
	}
	page_set_flag(page, PG_locked);
	rc = swap_cache_add(pgdat, page, entry);
	assert(rc == 0);
	workingset_refault(pgdat, page, entry);
	lru_add(pgdat, page);
	/* The cache holds the page now; our reference goes to the caller. */
	*new = true;
	return page;
}

/* swap_readpage: start reading a new cache page (locked). */
static void swap_readpage(struct pgdat *pgdat, struct page *page,
			  swp_entry_t entry)
{
	int rc;

	page_history_add(pgdat->pool, page, PE_SWAPIN, entry.val);
	atomic_fetch_add(&pgdat->nr_reading, 1);
	vmstat_inc(&pgdat->stat, PSWPIN);
	page_get(page); /* the IO's */
	rc = page_io_submit(pgdat, page, PAGE_IO_READ, entry, false);
	if (rc)
		swap_cache_end_read(pgdat, page, entry, rc);
}

/* Describe the frame that last wrote @entry (it may be reused since). */
static void swap_report_writer(struct pgdat *pgdat, swp_entry_t entry,
			       const struct page *reader, FILE *f)
{
	struct swap_slot_rec *r = slot_rec(pgdat, entry);
	uint64_t writer = r ? atomic_load(&r->writer) : 0;
	struct page *wp = writer ? pfn_to_page(pgdat->pool, writer - 1) : NULL;

	if (!wp) {
		fprintf(f, "  slot has no writer on record\n");
		return;
	}
	if (wp == reader) {
		fprintf(f, "  slot last written from this frame\n");
		return;
	}
	fprintf(f, "  slot last written from pfn %" PRIu64 ":\n", writer - 1);
	page_dump(pgdat->pool, wp, f);
}

void swap_cache_end_read(struct pgdat *pgdat, struct page *page,
			 swp_entry_t entry, int res)
{
	uint64_t want = swap_cache_slot_csum(pgdat, entry), got = 0;
	FILE *f = pgdat->report;

	if (!res) {
		got = page_csum_update(pgdat->pool, page);
		if (got != want)
			res = -EIO;
	}
	page_history_add(pgdat->pool, page, PE_READ, (uint64_t)(int64_t)res);
	if (!res) {
		page_set_flag(page, PG_uptodate);
	} else {
		page_set_flag(page, PG_error);
		page_clear_flag(page, PG_readahead);
	}
	if (got && got != want) {
		vmstat_inc(&pgdat->stat, SWAP_CSUM_FAIL);
		page_history_add(pgdat->pool, page, PE_VERIFY_BAD, got);
		fprintf(f,
			"swap-in verify failed: entry type %u offset %" PRIu64
			": read %016" PRIx64 ", written %016" PRIx64 "\n",
			swp_type(entry), swp_offset(entry), got, want);
		page_dump(pgdat->pool, page, f);
		swap_report_writer(pgdat, entry, page, f);
	}
	page_unlock(page);
	put_page(pgdat, page);
	/* Last: once the count drops, the node may be torn down. */
	pgdat_io_end(pgdat, &pgdat->nr_reading);
}

struct page *swap_cache_get_page(struct pgdat *pgdat, swp_entry_t entry,
				 struct vma *vma, uint64_t addr)
{
	struct page *page = swap_cache_lookup(pgdat, entry);
	bool ra;

	if (!page)
		return NULL;
	ra = page_test_clear_flag(page, PG_readahead);
	if (pgdat->vma_ra && vma) {
		/* swap_update_readahead: every hit moves the VMA's last
		 * fault address here, so the next fault past a read-ahead
		 * run is seen as sequential (its window goes forward). */
		uint64_t info = atomic_load(&vma->swap_ra_info), vpn;
		unsigned int win, hits;

		swap_ra_info_unpack(info, &vpn, &win, &hits);
		atomic_store(
			&vma->swap_ra_info,
			swap_ra_info_pack(addr >> PAGE_SHIFT, win, hits + ra));
	}
	if (!ra)
		return page;
	vmstat_inc(&pgdat->stat, SWAP_RA_HIT);
	if (!pgdat->vma_ra || !vma)
		atomic_fetch_add(&pgdat->ra.hits, 1);
	return page;
}

/* Read @entry for readahead (or the fault itself when @target). */
static int swapin_one(struct pgdat *pgdat, swp_entry_t entry, bool target)
{
	struct page *page;
	bool new;
	int err = 0;

	page = read_swap_cache_async(pgdat, entry, &new, &err);
	if (!page)
		return err;
	if (new) {
		if (!target) {
			page_set_flag(page, PG_readahead);
			vmstat_inc(&pgdat->stat, SWAP_RA);
		}
		swap_readpage(pgdat, page, entry);
	}
	put_page(pgdat, page);
	return 0;
}

/* swapin_nr_pages for the cluster policy. */
static unsigned int cluster_nr_pages(struct pgdat *pgdat, uint64_t offset)
{
	struct swap_ra_state *ra = &pgdat->ra;
	unsigned int max_pages = 1u << pgdat->page_cluster, hits, pages;

	if (max_pages <= 1)
		return 1;
	hits = atomic_exchange(&ra->hits, 0);
	pages = swap_ra_nr_pages(atomic_load(&ra->prev_offset), offset, hits,
				 max_pages, atomic_load(&ra->prev_win));
	if (!hits)
		atomic_store(&ra->prev_offset, offset);
	atomic_store(&ra->prev_win, pages);
	return pages;
}

static void swap_cluster_readahead(struct pgdat *pgdat, swp_entry_t entry)
{
	struct swap_area *area = swap_table_area(pgdat->swap, swp_type(entry));
	uint64_t offset = swp_offset(entry), start, end;
	unsigned int win = cluster_nr_pages(pgdat, offset);

	if (win <= 1 || !area)
		return;
	swap_ra_cluster_window(offset, win, swap_area_nr_pages(area), &start,
			       &end);
	for (uint64_t off = start; off <= end; off++)
		if (swapin_one(pgdat, swp_entry(swp_type(entry), off),
			       off == offset) == -ENOMEM)
			break;
}

static void swap_vma_readahead(struct pgdat *pgdat, swp_entry_t entry,
			       struct vma *vma, uint64_t addr)
{
	struct swap_ra_vma_in in = {
		.fault_vpn = addr >> PAGE_SHIFT,
		.page_cluster = pgdat->page_cluster,
		.vma_start = vma->start >> PAGE_SHIFT,
		.vma_end = vma->end >> PAGE_SHIFT,
	};
	uint64_t start, end;
	unsigned int win;

	swap_ra_info_unpack(atomic_load(&vma->swap_ra_info), &in.prev_vpn,
			    &in.prev_win, &in.hits);
	win = swap_ra_vma_window(&in, &start, &end);
	atomic_store(&vma->swap_ra_info,
		     swap_ra_info_pack(in.fault_vpn, win, 0));
	if (win <= 1)
		return;
	for (uint64_t vpn = start; vpn < end; vpn++) {
		pte_t pte = atomic_load(vma_pte(vma, vpn << PAGE_SHIFT));

		if (!pte_is_swap(pte))
			continue;
		if (swapin_one(pgdat, pte_to_swp_entry(pte),
			       pte_to_swp_entry(pte).val == entry.val) ==
		    -ENOMEM)
			break;
	}
}

struct page *swap_cache_swapin_readahead(struct pgdat *pgdat, swp_entry_t entry,
					 struct vma *vma, uint64_t addr,
					 int *err)
{
	struct page *page;
	bool new;

	page_io_plug(pgdat);
	if (pgdat->vma_ra && vma)
		swap_vma_readahead(pgdat, entry, vma, addr);
	else
		swap_cluster_readahead(pgdat, entry);
	page = read_swap_cache_async(pgdat, entry, &new, err);
	if (page && new)
		swap_readpage(pgdat, page, entry);
	page_io_unplug(pgdat);
	return page;
}

/* ---- readahead windows ------------------------------------------------ */

unsigned int swap_ra_nr_pages(uint64_t prev_offset, uint64_t offset,
			      unsigned int hits, unsigned int max_pages,
			      unsigned int prev_win)
{
	unsigned int pages = hits + 2;

	if (pages == 2) {
		/* No hits to judge by: only a neighbour of the last fault
		 * suggests a sequential pattern. */
		if (offset != prev_offset + 1 && offset != prev_offset - 1)
			pages = 1;
	} else {
		unsigned int up = 4;

		while (up < pages)
			up <<= 1;
		pages = up;
	}
	if (pages > max_pages)
		pages = max_pages;
	if (pages < prev_win / 2)
		pages = prev_win / 2;
	return pages;
}

void swap_ra_cluster_window(uint64_t offset, unsigned int win,
			    uint64_t nr_slots, uint64_t *start, uint64_t *end)
{
	uint64_t mask = win ? (uint64_t)win - 1 : 0;

	*start = offset & ~mask;
	*end = offset | mask;
	if (!*start)
		*start = 1; /* slot 0 is the header */
	if (*end >= nr_slots)
		*end = nr_slots - 1;
}

#define SWAP_RA_ORDER_CEILING 5
#define PTRS_PER_PTE 512

unsigned int swap_ra_vma_window(const struct swap_ra_vma_in *in,
				uint64_t *start, uint64_t *end)
{
	unsigned int order = in->page_cluster < SWAP_RA_ORDER_CEILING
				     ? in->page_cluster
				     : SWAP_RA_ORDER_CEILING;
	unsigned int max_win = 1u << order, win;
	int64_t f = (int64_t)in->fault_vpn, p = (int64_t)in->prev_vpn;
	int64_t l, r, pmd = f & ~(int64_t)(PTRS_PER_PTE - 1);

	*start = in->fault_vpn;
	*end = in->fault_vpn + 1;
	if (max_win == 1)
		return 1;
	win = swap_ra_nr_pages(in->prev_vpn, in->fault_vpn, in->hits, max_win,
			       in->prev_win);
	if (win == 1)
		return 1;
	if (f == p + 1) {
		l = f;
		r = f + win;
	} else if (p == f + 1) {
		l = f - win + 1;
		r = f + 1;
	} else {
		int64_t left = (win - 1) / 2;

		l = f - left;
		r = f + win - left;
	}
	if (l < (int64_t)in->vma_start)
		l = (int64_t)in->vma_start;
	if (l < pmd)
		l = pmd;
	if (r > (int64_t)in->vma_end)
		r = (int64_t)in->vma_end;
	if (r > pmd + PTRS_PER_PTE)
		r = pmd + PTRS_PER_PTE;
	*start = (uint64_t)l;
	*end = (uint64_t)r;
	return win;
}

uint64_t swap_ra_info_pack(uint64_t vpn, unsigned int win, unsigned int hits)
{
	if (hits > 0xff)
		hits = 0xff;
	return vpn << 16 | (uint64_t)(win & 0xff) << 8 | hits;
}

void swap_ra_info_unpack(uint64_t info, uint64_t *vpn, unsigned int *win,
			 unsigned int *hits)
{
	*vpn = info >> 16;
	*win = (info >> 8) & 0xff;
	*hits = info & 0xff;
}

/* ---- swapoff ------------------------------------------------------------- */

/*
 * try_to_unuse works slot by slot, as the kernel did before 5.x, so that a
 * page shared by several ptes (fork) is mapped into all of them under one
 * page lock and stays one shared page: reclaim cannot unmap it back to
 * the draining slot half way.  To avoid scanning every page table once
 * per slot, one pass collects the swap ptes of the area into an index
 * sorted by slot.  Entries that change meanwhile are skipped by the pte
 * check under the page table lock, and the next round picks up the rest.
 */
struct unuse_ref {
	uint64_t offset; /* slot */
	struct mm *mm;	 /* address space (held by the round) */
	uint64_t addr;	 /* where its pte is */
};

struct unuse_index {
	struct unuse_ref *refs; /* collected ptes */
	size_t nr;		/* entries used */
	size_t cap;		/* entries allocated */
};

static int unuse_collect(void *ctx, struct mm *mm, uint64_t addr,
			 swp_entry_t entry)
{
	struct unuse_index *ix = ctx;

	if (ix->nr == ix->cap) {
		size_t cap = ix->cap ? 2 * ix->cap : 1024;
		struct unuse_ref *r = realloc(ix->refs, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		ix->refs = r;
		ix->cap = cap;
	}
	ix->refs[ix->nr++] = (struct unuse_ref){swp_offset(entry), mm, addr};
	return 0;
}

static int unuse_ref_cmp(const void *a, const void *b)
{
	const struct unuse_ref *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The address spaces of the node, each with a reference. */
static struct mm **grab_mms(struct pgdat *pgdat, size_t *n)
{
	struct mm **mms = NULL;
	size_t cap = 0;

	*n = 0;
	pthread_mutex_lock(&pgdat->mm_lock);
	for (struct mm *mm = pgdat->mm_list; mm; mm = mm->list_next) {
		if (*n == cap) {
			struct mm **m =
				realloc(mms, (cap ? 2 * cap : 16) * sizeof(*m));

			if (!m)
				break;
			mms = m;
			cap = cap ? 2 * cap : 16;
		}
		mm_grab(mm);
		mms[(*n)++] = mm;
	}
	pthread_mutex_unlock(&pgdat->mm_lock);
	return mms;
}

/* Read slot @entry (or find it cached) and map it into @refs[0..n). */
static int unuse_slot(struct pgdat *pgdat, swp_entry_t entry,
		      const struct unuse_ref *refs, size_t n)
{
	struct page *page;
	bool new;
	int rc = 0;

	page = read_swap_cache_async(pgdat, entry, &new, &rc);
	if (!page)
		return rc == -ENOENT ? 0 : rc; /* freed meanwhile */
	if (new)
		swap_readpage(pgdat, page, entry);
	page_lock(page);
	if (!PageFlag(page, PG_swapcache) ||
	    page_swap_entry(page).val != entry.val)
		goto out_unlock;
	if (PageFlag(page, PG_error) || !PageFlag(page, PG_uptodate)) {
		rc = -EIO;
		goto out_unlock;
	}
	for (size_t i = 0; i < n; i++)
		mmu_unuse_pte(refs[i].mm, refs[i].addr, entry, page);
	page_wait_writeback(page);
	swap_cache_try_free_swap(pgdat, page);
out_unlock:
	page_unlock(page);
	put_page(pgdat, page);
	return rc;
}

/* One round over every swap pte of @type.  0 or -errno. */
static int unuse_round(struct pgdat *pgdat, unsigned int type)
{
	struct unuse_index ix = {NULL, 0, 0};
	size_t nr_mms, i, j;
	struct mm **mms = grab_mms(pgdat, &nr_mms);
	int rc = 0;

	for (i = 0; i < nr_mms && !rc; i++)
		rc = mmu_for_each_swap_pte(mms[i], type, unuse_collect, &ix);
	if (ix.nr)
		qsort(ix.refs, ix.nr, sizeof(*ix.refs), unuse_ref_cmp);
	for (i = 0; i < ix.nr && !rc; i = j) {
		for (j = i + 1;
		     j < ix.nr && ix.refs[j].offset == ix.refs[i].offset;)
			j++;
		rc = unuse_slot(pgdat, swp_entry(type, ix.refs[i].offset),
				&ix.refs[i], j - i);
	}
	for (i = 0; i < nr_mms; i++)
		mm_drop(mms[i]);
	free(mms);
	free(ix.refs);
	return rc;
}

/* Drop the swap cache pages of @type that no pte refers to any more. */
static void unuse_cache(struct pgdat *pgdat, unsigned int type,
			struct swap_area *area)
{
	uint64_t nr = swap_area_nr_pages(area);

	for (uint64_t off = 1; off < nr; off++) {
		swp_entry_t entry = swp_entry(type, off);
		unsigned char map = swap_area_map(area, off);
		struct page *page;

		if (!(map & SWAP_HAS_CACHE) || map == SWAP_MAP_BAD)
			continue;
		page = swap_cache_lookup(pgdat, entry);
		if (!page)
			continue;
		page_lock(page);
		page_wait_writeback(page);
		if (PageFlag(page, PG_swapcache) &&
		    page_swap_entry(page).val == entry.val)
			swap_cache_try_free_swap(pgdat, page);
		page_unlock(page);
		put_page(pgdat, page);
	}
}

int swap_cache_try_to_unuse(struct pgdat *pgdat, unsigned int type)
{
	struct swap_area *area = swap_table_area(pgdat->swap, type);
	uint64_t last = UINT64_MAX;
	struct swap_area_stats st;
	unsigned int stuck = 0;

	if (!area)
		return -EINVAL;
	/* Tasks may fork or fault meanwhile: go round while it empties. */
	while (stuck < 4) {
		int rc = unuse_round(pgdat, type);

		if (rc)
			return rc;
		unuse_cache(pgdat, type, area);
		swap_area_stats(area, &st);
		if (!st.nr_inuse)
			return 0;
		stuck = st.nr_inuse < last ? 0 : stuck + 1;
		last = st.nr_inuse;
	}
	return -EBUSY;
}

/* SPDX-License-Identifier: MIT */
/*
 * Page reclaim and kswapd.  See mm/vmscan.h.
 */
#include "mm/vmscan.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "mm/lru.h"
#include "mm/page_io.h"
#include "mm/mm_i.h"
#include "mm/rmap.h"
#include "mm/swap_state.h"
#include "mm/vcpu.h"

struct kswapd {
	pthread_t thread;	  /* the reclaim thread */
	_Atomic bool running;	  /* thread started, not joined */
	pthread_mutex_t lock;	  /* guards wake; pairs with cond */
	pthread_cond_t cond;	  /* signalled on wake or stop */
	bool wake;		  /* a wakeup is pending */
	_Atomic bool stop;	  /* exit the loop (set under lock) */
	_Atomic bool busy;	  /* in balance_pgdat */
	_Atomic uint64_t wakeups; /* wakeup_kswapd calls that asked */
};

enum page_references {
	PAGEREF_RECLAIM,  /* reclaim it */
	PAGEREF_KEEP,	  /* second chance: leave it inactive */
	PAGEREF_ACTIVATE, /* move it to the active list */
};

void vmscan_sc_init(struct scan_control *sc, uint64_t nr_to_reclaim,
		    bool kswapd)
{
	*sc = (struct scan_control){
		.nr_to_reclaim = nr_to_reclaim,
		.priority = DEF_PRIORITY,
		.may_writepage = true,
		.may_unmap = true,
		.may_swap = true,
		.kswapd = kswapd,
	};
}

/* ---- writeback completion ---------------------------------------------- */

uint64_t vmscan_writeback_seq(struct pgdat *pgdat)
{
	return atomic_load(&pgdat->wb_seq);
}

/* A task on a vcpu gives its CPU away until the next IO completion (one
 * is due: the callers wait only with IO in flight). */
static void wait_writeback_task(struct pgdat *pgdat, uint64_t seq,
				struct vtask *task)
{
	struct vtask_waiter w = {.task = task};

	pthread_mutex_lock(&pgdat->wb_lock);
	if (atomic_load(&pgdat->wb_seq) != seq) {
		pthread_mutex_unlock(&pgdat->wb_lock);
		return;
	}
	w.next = pgdat->wb_tasks;
	pgdat->wb_tasks = &w;
	pthread_mutex_unlock(&pgdat->wb_lock);
	vtask_block(); /* parks the plug: the writes waited for go out */
}

uint64_t vmscan_wait_writeback(struct pgdat *pgdat, uint64_t seq,
			       unsigned int timeout_ms)
{
	struct vtask *task = vtask_current();
	struct timespec ts;
	uint64_t now;

	if (task) {
		wait_writeback_task(pgdat, seq, task);
		return atomic_load(&pgdat->wb_seq);
	}
	page_io_flush_plug(); /* the writes waited for may be in it */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	ts.tv_sec += timeout_ms / 1000 + ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	pthread_mutex_lock(&pgdat->wb_lock);
	while ((now = atomic_load(&pgdat->wb_seq)) == seq)
		if (pthread_cond_timedwait(&pgdat->wb_cond, &pgdat->wb_lock,
					   &ts))
			break;
	pthread_mutex_unlock(&pgdat->wb_lock);
	return atomic_load(&pgdat->wb_seq);
}

static void count_steal(struct pgdat *pgdat, bool kswapd, uint64_t nr)
{
	vmstat_add(&pgdat->stat, kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, nr);
}

/* A written page (holding the IO's reference): free it if it is still
 * on the LRU, clean and unmapped; otherwise rotate it to the tail. */
static void reclaim_written_page(struct pgdat *pgdat, struct page *page,
				 bool kswapd)
{
	bool isolated = false;

	if (!page_trylock(page))
		goto out_put;
	/* The IO's reference serves as the isolation's. */
	if (!PageFlag(page, PG_dirty) && !page_mapped(page) &&
	    PageFlag(page, PG_swapcache))
		isolated = lru_isolate_inactive(pgdat, page);
	if (isolated && swap_cache_remove_mapping(pgdat, page)) {
		count_steal(pgdat, kswapd, 1);
		return; /* freed, lock and references gone */
	}
	page_unlock(page);
	if (isolated) {
		struct page_list l;

		page_list_init(&l);
		page_list_add(&l, page);
		lru_putback(pgdat, &l); /* drops the IO's reference */
		return;
	}
	lru_rotate(pgdat, page);
out_put:
	put_page(pgdat, page);
}

void vmscan_end_write(struct pgdat *pgdat, struct page *page, int res,
		      bool kswapd)
{
	bool reclaim;

	page_history_add(pgdat->pool, page, PE_WRITTEN, (uint64_t)(int64_t)res);
	if (res) /* Keep the data: the page stays dirty, tried again. */
		page_set_flag(page, PG_dirty);
	reclaim = page_test_clear_flag(page, PG_reclaim) && !res;
	page_end_writeback(page);
	if (reclaim)
		reclaim_written_page(pgdat, page, kswapd);
	else
		put_page(pgdat, page);
	/* Last: once the count drops, the node may be torn down. */
	pgdat_io_end(pgdat, &pgdat->nr_writeback);
}

/* pageout: start writing @page (locked, dirty, unmapped, in the swap
 * cache) and unlock it.  0 or -errno (the page stays dirty). */
static int pageout(struct pgdat *pgdat, struct page *page,
		   struct scan_control *sc)
{
	swp_entry_t entry = page_swap_entry(page);
	uint64_t pfn = page_to_pfn(pgdat->pool, page);
	int rc;

	/* Unmapped and flushed: nothing writes the page while it is
	 * checksummed, so the flags change in one step after. */
	swap_cache_set_slot_csum(pgdat, entry,
				 page_csum_update(pgdat->pool, page), pfn);
	page_flags_change(page, PG_BIT(PG_writeback) | PG_BIT(PG_reclaim),
			  PG_BIT(PG_dirty));
	page_history_add(pgdat->pool, page, PE_SWAPOUT, entry.val);
	page_get(page); /* the IO's */
	atomic_fetch_add(&pgdat->nr_writeback, 1);
	vmstat_inc(&pgdat->stat, PSWPOUT);
	sc->nr_writeback++;
	page_unlock(page);
	rc = page_io_submit(pgdat, page, PAGE_IO_WRITE, entry, sc->kswapd);
	if (rc)
		vmscan_end_write(pgdat, page, rc, sc->kswapd);
	return rc;
}

/* ---- shrink_page_list --------------------------------------------------- */

/* page_check_references: what the young bits and PG_referenced say. */
static enum page_references page_check_references(struct pgdat *pgdat,
						  struct page *page)
{
	int referenced_ptes = rmap_page_referenced(pgdat, page);
	/* Most pages scanned have the bit clear: look before writing. */
	bool referenced_page = PageFlag(page, PG_referenced) &&
			       page_test_clear_flag(page, PG_referenced);

	if (referenced_ptes) {
		/* Every mapped page starts with a reference from the fault
		 * that mapped it: look twice before activating. */
		page_flags_change(page, PG_BIT(PG_referenced), 0);
		if (referenced_page || referenced_ptes > 1)
			return PAGEREF_ACTIVATE;
		return PAGEREF_KEEP;
	}
	return PAGEREF_RECLAIM;
}

/* First half of shrink_page_list for one locked page: decide, give it a
 * slot and unmap it.  Returns true if it goes on to write-out/free. */
static bool shrink_prepare_locked(struct pgdat *pgdat, struct page *page,
				  struct scan_control *sc,
				  struct tlbflush_batch *tlb, bool *activate)
{
	page_assert_locked(page);
	*activate = false;
	if (PageFlag(page, PG_writeback)) {
		page_set_flag(page, PG_reclaim);
		sc->nr_immediate++;
		return false;
	}
	switch (page_check_references(pgdat, page)) {
	case PAGEREF_ACTIVATE:
		*activate = true;
		return false;
	case PAGEREF_KEEP:
		return false;
	case PAGEREF_RECLAIM:
		break;
	}
	if (!PageFlag(page, PG_swapcache)) {
		if (!sc->may_swap || swap_cache_add_to_swap(pgdat, page)) {
			*activate = true; /* swap full: keep it in use */
			return false;
		}
	}
	if (page_mapped(page) &&
	    (!sc->may_unmap || !rmap_try_to_unmap(pgdat, page, tlb))) {
		*activate = sc->may_unmap; /* could not unmap: in use */
		return false;
	}
	return true;
}

/* Second half for one locked, unmapped swap cache page: write it or free
 * it.  Returns true if it was freed; otherwise the page is unlocked. */
static bool shrink_finish_locked(struct pgdat *pgdat, struct page *page,
				 struct scan_control *sc)
{
	page_assert_locked(page);
	if (PageFlag(page, PG_dirty)) {
		if (!sc->may_writepage)
			goto out_unlock;
		if (pageout(pgdat, page, sc))
			return false; /* unlocked, still dirty */
		/* A synchronous device finished already: free it now. */
		if (PageFlag(page, PG_writeback) || !page_trylock(page))
			return false;
		if (PageFlag(page, PG_dirty) || PageFlag(page, PG_writeback))
			goto out_unlock;
	}
	if (swap_cache_remove_mapping(pgdat, page))
		return true;
out_unlock:
	page_unlock(page);
	return false;
}

static uint64_t shrink_page_list(struct pgdat *pgdat, struct page_list *list,
				 struct scan_control *sc)
{
	struct tlbflush_batch tlb = {.nr = 0};
	struct page_list ret, unmapped;
	uint64_t nr_reclaimed = 0;
	struct page *page;

	page_list_init(&ret);
	page_list_init(&unmapped);
	while ((page = page_list_pop_tail(list))) {
		bool activate;

		if (!page_trylock(page)) {
			page_list_add(&ret, page);
			continue;
		}
		if (shrink_prepare_locked(pgdat, page, sc, &tlb, &activate)) {
			page_list_add(&unmapped, page);
			continue;
		}
		if (activate && !page_test_set_flag(page, PG_active))
			vmstat_inc(&pgdat->stat, PGACTIVATE);
		page_unlock(page);
		page_list_add(&ret, page);
	}
	/* No access may still be writing to what we are about to write. */
	tlb_batch_flush(&tlb);
	page_io_plug(pgdat);
	while ((page = page_list_pop_tail(&unmapped))) {
		if (shrink_finish_locked(pgdat, page, sc))
			nr_reclaimed++;
		else
			page_list_add(&ret, page);
	}
	page_io_unplug(pgdat);
	page_list_splice(list, &ret);
	return nr_reclaimed;
}

/* ---- the lists ------------------------------------------------------------ */

uint64_t vmscan_shrink_inactive_list(struct pgdat *pgdat, uint64_t nr_to_scan,
				     struct scan_control *sc)
{
	uint64_t nr_scanned, nr_reclaimed, nr_taken, immediate;
	uint64_t seq = vmscan_writeback_seq(pgdat);
	struct page_list list;

	page_list_init(&list);
	nr_taken = lru_isolate(pgdat, LRU_INACTIVE_ANON, nr_to_scan, &list,
			       &nr_scanned);
	sc->nr_scanned += nr_scanned;
	vmstat_add(&pgdat->stat, sc->kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT,
		   nr_scanned);
	if (!list.nr)
		return 0;
	immediate = sc->nr_immediate;
	nr_reclaimed = shrink_page_list(pgdat, &list, sc);
	sc->nr_reclaimed += nr_reclaimed;
	count_steal(pgdat, sc->kswapd, nr_reclaimed);
	lru_putback(pgdat, &list);
	/*
	 * Every page taken was still being written: pages cycle through
	 * the list faster than the device writes them.  Scanning on (down
	 * to priority 0, the whole list, in every reclaiming task) would
	 * only meet them again; wait for writeback to move instead, as
	 * reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK) does.
	 */
	if (sc->nr_immediate - immediate == nr_taken) {
		vmstat_inc(&pgdat->stat, RECLAIM_THROTTLED);
		vmscan_wait_writeback(pgdat, seq, 100);
	}
	return nr_reclaimed;
}

void vmscan_shrink_active_list(struct pgdat *pgdat, uint64_t nr_to_scan,
			       struct scan_control *sc)
{
	struct page_list hold;
	uint64_t nr_scanned;
	struct page *page;

	page_list_init(&hold);
	lru_isolate(pgdat, LRU_ACTIVE_ANON, nr_to_scan, &hold, &nr_scanned);
	vmstat_add(&pgdat->stat, PGREFILL, nr_scanned);
	for (page = hold.head; page; page = page->next) {
		/* Anonymous pages are deactivated even when referenced: the
		 * young bits are cleared so that the inactive list sees only
		 * fresh references (only executable file pages stay). */
		rmap_page_referenced(pgdat, page);
		page_flags_change(page, PG_BIT(PG_workingset),
				  PG_BIT(PG_active));
	}
	vmstat_add(&pgdat->stat, PGDEACTIVATE, hold.nr);
	lru_putback(pgdat, &hold);
}

static void shrink_list(struct pgdat *pgdat, enum lru_list lru,
			uint64_t nr_to_scan, struct scan_control *sc)
{
	if (lru == LRU_ACTIVE_ANON) {
		if (lru_inactive_is_low(pgdat))
			vmscan_shrink_active_list(pgdat, nr_to_scan, sc);
		return;
	}
	vmscan_shrink_inactive_list(pgdat, nr_to_scan, sc);
}

void vmscan_shrink_lruvec(struct pgdat *pgdat, struct scan_control *sc)
{
	uint64_t nr[NR_LRU_LISTS];

	if (!pgdat->swap)
		return; /* anonymous memory cannot go anywhere */
	for (int lru = 0; lru < NR_LRU_LISTS; lru++)
		nr[lru] = lru_size(pgdat, (enum lru_list)lru) >> sc->priority;
	while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_ANON]) {
		for (int lru = 0; lru < NR_LRU_LISTS; lru++) {
			uint64_t n = nr[lru] < SWAP_CLUSTER_MAX
					     ? nr[lru]
					     : SWAP_CLUSTER_MAX;

			nr[lru] -= n;
			if (n)
				shrink_list(pgdat, (enum lru_list)lru, n, sc);
		}
		if (sc->nr_reclaimed >= sc->nr_to_reclaim)
			break;
	}
	/* Keep the active list aging even when nothing was asked of it. */
	if (lru_inactive_is_low(pgdat))
		vmscan_shrink_active_list(pgdat, SWAP_CLUSTER_MAX, sc);
}

/* ---- direct reclaim and kswapd ------------------------------------------ */

uint64_t vmscan_try_to_free_pages(struct pgdat *pgdat)
{
	struct scan_control sc;

	vmscan_sc_init(&sc, SWAP_CLUSTER_MAX, false);
	vmstat_inc(&pgdat->stat, ALLOCSTALL);
	do {
		vmscan_shrink_lruvec(pgdat, &sc);
		if (sc.nr_reclaimed >= sc.nr_to_reclaim)
			break;
	} while (--sc.priority >= 0);
	return sc.nr_reclaimed;
}

bool vmscan_pgdat_balanced(struct pgdat *pgdat)
{
	struct page_watermarks wm;

	page_pool_watermarks(pgdat->pool, &wm);
	return page_pool_watermark_ok(pgdat->pool, wm.high);
}

uint64_t vmscan_balance_pgdat(struct pgdat *pgdat)
{
	struct page_watermarks wm;
	struct scan_control sc;

	page_pool_watermarks(pgdat->pool, &wm);
	vmscan_sc_init(&sc,
		       wm.high > SWAP_CLUSTER_MAX ? wm.high : SWAP_CLUSTER_MAX,
		       true);
	vmstat_inc(&pgdat->stat, PAGEOUTRUN);
	do {
		uint64_t before = sc.nr_reclaimed;
		bool raise_priority = true;

		if (vmscan_pgdat_balanced(pgdat))
			break;
		if (lru_inactive_is_low(pgdat))
			vmscan_shrink_active_list(pgdat, SWAP_CLUSTER_MAX, &sc);
		sc.nr_scanned = 0;
		vmscan_shrink_lruvec(pgdat, &sc);
		/* Scanned a full batch at this priority: stay there. */
		if (sc.nr_scanned >= sc.nr_to_reclaim)
			raise_priority = false;
		if (raise_priority || sc.nr_reclaimed == before)
			sc.priority--;
	} while (sc.priority >= 1);
	return sc.nr_reclaimed + sc.nr_writeback;
}

/* One wakeup's worth of work: balance, waiting on writeback as needed. */
static void kswapd_balance(struct pgdat *pgdat)
{
	unsigned int failures = 0;

	vmstat_inc(&pgdat->stat, KSWAPD_WAKE);
	while (!vmscan_pgdat_balanced(pgdat) &&
	       failures < MAX_RECLAIM_RETRIES) {
		uint64_t seq = vmscan_writeback_seq(pgdat);
		uint64_t progress = vmscan_balance_pgdat(pgdat);

		if (vmscan_pgdat_balanced(pgdat))
			break;
		if (atomic_load(&pgdat->nr_writeback))
			vmscan_wait_writeback(pgdat, seq, 100);
		else if (!progress)
			failures++;
		if (atomic_load(&pgdat->kswapd->stop))
			break;
	}
}

static void *kswapd_main(void *arg)
{
	struct pgdat *pgdat = arg;
	struct kswapd *k = pgdat->kswapd;

	pthread_setname_np(pthread_self(), "swapemu-kswapd");
	pthread_mutex_lock(&k->lock);
	for (;;) {
		while (!k->wake && !k->stop)
			pthread_cond_wait(&k->cond, &k->lock);
		if (k->stop)
			break;
		k->wake = false;
		atomic_store(&k->busy, true);
		pthread_mutex_unlock(&k->lock);
		kswapd_balance(pgdat);
		pthread_mutex_lock(&k->lock);
		atomic_store(&k->busy, false);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

int kswapd_init(struct pgdat *pgdat)
{
	struct kswapd *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->cond, NULL);
	pgdat->kswapd = k;
	return 0;
}

void kswapd_exit(struct pgdat *pgdat)
{
	struct kswapd *k = pgdat->kswapd;

	if (!k)
		return;
	vmscan_kswapd_stop(pgdat);
	pthread_mutex_destroy(&k->lock);
	pthread_cond_destroy(&k->cond);
	free(k);
	pgdat->kswapd = NULL;
}

int vmscan_kswapd_run(struct pgdat *pgdat)
{
	struct kswapd *k = pgdat->kswapd;
	int rc;

	if (atomic_load(&k->running))
		return -EBUSY;
	atomic_store(&k->stop, false);
	rc = pthread_create(&k->thread, NULL, kswapd_main, pgdat);
	if (rc)
		return -rc;
	atomic_store(&k->running, true);
	return 0;
}

void vmscan_kswapd_stop(struct pgdat *pgdat)
{
	struct kswapd *k = pgdat->kswapd;

	if (!atomic_load(&k->running))
		return;
	pthread_mutex_lock(&k->lock);
	atomic_store(&k->stop, true);
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	atomic_store(&k->running, false);
}

void vmscan_wakeup_kswapd(struct pgdat *pgdat)
{
	struct kswapd *k = pgdat->kswapd;

	if (vmscan_pgdat_balanced(pgdat))
		return;
	atomic_fetch_add(&k->wakeups, 1);
	/* Already at work: it balances before it sleeps again.  (If it is
	 * just going to sleep, the next allocation below low wakes it.) */
	if (!atomic_load(&k->running) || atomic_load(&k->busy))
		return;
	pthread_mutex_lock(&k->lock);
	k->wake = true;
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

uint64_t vmscan_kswapd_wakeups(struct pgdat *pgdat)
{
	return atomic_load(&pgdat->kswapd->wakeups);
}

bool vmscan_kswapd_busy(struct pgdat *pgdat)
{
	return atomic_load(&pgdat->kswapd->busy);
}

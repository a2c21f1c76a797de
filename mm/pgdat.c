/* SPDX-License-Identifier: MIT */
/*
 * The emulated memory node and its page allocator.  See mm/pgdat.h.
 */
#include "mm/pgdat.h"

#include <errno.h>
#include <stdlib.h>

#include "mm/mm_i.h"
#include "mm/page_io.h"
#include "swap/io/hist.h"
#include "swap/table.h"
#include "mm/swap_state.h"
#include "mm/vmscan.h"
#include "mm/vcpu.h"

void pgdat_config_init(struct pgdat_config *cfg)
{
	*cfg = (struct pgdat_config){
		.page_cluster = 3,
		.vma_ra = true,
	};
}

static void pgdat_init(struct pgdat *pgdat, const struct pgdat_config *cfg)
{
	pthread_mutex_init(&pgdat->lruvec.lock, NULL);
	pthread_mutex_init(&pgdat->mm_lock, NULL);
	pthread_mutex_init(&pgdat->wb_lock, NULL);
	pthread_cond_init(&pgdat->wb_cond, NULL);
	/* No IO yet: the first one starts a run whatever its slot. */
	for (int op = 0; op < 2; op++)
		atomic_store(&pgdat->io_last[op], UINT64_MAX - 1);
	vmstat_init(&pgdat->stat);
	for (int lru = 0; lru < NR_LRU_LISTS; lru++)
		page_list_init(&pgdat->lruvec.lists[lru]);
	pgdat->lruvec.pgdat = pgdat;
	pgdat->swap = cfg->swap;
	if (cfg->io)
		pgdat->io = *cfg->io;
	pgdat->io_ctx = cfg->io_ctx;
	pgdat->page_cluster = cfg->page_cluster;
	pgdat->vma_ra = cfg->vma_ra;
	pgdat->new_anon_active = cfg->new_anon_active;
	pgdat->report = cfg->report ? cfg->report : stderr;
}

int pgdat_create(const struct pgdat_config *cfg, struct pgdat **out)
{
	struct pgdat *pgdat;
	int rc;

	if (cfg->page_cluster > 10)
		return -EINVAL;
	pgdat = calloc(1, sizeof(*pgdat));
	if (!pgdat)
		return -ENOMEM;
	pgdat_init(pgdat, cfg);
	rc = page_pool_create(cfg->nr_frames, &pgdat->pool);
	if (!rc && cfg->wm)
		rc = page_pool_set_watermarks(pgdat->pool, cfg->wm);
	if (!rc) {
		pgdat->ioreq = calloc(cfg->nr_frames, sizeof(*pgdat->ioreq));
		rc = pgdat->ioreq ? 0 : -ENOMEM;
	}
	if (!rc)
		rc = swap_cache_create(cfg->nr_frames, &pgdat->swap_cache);
	if (!rc)
		rc = swap_hist_create(&pgdat->fault_lat);
	if (!rc)
		rc = swap_hist_create(&pgdat->majfault_lat);
	if (!rc)
		rc = kswapd_init(pgdat);
	if (rc) {
		pgdat_destroy(pgdat);
		return rc;
	}
	*out = pgdat;
	return 0;
}

void pgdat_destroy(struct pgdat *pgdat)
{
	if (!pgdat)
		return;
	kswapd_exit(pgdat);
	pgdat_wait_io(pgdat);
	swap_hist_destroy(pgdat->fault_lat);
	swap_hist_destroy(pgdat->majfault_lat);
	swap_cache_destroy(pgdat->swap_cache);
	free(pgdat->ioreq);
	page_pool_destroy(pgdat->pool);
	pthread_mutex_destroy(&pgdat->lruvec.lock);
	pthread_mutex_destroy(&pgdat->mm_lock);
	pthread_mutex_destroy(&pgdat->wb_lock);
	pthread_cond_destroy(&pgdat->wb_cond);
	free(pgdat);
}

void pgdat_io_end(struct pgdat *pgdat, _Atomic uint64_t *inflight)
{
	struct vtask_waiter *w;

	pthread_mutex_lock(&pgdat->wb_lock);
	atomic_fetch_sub(inflight, 1);
	atomic_fetch_add(&pgdat->wb_seq, 1);
	pthread_cond_broadcast(&pgdat->wb_cond);
	w = pgdat->wb_tasks;
	pgdat->wb_tasks = NULL;
	pthread_mutex_unlock(&pgdat->wb_lock);
	vtask_wake_list(w);
}

void pgdat_wait_io(struct pgdat *pgdat)
{
	pthread_mutex_lock(&pgdat->wb_lock);
	while (atomic_load(&pgdat->nr_writeback) ||
	       atomic_load(&pgdat->nr_reading))
		pthread_cond_wait(&pgdat->wb_cond, &pgdat->wb_lock);
	pthread_mutex_unlock(&pgdat->wb_lock);
}

struct page_pool *pgdat_pool(struct pgdat *pgdat)
{
	return pgdat->pool;
}

struct vmstat *pgdat_vmstat(struct pgdat *pgdat)
{
	return &pgdat->stat;
}

struct swap_table *pgdat_swap(struct pgdat *pgdat)
{
	return pgdat->swap;
}

uint64_t pgdat_nr_anon(struct pgdat *pgdat)
{
	return atomic_load(&pgdat->nr_anon);
}

enum pgdat_alloc_decision pgdat_alloc_decision(uint64_t nr_free,
					       const struct page_watermarks *wm)
{
	if (nr_free > wm->low)
		return PGDAT_ALLOC_OK;
	if (nr_free > wm->min)
		return PGDAT_ALLOC_WAKE_KSWAPD;
	return PGDAT_ALLOC_RECLAIM;
}

/* The slow path: below min, reclaim directly and wait for writeback. */
static struct page *alloc_pages_slowpath(struct pgdat *pgdat,
					 const struct page_watermarks *wm)
{
	unsigned int no_progress = 0;
	struct page *page;

	for (;;) {
		uint64_t seq = vmscan_writeback_seq(pgdat);
		uint64_t reclaimed = vmscan_try_to_free_pages(pgdat);

		page = page_pool_alloc(pgdat->pool, wm->min);
		if (page)
			return page;
		if (reclaimed) {
			no_progress = 0;
			continue;
		}
		if (atomic_load(&pgdat->nr_writeback) ||
		    atomic_load(&pgdat->nr_reading)) {
			vmscan_wait_writeback(pgdat, seq, 100);
			continue;
		}
		if (++no_progress >= MAX_RECLAIM_RETRIES)
			break;
	}
	/* Out of memory: the reserves below min are the last resort. */
	return page_pool_alloc(pgdat->pool, 0);
}

struct page *pgdat_alloc_page(struct pgdat *pgdat)
{
	struct page_watermarks wm;
	struct page *page;

	page_pool_watermarks(pgdat->pool, &wm);
	page = page_pool_alloc(pgdat->pool, wm.low);
	if (!page) {
		vmscan_wakeup_kswapd(pgdat);
		page = page_pool_alloc(pgdat->pool, wm.min);
	}
	if (!page)
		page = alloc_pages_slowpath(pgdat, &wm);
	if (!page)
		return NULL;
	if (!page_pool_watermark_ok(pgdat->pool, wm.low))
		vmscan_wakeup_kswapd(pgdat);
	vmstat_inc(&pgdat->stat, PGALLOC);
	atomic_fetch_add(&pgdat->nr_anon, 1);
	return page;
}

static int pgdat_unuse(void *ctx, unsigned int type, struct swap_area *area)
{
	(void)area;
	return swap_cache_try_to_unuse(ctx, type);
}

int pgdat_swapoff(struct pgdat *pgdat, unsigned int type)
{
	int rc;

	if (!pgdat->swap)
		return -EINVAL;
	rc = swap_table_swapoff(pgdat->swap, type, pgdat_unuse, pgdat);
	if (!rc)
		page_io_detach_area(pgdat, type);
	return rc;
}

void pgdat_fault_latency_add(struct pgdat *pgdat, uint64_t ns, bool major)
{
	swap_hist_add(pgdat->fault_lat, ns);
	if (major)
		swap_hist_add(pgdat->majfault_lat, ns);
}

void pgdat_fault_latency(struct pgdat *pgdat, struct swap_hist_summary *all,
			 struct swap_hist_summary *major)
{
	swap_hist_summarize(pgdat->fault_lat, all);
	swap_hist_summarize(pgdat->majfault_lat, major);
}

void pgdat_io_pattern(struct pgdat *pgdat, struct pgdat_io_pattern *out)
{
	for (int op = 0; op < 2; op++) {
		out->ops[op] = atomic_load(&pgdat->io_ops[op]);
		out->runs[op] = atomic_load(&pgdat->io_runs[op]);
	}
}

void pgdat_fault_latency_reset(struct pgdat *pgdat)
{
	swap_hist_reset(pgdat->fault_lat);
	swap_hist_reset(pgdat->majfault_lat);
}

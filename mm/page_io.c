/* SPDX-License-Identifier: MIT */
/*
 * The one place where the paging engine starts swap IO.  See
 * mm/page_io.h.
 *
 * Each frame has one request slot (pgdat->ioreq[pfn]): a page has at
 * most one IO in flight, a read under its page lock or a write under
 * PG_writeback, so no allocation happens on the IO path.
 *
 * Without page_io_ops on the node, IO goes to the swap/io engine area
 * attached for the entry's type; completions then run in the engine's
 * ring threads, where the end_io work (page unlock, reclaim of a written
 * page) only takes short mutexes and never waits for IO.
 */
#include "mm/page_io.h"

#include <errno.h>

#include "mm/mm_i.h"
#include "swap/io/engine.h"

/* Completion of the engine: bytes done or -errno. */
static void page_io_engine_done(void *ctx, int64_t res)
{
	if (res >= 0)
		res = res == PAGE_SIZE ? 0 : -EIO;
	page_io_complete(ctx, (int)res);
}

static int page_io_engine_submit(struct pgdat *pgdat, struct page_io_req *req,
				 void *buf)
{
	unsigned int type = swp_type(req->entry);
	struct swap_io_area *area;
	uint64_t off;

	if (type >= MAX_SWAPFILES)
		return -EINVAL;
	area = atomic_load_explicit(&pgdat->io_areas[type],
				    memory_order_acquire);
	if (!area)
		return -ENXIO;
	off = swp_offset(req->entry) * PAGE_SIZE;
	if (req->op == PAGE_IO_WRITE)
		return swap_io_write(area, off, buf, PAGE_SIZE,
				     page_io_engine_done, req);
	return swap_io_read(area, off, buf, PAGE_SIZE, page_io_engine_done,
			    req);
}

int page_io_submit(struct pgdat *pgdat, struct page *page, enum page_io_op op,
		   swp_entry_t entry, bool kswapd)
{
	uint64_t pfn = page_to_pfn(pgdat->pool, page);
	struct page_io_req *req = &pgdat->ioreq[pfn];
	void *buf = page_address(pgdat->pool, page);

	req->pgdat = pgdat;
	req->page = page;
	req->entry = entry;
	req->op = (uint8_t)op;
	req->kswapd = kswapd;
	if (atomic_exchange(&pgdat->io_last[op], entry.val) + 1 != entry.val)
		atomic_fetch_add(&pgdat->io_runs[op], 1);
	atomic_fetch_add(&pgdat->io_ops[op], 1);
	if (!pgdat->io.submit)
		return page_io_engine_submit(pgdat, req, buf);
	return pgdat->io.submit(pgdat->io_ctx, op, entry, buf, req);
}

void page_io_complete(void *cookie, int res)
{
	struct page_io_req *req = cookie;

	if (req->op == PAGE_IO_WRITE)
		vmscan_end_write(req->pgdat, req->page, res, req->kswapd);
	else
		swap_cache_end_read(req->pgdat, req->page, req->entry, res);
}

/* Engine plugs this thread holds through page_io_plug. */
static __thread unsigned int page_io_plug_depth;

void page_io_plug(struct pgdat *pgdat)
{
	if (pgdat->io.submit)
		return;
	page_io_plug_depth++;
	swap_io_plug();
}

void page_io_unplug(struct pgdat *pgdat)
{
	if (pgdat->io.submit)
		return;
	assert(page_io_plug_depth);
	page_io_plug_depth--;
	swap_io_unplug();
}

/* The engine flushes when its outermost plug ends: end them all, then
 * take them up again for the rest of the batch. */
void page_io_flush_plug(void)
{
	page_io_plug_resume(page_io_plug_park());
}

unsigned int page_io_plug_park(void)
{
	unsigned int depth = page_io_plug_depth;

	for (unsigned int i = 0; i < depth; i++)
		swap_io_unplug();
	page_io_plug_depth = 0;
	return depth;
}

void page_io_plug_resume(unsigned int depth)
{
	for (unsigned int i = 0; i < depth; i++)
		swap_io_plug();
	page_io_plug_depth = depth;
}

int page_io_attach_area(struct pgdat *pgdat, unsigned int type,
			struct swap_io_area *area)
{
	struct swap_io_area *none = NULL;

	if (type >= MAX_SWAPFILES || pgdat->io.submit || !area)
		return -EINVAL;
	if (!atomic_compare_exchange_strong(&pgdat->io_areas[type], &none,
					    area))
		return -EBUSY;
	return 0;
}

void page_io_detach_area(struct pgdat *pgdat, unsigned int type)
{
	if (type < MAX_SWAPFILES)
		atomic_store(&pgdat->io_areas[type], NULL);
}

#define PAGE_IO_MAX_REGION (UINT64_C(1) << 30) /* io_uring's limit */

int page_io_register_frames(struct pgdat *pgdat, struct swap_io_engine *e)
{
	uint64_t bytes = page_pool_nr_frames(pgdat->pool) * PAGE_SIZE;
	uint8_t *base = pfn_address(pgdat->pool, 0);
	int rc = 0;

	for (uint64_t off = 0; off < bytes && !rc; off += PAGE_IO_MAX_REGION) {
		uint64_t len = bytes - off < PAGE_IO_MAX_REGION
				       ? bytes - off
				       : PAGE_IO_MAX_REGION;

		rc = swap_io_register_buffer(e, base + off, len);
	}
	if (rc)
		page_io_unregister_frames(pgdat, e);
	return rc;
}

void page_io_unregister_frames(struct pgdat *pgdat, struct swap_io_engine *e)
{
	uint64_t bytes = page_pool_nr_frames(pgdat->pool) * PAGE_SIZE;
	uint8_t *base = pfn_address(pgdat->pool, 0);

	for (uint64_t off = 0; off < bytes; off += PAGE_IO_MAX_REGION)
		swap_io_unregister_buffer(e, base + off);
}

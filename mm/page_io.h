/* SPDX-License-Identifier: MIT */
/*
 * Where the paging engine's swap IO goes.  Reclaim and swap-in start page
 * IO through one internal function (mm/page_io.c), which hands it to the
 * backend configured on the node: the swap/io engine in production
 * (page_io_attach_area), or a backend given by the user of the library
 * (struct page_io_ops, used by tests of the reclaim logic).  One page per request: the
 * slot @entry is read into or written from the page's frame.
 *
 * Completion mirrors the kernel's bio end_io: the backend calls
 * page_io_complete(cookie, res) exactly once per accepted submission, from
 * any thread, possibly before submit returned.  For a write the engine
 * then clears PG_writeback and frees the page if it is still reclaimable
 * (end_swap_bio_write); for a read it verifies the checksum, marks the
 * page uptodate and unlocks it, which wakes the faulting task.
 */
#ifndef SWAPEMU_MM_PAGE_IO_H
#define SWAPEMU_MM_PAGE_IO_H

#include "swap/entry.h"

enum page_io_op {
	PAGE_IO_READ,  /* slot -> frame */
	PAGE_IO_WRITE, /* frame -> slot */
};

struct page_io_ops {
	/*
	 * Start one page of IO on @buf (PAGE_SIZE bytes, page aligned).
	 * Returns 0 (page_io_complete will be called) or -errno (nothing
	 * started; no completion).
	 */
	int (*submit)(void *ctx, enum page_io_op op, swp_entry_t entry,
		      void *buf, void *cookie);
};

/* The end of one IO: @res is 0 or -errno. */
void page_io_complete(void *cookie, int res);

struct pgdat;
struct swap_io_area;

/*
 * Batch the calling thread's page IO between plug and unplug (the
 * kernel's blk_start_plug): with the engine, the requests reach the
 * rings at once with one wakeup.  Plugs nest.  Unplug before waiting for
 * any of the IO.
 */
void page_io_plug(struct pgdat *pgdat);
void page_io_unplug(struct pgdat *pgdat);
/*
 * Submit what the calling thread's plugs hold and keep them open (the
 * kernel flushes a task's plug when it sleeps).  Every wait of the engine
 * calls this first: a swap-in's plug may reach direct reclaim, whose
 * writes would otherwise sit in the plug of the very thread that waits
 * for them.
 */
void page_io_flush_plug(void);
/*
 * Submit and end the calling thread's plugs, returning how many were
 * open; resume opens as many again.  A task of the emulated CPUs
 * (mm/vcpu.h) parks its plugs while another task runs on its thread.
 */
unsigned int page_io_plug_park(void);
void page_io_plug_resume(unsigned int depth);
struct swap_io_engine;

/*
 * The production backend: a node created without page_io_ops sends the
 * IO of swap area @type to the swap/io engine area @area (slot n at byte
 * n * 4096 of the area).  Attach before the first swap-out to the type;
 * detach only when no IO to it is in flight (after swapoff).  Returns 0,
 * -EINVAL (bad type, or the node has its own page_io_ops), -EBUSY.
 */
int page_io_attach_area(struct pgdat *pgdat, unsigned int type,
			struct swap_io_area *area);
void page_io_detach_area(struct pgdat *pgdat, unsigned int type);
/*
 * Register the node's frames with @e so page IO uses fixed buffers.
 * Returns 0 or -errno (the IO works without it).
 */
int page_io_register_frames(struct pgdat *pgdat, struct swap_io_engine *e);
void page_io_unregister_frames(struct pgdat *pgdat, struct swap_io_engine *e);

#endif

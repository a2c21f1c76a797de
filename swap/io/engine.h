/* SPDX-License-Identifier: MIT */
/*
 * The swap IO engine: every read, write and discard between swapemu and its
 * backing storage goes through io_uring here.
 *
 * Objects
 *  - engine: a set of rings, each owned by one ring thread, plus the table
 *    of backing stores.
 *  - store: a backing file or block device, added by path or fd and named
 *    by a small index; extents map area slots to (store, byte offset).
 *    Opened O_DIRECT where the store supports it (buffered otherwise, e.g.
 *    a file system without direct IO), and registered with every ring.
 *  - area: a swap area attached with its extent map.  Each area carries a
 *    device model (swap/io/device.h), counters and latency histograms
 *    (swap/io/stat.h) and an IO trace (swap/io/trace.h).
 *
 * Operations
 *  Reads, writes and discards of byte ranges of an area; offsets and
 *  lengths are multiples of SWAP_IO_BLOCK (4096, one slot): callers above
 *  do read-modify-write for smaller IO.  A range is split along the area's
 *  extents; each piece goes to its store as one SQE; short reads and writes
 *  are resubmitted for the rest, never reported as success.  A submit
 *  function returns 0 when the operation is queued, and then calls @done
 *  exactly once with the bytes transferred (the whole length) or -errno;
 *  or it returns -errno and never calls @done.
 *
 * Threading model
 *  Each ring has one ring thread that alone touches the ring: it prepares
 *  SQEs, submits, reaps CQEs, runs the device model's timers and calls the
 *  completion callbacks.  Any thread may submit: a request is pushed on the
 *  ring's lock-free multi-producer queue and the ring thread is woken
 *  through an eventfd only when it sleeps.  A callback runs in the ring
 *  thread; it may submit more IO (that goes straight to the ring's local
 *  list, no atomics, no wakeup), but must not block, call swap_io_sync()
 *  or detach an area.  An area has a ring of its own (areas are spread
 *  over the rings round-robin) that serves what other threads submit;
 *  what a ring thread submits (a callback, hosted work, below) its own
 *  ring serves.  The device model keeps its state under its own lock.
 *  docs/IO.md explains the choice.
 *
 * Buffers passed to a submit function belong to the engine until @done
 * runs.  Memory registered with swap_io_register_buffer() is read and
 * written with fixed-buffer opcodes.
 */
#ifndef SWAPEMU_SWAP_IO_ENGINE_H
#define SWAPEMU_SWAP_IO_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#define SWAP_IO_BLOCK 4096u     /* unit of offsets and lengths: one slot */
#define SWAP_IO_MAX_RINGS 16u   /* ring threads per engine */
#define SWAP_IO_MAX_STORES 256u /* backing stores per engine */
#define SWAP_IO_MAX_BUFFERS 64u /* registered buffer regions per engine */

enum swap_io_op {
	SWAP_IO_READ = 0,
	SWAP_IO_WRITE,
	SWAP_IO_DISCARD,
	SWAP_IO_NR_OPS,
};

/* "read", "write", "discard". */
const char *swap_io_op_name(enum swap_io_op op);

/* Completion: @res is the number of bytes or -errno.  Runs in a ring
 * thread. */
typedef void (*swap_io_done_fn)(void *ctx, int64_t res);

struct swap_io_config {
	unsigned int nr_rings;     /* ring threads; 0: 1 */
	unsigned int ring_entries; /* SQ entries per ring; 0: 256 */
	unsigned int nr_reqs;      /* requests preallocated; 0: 1024 */
	unsigned int submit_batch; /* SQEs handed to the kernel at once;
				    * 0: 4 (docs/IO.md, "Submission") */
	bool no_fixed_files;       /* do not register store fds */
	bool no_defer_taskrun;     /* no SINGLE_ISSUER / DEFER_TASKRUN */
	bool big_sqes;             /* 128-byte SQEs (IORING_SETUP_SQE128),
				    * as passthrough commands need */
};

/* Store flags */
#define SWAP_IO_STORE_BUFFERED 0x1u /* never use O_DIRECT */
#define SWAP_IO_STORE_READONLY 0x2u /* open read-only: writes fail EBADF */
/* No backing at all, as null_blk without memory_backed: every IO succeeds
 * at once without touching memory (reads leave the buffer as it was).  The
 * path is only a name.  For measuring the engine and the device model. */
#define SWAP_IO_STORE_NULL 0x4u

struct swap_io_store_info {
	const char *path;     /* name given at add time; valid while open */
	uint64_t size;        /* bytes: file size or device size */
	bool blockdev;        /* a block device (else a regular file) */
	bool direct;          /* an O_DIRECT descriptor is in use */
	uint32_t dio_mem_align; /* buffer alignment needed for direct IO */
	uint32_t dio_offset_align; /* offset and length alignment for it */
};

struct swap_io_engine;
struct swap_io_area;
struct swap_extent_map;
struct swap_dev;
struct swap_stat;
struct swap_trace;

/*
 * Create an engine and start its ring threads.  @cfg may be NULL for the
 * defaults.  Returns 0, -EINVAL, -ENOMEM, or the error of io_uring setup
 * (-ENOSYS, -EPERM where io_uring is not allowed).
 */
int swap_io_engine_create(const struct swap_io_config *cfg,
			  struct swap_io_engine **out);

/* Stop the ring threads and close every store.  Every area must have been
 * detached. */
void swap_io_engine_destroy(struct swap_io_engine *e);

/*
 * Open @path as a backing store and return its index (>= 0) for extents,
 * or -errno: the open error, -EINVAL (neither a regular file nor a block
 * device, or bad flags), -ENOSPC when SWAP_IO_MAX_STORES are open.  Regular
 * files may be sparse; a read of a hole returns zeros.
 */
int swap_io_add_store(struct swap_io_engine *e, const char *path,
		      unsigned int flags);

/*
 * As swap_io_add_store() for an open descriptor; the engine keeps a
 * duplicate (and reopens it O_DIRECT where it can), so the caller may
 * close @fd.  @name is used in traces and messages.
 */
int swap_io_add_store_fd(struct swap_io_engine *e, int fd, const char *name,
			 unsigned int flags);

/* Close store @store; no attached area may map to it.  0, -EINVAL,
 * -EBUSY. */
int swap_io_remove_store(struct swap_io_engine *e, int store);

/* What the engine knows of store @store.  0 or -EINVAL. */
int swap_io_store_info(struct swap_io_engine *e, int store,
		       struct swap_io_store_info *out);

/*
 * Register [@base, @base + @len) with every ring, so reads and writes whose
 * buffer lies inside it use fixed buffers (no page pinning per IO).  At most
 * 1 GiB per region, SWAP_IO_MAX_BUFFERS regions.  The memory must stay
 * mapped until swap_io_unregister_buffer().  Returns 0 or -errno.
 */
int swap_io_register_buffer(struct swap_io_engine *e, void *base,
			    size_t len);
int swap_io_unregister_buffer(struct swap_io_engine *e, void *base);

/*
 * Attach an area whose slots are mapped by @map (read-only from now on and
 * owned by the caller; it must outlive the area).  @name names the area in
 * statistics and traces.  The device model starts as "none".  Returns 0,
 * -EINVAL (a store of the map is not open), -ENOMEM.
 */
int swap_io_area_attach(struct swap_io_engine *e,
			const struct swap_extent_map *map, const char *name,
			struct swap_io_area **out);

/* Wait for the area's IO in flight to complete, then free it.  No IO may
 * be submitted to the area once this is called; not from a callback. */
void swap_io_area_detach(struct swap_io_area *a);

const char *swap_io_area_name(const struct swap_io_area *a);
/* Bytes of the area: slots of its extent map times SWAP_IO_BLOCK. */
uint64_t swap_io_area_bytes(const struct swap_io_area *a);

/* The area's device model, counters and trace; owned by the area. */
struct swap_dev *swap_io_area_dev(struct swap_io_area *a);
struct swap_stat *swap_io_area_stat(struct swap_io_area *a);
struct swap_trace *swap_io_area_trace(struct swap_io_area *a);

/* The area's counters as one JSON object (see docs/IO.md).  Returns 0 or
 * -errno of the stream. */
int swap_io_area_stat_json(struct swap_io_area *a, FILE *f);

/*
 * The area's trace in fio iolog v3 format (replay with fio --read_iolog).
 * @drain: remove the records written (a streaming reader), else leave them
 * (a snapshot).  Returns 0 or -errno.
 */
int swap_io_area_trace_write(struct swap_io_area *a, FILE *f, bool drain);

/* Submit functions: see the top of this file for the contract.  Immediate
 * errors: -EINVAL (unaligned or empty), -ERANGE (past the area), -ENOMEM,
 * -ESHUTDOWN (area detaching).  Errors through @done: -ENXIO (unmapped
 * slot), the store's -errno, or the device model's injected error. */
int swap_io_read(struct swap_io_area *a, uint64_t off, void *buf, size_t len,
		 swap_io_done_fn done, void *ctx);
int swap_io_write(struct swap_io_area *a, uint64_t off, const void *buf,
		  size_t len, swap_io_done_fn done, void *ctx);
int swap_io_readv(struct swap_io_area *a, uint64_t off,
		  const struct iovec *iov, int iovcnt, swap_io_done_fn done,
		  void *ctx);
int swap_io_writev(struct swap_io_area *a, uint64_t off,
		   const struct iovec *iov, int iovcnt, swap_io_done_fn done,
		   void *ctx);
int swap_io_discard(struct swap_io_area *a, uint64_t off, uint64_t len,
		    swap_io_done_fn done, void *ctx);

/*
 * Batching: between swap_io_plug() and swap_io_unplug() the calling
 * thread's submissions are held and handed to each ring at once, with one
 * wakeup, at unplug.  Plugs nest.  Inside a callback submissions are always
 * batched.
 */
void swap_io_plug(void);
void swap_io_unplug(void);

/*
 * Passthrough commands: raw io_uring operations that ride on a ring besides
 * area IO, such as FUSE requests over io_uring (fs/ring.c).  @prep fills
 * the SQE, zeroed and as big as the ring's (see big_sqes), except its
 * user_data, which is the engine's; @done receives the CQE's result.  Both
 * run in the ring thread, must not block, and may submit commands and IO.
 * A command stays the caller's memory and is in flight from submission to
 * @done; it may be submitted again from @done.  Commands still in flight
 * when the engine is destroyed are cancelled without a callback, and a
 * ring counts as idle while only commands are in flight (a command may
 * wait forever, as a FUSE fetch does).
 */
struct io_uring_sqe;
struct swap_io_cmd {
	void (*prep)(struct swap_io_cmd *cmd, struct io_uring_sqe *sqe);
	void (*done)(struct swap_io_cmd *cmd, int res);
};

/* Queue @cmd on ring @ring.  0, -EINVAL (no such ring), -ENOMEM. */
int swap_io_cmd_submit(struct swap_io_engine *e, unsigned int ring,
		       struct swap_io_cmd *cmd);

/*
 * Hosted work: a ring thread may also run someone else's work between its
 * passes, as a kernel's CPU both runs tasks and takes the interrupts of
 * their IO.  The paging engine's emulated CPUs (mm/vcpu.h) run on ring
 * threads this way: a task's read is submitted by the thread that runs
 * it, and the completion makes the task runnable on that same thread.
 *
 * @run runs a little of the work (one task) in the ring thread and
 * returns whether more is runnable; while it is, the ring does not sleep,
 * and submits what the work queued before running it again.  IO submitted
 * from inside @run goes to the hosting ring, whichever area it is for.
 * Work that another thread makes runnable is announced with
 * swap_io_ring_kick().  @run must not block its thread: a hosted task
 * that waits gives the ring back.
 */
struct swap_io_host {
	bool (*run)(void *ctx); /* one step; true while more is runnable */
	void *ctx;		/* its argument */
};

/* Rings (threads) of @e. */
unsigned int swap_io_engine_rings(const struct swap_io_engine *e);
/*
 * Make ring @ring's thread run @host (copied), or stop running it (NULL),
 * and wait until it does.  0, -EINVAL (no such ring), -EBUSY (the ring
 * hosts something else), -EDEADLK from a ring thread, -ENOMEM.  Detach
 * before the engine is destroyed.
 */
int swap_io_ring_host(struct swap_io_engine *e, unsigned int ring,
		      const struct swap_io_host *host);
/* The hosted work of ring @ring has something runnable: wake the ring
 * thread if it sleeps.  Any thread; nothing on the ring's own. */
void swap_io_ring_kick(struct swap_io_engine *e, unsigned int ring);

/*
 * Synchronous convenience for tests and the CLI: submit and wait.  @buf is
 * ignored for discards.  Returns bytes or -errno; -EDEADLK from a ring
 * thread.
 */
int64_t swap_io_sync(struct swap_io_area *a, enum swap_io_op op,
		     uint64_t off, void *buf, size_t len);

#endif

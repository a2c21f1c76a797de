/* SPDX-License-Identifier: MIT */
/*
 * Private to swap/io/: the insides of the device model shared by its two
 * files, and the engine's request, ring and store structures.  Nothing
 * outside swap/io/ includes this header.
 */
#ifndef SWAPEMU_SWAP_IO_IO_I_H
#define SWAPEMU_SWAP_IO_IO_I_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swap/io/bucket.h"
#include "swap/io/device.h"
#include "swap/io/engine.h"

/* ---- device model ---------------------------------------------------- */

/* An inclusive range of slots. */
struct dev_range {
	uint64_t first; /* first slot */
	uint64_t last;  /* last slot, >= first */
};

/* A sorted list of disjoint, non-adjacent slot ranges (the bad slots). */
struct dev_ranges {
	struct dev_range *v; /* ranges in slot order */
	size_t nr;           /* ranges used */
	size_t cap;          /* ranges allocated */
};

/* Every parameter of the model; all zero is the preset "none". */
struct dev_params {
	uint64_t lat_ns[SWAP_IO_NR_OPS]; /* fixed latency per op type */
	uint64_t jitter_p50_ns;  /* log-normal jitter median, 0: none */
	uint64_t jitter_p99_ns;  /* its 99th percentile, >= p50 */
	uint64_t iops;           /* ops per second, 0: unlimited */
	uint64_t iops_burst;     /* ops, 0: 10 ms worth */
	uint64_t bw;             /* bytes per second, 0: unlimited */
	uint64_t bw_burst;       /* bytes, 0: 10 ms worth */
	unsigned int qd;         /* requests served at once, 0: unlimited */
	unsigned int rpm;        /* rotation speed, 0: no rotational delay */
	uint64_t seek_min_ns;    /* seek over one slot */
	uint64_t seek_max_ns;    /* seek over the whole area, 0: no seeks */
	double error_rate;       /* probability a matching request fails */
	unsigned int error_ops;  /* bit (1 << op) for each op that may fail */
	int error_errno;         /* positive errno injected */
	bool error_once;         /* disarm (error_rate = 0) after one error */
	unsigned int nr_error_ranges; /* 0: any slot */
	struct dev_range error_ranges[SWAP_DEV_MAX_RANGES]; /* slots hit */
	double corrupt_rate;     /* probability a read gets one bit flipped */
	uint64_t seed;           /* random seed, 0: built-in */
};

struct swap_dev {
	/*
	 * Guards every field below except active and nr_slots: parameters,
	 * buckets, servers, head, rng, bad slots, counters.  A leaf lock:
	 * nothing is called with it held.
	 */
	pthread_mutex_t lock;
	_Atomic bool active;     /* the model changes something; read unlocked */
	uint64_t nr_slots;       /* slots of the area (full seek stroke) */
	struct dev_params p;     /* current parameters */
	struct dev_ranges bad;   /* bad slots: reads fail until written */
	struct swap_bucket iops_bucket; /* IOPS limit */
	struct swap_bucket bw_bucket;   /* bandwidth limit */
	uint64_t *server_free;   /* min-heap: when each of qd servers frees */
	unsigned int nr_servers; /* entries in server_free (p.qd) */
	uint64_t head;           /* slot after the previous request */
	uint64_t rng;            /* xorshift64* state */
	double jitter_mu;        /* ln of the jitter median */
	double jitter_sigma;     /* log-normal shape from p50 and p99 */
	struct swap_dev_counters cnt; /* what the model did */
};

void dev_params_defaults(struct dev_params *p);
int dev_apply_locked(struct swap_dev *d, const struct dev_params *p,
		     struct dev_ranges *bad, bool has_bad);

/* Slot range lists (slot_ranges.c).  Insert merges; remove returns the
 * number of slots that were in the list. */
void dev_ranges_free(struct dev_ranges *r);
int dev_ranges_insert(struct dev_ranges *r, uint64_t first, uint64_t last);
bool dev_ranges_overlap(const struct dev_ranges *r, uint64_t slot,
			uint64_t nr);
uint64_t dev_ranges_remove(struct dev_ranges *r, uint64_t slot, uint64_t nr);
/* Parse "A-B,C,..." (inclusive, any order, may overlap) into @r. */
int dev_ranges_parse(const char *s, struct dev_ranges *r);
int dev_ranges_format(const struct dev_range *v, size_t nr, FILE *f);

/* ---- engine ------------------------------------------------------------ */

#include <liburing.h>

struct swap_extent_map;
struct io_ring;
struct io_req;

#define REQ_PIECES 4        /* pieces of one request in flight at once */
#define PIECE_IOVS 8        /* iovec entries one piece may use */
#define REQ_INLINE_IOVS 4   /* caller iovecs kept without an allocation */
#define REQ_CHUNK 256       /* requests allocated at a time */
#define RING_FREE_MAX 1024  /* requests a ring keeps for itself */
#define RING_CQ_FACTOR 8    /* CQ entries per SQ entry */

/* user_data of the eventfd read; pieces are pointers, so never 1. */
#define RING_TAG_WAKE 1ull
/* Low bits of the user_data of a passthrough command (a pointer). */
#define RING_TAG_CMD 2ull
#define RING_TAG_MASK 3ull

/* One backing store.  Immutable once published in the engine's table. */
struct io_store {
	char *path;          /* name for traces and messages */
	int fd;              /* buffered (or only) descriptor */
	int fd_direct;       /* O_DIRECT descriptor, -1 if none */
	bool blockdev;       /* block device: discard with BLKDISCARD */
	bool readonly;       /* opened read-only */
	bool null;           /* SWAP_IO_STORE_NULL: no descriptors, no IO */
	uint64_t size;       /* bytes at open time */
	uint32_t mem_align;  /* direct IO buffer alignment */
	uint32_t off_align;  /* direct IO offset and length alignment */
};

/* One contiguous run of a request in one store. */
struct io_piece {
	struct io_req *req;      /* request it belongs to */
	uint64_t off;            /* store byte offset of what is left */
	uint64_t len;            /* bytes left */
	int store;               /* store index */
	int buf_index;           /* registered buffer index, -1 if none */
	bool direct;             /* use the O_DIRECT descriptor */
	bool busy;               /* in use: an SQE or a retry outstanding */
	bool retry;              /* waits for an SQE to resubmit the rest */
	bool fallback;           /* discard falls back to BLKDISCARD ioctl */
	unsigned int nr_iov;     /* entries of iov in use */
	struct iovec iov[PIECE_IOVS]; /* memory of what is left */
};

/* A control function run by a ring thread on its own ring. */
typedef int (*ring_ctl_fn)(struct io_ring *r, void *arg);

/* One submitted operation (or control message), from submission to its
 * callback.  Owned by the submitter until queued, then by the ring thread. */
struct io_req {
	struct io_req *next;        /* queue, plug and free list link */
	struct swap_io_area *area;  /* target area, NULL for control */
	ring_ctl_fn ctl;            /* control message when not NULL */
	void *ctl_arg;              /* its argument */
	enum swap_io_op op;         /* operation */
	swap_io_done_fn done;       /* completion callback */
	void *ctx;                  /* its argument */
	uint64_t off;               /* area byte offset */
	uint64_t len;               /* bytes */
	uint64_t issued;            /* bytes handed to pieces so far */
	unsigned int iov_idx;       /* cursor: entry of iov */
	size_t iov_off;             /* cursor: offset inside that entry */
	struct iovec *iov;          /* caller memory (iov_inline or heap) */
	int iovcnt;                 /* entries of iov */
	struct iovec iov_inline[REQ_INLINE_IOVS]; /* small iovec copies */
	int error;                  /* first error, 0 if none */
	unsigned int busy;          /* pieces outstanding */
	bool stalled;               /* on the ring's stalled list */
	bool timer;                 /* waiting for its emulated completion */
	uint64_t submit_ns;         /* when submitted */
	uint64_t arrive_ns;         /* when the ring thread took it */
	uint64_t due_ns;            /* emulated completion, 0 if none */
	uint64_t backing_start_ns;  /* first piece sent, 0 if none */
	uint64_t backing_end_ns;    /* last piece done */
	struct swap_dev_plan plan;  /* the device model's decision */
	struct io_piece piece[REQ_PIECES]; /* pieces in flight */
};

/* A registered buffer region as a ring knows it. */
struct io_region {
	uintptr_t base; /* first byte, 0 for an empty slot */
	size_t len;     /* bytes */
};

/*
 * One ring and its thread.  The thread alone touches the fields marked
 * "ring thread"; inbox and sleeping are the only shared ones.
 */
struct io_ring {
	struct swap_io_engine *e;   /* owner */
	unsigned int index;         /* in e->rings */
	pthread_t thread;           /* the ring thread */
	int efd;                    /* eventfd that wakes the thread */
	_Atomic(struct io_req *) inbox; /* MPSC stack pushed by submitters */
	_Atomic bool sleeping;      /* the thread may block: wake it */
	_Atomic bool kicked;        /* the hosted work has something to run */
	int setup_rc;               /* ring setup result, for the creator */
	struct io_uring ring;       /* ring thread */
	uint64_t efd_value;         /* ring thread: eventfd read target */
	bool fixed_files;           /* ring thread: stores are registered */
	bool fixed_bufs;            /* ring thread: buffer table exists */
	bool taskrun_flag;          /* ring thread: kernel flags pending CQEs */
	bool stop;                  /* ring thread: exit when idle */
	bool starting;              /* ring thread: in io_ring_start_now */
	bool woke;                  /* ring thread: completed IO since it slept */
	bool host_busy;             /* ring thread: hosted work is runnable */
	struct swap_io_host host;   /* ring thread: hosted work, run NULL: none */
	unsigned int cq_entries;    /* ring thread: CQ size */
	unsigned int sqe_inflight;  /* ring thread: SQEs not yet reaped */
	unsigned int cmd_inflight;  /* ring thread: of them, commands */
	unsigned int sqe_bytes;     /* ring thread: size of one SQE */
	uint64_t wake_lag_ns;       /* ring thread: usual lateness of a wakeup */
	uint64_t poll_ns;           /* ring thread: idle poll window, 0: none */
	uint64_t contended_until;   /* ring thread: no polling before this */
	struct io_req *pending;     /* ring thread: requests to start, FIFO */
	struct io_req **pending_tail; /* ring thread: end of pending */
	struct io_req *stalled;     /* ring thread: waiting for SQE space */
	struct io_req **stalled_tail; /* ring thread: end of stalled */
	struct io_req **heap;       /* ring thread: timers, min-heap on due */
	size_t heap_nr;             /* ring thread: timers in heap */
	size_t heap_cap;            /* ring thread: heap entries allocated */
	struct io_req *free;        /* ring thread: free requests */
	unsigned int nr_free;       /* ring thread: entries of free */
	struct io_region region[SWAP_IO_MAX_BUFFERS]; /* ring thread */
};

struct swap_io_engine {
	struct swap_io_config cfg;  /* configuration, defaults filled in */
	unsigned int nr_rings;      /* rings started */
	struct io_ring *rings;      /* nr_rings rings */
	_Atomic(struct io_store *) store[SWAP_IO_MAX_STORES]; /* by index */
	/*
	 * Guards the store slots' allocation, areas, region and
	 * next_ring.  Taken before the request pool lock, never by a ring
	 * thread on the IO path.
	 */
	pthread_mutex_t lock;
	struct swap_io_area *areas; /* attached areas */
	struct io_region region[SWAP_IO_MAX_BUFFERS]; /* registered buffers */
	unsigned int next_ring;     /* ring of the next area attached */
	/* Guards free_reqs and chunks; a leaf lock. */
	pthread_mutex_t pool_lock;
	struct io_req *free_reqs;   /* the shared free list */
	void **chunks;              /* request arrays allocated */
	size_t nr_chunks;           /* entries of chunks */
};

struct swap_io_area {
	struct swap_io_engine *e;   /* engine */
	struct io_ring *ring;       /* the ring that serves it */
	struct swap_io_area *next;  /* engine's list, under e->lock */
	const struct swap_extent_map *map; /* slot -> store mapping */
	char *name;                 /* for stats and traces */
	uint64_t bytes;             /* size of the area */
	struct swap_dev *dev;       /* device model */
	struct swap_stat *stat;     /* counters */
	struct swap_trace *trace;   /* IO trace */
	_Atomic uint64_t inflight;  /* submitted, callback not yet returned */
	_Atomic bool closing;       /* detach started: refuse new IO */
	pthread_mutex_t idle_lock;  /* with idle: detach waits for inflight 0 */
	pthread_cond_t idle;        /* signalled when closing and idle */
};

/* engine.c */
uint64_t io_now_ns(void);
struct io_store *io_store_get(struct swap_io_engine *e, int store);
/* Run @fn(ring, @arg) in every ring thread and wait; first error or 0. */
int io_ctl_all(struct swap_io_engine *e, ring_ctl_fn fn, void *arg);
/* The same in ring @ring's thread only. */
int io_ctl_one(struct swap_io_engine *e, unsigned int ring, ring_ctl_fn fn,
	       void *arg);

/* request.c */
struct io_req *io_req_alloc(struct swap_io_engine *e);
void io_req_free(struct io_ring *r, struct io_req *req);
/* Give the ring's private free requests back to the engine's pool. */
void io_req_ring_drain(struct io_ring *r);
int io_req_pool_init(struct swap_io_engine *e);
void io_req_pool_destroy(struct swap_io_engine *e);
/* Hand @req to its ring (directly, through the plug or the inbox). */
void io_req_queue(struct io_ring *r, struct io_req *req);

/* ring.c */
int io_ring_start(struct io_ring *r);
void io_ring_stop(struct io_ring *r);
void io_ring_push(struct io_ring *r, struct io_req *first,
		  struct io_req *last);
/* The ring whose thread is running the caller, or NULL. */
struct io_ring *io_ring_current(void);
void io_ring_piece_done(struct io_ring *r, struct io_piece *p, int res);
/* Start @req at once from a callback of @r; false: queue it instead. */
bool io_ring_start_now(struct io_ring *r, struct io_req *req);
/* Prepare the SQE of passthrough command @arg (a ring_ctl_fn). */
int io_ring_cmd_prep(struct io_ring *r, void *arg);

/* piece.c: split requests along extents and prepare SQEs (ring thread). */
/* Issue as many pieces of @req as fit; false if the ring ran out of SQEs. */
bool io_piece_issue(struct io_ring *r, struct io_req *req);
/* Resubmit @p (after a short transfer or -EAGAIN); false if no SQE. */
bool io_piece_resubmit(struct io_ring *r, struct io_piece *p);
/* Account @res bytes done on @p; true when nothing is left. */
bool io_piece_advance(struct io_piece *p, uint64_t res);
/* Discard @p with the BLKDISCARD ioctl (kernels without the io_uring
 * discard command); returns 0 or -errno. */
int io_piece_blkdiscard(struct io_ring *r, struct io_piece *p);

/* timer.c: the ring's heap of emulated completions (ring thread). */
int io_timer_add(struct io_ring *r, struct io_req *req);
/* The earliest due request if due by @now_ns, removed; else NULL. */
struct io_req *io_timer_pop(struct io_ring *r, uint64_t now_ns);
/* Earliest due time, UINT64_MAX when none. */
uint64_t io_timer_next(const struct io_ring *r);

/* area.c: in-flight references that detach waits for. */
int io_area_get(struct swap_io_area *a);
void io_area_put(struct swap_io_area *a);

/* store.c */
int io_store_open(const char *path, int fd, unsigned int flags,
		  struct io_store **out);
void io_store_close(struct io_store *s);

#endif

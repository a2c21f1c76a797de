/* SPDX-License-Identifier: MIT */
/*
 * Private to fs/: the mounted file system, its areas, open handles and IO
 * requests.  Nothing outside fs/ includes this header.
 *
 * Inode numbers are computed, not allocated: the root, the control
 * directory and its swaps file have fixed numbers; an area with id N owns
 * the FS_INO_PER_AREA numbers from FS_INO_AREA_BASE + N * FS_INO_PER_AREA
 * (its file, its control directory and the files in it).  Ids are never
 * reused within a mount, so a stale inode of a removed area finds nothing.
 *
 * Lock order: fs.lock, then area.rmw_lock, then pool.lock.  The engine's
 * completion callbacks take only area.rmw_lock and pool.lock.
 */
#ifndef SWAPEMU_FS_FS_I_H
#define SWAPEMU_FS_FS_I_H

#define FUSE_USE_VERSION 312

#include <fuse_lowlevel.h>
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "fs/fs.h"
#include "swap/area.h"
#include "swap/extent.h"
#include "swap/header.h"
#include "swap/io/engine.h"

#define FS_MAX_AREAS 32u
#define FS_INO_ROOT FUSE_ROOT_ID
#define FS_INO_CTL 2u	/* .swapemu/ */
#define FS_INO_SWAPS 3u /* .swapemu/swaps */
#define FS_INO_FUSE 4u	/* .swapemu/fuse */
#define FS_INO_AREA_BASE 16u
#define FS_INO_PER_AREA 8u
#define FS_CTL_NAME ".swapemu"

/* Which object of an area an inode names. */
enum fs_node {
	FS_NODE_FILE = 0, /* the area itself */
	FS_NODE_DIR,	  /* .swapemu/<area>/ */
	FS_NODE_STAT,	  /* .swapemu/<area>/stat */
	FS_NODE_SLOTMAP,  /* .swapemu/<area>/slotmap */
	FS_NODE_TRACE,	  /* .swapemu/<area>/trace */
	FS_NODE_DEVICE,	  /* .swapemu/<area>/device */
	FS_NODE_PRIORITY, /* .swapemu/<area>/priority */
	FS_NODE_NR,
};

/* RMW stripes: blocks are grouped FS_STRIPE_BLOCKS at a time, modulo 64. */
#define FS_STRIPE_BLOCKS 16u
#define FS_NR_STRIPES 64u

/* One swap area as a file. */
struct fs_area {
	struct fs *fs;	  /* the mount it belongs to */
	uint64_t id;	  /* inode group, unique within the mount */
	atomic_uint refs; /* table reference + one per open handle */
	/*
	 * fs.lock guards name, meta, unlinked and the sized objects' creation
	 * and destruction (sa, map, io, store stay set once sized until the
	 * last reference is dropped).
	 */
	char name[FS_NAME_MAX + 1]; /* file name at the root of the mount */
	struct fs_meta meta;	    /* size, priority, mode, owner, model */
	bool unlinked;		  /* removed: backing files go with last ref */
	unsigned int nr_open;	  /* open handles of the area file itself */
	struct timespec mtime;	  /* last data or metadata change */
	unsigned int nr_files;	  /* backing files: 1 unless declared, <= 8 */
	int fds[FS_MAX_FILES];	  /* our descriptors; fds[0] holds slot 0 */
	int stores[FS_MAX_FILES]; /* engine store per file, -1 unsized */
	struct swap_area *sa;	  /* swap_map mirror, NULL until sized */
	struct swap_extent_map *map; /* slots -> backing file, one extent */
	struct swap_io_area *io;     /* engine side: model, counters, trace */
	uint8_t uuid[SWAP_HEADER_UUID_LEN]; /* UUID of the last header seen */
	/*
	 * A resize replaces sa, map, io and the stores.  Every IO counts
	 * itself in io_users from before it looks at them until its reply
	 * (fs_area_io_begin/end); a resize sets resizing, waits for io_users
	 * to drain and clears it when done, and IO begun meanwhile fails
	 * with EBUSY.
	 */
	atomic_uint io_users; /* IOs using the sized objects */
	atomic_bool resizing; /* a resize is replacing them */
	/*
	 * rmw_lock guards the RMW stripes of the writes in flight.  A write
	 * that reads back part of a block (read-modify-write) and a punch
	 * hold their stripes alone (rmw_busy): another write's bytes landing
	 * between their read and their write would be lost.  Whole-block
	 * writes cannot lose anyone's bytes and share their stripes
	 * (rmw_shared counts them).  A write takes all its stripes at once
	 * (no order, no deadlock), waiting on rmw_cond; one waiting to hold
	 * stripes alone marks them in rmw_want, and sharers let it go first.
	 */
	pthread_mutex_t rmw_lock;
	pthread_cond_t rmw_cond; /* signalled when stripes are released */
	uint64_t rmw_busy;	 /* bit per stripe held alone */
	uint64_t rmw_want;	 /* bit per stripe a writer waits to hold */
	uint16_t rmw_shared[FS_NR_STRIPES]; /* whole-block writes per stripe */
};

/*
 * One read or write in flight, with its preallocated aligned buffers.  The
 * engine IO covers whole blocks [off, off + len); the user's bytes are
 * [head, head + size) of buf.  A write that does not cover its first or
 * last block reads those blocks into edge[] first (read-modify-write).
 */
struct fs_io {
	struct fs_io *next;   /* free list link (pool.lock) */
	fuse_req_t req;	      /* request to answer */
	struct fs_area *area; /* the handle's area: outlives the request */
	uint64_t off;	      /* aligned byte offset of the engine IO */
	size_t len;	      /* aligned length of the engine IO */
	size_t head;	      /* offset of the user's bytes in buf */
	size_t size;	      /* the user's byte count */
	uint64_t stripes;     /* RMW stripes held, 0 for reads */
	bool shared;	      /* stripes shared: a whole-block write */
	atomic_int pending;   /* edge reads not yet completed */
	atomic_int error;     /* first -errno of an edge read, 0 */
	void *buf;	      /* aligned, buf_len bytes */
	size_t buf_len;	      /* capacity of buf */
	void *edge;	      /* aligned, 2 blocks: first and last block */
	bool pooled;	      /* from the pool, else malloc'ed */
};

/* Free list of fs_io with their buffers. */
struct fs_pool {
	pthread_mutex_t lock; /* guards free and nr_free */
	pthread_cond_t cond;  /* signalled when one is put back */
	struct fs_io *free;   /* available entries */
	unsigned int nr_free; /* entries on the free list */
	struct fs_io *all;    /* the array allocated at setup */
	void *mem;	      /* the buffers, one locked region */
	size_t mem_len;	      /* bytes of mem */
	bool registered;      /* mem is an engine fixed buffer */
	unsigned int nr;      /* entries allocated */
	size_t buf_len;	      /* bytes per buffer */
};

/* FUSE requests over io_uring (fs/ring.c): --fuse-ring. */
enum fs_ring_mode {
	FS_RING_AUTO = 0, /* when the kernel allows it */
	FS_RING_ON,	  /* required: refuse to mount without it */
	FS_RING_OFF,	  /* /dev/fuse only */
};

#define FS_RING_WORKERS 8u /* slow-path workers at most */

struct fs_ring;

/* The mounted file system. */
struct fs {
	char *backing;		       /* backing directory path */
	int dirfd;		       /* open backing directory */
	struct swap_io_engine *engine; /* does all area IO */
	struct fs_pool pool;	       /* IO requests and buffers */
	size_t align;		       /* buffer alignment for the engine */
	/* Guards areas[], next_id and every area's fs.lock fields. */
	pthread_mutex_t lock;
	pthread_cond_t released; /* an area file handle was released */
	struct fs_area *areas[FS_MAX_AREAS]; /* live areas, NULL holes */
	atomic_uint nr_alive;		     /* area objects not yet freed */
	uint64_t next_id;		     /* id of the next area */
	struct timespec started; /* mount time: times of the fixed inodes */
	uid_t uid;		 /* owner of the root and control tree */
	gid_t gid;		 /* its group */
	bool cache_set;		 /* --backing-cache given: */
	enum fs_cache cache;	 /* every area's mode, else its own */
	struct fs_ring *ring;	 /* FUSE over io_uring, NULL: /dev/fuse */
};

/* An open file: an area, or the content of a control file. */
struct fs_handle {
	struct fs_area *area; /* referenced; NULL for .swapemu/swaps */
	enum fs_node node;    /* what was opened */
	char *data;	      /* control file content built at open */
	size_t len;	      /* bytes of data */
};

/* A file of .swapemu/ that belongs to no area. */
static inline bool fs_ino_fixed_file(fuse_ino_t ino)
{
	return ino == FS_INO_SWAPS || ino == FS_INO_FUSE;
}

/* A function ending in _locked checks that its caller holds fs.lock. */
#define fs_assert_locked(fs) assert(pthread_mutex_trylock(&(fs)->lock) == EBUSY)

/* ---- areas (fs/area.c) ---- */
/* fdatasync every backing file of @a.  0 or -errno. */
int fs_area_sync(struct fs_area *a);
int fs_area_create_locked(struct fs *fs, const char *name,
			  const struct fs_meta *m, struct fs_area **out);
int fs_area_load(struct fs *fs, const char *name);
/*
 * Give @a the size @size (0: unsized).  Resizing a sized area reformats
 * it (new header, every slot free, old data dropped) and is refused with
 * EBUSY while handles other than the caller's @own ones stay open (a loop
 * device, a swapon, another process) after a grace second for releases
 * in flight.  Caller holds fs.lock.  0 or -errno.
 */
int fs_area_resize_locked(struct fs_area *a, uint64_t size, unsigned int own);
void fs_area_get(struct fs_area *a);
void fs_area_put(struct fs_area *a);
int fs_area_save_locked(struct fs_area *a);
struct fs_area *fs_area_find_locked(struct fs *fs, const char *name);
struct fs_area *fs_area_by_ino(struct fs *fs, fuse_ino_t ino,
			       enum fs_node *node);
int fs_area_unlink_locked(struct fs_area *a);
int fs_area_rename_locked(struct fs_area *a, const char *name);
int fs_areas_load_all(struct fs *fs);
unsigned int fs_areas_destroy_all(struct fs *fs);
uint64_t fs_area_size(const struct fs_area *a);
void fs_area_header_written(struct fs_area *a, const void *page);
void fs_area_mirror_write(struct fs_area *a, uint64_t off, uint64_t len);
int fs_area_set_model_locked(struct fs_area *a, const char *text, char *err,
			     size_t errlen);
int fs_area_declare(struct fs *fs, const struct fs_spec *sp);
/* Start a new IO trace (on) or stop recording (off); area sized. */
void fs_area_trace_enable(struct fs_area *a, bool on);

static inline void fs_area_io_end(struct fs_area *a)
{
	atomic_fetch_sub(&a->io_users, 1);
}

/* Start an IO on @a's sized objects; false while a resize runs. */
static inline bool fs_area_io_begin(struct fs_area *a)
{
	atomic_fetch_add(&a->io_users, 1);
	if (!atomic_load(&a->resizing))
		return true;
	fs_area_io_end(a);
	return false;
}

static inline fuse_ino_t fs_area_ino(const struct fs_area *a, enum fs_node n)
{
	return FS_INO_AREA_BASE + a->id * FS_INO_PER_AREA + n;
}

/*
 * A block-aligned read or write served straight from a FUSE ring entry's
 * buffer (fs/ring.c), without a pool buffer or a blocking wait.
 */
struct fs_direct {
	struct fs_area *area; /* the handle's area */
	void *buf;	      /* the entry's payload: aligned, registered */
	uint64_t off;	      /* byte offset, a multiple of 4096 */
	size_t len;	      /* bytes, a multiple of 4096 */
	uint64_t stripes;     /* RMW stripes a write holds */
	/* The result: bytes or -errno.  Runs in the engine's ring thread. */
	void (*done)(struct fs_direct *d, int64_t res);
};

/* ---- IO (fs/io.c) ---- */
int fs_pool_init(struct fs_pool *p, unsigned int nr, size_t buf_len,
		 size_t align);
void fs_pool_fini(struct fs_pool *p);
int fs_io_read(fuse_req_t req, struct fs_area *a, size_t size, off_t off);
int fs_io_write(fuse_req_t req, struct fs_area *a, const char *data,
		size_t size, off_t off);
int fs_io_punch(struct fs_area *a, uint64_t off, uint64_t len);
/*
 * Queue @d (area, buf, off, len set) without blocking: 0 when queued
 * (@d->done reports), -EAGAIN when the request needs the general path of
 * fs_io_read/fs_io_write (unaligned, past the end, an area being resized,
 * RMW stripes held by another write), else -errno.
 */
int fs_io_read_direct(struct fs_direct *d);
int fs_io_write_direct(struct fs_direct *d);

/* ---- control tree (fs/ctl.c) ---- */
/* Content of @a's control file @node, or with @a NULL of the fixed file
 * @ino (swaps, fuse). */
int fs_ctl_build(struct fs *fs, struct fs_area *a, enum fs_node node,
		 fuse_ino_t ino, char **data, size_t *len);
int fs_ctl_write(struct fs_area *a, enum fs_node node, const char *buf,
		 size_t size);
const char *fs_ctl_node_name(enum fs_node node);
int fs_ctl_node_parse(const char *name, enum fs_node *node);

/* ---- FUSE over io_uring (fs/ring.c) ---- */
const char *fs_ring_mode_name(enum fs_ring_mode m);
int fs_ring_mode_parse(const char *s, enum fs_ring_mode *out);
bool fs_ring_kernel_enabled(void);
/* -EOPNOTSUPP, said on stderr, when @mode is on and the kernel does not
 * allow it; else 0. */
int fs_ring_check(enum fs_ring_mode mode);
/*
 * Prepare the ring for @se (mounted, loop not started; engine up): its
 * entries (payloads of @max_io bytes), @workers slow-path threads and the
 * hooks that switch the connection over at INIT.  0 also when @mode is
 * auto and the kernel does not allow it; -EOPNOTSUPP when it is on.
 */
int fs_ring_setup(struct fs *fs, struct fuse_session *se,
		  enum fs_ring_mode mode, unsigned int workers, size_t max_io);
void fs_ring_stop(struct fs *fs);
void fs_ring_unregister(struct fs *fs);
void fs_ring_destroy(struct fs *fs);
/* "transport ..." lines for .swapemu/fuse; bytes as snprintf. */
int fs_ring_describe(const struct fs *fs, char *buf, size_t len);

/* ---- operations (fs/ops.c) ---- */
/* A session serving @fs with the handlers of fs/ops.c; NULL on error. */
struct fuse_session *fs_session_new(struct fuse_args *args, struct fs *fs);

#endif

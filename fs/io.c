/* SPDX-License-Identifier: MIT */
/*
 * Byte-exact reads and writes of an area on top of the block-only engine.
 *
 * Reads cover the whole blocks around the request and reply from the
 * engine's completion.  Writes first take the RMW stripes of their blocks
 * (see struct fs_area) all at once under one mutex, so no lock order
 * exists to get wrong: a write covering whole blocks shares them, one that
 * covers part of its first or last block holds them alone, so two writes
 * to the same block never interleave a read-back and a write.  A partial
 * block is read into the request's edge buffer, merged around the user's
 * bytes in the completion, and the whole run is written from there; the
 * write's completion updates the slot map mirror, gives the stripes back
 * and replies.
 *
 * Every buffer comes from a pool allocated (and locked by mlockall) at
 * mount, so the IO path does not allocate while the kernel swaps through
 * us; a request larger than a pool buffer (never sent with the default
 * max_write) falls back to malloc.  Requests that arrive over the FUSE
 * ring (fs/ring.c) and cover whole blocks skip the pool: the engine reads
 * into and writes from the ring entry itself (fs_io_*_direct).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs_i.h"

#define BLK SWAP_IO_BLOCK

static inline uint64_t blk_down(uint64_t x)
{
	return x & ~(uint64_t)(BLK - 1);
}

static inline uint64_t blk_up(uint64_t x)
{
	return blk_down(x + BLK - 1);
}

int fs_pool_init(struct fs_pool *p, unsigned int nr, size_t buf_len,
		 size_t align)
{
	size_t each = buf_len + 2 * BLK;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->all = calloc(nr, sizeof(*p->all));
	if (!p->all)
		return -ENOMEM;
	if (posix_memalign(&p->mem, align, each * nr)) {
		free(p->all);
		return -ENOMEM;
	}
	memset(p->mem, 0, each * nr);
	p->mem_len = each * nr;
	for (unsigned int i = 0; i < nr; i++) {
		struct fs_io *io = &p->all[i];

		io->buf = (char *)p->mem + i * each;
		io->buf_len = buf_len;
		io->edge = (char *)io->buf + buf_len;
		io->pooled = true;
		io->next = p->free;
		p->free = io;
	}
	p->nr = p->nr_free = nr;
	p->buf_len = buf_len;
	return 0;
}

void fs_pool_fini(struct fs_pool *p)
{
	free(p->mem);
	free(p->all);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
}

/*
 * An fs_io with room for @len bytes: from the pool, waiting for one to come
 * back if all are in flight (completions never wait on us); malloc'ed when
 * @len exceeds a pool buffer.  NULL only when that malloc fails.
 */
static struct fs_io *io_get(struct fs_pool *p, size_t len, size_t align)
{
	struct fs_io *io;

	if (len > p->buf_len) {
		io = calloc(1, sizeof(*io));
		if (!io)
			return NULL;
		if (posix_memalign(&io->buf, align, len + 2 * BLK)) {
			free(io);
			return NULL;
		}
		io->buf_len = len;
		io->edge = (char *)io->buf + len;
		return io;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->free)
		pthread_cond_wait(&p->cond, &p->lock);
	io = p->free;
	p->free = io->next;
	p->nr_free--;
	pthread_mutex_unlock(&p->lock);
	return io;
}

static void io_put(struct fs_pool *p, struct fs_io *io)
{
	if (!io->pooled) {
		free(io->buf);
		free(io);
		return;
	}
	pthread_mutex_lock(&p->lock);
	io->next = p->free;
	p->free = io;
	p->nr_free++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/*
 * A request for bytes [@off, @off + @size) of @a: its buffer covers the
 * whole 4 KiB blocks around them (io->off, io->len) and io->head says
 * where the bytes start in it.  NULL when the pool is out of memory.
 */
static struct fs_io *io_get_span(struct fs_area *a, fuse_req_t req,
				 uint64_t off, size_t size)
{
	uint64_t start = blk_down(off), end = blk_up(off + size);
	struct fs_io *io = io_get(&a->fs->pool, end - start, a->fs->align);

	if (!io)
		return NULL;
	io->req = req;
	io->area = a;
	io->off = start;
	io->len = end - start;
	io->head = off - start;
	io->size = size;
	return io;
}

/* Stripes covering blocks of [off, off + len), as a bit mask. */
static uint64_t io_stripes(uint64_t off, uint64_t len)
{
	uint64_t first = off / BLK / FS_STRIPE_BLOCKS;
	uint64_t last = (off + len - 1) / BLK / FS_STRIPE_BLOCKS;
	uint64_t mask = 0;

	for (uint64_t g = first; g <= last && g - first < FS_NR_STRIPES; g++)
		mask |= 1ull << (g % FS_NR_STRIPES);
	return mask;
}

/* Does a whole-block write hold one of the stripes of @mask? */
static bool stripes_shared(const struct fs_area *a, uint64_t mask)
{
	for (; mask; mask &= mask - 1)
		if (a->rmw_shared[__builtin_ctzll(mask)])
			return true;
	return false;
}

/* Hold the stripes of @mask alone (read-modify-write, punch). */
static void stripes_take(struct fs_area *a, uint64_t mask)
{
	pthread_mutex_lock(&a->rmw_lock);
	while ((a->rmw_busy & mask) || stripes_shared(a, mask)) {
		a->rmw_want |= mask;
		pthread_cond_wait(&a->rmw_cond, &a->rmw_lock);
	}
	a->rmw_want &= ~mask;
	a->rmw_busy |= mask;
	pthread_mutex_unlock(&a->rmw_lock);
}

static void stripes_count(struct fs_area *a, uint64_t mask, int by)
{
	for (; mask; mask &= mask - 1)
		a->rmw_shared[__builtin_ctzll(mask)] += by;
}

/* Share the stripes of @mask (a whole-block write); @wait: until they
 * can be, else give up at once.  True when taken. */
static bool stripes_share(struct fs_area *a, uint64_t mask, bool wait)
{
	bool ok;

	pthread_mutex_lock(&a->rmw_lock);
	for (;;) {
		ok = !((a->rmw_busy | a->rmw_want) & mask);
		if (ok || !wait)
			break;
		pthread_cond_wait(&a->rmw_cond, &a->rmw_lock);
	}
	if (ok)
		stripes_count(a, mask, 1);
	pthread_mutex_unlock(&a->rmw_lock);
	return ok;
}

static void stripes_give(struct fs_area *a, uint64_t mask, bool shared)
{
	pthread_mutex_lock(&a->rmw_lock);
	if (shared)
		stripes_count(a, mask, -1);
	else
		a->rmw_busy &= ~mask;
	pthread_cond_broadcast(&a->rmw_cond);
	pthread_mutex_unlock(&a->rmw_lock);
}

static void read_done(void *ctx, int64_t res)
{
	struct fs_io *io = ctx;
	struct fs_pool *pool = &io->area->fs->pool;

	if (res < 0)
		fuse_reply_err(io->req, (int)-res);
	else
		fuse_reply_buf(io->req, (char *)io->buf + io->head, io->size);
	fs_area_io_end(io->area);
	io_put(pool, io);
}

/* 1: queued (read_done ends it), 0: already answered, or -errno. */
static int io_read(fuse_req_t req, struct fs_area *a, size_t size, off_t off)
{
	uint64_t asize = fs_area_size(a), start;
	struct fs_io *io;
	int rc;

	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= asize || !size)
		return fuse_reply_buf(req, NULL, 0), 0;
	if (size > asize - (uint64_t)off)
		size = asize - (uint64_t)off;
	io = io_get_span(a, req, (uint64_t)off, size);
	if (!io)
		return -ENOMEM;
	start = io->off;
	rc = swap_io_read(a->io, start, io->buf, io->len, read_done, io);
	if (rc)
		io_put(&a->fs->pool, io);
	return rc ? rc : 1;
}

int fs_io_read(fuse_req_t req, struct fs_area *a, size_t size, off_t off)
{
	int rc;

	if (!fs_area_io_begin(a))
		return -EBUSY;
	rc = io_read(req, a, size, off);
	if (rc <= 0)
		fs_area_io_end(a);
	return rc < 0 ? rc : 0;
}

/* Whole blocks [@off, @off + @len) of @a now hold @buf: mirror them. */
static void write_landed(struct fs_area *a, uint64_t off, uint64_t len,
			 const void *buf)
{
	fs_area_mirror_write(a, off, len);
	if (off == 0)
		fs_area_header_written(a, buf);
	clock_gettime(CLOCK_REALTIME, &a->mtime);
}

/* The write itself finished: mirror, unlock, reply. */
static void write_done(void *ctx, int64_t res)
{
	struct fs_io *io = ctx;
	struct fs_area *a = io->area;
	struct fs_pool *pool = &a->fs->pool;

	if (res >= 0)
		write_landed(a, io->off, io->len, io->buf);
	stripes_give(a, io->stripes, io->shared);
	if (res < 0)
		fuse_reply_err(io->req, (int)-res);
	else
		fuse_reply_write(io->req, io->size);
	fs_area_io_end(a);
	io_put(pool, io);
}

/* Fail a write before its engine write was queued. */
static void write_abort(struct fs_io *io, int err)
{
	struct fs_pool *pool = &io->area->fs->pool;

	stripes_give(io->area, io->stripes, io->shared);
	fuse_reply_err(io->req, -err);
	fs_area_io_end(io->area);
	io_put(pool, io);
}

/* Copy the old bytes around the user's from the edge blocks. */
static void write_merge(struct fs_io *io)
{
	char *buf = io->buf, *edge = io->edge;
	size_t tail = io->head + io->size;

	if (io->head)
		memcpy(buf, edge, io->head);
	if (tail == io->len)
		return;
	if (io->len == BLK) /* first and last block are one */
		memcpy(buf + tail, edge + tail, BLK - tail);
	else
		memcpy(buf + tail, edge + BLK + (tail - (io->len - BLK)),
		       io->len - tail);
}

static void write_submit(struct fs_io *io)
{
	int rc = swap_io_write(io->area->io, io->off, io->buf, io->len,
			       write_done, io);

	if (rc)
		write_abort(io, rc);
}

/* An edge block read for read-modify-write completed. */
static void edge_done(void *ctx, int64_t res)
{
	struct fs_io *io = ctx;

	if (res < 0) {
		int expected = 0;

		atomic_compare_exchange_strong(&io->error, &expected, (int)res);
	}
	if (atomic_fetch_sub(&io->pending, 1) != 1)
		return;
	if (atomic_load(&io->error)) {
		write_abort(io, atomic_load(&io->error));
		return;
	}
	write_merge(io);
	write_submit(io);
}

/* Read the partial first and/or last block of @io into its edge buffer. */
static void write_read_edges(struct fs_io *io)
{
	bool first = io->head != 0;
	bool last = io->head + io->size != io->len;
	uint64_t last_off = io->off + io->len - BLK;
	struct swap_io_area *sio = io->area->io;
	int rc;

	if (io->len == BLK)
		last = false, first = true;
	atomic_init(&io->error, 0);
	atomic_init(&io->pending, (first ? 1 : 0) + (last ? 1 : 0) + 1);
	if (first) {
		rc = swap_io_read(sio, io->off, io->edge, BLK, edge_done, io);
		if (rc)
			edge_done(io, rc);
	}
	if (last) {
		rc = swap_io_read(sio, last_off, (char *)io->edge + BLK, BLK,
				  edge_done, io);
		if (rc)
			edge_done(io, rc);
	}
	edge_done(io, 0); /* drop the submitter's count */
}

/* 1: queued (write_done or write_abort ends it), 0: answered, -errno. */
static int io_write(fuse_req_t req, struct fs_area *a, const char *data,
		    size_t size, off_t off)
{
	uint64_t asize = fs_area_size(a), start;
	struct fs_io *io;

	if (off < 0)
		return -EINVAL;
	if ((uint64_t)off >= asize)
		return size ? -EFBIG : (fuse_reply_write(req, 0), 0);
	if (size > asize - (uint64_t)off)
		size = asize - (uint64_t)off; /* short write up to the end */
	if (!size)
		return fuse_reply_write(req, 0), 0;
	io = io_get_span(a, req, (uint64_t)off, size);
	if (!io)
		return -ENOMEM;
	start = io->off;
	memcpy((char *)io->buf + io->head, data, size);
	io->stripes = io_stripes(start, io->len);
	io->shared = !io->head && io->head + size == io->len;
	if (!io->shared) {
		stripes_take(a, io->stripes);
		write_read_edges(io);
	} else {
		stripes_share(a, io->stripes, true);
		write_submit(io);
	}
	return 1;
}

int fs_io_write(fuse_req_t req, struct fs_area *a, const char *data,
		size_t size, off_t off)
{
	int rc;

	if (!fs_area_io_begin(a))
		return -EBUSY;
	rc = io_write(req, a, data, size, off);
	if (rc <= 0)
		fs_area_io_end(a);
	return rc < 0 ? rc : 0;
}

/* Zero [off, off + len) inside one block, synchronously (stripes held). */
static int punch_partial(struct fs_area *a, struct fs_io *io, uint64_t off,
			 uint64_t len)
{
	uint64_t blk = blk_down(off);
	int64_t n;

	n = swap_io_sync(a->io, SWAP_IO_READ, blk, io->buf, BLK);
	if (n < 0)
		return (int)n;
	memset((char *)io->buf + (off - blk), 0, len);
	n = swap_io_sync(a->io, SWAP_IO_WRITE, blk, io->buf, BLK);
	return n < 0 ? (int)n : 0;
}

/*
 * fallocate(PUNCH_HOLE): whole blocks are discarded in the engine (the
 * backing range is punched) and their slots freed in the mirror; partial
 * blocks at either end are zeroed.  Synchronous: runs in a FUSE worker.
 */
static int io_punch(struct fs_area *a, uint64_t off, uint64_t len)
{
	uint64_t asize = fs_area_size(a), end, in_start, in_end;
	struct fs_io *io;
	int rc = 0;

	if (off >= asize || !len)
		return 0;
	end = off + len > asize || off + len < off ? asize : off + len;
	in_start = blk_up(off);
	in_end = blk_down(end);
	io = io_get(&a->fs->pool, BLK, a->fs->align);
	if (!io)
		return -ENOMEM;
	io->stripes = io_stripes(blk_down(off), blk_up(end) - blk_down(off));
	stripes_take(a, io->stripes);
	if (in_start >= in_end) {
		rc = punch_partial(a, io, off, end - off);
		goto out_unlock;
	}
	if (off < in_start)
		rc = punch_partial(a, io, off, in_start - off);
	if (!rc && end > in_end)
		rc = punch_partial(a, io, in_end, end - in_end);
	if (!rc) {
		int64_t n = swap_io_sync(a->io, SWAP_IO_DISCARD, in_start, NULL,
					 in_end - in_start);

		rc = n < 0 ? (int)n : 0;
	}
	if (!rc) {
		uint64_t first = in_start / BLK, nr = (in_end - in_start) / BLK;

		if (first == 0)
			first++, nr--;
		if (nr)
			swap_area_release(a->sa, first, nr);
	}
out_unlock:
	stripes_give(a, io->stripes, false);
	io_put(&a->fs->pool, io);
	return rc;
}

int fs_io_punch(struct fs_area *a, uint64_t off, uint64_t len)
{
	int rc;

	if (!fs_area_io_begin(a))
		return -EBUSY;
	rc = io_punch(a, off, len);
	fs_area_io_end(a);
	return rc;
}

/* Whole blocks inside the area, and an area not being resized. */
static int direct_begin(struct fs_direct *d)
{
	struct fs_area *a = d->area;

	if (!d->len || (d->off | d->len) & (BLK - 1))
		return -EAGAIN;
	if (!fs_area_io_begin(a))
		return -EAGAIN;
	if (d->off >= fs_area_size(a) || d->len > fs_area_size(a) - d->off) {
		fs_area_io_end(a);
		return -EAGAIN;
	}
	return 0;
}

static void direct_read_done(void *ctx, int64_t res)
{
	struct fs_direct *d = ctx;

	fs_area_io_end(d->area);
	d->done(d, res);
}

int fs_io_read_direct(struct fs_direct *d)
{
	int rc = direct_begin(d);

	if (rc)
		return rc;
	rc = swap_io_read(d->area->io, d->off, d->buf, d->len, direct_read_done,
			  d);
	if (rc)
		fs_area_io_end(d->area);
	return rc;
}

static void direct_write_done(void *ctx, int64_t res)
{
	struct fs_direct *d = ctx;
	struct fs_area *a = d->area;

	if (res >= 0)
		write_landed(a, d->off, d->len, d->buf);
	stripes_give(a, d->stripes, true);
	fs_area_io_end(a);
	d->done(d, res);
}

int fs_io_write_direct(struct fs_direct *d)
{
	int rc = direct_begin(d);

	if (rc)
		return rc;
	d->stripes = io_stripes(d->off, d->len);
	if (!stripes_share(d->area, d->stripes, false)) {
		fs_area_io_end(d->area);
		return -EAGAIN;
	}
	rc = swap_io_write(d->area->io, d->off, d->buf, d->len,
			   direct_write_done, d);
	if (rc) {
		stripes_give(d->area, d->stripes, true);
		fs_area_io_end(d->area);
	}
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * Requests: the pool they come from, the submit functions that check and
 * queue them, plugging, and the synchronous wrapper.
 *
 * The pool is a free list under a mutex, grown REQ_CHUNK requests at a
 * time and never shrunk.  A ring thread keeps the requests it frees (up to
 * RING_FREE_MAX) and reuses them for submissions made from callbacks, so
 * the common resubmit-from-completion path takes no lock.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "swap/io/io_i.h"
#include "swap/io/stat.h"

#define PLUG_RINGS 8 /* distinct rings one plug holds at once */

/* A thread's plugged submissions, per ring. */
struct io_plug {
	unsigned int depth; /* nesting of swap_io_plug() */
	unsigned int nr;    /* rings in q */
	struct {
		struct io_ring *r;   /* target ring */
		struct io_req *first; /* held requests, in order */
		struct io_req *last;
	} q[PLUG_RINGS];
};

static __thread struct io_plug tls_plug;

/* Add REQ_CHUNK requests to the pool; pool_lock held. */
static int pool_grow_locked(struct swap_io_engine *e)
{
	struct io_req *reqs = calloc(REQ_CHUNK, sizeof(*reqs));
	void **chunks = realloc(e->chunks, (e->nr_chunks + 1) * sizeof(*chunks));

	if (chunks)
		e->chunks = chunks;
	if (!reqs || !chunks) {
		free(reqs);
		return -ENOMEM;
	}
	e->chunks[e->nr_chunks++] = reqs;
	for (unsigned int i = 0; i < REQ_CHUNK; i++) {
		reqs[i].next = e->free_reqs;
		e->free_reqs = &reqs[i];
	}
	return 0;
}

int io_req_pool_init(struct swap_io_engine *e)
{
	int rc = 0;

	pthread_mutex_lock(&e->pool_lock);
	for (unsigned int n = 0; n < e->cfg.nr_reqs && !rc; n += REQ_CHUNK)
		rc = pool_grow_locked(e);
	pthread_mutex_unlock(&e->pool_lock);
	return rc;
}

void io_req_pool_destroy(struct swap_io_engine *e)
{
	for (size_t i = 0; i < e->nr_chunks; i++)
		free(e->chunks[i]);
	free(e->chunks);
	e->chunks = NULL;
	e->nr_chunks = 0;
	e->free_reqs = NULL;
}

static struct io_req *pool_take(struct swap_io_engine *e)
{
	struct io_req *req;

	pthread_mutex_lock(&e->pool_lock);
	if (!e->free_reqs)
		pool_grow_locked(e);
	req = e->free_reqs;
	if (req)
		e->free_reqs = req->next;
	pthread_mutex_unlock(&e->pool_lock);
	return req;
}

struct io_req *io_req_alloc(struct swap_io_engine *e)
{
	struct io_ring *r = io_ring_current();
	struct io_req *req;

	if (r && r->e == e && r->free) {
		req = r->free;
		r->free = req->next;
		r->nr_free--;
	} else {
		req = pool_take(e);
		if (!req)
			return NULL;
	}
	memset(req, 0, sizeof(*req));
	return req;
}

/* Move the ring's first @n free requests to the shared pool. */
static void ring_give_back(struct io_ring *r, unsigned int n)
{
	struct swap_io_engine *e = r->e;
	struct io_req *req;

	pthread_mutex_lock(&e->pool_lock);
	while (n-- && (req = r->free)) {
		r->free = req->next;
		r->nr_free--;
		req->next = e->free_reqs;
		e->free_reqs = req;
	}
	pthread_mutex_unlock(&e->pool_lock);
}

void io_req_free(struct io_ring *r, struct io_req *req)
{
	if (req->iov != req->iov_inline)
		free(req->iov);
	req->next = r->free;
	r->free = req;
	if (++r->nr_free > RING_FREE_MAX)
		ring_give_back(r, RING_FREE_MAX / 2);
}

void io_req_ring_drain(struct io_ring *r)
{
	ring_give_back(r, UINT_MAX);
}

/* Flush one ring's plugged requests. */
static void plug_flush(unsigned int i)
{
	io_ring_push(tls_plug.q[i].r, tls_plug.q[i].first, tls_plug.q[i].last);
	tls_plug.q[i].first = tls_plug.q[i].last = NULL;
}

static void plug_flush_all(void)
{
	for (unsigned int i = 0; i < tls_plug.nr; i++)
		plug_flush(i);
	tls_plug.nr = 0;
}

/* Hold @req in the thread's plug, in order per ring. */
static void plug_add(struct io_ring *r, struct io_req *req)
{
	unsigned int i;

	for (i = 0; i < tls_plug.nr && tls_plug.q[i].r != r; i++)
		;
	if (i == PLUG_RINGS) {
		plug_flush_all();
		i = 0;
	}
	if (i == tls_plug.nr) {
		tls_plug.q[i].r = r;
		tls_plug.q[i].first = NULL;
		tls_plug.nr++;
	}
	/* The inbox is a stack: keep the plug newest first, like it. */
	req->next = NULL;
	if (!tls_plug.q[i].first)
		tls_plug.q[i].last = req;
	req->next = tls_plug.q[i].first;
	tls_plug.q[i].first = req;
}

void io_req_queue(struct io_ring *r, struct io_req *req)
{
	req->next = NULL;
	if (io_ring_current() == r) {
		if (!req->ctl && io_ring_start_now(r, req))
			return;
		*r->pending_tail = req;
		r->pending_tail = &req->next;
	} else if (tls_plug.depth) {
		plug_add(r, req);
	} else {
		io_ring_push(r, req, req);
	}
}

void swap_io_plug(void)
{
	tls_plug.depth++;
}

void swap_io_unplug(void)
{
	if (tls_plug.depth && !--tls_plug.depth)
		plug_flush_all();
}

/* Check an IO against its area; 0 or -EINVAL / -ERANGE. */
static int submit_check(const struct swap_io_area *a, uint64_t off,
			uint64_t len)
{
	if (!len || off % SWAP_IO_BLOCK || len % SWAP_IO_BLOCK)
		return -EINVAL;
	if (off > a->bytes || len > a->bytes - off)
		return -ERANGE;
	return 0;
}

/* Copy the caller's iovec array into @req.  0 or -ENOMEM. */
static int submit_copy_iov(struct io_req *req, const struct iovec *iov,
			   int iovcnt)
{
	req->iov = req->iov_inline;
	if (iovcnt > REQ_INLINE_IOVS) {
		req->iov = malloc((size_t)iovcnt * sizeof(*iov));
		if (!req->iov) {
			req->iov = req->iov_inline;
			return -ENOMEM;
		}
	}
	if (iovcnt)
		memcpy(req->iov, iov, (size_t)iovcnt * sizeof(*iov));
	req->iovcnt = iovcnt;
	return 0;
}

/* A ring thread (a callback, hosted work) serves what it submits; other
 * threads hand their IO to the area's ring. */
static struct io_ring *submit_ring(const struct swap_io_area *a)
{
	struct io_ring *r = io_ring_current();

	return r && r->e == a->e ? r : a->ring;
}

/* Queue one operation; see engine.h for the contract. */
static int submit(struct swap_io_area *a, enum swap_io_op op, uint64_t off,
		  uint64_t len, const struct iovec *iov, int iovcnt,
		  swap_io_done_fn done, void *ctx)
{
	struct io_req *req;
	int rc = submit_check(a, off, len);

	if (rc || !done)
		return rc ? rc : -EINVAL;
	rc = io_area_get(a);
	if (rc)
		return rc;
	req = io_req_alloc(a->e);
	rc = req ? submit_copy_iov(req, iov, iovcnt) : -ENOMEM;
	if (rc)
		goto out_put;
	req->area = a;
	req->op = op;
	req->off = off;
	req->len = len;
	req->done = done;
	req->ctx = ctx;
	req->submit_ns = io_now_ns();
	swap_stat_start(a->stat, op);
	io_req_queue(submit_ring(a), req);
	return 0;
out_put:
	if (req) {
		req->next = NULL;
		pthread_mutex_lock(&a->e->pool_lock);
		req->next = a->e->free_reqs;
		a->e->free_reqs = req;
		pthread_mutex_unlock(&a->e->pool_lock);
	}
	io_area_put(a);
	return rc;
}

/* Total bytes of an iovec array; 0 when invalid. */
static uint64_t iov_bytes(const struct iovec *iov, int iovcnt)
{
	uint64_t n = 0;

	if (!iov || iovcnt <= 0 || iovcnt > IOV_MAX)
		return 0;
	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

int swap_io_read(struct swap_io_area *a, uint64_t off, void *buf, size_t len,
		 swap_io_done_fn done, void *ctx)
{
	struct iovec v = { buf, len };

	return submit(a, SWAP_IO_READ, off, len, &v, 1, done, ctx);
}

int swap_io_write(struct swap_io_area *a, uint64_t off, const void *buf,
		  size_t len, swap_io_done_fn done, void *ctx)
{
	struct iovec v = { (void *)buf, len };

	return submit(a, SWAP_IO_WRITE, off, len, &v, 1, done, ctx);
}

int swap_io_readv(struct swap_io_area *a, uint64_t off,
		  const struct iovec *iov, int iovcnt, swap_io_done_fn done,
		  void *ctx)
{
	return submit(a, SWAP_IO_READ, off, iov_bytes(iov, iovcnt), iov,
		      iovcnt, done, ctx);
}

int swap_io_writev(struct swap_io_area *a, uint64_t off,
		   const struct iovec *iov, int iovcnt, swap_io_done_fn done,
		   void *ctx)
{
	return submit(a, SWAP_IO_WRITE, off, iov_bytes(iov, iovcnt), iov,
		      iovcnt, done, ctx);
}

int swap_io_discard(struct swap_io_area *a, uint64_t off, uint64_t len,
		    swap_io_done_fn done, void *ctx)
{
	return submit(a, SWAP_IO_DISCARD, off, len, NULL, 0, done, ctx);
}

/* A caller waiting for one completion. */
struct io_waiter {
	pthread_mutex_t lock; /* guards done and res */
	pthread_cond_t cond;  /* signalled when done */
	bool done;            /* the callback ran */
	int64_t res;          /* its result */
};

static void waiter_done(void *ctx, int64_t res)
{
	struct io_waiter *w = ctx;

	pthread_mutex_lock(&w->lock);
	w->res = res;
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static int64_t waiter_wait(struct io_waiter *w)
{
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	return w->res;
}

int64_t swap_io_sync(struct swap_io_area *a, enum swap_io_op op,
		     uint64_t off, void *buf, size_t len)
{
	struct io_waiter w = { .lock = PTHREAD_MUTEX_INITIALIZER,
			       .cond = PTHREAD_COND_INITIALIZER };
	struct iovec v = { buf, len };
	unsigned int depth = tls_plug.depth;
	int rc;

	if (io_ring_current())
		return -EDEADLK;
	if (op >= SWAP_IO_NR_OPS)
		return -EINVAL;
	tls_plug.depth = 0; /* a plugged sync request would never run */
	rc = submit(a, op, off, len, &v, op == SWAP_IO_DISCARD ? 0 : 1,
		    waiter_done, &w);
	tls_plug.depth = depth;
	return rc ? rc : waiter_wait(&w);
}

/* Send control message @fn(@arg) to @r; @done(@ctx) gets its result. */
static int ctl_push(struct io_ring *r, ring_ctl_fn fn, void *arg,
		    swap_io_done_fn done, void *ctx)
{
	struct io_req *req = io_req_alloc(r->e);

	if (!req)
		return -ENOMEM;
	req->ctl = fn;
	req->ctl_arg = arg;
	req->done = done;
	req->ctx = ctx;
	io_ring_push(r, req, req);
	return 0;
}

int io_ctl_one(struct swap_io_engine *e, unsigned int ring, ring_ctl_fn fn,
	       void *arg)
{
	struct io_waiter w = { .lock = PTHREAD_MUTEX_INITIALIZER,
			       .cond = PTHREAD_COND_INITIALIZER };
	int rc;

	if (io_ring_current())
		return -EDEADLK;
	if (ring >= e->nr_rings)
		return -EINVAL;
	rc = ctl_push(&e->rings[ring], fn, arg, waiter_done, &w);
	return rc ? rc : (int)waiter_wait(&w);
}

int io_ctl_all(struct swap_io_engine *e, ring_ctl_fn fn, void *arg)
{
	int rc = 0, r1;

	for (unsigned int i = 0; i < e->nr_rings; i++) {
		r1 = io_ctl_one(e, i, fn, arg);
		if (r1 == -ENOMEM || r1 == -EDEADLK)
			return r1;
		if (r1 && !rc)
			rc = r1;
	}
	return rc;
}

int swap_io_cmd_submit(struct swap_io_engine *e, unsigned int ring,
		       struct swap_io_cmd *cmd)
{
	struct io_ring *r;

	if (ring >= e->nr_rings)
		return -EINVAL;
	r = &e->rings[ring];
	if (io_ring_current() == r)
		return io_ring_cmd_prep(r, cmd);
	return ctl_push(r, io_ring_cmd_prep, cmd, NULL, NULL);
}

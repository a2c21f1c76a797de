/* SPDX-License-Identifier: MIT */
/*
 * Pieces: a request split along the area's extents (and, for long iovec
 * lists, along PIECE_IOVS entries), each piece one SQE on one store.  A
 * request keeps at most REQ_PIECES pieces in flight and issues the next
 * when one completes.  Runs in the ring thread only.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>

#include "swap/extent.h"
#include "swap/io/io_i.h"
#include "swap/io/trace.h"

/* io_uring command of the block layer: discard (Linux 6.12). */
#define PIECE_BLOCK_CMD_DISCARD _IO(0x12, 0)

/* Take up to @len bytes of the request's memory into @p; returns bytes. */
static uint64_t piece_take_iov(struct io_req *req, struct io_piece *p,
			       uint64_t len)
{
	uint64_t got = 0, n;
	const struct iovec *v;

	p->nr_iov = 0;
	while (got < len && p->nr_iov < PIECE_IOVS &&
	       req->iov_idx < (unsigned int)req->iovcnt) {
		v = &req->iov[req->iov_idx];
		n = v->iov_len - req->iov_off;
		if (n > len - got)
			n = len - got;
		p->iov[p->nr_iov].iov_base = (char *)v->iov_base + req->iov_off;
		p->iov[p->nr_iov].iov_len = n;
		p->nr_iov++;
		got += n;
		req->iov_off += n;
		if (req->iov_off == v->iov_len) {
			req->iov_idx++;
			req->iov_off = 0;
		}
	}
	return got;
}

/* Can the piece use the O_DIRECT descriptor? */
static bool piece_direct_ok(const struct io_store *s, const struct io_piece *p)
{
	if (s->fd_direct < 0 || p->off % s->off_align || p->len % s->off_align)
		return false;
	for (unsigned int i = 0; i < p->nr_iov; i++)
		if ((uintptr_t)p->iov[i].iov_base % s->mem_align ||
		    p->iov[i].iov_len % s->off_align)
			return false;
	return true;
}

/* The registered buffer holding the piece's only iovec, or -1. */
static int piece_buffer(const struct io_ring *r, const struct io_piece *p)
{
	uintptr_t a = (uintptr_t)p->iov[0].iov_base;

	if (!r->fixed_bufs || p->nr_iov != 1)
		return -1;
	for (int i = 0; i < (int)SWAP_IO_MAX_BUFFERS; i++)
		if (r->region[i].base && a >= r->region[i].base &&
		    a + p->iov[0].iov_len <= r->region[i].base + r->region[i].len)
			return i;
	return -1;
}

/* Fill @p with the next run of @req.  0 or -ENXIO for an unmapped slot. */
static int piece_fill(struct io_ring *r, struct io_req *req,
		      struct io_piece *p)
{
	uint64_t pos = req->off + req->issued, in = pos % SWAP_IO_BLOCK;
	uint64_t left = req->len - req->issued, len;
	struct swap_extent ext;
	struct io_store *s;

	if (swap_extent_map_range(req->area->map, pos / SWAP_IO_BLOCK,
				  (left + in + SWAP_IO_BLOCK - 1) / SWAP_IO_BLOCK,
				  &ext))
		return -ENXIO;
	s = io_store_get(r->e, ext.store);
	if (!s)
		return -ENXIO;
	len = ext.nr_slots * SWAP_IO_BLOCK - in;
	if (len > left)
		len = left;
	memset(p, 0, sizeof(*p));
	p->req = req;
	p->store = ext.store;
	p->off = ext.start_byte + in;
	if (req->op != SWAP_IO_DISCARD)
		len = piece_take_iov(req, p, len);
	p->len = len;
	req->issued += len;
	p->direct = req->op != SWAP_IO_DISCARD && piece_direct_ok(s, p);
	p->buf_index = piece_buffer(r, p);
	return 0;
}

/* Room for one more SQE: under the CQ bound and a free SQ entry. */
static bool ring_room(struct io_ring *r)
{
	if (r->sqe_inflight >= r->cq_entries)
		return false;
	if (!io_uring_sq_space_left(&r->ring))
		io_uring_submit(&r->ring);
	return io_uring_sq_space_left(&r->ring) > 0;
}

static void piece_prep_discard(struct io_uring_sqe *sqe, int fd,
			       const struct io_store *s,
			       const struct io_piece *p)
{
	if (!s->blockdev) {
		io_uring_prep_fallocate(sqe, fd,
					FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					(off_t)p->off, (off_t)p->len);
		return;
	}
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = PIECE_BLOCK_CMD_DISCARD;
	sqe->addr = p->off;
	sqe->addr3 = p->len;
}

static void piece_prep_rw(struct io_uring_sqe *sqe, int fd,
			  const struct io_piece *p)
{
	bool rd = p->req->op == SWAP_IO_READ;
	void *base = p->iov[0].iov_base;
	unsigned int n = (unsigned int)p->len;

	if (p->nr_iov > 1 && rd)
		io_uring_prep_readv(sqe, fd, p->iov, p->nr_iov, p->off);
	else if (p->nr_iov > 1)
		io_uring_prep_writev(sqe, fd, p->iov, p->nr_iov, p->off);
	else if (p->buf_index >= 0 && rd)
		io_uring_prep_read_fixed(sqe, fd, base, n, p->off, p->buf_index);
	else if (p->buf_index >= 0)
		io_uring_prep_write_fixed(sqe, fd, base, n, p->off,
					  p->buf_index);
	else if (rd)
		io_uring_prep_read(sqe, fd, base, n, p->off);
	else
		io_uring_prep_write(sqe, fd, base, n, p->off);
}

/* Prepare the SQE of @p; the caller checked ring_room(). */
static void piece_prep(struct io_ring *r, struct io_piece *p)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	const struct io_store *s = io_store_get(r->e, p->store);
	int fd = p->direct ? s->fd_direct : s->fd;

	if (r->fixed_files)
		fd = 2 * p->store + p->direct;
	if (p->req->op == SWAP_IO_DISCARD)
		piece_prep_discard(sqe, fd, s, p);
	else
		piece_prep_rw(sqe, fd, p);
	if (r->fixed_files)
		io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE);
	io_uring_sqe_set_data(sqe, p);
	r->sqe_inflight++;
	p->busy = true;
	p->retry = false;
	/* Short batches: see "Submission" in docs/IO.md. */
	if (io_uring_sq_ready(&r->ring) >= r->e->cfg.submit_batch)
		io_uring_submit(&r->ring);
}

bool io_piece_issue(struct io_ring *r, struct io_req *req)
{
	struct io_piece *p;
	int i;

	while (!req->error && req->issued < req->len) {
		for (i = 0; i < REQ_PIECES && req->piece[i].busy; i++)
			;
		if (i == REQ_PIECES)
			return true; /* more when a piece completes */
		if (!ring_room(r))
			return false;
		p = &req->piece[i];
		req->error = piece_fill(r, req, p);
		if (req->error)
			break;
		swap_trace_record(req->area->trace, req->arrive_ns, req->op,
				  p->store, p->off, p->len);
		if (!req->backing_start_ns)
			req->backing_start_ns = io_now_ns();
		if (io_store_get(r->e, p->store)->null) {
			req->backing_end_ns = req->backing_start_ns;
			continue; /* done at once, the piece stays free */
		}
		piece_prep(r, p);
		req->busy++;
	}
	return true;
}

bool io_piece_resubmit(struct io_ring *r, struct io_piece *p)
{
	if (!ring_room(r)) {
		p->retry = true;
		return false;
	}
	piece_prep(r, p);
	return true;
}

bool io_piece_advance(struct io_piece *p, uint64_t res)
{
	unsigned int i = 0;

	if (res > p->len)
		res = p->len;
	p->off += res;
	p->len -= res;
	while (res && i < p->nr_iov) {
		uint64_t n = res < p->iov[i].iov_len ? res : p->iov[i].iov_len;

		p->iov[i].iov_base = (char *)p->iov[i].iov_base + n;
		p->iov[i].iov_len -= n;
		res -= n;
		if (!p->iov[i].iov_len)
			i++;
	}
	memmove(p->iov, p->iov + i, (p->nr_iov - i) * sizeof(p->iov[0]));
	p->nr_iov -= i;
	/* A partial IO may leave the rest unaligned for direct IO. */
	if (p->direct && p->len) {
		const struct io_store *s = io_store_get(p->req->area->e, p->store);

		p->direct = piece_direct_ok(s, p);
	}
	return p->len == 0;
}

int io_piece_blkdiscard(struct io_ring *r, struct io_piece *p)
{
	const struct io_store *s = io_store_get(r->e, p->store);
	uint64_t range[2] = { p->off, p->len };

	p->fallback = true;
	return ioctl(s->fd, BLKDISCARD, range) ? -errno : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * FUSE requests over io_uring (Linux 6.14 and later, with the fuse module's
 * enable_uring parameter on).
 *
 * Through /dev/fuse every request costs a worker's read() and wakeup and
 * a writev() for the reply.  Over io_uring the kernel writes each request
 * into one of our registered ring entries (a header buffer and a payload
 * buffer) and posts a CQE; the reply goes back, and the entry is re-armed
 * for the next request, with one COMMIT_AND_FETCH command.  The commands
 * ride on the engine's ring (swap_io_cmd), so the engine's ring thread
 * sees a request, serves it and replies without another thread:
 *
 *  - the fast path: a block-aligned READ or WRITE of an area is handed to
 *    the engine with the entry's payload as the IO buffer (registered with
 *    the engine, so the backing store reads into it and writes from it
 *    directly), and the completion commits the reply;
 *  - everything else (lookups, attributes, control files, unaligned IO,
 *    a write whose RMW stripes are busy) goes to a worker thread that
 *    hands the request to libfuse as if read from /dev/fuse, and libfuse's
 *    reply, caught by our writev hook, is copied into the entry and
 *    committed.
 *
 * libfuse 3.14 knows nothing of this: it cannot ask for FUSE_OVER_IO_URING
 * in its INIT reply.  Our custom IO hooks (fuse_session_custom_io) notice
 * the INIT request going by and add the flag to the reply when the kernel
 * offered it; after the reply the entries are registered, one set per
 * possible CPU (the kernel queues a request on its submitter's CPU queue
 * and waits until every queue has an entry).  FORGET and INTERRUPT still
 * come through /dev/fuse, served by libfuse's own loop as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fs/fs_i.h"

/* The io_uring part of the FUSE protocol (7.42), absent from older
 * kernel headers. */
#define FR_OVER_IO_URING2 (1u << 9) /* FUSE_OVER_IO_URING, in flags2 */
#define FR_INIT_EXT (1u << 30)	    /* FUSE_INIT_EXT, in flags */
#define FR_CMD_REGISTER 1u
#define FR_CMD_COMMIT_AND_FETCH 2u
#define FR_OP_IN_MAX 128u

struct fr_ent_in_out {
	uint64_t flags;
	uint64_t commit_id;  /* the request's unique, echoed in the commit */
	uint32_t payload_sz; /* payload bytes, request or reply */
	uint32_t padding;
	uint64_t reserved;
};

struct fr_req_header {
	char in_out[128];	  /* fuse_in_header, then fuse_out_header */
	char op_in[FR_OP_IN_MAX]; /* the opcode's fixed argument */
	struct fr_ent_in_out ent; /* ids and payload size */
};

struct fr_cmd_req { /* in the SQE's command area */
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};

#define FR_HEAD_ROOM 4096u /* header buffer + room before the payload */
#define FR_ENTRIES_BUDGET 64u
#define FR_PER_QUEUE_MAX 32u
#define FR_PER_QUEUE_MIN 2u
#define FR_SYSFS "/sys/module/fuse/parameters/enable_uring"

/* One ring entry: its two buffers and the request it holds. */
struct fs_ring_ent {
	struct swap_io_cmd cmd;	      /* REGISTER, then COMMIT_AND_FETCH */
	struct fs_ring *ring;	      /* owner */
	struct fs_direct io;	      /* the fast path's IO */
	struct fr_req_header *hdr;    /* iov[0]: start of the entry's memory */
	char *payload;		      /* iov[1]: page aligned */
	struct iovec iov[2];	      /* as registered */
	uint16_t qid;		      /* the CPU queue it serves */
	uint16_t io_ring;	      /* the engine ring that serves it */
	bool registered;	      /* the next command commits */
	_Atomic uint64_t slow_unique; /* request with a worker, else 0 */
	struct fs_ring_ent *next;     /* worker queue */
};

struct fs_ring {
	struct fs *fs;
	struct fuse_session *se;
	int fd;			      /* /dev/fuse of the session */
	unsigned int nr_queues;	      /* possible CPUs */
	unsigned int per_queue;	      /* entries per queue */
	unsigned int nr_ents;	      /* all entries */
	size_t payload_len;	      /* bytes of each payload buffer */
	size_t stride;		      /* bytes of memory per entry */
	void *mem;		      /* every entry's buffers */
	bool mem_registered;	      /* as an engine fixed buffer */
	struct fs_ring_ent *ents;     /* nr_ents entries */
	_Atomic uint64_t init_unique; /* INIT request seen, 0: none yet */
	_Atomic bool offered;	      /* the kernel offered io_uring */
	_Atomic bool active;	      /* entries registered */
	_Atomic bool failed;	      /* a command failed: said once */
	_Atomic bool fallback;	      /* a registration failed: the kernel
				     * went back to /dev/fuse */
	_Atomic uint64_t nr_fast;     /* requests served by the fast path */
	_Atomic uint64_t nr_slow;     /* requests handed to workers */
	/* Worker queue of slow requests. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fs_ring_ent *head, **tail;
	bool stop;
	unsigned int nr_workers;
	pthread_t workers[FS_RING_WORKERS];
};

const char *fs_ring_mode_name(enum fs_ring_mode m)
{
	return m == FS_RING_ON ? "on" : m == FS_RING_OFF ? "off" : "auto";
}

int fs_ring_mode_parse(const char *s, enum fs_ring_mode *out)
{
	for (int m = FS_RING_AUTO; m <= FS_RING_OFF; m++)
		if (!strcmp(s, fs_ring_mode_name(m))) {
			*out = m;
			return 0;
		}
	return -EINVAL;
}

/* The kernel has FUSE over io_uring and lets daemons use it. */
bool fs_ring_kernel_enabled(void)
{
	char c = 0;
	int fd = open(FR_SYSFS, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == 'Y' || c == 'y' || c == '1';
}

int fs_ring_check(enum fs_ring_mode mode)
{
	if (mode != FS_RING_ON || fs_ring_kernel_enabled())
		return 0;
	fprintf(stderr, "swapemu mount: --fuse-ring on: the kernel does not "
			"allow FUSE over io_uring (it needs Linux 6.14+ and, "
			"as root: echo Y > " FR_SYSFS ")\n");
	return -EOPNOTSUPP;
}

static void ring_fail(struct fs_ring *r, const char *what, int err)
{
	if (!atomic_exchange(&r->failed, true))
		fprintf(stderr, "swapemu mount: FUSE over io_uring: %s: %s\n",
			what, strerror(-err));
}

/* ---- commands ---- */

static void ent_prep(struct swap_io_cmd *cmd, struct io_uring_sqe *sqe)
{
	struct fs_ring_ent *ent = (struct fs_ring_ent *)cmd;
	struct fr_cmd_req *req = (struct fr_cmd_req *)sqe->cmd;

	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ent->ring->fd;
	req->qid = ent->qid;
	if (!ent->registered) {
		sqe->cmd_op = FR_CMD_REGISTER;
		sqe->addr = (uintptr_t)ent->iov;
		sqe->len = 2;
		return;
	}
	sqe->cmd_op = FR_CMD_COMMIT_AND_FETCH;
	req->commit_id = ent->hdr->ent.commit_id;
}

static void ring_commit(struct fs_ring_ent *ent)
{
	struct swap_io_engine *e = ent->ring->fs->engine;
	int rc = swap_io_cmd_submit(e, ent->io_ring, &ent->cmd);

	if (rc)
		ring_fail(ent->ring, "commit", rc);
}

/* Answer the entry's request: @err (positive errno) or @len payload
 * bytes already in place. */
static void ent_reply(struct fs_ring_ent *ent, int err, size_t len)
{
	struct fuse_in_header *in = (struct fuse_in_header *)ent->hdr->in_out;
	struct fuse_out_header out = {
		.len = (uint32_t)(sizeof(out) + (err ? 0 : len)),
		.error = -err,
		.unique = in->unique,
	};

	memcpy(ent->hdr->in_out, &out, sizeof(out));
	ent->hdr->ent.payload_sz = err ? 0 : (uint32_t)len;
	ring_commit(ent);
}

static void fast_done(struct fs_direct *d, int64_t res)
{
	struct fs_ring_ent *ent =
		(struct fs_ring_ent *)((char *)d -
				       offsetof(struct fs_ring_ent, io));
	struct fuse_in_header *in = (struct fuse_in_header *)ent->hdr->in_out;
	struct fuse_write_out wo = {0};

	if (res < 0)
		return ent_reply(ent, (int)-res, 0);
	if (in->opcode == FUSE_READ)
		return ent_reply(ent, 0, d->len);
	wo.size = (uint32_t)d->len;
	memcpy(ent->payload, &wo, sizeof(wo));
	ent_reply(ent, 0, sizeof(wo));
}

/* The area file a READ or WRITE names, or NULL. */
static struct fs_area *fast_area(uint64_t fh)
{
	struct fs_handle *h = (struct fs_handle *)(uintptr_t)fh;

	return h && h->area && h->node == FS_NODE_FILE ? h->area : NULL;
}

/* Serve a READ or WRITE on the fast path; false: take the slow one. */
static bool ent_fast(struct fs_ring_ent *ent)
{
	struct fuse_in_header *in = (struct fuse_in_header *)ent->hdr->in_out;
	struct fs_direct *d = &ent->io;
	int rc;

	if (in->opcode == FUSE_READ) {
		const struct fuse_read_in *ri = (void *)ent->hdr->op_in;

		d->area = fast_area(ri->fh);
		d->off = ri->offset;
		d->len = ri->size;
	} else if (in->opcode == FUSE_WRITE) {
		const struct fuse_write_in *wi = (void *)ent->hdr->op_in;

		d->area = fast_area(wi->fh);
		d->off = wi->offset;
		d->len = wi->size;
		if (wi->size != ent->hdr->ent.payload_sz)
			return false;
	} else {
		return false;
	}
	if (!d->area || d->len > ent->ring->payload_len)
		return false;
	d->buf = ent->payload;
	d->done = fast_done;
	rc = in->opcode == FUSE_READ ? fs_io_read_direct(d)
				     : fs_io_write_direct(d);
	if (rc == -EAGAIN)
		return false;
	atomic_fetch_add_explicit(&ent->ring->nr_fast, 1, memory_order_relaxed);
	if (rc)
		ent_reply(ent, -rc, 0);
	return true;
}

/* Queue the entry's request for a worker. */
static void ent_slow(struct fs_ring_ent *ent)
{
	struct fs_ring *r = ent->ring;
	struct fuse_in_header *in = (struct fuse_in_header *)ent->hdr->in_out;

	atomic_fetch_add_explicit(&r->nr_slow, 1, memory_order_relaxed);
	atomic_store(&ent->slow_unique, in->unique);
	pthread_mutex_lock(&r->lock);
	ent->next = NULL;
	*r->tail = ent;
	r->tail = &ent->next;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static void ent_done(struct swap_io_cmd *cmd, int res)
{
	struct fs_ring_ent *ent = (struct fs_ring_ent *)cmd;

	if (res < 0) {
		/* -ENOTCONN / -ECONNABORTED: the mount is going away. */
		if (res == -ENOTCONN || res == -ECONNABORTED)
			return;
		if (!ent->registered)
			atomic_store(&ent->ring->fallback, true);
		ring_fail(ent->ring, ent->registered ? "commit" : "register",
			  res);
		return;
	}
	ent->registered = true;
	if (!ent_fast(ent))
		ent_slow(ent);
}

/* ---- the slow path ---- */

/*
 * Lay the request out as /dev/fuse delivers it (header, the opcode's
 * argument, the rest) just before the payload, which is already in
 * place: the head room of the entry's memory holds the first two.
 */
static void *slow_buffer(struct fs_ring_ent *ent, size_t *size)
{
	struct fuse_in_header *in = (struct fuse_in_header *)ent->hdr->in_out;
	size_t payload = ent->hdr->ent.payload_sz, op;
	char *start;

	if (in->len < sizeof(*in) + payload)
		return NULL;
	op = in->len - sizeof(*in) - payload;
	if (op > FR_OP_IN_MAX)
		return NULL;
	start = ent->payload - op - sizeof(*in);
	memcpy(start, in, sizeof(*in));
	memcpy(start + sizeof(*in), ent->hdr->op_in, op);
	*size = in->len;
	return start;
}

static void *ring_worker(void *arg)
{
	struct fs_ring *r = arg;
	struct fs_ring_ent *ent;
	struct fuse_buf buf;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		while (!r->head && !r->stop)
			pthread_cond_wait(&r->cond, &r->lock);
		ent = r->head;
		if (ent) {
			r->head = ent->next;
			if (!r->head)
				r->tail = &r->head;
		}
		pthread_mutex_unlock(&r->lock);
		if (!ent)
			return NULL;
		memset(&buf, 0, sizeof(buf));
		buf.mem = slow_buffer(ent, &buf.size);
		if (!buf.mem) {
			atomic_store(&ent->slow_unique, 0);
			ent_reply(ent, EIO, 0);
			continue;
		}
		fuse_session_process_buf(r->se, &buf);
	}
}

/* The entry holding the slow request @unique, claimed; NULL if none. */
static struct fs_ring_ent *slow_claim(struct fs_ring *r, uint64_t unique)
{
	for (unsigned int i = 0; i < r->nr_ents; i++) {
		uint64_t expected = unique;

		if (atomic_compare_exchange_strong(&r->ents[i].slow_unique,
						   &expected, 0))
			return &r->ents[i];
	}
	return NULL;
}

/* libfuse's reply to a slow request: into the entry, then commit. */
static ssize_t slow_reply(struct fs_ring_ent *ent, const struct iovec *iov,
			  int count)
{
	struct fuse_out_header out;
	size_t len = 0;

	memcpy(&out, iov[0].iov_base, sizeof(out));
	for (int i = 1; i < count; i++) {
		if (len + iov[i].iov_len > ent->ring->payload_len) {
			ent_reply(ent, EIO, 0);
			errno = EMSGSIZE;
			return -1;
		}
		memmove(ent->payload + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	memcpy(ent->hdr->in_out, &out, sizeof(out));
	ent->hdr->ent.payload_sz = (uint32_t)len;
	ring_commit(ent);
	return (ssize_t)(sizeof(out) + len);
}

/* ---- registration ---- */

/*
 * Register every entry.  Requests flow as soon as every queue has one, so
 * a slow request may be answered before the last registration is queued:
 * its reply is found by slow_claim(), whatever the state here.
 */
static void ring_register_all(struct fs_ring *r)
{
	int rc;

	atomic_store(&r->active, true);
	for (unsigned int i = 0; i < r->nr_ents; i++) {
		struct fs_ring_ent *ent = &r->ents[i];

		rc = swap_io_cmd_submit(r->fs->engine, ent->io_ring, &ent->cmd);
		if (rc) {
			/* The kernel waits for entries that will not come. */
			ring_fail(r, "register", rc);
			return;
		}
	}
}

/* ---- libfuse custom IO hooks ---- */

static ssize_t hook_read(int fd, void *buf, size_t len, void *userdata)
{
	struct fs *fs = userdata;
	struct fs_ring *r = fs->ring;
	ssize_t n = read(fd, buf, len);
	const struct fuse_in_header *in = buf;
	const struct fuse_init_in *ii;

	if (n < (ssize_t)(sizeof(*in) + sizeof(*ii)) ||
	    in->opcode != FUSE_INIT || atomic_load(&r->init_unique))
		return n;
	ii = (const void *)(in + 1);
	atomic_store(&r->offered, (ii->flags & FR_INIT_EXT) &&
					  (ii->flags2 & FR_OVER_IO_URING2));
	atomic_store(&r->init_unique, in->unique);
	return n;
}

static ssize_t hook_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct fs *fs = userdata;
	struct fs_ring *r = fs->ring;
	const struct fuse_out_header *out = iov[0].iov_base;
	struct fs_ring_ent *ent;
	bool init;
	ssize_t n;

	if (out->unique && (ent = slow_claim(r, out->unique)))
		return slow_reply(ent, iov, count);
	init = out->unique && out->unique == atomic_load(&r->init_unique) &&
	       !out->error && count > 1 &&
	       iov[1].iov_len >= offsetof(struct fuse_init_out, flags2) +
					 sizeof(uint32_t);
	if (init && atomic_load(&r->offered)) {
		struct fuse_init_out *io = iov[1].iov_base;

		if (io->flags & FR_INIT_EXT)
			io->flags2 |= FR_OVER_IO_URING2;
		else
			init = false;
	} else {
		init = false;
	}
	n = writev(fd, iov, count);
	if (init && n >= 0)
		ring_register_all(r);
	return n;
}

/* ---- setup ---- */

static unsigned int ring_possible_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	unsigned int lo, hi;

	if (f) {
		/* "0-N" or "0": the highest possible CPU, plus one. */
		int got = fscanf(f, "%u-%u", &lo, &hi);

		fclose(f);
		if (got == 2)
			return hi + 1;
		if (got == 1)
			return lo + 1;
	}
	return n > 0 ? (unsigned int)n : 1;
}

static int ring_alloc(struct fs_ring *r, size_t max_io)
{
	unsigned int per, rings = swap_io_engine_rings(r->fs->engine);

	r->nr_queues = ring_possible_cpus();
	per = FR_ENTRIES_BUDGET / r->nr_queues;
	if (per > FR_PER_QUEUE_MAX)
		per = FR_PER_QUEUE_MAX;
	if (per < FR_PER_QUEUE_MIN)
		per = FR_PER_QUEUE_MIN;
	r->per_queue = per;
	r->nr_ents = per * r->nr_queues;
	r->payload_len = max_io;
	r->stride = FR_HEAD_ROOM + max_io;
	r->ents = calloc(r->nr_ents, sizeof(*r->ents));
	if (!r->ents)
		return -ENOMEM;
	r->mem = mmap(NULL, r->stride * r->nr_ents, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (r->mem == MAP_FAILED) {
		r->mem = NULL;
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < r->nr_ents; i++) {
		struct fs_ring_ent *ent = &r->ents[i];
		char *base = (char *)r->mem + i * r->stride;

		ent->cmd.prep = ent_prep;
		ent->cmd.done = ent_done;
		ent->ring = r;
		ent->qid = (uint16_t)(i / per);
		ent->io_ring = (uint16_t)(i % rings);
		ent->hdr = (struct fr_req_header *)base;
		ent->payload = base + FR_HEAD_ROOM;
		ent->iov[0].iov_base = ent->hdr;
		ent->iov[0].iov_len = sizeof(*ent->hdr);
		ent->iov[1].iov_base = ent->payload;
		ent->iov[1].iov_len = max_io;
	}
	return 0;
}

int fs_ring_setup(struct fs *fs, struct fuse_session *se,
		  enum fs_ring_mode mode, unsigned int workers, size_t max_io)
{
	static const struct fuse_custom_io hooks = {
		.read = hook_read,
		.writev = hook_writev,
	};
	struct fs_ring *r;
	int rc;

	if (mode == FS_RING_OFF || !fs_ring_kernel_enabled())
		return fs_ring_check(mode);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	fs->ring = r;
	r->fs = fs;
	r->se = se;
	r->fd = fuse_session_fd(se);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->tail = &r->head;
	rc = ring_alloc(r, max_io);
	if (rc)
		return rc;
	rc = swap_io_register_buffer(fs->engine, r->mem,
				     r->stride * r->nr_ents);
	r->mem_registered = !rc;
	if (rc)
		fprintf(stderr,
			"swapemu mount: warning: FUSE ring buffers not "
			"registered with the engine: %s\n",
			strerror(-rc));
	if (workers > FS_RING_WORKERS)
		workers = FS_RING_WORKERS;
	for (; r->nr_workers < workers; r->nr_workers++) {
		rc = -pthread_create(&r->workers[r->nr_workers], NULL,
				     ring_worker, r);
		if (rc)
			return rc;
		pthread_setname_np(r->workers[r->nr_workers], "swapemu-fuse");
	}
	rc = fuse_session_custom_io(se, &hooks, r->fd);
	return rc < 0 ? rc : 0;
}

/* Stop the workers (after the session loop ended). */
void fs_ring_stop(struct fs *fs)
{
	struct fs_ring *r = fs->ring;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	for (unsigned int i = 0; i < r->nr_workers; i++)
		pthread_join(r->workers[i], NULL);
	r->nr_workers = 0;
}

/* Free the entries: after the engine, whose commands point at them. */
void fs_ring_destroy(struct fs *fs)
{
	struct fs_ring *r = fs->ring;

	if (!r)
		return;
	fs_ring_stop(fs);
	if (r->mem)
		munmap(r->mem, r->stride * r->nr_ents);
	free(r->ents);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
	fs->ring = NULL;
}

/* Unregister the entries' memory from the engine (before destroying
 * it). */
void fs_ring_unregister(struct fs *fs)
{
	struct fs_ring *r = fs->ring;

	if (r && r->mem_registered) {
		swap_io_unregister_buffer(fs->engine, r->mem);
		r->mem_registered = false;
	}
}

int fs_ring_describe(const struct fs *fs, char *buf, size_t len)
{
	const struct fs_ring *r = fs->ring;
	unsigned int rings = swap_io_engine_rings(fs->engine);

	if (!r || !atomic_load(&r->active) || atomic_load(&r->fallback))
		return snprintf(buf, len, "transport /dev/fuse\nrings %u\n",
				rings);
	return snprintf(buf, len,
			"transport io_uring\nrings %u\nqueues %u\n"
			"entries %u\nfast %llu\nslow %llu\n",
			rings, r->nr_queues, r->per_queue,
			(unsigned long long)atomic_load(&r->nr_fast),
			(unsigned long long)atomic_load(&r->nr_slow));
}

/* SPDX-License-Identifier: MIT */
/*
 * The engine object: its rings, its stores and its registered buffers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "swap/extent.h"
#include "swap/io/io_i.h"

#define DEFAULT_RING_ENTRIES 256u
#define DEFAULT_NR_REQS 1024u
#define DEFAULT_SUBMIT_BATCH 4u
#define MAX_RING_ENTRIES 4096u
#define MAX_REGION (1ull << 30) /* io_uring's limit per buffer */

static const char *const op_names[SWAP_IO_NR_OPS] = {
	[SWAP_IO_READ] = "read",
	[SWAP_IO_WRITE] = "write",
	[SWAP_IO_DISCARD] = "discard",
};

const char *swap_io_op_name(enum swap_io_op op)
{
	return (unsigned int)op < SWAP_IO_NR_OPS ? op_names[op] : "?";
}

uint64_t io_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct io_store *io_store_get(struct swap_io_engine *e, int store)
{
	if (store < 0 || store >= (int)SWAP_IO_MAX_STORES)
		return NULL;
	return atomic_load_explicit(&e->store[store], memory_order_acquire);
}

static int engine_config(const struct swap_io_config *in,
			 struct swap_io_config *out)
{
	if (in)
		*out = *in;
	else
		memset(out, 0, sizeof(*out));
	if (!out->nr_rings)
		out->nr_rings = 1;
	if (!out->ring_entries)
		out->ring_entries = DEFAULT_RING_ENTRIES;
	if (!out->nr_reqs)
		out->nr_reqs = DEFAULT_NR_REQS;
	if (!out->submit_batch)
		out->submit_batch = DEFAULT_SUBMIT_BATCH;
	if (out->nr_rings > SWAP_IO_MAX_RINGS ||
	    out->ring_entries > MAX_RING_ENTRIES ||
	    out->submit_batch > out->ring_entries)
		return -EINVAL;
	return 0;
}

static int engine_start_rings(struct swap_io_engine *e)
{
	int rc = 0;

	for (unsigned int i = 0; i < e->cfg.nr_rings && !rc; i++) {
		e->rings[i].e = e;
		e->rings[i].index = i;
		e->rings[i].efd = -1;
		rc = io_ring_start(&e->rings[i]);
		if (!rc)
			e->nr_rings++;
	}
	return rc;
}

int swap_io_engine_create(const struct swap_io_config *cfg,
			  struct swap_io_engine **out)
{
	struct swap_io_engine *e = calloc(1, sizeof(*e));
	int rc = -ENOMEM;

	if (!e)
		return rc;
	rc = engine_config(cfg, &e->cfg);
	if (rc)
		goto out_free;
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->pool_lock, NULL);
	e->rings = calloc(e->cfg.nr_rings, sizeof(*e->rings));
	rc = e->rings ? io_req_pool_init(e) : -ENOMEM;
	if (!rc)
		rc = engine_start_rings(e);
	if (rc)
		goto out_destroy;
	*out = e;
	return 0;
out_destroy:
	swap_io_engine_destroy(e);
	return rc;
out_free:
	free(e);
	return rc;
}

void swap_io_engine_destroy(struct swap_io_engine *e)
{
	if (!e)
		return;
	for (unsigned int i = 0; i < e->nr_rings; i++)
		io_ring_stop(&e->rings[i]);
	for (unsigned int i = 0; i < SWAP_IO_MAX_STORES; i++)
		io_store_close(atomic_load(&e->store[i]));
	io_req_pool_destroy(e);
	free(e->rings);
	pthread_mutex_destroy(&e->pool_lock);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

/* Ring thread: point fixed file slots 2s, 2s+1 at store @arg (or clear). */
static int ring_ctl_files(struct io_ring *r, void *arg)
{
	int store = (int)(intptr_t)arg;
	struct io_store *s = io_store_get(r->e, store);
	int fds[2] = { s ? s->fd : -1, s ? s->fd_direct : -1 };
	int rc;

	if (!r->fixed_files)
		return 0;
	rc = io_uring_register_files_update(&r->ring, 2 * (unsigned)store,
					    fds, 2);
	if (rc < 0)
		r->fixed_files = false; /* plain descriptors from now on */
	return 0;
}

/* Publish @s in a free slot; returns the index or -ENOSPC.  e->lock held. */
static int engine_publish_locked(struct swap_io_engine *e, struct io_store *s)
{
	for (int i = 0; i < (int)SWAP_IO_MAX_STORES; i++) {
		if (!atomic_load(&e->store[i])) {
			atomic_store_explicit(&e->store[i], s,
					      memory_order_release);
			return i;
		}
	}
	return -ENOSPC;
}

static int engine_add_store(struct swap_io_engine *e, const char *path,
			    int fd, const char *name, unsigned int flags)
{
	struct io_store *s;
	char *n;
	int rc = io_store_open(path, fd, flags, &s);

	if (rc)
		return rc;
	if (name) {
		n = strdup(name);
		if (!n) {
			io_store_close(s);
			return -ENOMEM;
		}
		free(s->path);
		s->path = n;
	}
	pthread_mutex_lock(&e->lock);
	rc = engine_publish_locked(e, s);
	pthread_mutex_unlock(&e->lock);
	if (rc < 0) {
		io_store_close(s);
		return rc;
	}
	io_ctl_all(e, ring_ctl_files, (void *)(intptr_t)rc);
	return rc;
}

int swap_io_add_store(struct swap_io_engine *e, const char *path,
		      unsigned int flags)
{
	if (!path)
		return -EINVAL;
	return engine_add_store(e, path, -1, NULL, flags);
}

int swap_io_add_store_fd(struct swap_io_engine *e, int fd, const char *name,
			 unsigned int flags)
{
	if (fd < 0)
		return -EINVAL;
	return engine_add_store(e, NULL, fd, name ? name : "", flags);
}

/* Does an attached area map slots to @store?  e->lock held. */
static bool store_in_use_locked(struct swap_io_engine *e, int store)
{
	const struct swap_extent *x;

	for (struct swap_io_area *a = e->areas; a; a = a->next)
		for (size_t i = 0; (x = swap_extent_at(a->map, i)); i++)
			if (x->store == store)
				return true;
	return false;
}

int swap_io_remove_store(struct swap_io_engine *e, int store)
{
	struct io_store *s = io_store_get(e, store);
	int rc = 0;

	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	if (store_in_use_locked(e, store))
		rc = -EBUSY;
	else
		atomic_store(&e->store[store], NULL);
	pthread_mutex_unlock(&e->lock);
	if (rc)
		return rc;
	io_ctl_all(e, ring_ctl_files, (void *)(intptr_t)store);
	io_store_close(s);
	return 0;
}

int swap_io_store_info(struct swap_io_engine *e, int store,
		       struct swap_io_store_info *out)
{
	struct io_store *s = io_store_get(e, store);

	if (!s)
		return -EINVAL;
	out->path = s->path;
	out->size = s->size;
	out->blockdev = s->blockdev;
	out->direct = s->fd_direct >= 0;
	out->dio_mem_align = s->mem_align;
	out->dio_offset_align = s->off_align;
	return 0;
}

/* Ring thread: copy region slot @arg from the engine and register it. */
static int ring_ctl_region(struct io_ring *r, void *arg)
{
	unsigned int i = (unsigned int)(uintptr_t)arg;
	struct io_region *g = &r->e->region[i];
	struct iovec v = { (void *)g->base, g->len };
	__u64 tag = 0;
	int rc;

	if (!r->fixed_bufs)
		return 0;
	rc = io_uring_register_buffers_update_tag(&r->ring, i, &v, &tag, 1);
	if (rc < 0)
		return rc;
	r->region[i] = *g;
	return 0;
}

int swap_io_register_buffer(struct swap_io_engine *e, void *base,
			    size_t len)
{
	unsigned int i;
	int rc;

	if (!base || !len || len > MAX_REGION)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	for (i = 0; i < SWAP_IO_MAX_BUFFERS && e->region[i].base; i++)
		;
	rc = i == SWAP_IO_MAX_BUFFERS ? -ENOSPC : 0;
	if (!rc) {
		e->region[i].base = (uintptr_t)base;
		e->region[i].len = len;
		rc = io_ctl_all(e, ring_ctl_region, (void *)(uintptr_t)i);
	}
	if (rc && i < SWAP_IO_MAX_BUFFERS) {
		memset(&e->region[i], 0, sizeof(e->region[i]));
		io_ctl_all(e, ring_ctl_region, (void *)(uintptr_t)i);
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int swap_io_unregister_buffer(struct swap_io_engine *e, void *base)
{
	unsigned int i;
	int rc = -ENOENT;

	pthread_mutex_lock(&e->lock);
	for (i = 0; i < SWAP_IO_MAX_BUFFERS; i++) {
		if (e->region[i].base == (uintptr_t)base && base) {
			memset(&e->region[i], 0, sizeof(e->region[i]));
			rc = io_ctl_all(e, ring_ctl_region,
					(void *)(uintptr_t)i);
			break;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * Bounded IO trace rings and their fio iolog v3 form (see trace.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "swap/io/trace.h"

/* fio's name for each op in an iolog. */
static const char *const iolog_action[SWAP_IO_NR_OPS] = {
	[SWAP_IO_READ] = "read",
	[SWAP_IO_WRITE] = "write",
	[SWAP_IO_DISCARD] = "trim",
};

struct trace_rec {
	uint64_t t_ns;  /* since the trace started */
	uint64_t off;   /* byte offset in the store */
	uint32_t len;   /* bytes */
	uint16_t store; /* store index */
	uint8_t op;     /* enum swap_io_op */
};

struct swap_trace {
	_Atomic bool enabled;  /* recording is on; read without the lock */
	/* Guards every field below. */
	pthread_mutex_t lock;
	struct trace_rec *rec; /* the ring, capacity entries */
	size_t capacity;       /* entries of rec */
	size_t head;           /* index of the oldest record */
	size_t nr;             /* records held */
	uint64_t start_ns;     /* when recording was last turned on */
	uint64_t recorded;     /* records since then */
	uint64_t dropped;      /* of which overwritten unread */
};

int swap_trace_create(size_t capacity, struct swap_trace **out)
{
	struct swap_trace *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->capacity = capacity ? capacity : SWAP_TRACE_DEFAULT_CAPACITY;
	t->rec = calloc(t->capacity, sizeof(*t->rec));
	if (!t->rec) {
		free(t);
		return -ENOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

void swap_trace_destroy(struct swap_trace *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->rec);
	free(t);
}

void swap_trace_enable(struct swap_trace *t, bool on, uint64_t now_ns)
{
	pthread_mutex_lock(&t->lock);
	if (on && !atomic_load(&t->enabled)) {
		t->head = t->nr = 0;
		t->recorded = t->dropped = 0;
		t->start_ns = now_ns;
	}
	atomic_store(&t->enabled, on);
	pthread_mutex_unlock(&t->lock);
}

bool swap_trace_enabled(const struct swap_trace *t)
{
	return atomic_load_explicit(&((struct swap_trace *)t)->enabled,
				    memory_order_relaxed);
}

void swap_trace_record(struct swap_trace *t, uint64_t now_ns,
		       enum swap_io_op op, int store, uint64_t off,
		       uint64_t len)
{
	struct trace_rec *r;

	if (!swap_trace_enabled(t))
		return;
	pthread_mutex_lock(&t->lock);
	if (!atomic_load(&t->enabled))
		goto out_unlock;
	if (t->nr == t->capacity) {
		t->head = (t->head + 1) % t->capacity;
		t->nr--;
		t->dropped++;
	}
	r = &t->rec[(t->head + t->nr) % t->capacity];
	r->t_ns = now_ns > t->start_ns ? now_ns - t->start_ns : 0;
	r->off = off;
	r->len = (uint32_t)len;
	r->store = (uint16_t)store;
	r->op = (uint8_t)op;
	t->nr++;
	t->recorded++;
out_unlock:
	pthread_mutex_unlock(&t->lock);
}

void swap_trace_counters(struct swap_trace *t,
			 struct swap_trace_counters *out)
{
	pthread_mutex_lock(&t->lock);
	out->recorded = t->recorded;
	out->dropped = t->dropped;
	out->held = t->nr;
	out->capacity = t->capacity;
	out->enabled = atomic_load(&t->enabled);
	pthread_mutex_unlock(&t->lock);
}

/* Records copied out of the ring, so that writing runs unlocked. */
struct trace_copy {
	struct trace_rec *rec; /* records, oldest first */
	size_t nr;             /* how many */
	bool seen[SWAP_IO_MAX_STORES]; /* stores that appear */
};

static int trace_copy_out(struct swap_trace *t, bool drain,
			  struct trace_copy *c)
{
	pthread_mutex_lock(&t->lock);
	c->nr = t->nr;
	c->rec = malloc((c->nr ? c->nr : 1) * sizeof(*c->rec));
	if (!c->rec) {
		pthread_mutex_unlock(&t->lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->nr; i++) {
		c->rec[i] = t->rec[(t->head + i) % t->capacity];
		c->seen[c->rec[i].store % SWAP_IO_MAX_STORES] = true;
	}
	if (drain) {
		t->head = (t->head + c->nr) % t->capacity;
		t->nr = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* "add" and "open" (or "close") lines for every store that appears. */
static void iolog_files(const struct trace_copy *c, uint64_t t_us,
			const char *const *actions, swap_trace_name_fn name,
			void *ctx, FILE *f)
{
	const char *path;

	for (int s = 0; s < (int)SWAP_IO_MAX_STORES; s++) {
		if (!c->seen[s] || !(path = name(ctx, s)))
			continue;
		for (int a = 0; actions[a]; a++)
			fprintf(f, "%" PRIu64 " %s %s\n", t_us, path,
				actions[a]);
	}
}

int swap_trace_write_iolog(struct swap_trace *t, FILE *f,
			   swap_trace_name_fn name, void *ctx, bool drain)
{
	static const char *const opening[] = { "add", "open", NULL };
	static const char *const closing[] = { "close", NULL };
	struct trace_copy c;
	const char *path;
	uint64_t t_us = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = trace_copy_out(t, drain, &c);
	if (rc)
		return rc;
	fputs("fio version 3 iolog\n", f);
	iolog_files(&c, 0, opening, name, ctx, f);
	for (size_t i = 0; i < c.nr; i++) {
		const struct trace_rec *r = &c.rec[i];

		path = name(ctx, r->store);
		t_us = r->t_ns / 1000;
		if (path)
			fprintf(f, "%" PRIu64 " %s %s %" PRIu64 " %" PRIu32 "\n",
				t_us, path, iolog_action[r->op], r->off, r->len);
	}
	iolog_files(&c, t_us, closing, name, ctx, f);
	free(c.rec);
	return ferror(f) ? -EIO : 0;
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "bench/bench.h"
#include "bench/engine_load.h"

struct engine_load {
	struct swap_io_area *a;           /* where the IO goes */
	const struct engine_load_spec *s; /* what it is */
	uint64_t deadline;         /* ns: no new IO after this */
	_Atomic uint64_t next;     /* sequential cursor, in requests */
	_Atomic uint64_t rng;      /* random state */
	_Atomic uint64_t ops;      /* completed */
	_Atomic uint64_t errors;   /* completed with an error */
	_Atomic uint64_t last_ns;  /* time of the last completion */
	pthread_mutex_t lock;      /* guards inflight, with idle */
	pthread_cond_t idle;       /* signalled when inflight reaches 0 */
	unsigned int inflight;     /* requests still going */
};

struct engine_load_slot {
	struct engine_load *l; /* the load */
	unsigned int i;        /* its buffer index */
};

static uint64_t load_offset(struct engine_load *l)
{
	uint64_t x, blocks = l->s->span / l->s->bs;

	if (!l->s->random)
		x = atomic_fetch_add(&l->next, 1);
	else {
		x = atomic_fetch_add(&l->rng, UINT64_C(0x9e3779b97f4a7c15));
		x = (x ^ (x >> 31)) * UINT64_C(0xbf58476d1ce4e5b9);
		x ^= x >> 29;
	}
	return l->s->base + (x % blocks) * l->s->bs;
}

static void load_done(void *ctx, int64_t res);

static int load_submit(struct engine_load_slot *slot)
{
	struct engine_load *l = slot->l;
	unsigned char *buf = l->s->mem + (size_t)slot->i * l->s->bs;
	uint64_t off = load_offset(l);

	if (l->s->op == SWAP_IO_READ)
		return swap_io_read(l->a, off, buf, l->s->bs, load_done, slot);
	return swap_io_write(l->a, off, buf, l->s->bs, load_done, slot);
}

static void load_done(void *ctx, int64_t res)
{
	struct engine_load_slot *slot = ctx;
	struct engine_load *l = slot->l;
	uint64_t now = bench_now_ns();

	if (res < 0)
		atomic_fetch_add(&l->errors, 1);
	atomic_fetch_add(&l->ops, 1);
	atomic_store(&l->last_ns, now);
	if (now < l->deadline && !load_submit(slot))
		return;
	pthread_mutex_lock(&l->lock);
	if (!--l->inflight)
		pthread_cond_signal(&l->idle);
	pthread_mutex_unlock(&l->lock);
}

double engine_load_run(struct swap_io_area *a,
		       const struct engine_load_spec *spec)
{
	struct engine_load l = { .a = a, .s = spec, .inflight = spec->qd,
				 .lock = PTHREAD_MUTEX_INITIALIZER,
				 .idle = PTHREAD_COND_INITIALIZER };
	struct engine_load_slot slots[ENGINE_LOAD_MAX_QD];
	uint64_t start = bench_now_ns();

	if (!spec->qd || spec->qd > ENGINE_LOAD_MAX_QD || !spec->bs ||
	    spec->span < spec->bs)
		return -EINVAL;
	atomic_init(&l.rng, start);
	l.deadline = start + (uint64_t)(spec->seconds * 1e9);
	swap_io_plug();
	for (unsigned int i = 0; i < spec->qd; i++) {
		slots[i] = (struct engine_load_slot){ &l, i };
		if (load_submit(&slots[i]))
			load_done(&slots[i], -EIO);
	}
	swap_io_unplug();
	pthread_mutex_lock(&l.lock);
	while (l.inflight)
		pthread_cond_wait(&l.idle, &l.lock);
	pthread_mutex_unlock(&l.lock);
	if (atomic_load(&l.errors))
		return -EIO;
	return (double)atomic_load(&l.ops) * 1e9 /
	       (double)(atomic_load(&l.last_ns) - start);
}

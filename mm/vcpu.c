/* SPDX-License-Identifier: MIT */
/*
 * Emulated CPUs running tasks as user-space contexts.  See mm/vcpu.h.
 *
 * Each CPU thread owns a FIFO run queue that only it touches, and an
 * inbox (a lock-free stack) where other threads push the tasks they wake.
 * A CPU with nothing to run says so in its idle word and sleeps on it
 * (a futex); a waker that finds the word set clears it and wakes the
 * thread, so a busy CPU costs its wakers one atomic push.
 */
#include "mm/vcpu.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "mm/page_io.h"
#include "swap/io/engine.h"

#define VTASK_STACK (512u << 10) /* mapped lazily, one guard page below */

struct vcpu;

struct vtask {
	ucontext_t ctx;	    /* where it stopped */
	void *stack;	    /* mapping, guard page first */
	size_t map_len;	    /* of the mapping */
	void (*fn)(void *); /* what it runs */
	void *arg;	    /* its argument */
	struct vcpu *cpu;   /* where it runs, for ever */
	struct vtask *next; /* run queue or inbox link */
	bool done;	    /* fn returned */
};

struct vcpu {
	struct vcpus *v;	     /* the set */
	uint64_t slice_start;	     /* ns, when current started running */
	pthread_t thread;	     /* the CPU */
	ucontext_t ctx;		     /* its scheduler loop */
	struct vtask *current;	     /* running, or NULL */
	struct vtask *rq, **rq_tail; /* runnable, FIFO (own thread) */
	_Alignas(64) _Atomic(struct vtask *) inbox; /* woken elsewhere */
	_Atomic uint32_t idle; /* futex: 1 while it sleeps */
};

struct vcpus {
	unsigned int nr;	       /* CPUs */
	struct swap_io_engine *engine; /* hosts them on its rings, or NULL */
	struct vcpu *cpu;	       /* [nr] */
	_Atomic unsigned int next;     /* placement, round robin */
	_Atomic bool stop;	       /* threads end when idle */
	pthread_mutex_t lock;	       /* live and its condition */
	pthread_cond_t idle_cond;      /* live dropped to 0 */
	unsigned int live;	       /* spawned, not ended */
	unsigned int started;	       /* threads created */
};

static __thread struct vcpu *tls_cpu;

/* Its place in the set, and the ring that hosts it. */
static unsigned int vcpu_index(const struct vcpu *c)
{
	return (unsigned int)(c - c->v->cpu);
}
__thread unsigned int vcpu_tick_left;

static uint64_t vcpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void futex_wait(_Atomic uint32_t *word, uint32_t val)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* ---- run queues ------------------------------------------------------------ */

static void rq_add(struct vcpu *c, struct vtask *t)
{
	t->next = NULL;
	*c->rq_tail = t;
	c->rq_tail = &t->next;
}

static struct vtask *rq_pop(struct vcpu *c)
{
	struct vtask *t = c->rq;

	if (t) {
		c->rq = t->next;
		if (!c->rq)
			c->rq_tail = &c->rq;
	}
	return t;
}

/* Move the inbox (newest first) to the run queue in wake order. */
static void rq_take_inbox(struct vcpu *c)
{
	struct vtask *t = atomic_exchange(&c->inbox, NULL), *fifo = NULL;

	while (t) {
		struct vtask *next = t->next;

		t->next = fifo;
		fifo = t;
		t = next;
	}
	while (fifo) {
		struct vtask *next = fifo->next;

		rq_add(c, fifo);
		fifo = next;
	}
}

void vtask_wake(struct vtask *t)
{
	struct vcpu *c = t->cpu;
	struct vtask *old =
		atomic_load_explicit(&c->inbox, memory_order_relaxed);

	do {
		t->next = old;
	} while (!atomic_compare_exchange_weak(&c->inbox, &old, t));
	if (c->v->engine) {
		swap_io_ring_kick(c->v->engine, vcpu_index(c));
		return;
	}
	/* Pairs with the CPU's idle store and inbox re-check. */
	if (atomic_load(&c->idle) && atomic_exchange(&c->idle, 0))
		futex_wake(&c->idle);
}

void vtask_wake_list(struct vtask_waiter *w)
{
	while (w) {
		struct vtask_waiter *next = w->next; /* w goes with its task */

		vtask_wake(w->task);
		w = next;
	}
}

/* ---- switching ------------------------------------------------------------- */

struct vtask *vtask_current(void)
{
	return tls_cpu ? tls_cpu->current : NULL;
}

/* Back to the CPU's loop; the task's plugs wait parked meanwhile. */
static void vtask_switch_out(struct vtask *t)
{
	unsigned int plugs = page_io_plug_park();

	swapcontext(&t->ctx, &t->cpu->ctx);
	page_io_plug_resume(plugs);
}

void vtask_block(void)
{
	vtask_switch_out(tls_cpu->current);
}

void vcpu_yield(void)
{
	struct vtask *t = vtask_current();

	if (!t) {
		sched_yield();
		return;
	}
	rq_take_inbox(t->cpu); /* those woken first run first */
	rq_add(t->cpu, t);
	vtask_switch_out(t);
}

void vcpu_tick_slow(void)
{
	struct vcpu *c = tls_cpu;
	uint64_t now;

	if (!c || !c->current) {
		vcpu_tick_left = UINT_MAX; /* a plain thread: never again */
		return;
	}
	vcpu_tick_left = VCPU_TICK_CALLS;
	now = vcpu_now_ns();
	if (now - c->slice_start < VCPU_SLICE_NS)
		return;
	/* A hosted CPU yields even alone: its ring reaps meanwhile the
	 * completions that its other tasks wait for. */
	if (c->v->engine || c->rq ||
	    atomic_load_explicit(&c->inbox, memory_order_relaxed))
		vcpu_yield();
	else
		c->slice_start = now; /* alone: a new slice */
}

static void vtask_entry(void)
{
	struct vtask *t = tls_cpu->current;

	t->fn(t->arg);
	t->done = true;
	setcontext(&t->cpu->ctx);
}

static void vtask_free(struct vtask *t)
{
	munmap(t->stack, t->map_len);
	free(t);
}

static void vtask_ended(struct vcpus *v)
{
	pthread_mutex_lock(&v->lock);
	if (!--v->live)
		pthread_cond_broadcast(&v->idle_cond);
	pthread_mutex_unlock(&v->lock);
}

/* ---- the CPUs ---------------------------------------------------------------- */

/* The next runnable task of @c, or NULL. */
static struct vtask *vcpu_next(struct vcpu *c)
{
	struct vtask *t = rq_pop(c);

	if (!t) {
		rq_take_inbox(c);
		t = rq_pop(c);
	}
	return t;
}

/* Run @t until it waits, yields or ends. */
static void vcpu_run(struct vcpu *c, struct vtask *t)
{
	c->current = t;
	c->slice_start = vcpu_now_ns();
	vcpu_tick_left = VCPU_TICK_CALLS;
	swapcontext(&c->ctx, &t->ctx);
	c->current = NULL;
	if (t->done) {
		vtask_free(t);
		vtask_ended(c->v);
	}
}

/* A CPU with a thread of its own: run tasks, sleep when there are none. */
static void *vcpu_main(void *arg)
{
	struct vcpu *c = arg;
	char name[16];

	snprintf(name, sizeof(name), "swapemu-cpu%u", vcpu_index(c));
	pthread_setname_np(pthread_self(), name);
	tls_cpu = c;
	for (;;) {
		struct vtask *t = vcpu_next(c);

		if (!t) {
			if (atomic_load(&c->v->stop))
				break;
			atomic_store(&c->idle, 1);
			if (!atomic_load(&c->inbox) &&
			    !atomic_load(&c->v->stop))
				futex_wait(&c->idle, 1);
			atomic_store(&c->idle, 0);
			continue;
		}
		vcpu_run(c, t);
	}
	tls_cpu = NULL;
	return NULL;
}

/*
 * A CPU hosted by a ring thread: one task per step, between the ring's
 * passes, so the task's IO is submitted before the next one runs and
 * completions are reaped between tasks.  The thread is this CPU only
 * while a task runs: a completion callback on it wakes through the inbox.
 */
static bool vcpu_host_step(void *arg)
{
	struct vcpu *c = arg;
	struct vtask *t = vcpu_next(c);

	if (!t)
		return false;
	tls_cpu = c;
	vcpu_run(c, t);
	tls_cpu = NULL;
	return c->rq || atomic_load_explicit(&c->inbox, memory_order_relaxed);
}

int vcpu_spawn(struct vcpus *v, void (*fn)(void *), void *arg)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct vtask *t = calloc(1, sizeof(*t));
	unsigned int at;

	if (!t)
		return -ENOMEM;
	t->map_len = VTASK_STACK + (size_t)pg;
	t->stack = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->stack == MAP_FAILED) {
		free(t);
		return -ENOMEM;
	}
	mprotect(t->stack, (size_t)pg, PROT_NONE); /* overflow faults */
	getcontext(&t->ctx);
	t->ctx.uc_stack.ss_sp = (char *)t->stack + pg;
	t->ctx.uc_stack.ss_size = VTASK_STACK;
	t->ctx.uc_link = NULL;
	makecontext(&t->ctx, vtask_entry, 0);
	t->fn = fn;
	t->arg = arg;
	at = atomic_fetch_add(&v->next, 1) % v->nr;
	t->cpu = &v->cpu[at];
	pthread_mutex_lock(&v->lock);
	v->live++;
	pthread_mutex_unlock(&v->lock);
	vtask_wake(t);
	return 0;
}

void vcpu_wait_idle(struct vcpus *v)
{
	pthread_mutex_lock(&v->lock);
	while (v->live)
		pthread_cond_wait(&v->idle_cond, &v->lock);
	pthread_mutex_unlock(&v->lock);
}

unsigned int vcpu_count(const struct vcpus *v)
{
	return v->nr;
}

const char *vcpu_label(unsigned int cpus, char *buf, unsigned int len)
{
	if (!cpus)
		snprintf(buf, len, " (a thread each)");
	else
		snprintf(buf, len, " on %u emulated CPU%s", cpus,
			 cpus > 1 ? "s" : "");
	return buf;
}

unsigned int vcpu_engine_rings(unsigned int cpus)
{
	return cpus && cpus <= SWAP_IO_MAX_RINGS ? cpus : 1;
}

struct swap_io_engine *vcpu_host_engine(struct swap_io_engine *engine,
					unsigned int cpus)
{
	return engine && swap_io_engine_rings(engine) >= cpus ? engine : NULL;
}

unsigned int vcpu_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > VCPU_MAX ? VCPU_MAX : (unsigned int)n;
}

void vcpu_stop(struct vcpus *v)
{
	if (!v)
		return;
	vcpu_wait_idle(v);
	atomic_store(&v->stop, true);
	for (unsigned int i = 0; i < v->started; i++) {
		if (v->engine) {
			swap_io_ring_host(v->engine, i, NULL);
			continue;
		}
		atomic_store(&v->cpu[i].idle, 0);
		futex_wake(&v->cpu[i].idle);
	}
	for (unsigned int i = 0; i < v->started && !v->engine; i++)
		pthread_join(v->cpu[i].thread, NULL);
	pthread_mutex_destroy(&v->lock);
	pthread_cond_destroy(&v->idle_cond);
	free(v->cpu);
	free(v);
}

int vcpu_start(unsigned int nr, struct swap_io_engine *engine,
	       struct vcpus **out)
{
	struct vcpus *v;
	int rc = 0;

	if (nr < 1 || nr > VCPU_MAX ||
	    (engine && nr > swap_io_engine_rings(engine)))
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->cpu = calloc(nr, sizeof(*v->cpu));
	if (!v->cpu) {
		free(v);
		return -ENOMEM;
	}
	v->nr = nr;
	v->engine = engine;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->idle_cond, NULL);
	for (unsigned int i = 0; i < nr; i++) {
		v->cpu[i].v = v;
		v->cpu[i].rq_tail = &v->cpu[i].rq;
	}
	for (unsigned int i = 0; i < nr && !rc; i++) {
		struct swap_io_host host = {vcpu_host_step, &v->cpu[i]};

		if (engine)
			rc = swap_io_ring_host(engine, i, &host);
		else
			rc = -pthread_create(&v->cpu[i].thread, NULL, vcpu_main,
					     &v->cpu[i]);
		v->started += !rc;
	}
	if (rc) {
		vcpu_stop(v);
		return rc;
	}
	*out = v;
	return 0;
}

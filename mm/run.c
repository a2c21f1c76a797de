/* SPDX-License-Identifier: MIT */
/*
 * Running a workload: one thread per task, or tasks on emulated CPUs
 * (mm/vcpu.h), fed through bounded queues.  See mm/run.h.
 */
#include "mm/run.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mm/belady.h"
#include "mm/mm_i.h"
#include "mm/mmu.h"
#include "mm/page.h"
#include "mm/vcpu.h"
#include "mm/vmscan.h"

#define RUN_BATCH 64	/* operations handed over at once */
#define RUN_OP_STOP 100 /* internal: the task ends (exits if alive) */

/*
 * A bounded queue of operations, one producer (the dispatcher) and one
 * consumer (the task): a ring whose two indexes are published with
 * release stores, so handing over a batch costs no lock.  The task runs
 * operations in place and frees their slots after.  A side that finds
 * nothing to do spins briefly (the other side is usually a batch away)
 * and then sleeps on cond, having said so in its sleeping flag; the other
 * side takes the lock to wake it only when that flag is set.
 */
struct op_queue {
	struct workload_op *ring;	    /* mask + 1 entries */
	uint32_t mask;			    /* size - 1, size a power of two */
	uint32_t limit;			    /* operations held at most */
	pthread_mutex_t lock;		    /* orders sleeping against waking */
	pthread_cond_t cond;		    /* either side may proceed */
	_Atomic bool cons_sleeping;	    /* the task waits for ops */
	_Atomic bool prod_sleeping;	    /* the dispatcher waits */
	struct vtask *cons_task;	    /* the waiting task, on a vcpu */
	_Alignas(64) _Atomic uint32_t tail; /* next to fill (producer) */
	_Alignas(64) _Atomic uint32_t head; /* next to run (consumer) */
};

struct run;

struct run_task {
	struct run *run;      /* the run it belongs to */
	uint32_t id;	      /* task id */
	struct mm *mm;	      /* its address space (its thread's) */
	pthread_t thread;     /* started by the dispatcher or a fork */
	_Atomic bool started; /* thread is running or ran */
	struct op_queue q;    /* its operations */
	struct workload_op batch[RUN_BATCH]; /* dispatcher side, not sent */
	unsigned int nb;		     /* operations in batch */
	struct run_task *next;		     /* creation order */
	uint64_t nr_ops;      /* done (task thread, read after join) */
	uint64_t nr_accesses; /* idem */
	uint64_t nr_writes;   /* idem */
	bool ended;	      /* on a vcpu: it returned (run->join_lock) */
};

struct run {
	struct pgdat *pgdat;	       /* the node */
	struct run_task **task;	       /* by id, WORKLOAD_MAX_TASKS */
	struct run_task *first, *last; /* creation order */
	unsigned int queue_ops;	       /* queue size per task */
	_Atomic bool abort;	       /* an operation failed: drain */
	pthread_mutex_t err_lock;      /* guards the error fields */
	struct run_result *res;	       /* where the error goes */
	uint64_t *stream;	       /* page ids, for Belady */
	size_t nr_stream;	       /* entries used */
	size_t cap_stream;	       /* entries allocated */
	bool belady;		       /* record the stream */
	int stream_rc;		       /* -ENOMEM if recording failed */
	const struct run_options *opt; /* swapoff plan */
	uint64_t nr_dispatched;	       /* accesses handed to tasks */
	struct vcpus *vcpus;	       /* tasks run there; NULL: threads */
	pthread_mutex_t join_lock;     /* task ends on vcpus */
	pthread_cond_t join_cond;      /* one ended */
	struct run_swapoff_thread {
		struct run *run;    /* back pointer */
		unsigned int type;  /* area to take off */
		pthread_t thread;   /* running pgdat_swapoff */
		bool started;	    /* thread created (dispatcher) */
		int rc;		    /* its result, read after join */
	} swapoff[RUN_MAX_SWAPOFF]; /* one per planned swapoff */
};

/* ---- queues ------------------------------------------------------------- */

/* Polls of an empty (full) queue before sleeping: a few microseconds. */
#define QUEUE_SPINS 2000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static int queue_init(struct op_queue *q, uint32_t cap)
{
	uint32_t size = RUN_BATCH;

	while (size < cap)
		size *= 2;
	q->ring = malloc(size * sizeof(*q->ring));
	if (!q->ring)
		return -ENOMEM;
	q->mask = size - 1;
	q->limit = cap;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	atomic_init(&q->cons_sleeping, false);
	atomic_init(&q->prod_sleeping, false);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	return 0;
}

static void queue_destroy(struct op_queue *q)
{
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	free(q->ring);
}

/* Wake the other side if it said it sleeps.  The caller has just
 * published an index; the fence orders that before reading the flag, as
 * the sleeper sets its flag before reading the index again. */
static void queue_wake(struct op_queue *q, _Atomic bool *sleeping)
{
	struct vtask *task;

	smp_mb();
	if (!atomic_load_explicit(sleeping, memory_order_relaxed))
		return;
	pthread_mutex_lock(&q->lock);
	pthread_cond_broadcast(&q->cond);
	task = q->cons_task;
	q->cons_task = NULL;
	pthread_mutex_unlock(&q->lock);
	if (task)
		vtask_wake(task);
}

/* The consumer sleeps until the tail moves past @head: on its thread, or
 * (a task on a vcpu) giving its CPU to the other tasks. */
static void queue_sleep_empty(struct op_queue *q, uint32_t head)
{
	struct vtask *task = vtask_current();

	pthread_mutex_lock(&q->lock);
	atomic_store(&q->cons_sleeping, true);
	if (task) {
		if (atomic_load(&q->tail) == head) {
			q->cons_task = task;
			pthread_mutex_unlock(&q->lock);
			vtask_block(); /* queue_wake took cons_task */
			pthread_mutex_lock(&q->lock);
		}
	} else {
		while (atomic_load(&q->tail) == head)
			pthread_cond_wait(&q->cond, &q->lock);
	}
	atomic_store(&q->cons_sleeping, false);
	pthread_mutex_unlock(&q->lock);
}

static uint32_t queue_room(struct op_queue *q, uint32_t tail)
{
	return q->limit -
	       (tail - atomic_load_explicit(&q->head, memory_order_acquire));
}

/* Sleep up to 20 ms for room for @n operations (the caller rechecks, and
 * looks at the run's abort in between). */
static void queue_wait_room(struct op_queue *q, uint32_t tail, unsigned int n)
{
	struct timespec ts;

	for (unsigned int i = 0; i < QUEUE_SPINS; i++) {
		if (queue_room(q, tail) >= n)
			return;
		cpu_relax();
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 20000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&q->lock);
	atomic_store(&q->prod_sleeping, true);
	if (queue_room(q, tail) < n)
		pthread_cond_timedwait(&q->cond, &q->lock, &ts);
	atomic_store(&q->prod_sleeping, false);
	pthread_mutex_unlock(&q->lock);
}

/* Append @n operations; false if the run aborted while waiting for room
 * (unless @force: a STOP must get through, consumers drain). */
static bool queue_push(struct run *run, struct op_queue *q,
		       const struct workload_op *ops, unsigned int n,
		       bool force)
{
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint32_t at = tail & q->mask, first = q->mask + 1 - at;

	while (queue_room(q, tail) < n) {
		if (!force && atomic_load(&run->abort))
			return false;
		queue_wait_room(q, tail, n);
	}
	if (first > n)
		first = n;
	memcpy(&q->ring[at], ops, first * sizeof(*ops));
	memcpy(q->ring, ops + first, (n - first) * sizeof(*ops));
	atomic_store_explicit(&q->tail, tail + n, memory_order_release);
	queue_wake(q, &q->cons_sleeping);
	return true;
}

/* Wait for operations; *@ops points at those in the ring from the head
 * on (at most @max, not wrapping).  Returns how many; the caller runs
 * them and then frees their slots with queue_consume. */
static unsigned int queue_peek(struct op_queue *q, struct workload_op **ops,
			       unsigned int max)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint32_t tail, n, at = head & q->mask;
	/* A task on a vcpu does not spin: other tasks may use the CPU. */
	unsigned int spins = vtask_current() ? QUEUE_SPINS : 0;

	while ((tail = atomic_load_explicit(&q->tail, memory_order_acquire)) ==
	       head) {
		if (spins++ < QUEUE_SPINS) {
			cpu_relax();
			continue;
		}
		queue_sleep_empty(q, head);
	}
	n = tail - head;
	if (n > q->mask + 1 - at)
		n = q->mask + 1 - at;
	*ops = &q->ring[at];
	return n < max ? n : max;
}

static void queue_consume(struct op_queue *q, unsigned int n)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);

	atomic_store_explicit(&q->head, head + n, memory_order_release);
	queue_wake(q, &q->prod_sleeping);
}

/* ---- errors -------------------------------------------------------------- */

static void op_describe(const struct workload_op *op, char *buf, size_t n)
{
	static const char *const names[] = {
		[WL_ACCESS] = "",   [WL_MMAP] = "mmap", [WL_MUNMAP] = "munmap",
		[WL_FORK] = "fork", [WL_EXIT] = "exit",
	};

	if (op->type == WL_ACCESS)
		snprintf(buf, n, "task %u %c %#" PRIx64 " %" PRIu64, op->task,
			 op->write ? 'W' : 'R', op->addr, op->len);
	else if (op->type == WL_FORK)
		snprintf(buf, n, "task %u fork %u", op->task, op->child);
	else if (op->type == WL_EXIT)
		snprintf(buf, n, "task %u exit", op->task);
	else
		snprintf(buf, n, "task %u %s %#" PRIx64 " %" PRIu64, op->task,
			 names[op->type], op->addr, op->len);
}

/* Record the first failure and make everyone drain. */
static void run_fail(struct run *run, int rc, const struct workload_op *op,
		     const char *msg)
{
	struct run_result *res = run->res;
	char what[96] = "";

	pthread_mutex_lock(&run->err_lock);
	if (!res->error) {
		res->error = rc;
		res->error_line = op ? op->line : 0;
		if (op)
			op_describe(op, what, sizeof(what));
		if (msg)
			snprintf(res->error_msg, sizeof(res->error_msg), "%s",
				 msg);
		else if (op && op->line)
			snprintf(res->error_msg, sizeof(res->error_msg),
				 "line %" PRIu64 ": %s: %s", op->line, what,
				 strerror(-rc));
		else
			snprintf(res->error_msg, sizeof(res->error_msg),
				 "%s: %s", what, strerror(-rc));
	}
	pthread_mutex_unlock(&run->err_lock);
	atomic_store(&run->abort, true);
}

/* ---- task threads --------------------------------------------------------- */

static void *task_main(void *arg);
static void task_vmain(void *arg);

static int task_start(struct run_task *t)
{
	int rc;

	if (t->run->vcpus)
		rc = -vcpu_spawn(t->run->vcpus, task_vmain, t);
	else
		rc = pthread_create(&t->thread, NULL, task_main, t);
	if (rc)
		return -rc;
	atomic_store(&t->started, true);
	return 0;
}

static int task_fork(struct run_task *t, const struct workload_op *op)
{
	struct run_task *child = t->run->task[op->child];
	int rc = mmu_fork(t->mm, (int)op->child, &child->mm);

	if (rc)
		return rc;
	rc = task_start(child);
	if (rc) {
		mmu_exit(child->mm);
		child->mm = NULL;
	}
	return rc;
}

/* Execute one operation; 1 when the task is over. */
static int task_exec(struct run_task *t, const struct workload_op *op)
{
	t->nr_ops++;
	switch ((int)op->type) {
	case WL_ACCESS:
		t->nr_accesses++;
		t->nr_writes += op->write;
		return mmu_access(t->mm, op->addr, (uint32_t)op->len,
				  op->write);
	case WL_MMAP:
		return mmu_mmap(t->mm, op->addr, op->len);
	case WL_MUNMAP:
		return mmu_munmap(t->mm, op->addr, op->len);
	case WL_FORK:
		return task_fork(t, op);
	default: /* WL_EXIT, RUN_OP_STOP */
		t->nr_ops -= op->type != WL_EXIT;
		if (t->mm)
			mmu_exit(t->mm);
		t->mm = NULL;
		return 1;
	}
}

/* Execute the run of accesses at the start of @ops[0..@n) (mmu_access_ops:
 * hits take the short path); returns how many operations it used. */
static unsigned int task_exec_accesses(struct run_task *t,
				       const struct workload_op *ops,
				       unsigned int n)
{
	unsigned int done;
	int rc = mmu_access_ops(t->mm, ops, n, &done);

	if (rc) {
		run_fail(t->run, rc, &ops[done], NULL);
		done++; /* the failing access counts as executed */
	}
	for (unsigned int i = 0; i < done; i++)
		t->nr_writes += ops[i].write;
	t->nr_accesses += done;
	t->nr_ops += done;
	return done;
}

/* A task's life: run what its queue holds until its exit or stop. */
static void task_run(struct run_task *t)
{
	struct workload_op *ops;

	for (;;) {
		unsigned int n = queue_peek(&t->q, &ops, 4 * RUN_BATCH);

		for (unsigned int i = 0; i < n; i++) {
			bool end = ops[i].type == WL_EXIT ||
				   (int)ops[i].type == RUN_OP_STOP;
			int rc;

			if (atomic_load(&t->run->abort) && !end)
				continue; /* drain */
			if (ops[i].type == WL_ACCESS) {
				i += task_exec_accesses(t, ops + i, n - i) - 1;
				continue;
			}
			rc = task_exec(t, &ops[i]);
			if (rc == 1) {
				queue_consume(&t->q, n);
				return;
			}
			if (rc)
				run_fail(t->run, rc, &ops[i], NULL);
		}
		queue_consume(&t->q, n);
	}
}

static void *task_main(void *arg)
{
	mmu_task_thread_init(); /* best effort: runs either way */
	task_run(arg);
	return NULL;
}

static void task_vmain(void *arg)
{
	struct run_task *t = arg;
	struct run *run = t->run;

	task_run(t);
	pthread_mutex_lock(&run->join_lock);
	t->ended = true; /* the dispatcher may free t from here on */
	pthread_cond_broadcast(&run->join_cond);
	pthread_mutex_unlock(&run->join_lock);
}

/* ---- the dispatcher -------------------------------------------------------- */

static void task_free(struct run *run, struct run_task *t)
{
	struct run_result *res = run->res;

	res->nr_ops += t->nr_ops;
	res->nr_accesses += t->nr_accesses;
	res->nr_writes += t->nr_writes;
	res->nr_tasks++;
	queue_destroy(&t->q);
	free(t);
}

/* Wait for a task's thread (it has an exit or a stop queued).  A task
 * whose fork its parent has not executed yet is waited for too, unless
 * the run aborted (then the fork never comes). */
static void task_join(struct run *run, struct run_task *t)
{
	while (!atomic_load(&t->started) && !atomic_load(&run->abort) &&
	       t != run->first)
		sched_yield();
	if (atomic_load(&t->started) && run->vcpus) {
		pthread_mutex_lock(&run->join_lock);
		while (!t->ended)
			pthread_cond_wait(&run->join_cond, &run->join_lock);
		pthread_mutex_unlock(&run->join_lock);
	} else if (atomic_load(&t->started)) {
		pthread_join(t->thread, NULL);
	} else if (t->mm)
		mmu_exit(t->mm);
	for (struct run_task **pp = &run->first; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	run->last = NULL;
	for (struct run_task *x = run->first; x; x = x->next)
		run->last = x;
	run->task[t->id] = NULL;
	task_free(run, t);
}

static struct run_task *task_create(struct run *run, uint32_t id)
{
	/* Aligned: the queue's indexes have cache lines of their own. */
	struct run_task *t = aligned_alloc(_Alignof(struct run_task),
					   sizeof(struct run_task));

	if (!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	if (queue_init(&t->q, run->queue_ops)) {
		free(t);
		return NULL;
	}
	t->run = run;
	t->id = id;
	atomic_init(&t->started, false);
	if (run->last)
		run->last->next = t;
	else
		run->first = t;
	run->last = t;
	run->task[id] = t;
	return t;
}

static bool task_flush(struct run *run, struct run_task *t)
{
	bool ok = !t->nb || queue_push(run, &t->q, t->batch, t->nb, false);

	t->nb = 0;
	return ok;
}

/* Record the pages an access touches, for Belady. */
static void stream_add(struct run *run, const struct workload_op *op)
{
	uint64_t first = op->addr >> PAGE_SHIFT;
	uint64_t last = (op->addr + op->len - 1) >> PAGE_SHIFT;

	for (uint64_t vpn = first; vpn <= last && !run->stream_rc; vpn++) {
		if (run->nr_stream == run->cap_stream) {
			size_t cap =
				run->cap_stream ? 2 * run->cap_stream : 1 << 20;
			uint64_t *s = realloc(run->stream, cap * sizeof(*s));

			if (!s) {
				run->stream_rc = -ENOMEM;
				return;
			}
			run->stream = s;
			run->cap_stream = cap;
		}
		run->stream[run->nr_stream++] = vpn << 16 | op->task;
	}
}

/* Hand one operation to its task.  False when the run must stop. */
static bool dispatch(struct run *run, const struct workload_op *op)
{
	struct run_task *t = run->task[op->task], *old;

	if (!t) {
		run_fail(run, -ESRCH, op, NULL);
		return false;
	}
	if (op->type == WL_FORK) {
		old = run->task[op->child];
		if (old) { /* an id used before: that task has exited */
			task_flush(run, old);
			task_join(run, old);
		}
		if (!task_create(run, op->child)) {
			run_fail(run, -ENOMEM, op, NULL);
			return false;
		}
	}
	if (run->belady && op->type == WL_ACCESS)
		stream_add(run, op);
	t->batch[t->nb++] = *op;
	if (t->nb == RUN_BATCH || op->type == WL_FORK || op->type == WL_EXIT)
		return task_flush(run, t);
	return true;
}

/* Stop every task, parents first so that forks in flight are done. */
static void run_stop_all(struct run *run)
{
	struct workload_op stop = {.type = (enum workload_op_type)RUN_OP_STOP};

	while (run->first) {
		struct run_task *t = run->first;

		task_flush(run, t); /* may fail on abort: dropped, fine */
		if (atomic_load(&t->started)) {
			stop.task = t->id;
			queue_push(run, &t->q, &stop, 1, true);
		}
		task_join(run, t);
	}
}

static double run_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_finish(struct run *run, struct pgdat *pgdat,
		       const uint64_t *vm0, const struct pgdat_io_pattern *io0)
{
	struct run_result *res = run->res;
	uint64_t vm1[NR_VM_EVENT_ITEMS];

	vmstat_snapshot(pgdat_vmstat(pgdat), vm1);
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		res->vmstat[i] = vm1[i] - vm0[i];
	pgdat_io_pattern(pgdat, &res->io);
	for (int op = 0; op < 2; op++) {
		res->io.ops[op] -= io0->ops[op];
		res->io.runs[op] -= io0->runs[op];
	}
	pgdat_fault_latency(pgdat, &res->fault_ns, &res->majfault_ns);
	res->nr_frames = page_pool_nr_frames(pgdat_pool(pgdat));
	if (run->belady && !run->stream_rc && !res->error) {
		res->belady =
			!belady_faults(run->stream, run->nr_stream,
				       res->nr_frames, &res->opt_faults) &&
			!belady_lru_faults(run->stream, run->nr_stream,
					   res->nr_frames, &res->lru_faults);
		if (res->belady)
			belady_distinct(run->stream, run->nr_stream,
					&res->nr_pages);
	}
}

void run_options_init(struct run_options *opt)
{
	*opt = (struct run_options){.belady = true, .kswapd = true};
}

static int run_init(struct run *run, struct pgdat *pgdat,
		    const struct run_options *opt, struct run_result *res)
{
	memset(run, 0, sizeof(*run));
	memset(res, 0, sizeof(*res));
	res->cpus = opt->cpus;
	run->pgdat = pgdat;
	run->res = res;
	run->belady = opt->belady;
	run->opt = opt;
	run->queue_ops = opt->queue_ops ? opt->queue_ops : 4096;
	if (run->queue_ops < RUN_BATCH)
		run->queue_ops = RUN_BATCH;
	pthread_mutex_init(&run->err_lock, NULL);
	pthread_mutex_init(&run->join_lock, NULL);
	pthread_cond_init(&run->join_cond, NULL);
	run->task = calloc(WORKLOAD_MAX_TASKS, sizeof(*run->task));
	if (opt->nr_swapoff > RUN_MAX_SWAPOFF || opt->cpus > VCPU_MAX)
		return -EINVAL;
	if (!run->task)
		return -ENOMEM;
	if (!opt->cpus)
		return 0;
	return vcpu_start(opt->cpus, vcpu_host_engine(opt->engine, opt->cpus),
			  &run->vcpus);
}

/* ---- swapoff in the middle ------------------------------------------------ */

static void *swapoff_main(void *arg)
{
	struct run_swapoff_thread *s = arg;

	s->rc = pgdat_swapoff(s->run->pgdat, s->type);
	return NULL;
}

/* Start the planned swapoffs that are due after one more access. */
static void swapoff_due(struct run *run)
{
	const struct run_options *opt = run->opt;

	for (unsigned int i = 0; i < opt->nr_swapoff; i++) {
		struct run_swapoff_thread *s = &run->swapoff[i];

		if (s->started || opt->swapoff[i].at > run->nr_dispatched)
			continue;
		s->run = run;
		s->type = opt->swapoff[i].type;
		if (pthread_create(&s->thread, NULL, swapoff_main, s))
			s->rc = -EAGAIN;
		else
			s->started = true;
	}
}

/* Wait for the swapoffs started; count them and keep the first error.
 * One planned past the end of the stream runs now. */
static void swapoff_join(struct run *run)
{
	struct run_result *res = run->res;

	run->nr_dispatched = UINT64_MAX;
	if (!atomic_load(&run->abort))
		swapoff_due(run);
	for (unsigned int i = 0; i < run->opt->nr_swapoff; i++) {
		struct run_swapoff_thread *s = &run->swapoff[i];

		if (s->started)
			pthread_join(s->thread, NULL);
		if (!s->started && !s->rc)
			continue;
		if (!s->rc)
			res->nr_swapoff++;
		else if (!res->swapoff_error)
			res->swapoff_error = s->rc;
	}
}

/* Read @w and dispatch it; task 0 must exist. */
static void run_dispatch_all(struct run *run, struct workload *w)
{
	struct workload_op op;
	int rc;

	while (!atomic_load(&run->abort) && (rc = workload_next(w, &op)) == 1) {
		if (!dispatch(run, &op))
			break;
		if (op.type == WL_ACCESS && run->opt->nr_swapoff) {
			run->nr_dispatched++;
			swapoff_due(run);
		}
	}
	if (rc < 0 && !atomic_load(&run->abort))
		run_fail(run, rc, NULL, workload_error(w));
	swapoff_join(run);
}

int run_workload(struct pgdat *pgdat, struct workload *w,
		 const struct run_options *opt, struct run_result *res)
{
	struct pgdat_io_pattern io0;
	uint64_t vm0[NR_VM_EVENT_ITEMS];
	bool own_kswapd = false;
	struct run_task *t0;
	struct run run;
	double start;
	int rc = run_init(&run, pgdat, opt, res);

	if (rc)
		goto out_free;
	vmstat_snapshot(pgdat_vmstat(pgdat), vm0);
	pgdat_io_pattern(pgdat, &io0);
	pgdat_fault_latency_reset(pgdat);
	if (opt->kswapd)
		own_kswapd = vmscan_kswapd_run(pgdat) == 0;
	start = run_now();
	t0 = task_create(&run, 0);
	if (!t0 || mmu_mm_create(pgdat, 0, &t0->mm) || task_start(t0))
		run_fail(&run, -ENOMEM, NULL, "cannot start task 0");
	else
		run_dispatch_all(&run, w);
	run_stop_all(&run);
	vcpu_stop(run.vcpus);
	res->seconds = run_now() - start;
	if (own_kswapd)
		vmscan_kswapd_stop(pgdat);
	run_finish(&run, pgdat, vm0, &io0);
out_free:
	free(run.stream);
	free(run.task);
	pthread_mutex_destroy(&run.err_lock);
	pthread_mutex_destroy(&run.join_lock);
	pthread_cond_destroy(&run.join_cond);
	return res->error ? res->error : (rc < 0 ? rc : 0);
}

/* ---- output ----------------------------------------------------------------- */

static double mean_run(const struct pgdat_io_pattern *io, int op)
{
	return io->runs[op] ? (double)io->ops[op] / (double)io->runs[op] : 0;
}

static void print_latency(FILE *f, const char *what,
			  const struct swap_hist_summary *s)
{
	fprintf(f,
		"%-22s %10" PRIu64 "  p50 %8.1f us  p90 %8.1f us  "
		"p99 %8.1f us  p99.9 %8.1f us\n",
		what, s->count, s->p50 / 1e3, s->p90 / 1e3, s->p99 / 1e3,
		s->p999 / 1e3);
}

void run_result_print(const struct run_result *r, FILE *f)
{
	char on[40];

	fprintf(f,
		"%u tasks%s, %" PRIu64 " accesses (%" PRIu64
		" writes) in %.3f s: %.0f accesses/s\n",
		r->nr_tasks, vcpu_label(r->cpus, on, sizeof(on)),
		r->nr_accesses, r->nr_writes, r->seconds,
		r->seconds > 0 ? (double)r->nr_accesses / r->seconds : 0);
	fprintf(f, "memory %" PRIu64 " frames (%" PRIu64 " KiB)\n",
		r->nr_frames, r->nr_frames * (PAGE_SIZE / 1024));
	print_latency(f, "fault latency", &r->fault_ns);
	print_latency(f, "major fault latency", &r->majfault_ns);
	fprintf(f,
		"swap IO: %" PRIu64 " writes, mean run %.1f slots; %" PRIu64
		" reads, mean run %.1f slots; 4 KiB each\n",
		r->io.ops[1], mean_run(&r->io, 1), r->io.ops[0],
		mean_run(&r->io, 0));
	if (r->belady)
		fprintf(f,
			"page-ins: OPT (Belady) %" PRIu64 ", LRU %" PRIu64
			", %" PRIu64 " distinct pages\n",
			r->opt_faults, r->lru_faults, r->nr_pages);
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		fprintf(f, "  %-26s %" PRIu64 "\n",
			vmstat_name((enum vm_event_item)i), r->vmstat[i]);
	if (r->nr_swapoff || r->swapoff_error)
		fprintf(f, "swapoff in the middle: %u done%s%s\n",
			r->nr_swapoff, r->swapoff_error ? ", failed: " : "",
			r->swapoff_error ? strerror(-r->swapoff_error) : "");
	if (r->error)
		fprintf(f, "error: %s\n", r->error_msg);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_latency(FILE *f, const char *name,
			 const struct swap_hist_summary *s)
{
	fprintf(f,
		"\"%s\":{\"count\":%" PRIu64 ",\"mean\":%" PRIu64
		",\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64
		",\"p999\":%" PRIu64 ",\"max\":%" PRIu64 "}",
		name, s->count, s->mean, s->p50, s->p90, s->p99, s->p999,
		s->max);
}

void run_result_json(const struct run_result *r, FILE *f)
{
	fprintf(f,
		"{\"tasks\":%u,\"cpus\":%u,\"ops\":%" PRIu64
		",\"accesses\":%" PRIu64 ",\"writes\":%" PRIu64
		",\"seconds\":%.6f,\"frames\":%" PRIu64 ",",
		r->nr_tasks, r->cpus, r->nr_ops, r->nr_accesses, r->nr_writes,
		r->seconds, r->nr_frames);
	json_latency(f, "fault_latency_ns", &r->fault_ns);
	fputc(',', f);
	json_latency(f, "majfault_latency_ns", &r->majfault_ns);
	fprintf(f,
		",\"swap_io\":{\"reads\":%" PRIu64 ",\"writes\":%" PRIu64
		",\"mean_read_run\":%.3f,\"mean_write_run\":%.3f"
		",\"io_bytes\":%u}",
		r->io.ops[0], r->io.ops[1], mean_run(&r->io, 0),
		mean_run(&r->io, 1), PAGE_SIZE);
	if (r->belady)
		fprintf(f,
			",\"belady\":{\"opt_faults\":%" PRIu64
			",\"lru_faults\":%" PRIu64 ",\"pages\":%" PRIu64 "}",
			r->opt_faults, r->lru_faults, r->nr_pages);
	fputs(",\"vmstat\":{", f);
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "",
			vmstat_name((enum vm_event_item)i), r->vmstat[i]);
	fprintf(f, "},\"swapoff\":{\"done\":%u,\"error\":", r->nr_swapoff);
	if (r->swapoff_error)
		json_string(f, strerror(-r->swapoff_error));
	else
		fputs("null", f);
	fputs("},\"error\":", f);
	if (r->error)
		json_string(f, r->error_msg);
	else
		fputs("null", f);
	fputs("}\n", f);
}

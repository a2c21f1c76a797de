/* SPDX-License-Identifier: MIT */
/*
 * Emulated CPUs: a few threads that run many tasks, as a kernel's CPUs
 * run its processes.  A task is a user-space context with its own stack;
 * when it must wait (a page locked for a swap-in, a page under
 * writeback) it gives its CPU to the next runnable task, and whoever ends
 * the wait (an IO completion in the engine's ring thread) puts it back on
 * its CPU's run queue.  Nothing is preempted: a task runs until it waits,
 * yields or ends.
 *
 * Compared with a thread per task, a swap-in's wakeup is a push on a
 * lock-free list instead of a FUTEX_WAKE and a context switch of the
 * kernel, and a CPU that has runnable tasks never sleeps.
 *
 * Tasks stay on the CPU they were placed on (round robin at spawn).  Code
 * that may run in a task waits through vtask_block() (page.c's flag
 * waits do) or vcpu_yield(), never by blocking its thread on something
 * another task of the same CPU must do.  A task's page IO plug is parked
 * while it waits (the kernel flushes a task's plug when it sleeps).
 */
#ifndef SWAPEMU_MM_VCPU_H
#define SWAPEMU_MM_VCPU_H

#include <stdbool.h>

struct vcpus; /* a set of emulated CPUs */
struct vtask; /* a task running on one of them */

/*
 * Start @nr CPUs (1..VCPU_MAX).  With @engine they run on its first @nr
 * ring threads (swap_io_ring_host(): it needs that many rings), so a
 * task's swap IO is submitted and completed on the thread that runs it,
 * as a machine's CPU runs a process and takes its disk's interrupts;
 * without, each CPU is a thread of its own.
 */
#define VCPU_MAX 64
struct swap_io_engine;
int vcpu_start(unsigned int nr, struct swap_io_engine *engine,
	       struct vcpus **out);
/* Rings to give an IO engine so that it can host @cpus CPUs: one each,
 * or 1 when @cpus is 0 or more than an engine may have. */
unsigned int vcpu_engine_rings(unsigned int cpus);
/* @engine when it can host @cpus CPUs, else NULL (threads of their own). */
struct swap_io_engine *vcpu_host_engine(struct swap_io_engine *engine,
					unsigned int cpus);
/* Wait for every task to end, then stop the threads and free @v. */
void vcpu_stop(struct vcpus *v);
unsigned int vcpu_count(const struct vcpus *v);
/* The machine's online CPUs, 1..VCPU_MAX: the usual number to start. */
unsigned int vcpu_online(void);
/* How @cpus CPUs run tasks, for a report line: " on 2 emulated CPUs",
 * or " (a thread each)" for 0. */
const char *vcpu_label(unsigned int cpus, char *buf, unsigned int len);

/*
 * Run @fn(@arg) as a new task on the next CPU, from any thread or task.
 * 0 or -errno (no memory for its stack).
 */
int vcpu_spawn(struct vcpus *v, void (*fn)(void *), void *arg);
/* Sleep (a thread, not a task) until no task of @v is left. */
void vcpu_wait_idle(struct vcpus *v);

/* The task the calling code runs in; NULL on a plain thread. */
struct vtask *vtask_current(void);
/*
 * Give the CPU away until vtask_wake(current).  The caller has made
 * itself findable by its waker first (a wait list under a lock it has
 * dropped); a wake that comes before the switch is not lost.  Only in a
 * task.
 */
void vtask_block(void);
/* Make @t runnable again (once per vtask_block); any thread. */
void vtask_wake(struct vtask *t);

/*
 * A task waiting in a list its waker keeps under a lock of its own (a
 * page's waitqueue, the node's writeback waiters).  It lives on the
 * waiting task's stack: the waker unlinks it under that lock, then wakes
 * the unlinked ones with vtask_wake_list() once the lock is dropped.
 */
struct vtask_waiter {
	const void *key;	   /* what it waits for, in a shared list */
	struct vtask *task;	   /* who waits */
	struct vtask_waiter *next; /* in the list */
};
void vtask_wake_list(struct vtask_waiter *list);
/* Let the other runnable tasks of this CPU run; sched_yield() on a plain
 * thread. */
void vcpu_yield(void);

/*
 * A preemption point, where the caller holds nothing: a task that has run
 * for its time slice while others wait gives its CPU away (the kernel's
 * timer tick; without it a task whose accesses all hit would keep its CPU
 * until it ends).  Costs a thread-local decrement; the clock is read every
 * VCPU_TICK_CALLS calls.  Nothing on a plain thread.
 */
#define VCPU_TICK_CALLS 64
#define VCPU_SLICE_NS 1000000ull
extern __thread unsigned int vcpu_tick_left;
void vcpu_tick_slow(void);

static inline void vcpu_tick(void)
{
	if (__builtin_expect(!vcpu_tick_left--, 0))
		vcpu_tick_slow();
}

#endif

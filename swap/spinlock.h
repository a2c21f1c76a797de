/* SPDX-License-Identifier: MIT */
/*
 * A small lock for the short critical sections of the swap core (one
 * cluster's slots, one per-thread cluster slot).  Uncontended it costs one
 * atomic exchange to take and one store to release, like a spinlock; under
 * contention it spins briefly and then yields the CPU, so that a holder
 * preempted on a machine with more threads than cores (FUSE workers plus
 * paging tasks) does not make its waiters burn their time slices.
 */
#ifndef SWAPEMU_SWAP_SPINLOCK_H
#define SWAPEMU_SWAP_SPINLOCK_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct {
	atomic_bool locked; /* true while held */
} swap_spinlock_t;

#define SWAP_SPIN_BEFORE_YIELD 64

static inline void swap_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static inline void swap_spin_init(swap_spinlock_t *l)
{
	atomic_init(&l->locked, false);
}

static inline bool swap_spin_trylock(swap_spinlock_t *l)
{
	return !atomic_load_explicit(&l->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&l->locked, true,
					 memory_order_acquire);
}

static inline void swap_spin_lock(swap_spinlock_t *l)
{
	unsigned int spins = 0;

	while (!swap_spin_trylock(l)) {
		if (++spins < SWAP_SPIN_BEFORE_YIELD)
			swap_cpu_relax();
		else
			sched_yield();
	}
}

static inline void swap_spin_unlock(swap_spinlock_t *l)
{
	atomic_store_explicit(&l->locked, false, memory_order_release);
}

#endif

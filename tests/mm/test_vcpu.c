/* SPDX-License-Identifier: MIT */
/* Tests of mm/vcpu.c: tasks on emulated CPUs, blocking and waking from
 * other threads, yielding, the time slice, and page waits in tasks; each
 * with CPUs on threads of their own and hosted by an IO engine's ring
 * threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "mm_test.h"
#include "mm/vcpu.h"
#include "swap/io/engine.h"

/* The engine that hosts the CPUs, or NULL: the test's state. */
static struct swap_io_engine *host_of(void **state)
{
	return *state;
}

static int hosted_setup(void **state)
{
	struct swap_io_config cfg = {.nr_rings = 2};
	struct swap_io_engine *e;

	if (swap_io_engine_create(&cfg, &e))
		return -1;
	*state = e;
	return 0;
}

static int hosted_teardown(void **state)
{
	swap_io_engine_destroy(*state);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct counter {
	_Atomic unsigned int n;
	_Atomic unsigned int running; /* tasks between two yields */
	_Atomic unsigned int max_running;
};

static void count_and_yield(void *arg)
{
	struct counter *c = arg;

	assert_non_null(vtask_current());
	for (int i = 0; i < 100; i++) {
		unsigned int r = atomic_fetch_add(&c->running, 1) + 1;
		unsigned int m = atomic_load(&c->max_running);

		while (r > m &&
		       !atomic_compare_exchange_weak(&c->max_running, &m, r))
			;
		atomic_fetch_sub(&c->running, 1);
		atomic_fetch_add(&c->n, 1);
		vcpu_yield();
	}
}

static void test_spawn_yield_wait(void **state)
{
	struct counter c = {0};
	struct vcpus *v;

	assert_null(vtask_current()); /* a plain thread */
	vcpu_yield();		      /* is sched_yield() there */
	vcpu_tick();		      /* and this nothing */
	assert_int_equal(vcpu_start(0, NULL, &v), -EINVAL);
	assert_int_equal(vcpu_start(VCPU_MAX + 1, NULL, &v), -EINVAL);
	/* Hosted: no more CPUs than the engine has rings. */
	if (host_of(state))
		assert_int_equal(vcpu_start(3, host_of(state), &v), -EINVAL);
	assert_int_equal(vcpu_start(2, host_of(state), &v), 0);
	assert_int_equal(vcpu_count(v), 2);
	for (int i = 0; i < 16; i++)
		assert_int_equal(vcpu_spawn(v, count_and_yield, &c), 0);
	vcpu_wait_idle(v);
	assert_int_equal(atomic_load(&c.n), 16 * 100);
	/* Two CPUs: at most two tasks between their yields at once. */
	assert_true(atomic_load(&c.max_running) <= 2);
	vcpu_stop(v);
}

/* A task that publishes itself and blocks until the main thread wakes
 * it; a wake that comes before the block is kept. */
struct sleeper {
	pthread_mutex_t lock;
	struct vtask *task; /* published, waiting */
	_Atomic int state;  /* 0 start, 1 woken once, 2 done */
};

static void sleep_until_woken(void *arg)
{
	struct sleeper *s = arg;

	/* Woken before it blocks: vtask_block returns at once. */
	vtask_wake(vtask_current());
	vtask_block();
	pthread_mutex_lock(&s->lock);
	s->task = vtask_current();
	pthread_mutex_unlock(&s->lock);
	vtask_block(); /* until the main thread wakes it */
	atomic_store(&s->state, 2);
}

static void test_block_and_wake(void **state)
{
	struct sleeper s = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct vtask *t = NULL;
	struct vcpus *v;

	assert_int_equal(vcpu_start(1, host_of(state), &v), 0);
	assert_int_equal(vcpu_spawn(v, sleep_until_woken, &s), 0);
	for (int i = 0; i < 5000 && !t; i++) {
		pthread_mutex_lock(&s.lock);
		t = s.task;
		pthread_mutex_unlock(&s.lock);
		usleep(1000);
	}
	assert_non_null(t);
	usleep(20000);
	assert_int_equal(atomic_load(&s.state), 0); /* still asleep */
	vtask_wake(t);
	vcpu_wait_idle(v);
	assert_int_equal(atomic_load(&s.state), 2);
	vcpu_stop(v);
}

/* One CPU: a task that never waits still lets the other run, at the end
 * of its time slice. */
struct spinner {
	_Atomic bool flag;
	_Atomic bool gave_up;
};

static void spin_until_flag(void *arg)
{
	struct spinner *s = arg;
	uint64_t end = now_ns() + 5000000000ull;

	while (!atomic_load(&s->flag)) {
		vcpu_tick();
		if (now_ns() > end) {
			atomic_store(&s->gave_up, true);
			return;
		}
	}
}

static void set_flag(void *arg)
{
	struct spinner *s = arg;

	atomic_store(&s->flag, true);
}

static void test_time_slice(void **state)
{
	struct spinner s = {0};
	struct vcpus *v;

	assert_int_equal(vcpu_start(1, host_of(state), &v), 0);
	assert_int_equal(vcpu_spawn(v, spin_until_flag, &s), 0);
	assert_int_equal(vcpu_spawn(v, set_flag, &s), 0);
	vcpu_wait_idle(v);
	assert_true(atomic_load(&s.flag));
	assert_false(atomic_load(&s.gave_up));
	vcpu_stop(v);
}

/* page_lock in a task gives the CPU away; unlocking wakes it. */
struct locker {
	struct page *page;
	_Atomic int stage;	     /* 1 waiting for the lock, 2 got it */
	_Atomic unsigned int others; /* the other task ran meanwhile */
};

static void lock_page_task(void *arg)
{
	struct locker *l = arg;

	atomic_store(&l->stage, 1);
	page_lock(l->page);
	atomic_store(&l->stage, 2);
	page_unlock(l->page);
}

static void other_task(void *arg)
{
	struct locker *l = arg;

	atomic_fetch_add(&l->others, 1);
}

static void test_page_lock_in_task(void **state)
{
	struct locker l = {0};
	struct mm_env env;
	struct vcpus *v;

	mm_env_setup(&env, 64, 0, NULL);
	l.page = pgdat_alloc_page(env.pgdat);
	assert_non_null(l.page);
	page_lock(l.page); /* held by this thread */
	assert_int_equal(vcpu_start(1, host_of(state), &v), 0);
	assert_int_equal(vcpu_spawn(v, lock_page_task, &l), 0);
	while (atomic_load(&l.stage) != 1)
		usleep(100);
	/* The waiter gave its only CPU away: another task runs. */
	assert_int_equal(vcpu_spawn(v, other_task, &l), 0);
	for (int i = 0; i < 5000 && !atomic_load(&l.others); i++)
		usleep(1000);
	assert_int_equal(atomic_load(&l.others), 1);
	assert_int_equal(atomic_load(&l.stage), 1);
	page_unlock(l.page);
	vcpu_wait_idle(v);
	assert_int_equal(atomic_load(&l.stage), 2);
	assert_false(page_test_flag(l.page, PG_locked));
	vcpu_stop(v);
	put_page(env.pgdat, l.page);
	mm_env_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawn_yield_wait),
		cmocka_unit_test(test_block_and_wake),
		cmocka_unit_test(test_time_slice),
		cmocka_unit_test(test_page_lock_in_task),
		cmocka_unit_test_setup_teardown(test_spawn_yield_wait,
						hosted_setup, hosted_teardown),
		cmocka_unit_test_setup_teardown(test_block_and_wake,
						hosted_setup, hosted_teardown),
		cmocka_unit_test_setup_teardown(test_time_slice, hosted_setup,
						hosted_teardown),
		cmocka_unit_test_setup_teardown(test_page_lock_in_task,
						hosted_setup, hosted_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The paging engine swapping for real: a node whose swap IO goes through
 * the swap/io engine (io_uring) to two swap files (two areas, priorities
 * 10 and 5).  Three tasks (a parent and two forks) read and write a
 * working set four times the size of the emulated memory from three
 * threads while kswapd and direct reclaim run, and the first area is
 * swapped off in the middle; every value read must be the last one that
 * task wrote, every swap-in verifies its checksum, and at the end every
 * frame and every slot is free again.  The same runs a second time with
 * the tasks on two emulated CPUs that the engine's two ring threads host.
 *
 * Files live in $SWAPEMU_TEST_DIR (or /tmp) and are removed at the end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "mm_test.h"
#include "mm/mmu.h"
#include "mm/page_io.h"
#include "mm/swap_state.h"
#include "mm/vcpu.h"
#include "mm/vmscan.h"
#include "swap/extent.h"
#include "swap/io/engine.h"

#define SLOTS 4096u
#define FRAMES 128u
#define PAGES (4 * FRAMES) /* working set of each task */
#define TASKS 3
#define BASE UINT64_C(0x7f0000000000)

#define AREAS 2

struct real {
	char path[AREAS][256];
	struct swap_io_engine *engine;
	struct swap_extent_map *map[AREAS];
	struct swap_io_area *io_area[AREAS];
	struct swap_area *area[AREAS];
	struct swap_table *table;
	unsigned int type[AREAS];
	struct pgdat *pgdat;
};

static void real_add_area(struct real *r, int k, const char *dir, int prio)
{
	struct swap_area_config acfg = {.nr_pages = SLOTS};
	int fd, store;

	snprintf(r->path[k], sizeof(r->path[k]), "%s/mm-swap-%d-%d",
		 dir ? dir : "/tmp", getpid(), k);
	fd = open(r->path[k], O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)SLOTS * PAGE_SIZE), 0);
	close(fd);
	store = swap_io_add_store(r->engine, r->path[k], 0);
	assert_true(store >= 0);
	assert_int_equal(swap_extent_map_create(SLOTS, &r->map[k]), 0);
	assert_int_equal(swap_extent_add(r->map[k], 0, SLOTS, store, 0), 0);
	assert_int_equal(
		swap_io_area_attach(r->engine, r->map[k], "mm", &r->io_area[k]),
		0);
	assert_int_equal(swap_area_create(&acfg, &r->area[k]), 0);
	assert_int_equal(
		swap_table_swapon(r->table, r->area[k], prio, &r->type[k]), 0);
}

static void real_setup(struct real *r, unsigned int rings)
{
	const char *dir = getenv("SWAPEMU_TEST_DIR");
	struct swap_io_config ecfg = {.nr_rings = rings};
	struct pgdat_config cfg;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = swap_io_engine_create(&ecfg, &r->engine);
	if (rc == -ENOSYS || rc == -EPERM)
		skip(); /* no io_uring here */
	assert_int_equal(rc, 0);
	assert_int_equal(swap_table_create(&r->table), 0);
	real_add_area(r, 0, dir, 10);
	real_add_area(r, 1, dir, 5);
	pgdat_config_init(&cfg);
	cfg.nr_frames = FRAMES;
	cfg.swap = r->table;
	assert_int_equal(pgdat_create(&cfg, &r->pgdat), 0);
	for (int k = 0; k < AREAS; k++)
		assert_int_equal(page_io_attach_area(r->pgdat, r->type[k],
						     r->io_area[k]),
				 0);
	assert_int_equal(
		page_io_attach_area(r->pgdat, r->type[0], r->io_area[0]),
		-EBUSY);
	page_io_register_frames(r->pgdat, r->engine); /* optional */
}

static void real_teardown(struct real *r)
{
	struct swap_area_stats st;

	vmscan_kswapd_stop(r->pgdat);
	assert_int_equal(page_pool_nr_free(pgdat_pool(r->pgdat)), FRAMES);
	page_io_unregister_frames(r->pgdat, r->engine);
	for (int k = 0; k < AREAS; k++) {
		swap_area_stats(r->area[k], &st);
		assert_int_equal(st.nr_inuse, 0);
		if (swap_table_area(r->table, r->type[k]))
			assert_int_equal(pgdat_swapoff(r->pgdat, r->type[k]),
					 0);
	}
	pgdat_destroy(r->pgdat);
	swap_table_destroy(r->table);
	for (int k = 0; k < AREAS; k++) {
		swap_area_destroy(r->area[k]);
		swap_io_area_detach(r->io_area[k]);
		swap_extent_map_destroy(r->map[k]);
		unlink(r->path[k]);
	}
	swap_io_engine_destroy(r->engine);
}

struct task {
	struct mm *mm;
	uint64_t expect[PAGES]; /* last value written to each page */
	unsigned int id;
	uint64_t rng;
	int errors;
};

static uint64_t task_rand(struct task *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

static int check_page(struct task *t, unsigned int i)
{
	uint64_t v = 0;
	int rc = mmu_read(t->mm, BASE + i * PAGE_SIZE + 64, &v, sizeof(v));

	if (rc || v != t->expect[i]) {
		fprintf(stderr,
			"task %u page %u: rc %d read %#llx want %#llx\n", t->id,
			i, rc, (unsigned long long)v,
			(unsigned long long)t->expect[i]);
		return 1;
	}
	return 0;
}

static int write_page(struct task *t, unsigned int i, uint64_t v)
{
	t->expect[i] = v;
	return mmu_write(t->mm, BASE + i * PAGE_SIZE + 64, &v, sizeof(v));
}

static void *task_main(void *arg)
{
	struct task *t = arg;

	for (unsigned int n = 0; n < 6000; n++) {
		unsigned int i = (unsigned int)(task_rand(t) % PAGES);

		if (task_rand(t) & 1)
			t->errors +=
				write_page(t, i,
					   (uint64_t)t->id << 48 |
						   (uint64_t)i << 20 | n) != 0;
		else
			t->errors += check_page(t, i);
	}
	for (unsigned int i = 0; i < PAGES; i++)
		t->errors += check_page(t, i);
	return NULL;
}

static void task_vmain(void *arg)
{
	task_main(arg);
}

static uint64_t swap_area_stats_inuse(struct swap_area *a)
{
	struct swap_area_stats st;

	swap_area_stats(a, &st);
	return st.nr_inuse;
}

static bool no_work(void *ctx)
{
	(void)ctx;
	return false;
}

/* Run the tasks on threads (@cpus 0) or on @cpus emulated CPUs hosted
 * by the engine's ring threads. */
static void fork_tasks_on_real_swap(unsigned int cpus)
{
	struct task *t = calloc(TASKS, sizeof(*t));
	pthread_t th[TASKS];
	struct vcpus *v = NULL;
	struct real r;
	struct vmstat *vs;

	real_setup(&r, cpus ? cpus : 1);
	if (cpus) {
		/* One ring per CPU: a CPU more than the rings is refused. */
		assert_int_equal(vcpu_start(cpus + 1, r.engine, &v), -EINVAL);
		assert_int_equal(vcpu_start(cpus, r.engine, &v), 0);
		/* A ring hosts one set of CPUs. */
		assert_int_equal(swap_io_ring_host(
					 r.engine, 0,
					 &(struct swap_io_host){no_work, NULL}),
				 -EBUSY);
	}
	vs = pgdat_vmstat(r.pgdat);
	assert_int_equal(vmscan_kswapd_run(r.pgdat), 0);
	assert_int_equal(mmu_mm_create(r.pgdat, 0, &t[0].mm), 0);
	assert_int_equal(mmu_mmap(t[0].mm, BASE, PAGES * PAGE_SIZE), 0);
	for (unsigned int i = 0; i < PAGES; i++)
		assert_int_equal(write_page(&t[0], i, 0xabc00000u + i), 0);
	for (unsigned int k = 1; k < TASKS; k++) {
		assert_int_equal(mmu_fork(t[0].mm, (int)k, &t[k].mm), 0);
		memcpy(t[k].expect, t[0].expect, sizeof(t[k].expect));
	}
	for (unsigned int k = 0; k < TASKS; k++) {
		t[k].id = k;
		t[k].rng = 0x9E3779B97F4A7C15ull * (k + 1);
		if (v)
			assert_int_equal(vcpu_spawn(v, task_vmain, &t[k]), 0);
		else
			assert_int_equal(
				pthread_create(&th[k], NULL, task_main, &t[k]),
				0);
	}
	/* Swap the first area off while the tasks run: its pages come
	 * back and go out again to the second. */
	usleep(100000);
	assert_true(swap_area_stats_inuse(r.area[0]) > 0);
	assert_int_equal(pgdat_swapoff(r.pgdat, r.type[0]), 0);
	assert_null(swap_table_area(r.table, r.type[0]));
	if (v)
		vcpu_stop(v); /* waits for the tasks */
	for (unsigned int k = 0; k < TASKS; k++) {
		if (!v)
			pthread_join(th[k], NULL);
		assert_int_equal(t[k].errors, 0);
	}
	assert_true(swap_area_stats_inuse(r.area[1]) > 0);
	assert_true(vmstat_read(vs, PSWPOUT) > PAGES);
	assert_true(vmstat_read(vs, PSWPIN) > 0);
	assert_true(vmstat_read(vs, PGMAJFAULT) > 0);
	assert_true(vmstat_read(vs, COW_FAULT) > 0);
	assert_int_equal(vmstat_read(vs, SWAP_CSUM_FAIL), 0);
	if (getenv("SWAPEMU_TEST_VERBOSE"))
		vmstat_print(vs, stderr);
	for (unsigned int k = 0; k < TASKS; k++)
		mmu_exit(t[k].mm);
	assert_int_equal(swap_cache_nr_pages(r.pgdat), 0);
	real_teardown(&r);
	free(t);
}

static void test_fork_tasks_on_real_swap(void **state)
{
	(void)state;
	fork_tasks_on_real_swap(0);
}

static void test_tasks_on_hosted_cpus(void **state)
{
	(void)state;
	fork_tasks_on_real_swap(2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_tasks_on_real_swap),
		cmocka_unit_test(test_tasks_on_hosted_cpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Tests of mm/run.c: generated and traced workloads on task threads,
 * failures reported with their trace line, task id reuse, and the
 * result's figures.  Swap IO goes to the in-memory backend of mm_test.h
 * (the engine-backed run is in test_page_io.c).
 */
#include <stdio.h>

#include "mm_test.h"
#include "mm/run.h"
#include "mm/vcpu.h"

static int run_text(struct mm_env *env, const char *text,
		    struct run_result *res)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct run_options opt;
	struct workload *w;
	int rc;

	run_options_init(&opt);
	assert_int_equal(workload_create_trace(f, &w), 0);
	rc = run_workload(env->pgdat, w, &opt, res);
	workload_destroy(w);
	fclose(f);
	return rc;
}

static void test_generated_fork_workload(void **state)
{
	struct workload_config c;
	struct run_options opt;
	struct run_result res;
	struct mm_env env;
	struct workload *w;
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	mm_env_setup(&env, 64, 2048, NULL);
	workload_config_init(&c);
	c.size = 256 * 4096; /* 4x memory per task */
	c.nr_accesses = 20000;
	c.nr_tasks = 4;
	c.fork = true;
	c.write_ratio = 0.5;
	assert_int_equal(workload_create(&c, &w), 0);
	run_options_init(&opt);
	assert_int_equal(run_workload(env.pgdat, w, &opt, &res), 0);
	workload_destroy(w);
	assert_int_equal(res.error, 0);
	assert_int_equal(res.nr_tasks, 4);
	assert_int_equal(res.nr_accesses, 20000 + 256); /* + the fill */
	assert_int_equal(res.nr_frames, 64);
	assert_true(res.vmstat[PGMAJFAULT] > 0);
	assert_true(res.vmstat[PSWPOUT] > 0);
	assert_true(res.vmstat[COW_FAULT] > 0);
	assert_int_equal(res.vmstat[SWAP_CSUM_FAIL], 0);
	assert_true(res.fault_ns.count > 0);
	assert_true(res.majfault_ns.count > 0);
	assert_true(res.majfault_ns.p50 > 0);
	assert_true(res.io.ops[1] == res.vmstat[PSWPOUT]);
	assert_true(res.belady);
	assert_int_equal(res.nr_pages, 4 * 256);
	assert_true(res.opt_faults >= res.nr_pages);
	assert_true(res.opt_faults <= res.lru_faults);
	/* Everything was given back. */
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 64);
	f = open_memstream(&json, &len);
	run_result_json(&res, f);
	fclose(f);
	assert_non_null(strstr(json, "\"tasks\":4,"));
	assert_non_null(strstr(json, "\"pgmajfault\":"));
	assert_non_null(strstr(json, "\"error\":null}"));
	free(json);
	f = fopen("/dev/null", "w");
	run_result_print(&res, getenv("SWAPEMU_TEST_VERBOSE") ? stderr : f);
	fclose(f);
	mm_env_teardown(&env);
}

/* Run the generated workload @c with @opt; 0 or the run's error. */
static int run_generated(struct mm_env *env, const struct workload_config *c,
			 const struct run_options *opt, struct run_result *res)
{
	struct workload *w;
	int rc;

	assert_int_equal(workload_create(c, &w), 0);
	rc = run_workload(env->pgdat, w, opt, res);
	workload_destroy(w);
	return rc;
}

static void test_many_tasks_random(void **state)
{
	struct workload_config c;
	struct run_options opt;
	struct run_result res;
	struct mm_env env;

	(void)state;
	mm_env_setup(&env, 256, 4096, NULL);
	workload_config_init(&c);
	c.size = 64 * 4096; /* 16 tasks x 64 pages = 4x memory */
	c.nr_accesses = 32000;
	c.nr_tasks = 16;
	run_options_init(&opt);
	opt.queue_ops = 100;
	assert_int_equal(run_generated(&env, &c, &opt, &res), 0);
	assert_int_equal(res.nr_tasks, 16);
	assert_int_equal(res.nr_accesses, 32000);
	assert_int_equal(res.vmstat[SWAP_CSUM_FAIL], 0);
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 256);
	mm_env_teardown(&env);
}

/* The same runs with the tasks on emulated CPUs, one and several: every
 * access done, forks and copy-on-write included, nothing lost. */
static void test_tasks_on_vcpus(void **state)
{
	struct workload_config c;
	struct run_options opt;
	struct run_result res;
	struct mm_env env;

	(void)state;
	workload_config_init(&c);
	c.size = 128 * 4096; /* 8 tasks x 128 pages = 8x memory */
	c.nr_accesses = 24000;
	c.nr_tasks = 8;
	c.fork = true;
	c.write_ratio = 0.5;
	run_options_init(&opt);
	opt.queue_ops = 100; /* tasks wait for their queue often */
	for (opt.cpus = 1; opt.cpus <= 3; opt.cpus += 2) {
		mm_env_setup(&env, 128, 4096, NULL);
		assert_int_equal(run_generated(&env, &c, &opt, &res), 0);
		assert_int_equal(res.error, 0);
		assert_int_equal(res.cpus, opt.cpus);
		assert_int_equal(res.nr_tasks, 8);
		assert_int_equal(res.nr_accesses, 24000 + 128);
		assert_true(res.vmstat[PGMAJFAULT] > 0);
		assert_true(res.vmstat[COW_FAULT] > 0);
		assert_int_equal(res.vmstat[SWAP_CSUM_FAIL], 0);
		assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 128);
		mm_env_teardown(&env);
	}
	/* More CPUs than the model allows is refused. */
	mm_env_setup(&env, 64, 256, NULL);
	opt.cpus = VCPU_MAX + 1;
	assert_int_equal(run_generated(&env, &c, &opt, &res), -EINVAL);
	mm_env_teardown(&env);
}

static void test_failure_has_line(void **state)
{
	struct run_result res;
	struct mm_env env;

	(void)state;
	mm_env_setup(&env, 64, 256, NULL);
	assert_int_equal(run_text(&env,
				  "0 mmap 0x10000 4096\n"
				  "0 W 0x10000 8\n"
				  "0 fork 1\n"
				  "1 W 0x20000 8\n"
				  "1 R 0x10000 8\n",
				  &res),
			 -EFAULT);
	assert_int_equal(res.error_line, 4);
	assert_string_equal(res.error_msg,
			    "line 4: task 1 W 0x20000 8: Bad address");
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 64);
	/* A malformed trace stops the run with the parser's message. */
	assert_int_equal(run_text(&env, "0 mmap 0x10000 4096\n0 Z\n", &res),
			 -EINVAL);
	assert_string_equal(res.error_msg, "line 2: unknown operation 'Z' "
					   "(R, W, mmap, munmap, fork, exit)");
	/* mmap over a mapping. */
	assert_int_equal(run_text(&env,
				  "0 mmap 0x10000 8192\n"
				  "0 mmap 0x11000 4096\n",
				  &res),
			 -EEXIST);
	assert_int_equal(res.error_line, 2);
	mm_env_teardown(&env);
}

static void test_task_id_reuse(void **state)
{
	struct run_result res;
	struct mm_env env;

	(void)state;
	mm_env_setup(&env, 64, 256, NULL);
	assert_int_equal(run_text(&env,
				  "0 mmap 0x10000 16384\n"
				  "0 W 0x10000 8\n"
				  "0 fork 1\n"
				  "1 W 0x11000 8\n"
				  "1 fork 2\n"
				  "1 exit\n"
				  "0 fork 1\n"
				  "1 R 0x10000 8\n"
				  "2 R 0x11000 8\n",
				  &res),
			 0);
	assert_int_equal(res.nr_tasks, 4);
	assert_int_equal(res.nr_accesses, 4);
	assert_int_equal(page_pool_nr_free(pgdat_pool(env.pgdat)), 64);
	mm_env_teardown(&env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_fork_workload),
		cmocka_unit_test(test_tasks_on_vcpus),
		cmocka_unit_test(test_many_tasks_random),
		cmocka_unit_test(test_failure_has_line),
		cmocka_unit_test(test_task_id_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

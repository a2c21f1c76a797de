/* SPDX-License-Identifier: MIT */
/* Tests of mm/workload.c: the shape of generated streams, the
 * distributions, determinism, and trace-backed workloads. */
#include <stdio.h>

#include "mm_test.h"
#include "mm/workload.h"

#define BASE UINT64_C(0x7f0000000000)

static struct workload *make(enum workload_kind kind, uint64_t pages,
			     uint64_t n, unsigned int tasks, bool fork)
{
	struct workload_config c;
	struct workload *w;

	workload_config_init(&c);
	c.kind = kind;
	c.size = pages * 4096;
	c.nr_accesses = n;
	c.nr_tasks = tasks;
	c.fork = fork;
	c.write_ratio = 0;
	assert_int_equal(workload_create(&c, &w), 0);
	return w;
}

static struct workload_op next(struct workload *w)
{
	struct workload_op op;

	assert_int_equal(workload_next(w, &op), 1);
	return op;
}

static void test_sequential_shape(void **state)
{
	struct workload *w = make(WL_SEQUENTIAL, 4, 10, 1, false);
	struct workload_op op;

	(void)state;
	op = next(w);
	assert_int_equal(op.type, WL_MMAP);
	assert_int_equal(op.addr, BASE);
	assert_int_equal(op.len, 4 * 4096);
	for (unsigned int i = 0; i < 10; i++) {
		op = next(w);
		assert_int_equal(op.type, WL_ACCESS);
		assert_false(op.write);
		assert_int_equal(op.len, 8);
		assert_int_equal((op.addr - BASE) / 4096, i % 4);
		assert_int_equal(op.addr % 8, 0);
	}
	op = next(w);
	assert_int_equal(op.type, WL_EXIT);
	assert_int_equal(workload_next(w, &op), 0);
	assert_int_equal(workload_next(w, &op), 0);
	workload_destroy(w);
}

static void test_fork_shape(void **state)
{
	struct workload *w = make(WL_UNIFORM, 4, 6, 3, true);
	struct workload_op op;

	(void)state;
	op = next(w);
	assert_int_equal(op.type, WL_MMAP);
	assert_int_equal(op.task, 0);
	for (unsigned int i = 0; i < 4; i++) { /* task 0 fills its pages */
		op = next(w);
		assert_int_equal(op.type, WL_ACCESS);
		assert_true(op.write);
		assert_int_equal(op.addr, BASE + i * 4096);
	}
	for (unsigned int c = 1; c < 3; c++) {
		op = next(w);
		assert_int_equal(op.type, WL_FORK);
		assert_int_equal(op.task, 0);
		assert_int_equal(op.child, c);
	}
	for (unsigned int i = 0; i < 6; i++) {
		op = next(w);
		assert_int_equal(op.type, WL_ACCESS);
		assert_int_equal(op.task, i % 3);
		assert_true(op.addr >= BASE && op.addr < BASE + 4 * 4096);
	}
	for (int t = 2; t >= 0; t--) {
		op = next(w);
		assert_int_equal(op.type, WL_EXIT);
		assert_int_equal(op.task, (uint32_t)t);
	}
	assert_int_equal(workload_next(w, &op), 0);
	workload_destroy(w);
}

static void test_separate_tasks_shape(void **state)
{
	struct workload *w = make(WL_UNIFORM, 4, 2, 2, false);
	struct workload_op op;

	(void)state;
	op = next(w); /* an empty process for task 1 */
	assert_int_equal(op.type, WL_FORK);
	assert_int_equal(op.child, 1);
	op = next(w);
	assert_int_equal(op.type, WL_MMAP);
	assert_int_equal(op.task, 0);
	op = next(w);
	assert_int_equal(op.type, WL_MMAP);
	assert_int_equal(op.task, 1);
	assert_int_equal(next(w).type, WL_ACCESS);
	workload_destroy(w);
}

/* Count accesses per page of a generator. */
static void histogram(enum workload_kind kind, uint64_t pages, uint64_t n,
		      double theta, uint64_t *count, double *writes)
{
	struct workload_config c;
	struct workload *w;
	struct workload_op op;
	uint64_t nw = 0;

	workload_config_init(&c);
	c.kind = kind;
	c.size = pages * 4096;
	c.nr_accesses = n;
	c.zipf_theta = theta;
	c.seed = 42;
	assert_int_equal(workload_create(&c, &w), 0);
	while (workload_next(w, &op) == 1) {
		if (op.type != WL_ACCESS)
			continue;
		count[(op.addr - BASE) / 4096]++;
		nw += op.write;
	}
	*writes = (double)nw / (double)n;
	workload_destroy(w);
}

static void test_distributions(void **state)
{
	enum { PAGES = 1000, N = 200000 };
	static uint64_t count[PAGES];
	uint64_t hot = 0;
	double writes;

	(void)state;
	/* Uniform: every page near N / PAGES = 200; 30% writes. */
	memset(count, 0, sizeof(count));
	histogram(WL_UNIFORM, PAGES, N, 0, count, &writes);
	for (int i = 0; i < PAGES; i++)
		assert_true(count[i] > 120 && count[i] < 290);
	assert_true(writes > 0.29 && writes < 0.31);
	/* Zipf 0.99: rank 0 gets 1 / zeta(1000) ~ 13.4% of accesses, and
	 * popularity falls with rank. */
	memset(count, 0, sizeof(count));
	histogram(WL_ZIPF, PAGES, N, 0.99, count, &writes);
	assert_true(count[0] > N * 0.12 && count[0] < N * 0.15);
	assert_true(count[0] > count[1] && count[1] > count[10] &&
		    count[10] > count[500]);
	/* Hot/cold: 20% of the pages take 80% of the accesses. */
	memset(count, 0, sizeof(count));
	histogram(WL_HOTCOLD, PAGES, N, 0, count, &writes);
	for (int i = 0; i < PAGES / 5; i++)
		hot += count[i];
	assert_true(hot > N * 0.78 && hot < N * 0.82);
}

static void test_phases(void **state)
{
	struct workload_config c;
	struct workload *w;
	struct workload_op op;
	uint64_t i = 0;

	(void)state;
	workload_config_init(&c);
	c.kind = WL_PHASES;
	c.size = 400 * 4096;
	c.nr_accesses = 4000;
	c.nr_phases = 4;
	assert_int_equal(workload_create(&c, &w), 0);
	while (workload_next(w, &op) == 1) {
		uint64_t page;

		if (op.type != WL_ACCESS)
			continue;
		page = (op.addr - BASE) / 4096;
		/* Access i is in window i * 4 / 4000 of 100 pages. */
		assert_int_equal(page / 100, i * 4 / 4000);
		i++;
	}
	assert_int_equal(i, 4000);
	workload_destroy(w);
}

static void test_seed_determinism(void **state)
{
	struct workload_config c;
	struct workload *a, *b, *d;
	struct workload_op x, y, z;
	bool differ = false;

	(void)state;
	workload_config_init(&c);
	c.size = 1 << 20;
	c.nr_accesses = 1000;
	assert_int_equal(workload_create(&c, &a), 0);
	assert_int_equal(workload_create(&c, &b), 0);
	c.seed = 2;
	assert_int_equal(workload_create(&c, &d), 0);
	while (workload_next(a, &x) == 1) {
		assert_int_equal(workload_next(b, &y), 1);
		assert_int_equal(workload_next(d, &z), 1);
		assert_memory_equal(&x, &y, sizeof(x));
		differ |= x.addr != z.addr;
	}
	assert_true(differ);
	workload_destroy(a);
	workload_destroy(b);
	workload_destroy(d);
}

static void test_bad_config(void **state)
{
	struct workload_config c;
	struct workload *w;
	enum workload_kind k;

	(void)state;
	workload_config_init(&c);
	assert_int_equal(workload_create(&c, &w), -EINVAL); /* no size */
	c.size = 4096 + 1;
	assert_int_equal(workload_create(&c, &w), -EINVAL);
	c.size = 4096;
	c.kind = WL_ZIPF;
	c.zipf_theta = 1.0;
	assert_int_equal(workload_create(&c, &w), -EINVAL);
	c.kind = WL_UNIFORM;
	c.write_ratio = 1.5;
	assert_int_equal(workload_create(&c, &w), -EINVAL);
	assert_int_equal(workload_kind_parse("zipf", &k), 0);
	assert_int_equal(k, WL_ZIPF);
	assert_int_equal(workload_kind_parse("nope", &k), -EINVAL);
	assert_string_equal(workload_kind_name(WL_HOTCOLD), "hotcold");
}

static void test_trace_workload(void **state)
{
	const char *text = "0 mmap 0x1000 4096\n0 W 0x1000 8\n0 fork 0\n";
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct workload *w;
	struct workload_op op;

	(void)state;
	assert_int_equal(workload_create_trace(f, &w), 0);
	assert_int_equal(workload_next(w, &op), 1);
	assert_int_equal(op.type, WL_MMAP);
	assert_int_equal(workload_next(w, &op), 1);
	assert_int_equal(workload_next(w, &op), -EINVAL);
	assert_string_equal(workload_error(w),
			    "line 3: fork: task 0 already exists");
	workload_destroy(w);
	fclose(f);
}

/* Specs that parse, and what they set. */
static void test_spec_parse(void **state)
{
	struct workload_config c;
	char err[256];

	(void)state;
	assert_int_equal(workload_config_parse("random:size=256M,writes=0.5,"
					       "accesses=2M,tasks=16,fork=1,"
					       "seed=9",
					       &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.kind, WL_UNIFORM);
	assert_int_equal(c.size, 256u << 20);
	assert_int_equal(c.nr_accesses, 2u << 20);
	assert_int_equal(c.nr_tasks, 16);
	assert_true(c.fork);
	assert_true(c.write_ratio == 0.5);
	assert_int_equal(c.seed, 9);
	assert_int_equal(workload_config_parse("zipf:size=4M,theta=0.5,len=64,"
					       "base=0x10000000",
					       &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.kind, WL_ZIPF);
	assert_true(c.zipf_theta == 0.5);
	assert_int_equal(c.access_len, 64);
	assert_int_equal(c.base, 0x10000000);
	/* accesses defaults to one per page of every task. */
	assert_int_equal(c.nr_accesses, 1024);
	assert_int_equal(workload_config_parse("hotcold:size=1M,hot=0.1,"
					       "hotprob=0.9",
					       &c, err, sizeof(err)),
			 0);
	assert_true(c.hot_fraction == 0.1 && c.hot_prob == 0.9);
	assert_int_equal(workload_config_parse("phases:size=1M,phases=8", &c,
					       err, sizeof(err)),
			 0);
	assert_int_equal(c.nr_phases, 8);
}

/* Specs that do not, each with a message naming the culprit. */
static void test_spec_errors(void **state)
{
	static const struct {
		const char *spec;
		const char *msg;
	} bad[] = {
		{"seq", "needs size=SIZE"},
		{"nope:size=1M", "unknown workload 'nope'"},
		{"seq:size=1M,bogus=1", "'bogus=1'"},
		{"seq:size=1M,writes=1.5", "'writes=1.5'"},
		{"seq:size=1M,tasks=0", "'tasks=0'"},
		{"seq:size=1M,fork=maybe", "'fork=maybe'"},
		{"seq:size=1M,accesses", "'accesses'"},
		{"seq:size=1000", "multiple of 4096"},
		{"zipf:size=1M,theta=1", "theta"},
		{"seq:size=1M,len=8192", "len must be"},
		{"seq:size=1M,base=0x1001", "page aligned"},
	};
	struct workload_config c;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(workload_config_parse(bad[i].spec, &c, err,
						       sizeof(err)),
				 -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("%s: '%s' lacks '%s'", bad[i].spec, err,
				 bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequential_shape),
		cmocka_unit_test(test_fork_shape),
		cmocka_unit_test(test_separate_tasks_shape),
		cmocka_unit_test(test_distributions),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_seed_determinism),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_trace_workload),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_spec_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

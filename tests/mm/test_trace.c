/* SPDX-License-Identifier: MIT */
/* Tests of mm/trace.c: the trace format, its errors with line numbers,
 * and the conversion of a real valgrind lackey run. */
#include <stdio.h>
#include <unistd.h>

#include "mm_test.h"
#include "mm/mmu.h"
#include "mm/trace.h"
#include "mm/vmscan.h"

/* Read every op of @text; returns the count or the negative error and
 * copies the error message to @err. */
static int read_all(const char *text, struct workload_op *ops, int max,
		    char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct trace_reader *r;
	int n = 0, rc;

	assert_non_null(f);
	assert_int_equal(trace_reader_create(f, &r), 0);
	while ((rc = trace_reader_next(r, &ops[n < max ? n : max - 1])) == 1)
		n++;
	if (rc < 0) {
		strcpy(err, trace_reader_error(r));
		n = rc;
	}
	trace_reader_destroy(r);
	fclose(f);
	return n;
}

static void test_parse_good(void **state)
{
	const char *text = "# swapemu trace v1\n"
			   "0 mmap 0x7f0000000000 1048576\n"
			   "\n"
			   "0 W 0x7f0000001000 8   # first write\n"
			   "0\tfork\t1\n"
			   "1 R 0x7f0000001000 4096\n"
			   "1 munmap 0x7f0000000000 0x1000\n"
			   "1 exit\n"
			   "0 R 140668768878592 1\n"
			   "0 fork 1\n" /* an exited id may be reused */
			   "1 exit\n"
			   "0 exit\n";
	struct workload_op ops[16];
	char err[TRACE_ERROR_LEN] = "";

	(void)state;
	assert_int_equal(read_all(text, ops, 16, err), 10);
	assert_int_equal(ops[0].type, WL_MMAP);
	assert_int_equal(ops[0].addr, 0x7f0000000000);
	assert_int_equal(ops[0].len, 1048576);
	assert_int_equal(ops[0].line, 2);
	assert_int_equal(ops[1].type, WL_ACCESS);
	assert_true(ops[1].write);
	assert_int_equal(ops[1].len, 8);
	assert_int_equal(ops[1].line, 4);
	assert_int_equal(ops[2].type, WL_FORK);
	assert_int_equal(ops[2].child, 1);
	assert_int_equal(ops[3].task, 1);
	assert_false(ops[3].write);
	assert_int_equal(ops[4].type, WL_MUNMAP);
	assert_int_equal(ops[4].len, 4096);
	assert_int_equal(ops[5].type, WL_EXIT);
	assert_int_equal(ops[6].addr, 140668768878592);
	assert_int_equal(ops[9].type, WL_EXIT);
	assert_int_equal(ops[9].task, 0);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *error;
	} cases[] = {
		{"0 X 0x1000 8\n", "line 1: unknown operation 'X'"},
		{"0 W 0x1000\n", "line 1: W needs an address and a length"},
		{"0 W zz 8\n", "line 1: bad address 'zz'"},
		{"0 W 0x 8\n", "line 1: bad address '0x'"},
		{"0 R 0x1000 -8\n", "line 1: bad length '-8'"},
		{"0 W 0x1000 0\n", "line 1: length 0"},
		{"0 W 0x1000 2000000\n",
		 "line 1: access of 2000000 bytes (at most 1048576)"},
		{"0 mmap 0x1001 4096\n",
		 "line 1: mmap address and length must be multiples of 4096"},
		{"0 munmap 0x1000 100\n",
		 "line 1: munmap address and length must be multiples"},
		{"1 W 0x1000 8\n",
		 "line 1: task 1 does not exist (fork it first)"},
		{"0 fork 0\n", "line 1: fork: task 0 already exists"},
		{"0 fork\n", "line 1: fork needs a child task id"},
		{"70000 exit\n", "line 1: bad task id '70000' (0..65535)"},
		{"0 exit\n0 R 0x1000 8\n", "line 2: task 0 does not exist"},
		{"0 W 0xffffffffffffffff 8\n",
		 "line 1: address + length wraps around"},
		{"0 W 0x1000 8 extra\n",
		 "line 1: unexpected 'extra' after the length"},
		{"0 exit now\n", "line 1: unexpected 'now' after exit"},
		{"0\n", "line 1: expected 'task operation ...'"},
		{"# comment\n\n0 mmap 0 4096\n0 Q\n",
		 "line 4: unknown operation 'Q'"},
		{"x W 0 1\n", "line 1: bad task id 'x'"},
		{"0 W 99999999999999999999 1\n",
		 "line 1: bad address '99999999999999999999'"},
	};
	struct workload_op ops[4];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[TRACE_ERROR_LEN] = "";

		assert_int_equal(read_all(cases[i].text, ops, 4, err), -EINVAL);
		if (strncmp(err, cases[i].error, strlen(cases[i].error)))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
				 cases[i].error);
	}
}

static void test_write_roundtrip(void **state)
{
	struct workload_op in[] =
		{
			{.type = WL_MMAP, .addr = 0x10000, .len = 8192},
			{.type = WL_ACCESS,
			 .write = true,
			 .addr = 0x10010,
			 .len = 8},
			{.type = WL_FORK, .child = 7},
			{.type = WL_ACCESS,
			 .task = 7,
			 .addr = 0x11000,
			 .len = 100},
			{.type = WL_MUNMAP,
			 .task = 7,
			 .addr = 0x10000,
			 .len = 4096},
			{.type = WL_EXIT, .task = 7},
		},
			   out[8];
	char *buf = NULL, err[TRACE_ERROR_LEN];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(trace_write_op(f, &in[i]), 0);
	fclose(f);
	assert_int_equal(read_all(buf, out, 8, err), 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(out[i].type, in[i].type);
		assert_int_equal(out[i].task, in[i].task);
		assert_int_equal(out[i].addr, in[i].addr);
		assert_int_equal(out[i].len, in[i].len);
		assert_int_equal(out[i].write, in[i].write);
		assert_int_equal(out[i].child, in[i].child);
	}
	free(buf);
}

static int64_t convert(const char *text, bool instr, char **out,
		       char err[TRACE_ERROR_LEN])
{
	struct lackey_options opt = {.instructions = instr, .task = 0};
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	size_t len = 0;
	FILE *o = open_memstream(out, &len);
	int64_t n = trace_from_lackey(in, o, &opt, err);

	fclose(in);
	fclose(o);
	return n;
}

static void test_lackey_synthetic(void **state)
{
	const char *text = "==42== Lackey, an example Valgrind tool\n"
			   "I  0400d7d4,3\n"
			   " L 0400d7d0,8\n"
			   " S 1fff000708,8\n"
			   " M 0400e000,4\n"
			   " L 0400cffc,8\n" /* crosses into the next page */
			   "--42-- a valgrind note\n"
			   "==42== \n";
	char *out = NULL, err[TRACE_ERROR_LEN];

	(void)state;
	assert_int_equal(convert(text, false, &out, err), 4);
	assert_string_equal(
		out, "# swapemu trace v1, converted from valgrind lackey\n"
		     "0 mmap 0x400c000 12288\n"
		     "0 mmap 0x1fff000000 4096\n"
		     "0 R 0x400d7d0 8\n"
		     "0 W 0x1fff000708 8\n"
		     "0 W 0x400e000 4\n"
		     "0 R 0x400cffc 8\n");
	free(out);
	out = NULL;
	assert_int_equal(convert(text, true, &out, err), 5);
	assert_non_null(strstr(out, "0 R 0x400d7d4 3\n"));
	free(out);
	out = NULL;
	assert_int_equal(convert("I  0400d7d4,3\n L zz,8\n", false, &out, err),
			 -EINVAL);
	assert_string_equal(err, "line 2: not a lackey trace line");
	free(out);
	out = NULL;
	assert_int_equal(convert(" L 1000,0\n", false, &out, err), -EINVAL);
	assert_string_equal(err, "line 1: not a lackey trace line");
	free(out);
}

/* Apply a trace to a node: a minimal replay (swapemu run does more). */
static void replay(struct pgdat *pgdat, FILE *f, uint64_t *nr_access)
{
	struct mm *mm[4] = {NULL};
	struct trace_reader *r;
	struct workload_op op;
	int rc;

	assert_int_equal(mmu_mm_create(pgdat, 0, &mm[0]), 0);
	assert_int_equal(trace_reader_create(f, &r), 0);
	while ((rc = trace_reader_next(r, &op)) == 1) {
		assert_true(op.task < 4);
		if (op.type == WL_MMAP)
			assert_int_equal(mmu_mmap(mm[op.task], op.addr, op.len),
					 0);
		else if (op.type == WL_ACCESS)
			assert_int_equal(mmu_access(mm[op.task], op.addr,
						    (uint32_t)op.len, op.write),
					 0);
		(*nr_access) += op.type == WL_ACCESS;
	}
	assert_int_equal(rc, 0);
	trace_reader_destroy(r);
	mmu_exit(mm[0]);
}

/* A real lackey run of a small program, converted and replayed with
 * less memory than it touches. */
static void test_lackey_real(void **state)
{
	char dir[] = "/tmp/swapemu-lackey-XXXXXX", cmd[512], log[300], trc[300],
	     err[TRACE_ERROR_LEN], *line = NULL;
	uint64_t lsm = 0, replayed = 0;
	struct mm_env env;
	size_t cap = 0;
	FILE *in, *out;
	int64_t n;

	(void)state;
	if (system("valgrind --version >/dev/null 2>&1"))
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/lackey.txt", dir);
	snprintf(trc, sizeof(trc), "%s/trace.txt", dir);
	snprintf(cmd, sizeof(cmd),
		 "valgrind --tool=lackey --trace-mem=yes --log-file=%s "
		 "/bin/true",
		 log);
	assert_int_equal(system(cmd), 0);
	in = fopen(log, "r");
	assert_non_null(in);
	while (getline(&line, &cap, in) >= 0)
		lsm += line[0] == ' ' && strchr("LSM", line[1]);
	rewind(in);
	out = fopen(trc, "w+");
	assert_non_null(out);
	n = trace_from_lackey(in, out, &(struct lackey_options){0}, err);
	assert_true(n > 1000);
	assert_int_equal((uint64_t)n, lsm);
	rewind(out);
	/* Replay on 16 frames with swap: /bin/true writes some 26 pages
	 * (reads of pages never written map the zero page). */
	mm_env_setup(&env, 16, 1024, NULL);
	replay(env.pgdat, out, &replayed);
	assert_int_equal(replayed, lsm);
	assert_true(ev(&env, PSWPOUT) > 0);
	assert_int_equal(ev(&env, SWAP_CSUM_FAIL), 0);
	mm_env_teardown(&env);
	fclose(in);
	fclose(out);
	free(line);
	unlink(log);
	unlink(trc);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_write_roundtrip),
		cmocka_unit_test(test_lackey_synthetic),
		cmocka_unit_test(test_lackey_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

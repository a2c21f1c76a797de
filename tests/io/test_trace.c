/* SPDX-License-Identifier: MIT */
/* Tests of swap/io/trace.c: bounded ring, drain and snapshot, iolog v3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "swap/io/trace.h"

static const char *names(void *ctx, int store)
{
	return store == 0 ? "/dev/zero0" : store == 1 ? "/tmp/b" : NULL;
}

static char *iolog(struct swap_trace *t, bool drain)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	assert_int_equal(swap_trace_write_iolog(t, f, names, NULL, drain), 0);
	fclose(f);
	return s;
}

static void test_off_records_nothing(void **state)
{
	struct swap_trace *t;
	struct swap_trace_counters c;

	assert_int_equal(swap_trace_create(4, &t), 0);
	swap_trace_record(t, 5, SWAP_IO_READ, 0, 0, 4096);
	swap_trace_counters(t, &c);
	assert_int_equal(c.held, 0);
	assert_false(c.enabled);
	swap_trace_destroy(t);
}

static void test_iolog_format(void **state)
{
	struct swap_trace *t;
	char *s;

	assert_int_equal(swap_trace_create(16, &t), 0);
	swap_trace_enable(t, true, 1000000);
	swap_trace_record(t, 1000000, SWAP_IO_WRITE, 0, 8192, 4096);
	swap_trace_record(t, 3500000, SWAP_IO_READ, 1, 0, 65536);
	swap_trace_record(t, 4000000, SWAP_IO_DISCARD, 0, 4096, 4096);
	swap_trace_record(t, 4000000, SWAP_IO_READ, 7, 0, 4096); /* unnamed */
	s = iolog(t, false);
	assert_string_equal(s,
		"fio version 3 iolog\n"
		"0 /dev/zero0 add\n"
		"0 /dev/zero0 open\n"
		"0 /tmp/b add\n"
		"0 /tmp/b open\n"
		"0 /dev/zero0 write 8192 4096\n"
		"2500 /tmp/b read 0 65536\n"
		"3000 /dev/zero0 trim 4096 4096\n"
		"3000 /dev/zero0 close\n"
		"3000 /tmp/b close\n");
	free(s);
	swap_trace_destroy(t);
}

/* A full ring drops the oldest; snapshot keeps, drain empties. */
static void test_bounded_drain_snapshot(void **state)
{
	struct swap_trace *t;
	struct swap_trace_counters c;
	char *s;

	assert_int_equal(swap_trace_create(4, &t), 0);
	swap_trace_enable(t, true, 0);
	for (uint64_t i = 0; i < 10; i++)
		swap_trace_record(t, i * 1000, SWAP_IO_READ, 0, i * 4096, 4096);
	swap_trace_counters(t, &c);
	assert_int_equal(c.recorded, 10);
	assert_int_equal(c.dropped, 6);
	assert_int_equal(c.held, 4);
	s = iolog(t, false);
	assert_null(strstr(s, " read 20480 "));
	assert_non_null(strstr(s, "6 /dev/zero0 read 24576 4096\n"));
	assert_non_null(strstr(s, "9 /dev/zero0 read 36864 4096\n"));
	free(s);
	s = iolog(t, true);
	assert_non_null(strstr(s, " read 24576 "));
	free(s);
	swap_trace_counters(t, &c);
	assert_int_equal(c.held, 0);
	/* Off keeps what is there; on again starts a new trace. */
	swap_trace_record(t, 20000, SWAP_IO_READ, 0, 0, 4096);
	swap_trace_enable(t, false, 0);
	swap_trace_record(t, 30000, SWAP_IO_READ, 0, 0, 4096);
	swap_trace_counters(t, &c);
	assert_int_equal(c.held, 1);
	swap_trace_enable(t, true, 50000);
	swap_trace_counters(t, &c);
	assert_int_equal(c.held, 0);
	assert_int_equal(c.recorded, 0);
	swap_trace_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_records_nothing),
		cmocka_unit_test(test_iolog_format),
		cmocka_unit_test(test_bounded_drain_snapshot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

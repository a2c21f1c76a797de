/* SPDX-License-Identifier: MIT */
/*
 * The table of benchmark suites and the helpers they share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"

const struct bench_suite bench_suites[] = {
	{ "alloc", "swap slot allocators: cluster vs scan_swap_map",
	  bench_alloc_main },
	{ "io", "IO engine vs fio, device model promises", bench_io_main },
	{ "fs", "FUSE mount vs its backing file: fio, kernel swap", bench_fs_main },
	{ "paging", "paging engine: hits, faults vs IOPS", bench_paging_main },
	{ "fidelity", "paging engine vs the kernel", bench_fidelity_main },
	{ "sweep", "policies x devices x workloads, miss-ratio curves", bench_sweep_main },
	{ "all", "every suite in turn, one report directory", bench_all_main },
	{ NULL, NULL, NULL },
};

int bench_fail(const char *suite, int rc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "swapemu %s: ", suite);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (rc < 0)
		fprintf(stderr, ": %s", strerror(-rc));
	fputc('\n', stderr);
	return 1;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

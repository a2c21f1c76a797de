/* SPDX-License-Identifier: MIT */
/*
 * Benchmark suites of `swapemu bench`.  Each suite compares alternatives on
 * the same work in one run and reports ratios, as a table on stdout and,
 * through bench/report.h, as JSON (--json FILE|-) and a report directory
 * (--out DIR).
 */
#ifndef SWAPEMU_BENCH_BENCH_H
#define SWAPEMU_BENCH_BENCH_H

#include <stdint.h>

struct bench_suite {
	const char *name;    /* argv[1] of `swapemu bench` */
	const char *summary; /* one line for the suite list */
	/* argv[0] is the suite name; returns the exit status. */
	int (*run)(int argc, char **argv);
};

/* The suites, terminated by an entry with a NULL name. */
extern const struct bench_suite bench_suites[];

/* Print "swapemu bench: <suite>: <message>: <strerror(-rc)>" (no errno
 * part when @rc is 0) to stderr; returns 1, the exit status. */
int bench_fail(const char *suite, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Monotonic clock in nanoseconds. */
uint64_t bench_now_ns(void);

/* Median of @n values (sorts @v in place). */
double bench_median(double *v, unsigned int n);

int bench_alloc_main(int argc, char **argv);
int bench_io_main(int argc, char **argv);
int bench_fs_main(int argc, char **argv);
int bench_paging_main(int argc, char **argv);
int bench_fidelity_main(int argc, char **argv);
int bench_sweep_main(int argc, char **argv);
/* Every suite above in turn (bench/bench_all.c). */
int bench_all_main(int argc, char **argv);

#endif

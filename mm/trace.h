/* SPDX-License-Identifier: MIT */
/*
 * The trace format of `swapemu run` (docs/TRACE.md): one operation per
 * line, "task op args":
 *
 *   0 mmap 0x7f0000000000 1048576
 *   0 W 0x7f0000001000 8
 *   0 fork 1
 *   1 R 0x7f0000001000 8
 *   1 exit
 *
 * The reader checks every line (syntax, ranges, alignment, that the task
 * exists) and refuses the first bad one with its line number and reason.
 * A converter turns valgrind --tool=lackey --trace-mem=yes output into it.
 */
#ifndef SWAPEMU_MM_TRACE_H
#define SWAPEMU_MM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mm/workload.h"

#define TRACE_MAX_ACCESS (1u << 20) /* bytes of one R or W */
#define TRACE_ERROR_LEN 160

struct trace_reader;

/* Read from @f (not owned).  0 or -ENOMEM. */
int trace_reader_create(FILE *f, struct trace_reader **out);
void trace_reader_destroy(struct trace_reader *r);

/*
 * The next operation: 1 with *@op set, 0 at the end of the file,
 * -EINVAL for a bad line (trace_reader_error: "line N: reason"), -EIO on
 * a read error.  Tasks must be created by fork before use (task 0 exists
 * from the start) and must not be used after exit.
 */
int trace_reader_next(struct trace_reader *r, struct workload_op *op);
const char *trace_reader_error(const struct trace_reader *r);

/* Write @op as one trace line. */
int trace_write_op(FILE *f, const struct workload_op *op);

struct lackey_options {
	bool instructions; /* include instruction fetches (I) as reads */
	unsigned int task; /* task id of the accesses */
};

/*
 * Convert lackey output from @in into a trace on @out: mmap lines for
 * every run of touched pages, then L as R, S as W, M (modify) as W, and
 * I as R when asked.  Valgrind's own "==pid==" and "--pid--" lines are
 * skipped.  @in is read twice (copied to a temporary file if it cannot
 * seek).  Returns the number of accesses written, or -EINVAL with @err
 * set to "line N: reason", -EIO, -ENOMEM.
 */
int64_t trace_from_lackey(FILE *in, FILE *out, const struct lackey_options *opt,
			  char err[TRACE_ERROR_LEN]);

#endif

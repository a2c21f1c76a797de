/* SPDX-License-Identifier: MIT */
/*
 * Progress of a long run on a terminal: one line on stderr, redrawn in
 * place, at most 10 times a second:
 *
 *   bench alloc [######..........]  37%  0:12  ETA 0:20  case 3/8 fresh ...
 *
 * with the elapsed time, the estimated time left and the caller's label
 * for the step now running, cut to the terminal's width.  The estimate
 * assumes the remaining steps take as long as the done ones did on
 * average.  Nothing is written when stderr is not a terminal, when
 * the environment has SWAPEMU_QUIET set (to anything but "" or "0"), or
 * after progress_set_quiet(true) (a command's --quiet).
 *
 * One progress at a time per process.  The functions keep their state in
 * one static object without a lock: calls must come from one thread at a
 * time (any thread, but serialised by the caller).  Print the results
 * only after progress_end(), which clears the line.
 */
#ifndef SWAPEMU_BENCH_PROGRESS_H
#define SWAPEMU_BENCH_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Silence (or allow) all progress output from now on. */
void progress_set_quiet(bool quiet);

/*
 * Start a progress named @name (copied) of @total steps and draw it, if
 * output is allowed (see above).  A progress already begun is ended.
 */
void progress_begin(const char *name, uint64_t total);

/*
 * @done of the total steps are complete; @label (or NULL) says what runs
 * now.  Redraws when the last drawing is 100 ms old or more, so it may be
 * called as often as convenient.
 */
void progress_step(uint64_t done, const char *label);

/* Clear the line and forget the progress. */
void progress_end(void);

/* Whether the current progress draws on stderr. */
bool progress_active(void);

/*
 * The building blocks, exported for tests.
 */

/*
 * Estimated seconds left after @done of @total steps in @elapsed seconds:
 * the average time per done step times the steps left; 0 when all are
 * done, -1 when unknown (nothing done yet, or no total).
 */
double progress_eta(double elapsed, uint64_t done, uint64_t total);

/*
 * @seconds as "M:SS" below an hour, else "H:MM:SS", rounded to the
 * second; "-:--" when negative (unknown).  Writes at most @size bytes
 * including the NUL; returns @buf.
 */
char *progress_format_time(char *buf, size_t size, double seconds);

#endif

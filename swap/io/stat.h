/* SPDX-License-Identifier: MIT */
/*
 * IO counters of an area, per operation type: operations, bytes, errors,
 * operations in flight, and three latency histograms in nanoseconds:
 *  - total:    from submission to the completion callback (what the caller
 *              of the engine sees);
 *  - emulated: the device model's service time, from arrival to emulated
 *              completion (requests the model times only);
 *  - backing:  the real IO on the backing stores, from the first piece
 *              sent to the last piece done (requests that did real IO).
 *
 * Updated by the ring thread that owns the area, read by anyone: counters
 * are relaxed atomics, so a reader gets a consistent-enough snapshot.
 */
#ifndef SWAPEMU_SWAP_IO_STAT_H
#define SWAPEMU_SWAP_IO_STAT_H

#include <stdint.h>
#include <stdio.h>

#include "swap/io/engine.h"
#include "swap/io/hist.h"

enum swap_stat_clock {
	SWAP_STAT_TOTAL = 0,
	SWAP_STAT_EMULATED,
	SWAP_STAT_BACKING,
	SWAP_STAT_NR_CLOCKS,
};

struct swap_stat;

/* Counters of one operation type. */
struct swap_stat_op {
	uint64_t ops;      /* completed operations, errors included */
	uint64_t bytes;    /* bytes of the successful ones */
	uint64_t errors;   /* completed with an error */
	uint64_t inflight; /* submitted and not yet completed */
};

int swap_stat_create(struct swap_stat **out);
void swap_stat_destroy(struct swap_stat *st);

/* An operation of type @op was submitted. */
void swap_stat_start(struct swap_stat *st, enum swap_io_op op);

/* It completed with @res (bytes or -errno); a clock of 0 ns is "not
 * measured" for emulated and backing. */
void swap_stat_done(struct swap_stat *st, enum swap_io_op op, int64_t res,
		    uint64_t total_ns, uint64_t emulated_ns,
		    uint64_t backing_ns);

void swap_stat_read(const struct swap_stat *st, enum swap_io_op op,
		    struct swap_stat_op *out);
const struct swap_hist *swap_stat_hist(const struct swap_stat *st,
				       enum swap_io_op op,
				       enum swap_stat_clock clock);
const char *swap_stat_clock_name(enum swap_stat_clock clock);

/* Zero every counter but in-flight. */
void swap_stat_reset(struct swap_stat *st);

/*
 * One JSON object: {"read": {"ops":..,"bytes":..,"errors":..,"inflight":..,
 * "latency_ns": {"total": {"count":..,"min":..,"mean":..,"p50":..,"p90":..,
 * "p99":..,"p999":..,"max":..}, "emulated": {..}, "backing": {..}}},
 * "write": {..}, "discard": {..}}.  Returns 0 or -EIO.
 */
int swap_stat_json(const struct swap_stat *st, FILE *f);

#endif

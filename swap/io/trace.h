/* SPDX-License-Identifier: MIT */
/*
 * IO traces: a bounded ring of the IO an area sent to its backing stores,
 * written out as fio iolog v3 so that `fio --read_iolog=TRACE` replays it
 * (with --replay_redirect=FILE to aim it at another file).
 *
 * One record per piece of IO sent to a store (a request that spans extents
 * gives several), with the store's byte offset, so the replay hits the same
 * places of the same files.  Timestamps count from the moment recording was
 * turned on; fio 3.33 reads and writes them in microseconds.
 *
 * Memory is bounded by the capacity given at creation: when the ring is
 * full the oldest record is dropped and counted.  Turning recording on
 * starts a new trace (older records are discarded).
 *
 * Every function is safe to call from several threads: one mutex guards the
 * ring; recording checks an atomic flag first, so a trace that is off costs
 * one load.
 */
#ifndef SWAPEMU_SWAP_IO_TRACE_H
#define SWAPEMU_SWAP_IO_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "swap/io/engine.h"

#define SWAP_TRACE_DEFAULT_CAPACITY 65536u

struct swap_trace;

struct swap_trace_counters {
	uint64_t recorded; /* records added since recording was turned on */
	uint64_t dropped;  /* of which overwritten before being read */
	uint64_t held;     /* records in the ring now */
	uint64_t capacity; /* records the ring holds at most */
	bool enabled;      /* recording is on */
};

/* Name of store @store for the iolog (a path); NULL skips its records. */
typedef const char *(*swap_trace_name_fn)(void *ctx, int store);

/* A trace of at most @capacity records (0: the default).  0 or -ENOMEM. */
int swap_trace_create(size_t capacity, struct swap_trace **out);
void swap_trace_destroy(struct swap_trace *t);

/* Turn recording on (a new trace starts at @now_ns) or off (the records
 * stay readable). */
void swap_trace_enable(struct swap_trace *t, bool on, uint64_t now_ns);
bool swap_trace_enabled(const struct swap_trace *t);

/* Record @op of @len bytes at byte @off of store @store, at @now_ns. */
void swap_trace_record(struct swap_trace *t, uint64_t now_ns,
		       enum swap_io_op op, int store, uint64_t off,
		       uint64_t len);

void swap_trace_counters(struct swap_trace *t,
			 struct swap_trace_counters *out);

/*
 * Write the held records as a complete fio iolog v3 (header, add and open
 * of each file, the IO, close of each file).  @drain removes the records
 * written; otherwise the trace is left as it was (a snapshot).  Returns 0
 * or -errno (-EIO on a stream error, -ENOMEM).
 */
int swap_trace_write_iolog(struct swap_trace *t, FILE *f,
			   swap_trace_name_fn name, void *ctx, bool drain);

#endif

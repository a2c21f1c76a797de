/* SPDX-License-Identifier: MIT */
/*
 * The device model of an area: how the emulated swap device behaves,
 * applied by the IO engine to every request on top of the real IO.
 *
 *  - latency: fixed per operation type, plus a log-normal jitter given by
 *    its median and 99th percentile;
 *  - throughput: an IOPS and a bandwidth limit, token buckets with bursts;
 *  - rotation: a seek time that grows with the square root of the distance
 *    from the end of the previous request (seek_min .. seek_max over the
 *    whole area) plus a uniform rotational delay of up to one turn, both
 *    skipped for a request that starts where the previous one ended;
 *  - parallelism: qd requests are served at once, the rest queue in
 *    arrival order;
 *  - faults: an injected errno for a rate of requests of chosen operation
 *    types and slot ranges (once or always), bad slots whose reads fail
 *    with EIO until they are written (dm-dust), and bit flips in data read
 *    (off unless asked for).
 *
 * The engine asks swap_dev_plan() when a request arrives; the answer (the
 * time the emulated device completes it, or an error) is final, computed
 * from the model's queue state, so no thread ever waits for a request: the
 * engine arms a timer.  A request completes at the later of its emulated
 * completion and its real IO.
 *
 * Configuration is text, one key=value per word (see docs/IO.md for every
 * key and the presets none, ram, nvme, ssd, hdd, faulty).  The control file
 * of the FUSE mount forwards what a user writes to swap_dev_configure() and
 * reads back swap_dev_format().
 *
 * Every function is safe to call from several threads: one lock per model
 * guards parameters and queue state.
 */
#ifndef SWAPEMU_SWAP_IO_DEVICE_H
#define SWAPEMU_SWAP_IO_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "swap/io/engine.h"

#define SWAP_DEV_MAX_RANGES 32u /* slot ranges in error_slots */

struct swap_dev;

/* What the model decided for one request. */
struct swap_dev_plan {
	uint64_t done_ns;   /* emulated completion (CLOCK_MONOTONIC), 0: none */
	int error;          /* -errno to fail with instead of doing the IO */
	bool corrupt;       /* flip bit corrupt_bit of byte corrupt_byte */
	uint64_t corrupt_byte; /* offset inside the request */
	unsigned int corrupt_bit; /* 0..7 */
};

/* Counters of what the model did (since creation). */
struct swap_dev_counters {
	uint64_t injected;  /* requests failed by error injection */
	uint64_t bad_reads; /* reads failed on a bad slot */
	uint64_t healed;    /* bad slots cleared by a write */
	uint64_t corrupted; /* reads with a flipped bit */
	uint64_t delayed;   /* requests given an emulated completion */
};

/* A model for an area of @nr_slots slots, with the preset "none".
 * Returns 0, -EINVAL, -ENOMEM. */
int swap_dev_create(uint64_t nr_slots, struct swap_dev **out);
void swap_dev_destroy(struct swap_dev *d);

/*
 * Apply key=value words from @text (separated by blanks or newlines) on top
 * of the current model; a preset=NAME word is applied first, wherever it
 * stands.  All or nothing: on a bad key or value the model is unchanged,
 * -EINVAL is returned and, if @err is not NULL, a message is written to it
 * (@errlen bytes).  Queue state (bucket debt, the head position) is kept.
 */
int swap_dev_configure(struct swap_dev *d, const char *text, char *err,
		       size_t errlen);

/* The current model as key=value lines, which swap_dev_configure() takes
 * back.  Returns 0 or -errno of the stream. */
int swap_dev_format(struct swap_dev *d, FILE *f);

/* Into a buffer: returns the length the text needs (as snprintf), or
 * -errno. */
int swap_dev_format_buf(struct swap_dev *d, char *buf, size_t len);

/* Names of the presets, NULL-terminated. */
extern const char *const swap_dev_presets[];

/* False when the model changes nothing (preset none): the engine skips it. */
bool swap_dev_active(const struct swap_dev *d);

/*
 * Decide request (@op on slots [@slot, @slot + @nr)) arriving at @now_ns:
 * fills @plan and advances the queue state.  A write heals the bad slots
 * it covers.
 */
void swap_dev_plan(struct swap_dev *d, enum swap_io_op op, uint64_t slot,
		   uint64_t nr, uint64_t now_ns, struct swap_dev_plan *plan);

void swap_dev_counters(struct swap_dev *d, struct swap_dev_counters *out);

/* Is @slot on the bad slot list now? */
bool swap_dev_slot_bad(struct swap_dev *d, uint64_t slot);

/*
 * Seek time of the rotational model for a head move of @distance slots on
 * an area of @nr_slots: 0 for 0, else min + (max - min) * sqrt(d / n).
 */
uint64_t swap_dev_seek_ns(uint64_t distance, uint64_t nr_slots,
			  uint64_t seek_min_ns, uint64_t seek_max_ns);

/*
 * What the model promises on average for a stream of @op requests of
 * @bytes each at queue depth @depth, sequential or uniformly random over
 * the area: operations per second, or 0 when the model sets no limit.
 */
double swap_dev_expected_iops(struct swap_dev *d, enum swap_io_op op,
			      uint64_t bytes, bool sequential,
			      unsigned int depth);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Token buckets that delay instead of dropping, for the bandwidth and IOPS
 * limits of the device model.
 *
 * A bucket fills at @rate tokens per second up to @burst tokens.  An
 * operation costing c tokens may start once the bucket holds min(c, burst)
 * tokens; it then takes all c, which may leave the bucket in debt (an
 * operation larger than the burst still passes, and later ones wait for the
 * debt to be paid back).  Over any long interval at most rate * t + burst
 * tokens pass.
 *
 * The state is one number, the theoretical arrival time (GCRA): the time at
 * which the bucket will be full again.  Taking tokens never loops and never
 * sleeps; it returns the time at which the operation may start, which the
 * caller turns into a timer.
 *
 * A plain value type, embedded in the device model without an allocation:
 * callers serialise access (the device model's lock).
 */
#ifndef SWAPEMU_SWAP_IO_BUCKET_H
#define SWAPEMU_SWAP_IO_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct swap_bucket {
	uint64_t rate;     /* tokens per second; 0 = unlimited */
	uint64_t burst;    /* capacity in tokens, >= 1 when limited */
	uint64_t full_at;  /* ns: when the bucket is full again (GCRA TAT) */
};

/* Set the rate and burst and fill the bucket.  A @burst of 0 means one
 * token.  @rate 0 turns the limit off. */
void swap_bucket_init(struct swap_bucket *b, uint64_t rate, uint64_t burst);

/* Change rate and burst, keeping the current debt where it can. */
void swap_bucket_set(struct swap_bucket *b, uint64_t rate, uint64_t burst);

bool swap_bucket_limited(const struct swap_bucket *b);

/*
 * Take @cost tokens for an operation that arrives at @now_ns; returns the
 * time (>= @now_ns) at which it may start.  Always @now_ns when unlimited.
 */
uint64_t swap_bucket_take(struct swap_bucket *b, uint64_t cost,
			  uint64_t now_ns);

/* Tokens in the bucket at @now_ns (negative while in debt). */
double swap_bucket_level(const struct swap_bucket *b, uint64_t now_ns);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Delaying token buckets (see bucket.h).
 */
#include "swap/io/bucket.h"

#define NSEC_PER_SEC 1000000000ull

/* Nanoseconds it takes the bucket to earn @tokens, rounded up. */
static uint64_t bucket_ns(const struct swap_bucket *b, uint64_t tokens)
{
	unsigned __int128 ns = (unsigned __int128)tokens * NSEC_PER_SEC;

	ns = (ns + b->rate - 1) / b->rate;
	return ns > UINT64_MAX / 4 ? UINT64_MAX / 4 : (uint64_t)ns;
}

void swap_bucket_init(struct swap_bucket *b, uint64_t rate, uint64_t burst)
{
	b->rate = rate;
	b->burst = burst ? burst : 1;
	b->full_at = 0;
}

void swap_bucket_set(struct swap_bucket *b, uint64_t rate, uint64_t burst)
{
	if (!rate || !b->rate) {
		swap_bucket_init(b, rate, burst);
		return;
	}
	b->rate = rate;
	b->burst = burst ? burst : 1;
}

bool swap_bucket_limited(const struct swap_bucket *b)
{
	return b->rate != 0;
}

uint64_t swap_bucket_take(struct swap_bucket *b, uint64_t cost,
			  uint64_t now_ns)
{
	uint64_t need, start, base;

	if (!b->rate)
		return now_ns;
	need = cost < b->burst ? cost : b->burst;
	/* The bucket holds burst - (full_at - t) / T tokens at time t. */
	start = b->full_at + bucket_ns(b, need);
	start = start > bucket_ns(b, b->burst) ?
			start - bucket_ns(b, b->burst) : 0;
	if (start < now_ns)
		start = now_ns;
	base = b->full_at > start ? b->full_at : start;
	b->full_at = base + bucket_ns(b, cost);
	return start;
}

double swap_bucket_level(const struct swap_bucket *b, uint64_t now_ns)
{
	if (!b->rate || b->full_at <= now_ns)
		return (double)b->burst;
	return (double)b->burst -
	       (double)(b->full_at - now_ns) * (double)b->rate / NSEC_PER_SEC;
}

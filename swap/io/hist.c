/* SPDX-License-Identifier: MIT */
/*
 * Log-linear latency histograms (see hist.h).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "swap/io/hist.h"

struct swap_hist {
	_Atomic uint64_t count;              /* samples added */
	_Atomic uint64_t sum;                /* sum of samples (wraps) */
	_Atomic uint64_t min;                /* smallest sample, ~0 if none */
	_Atomic uint64_t max;                /* largest sample */
	_Atomic uint64_t bucket[SWAP_HIST_BUCKETS]; /* samples per bucket */
};

int swap_hist_create(struct swap_hist **out)
{
	struct swap_hist *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	atomic_init(&h->min, UINT64_MAX);
	*out = h;
	return 0;
}

void swap_hist_destroy(struct swap_hist *h)
{
	free(h);
}

size_t swap_hist_bucket(uint64_t v)
{
	unsigned int p;

	if (v < 2 * SWAP_HIST_SUB)
		return (size_t)v;
	p = 63u - (unsigned int)__builtin_clzll(v); /* >= SUB_SHIFT + 1 */
	return 2 * SWAP_HIST_SUB +
	       (size_t)(p - SWAP_HIST_SUB_SHIFT - 1) * SWAP_HIST_SUB +
	       ((v >> (p - SWAP_HIST_SUB_SHIFT)) & (SWAP_HIST_SUB - 1));
}

uint64_t swap_hist_bucket_lower(size_t i)
{
	size_t k, p, sub;

	if (i < 2 * SWAP_HIST_SUB)
		return i;
	k = i - 2 * SWAP_HIST_SUB;
	p = k / SWAP_HIST_SUB + SWAP_HIST_SUB_SHIFT + 1;
	sub = k % SWAP_HIST_SUB;
	return (UINT64_C(1) << p) + ((uint64_t)sub << (p - SWAP_HIST_SUB_SHIFT));
}

uint64_t swap_hist_bucket_upper(size_t i)
{
	if (i + 1 >= SWAP_HIST_BUCKETS)
		return UINT64_MAX;
	return swap_hist_bucket_lower(i + 1);
}

static void hist_update_min(struct swap_hist *h, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(&h->min, memory_order_relaxed);

	while (v < cur && !atomic_compare_exchange_weak_explicit(
				  &h->min, &cur, v, memory_order_relaxed,
				  memory_order_relaxed))
		;
}

static void hist_update_max(struct swap_hist *h, uint64_t v)
{
	uint64_t cur = atomic_load_explicit(&h->max, memory_order_relaxed);

	while (v > cur && !atomic_compare_exchange_weak_explicit(
				  &h->max, &cur, v, memory_order_relaxed,
				  memory_order_relaxed))
		;
}

void swap_hist_add(struct swap_hist *h, uint64_t v)
{
	atomic_fetch_add_explicit(&h->bucket[swap_hist_bucket(v)], 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum, v, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	hist_update_min(h, v);
	hist_update_max(h, v);
}

void swap_hist_reset(struct swap_hist *h)
{
	for (size_t i = 0; i < SWAP_HIST_BUCKETS; i++)
		atomic_store_explicit(&h->bucket[i], 0, memory_order_relaxed);
	atomic_store(&h->count, 0);
	atomic_store(&h->sum, 0);
	atomic_store(&h->min, UINT64_MAX);
	atomic_store(&h->max, 0);
}

void swap_hist_merge(struct swap_hist *dst, const struct swap_hist *src)
{
	struct swap_hist *s = (struct swap_hist *)src;
	uint64_t n = atomic_load(&s->count);

	if (!n)
		return;
	for (size_t i = 0; i < SWAP_HIST_BUCKETS; i++)
		atomic_fetch_add(&dst->bucket[i], atomic_load(&s->bucket[i]));
	atomic_fetch_add(&dst->sum, atomic_load(&s->sum));
	atomic_fetch_add(&dst->count, n);
	hist_update_min(dst, atomic_load(&s->min));
	hist_update_max(dst, atomic_load(&s->max));
}

uint64_t swap_hist_count(const struct swap_hist *h)
{
	return atomic_load(&((struct swap_hist *)h)->count);
}

uint64_t swap_hist_bucket_count(const struct swap_hist *h, size_t i)
{
	if (i >= SWAP_HIST_BUCKETS)
		return 0;
	return atomic_load_explicit(&((struct swap_hist *)h)->bucket[i],
				    memory_order_relaxed);
}

/* Total of the bucket counts: the population the quantiles are taken of. */
static uint64_t hist_bucket_total(const struct swap_hist *h)
{
	uint64_t n = 0;

	for (size_t i = 0; i < SWAP_HIST_BUCKETS; i++)
		n += swap_hist_bucket_count(h, i);
	return n;
}

/* The value of rank @rank (0-based), interpolated inside its bucket. */
static uint64_t hist_value_at_rank(const struct swap_hist *h, uint64_t rank)
{
	uint64_t seen = 0, c, lo, hi;
	size_t i;

	for (i = 0; i < SWAP_HIST_BUCKETS; i++) {
		c = swap_hist_bucket_count(h, i);
		if (rank < seen + c)
			break;
		seen += c;
	}
	if (i == SWAP_HIST_BUCKETS)
		return atomic_load(&((struct swap_hist *)h)->max);
	lo = swap_hist_bucket_lower(i);
	hi = swap_hist_bucket_upper(i);
	return lo + (uint64_t)((double)(hi - lo) * (double)(rank - seen) /
			       (double)c);
}

uint64_t swap_hist_quantile(const struct swap_hist *h, double q)
{
	struct swap_hist *m = (struct swap_hist *)h;
	uint64_t total = hist_bucket_total(h), v, lo, hi;

	if (!total)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	v = hist_value_at_rank(h, (uint64_t)(q * (double)(total - 1) + 0.5));
	lo = atomic_load(&m->min);
	hi = atomic_load(&m->max);
	if (v < lo)
		v = lo;
	if (v > hi)
		v = hi;
	return v;
}

void swap_hist_summarize(const struct swap_hist *h,
			 struct swap_hist_summary *s)
{
	struct swap_hist *m = (struct swap_hist *)h;

	s->count = atomic_load(&m->count);
	s->min = s->count ? atomic_load(&m->min) : 0;
	s->max = atomic_load(&m->max);
	s->mean = s->count ? atomic_load(&m->sum) / s->count : 0;
	s->p50 = swap_hist_quantile(h, 0.50);
	s->p90 = swap_hist_quantile(h, 0.90);
	s->p99 = swap_hist_quantile(h, 0.99);
	s->p999 = swap_hist_quantile(h, 0.999);
}

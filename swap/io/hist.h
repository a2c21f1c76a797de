/* SPDX-License-Identifier: MIT */
/*
 * Latency histograms: log2 buckets, each power of two split into
 * SWAP_HIST_SUB linear sub-buckets, so a percentile read back is within
 * 1/SWAP_HIST_SUB (12.5%) of the true value at any scale from 1 ns to
 * 2^64 ns, in a fixed 4 KiB per histogram and O(1) per sample.
 *
 * Values below 2 * SWAP_HIST_SUB are counted exactly.  Percentiles are
 * interpolated linearly inside the bucket that holds them and clamped to
 * the minimum and maximum seen.
 *
 * Concurrency: swap_hist_add() may run in several threads at once (relaxed
 * atomic counters); readers see a consistent-enough snapshot: each bucket
 * is exact, the sum of buckets may lag the count by samples in progress.
 */
#ifndef SWAPEMU_SWAP_IO_HIST_H
#define SWAPEMU_SWAP_IO_HIST_H

#include <stddef.h>
#include <stdint.h>

#define SWAP_HIST_SUB_SHIFT 3
#define SWAP_HIST_SUB (1u << SWAP_HIST_SUB_SHIFT)
/* Exact buckets for 0 .. 2*SUB-1, then SUB per power of two up to 2^63. */
#define SWAP_HIST_BUCKETS (2 * SWAP_HIST_SUB + (63 - SWAP_HIST_SUB_SHIFT) * SWAP_HIST_SUB)

struct swap_hist;

/* Summary of a histogram; all values in the unit of the samples. */
struct swap_hist_summary {
	uint64_t count; /* samples */
	uint64_t min;   /* smallest sample, 0 when empty */
	uint64_t max;   /* largest sample */
	uint64_t mean;  /* sum / count, 0 when empty */
	uint64_t p50;   /* median */
	uint64_t p90;
	uint64_t p99;
	uint64_t p999;  /* 99.9th percentile */
};

/* A new empty histogram.  Returns 0 or -ENOMEM. */
int swap_hist_create(struct swap_hist **out);
void swap_hist_destroy(struct swap_hist *h);

/* Count one sample. */
void swap_hist_add(struct swap_hist *h, uint64_t v);
/* Forget every sample (not atomic with concurrent adds). */
void swap_hist_reset(struct swap_hist *h);
/* Add every sample of @src to @dst. */
void swap_hist_merge(struct swap_hist *dst, const struct swap_hist *src);

uint64_t swap_hist_count(const struct swap_hist *h);
/* The @q quantile, 0 <= q <= 1 (0.99 for p99); 0 when empty. */
uint64_t swap_hist_quantile(const struct swap_hist *h, double q);
void swap_hist_summarize(const struct swap_hist *h,
			 struct swap_hist_summary *s);

/* Bucket geometry, for tests and plots: the bucket of a value, and the
 * half-open range [lower, upper) of values a bucket holds. */
size_t swap_hist_bucket(uint64_t v);
uint64_t swap_hist_bucket_lower(size_t i);
uint64_t swap_hist_bucket_upper(size_t i);
/* Samples in bucket @i (0 past the end). */
uint64_t swap_hist_bucket_count(const struct swap_hist *h, size_t i);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Belady's OPT: the fewest page-ins any replacement policy could have on
 * an access stream with a given number of frames, evicting the resident
 * page whose next use is farthest away.  Every miss counts, the first
 * touch of a page included, so the result is comparable to the number of
 * faults that bring a page in (pgfault of first touches + pgmajfault).
 *
 * Cost: one backward pass for next-use times (a hash map of page ids),
 * then one forward pass with an indexed max-heap of the resident pages
 * keyed by next use: O(n log m) time, O(n + distinct pages) memory.
 */
#ifndef SWAPEMU_MM_BELADY_H
#define SWAPEMU_MM_BELADY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Misses of OPT on @refs[0..@n) (page ids, any 64-bit values) with
 * @frames frames.  Returns 0 with *@faults set, -EINVAL if @frames is 0,
 * -ENOMEM.
 */
int belady_faults(const uint64_t *refs, size_t n, size_t frames,
		  uint64_t *faults);

/* Distinct page ids in the stream.  0 or -ENOMEM. */
int belady_distinct(const uint64_t *refs, size_t n, uint64_t *pages);

/* Misses of LRU on the same stream, the usual companion figure. */
int belady_lru_faults(const uint64_t *refs, size_t n, size_t frames,
		      uint64_t *faults);

#endif

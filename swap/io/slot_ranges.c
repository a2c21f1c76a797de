/* SPDX-License-Identifier: MIT */
/*
 * Sorted lists of slot ranges: the device model's bad slots, which writes
 * remove slot by slot as dm-dust does, and the parser of "A-B,C" lists.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "swap/io/io_i.h"

/* Slots beyond this are refused: no area is that large, and range ends
 * plus one never overflow. */
#define SLOT_LIMIT (UINT64_C(1) << 52)

void dev_ranges_free(struct dev_ranges *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* Index of the first range whose last slot is >= @slot (nr if none). */
static size_t ranges_lower_bound(const struct dev_ranges *r, uint64_t slot)
{
	size_t lo = 0, hi = r->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (r->v[mid].last < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool dev_ranges_overlap(const struct dev_ranges *r, uint64_t slot,
			uint64_t nr)
{
	size_t i;

	if (!r->nr || !nr)
		return false;
	i = ranges_lower_bound(r, slot);
	return i < r->nr && r->v[i].first <= slot + nr - 1;
}

static int ranges_reserve(struct dev_ranges *r, size_t n)
{
	struct dev_range *v;
	size_t cap;

	if (n <= r->cap)
		return 0;
	cap = r->cap ? r->cap * 2 : 8;
	while (cap < n)
		cap *= 2;
	v = realloc(r->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->v = v;
	r->cap = cap;
	return 0;
}

int dev_ranges_insert(struct dev_ranges *r, uint64_t first, uint64_t last)
{
	size_t i, j;

	if (first > last)
		return -EINVAL;
	/* Ranges that touch or overlap [first, last] are merged into it. */
	i = ranges_lower_bound(r, first ? first - 1 : 0);
	for (j = i; j < r->nr && r->v[j].first <= last + 1; j++) {
		if (r->v[j].first < first)
			first = r->v[j].first;
		if (r->v[j].last > last)
			last = r->v[j].last;
	}
	if (j == i && ranges_reserve(r, r->nr + 1))
		return -ENOMEM;
	if (j == i) {
		memmove(&r->v[i + 1], &r->v[i], (r->nr - i) * sizeof(*r->v));
		r->nr++;
		j = i + 1;
	}
	r->v[i].first = first;
	r->v[i].last = last;
	memmove(&r->v[i + 1], &r->v[j], (r->nr - j) * sizeof(*r->v));
	r->nr -= j - i - 1;
	return 0;
}

/* Cut [slot, end] out of range @i; returns slots removed, or 0 when a
 * split needs memory that is not there (the list is then unchanged). */
static uint64_t ranges_cut(struct dev_ranges *r, size_t i, uint64_t slot,
			   uint64_t end)
{
	struct dev_range *x = &r->v[i];
	uint64_t lo = x->first > slot ? x->first : slot;
	uint64_t hi = x->last < end ? x->last : end;

	if (x->first < lo && x->last > hi) {
		if (ranges_reserve(r, r->nr + 1))
			return 0;
		x = &r->v[i];
		memmove(&r->v[i + 1], &r->v[i], (r->nr - i) * sizeof(*r->v));
		r->nr++;
		r->v[i].last = lo - 1;
		r->v[i + 1].first = hi + 1;
	} else if (x->first < lo) {
		x->last = lo - 1;
	} else if (x->last > hi) {
		x->first = hi + 1;
	} else {
		memmove(&r->v[i], &r->v[i + 1],
			(r->nr - i - 1) * sizeof(*r->v));
		r->nr--;
	}
	return hi - lo + 1;
}

uint64_t dev_ranges_remove(struct dev_ranges *r, uint64_t slot, uint64_t nr)
{
	uint64_t end = slot + nr - 1, removed = 0, n;
	size_t i;

	if (!nr)
		return 0;
	i = ranges_lower_bound(r, slot);
	while (i < r->nr && r->v[i].first <= end) {
		n = ranges_cut(r, i, slot, end);
		if (!n)
			break;
		removed += n;
		/* The range at i is either gone or now lies before slot. */
		if (i < r->nr && r->v[i].last < slot)
			i++;
	}
	return removed;
}

/* One "N" or "N-M" item; 0 or -EINVAL. */
static int ranges_parse_item(const char *s, size_t len, uint64_t *first,
			     uint64_t *last)
{
	char buf[48], *end;

	if (!len || len >= sizeof(buf) || *s == '-' || *s == '+')
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	errno = 0;
	*first = strtoull(buf, &end, 10);
	*last = *first;
	if (*end == '-') {
		if (end[1] == '-' || end[1] == '+' || !end[1])
			return -EINVAL;
		*last = strtoull(end + 1, &end, 10);
	}
	if (errno || *end || *last < *first || *last > SLOT_LIMIT)
		return -EINVAL;
	return 0;
}

int dev_ranges_parse(const char *s, struct dev_ranges *r)
{
	uint64_t first, last;
	size_t len;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	while (*s && !rc) {
		len = strcspn(s, ",");
		rc = ranges_parse_item(s, len, &first, &last);
		if (!rc)
			rc = dev_ranges_insert(r, first, last);
		s += len;
		if (*s == ',' && !*++s)
			rc = -EINVAL;
	}
	if (rc)
		dev_ranges_free(r);
	return rc;
}

int dev_ranges_format(const struct dev_range *v, size_t nr, FILE *f)
{
	for (size_t i = 0; i < nr; i++) {
		if (i)
			fputc(',', f);
		if (v[i].first == v[i].last)
			fprintf(f, "%" PRIu64, v[i].first);
		else
			fprintf(f, "%" PRIu64 "-%" PRIu64, v[i].first,
				v[i].last);
	}
	return ferror(f) ? -EIO : 0;
}

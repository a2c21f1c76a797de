/* SPDX-License-Identifier: MIT */
/*
 * Belady's OPT bound.  See mm/belady.h.
 */
#include "mm/belady.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

/* Page id -> dense index, open addressing. */
struct id_map {
	uint64_t *keys; /* page ids */
	uint32_t *vals; /* dense index + 1, 0 = empty slot */
	size_t mask;	/* slots - 1 */
	uint32_t nr;	/* dense indexes handed out */
};

static int id_map_init(struct id_map *m, size_t n)
{
	size_t slots = 16;

	while (slots < 2 * n)
		slots <<= 1;
	m->keys = malloc(slots * sizeof(*m->keys));
	m->vals = calloc(slots, sizeof(*m->vals));
	m->mask = slots - 1;
	m->nr = 0;
	return m->keys && m->vals ? 0 : -ENOMEM;
}

static void id_map_free(struct id_map *m)
{
	free(m->keys);
	free(m->vals);
}

static uint32_t id_map_get(struct id_map *m, uint64_t key)
{
	size_t i = (key * UINT64_C(0x9E3779B97F4A7C15)) >> 20 & m->mask;

	while (m->vals[i]) {
		if (m->keys[i] == key)
			return m->vals[i] - 1;
		i = (i + 1) & m->mask;
	}
	m->keys[i] = key;
	m->vals[i] = ++m->nr;
	return m->nr - 1;
}

/* Dense ids of the stream, and the number of distinct pages. */
static int dense_ids(const uint64_t *refs, size_t n, uint32_t *ids,
		     uint32_t *nr_ids)
{
	struct id_map m;
	int rc = id_map_init(&m, n);

	if (!rc) {
		for (size_t i = 0; i < n; i++)
			ids[i] = id_map_get(&m, refs[i]);
		*nr_ids = m.nr;
	}
	id_map_free(&m);
	return rc;
}

/* An indexed max-heap of resident pages keyed by next use. */
struct opt_heap {
	uint32_t *page; /* heap slot -> dense id */
	uint64_t *key;	/* heap slot -> next use */
	int64_t *pos;	/* dense id -> heap slot, -1 if not resident */
	size_t size;	/* resident pages */
};

static void heap_swap(struct opt_heap *h, size_t a, size_t b)
{
	uint32_t p = h->page[a];
	uint64_t k = h->key[a];

	h->page[a] = h->page[b];
	h->key[a] = h->key[b];
	h->page[b] = p;
	h->key[b] = k;
	h->pos[h->page[a]] = (int64_t)a;
	h->pos[h->page[b]] = (int64_t)b;
}

static void heap_up(struct opt_heap *h, size_t i)
{
	while (i && h->key[(i - 1) / 2] < h->key[i]) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct opt_heap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, big = i;

		if (l < h->size && h->key[l] > h->key[big])
			big = l;
		if (r < h->size && h->key[r] > h->key[big])
			big = r;
		if (big == i)
			return;
		heap_swap(h, i, big);
		i = big;
	}
}

static void heap_push(struct opt_heap *h, uint32_t page, uint64_t key)
{
	size_t i = h->size++;

	h->page[i] = page;
	h->key[i] = key;
	h->pos[page] = (int64_t)i;
	heap_up(h, i);
}

/* Evict the page used farthest in the future. */
static void heap_pop(struct opt_heap *h)
{
	h->pos[h->page[0]] = -1;
	if (--h->size) {
		h->page[0] = h->page[h->size];
		h->key[0] = h->key[h->size];
		h->pos[h->page[0]] = 0;
		heap_down(h, 0);
	}
}

/* next[i]: index of the next use of the page used at i, or n + i. */
static void next_uses(const uint32_t *ids, size_t n, uint32_t nr_ids,
		      uint64_t *next, uint64_t *last)
{
	for (uint32_t d = 0; d < nr_ids; d++)
		last[d] = UINT64_MAX;
	for (size_t i = n; i-- > 0;) {
		uint64_t l = last[ids[i]];

		/* Never used again: beyond the end, later ones farther. */
		next[i] = l == UINT64_MAX ? n + i : l;
		last[ids[i]] = i;
	}
}

/* Replacement on the stream: evict the resident page with the largest
 * key.  OPT keys a use by the time of the next use (@next); LRU (@next
 * NULL) by how long ago it was, so the least recently used goes. */
static uint64_t heap_run(const uint32_t *ids, const uint64_t *next, size_t n,
			 size_t frames, struct opt_heap *h)
{
	uint64_t faults = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t key = next ? next[i] : UINT64_MAX - i;
		int64_t at = h->pos[ids[i]];

		if (at >= 0) {
			h->key[at] = key;
			heap_up(h, (size_t)at);
			heap_down(h, (size_t)h->pos[ids[i]]);
			continue;
		}
		faults++;
		if (h->size == frames)
			heap_pop(h);
		heap_push(h, ids[i], key);
	}
	return faults;
}

/* Run OPT (@opt) or LRU on @refs with @frames frames. */
static int simulate(const uint64_t *refs, size_t n, size_t frames, bool opt,
		    uint64_t *faults)
{
	uint32_t *ids = malloc((n ? n : 1) * sizeof(*ids)), nr_ids = 0;
	uint64_t *next = NULL, *last = NULL;
	struct opt_heap h = {0};
	int rc = frames ? -ENOMEM : -EINVAL;

	if (!ids || !frames)
		goto out_free;
	rc = dense_ids(refs, n, ids, &nr_ids);
	if (rc)
		goto out_free;
	rc = -ENOMEM;
	h.pos = malloc((nr_ids + 1) * sizeof(*h.pos));
	h.page = malloc(frames * sizeof(*h.page));
	h.key = malloc(frames * sizeof(*h.key));
	if (opt) {
		next = malloc((n ? n : 1) * sizeof(*next));
		last = malloc((nr_ids + 1) * sizeof(*last));
	}
	if (!h.pos || !h.page || !h.key || (opt && (!next || !last)))
		goto out_free;
	if (opt)
		next_uses(ids, n, nr_ids, next, last);
	for (uint32_t d = 0; d < nr_ids; d++)
		h.pos[d] = -1;
	*faults = heap_run(ids, next, n, frames, &h);
	rc = 0;
out_free:
	free(h.page);
	free(h.key);
	free(h.pos);
	free(last);
	free(next);
	free(ids);
	return rc;
}

int belady_faults(const uint64_t *refs, size_t n, size_t frames,
		  uint64_t *faults)
{
	return simulate(refs, n, frames, true, faults);
}

int belady_lru_faults(const uint64_t *refs, size_t n, size_t frames,
		      uint64_t *faults)
{
	return simulate(refs, n, frames, false, faults);
}

int belady_distinct(const uint64_t *refs, size_t n, uint64_t *pages)
{
	uint32_t *ids = malloc((n ? n : 1) * sizeof(*ids)), nr_ids = 0;
	int rc = ids ? dense_ids(refs, n, ids, &nr_ids) : -ENOMEM;

	if (!rc)
		*pages = nr_ids;
	free(ids);
	return rc;
}

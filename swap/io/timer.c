/* SPDX-License-Identifier: MIT */
/*
 * Emulated completions waiting for their time: a binary min-heap of
 * requests on due_ns, one per ring, touched only by its ring thread.  The
 * ring thread sleeps in io_uring_enter() with the earliest due time as the
 * wait timeout, so a thousand delayed requests cost a thousand heap
 * entries, not a thousand timers or threads.
 */
#include <errno.h>
#include <stdlib.h>

#include "swap/io/io_i.h"

static void heap_set(struct io_ring *r, size_t i, struct io_req *req)
{
	r->heap[i] = req;
}

static void heap_up(struct io_ring *r, size_t i)
{
	struct io_req *req = r->heap[i];

	while (i) {
		size_t parent = (i - 1) / 2;

		if (r->heap[parent]->due_ns <= req->due_ns)
			break;
		heap_set(r, i, r->heap[parent]);
		i = parent;
	}
	heap_set(r, i, req);
}

static void heap_down(struct io_ring *r, size_t i)
{
	struct io_req *req = r->heap[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= r->heap_nr)
			break;
		if (c + 1 < r->heap_nr &&
		    r->heap[c + 1]->due_ns < r->heap[c]->due_ns)
			c++;
		if (req->due_ns <= r->heap[c]->due_ns)
			break;
		heap_set(r, i, r->heap[c]);
		i = c;
	}
	heap_set(r, i, req);
}

int io_timer_add(struct io_ring *r, struct io_req *req)
{
	struct io_req **h;
	size_t cap;

	if (r->heap_nr == r->heap_cap) {
		cap = r->heap_cap ? 2 * r->heap_cap : 1024;
		h = realloc(r->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		r->heap = h;
		r->heap_cap = cap;
	}
	r->heap[r->heap_nr++] = req;
	heap_up(r, r->heap_nr - 1);
	req->timer = true;
	return 0;
}

struct io_req *io_timer_pop(struct io_ring *r, uint64_t now_ns)
{
	struct io_req *req;

	if (!r->heap_nr || r->heap[0]->due_ns > now_ns)
		return NULL;
	req = r->heap[0];
	if (--r->heap_nr) {
		heap_set(r, 0, r->heap[r->heap_nr]);
		heap_down(r, 0);
	}
	req->timer = false;
	return req;
}

uint64_t io_timer_next(const struct io_ring *r)
{
	return r->heap_nr ? r->heap[0]->due_ns : UINT64_MAX;
}

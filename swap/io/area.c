/* SPDX-License-Identifier: MIT */
/*
 * Areas as the engine sees them: an extent map, the ring that serves it,
 * its device model, counters and trace, and the count of IO in flight that
 * detach waits for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "swap/extent.h"
#include "swap/io/io_i.h"
#include "swap/io/stat.h"
#include "swap/io/trace.h"

/* Every store the map uses is open? */
static bool area_stores_open(struct swap_io_engine *e,
			     const struct swap_extent_map *map)
{
	const struct swap_extent *x;

	for (size_t i = 0; (x = swap_extent_at(map, i)); i++)
		if (!io_store_get(e, x->store))
			return false;
	return true;
}

static void area_free(struct swap_io_area *a)
{
	swap_trace_destroy(a->trace);
	swap_stat_destroy(a->stat);
	swap_dev_destroy(a->dev);
	pthread_cond_destroy(&a->idle);
	pthread_mutex_destroy(&a->idle_lock);
	free(a->name);
	free(a);
}

static int area_alloc(const struct swap_extent_map *map, const char *name,
		      struct swap_io_area **out)
{
	struct swap_io_area *a = calloc(1, sizeof(*a));
	int rc;

	if (!a)
		return -ENOMEM;
	pthread_mutex_init(&a->idle_lock, NULL);
	pthread_cond_init(&a->idle, NULL);
	a->map = map;
	a->bytes = swap_extent_map_slots(map) * SWAP_IO_BLOCK;
	a->name = strdup(name ? name : "");
	rc = a->name ? 0 : -ENOMEM;
	if (!rc)
		rc = swap_dev_create(a->bytes / SWAP_IO_BLOCK, &a->dev);
	if (!rc)
		rc = swap_stat_create(&a->stat);
	if (!rc)
		rc = swap_trace_create(0, &a->trace);
	if (rc) {
		area_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

int swap_io_area_attach(struct swap_io_engine *e,
			const struct swap_extent_map *map, const char *name,
			struct swap_io_area **out)
{
	struct swap_io_area *a;
	int rc;

	if (!map || !swap_extent_map_slots(map) || !area_stores_open(e, map))
		return -EINVAL;
	rc = area_alloc(map, name, &a);
	if (rc)
		return rc;
	a->e = e;
	pthread_mutex_lock(&e->lock);
	a->ring = &e->rings[e->next_ring++ % e->nr_rings];
	a->next = e->areas;
	e->areas = a;
	pthread_mutex_unlock(&e->lock);
	*out = a;
	return 0;
}

static void area_unlink(struct swap_io_area *a)
{
	struct swap_io_area **pp;

	pthread_mutex_lock(&a->e->lock);
	for (pp = &a->e->areas; *pp && *pp != a; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = a->next;
	pthread_mutex_unlock(&a->e->lock);
}

void swap_io_area_detach(struct swap_io_area *a)
{
	if (!a)
		return;
	atomic_store(&a->closing, true);
	pthread_mutex_lock(&a->idle_lock);
	while (atomic_load(&a->inflight))
		pthread_cond_wait(&a->idle, &a->idle_lock);
	pthread_mutex_unlock(&a->idle_lock);
	area_unlink(a);
	area_free(a);
}

int io_area_get(struct swap_io_area *a)
{
	atomic_fetch_add(&a->inflight, 1);
	if (atomic_load(&a->closing)) {
		io_area_put(a);
		return -ESHUTDOWN;
	}
	return 0;
}

/*
 * Drop one reference.  The last one is dropped under idle_lock: detach
 * reads inflight under that lock, so it cannot see zero and free the area
 * while this function still reads a->closing (TSan caught that race).
 */
void io_area_put(struct swap_io_area *a)
{
	uint64_t n = atomic_load_explicit(&a->inflight, memory_order_relaxed);

	while (n > 1)
		if (atomic_compare_exchange_weak(&a->inflight, &n, n - 1))
			return;
	pthread_mutex_lock(&a->idle_lock);
	if (atomic_fetch_sub(&a->inflight, 1) == 1 && atomic_load(&a->closing))
		pthread_cond_broadcast(&a->idle);
	pthread_mutex_unlock(&a->idle_lock);
}

const char *swap_io_area_name(const struct swap_io_area *a)
{
	return a->name;
}

uint64_t swap_io_area_bytes(const struct swap_io_area *a)
{
	return a->bytes;
}

struct swap_dev *swap_io_area_dev(struct swap_io_area *a)
{
	return a->dev;
}

struct swap_stat *swap_io_area_stat(struct swap_io_area *a)
{
	return a->stat;
}

struct swap_trace *swap_io_area_trace(struct swap_io_area *a)
{
	return a->trace;
}

static void json_string(const char *s, FILE *f)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

int swap_io_area_stat_json(struct swap_io_area *a, FILE *f)
{
	struct swap_dev_counters d;
	struct swap_trace_counters t;

	swap_dev_counters(a->dev, &d);
	swap_trace_counters(a->trace, &t);
	fputs("{\"area\":", f);
	json_string(a->name, f);
	fprintf(f, ",\"bytes\":%llu,\"ops\":", (unsigned long long)a->bytes);
	swap_stat_json(a->stat, f);
	fprintf(f,
		",\"device\":{\"injected\":%llu,\"bad_reads\":%llu,"
		"\"healed\":%llu,\"corrupted\":%llu,\"delayed\":%llu}",
		(unsigned long long)d.injected,
		(unsigned long long)d.bad_reads, (unsigned long long)d.healed,
		(unsigned long long)d.corrupted, (unsigned long long)d.delayed);
	fprintf(f,
		",\"trace\":{\"enabled\":%s,\"recorded\":%llu,"
		"\"dropped\":%llu,\"held\":%llu,\"capacity\":%llu}}\n",
		t.enabled ? "true" : "false", (unsigned long long)t.recorded,
		(unsigned long long)t.dropped, (unsigned long long)t.held,
		(unsigned long long)t.capacity);
	return ferror(f) ? -EIO : 0;
}

static const char *area_store_name(void *ctx, int store)
{
	struct io_store *s = io_store_get(ctx, store);

	return s && s->path[0] ? s->path : NULL;
}

int swap_io_area_trace_write(struct swap_io_area *a, FILE *f, bool drain)
{
	return swap_trace_write_iolog(a->trace, f, area_store_name, a->e,
				      drain);
}

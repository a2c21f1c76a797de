/* SPDX-License-Identifier: MIT */
/*
 * One case of `swapemu bench sweep`: build a node (mm/node.h) over a fresh
 * swap file, run the workload with run_workload, and while it runs sample
 * the area's swap_map and drain the IO engine's trace of the area from a
 * thread of its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/sweep_i.h"
#include "mm/node.h"
#include "mm/page.h"
#include "swap/io/engine.h"
#include "swap/io/hist.h"
#include "swap/io/stat.h"
#include "swap/io/trace.h"

/* The sampling thread's view of the run. */
struct sampler {
	struct swap_area *area;	 /* slot map sampled */
	struct swap_io_area *io; /* trace drained */
	struct sweep_result *r;	 /* where samples go */
	unsigned char *map;	 /* copy of the swap_map */
	uint64_t period_ns;	 /* between samples */
	_Atomic bool stop;	 /* the run is over */
	int rc;			 /* first error (-ENOMEM) */
	pthread_t thread;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 1024;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* Room for one more request in @io. */
static int io_reserve(struct sweep_io_points *io)
{
	size_t cap = io->cap ? 2 * io->cap : 4096;
	double *t, *slot;
	bool *wr;

	if (io->n < io->cap)
		return 0;
	t = realloc(io->t, cap * sizeof(*t));
	if (t)
		io->t = t;
	slot = realloc(io->slot, cap * sizeof(*slot));
	if (slot)
		io->slot = slot;
	wr = realloc(io->write, cap * sizeof(*wr));
	if (wr)
		io->write = wr;
	if (!t || !slot || !wr)
		return -ENOMEM;
	io->cap = cap;
	return 0;
}

/* Append one request parsed from an iolog line; others are skipped. */
static int io_point_add(struct sweep_io_points *io, const char *line)
{
	char path[4096], act[16];
	uint64_t t_us, off, len;

	if (sscanf(line, "%" SCNu64 " %4095s %15s %" SCNu64 " %" SCNu64, &t_us,
		   path, act, &off, &len) != 5 ||
	    (strcmp(act, "read") && strcmp(act, "write")))
		return 0;
	if (io_reserve(io))
		return -ENOMEM;
	io->t[io->n] = (double)t_us / 1e6;
	io->slot[io->n] = (double)(off / SWAP_IO_BLOCK);
	io->write[io->n] = act[0] == 'w';
	io->n++;
	return 0;
}

/* Move the area's trace records into @s->r->io. */
static int drain_trace(struct sampler *s)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f)
		return -ENOMEM;
	rc = swap_io_area_trace_write(s->io, f, true);
	if (fclose(f) && !rc)
		rc = -ENOMEM;
	for (line = strtok_r(buf, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save))
		rc = io_point_add(&s->r->io, line);
	free(buf);
	return rc;
}

/* One column of the heat map: the share of each slot bucket in use. */
static int sample_map(struct sampler *s)
{
	struct sweep_heat *h = &s->r->heat;
	uint64_t n = h->slots,
		 per = (n + SWEEP_HEAT_ROWS - 1) / SWEEP_HEAT_ROWS;
	double *col;

	if (grow((void **)&h->z, &h->cap, (h->cols + 1) * SWEEP_HEAT_ROWS,
		 sizeof(double)))
		return -ENOMEM;
	col = h->z + h->cols * SWEEP_HEAT_ROWS;
	swap_area_map_copy(s->area, 0, s->map, n);
	for (unsigned int row = 0; row < SWEEP_HEAT_ROWS; row++) {
		uint64_t lo = row * per, hi = lo + per > n ? n : lo + per;
		uint64_t used = 0, good = 0;

		for (uint64_t i = lo; i < hi; i++) {
			good += s->map[i] != SWAP_MAP_BAD;
			used += s->map[i] && s->map[i] != SWAP_MAP_BAD;
		}
		col[row] = good ? (double)used / (double)good : 0;
	}
	h->cols++;
	return 0;
}

static void *sampler_main(void *arg)
{
	struct sampler *s = arg;
	struct timespec ts = {.tv_sec = (time_t)(s->period_ns / 1000000000),
			      .tv_nsec = (long)(s->period_ns % 1000000000)};

	while (!s->rc) {
		bool last = atomic_load(&s->stop);

		s->rc = sample_map(s);
		if (!s->rc)
			s->rc = drain_trace(s);
		if (last)
			break;
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* Start sampling @n's area 0 for @c into @r. */
static int sampler_start(struct sampler *s, struct node *n,
			 const struct sweep_case *c, struct sweep_result *r)
{
	*s = (struct sampler){.area = node_swap_area(n, 0),
			      .io = node_swap_io(n, 0),
			      .r = r,
			      .period_ns = (uint64_t)(c->sample_ms * 1e6)};
	r->heat.slots = swap_area_nr_pages(s->area);
	r->heat.period_s = c->sample_ms / 1e3;
	s->map = malloc(r->heat.slots);
	if (!s->map)
		return -ENOMEM;
	swap_trace_enable(swap_io_area_trace(s->io), true, bench_now_ns());
	return -pthread_create(&s->thread, NULL, sampler_main, s);
}

static int sampler_stop(struct sampler *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	swap_trace_enable(swap_io_area_trace(s->io), false, bench_now_ns());
	free(s->map);
	return s->rc;
}

/* ---- results ----------------------------------------------------------- */

/* @n quantiles of histogram @h as samples for a CDF; NULL when empty. */
static double *hist_samples(const struct swap_hist *h, unsigned int n)
{
	double *v;

	if (!swap_hist_count(h))
		return NULL;
	v = malloc(n * sizeof(*v));
	for (unsigned int i = 0; v && i < n; i++)
		v[i] = (double)swap_hist_quantile(h, (i + 0.5) / n) / 1e3;
	return v;
}

static void collect_io(struct node *n, struct sweep_result *r)
{
	struct swap_stat *st = swap_io_area_stat(node_swap_io(n, 0));

	for (int op = 0; op < 2; op++) {
		const struct swap_hist *h = swap_stat_hist(
			st, op ? SWAP_IO_WRITE : SWAP_IO_READ, SWAP_STAT_TOTAL);

		swap_hist_summarize(h, &r->io_lat[op]);
		r->cdf[op] = hist_samples(h, SWEEP_CDF_SAMPLES);
	}
}

static void summarize(struct sweep_result *r)
{
	const struct run_result *rr = &r->run;

	r->us_per_access =
		rr->nr_accesses ? rr->seconds * 1e6 / rr->nr_accesses : 0;
	/* What OPT and LRU count: the first touch of each page brings it
	 * in, then every read back from swap. */
	r->engine_misses = rr->nr_pages + rr->vmstat[PGMAJFAULT];
}

/* ---- the case ---------------------------------------------------------- */

static int open_workload(const struct sweep_case *c, FILE **trace,
			 struct workload **w)
{
	if (!c->trace)
		return workload_create(&c->wl, w);
	*trace = fopen(c->trace, "r");
	if (!*trace)
		return -errno;
	return workload_create_trace(*trace, w);
}

static int run_on_node(const struct sweep_case *c, struct node *n,
		       struct workload *w, struct sweep_result *r, char *err,
		       size_t errlen)
{
	struct run_options opt;
	struct sampler s;
	int rc = 0, src;

	run_options_init(&opt);
	opt.belady = c->belady;
	if (c->sample && (rc = sampler_start(&s, n, c, r))) {
		snprintf(err, errlen, "sampler: %s", strerror(-rc));
		return rc;
	}
	rc = run_workload(node_pgdat(n), w, &opt, &r->run);
	if (rc)
		snprintf(err, errlen, "%s", r->run.error_msg);
	if (c->sample && (src = sampler_stop(&s)) && !rc) {
		snprintf(err, errlen, "sampler: %s", strerror(-src));
		rc = src;
	}
	collect_io(n, r);
	summarize(r);
	return rc;
}

int sweep_run_case(const struct sweep_case *c, const char *dir,
		   struct sweep_result *r, char *err, size_t errlen)
{
	static _Atomic unsigned int seq;
	char path[4096];
	struct node_swap_config sc = {
		.prio = -1, .preset = c->preset, .policy = c->policy};
	struct node_config nc = {.nr_frames = c->frames,
				 .page_cluster = c->ra == SWEEP_RA_OFF ? 0 : 3,
				 .vma_ra = c->ra == SWEEP_RA_VMA,
				 .swap = &sc,
				 .nr_swap = 1};
	struct workload *w = NULL;
	struct node *n = NULL;
	FILE *trace = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/case%u.swap", dir,
		 atomic_fetch_add(&seq, 1));
	sc.path = path;
	rc = node_swap_format(path, c->slots * PAGE_SIZE);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = node_create(&nc, &n, err, errlen);
	if (!rc && (rc = open_workload(c, &trace, &w)))
		snprintf(err, errlen, "workload %s: %s", c->workload,
			 strerror(-rc));
	if (!rc)
		rc = run_on_node(c, n, w, r, err, errlen);
	node_destroy(n);
	workload_destroy(w);
	if (trace)
		fclose(trace);
	unlink(path);
	return rc;
}

void sweep_result_free(struct sweep_result *r)
{
	free(r->cdf[0]);
	free(r->cdf[1]);
	free(r->io.t);
	free(r->io.slot);
	free(r->io.write);
	free(r->heat.z);
	memset(r, 0, sizeof(*r));
}

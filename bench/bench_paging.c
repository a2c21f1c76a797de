/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench paging`: the paging engine's two speeds.
 *
 *  1. Hits: one task reads and writes (30%) 8 bytes at random pages that
 *     are all resident, through mmu_access; accesses per second for a
 *     working set that fits in the caches (1 MiB) and for one that does
 *     not (256 MiB).  Target >= 20M/s.
 *  2. Faults: 16 tasks, each with its own region, together 4x the
 *     emulated memory; every page is written once (so it has a swap
 *     copy), then each task reads random pages of its region until the
 *     deadline.  Nearly every access is a major fault of one 4 KiB read.
 *     Major faults per second are compared with the IO engine's own
 *     4 KiB random-read IOPS at the same queue depth (one per task) on
 *     the same area of the same backing file, measured before and after
 *     in the same run.  Target >= 70%.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/report.h"
#include "bench/engine_load.h"
#include "swap/size.h"
#include "bench/progress.h"
#include "mm/mmu.h"
#include "mm/page_io.h"
#include "mm/pgdat.h"
#include "mm/vmscan.h"
#include "mm/vcpu.h"
#include "mm/vmstat.h"
#include "mm/workload.h"
#include "swap/area.h"
#include "swap/extent.h"
#include "swap/io/device.h"
#include "swap/io/engine.h"
#include "swap/io/hist.h"
#include "swap/io/stat.h"
#include "swap/table.h"

#define PG_BASE UINT64_C(0x7f0000000000)
#define PG_NR_ADDRS (1u << 20) /* precomputed accesses of part 1 */
#define PG_BATCH 64u	       /* accesses handed over at once */
#define PG_MAX_TASKS 64u
#define HIT_TARGET 20e6
#define FAULT_TARGET 0.70

struct paging_opts {
	const char *file;      /* backing file of part 2 */
	const char *device;    /* device model of its area, NULL: none */
	struct bench_common c; /* --quick, --json, --out, ... */
	uint64_t memory;       /* emulated memory of part 2, bytes */
	uint64_t hit_big;      /* larger working set of part 1, bytes */
	double seconds;	       /* per measurement */
	unsigned int tasks;    /* faulting tasks */
	unsigned int cpus;     /* emulated CPUs running them; 0: a thread each
				  (default: as many as the machine has) */
	unsigned int rounds;   /* engine, paging, engine ... */
	bool keep;	       /* keep the backing file */
	bool no_hits;	       /* --only faults */
	bool no_faults;	       /* --only hits */
};

/* Part 1 for one working set. */
struct hit_result {
	uint64_t bytes;	  /* working set */
	double per_s;	  /* accesses per second */
	double ns;	  /* per access */
	uint64_t faults;  /* faults during the timed loop (expect 0) */
	double raw_per_s; /* the same stream on plain memory: the floor */
};

/* Part 2. */
struct fault_result {
	double majfault_s[8];  /* per round: major faults / s */
	double engine_iops[9]; /* before each round and after the last */
	uint64_t majfaults;    /* over all rounds */
	uint64_t pswpin;       /* idem */
	uint64_t pswpout;      /* idem */
	uint64_t swap_ra;      /* idem */
	uint64_t pgscan;       /* idem, kswapd + direct */
	uint64_t pgsteal;      /* idem, kswapd + direct */
	uint64_t throttled;    /* reclaim waits for writeback */
	struct swap_hist_summary majlat; /* last round */
	double majfault_med;		 /* median over rounds */
	double engine_med;		 /* median of the engine runs */
	double ratio;			 /* majfault_med / engine_med */
	/* CPU time of the process and its context switches in the paging
	 * rounds, and the CPU time of the engine's runs: what a fault and
	 * what a read of the engine alone cost. */
	uint64_t cpu_ns, nvcsw, nivcsw;
	uint64_t engine_cpu_ns, engine_ios;
	/* Reads of the area, submission to completion and at the backing
	 * file (last paging round, last engine run before it). */
	struct swap_hist_summary read_lat, read_backing, engine_read_lat;
};

/* ---- part 1: hits ---------------------------------------------------------- */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Accesses of part 1: address | write bit 0 (addresses are 8-aligned). */
static uint64_t *hit_addrs(uint64_t pages)
{
	uint64_t *a = malloc(PG_NR_ADDRS * sizeof(*a)), rng = 42;

	if (!a)
		return NULL;
	for (unsigned int i = 0; i < PG_NR_ADDRS; i++) {
		uint64_t r = splitmix(&rng);

		a[i] = PG_BASE + (r % pages) * PAGE_SIZE +
		       ((r >> 40) % 512) * 8 + ((r >> 32) % 10 < 3);
	}
	return a;
}

/* The accesses as a run's task executes them: batches of operations
 * (as its queue hands them over) through mmu_access_ops. */
static int hit_loop(struct mm *mm, const uint64_t *a, unsigned int passes)
{
	struct workload_op ops[PG_BATCH] = {{0}};
	unsigned int done;
	int rc = 0;

	for (unsigned int p = 0; p < passes && !rc; p++) {
		for (unsigned int i = 0; i < PG_NR_ADDRS && !rc;
		     i += PG_BATCH) {
			for (unsigned int k = 0; k < PG_BATCH; k++) {
				ops[k].addr = a[i + k] & ~UINT64_C(1);
				ops[k].write = a[i + k] & 1;
				ops[k].len = 8;
			}
			rc = mmu_access_ops(mm, ops, PG_BATCH, &done);
		}
	}
	return rc;
}

/* The same accesses on a plain buffer: what the memory itself allows. */
static double raw_loop(const uint64_t *a, uint64_t bytes, double seconds)
{
	uint8_t *buf = NULL;
	volatile uint64_t sink = 0;
	uint64_t t0, t1, n = 0, seq = 0;

	/* Huge pages where allowed, as the engine's frames have them. */
	if (posix_memalign((void **)&buf, 2u << 20, bytes))
		return 0;
	madvise(buf, bytes, MADV_HUGEPAGE);
	memset(buf, 1, bytes);
	t0 = bench_now_ns();
	do {
		for (unsigned int i = 0; i < PG_NR_ADDRS; i++) {
			uint64_t *p = (uint64_t *)(buf + (a[i] & ~UINT64_C(1)) -
						   PG_BASE);

			if (a[i] & 1)
				*p = ++seq;
			else
				sink += *p;
		}
		n += PG_NR_ADDRS;
		t1 = bench_now_ns();
	} while (t1 - t0 < seconds * 1e9);
	free(buf);
	return (double)n * 1e9 / (double)(t1 - t0);
}

/* Measure hits on a working set of @bytes, all resident. */
static int bench_hits(uint64_t bytes, double seconds, struct hit_result *r)
{
	uint64_t pages = bytes / PAGE_SIZE, f0, m0, f1, m1, t0, t1;
	struct pgdat_config cfg;
	struct pgdat *pgdat = NULL;
	struct mm *mm = NULL;
	uint64_t *a = hit_addrs(pages);
	unsigned int passes = 1;
	int rc;

	pgdat_config_init(&cfg);
	cfg.nr_frames = pages + pages / 8 + 1024;
	rc = a ? pgdat_create(&cfg, &pgdat) : -ENOMEM;
	if (!rc)
		rc = mmu_mm_create(pgdat, 0, &mm);
	if (!rc)
		rc = mmu_mmap(mm, PG_BASE, bytes);
	for (uint64_t i = 0; i < pages && !rc; i++)
		rc = mmu_access(mm, PG_BASE + i * PAGE_SIZE, 8, true);
	if (!rc)
		rc = hit_loop(mm, a, 1); /* warm up: caches, TLB */
	/* Calibrate: passes of 1M accesses filling @seconds. */
	t0 = bench_now_ns();
	if (!rc)
		rc = hit_loop(mm, a, 1);
	t1 = bench_now_ns();
	passes = (unsigned int)(seconds * 1e9 / (double)(t1 - t0 + 1)) + 1;
	mmu_fault_counts(mm, &f0, &m0);
	t0 = bench_now_ns();
	if (!rc)
		rc = hit_loop(mm, a, passes);
	t1 = bench_now_ns();
	mmu_fault_counts(mm, &f1, &m1);
	r->bytes = bytes;
	r->per_s = (double)passes * PG_NR_ADDRS * 1e9 / (double)(t1 - t0);
	r->ns = 1e9 / r->per_s;
	r->faults = f1 - f0;
	if (!rc)
		r->raw_per_s = raw_loop(a, bytes, seconds / 2);
	if (mm)
		mmu_exit(mm);
	if (pgdat)
		pgdat_destroy(pgdat);
	free(a);
	return rc;
}

/* ---- part 2: faults ---------------------------------------------------------- */

/* The node, its one swap area and the engine area under it. */
struct fault_setup {
	struct swap_io_engine *engine;
	struct swap_extent_map *map;
	struct swap_io_area *io;
	struct swap_area *area;
	struct swap_table *table;
	struct pgdat *pgdat;
	unsigned int type;
	uint64_t slots; /* of the area */
	/* CPU time and reads of the engine_iops() runs */
	uint64_t engine_cpu_ns, engine_ios;
	struct swap_hist_summary engine_read_lat; /* of the last one */
};

struct fault_task {
	struct fault_setup *s;
	pthread_barrier_t *bar; /* fill done / go */
	struct mm *mm;		/* own address space */
	uint64_t pages;		/* of its region */
	uint64_t rng;		/* random state */
	uint64_t deadline;	/* ns, set between the barriers */
	unsigned int rounds;	/* timed phases */
	uint64_t accesses;	/* done in timed phases */
	int rc;			/* first error */
	pthread_t thread;
};

/* Touch every page of the task's region: it all goes to swap.  (A
 * task's phases take a void *: they also run as tasks of the emulated
 * CPUs, --cpus.) */
static void fault_fill(void *arg)
{
	struct fault_task *t = arg;

	for (uint64_t i = 0; i < t->pages && !t->rc; i++)
		t->rc = mmu_access(t->mm, PG_BASE + i * PAGE_SIZE, 8, true);
}

/* Random reads over the region until the round's deadline. */
static void fault_timed(void *arg)
{
	struct fault_task *t = arg;

	while (!t->rc && bench_now_ns() < t->deadline) {
		for (int k = 0; k < 16 && !t->rc; k++) {
			uint64_t x = splitmix(&t->rng);

			t->rc = mmu_access(t->mm,
					   PG_BASE +
						   (x % t->pages) * PAGE_SIZE +
						   (x >> 55) * 8,
					   8, false);
			t->accesses++;
		}
	}
}

/* A task with a thread of its own (no --cpus). */
static void *fault_task_main(void *arg)
{
	struct fault_task *t = arg;

	mmu_task_thread_init(); /* as the tasks of swapemu run */
	fault_fill(t);
	pthread_barrier_wait(t->bar); /* filled */
	for (unsigned int r = 0; r < t->rounds; r++) {
		pthread_barrier_wait(t->bar); /* deadline set */
		fault_timed(t);
		pthread_barrier_wait(t->bar); /* round over */
	}
	return NULL;
}

/* Run one phase of every task on the emulated CPUs. */
static int fault_vphase(struct vcpus *v, struct fault_task *t, unsigned int n,
			void (*fn)(void *))
{
	int rc = 0;

	for (unsigned int k = 0; k < n && !rc; k++)
		rc = vcpu_spawn(v, fn, &t[k]);
	vcpu_wait_idle(v);
	return rc;
}

/* A device model on the area (--device): the same emulated device
 * under the engine's runs and the paging rounds. */
static int fault_device(struct fault_setup *s, const char *text)
{
	char err[256];
	int rc = swap_dev_configure(swap_io_area_dev(s->io), text, err,
				    sizeof(err));

	if (rc)
		fprintf(stderr, "bench paging: --device: %s\n", err);
	return rc;
}

static int fault_setup(const struct paging_opts *o, struct fault_setup *s)
{
	struct swap_area_config acfg = {0};
	struct pgdat_config cfg;
	struct swap_io_config ecfg = {.nr_rings = vcpu_engine_rings(o->cpus)};
	int store, rc;

	s->slots = 4 * o->memory / PAGE_SIZE + (16u << 20) / PAGE_SIZE;
	acfg.nr_pages = s->slots;
	rc = swap_io_engine_create(&ecfg, &s->engine);
	if (rc)
		return rc;
	store = swap_io_add_store(s->engine, o->file, 0);
	if (store < 0)
		return store;
	rc = swap_extent_map_create(s->slots, &s->map);
	if (!rc)
		rc = swap_extent_add(s->map, 0, s->slots, store, 0);
	if (!rc)
		rc = swap_io_area_attach(s->engine, s->map, "paging", &s->io);
	if (!rc && o->device)
		rc = fault_device(s, o->device);
	if (!rc)
		rc = swap_area_create(&acfg, &s->area);
	if (!rc)
		rc = swap_table_create(&s->table);
	if (!rc)
		rc = swap_table_swapon(s->table, s->area, SWAP_PRIO_AUTO,
				       &s->type);
	if (rc)
		return rc;
	pgdat_config_init(&cfg);
	cfg.nr_frames = o->memory / PAGE_SIZE;
	cfg.swap = s->table;
	rc = pgdat_create(&cfg, &s->pgdat);
	if (!rc)
		rc = page_io_attach_area(s->pgdat, s->type, s->io);
	if (!rc)
		page_io_register_frames(s->pgdat, s->engine);
	return rc;
}

static void fault_teardown(struct fault_setup *s)
{
	if (s->pgdat) {
		page_io_unregister_frames(s->pgdat, s->engine);
		if (swap_table_area(s->table, s->type))
			pgdat_swapoff(s->pgdat, s->type);
		pgdat_destroy(s->pgdat);
	} else if (s->table && swap_table_area(s->table, s->type)) {
		swap_table_swapoff(s->table, s->type, NULL, NULL);
	}
	if (s->table)
		swap_table_destroy(s->table);
	swap_area_destroy(s->area);
	if (s->io)
		swap_io_area_detach(s->io);
	swap_extent_map_destroy(s->map);
	if (s->engine)
		swap_io_engine_destroy(s->engine);
}

/* CPU time of the process so far (every thread), and its voluntary
 * and involuntary context switches. */
static uint64_t cpu_now_ns(uint64_t *nvcsw, uint64_t *nivcsw)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	if (nvcsw)
		*nvcsw = (uint64_t)ru.ru_nvcsw;
	if (nivcsw)
		*nivcsw = (uint64_t)ru.ru_nivcsw;
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) *
		       1000000000u +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) *
		       1000u;
}

/* Read latencies of the area since the last call (total, backing),
 * then start counting again. */
static void area_read_lat(struct fault_setup *s,
			  struct swap_hist_summary *total,
			  struct swap_hist_summary *backing)
{
	struct swap_stat *st = swap_io_area_stat(s->io);

	if (total)
		swap_hist_summarize(
			swap_stat_hist(st, SWAP_IO_READ, SWAP_STAT_TOTAL),
			total);
	if (backing)
		swap_hist_summarize(
			swap_stat_hist(st, SWAP_IO_READ, SWAP_STAT_BACKING),
			backing);
	swap_stat_reset(st);
}

/* The engine's IOPS: a closed loop of @qd random 4 KiB reads over the
 * area's slots (slot 0, the header, left out). */
static double engine_iops(struct fault_setup *s, unsigned int qd,
			  double seconds)
{
	struct engine_load_spec spec = {
		.op = SWAP_IO_READ,
		.random = true,
		.bs = PAGE_SIZE,
		.qd = qd,
		.base = PAGE_SIZE,
		.span = (s->slots - 1) * PAGE_SIZE,
		.seconds = seconds,
	};
	uint64_t cpu0;
	double iops;

	if (posix_memalign((void **)&spec.mem, PAGE_SIZE, qd * PAGE_SIZE))
		return -ENOMEM;
	cpu0 = cpu_now_ns(NULL, NULL);
	area_read_lat(s, NULL, NULL); /* reset */
	iops = engine_load_run(s->io, &spec);
	if (iops > 0) {
		s->engine_cpu_ns += cpu_now_ns(NULL, NULL) - cpu0;
		s->engine_ios += (uint64_t)(iops * seconds);
		area_read_lat(s, &s->engine_read_lat, NULL);
	}
	free(spec.mem);
	return iops;
}

/* One timed round of the tasks (they wait at the barrier). */
static void fault_round(const struct paging_opts *o, struct fault_setup *s,
			struct fault_task *t, pthread_barrier_t *bar,
			struct vcpus *v, struct fault_result *r,
			unsigned int round)
{
	struct vmstat *vs = pgdat_vmstat(s->pgdat);
	uint64_t v0[NR_VM_EVENT_ITEMS], v1[NR_VM_EVENT_ITEMS], t0, t1;
	uint64_t cpu0, vcs0, ivcs0, vcs1, ivcs1;
	struct swap_hist_summary all;

	pgdat_fault_latency_reset(s->pgdat);
	area_read_lat(s, NULL, NULL);
	vmstat_snapshot(vs, v0);
	cpu0 = cpu_now_ns(&vcs0, &ivcs0);
	t0 = bench_now_ns();
	for (unsigned int k = 0; k < o->tasks; k++)
		t[k].deadline = t0 + (uint64_t)(o->seconds * 1e9);
	if (v) {
		if (fault_vphase(v, t, o->tasks, fault_timed))
			t[0].rc = -ENOMEM;
	} else {
		pthread_barrier_wait(bar); /* go */
		pthread_barrier_wait(bar); /* over */
	}
	t1 = bench_now_ns();
	r->cpu_ns += cpu_now_ns(&vcs1, &ivcs1) - cpu0;
	r->nvcsw += vcs1 - vcs0;
	r->nivcsw += ivcs1 - ivcs0;
	vmstat_snapshot(vs, v1);
	r->majfault_s[round] =
		(double)(v1[PGMAJFAULT] - v0[PGMAJFAULT]) * 1e9 / (t1 - t0);
	r->majfaults += v1[PGMAJFAULT] - v0[PGMAJFAULT];
	r->pswpin += v1[PSWPIN] - v0[PSWPIN];
	r->pswpout += v1[PSWPOUT] - v0[PSWPOUT];
	r->swap_ra += v1[SWAP_RA] - v0[SWAP_RA];
	r->pgscan += v1[PGSCAN_KSWAPD] - v0[PGSCAN_KSWAPD] + v1[PGSCAN_DIRECT] -
		     v0[PGSCAN_DIRECT];
	r->throttled += v1[RECLAIM_THROTTLED] - v0[RECLAIM_THROTTLED];
	r->pgsteal += v1[PGSTEAL_KSWAPD] - v0[PGSTEAL_KSWAPD] +
		      v1[PGSTEAL_DIRECT] - v0[PGSTEAL_DIRECT];
	pgdat_fault_latency(s->pgdat, &all, &r->majlat);
	area_read_lat(s, &r->read_lat, &r->read_backing);
	r->engine_read_lat = s->engine_read_lat;
}

static int bench_faults(const struct paging_opts *o, struct fault_result *r)
{
	struct fault_setup s = {0};
	struct fault_task *t = calloc(o->tasks, sizeof(*t));
	pthread_barrier_t bar;
	struct vcpus *v = NULL;
	unsigned int started = 0;
	uint64_t pages = 4 * o->memory / PAGE_SIZE / o->tasks;
	int rc = t ? fault_setup(o, &s) : -ENOMEM;

	pthread_barrier_init(&bar, NULL, o->tasks + 1);
	if (!rc)
		rc = vmscan_kswapd_run(s.pgdat);
	if (!rc && o->cpus)
		rc = vcpu_start(o->cpus, vcpu_host_engine(s.engine, o->cpus),
				&v);
	for (unsigned int k = 0; k < o->tasks && !rc; k++) {
		t[k] = (struct fault_task){.s = &s,
					   .bar = &bar,
					   .pages = pages,
					   .rng = k + 1,
					   .rounds = o->rounds};
		rc = mmu_mm_create(s.pgdat, (int)k, &t[k].mm);
		if (!rc)
			rc = mmu_mmap(t[k].mm, PG_BASE, pages * PAGE_SIZE);
		if (!rc && !v)
			rc = -pthread_create(&t[k].thread, NULL,
					     fault_task_main, &t[k]);
		started += !rc && !v;
	}
	if (!rc && v)
		rc = fault_vphase(v, t, o->tasks, fault_fill);
	if (!rc) {
		if (!v)
			pthread_barrier_wait(&bar); /* filled */
		for (unsigned int i = 0; i < o->rounds; i++) {
			progress_step(i, "faults");
			r->engine_iops[i] =
				engine_iops(&s, o->tasks, o->seconds);
			fault_round(o, &s, t, &bar, v, r, i);
		}
		r->engine_iops[o->rounds] =
			engine_iops(&s, o->tasks, o->seconds);
		r->engine_cpu_ns = s.engine_cpu_ns;
		r->engine_ios = s.engine_ios;
	}
	for (unsigned int k = 0; k < started; k++)
		pthread_join(t[k].thread, NULL);
	vcpu_stop(v);
	for (unsigned int k = 0; k < o->tasks && t; k++)
		if (t[k].rc && !rc)
			rc = t[k].rc;
	if (s.pgdat)
		vmscan_kswapd_stop(s.pgdat);
	for (unsigned int k = 0; k < o->tasks && t; k++)
		if (t[k].mm)
			mmu_exit(t[k].mm);
	fault_teardown(&s);
	pthread_barrier_destroy(&bar);
	free(t);
	return rc;
}

/* ---- output -------------------------------------------------------------------- */

static void fault_summary(const struct paging_opts *o, struct fault_result *r)
{
	double m[8], e[9];

	memcpy(m, r->majfault_s, sizeof(m));
	memcpy(e, r->engine_iops, sizeof(e));
	r->majfault_med = bench_median(m, o->rounds);
	r->engine_med = bench_median(e, o->rounds + 1);
	r->ratio = r->engine_med > 0 ? r->majfault_med / r->engine_med : 0;
}

static bool print_table(FILE *f, const struct paging_opts *o,
			const struct hit_result *h,
			const struct fault_result *r)
{
	bool ok = true;

	if (o->no_hits)
		goto faults;
	fprintf(f, "hits, 1 task, 8-byte accesses (30%% writes) at random "
		   "resident pages:\n");
	for (int i = 0; i < 2; i++) {
		bool pass = h[i].per_s >= HIT_TARGET;

		/* The target is the cache-resident set; the larger one is
		 * reported against plain memory, its floor. */
		ok &= pass || i;
		fprintf(f,
			"  working set %6" PRIu64 " MiB: %6.1f M/s "
			"(%5.1f ns/access; plain memory %6.1f M/s), "
			"target %.0f M/s %s\n",
			h[i].bytes >> 20, h[i].per_s / 1e6, h[i].ns,
			h[i].raw_per_s / 1e6, HIT_TARGET / 1e6,
			pass ? "ok" : "MISSED");
	}
	if (o->no_faults)
		return ok;
faults:
	char on[40];

	fprintf(f,
		"\nfaults, %u tasks%s, random reads over 4x memory (%" PRIu64
		" MiB memory, %" PRIu64 " MiB working set), %s:\n",
		o->tasks, vcpu_label(o->cpus, on, sizeof(on)), o->memory >> 20,
		4 * o->memory >> 20, o->file);
	for (unsigned int i = 0; i < o->rounds; i++)
		fprintf(f,
			"  round %u: engine %8.0f IOPS, paging %8.0f "
			"major faults/s\n",
			i + 1, r->engine_iops[i], r->majfault_s[i]);
	fprintf(f, "  engine after: %8.0f IOPS\n", r->engine_iops[o->rounds]);
	fprintf(f,
		"  median: %.0f major faults/s vs %.0f IOPS: %.1f%% "
		"(target %.0f%%) %s\n",
		r->majfault_med, r->engine_med, 100 * r->ratio,
		100 * FAULT_TARGET, r->ratio >= FAULT_TARGET ? "ok" : "MISSED");
	fprintf(f,
		"  pswpin %" PRIu64 " (swap_ra %" PRIu64 "), pswpout %" PRIu64
		"; major fault p50 %.0f us, p99 %.0f us\n"
		"  reclaim: pgscan %" PRIu64 ", pgsteal %" PRIu64
		", throttled %" PRIu64 "\n",
		r->pswpin, r->swap_ra, r->pswpout, r->majlat.p50 / 1e3,
		r->majlat.p99 / 1e3, r->pgscan, r->pgsteal, r->throttled);
	if (r->majfaults && r->engine_ios)
		fprintf(f,
			"  CPU per major fault %.1f us (engine alone %.1f us "
			"per read); context switches per fault %.2f "
			"voluntary, %.2f involuntary\n",
			r->cpu_ns / 1e3 / (double)r->majfaults,
			r->engine_cpu_ns / 1e3 / (double)r->engine_ios,
			(double)r->nvcsw / (double)r->majfaults,
			(double)r->nivcsw / (double)r->majfaults);
	fprintf(f,
		"  4 KiB read, submission to completion p50: %.0f us in the "
		"engine's run, %.0f us in the paging round (%.0f us of it at "
		"the backing file)\n",
		r->engine_read_lat.p50 / 1e3, r->read_lat.p50 / 1e3,
		r->read_backing.p50 / 1e3);
	return ok && r->ratio >= FAULT_TARGET;
}

/* What the report callbacks see. */
struct paging_report {
	const struct paging_opts *o;  /* the options */
	const struct hit_result *h;   /* part 1, two working sets */
	const struct fault_result *r; /* part 2 */
};

/* The results members of the JSON report. */
static void print_json(FILE *f, const void *ctx)
{
	const struct paging_report *pr = ctx;
	const struct paging_opts *o = pr->o;
	const struct hit_result *h = pr->h;
	const struct fault_result *r = pr->r;

	fputs("\"hits\":[", f);
	for (int i = 0; i < 2; i++)
		fprintf(f,
			"%s{\"bytes\":%" PRIu64 ",\"accesses_per_s\":%.0f,"
			"\"ns_per_access\":%.2f,\"faults\":%" PRIu64
			",\"plain_memory_per_s\":%.0f,\"target\":%.0f,"
			"\"pass\":%s}",
			i ? "," : "", h[i].bytes, h[i].per_s, h[i].ns,
			h[i].faults, h[i].raw_per_s, HIT_TARGET,
			h[i].per_s >= HIT_TARGET ? "true" : "false");
	fprintf(f,
		"],\"faults\":{\"file\":\"%s\",\"tasks\":%u,\"cpus\":%u,"
		"\"memory\":%" PRIu64 ",\"working_set\":%" PRIu64
		",\"seconds\":%.2f,\"rounds\":%u,\"majfault_per_s\":[",
		o->file, o->tasks, o->cpus, o->memory, 4 * o->memory,
		o->seconds, o->rounds);
	for (unsigned int i = 0; i < o->rounds; i++)
		fprintf(f, "%s%.0f", i ? "," : "", r->majfault_s[i]);
	fputs("],\"engine_iops\":[", f);
	for (unsigned int i = 0; i <= o->rounds; i++)
		fprintf(f, "%s%.0f", i ? "," : "", r->engine_iops[i]);
	fprintf(f,
		"],\"majfault_per_s_median\":%.0f,\"engine_iops_median\":"
		"%.0f,\"ratio\":%.3f,\"target\":%.2f,\"pass\":%s,"
		"\"pgmajfault\":%" PRIu64 ",\"pswpin\":%" PRIu64
		",\"swap_ra\":%" PRIu64 ",\"pswpout\":%" PRIu64
		",\"pgscan\":%" PRIu64 ",\"pgsteal\":%" PRIu64
		",\"reclaim_throttled\":%" PRIu64
		",\"majfault_p50_ns\":%" PRIu64 ",\"majfault_p99_ns\":%" PRIu64
		",\"read_p50_ns\":%" PRIu64 ",\"read_backing_p50_ns\":%" PRIu64
		",\"engine_read_p50_ns\":%" PRIu64 "}",
		r->majfault_med, r->engine_med, r->ratio, FAULT_TARGET,
		r->ratio >= FAULT_TARGET ? "true" : "false", r->majfaults,
		r->pswpin, r->swap_ra, r->pswpout, r->pgscan, r->pgsteal,
		r->throttled, r->majlat.p50, r->majlat.p99, r->read_lat.p50,
		r->read_backing.p50, r->engine_read_lat.p50);
}

/* ---- main ------------------------------------------------------------------------ */

static void paging_set_quick(struct paging_opts *o)
{
	o->memory = 16u << 20;
	o->hit_big = 32u << 20;
	o->seconds = 0.5;
	o->rounds = 1;
}

static int parse_opts(int argc, char **argv, struct paging_opts *o)
{
	static const struct option longopts[] = {
		BENCH_COMMON_OPTIONS,
		{"file", required_argument, NULL, 'f'},
		{"device", required_argument, NULL, 'd'},
		{"memory", required_argument, NULL, 'm'},
		{"tasks", required_argument, NULL, 'T'},
		{"cpus", required_argument, NULL, 'C'},
		{"seconds", required_argument, NULL, 't'},
		{"rounds", required_argument, NULL, 'r'},
		{"keep", no_argument, NULL, 'k'},
		{"only", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->file = optarg;
			break;
		case 'd':
			o->device = optarg;
			break;
		case 'm':
			if (swap_size_parse(optarg, &o->memory))
				return -EINVAL;
			break;
		case 'T':
			o->tasks = (unsigned int)atoi(optarg);
			break;
		case 'C':
			o->cpus = (unsigned int)atoi(optarg);
			if (o->cpus > VCPU_MAX)
				return -EINVAL;
			break;
		case 't':
			o->seconds = atof(optarg);
			break;
		case 'r':
			o->rounds = (unsigned int)atoi(optarg);
			break;
		case 'k':
			o->keep = true;
			break;
		case 'o':
			o->no_hits = !strcmp(optarg, "faults");
			o->no_faults = !strcmp(optarg, "hits");
			if (!o->no_hits && !o->no_faults)
				return -EINVAL;
			break;
		default:
			if (!bench_common_opt(&o->c, c, optarg))
				return -EINVAL;
			if (c == BENCH_OPT_QUICK)
				paging_set_quick(o);
		}
	}
	if (o->c.help)
		return 1;
	if (optind != argc || o->memory < (4u << 20) || o->seconds <= 0 ||
	    o->tasks < 1 || o->tasks > PG_MAX_TASKS || o->rounds < 1 ||
	    o->rounds > 8)
		return -EINVAL;
	return 0;
}

/* Fill the backing file with data (not holes, which read without IO). */
static int prepare_file(const struct paging_opts *o)
{
	uint64_t bytes = (4 * o->memory + (16u << 20)) & ~(uint64_t)0xfffff;
	unsigned char *buf;
	struct stat st;
	int fd, rc = 0;

	bytes += 1u << 20;
	if (!stat(o->file, &st) && (uint64_t)st.st_size >= bytes &&
	    (uint64_t)st.st_blocks * 512 >= bytes)
		return 0;
	fd = open(o->file, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return -errno;
	buf = malloc(1u << 20);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	memset(buf, 0x5a, 1u << 20);
	for (uint64_t off = 0; off < bytes && !rc; off += 1u << 20)
		if (pwrite(fd, buf, 1u << 20, (off_t)off) != 1 << 20)
			rc = -EIO;
	if (!rc && fsync(fd))
		rc = -errno;
	free(buf);
	close(fd);
	return rc;
}

static void paging_md(FILE *f, const void *ctx)
{
	const struct paging_report *pr = ctx;

	fputs("```\n", f);
	print_table(f, pr->o, pr->h, pr->r);
	fputs("```\n", f);
}

/* The parts that ran against their targets, into the report. */
static void paging_targets(struct bench_report *rep,
			   const struct paging_opts *o,
			   const struct hit_result *h,
			   const struct fault_result *r)
{
	static const char *const names[] = {"hits-1m", "hits-large"};

	for (int i = 0; i < 2 && !o->no_hits; i++)
		bench_report_target(rep, names[i], h[i].per_s, ">=", HIT_TARGET,
				    "accesses/s", h[i].per_s >= HIT_TARGET);
	if (!o->no_faults)
		bench_report_target(rep, "majfault-vs-engine-iops", r->ratio,
				    ">=", FAULT_TARGET, "ratio",
				    r->ratio >= FAULT_TARGET);
}

/* Run the parts that were asked for and report; the exit status. */
static int paging_main(struct bench_report *rep, struct paging_opts *o,
		       struct hit_result *h, struct fault_result *r)
{
	struct paging_report pr = {o, h, r};
	int rc;

	progress_begin("bench paging", o->rounds + 2);
	rc = o->no_hits ? 0 : bench_hits(1u << 20, o->seconds, &h[0]);
	progress_step(1, "hits, large");
	if (!rc && !o->no_hits)
		rc = bench_hits(o->hit_big, o->seconds, &h[1]);
	progress_step(2, "preparing the file");
	if (!rc && !o->no_faults)
		rc = prepare_file(o);
	if (!rc && !o->no_faults)
		rc = bench_faults(o, r);
	progress_end();
	if (!o->keep)
		unlink(o->file);
	if (rc)
		return bench_fail("bench paging", rc, "running the benchmark");
	fault_summary(o, r);
	print_table(o->c.json && !strcmp(o->c.json, "-") ? stderr : stdout, o,
		    h, r);
	paging_targets(rep, o, h, r);
	if (bench_report_finish(rep, print_json, paging_md, &pr))
		return 1;
	return o->c.check && !bench_report_ok(rep) ? 1 : 0;
}

int bench_paging_main(int argc, char **argv)
{
	struct paging_opts o = {.file = "/tmp/swapemu-bench-paging.swp",
				.memory = 256u << 20,
				.hit_big = 256u << 20,
				.seconds = 5,
				.tasks = 16,
				.cpus = vcpu_online(),
				.rounds = 3};
	struct hit_result h[2] = {{0}};
	struct fault_result *r = calloc(1, sizeof(*r));
	struct bench_report *rep = NULL;
	int rc = r ? parse_opts(argc, argv, &o) : -ENOMEM;

	if (rc) {
		free(r);
		fprintf(rc > 0 ? stdout : stderr,
			"usage: swapemu bench paging " BENCH_COMMON_USAGE "\n"
			"       [--file PATH] [--memory SIZE] [--tasks N] "
			"[--cpus N] [--seconds S]\n"
			"       [--rounds N] [--keep] [--only hits|faults] "
			"[--device MODEL]\n");
		return rc > 0 ? 0 : 2;
	}
	rc = bench_report_begin("paging", &o.c, argc, argv, &rep);
	rc = rc ? 1 : paging_main(rep, &o, h, r);
	bench_report_destroy(rep);
	free(r);
	return rc;
}

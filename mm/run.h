/* SPDX-License-Identifier: MIT */
/*
 * Running a workload on a node: what `swapemu run` does once it has built
 * the node and its swap areas.
 *
 * Every task runs on its own thread, so while one waits for a swap-in the
 * others go on and the IO engine sees real queue depth.  The calling
 * thread reads the workload and hands each task its operations in order
 * (through a bounded queue per task); a fork starts the child's thread
 * when the parent executes it.  Tasks still alive at the end exit.  The
 * first failing operation stops the run and is reported with its trace
 * line.
 *
 * Results: the node's counters over the run (named as /proc/vmstat),
 * fault latency percentiles, the swap IO pattern, and optionally Belady's
 * OPT minimum of page-ins (and LRU's) for the same access stream and
 * number of frames, where a page is one virtual page of one task.
 */
#ifndef SWAPEMU_MM_RUN_H
#define SWAPEMU_MM_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mm/pgdat.h"
#include "mm/trace.h"
#include "mm/vmstat.h"
#include "mm/workload.h"
#include "swap/io/hist.h"

/* A swapoff in the middle of a run: area @type goes off (pgdat_swapoff,
 * on a thread of its own while the tasks go on) once @at accesses have
 * been handed to the tasks. */
struct run_swapoff {
	unsigned int type; /* swap type to take off */
	uint64_t at;	   /* accesses dispatched before it starts */
};

#define RUN_MAX_SWAPOFF 8

struct run_options {
	bool belady;		/* record the stream for OPT and LRU */
	bool kswapd;		/* run kswapd during the run */
	unsigned int queue_ops; /* per-task queue, 0: 4096 operations */
	unsigned int cpus;	/* tasks on this many emulated CPUs
				   (mm/vcpu.h); 0: a thread per task */
	/* The IO engine of the node's swap areas: the CPUs run on its ring
	 * threads when it has one per CPU (see vcpu_start()), else on
	 * threads of their own.  May be NULL. */
	struct swap_io_engine *engine;
	const struct run_swapoff *swapoff; /* planned swapoffs, or NULL */
	unsigned int nr_swapoff;	   /* entries, <= RUN_MAX_SWAPOFF */
};

struct run_result {
	uint64_t nr_ops;		      /* operations executed */
	uint64_t nr_accesses;		      /* R and W */
	uint64_t nr_writes;		      /* W */
	uint32_t nr_tasks;		      /* tasks that ran */
	unsigned int cpus;		      /* emulated CPUs, 0: threads */
	uint64_t nr_frames;		      /* frames of the node */
	double seconds;			      /* wall time */
	uint64_t vmstat[NR_VM_EVENT_ITEMS];   /* counters over the run */
	struct swap_hist_summary fault_ns;    /* all faults */
	struct swap_hist_summary majfault_ns; /* faults that read */
	struct pgdat_io_pattern io;	      /* over the run */
	bool belady;		 /* the two figures below are set */
	uint64_t opt_faults;	 /* Belady's OPT page-ins */
	uint64_t lru_faults;	 /* exact LRU page-ins */
	uint64_t nr_pages;	 /* distinct (task, page) touched */
	unsigned int nr_swapoff; /* planned swapoffs that completed */
	int swapoff_error;	 /* first swapoff failure, 0 if none */
	int error;		 /* 0, or -errno of the failure */
	uint64_t error_line;	 /* trace line of it, 0 if none */
	char error_msg[TRACE_ERROR_LEN + 96]; /* what failed, for humans */
};

void run_options_init(struct run_options *opt);

/*
 * Run @w on @pgdat to the end or the first failure.  Returns 0 when every
 * operation succeeded, else the error also stored in @res (-EINVAL for a
 * malformed trace, the operation's -errno otherwise); @res is filled in
 * either case.
 */
int run_workload(struct pgdat *pgdat, struct workload *w,
		 const struct run_options *opt, struct run_result *res);

/* A human-readable table, and one JSON object. */
void run_result_print(const struct run_result *res, FILE *f);
void run_result_json(const struct run_result *res, FILE *f);

#endif

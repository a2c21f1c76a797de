/* SPDX-License-Identifier: MIT */
/*
 * Workloads: streams of operations for the paging engine's tasks, either
 * generated (sequential, uniform, zipf, hot/cold, phases; several tasks,
 * optionally forked from one parent; a read/write ratio and a seed) or
 * replayed from a trace file (docs/TRACE.md, parsed by mm/trace.h).
 *
 * A stream starts with the mappings, runs the accesses and ends with every
 * task's exit; the same config and seed give the same stream.
 */
#ifndef SWAPEMU_MM_WORKLOAD_H
#define SWAPEMU_MM_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum workload_op_type {
	WL_ACCESS, /* read or write len bytes at addr */
	WL_MMAP,   /* map [addr, addr + len) */
	WL_MUNMAP, /* unmap [addr, addr + len) */
	WL_FORK,   /* task forks child */
	WL_EXIT,   /* task exits */
};

struct workload_op {
	enum workload_op_type type; /* what to do */
	uint32_t task;		    /* acting task */
	uint32_t child;		    /* WL_FORK: the new task */
	bool write;		    /* WL_ACCESS: a write */
	uint64_t addr;		    /* WL_ACCESS, WL_MMAP, WL_MUNMAP */
	uint64_t len;		    /* bytes, idem */
	uint64_t line;		    /* trace line, 0 when generated */
};

enum workload_kind {
	WL_SEQUENTIAL, /* each task sweeps its region page after page */
	WL_UNIFORM,    /* pages uniformly at random */
	WL_ZIPF,       /* page of rank r with probability ~ 1 / r^theta */
	WL_HOTCOLD,    /* hot_prob of accesses to hot_fraction of pages */
	WL_PHASES,     /* uniform in a window that moves nr_phases times */
	WL_NR_KINDS
};

#define WORKLOAD_MAX_TASKS 65536u

struct workload_config {
	enum workload_kind kind; /* access pattern */
	uint64_t size;		 /* bytes of each task's region (pages) */
	uint64_t nr_accesses;	 /* accesses over all tasks */
	unsigned int nr_tasks;	 /* tasks, 1 .. WORKLOAD_MAX_TASKS */
	bool fork;		 /* tasks 1.. fork from task 0 after it
				     wrote its whole region; else each task
				     maps and fills its own */
	double write_ratio;	 /* share of accesses that write, 0..1 */
	double zipf_theta;	 /* WL_ZIPF skew, 0 < theta < 1 */
	double hot_fraction;	 /* WL_HOTCOLD share of hot pages */
	double hot_prob;	 /* WL_HOTCOLD share of hot accesses */
	unsigned int nr_phases;	 /* WL_PHASES windows, >= 1 */
	unsigned int access_len; /* bytes per access, 1..4096 */
	uint64_t base;		 /* region address, page aligned */
	uint64_t seed;		 /* random stream */
};

struct workload;

/* Defaults: uniform, 1 task, 30% writes, theta 0.99, 20% hot pages
 * taking 80% of accesses, 4 phases, 8-byte accesses, base
 * 0x7f0000000000, seed 1.  size and nr_accesses must be set. */
void workload_config_init(struct workload_config *cfg);

/* A generated workload.  0, -EINVAL (bad config), -ENOMEM. */
int workload_create(const struct workload_config *cfg, struct workload **out);
/* A trace replay from @f (read as it goes; the caller closes it). */
int workload_create_trace(FILE *f, struct workload **out);
void workload_destroy(struct workload *w);

/*
 * The next operation: 1 with *@op set, 0 at the end, -EINVAL for a
 * malformed trace (workload_error says "line N: reason").
 */
int workload_next(struct workload *w, struct workload_op *op);
const char *workload_error(const struct workload *w);

/*
 * Parse a generator spec, "KIND[:KEY=VALUE[,KEY=VALUE]...]" (docs/MM.md,
 * "Workload specs"), into @cfg on top of workload_config_init() defaults.
 * KIND is seq, uniform (or random), zipf, hotcold or phases; keys are
 * size, accesses, tasks, fork, writes, theta, hot, hotprob, phases, len,
 * base and seed.  Returns 0, or -EINVAL with a message in @err naming
 * the word that is wrong.
 */
int workload_config_parse(const char *spec, struct workload_config *cfg,
			  char *err, size_t errlen);

const char *workload_kind_name(enum workload_kind kind);
/* "seq", "uniform", "zipf", "hotcold", "phases".  0 or -EINVAL. */
int workload_kind_parse(const char *name, enum workload_kind *out);

#endif

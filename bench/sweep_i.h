/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench sweep`, private to its files: one case is one run of a
 * workload on a fresh node (one swap area on a real backing file through
 * the IO engine), with what was measured and, when asked, what was sampled
 * while it ran for the plots.
 */
#ifndef SWAPEMU_BENCH_SWEEP_I_H
#define SWAPEMU_BENCH_SWEEP_I_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/run.h"
#include "mm/workload.h"
#include "swap/area.h"

/* Samples of the latency CDFs: quantiles of the engine's histograms. */
#define SWEEP_CDF_SAMPLES 1000u
/* Slot buckets (rows) of the slot-map heat map. */
#define SWEEP_HEAT_ROWS 64u

/* Readahead of a case, as `swapemu run --readahead`. */
enum sweep_ra {
	SWEEP_RA_OFF,
	SWEEP_RA_CLUSTER,
	SWEEP_RA_VMA,
};

/* What one case runs. */
struct sweep_case {
	const char *workload;	       /* label: seq, random, zipf, ... */
	struct workload_config wl;     /* generated workload, unless trace */
	const char *trace;	       /* swapemu trace file, or NULL */
	enum swap_alloc_policy policy; /* slot allocator */
	const char *preset;	       /* device model preset */
	enum sweep_ra ra;	       /* readahead */
	uint64_t frames;	       /* emulated memory */
	uint64_t slots;		       /* swap area size in slots */
	bool belady;		       /* compute OPT and LRU */
	bool sample;		       /* record heat map and IO offsets */
	double sample_ms;	       /* sampling period */
};

/* Swap IO requests of a run, for the offset-over-time scatter. */
struct sweep_io_points {
	double *t;	  /* seconds since the run started */
	double *slot;	  /* first slot of the request */
	bool *write;	  /* a write, else a read */
	size_t n, cap;	  /* used, allocated */
	uint64_t nr_lost; /* dropped by the engine's trace ring */
};

/* The slot map over time: rows = slot buckets, cols = samples. */
struct sweep_heat {
	double *z;	  /* SWEEP_HEAT_ROWS x cols, column-major by sample */
	size_t cols, cap; /* samples taken, allocated */
	double period_s;  /* between samples */
	uint64_t slots;	  /* of the area */
};

/* What one case measured. */
struct sweep_result {
	struct run_result run;		    /* the paging engine's figures */
	double us_per_access;		    /* run.seconds / accesses */
	uint64_t engine_misses;		    /* first touches + major faults */
	struct swap_hist_summary io_lat[2]; /* engine read, write (ns) */
	double *cdf[2];		   /* SWEEP_CDF_SAMPLES per op, or NULL */
	struct sweep_io_points io; /* when sampled */
	struct sweep_heat heat;	   /* when sampled */
};

/*
 * Run @c on a fresh node whose swap file is created in @dir (and removed
 * again).  Fills @r (free it with sweep_result_free).  Returns 0 or
 * -errno with a message in @err.
 */
int sweep_run_case(const struct sweep_case *c, const char *dir,
		   struct sweep_result *r, char *err, size_t errlen);
void sweep_result_free(struct sweep_result *r);

/*
 * The real-program trace: `sort` of generated numbers traced by valgrind
 * lackey and converted to a swapemu trace when valgrind is installed and
 * @generate is set, else the copy shipped in bench/data/.  Every page a
 * mapping covers is written once right after the mmap, as the program's
 * loaded pages hold data, so that each page is a real page to keep or
 * swap (a page only ever read would be the shared zero page).  Writes the
 * trace to @out_path; @source says where it came from ("valgrind",
 * "shipped" or "file" for @given).  Returns 0 or -errno with @err set.
 */
int sweep_trace_prepare(const char *given, bool generate, const char *dir,
			char *out_path, size_t len, const char **source,
			char *err, size_t errlen);

/* A miss-ratio curve: misses / accesses across memory sizes. */
#define SWEEP_MRC_MAX 12u
struct sweep_mrc {
	const char *workload;		/* label */
	uint64_t pages;			/* distinct pages of the stream */
	size_t n;			/* points */
	uint64_t frames[SWEEP_MRC_MAX]; /* memory of each point */
	uint64_t accesses[SWEEP_MRC_MAX];
	uint64_t engine[SWEEP_MRC_MAX]; /* misses: engine, LRU, OPT */
	uint64_t lru[SWEEP_MRC_MAX];
	uint64_t opt[SWEEP_MRC_MAX];
};

/* The plots (bench/plot.h); each returns 0 or -errno. */
int sweep_plot_heat(const char *path, const char *title,
		    const struct sweep_heat *h);
int sweep_plot_io(const char *path, const char *title,
		  const struct sweep_io_points *io);
/* Read (solid) and write (dashed) latency CDFs of the engine, one colour
 * per result, named by @names. */
int sweep_plot_cdf(const char *path, const char *title,
		   const char *const *names,
		   const struct sweep_result *const *r, size_t n);
int sweep_plot_mrc(const char *path, const struct sweep_mrc *m, size_t n);

#endif

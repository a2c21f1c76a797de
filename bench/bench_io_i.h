/* SPDX-License-Identifier: MIT */
/*
 * Private to `swapemu bench io` (bench/bench_io*.c): the options, the
 * workloads and the paired slices of the sequential comparison.
 */
#ifndef SWAPEMU_BENCH_BENCH_IO_I_H
#define SWAPEMU_BENCH_BENCH_IO_I_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/report.h"
#include "swap/io/engine.h"

#define BENCH_IO_MAX_ROUNDS 8u
#define BENCH_IO_MAX_PAIRS 64u
#define BENCH_IO_RAMP_S 0.1 /* start of each slice left out, both sides */

struct io_opts {
	const char *file;      /* backing file */
	struct bench_common c; /* --quick, --json, --out, ... */
	uint64_t size;	       /* bytes of the backing file used */
	double runtime;	       /* seconds per random measurement */
	unsigned int rounds;   /* alternations of fio and the engine, random */
	unsigned int pairs;    /* fio/engine slice pairs, sequential */
	double slice;	       /* measured seconds per sequential slice */
	bool keep;	       /* keep the backing file */
};

/* Requests the backing file's disk served, from /proc/diskstats. */
struct io_disk {
	uint64_t requests; /* completed reads or writes (the slice's op) */
	uint64_t sectors;  /* 512-byte sectors they moved */
	uint64_t busy_ms;  /* time with at least one request in flight */
	uint64_t queue_ms; /* time summed over requests in flight */
};

/* One side's slice of a sequential pair. */
struct io_slice {
	uint64_t bytes;	     /* moved in the measured window */
	uint64_t ns;	     /* length of that window */
	struct io_disk disk; /* disk counters over the whole slice */
};

/* One workload of part 1. */
struct workload {
	const char *name;   /* for the table and JSON */
	const char *fio_rw; /* fio --rw= */
	enum swap_io_op op; /* engine op */
	bool random;	    /* random offsets (rounds), else sequential */
	uint64_t bs;	    /* bytes per IO */
	unsigned int qd;    /* queue depth */
	double target;	    /* engine / fio at least */
	double fio[BENCH_IO_MAX_ROUNDS];	   /* random, per round: IOPS */
	double eng[BENCH_IO_MAX_ROUNDS];	   /* random, per round: IOPS */
	struct io_slice fio_s[BENCH_IO_MAX_PAIRS]; /* sequential, per pair */
	struct io_slice eng_s[BENCH_IO_MAX_PAIRS]; /* sequential, per pair */
	char disk[32]; /* the file's disk in diskstats, "" if none */
};

/* What one fio run reported for its op, after its ramp. */
struct io_fio_result {
	double iops;	/* fio's IOPS figure */
	uint64_t bytes; /* moved after the ramp */
	uint64_t ns;	/* fio's run time after the ramp */
};

/* Run fio once on @o->file for @w: @ramp seconds left out, then @seconds
 * measured; its buffers in a shared mapping of file @mem (fio's
 * --iomem=mmapshared:@mem), or its own memory when @mem is NULL.  Returns
 * 0 or -EIO. */
int bench_io_fio(const struct io_opts *o, const struct workload *w, double ramp,
		 double seconds, const char *mem, struct io_fio_result *res);

/* Fill @mem with data that differs per page, as fio fills its buffers, so
 * writes store neither zeros nor copies of one page. */
void bench_io_fill(unsigned char *mem, size_t bytes);

/* The paired slices of sequential workload @w on area @a (the first
 * @o->size bytes of @o->file).  Returns 0 or -errno. */
int bench_io_seq_run(const struct io_opts *o, struct swap_io_engine *e,
		     struct swap_io_area *a, struct workload *w);

/* Engine / fio of @w's bytes over time summed over all pairs. */
double bench_io_seq_ratio(const struct workload *w, unsigned int pairs);

/* Median of the pairs' engine / fio ratios. */
double bench_io_seq_pair_median(const struct workload *w, unsigned int pairs);

/* MiB/s of one side summed over all pairs (@engine: the engine's side). */
double bench_io_seq_mib_s(const struct workload *w, unsigned int pairs,
			  bool engine);

/* Two lines under the table: the ratio of the totals and the requests the
 * disk served for each side. */
void bench_io_seq_text(FILE *f, const struct io_opts *o,
		       const struct workload *w);

/* The sequential JSON members of @w after its "pass", without braces. */
void bench_io_seq_json(FILE *f, const struct io_opts *o,
		       const struct workload *w);

#endif

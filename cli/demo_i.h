/* SPDX-License-Identifier: MIT */
/*
 * `swapemu demo`, private to cli/cmd_demo.c and cli/demo_*.c: the pieces
 * the demo is made of besides its set-up and cleanup.
 *
 * Set-up and undo of the mount, loop device, swap and cgroup are fs/host.h;
 * SIGINT and SIGTERM are noted by host_catch_signals() and every wait here
 * gives up when host_interrupted() says so.
 *
 *  - demo_engine.c runs a workload on the paging engine in a child
 *    process, swapping to an area file of the mount, and hands the result
 *    back through a pipe (a child so that Ctrl-C can stop it at once and
 *    the demo itself stays single-threaded while it forks);
 *  - demo_report.c samples an area's slot map over time, draws it as a
 *    heat map and as one line of text, and reads an area's IO pattern and
 *    latencies from its control files.
 */
#ifndef SWAPEMU_CLI_DEMO_I_H
#define SWAPEMU_CLI_DEMO_I_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "mm/run.h"

/* Seconds on the monotonic clock. */
double demo_now(void);

/* ---- slot map over time ------------------------------------------------- */

/* Samples of one area's slot map: the share of used slots per group of
 * slots (rows) at each sample (columns).  At most DEMO_MAP_COLS columns
 * are kept: when full, neighbouring columns are averaged in pairs and
 * only every second sample is taken from then on. */
struct demo_slotmap {
	char path[4096];     /* .swapemu/NAME/slotmap */
	uint64_t nr_slots;   /* slots of the area, slot 0 included */
	unsigned int rows;   /* slot groups */
	unsigned int cols;   /* columns kept */
	unsigned int stride; /* samples per column taken */
	unsigned int skip;   /* samples left to skip */
	double *fill;	     /* cols x rows shares, one column after another */
	double *t;	     /* time of each column, s from the first */
	double t0;	     /* demo_now() of the first sample, 0 before */
	uint64_t peak;	     /* most slots in use in one sample */
	double *peak_fill;   /* rows shares of that sample */
	unsigned char *buf;  /* one read of the slot map */
};

/* Prepare sampling of area @name of the mount @mnt, @nr_slots slots.
 * Returns 0 or -ENOMEM. */
int demo_slotmap_init(struct demo_slotmap *m, const char *mnt, const char *name,
		      uint64_t nr_slots);
void demo_slotmap_free(struct demo_slotmap *m);

/* Take one sample now.  Returns 0 or -errno of reading the map. */
int demo_slotmap_sample(struct demo_slotmap *m);

/* The samples as a heat map in @png (time across, slots up).  0 or -errno
 * of plot_heatmap; -ENODATA without samples. */
int demo_slotmap_plot(const struct demo_slotmap *m, const char *png,
		      const char *title);

/* One line of text: the fullest sample, one character per group. */
void demo_slotmap_print(const struct demo_slotmap *m, FILE *f);

/* ---- an area's control files ------------------------------------------- */

/* What one operation type of an area did, from .swapemu/NAME/stat. */
struct demo_io_op {
	uint64_t ops;	/* completed */
	uint64_t bytes; /* moved */
	uint64_t p50;	/* total latency, ns */
	uint64_t p99;	/* total latency, ns */
};

struct demo_area_io {
	struct demo_io_op read;	 /* reads */
	struct demo_io_op write; /* writes */
	uint64_t discards;	 /* discard requests */
	uint64_t write_runs;	 /* runs of back-to-back writes (trace) */
	uint64_t traced_writes;	 /* write bytes the trace holds */
	bool trace_dropped;	 /* the trace lost its oldest records */
};

/* Read area @name's stat and trace into @io.  0 or -errno. */
int demo_area_io_read(const char *mnt, const char *name,
		      struct demo_area_io *io);

/* Restart the IO trace of area @name (a new one from now on). */
int demo_area_trace_restart(const char *mnt, const char *name);

/* ---- child processes ------------------------------------------------------ */

/* What the demo does while it waits: called about every @every s. */
struct demo_tick {
	double every;	       /* seconds between calls */
	void (*fn)(void *ctx); /* e.g. take a slot map sample, or NULL */
	void *ctx;	       /* its argument */
};

/*
 * Read @fd to its end into @buf (at most @len bytes kept, the rest
 * drained; *@got set to the bytes kept), ticking meanwhile, close it, then
 * reap *@pid and set it to 0.  Returns the child's exit status (128 + N
 * when signal N killed it), or -EINTR when SIGINT or SIGTERM arrived
 * (host_interrupted()): the child is then killed and reaped.
 */
int demo_child_wait(pid_t *pid, int fd, void *buf, size_t len, size_t *got,
		    const struct demo_tick *tick);

/* Kill and reap *@pid if it is not 0, and set it to 0. */
void demo_child_kill(pid_t *pid);

/* ---- the paging engine --------------------------------------------------- */

/*
 * Fork a child that runs @spec on @frames frames of emulated memory,
 * swapping to @path (a formatted swap file: here an area file of the
 * mount), and writes its struct run_result to the pipe whose read end is
 * returned in *@fd.  Returns 0 or -errno.  The child exits 0 when the run
 * and its set-up succeeded (res->error tells about the run), 1 when the
 * set-up failed (nothing written).
 */
int demo_engine_start(const char *path, uint64_t frames, const char *spec,
		      pid_t *pid, int *fd);

#endif

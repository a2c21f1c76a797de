/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench fs`: the FUSE mount against its own backing file, in one
 * run, on the same file.
 *
 *  1. fio (io_uring, O_DIRECT) on the area file in the mount and on the
 *     area's backing file DIR/bench.swap, from 1 MiB on (the swap header
 *     stays intact): 4 KiB random read and write at queue depth 32
 *     (target: the mount reaches >= 80% of the backing file's IOPS) and
 *     1 MiB sequential read and write at queue depth 8 (>= 70% of its
 *     bandwidth).  Who goes first alternates; medians of the rounds.
 *  2. Kernel swap: tests/e2e/memhog writes and verifies patterned memory
 *     in a memory cgroup smaller than it, once swapping through the mount
 *     (`swapemu swapon` of the area) and once through a loop device
 *     directly on the backing file, with and without --direct-io.  Like
 *     for like: a loop device without direct IO swaps into the page cache
 *     of the backing file, so the mount then opens it buffered too
 *     (--backing-cache buffered; the mount is remounted to switch); with
 *     --direct-io both sides use O_DIRECT.  The wall time ratio mount /
 *     loop (target <= 1.15) and the pswpin and pswpout deltas of each run.
 *
 * The benchmark mounts, attaches, swaps on and makes cgroups itself through
 * fs/host, which records each of them as soon as it exists;
 * host_undo_all() undoes whatever is recorded, last first: on success, on
 * error and after SIGINT/SIGTERM (the handler only notes the signal; waits
 * for children are interrupted and the child is stopped).  The mount
 * daemon runs in its own session so that a ^C in the terminal does not
 * take it down while the kernel still swaps through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/report.h"
#include "fs/host.h"
#include "swap/io/engine.h"
#include "swap/size.h"

#define FSB_MIB (1ull << 20)
#define FSB_SKIP FSB_MIB /* fio leaves the first MiB (swap header) alone */
#define FSB_MAX_ROUNDS 9u
#define FSB_CGROOT HOST_CGROUP_ROOT
#define FSB_AREA "bench"
#define FSB_PRIO 32767 /* above any other swap of the machine */

struct fsb_opts {
	struct bench_common c;	  /* --quick, --json, --out, ... */
	const char *dir;	  /* parent of the work directory */
	char memhog[PATH_MAX];	  /* memhog binary */
	uint64_t size;		  /* area bytes */
	double runtime;		  /* seconds per fio measurement */
	unsigned int rounds;	  /* fio alternations */
	unsigned int swap_rounds; /* swap alternations */
	unsigned int mem_mib;	  /* memhog size */
	unsigned int limit_mib;	  /* cgroup memory limit */
	bool no_swap;		  /* fio part only */
	const char *ring;	  /* the mount's --fuse-ring: on or off */
	unsigned int rings;	  /* the mount's --rings, 0: its default */
	char transport[32];	  /* what the mount used, after the run */
	unsigned int rings_used;  /* ring threads it had, after the run */
};

/* Paths of the run; fs/host records what is set up and undoes it. */
struct fsb_state {
	char self[PATH_MAX];	 /* the swapemu binary */
	char work[PATH_MAX / 2]; /* work directory, "" before mkdtemp */
	char mnt[PATH_MAX];	 /* mount point */
	char back[PATH_MAX];	 /* backing directory */
	char area[PATH_MAX];	 /* the area file in the mount */
	char file[PATH_MAX];	 /* its backing file */
	char loop[64];		 /* loop device swapped on, "" when none */
	const char *cache;	 /* --backing-cache of the mount */
	const char *ring;	 /* --fuse-ring of the mount */
	unsigned int rings;	 /* --rings of the mount, 0: its default */
	char transport[32];	 /* how FUSE requests reached the daemon */
	unsigned int rings_used; /* ring threads the daemon runs */
	char cgroup[PATH_MAX];	 /* memory cgroup of the current run */
};

/* One fio workload of part 1. */
struct fsb_fio {
	const char *name;	      /* table and JSON */
	const char *rw;		      /* fio --rw */
	bool write;		      /* IOPS from the write fields */
	uint64_t bs;		      /* bytes per IO */
	unsigned int qd;	      /* --iodepth */
	double target;		      /* mount / backing at least */
	double back[FSB_MAX_ROUNDS];  /* IOPS per round, backing file */
	double mount[FSB_MAX_ROUNDS]; /* IOPS per round, mount */
};

static struct fsb_fio fsb_fios[] = {
	{.name = "randread-4k-qd32",
	 .rw = "randread",
	 .bs = 4096,
	 .qd = 32,
	 .target = 0.80},
	{.name = "randwrite-4k-qd32",
	 .rw = "randwrite",
	 .write = true,
	 .bs = 4096,
	 .qd = 32,
	 .target = 0.80},
	{.name = "read-1m-qd8",
	 .rw = "read",
	 .bs = FSB_MIB,
	 .qd = 8,
	 .target = 0.70},
	{.name = "write-1m-qd8",
	 .rw = "write",
	 .write = true,
	 .bs = FSB_MIB,
	 .qd = 8,
	 .target = 0.70},
};

#define FSB_NR_FIOS (sizeof(fsb_fios) / sizeof(fsb_fios[0]))

/* One memhog run: wall time and swap traffic. */
struct fsb_run {
	double seconds;	  /* fork to exit */
	uint64_t pswpin;  /* /proc/vmstat delta, pages */
	uint64_t pswpout; /* same */
};

/* One swap mode of part 2, both paths. */
struct fsb_swap {
	const char *name;		      /* "buffered", "direct-io" */
	bool direct;			      /* losetup --direct-io=on */
	const char *cache;		      /* the mount's --backing-cache */
	double target;			      /* mount / loop at most */
	struct fsb_run loop[FSB_MAX_ROUNDS];  /* per round */
	struct fsb_run mount[FSB_MAX_ROUNDS]; /* per round */
};

static struct fsb_swap fsb_swaps[] = {
	{.name = "buffered", .cache = "buffered", .target = 1.15},
	{.name = "direct-io",
	 .direct = true,
	 .cache = "direct",
	 .target = 1.15},
};

#define FSB_NR_SWAPS (sizeof(fsb_swaps) / sizeof(fsb_swaps[0]))

/* ---- mount, loop, swap, cgroup: set up and undone by fs/host ---- */

/* Record the daemon's pid in WORK/daemon.pid for a script's cleanup. */
static void fsb_pidfile(const struct fsb_state *st, pid_t daemon)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/daemon.pid", st->work);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%d\n", (int)daemon);
	fclose(f);
}

/*
 * Mount the file system with one area of @size whose backing file is
 * opened @cache ("direct" or "buffered"); wait until it is up.
 */
static int fsb_mount(struct fsb_state *st, uint64_t size, const char *cache)
{
	char spec[64], log[PATH_MAX + 16], fuse[PATH_MAX + 16], rings[16];
	const char *args[9] = {"--area", spec,		"--backing-cache",
			       cache,	 "--fuse-ring", st->ring};
	struct host_mount_config cfg = {.mountpoint = st->mnt,
					.backing = st->back,
					.args = args,
					.log = log,
					.wait_for = st->area};
	uint64_t v;
	pid_t daemon;
	int rc;

	snprintf(spec, sizeof(spec), FSB_AREA ":%llu",
		 (unsigned long long)size);
	if (st->rings) { /* else the mount's default */
		snprintf(rings, sizeof(rings), "%u", st->rings);
		args[6] = "--rings";
		args[7] = rings;
	}
	snprintf(log, sizeof(log), "%s/daemon.log", st->work);
	rc = host_mount(&cfg, &daemon);
	if (!rc) {
		fsb_pidfile(st, daemon);
		st->cache = cache;
		if (host_fuse_transport(st->mnt, st->transport,
					sizeof(st->transport)))
			snprintf(st->transport, sizeof(st->transport),
				 "unknown");
		snprintf(fuse, sizeof(fuse), "%s/.swapemu/fuse", st->mnt);
		st->rings_used =
			host_stat_key(fuse, "rings", &v) ? 0 : (unsigned int)v;
	}
	return rc;
}

/* Remount with the backing opened @cache, unless it already is. */
static int fsb_remount(struct fsb_state *st, const struct fsb_opts *o,
		       const char *cache)
{
	int rc;

	if (!strcmp(st->cache, cache))
		return 0;
	rc = host_umount(st->mnt);
	return rc ? rc : fsb_mount(st, o->size, cache);
}

/* Attach @file to a loop device and swap on it at the top priority. */
static int fsb_swapon(struct fsb_state *st, const char *file, bool direct)
{
	return host_swapon(file, FSB_PRIO, direct ? HOST_SWAP_DIRECT_IO : 0,
			   st->loop, sizeof(st->loop));
}

static int fsb_swapoff(struct fsb_state *st)
{
	int rc = host_swapoff(st->loop);

	if (!rc)
		st->loop[0] = '\0';
	return rc;
}

/* Run @argv, stdout to @out (@len bytes) or /dev/null. */
static int fsb_run_cmd(char *const argv[], const char *cgroup, char *out,
		       size_t len)
{
	struct host_cmd cmd = {
		.cgroup = cgroup, .out = out, .out_len = len, .quiet = true};

	return host_run(argv, &cmd);
}

/* ---- part 1: fio ---- */

/* IOPS of a terse v3 line: field 8 (read) or 49 (write); -1 if none. */
static double fsb_fio_iops(char *out, bool write)
{
	char *save = NULL, *line, *tok, *fsave;
	double iops = -1;

	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		tok = strtok_r(line, ";", &fsave);
		if (!tok || strcmp(tok, "3"))
			continue;
		for (int f = 1; tok; f++, tok = strtok_r(NULL, ";", &fsave))
			if (f == (write ? 49 : 8))
				iops = atof(tok);
	}
	return iops;
}

/* One fio measurement of @w on @file.  IOPS, or -errno. */
static double fsb_fio_run(const struct fsb_state *st, const struct fsb_opts *o,
			  const struct fsb_fio *w, const char *file)
{
	char rw[32], bs[32], qd[32], off[32], size[32], rt[32];
	char fname[PATH_MAX + 16];
	char *argv[] = {"fio",
			"--name=fsbench",
			"--ioengine=io_uring",
			"--direct=1",
			"--norandommap",
			"--randrepeat=0",
			"--time_based",
			"--verify_state_save=0",
			"--output-format=terse",
			"--terse-version=3",
			fname,
			rw,
			bs,
			qd,
			off,
			size,
			rt,
			NULL};
	static char out[16384];
	int rc;

	snprintf(fname, sizeof(fname), "--filename=%s", file);
	snprintf(rw, sizeof(rw), "--rw=%s", w->rw);
	snprintf(bs, sizeof(bs), "--bs=%llu", (unsigned long long)w->bs);
	snprintf(qd, sizeof(qd), "--iodepth=%u", w->qd);
	snprintf(off, sizeof(off), "--offset=%llu",
		 (unsigned long long)FSB_SKIP);
	snprintf(size, sizeof(size), "--size=%llu",
		 (unsigned long long)(o->size - FSB_SKIP));
	snprintf(rt, sizeof(rt), "--runtime=%.1f", o->runtime);
	rc = fsb_run_cmd(argv, NULL, out, sizeof(out));
	if (rc)
		return rc < 0 ? rc : -EIO;
	return fsb_fio_iops(out, w->write);
}

/* Write the fio span of the backing file so that reads hit data. */
static int fsb_fill(const struct fsb_state *st, uint64_t size)
{
	int fd = open(st->file, O_WRONLY | O_DIRECT | O_CLOEXEC);
	unsigned char *buf;
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (posix_memalign((void **)&buf, 4096, FSB_MIB)) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t i = 0; i < FSB_MIB; i++)
		buf[i] = (unsigned char)(i * 167 + 13);
	for (uint64_t off = FSB_SKIP; off < size && !rc && !host_interrupted();
	     off += FSB_MIB)
		if (pwrite(fd, buf, FSB_MIB, (off_t)off) != (ssize_t)FSB_MIB)
			rc = errno ? -errno : -EIO;
	if (!rc && fdatasync(fd))
		rc = -errno;
	free(buf);
	close(fd);
	return host_interrupted() ? -EINTR : rc;
}

/* Part 1: every workload on both files, alternating who goes first. */
static int fsb_part_fio(const struct fsb_state *st, const struct fsb_opts *o)
{
	for (unsigned int r = 0; r < o->rounds; r++) {
		for (size_t i = 0; i < FSB_NR_FIOS; i++) {
			struct fsb_fio *w = &fsb_fios[i];
			bool mount_first = (r + i) % 2 == 0;

			if (mount_first)
				w->mount[r] = fsb_fio_run(st, o, w, st->area);
			w->back[r] = fsb_fio_run(st, o, w, st->file);
			if (!mount_first)
				w->mount[r] = fsb_fio_run(st, o, w, st->area);
			if (host_interrupted())
				return -EINTR;
			if (w->back[r] <= 0 || w->mount[r] <= 0) {
				fprintf(stderr,
					"swapemu bench fs: fio %s "
					"failed (backing %.0f, mount %.0f)\n",
					w->name, w->back[r], w->mount[r]);
				return -EIO;
			}
			fprintf(stderr,
				"  round %u %-18s backing %9.0f  "
				"mount %9.0f IOPS\n",
				r + 1, w->name, w->back[r], w->mount[r]);
		}
	}
	return 0;
}

/* ---- part 2: kernel swap ---- */

/* memhog in a fresh cgroup; the swap is already on. */
static int fsb_memhog(struct fsb_state *st, const struct fsb_opts *o,
		      struct fsb_run *run)
{
	char mib[16];
	char *argv[] = {(char *)o->memhog, mib, NULL};
	char name[64];
	struct host_vmstat v0, v1;
	uint64_t t0;
	int rc;

	snprintf(mib, sizeof(mib), "%u", o->mem_mib);
	snprintf(name, sizeof(name), "swapemu-bench-fs-%d", (int)getpid());
	rc = host_cgroup_create(name, (uint64_t)o->limit_mib * FSB_MIB,
				st->cgroup, sizeof(st->cgroup));
	if (rc)
		return rc;
	host_vmstat_read(&v0);
	t0 = bench_now_ns();
	rc = fsb_run_cmd(argv, st->cgroup, NULL, 0);
	run->seconds = (double)(bench_now_ns() - t0) / 1e9;
	host_vmstat_read(&v1);
	run->pswpin = v1.pswpin - v0.pswpin;
	run->pswpout = v1.pswpout - v0.pswpout;
	if (rc != -EINTR)
		host_cgroup_remove(st->cgroup);
	if (rc)
		fprintf(stderr, "swapemu bench fs: memhog failed (%d)\n", rc);
	return rc < 0 ? rc : rc ? -EIO : 0;
}

/* Drop the backing file's page cache between runs (loop without direct
 * IO fills it), so that no run starts with the last one's data cached. */
static void fsb_drop_cache(const struct fsb_state *st)
{
	int fd = open(st->file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/* One swap run through the mount or the loop device on the file. */
static int fsb_swap_run(struct fsb_state *st, const struct fsb_opts *o,
			const struct fsb_swap *s, bool mount,
			struct fsb_run *run)
{
	int rc;

	fsb_drop_cache(st);
	rc = fsb_swapon(st, mount ? st->area : st->file, s->direct);
	if (!rc)
		rc = fsb_memhog(st, o, run);
	if (host_interrupted())
		return -EINTR; /* host_undo_all() undoes the rest */
	if (fsb_swapoff(st))
		rc = rc ? rc : -EIO;
	if (!rc)
		fprintf(stderr,
			"  %-9s %-5s %6.2f s  pswpin %llu pswpout "
			"%llu\n",
			s->name, mount ? "mount" : "loop", run->seconds,
			(unsigned long long)run->pswpin,
			(unsigned long long)run->pswpout);
	return rc;
}

/*
 * Part 2: both modes, both paths, alternating who goes first; mode after
 * mode, so that the mount is remounted once per mode.
 */
static int fsb_part_swap(struct fsb_state *st, const struct fsb_opts *o)
{
	int rc = 0;

	for (size_t i = 0; i < FSB_NR_SWAPS && !rc; i++) {
		struct fsb_swap *s = &fsb_swaps[i];

		rc = fsb_remount(st, o, s->cache);
		for (unsigned int r = 0; r < o->swap_rounds && !rc; r++) {
			bool mount_first = (r + i) % 2 == 0;

			rc = fsb_swap_run(st, o, s, mount_first,
					  mount_first ? &s->mount[r]
						      : &s->loop[r]);
			if (!rc)
				rc = fsb_swap_run(st, o, s, !mount_first,
						  mount_first ? &s->loop[r]
							      : &s->mount[r]);
		}
	}
	return host_interrupted() ? -EINTR : rc;
}

/* ---- results ---- */

/* Median, minimum and maximum of @n values. */
struct fsb_spread {
	double med, min, max;
};

static struct fsb_spread fsb_spread_of(const double *v, unsigned int n)
{
	double tmp[FSB_MAX_ROUNDS];
	struct fsb_spread s;

	memcpy(tmp, v, n * sizeof(*v));
	s.med = bench_median(tmp, n);
	s.min = tmp[0];
	s.max = tmp[n ? n - 1 : 0];
	return s;
}

/* Seconds, pswpin or pswpout (@field 0, 1, 2) of @n runs. */
static struct fsb_spread fsb_run_spread(const struct fsb_run *runs,
					unsigned int n, int field)
{
	double v[FSB_MAX_ROUNDS] = {0};

	for (unsigned int i = 0; i < n; i++)
		v[i] = field == 0   ? runs[i].seconds
		       : field == 1 ? (double)runs[i].pswpin
				    : (double)runs[i].pswpout;
	return fsb_spread_of(v, n);
}

/* The per-round ratios mount / backing of @w, as a spread. */
static struct fsb_spread fsb_fio_ratios(const struct fsb_fio *w, unsigned int n)
{
	double v[FSB_MAX_ROUNDS] = {0};

	for (unsigned int i = 0; i < n; i++)
		v[i] = w->back[i] > 0 ? w->mount[i] / w->back[i] : 0;
	return fsb_spread_of(v, n);
}

static bool fsb_fio_pass(const struct fsb_fio *w, unsigned int n)
{
	struct fsb_spread b = fsb_spread_of(w->back, n);
	struct fsb_spread m = fsb_spread_of(w->mount, n);

	return b.med > 0 && m.med / b.med >= w->target;
}

static double fsb_swap_ratio(const struct fsb_swap *s, unsigned int n)
{
	struct fsb_spread l = fsb_run_spread(s->loop, n, 0);
	struct fsb_spread m = fsb_run_spread(s->mount, n, 0);

	return l.med > 0 ? m.med / l.med : 0;
}

static void fsb_table_fio(FILE *f, const struct fsb_opts *o, bool *ok)
{
	fprintf(f, "%-18s %14s %14s %6s %12s %7s\n", "fio workload", "backing",
		"mount", "ratio", "round ratios", "target");
	for (size_t i = 0; i < FSB_NR_FIOS; i++) {
		const struct fsb_fio *w = &fsb_fios[i];
		struct fsb_spread b = fsb_spread_of(w->back, o->rounds);
		struct fsb_spread m = fsb_spread_of(w->mount, o->rounds);
		struct fsb_spread r = fsb_fio_ratios(w, o->rounds);
		bool pass = fsb_fio_pass(w, o->rounds);
		bool bw = w->bs >= FSB_MIB; /* bandwidth, else IOPS */
		double unit = bw ? (double)w->bs / FSB_MIB : 1;

		*ok &= pass;
		fprintf(f,
			"%-18s %8.0f %-5s %8.0f %-5s %6.3f  %5.3f-%-5.3f "
			">=%.2f %s\n",
			w->name, b.med * unit, bw ? "MiB/s" : "IOPS",
			m.med * unit, bw ? "MiB/s" : "IOPS",
			b.med > 0 ? m.med / b.med : 0, r.min, r.max, w->target,
			pass ? "ok" : "MISSED");
	}
}

static void fsb_table_swap(FILE *f, const struct fsb_opts *o, bool *ok)
{
	fprintf(f,
		"\nkernel swap: memhog %u MiB in a %u MiB cgroup\n"
		"%-10s %9s %9s %7s %7s  %-23s %-23s\n",
		o->mem_mib, o->limit_mib, "mode", "loop s", "mount s", "ratio",
		"target", "loop pswpin/out", "mount pswpin/out");
	for (size_t i = 0; i < FSB_NR_SWAPS; i++) {
		const struct fsb_swap *s = &fsb_swaps[i];
		unsigned int n = o->swap_rounds;
		double ratio = fsb_swap_ratio(s, n);
		bool pass = ratio > 0 && ratio <= s->target;

		*ok &= pass;
		fprintf(f,
			"%-10s %9.2f %9.2f %7.3f  <=%.2f %-6s "
			"%8.0f/%-8.0f       %8.0f/%-8.0f\n",
			s->name, fsb_run_spread(s->loop, n, 0).med,
			fsb_run_spread(s->mount, n, 0).med, ratio, s->target,
			pass ? "ok" : "MISSED",
			fsb_run_spread(s->loop, n, 1).med,
			fsb_run_spread(s->loop, n, 2).med,
			fsb_run_spread(s->mount, n, 1).med,
			fsb_run_spread(s->mount, n, 2).med);
	}
}

static void fsb_json_values(FILE *f, const char *key, const double *v,
			    unsigned int n)
{
	fprintf(f, "\"%s\":[", key);
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "%s%.3f", i ? "," : "", v[i]);
	fputc(']', f);
}

static void fsb_json_fio(FILE *f, const struct fsb_opts *o)
{
	fputs("\"fio\":[", f);
	for (size_t i = 0; i < FSB_NR_FIOS; i++) {
		const struct fsb_fio *w = &fsb_fios[i];
		struct fsb_spread b = fsb_spread_of(w->back, o->rounds);
		struct fsb_spread m = fsb_spread_of(w->mount, o->rounds);
		struct fsb_spread r = fsb_fio_ratios(w, o->rounds);

		fprintf(f,
			"%s{\"name\":\"%s\",\"bs\":%llu,\"qd\":%u,"
			"\"backing_iops\":%.0f,\"mount_iops\":%.0f,"
			"\"backing_mib_s\":%.1f,\"mount_mib_s\":%.1f,"
			"\"ratio\":%.3f,\"ratio_min\":%.3f,\"ratio_max\":%.3f,"
			"\"target\":%.2f,\"pass\":%s,",
			i ? "," : "", w->name, (unsigned long long)w->bs, w->qd,
			b.med, m.med, b.med * w->bs / FSB_MIB,
			m.med * w->bs / FSB_MIB, b.med > 0 ? m.med / b.med : 0,
			r.min, r.max, w->target,
			fsb_fio_pass(w, o->rounds) ? "true" : "false");
		fsb_json_values(f, "backing_rounds", w->back, o->rounds);
		fputc(',', f);
		fsb_json_values(f, "mount_rounds", w->mount, o->rounds);
		fputc('}', f);
	}
	fputc(']', f);
}

/* One path of a swap mode: medians and the per-run figures. */
static void fsb_json_path(FILE *f, const char *key, const struct fsb_run *runs,
			  unsigned int n)
{
	fprintf(f,
		"\"%s\":{\"seconds\":%.3f,\"pswpin\":%.0f,"
		"\"pswpout\":%.0f,\"runs\":[",
		key, fsb_run_spread(runs, n, 0).med,
		fsb_run_spread(runs, n, 1).med, fsb_run_spread(runs, n, 2).med);
	for (unsigned int i = 0; i < n; i++)
		fprintf(f,
			"%s{\"seconds\":%.3f,\"pswpin\":%llu,"
			"\"pswpout\":%llu}",
			i ? "," : "", runs[i].seconds,
			(unsigned long long)runs[i].pswpin,
			(unsigned long long)runs[i].pswpout);
	fputs("]}", f);
}

static void fsb_json_swap(FILE *f, const struct fsb_opts *o)
{
	fprintf(f,
		"\"swap\":{\"mem_mib\":%u,\"limit_mib\":%u,\"rounds\":%u,"
		"\"modes\":[",
		o->mem_mib, o->limit_mib, o->swap_rounds);
	for (size_t i = 0; i < FSB_NR_SWAPS && !o->no_swap; i++) {
		const struct fsb_swap *s = &fsb_swaps[i];
		double ratio = fsb_swap_ratio(s, o->swap_rounds);

		fprintf(f,
			"%s{\"name\":\"%s\",\"direct_io\":%s,"
			"\"backing_cache\":\"%s\","
			"\"ratio\":%.3f,\"target\":%.2f,\"pass\":%s,",
			i ? "," : "", s->name, s->direct ? "true" : "false",
			s->cache, ratio, s->target,
			ratio > 0 && ratio <= s->target ? "true" : "false");
		fsb_json_path(f, "loop", s->loop, o->swap_rounds);
		fputc(',', f);
		fsb_json_path(f, "mount", s->mount, o->swap_rounds);
		fputc('}', f);
	}
	fputs("]}", f);
}

/* The results members of the JSON report. */
static void fsb_json(FILE *f, const void *ctx)
{
	const struct fsb_opts *o = ctx;

	fprintf(f,
		"\"size\":%llu,\"runtime_s\":%.2f,\"rounds\":%u,"
		"\"transport\":\"%s\",\"rings\":%u,",
		(unsigned long long)o->size, o->runtime, o->rounds,
		o->transport, o->rings_used);
	fsb_json_fio(f, o);
	fputc(',', f);
	fsb_json_swap(f, o);
}

/* The tables, on a terminal or in the Markdown summary. */
static void fsb_print(FILE *f, const struct fsb_opts *o)
{
	bool ok = true;

	fprintf(f, "FUSE requests over %s", o->transport);
	if (o->rings_used)
		fprintf(f, ", %u ring thread%s", o->rings_used,
			o->rings_used == 1 ? "" : "s");
	fputc('\n', f);
	fsb_table_fio(f, o, &ok);
	if (!o->no_swap)
		fsb_table_swap(f, o, &ok);
}

static void fsb_md(FILE *f, const void *ctx)
{
	fputs("```\n", f);
	fsb_print(f, ctx);
	fputs("```\n", f);
}

/* Every ratio against its target, into the report. */
static void fsb_targets(struct bench_report *rep, const struct fsb_opts *o)
{
	for (size_t i = 0; i < FSB_NR_FIOS; i++) {
		const struct fsb_fio *w = &fsb_fios[i];
		struct fsb_spread b = fsb_spread_of(w->back, o->rounds);
		struct fsb_spread m = fsb_spread_of(w->mount, o->rounds);

		bench_report_target(rep, w->name, b.med > 0 ? m.med / b.med : 0,
				    ">=", w->target, "ratio",
				    fsb_fio_pass(w, o->rounds));
	}
	for (size_t i = 0; i < FSB_NR_SWAPS && !o->no_swap; i++) {
		const struct fsb_swap *s = &fsb_swaps[i];
		double ratio = fsb_swap_ratio(s, o->swap_rounds);
		char name[64];

		snprintf(name, sizeof(name), "swap-%s", s->name);
		bench_report_target(rep, name, ratio, "<=", s->target, "ratio",
				    ratio > 0 && ratio <= s->target);
	}
}

/* ---- options and main ---- */

static void fsb_usage(FILE *f)
{
	fprintf(f,
		"usage: swapemu bench fs " BENCH_COMMON_USAGE "\n"
		"       [--dir DIR] [--size SIZE] [--runtime SEC] [--rounds "
		"N]\n"
		"       [--swap-rounds N] [--mem MIB] [--limit MIB]\n"
		"       [--memhog PATH] [--no-swap] [--fuse-ring on|off]\n"
		"       [--rings N]\n\n"
		"--fuse-ring on (default) lets the mount take FUSE requests\n"
		"over io_uring, turning the fuse module's enable_uring on for\n"
		"the run; off measures /dev/fuse.  --rings: the mount's ring\n"
		"threads (default: the mount's own, one per CPU).\n"
		"Needs root, /dev/fuse, fio, losetup, swapon and the cgroup "
		"v1\n"
		"memory controller at " FSB_CGROOT ".  The work directory is\n"
		"made in DIR (default /tmp) and removed at the end.\n");
}

/* The default memhog: BUILD/tests/memhog next to BUILD/swapemu. */
static void fsb_default_memhog(const char *self, char *buf, size_t len)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", self);
	snprintf(buf, len, "%s/tests/memhog", dirname(tmp));
}

static void fsb_set_quick(struct fsb_opts *o)
{
	o->size = 256ull << 20;
	o->runtime = 1;
	o->rounds = 1;
	o->swap_rounds = 1;
	o->mem_mib = 128;
	o->limit_mib = 32;
}

static int fsb_parse(int argc, char **argv, struct fsb_opts *o)
{
	static const struct option longopts[] = {
		BENCH_COMMON_OPTIONS,
		{"dir", required_argument, NULL, 'd'},
		{"size", required_argument, NULL, 's'},
		{"runtime", required_argument, NULL, 't'},
		{"rounds", required_argument, NULL, 'r'},
		{"swap-rounds", required_argument, NULL, 'R'},
		{"mem", required_argument, NULL, 'm'},
		{"limit", required_argument, NULL, 'l'},
		{"memhog", required_argument, NULL, 'M'},
		{"no-swap", no_argument, NULL, 'n'},
		{"fuse-ring", required_argument, NULL, 'F'},
		{"rings", required_argument, NULL, 'g'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 's':
			if (swap_size_parse(optarg, &o->size))
				return -EINVAL;
			break;
		case 't':
			o->runtime = atof(optarg);
			break;
		case 'r':
			o->rounds = (unsigned int)atoi(optarg);
			break;
		case 'R':
			o->swap_rounds = (unsigned int)atoi(optarg);
			break;
		case 'm':
			o->mem_mib = (unsigned int)atoi(optarg);
			break;
		case 'l':
			o->limit_mib = (unsigned int)atoi(optarg);
			break;
		case 'M':
			snprintf(o->memhog, sizeof(o->memhog), "%s", optarg);
			break;
		case 'n':
			o->no_swap = true;
			break;
		case 'F':
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				return -EINVAL;
			o->ring = optarg;
			break;
		case 'g':
			o->rings = (unsigned int)atoi(optarg);
			if (!o->rings || o->rings > SWAP_IO_MAX_RINGS)
				return -EINVAL;
			break;
		default:
			if (!bench_common_opt(&o->c, c, optarg))
				return -EINVAL;
			if (c == BENCH_OPT_QUICK)
				fsb_set_quick(o);
		}
	}
	if (o->c.help)
		return 1;
	if (optind != argc || o->size < 64 * FSB_MIB || o->size % FSB_MIB ||
	    o->runtime <= 0 || o->rounds < 1 || o->rounds > FSB_MAX_ROUNDS ||
	    o->swap_rounds < 1 || o->swap_rounds > FSB_MAX_ROUNDS ||
	    !o->mem_mib || !o->limit_mib || o->limit_mib >= o->mem_mib ||
	    (uint64_t)o->mem_mib * FSB_MIB >= o->size)
		return -EINVAL;
	return 0;
}

/* Paths of the work directory, made below @o->dir. */
static int fsb_prepare(struct fsb_state *st, const struct fsb_opts *o)
{
	int rc = host_workdir(o->dir, "swapemu-bench-fs", st->work,
			      sizeof(st->work));

	if (rc)
		return rc;
	snprintf(st->mnt, sizeof(st->mnt), "%s/mnt", st->work);
	snprintf(st->back, sizeof(st->back), "%s/back", st->work);
	snprintf(st->area, sizeof(st->area), "%s/mnt/" FSB_AREA, st->work);
	snprintf(st->file, sizeof(st->file), "%s/back/" FSB_AREA ".swap",
		 st->work);
	if (mkdir(st->mnt, 0700) || mkdir(st->back, 0700))
		return -errno;
	return 0;
}

/* What must be there before anything is set up: 0, 1 (error) or
 * BENCH_EXIT_SKIP. */
static int fsb_preflight(struct bench_report *rep, const struct fsb_opts *o)
{
	if (geteuid())
		return bench_report_skip(rep, "needs root");
	if (!host_cgroup_available())
		return bench_report_skip(rep, "no cgroup v1 memory "
					      "controller at " FSB_CGROOT);
	if (access("/dev/fuse", R_OK | W_OK))
		return bench_report_skip(rep, "no /dev/fuse");
	if (system("fio --version >/dev/null 2>&1"))
		return bench_report_skip(rep, "fio is not installed");
	if (!o->no_swap && access(o->memhog, X_OK))
		return bench_fail("bench fs", -errno,
				  "memhog %s (build target memhog, or "
				  "--memhog PATH)",
				  o->memhog);
	return 0;
}

/* Set up, run both parts, tear down.  0 or -errno. */
static int fsb_bench(struct fsb_state *st, const struct fsb_opts *o)
{
	int rc = fsb_prepare(st, o);

	st->ring = o->ring;
	st->rings = o->rings;
	if (!rc && !strcmp(o->ring, "on")) {
		/* Restored by host_undo_all() below. */
		rc = host_fuse_ring_enable();
		if (rc == -EOPNOTSUPP) {
			fprintf(stderr, "bench fs: the kernel has no FUSE over "
					"io_uring: measuring /dev/fuse\n");
			st->ring = "off";
			rc = 0;
		}
	}
	if (!rc)
		rc = fsb_mount(st, o->size, "direct");
	if (!rc)
		rc = fsb_fill(st, o->size);
	if (!rc)
		rc = fsb_part_fio(st, o);
	if (!rc && !o->no_swap)
		rc = fsb_part_swap(st, o);
	host_undo_all();
	return host_interrupted() ? -EINTR : rc;
}

int bench_fs_main(int argc, char **argv)
{
	struct fsb_opts o = {.dir = "/tmp",
			     .size = 1ull << 30,
			     .runtime = 3,
			     .rounds = 5,
			     .swap_rounds = 3,
			     .mem_mib = 512,
			     .limit_mib = 128,
			     .ring = "on"};
	static struct fsb_state st;
	struct bench_report *rep;
	int rc;

	if (readlink("/proc/self/exe", st.self, sizeof(st.self) - 1) < 0)
		return bench_fail("bench fs", -errno, "/proc/self/exe");
	fsb_default_memhog(st.self, o.memhog, sizeof(o.memhog));
	rc = fsb_parse(argc, argv, &o);
	if (rc) {
		fsb_usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (bench_report_begin("fs", &o.c, argc, argv, &rep))
		return 1;
	rc = fsb_preflight(rep, &o);
	if (!rc) {
		host_catch_signals();
		rc = fsb_bench(&st, &o);
		snprintf(o.transport, sizeof(o.transport), "%s", st.transport);
		o.rings_used = st.rings_used;
		if (rc)
			rc = bench_fail("bench fs", rc,
					"running the benchmark");
	}
	if (!rc) {
		fsb_print(stdout, &o);
		fsb_targets(rep, &o);
		rc = bench_report_finish(rep, fsb_json, fsb_md, &o) ? 1 : 0;
	}
	if (!rc && o.c.check && !bench_report_ok(rep))
		rc = 1;
	bench_report_destroy(rep);
	return rc;
}

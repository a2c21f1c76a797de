/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench fidelity`: the same workload in the real kernel and in
 * the paging engine, with the same memory size, side by side.
 *
 * Kernel side: a swapemu FUSE mount in a temporary directory, one area
 * file on it swapped on (`swapemu swapon`, highest priority so that the
 * workload's pages go there), a memory cgroup v1 limited to the memory
 * size, and `swapemu load SPEC` (this binary) run inside it.  Counters:
 * pgmajfault of the process (getrusage, equal to the cgroup's
 * memory.stat pgmajfault, which is also read); pswpout and pswpin as the
 * pages the area file received and served (its engine counters in
 * .swapemu/NAME/stat: only IO to this device, unlike /proc/vmstat, which
 * every other swapping process on the machine moves – its deltas are
 * reported too).  Cgroup v1's memory.stat has no pswpin/pswpout.
 *
 * Engine side: `swapemu run`'s path in-process: a node of the same number
 * of frames, one swap file in the same directory, the same spec and seed.
 *
 * Workloads: a sequential write of 4x memory then a sequential read that
 * verifies it, and uniform random access (30% writes) over 4x memory.
 * Target: every counter within +-25% of the kernel's.
 *
 * Everything set up is undone on error and on SIGINT/SIGTERM: the load is
 * killed, the cgroup removed, the area swapped off and its loop device
 * detached, the mount unmounted and its daemon reaped, the directory
 * removed.  The daemon runs in its own process group, so a terminal's
 * Ctrl-C reaches this program (which cleans up) and not the daemon that
 * the swap device depends on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"
#include "swap/size.h"
#include "mm/page_io.h"
#include "mm/pgdat.h"
#include "mm/run.h"
#include "mm/workload.h"
#include "swap/area.h"
#include "swap/extent.h"
#include "swap/header.h"
#include "swap/io/engine.h"
#include "swap/table.h"

#define FID_CGROOT "/sys/fs/cgroup/memory"
#define FID_AREA "fidelity"
#define FID_TOLERANCE 0.25
#define FID_NR_CASES 2

/* Counters compared, in this order. */
enum fid_counter { FID_PSWPIN, FID_PSWPOUT, FID_PGMAJFAULT, FID_NR };
static const char *const fid_names[FID_NR] = {"pswpin", "pswpout",
					      "pgmajfault"};

struct fid_opts {
	const char *dir;  /* parent of the temporary directory */
	const char *json; /* --json FILE or "-" */
	uint64_t memory;  /* bytes of memory on both sides */
	bool quick;	  /* small sizes */
	bool check;	  /* exit 1 on a miss */
};

struct fid_case {
	const char *name;	   /* for the table and JSON */
	char spec[192];		   /* the workload */
	double kernel[FID_NR];	   /* kernel side */
	double engine[FID_NR];	   /* engine side */
	double vmstat[FID_NR];	   /* global /proc/vmstat deltas */
	double cg_majfault;	   /* memory.stat pgmajfault delta */
	double kernel_s, engine_s; /* wall time of each side */
	uint64_t verify_failures;  /* kernel side */
	uint64_t csum_failures;	   /* engine side */
	bool pass;		   /* all within tolerance */
};

/* What is set up, for cleanup. */
struct fid_env {
	char dir[PATH_MAX];	  /* temporary directory, "" if none */
	char mnt[PATH_MAX + 8];	  /* mount point */
	char area[PATH_MAX + 24]; /* area file on the mount */
	char cg[PATH_MAX];	  /* cgroup directory, "" if none */
	char exe[PATH_MAX];	  /* this binary */
	pid_t daemon;		  /* mount daemon, 0 if none */
	pid_t load;		  /* running load, 0 if none */
	char loop[64];		  /* loop device swapped on, "" if none */
};

static volatile sig_atomic_t fid_stop;

static void fid_on_signal(int sig)
{
	(void)sig;
	fid_stop = 1;
}

/* ---- small helpers ---------------------------------------------------------- */

/* Run @argv and wait; its stdout goes to @out (@len bytes, first line
 * only) or, without @out, to /dev/null.  The exit status, or -errno. */
static int fid_spawn(char *const argv[], char *out, size_t len)
{
	int pfd[2], status;
	ssize_t n = 0;
	pid_t pid;

	if (pipe(pfd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	if (out) {
		while ((n = read(pfd[0], out, len - 1)) < 0 && errno == EINTR)
			;
		out[n > 0 ? n : 0] = '\0';
		out[strcspn(out, "\n")] = '\0';
	}
	while (read(pfd[0], &status, sizeof(status)) > 0)
		; /* drain */
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int fid_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		rc = -EIO;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

/* The value of "@key N" lines in @path (memory.stat, /proc/vmstat). */
static uint64_t fid_read_key(const char *path, const char *key)
{
	char line[256], name[128];
	unsigned long long v;
	uint64_t out = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %llu", name, &v) == 2 &&
		    !strcmp(name, key))
			out = v;
	fclose(f);
	return out;
}

/* Pages read and written through the area (its engine counters). */
static int fid_area_io(const struct fid_env *e, uint64_t *rd, uint64_t *wr)
{
	char path[PATH_MAX + 64], buf[16384], *p;
	unsigned long long r = 0, w = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/.swapemu/" FID_AREA "/stat", e->mnt);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strstr(buf, "\"read\":{\"ops\":");
	if (!p || sscanf(strstr(p, "\"bytes\":"), "\"bytes\":%llu", &r) != 1)
		return -EIO;
	p = strstr(buf, "\"write\":{\"ops\":");
	if (!p || sscanf(strstr(p, "\"bytes\":"), "\"bytes\":%llu", &w) != 1)
		return -EIO;
	*rd = r / 4096;
	*wr = w / 4096;
	return 0;
}

/* ---- kernel side: set up and tear down ------------------------------------------ */

static int fid_mount(struct fid_env *e)
{
	char back[PATH_MAX + 8];
	struct stat parent, st;
	pid_t pid;

	snprintf(back, sizeof(back), "%s/back", e->dir);
	if (mkdir(back, 0700) || mkdir(e->mnt, 0700) || stat(e->dir, &parent))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		setpgid(0, 0); /* not reached by the terminal's SIGINT */
		execl(e->exe, e->exe, "mount", "--backing", back, "-f", e->mnt,
		      (char *)NULL);
		_exit(127);
	}
	e->daemon = pid;
	for (int i = 0; i < 100 && !fid_stop; i++) {
		if (!stat(e->mnt, &st) && st.st_dev != parent.st_dev)
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			e->daemon = 0;
			return -EIO;
		}
		usleep(100000);
	}
	return -ETIMEDOUT;
}

static int fid_swapon(struct fid_env *e, uint64_t bytes)
{
	char *argv[] = {e->exe, "swapon", "-p", "32767", e->area, NULL};
	int fd = open(e->area, O_CREAT | O_RDWR, 0600), rc = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)bytes)) /* sizes the area: header */
		rc = -errno;
	close(fd);
	if (!rc)
		rc = fid_spawn(argv, e->loop, sizeof(e->loop));
	if (rc && strncmp(e->loop, "/dev/", 5))
		e->loop[0] = '\0';
	return rc > 0 ? -EIO : rc;
}

static int fid_cgroup(struct fid_env *e, uint64_t memory)
{
	char path[PATH_MAX + 32], val[32];

	snprintf(e->cg, sizeof(e->cg), FID_CGROOT "/swapemu-fidelity-%d",
		 (int)getpid());
	if (mkdir(e->cg, 0755)) {
		e->cg[0] = '\0';
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", e->cg);
	snprintf(val, sizeof(val), "%" PRIu64, memory);
	return fid_write_file(path, val);
}

static int fid_setup(struct fid_env *e, const struct fid_opts *o,
		     uint64_t area_bytes)
{
	char tmpl[PATH_MAX];
	struct statfs sfs;
	int rc;

	/* This binary even if it is replaced on disk while we run. */
	snprintf(e->exe, sizeof(e->exe), "/proc/self/exe");
	/* The backing files must not be swappable themselves: on tmpfs the
	 * kernel may swap their pages to the very device they back, and
	 * the daemon then waits for itself. */
	if (statfs(o->dir, &sfs))
		return -errno;
	if (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC)
		return -EXDEV;
	snprintf(tmpl, sizeof(tmpl), "%s/swapemu-fidelity.XXXXXX", o->dir);
	if (!mkdtemp(tmpl))
		return -errno;
	snprintf(e->dir, sizeof(e->dir), "%s", tmpl);
	snprintf(e->mnt, sizeof(e->mnt), "%s/mnt", e->dir);
	snprintf(e->area, sizeof(e->area), "%s/" FID_AREA, e->mnt);
	rc = fid_mount(e);
	if (!rc)
		rc = fid_swapon(e, area_bytes);
	if (!rc)
		rc = fid_cgroup(e, o->memory);
	return rc;
}

static void fid_kill_load(struct fid_env *e)
{
	if (!e->load)
		return;
	kill(e->load, SIGKILL);
	while (waitpid(e->load, NULL, 0) < 0 && errno == EINTR)
		;
	e->load = 0;
}

/* Undo everything, last first; reports what could not be undone. */
static void fid_teardown(struct fid_env *e)
{
	/* By device, not by file: the mount may be gone. */
	char *off[] = {"swapoff", e->loop, NULL};
	char *det[] = {"losetup", "-d", e->loop, NULL};
	char *um[] = {"fusermount3", "-u", "-q", e->mnt, NULL};
	char *rm[] = {"rm", "-rf", "--", e->dir, NULL};
	bool mounted = e->daemon != 0;

	fid_kill_load(e);
	for (int i = 0; e->cg[0] && i < 50; i++, usleep(100000))
		if (!rmdir(e->cg) || errno == ENOENT)
			break;
	if (e->loop[0] && (fid_spawn(off, NULL, 0) || fid_spawn(det, NULL, 0)))
		fprintf(stderr,
			"swapemu bench fidelity: swapoff/losetup -d "
			"%s failed\n",
			e->loop);
	for (int i = 0; mounted && i < 50; i++, usleep(100000))
		if (!fid_spawn(um, NULL, 0))
			break;
	if (e->daemon) {
		kill(e->daemon, SIGTERM);
		while (waitpid(e->daemon, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (e->dir[0])
		fid_spawn(rm, NULL, 0);
}

/* ---- kernel side: one case ------------------------------------------------------ */

/* Start `swapemu load @spec` inside the cgroup, its stdout on a pipe. */
static int fid_start_load(struct fid_env *e, const char *spec, int *out)
{
	char procs[PATH_MAX + 32];
	int pfd[2];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", e->cg);
	if (pipe(pfd))
		return -errno;
	e->load = fork();
	if (e->load < 0) {
		e->load = 0;
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (!e->load) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		if (fid_write_file(procs, pid))
			_exit(126);
		execl(e->exe, e->exe, "load", spec, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	*out = pfd[0];
	return 0;
}

/* Read the load's JSON line and its exit status. */
static int fid_wait_load(struct fid_env *e, int fd, char *line, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int status;

	while (got + 1 < len &&
	       (n = read(fd, line + got, len - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR && !fid_stop)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	line[got] = '\0';
	close(fd);
	if (fid_stop)
		return -EINTR;
	while (waitpid(e->load, &status, 0) < 0)
		if (errno != EINTR || fid_stop)
			return -EINTR;
	e->load = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static uint64_t fid_json_u64(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

static int fid_kernel(struct fid_env *e, struct fid_case *c)
{
	uint64_t r0 = 0, w0 = 0, r1 = 0, w1 = 0, vm0[FID_NR], vm1[FID_NR];
	uint64_t cg0, cg1;
	char stat_path[PATH_MAX + 16], line[1024];
	double t0;
	int fd = -1, rc;

	snprintf(stat_path, sizeof(stat_path), "%s/memory.stat", e->cg);
	for (int i = 0; i < FID_NR; i++)
		vm0[i] = fid_read_key("/proc/vmstat", fid_names[i]);
	cg0 = fid_read_key(stat_path, "pgmajfault");
	rc = fid_area_io(e, &r0, &w0);
	t0 = (double)bench_now_ns();
	if (!rc)
		rc = fid_start_load(e, c->spec, &fd);
	if (!rc)
		rc = fid_wait_load(e, fd, line, sizeof(line));
	if (rc)
		return rc > 0 ? -EIO : rc;
	c->kernel_s = ((double)bench_now_ns() - t0) / 1e9;
	for (int i = 0; i < FID_NR; i++) {
		vm1[i] = fid_read_key("/proc/vmstat", fid_names[i]);
		c->vmstat[i] = (double)(vm1[i] - vm0[i]);
	}
	cg1 = fid_read_key(stat_path, "pgmajfault");
	rc = fid_area_io(e, &r1, &w1);
	c->kernel[FID_PSWPIN] = (double)(r1 - r0);
	c->kernel[FID_PSWPOUT] = (double)(w1 - w0);
	c->kernel[FID_PGMAJFAULT] = (double)fid_json_u64(line, "majflt");
	c->cg_majfault = (double)(cg1 - cg0);
	c->verify_failures = fid_json_u64(line, "verify_failures");
	return rc;
}

/* ---- engine side --------------------------------------------------------------- */

/* One formatted swap file of @slots in @dir, swapped on for @pgdat. */
struct fid_engine {
	char path[PATH_MAX + 16];
	struct swap_io_engine *engine;
	struct swap_extent_map *map;
	struct swap_io_area *io;
	struct swap_area *area;
	struct swap_table *table;
	struct pgdat *pgdat;
	unsigned int type;
};

static int fid_format(const char *path, uint64_t slots)
{
	static unsigned char page[SWAP_PAGE_SIZE];
	struct swap_header_info info;
	enum swap_header_fault fault;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), rc = 0;

	if (fd < 0)
		return -errno;
	swap_header_init(&info, slots);
	if (ftruncate(fd, (off_t)(slots * SWAP_PAGE_SIZE)) ||
	    swap_header_format(page, &info, &fault) ||
	    pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page))
		rc = -EIO;
	close(fd);
	return rc;
}

static int fid_engine_setup(struct fid_engine *g, const char *dir,
			    uint64_t slots, uint64_t frames)
{
	struct swap_area_config acfg = {.nr_pages = slots};
	struct pgdat_config cfg;
	int store, rc;

	snprintf(g->path, sizeof(g->path), "%s/engine.swp", dir);
	rc = fid_format(g->path, slots);
	if (!rc)
		rc = swap_io_engine_create(NULL, &g->engine);
	if (rc)
		return rc;
	store = swap_io_add_store(g->engine, g->path, 0);
	if (store < 0)
		return store;
	rc = swap_extent_map_create(slots, &g->map);
	if (!rc)
		rc = swap_extent_add(g->map, 0, slots, store, 0);
	if (!rc)
		rc = swap_io_area_attach(g->engine, g->map, "engine", &g->io);
	if (!rc)
		rc = swap_area_create(&acfg, &g->area);
	if (!rc)
		rc = swap_table_create(&g->table);
	if (!rc)
		rc = swap_table_swapon(g->table, g->area, 0, &g->type);
	if (rc)
		return rc;
	pgdat_config_init(&cfg);
	cfg.nr_frames = frames;
	cfg.swap = g->table;
	rc = pgdat_create(&cfg, &g->pgdat);
	return rc ? rc : page_io_attach_area(g->pgdat, g->type, g->io);
}

static void fid_engine_teardown(struct fid_engine *g)
{
	if (g->pgdat) {
		if (swap_table_area(g->table, g->type))
			pgdat_swapoff(g->pgdat, g->type);
		pgdat_destroy(g->pgdat);
	} else if (g->table && swap_table_area(g->table, g->type)) {
		swap_table_swapoff(g->table, g->type, NULL, NULL);
	}
	if (g->table)
		swap_table_destroy(g->table);
	swap_area_destroy(g->area);
	if (g->io)
		swap_io_area_detach(g->io);
	swap_extent_map_destroy(g->map);
	if (g->engine)
		swap_io_engine_destroy(g->engine);
	unlink(g->path);
}

static int fid_engine(const struct fid_env *e, const struct fid_opts *o,
		      uint64_t slots, struct fid_case *c)
{
	struct fid_engine g = {0};
	struct workload_config cfg;
	struct run_options opt;
	struct run_result *res = calloc(1, sizeof(*res));
	struct workload *w = NULL;
	char err[256];
	int rc = res ? 0 : -ENOMEM;

	if (!rc)
		rc = workload_config_parse(c->spec, &cfg, err, sizeof(err));
	if (!rc)
		rc = workload_create(&cfg, &w);
	if (!rc)
		rc = fid_engine_setup(&g, e->dir, slots, o->memory / 4096);
	run_options_init(&opt);
	opt.belady = false;
	if (!rc)
		rc = run_workload(g.pgdat, w, &opt, res);
	if (!rc) {
		c->engine[FID_PSWPIN] = (double)res->vmstat[PSWPIN];
		c->engine[FID_PSWPOUT] = (double)res->vmstat[PSWPOUT];
		c->engine[FID_PGMAJFAULT] = (double)res->vmstat[PGMAJFAULT];
		c->csum_failures = res->vmstat[SWAP_CSUM_FAIL];
		c->engine_s = res->seconds;
	}
	fid_engine_teardown(&g);
	workload_destroy(w);
	free(res);
	return rc;
}

/* ---- report ---------------------------------------------------------------------- */

static bool fid_within(double engine, double kernel)
{
	if (kernel < 1)
		return engine < 64; /* both about nothing */
	return engine >= (1 - FID_TOLERANCE) * kernel &&
	       engine <= (1 + FID_TOLERANCE) * kernel;
}

static void fid_judge(struct fid_case *c)
{
	c->pass = !c->verify_failures && !c->csum_failures;
	for (int i = 0; i < FID_NR; i++)
		c->pass &= fid_within(c->engine[i], c->kernel[i]);
}

static void fid_print(FILE *f, const struct fid_opts *o,
		      const struct fid_case *cs, unsigned int n)
{
	fprintf(f,
		"memory %" PRIu64 " MiB on both sides; kernel: memory "
		"cgroup v1 + swapemu mount; target +-%.0f%%\n",
		o->memory >> 20, 100 * FID_TOLERANCE);
	for (unsigned int k = 0; k < n; k++) {
		const struct fid_case *c = &cs[k];

		fprintf(f, "\n%s: %s (kernel %.1f s, engine %.1f s)\n", c->name,
			c->spec, c->kernel_s, c->engine_s);
		fprintf(f, "  %-11s %10s %10s %8s  %s\n", "counter", "kernel",
			"engine", "ratio", "global vmstat delta");
		for (int i = 0; i < FID_NR; i++)
			fprintf(f, "  %-11s %10.0f %10.0f %8.2f  %.0f %s\n",
				fid_names[i], c->kernel[i], c->engine[i],
				c->kernel[i] > 0 ? c->engine[i] / c->kernel[i]
						 : 0,
				c->vmstat[i],
				fid_within(c->engine[i], c->kernel[i])
					? "ok"
					: "MISSED");
		fprintf(f,
			"  cgroup memory.stat pgmajfault %.0f; verify "
			"failures: kernel %" PRIu64 ", engine %" PRIu64
			"; %s\n",
			c->cg_majfault, c->verify_failures, c->csum_failures,
			c->pass ? "PASS" : "MISSED");
	}
}

static void fid_json(FILE *f, const struct fid_opts *o,
		     const struct fid_case *cs, unsigned int n)
{
	bool all = true;

	fprintf(f,
		"{\"suite\":\"fidelity\",\"quick\":%s,\"memory\":%" PRIu64
		",\"tolerance\":%.2f,\"sources\":{\"pgmajfault\":"
		"\"getrusage of the load (= cgroup memory.stat)\","
		"\"pswpin\":\"pages read from the swapemu area\","
		"\"pswpout\":\"pages written to the swapemu area\"},"
		"\"cases\":[",
		o->quick ? "true" : "false", o->memory, FID_TOLERANCE);
	for (unsigned int k = 0; k < n; k++) {
		const struct fid_case *c = &cs[k];

		all &= c->pass;
		fprintf(f,
			"%s{\"name\":\"%s\",\"spec\":\"%s\","
			"\"kernel_s\":%.3f,\"engine_s\":%.3f",
			k ? "," : "", c->name, c->spec, c->kernel_s,
			c->engine_s);
		for (int i = 0; i < FID_NR; i++)
			fprintf(f,
				",\"%s\":{\"kernel\":%.0f,\"engine\":%.0f,"
				"\"vmstat\":%.0f,\"ratio\":%.3f}",
				fid_names[i], c->kernel[i], c->engine[i],
				c->vmstat[i],
				c->kernel[i] > 0 ? c->engine[i] / c->kernel[i]
						 : 0);
		fprintf(f,
			",\"cgroup_pgmajfault\":%.0f,\"verify_failures\":"
			"%" PRIu64 ",\"csum_failures\":%" PRIu64
			",\"pass\":%s}",
			c->cg_majfault, c->verify_failures, c->csum_failures,
			c->pass ? "true" : "false");
	}
	fprintf(f, "],\"pass\":%s}\n", all ? "true" : "false");
}

/* ---- main ------------------------------------------------------------------------- */

static int fid_parse(int argc, char **argv, struct fid_opts *o)
{
	static const struct option longopts[] = {
		{"quick", no_argument, NULL, 'q'},
		{"json", required_argument, NULL, 'j'},
		{"dir", required_argument, NULL, 'd'},
		{"memory", required_argument, NULL, 'm'},
		{"check", no_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			o->quick = true;
			o->memory = 32u << 20;
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'm':
			if (swap_size_parse(optarg, &o->memory))
				return -EINVAL;
			break;
		case 'c':
			o->check = true;
			break;
		default:
			return -EINVAL;
		}
	}
	return optind == argc && o->memory >= (16u << 20) ? 0 : -EINVAL;
}

static void fid_cases(const struct fid_opts *o, struct fid_case *cs)
{
	uint64_t ws = 4 * o->memory, pages = ws / 4096;

	cs[0].name = "seq-write-verify";
	snprintf(cs[0].spec, sizeof(cs[0].spec),
		 "seq:size=%" PRIu64 ",fork=1,writes=0,accesses=%" PRIu64, ws,
		 pages);
	cs[1].name = "random";
	snprintf(cs[1].spec, sizeof(cs[1].spec),
		 "uniform:size=%" PRIu64 ",fork=1,writes=0.3,accesses=%" PRIu64
		 ",seed=3",
		 ws, 2 * pages);
}

static int fid_run(const struct fid_opts *o, struct fid_case *cs)
{
	uint64_t slots = 2 * (4 * o->memory / 4096) + 1024;
	struct fid_env e = {0};
	int rc = fid_setup(&e, o, slots * 4096);

	for (unsigned int k = 0; k < FID_NR_CASES && !rc; k++) {
		rc = fid_stop ? -EINTR : fid_kernel(&e, &cs[k]);
		if (!rc)
			rc = fid_stop ? -EINTR
				      : fid_engine(&e, o, slots, &cs[k]);
		fid_judge(&cs[k]);
	}
	fid_teardown(&e);
	return rc;
}

int bench_fidelity_main(int argc, char **argv)
{
	struct fid_opts o = {.dir = "/tmp", .memory = 128u << 20};
	struct fid_case cs[FID_NR_CASES] = {{0}};
	struct sigaction sa = {.sa_handler = fid_on_signal}, old_int, old_term;
	bool ok = true;
	FILE *f;
	int rc;

	if (fid_parse(argc, argv, &o)) {
		fprintf(stderr, "usage: swapemu bench fidelity [--quick] "
				"[--json FILE|-] [--dir DIR] [--memory SIZE] "
				"[--check]\n");
		return 2;
	}
	if (geteuid())
		return bench_fail("bench fidelity", -EPERM, "needs root");
	if (access(FID_CGROOT "/memory.limit_in_bytes", F_OK))
		return bench_fail(
			"bench fidelity", -ENOENT,
			"no cgroup v1 memory controller at " FID_CGROOT);
	fid_cases(&o, cs);
	sigaction(SIGINT, &sa, &old_int); /* no SA_RESTART: waits return */
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGALRM, &sa, NULL);
	alarm(o.quick ? 600 : 3600); /* a kernel side that hangs stops */
	rc = fid_run(&o, cs);
	alarm(0);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (rc == -EXDEV)
		return bench_fail("bench fidelity", 0,
				    "--dir %s is tmpfs: "
				    "its pages could be swapped to the area "
				    "they back",
				    o.dir);
	if (rc)
		return bench_fail("bench fidelity", rc, "%s",
				    fid_stop ? "interrupted" : "running");
	for (unsigned int k = 0; k < FID_NR_CASES; k++)
		ok &= cs[k].pass;
	fid_print(o.json && !strcmp(o.json, "-") ? stderr : stdout, &o, cs,
		  FID_NR_CASES);
	if (o.json) {
		f = strcmp(o.json, "-") ? fopen(o.json, "w") : stdout;
		if (!f)
			return bench_fail("bench fidelity", -errno, "%s",
					    o.json);
		fid_json(f, &o, cs, FID_NR_CASES);
		if (f != stdout)
			fclose(f);
	}
	return o.check && !ok ? 1 : 0;
}

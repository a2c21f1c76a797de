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
 * Everything set up is recorded by fs/host and undone on error and on
 * SIGINT/SIGTERM: the load is killed, the cgroup removed, the area
 * swapped off and its loop device detached, the mount unmounted and its
 * daemon reaped, the directory removed.  The daemon runs in its own
 * session, so a terminal's Ctrl-C reaches this program (which cleans up)
 * and not the daemon that the swap device depends on.
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
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/report.h"
#include "fs/host.h"
#include "mm/node.h"
#include "mm/run.h"
#include "mm/workload.h"
#include "swap/area.h"
#include "swap/header.h"
#include "swap/json.h"
#include "swap/size.h"
#include "swap/table.h"

#define FID_CGROOT HOST_CGROUP_ROOT
#define FID_AREA "fidelity"
#define FID_TOLERANCE 0.25
#define FID_NR_CASES 2

/* Counters compared, in this order. */
enum fid_counter { FID_PSWPIN, FID_PSWPOUT, FID_PGMAJFAULT, FID_NR };
static const char *const fid_names[FID_NR] = {"pswpin", "pswpout",
					      "pgmajfault"};

struct fid_opts {
	struct bench_common c; /* --quick, --json, --out, ... */
	const char *dir;       /* parent of the temporary directory */
	uint64_t memory;       /* bytes of memory on both sides */
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

/* Paths of the kernel side; fs/host records what is set up. */
struct fid_env {
	char dir[PATH_MAX];	  /* temporary directory, "" if none */
	char mnt[PATH_MAX + 8];	  /* mount point */
	char area[PATH_MAX + 24]; /* area file on the mount */
	char cg[PATH_MAX];	  /* cgroup directory */
	char loop[64];		  /* loop device swapped on */
};

#define FID_EXE "/proc/self/exe" /* this binary, even if replaced */

static void fid_on_alarm(int sig)
{
	host_interrupt(sig);
}

/* ---- small helpers ---------------------------------------------------------- */

/* The value of "@key N" lines in @path (memory.stat, /proc/vmstat). */
static uint64_t fid_read_key(const char *path, const char *key)
{
	uint64_t v = 0;

	return host_stat_key(path, key, &v) ? 0 : v;
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
	struct host_mount_config cfg = {.mountpoint = e->mnt, .backing = back};

	snprintf(back, sizeof(back), "%s/back", e->dir);
	if (mkdir(back, 0700) || mkdir(e->mnt, 0700))
		return -errno;
	return host_mount(&cfg, NULL);
}

static int fid_swapon(struct fid_env *e, uint64_t bytes)
{
	int fd = open(e->area, O_CREAT | O_RDWR, 0600), rc = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)bytes)) /* sizes the area: header */
		rc = -errno;
	close(fd);
	return rc ? rc
		  : host_swapon(e->area, 32767, 0, e->loop, sizeof(e->loop));
}

static int fid_cgroup(struct fid_env *e, uint64_t memory)
{
	char name[64];

	snprintf(name, sizeof(name), "swapemu-fidelity-%d", (int)getpid());
	return host_cgroup_create(name, memory, e->cg, sizeof(e->cg));
}

static int fid_setup(struct fid_env *e, const struct fid_opts *o,
		     uint64_t area_bytes)
{
	int rc;

	/* The backing files must not be swappable themselves: on tmpfs the
	 * kernel may swap their pages to the very device they back, and
	 * the daemon then waits for itself. */
	if (host_in_memory(o->dir))
		return -EXDEV;
	rc = host_workdir(o->dir, "swapemu-fidelity", e->dir, sizeof(e->dir));
	if (rc)
		return rc;
	snprintf(e->mnt, sizeof(e->mnt), "%s/mnt", e->dir);
	snprintf(e->area, sizeof(e->area), "%s/" FID_AREA, e->mnt);
	rc = fid_mount(e);
	if (!rc)
		rc = fid_swapon(e, area_bytes);
	if (!rc)
		rc = fid_cgroup(e, o->memory);
	return rc;
}

/* ---- kernel side: one case ------------------------------------------------------ */

/* Run `swapemu load @spec` inside the cgroup; its JSON line to @line. */
static int fid_load(struct fid_env *e, const char *spec, char *line, size_t len)
{
	char *argv[] = {FID_EXE, "load", (char *)spec, NULL};
	struct host_cmd cmd = {.cgroup = e->cg, .out = line, .out_len = len};

	return host_run(argv, &cmd);
}

static int fid_kernel(struct fid_env *e, struct fid_case *c)
{
	uint64_t r0 = 0, w0 = 0, r1 = 0, w1 = 0, vm0[FID_NR], vm1[FID_NR];
	uint64_t cg0, cg1;
	char stat_path[PATH_MAX + 16], line[1024];
	double t0;
	int rc;

	snprintf(stat_path, sizeof(stat_path), "%s/memory.stat", e->cg);
	for (int i = 0; i < FID_NR; i++)
		vm0[i] = fid_read_key("/proc/vmstat", fid_names[i]);
	cg0 = fid_read_key(stat_path, "pgmajfault");
	rc = fid_area_io(e, &r0, &w0);
	t0 = (double)bench_now_ns();
	if (!rc)
		rc = fid_load(e, c->spec, line, sizeof(line));
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
	c->kernel[FID_PGMAJFAULT] = (double)json_find_u64(line, NULL, "majflt");
	c->cg_majfault = (double)(cg1 - cg0);
	c->verify_failures = json_find_u64(line, NULL, "verify_failures");
	return rc;
}

/* ---- engine side --------------------------------------------------------------- */

/* One formatted swap file of @slots in @dir, swapped on for @pgdat. */
/* The same workload on the paging engine, swapping to a fresh file of
 * @slots in the work directory (a node as `swapemu run` builds it). */
static int fid_engine(const struct fid_env *e, const struct fid_opts *o,
		      uint64_t slots, struct fid_case *c)
{
	char path[PATH_MAX + 16];
	struct node_swap_config swap = {
		.path = path,
		.prio = SWAP_PRIO_AUTO,
		.policy = SWAP_ALLOC_CLUSTER,
	};
	struct node_config ncfg = {
		.nr_frames = o->memory / 4096,
		.page_cluster = 3,
		.vma_ra = true,
		.swap = &swap,
		.nr_swap = 1,
	};
	struct workload_config cfg;
	struct run_options opt;
	struct run_result *res = calloc(1, sizeof(*res));
	struct workload *w = NULL;
	struct node *n = NULL;
	char err[256];
	int rc = res ? 0 : -ENOMEM;

	snprintf(path, sizeof(path), "%s/engine.swp", e->dir);
	unlink(path); /* node_swap_format keeps a file that exists */
	if (!rc)
		rc = workload_config_parse(c->spec, &cfg, err, sizeof(err));
	if (!rc)
		rc = workload_create(&cfg, &w);
	if (!rc)
		rc = node_swap_format(path, slots * SWAP_PAGE_SIZE);
	if (!rc)
		rc = node_create(&ncfg, &n, err, sizeof(err));
	run_options_init(&opt);
	opt.belady = false;
	if (!rc)
		rc = run_workload(node_pgdat(n), w, &opt, res);
	if (!rc) {
		c->engine[FID_PSWPIN] = (double)res->vmstat[PSWPIN];
		c->engine[FID_PSWPOUT] = (double)res->vmstat[PSWPOUT];
		c->engine[FID_PGMAJFAULT] = (double)res->vmstat[PGMAJFAULT];
		c->csum_failures = res->vmstat[SWAP_CSUM_FAIL];
		c->engine_s = res->seconds;
	}
	node_destroy(n);
	unlink(path);
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

/* What the report callbacks see. */
struct fid_report {
	const struct fid_opts *o;  /* the options */
	const struct fid_case *cs; /* the cases, FID_NR_CASES */
};

/* The results members of the JSON report. */
static void fid_json(FILE *f, const void *ctx)
{
	const struct fid_opts *o = ((const struct fid_report *)ctx)->o;
	const struct fid_case *cs = ((const struct fid_report *)ctx)->cs;
	unsigned int n = FID_NR_CASES;

	fprintf(f,
		"\"memory\":%" PRIu64
		",\"tolerance\":%.2f,\"sources\":{\"pgmajfault\":"
		"\"getrusage of the load (= cgroup memory.stat)\","
		"\"pswpin\":\"pages read from the swapemu area\","
		"\"pswpout\":\"pages written to the swapemu area\"},"
		"\"cases\":[",
		o->memory, FID_TOLERANCE);
	for (unsigned int k = 0; k < n; k++) {
		const struct fid_case *c = &cs[k];

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
	fputc(']', f);
}

static void fid_md(FILE *f, const void *ctx)
{
	const struct fid_report *r = ctx;

	fputs("```\n", f);
	fid_print(f, r->o, r->cs, FID_NR_CASES);
	fputs("```\n", f);
}

/* Every counter of every case against +-FID_TOLERANCE, into the report. */
static void fid_targets(struct bench_report *rep, const struct fid_case *cs)
{
	char name[96];

	for (unsigned int k = 0; k < FID_NR_CASES; k++) {
		const struct fid_case *c = &cs[k];

		for (int i = 0; i < FID_NR; i++) {
			snprintf(name, sizeof(name), "%s/%s", c->name,
				 fid_names[i]);
			bench_report_target(
				rep, name,
				c->kernel[i] > 0 ? c->engine[i] / c->kernel[i]
						 : 0,
				"+-", FID_TOLERANCE, "ratio",
				fid_within(c->engine[i], c->kernel[i]));
		}
		snprintf(name, sizeof(name), "%s/verify-failures", c->name);
		bench_report_target(
			rep, name,
			(double)(c->verify_failures + c->csum_failures),
			"<=", 0, "pages",
			!c->verify_failures && !c->csum_failures);
	}
}

/* ---- main ------------------------------------------------------------------------- */

static int fid_parse(int argc, char **argv, struct fid_opts *o)
{
	static const struct option longopts[] = {
		BENCH_COMMON_OPTIONS,
		{"dir", required_argument, NULL, 'd'},
		{"memory", required_argument, NULL, 'm'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'm':
			if (swap_size_parse(optarg, &o->memory))
				return -EINVAL;
			break;
		default:
			if (!bench_common_opt(&o->c, c, optarg))
				return -EINVAL;
			if (c == BENCH_OPT_QUICK)
				o->memory = 32u << 20;
		}
	}
	if (o->c.help)
		return 1;
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
		rc = host_interrupted() ? -EINTR : fid_kernel(&e, &cs[k]);
		if (!rc)
			rc = host_interrupted()
				     ? -EINTR
				     : fid_engine(&e, o, slots, &cs[k]);
		fid_judge(&cs[k]);
	}
	host_undo_all();
	return rc;
}

/* Run both sides and report; the exit status. */
static int fid_main(struct bench_report *rep, struct fid_opts *o,
		    struct fid_case *cs)
{
	struct sigaction sa = {.sa_handler = fid_on_alarm};
	struct fid_report r = {o, cs};
	int rc;

	if (geteuid())
		return bench_report_skip(rep, "needs root");
	if (!host_cgroup_available())
		return bench_report_skip(rep, "no cgroup v1 memory "
					      "controller at " FID_CGROOT);
	if (access("/dev/fuse", R_OK | W_OK))
		return bench_report_skip(rep, "no /dev/fuse");
	fid_cases(o, cs);
	host_catch_signals(); /* no SA_RESTART: waits return */
	sigaction(SIGALRM, &sa, NULL);
	alarm(o->c.quick ? 600 : 3600); /* a kernel side that hangs stops */
	rc = fid_run(o, cs);
	alarm(0);
	if (rc == -EXDEV)
		return bench_fail("bench fidelity", 0,
				  "--dir %s is tmpfs: "
				  "its pages could be swapped to the area "
				  "they back",
				  o->dir);
	if (rc)
		return bench_fail("bench fidelity", rc, "%s",
				  host_interrupted() ? "interrupted"
						     : "running");
	fid_print(o->c.json && !strcmp(o->c.json, "-") ? stderr : stdout, o, cs,
		  FID_NR_CASES);
	fid_targets(rep, cs);
	if (bench_report_finish(rep, fid_json, fid_md, &r))
		return 1;
	return o->c.check && !bench_report_ok(rep) ? 1 : 0;
}

int bench_fidelity_main(int argc, char **argv)
{
	struct fid_opts o = {.dir = "/tmp", .memory = 128u << 20};
	struct fid_case cs[FID_NR_CASES] = {{0}};
	struct bench_report *rep;
	int rc = fid_parse(argc, argv, &o);

	if (rc) {
		fprintf(rc > 0 ? stdout : stderr,
			"usage: swapemu bench fidelity " BENCH_COMMON_USAGE
			"\n       [--dir DIR] [--memory SIZE]\n");
		return rc > 0 ? 0 : 2;
	}
	if (bench_report_begin("fidelity", &o.c, argc, argv, &rep))
		return 1;
	rc = fid_main(rep, &o, cs);
	bench_report_destroy(rep);
	return rc;
}

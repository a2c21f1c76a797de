/* SPDX-License-Identifier: MIT */
/*
 * `swapemu demo`: the whole product in about a minute.
 *
 *  1. mount swapemu on a temporary directory (under /var/tmp: the backing
 *     files must not be on tmpfs while the kernel swaps through them);
 *  2. create swap areas in it with a plain truncate, and show
 *     .swapemu/swaps;
 *  3. run a workload on the paging engine with too little memory, swapping
 *     to an area file of the mount, while sampling that area's slot map;
 *  4. as root: swap on the other area through a loop device (--discard,
 *     top priority) and run a process that writes more memory than its
 *     memory cgroup allows and reads it all back, verifying every page,
 *     while sampling the area's slot map;
 *  5. report what was swapped, the IO pattern, latencies, and heat maps of
 *     the slot maps (PNG, kept in the report directory).
 *
 * Whatever is set up is undone, last first, on success, on error and on
 * SIGINT/SIGTERM (fs/host.h records it all); an interrupted demo exits
 * with 128 + the signal's number.  Without root the kernel step is
 * skipped, and without a usable /dev/fuse the engine swaps to a plain
 * file instead of the mount; the output says which and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/demo_i.h"
#include "fs/host.h"
#include "swap/json.h"

#define CMD "demo"
#define DEMO_ENGINE_AREA "engine"
#define DEMO_KERNEL_AREA "kernel"
#define DEMO_TICK 0.05 /* seconds between slot map samples */
#define MIB (UINT64_C(1) << 20)

struct demo_opts {
	bool quick;	 /* smaller sizes, ~15 s */
	const char *out; /* report directory */
	const char *dir; /* parent of the temporary directory */
};

/* Sizes of one demo: the workloads are 3x the memory they get. */
struct demo_sizes {
	uint64_t engine_mem; /* emulated memory of the engine run */
	uint64_t kernel_mem; /* memory cgroup limit */
};

/* What is set up; fs/host.h records it too, for the signal path. */
struct demo_env {
	char dir[PATH_MAX];	 /* temporary directory, "" if none */
	char mnt[PATH_MAX + 8];	 /* mount point */
	char back[PATH_MAX + 8]; /* backing directory */
	bool mounted;		 /* the daemon serves mnt */
	char loop[64];		 /* loop device swapped on, "" if none */
	char cg[PATH_MAX];	 /* memory cgroup, "" if none */
	pid_t child;		 /* engine run or load, 0 if none */
	char out[PATH_MAX];	 /* report directory (kept) */
};

/* The kernel step's figures. */
struct demo_kernel {
	char spec[128];		  /* the load's workload */
	char loop[64];		  /* the device it swapped to */
	struct host_vmstat vm0;	  /* /proc/vmstat before */
	struct host_vmstat vm1;	  /* and after */
	uint64_t accesses;	  /* by the load */
	uint64_t majflt;	  /* the load's major faults */
	uint64_t verify_failures; /* pages that came back wrong */
	double seconds;		  /* wall time of the load */
	struct demo_area_io io;	  /* the area's IO */
	struct demo_slotmap map;  /* its slot map over time */
};

/* The engine step's figures. */
struct demo_engine_res {
	char spec[128];		  /* the workload */
	char swap[PATH_MAX + 16]; /* the swap file it used */
	struct run_result run;	  /* its counters */
	bool on_mount;		  /* swap is an area of the mount */
	struct demo_area_io io;	  /* the area's IO (on_mount) */
	struct demo_slotmap map;  /* its slot map over time (on_mount) */
};

struct demo {
	struct demo_opts o;	       /* the command line */
	struct demo_sizes sz;	       /* from --quick */
	struct demo_env env;	       /* what is set up */
	bool fuse;		       /* /dev/fuse can be used */
	char no_kernel[160];	       /* why the kernel step is skipped */
	bool engine_ran;	       /* engine figures are set */
	bool kernel_ran;	       /* kernel figures are set */
	struct demo_engine_res engine; /* step 3 */
	struct demo_kernel kernel;     /* step 4 */
	char png[2][PATH_MAX + 32];    /* pictures drawn, "" if not */
	char png_err[2][128];	       /* why a picture is missing */
};

static const char demo_help[] =
	"usage: swapemu demo [--quick] [--out DIR] [--dir DIR]\n"
	"\n"
	"Mount swapemu in a temporary directory, create swap areas in it, run\n"
	"a paging-engine workload swapping to one of them and, as root, swap\n"
	"on the other through a loop device and push a verified process into\n"
	"it under a memory cgroup limit.  Print a report (what was swapped,\n"
	"IO pattern, latencies) and draw the areas' slot maps over time.\n"
	"Everything is undone at the end, also on Ctrl-C.\n"
	"\n"
	"  --quick     smaller sizes (about 10 s instead of 20)\n"
	"  --out DIR   where the report and pictures go\n"
	"              (default ./swapemu-demo-report)\n"
	"  --dir DIR   parent of the temporary directory, not on tmpfs\n"
	"              (default /var/tmp)\n";

/* ---- arguments ------------------------------------------------------------- */

static int demo_parse(int argc, char **argv, struct demo_opts *o)
{
	static const struct option opts[] = {
		{"quick", no_argument, NULL, 'q'},
		{"out", required_argument, NULL, 'o'},
		{"dir", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	int c;

	o->out = "swapemu-demo-report";
	o->dir = "/var/tmp";
	while ((c = getopt_long(argc, argv, "qo:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			o->quick = true;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'h':
			fputs(demo_help, stdout);
			return -1;
		default:
			fputs(demo_help, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "swapemu demo: unexpected argument '%s'\n\n",
			argv[optind]);
		fputs(demo_help, stderr);
		return 2;
	}
	return 0;
}

/* ---- small helpers ------------------------------------------------------- */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A line of progress, out at once (the e2e test waits for some). */
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/* Create @path (an area file of the mount) and size it to @bytes. */
static int demo_truncate(const char *path, uint64_t bytes)
{
	int fd = open(path, O_CREAT | O_RDWR, 0600), rc = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)bytes))
		rc = -errno;
	close(fd);
	return rc;
}

/* Copy file @path to stdout, each line indented. */
static void demo_cat(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("    %s", line);
	fclose(f);
}

/* ---- what can run here -------------------------------------------------- */

/* Decide the steps: a mount needs /dev/fuse, the kernel step root, loop
 * devices and the cgroup v1 memory controller. */
static void demo_probe(struct demo *d)
{
	d->fuse = !access("/dev/fuse", R_OK | W_OK);
	if (!d->fuse)
		snprintf(d->no_kernel, sizeof(d->no_kernel),
			 "it swaps through the mount, and /dev/fuse is not "
			 "usable here");
	else if (geteuid())
		snprintf(d->no_kernel, sizeof(d->no_kernel),
			 "it needs root (loop device, swapon, memory "
			 "cgroup)");
	else if (access("/dev/loop-control", F_OK))
		snprintf(d->no_kernel, sizeof(d->no_kernel),
			 "no loop devices (/dev/loop-control is missing)");
	else if (!host_cgroup_available())
		snprintf(d->no_kernel, sizeof(d->no_kernel),
			 "no writable cgroup v1 memory controller at %s",
			 HOST_CGROUP_ROOT);
	else if (host_in_memory(d->o.dir))
		snprintf(d->no_kernel, sizeof(d->no_kernel),
			 "--dir %s is in memory (tmpfs): the kernel could "
			 "swap the backing file's pages to the area they "
			 "back",
			 d->o.dir);
}

/* ---- steps 1 and 2: mount and areas ------------------------------------- */

static int demo_mount(struct demo *d)
{
	struct demo_env *e = &d->env;
	char log[PATH_MAX + 16], transport[32];
	struct host_mount_config cfg = {
		.mountpoint = e->mnt, .backing = e->back, .log = log};
	int rc;

	snprintf(log, sizeof(log), "%s/mount.log", e->dir);
	say("[1/5] mount: swapemu mount --backing %s %s\n", e->back, e->mnt);
	if (mkdir(e->mnt, 0700) || mkdir(e->back, 0700))
		return command_fail(CMD, -errno, "%s", e->dir);
	/* As root, let the mount take FUSE requests over io_uring where the
	 * kernel has it; the switch is put back with everything else. */
	if (!geteuid() && !host_fuse_ring_enable())
		say("  (fuse module: enable_uring on for the demo)\n");
	rc = host_mount(&cfg, NULL);
	if (rc == -EINTR)
		return rc;
	if (rc) {
		demo_cat(log);
		return command_fail(CMD, rc, "mounting %s", e->mnt);
	}
	e->mounted = true;
	if (!host_fuse_transport(e->mnt, transport, sizeof(transport)))
		say("  FUSE requests reach the daemon over %s\n", transport);
	return 0;
}

static int demo_areas(struct demo *d)
{
	struct demo_env *e = &d->env;
	char path[PATH_MAX + 32];
	uint64_t ebytes = 4 * d->sz.engine_mem, kbytes = 4 * d->sz.kernel_mem;
	int rc;

	say("[2/5] areas: truncate -s %" PRIu64 "M %s/" DEMO_ENGINE_AREA "%s",
	    ebytes / MIB, e->mnt, d->no_kernel[0] ? "\n" : "");
	if (!d->no_kernel[0])
		say("; truncate -s %" PRIu64 "M %s/" DEMO_KERNEL_AREA "\n",
		    kbytes / MIB, e->mnt);
	snprintf(d->engine.swap, sizeof(d->engine.swap), "%s/" DEMO_ENGINE_AREA,
		 e->mnt);
	rc = demo_truncate(d->engine.swap, ebytes);
	if (rc)
		return command_fail(CMD, rc, "%s", d->engine.swap);
	d->engine.on_mount = true;
	snprintf(path, sizeof(path), "%s/" DEMO_KERNEL_AREA, e->mnt);
	if (!d->no_kernel[0] && (rc = demo_truncate(path, kbytes)))
		return command_fail(CMD, rc, "%s", path);
	say("  %s/.swapemu/swaps (formatted on truncate, like mkswap):\n",
	    e->mnt);
	snprintf(path, sizeof(path), "%s/.swapemu/swaps", e->mnt);
	demo_cat(path);
	return 0;
}

/* Without a mount: a plain swap file, formatted by `swapemu format`. */
static int demo_plain_swap(struct demo *d)
{
	char size[32];
	char *argv[] = {"/proc/self/exe", "format", "--size", size,
			d->engine.swap,	  NULL};
	struct host_cmd cmd = {.quiet = true};
	int rc;

	say("[1/5] mount: skipped, /dev/fuse is not usable here\n");
	snprintf(d->engine.swap, sizeof(d->engine.swap), "%s/engine.swap",
		 d->env.dir);
	snprintf(size, sizeof(size), "%" PRIu64 "M",
		 4 * d->sz.engine_mem / MIB);
	say("[2/5] areas: swapemu format --size %s %s (a plain file)\n", size,
	    d->engine.swap);
	rc = host_run(argv, &cmd);
	if (rc == -EINTR)
		return rc;
	return rc ? command_fail(CMD, rc < 0 ? rc : 0, "swapemu format %s",
				 d->engine.swap)
		  : 0;
}

/* ---- step 3: the paging engine ------------------------------------------ */

static void demo_sample(void *ctx)
{
	demo_slotmap_sample(ctx); /* a missed sample only thins the map */
}

/* Prepare sampling of area @name's slot map and restart its trace. */
static int demo_watch_area(struct demo *d, struct demo_slotmap *map,
			   const char *name, uint64_t slots)
{
	int rc = demo_slotmap_init(map, d->env.mnt, name, slots);

	if (!rc)
		rc = demo_area_trace_restart(d->env.mnt, name);
	return rc ? command_fail(CMD, rc, "area %s", name) : 0;
}

static int demo_engine(struct demo *d)
{
	struct demo_engine_res *r = &d->engine;
	uint64_t ws = 3 * d->sz.engine_mem, pages = ws / 4096;
	struct demo_tick tick = {
		.every = DEMO_TICK, .fn = demo_sample, .ctx = &r->map};
	size_t got;
	int fd = -1, rc;

	/* Two tasks, each over half of it twice: every page comes back. */
	snprintf(r->spec, sizeof(r->spec),
		 "seq:size=%" PRIu64 "M,tasks=2,writes=0.5,accesses=%" PRIu64,
		 ws / 2 / MIB, 2 * pages);
	say("[3/5] paging engine: swapemu run --memory %" PRIu64
	    "M --swap %s %s\n",
	    d->sz.engine_mem / MIB, r->swap, r->spec);
	rc = r->on_mount ? demo_watch_area(d, &r->map, DEMO_ENGINE_AREA,
					   4 * d->sz.engine_mem / 4096)
			 : 0;
	if (rc)
		return rc;
	rc = demo_engine_start(r->swap, d->sz.engine_mem / 4096, r->spec,
			       &d->env.child, &fd);
	if (rc)
		return command_fail(CMD, rc, "starting the paging engine");
	rc = demo_child_wait(&d->env.child, fd, &r->run, sizeof(r->run), &got,
			     r->on_mount ? &tick : NULL);
	if (rc == -EINTR)
		return rc;
	if (rc || got != sizeof(r->run))
		return command_fail(CMD, rc < 0 ? rc : 0,
				    "the paging engine run failed (status %d)",
				    rc);
	if (r->run.error)
		return command_fail(CMD, 0, "paging engine: %s",
				    r->run.error_msg);
	if (r->on_mount)
		demo_slotmap_sample(&r->map);
	if (r->on_mount &&
	    (rc = demo_area_io_read(d->env.mnt, DEMO_ENGINE_AREA, &r->io)))
		return command_fail(CMD, rc, "area " DEMO_ENGINE_AREA " stat");
	d->engine_ran = true;
	say("  done: %" PRIu64 " accesses in %.1f s, %" PRIu64
	    " pages swapped out, %" PRIu64 " in\n",
	    r->run.nr_accesses, r->run.seconds, r->run.vmstat[PSWPOUT],
	    r->run.vmstat[PSWPIN]);
	return 0;
}

/* ---- step 4: the kernel ----------------------------------------------------- */

/* Fork `swapemu load @spec` inside the cgroup, its stdout on *@fd.
 * (host_run() would wait without letting the slot map be sampled.) */
static int demo_load_start(struct demo *d, const char *spec, int *fd)
{
	char procs[PATH_MAX + 16], pid[16];
	int pfd[2], cfd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", d->env.cg);
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	d->env.child = fork();
	if (d->env.child < 0) {
		int err = errno;

		d->env.child = 0;
		close(pfd[0]);
		close(pfd[1]);
		return -err;
	}
	if (!d->env.child) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		cfd = open(procs, O_WRONLY);
		if (cfd < 0 || write(cfd, pid, strlen(pid)) < 0)
			_exit(126);
		dup2(pfd[1], STDOUT_FILENO);
		execl("/proc/self/exe", "swapemu", "load", spec, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	*fd = pfd[0];
	return 0;
}

static int demo_kernel_setup(struct demo *d)
{
	struct demo_kernel *k = &d->kernel;
	char area[PATH_MAX + 32], name[64], cg[PATH_MAX];
	int rc;

	/* Into d->env only once they exist: teardown undoes what is there. */
	snprintf(area, sizeof(area), "%s/" DEMO_KERNEL_AREA, d->env.mnt);
	rc = host_swapon(area, 32767, HOST_SWAP_DISCARD, k->loop,
			 sizeof(k->loop));
	if (rc)
		return rc == -EINTR ? rc
				    : command_fail(CMD, rc, "swapon %s", area);
	snprintf(d->env.loop, sizeof(d->env.loop), "%s", k->loop);
	snprintf(name, sizeof(name), "swapemu-demo-%d", (int)getpid());
	rc = host_cgroup_create(name, d->sz.kernel_mem, cg, sizeof(cg));
	if (rc)
		return rc == -EINTR ? rc
				    : command_fail(CMD, rc, "cgroup %s", name);
	snprintf(d->env.cg, sizeof(d->env.cg), "%s", cg);
	return demo_watch_area(d, &k->map, DEMO_KERNEL_AREA,
			       4 * d->sz.kernel_mem / 4096);
}

/* Check the load's outcome; 0 when it swapped and verified. */
static int demo_kernel_check(struct demo *d, int status, const char *json)
{
	struct demo_kernel *k = &d->kernel;

	k->accesses = json_find_u64(json, NULL, "accesses");
	k->majflt = json_find_u64(json, NULL, "majflt");
	k->verify_failures = json_find_u64(json, NULL, "verify_failures");
	if (status || !strstr(json, "\"verify_failures\":"))
		return command_fail(
			CMD, 0, "swapemu load exited with status %d%s", status,
			k->verify_failures ? ": memory came back "
					     "wrong from swap"
					   : "");
	if (k->vm1.pswpout <= k->vm0.pswpout || !k->io.write.bytes)
		return command_fail(CMD, 0,
				    "the kernel swapped nothing out to the "
				    "area (pswpout +%" PRIu64 ")",
				    k->vm1.pswpout - k->vm0.pswpout);
	return 0;
}

/* Run the load to its end, sampling the slot map; then read the
 * counters.  The load's exit status, or -errno. */
static int demo_kernel_load(struct demo *d, uint64_t ws, char *json, size_t len)
{
	struct demo_kernel *k = &d->kernel;
	struct demo_tick tick = {
		.every = DEMO_TICK, .fn = demo_sample, .ctx = &k->map};
	size_t got = 0;
	int fd = -1, status, rc;

	host_vmstat_read(&k->vm0);
	k->seconds = demo_now();
	rc = demo_load_start(d, k->spec, &fd);
	if (rc)
		return rc;
	say("  kernel: swapping to %s: swapemu load %s (writes %" PRIu64
	    " MiB, reads it back, verifies every page)\n",
	    k->loop, k->spec, ws / MIB);
	status = demo_child_wait(&d->env.child, fd, json, len - 1, &got, &tick);
	json[got] = '\0';
	if (status == -EINTR)
		return status;
	k->seconds = demo_now() - k->seconds;
	host_vmstat_read(&k->vm1);
	demo_slotmap_sample(&k->map);
	rc = demo_area_io_read(d->env.mnt, DEMO_KERNEL_AREA, &k->io);
	return rc ? rc : status;
}

static int demo_kernel(struct demo *d)
{
	struct demo_kernel *k = &d->kernel;
	uint64_t ws = 3 * d->sz.kernel_mem, pages = ws / 4096;
	char json[1024];
	int rc;

	snprintf(k->spec, sizeof(k->spec),
		 "seq:size=%" PRIu64 "M,fork=1,writes=0,accesses=%" PRIu64,
		 ws / MIB, pages);
	say("[4/5] kernel: swapemu swapon --discard -p 32767 "
	    "%s/" DEMO_KERNEL_AREA ", memory cgroup of %" PRIu64 " MiB\n",
	    d->env.mnt, d->sz.kernel_mem / MIB);
	rc = demo_kernel_setup(d);
	if (rc)
		return rc;
	rc = demo_kernel_load(d, ws, json, sizeof(json));
	if (rc == -EINTR)
		return rc;
	if (rc < 0)
		return command_fail(CMD, rc, "swapemu load in the cgroup");
	if (demo_kernel_check(d, rc, json))
		return 1;
	d->kernel_ran = true;
	say("  done: %" PRIu64 " MiB verified in %.1f s, %" PRIu64
	    " pages written to the area\n",
	    ws / MIB, k->seconds, k->io.write.bytes / 4096);
	return 0;
}

/* ---- step 5: the report ---------------------------------------------------- */

static void demo_pictures(struct demo *d)
{
	const struct {
		bool ran;
		const struct demo_slotmap *map;
		const char *file, *title;
	} pics[2] = {
		{d->kernel_ran, &d->kernel.map, "slotmap-kernel.png",
		 "area 'kernel': slot map while the kernel swaps (loop "
		 "device, --discard)"},
		{d->engine_ran && d->engine.on_mount, &d->engine.map,
		 "slotmap-engine.png",
		 "area 'engine': slot map while the paging engine swaps"},
	};

	for (int i = 0; i < 2; i++) {
		int rc;

		if (!pics[i].ran)
			continue;
		snprintf(d->png[i], sizeof(d->png[i]), "%s/%s", d->env.out,
			 pics[i].file);
		rc = demo_slotmap_plot(pics[i].map, d->png[i], pics[i].title);
		if (!rc)
			continue;
		snprintf(d->png_err[i], sizeof(d->png_err[i]), "%s: %s",
			 pics[i].file,
			 rc == -ENOENT ? "not drawn, gnuplot is not installed"
				       : strerror(-rc));
		d->png[i][0] = '\0';
	}
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static double us(uint64_t ns)
{
	return (double)ns / 1000;
}

static double kib_per_op(const struct demo_io_op *o)
{
	return o->ops ? (double)o->bytes / 1024 / (double)o->ops : 0;
}

/* Area latencies from its stat; the same line for both steps. */
static void report_area_latency(FILE *f, const char *name,
				const struct demo_area_io *io)
{
	fprintf(f,
		"  latency      area writes p50 %.0f us, p99 %.0f us; reads "
		"p50 "
		"%.0f us, p99 %.0f us (.swapemu/%s/stat)\n",
		us(io->write.p50), us(io->write.p99), us(io->read.p50),
		us(io->read.p99), name);
}

/* The slot map line: its fullest moment, drawn one character a bucket. */
static void report_slotmap(FILE *f, const struct demo_slotmap *map)
{
	fprintf(f,
		"  slot map     at its fullest %" PRIu64 " of %" PRIu64
		" slots in use ",
		map->peak, map->nr_slots - 1);
	demo_slotmap_print(map, f);
	fputc('\n', f);
}

static void report_engine(const struct demo *d, FILE *f)
{
	const struct demo_engine_res *r = &d->engine;
	const uint64_t *v = r->run.vmstat;
	const struct run_result *res = &r->run;

	fprintf(f,
		"paging engine: %s on %" PRIu64 " MiB of emulated memory, "
		"swapping to %s\n",
		r->spec, d->sz.engine_mem / MIB, r->swap);
	fprintf(f,
		"  swapped      pswpout %" PRIu64 ", pswpin %" PRIu64
		", pgmajfault %" PRIu64 " (%" PRIu64 " accesses in %.1f s)\n",
		v[PSWPOUT], v[PSWPIN], v[PGMAJFAULT], res->nr_accesses,
		res->seconds);
	fprintf(f,
		"  readahead    swap_ra %" PRIu64 ", swap_ra_hit %" PRIu64
		" (%.0f%% used)\n",
		v[SWAP_RA], v[SWAP_RA_HIT], pct(v[SWAP_RA_HIT], v[SWAP_RA]));
	fprintf(f,
		"  reclaim      pgscan kswapd %" PRIu64 " direct %" PRIu64
		", pgsteal kswapd %" PRIu64 " direct %" PRIu64
		", workingset_refault_anon %" PRIu64 "\n",
		v[PGSCAN_KSWAPD], v[PGSCAN_DIRECT], v[PGSTEAL_KSWAPD],
		v[PGSTEAL_DIRECT], v[WORKINGSET_REFAULT_ANON]);
	fprintf(f,
		"  IO pattern   %" PRIu64 " page writes, mean run %.1f slots; "
		"%" PRIu64 " page reads, mean run %.1f slots\n",
		res->io.ops[1],
		res->io.runs[1] ? (double)res->io.ops[1] / res->io.runs[1] : 0,
		res->io.ops[0],
		res->io.runs[0] ? (double)res->io.ops[0] / res->io.runs[0] : 0);
	fprintf(f,
		"  latency      major faults p50 %.0f us, p99 %.0f us, p99.9 "
		"%.0f us\n",
		us(res->majfault_ns.p50), us(res->majfault_ns.p99),
		us(res->majfault_ns.p999));
	if (!r->on_mount)
		return;
	report_area_latency(f, DEMO_ENGINE_AREA, &r->io);
	report_slotmap(f, &r->map);
}

static void report_kernel(const struct demo *d, FILE *f)
{
	const struct demo_kernel *k = &d->kernel;
	const struct demo_area_io *io = &k->io;

	fprintf(f,
		"kernel: swapemu load %s in a %" PRIu64 " MiB memory cgroup, "
		"swapping to %s (area " DEMO_KERNEL_AREA ")\n",
		k->spec, d->sz.kernel_mem / MIB, k->loop);
	fprintf(f,
		"  swapped      pswpout +%" PRIu64 ", pswpin +%" PRIu64
		", pgmajfault +%" PRIu64
		" (/proc/vmstat, whole machine); area: %" PRIu64
		" pages written, %" PRIu64 " read, %" PRIu64 " discards\n",
		k->vm1.pswpout - k->vm0.pswpout, k->vm1.pswpin - k->vm0.pswpin,
		k->vm1.pgmajfault - k->vm0.pgmajfault, io->write.bytes / 4096,
		io->read.bytes / 4096, io->discards);
	fprintf(f,
		"  verified     %" PRIu64 " accesses, %" PRIu64
		" major faults in %.1f s, verify failures %" PRIu64 "\n",
		k->accesses, k->majflt, k->seconds, k->verify_failures);
	fprintf(f,
		"  IO pattern   writes: %" PRIu64 " of %.1f KiB on average, "
		"mean run %.1f pages%s; reads: %" PRIu64 " of %.1f KiB\n",
		io->write.ops, kib_per_op(&io->write),
		io->write_runs ? (double)io->traced_writes / 4096 /
					 (double)io->write_runs
			       : 0,
		io->trace_dropped ? " (of the last traced)" : "", io->read.ops,
		kib_per_op(&io->read));
	report_area_latency(f, DEMO_KERNEL_AREA, io);
	report_slotmap(f, &k->map);
}

static void report(const struct demo *d, FILE *f)
{
	if (d->engine_ran)
		report_engine(d, f);
	if (d->kernel_ran)
		report_kernel(d, f);
	else if (d->no_kernel[0])
		fprintf(f, "kernel: skipped: %s\n", d->no_kernel);
	if (!d->engine.on_mount)
		fprintf(f, "picture: none, slot maps are read from the mount, "
			   "which was skipped\n");
	for (int i = 0; i < 2; i++) {
		if (d->png[i][0])
			fprintf(f, "picture: %s\n", d->png[i]);
		else if (d->png_err[i][0])
			fprintf(f, "picture: %s\n", d->png_err[i]);
	}
}

static int demo_report(struct demo *d)
{
	char path[PATH_MAX + 16];
	FILE *f;

	demo_pictures(d);
	say("[5/5] report (also in %s/report.txt)\n\n", d->env.out);
	report(d, stdout);
	snprintf(path, sizeof(path), "%s/report.txt", d->env.out);
	f = fopen(path, "w");
	if (!f)
		return command_fail(CMD, -errno, "%s", path);
	report(d, f);
	if (fclose(f))
		return command_fail(CMD, -errno, "%s", path);
	return 0;
}

/* ---- set-up and undo ------------------------------------------------------ */

static int demo_outdir(struct demo *d)
{
	if (mkdir(d->o.out, 0755) && errno != EEXIST)
		return command_fail(CMD, -errno, "--out %s", d->o.out);
	if (!realpath(d->o.out, d->env.out))
		return command_fail(CMD, -errno, "--out %s", d->o.out);
	return 0;
}

static int demo_setup(struct demo *d)
{
	struct demo_env *e = &d->env;
	char dir[PATH_MAX];
	int rc;

	rc = host_workdir(d->o.dir, "swapemu-demo", dir, sizeof(dir));
	if (rc)
		return command_fail(CMD, rc, "temporary directory in %s",
				    d->o.dir);
	snprintf(e->dir, sizeof(e->dir), "%s", dir);
	snprintf(e->mnt, sizeof(e->mnt), "%s/mnt", e->dir);
	snprintf(e->back, sizeof(e->back), "%s/back", e->dir);
	if (!d->fuse)
		return demo_plain_swap(d);
	rc = demo_mount(d);
	return rc ? rc : demo_areas(d);
}

/* Undo everything, last first, and say what was undone. */
static void demo_teardown(struct demo *d)
{
	struct demo_env *e = &d->env;
	char done[256] = "";
	size_t n = 0;

#define DONE(what)                                                    \
	(n += (size_t)snprintf(done + n, sizeof(done) - n, "%s" what, \
			       n ? ", " : ""))
	if (e->child)
		DONE("child stopped");
	demo_child_kill(&e->child);
	if (e->cg[0] && !host_cgroup_remove(e->cg))
		DONE("cgroup removed");
	if (e->loop[0] && !host_swapoff(e->loop))
		DONE("swapped off and loop device detached");
	if (e->mounted && !host_umount(e->mnt))
		DONE("unmounted");
	if (e->dir[0] && !host_workdir_remove(e->dir))
		DONE("temporary directory removed");
#undef DONE
	host_undo_all(); /* whatever failed above gets a second try */
	if (n)
		say("cleanup: %s\n", done);
}

static int demo_run(struct demo *d)
{
	int rc = demo_setup(d);

	if (!rc)
		rc = demo_engine(d);
	if (!rc && d->no_kernel[0])
		say("[4/5] kernel: skipped: %s\n", d->no_kernel);
	else if (!rc)
		rc = demo_kernel(d);
	if (!rc)
		rc = demo_report(d);
	return rc;
}

static void demo_sizes(struct demo *d)
{
	d->sz.engine_mem = (d->o.quick ? 16 : 48) * MIB;
	d->sz.kernel_mem = (d->o.quick ? 32 : 128) * MIB;
}

static int cmd_demo(int argc, char **argv)
{
	struct demo *d = calloc(1, sizeof(*d));
	int rc, sig;

	if (!d)
		return command_fail(CMD, -ENOMEM, "demo");
	rc = demo_parse(argc, argv, &d->o);
	if (rc) {
		free(d);
		return rc < 0 ? 0 : rc;
	}
	demo_sizes(d);
	demo_probe(d);
	host_catch_signals();
	say("swapemu demo: the whole product, end to end (%s)\n",
	    d->o.quick ? "--quick, about 10 s" : "about 20 s");
	rc = demo_outdir(d);
	if (!rc)
		rc = demo_run(d);
	demo_teardown(d);
	sig = host_interrupted();
	if (sig)
		fprintf(stderr,
			"swapemu demo: interrupted (%s), everything "
			"set up was undone\n",
			strsignal(sig));
	demo_slotmap_free(&d->engine.map);
	demo_slotmap_free(&d->kernel.map);
	free(d);
	if (sig)
		return 128 + sig;
	return rc ? 1 : 0;
}

SWAPEMU_COMMAND("demo", "the whole product in a minute, cleaned up after",
		cmd_demo)

/* SPDX-License-Identifier: MIT */
/*
 * `swapemu run`: run a workload on the paging engine (mm/) with emulated
 * memory of a given size, swapping for real to swap files through the IO
 * engine, and report what the kernel's counters would say.
 *
 * Each --swap FILE must hold a SWAPSPACE2 header (`swapemu format`, mkswap,
 * or --create here); it is read and checked with the kernel's swapon
 * rules, its slots are mapped 1:1 onto the file (plain file, block device,
 * or an area file of a swapemu mount), and the area is swapped on in one
 * swap table with its priority, bad pages, allocator and device model.
 *
 * `swapemu trace convert` turns valgrind lackey output into a trace.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "mm/node.h"
#include "mm/run.h"
#include "mm/trace.h"
#include "mm/vcpu.h"
#include "mm/workload.h"
#include "swap/area.h"
#include "swap/header.h"
#include "swap/io/device.h"
#include "swap/table.h"

#define RUN_MAX_SWAP 16u
#define RUN_MIN_FRAMES 16u

/* One --swap argument and what was built from it. */
struct run_swap {
	char path[PATH_MAX];	       /* the swap file or device */
	int prio;		       /* SWAP_PRIO_AUTO or 0..32767 */
	char preset[32];	       /* device model preset, "" for none */
	enum swap_alloc_policy policy; /* slot allocator */
	bool has_swapoff;	       /* swapoff=N was given */
	uint64_t swapoff_at;	       /* accesses before it goes off */
};

/* Everything the command line says. */
struct run_args {
	uint64_t frames;		    /* emulated memory in pages */
	uint64_t create;		    /* --create SIZE, 0 if not given */
	unsigned int page_cluster;	    /* vm.page-cluster */
	bool vma_ra;			    /* VMA readahead, else cluster */
	bool ra_off;			    /* --readahead off */
	bool no_opt;			    /* skip Belady's OPT */
	unsigned int cpus;		    /* --cpus, 0: a thread per task */
	bool has_seed;			    /* --seed given */
	uint64_t seed;			    /* its value */
	const char *json;		    /* --json FILE or "-" */
	const char *workload;		    /* WORKLOAD argument */
	struct run_swap swap[RUN_MAX_SWAP]; /* --swap, in order */
	unsigned int nr_swap;		    /* entries used */
};

/* The objects of one run, torn down in reverse. */
struct run_ctx {
	struct node *node;  /* engine, swap areas, emulated memory */
	struct workload *w; /* the op stream */
	FILE *trace;	    /* trace or converted lackey file */
};

static const char run_help[] =
	"usage: swapemu run [--frames N | --memory SIZE]\n"
	"                   [--swap FILE[:prio=P][:preset=NAME]"
	"[:policy=cluster|scan][:swapoff=N]]...\n"
	"                   [--create SIZE] [--readahead off|cluster|vma]\n"
	"                   [--page-cluster N] [--json FILE|-] [--seed N]\n"
	"                   [--cpus N] [--no-opt] WORKLOAD\n"
	"\n"
	"Run WORKLOAD on emulated memory of --frames pages (or --memory\n"
	"bytes, default 64M), swapping to the --swap files, and print the\n"
	"counters (named as /proc/vmstat), fault latencies, the swap IO\n"
	"pattern and Belady's OPT for the same accesses.\n"
	"\n"
	"WORKLOAD is a generator, KIND:KEY=VALUE,... with KIND seq, uniform\n"
	"(or random), zipf, hotcold or phases and keys size (required),\n"
	"accesses, tasks, fork, writes, theta, hot, hotprob, phases, len,\n"
	"base, seed (docs/MM.md); or trace:FILE (docs/TRACE.md); or\n"
	"lackey:FILE (valgrind --tool=lackey --trace-mem=yes output).\n"
	"\n"
	"  --swap FILE[:...]   a formatted swap file or block device (at most\n"
	"                      16): prio= priority 0..32767, preset= device\n"
	"                      model (none, ram, nvme, ssd, hdd, faulty),\n"
	"                      policy= slot allocator, swapoff=N take it off\n"
	"                      after N accesses\n"
	"  --create SIZE       create and format --swap files that do not\n"
	"                      exist, SIZE bytes each\n"
	"  --readahead MODE    off, cluster or vma (default vma)\n"
	"  --page-cluster N    vm.page-cluster, 0..10 (default 3)\n"
	"  --json FILE|-       the result as JSON (- for stdout; the table\n"
	"                      then goes to stderr)\n"
	"  --seed N            seed of a generated workload\n"
	"  --cpus N            run the tasks on N emulated CPUs (a task\n"
	"                      waiting for a swap-in gives its CPU to the\n"
	"                      next; default: as many as the machine has);\n"
	"                      0: a thread per task\n"
	"  --no-opt            do not compute Belady's OPT and LRU\n";

/* ---- arguments ------------------------------------------------------------ */

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* One ":KEY=VALUE" of a --swap argument. */
static int swap_opt_apply(struct run_swap *s, const char *key, const char *val)
{
	uint64_t v;

	if (!strcmp(key, "prio")) {
		if (parse_uint(val, SWAP_PRIO_MAX, &v))
			return -EINVAL;
		s->prio = (int)v;
		return 0;
	}
	if (!strcmp(key, "preset")) {
		for (const char *const *p = swap_dev_presets; *p; p++) {
			if (!strcmp(*p, val)) {
				snprintf(s->preset, sizeof(s->preset), "%s",
					 val);
				return 0;
			}
		}
		return -EINVAL;
	}
	if (!strcmp(key, "policy"))
		return swap_alloc_policy_parse(val, &s->policy);
	if (!strcmp(key, "swapoff")) {
		s->has_swapoff = true;
		return command_parse_size(val, &s->swapoff_at);
	}
	return -EINVAL;
}

/* Parse "FILE[:KEY=VALUE]..." into a new entry of @a. */
static int parse_swap(struct run_args *a, const char *arg)
{
	struct run_swap *s;
	char buf[PATH_MAX + 256], *save = NULL, *word;

	if (a->nr_swap == RUN_MAX_SWAP)
		return command_fail("run", -E2BIG, "too many --swap files");
	s = &a->swap[a->nr_swap];
	s->prio = SWAP_PRIO_AUTO;
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return command_fail("run", -ENAMETOOLONG, "--swap %s", arg);
	word = strtok_r(buf, ":", &save);
	if (!word)
		return command_fail("run", -EINVAL, "--swap needs a file");
	snprintf(s->path, sizeof(s->path), "%s", word);
	while ((word = strtok_r(NULL, ":", &save))) {
		char *eq = strchr(word, '=');

		if (eq)
			*eq = '\0';
		if (!eq || swap_opt_apply(s, word, eq + 1))
			return command_fail("run", -EINVAL,
					    "--swap %s: bad option '%s%s%s'",
					    s->path, word, eq ? "=" : "",
					    eq ? eq + 1 : "");
	}
	a->nr_swap++;
	return 0;
}

static int parse_readahead(struct run_args *a, const char *mode)
{
	a->ra_off = !strcmp(mode, "off");
	if (!strcmp(mode, "vma"))
		a->vma_ra = true;
	else if (!strcmp(mode, "cluster") || a->ra_off)
		a->vma_ra = false;
	else
		return command_fail("run", -EINVAL,
				    "--readahead must be off, cluster or vma, "
				    "not '%s'",
				    mode);
	return 0;
}

/* One option; returns 0, 1 (an error was printed) or 2 (usage). */
static int parse_opt(struct run_args *a, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case 'f':
		if (parse_uint(arg, UINT32_MAX, &a->frames) ||
		    a->frames < RUN_MIN_FRAMES)
			return command_fail("run", -EINVAL,
					    "--frames must be %u..%u, not '%s'",
					    RUN_MIN_FRAMES, UINT32_MAX, arg);
		return 0;
	case 'm':
		if (command_parse_size(arg, &v) ||
		    v / PAGE_SIZE < RUN_MIN_FRAMES)
			return command_fail("run", -EINVAL,
					    "--memory must be a size of at "
					    "least 64K, not '%s'",
					    arg);
		a->frames = v / PAGE_SIZE;
		return 0;
	case 's':
		return parse_swap(a, arg);
	case 'c':
		if (command_parse_size(arg, &a->create) ||
		    a->create < 16 * SWAP_PAGE_SIZE)
			return command_fail("run", -EINVAL,
					    "--create needs a size of at least "
					    "64K, not '%s'",
					    arg);
		return 0;
	case 'r':
		return parse_readahead(a, arg);
	case 'p':
		if (parse_uint(arg, 10, &v))
			return command_fail("run", -EINVAL,
					    "--page-cluster must be 0..10, not "
					    "'%s'",
					    arg);
		a->page_cluster = (unsigned int)v;
		return 0;
	case 'j':
		a->json = arg;
		return 0;
	case 'S':
		a->has_seed = true;
		if (parse_uint(arg, UINT64_MAX, &a->seed))
			return command_fail("run", -EINVAL, "bad --seed '%s'",
					    arg);
		return 0;
	case 'n':
		a->no_opt = true;
		return 0;
	case 'C':
		if (parse_uint(arg, VCPU_MAX, &v))
			return command_fail("run", -EINVAL,
					    "--cpus must be 0..%u, not '%s'",
					    VCPU_MAX, arg);
		a->cpus = (unsigned int)v;
		return 0;
	default:
		return 2;
	}
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{"frames", required_argument, NULL, 'f'},
		{"memory", required_argument, NULL, 'm'},
		{"swap", required_argument, NULL, 's'},
		{"create", required_argument, NULL, 'c'},
		{"readahead", required_argument, NULL, 'r'},
		{"page-cluster", required_argument, NULL, 'p'},
		{"json", required_argument, NULL, 'j'},
		{"seed", required_argument, NULL, 'S'},
		{"no-opt", no_argument, NULL, 'n'},
		{"cpus", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{0}};
	int c, rc;

	a->frames = (64u << 20) / PAGE_SIZE;
	a->page_cluster = 3;
	a->cpus = vcpu_online();
	a->vma_ra = true;
	while ((c = getopt_long(argc, argv, "f:m:s:c:r:p:j:S:nC:h", opts,
				NULL)) != -1) {
		if (c == 'h') {
			fputs(run_help, stdout);
			return -1;
		}
		rc = parse_opt(a, c, optarg);
		if (rc) {
			if (rc == 2)
				fputs(run_help, stderr);
			return rc;
		}
	}
	if (optind + 1 != argc) {
		fputs(run_help, stderr);
		return 2;
	}
	a->workload = argv[optind];
	return 0;
}

/* ---- swap files ------------------------------------------------------------ */

/* Check the header of @s as swapon would; prints why not. */
static int swap_check(const struct run_swap *s)
{
	struct swap_header_info info;
	enum swap_header_fault fault;
	int rc = node_swap_read_header(s->path, &info, &fault);

	if (rc == -ENOTBLK)
		return command_fail("run", 0,
				    "--swap %s: neither a regular file nor a "
				    "block device",
				    s->path);
	if (rc == -EINVAL)
		return command_fail(
			"run", 0,
			"--swap %s: not a usable swap area: %s (format it "
			"with 'swapemu format', or use --create SIZE for "
			"a new file)",
			s->path, swap_header_fault_str(fault));
	return rc ? command_fail("run", rc, "--swap %s", s->path) : 0;
}

/* ---- the workload ------------------------------------------------------------ */

/* Convert lackey output @path into a temporary trace file in @x. */
static int open_lackey(struct run_ctx *x, const char *path)
{
	struct lackey_options lo = {.instructions = false, .task = 0};
	char err[TRACE_ERROR_LEN] = "";
	FILE *in = fopen(path, "r");
	int64_t n;

	if (!in)
		return command_fail("run", -errno, "lackey:%s", path);
	x->trace = tmpfile();
	if (!x->trace) {
		fclose(in);
		return command_fail("run", -errno, "temporary trace file");
	}
	n = trace_from_lackey(in, x->trace, &lo, err);
	fclose(in);
	if (n < 0)
		return command_fail("run", n == -EINVAL ? 0 : (int)n,
				    "lackey:%s: %s", path,
				    err[0] ? err : "conversion failed");
	rewind(x->trace);
	return 0;
}

static int open_workload(struct run_ctx *x, const struct run_args *a)
{
	struct workload_config cfg;
	char err[256];
	int rc;

	if (!strncmp(a->workload, "trace:", 6)) {
		x->trace = fopen(a->workload + 6, "r");
		if (!x->trace)
			return command_fail("run", -errno, "%s", a->workload);
	} else if (!strncmp(a->workload, "lackey:", 7)) {
		if (open_lackey(x, a->workload + 7))
			return 1;
	} else {
		if (workload_config_parse(a->workload, &cfg, err, sizeof(err)))
			return command_fail("run", 0, "%s", err);
		if (a->has_seed)
			cfg.seed = a->seed;
		rc = workload_create(&cfg, &x->w);
		return rc ? command_fail("run", rc, "%s", a->workload) : 0;
	}
	rc = workload_create_trace(x->trace, &x->w);
	return rc ? command_fail("run", rc, "%s", a->workload) : 0;
}

/* ---- the run ------------------------------------------------------------------- */

static int build_all(struct run_ctx *x, struct run_args *a)
{
	struct node_swap_config sc[RUN_MAX_SWAP];
	struct node_config cfg = {
		.nr_frames = a->frames,
		.page_cluster = a->ra_off ? 0 : a->page_cluster,
		.vma_ra = a->vma_ra,
		.swap = sc,
		.nr_swap = a->nr_swap,
		.nr_rings = vcpu_engine_rings(a->cpus),
	};
	char err[PATH_MAX + 256];
	int rc;

	for (unsigned int i = 0; i < a->nr_swap; i++) {
		struct run_swap *s = &a->swap[i];

		if (a->create && (rc = node_swap_format(s->path, a->create)))
			return command_fail("run", rc, "--create %s", s->path);
		if (swap_check(s))
			return 1;
		sc[i] = (struct node_swap_config){.path = s->path,
						  .prio = s->prio,
						  .preset = s->preset,
						  .policy = s->policy};
	}
	rc = node_create(&cfg, &x->node, err, sizeof(err));
	return rc ? command_fail("run", 0, "%s", err) : 0;
}

static void teardown(struct run_ctx *x)
{
	node_destroy(x->node);
	workload_destroy(x->w);
	if (x->trace)
		fclose(x->trace);
}

static void print_swaps(struct node *n, const struct run_args *a, FILE *f)
{
	for (unsigned int i = 0; i < a->nr_swap; i++) {
		const struct run_swap *s = &a->swap[i];
		const struct swap_header_info *info = node_swap_header(n, i);
		char prio[16] = "auto";

		if (s->prio != SWAP_PRIO_AUTO)
			snprintf(prio, sizeof(prio), "%d", s->prio);
		fprintf(f,
			"swap %s: type %u, prio %s, %" PRIu64
			" slots (%u bad, %" PRIu64 " free at the end), %s, "
			"preset %s\n",
			s->path, node_swap_type(n, i), prio,
			swap_header_usable_pages(info), info->nr_badpages,
			swap_area_nr_free(node_swap_area(n, i)),
			swap_alloc_policy_name(s->policy),
			s->preset[0] ? s->preset : "none");
	}
}

static int write_json(const char *path, const struct run_result *res)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;

	if (!f)
		return command_fail("run", -errno, "--json %s", path);
	run_result_json(res, f);
	if (f != stdout && fclose(f))
		return command_fail("run", -errno, "--json %s", path);
	return 0;
}

/* Run and report; the exit status. */
static int run_and_report(struct run_ctx *x, struct run_args *a)
{
	struct run_swapoff plan[RUN_MAX_SWAPOFF];
	struct run_options opt;
	struct run_result *res = calloc(1, sizeof(*res));
	FILE *table = a->json && !strcmp(a->json, "-") ? stderr : stdout;
	int rc, status = 0;

	if (!res)
		return command_fail("run", -ENOMEM, "result");
	run_options_init(&opt);
	opt.belady = !a->no_opt;
	opt.cpus = a->cpus;
	opt.engine = node_engine(x->node);
	opt.swapoff = plan;
	for (unsigned int i = 0; i < a->nr_swap; i++) {
		if (!a->swap[i].has_swapoff)
			continue;
		if (opt.nr_swapoff == RUN_MAX_SWAPOFF) {
			free(res);
			return command_fail(
				"run", -E2BIG,
				"at most %u swapoff=", RUN_MAX_SWAPOFF);
		}
		plan[opt.nr_swapoff++] =
			(struct run_swapoff){.type = node_swap_type(x->node, i),
					     .at = a->swap[i].swapoff_at};
	}
	rc = run_workload(node_pgdat(x->node), x->w, &opt, res);
	print_swaps(x->node, a, table);
	run_result_print(res, table);
	if (a->json)
		status = write_json(a->json, res);
	if (rc)
		status = command_fail("run", 0, "%s", res->error_msg);
	if (res->swapoff_error)
		status = command_fail("run", res->swapoff_error,
				      "swapoff in the middle of the run");
	if (res->vmstat[SWAP_CSUM_FAIL])
		status = command_fail("run", 0,
				      "%" PRIu64 " swap-ins did not verify",
				      res->vmstat[SWAP_CSUM_FAIL]);
	free(res);
	return status;
}

static int cmd_run(int argc, char **argv)
{
	struct run_args *a = calloc(1, sizeof(*a));
	struct run_ctx x = {0};
	int rc;

	if (!a)
		return command_fail("run", -ENOMEM, "arguments");
	rc = parse_args(argc, argv, a);
	if (rc) {
		free(a);
		return rc < 0 ? 0 : rc;
	}
	rc = open_workload(&x, a);
	if (!rc)
		rc = build_all(&x, a);
	if (!rc)
		rc = run_and_report(&x, a);
	teardown(&x);
	free(a);
	return rc;
}

SWAPEMU_COMMAND("run", "run a workload on the paging engine with real swap",
		cmd_run)

/* ---- trace convert ---------------------------------------------------------------- */

static const char trace_help[] =
	"usage: swapemu trace convert [--instructions] [--task N] "
	"LACKEY_FILE\n"
	"\n"
	"Convert valgrind --tool=lackey --trace-mem=yes output into a\n"
	"swapemu trace (docs/TRACE.md) on stdout.\n";

static int cmd_trace(int argc, char **argv)
{
	struct lackey_options lo = {0};
	char err[TRACE_ERROR_LEN] = "";
	uint64_t task;
	int64_t n;
	FILE *in;
	int i = 2;

	if (argc >= 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(trace_help, stdout);
		return 0;
	}
	if (argc < 3 || strcmp(argv[1], "convert")) {
		fputs(trace_help, stderr);
		return 2;
	}
	for (; i < argc - 1; i++) {
		if (!strcmp(argv[i], "--instructions"))
			lo.instructions = true;
		else if (!strcmp(argv[i], "--task") && i + 1 < argc - 1 &&
			 !parse_uint(argv[i + 1], 65535, &task))
			lo.task = (unsigned int)task, i++;
		else
			return command_fail("trace", -EINVAL, "'%s'", argv[i]);
	}
	in = strcmp(argv[argc - 1], "-") ? fopen(argv[argc - 1], "r") : stdin;
	if (!in)
		return command_fail("trace", -errno, "%s", argv[argc - 1]);
	n = trace_from_lackey(in, stdout, &lo, err);
	if (in != stdin)
		fclose(in);
	if (n < 0)
		return command_fail("trace", n == -EINVAL ? 0 : (int)n,
				    "%s: %s", argv[argc - 1],
				    err[0] ? err : "conversion failed");
	return fflush(stdout) ? command_fail("trace", -errno, "stdout") : 0;
}

SWAPEMU_COMMAND("trace", "convert valgrind lackey output to a trace", cmd_trace)

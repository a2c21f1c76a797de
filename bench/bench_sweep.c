/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench sweep`: the paging engine over policies and devices, each
 * case a fresh node with one swap area on a real backing file through the
 * IO engine.
 *
 *  1. Sweep: allocator (cluster, scan) x device preset (nvme, ssd, hdd) x
 *     workload (seq, random, zipf, fork, and a trace of GNU sort), with
 *     runtime, major faults, swap IO volume, write run length and latency
 *     percentiles.  The hdd cases run 1/hdd_div of the accesses of the
 *     generated workloads (a random 4 KiB read costs it milliseconds), so
 *     compare them per access.
 *  2. Readahead: off, cluster and VMA-based on seq, zipf and the trace,
 *     with swap_ra and swap_ra_hit.
 *  3. Miss-ratio curves: misses per access of the engine against exact LRU
 *     and Belady's OPT on the same stream across memory sizes.
 *
 * Plots (with --out): the slot map of the area over time and the swap IO
 * offsets over time for both allocators, IO latency CDFs per preset, and
 * the miss-ratio curves.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/progress.h"
#include "bench/report.h"
#include "bench/sweep_i.h"
#include "mm/page.h"

#define NR_PRESETS 3
#define NR_POLICIES 2
#define NR_WORKLOADS 5
#define NR_SWEEP (NR_PRESETS * NR_POLICIES * NR_WORKLOADS)
#define NR_RA_WL 3
#define NR_RA (NR_RA_WL * 3)
#define NR_MRC 2

static const char *const presets[NR_PRESETS] = {"nvme", "ssd", "hdd"};
static const enum swap_alloc_policy policies[NR_POLICIES] = {SWAP_ALLOC_CLUSTER,
							     SWAP_ALLOC_SCAN};
static const char *const workloads[NR_WORKLOADS] = {"seq", "random", "zipf",
						    "fork", "trace"};
static const char *const ra_names[] = {"off", "cluster", "vma"};
static const char *const ra_workloads[NR_RA_WL] = {"seq", "zipf", "trace"};

/* Sizes of one sweep (full or --quick). */
struct sweep_sizes {
	uint64_t frames;	 /* memory of the generated workloads */
	uint64_t region;	 /* pages of their region: 2x memory */
	uint64_t accesses;	 /* accesses after the fill */
	uint64_t trace_frames;	 /* memory of the trace cases */
	unsigned int hdd_div;	 /* hdd runs accesses / hdd_div */
	double sample_ms;	 /* heat map and trace sampling period */
	uint64_t mrc_region;	 /* pages of the zipf miss-ratio stream */
	uint64_t mrc_accesses;	 /* its accesses */
	unsigned int mrc_points; /* memory sizes per curve */
};

static const struct sweep_sizes full_sizes = {.frames = 2048,
					      .region = 4096,
					      .accesses = 40000,
					      .trace_frames = 48,
					      .hdd_div = 16,
					      .sample_ms = 20,
					      .mrc_region = 4096,
					      .mrc_accesses = 100000,
					      .mrc_points = 9};
static const struct sweep_sizes quick_sizes = {.frames = 512,
					       .region = 1024,
					       .accesses = 6000,
					       .trace_frames = 64,
					       .hdd_div = 24,
					       .sample_ms = 5,
					       .mrc_region = 1024,
					       .mrc_accesses = 20000,
					       .mrc_points = 5};

struct sweep_opts {
	struct bench_common c; /* --quick, --json, --out, ... */
	const char *dir;       /* where swap files go */
	const char *trace;     /* --trace FILE, or NULL */
	bool no_valgrind;      /* use the shipped trace */
};

/* Everything a sweep measured, for the table, the JSON and the plots. */
struct sweep {
	const struct sweep_opts *o;
	const struct sweep_sizes *sz;
	char tmpdir[4096];	  /* swap files and the trace */
	char trace[4200];	  /* the prepared trace */
	const char *trace_source; /* valgrind, shipped, file */
	struct sweep_case cases[NR_SWEEP];
	struct sweep_result res[NR_SWEEP];
	struct sweep_case ra_cases[NR_RA];
	struct sweep_result ra_res[NR_RA];
	struct sweep_mrc mrc[NR_MRC];
	unsigned int done, total; /* progress */
};

/* ---- cases --------------------------------------------------------------- */

/* Case @c for workload @wl on preset @preset with @div of the accesses. */
static void make_case(struct sweep *s, struct sweep_case *c, const char *wl,
		      unsigned int div)
{
	const struct sweep_sizes *sz = s->sz;
	struct workload_config *w = &c->wl;

	workload_config_init(w);
	c->workload = wl;
	c->frames = sz->frames / div;
	c->slots = 4 * sz->region + 1024; /* copies of the fork children */
	c->belady = true;
	c->sample_ms = sz->sample_ms;
	w->size = sz->region / div * PAGE_SIZE;
	w->nr_accesses = sz->accesses / div;
	if (!strcmp(wl, "seq")) {
		w->kind = WL_SEQUENTIAL;
	} else if (!strcmp(wl, "random")) {
		w->kind = WL_UNIFORM;
	} else if (!strcmp(wl, "zipf")) {
		/* Most accesses go to a few pages: a larger region puts
		 * memory under pressure. */
		w->kind = WL_ZIPF;
		w->size *= 4;
	} else if (!strcmp(wl, "fork")) {
		/* The parent fills half the region, four children share
		 * it and copy what they write. */
		w->kind = WL_UNIFORM;
		w->size /= 2;
		w->nr_tasks = 5;
		w->fork = true;
	} else {
		c->trace = s->trace;
		c->frames = sz->trace_frames;
	}
}

static void make_cases(struct sweep *s)
{
	unsigned int i = 0;

	for (int p = 0; p < NR_PRESETS; p++)
		for (int a = 0; a < NR_POLICIES; a++)
			for (int w = 0; w < NR_WORKLOADS; w++, i++) {
				struct sweep_case *c = &s->cases[i];
				bool hdd = !strcmp(presets[p], "hdd");

				make_case(s, c, workloads[w],
					  hdd ? s->sz->hdd_div : 1);
				c->preset = presets[p];
				c->policy = policies[a];
				c->ra = SWEEP_RA_VMA;
				c->sample = !strcmp(presets[p], "nvme");
			}
	for (int w = 0, k = 0; w < NR_RA_WL; w++)
		for (int m = 0; m < 3; m++, k++) {
			struct sweep_case *c = &s->ra_cases[k];

			make_case(s, c, ra_workloads[w], 1);
			c->preset = "nvme";
			c->policy = SWAP_ALLOC_CLUSTER;
			c->ra = (enum sweep_ra)m;
		}
}

static int run_one(struct sweep *s, const struct sweep_case *c,
		   struct sweep_result *r)
{
	char label[128], err[512] = "";
	int rc;

	snprintf(label, sizeof(label), "%s %s %s ra=%s %" PRIu64 " frames",
		 c->workload, swap_alloc_policy_name(c->policy), c->preset,
		 ra_names[c->ra], c->frames);
	progress_step(s->done, label);
	rc = sweep_run_case(c, s->tmpdir, r, err, sizeof(err));
	s->done++;
	if (rc)
		bench_fail("bench sweep", 0, "%s: %s", label, err);
	return rc;
}

/* One miss-ratio curve: @base at memory sizes from 1/8 of @pages up. */
static int run_mrc(struct sweep *s, struct sweep_case *base, uint64_t pages,
		   struct sweep_mrc *m)
{
	static const double share[] = {0.125, 0.25,  0.375, 0.5, 0.625,
				       0.75,  0.875, 1.0,   1.25};
	unsigned int step = s->sz->mrc_points < 9 ? 2 : 1;
	struct sweep_result r;
	int rc = 0;

	m->workload = base->workload;
	m->pages = pages;
	for (unsigned int i = 0; i < 9 && !rc; i += step) {
		struct sweep_case c = *base;

		c.frames = (uint64_t)(share[i] * (double)pages);
		c.frames = c.frames < 16 ? 16 : c.frames;
		rc = run_one(s, &c, &r);
		if (rc)
			break;
		m->frames[m->n] = c.frames;
		m->accesses[m->n] = r.run.nr_accesses;
		m->engine[m->n] = r.engine_misses;
		m->lru[m->n] = r.run.lru_faults;
		m->opt[m->n] = r.run.opt_faults;
		m->n++;
		sweep_result_free(&r);
	}
	return rc;
}

static int run_mrcs(struct sweep *s)
{
	struct sweep_case c = {0};
	struct sweep_sizes sz = *s->sz;
	const struct sweep_sizes *keep = s->sz;
	int rc;

	/* The zipf stream at its own size; then the trace, whose pages
	 * the sweep's trace cases counted. */
	sz.region = sz.mrc_region;
	sz.accesses = sz.mrc_accesses;
	s->sz = &sz;
	make_case(s, &c, "zipf", 1);
	s->sz = keep;
	/* Only writes: a page first read maps the shared zero page and
	 * needs no frame, which OPT and LRU do not know of. */
	c.wl.write_ratio = 1.0;
	c.preset = "none";
	c.ra = SWEEP_RA_OFF;
	rc = run_mrc(s, &c, c.wl.size / PAGE_SIZE, &s->mrc[0]);
	if (rc)
		return rc;
	make_case(s, &c, "trace", 1);
	c.preset = "none";
	c.ra = SWEEP_RA_OFF;
	return run_mrc(s, &c, s->res[NR_WORKLOADS - 1].run.nr_pages,
		       &s->mrc[1]);
}

static int run_all(struct sweep *s)
{
	int rc = 0;

	s->total = NR_SWEEP + NR_RA + NR_MRC * (s->sz->mrc_points < 9 ? 5 : 9);
	progress_begin("bench sweep", s->total);
	for (unsigned int i = 0; i < NR_SWEEP && !rc; i++)
		rc = run_one(s, &s->cases[i], &s->res[i]);
	for (unsigned int i = 0; i < NR_RA && !rc; i++)
		rc = run_one(s, &s->ra_cases[i], &s->ra_res[i]);
	if (!rc)
		rc = run_mrcs(s);
	progress_end();
	return rc;
}

/* ---- output -------------------------------------------------------------- */

static double mib(uint64_t pages)
{
	return (double)pages * PAGE_SIZE / (1 << 20);
}

static double write_run(const struct run_result *r)
{
	/* A first run that starts at slot 1 is not counted as a break. */
	return r->io.ops[1]
		       ? (double)r->io.ops[1] /
				 (double)(r->io.runs[1] ? r->io.runs[1] : 1)
		       : 0;
}

static double ra_hit_rate(const struct run_result *r)
{
	return r->vmstat[SWAP_RA] ? (double)r->vmstat[SWAP_RA_HIT] /
					    (double)r->vmstat[SWAP_RA]
				  : 0;
}

static void print_table(const struct sweep *s, FILE *f)
{
	fprintf(f, "%-6s %-7s %-4s %6s %7s %8s %8s %7s %7s %5s %9s %9s %9s\n",
		"work", "policy", "dev", "frames", "access", "seconds",
		"us/acc", "majflt", "MiB io", "wrun", "majf p50", "majf p99",
		"read p99");
	for (unsigned int i = 0; i < NR_SWEEP; i++) {
		const struct sweep_case *c = &s->cases[i];
		const struct run_result *r = &s->res[i].run;

		fprintf(f,
			"%-6s %-7s %-4s %6" PRIu64 " %7" PRIu64
			" %8.3f %8.1f %7" PRIu64 " %7.1f %5.1f %7.0fus "
			"%7.0fus %7.0fus\n",
			c->workload, swap_alloc_policy_name(c->policy),
			c->preset, c->frames, r->nr_accesses, r->seconds,
			s->res[i].us_per_access, r->vmstat[PGMAJFAULT],
			mib(r->vmstat[PSWPIN] + r->vmstat[PSWPOUT]),
			write_run(r), r->majfault_ns.p50 / 1e3,
			r->majfault_ns.p99 / 1e3,
			s->res[i].io_lat[0].p99 / 1e3);
	}
	fprintf(f,
		"\nreadahead (nvme, cluster): %-6s %-8s %8s %7s %7s %7s "
		"%6s\n",
		"work", "mode", "seconds", "majflt", "swap_ra", "ra_hit",
		"hit%");
	for (unsigned int i = 0; i < NR_RA; i++) {
		const struct run_result *r = &s->ra_res[i].run;

		fprintf(f,
			"%27s %-6s %-8s %8.3f %7" PRIu64 " %7" PRIu64
			" %7" PRIu64 " %5.1f%%\n",
			"", s->ra_cases[i].workload,
			ra_names[s->ra_cases[i].ra], r->seconds,
			r->vmstat[PGMAJFAULT], r->vmstat[SWAP_RA],
			r->vmstat[SWAP_RA_HIT], 100 * ra_hit_rate(r));
	}
	for (int m = 0; m < NR_MRC; m++) {
		const struct sweep_mrc *c = &s->mrc[m];

		fprintf(f,
			"\nmiss ratio, %s (%" PRIu64 " pages): frames engine "
			"LRU OPT\n",
			c->workload, c->pages);
		for (size_t p = 0; p < c->n; p++)
			fprintf(f, "  %6" PRIu64 "  %.4f  %.4f  %.4f\n",
				c->frames[p],
				(double)c->engine[p] / c->accesses[p],
				(double)c->lru[p] / c->accesses[p],
				(double)c->opt[p] / c->accesses[p]);
	}
}

static void json_run(FILE *f, const struct sweep_case *c,
		     const struct sweep_result *res)
{
	const struct run_result *r = &res->run;

	fprintf(f,
		"{\"workload\":\"%s\",\"policy\":\"%s\",\"preset\":\"%s\","
		"\"readahead\":\"%s\",\"frames\":%" PRIu64
		",\"accesses\":%" PRIu64 ",\"tasks\":%u,\"seconds\":%.6f,"
		"\"us_per_access\":%.3f,\"pgfault\":%" PRIu64
		",\"pgmajfault\":%" PRIu64 ",\"pswpin\":%" PRIu64
		",\"pswpout\":%" PRIu64 ",\"swap_in_bytes\":%" PRIu64
		",\"swap_out_bytes\":%" PRIu64
		",\"mean_write_run\":%.3f,\"mean_read_run\":%.3f,"
		"\"swap_ra\":%" PRIu64 ",\"swap_ra_hit\":%" PRIu64
		",\"ra_hit_rate\":%.4f,",
		c->workload, swap_alloc_policy_name(c->policy), c->preset,
		ra_names[c->ra], r->nr_frames, r->nr_accesses, r->nr_tasks,
		r->seconds, res->us_per_access, r->vmstat[PGFAULT],
		r->vmstat[PGMAJFAULT], r->vmstat[PSWPIN], r->vmstat[PSWPOUT],
		r->vmstat[PSWPIN] * PAGE_SIZE, r->vmstat[PSWPOUT] * PAGE_SIZE,
		write_run(r),
		r->io.runs[0] ? (double)r->io.ops[0] / r->io.runs[0] : 0,
		r->vmstat[SWAP_RA], r->vmstat[SWAP_RA_HIT], ra_hit_rate(r));
	fprintf(f,
		"\"majfault_ns\":{\"p50\":%" PRIu64 ",\"p90\":%" PRIu64
		",\"p99\":%" PRIu64 "},\"io_read_ns\":{\"count\":%" PRIu64
		",\"p50\":%" PRIu64 ",\"p99\":%" PRIu64
		"},\"io_write_ns\":{\"count\":%" PRIu64 ",\"p50\":%" PRIu64
		",\"p99\":%" PRIu64 "},\"pages\":%" PRIu64
		",\"misses\":{\"engine\":%" PRIu64 ",\"lru\":%" PRIu64
		",\"opt\":%" PRIu64 "}}",
		r->majfault_ns.p50, r->majfault_ns.p90, r->majfault_ns.p99,
		res->io_lat[0].count, res->io_lat[0].p50, res->io_lat[0].p99,
		res->io_lat[1].count, res->io_lat[1].p50, res->io_lat[1].p99,
		r->nr_pages, res->engine_misses, r->lru_faults, r->opt_faults);
}

static void json_mrc(FILE *f, const struct sweep_mrc *m)
{
	fprintf(f, "{\"workload\":\"%s\",\"pages\":%" PRIu64 ",\"points\":[",
		m->workload, m->pages);
	for (size_t p = 0; p < m->n; p++)
		fprintf(f,
			"%s{\"frames\":%" PRIu64 ",\"accesses\":%" PRIu64
			",\"engine\":%.6f,\"lru\":%.6f,\"opt\":%.6f,"
			"\"engine_misses\":%" PRIu64 ",\"lru_misses\":%" PRIu64
			",\"opt_misses\":%" PRIu64 "}",
			p ? "," : "", m->frames[p], m->accesses[p],
			(double)m->engine[p] / m->accesses[p],
			(double)m->lru[p] / m->accesses[p],
			(double)m->opt[p] / m->accesses[p], m->engine[p],
			m->lru[p], m->opt[p]);
	fputs("]}", f);
}

static void sweep_json(FILE *f, const void *ctx)
{
	const struct sweep *s = ctx;

	fprintf(f,
		"\"sizes\":{\"frames\":%" PRIu64 ",\"region_pages\":%" PRIu64
		",\"accesses\":%" PRIu64 ",\"trace_frames\":%" PRIu64
		",\"hdd_div\":%u},\"trace\":{\"program\":\"sort\","
		"\"source\":\"%s\"},\"runs\":[",
		s->sz->frames, s->sz->region, s->sz->accesses,
		s->sz->trace_frames, s->sz->hdd_div, s->trace_source);
	for (unsigned int i = 0; i < NR_SWEEP; i++) {
		fputs(i ? "," : "", f);
		json_run(f, &s->cases[i], &s->res[i]);
	}
	fputs("],\"readahead\":[", f);
	for (unsigned int i = 0; i < NR_RA; i++) {
		fputs(i ? "," : "", f);
		json_run(f, &s->ra_cases[i], &s->ra_res[i]);
	}
	fputs("],\"mrc\":[", f);
	for (int m = 0; m < NR_MRC; m++) {
		fputs(m ? "," : "", f);
		json_mrc(f, &s->mrc[m]);
	}
	fputs("]", f);
}

static void sweep_md(FILE *f, const void *ctx)
{
	const struct sweep *s = ctx;

	fprintf(f,
		"Each case is a fresh node with one swap area on a real file "
		"through the IO engine; hdd cases of generated workloads run "
		"1/%u of the accesses.  Trace: GNU sort (%s).\n\n```\n",
		s->sz->hdd_div, s->trace_source);
	print_table(s, f);
	fputs("```\n", f);
}

/* ---- plots --------------------------------------------------------------- */

/* The sweep result of @workload, @policy, @preset. */
static const struct sweep_result *find(const struct sweep *s,
				       const char *workload,
				       enum swap_alloc_policy policy,
				       const char *preset)
{
	for (unsigned int i = 0; i < NR_SWEEP; i++)
		if (!strcmp(s->cases[i].workload, workload) &&
		    s->cases[i].policy == policy &&
		    !strcmp(s->cases[i].preset, preset))
			return &s->res[i];
	return NULL;
}

static int plot_one(struct bench_report *rep, const char *file,
		    const char *caption, int rc_plot)
{
	if (rc_plot) {
		bench_fail("bench sweep", rc_plot, "plot %s", file);
		return rc_plot;
	}
	bench_report_plot(rep, file, caption);
	return 0;
}

static int plot_policy(const struct sweep *s, struct bench_report *rep,
		       enum swap_alloc_policy p)
{
	const char *name = swap_alloc_policy_name(p);
	const struct sweep_result *r = find(s, "fork", p, "nvme");
	char file[64], title[128], path[4200];
	int rc;

	snprintf(file, sizeof(file), "heat_%s.png", name);
	snprintf(title, sizeof(title),
		 "Slot map over time: fork workload, %s allocator, nvme", name);
	rc = plot_one(rep, file, title,
		      sweep_plot_heat(
			      bench_report_path(rep, file, path, sizeof(path)),
			      title, &r->heat));
	if (rc)
		return rc;
	snprintf(file, sizeof(file), "io_%s.png", name);
	snprintf(title, sizeof(title),
		 "Swap IO offsets over time: fork workload, %s allocator, "
		 "nvme",
		 name);
	return plot_one(
		rep, file, title,
		sweep_plot_io(bench_report_path(rep, file, path, sizeof(path)),
			      title, &r->io));
}

static int plot_all(const struct sweep *s, struct bench_report *rep)
{
	const struct sweep_result *r[NR_PRESETS];
	char path[4200];
	int rc = 0;

	for (int p = 0; p < NR_POLICIES && !rc; p++)
		rc = plot_policy(s, rep, policies[p]);
	for (int i = 0; i < NR_PRESETS; i++)
		r[i] = find(s, "random", SWAP_ALLOC_CLUSTER, presets[i]);
	if (!rc)
		rc = plot_one(
			rep, "latency_cdf.png",
			"IO latency per device preset (random, cluster)",
			sweep_plot_cdf(bench_report_path(rep, "latency_cdf.png",
							 path, sizeof(path)),
				       "Swap IO latency per device preset: "
				       "random workload, cluster allocator",
				       presets, r, NR_PRESETS));
	if (!rc)
		rc = plot_one(
			rep, "mrc.png", "Miss ratio: engine, LRU, OPT",
			sweep_plot_mrc(bench_report_path(rep, "mrc.png", path,
							 sizeof(path)),
				       s->mrc, NR_MRC));
	return rc;
}

/* ---- main ---------------------------------------------------------------- */

static const char usage[] =
	"usage: swapemu bench sweep " BENCH_COMMON_USAGE "\n"
	"                           [--dir DIR] [--trace FILE] "
	"[--no-valgrind]\n"
	"\n"
	"Policies x device presets x workloads on the paging engine, "
	"readahead\n"
	"variants and miss-ratio curves against LRU and Belady's OPT.\n"
	"  --dir DIR       where the swap files go (default /var/tmp)\n"
	"  --trace FILE    a swapemu trace instead of the sort trace\n"
	"  --no-valgrind   the shipped sort trace even if valgrind is "
	"installed\n";

static int parse_opts(int argc, char **argv, struct sweep_opts *o)
{
	static const struct option longopts[] = {
		BENCH_COMMON_OPTIONS,
		{"dir", required_argument, NULL, 'd'},
		{"trace", required_argument, NULL, 't'},
		{"no-valgrind", no_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'd')
			o->dir = optarg;
		else if (c == 't')
			o->trace = optarg;
		else if (c == 'n')
			o->no_valgrind = true;
		else if (!bench_common_opt(&o->c, c, optarg))
			return -EINVAL;
	}
	return optind == argc ? 0 : -EINVAL;
}

static int sweep_prepare(struct sweep *s)
{
	char err[512] = "";
	int rc;

	snprintf(s->tmpdir, sizeof(s->tmpdir), "%s/swapemu-sweep.XXXXXX",
		 s->o->dir);
	if (!mkdtemp(s->tmpdir))
		return bench_fail("bench sweep", -errno, "--dir %s", s->o->dir);
	/* Tracing sort takes seconds: a quick run uses the shipped copy. */
	rc = sweep_trace_prepare(
		s->o->trace, !s->o->no_valgrind && !s->o->c.quick, s->tmpdir,
		s->trace, sizeof(s->trace), &s->trace_source, err, sizeof(err));
	if (rc)
		return bench_fail("bench sweep", 0, "trace: %s", err);
	make_cases(s);
	return 0;
}

static void sweep_free(struct sweep *s)
{
	for (unsigned int i = 0; i < NR_SWEEP; i++)
		sweep_result_free(&s->res[i]);
	for (unsigned int i = 0; i < NR_RA; i++)
		sweep_result_free(&s->ra_res[i]);
	if (s->trace[0])
		unlink(s->trace);
	if (s->tmpdir[0])
		rmdir(s->tmpdir);
	free(s);
}

static int sweep_main(struct sweep *s, struct bench_report *rep)
{
	int rc = sweep_prepare(s);

	if (!rc)
		rc = run_all(s) ? 1 : 0;
	if (rc)
		return 1;
	print_table(s, s->o->c.json && !strcmp(s->o->c.json, "-") ? stderr
								  : stdout);
	if (s->o->c.out && plot_all(s, rep))
		return 1;
	return bench_report_finish(rep, sweep_json, sweep_md, s) ? 1 : 0;
}

int bench_sweep_main(int argc, char **argv)
{
	struct sweep_opts o = {.dir = "/var/tmp"};
	struct sweep *s = calloc(1, sizeof(*s));
	struct bench_report *rep;
	int rc;

	if (!s || parse_opts(argc, argv, &o) || o.c.help) {
		free(s);
		fputs(usage, o.c.help ? stdout : stderr);
		return o.c.help ? 0 : 2;
	}
	s->o = &o;
	s->sz = o.c.quick ? &quick_sizes : &full_sizes;
	rc = bench_report_begin("sweep", &o.c, argc, argv, &rep);
	if (rc) {
		sweep_free(s);
		return bench_fail("bench sweep", rc, "--out %s",
				  o.c.out ? o.c.out : "");
	}
	rc = sweep_main(s, rep);
	bench_report_destroy(rep);
	sweep_free(s);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench alloc`: the cluster allocator against scan_swap_map on the
 * same work, in one run.
 *
 * For each policy and occupancy an area is filled to the occupancy, in two
 * ways (fresh: allocated up to it; aged: filled up, then random frees down
 * to it), and then churned (free a random used slot, allocate one) so that
 * its free slots are scattered as on a swap device in use for a while.
 * Then:
 *  - speed: batches of 64 order-0 allocations followed by the 64 frees,
 *    timed per batch; reported per alloc+free pair as median, mean and p99
 *    over the batches.  Between batches, more churn moves the state on.
 *  - locality: in each batch, the mean length of runs of adjacent slots
 *    among the 64 allocations (64 = perfectly sequential writes).
 *  - metadata: bytes of map and allocator state per slot.
 *
 * With --out DIR the report goes to a directory: alloc.json (the schema
 * of --json, docs/BENCH_JSON.md), alloc.md (the tables in Markdown) and
 * alloc-latency.png / alloc-latency.svg (the CDF of the per-pair time of
 * every batch, one curve per case).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/bench.h"
#include "bench/report.h"
#include "bench/plot.h"
#include "bench/progress.h"
#include "swap/area.h"

#define BATCH 64u
#define NR_CASES 8u /* 2 fills x 2 occupancies x 2 policies */

struct alloc_opts {
	uint64_t slots;	       /* area size in slots */
	unsigned int batches;  /* timed batches per case */
	uint64_t churn;	       /* churn pairs before measuring, per slot */
	uint64_t seed;	       /* random seed */
	struct bench_common c; /* --quick, --json, --out, --quiet, ... */
};

struct alloc_result {
	enum swap_alloc_policy policy;
	bool aged;	       /* aged fill (else fresh), see fill() */
	double occupancy;      /* fraction of slots in use while measuring */
	double pair_median_ns; /* per alloc+free pair, median over batches */
	double pair_mean_ns;   /* per pair, total time / pairs */
	double pair_p99_ns;    /* per pair, 99th percentile over batches */
	double mean_run;       /* mean run of adjacent slots in a batch */
	double meta_per_slot;  /* metadata bytes per slot */
	double *pair_ns;       /* per-pair time of each batch, sorted; owned */
	unsigned int nr_pairs; /* entries in pair_ns (= batches) */
};

/* The used slots, to free one at random in O(1). */
struct used_set {
	uint32_t *slot; /* in-use offsets, unordered */
	uint64_t nr;	/* entries in slot[] */
	uint64_t rng;	/* xorshift state */
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int churn(struct swap_area *a, struct used_set *u, uint64_t pairs)
{
	for (uint64_t i = 0; i < pairs; i++) {
		uint64_t k = rng_next(&u->rng) % u->nr, off;

		if (swap_area_free(a, u->slot[k]))
			return -EIO;
		if (swap_area_alloc(a, 0, 1, &off))
			return -ENOSPC;
		u->slot[k] = (uint32_t)off;
	}
	return 0;
}

/*
 * Bring the area to @target used slots.  Fresh: allocate up to it, so the
 * top of the area is still untouched.  Aged: fill the area completely, then
 * free random slots down to it, so every cluster has scattered holes.
 */
static int fill(struct swap_area *a, struct used_set *u, uint64_t target,
		bool aged)
{
	uint64_t off;

	while (u->nr < target) {
		if (swap_area_alloc(a, 0, 1, &off))
			return -ENOSPC;
		u->slot[u->nr++] = (uint32_t)off;
	}
	if (aged) {
		while (!swap_area_alloc(a, 0, 1, &off))
			u->slot[u->nr++] = (uint32_t)off;
		while (u->nr > target) {
			uint64_t k = rng_next(&u->rng) % u->nr;

			if (swap_area_free(a, u->slot[k]))
				return -EIO;
			u->slot[k] = u->slot[--u->nr];
		}
	}
	return 0;
}

/* One timed batch: returns ns for BATCH pairs; adds its runs to *runs. */
static int timed_batch(struct swap_area *a, uint64_t *ns, unsigned int *runs)
{
	uint64_t off[BATCH], t0;
	int rc = 0;

	t0 = bench_now_ns();
	for (unsigned int i = 0; i < BATCH; i++)
		rc |= swap_area_alloc(a, 0, 1, &off[i]);
	for (unsigned int i = 0; i < BATCH; i++)
		rc |= swap_area_free(a, off[i]);
	*ns = bench_now_ns() - t0;
	*runs = 1;
	for (unsigned int i = 1; i < BATCH; i++)
		*runs += off[i] != off[i - 1] + 1;
	return rc ? -EIO : 0;
}

/* "aged scan 90%": a case's name in legends and progress. */
static void case_name(const struct alloc_result *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s %.0f%%", r->aged ? "aged" : "fresh",
		 swap_alloc_policy_name(r->policy), r->occupancy * 100);
}

/*
 * The timed batches of one case; on success r->pair_ns holds the per-pair
 * time of every batch (sorted).  Progress steps count from @step0 and
 * show @label.
 */
static int measure(struct swap_area *a, struct used_set *u,
		   const struct alloc_opts *o, struct alloc_result *r,
		   uint64_t step0, const char *label)
{
	double *per_pair = calloc(o->batches, sizeof(double));
	uint64_t total = 0, ns;
	unsigned int runs, total_runs = 0;
	int rc = per_pair ? 0 : -ENOMEM;

	for (unsigned int b = 0; b < o->batches && !rc; b++) {
		rc = timed_batch(a, &ns, &runs);
		if (!rc)
			rc = churn(a, u, BATCH);
		per_pair[b] = (double)ns / BATCH;
		total += ns;
		total_runs += runs;
		progress_step(step0 + b + 1, label);
	}
	if (!rc) {
		r->pair_mean_ns = (double)total / ((double)o->batches * BATCH);
		r->mean_run = (double)o->batches * BATCH / total_runs;
		r->pair_median_ns = bench_median(per_pair, o->batches);
		r->pair_p99_ns = per_pair[(o->batches * 99) / 100];
		r->pair_ns = per_pair;
		r->nr_pairs = o->batches;
	} else {
		free(per_pair);
	}
	return rc;
}

/* Progress steps per case: filling and churning, then each batch. */
static uint64_t case_steps(const struct alloc_opts *o)
{
	return 1 + (uint64_t)o->batches;
}

/*
 * Run case number @idx, whose policy, fill and occupancy are set in @r;
 * fills in the rest of @r.
 */
static int run_case(const struct alloc_opts *o, unsigned int idx,
		    struct alloc_result *r)
{
	struct swap_area_config cfg = {.nr_pages = o->slots,
				       .policy = r->policy};
	struct used_set u = {.rng = o->seed};
	uint64_t step0 = idx * case_steps(o);
	struct swap_area *a;
	char name[40], label[64];
	int rc;

	case_name(r, name, sizeof(name));
	snprintf(label, sizeof(label), "case %u/%u %s", idx + 1, NR_CASES,
		 name);
	progress_step(step0, label);
	rc = swap_area_create(&cfg, &a);
	if (rc)
		return rc;
	u.slot = malloc(o->slots * sizeof(*u.slot));
	rc = u.slot ? 0 : -ENOMEM;
	if (!rc)
		rc = fill(a, &u,
			  (uint64_t)((double)(o->slots - 1) * r->occupancy),
			  r->aged);
	if (!rc)
		rc = churn(a, &u, o->churn);
	r->meta_per_slot = (double)swap_area_metadata_bytes(a) / o->slots;
	if (!rc)
		rc = measure(a, &u, o, r, step0 + 1, label);
	free(u.slot);
	swap_area_destroy(a);
	return rc;
}

static void print_table(const struct alloc_result *r, unsigned int n)
{
	printf("%-6s %-8s %5s %12s %12s %12s %10s %9s\n", "fill", "policy",
	       "occ", "median ns", "mean ns", "p99 ns", "run len", "B/slot");
	for (unsigned int i = 0; i < n; i++)
		printf("%-6s %-8s %4.0f%% %12.1f %12.1f %12.1f %10.2f %9.3f\n",
		       r[i].aged ? "aged" : "fresh",
		       swap_alloc_policy_name(r[i].policy),
		       r[i].occupancy * 100, r[i].pair_median_ns,
		       r[i].pair_mean_ns, r[i].pair_p99_ns, r[i].mean_run,
		       r[i].meta_per_slot);
}

/* Results are laid out [fill][occupancy][policy], cluster first. */
static void print_ratios(FILE *f, const struct alloc_result *r,
			 unsigned int nocc, bool json)
{
	for (unsigned int i = 0; i < nocc; i++) {
		const struct alloc_result *c = &r[2 * i], *s = &r[2 * i + 1];

		if (json)
			fprintf(f,
				"%s\n    {\"fill\": \"%s\", "
				"\"occupancy\": %.2f, "
				"\"scan_over_cluster_mean\": %.2f, "
				"\"scan_over_cluster_median\": %.2f}",
				i ? "," : "", c->aged ? "aged" : "fresh",
				c->occupancy, s->pair_mean_ns / c->pair_mean_ns,
				s->pair_median_ns / c->pair_median_ns);
		else
			printf("%s, %.0f%%: cluster is %.1fx faster than scan "
			       "(mean), %.1fx (median)\n",
			       c->aged ? "aged" : "fresh", c->occupancy * 100,
			       s->pair_mean_ns / c->pair_mean_ns,
			       s->pair_median_ns / c->pair_median_ns);
	}
}

/* What the report callbacks see. */
struct alloc_report {
	const struct alloc_opts *o;   /* the options */
	const struct alloc_result *r; /* NR_CASES results */
};

/* The results members of the JSON report (docs/BENCH_JSON.md). */
static void alloc_json(FILE *f, const void *ctx)
{
	const struct alloc_report *ar = ctx;
	const struct alloc_result *r = ar->r;

	fprintf(f,
		"\n  \"slots\": %llu,\n"
		"  \"batch\": %u,\n  \"batches\": %u,\n  \"results\": [",
		(unsigned long long)ar->o->slots, BATCH, ar->o->batches);
	for (unsigned int i = 0; i < NR_CASES; i++)
		fprintf(f,
			"%s\n    {\"fill\": \"%s\", "
			"\"policy\": \"%s\", \"occupancy\": %.2f, "
			"\"pair_ns_median\": %.2f, \"pair_ns_mean\": %.2f, "
			"\"pair_ns_p99\": %.2f, \"mean_run_length\": %.3f, "
			"\"metadata_bytes_per_slot\": %.4f}",
			i ? "," : "", r[i].aged ? "aged" : "fresh",
			swap_alloc_policy_name(r[i].policy), r[i].occupancy,
			r[i].pair_median_ns, r[i].pair_mean_ns,
			r[i].pair_p99_ns, r[i].mean_run, r[i].meta_per_slot);
	fprintf(f, "\n  ],\n  \"ratios\": [");
	print_ratios(f, r, NR_CASES / 2, true);
	fprintf(f, "\n  ]\n");
}

/*
 * The targets of docs/BENCHMARKS.md: a cluster alloc+free pair in at most
 * 40 ns (median) on the aged area, at least 3x faster than scan_swap_map
 * there at 90%, at most 1.1 bytes of metadata per slot.
 */
static void alloc_targets(struct bench_report *rep,
			  const struct alloc_result *r)
{
	const struct alloc_result *c50 = &r[4], *c90 = &r[6], *s90 = &r[7];
	double ratio = s90->pair_median_ns / c90->pair_median_ns;

	bench_report_target(rep, "aged-50%-cluster-pair", c50->pair_median_ns,
			    "<=", 40, "ns", c50->pair_median_ns <= 40);
	bench_report_target(rep, "aged-90%-cluster-pair", c90->pair_median_ns,
			    "<=", 40, "ns", c90->pair_median_ns <= 40);
	bench_report_target(rep, "aged-90%-scan-over-cluster", ratio, ">=", 3,
			    "ratio", ratio >= 3);
	bench_report_target(rep, "cluster-metadata", c90->meta_per_slot,
			    "<=", 1.1, "bytes/slot", c90->meta_per_slot <= 1.1);
}

/* The Markdown tables: every case, then scan/cluster ratios. */
static void write_md_tables(FILE *f, const struct alloc_result *r,
			    unsigned int n)
{
	fprintf(f, "| fill | policy | occupancy | median ns | mean ns | "
		   "p99 ns | run length | bytes/slot |\n"
		   "|------|--------|----------:|----------:|--------:|"
		   "-------:|-----------:|-----------:|\n");
	for (unsigned int i = 0; i < n; i++)
		fprintf(f,
			"| %s | %s | %.0f%% | %.1f | %.1f | %.1f | %.2f | "
			"%.3f |\n",
			r[i].aged ? "aged" : "fresh",
			swap_alloc_policy_name(r[i].policy),
			r[i].occupancy * 100, r[i].pair_median_ns,
			r[i].pair_mean_ns, r[i].pair_p99_ns, r[i].mean_run,
			r[i].meta_per_slot);
	fprintf(f, "\nTime per alloc+free pair, scan over cluster "
		   "(above 1: the cluster allocator is faster):\n\n"
		   "| fill | occupancy | mean | median |\n"
		   "|------|----------:|-----:|-------:|\n");
	for (unsigned int i = 0; i + 1 < n; i += 2)
		fprintf(f, "| %s | %.0f%% | %.2fx | %.2fx |\n",
			r[i].aged ? "aged" : "fresh", r[i].occupancy * 100,
			r[i + 1].pair_mean_ns / r[i].pair_mean_ns,
			r[i + 1].pair_median_ns / r[i].pair_median_ns);
}

/* The Markdown section: the setting and both tables. */
static void alloc_md(FILE *f, const void *ctx)
{
	const struct alloc_report *ar = ctx;
	const struct alloc_opts *o = ar->o;

	fprintf(f,
		"The cluster allocator (kernel 6.x) against scan_swap_map "
		"(Linux 2.6) on the same work: %llu slots (%llu MiB "
		"area), %u timed batches of %u order-0 alloc+free pairs "
		"per case, seed %#llx.\n\n",
		(unsigned long long)o->slots,
		(unsigned long long)(o->slots * 4096 >> 20), o->batches, BATCH,
		(unsigned long long)o->seed);
	write_md_tables(f, ar->r, NR_CASES);
}

/*
 * The per-pair latency CDF to @path: one curve per case, a colour per
 * fill and occupancy, solid for cluster and dashed for scan, so that the
 * two policies on the same work sit side by side.
 */
static int plot_latency(const char *path, const struct alloc_opts *o,
			const struct alloc_result *r, unsigned int n)
{
	static const char *const colors[] = {"#0072b2", "#d55e00", "#009e73",
					     "#cc79a7"};
	struct plot_series s[NR_CASES];
	char names[NR_CASES][40], title[128];
	struct plot_opts po = {
		.title = title,
		.xlabel = "ns per alloc+free pair (mean over a batch of 64)",
		.ylabel = "fraction of batches",
		.xscale = PLOT_SCALE_AUTO,
	};

	snprintf(title, sizeof(title),
		 "swapemu bench alloc: %llu slots, "
		 "%u batches per case",
		 (unsigned long long)o->slots, o->batches);
	for (unsigned int i = 0; i < n && i < NR_CASES; i++) {
		case_name(&r[i], names[i], sizeof(names[i]));
		s[i] = (struct plot_series){
			.name = names[i],
			.y = r[i].pair_ns,
			.n = r[i].nr_pairs,
			.color = colors[i / 2 % 4],
			.dash = r[i].policy == SWAP_ALLOC_CLUSTER ? 0 : 1,
		};
	}
	return plot_cdf(path, &po, s, n < NR_CASES ? n : NR_CASES);
}

/*
 * Both plots into the report directory, linked in the summary.  Without
 * gnuplot they are left out (plot.c says so on stderr) and the result
 * is 0.  Returns 0 or -errno.
 */
static int write_plots(struct bench_report *rep, const struct alloc_opts *o,
		       const struct alloc_result *r, unsigned int n)
{
	static const char *const files[] = {"alloc-latency.png",
					    "alloc-latency.svg"};
	char path[4096];
	int rc = 0;

	for (unsigned int i = 0; i < 2 && !rc; i++) {
		if (!bench_report_path(rep, files[i], path, sizeof(path)))
			return 0;
		rc = plot_latency(path, o, r, n);
		if (rc && rc != -ENOENT)
			fprintf(stderr, "swapemu bench alloc: %s: %s\n", path,
				strerror(-rc));
	}
	if (!rc)
		bench_report_plot(rep, "alloc-latency.png",
				  "Time per pair in each batch, as a CDF "
				  "([SVG](alloc-latency.svg))");
	return rc == -ENOENT ? 0 : rc;
}

static void alloc_usage(FILE *f)
{
	fprintf(f, "usage: swapemu bench alloc [--slots N] [--batches N] "
		   "[--churn N] [--seed N]\n"
		   "       " BENCH_COMMON_USAGE "\n");
}

static int parse_opts(int argc, char **argv, struct alloc_opts *o)
{
	static const struct option longopts[] = {
		{"slots", required_argument, NULL, 's'},
		{"batches", required_argument, NULL, 'b'},
		{"churn", required_argument, NULL, 'c'},
		{"seed", required_argument, NULL, 'r'},
		BENCH_COMMON_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct alloc_opts){.slots = 1u << 22,
				 .batches = 4000,
				 .churn = 1u << 20,
				 .seed = 0x9e3779b97f4a7c15};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->slots = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			o->batches = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'c':
			o->churn = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			o->seed = strtoull(optarg, NULL, 0) | 1;
			break;
		default:
			if (!bench_common_opt(&o->c, c, optarg)) {
				alloc_usage(stderr);
				return -EINVAL;
			}
			if (c == BENCH_OPT_QUICK) {
				o->slots = 1u << 18;
				o->batches = 2000;
				o->churn = 1u << 16;
			}
		}
	}
	if (o->c.help) {
		alloc_usage(stdout);
		return 1;
	}
	if (optind != argc || o->slots < 4096 || !o->batches) {
		alloc_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Run the cases, laid out [fill][occupancy][policy], with progress. */
static int run_cases(const struct alloc_opts *o, struct alloc_result *r,
		     unsigned int n)
{
	static const double occupancy[] = {0.5, 0.9};
	int rc = 0;

	progress_begin("bench alloc", n * case_steps(o));
	for (unsigned int i = 0; i < n && !rc; i++) {
		r[i] = (struct alloc_result){
			.policy = i % 2 ? SWAP_ALLOC_SCAN : SWAP_ALLOC_CLUSTER,
			.occupancy = occupancy[(i / 2) % 2],
			.aged = i >= 4,
		};
		rc = run_case(o, i, &r[i]);
	}
	progress_end();
	return rc;
}

/* Print the results and write the report; the exit status. */
static int alloc_report(struct bench_report *rep, const struct alloc_opts *o,
			const struct alloc_result *r)
{
	struct alloc_report ar = {o, r};

	printf("alloc: %llu slots (%llu MiB area), %u batches of %u "
	       "alloc+free pairs per case\n",
	       (unsigned long long)o->slots,
	       (unsigned long long)(o->slots * 4096 >> 20), o->batches, BATCH);
	print_table(r, NR_CASES);
	print_ratios(stdout, r, 4, false);
	fflush(stdout);
	alloc_targets(rep, r);
	if (write_plots(rep, o, r, NR_CASES))
		return 1;
	if (bench_report_finish(rep, alloc_json, alloc_md, &ar))
		return 1;
	return o->c.check && !bench_report_ok(rep) ? 1 : 0;
}

int bench_alloc_main(int argc, char **argv)
{
	struct alloc_result r[NR_CASES] = {0};
	struct bench_report *rep;
	struct alloc_opts o;
	int rc = parse_opts(argc, argv, &o), status;

	if (rc)
		return rc > 0 ? 0 : 2;
	if (bench_report_begin("alloc", &o.c, argc, argv, &rep))
		return 1;
	rc = run_cases(&o, r, NR_CASES);
	if (rc) {
		fprintf(stderr, "swapemu bench alloc: %s\n", strerror(-rc));
		status = 1;
	} else {
		status = alloc_report(rep, &o, r);
	}
	bench_report_destroy(rep);
	for (unsigned int i = 0; i < NR_CASES; i++)
		free(r[i].pair_ns);
	return status;
}

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
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "swap/area.h"

#define BATCH 64u

struct alloc_opts {
	uint64_t slots;        /* area size in slots */
	unsigned int batches;  /* timed batches per case */
	uint64_t churn;        /* churn pairs before measuring, per slot */
	uint64_t seed;         /* random seed */
	const char *json;      /* JSON output path, "-" for stdout, or NULL */
};

struct alloc_result {
	enum swap_alloc_policy policy;
	bool aged;             /* aged fill (else fresh), see fill() */
	double occupancy;      /* fraction of slots in use while measuring */
	double pair_median_ns; /* per alloc+free pair, median over batches */
	double pair_mean_ns;   /* per pair, total time / pairs */
	double pair_p99_ns;    /* per pair, 99th percentile over batches */
	double mean_run;       /* mean run of adjacent slots in a batch */
	double meta_per_slot;  /* metadata bytes per slot */
};

/* The used slots, to free one at random in O(1). */
struct used_set {
	uint32_t *slot;  /* in-use offsets, unordered */
	uint64_t nr;     /* entries in slot[] */
	uint64_t rng;    /* xorshift state */
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

static int measure(struct swap_area *a, struct used_set *u,
		   const struct alloc_opts *o, struct alloc_result *r)
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
	}
	if (!rc) {
		r->pair_mean_ns = (double)total / ((double)o->batches * BATCH);
		r->mean_run = (double)o->batches * BATCH / total_runs;
		r->pair_median_ns = bench_median(per_pair, o->batches);
		r->pair_p99_ns = per_pair[(o->batches * 99) / 100];
	}
	free(per_pair);
	return rc;
}

static int run_case(const struct alloc_opts *o, enum swap_alloc_policy p,
		    double occupancy, bool aged, struct alloc_result *r)
{
	struct swap_area_config cfg = { .nr_pages = o->slots, .policy = p };
	struct used_set u = { .rng = o->seed };
	struct swap_area *a;
	int rc;

	rc = swap_area_create(&cfg, &a);
	if (rc)
		return rc;
	u.slot = malloc(o->slots * sizeof(*u.slot));
	rc = u.slot ? 0 : -ENOMEM;
	if (!rc)
		rc = fill(a, &u, (uint64_t)((double)(o->slots - 1) * occupancy),
			  aged);
	if (!rc)
		rc = churn(a, &u, o->churn);
	r->policy = p;
	r->aged = aged;
	r->occupancy = occupancy;
	r->meta_per_slot = (double)swap_area_metadata_bytes(a) / o->slots;
	if (!rc)
		rc = measure(a, &u, o, r);
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
			fprintf(f, "%s\n    {\"fill\": \"%s\", "
				"\"occupancy\": %.2f, "
				"\"scan_over_cluster_mean\": %.2f, "
				"\"scan_over_cluster_median\": %.2f}",
				i ? "," : "", c->aged ? "aged" : "fresh",
				c->occupancy,
				s->pair_mean_ns / c->pair_mean_ns,
				s->pair_median_ns / c->pair_median_ns);
		else
			printf("%s, %.0f%%: cluster is %.1fx faster than scan "
			       "(mean), %.1fx (median)\n",
			       c->aged ? "aged" : "fresh", c->occupancy * 100,
			       s->pair_mean_ns / c->pair_mean_ns,
			       s->pair_median_ns / c->pair_median_ns);
	}
}

static int write_json(const struct alloc_opts *o,
		      const struct alloc_result *r, unsigned int n)
{
	FILE *f = strcmp(o->json, "-") ? fopen(o->json, "w") : stdout;

	if (!f)
		return -errno;
	fprintf(f, "{\n  \"suite\": \"alloc\",\n  \"slots\": %llu,\n"
		"  \"batch\": %u,\n  \"batches\": %u,\n  \"results\": [",
		(unsigned long long)o->slots, BATCH, o->batches);
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "%s\n    {\"fill\": \"%s\", "
			"\"policy\": \"%s\", \"occupancy\": %.2f, "
			"\"pair_ns_median\": %.2f, \"pair_ns_mean\": %.2f, "
			"\"pair_ns_p99\": %.2f, \"mean_run_length\": %.3f, "
			"\"metadata_bytes_per_slot\": %.4f}",
			i ? "," : "", r[i].aged ? "aged" : "fresh",
			swap_alloc_policy_name(r[i].policy), r[i].occupancy, r[i].pair_median_ns, r[i].pair_mean_ns,
			r[i].pair_p99_ns, r[i].mean_run, r[i].meta_per_slot);
	fprintf(f, "\n  ],\n  \"ratios\": [");
	print_ratios(f, r, n / 2, true);
	fprintf(f, "\n  ]\n}\n");
	if (f != stdout)
		fclose(f);
	return 0;
}

static void alloc_usage(FILE *f)
{
	fprintf(f, "usage: swapemu bench alloc [--slots N] [--batches N] "
		   "[--churn N] [--seed N] [--quick] [--json FILE|-]\n");
}

static int parse_opts(int argc, char **argv, struct alloc_opts *o)
{
	static const struct option longopts[] = {
		{ "slots", required_argument, NULL, 's' },
		{ "batches", required_argument, NULL, 'b' },
		{ "churn", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 'r' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct alloc_opts){ .slots = 1u << 22, .batches = 4000,
				  .churn = 1u << 20, .seed = 0x9e3779b97f4a7c15 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->slots = strtoull(optarg, NULL, 0); break;
		case 'b': o->batches = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'c': o->churn = strtoull(optarg, NULL, 0); break;
		case 'r': o->seed = strtoull(optarg, NULL, 0) | 1; break;
		case 'q': o->slots = 1u << 18; o->batches = 2000;
			  o->churn = 1u << 16; break;
		case 'j': o->json = optarg; break;
		case 'h': alloc_usage(stdout); return 1;
		default: alloc_usage(stderr); return -EINVAL;
		}
	}
	if (optind != argc || o->slots < 4096 || !o->batches) {
		alloc_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int bench_alloc_main(int argc, char **argv)
{
	static const double occupancy[] = { 0.5, 0.9 };
	struct alloc_result r[8];
	struct alloc_opts o;
	int rc = parse_opts(argc, argv, &o);

	if (rc)
		return rc > 0 ? 0 : 2;
	for (unsigned int i = 0; i < 8 && !rc; i++)
		rc = run_case(&o, i % 2 ? SWAP_ALLOC_SCAN : SWAP_ALLOC_CLUSTER,
			      occupancy[(i / 2) % 2], i >= 4, &r[i]);
	if (rc) {
		fprintf(stderr, "swapemu bench alloc: %s\n", strerror(-rc));
		return 1;
	}
	printf("alloc: %llu slots (%llu MiB area), %u batches of %u "
	       "alloc+free pairs per case\n",
	       (unsigned long long)o.slots,
	       (unsigned long long)(o.slots * 4096 >> 20), o.batches, BATCH);
	print_table(r, 8);
	print_ratios(stdout, r, 4, false);
	if (o.json && (rc = write_json(&o, r, 8))) {
		fprintf(stderr, "swapemu bench alloc: %s: %s\n", o.json,
			strerror(-rc));
		return 1;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * `swapemu load WORKLOAD`: run a generated workload in this process, on
 * real memory, so the kernel's own reclaim and swap handle it.  It is the
 * kernel side of `swapemu bench fidelity`: the same spec and seed give the
 * same mmap and access stream as `swapemu run` feeds the paging engine
 * (mm/workload.h), here executed with mmap and plain loads and stores.
 *
 * One task only (tasks=1; fork=1 then means "write every page first").
 * Every write stores a tag naming the page and the write, and every access
 * to a page checks the tag of its last write: data that came back from
 * swap wrong is counted (and makes the exit status 1).
 *
 * Output: one line of JSON with the accesses, the process's own minor and
 * major faults (getrusage) and the verification failures.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/command.h"
#include "mm/workload.h"

#define LOAD_PAGE 4096u

/* The last write to one page: where, and which. */
struct load_rec {
	uint32_t off; /* byte offset of the tag in the page */
	uint32_t seq; /* write number, 0: never written */
};

/* One mapping of the workload (a generator maps one region). */
struct load_state {
	uint8_t *base;	       /* the region, at the spec's address */
	uint64_t addr;	       /* its workload address */
	uint64_t len;	       /* bytes */
	struct load_rec *recs; /* one per page */
	uint32_t seq;	       /* writes so far */
	uint64_t accesses;     /* done */
	uint64_t writes;       /* done */
	uint64_t bad;	       /* tags that did not match */
	uint64_t sink;	       /* folds read data so reads happen */
};

static uint64_t load_tag(uint64_t page, uint32_t seq)
{
	return page << 32 ^ seq ^ UINT64_C(0x5a5a000000000000);
}

static int load_mmap(struct load_state *s, const struct workload_op *op)
{
	void *p;

	if (s->base)
		return -EEXIST; /* one region per generated task */
	p = mmap((void *)(uintptr_t)op->addr, op->len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	s->recs = calloc(op->len / LOAD_PAGE, sizeof(*s->recs));
	if (!s->recs) {
		munmap(p, op->len);
		return -ENOMEM;
	}
	s->base = p;
	s->addr = op->addr;
	s->len = op->len;
	return 0;
}

/* One 8-byte access: check the page's last tag, then read or write. */
static int load_access(struct load_state *s, const struct workload_op *op)
{
	uint64_t off = op->addr - s->addr, page = off / LOAD_PAGE;
	struct load_rec *r;
	uint64_t *p;

	if (!s->base || op->addr < s->addr || off + 8 > s->len || op->len != 8)
		return -EFAULT;
	r = &s->recs[page];
	if (r->seq) {
		uint64_t *t = (uint64_t *)(s->base + page * LOAD_PAGE + r->off);

		s->bad += *t != load_tag(page, r->seq);
	}
	p = (uint64_t *)(s->base + (off & ~UINT64_C(7)));
	if (op->write) {
		r->seq = ++s->seq;
		r->off = (uint32_t)((uintptr_t)p - (uintptr_t)s->base -
				    page * LOAD_PAGE);
		*p = load_tag(page, r->seq);
		s->writes++;
	} else {
		s->sink += *(volatile uint64_t *)p;
	}
	s->accesses++;
	return 0;
}

static int load_exec(struct load_state *s, const struct workload_op *op)
{
	switch (op->type) {
	case WL_MMAP:
		return load_mmap(s, op);
	case WL_ACCESS:
		return load_access(s, op);
	case WL_EXIT:
		return 0;
	default:
		return -EINVAL; /* munmap/fork: not in one-task generators */
	}
}

static double load_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmd_load(int argc, char **argv)
{
	struct load_state s = {0};
	struct workload_config cfg;
	struct workload_op op;
	struct workload *w;
	struct rusage ru0, ru1;
	char err[256];
	double t0;
	int rc;

	if (argc != 2 || argv[1][0] == '-') {
		bool help = argc == 2 && !strcmp(argv[1], "--help");

		fputs("usage: swapemu load WORKLOAD\n\nRun a one-task "
		      "generated workload (see swapemu run --help) on this\n"
		      "process's own memory; print its faults as JSON.\n",
		      help ? stdout : stderr);
		return help ? 0 : 2;
	}
	if (workload_config_parse(argv[1], &cfg, err, sizeof(err)))
		return command_fail("load", 0, "%s", err);
	if (cfg.nr_tasks != 1 || cfg.access_len != 8)
		return command_fail("load", 0,
				    "%s: load runs one task "
				    "(tasks=1) with 8-byte accesses",
				    argv[1]);
	rc = workload_create(&cfg, &w);
	if (rc)
		return command_fail("load", rc, "%s", argv[1]);
	getrusage(RUSAGE_SELF, &ru0);
	t0 = load_now();
	while (!rc && workload_next(w, &op) == 1)
		rc = load_exec(&s, &op);
	getrusage(RUSAGE_SELF, &ru1);
	printf("{\"accesses\":%" PRIu64 ",\"writes\":%" PRIu64
	       ",\"seconds\":%.3f,\"minflt\":%ld,\"majflt\":%ld"
	       ",\"verify_failures\":%" PRIu64 "}\n",
	       s.accesses, s.writes, load_now() - t0,
	       ru1.ru_minflt - ru0.ru_minflt, ru1.ru_majflt - ru0.ru_majflt,
	       s.bad);
	fflush(stdout);
	workload_destroy(w);
	if (s.base)
		munmap(s.base, s.len);
	free(s.recs);
	if (rc)
		return command_fail("load", rc, "%s", argv[1]);
	if (s.bad)
		return command_fail("load", 0,
				    "%" PRIu64 " accesses found "
				    "other data than last written",
				    s.bad);
	return 0;
}

SWAPEMU_COMMAND("load",
		"run a workload on real memory (kernel side of "
		"bench fidelity)",
		cmd_load)

/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench SUITE [options]`: run one benchmark suite.
 */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "cli/command.h"

static void bench_usage(FILE *f)
{
	fprintf(f, "usage: swapemu bench <suite> [options]\n\nsuites:\n");
	for (const struct bench_suite *s = bench_suites; s->name; s++)
		fprintf(f, "  %-10s %s\n", s->name, s->summary);
}

static int cmd_bench(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		bench_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (const struct bench_suite *s = bench_suites; s->name; s++)
		if (!strcmp(argv[1], s->name))
			return s->run(argc - 1, argv + 1);
	fprintf(stderr, "swapemu bench: unknown suite '%s'\n", argv[1]);
	bench_usage(stderr);
	return 2;
}

SWAPEMU_COMMAND("bench", "measure allocators, IO paths and policies", cmd_bench)

/* SPDX-License-Identifier: MIT */
/*
 * swapemu: a swap device emulator.  One binary, one subcommand per job.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "swap/size.h"

#define MAX_COMMANDS 32

static const struct swapemu_command *commands[MAX_COMMANDS];
static unsigned int nr_commands;

void command_register(const struct swapemu_command *cmd)
{
	if (nr_commands == MAX_COMMANDS) {
		fprintf(stderr, "swapemu: too many subcommands\n");
		abort();
	}
	commands[nr_commands++] = cmd;
}

int command_fail(const char *cmd, int rc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "swapemu %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (rc < 0)
		fprintf(stderr, ": %s", strerror(-rc));
	fputc('\n', stderr);
	return 1;
}

int command_parse_size(const char *s, uint64_t *out)
{
	return swap_size_parse(s, out) ? -EINVAL : 0;
}

static int cmp_commands(const void *a, const void *b)
{
	const struct swapemu_command *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: swapemu <command> [options]\n\ncommands:\n");
	for (unsigned int i = 0; i < nr_commands; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(f, "\nRun 'swapemu <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	qsort(commands, nr_commands, sizeof(commands[0]), cmp_commands);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (unsigned int i = 0; i < nr_commands; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->run(argc - 1, argv + 1);
	fprintf(stderr, "swapemu: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}

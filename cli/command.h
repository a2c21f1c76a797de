/* SPDX-License-Identifier: MIT */
/*
 * Subcommands of the swapemu binary.  Each cli/cmd_*.c file defines one and
 * registers it with SWAPEMU_COMMAND, so adding a subcommand touches no
 * shared table.
 */
#ifndef SWAPEMU_CLI_COMMAND_H
#define SWAPEMU_CLI_COMMAND_H

#include <stdint.h>

struct swapemu_command {
	const char *name;    /* argv[1] */
	const char *summary; /* one line for `swapemu help` */
	/* argv[0] is the subcommand name; returns the exit status. */
	int (*run)(int argc, char **argv);
};

void command_register(const struct swapemu_command *cmd);

#define SWAPEMU_COMMAND(cname, csummary, fn)                                  \
	static const struct swapemu_command command_##fn = {                  \
		.name = (cname), .summary = (csummary), .run = (fn)           \
	};                                                                     \
	__attribute__((constructor)) static void command_register_##fn(void)  \
	{                                                                      \
		command_register(&command_##fn);                              \
	}

/* Print "swapemu <cmd>: <message>: <strerror(-rc)>" to stderr; returns 1. */
int command_fail(const char *cmd, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse a size with an optional K/M/G/T suffix (powers of 1024).
 * Returns 0 or -EINVAL. */
int command_parse_size(const char *s, uint64_t *out);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * `swapemu swapon [-p PRIO] [--discard] [--direct-io] FILE` and
 * `swapemu swapoff FILE`: put an area file of a swapemu mount (or any swap
 * file) on a loop device and swap on it, and undo that.
 *
 * Setting up runs the real losetup and swapon (fs/host.c) rather than
 * issuing LOOP_CONFIGURE and swapon(2): util-linux already handles the
 * details that matter here (waiting for the loop device node, direct-io
 * negotiation, the discard flag variants) and its messages are the ones a
 * user knows.  Undoing is swapoff(2) and LOOP_CLR_FD.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/major.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/command.h"
#include "fs/host.h"

/* The priority stored in the mount's control tree for FILE, or -1. */
static int swapon_area_prio(const char *file)
{
	char a[PATH_MAX], b[PATH_MAX], path[PATH_MAX * 2 + 32];
	int prio = -1;
	FILE *f;

	snprintf(a, sizeof(a), "%s", file);
	snprintf(b, sizeof(b), "%s", file);
	snprintf(path, sizeof(path), "%s/.swapemu/%s/priority", dirname(a),
		 basename(b));
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &prio) != 1)
		prio = -1;
	fclose(f);
	return prio;
}

static const char swapon_help[] =
	"usage: swapemu swapon [-p PRIO] [--discard] [--direct-io] FILE\n"
	"\n"
	"Attach FILE to a free loop device, swap on it and print the loop\n"
	"device.  Without -p, the priority set in the mount's\n"
	".swapemu/<area>/priority is used when it is not -1.\n"
	"\n"
	"options:\n"
	"  -p, --priority PRIO  swap priority, 0..32767\n"
	"  -d, --discard        swapon --discard (freed slots are punched)\n"
	"  -D, --direct-io      losetup --direct-io=on\n"
	"  -h, --help           show this help\n";

static const struct option swapon_opts[] = {
	{"priority", required_argument, NULL, 'p'},
	{"discard", no_argument, NULL, 'd'},
	{"direct-io", no_argument, NULL, 'D'},
	{"help", no_argument, NULL, 'h'},
	{0}};

/* Parse a priority 0..32767 into *prio. */
static int swapon_parse_prio(const char *s, int *prio)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 32767)
		return -EINVAL;
	*prio = (int)v;
	return 0;
}

static int cmd_swapon(int argc, char **argv)
{
	unsigned int flags = 0;
	int prio = -1, c, rc;
	char loop[64];

	while ((c = getopt_long(argc, argv, "p:dDh", swapon_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'p':
			if (swapon_parse_prio(optarg, &prio))
				return command_fail("swapon", -EINVAL,
						    "bad priority '%s'",
						    optarg);
			break;
		case 'd':
			flags |= HOST_SWAP_DISCARD;
			break;
		case 'D':
			flags |= HOST_SWAP_DIRECT_IO;
			break;
		case 'h':
			fputs(swapon_help, stdout);
			return 0;
		default:
			fputs(swapon_help, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(swapon_help, stderr);
		return 2;
	}
	if (prio < 0)
		prio = swapon_area_prio(argv[optind]);
	rc = host_swapon(argv[optind], prio, flags, loop, sizeof(loop));
	if (rc)
		return command_fail("swapon", rc == -EIO ? 0 : rc,
				    "swap on %s failed", argv[optind]);
	printf("%s\n", loop);
	return 0;
}

SWAPEMU_COMMAND("swapon", "swap on an area file through a loop device",
		cmd_swapon)

/* Swap off @loop and detach it. */
static int swapoff_loop(const char *loop)
{
	int rc = host_swapoff(loop);

	if (rc)
		return command_fail("swapoff", rc, "%s", loop);
	printf("%s\n", loop);
	return 0;
}

/* A loop device named directly: the way out once its mount is gone. */
static bool swapoff_is_loop(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISBLK(st.st_mode) &&
	       major(st.st_rdev) == LOOP_MAJOR;
}

static int cmd_swapoff(int argc, char **argv)
{
	char loop[512], real[PATH_MAX];
	bool help = argc == 2 && !strcmp(argv[1], "--help");
	int rc;

	if (argc != 2 || argv[1][0] == '-') {
		fputs("usage: swapemu swapoff FILE|LOOPDEV\n\n"
		      "Swap off the loop device backed by FILE (or LOOPDEV "
		      "itself, e.g.\nwhen the mount has gone away) and "
		      "detach it.\n",
		      help ? stdout : stderr);
		return help ? 0 : 2;
	}
	if (swapoff_is_loop(argv[1]))
		return swapoff_loop(argv[1]);
	if (!realpath(argv[1], real))
		return command_fail("swapoff", -errno, "%s", argv[1]);
	rc = host_loop_find(real, loop, sizeof(loop));
	if (rc)
		return command_fail("swapoff", rc, "no loop device for %s",
				    real);
	return swapoff_loop(loop);
}

SWAPEMU_COMMAND("swapoff", "swap off an area file and detach its loop device",
		cmd_swapoff)

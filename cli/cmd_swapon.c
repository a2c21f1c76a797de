/* SPDX-License-Identifier: MIT */
/*
 * `swapemu swapon [-p PRIO] [--discard] [--direct-io] FILE` and
 * `swapemu swapoff FILE`: put an area file of a swapemu mount (or any swap
 * file) on a loop device and swap on it, and undo that.
 *
 * They run the real losetup and swapon rather than issuing LOOP_CONFIGURE
 * and swapon(2) themselves: util-linux already handles the details that
 * matter here (waiting for the loop device node, direct-io negotiation,
 * the discard flag variants) and its messages are the ones a user knows.
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
#include <sys/wait.h>
#include <unistd.h>

#include "cli/command.h"

/*
 * Run @argv (searched in PATH) and wait.  With @out, its stdout is
 * captured into @out (@len bytes, NUL-terminated, trailing newline
 * removed).  Returns the exit status, or -errno if it could not run.
 */
static int swapon_run(char *const argv[], char *out, size_t len)
{
	int pfd[2] = {-1, -1}, status;
	pid_t pid;
	size_t got = 0;

	if (out && pipe(pfd) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return -errno;
	}
	if (pid == 0) {
		if (out) {
			dup2(pfd[1], STDOUT_FILENO);
			close(pfd[0]);
			close(pfd[1]);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "swapemu: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (out) {
		ssize_t n;

		close(pfd[1]);
		while (got + 1 < len &&
		       (n = read(pfd[0], out + got, len - 1 - got)) > 0)
			got += (size_t)n;
		close(pfd[0]);
		out[got] = '\0';
		while (got && out[got - 1] == '\n')
			out[--got] = '\0';
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

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
	char loop[64], prio_s[16];
	char *lo_argv[8], *sw_argv[8];
	bool discard = false, direct = false;
	int prio = -1, c, rc, n = 0;

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
			discard = true;
			break;
		case 'D':
			direct = true;
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
	lo_argv[n++] = "losetup";
	lo_argv[n++] = "--find";
	lo_argv[n++] = "--show";
	if (direct)
		lo_argv[n++] = "--direct-io=on";
	lo_argv[n++] = "--";
	lo_argv[n++] = argv[optind];
	lo_argv[n] = NULL;
	rc = swapon_run(lo_argv, loop, sizeof(loop));
	if (rc)
		return command_fail("swapon", rc < 0 ? rc : 0,
				    "losetup %s failed", argv[optind]);
	n = 0;
	sw_argv[n++] = "swapon";
	if (prio >= 0) {
		snprintf(prio_s, sizeof(prio_s), "%d", prio);
		sw_argv[n++] = "-p";
		sw_argv[n++] = prio_s;
	}
	if (discard)
		sw_argv[n++] = "--discard";
	sw_argv[n++] = "--";
	sw_argv[n++] = loop;
	sw_argv[n] = NULL;
	rc = swapon_run(sw_argv, NULL, 0);
	if (rc) {
		char *d_argv[] = {"losetup", "-d", loop, NULL};

		swapon_run(d_argv, NULL, 0);
		return command_fail("swapon", rc < 0 ? rc : 0,
				    "swapon %s (%s) failed", loop,
				    argv[optind]);
	}
	printf("%s\n", loop);
	return 0;
}

SWAPEMU_COMMAND("swapon", "swap on an area file through a loop device",
		cmd_swapon)

/* The loop device backed by @file ("" if none), from losetup -j. */
static int swapoff_find_loop(const char *file, char *loop, size_t len)
{
	char out[512];
	char *j_argv[] = {"losetup", "-j", (char *)file, "-O",
			  "NAME",    "-n", NULL};
	int rc = swapon_run(j_argv, out, sizeof(out));
	char *nl;

	if (rc)
		return rc < 0 ? rc : -ENOENT;
	nl = strchr(out, '\n');
	if (nl)
		*nl = '\0';
	snprintf(loop, len, "%s", out);
	return loop[0] ? 0 : -ENOENT;
}

/* Swap off @loop and detach it. */
static int swapoff_loop(const char *loop)
{
	char *s_argv[] = {"swapoff", "--", (char *)loop, NULL};
	char *d_argv[] = {"losetup", "-d", (char *)loop, NULL};
	int rc;

	rc = swapon_run(s_argv, NULL, 0);
	if (rc)
		return command_fail("swapoff", rc < 0 ? rc : 0,
				    "swapoff %s failed", loop);
	rc = swapon_run(d_argv, NULL, 0);
	if (rc)
		return command_fail("swapoff", rc < 0 ? rc : 0,
				    "losetup -d %s failed", loop);
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
	rc = swapoff_find_loop(real, loop, sizeof(loop));
	if (rc)
		return command_fail("swapoff", rc, "no loop device for %s",
				    real);
	return swapoff_loop(loop);
}

SWAPEMU_COMMAND("swapoff", "swap off an area file and detach its loop device",
		cmd_swapoff)

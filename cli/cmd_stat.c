/* SPDX-License-Identifier: MIT */
/*
 * `swapemu stat [--json] MOUNTPOINT`: the areas of a swapemu mount, read
 * from its control tree (.swapemu/swaps and .swapemu/<area>/stat).
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
#include "swap/json.h"

#define CMD "stat"
#define STAT_MAX_FILE (1u << 20)

/* Read a whole (small) file into a malloc'ed NUL-terminated string. */
static int stat_slurp(const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	size_t got;
	char *buf;

	if (!f)
		return -errno;
	buf = malloc(STAT_MAX_FILE);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	got = fread(buf, 1, STAT_MAX_FILE - 1, f);
	buf[got] = '\0';
	fclose(f);
	*out = buf;
	return 0;
}

/* The number after "@key" inside the object @scope (anywhere when NULL). */
static uint64_t stat_json_u64(const char *json, const char *scope,
			      const char *key)
{
	char after[64];

	if (!scope)
		return json_find_u64(json, NULL, key);
	snprintf(after, sizeof(after), "\"%s\":{", scope);
	return json_find_u64(json, after, key);
}

/* Print one area: a table row, or its stat JSON as an array element. */
static int stat_area(const char *mnt, const char *name, const char *prio,
		     const char *dev, bool json, bool first)
{
	char path[PATH_MAX];
	char *st;
	int rc;

	snprintf(path, sizeof(path), "%s/.swapemu/%s/stat", mnt, name);
	rc = stat_slurp(path, &st);
	if (rc)
		return command_fail(CMD, rc, "%s", path);
	if (json) {
		size_t n = strlen(st);

		while (n && st[n - 1] == '\n')
			st[--n] = '\0';
		printf("%s%s", first ? "" : ",", st);
	} else {
		printf("%-20s %10" PRIu64 " %10" PRIu64 " %10" PRIu64
		       " %6" PRIu64 " %8s %-8s %10" PRIu64 " %10" PRIu64
		       " %10" PRIu64 "\n",
		       name, stat_json_u64(st, NULL, "size") >> 20,
		       stat_json_u64(st, "slots", "inuse"),
		       stat_json_u64(st, "slots", "free"),
		       stat_json_u64(st, "slots", "bad"), prio, dev,
		       stat_json_u64(st, "read", "ops"),
		       stat_json_u64(st, "write", "ops"),
		       stat_json_u64(st, "discard", "ops"));
	}
	free(st);
	return 0;
}

static const char stat_help[] =
	"usage: swapemu stat [--json] MOUNTPOINT\n"
	"\n"
	"Show every swap area of a swapemu mount: size, slots in use, free\n"
	"and bad, priority, device preset and IO counts.\n"
	"\n"
	"options:\n"
	"  -j, --json   one JSON object with each area's stat\n"
	"  -h, --help   show this help\n";

static const struct option stat_opts[] = {{"json", no_argument, NULL, 'j'},
					  {"help", no_argument, NULL, 'h'},
					  {0}};

/*
 * How requests reach the daemon (.swapemu/fuse): a last line, or the
 * "fuse" member closing the areas array in JSON.  Mounts that predate the
 * file show nothing.
 */
static void stat_transport(const char *mnt, bool json)
{
	char path[PATH_MAX], transport[32] = "";
	unsigned long long fast = 0, slow = 0, rings = 0, v;
	char key[32], *text, *line, *save = NULL;

	snprintf(path, sizeof(path), "%s/.swapemu/fuse", mnt);
	if (stat_slurp(path, &text)) {
		if (json)
			printf("]");
		return;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "transport %31s", transport) == 1)
			continue;
		if (sscanf(line, "%31s %llu", key, &v) != 2)
			continue;
		if (!strcmp(key, "fast"))
			fast = v;
		else if (!strcmp(key, "slow"))
			slow = v;
		else if (!strcmp(key, "rings"))
			rings = v;
	}
	free(text);
	if (json)
		printf("],\"fuse\":{\"transport\":\"%s\",\"rings\":%llu,"
		       "\"fast\":%llu,\"slow\":%llu}",
		       transport, rings, fast, slow);
	else if (!strcmp(transport, "io_uring"))
		printf("FUSE requests over io_uring, %llu ring thread%s: %llu "
		       "served in place, %llu through a worker\n",
		       rings, rings == 1 ? "" : "s", fast, slow);
	else
		printf("FUSE requests over %s\n", transport);
}

static int cmd_stat(int argc, char **argv)
{
	char path[PATH_MAX], *swaps, *line, *save = NULL;
	bool json = false, first = true;
	int c, rc, status = 0;

	while ((c = getopt_long(argc, argv, "jh", stat_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(stat_help, stdout);
			return 0;
		default:
			fputs(stat_help, stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fputs(stat_help, stderr);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/.swapemu/swaps", argv[optind]);
	rc = stat_slurp(path, &swaps);
	if (rc)
		return command_fail(CMD, rc, "%s (not a swapemu mount?)", path);
	if (json)
		printf("{\"mount\":\"%s\",\"areas\":[", argv[optind]);
	else
		printf("%-20s %10s %10s %10s %6s %8s %-8s %10s %10s %10s\n",
		       "AREA", "SIZE_MIB", "USED", "FREE", "BAD", "PRIO",
		       "DEVICE", "READS", "WRITES", "DISCARDS");
	line = strtok_r(swaps, "\n", &save); /* header line */
	while ((line = strtok_r(NULL, "\n", &save))) {
		char name[256], type[16], prio[16], dev[64];
		unsigned long long size, used;

		if (sscanf(line, "%255s %15s %llu %llu %15s %63s", name, type,
			   &size, &used, prio, dev) != 6)
			continue;
		if (stat_area(argv[optind], name, prio, dev, json, first))
			status = 1;
		first = false;
	}
	stat_transport(argv[optind], json);
	if (json)
		printf("}\n");
	free(swaps);
	return status;
}

SWAPEMU_COMMAND("stat", "show the areas of a swapemu mount", cmd_stat)

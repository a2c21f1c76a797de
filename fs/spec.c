/* SPDX-License-Identifier: MIT */
/*
 * Areas declared on the command line of `swapemu mount`:
 * --area NAME:SIZE[:PRIO[:MODEL]].
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "swap/header.h"
#include "swap/size.h"

static int spec_parse_prio(const char *s, struct fs_spec *out)
{
	char *end;
	long p;

	if (!*s)
		return 0;
	errno = 0;
	p = strtol(s, &end, 10);
	if (errno || *end || p < -1 || p > 32767)
		return -EINVAL;
	out->prio = (int)p;
	out->has_prio = true;
	return 0;
}

/* MODEL: a bare word is a preset; commas separate key=value words. */
static int spec_parse_model(const char *s, struct fs_spec *out)
{
	int n;

	if (strchr(s, '='))
		n = snprintf(out->device, sizeof(out->device), "%s", s);
	else
		n = snprintf(out->device, sizeof(out->device), "preset=%s", s);
	if (n < 0 || (size_t)n >= sizeof(out->device))
		return -EINVAL;
	for (char *p = out->device; *p; p++)
		if (*p == ',')
			*p = ' ';
	return 0;
}

/* FILE[,FILE...]: absolute paths, at most FS_MAX_FILES, each given at
 * least one page of the area. */
static int spec_parse_files(const char *s, struct fs_spec *out)
{
	unsigned int n = 1;

	if (*s != '/' || strstr(s, ",,") || s[strlen(s) - 1] == ',')
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p != ',')
			continue;
		if (p[1] != '/')
			return -EINVAL;
		n++;
	}
	if (n > FS_MAX_FILES || out->size / SWAP_PAGE_SIZE < n ||
	    strlen(s) >= sizeof(out->backing))
		return -EINVAL;
	strcpy(out->backing, s);
	return 0;
}

int fs_spec_parse(const char *text, struct fs_spec *out)
{
	char buf[4096], *field[5] = {NULL};
	unsigned int n = 0;

	memset(out, 0, sizeof(*out));
	out->prio = -1;
	if ((size_t)snprintf(buf, sizeof(buf), "%s", text) >= sizeof(buf))
		return -EINVAL;
	field[n++] = buf;
	for (char *p = buf; *p && n < 5; p++) {
		if (*p == ':') {
			*p = '\0';
			field[n++] = p + 1;
		}
	}
	if (n < 2 || !fs_name_valid(field[0]))
		return -EINVAL;
	memcpy(out->name, field[0], strlen(field[0]) + 1); /* <= FS_NAME_MAX */
	if (swap_size_parse(field[1], &out->size) ||
	    out->size % SWAP_PAGE_SIZE ||
	    out->size < (SWAP_HEADER_MIN_GOODPAGES + 1) * SWAP_PAGE_SIZE)
		return -EINVAL;
	if (n > 2 && spec_parse_prio(field[2], out))
		return -EINVAL;
	if (n > 3 && *field[3] && spec_parse_model(field[3], out))
		return -EINVAL;
	if (n > 4 && spec_parse_files(field[4], out))
		return -EINVAL;
	return 0;
}

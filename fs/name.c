/* SPDX-License-Identifier: MIT */
/*
 * Area names.  A name becomes two files in the backing directory
 * (<name>.swap, <name>.meta), so it must not climb out of it, and it must
 * not shadow the control tree.
 */
#include <string.h>

#include "fs/fs.h"

#define FS_CTL_PREFIX ".swapemu"

bool fs_name_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len > FS_NAME_MAX)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	if (!strncmp(name, FS_CTL_PREFIX, strlen(FS_CTL_PREFIX)))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

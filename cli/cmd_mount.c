/* SPDX-License-Identifier: MIT */
/*
 * `swapemu mount [--backing DIR] [--backing-cache direct|buffered] [-f]
 * [-o OPTIONS] MOUNTPOINT`: serve swap areas as files through FUSE (fs/).
 */
#include "cli/command.h"
#include "fs/fs.h"

static int cmd_mount(int argc, char **argv)
{
	return fs_mount_main(argc, argv);
}

SWAPEMU_COMMAND("mount", "serve swap areas as files (FUSE)", cmd_mount)

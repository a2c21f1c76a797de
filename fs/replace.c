/* SPDX-License-Identifier: MIT */
/*
 * Atomic replacement of a file of the backing directory: the new content
 * goes to PATH.tmp, which is synced and renamed over PATH, and the
 * directory is synced; a crash leaves the old file or the new one, never a
 * mix.  The metadata and slot map files are written this way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"

int fs_replace_begin(struct fs_replace *r, int dirfd, const char *path)
{
	r->dirfd = dirfd;
	r->fd = -1;
	if ((size_t)snprintf(r->path, sizeof(r->path), "%s", path) >=
		    sizeof(r->path) ||
	    (size_t)snprintf(r->tmp, sizeof(r->tmp), "%s.tmp", path) >=
		    sizeof(r->tmp))
		return -ENAMETOOLONG;
	r->fd = openat(dirfd, r->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		       0600);
	return r->fd < 0 ? -errno : 0;
}

int fs_replace_write(struct fs_replace *r, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(r->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_replace_end(struct fs_replace *r, int rc)
{
	if (r->fd < 0)
		return rc ? rc : -EBADF;
	if (!rc && fsync(r->fd) < 0)
		rc = -errno;
	close(r->fd);
	r->fd = -1;
	if (rc)
		goto out_unlink;
	if (renameat(r->dirfd, r->tmp, r->dirfd, r->path) < 0) {
		rc = -errno;
		goto out_unlink;
	}
	return fsync(r->dirfd) < 0 ? -errno : 0;

out_unlink:
	unlinkat(r->dirfd, r->tmp, 0);
	return rc;
}

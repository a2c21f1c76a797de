/* SPDX-License-Identifier: MIT */
/*
 * Backing stores: open a file or block device twice, buffered and (where
 * the store allows it) O_DIRECT, and learn its size and direct IO
 * alignment.  A request whose memory is not aligned for direct IO uses the
 * buffered descriptor; the kernel keeps the two coherent by writing back
 * and dropping cached pages around each direct IO.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "swap/io/io_i.h"

#define DEFAULT_DIO_ALIGN 512u

/* A new descriptor of @path, or of @fd through /proc when @path is NULL. */
static int store_reopen(const char *path, int fd, int oflags)
{
	char proc[64];

	if (path)
		return open(path, oflags | O_CLOEXEC);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return open(proc, oflags | O_CLOEXEC);
}

/* Size, kind and direct IO alignment of the open store @s. */
static int store_probe(struct io_store *s)
{
	struct statx stx;
	uint32_t lbs = 0;

	if (statx(s->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_DIOALIGN,
		  &stx))
		return -errno;
	if (S_ISBLK(stx.stx_mode)) {
		s->blockdev = true;
		if (ioctl(s->fd, BLKGETSIZE64, &s->size) ||
		    ioctl(s->fd, BLKSSZGET, &lbs))
			return -errno;
	} else if (S_ISREG(stx.stx_mode)) {
		s->size = stx.stx_size;
	} else {
		return -EINVAL;
	}
	s->mem_align = lbs ? lbs : DEFAULT_DIO_ALIGN;
	s->off_align = lbs ? lbs : DEFAULT_DIO_ALIGN;
	if ((stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_mem_align) {
		s->mem_align = stx.stx_dio_mem_align;
		s->off_align = stx.stx_dio_offset_align;
	}
	return 0;
}

/* Open the O_DIRECT descriptor if the store takes direct IO. */
static void store_open_direct(struct io_store *s, const char *path, int fd,
			      int oflags)
{
	s->fd_direct = store_reopen(path, path ? -1 : fd, oflags | O_DIRECT);
	if (s->fd_direct < 0)
		s->fd_direct = -1; /* EINVAL: no direct IO here; buffered it is */
	if (s->off_align > SWAP_IO_BLOCK && s->fd_direct >= 0) {
		close(s->fd_direct);
		s->fd_direct = -1;
	}
}

/* A store that does no IO, named @path. */
static int store_open_null(struct io_store *s, const char *path,
			   struct io_store **out)
{
	s->null = true;
	s->fd = -1;
	s->size = UINT64_MAX;
	s->mem_align = s->off_align = 1;
	s->path = strdup(path ? path : "null");
	if (!s->path) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

int io_store_open(const char *path, int fd, unsigned int flags,
		  struct io_store **out)
{
	int oflags = (flags & SWAP_IO_STORE_READONLY) ? O_RDONLY : O_RDWR;
	struct io_store *s;
	int rc;

	if (flags & ~(SWAP_IO_STORE_BUFFERED | SWAP_IO_STORE_READONLY |
		      SWAP_IO_STORE_NULL))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd_direct = -1;
	if (flags & SWAP_IO_STORE_NULL)
		return store_open_null(s, path, out);
	s->readonly = flags & SWAP_IO_STORE_READONLY;
	s->path = strdup(path ? path : "");
	s->fd = store_reopen(path, fd, oflags);
	if (!path && s->fd < 0)
		s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	rc = !s->path ? -ENOMEM : s->fd < 0 ? -errno : 0;
	if (rc)
		goto out_close;
	rc = store_probe(s);
	if (rc)
		goto out_close;
	if (!(flags & SWAP_IO_STORE_BUFFERED))
		store_open_direct(s, path, s->fd, oflags);
	*out = s;
	return 0;
out_close:
	io_store_close(s);
	return rc;
}

void io_store_close(struct io_store *s)
{
	if (!s)
		return;
	if (s->fd_direct >= 0)
		close(s->fd_direct);
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
}

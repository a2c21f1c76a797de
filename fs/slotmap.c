/* SPDX-License-Identifier: MIT */
/*
 * The slot map file DIR/<name>.slotmap: an area's swap_map mirror saved
 * at a clean unmount.  A text line names the format, the number of slots
 * and the UUID of the swap header the map belongs to, so that a map saved
 * before a resize or an offline mkswap is refused; the map bytes follow.
 * The map is streamed in chunks both ways: an area of 2^32 slots has a
 * 4 GiB map.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"
#include "swap/area.h"
#include "swap/header.h"

#define SLOTMAP_MAGIC "swapemu-slotmap 1"
#define SLOTMAP_CHUNK 65536u
#define SLOTMAP_LINE_MAX 128u

/* The first line of a slot map file for @pages slots and @uuid. */
static int slotmap_line(uint64_t pages, const uint8_t *uuid, char *buf,
			size_t len)
{
	char u[37];

	swap_header_uuid_str(uuid, u);
	return snprintf(buf, len, SLOTMAP_MAGIC " pages=%" PRIu64 " uuid=%s\n",
			pages, u);
}

int fs_slotmap_save(int dirfd, const char *path, const struct swap_area *sa,
		    const uint8_t *uuid)
{
	static unsigned char chunk[SLOTMAP_CHUNK]; /* under fs.lock */
	uint64_t pages = swap_area_nr_pages(sa);
	char line[SLOTMAP_LINE_MAX];
	struct fs_replace r;
	int rc;

	rc = fs_replace_begin(&r, dirfd, path);
	if (!rc)
		rc = fs_replace_write(
			&r, line,
			(size_t)slotmap_line(pages, uuid, line, sizeof(line)));
	for (uint64_t off = 0; off < pages && !rc;) {
		size_t got = swap_area_map_copy(sa, off, chunk, sizeof(chunk));

		if (!got)
			rc = -EIO;
		else
			rc = fs_replace_write(&r, chunk, got);
		off += got;
	}
	return fs_replace_end(&r, rc);
}

/* Read the first line of @fd (byte by byte: the map follows it). */
static int slotmap_read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		ssize_t got = read(fd, buf + n, 1);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EINVAL;
		if (buf[n++] == '\n') {
			buf[n] = '\0';
			return 0;
		}
	}
	return -EINVAL;
}

/* Mark the in-use bytes of @chunk (slots @first on) in @sa. */
static int64_t slotmap_apply(struct swap_area *sa, uint64_t first,
			     const unsigned char *chunk, size_t n)
{
	int64_t marked = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t slot = first + i;

		if (!slot || chunk[i] == 0 || chunk[i] == SWAP_MAP_BAD)
			continue;
		if (swap_area_map(sa, slot) == 0 &&
		    !swap_area_claim(sa, slot, 1, 1))
			marked++;
	}
	return marked;
}

/* Stream the map bytes of @fd into @sa; -EINVAL if fewer than @pages. */
static int64_t slotmap_read_map(int fd, struct swap_area *sa, uint64_t pages)
{
	static unsigned char chunk[SLOTMAP_CHUNK]; /* at mount: one thread */
	int64_t marked = 0;
	uint64_t off = 0;

	while (off < pages) {
		size_t want = pages - off < sizeof(chunk) ? pages - off
							  : sizeof(chunk);
		ssize_t got = read(fd, chunk, want);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EINVAL;
		marked += slotmap_apply(sa, off, chunk, (size_t)got);
		off += (uint64_t)got;
	}
	return marked;
}

int64_t fs_slotmap_load(int dirfd, const char *path, struct swap_area *sa,
			const uint8_t *uuid)
{
	char line[SLOTMAP_LINE_MAX], want[SLOTMAP_LINE_MAX];
	uint64_t pages = swap_area_nr_pages(sa);
	int64_t rc;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = slotmap_read_line(fd, line, sizeof(line));
	if (rc)
		goto out_close;
	slotmap_line(pages, uuid, want, sizeof(want));
	if (strncmp(line, SLOTMAP_MAGIC " ", strlen(SLOTMAP_MAGIC) + 1))
		rc = -EINVAL;
	else if (strcmp(line, want))
		rc = -ESTALE;
	else
		rc = slotmap_read_map(fd, sa, pages);
out_close:
	close(fd);
	return rc;
}

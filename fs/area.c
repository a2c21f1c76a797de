/* SPDX-License-Identifier: MIT */
/*
 * Areas of the mount: a name, a sparse backing file DIR/<name>.swap, a
 * metadata file DIR/<name>.meta and, once the file has a size, the swap
 * core's objects: a swap_area (the swap_map mirror), a one-extent map and
 * the engine's area (device model, counters, trace).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs_i.h"
#include "swap/io/device.h"
#include "swap/io/trace.h"

#define FS_SWAP_SUFFIX ".swap"
#define FS_META_SUFFIX ".meta"
#define FS_SLOTMAP_SUFFIX ".slotmap"

/* DIR-relative name of an area's backing (".swap") or metadata file. */
static void area_path(const char *name, const char *suffix, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s%s", name, suffix);
}

uint64_t fs_area_size(const struct fs_area *a)
{
	return a->sa ? a->meta.size : 0;
}

void fs_area_get(struct fs_area *a)
{
	atomic_fetch_add(&a->refs, 1);
}

/* Free the swap core objects and the engine area of a sized area. */
static void area_detach(struct fs_area *a)
{
	if (a->io)
		swap_io_area_detach(a->io);
	for (unsigned int i = 0; i < FS_MAX_FILES; i++) {
		if (a->stores[i] >= 0)
			swap_io_remove_store(a->fs->engine, a->stores[i]);
		a->stores[i] = -1;
	}
	if (a->sa)
		swap_area_destroy(a->sa);
	if (a->map)
		swap_extent_map_destroy(a->map);
	a->io = NULL;
	a->sa = NULL;
	a->map = NULL;
}

/*
 * Drop a reference; the last one frees the area.  Never called from an
 * engine callback (detaching waits for the area's IO).
 */
void fs_area_put(struct fs_area *a)
{
	if (atomic_fetch_sub(&a->refs, 1) != 1)
		return;
	area_detach(a);
	for (unsigned int i = 0; i < a->nr_files; i++)
		if (a->fds[i] >= 0)
			close(a->fds[i]);
	pthread_cond_destroy(&a->rmw_cond);
	pthread_mutex_destroy(&a->rmw_lock);
	atomic_fetch_sub(&a->fs->nr_alive, 1);
	free(a);
}

/* A new, unsized, unlisted area object with one reference. */
static struct fs_area *area_alloc(struct fs *fs, const char *name,
				  const struct fs_meta *m)
{
	struct fs_area *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->fs = fs;
	atomic_init(&a->refs, 1);
	atomic_fetch_add(&fs->nr_alive, 1);
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->meta = *m;
	for (unsigned int i = 0; i < FS_MAX_FILES; i++)
		a->fds[i] = a->stores[i] = -1;
	clock_gettime(CLOCK_REALTIME, &a->mtime);
	pthread_mutex_init(&a->rmw_lock, NULL);
	pthread_cond_init(&a->rmw_cond, NULL);
	return a;
}

/* Put @a in a free table slot and give it an id.  Caller holds fs.lock. */
static int area_insert_locked(struct fs *fs, struct fs_area *a)
{
	fs_assert_locked(fs);
	for (unsigned int i = 0; i < FS_MAX_AREAS; i++) {
		if (fs->areas[i])
			continue;
		fs->areas[i] = a;
		a->id = fs->next_id++;
		return 0;
	}
	return -ENOSPC;
}

/* Take @a out of the table.  Caller holds fs.lock. */
static void area_remove_locked(struct fs *fs, struct fs_area *a)
{
	for (unsigned int i = 0; i < FS_MAX_AREAS; i++)
		if (fs->areas[i] == a)
			fs->areas[i] = NULL;
}

struct fs_area *fs_area_find_locked(struct fs *fs, const char *name)
{
	fs_assert_locked(fs);
	for (unsigned int i = 0; i < FS_MAX_AREAS; i++)
		if (fs->areas[i] && !strcmp(fs->areas[i]->name, name))
			return fs->areas[i];
	return NULL;
}

struct fs_area *fs_area_by_ino(struct fs *fs, fuse_ino_t ino,
			       enum fs_node *node)
{
	struct fs_area *a = NULL;
	uint64_t id;

	if (ino < FS_INO_AREA_BASE)
		return NULL;
	id = (ino - FS_INO_AREA_BASE) / FS_INO_PER_AREA;
	*node = (enum fs_node)((ino - FS_INO_AREA_BASE) % FS_INO_PER_AREA);
	if (*node >= FS_NODE_NR)
		return NULL;
	pthread_mutex_lock(&fs->lock);
	for (unsigned int i = 0; i < FS_MAX_AREAS; i++) {
		if (fs->areas[i] && fs->areas[i]->id == id) {
			a = fs->areas[i];
			fs_area_get(a);
			break;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	return a;
}

/* The device model as one line of words, for the metadata file. */
static void area_model_line(struct fs_area *a, char *buf, size_t len)
{
	int n;

	if (!a->io)
		return; /* not sized: meta.device holds what was set */
	n = swap_dev_format_buf(swap_io_area_dev(a->io), buf, len);
	if (n < 0 || (size_t)n >= len)
		return;
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

int fs_area_save_locked(struct fs_area *a)
{
	char path[FS_NAME_MAX + 16];

	fs_assert_locked(a->fs);

	area_model_line(a, a->meta.device, sizeof(a->meta.device));
	area_path(a->name, FS_META_SUFFIX, path, sizeof(path));
	return fs_meta_save(a->fs->dirfd, path, &a->meta);
}

void fs_area_trace_enable(struct fs_area *a, bool on)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	swap_trace_enable(swap_io_area_trace(a->io), on,
			  (uint64_t)now.tv_sec * 1000000000ull +
				  (uint64_t)now.tv_nsec);
}

/* Absolute path of backing file @i of @a. */
static void area_file_path(const struct fs_area *a, unsigned int i, char *buf,
			   size_t len)
{
	const char *p = a->meta.backing;
	size_t n;

	if (!*p) {
		snprintf(buf, len, "%s/%s%s", a->fs->backing, a->name,
			 FS_SWAP_SUFFIX);
		return;
	}
	while (i--)
		p = strchr(p, ',') + 1;
	n = strcspn(p, ",");
	snprintf(buf, len, "%.*s", (int)n, p);
}

/* Slots held by file @i of an area of @pages: an even split, the last
 * file taking the remainder. */
static uint64_t area_file_pages(const struct fs_area *a, unsigned int i,
				uint64_t pages)
{
	uint64_t part = pages / a->nr_files;

	return i + 1 == a->nr_files ? pages - part * i : part;
}

static uint64_t area_file_first(const struct fs_area *a, unsigned int i,
				uint64_t pages)
{
	return pages / a->nr_files * i;
}

int fs_area_sync(struct fs_area *a)
{
	for (unsigned int i = 0; i < a->nr_files; i++)
		if (fdatasync(a->fds[i]) < 0)
			return -errno;
	return 0;
}

/*
 * The pool's buffers are aligned to fs.align; a store opened O_DIRECT that
 * needs more (unheard of for files) cannot take them.
 */
static int area_check_align(struct fs_area *a, int store)
{
	struct swap_io_store_info info;
	int rc = swap_io_store_info(a->fs->engine, store, &info);

	if (rc)
		return rc;
	if (info.direct && info.dio_mem_align > a->fs->align) {
		fprintf(stderr,
			"swapemu mount: %s: backing store needs "
			"%u-byte aligned buffers\n",
			a->name, info.dio_mem_align);
		return -EINVAL;
	}
	return 0;
}

/*
 * Build the swap core objects for the current meta.size and attach the
 * area to the engine.  Returns 0 or -errno with nothing left attached.
 */
static int area_attach(struct fs_area *a)
{
	struct swap_area_config cfg = {0};
	uint64_t pages = a->meta.size / SWAP_PAGE_SIZE;
	unsigned int flags =
		a->meta.cache == FS_CACHE_BUFFERED ? SWAP_IO_STORE_BUFFERED : 0;
	char path[PATH_MAX], err[128];
	int rc;

	rc = swap_extent_map_create(pages, &a->map);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < a->nr_files; i++) {
		area_file_path(a, i, path, sizeof(path));
		rc = swap_io_add_store(a->fs->engine, path, flags);
		if (rc < 0)
			goto out_detach;
		a->stores[i] = rc;
		rc = area_check_align(a, a->stores[i]);
		if (rc)
			goto out_detach;
		rc = swap_extent_add(a->map, area_file_first(a, i, pages),
				     area_file_pages(a, i, pages), a->stores[i],
				     0);
		if (rc)
			goto out_detach;
	}
	cfg.nr_pages = pages;
	cfg.policy = SWAP_ALLOC_CLUSTER;
	rc = swap_area_create(&cfg, &a->sa);
	if (rc)
		goto out_detach;
	rc = swap_io_area_attach(a->fs->engine, a->map, a->name, &a->io);
	if (rc)
		goto out_detach;
	fs_area_trace_enable(a, true);
	if (a->meta.device[0] &&
	    swap_dev_configure(swap_io_area_dev(a->io), a->meta.device, err,
			       sizeof(err)))
		fprintf(stderr, "swapemu mount: %s: device model ignored: %s\n",
			a->name, err);
	return 0;

out_detach:
	area_detach(a);
	return rc;
}

/*
 * A header page was written to (or read from) slot 0.  A valid header
 * with a new UUID is a new mkswap: every slot is free again.  Its bad
 * pages become SWAP_MAP_BAD.  Anything else leaves the map alone.
 */
void fs_area_header_written(struct fs_area *a, const void *page)
{
	struct swap_header_info info;
	enum swap_header_fault fault;
	uint64_t pages = a->meta.size / SWAP_PAGE_SIZE;

	if (swap_header_parse(page, SWAP_PAGE_SIZE, a->meta.size, &info,
			      &fault))
		return;
	if (memcmp(info.uuid, a->uuid, sizeof(a->uuid))) {
		swap_area_release(a->sa, 1, pages - 1);
		memcpy(a->uuid, info.uuid, sizeof(a->uuid));
	}
	for (uint32_t i = 0; i < info.nr_badpages; i++) {
		if (info.badpages[i] >= pages)
			continue;
		swap_area_release(a->sa, info.badpages[i], 1);
		swap_area_mark_bad(a->sa, info.badpages[i]);
	}
}

void fs_area_mirror_write(struct fs_area *a, uint64_t off, uint64_t len)
{
	uint64_t first = off / SWAP_PAGE_SIZE, nr = len / SWAP_PAGE_SIZE;

	if (first == 0) {
		first = 1;
		nr = nr ? nr - 1 : 0;
	}
	if (!nr || !swap_area_claim(a->sa, first, nr, 1))
		return;
	for (uint64_t s = first; s < first + nr; s++)
		if (swap_area_map(a->sa, s) == 0)
			swap_area_claim(a->sa, s, 1, 1);
}

/* Write a fresh header labelled with the area's name into slot 0. */
static int area_format(struct fs_area *a, uint64_t pages)
{
	static struct swap_header_info info; /* 2.6 KiB: off the stack */
	static pthread_mutex_t info_lock = PTHREAD_MUTEX_INITIALIZER;
	enum swap_header_fault fault;
	uint8_t page[SWAP_PAGE_SIZE] = {0};
	int rc;

	pthread_mutex_lock(&info_lock);
	swap_header_init(&info, pages);
	snprintf(info.label, sizeof(info.label), "%.*s", SWAP_HEADER_LABEL_LEN,
		 a->name);
	rc = swap_header_format(page, &info, &fault);
	memcpy(a->uuid, info.uuid, sizeof(a->uuid));
	pthread_mutex_unlock(&info_lock);
	if (rc)
		return rc;
	if (pwrite(a->fds[0], page, sizeof(page), 0) != (ssize_t)sizeof(page))
		return -errno ? -errno : -EIO;
	return 0;
}

/*
 * Make each backing file as large as its part of an area of @pages: the
 * file in DIR exactly, declared files at least (they are never shrunk).
 */
static int area_size_files(struct fs_area *a, uint64_t pages)
{
	for (unsigned int i = 0; i < a->nr_files; i++) {
		off_t want =
			(off_t)(area_file_pages(a, i, pages) * SWAP_PAGE_SIZE);
		struct stat st;

		if (fstat(a->fds[i], &st) < 0)
			return -errno;
		if (a->meta.backing[0] && st.st_size >= want)
			continue;
		if (ftruncate(a->fds[i], want) < 0)
			return -errno;
	}
	return 0;
}

/*
 * Drop the data of a sized area of @pages before a resize: the file in
 * DIR is emptied, each declared file has its part punched (never
 * shrunk: the files are the user's).
 */
static int area_clear_files(struct fs_area *a, uint64_t pages)
{
	for (unsigned int i = 0; i < a->nr_files; i++) {
		off_t len =
			(off_t)(area_file_pages(a, i, pages) * SWAP_PAGE_SIZE);

		if (!a->meta.backing[0] && ftruncate(a->fds[i], 0) < 0)
			return -errno;
		if (a->meta.backing[0] &&
		    fallocate(a->fds[i],
			      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			      len) < 0)
			return -errno;
	}
	return 0;
}

/* Size, format and attach an unsized area.  Caller holds fs.lock. */
static int area_size_locked(struct fs_area *a, uint64_t size)
{
	uint64_t pages = size / SWAP_PAGE_SIZE;
	int rc;

	rc = area_size_files(a, pages);
	if (rc)
		return rc;
	rc = area_format(a, pages);
	if (rc)
		goto out_shrink;
	a->meta.size = size;
	rc = area_attach(a);
	if (rc)
		goto out_unsize;
	clock_gettime(CLOCK_REALTIME, &a->mtime);
	return fs_area_save_locked(a);

out_unsize:
	a->meta.size = 0;
out_shrink:
	if (!a->meta.backing[0] && ftruncate(a->fds[0], 0) < 0)
		rc = rc ? rc : -errno;
	return rc;
}

/* Take the sized objects of @a away (data dropped): it is unsized. */
static int area_unsize_locked(struct fs_area *a)
{
	int rc;

	area_detach(a);
	rc = area_clear_files(a, a->meta.size / SWAP_PAGE_SIZE);
	a->meta.size = 0;
	clock_gettime(CLOCK_REALTIME, &a->mtime);
	return rc ? rc : fs_area_save_locked(a);
}

/*
 * Wait (up to a second) until @a has no open handles but the caller's
 * @own: a release may still be on its way after a close.  fs.lock is
 * dropped while waiting.  0, or -EBUSY when some stay open.
 */
static int area_wait_alone_locked(struct fs_area *a, unsigned int own)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	while (a->nr_open > own)
		if (pthread_cond_timedwait(&a->fs->released, &a->fs->lock,
					   &until) == ETIMEDOUT)
			return a->nr_open > own ? -EBUSY : 0;
	return 0;
}

/* Resize with IO shut out (see fs_area_io_begin).  fs.lock held. */
static int area_resize_quiet_locked(struct fs_area *a, uint64_t size)
{
	int rc = 0;

	atomic_store(&a->resizing, true);
	while (atomic_load(&a->io_users))
		usleep(100); /* completions never take fs.lock */
	if (a->sa)
		rc = area_unsize_locked(a);
	if (!rc && size)
		rc = area_size_locked(a, size);
	atomic_store(&a->resizing, false);
	return rc;
}

int fs_area_resize_locked(struct fs_area *a, uint64_t size, unsigned int own)
{
	uint64_t pages = size / SWAP_PAGE_SIZE;
	int rc;

	fs_assert_locked(a->fs);

	if (size == fs_area_size(a))
		return 0;
	if (size &&
	    (size % SWAP_PAGE_SIZE || pages < SWAP_HEADER_MIN_GOODPAGES + 1 ||
	     pages - 1 > UINT32_MAX))
		return -EINVAL;
	if (a->sa) {
		rc = area_wait_alone_locked(a, own);
		if (rc)
			return rc;
		if (size == fs_area_size(a) || a->unlinked)
			return a->unlinked ? -ENOENT : 0;
	}
	return area_resize_quiet_locked(a, size);
}

/*
 * Open (creating) the backing files of @a; @oflags (O_TRUNC for a new
 * area) applies to the file in DIR only, never to declared files.
 */
static int area_open_backing(struct fs_area *a, int oflags)
{
	char path[PATH_MAX];
	const char *p = a->meta.backing;

	a->nr_files = 1;
	for (; *p; p++)
		a->nr_files += *p == ',';
	if (a->nr_files > FS_MAX_FILES)
		return -EINVAL;
	if (a->meta.backing[0])
		oflags &= ~O_TRUNC;
	for (unsigned int i = 0; i < a->nr_files; i++) {
		area_file_path(a, i, path, sizeof(path));
		a->fds[i] =
			open(path, O_RDWR | O_CLOEXEC | O_CREAT | oflags, 0600);
		if (a->fds[i] < 0)
			return -errno;
	}
	return 0;
}

int fs_area_create_locked(struct fs *fs, const char *name,
			  const struct fs_meta *m, struct fs_area **out)
{
	struct fs_area *a = area_alloc(fs, name, m);
	int rc;

	fs_assert_locked(fs);

	if (!a)
		return -ENOMEM;
	if (fs->cache_set)
		a->meta.cache = fs->cache;
	rc = area_open_backing(a, O_CREAT | O_TRUNC);
	if (rc)
		goto out_put;
	rc = area_insert_locked(fs, a);
	if (rc)
		goto out_put;
	rc = fs_area_save_locked(a);
	if (rc) {
		area_remove_locked(fs, a);
		goto out_put;
	}
	*out = a;
	return 0;

out_put:
	fs_area_put(a);
	return rc;
}

/*
 * Mark in use every slot of @a whose block holds data in a backing file
 * (SEEK_DATA): what the mirror showed, as far as the files still tell,
 * when no saved map can be trusted.  Discards punched holes, so a slot
 * the kernel discarded stays free; a file system without SEEK_DATA shows
 * every slot in use.
 */
static void area_slots_from_data(struct fs_area *a)
{
	uint64_t pages = a->meta.size / SWAP_PAGE_SIZE;

	for (unsigned int i = 0; i < a->nr_files; i++) {
		off_t end =
			(off_t)(area_file_pages(a, i, pages) * SWAP_PAGE_SIZE);
		uint64_t base = area_file_first(a, i, pages) * SWAP_PAGE_SIZE;
		off_t data = 0, hole;

		while (data < end) {
			data = lseek(a->fds[i], data, SEEK_DATA);
			if (data < 0 || data >= end)
				break;
			hole = lseek(a->fds[i], data, SEEK_HOLE);
			if (hole < 0 || hole > end)
				hole = end;
			data &= ~(off_t)(SWAP_PAGE_SIZE - 1);
			hole = (hole + SWAP_PAGE_SIZE - 1) &
			       ~(off_t)(SWAP_PAGE_SIZE - 1);
			fs_area_mirror_write(a, base + (uint64_t)data,
					     (uint64_t)(hole - data));
			data = hole;
		}
	}
}

/*
 * Restore the slot map of a sized area at mount: the map saved at the last
 * clean unmount, or, without one that matches the size and the header
 * (the daemon died, or the file was reformatted offline), the slots that
 * hold data.  The saved map is then removed, so that should this daemon
 * die the next mount does not trust a map older than the data.
 */
static void area_restore_slots(struct fs_area *a)
{
	char path[FS_NAME_MAX + 16];
	int64_t rc;

	area_path(a->name, FS_SLOTMAP_SUFFIX, path, sizeof(path));
	rc = fs_slotmap_load(a->fs->dirfd, path, a->sa, a->uuid);
	if (rc < 0) {
		if (rc != -ENOENT)
			fprintf(stderr,
				"swapemu mount: %s: slot map not restored: "
				"%s\n",
				a->name, strerror((int)-rc));
		area_slots_from_data(a);
	}
	if (rc != -ENOENT && unlinkat(a->fs->dirfd, path, 0) == 0)
		fsync(a->fs->dirfd);
}

/* Save the slot map of a sized area at unmount.  Caller holds fs.lock. */
static void area_save_slots_locked(struct fs_area *a)
{
	char path[FS_NAME_MAX + 16];
	int rc;

	fs_assert_locked(a->fs);
	if (!a->sa || a->unlinked)
		return;
	area_path(a->name, FS_SLOTMAP_SUFFIX, path, sizeof(path));
	rc = fs_slotmap_save(a->fs->dirfd, path, a->sa, a->uuid);
	if (rc)
		fprintf(stderr,
			"swapemu mount: %s: cannot save the slot map: "
			"%s\n",
			a->name, strerror(-rc));
}

/* Restore area @name from its metadata and backing file at mount time. */
int fs_area_load(struct fs *fs, const char *name)
{
	uint8_t page[SWAP_PAGE_SIZE];
	char path[FS_NAME_MAX + 16];
	struct fs_meta m;
	struct fs_area *a;
	int rc;

	area_path(name, FS_META_SUFFIX, path, sizeof(path));
	rc = fs_meta_load(fs->dirfd, path, &m);
	if (rc)
		return rc;
	if (fs->cache_set)
		m.cache = fs->cache;
	a = area_alloc(fs, name, &m);
	if (!a)
		return -ENOMEM;
	rc = area_open_backing(a, O_CREAT);
	if (rc)
		goto out_put;
	if (m.size) {
		rc = area_attach(a);
		if (rc)
			goto out_put;
		if (pread(a->fds[0], page, sizeof(page), 0) ==
		    (ssize_t)sizeof(page))
			fs_area_header_written(a, page);
		area_restore_slots(a);
	}
	pthread_mutex_lock(&fs->lock);
	rc = area_insert_locked(fs, a);
	if (!rc && fs->cache_set) /* the mount's mode sticks to the area */
		fs_area_save_locked(a);
	pthread_mutex_unlock(&fs->lock);
	if (rc)
		goto out_put;
	return 0;

out_put:
	fs_area_put(a);
	return rc;
}

int fs_area_unlink_locked(struct fs_area *a)
{
	char path[FS_NAME_MAX + 16];

	fs_assert_locked(a->fs);

	area_path(a->name, FS_META_SUFFIX, path, sizeof(path));
	if (unlinkat(a->fs->dirfd, path, 0) < 0 && errno != ENOENT)
		return -errno;
	area_path(a->name, FS_SLOTMAP_SUFFIX, path, sizeof(path));
	unlinkat(a->fs->dirfd, path, 0); /* left by a failed restore */
	area_path(a->name, FS_SWAP_SUFFIX, path, sizeof(path));
	if (!a->meta.backing[0]) /* declared files are the user's */
		unlinkat(a->fs->dirfd, path, 0);
	a->unlinked = true;
	area_remove_locked(a->fs, a);
	fs_area_put(a);
	return 0;
}

int fs_area_rename_locked(struct fs_area *a, const char *name)
{
	char from[FS_NAME_MAX + 16], to[FS_NAME_MAX + 16];

	fs_assert_locked(a->fs);

	area_path(a->name, FS_SWAP_SUFFIX, from, sizeof(from));
	area_path(name, FS_SWAP_SUFFIX, to, sizeof(to));
	if (!a->meta.backing[0] &&
	    renameat(a->fs->dirfd, from, a->fs->dirfd, to) < 0)
		return -errno;
	area_path(a->name, FS_META_SUFFIX, from, sizeof(from));
	area_path(name, FS_META_SUFFIX, to, sizeof(to));
	if (renameat(a->fs->dirfd, from, a->fs->dirfd, to) < 0)
		return -errno;
	snprintf(a->name, sizeof(a->name), "%s", name);
	clock_gettime(CLOCK_REALTIME, &a->mtime);
	return 0;
}

/* Area name of a metadata file name, or false if it is not one. */
static bool area_meta_name(const char *file, char *name, size_t len)
{
	size_t n = strlen(file), sl = strlen(FS_META_SUFFIX);

	if (n <= sl || strcmp(file + n - sl, FS_META_SUFFIX) || n - sl >= len)
		return false;
	memcpy(name, file, n - sl);
	name[n - sl] = '\0';
	return fs_name_valid(name);
}

int fs_areas_load_all(struct fs *fs)
{
	char name[FS_NAME_MAX + 1];
	struct dirent *de;
	DIR *d;
	int fd, rc;

	fd = dup(fs->dirfd);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!area_meta_name(de->d_name, name, sizeof(name)))
			continue;
		rc = fs_area_load(fs, name);
		if (rc)
			fprintf(stderr,
				"swapemu mount: cannot restore %s: %s\n", name,
				strerror(-rc));
	}
	closedir(d);
	return 0;
}

/*
 * Save and drop every area at unmount.  Returns how many area objects are
 * still alive: open handles (a session aborted by a signal while a loop
 * device held a file) keep theirs, and the engine must then stay up.
 */
unsigned int fs_areas_destroy_all(struct fs *fs)
{
	int err;

	pthread_mutex_lock(&fs->lock);
	for (unsigned int i = 0; i < FS_MAX_AREAS; i++) {
		struct fs_area *a = fs->areas[i];

		if (!a)
			continue;
		/* Buffered backing: the data reaches the disk before the
		 * slot map that says it is there. */
		err = fs_area_sync(a);
		if (err)
			fprintf(stderr, "swapemu mount: %s: fdatasync: %s\n",
				a->name, strerror(-err));
		fs_area_save_locked(a);
		area_save_slots_locked(a);
		fs->areas[i] = NULL;
		fs_area_put(a);
	}
	pthread_mutex_unlock(&fs->lock);
	return atomic_load(&fs->nr_alive);
}

int fs_area_set_model_locked(struct fs_area *a, const char *text, char *err,
			     size_t errlen)
{
	struct swap_dev *tmp;
	int rc;

	fs_assert_locked(a->fs);

	if (a->io)
		return swap_dev_configure(swap_io_area_dev(a->io), text, err,
					  errlen);
	/* Not sized yet: check it on a scratch model, keep the text. */
	rc = swap_dev_create(SWAP_HEADER_MIN_GOODPAGES + 1, &tmp);
	if (rc)
		return rc;
	rc = swap_dev_configure(tmp, text, err, errlen);
	swap_dev_destroy(tmp);
	if (!rc && (size_t)snprintf(a->meta.device, sizeof(a->meta.device),
				    "%s", text) >= sizeof(a->meta.device))
		rc = -EINVAL;
	return rc;
}

/* Bring a declared area to its spec: create, size, priority, model. */
static int area_declare_locked(struct fs *fs, const struct fs_spec *sp)
{
	char err[256] = "";
	struct fs_area *a = fs_area_find_locked(fs, sp->name);
	struct fs_meta m;
	int rc;

	if (!a) {
		fs_meta_init(&m);
		m.uid = fs->uid;
		m.gid = fs->gid;
		memcpy(m.backing, sp->backing, sizeof(m.backing));
		rc = fs_area_create_locked(fs, sp->name, &m, &a);
		if (rc)
			return rc;
	} else if (strcmp(a->meta.backing, sp->backing)) {
		return -EBUSY; /* other backing files than declared */
	}
	rc = fs_area_resize_locked(a, sp->size, 0);
	if (rc)
		return rc;
	if (sp->has_prio)
		a->meta.prio = sp->prio;
	if (sp->device[0]) {
		rc = fs_area_set_model_locked(a, sp->device, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "swapemu mount: %s: device: %s\n",
				sp->name, err);
			return rc;
		}
	}
	return fs_area_save_locked(a);
}

int fs_area_declare(struct fs *fs, const struct fs_spec *sp)
{
	int rc;

	pthread_mutex_lock(&fs->lock);
	rc = area_declare_locked(fs, sp);
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

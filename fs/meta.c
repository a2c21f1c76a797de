/* SPDX-License-Identifier: MIT */
/*
 * The metadata file of an area, DIR/<name>.meta: one key=value per line
 * after a magic line, so that an operator can read it and a newer version
 * can add keys.  Replaced as a whole (fs/replace.c), so a crash leaves
 * either version, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"

#define META_MAGIC "swapemu-meta 1"
#define META_MAX 8192

void fs_meta_init(struct fs_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->prio = -1;
	m->mode = 0600;
}

int fs_cache_parse(const char *text, enum fs_cache *out)
{
	if (!strcmp(text, "direct"))
		*out = FS_CACHE_DIRECT;
	else if (!strcmp(text, "buffered"))
		*out = FS_CACHE_BUFFERED;
	else
		return -EINVAL;
	return 0;
}

const char *fs_cache_name(enum fs_cache c)
{
	return c == FS_CACHE_BUFFERED ? "buffered" : "direct";
}

/* Parse an unsigned value of at most @max into @out. */
static int meta_parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (!*v || *v == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || *end || x > max)
		return -EINVAL;
	*out = x;
	return 0;
}

/* Apply one "key=value" line to @m; unknown keys are ignored. */
static int meta_parse_line(char *line, struct fs_meta *m)
{
	char *v = strchr(line, '=');
	uint64_t x = 0;
	int rc;

	if (!v)
		return line[0] ? -EINVAL : 0;
	*v++ = '\0';
	if (!strcmp(line, "device")) {
		if (strlen(v) >= sizeof(m->device))
			return -EINVAL;
		strcpy(m->device, v);
		return 0;
	}
	if (!strcmp(line, "backing")) {
		if (strlen(v) >= sizeof(m->backing))
			return -EINVAL;
		strcpy(m->backing, v);
		return 0;
	}
	if (!strcmp(line, "cache"))
		return fs_cache_parse(v, &m->cache);
	if (!strcmp(line, "prio")) {
		char *end;
		long p;

		errno = 0;
		p = strtol(v, &end, 10);
		if (errno || !*v || *end || p < -1 || p > 32767)
			return -EINVAL;
		m->prio = (int)p;
		return 0;
	}
	if (!strcmp(line, "size")) {
		rc = meta_parse_u64(v, INT64_MAX, &m->size);
	} else if (!strcmp(line, "mode")) {
		rc = meta_parse_u64(v, 07777, &x);
		m->mode = (uint32_t)x;
	} else if (!strcmp(line, "uid")) {
		rc = meta_parse_u64(v, UINT32_MAX, &x);
		m->uid = (uint32_t)x;
	} else if (!strcmp(line, "gid")) {
		rc = meta_parse_u64(v, UINT32_MAX, &x);
		m->gid = (uint32_t)x;
	} else {
		rc = 0;
	}
	return rc;
}

int fs_meta_parse(const char *text, struct fs_meta *m)
{
	char *copy, *line, *save = NULL;
	int rc = 0;

	fs_meta_init(m);
	if (strncmp(text, META_MAGIC "\n", strlen(META_MAGIC) + 1))
		return -EINVAL;
	copy = strdup(text + strlen(META_MAGIC) + 1);
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save))
		rc = meta_parse_line(line, m);
	free(copy);
	return rc;
}

int fs_meta_format(const struct fs_meta *m, char *buf, size_t len)
{
	return snprintf(buf, len,
			META_MAGIC "\nsize=%" PRIu64 "\nprio=%d\nmode=0%o\n"
				   "uid=%u\ngid=%u\ndevice=%s\nbacking=%s\n"
				   "cache=%s\n",
			m->size, m->prio, m->mode, m->uid, m->gid, m->device,
			m->backing, fs_cache_name(m->cache));
}

int fs_meta_save(int dirfd, const char *path, const struct fs_meta *m)
{
	struct fs_replace r;
	char buf[META_MAX];
	int len, rc;

	len = fs_meta_format(m, buf, sizeof(buf));
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -EOVERFLOW;
	rc = fs_replace_begin(&r, dirfd, path);
	if (!rc)
		rc = fs_replace_write(&r, buf, (size_t)len);
	return fs_replace_end(&r, rc);
}

int fs_meta_load(int dirfd, const char *path, struct fs_meta *m)
{
	char buf[META_MAX];
	ssize_t n;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return fs_meta_parse(buf, m);
}

/* SPDX-License-Identifier: MIT */
/*
 * The control tree .swapemu/: small files whose content is built when they
 * are opened (so a reader sees one consistent snapshot and the size need
 * not be known in advance: they are opened direct_io) and a few that take
 * a value on write.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs_i.h"
#include "swap/io/device.h"

static const char *const ctl_names[FS_NODE_NR] = {
	[FS_NODE_STAT] = "stat",	 [FS_NODE_SLOTMAP] = "slotmap",
	[FS_NODE_TRACE] = "trace",	 [FS_NODE_DEVICE] = "device",
	[FS_NODE_PRIORITY] = "priority",
};

const char *fs_ctl_node_name(enum fs_node node)
{
	return node < FS_NODE_NR ? ctl_names[node] : NULL;
}

int fs_ctl_node_parse(const char *name, enum fs_node *node)
{
	for (unsigned int i = 0; i < FS_NODE_NR; i++) {
		if (ctl_names[i] && !strcmp(ctl_names[i], name)) {
			*node = (enum fs_node)i;
			return 0;
		}
	}
	return -ENOENT;
}

/* The swaps file: one line per area, like /proc/swaps. */
static int ctl_swaps(struct fs *fs, FILE *f)
{
	fprintf(f, "%-32s %-8s %-12s %-12s %-8s %s\n", "Filename", "Type",
		"Size", "Used", "Priority", "Device");
	pthread_mutex_lock(&fs->lock);
	for (unsigned int i = 0; i < FS_MAX_AREAS; i++) {
		struct fs_area *a = fs->areas[i];
		struct swap_area_stats st = {0};
		char preset[64] = "none", model[1024] = "";

		if (!a)
			continue;
		if (a->sa)
			swap_area_stats(a->sa, &st);
		if (a->io && swap_dev_format_buf(swap_io_area_dev(a->io), model,
						 sizeof(model)) > 0) {
			char *p = strstr(model, "preset=");

			if (p)
				sscanf(p + 7, "%63s", preset);
		}
		fprintf(f, "%-32s %-8s %-12" PRIu64 " %-12" PRIu64 " %-8d %s\n",
			a->name, "file", fs_area_size(a) / 1024,
			st.nr_inuse * (SWAP_PAGE_SIZE / 1024), a->meta.prio,
			preset);
	}
	pthread_mutex_unlock(&fs->lock);
	return 0;
}

/* stat: the swap_map usage and the engine's counters, one JSON object. */
static int ctl_stat(struct fs_area *a, FILE *f)
{
	struct swap_area_stats st = {0};

	if (a->sa)
		swap_area_stats(a->sa, &st);
	fprintf(f,
		"{\"name\":\"%s\",\"size\":%" PRIu64 ",\"priority\":%d,"
		"\"cache\":\"%s\","
		"\"slots\":{\"total\":%" PRIu64 ",\"bad\":%" PRIu64
		",\"free\":%" PRIu64 ",\"inuse\":%" PRIu64 ",\"clusters\":%u"
		",\"cl_free\":%u,\"cl_nonfull\":%u,\"cl_frag\":%u"
		",\"cl_full\":%u},\"io\":",
		a->name, fs_area_size(a), a->meta.prio,
		fs_cache_name(a->meta.cache), st.nr_pages, st.nr_bad,
		st.nr_free, st.nr_inuse, st.nr_clusters, st.cl_free,
		st.cl_nonfull, st.cl_frag, st.cl_full);
	if (a->io) {
		int rc = swap_io_area_stat_json(a->io, f);

		if (rc)
			return rc;
	} else {
		fputs("null", f);
	}
	fputs("}\n", f);
	return 0;
}

/* slotmap: the swap_map bytes, slot 0 first. */
static int ctl_slotmap(struct fs_area *a, FILE *f)
{
	unsigned char chunk[4096];
	uint64_t n = a->sa ? swap_area_nr_pages(a->sa) : 0;

	for (uint64_t off = 0; off < n;) {
		size_t got =
			swap_area_map_copy(a->sa, off, chunk, sizeof(chunk));

		if (!got)
			break;
		fwrite(chunk, 1, got, f);
		off += got;
	}
	return 0;
}

static int ctl_device(struct fs_area *a, FILE *f)
{
	if (a->io)
		return swap_dev_format(swap_io_area_dev(a->io), f);
	fprintf(f, "%s\n", a->meta.device[0] ? a->meta.device : "preset=none");
	return 0;
}

/* Build the content of a control file into *@data (malloc'ed); for an
 * area's node the caller holds fs.lock (no resize meanwhile). */
/* The fuse file: how requests reach the daemon (fs/ring.c). */
static int ctl_fuse(struct fs *fs, FILE *f)
{
	char buf[256];

	fs_ring_describe(fs, buf, sizeof(buf));
	return fputs(buf, f) < 0 ? -EIO : 0;
}

int fs_ctl_build(struct fs *fs, struct fs_area *a, enum fs_node node,
		 fuse_ino_t ino, char **data, size_t *len)
{
	FILE *f = open_memstream(data, len);
	int rc = 0;

	if (!f)
		return -errno;
	if (!a)
		rc = ino == FS_INO_FUSE ? ctl_fuse(fs, f) : ctl_swaps(fs, f);
	else if (node == FS_NODE_STAT)
		rc = ctl_stat(a, f);
	else if (node == FS_NODE_SLOTMAP)
		rc = ctl_slotmap(a, f);
	else if (node == FS_NODE_TRACE)
		rc = a->io ? swap_io_area_trace_write(a->io, f, false) : 0;
	else if (node == FS_NODE_DEVICE)
		rc = ctl_device(a, f);
	else if (node == FS_NODE_PRIORITY)
		fprintf(f, "%d\n", a->meta.prio);
	else
		rc = -EISDIR;
	if (fclose(f) && !rc)
		rc = -errno;
	if (rc) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

/* Apply a device model, logging why it was refused. */
static int ctl_write_device(struct fs_area *a, const char *text)
{
	char err[256] = "";
	int rc = fs_area_set_model_locked(a, text, err, sizeof(err));

	if (rc)
		fprintf(stderr, "swapemu mount: %s: device: %s\n", a->name,
			err);
	return rc;
}

static int ctl_write_priority(struct fs_area *a, const char *text)
{
	char *end;
	long p;

	errno = 0;
	p = strtol(text, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (errno || end == text || *end || p < -1 || p > 32767)
		return -EINVAL;
	a->meta.prio = (int)p;
	return 0;
}

/* trace: "on" starts a new trace, "off" stops recording. */
static int ctl_write_trace(struct fs_area *a, const char *text)
{
	bool on;

	if (!strcmp(text, "on") || !strcmp(text, "1"))
		on = true;
	else if (!strcmp(text, "off") || !strcmp(text, "0"))
		on = false;
	else
		return -EINVAL;
	if (!a->io)
		return -ENODATA;
	fs_area_trace_enable(a, on);
	return 0;
}

/*
 * A write to a control file: the whole value in one write (as echo does).
 * Returns 0 or -errno; on error nothing changed.
 */
int fs_ctl_write(struct fs_area *a, enum fs_node node, const char *buf,
		 size_t size)
{
	char text[1024];
	int rc;

	if (node != FS_NODE_DEVICE && node != FS_NODE_PRIORITY &&
	    node != FS_NODE_TRACE)
		return -EACCES;
	if (size >= sizeof(text))
		return -EINVAL;
	memcpy(text, buf, size);
	text[size] = '\0';
	while (size && (text[size - 1] == '\n' || text[size - 1] == ' '))
		text[--size] = '\0';
	pthread_mutex_lock(&a->fs->lock); /* no resize meanwhile */
	if (node == FS_NODE_TRACE)
		rc = ctl_write_trace(a, text);
	else if (node == FS_NODE_DEVICE)
		rc = ctl_write_device(a, text);
	else
		rc = ctl_write_priority(a, text);
	if (!rc && !a->unlinked && node != FS_NODE_TRACE)
		rc = fs_area_save_locked(a);
	pthread_mutex_unlock(&a->fs->lock);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The FUSE low-level operations.  Handlers stay thin: they find the area
 * an inode names and call fs/area.c, fs/io.c or fs/ctl.c, converting
 * -errno to a reply at the edge.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/fs.h>

#include "fs/fs_i.h"

#define FS_AREA_TIMEOUT 1.0 /* attributes change only through us */

static struct fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* Attributes of a fixed inode (root, control tree) or an area's node. */
static void fs_fill_attr(struct fs *fs, fuse_ino_t ino, struct fs_area *a,
			 enum fs_node node, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = fs->uid;
	st->st_gid = fs->gid;
	st->st_nlink = 1;
	st->st_blksize = SWAP_PAGE_SIZE;
	if (!a) {
		st->st_mtim = st->st_ctim = st->st_atim = fs->started;
		st->st_mode = fs_ino_fixed_file(ino) ? S_IFREG | 0444
						     : S_IFDIR | 0755;
		st->st_nlink = fs_ino_fixed_file(ino) ? 1 : 2;
		return;
	}
	st->st_mtim = st->st_ctim = st->st_atim = a->mtime;
	if (node == FS_NODE_FILE) {
		struct stat bs;

		st->st_mode = S_IFREG | (a->meta.mode & 07777);
		st->st_uid = a->meta.uid;
		st->st_gid = a->meta.gid;
		st->st_size = (off_t)fs_area_size(a);
		if (a->fds[0] >= 0 && !fstat(a->fds[0], &bs))
			st->st_blocks = bs.st_blocks;
	} else if (node == FS_NODE_DIR) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	} else {
		bool rw = node == FS_NODE_DEVICE || node == FS_NODE_PRIORITY ||
			  node == FS_NODE_TRACE;

		st->st_mode = S_IFREG | (rw ? 0644 : 0444);
	}
}

/* Reply with the entry of @ino (and @a's @node); takes a lookup count. */
static void fs_reply_entry(fuse_req_t req, fuse_ino_t ino, struct fs_area *a,
			   enum fs_node node)
{
	struct fuse_entry_param e = {0};

	e.ino = ino;
	e.generation = 1;
	fs_fill_attr(fs_of(req), ino, a, node, &e.attr);
	if (a && node == FS_NODE_FILE)
		e.attr_timeout = e.entry_timeout = FS_AREA_TIMEOUT;
	fuse_reply_entry(req, &e);
}

/* Area of an inode, referenced; ENOENT replied when there is none. */
static struct fs_area *fs_req_area(fuse_req_t req, fuse_ino_t ino,
				   enum fs_node *node)
{
	struct fs_area *a = fs_area_by_ino(fs_of(req), ino, node);

	if (!a)
		fuse_reply_err(req, ENOENT);
	return a;
}

static void fs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fs *fs = userdata;

	if (conn->max_write > fs->pool.buf_len)
		conn->max_write = (unsigned int)fs->pool.buf_len;
	conn->want &= ~FUSE_CAP_ATOMIC_O_TRUNC;
	conn->max_background = 128;
	conn->congestion_threshold = 96;
}

static void fs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = fs_of(req);
	enum fs_node node;
	struct fs_area *a;

	if (parent == FS_INO_ROOT && !strcmp(name, FS_CTL_NAME))
		return fs_reply_entry(req, FS_INO_CTL, NULL, 0);
	if (parent == FS_INO_CTL && !strcmp(name, "swaps"))
		return fs_reply_entry(req, FS_INO_SWAPS, NULL, 0);
	if (parent == FS_INO_CTL && !strcmp(name, "fuse"))
		return fs_reply_entry(req, FS_INO_FUSE, NULL, 0);
	if (parent == FS_INO_ROOT || parent == FS_INO_CTL) {
		pthread_mutex_lock(&fs->lock);
		a = fs_area_find_locked(fs, name);
		if (a)
			fs_area_get(a);
		pthread_mutex_unlock(&fs->lock);
		if (!a)
			return (void)fuse_reply_err(req, ENOENT);
		node = parent == FS_INO_ROOT ? FS_NODE_FILE : FS_NODE_DIR;
		fs_reply_entry(req, fs_area_ino(a, node), a, node);
		return fs_area_put(a);
	}
	a = fs_area_by_ino(fs, parent, &node);
	if (!a || node != FS_NODE_DIR || fs_ctl_node_parse(name, &node)) {
		fuse_reply_err(req,
			       a && node != FS_NODE_DIR ? ENOTDIR : ENOENT);
	} else {
		fs_reply_entry(req, fs_area_ino(a, node), a, node);
	}
	if (a)
		fs_area_put(a);
}

static void fs_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;
	enum fs_node node = FS_NODE_FILE;
	struct fs_area *a = NULL;

	if (ino >= FS_INO_AREA_BASE && !(a = fs_req_area(req, ino, &node)))
		return;
	if (!a && ino != FS_INO_ROOT && ino != FS_INO_CTL &&
	    !fs_ino_fixed_file(ino))
		return (void)fuse_reply_err(req, ENOENT);
	fs_fill_attr(fs_of(req), ino, a, node, &st);
	fuse_reply_attr(req, &st, a && !node ? FS_AREA_TIMEOUT : 0);
	if (a)
		fs_area_put(a);
}

static struct fs_handle *fs_handle_of(struct fuse_file_info *fi)
{
	return (struct fs_handle *)(uintptr_t)fi->fh;
}

/*
 * Apply the attribute changes of a setattr to an area; @own is 1 when it
 * comes through one of the area's handles (ftruncate).  fs.lock held.
 */
static int fs_setattr_locked(struct fs_area *a, struct stat *attr, int set,
			     unsigned int own)
{
	int rc = 0;

	if (set & FUSE_SET_ATTR_SIZE) {
		rc = fs_area_resize_locked(a, (uint64_t)attr->st_size, own);
		if (rc)
			return rc;
	}
	if (set & FUSE_SET_ATTR_MODE)
		a->meta.mode = attr->st_mode & 07777;
	if (set & FUSE_SET_ATTR_UID)
		a->meta.uid = attr->st_uid;
	if (set & FUSE_SET_ATTR_GID)
		a->meta.gid = attr->st_gid;
	if (set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW))
		clock_gettime(CLOCK_REALTIME, &a->mtime);
	if (set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID))
		rc = fs_area_save_locked(a);
	return rc;
}

static void fs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	enum fs_node node;
	struct fs_area *a = fs_req_area(req, ino, &node);
	int rc = 0;

	if (!a)
		return;
	if (node == FS_NODE_FILE) {
		unsigned int own = fi && fs_handle_of(fi)->area == a;

		pthread_mutex_lock(&fs->lock);
		rc = fs_setattr_locked(a, attr, to_set, own);
		pthread_mutex_unlock(&fs->lock);
	} else if (node == FS_NODE_DIR || (to_set & ~FUSE_SET_ATTR_SIZE)) {
		rc = -EPERM; /* control files: only O_TRUNC's size 0 */
	}
	if (rc) {
		fuse_reply_err(req, -rc);
	} else {
		struct stat st;

		fs_fill_attr(fs, ino, a, node, &st);
		fuse_reply_attr(req, &st, node ? 0 : FS_AREA_TIMEOUT);
	}
	fs_area_put(a);
}

/* One directory entry into @buf if it fits; returns the bytes used. */
static size_t fs_dirent(fuse_req_t req, char *buf, size_t room,
			const char *name, fuse_ino_t ino, mode_t mode,
			off_t next)
{
	struct stat st = {.st_ino = ino, .st_mode = mode};
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);

	if (need > room)
		return 0;
	return fuse_add_direntry(req, buf, room, name, &st, next);
}

/* Names of directory @ino in order; fills at most @n, returns the count. */
static size_t fs_dir_list(struct fs *fs, fuse_ino_t ino, struct fs_area *dir,
			  char (*names)[FS_NAME_MAX + 1], fuse_ino_t *inos,
			  mode_t *modes, size_t n)
{
	size_t k = 0;

	if (dir) {
		for (unsigned int i = FS_NODE_STAT; i < FS_NODE_NR && k < n;
		     i++, k++) {
			snprintf(names[k], sizeof(names[k]), "%s",
				 fs_ctl_node_name(i));
			inos[k] = fs_area_ino(dir, i);
			modes[k] = S_IFREG;
		}
		return k;
	}
	if (ino == FS_INO_ROOT) {
		snprintf(names[k], sizeof(names[k]), FS_CTL_NAME);
		inos[k] = FS_INO_CTL;
		modes[k++] = S_IFDIR;
	} else {
		snprintf(names[k], sizeof(names[k]), "swaps");
		inos[k] = FS_INO_SWAPS;
		modes[k++] = S_IFREG;
		snprintf(names[k], sizeof(names[k]), "fuse");
		inos[k] = FS_INO_FUSE;
		modes[k++] = S_IFREG;
	}
	pthread_mutex_lock(&fs->lock);
	for (unsigned int i = 0; i < FS_MAX_AREAS && k < n; i++) {
		struct fs_area *a = fs->areas[i];

		if (!a)
			continue;
		snprintf(names[k], sizeof(names[k]), "%s", a->name);
		inos[k] = fs_area_ino(a, ino == FS_INO_ROOT ? FS_NODE_FILE
							    : FS_NODE_DIR);
		modes[k++] = ino == FS_INO_ROOT ? S_IFREG : S_IFDIR;
	}
	pthread_mutex_unlock(&fs->lock);
	return k;
}

#define FS_DIR_MAX (FS_MAX_AREAS + 3)

static void fs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	static __thread char names[FS_DIR_MAX][FS_NAME_MAX + 1];
	fuse_ino_t inos[FS_DIR_MAX];
	mode_t modes[FS_DIR_MAX];
	struct fs_area *dir = NULL;
	enum fs_node node;
	size_t n, used = 0;
	char *buf;

	if (ino >= FS_INO_AREA_BASE) {
		if (!(dir = fs_req_area(req, ino, &node)))
			return;
		if (node != FS_NODE_DIR) {
			fuse_reply_err(req, ENOTDIR);
			return fs_area_put(dir);
		}
	} else if (ino != FS_INO_ROOT && ino != FS_INO_CTL) {
		return (void)fuse_reply_err(req, ENOTDIR);
	}
	n = fs_dir_list(fs_of(req), ino, dir, names, inos, modes, FS_DIR_MAX);
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		goto out_put;
	}
	for (size_t i = (size_t)off; i < n; i++) {
		size_t got = fs_dirent(req, buf + used, size - used, names[i],
				       inos[i], modes[i], (off_t)i + 1);

		if (!got)
			break;
		used += got;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
out_put:
	if (dir)
		fs_area_put(dir);
}

/* Open an area file: the handle keeps the area alive. */
static int fs_open_handle(struct fs *fs, struct fs_area *a, enum fs_node node,
			  fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_handle *h = calloc(1, sizeof(*h));
	int rc = 0;

	if (!h)
		return -ENOMEM;
	h->area = a;
	h->node = node;
	if (a)
		pthread_mutex_lock(&fs->lock); /* no resize while building */
	if (node != FS_NODE_FILE || !a)
		rc = fs_ctl_build(fs, a, node, ino, &h->data, &h->len);
	else
		a->nr_open++;
	if (a)
		pthread_mutex_unlock(&fs->lock);
	if (rc) {
		free(h);
		return rc;
	}
	if (a)
		fs_area_get(a);
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	return 0;
}

static void fs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct fs *fs = fs_of(req);
	struct fs_area *a = NULL;
	struct fs_meta m;
	int rc;

	if (parent != FS_INO_ROOT)
		return (void)fuse_reply_err(req, EACCES);
	if (!fs_name_valid(name))
		return (void)fuse_reply_err(req, EINVAL);
	fs_meta_init(&m);
	m.mode = mode & 07777;
	m.uid = ctx->uid;
	m.gid = ctx->gid;
	pthread_mutex_lock(&fs->lock);
	if (fs_area_find_locked(fs, name))
		rc = -EEXIST;
	else
		rc = fs_area_create_locked(fs, name, &m, &a);
	if (!rc)
		fs_area_get(a);
	pthread_mutex_unlock(&fs->lock);
	if (!rc)
		rc = fs_open_handle(fs, a, FS_NODE_FILE, 0, fi);
	if (rc) {
		fuse_reply_err(req, -rc);
	} else {
		struct fuse_entry_param e = {0};

		e.ino = fs_area_ino(a, FS_NODE_FILE);
		e.generation = 1;
		e.attr_timeout = e.entry_timeout = FS_AREA_TIMEOUT;
		fs_fill_attr(fs, e.ino, a, FS_NODE_FILE, &e.attr);
		fuse_reply_create(req, &e, fi);
	}
	if (a)
		fs_area_put(a);
}

static void fs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	enum fs_node node = FS_NODE_FILE;
	struct fs_area *a = NULL;
	int rc;

	if (!fs_ino_fixed_file(ino) && !(a = fs_req_area(req, ino, &node)))
		return;
	if (node == FS_NODE_DIR)
		rc = -EISDIR;
	else
		rc = fs_open_handle(fs_of(req), a, node, ino, fi);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_open(req, fi);
	if (a)
		fs_area_put(a);
}

static void fs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_of(fi);
	int rc;

	if (h->area && h->node == FS_NODE_FILE) {
		rc = fs_io_read(req, h->area, size, off);
		if (rc)
			fuse_reply_err(req, -rc);
		return;
	}
	if (off < 0 || (size_t)off >= h->len)
		return (void)fuse_reply_buf(req, NULL, 0);
	if (size > h->len - (size_t)off)
		size = h->len - (size_t)off;
	fuse_reply_buf(req, h->data + off, size);
}

static void fs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_of(fi);
	int rc;

	if (!h->area)
		return (void)fuse_reply_err(req, EACCES);
	if (h->node == FS_NODE_FILE) {
		rc = fs_io_write(req, h->area, buf, size, off);
		if (rc)
			fuse_reply_err(req, -rc);
		return;
	}
	rc = fs_ctl_write(h->area, h->node, buf, size);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, size);
}

static void fs_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_of(fi);
	struct fs *fs = fs_of(req);

	if (h->area && h->node == FS_NODE_FILE) {
		pthread_mutex_lock(&fs->lock);
		h->area->nr_open--;
		pthread_cond_broadcast(&fs->released);
		pthread_mutex_unlock(&fs->lock);
	}
	if (h->area)
		fs_area_put(h->area);
	free(h->data);
	free(h);
	fuse_reply_err(req, 0);
}

static void fs_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void fs_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_of(fi);
	int rc = 0;

	if (h->area && h->node == FS_NODE_FILE)
		rc = -fs_area_sync(h->area);
	fuse_reply_err(req, rc);
}

static void fs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = fs_of(req);
	struct fs_area *a;
	int rc;

	if (parent != FS_INO_ROOT)
		return (void)fuse_reply_err(req, EACCES);
	pthread_mutex_lock(&fs->lock);
	a = fs_area_find_locked(fs, name);
	rc = a ? fs_area_unlink_locked(a) : -ENOENT;
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_err(req, -rc);
}

/* Rename an area; an existing target is replaced.  fs.lock held. */
static int fs_rename_locked(struct fs *fs, const char *name,
			    const char *newname, unsigned int flags)
{
	struct fs_area *a, *b;
	int rc;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	if (!fs_name_valid(newname))
		return -EINVAL;
	a = fs_area_find_locked(fs, name);
	if (!a)
		return -ENOENT;
	b = fs_area_find_locked(fs, newname);
	if (b == a)
		return 0;
	if (b && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (b) {
		rc = fs_area_unlink_locked(b);
		if (rc)
			return rc;
	}
	rc = fs_area_rename_locked(a, newname);
	return rc ? rc : fs_area_save_locked(a);
}

static void fs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	struct fs *fs = fs_of(req);
	int rc;

	if (parent != FS_INO_ROOT || newparent != FS_INO_ROOT)
		return (void)fuse_reply_err(req, EACCES);
	pthread_mutex_lock(&fs->lock);
	rc = fs_rename_locked(fs, name, newname, flags);
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_err(req, -rc);
}

static void fs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	if (fstatvfs(fs_of(req)->dirfd, &sv) < 0)
		return (void)fuse_reply_err(req, errno);
	sv.f_namemax = FS_NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

/* fallocate: mode 0 sizes an unsized area; punch hole is a discard. */
static int fs_fallocate_area(struct fs_area *a, int mode, off_t off, off_t len)
{
	uint64_t end = (uint64_t)off + (uint64_t)len;
	int rc;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		return fs_io_punch(a, (uint64_t)off, (uint64_t)len);
	if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	if (a->sa)
		return end <= fs_area_size(a) ? 0 : -EFBIG;
	if (mode == FALLOC_FL_KEEP_SIZE)
		return 0;
	pthread_mutex_lock(&a->fs->lock);
	rc = fs_area_resize_locked(a, end, 1);
	pthread_mutex_unlock(&a->fs->lock);
	return rc;
}

static void fs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
			 off_t len, struct fuse_file_info *fi)
{
	struct fs_handle *h = fs_handle_of(fi);

	if (!h->area || h->node != FS_NODE_FILE)
		return (void)fuse_reply_err(req, EOPNOTSUPP);
	fuse_reply_err(req, -fs_fallocate_area(h->area, mode, off, len));
}

static const struct fuse_lowlevel_ops fs_ops = {
	.init = fs_init,
	.lookup = fs_lookup,
	.getattr = fs_getattr,
	.setattr = fs_setattr,
	.readdir = fs_readdir,
	.create = fs_create,
	.open = fs_open,
	.read = fs_read,
	.write = fs_write,
	.flush = fs_flush,
	.release = fs_release,
	.fsync = fs_fsync,
	.unlink = fs_unlink,
	.rename = fs_rename,
	.statfs = fs_statfs,
	.fallocate = fs_fallocate,
};

struct fuse_session *fs_session_new(struct fuse_args *args, struct fs *fs)
{
	return fuse_session_new(args, &fs_ops, sizeof(fs_ops), fs);
}

/* SPDX-License-Identifier: MIT */
/*
 * The FUSE file system of swapemu: each regular file at the root of the
 * mount is a swap area whose slots live in a sparse backing file; the
 * control tree .swapemu/ shows and tunes every area.  docs/FS.md describes
 * the tree, the IO semantics and what the daemon does to stay safe while
 * the kernel swaps through it.
 */
#ifndef SWAPEMU_FS_FS_H
#define SWAPEMU_FS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Backing directory used when --backing is not given. */
#define FS_DEFAULT_BACKING "/var/lib/swapemu/areas"

/*
 * Run `swapemu mount`: parse @argc/@argv (argv[0] is the subcommand name),
 * mount, serve requests until unmounted and return the exit status.
 */
int fs_mount_main(int argc, char **argv);

/*
 * Is @name acceptable as an area file name?  Refuses "", ".", "..", names
 * with '/', names starting with ".swapemu", names longer than FS_NAME_MAX
 * and names with control characters.
 */
bool fs_name_valid(const char *name);
#define FS_NAME_MAX 200

/* Backing files of one declared area, and the text listing them. */
#define FS_MAX_FILES 8u
#define FS_BACKING_MAX 2048u

/*
 * How the engine opens an area's backing files: direct (O_DIRECT where the
 * file system takes it, no page cache; the default) or buffered (through
 * the page cache of the backing file system, as a VM disk with
 * cache=writeback: fsync of the area file or a clean unmount writes it
 * back).
 */
enum fs_cache {
	FS_CACHE_DIRECT = 0,
	FS_CACHE_BUFFERED,
};

/* "direct" or "buffered" into @out.  0 or -EINVAL. */
int fs_cache_parse(const char *text, enum fs_cache *out);

/* The name of @c, as fs_cache_parse takes it. */
const char *fs_cache_name(enum fs_cache c);

/* What the metadata file of an area records. */
struct fs_meta {
	uint64_t size;	   /* bytes of the area, 0 while not sized */
	int prio;	   /* swapon priority, -1: let the kernel choose */
	uint32_t mode;	   /* permission bits of the file */
	uint32_t uid;	   /* owner */
	uint32_t gid;	   /* group */
	char device[1024]; /* device model, key=value words, may be "" */
	/* "": DIR/<name>.swap; else declared files, comma-separated */
	char backing[FS_BACKING_MAX];
	enum fs_cache cache; /* how the backing files are opened */
};

/* Defaults of a new area: size 0, prio -1, mode 0600, root, no model,
 * direct backing IO. */
void fs_meta_init(struct fs_meta *m);

/*
 * Parse the text of a metadata file (NUL-terminated).  Unknown keys are
 * skipped so newer files stay readable.  Returns 0 or -EINVAL (no magic
 * line, a malformed value).
 */
int fs_meta_parse(const char *text, struct fs_meta *m);

/* Format @m as a metadata file; returns the length as snprintf does. */
int fs_meta_format(const struct fs_meta *m, char *buf, size_t len);

/*
 * Replace @path with the formatted @m atomically: write @path.tmp, fsync,
 * rename, fsync the directory @dirfd.  Returns 0 or -errno.
 */
int fs_meta_save(int dirfd, const char *path, const struct fs_meta *m);

/* Read and parse @path below @dirfd.  Returns 0 or -errno. */
int fs_meta_load(int dirfd, const char *path, struct fs_meta *m);

/*
 * Atomic replacement of a file below a directory (fs/replace.c): begin
 * opens PATH.tmp, write appends to it, end (with the first error of the
 * writes, or 0) syncs it, renames it over PATH and syncs the directory, or
 * removes it when @rc is an error.  Each returns 0 or -errno; end returns
 * @rc when it was an error.
 */
struct fs_replace {
	int dirfd;		     /* directory of both files */
	int fd;			     /* the temporary, -1 when closed */
	char path[FS_NAME_MAX + 32]; /* the file replaced */
	char tmp[FS_NAME_MAX + 40];  /* PATH.tmp */
};

int fs_replace_begin(struct fs_replace *r, int dirfd, const char *path);
int fs_replace_write(struct fs_replace *r, const void *buf, size_t len);
int fs_replace_end(struct fs_replace *r, int rc);

/*
 * The slot map file of an area, DIR/<name>.slotmap (fs/slotmap.c): its
 * swap_map saved at a clean unmount, for the next mount to restore.  A
 * line "swapemu-slotmap 1 pages=N uuid=UUID" then N bytes, slot 0 first.
 */
struct swap_area;

/* Save the map of @sa, whose header has @uuid (16 bytes).  0 or -errno. */
int fs_slotmap_save(int dirfd, const char *path, const struct swap_area *sa,
		    const uint8_t *uuid);

/*
 * Mark in use in @sa (free slots only; slot 0 and bad slots are left
 * alone) every slot that the file @path says was in use.  Returns the
 * number of slots marked, -ENOENT without a file, -ESTALE when it was
 * saved for another size or header (@uuid), -EINVAL when malformed (some
 * slots may have been marked), or -errno.
 */
int64_t fs_slotmap_load(int dirfd, const char *path, struct swap_area *sa,
			const uint8_t *uuid);

/* An area declared on the mount command line (see fs_spec_parse). */
struct fs_spec {
	char name[FS_NAME_MAX + 1]; /* area file name */
	uint64_t size;		    /* bytes, a multiple of 4096 */
	int prio;		    /* -1 unless given */
	bool has_prio;		    /* PRIO was given */
	char device[1024]; /* a preset name or key=value words, may be "" */
	char backing[FS_BACKING_MAX]; /* FILE[,FILE...] or "" */
};

/*
 * Parse "NAME:SIZE[:PRIO[:MODEL[:FILE,...]]]": SIZE with an optional K/M/G/T suffix
 * (powers of 1024), PRIO -1..32767 or empty, MODEL a preset name (turned
 * into preset=NAME) or key=value words separated by commas or blanks,
 * FILEs absolute paths of backing files (at most FS_MAX_FILES; the area is
 * split evenly over them, one extent each).  Returns 0 or -EINVAL.
 */
int fs_spec_parse(const char *text, struct fs_spec *out);

#endif

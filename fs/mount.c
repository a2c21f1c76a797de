/* SPDX-License-Identifier: MIT */
/*
 * `swapemu mount`: option parsing, the engine, the areas of the backing
 * directory, and the multithreaded session loop.
 *
 * The daemon serves IO the kernel may need to free memory, so once
 * mounted (and daemonized: mlock does not survive fork) it locks all of
 * its memory and marks itself an IO flusher before it starts any thread,
 * so every ring and worker thread inherits PF_MEMALLOC_NOIO.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fs/fs_i.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif

#define FS_POOL_NR 32u		  /* requests in flight at most */
#define FS_MAX_IO (1024u * 1024u) /* max_write and largest read */
#define FS_THREADS_DEFAULT 2u	  /* FUSE worker threads at most */
#define FS_THREADS_MAX 64u
#define FS_RINGS_DEFAULT_MAX 8u /* ring threads by default: a CPU each */

/* Options of our own, parsed with fuse_opt before libfuse sees the rest. */
struct fs_mount_opts {
	char *backing;	       /* --backing DIR */
	char *cache;	       /* --backing-cache direct|buffered */
	char *ring;	       /* --fuse-ring auto|on|off */
	char *rings;	       /* --rings N, as given */
	unsigned int nr_rings; /* engine ring threads: --rings or default */
	int show_help;	       /* -h / --help */
	unsigned int threads;  /* --threads N: FUSE workers at most */
	struct fs_spec areas[FS_MAX_AREAS]; /* --area specs */
	unsigned int nr_areas;		    /* entries of areas[] used */
};

/* fuse_opt keys handed to fs_mount_opt_proc. */
enum {
	FS_KEY_AREA = 1,
	FS_KEY_BACKING,
	FS_KEY_CACHE,
	FS_KEY_RING,
	FS_KEY_RINGS
};

#define FS_OPT(t, p)                                    \
	{                                               \
		t, offsetof(struct fs_mount_opts, p), 1 \
	}

static const struct fuse_opt fs_mount_optspec[] = {
	/* Keys, not offsets: "--backing %s" would also match
	 * --backing-cache (fuse_opt matches templates by prefix). */
	FUSE_OPT_KEY("--backing ", FS_KEY_BACKING),
	FUSE_OPT_KEY("--backing=", FS_KEY_BACKING),
	FUSE_OPT_KEY("--backing-cache ", FS_KEY_CACHE),
	FUSE_OPT_KEY("--backing-cache=", FS_KEY_CACHE),
	FUSE_OPT_KEY("--fuse-ring ", FS_KEY_RING),
	FUSE_OPT_KEY("--fuse-ring=", FS_KEY_RING),
	FUSE_OPT_KEY("--rings ", FS_KEY_RINGS),
	FUSE_OPT_KEY("--rings=", FS_KEY_RINGS),
	{"--threads %u", offsetof(struct fs_mount_opts, threads), 0},
	{"--threads=%u", offsetof(struct fs_mount_opts, threads), 0},
	FUSE_OPT_KEY("--area ", FS_KEY_AREA),
	FUSE_OPT_KEY("--area=", FS_KEY_AREA),
	FS_OPT("-h", show_help),
	FS_OPT("--help", show_help),
	FUSE_OPT_END};

/*
 * The value of option @name in @arg, which fuse_opt hands over as
 * "NAMEVALUE" or "NAME=VALUE"; NULL when @arg is another option that
 * only starts like @name.
 */
static const char *fs_opt_value(const char *arg, const char *name,
				const char *longer)
{
	size_t n = strlen(name);

	if (longer && !strncmp(arg, longer, strlen(longer)))
		return NULL;
	return arg[n] == '=' ? arg + n + 1 : arg + n;
}

/* --backing, --backing-cache: keep the last value given. */
static int fs_mount_opt_str(char **out, const char *value)
{
	free(*out);
	*out = strdup(value);
	return *out ? 0 : -1;
}

/* --area: parse the spec now so that a typo fails before mounting. */
static int fs_mount_opt_proc(void *data, const char *arg, int key,
			     struct fuse_args *outargs)
{
	struct fs_mount_opts *mo = data;
	const char *spec;

	if (key == FS_KEY_BACKING) {
		spec = fs_opt_value(arg, "--backing", "--backing-cache");
		return spec ? fs_mount_opt_str(&mo->backing, spec) : 0;
	}
	if (key == FS_KEY_CACHE)
		return fs_mount_opt_str(
			&mo->cache, fs_opt_value(arg, "--backing-cache", NULL));
	if (key == FS_KEY_RING)
		return fs_mount_opt_str(&mo->ring,
					fs_opt_value(arg, "--fuse-ring", NULL));
	if (key == FS_KEY_RINGS)
		return fs_mount_opt_str(&mo->rings,
					fs_opt_value(arg, "--rings", NULL));
	if (key != FS_KEY_AREA)
		return 1; /* keep for libfuse */
	spec = fs_opt_value(arg, "--area", NULL);
	if (mo->nr_areas == FS_MAX_AREAS) {
		fprintf(stderr, "swapemu mount: too many --area\n");
		return -1;
	}
	if (fs_spec_parse(spec, &mo->areas[mo->nr_areas])) {
		fprintf(stderr,
			"swapemu mount: bad --area '%s' (want "
			"NAME:SIZE[:PRIO[:MODEL[:FILE,...]]])\n",
			spec);
		return -1;
	}
	mo->nr_areas++;
	return 0;
}

static void fs_mount_usage(void)
{
	printf("usage: swapemu mount [--backing DIR] [--backing-cache MODE] "
	       "[-f]\n"
	       "                     [-o OPTIONS] MOUNTPOINT\n\n"
	       "Serve swap areas as files: a file created and sized in the\n"
	       "mount is a swap area backed by DIR/<name>.swap (default\n"
	       "backing directory: " FS_DEFAULT_BACKING ").\n\n"
	       "options:\n"
	       "  --backing DIR   backing directory (created if missing)\n"
	       "  --backing-cache direct|buffered\n"
	       "                  how every area's backing files are opened:\n"
	       "                  O_DIRECT (direct) or through the page\n"
	       "                  cache (buffered; written back on fsync and\n"
	       "                  unmount); saved in each area, which keeps\n"
	       "                  its own mode when not given (new: direct)\n"
	       "  --fuse-ring auto|on|off\n"
	       "                  take FUSE requests over io_uring (Linux\n"
	       "                  6.14+ with the fuse module's enable_uring\n"
	       "                  on) instead of /dev/fuse: auto (default)\n"
	       "                  when the kernel allows it, on: refuse to\n"
	       "                  mount otherwise, off: never\n"
	       "  --rings N       IO engine ring threads (1..%u; default one\n"
	       "                  per online CPU, at most %u); over io_uring\n"
	       "                  each takes a share of every CPU's FUSE\n"
	       "                  requests and serves their IO itself\n"
	       "  --threads N     FUSE worker threads (default %u)\n"
	       "  --area NAME:SIZE[:PRIO[:MODEL[:FILE,...]]]\n"
	       "                  create or check an area at mount; MODEL is\n"
	       "                  a device preset or key=value words joined\n"
	       "                  with commas; FILEs: absolute paths of\n"
	       "                  backing files, one extent each, instead of\n"
	       "                  DIR/NAME.swap (may be repeated)\n"
	       "  -f              stay in the foreground\n"
	       "  -o OPTIONS      FUSE mount options\n"
	       "  -h, --help      show this help\n",
	       SWAP_IO_MAX_RINGS, FS_RINGS_DEFAULT_MAX, FS_THREADS_DEFAULT);
}

/* Lock memory and mark the process an IO flusher (see top of file). */
static int fs_memory_guard(void)
{
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0) {
		fprintf(stderr, "swapemu mount: mlockall: %s\n",
			strerror(errno));
		return -errno;
	}
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) < 0)
		fprintf(stderr,
			"swapemu mount: warning: PR_SET_IO_FLUSHER: "
			"%s\n",
			strerror(errno));
	return 0;
}

/*
 * A backing directory in memory (tmpfs, ramfs) works, but the kernel may
 * swap the backing file's own pages to the area they back: the daemon
 * then waits on itself.  Say so; tests of full storage rely on tmpfs.
 */
static void fs_warn_memory_backing(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return;
	if (st.f_type == TMPFS_MAGIC || st.f_type == RAMFS_MAGIC)
		fprintf(stderr,
			"swapemu mount: warning: %s is in memory (tmpfs); "
			"swapping to an area backed there can deadlock\n",
			path);
}

/* --rings: a number in 1..SWAP_IO_MAX_RINGS, or 0 when it is not. */
static unsigned int fs_rings_parse(const char *s)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || !n ||
	    n > SWAP_IO_MAX_RINGS)
		return 0;
	return (unsigned int)n;
}

/* One ring thread per online CPU (FS_RINGS_DEFAULT_MAX at most). */
static unsigned int fs_rings_default(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > FS_RINGS_DEFAULT_MAX ? FS_RINGS_DEFAULT_MAX
					: (unsigned int)n;
}

/* Open (creating) the backing directory and bring the engine up with
 * @rings ring threads. */
static int fs_setup(struct fs *fs, const char *backing, unsigned int rings)
{
	/* Big SQEs: FUSE requests over io_uring ride on these rings. */
	struct swap_io_config cfg = {.nr_rings = rings, .big_sqes = true};
	int rc;

	memset(fs, 0, sizeof(*fs));
	pthread_mutex_init(&fs->lock, NULL);
	pthread_cond_init(&fs->released, NULL);
	fs->dirfd = -1;
	fs->uid = getuid();
	fs->gid = getgid();
	fs->align = SWAP_IO_BLOCK;
	clock_gettime(CLOCK_REALTIME, &fs->started);
	fs->backing = realpath(backing, NULL);
	if (!fs->backing)
		return -errno;
	fs->dirfd = open(fs->backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->dirfd < 0)
		return -errno;
	rc = fs_pool_init(&fs->pool, FS_POOL_NR, FS_MAX_IO, fs->align);
	if (rc)
		return rc;
	rc = swap_io_engine_create(&cfg, &fs->engine);
	if (rc)
		return rc;
	/* Fixed buffers: the pool's pages are pinned once, not per IO. */
	rc = swap_io_register_buffer(fs->engine, fs->pool.mem,
				     fs->pool.mem_len);
	if (rc)
		fprintf(stderr,
			"swapemu mount: warning: cannot register buffers: "
			"%s\n",
			strerror(-rc));
	fs->pool.registered = !rc;
	return 0;
}

static void fs_teardown(struct fs *fs)
{
	if (fs_areas_destroy_all(fs)) {
		/* Files still open: leave engine and pool to process exit. */
		fprintf(stderr, "swapemu mount: areas still open at exit\n");
		return;
	}
	if (fs->pool.registered)
		swap_io_unregister_buffer(fs->engine, fs->pool.mem);
	fs_ring_unregister(fs);
	if (fs->engine)
		swap_io_engine_destroy(fs->engine);
	fs_ring_destroy(fs);
	if (fs->pool.all)
		fs_pool_fini(&fs->pool);
	if (fs->dirfd >= 0)
		close(fs->dirfd);
	free(fs->backing);
	pthread_cond_destroy(&fs->released);
	pthread_mutex_destroy(&fs->lock);
}

/* mkdir -p for the default backing directory. */
static int fs_mkdirs(const char *path)
{
	char buf[PATH_MAX];

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Refuse, before mounting, a declared area whose existing metadata says it
 * has another size: after daemonizing, errors no longer reach the caller.
 */
static int fs_check_specs(const struct fs_mount_opts *mo, const char *backing)
{
	char path[FS_NAME_MAX + 16];
	struct fs_meta m;
	int dirfd, rc = 0;

	dirfd = open(backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	for (unsigned int i = 0; i < mo->nr_areas && !rc; i++) {
		const struct fs_spec *sp = &mo->areas[i];

		snprintf(path, sizeof(path), "%s.meta", sp->name);
		if (fs_meta_load(dirfd, path, &m))
			continue;
		if (strcmp(m.backing, sp->backing)) {
			fprintf(stderr,
				"swapemu mount: area %s exists with other "
				"backing files\n",
				sp->name);
			rc = -EBUSY;
			continue;
		}
		if (!m.size || m.size == sp->size)
			continue;
		fprintf(stderr,
			"swapemu mount: area %s exists with size %llu, "
			"not %llu\n",
			sp->name, (unsigned long long)m.size,
			(unsigned long long)sp->size);
		rc = -EBUSY;
	}
	close(dirfd);
	return rc;
}

/*
 * Serve requests with at most @mo->threads workers, all kept when idle.
 * Few workers is what the IO path wants: a handler only queues the IO to
 * the engine and returns, so one worker drains a queue of requests without
 * sleeping, while every extra idle worker costs a wakeup (a context switch)
 * per request.  More than one keeps the rare blocking handler (fsync,
 * punch, a full request pool) from stalling the rest.
 */
static int fs_loop(struct fuse_session *se, const struct fuse_cmdline_opts *co,
		   const struct fs_mount_opts *mo)
{
	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	int rc;

	if (!lc)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(lc, (unsigned int)co->clone_fd);
	fuse_loop_cfg_set_max_threads(lc, mo->threads);
	fuse_loop_cfg_set_idle_threads(lc, mo->threads);
	rc = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	return rc;
}

/* Mount, daemonize, guard memory, restore areas, serve. */
static int fs_serve(struct fs *fs, struct fuse_args *args,
		    struct fuse_cmdline_opts *co,
		    const struct fs_mount_opts *mo, const char *backing)
{
	enum fs_cache cache = FS_CACHE_DIRECT;

	enum fs_ring_mode ring = FS_RING_AUTO;
	struct fuse_session *se;
	int rc = 1;

	if (mo->ring)
		fs_ring_mode_parse(mo->ring, &ring);
	if (fs_ring_check(ring)) /* said now, while errors reach the caller */
		return 1;
	se = fs_session_new(args, fs);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se))
		goto out_destroy;
	if (fuse_session_mount(se, co->mountpoint))
		goto out_signals;
	fuse_daemonize(co->foreground);
	if (fs_memory_guard())
		goto out_unmount;
	if (fs_setup(fs, backing, mo->nr_rings)) {
		fprintf(stderr, "swapemu mount: cannot set up %s\n", backing);
		goto out_unmount;
	}
	fs->cache_set = mo->cache && !fs_cache_parse(mo->cache, &cache);
	fs->cache = cache;
	fs_areas_load_all(fs);
	for (unsigned int i = 0; i < mo->nr_areas; i++) {
		int err = fs_area_declare(fs, &mo->areas[i]);

		if (err) {
			fprintf(stderr, "swapemu mount: area %s: %s\n",
				mo->areas[i].name, strerror(-err));
			goto out_unmount;
		}
	}
	if (fs_ring_setup(fs, se, ring, mo->threads, FS_MAX_IO)) {
		fprintf(stderr, "swapemu mount: cannot set up the FUSE ring\n");
		goto out_unmount;
	}
	rc = fs_loop(se, co, mo) ? 1 : 0;
	fs_ring_stop(fs);
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
	return rc;
}

int fs_mount_main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	static struct fs_mount_opts mo; /* 40 KiB of specs: off the stack */
	struct fuse_cmdline_opts co = {0};
	const char *backing;
	char *backing_abs = NULL;
	struct fs fs;
	int rc = 1;

	memset(&fs, 0, sizeof(fs));
	fs.dirfd = -1;
	pthread_mutex_init(&fs.lock, NULL);
	pthread_cond_init(&fs.released, NULL);
	if (fuse_opt_parse(&args, &mo, fs_mount_optspec, fs_mount_opt_proc))
		goto out_free_args;
	if (mo.cache && fs_cache_parse(mo.cache, &(enum fs_cache){0})) {
		fprintf(stderr,
			"swapemu mount: --backing-cache: '%s' is neither "
			"direct nor buffered\n",
			mo.cache);
		goto out_free_args;
	}
	if (mo.ring && fs_ring_mode_parse(mo.ring, &(enum fs_ring_mode){0})) {
		fprintf(stderr,
			"swapemu mount: --fuse-ring: '%s' is not auto, on or "
			"off\n",
			mo.ring);
		goto out_free_args;
	}
	mo.nr_rings = mo.rings ? fs_rings_parse(mo.rings) : fs_rings_default();
	if (!mo.nr_rings) {
		fprintf(stderr,
			"swapemu mount: --rings: '%s' is not a number from 1 "
			"to %u\n",
			mo.rings, SWAP_IO_MAX_RINGS);
		goto out_free_args;
	}
	if (fuse_parse_cmdline(&args, &co))
		goto out_free_args;
	if (!mo.threads)
		mo.threads = FS_THREADS_DEFAULT;
	if (mo.threads > FS_THREADS_MAX) {
		fprintf(stderr, "swapemu mount: --threads: 1..%u\n",
			FS_THREADS_MAX);
		goto out_free_args;
	}
	if (mo.show_help || co.show_help) {
		fs_mount_usage();
		rc = 0;
		goto out_free_args;
	}
	if (!co.mountpoint) {
		fprintf(stderr, "swapemu mount: no mount point\n");
		fs_mount_usage();
		goto out_free_args;
	}
	backing = mo.backing ? mo.backing : FS_DEFAULT_BACKING;
	if (fs_mkdirs(backing)) {
		fprintf(stderr, "swapemu mount: cannot create %s: %s\n",
			backing, strerror(errno));
		goto out_free_args;
	}
	/* Resolved now: the daemon leaves this working directory. */
	backing_abs = realpath(backing, NULL);
	if (!backing_abs) {
		fprintf(stderr, "swapemu mount: %s: %s\n", backing,
			strerror(errno));
		goto out_free_args;
	}
	backing = backing_abs;
	fs_warn_memory_backing(backing);
	if (fs_check_specs(&mo, backing))
		goto out_free_args;
	fuse_opt_add_arg(&args, "-odefault_permissions,fsname=swapemu,"
				"subtype=swapemu");
	rc = fs_serve(&fs, &args, &co, &mo, backing);
	fs_teardown(&fs);
out_free_args:
	free(backing_abs);
	free(co.mountpoint);
	free(mo.backing);
	free(mo.cache);
	free(mo.ring);
	free(mo.rings);
	fuse_opt_free_args(&args);
	return rc;
}

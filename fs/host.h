/* SPDX-License-Identifier: MIT */
/*
 * The host side of a swapemu mount: what the benchmarks, the demo and the
 * CLI set up in the running kernel, and the one place that undoes it.
 *
 *  - a `swapemu mount` daemon on a mount point, started and waited for
 *    until it serves, and unmounted again;
 *  - a file on a loop device (optionally direct IO), swapped on with a
 *    priority (optionally --discard), swapped off and detached again;
 *  - a memory cgroup v1 with a limit, children run in it (stdout
 *    captured), removed again once it has drained;
 *  - work directories, removed with everything in them;
 *  - the swap counters of /proc/vmstat.
 *
 * Everything set up is recorded in one process-wide registry as soon as
 * it exists (a loop device even before losetup has named it), and the
 * matching undo call removes the record.  host_undo_all() undoes what is
 * still recorded, last first; it uses only async-signal-safe calls, so it
 * may run in a SIGINT/SIGTERM handler as well as on a normal cleanup path.
 *
 * Interruption: host_catch_signals() installs a handler (for SIGINT,
 * SIGTERM, SIGHUP and SIGPIPE) that only notes the signal (without
 * SA_RESTART, so blocking waits return); host_run() and host_mount() then
 * stop their child and return -EINTR, and the
 * caller calls host_undo_all().  A caller with its own handler calls
 * host_interrupt() from it (and may call host_undo_all() there too).
 *
 * Functions return 0 or -errno unless said otherwise.  Not thread-safe:
 * one thread sets up and undoes.
 */
#ifndef SWAPEMU_FS_HOST_H
#define SWAPEMU_FS_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The fuse module's switch for FUSE over io_uring (Linux 6.14+). */
#define HOST_FUSE_RING_PARAM "/sys/module/fuse/parameters/enable_uring"

/* Where memory cgroup v1 groups are made. */
#define HOST_CGROUP_ROOT "/sys/fs/cgroup/memory"

/* ---- interruption ---- */

/* Catch SIGINT, SIGTERM, SIGHUP and SIGPIPE with a handler that calls
 * host_interrupt(). */
void host_catch_signals(void);

/* Note that @sig arrived.  Async-signal-safe. */
void host_interrupt(int sig);

/* The signal noted since the last host_clear_interrupt(), or 0. */
int host_interrupted(void);

void host_clear_interrupt(void);

/* ---- FUSE over io_uring ---- */

/*
 * Let daemons take FUSE requests over io_uring: set the fuse module's
 * enable_uring parameter, recording its old value for undo (nothing is
 * recorded when it is already on).  -EOPNOTSUPP on kernels without it.
 */
int host_fuse_ring_enable(void);

/*
 * How the swapemu mount at @mountpoint takes its FUSE requests, from its
 * .swapemu/fuse ("io_uring" or "/dev/fuse"), into @buf.  0 or -errno.
 */
int host_fuse_transport(const char *mountpoint, char *buf, size_t len);

/* ---- the registry ---- */

/*
 * Undo everything still recorded, last first: kill and reap children,
 * remove cgroups (retrying while they drain), swap off and detach loop
 * devices, unmount mounts (then stop their daemons), remove work
 * directories.  Failures are reported on stderr.  Idempotent and
 * async-signal-safe.
 */
void host_undo_all(void);

/* How many records are live (for tests). */
unsigned int host_nr_records(void);

/* ---- work directory ---- */

/*
 * Make a fresh directory "@parent/@prefix.XXXXXX" (mkdtemp) into @path
 * and record it: undo removes it recursively, never crossing into a
 * mount.
 */
int host_workdir(const char *parent, const char *prefix, char *path,
		 size_t len);

/* Remove @path (made by host_workdir) with its contents; drop its record. */
int host_workdir_remove(const char *path);

/* Is @path on tmpfs or ramfs?  A FUSE backing directory must not be: the
 * kernel could swap its pages to the very device they back. */
bool host_in_memory(const char *path);

/* ---- mount daemon ---- */

struct host_mount_config {
	const char *exe;	 /* swapemu binary; NULL: this program */
	const char *mountpoint;	 /* existing empty directory */
	const char *backing;	 /* --backing DIR, or NULL */
	const char *const *args; /* more mount options, NULL-ended, or NULL */
	const char *log;	 /* daemon stderr goes here, or NULL */
	const char *wait_for;	 /* path that must exist once up, or NULL */
	unsigned int timeout_ms; /* how long to wait; 0: 10 s */
};

/*
 * Start `swapemu mount [--backing DIR] ARGS -f MOUNTPOINT` in its own
 * session (a terminal's ^C must not take down a daemon the kernel still
 * swaps through) and wait until the mount point is a mount and
 * @wait_for exists.  The daemon's pid goes to @daemon when not NULL.
 * -EIO if the daemon exits first (see its log), -ETIMEDOUT, -EINTR.
 */
int host_mount(const struct host_mount_config *cfg, pid_t *daemon);

/*
 * Unmount @mountpoint (retrying for a while: a loop device that was just
 * detached lets go late) and reap its daemon; as a last resort kill the
 * daemon and detach lazily.  Drops the record.
 */
int host_umount(const char *mountpoint);

/* Is @path a mount point (a different device than its parent)? */
bool host_is_mountpoint(const char *path);

/* ---- loop device and swap ---- */

#define HOST_SWAP_DIRECT_IO 0x1u /* losetup --direct-io=on */
#define HOST_SWAP_DISCARD 0x2u	 /* swapon --discard */
#define HOST_SWAP_NO_SWAPON 0x4u /* only attach the loop device */

/*
 * Attach @file to a free loop device (losetup --find --show) and swap on
 * it with priority @prio (-1: the kernel's default) through util-linux,
 * whose messages reach stderr.  The device ("/dev/loopN") goes to @loop.
 * On failure nothing is left attached.  Exit statuses of the tools
 * become -EIO.
 */
int host_swapon(const char *file, int prio, unsigned int flags, char *loop,
		size_t len);

/*
 * Swap off @loop if the kernel swaps on it and detach it; drops the
 * record.  Uses swapoff(2) and LOOP_CLR_FD directly.
 */
int host_swapoff(const char *loop);

/* Is @dev listed in /proc/swaps? */
bool host_swap_listed(const char *dev);

/*
 * The first loop device whose backing file is @file (as the kernel names
 * it, i.e. an absolute path without symlinks) into @loop; -ENOENT if
 * none.
 */
int host_loop_find(const char *file, char *loop, size_t len);

/* Swap off and detach every loop device backed by @file (e.g. left by an
 * interrupted swapon).  The number released, or -errno. */
int host_loop_release_file(const char *file);

/* ---- memory cgroup v1 ---- */

/* Is the memory controller of cgroup v1 there and writable? */
bool host_cgroup_available(void);

/*
 * Make HOST_CGROUP_ROOT/@name (name unique per process is the caller's
 * business, e.g. with its pid) limited to @limit bytes (0: no limit) and
 * record it.  Its path goes to @path.
 */
int host_cgroup_create(const char *name, uint64_t limit, char *path,
		       size_t len);

/* Remove the cgroup @path, retrying for a while as it drains; drops the
 * record. */
int host_cgroup_remove(const char *path);

/* ---- children ---- */

struct host_cmd {
	const char *cgroup; /* cgroup directory to join first, or NULL */
	char *out;	    /* stdout captured here, NUL-terminated, or NULL */
	size_t out_len;	    /* size of @out */
	bool quiet;	    /* stdout to /dev/null when not captured */
	bool quiet_err;	    /* stderr to /dev/null */
};

/*
 * Run @argv (PATH searched) to completion; @cmd may be NULL.  The child
 * is recorded while it runs and gets SIGINT/SIGTERM at their defaults.
 * Returns its exit status (128 + signal if killed), -errno if it could
 * not run, or -EINTR (the child stopped) when interrupted.  Trailing
 * newlines of @out are removed.
 */
int host_run(char *const argv[], const struct host_cmd *cmd);

/* ---- counters ---- */

struct host_vmstat {
	uint64_t pswpin;     /* pages swapped in */
	uint64_t pswpout;    /* pages swapped out */
	uint64_t pgmajfault; /* major faults */
};

int host_vmstat_read(struct host_vmstat *v);

/* The value of the "@key VALUE" line of @path (/proc/vmstat,
 * memory.stat) into @val; -ENOENT if there is none. */
int host_stat_key(const char *path, const char *key, uint64_t *val);

#endif

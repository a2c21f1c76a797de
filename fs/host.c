/* SPDX-License-Identifier: MIT */
/*
 * Kernel-side plumbing around a swapemu mount (see host.h): mount daemon,
 * loop device and swap, memory cgroup v1, children, work directories, and
 * the registry that undoes them.
 *
 * Setting up may use anything (util-linux's losetup and swapon, stdio);
 * undoing uses only async-signal-safe calls (umount2, swapoff(2),
 * LOOP_CLR_FD, rmdir, kill, waitpid, getdents64, write), because it may
 * run inside a signal handler.  The registry is a fixed array for the
 * same reason: nothing to allocate, nothing to lock.  A record is filled
 * first and then marked live, with SIGINT and SIGTERM blocked, so that a
 * handler sees either nothing or a whole record.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/loop.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fs/host.h"

#define HOST_MAX_RECORDS 32
#define HOST_RETRIES 50 /* of HOST_RETRY_MS: 5 s */
#define HOST_RETRY_MS 100
#define HOST_MAX_DEPTH 16 /* directory levels removed */

enum host_kind {
	HOST_DIR,    /* work directory: path */
	HOST_MOUNT,  /* mount point: path, daemon pid */
	HOST_LOOP,   /* loop device: backing file path, dev once known */
	HOST_CGROUP, /* memory cgroup: path */
	HOST_CHILD,  /* running child: pid */
	HOST_PARAM,  /* kernel parameter file: path, old value in dev */
};

/* One thing set up.  Written only with SIGINT/SIGTERM blocked. */
struct host_record {
	volatile sig_atomic_t live; /* set up and not yet undone */
	enum host_kind kind;	    /* what it is */
	pid_t pid;		    /* daemon or child, 0 if none */
	char path[PATH_MAX];	    /* see enum host_kind */
	char dev[64];		    /* loop device, "" until known */
};

static struct host_record host_records[HOST_MAX_RECORDS];
static volatile sig_atomic_t host_top; /* records in use: [0, host_top) */
static volatile sig_atomic_t host_signal;

/* ---- interruption ---- */

void host_interrupt(int sig)
{
	host_signal = sig ? sig : SIGINT;
}

int host_interrupted(void)
{
	return host_signal;
}

void host_clear_interrupt(void)
{
	host_signal = 0;
}

/*
 * What stops a run: ^C, kill, a closed terminal, and a closed pipe on
 * stdout (`swapemu demo | head`), which would otherwise end the process
 * with everything still set up.
 */
static const int host_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

static void host_on_signal(int sig)
{
	host_interrupt(sig);
}

void host_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = host_on_signal};

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(host_signals) / sizeof(host_signals[0]);
	     i++)
		sigaction(host_signals[i], &sa, NULL);
}

static void host_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(host_signals) / sizeof(host_signals[0]);
	     i++)
		sigaddset(&set, host_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void host_unblock(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* ---- async-signal-safe helpers ---- */

static void host_sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* "swapemu: @what @path: @why\n" on stderr, with write(2) only. */
static void host_say(const char *what, const char *path, int err)
{
	const char *parts[] = {"swapemu: ", what,
			       " ",	    path,
			       ": ",	    err ? strerror(err) : "failed",
			       "\n"};
	ssize_t rc;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		rc = write(STDERR_FILENO, parts[i], strlen(parts[i]));
	(void)rc;
}

/* Kill @pid and reap it, TERM first when @gentle. */
static void host_stop_child(pid_t pid, bool gentle)
{
	if (gentle) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 20; i++) {
			if (waitpid(pid, NULL, WNOHANG) != 0)
				return;
			host_sleep_ms(HOST_RETRY_MS);
		}
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * Call @fn for each entry of the directory @fd (but "." and "..") with
 * getdents64, which unlike readdir allocates nothing.
 */
static int host_each_entry(int fd,
			   int (*fn)(int fd, const char *name, void *arg),
			   void *arg)
{
	char buf[4096] __attribute__((aligned(8)));
	long n;
	int rc = 0;

	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				rc = fn(fd, d->d_name, arg) ?: rc;
		}
	}
	return n < 0 ? -errno : rc;
}

/* ---- the registry ---- */

static struct host_record *host_record_add(enum host_kind kind,
					   const char *path, pid_t pid)
{
	struct host_record *r = NULL;
	sigset_t old;

	host_block(&old);
	if (host_top < HOST_MAX_RECORDS) {
		r = &host_records[host_top];
		r->kind = kind;
		r->pid = pid;
		snprintf(r->path, sizeof(r->path), "%s", path ? path : "");
		r->dev[0] = '\0';
		r->live = 1;
		host_top++;
	}
	host_unblock(&old);
	return r;
}

static void host_record_drop(struct host_record *r)
{
	sigset_t old;

	if (!r)
		return;
	host_block(&old);
	r->live = 0;
	while (host_top > 0 && !host_records[host_top - 1].live)
		host_top--;
	host_unblock(&old);
}

/* The live record of @kind for @path (or for loop device @path). */
static struct host_record *host_record_find(enum host_kind kind,
					    const char *path)
{
	for (int i = host_top - 1; i >= 0; i--) {
		struct host_record *r = &host_records[i];

		if (r->live && r->kind == kind &&
		    (!strcmp(r->path, path) || !strcmp(r->dev, path)))
			return r;
	}
	return NULL;
}

unsigned int host_nr_records(void)
{
	unsigned int n = 0;

	for (int i = 0; i < host_top; i++)
		n += host_records[i].live != 0;
	return n;
}

/* ---- undo, one kind each; all async-signal-safe ---- */

/* Where host_rm_tree is: the device it stays on, the level. */
struct host_rm_ctx {
	dev_t dev; /* of the top directory */
	int depth; /* levels below it */
};

static int host_rm_at(int dirfd, const char *name, void *arg);

/* Remove @name in @dirfd recursively, not leaving device @dev. */
static int host_rm_tree(int dirfd, const char *name, dev_t dev, int depth)
{
	struct stat st;
	int fd, rc;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) ? -errno : 0;
	if (st.st_dev != dev || depth >= HOST_MAX_DEPTH)
		return -EBUSY; /* a mount (or absurd depth): leave it */
	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = host_each_entry(fd, host_rm_at,
			     &(struct host_rm_ctx){dev, depth + 1});
	close(fd);
	if (unlinkat(dirfd, name, AT_REMOVEDIR))
		rc = rc ?: -errno;
	return rc;
}

static int host_rm_at(int dirfd, const char *name, void *arg)
{
	const struct host_rm_ctx *sub = arg;

	return host_rm_tree(dirfd, name, sub->dev, sub->depth);
}

static int host_undo_dir(const char *path)
{
	struct stat st;
	int rc;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	rc = host_rm_tree(AT_FDCWD, path, st.st_dev, 0);
	if (rc)
		host_say("cannot remove", path, -rc);
	return rc;
}

bool host_is_mountpoint(const char *path)
{
	char parent[PATH_MAX + 4];
	struct stat a, b;

	if (strlen(path) + 4 > sizeof(parent))
		return false;
	strcpy(parent, path);
	strcat(parent, "/..");
	if (stat(path, &a) || stat(parent, &b))
		return false;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

/* Unmount @path, reap @daemon (0: none). */
static int host_undo_mount(const char *path, pid_t daemon)
{
	int rc = 0;

	for (int i = 0; i < HOST_RETRIES && host_is_mountpoint(path); i++) {
		if (!umount2(path, 0))
			break;
		host_sleep_ms(HOST_RETRY_MS);
	}
	if (host_is_mountpoint(path)) {
		host_say("cannot unmount", path, EBUSY);
		if (daemon)
			kill(daemon, SIGKILL);
		umount2(path, MNT_DETACH);
		rc = -EBUSY;
	}
	for (int i = 0; daemon && i < HOST_RETRIES; i++) {
		if (waitpid(daemon, NULL, WNOHANG) != 0)
			return rc;
		host_sleep_ms(HOST_RETRY_MS);
	}
	if (daemon)
		host_stop_child(daemon, true);
	return rc;
}

/* Swap off (if swapping) and detach the loop device @dev. */
static int host_undo_loop_dev(const char *dev)
{
	int fd, rc = 0;

	if (swapoff(dev) && errno != EINVAL && errno != ENOENT) {
		rc = -errno;
		host_say("cannot swap off", dev, errno);
		return rc;
	}
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (ioctl(fd, LOOP_CLR_FD, 0) && errno != ENXIO) {
		rc = -errno;
		host_say("cannot detach", dev, errno);
	}
	close(fd);
	return rc;
}

/* Does the loop device /sys/block/@name have @file as backing file? */
static bool host_loop_backs(const char *name, const char *file)
{
	char path[128], buf[PATH_MAX + 16];
	size_t n = strlen(file);
	ssize_t got;
	int fd;

	if (strncmp(name, "loop", 4) || strlen(name) > 64)
		return false;
	strcpy(path, "/sys/block/");
	strcat(path, name);
	strcat(path, "/loop/backing_file");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return false;
	buf[got] = '\0';
	return !strncmp(buf, file, n) && (buf[n] == '\n' || buf[n] == '\0');
}

/* For host_each_entry over /sys/block: find or release @file's loops. */
struct host_loop_scan {
	const char *file; /* backing file looked for */
	char *found;	  /* first device's path, or NULL: release all */
	size_t len;	  /* of @found */
	int count;	  /* devices matched */
};

static int host_loop_visit(int fd, const char *name, void *arg)
{
	struct host_loop_scan *s = arg;
	char dev[80];

	if (!host_loop_backs(name, s->file))
		return 0;
	strcpy(dev, "/dev/");
	strcat(dev, name);
	if (s->found) {
		if (!s->count++ && strlen(dev) < s->len)
			strcpy(s->found, dev);
		return 0;
	}
	s->count++;
	return host_undo_loop_dev(dev);
}

static int host_loop_scan(struct host_loop_scan *s)
{
	int fd = open("/sys/block", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = host_each_entry(fd, host_loop_visit, s);
	close(fd);
	return rc;
}

static int host_undo_loop(const char *file, const char *dev)
{
	struct host_loop_scan s = {.file = file};

	if (dev[0])
		return host_undo_loop_dev(dev);
	/* losetup may have attached before it could name the device */
	return host_loop_scan(&s);
}

/* Kill what is left in cgroup @path (pids from cgroup.procs). */
static void host_cgroup_kill(const char *path)
{
	char procs[PATH_MAX + 16], buf[4096];
	ssize_t n;
	long pid = 0;
	int fd;

	if (strlen(path) + 14 > sizeof(procs))
		return;
	strcpy(procs, path);
	strcat(procs, "/cgroup.procs");
	fd = open(procs, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				pid = pid * 10 + (buf[i] - '0');
			} else if (pid) {
				kill((pid_t)pid, SIGKILL);
				pid = 0;
			}
		}
	}
	if (pid)
		kill((pid_t)pid, SIGKILL);
	close(fd);
}

static int host_undo_cgroup(const char *path)
{
	int err = 0;

	for (int i = 0; i < HOST_RETRIES; i++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		err = errno;
		if (err == EBUSY)
			host_cgroup_kill(path);
		host_sleep_ms(HOST_RETRY_MS);
	}
	host_say("cannot remove cgroup", path, err);
	return -err;
}

/* Put the old value back into a parameter file. */
static int host_undo_param(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err)
		host_say("cannot restore", path, err);
	return -err;
}

static int host_undo(struct host_record *r)
{
	switch (r->kind) {
	case HOST_DIR:
		return host_undo_dir(r->path);
	case HOST_MOUNT:
		return host_undo_mount(r->path, r->pid);
	case HOST_LOOP:
		return host_undo_loop(r->path, r->dev);
	case HOST_CGROUP:
		return host_undo_cgroup(r->path);
	case HOST_CHILD:
		host_stop_child(r->pid, false);
		return 0;
	case HOST_PARAM:
		return host_undo_param(r->path, r->dev);
	}
	return 0;
}

void host_undo_all(void)
{
	int saved = errno;

	for (int i = host_top - 1; i >= 0; i--) {
		struct host_record *r = &host_records[i];

		if (!r->live)
			continue;
		r->live = 0; /* claimed: a nested call skips it */
		host_undo(r);
	}
	host_top = 0;
	errno = saved;
}

/* Undo one record now and drop it (when undoing succeeded). */
static int host_undo_one(struct host_record *r)
{
	int rc = host_undo(r);

	if (!rc)
		host_record_drop(r);
	return rc;
}

/* ---- work directory ---- */

int host_workdir(const char *parent, const char *prefix, char *path, size_t len)
{
	if ((size_t)snprintf(path, len, "%s/%s.XXXXXX", parent, prefix) >= len)
		return -ENAMETOOLONG;
	if (!mkdtemp(path))
		return -errno;
	if (!host_record_add(HOST_DIR, path, 0)) {
		rmdir(path);
		return -ENOSPC;
	}
	return 0;
}

int host_workdir_remove(const char *path)
{
	struct host_record *r = host_record_find(HOST_DIR, path);

	return r ? host_undo_one(r) : host_undo_dir(path);
}

bool host_in_memory(const char *path)
{
	struct statfs sfs;

	return !statfs(path, &sfs) &&
	       (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC);
}

/* ---- children ---- */

/* In a fresh child: default signals, @cmd's cgroup and stdout. */
static void host_child_setup(const struct host_cmd *cmd, int out_fd,
			     const sigset_t *mask)
{
	char pid[16];
	int fd;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (cmd && cmd->cgroup) {
		char procs[PATH_MAX + 16];

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cmd->cgroup);
		snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
			_exit(126);
		close(fd);
	}
	if (out_fd >= 0)
		dup2(out_fd, STDOUT_FILENO);
	else if (cmd && cmd->quiet && (fd = open("/dev/null", O_WRONLY)) >= 0)
		dup2(fd, STDOUT_FILENO);
	if (cmd && cmd->quiet_err && (fd = open("/dev/null", O_WRONLY)) >= 0)
		dup2(fd, STDERR_FILENO);
}

/* Read the child's stdout into @cmd->out, draining what does not fit. */
static void host_read_out(const struct host_cmd *cmd, int fd)
{
	char sink[4096];
	size_t got = 0;
	ssize_t n;

	for (;;) {
		bool room = got + 1 < cmd->out_len;

		n = room ? read(fd, cmd->out + got, cmd->out_len - 1 - got)
			 : read(fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR && !host_signal)
			continue;
		if (n <= 0)
			break;
		if (room)
			got += (size_t)n;
	}
	cmd->out[got] = '\0';
	while (got && cmd->out[got - 1] == '\n')
		cmd->out[--got] = '\0';
}

/* Wait for @pid; stops it when interrupted. */
static int host_wait(pid_t pid)
{
	int status;

	for (;;) {
		if (host_signal) {
			host_stop_child(pid, true);
			return -EINTR;
		}
		if (waitpid(pid, &status, 0) == pid)
			break;
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int host_run(char *const argv[], const struct host_cmd *cmd)
{
	bool capture = cmd && cmd->out && cmd->out_len;
	int pfd[2] = {-1, -1}, rc;
	struct host_record *r;
	sigset_t old;
	pid_t pid;

	if (host_signal)
		return -EINTR;
	if (capture && pipe2(pfd, O_CLOEXEC))
		return -errno;
	host_block(&old);
	pid = fork();
	if (pid == 0) {
		host_child_setup(cmd, pfd[1], &old);
		execvp(argv[0], argv);
		fprintf(stderr, "swapemu: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	rc = pid < 0 ? -errno : 0;
	r = pid > 0 ? host_record_add(HOST_CHILD, NULL, pid) : NULL;
	host_unblock(&old);
	if (capture) {
		close(pfd[1]);
		if (pid > 0)
			host_read_out(cmd, pfd[0]);
		close(pfd[0]);
	}
	if (pid < 0)
		return rc;
	rc = host_wait(pid);
	host_record_drop(r);
	return rc;
}

/* ---- mount daemon ---- */

/* Exec `swapemu mount ...` in a new session; never returns. */
static void host_exec_daemon(const struct host_mount_config *cfg,
			     const sigset_t *mask)
{
	const char *exe = cfg->exe ? cfg->exe : "/proc/self/exe";
	const char *argv[64];
	int n = 0, fd;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	setsid();
	if (cfg->log) {
		fd = open(cfg->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
	}
	argv[n++] = exe;
	argv[n++] = "mount";
	if (cfg->backing) {
		argv[n++] = "--backing";
		argv[n++] = cfg->backing;
	}
	for (int i = 0; cfg->args && cfg->args[i] && n < 60; i++)
		argv[n++] = cfg->args[i];
	argv[n++] = "-f";
	argv[n++] = cfg->mountpoint;
	argv[n] = NULL;
	execv(exe, (char *const *)argv);
	fprintf(stderr, "swapemu: cannot run %s: %s\n", exe, strerror(errno));
	_exit(127);
}

/* Wait until @cfg's mount serves.  0, -EIO (daemon gone), -ETIMEDOUT,
 * -EINTR. */
static int host_mount_wait(const struct host_mount_config *cfg,
			   struct host_record *r)
{
	unsigned int ms = cfg->timeout_ms ? cfg->timeout_ms : 10000;

	for (unsigned int t = 0; t <= ms; t += HOST_RETRY_MS) {
		if (host_signal)
			return -EINTR;
		if (host_is_mountpoint(cfg->mountpoint) &&
		    (!cfg->wait_for || !access(cfg->wait_for, F_OK)))
			return 0;
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			fprintf(stderr,
				"swapemu: the mount daemon for %s exited%s%s\n",
				cfg->mountpoint, cfg->log ? "; see " : "",
				cfg->log ? cfg->log : "");
			return -EIO;
		}
		host_sleep_ms(HOST_RETRY_MS);
	}
	return -ETIMEDOUT;
}

int host_mount(const struct host_mount_config *cfg, pid_t *daemon)
{
	struct host_record *r;
	sigset_t old;
	pid_t pid;
	int rc;

	if (!cfg || !cfg->mountpoint)
		return -EINVAL;
	if (host_signal)
		return -EINTR;
	host_block(&old);
	pid = fork();
	if (pid == 0)
		host_exec_daemon(cfg, &old);
	rc = pid < 0 ? -errno : 0;
	r = pid > 0 ? host_record_add(HOST_MOUNT, cfg->mountpoint, pid) : NULL;
	host_unblock(&old);
	if (rc)
		return rc;
	if (!r) {
		host_stop_child(pid, false);
		return -ENOSPC;
	}
	rc = host_mount_wait(cfg, r);
	if (rc) {
		host_undo(r);
		host_record_drop(r);
		return rc;
	}
	if (daemon)
		*daemon = pid;
	return 0;
}

int host_umount(const char *mountpoint)
{
	struct host_record *r = host_record_find(HOST_MOUNT, mountpoint);

	return r ? host_undo_one(r) : host_undo_mount(mountpoint, 0);
}

/* ---- loop device and swap ---- */

bool host_swap_listed(const char *dev)
{
	char line[512];
	size_t n = strlen(dev);
	bool found = false;
	FILE *f = fopen("/proc/swaps", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, dev, n) &&
			(line[n] == ' ' || line[n] == '\t');
	fclose(f);
	return found;
}

int host_loop_find(const char *file, char *loop, size_t len)
{
	struct host_loop_scan s = {.file = file, .found = loop, .len = len};
	int rc = host_loop_scan(&s);

	if (rc)
		return rc;
	return s.count ? 0 : -ENOENT;
}

int host_loop_release_file(const char *file)
{
	struct host_loop_scan s = {.file = file};
	int rc = host_loop_scan(&s);

	return rc ? rc : s.count;
}

/* losetup --find --show [--direct-io=on] -- @file into @r->dev. */
static int host_losetup(struct host_record *r, const char *file,
			unsigned int flags)
{
	char dev[sizeof(r->dev)];
	char *argv[] = {
		"losetup",
		"--find",
		"--show",
		flags & HOST_SWAP_DIRECT_IO ? "--direct-io=on" : "--direct-io=off",
		"--",
		(char *)file,
		NULL};
	struct host_cmd cmd = {.out = dev, .out_len = sizeof(dev)};
	sigset_t old;
	int rc = host_run(argv, &cmd);

	if (rc)
		return rc < 0 ? rc : -EIO;
	if (strncmp(dev, "/dev/", 5))
		return -EIO;
	host_block(&old);
	memcpy(r->dev, dev, sizeof(dev));
	host_unblock(&old);
	return 0;
}

static int host_swapon_dev(const char *dev, int prio, unsigned int flags)
{
	char prio_s[16];
	char *argv[8];
	int n = 0, rc;

	argv[n++] = "swapon";
	if (prio >= 0) {
		snprintf(prio_s, sizeof(prio_s), "%d", prio);
		argv[n++] = "-p";
		argv[n++] = prio_s;
	}
	if (flags & HOST_SWAP_DISCARD)
		argv[n++] = "--discard";
	argv[n++] = "--";
	argv[n++] = (char *)dev;
	argv[n] = NULL;
	rc = host_run(argv, NULL);
	return rc < 0 ? rc : rc ? -EIO : 0;
}

int host_swapon(const char *file, int prio, unsigned int flags, char *loop,
		size_t len)
{
	struct host_record *r = host_record_add(HOST_LOOP, file, 0);
	int rc;

	if (!r)
		return -ENOSPC;
	rc = host_losetup(r, file, flags);
	if (!rc && strlen(r->dev) >= len)
		rc = -ENAMETOOLONG;
	if (!rc && !(flags & HOST_SWAP_NO_SWAPON))
		rc = host_swapon_dev(r->dev, prio, flags);
	if (rc) {
		/* By device; by file only if losetup was cut short. */
		if (r->dev[0] || rc == -EINTR)
			host_undo(r);
		host_record_drop(r);
		return rc;
	}
	strcpy(loop, r->dev);
	return 0;
}

int host_swapoff(const char *loop)
{
	struct host_record *r = host_record_find(HOST_LOOP, loop);
	int rc;

	if (r && !strcmp(r->dev, loop))
		return host_undo_one(r);
	if (host_swap_listed(loop) && swapoff(loop))
		return -errno;
	rc = host_undo_loop_dev(loop);
	return rc;
}

/* ---- memory cgroup v1 ---- */

bool host_cgroup_available(void)
{
	return !access(HOST_CGROUP_ROOT "/memory.limit_in_bytes", F_OK) &&
	       !access(HOST_CGROUP_ROOT, W_OK);
}

static int host_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int host_cgroup_create(const char *name, uint64_t limit, char *path, size_t len)
{
	char file[PATH_MAX + 32], val[32];
	struct host_record *r;
	int rc = 0;

	if (!name[0] || strchr(name, '/'))
		return -EINVAL;
	if ((size_t)snprintf(path, len, HOST_CGROUP_ROOT "/%s", name) >= len)
		return -ENAMETOOLONG;
	if (mkdir(path, 0755))
		return -errno;
	r = host_record_add(HOST_CGROUP, path, 0);
	if (!r) {
		rmdir(path);
		return -ENOSPC;
	}
	if (limit) {
		snprintf(file, sizeof(file), "%s/memory.limit_in_bytes", path);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)limit);
		rc = host_write_file(file, val);
	}
	if (rc)
		host_undo_one(r);
	return rc;
}

int host_cgroup_remove(const char *path)
{
	struct host_record *r = host_record_find(HOST_CGROUP, path);

	return r ? host_undo_one(r) : host_undo_cgroup(path);
}

/* ---- FUSE over io_uring ---- */

int host_fuse_ring_enable(void)
{
	char old[8] = "";
	struct host_record *r;
	int fd, rc;

	fd = open(HOST_FUSE_RING_PARAM, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno == -ENOENT ? -EOPNOTSUPP : -errno;
	rc = read(fd, old, sizeof(old) - 1) < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	old[strcspn(old, "\n")] = '\0';
	if (!strcmp(old, "Y"))
		return 0;
	r = host_record_add(HOST_PARAM, HOST_FUSE_RING_PARAM, 0);
	if (!r)
		return -ENOSPC;
	snprintf(r->dev, sizeof(r->dev), "%s", old);
	rc = host_write_file(HOST_FUSE_RING_PARAM, "Y");
	if (rc)
		host_record_drop(r);
	return rc;
}

int host_fuse_transport(const char *mountpoint, char *buf, size_t len)
{
	char path[PATH_MAX + 32], word[32];
	FILE *f;
	int rc = -EINVAL;

	snprintf(path, sizeof(path), "%s/.swapemu/fuse", mountpoint);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "transport %31s", word) == 1) {
		snprintf(buf, len, "%s", word);
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* ---- counters ---- */

int host_stat_key(const char *path, const char *key, uint64_t *val)
{
	char name[128];
	unsigned long long v;
	int rc = -ENOENT, c;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	while ((c = fscanf(f, "%127s %llu", name, &v)) != EOF) {
		if (c == 2 && !strcmp(name, key)) {
			*val = v;
			rc = 0;
			break;
		}
		if (c != 2 && fscanf(f, "%*[^\n]") == EOF)
			break;
	}
	fclose(f);
	return rc;
}

int host_vmstat_read(struct host_vmstat *v)
{
	char key[64];
	unsigned long long val;
	FILE *f = fopen("/proc/vmstat", "r");

	*v = (struct host_vmstat){0};
	if (!f)
		return -errno;
	while (fscanf(f, "%63s %llu", key, &val) == 2) {
		if (!strcmp(key, "pswpin"))
			v->pswpin = val;
		else if (!strcmp(key, "pswpout"))
			v->pswpout = val;
		else if (!strcmp(key, "pgmajfault"))
			v->pgmajfault = val;
	}
	fclose(f);
	return 0;
}

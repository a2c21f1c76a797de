/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench fs`: the FUSE mount against its own backing file, in one
 * run, on the same file.
 *
 *  1. fio (io_uring, O_DIRECT) on the area file in the mount and on the
 *     area's backing file DIR/bench.swap, from 1 MiB on (the swap header
 *     stays intact): 4 KiB random read and write at queue depth 32
 *     (target: the mount reaches >= 80% of the backing file's IOPS) and
 *     1 MiB sequential read and write at queue depth 8 (>= 70% of its
 *     bandwidth).  Who goes first alternates; medians of the rounds.
 *  2. Kernel swap: tests/e2e/memhog writes and verifies patterned memory
 *     in a memory cgroup smaller than it, once swapping through the mount
 *     (`swapemu swapon` of the area) and once through a loop device
 *     directly on the backing file, with and without --direct-io.  The
 *     wall time ratio mount / loop (target <= 1.15) and the pswpin and
 *     pswpout deltas of each run.
 *
 * The benchmark mounts, attaches, swaps on and makes cgroups itself, so it
 * records each of them in struct fsb_state as soon as it exists and
 * fsb_cleanup() undoes whatever is recorded, last first: on success, on
 * error and after SIGINT/SIGTERM (the handler only sets a flag; waits for
 * children are interrupted and the child is stopped).  The mount daemon
 * runs in its own session so that a ^C in the terminal does not take it
 * down while the kernel still swaps through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "swap/size.h"

#define FSB_MIB (1ull << 20)
#define FSB_SKIP FSB_MIB /* fio leaves the first MiB (swap header) alone */
#define FSB_MAX_ROUNDS 9u
#define FSB_CGROOT "/sys/fs/cgroup/memory"
#define FSB_AREA "bench"
#define FSB_PRIO "32767" /* above any other swap of the machine */

struct fsb_opts {
	const char *dir;	  /* parent of the work directory */
	const char *json;	  /* --json FILE, "-" for stdout, or NULL */
	char memhog[PATH_MAX];	  /* memhog binary */
	uint64_t size;		  /* area bytes */
	double runtime;		  /* seconds per fio measurement */
	unsigned int rounds;	  /* fio alternations */
	unsigned int swap_rounds; /* swap alternations */
	unsigned int mem_mib;	  /* memhog size */
	unsigned int limit_mib;	  /* cgroup memory limit */
	bool quick;		  /* small sizes, one round */
	bool check;		  /* exit 1 when a target is missed */
	bool no_swap;		  /* fio part only */
};

/* What the benchmark has set up; fsb_cleanup() undoes it. */
struct fsb_state {
	char self[PATH_MAX];	 /* the swapemu binary */
	char work[PATH_MAX / 2]; /* work directory, "" before mkdtemp */
	char mnt[PATH_MAX];	 /* mount point */
	char back[PATH_MAX];	 /* backing directory */
	char area[PATH_MAX];	 /* the area file in the mount */
	char file[PATH_MAX];	 /* its backing file */
	pid_t daemon;		 /* mount daemon, 0 when none */
	bool mounted;		 /* mnt is a mount */
	char loop[64];		 /* attached loop device, "" when none */
	bool swapping;		 /* loop is swapped on */
	char cgroup[PATH_MAX];	 /* memory cgroup made, "" when none */
};

/* One fio workload of part 1. */
struct fsb_fio {
	const char *name;	      /* table and JSON */
	const char *rw;		      /* fio --rw */
	bool write;		      /* IOPS from the write fields */
	uint64_t bs;		      /* bytes per IO */
	unsigned int qd;	      /* --iodepth */
	double target;		      /* mount / backing at least */
	double back[FSB_MAX_ROUNDS];  /* IOPS per round, backing file */
	double mount[FSB_MAX_ROUNDS]; /* IOPS per round, mount */
};

static struct fsb_fio fsb_fios[] = {
	{.name = "randread-4k-qd32",
	 .rw = "randread",
	 .bs = 4096,
	 .qd = 32,
	 .target = 0.80},
	{.name = "randwrite-4k-qd32",
	 .rw = "randwrite",
	 .write = true,
	 .bs = 4096,
	 .qd = 32,
	 .target = 0.80},
	{.name = "read-1m-qd8",
	 .rw = "read",
	 .bs = FSB_MIB,
	 .qd = 8,
	 .target = 0.70},
	{.name = "write-1m-qd8",
	 .rw = "write",
	 .write = true,
	 .bs = FSB_MIB,
	 .qd = 8,
	 .target = 0.70},
};

#define FSB_NR_FIOS (sizeof(fsb_fios) / sizeof(fsb_fios[0]))

/* One memhog run: wall time and swap traffic. */
struct fsb_run {
	double seconds;	  /* fork to exit */
	uint64_t pswpin;  /* /proc/vmstat delta, pages */
	uint64_t pswpout; /* same */
};

/* One swap mode of part 2, both paths. */
struct fsb_swap {
	const char *name;		      /* "buffered", "direct-io" */
	bool direct;			      /* losetup --direct-io=on */
	double target;			      /* mount / loop at most */
	struct fsb_run loop[FSB_MAX_ROUNDS];  /* per round */
	struct fsb_run mount[FSB_MAX_ROUNDS]; /* per round */
};

static struct fsb_swap fsb_swaps[] = {
	{.name = "buffered", .target = 1.15},
	{.name = "direct-io", .direct = true, .target = 1.15},
};

#define FSB_NR_SWAPS (sizeof(fsb_swaps) / sizeof(fsb_swaps[0]))

static volatile sig_atomic_t fsb_stop; /* SIGINT or SIGTERM seen */

static void fsb_on_signal(int sig)
{
	fsb_stop = sig;
}

/* Catch SIGINT and SIGTERM without SA_RESTART: blocking waits return. */
static void fsb_signals(void)
{
	struct sigaction sa = {.sa_handler = fsb_on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- children ---- */

/* Stop @pid (TERM, then KILL after 2 s) and reap it. */
static void fsb_kill(pid_t pid)
{
	kill(pid, SIGTERM);
	for (int i = 0; i < 20; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Wait for @pid; stops it when interrupted.  Exit status or -EINTR. */
static int fsb_wait(pid_t pid)
{
	int status;

	for (;;) {
		if (fsb_stop) {
			fsb_kill(pid);
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

/* In the child: join @cgroup (if any), send stdout to @fd (/dev/null if
 * -1), run from @cwd. */
static void fsb_child_setup(const char *cgroup, int fd, const char *cwd)
{
	char path[PATH_MAX + 16];
	FILE *f;

	if (cgroup && cgroup[0]) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
		f = fopen(path, "w");
		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f))
			_exit(126);
	}
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		_exit(126);
	if (cwd && chdir(cwd))
		_exit(126);
}

/*
 * Run @argv to completion from the work directory, in @cgroup if not
 * NULL; its stdout goes to @out (@len bytes, NUL-terminated) when given,
 * else to /dev/null.
 * Returns the exit status, or -errno (-EINTR when interrupted).
 */
static int fsb_run_cmd(const struct fsb_state *st, char *const argv[],
		       const char *cgroup, char *out, size_t len)
{
	int pfd[2] = {-1, -1};
	size_t got = 0;
	pid_t pid;
	ssize_t n;

	if (out && pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		fsb_child_setup(cgroup, pfd[1], st->work[0] ? st->work : NULL);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (out)
		close(pfd[1]);
	if (pid < 0) {
		if (out)
			close(pfd[0]);
		return -errno;
	}
	while (out && got + 1 < len &&
	       ((n = read(pfd[0], out + got, len - 1 - got)) > 0 ||
		(n < 0 && errno == EINTR && !fsb_stop)))
		got += n > 0 ? (size_t)n : 0;
	if (out) {
		out[got] = '\0';
		close(pfd[0]);
	}
	return fsb_wait(pid);
}

/* ---- mount, loop, swap, cgroup: set up and undone ---- */

static bool fsb_is_mounted(const struct fsb_state *st)
{
	struct stat a, b;

	return !stat(st->mnt, &a) && !stat(st->work, &b) &&
	       a.st_dev != b.st_dev;
}

/* Record the daemon's pid in WORK/daemon.pid for a script's cleanup. */
static void fsb_pidfile(const struct fsb_state *st)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/daemon.pid", st->work);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%d\n", (int)st->daemon);
	fclose(f);
}

/* Start the daemon in its own session, stderr to WORK/daemon.log. */
static int fsb_spawn_daemon(struct fsb_state *st, uint64_t size)
{
	char spec[64], log[PATH_MAX + 16];
	char *argv[] = {st->self, "mount", "--backing", st->back, "--area",
			spec,	  "-f",	   st->mnt,	NULL};
	pid_t pid;

	snprintf(spec, sizeof(spec), FSB_AREA ":%llu",
		 (unsigned long long)size);
	snprintf(log, sizeof(log), "%s/daemon.log", st->work);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		setsid();
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execv(st->self, argv);
		_exit(127);
	}
	st->daemon = pid;
	fsb_pidfile(st);
	return 0;
}

/* Mount the file system with one area of @size; wait until it is up. */
static int fsb_mount(struct fsb_state *st, uint64_t size)
{
	int rc = fsb_spawn_daemon(st, size);

	if (rc)
		return rc;
	for (int i = 0; i < 100 && !fsb_stop; i++) {
		if (fsb_is_mounted(st) && !access(st->area, F_OK)) {
			st->mounted = true;
			return 0;
		}
		if (waitpid(st->daemon, NULL, WNOHANG) == st->daemon) {
			st->daemon = 0;
			fprintf(stderr,
				"swapemu bench fs: the mount daemon "
				"exited; see %s/daemon.log\n",
				st->work);
			return -EIO;
		}
		usleep(100000);
	}
	st->mounted = fsb_is_mounted(st);
	return fsb_stop ? -EINTR : -ETIMEDOUT;
}

/* Unmount (retrying while a just-detached loop device lets go), reap the
 * daemon; kill it and detach lazily as a last resort. */
static void fsb_umount(struct fsb_state *st)
{
	for (int i = 0; i < 50 && st->mounted; i++) {
		if (!umount2(st->mnt, 0) || !fsb_is_mounted(st))
			st->mounted = false;
		else
			usleep(100000);
	}
	if (st->mounted) {
		fprintf(stderr,
			"swapemu bench fs: cannot unmount %s: "
			"killing its daemon\n",
			st->mnt);
		if (st->daemon)
			kill(st->daemon, SIGKILL);
		umount2(st->mnt, MNT_DETACH);
		st->mounted = false;
	}
	for (int i = 0; i < 50 && st->daemon; i++) {
		if (waitpid(st->daemon, NULL, WNOHANG) == st->daemon)
			st->daemon = 0;
		else
			usleep(100000);
	}
	if (st->daemon)
		fsb_kill(st->daemon);
	st->daemon = 0;
}

/* Is @dev listed in /proc/swaps? */
static bool fsb_swap_listed(const char *dev)
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

/* Swap off the loop device if the kernel swaps on it (a swapon that was
 * interrupted may or may not have happened). */
static int fsb_swapoff(struct fsb_state *st)
{
	char *argv[] = {"swapoff", "--", st->loop, NULL};
	int rc = 0;

	if (st->loop[0] && fsb_swap_listed(st->loop))
		rc = fsb_run_cmd(st, argv, NULL, NULL, 0);
	if (!rc)
		st->swapping = false;
	return rc;
}

static int fsb_detach(struct fsb_state *st)
{
	char *argv[] = {"losetup", "-d", st->loop, NULL};
	int rc = 0;

	if (st->loop[0])
		rc = fsb_run_cmd(st, argv, NULL, NULL, 0);
	if (!rc)
		st->loop[0] = '\0';
	return rc;
}

static void fsb_rmdir_cgroup(struct fsb_state *st)
{
	for (int i = 0; i < 50 && st->cgroup[0]; i++) {
		if (!rmdir(st->cgroup) || errno == ENOENT)
			st->cgroup[0] = '\0';
		else
			usleep(100000);
	}
	if (st->cgroup[0])
		fprintf(stderr, "swapemu bench fs: cannot remove %s: %s\n",
			st->cgroup, strerror(errno));
}

/* Remove the work directory's files (backing files, logs, fio state). */
static void fsb_rm_work(struct fsb_state *st)
{
	char work[sizeof(st->work)];
	char *argv[] = {"rm", "-rf", "--", work, NULL};

	if (!st->work[0] || st->mounted)
		return; /* never recurse into a live mount */
	memcpy(work, st->work, sizeof(work));
	st->work[0] = '\0'; /* rm runs from the current directory */
	fsb_run_cmd(st, argv, NULL, NULL, 0);
}

/*
 * Loop devices on @file that @st does not know of (a `swapemu swapon`
 * interrupted before it printed the device): swap off and detach each.
 */
static void fsb_cleanup_loops(struct fsb_state *st, const char *file)
{
	char *argv[] = {"losetup", "-n",	 "-O", "NAME",
			"-j",	   (char *)file, NULL};
	char out[1024], *save = NULL;

	if (fsb_run_cmd(st, argv, NULL, out, sizeof(out)))
		return;
	for (char *dev = strtok_r(out, "\n", &save); dev;
	     dev = strtok_r(NULL, "\n", &save)) {
		snprintf(st->loop, sizeof(st->loop), "%s", dev);
		if (fsb_swapoff(st) || fsb_detach(st))
			fprintf(stderr, "swapemu bench fs: cannot release %s\n",
				dev);
	}
	st->loop[0] = '\0';
}

/* Undo everything recorded in @st, last first.  Idempotent. */
static void fsb_cleanup(struct fsb_state *st)
{
	sig_atomic_t stop = fsb_stop;

	fsb_stop = 0; /* let the undo commands run to completion */
	fsb_rmdir_cgroup(st);
	if (fsb_swapoff(st))
		fprintf(stderr, "swapemu bench fs: swapoff %s failed\n",
			st->loop);
	if (!st->swapping && fsb_detach(st))
		fprintf(stderr, "swapemu bench fs: losetup -d %s failed\n",
			st->loop);
	if (st->work[0] && st->mounted)
		fsb_cleanup_loops(st, st->area);
	if (st->work[0])
		fsb_cleanup_loops(st, st->file);
	fsb_umount(st);
	fsb_rm_work(st);
	fsb_stop = stop;
}

/* Attach @file to a loop device and swap on it, recording both. */
static int fsb_loop_swapon(struct fsb_state *st, const char *file, bool direct)
{
	char *lo[] = {"losetup", "--find",
		      "--show",	 direct ? "--direct-io=on" : "--direct-io=off",
		      "--",	 (char *)file,
		      NULL};
	char *sw[] = {"swapon", "-p", FSB_PRIO, "--", st->loop, NULL};
	int rc = fsb_run_cmd(st, lo, NULL, st->loop, sizeof(st->loop));

	st->loop[strcspn(st->loop, "\n")] = '\0';
	if (rc || !st->loop[0])
		return rc < 0 ? rc : -EIO;
	rc = fsb_run_cmd(st, sw, NULL, NULL, 0);
	if (rc)
		return rc < 0 ? rc : -EIO;
	st->swapping = true;
	return 0;
}

/* `swapemu swapon` of the area: losetup + swapon done by the CLI. */
static int fsb_mount_swapon(struct fsb_state *st, bool direct)
{
	char *argv[8];
	int n = 0, rc;

	argv[n++] = st->self;
	argv[n++] = "swapon";
	argv[n++] = "-p";
	argv[n++] = FSB_PRIO;
	if (direct)
		argv[n++] = "--direct-io";
	argv[n++] = st->area;
	argv[n] = NULL;
	rc = fsb_run_cmd(st, argv, NULL, st->loop, sizeof(st->loop));
	st->loop[strcspn(st->loop, "\n")] = '\0';
	if (rc || !st->loop[0]) {
		st->loop[0] = '\0';
		return rc < 0 ? rc : -EIO;
	}
	st->swapping = true;
	return 0;
}

/* Make the memory cgroup of one memhog run, limited to @limit_mib. */
static int fsb_make_cgroup(struct fsb_state *st, unsigned int limit_mib)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(st->cgroup, sizeof(st->cgroup),
		 FSB_CGROOT "/swapemu-bench-fs-%d", (int)getpid());
	if (mkdir(st->cgroup, 0755)) {
		int rc = -errno;

		st->cgroup[0] = '\0';
		return rc;
	}
	snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", st->cgroup);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "%llu\n", (unsigned long long)limit_mib * FSB_MIB);
	return fclose(f) ? -errno : 0;
}

/* ---- part 1: fio ---- */

/* IOPS of a terse v3 line: field 8 (read) or 49 (write); -1 if none. */
static double fsb_fio_iops(char *out, bool write)
{
	char *save = NULL, *line, *tok, *fsave;
	double iops = -1;

	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		tok = strtok_r(line, ";", &fsave);
		if (!tok || strcmp(tok, "3"))
			continue;
		for (int f = 1; tok; f++, tok = strtok_r(NULL, ";", &fsave))
			if (f == (write ? 49 : 8))
				iops = atof(tok);
	}
	return iops;
}

/* One fio measurement of @w on @file.  IOPS, or -errno. */
static double fsb_fio_run(const struct fsb_state *st, const struct fsb_opts *o,
			  const struct fsb_fio *w, const char *file)
{
	char rw[32], bs[32], qd[32], off[32], size[32], rt[32];
	char fname[PATH_MAX + 16];
	char *argv[] = {"fio",
			"--name=fsbench",
			"--ioengine=io_uring",
			"--direct=1",
			"--norandommap",
			"--randrepeat=0",
			"--time_based",
			"--verify_state_save=0",
			"--output-format=terse",
			"--terse-version=3",
			fname,
			rw,
			bs,
			qd,
			off,
			size,
			rt,
			NULL};
	static char out[16384];
	int rc;

	snprintf(fname, sizeof(fname), "--filename=%s", file);
	snprintf(rw, sizeof(rw), "--rw=%s", w->rw);
	snprintf(bs, sizeof(bs), "--bs=%llu", (unsigned long long)w->bs);
	snprintf(qd, sizeof(qd), "--iodepth=%u", w->qd);
	snprintf(off, sizeof(off), "--offset=%llu",
		 (unsigned long long)FSB_SKIP);
	snprintf(size, sizeof(size), "--size=%llu",
		 (unsigned long long)(o->size - FSB_SKIP));
	snprintf(rt, sizeof(rt), "--runtime=%.1f", o->runtime);
	rc = fsb_run_cmd(st, argv, NULL, out, sizeof(out));
	if (rc)
		return rc < 0 ? rc : -EIO;
	return fsb_fio_iops(out, w->write);
}

/* Write the fio span of the backing file so that reads hit data. */
static int fsb_fill(const struct fsb_state *st, uint64_t size)
{
	int fd = open(st->file, O_WRONLY | O_DIRECT | O_CLOEXEC);
	unsigned char *buf;
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (posix_memalign((void **)&buf, 4096, FSB_MIB)) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t i = 0; i < FSB_MIB; i++)
		buf[i] = (unsigned char)(i * 167 + 13);
	for (uint64_t off = FSB_SKIP; off < size && !rc && !fsb_stop;
	     off += FSB_MIB)
		if (pwrite(fd, buf, FSB_MIB, (off_t)off) != (ssize_t)FSB_MIB)
			rc = errno ? -errno : -EIO;
	if (!rc && fdatasync(fd))
		rc = -errno;
	free(buf);
	close(fd);
	return fsb_stop ? -EINTR : rc;
}

/* Part 1: every workload on both files, alternating who goes first. */
static int fsb_part_fio(const struct fsb_state *st, const struct fsb_opts *o)
{
	for (unsigned int r = 0; r < o->rounds; r++) {
		for (size_t i = 0; i < FSB_NR_FIOS; i++) {
			struct fsb_fio *w = &fsb_fios[i];
			bool mount_first = (r + i) % 2 == 0;

			if (mount_first)
				w->mount[r] = fsb_fio_run(st, o, w, st->area);
			w->back[r] = fsb_fio_run(st, o, w, st->file);
			if (!mount_first)
				w->mount[r] = fsb_fio_run(st, o, w, st->area);
			if (fsb_stop)
				return -EINTR;
			if (w->back[r] <= 0 || w->mount[r] <= 0) {
				fprintf(stderr,
					"swapemu bench fs: fio %s "
					"failed (backing %.0f, mount %.0f)\n",
					w->name, w->back[r], w->mount[r]);
				return -EIO;
			}
			fprintf(stderr,
				"  round %u %-18s backing %9.0f  "
				"mount %9.0f IOPS\n",
				r + 1, w->name, w->back[r], w->mount[r]);
		}
	}
	return 0;
}

/* ---- part 2: kernel swap ---- */

/* pswpin and pswpout of /proc/vmstat. */
static void fsb_vmstat(uint64_t *in, uint64_t *out)
{
	char key[64];
	unsigned long long v;
	FILE *f = fopen("/proc/vmstat", "r");

	*in = *out = 0;
	if (!f)
		return;
	while (fscanf(f, "%63s %llu", key, &v) == 2) {
		if (!strcmp(key, "pswpin"))
			*in = v;
		else if (!strcmp(key, "pswpout"))
			*out = v;
	}
	fclose(f);
}

/* memhog in a fresh cgroup; the swap is already on. */
static int fsb_memhog(struct fsb_state *st, const struct fsb_opts *o,
		      struct fsb_run *run)
{
	char mib[16];
	char *argv[] = {(char *)o->memhog, mib, NULL};
	uint64_t in0, out0, t0;
	int rc;

	snprintf(mib, sizeof(mib), "%u", o->mem_mib);
	rc = fsb_make_cgroup(st, o->limit_mib);
	if (rc)
		return rc;
	fsb_vmstat(&in0, &out0);
	t0 = bench_now_ns();
	rc = fsb_run_cmd(st, argv, st->cgroup, NULL, 0);
	run->seconds = (double)(bench_now_ns() - t0) / 1e9;
	fsb_vmstat(&run->pswpin, &run->pswpout);
	run->pswpin -= in0;
	run->pswpout -= out0;
	fsb_rmdir_cgroup(st);
	if (rc)
		fprintf(stderr, "swapemu bench fs: memhog failed (%d)\n", rc);
	return rc < 0 ? rc : rc ? -EIO : 0;
}

/* Drop the backing file's page cache between runs (loop without direct
 * IO fills it), so that no run starts with the last one's data cached. */
static void fsb_drop_cache(const struct fsb_state *st)
{
	int fd = open(st->file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/* One swap run through the mount or the loop device on the file. */
static int fsb_swap_run(struct fsb_state *st, const struct fsb_opts *o,
			const struct fsb_swap *s, bool mount,
			struct fsb_run *run)
{
	int rc;

	fsb_drop_cache(st);
	rc = mount ? fsb_mount_swapon(st, s->direct)
		   : fsb_loop_swapon(st, st->file, s->direct);
	if (!rc)
		rc = fsb_memhog(st, o, run);
	if (fsb_stop)
		return -EINTR; /* fsb_cleanup undoes the rest */
	if (fsb_swapoff(st) || fsb_detach(st))
		rc = rc ? rc : -EIO;
	if (!rc)
		fprintf(stderr,
			"  %-9s %-5s %6.2f s  pswpin %llu pswpout "
			"%llu\n",
			s->name, mount ? "mount" : "loop", run->seconds,
			(unsigned long long)run->pswpin,
			(unsigned long long)run->pswpout);
	return rc;
}

/* Part 2: both modes, both paths, alternating who goes first. */
static int fsb_part_swap(struct fsb_state *st, const struct fsb_opts *o)
{
	int rc = 0;

	for (unsigned int r = 0; r < o->swap_rounds && !rc; r++) {
		for (size_t i = 0; i < FSB_NR_SWAPS && !rc; i++) {
			struct fsb_swap *s = &fsb_swaps[i];
			bool mount_first = (r + i) % 2 == 0;

			rc = fsb_swap_run(st, o, s, mount_first,
					  mount_first ? &s->mount[r]
						      : &s->loop[r]);
			if (!rc)
				rc = fsb_swap_run(st, o, s, !mount_first,
						  mount_first ? &s->loop[r]
							      : &s->mount[r]);
		}
	}
	return fsb_stop ? -EINTR : rc;
}

/* ---- results ---- */

/* Median, minimum and maximum of @n values. */
struct fsb_spread {
	double med, min, max;
};

static struct fsb_spread fsb_spread_of(const double *v, unsigned int n)
{
	double tmp[FSB_MAX_ROUNDS];
	struct fsb_spread s;

	memcpy(tmp, v, n * sizeof(*v));
	s.med = bench_median(tmp, n);
	s.min = tmp[0];
	s.max = tmp[n ? n - 1 : 0];
	return s;
}

/* Seconds, pswpin or pswpout (@field 0, 1, 2) of @n runs. */
static struct fsb_spread fsb_run_spread(const struct fsb_run *runs,
					unsigned int n, int field)
{
	double v[FSB_MAX_ROUNDS] = { 0 };

	for (unsigned int i = 0; i < n; i++)
		v[i] = field == 0   ? runs[i].seconds
		       : field == 1 ? (double)runs[i].pswpin
				    : (double)runs[i].pswpout;
	return fsb_spread_of(v, n);
}

/* The per-round ratios mount / backing of @w, as a spread. */
static struct fsb_spread fsb_fio_ratios(const struct fsb_fio *w, unsigned int n)
{
	double v[FSB_MAX_ROUNDS] = { 0 };

	for (unsigned int i = 0; i < n; i++)
		v[i] = w->back[i] > 0 ? w->mount[i] / w->back[i] : 0;
	return fsb_spread_of(v, n);
}

static bool fsb_fio_pass(const struct fsb_fio *w, unsigned int n)
{
	struct fsb_spread b = fsb_spread_of(w->back, n);
	struct fsb_spread m = fsb_spread_of(w->mount, n);

	return b.med > 0 && m.med / b.med >= w->target;
}

static double fsb_swap_ratio(const struct fsb_swap *s, unsigned int n)
{
	struct fsb_spread l = fsb_run_spread(s->loop, n, 0);
	struct fsb_spread m = fsb_run_spread(s->mount, n, 0);

	return l.med > 0 ? m.med / l.med : 0;
}

static void fsb_table_fio(FILE *f, const struct fsb_opts *o, bool *ok)
{
	fprintf(f, "%-18s %14s %14s %6s %12s %7s\n", "fio workload", "backing",
		"mount", "ratio", "round ratios", "target");
	for (size_t i = 0; i < FSB_NR_FIOS; i++) {
		const struct fsb_fio *w = &fsb_fios[i];
		struct fsb_spread b = fsb_spread_of(w->back, o->rounds);
		struct fsb_spread m = fsb_spread_of(w->mount, o->rounds);
		struct fsb_spread r = fsb_fio_ratios(w, o->rounds);
		bool pass = fsb_fio_pass(w, o->rounds);
		bool bw = w->bs >= FSB_MIB; /* bandwidth, else IOPS */
		double unit = bw ? (double)w->bs / FSB_MIB : 1;

		*ok &= pass;
		fprintf(f,
			"%-18s %8.0f %-5s %8.0f %-5s %6.3f  %5.3f-%-5.3f "
			">=%.2f %s\n",
			w->name, b.med * unit, bw ? "MiB/s" : "IOPS",
			m.med * unit, bw ? "MiB/s" : "IOPS",
			b.med > 0 ? m.med / b.med : 0, r.min, r.max, w->target,
			pass ? "ok" : "MISSED");
	}
}

static void fsb_table_swap(FILE *f, const struct fsb_opts *o, bool *ok)
{
	fprintf(f,
		"\nkernel swap: memhog %u MiB in a %u MiB cgroup\n"
		"%-10s %9s %9s %7s %7s  %-23s %-23s\n",
		o->mem_mib, o->limit_mib, "mode", "loop s", "mount s", "ratio",
		"target", "loop pswpin/out", "mount pswpin/out");
	for (size_t i = 0; i < FSB_NR_SWAPS; i++) {
		const struct fsb_swap *s = &fsb_swaps[i];
		unsigned int n = o->swap_rounds;
		double ratio = fsb_swap_ratio(s, n);
		bool pass = ratio > 0 && ratio <= s->target;

		*ok &= pass;
		fprintf(f,
			"%-10s %9.2f %9.2f %7.3f  <=%.2f %-6s "
			"%8.0f/%-8.0f       %8.0f/%-8.0f\n",
			s->name, fsb_run_spread(s->loop, n, 0).med,
			fsb_run_spread(s->mount, n, 0).med, ratio, s->target,
			pass ? "ok" : "MISSED",
			fsb_run_spread(s->loop, n, 1).med,
			fsb_run_spread(s->loop, n, 2).med,
			fsb_run_spread(s->mount, n, 1).med,
			fsb_run_spread(s->mount, n, 2).med);
	}
}

static void fsb_json_values(FILE *f, const char *key, const double *v,
			    unsigned int n)
{
	fprintf(f, "\"%s\":[", key);
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "%s%.3f", i ? "," : "", v[i]);
	fputc(']', f);
}

static void fsb_json_fio(FILE *f, const struct fsb_opts *o)
{
	fputs("\"fio\":[", f);
	for (size_t i = 0; i < FSB_NR_FIOS; i++) {
		const struct fsb_fio *w = &fsb_fios[i];
		struct fsb_spread b = fsb_spread_of(w->back, o->rounds);
		struct fsb_spread m = fsb_spread_of(w->mount, o->rounds);
		struct fsb_spread r = fsb_fio_ratios(w, o->rounds);

		fprintf(f,
			"%s{\"name\":\"%s\",\"bs\":%llu,\"qd\":%u,"
			"\"backing_iops\":%.0f,\"mount_iops\":%.0f,"
			"\"backing_mib_s\":%.1f,\"mount_mib_s\":%.1f,"
			"\"ratio\":%.3f,\"ratio_min\":%.3f,\"ratio_max\":%.3f,"
			"\"target\":%.2f,\"pass\":%s,",
			i ? "," : "", w->name, (unsigned long long)w->bs, w->qd,
			b.med, m.med, b.med * w->bs / FSB_MIB,
			m.med * w->bs / FSB_MIB, b.med > 0 ? m.med / b.med : 0,
			r.min, r.max, w->target,
			fsb_fio_pass(w, o->rounds) ? "true" : "false");
		fsb_json_values(f, "backing_rounds", w->back, o->rounds);
		fputc(',', f);
		fsb_json_values(f, "mount_rounds", w->mount, o->rounds);
		fputc('}', f);
	}
	fputc(']', f);
}

/* One path of a swap mode: medians and the per-run figures. */
static void fsb_json_path(FILE *f, const char *key, const struct fsb_run *runs,
			  unsigned int n)
{
	fprintf(f,
		"\"%s\":{\"seconds\":%.3f,\"pswpin\":%.0f,"
		"\"pswpout\":%.0f,\"runs\":[",
		key, fsb_run_spread(runs, n, 0).med,
		fsb_run_spread(runs, n, 1).med, fsb_run_spread(runs, n, 2).med);
	for (unsigned int i = 0; i < n; i++)
		fprintf(f,
			"%s{\"seconds\":%.3f,\"pswpin\":%llu,"
			"\"pswpout\":%llu}",
			i ? "," : "", runs[i].seconds,
			(unsigned long long)runs[i].pswpin,
			(unsigned long long)runs[i].pswpout);
	fputs("]}", f);
}

static void fsb_json_swap(FILE *f, const struct fsb_opts *o)
{
	fprintf(f,
		"\"swap\":{\"mem_mib\":%u,\"limit_mib\":%u,\"rounds\":%u,"
		"\"modes\":[",
		o->mem_mib, o->limit_mib, o->swap_rounds);
	for (size_t i = 0; i < FSB_NR_SWAPS && !o->no_swap; i++) {
		const struct fsb_swap *s = &fsb_swaps[i];
		double ratio = fsb_swap_ratio(s, o->swap_rounds);

		fprintf(f,
			"%s{\"name\":\"%s\",\"direct_io\":%s,"
			"\"ratio\":%.3f,\"target\":%.2f,\"pass\":%s,",
			i ? "," : "", s->name, s->direct ? "true" : "false",
			ratio, s->target,
			ratio > 0 && ratio <= s->target ? "true" : "false");
		fsb_json_path(f, "loop", s->loop, o->swap_rounds);
		fputc(',', f);
		fsb_json_path(f, "mount", s->mount, o->swap_rounds);
		fputc('}', f);
	}
	fputs("]}", f);
}

static int fsb_write_json(const struct fsb_opts *o, bool ok,
			  const double load[2])
{
	FILE *f;

	if (!o->json)
		return 0;
	f = strcmp(o->json, "-") ? fopen(o->json, "w") : stdout;
	if (!f)
		return -errno;
	fprintf(f,
		"{\"suite\":\"fs\",\"quick\":%s,\"size\":%llu,"
		"\"runtime_s\":%.2f,\"rounds\":%u,\"load_start\":%.2f,"
		"\"load_end\":%.2f,",
		o->quick ? "true" : "false", (unsigned long long)o->size,
		o->runtime, o->rounds, load[0], load[1]);
	fsb_json_fio(f, o);
	fputc(',', f);
	fsb_json_swap(f, o);
	fprintf(f, ",\"pass\":%s}\n", ok ? "true" : "false");
	if (f != stdout && fclose(f))
		return -errno;
	return 0;
}

/* ---- options and main ---- */

static void fsb_usage(FILE *f)
{
	fprintf(f,
		"usage: swapemu bench fs [--quick] [--json FILE] [--dir DIR]\n"
		"       [--size SIZE] [--runtime SEC] [--rounds N]\n"
		"       [--swap-rounds N] [--mem MIB] [--limit MIB]\n"
		"       [--memhog PATH] [--no-swap] [--check]\n\n"
		"Needs root, /dev/fuse, fio, losetup, swapon and the cgroup "
		"v1\n"
		"memory controller at " FSB_CGROOT ".  The work directory is\n"
		"made in DIR (default /tmp) and removed at the end.\n");
}

/* The default memhog: BUILD/tests/memhog next to BUILD/swapemu. */
static void fsb_default_memhog(const char *self, char *buf, size_t len)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", self);
	snprintf(buf, len, "%s/tests/memhog", dirname(tmp));
}

static void fsb_set_quick(struct fsb_opts *o)
{
	o->quick = true;
	o->size = 256ull << 20;
	o->runtime = 1;
	o->rounds = 1;
	o->swap_rounds = 1;
	o->mem_mib = 128;
	o->limit_mib = 32;
}

static int fsb_parse(int argc, char **argv, struct fsb_opts *o)
{
	static const struct option longopts[] = {
		{"quick", no_argument, NULL, 'q'},
		{"json", required_argument, NULL, 'j'},
		{"dir", required_argument, NULL, 'd'},
		{"size", required_argument, NULL, 's'},
		{"runtime", required_argument, NULL, 't'},
		{"rounds", required_argument, NULL, 'r'},
		{"swap-rounds", required_argument, NULL, 'R'},
		{"mem", required_argument, NULL, 'm'},
		{"limit", required_argument, NULL, 'l'},
		{"memhog", required_argument, NULL, 'M'},
		{"no-swap", no_argument, NULL, 'n'},
		{"check", no_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			fsb_set_quick(o);
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 's':
			if (swap_size_parse(optarg, &o->size))
				return -EINVAL;
			break;
		case 't':
			o->runtime = atof(optarg);
			break;
		case 'r':
			o->rounds = (unsigned int)atoi(optarg);
			break;
		case 'R':
			o->swap_rounds = (unsigned int)atoi(optarg);
			break;
		case 'm':
			o->mem_mib = (unsigned int)atoi(optarg);
			break;
		case 'l':
			o->limit_mib = (unsigned int)atoi(optarg);
			break;
		case 'M':
			snprintf(o->memhog, sizeof(o->memhog), "%s", optarg);
			break;
		case 'n':
			o->no_swap = true;
			break;
		case 'c':
			o->check = true;
			break;
		case 'h':
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || o->size < 64 * FSB_MIB || o->size % FSB_MIB ||
	    o->runtime <= 0 || o->rounds < 1 || o->rounds > FSB_MAX_ROUNDS ||
	    o->swap_rounds < 1 || o->swap_rounds > FSB_MAX_ROUNDS ||
	    !o->mem_mib || !o->limit_mib || o->limit_mib >= o->mem_mib ||
	    (uint64_t)o->mem_mib * FSB_MIB >= o->size)
		return -EINVAL;
	return 0;
}

/* Paths of the work directory, made below @o->dir. */
static int fsb_prepare(struct fsb_state *st, const struct fsb_opts *o)
{
	snprintf(st->work, sizeof(st->work), "%s/swapemu-bench-fs.XXXXXX",
		 o->dir);
	if (!mkdtemp(st->work)) {
		int rc = -errno;

		st->work[0] = '\0';
		return rc;
	}
	snprintf(st->mnt, sizeof(st->mnt), "%s/mnt", st->work);
	snprintf(st->back, sizeof(st->back), "%s/back", st->work);
	snprintf(st->area, sizeof(st->area), "%s/mnt/" FSB_AREA, st->work);
	snprintf(st->file, sizeof(st->file), "%s/back/" FSB_AREA ".swap",
		 st->work);
	if (mkdir(st->mnt, 0700) || mkdir(st->back, 0700))
		return -errno;
	return 0;
}

/* What must be there before anything is set up. */
static int fsb_preflight(const struct fsb_opts *o)
{
	if (geteuid())
		return bench_fail("bench fs", -EPERM, "must run as root");
	if (access(FSB_CGROOT, W_OK))
		return bench_fail("bench fs", -errno, "%s", FSB_CGROOT);
	if (!o->no_swap && access(o->memhog, X_OK))
		return bench_fail("bench fs", -errno,
				    "memhog %s (build target memhog, or "
				    "--memhog PATH)",
				    o->memhog);
	if (system("fio --version >/dev/null 2>&1"))
		return bench_fail("bench fs", -ENOENT, "fio is needed");
	return 0;
}

/* Set up, run both parts, tear down.  0 or -errno. */
static int fsb_bench(struct fsb_state *st, const struct fsb_opts *o)
{
	int rc = fsb_prepare(st, o);

	if (!rc)
		rc = fsb_mount(st, o->size);
	if (!rc)
		rc = fsb_fill(st, o->size);
	if (!rc)
		rc = fsb_part_fio(st, o);
	if (!rc && !o->no_swap)
		rc = fsb_part_swap(st, o);
	fsb_cleanup(st);
	return fsb_stop ? -EINTR : rc;
}

static double fsb_load(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

int bench_fs_main(int argc, char **argv)
{
	struct fsb_opts o = {.dir = "/tmp",
			     .size = 1ull << 30,
			     .runtime = 3,
			     .rounds = 5,
			     .swap_rounds = 3,
			     .mem_mib = 512,
			     .limit_mib = 128};
	static struct fsb_state st;
	double load[2];
	bool ok = true;
	int rc;

	if (readlink("/proc/self/exe", st.self, sizeof(st.self) - 1) < 0)
		return bench_fail("bench fs", -errno, "/proc/self/exe");
	fsb_default_memhog(st.self, o.memhog, sizeof(o.memhog));
	rc = fsb_parse(argc, argv, &o);
	if (rc) {
		fsb_usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (fsb_preflight(&o))
		return 1;
	fsb_signals();
	load[0] = fsb_load();
	rc = fsb_bench(&st, &o);
	load[1] = fsb_load();
	if (rc)
		return bench_fail("bench fs", rc, "running the benchmark");
	fsb_table_fio(stdout, &o, &ok);
	if (!o.no_swap)
		fsb_table_swap(stdout, &o, &ok);
	printf("load average %.2f at start, %.2f at end\n", load[0], load[1]);
	rc = fsb_write_json(&o, ok, load);
	if (rc)
		return bench_fail("bench fs", rc, "writing %s", o.json);
	return o.check && !ok ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The demo's paging-engine run and its child processes.
 *
 * The run is `swapemu run`'s path in a forked child: a node (mm/node.h)
 * of the given number of frames swaps to the file, whose header is
 * checked as swapon would, and runs the workload.  The result goes back to the
 * demo as the raw struct run_result (same binary on both ends).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/demo_i.h"
#include "fs/host.h"
#include "mm/node.h"
#include "mm/run.h"
#include "mm/workload.h"
#include "swap/area.h"
#include "swap/table.h"

double demo_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- child processes ------------------------------------------------------ */

void demo_child_kill(pid_t *pid)
{
	if (!*pid)
		return;
	kill(*pid, SIGKILL);
	while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
}

/* Read what is there on @fd; returns false at its end. */
static bool child_read(int fd, char *buf, size_t len, size_t *got)
{
	char sink[4096];
	ssize_t n;

	if (*got < len)
		n = read(fd, buf + *got, len - *got);
	else
		n = read(fd, sink, sizeof(sink));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (*got < len)
		*got += (size_t)n;
	return n > 0;
}

/* Reap *@pid; its exit status, or -EINTR (not reaped) when interrupted. */
static int child_reap(pid_t *pid)
{
	int status;

	while (waitpid(*pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		if (host_interrupted())
			return -EINTR;
	}
	*pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int demo_child_wait(pid_t *pid, int fd, void *buf, size_t len, size_t *got,
		    const struct demo_tick *tick)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	/* A signal between the check and poll is seen within a period. */
	int ms = tick ? (int)(tick->every * 1000) : 200;
	double next = demo_now();
	int rc;

	*got = 0;
	while (!host_interrupted()) {
		if (tick && tick->fn && demo_now() >= next) {
			tick->fn(tick->ctx);
			next += tick->every;
		}
		if (poll(&p, 1, ms) > 0 && !child_read(fd, buf, len, got))
			break;
	}
	close(fd);
	rc = host_interrupted() ? -EINTR : child_reap(pid);
	if (rc == -EINTR)
		demo_child_kill(pid);
	return rc;
}

/* ---- the engine run, in the child ---------------------------------------- */

/* The child: build, run, write the result to @fd; the exit status. */
static int engine_child(int fd, const char *path, uint64_t frames,
			const char *spec)
{
	struct node_swap_config swap = {
		.path = path,
		.prio = SWAP_PRIO_AUTO,
		.policy = SWAP_ALLOC_CLUSTER,
	};
	struct node_config cfg = {
		.nr_frames = frames,
		.page_cluster = 3,
		.vma_ra = true,
		.swap = &swap,
		.nr_swap = 1,
	};
	struct workload_config wcfg;
	struct workload *w = NULL;
	struct node *n = NULL;
	struct run_options opt;
	struct run_result *res = calloc(1, sizeof(*res));
	char err[256] = "";
	int rc = res ? 0 : -ENOMEM;

	if (!rc && workload_config_parse(spec, &wcfg, err, sizeof(err)))
		rc = -EINVAL;
	if (!rc)
		rc = workload_create(&wcfg, &w);
	if (!rc)
		rc = node_create(&cfg, &n, err, sizeof(err));
	if (!rc) {
		run_options_init(&opt);
		opt.belady = false;
		run_workload(node_pgdat(n), w, &opt, res);
		if (write(fd, res, sizeof(*res)) != (ssize_t)sizeof(*res))
			rc = -EIO;
	}
	if (rc)
		fprintf(stderr, "swapemu demo: paging engine on %s: %s\n", path,
			err[0] ? err : strerror(-rc));
	node_destroy(n);
	workload_destroy(w);
	free(res);
	return rc ? 1 : 0;
}

int demo_engine_start(const char *path, uint64_t frames, const char *spec,
		      pid_t *pid, int *fd)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	fflush(NULL); /* nothing buffered twice */
	*pid = fork();
	if (*pid < 0) {
		int err = errno;

		*pid = 0;
		close(pfd[0]);
		close(pfd[1]);
		return -err;
	}
	if (!*pid) {
		/* The demo's handlers only set a flag; this child must stop. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(pfd[0]);
		_exit(engine_child(pfd[1], path, frames, spec));
	}
	close(pfd[1]);
	*fd = pfd[0];
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Tests of fs/host.c: children, work directories, and, as root, memory
 * cgroups, loop devices with swap and the fuse module's io_uring switch,
 * each undone one by one and by host_undo_all() (also from a signal
 * handler).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fs/host.h"

/* Parent of the work directories: on disk, not tmpfs (loop files). */
static const char *test_parent(void)
{
	const char *d = getenv("SWAPEMU_TEST_DIR");

	return d && !host_in_memory(d) ? d : "/var/tmp";
}

static void test_make_file(const char *dir, const char *name, off_t size)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static void test_run_capture(void **state)
{
	char out[64];
	char *echo[] = {"sh", "-c", "echo hello; echo world >&2", NULL};
	char *fail[] = {"sh", "-c", "exit 3", NULL};
	char *none[] = {"/nonexistent/swapemu-test", NULL};
	struct host_cmd cmd = {
		.out = out, .out_len = sizeof(out), .quiet_err = true};

	assert_int_equal(host_run(echo, &cmd), 0);
	assert_string_equal(out, "hello");
	assert_int_equal(host_run(fail, NULL), 3);
	assert_int_equal(host_run(none, &cmd), 127);
	assert_int_equal(host_nr_records(), 0);
}

static void test_run_small_buffer(void **state)
{
	char out[4];
	char *argv[] = {"sh", "-c", "seq 1 20000", NULL};
	struct host_cmd cmd = {.out = out, .out_len = sizeof(out)};

	/* The child must not block on a full pipe. */
	assert_int_equal(host_run(argv, &cmd), 0);
	assert_string_equal(out, "1\n2");
}

static void test_on_alarm(int sig)
{
	host_interrupt(sig);
}

static void test_run_interrupted(void **state)
{
	struct sigaction sa = {.sa_handler = test_on_alarm};
	char *argv[] = {"sleep", "30", NULL};

	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	assert_int_equal(host_run(argv, NULL), -EINTR);
	assert_int_equal(host_nr_records(), 0);
	/* Interrupted stays interrupted until cleared. */
	assert_int_equal(host_run(argv, NULL), -EINTR);
	host_clear_interrupt();
	signal(SIGALRM, SIG_DFL);
}

static void test_workdir(void **state)
{
	char dir[PATH_MAX], sub[PATH_MAX + 8];

	assert_int_equal(
		host_workdir(test_parent(), "host-test", dir, sizeof(dir)), 0);
	snprintf(sub, sizeof(sub), "%s/a", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	test_make_file(sub, "f", 4096);
	test_make_file(dir, "g", 0);
	assert_int_equal(host_nr_records(), 1);
	assert_int_equal(host_workdir_remove(dir), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(host_nr_records(), 0);
	assert_int_equal(host_workdir("/nonexistent", "x", dir, sizeof(dir)),
			 -ENOENT);
}

static char test_alarm_dir[PATH_MAX];

static void test_undo_on_alarm(int sig)
{
	host_undo_all();
}

/* host_undo_all() from a handler, in the middle of a child's run. */
static void test_undo_in_handler(void **state)
{
	struct sigaction sa = {.sa_handler = test_undo_on_alarm};
	char *argv[] = {"sleep", "30", NULL};
	int rc;

	assert_int_equal(host_workdir(test_parent(), "host-test",
				      test_alarm_dir, sizeof(test_alarm_dir)),
			 0);
	test_make_file(test_alarm_dir, "f", 4096);
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	rc = host_run(argv, NULL);
	signal(SIGALRM, SIG_DFL);
	/* The child was killed and reaped by the handler. */
	assert_true(rc == 128 + SIGKILL || rc < 0);
	assert_int_equal(access(test_alarm_dir, F_OK), -1);
	assert_int_equal(host_nr_records(), 0);
}

static void test_stat_key(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	struct host_vmstat v;
	uint64_t val = 0;
	FILE *f;

	assert_int_equal(
		host_workdir(test_parent(), "host-test", dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/stat", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("cache 12\nodd line here\npgmajfault 34\n", f);
	fclose(f);
	assert_int_equal(host_stat_key(path, "pgmajfault", &val), 0);
	assert_int_equal(val, 34);
	assert_int_equal(host_stat_key(path, "missing", &val), -ENOENT);
	assert_int_equal(host_vmstat_read(&v), 0);
	assert_true(v.pgmajfault > 0);
	host_undo_all();
	assert_int_equal(access(dir, F_OK), -1);
}

static void test_cgroup(void **state)
{
	char name[64], cg[PATH_MAX], out[4096];
	char *argv[] = {"cat", "/proc/self/cgroup", NULL};
	struct host_cmd cmd = {.out = out, .out_len = sizeof(out)};
	uint64_t limit = 0;
	char path[PATH_MAX + 32];
	FILE *f;

	if (geteuid() || !host_cgroup_available())
		skip();
	snprintf(name, sizeof(name), "swapemu-host-test-%d", (int)getpid());
	assert_int_equal(host_cgroup_create(name, 32u << 20, cg, sizeof(cg)),
			 0);
	snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", cg);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%" SCNu64, &limit), 1);
	fclose(f);
	assert_int_equal(limit, 32u << 20);
	cmd.cgroup = cg;
	assert_int_equal(host_run(argv, &cmd), 0);
	assert_non_null(strstr(out, name));
	assert_int_equal(host_cgroup_remove(cg), 0);
	assert_int_equal(access(cg, F_OK), -1);
	assert_int_equal(host_cgroup_create("a/b", 0, cg, sizeof(cg)), -EINVAL);
	assert_int_equal(host_nr_records(), 0);
}

/* A swap file on a loop device: swapped on, found, undone. */
static void test_loop_swap(void **state)
{
	char dir[PATH_MAX], file[PATH_MAX + 8], loop[64], found[64];
	char *mkswap[] = {"mkswap", file, NULL};
	struct host_cmd quiet = {.quiet = true, .quiet_err = true};

	if (geteuid() || host_run(mkswap, &quiet) == 127)
		skip();
	assert_int_equal(
		host_workdir(test_parent(), "host-test", dir, sizeof(dir)), 0);
	snprintf(file, sizeof(file), "%s/swap", dir);
	test_make_file(dir, "swap", 16 << 20);
	assert_int_equal(host_run(mkswap, &quiet), 0);
	assert_int_equal(host_swapon(file, 1, 0, loop, sizeof(loop)), 0);
	assert_true(host_swap_listed(loop));
	assert_int_equal(host_loop_find(file, found, sizeof(found)), 0);
	assert_string_equal(found, loop);
	assert_int_equal(host_swapoff(loop), 0);
	assert_false(host_swap_listed(loop));
	assert_int_equal(host_loop_find(file, found, sizeof(found)), -ENOENT);

	/* Set up again and leave it to host_undo_all(). */
	assert_int_equal(
		host_swapon(file, 1, HOST_SWAP_DISCARD, loop, sizeof(loop)), 0);
	assert_int_equal(host_nr_records(), 2);
	host_undo_all();
	assert_false(host_swap_listed(loop));
	assert_int_equal(host_loop_find(file, found, sizeof(found)), -ENOENT);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(host_nr_records(), 0);
}

static int test_teardown(void **state)
{
	host_clear_interrupt();
	host_undo_all();
	return 0;
}

static void test_read_param(char *buf, size_t len)
{
	int fd = open(HOST_FUSE_RING_PARAM, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n > 0);
	buf[strcspn(buf, "\n")] = '\0';
}

static void test_write_param(const char *v)
{
	int fd = open(HOST_FUSE_RING_PARAM, O_WRONLY);

	assert_true(fd >= 0);
	assert_true(write(fd, v, strlen(v)) > 0);
	close(fd);
}

/* The fuse module's switch is turned on, and put back by undo. */
static void test_fuse_ring_param(void **state)
{
	char before[8], now[8];

	(void)state;
	if (geteuid() || access(HOST_FUSE_RING_PARAM, W_OK))
		skip();
	test_read_param(before, sizeof(before));
	test_write_param("N");
	assert_int_equal(host_fuse_ring_enable(), 0);
	test_read_param(now, sizeof(now));
	assert_string_equal(now, "Y");
	assert_int_equal(host_nr_records(), 1);
	assert_int_equal(host_fuse_ring_enable(), 0); /* already on */
	assert_int_equal(host_nr_records(), 1);
	host_undo_all();
	assert_int_equal(host_nr_records(), 0);
	test_read_param(now, sizeof(now));
	assert_string_equal(now, "N");
	test_write_param(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_run_capture, test_teardown),
		cmocka_unit_test_teardown(test_run_small_buffer, test_teardown),
		cmocka_unit_test_teardown(test_run_interrupted, test_teardown),
		cmocka_unit_test_teardown(test_workdir, test_teardown),
		cmocka_unit_test_teardown(test_undo_in_handler, test_teardown),
		cmocka_unit_test_teardown(test_stat_key, test_teardown),
		cmocka_unit_test_teardown(test_cgroup, test_teardown),
		cmocka_unit_test_teardown(test_loop_swap, test_teardown),
		cmocka_unit_test_teardown(test_fuse_ring_param, test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

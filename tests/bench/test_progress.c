/* SPDX-License-Identifier: MIT */
/*
 * Tests of bench/progress.c: the estimate, the time format, silence when
 * stderr is no terminal or when asked, and drawing on a pseudo-terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/progress.h"

static void test_eta(void **state)
{
	static const struct {
		double elapsed;  /* seconds so far */
		uint64_t done;   /* steps done */
		uint64_t total;  /* steps in all */
		double eta;      /* expected seconds left */
	} cases[] = {
		{ 10, 1, 4, 30 },   /* 10 s a step, 3 to go */
		{ 10, 2, 4, 10 },
		{ 3, 2, 8, 9 },
		{ 10, 4, 4, 0 },    /* all done */
		{ 10, 5, 4, 0 },    /* more than all: still done */
		{ 0, 1, 4, 0 },     /* instant steps */
		{ 10, 0, 4, -1 },   /* nothing done: unknown */
		{ 10, 0, 0, -1 },   /* no total: unknown */
		{ 1, 1000, 1000000, 999 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double eta = progress_eta(cases[i].elapsed, cases[i].done,
					  cases[i].total);

		assert_true(fabs(eta - cases[i].eta) < 1e-9);
	}
}

static void test_format_time(void **state)
{
	static const struct {
		double seconds; /* input */
		const char *out; /* expected text */
	} cases[] = {
		{ 0, "0:00" },         { 0.4, "0:00" },
		{ 59.4, "0:59" },      { 59.6, "1:00" },
		{ 61, "1:01" },        { 3599, "59:59" },
		{ 3600, "1:00:00" },   { 3725, "1:02:05" },
		{ 100 * 3600, "100:00:00" },
		{ -1, "-:--" },        { NAN, "-:--" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(progress_format_time(buf, sizeof(buf),
							 cases[i].seconds),
				    cases[i].out);
	/* A short buffer gets a cut, terminated string. */
	assert_string_equal(progress_format_time(buf, 4, 3725), "1:0");
}

/*
 * Run a whole progress with stderr on @fd: begin, steps 100 ms apart so
 * that each may draw, end.  Restores stderr.
 */
static void run_progress_on(int fd)
{
	int saved = dup(STDERR_FILENO);

	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	progress_begin("unit", 4);
	for (uint64_t i = 1; i <= 4; i++) {
		usleep(110 * 1000);
		progress_step(i, "step label");
	}
	progress_end();
	assert_false(progress_active());
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
}

/* What is waiting on @fd (non-blocking), NUL-terminated into @buf. */
static size_t drain(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (len + 1 < size &&
	       (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return len;
}

/* stderr into a pipe: not a terminal, so not a byte is written. */
static void test_quiet_when_not_a_tty(void **state)
{
	char buf[4096];
	int p[2];

	unsetenv("SWAPEMU_QUIET");
	progress_set_quiet(false);
	assert_int_equal(pipe(p), 0);
	run_progress_on(p[1]);
	close(p[1]);
	assert_int_equal(drain(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
}

/* A pseudo-terminal's two ends; skips the test when there is none. */
static void open_pty(int *master, int *slave)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY);
	if (*master < 0 || grantpt(*master) || unlockpt(*master))
		skip();
	*slave = open(ptsname(*master), O_RDWR | O_NOCTTY);
	if (*slave < 0)
		skip();
}

/* On a terminal the line is drawn in place, then cleared. */
static void test_draws_on_a_tty(void **state)
{
	char buf[16384], *last;
	int master, slave;

	unsetenv("SWAPEMU_QUIET");
	progress_set_quiet(false);
	open_pty(&master, &slave);
	run_progress_on(slave);
	assert_true(drain(master, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "unit ["));
	assert_non_null(strstr(buf, "  0%"));
	assert_non_null(strstr(buf, " 50%"));
	assert_non_null(strstr(buf, "ETA "));
	assert_non_null(strstr(buf, "step label"));
	/* Redrawn in place: carriage returns, never a new line. */
	assert_null(strchr(buf, '\n'));
	/* progress_end leaves the line blank, the cursor at column 0. */
	last = strrchr(buf, '\r');
	assert_non_null(last);
	assert_int_equal(last[1], '\0');
	assert_true(last > buf);
	while (--last > buf && *last == ' ')
		;
	assert_int_equal(*last, '\r');
	close(slave);
	close(master);
}

/* SWAPEMU_QUIET and progress_set_quiet silence even a terminal. */
static void test_quiet_when_asked(void **state)
{
	char buf[4096];
	int master, slave;

	open_pty(&master, &slave);
	setenv("SWAPEMU_QUIET", "1", 1);
	run_progress_on(slave);
	assert_int_equal(drain(master, buf, sizeof(buf)), 0);
	/* "0" and "" mean not quiet. */
	setenv("SWAPEMU_QUIET", "0", 1);
	run_progress_on(slave);
	assert_true(drain(master, buf, sizeof(buf)) > 0);
	unsetenv("SWAPEMU_QUIET");
	progress_set_quiet(true);
	run_progress_on(slave);
	assert_int_equal(drain(master, buf, sizeof(buf)), 0);
	progress_set_quiet(false);
	close(slave);
	close(master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eta),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_quiet_when_not_a_tty),
		cmocka_unit_test(test_draws_on_a_tty),
		cmocka_unit_test(test_quiet_when_asked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

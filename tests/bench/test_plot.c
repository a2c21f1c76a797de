/* SPDX-License-Identifier: MIT */
/*
 * Tests of bench/plot.c: quoting for gnuplot, the data files, and one
 * rendered image of each kind in each format.
 *
 * Images go to a fresh directory under $SWAPEMU_TEST_DIR (or /tmp), removed
 * at the end.  Rendering needs gnuplot (gnuplot-nox, scripts/deps.sh).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "bench/plot.h"

/* The directory of one test run, made by setup_dir. */
static char test_dir[4096];

static int setup_dir(void **state)
{
	const char *base = getenv("SWAPEMU_TEST_DIR");

	snprintf(test_dir, sizeof(test_dir), "%s/plot.XXXXXX",
		 base ? base : "/tmp");
	return mkdtemp(test_dir) ? 0 : -1;
}

/* Remove every file of test_dir, then the directory. */
static int teardown_dir(void **state)
{
	char path[8192];
	struct dirent *e;
	DIR *d = opendir(test_dir);

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", test_dir,
				 e->d_name);
			unlink(path);
		}
	closedir(d);
	return rmdir(test_dir);
}

/* test_dir/@name in a static buffer. */
static const char *in_dir(const char *name)
{
	static char path[8192];

	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	return path;
}

/* Files in test_dir. */
static unsigned int count_files(void)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *d = opendir(test_dir);

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* The first @n bytes of @path into @buf (NUL-terminated); bytes read. */
static size_t read_head(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "rb");
	size_t got;

	assert_non_null(f);
	got = fread(buf, 1, n, f);
	buf[got] = '\0';
	fclose(f);
	return got;
}

/* @path is a PNG image of a real plot: signature and some size. */
static void assert_png(const char *path)
{
	static const char sig[8] = "\x89PNG\r\n\x1a\n";
	char head[9];
	struct stat st;

	assert_int_equal(read_head(path, head, 8), 8);
	assert_memory_equal(head, sig, 8);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 4000);
}

/* @path is an SVG document: XML whose root element is <svg>. */
static void assert_svg(const char *path)
{
	char head[1024];

	read_head(path, head, sizeof(head) - 1);
	assert_true(!strncmp(head, "<?xml", 5));
	assert_non_null(strstr(head, "\n<svg"));
}

/* What a memory stream holds after @write ran on it. */
#define CAPTURE(buf, len, write)                                               \
	do {                                                                   \
		FILE *mf = open_memstream(&(buf), &(len));                     \
		assert_non_null(mf);                                           \
		assert_int_equal((write), 0);                                  \
		fclose(mf);                                                    \
	} while (0)

static void test_quote(void **state)
{
	static const struct {
		const char *in;  /* text */
		const char *out; /* as a gnuplot literal */
	} cases[] = {
		{ "plain", "'plain'" },
		{ "", "''" },
		{ "it's", "'it''s'" },
		{ "''", "''''''" },
		{ "a\nb\tc\rd", "'a b c d'" },
		{ "back\\slash \"dq\" $x `cmd`", "'back\\slash \"dq\" $x `cmd`'" },
		{ "fresh_cluster 50% ^{x}", "'fresh_cluster 50% ^{x}'" },
	};
	char *q;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		q = plot_quote(cases[i].in);
		assert_non_null(q);
		assert_string_equal(q, cases[i].out);
		free(q);
	}
	q = plot_quote(NULL);
	assert_string_equal(q, "''");
	free(q);
}

static void test_write_series(void **state)
{
	static const double x0[] = { 1, 2.5 }, y0[] = { 10, -3 };
	static const double x1[] = { 1e9 }, y1[] = { NAN };
	const struct plot_series s[] = {
		{ .name = "a", .x = x0, .y = y0, .n = 2 },
		{ .name = "b", .x = x1, .y = y1, .n = 1 },
	};
	char *buf;
	size_t len;

	CAPTURE(buf, len, plot_write_series(mf, s, 2));
	assert_string_equal(buf, "1 10\n2.5 -3\n\n\n1000000000 NaN\n\n\n");
	free(buf);
}

static void test_write_cdf(void **state)
{
	static const double few[] = { 3, 1, NAN, 2, INFINITY };
	static double many[1000];
	const struct plot_series s[] = {
		{ .name = "few", .y = few, .n = 5 },
	};
	const struct plot_series m = { .name = "many", .y = many, .n = 1000 };
	unsigned int lines = 0;
	double v, frac;
	char *buf, *line;
	size_t len;

	/* Sorted, non-finite samples left out, fraction of samples <= v. */
	CAPTURE(buf, len, plot_write_cdf(mf, s, 1, 100));
	assert_string_equal(buf, "1 0.333333\n2 0.666667\n3 1.000000\n\n\n");
	free(buf);

	/* Thinned to 11 quantiles, keeping the smallest and the largest. */
	for (unsigned int i = 0; i < 1000; i++)
		many[i] = 1000 - i;
	CAPTURE(buf, len, plot_write_cdf(mf, &m, 1, 11));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		assert_int_equal(sscanf(line, "%lf %lf", &v, &frac), 2);
		assert_true(fabs(frac - v / 1000) < 1e-6);
		if (!lines++)
			assert_true(v == 1);
	}
	assert_int_equal(lines, 11);
	assert_true(v == 1000 && frac == 1);
	free(buf);
}

static void test_write_grid(void **state)
{
	static const double z[] = { 0, 0.5, 1, 0.25, NAN, 0.75 };
	const struct plot_grid g = { .z = z, .rows = 2, .cols = 3,
				     .x0 = 10, .dx = 2, .y0 = 0, .dy = 512 };
	char *buf;
	size_t len;

	CAPTURE(buf, len, plot_write_grid(mf, &g));
	assert_string_equal(buf, "10 0 0\n12 0 0.5\n14 0 1\n\n"
				 "10 512 0.25\n12 512 NaN\n14 512 0.75\n\n");
	free(buf);
}

/* Two series of 200 points each: x, and y = x^2 + k. */
static double xs[200], ys[2][200];

static void fill_series(struct plot_series s[2])
{
	for (unsigned int i = 0; i < 200; i++) {
		xs[i] = i + 1;
		ys[0][i] = xs[i] * xs[i];
		ys[1][i] = xs[i] * xs[i] * 3 + 7;
	}
	s[0] = (struct plot_series){ .name = "it's \"one\"", .x = xs,
				     .y = ys[0], .n = 200 };
	s[1] = (struct plot_series){ .name = "two_2", .x = xs, .y = ys[1],
				     .n = 200, .color = "#d55e00", .dash = 1 };
}

/* One image of each kind, PNG and SVG; nothing else is left behind. */
static void test_render(void **state)
{
	static const char *const ext[] = { "png", "svg" };
	struct plot_opts o = { .title = "a 'quoted'\ntitle",
			       .xlabel = "x", .ylabel = "y", .zlabel = "z" };
	struct plot_grid g = { .z = ys[0], .rows = 10, .cols = 20,
			       .dx = 1, .dy = 1 };
	struct plot_series s[2];
	char name[64];

	fill_series(s);
	for (unsigned int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "lines.%s", ext[i]);
		assert_int_equal(plot_lines(in_dir(name), &o, s, 2), 0);
		snprintf(name, sizeof(name), "scatter.%s", ext[i]);
		assert_int_equal(plot_scatter(in_dir(name), &o, s, 2), 0);
		snprintf(name, sizeof(name), "cdf.%s", ext[i]);
		assert_int_equal(plot_cdf(in_dir(name), &o, s, 2), 0);
		snprintf(name, sizeof(name), "heat.%s", ext[i]);
		assert_int_equal(plot_heatmap(in_dir(name), &o, &g), 0);
	}
	assert_png(in_dir("lines.png"));
	assert_png(in_dir("scatter.png"));
	assert_png(in_dir("cdf.png"));
	assert_png(in_dir("heat.png"));
	assert_svg(in_dir("lines.svg"));
	assert_svg(in_dir("scatter.svg"));
	assert_svg(in_dir("cdf.svg"));
	assert_svg(in_dir("heat.svg"));
	assert_int_equal(count_files(), 8);
}

/* A title cannot end its string: gnuplot must not run what follows. */
static void test_render_hostile_title(void **state)
{
	char title[2 * 8192 + 64];
	struct plot_opts o = { .title = title };
	struct plot_series s[2];

	fill_series(s);
	snprintf(title, sizeof(title),
		 "x'\nset output '%s'\nsystem('touch %s') #", in_dir("evil"),
		 in_dir("evil"));
	assert_int_equal(plot_lines(in_dir("safe.png"), &o, s, 2), 0);
	assert_png(in_dir("safe.png"));
	assert_int_equal(access(in_dir("evil"), F_OK), -1);
}

/* keep: the script and data stay beside the image, as STEM.gp, STEM.dat. */
static void test_keep(void **state)
{
	struct plot_opts o = { .title = "kept", .keep = true };
	struct plot_series s[2];
	char head[64], cmd[sizeof(test_dir) + 64];

	fill_series(s);
	assert_int_equal(plot_lines(in_dir("kept.svg"), &o, s, 2), 0);
	assert_svg(in_dir("kept.svg"));
	read_head(in_dir("kept.dat"), head, 11);
	assert_string_equal(head, "1 1\n2 4\n3 9");
	read_head(in_dir("kept.gp"), head, 3);
	assert_string_equal(head, "set");
	assert_int_equal(count_files(), 3);
	/* The kept script draws the image again from its directory. */
	assert_int_equal(unlink(in_dir("kept.svg")), 0);
	snprintf(cmd, sizeof(cmd), "cd '%s' && gnuplot kept.gp", test_dir);
	assert_int_equal(system(cmd), 0);
	assert_svg(in_dir("kept.svg"));
}

static void test_errors(void **state)
{
	struct plot_opts o = { 0 };
	struct plot_series s[2], empty = { .name = "none" };
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	fill_series(s);
	assert_int_equal(plot_lines(in_dir("x.jpg"), &o, s, 2), -EINVAL);
	assert_int_equal(plot_lines(in_dir("noext"), &o, s, 2), -EINVAL);
	assert_int_equal(plot_lines(in_dir("e.png"), &o, &empty, 1), -EINVAL);
	assert_int_equal(plot_cdf(in_dir("e.png"), &o, s, 0), -EINVAL);
	/* No gnuplot in PATH: -ENOENT, and nothing left behind. */
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(plot_cdf(in_dir("x.png"), &o, s, 2), -ENOENT);
	if (path)
		setenv("PATH", path, 1);
	else
		unsetenv("PATH");
	free(path);
	assert_int_equal(count_files(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_write_series),
		cmocka_unit_test(test_write_cdf),
		cmocka_unit_test(test_write_grid),
		cmocka_unit_test_setup_teardown(test_render, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_render_hostile_title,
						setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_keep, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_errors, setup_dir,
						teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench all [--quick] [--out DIR] [--only SUITE,...]`: every
 * suite of the table in turn, each writing its report into DIR, then
 * DIR/index.md linking them and DIR/all.json holding them.
 *
 * Each suite runs as a child process (this binary, `bench SUITE --out
 * DIR`): a suite that crashes or leaks does not take the others with it,
 * and each one's signal handling and cleanup stay its own.  A suite that
 * exits with BENCH_EXIT_SKIP could not run here (its report says why); any
 * other non-zero exit is a failure, and `bench all` then exits 1 too.
 *
 * On SIGINT/SIGTERM the running suite is left to clean up (a terminal's
 * ^C reaches it directly; a TERM sent to this process alone is passed on)
 * and no further suite starts.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/report.h"
#include "fs/host.h"

#define ALL_MAX_SUITES 32

/* How one suite went. */
struct all_suite {
	const char *name; /* from bench_suites */
	enum { ALL_OK, ALL_SKIPPED, ALL_FAILED, ALL_NOT_RUN } status;
	int exit;		 /* exit status (128 + signal) */
	double seconds;		 /* wall time */
	int pass;		 /* its report's "pass": 1, 0, -1 if unknown */
	unsigned int nr_targets; /* targets in its report */
	unsigned int nr_met;	 /* of which met */
	char reason[256];	 /* why skipped */
	char *json;		 /* its report's JSON, owned, or NULL */
};

static const char *const all_status[] = {"ok", "skipped", "failed", "not run"};

struct all_opts {
	struct bench_common c; /* --quick, --out, ... */
	const char *only;      /* --only SUITE,..., or NULL */
	char out[4096];	       /* the report directory */
};

/* ---- running one suite ---- */

/* Is @name in the comma-separated @list? */
static bool all_listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* Wait for @pid; a signal to us is passed on, once, as SIGTERM. */
static int all_wait(pid_t pid)
{
	bool passed = false;
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 127;
		if (host_interrupted() && !passed) {
			kill(pid, SIGTERM);
			passed = true;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* Run `swapemu bench @s->name --out DIR ...`; its exit status. */
static int all_spawn(const struct all_opts *o, const struct all_suite *s)
{
	char *argv[12];
	int n = 0;
	pid_t pid;

	argv[n++] = "/proc/self/exe";
	argv[n++] = "bench";
	argv[n++] = (char *)s->name;
	argv[n++] = "--out";
	argv[n++] = (char *)o->out;
	if (o->c.quick)
		argv[n++] = "--quick";
	if (o->c.quiet)
		argv[n++] = "--quiet";
	if (o->c.check)
		argv[n++] = "--check";
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(argv[0], argv);
		_exit(127);
	}
	return all_wait(pid);
}

/* DIR/@name.@ext read whole into a new string, or NULL. */
static char *all_slurp(const struct all_opts *o, const char *name,
		       const char *ext)
{
	char path[4200], *buf = NULL;
	size_t len = 0;
	FILE *f, *mem;
	int ch;

	snprintf(path, sizeof(path), "%s/%s.%s", o->out, name, ext);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	mem = open_memstream(&buf, &len);
	while (mem && (ch = fgetc(f)) != EOF)
		fputc(ch, mem);
	fclose(f);
	if (!mem || fclose(mem)) {
		free(buf);
		return NULL;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return buf;
}

/* Count the targets of a report's JSON and those met. */
static void all_count_targets(struct all_suite *s)
{
	const char *p = s->json ? strstr(s->json, "\"targets\":[") : NULL;
	const char *end = p ? strchr(p, ']') : NULL;

	s->nr_targets = s->nr_met = 0;
	while (p && (p = strstr(p, "\"ok\":")) && p < end) {
		p += 5;
		s->nr_targets++;
		s->nr_met += !strncmp(p, "true", 4);
	}
}

/* What the suite's report says: "pass", its targets and, if skipped, why. */
static void all_read_report(const struct all_opts *o, struct all_suite *s)
{
	char *md = all_slurp(o, s->name, "md"), *p;

	s->json = all_slurp(o, s->name, "json");
	all_count_targets(s);
	p = s->json ? strstr(s->json, "\"targets\":") : NULL;
	p = p ? strstr(p, "\"pass\":") : NULL;
	s->pass = !p ? -1 : !strncmp(p + 7, "true", 4);
	p = md ? strstr(md, "\nSkipped: ") : NULL;
	if (p)
		snprintf(s->reason, sizeof(s->reason), "%.*s",
			 (int)strcspn(p + 10, "\n"), p + 10);
	free(md);
}

static void all_run(const struct all_opts *o, struct all_suite *s,
		    unsigned int i, unsigned int n)
{
	uint64_t t0 = bench_now_ns();

	fprintf(stderr, "== bench %s (%u/%u) ==\n", s->name, i + 1, n);
	s->exit = all_spawn(o, s);
	s->seconds = (double)(bench_now_ns() - t0) / 1e9;
	s->status = s->exit == 0		 ? ALL_OK
		    : s->exit == BENCH_EXIT_SKIP ? ALL_SKIPPED
						 : ALL_FAILED;
	all_read_report(o, s);
	if (s->status == ALL_SKIPPED && !s->reason[0])
		snprintf(s->reason, sizeof(s->reason), "requirements missing");
	fprintf(stderr, "== bench %s: %s%s%s (%.1f s) ==\n", s->name,
		all_status[s->status], s->reason[0] ? ": " : "", s->reason,
		s->seconds);
}

/* ---- the index ---- */

static const char *all_pass_word(const struct all_suite *s, char *buf,
				 size_t len)
{
	if (s->status != ALL_OK || s->pass < 0)
		return "-";
	snprintf(buf, len, s->pass ? "%u of %u met" : "**%u of %u met**",
		 s->nr_met, s->nr_targets);
	return buf;
}

static void all_md(FILE *f, const void *ctx)
{
	const struct all_suite *s = ctx;
	char word[48];

	fputs("| suite | status | targets | seconds | report |\n"
	      "|-------|--------|---------|--------:|--------|\n",
	      f);
	for (; s->name; s++) {
		fprintf(f, "| %s | %s%s%s | %s | %.1f | ", s->name,
			all_status[s->status], s->reason[0] ? ": " : "",
			s->reason, all_pass_word(s, word, sizeof(word)),
			s->seconds);
		if (s->json)
			fprintf(f, "[%s.md](%s.md), [%s.json](%s.json) |\n",
				s->name, s->name, s->name, s->name);
		else
			fputs("none |\n", f);
	}
}

static void all_json(FILE *f, const void *ctx)
{
	const struct all_suite *s = ctx;

	fputs("\"suites\":[", f);
	for (const struct all_suite *t = s; t->name; t++) {
		fprintf(f, "%s{\"name\":", t == s ? "" : ",");
		bench_json_string(f, t->name);
		fprintf(f,
			",\"status\":\"%s\",\"exit\":%d,\"seconds\":%.3f,"
			"\"pass\":%s,\"reason\":",
			all_status[t->status], t->exit, t->seconds,
			t->pass < 0 ? "null"
			: t->pass   ? "true"
				    : "false");
		if (t->reason[0])
			bench_json_string(f, t->reason);
		else
			fputs("null", f);
		fprintf(f, ",\"report\":%s}", t->json ? t->json : "null");
	}
	fputc(']', f);
}

/* index.md is all.md under the name a directory listing expects. */
static int all_index(const struct all_opts *o)
{
	char from[4200], to[4200];

	snprintf(from, sizeof(from), "%s/all.md", o->out);
	snprintf(to, sizeof(to), "%s/index.md", o->out);
	return rename(from, to) ? -errno : 0;
}

/* ---- options and main ---- */

static void all_usage(FILE *f)
{
	fprintf(f, "usage: swapemu bench all " BENCH_COMMON_USAGE "\n"
		   "       [--only SUITE,...]\n\n"
		   "Run every suite in turn; reports go to DIR (default\n"
		   "./swapemu-bench-DATE): SUITE.json, SUITE.md, plots,\n"
		   "index.md and all.json.\n");
}

static int all_parse(int argc, char **argv, struct all_opts *o)
{
	static const struct option longopts[] = {
		BENCH_COMMON_OPTIONS,
		{"only", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	time_t now = time(NULL);
	struct tm tm;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'o')
			o->only = optarg;
		else if (!bench_common_opt(&o->c, c, optarg))
			return -EINVAL;
	}
	if (o->c.help)
		return 1;
	if (optind != argc)
		return -EINVAL;
	gmtime_r(&now, &tm);
	if (o->c.out)
		snprintf(o->out, sizeof(o->out), "%s", o->c.out);
	else
		strftime(o->out, sizeof(o->out), "swapemu-bench-%Y%m%d-%H%M%S",
			 &tm);
	o->c.out = o->out;
	return 0;
}

/* The suites to run, NULL-name terminated; -EINVAL for an unknown
 * --only name. */
static int all_pick(const struct all_opts *o, struct all_suite *s)
{
	unsigned int n = 0;

	for (const struct bench_suite *b = bench_suites; b->name; b++) {
		if (b->run == bench_all_main || n + 1 >= ALL_MAX_SUITES)
			continue;
		if (!o->only || all_listed(o->only, b->name))
			s[n++] = (struct all_suite){.name = b->name,
						    .status = ALL_NOT_RUN};
	}
	for (const char *p = o->only; p && *p;) {
		size_t len = strcspn(p, ",");
		bool known = false;

		for (unsigned int i = 0; i < n; i++)
			known |= strlen(s[i].name) == len &&
				 !strncmp(s[i].name, p, len);
		if (!known) {
			bench_fail("bench all", -EINVAL,
				   "--only: no suite '%.*s'", (int)len, p);
			return -EINVAL;
		}
		p += len + (p[len] == ',');
	}
	s[n].name = NULL;
	return (int)n;
}

int bench_all_main(int argc, char **argv)
{
	struct all_suite s[ALL_MAX_SUITES] = {{0}};
	struct all_opts o = {0};
	struct bench_report *rep;
	bool failed = false;
	int rc = all_parse(argc, argv, &o), n;

	if (rc) {
		all_usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	n = all_pick(&o, s);
	if (n < 0)
		return 2;
	if (bench_report_begin("all", &o.c, argc, argv, &rep))
		return 1;
	host_catch_signals();
	for (int i = 0; i < n && !host_interrupted(); i++) {
		all_run(&o, &s[i], (unsigned int)i, (unsigned int)n);
		failed |= s[i].status == ALL_FAILED;
		/* a skipped suite is reported as such, not as a miss */
		bench_report_target(
			rep, s[i].name, s[i].nr_met, ">=", s[i].nr_targets,
			"targets met",
			s[i].status == ALL_SKIPPED ||
				(s[i].status == ALL_OK && s[i].pass));
	}
	rc = bench_report_finish(rep, all_json, all_md, s);
	if (!rc)
		rc = all_index(&o);
	bench_report_destroy(rep);
	for (int i = 0; i < n; i++) {
		printf("%-10s %s%s%s\n", s[i].name, all_status[s[i].status],
		       s[i].reason[0] ? ": " : "", s[i].reason);
		free(s[i].json);
	}
	printf("report: %s/index.md\n", o.out);
	return rc || failed || host_interrupted() ? 1 : 0;
}

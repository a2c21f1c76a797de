/* SPDX-License-Identifier: MIT */
/*
 * What every benchmark suite shares: the common options and the report.
 *
 * Options: --quick, --json FILE|-, --out DIR, --quiet, --check and --help
 * are parsed here (BENCH_COMMON_OPTIONS in a suite's getopt table, then
 * bench_common_opt() for each option the suite does not know).
 *
 * Report: a suite records its targets (measured value, target, ok) and
 * plots while it runs and hands its own results to bench_report_finish(),
 * which writes them in the common JSON envelope (docs/BENCH_JSON.md) to
 * --json and to DIR/<suite>.json, and a Markdown summary to DIR/<suite>.md:
 * command line, date, machine facts, the table of targets, the suite's
 * own section and its plots.
 */
#ifndef SWAPEMU_BENCH_REPORT_H
#define SWAPEMU_BENCH_REPORT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Version of the JSON envelope; bumped when a field changes meaning. */
#define BENCH_SCHEMA 1

/* Exit status of a suite that cannot run here (not root, no fio, ...). */
#define BENCH_EXIT_SKIP 77

/* The options every suite takes. */
struct bench_common {
	bool quick;	  /* small sizes, few rounds (--quick) */
	bool quiet;	  /* no progress line (--quiet) */
	bool check;	  /* exit 1 when a target is missed (--check) */
	bool help;	  /* --help was given */
	const char *json; /* --json FILE, "-" for stdout, or NULL */
	const char *out;  /* --out DIR, or NULL */
};

/* getopt_long codes of the common options, above any character. */
enum {
	BENCH_OPT_QUICK = 0x1000,
	BENCH_OPT_JSON,
	BENCH_OPT_OUT,
	BENCH_OPT_QUIET,
	BENCH_OPT_CHECK,
	BENCH_OPT_HELP,
};

/* The common entries of a suite's struct option table. */
#define BENCH_COMMON_OPTIONS                                       \
	{"quick", no_argument, NULL, BENCH_OPT_QUICK},             \
		{"json", required_argument, NULL, BENCH_OPT_JSON}, \
		{"out", required_argument, NULL, BENCH_OPT_OUT},   \
		{"quiet", no_argument, NULL, BENCH_OPT_QUIET},     \
		{"check", no_argument, NULL, BENCH_OPT_CHECK},     \
	{                                                          \
		"help", no_argument, NULL, BENCH_OPT_HELP          \
	}

/* The usage text of the common options, one line. */
#define BENCH_COMMON_USAGE \
	"[--quick] [--json FILE|-] [--out DIR] [--quiet] [--check]"

/*
 * Take getopt_long's @opt (with @arg) into @c if it is a common option.
 * Returns true when it was.  --quiet (or SWAPEMU_QUIET) also silences the
 * progress line.
 */
bool bench_common_opt(struct bench_common *c, int opt, const char *arg);

struct bench_report;

/*
 * Start the report of @suite: notes the start time, the command line
 * (@argc, @argv: argv[0] is the suite name) and the load average.  With
 * --out the directory is made (if missing) now, so that a bad DIR fails
 * before the work.  0 or -errno (-ENOMEM).
 */
int bench_report_begin(const char *suite, const struct bench_common *c,
		       int argc, char **argv, struct bench_report **rp);

void bench_report_destroy(struct bench_report *r);

/*
 * Record a target: @name (a short id, e.g. "randread-4k-qd32"), the
 * @measured value against @target with @op ">=" or "<=" (measured must be
 * at least / at most target) or "+-" (a ratio that must lie within
 * 1 +- target), the @unit of the values ("ratio", "IOPS", ...), and
 * whether it is @ok (the suite judges; it may need more than one value).
 */
void bench_report_target(struct bench_report *r, const char *name,
			 double measured, const char *op, double target,
			 const char *unit, bool ok);

/* True when every recorded target is met (or there are none). */
bool bench_report_ok(const struct bench_report *r);

/*
 * The path DIR/@file of the report directory into @buf, or NULL without
 * --out (or when it does not fit): where a suite draws its plots.
 */
const char *bench_report_path(const struct bench_report *r, const char *file,
			      char *buf, size_t len);

/* Link the plot DIR/@file (drawn by the suite) in the Markdown summary. */
void bench_report_plot(struct bench_report *r, const char *file,
		       const char *caption);

/* Writes the suite's own JSON members, without braces, e.g.
 * "\"fio\":[...],\"swap\":{...}", or its Markdown section. */
typedef void (*bench_report_fn)(FILE *f, const void *ctx);

/*
 * Write the report: the envelope with @json's members as "results" to
 * --json and DIR/<suite>.json, and DIR/<suite>.md with @md's section
 * (either may be NULL).  Returns 0 or -errno; on error the path that
 * failed has been reported on stderr.
 */
int bench_report_finish(struct bench_report *r, bench_report_fn json,
			bench_report_fn md, const void *ctx);

/*
 * The suite cannot run here: say why on stderr and, with --out, write a
 * report that says so ("skipped" in the JSON).  Returns BENCH_EXIT_SKIP.
 */
int bench_report_skip(struct bench_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Write @s as a JSON string (quotes included, escaped). */
void bench_json_string(FILE *f, const char *s);

/* The machine facts as JSON members / a Markdown list. */
void bench_json_machine(FILE *f);

/* Now, as "YYYY-MM-DDTHH:MM:SSZ". */
void bench_utc_now(char *buf, size_t len);

#endif

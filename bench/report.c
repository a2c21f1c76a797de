/* SPDX-License-Identifier: MIT */
/*
 * The common options of the benchmark suites and their report: the JSON
 * envelope of docs/BENCH_JSON.md and the Markdown summary.
 *
 * The JSON is built once in memory (open_memstream) and then copied to
 * every destination, so that --json and DIR/<suite>.json cannot differ.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include "bench/bench.h"
#include "bench/progress.h"
#include "bench/report.h"

#define REPORT_MAX_TARGETS 64
#define REPORT_MAX_PLOTS 16

/* One recorded target. */
struct report_target {
	char name[64];	 /* short id */
	double measured; /* value measured */
	double target;	 /* bound, or tolerance for "+-" */
	char op[4];	 /* ">=", "<=", "+-" */
	char unit[16];	 /* of measured and target */
	bool ok;	 /* met */
};

/* One plot of the report directory. */
struct report_plot {
	char file[64];	   /* name in DIR */
	char caption[160]; /* for the Markdown */
};

struct bench_report {
	char suite[32];		    /* "fs", "all", ... */
	struct bench_common common; /* options of the run */
	char *command;		    /* the command line, owned */
	char started[32];	    /* UTC, ISO 8601 */
	uint64_t t0;		    /* bench_now_ns() at the start */
	double load_start;	    /* 1-minute load average */
	char *skipped;		    /* why not run, owned, or NULL */
	struct report_target targets[REPORT_MAX_TARGETS]; /* recorded */
	unsigned int nr_targets;			  /* in use */
	struct report_plot plots[REPORT_MAX_PLOTS];	  /* recorded */
	unsigned int nr_plots;				  /* in use */
};

/* ---- options ---- */

bool bench_common_opt(struct bench_common *c, int opt, const char *arg)
{
	switch (opt) {
	case BENCH_OPT_QUICK:
		c->quick = true;
		return true;
	case BENCH_OPT_JSON:
		c->json = arg;
		return true;
	case BENCH_OPT_OUT:
		c->out = arg;
		return true;
	case BENCH_OPT_QUIET:
		c->quiet = true;
		progress_set_quiet(true);
		return true;
	case BENCH_OPT_CHECK:
		c->check = true;
		return true;
	case BENCH_OPT_HELP:
		c->help = true;
		return true;
	}
	return false;
}

/* ---- small JSON and machine helpers ---- */

void bench_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void bench_utc_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static double report_load(void)
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

/* The "model name" of /proc/cpuinfo into @buf ("" if none). */
static void report_cpu_model(char *buf, size_t len)
{
	char line[256], *colon;
	FILE *f = fopen("/proc/cpuinfo", "r");

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) || !colon)
			continue;
		snprintf(buf, len, "%s", colon + 2);
		buf[strcspn(buf, "\n")] = '\0';
		break;
	}
	fclose(f);
}

/* Machine facts, the same in the JSON and in the Markdown. */
struct report_machine {
	struct utsname uts;	/* host name, kernel, architecture */
	char cpu[128];		/* model name */
	long cpus;		/* online */
	unsigned long long mem; /* total RAM bytes */
};

static void report_machine(struct report_machine *m)
{
	struct sysinfo si;

	if (uname(&m->uts))
		memset(&m->uts, 0, sizeof(m->uts));
	report_cpu_model(m->cpu, sizeof(m->cpu));
	m->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	m->mem = sysinfo(&si) ? 0
			      : (unsigned long long)si.totalram * si.mem_unit;
}

void bench_json_machine(FILE *f)
{
	struct report_machine m;

	report_machine(&m);
	fputs("\"hostname\":", f);
	bench_json_string(f, m.uts.nodename);
	fputs(",\"kernel\":", f);
	bench_json_string(f, m.uts.release);
	fputs(",\"arch\":", f);
	bench_json_string(f, m.uts.machine);
	fputs(",\"cpu\":", f);
	bench_json_string(f, m.cpu);
	fprintf(f, ",\"cpus\":%ld,\"memory_bytes\":%llu", m.cpus, m.mem);
}

/* ---- the report object ---- */

/* "swapemu bench SUITE ARGS..." into a new string. */
static char *report_command(int argc, char **argv)
{
	size_t len = sizeof("swapemu bench");
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 3;
	s = malloc(len);
	if (!s)
		return NULL;
	strcpy(s, "swapemu bench");
	for (int i = 0; i < argc; i++) {
		bool plain = argv[i][0] && !strpbrk(argv[i], " \t'\"$\\");

		strcat(s, plain ? " " : " '");
		strcat(s, argv[i]);
		if (!plain)
			strcat(s, "'");
	}
	return s;
}

int bench_report_begin(const char *suite, const struct bench_common *c,
		       int argc, char **argv, struct bench_report **rp)
{
	struct bench_report *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	snprintf(r->suite, sizeof(r->suite), "%s", suite);
	r->common = *c;
	r->command = report_command(argc, argv);
	if (!r->command) {
		free(r);
		return -ENOMEM;
	}
	bench_utc_now(r->started, sizeof(r->started));
	r->t0 = bench_now_ns();
	r->load_start = report_load();
	if (c->out && mkdir(c->out, 0755) && errno != EEXIST) {
		int rc = -errno;

		fprintf(stderr, "swapemu bench %s: --out %s: %s\n", suite,
			c->out, strerror(-rc));
		bench_report_destroy(r);
		return rc;
	}
	*rp = r;
	return 0;
}

void bench_report_destroy(struct bench_report *r)
{
	if (!r)
		return;
	free(r->command);
	free(r->skipped);
	free(r);
}

void bench_report_target(struct bench_report *r, const char *name,
			 double measured, const char *op, double target,
			 const char *unit, bool ok)
{
	struct report_target *t;

	if (r->nr_targets >= REPORT_MAX_TARGETS)
		return;
	t = &r->targets[r->nr_targets++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->op, sizeof(t->op), "%s", op);
	snprintf(t->unit, sizeof(t->unit), "%s", unit ? unit : "");
	t->measured = measured;
	t->target = target;
	t->ok = ok;
}

bool bench_report_ok(const struct bench_report *r)
{
	for (unsigned int i = 0; i < r->nr_targets; i++)
		if (!r->targets[i].ok)
			return false;
	return true;
}

const char *bench_report_path(const struct bench_report *r, const char *file,
			      char *buf, size_t len)
{
	int n;

	if (!r->common.out)
		return NULL;
	n = snprintf(buf, len, "%s/%s", r->common.out, file);
	return n < 0 || (size_t)n >= len ? NULL : buf;
}

void bench_report_plot(struct bench_report *r, const char *file,
		       const char *caption)
{
	struct report_plot *p;

	if (r->nr_plots >= REPORT_MAX_PLOTS)
		return;
	p = &r->plots[r->nr_plots++];
	snprintf(p->file, sizeof(p->file), "%s", file);
	snprintf(p->caption, sizeof(p->caption), "%s", caption);
}

/* ---- JSON ---- */

static void report_json_targets(FILE *f, const struct bench_report *r)
{
	fputs("\"targets\":[", f);
	for (unsigned int i = 0; i < r->nr_targets; i++) {
		const struct report_target *t = &r->targets[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		bench_json_string(f, t->name);
		fprintf(f,
			",\"measured\":%.6g,\"op\":\"%s\",\"target\":%.6g,"
			"\"unit\":",
			t->measured, t->op, t->target);
		bench_json_string(f, t->unit);
		fprintf(f, ",\"ok\":%s}", t->ok ? "true" : "false");
	}
	fputc(']', f);
}

/* The whole envelope to @f. */
static void report_json(FILE *f, const struct bench_report *r,
			bench_report_fn json, const void *ctx)
{
	fprintf(f, "{\"schema\":%d,\"suite\":", BENCH_SCHEMA);
	bench_json_string(f, r->suite);
	fprintf(f,
		",\"quick\":%s,\"started\":\"%s\",\"seconds\":%.3f,"
		"\"command\":",
		r->common.quick ? "true" : "false", r->started,
		(double)(bench_now_ns() - r->t0) / 1e9);
	bench_json_string(f, r->command);
	fputs(",\"machine\":{", f);
	bench_json_machine(f);
	fprintf(f, ",\"load_start\":%.2f,\"load_end\":%.2f},\"skipped\":",
		r->load_start, report_load());
	if (r->skipped)
		bench_json_string(f, r->skipped);
	else
		fputs("null", f);
	fputc(',', f);
	report_json_targets(f, r);
	fprintf(f, ",\"pass\":%s,\"results\":{",
		r->skipped	     ? "false"
		: bench_report_ok(r) ? "true"
				     : "false");
	if (json && !r->skipped)
		json(f, ctx);
	fputs("}}\n", f);
}

/* Write @len bytes of @buf to @path ("-": stdout). */
static int report_save(const char *suite, const char *path, const char *buf,
		       size_t len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int rc = 0;

	if (!f)
		rc = -errno;
	else if (fwrite(buf, 1, len, f) != len)
		rc = -EIO;
	if (f == stdout)
		fflush(f);
	else if (f && fclose(f) && !rc)
		rc = -errno;
	if (rc)
		fprintf(stderr, "swapemu bench %s: %s: %s\n", suite, path,
			strerror(-rc));
	return rc;
}

/* ---- Markdown ---- */

static void report_md_head(FILE *f, const struct bench_report *r)
{
	struct report_machine m;

	report_machine(&m);
	fprintf(f,
		"# swapemu bench %s\n\n"
		"- command: `%s`\n"
		"- started: %s, took %.1f s%s\n"
		"- machine: %s, Linux %s (%s), %ld CPUs%s%s, %.1f GiB RAM\n"
		"- load average: %.2f at start, %.2f at end\n"
		"- data: [%s.json](%s.json) (schema in docs/BENCH_JSON.md)\n\n",
		r->suite, r->command, r->started,
		(double)(bench_now_ns() - r->t0) / 1e9,
		r->common.quick ? " (quick mode)" : "", m.uts.nodename,
		m.uts.release, m.uts.machine, m.cpus, m.cpu[0] ? ", " : "",
		m.cpu, (double)m.mem / (1 << 30), r->load_start, report_load(),
		r->suite, r->suite);
}

static void report_md_targets(FILE *f, const struct bench_report *r)
{
	if (!r->nr_targets)
		return;
	fprintf(f, "## Targets\n\n| target | measured | goal | result |\n"
		   "|--------|---------:|-----:|--------|\n");
	for (unsigned int i = 0; i < r->nr_targets; i++) {
		const struct report_target *t = &r->targets[i];

		fprintf(f, "| %s | %.4g %s | ", t->name, t->measured, t->unit);
		if (strcmp(t->op, "+-"))
			fprintf(f, "%s %.4g %s", t->op, t->target, t->unit);
		else
			fprintf(f, "1 ± %.4g", t->target);
		fprintf(f, " | %s |\n", t->ok ? "ok" : "MISSED");
	}
	fprintf(f, "\n%s\n\n",
		bench_report_ok(r) ? "All targets met."
				   : "**Targets missed.**");
}

static int report_md(const struct bench_report *r, const char *path,
		     bench_report_fn md, const void *ctx)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	report_md_head(f, r);
	if (r->skipped) {
		fprintf(f, "Skipped: %s\n", r->skipped);
	} else {
		report_md_targets(f, r);
		if (md) {
			fputs("## Results\n\n", f);
			md(f, ctx);
			fputc('\n', f);
		}
		for (unsigned int i = 0; i < r->nr_plots; i++)
			fprintf(f, "%s%s:\n\n![%s](%s)\n\n",
				i ? "" : "## Plots\n\n", r->plots[i].caption,
				r->plots[i].caption, r->plots[i].file);
	}
	rc = ferror(f) ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

/* ---- finish ---- */

int bench_report_finish(struct bench_report *r, bench_report_fn json,
			bench_report_fn md, const void *ctx)
{
	char path[4096], name[64];
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc = 0;

	if (!mem)
		return -ENOMEM;
	report_json(mem, r, json, ctx);
	if (fclose(mem)) {
		free(buf);
		return -ENOMEM;
	}
	if (r->common.json)
		rc = report_save(r->suite, r->common.json, buf, len);
	snprintf(name, sizeof(name), "%s.json", r->suite);
	if (!rc && bench_report_path(r, name, path, sizeof(path)))
		rc = report_save(r->suite, path, buf, len);
	snprintf(name, sizeof(name), "%s.md", r->suite);
	if (!rc && bench_report_path(r, name, path, sizeof(path))) {
		rc = report_md(r, path, md, ctx);
		if (rc)
			fprintf(stderr, "swapemu bench %s: %s: %s\n", r->suite,
				path, strerror(-rc));
	}
	free(buf);
	return rc;
}

int bench_report_skip(struct bench_report *r, const char *fmt, ...)
{
	va_list ap;
	char *why = NULL;

	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	fprintf(stderr, "swapemu bench %s: skipped: %s\n", r->suite,
		why ? why : "requirements missing");
	free(r->skipped);
	r->skipped = why ? why : strdup("requirements missing");
	if (r->skipped)
		bench_report_finish(r, NULL, NULL, NULL);
	return BENCH_EXIT_SKIP;
}

/* SPDX-License-Identifier: MIT */
/*
 * Workload generators and trace replay.  See mm/workload.h.
 */
#include "mm/workload.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mm/trace.h"

#define WL_PAGE_SIZE 4096u

/* Where a generated stream is. */
enum wl_stage {
	ST_SPAWN,  /* non-fork mode: task 0 forks empty tasks 1.. */
	ST_MMAP,   /* each mapping task maps its region */
	ST_FILL,   /* fork mode: task 0 writes each page once */
	ST_FORK,   /* fork mode: task 0 forks 1.. */
	ST_ACCESS, /* the accesses */
	ST_EXIT,   /* every task exits, last first */
	ST_END,
};

struct workload {
	struct workload_config cfg;  /* generator settings */
	struct trace_reader *trace;  /* replay source, or NULL */
	enum wl_stage stage;	     /* generator position */
	uint64_t i;		     /* index within the stage */
	uint64_t pages;		     /* pages per region */
	uint64_t rng;		     /* random state */
	uint64_t *cursor;	     /* per task: next sequential page */
	double zipf_zetan;	     /* zeta(pages, theta) */
	double zipf_eta;	     /* Gray et al.'s eta */
	double zipf_alpha;	     /* 1 / (1 - theta) */
	char error[TRACE_ERROR_LEN]; /* last error */
};

static const char *const kind_names[WL_NR_KINDS] = {
	[WL_SEQUENTIAL] = "seq",  [WL_UNIFORM] = "uniform", [WL_ZIPF] = "zipf",
	[WL_HOTCOLD] = "hotcold", [WL_PHASES] = "phases",
};

const char *workload_kind_name(enum workload_kind kind)
{
	return (unsigned int)kind < WL_NR_KINDS ? kind_names[kind] : NULL;
}

int workload_kind_parse(const char *name, enum workload_kind *out)
{
	for (int k = 0; k < WL_NR_KINDS; k++) {
		if (!strcmp(name, kind_names[k])) {
			*out = (enum workload_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

void workload_config_init(struct workload_config *cfg)
{
	*cfg = (struct workload_config){
		.kind = WL_UNIFORM,
		.nr_tasks = 1,
		.write_ratio = 0.3,
		.zipf_theta = 0.99,
		.hot_fraction = 0.2,
		.hot_prob = 0.8,
		.nr_phases = 4,
		.access_len = 8,
		.base = UINT64_C(0x7f0000000000),
		.seed = 1,
	};
}

/* splitmix64 */
static uint64_t wl_rand(struct workload *w)
{
	uint64_t z = (w->rng += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static double wl_rand01(struct workload *w)
{
	return (double)(wl_rand(w) >> 11) * 0x1.0p-53;
}

static bool config_ok(const struct workload_config *c)
{
	return (unsigned int)c->kind < WL_NR_KINDS && c->size >= WL_PAGE_SIZE &&
	       !(c->size % WL_PAGE_SIZE) && !(c->base % WL_PAGE_SIZE) &&
	       c->base + c->size > c->base && c->nr_tasks >= 1 &&
	       c->nr_tasks <= WORKLOAD_MAX_TASKS && c->write_ratio >= 0 &&
	       c->write_ratio <= 1 && c->access_len >= 1 &&
	       c->access_len <= WL_PAGE_SIZE &&
	       (c->kind != WL_ZIPF ||
		(c->zipf_theta > 0 && c->zipf_theta < 1)) &&
	       (c->kind != WL_HOTCOLD ||
		(c->hot_fraction > 0 && c->hot_fraction <= 1 &&
		 c->hot_prob >= 0 && c->hot_prob <= 1)) &&
	       (c->kind != WL_PHASES || c->nr_phases >= 1);
}

/* Gray et al., "Quickly generating billion-record synthetic databases":
 * O(n) set-up, O(1) per sample. */
static void zipf_init(struct workload *w)
{
	double theta = w->cfg.zipf_theta, zeta2 = 1 + pow(0.5, theta), z = 0;

	for (uint64_t i = 1; i <= w->pages; i++)
		z += 1 / pow((double)i, theta);
	w->zipf_zetan = z;
	w->zipf_alpha = 1 / (1 - theta);
	w->zipf_eta =
		(1 - pow(2.0 / (double)w->pages, 1 - theta)) / (1 - zeta2 / z);
}

static uint64_t zipf_page(struct workload *w)
{
	double u = wl_rand01(w), uz = u * w->zipf_zetan;
	uint64_t r;

	if (uz < 1)
		return 0;
	if (uz < 1 + pow(0.5, w->cfg.zipf_theta))
		return w->pages > 1;
	r = (uint64_t)((double)w->pages *
		       pow(w->zipf_eta * u - w->zipf_eta + 1, w->zipf_alpha));
	return r < w->pages ? r : w->pages - 1;
}

int workload_create(const struct workload_config *cfg, struct workload **out)
{
	struct workload *w;

	if (!config_ok(cfg))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->cfg = *cfg;
	w->pages = cfg->size / WL_PAGE_SIZE;
	w->rng = cfg->seed;
	w->cursor = calloc(cfg->nr_tasks, sizeof(*w->cursor));
	if (!w->cursor) {
		free(w);
		return -ENOMEM;
	}
	if (cfg->kind == WL_ZIPF)
		zipf_init(w);
	w->stage = cfg->fork ? ST_MMAP : ST_SPAWN;
	*out = w;
	return 0;
}

int workload_create_trace(FILE *f, struct workload **out)
{
	struct workload *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	rc = trace_reader_create(f, &w->trace);
	if (rc) {
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void workload_destroy(struct workload *w)
{
	if (!w)
		return;
	trace_reader_destroy(w->trace);
	free(w->cursor);
	free(w);
}

const char *workload_error(const struct workload *w)
{
	return w->trace ? trace_reader_error(w->trace) : w->error;
}

/* The page the next access of @task goes to. */
static uint64_t next_page(struct workload *w, unsigned int task)
{
	const struct workload_config *c = &w->cfg;
	uint64_t hot, win, phase;

	switch (c->kind) {
	case WL_SEQUENTIAL:
		return w->cursor[task]++ % w->pages;
	case WL_ZIPF:
		return zipf_page(w);
	case WL_HOTCOLD:
		hot = (uint64_t)((double)w->pages * c->hot_fraction);
		if (!hot)
			hot = 1;
		if (hot == w->pages || wl_rand01(w) < c->hot_prob)
			return wl_rand(w) % hot;
		return hot + wl_rand(w) % (w->pages - hot);
	case WL_PHASES:
		win = w->pages / c->nr_phases ? w->pages / c->nr_phases : 1;
		phase = w->i * c->nr_phases /
			(c->nr_accesses ? c->nr_accesses : 1);
		return (phase * win + wl_rand(w) % win) % w->pages;
	default:
		return wl_rand(w) % w->pages;
	}
}

static void gen_access(struct workload *w, struct workload_op *op)
{
	const struct workload_config *c = &w->cfg;
	unsigned int task = (unsigned int)(w->i % c->nr_tasks);
	uint64_t slots = WL_PAGE_SIZE / c->access_len;
	uint64_t page = next_page(w, task);

	op->type = WL_ACCESS;
	op->task = task;
	op->len = c->access_len;
	op->addr = c->base + page * WL_PAGE_SIZE +
		   (wl_rand(w) % slots) * c->access_len;
	op->write = c->write_ratio > 0 && wl_rand01(w) < c->write_ratio;
}

/* Move to @stage; returns false (so the caller loops). */
static bool next_stage(struct workload *w, enum wl_stage stage)
{
	w->stage = stage;
	w->i = 0;
	return false;
}

/* The fork of task @child by task 0. */
static void gen_fork(struct workload_op *op, uint64_t child)
{
	*op = (struct workload_op){
		.type = WL_FORK, .task = 0, .child = (uint32_t)child};
}

/* Set-up stages: false when the stage is over. */
static bool gen_setup(struct workload *w, struct workload_op *op)
{
	const struct workload_config *c = &w->cfg;
	unsigned int n = c->nr_tasks;

	switch (w->stage) {
	case ST_SPAWN:
		if (w->i + 1 >= n)
			return next_stage(w, ST_MMAP);
		gen_fork(op, w->i + 1);
		return true;
	case ST_MMAP:
		if (w->i >= (c->fork ? 1 : n))
			return next_stage(w, c->fork ? ST_FILL : ST_ACCESS);
		*op = (struct workload_op){.type = WL_MMAP,
					   .task = (uint32_t)w->i,
					   .addr = c->base,
					   .len = c->size};
		return true;
	case ST_FILL:
		if (w->i >= w->pages)
			return next_stage(w, ST_FORK);
		*op = (struct workload_op){.type = WL_ACCESS,
					   .write = true,
					   .len = 8,
					   .addr = c->base +
						   w->i * WL_PAGE_SIZE};
		return true;
	default: /* ST_FORK */
		if (w->i + 1 >= n)
			return next_stage(w, ST_ACCESS);
		gen_fork(op, w->i + 1);
		return true;
	}
}

/* Fill @op from the current stage; false when the stage is over. */
static bool gen_step(struct workload *w, struct workload_op *op)
{
	const struct workload_config *c = &w->cfg;
	unsigned int n = c->nr_tasks;

	memset(op, 0, sizeof(*op));
	switch (w->stage) {
	case ST_ACCESS:
		if (w->i >= c->nr_accesses)
			return next_stage(w, ST_EXIT);
		gen_access(w, op);
		break;
	case ST_EXIT:
		if (w->i >= n)
			return next_stage(w, ST_END);
		*op = (struct workload_op){.type = WL_EXIT,
					   .task = (uint32_t)(n - 1 - w->i)};
		break;
	case ST_END:
		return true;
	default:
		if (!gen_setup(w, op))
			return false;
		break;
	}
	w->i++;
	return true;
}

int workload_next(struct workload *w, struct workload_op *op)
{
	if (w->trace)
		return trace_reader_next(w->trace, op);
	while (!gen_step(w, op))
		;
	return w->stage == ST_END ? 0 : 1;
}

/* ---- specs ----------------------------------------------------------- */

/* A count or size with an optional K/M/G/T suffix (powers of 1024). */
static int spec_u64(const char *s, uint64_t *out)
{
	unsigned int shift = 0;
	unsigned long long v;
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int spec_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return -EINVAL;
	*out = v;
	return 0;
}

static int spec_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcmp(s, "yes") || !strcmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "0") || !strcmp(s, "no") || !strcmp(s, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* Apply one KEY=VALUE word; -EINVAL for an unknown key or bad value. */
static int spec_apply(struct workload_config *c, const char *key,
		      const char *val, bool *has_size, bool *has_accesses)
{
	uint64_t u = 0;
	int rc = -EINVAL;

	if (!strcmp(key, "size")) {
		*has_size = true;
		return spec_u64(val, &c->size);
	}
	if (!strcmp(key, "accesses")) {
		*has_accesses = true;
		return spec_u64(val, &c->nr_accesses);
	}
	if (!strcmp(key, "writes"))
		return spec_double(val, 0, 1, &c->write_ratio);
	if (!strcmp(key, "theta"))
		return spec_double(val, 0, 1, &c->zipf_theta);
	if (!strcmp(key, "hot"))
		return spec_double(val, 0, 1, &c->hot_fraction);
	if (!strcmp(key, "hotprob"))
		return spec_double(val, 0, 1, &c->hot_prob);
	if (!strcmp(key, "fork"))
		return spec_bool(val, &c->fork);
	if (!strcmp(key, "base"))
		return spec_u64(val, &c->base);
	if (!strcmp(key, "seed"))
		return spec_u64(val, &c->seed);
	if (!strcmp(key, "tasks") || !strcmp(key, "phases") ||
	    !strcmp(key, "len")) {
		rc = spec_u64(val, &u);
		if (rc || !u || u > WORKLOAD_MAX_TASKS)
			return -EINVAL;
		if (key[0] == 't')
			c->nr_tasks = (unsigned int)u;
		else if (key[0] == 'p')
			c->nr_phases = (unsigned int)u;
		else
			c->access_len = (unsigned int)u;
	}
	return rc;
}

/* Why a parsed config is refused, for the message. */
static const char *spec_config_problem(const struct workload_config *c)
{
	if (c->size < WL_PAGE_SIZE || c->size % WL_PAGE_SIZE)
		return "size must be a non-zero multiple of 4096";
	if (c->base % WL_PAGE_SIZE || c->base + c->size <= c->base)
		return "base must be page aligned and base + size must not "
		       "wrap";
	if (c->access_len > WL_PAGE_SIZE)
		return "len must be 1..4096";
	if (c->kind == WL_ZIPF && (c->zipf_theta <= 0 || c->zipf_theta >= 1))
		return "theta must be strictly between 0 and 1";
	if (c->kind == WL_HOTCOLD && c->hot_fraction <= 0)
		return "hot must be more than 0";
	return config_ok(c) ? NULL : "inconsistent settings";
}

int workload_config_parse(const char *spec, struct workload_config *cfg,
			  char *err, size_t errlen)
{
	bool has_size = false, has_accesses = false;
	char buf[512], *save = NULL, *word, *colon;
	const char *problem;

	workload_config_init(cfg);
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "workload spec too long");
		return -EINVAL;
	}
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (!strcmp(buf, "random"))
		cfg->kind = WL_UNIFORM;
	else if (workload_kind_parse(buf, &cfg->kind)) {
		snprintf(err, errlen,
			 "unknown workload '%s' (seq, uniform, random, zipf, "
			 "hotcold, phases, trace:FILE, lackey:FILE)",
			 buf);
		return -EINVAL;
	}
	for (word = colon ? strtok_r(colon + 1, ",", &save) : NULL; word;
	     word = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(word, '=');

		if (eq)
			*eq = '\0';
		if (!eq ||
		    spec_apply(cfg, word, eq + 1, &has_size, &has_accesses)) {
			snprintf(err, errlen, "bad workload setting '%s%s%s'",
				 word, eq ? "=" : "", eq ? eq + 1 : "");
			return -EINVAL;
		}
	}
	if (!has_size) {
		snprintf(err, errlen, "workload '%s' needs size=SIZE", spec);
		return -EINVAL;
	}
	if (!has_accesses)
		cfg->nr_accesses = cfg->size / WL_PAGE_SIZE * cfg->nr_tasks;
	problem = spec_config_problem(cfg);
	if (problem) {
		snprintf(err, errlen, "workload '%s': %s", spec, problem);
		return -EINVAL;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Trace reader, writer and the lackey converter.  See mm/trace.h and
 * docs/TRACE.md.
 */
#include "mm/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_PAGE_SIZE 4096u

struct trace_reader {
	FILE *f;			       /* input, not owned */
	char *line;			       /* getline buffer */
	size_t cap;			       /* its size */
	uint64_t lineno;		       /* lines read so far */
	uint8_t alive[WORKLOAD_MAX_TASKS / 8]; /* tasks that exist */
	char error[TRACE_ERROR_LEN]; /* "line N: reason" of the last error */
};

int trace_reader_create(FILE *f, struct trace_reader **out)
{
	struct trace_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->f = f;
	r->alive[0] = 1; /* task 0 exists from the start */
	*out = r;
	return 0;
}

void trace_reader_destroy(struct trace_reader *r)
{
	if (!r)
		return;
	free(r->line);
	free(r);
}

const char *trace_reader_error(const struct trace_reader *r)
{
	return r->error;
}

static bool task_alive(const struct trace_reader *r, uint32_t t)
{
	return r->alive[t / 8] & (1u << (t % 8));
}

static void task_set(struct trace_reader *r, uint32_t t, bool alive)
{
	if (alive)
		r->alive[t / 8] |= (uint8_t)(1u << (t % 8));
	else
		r->alive[t / 8] &= (uint8_t) ~(1u << (t % 8));
}

__attribute__((format(printf, 2, 3))) static int
trace_fail(struct trace_reader *r, const char *fmt, ...)
{
	char msg[TRACE_ERROR_LEN - 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->error, sizeof(r->error), "line %" PRIu64 ": %s", r->lineno,
		 msg);
	return -EINVAL;
}

/* A number in decimal or 0x hex, the whole token. */
static bool parse_u64(const char *s, uint64_t *out)
{
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoull(s, &end, base);
	return !errno && !*end;
}

static int parse_task(struct trace_reader *r, const char *tok, uint32_t *t)
{
	uint64_t v;

	if (!parse_u64(tok, &v) || v >= WORKLOAD_MAX_TASKS)
		return trace_fail(r, "bad task id '%s' (0..%u)", tok,
				  WORKLOAD_MAX_TASKS - 1);
	*t = (uint32_t)v;
	return 0;
}

/* "<addr> <len>" of an access or a mapping. */
static int parse_range(struct trace_reader *r, char **tok, const char *op,
		       bool mapping, struct workload_op *o)
{
	if (!tok[2] || !tok[3])
		return trace_fail(r, "%s needs an address and a length", op);
	if (tok[4])
		return trace_fail(r, "unexpected '%s' after the length",
				  tok[4]);
	if (!parse_u64(tok[2], &o->addr))
		return trace_fail(r, "bad address '%s'", tok[2]);
	if (!parse_u64(tok[3], &o->len))
		return trace_fail(r, "bad length '%s'", tok[3]);
	if (!o->len)
		return trace_fail(r, "length 0");
	if (o->addr + o->len < o->addr)
		return trace_fail(r, "address + length wraps around");
	if (mapping && ((o->addr | o->len) & (TRACE_PAGE_SIZE - 1)))
		return trace_fail(r,
				  "%s address and length must be multiples "
				  "of 4096",
				  op);
	if (!mapping && o->len > TRACE_MAX_ACCESS)
		return trace_fail(r, "access of %" PRIu64 " bytes (at most %u)",
				  o->len, TRACE_MAX_ACCESS);
	return 0;
}

static int parse_fork(struct trace_reader *r, char **tok, struct workload_op *o)
{
	int rc;

	if (!tok[2])
		return trace_fail(r, "fork needs a child task id");
	if (tok[3])
		return trace_fail(r, "unexpected '%s' after fork", tok[3]);
	rc = parse_task(r, tok[2], &o->child);
	if (rc)
		return rc;
	if (task_alive(r, o->child))
		return trace_fail(r, "fork: task %u already exists", o->child);
	task_set(r, o->child, true);
	return 0;
}

/* Parse the tokens of one line into @o. */
static int parse_tokens(struct trace_reader *r, char **tok,
			struct workload_op *o)
{
	const char *op = tok[1];
	int rc;

	memset(o, 0, sizeof(*o));
	o->line = r->lineno;
	if (!op)
		return trace_fail(r, "expected 'task operation ...'");
	rc = parse_task(r, tok[0], &o->task);
	if (rc)
		return rc;
	if (!task_alive(r, o->task))
		return trace_fail(r, "task %u does not exist (fork it first)",
				  o->task);
	if (!strcmp(op, "R") || !strcmp(op, "W")) {
		o->type = WL_ACCESS;
		o->write = op[0] == 'W';
		return parse_range(r, tok, op, false, o);
	}
	if (!strcmp(op, "mmap") || !strcmp(op, "munmap")) {
		o->type = op[1] == 'm' ? WL_MMAP : WL_MUNMAP;
		return parse_range(r, tok, op, true, o);
	}
	if (!strcmp(op, "fork")) {
		o->type = WL_FORK;
		return parse_fork(r, tok, o);
	}
	if (!strcmp(op, "exit")) {
		if (tok[2])
			return trace_fail(r, "unexpected '%s' after exit",
					  tok[2]);
		o->type = WL_EXIT;
		task_set(r, o->task, false);
		return 0;
	}
	return trace_fail(r,
			  "unknown operation '%s' (R, W, mmap, munmap, "
			  "fork, exit)",
			  op);
}

int trace_reader_next(struct trace_reader *r, struct workload_op *op)
{
	for (;;) {
		char *tok[6] = {NULL}, *save = NULL, *hash;
		ssize_t n = getline(&r->line, &r->cap, r->f);
		unsigned int nt = 0;

		if (n < 0)
			return ferror(r->f) ? -EIO : 0;
		r->lineno++;
		hash = strchr(r->line, '#');
		if (hash)
			*hash = '\0';
		for (char *t = strtok_r(r->line, " \t\r\n", &save); t && nt < 5;
		     t = strtok_r(NULL, " \t\r\n", &save))
			tok[nt++] = t;
		if (!nt)
			continue; /* blank or comment */
		return parse_tokens(r, tok, op) ? -EINVAL : 1;
	}
}

int trace_write_op(FILE *f, const struct workload_op *op)
{
	int n;

	switch (op->type) {
	case WL_ACCESS:
		n = fprintf(f, "%u %c 0x%" PRIx64 " %" PRIu64 "\n", op->task,
			    op->write ? 'W' : 'R', op->addr, op->len);
		break;
	case WL_MMAP:
	case WL_MUNMAP:
		n = fprintf(f, "%u %s 0x%" PRIx64 " %" PRIu64 "\n", op->task,
			    op->type == WL_MMAP ? "mmap" : "munmap", op->addr,
			    op->len);
		break;
	case WL_FORK:
		n = fprintf(f, "%u fork %u\n", op->task, op->child);
		break;
	default:
		n = fprintf(f, "%u exit\n", op->task);
		break;
	}
	return n < 0 ? -EIO : 0;
}

/* ---- lackey --------------------------------------------------------------- */

/* A growable set of page numbers (open addressing). */
struct page_set {
	uint64_t *slots; /* page + 1, 0 = empty */
	size_t cap;	 /* slots, a power of two */
	size_t nr;	 /* pages held */
};

static int page_set_add(struct page_set *s, uint64_t page)
{
	size_t i;

	if (2 * (s->nr + 1) > s->cap) {
		struct page_set big = {NULL, s->cap ? 2 * s->cap : 1024, 0};

		big.slots = calloc(big.cap, sizeof(*big.slots));
		if (!big.slots)
			return -ENOMEM;
		for (size_t k = 0; k < s->cap; k++)
			if (s->slots[k])
				page_set_add(&big, s->slots[k] - 1);
		free(s->slots);
		*s = big;
	}
	i = (page * UINT64_C(0x9E3779B97F4A7C15)) >> 17 & (s->cap - 1);
	while (s->slots[i] && s->slots[i] != page + 1)
		i = (i + 1) & (s->cap - 1);
	if (!s->slots[i]) {
		s->slots[i] = page + 1;
		s->nr++;
	}
	return 0;
}

struct lackey_access {
	char op;       /* I, L, S or M */
	uint64_t addr; /* first byte */
	uint64_t len;  /* bytes */
};

/* 1 for an access, 0 for a line to skip, -EINVAL for anything else. */
static int lackey_parse(const char *line, struct lackey_access *a)
{
	const char *p = line;
	char *end;

	if (!strncmp(line, "==", 2) || !strncmp(line, "--", 2))
		return 0;
	while (*p == ' ')
		p++;
	if (*p == '\n' || !*p)
		return 0;
	if (!strchr("ILSM", *p) || p[1] != ' ')
		return -EINVAL;
	a->op = *p++;
	while (*p == ' ')
		p++;
	errno = 0;
	a->addr = strtoull(p, &end, 16);
	if (end == p || *end != ',' || errno)
		return -EINVAL;
	p = end + 1;
	a->len = strtoull(p, &end, 10);
	if (end == p || (*end && *end != '\n') || errno || !a->len ||
	    a->len > TRACE_MAX_ACCESS || a->addr + a->len < a->addr)
		return -EINVAL;
	return 1;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Emit one mmap line per run of consecutive pages of @s. */
static int lackey_write_mmaps(struct page_set *s, FILE *out, unsigned int task)
{
	uint64_t *pages = malloc((s->nr ? s->nr : 1) * sizeof(*pages));
	size_t n = 0;

	if (!pages)
		return -ENOMEM;
	for (size_t k = 0; k < s->cap; k++)
		if (s->slots[k])
			pages[n++] = s->slots[k] - 1;
	qsort(pages, n, sizeof(*pages), u64_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		struct workload_op op = {.type = WL_MMAP, .task = task};

		while (j < n && pages[j] == pages[j - 1] + 1)
			j++;
		op.addr = pages[i] * TRACE_PAGE_SIZE;
		op.len = (j - i) * TRACE_PAGE_SIZE;
		trace_write_op(out, &op);
		i = j;
	}
	free(pages);
	return 0;
}

/* One pass over lackey lines: collect pages, or write accesses. */
static int64_t lackey_pass(FILE *in, FILE *out, struct page_set *set,
			   const struct lackey_options *opt,
			   char err[TRACE_ERROR_LEN])
{
	char *line = NULL;
	size_t cap = 0;
	uint64_t lineno = 0;
	int64_t n = 0;

	while (getline(&line, &cap, in) >= 0) {
		struct lackey_access a;
		struct workload_op op = {.type = WL_ACCESS, .task = opt->task};
		int rc = lackey_parse(line, &a);

		lineno++;
		if (rc < 0) {
			snprintf(err, TRACE_ERROR_LEN,
				 "line %" PRIu64 ": not a lackey trace line",
				 lineno);
			n = -EINVAL;
			break;
		}
		if (!rc || (a.op == 'I' && !opt->instructions))
			continue;
		n++;
		if (set) {
			for (uint64_t p = a.addr / TRACE_PAGE_SIZE;
			     p <= (a.addr + a.len - 1) / TRACE_PAGE_SIZE; p++)
				if (page_set_add(set, p))
					return -ENOMEM;
			continue;
		}
		op.addr = a.addr;
		op.len = a.len;
		op.write = a.op == 'S' || a.op == 'M';
		trace_write_op(out, &op);
	}
	free(line);
	if (n >= 0 && ferror(in))
		n = -EIO;
	return n;
}

/* @in if it can be read twice, else a temporary copy of it. */
static FILE *rewindable(FILE *in)
{
	char buf[65536];
	FILE *tmp;
	size_t n;

	if (!fseek(in, 0, SEEK_CUR))
		return in;
	tmp = tmpfile();
	if (!tmp)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, tmp);
	rewind(tmp);
	return tmp;
}

int64_t trace_from_lackey(FILE *in, FILE *out, const struct lackey_options *opt,
			  char err[TRACE_ERROR_LEN])
{
	struct page_set set = {NULL, 0, 0};
	FILE *src = rewindable(in);
	long start;
	int64_t n;

	err[0] = '\0';
	if (!src)
		return -EIO;
	start = ftell(src);
	n = lackey_pass(src, NULL, &set, opt, err);
	if (n < 0)
		goto out_close;
	fprintf(out, "# swapemu trace v1, converted from valgrind lackey\n");
	n = lackey_write_mmaps(&set, out, opt->task);
	if (n < 0)
		goto out_close;
	fseek(src, start, SEEK_SET);
	n = lackey_pass(src, out, NULL, opt, err);
	if (n >= 0 && ferror(out))
		n = -EIO;
out_close:
	free(set.slots);
	if (src != in)
		fclose(src);
	return n;
}

/* SPDX-License-Identifier: MIT */
/*
 * Per-area IO counters and latency histograms (see stat.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "swap/io/stat.h"

/* Counters of one op type. */
struct stat_op {
	_Atomic uint64_t ops;      /* completed */
	_Atomic uint64_t bytes;    /* bytes of successful ones */
	_Atomic uint64_t errors;   /* completed with an error */
	_Atomic uint64_t inflight; /* submitted, not completed */
	struct swap_hist *hist[SWAP_STAT_NR_CLOCKS]; /* latency, ns */
};

struct swap_stat {
	struct stat_op op[SWAP_IO_NR_OPS]; /* per op type */
};

static const char *const clock_names[SWAP_STAT_NR_CLOCKS] = {
	"total", "emulated", "backing",
};

const char *swap_stat_clock_name(enum swap_stat_clock clock)
{
	return clock < SWAP_STAT_NR_CLOCKS ? clock_names[clock] : "?";
}

int swap_stat_create(struct swap_stat **out)
{
	struct swap_stat *st = calloc(1, sizeof(*st));
	int rc = 0;

	if (!st)
		return -ENOMEM;
	for (int op = 0; op < SWAP_IO_NR_OPS && !rc; op++)
		for (int c = 0; c < SWAP_STAT_NR_CLOCKS && !rc; c++)
			rc = swap_hist_create(&st->op[op].hist[c]);
	if (rc) {
		swap_stat_destroy(st);
		return rc;
	}
	*out = st;
	return 0;
}

void swap_stat_destroy(struct swap_stat *st)
{
	if (!st)
		return;
	for (int op = 0; op < SWAP_IO_NR_OPS; op++)
		for (int c = 0; c < SWAP_STAT_NR_CLOCKS; c++)
			swap_hist_destroy(st->op[op].hist[c]);
	free(st);
}

void swap_stat_start(struct swap_stat *st, enum swap_io_op op)
{
	atomic_fetch_add_explicit(&st->op[op].inflight, 1,
				  memory_order_relaxed);
}

void swap_stat_done(struct swap_stat *st, enum swap_io_op op, int64_t res,
		    uint64_t total_ns, uint64_t emulated_ns,
		    uint64_t backing_ns)
{
	struct stat_op *o = &st->op[op];

	if (res < 0)
		atomic_fetch_add_explicit(&o->errors, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&o->bytes, (uint64_t)res,
					  memory_order_relaxed);
	atomic_fetch_add_explicit(&o->ops, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&o->inflight, 1, memory_order_relaxed);
	swap_hist_add(o->hist[SWAP_STAT_TOTAL], total_ns);
	if (emulated_ns)
		swap_hist_add(o->hist[SWAP_STAT_EMULATED], emulated_ns);
	if (backing_ns)
		swap_hist_add(o->hist[SWAP_STAT_BACKING], backing_ns);
}

void swap_stat_read(const struct swap_stat *st, enum swap_io_op op,
		    struct swap_stat_op *out)
{
	struct stat_op *o = &((struct swap_stat *)st)->op[op];

	out->ops = atomic_load_explicit(&o->ops, memory_order_relaxed);
	out->bytes = atomic_load_explicit(&o->bytes, memory_order_relaxed);
	out->errors = atomic_load_explicit(&o->errors, memory_order_relaxed);
	out->inflight = atomic_load_explicit(&o->inflight,
					     memory_order_relaxed);
}

const struct swap_hist *swap_stat_hist(const struct swap_stat *st,
				       enum swap_io_op op,
				       enum swap_stat_clock clock)
{
	return st->op[op].hist[clock];
}

void swap_stat_reset(struct swap_stat *st)
{
	for (int op = 0; op < SWAP_IO_NR_OPS; op++) {
		struct stat_op *o = &st->op[op];

		atomic_store(&o->ops, 0);
		atomic_store(&o->bytes, 0);
		atomic_store(&o->errors, 0);
		for (int c = 0; c < SWAP_STAT_NR_CLOCKS; c++)
			swap_hist_reset(o->hist[c]);
	}
}

static void json_hist(const struct swap_hist *h, FILE *f)
{
	struct swap_hist_summary s;

	swap_hist_summarize(h, &s);
	fprintf(f,
		"{\"count\":%" PRIu64 ",\"min\":%" PRIu64 ",\"mean\":%" PRIu64
		",\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64
		",\"p999\":%" PRIu64 ",\"max\":%" PRIu64 "}",
		s.count, s.min, s.mean, s.p50, s.p90, s.p99, s.p999, s.max);
}

static void json_op(const struct swap_stat *st, enum swap_io_op op, FILE *f)
{
	struct swap_stat_op o;

	swap_stat_read(st, op, &o);
	fprintf(f,
		"\"%s\":{\"ops\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"errors\":%" PRIu64 ",\"inflight\":%" PRIu64
		",\"latency_ns\":{",
		swap_io_op_name(op), o.ops, o.bytes, o.errors, o.inflight);
	for (int c = 0; c < SWAP_STAT_NR_CLOCKS; c++) {
		fprintf(f, "%s\"%s\":", c ? "," : "", clock_names[c]);
		json_hist(swap_stat_hist(st, op, c), f);
	}
	fputs("}}", f);
}

int swap_stat_json(const struct swap_stat *st, FILE *f)
{
	fputc('{', f);
	for (int op = 0; op < SWAP_IO_NR_OPS; op++) {
		if (op)
			fputc(',', f);
		json_op(st, op, f);
	}
	fputc('}', f);
	return ferror(f) ? -EIO : 0;
}

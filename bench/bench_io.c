/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench io`: the IO engine against fio's io_uring engine on the
 * same backing file in the same run, and the device model's promises.
 *
 *  1. 4 KiB random read and write at queue depth 32: fio, then the
 *     engine, alternating for each round; the median of the rounds is
 *     compared (target >= 90% of fio's IOPS).  1 MiB sequential read and
 *     write at queue depth 8: many short slice pairs (bench/bench_io_seq.c);
 *     the median of the pairs' ratios is compared (target >= 95% of fio's
 *     bandwidth).  A random engine measurement has buffers of its own, as
 *     each fio run has; both sides of a sequential pair share theirs.
 *  2. The hdd preset: random 4 KiB reads against sequential ones at queue
 *     depth 1; the measured factor against the model's expected one.
 *  3. A fixed 100 us read latency at queue depth 32: emulated IOPS (target
 *     >= 250K, the delay must not serialise requests).
 *
 * Parts 2 and 3 run on a buffered view of the first part of the file, held
 * in the page cache, so that the emulated device and not the disk sets the
 * pace.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/report.h"
#include "bench/bench_io_i.h"
#include "bench/engine_load.h"
#include "swap/size.h"
#include "swap/extent.h"
#include "swap/io/device.h"
#include "swap/io/engine.h"

#define BLK 4096u
#define EMU_BYTES (256ull << 20) /* buffered area for parts 2 and 3 */
#define HDD_TOLERANCE 0.25 /* measured hdd factor within 1 +- this of the model */

static struct workload workloads[] = {
	{ .name = "randread-4k-qd32", .fio_rw = "randread",
	  .op = SWAP_IO_READ, .random = true, .bs = 4096, .qd = 32,
	  .target = 0.90 },
	{ .name = "randwrite-4k-qd32", .fio_rw = "randwrite",
	  .op = SWAP_IO_WRITE, .random = true, .bs = 4096, .qd = 32,
	  .target = 0.90 },
	{ .name = "read-1m-qd8", .fio_rw = "read", .op = SWAP_IO_READ,
	  .bs = 1 << 20, .qd = 8, .target = 0.95 },
	{ .name = "write-1m-qd8", .fio_rw = "write", .op = SWAP_IO_WRITE,
	  .bs = 1 << 20, .qd = 8, .target = 0.95 },
};

#define NR_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

void bench_io_fill(unsigned char *mem, size_t bytes)
{
	uint64_t x = bench_now_ns() | 1, *w = (uint64_t *)mem;

	for (size_t i = 0; i < bytes / sizeof(*w); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w[i] = x;
	}
}

/*
 * Buffers for one random measurement, as each fio run allocates its own,
 * filled (bench_io_fill()) and registered with @e, as fio's --fixedbufs
 * registers its own.  4 KiB requests are one segment each, so the layout
 * of these pages does not matter to them as it does to 1 MiB requests
 * (bench/bench_io_seq.c).
 */
static unsigned char *run_buffers(struct swap_io_engine *e, size_t bytes)
{
	unsigned char *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		return NULL;
	bench_io_fill(mem, bytes);
	if (swap_io_register_buffer(e, mem, bytes)) {
		munmap(mem, bytes);
		return NULL;
	}
	return mem;
}

static void run_buffers_put(struct swap_io_engine *e, unsigned char *mem,
			    size_t bytes)
{
	swap_io_unregister_buffer(e, mem);
	munmap(mem, bytes);
}

/* Run a closed loop for @seconds on fresh buffers; returns IOPS
 * (negative errno on error). */
static double load_run(struct swap_io_engine *e, struct swap_io_area *a,
		       enum swap_io_op op, bool random, uint64_t bs,
		       unsigned int qd, uint64_t span, double seconds)
{
	struct engine_load_spec spec = {
		.op = op, .random = random, .bs = bs, .qd = qd, .base = 0,
		.span = span, .seconds = seconds,
	};
	size_t bytes = (size_t)bs * qd;
	double iops;

	spec.mem = run_buffers(e, bytes);
	if (!spec.mem)
		return -ENOMEM;
	iops = engine_load_run(a, &spec);
	run_buffers_put(e, spec.mem, bytes);
	return iops;
}

/* Terse v3 fields of the read and the write side: KiB, IOPS, ms. */
static const int fio_fields[2][3] = { { 6, 8, 9 }, { 47, 49, 50 } };

/* Take @w's op's figures from a terse v3 line of fio into @res. */
static void fio_parse(char *line, const struct workload *w,
		      struct io_fio_result *res)
{
	const int *fld = fio_fields[w->op == SWAP_IO_READ ? 0 : 1];
	char *save = NULL, *tok = strtok_r(line, ";", &save);

	if (!tok || strcmp(tok, "3"))
		return;
	for (int f = 1; tok; f++, tok = strtok_r(NULL, ";", &save)) {
		if (f == fld[0])
			res->bytes = strtoull(tok, NULL, 10) << 10;
		else if (f == fld[1])
			res->iops = atof(tok);
		else if (f == fld[2])
			res->ns = strtoull(tok, NULL, 10) * 1000000;
	}
}

/*
 * fio registers its file and buffers as the engine does (--registerfiles,
 * --fixedbufs); both submit from the thread that reaps, without SQPOLL or
 * polled IO.  Its figures leave out its start-up and its ramp.
 */
int bench_io_fio(const struct io_opts *o, const struct workload *w,
		 double ramp, double seconds, const char *mem,
		 struct io_fio_result *res)
{
	char cmd[1280], iomem[256] = "", line[8192];
	FILE *p;

	memset(res, 0, sizeof(*res));
	if (mem)
		snprintf(iomem, sizeof(iomem), "--iomem=mmapshared:%s ", mem);
	snprintf(cmd, sizeof(cmd),
		 "fio --name=bench --filename=%s --size=%llu --rw=%s --bs=%llu "
		 "--iodepth=%u --ioengine=io_uring --direct=1 --fixedbufs=1 "
		 "--registerfiles=1 --norandommap --randrepeat=0 --time_based "
		 "--runtime=%.0fms --ramp_time=%.0fms %s"
		 "--output-format=terse --terse-version=3 2>/dev/null",
		 o->file, (unsigned long long)o->size, w->fio_rw,
		 (unsigned long long)w->bs, w->qd, seconds * 1e3, ramp * 1e3,
		 iomem);
	p = popen(cmd, "r");
	if (!p)
		return -EIO;
	while (fgets(line, sizeof(line), p))
		fio_parse(line, w, res);
	if (pclose(p) || res->iops <= 0)
		return -EIO;
	return 0;
}

/* Make sure @o->file holds @o->size bytes of written data (not holes,
 * which read without touching the disk). */
static int prepare_file(const struct io_opts *o)
{
	struct stat st;
	unsigned char *buf;
	int fd, rc = 0;

	if (!stat(o->file, &st) && (uint64_t)st.st_size >= o->size &&
	    (uint64_t)st.st_blocks * 512 >= o->size)
		return 0;
	fd = open(o->file, O_RDWR | O_CREAT | O_DIRECT, 0600);
	if (fd < 0)
		return -errno;
	if (posix_memalign((void **)&buf, BLK, 1 << 20)) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t i = 0; i < 1 << 20; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	for (uint64_t off = 0; off < o->size && !rc; off += 1 << 20)
		if (pwrite(fd, buf, 1 << 20, (off_t)off) != 1 << 20)
			rc = -EIO;
	if (!rc && fsync(fd))
		rc = -errno;
	free(buf);
	close(fd);
	return rc;
}

/* An engine area covering the first @bytes of store @store. */
static int bench_area(struct swap_io_engine *e, int store, uint64_t bytes,
		      const char *name, struct swap_extent_map **map,
		      struct swap_io_area **area)
{
	int rc = swap_extent_map_create(bytes / BLK, map);

	if (!rc)
		rc = swap_extent_add(*map, 0, bytes / BLK, store, 0);
	if (!rc)
		rc = swap_io_area_attach(e, *map, name, area);
	return rc;
}

/* The medians' IOPS of random workload @w over the rounds (@engine: the
 * engine's side). */
static double rounds_iops(const struct workload *w, unsigned int rounds,
			  bool engine)
{
	double v[BENCH_IO_MAX_ROUNDS];

	memcpy(v, engine ? w->eng : w->fio, sizeof(v));
	return bench_median(v, rounds);
}

/* IOPS of @w's engine side (@engine) or fio's, as compared. */
static double iops_of(const struct io_opts *o, const struct workload *w,
		      bool engine)
{
	if (w->random)
		return rounds_iops(w, o->rounds, engine);
	return bench_io_seq_mib_s(w, o->pairs, engine) * 1048576.0 / w->bs;
}

/* Engine / fio of @w, the figure held to its target: of the rounds'
 * medians for random workloads, the median of the pairs' ratios for
 * sequential ones. */
static double ratio_of(const struct io_opts *o, const struct workload *w)
{
	double fio;

	if (!w->random)
		return bench_io_seq_pair_median(w, o->pairs);
	fio = iops_of(o, w, false);
	return fio > 0 ? iops_of(o, w, true) / fio : 0;
}

/* fio's IOPS for random workload @w, or -1 when fio failed. */
static double fio_iops(const struct io_opts *o, const struct workload *w)
{
	struct io_fio_result r;

	return bench_io_fio(o, w, 0, o->runtime, NULL, &r) ? -1 : r.iops;
}

/* Round @r of random workload @w (its @i-th). */
static int run_round(const struct io_opts *o, struct swap_io_engine *e,
		     struct swap_io_area *a, struct workload *w,
		     unsigned int r, size_t i)
{
	/* Alternate who goes first: the disk under test may have
	 * host-side bursts or caches. */
	if ((r + i) % 2)
		w->eng[r] = load_run(e, a, w->op, w->random, w->bs, w->qd,
				     o->size, o->runtime);
	w->fio[r] = fio_iops(o, w);
	if (!((r + i) % 2))
		w->eng[r] = load_run(e, a, w->op, w->random, w->bs, w->qd,
				     o->size, o->runtime);
	if (w->fio[r] < 0 || w->eng[r] < 0) {
		fprintf(stderr,
			"swapemu bench io: %s failed (fio %.0f, engine %.0f)\n",
			w->name, w->fio[r], w->eng[r]);
		return -EIO;
	}
	return 0;
}

/* Part 1: the random workloads' rounds, then the sequential pairs. */
static int run_versus_fio(const struct io_opts *o, struct swap_io_engine *e,
			  struct swap_io_area *a)
{
	int rc = 0;

	for (unsigned int r = 0; r < o->rounds && !rc; r++)
		for (size_t i = 0; i < NR_WORKLOADS && !rc; i++)
			if (workloads[i].random)
				rc = run_round(o, e, a, &workloads[i], r, i);
	for (size_t i = 0; i < NR_WORKLOADS && !rc; i++)
		if (!workloads[i].random)
			rc = bench_io_seq_run(o, e, a, &workloads[i]);
	return rc;
}

/* Results of parts 2 and 3. */
struct emu_result {
	double hdd_seq_iops;      /* measured */
	double hdd_rand_iops;     /* measured */
	double hdd_promised;      /* model: seq / rand */
	double lat_iops;          /* 100 us latency, qd 32 */
	double lat_seconds;       /* run time of that measurement */
};

static int run_emulation(const struct io_opts *o, struct swap_io_engine *e,
			 struct swap_io_area *a, struct emu_result *res)
{
	struct swap_dev *d = swap_io_area_dev(a);
	uint64_t span = swap_io_area_bytes(a);
	double rt = o->runtime < 1 ? 1 : o->runtime;

	/* Warm the page cache so real IO is not what is measured. */
	if (load_run(e, a, SWAP_IO_READ, false, 1 << 20, 8, span, 0.5) < 0)
		return -EIO;
	if (swap_dev_configure(d, "preset=hdd", NULL, 0))
		return -EINVAL;
	res->hdd_promised = swap_dev_expected_iops(d, SWAP_IO_READ, BLK, true, 1) /
			    swap_dev_expected_iops(d, SWAP_IO_READ, BLK, false, 1);
	res->hdd_seq_iops = load_run(e, a, SWAP_IO_READ, false, BLK, 1, span, rt);
	res->hdd_rand_iops = load_run(e, a, SWAP_IO_READ, true, BLK, 1, span,
				      2 * rt);
	if (swap_dev_configure(d, "preset=none read_lat_us=100", NULL, 0))
		return -EINVAL;
	res->lat_seconds = rt;
	res->lat_iops = load_run(e, a, SWAP_IO_READ, true, BLK, 32, span, rt);
	swap_dev_configure(d, "preset=none", NULL, 0);
	if (res->hdd_seq_iops < 0 || res->hdd_rand_iops <= 0 || res->lat_iops < 0)
		return -EIO;
	return 0;
}

/* The engine / fio ratio of each round of random workload @w (the
 * spread). */
static void print_round_ratios(FILE *f, const struct workload *w,
			       unsigned int rounds)
{
	fputs(",\"round_ratios\":[", f);
	for (unsigned int r = 0; r < rounds; r++)
		fprintf(f, "%s%.3f", r ? "," : "",
			w->fio[r] > 0 ? w->eng[r] / w->fio[r] : 0);
	fputc(']', f);
}

/* One line of the table or one JSON object for @w; whether it passed. */
static bool print_workload(FILE *f, const struct io_opts *o,
			   const struct workload *w, bool first, bool json)
{
	double fio = iops_of(o, w, false), eng = iops_of(o, w, true);
	double ratio = ratio_of(o, w);
	bool pass = ratio >= w->target;

	if (!json) {
		fprintf(f, "%-20s %12.0f %12.0f %8.3f %8.2f %s\n", w->name, fio,
			eng, ratio, w->target, pass ? "ok" : "MISSED");
		return pass;
	}
	fprintf(f,
		"%s{\"name\":\"%s\",\"bs\":%llu,\"qd\":%u,"
		"\"fio_iops\":%.0f,\"engine_iops\":%.0f,"
		"\"fio_mib_s\":%.1f,\"engine_mib_s\":%.1f,"
		"\"ratio\":%.3f,\"target\":%.2f,\"pass\":%s",
		first ? "" : ",", w->name, (unsigned long long)w->bs, w->qd, fio,
		eng, fio * w->bs / 1048576.0, eng * w->bs / 1048576.0, ratio,
		w->target, pass ? "true" : "false");
	if (w->random)
		print_round_ratios(f, w, o->rounds);
	else
		bench_io_seq_json(f, o, w);
	fputc('}', f);
	return pass;
}

/* What the sequential pairs say beyond the table: the other statistic and
 * the requests the disk served. */
static void print_seq_notes(FILE *f, const struct io_opts *o)
{
	for (size_t i = 0; i < NR_WORKLOADS; i++)
		if (!workloads[i].random)
			bench_io_seq_text(f, o, &workloads[i]);
}

static bool print_results(FILE *f, const struct io_opts *o,
			  const struct emu_result *r, bool json)
{
	bool ok = true, pass;
	double factor = r->hdd_seq_iops / r->hdd_rand_iops;

	if (json)
		fprintf(f,
			"\"file\":\"%s\",\"size\":%llu,\"runtime_s\":%.2f,"
			"\"rounds\":%u,\"pairs\":%u,\"slice_s\":%.2f,"
			"\"ramp_s\":%.2f,\"workloads\":[",
			o->file, (unsigned long long)o->size, o->runtime,
			o->rounds, o->pairs, o->slice, BENCH_IO_RAMP_S);
	else
		fprintf(f, "%-20s %12s %12s %8s %8s %s\n", "workload",
			"fio IOPS", "engine IOPS", "ratio", "target", "");
	for (size_t i = 0; i < NR_WORKLOADS; i++)
		ok &= print_workload(f, o, &workloads[i], !i, json);
	if (!json)
		print_seq_notes(f, o);
	pass = fabs(factor / r->hdd_promised - 1) <= HDD_TOLERANCE;
	ok &= pass;
	if (json)
		fprintf(f, "],\"hdd\":{\"seq_iops\":%.0f,\"rand_iops\":%.1f,"
			"\"factor\":%.1f,\"promised\":%.1f,\"pass\":%s}",
			r->hdd_seq_iops, r->hdd_rand_iops, factor,
			r->hdd_promised, pass ? "true" : "false");
	else
		fprintf(f, "\nhdd preset, 4 KiB reads at qd 1: sequential %.0f "
			"IOPS, random %.1f IOPS: factor %.1f (model %.1f) %s\n",
			r->hdd_seq_iops, r->hdd_rand_iops, factor,
			r->hdd_promised, pass ? "ok" : "MISSED");
	pass = r->lat_iops >= 250000;
	ok &= pass;
	if (json)
		fprintf(f, ",\"latency\":{\"read_lat_us\":100,\"qd\":32,"
			"\"iops\":%.0f,\"bound\":320000,\"target\":250000,"
			"\"pass\":%s}", r->lat_iops,
			pass ? "true" : "false");
	else
		fprintf(f, "read_lat_us=100 at qd 32: %.0f emulated IOPS "
			"(bound 320000, target 250000) %s\n", r->lat_iops,
			pass ? "ok" : "MISSED");
	return ok;
}

/* 0 when @o is usable, else -EINVAL after saying what is wrong. */
static int check_opts(const struct io_opts *o)
{
	const char *bad = NULL;

	if (o->size < EMU_BYTES || o->size % (1 << 20))
		bad = "--size must be a multiple of 1 MiB, at least 256 MiB";
	else if (o->runtime <= 0)
		bad = "--runtime must be above 0";
	else if (o->rounds < 1 || o->rounds > BENCH_IO_MAX_ROUNDS)
		bad = "--rounds must be 1 to 8";
	else if (o->pairs < 1 || o->pairs > BENCH_IO_MAX_PAIRS)
		bad = "--pairs must be 1 to 64";
	else if (o->slice < 0.05 || o->slice > 60)
		bad = "--slice must be 0.05 to 60 seconds";
	if (!bad)
		return 0;
	fprintf(stderr, "swapemu bench io: %s\n", bad);
	return -EINVAL;
}

static int parse_opts(int argc, char **argv, struct io_opts *o)
{
	static const struct option longopts[] = {
		BENCH_COMMON_OPTIONS,
		{ "file", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "runtime", required_argument, NULL, 't' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "slice", required_argument, NULL, 'l' },
		{ "keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->file = optarg; break;
		case 's': if (swap_size_parse(optarg, &o->size)) return -EINVAL;
			  break;
		case 't': o->runtime = atof(optarg); break;
		case 'r': o->rounds = (unsigned int)atoi(optarg); break;
		case 'p': o->pairs = (unsigned int)atoi(optarg); break;
		case 'l': o->slice = atof(optarg); break;
		case 'k': o->keep = true; break;
		default:
			if (!bench_common_opt(&o->c, c, optarg))
				return -EINVAL;
			if (c == BENCH_OPT_QUICK) {
				o->size = 256ull << 20;
				o->runtime = 0.5;
				o->rounds = 1;
				o->pairs = 4;
				o->slice = 0.25;
			}
		}
	}
	if (o->c.help)
		return 1;
	return check_opts(o);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: swapemu bench io " BENCH_COMMON_USAGE "\n"
		"       [--file PATH] [--size SIZE] [--runtime SEC] [--rounds N]\n"
		"       [--pairs N] [--slice SEC] [--keep]\n"
		"  --runtime, --rounds: each 4 KiB random measurement (rounds 1-%u)\n"
		"  --pairs, --slice: 1 MiB sequential fio/engine slice pairs\n"
		"                    (pairs 1-%u, measured seconds per slice)\n",
		BENCH_IO_MAX_ROUNDS, BENCH_IO_MAX_PAIRS);
}

/* What the report callbacks see. */
struct io_report {
	const struct io_opts *o;    /* the options */
	const struct emu_result *r; /* part 2 */
};

/* The results members of the JSON report. */
static void io_json(FILE *f, const void *ctx)
{
	const struct io_report *ir = ctx;

	print_results(f, ir->o, ir->r, true);
}

static void io_md(FILE *f, const void *ctx)
{
	const struct io_report *ir = ctx;

	fputs("```\n", f);
	print_results(f, ir->o, ir->r, false);
	fputs("```\n", f);
}

/* The same judgements as print_results(), into the report. */
static void io_targets(struct bench_report *rep, const struct io_opts *o,
		       const struct emu_result *r)
{
	double factor = r->hdd_seq_iops / r->hdd_rand_iops;

	for (size_t i = 0; i < NR_WORKLOADS; i++) {
		const struct workload *w = &workloads[i];
		double ratio = ratio_of(o, w);

		bench_report_target(rep, w->name, ratio, ">=", w->target,
				    "ratio", ratio >= w->target);
	}
	bench_report_target(rep, "hdd-seq-over-random",
			    factor / r->hdd_promised, "+-", HDD_TOLERANCE,
			    "of the model",
			    fabs(factor / r->hdd_promised - 1) <= HDD_TOLERANCE);
	bench_report_target(rep, "emulated-iops-read-lat-100us", r->lat_iops,
			    ">=", 250000, "IOPS", r->lat_iops >= 250000);
}

/* Set up the engine and both areas, run the parts, tear down. */
static int bench_io(const struct io_opts *o, struct emu_result *r)
{
	struct swap_extent_map *map = NULL, *emap = NULL;
	struct swap_io_area *a = NULL, *ea = NULL;
	struct swap_io_engine *e = NULL;
	int rc, s, bs;

	rc = swap_io_engine_create(NULL, &e);
	if (rc)
		return rc;
	s = swap_io_add_store(e, o->file, 0);
	bs = swap_io_add_store(e, o->file, SWAP_IO_STORE_BUFFERED);
	rc = s < 0 ? s : bs < 0 ? bs : 0;
	if (!rc)
		rc = bench_area(e, s, o->size, "bench", &map, &a);
	if (!rc)
		rc = bench_area(e, bs, EMU_BYTES, "emulated", &emap, &ea);
	if (!rc)
		rc = run_versus_fio(o, e, a);
	if (!rc)
		rc = run_emulation(o, e, ea, r);
	swap_io_area_detach(a);
	swap_io_area_detach(ea);
	swap_io_engine_destroy(e);
	swap_extent_map_destroy(map);
	swap_extent_map_destroy(emap);
	return rc;
}

/* Run both parts and report; the exit status. */
static int io_main(struct bench_report *rep, struct io_opts *o)
{
	struct emu_result r = { 0 };
	struct io_report ir = { o, &r };
	int rc;

	if (system("fio --version >/dev/null 2>&1"))
		return bench_report_skip(rep, "fio is not installed");
	rc = prepare_file(o);
	if (rc)
		return bench_fail("bench io", rc, "preparing %s", o->file);
	rc = bench_io(o, &r);
	if (!o->keep)
		unlink(o->file);
	if (rc)
		return bench_fail("bench io", rc, "running the benchmark");
	print_results(stdout, o, &r, false);
	io_targets(rep, o, &r);
	if (bench_report_finish(rep, io_json, io_md, &ir))
		return 1;
	return o->c.check && !bench_report_ok(rep) ? 1 : 0;
}

int bench_io_main(int argc, char **argv)
{
	struct io_opts o = { .file = "/tmp/swapemu-bench-io.dat",
			     .size = 1ull << 30, .runtime = 5, .rounds = 3,
			     .pairs = 24, .slice = 0.5 };
	struct bench_report *rep;
	int rc = parse_opts(argc, argv, &o);

	if (rc) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (bench_report_begin("io", &o.c, argc, argv, &rep))
		return 1;
	rc = io_main(rep, &o);
	bench_report_destroy(rep);
	return rc;
}

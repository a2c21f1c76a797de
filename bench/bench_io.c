/* SPDX-License-Identifier: MIT */
/*
 * `swapemu bench io`: the IO engine against fio's io_uring engine on the
 * same backing file in the same run, and the device model's promises.
 *
 *  1. 4 KiB random read and write at queue depth 32, 1 MiB sequential read
 *     and write at queue depth 8: fio, then the engine, alternating for
 *     each round; the median of the rounds is compared (target >= 90% of
 *     fio's IOPS for 4 KiB, >= 95% of its bandwidth for 1 MiB).  Each
 *     engine measurement has buffers of its own, as each fio run has.
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
#include "bench/engine_load.h"
#include "swap/size.h"
#include "swap/extent.h"
#include "swap/io/device.h"
#include "swap/io/engine.h"

#define BLK 4096u
#define EMU_BYTES (256ull << 20) /* buffered area for parts 2 and 3 */
#define HDD_TOLERANCE 0.25 /* measured hdd factor within 1 +- this of the model */

struct io_opts {
	const char *file;   /* backing file */
	struct bench_common c; /* --quick, --json, --out, ... */
	uint64_t size;      /* bytes of the backing file used */
	double runtime;     /* seconds per measurement */
	unsigned int rounds; /* alternations of fio and the engine */
	bool keep;          /* keep the backing file */
};

/* One workload of part 1. */
struct workload {
	const char *name;   /* for the table and JSON */
	const char *fio_rw; /* fio --rw= */
	enum swap_io_op op; /* engine op */
	bool random;        /* random offsets, else sequential */
	uint64_t bs;        /* bytes per IO */
	unsigned int qd;    /* queue depth */
	double target;      /* engine / fio at least */
	double fio[8];      /* per round: IOPS */
	double eng[8];      /* per round: IOPS */
};

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

/*
 * Buffers for one measurement, as each fio run allocates its own.  On a
 * virtual disk the bandwidth of 1 MiB direct reads depends on the guest
 * pages they land in (how the host backs them): on the benchmark machine
 * one buffer kept for the whole benchmark read at 770-960 MiB/s, where
 * buffers allocated for each measurement, interleaved in the same
 * process, mostly read at 1300-1540 MiB/s, as fio often does.  Filled
 * with data that differs per page, as fio fills its buffers, so writes
 * store neither zeros nor copies of one page.  Registered with @e, as
 * fio's --fixedbufs registers its own.
 */
static unsigned char *run_buffers(struct swap_io_engine *e, size_t bytes)
{
	unsigned char *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t x = bench_now_ns() | 1, *w;

	if (mem == MAP_FAILED)
		return NULL;
	w = (uint64_t *)mem;
	for (size_t i = 0; i < bytes / sizeof(*w); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		w[i] = x;
	}
	if (swap_io_register_buffer(e, mem, bytes)) {
		munmap(mem, bytes);
		return NULL;
	}
	return mem;
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
	swap_io_unregister_buffer(e, spec.mem);
	munmap(spec.mem, bytes);
	return iops;
}

/*
 * fio's IOPS for @w, or a negative value when fio failed.  fio registers
 * its file and buffers as the engine does (--registerfiles, --fixedbufs);
 * both submit from the thread that reaps, without SQPOLL or polled IO.
 */
static double fio_run(const struct io_opts *o, const struct workload *w)
{
	char cmd[1024], line[8192];
	double iops = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "fio --name=bench --filename=%s --size=%llu --rw=%s --bs=%llu "
		 "--iodepth=%u --ioengine=io_uring --direct=1 --fixedbufs=1 "
		 "--registerfiles=1 --norandommap --randrepeat=0 --time_based "
		 "--runtime=%.1f "
		 "--output-format=terse --terse-version=3 2>/dev/null",
		 o->file, (unsigned long long)o->size, w->fio_rw,
		 (unsigned long long)w->bs, w->qd, o->runtime);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *save = NULL, *tok = strtok_r(line, ";", &save);

		if (!tok || strcmp(tok, "3"))
			continue;
		/* Field 8: read IOPS, field 49: write IOPS. */
		for (int f = 1; tok; f++, tok = strtok_r(NULL, ";", &save))
			if (f == (w->op == SWAP_IO_READ ? 8 : 49))
				iops = atof(tok);
	}
	if (pclose(p))
		return -1;
	return iops;
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

static double ratio_of(const struct workload *w, unsigned int rounds)
{
	double f[8], g[8], fm, em;

	memcpy(f, w->fio, sizeof(f));
	memcpy(g, w->eng, sizeof(g));
	fm = bench_median(f, rounds);
	em = bench_median(g, rounds);
	return fm > 0 ? em / fm : 0;
}

/* Part 1. */
static int run_versus_fio(const struct io_opts *o, struct swap_io_engine *e,
			  struct swap_io_area *a)
{
	for (unsigned int r = 0; r < o->rounds; r++) {
		for (size_t i = 0; i < NR_WORKLOADS; i++) {
			struct workload *w = &workloads[i];

			/* Alternate who goes first: the disk under test
			 * may have host-side bursts or caches. */
			if ((r + i) % 2)
				w->eng[r] = load_run(e, a, w->op, w->random,
						     w->bs, w->qd, o->size,
						     o->runtime);
			w->fio[r] = fio_run(o, w);
			if (!((r + i) % 2))
				w->eng[r] = load_run(e, a, w->op, w->random,
						     w->bs, w->qd, o->size,
						     o->runtime);
			if (w->fio[r] < 0 || w->eng[r] < 0) {
				fprintf(stderr, "swapemu bench io: %s failed "
					"(fio %.0f, engine %.0f)\n", w->name,
					w->fio[r], w->eng[r]);
				return -EIO;
			}
		}
	}
	return 0;
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

/* The engine / fio ratio of each round (the spread), closing the object. */
static void print_round_ratios(FILE *f, const struct workload *w,
			       unsigned int rounds)
{
	fputs(",\"round_ratios\":[", f);
	for (unsigned int r = 0; r < rounds; r++)
		fprintf(f, "%s%.3f", r ? "," : "",
			w->fio[r] > 0 ? w->eng[r] / w->fio[r] : 0);
	fputs("]}", f);
}

static bool print_results(FILE *f, const struct io_opts *o,
			  const struct emu_result *r, bool json)
{
	bool ok = true, pass;
	double factor = r->hdd_seq_iops / r->hdd_rand_iops;

	if (json)
		fprintf(f, "\"file\":\"%s\","
			"\"size\":%llu,\"runtime_s\":%.2f,\"rounds\":%u,"
			"\"workloads\":[", o->file,
			(unsigned long long)o->size, o->runtime, o->rounds);
	else
		fprintf(f, "%-20s %12s %12s %8s %8s %s\n", "workload",
			"fio IOPS", "engine IOPS", "ratio", "target", "");
	for (size_t i = 0; i < NR_WORKLOADS; i++) {
		struct workload *w = &workloads[i];
		double fv[8], ev[8], ratio = ratio_of(w, o->rounds);

		memcpy(fv, w->fio, sizeof(fv));
		memcpy(ev, w->eng, sizeof(ev));
		pass = ratio >= w->target;
		ok &= pass;
		if (json)
			fprintf(f, "%s{\"name\":\"%s\",\"bs\":%llu,\"qd\":%u,"
				"\"fio_iops\":%.0f,\"engine_iops\":%.0f,"
				"\"fio_mib_s\":%.1f,\"engine_mib_s\":%.1f,"
				"\"ratio\":%.3f,\"target\":%.2f,\"pass\":%s",
				i ? "," : "", w->name, (unsigned long long)w->bs,
				w->qd, bench_median(fv, o->rounds),
				bench_median(ev, o->rounds),
				bench_median(fv, o->rounds) * w->bs / 1048576.0,
				bench_median(ev, o->rounds) * w->bs / 1048576.0,
				ratio, w->target, pass ? "true" : "false");
		if (json)
			print_round_ratios(f, w, o->rounds);
		else
			fprintf(f, "%-20s %12.0f %12.0f %8.3f %8.2f %s\n",
				w->name, bench_median(fv, o->rounds),
				bench_median(ev, o->rounds), ratio, w->target,
				pass ? "ok" : "MISSED");
	}
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

static int parse_opts(int argc, char **argv, struct io_opts *o)
{
	static const struct option longopts[] = {
		BENCH_COMMON_OPTIONS,
		{ "file", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "runtime", required_argument, NULL, 't' },
		{ "rounds", required_argument, NULL, 'r' },
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
		case 'k': o->keep = true; break;
		default:
			if (!bench_common_opt(&o->c, c, optarg))
				return -EINVAL;
			if (c == BENCH_OPT_QUICK) {
				o->size = 256ull << 20;
				o->runtime = 0.5;
				o->rounds = 1;
			}
		}
	}
	if (o->c.help)
		return 1;
	if (o->size < EMU_BYTES || o->size % (1 << 20) || o->runtime <= 0 ||
	    o->rounds < 1 || o->rounds > 8)
		return -EINVAL;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: swapemu bench io " BENCH_COMMON_USAGE "\n"
		"       [--file PATH] [--size SIZE] [--runtime SEC] [--rounds N] [--keep]\n");
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
		double ratio = ratio_of(w, o->rounds);

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
			     .size = 1ull << 30, .runtime = 5, .rounds = 3 };
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

/* SPDX-License-Identifier: MIT */
/*
 * The 1 MiB sequential comparison of `swapemu bench io`: many short slices
 * of fio and of the engine in pairs, in the order fio, engine, engine, fio,
 * fio, engine, ... so that a drift of the host's disk bandwidth that is
 * linear over two pairs weighs on both sides alike.  Every slice starts at
 * offset 0 of the file and runs the same rule: BENCH_IO_RAMP_S seconds left
 * out (fio's --ramp_time), then the measured window up to the last
 * completion.  Around each slice, /proc/diskstats of the file's disk says
 * which requests the side made the disk serve.
 *
 * The figure held to the target is the median of the pairs' ratios: a
 * pair is where both sides share buffer pages and host conditions, and
 * other processes' IO on a shared disk lands in single slices, which the
 * median leaves out where a total would weigh them by their length.  The
 * order alternates, so a drift within pairs pushes their ratios up and
 * down alike, around the median.  The ratio of the totals is reported too.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_io_i.h"

#define SEQ_MAX_QD 64u

/* A closed sequential loop on the engine with a ramp left out. */
struct seq_load {
	struct swap_io_area *a;	  /* where the IO goes */
	enum swap_io_op op;	  /* read or write */
	uint64_t bs;		  /* bytes per request */
	uint64_t span;		  /* bytes of the area, from 0 */
	unsigned char *mem;	  /* qd buffers of bs bytes */
	uint64_t ramp_end;	  /* ns: completions from here on count */
	uint64_t deadline;	  /* ns: no new IO after this */
	_Atomic uint64_t next;	  /* cursor, in requests */
	_Atomic uint64_t counted; /* completions at or after ramp_end */
	_Atomic uint64_t last_ns; /* time of the last counted completion */
	_Atomic uint64_t errors;  /* completions with an error */
	pthread_mutex_t lock;	  /* guards inflight, with idle */
	pthread_cond_t idle;	  /* signalled when inflight reaches 0 */
	unsigned int inflight;	  /* requests still going */
};

/* One request slot of the loop: its buffer is mem + i * bs. */
struct seq_slot {
	struct seq_load *l; /* the loop */
	unsigned int i;	    /* buffer index */
};

static void seq_done(void *ctx, int64_t res);

static int seq_submit(struct seq_slot *s)
{
	struct seq_load *l = s->l;
	unsigned char *buf = l->mem + (size_t)s->i * l->bs;
	uint64_t blocks = l->span / l->bs;
	uint64_t off = atomic_fetch_add(&l->next, 1) % blocks * l->bs;

	if (l->op == SWAP_IO_READ)
		return swap_io_read(l->a, off, buf, l->bs, seq_done, s);
	return swap_io_write(l->a, off, buf, l->bs, seq_done, s);
}

/* Completion on the ring thread: count it, start the next request. */
static void seq_done(void *ctx, int64_t res)
{
	struct seq_slot *s = ctx;
	struct seq_load *l = s->l;
	uint64_t now = bench_now_ns();

	if (res != (int64_t)l->bs)
		atomic_fetch_add(&l->errors, 1);
	if (now >= l->ramp_end) {
		atomic_fetch_add(&l->counted, 1);
		atomic_store(&l->last_ns, now);
	}
	if (now < l->deadline && !seq_submit(s))
		return;
	pthread_mutex_lock(&l->lock);
	if (!--l->inflight)
		pthread_cond_signal(&l->idle);
	pthread_mutex_unlock(&l->lock);
}

/* Run @l with @qd requests in flight until it drains; 0 or -EIO. */
static int seq_load_run(struct seq_load *l, unsigned int qd, double seconds)
{
	struct seq_slot slots[SEQ_MAX_QD];
	uint64_t start = bench_now_ns();

	l->ramp_end = start + (uint64_t)(BENCH_IO_RAMP_S * 1e9);
	l->deadline = l->ramp_end + (uint64_t)(seconds * 1e9);
	l->inflight = qd;
	swap_io_plug();
	for (unsigned int i = 0; i < qd; i++) {
		slots[i] = (struct seq_slot){l, i};
		if (seq_submit(&slots[i]))
			seq_done(&slots[i], -EIO);
	}
	swap_io_unplug();
	pthread_mutex_lock(&l->lock);
	while (l->inflight)
		pthread_cond_wait(&l->idle, &l->lock);
	pthread_mutex_unlock(&l->lock);
	return atomic_load(&l->errors) || !atomic_load(&l->counted) ? -EIO : 0;
}

/*
 * The name of the whole disk holding @file (the parent of a partition)
 * into @name, as /proc/diskstats spells it.  Returns 0 or -errno
 * (-ENODEV for a file system without a block device, e.g. tmpfs).
 */
static int disk_find(const char *file, char *name, size_t len)
{
	char path[64], real[PATH_MAX], part[PATH_MAX + 16], *base;
	struct stat st;

	if (stat(file, &st))
		return -errno;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(st.st_dev),
		 minor(st.st_dev));
	if (!realpath(path, real))
		return -ENODEV;
	snprintf(part, sizeof(part), "%s/partition", real);
	if (!access(part, F_OK))
		*strrchr(real, '/') = '\0';
	base = strrchr(real, '/');
	if (!base || strlen(base + 1) >= len)
		return -ENODEV;
	strcpy(name, base + 1);
	return 0;
}

/* The counters of disk @name for @op now; zeros when it is not listed. */
static void disk_sample(const char *name, enum swap_io_op op, struct io_disk *d)
{
	unsigned long long v[11];
	char line[512], dev[64];
	FILE *f = fopen("/proc/diskstats", "r");

	memset(d, 0, sizeof(*d));
	if (!f || !*name)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		/* reads, merged, sectors, ms; writes ...; in flight,
		 * busy ms, weighted ms */
		if (sscanf(line,
			   "%*u %*u %63s %llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu %llu %llu",
			   dev, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7], &v[8], &v[9], &v[10]) != 12 ||
		    strcmp(dev, name))
			continue;
		d->requests = op == SWAP_IO_READ ? v[0] : v[4];
		d->sectors = op == SWAP_IO_READ ? v[2] : v[6];
		d->busy_ms = v[9];
		d->queue_ms = v[10];
		break;
	}
out:
	if (f)
		fclose(f);
}

/* @after minus @before, field by field, into @d. */
static void disk_delta(const struct io_disk *before,
		       const struct io_disk *after, struct io_disk *d)
{
	d->requests = after->requests - before->requests;
	d->sectors = after->sectors - before->sectors;
	d->busy_ms = after->busy_ms - before->busy_ms;
	d->queue_ms = after->queue_ms - before->queue_ms;
}

/*
 * The buffers both sides of a pair use: the same pages of one memory file,
 * mapped shared by the engine and by fio (--iomem=mmapshared:path, fio's
 * io unit i at offset i * bs, as the engine's slot i).  On a virtual disk
 * the bandwidth of 1 MiB direct IO depends on how physically contiguous
 * the buffer pages are (fewer, longer segments for the host to map): two
 * buffers in one process, alternated every 0.2 s, read at 740 and
 * 1630 MiB/s throughout.  Separate allocations would let that decide the
 * comparison; shared pages take it out, and a new file for each pair
 * samples other layouts.
 */
struct seq_mem {
	int fd;		    /* the memory file, -1 when none */
	unsigned char *mem; /* its shared mapping */
	size_t bytes;	    /* mapped and registered length */
	char path[64];	    /* a name fio can open it by */
};

/* Set up @m for @w and register it with @e; 0 or -errno. */
static int seq_mem_get(struct swap_io_engine *e, const struct workload *w,
		       struct seq_mem *m)
{
	/* fio maps a little more than qd * bs (alignment slack). */
	m->bytes = (size_t)w->bs * w->qd + (2u << 20);
	m->fd = memfd_create("swapemu-bench-io", MFD_CLOEXEC);
	if (m->fd < 0)
		return -errno;
	snprintf(m->path, sizeof(m->path), "/proc/%d/fd/%d", (int)getpid(),
		 m->fd);
	m->mem = MAP_FAILED;
	if (!ftruncate(m->fd, (off_t)m->bytes))
		m->mem = mmap(NULL, m->bytes, PROT_READ | PROT_WRITE,
			      MAP_SHARED, m->fd, 0);
	if (m->mem == MAP_FAILED) {
		close(m->fd);
		return -ENOMEM;
	}
	bench_io_fill(m->mem, m->bytes);
	if (swap_io_register_buffer(e, m->mem, m->bytes)) {
		munmap(m->mem, m->bytes);
		close(m->fd);
		return -ENOMEM;
	}
	return 0;
}

static void seq_mem_put(struct swap_io_engine *e, struct seq_mem *m)
{
	swap_io_unregister_buffer(e, m->mem);
	munmap(m->mem, m->bytes);
	close(m->fd);
}

/* One engine slice of @w on @m into @s. */
static int seq_engine_slice(const struct io_opts *o, struct swap_io_area *a,
			    const struct workload *w, const struct seq_mem *m,
			    struct io_slice *s)
{
	struct seq_load l = {.a = a,
			     .op = w->op,
			     .bs = w->bs,
			     .span = o->size,
			     .mem = m->mem,
			     .lock = PTHREAD_MUTEX_INITIALIZER,
			     .idle = PTHREAD_COND_INITIALIZER};
	int rc = seq_load_run(&l, w->qd, o->slice);

	s->bytes = atomic_load(&l.counted) * w->bs;
	s->ns = atomic_load(&l.last_ns) - l.ramp_end;
	return rc;
}

/* One fio slice of @w on @m into @s. */
static int seq_fio_slice(const struct io_opts *o, const struct workload *w,
			 const struct seq_mem *m, struct io_slice *s)
{
	struct io_fio_result r;
	int rc = bench_io_fio(o, w, BENCH_IO_RAMP_S, o->slice, m->path, &r);

	s->bytes = r.bytes;
	s->ns = r.ns;
	return rc ? rc : r.ns ? 0 : -EIO;
}

/* One side of pair @p: the slice with the disk's counters around it. */
static int seq_slice(const struct io_opts *o, struct swap_io_area *a,
		     struct workload *w, const struct seq_mem *m,
		     unsigned int p, bool engine)
{
	struct io_slice *s = engine ? &w->eng_s[p] : &w->fio_s[p];
	struct io_disk before, after;
	int rc;

	disk_sample(w->disk, w->op, &before);
	rc = engine ? seq_engine_slice(o, a, w, m, s)
		    : seq_fio_slice(o, w, m, s);
	disk_sample(w->disk, w->op, &after);
	disk_delta(&before, &after, &s->disk);
	if (rc)
		fprintf(stderr, "swapemu bench io: %s: %s slice %u failed\n",
			w->name, engine ? "engine" : "fio", p);
	return rc;
}

/* Pair @p of @w on memory of its own, in the order the pair's parity
 * says. */
static int seq_pair(const struct io_opts *o, struct swap_io_engine *e,
		    struct swap_io_area *a, struct workload *w, unsigned int p)
{
	bool engine_first = p % 2;
	struct seq_mem m;
	int rc = seq_mem_get(e, w, &m);

	if (rc)
		return rc;
	rc = seq_slice(o, a, w, &m, p, engine_first);
	if (!rc)
		rc = seq_slice(o, a, w, &m, p, !engine_first);
	seq_mem_put(e, &m);
	return rc;
}

int bench_io_seq_run(const struct io_opts *o, struct swap_io_engine *e,
		     struct swap_io_area *a, struct workload *w)
{
	int rc = 0;

	if (w->qd > SEQ_MAX_QD || o->pairs > BENCH_IO_MAX_PAIRS)
		return -EINVAL;
	if (disk_find(o->file, w->disk, sizeof(w->disk)))
		w->disk[0] = '\0';
	for (unsigned int p = 0; p < o->pairs && !rc; p++)
		rc = seq_pair(o, e, a, w, p);
	return rc;
}

/* Bytes per second of slice @s. */
static double slice_rate(const struct io_slice *s)
{
	return s->ns ? (double)s->bytes * 1e9 / (double)s->ns : 0;
}

double bench_io_seq_mib_s(const struct workload *w, unsigned int pairs,
			  bool engine)
{
	const struct io_slice *s = engine ? w->eng_s : w->fio_s;
	double bytes = 0, ns = 0;

	for (unsigned int p = 0; p < pairs; p++) {
		bytes += (double)s[p].bytes;
		ns += (double)s[p].ns;
	}
	return ns > 0 ? bytes * 1e9 / ns / 1048576.0 : 0;
}

double bench_io_seq_ratio(const struct workload *w, unsigned int pairs)
{
	double fio = bench_io_seq_mib_s(w, pairs, false);

	return fio > 0 ? bench_io_seq_mib_s(w, pairs, true) / fio : 0;
}

double bench_io_seq_pair_median(const struct workload *w, unsigned int pairs)
{
	double r[BENCH_IO_MAX_PAIRS];

	for (unsigned int p = 0; p < pairs; p++) {
		double f = slice_rate(&w->fio_s[p]);

		r[p] = f > 0 ? slice_rate(&w->eng_s[p]) / f : 0;
	}
	return bench_median(r, pairs);
}

/* One side's disk counters summed over the pairs into @t. */
static void seq_disk_sum(const struct io_slice *s, unsigned int pairs,
			 struct io_disk *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int p = 0; p < pairs; p++) {
		t->requests += s[p].disk.requests;
		t->sectors += s[p].disk.sectors;
		t->busy_ms += s[p].disk.busy_ms;
		t->queue_ms += s[p].disk.queue_ms;
	}
}

/* Mean KiB per request of @t. */
static double disk_request_kib(const struct io_disk *t)
{
	return t->requests ? (double)t->sectors / 2 / (double)t->requests : 0;
}

/* Mean requests in flight while the disk was busy. */
static double disk_queue_depth(const struct io_disk *t)
{
	return t->busy_ms ? (double)t->queue_ms / (double)t->busy_ms : 0;
}

/* One side's disk counters summed over the pairs, as a JSON object. */
static void seq_disk_json(FILE *f, const struct io_slice *s, unsigned int pairs)
{
	struct io_disk t;

	seq_disk_sum(s, pairs, &t);
	fprintf(f,
		"{\"requests\":%llu,\"sectors\":%llu,"
		"\"mean_request_kib\":%.1f,\"queue_depth\":%.1f}",
		(unsigned long long)t.requests, (unsigned long long)t.sectors,
		disk_request_kib(&t), disk_queue_depth(&t));
}

/* The MiB/s of one side's slices, or their engine / fio ratio per pair
 * (@s NULL), as a JSON array named @key. */
static void seq_array_json(FILE *f, const char *key, const struct workload *w,
			   const struct io_slice *s, unsigned int pairs)
{
	fprintf(f, ",\"%s\":[", key);
	for (unsigned int p = 0; p < pairs; p++) {
		double f_rate = slice_rate(&w->fio_s[p]);
		double v = s		? slice_rate(&s[p]) / 1048576.0
			   : f_rate > 0 ? slice_rate(&w->eng_s[p]) / f_rate
					: 0;

		fprintf(f, s ? "%s%.1f" : "%s%.3f", p ? "," : "", v);
	}
	fputc(']', f);
}

void bench_io_seq_json(FILE *f, const struct io_opts *o,
		       const struct workload *w)
{
	fprintf(f, ",\"ratio_of_totals\":%.3f",
		bench_io_seq_ratio(w, o->pairs));
	seq_array_json(f, "round_ratios", w, NULL, o->pairs);
	seq_array_json(f, "fio_slices_mib_s", w, w->fio_s, o->pairs);
	seq_array_json(f, "engine_slices_mib_s", w, w->eng_s, o->pairs);
	if (!w->disk[0]) {
		fputs(",\"disk\":null", f);
		return;
	}
	fprintf(f, ",\"disk\":{\"device\":\"%s\",\"fio\":", w->disk);
	seq_disk_json(f, w->fio_s, o->pairs);
	fputs(",\"engine\":", f);
	seq_disk_json(f, w->eng_s, o->pairs);
	fputc('}', f);
}

void bench_io_seq_text(FILE *f, const struct io_opts *o,
		       const struct workload *w)
{
	struct io_disk fd, ed;

	fprintf(f,
		"%s: median of %u pair ratios (%.2f s slices); ratio of the "
		"totals %.3f\n",
		w->name, o->pairs, o->slice, bench_io_seq_ratio(w, o->pairs));
	if (!w->disk[0])
		return;
	seq_disk_sum(w->fio_s, o->pairs, &fd);
	seq_disk_sum(w->eng_s, o->pairs, &ed);
	fprintf(f,
		"  %s requests: fio %llu of %.0f KiB, %.1f in flight; "
		"engine %llu of %.0f KiB, %.1f in flight\n",
		w->disk, (unsigned long long)fd.requests, disk_request_kib(&fd),
		disk_queue_depth(&fd), (unsigned long long)ed.requests,
		disk_request_kib(&ed), disk_queue_depth(&ed));
}

/* SPDX-License-Identifier: MIT */
/*
 * Integration tests of the IO engine on real files: range splitting along
 * extents, data read back identical (random offsets and sizes, aligned and
 * unaligned memory, iovecs, registered buffers), concurrent submitters,
 * injected errors on exactly the configured slots, bad slots, discard,
 * corruption, delays that do not serialise and never complete early, the
 * submission batch setting, a trace replayed by fio, and detaching an
 * area with IO in flight.
 *
 * Files live in $SWAPEMU_TEST_DIR (or /tmp) and are removed at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <liburing.h>

#include "swap/extent.h"
#include "swap/io/device.h"
#include "swap/io/engine.h"
#include "swap/io/stat.h"
#include "swap/io/trace.h"

#define BLK 4096u
#define SLOTS 4096u /* 16 MiB area */
#define FILE_BYTES (16u << 20)

/*
 * The area's layout, deliberately out of order and over two files:
 *   slots [0, 1000)     -> store 0 at slot 3000
 *   slots [1000, 2500)  -> store 1 at 0
 *   slots [2500, 4096)  -> store 0 at 0
 */
struct fix {
	struct swap_io_engine *e;
	struct swap_extent_map *map;
	struct swap_io_area *a;
	int s0, s1;
	char path0[256], path1[256];
	unsigned char *model; /* what the area should hold */
};

static void make_file(const char *path, off_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
}

static int fix_setup(void **state)
{
	const char *dir = getenv("SWAPEMU_TEST_DIR");
	struct fix *f = calloc(1, sizeof(*f));

	if (!dir)
		dir = "/tmp";
	snprintf(f->path0, sizeof(f->path0), "%s/io-engine-%d-0", dir,
		 getpid());
	snprintf(f->path1, sizeof(f->path1), "%s/io-engine-%d-1", dir,
		 getpid());
	make_file(f->path0, FILE_BYTES);
	make_file(f->path1, FILE_BYTES);
	assert_int_equal(swap_io_engine_create(NULL, &f->e), 0);
	f->s0 = swap_io_add_store(f->e, f->path0, 0);
	f->s1 = swap_io_add_store(f->e, f->path1, 0);
	assert_true(f->s0 >= 0 && f->s1 >= 0);
	assert_int_equal(swap_extent_map_create(SLOTS, &f->map), 0);
	assert_int_equal(swap_extent_add(f->map, 0, 1000, f->s0, 3000ull * BLK),
			 0);
	assert_int_equal(swap_extent_add(f->map, 1000, 1500, f->s1, 0), 0);
	assert_int_equal(swap_extent_add(f->map, 2500, 1596, f->s0, 0), 0);
	assert_int_equal(swap_io_area_attach(f->e, f->map, "test", &f->a), 0);
	f->model = calloc(SLOTS, BLK);
	*state = f;
	return 0;
}

static int fix_teardown(void **state)
{
	struct fix *f = *state;

	swap_io_area_detach(f->a);
	swap_io_engine_destroy(f->e);
	swap_extent_map_destroy(f->map);
	unlink(f->path0);
	unlink(f->path1);
	free(f->model);
	free(f);
	return 0;
}

static void *aligned(size_t len)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, BLK, len), 0);
	return p;
}

static void fill(unsigned char *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

static int64_t sync_io(struct fix *f, enum swap_io_op op, uint64_t slot,
		       void *buf, uint64_t nr)
{
	return swap_io_sync(f->a, op, slot * BLK, buf, nr * BLK);
}

/* Write @nr slots at @slot with a seeded pattern and keep the model. */
static void write_pattern(struct fix *f, uint64_t slot, uint64_t nr,
			  uint32_t seed)
{
	unsigned char *b = aligned(nr * BLK);

	fill(b, nr * BLK, seed);
	assert_int_equal(sync_io(f, SWAP_IO_WRITE, slot, b, nr),
			 (int64_t)(nr * BLK));
	memcpy(f->model + slot * BLK, b, nr * BLK);
	free(b);
}

/* Read the whole area back in chunks and compare with the model. */
static void check_area(struct fix *f)
{
	unsigned char *b = aligned(256 * BLK);

	for (uint64_t slot = 0; slot < SLOTS; slot += 256) {
		assert_int_equal(sync_io(f, SWAP_IO_READ, slot, b, 256),
				 256 * BLK);
		if (memcmp(b, f->model + slot * BLK, 256 * BLK))
			fail_msg("area differs in slots %llu..%llu",
				 (unsigned long long)slot,
				 (unsigned long long)slot + 255);
	}
	free(b);
}

/* A group of async operations to wait for. */
struct group {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int pending;
	int errors;
};

struct op {
	struct group *g;
	int64_t want;
	int64_t res;
};

static void op_done(void *ctx, int64_t res)
{
	struct op *o = ctx;

	pthread_mutex_lock(&o->g->lock);
	o->res = res;
	o->g->errors += res != o->want;
	if (!--o->g->pending)
		pthread_cond_broadcast(&o->g->cond);
	pthread_mutex_unlock(&o->g->lock);
}

static void group_wait(struct group *g)
{
	pthread_mutex_lock(&g->lock);
	while (g->pending)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

/* A write across the extent boundary at slot 1000 becomes two pieces. */
static void test_split_along_extents(void **state)
{
	struct fix *f = *state;
	struct swap_trace *t = swap_io_area_trace(f->a);
	char *s = NULL, want[512];
	size_t n = 0;
	FILE *m;

	swap_trace_enable(t, true, 0);
	write_pattern(f, 990, 20, 1);
	write_pattern(f, 2499, 2, 2);
	swap_trace_enable(t, false, 0);
	m = open_memstream(&s, &n);
	assert_int_equal(swap_io_area_trace_write(f->a, m, true), 0);
	fclose(m);
	snprintf(want, sizeof(want), " %s write %llu 40960\n", f->path0,
		 3990ull * BLK);
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof(want), " %s write 0 40960\n", f->path1);
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof(want), " %s write %llu 4096\n", f->path1,
		 1499ull * BLK);
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof(want), " %s write 0 4096\n", f->path0);
	assert_non_null(strstr(s, want));
	free(s);
	check_area(f);
}

/* One random IO: a slot range and a memory layout. */
static void random_write(struct fix *f, struct group *g, struct op *o,
			 unsigned char *mem, uint64_t slot, uint64_t nr,
			 int shape)
{
	struct iovec iov[12];
	int cnt = 0;
	size_t len = nr * BLK, done = 0, piece;

	fill(mem, len, (uint32_t)(slot * 31 + nr));
	memcpy(f->model + slot * BLK, mem, len);
	o->g = g;
	o->want = (int64_t)len;
	if (shape == 0) {
		assert_int_equal(
			swap_io_write(f->a, slot * BLK, mem, len, op_done, o),
			0);
		return;
	}
	/* Ragged iovecs (not block multiples: the buffered path). */
	while (done < len && cnt < 11) {
		piece = (size_t)(rand() % 5000) + 1;
		if (piece > len - done)
			piece = len - done;
		iov[cnt].iov_base = mem + done;
		iov[cnt++].iov_len = piece;
		done += piece;
	}
	if (done < len) {
		iov[cnt].iov_base = mem + done;
		iov[cnt++].iov_len = len - done;
	}
	assert_int_equal(swap_io_writev(f->a, slot * BLK, iov, cnt, op_done, o),
			 0);
}

/* Random offsets and sizes, aligned and unaligned memory, many in flight. */
static void test_random_roundtrip(void **state)
{
	struct fix *f = *state;
	enum { BATCH = 16, ROUNDS = 40, MAXNR = 64 };
	unsigned char *mem = aligned(BATCH * (MAXNR + 1) * BLK);
	struct group g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  0, 0};
	struct op ops[BATCH];

	srand(11);
	for (int round = 0; round < ROUNDS; round++) {
		/* Disjoint ranges: each IO in its own stripe of the area. */
		g.pending = BATCH;
		swap_io_plug();
		for (int i = 0; i < BATCH; i++) {
			uint64_t stripe = SLOTS / BATCH;
			uint64_t nr = (uint64_t)(rand() % MAXNR) + 1;
			uint64_t slot =
				i * stripe + (uint64_t)rand() % (stripe - nr);
			unsigned char *m = mem + i * (MAXNR + 1) * BLK +
					   (i % 3 == 2 ? 1 : 0);

			random_write(f, &g, &ops[i], m, slot, nr, i % 3);
		}
		swap_io_unplug();
		group_wait(&g);
		assert_int_equal(g.errors, 0);
	}
	check_area(f);
	/* Random reads into unaligned memory. */
	for (int i = 0; i < 200; i++) {
		uint64_t nr = (uint64_t)(rand() % MAXNR) + 1;
		uint64_t slot = (uint64_t)rand() % (SLOTS - nr);

		assert_int_equal(swap_io_sync(f->a, SWAP_IO_READ, slot * BLK,
					      mem + 3, nr * BLK),
				 (int64_t)(nr * BLK));
		assert_memory_equal(mem + 3, f->model + slot * BLK, nr * BLK);
	}
	free(mem);
}

struct submitter {
	struct fix *f;
	unsigned int id;
	int failures;
};

/* One thread: write its quarter of the area asynchronously, read back. */
static void *submitter_main(void *arg)
{
	struct submitter *s = arg;
	uint64_t first = s->id * (SLOTS / 4), n = SLOTS / 4;
	unsigned char *mem = aligned(n * BLK), *back = aligned(n * BLK);
	struct op *ops = calloc(n, sizeof(*ops));
	struct group g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  (int)n, 0};

	fill(mem, n * BLK, 77 + s->id);
	for (uint64_t i = 0; i < n; i++) {
		ops[i].g = &g;
		ops[i].want = BLK;
		if (swap_io_write(s->f->a, (first + i) * BLK, mem + i * BLK,
				  BLK, op_done, &ops[i]))
			s->failures++;
	}
	group_wait(&g);
	s->failures += g.errors;
	if (swap_io_sync(s->f->a, SWAP_IO_READ, first * BLK, back, n * BLK) !=
		    (int64_t)(n * BLK) ||
	    memcmp(mem, back, n * BLK))
		s->failures++;
	memcpy(s->f->model + first * BLK, mem, n * BLK);
	free(ops);
	free(mem);
	free(back);
	return NULL;
}

static void test_concurrent_submitters(void **state)
{
	struct fix *f = *state;
	struct submitter s[4];
	pthread_t t[4];

	for (unsigned int i = 0; i < 4; i++) {
		s[i] = (struct submitter){f, i, 0};
		assert_int_equal(
			pthread_create(&t[i], NULL, submitter_main, &s[i]), 0);
	}
	for (unsigned int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(s[i].failures, 0);
	}
	check_area(f);
}

/* Injected read errors hit exactly slots 100..200. */
static void test_injected_errors(void **state)
{
	struct fix *f = *state;
	unsigned char *b = aligned(BLK);
	struct swap_stat_op st;
	int64_t rc;

	write_pattern(f, 90, 121, 5);
	assert_int_equal(
		swap_dev_configure(swap_io_area_dev(f->a),
				   "error_rate=1 error_op=read "
				   "error_slots=100-200 error_errno=EIO",
				   NULL, 0),
		0);
	swap_stat_reset(swap_io_area_stat(f->a));
	for (uint64_t slot = 90; slot <= 210; slot++) {
		rc = sync_io(f, SWAP_IO_READ, slot, b, 1);
		if (slot >= 100 && slot <= 200) {
			assert_int_equal(rc, -EIO);
		} else {
			assert_int_equal(rc, BLK);
			assert_memory_equal(b, f->model + slot * BLK, BLK);
		}
	}
	/* Writes are not affected. */
	write_pattern(f, 150, 1, 6);
	swap_stat_read(swap_io_area_stat(f->a), SWAP_IO_READ, &st);
	assert_int_equal(st.errors, 101);
	assert_int_equal(st.ops, 121);
	assert_int_equal(swap_dev_configure(swap_io_area_dev(f->a),
					    "preset=none", NULL, 0),
			 0);
	check_area(f);
	free(b);
}

static void test_bad_slots_heal(void **state)
{
	struct fix *f = *state;
	unsigned char *b = aligned(BLK);

	assert_int_equal(swap_dev_configure(swap_io_area_dev(f->a),
					    "bad_slots=300-302", NULL, 0),
			 0);
	assert_int_equal(sync_io(f, SWAP_IO_READ, 301, b, 1), -EIO);
	assert_int_equal(sync_io(f, SWAP_IO_READ, 299, b, 4), -EIO);
	write_pattern(f, 301, 1, 9);
	assert_int_equal(sync_io(f, SWAP_IO_READ, 301, b, 1), BLK);
	assert_memory_equal(b, f->model + 301 * BLK, BLK);
	assert_int_equal(sync_io(f, SWAP_IO_READ, 300, b, 1), -EIO);
	assert_int_equal(swap_dev_configure(swap_io_area_dev(f->a),
					    "bad_slots=", NULL, 0),
			 0);
	free(b);
}

/* A discarded range reads back as zeros, across an extent boundary. */
static void test_discard_zeros(void **state)
{
	struct fix *f = *state;

	write_pattern(f, 2480, 40, 3);
	assert_int_equal(sync_io(f, SWAP_IO_DISCARD, 2490, NULL, 20), 20 * BLK);
	memset(f->model + 2490ull * BLK, 0, 20 * BLK);
	check_area(f);
}

static void test_corrupt_reads(void **state)
{
	struct fix *f = *state;
	unsigned char *b = aligned(2 * BLK);
	int bits = 0;

	write_pattern(f, 40, 2, 4);
	assert_int_equal(swap_dev_configure(swap_io_area_dev(f->a),
					    "corrupt_rate=1", NULL, 0),
			 0);
	assert_int_equal(sync_io(f, SWAP_IO_READ, 40, b, 2), 2 * BLK);
	for (size_t i = 0; i < 2 * BLK; i++)
		bits += __builtin_popcount(b[i] ^ f->model[40 * BLK + i]);
	assert_int_equal(bits, 1);
	assert_int_equal(swap_dev_configure(swap_io_area_dev(f->a),
					    "corrupt_rate=0", NULL, 0),
			 0);
	check_area(f); /* the data on disk was never touched */
	free(b);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* 512 reads delayed 20 ms each complete together, not one after another. */
static void test_delays_do_not_serialise(void **state)
{
	struct fix *f = *state;
	enum { N = 512 };
	unsigned char *b = aligned(N * BLK);
	struct group g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  N, 0};
	struct op ops[N];
	uint64_t t0, took;
	const struct swap_hist *h;

	assert_int_equal(swap_dev_configure(swap_io_area_dev(f->a),
					    "read_lat_us=20000", NULL, 0),
			 0);
	swap_stat_reset(swap_io_area_stat(f->a));
	t0 = now_ns();
	for (int i = 0; i < N; i++) {
		ops[i] = (struct op){&g, BLK, 0};
		assert_int_equal(swap_io_read(f->a, (uint64_t)i * 7 * BLK,
					      b + i * BLK, BLK, op_done,
					      &ops[i]),
				 0);
	}
	group_wait(&g);
	took = now_ns() - t0;
	assert_int_equal(g.errors, 0);
	assert_true(took >= 20000000ull);
	assert_true(took < 200000000ull);
	h = swap_stat_hist(swap_io_area_stat(f->a), SWAP_IO_READ,
			   SWAP_STAT_EMULATED);
	assert_int_equal(swap_hist_count(h), N);
	assert_true(swap_hist_quantile(h, 0.5) >= 20000000ull * 7 / 8);
	h = swap_stat_hist(swap_io_area_stat(f->a), SWAP_IO_READ,
			   SWAP_STAT_TOTAL);
	assert_true(swap_hist_quantile(h, 0.5) >= 20000000ull * 7 / 8);
	assert_int_equal(swap_dev_configure(swap_io_area_dev(f->a),
					    "preset=none", NULL, 0),
			 0);
	free(b);
}

/* The smallest submit-to-callback latency of the area's reads. */
static uint64_t min_total_ns(struct fix *f)
{
	struct swap_hist_summary s;

	swap_hist_summarize(swap_stat_hist(swap_io_area_stat(f->a),
					   SWAP_IO_READ, SWAP_STAT_TOTAL),
			    &s);
	return s.min;
}

/*
 * No emulated completion comes early, whether the ring thread sleeps (one
 * request at a time, 50 us) or polls through a batch (64 requests started
 * together, 100 us): the early wakeup is made up by polling.
 */
static void test_delays_never_early(void **state)
{
	struct fix *f = *state;
	enum { N = 64 };
	unsigned char *b = aligned(N * BLK);
	struct group g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  N, 0};
	struct op ops[N];
	struct swap_dev *d = swap_io_area_dev(f->a);

	assert_int_equal(swap_dev_configure(d, "read_lat_us=50", NULL, 0), 0);
	swap_stat_reset(swap_io_area_stat(f->a));
	for (int i = 0; i < 300; i++)
		assert_int_equal(sync_io(f, SWAP_IO_READ, (uint64_t)i, b, 1),
				 BLK);
	assert_true(min_total_ns(f) >= 50000);
	assert_int_equal(swap_dev_configure(d, "read_lat_us=100", NULL, 0), 0);
	swap_stat_reset(swap_io_area_stat(f->a));
	swap_io_plug();
	for (int i = 0; i < N; i++) {
		ops[i] = (struct op){&g, BLK, 0};
		assert_int_equal(swap_io_read(f->a, (uint64_t)i * BLK,
					      b + i * BLK, BLK, op_done,
					      &ops[i]),
				 0);
	}
	swap_io_unplug();
	group_wait(&g);
	assert_int_equal(g.errors, 0);
	assert_true(min_total_ns(f) >= 100000);
	assert_int_equal(swap_dev_configure(d, "preset=none", NULL, 0), 0);
	free(b);
}

/* submit_batch: checked against the ring size; 1 (an SQE per
 * io_uring_enter) moves data as the default does. */
static void test_submit_batch(void **state)
{
	struct fix *f = *state;
	struct swap_io_config cfg = {.ring_entries = 64, .submit_batch = 65};
	struct swap_extent_map *map;
	struct swap_io_engine *e;
	struct swap_io_area *a;
	unsigned char *w = aligned(64 * BLK), *r = aligned(64 * BLK);
	int s;

	assert_int_equal(swap_io_engine_create(&cfg, &e), -EINVAL);
	cfg.submit_batch = 1;
	assert_int_equal(swap_io_engine_create(&cfg, &e), 0);
	s = swap_io_add_store(e, f->path1, 0);
	assert_true(s >= 0);
	assert_int_equal(swap_extent_map_create(64, &map), 0);
	assert_int_equal(swap_extent_add(map, 0, 64, s, 0), 0);
	assert_int_equal(swap_io_area_attach(e, map, "batch1", &a), 0);
	fill(w, 64 * BLK, 77);
	assert_int_equal(swap_io_sync(a, SWAP_IO_WRITE, 0, w, 64 * BLK),
			 64 * BLK);
	assert_int_equal(swap_io_sync(a, SWAP_IO_READ, 0, r, 64 * BLK),
			 64 * BLK);
	assert_memory_equal(w, r, 64 * BLK);
	memcpy(f->model + 1000ull * BLK, w, 64 * BLK); /* slots 1000.. */
	swap_io_area_detach(a);
	swap_io_engine_destroy(e);
	swap_extent_map_destroy(map);
	free(w);
	free(r);
}

static void test_registered_buffer(void **state)
{
	struct fix *f = *state;
	unsigned char *b = aligned(64 * BLK);

	assert_int_equal(swap_io_register_buffer(f->e, b, 64 * BLK), 0);
	fill(b, 64 * BLK, 21);
	assert_int_equal(sync_io(f, SWAP_IO_WRITE, 960, b, 64), 64 * BLK);
	memcpy(f->model + 960 * BLK, b, 64 * BLK);
	memset(b, 0, 64 * BLK);
	assert_int_equal(sync_io(f, SWAP_IO_READ, 960, b + 8 * BLK, 8),
			 8 * BLK);
	assert_memory_equal(b + 8 * BLK, f->model + 960 * BLK, 8 * BLK);
	assert_int_equal(swap_io_unregister_buffer(f->e, b), 0);
	assert_int_equal(swap_io_unregister_buffer(f->e, b), -ENOENT);
	check_area(f);
	free(b);
}

struct nested {
	struct fix *f;
	struct group *g;
	int64_t sync_rc;
};

static void nested_done(void *ctx, int64_t res)
{
	struct nested *n = ctx;

	n->sync_rc = swap_io_sync(n->f->a, SWAP_IO_READ, 0, n->f->model, BLK);
	pthread_mutex_lock(&n->g->lock);
	n->g->pending--;
	pthread_cond_broadcast(&n->g->cond);
	pthread_mutex_unlock(&n->g->lock);
}

static void test_immediate_errors(void **state)
{
	struct fix *f = *state;
	unsigned char *b = aligned(2 * BLK);
	struct group g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  1, 0};
	struct nested n = {f, &g, 0};

	assert_int_equal(swap_io_sync(f->a, SWAP_IO_READ, 100, b, BLK),
			 -EINVAL);
	assert_int_equal(swap_io_sync(f->a, SWAP_IO_READ, 0, b, 100), -EINVAL);
	assert_int_equal(swap_io_sync(f->a, SWAP_IO_READ, 0, b, 0), -EINVAL);
	assert_int_equal(sync_io(f, SWAP_IO_READ, SLOTS - 1, b, 2), -ERANGE);
	assert_int_equal(sync_io(f, SWAP_IO_READ, SLOTS, b, 1), -ERANGE);
	/* Blocking in a callback is refused, not deadlocked. */
	assert_int_equal(swap_io_read(f->a, 0, b, BLK, nested_done, &n), 0);
	group_wait(&g);
	assert_int_equal(n.sync_rc, -EDEADLK);
	free(b);
}

/* An unmapped slot fails with -ENXIO; a store shorter than its extent
 * fails with -EIO rather than returning short data. */
static void test_unmapped_and_short_store(void **state)
{
	struct fix *f = *state;
	struct swap_extent_map *m;
	struct swap_io_area *a;
	unsigned char *b = aligned(4 * BLK);

	assert_int_equal(swap_extent_map_create(64, &m), 0);
	assert_int_equal(swap_extent_add(m, 0, 16, f->s1, 0), 0);
	assert_int_equal(
		swap_extent_add(m, 32, 32, f->s1, FILE_BYTES - 16 * BLK), 0);
	assert_int_equal(swap_io_area_attach(f->e, m, "holes", &a), 0);
	assert_int_equal(swap_io_sync(a, SWAP_IO_READ, 16 * BLK, b, BLK),
			 -ENXIO);
	assert_int_equal(swap_io_sync(a, SWAP_IO_READ, 14 * BLK, b, 4 * BLK),
			 -ENXIO);
	assert_int_equal(swap_io_sync(a, SWAP_IO_READ, 40 * BLK, b, BLK), BLK);
	/* Slots 48.. lie past the end of the 16 MiB file. */
	assert_int_equal(swap_io_sync(a, SWAP_IO_READ, 50 * BLK, b, BLK), -EIO);
	swap_io_area_detach(a);
	swap_extent_map_destroy(m);
	assert_int_equal(swap_io_remove_store(f->e, f->s1), -EBUSY);
	free(b);
}

static void test_stat_json(void **state)
{
	struct fix *f = *state;
	char *s = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&s, &n);

	write_pattern(f, 7, 1, 8);
	assert_int_equal(swap_io_area_stat_json(f->a, m), 0);
	fclose(m);
	assert_non_null(strstr(s, "{\"area\":\"test\""));
	assert_non_null(strstr(s, "\"write\":{\"ops\":"));
	assert_non_null(strstr(s, "\"backing\":{\"count\":"));
	assert_non_null(strstr(s, "\"p999\":"));
	free(s);
}

/* Record a trace, then let fio replay it against one of the files. */
static void test_trace_replays_in_fio(void **state)
{
	struct fix *f = *state;
	struct swap_trace *t = swap_io_area_trace(f->a);
	char trace[300], cmd[1024], line[4096];
	unsigned char *b = aligned(8 * BLK);
	long long rd_kb = -1, wr_kb = -1;
	FILE *out, *p;

	if (system("fio --version >/dev/null 2>&1"))
		skip();
	swap_trace_enable(t, true, now_ns());
	for (uint64_t i = 0; i < 20; i++) {
		fill(b, 8 * BLK, (uint32_t)i);
		assert_int_equal(sync_io(f, SWAP_IO_WRITE, i * 97 % 2000, b, 8),
				 8 * BLK);
		assert_int_equal(sync_io(f, SWAP_IO_READ, i * 31 % 3000, b, 2),
				 2 * BLK);
	}
	swap_trace_enable(t, false, 0);
	snprintf(trace, sizeof(trace), "%s.iolog", f->path0);
	out = fopen(trace, "w");
	assert_int_equal(swap_io_area_trace_write(f->a, out, false), 0);
	fclose(out);
	snprintf(
		cmd, sizeof(cmd),
		"fio --name=replay --read_iolog=%s --replay_redirect=%s "
		"--ioengine=psync --output-format=terse --terse-version=3 2>&1",
		trace, f->path0);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (strncmp(line, "3;", 2))
			continue;
		/* Fields 6 and 47: KiB read and written. */
		char *save = NULL, *tok = strtok_r(line, ";", &save);

		for (int field = 1; tok;
		     field++, tok = strtok_r(NULL, ";", &save)) {
			if (field == 6)
				rd_kb = atoll(tok);
			if (field == 47)
				wr_kb = atoll(tok);
		}
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(rd_kb, 20 * 2 * 4);
	assert_int_equal(wr_kb, 20 * 8 * 4);
	unlink(trace);
	free(b);
}

struct detacher {
	struct swap_io_area *a;
	_Atomic bool done; /* swap_io_area_detach() returned */
};

static void *detach_main(void *arg)
{
	struct detacher *d = arg;

	swap_io_area_detach(d->a);
	atomic_store(&d->done, true);
	return NULL;
}

/*
 * Detaching an area with IO in flight (reads delayed 100 ms): new IO is
 * refused with -ESHUTDOWN as soon as detach starts, detach returns only
 * after every callback ran, and the area's store cannot be removed
 * (-EBUSY) until the area is gone.
 */
static void test_detach_with_io_in_flight(void **state)
{
	struct fix *f = *state;
	enum { N = 64 };
	struct group g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  0, 0};
	unsigned char *b = aligned(N * BLK);
	struct op *ops = calloc(4096, sizeof(*ops));
	struct swap_extent_map *map;
	struct detacher d = {0};
	char path[300];
	pthread_t t;
	int s, n = 0, rc;

	snprintf(path, sizeof(path), "%s-detach", f->path0);
	make_file(path, 256 * BLK);
	s = swap_io_add_store(f->e, path, 0);
	assert_true(s >= 0);
	assert_int_equal(swap_extent_map_create(256, &map), 0);
	assert_int_equal(swap_extent_add(map, 0, 256, s, 0), 0);
	assert_int_equal(swap_io_area_attach(f->e, map, "detach", &d.a), 0);
	assert_int_equal(swap_dev_configure(swap_io_area_dev(d.a),
					    "read_lat_us=100000", NULL, 0),
			 0);
	for (; n < N; n++) {
		ops[n] = (struct op){&g, BLK, 0};
		g.pending++;
		assert_int_equal(swap_io_read(d.a, (uint64_t)n * BLK,
					      b + n * BLK, BLK, op_done,
					      &ops[n]),
				 0);
	}
	assert_int_equal(swap_io_remove_store(f->e, s), -EBUSY);
	assert_int_equal(pthread_create(&t, NULL, detach_main, &d), 0);
	/* Each accepted read keeps the area alive 100 ms more, so it is
	 * safe to try until the detach is seen. */
	for (;;) {
		assert_true(n < 4096);
		ops[n] = (struct op){&g, BLK, 0};
		pthread_mutex_lock(&g.lock);
		g.pending++;
		pthread_mutex_unlock(&g.lock);
		rc = swap_io_read(d.a, (uint64_t)(n % 256) * BLK,
				  b + (n % N) * BLK, BLK, op_done, &ops[n]);
		if (rc)
			break;
		n++;
		usleep(200);
	}
	assert_int_equal(rc, -ESHUTDOWN);
	pthread_mutex_lock(&g.lock);
	g.pending--; /* the refused one */
	pthread_mutex_unlock(&g.lock);
	assert_false(atomic_load(&d.done));
	pthread_join(t, NULL);
	pthread_mutex_lock(&g.lock);
	assert_int_equal(g.pending, 0); /* every callback ran before */
	assert_int_equal(g.errors, 0);
	pthread_mutex_unlock(&g.lock);
	assert_int_equal(swap_io_remove_store(f->e, s), 0);
	swap_extent_map_destroy(map);
	unlink(path);
	free(ops);
	free(b);
}

/*
 * Rings set up without DEFER_TASKRUN (kernels or configurations without
 * it) and without registered files: the ring thread's poll sees
 * completions as the kernel posts them.  Data moves, and delayed
 * requests submitted from outside complete, none early.
 */
static void test_plain_ring(void **state)
{
	struct fix *f = *state;
	struct swap_io_config cfg = {.no_defer_taskrun = true,
				     .no_fixed_files = true};
	enum { N = 64 };
	struct group g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			  N, 0};
	unsigned char *b = aligned(N * BLK), *w = aligned(N * BLK);
	struct swap_extent_map *map;
	struct swap_io_engine *e;
	struct swap_io_area *a;
	struct op ops[N];
	uint64_t t0;
	int s;

	assert_int_equal(swap_io_engine_create(&cfg, &e), 0);
	s = swap_io_add_store(e, f->path1, 0);
	assert_true(s >= 0);
	assert_int_equal(swap_extent_map_create(N, &map), 0);
	assert_int_equal(swap_extent_add(map, 0, N, s, 0), 0);
	assert_int_equal(swap_io_area_attach(e, map, "plain", &a), 0);
	fill(w, N * BLK, 21);
	assert_int_equal(swap_io_sync(a, SWAP_IO_WRITE, 0, w, N * BLK),
			 N * BLK);
	assert_int_equal(swap_dev_configure(swap_io_area_dev(a),
					    "read_lat_us=100", NULL, 0),
			 0);
	t0 = now_ns();
	for (int i = 0; i < N; i++) {
		ops[i] = (struct op){&g, BLK, 0};
		assert_int_equal(swap_io_read(a, (uint64_t)i * BLK, b + i * BLK,
					      BLK, op_done, &ops[i]),
				 0);
	}
	group_wait(&g);
	assert_true(now_ns() - t0 >= 100000ull);
	assert_int_equal(g.errors, 0);
	assert_memory_equal(b, w, N * BLK);
	swap_io_area_detach(a);
	swap_io_engine_destroy(e);
	swap_extent_map_destroy(map);
	/* The fixture's area maps store 1 too: put its model back. */
	assert_int_equal(swap_io_sync(f->a, SWAP_IO_WRITE, 1000 * BLK,
				      f->model + 1000ull * BLK, N * BLK),
			 N * BLK);
	free(b);
	free(w);
}

/* A passthrough command: a NOP, or a read of @fd, run @left times. */
struct tcmd {
	struct swap_io_cmd cmd;
	int fd;		  /* -1: NOP */
	char byte;	  /* read target */
	int left;	  /* submissions still to make from done */
	int runs;	  /* done calls */
	int res;	  /* last result */
	atomic_bool over; /* last done ran */
	struct swap_io_engine *e;
};

static void tcmd_prep(struct swap_io_cmd *cmd, struct io_uring_sqe *sqe)
{
	struct tcmd *t = (struct tcmd *)cmd;

	if (t->fd < 0)
		io_uring_prep_nop(sqe);
	else
		io_uring_prep_read(sqe, t->fd, &t->byte, 1, 0);
}

static void tcmd_done(struct swap_io_cmd *cmd, int res)
{
	struct tcmd *t = (struct tcmd *)cmd;

	t->runs++;
	t->res = res;
	if (--t->left > 0) {
		/* From the ring thread: prepared at once, no queueing. */
		assert_int_equal(swap_io_cmd_submit(t->e, 0, cmd), 0);
		return;
	}
	atomic_store(&t->over, true);
}

static void tcmd_wait(struct tcmd *t)
{
	for (int i = 0; i < 5000 && !atomic_load(&t->over); i++)
		usleep(1000);
	assert_true(atomic_load(&t->over));
}

static void test_passthrough_commands(void **state)
{
	struct swap_io_config cfg = {.big_sqes = true};
	struct swap_io_engine *e;
	struct tcmd nop = {.cmd = {tcmd_prep, tcmd_done}, .fd = -1, .left = 3};
	struct tcmd bad = {
		.cmd = {tcmd_prep, tcmd_done}, .fd = 1000, .left = 1};
	struct tcmd wait = {.cmd = {tcmd_prep, tcmd_done}, .left = 1};
	int pipefd[2];

	(void)state;
	assert_int_equal(swap_io_engine_create(&cfg, &e), 0);
	nop.e = bad.e = wait.e = e;
	assert_int_equal(swap_io_cmd_submit(e, 1, &nop.cmd), -EINVAL);
	assert_int_equal(swap_io_cmd_submit(e, 0, &nop.cmd), 0);
	tcmd_wait(&nop);
	assert_int_equal(nop.runs, 3);
	assert_int_equal(nop.res, 0);
	assert_int_equal(swap_io_cmd_submit(e, 0, &bad.cmd), 0);
	tcmd_wait(&bad);
	assert_int_equal(bad.res, -EBADF);
	/* A command that never completes does not hold the engine up. */
	assert_int_equal(pipe(pipefd), 0);
	wait.fd = pipefd[0];
	assert_int_equal(swap_io_cmd_submit(e, 0, &wait.cmd), 0);
	usleep(20000);
	assert_int_equal(wait.runs, 0);
	swap_io_engine_destroy(e);
	assert_int_equal(wait.runs, 0);
	close(pipefd[0]);
	close(pipefd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_along_extents),
		cmocka_unit_test(test_random_roundtrip),
		cmocka_unit_test(test_concurrent_submitters),
		cmocka_unit_test(test_injected_errors),
		cmocka_unit_test(test_bad_slots_heal),
		cmocka_unit_test(test_discard_zeros),
		cmocka_unit_test(test_corrupt_reads),
		cmocka_unit_test(test_delays_do_not_serialise),
		cmocka_unit_test(test_delays_never_early),
		cmocka_unit_test(test_submit_batch),
		cmocka_unit_test(test_registered_buffer),
		cmocka_unit_test(test_immediate_errors),
		cmocka_unit_test(test_unmapped_and_short_store),
		cmocka_unit_test(test_stat_json),
		cmocka_unit_test(test_trace_replays_in_fio),
		cmocka_unit_test(test_detach_with_io_in_flight),
		cmocka_unit_test(test_plain_ring),
		cmocka_unit_test(test_passthrough_commands),
	};

	return cmocka_run_group_tests(tests, fix_setup, fix_teardown);
}

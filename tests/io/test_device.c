/* SPDX-License-Identifier: MIT */
/*
 * Tests of swap/io/device.c and device_text.c: the text form, presets,
 * latency and parallelism, the token buckets in place, the seek model,
 * error injection, bad slots, corruption and jitter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "swap/io/device.h"

#define US 1000ull
#define MS 1000000ull
#define T0 (1000ull * MS) /* an arbitrary "now" */
#define SLOTS 1000000ull

static struct swap_dev *dev_new(const char *text)
{
	struct swap_dev *d;
	char err[128];

	assert_int_equal(swap_dev_create(SLOTS, &d), 0);
	if (text) {
		int rc = swap_dev_configure(d, text, err, sizeof(err));

		if (rc)
			fail_msg("configure '%s': %s", text, err);
	}
	return d;
}

static char *dev_text(struct swap_dev *d)
{
	static char buf[4096];

	assert_true(swap_dev_format_buf(d, buf, sizeof(buf)) > 0);
	return buf;
}

static uint64_t plan_done(struct swap_dev *d, enum swap_io_op op,
			  uint64_t slot, uint64_t nr, uint64_t now)
{
	struct swap_dev_plan p;

	swap_dev_plan(d, op, slot, nr, now, &p);
	assert_int_equal(p.error, 0);
	return p.done_ns;
}

static int plan_error(struct swap_dev *d, enum swap_io_op op, uint64_t slot,
		      uint64_t nr)
{
	struct swap_dev_plan p;

	swap_dev_plan(d, op, slot, nr, T0, &p);
	return p.error;
}

static void test_default_inactive(void **state)
{
	struct swap_dev *d = dev_new(NULL);

	assert_false(swap_dev_active(d));
	assert_non_null(strstr(dev_text(d), "preset=none\n"));
	assert_int_equal(plan_done(d, SWAP_IO_READ, 5, 1, T0), 0);
	assert_int_equal(swap_dev_configure(d, "read_lat_us=5", NULL, 0), 0);
	assert_true(swap_dev_active(d));
	assert_int_equal(swap_dev_configure(d, "preset=none", NULL, 0), 0);
	assert_false(swap_dev_active(d));
	swap_dev_destroy(d);
}

/* format -> configure -> format is a fixed point. */
static void test_roundtrip(void **state)
{
	const char *text =
		"read_lat_us=12.5 write_lat_us=30 discard_lat_us=7 "
		"jitter_p50_us=3 jitter_p99_us=40 iops=20000 iops_burst=64 "
		"bw=200M bw_burst=1M qd=8 rpm=5400 seek_min_us=500 "
		"seek_max_us=12000 error_rate=0.125 error_op=read,discard "
		"error_errno=ENOSPC error_slots=100-200,300 error_once=1 "
		"bad_slots=7,9-11 corrupt_rate=0.5 seed=42";
	struct swap_dev *a = dev_new(text), *b;
	char first[4096];

	snprintf(first, sizeof(first), "%s", dev_text(a));
	assert_non_null(strstr(first, "read_lat_us=12.5\n"));
	assert_non_null(strstr(first, "bw=209715200\n"));
	assert_non_null(strstr(first, "error_op=read,discard\n"));
	assert_non_null(strstr(first, "error_errno=ENOSPC\n"));
	assert_non_null(strstr(first, "error_slots=100-200,300\n"));
	assert_non_null(strstr(first, "bad_slots=7,9-11\n"));
	assert_null(strstr(first, "preset="));
	b = dev_new(first);
	assert_string_equal(dev_text(b), first);
	swap_dev_destroy(a);
	swap_dev_destroy(b);
}

/* Bad input is refused with -EINVAL and leaves the model as it was. */
static void test_bad_input_keeps_model(void **state)
{
	static const char *const bad[] = {
		"foo=1", "read_lat_us=-1", "read_lat_us=abc", "read_lat_us=",
		"read_lat_us", "=5", "iops=1.5", "iops=-3", "bw=10X",
		"qd=70000", "error_rate=1.5", "error_rate=nan",
		"error_op=sideways", "error_op=", "error_errno=EFOO",
		"error_errno=0", "error_slots=200-100", "error_slots=1-",
		"bad_slots=1,,2", "bad_slots=x", "preset=floppy", "preset=",
		"jitter_p50_us=100 jitter_p99_us=10",
		"seek_min_us=100 seek_max_us=50", "error_once=maybe",
		"read_lat_us=5 preset=hdd preset=ssd",
		"write_lat_us=9 read_lat_us=1e99",
	};
	struct swap_dev *d = dev_new("preset=ssd bad_slots=5");
	char before[4096], err[128];

	snprintf(before, sizeof(before), "%s", dev_text(d));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (swap_dev_configure(d, bad[i], err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(err[0] != 0);
		assert_string_equal(dev_text(d), before);
	}
	swap_dev_destroy(d);
}

static void test_presets(void **state)
{
	struct swap_dev *d = dev_new(NULL);
	char want[64];

	for (int i = 0; swap_dev_presets[i]; i++) {
		snprintf(want, sizeof(want), "preset=%s", swap_dev_presets[i]);
		assert_int_equal(swap_dev_configure(d, want, NULL, 0), 0);
		strcat(want, "\n");
		assert_memory_equal(dev_text(d), want, strlen(want));
	}
	/* A preset applies first wherever it stands; the rest override. */
	assert_int_equal(swap_dev_configure(d, "read_lat_us=5 preset=hdd",
					    NULL, 0), 0);
	assert_null(strstr(dev_text(d), "preset="));
	assert_non_null(strstr(dev_text(d), "read_lat_us=5\n"));
	assert_non_null(strstr(dev_text(d), "rpm=7200\n"));
	assert_non_null(strstr(dev_text(d), "qd=1\n"));
	/* The example of the control file. */
	assert_int_equal(swap_dev_configure(d,
		"read_lat_us=100 jitter_p99_us=400 iops=20000 error_rate=0.01 "
		"error_op=read error_slots=100-200 error_errno=EIO", NULL, 0), 0);
	assert_non_null(strstr(dev_text(d), "jitter_p50_us=50\n"));
	swap_dev_destroy(d);
}

/* Fixed latency; qd servers serialise, no qd means no serialisation. */
static void test_latency_and_parallelism(void **state)
{
	struct swap_dev *d = dev_new("read_lat_us=100 write_lat_us=10");

	for (int i = 0; i < 1000; i++)
		assert_int_equal(plan_done(d, SWAP_IO_READ, (uint64_t)i, 1, T0),
				 T0 + 100 * US);
	assert_int_equal(plan_done(d, SWAP_IO_WRITE, 1, 1, T0), T0 + 10 * US);
	assert_int_equal(swap_dev_configure(d, "qd=2", NULL, 0), 0);
	assert_int_equal(plan_done(d, SWAP_IO_READ, 1, 1, T0), T0 + 100 * US);
	assert_int_equal(plan_done(d, SWAP_IO_READ, 2, 1, T0), T0 + 100 * US);
	assert_int_equal(plan_done(d, SWAP_IO_READ, 3, 1, T0), T0 + 200 * US);
	assert_int_equal(plan_done(d, SWAP_IO_READ, 4, 1, T0), T0 + 200 * US);
	/* Arriving later than the servers free up: no wait. */
	assert_int_equal(plan_done(d, SWAP_IO_READ, 5, 1, T0 + MS),
			 T0 + MS + 100 * US);
	swap_dev_destroy(d);
}

static void test_iops_and_bw_limits(void **state)
{
	struct swap_dev *d = dev_new("iops=1000 iops_burst=1");

	assert_int_equal(plan_done(d, SWAP_IO_READ, 1, 1, T0), T0);
	assert_int_equal(plan_done(d, SWAP_IO_READ, 1, 1, T0), T0 + MS);
	assert_int_equal(plan_done(d, SWAP_IO_READ, 1, 1, T0), T0 + 2 * MS);
	/* 4 MiB/s with a 4 KiB burst: each 4 KiB page takes ~1 ms. */
	assert_int_equal(swap_dev_configure(d, "iops=0 bw=4M bw_burst=4K",
					    NULL, 0), 0);
	assert_int_equal(plan_done(d, SWAP_IO_WRITE, 1, 1, 2 * T0), 2 * T0);
	uint64_t t = plan_done(d, SWAP_IO_WRITE, 2, 1, 2 * T0);
	assert_true(t >= 2 * T0 + 976 * US && t <= 2 * T0 + 977 * US);
	/* Discards move no data: the bandwidth limit does not apply. */
	assert_int_equal(plan_done(d, SWAP_IO_DISCARD, 3, 256, 2 * T0), 2 * T0);
	swap_dev_destroy(d);
}

static void test_seek_function(void **state)
{
	assert_int_equal(swap_dev_seek_ns(0, SLOTS, 1000, 9000), 0);
	assert_int_equal(swap_dev_seek_ns(SLOTS, SLOTS, 1000, 9000), 9000);
	assert_int_equal(swap_dev_seek_ns(SLOTS / 4, SLOTS, 1000, 9000), 5000);
	assert_int_equal(swap_dev_seek_ns(2 * SLOTS, SLOTS, 1000, 9000), 9000);
	for (uint64_t d = 1, prev = 0; d < SLOTS; d *= 2) {
		uint64_t t = swap_dev_seek_ns(d, SLOTS, 1000, 9000);

		assert_true(t >= prev && t >= 1000);
		prev = t;
	}
}

/* The rotational model: sequential is free, distance costs sqrt. */
static void test_seek_model(void **state)
{
	struct swap_dev *d = dev_new("seek_min_us=1000 seek_max_us=9000");
	struct swap_dev *h = dev_new("preset=hdd");
	double seq, rnd;

	/* The head starts at slot 0. */
	assert_int_equal(plan_done(d, SWAP_IO_READ, 0, 8, T0), T0);
	assert_int_equal(plan_done(d, SWAP_IO_READ, 8, 8, T0), T0);
	assert_int_equal(plan_done(d, SWAP_IO_READ, 16 + SLOTS / 4, 1, T0),
			 T0 + 5000 * US);
	/* Back to where it was: the same distance. */
	assert_int_equal(plan_done(d, SWAP_IO_READ, 17, 1, T0 + MS),
			 T0 + MS + 5000 * US);
	/* hdd: random 4 KiB is hundreds of times slower than sequential. */
	seq = swap_dev_expected_iops(h, SWAP_IO_READ, 4096, true, 1);
	rnd = swap_dev_expected_iops(h, SWAP_IO_READ, 4096, false, 1);
	assert_true(rnd > 50 && rnd < 150);
	assert_true(seq / rnd > 100);
	swap_dev_destroy(d);
	swap_dev_destroy(h);
}

/* Errors hit exactly the configured op and slots. */
static void test_error_slots(void **state)
{
	struct swap_dev *d = dev_new("error_rate=1 error_op=read "
				     "error_slots=100-200 error_errno=ENOSPC");

	assert_int_equal(plan_error(d, SWAP_IO_READ, 99, 1), 0);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 100, 1), -ENOSPC);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 150, 1), -ENOSPC);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 200, 1), -ENOSPC);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 201, 1), 0);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 90, 10), 0);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 90, 11), -ENOSPC);
	assert_int_equal(plan_error(d, SWAP_IO_WRITE, 150, 1), 0);
	assert_int_equal(plan_error(d, SWAP_IO_DISCARD, 150, 1), 0);
	swap_dev_destroy(d);
}

static void test_error_rate_and_once(void **state)
{
	struct swap_dev *d = dev_new("error_rate=0.25 seed=7");
	int n = 0;

	for (int i = 0; i < 20000; i++)
		n += plan_error(d, SWAP_IO_WRITE, (uint64_t)i, 1) == -EIO;
	assert_true(n > 4500 && n < 5500);
	assert_int_equal(swap_dev_configure(d, "error_rate=1 error_once=1",
					    NULL, 0), 0);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 1, 1), -EIO);
	for (int i = 0; i < 100; i++)
		assert_int_equal(plan_error(d, SWAP_IO_READ, 1, 1), 0);
	assert_non_null(strstr(dev_text(d), "error_rate=0\n"));
	swap_dev_destroy(d);
}

/* dm-dust: bad slots fail reads until written. */
static void test_bad_slots(void **state)
{
	struct swap_dev *d = dev_new("bad_slots=10-12,20");
	struct swap_dev_counters c;

	assert_true(swap_dev_active(d));
	assert_int_equal(plan_error(d, SWAP_IO_READ, 11, 1), -EIO);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 8, 4), -EIO);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 13, 7), 0);
	assert_int_equal(plan_error(d, SWAP_IO_WRITE, 11, 1), 0);
	assert_false(swap_dev_slot_bad(d, 11));
	assert_int_equal(plan_error(d, SWAP_IO_READ, 11, 1), 0);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 10, 1), -EIO);
	assert_int_equal(plan_error(d, SWAP_IO_READ, 12, 1), -EIO);
	assert_non_null(strstr(dev_text(d), "bad_slots=10,12,20\n"));
	assert_int_equal(plan_error(d, SWAP_IO_WRITE, 0, 100), 0);
	assert_non_null(strstr(dev_text(d), "bad_slots=\n"));
	swap_dev_counters(d, &c);
	assert_int_equal(c.healed, 4);
	assert_int_equal(c.bad_reads, 4);
	swap_dev_destroy(d);
}

static void test_corruption(void **state)
{
	struct swap_dev *d = dev_new("corrupt_rate=1");
	struct swap_dev_plan p;

	for (int i = 0; i < 100; i++) {
		swap_dev_plan(d, SWAP_IO_READ, 1, 2, T0, &p);
		assert_true(p.corrupt);
		assert_true(p.corrupt_byte < 2 * 4096);
		assert_true(p.corrupt_bit < 8);
		swap_dev_plan(d, SWAP_IO_WRITE, 1, 2, T0, &p);
		assert_false(p.corrupt);
	}
	swap_dev_destroy(d);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Log-normal jitter has the configured median and 99th percentile. */
static void test_jitter_distribution(void **state)
{
	struct swap_dev *d = dev_new("jitter_p50_us=100 jitter_p99_us=400 "
				     "seed=3");
	enum { N = 40000 };
	uint64_t *v = malloc(N * sizeof(*v));

	for (int i = 0; i < N; i++)
		v[i] = plan_done(d, SWAP_IO_READ, 1, 1, T0) - T0;
	qsort(v, N, sizeof(*v), cmp_u64);
	assert_true(fabs((double)v[N / 2] - 100e3) < 5e3);
	assert_true(fabs((double)v[N * 99 / 100] - 400e3) < 40e3);
	free(v);
	swap_dev_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_inactive),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_input_keeps_model),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_latency_and_parallelism),
		cmocka_unit_test(test_iops_and_bw_limits),
		cmocka_unit_test(test_seek_function),
		cmocka_unit_test(test_seek_model),
		cmocka_unit_test(test_error_slots),
		cmocka_unit_test(test_error_rate_and_once),
		cmocka_unit_test(test_bad_slots),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_jitter_distribution),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The device model (see device.h): parameters, queue state and the plan of
 * each request.  The text form (parse and format) is in device_text.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "swap/io/device.h"
#include "swap/io/io_i.h"

#define NSEC_PER_SEC 1000000000.0
/* z of the 99th percentile of the standard normal distribution. */
#define Z_P99 2.3263478740

/* The mean of sqrt(|x - y|) for x, y uniform on [0, 1]: 8/15. */
#define MEAN_SQRT_DISTANCE (8.0 / 15.0)

int swap_dev_create(uint64_t nr_slots, struct swap_dev **out)
{
	struct swap_dev *d;

	if (!nr_slots)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	pthread_mutex_init(&d->lock, NULL);
	d->nr_slots = nr_slots;
	d->rng = 0x9e3779b97f4a7c15ull;
	dev_params_defaults(&d->p);
	*out = d;
	return 0;
}

void swap_dev_destroy(struct swap_dev *d)
{
	if (!d)
		return;
	dev_ranges_free(&d->bad);
	free(d->server_free);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

bool swap_dev_active(const struct swap_dev *d)
{
	return atomic_load_explicit(&((struct swap_dev *)d)->active,
				    memory_order_acquire);
}

/* xorshift64*: fast, good enough for jitter and fault dice. */
static uint64_t dev_rand(struct swap_dev *d)
{
	uint64_t x = d->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	d->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, 1). */
static double dev_rand_unit(struct swap_dev *d)
{
	return (double)(dev_rand(d) >> 11) * (1.0 / 9007199254740992.0);
}

static double dev_rand_normal(struct swap_dev *d)
{
	double u1 = 1.0 - dev_rand_unit(d), u2 = dev_rand_unit(d);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static bool params_rotational(const struct dev_params *p)
{
	return p->rpm || p->seek_max_ns;
}

static bool params_timed(const struct dev_params *p)
{
	for (int op = 0; op < SWAP_IO_NR_OPS; op++)
		if (p->lat_ns[op])
			return true;
	return p->jitter_p99_ns || p->iops || p->bw ||
	       params_rotational(p);
}

static bool params_faulty(const struct dev_params *p)
{
	return p->error_rate > 0 || p->corrupt_rate > 0;
}

static uint64_t burst_or_default(uint64_t burst, uint64_t rate,
				 uint64_t floor)
{
	if (burst)
		return burst;
	/* 10 ms worth of the rate, at least @floor. */
	return rate / 100 > floor ? rate / 100 : floor;
}

/* Make the server heap hold @qd entries, all free.  0 or -ENOMEM. */
static int dev_resize_servers(struct swap_dev *d, unsigned int qd)
{
	uint64_t *s = NULL;

	if (qd == d->nr_servers)
		return 0;
	if (qd) {
		s = calloc(qd, sizeof(*s));
		if (!s)
			return -ENOMEM;
	}
	free(d->server_free);
	d->server_free = s;
	d->nr_servers = qd;
	return 0;
}

/*
 * Install @p (and @bad when @has_bad) as the model; caller holds d->lock.
 * Takes ownership of @bad.  Returns 0 or -ENOMEM (model unchanged).
 */
int dev_apply_locked(struct swap_dev *d, const struct dev_params *p,
		     struct dev_ranges *bad, bool has_bad)
{
	int rc = dev_resize_servers(d, p->qd);

	if (rc)
		return rc;
	if (p->seed != d->p.seed || !d->rng)
		d->rng = p->seed ? p->seed : 0x9e3779b97f4a7c15ull;
	d->p = *p;
	swap_bucket_set(&d->iops_bucket, p->iops,
			burst_or_default(p->iops_burst, p->iops, 1));
	swap_bucket_set(&d->bw_bucket, p->bw,
			burst_or_default(p->bw_burst, p->bw, SWAP_IO_BLOCK));
	d->jitter_mu = p->jitter_p50_ns ? log((double)p->jitter_p50_ns) : 0;
	d->jitter_sigma = p->jitter_p50_ns ?
		log((double)p->jitter_p99_ns / (double)p->jitter_p50_ns) / Z_P99 : 0;
	if (has_bad) {
		dev_ranges_free(&d->bad);
		d->bad = *bad;
	}
	atomic_store_explicit(&d->active,
			      params_timed(p) || params_faulty(p) || d->bad.nr,
			      memory_order_release);
	return 0;
}

uint64_t swap_dev_seek_ns(uint64_t distance, uint64_t nr_slots,
			  uint64_t seek_min_ns, uint64_t seek_max_ns)
{
	double f;

	if (!distance)
		return 0;
	if (!nr_slots || distance >= nr_slots)
		return seek_max_ns > seek_min_ns ? seek_max_ns : seek_min_ns;
	if (seek_max_ns <= seek_min_ns)
		return seek_min_ns;
	f = sqrt((double)distance / (double)nr_slots);
	return seek_min_ns + (uint64_t)(f * (double)(seek_max_ns - seek_min_ns));
}

/* Seek plus rotational delay to reach @slot; moves the head past it. */
static uint64_t dev_position_ns(struct swap_dev *d, uint64_t slot,
				uint64_t nr)
{
	uint64_t dist = slot > d->head ? slot - d->head : d->head - slot;
	uint64_t t = 0, turn_ns;

	if (dist) {
		t = swap_dev_seek_ns(dist, d->nr_slots, d->p.seek_min_ns,
				     d->p.seek_max_ns);
		if (d->p.rpm) {
			turn_ns = (uint64_t)(60.0 * NSEC_PER_SEC / d->p.rpm);
			t += dev_rand(d) % turn_ns;
		}
	}
	d->head = slot + nr;
	return t;
}

static uint64_t dev_jitter_ns(struct swap_dev *d)
{
	double j;

	if (!d->p.jitter_p50_ns)
		return 0;
	j = exp(d->jitter_mu + d->jitter_sigma * dev_rand_normal(d));
	return j > 1e15 ? (uint64_t)1e15 : (uint64_t)j;
}

/* Service time of one request, not counting waits for the device. */
static uint64_t dev_service_ns(struct swap_dev *d, enum swap_io_op op,
			       uint64_t slot, uint64_t nr)
{
	uint64_t t = d->p.lat_ns[op] + dev_jitter_ns(d);

	if (params_rotational(&d->p))
		t += dev_position_ns(d, slot, nr);
	return t;
}

/* Take the earliest free server at or after @ready: returns the start. */
static uint64_t dev_server_start(struct swap_dev *d, uint64_t ready,
				 uint64_t service_ns)
{
	uint64_t *h = d->server_free, start;
	unsigned int n = d->nr_servers, i = 0, c;

	start = h[0] > ready ? h[0] : ready;
	h[0] = start + service_ns;
	/* Sift the new root down the min-heap. */
	for (;;) {
		c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1] < h[c])
			c++;
		if (h[i] <= h[c])
			break;
		uint64_t tmp = h[i];
		h[i] = h[c];
		h[c] = tmp;
		i = c;
	}
	return start;
}

/* The emulated completion time of a request arriving at @now_ns. */
static uint64_t dev_schedule(struct swap_dev *d, enum swap_io_op op,
			     uint64_t slot, uint64_t nr, uint64_t now_ns)
{
	uint64_t ready, svc, start;

	ready = swap_bucket_take(&d->iops_bucket, 1, now_ns);
	if (op != SWAP_IO_DISCARD)
		ready = swap_bucket_take(&d->bw_bucket, nr * SWAP_IO_BLOCK,
					 ready);
	svc = dev_service_ns(d, op, slot, nr);
	start = d->nr_servers ? dev_server_start(d, ready, svc) : ready;
	d->cnt.delayed++;
	return start + svc;
}

static bool dev_error_slots_hit(const struct dev_params *p, uint64_t slot,
				uint64_t nr)
{
	if (!p->nr_error_ranges)
		return true;
	for (unsigned int i = 0; i < p->nr_error_ranges; i++)
		if (p->error_ranges[i].first < slot + nr &&
		    p->error_ranges[i].last >= slot)
			return true;
	return false;
}

/* Bad slots and error injection: 0 or the -errno to fail with. */
static int dev_fault(struct swap_dev *d, enum swap_io_op op, uint64_t slot,
		     uint64_t nr)
{
	struct dev_params *p = &d->p;

	if (op == SWAP_IO_READ && dev_ranges_overlap(&d->bad, slot, nr)) {
		d->cnt.bad_reads++;
		return -EIO;
	}
	if (op == SWAP_IO_WRITE && d->bad.nr)
		d->cnt.healed += dev_ranges_remove(&d->bad, slot, nr);
	if (p->error_rate <= 0 || !(p->error_ops & (1u << op)) ||
	    !dev_error_slots_hit(p, slot, nr) ||
	    dev_rand_unit(d) >= p->error_rate)
		return 0;
	d->cnt.injected++;
	if (p->error_once)
		p->error_rate = 0;
	return -p->error_errno;
}

static void dev_corrupt(struct swap_dev *d, uint64_t nr,
			struct swap_dev_plan *plan)
{
	if (d->p.corrupt_rate <= 0 || dev_rand_unit(d) >= d->p.corrupt_rate)
		return;
	plan->corrupt = true;
	plan->corrupt_byte = dev_rand(d) % (nr * SWAP_IO_BLOCK);
	plan->corrupt_bit = (unsigned int)(dev_rand(d) % 8);
	d->cnt.corrupted++;
}

void swap_dev_plan(struct swap_dev *d, enum swap_io_op op, uint64_t slot,
		   uint64_t nr, uint64_t now_ns, struct swap_dev_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	pthread_mutex_lock(&d->lock);
	plan->error = dev_fault(d, op, slot, nr);
	if (!plan->error && op == SWAP_IO_READ)
		dev_corrupt(d, nr, plan);
	if (params_timed(&d->p))
		plan->done_ns = dev_schedule(d, op, slot, nr, now_ns);
	pthread_mutex_unlock(&d->lock);
}

void swap_dev_counters(struct swap_dev *d, struct swap_dev_counters *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->cnt;
	pthread_mutex_unlock(&d->lock);
}

bool swap_dev_slot_bad(struct swap_dev *d, uint64_t slot)
{
	bool bad;

	pthread_mutex_lock(&d->lock);
	bad = dev_ranges_overlap(&d->bad, slot, 1);
	pthread_mutex_unlock(&d->lock);
	return bad;
}

/* Mean service time of a request, in ns, for the expected figures. */
static double dev_mean_service_ns(const struct swap_dev *d,
				  enum swap_io_op op, bool sequential)
{
	const struct dev_params *p = &d->p;
	double t = (double)p->lat_ns[op];

	if (p->jitter_p50_ns)
		t += exp(d->jitter_mu + d->jitter_sigma * d->jitter_sigma / 2);
	if (params_rotational(p) && !sequential) {
		t += (double)p->seek_min_ns +
		     (double)(p->seek_max_ns > p->seek_min_ns ?
				      p->seek_max_ns - p->seek_min_ns : 0) *
			     MEAN_SQRT_DISTANCE;
		if (p->rpm)
			t += 30.0 * NSEC_PER_SEC / p->rpm;
	}
	return t;
}

double swap_dev_expected_iops(struct swap_dev *d, enum swap_io_op op,
			      uint64_t bytes, bool sequential,
			      unsigned int depth)
{
	double iops = 0, svc, servers;

	pthread_mutex_lock(&d->lock);
	svc = dev_mean_service_ns(d, op, sequential);
	servers = d->p.qd && d->p.qd < depth ? d->p.qd : depth;
	if (svc > 0)
		iops = servers * NSEC_PER_SEC / svc;
	if (d->p.iops && (!iops || iops > (double)d->p.iops))
		iops = (double)d->p.iops;
	if (d->p.bw && bytes && op != SWAP_IO_DISCARD &&
	    (!iops || iops > (double)d->p.bw / (double)bytes))
		iops = (double)d->p.bw / (double)bytes;
	pthread_mutex_unlock(&d->lock);
	return iops;
}

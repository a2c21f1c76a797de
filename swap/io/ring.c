/* SPDX-License-Identifier: MIT */
/*
 * Ring threads: each owns one io_uring and everything queued on it.  The
 * loop takes new requests from the lock-free inbox, starts them (device
 * model, timers, pieces), submits, sleeps in io_uring_enter() until a CQE,
 * a wakeup or the next emulated completion, then completes what is done.
 */
#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "swap/io/io_i.h"
#include "swap/io/stat.h"

#define REAP_BATCH 64
#define RING_MAX_LAG_NS 50000ull /* bound of the learned lag (and of a poll) */
#define RING_LAG_STEP_NS 2000ll	 /* the most one wakeup moves the lag */
#define RING_POLL_START_NS 4000ull    /* first idle poll window */
#define RING_POLL_MAX_NS 32000ull     /* longest idle poll: about one wakeup */
#define RING_PREEMPT_NS 20000ull      /* a gap this long in a poll: preempted */
#define RING_CONTENDED_NS 10000000ull /* then no polling for this long */

static __thread struct io_ring *tls_ring;

struct io_ring *io_ring_current(void)
{
	return tls_ring;
}

void io_ring_push(struct io_ring *r, struct io_req *first, struct io_req *last)
{
	struct io_req *old =
		atomic_load_explicit(&r->inbox, memory_order_relaxed);

	do {
		last->next = old;
	} while (!atomic_compare_exchange_weak(&r->inbox, &old, first));
	/* Pairs with the thread's sleeping store and inbox re-check. */
	if (atomic_load(&r->sleeping) && atomic_exchange(&r->sleeping, false))
		eventfd_write(r->efd, 1);
}

/* Move the inbox (a LIFO stack) to the end of pending in FIFO order. */
static void ring_take_inbox(struct io_ring *r)
{
	struct io_req *req = atomic_exchange(&r->inbox, NULL), *fifo = NULL;
	struct io_req *next, *tail;

	if (!req)
		return;
	tail = req;
	for (; req; req = next) {
		next = req->next;
		req->next = fifo;
		fifo = req;
	}
	*r->pending_tail = fifo;
	r->pending_tail = &tail->next;
}

/* An SQE to fill, submitting the full queue first if need be. */
static struct io_uring_sqe *ring_get_sqe(struct io_ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (!sqe) {
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
	}
	return sqe;
}

static void ring_arm_wake(struct io_ring *r)
{
	struct io_uring_sqe *sqe = ring_get_sqe(r);

	io_uring_prep_read(sqe, r->efd, &r->efd_value, sizeof(r->efd_value), 0);
	io_uring_sqe_set_data64(sqe, RING_TAG_WAKE);
}

int io_ring_cmd_prep(struct io_ring *r, void *arg)
{
	struct swap_io_cmd *cmd = arg;
	struct io_uring_sqe *sqe = ring_get_sqe(r);

	memset(sqe, 0, r->sqe_bytes);
	cmd->prep(cmd, sqe);
	io_uring_sqe_set_data64(sqe, (uintptr_t)cmd | RING_TAG_CMD);
	r->sqe_inflight++;
	r->cmd_inflight++;
	/* As pieces do: a FUSE reply waits for no more than a short batch. */
	if (io_uring_sq_ready(&r->ring) >= r->e->cfg.submit_batch)
		io_uring_submit(&r->ring);
	return 0;
}

static void ring_stall(struct io_ring *r, struct io_req *req)
{
	if (req->stalled)
		return;
	req->stalled = true;
	req->next = NULL;
	*r->stalled_tail = req;
	r->stalled_tail = &req->next;
}

/* Flip the planned bit of a read that the model corrupts. */
static void ring_corrupt(struct io_req *req)
{
	uint64_t at = req->plan.corrupt_byte;

	for (int i = 0; i < req->iovcnt; i++) {
		if (at < req->iov[i].iov_len) {
			((unsigned char *)req->iov[i].iov_base)[at] ^=
				(unsigned char)(1u << req->plan.corrupt_bit);
			return;
		}
		at -= req->iov[i].iov_len;
	}
}

static void ring_complete(struct io_ring *r, struct io_req *req)
{
	struct swap_io_area *a = req->area;
	int64_t res = req->error ? req->error : (int64_t)req->len;
	uint64_t now = io_now_ns();

	if (res > 0 && req->op == SWAP_IO_READ && req->plan.corrupt)
		ring_corrupt(req);
	swap_stat_done(a->stat, req->op, res, now - req->submit_ns,
		       req->due_ns ? req->due_ns - req->arrive_ns : 0,
		       req->backing_start_ns
			       ? req->backing_end_ns - req->backing_start_ns
			       : 0);
	req->done(req->ctx, res);
	r->woke = true;
	io_area_put(a);
	io_req_free(r, req);
}

/* Complete @req if nothing of it is outstanding. */
static void ring_try_complete(struct io_ring *r, struct io_req *req)
{
	if (req->busy || req->timer || req->stalled)
		return;
	if (!req->error && req->issued < req->len)
		return;
	ring_complete(r, req);
}

/*
 * Hand @req to the device model and issue its pieces.  @now_ns is its
 * arrival: one clock reading for all the requests the thread starts in one
 * pass, so a batch reaches the model together and its emulated completions
 * fall due together (one wakeup, not one per request).  Every request of
 * the pass was submitted before that reading.
 */
static void ring_start_req(struct io_ring *r, struct io_req *req,
			   uint64_t now_ns)
{
	struct swap_io_area *a = req->area;

	req->arrive_ns = now_ns;
	if (swap_dev_active(a->dev)) {
		swap_dev_plan(a->dev, req->op, req->off / SWAP_IO_BLOCK,
			      req->len / SWAP_IO_BLOCK, req->arrive_ns,
			      &req->plan);
		req->error = req->plan.error;
		req->due_ns = req->plan.done_ns;
		if (req->due_ns && io_timer_add(r, req))
			req->due_ns = 0; /* no memory for the heap: no delay */
	}
	if (!req->error && !io_piece_issue(r, req))
		ring_stall(r, req);
	ring_try_complete(r, req);
}

/* Run a control message or start an IO request arrived at @now_ns. */
static void ring_start(struct io_ring *r, struct io_req *req, uint64_t now_ns)
{
	int rc;

	if (!req->ctl) {
		ring_start_req(r, req, now_ns);
		return;
	}
	rc = req->ctl(r, req->ctl_arg);
	if (req->done)
		req->done(req->ctx, rc);
	io_req_free(r, req);
}

static bool ring_room(const struct io_ring *r)
{
	return r->sqe_inflight < r->cq_entries;
}

/*
 * A request submitted by a callback of this ring: start it now, while the
 * thread is still reaping, rather than on its next pass, so that IO that
 * follows a completion (the FUSE mount's reads and writes follow a
 * request's arrival) reaches the kernel half a pass earlier.  Not for an
 * area with a device model, whose requests of one pass share a clock
 * reading so that their emulated completions fall due together; not
 * nested (a request that fails at once calls its callback, which may
 * submit again); not past requests already pending (order).
 */
bool io_ring_start_now(struct io_ring *r, struct io_req *req)
{
	if (r->starting || r->pending || !ring_room(r) ||
	    swap_dev_active(req->area->dev))
		return false;
	r->starting = true;
	ring_start_req(r, req, io_now_ns());
	r->starting = false;
	return true;
}

/*
 * Start the requests pending now, all arriving at one clock reading.  What
 * their callbacks queue meanwhile (a request may complete at once) waits
 * for the next pass, so no request arrives before it was submitted.
 */
static void ring_run_pending(struct io_ring *r)
{
	struct io_req *req = r->pending, **tail = r->pending_tail, *next;
	uint64_t now;

	if (!req || !ring_room(r))
		return;
	now = io_now_ns();
	r->pending = NULL;
	r->pending_tail = &r->pending;
	for (; req && ring_room(r); req = next) {
		next = req->next;
		ring_start(r, req, now);
	}
	if (req) { /* out of room: the rest goes back in front, in order */
		*tail = r->pending;
		if (!r->pending)
			r->pending_tail = tail;
		r->pending = req;
	}
}

/* Retry requests that waited for SQE space, in order. */
static void ring_run_stalled(struct io_ring *r)
{
	struct io_req *req;
	bool ok;

	while ((req = r->stalled) && ring_room(r)) {
		ok = true;
		for (int i = 0; i < REQ_PIECES && ok; i++)
			if (req->piece[i].retry)
				ok = io_piece_resubmit(r, &req->piece[i]);
		if (ok)
			ok = io_piece_issue(r, req);
		if (!ok)
			return;
		r->stalled = req->next;
		if (!r->stalled)
			r->stalled_tail = &r->stalled;
		req->stalled = false;
		ring_try_complete(r, req);
	}
}

/* Complete the requests whose emulated time has come (none early). */
static void ring_run_timers(struct io_ring *r)
{
	struct io_req *req;
	uint64_t now;

	if (!r->heap_nr)
		return;
	now = io_now_ns();
	while ((req = io_timer_pop(r, now)))
		ring_try_complete(r, req);
}

/*
 * Learn how late a timed sleep that asked to wake at @wake_ns woke up.
 * The lag moves by an eighth of the difference, at most RING_LAG_STEP_NS
 * per sample: it follows the typical lateness (~20 us on a virtual
 * machine) while a preempted thread's rare millisecond moves it little.
 */
static void ring_learn_lag(struct io_ring *r, uint64_t wake_ns)
{
	uint64_t now = io_now_ns();
	int64_t diff = (int64_t)(now > wake_ns ? now - wake_ns : 0) -
		       (int64_t)r->wake_lag_ns;

	diff /= 8;
	if (diff > RING_LAG_STEP_NS)
		diff = RING_LAG_STEP_NS;
	if (diff < -RING_LAG_STEP_NS)
		diff = -RING_LAG_STEP_NS;
	r->wake_lag_ns = (uint64_t)((int64_t)r->wake_lag_ns + diff);
	if (r->wake_lag_ns > RING_MAX_LAG_NS)
		r->wake_lag_ns = RING_MAX_LAG_NS;
}

/* The result of a finished piece; the piece is then free. */
static void ring_piece_finish(struct io_ring *r, struct io_piece *p, int res)
{
	struct io_req *req = p->req;

	p->busy = false;
	req->busy--;
	if (res < 0 && !req->error)
		req->error = res;
	if (!req->busy)
		req->backing_end_ns = io_now_ns();
	if (!req->error && req->issued < req->len && !io_piece_issue(r, req))
		ring_stall(r, req);
	ring_try_complete(r, req);
}

void io_ring_piece_done(struct io_ring *r, struct io_piece *p, int res)
{
	const struct io_store *s = io_store_get(r->e, p->store);
	struct io_req *req = p->req;

	if (res == -EAGAIN || res == -EINTR)
		goto retry;
	if (req->op == SWAP_IO_DISCARD && s->blockdev && !p->fallback &&
	    (res == -EINVAL || res == -EOPNOTSUPP))
		res = io_piece_blkdiscard(r, p);
	if (res < 0 || req->op == SWAP_IO_DISCARD)
		goto finish;
	if (res == 0) {
		res = -EIO; /* the store ends inside the extent */
		goto finish;
	}
	if (!io_piece_advance(p, (uint64_t)res))
		goto retry;
finish:
	ring_piece_finish(r, p, res < 0 ? res : 0);
	return;
retry:
	if (!io_piece_resubmit(r, p))
		ring_stall(r, req);
}

static void ring_cqe(struct io_ring *r, const struct io_uring_cqe *cqe)
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);

	if (ud == LIBURING_UDATA_TIMEOUT)
		return;
	if (ud == RING_TAG_WAKE) {
		ring_arm_wake(r);
		return;
	}
	r->sqe_inflight--;
	if ((ud & RING_TAG_MASK) == RING_TAG_CMD) {
		struct swap_io_cmd *cmd =
			(void *)(uintptr_t)(ud & ~RING_TAG_MASK);

		r->cmd_inflight--;
		cmd->done(cmd, cqe->res);
		return;
	}
	io_ring_piece_done(r, (struct io_piece *)(uintptr_t)ud, cqe->res);
}

/*
 * Start what arrived in the inbox while the thread reaps.  A completion
 * wakes the thread that waited for it, and that thread often submits its
 * next request before the rest of the batch is reaped: waiting for the
 * next pass would hold its request back by the whole batch (some 10 us a
 * completion that wakes a task), and the batches that completed together
 * would be submitted together again.
 */
static void ring_start_arrivals(struct io_ring *r)
{
	ring_take_inbox(r);
	ring_run_stalled(r);
	ring_run_pending(r);
	if (io_uring_sq_ready(&r->ring))
		io_uring_submit(&r->ring);
}

static void ring_reap(struct io_ring *r)
{
	struct io_uring_cqe *cqes[REAP_BATCH];
	unsigned int n, seen;

	do {
		n = io_uring_peek_batch_cqe(&r->ring, cqes, REAP_BATCH);
		seen = 0;
		for (unsigned int i = 0; i < n; i++) {
			ring_cqe(r, cqes[i]);
			if (atomic_load_explicit(&r->inbox,
						 memory_order_relaxed)) {
				/* CQ space first: new SQEs count on it. */
				io_uring_cq_advance(&r->ring, i + 1 - seen);
				seen = i + 1;
				ring_start_arrivals(r);
			}
		}
		io_uring_cq_advance(&r->ring, n - seen);
	} while (n == REAP_BATCH);
}

/* Anything to do without sleeping? */
static bool ring_busy(struct io_ring *r)
{
	return (ring_room(r) && (r->pending || r->stalled)) ||
	       io_uring_cq_ready(&r->ring) || r->host_busy ||
	       atomic_load_explicit(&r->kicked, memory_order_relaxed);
}

static bool ring_idle(const struct io_ring *r)
{
	return !r->pending && !r->stalled && !r->heap_nr &&
	       r->sqe_inflight == r->cmd_inflight && !atomic_load(&r->inbox);
}

static inline void ring_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * News for the thread, seen without a system call: submissions in the
 * inbox, CQEs posted, or (DEFER_TASKRUN) completions the kernel holds
 * until the thread enters the ring, announced by IORING_SQ_TASKRUN.
 */
static bool ring_taskrun(struct io_ring *r)
{
	return r->taskrun_flag &&
	       (IO_URING_READ_ONCE(*r->ring.sq.kflags) & IORING_SQ_TASKRUN);
}

static bool ring_news(struct io_ring *r)
{
	return atomic_load_explicit(&r->inbox, memory_order_relaxed) ||
	       atomic_load_explicit(&r->kicked, memory_order_relaxed) ||
	       io_uring_cq_ready(&r->ring) || ring_taskrun(r);
}

/*
 * Until when to poll before sleeping; 0: do not.  The idle window
 * (adaptive, see ring_learn_poll()) catches submissions that follow
 * completions closely; a timer due within the learned wakeup lag is
 * polled for, as a sleep would overshoot it.  Neither while the CPU is
 * contended: a preempted poll loses more than the sleep it saves.  No idle
 * window right after completions on a ring without passthrough commands:
 * their callbacks woke the threads that will submit next (the paging
 * engine's tasks, SCHED_BATCH), and a polling ring thread keeps them off
 * its CPU.  A FUSE ring keeps it: its next requests come from the kernel,
 * not from threads the callbacks woke.
 */
static uint64_t ring_poll_until(const struct io_ring *r, uint64_t now,
				uint64_t next)
{
	uint64_t until = r->poll_ns ? now + r->poll_ns : 0;

	if (now < r->contended_until)
		return 0;
	if (r->woke && !r->cmd_inflight)
		until = 0;
	if (next != UINT64_MAX && next <= now + r->wake_lag_ns && next > until)
		until = next;
	return until;
}

/*
 * Spin until news, timer @next or @until, whichever comes first; true on
 * news or a due timer.  A gap between two clock readings means the thread
 * was preempted: it stops polling for RING_CONTENDED_NS.
 */
static bool ring_poll(struct io_ring *r, uint64_t next, uint64_t until)
{
	uint64_t now = io_now_ns(), prev = now;

	for (;;) {
		if (ring_news(r) || now >= next)
			return true;
		if (now >= until)
			return false;
		ring_cpu_relax();
		now = io_now_ns();
		if (now - prev > RING_PREEMPT_NS) {
			r->contended_until = now + RING_CONTENDED_NS;
			return ring_news(r) || now >= next;
		}
		prev = now;
	}
}

/*
 * Adapt the idle poll window to how long the thread waited for news
 * (@waited_ns, poll and sleep; UINT64_MAX when a timer ended the wait),
 * as KVM adapts halt polling: a wait that a longer poll would have caught
 * doubles the window, a long one halves it, a poll that caught the news
 * keeps it.  Idle rings and closed loops (no outside submitters) end up
 * not polling; a ring fed by threads that submit right after being woken
 * by a completion polls for them.
 */
static void ring_learn_poll(struct io_ring *r, uint64_t waited_ns)
{
	if (waited_ns <= r->poll_ns)
		return;
	if (waited_ns <= RING_POLL_MAX_NS) {
		r->poll_ns = r->poll_ns ? 2 * r->poll_ns : RING_POLL_START_NS;
		if (r->poll_ns > RING_POLL_MAX_NS)
			r->poll_ns = RING_POLL_MAX_NS;
	} else {
		r->poll_ns /= 2;
		if (r->poll_ns < RING_POLL_START_NS)
			r->poll_ns = 0;
	}
}

/*
 * Sleep until a CQE, a wakeup or timer @next (the learned lag before it
 * when the thread may poll the rest).  False when a timer ended it.
 */
static bool ring_sleep(struct io_ring *r, uint64_t next)
{
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	uint64_t now, wake;

	if (next == UINT64_MAX) {
		io_uring_submit_and_wait(&r->ring, 1);
		return true;
	}
	now = io_now_ns();
	wake = next;
	if (now >= r->contended_until)
		wake -= r->wake_lag_ns;
	if (wake <= now) {
		io_uring_submit_and_get_events(&r->ring);
		return false;
	}
	ts.tv_sec = (long long)((wake - now) / 1000000000ull);
	ts.tv_nsec = (long long)((wake - now) % 1000000000ull);
	if (io_uring_submit_and_wait_timeout(&r->ring, &cqe, 1, &ts, NULL) !=
	    -ETIME)
		return true;
	ring_learn_lag(r, wake);
	return false;
}

/*
 * Submit, then wait for news: poll a little first when that pays (see
 * ring_poll_until()), else sleep until a CQE, a wakeup or the next timer.
 * A timed sleep ends the learned lag early and the thread polls the rest,
 * so emulated completions are neither early nor, on average, late.
 * Submitters wake the thread (an eventfd write) only once it announced the
 * sleep; while it polls their requests cost them no system call.
 */
static void ring_enter(struct io_ring *r)
{
	uint64_t next = io_timer_next(r), start, until;
	bool news;

	if (ring_busy(r) || (r->stop && ring_idle(r))) {
		/* Between hosted steps, enter only with something to say
		 * or to hear. */
		if (!r->host_busy || !r->taskrun_flag ||
		    io_uring_sq_ready(&r->ring) || ring_taskrun(r))
			io_uring_submit_and_get_events(&r->ring);
		return;
	}
	start = io_now_ns();
	until = ring_poll_until(r, start, next);
	if (until) {
		if (io_uring_sq_ready(&r->ring))
			io_uring_submit(&r->ring);
		if (ring_poll(r, next, until)) {
			if (ring_taskrun(r))
				io_uring_get_events(&r->ring);
			return;
		}
	}
	atomic_store(&r->sleeping, true);
	news = true;
	if (atomic_load(&r->inbox) || atomic_load(&r->kicked))
		io_uring_submit_and_get_events(&r->ring);
	else
		news = ring_sleep(r, next);
	atomic_store(&r->sleeping, false);
	ring_learn_poll(r, news ? io_now_ns() - start : UINT64_MAX);
	r->woke = false;
}

/* ---- hosted work ---------------------------------------------------------- */

/*
 * One step of the hosted work.  The kick is cleared before the step looks
 * for work, so a kick after that look keeps the ring awake.
 */
static void ring_run_host(struct io_ring *r)
{
	if (!r->host.run)
		return;
	atomic_store(&r->kicked, false);
	r->host_busy = r->host.run(r->host.ctx);
}

static int ring_ctl_host(struct io_ring *r, void *arg)
{
	const struct swap_io_host *host = arg;

	if (host && r->host.run)
		return -EBUSY;
	r->host = host ? *host : (struct swap_io_host){0};
	r->host_busy = host != NULL; /* look for work before sleeping */
	return 0;
}

unsigned int swap_io_engine_rings(const struct swap_io_engine *e)
{
	return e->nr_rings;
}

int swap_io_ring_host(struct swap_io_engine *e, unsigned int ring,
		      const struct swap_io_host *host)
{
	if (host && !host->run)
		return -EINVAL;
	return io_ctl_one(e, ring, ring_ctl_host, (void *)host);
}

void swap_io_ring_kick(struct swap_io_engine *e, unsigned int ring)
{
	struct io_ring *r = &e->rings[ring];

	if (io_ring_current() == r)
		return; /* it runs its host again before it sleeps */
	atomic_store(&r->kicked, true);
	/* Pairs with the thread's sleeping store and kicked re-check. */
	if (atomic_load(&r->sleeping) && atomic_exchange(&r->sleeping, false))
		eventfd_write(r->efd, 1);
}

/* Create the ring in its own thread (SINGLE_ISSUER wants that). */
static int ring_setup(struct io_ring *r)
{
	const struct swap_io_config *cfg = &r->e->cfg;
	struct io_uring_params p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = cfg->ring_entries * RING_CQ_FACTOR;
	if (cfg->big_sqes)
		p.flags |= IORING_SETUP_SQE128;
	if (!cfg->no_defer_taskrun)
		p.flags |= IORING_SETUP_SINGLE_ISSUER |
			   IORING_SETUP_DEFER_TASKRUN |
			   IORING_SETUP_TASKRUN_FLAG;
	rc = io_uring_queue_init_params(cfg->ring_entries, &r->ring, &p);
	if (rc == -EINVAL && !cfg->no_defer_taskrun) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE |
			  (cfg->big_sqes ? IORING_SETUP_SQE128 : 0);
		p.cq_entries = cfg->ring_entries * RING_CQ_FACTOR;
		rc = io_uring_queue_init_params(cfg->ring_entries, &r->ring,
						&p);
	}
	if (rc)
		return rc;
	r->cq_entries = p.cq_entries;
	r->sqe_bytes = cfg->big_sqes ? 128 : sizeof(struct io_uring_sqe);
	r->taskrun_flag = p.flags & IORING_SETUP_TASKRUN_FLAG;
	r->fixed_files = !cfg->no_fixed_files &&
			 !io_uring_register_files_sparse(
				 &r->ring, 2 * SWAP_IO_MAX_STORES);
	r->fixed_bufs = !io_uring_register_buffers_sparse(&r->ring,
							  SWAP_IO_MAX_BUFFERS);
	io_uring_register_ring_fd(&r->ring);
	ring_arm_wake(r);
	io_uring_submit(&r->ring);
	return 0;
}

struct ring_boot {
	struct io_ring *r; /* the ring to run */
	sem_t ready;	   /* posted once setup_rc is known */
};

static void *ring_main(void *arg)
{
	struct ring_boot *boot = arg;
	struct io_ring *r = boot->r;
	char name[16];

	snprintf(name, sizeof(name), "swapemu-io%u", r->index);
	pthread_setname_np(pthread_self(), name);
	prctl(PR_SET_TIMERSLACK, 1UL); /* emulated delays are short */
	r->setup_rc = ring_setup(r);
	sem_post(&boot->ready);
	if (r->setup_rc)
		return NULL;
	tls_ring = r;
	while (!r->stop || !ring_idle(r)) {
		ring_take_inbox(r);
		ring_run_stalled(r);
		ring_run_pending(r);
		ring_run_timers(r);
		ring_run_host(r);
		ring_enter(r);
		ring_reap(r);
	}
	tls_ring = NULL;
	io_req_ring_drain(r);
	io_uring_queue_exit(&r->ring);
	return NULL;
}

int io_ring_start(struct io_ring *r)
{
	struct ring_boot boot = {.r = r};
	int rc;

	r->pending_tail = &r->pending;
	r->stalled_tail = &r->stalled;
	r->efd = eventfd(0, EFD_CLOEXEC);
	if (r->efd < 0)
		return -errno;
	sem_init(&boot.ready, 0, 0);
	rc = -pthread_create(&r->thread, NULL, ring_main, &boot);
	if (!rc) {
		sem_wait(&boot.ready);
		rc = r->setup_rc;
		if (rc)
			pthread_join(r->thread, NULL);
	}
	sem_destroy(&boot.ready);
	if (rc) {
		close(r->efd);
		r->efd = -1;
	}
	return rc;
}

static int ring_ctl_stop(struct io_ring *r, void *arg)
{
	r->stop = true;
	return 0;
}

void io_ring_stop(struct io_ring *r)
{
	struct io_req *req;

	if (r->efd < 0)
		return;
	/* The stop message is the last request: the thread drains first. */
	req = io_req_alloc(r->e);
	if (req) {
		req->ctl = ring_ctl_stop;
		req->done = NULL;
		io_ring_push(r, req, req);
	} else {
		r->stop = true; /* best effort: nothing else is queued */
		eventfd_write(r->efd, 1);
	}
	pthread_join(r->thread, NULL);
	free(r->heap);
	close(r->efd);
	r->efd = -1;
}

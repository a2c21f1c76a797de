/* SPDX-License-Identifier: MIT */
/*
 * Page frames and their descriptors.  See mm/page.h.
 */
#include "mm/page.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mm/lru.h"
#include "mm/mm_i.h"
#include "mm/page_io.h"
#include "mm/rmap.h"
#include "mm/vcpu.h"

struct page_pool {
	uint64_t nr_frames;	    /* frames in the pool */
	uint8_t *frames;	    /* nr_frames * PAGE_SIZE bytes */
	size_t frames_bytes;	    /* size of the frames mapping */
	struct page *pages;	    /* one descriptor per frame */
	pthread_mutex_t lock;	    /* guards free_list */
	struct page_list free_list; /* free frames, LIFO at the head */
	_Atomic uint64_t nr_free;   /* free_list.nr, readable without lock */
	struct page_watermarks wm;  /* set at creation or by the user */
	_Atomic uint64_t event_seq; /* numbers history events */
};

/* ---- page lists ----------------------------------------------------------- */

void page_list_init(struct page_list *l)
{
	l->head = l->tail = NULL;
	l->nr = 0;
}

void page_list_add(struct page_list *l, struct page *p)
{
	p->prev = NULL;
	p->next = l->head;
	if (l->head)
		l->head->prev = p;
	else
		l->tail = p;
	l->head = p;
	l->nr++;
}

void page_list_add_tail(struct page_list *l, struct page *p)
{
	p->next = NULL;
	p->prev = l->tail;
	if (l->tail)
		l->tail->next = p;
	else
		l->head = p;
	l->tail = p;
	l->nr++;
}

void page_list_del(struct page_list *l, struct page *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		l->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		l->tail = p->prev;
	p->prev = p->next = NULL;
	l->nr--;
}

struct page *page_list_pop_tail(struct page_list *l)
{
	struct page *p = l->tail;

	if (p)
		page_list_del(l, p);
	return p;
}

/* Move every page of @from to the head of @to, keeping their order. */
void page_list_splice(struct page_list *to, struct page_list *from)
{
	if (!from->head)
		return;
	from->tail->next = to->head;
	if (to->head)
		to->head->prev = from->tail;
	else
		to->tail = from->tail;
	to->head = from->head;
	to->nr += from->nr;
	page_list_init(from);
}

/* ---- pool --------------------------------------------------------------- */

static uint64_t wm_int_sqrt(uint64_t x)
{
	uint64_t r = 0, bit = UINT64_C(1) << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

void page_watermarks_default(uint64_t nr_frames, struct page_watermarks *wm)
{
	uint64_t kbytes = nr_frames * (PAGE_SIZE / 1024);
	uint64_t min_free_kbytes = wm_int_sqrt(kbytes * 16);
	uint64_t min, tmp;

	if (min_free_kbytes < 128)
		min_free_kbytes = 128;
	if (min_free_kbytes > 262144)
		min_free_kbytes = 262144;
	min = min_free_kbytes / (PAGE_SIZE / 1024);
	if (min > nr_frames / 16)
		min = nr_frames / 16;
	if (!min)
		min = 1;
	tmp = nr_frames * 10 / 10000;
	if (tmp < min / 4)
		tmp = min / 4;
	if (!tmp)
		tmp = 1;
	wm->min = min;
	wm->low = min + tmp;
	wm->high = min + 2 * tmp;
}

int page_pool_create(uint64_t nr_frames, struct page_pool **out)
{
	struct page_pool *pool;

	if (nr_frames < 16 || nr_frames > (UINT64_C(1) << 40))
		return -EINVAL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pool->pages = calloc(nr_frames, sizeof(*pool->pages));
	if (!pool->pages)
		goto out_free_pool;
	/* One more frame at the end: the zero page, read-only. */
	pool->frames_bytes = (nr_frames + 1) * PAGE_SIZE;
	pool->frames = mmap(NULL, pool->frames_bytes, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pool->frames == MAP_FAILED)
		goto out_free_pages;
	/* Huge pages where the kernel allows them: an access to a random
	 * frame then rarely misses the TLB, as hits to memory of a real
	 * machine (its direct map) do not. */
	madvise(pool->frames, pool->frames_bytes, MADV_HUGEPAGE);
	mprotect(pool->frames + nr_frames * PAGE_SIZE, PAGE_SIZE, PROT_READ);
	pool->nr_frames = nr_frames;
	pthread_mutex_init(&pool->lock, NULL);
	page_list_init(&pool->free_list);
	for (uint64_t pfn = nr_frames; pfn-- > 0;)
		page_list_add(&pool->free_list, &pool->pages[pfn]);
	atomic_store(&pool->nr_free, nr_frames);
	page_watermarks_default(nr_frames, &pool->wm);
	*out = pool;
	return 0;

out_free_pages:
	free(pool->pages);
out_free_pool:
	free(pool);
	return -ENOMEM;
}

void page_pool_destroy(struct page_pool *pool)
{
	if (!pool)
		return;
	munmap(pool->frames, pool->frames_bytes);
	pthread_mutex_destroy(&pool->lock);
	free(pool->pages);
	free(pool);
}

uint64_t page_pool_nr_frames(const struct page_pool *pool)
{
	return pool->nr_frames;
}

uint64_t page_pool_zero_pfn(const struct page_pool *pool)
{
	return pool->nr_frames;
}

uint64_t page_pool_nr_free(const struct page_pool *pool)
{
	return atomic_load_explicit(&pool->nr_free, memory_order_relaxed);
}

int page_pool_set_watermarks(struct page_pool *pool,
			     const struct page_watermarks *wm)
{
	if (!(wm->min < wm->low && wm->low < wm->high &&
	      wm->high < pool->nr_frames))
		return -EINVAL;
	pool->wm = *wm;
	return 0;
}

void page_pool_watermarks(const struct page_pool *pool,
			  struct page_watermarks *wm)
{
	*wm = pool->wm;
}

bool page_pool_watermark_ok(const struct page_pool *pool, uint64_t mark)
{
	return page_pool_nr_free(pool) > mark;
}

struct page *page_pool_alloc(struct page_pool *pool, uint64_t reserve)
{
	struct page *page = NULL;

	pthread_mutex_lock(&pool->lock);
	if (pool->free_list.nr > reserve) {
		page = pool->free_list.head;
		page_list_del(&pool->free_list, page);
		atomic_store_explicit(&pool->nr_free, pool->free_list.nr,
				      memory_order_relaxed);
	}
	pthread_mutex_unlock(&pool->lock);
	if (!page)
		return NULL;
	atomic_store_explicit(&page->flags, 0, memory_order_relaxed);
	atomic_store_explicit(&page->refcount, 1, memory_order_relaxed);
	atomic_store_explicit(&page->mapcount, 0, memory_order_relaxed);
	atomic_store_explicit(&page->private, 0, memory_order_relaxed);
	atomic_store_explicit(&page->mapping, NULL, memory_order_relaxed);
	page->index = 0;
	page_history_add(pool, page, PE_ALLOC, 0);
	return page;
}

void page_pool_free(struct page_pool *pool, struct page *page)
{
	assert(atomic_load(&page->refcount) == 0);
	page_history_add(pool, page, PE_FREE, 0);
	atomic_store_explicit(&page->flags, 0, memory_order_relaxed);
	pthread_mutex_lock(&pool->lock);
	page_list_add(&pool->free_list, page);
	atomic_store_explicit(&pool->nr_free, pool->free_list.nr,
			      memory_order_relaxed);
	pthread_mutex_unlock(&pool->lock);
}

uint64_t page_to_pfn(const struct page_pool *pool, const struct page *page)
{
	return (uint64_t)(page - pool->pages);
}

struct page *pfn_to_page(struct page_pool *pool, uint64_t pfn)
{
	return pfn < pool->nr_frames ? &pool->pages[pfn] : NULL;
}

void *pfn_address(const struct page_pool *pool, uint64_t pfn)
{
	return pool->frames + (pfn << PAGE_SHIFT);
}

void *page_address(const struct page_pool *pool, const struct page *page)
{
	return pfn_address(pool, page_to_pfn(pool, page));
}

/* ---- flags and counts ------------------------------------------------------ */

bool page_test_flag(const struct page *page, enum pageflags flag)
{
	return PageFlag(page, flag);
}

void page_set_flag(struct page *page, enum pageflags flag)
{
	atomic_fetch_or(&page->flags, 1u << flag);
}

void page_clear_flag(struct page *page, enum pageflags flag)
{
	atomic_fetch_and(&page->flags, ~(1u << flag));
}

bool page_test_set_flag(struct page *page, enum pageflags flag)
{
	return atomic_fetch_or(&page->flags, 1u << flag) & (1u << flag);
}

bool page_test_clear_flag(struct page *page, enum pageflags flag)
{
	return atomic_fetch_and(&page->flags, ~(1u << flag)) & (1u << flag);
}

int page_count(const struct page *page)
{
	return atomic_load(&page->refcount);
}

int page_mapcount(const struct page *page)
{
	return atomic_load(&page->mapcount);
}

bool page_mapped(const struct page *page)
{
	return page_mapcount(page) > 0;
}

swp_entry_t page_swap_entry(const struct page *page)
{
	swp_entry_t e = {0};

	if (PageFlag(page, PG_swapcache))
		e.val = atomic_load(&page->private);
	return e;
}

void page_get(struct page *page)
{
	int old = atomic_fetch_add(&page->refcount, 1);

	assert(old > 0);
	(void)old;
}

bool page_try_get(struct page *page)
{
	int old = atomic_load(&page->refcount);

	while (old > 0) {
		if (atomic_compare_exchange_weak(&page->refcount, &old,
						 old + 1))
			return true;
	}
	return false;
}

bool page_put_testzero(struct page *page)
{
	int old = atomic_fetch_sub(&page->refcount, 1);

	assert(old > 0);
	return old == 1;
}

void page_release(struct pgdat *pgdat, struct page *page)
{
	if (PageFlag(page, PG_lru))
		lru_del_page(pgdat, page);
	assert(!PageFlag(page, PG_swapcache));
	assert(!PageFlag(page, PG_locked));
	assert(!page_mapped(page));
	if (atomic_load_explicit(&page->mapping, memory_order_relaxed)) {
		anon_vma_put(page->mapping);
		atomic_store_explicit(&page->mapping, NULL,
				      memory_order_relaxed);
	}
	atomic_fetch_sub(&pgdat->nr_anon, 1);
	vmstat_inc(&pgdat->stat, PGFREE);
	page_pool_free(pgdat->pool, page);
}

void put_page(struct pgdat *pgdat, struct page *page)
{
	if (page_put_testzero(page))
		page_release(pgdat, page);
}

/* ---- sleeping on flags ------------------------------------------------------ */

/*
 * Sleepers on a page flag sleep on a futex on the flags word itself (the
 * kernel hashes its waitqueues by page; the futex hash does that here).
 * A sleeper sets PG_waiters and sleeps while the word still holds the
 * value it saw; whoever clears a flag and finds PG_waiters wakes every
 * sleeper of the page, who re-check their own flag.  So an IO completion
 * that unlocks a page costs one atomic and, only with sleepers, one
 * FUTEX_WAKE: no mutex for the waker or the woken task to fight over.
 *
 * A task of the emulated CPUs (mm/vcpu.h) must not sleep its thread,
 * which runs other tasks: it queues itself in a hashed waitqueue, sets
 * PG_task_waiters, and gives its CPU away; the flag's clearer wakes the
 * tasks queued for the page.
 */
static void page_futex_wait(_Atomic uint32_t *word, uint32_t val)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void page_futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

#define PAGE_WAITQ_BITS 8

static struct page_waitq {
	pthread_mutex_t lock;
	struct vtask_waiter *head; /* keyed by page */
} page_waitqs[1u << PAGE_WAITQ_BITS] = {
	[0 ...(1u << PAGE_WAITQ_BITS) - 1] = {PTHREAD_MUTEX_INITIALIZER, NULL},
};

static struct page_waitq *page_waitq(const struct page *page)
{
	uint64_t h = (uint64_t)(uintptr_t)page * UINT64_C(0x9E3779B97F4A7C15);

	return &page_waitqs[h >> (64 - PAGE_WAITQ_BITS)];
}

/* A task's wait for @flag to clear: false if it was already clear. */
static bool page_task_wait(struct page *page, enum pageflags flag,
			   struct vtask *task)
{
	struct page_waitq *q = page_waitq(page);
	struct vtask_waiter w = {.key = page, .task = task};
	uint32_t old;

	pthread_mutex_lock(&q->lock);
	old = atomic_fetch_or(&page->flags, 1u << PG_task_waiters);
	if (!(old & (1u << flag))) {
		pthread_mutex_unlock(&q->lock);
		return false;
	}
	w.next = q->head;
	q->head = &w;
	pthread_mutex_unlock(&q->lock);
	vtask_block(); /* the clearer took us off the queue */
	return true;
}

static void page_task_wake(struct page *page)
{
	struct page_waitq *q = page_waitq(page);
	struct vtask_waiter **pp, *w, *woken = NULL;

	pthread_mutex_lock(&q->lock);
	for (pp = &q->head; (w = *pp);) {
		if (w->key != page) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		w->next = woken;
		woken = w;
	}
	pthread_mutex_unlock(&q->lock);
	vtask_wake_list(woken);
}

/* Sleep until @flag is clear. */
static void page_wait_bit(struct page *page, enum pageflags flag)
{
	struct vtask *task = vtask_current();

	for (;;) {
		uint32_t old;

		if (task) {
			if (!page_task_wait(page, flag, task))
				return;
			continue;
		}
		old = atomic_fetch_or(&page->flags, 1u << PG_waiters);
		if (!(old & (1u << flag)))
			return;
		page_io_flush_plug(); /* the IO it waits for may be in it */
		page_futex_wait(&page->flags, old | (1u << PG_waiters));
	}
}

static void page_clear_bit_wake(struct page *page, enum pageflags flag)
{
	uint32_t clear =
		(1u << flag) | (1u << PG_waiters) | (1u << PG_task_waiters);
	uint32_t old = atomic_fetch_and(&page->flags, ~clear);

	if (old & (1u << PG_waiters))
		page_futex_wake(&page->flags);
	if (old & (1u << PG_task_waiters))
		page_task_wake(page);
}

bool page_trylock(struct page *page)
{
	return !page_test_set_flag(page, PG_locked);
}

void page_lock(struct page *page)
{
	while (!page_trylock(page))
		page_wait_bit(page, PG_locked);
}

void page_unlock(struct page *page)
{
	assert(PageFlag(page, PG_locked));
	page_clear_bit_wake(page, PG_locked);
}

void page_wait_locked(struct page *page)
{
	page_wait_bit(page, PG_locked);
}

void page_wait_writeback(struct page *page)
{
	page_wait_bit(page, PG_writeback);
}

void page_end_writeback(struct page *page)
{
	page_clear_bit_wake(page, PG_writeback);
}

/* ---- checksum ----------------------------------------------------------- */

#define CSUM_K1 UINT64_C(0x9E3779B185EBCA87)
#define CSUM_K2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define CSUM_K3 UINT64_C(0x165667B19E3779F9)
#define CSUM_K4 UINT64_C(0x85EBCA77C2B2AE63)

static inline uint64_t rotl64(uint64_t x, unsigned int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t csum_round(uint64_t acc, uint64_t word)
{
	acc += word * CSUM_K2;
	return rotl64(acc, 31) * CSUM_K1;
}

static inline uint64_t csum_merge(uint64_t h, uint64_t lane)
{
	h ^= csum_round(0, lane);
	return h * CSUM_K1 + CSUM_K4;
}

uint64_t page_csum(const void *data)
{
	const uint8_t *p = data;
	uint64_t v[4] = {CSUM_K1 + CSUM_K2, CSUM_K2, 0, -CSUM_K1};
	uint64_t w[4], h;

	for (unsigned int off = 0; off < PAGE_SIZE; off += 32) {
		memcpy(w, p + off, sizeof(w));
		v[0] = csum_round(v[0], w[0]);
		v[1] = csum_round(v[1], w[1]);
		v[2] = csum_round(v[2], w[2]);
		v[3] = csum_round(v[3], w[3]);
	}
	h = rotl64(v[0], 1) + rotl64(v[1], 7) + rotl64(v[2], 12) +
	    rotl64(v[3], 18);
	for (int i = 0; i < 4; i++)
		h = csum_merge(h, v[i]);
	h += PAGE_SIZE;
	h ^= h >> 33;
	h *= CSUM_K2;
	h ^= h >> 29;
	h *= CSUM_K3;
	h ^= h >> 32;
	return h ? h : 1;
}

uint64_t page_csum_update(const struct page_pool *pool, struct page *page)
{
	uint64_t c = page_csum(page_address(pool, page));

	atomic_store_explicit(&page->csum, c, memory_order_relaxed);
	return c;
}

uint64_t page_csum_stored(const struct page *page)
{
	return atomic_load_explicit(&page->csum, memory_order_relaxed);
}

/* ---- history ---------------------------------------------------------- */

static const char *const page_event_names[] = {
	[PE_NONE] = "none",
	[PE_ALLOC] = "alloc",
	[PE_FREE] = "free",
	[PE_ANON] = "anon-fault",
	[PE_COW] = "cow-copy",
	[PE_SWAPOUT] = "swapout-submit",
	[PE_WRITTEN] = "swapout-done",
	[PE_SWAPIN] = "swapin-submit",
	[PE_READ] = "swapin-done",
	[PE_VERIFY_BAD] = "verify-failed",
	[PE_DROP] = "clean-drop",
	[PE_MAP] = "map-from-cache",
};

const char *page_event_name(enum page_event ev)
{
	if ((unsigned int)ev >= sizeof(page_event_names) / sizeof(char *))
		return "?";
	return page_event_names[ev];
}

void page_history_add(struct page_pool *pool, struct page *page,
		      enum page_event ev, uint64_t arg)
{
	uint32_t i = atomic_fetch_add_explicit(&page->hist_head, 1,
					       memory_order_relaxed);
	uint64_t seq = atomic_fetch_add_explicit(&pool->event_seq, 1,
						 memory_order_relaxed) +
		       1;

	i %= PAGE_HISTORY_LEN;
	atomic_store_explicit(&page->hist[i].arg, arg, memory_order_relaxed);
	atomic_store_explicit(&page->hist[i].seq_ev, seq << 8 | (uint8_t)ev,
			      memory_order_release);
}

unsigned int page_history(const struct page *page, struct page_event_rec *out)
{
	uint32_t head = atomic_load(&page->hist_head);
	unsigned int n = head < PAGE_HISTORY_LEN ? head : PAGE_HISTORY_LEN;

	for (unsigned int k = 0; k < n; k++) {
		uint32_t i = (head - n + k) % PAGE_HISTORY_LEN;

		uint64_t seq_ev = atomic_load(&page->hist[i].seq_ev);

		out[k].seq = seq_ev >> 8;
		out[k].event = (uint32_t)(seq_ev & 0xff);
		out[k].arg = atomic_load(&page->hist[i].arg);
	}
	return n;
}

void page_dump(const struct page_pool *pool, const struct page *page, FILE *f)
{
	struct page_event_rec rec[PAGE_HISTORY_LEN];
	unsigned int n = page_history(page, rec);

	fprintf(f,
		"page pfn %" PRIu64 " flags %#x count %d mapcount %d "
		"private %#" PRIx64 " index %#" PRIx64 " csum %016" PRIx64 "\n",
		page_to_pfn(pool, page), atomic_load(&page->flags),
		page_count(page), page_mapcount(page),
		(uint64_t)atomic_load(&page->private), page->index,
		page_csum_stored(page));
	for (unsigned int k = 0; k < n; k++) {
		if (rec[k].event == PE_WRITTEN || rec[k].event == PE_READ)
			fprintf(f, "  #%" PRIu64 " %-15s result %" PRId64 "\n",
				rec[k].seq, page_event_name(rec[k].event),
				(int64_t)rec[k].arg);
		else
			fprintf(f, "  #%" PRIu64 " %-15s arg %#" PRIx64 "\n",
				rec[k].seq, page_event_name(rec[k].event),
				rec[k].arg);
	}
}

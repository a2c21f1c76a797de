/* SPDX-License-Identifier: MIT */
/*
 * The anon LRU lists.  See mm/lru.h.
 */
#include "mm/lru.h"

#include "mm/mm_i.h"

static enum lru_list page_lru(const struct page *page)
{
	return PageFlag(page, PG_active) ? LRU_ACTIVE_ANON : LRU_INACTIVE_ANON;
}

/* Both with the lru lock held. */
static void add_page_to_lru_list_locked(struct lruvec *lv, struct page *page)
{
	mutex_assert_held(&lv->lock);
	page_set_flag(page, PG_lru);
	page_list_add(&lv->lists[page_lru(page)], page);
}

static void del_page_from_lru_list_locked(struct lruvec *lv, struct page *page)
{
	mutex_assert_held(&lv->lock);
	page_list_del(&lv->lists[page_lru(page)], page);
	page_clear_flag(page, PG_lru);
}

void lru_add(struct pgdat *pgdat, struct page *page)
{
	struct lruvec *lv = &pgdat->lruvec;

	assert(!PageFlag(page, PG_lru));
	pthread_mutex_lock(&lv->lock);
	add_page_to_lru_list_locked(lv, page);
	pthread_mutex_unlock(&lv->lock);
}

void lru_del_page(struct pgdat *pgdat, struct page *page)
{
	struct lruvec *lv = &pgdat->lruvec;

	pthread_mutex_lock(&lv->lock);
	if (PageFlag(page, PG_lru))
		del_page_from_lru_list_locked(lv, page);
	pthread_mutex_unlock(&lv->lock);
}

void lru_activate(struct pgdat *pgdat, struct page *page)
{
	struct lruvec *lv = &pgdat->lruvec;

	pthread_mutex_lock(&lv->lock);
	if (PageFlag(page, PG_lru) && !PageFlag(page, PG_active)) {
		del_page_from_lru_list_locked(lv, page);
		page_set_flag(page, PG_active);
		add_page_to_lru_list_locked(lv, page);
		atomic_fetch_add(&lv->nonresident_age, 1);
		vmstat_inc(&pgdat->stat, PGACTIVATE);
	}
	pthread_mutex_unlock(&lv->lock);
}

void lru_mark_accessed(struct pgdat *pgdat, struct page *page)
{
	if (!PageFlag(page, PG_referenced)) {
		page_set_flag(page, PG_referenced);
		return;
	}
	if (PageFlag(page, PG_active))
		return;
	if (PageFlag(page, PG_lru)) {
		lru_activate(pgdat, page);
	} else {
		/* Isolated or not yet added: activated when put back. */
		page_set_flag(page, PG_active);
	}
	page_clear_flag(page, PG_referenced);
}

void lru_rotate(struct pgdat *pgdat, struct page *page)
{
	struct lruvec *lv = &pgdat->lruvec;

	pthread_mutex_lock(&lv->lock);
	if (PageFlag(page, PG_lru) && !PageFlag(page, PG_active)) {
		page_list_del(&lv->lists[LRU_INACTIVE_ANON], page);
		page_list_add_tail(&lv->lists[LRU_INACTIVE_ANON], page);
		vmstat_inc(&pgdat->stat, PGROTATED);
	}
	pthread_mutex_unlock(&lv->lock);
}

uint64_t lru_size(struct pgdat *pgdat, enum lru_list lru)
{
	struct lruvec *lv = &pgdat->lruvec;
	uint64_t nr;

	pthread_mutex_lock(&lv->lock);
	nr = lv->lists[lru].nr;
	pthread_mutex_unlock(&lv->lock);
	return nr;
}

static uint64_t lru_int_sqrt(uint64_t x)
{
	uint64_t r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

uint64_t lru_inactive_ratio(uint64_t total_pages)
{
	uint64_t gb = total_pages >> (30 - PAGE_SHIFT);

	return gb ? lru_int_sqrt(10 * gb) : 1;
}

bool lru_inactive_is_low(struct pgdat *pgdat)
{
	struct lruvec *lv = &pgdat->lruvec;
	uint64_t inactive, active;

	pthread_mutex_lock(&lv->lock);
	inactive = lv->lists[LRU_INACTIVE_ANON].nr;
	active = lv->lists[LRU_ACTIVE_ANON].nr;
	pthread_mutex_unlock(&lv->lock);
	return inactive * lru_inactive_ratio(inactive + active) < active;
}

uint64_t lru_isolate(struct pgdat *pgdat, enum lru_list lru,
		     uint64_t nr_to_scan, struct page_list *dst,
		     uint64_t *nr_scanned)
{
	struct lruvec *lv = &pgdat->lruvec;
	struct page_list *src = &lv->lists[lru];
	uint64_t scanned = 0, taken = 0;

	pthread_mutex_lock(&lv->lock);
	while (scanned < nr_to_scan && src->nr) {
		struct page *page = page_list_pop_tail(src);

		/* The list is cold: fetch the page after next (whose link
		 * the next pop writes) while this one is worked on. */
		if (src->tail && src->tail->prev)
			__builtin_prefetch(src->tail->prev, 1);
		scanned++;
		if (!page_try_get(page)) {
			/* Being freed: leave it where its freer finds it. */
			page_list_add(src, page);
			continue;
		}
		page_clear_flag(page, PG_lru);
		page_list_add(dst, page);
		taken++;
	}
	pthread_mutex_unlock(&lv->lock);
	*nr_scanned = scanned;
	return taken;
}

bool lru_isolate_inactive(struct pgdat *pgdat, struct page *page)
{
	struct lruvec *lv = &pgdat->lruvec;
	bool done = false;

	pthread_mutex_lock(&lv->lock);
	if (PageFlag(page, PG_lru) && !PageFlag(page, PG_active)) {
		del_page_from_lru_list_locked(lv, page);
		done = true;
	}
	pthread_mutex_unlock(&lv->lock);
	return done;
}

void lru_putback(struct pgdat *pgdat, struct page_list *list)
{
	struct lruvec *lv = &pgdat->lruvec;
	struct page_list to_free;
	struct page *page;

	page_list_init(&to_free);
	pthread_mutex_lock(&lv->lock);
	while ((page = page_list_pop_tail(list))) {
		add_page_to_lru_list_locked(lv, page);
		if (page_put_testzero(page)) {
			del_page_from_lru_list_locked(lv, page);
			page_list_add(&to_free, page);
		}
	}
	pthread_mutex_unlock(&lv->lock);
	while ((page = page_list_pop_tail(&to_free)))
		page_release(pgdat, page);
}

unsigned int lru_walk(struct pgdat *pgdat, enum lru_list lru, struct page **out,
		      unsigned int n)
{
	struct lruvec *lv = &pgdat->lruvec;
	unsigned int i = 0;

	pthread_mutex_lock(&lv->lock);
	for (struct page *p = lv->lists[lru].head; p && i < n; p = p->next)
		out[i++] = p;
	pthread_mutex_unlock(&lv->lock);
	return i;
}

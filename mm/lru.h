/* SPDX-License-Identifier: MIT */
/*
 * The anon LRU lists of a node, as the kernel's lruvec: an inactive and an
 * active list, newest pages at the head, reclaim scanning from the tail.
 * A page on a list has PG_lru (and PG_active on the active list); reclaim
 * isolates pages (taking a reference and clearing PG_lru) onto a private
 * list and puts back what it does not free.
 *
 * All functions take the node's lru_lock themselves.
 */
#ifndef SWAPEMU_MM_LRU_H
#define SWAPEMU_MM_LRU_H

#include <stdbool.h>
#include <stdint.h>

struct page;
struct page_list;
struct pgdat;

enum lru_list {
	LRU_INACTIVE_ANON, /* candidates for reclaim */
	LRU_ACTIVE_ANON,   /* the working set */
	NR_LRU_LISTS
};

/* Put a page that is on no list on the list its PG_active says. */
void lru_add(struct pgdat *pgdat, struct page *page);
/* Take a page off its list if it is on one. */
void lru_del_page(struct pgdat *pgdat, struct page *page);

/*
 * mark_page_accessed: the first use sets PG_referenced; a second use of a
 * referenced inactive page moves it to the active list (pgactivate).
 */
void lru_mark_accessed(struct pgdat *pgdat, struct page *page);
/* activate_page: move an inactive page on the LRU to the active list. */
void lru_activate(struct pgdat *pgdat, struct page *page);
/* rotate_reclaimable_page: move an inactive page to the tail, so that
 * the next scan finds it first (pgrotated). */
void lru_rotate(struct pgdat *pgdat, struct page *page);

uint64_t lru_size(struct pgdat *pgdat, enum lru_list lru);

/*
 * The kernel's inactive ratio for @total_pages of anon LRU:
 * int_sqrt(10 * GB), or 1 under 1 GB.
 */
uint64_t lru_inactive_ratio(uint64_t total_pages);
/* inactive_is_low: inactive * ratio < active. */
bool lru_inactive_is_low(struct pgdat *pgdat);

/*
 * isolate_lru_pages: scan up to @nr_to_scan pages from the tail of @lru,
 * moving each one that is not being freed to @dst with a reference held
 * and PG_lru clear.  *@nr_scanned counts pages looked at.  Returns the
 * number isolated.
 */
uint64_t lru_isolate(struct pgdat *pgdat, enum lru_list lru,
		     uint64_t nr_to_scan, struct page_list *dst,
		     uint64_t *nr_scanned);
/* Take @page off the inactive list if it is there (PG_lru cleared; the
 * caller's own reference stands for the isolation's).  True if done. */
bool lru_isolate_inactive(struct pgdat *pgdat, struct page *page);
/* Put isolated pages back (on the list their PG_active says) and drop
 * the isolation references; pages whose last reference that was are
 * freed. */
void lru_putback(struct pgdat *pgdat, struct page_list *list);

/* Copy up to @n pages of @lru, head (newest) first; returns how many. */
unsigned int lru_walk(struct pgdat *pgdat, enum lru_list lru, struct page **out,
		      unsigned int n);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The swap table: the set of active areas, as the kernel's swap_info[] and
 * swap_avail list.  At most MAX_SWAPFILES areas, each with a type (its index,
 * the high bits of its swap entries) and a priority.
 *
 * Priorities follow swapon(2): explicit ones are 0..32767; an area swapped
 * on without one gets -2, -3, ... in order, and swapoff of such an area
 * raises every lower automatic priority by one.  Allocation tries areas
 * from the highest priority down, rotating round-robin among areas of equal
 * priority, and falls through to lower priorities when an area is full.
 *
 * The table does not own its areas: swapon borrows one and swapoff gives it
 * back.  Every function is safe to call from several threads at once.
 */
#ifndef SWAPEMU_SWAP_TABLE_H
#define SWAPEMU_SWAP_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "swap/area.h"
#include "swap/entry.h"

#define SWAP_PRIO_AUTO (-1) /* swapon without a priority */
#define SWAP_PRIO_MAX 32767

struct swap_table;

/* One area as seen through the table (a snapshot). */
struct swap_table_info {
	unsigned int type;     /* index, the type of its entries */
	int prio;              /* current priority */
	bool auto_prio;        /* priority was assigned, not given */
	struct swap_area *area;
};

/*
 * Bring every slot of an area back (the kernel's try_to_unuse), called by
 * swapoff after the area stopped taking allocations.  Returns 0 or -errno
 * to cancel the swapoff.
 */
typedef int (*swap_unuse_fn)(void *ctx, unsigned int type,
			     struct swap_area *area);

int swap_table_create(struct swap_table **out);
/* Destroy an empty table; areas still on are left to their owners. */
void swap_table_destroy(struct swap_table *t);

/*
 * Add @area with priority @prio (0..SWAP_PRIO_MAX or SWAP_PRIO_AUTO) and
 * return its type.  Returns 0, -EINVAL for a bad priority, -EBUSY if the
 * area is already on, -EPERM when all MAX_SWAPFILES types are taken.
 */
int swap_table_swapon(struct swap_table *t, struct swap_area *area, int prio,
		      unsigned int *type);

/*
 * Remove area @type: it stops taking new allocations, @unuse (if not NULL)
 * brings its slots back, and if the area is then empty of references it is
 * removed and automatic priorities are renumbered.  Returns 0, -EINVAL for
 * an unknown type, -EBUSY if slots are still in use (the area stays on with
 * its priority), or the error @unuse returned.
 */
int swap_table_swapoff(struct swap_table *t, unsigned int type,
		       swap_unuse_fn unuse, void *ctx);

/*
 * get_swap_pages: allocate 1 << @order slots with @usage (see
 * swap_area_alloc) from the best area that has room.  Returns 0 with
 * *@entry set, or -ENOSPC when no area can serve it.
 */
int swap_table_alloc(struct swap_table *t, unsigned int order,
		     unsigned char usage, swp_entry_t *entry);

/* The area of a type, or NULL when none is on. */
struct swap_area *swap_table_area(struct swap_table *t, unsigned int type);

/* Entry operations routed to the entry's area; -EINVAL for a bad type,
 * otherwise as the swap_area_* functions. */
int swap_table_dup(struct swap_table *t, swp_entry_t entry);
int swap_table_free(struct swap_table *t, swp_entry_t entry);
int swap_table_cache_get(struct swap_table *t, swp_entry_t entry);
int swap_table_cache_put(struct swap_table *t, swp_entry_t entry);

/*
 * Snapshot of the active areas in allocation order (highest priority
 * first).  Fills at most @n and returns how many areas are on.
 */
size_t swap_table_list(struct swap_table *t, struct swap_table_info *out,
		       size_t n);

/* Priority of area @type; -EINVAL (as a priority cannot be) if none. */
int swap_table_prio(struct swap_table *t, unsigned int type, int *prio);

#endif

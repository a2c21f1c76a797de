/* SPDX-License-Identifier: MIT */
/*
 * The swap table: swap_info[] and the swap_avail list of mm/swapfile.c.
 *
 * The kernel keeps the areas that take allocations on a priority list and
 * rotates an area behind its equal-priority peers each time it is used
 * (plist_requeue), so equal priorities share the load round-robin.  Here
 * the areas that take allocations are kept as groups of equal priority,
 * highest first; each group is a ring with an atomic head (the rotor).  An
 * allocation claims the head with one atomic add and, when it had to skip
 * full areas, moves the head past the area that served it.  Single-threaded
 * this is exactly the kernel's order: every area tried went behind its
 * peers.  With several threads it stays fair without anyone taking the
 * table lock for writing: allocations only read the table.
 *
 * Unlike the kernel, an area that is full stays in its group (the table
 * does not see the frees that give it room again); the allocator tells
 * quickly that it is full, and the allocation moves on.
 *
 * swapoff takes the area off the groups and stops its allocations, then
 * calls the user's unuse callback with no table lock held, so allocations
 * from other areas and entry operations on the draining area (the callback
 * frees its slots through them) go on meanwhile.  The type stays reserved
 * and the area keeps its priority until it is removed.  If the area is not
 * empty afterwards it goes back to the tail of its group with its
 * priority.  (The kernel renumbers before try_to_unuse and, on failure,
 * gives an automatic-priority area a new lowest priority; this table
 * renumbers only on removal, so that a failed swapoff changes nothing.)
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "swap/table.h"

#ifdef NDEBUG
#define table_assert(x) ((void)0)
#else
#include <assert.h>
#define table_assert(x) assert(x)
#endif

/* One type of the table, as a swap_info[] entry. */
struct table_slot {
	struct swap_area *area; /* borrowed from the caller; NULL: type free */
	int prio;		/* current priority */
	bool auto_prio;		/* prio was assigned by the table */
	bool draining;		/* swapoff running: in no group, type kept */
};

/*
 * The areas of one priority that take allocations, as a ring: the next
 * allocation tries type[rotor % nr] first, then the ones after it.
 */
struct prio_group {
	int prio;			  /* of every member */
	unsigned int nr;		  /* members, > 0 */
	unsigned int type[MAX_SWAPFILES]; /* members, in ring order */
	unsigned long rotor;		  /* ring head, __atomic access only */
};

struct swap_table {
	/*
	 * lock guards every field below.  The rotors are also moved, by
	 * atomic operations, by allocations holding it for reading.
	 *
	 * Read-held around every call into an area, so that once swapoff
	 * holds it for writing no thread is inside an area it removes.
	 * Never held across the unuse callback.  Lock order: table lock,
	 * then the area's locks; callbacks an area operation runs (discard)
	 * must not call back into the table.  Writers are preferred, so a
	 * stream of allocations cannot starve swapon and swapoff, and for
	 * the same reason the lock is never taken twice by one thread.
	 */
	pthread_rwlock_t lock;
	struct table_slot slot[MAX_SWAPFILES];	/* by type */
	struct prio_group group[MAX_SWAPFILES]; /* by priority, highest first */
	unsigned int nr_groups;			/* groups in use */
	unsigned int nr_on;			/* types in use, draining too */
	int least_priority;			/* last automatic priority */
#ifndef NDEBUG
	bool write_held; /* debug: write lock taken */
#endif
};

/* Debug check for a *_locked function: the table lock is held. */
static void table_assert_held(struct swap_table *t)
{
	table_assert(pthread_rwlock_trywrlock(&t->lock) != 0);
}

/* Debug check: the table lock is held for writing. */
static void table_assert_writer(struct swap_table *t)
{
#ifndef NDEBUG
	table_assert(t->write_held);
#endif
}

static void table_read_lock(struct swap_table *t)
{
	pthread_rwlock_rdlock(&t->lock);
}

static void table_read_unlock(struct swap_table *t)
{
	pthread_rwlock_unlock(&t->lock);
}

static void table_write_lock(struct swap_table *t)
{
	pthread_rwlock_wrlock(&t->lock);
#ifndef NDEBUG
	t->write_held = true;
#endif
}

static void table_write_unlock(struct swap_table *t)
{
#ifndef NDEBUG
	t->write_held = false;
#endif
	pthread_rwlock_unlock(&t->lock);
}

int swap_table_create(struct swap_table **out)
{
	pthread_rwlockattr_t attr;
	struct swap_table *t;
	int rc;

	if (!out)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = -pthread_rwlock_init(&t->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (rc) {
		free(t);
		return rc;
	}
	t->least_priority = -1;
	*out = t;
	return 0;
}

void swap_table_destroy(struct swap_table *t)
{
	if (!t)
		return;
	pthread_rwlock_destroy(&t->lock);
	free(t);
}

/* ---- priority groups: the areas that take allocations ---- */

/*
 * Index of the group of priority @prio, or where it would go (with
 * *@found false).  Caller holds t->lock.
 */
static unsigned int group_find_locked(struct swap_table *t, int prio,
				      bool *found)
{
	unsigned int i = 0;

	table_assert_held(t);
	while (i < t->nr_groups && t->group[i].prio > prio)
		i++;
	*found = i < t->nr_groups && t->group[i].prio == prio;
	return i;
}

/*
 * Rewrite @g so that its ring starts at index 0, in the same order, so
 * members can be added at the tail or removed.  Caller holds t->lock for
 * writing (no allocation moves the rotor meanwhile).
 */
static void group_straighten_locked(struct swap_table *t, struct prio_group *g)
{
	unsigned int ring[MAX_SWAPFILES];
	unsigned int head;

	table_assert_writer(t);
	head = (unsigned int)(g->rotor % g->nr);
	for (unsigned int i = 0; i < g->nr; i++)
		ring[i] = g->type[(head + i) % g->nr];
	memcpy(g->type, ring, g->nr * sizeof(ring[0]));
	g->rotor = 0;
}

/*
 * Let @type take allocations: it goes last among the areas of its
 * priority, as plist_add puts it.  Caller holds t->lock for writing.
 */
static void avail_add_locked(struct swap_table *t, unsigned int type)
{
	int prio = t->slot[type].prio;
	struct prio_group *g;
	bool found;
	unsigned int i;

	table_assert_writer(t);
	i = group_find_locked(t, prio, &found);
	g = &t->group[i];
	if (found) {
		group_straighten_locked(t, g);
	} else {
		memmove(g + 1, g, (t->nr_groups - i) * sizeof(*g));
		t->nr_groups++;
		g->prio = prio;
		g->nr = 0;
		g->rotor = 0;
	}
	g->type[g->nr++] = type;
}

/* Stop @type taking allocations.  Caller holds t->lock for writing. */
static void avail_del_locked(struct swap_table *t, unsigned int type)
{
	struct prio_group *g;
	unsigned int i, m;
	bool found;

	table_assert_writer(t);
	i = group_find_locked(t, t->slot[type].prio, &found);
	table_assert(found);
	g = &t->group[i];
	group_straighten_locked(t, g);
	for (m = 0; m < g->nr && g->type[m] != type; m++)
		;
	table_assert(m < g->nr);
	memmove(&g->type[m], &g->type[m + 1],
		(g->nr - m - 1) * sizeof(g->type[0]));
	if (--g->nr == 0) {
		memmove(g, g + 1, (t->nr_groups - i - 1) * sizeof(*g));
		t->nr_groups--;
	}
}

/*
 * Allocate from the areas of @g, starting at the ring head.  Returns 0
 * with *@entry set, -ENOSPC when none of them could serve it, or another
 * error of the area allocator.  Caller holds t->lock (for reading is
 * enough: the ring is only moved atomically).
 */
static int group_alloc_locked(struct swap_table *t, struct prio_group *g,
			      unsigned int order, unsigned char usage,
			      swp_entry_t *entry)
{
	unsigned long head = __atomic_fetch_add(&g->rotor, 1, __ATOMIC_RELAXED);
	unsigned long claimed = head + 1;
	uint64_t offset;
	int rc;

	table_assert_held(t);
	for (unsigned int i = 0; i < g->nr; i++) {
		unsigned int type = g->type[(head + i) % g->nr];

		rc = swap_area_alloc(t->slot[type].area, order, usage, &offset);
		if (rc == -ENOSPC || rc == -EPERM)
			continue;
		if (rc)
			return rc;
		/* The full ones skipped go behind their peers as well. */
		if (i)
			__atomic_compare_exchange_n(
				&g->rotor, &claimed, head + i + 1, false,
				__ATOMIC_RELAXED, __ATOMIC_RELAXED);
		*entry = swp_entry(type, offset);
		return 0;
	}
	return -ENOSPC;
}

int swap_table_alloc(struct swap_table *t, unsigned int order,
		     unsigned char usage, swp_entry_t *entry)
{
	int rc = -ENOSPC;

	if (order >= SWAP_NR_ORDERS || (usage != 1 && usage != SWAP_HAS_CACHE))
		return -EINVAL;
	table_read_lock(t);
	for (unsigned int i = 0; i < t->nr_groups && rc == -ENOSPC; i++)
		rc = group_alloc_locked(t, &t->group[i], order, usage, entry);
	table_read_unlock(t);
	return rc;
}

/* ---- swapon / swapoff ---- */

/* Is @area on (or being swapped off)?  Caller holds t->lock. */
static bool table_has_area_locked(struct swap_table *t,
				  const struct swap_area *area)
{
	table_assert_held(t);
	for (unsigned int i = 0; i < MAX_SWAPFILES; i++)
		if (t->slot[i].area == area)
			return true;
	return false;
}

/* The lowest free type; there must be one.  Caller holds t->lock. */
static unsigned int table_free_type_locked(struct swap_table *t)
{
	unsigned int type = 0;

	table_assert_held(t);
	while (t->slot[type].area)
		type++;
	return type;
}

int swap_table_swapon(struct swap_table *t, struct swap_area *area, int prio,
		      unsigned int *type)
{
	struct table_slot *s;
	int rc = 0;

	if (!area || !type)
		return -EINVAL;
	if (prio != SWAP_PRIO_AUTO && (prio < 0 || prio > SWAP_PRIO_MAX))
		return -EINVAL;
	table_write_lock(t);
	if (table_has_area_locked(t, area)) {
		rc = -EBUSY;
		goto out_unlock;
	}
	if (t->nr_on == MAX_SWAPFILES) {
		rc = -EPERM;
		goto out_unlock;
	}
	*type = table_free_type_locked(t);
	s = &t->slot[*type];
	s->area = area;
	s->auto_prio = prio == SWAP_PRIO_AUTO;
	s->prio = s->auto_prio ? --t->least_priority : prio;
	s->draining = false;
	t->nr_on++;
	swap_area_set_writeok(area, true);
	avail_add_locked(t, *type);
out_unlock:
	table_write_unlock(t);
	return rc;
}

/*
 * An automatic priority @prio went away: every lower one moves up by one,
 * so they stay -2, -3, ... without a gap, and so does the next one to be
 * given.  Caller holds t->lock for writing.
 */
static void table_renumber_locked(struct swap_table *t, int prio)
{
	table_assert_writer(t);
	for (unsigned int i = 0; i < MAX_SWAPFILES; i++) {
		struct table_slot *s = &t->slot[i];

		if (s->area && s->auto_prio && s->prio < prio)
			s->prio++;
	}
	/* Explicit priorities are >= 0: every lower group is automatic. */
	for (unsigned int i = 0; i < t->nr_groups; i++)
		if (t->group[i].prio < prio)
			t->group[i].prio++;
	t->least_priority++;
}

/*
 * First half of swapoff: take @type off the groups and stop its
 * allocations.  Returns 0 with *@area set, or -EINVAL if @type is not on
 * or already being swapped off (the kernel finds no such writable area).
 */
static int table_swapoff_begin(struct swap_table *t, unsigned int type,
			       struct swap_area **area)
{
	struct table_slot *s;
	int rc = 0;

	if (type >= MAX_SWAPFILES)
		return -EINVAL;
	table_write_lock(t);
	s = &t->slot[type];
	if (!s->area || s->draining) {
		rc = -EINVAL;
		goto out_unlock;
	}
	avail_del_locked(t, type);
	s->draining = true;
	swap_area_set_writeok(s->area, false);
	*area = s->area;
out_unlock:
	table_write_unlock(t);
	return rc;
}

/*
 * Second half of swapoff, after the unuse callback returned @rc: remove
 * the area if that went well and nothing references its slots any more,
 * else put it back as it was.  Returns 0, -EBUSY or @rc.
 */
static int table_swapoff_end(struct swap_table *t, unsigned int type, int rc)
{
	struct table_slot *s = &t->slot[type];
	struct swap_area_stats st;

	table_write_lock(t);
	if (!rc) {
		swap_area_stats(s->area, &st);
		if (st.nr_inuse)
			rc = -EBUSY;
	}
	if (rc) {
		s->draining = false;
		swap_area_set_writeok(s->area, true);
		avail_add_locked(t, type);
	} else {
		if (s->auto_prio)
			table_renumber_locked(t, s->prio);
		memset(s, 0, sizeof(*s));
		t->nr_on--;
	}
	table_write_unlock(t);
	return rc;
}

int swap_table_swapoff(struct swap_table *t, unsigned int type,
		       swap_unuse_fn unuse, void *ctx)
{
	struct swap_area *area;
	int rc;

	rc = table_swapoff_begin(t, type, &area);
	if (rc)
		return rc;
	if (unuse)
		rc = unuse(ctx, type, area);
	return table_swapoff_end(t, type, rc);
}

/* ---- entries ---- */

/* The area of @type, draining or not, or NULL.  Caller holds t->lock. */
static struct swap_area *table_area_locked(struct swap_table *t,
					   unsigned int type)
{
	table_assert_held(t);
	return type < MAX_SWAPFILES ? t->slot[type].area : NULL;
}

struct swap_area *swap_table_area(struct swap_table *t, unsigned int type)
{
	struct swap_area *area;

	table_read_lock(t);
	area = table_area_locked(t, type);
	table_read_unlock(t);
	return area;
}

/* Run @op on the slot of @entry in its area, with the area pinned. */
static int table_entry_op(struct swap_table *t, swp_entry_t entry,
			  int (*op)(struct swap_area *, uint64_t))
{
	struct swap_area *area;
	int rc = -EINVAL;

	table_read_lock(t);
	area = table_area_locked(t, swp_type(entry));
	if (area)
		rc = op(area, swp_offset(entry));
	table_read_unlock(t);
	return rc;
}

int swap_table_dup(struct swap_table *t, swp_entry_t entry)
{
	return table_entry_op(t, entry, swap_area_dup);
}

int swap_table_free(struct swap_table *t, swp_entry_t entry)
{
	return table_entry_op(t, entry, swap_area_free);
}

int swap_table_cache_get(struct swap_table *t, swp_entry_t entry)
{
	return table_entry_op(t, entry, swap_area_cache_get);
}

int swap_table_cache_put(struct swap_table *t, swp_entry_t entry)
{
	return table_entry_op(t, entry, swap_area_cache_put);
}

/* ---- snapshots ---- */

/*
 * Where @type stands in allocation order among areas of its priority:
 * its place in the ring from the head; draining areas come last.
 * Caller holds t->lock.
 */
static unsigned int table_rank_locked(struct swap_table *t, unsigned int type)
{
	const struct prio_group *g;
	unsigned long head;
	unsigned int i;
	bool found;

	table_assert_held(t);
	if (t->slot[type].draining)
		return MAX_SWAPFILES + type;
	g = &t->group[group_find_locked(t, t->slot[type].prio, &found)];
	head = __atomic_load_n(&g->rotor, __ATOMIC_RELAXED) % g->nr;
	for (i = 0; g->type[(head + i) % g->nr] != type; i++)
		;
	return i;
}

/* Does area @a (with @rank) come before area @b in allocation order? */
static bool info_before(const struct swap_table_info *a, unsigned int rank_a,
			const struct swap_table_info *b, unsigned int rank_b)
{
	if (a->prio != b->prio)
		return a->prio > b->prio;
	return rank_a < rank_b;
}

/* Insert the snapshot of @type into the sorted @info / @rank of @n. */
static void table_snapshot_locked(struct swap_table *t, unsigned int type,
				  struct swap_table_info *info,
				  unsigned int *rank, size_t n)
{
	const struct table_slot *s = &t->slot[type];
	struct swap_table_info in = {
		.type = type,
		.prio = s->prio,
		.auto_prio = s->auto_prio,
		.area = s->area,
	};
	unsigned int r = table_rank_locked(t, type);
	size_t i = n;

	for (; i > 0 && info_before(&in, r, &info[i - 1], rank[i - 1]); i--) {
		info[i] = info[i - 1];
		rank[i] = rank[i - 1];
	}
	info[i] = in;
	rank[i] = r;
}

size_t swap_table_list(struct swap_table *t, struct swap_table_info *out,
		       size_t n)
{
	struct swap_table_info info[MAX_SWAPFILES];
	unsigned int rank[MAX_SWAPFILES];
	size_t nr = 0;

	table_read_lock(t);
	for (unsigned int type = 0; type < MAX_SWAPFILES; type++)
		if (t->slot[type].area)
			table_snapshot_locked(t, type, info, rank, nr++);
	table_read_unlock(t);
	if (n)
		memcpy(out, info, (n < nr ? n : nr) * sizeof(*out));
	return nr;
}

int swap_table_prio(struct swap_table *t, unsigned int type, int *prio)
{
	struct table_slot *s;
	int rc = -EINVAL;

	if (type >= MAX_SWAPFILES)
		return -EINVAL;
	table_read_lock(t);
	s = &t->slot[type];
	if (s->area) {
		*prio = s->prio;
		rc = 0;
	}
	table_read_unlock(t);
	return rc;
}

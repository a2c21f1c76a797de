/* SPDX-License-Identifier: MIT */
/*
 * Shared set-up for the mm/ unit tests: a node with a real swap table and
 * area (swap/table.c, swap/area.c) for slot accounting, and an in-memory
 * page IO backend.
 *
 * The backend is for testing reclaim and swap-cache LOGIC only: it copies
 * pages into a buffer and completes either at once (inside submit, like a
 * synchronous device) or when the test says so (to hold pages under IO).
 * It does not test IO; the swap/io engine carries IO in production.
 */
#ifndef SWAPEMU_TESTS_MM_TEST_H
#define SWAPEMU_TESTS_MM_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm/mm_i.h"
#include "mm/page_io.h"
#include "mm/pgdat.h"
#include "swap/area.h"
#include "swap/table.h"

#define MEMSWAP_MAX_PENDING 4096

#define MEMSWAP_TYPES 2

struct memswap {
	uint8_t *data[MEMSWAP_TYPES];	  /* nr_slots pages per type */
	uint64_t nr_slots[MEMSWAP_TYPES]; /* slots of each area type */
	bool defer; /* hold completions until memswap_complete */
	void *pending[MEMSWAP_MAX_PENDING]; /* cookies held */
	unsigned int nr_pending;	    /* entries in pending */
	_Atomic unsigned int nr_reads;	    /* reads submitted */
	_Atomic unsigned int nr_writes;	    /* writes submitted */
	bool corrupt_reads;		    /* flip a byte of every page read */
};

static int memswap_submit(void *ctx, enum page_io_op op, swp_entry_t e,
			  void *buf, void *cookie)
{
	struct memswap *ms = ctx;
	uint8_t *slot;

	unsigned int t = swp_type(e);

	assert_true(t < MEMSWAP_TYPES && ms->data[t]);
	assert_true(swp_offset(e) > 0 && swp_offset(e) < ms->nr_slots[t]);
	slot = ms->data[t] + swp_offset(e) * PAGE_SIZE;
	if (op == PAGE_IO_WRITE) {
		memcpy(slot, buf, PAGE_SIZE);
		ms->nr_writes++;
	} else {
		memcpy(buf, slot, PAGE_SIZE);
		if (ms->corrupt_reads)
			((uint8_t *)buf)[100] ^= 0x5a;
		ms->nr_reads++;
	}
	if (ms->defer) {
		assert_true(ms->nr_pending < MEMSWAP_MAX_PENDING);
		ms->pending[ms->nr_pending++] = cookie;
		return 0;
	}
	page_io_complete(cookie, 0);
	return 0;
}

static const struct page_io_ops memswap_ops = {.submit = memswap_submit};

/* Complete every held IO, oldest first; returns how many. */
static inline unsigned int memswap_complete(struct memswap *ms)
{
	unsigned int n = ms->nr_pending;

	ms->nr_pending = 0;
	for (unsigned int i = 0; i < n; i++)
		page_io_complete(ms->pending[i], 0);
	return n;
}

struct mm_env {
	struct swap_area *area;	  /* type 0 */
	struct swap_table *table; /* holding area */
	unsigned int type;	  /* of area */
	struct memswap io;	  /* in-memory backend */
	struct pgdat *pgdat;	  /* the node */
};

/* A node of @frames frames with @slots swap slots (0: no swap). */
static inline void mm_env_setup(struct mm_env *env, uint64_t frames,
				uint64_t slots,
				const struct page_watermarks *wm)
{
	struct pgdat_config cfg;

	memset(env, 0, sizeof(*env));
	pgdat_config_init(&cfg);
	cfg.nr_frames = frames;
	cfg.wm = wm;
	if (slots) {
		struct swap_area_config acfg = {
			.nr_pages = slots,
			.policy = SWAP_ALLOC_CLUSTER,
		};

		assert_int_equal(swap_area_create(&acfg, &env->area), 0);
		assert_int_equal(swap_table_create(&env->table), 0);
		assert_int_equal(
			swap_table_swapon(env->table, env->area, 0, &env->type),
			0);
		assert_int_equal(env->type, 0);
		env->io.nr_slots[0] = slots;
		env->io.data[0] = calloc(slots, PAGE_SIZE);
		assert_non_null(env->io.data[0]);
		cfg.swap = env->table;
		cfg.io = &memswap_ops;
		cfg.io_ctx = &env->io;
	}
	assert_int_equal(pgdat_create(&cfg, &env->pgdat), 0);
}

/* A second area (type 1) of @slots slots at priority @prio. */
static inline struct swap_area *mm_env_add_area(struct mm_env *env,
						uint64_t slots, int prio)
{
	struct swap_area_config acfg = {.nr_pages = slots};
	struct swap_area *area;
	unsigned int type;

	assert_int_equal(swap_area_create(&acfg, &area), 0);
	assert_int_equal(swap_table_swapon(env->table, area, prio, &type), 0);
	assert_int_equal(type, 1);
	env->io.nr_slots[1] = slots;
	env->io.data[1] = calloc(slots, PAGE_SIZE);
	assert_non_null(env->io.data[1]);
	return area;
}

static inline void mm_env_teardown(struct mm_env *env)
{
	pgdat_destroy(env->pgdat);
	if (env->table) {
		if (swap_table_area(env->table, env->type))
			assert_int_equal(swap_table_swapoff(env->table,
							    env->type, NULL,
							    NULL),
					 0);
		swap_table_destroy(env->table);
		swap_area_destroy(env->area);
	}
	for (int t = 0; t < MEMSWAP_TYPES; t++)
		free(env->io.data[t]);
}

/* Slot state of an entry: count and cache bit. */
static inline unsigned char mm_env_map(struct mm_env *env, swp_entry_t e)
{
	return swap_area_map(env->area, swp_offset(e));
}

static inline uint64_t ev(struct mm_env *env, enum vm_event_item item)
{
	return vmstat_read(pgdat_vmstat(env->pgdat), item);
}

#endif

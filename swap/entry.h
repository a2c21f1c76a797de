/* SPDX-License-Identifier: MIT */
/*
 * Swap entries: the identity of one swapped-out page, as the kernel's
 * swp_entry_t (include/linux/swapops.h).  An entry packs the area number
 * (its "type", the index in the swap table) and the slot offset inside that
 * area into one 64-bit word.  The all-zero entry means "no entry": slot 0 of
 * every area holds the header and is never handed out.
 */
#ifndef SWAPEMU_SWAP_ENTRY_H
#define SWAPEMU_SWAP_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

/* At most this many areas, as the kernel's MAX_SWAPFILES on 64-bit. */
#define MAX_SWAPFILES_SHIFT 5
#define MAX_SWAPFILES (1u << MAX_SWAPFILES_SHIFT)

/* Offsets use the low bits; the type sits above them. */
#define SWP_OFFSET_BITS 50
#define SWP_OFFSET_MASK ((UINT64_C(1) << SWP_OFFSET_BITS) - 1)
#define SWP_OFFSET_MAX SWP_OFFSET_MASK

/* Wrapped so that a slot offset cannot be passed where an entry is meant. */
typedef struct {
	uint64_t val; /* type << SWP_OFFSET_BITS | offset */
} swp_entry_t;

static inline swp_entry_t swp_entry(unsigned int type, uint64_t offset)
{
	swp_entry_t e = {
		((uint64_t)type << SWP_OFFSET_BITS) | (offset & SWP_OFFSET_MASK)
	};
	return e;
}

static inline unsigned int swp_type(swp_entry_t e)
{
	return (unsigned int)(e.val >> SWP_OFFSET_BITS);
}

static inline uint64_t swp_offset(swp_entry_t e)
{
	return e.val & SWP_OFFSET_MASK;
}

static inline bool swp_entry_none(swp_entry_t e)
{
	return e.val == 0;
}

static inline bool swp_entry_eq(swp_entry_t a, swp_entry_t b)
{
	return a.val == b.val;
}

#endif

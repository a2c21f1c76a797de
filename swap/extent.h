/* SPDX-License-Identifier: MIT */
/*
 * Swap extents: where the slots of an area live in backing storage, as the
 * kernel's swap_extent tree.  Each extent maps a run of slots to a backing
 * store (an index chosen by the user, e.g. an open file) and the byte
 * offset of its first slot there.  Extents are kept sorted, merged when
 * they continue each other, and never overlap.
 *
 * A map is built before use and read-only after: lookups need no lock,
 * additions must not race with anything.
 */
#ifndef SWAPEMU_SWAP_EXTENT_H
#define SWAPEMU_SWAP_EXTENT_H

#include <stddef.h>
#include <stdint.h>

struct swap_extent {
	uint64_t start_slot; /* first slot of the run */
	uint64_t nr_slots;   /* slots in the run, > 0 */
	int store;           /* backing store index, >= 0 */
	uint64_t start_byte; /* byte offset of start_slot in the store */
};

struct swap_extent_map;

/* A map for an area of @nr_slots slots.  Returns 0 or -ENOMEM/-EINVAL. */
int swap_extent_map_create(uint64_t nr_slots, struct swap_extent_map **out);
void swap_extent_map_destroy(struct swap_extent_map *m);

/*
 * Map slots [@start_slot, @start_slot + @nr_slots) to @store at byte
 * @start_byte (a multiple of the page size).  Merges with a neighbour that
 * it continues.  Returns 0, -ERANGE past the area, -EEXIST on overlap,
 * -EINVAL for zero length, a negative store or an unaligned offset.
 */
int swap_extent_add(struct swap_extent_map *m, uint64_t start_slot,
		    uint64_t nr_slots, int store, uint64_t start_byte);

/*
 * Find the extent holding @slot in O(log n).  Returns 0 with *@out set, or
 * -ENOENT if the slot is not mapped (or past the end).
 */
int swap_extent_lookup(const struct swap_extent_map *m, uint64_t slot,
		       struct swap_extent *out);

/*
 * The longest run of [@slot, @slot + @nr) that is contiguous in one store:
 * the part inside the extent holding @slot.  Sets *@out to that run
 * (start_slot = @slot, nr_slots <= @nr, start_byte = where @slot lives), so
 * a caller splits a range along extents by calling again from
 * @slot + out->nr_slots.  Returns 0, -EINVAL for @nr == 0, or -ENOENT if
 * @slot is not mapped.
 */
int swap_extent_map_range(const struct swap_extent_map *m, uint64_t slot,
			  uint64_t nr, struct swap_extent *out);

/* Number of extents, and the i-th in slot order (NULL past the end). */
size_t swap_extent_count(const struct swap_extent_map *m);
const struct swap_extent *swap_extent_at(const struct swap_extent_map *m,
					 size_t i);

/* Slots of the area, and slots covered by some extent. */
uint64_t swap_extent_map_slots(const struct swap_extent_map *m);
uint64_t swap_extent_mapped_slots(const struct swap_extent_map *m);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Sizes as users write them: a byte count with an optional K, M, G or T
 * suffix (powers of 1024, as mkswap, losetup and fio read them; "KiB",
 * "MB" and the like are accepted as the same units).
 */
#ifndef SWAPEMU_SWAP_SIZE_H
#define SWAPEMU_SWAP_SIZE_H

#include <stdint.h>

/* Parse @s into *@out.  Returns 0, or -EINVAL for anything but a whole
 * non-negative number and a known suffix, -ERANGE on overflow. */
int swap_size_parse(const char *s, uint64_t *out);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Reading numbers back from the small, flat JSON objects swapemu itself
 * writes (an area's stat file, `swapemu load` output): no general parser,
 * just "the number after this key".
 */
#ifndef SWAPEMU_SWAP_JSON_H
#define SWAPEMU_SWAP_JSON_H

#include <stdint.h>

/*
 * The unsigned number after "@key": in @json, looking only past the first
 * occurrence of the text @after when it is not NULL (e.g. "\"read\":{" to
 * pick the read object's "ops").  Returns 0 when either is absent.
 */
uint64_t json_find_u64(const char *json, const char *after, const char *key);

#endif

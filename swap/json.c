/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swap/json.h"

uint64_t json_find_u64(const char *json, const char *after, const char *key)
{
	const char *p = after ? strstr(json, after) : json;
	char pat[80];
	int n;

	if (!p)
		return 0;
	n = snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (n < 0 || (size_t)n >= sizeof(pat))
		return 0;
	p = strstr(p, pat);
	return p ? strtoull(p + n, NULL, 10) : 0;
}

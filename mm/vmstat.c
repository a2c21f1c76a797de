/* SPDX-License-Identifier: MIT */
#include "mm/vmstat.h"

#include <inttypes.h>

static const char *const vmstat_names[NR_VM_EVENT_ITEMS] = {
	[PGFAULT] = "pgfault",
	[PGMAJFAULT] = "pgmajfault",
	[PSWPIN] = "pswpin",
	[PSWPOUT] = "pswpout",
	[PGSCAN_KSWAPD] = "pgscan_kswapd",
	[PGSCAN_DIRECT] = "pgscan_direct",
	[PGSTEAL_KSWAPD] = "pgsteal_kswapd",
	[PGSTEAL_DIRECT] = "pgsteal_direct",
	[PGACTIVATE] = "pgactivate",
	[PGDEACTIVATE] = "pgdeactivate",
	[PGREFILL] = "pgrefill",
	[PGROTATED] = "pgrotated",
	[PGFREE] = "pgfree",
	[PGALLOC] = "pgalloc_normal",
	[ALLOCSTALL] = "allocstall_normal",
	[KSWAPD_WAKE] = "kswapd_wake",
	[PAGEOUTRUN] = "pageoutrun",
	[SWAP_RA] = "swap_ra",
	[SWAP_RA_HIT] = "swap_ra_hit",
	[WORKINGSET_REFAULT_ANON] = "workingset_refault_anon",
	[WORKINGSET_ACTIVATE_ANON] = "workingset_activate_anon",
	[WORKINGSET_RESTORE_ANON] = "workingset_restore_anon",
	[COW_FAULT] = "cow_fault",
	[RECLAIM_THROTTLED] = "reclaim_throttled",
	[SWAP_CSUM_FAIL] = "swap_csum_fail",
};

void vmstat_init(struct vmstat *vs)
{
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		atomic_store_explicit(&vs->ev[i], 0, memory_order_relaxed);
}

uint64_t vmstat_read(const struct vmstat *vs, enum vm_event_item item)
{
	return atomic_load_explicit(&vs->ev[item], memory_order_relaxed);
}

const char *vmstat_name(enum vm_event_item item)
{
	if ((unsigned int)item >= NR_VM_EVENT_ITEMS)
		return NULL;
	return vmstat_names[item];
}

void vmstat_snapshot(const struct vmstat *vs, uint64_t *out)
{
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		out[i] = vmstat_read(vs, (enum vm_event_item)i);
}

void vmstat_print(const struct vmstat *vs, FILE *f)
{
	for (int i = 0; i < NR_VM_EVENT_ITEMS; i++)
		fprintf(f, "%s %" PRIu64 "\n", vmstat_names[i],
			vmstat_read(vs, (enum vm_event_item)i));
}

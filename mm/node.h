/* SPDX-License-Identifier: MIT */
/*
 * A node as `swapemu run` builds it, for anything that runs workloads in
 * process (the CLI, benchmark sweeps): an IO engine, a swap table with one
 * area per swap file, and the emulated memory swapping to them.
 *
 * Each swap file must hold a SWAPSPACE2 header; it is read and checked with
 * the kernel's swapon rules, its slots are mapped 1:1 onto the file (plain
 * file, block device, or an area file of a swapemu mount), and the area is
 * swapped on with its priority, bad pages, allocator and device model.
 * The node's frames are registered with the engine as fixed buffers when
 * the engine allows it.
 */
#ifndef SWAPEMU_MM_NODE_H
#define SWAPEMU_MM_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swap/area.h"
#include "swap/header.h"

#define NODE_MAX_SWAP 16u

struct pgdat;
struct swap_io_area;
struct swap_io_engine;
struct swap_table;

/* One swap area of a node. */
struct node_swap_config {
	const char *path;	       /* formatted swap file or block device */
	int prio;		       /* SWAP_PRIO_AUTO or 0..32767 */
	const char *preset;	       /* device model preset; NULL: none */
	enum swap_alloc_policy policy; /* slot allocator */
};

struct node_config {
	uint64_t nr_frames;	   /* emulated memory in pages */
	unsigned int page_cluster; /* vm.page-cluster; 0 turns readahead off */
	bool vma_ra;		   /* VMA-based readahead, else cluster */
	const struct node_swap_config *swap; /* areas, in swapon order */
	unsigned int nr_swap;		     /* entries, <= NODE_MAX_SWAP */
	unsigned int nr_rings;		     /* IO engine rings, 0: 1 */
};

struct node;

/*
 * Build the node of @cfg.  Returns 0, or -errno with a message for humans
 * in @err (@errlen bytes) saying which part failed ("PATH: swapon: ...");
 * nothing is left behind on failure.
 */
int node_create(const struct node_config *cfg, struct node **out, char *err,
		size_t errlen);

/* Swap off every area still on (pgdat_swapoff: pages come back) and free
 * everything.  No task may still use the node; kswapd must be stopped. */
void node_destroy(struct node *n);

struct pgdat *node_pgdat(struct node *n);
struct swap_io_engine *node_engine(struct node *n);
struct swap_table *node_table(struct node *n);

/* Area @i of the configuration (0 .. nr_swap - 1). */
struct swap_area *node_swap_area(struct node *n, unsigned int i);
struct swap_io_area *node_swap_io(struct node *n, unsigned int i);
unsigned int node_swap_type(struct node *n, unsigned int i);
const struct swap_header_info *node_swap_header(struct node *n, unsigned int i);

/*
 * Create @path of @bytes (rounded down to pages) with a swap header, as
 * mkswap would, unless it exists already (then 0 and nothing changes).
 * Returns 0 or -errno; a file it could not finish is removed.
 */
int node_swap_format(const char *path, uint64_t bytes);

/*
 * Read and check the header of @path with swapon's rules.  Returns 0 with
 * @info filled; -errno of open/stat; -ENOTBLK when @path is neither a
 * regular file nor a block device; -EINVAL with *@fault set when the
 * header is not usable.
 */
int node_swap_read_header(const char *path, struct swap_header_info *info,
			  enum swap_header_fault *fault);

#endif

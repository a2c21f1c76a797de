/* SPDX-License-Identifier: MIT */
/*
 * Building a node of emulated memory over real swap files.  See mm/node.h.
 */
#include "mm/node.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mm/page_io.h"
#include "mm/pgdat.h"
#include "swap/extent.h"
#include "swap/io/device.h"
#include "swap/io/engine.h"
#include "swap/io/stat.h"
#include "swap/table.h"

/* One swap area and what was built for it. */
struct node_swap {
	struct swap_header_info info; /* its header */
	struct swap_extent_map *map;  /* slots -> the file */
	struct swap_io_area *io;      /* engine area */
	struct swap_area *area;	      /* slot map and allocator */
	unsigned int type;	      /* index in the swap table */
	bool on;		      /* swapped on in the table */
};

struct node {
	struct swap_io_engine *engine; /* IO engine */
	struct swap_table *table;      /* the swap areas */
	struct pgdat *pgdat;	       /* emulated memory */
	bool frames_registered;	       /* frames are fixed buffers */
	unsigned int nr_swap;	       /* entries of swap[] */
	struct node_swap swap[NODE_MAX_SWAP];
};

/* ---- swap files ------------------------------------------------------------ */

int node_swap_format(const char *path, uint64_t bytes)
{
	static _Thread_local unsigned char page[SWAP_PAGE_SIZE];
	struct swap_header_info info;
	enum swap_header_fault fault;
	int fd, rc = 0;

	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	bytes -= bytes % SWAP_PAGE_SIZE;
	swap_header_init(&info, bytes / SWAP_PAGE_SIZE);
	memset(page, 0, sizeof(page));
	if (ftruncate(fd, (off_t)bytes))
		rc = -errno;
	else if (swap_header_format(page, &info, &fault))
		rc = -EINVAL;
	else if (pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page))
		rc = -EIO;
	else if (fsync(fd))
		rc = -errno;
	close(fd);
	if (rc)
		unlink(path);
	return rc;
}

/* Bytes of a regular file or block device; -ENOTBLK for anything else. */
static int swap_bytes(int fd, uint64_t *bytes)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode)) {
		*bytes = (uint64_t)st.st_size;
		return 0;
	}
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, bytes) ? -errno : 0;
	return -ENOTBLK;
}

int node_swap_read_header(const char *path, struct swap_header_info *info,
			  enum swap_header_fault *fault)
{
	static _Thread_local unsigned char page[SWAP_PAGE_SIZE];
	uint64_t bytes = 0;
	ssize_t n = 0;
	int fd, rc;

	*fault = SWAP_HEADER_TOO_SHORT;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	rc = swap_bytes(fd, &bytes);
	if (!rc)
		n = pread(fd, page, sizeof(page), 0);
	close(fd);
	if (rc)
		return rc;
	if (n != (ssize_t)sizeof(page))
		return -EINVAL;
	return swap_header_parse(page, sizeof(page), bytes, info, fault);
}

/* ---- building ---------------------------------------------------------------- */

/* Build the engine area and the swap area of @c and swap it on. */
static int swap_build(struct node *n, const struct node_swap_config *c,
		      struct node_swap *s, char *err, size_t errlen)
{
	struct swap_area_config acfg = {
		.nr_pages = (uint64_t)s->info.last_page + 1,
		.badpages = s->info.badpages,
		.nr_badpages = s->info.nr_badpages,
		.policy = c->policy,
	};
	char words[64];
	int store, rc;

	store = swap_io_add_store(n->engine, c->path, 0);
	if (store < 0) {
		snprintf(err, errlen, "%s: opening it: %s", c->path,
			 strerror(-store));
		return store;
	}
	rc = swap_extent_map_create(acfg.nr_pages, &s->map);
	if (!rc)
		rc = swap_extent_add(s->map, 0, acfg.nr_pages, store, 0);
	if (!rc)
		rc = swap_io_area_attach(n->engine, s->map, c->path, &s->io);
	if (rc) {
		snprintf(err, errlen, "%s: engine area: %s", c->path,
			 strerror(-rc));
		return rc;
	}
	snprintf(words, sizeof(words), "preset=%s",
		 c->preset && c->preset[0] ? c->preset : "none");
	if (swap_dev_configure(swap_io_area_dev(s->io), words, NULL, 0)) {
		snprintf(err, errlen, "%s: unknown device preset '%s'", c->path,
			 c->preset);
		return -EINVAL;
	}
	rc = swap_area_create(&acfg, &s->area);
	if (!rc)
		rc = swap_table_swapon(n->table, s->area, c->prio, &s->type);
	if (rc)
		snprintf(err, errlen, "%s: swapon: %s", c->path, strerror(-rc));
	s->on = !rc;
	return rc;
}

static int build_swaps(struct node *n, const struct node_config *cfg, char *err,
		       size_t errlen)
{
	enum swap_header_fault fault;
	int rc;

	for (unsigned int i = 0; i < cfg->nr_swap; i++) {
		struct node_swap *s = &n->swap[i];

		n->nr_swap = i + 1;
		rc = node_swap_read_header(cfg->swap[i].path, &s->info, &fault);
		if (rc) {
			snprintf(err, errlen, "%s: %s", cfg->swap[i].path,
				 rc == -EINVAL ? swap_header_fault_str(fault)
					       : strerror(-rc));
			return rc;
		}
		rc = swap_build(n, &cfg->swap[i], s, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static int build_pgdat(struct node *n, const struct node_config *cfg, char *err,
		       size_t errlen)
{
	struct pgdat_config pc;
	int rc;

	pgdat_config_init(&pc);
	pc.nr_frames = cfg->nr_frames;
	pc.swap = n->table;
	pc.page_cluster = cfg->page_cluster;
	pc.vma_ra = cfg->vma_ra;
	rc = pgdat_create(&pc, &n->pgdat);
	if (rc) {
		snprintf(err, errlen,
			 "emulated memory of %" PRIu64 " frames: %s",
			 cfg->nr_frames, strerror(-rc));
		return rc;
	}
	for (unsigned int i = 0; i < n->nr_swap; i++) {
		rc = page_io_attach_area(n->pgdat, n->swap[i].type,
					 n->swap[i].io);
		if (rc) {
			snprintf(err, errlen, "attaching %s: %s",
				 cfg->swap[i].path, strerror(-rc));
			return rc;
		}
	}
	n->frames_registered = !page_io_register_frames(n->pgdat, n->engine);
	return 0;
}

int node_create(const struct node_config *cfg, struct node **out, char *err,
		size_t errlen)
{
	struct node *n;
	int rc;

	err[0] = '\0';
	if (cfg->nr_swap > NODE_MAX_SWAP) {
		snprintf(err, errlen, "at most %u swap areas", NODE_MAX_SWAP);
		return -E2BIG;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "node: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	rc = swap_io_engine_create(
		&(struct swap_io_config){.nr_rings = cfg->nr_rings},
		&n->engine);
	if (rc)
		snprintf(err, errlen, "starting the IO engine: %s",
			 strerror(-rc));
	else if ((rc = swap_table_create(&n->table)))
		snprintf(err, errlen, "swap table: %s", strerror(-rc));
	if (!rc)
		rc = build_swaps(n, cfg, err, errlen);
	if (!rc)
		rc = build_pgdat(n, cfg, err, errlen);
	if (rc) {
		node_destroy(n);
		return rc;
	}
	*out = n;
	return 0;
}

/* ---- teardown ------------------------------------------------------------------ */

static void swap_off(struct node *n, struct node_swap *s)
{
	/* A swapoff in the middle of a run may have taken it off already. */
	s->on = s->on && swap_table_area(n->table, s->type) == s->area;
	if (s->on && n->pgdat && pgdat_swapoff(n->pgdat, s->type))
		fprintf(stderr, "swapemu: swapoff %s failed\n",
			swap_io_area_name(s->io));
	else if (s->on && !n->pgdat)
		swap_table_swapoff(n->table, s->type, NULL, NULL);
}

void node_destroy(struct node *n)
{
	if (!n)
		return;
	if (n->pgdat)
		pgdat_wait_io(n->pgdat); /* kswapd's writeback, readahead */
	if (n->pgdat && n->frames_registered)
		page_io_unregister_frames(n->pgdat, n->engine);
	for (unsigned int i = 0; i < n->nr_swap; i++)
		swap_off(n, &n->swap[i]);
	if (n->pgdat)
		pgdat_destroy(n->pgdat);
	if (n->table)
		swap_table_destroy(n->table);
	for (unsigned int i = 0; i < n->nr_swap; i++) {
		swap_area_destroy(n->swap[i].area);
		if (n->swap[i].io)
			swap_io_area_detach(n->swap[i].io);
		swap_extent_map_destroy(n->swap[i].map);
	}
	if (n->engine)
		swap_io_engine_destroy(n->engine);
	free(n);
}

/* ---- accessors ----------------------------------------------------------------- */

struct pgdat *node_pgdat(struct node *n)
{
	return n->pgdat;
}

struct swap_io_engine *node_engine(struct node *n)
{
	return n->engine;
}

struct swap_table *node_table(struct node *n)
{
	return n->table;
}

struct swap_area *node_swap_area(struct node *n, unsigned int i)
{
	return n->swap[i].area;
}

struct swap_io_area *node_swap_io(struct node *n, unsigned int i)
{
	return n->swap[i].io;
}

unsigned int node_swap_type(struct node *n, unsigned int i)
{
	return n->swap[i].type;
}

const struct swap_header_info *node_swap_header(struct node *n, unsigned int i)
{
	return &n->swap[i].info;
}

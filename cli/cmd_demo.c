/* SPDX-License-Identifier: MIT */
/*
 * `swapemu demo`: a tour of what swapemu does, on a built-in default.
 * Formats two swap files exactly as mkswap would, reads their headers back,
 * builds swap areas from them, swaps them on in a swap table with
 * priorities, allocates, shares and frees slots as the kernel would, and
 * prints each area's state and a picture of its slot map.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/command.h"
#include "swap/area.h"
#include "swap/header.h"
#include "swap/table.h"

#define DEMO_AREAS 2

struct demo_file {
	const char *label;     /* header label */
	uint64_t bytes;        /* file size */
	int prio;              /* swap priority */
	char path[256];        /* where it was written */
	struct swap_area *area;
	unsigned int type;     /* index in the swap table */
};

/* Write a SWAPSPACE2 header into a new sparse file of @f->bytes. */
static int demo_format(struct demo_file *f, const char *dir)
{
	static unsigned char page[SWAP_PAGE_SIZE];
	struct swap_header_info info;
	enum swap_header_fault fault;
	int fd, rc;

	snprintf(f->path, sizeof(f->path), "%s/%s.swap", dir, f->label);
	swap_header_init(&info, f->bytes / SWAP_PAGE_SIZE);
	snprintf(info.label, sizeof(info.label), "%s", f->label);
	info.badpages[0] = 100; /* one bad page, as mkswap -c would record */
	info.nr_badpages = 1;
	memset(page, 0, sizeof(page));
	rc = swap_header_format(page, &info, &fault);
	if (rc)
		return rc;
	fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	rc = 0;
	if (ftruncate(fd, (off_t)f->bytes) ||
	    pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page))
		rc = -errno;
	close(fd);
	return rc;
}

/* Read the header back, validate it and build the area it describes. */
static int demo_open(struct demo_file *f)
{
	static unsigned char page[SWAP_PAGE_SIZE];
	struct swap_header_info info;
	enum swap_header_fault fault;
	struct swap_area_config cfg = { .policy = SWAP_ALLOC_CLUSTER };
	int fd, rc;

	fd = open(f->path, O_RDONLY);
	if (fd < 0)
		return -errno;
	rc = pread(fd, page, sizeof(page), 0) == (ssize_t)sizeof(page) ?
		     0 : -EIO;
	close(fd);
	if (!rc)
		rc = swap_header_parse(page, sizeof(page), f->bytes, &info,
				       &fault);
	if (rc) {
		fprintf(stderr, "%s: %s\n", f->path,
			swap_header_fault_str(fault));
		return rc;
	}
	cfg.nr_pages = (uint64_t)info.last_page + 1;
	cfg.badpages = info.badpages;
	cfg.nr_badpages = info.nr_badpages;
	printf("  %-12s label=%-6s pages=%-6llu bad=%u usable=%llu\n",
	       strrchr(f->path, '/') + 1, info.label,
	       (unsigned long long)cfg.nr_pages, info.nr_badpages,
	       (unsigned long long)swap_header_usable_pages(&info));
	return swap_area_create(&cfg, &f->area);
}

/* One character per cluster: how full it is. */
static void print_slotmap(const struct swap_area *a)
{
	static const char shades[] = " .:-=+*#%@";
	uint64_t pages = swap_area_nr_pages(a);

	printf("    [");
	for (uint64_t c = 0; c * SWAPFILE_CLUSTER < pages; c++) {
		unsigned int used = 0, n = 0;

		for (uint64_t s = c * SWAPFILE_CLUSTER;
		     s < (c + 1) * SWAPFILE_CLUSTER && s < pages; s++, n++)
			used += swap_area_map(a, s) != 0;
		putchar(shades[used * 9 / n]);
	}
	printf("]\n");
}

static void print_state(struct swap_table *t)
{
	struct swap_table_info info[DEMO_AREAS];
	size_t n = swap_table_list(t, info, DEMO_AREAS);

	printf("  %-5s %-6s %8s %8s %8s %6s %8s %6s\n", "type", "prio",
	       "slots", "used", "free", "bad", "clusters", "full");
	for (size_t i = 0; i < n && i < DEMO_AREAS; i++) {
		struct swap_area_stats st;

		swap_area_stats(info[i].area, &st);
		printf("  %-5u %-6d %8llu %8llu %8llu %6llu %8u %6u\n",
		       info[i].type, info[i].prio,
		       (unsigned long long)st.nr_pages,
		       (unsigned long long)st.nr_inuse,
		       (unsigned long long)st.nr_free,
		       (unsigned long long)st.nr_bad, st.nr_clusters,
		       st.cl_full);
		print_slotmap(info[i].area);
	}
}

/* Take slots the way reclaim does and share some, as fork would. */
static int demo_swap_out(struct swap_table *t, swp_entry_t *e, unsigned int n)
{
	unsigned int per_type[MAX_SWAPFILES] = { 0 };
	int rc = 0;

	for (unsigned int i = 0; i < n && !rc; i++) {
		rc = swap_table_alloc(t, 0, 1, &e[i]);
		if (!rc && i % 4 == 0)
			rc = swap_table_dup(t, e[i]); /* a forked sharer */
		if (!rc)
			per_type[swp_type(e[i])]++;
	}
	printf("  swapped out %u pages:", n);
	for (unsigned int i = 0; i < MAX_SWAPFILES; i++)
		if (per_type[i])
			printf(" %u to type %u", per_type[i], i);
	printf(" (the high-priority area fills first)\n");
	return rc;
}

static int demo_swap_in(struct swap_table *t, swp_entry_t *e, unsigned int n)
{
	int rc = 0;

	/* every third page comes back and its slot is freed */
	for (unsigned int i = 0; i < n && !rc; i += 3) {
		rc = swap_table_free(t, e[i]);
		if (!rc && i % 4 == 0)
			rc = swap_table_free(t, e[i]);
	}
	printf("  swapped in every third page\n");
	return rc;
}

/* try_to_unuse stand-in: every page "comes back", so every slot is free. */
static int demo_unuse(void *ctx, unsigned int type, struct swap_area *area)
{
	int64_t n = swap_area_release(area, 0, swap_area_nr_pages(area));

	(void)ctx;
	if (n < 0)
		return (int)n;
	printf("  swapoff type %u: %lld pages brought back\n", type,
	       (long long)n);
	return 0;
}

static int demo_run(const char *dir)
{
	struct demo_file files[DEMO_AREAS] = {
		{ .label = "fast", .bytes = 16 << 20, .prio = 10 },
		{ .label = "slow", .bytes = 32 << 20, .prio = 5 },
	};
	unsigned int n = 6000;
	swp_entry_t *e = calloc(n, sizeof(*e));
	struct swap_table *t = NULL;
	int rc = e ? swap_table_create(&t) : -ENOMEM;

	printf("swapemu demo: formatting two swap files in %s\n", dir);
	for (int i = 0; i < DEMO_AREAS && !rc; i++) {
		rc = demo_format(&files[i], dir);
		if (!rc)
			rc = demo_open(&files[i]);
		if (!rc)
			rc = swap_table_swapon(t, files[i].area, files[i].prio,
					       &files[i].type);
	}
	if (!rc) {
		printf("\nswapon: both areas, priorities 10 and 5\n");
		rc = demo_swap_out(t, e, n);
	}
	if (!rc)
		rc = demo_swap_in(t, e, n);
	if (!rc) {
		printf("\nstate of the swap table (slot map: one character "
		       "per 512-slot cluster, ' ' empty .. '@' full):\n");
		print_state(t);
	}
	if (!rc)
		printf("\n");
	for (int i = 0; i < DEMO_AREAS; i++) {
		if (files[i].area) {
			int off = swap_table_swapoff(t, files[i].type,
						     demo_unuse, NULL);

			if (off == -EINVAL) /* it never got swapped on */
				off = 0;
			rc = rc ? rc : off;
			if (!off) /* still on otherwise: the table holds it */
				swap_area_destroy(files[i].area);
		}
		if (files[i].path[0])
			unlink(files[i].path);
	}
	swap_table_destroy(t);
	free(e);
	return rc;
}

static int cmd_demo(int argc, char **argv)
{
	char dir[] = "/tmp/swapemu-demo.XXXXXX";
	int rc;

	if (argc > 1) {
		printf("usage: swapemu demo\n");
		return strcmp(argv[1], "--help") ? 2 : 0;
	}
	if (!mkdtemp(dir))
		return command_fail("demo", -errno, "mkdtemp");
	rc = demo_run(dir);
	rmdir(dir);
	if (rc)
		return command_fail("demo", rc, "demo failed");
	return 0;
}

SWAPEMU_COMMAND("demo", "a one-minute tour on a built-in default", cmd_demo)

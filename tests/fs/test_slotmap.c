/* SPDX-License-Identifier: MIT */
/* Tests of fs/slotmap.c: saving and restoring an area's slot map. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fs/fs.h"
#include "swap/area.h"

/* More slots than one streaming chunk (64 KiB), not a multiple of it. */
#define NR_PAGES 200003u

static const uint8_t uuid_a[16] = {1, 2,  3,  4,  5,  6,  7,  8,
				   9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t uuid_b[16] = {16, 15, 14, 13, 12, 11, 10, 9,
				   8,  7,  6,  5,  4,  3,  2,  1};
static const uint32_t badpages[] = {7, 65536, 199999};

struct fixture {
	char dir[64];
	int dirfd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_slotmap.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = f;
	return f->dirfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct dirent *de;
	DIR *d = fdopendir(f->dirfd);

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(f->dirfd, de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct swap_area *new_area(uint64_t nr_pages)
{
	struct swap_area_config cfg = {
		.nr_pages = nr_pages,
		.badpages = badpages,
		.nr_badpages = 3,
		.policy = SWAP_ALLOC_CLUSTER,
	};
	struct swap_area *a = NULL;

	assert_int_equal(swap_area_create(&cfg, &a), 0);
	return a;
}

/* Slots in use in the test pattern: every 3rd, and a whole chunk edge. */
static bool pattern_used(uint64_t slot)
{
	return slot % 3 == 1 || (slot >= 65530 && slot < 65545);
}

static uint64_t fill_pattern(struct swap_area *a)
{
	uint64_t n = 0;

	for (uint64_t s = 1; s < NR_PAGES; s++) {
		if (!pattern_used(s) || swap_area_map(a, s) == SWAP_MAP_BAD)
			continue;
		assert_int_equal(swap_area_claim(a, s, 1, 1), 0);
		n++;
	}
	/* A shared slot (count 2) and one the swap cache holds too. */
	assert_int_equal(swap_area_dup(a, 1), 0);
	assert_int_equal(swap_area_cache_get(a, 4), 0);
	return n;
}

static void test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct swap_area *a = new_area(NR_PAGES), *b = new_area(NR_PAGES);
	uint64_t used = fill_pattern(a);
	struct swap_area_stats st;

	assert_int_equal(fs_slotmap_save(f->dirfd, "x.slotmap", a, uuid_a), 0);
	assert_int_equal(fs_slotmap_load(f->dirfd, "x.slotmap", b, uuid_a),
			 (int64_t)used);
	/* Every used slot comes back in use (counts are not kept: one
	 * reference each), free and bad slots stay as they were. */
	for (uint64_t s = 0; s < NR_PAGES; s++) {
		unsigned char want = swap_area_map(a, s);

		if (want != 0 && want != SWAP_MAP_BAD)
			want = 1;
		assert_int_equal(swap_area_map(b, s), want);
	}
	swap_area_stats(b, &st);
	assert_int_equal(st.nr_inuse, used);
	swap_area_destroy(a);
	swap_area_destroy(b);
}

static void test_load_only_marks_free_slots(void **state)
{
	struct fixture *f = *state;
	struct swap_area *a = new_area(NR_PAGES), *b = new_area(NR_PAGES);
	uint64_t used = fill_pattern(a);

	assert_int_equal(fs_slotmap_save(f->dirfd, "x.slotmap", a, uuid_a), 0);
	/* Slot 4 is already in use in the target: counted once, kept. */
	assert_int_equal(swap_area_claim(b, 4, 1, 1), 0);
	assert_int_equal(swap_area_dup(b, 4), 0);
	assert_int_equal(fs_slotmap_load(f->dirfd, "x.slotmap", b, uuid_a),
			 (int64_t)used - 1);
	assert_int_equal(swap_area_map(b, 4), 2);
	swap_area_destroy(a);
	swap_area_destroy(b);
}

static void test_refused(void **state)
{
	struct fixture *f = *state;
	struct swap_area *a = new_area(NR_PAGES), *b = new_area(NR_PAGES);
	struct swap_area *small = new_area(NR_PAGES - 1);
	struct swap_area_stats st;
	char path[128];

	fill_pattern(a);
	assert_int_equal(fs_slotmap_load(f->dirfd, "none.slotmap", b, uuid_a),
			 -ENOENT);
	assert_int_equal(fs_slotmap_save(f->dirfd, "x.slotmap", a, uuid_a), 0);
	/* Another header (offline mkswap) or another size (resize). */
	assert_int_equal(fs_slotmap_load(f->dirfd, "x.slotmap", b, uuid_b),
			 -ESTALE);
	assert_int_equal(fs_slotmap_load(f->dirfd, "x.slotmap", small, uuid_a),
			 -ESTALE);
	swap_area_stats(b, &st);
	assert_int_equal(st.nr_inuse, 0);

	/* Cut short: malformed. */
	snprintf(path, sizeof(path), "%s/x.slotmap", f->dir);
	assert_int_equal(truncate(path, 4096), 0);
	assert_int_equal(fs_slotmap_load(f->dirfd, "x.slotmap", b, uuid_a),
			 -EINVAL);

	/* Not a slot map at all, and a line with no end. */
	int fd = openat(f->dirfd, "y.slotmap", O_WRONLY | O_CREAT | O_TRUNC,
			0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "swapemu-meta 1\nsize=1\n", 22), 22);
	close(fd);
	assert_int_equal(fs_slotmap_load(f->dirfd, "y.slotmap", small, uuid_a),
			 -EINVAL);
	fd = openat(f->dirfd, "z.slotmap", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "swapemu-slotmap 1 pages=", 24), 24);
	close(fd);
	assert_int_equal(fs_slotmap_load(f->dirfd, "z.slotmap", small, uuid_a),
			 -EINVAL);
	swap_area_destroy(a);
	swap_area_destroy(b);
	swap_area_destroy(small);
}

/* A save replaces the old file whole and leaves no temporary behind. */
static void test_save_replaces(void **state)
{
	struct fixture *f = *state;
	struct swap_area *a = new_area(NR_PAGES), *b = new_area(NR_PAGES);
	struct dirent *de;
	int names = 0, fd;
	DIR *d;

	assert_int_equal(fs_slotmap_save(f->dirfd, "x.slotmap", a, uuid_a), 0);
	fill_pattern(a);
	assert_int_equal(fs_slotmap_save(f->dirfd, "x.slotmap", a, uuid_b), 0);
	assert_int_equal(fs_slotmap_load(f->dirfd, "x.slotmap", b, uuid_a),
			 -ESTALE);
	assert_true(fs_slotmap_load(f->dirfd, "x.slotmap", b, uuid_b) > 0);
	fd = dup(f->dirfd);
	d = fdopendir(fd);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names++;
	closedir(d);
	assert_int_equal(names, 1);
	swap_area_destroy(a);
	swap_area_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_only_marks_free_slots,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_replaces, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The engine on backing stores other than a plain file of the test
 * directory: a block device (a loop device over a file) with O_DIRECT and
 * discard, a file system without direct IO (ramfs: the engine falls back
 * to buffered IO), and tmpfs.
 *
 * Loop devices and mounts need root; without it those tests are skipped.
 * A loop device is attached with LO_FLAGS_AUTOCLEAR, so the kernel
 * detaches it once the last descriptor closes, even if the test dies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "swap/extent.h"
#include "swap/io/engine.h"
#include "swap/io/stat.h"

#define BLK 4096u
#define SLOTS 2048u /* 8 MiB */

/* What one test set up; its teardown undoes whatever is set. */
struct env {
	char dir[256];	/* a directory of the test's, "" if none */
	char file[300]; /* the backing file, "" if none */
	bool mounted;	/* dir is a mount point of the test's */
	int loop_fd;	/* the loop device held open, -1 if none */
	int loop_nr;	/* its number, -1 if none */
	struct swap_io_engine *e;
	struct swap_extent_map *map;
	struct swap_io_area *a;
};

static const char *test_dir(void)
{
	const char *dir = getenv("SWAPEMU_TEST_DIR");

	return dir ? dir : "/var/tmp";
}

static int env_setup(void **state)
{
	struct env *v = calloc(1, sizeof(*v));

	if (!v)
		return -1;
	v->loop_fd = v->loop_nr = -1;
	*state = v;
	return 0;
}

/* Wait until the kernel let go of loop device @nr (autoclear). */
static bool loop_released(int nr)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/block/loop%d/loop/backing_file", nr);
	for (int i = 0; i < 100; i++) {
		if (access(path, F_OK))
			return true;
		usleep(10000);
	}
	return false;
}

static int env_teardown(void **state)
{
	struct env *v = *state;
	int rc = 0;

	if (v->a)
		swap_io_area_detach(v->a);
	swap_io_engine_destroy(v->e);
	swap_extent_map_destroy(v->map);
	if (v->loop_fd >= 0) {
		close(v->loop_fd);
		if (!loop_released(v->loop_nr)) {
			fprintf(stderr, "loop%d still attached\n", v->loop_nr);
			rc = -1;
		}
	}
	if (v->file[0])
		unlink(v->file);
	if (v->mounted && umount2(v->dir, 0) && umount2(v->dir, MNT_DETACH))
		rc = -1;
	if (v->dir[0])
		rmdir(v->dir);
	free(v);
	return rc;
}

static void need_root(void)
{
	if (geteuid()) {
		print_message("needs root (loop devices, mounts): skipped\n");
		skip();
	}
}

static void make_file(struct env *v, const char *dir, uint64_t bytes)
{
	int fd;

	snprintf(v->file, sizeof(v->file), "%s/io-store-%d", dir, getpid());
	fd = open(v->file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)bytes), 0);
	close(fd);
}

/* Attach v->file to a free loop device; its path goes to @dev. */
static void loop_attach(struct env *v, char *dev, size_t len)
{
	struct loop_config cfg;
	int ctl, file, nr, fd = -1;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	assert_true(ctl >= 0);
	file = open(v->file, O_RDWR | O_CLOEXEC);
	assert_true(file >= 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (unsigned int)file;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	/* Another process may take the free device first: try again. */
	for (int tries = 0; tries < 20 && fd < 0; tries++) {
		nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		assert_true(nr >= 0);
		snprintf(dev, len, "/dev/loop%d", nr);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && ioctl(fd, LOOP_CONFIGURE, &cfg)) {
			assert_int_equal(errno, EBUSY);
			close(fd);
			fd = -1;
		}
	}
	close(file);
	close(ctl);
	assert_true(fd >= 0);
	v->loop_fd = fd;
	v->loop_nr = nr;
}

/* An engine with one area of SLOTS slots on store @path. */
static void engine_on(struct env *v, const char *path,
		      struct swap_io_store_info *info)
{
	int s;

	assert_int_equal(swap_io_engine_create(NULL, &v->e), 0);
	s = swap_io_add_store(v->e, path, 0);
	assert_true(s >= 0);
	assert_int_equal(swap_io_store_info(v->e, s, info), 0);
	assert_int_equal(swap_extent_map_create(SLOTS, &v->map), 0);
	assert_int_equal(swap_extent_add(v->map, 0, SLOTS, s, 0), 0);
	assert_int_equal(swap_io_area_attach(v->e, v->map, "store", &v->a), 0);
}

static unsigned char *aligned(size_t len)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, BLK, len), 0);
	return p;
}

static void fill(unsigned char *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

/* Write the whole area from @model: aligned memory (direct IO where the
 * store has it) and, for the last slot, memory off by 8 bytes (buffered). */
static void write_all(struct env *v, const unsigned char *model)
{
	unsigned char *b = aligned(SLOTS * BLK + 8);

	memcpy(b, model, (SLOTS - 1) * BLK);
	assert_int_equal(
		swap_io_sync(v->a, SWAP_IO_WRITE, 0, b, (SLOTS - 1) * BLK),
		(int64_t)(SLOTS - 1) * BLK);
	memcpy(b + 8, model + (SLOTS - 1) * BLK, BLK);
	assert_int_equal(swap_io_sync(v->a, SWAP_IO_WRITE, (SLOTS - 1) * BLK,
				      b + 8, BLK),
			 BLK);
	free(b);
}

/* Read the area back in 64-slot chunks and compare with @model. */
static void check_all(struct env *v, const unsigned char *model)
{
	unsigned char *b = aligned(64 * BLK);

	for (uint64_t slot = 0; slot < SLOTS; slot += 64) {
		assert_int_equal(swap_io_sync(v->a, SWAP_IO_READ, slot * BLK, b,
					      64 * BLK),
				 64 * BLK);
		if (memcmp(b, model + slot * BLK, 64 * BLK))
			fail_msg("slots %llu..%llu differ",
				 (unsigned long long)slot,
				 (unsigned long long)slot + 63);
	}
	free(b);
}

/* Discard slots [@first, @first + @nr) and zero them in @model. */
static void discard(struct env *v, unsigned char *model, uint64_t first,
		    uint64_t nr)
{
	assert_int_equal(swap_io_sync(v->a, SWAP_IO_DISCARD, first * BLK, NULL,
				      nr * BLK),
			 (int64_t)(nr * BLK));
	memset(model + first * BLK, 0, nr * BLK);
}

/*
 * A loop device: the engine opens it O_DIRECT, data written reads back,
 * a discarded range (the block layer's discard: the io_uring command or
 * BLKDISCARD) reads back as zeros and the data around it is intact.
 */
static void test_blockdev_discard(void **state)
{
	struct env *v = *state;
	struct swap_io_store_info info;
	unsigned char *model = aligned(SLOTS * BLK);
	char dev[64];
	struct swap_stat_op so;

	need_root();
	make_file(v, test_dir(), SLOTS * BLK);
	loop_attach(v, dev, sizeof(dev));
	engine_on(v, dev, &info);
	assert_true(info.blockdev);
	assert_true(info.direct);
	assert_int_equal(info.size, SLOTS * BLK);
	fill(model, SLOTS * BLK, 7);
	write_all(v, model);
	check_all(v, model);
	discard(v, model, 100, 300);
	discard(v, model, SLOTS - 8, 8);
	check_all(v, model);
	swap_stat_read(swap_io_area_stat(v->a), SWAP_IO_DISCARD, &so);
	assert_int_equal(so.ops, 2);
	assert_int_equal(so.errors, 0);
	free(model);
}

/*
 * ramfs has no direct IO: the store is opened buffered only and IO
 * through it works, aligned memory included.
 */
static void test_no_direct_io_fallback(void **state)
{
	struct env *v = *state;
	struct swap_io_store_info info;
	unsigned char *model = aligned(SLOTS * BLK);

	need_root();
	snprintf(v->dir, sizeof(v->dir), "%s/io-ramfs-XXXXXX", test_dir());
	assert_non_null(mkdtemp(v->dir));
	assert_int_equal(mount("swapemu-test", v->dir, "ramfs", 0, NULL), 0);
	v->mounted = true;
	make_file(v, v->dir, SLOTS * BLK);
	engine_on(v, v->file, &info);
	assert_false(info.blockdev);
	assert_false(info.direct);
	fill(model, SLOTS * BLK, 11);
	write_all(v, model);
	check_all(v, model);
	free(model);
}

/* tmpfs (direct IO or not, as the kernel has it): data and discard. */
static void test_tmpfs(void **state)
{
	struct env *v = *state;
	struct swap_io_store_info info;
	unsigned char *model = aligned(SLOTS * BLK);
	struct stat st;

	if (stat("/dev/shm", &st) || !S_ISDIR(st.st_mode))
		fail_msg("no /dev/shm");
	make_file(v, "/dev/shm", SLOTS * BLK);
	engine_on(v, v->file, &info);
	assert_false(info.blockdev);
	fill(model, SLOTS * BLK, 13);
	write_all(v, model);
	discard(v, model, 5, 60);
	check_all(v, model);
	free(model);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_blockdev_discard,
						env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_no_direct_io_fallback,
						env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(test_tmpfs, env_setup,
						env_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

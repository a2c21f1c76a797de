/* SPDX-License-Identifier: MIT */
/* Tests of fs/meta.c: the metadata file of an area. */
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

static void test_meta_roundtrip(void **state)
{
	struct fs_meta m, back;
	char buf[4096];
	int n;

	fs_meta_init(&m);
	m.size = 512ull << 20;
	m.prio = 32767;
	m.mode = 0640;
	m.uid = 1000;
	m.gid = 4294967295u;
	snprintf(m.device, sizeof(m.device), "preset=hdd qd=4");
	snprintf(m.backing, sizeof(m.backing), "/a/f1,/b/f2");
	m.cache = FS_CACHE_BUFFERED;
	n = fs_meta_format(&m, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(fs_meta_parse(buf, &back), 0);
	assert_memory_equal(&m, &back, sizeof(m));
}

static void test_meta_defaults_and_unknown(void **state)
{
	struct fs_meta m;

	assert_int_equal(fs_meta_parse("swapemu-meta 1\nsize=8192\n"
				       "future=1\n",
				       &m),
			 0);
	assert_int_equal(m.size, 8192);
	assert_int_equal(m.prio, -1);
	assert_int_equal(m.mode, 0600);
	assert_string_equal(m.device, "");
	assert_int_equal(m.cache, FS_CACHE_DIRECT); /* files older than it */
}

static void test_meta_cache(void **state)
{
	static const char *const bad[] = {"",	       "Direct", "buffered ",
					  "writeback", "none",	 "direct,"};
	enum fs_cache c;
	struct fs_meta m;

	assert_int_equal(fs_cache_parse("direct", &c), 0);
	assert_int_equal(c, FS_CACHE_DIRECT);
	assert_int_equal(fs_cache_parse("buffered", &c), 0);
	assert_int_equal(c, FS_CACHE_BUFFERED);
	assert_string_equal(fs_cache_name(FS_CACHE_DIRECT), "direct");
	assert_string_equal(fs_cache_name(FS_CACHE_BUFFERED), "buffered");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = FS_CACHE_BUFFERED;
		if (fs_cache_parse(bad[i], &c) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
		assert_int_equal(c, FS_CACHE_BUFFERED); /* left alone */
	}
	assert_int_equal(fs_meta_parse("swapemu-meta 1\ncache=buffered\n", &m),
			 0);
	assert_int_equal(m.cache, FS_CACHE_BUFFERED);
}

/* Text that must be refused. */
static const char *const meta_bad[] = {
	"",
	"size=1\n",
	"swapemu-meta 2\nsize=1\n",
	"swapemu-meta 1\nsize=-1\n",
	"swapemu-meta 1\nsize=12x\n",
	"swapemu-meta 1\nprio=-2\n",
	"swapemu-meta 1\nprio=32768\n",
	"swapemu-meta 1\nmode=010000\n",
	"swapemu-meta 1\nuid=4294967296\n",
	"swapemu-meta 1\nno equals sign\n",
	"swapemu-meta 1\ncache=writeback\n",
};

static void test_meta_bad(void **state)
{
	struct fs_meta m;

	for (size_t i = 0; i < sizeof(meta_bad) / sizeof(meta_bad[0]); i++)
		if (fs_meta_parse(meta_bad[i], &m) != -EINVAL)
			fail_msg("accepted: '%s'", meta_bad[i]);
}

static void test_meta_save_load(void **state)
{
	char dir[] = "/tmp/swapemu-meta.XXXXXX";
	struct fs_meta m, back;
	int dirfd;

	assert_non_null(mkdtemp(dir));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dirfd >= 0);
	fs_meta_init(&m);
	m.size = 1 << 20;
	m.prio = 3;
	assert_int_equal(fs_meta_save(dirfd, "a.meta", &m), 0);
	m.prio = 4; /* overwrite: rename over the old file */
	assert_int_equal(fs_meta_save(dirfd, "a.meta", &m), 0);
	assert_int_equal(fs_meta_load(dirfd, "a.meta", &back), 0);
	assert_int_equal(back.prio, 4);
	assert_int_equal(faccessat(dirfd, "a.meta.tmp", F_OK, 0), -1);
	assert_int_equal(fs_meta_load(dirfd, "missing.meta", &back), -ENOENT);
	unlinkat(dirfd, "a.meta", 0);
	close(dirfd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_roundtrip),
		cmocka_unit_test(test_meta_defaults_and_unknown),
		cmocka_unit_test(test_meta_cache),
		cmocka_unit_test(test_meta_bad),
		cmocka_unit_test(test_meta_save_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

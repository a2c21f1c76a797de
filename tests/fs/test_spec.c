/* SPDX-License-Identifier: MIT */
/* Tests of fs/spec.c: --area NAME:SIZE[:PRIO[:MODEL]]. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fs/fs.h"

/* One spec and what it must parse to (rc != 0: only rc is checked). */
struct spec_case {
	const char *text;   /* the --area argument */
	int rc;		    /* expected return */
	uint64_t size;	    /* expected size */
	int prio;	    /* expected priority */
	const char *device; /* expected model text */
};

static const struct spec_case spec_cases[] = {
	{"swap0:1G", 0, 1ull << 30, -1, ""},
	{"a:64M:5", 0, 64ull << 20, 5, ""},
	{"a:64MiB::hdd", 0, 64ull << 20, -1, "preset=hdd"},
	{"a:45056:-1:qd=4,rpm=7200", 0, 45056, -1, "qd=4 rpm=7200"},
	{"a", -EINVAL, 0, 0, NULL},
	{"a:", -EINVAL, 0, 0, NULL},
	{"a:1000", -EINVAL, 0, 0, NULL}, /* not a page multiple */
	{"a:40K", -EINVAL, 0, 0, NULL},	 /* fewer than 11 pages */
	{"a:1M:32768", -EINVAL, 0, 0, NULL},
	{"a:1M:x", -EINVAL, 0, 0, NULL},
	{"../a:1M", -EINVAL, 0, 0, NULL},
	{".swapemu:1M", -EINVAL, 0, 0, NULL},
	{":1M", -EINVAL, 0, 0, NULL},
	{"a:-1M", -EINVAL, 0, 0, NULL},
};

static void test_spec_table(void **state)
{
	for (size_t i = 0; i < sizeof(spec_cases) / sizeof(spec_cases[0]);
	     i++) {
		const struct spec_case *c = &spec_cases[i];
		struct fs_spec sp;
		int rc = fs_spec_parse(c->text, &sp);

		if (rc != c->rc)
			fail_msg("'%s': rc %d, expected %d", c->text, rc,
				 c->rc);
		if (rc)
			continue;
		assert_int_equal(sp.size, c->size);
		assert_int_equal(sp.prio, c->prio);
		assert_string_equal(sp.device, c->device);
	}
}

static void test_spec_files(void **state)
{
	struct fs_spec sp;

	assert_int_equal(fs_spec_parse("a:1M:2:ssd:/x/f1,/y/f2", &sp), 0);
	assert_string_equal(sp.backing, "/x/f1,/y/f2");
	assert_string_equal(sp.device, "preset=ssd");
	assert_int_equal(fs_spec_parse("a:1M:::/x/f1", &sp), 0);
	assert_string_equal(sp.backing, "/x/f1");
	assert_string_equal(sp.device, "");
	assert_int_equal(fs_spec_parse("a:1M:::rel/f1", &sp), -EINVAL);
	assert_int_equal(fs_spec_parse("a:1M:::/x,,/y", &sp), -EINVAL);
	assert_int_equal(fs_spec_parse("a:1M:::/x,", &sp), -EINVAL);
	assert_int_equal(fs_spec_parse("a:1M:::/x,y", &sp), -EINVAL);
	assert_int_equal(
		fs_spec_parse("a:1M:::/1,/2,/3,/4,/5,/6,/7,/8,/9", &sp),
		-EINVAL);
}

static void test_spec_name(void **state)
{
	struct fs_spec sp;

	assert_int_equal(fs_spec_parse("vm disk:1M", &sp), 0);
	assert_string_equal(sp.name, "vm disk");
	assert_false(sp.has_prio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_table),
		cmocka_unit_test(test_spec_files),
		cmocka_unit_test(test_spec_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

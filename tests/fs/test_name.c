/* SPDX-License-Identifier: MIT */
/* Tests of fs/name.c: which area names the mount accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fs/fs.h"

/* One name and whether it is acceptable. */
struct name_case {
	const char *name; /* candidate file name */
	bool valid;	  /* expected fs_name_valid() */
};

static const struct name_case name_cases[] = {
	{"swap0", true},      {"a", true},	     {"vm disk.img", true},
	{".hidden", true},    {"a..b", true},	     {"", false},
	{".", false},	      {"..", false},	     {"a/b", false},
	{"/abs", false},      {"../escape", false},  {".swapemu", false},
	{".swapemu2", false}, {".swapemu-x", false}, {"tab\there", false},
	{"nl\n", false},
};

static void test_name_table(void **state)
{
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]);
	     i++) {
		if (fs_name_valid(name_cases[i].name) != name_cases[i].valid)
			fail_msg("name '%s': expected %s", name_cases[i].name,
				 name_cases[i].valid ? "valid" : "invalid");
	}
}

static void test_name_length(void **state)
{
	char name[FS_NAME_MAX + 2];

	memset(name, 'x', sizeof(name));
	name[FS_NAME_MAX] = '\0';
	assert_true(fs_name_valid(name));
	name[FS_NAME_MAX] = 'x';
	name[FS_NAME_MAX + 1] = '\0';
	assert_false(fs_name_valid(name));
	assert_false(fs_name_valid(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_table),
		cmocka_unit_test(test_name_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

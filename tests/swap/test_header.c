/* SPDX-License-Identifier: MIT */
/*
 * Tests for swap/header.c: the on-disk layout byte for byte, every fault
 * the parser reports, and agreement with the headers util-linux mkswap
 * writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "swap/header.h"

#define TEST_PAGES 256u /* size of the areas built by the tests */
#define TEST_AREA_BYTES ((uint64_t)TEST_PAGES * SWAP_PAGE_SIZE)
#define TEST_UUID "0d6c2d4e-9a51-4c1e-8f3b-2a7e5b9c1d08"

/* The temporary directory of this run, removed by group_teardown. */
static char test_dir[PATH_MAX];

/* A page with a recognisable boot sector, then a valid header. */
static void make_page(uint8_t *page, struct swap_header_info *info)
{
	enum swap_header_fault fault;

	for (size_t i = 0; i < SWAP_PAGE_SIZE; i++)
		page[i] = (uint8_t)(i * 7 + 3);
	swap_header_init(info, TEST_PAGES);
	strcpy(info->label, "testlabel");
	assert_int_equal(swap_header_uuid_parse(TEST_UUID, info->uuid), 0);
	info->nr_badpages = 3;
	info->badpages[0] = 5;
	info->badpages[1] = 17;
	info->badpages[2] = TEST_PAGES - 1;
	assert_int_equal(swap_header_format(page, info, &fault), 0);
	assert_int_equal(fault, SWAP_HEADER_OK);
}

static uint32_t raw_u32(const uint8_t *page, size_t off)
{
	uint32_t v;

	memcpy(&v, page + off, sizeof(v));
	return v;
}

static void set_u32(uint8_t *page, size_t off, uint32_t v)
{
	memcpy(page + off, &v, sizeof(v));
}

/* Store @v big-endian, whatever the host's byte order. */
static void set_be32(uint8_t *page, size_t off, uint32_t v)
{
	page[off] = (uint8_t)(v >> 24);
	page[off + 1] = (uint8_t)(v >> 16);
	page[off + 2] = (uint8_t)(v >> 8);
	page[off + 3] = (uint8_t)v;
}

/* Parse a page of a TEST_PAGES-page area; returns the fault. */
static enum swap_header_fault parse_page(const uint8_t *page,
					 struct swap_header_info *out)
{
	enum swap_header_fault fault = SWAP_HEADER_BAD_MAGIC;
	int rc;

	rc = swap_header_parse(page, SWAP_PAGE_SIZE, TEST_AREA_BYTES, out,
			       &fault);
	assert_int_equal(rc, fault == SWAP_HEADER_OK ? 0 : -EINVAL);
	return fault;
}

static void test_roundtrip(void **state)
{
	uint8_t page[SWAP_PAGE_SIZE];
	struct swap_header_info in, out;

	make_page(page, &in);
	assert_int_equal(parse_page(page, &out), SWAP_HEADER_OK);
	assert_int_equal(out.version, SWAP_HEADER_VERSION);
	assert_int_equal(out.last_page, TEST_PAGES - 1);
	assert_false(out.swapped_endian);
	assert_string_equal(out.label, "testlabel");
	assert_memory_equal(out.uuid, in.uuid, SWAP_HEADER_UUID_LEN);
	assert_int_equal(out.nr_badpages, 3);
	assert_int_equal(out.badpages[0], 5);
	assert_int_equal(out.badpages[1], 17);
	assert_int_equal(out.badpages[2], TEST_PAGES - 1);
	assert_int_equal(swap_header_usable_pages(&out), TEST_PAGES - 1 - 3);
}

/* The layout of REFERENCE.md, byte for byte, and the boot sector kept. */
static void test_layout(void **state)
{
	uint8_t page[SWAP_PAGE_SIZE];
	struct swap_header_info info;

	make_page(page, &info);
	for (size_t i = 0; i < SWAP_HEADER_OFF_VERSION; i++)
		assert_int_equal(page[i], (uint8_t)(i * 7 + 3));
	assert_int_equal(raw_u32(page, 1024), 1);
	assert_int_equal(raw_u32(page, 1028), TEST_PAGES - 1);
	assert_int_equal(raw_u32(page, 1032), 3);
	assert_memory_equal(page + 1036, info.uuid, 16);
	assert_memory_equal(page + 1052, "testlabel\0\0\0\0\0\0\0", 16);
	for (size_t i = 1068; i < 1536; i++)
		assert_int_equal(page[i], 0);
	assert_int_equal(raw_u32(page, 1536), 5);
	assert_int_equal(raw_u32(page, 1540), 17);
	assert_int_equal(raw_u32(page, 1544), TEST_PAGES - 1);
	for (size_t i = 1548; i < 4086; i++)
		assert_int_equal(page[i], 0);
	assert_memory_equal(page + 4086, "SWAPSPACE2", 10);
}

/* A label of exactly 16 bytes has no NUL on disk and parses back whole. */
static void test_label_16(void **state)
{
	uint8_t page[SWAP_PAGE_SIZE];
	struct swap_header_info info, out;
	enum swap_header_fault fault;

	make_page(page, &info);
	strcpy(info.label, "0123456789abcdef");
	assert_int_equal(swap_header_format(page, &info, &fault), 0);
	assert_memory_equal(page + 1052, "0123456789abcdef", 16);
	assert_int_equal(page[1068], 0);
	assert_int_equal(parse_page(page, &out), SWAP_HEADER_OK);
	assert_string_equal(out.label, "0123456789abcdef");
}

/* A label longer than 16 bytes is refused and the page left alone. */
static void test_label_too_long(void **state)
{
	uint8_t page[SWAP_PAGE_SIZE], before[SWAP_PAGE_SIZE];
	struct swap_header_info info;
	enum swap_header_fault fault = SWAP_HEADER_OK;

	make_page(page, &info);
	memcpy(before, page, sizeof(page));
	memset(info.label, 'x', sizeof(info.label)); /* 17 bytes, no NUL */
	assert_int_equal(swap_header_format(page, &info, &fault), -EINVAL);
	assert_int_equal(fault, SWAP_HEADER_LABEL_TOO_LONG);
	assert_memory_equal(page, before, sizeof(page));
}

/* format refuses what parse would refuse, before writing anything. */
static void test_format_refuses(void **state)
{
	uint8_t page[SWAP_PAGE_SIZE], before[SWAP_PAGE_SIZE];
	struct swap_header_info info;
	enum swap_header_fault fault = SWAP_HEADER_OK;

	make_page(page, &info);
	memcpy(before, page, sizeof(page));
	info.badpages[1] = TEST_PAGES;
	assert_int_equal(swap_header_format(page, &info, &fault), -EINVAL);
	assert_int_equal(fault, SWAP_HEADER_BAD_OUT_OF_RANGE);
	swap_header_init(&info, 10);
	assert_int_equal(swap_header_format(page, &info, &fault), -EINVAL);
	assert_int_equal(fault, SWAP_HEADER_TOO_FEW_GOOD);
	swap_header_init(&info, 1);
	assert_int_equal(swap_header_format(page, &info, &fault), -EINVAL);
	assert_int_equal(fault, SWAP_HEADER_NO_PAGES);
	assert_memory_equal(page, before, sizeof(page));
}

/*
 * One crafted header for the table-driven fault test: @mutate damages a
 * valid page (256 pages, bad pages 5, 17, 255) and the parser is expected
 * to report @fault for it.
 */
struct fault_case {
	const char *name; /* what the case shows */
	void (*mutate)(uint8_t *page);
	size_t len;		      /* buffer length handed to the parser */
	uint64_t area_bytes;	      /* area size handed to the parser */
	enum swap_header_fault fault; /* expected; SWAP_HEADER_OK: accepted */
};

static void mut_none(uint8_t *p)
{
}

static void mut_bad_magic(uint8_t *p)
{
	memcpy(p + 4086, "SWAPSPACE3", 10);
}

static void mut_old_magic(uint8_t *p)
{
	memcpy(p + 4086, "SWAP-SPACE", 10);
}

static void mut_empty(uint8_t *p)
{
	memset(p, 0, SWAP_PAGE_SIZE);
}

/* Only the boot sector is left: not empty, but not swap either. */
static void mut_no_header(uint8_t *p)
{
	memset(p + 1024, 0, SWAP_PAGE_SIZE - 1024);
}

static void mut_version2(uint8_t *p)
{
	set_u32(p, 1024, 2);
}

static void mut_version0(uint8_t *p)
{
	set_u32(p, 1024, 0);
}

static void mut_last_page0(uint8_t *p)
{
	set_u32(p, 1028, 0);
}

static void mut_638_bad(uint8_t *p)
{
	set_u32(p, 1032, 638);
}

static void mut_637_bad(uint8_t *p)
{
	set_u32(p, 1028, 1000);
	set_u32(p, 1032, 637);
	for (uint32_t i = 0; i < 637; i++)
		set_u32(p, 1536 + 4 * i, i + 1);
}

static void mut_bad_page0(uint8_t *p)
{
	set_u32(p, 1536 + 4, 0);
}

static void mut_bad_past_last(uint8_t *p)
{
	set_u32(p, 1536 + 8, TEST_PAGES);
}

/* 11 pages, one bad: 9 usable. */
static void mut_9_usable(uint8_t *p)
{
	set_u32(p, 1028, 10);
	set_u32(p, 1032, 1);
	set_u32(p, 1536, 3);
}

/* 11 pages, none bad: exactly 10 usable. */
static void mut_10_usable(uint8_t *p)
{
	set_u32(p, 1028, 10);
	set_u32(p, 1032, 0);
}

/* A big-endian header with more than 637 bad pages. */
static void mut_swapped_638_bad(uint8_t *p)
{
	set_be32(p, 1024, 1);
	set_be32(p, 1028, TEST_PAGES - 1);
	set_be32(p, 1032, 638);
}

static const struct fault_case fault_cases[] = {
	{"valid", mut_none, 4096, TEST_AREA_BYTES, SWAP_HEADER_OK},
	{"area longer than the header", mut_none, 4096, TEST_AREA_BYTES * 2 + 5,
	 SWAP_HEADER_OK},
	{"buffer longer than a page", mut_none, 8192, TEST_AREA_BYTES,
	 SWAP_HEADER_OK},
	{"bad magic", mut_bad_magic, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_BAD_MAGIC},
	{"boot sector only", mut_no_header, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_BAD_MAGIC},
	{"old magic", mut_old_magic, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_OLD_MAGIC},
	{"all zero", mut_empty, 4096, TEST_AREA_BYTES, SWAP_HEADER_EMPTY},
	{"version 2", mut_version2, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_BAD_VERSION},
	{"version 0", mut_version0, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_BAD_VERSION},
	{"last_page 0", mut_last_page0, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_NO_PAGES},
	{"area one page short", mut_none, 4096,
	 TEST_AREA_BYTES - SWAP_PAGE_SIZE, SWAP_HEADER_AREA_SHORT},
	{"area one byte short", mut_none, 4096, TEST_AREA_BYTES - 1,
	 SWAP_HEADER_AREA_SHORT},
	{"638 bad pages", mut_638_bad, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_TOO_MANY_BAD},
	{"637 bad pages", mut_637_bad, 4096, 1001 * 4096, SWAP_HEADER_OK},
	{"bad page 0", mut_bad_page0, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_BAD_OUT_OF_RANGE},
	{"bad page past last_page", mut_bad_past_last, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_BAD_OUT_OF_RANGE},
	{"9 usable pages", mut_9_usable, 4096, 11 * 4096,
	 SWAP_HEADER_TOO_FEW_GOOD},
	{"10 usable pages", mut_10_usable, 4096, 11 * 4096, SWAP_HEADER_OK},
	{"buffer one byte short", mut_none, 4095, TEST_AREA_BYTES,
	 SWAP_HEADER_TOO_SHORT},
	{"area below one page", mut_none, 4096, 4095, SWAP_HEADER_TOO_SHORT},
	{"swapped, 638 bad pages", mut_swapped_638_bad, 4096, TEST_AREA_BYTES,
	 SWAP_HEADER_TOO_MANY_BAD},
};

static void test_fault(void **state)
{
	const struct fault_case *c = *state;
	uint8_t page[2 * SWAP_PAGE_SIZE] = {0};
	struct swap_header_info info, out;
	enum swap_header_fault fault = SWAP_HEADER_OK;
	int rc;

	make_page(page, &info);
	c->mutate(page);
	rc = swap_header_parse(page, c->len, c->area_bytes, &out, &fault);
	if (fault != c->fault)
		fail_msg("%s: expected '%s', got '%s'", c->name,
			 swap_header_fault_str(c->fault),
			 swap_header_fault_str(fault));
	assert_int_equal(rc, c->fault == SWAP_HEADER_OK ? 0 : -EINVAL);
}

/* A header written on a big-endian machine, byte by byte. */
static void test_swapped_endian(void **state)
{
	uint8_t page[SWAP_PAGE_SIZE], again[SWAP_PAGE_SIZE];
	struct swap_header_info out;
	enum swap_header_fault fault;

	memset(page, 0, sizeof(page));
	set_be32(page, 1024, 1);
	set_be32(page, 1028, TEST_PAGES - 1);
	set_be32(page, 1032, 2);
	memcpy(page + 1052, "bigendian", 9);
	set_be32(page, 1536, 9);
	set_be32(page, 1540, 200);
	memcpy(page + 4086, "SWAPSPACE2", 10);
	assert_int_equal(parse_page(page, &out), SWAP_HEADER_OK);
	assert_true(out.swapped_endian);
	assert_int_equal(out.version, 1);
	assert_int_equal(out.last_page, TEST_PAGES - 1);
	assert_int_equal(out.nr_badpages, 2);
	assert_int_equal(out.badpages[0], 9);
	assert_int_equal(out.badpages[1], 200);
	assert_string_equal(out.label, "bigendian");
	/* Formatting the parsed header gives back the same bytes. */
	memset(again, 0, sizeof(again));
	assert_int_equal(swap_header_format(again, &out, &fault), 0);
	assert_memory_equal(again, page, sizeof(page));
}

/* A page listed twice is one unusable slot. */
static void test_usable_duplicates(void **state)
{
	struct swap_header_info info;

	swap_header_init(&info, 100);
	info.nr_badpages = 3;
	info.badpages[0] = 7;
	info.badpages[1] = 8;
	info.badpages[2] = 7;
	assert_int_equal(swap_header_usable_pages(&info), 100 - 1 - 2);
}

static void test_init(void **state)
{
	struct swap_header_info a, b;

	swap_header_init(&a, 1000);
	swap_header_init(&b, 1000);
	assert_int_equal(a.version, 1);
	assert_int_equal(a.last_page, 999);
	assert_int_equal(a.nr_badpages, 0);
	assert_string_equal(a.label, "");
	assert_false(a.swapped_endian);
	/* Version 4, RFC 4122 variant, and random. */
	assert_int_equal(a.uuid[6] >> 4, 4);
	assert_int_equal(a.uuid[8] >> 6, 2);
	assert_memory_not_equal(a.uuid, b.uuid, SWAP_HEADER_UUID_LEN);
	/* last_page is 32 bits on disk. */
	swap_header_init(&a, (uint64_t)1 << 40);
	assert_int_equal(a.last_page, UINT32_MAX);
}

static void test_uuid_strings(void **state)
{
	static const uint8_t bytes[16] = {0x0d, 0x6c, 0x2d, 0x4e, 0x9a, 0x51,
					  0x4c, 0x1e, 0x8f, 0x3b, 0x2a, 0x7e,
					  0x5b, 0x9c, 0x1d, 0x08};
	static const char *const bad[] = {
		"",
		"0d6c2d4e-9a51-4c1e-8f3b-2a7e5b9c1d0",
		"0d6c2d4e-9a51-4c1e-8f3b-2a7e5b9c1d080",
		"0d6c2d4e9a51-4c1e-8f3b-2a7e5b9c1d08-",
		"0d6c2d4e-9a51-4c1e-8f3b_2a7e5b9c1d08",
		"0d6c2d4e-9a51-4c1e-8f3b-2a7e5b9c1dg8",
		" d6c2d4e-9a51-4c1e-8f3b-2a7e5b9c1d08",
	};
	uint8_t u[16];
	char s[37];

	swap_header_uuid_str(bytes, s);
	assert_string_equal(s, TEST_UUID);
	assert_int_equal(swap_header_uuid_parse(s, u), 0);
	assert_memory_equal(u, bytes, 16);
	assert_int_equal(swap_header_uuid_parse(
				 "0D6C2D4E-9A51-4C1E-8F3B-2A7E5B9C1D08", u),
			 0);
	assert_memory_equal(u, bytes, 16);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(u, 0xee, sizeof(u));
		assert_int_equal(swap_header_uuid_parse(bad[i], u), -EINVAL);
		assert_int_equal(u[0], 0xee); /* untouched */
	}
	assert_int_equal(swap_header_uuid_parse(NULL, u), -EINVAL);
}

/* Every fault has its own message. */
static void test_fault_strings(void **state)
{
	for (int i = SWAP_HEADER_OK; i <= SWAP_HEADER_LABEL_TOO_LONG; i++) {
		assert_non_null(swap_header_fault_str(i));
		for (int j = SWAP_HEADER_OK; j < i; j++)
			assert_string_not_equal(swap_header_fault_str(i),
						swap_header_fault_str(j));
	}
	assert_non_null(swap_header_fault_str((enum swap_header_fault)999));
}

/* ---- Headers written by util-linux mkswap ---- */

/*
 * Run @argv with stdout captured into @out (NUL-terminated, truncated to
 * @outlen - 1 bytes).  Returns the exit status, or -1 if it did not run.
 */
static int run_capture(char *const argv[], char *out, size_t outlen)
{
	int pipefd[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 &&
	       (n = read(pipefd[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(pipefd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* mkswap lives in /sbin, which is not in every user's PATH. */
static const char *find_mkswap(void)
{
	static const char *const paths[] = {"/usr/sbin/mkswap", "/sbin/mkswap",
					    "/usr/bin/mkswap", "/bin/mkswap"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	fail_msg("mkswap (util-linux) not found");
	return NULL;
}

/* A fully written (not sparse), owner-only file of @bytes zeroes. */
static void make_file(const char *path, size_t bytes)
{
	static const uint8_t zero[SWAP_PAGE_SIZE];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	for (size_t done = 0; done < bytes; done += sizeof(zero))
		assert_int_equal(write(fd, zero, sizeof(zero)), sizeof(zero));
	assert_int_equal(close(fd), 0);
}

static void read_first_page(const char *path, uint8_t *page)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, page, SWAP_PAGE_SIZE, 0), SWAP_PAGE_SIZE);
	assert_int_equal(close(fd), 0);
}

/*
 * Format @path (TEST_PAGES pages) with mkswap -L lbl -U TEST_UUID; returns
 * the usable bytes mkswap reports ("size = ... (N bytes)").
 */
static uint64_t mkswap_file(const char *path)
{
	char *prog = (char *)find_mkswap(), *file = (char *)path;
	char *argv[] = {prog, "-L", "lbl", "-U", TEST_UUID, file, NULL};
	char out[1024];
	const char *p;
	unsigned long long bytes;

	make_file(path, TEST_AREA_BYTES);
	assert_int_equal(run_capture(argv, out, sizeof(out)), 0);
	p = strstr(out, "size = ");
	assert_non_null(p);
	p = strchr(p, '(');
	assert_non_null(p);
	assert_int_equal(sscanf(p, "(%llu bytes)", &bytes), 1);
	return bytes;
}

static void test_mkswap_parse(void **state)
{
	char path[PATH_MAX + 32];
	uint8_t page[SWAP_PAGE_SIZE];
	uint8_t uuid[SWAP_HEADER_UUID_LEN];
	struct swap_header_info info;
	uint64_t bytes;

	snprintf(path, sizeof(path), "%s/mkswap.swp", test_dir);
	bytes = mkswap_file(path);
	read_first_page(path, page);
	assert_int_equal(parse_page(page, &info), SWAP_HEADER_OK);
	assert_string_equal(info.label, "lbl");
	assert_int_equal(swap_header_uuid_parse(TEST_UUID, uuid), 0);
	assert_memory_equal(info.uuid, uuid, SWAP_HEADER_UUID_LEN);
	assert_int_equal(info.last_page, TEST_PAGES - 1);
	/* mkswap's size is every page but the header. */
	assert_int_equal((uint64_t)info.last_page * SWAP_PAGE_SIZE, bytes);
	assert_int_equal(swap_header_usable_pages(&info) * SWAP_PAGE_SIZE,
			 bytes);
	assert_int_equal(info.nr_badpages, 0);
	assert_false(info.swapped_endian);
	assert_int_equal(unlink(path), 0);
}

/* Bad pages patched into a mkswap header as raw bytes parse back. */
static void test_mkswap_badpages(void **state)
{
	static const uint32_t bad[] = {1, 7, 128, TEST_PAGES - 1};
	char path[PATH_MAX + 32];
	uint8_t page[SWAP_PAGE_SIZE];
	struct swap_header_info info;
	int fd;

	snprintf(path, sizeof(path), "%s/mkswap-bad.swp", test_dir);
	mkswap_file(path);
	read_first_page(path, page);
	set_u32(page, 1032, 4);
	for (size_t i = 0; i < 4; i++)
		set_u32(page, 1536 + 4 * i, bad[i]);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, page, sizeof(page), 0), sizeof(page));
	assert_int_equal(close(fd), 0);

	read_first_page(path, page);
	assert_int_equal(parse_page(page, &info), SWAP_HEADER_OK);
	assert_int_equal(info.nr_badpages, 4);
	assert_memory_equal(info.badpages, bad, sizeof(bad));
	assert_string_equal(info.label, "lbl");
	assert_int_equal(swap_header_usable_pages(&info), TEST_PAGES - 1 - 4);
	assert_int_equal(unlink(path), 0);
}

static int group_setup(void **state)
{
	const char *base = getenv("SWAPEMU_TEST_DIR");

	if (!base || !*base)
		base = "/tmp";
	snprintf(test_dir, sizeof(test_dir), "%s/test_header.XXXXXX", base);
	return mkdtemp(test_dir) ? 0 : -1;
}

/* The tests unlink their own files; a failed one may leave some. */
static int group_teardown(void **state)
{
	static const char *const names[] = {"mkswap.swp", "mkswap-bad.swp"};
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", test_dir, names[i]);
		unlink(path);
	}
	return rmdir(test_dir);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(test_roundtrip),
	cmocka_unit_test(test_layout),
	cmocka_unit_test(test_label_16),
	cmocka_unit_test(test_label_too_long),
	cmocka_unit_test(test_format_refuses),
	cmocka_unit_test(test_swapped_endian),
	cmocka_unit_test(test_usable_duplicates),
	cmocka_unit_test(test_init),
	cmocka_unit_test(test_uuid_strings),
	cmocka_unit_test(test_fault_strings),
	cmocka_unit_test(test_mkswap_parse),
	cmocka_unit_test(test_mkswap_badpages),
};

#define NR_TESTS (ARRAY_SIZE(fixed_tests) + ARRAY_SIZE(fault_cases))

int main(void)
{
	struct CMUnitTest tests[NR_TESTS];
	size_t n = ARRAY_SIZE(fixed_tests);

	/* One test per fault case, named after the case. */
	memcpy(tests, fixed_tests, sizeof(fixed_tests));
	for (size_t i = 0; i < ARRAY_SIZE(fault_cases); i++)
		tests[n + i] = (struct CMUnitTest){
			.name = fault_cases[i].name,
			.test_func = test_fault,
			.initial_state = (void *)&fault_cases[i],
		};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

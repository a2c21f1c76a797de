/* SPDX-License-Identifier: MIT */
/*
 * `swapemu inspect [--json] FILE`: read and check the swap header of a
 * file or block device with the kernel's swapon rules, and print it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "cli/command.h"
#include "swap/header.h"

#define CMD "inspect"

/* Bad pages per line of the text output. */
#define BADPAGES_PER_LINE 10

/* What was read from the target. */
struct inspect_data {
	uint8_t page[SWAP_PAGE_SIZE]; /* its first page */
	size_t len;		      /* bytes of page[] read */
	uint64_t area_bytes;	      /* size of the file or device */
	bool is_file;		      /* a regular file, not a block device */
};

static const char inspect_help[] =
	"usage: swapemu inspect [--json] FILE\n"
	"\n"
	"Read the swap header of FILE (a regular file or a block device),\n"
	"check it as the kernel's swapon does and print its fields.  A\n"
	"header that swapon would refuse is reported with the reason on\n"
	"stderr, and the exit status is 1.\n"
	"\n"
	"options:\n"
	"  -j, --json   print one JSON object\n"
	"  -h, --help   show this help\n";

/* The kind and size of an open regular file or block device. */
static int area_size(int fd, struct inspect_data *d)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	d->is_file = S_ISREG(st.st_mode);
	if (d->is_file) {
		d->area_bytes = (uint64_t)st.st_size;
		return 0;
	}
	if (!S_ISBLK(st.st_mode))
		return -EINVAL;
	if (ioctl(fd, BLKGETSIZE64, &d->area_bytes) < 0)
		return -errno;
	return 0;
}

/* Read up to one page from the start of @fd into @d. */
static int read_page(int fd, struct inspect_data *d)
{
	ssize_t n;

	d->len = 0;
	while (d->len < SWAP_PAGE_SIZE) {
		n = pread(fd, d->page + d->len, SWAP_PAGE_SIZE - d->len,
			  (off_t)d->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		d->len += (size_t)n;
	}
	return 0;
}

/* Read the first page and the size of @path.  Prints what is wrong. */
static int read_target(const char *path, struct inspect_data *d)
{
	const char *what = "cannot open";
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	what = "cannot get the size of";
	rc = area_size(fd, d);
	if (rc)
		goto out_close;
	what = "cannot read";
	rc = read_page(fd, d);
out_close:
	close(fd);
out:
	if (rc == -EINVAL)
		command_fail(CMD, 0, "%s: not a regular file or block device",
			     path);
	else if (rc)
		command_fail(CMD, rc, "%s %s", what, path);
	return rc;
}

/* Whether @s is valid UTF-8 (no overlong forms or surrogates checked). */
static bool utf8_valid(const unsigned char *s)
{
	int follow;

	for (; *s; s++) {
		if (*s < 0x80)
			continue;
		if ((*s & 0xe0) == 0xc0)
			follow = 1;
		else if ((*s & 0xf0) == 0xe0)
			follow = 2;
		else if ((*s & 0xf8) == 0xf0)
			follow = 3;
		else
			return false;
		while (follow--)
			if ((*++s & 0xc0) != 0x80)
				return false;
	}
	return true;
}

/*
 * Print @s as a JSON string.  A label is any 16 bytes: text that is not
 * valid UTF-8 is printed byte by byte as \u00XX (read as Latin-1) so that
 * the output stays valid JSON.
 */
static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	bool raw_high = utf8_valid(p);

	putchar('"');
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !raw_high))
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* Byte order of the header on disk, by name. */
static const char *byte_order(const struct swap_header_info *info)
{
	bool host_little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

	return host_little != info->swapped_endian ? "little" : "big";
}

static void print_json(const char *path, const struct swap_header_info *info,
		       uint64_t area_bytes)
{
	uint64_t usable = swap_header_usable_pages(info);
	char uuid[37];

	swap_header_uuid_str(info->uuid, uuid);
	printf("{\"file\":");
	json_string(path);
	printf(",\"version\":%" PRIu32 ",\"byte_order\":\"%s\""
	       ",\"swapped_endian\":%s,\"last_page\":%" PRIu32
	       ",\"pages\":%" PRIu64 ",\"area_bytes\":%" PRIu64
	       ",\"usable_pages\":%" PRIu64 ",\"usable_bytes\":%" PRIu64
	       ",\"label\":",
	       info->version, byte_order(info),
	       info->swapped_endian ? "true" : "false", info->last_page,
	       (uint64_t)info->last_page + 1, area_bytes, usable,
	       usable << SWAP_PAGE_SHIFT);
	json_string(info->label);
	printf(",\"uuid\":\"%s\",\"nr_badpages\":%" PRIu32 ",\"bad_pages\":[",
	       uuid, info->nr_badpages);
	for (uint32_t i = 0; i < info->nr_badpages; i++)
		printf("%s%" PRIu32, i ? "," : "", info->badpages[i]);
	printf("]}\n");
}

/* A label for a terminal: unprintable bytes as \xNN. */
static void print_label(const char *label)
{
	const unsigned char *p = (const unsigned char *)label;

	if (!*p) {
		printf("(none)");
		return;
	}
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
}

static void print_badpages(const struct swap_header_info *info)
{
	printf("bad pages:     %" PRIu32, info->nr_badpages);
	for (uint32_t i = 0; i < info->nr_badpages; i++) {
		if (i % BADPAGES_PER_LINE == 0)
			printf("\n  ");
		printf(" %" PRIu32, info->badpages[i]);
	}
	putchar('\n');
}

static void print_text(const char *path, const struct swap_header_info *info,
		       const struct inspect_data *d)
{
	uint64_t usable = swap_header_usable_pages(info);
	char uuid[37];

	swap_header_uuid_str(info->uuid, uuid);
	printf("file:          %s\n", path);
	printf("version:       %" PRIu32 "\n", info->version);
	printf("byte order:    %s-endian%s\n", byte_order(info),
	       info->swapped_endian ? " (swapped: not this machine's)" : "");
	printf("last_page:     %" PRIu32 "\n", info->last_page);
	printf("pages:         %" PRIu64 "\n", (uint64_t)info->last_page + 1);
	printf("area size:     %" PRIu64 " bytes\n", d->area_bytes);
	printf("usable pages:  %" PRIu64 "\n", usable);
	printf("usable size:   %" PRIu64 " KiB (%" PRIu64 " bytes)\n",
	       usable << (SWAP_PAGE_SHIFT - 10), usable << SWAP_PAGE_SHIFT);
	printf("label:         ");
	print_label(info->label);
	printf("\nuuid:          %s\n", uuid);
	print_badpages(info);
	/* The kernel takes bad pages only from block devices. */
	if (d->is_file && info->nr_badpages)
		printf("note: swapon refuses bad pages in a regular file; "
		       "use it through a loop device\n");
}

/* Parse the options; returns 0, 1 after --help, or -EINVAL. */
static int parse_args(int argc, char **argv, bool *json, const char **path)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "jh", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(inspect_help, stdout);
			return 1;
		}
		if (c != 'j')
			goto out_usage;
		*json = true;
	}
	if (optind != argc - 1) {
		command_fail(CMD, 0,
			     optind < argc ? "more than one FILE given"
					   : "no FILE given");
		goto out_usage;
	}
	*path = argv[optind];
	return 0;
out_usage:
	fputs(inspect_help, stderr);
	return -EINVAL;
}

static int cmd_inspect(int argc, char **argv)
{
	struct inspect_data data;
	struct swap_header_info info;
	enum swap_header_fault fault;
	const char *path = NULL;
	bool json = false;
	int rc;

	rc = parse_args(argc, argv, &json, &path);
	if (rc)
		return rc > 0 ? 0 : 1;
	if (read_target(path, &data))
		return 1;
	if (swap_header_parse(data.page, data.len, data.area_bytes, &info,
			      &fault))
		return command_fail(CMD, 0, "%s: invalid swap header: %s", path,
				    swap_header_fault_str(fault));
	if (json)
		print_json(path, &info, data.area_bytes);
	else
		print_text(path, &info, &data);
	return 0;
}

SWAPEMU_COMMAND("inspect",
		"check and print the swap header of a file or device",
		cmd_inspect)

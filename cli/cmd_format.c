/* SPDX-License-Identifier: MIT */
/*
 * `swapemu format [-L LABEL] [-U UUID] [-s SIZE] [--bad PAGES] FILE`: write
 * a SWAPSPACE2 header, as mkswap does.  FILE is a regular file (created
 * when --size is given and it does not exist) or a block device.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "cli/command.h"
#include "swap/header.h"

#define CMD "format"

/* What the command line asked for. */
struct format_opts {
	const char *path;  /* the file or block device to format */
	const char *label; /* -L, NULL for none */
	bool has_uuid;	   /* -U given */
	bool has_size;	   /* --size given */
	uint64_t size;	   /* --size, in bytes */
	uint32_t nr_bad;   /* entries used in bad[] */
	/* -U, parsed */
	uint8_t uuid[SWAP_HEADER_UUID_LEN];
	/* --bad pages, in the order given */
	uint32_t bad[SWAP_HEADER_MAX_BADPAGES];
};

/* The opened target of the command. */
struct format_target {
	int fd;		    /* open read-write */
	bool created;	    /* this run created the file: unlink on failure */
	bool is_blk;	    /* a block device, not a regular file */
	uint64_t cur_bytes; /* its size before this run */
};

static const char format_help[] =
	"usage: swapemu format [options] FILE\n"
	"\n"
	"Write a SWAPSPACE2 swap header to FILE, a regular file or a block\n"
	"device, as mkswap does.  Bytes 0..1023 (a boot sector) are kept.\n"
	"\n"
	"options:\n"
	"  -L, --label LABEL        volume label, at most 16 bytes\n"
	"  -U, --uuid UUID          UUID (default: a random version 4 UUID)\n"
	"  -s, --size SIZE          area size, K/M/G/T suffixes (powers of\n"
	"                           1024); a regular file is created if\n"
	"                           missing and set to this size; it is\n"
	"                           sparse, so swapon needs a loop device\n"
	"                           (or fallocate the file first)\n"
	"      --bad PAGE[,PAGE...] record these pages as bad (repeatable)\n"
	"  -h, --help               show this help\n";

/* Record one bad page in @o.  Prints what is wrong. */
static int add_bad_page(struct format_opts *o, uint32_t page)
{
	for (uint32_t i = 0; i < o->nr_bad; i++) {
		if (o->bad[i] == page) {
			command_fail(CMD, 0,
				     "--bad: page %" PRIu32 " is listed twice",
				     page);
			return -EINVAL;
		}
	}
	if (o->nr_bad == SWAP_HEADER_MAX_BADPAGES) {
		command_fail(CMD, 0, "--bad: %s",
			     swap_header_fault_str(SWAP_HEADER_TOO_MANY_BAD));
		return -EINVAL;
	}
	o->bad[o->nr_bad++] = page;
	return 0;
}

/*
 * Add the pages of one --bad argument, decimal page numbers separated by
 * commas, to @o.  Range checks against the area come later, with the rest
 * of the header.  Prints what is wrong.
 */
static int parse_bad_list(struct format_opts *o, const char *arg)
{
	const char *s = arg;
	unsigned long long v;
	char *end;

	for (;;) {
		if (*s < '0' || *s > '9')
			goto out_invalid;
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno || v > UINT32_MAX || (*end && *end != ','))
			goto out_invalid;
		if (add_bad_page(o, (uint32_t)v))
			return -EINVAL;
		if (!*end)
			return 0;
		s = end + 1;
	}
out_invalid:
	command_fail(CMD, 0,
		     "--bad '%s': expected page numbers "
		     "(0..4294967295) separated by commas",
		     arg);
	return -EINVAL;
}

/* Handle one option of getopt_long.  Prints what is wrong. */
static int parse_option(struct format_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'L':
		if (strlen(arg) > SWAP_HEADER_LABEL_LEN) {
			command_fail(CMD, 0, "label '%s': %s", arg,
				     swap_header_fault_str(
					     SWAP_HEADER_LABEL_TOO_LONG));
			return -EINVAL;
		}
		o->label = arg;
		return 0;
	case 'U':
		if (swap_header_uuid_parse(arg, o->uuid)) {
			command_fail(CMD, 0,
				     "invalid UUID '%s' (expected "
				     "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
				     arg);
			return -EINVAL;
		}
		o->has_uuid = true;
		return 0;
	case 's':
		if (command_parse_size(arg, &o->size)) {
			command_fail(CMD, 0, "invalid size '%s'", arg);
			return -EINVAL;
		}
		o->has_size = true;
		return 0;
	case 'b':
		return parse_bad_list(o, arg);
	}
	fputs(format_help, stderr);
	return -EINVAL;
}

/*
 * Fill @o from the command line.  Returns 0, 1 when --help was shown, or
 * -EINVAL after printing what is wrong.
 */
static int parse_args(int argc, char **argv, struct format_opts *o)
{
	static const struct option longopts[] = {
		{"label", required_argument, NULL, 'L'},
		{"uuid", required_argument, NULL, 'U'},
		{"size", required_argument, NULL, 's'},
		{"bad", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc;

	while ((c = getopt_long(argc, argv, "L:U:s:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(format_help, stdout);
			return 1;
		}
		rc = parse_option(o, c, optarg);
		if (rc)
			return rc;
	}
	if (optind != argc - 1) {
		command_fail(CMD, 0,
			     optind < argc ? "more than one FILE given"
					   : "no FILE given");
		fputs(format_help, stderr);
		return -EINVAL;
	}
	o->path = argv[optind];
	return 0;
}

/* The size in bytes of an open regular file or block device. */
static int target_bytes(int fd, const struct stat *st, uint64_t *bytes)
{
	if (S_ISREG(st->st_mode)) {
		*bytes = (uint64_t)st->st_size;
		return 0;
	}
	if (ioctl(fd, BLKGETSIZE64, bytes) < 0)
		return -errno;
	return 0;
}

/*
 * Open @o->path read-write into @t: an existing regular file, a block
 * device (exclusively, so a mounted device or active swap is refused, as
 * mkswap does), or a new file when --size is given.  Prints what is wrong.
 */
static int open_target(const struct format_opts *o, struct format_target *t)
{
	struct stat st;
	int flags = O_RDWR | O_CLOEXEC, rc;

	t->created = false;
	if (stat(o->path, &st) == 0) {
		if (S_ISBLK(st.st_mode))
			flags |= O_EXCL;
	} else if (errno == ENOENT && o->has_size) {
		flags |= O_CREAT | O_EXCL;
		t->created = true;
	}
	t->fd = open(o->path, flags, 0600);
	if (t->fd < 0) {
		rc = -errno;
		if (rc == -ENOENT)
			command_fail(CMD, 0,
				     "%s does not exist (give --size "
				     "to create it)",
				     o->path);
		else
			command_fail(CMD, rc, "cannot open %s%s", o->path,
				     rc == -EBUSY ? " (mounted or active swap?)"
						  : "");
		return rc;
	}
	rc = -errno;
	if (fstat(t->fd, &st) < 0)
		goto out_close;
	rc = -EINVAL;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		goto out_close;
	t->is_blk = S_ISBLK(st.st_mode);
	rc = target_bytes(t->fd, &st, &t->cur_bytes);
	if (rc == 0)
		return 0;
out_close:
	if (rc == -EINVAL)
		command_fail(CMD, 0, "%s: not a regular file or block device",
			     o->path);
	else
		command_fail(CMD, rc, "cannot get the size of %s", o->path);
	close(t->fd);
	return rc;
}

/*
 * The size of the area to format: --size, or the current size.  A block
 * device cannot grow.  Prints what is wrong.
 */
static int area_bytes(const struct format_opts *o,
		      const struct format_target *t, uint64_t *bytes)
{
	*bytes = o->has_size ? o->size : t->cur_bytes;
	if (o->has_size && t->is_blk && o->size > t->cur_bytes) {
		command_fail(CMD, 0,
			     "%s: --size %" PRIu64
			     " bytes is larger than the device (%" PRIu64
			     " bytes)",
			     o->path, o->size, t->cur_bytes);
		return -EINVAL;
	}
	if (*bytes == 0) {
		command_fail(CMD, 0, "%s: is empty (give --size)", o->path);
		return -EINVAL;
	}
	return 0;
}

/* Build the header for an area of @bytes bytes from the options. */
static void build_info(const struct format_opts *o, uint64_t bytes,
		       struct swap_header_info *info)
{
	uint64_t pages = bytes >> SWAP_PAGE_SHIFT;

	if (pages > (uint64_t)UINT32_MAX + 1)
		fprintf(stderr,
			"swapemu " CMD ": warning: truncating swap area to "
			"%" PRIu64 " KiB\n",
			((uint64_t)UINT32_MAX + 1) << (SWAP_PAGE_SHIFT - 10));
	swap_header_init(info, pages);
	if (o->label)
		strncpy(info->label, o->label, sizeof(info->label) - 1);
	if (o->has_uuid)
		memcpy(info->uuid, o->uuid, SWAP_HEADER_UUID_LEN);
	info->nr_badpages = o->nr_bad;
	memcpy(info->badpages, o->bad, o->nr_bad * sizeof(o->bad[0]));
}

/* Read the first page (zeroes past the end of a short file). */
static int read_first_page(int fd, uint8_t *page)
{
	size_t done = 0;
	ssize_t n;

	memset(page, 0, SWAP_PAGE_SIZE);
	while (done < SWAP_PAGE_SIZE) {
		n = pread(fd, page + done, SWAP_PAGE_SIZE - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return 0;
}

static int write_page(int fd, const uint8_t *page)
{
	size_t done = 0;
	ssize_t n;

	while (done < SWAP_PAGE_SIZE) {
		n = pwrite(fd, page + done, SWAP_PAGE_SIZE - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

/*
 * Size the file (when asked), write the header page and flush it to
 * stable storage.  Prints what is wrong.
 */
static int write_header(const struct format_opts *o,
			const struct format_target *t, const uint8_t *page)
{
	const char *what = "set size of";
	int rc = 0;

	if (o->has_size && !t->is_blk && ftruncate(t->fd, (off_t)o->size) < 0)
		rc = -errno;
	if (!rc) {
		what = "write header to";
		rc = write_page(t->fd, page);
	}
	if (!rc && fsync(t->fd) < 0) {
		what = "sync";
		rc = -errno;
	}
	if (rc)
		command_fail(CMD, rc, "cannot %s %s", what, o->path);
	return rc;
}

/* The mkswap-like summary of what was written. */
static void print_summary(const struct swap_header_info *info)
{
	uint64_t bytes = swap_header_usable_pages(info) << SWAP_PAGE_SHIFT;
	char uuid[37];

	swap_header_uuid_str(info->uuid, uuid);
	printf("Setting up swapspace version %u, size = %" PRIu64
	       " KiB (%" PRIu64 " bytes)\n",
	       SWAP_HEADER_VERSION, bytes >> 10, bytes);
	if (info->label[0])
		printf("LABEL=%s, UUID=%s\n", info->label, uuid);
	else
		printf("no label, UUID=%s\n", uuid);
}

/*
 * Validate the header for the target's size, then write it.  Nothing on
 * disk changes when the header is invalid.  Prints what is wrong.
 */
static int format_target(const struct format_opts *o,
			 const struct format_target *t)
{
	struct swap_header_info info;
	uint8_t page[SWAP_PAGE_SIZE];
	enum swap_header_fault fault;
	uint64_t bytes;
	int rc;

	rc = area_bytes(o, t, &bytes);
	if (rc)
		return rc;
	build_info(o, bytes, &info);
	rc = read_first_page(t->fd, page);
	if (rc) {
		command_fail(CMD, rc, "cannot read %s", o->path);
		return rc;
	}
	rc = swap_header_format(page, &info, &fault);
	if (rc) {
		command_fail(CMD, 0,
			     "%s: %" PRIu64 " bytes (%" PRIu64 " pages): %s",
			     o->path, bytes, bytes >> SWAP_PAGE_SHIFT,
			     swap_header_fault_str(fault));
		return rc;
	}
	rc = write_header(o, t, page);
	if (rc)
		return rc;
	print_summary(&info);
	/* The kernel takes bad pages only from block devices. */
	if (!t->is_blk && info.nr_badpages)
		fprintf(stderr, "swapemu " CMD ": warning: swapon refuses bad "
				"pages in a regular file; use it through a "
				"loop device\n");
	return 0;
}

static int cmd_format(int argc, char **argv)
{
	struct format_opts opts = {0};
	struct format_target t;
	int rc;

	rc = parse_args(argc, argv, &opts);
	if (rc)
		return rc > 0 ? 0 : 1;
	rc = open_target(&opts, &t);
	if (rc)
		return 1;
	rc = format_target(&opts, &t);
	if (close(t.fd) < 0 && !rc) {
		rc = -errno;
		command_fail(CMD, rc, "cannot close %s", opts.path);
	}
	if (rc && t.created)
		unlink(opts.path);
	return rc ? 1 : 0;
}

SWAPEMU_COMMAND("format", "write a swap header to a file or device (mkswap)",
		cmd_format)

/* SPDX-License-Identifier: MIT */
/*
 * The SWAPSPACE2 swap header: format, parse and validate.
 *
 * Validation follows the kernel's swapon (read_swap_header() and the setup
 * of the swap_map) check by check and in the same order, so that a header
 * this module accepts is one the kernel accepts, and a refused one names
 * the kernel's reason.  One rule is mkswap's rather than the kernel's: an
 * area needs at least SWAP_HEADER_MIN_GOODPAGES usable pages (the kernel
 * itself only needs one).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "swap/header.h"

/* The version 0 signature, replaced by SWAPSPACE2 in Linux 2.1.117. */
#define SWAP_HEADER_OLD_MAGIC_STR "SWAP-SPACE"

static const char *const fault_msgs[] = {
	[SWAP_HEADER_OK] = "valid swap header",
	[SWAP_HEADER_TOO_SHORT] = "smaller than one 4096-byte page",
	[SWAP_HEADER_EMPTY] =
		"first page is all zeroes: never formatted as swap",
	[SWAP_HEADER_OLD_MAGIC] = "old SWAP-SPACE (version 0) signature: "
				  "unsupported, run mkswap again",
	[SWAP_HEADER_BAD_MAGIC] = "no SWAPSPACE2 signature at offset 4086",
	[SWAP_HEADER_BAD_VERSION] =
		"unsupported header version (only 1 is known)",
	[SWAP_HEADER_NO_PAGES] =
		"last_page is 0: the header describes no swap pages",
	[SWAP_HEADER_AREA_SHORT] =
		"area is shorter than the header's last_page + 1 pages",
	[SWAP_HEADER_TOO_MANY_BAD] = "more than 637 bad pages listed",
	[SWAP_HEADER_BAD_OUT_OF_RANGE] =
		"a bad page is 0 (the header) or beyond last_page",
	[SWAP_HEADER_TOO_FEW_GOOD] = "fewer than 10 usable pages",
	[SWAP_HEADER_LABEL_TOO_LONG] = "label longer than 16 bytes",
};

const char *swap_header_fault_str(enum swap_header_fault fault)
{
	if ((unsigned int)fault >= sizeof(fault_msgs) / sizeof(fault_msgs[0]) ||
	    !fault_msgs[fault])
		return "unknown swap header fault";
	return fault_msgs[fault];
}

/* Byte-order helpers: fields are stored in the writer's byte order. */
static uint32_t get_u32(const uint8_t *p, bool swapped)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap32(v) : v;
}

static void put_u32(uint8_t *p, uint32_t v, bool swapped)
{
	if (swapped)
		v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof(v));
}

/*
 * Fill @buf with random bytes from getrandom().  Should the kernel refuse
 * (no getrandom, seccomp), fall back to a clock- and pid-seeded generator:
 * a UUID only needs to be unique, not secret.
 */
static void fill_random(uint8_t *buf, size_t len)
{
	struct timespec ts;
	uint64_t x;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = getrandom(buf + done, len - done, 0);
		if (n > 0)
			done += (size_t)n;
		else if (n < 0 && errno != EINTR)
			break;
	}
	if (done == len)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
	    ((uint64_t)getpid() << 40) ^ (uintptr_t)buf;
	for (; done < len; done++) {
		/* xorshift64 */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[done] = (uint8_t)(x >> 32);
	}
}

void swap_header_init(struct swap_header_info *info, uint64_t pages)
{
	memset(info, 0, sizeof(*info));
	info->version = SWAP_HEADER_VERSION;
	/* last_page is 32 bits on disk: mkswap truncates larger areas too. */
	if (pages > (uint64_t)UINT32_MAX + 1)
		pages = (uint64_t)UINT32_MAX + 1;
	info->last_page = pages ? (uint32_t)(pages - 1) : 0;
	fill_random(info->uuid, SWAP_HEADER_UUID_LEN);
	/* RFC 4122 version 4 (random) in the high nibble of byte 6, variant
	 * 10xx in the top bits of byte 8. */
	info->uuid[6] = (info->uuid[6] & 0x0f) | 0x40;
	info->uuid[8] = (info->uuid[8] & 0x3f) | 0x80;
}

/*
 * The number of pages the kernel uses: last_page + 1, but its page count is
 * an unsigned int, so a header with last_page = UINT32_MAX gets UINT32_MAX.
 * The architecture's own limit (swapfile_maximum_size) is far above 2^32
 * pages on 64-bit machines and is not modelled.
 */
static uint64_t header_max_pages(uint32_t last_page)
{
	if (last_page == UINT32_MAX)
		return UINT32_MAX;
	return (uint64_t)last_page + 1;
}

/* Whether @page occurs in badpages[0..n-1]. */
static bool badpage_listed(const uint32_t *badpages, uint32_t n, uint32_t page)
{
	for (uint32_t i = 0; i < n; i++)
		if (badpages[i] == page)
			return true;
	return false;
}

/*
 * Usable pages: every page but the header and the bad ones.  A page listed
 * twice is counted once here, which is the number of slots really usable;
 * the kernel's si->pages (the /proc/swaps size) subtracts a duplicate twice.
 * mkswap never writes duplicates.
 */
uint64_t swap_header_usable_pages(const struct swap_header_info *info)
{
	uint64_t maxpages = header_max_pages(info->last_page);
	uint64_t bad = 0;
	uint32_t n = info->nr_badpages;

	if (n > SWAP_HEADER_MAX_BADPAGES)
		n = SWAP_HEADER_MAX_BADPAGES;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t page = info->badpages[i];

		if (page && page < maxpages &&
		    !badpage_listed(info->badpages, i, page))
			bad++;
	}
	if (maxpages < 1 + bad)
		return 0;
	return maxpages - 1 - bad;
}

/*
 * Check a decoded header with the kernel's rules, in the kernel's order.
 * @area_pages is the length of the area in whole pages.  Returns the fault,
 * SWAP_HEADER_OK if there is none.
 */
static enum swap_header_fault validate(const struct swap_header_info *info,
				       uint64_t area_pages)
{
	if (info->version != SWAP_HEADER_VERSION)
		return SWAP_HEADER_BAD_VERSION;
	if (info->last_page == 0)
		return SWAP_HEADER_NO_PAGES;
	if (area_pages < header_max_pages(info->last_page))
		return SWAP_HEADER_AREA_SHORT;
	if (info->nr_badpages > SWAP_HEADER_MAX_BADPAGES)
		return SWAP_HEADER_TOO_MANY_BAD;
	for (uint32_t i = 0; i < info->nr_badpages; i++)
		if (info->badpages[i] == 0 ||
		    info->badpages[i] > info->last_page)
			return SWAP_HEADER_BAD_OUT_OF_RANGE;
	if (swap_header_usable_pages(info) < SWAP_HEADER_MIN_GOODPAGES)
		return SWAP_HEADER_TOO_FEW_GOOD;
	return SWAP_HEADER_OK;
}

/*
 * Write @info into @page.  The header is written in host byte order, or in
 * the other byte order when info->swapped_endian is set, so a parsed header
 * formats back to the same bytes.  The area is taken to be exactly
 * last_page + 1 pages long.
 */
int swap_header_format(void *page, const struct swap_header_info *info,
		       enum swap_header_fault *fault)
{
	uint8_t *p = page;
	bool sw = info->swapped_endian;

	if (strnlen(info->label, sizeof(info->label)) > SWAP_HEADER_LABEL_LEN)
		*fault = SWAP_HEADER_LABEL_TOO_LONG;
	else
		*fault = validate(info, header_max_pages(info->last_page));
	if (*fault != SWAP_HEADER_OK)
		return -EINVAL;

	/* Bytes 0..1023 may hold a boot sector or partition table: keep. */
	memset(p + SWAP_HEADER_OFF_VERSION, 0,
	       SWAP_PAGE_SIZE - SWAP_HEADER_OFF_VERSION);
	put_u32(p + SWAP_HEADER_OFF_VERSION, SWAP_HEADER_VERSION, sw);
	put_u32(p + SWAP_HEADER_OFF_LAST_PAGE, info->last_page, sw);
	put_u32(p + SWAP_HEADER_OFF_NR_BADPAGES, info->nr_badpages, sw);
	memcpy(p + SWAP_HEADER_OFF_UUID, info->uuid, SWAP_HEADER_UUID_LEN);
	/* Up to 16 bytes, NUL-padded; a 16-byte label has no NUL on disk. */
	memcpy(p + SWAP_HEADER_OFF_LABEL, info->label,
	       strnlen(info->label, SWAP_HEADER_LABEL_LEN));
	for (uint32_t i = 0; i < info->nr_badpages; i++)
		put_u32(p + SWAP_HEADER_OFF_BADPAGES + 4 * i, info->badpages[i],
			sw);
	memcpy(p + SWAP_HEADER_OFF_MAGIC, SWAP_HEADER_MAGIC,
	       SWAP_HEADER_MAGIC_LEN);
	return 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Tell apart the ways a page can lack the SWAPSPACE2 signature.  Returns
 * SWAP_HEADER_OK when the signature is there.
 */
static enum swap_header_fault check_magic(const uint8_t *p)
{
	const uint8_t *magic = p + SWAP_HEADER_OFF_MAGIC;

	if (!memcmp(magic, SWAP_HEADER_MAGIC, SWAP_HEADER_MAGIC_LEN))
		return SWAP_HEADER_OK;
	if (!memcmp(magic, SWAP_HEADER_OLD_MAGIC_STR, SWAP_HEADER_MAGIC_LEN))
		return SWAP_HEADER_OLD_MAGIC;
	if (all_zero(p, SWAP_PAGE_SIZE))
		return SWAP_HEADER_EMPTY;
	return SWAP_HEADER_BAD_MAGIC;
}

/*
 * Decode the fields of a page whose signature was checked.  A version that
 * reads as 1 once byte-swapped means the header was written by a machine
 * of the other endianness, as the kernel's "endianness hack" accepts it.
 * At most SWAP_HEADER_MAX_BADPAGES entries are decoded; a larger count is
 * kept so that validation refuses it.
 */
static void decode(const uint8_t *p, struct swap_header_info *out)
{
	uint32_t version = get_u32(p + SWAP_HEADER_OFF_VERSION, false);
	bool sw = __builtin_bswap32(version) == SWAP_HEADER_VERSION;
	uint32_t n;

	memset(out, 0, sizeof(*out));
	out->swapped_endian = sw;
	out->version = get_u32(p + SWAP_HEADER_OFF_VERSION, sw);
	out->last_page = get_u32(p + SWAP_HEADER_OFF_LAST_PAGE, sw);
	out->nr_badpages = get_u32(p + SWAP_HEADER_OFF_NR_BADPAGES, sw);
	memcpy(out->uuid, p + SWAP_HEADER_OFF_UUID, SWAP_HEADER_UUID_LEN);
	memcpy(out->label, p + SWAP_HEADER_OFF_LABEL, SWAP_HEADER_LABEL_LEN);
	out->label[SWAP_HEADER_LABEL_LEN] = '\0';
	n = out->nr_badpages;
	if (n > SWAP_HEADER_MAX_BADPAGES)
		n = SWAP_HEADER_MAX_BADPAGES;
	for (uint32_t i = 0; i < n; i++)
		out->badpages[i] =
			get_u32(p + SWAP_HEADER_OFF_BADPAGES + 4 * i, sw);
}

/*
 * On success @out holds the decoded header.  On failure its contents are
 * unspecified (it may hold the fields decoded before the fault was found).
 */
int swap_header_parse(const void *buf, size_t len, uint64_t area_bytes,
		      struct swap_header_info *out,
		      enum swap_header_fault *fault)
{
	const uint8_t *p = buf;

	if (len < SWAP_PAGE_SIZE || area_bytes < SWAP_PAGE_SIZE)
		*fault = SWAP_HEADER_TOO_SHORT;
	else
		*fault = check_magic(p);
	if (*fault != SWAP_HEADER_OK)
		return -EINVAL;

	decode(p, out);
	*fault = validate(out, area_bytes >> SWAP_PAGE_SHIFT);
	return *fault == SWAP_HEADER_OK ? 0 : -EINVAL;
}

void swap_header_uuid_str(const uint8_t uuid[SWAP_HEADER_UUID_LEN],
			  char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (int i = 0; i < SWAP_HEADER_UUID_LEN; i++) {
		/* Groups of 4-2-2-2-6 bytes, as 8-4-4-4-12 digits. */
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[uuid[i] >> 4];
		*o++ = hex[uuid[i] & 0x0f];
	}
	*o = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Accepts exactly the 36-character form, digits in either case. */
int swap_header_uuid_parse(const char *s, uint8_t uuid[SWAP_HEADER_UUID_LEN])
{
	uint8_t tmp[SWAP_HEADER_UUID_LEN];
	int hi, lo;

	if (!s || strlen(s) != 36)
		return -EINVAL;
	for (int i = 0; i < SWAP_HEADER_UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (*s++ != '-')
				return -EINVAL;
		}
		hi = hex_digit(*s++);
		lo = hex_digit(*s++);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(uuid, tmp, SWAP_HEADER_UUID_LEN);
	return 0;
}

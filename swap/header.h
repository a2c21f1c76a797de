/* SPDX-License-Identifier: MIT */
/*
 * The on-disk swap header, SWAPSPACE2, byte for byte as util-linux mkswap
 * writes it and the kernel's read_swap_header() checks it.  The header fills
 * the first page of the area (slot 0); everything after it is swap slots.
 */
#ifndef SWAPEMU_SWAP_HEADER_H
#define SWAPEMU_SWAP_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SWAP_PAGE_SIZE 4096u
#define SWAP_PAGE_SHIFT 12
#define SWAP_HEADER_VERSION 1u
#define SWAP_HEADER_MAGIC "SWAPSPACE2"
#define SWAP_HEADER_MAGIC_LEN 10
#define SWAP_HEADER_MAX_BADPAGES 637u
#define SWAP_HEADER_MIN_GOODPAGES 10u
#define SWAP_HEADER_UUID_LEN 16
#define SWAP_HEADER_LABEL_LEN 16

/* On-disk field offsets inside the header page. */
#define SWAP_HEADER_OFF_VERSION 1024
#define SWAP_HEADER_OFF_LAST_PAGE 1028
#define SWAP_HEADER_OFF_NR_BADPAGES 1032
#define SWAP_HEADER_OFF_UUID 1036
#define SWAP_HEADER_OFF_LABEL 1052
#define SWAP_HEADER_OFF_BADPAGES 1536
#define SWAP_HEADER_OFF_MAGIC (SWAP_PAGE_SIZE - SWAP_HEADER_MAGIC_LEN)

/* The decoded header, in host byte order. */
struct swap_header_info {
	uint32_t version;     /* always SWAP_HEADER_VERSION once parsed */
	uint32_t last_page;   /* index of the last page: pages - 1 */
	uint32_t nr_badpages; /* entries used in badpages[] */
	uint8_t uuid[SWAP_HEADER_UUID_LEN];
	char label[SWAP_HEADER_LABEL_LEN + 1]; /* NUL-terminated */
	bool swapped_endian; /* the header was written by the other endianness */
	uint32_t badpages[SWAP_HEADER_MAX_BADPAGES]; /* page indices, 1..last_page */
};

/* Why a header was refused; each value has its own message. */
enum swap_header_fault {
	SWAP_HEADER_OK = 0,
	SWAP_HEADER_TOO_SHORT,     /* buffer or area smaller than one page */
	SWAP_HEADER_EMPTY,         /* all zeroes: never formatted */
	SWAP_HEADER_OLD_MAGIC,     /* SWAP-SPACE: version 0, unsupported */
	SWAP_HEADER_BAD_MAGIC,     /* no SWAPSPACE2 signature */
	SWAP_HEADER_BAD_VERSION,   /* version field is not 1 */
	SWAP_HEADER_NO_PAGES,      /* last_page == 0 */
	SWAP_HEADER_AREA_SHORT,    /* the area is shorter than last_page + 1 */
	SWAP_HEADER_TOO_MANY_BAD,  /* nr_badpages > 637 */
	SWAP_HEADER_BAD_OUT_OF_RANGE, /* a bad page is 0 or past last_page */
	SWAP_HEADER_TOO_FEW_GOOD,  /* fewer than 10 usable pages */
	SWAP_HEADER_LABEL_TOO_LONG, /* format: label longer than 16 bytes */
};

/* A human-readable message for a fault, never NULL. */
const char *swap_header_fault_str(enum swap_header_fault fault);

/*
 * Fill in defaults for a new header of @pages pages: version 1,
 * last_page = pages - 1, a random UUID, no label, no bad pages.
 */
void swap_header_init(struct swap_header_info *info, uint64_t pages);

/*
 * Write the header described by @info into @page (SWAP_PAGE_SIZE bytes),
 * leaving the boot sector bytes 0..1023 as they were, as mkswap does.
 * Returns 0, or -EINVAL with *@fault set when @info itself is invalid.
 */
int swap_header_format(void *page, const struct swap_header_info *info,
		       enum swap_header_fault *fault);

/*
 * Parse and validate a header with the kernel's swapon rules.  @buf holds
 * at least the first page; @area_bytes is the size of the whole area (file
 * or device) the header came from.  Returns 0 with @out filled, or -EINVAL
 * with *@fault naming the reason.
 */
int swap_header_parse(const void *buf, size_t len, uint64_t area_bytes,
		      struct swap_header_info *out,
		      enum swap_header_fault *fault);

/* Usable slots of a parsed header: last_page + 1 minus header and bad. */
uint64_t swap_header_usable_pages(const struct swap_header_info *info);

/* Format a UUID as the canonical 36-character string (+NUL, 37 bytes). */
void swap_header_uuid_str(const uint8_t uuid[SWAP_HEADER_UUID_LEN],
			  char out[37]);

/* Parse a canonical UUID string; returns 0 or -EINVAL. */
int swap_header_uuid_parse(const char *s, uint8_t uuid[SWAP_HEADER_UUID_LEN]);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * A closed-loop load on an IO engine area, the engine's own IOPS figure
 * that the suites compare fio, the file system and the paging engine with:
 * qd requests in flight, each resubmitted from its completion until the
 * time is up.
 */
#ifndef SWAPEMU_BENCH_ENGINE_LOAD_H
#define SWAPEMU_BENCH_ENGINE_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "swap/io/engine.h"

#define ENGINE_LOAD_MAX_QD 256u

struct engine_load_spec {
	enum swap_io_op op;   /* SWAP_IO_READ or SWAP_IO_WRITE */
	bool random;          /* random offsets, else sequential */
	uint64_t bs;          /* bytes per request, a multiple of 4096 */
	unsigned int qd;      /* requests in flight, 1..ENGINE_LOAD_MAX_QD */
	uint64_t base;        /* first byte of the area used */
	uint64_t span;        /* bytes of the area used from base, >= bs */
	double seconds;       /* how long new requests are issued */
	unsigned char *mem;   /* qd buffers of bs bytes, suitably aligned */
};

/* Run the load on @a; returns IOPS, or a negative errno (-EIO when a
 * request failed, -EINVAL for a bad spec). */
double engine_load_run(struct swap_io_area *a,
		       const struct engine_load_spec *spec);

#endif

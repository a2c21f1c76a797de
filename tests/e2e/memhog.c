/* SPDX-License-Identifier: MIT */
/*
 * memhog MIB [READY_FILE]: fill MIB MiB of anonymous memory with a pattern
 * that names each 8-byte word's page and position, then read it all back
 * twice and exit 0 only if every word is intact (1 on corruption, 2 on a
 * usage or setup error).  With READY_FILE, after the write phase it
 * creates the file and waits (up to 120 s) until someone removes it, so a
 * test can look at swap while the memory is out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEMHOG_PAGE 4096u
#define MEMHOG_SEED 0x9e3779b97f4a7c15ull

static uint64_t memhog_word(size_t page, size_t i)
{
	return (page * MEMHOG_SEED) ^ (i * 0x100000001b3ull) ^ 0xa5a5a5a5u;
}

static void memhog_fill(uint64_t *mem, size_t pages)
{
	size_t per = MEMHOG_PAGE / sizeof(uint64_t);

	for (size_t p = 0; p < pages; p++)
		for (size_t i = 0; i < per; i++)
			mem[p * per + i] = memhog_word(p, i);
}

static size_t memhog_check(const uint64_t *mem, size_t pages)
{
	size_t per = MEMHOG_PAGE / sizeof(uint64_t), bad = 0;

	for (size_t p = 0; p < pages; p++)
		for (size_t i = 0; i < per; i++)
			if (mem[p * per + i] != memhog_word(p, i)) {
				if (!bad)
					fprintf(stderr,
						"memhog: page %zu word "
						"%zu corrupted\n",
						p, i);
				bad++;
			}
	return bad;
}

/* Create @path, then wait until it is gone. */
static int memhog_hold(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	for (int i = 0; i < 1200 && access(path, F_OK) == 0; i++)
		usleep(100000);
	return 0;
}

int main(int argc, char **argv)
{
	size_t mib, pages, bad;
	uint64_t *mem;

	if (argc < 2 || argc > 3 || (mib = strtoul(argv[1], NULL, 10)) == 0) {
		fprintf(stderr, "usage: memhog MIB [READY_FILE]\n");
		return 2;
	}
	pages = mib * (1024 * 1024 / MEMHOG_PAGE);
	mem = mmap(NULL, pages * MEMHOG_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("memhog: mmap");
		return 2;
	}
	memhog_fill(mem, pages);
	printf("memhog: wrote %zu MiB\n", mib);
	fflush(stdout);
	if (argc == 3 && memhog_hold(argv[2])) {
		perror("memhog: ready file");
		return 2;
	}
	bad = memhog_check(mem, pages) + memhog_check(mem, pages);
	printf("memhog: verified %zu MiB, %zu bad words\n", mib, bad);
	return bad ? 1 : 0;
}

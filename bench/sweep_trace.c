/* SPDX-License-Identifier: MIT */
/*
 * The real-program trace of `swapemu bench sweep`: GNU sort of 300
 * numbers under valgrind lackey, converted by the same code as `swapemu
 * trace convert`.  See sweep_i.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/sweep_i.h"
#include "mm/page.h"
#include "mm/trace.h"

#define SORT_LINES 300
#define SHIPPED "sort.trace.gz"

/* Run @argv (with @env added, if not NULL) silenced;
 * returns its exit status, or -errno when it could not start. */
static int run_quiet(char *const argv[], const char *env)
{
	int status, fd;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (env)
			putenv((char *)env);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

/* The input of sort: SORT_LINES numbers from a fixed seed. */
static int write_input(const char *path)
{
	FILE *f = fopen(path, "w");
	uint64_t x = 7;

	if (!f)
		return -errno;
	for (int i = 0; i < SORT_LINES; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		fprintf(f, "%" PRIu64 "\n", (x >> 33) % 1000000);
	}
	return fclose(f) ? -errno : 0;
}

/* Trace sort under valgrind into a lackey file and convert it to @out. */
static int generate(const char *dir, FILE *out, char *err, size_t errlen)
{
	char in[4096], lk[4096], logopt[4200];
	char *const version[] = {"valgrind", "--version", NULL};
	char *const argv[] = {"valgrind", "--tool=lackey", "--trace-mem=yes",
			      logopt,	  "sort",	   in,
			      NULL};
	struct lackey_options lo = {.instructions = false, .task = 0};
	char terr[TRACE_ERROR_LEN] = "";
	FILE *f;
	int64_t n;
	int rc;

	if (run_quiet(version, NULL))
		return -ENOENT;
	snprintf(in, sizeof(in), "%s/sort.in", dir);
	snprintf(lk, sizeof(lk), "%s/sort.lackey", dir);
	snprintf(logopt, sizeof(logopt), "--log-file=%s", lk);
	rc = write_input(in);
	if (!rc && run_quiet(argv, "LC_ALL=C"))
		rc = -ECHILD;
	f = rc ? NULL : fopen(lk, "r");
	if (!rc && !f)
		rc = -errno;
	n = f ? trace_from_lackey(f, out, &lo, terr) : rc;
	if (f)
		fclose(f);
	unlink(in);
	unlink(lk);
	if (n < 0)
		snprintf(err, errlen, "valgrind lackey of sort: %s",
			 terr[0] ? terr : strerror((int)-n));
	return n < 0 ? (int)n : 0;
}

/* The shipped trace, decompressed, or NULL. */
static FILE *open_shipped(void)
{
	const char *src = getenv("SWAPEMU_SRC");
	char here[4096], path[4200], cmd[4400];

	/* The source tree: from the test environment, else where this file
	 * was compiled. */
	snprintf(here, sizeof(here), "%s", __FILE__);
	if (src && *src)
		snprintf(path, sizeof(path), "%s/bench/data/" SHIPPED, src);
	else
		snprintf(path, sizeof(path), "%s/data/" SHIPPED, dirname(here));
	if (access(path, R_OK) || strchr(path, '\''))
		return NULL;
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	return popen(cmd, "r");
}

/*
 * Copy trace @in to @out, writing every page of each mapping once right
 * after its mmap line.
 */
static int fill_mappings(FILE *in, FILE *out)
{
	char line[512];
	unsigned int task;
	uint64_t addr, len;

	while (fgets(line, sizeof(line), in)) {
		fputs(line, out);
		if (sscanf(line, "%u mmap %" SCNx64 " %" SCNu64, &task, &addr,
			   &len) != 3)
			continue;
		for (uint64_t off = 0; off < len; off += PAGE_SIZE)
			fprintf(out, "%u W 0x%" PRIx64 " 8\n", task,
				addr + off);
	}
	return ferror(in) || ferror(out) ? -EIO : 0;
}

static int open_source(const char *given, bool generate_it, const char *dir,
		       FILE **raw, bool *piped, const char **source, char *err,
		       size_t errlen)
{
	int rc;

	*piped = false;
	if (given) {
		*source = "file";
		*raw = fopen(given, "r");
		if (!*raw)
			snprintf(err, errlen, "--trace %s: %s", given,
				 strerror(errno));
		return *raw ? 0 : -ENOENT;
	}
	*raw = tmpfile();
	if (!*raw)
		return -errno;
	rc = generate_it ? generate(dir, *raw, err, errlen) : -ENOENT;
	if (!rc) {
		*source = "valgrind";
		rewind(*raw);
		return 0;
	}
	if (rc != -ENOENT)
		return rc;
	fclose(*raw);
	*source = "shipped";
	*raw = open_shipped();
	*piped = true;
	if (!*raw)
		snprintf(err, errlen,
			 "no valgrind and no bench/data/" SHIPPED
			 " (set SWAPEMU_SRC or give --trace FILE)");
	return *raw ? 0 : -ENOENT;
}

int sweep_trace_prepare(const char *given, bool generate_it, const char *dir,
			char *out_path, size_t len, const char **source,
			char *err, size_t errlen)
{
	FILE *raw = NULL, *out;
	bool piped;
	int rc;

	rc = open_source(given, generate_it, dir, &raw, &piped, source, err,
			 errlen);
	if (rc)
		return rc;
	snprintf(out_path, len, "%s/sort.trace", dir);
	out = fopen(out_path, "w");
	rc = out ? fill_mappings(raw, out) : -errno;
	if (out && fclose(out) && !rc)
		rc = -errno;
	if ((piped ? pclose(raw) : fclose(raw)) && piped && !rc)
		rc = -EIO;
	if (rc)
		snprintf(err, errlen, "%s: %s", out_path, strerror(-rc));
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * What the demo reports about an area of the mount: its slot map over
 * time (heat map and one line of text) and its IO pattern and latencies,
 * all read from the area's control files as any user could.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/plot.h"
#include "cli/demo_i.h"
#include "swap/json.h"

#define DEMO_MAP_ROWS 128u
#define DEMO_MAP_COLS 512u
#define DEMO_MAP_BAD 63 /* SWAP_MAP_BAD in the slotmap file */

/* ---- slot map over time --------------------------------------------------- */

int demo_slotmap_init(struct demo_slotmap *m, const char *mnt, const char *name,
		      uint64_t nr_slots)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->path, sizeof(m->path), "%s/.swapemu/%s/slotmap", mnt, name);
	m->nr_slots = nr_slots;
	m->rows = nr_slots < DEMO_MAP_ROWS ? (unsigned int)nr_slots
					   : DEMO_MAP_ROWS;
	m->stride = 1;
	m->fill = calloc((size_t)DEMO_MAP_COLS * m->rows, sizeof(double));
	m->t = calloc(DEMO_MAP_COLS, sizeof(double));
	m->peak_fill = calloc(m->rows, sizeof(double));
	m->buf = malloc(nr_slots);
	if (!m->fill || !m->t || !m->peak_fill || !m->buf || !m->rows) {
		demo_slotmap_free(m);
		return -ENOMEM;
	}
	return 0;
}

void demo_slotmap_free(struct demo_slotmap *m)
{
	free(m->fill);
	free(m->t);
	free(m->peak_fill);
	free(m->buf);
	m->fill = m->t = m->peak_fill = NULL;
	m->buf = NULL;
}

/* Read the whole map into m->buf; a short map leaves the rest free. */
static int slotmap_read(struct demo_slotmap *m)
{
	int fd = open(m->path, O_RDONLY);
	size_t got = 0;
	ssize_t n = 1;

	if (fd < 0)
		return -errno;
	while (got < m->nr_slots && n > 0) {
		n = read(fd, m->buf + got, m->nr_slots - got);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			got += (size_t)n;
	}
	close(fd);
	if (n < 0)
		return -EIO;
	memset(m->buf + got, 0, m->nr_slots - got);
	return 0;
}

/* Halve the columns kept: average them in pairs. */
static void slotmap_halve(struct demo_slotmap *m)
{
	for (unsigned int c = 0; c < m->cols / 2; c++) {
		double *dst = m->fill + (size_t)c * m->rows;
		const double *a = m->fill + (size_t)2 * c * m->rows;

		for (unsigned int r = 0; r < m->rows; r++)
			dst[r] = (a[r] + a[m->rows + r]) / 2;
		m->t[c] = (m->t[2 * c] + m->t[2 * c + 1]) / 2;
	}
	m->cols /= 2;
	m->stride *= 2;
}

/* Shares of used slots per group of the map in m->buf, into @col. */
static uint64_t slotmap_fold(const struct demo_slotmap *m, double *col)
{
	uint64_t used = 0;

	for (unsigned int r = 0; r < m->rows; r++) {
		uint64_t lo = m->nr_slots * r / m->rows;
		uint64_t hi = m->nr_slots * (r + 1) / m->rows, n = 0;

		for (uint64_t s = lo; s < hi; s++)
			n += m->buf[s] && m->buf[s] != DEMO_MAP_BAD;
		col[r] = hi > lo ? (double)n / (double)(hi - lo) : 0;
		used += n;
	}
	return used;
}

int demo_slotmap_sample(struct demo_slotmap *m)
{
	double now = demo_now();
	uint64_t used;
	double *col;
	int rc;

	if (m->skip) {
		m->skip--;
		return 0;
	}
	m->skip = m->stride - 1;
	rc = slotmap_read(m);
	if (rc)
		return rc;
	if (m->cols == DEMO_MAP_COLS)
		slotmap_halve(m);
	if (!m->t0)
		m->t0 = now;
	col = m->fill + (size_t)m->cols * m->rows;
	m->t[m->cols++] = now - m->t0;
	used = slotmap_fold(m, col);
	if (used >= m->peak) {
		m->peak = used;
		memcpy(m->peak_fill, col, m->rows * sizeof(double));
	}
	return 0;
}

int demo_slotmap_plot(const struct demo_slotmap *m, const char *png,
		      const char *title)
{
	struct plot_opts o = {
		.title = title,
		.xlabel = "time (s)",
		.ylabel = "slot (thousands)",
		.zlabel = "slots in use (%)",
		.xscale = PLOT_SCALE_LINEAR,
		.yscale = PLOT_SCALE_LINEAR,
	};
	struct plot_grid g = {.rows = m->rows, .cols = m->cols, .zmax = 100};
	double *z;
	int rc;

	if (m->cols < 2)
		return -ENODATA;
	z = malloc((size_t)m->rows * m->cols * sizeof(*z));
	if (!z)
		return -ENOMEM;
	/* The grid is row-major (a row is one slot group across time). */
	for (unsigned int r = 0; r < m->rows; r++)
		for (unsigned int c = 0; c < m->cols; c++)
			z[(size_t)r * m->cols + c] =
				100 * m->fill[(size_t)c * m->rows + r];
	g.z = z;
	g.x0 = m->t[0];
	g.dx = (m->t[m->cols - 1] - m->t[0]) / (m->cols - 1);
	g.dy = (double)m->nr_slots / m->rows / 1000;
	g.y0 = g.dy / 2;
	rc = plot_heatmap(png, &o, &g);
	free(z);
	return rc;
}

void demo_slotmap_print(const struct demo_slotmap *m, FILE *f)
{
	static const char shades[] = " .:-=+*#%@";
	unsigned int width = m->rows > 64 ? 64 : m->rows;

	fputs("[", f);
	for (unsigned int i = 0; i < width; i++) {
		unsigned int lo = i * m->rows / width;
		unsigned int hi = (i + 1) * m->rows / width;
		double sum = 0;

		for (unsigned int r = lo; r < hi; r++)
			sum += m->peak_fill[r];
		sum /= hi - lo;
		/* Any use at all shows, so a nearly empty group is not ' '. */
		fputc(shades[sum > 0 ? 1 + (int)(sum * 8.999) : 0], f);
	}
	fputs("]", f);
}

/* ---- an area's control files --------------------------------------------- */

/* Read a small control file into a malloc'ed string. */
static int ctl_slurp(const char *path, char **out, size_t *len)
{
	size_t cap = 1 << 16, got = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY);
	ssize_t n = 1;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? -errno : -ENOMEM;
	}
	while (n > 0) {
		if (got + 1 == cap) {
			char *bigger = realloc(buf, cap *= 2);

			if (!bigger)
				break;
			buf = bigger;
		}
		n = read(fd, buf + got, cap - 1 - got);
		if (n > 0)
			got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	return n < 0 ? -EIO : 0;
}

static void stat_op(const char *json, const char *op, struct demo_io_op *o)
{
	char scope[64];

	snprintf(scope, sizeof(scope), "\"%s\":{\"ops\":", op);
	o->ops = json_find_u64(json, scope, "ops");
	o->bytes = json_find_u64(json, scope, "bytes");
	o->p50 = json_find_u64(json, scope, "p50"); /* the first clock: total */
	o->p99 = json_find_u64(json, scope, "p99");
}

/*
 * Runs of writes in the trace (fio iolog v3 lines "TIME FILE OP OFF LEN"):
 * a write that starts where the previous write ended continues its run.
 */
static void trace_runs(char *text, struct demo_area_io *io)
{
	unsigned long long off, len, end = UINT64_MAX;
	char op[16], *save = NULL;

	for (char *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (sscanf(l, "%*s %*s %15s %llu %llu", op, &off, &len) != 3 ||
		    strcmp(op, "write"))
			continue;
		io->write_runs += off != end;
		io->traced_writes += len;
		end = off + len;
	}
}

int demo_area_io_read(const char *mnt, const char *name,
		      struct demo_area_io *io)
{
	char path[4200], *text;
	int rc;

	memset(io, 0, sizeof(*io));
	snprintf(path, sizeof(path), "%s/.swapemu/%s/stat", mnt, name);
	rc = ctl_slurp(path, &text, NULL);
	if (rc)
		return rc;
	stat_op(text, "read", &io->read);
	stat_op(text, "write", &io->write);
	io->discards = json_find_u64(text, "\"discard\":{", "ops");
	io->trace_dropped = json_find_u64(text, "\"trace\":{", "dropped") > 0;
	free(text);
	snprintf(path, sizeof(path), "%s/.swapemu/%s/trace", mnt, name);
	rc = ctl_slurp(path, &text, NULL);
	if (rc)
		return rc;
	trace_runs(text, io);
	free(text);
	return 0;
}

int demo_area_trace_restart(const char *mnt, const char *name)
{
	char path[4200];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/.swapemu/%s/trace", mnt, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, "on\n", 3) != 3)
		rc = -errno;
	close(fd);
	return rc;
}

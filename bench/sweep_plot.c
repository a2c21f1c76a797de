/* SPDX-License-Identifier: MIT */
/*
 * The plots of `swapemu bench sweep`, drawn from what the runs recorded.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/plot.h"
#include "bench/sweep_i.h"

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c",
				      "#9467bd", "#ff7f0e", "#8c564b"};
#define NR_COLOURS (sizeof(colours) / sizeof(colours[0]))

int sweep_plot_heat(const char *path, const char *title,
		    const struct sweep_heat *h)
{
	struct plot_opts o = {.title = title,
			      .xlabel = "time (s)",
			      .ylabel = "slot",
			      .zlabel = "share of slots in use",
			      .height = 560};
	struct plot_grid g = {.rows = SWEEP_HEAT_ROWS,
			      .cols = h->cols,
			      .x0 = 0,
			      .dx = h->period_s,
			      .zmin = 0,
			      .zmax = 1};
	double *z;
	int rc;

	if (!h->cols)
		return -EINVAL;
	/* Samples were taken column by column; the plot wants rows. */
	z = malloc(h->cols * SWEEP_HEAT_ROWS * sizeof(*z));
	if (!z)
		return -ENOMEM;
	for (size_t c = 0; c < h->cols; c++)
		for (size_t r = 0; r < SWEEP_HEAT_ROWS; r++)
			z[r * h->cols + c] = h->z[c * SWEEP_HEAT_ROWS + r];
	g.z = z;
	g.dy = (double)h->slots / SWEEP_HEAT_ROWS;
	g.y0 = g.dy / 2;
	rc = plot_heatmap(path, &o, &g);
	free(z);
	return rc;
}

int sweep_plot_io(const char *path, const char *title,
		  const struct sweep_io_points *io)
{
	struct plot_opts o = {.title = title,
			      .xlabel = "time (s)",
			      .ylabel = "slot",
			      .xscale = PLOT_SCALE_LINEAR,
			      .yscale = PLOT_SCALE_LINEAR};
	struct plot_series s[2] = {
		{.name = "read", .color = "#1f77b4"},
		{.name = "write", .color = "#d62728"},
	};
	double *x[2], *y[2];
	size_t n[2] = {0, 0};
	int rc = -ENOMEM;

	x[0] = malloc(io->n * sizeof(double) + 1);
	x[1] = malloc(io->n * sizeof(double) + 1);
	y[0] = malloc(io->n * sizeof(double) + 1);
	y[1] = malloc(io->n * sizeof(double) + 1);
	if (x[0] && x[1] && y[0] && y[1]) {
		for (size_t i = 0; i < io->n; i++) {
			int k = io->write[i];

			x[k][n[k]] = io->t[i];
			y[k][n[k]++] = io->slot[i];
		}
		for (int k = 0; k < 2; k++)
			s[k] = (struct plot_series){.name = s[k].name,
						    .color = s[k].color,
						    .x = x[k],
						    .y = y[k],
						    .n = n[k]};
		rc = plot_scatter(path, &o, s, 2);
	}
	for (int k = 0; k < 2; k++) {
		free(x[k]);
		free(y[k]);
	}
	return rc;
}

int sweep_plot_cdf(const char *path, const char *title,
		   const char *const *names,
		   const struct sweep_result *const *r, size_t n)
{
	struct plot_opts o = {.title = title,
			      .xlabel = "IO latency, submission to completion "
					"(us)",
			      .ylabel = "fraction of requests",
			      .xscale = PLOT_SCALE_LOG};
	struct plot_series s[2 * NR_COLOURS];
	char label[2 * NR_COLOURS][64];
	size_t k = 0;

	for (size_t i = 0; i < n && i < NR_COLOURS; i++) {
		for (int op = 0; op < 2; op++) {
			if (!r[i]->cdf[op])
				continue;
			snprintf(label[k], sizeof(label[k]), "%s %s", names[i],
				 op ? "write" : "read");
			s[k] = (struct plot_series){.name = label[k],
						    .y = r[i]->cdf[op],
						    .n = SWEEP_CDF_SAMPLES,
						    .color = colours[i],
						    .dash = op ? 1 : 0};
			k++;
		}
	}
	return k ? plot_cdf(path, &o, s, k) : -EINVAL;
}

int sweep_plot_mrc(const char *path, const struct sweep_mrc *m, size_t n)
{
	static const char *const what[] = {"engine", "LRU", "OPT"};
	struct plot_opts o = {.title = "Miss ratio against memory size "
				       "(readahead off)",
			      .xlabel = "memory, share of the pages touched",
			      .ylabel = "misses per access",
			      .xscale = PLOT_SCALE_LINEAR,
			      .yscale = PLOT_SCALE_LOG};
	struct plot_series s[3 * NR_COLOURS];
	double x[NR_COLOURS][SWEEP_MRC_MAX], y[3 * NR_COLOURS][SWEEP_MRC_MAX];
	char label[3 * NR_COLOURS][64];
	size_t k = 0;

	for (size_t i = 0; i < n && i < NR_COLOURS; i++) {
		for (size_t p = 0; p < m[i].n; p++)
			x[i][p] = (double)m[i].frames[p] / (double)m[i].pages;
		for (int w = 0; w < 3; w++, k++) {
			const uint64_t *v = w == 0   ? m[i].engine
					    : w == 1 ? m[i].lru
						     : m[i].opt;

			for (size_t p = 0; p < m[i].n; p++)
				y[k][p] =
					(double)v[p] / (double)m[i].accesses[p];
			snprintf(label[k], sizeof(label[k]), "%s %s",
				 m[i].workload, what[w]);
			s[k] = (struct plot_series){.name = label[k],
						    .x = x[i],
						    .y = y[k],
						    .n = m[i].n,
						    .color = colours[i],
						    .dash = (unsigned int)w};
		}
	}
	return k ? plot_lines(path, &o, s, k) : -EINVAL;
}

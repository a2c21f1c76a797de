/* SPDX-License-Identifier: MIT */
/*
 * Plots of benchmark results, rendered by gnuplot.
 *
 * Each plot_* call takes data in memory and writes one image file, PNG or
 * SVG as the path's extension says (".png", ".svg").  gnuplot runs as a
 * child process (`gnuplot --default-settings SCRIPT`, found through PATH,
 * in the image's directory) on a generated script and one data file, both
 * written next to the image under hidden temporary names
 * (".STEM.XXXXXX.gp", ".STEM.XXXXXX.dat") and removed afterwards.  With
 * plot_opts.keep they are kept instead as STEM.gp and STEM.dat beside
 * STEM.png; the script names files relative to its directory, so that
 * `gnuplot STEM.gp` there renders the image again, and the .dat columns
 * can be read back by any tool.
 *
 * PNG uses gnuplot's pngcairo terminal when the installed gnuplot has it
 * (gnuplot-nox does), else the libgd png terminal.  Text is drawn without
 * gnuplot's enhanced-text markup, so titles and names appear as given
 * ("fresh_cluster" keeps its underscore).
 *
 * Errors: 0 or -errno.  -ENOENT when gnuplot is not installed (or the
 * image's directory does not exist), -EINVAL for an unknown extension or
 * empty data, -EIO when gnuplot fails (its error output is copied to
 * stderr).  The calls are independent and may run from several threads,
 * each with its own output path.
 */
#ifndef SWAPEMU_BENCH_PLOT_H
#define SWAPEMU_BENCH_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* How an axis is scaled. */
enum plot_scale {
	PLOT_SCALE_AUTO,   /* log when all values are > 0 and span >= 100x */
	PLOT_SCALE_LINEAR, /* always linear */
	PLOT_SCALE_LOG,	   /* always log10; values <= 0 are left out */
};

/* What every kind of plot shares: texts, scales and size. */
struct plot_opts {
	const char *title;	/* above the plot, or NULL */
	const char *xlabel;	/* x axis label, or NULL */
	const char *ylabel;	/* y axis label, or NULL */
	const char *zlabel;	/* heat map colour-box label, or NULL */
	enum plot_scale xscale; /* x axis scale */
	enum plot_scale yscale; /* y axis scale (ignored by plot_cdf) */
	unsigned int width;	/* image width in pixels, 0 for 1000 */
	unsigned int height;	/* image height in pixels, 0 for 620 */
	bool keep;		/* keep STEM.gp and STEM.dat, see above */
};

/* One named series of points. */
struct plot_series {
	const char *name;  /* legend entry, or NULL for none */
	const double *x;   /* x values; unused by plot_cdf */
	const double *y;   /* y values; plot_cdf: the samples */
	size_t n;	   /* number of points (or samples) */
	const char *color; /* "#rrggbb" or colour name; NULL: palette */
	unsigned int dash; /* 0 solid, 1.. gnuplot dash types 2.. */
};

/* A matrix of values for plot_heatmap, drawn as coloured cells. */
struct plot_grid {
	const double *z;   /* rows * cols values, row-major: z[r * cols + c] */
	size_t rows;	   /* cells along y */
	size_t cols;	   /* cells along x */
	double x0, dx;	   /* column c is centred at x = x0 + c * dx */
	double y0, dy;	   /* row r is centred at y = y0 + r * dy */
	double zmin, zmax; /* colour range; zmin == zmax for the data's range */
};

/*
 * Lines through each series' points in order (e.g. miss-ratio curves
 * across memory sizes), with a marker at each point.  Non-finite values
 * leave a gap.
 */
int plot_lines(const char *path, const struct plot_opts *o,
	       const struct plot_series *s, size_t nseries);

/*
 * Points of each series as small dots, one colour per series (e.g. swap IO
 * offset over time, reads and writes as two series).
 */
int plot_scatter(const char *path, const struct plot_opts *o,
		 const struct plot_series *s, size_t nseries);

/*
 * Empirical cumulative distribution of each series' samples (s[i].y, the
 * x member is not used): fraction of samples <= x.  Non-finite samples
 * are ignored; at most PLOT_CDF_POINTS points are drawn per series.  The
 * y axis is the fraction 0..1; the x axis follows o->xscale, so latencies
 * that span decades get a log axis under PLOT_SCALE_AUTO.
 */
int plot_cdf(const char *path, const struct plot_opts *o,
	     const struct plot_series *s, size_t nseries);

/*
 * A heat map of @g (e.g. slot-map fill per cluster over time), on linear
 * axes, with a colour box labelled o->zlabel.
 */
int plot_heatmap(const char *path, const struct plot_opts *o,
		 const struct plot_grid *g);

/* The number of points plot_cdf draws per series at most. */
#define PLOT_CDF_POINTS 2000u

/*
 * The building blocks of the calls above, exported for tests.
 */

/*
 * @s as a gnuplot single-quoted string literal, quotes included: quotes
 * doubled, control characters (newlines) turned into spaces, so that no
 * text can end the string or the script line.  NULL becomes ''.  Returns a
 * malloc'ed string the caller frees, or NULL on allocation failure.
 */
char *plot_quote(const char *s);

/*
 * Write @nseries series of (x, y) points to @f as gnuplot data blocks, one
 * "x y" line per point, blocks separated by two blank lines (gnuplot's
 * `index`).  Non-finite values are written as NaN.  Returns 0 or -EIO.
 */
int plot_write_series(FILE *f, const struct plot_series *s, size_t nseries);

/*
 * Write the CDF of each series' samples to @f as data blocks of
 * "value fraction" lines, at most @max_points per series (evenly spaced
 * quantiles, always including the smallest and largest sample).  Returns 0,
 * -ENOMEM or -EIO.
 */
int plot_write_cdf(FILE *f, const struct plot_series *s, size_t nseries,
		   size_t max_points);

/*
 * Write @g to @f as "x y z" lines, one line per cell, a blank line after
 * each row (gnuplot's grid format).  Returns 0 or -EIO.
 */
int plot_write_grid(FILE *f, const struct plot_grid *g);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Plots through gnuplot: each call writes a data file and a script beside
 * the image, runs gnuplot on the script and removes both (see plot.h).
 *
 * gnuplot reads its data from a file rather than from inline data in the
 * script so that large series (an IO trace of a million points) stream
 * through stdio without being held twice, and so that a kept .dat file is
 * plain columns any other tool can read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/plot.h"

extern char **environ;

#define PLOT_WIDTH 1000u
#define PLOT_HEIGHT 620u
#define PLOT_ERR_MAX 4096 /* bytes of gnuplot's error output kept */

/* Colours for series without one: Okabe-Ito, readable by the colour-blind. */
static const char *const plot_palette[] = {
	"#0072b2", "#d55e00", "#009e73", "#cc79a7",
	"#e69f00", "#56b4e9", "#000000", "#999999",
};
#define PLOT_PALETTE_LEN (sizeof(plot_palette) / sizeof(plot_palette[0]))

/* One rendering in progress: the script and data files and their names. */
struct plot_job {
	const char *path; /* the image, as given */
	char *dir;	  /* the image's directory, where gnuplot runs */
	bool svg;	  /* SVG, else PNG */
	bool keep;	  /* keep the script and data after rendering */
	char *gp_path;	  /* the gnuplot script */
	char *dat_path;	  /* the data file */
	FILE *gp;	  /* script, open for writing until run */
	FILE *dat;	  /* data, open for writing until run */
};

/* The range of the finite values of one axis. */
struct plot_range {
	double min;	  /* smallest finite value */
	double max;	  /* largest finite value */
	bool nonpositive; /* some finite value is <= 0 */
	bool any;	  /* at least one finite value */
};

char *plot_quote(const char *s)
{
	size_t len = 2;
	char *q, *p;

	if (!s)
		s = "";
	for (const char *c = s; *c; c++)
		len += *c == '\'' ? 2 : 1;
	q = malloc(len + 1);
	if (!q)
		return NULL;
	p = q;
	*p++ = '\'';
	for (const char *c = s; *c; c++) {
		unsigned char ch = (unsigned char)*c;

		if (ch == '\'')
			*p++ = '\'';
		*p++ = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

/* Write one number as gnuplot reads it; non-finite values as NaN. */
static void write_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.10g", v);
	else
		fputs("NaN", f);
}

/* Two blank lines end a data block (gnuplot's `index`). */
static void end_block(FILE *f)
{
	fputs("\n\n", f);
}

int plot_write_series(FILE *f, const struct plot_series *s, size_t nseries)
{
	for (size_t i = 0; i < nseries; i++) {
		for (size_t k = 0; k < s[i].n; k++) {
			write_num(f, s[i].x[k]);
			fputc(' ', f);
			write_num(f, s[i].y[k]);
			fputc('\n', f);
		}
		end_block(f);
	}
	return ferror(f) ? -EIO : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The finite values of @v, sorted, in a new array; *n is their count. */
static double *sorted_finite(const double *v, size_t len, size_t *n)
{
	double *out = malloc((len ? len : 1) * sizeof(*out));

	if (!out)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < len; i++)
		if (isfinite(v[i]))
			out[(*n)++] = v[i];
	qsort(out, *n, sizeof(*out), cmp_double);
	return out;
}

/* One CDF block: @max_points evenly spaced quantiles of sorted @v. */
static void write_cdf_block(FILE *f, const double *v, size_t n,
			    size_t max_points)
{
	size_t points = n < max_points ? n : max_points;

	for (size_t k = 0; k < points; k++) {
		size_t i = points > 1 ? (size_t)llround((double)k * (n - 1) /
							(points - 1))
				      : 0;

		write_num(f, v[i]);
		fprintf(f, " %.6f\n", (double)(i + 1) / n);
	}
	end_block(f);
}

int plot_write_cdf(FILE *f, const struct plot_series *s, size_t nseries,
		   size_t max_points)
{
	for (size_t i = 0; i < nseries; i++) {
		size_t n;
		double *v = sorted_finite(s[i].y, s[i].n, &n);

		if (!v)
			return -ENOMEM;
		write_cdf_block(f, v, n, max_points ? max_points : 1);
		free(v);
	}
	return ferror(f) ? -EIO : 0;
}

int plot_write_grid(FILE *f, const struct plot_grid *g)
{
	for (size_t r = 0; r < g->rows; r++) {
		for (size_t c = 0; c < g->cols; c++) {
			write_num(f, g->x0 + (double)c * g->dx);
			fputc(' ', f);
			write_num(f, g->y0 + (double)r * g->dy);
			fputc(' ', f);
			write_num(f, g->z[r * g->cols + c]);
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

/* 0 and *svg from @path's extension, or -EINVAL for neither .png nor .svg. */
static int plot_format(const char *path, bool *svg)
{
	const char *dot = strrchr(path, '.');

	if (dot && strchr(dot, '/'))
		dot = NULL;
	if (dot && !strcasecmp(dot, ".svg"))
		*svg = true;
	else if (dot && !strcasecmp(dot, ".png"))
		*svg = false;
	else
		return -EINVAL;
	return 0;
}

/*
 * A file for @suffix (".gp", ".dat"): STEM@suffix when keeping, else a new
 * hidden temporary ".BASE.XXXXXX@suffix" in the image's directory.  Sets
 * *name (malloc'ed) and *f.  Returns 0 or -errno.
 */
static int job_file(const struct plot_job *j, const char *suffix, char **name,
		    FILE **f)
{
	const char *slash = strrchr(j->path, '/');
	size_t dirlen = slash ? (size_t)(slash - j->path) + 1 : 0;
	size_t stemlen = (size_t)(strrchr(j->path, '.') - j->path);
	int fd, n;

	if (j->keep)
		n = asprintf(name, "%.*s%s", (int)stemlen, j->path, suffix);
	else
		n = asprintf(name, "%.*s.%.*s.XXXXXX%s", (int)dirlen, j->path,
			     (int)(stemlen - dirlen), j->path + dirlen, suffix);
	if (n < 0) {
		*name = NULL;
		return -ENOMEM;
	}
	if (j->keep)
		fd = open(*name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0644);
	else
		fd = mkostemps(*name, (int)strlen(suffix), O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*f = fdopen(fd, "w");
	if (!*f) {
		close(fd);
		return -errno;
	}
	return 0;
}

/* Close what is open and remove what is temporary; frees the names. */
static void job_close(struct plot_job *j)
{
	if (j->gp)
		fclose(j->gp);
	if (j->dat)
		fclose(j->dat);
	if (!j->keep && j->gp_path)
		unlink(j->gp_path);
	if (!j->keep && j->dat_path)
		unlink(j->dat_path);
	free(j->gp_path);
	free(j->dat_path);
	free(j->dir);
	*j = (struct plot_job){0};
}

/* The last component of @path. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Start a job for image @path: check the format, create both files. */
static int job_open(struct plot_job *j, const char *path, bool keep)
{
	const char *base = base_name(path);
	int rc;

	*j = (struct plot_job){.path = path, .keep = keep};
	if (base == path)
		j->dir = strdup(".");
	else
		j->dir = strndup(path, base - path > 1 ? base - path - 1 : 1);
	rc = j->dir ? plot_format(path, &j->svg) : -ENOMEM;
	if (!rc)
		rc = job_file(j, ".gp", &j->gp_path, &j->gp);
	if (!rc)
		rc = job_file(j, ".dat", &j->dat_path, &j->dat);
	if (rc)
		job_close(j);
	return rc;
}

/* Widen @r by the finite values of @v. */
static void range_add(struct plot_range *r, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		if (!r->any || v[i] < r->min)
			r->min = v[i];
		if (!r->any || v[i] > r->max)
			r->max = v[i];
		r->nonpositive |= v[i] <= 0;
		r->any = true;
	}
}

/* Whether an axis with scale @s over @r is drawn in log10. */
static bool scale_is_log(enum plot_scale s, const struct plot_range *r)
{
	if (s != PLOT_SCALE_AUTO)
		return s == PLOT_SCALE_LOG;
	return r->any && !r->nonpositive && r->max >= 100 * r->min;
}

/* `set KEY 'TEXT'` when @text is given; 0 or -ENOMEM. */
static int set_text(FILE *gp, const char *key, const char *text)
{
	char *q;

	if (!text)
		return 0;
	q = plot_quote(text);
	if (!q)
		return -ENOMEM;
	fprintf(gp, "set %s %s\n", key, q);
	free(q);
	return 0;
}

/* The terminal: pngcairo if this gnuplot has it, else png; or svg. */
static void write_terminal(FILE *gp, const struct plot_job *j,
			   const struct plot_opts *o)
{
	unsigned int w = o->width ? o->width : PLOT_WIDTH;
	unsigned int h = o->height ? o->height : PLOT_HEIGHT;

	if (j->svg) {
		fprintf(gp,
			"set terminal svg size %u,%u noenhanced "
			"font 'sans,13' background '#ffffff'\n",
			w, h);
		return;
	}
	fprintf(gp,
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"  set terminal pngcairo size %u,%u noenhanced "
		"font 'sans,11' background '#ffffff'\n"
		"} else {\n"
		"  set terminal png size %u,%u noenhanced "
		"font 'sans,11' background '#ffffff'\n"
		"}\n",
		w, h, w, h);
}

/*
 * The script's head: terminal, output, texts, frame, grid and the axes'
 * scales (from @xr and @yr under PLOT_SCALE_AUTO).  0 or -ENOMEM.
 */
static int write_head(const struct plot_job *j, const struct plot_opts *o,
		      const struct plot_range *xr, const struct plot_range *yr)
{
	FILE *gp = j->gp;
	int rc;

	write_terminal(gp, j, o);
	rc = set_text(gp, "output", base_name(j->path));
	rc = rc ? rc : set_text(gp, "title", o->title);
	fputs("set title font ',13'\n", gp);
	rc = rc ? rc : set_text(gp, "xlabel", o->xlabel);
	rc = rc ? rc : set_text(gp, "ylabel", o->ylabel);
	fputs("set border 3 lw 1.2\nset tics nomirror out\n"
	      "set grid xtics ytics mxtics mytics lt 1 lc rgb '#e4e4e4', "
	      "lt 1 lc rgb '#f2f2f2'\n"
	      "set key outside right top Left reverse samplen 3 spacing 1.3\n",
	      gp);
	if (xr && scale_is_log(o->xscale, xr))
		fputs("set logscale x 10\nset mxtics 10\n", gp);
	else
		fputs("set mxtics\n", gp);
	if (yr && scale_is_log(o->yscale, yr))
		fputs("set logscale y 10\nset mytics 10\n", gp);
	else
		fputs("set mytics\n", gp);
	return rc;
}

/*
 * The `plot` command: one element per series, block i of the data file,
 * drawn @with ("lines lw 2", "points pt 7 ps 0.5"), in the series' colour
 * and dash.  0 or -ENOMEM.
 */
static int write_plot_cmd(const struct plot_job *j, const struct plot_series *s,
			  size_t nseries, const char *with)
{
	char *dat = plot_quote(base_name(j->dat_path)), *name, *color;
	int rc = 0;

	if (!dat)
		return -ENOMEM;
	fputs("plot", j->gp);
	for (size_t i = 0; i < nseries && !rc; i++) {
		color = plot_quote(
			s[i].color ? s[i].color
				   : plot_palette[i % PLOT_PALETTE_LEN]);
		name = s[i].name ? plot_quote(s[i].name) : NULL;
		if (color && (name || !s[i].name))
			fprintf(j->gp,
				"%s %s index %zu using 1:2 with %s "
				"lc rgb %s dt %u %s%s",
				i ? ", \\\n    " : "", dat, i, with, color,
				s[i].dash + 1, name ? "title " : "notitle",
				name ? name : "");
		else
			rc = -ENOMEM;
		free(color);
		free(name);
	}
	fputc('\n', j->gp);
	free(dat);
	return rc;
}

/* Copy what gnuplot wrote to @fd into @buf (NUL-terminated), drop excess. */
static void read_errors(int fd, char *buf, size_t size)
{
	size_t len = 0;
	char sink[512];
	ssize_t n;

	for (;;) {
		if (len + 1 < size)
			n = read(fd, buf + len, size - 1 - len);
		else
			n = read(fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < size)
			len += (size_t)n;
	}
	buf[len] = '\0';
}

/*
 * Start gnuplot in @j's directory on its script, with stderr into @errfd.
 * Returns 0 or -errno.
 */
static int spawn_gnuplot(const struct plot_job *j, int errfd, pid_t *pid)
{
	char script[PATH_MAX];
	char *argv[] = {"gnuplot", "--default-settings", script, NULL};
	posix_spawn_file_actions_t fa;
	int rc;

	/* "./" so that a name starting with '-' is not read as an option */
	if (snprintf(script, sizeof(script), "./%s", base_name(j->gp_path)) >=
	    (int)sizeof(script))
		return -ENAMETOOLONG;
	rc = posix_spawn_file_actions_init(&fa);
	if (rc)
		return -rc;
	rc = posix_spawn_file_actions_addchdir_np(&fa, j->dir);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						      O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null",
						      O_WRONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	if (!rc)
		rc = posix_spawnp(pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

/*
 * Run gnuplot on @j's script and wait for it.  Returns 0, -ENOENT when
 * gnuplot is not installed, or -EIO when it fails; either is explained on
 * stderr.
 */
static int run_gnuplot(const struct plot_job *j)
{
	char err[PLOT_ERR_MAX];
	int pfd[2], status, rc;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	rc = spawn_gnuplot(j, pfd[1], &pid);
	close(pfd[1]);
	if (rc) {
		close(pfd[0]);
		if (rc == -ENOENT)
			fprintf(stderr, "plot: gnuplot not found in PATH; "
					"install gnuplot-nox "
					"(scripts/deps.sh) to get plots\n");
		return rc;
	}
	read_errors(pfd[0], err, sizeof(err));
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	fprintf(stderr, "plot: gnuplot failed to render %s:\n%s", j->path, err);
	return -EIO;
}

/*
 * Close both files, render, clean up.  On failure the image, which
 * gnuplot may have left half-written, is removed.  Returns 0 or -errno.
 */
static int job_run(struct plot_job *j)
{
	int rc = 0;

	if (fclose(j->gp))
		rc = -EIO;
	if (fclose(j->dat) && !rc)
		rc = -EIO;
	j->gp = j->dat = NULL;
	if (!rc)
		rc = run_gnuplot(j);
	if (rc)
		unlink(j->path);
	job_close(j);
	return rc;
}

/* Whether @s has any point and every series has its arrays. */
static bool series_valid(const struct plot_series *s, size_t nseries,
			 bool need_x)
{
	size_t points = 0;

	for (size_t i = 0; i < nseries; i++) {
		if (s[i].n && (!s[i].y || (need_x && !s[i].x)))
			return false;
		points += s[i].n;
	}
	return points > 0;
}

/* plot_lines and plot_scatter: (x, y) series drawn @with. */
static int plot_xy(const char *path, const struct plot_opts *o,
		   const struct plot_series *s, size_t nseries,
		   const char *with)
{
	struct plot_range xr = {0}, yr = {0};
	struct plot_job j;
	int rc;

	if (!series_valid(s, nseries, true))
		return -EINVAL;
	rc = job_open(&j, path, o->keep);
	if (rc)
		return rc;
	for (size_t i = 0; i < nseries; i++) {
		range_add(&xr, s[i].x, s[i].n);
		range_add(&yr, s[i].y, s[i].n);
	}
	rc = write_head(&j, o, &xr, &yr);
	if (!rc)
		rc = plot_write_series(j.dat, s, nseries);
	if (!rc)
		rc = write_plot_cmd(&j, s, nseries, with);
	if (rc) {
		job_close(&j);
		return rc;
	}
	return job_run(&j);
}

int plot_lines(const char *path, const struct plot_opts *o,
	       const struct plot_series *s, size_t nseries)
{
	return plot_xy(path, o, s, nseries, "linespoints lw 2 pt 7 ps 0.9");
}

int plot_scatter(const char *path, const struct plot_opts *o,
		 const struct plot_series *s, size_t nseries)
{
	return plot_xy(path, o, s, nseries, "points pt 7 ps 0.45");
}

int plot_cdf(const char *path, const struct plot_opts *o,
	     const struct plot_series *s, size_t nseries)
{
	struct plot_opts co = *o;
	struct plot_range xr = {0};
	struct plot_job j;
	int rc;

	if (!series_valid(s, nseries, false))
		return -EINVAL;
	co.yscale = PLOT_SCALE_LINEAR;
	if (!co.ylabel)
		co.ylabel = "fraction of samples <= x";
	rc = job_open(&j, path, o->keep);
	if (rc)
		return rc;
	for (size_t i = 0; i < nseries; i++)
		range_add(&xr, s[i].y, s[i].n);
	rc = write_head(&j, &co, &xr, NULL);
	fputs("set yrange [0:1]\nset ytics 0.1\n", j.gp);
	if (!rc)
		rc = plot_write_cdf(j.dat, s, nseries, PLOT_CDF_POINTS);
	if (!rc)
		rc = write_plot_cmd(&j, s, nseries, "lines lw 2");
	if (rc) {
		job_close(&j);
		return rc;
	}
	return job_run(&j);
}

/* The heat map's ranges, palette and plot command. */
static int write_heatmap_cmd(const struct plot_job *j,
			     const struct plot_grid *g)
{
	char *dat = plot_quote(base_name(j->dat_path));

	if (!dat)
		return -ENOMEM;
	/* viridis: dark to bright, even in lightness, colour-blind safe */
	fputs("set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', "
	      "3 '#5ec962', 4 '#fde725')\n"
	      "set tics out\nunset grid\nset key off\n",
	      j->gp);
	fprintf(j->gp, "set xrange [%.10g:%.10g]\nset yrange [%.10g:%.10g]\n",
		g->x0 - g->dx / 2, g->x0 + ((double)g->cols - 0.5) * g->dx,
		g->y0 - g->dy / 2, g->y0 + ((double)g->rows - 0.5) * g->dy);
	if (g->zmin < g->zmax)
		fprintf(j->gp, "set cbrange [%.10g:%.10g]\n", g->zmin, g->zmax);
	fprintf(j->gp, "plot %s using 1:2:3 with image notitle\n", dat);
	free(dat);
	return 0;
}

int plot_heatmap(const char *path, const struct plot_opts *o,
		 const struct plot_grid *g)
{
	struct plot_grid cg = *g;
	struct plot_opts co = *o;
	struct plot_job j;
	int rc;

	if (!g->z || !g->rows || !g->cols)
		return -EINVAL;
	cg.dx = g->dx ? g->dx : 1;
	cg.dy = g->dy ? g->dy : 1;
	co.xscale = co.yscale = PLOT_SCALE_LINEAR;
	rc = job_open(&j, path, o->keep);
	if (rc)
		return rc;
	rc = write_head(&j, &co, NULL, NULL);
	rc = rc ? rc : set_text(j.gp, "cblabel", o->zlabel);
	if (!rc)
		rc = plot_write_grid(j.dat, &cg);
	if (!rc)
		rc = write_heatmap_cmd(&j, &cg);
	if (rc) {
		job_close(&j);
		return rc;
	}
	return job_run(&j);
}

/* SPDX-License-Identifier: MIT */
/*
 * Progress line on stderr, see progress.h.
 *
 * The line is erased by overwriting it with spaces rather than with an
 * ANSI erase sequence, so it also works on terminals without one
 * (TERM=dumb, serial consoles).  It is cut to the terminal's width, read
 * at each drawing, because a line that wraps could no longer be redrawn
 * in place with a carriage return.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "bench/progress.h"

#define PROGRESS_INTERVAL_NS 100000000ull /* at most 10 drawings a second */
#define PROGRESS_BAR 16u		  /* characters of the bar */
#define PROGRESS_LINE 512u		  /* longest line drawn */

/* The one progress of the process; see progress.h for the threading. */
static struct {
	char name[64];	   /* what is in progress, from progress_begin */
	uint64_t total;	   /* steps in all */
	uint64_t start_ns; /* progress_begin's time */
	uint64_t last_ns;  /* time of the last drawing, 0 before the first */
	size_t shown;	   /* characters of the line now on screen */
	bool active;	   /* begun, not ended, and drawing */
	bool quiet;	   /* progress_set_quiet(true) was called */
} progress;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double progress_eta(double elapsed, uint64_t done, uint64_t total)
{
	if (!total || !done)
		return -1;
	if (done >= total)
		return 0;
	return elapsed / (double)done * (double)(total - done);
}

char *progress_format_time(char *buf, size_t size, double seconds)
{
	unsigned long long s;

	if (seconds < 0 || !isfinite(seconds)) {
		snprintf(buf, size, "-:--");
		return buf;
	}
	s = (unsigned long long)llround(seconds);
	if (s < 3600)
		snprintf(buf, size, "%llu:%02llu", s / 60, s % 60);
	else
		snprintf(buf, size, "%llu:%02llu:%02llu", s / 3600, s / 60 % 60,
			 s % 60);
	return buf;
}

/* Whether the environment or the command asked for silence. */
static bool quiet_wanted(void)
{
	const char *env = getenv("SWAPEMU_QUIET");

	return progress.quiet || (env && *env && strcmp(env, "0"));
}

/* Columns of the terminal on stderr, 80 when it does not say. */
static size_t term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col)
		return 80;
	return ws.ws_col;
}

/* The progress line for @done steps, @label, into @buf; returns length. */
static size_t format_line(char *buf, size_t size, uint64_t done,
			  const char *label)
{
	double elapsed = (double)(now_ns() - progress.start_ns) / 1e9;
	double frac = progress.total ? (double)done / progress.total : 0;
	char bar[PROGRESS_BAR + 1], el[32], eta[32];
	unsigned int fill;
	int n;

	if (frac > 1)
		frac = 1;
	fill = (unsigned int)(frac * PROGRESS_BAR);
	memset(bar, '#', fill);
	memset(bar + fill, '.', PROGRESS_BAR - fill);
	bar[PROGRESS_BAR] = '\0';
	progress_format_time(el, sizeof(el), elapsed);
	progress_format_time(eta, sizeof(eta),
			     progress_eta(elapsed, done, progress.total));
	n = snprintf(buf, size, "%s [%s] %3.0f%%  %s  ETA %s  %s",
		     progress.name, bar, frac * 100, el, eta,
		     label ? label : "");
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/*
 * Replace the line on screen by @len characters of @line: back to column
 * 0, the line, and spaces over what is left of a longer previous one.
 */
static void draw(const char *line, size_t len)
{
	char out[2 * PROGRESS_LINE + 1];
	size_t width = term_width() - 1, pos = 0;

	if (len > width)
		len = width;
	out[pos++] = '\r';
	memcpy(out + pos, line, len);
	pos += len;
	while (pos < progress.shown + 1)
		out[pos++] = ' ';
	progress.shown = len;
	if (write(STDERR_FILENO, out, pos) < 0)
		progress.active = false;
}

void progress_set_quiet(bool quiet)
{
	progress.quiet = quiet;
}

void progress_begin(const char *name, uint64_t total)
{
	progress_end();
	snprintf(progress.name, sizeof(progress.name), "%s", name ? name : "");
	progress.total = total;
	progress.start_ns = now_ns();
	progress.last_ns = 0;
	progress.shown = 0;
	progress.active = !quiet_wanted() && isatty(STDERR_FILENO);
	progress_step(0, NULL);
}

void progress_step(uint64_t done, const char *label)
{
	char line[PROGRESS_LINE];
	uint64_t now;

	if (!progress.active)
		return;
	now = now_ns();
	if (progress.last_ns && now - progress.last_ns < PROGRESS_INTERVAL_NS)
		return;
	progress.last_ns = now;
	draw(line, format_line(line, sizeof(line), done, label));
}

void progress_end(void)
{
	if (progress.active && progress.shown)
		draw("", 0);
	if (progress.active && write(STDERR_FILENO, "\r", 1) < 0)
		progress.active = false;
	progress.active = false;
	progress.shown = 0;
}

bool progress_active(void)
{
	return progress.active;
}

/* SPDX-License-Identifier: MIT */
/*
 * The text form of the device model: key=value words in, key=value lines
 * out, and the presets (which are themselves key=value text).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "swap/io/io_i.h"

/* Jitter given by one percentile only: the other is this factor away. */
#define JITTER_SPREAD 8

struct dev_preset {
	const char *name; /* preset=NAME */
	const char *text; /* its parameters over the defaults */
};

/* Documented in docs/IO.md; keep the two in step. */
static const struct dev_preset dev_preset_table[] = {
	{ "none", "" },
	{ "ram", "read_lat_us=1 write_lat_us=2 discard_lat_us=1" },
	{ "nvme", "read_lat_us=80 write_lat_us=20 discard_lat_us=40 "
		  "jitter_p50_us=4 jitter_p99_us=60 iops=600000 bw=3G qd=128" },
	{ "ssd", "read_lat_us=120 write_lat_us=60 discard_lat_us=400 "
		 "jitter_p50_us=10 jitter_p99_us=300 iops=90000 bw=520M qd=32" },
	{ "hdd", "read_lat_us=50 write_lat_us=50 discard_lat_us=50 rpm=7200 "
		 "seek_min_us=800 seek_max_us=16000 bw=180M qd=1" },
	{ "faulty", "read_lat_us=120 write_lat_us=60 discard_lat_us=400 "
		    "jitter_p50_us=10 jitter_p99_us=300 iops=90000 bw=520M "
		    "qd=32 error_rate=0.01 error_op=read,write error_errno=EIO" },
};

#define NR_PRESETS (sizeof(dev_preset_table) / sizeof(dev_preset_table[0]))

const char *const swap_dev_presets[] = {
	"none", "ram", "nvme", "ssd", "hdd", "faulty", NULL,
};

/* A configuration being built from text. */
struct dev_text {
	struct dev_params p;   /* the parameters so far */
	struct dev_ranges bad; /* bad_slots, when has_bad */
	bool has_bad;          /* bad_slots= was given */
	bool set_p50;          /* jitter_p50_us= was given */
	bool set_p99;          /* jitter_p99_us= was given */
	char *err;             /* message buffer, may be NULL */
	size_t errlen;         /* its size */
};

enum key_kind {
	K_US,      /* microseconds (decimal) stored as uint64_t ns */
	K_COUNT,   /* plain unsigned integer, uint64_t */
	K_BYTES,   /* size with K/M/G/T suffix (powers of 1024), uint64_t */
	K_UINT,    /* unsigned int */
	K_RATE,    /* probability 0..1, double */
	K_BOOL,    /* 0/1, bool */
	K_SPECIAL, /* own parse and format functions */
};

struct dev_key {
	const char *name;    /* key */
	enum key_kind kind;  /* how the value is read and written */
	size_t off;          /* offset in struct dev_params (not K_SPECIAL) */
	double max;          /* largest accepted value (numeric kinds) */
	int (*parse)(struct dev_text *t, const char *val); /* K_SPECIAL */
	void (*format)(const struct dev_params *p,
		       const struct dev_ranges *bad, FILE *f); /* K_SPECIAL */
};

static int text_fail(struct dev_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int text_fail(struct dev_text *t, const char *fmt, ...)
{
	va_list ap;

	if (t->err && t->errlen) {
		va_start(ap, fmt);
		vsnprintf(t->err, t->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void dev_params_defaults(struct dev_params *p)
{
	memset(p, 0, sizeof(*p));
	p->error_ops = (1u << SWAP_IO_NR_OPS) - 1;
	p->error_errno = EIO;
}

/* A finite decimal number in [0, max]. */
static int parse_number(const char *s, double max, double *out)
{
	char *end;
	double v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* An unsigned decimal integer, with a binary size suffix if @sized. */
static int parse_integer(const char *s, bool sized, double max,
			 uint64_t *out)
{
	unsigned int shift = 0;
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (sized && *end) {
		const char *sfx = strchr("KMGT", *end & ~0x20);

		if (!sfx)
			return -EINVAL;
		shift = 10 * (unsigned int)(sfx - "KMGT" + 1);
		end++;
		end += (*end == 'i' && (end[1] == 'B' || end[1] == 'b'));
		end += (*end == 'B' || *end == 'b');
	}
	if (*end || v > (UINT64_MAX >> shift) ||
	    (double)(v << shift) > max)
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on", NULL };
	static const char *const no[] = { "0", "false", "no", "off", NULL };

	for (int i = 0; yes[i]; i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*out = !strcmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* Parse a value of a plain kind into the parameter at key->off. */
static int parse_plain(const struct dev_key *key, const char *val,
		       struct dev_params *p)
{
	char *field = (char *)p + key->off;
	uint64_t u;
	double v;
	int rc;

	switch (key->kind) {
	case K_US:
		rc = parse_number(val, key->max, &v);
		if (!rc)
			*(uint64_t *)field = (uint64_t)llround(v * 1000.0);
		return rc;
	case K_COUNT:
	case K_BYTES:
		return parse_integer(val, key->kind == K_BYTES, key->max,
				     (uint64_t *)field);
	case K_UINT:
		rc = parse_integer(val, false, key->max, &u);
		if (!rc)
			*(unsigned int *)field = (unsigned int)u;
		return rc;
	case K_RATE:
		return parse_number(val, 1.0, (double *)field);
	case K_BOOL:
		return parse_bool(val, (bool *)field);
	default:
		return -EINVAL;
	}
}

/* Print a double without trailing zeros. */
static void format_decimal(double v, FILE *f)
{
	char buf[64];
	size_t n;

	if (v == floor(v) && v < 1e15) {
		fprintf(f, "%.0f", v);
		return;
	}
	snprintf(buf, sizeof(buf), "%.9f", v);
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '0')
		buf[--n] = 0;
	fputs(buf, f);
}

static void format_plain(const struct dev_key *key,
			 const struct dev_params *p, FILE *f)
{
	const char *field = (const char *)p + key->off;

	switch (key->kind) {
	case K_US:
		format_decimal((double)*(const uint64_t *)field / 1000.0, f);
		break;
	case K_COUNT:
	case K_BYTES:
		fprintf(f, "%" PRIu64, *(const uint64_t *)field);
		break;
	case K_UINT:
		fprintf(f, "%u", *(const unsigned int *)field);
		break;
	case K_RATE:
		format_decimal(*(const double *)field, f);
		break;
	case K_BOOL:
		fputs(*(const bool *)field ? "1" : "0", f);
		break;
	default:
		break;
	}
}

static int parse_jitter_p50(struct dev_text *t, const char *val)
{
	double v;

	if (parse_number(val, 1e9, &v))
		return -EINVAL;
	t->p.jitter_p50_ns = (uint64_t)llround(v * 1000.0);
	t->set_p50 = true;
	return 0;
}

static int parse_jitter_p99(struct dev_text *t, const char *val)
{
	double v;

	if (parse_number(val, 1e9, &v))
		return -EINVAL;
	t->p.jitter_p99_ns = (uint64_t)llround(v * 1000.0);
	t->set_p99 = true;
	return 0;
}

static void format_jitter_p50(const struct dev_params *p,
			      const struct dev_ranges *bad, FILE *f)
{
	format_decimal((double)p->jitter_p50_ns / 1000.0, f);
}

static void format_jitter_p99(const struct dev_params *p,
			      const struct dev_ranges *bad, FILE *f)
{
	format_decimal((double)p->jitter_p99_ns / 1000.0, f);
}

/* error_op=read,write | any */
static int parse_error_op(struct dev_text *t, const char *val)
{
	unsigned int ops = 0, op;
	size_t len;

	while (*val) {
		len = strcspn(val, ",");
		for (op = 0; op < SWAP_IO_NR_OPS; op++)
			if (strlen(swap_io_op_name(op)) == len &&
			    !strncmp(val, swap_io_op_name(op), len))
				break;
		if (op < SWAP_IO_NR_OPS)
			ops |= 1u << op;
		else if (len == 3 && !strncmp(val, "any", 3))
			ops = (1u << SWAP_IO_NR_OPS) - 1;
		else
			return -EINVAL;
		val += len;
		if (*val == ',' && !*++val)
			return -EINVAL;
	}
	if (!ops)
		return -EINVAL;
	t->p.error_ops = ops;
	return 0;
}

static void format_error_op(const struct dev_params *p,
			    const struct dev_ranges *bad, FILE *f)
{
	const char *sep = "";

	if (p->error_ops == (1u << SWAP_IO_NR_OPS) - 1) {
		fputs("any", f);
		return;
	}
	for (unsigned int op = 0; op < SWAP_IO_NR_OPS; op++) {
		if (p->error_ops & (1u << op)) {
			fprintf(f, "%s%s", sep, swap_io_op_name(op));
			sep = ",";
		}
	}
}

struct errno_name {
	const char *name; /* symbolic name */
	int value;        /* its errno */
};

static const struct errno_name errno_names[] = {
	{ "EIO", EIO },           { "ENOSPC", ENOSPC },
	{ "ENODATA", ENODATA },   { "EILSEQ", EILSEQ },
	{ "ETIMEDOUT", ETIMEDOUT }, { "EROFS", EROFS },
	{ "EREMOTEIO", EREMOTEIO }, { "EBADMSG", EBADMSG },
	{ "ENOMEM", ENOMEM },     { "EAGAIN", EAGAIN },
	{ "EBUSY", EBUSY },       { "ENXIO", ENXIO },
	{ "EPERM", EPERM },       { "EINVAL", EINVAL },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "ENOLINK", ENOLINK },
	{ "ECANCELED", ECANCELED }, { "EINTR", EINTR },
	{ "ENODEV", ENODEV },     { "EFAULT", EFAULT },
};

#define NR_ERRNO_NAMES (sizeof(errno_names) / sizeof(errno_names[0]))

static int parse_error_errno(struct dev_text *t, const char *val)
{
	uint64_t v;

	for (size_t i = 0; i < NR_ERRNO_NAMES; i++) {
		if (!strcmp(val, errno_names[i].name)) {
			t->p.error_errno = errno_names[i].value;
			return 0;
		}
	}
	if (parse_integer(val, false, 4095, &v) || !v)
		return -EINVAL;
	t->p.error_errno = (int)v;
	return 0;
}

static void format_error_errno(const struct dev_params *p,
			       const struct dev_ranges *bad, FILE *f)
{
	for (size_t i = 0; i < NR_ERRNO_NAMES; i++) {
		if (errno_names[i].value == p->error_errno) {
			fputs(errno_names[i].name, f);
			return;
		}
	}
	fprintf(f, "%d", p->error_errno);
}

/* error_slots=A-B,C: at most SWAP_DEV_MAX_RANGES ranges; empty or "all"
 * means every slot. */
static int parse_error_slots(struct dev_text *t, const char *val)
{
	struct dev_ranges r;
	int rc;

	t->p.nr_error_ranges = 0;
	if (!*val || !strcmp(val, "all"))
		return 0;
	rc = dev_ranges_parse(val, &r);
	if (rc)
		return rc;
	if (r.nr > SWAP_DEV_MAX_RANGES) {
		dev_ranges_free(&r);
		return -EINVAL;
	}
	memcpy(t->p.error_ranges, r.v, r.nr * sizeof(*r.v));
	t->p.nr_error_ranges = (unsigned int)r.nr;
	dev_ranges_free(&r);
	return 0;
}

static void format_error_slots(const struct dev_params *p,
			       const struct dev_ranges *bad, FILE *f)
{
	dev_ranges_format(p->error_ranges, p->nr_error_ranges, f);
}

/* bad_slots=A-B,C replaces the list; empty clears it. */
static int parse_bad_slots(struct dev_text *t, const char *val)
{
	struct dev_ranges r = { 0 };
	int rc = *val ? dev_ranges_parse(val, &r) : 0;

	if (rc)
		return rc;
	dev_ranges_free(&t->bad);
	t->bad = r;
	t->has_bad = true;
	return 0;
}

static void format_bad_slots(const struct dev_params *p,
			     const struct dev_ranges *bad, FILE *f)
{
	dev_ranges_format(bad->v, bad->nr, f);
}

#define PARAM(field) offsetof(struct dev_params, field)
#define US_MAX 1e9 /* 1000 s */

#define PLAIN(name, kind, field, max) \
	{ name, kind, PARAM(field), max, NULL, NULL }
#define SPECIAL(name, fn) { name, K_SPECIAL, 0, 0, parse_##fn, format_##fn }

static const struct dev_key dev_keys[] = {
	PLAIN("read_lat_us", K_US, lat_ns[SWAP_IO_READ], US_MAX),
	PLAIN("write_lat_us", K_US, lat_ns[SWAP_IO_WRITE], US_MAX),
	PLAIN("discard_lat_us", K_US, lat_ns[SWAP_IO_DISCARD], US_MAX),
	SPECIAL("jitter_p50_us", jitter_p50),
	SPECIAL("jitter_p99_us", jitter_p99),
	PLAIN("iops", K_COUNT, iops, 1e12),
	PLAIN("iops_burst", K_COUNT, iops_burst, 1e12),
	PLAIN("bw", K_BYTES, bw, 1e15),
	PLAIN("bw_burst", K_BYTES, bw_burst, 1e15),
	PLAIN("qd", K_UINT, qd, 65536),
	PLAIN("rpm", K_UINT, rpm, 1000000),
	PLAIN("seek_min_us", K_US, seek_min_ns, US_MAX),
	PLAIN("seek_max_us", K_US, seek_max_ns, US_MAX),
	PLAIN("error_rate", K_RATE, error_rate, 1),
	SPECIAL("error_op", error_op),
	SPECIAL("error_errno", error_errno),
	SPECIAL("error_slots", error_slots),
	PLAIN("error_once", K_BOOL, error_once, 1),
	SPECIAL("bad_slots", bad_slots),
	PLAIN("corrupt_rate", K_RATE, corrupt_rate, 1),
	PLAIN("seed", K_COUNT, seed, 1.8e19),
};

#define NR_KEYS (sizeof(dev_keys) / sizeof(dev_keys[0]))

static const struct dev_key *key_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NR_KEYS; i++)
		if (strlen(dev_keys[i].name) == len &&
		    !strncmp(dev_keys[i].name, name, len))
			return &dev_keys[i];
	return NULL;
}

/* Apply one key=value word to @t. */
static int text_word(struct dev_text *t, const char *word)
{
	const char *eq = strchr(word, '=');
	const struct dev_key *key;
	int rc;

	if (!eq || eq == word)
		return text_fail(t, "expected key=value, got '%s'", word);
	if (!strncmp(word, "preset=", 7))
		return 0; /* applied before the other words */
	key = key_find(word, (size_t)(eq - word));
	if (!key)
		return text_fail(t, "unknown key '%.*s'", (int)(eq - word),
				 word);
	if (key->kind == K_SPECIAL)
		rc = key->parse(t, eq + 1);
	else
		rc = parse_plain(key, eq + 1, &t->p);
	if (rc)
		return text_fail(t, "bad value for %s: '%s'", key->name, eq + 1);
	return 0;
}

static int text_words(struct dev_text *t, char *buf);

/* Reset @t to preset @name.  0 or -EINVAL. */
static int text_preset(struct dev_text *t, const char *name)
{
	char buf[512];

	for (size_t i = 0; i < NR_PRESETS; i++) {
		if (strcmp(dev_preset_table[i].name, name))
			continue;
		dev_params_defaults(&t->p);
		t->set_p50 = t->set_p99 = false;
		snprintf(buf, sizeof(buf), "%s", dev_preset_table[i].text);
		return text_words(t, buf);
	}
	return text_fail(t, "unknown preset '%s'", name);
}

/* The preset=NAME word of @buf, applied first.  0 or -EINVAL. */
static int text_find_preset(struct dev_text *t, const char *buf)
{
	const char *s = buf, *found = NULL;
	char name[32];
	size_t len;

	while (*(s += strspn(s, " \t\r\n"))) {
		len = strcspn(s, " \t\r\n");
		if (len > 7 && !strncmp(s, "preset=", 7)) {
			if (found || len - 7 >= sizeof(name))
				return text_fail(t, "bad or repeated preset");
			found = s + 7;
			memcpy(name, found, len - 7);
			name[len - 7] = 0;
		} else if (len == 7 && !strncmp(s, "preset=", 7)) {
			return text_fail(t, "empty preset");
		}
		s += len;
	}
	return found ? text_preset(t, name) : 0;
}

/* Apply every word of @buf (modified in place). */
static int text_words(struct dev_text *t, char *buf)
{
	char *save = NULL, *word;
	int rc = 0;

	for (word = strtok_r(buf, " \t\r\n", &save); word && !rc;
	     word = strtok_r(NULL, " \t\r\n", &save))
		rc = text_word(t, word);
	return rc;
}

/* Cross-field rules, once every word is in. */
static int text_check(struct dev_text *t)
{
	struct dev_params *p = &t->p;

	if (t->set_p99 && !t->set_p50)
		p->jitter_p50_ns = p->jitter_p99_ns / JITTER_SPREAD;
	if (t->set_p50 && !t->set_p99)
		p->jitter_p99_ns = p->jitter_p50_ns * JITTER_SPREAD;
	if (!p->jitter_p50_ns || !p->jitter_p99_ns)
		p->jitter_p50_ns = p->jitter_p99_ns = 0;
	if (p->jitter_p99_ns < p->jitter_p50_ns)
		return text_fail(t, "jitter_p99_us is below jitter_p50_us");
	if (p->seek_max_ns && p->seek_max_ns < p->seek_min_ns)
		return text_fail(t, "seek_max_us is below seek_min_us");
	return 0;
}

int swap_dev_configure(struct swap_dev *d, const char *text, char *err,
		       size_t errlen)
{
	struct dev_text t = { .err = err, .errlen = errlen };
	char *buf = strdup(text ? text : "");
	int rc = -ENOMEM;

	if (err && errlen)
		err[0] = 0;
	if (!buf)
		return rc;
	pthread_mutex_lock(&d->lock);
	t.p = d->p;
	rc = text_find_preset(&t, buf);
	if (!rc)
		rc = text_words(&t, buf);
	if (!rc)
		rc = text_check(&t);
	if (!rc)
		rc = dev_apply_locked(d, &t.p, &t.bad, t.has_bad);
	if (!rc)
		t.has_bad = false; /* the model owns t.bad now */
	pthread_mutex_unlock(&d->lock);
	if (t.has_bad || rc)
		dev_ranges_free(&t.bad);
	free(buf);
	return rc;
}

/* The key=value lines of @p and @bad, without the preset line. */
static void format_params(const struct dev_params *p,
			  const struct dev_ranges *bad, FILE *f)
{
	for (size_t i = 0; i < NR_KEYS; i++) {
		fprintf(f, "%s=", dev_keys[i].name);
		if (dev_keys[i].kind == K_SPECIAL)
			dev_keys[i].format(p, bad, f);
		else
			format_plain(&dev_keys[i], p, f);
		fputc('\n', f);
	}
}

/* Text of @p and @bad in a new string (free it), or NULL. */
static char *params_text(const struct dev_params *p,
			 const struct dev_ranges *bad)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	format_params(p, bad, f);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

/* The preset whose parameters are exactly @cur, or NULL. */
static const char *matching_preset(const char *cur)
{
	struct dev_ranges none = { 0 };
	struct dev_text t = { 0 };
	const char *found = NULL;
	char *s;

	for (size_t i = 0; i < NR_PRESETS && !found; i++) {
		if (text_preset(&t, dev_preset_table[i].name) || text_check(&t))
			continue;
		s = params_text(&t.p, &none);
		if (s && !strcmp(s, cur))
			found = dev_preset_table[i].name;
		free(s);
	}
	return found;
}

int swap_dev_format(struct swap_dev *d, FILE *f)
{
	const char *preset;
	char *cur;

	pthread_mutex_lock(&d->lock);
	cur = params_text(&d->p, &d->bad);
	pthread_mutex_unlock(&d->lock);
	if (!cur)
		return -ENOMEM;
	preset = matching_preset(cur);
	if (preset)
		fprintf(f, "preset=%s\n", preset);
	fputs(cur, f);
	free(cur);
	return ferror(f) ? -EIO : 0;
}

int swap_dev_format_buf(struct swap_dev *d, char *buf, size_t len)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	int rc;

	if (!f)
		return -ENOMEM;
	rc = swap_dev_format(d, f);
	if (fclose(f) && !rc)
		rc = -ENOMEM;
	if (!rc) {
		if (len)
			snprintf(buf, len, "%s", s);
		rc = n > INT32_MAX ? -EOVERFLOW : (int)n;
	}
	free(s);
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON writer (see json.h).  Values are written as they come; the writer
 * keeps only whether a separator is due at each level.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "proto.h"

void json_begin(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->f = open_memstream(&j->buf, &j->len);
	if (!j->f) {
		/* Values still need somewhere to go; json_end() fails. */
		j->broken = true;
		j->f = fopen("/dev/null", "we");
	}
}

void json_free(struct json *j)
{
	if (j->f)
		fclose(j->f);
	free(j->buf);
	j->f = NULL;
	j->buf = NULL;
	j->len = 0;
}

int json_end(struct json *j)
{
	int r = -EIO;

	if (!j->f)
		return -EIO;
	fputc('\n', j->f);
	if (fflush(j->f) == 0 && !ferror(j->f) && j->depth == 0 && !j->broken && j->buf &&
	    fwrite(j->buf, 1, j->len, j->out) == j->len && fflush(j->out) == 0)
		r = 0;
	json_free(j);
	return r;
}

int cli_json_done(struct json *j)
{
	if (json_end(j) < 0) {
		fprintf(stderr, "vigilctl: cannot write the output: %s\n", strerror(errno));
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* The length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			fputs("\\ufffd", f);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			/* C1 controls (U+0080..U+009F): escaped, a terminal
			 * may act on them. */
			fprintf(f, "\\u%04x", p[1]);
			p += 2;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

/* The separator and member name before a value. */
static void lead(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		put_string(j->f, key);
		fputc(':', j->f);
	}
}

static void open_level(struct json *j, const char *key, char c)
{
	lead(j, key);
	fputc(c, j->f);
	if (j->depth >= JSON_DEPTH_MAX) {
		j->broken = true;
		return;
	}
	j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_level(struct json *j, char c)
{
	if (j->depth == 0)
		j->broken = true;
	else
		j->depth--;
	fputc(c, j->f);
}

void json_object_begin(struct json *j, const char *key)
{
	open_level(j, key, '{');
}

void json_object_end(struct json *j)
{
	close_level(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	open_level(j, key, '[');
}

void json_array_end(struct json *j)
{
	close_level(j, ']');
}

void json_str(struct json *j, const char *key, const char *v)
{
	lead(j, key);
	if (v)
		put_string(j->f, v);
	else
		fputs("null", j->f);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	lead(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	lead(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	lead(j, key);
	fputs("null", j->f);
}

void json_time(struct json *j, const char *key, uint64_t t)
{
	if (t == 0)
		json_null(j, key);
	else
		json_u64(j, key, t);
}

void json_signals(struct json *j, const char *key, uint32_t set)
{
	json_array_begin(j, key);
	for (unsigned i = 0; i < VIGIL_SIGNAL_COUNT; i++)
		if (set & (1U << i))
			json_str(j, NULL, signal_name(1U << i));
	json_array_end(j);
}

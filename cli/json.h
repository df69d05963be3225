/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON output for vigilctl's --json: one document per command, written as
 * it goes.  Strings come from the daemon and may have been chosen by an
 * attacker at a login prompt: every one is escaped (quotes, backslashes,
 * control characters) and bytes that are not valid UTF-8 become U+FFFD, so
 * the document always parses and never carries a terminal escape.  Times
 * are Unix seconds (null for "never").  Nesting is bounded; a caller that
 * nests deeper is a bug caught by the check in json_end().  The document is
 * built in memory and written out whole by json_end(): a command that fails
 * half way (the daemon goes away between two pages) prints no half
 * document.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

struct json {
	FILE *f;   /* the memory stream values go to */
	FILE *out; /* where json_end() writes the document */
	char *buf;
	size_t len;
	unsigned depth;
	bool need_comma[JSON_DEPTH_MAX + 1];
	bool broken; /* nesting went wrong: json_end() fails */
};

/* Starts a document to be written to out. */
void json_begin(struct json *j, FILE *out);
/* Ends the document and writes it, with a newline, to out; 0, or -EIO
 * (nothing written, or out failed) when the nesting was wrong or memory or
 * writing failed.  Frees what j holds either way. */
int json_end(struct json *j);
/* json_end() for a verb: CLI_EXIT_OK, or CLI_EXIT_FAIL after saying it
 * could not write the output. */
int cli_json_done(struct json *j);
/* Drops an unfinished document unwritten (after an error).  NULL-safe on
 * a zeroed or ended j. */
void json_free(struct json *j);

/* key is the member name inside an object, NULL inside an array or at the
 * top. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v); /* NULL: null */
void json_u64(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* A Unix time; 0 is null ("never"). */
void json_time(struct json *j, const char *key, uint64_t t);
/* The names of the signal bits in set, as an array of strings. */
void json_signals(struct json *j, const char *key, uint32_t set);

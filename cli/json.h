/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON output for vigilctl's --json: one document per command, written as
 * it goes.  Strings come from the daemon and may have been chosen by an
 * attacker at a login prompt: every one is escaped (quotes, backslashes,
 * control characters) and bytes that are not valid UTF-8 become U+FFFD, so
 * the document always parses and never carries a terminal escape.  Times
 * are Unix seconds (null for "never").  Nesting is bounded; a caller that
 * nests deeper is a bug caught by the check in json_end().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 8

struct json {
	FILE *f;
	unsigned depth;
	bool need_comma[JSON_DEPTH_MAX + 1];
	bool broken; /* nesting went wrong: json_end() fails */
};

/* Starts a document on f. */
void json_begin(struct json *j, FILE *f);
/* Ends it with a newline and flushes; 0, or -EIO when the nesting was
 * wrong or writing failed. */
int json_end(struct json *j);

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

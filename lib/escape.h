/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one escaper for strings that users choose (user names, services, remote
 * hosts, ttys) on their way into a log line: the module's syslog lines,
 * vigild's operational log and its audit records.  It trusts nothing about
 * its input.  Depends on libc only; never logs, never allocates.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ends a string that was cut.  The escaper writes every backslash of the
 * input as \x5c, so a bare backslash followed by dots can only be this mark. */
#define ESCAPE_CUT_MARK "\\..."

/* Bytes one user-controlled field may take in a log line, escapes and cut
 * mark included (the buffer needs one more for the NUL). */
#define ESCAPE_FIELD_MAX 256

/* Copies s (NULL is taken as "") into out, a buffer of cap bytes, with every
 * byte below 0x20, 0x7f, the backslash, every byte that is not part of
 * well-formed UTF-8 and every byte of a character that can rewrite what a
 * reader sees (escape_cp_unsafe() below) written as \xNN.  When the result would not fit in
 * cap - 1 bytes it is cut between two characters (never inside an escape or
 * a multi-byte character) and ends with ESCAPE_CUT_MARK, still within
 * cap - 1 bytes.  out is always NUL-terminated when cap > 0.  Returns the
 * length written (0 when cap is 0, and "" when a cut string has no room even
 * for the mark). */
size_t escape_string(const char *s, char *out, size_t cap);

/* Whether code point cp is valid but can rewrite what a reader sees: C1
 * controls, line and paragraph separators, bidirectional marks, overrides
 * and isolates, zero-width characters.  For escape_string() and for every
 * printer of user-chosen strings to a terminal (vigilctl). */
bool escape_cp_unsafe(uint32_t cp);

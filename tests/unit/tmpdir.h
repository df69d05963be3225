/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File helpers for unit tests that need a private directory: each one
 * fails the running cmocka test on error instead of returning it.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* out = dir "/" name; the test fails if it does not fit in cap. */
void tmp_join(char *out, size_t cap, const char *dir, const char *name);
/* Makes $TMPDIR/PREFIX.XXXXXX (or under /tmp) into out.  0, or -1. */
int tmp_mkdtemp(const char *prefix, char *out, size_t cap);
/* Removes dir and everything below it (never follows a symlink). */
void tmp_rm_rf(const char *dir);
/* Writes n bytes to a new file at path (replacing one), then sets mode. */
void tmp_write_file(const char *path, const void *data, size_t n, mode_t mode);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reason a call failed, formatted into the caller's buffer: what the
 * daemon's parsers and file checks hand back for the caller to log or show.
 * Depends on libc only; never logs.
 */
#pragma once

#include <stddef.h>

/* snprintf into why (whylen bytes); nothing when why is NULL or whylen 0. */
void why_set(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

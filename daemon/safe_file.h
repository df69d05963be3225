/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Opening the daemon's own files (host key, database and its -wal/-shm,
 * audit spill, configuration and drop-ins) so that no open can block and
 * every refusal says why.  A FIFO planted where a file should be would
 * otherwise hang vigild in open(2) at start or on SIGHUP; a refusal that
 * only says "Operation not permitted" leaves the admin guessing which file
 * and which bit.  Trusts nothing about the file: type, owner and mode are
 * checked on the opened descriptor, never on the path.
 */
#pragma once

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* What a file must be, beyond being a regular file (always required). */
enum safe_file_rule {
	SAFE_FILE_OURS = 1 << 0,         /* owned by our euid */
	SAFE_FILE_OURS_OR_ROOT = 1 << 1, /* owned by root or by our euid */
	SAFE_FILE_NO_WRITE = 1 << 2,     /* not writable by group or others */
	SAFE_FILE_SECRET = 1 << 3,       /* no permission bits for group or others */
};

/* Checks st against rules (enum safe_file_rule bits).  Returns 0, or -EPERM
 * with the reason ("a FIFO, not a regular file", "owned by uid 65534, must
 * be owned by uid 0", "mode 0666, must not be writable by others", ...) in
 * why (may be NULL). */
int safe_file_check(const struct stat *st, unsigned rules, char *why, size_t whylen);

/* Opens name relative to dfd (AT_FDCWD for a plain path) with
 * flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY (mode applies with
 * O_CREAT), then checks the descriptor with safe_file_check() and clears
 * O_NONBLOCK.  Returns 0 with the descriptor in *ret_fd (caller closes) and
 * its stat in *ret_st (may be NULL); or a negative errno (-ELOOP for a
 * symlink, -EPERM for a refused type, owner or mode, -ENOENT, ...) with
 * "DISPLAY: reason" in why (may be NULL).  display names the file in the
 * message; NULL means name. */
int safe_file_open(int dfd, const char *name, int flags, mode_t mode, unsigned rules, const char *display, int *ret_fd,
                   struct stat *ret_st, char *why, size_t whylen);

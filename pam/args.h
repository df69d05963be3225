/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module's pam.d arguments: the only configuration pam_vigil.so has.
 * They come from a root-owned file, but a typo must never weaken a login, so
 * every argument is checked strictly and anything unknown, repeated or out of
 * range is an error (the module then fails with PAM_SERVICE_ERR).  No PAM
 * calls here, so the parser is unit-tested without a PAM stack.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARGS_TIMEOUT_DEFAULT_S 5
#define ARGS_TIMEOUT_MAX_S     60

struct module_args {
	const char *socket;       /* absolute path; points into argv or a constant */
	int64_t timeout_ms;       /* per daemon round trip, 1..60 s */
	bool fail_open;           /* failmode=open: allow when vigild is unreachable */
	bool debug;               /* log each message (secret-free) at LOG_DEBUG */
	const char *fido2_helper; /* absolute path, or NULL for the built-in one */
};

/* Parses the pam.d arguments: socket=PATH, timeout=SECONDS, failmode=closed|open,
 * fido2_helper=PATH (absolute, no "." or ".." component, no "//") and debug.  Returns 0 and fills *ret (which borrows
 * from argv: argv must outlive it); -EINVAL for an unknown, repeated or malformed argument, and then a one-line reason
 * naming the argument is written to err (cap bytes, always NUL-terminated when cap > 0).  Arguments hold no secret. */
int args_parse(int argc, const char **argv, struct module_args *ret, char *err, size_t cap);

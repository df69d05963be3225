/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reloading the configuration, on SIGHUP (server.c) or when root asks
 * through the admin socket (`vigilctl reload`, admin_change.c): the same
 * file is read again, and a bad file keeps the running configuration.
 */
#pragma once

#include <stddef.h>

#include "vigild.h"

/* Reads d->config_path again and, if it is valid, puts it in force; logs,
 * audits (naming by, "SIGHUP" or "admin") and tells systemd the status.
 * Returns 0; or a negative errno with the reason in err (NUL-terminated,
 * never a secret: the parser's "file:line: why"), the old configuration
 * still in force. */
int vigild_reload(struct vigild *d, const char *by, char *err, size_t errlen);

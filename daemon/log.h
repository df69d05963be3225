/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operational log of the daemon (not the audit trail): one line on stderr
 * with a "<N>" syslog priority prefix, which journald understands when it
 * runs vigild and which reads well on a terminal.  Never pass a secret.
 */
#pragma once

#include <stdbool.h>

#include <syslog.h>

void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Messages at LOG_DEBUG are printed only after log_set_debug(1). */
void log_set_debug(int on);
/* Whether LOG_DEBUG messages are printed: text made only for them is
 * made only then. */
bool log_debug_enabled(void);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operational log lines on stderr (see log.h).  Trusts nothing in the
 * formatted text: callers pass user names and services that clients chose,
 * so the whole line goes through the shared escaper (lib/escape.c).
 */
#include <stdarg.h>
#include <stdio.h>

#include "escape.h"
#include "log.h"

static int debug_enabled;

void log_set_debug(int on)
{
	debug_enabled = on;
}

bool log_debug_enabled(void)
{
	return debug_enabled != 0;
}

void log_msg(int priority, const char *fmt, ...)
{
	/* Formatted at twice the size the escaper keeps, so a line that is
	 * too long ends with the escaper's cut mark. */
	char line[2048], esc[1024];
	va_list ap;

	if (priority >= LOG_DEBUG && !debug_enabled)
		return;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* User names and services come from clients: a newline or an escape
	 * must not forge a second line or a priority prefix. */
	(void)escape_string(line, esc, sizeof(esc));
	/* One write per line so lines from the audit thread do not interleave. */
	fprintf(stderr, "<%d>vigild: %s\n", priority, esc);
}

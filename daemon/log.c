/* SPDX-License-Identifier: BSD-3-Clause */
/* Operational log lines on stderr (see log.h). */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static int debug_enabled;

void log_set_debug(int on)
{
	debug_enabled = on;
}

void log_msg(int priority, const char *fmt, ...)
{
	char line[1024], *c;
	va_list ap;

	if (priority >= LOG_DEBUG && !debug_enabled)
		return;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* User names and services come from clients: a newline or an escape
	 * must not forge a second line or a priority prefix. */
	for (c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	/* One write per line so lines from the audit thread do not interleave. */
	fprintf(stderr, "<%d>vigild: %s\n", priority, line);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The reason a call failed, into the caller's buffer (see why.h). */
#include <stdarg.h>
#include <stdio.h>

#include "why.h"

void why_set(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (!why || whylen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

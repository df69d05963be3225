/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Erasing secrets (see wipe.h).  explicit_bzero() is a store the compiler
 * must keep even when the memory is never read again, which a plain memset()
 * before free() is not.
 */
#include <stdlib.h>
#include <string.h>

#include "wipe.h"

void wipe(void *p, size_t n)
{
	if (p && n > 0)
		explicit_bzero(p, n);
}

void wipe_free(void *p, size_t n)
{
	if (!p)
		return;
	wipe(p, n);
	free(p);
}

void wipe_free_str(char *s)
{
	if (!s)
		return;
	wipe(s, strlen(s));
	free(s);
}

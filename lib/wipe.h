/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Erasing secrets.  WIPE_ARRAY refuses a pointer at compile time, so a
 * sizeof(pointer) mistake cannot wipe 8 bytes of a 64-byte secret.
 */
#pragma once

#include <stddef.h>

/* Overwrites n bytes at p with zeros; never optimised away.  p may be NULL. */
void wipe(void *p, size_t n);

#define WIPE_IS_ARRAY_(a) (!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])))
#define WIPE_ARRAY(a)                                                                                                  \
	do {                                                                                                           \
		_Static_assert(WIPE_IS_ARRAY_(a), "WIPE_ARRAY needs an array, not a pointer");                         \
		wipe((a), sizeof(a));                                                                                  \
	} while (0)

/* Wipes then frees a heap object of n bytes (NULL safe). */
void wipe_free(void *p, size_t n);
/* Wipes strlen(s) bytes then frees s (NULL safe). */
void wipe_free_str(char *s);

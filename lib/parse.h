/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict parsing of numbers and words from configuration, arguments and
 * environment: no sign, no blanks, no trailing characters, no overflow.
 * Never atoi.  Depends on libc only; never logs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Decimal digits only, value <= max.  Returns 0, -EINVAL for anything that is
 * not a plain decimal number, -ERANGE above max.  *ret only on success. */
int parse_u64(const char *s, uint64_t max, uint64_t *ret);
/* "yes"/"true"/"on"/"1" and "no"/"false"/"off"/"0".  -EINVAL otherwise. */
int parse_bool(const char *s, bool *ret);

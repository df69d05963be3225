/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict parsing of numbers and words (see parse.h).  strtoull() accepts
 * blanks, a sign and a base prefix and wraps "-1" to the maximum; these
 * parsers accept only what they document and say which way they failed.
 */
#include <errno.h>
#include <string.h>

#include "parse.h"

int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (!s || !*s)
		return -EINVAL;
	/* The whole string is digits first, so "99999999999999999999x" is
	 * not a number at all rather than a number out of range. */
	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	for (i = 0; s[i]; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

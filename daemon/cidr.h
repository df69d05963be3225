/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Network lists of vigil.conf ([network] allow and deny): parsing one entry
 * and matching an address against a list.  The entries are the admin's; the
 * address matched is a login's rhost, untrusted, which simply matches nothing
 * when it does not parse.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cidr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network address, host bits zero */
	uint8_t prefix;   /* 0..32 or 0..128 */
};

/* Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (full-length
 * prefix).  Returns 0 or -EINVAL. */
int cidr_parse(const char *s, struct cidr *ret);
/* cidr_parse(), and on failure what is wrong with s in why (may be NULL),
 * worded to follow the quoted entry: "is not an IPv4 or IPv6 address",
 * "has host bits set (did you mean 10.0.0.0/8?)", "has prefix length 33,
 * out of range for IPv4 (0 to 32)", ...  why never repeats s itself. */
int cidr_parse_why(const char *s, struct cidr *ret, char *why, size_t whylen);
/* True if the textual address addr lies in any entry of list.  An address
 * that does not parse matches nothing. */
bool cidr_list_match(const struct cidr *list, unsigned n, const char *addr);

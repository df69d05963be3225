/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Network lists (see cidr.h).  An IPv4 address a.b.c.d and its IPv4-mapped
 * IPv6 form ::ffff:a.b.c.d are the same source, so either form matches
 * entries written in either form.  A CIDR with host bits set (10.0.0.1/8) is
 * rejected rather than masked: it is more likely a typo than a wish, and the
 * admin is told the network we would have guessed so the fix is one edit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"
#include "parse.h"
#include "why.h"

#define CIDR_TEXT_MAX 63 /* longest entry we try to parse */

/* Clears the bits past prefix; true if any was set. */
static bool host_bits_clear(uint8_t *addr, unsigned bits, unsigned prefix)
{
	bool had = false;
	unsigned i;

	for (i = 0; i < bits / 8; i++) {
		unsigned first = i * 8;
		uint8_t mask;

		if (first >= prefix)
			mask = 0;
		else if (first + 8 <= prefix)
			mask = 0xff;
		else
			mask = (uint8_t)(0xff << (8 - (prefix - first)));
		if (addr[i] & (uint8_t)~mask)
			had = true;
		addr[i] &= mask;
	}
	return had;
}

int cidr_parse_why(const char *s, struct cidr *ret, char *why, size_t whylen)
{
	char text[CIDR_TEXT_MAX + 1], net[INET6_ADDRSTRLEN];
	struct cidr c = {0};
	const char *slash;
	uint64_t prefix;
	size_t len, alen;
	unsigned bits;
	int r;

	why_set(why, whylen, "%s", "");
	if (!s || !*s) {
		why_set(why, whylen, "is empty");
		return -EINVAL;
	}
	len = strnlen(s, sizeof(text));
	if (len >= sizeof(text)) {
		why_set(why, whylen, "is too long to be an address or CIDR");
		return -EINVAL;
	}
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : len;
	memcpy(text, s, alen);
	text[alen] = '\0';

	if (alen == 0) {
		why_set(why, whylen, "has no address before the '/'");
		return -EINVAL;
	}
	if (inet_pton(AF_INET, text, c.addr) == 1) {
		c.family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, text, c.addr) == 1) {
		c.family = AF_INET6;
		bits = 128;
	} else if (strchr(text, '%')) {
		/* A zone names an interface of this host, not a network. */
		why_set(why, whylen, "is not an IPv4 or IPv6 address (a zone such as %%eth0 is not allowed)");
		return -EINVAL;
	} else if (strpbrk(text, "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ")) {
		why_set(why, whylen, "is not an IPv4 or IPv6 address (host names are not allowed)");
		return -EINVAL;
	} else {
		why_set(why, whylen, "is not an IPv4 or IPv6 address");
		return -EINVAL;
	}

	prefix = bits;
	if (slash) {
		const char *p = slash + 1;

		if (!*p) {
			why_set(why, whylen, "has no prefix length after the '/'");
			return -EINVAL;
		}
		r = parse_u64(p, bits, &prefix);
		if (r == -ERANGE) {
			why_set(why, whylen, "has prefix length %s, out of range for %s (0 to %u)", p,
			        c.family == AF_INET ? "IPv4" : "IPv6", bits);
			return -EINVAL;
		}
		if (r < 0) {
			why_set(why, whylen, "has a prefix length that is not a number from 0 to %u", bits);
			return -EINVAL;
		}
	}
	c.prefix = (uint8_t)prefix;

	if (host_bits_clear(c.addr, bits, c.prefix)) {
		if (inet_ntop(c.family, c.addr, net, sizeof(net)))
			why_set(why, whylen, "has host bits set (did you mean %s/%u?)", net, c.prefix);
		else
			why_set(why, whylen, "has host bits set");
		return -EINVAL;
	}

	*ret = c;
	return 0;
}

int cidr_parse(const char *s, struct cidr *ret)
{
	return cidr_parse_why(s, ret, NULL, 0);
}

static bool prefix_match(const uint8_t *net, const uint8_t *addr, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	uint8_t mask;

	if (memcmp(net, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (net[full] & mask) == (addr[full] & mask);
}

bool cidr_list_match(const struct cidr *list, unsigned n, const char *addr)
{
	static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char text[INET6_ADDRSTRLEN + 1];
	uint8_t v4[4], v6[16];
	bool has_v4 = false, has_v6 = false;
	const char *zone;
	size_t len;
	unsigned i;

	if (!list || !addr)
		return false;
	/* A link-local address may carry "%zone"; the zone is not part of it. */
	zone = strchr(addr, '%');
	len = zone ? (size_t)(zone - addr) : strnlen(addr, sizeof(text));
	if (len == 0 || len >= sizeof(text))
		return false;
	memcpy(text, addr, len);
	text[len] = '\0';

	if (!zone && inet_pton(AF_INET, text, v4) == 1) {
		has_v4 = has_v6 = true;
		memcpy(v6, mapped_prefix, sizeof(mapped_prefix));
		memcpy(v6 + 12, v4, 4);
	} else if (inet_pton(AF_INET6, text, v6) == 1) {
		has_v6 = true;
		if (memcmp(v6, mapped_prefix, sizeof(mapped_prefix)) == 0) {
			has_v4 = true;
			memcpy(v4, v6 + 12, 4);
		}
	} else
		return false;

	for (i = 0; i < n; i++) {
		if (list[i].family == AF_INET && has_v4 && prefix_match(list[i].addr, v4, list[i].prefix))
			return true;
		if (list[i].family == AF_INET6 && has_v6 && prefix_match(list[i].addr, v6, list[i].prefix))
			return true;
	}
	return false;
}

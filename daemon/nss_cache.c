/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cache of NSS answers (see nss_cache.h): sets of NSS_CACHE_WAYS
 * entries chosen by a hash of the name as asked; a new answer takes the
 * entry of its set that expires first.  Direct mapping (one way) missed 70 %
 * of the time with 1,000 users in 1,024 slots: neighbours evicted each other.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "nss.h"
#include "nss_cache.h"

#define NSS_CACHE_SETS 1024 /* a power of two */
#define NSS_CACHE_WAYS 4    /* 4,096 names, some 340 KiB */

struct nss_cache_entry {
	char name[VIGIL_USER_MAX + 1];      /* as asked */
	char canonical[VIGIL_USER_MAX + 1]; /* NSS's pw_name for it */
	uid_t uid;
	uint64_t expires_ms; /* 0: empty */
};

static struct nss_cache_entry cache[NSS_CACHE_SETS][NSS_CACHE_WAYS];

/* FNV-1a: cheap, and the set only decides which answers an attacker's
 * names could push out, never which answer is returned. */
static size_t set_of(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h & (NSS_CACHE_SETS - 1);
}

uint64_t nss_cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int nss_cache_canonical(const char *name, uint64_t now_ms, char ret_name[VIGIL_USER_MAX + 1], uid_t *ret_uid)
{
	struct nss_cache_entry *set, *e, *oldest;
	char canonical[VIGIL_USER_MAX + 1];
	uid_t uid;
	size_t n = strnlen(name, VIGIL_USER_MAX + 1);
	int r;

	if (n == 0 || n > VIGIL_USER_MAX)
		return -ENOENT;
	set = cache[set_of(name)];
	for (e = set; e < set + NSS_CACHE_WAYS; e++) {
		if (e->expires_ms > now_ms && strcmp(e->name, name) == 0) {
			strcpy(ret_name, e->canonical);
			if (ret_uid)
				*ret_uid = e->uid;
			return 0;
		}
	}
	if ((r = nss_user_canonical(name, canonical, &uid)) < 0)
		return r;
	for (e = set, oldest = set; e < set + NSS_CACHE_WAYS; e++)
		if (e->expires_ms < oldest->expires_ms)
			oldest = e;
	e = oldest;
	memcpy(e->name, name, n + 1);
	strcpy(e->canonical, canonical);
	e->uid = uid;
	e->expires_ms = now_ms + NSS_CACHE_TTL_MS;
	strcpy(ret_name, canonical);
	if (ret_uid)
		*ret_uid = uid;
	return 0;
}

void nss_cache_clear(void)
{
	memset(cache, 0, sizeof(cache));
}

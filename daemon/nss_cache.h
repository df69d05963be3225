/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NSS's answers for user names, kept for a few seconds.  Every login asks
 * NSS for its user's canonical name (nss.h), and a lookup is the largest
 * single cost of a known-device login (an open and a parse of /etc/passwd,
 * a Berkeley DB opened and closed, or a round trip to sssd); the same users
 * log in again and again (a batch of ssh commands, sudo in a loop).  Only
 * names NSS knows are kept, for NSS_CACHE_TTL_MS: an account NSS no longer
 * returns is refused at most that much later, as with nscd's cache (600 s by
 * default); an unknown name is asked every time.  Emptied on SIGHUP.  For
 * the login path only: admin verbs ask NSS afresh.  Main thread only.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "vigil/proto.h"

#define NSS_CACHE_TTL_MS 10000

/* nss_user_canonical() through the cache; now_ms: a monotonic clock in
 * milliseconds (the caller's, so that tests can move it). */
int nss_cache_canonical(const char *name, uint64_t now_ms, char ret_name[VIGIL_USER_MAX + 1], uid_t *ret_uid);
/* Forgets every answer. */
void nss_cache_clear(void);
/* A monotonic clock in milliseconds, for nss_cache_canonical(). */
uint64_t nss_cache_now_ms(void);

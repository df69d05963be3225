/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the cache of NSS answers (daemon/nss_cache.c): a known
 * name is asked once within NSS_CACHE_TTL_MS and again after it; an unknown
 * name or an NSS failure is never kept; names that share a slot replace
 * each other and never return each other's answer; SIGHUP's clear forgets.
 * getpwnam_r is wrapped at link time (-Wl,--wrap): a fake NSS that counts
 * its calls.
 */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nss_cache.h"

int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t cap, struct passwd **res);

static unsigned calls;
static int fail_with;    /* 0: answer; else the error NSS returns */
static const char *gone; /* a name NSS no longer knows */

/* Knows every name but "nobody-here" and `gone`; "Alice" is "alice". */
int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t cap, struct passwd **res)
{
	const char *canonical = strcmp(name, "Alice") == 0 ? "alice" : name;

	calls++;
	*res = NULL;
	if (fail_with)
		return fail_with;
	if (strcmp(name, "nobody-here") == 0 || (gone && strcmp(name, gone) == 0))
		return 0;
	if (strlen(canonical) + 1 > cap)
		return ERANGE;
	memset(pw, 0, sizeof(*pw));
	strcpy(buf, canonical);
	pw->pw_name = buf;
	pw->pw_uid = (uid_t)(1000 + strlen(canonical));
	*res = pw;
	return 0;
}

static int reset(void **state)
{
	(void)state;
	nss_cache_clear();
	calls = 0;
	fail_with = 0;
	gone = NULL;
	return 0;
}

static void test_known_name_asked_once_within_ttl(void **state)
{
	char name[VIGIL_USER_MAX + 1];
	uid_t uid = 0;

	(void)state;
	assert_int_equal(nss_cache_canonical("Alice", 1000, name, &uid), 0);
	assert_string_equal(name, "alice");
	assert_int_equal(uid, 1005);
	assert_int_equal(nss_cache_canonical("Alice", 1000 + NSS_CACHE_TTL_MS - 1, name, &uid), 0);
	assert_string_equal(name, "alice");
	assert_int_equal(calls, 1);
	/* Past its time NSS is asked again, and what it says now stands. */
	gone = "Alice";
	assert_int_equal(nss_cache_canonical("Alice", 1000 + NSS_CACHE_TTL_MS, name, &uid), -ENOENT);
	assert_int_equal(calls, 2);
}

static void test_unknown_and_failures_not_kept(void **state)
{
	char name[VIGIL_USER_MAX + 1];

	(void)state;
	assert_int_equal(nss_cache_canonical("nobody-here", 1, name, NULL), -ENOENT);
	assert_int_equal(nss_cache_canonical("nobody-here", 2, name, NULL), -ENOENT);
	assert_int_equal(calls, 2);
	fail_with = EIO;
	assert_int_equal(nss_cache_canonical("carol", 3, name, NULL), -EIO);
	fail_with = 0;
	assert_int_equal(nss_cache_canonical("carol", 4, name, NULL), 0);
	assert_int_equal(calls, 4);
	/* Names that cannot be accounts never reach NSS. */
	assert_int_equal(nss_cache_canonical("", 5, name, NULL), -ENOENT);
	assert_int_equal(calls, 4);
}

static void test_names_never_share_an_answer(void **state)
{
	char name[VIGIL_USER_MAX + 1], other[16];
	unsigned i;

	(void)state;
	/* Far more names than entries: many collide; each gets its own. */
	for (i = 0; i < 5000; i++) {
		snprintf(other, sizeof(other), "u%u", i);
		assert_int_equal(nss_cache_canonical(other, 10, name, NULL), 0);
		assert_string_equal(name, other);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(other, sizeof(other), "u%u", i);
		assert_int_equal(nss_cache_canonical(other, 11, name, NULL), 0);
		assert_string_equal(name, other);
	}
}

/* As many users as a small host has, logging in again and again: asked
 * once each (a direct-mapped cache asked 70 % of the time). */
static void test_thousand_users_hit(void **state)
{
	char name[VIGIL_USER_MAX + 1], user[16];
	unsigned i, round;

	(void)state;
	for (round = 0; round < 3; round++)
		for (i = 0; i < 1000; i++) {
			snprintf(user, sizeof(user), "b%07u", i);
			assert_int_equal(nss_cache_canonical(user, 100 + round, name, NULL), 0);
		}
	assert_true(calls < 1100);
}

static void test_clear_forgets(void **state)
{
	char name[VIGIL_USER_MAX + 1];

	(void)state;
	assert_int_equal(nss_cache_canonical("dave", 1, name, NULL), 0);
	nss_cache_clear();
	gone = "dave";
	assert_int_equal(nss_cache_canonical("dave", 2, name, NULL), -ENOENT);
	assert_int_equal(calls, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_known_name_asked_once_within_ttl, reset),
	    cmocka_unit_test_setup(test_unknown_and_failures_not_kept, reset),
	    cmocka_unit_test_setup(test_names_never_share_an_answer, reset),
	    cmocka_unit_test_setup(test_thousand_users_hit, reset),
	    cmocka_unit_test_setup(test_clear_forgets, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

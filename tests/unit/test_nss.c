/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for nss_user_canonical(): names NSS knows and the near misses
 * it must not take for them (case, blanks, a realm suffix), NSS's own
 * mapping of a name to another pw_name, a buffer that must grow, and an
 * NSS failure.  The accounts come from nss_wrapper: the program writes a
 * passwd and a group file to a temporary directory and runs itself again
 * under LD_PRELOAD=libnss_wrapper.so.  getpwnam_r is wrapped at link time
 * (-Wl,--wrap) so that a test can stand in for NSS where nss_wrapper's
 * files cannot express it (a mapped name, ERANGE, EIO); otherwise the
 * wrapper passes the call through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "nss.h"
#include "tmpdir.h"

int __real_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t cap, struct passwd **res);
int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t cap, struct passwd **res);

enum fake {
	FAKE_NONE,  /* pass through to NSS (nss_wrapper) */
	FAKE_MAP,   /* any name is the account "bob" */
	FAKE_RANGE, /* ERANGE until the buffer holds fake_range_min bytes */
	FAKE_EIO,   /* NSS fails */
	FAKE_LONG,  /* an account whose name does not fit VIGIL_USER_MAX */
};

static enum fake fake;
static size_t fake_range_min, fake_calls;
static char fake_long_name[VIGIL_USER_MAX + 2];

static int fake_entry(const char *pw_name, struct passwd *pw, char *buf, size_t cap, struct passwd **res)
{
	size_t n = strlen(pw_name) + 1;

	if (cap < n) {
		*res = NULL;
		return ERANGE;
	}
	memcpy(buf, pw_name, n);
	memset(pw, 0, sizeof(*pw));
	pw->pw_name = buf;
	pw->pw_uid = 2002;
	pw->pw_gid = 2002;
	*res = pw;
	return 0;
}

int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t cap, struct passwd **res)
{
	fake_calls++;
	switch (fake) {
	case FAKE_MAP:
		return fake_entry("bob", pw, buf, cap, res);
	case FAKE_RANGE:
		if (cap < fake_range_min) {
			*res = NULL;
			return ERANGE;
		}
		return fake_entry("bob", pw, buf, cap, res);
	case FAKE_EIO:
		*res = NULL;
		return EIO;
	case FAKE_LONG:
		return fake_entry(fake_long_name, pw, buf, cap, res);
	case FAKE_NONE:
		break;
	}
	return __real_getpwnam_r(name, pw, buf, cap, res);
}

static int reset(void **state)
{
	(void)state;
	fake = FAKE_NONE;
	fake_calls = 0;
	return 0;
}

static void test_known_name(void **state)
{
	char name[VIGIL_USER_MAX + 1] = "";
	uid_t uid = 0;

	(void)state;
	assert_int_equal(nss_user_canonical("bob", name, &uid), 0);
	assert_string_equal(name, "bob");
	assert_int_equal(uid, 2002);
	assert_int_equal(nss_user_canonical("alice", name, NULL), 0);
	assert_string_equal(name, "alice");
}

static void test_near_misses(void **state)
{
	static const char *const misses[] = {"BOB",   "Bob", "bob ", " bob", "bob@EXAMPLE.ORG",
	                                     "bob\t", "bo",  "bobb", ""};
	char name[VIGIL_USER_MAX + 1];
	uid_t uid = 4242;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		strcpy(name, "untouched");
		assert_int_equal(nss_user_canonical(misses[i], name, &uid), -ENOENT);
		/* ret_* written only on success */
		assert_string_equal(name, "untouched");
		assert_int_equal(uid, 4242);
	}
}

static void test_too_long(void **state)
{
	char longname[VIGIL_USER_MAX + 2], name[VIGIL_USER_MAX + 1];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(nss_user_canonical(longname, name, NULL), -ENOENT);
	/* Refused before NSS is asked. */
	assert_int_equal(fake_calls, 0);
}

static void test_nss_maps_name(void **state)
{
	char name[VIGIL_USER_MAX + 1];
	uid_t uid = 0;

	(void)state;
	/* A directory-backed NSS may answer "bob@EXAMPLE.ORG" with "bob":
	 * the canonical name is what NSS says, not what was asked. */
	fake = FAKE_MAP;
	assert_int_equal(nss_user_canonical("bob@EXAMPLE.ORG", name, &uid), 0);
	assert_string_equal(name, "bob");
	assert_int_equal(uid, 2002);
}

static void test_buffer_grows(void **state)
{
	char name[VIGIL_USER_MAX + 1];

	(void)state;
	fake = FAKE_RANGE;
	fake_range_min = 64 * 1024;
	assert_int_equal(nss_user_canonical("bob", name, NULL), 0);
	assert_string_equal(name, "bob");
	assert_true(fake_calls >= 2);
	/* A module that never has enough is an error, not a loop. */
	fake_range_min = SIZE_MAX;
	assert_int_equal(nss_user_canonical("bob", name, NULL), -EIO);
}

static void test_nss_error(void **state)
{
	char name[VIGIL_USER_MAX + 1] = "untouched";

	(void)state;
	fake = FAKE_EIO;
	assert_int_equal(nss_user_canonical("bob", name, NULL), -EIO);
	assert_string_equal(name, "untouched");
}

static void test_long_pw_name(void **state)
{
	char name[VIGIL_USER_MAX + 1] = "untouched";

	(void)state;
	memset(fake_long_name, 'x', sizeof(fake_long_name) - 1);
	fake_long_name[sizeof(fake_long_name) - 1] = '\0';
	fake = FAKE_LONG;
	assert_int_equal(nss_user_canonical("bob", name, NULL), -ENOENT);
	assert_string_equal(name, "untouched");
}

static int tests_run(void)
{
	const struct CMUnitTest tests[] = {
	    /* Through nss_wrapper. */
	    cmocka_unit_test_setup(test_known_name, reset),
	    cmocka_unit_test_setup(test_near_misses, reset),
	    cmocka_unit_test_setup(test_too_long, reset),
	    /* NSS stood in for by the wrapped getpwnam_r. */
	    cmocka_unit_test_setup(test_nss_maps_name, reset),
	    cmocka_unit_test_setup(test_buffer_grows, reset),
	    cmocka_unit_test_setup(test_nss_error, reset),
	    cmocka_unit_test_setup(test_long_pw_name, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int r;

	if (!f)
		return -1;
	r = fputs(text, f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

/* Writes the accounts, then runs this program again with nss_wrapper. */
static int launcher(void)
{
	static const char passwd[] = "alice:x:2001:2001::/nonexistent:/bin/sh\n"
	                             "bob:x:2002:2002::/nonexistent:/bin/sh\n";
	static const char group[] = "alice:x:2001:\nbob:x:2002:\n";
	char dir[256], path[300], preload[512];
	const char *asan = getenv("VIGIL_ASAN_PRELOAD");
	int status, r = 99;
	void *lib;
	pid_t pid;

	lib = dlopen("libnss_wrapper.so", RTLD_LAZY | RTLD_LOCAL);
	if (!lib) {
		printf("SKIP: libnss_wrapper.so not found (Debian: libnss-wrapper)\n");
		return 77;
	}
	dlclose(lib);
	if (tmp_mkdtemp("test_nss", dir, sizeof(dir)) < 0)
		return 99;
	snprintf(path, sizeof(path), "%s/passwd", dir);
	if (write_text(path, passwd) < 0 || setenv("NSS_WRAPPER_PASSWD", path, 1) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/group", dir);
	if (write_text(path, group) < 0)
		goto out;
	snprintf(preload, sizeof(preload), "%s%slibnss_wrapper.so", asan && *asan ? asan : "",
	         asan && *asan ? " " : "");
	if (setenv("NSS_WRAPPER_GROUP", path, 1) < 0 || setenv("LD_PRELOAD", preload, 1) < 0 ||
	    setenv("VIGIL_TEST_NSS_CHILD", "1", 1) < 0)
		goto out;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		execl("/proc/self/exe", "test_nss", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		goto out;
	r = WIFEXITED(status) ? WEXITSTATUS(status) : 99;
out:
	tmp_rm_rf(dir);
	return r;
}

int main(void)
{
	if (!getenv("VIGIL_TEST_NSS_CHILD"))
		return launcher();
	return tests_run();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * User names through NSS (see nss.h).  The name given is untrusted text:
 * only its length is checked here, NSS decides whether it names an account.
 * What NSS returns is trusted (it is the system's account database), but
 * its name is still bounded before it is copied.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nss.h"

/* getpwnam_r() asks for more room with ERANGE; a buffer beyond this is not
 * an account entry but a broken NSS module. */
#define NSS_BUF_MAX (1024 * 1024)

/* The account NSS returns for name (or, name NULL, for uid). */
static int pw_lookup(const char *name, uid_t uid, char ret_name[VIGIL_USER_MAX + 1], uid_t *ret_uid)
{
	struct passwd pw, *res = NULL;
	char *buf = NULL, *grown;
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t cap = hint > 0 ? (size_t)hint : 1024, n;
	int e, r;

	for (;;) {
		grown = realloc(buf, cap);
		if (!grown) {
			r = -ENOMEM;
			goto out;
		}
		buf = grown;
		errno = 0;
		e = name ? getpwnam_r(name, &pw, buf, cap, &res) : getpwuid_r(uid, &pw, buf, cap, &res);
		if (e != ERANGE)
			break;
		if (cap >= NSS_BUF_MAX) {
			r = -EIO;
			goto out;
		}
		cap *= 2;
	}
	/* "Not found" is a null result with 0, or with one of the errors
	 * glibc lets through for an unknown name. */
	if (!res) {
		r = (e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM) ? -ENOENT : -EIO;
		goto out;
	}
	n = strnlen(res->pw_name, VIGIL_USER_MAX + 1);
	if (n == 0 || n > VIGIL_USER_MAX) {
		r = -ENOENT;
		goto out;
	}
	memcpy(ret_name, res->pw_name, n + 1);
	if (ret_uid)
		*ret_uid = res->pw_uid;
	r = 0;
out:
	free(buf);
	return r;
}

int nss_user_canonical(const char *name, char ret_name[VIGIL_USER_MAX + 1], uid_t *ret_uid)
{
	size_t n = strnlen(name, VIGIL_USER_MAX + 1);

	if (n == 0 || n > VIGIL_USER_MAX)
		return -ENOENT;
	return pw_lookup(name, 0, ret_name, ret_uid);
}

int nss_uid_name(uid_t uid, char ret_name[VIGIL_USER_MAX + 1])
{
	return pw_lookup(NULL, uid, ret_name, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parsing of the module's pam.d arguments.  The pam.d file is root-owned and
 * trusted to be what the admin wrote, but not to be free of typos: "failmod=open"
 * or "timeout=5s" must stop the module loudly rather than be half-understood,
 * so parsing is strict and all-or-nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "args.h"
#include "parse.h"
#include "vigil/proto.h"

/* Bits for the arguments already seen, to refuse repeats. */
enum {
	SEEN_SOCKET = 1U << 0,
	SEEN_TIMEOUT = 1U << 1,
	SEEN_FAILMODE = 1U << 2,
	SEEN_DEBUG = 1U << 3,
	SEEN_FIDO2_HELPER = 1U << 4,
};

static void err_set(char *err, size_t cap, const char *what, const char *arg)
{
	if (cap > 0)
		snprintf(err, cap, "%s: \"%s\"", what, arg);
}

/* Returns the value if arg is "name=value", NULL otherwise. */
static const char *arg_value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return NULL;
	return arg + n + 1;
}

static int socket_check(const char *path)
{
	/* Room for the path and its NUL in a sockaddr_un. */
	if (path[0] != '/' || strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return -EINVAL;
	return 0;
}

/* The helper runs as root at a console login: its path must say exactly
 * which file the admin meant.  (The pam.d file is root's, so this guards
 * against typos, not users.) */
static int helper_check(const char *path)
{
	size_t n = strlen(path);

	if (n < 2 || n >= PATH_MAX || path[0] != '/' || path[n - 1] == '/' || strstr(path, "//") ||
	    strstr(path, "/./") || strstr(path, "/../") || (n >= 2 && strcmp(path + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(path + n - 3, "/..") == 0))
		return -EINVAL;
	return 0;
}

int args_parse(int argc, const char **argv, struct module_args *ret, char *err, size_t cap)
{
	struct module_args a = {
	    /* The root-only socket vigild serves before self-service: a
	     * user flooding the public one cannot crowd logins out. */
	    .socket = VIGIL_DEFAULT_PAM_SOCKET,
	    .timeout_ms = (int64_t)ARGS_TIMEOUT_DEFAULT_S * 1000,
	    .fail_open = false,
	    .debug = false,
	    .fido2_helper = NULL,
	};
	unsigned seen = 0, bit;
	const char *v;
	uint64_t secs;
	int r, i;

	if (cap > 0)
		err[0] = '\0';
	if (argc < 0 || (argc > 0 && !argv)) {
		err_set(err, cap, "bad argument vector", "");
		r = -EINVAL;
		goto out;
	}

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!arg) {
			err_set(err, cap, "null argument", "");
			r = -EINVAL;
			goto out;
		}
		if ((v = arg_value(arg, "socket"))) {
			bit = SEEN_SOCKET;
			if (socket_check(v) < 0) {
				err_set(err, cap, "socket must be an absolute path shorter than 108 bytes", arg);
				r = -EINVAL;
				goto out;
			}
			a.socket = v;
		} else if ((v = arg_value(arg, "timeout"))) {
			bit = SEEN_TIMEOUT;
			if (parse_u64(v, ARGS_TIMEOUT_MAX_S, &secs) < 0 || secs < 1) {
				err_set(err, cap, "timeout must be whole seconds from 1 to 60", arg);
				r = -EINVAL;
				goto out;
			}
			a.timeout_ms = (int64_t)secs * 1000;
		} else if ((v = arg_value(arg, "failmode"))) {
			bit = SEEN_FAILMODE;
			if (strcmp(v, "closed") == 0)
				a.fail_open = false;
			else if (strcmp(v, "open") == 0)
				a.fail_open = true;
			else {
				err_set(err, cap, "failmode must be closed or open", arg);
				r = -EINVAL;
				goto out;
			}
		} else if ((v = arg_value(arg, "fido2_helper"))) {
			bit = SEEN_FIDO2_HELPER;
			if (helper_check(v) < 0) {
				err_set(err, cap, "fido2_helper must be an absolute path to the helper", arg);
				r = -EINVAL;
				goto out;
			}
			a.fido2_helper = v;
		} else if (strcmp(arg, "debug") == 0) {
			bit = SEEN_DEBUG;
			a.debug = true;
		} else {
			err_set(err, cap, "unknown argument", arg);
			r = -EINVAL;
			goto out;
		}
		if (seen & bit) {
			err_set(err, cap, "argument given twice", arg);
			r = -EINVAL;
			goto out;
		}
		seen |= bit;
	}

	*ret = a;
	r = 0;
out:
	return r;
}

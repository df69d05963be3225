/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Non-blocking, checked opens of the daemon's files (see safe_file.h).
 * O_NONBLOCK makes open(2) of a FIFO return at once instead of waiting for a
 * writer; the type check on the descriptor then refuses it.  O_NOFOLLOW
 * refuses a symlink in the last component (ELOOP), which we confirm with
 * lstat before calling it one.  Trusts nothing in the file system: the
 * verdict comes from fstat of the very descriptor that will be used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "safe_file.h"
#include "why.h"

static const char *type_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISLNK(mode))
		return "a symlink";
	return "not a known file type";
}

int safe_file_check(const struct stat *st, unsigned rules, char *why, size_t whylen)
{
	mode_t perm = st->st_mode & 07777;
	uid_t me = geteuid();

	if (!S_ISREG(st->st_mode)) {
		why_set(why, whylen, "%s, not a regular file", type_name(st->st_mode));
		return -EPERM;
	}
	if ((rules & SAFE_FILE_OURS) && st->st_uid != me) {
		why_set(why, whylen, "owned by uid %u, must be owned by uid %u", (unsigned)st->st_uid, (unsigned)me);
		return -EPERM;
	}
	if ((rules & SAFE_FILE_OURS_OR_ROOT) && st->st_uid != me && st->st_uid != 0) {
		why_set(why, whylen, "owned by uid %u, must be owned by root", (unsigned)st->st_uid);
		return -EPERM;
	}
	/* Writable is the worse news, so it is named first. */
	if ((rules & (SAFE_FILE_NO_WRITE | SAFE_FILE_SECRET)) && (perm & S_IWOTH)) {
		why_set(why, whylen, "mode %04o, must not be writable by others", (unsigned)perm);
		return -EPERM;
	}
	if ((rules & (SAFE_FILE_NO_WRITE | SAFE_FILE_SECRET)) && (perm & S_IWGRP)) {
		why_set(why, whylen, "mode %04o, must not be writable by its group", (unsigned)perm);
		return -EPERM;
	}
	if ((rules & SAFE_FILE_SECRET) && (perm & S_IRWXO)) {
		why_set(why, whylen, "mode %04o, must not be readable by others", (unsigned)perm);
		return -EPERM;
	}
	if ((rules & SAFE_FILE_SECRET) && (perm & S_IRWXG)) {
		why_set(why, whylen, "mode %04o, must not be readable by its group", (unsigned)perm);
		return -EPERM;
	}
	return 0;
}

int safe_file_open(int dfd, const char *name, int flags, mode_t mode, unsigned rules, const char *display, int *ret_fd,
                   struct stat *ret_st, char *why, size_t whylen)
{
	char reason[128];
	struct stat st;
	int fd = -1, fl, r;

	if (!display)
		display = name;
	fd = openat(dfd, name, flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0) {
		r = -errno;
		/* ELOOP also means a loop further up the path; ENXIO is what
		 * a socket gives.  Say what the file is when we can tell. */
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			why_set(why, whylen, "%s: a symlink, not a regular file", display);
		else if ((r == -ENXIO || r == -EOPNOTSUPP) && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		         !S_ISREG(st.st_mode))
			why_set(why, whylen, "%s: %s, not a regular file", display, type_name(st.st_mode));
		else
			why_set(why, whylen, "%s: %s", display, strerror(-r));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		why_set(why, whylen, "%s: %s", display, strerror(-r));
		goto out;
	}
	if ((r = safe_file_check(&st, rules, reason, sizeof(reason))) < 0) {
		why_set(why, whylen, "%s: %s", display, reason);
		goto out;
	}
	/* A regular file: later reads and writes may block as usual. */
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		r = -errno;
		why_set(why, whylen, "%s: %s", display, strerror(-r));
		goto out;
	}
	*ret_fd = fd;
	fd = -1;
	if (ret_st)
		*ret_st = st;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

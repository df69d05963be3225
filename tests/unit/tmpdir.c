/* SPDX-License-Identifier: BSD-3-Clause */
/* File helpers for unit tests (see tmpdir.h). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"

void tmp_join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < cap);
}

int tmp_mkdtemp(const char *prefix, char *out, size_t cap)
{
	const char *tmp = getenv("TMPDIR");
	char name[NAME_MAX];

	snprintf(name, sizeof(name), "%s.XXXXXX", prefix);
	tmp_join(out, cap, tmp && *tmp ? tmp : "/tmp", name);
	return mkdtemp(out) ? 0 : -1;
}

void tmp_rm_rf(const char *dir)
{
	char sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		tmp_join(sub, sizeof(sub), dir, de->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			tmp_rm_rf(sub);
		else
			(void)unlink(sub);
	}
	closedir(d);
	(void)rmdir(dir);
}

void tmp_write_file(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

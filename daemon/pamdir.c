/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Looking up PAM services (see pamdir.h).  A service uses pam_vigil when a
 * line of its file, or of a file it pulls in (Debian's "@include NAME",
 * "TYPE include NAME", "TYPE substack NAME"), names a module containing
 * "pam_vigil".  Includes are followed a few levels deep and only to plain
 * names in the same directory.  File names go into a log line, so only names
 * made of the characters PAM service names use are listed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamdir.h"
#include "safe_file.h"
#include "vigil/proto.h"

#define PAMDIR_FILES_MAX   256         /* files looked at */
#define PAMDIR_FILE_MAX    (64 * 1024) /* bytes read of one service file */
#define PAMDIR_INCLUDE_MAX 4           /* levels of includes followed */

bool pamdir_name_valid(const char *s)
{
	size_t len = strlen(s), i;

	if (len < 1 || len > VIGIL_SERVICE_MAX || s[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '_' || ch == '.' || ch == '+'))
			return false;
	}
	return true;
}

/* Splits line (modified) into at most max blank-separated words, up to a
 * '#' comment. */
static unsigned words_split(char *line, char **words, unsigned max)
{
	unsigned n = 0;
	char *p = line, *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	while (n < max) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static bool uses_vigil(int dfd, const char *name, unsigned depth)
{
	char *buf = NULL, *line, *next;
	bool found = false;
	ssize_t n;
	int fd = -1;

	if (depth > PAMDIR_INCLUDE_MAX || !pamdir_name_valid(name))
		return false;
	if (safe_file_open(dfd, name, O_RDONLY, 0, SAFE_FILE_OURS_OR_ROOT | SAFE_FILE_NO_WRITE, NULL, &fd, NULL, NULL,
	                   0) < 0)
		return false;
	buf = malloc(PAMDIR_FILE_MAX + 1);
	if (!buf)
		goto out;
	do
		n = read(fd, buf, PAMDIR_FILE_MAX);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		goto out;
	buf[n] = '\0';

	for (line = buf; line && !found; line = next) {
		char *words[4];
		unsigned k, i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		k = words_split(line, words, 4);
		for (i = 0; i < k && !found; i++)
			found = strstr(words[i], "pam_vigil") != NULL;
		if (found)
			break;
		if (k >= 2 && strcmp(words[0], "@include") == 0)
			found = uses_vigil(dfd, words[1], depth + 1);
		else if (k >= 3 && (strcmp(words[1], "include") == 0 || strcmp(words[1], "substack") == 0))
			found = uses_vigil(dfd, words[2], depth + 1);
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return found;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends ", word" (or "word" first) to out if it fits with room for ", ...";
 * otherwise appends ", ..." once and returns false. */
static bool list_add(char *out, size_t cap, bool first, const char *word)
{
	size_t len = strlen(out), need = strlen(word) + (first ? 0 : 2);

	if (len + need + 5 < cap) {
		(void)snprintf(out + len, cap - len, "%s%s", first ? "" : ", ", word);
		return true;
	}
	if (len + 5 < cap)
		(void)snprintf(out + len, cap - len, "%s", ", ...");
	return false;
}

static void hint_write(char *hint, size_t hintlen, const char *name, char **files, size_t n, const bool *vigil)
{
	const char *guess = NULL;
	size_t i, users = 0, len;
	bool first = true;

	for (i = 0; i < n; i++)
		users += vigil[i];
	/* "ssh" for "sshd": one name is the start of the other.  Among the
	 * services that use pam_vigil if there are any; only if one fits. */
	for (i = 0; i < n; i++)
		if ((!users || vigil[i]) &&
		    (strncmp(files[i], name, strlen(name)) == 0 || strncmp(files[i], name, strlen(files[i])) == 0))
			guess = guess ? "" : files[i];
	hint[0] = '\0';
	if (guess && *guess)
		(void)snprintf(hint, hintlen, "did you mean [service.%s]? ", guess);
	len = strlen(hint);
	(void)snprintf(hint + len, hintlen - len, "%s",
	               users ? "services there that use pam_vigil: "
	                     : "no service there uses pam_vigil; files there: ");
	for (i = 0; i < n; i++) {
		if (users && !vigil[i])
			continue;
		if (!list_add(hint, hintlen, first, files[i]))
			break;
		first = false;
	}
	if (first)
		list_add(hint, hintlen, true, "none");
}

int pamdir_check(const char *dir, const char *name, char *hint, size_t hintlen)
{
	char **files = NULL;
	bool *vigil = NULL;
	struct dirent *de;
	struct stat st;
	size_t n = 0, i;
	DIR *d = NULL;
	int dfd, r;

	if (hint && hintlen)
		hint[0] = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/* libpam follows a symlink to the service file: so do we. */
	if (pamdir_name_valid(name) && fstatat(dfd, name, &st, 0) == 0 && S_ISREG(st.st_mode)) {
		close(dfd);
		return 1;
	}
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	files = calloc(PAMDIR_FILES_MAX, sizeof(*files));
	vigil = calloc(PAMDIR_FILES_MAX, sizeof(*vigil));
	if (!files || !vigil) {
		r = -ENOMEM;
		goto out;
	}
	while (n < PAMDIR_FILES_MAX && (de = readdir(d))) {
		if (!pamdir_name_valid(de->d_name) || fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		files[n] = strdup(de->d_name);
		if (!files[n]) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	qsort(files, n, sizeof(*files), name_cmp);
	for (i = 0; i < n; i++)
		vigil[i] = uses_vigil(dirfd(d), files[i], 0);
	if (hint && hintlen)
		hint_write(hint, hintlen, name, files, n, vigil);
	r = 0;
out:
	if (files)
		for (i = 0; i < n; i++)
			free(files[i]);
	free(files);
	free(vigil);
	closedir(d);
	return r;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A plain driver for the fuzz target, so that ordinary test runs (and the
 * sanitizer build) replay the corpus without libFuzzer.  Each argument is a
 * file or a directory whose regular files are all fed, one at a time and
 * in exact-size buffers, to LLVMFuzzerTestOneInput().  Fails when an input
 * cannot be read or when there was no input at all; a broken property
 * abort()s inside the target.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs bigger than this are not frames the decoder could ever see. */
#define INPUT_MAX (1024 * 1024)

static int replay_file(const char *path, size_t *count)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len, got = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > INPUT_MAX) {
		r = -EINVAL;
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len ? len : 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (got < len) {
		ssize_t k = read(fd, buf + got, len - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : -EIO;
			goto out;
		}
		got += (size_t)k;
	}
	(void)LLVMFuzzerTestOneInput(buf, len);
	(*count)++;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

static int replay_dir(const char *dir, size_t *count)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[4096];

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path)) {
			r = -ENAMETOOLONG;
			break;
		}
		if ((r = replay_file(path, count)) < 0) {
			fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(-r));
			break;
		}
	}
	closedir(d);
	return r;
}

int main(int argc, char **argv)
{
	size_t count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		int r;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "fuzz_replay: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		r = S_ISDIR(st.st_mode) ? replay_dir(argv[i], &count) : replay_file(argv[i], &count);
		if (r < 0) {
			fprintf(stderr, "fuzz_replay: %s: %s\n", argv[i], strerror(-r));
			return 1;
		}
	}
	fprintf(stderr, "fuzz_replay: %zu inputs replayed\n", count);
	return count > 0 ? 0 : 1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An LD_PRELOAD shim for tests/daemon/durability.sh: once the file named by
 * FAIL_FDATASYNC_MARKER exists, fdatasync() and fsync() fail with EIO, as a
 * disk that refuses a write does.  Until then they are the real ones.  For
 * the test only: never installed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int fdatasync(int fd);
int fsync(int fd);

static int armed(void)
{
	const char *marker = getenv("FAIL_FDATASYNC_MARKER");

	return marker && marker[0] && access(marker, F_OK) == 0;
}

int fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");

	if (armed() || !real) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

	if (armed() || !real) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client end of the daemon socket (see client.h), loaded into sshd and
 * sudo through pam_vigil.so and used by vigilctl.  It trusts the daemon only
 * after checking it: the socket file and its directory must belong to the
 * daemon's uid and not be writable by anyone else, and the process that
 * answers must be that uid (SO_PEERCRED; the file checks alone would race
 * with a rename).  It trusts nothing the daemon sends: the header is checked
 * before the body is read, the body is bounded by the protocol maximum and
 * lives on the stack, and frames are wiped before return.  Every wait is a
 * poll() bounded by the caller's deadline: no signals, no alarm(), no
 * blocking call that could hang a login.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "proto.h"
#include "wipe.h"

/* How long to back off when the listen backlog is full (connect() says
 * EAGAIN on a non-blocking AF_UNIX socket and cannot be polled). */
#define CONNECT_RETRY_MS 10

int64_t clock_now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux; a wall-clock jump must not
	 * stretch or cut a deadline. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline.  0 when ready, -ETIMEDOUT. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline_ms - clock_now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0) {
			/* The host process may have signal handlers. */
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n > 0) {
			if (p.revents & POLLNVAL)
				return -EBADF;
			/* POLLERR/POLLHUP: the next call reports why. */
			return 0;
		}
	}
}

/* A directory and the socket in it, both as the daemon's uid left them. */
static int check_path(const char *path, uid_t daemon_uid)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *name, *slash;
	struct stat st;
	int dfd = -1, r;

	slash = strrchr(path, '/');
	if (!slash) {
		strcpy(dir, ".");
		name = path;
	} else if (slash == path) {
		strcpy(dir, "/");
		name = slash + 1;
	} else {
		/* path is shorter than dir (checked by the caller). */
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		name = slash + 1;
	}
	if (!*name) {
		r = -EINVAL;
		goto out;
	}

	/* The directory decides who can replace the socket: the daemon's,
	 * and nobody else may write to it. */
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		goto out;
	}
	if (fstat(dfd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (st.st_uid != daemon_uid || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		r = -EPERM;
		goto out;
	}

	/* The socket itself, not what a symlink points to. */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISSOCK(st.st_mode) || st.st_uid != daemon_uid) {
		r = -EPERM;
		goto out;
	}
	r = 0;
out:
	if (dfd >= 0)
		close(dfd);
	return r;
}

int client_connect(const char *path, uid_t daemon_uid, int64_t deadline_ms, int *ret_fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ucred cred;
	socklen_t len;
	size_t n;
	int fd = -1, r, err;

	if (!path || !ret_fd)
		return -EINVAL;
	n = strlen(path);
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);

	if ((r = check_path(path, daemon_uid)) < 0)
		goto out;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		goto out;
	}

	for (;;) {
		if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		err = errno;
		if (err == EAGAIN) {
			/* Backlog full: back off briefly, within the deadline.
			 * Still full at the deadline is -EAGAIN, not -ETIMEDOUT:
			 * any local user can fill the backlog of a busy daemon,
			 * so the module must be able to tell this from a daemon
			 * that is not there (it fails closed here). */
			int64_t left = deadline_ms - clock_now_ms();

			if (left <= 0) {
				r = -EAGAIN;
				goto out;
			}
			(void)poll(NULL, 0, left < CONNECT_RETRY_MS ? (int)left : CONNECT_RETRY_MS);
			continue;
		}
		/* Interrupted, the connection goes on: wait for it either way. */
		if (err != EINPROGRESS && err != EINTR) {
			r = -err;
			goto out;
		}
		if ((r = wait_fd(fd, POLLOUT, deadline_ms)) < 0)
			goto out;
		len = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
			r = -errno;
			goto out;
		}
		if (err != 0) {
			r = -err;
			goto out;
		}
		break;
	}

	/* Whoever answers must be the daemon, whatever the file said. */
	len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		r = -errno;
		goto out;
	}
	if (len != sizeof(cred) || cred.uid != daemon_uid) {
		r = -EPERM;
		goto out;
	}

	*ret_fd = fd;
	fd = -1;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

static int send_all(int fd, const uint8_t *p, size_t n, int64_t deadline_ms)
{
	int r;

	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if ((r = wait_fd(fd, POLLOUT, deadline_ms)) < 0)
					return r;
				continue;
			}
			return errno == EPIPE ? -ECONNRESET : -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int recv_all(int fd, uint8_t *p, size_t n, int64_t deadline_ms)
{
	int r;

	while (n > 0) {
		ssize_t k = recv(fd, p, n, 0);

		if (k == 0)
			return -ECONNRESET;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if ((r = wait_fd(fd, POLLIN, deadline_ms)) < 0)
					return r;
				continue;
			}
			return errno == EPIPE ? -ECONNRESET : -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int client_call(int fd, uint32_t request_id, const struct vigil_msg *req, struct vigil_msg *ret_reply,
                int64_t deadline_ms)
{
	/* One frame buffer for both directions: the request is sent before the
	 * reply arrives.  It may carry an answer or a seed: the bytes used
	 * (not the whole 32 KB) are wiped at out. */
	uint8_t frame[VIGIL_FRAME_MAX];
	struct frame_header h;
	size_t len = 0, used = 0;
	bool decoded = false;
	int r;

	if (fd < 0 || !req || !ret_reply) {
		r = -EINVAL;
		goto out;
	}
	if (!msg_type_is_request(req->type)) {
		r = -EINVAL;
		goto out;
	}

	/* msg_encode() wipes what it wrote when it fails. */
	if ((r = msg_encode(req, request_id, frame, sizeof(frame), &len)) < 0)
		goto out;
	used = len;
	if ((r = send_all(fd, frame, len, deadline_ms)) < 0)
		goto out;

	/* The header alone first: nothing it claims is believed before
	 * frame_header_decode() has bounded it. */
	if (used < VIGIL_FRAME_HEADER_SIZE)
		used = VIGIL_FRAME_HEADER_SIZE;
	/* Right after the request the answer is not there yet: wait for it
	 * first rather than read in vain. */
	if ((r = wait_fd(fd, POLLIN, deadline_ms)) < 0 ||
	    (r = recv_all(fd, frame, VIGIL_FRAME_HEADER_SIZE, deadline_ms)) < 0)
		goto out;
	if ((r = frame_header_decode(frame, &h)) < 0)
		goto out;
	if (h.request_id != request_id || msg_type_is_request(h.type)) {
		r = -EPROTO;
		goto out;
	}
	/* body_len <= VIGIL_FRAME_BODY_MAX: it fits behind the header. */
	if (used < VIGIL_FRAME_HEADER_SIZE + (size_t)h.body_len)
		used = VIGIL_FRAME_HEADER_SIZE + (size_t)h.body_len;
	if ((r = recv_all(fd, frame + VIGIL_FRAME_HEADER_SIZE, h.body_len, deadline_ms)) < 0)
		goto out;
	/* On failure msg_decode() wipes what it wrote of *ret_reply. */
	decoded = true;
	r = msg_decode(h.type, frame + VIGIL_FRAME_HEADER_SIZE, h.body_len, ret_reply);
out:
	wipe(frame, used);
	/* Not decoded: nothing of the reply was written; its header says none. */
	if (r < 0 && ret_reply && !decoded)
		wipe(ret_reply, msg_size(0));
	return r;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The floor under any daemon a PAM module asks: a "vigild" that answers
 * every AUTH_BEGIN and ACCOUNT_CHECK with ALLOW at once, reading nothing,
 * writing nothing, logging nothing.  perf.sh runs the real pam_vigil.so
 * against it (the "floor" stack): what that costs over pam_permit is the
 * module, its connection and its two round trips, the part of a known
 * login no work in vigild can take away.  A benchmark tool only: it allows
 * every login and must never listen where a real module looks.
 *
 *   null_vigild SOCKET      (root: the module trusts only a root daemon)
 *
 * Single-threaded, one poll() over the listening socket and its clients,
 * like vigild's loop; exits on SIGTERM.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"

#define CLIENTS_MAX 256

struct client {
	int fd;
	size_t have;
	uint8_t buf[VIGIL_FRAME_MAX];
};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Answers the frame at the start of c->buf, if whole; 0, 1 if answered,
 * -1 to drop the client. */
static int answer(struct client *c, struct vigil_msg *req, struct vigil_msg *reply)
{
	static uint64_t next_id = 1;
	uint8_t out[256];
	struct frame_header h;
	size_t len;

	if (c->have < VIGIL_FRAME_HEADER_SIZE)
		return 0;
	if (frame_header_decode(c->buf, &h) < 0)
		return -1;
	if (c->have < VIGIL_FRAME_HEADER_SIZE + h.body_len)
		return 0;
	if (msg_decode(h.type, c->buf + VIGIL_FRAME_HEADER_SIZE, h.body_len, req) < 0 ||
	    (req->type != VIGIL_MSG_AUTH_BEGIN && req->type != VIGIL_MSG_ACCOUNT_CHECK))
		return -1;
	memset(reply, 0, msg_size(VIGIL_MSG_DECISION));
	reply->type = VIGIL_MSG_DECISION;
	reply->u.decision.outcome = VIGIL_OUTCOME_ALLOW;
	if (req->type == VIGIL_MSG_AUTH_BEGIN)
		snprintf(reply->u.decision.login_id, sizeof(reply->u.decision.login_id), "%llu",
		         (unsigned long long)next_id++);
	else
		snprintf(reply->u.decision.login_id, sizeof(reply->u.decision.login_id), "%s", req->u.login.login_id);
	if (msg_encode(reply, h.request_id, out, sizeof(out), &len) < 0 ||
	    send(c->fd, out, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	memmove(c->buf, c->buf + VIGIL_FRAME_HEADER_SIZE + h.body_len, c->have - VIGIL_FRAME_HEADER_SIZE - h.body_len);
	c->have -= VIGIL_FRAME_HEADER_SIZE + h.body_len;
	return 1;
}

int main(int argc, char **argv)
{
	static struct client clients[CLIENTS_MAX];
	struct pollfd pf[CLIENTS_MAX + 1];
	struct vigil_msg *req = calloc(1, sizeof(*req)), *reply = calloc(1, sizeof(*reply));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = 0, i;
	ssize_t got;
	int lfd, fd, r;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path) || !req || !reply) {
		fprintf(stderr, "usage: null_vigild SOCKET\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	strcpy(sa.sun_path, argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0) {
		fprintf(stderr, "null_vigild: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (!stop) {
		pf[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
		for (i = 0; i < n; i++)
			pf[i + 1] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
		if (poll(pf, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (i = n; i-- > 0;) {
			if (!pf[i + 1].revents)
				continue;
			struct client *c = &clients[i];
			got = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
			r = got > 0 ? 0 : -1;
			if (got > 0)
				for (c->have += (size_t)got; (r = answer(c, req, reply)) == 1;)
					;
			if (r < 0) {
				close(c->fd);
				*c = clients[--n];
			}
		}
		if ((pf[0].revents & POLLIN) && (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			if (n == CLIENTS_MAX)
				close(fd);
			else
				clients[n++] = (struct client){.fd = fd};
		}
	}
	unlink(argv[1]);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_decide: vigild alone, driven through its PAM socket without libpam.
 * CLIENTS processes each keep one connection and loop known-device logins of
 * the pool users: AUTH_BEGIN, then ACCOUNT_CHECK with the login id the
 * decision gave, the frames pam_vigil sends (rhost, tty "ssh",
 * SSH_AUTH_INFO_0, the service, the pid).  A daemon that closes the
 * connection after a decision is reconnected to, and the reconnections are
 * counted: they are part of what a login costs it.
 *
 *   bench_decide SOCKET SERVICE CLIENTS SECONDS POOL [FIRST]
 *
 * The run walks the pool from position FIRST (0 if not given): position k
 * is user k * STRIDE mod POOL, so neighbours in the walk are far apart in
 * the store, and the clients take the positions in turn.  A run after
 * another passes the NEXT the one before printed: it goes on with users
 * not seen yet that day (their first login of the day rewrites what they
 * last used) until the pool is spent, instead of repeating the same users
 * with their rows fresh from the run before.
 *
 * Prints "decide CLIENTS DECISIONS_PER_S LOGINS_PER_S RECONNECTS FAILED
 * NEXT".
 * Every answer must be an ALLOW with a login id; anything else is a failure
 * and the exit status is 1.  Run as root (the PAM socket is root's).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_users.h"
#include "client.h"
#include "parse.h"

#define CALL_TIMEOUT_MS 10000
#define CLIENTS_MAX     64
/* Prime: k -> k * STRIDE mod POOL visits every user once per POOL logins
 * unless POOL is a multiple of it (then STRIDE_OTHER, also prime). */
#define STRIDE       7919
#define STRIDE_OTHER 7907

struct counts {
	uint64_t decisions, logins, reconnects, failed;
	uint64_t steps; /* pool positions this client took */
};

static int call(const char *socket, int *fd, uint32_t *id, const struct vigil_msg *req, struct vigil_msg *reply,
                struct counts *n)
{
	int64_t deadline = clock_now_ms() + CALL_TIMEOUT_MS;
	int r, tries;

	for (tries = 0; tries < 2; tries++) {
		if (*fd < 0) {
			if ((r = client_connect(socket, 0, deadline, fd)) < 0)
				return r;
			if (tries > 0 || *id > 1)
				n->reconnects++;
		}
		r = client_call(*fd, (*id)++, req, reply, deadline);
		if (r != -ECONNRESET && r != -EPIPE)
			return r;
		close(*fd);
		*fd = -1;
	}
	return r;
}

static void login_fill(struct vigil_login_request *l, const struct bench_origin *o, const char *service,
                       const char *login_id)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->user, sizeof(l->user), "%s", o->name);
	snprintf(l->service, sizeof(l->service), "%s", service);
	snprintf(l->rhost, sizeof(l->rhost), "%s", o->rhost);
	snprintf(l->tty, sizeof(l->tty), "ssh");
	snprintf(l->ssh_auth_info, sizeof(l->ssh_auth_info), "%s\n", o->auth_info);
	snprintf(l->login_id, sizeof(l->login_id), "%s", login_id);
	l->pid = (uint32_t)getpid();
}

static bool allowed(const struct vigil_msg *m)
{
	return m->type == VIGIL_MSG_DECISION && m->u.decision.outcome == VIGIL_OUTCOME_ALLOW &&
	       m->u.decision.login_id[0] != '\0';
}

static void client_run(const char *socket, const char *service, unsigned c, unsigned clients, double seconds,
                       unsigned pool, uint64_t first, struct counts *n)
{
	struct vigil_msg *req = calloc(1, sizeof(*req)), *reply = calloc(1, sizeof(*reply));
	char login_id[VIGIL_LOGIN_ID_MAX + 1];
	struct bench_origin o;
	uint64_t k = first + c, stride = pool % STRIDE ? STRIDE : STRIDE_OTHER;
	int64_t end = clock_now_ms() + (int64_t)(seconds * 1000);
	uint32_t id = 1;
	int fd = -1;

	if (!req || !reply) {
		n->failed++;
		goto out;
	}
	while (clock_now_ms() < end) {
		bench_origin(BENCH_POOL, (unsigned)((k % pool) * stride % pool), BENCH_KEY_KNOWN, &o);
		k += clients;
		n->steps++;
		req->type = VIGIL_MSG_AUTH_BEGIN;
		login_fill(&req->u.login, &o, service, "");
		if (call(socket, &fd, &id, req, reply, n) < 0 || !allowed(reply)) {
			if (n->failed++ < 3)
				fprintf(stderr, "bench_decide: %s: AUTH_BEGIN not allowed (type %u)\n", o.name,
				        (unsigned)reply->type);
			continue;
		}
		n->decisions++;
		snprintf(login_id, sizeof(login_id), "%s", reply->u.decision.login_id);
		req->type = VIGIL_MSG_ACCOUNT_CHECK;
		login_fill(&req->u.login, &o, service, login_id);
		if (call(socket, &fd, &id, req, reply, n) < 0 || !allowed(reply)) {
			if (n->failed++ < 3)
				fprintf(stderr, "bench_decide: %s: ACCOUNT_CHECK not allowed (type %u)\n", o.name,
				        (unsigned)reply->type);
			continue;
		}
		n->logins++;
	}
out:
	if (fd >= 0)
		close(fd);
	free(req);
	free(reply);
}

int main(int argc, char **argv)
{
	struct counts *shm, total = {0};
	unsigned clients, seconds, pool, c;
	pid_t pids[CLIENTS_MAX];
	int64_t t0, t1;
	uint64_t v, first = 0, steps = 0;
	int status, bad = 0;

	if ((argc != 6 && argc != 7) || parse_u64(argv[3], CLIENTS_MAX, &v) < 0 || v == 0) {
		fprintf(stderr, "usage: bench_decide SOCKET SERVICE CLIENTS SECONDS POOL [FIRST]\n");
		return 2;
	}
	if (argc == 7 && parse_u64(argv[6], UINT64_MAX / 2, &first) < 0)
		return 2;
	clients = (unsigned)v;
	if (parse_u64(argv[4], 3600, &v) < 0 || v == 0)
		return 2;
	seconds = (unsigned)v;
	if (parse_u64(argv[5], UINT32_MAX, &v) < 0 || v == 0)
		return 2;
	pool = (unsigned)v;
	shm = mmap(NULL, clients * sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return 2;
	memset(shm, 0, clients * sizeof(*shm));
	t0 = clock_now_ms();
	for (c = 0; c < clients; c++) {
		pids[c] = fork();
		if (pids[c] < 0)
			return 2;
		if (pids[c] == 0) {
			client_run(argv[1], argv[2], c, clients, seconds, pool, first, &shm[c]);
			_exit(0);
		}
	}
	for (c = 0; c < clients; c++)
		if (waitpid(pids[c], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	t1 = clock_now_ms();
	for (c = 0; c < clients; c++) {
		total.decisions += shm[c].decisions;
		total.logins += shm[c].logins;
		total.reconnects += shm[c].reconnects;
		total.failed += shm[c].failed;
		if (shm[c].steps > steps)
			steps = shm[c].steps;
	}
	/* Past every position any client took. */
	printf("decide %u %.1f %.1f %llu %llu %llu\n", clients, (double)total.decisions * 1000.0 / (double)(t1 - t0),
	       (double)total.logins * 1000.0 / (double)(t1 - t0), (unsigned long long)total.reconnects,
	       (unsigned long long)total.failed, (unsigned long long)(first + steps * clients));
	return total.failed || bad ? 1 : 0;
}

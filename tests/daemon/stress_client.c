/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small client of a real vigild for tests/daemon/run.sh: one request at a
 * time (STATUS_QUERY, AUTH_BEGIN with its TOTP step, SESSION_OPEN), hostile
 * connections (a half-written frame, a bad magic, an oversized body length,
 * a reply type sent as a request) beside a normal client, and many clients
 * at once, and a flood by an unprivileged user (connects never written,
 * requests at full rate) beside root's timed decisions.  It speaks the protocol through lib/ like the module does, and
 * breaks the framing by hand only where a test needs it to.  It trusts the
 * daemon no more than the module: client_connect() checks the socket and
 * the peer (uid 0).  A TOTP code comes on stdin, never in argv, and is
 * wiped after use; nothing secret is ever printed (an enrollment prompt,
 * which carries a seed, is reported by its kind only).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "parse.h"
#include "proto.h"
#include "wipe.h"

#define DEADLINE_MS 5000
#define FLOOD_MAX   1000

static struct vigil_msg *msg_new(void)
{
	return calloc(1, sizeof(struct vigil_msg));
}

/* Messages may hold an answer or an enrollment seed. */
static void msg_free(struct vigil_msg *m)
{
	wipe_free(m, sizeof(*m));
}

static int copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		return -E2BIG;
	memcpy(dst, src, n + 1);
	return 0;
}

/* Connects to path (checked as root's) and makes one call. */
static int call_once(const char *path, const struct vigil_msg *req, struct vigil_msg *ret_reply)
{
	int64_t deadline = clock_now_ms() + DEADLINE_MS;
	int fd = -1, r;

	if ((r = client_connect(path, 0, deadline, &fd)) < 0) {
		fprintf(stderr, "stress_client: connect %s: %s\n", path, strerror(-r));
		goto out;
	}
	if ((r = client_call(fd, 1, req, ret_reply, deadline)) < 0)
		fprintf(stderr, "stress_client: call on %s: %s\n", path, strerror(-r));
out:
	if (fd >= 0)
		close(fd);
	return r;
}

static const char *factor_name(uint8_t type)
{
	switch (type) {
	case VIGIL_FACTOR_TOTP:
		return "totp";
	case VIGIL_FACTOR_FIDO2:
		return "fido2";
	default:
		return "unknown";
	}
}

/* One line per fact, for grep: user, locked, factor, device, source, login. */
static void report_print(const struct vigil_status_report *s)
{
	unsigned i;

	printf("user %s\n", s->user);
	printf("locked %s\n", s->locked_until ? "yes" : "no");
	for (i = 0; i < s->n_factors && i < VIGIL_LIST_MAX; i++)
		printf("factor %s\n", factor_name(s->factors[i].type));
	for (i = 0; i < s->n_devices && i < VIGIL_LIST_MAX; i++)
		printf("device %s\n", s->devices[i].fingerprint);
	for (i = 0; i < s->n_sources && i < VIGIL_LIST_MAX; i++)
		printf("source %s\n", s->sources[i].addr);
	for (i = 0; i < s->n_logins && i < VIGIL_LIST_MAX; i++)
		printf("login %s %s %s\n", s->logins[i].outcome == VIGIL_OUTCOME_ALLOW ? "allow" : "deny",
		       s->logins[i].service, s->logins[i].rhost[0] ? s->logins[i].rhost : "-");
}

/* Prints any reply without its secrets.  Returns 0 for the expected type. */
static int reply_print(const struct vigil_msg *m, uint8_t expected)
{
	switch (m->type) {
	case VIGIL_MSG_DECISION:
		printf("decision %s reason=%s\n", m->u.decision.outcome == VIGIL_OUTCOME_ALLOW ? "allow" : "deny",
		       reason_name(m->u.decision.reason));
		break;
	case VIGIL_MSG_RESULT:
		printf("result %s\n", status_name(m->u.result.status));
		break;
	case VIGIL_MSG_STATUS_REPORT:
		report_print(&m->u.report);
		break;
	case VIGIL_MSG_PROMPT:
		printf("prompt %s\n", m->u.prompt.kind == VIGIL_PROMPT_TOTP ? "totp" : "enroll");
		break;
	default:
		printf("reply %s\n", msg_type_name(m->type));
		break;
	}
	return m->type == expected ? 0 : -EBADMSG;
}

static int cmd_status(const char *path, const char *user)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	int r = -ENOMEM;

	if (!req || !reply)
		goto out;
	req->type = VIGIL_MSG_STATUS_QUERY;
	if ((r = copy_str(req->u.user.user, sizeof(req->u.user.user), user ? user : "")) < 0)
		goto out;
	if ((r = call_once(path, req, reply)) < 0)
		goto out;
	r = reply_print(reply, VIGIL_MSG_STATUS_REPORT);
out:
	msg_free(req);
	msg_free(reply);
	return r;
}

/* Reads one line (the code) from stdin with read(2), so that no stdio buffer
 * keeps a copy.  Returns its length; 0 at end of input. */
static int code_read(char *out, size_t cap)
{
	size_t n = 0;
	char ch;

	for (;;) {
		ssize_t k = read(STDIN_FILENO, &ch, 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || ch == '\n')
			break;
		if (n + 1 >= cap)
			return -E2BIG;
		out[n++] = ch;
	}
	out[n] = '\0';
	return (int)n;
}

/* The public key every "auth" login presents (any well-formed key blob:
 * the daemon only fingerprints it). */
#define STRESS_KEY_BLOB "AAAAC3NzaC1lZDI1NTE5AAAAIHJGUR3+mniu8Fx1UOseYdwJ9TYLoC1JU3/EBnjNT+12"

/* The account phase sshd runs once its auth stack passed: ACCOUNT_CHECK
 * with the login id auth returned, which is where vigild writes what the
 * login teaches.  Prints "account allow|deny reason=...". */
static int account_after(const char *path, const struct vigil_login_request *login, const char *login_id)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	int r = -ENOMEM;

	if (!req || !reply)
		goto out;
	req->type = VIGIL_MSG_ACCOUNT_CHECK;
	req->u.login = *login;
	strcpy(req->u.login.login_id, login_id);
	if ((r = call_once(path, req, reply)) < 0)
		goto out;
	if (reply->type != VIGIL_MSG_DECISION) {
		r = reply_print(reply, VIGIL_MSG_DECISION);
		goto out;
	}
	printf("account %s reason=%s\n", reply->u.decision.outcome == VIGIL_OUTCOME_ALLOW ? "allow" : "deny",
	       reason_name(reply->u.decision.reason));
	r = 0;
out:
	msg_free(req);
	msg_free(reply);
	return r;
}

/* AUTH_BEGIN for user from rhost through sshd; a TOTP prompt is answered
 * with the code on stdin (none: the prompt is left unanswered).  An allowed
 * login goes on to its account phase, as sshd's does. */
static int cmd_auth(const char *path, const char *user, const char *rhost)
{
	struct vigil_login_request login;
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	int64_t deadline = clock_now_ms() + DEADLINE_MS;
	char code[VIGIL_ANSWER_MAX + 1];
	int fd = -1, r = -ENOMEM, n;

	if (!req || !reply)
		goto out;
	req->type = VIGIL_MSG_AUTH_BEGIN;
	if ((r = copy_str(req->u.login.user, sizeof(req->u.login.user), user)) < 0 ||
	    (r = copy_str(req->u.login.rhost, sizeof(req->u.login.rhost), rhost)) < 0)
		goto out;
	strcpy(req->u.login.service, "sshd");
	strcpy(req->u.login.tty, "ssh");
	/* As sshd sends it after the publickey method: one fixed test key. */
	strcpy(req->u.login.ssh_auth_info, "publickey ssh-ed25519 " STRESS_KEY_BLOB "\n");
	req->u.login.pid = (uint32_t)getpid();

	if ((r = client_connect(path, 0, deadline, &fd)) < 0 || (r = client_call(fd, 1, req, reply, deadline)) < 0) {
		fprintf(stderr, "stress_client: AUTH_BEGIN on %s: %s\n", path, strerror(-r));
		goto out;
	}
	login = req->u.login;
	if (reply->type != VIGIL_MSG_PROMPT) {
		r = reply_print(reply, VIGIL_MSG_DECISION);
		goto account;
	}
	if (reply->u.prompt.kind != VIGIL_PROMPT_TOTP) {
		/* An enrollment prompt carries a seed: its kind only. */
		r = reply_print(reply, VIGIL_MSG_PROMPT);
		goto out;
	}
	printf("prompt totp\n");
	printf("prompt digits %u\n", (unsigned)reply->u.prompt.digits);
	/* Seen at once by a test waiting for clients parked at the prompt. */
	fflush(stdout);
	n = code_read(code, sizeof(code));
	if (n <= 0) {
		r = n;
		goto out;
	}
	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_AUTH_STEP;
	memcpy(req->u.answer.answer, code, (size_t)n + 1);
	if ((r = client_call(fd, 2, req, reply, deadline)) < 0) {
		fprintf(stderr, "stress_client: AUTH_STEP on %s: %s\n", path, strerror(-r));
		goto out;
	}
	r = reply_print(reply, VIGIL_MSG_DECISION);
account:
	if (r == 0 && reply->type == VIGIL_MSG_DECISION && reply->u.decision.outcome == VIGIL_OUTCOME_ALLOW)
		r = account_after(path, &login, reply->u.decision.login_id);
out:
	WIPE_ARRAY(code);
	if (fd >= 0)
		close(fd);
	msg_free(req);
	msg_free(reply);
	return r;
}

static int cmd_session_open(const char *path, const char *user)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	int r = -ENOMEM;

	if (!req || !reply)
		goto out;
	req->type = VIGIL_MSG_SESSION_OPEN;
	if ((r = copy_str(req->u.session.user, sizeof(req->u.session.user), user)) < 0)
		goto out;
	strcpy(req->u.session.service, "sshd");
	strcpy(req->u.session.tty, "ssh");
	req->u.session.pid = (uint32_t)getpid();
	if ((r = call_once(path, req, reply)) < 0)
		goto out;
	r = reply_print(reply, VIGIL_MSG_RESULT);
out:
	msg_free(req);
	msg_free(reply);
	return r;
}

/* ---- Hostile peers ---- */

static int failures;

static void check(bool ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	if (!ok)
		failures++;
}

/* Blocking-style send on the non-blocking fd, within the deadline. */
static int send_bytes(int fd, const uint8_t *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			int64_t left = deadline - clock_now_ms();

			if (left <= 0 || poll(&pf, 1, (int)left) < 0)
				return -ETIMEDOUT;
			continue;
		}
		if (k < 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Waits for the daemon to end the connection: 0 for end of file, -ECONNRESET
 * for a reset, -ETIMEDOUT when it stays open, -EBADMSG if it sent data. */
static int wait_closed(int fd, int64_t deadline)
{
	uint8_t b;

	for (;;) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - clock_now_ms();
		ssize_t k;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pf, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		k = recv(fd, &b, 1, 0);
		if (k == 0)
			return 0;
		if (k > 0)
			return -EBADMSG;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

static int recv_bytes(int fd, uint8_t *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - clock_now_ms();
		ssize_t k;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pf, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		k = recv(fd, p, n, 0);
		if (k == 0)
			return -ECONNRESET;
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads one reply frame and decodes it into *ret. */
static int recv_reply(int fd, struct vigil_msg *ret, int64_t deadline)
{
	static uint8_t frame[VIGIL_FRAME_MAX];
	struct frame_header h;
	int r;

	if ((r = recv_bytes(fd, frame, VIGIL_FRAME_HEADER_SIZE, deadline)) < 0 ||
	    (r = frame_header_decode(frame, &h)) < 0 ||
	    (r = recv_bytes(fd, frame + VIGIL_FRAME_HEADER_SIZE, h.body_len, deadline)) < 0)
		return r;
	return msg_decode(h.type, frame + VIGIL_FRAME_HEADER_SIZE, h.body_len, ret);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* While one client holds a half-written frame and others send a bad magic,
 * an oversized body length and a reply type, a normal client is answered;
 * the bad ones are closed; the half-written one, completed, is answered. */
static int cmd_hostile(const char *path)
{
	static const uint8_t garbage[VIGIL_FRAME_HEADER_SIZE] = "NOT-A-VIGIL-HDR";
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	uint8_t status_frame[64], reply_frame[64];
	size_t status_len = 0, reply_len = 0;
	int64_t deadline = clock_now_ms() + DEADLINE_MS;
	int fds[] = {-1, -1, -1, -1, -1}, *half = &fds[0], *bad = &fds[1], *big = &fds[2], *wrong = &fds[3],
	    *normal = &fds[4];
	uint8_t oversized[VIGIL_FRAME_HEADER_SIZE];
	size_t i;
	int r;

	if (!req || !reply) {
		r = -ENOMEM;
		goto out;
	}
	/* A STATUS_QUERY about oneself, and a DECISION (a reply type). */
	req->type = VIGIL_MSG_STATUS_QUERY;
	if ((r = msg_encode(req, 7, status_frame, sizeof(status_frame), &status_len)) < 0)
		goto out;
	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_DECISION;
	req->u.decision.outcome = VIGIL_OUTCOME_ALLOW;
	if ((r = msg_encode(req, 8, reply_frame, sizeof(reply_frame), &reply_len)) < 0)
		goto out;
	memcpy(oversized, status_frame, sizeof(oversized));
	put_be32(oversized + 12, VIGIL_FRAME_BODY_MAX + 1);

	if ((r = client_connect(path, 0, deadline, half)) < 0 || (r = client_connect(path, 0, deadline, bad)) < 0 ||
	    (r = client_connect(path, 0, deadline, big)) < 0 || (r = client_connect(path, 0, deadline, wrong)) < 0) {
		fprintf(stderr, "stress_client: connect %s: %s\n", path, strerror(-r));
		goto out;
	}
	/* Exactly a header each: the daemon reads all of it, so its close
	 * shows here as end of file, not as a reset for unread data. */
	if ((r = send_bytes(*half, status_frame, VIGIL_FRAME_HEADER_SIZE, deadline)) < 0 ||
	    (r = send_bytes(*bad, garbage, sizeof(garbage), deadline)) < 0 ||
	    (r = send_bytes(*big, oversized, sizeof(oversized), deadline)) < 0 ||
	    (r = send_bytes(*wrong, reply_frame, reply_len, deadline)) < 0) {
		fprintf(stderr, "stress_client: send: %s\n", strerror(-r));
		goto out;
	}

	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_STATUS_QUERY;
	r = client_connect(path, 0, deadline, normal);
	if (r == 0)
		r = client_call(*normal, 1, req, reply, deadline);
	check(r == 0 && reply->type == VIGIL_MSG_STATUS_REPORT,
	      "a normal client is answered while others hold a half-written frame and send bad frames");

	check(wait_closed(*bad, deadline) == 0, "a frame with a bad magic: the daemon closed that connection (EOF)");
	check(wait_closed(*big, deadline) == 0,
	      "a body_len over VIGIL_FRAME_BODY_MAX: the daemon closed that connection (EOF)");
	/* The body follows the header there: a reset for unread data is a
	 * close too. */
	r = wait_closed(*wrong, deadline);
	check(r == 0 || r == -ECONNRESET, "a reply type sent as a request: the daemon closed that connection");

	memset(reply, 0, sizeof(*reply));
	r = send_bytes(*half, status_frame + VIGIL_FRAME_HEADER_SIZE, status_len - VIGIL_FRAME_HEADER_SIZE, deadline);
	if (r == 0)
		r = recv_reply(*half, reply, deadline);
	check(r == 0 && reply->type == VIGIL_MSG_STATUS_REPORT, "the half-written frame, once completed, is answered");
	r = 0;
out:
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	msg_free(req);
	msg_free(reply);
	return r < 0 ? r : failures > 0 ? -EIO : 0;
}

/* ---- Many clients at once ---- */

struct flood_client {
	const char *path;
	pthread_barrier_t *barrier;
	int result;
};

static void *flood_run(void *arg)
{
	struct flood_client *fc = arg;
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	int64_t deadline = clock_now_ms() + 4 * DEADLINE_MS;
	int fd = -1, r = -ENOMEM;

	if (req && reply)
		r = client_connect(fc->path, 0, deadline, &fd);
	/* Every connection is open before any request is sent. */
	pthread_barrier_wait(fc->barrier);
	if (r < 0)
		goto out;
	req->type = VIGIL_MSG_STATUS_QUERY;
	if ((r = client_call(fd, 1, req, reply, deadline)) < 0)
		goto out;
	r = reply->type == VIGIL_MSG_STATUS_REPORT ? 0 : -EBADMSG;
out:
	if (fd >= 0)
		close(fd);
	msg_free(req);
	msg_free(reply);
	fc->result = r;
	return NULL;
}

static int cmd_flood(const char *path, const char *count)
{
	struct flood_client *fc = NULL;
	pthread_t *tid = NULL;
	pthread_barrier_t barrier;
	uint64_t n = 0, i, started = 0, ok = 0;
	int r;

	if ((r = parse_u64(count, FLOOD_MAX, &n)) < 0 || n == 0)
		return -EINVAL;
	fc = calloc(n, sizeof(*fc));
	tid = calloc(n, sizeof(*tid));
	if (!fc || !tid) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = -pthread_barrier_init(&barrier, NULL, (unsigned)n)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		fc[i] = (struct flood_client){.path = path, .barrier = &barrier, .result = -EINTR};
		if ((r = -pthread_create(&tid[i], NULL, flood_run, &fc[i])) < 0)
			break;
		started++;
	}
	if (started < n) {
		/* The barrier would never open: not a test result. */
		fprintf(stderr, "stress_client: only %llu threads: %s\n", (unsigned long long)started, strerror(-r));
		_exit(2);
	}
	for (i = 0; i < n; i++) {
		pthread_join(tid[i], NULL);
		if (fc[i].result == 0)
			ok++;
		else
			fprintf(stderr, "stress_client: client %llu: %s\n", (unsigned long long)i,
			        strerror(-fc[i].result));
	}
	pthread_barrier_destroy(&barrier);
	printf("flood %llu of %llu answered\n", (unsigned long long)ok, (unsigned long long)n);
	r = ok == n ? 0 : -EIO;
out:
	free(fc);
	free(tid);
	return r;
}

/* ---- A flood and root's decisions beside it ---- */

#define DECIDE_MAX 100000
#define HOLD_MAX   4096

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Runs until SIGTERM or SIGINT, which only interrupt (no SA_RESTART).
 * Says "MODE running" once they are caught: a test waits for that line
 * before it counts on the flood, and may stop it from then on. */
static void stop_on_signals(const char *mode)
{
	struct sigaction sa = {.sa_handler = on_stop};

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("%s running\n", mode);
	fflush(stdout);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* n sequential AUTH_BEGIN for user from rhost, each on a new connection as
 * the module makes them; any DECISION or PROMPT is an answer (a prompt is
 * left unanswered).  Prints the count answered, p50, p99 and max in ms. */
static int cmd_decide(const char *path, const char *user, const char *rhost, const char *count)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	uint64_t n = 0, i, ok = 0, allowed = 0, *lat = NULL;
	int r;

	if ((r = parse_u64(count, DECIDE_MAX, &n)) < 0 || n == 0)
		return -EINVAL;
	lat = calloc(n, sizeof(*lat));
	if (!req || !reply || !lat) {
		r = -ENOMEM;
		goto out;
	}
	req->type = VIGIL_MSG_AUTH_BEGIN;
	if ((r = copy_str(req->u.login.user, sizeof(req->u.login.user), user)) < 0 ||
	    (r = copy_str(req->u.login.rhost, sizeof(req->u.login.rhost), rhost)) < 0)
		goto out;
	strcpy(req->u.login.service, "sshd");
	strcpy(req->u.login.tty, "ssh");
	strcpy(req->u.login.ssh_auth_info, "publickey ssh-ed25519 " STRESS_KEY_BLOB "\n");
	req->u.login.pid = (uint32_t)getpid();
	for (i = 0; i < n; i++) {
		int64_t deadline = clock_now_ms() + DEADLINE_MS;
		uint64_t t0 = now_usec();
		int fd = -1;

		r = client_connect(path, 0, deadline, &fd);
		if (r == 0)
			r = client_call(fd, (uint32_t)i + 1, req, reply, deadline);
		if (fd >= 0)
			close(fd);
		lat[i] = now_usec() - t0;
		if (r == 0 && reply->type != VIGIL_MSG_DECISION && reply->type != VIGIL_MSG_PROMPT)
			r = -EBADMSG;
		if (r < 0) {
			fprintf(stderr, "stress_client: decision %llu: %s\n", (unsigned long long)i + 1, strerror(-r));
			continue;
		}
		ok++;
		allowed += reply->type == VIGIL_MSG_DECISION && reply->u.decision.outcome == VIGIL_OUTCOME_ALLOW;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	/* Nearest rank: the smallest value with at least p% at or below it. */
	printf("decide %llu of %llu answered (%llu allowed) p50_us %llu p99_us %llu max_us %llu\n",
	       (unsigned long long)ok, (unsigned long long)n, (unsigned long long)allowed,
	       (unsigned long long)lat[(n * 50 + 99) / 100 - 1], (unsigned long long)lat[(n * 99 + 99) / 100 - 1],
	       (unsigned long long)lat[n - 1]);
	r = ok == n ? 0 : -EIO;
out:
	free(lat);
	msg_free(req);
	msg_free(reply);
	return r;
}

/* A raw non-blocking connect: the fd, or -1 (backlog full or any error). */
static int connect_raw(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Keeps up to n connections open that never send a byte, until SIGTERM:
 * whatever the daemon closes is opened again at once, so the listen
 * backlog stays as full as the daemon lets it be. */
static int cmd_hold(const char *path, const char *count)
{
	struct pollfd *pf = NULL;
	uint64_t n = 0, i, connects = 0, closed = 0;
	int r;

	if ((r = parse_u64(count, HOLD_MAX, &n)) < 0 || n == 0)
		return -EINVAL;
	pf = calloc(n, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		pf[i].fd = -1;
	stop_on_signals("hold");
	while (!stopping) {
		for (i = 0; i < n && !stopping; i++) {
			if (pf[i].fd >= 0)
				continue;
			pf[i].fd = connect_raw(path);
			pf[i].events = POLLIN;
			connects += pf[i].fd >= 0;
		}
		/* A closed slot shows as readable (end of file or a reset). */
		if (poll(pf, n, 5) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pf[i].fd >= 0 && pf[i].revents) {
				close(pf[i].fd);
				pf[i].fd = -1;
				closed++;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	free(pf);
	printf("hold %llu connects %llu closed by the daemon\n", (unsigned long long)connects,
	       (unsigned long long)closed);
	return 0;
}

/* Until SIGTERM: requests at full rate, alternately STATUS_QUERY about
 * oneself and AUTH_BEGIN for oneself, on a connection used until the
 * daemon closes it, then on a new one.  Prints how many were sent and
 * answered. */
static int cmd_hammer(const char *path)
{
	struct vigil_msg *status = msg_new(), *login = msg_new(), *reply = msg_new();
	uint64_t sent = 0, answered = 0, conns = 0;
	int fd = -1, r = -ENOMEM;

	if (!status || !login || !reply)
		goto out;
	status->type = VIGIL_MSG_STATUS_QUERY;
	login->type = VIGIL_MSG_AUTH_BEGIN;
	if (getpwuid(getuid()))
		snprintf(login->u.login.user, sizeof(login->u.login.user), "%s", getpwuid(getuid())->pw_name);
	strcpy(login->u.login.service, "sshd");
	strcpy(login->u.login.rhost, "192.0.2.66");
	stop_on_signals("hammer");
	while (!stopping) {
		int64_t deadline = clock_now_ms() + 1000;

		if (fd < 0) {
			if (client_connect(path, 0, deadline, &fd) < 0) {
				/* No daemon (yet, or any more): no busy loop. */
				fd = -1;
				(void)poll(NULL, 0, 1);
				continue;
			}
			conns++;
		}
		r = client_call(fd, (uint32_t)sent + 1, sent % 2 ? login : status, reply, deadline);
		sent++;
		if (r < 0) {
			close(fd);
			fd = -1;
			continue;
		}
		answered++;
	}
	printf("hammer %llu requests %llu answered %llu connections\n", (unsigned long long)sent,
	       (unsigned long long)answered, (unsigned long long)conns);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	msg_free(status);
	msg_free(login);
	msg_free(reply);
	return r;
}

/* n STATUS_QUERY about oneself on one connection, as fast as answered;
 * prints how many were answered before the daemon closed it. */
static int cmd_rate(const char *path, const char *count)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	int64_t deadline = clock_now_ms() + DEADLINE_MS;
	uint64_t n = 0, i;
	int fd = -1, r;

	if ((r = parse_u64(count, FLOOD_MAX, &n)) < 0 || n == 0)
		return -EINVAL;
	if (!req || !reply) {
		r = -ENOMEM;
		goto out;
	}
	req->type = VIGIL_MSG_STATUS_QUERY;
	if ((r = client_connect(path, 0, deadline, &fd)) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (client_call(fd, (uint32_t)i + 1, req, reply, deadline) < 0 ||
		    reply->type != VIGIL_MSG_STATUS_REPORT)
			break;
	printf("rate %llu of %llu answered\n", (unsigned long long)i, (unsigned long long)n);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	msg_free(req);
	msg_free(reply);
	return r;
}

/* Sends one AUTH_BEGIN for user and closes at once, without waiting for an
 * answer: as the module does when its timeout passes. */
static int cmd_hangup(const char *path, const char *user)
{
	struct vigil_msg *req = msg_new();
	int64_t deadline = clock_now_ms() + DEADLINE_MS;
	uint8_t frame[VIGIL_FRAME_MAX];
	size_t len = 0;
	int fd = -1, r = -ENOMEM;

	if (!req)
		goto out;
	req->type = VIGIL_MSG_AUTH_BEGIN;
	if ((r = copy_str(req->u.login.user, sizeof(req->u.login.user), user)) < 0)
		goto out;
	strcpy(req->u.login.service, "sshd");
	strcpy(req->u.login.rhost, "192.0.2.77");
	if ((r = msg_encode(req, 1, frame, sizeof(frame), &len)) < 0 ||
	    (r = client_connect(path, 0, deadline, &fd)) < 0 || (r = send_bytes(fd, frame, len, deadline)) < 0)
		goto out;
	printf("hangup sent %zu bytes\n", len);
out:
	if (fd >= 0)
		close(fd);
	msg_free(req);
	return r;
}

static int usage(void)
{
	fprintf(stderr, "Usage: stress_client status SOCKET [USER]\n"
	                "       stress_client auth SOCKET USER RHOST   (TOTP code, if asked, on stdin)\n"
	                "       stress_client session-open SOCKET USER\n"
	                "       stress_client hostile SOCKET\n"
	                "       stress_client flood SOCKET N\n"
	                "       stress_client decide SOCKET USER RHOST N   (N timed AUTH_BEGIN)\n"
	                "       stress_client hold SOCKET N                (until SIGTERM)\n"
	                "       stress_client hammer SOCKET                (until SIGTERM)\n"
	                "       stress_client rate SOCKET N\n"
	                "       stress_client hangup SOCKET USER\n");
	return 2;
}

int main(int argc, char **argv)
{
	int r;

	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "status") == 0 && argc <= 4)
		r = cmd_status(argv[2], argc == 4 ? argv[3] : NULL);
	else if (strcmp(argv[1], "auth") == 0 && argc == 5)
		r = cmd_auth(argv[2], argv[3], argv[4]);
	else if (strcmp(argv[1], "session-open") == 0 && argc == 4)
		r = cmd_session_open(argv[2], argv[3]);
	else if (strcmp(argv[1], "hostile") == 0 && argc == 3)
		r = cmd_hostile(argv[2]);
	else if (strcmp(argv[1], "flood") == 0 && argc == 4)
		r = cmd_flood(argv[2], argv[3]);
	else if (strcmp(argv[1], "decide") == 0 && argc == 6)
		r = cmd_decide(argv[2], argv[3], argv[4], argv[5]);
	else if (strcmp(argv[1], "hold") == 0 && argc == 4)
		r = cmd_hold(argv[2], argv[3]);
	else if (strcmp(argv[1], "hammer") == 0 && argc == 3)
		r = cmd_hammer(argv[2]);
	else if (strcmp(argv[1], "rate") == 0 && argc == 4)
		r = cmd_rate(argv[2], argv[3]);
	else if (strcmp(argv[1], "hangup") == 0 && argc == 4)
		r = cmd_hangup(argv[2], argv[3]);
	else
		return usage();
	fflush(stdout);
	return r < 0 ? 1 : 0;
}

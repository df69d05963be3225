/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs the vigil-fido2 helper for one touch (see fido2.h for how and as
 * whom).  What the helper writes is untrusted: lines are bounded, each must
 * be one of the protocol's, and the final answer is checked character by
 * character before it is handed on; a helper that misbehaves or stalls is
 * killed and reaped.  The PIN goes from the conversation to the helper and
 * every buffer that held it is wiped.  This file never logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <security/pam_appl.h>

#include "conv.h"
#include "fido2.h"
#include "parse.h"
#include "wipe.h"

#define HELPER_PATH_ENV "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define GROUPS_MAX      65536

/* Whom the helper runs as; drop is false when the caller is root. */
struct creds {
	bool drop;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int n_groups;
};

/* One running helper. */
struct helper {
	pid_t pid;
	int fd;
	char buf[FIDO2_LINE_MAX + 1]; /* bytes read and not yet a line */
	size_t len;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Standard base64 characters only, 1..max of them. */
static bool b64_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || n % 4 != 0)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == n;
}

static bool rp_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > FIDO2_RP_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

static int request_check(const struct pam_fido2_request *req)
{
	if (!rp_ok(req->rp_id) || !b64_ok(req->challenge, FIDO2_B64_LEN(FIDO2_CHALLENGE_LEN)) || req->n_allow < 1 ||
	    req->n_allow > FIDO2_ALLOW_MAX || req->timeout_ms < 1 || req->timeout_ms > FIDO2_TIMEOUT_MAX_MS)
		return -EINVAL;
	for (size_t i = 0; i < req->n_allow; i++)
		if (!b64_ok(req->allow[i], FIDO2_B64_LEN(FIDO2_CRED_ID_MAX)))
			return -EINVAL;
	return 0;
}

/* The invoking user's ids and groups, looked up before fork (NSS is not
 * for a forked child). */
static int creds_get(struct creds *ret)
{
	struct passwd pw, *pwp = NULL;
	char buf[4096];
	gid_t *groups = NULL;
	int n = 64, r;

	*ret = (struct creds){.drop = false};
	if (getuid() == 0)
		return 0;
	if (geteuid() != 0) {
		/* Already unprivileged (a screen locker): drop what we can. */
		*ret = (struct creds){.drop = true, .uid = getuid(), .gid = getgid(), .n_groups = -1};
		return 0;
	}
	if ((r = getpwuid_r(getuid(), &pw, buf, sizeof(buf), &pwp)) != 0 || !pwp) {
		r = r ? -r : -ENOENT;
		goto out;
	}
	for (;;) {
		int want = n;
		gid_t *g = realloc(groups, (size_t)n * sizeof(*groups));

		if (!g) {
			r = -ENOMEM;
			goto out;
		}
		groups = g;
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &want) >= 0) {
			n = want;
			break;
		}
		if (want <= n || want > GROUPS_MAX) {
			r = -E2BIG;
			goto out;
		}
		n = want;
	}
	*ret = (struct creds){.drop = true, .uid = pw.pw_uid, .gid = pw.pw_gid, .groups = groups, .n_groups = n};
	groups = NULL;
	r = 0;
out:
	free(groups);
	return r;
}

static void close_from(int lowfd)
{
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0U) == 0)
		return;
	for (long fd = lowfd, max = sysconf(_SC_OPEN_MAX); fd < (max > 0 ? max : 65536); fd++)
		(void)close((int)fd);
}

/* In the child: set up descriptors, signals and ids, then exec.  Only
 * async-signal-safe calls: the application may have threads. */
static void child_exec(const char *path, int sock, const struct creds *c)
{
	/* execve() wants mutable strings: copies (memcpy is async-signal-safe). */
	char path_copy[PATH_MAX], env_path[] = HELPER_PATH_ENV;
	char *const argv[] = {path_copy, NULL};
	char *const envp[] = {env_path, NULL};
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int s, null;

	if (strlen(path) >= sizeof(path_copy))
		_exit(127);
	memcpy(path_copy, path, strlen(path) + 1);
	/* Handlers vanish at exec, ignored signals and the mask would not. */
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	/* Above 2 first, so that dup2() never meets an fd already in place. */
	if ((s = fcntl(sock, F_DUPFD_CLOEXEC, 3)) < 0 || (null = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0 ||
	    (null = fcntl(null, F_DUPFD_CLOEXEC, 3)) < 0)
		_exit(127);
	if (dup2(s, STDIN_FILENO) < 0 || dup2(s, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
		_exit(127);
	close_from(3);
	if (c->drop) {
		if (c->n_groups >= 0 && setgroups((size_t)c->n_groups, c->groups) < 0)
			_exit(127);
		if (setresgid(c->gid, c->gid, c->gid) < 0 || setresuid(c->uid, c->uid, c->uid) < 0)
			_exit(127);
		/* Make sure there is no way back. */
		if (c->uid != 0 && (setuid(0) == 0 || geteuid() == 0))
			_exit(127);
	}
	execve(path_copy, argv, envp);
	_exit(127);
}

/* Waits for the helper to exit, for at most ms.  Returns 1 with *ret_status,
 * 0 if it is still running; -ECHILD if someone else reaped it. */
static int helper_wait(pid_t pid, int64_t ms, int *ret_status)
{
	int64_t end = now_ms() + ms;
	struct timespec tick = {0, 5 * 1000 * 1000};
	int st;

	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid) {
			*ret_status = st;
			return 1;
		}
		if (w < 0 && errno != EINTR)
			return -ECHILD;
		if (now_ms() >= end)
			return 0;
		nanosleep(&tick, NULL);
	}
}

/* Stops the helper: SIGTERM first if gentle (it cancels the touch), then
 * SIGKILL, and reaps it. */
static void helper_stop(struct helper *h, bool gentle)
{
	int st;

	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
	if (h->pid <= 0)
		return;
	if (gentle && kill(h->pid, SIGTERM) == 0 && helper_wait(h->pid, PAM_FIDO2_TERM_GRACE_MS, &st) != 0) {
		h->pid = -1;
		return;
	}
	(void)kill(h->pid, SIGKILL);
	while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
		;
	h->pid = -1;
}

static int helper_start(const char *path, const struct creds *c, struct helper *h)
{
	int sv[2], r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		close(sv[0]);
		child_exec(path, sv[1], c);
	}
	close(sv[1]);
	h->pid = pid;
	h->fd = sv[0];
	h->len = 0;
	return 0;
}

/* Waits for fd to be ready for events until deadline. */
static int fd_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		int64_t left = deadline - now_ms();
		int k;

		if (left <= 0)
			return -ETIMEDOUT;
		k = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k > 0)
			return 0;
	}
}

static int helper_send(struct helper *h, const char *s, size_t n, int64_t deadline)
{
	int r;

	while (n > 0) {
		ssize_t k;

		if ((r = fd_wait(h->fd, POLLOUT, deadline)) < 0)
			return r;
		k = send(h->fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return -EBADMSG; /* the helper is gone without answering */
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads the next line into line (cap bytes) without its newline. */
static int helper_line(struct helper *h, char *line, size_t cap, int64_t deadline)
{
	char *nl;
	size_t n;
	int r;

	while (!(nl = memchr(h->buf, '\n', h->len))) {
		ssize_t k;

		if (h->len >= FIDO2_LINE_MAX)
			return -E2BIG;
		if ((r = fd_wait(h->fd, POLLIN, deadline)) < 0)
			return r;
		k = recv(h->fd, h->buf + h->len, FIDO2_LINE_MAX - h->len, MSG_DONTWAIT);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k <= 0)
			return -EBADMSG; /* closed (or failed) before a whole line */
		h->len += (size_t)k;
	}
	n = (size_t)(nl - h->buf);
	if (n + 1 > cap || memchr(h->buf, '\0', n))
		return -EBADMSG;
	memcpy(line, h->buf, n);
	line[n] = '\0';
	memmove(h->buf, nl + 1, h->len - n - 1);
	h->len -= n + 1;
	return 0;
}

static int request_send(struct helper *h, const struct pam_fido2_request *req, int64_t deadline)
{
	static const size_t cap = 64 + FIDO2_RP_ID_MAX + FIDO2_B64_LEN(FIDO2_CHALLENGE_LEN) +
	                          FIDO2_ALLOW_MAX * (8 + FIDO2_B64_LEN(FIDO2_CRED_ID_MAX));
	char *msg = malloc(cap);
	size_t n;
	int r;

	if (!msg)
		return -ENOMEM;
	n = (size_t)snprintf(msg, cap, "rp %s\nchallenge %s\n", req->rp_id, req->challenge);
	for (size_t i = 0; i < req->n_allow; i++)
		n += (size_t)snprintf(msg + n, cap - n, "allow %s\n", req->allow[i]);
	n += (size_t)snprintf(msg + n, cap - n, "uv %d\ntimeout %u\nend\n", req->uv ? 1 : 0, (unsigned)req->timeout_ms);
	r = helper_send(h, msg, n, deadline);
	free(msg);
	return r;
}

/* "pin": asks the user and answers the helper.  A PIN the key could not
 * take (empty, over FIDO2_PIN_MAX bytes, a line break) is answered
 * "cancel", and the helper ends with "error cancelled".  The deadline
 * (*deadline, budget ms) starts again once the person has answered. */
static int pin_relay(pam_handle_t *pamh, struct helper *h, int64_t budget, int64_t *deadline)
{
	struct vigil_answer ans = {.answer = ""};
	char line[FIDO2_PIN_MAX + 8];
	size_t n;
	int r;

	/* An answer over VIGIL_ANSWER_MAX is no PIN either: cancel. */
	if ((r = conv_ask_secret(pamh, PAM_FIDO2_PIN_PROMPT, &ans)) < 0 && r != -E2BIG)
		goto out;
	n = strlen(ans.answer);
	if (n < 1 || n > FIDO2_PIN_MAX || strpbrk(ans.answer, "\r\n"))
		n = (size_t)snprintf(line, sizeof(line), "cancel\n");
	else
		n = (size_t)snprintf(line, sizeof(line), "pin %s\n", ans.answer);
	*deadline = now_ms() + budget;
	r = helper_send(h, line, n, *deadline);
out:
	WIPE_ARRAY(line);
	wipe(&ans, sizeof(ans));
	return r;
}

/* Parses "ok CRED AUTHDATA SIG" (after "ok ") into res: exactly three
 * base64 fields, one space apart. */
static int ok_parse(char *rest, struct pam_fido2_response *res)
{
	char *dst[3] = {res->cred_id, res->authdata, res->sig};
	const size_t caps[3] = {sizeof(res->cred_id), sizeof(res->authdata), sizeof(res->sig)};
	char *f = rest, *sp;

	for (int i = 0; i < 3; i++) {
		sp = strchr(f, ' ');
		if ((i < 2) != (sp != NULL))
			return -EBADMSG;
		if (sp)
			*sp = '\0';
		if (!b64_ok(f, caps[i] - 1))
			return -EBADMSG;
		memcpy(dst[i], f, strlen(f) + 1);
		f = sp ? sp + 1 : NULL;
	}
	return 0;
}

/* Talks to a running helper until its last line.  Returns 0 with *res. */
static int helper_talk(pam_handle_t *pamh, struct helper *h, const struct pam_fido2_request *req,
                       struct pam_fido2_response *res)
{
	int64_t budget = (int64_t)req->timeout_ms + PAM_FIDO2_MARGIN_MS, deadline = now_ms() + budget;
	char line[FIDO2_LINE_MAX + 1];
	int r;

	if ((r = request_send(h, req, deadline)) < 0)
		goto out;
	for (int lines = 0;; lines++) {
		if (lines >= PAM_FIDO2_LINES_MAX) {
			r = -E2BIG;
			goto out;
		}
		if ((r = helper_line(h, line, sizeof(line), deadline)) < 0)
			goto out;
		if (strcmp(line, "pin") == 0) {
			if ((r = pin_relay(pamh, h, budget, &deadline)) < 0)
				goto out;
		} else if (strcmp(line, "touch") == 0) {
			if ((r = conv_show(pamh, PAM_TEXT_INFO, PAM_FIDO2_TOUCH_TEXT)) < 0)
				goto out;
		} else if (strncmp(line, "ok ", 3) == 0) {
			if ((r = ok_parse(line + 3, res)) < 0)
				goto out;
			res->status = FIDO2_OK;
			break;
		} else if (strncmp(line, "error ", 6) == 0) {
			if (fido2_status_parse(line + 6, &res->status) < 0 || res->status == FIDO2_OK) {
				r = -EBADMSG;
				goto out;
			}
			break;
		} else {
			r = -EBADMSG;
			goto out;
		}
	}
	/* Nothing may follow the last line. */
	r = h->len == 0 ? 0 : -EBADMSG;
out:
	return r;
}

int pam_fido2_assert(pam_handle_t *pamh, const char *helper_path, const struct pam_fido2_request *req,
                     struct pam_fido2_response *ret)
{
	struct helper h = {.pid = -1, .fd = -1};
	struct pam_fido2_response *res = NULL;
	struct creds c = {.drop = false};
	int r, st = 0, w;

	if (!helper_path)
		helper_path = VIGIL_FIDO2_HELPER;
	/* args.c checked a pam.d path fully; this is the last guard. */
	if (helper_path[0] != '/' || request_check(req) < 0) {
		r = -EINVAL;
		goto out;
	}
	if (!(res = calloc(1, sizeof(*res)))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = creds_get(&c)) < 0)
		goto out;
	if ((r = helper_start(helper_path, &c, &h)) < 0)
		goto out;
	if ((r = helper_talk(pamh, &h, req, res)) < 0)
		goto out;
	/* The helper's exit must agree with its last line. */
	close(h.fd);
	h.fd = -1;
	w = helper_wait(h.pid, PAM_FIDO2_EXIT_GRACE_MS, &st);
	if (w == 0) {
		r = -ETIMEDOUT;
		goto out;
	}
	h.pid = -1;
	if (w > 0 && (!WIFEXITED(st) || (WEXITSTATUS(st) == 0) != (res->status == FIDO2_OK))) {
		r = -EBADMSG;
		goto out;
	}
	*ret = *res;
	r = 0;
out:
	helper_stop(&h, r == -ETIMEDOUT);
	free(c.groups);
	free(res);
	return r;
}

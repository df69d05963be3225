/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_vigil.so on real PAM stacks (pam_wrapper) against a fake vigild: every
 * module path and, above all, every error path, with exact return codes.
 *
 * Run without arguments, the program is its own launcher: it makes a
 * root-owned temporary tree (a 0755 socket directory, a world-writable one,
 * an empty one, and pam.d service files naming the built module by absolute
 * path), then runs itself again under LD_PRELOAD=libpam_wrapper.so, because
 * pam_wrapper copies the service directory when it is loaded.  The re-run
 * child runs the cmocka tests; the fake daemon is a thread in it listening on
 * the temporary socket and speaking the protocol through lib/proto.h.
 *
 * Every stack line for the module is followed by a pam_debug.so line that
 * returns PAM_MAXTRIES: if the module ever returned PAM_IGNORE the stack
 * would fall through to it, so "never PAM_IGNORE" is checked on every call.
 *
 * Allocation failures are injected by this program's own malloc/calloc/
 * realloc (symbol interposition reaches the dlopened module and libc), armed
 * only in the main thread around pam_authenticate(); not in sanitizer builds.
 *
 * Needs root (the daemon socket must belong to uid 0); exits 77 otherwise.
 * Codes and the enrollment secret used here are fake and never printed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <security/pam_appl.h>
#include <cmocka.h>

#include "proto.h"
#include "vigil/proto.h"

#define USER        "alice"
#define RHOST       "192.0.2.7"
#define AUTH_INFO   "publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFake\n"
#define LOGIN_ID    "vigil-test-login-0001"
#define SESSION_ID  "vigil-test-session-0001"
#define GOOD_CODE   "271828"
#define BAD_CODE    "000000"
#define FAKE_SECRET "JBSWY3DPEHPK3PXPQAFAKEFAKE"
#define NOBODY_UID  65534

/* The tree the launcher made (child side). */
static const char *test_dir;

/* ------------------------------------------------ allocation failures ---- */

#if defined(__SANITIZE_ADDRESS__)
#define INJECT 0
#else
#define INJECT 1
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);

/* Per thread: only the thread that arms it sees failures. */
static __thread long inject_countdown; /* 0: off; N: the Nth allocation fails */
static __thread bool inject_fired;

static bool inject_now(void)
{
	if (inject_countdown <= 0)
		return false;
	if (--inject_countdown > 0)
		return false;
	inject_fired = true;
	return true;
}

void *malloc(size_t n)
{
	if (inject_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	if (inject_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	if (inject_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}
#endif

/* ------------------------------------------------------- conversation ---- */

#define REC_MAX 256

/* What the application saw; the texts are kept in fixed storage so the
 * conversation allocates only the reply. */
static struct {
	int n;
	int style[REC_MAX];
	char text[REC_MAX][PAM_MAX_MSG_SIZE + 1];
	bool fail_prompts;  /* PAM_CONV_ERR on a prompt */
	const char *answer; /* for PAM_PROMPT_ECHO_OFF */
	int prompts;
} rec;

static int rec_conv(int n, const struct pam_message **msg, struct pam_response **ret_resp, void *data)
{
	struct pam_response *resp;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++)
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF && rec.fail_prompts)
			return PAM_CONV_ERR;
	resp = calloc((size_t)n, sizeof(*resp));
	if (!resp)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (rec.n < REC_MAX) {
			rec.style[rec.n] = msg[i]->msg_style;
			snprintf(rec.text[rec.n], sizeof(rec.text[0]), "%s", msg[i]->msg);
			rec.n++;
		}
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF) {
			rec.prompts++;
			resp[i].resp = strdup(rec.answer ? rec.answer : "");
			if (!resp[i].resp) {
				free(resp);
				return PAM_BUF_ERR;
			}
		}
	}
	*ret_resp = resp;
	return PAM_SUCCESS;
}

static const struct pam_conv test_conv = {rec_conv, NULL};

/* The index of the first recorded message of this style containing text,
 * or -1. */
static int rec_find(int style, const char *text)
{
	int i;

	for (i = 0; i < rec.n; i++)
		if (rec.style[i] == style && strstr(rec.text[i], text))
			return i;
	return -1;
}

/* ------------------------------------------------------- fake daemon ---- */

enum fake_mode {
	FAKE_ALLOW,          /* DECISION ALLOW / RESULT status */
	FAKE_DENY,           /* DECISION DENY(reason) */
	FAKE_SILENT,         /* reads the request, never answers */
	FAKE_HANGUP,         /* reads the request, closes */
	FAKE_GARBAGE,        /* answers bytes that are no frame */
	FAKE_WRONG_TYPE,     /* answers RESULT to everything */
	FAKE_PROMPT,         /* PROMPT TOTP, then ALLOW for the right code */
	FAKE_PROMPT_FOREVER, /* PROMPT again after every answer */
	FAKE_PROMPT_HANGUP,  /* PROMPT, then closes on the answer */
	FAKE_ENROLL,         /* PROMPT ENROLL_TOTP, then ALLOW for the right code */
};

struct fake {
	enum fake_mode mode;
	uint16_t reason;      /* FAKE_DENY */
	uint16_t status;      /* RESULT status for SESSION_* */
	const char *allow_id; /* login id in ALLOW decisions */
	int close_after;      /* close a connection after this many replies on it (0: never) */
	bool drop_account;    /* close on ACCOUNT_CHECK without a reply */
	bool twice;           /* send the first reply of a connection twice (a stale frame) */
	char path[PATH_MAX];
	int lfd;
	int stop[2];
	pthread_t thread;
	bool running;
	/* What the daemon saw; read after fake_stop(). */
	int conns, msgs, steps_good, steps_bad;
	uint8_t types[64];
	/* Per request, in order: the connection (1 = first), request id, pid. */
	int conn_of[64];
	uint32_t id_of[64], pid_of[64];
	struct vigil_msg first;                 /* the first request of the first connection */
	char closed_id[VIGIL_LOGIN_ID_MAX + 1]; /* of the last SESSION_CLOSE */
};

static int fd_read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int fd_write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int frame_read(int fd, struct vigil_msg *m, uint32_t *ret_id)
{
	uint8_t *frame = malloc(VIGIL_FRAME_MAX);
	struct frame_header h;
	int r = -1;

	if (!frame)
		return -1;
	if (fd_read_all(fd, frame, VIGIL_FRAME_HEADER_SIZE) < 0 || frame_header_decode(frame, &h) < 0 ||
	    fd_read_all(fd, frame + VIGIL_FRAME_HEADER_SIZE, h.body_len) < 0 ||
	    msg_decode(h.type, frame + VIGIL_FRAME_HEADER_SIZE, h.body_len, m) < 0)
		goto out;
	*ret_id = h.request_id;
	r = 0;
out:
	free(frame);
	return r;
}

static int frame_write(int fd, const struct vigil_msg *m, uint32_t id)
{
	uint8_t *frame = malloc(VIGIL_FRAME_MAX);
	size_t len;
	int r = -1;

	if (!frame)
		return -1;
	if (msg_encode(m, id, frame, VIGIL_FRAME_MAX, &len) < 0)
		goto out;
	r = fd_write_all(fd, frame, len);
out:
	free(frame);
	return r;
}

/* Waits until the module closes its end (or 10 s pass). */
static void wait_close(int c)
{
	uint8_t b;

	while (read(c, &b, 1) > 0)
		;
}

static void reply_decision(struct vigil_msg *rep, bool allow, uint16_t reason, const char *id)
{
	memset(rep, 0, sizeof(*rep));
	rep->type = VIGIL_MSG_DECISION;
	rep->u.decision.outcome = allow ? VIGIL_OUTCOME_ALLOW : VIGIL_OUTCOME_DENY;
	rep->u.decision.reason = allow ? VIGIL_REASON_NONE : reason;
	rep->u.decision.score = allow ? 10 : 90;
	snprintf(rep->u.decision.login_id, sizeof(rep->u.decision.login_id), "%s", id ? id : "");
}

static void reply_prompt(struct vigil_msg *rep, bool enroll, uint8_t why)
{
	memset(rep, 0, sizeof(*rep));
	rep->type = VIGIL_MSG_PROMPT;
	rep->u.prompt.kind = enroll ? VIGIL_PROMPT_ENROLL_TOTP : VIGIL_PROMPT_TOTP;
	rep->u.prompt.why = why;
	rep->u.prompt.digits = 6;
	rep->u.prompt.attempts_left = 3;
	rep->u.prompt.signals = VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_NEW_SOURCE;
	if (enroll) {
		snprintf(rep->u.prompt.uri, sizeof(rep->u.prompt.uri),
		         "otpauth://totp/Vigil:alice?secret=%s&issuer=Vigil", FAKE_SECRET);
		snprintf(rep->u.prompt.secret_b32, sizeof(rep->u.prompt.secret_b32), "%s", FAKE_SECRET);
		snprintf(
		    rep->u.prompt.qr, sizeof(rep->u.prompt.qr),
		    "\xe2\x96\x88\xe2\x96\x80\xe2\x96\x88 QR-LINE-1\n\xe2\x96\x84\xe2\x96\x88\xe2\x96\x84 QR-LINE-2");
	}
}

static void fake_serve(struct fake *f, int c)
{
	struct vigil_msg *req = calloc(1, sizeof(*req)), *rep = calloc(1, sizeof(*rep));
	static const uint8_t junk[32] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	uint32_t id;
	int replies = 0;

	if (!req || !rep)
		goto out;
	for (;;) {
		if (frame_read(c, req, &id) < 0)
			goto out;
		if (f->msgs == 0)
			f->first = *req;
		if (f->msgs < (int)sizeof(f->types)) {
			f->types[f->msgs] = req->type;
			f->conn_of[f->msgs] = f->conns;
			f->id_of[f->msgs] = id;
			f->pid_of[f->msgs] = req->type == VIGIL_MSG_SESSION_OPEN || req->type == VIGIL_MSG_SESSION_CLOSE
			                         ? req->u.session.pid
			                         : req->u.login.pid;
		}
		f->msgs++;

		switch (f->mode) {
		case FAKE_SILENT:
			wait_close(c);
			goto out;
		case FAKE_HANGUP:
			goto out;
		case FAKE_GARBAGE:
			(void)fd_write_all(c, junk, sizeof(junk));
			wait_close(c);
			goto out;
		case FAKE_WRONG_TYPE:
			memset(rep, 0, sizeof(*rep));
			rep->type = VIGIL_MSG_RESULT;
			rep->u.result.status = VIGIL_STATUS_OK;
			break;
		default:
			switch (req->type) {
			case VIGIL_MSG_AUTH_BEGIN:
				if (f->mode == FAKE_ALLOW || f->mode == FAKE_DENY)
					reply_decision(rep, f->mode == FAKE_ALLOW, f->reason, f->allow_id);
				else
					reply_prompt(rep, f->mode == FAKE_ENROLL,
					             f->mode == FAKE_ENROLL ? VIGIL_WHY_ENROLL : VIGIL_WHY_RISK);
				break;
			case VIGIL_MSG_AUTH_STEP:
				if (strcmp(req->u.answer.answer, GOOD_CODE) == 0)
					f->steps_good++;
				else
					f->steps_bad++;
				if (f->mode == FAKE_PROMPT_HANGUP)
					goto out;
				if (f->mode == FAKE_PROMPT_FOREVER)
					reply_prompt(rep, false, VIGIL_WHY_RETRY);
				else if (strcmp(req->u.answer.answer, GOOD_CODE) == 0)
					reply_decision(rep, true, 0, f->allow_id);
				else
					reply_decision(rep, false, VIGIL_REASON_STEPUP_FAILED, NULL);
				break;
			case VIGIL_MSG_ACCOUNT_CHECK:
				if (f->drop_account)
					goto out;
				reply_decision(rep, f->mode != FAKE_DENY, f->reason, f->allow_id);
				break;
			case VIGIL_MSG_SESSION_OPEN:
			case VIGIL_MSG_SESSION_CLOSE:
				if (req->type == VIGIL_MSG_SESSION_CLOSE)
					memcpy(f->closed_id, req->u.session.login_id, sizeof(f->closed_id));
				memset(rep, 0, sizeof(*rep));
				rep->type = VIGIL_MSG_RESULT;
				rep->u.result.status = f->status;
				if (req->type == VIGIL_MSG_SESSION_OPEN && f->status == VIGIL_STATUS_OK)
					strcpy(rep->u.result.id, SESSION_ID);
				break;
			default:
				goto out;
			}
		}
		if (frame_write(c, rep, id) < 0)
			goto out;
		if (f->twice && replies == 0 && frame_write(c, rep, id) < 0)
			goto out;
		if (++replies == f->close_after)
			goto out;
	}
out:
	free(req);
	free(rep);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	for (;;) {
		struct pollfd p[2] = {{.fd = f->lfd, .events = POLLIN}, {.fd = f->stop[0], .events = POLLIN}};
		struct timeval tv = {.tv_sec = 10};
		int c;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		c = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		/* A module that hangs must not hang the test forever. */
		(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		f->conns++;
		fake_serve(f, c);
		close(c);
	}
	return NULL;
}

/* Binds a listening socket at dir/vigild.sock (replacing a stale one). */
static int listen_at(const char *dir, char *path, size_t cap)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	snprintf(path, cap, "%s/vigild.sock", dir);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void fake_start(struct fake *f, const char *subdir, enum fake_mode mode)
{
	char dir[PATH_MAX];

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->allow_id = LOGIN_ID;
	f->status = VIGIL_STATUS_OK;
	snprintf(dir, sizeof(dir), "%s/%s", test_dir, subdir);
	f->lfd = listen_at(dir, f->path, sizeof(f->path));
	assert_int_equal(listen(f->lfd, 16), 0);
	assert_int_equal(pipe2(f->stop, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
	f->running = true;
}

static void fake_stop(struct fake *f)
{
	if (!f->running)
		return;
	assert_int_equal(write(f->stop[1], "x", 1), 1);
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->lfd);
	(void)unlink(f->path);
	f->running = false;
}

/* ---------------------------------------------------- stderr capture ---- */

/* pam_wrapper prints the module's pam_syslog() lines on stderr (the child
 * runs with PAM_WRAPPER_DEBUGLEVEL=2: errors, warnings, notices and debug
 * lines).  Capture them to check what is logged, and what never is. */
static int cap_saved = -1, cap_fd = -1;

static void capture_begin(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/stderr.log", test_dir);
	fflush(stderr);
	cap_fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(cap_fd >= 0);
	cap_saved = dup(STDERR_FILENO);
	assert_true(cap_saved >= 0);
	assert_true(dup2(cap_fd, STDERR_FILENO) >= 0);
}

/* Returns what was written (malloc'd, NUL-terminated). */
static char *capture_end(void)
{
	struct stat st;
	char *buf;

	fflush(stderr);
	assert_true(dup2(cap_saved, STDERR_FILENO) >= 0);
	close(cap_saved);
	assert_int_equal(fstat(cap_fd, &st), 0);
	buf = calloc(1, (size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(pread(cap_fd, buf, (size_t)st.st_size, 0), st.st_size);
	close(cap_fd);
	return buf;
}

/* ------------------------------------------------------- PAM helpers ---- */

static pam_handle_t *login_start(const char *service)
{
	pam_handle_t *pamh = NULL;

	memset(&rec, 0, sizeof(rec));
	assert_int_equal(pam_start(service, USER, &test_conv, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_RHOST, RHOST), PAM_SUCCESS);
	assert_int_equal(pam_set_item(pamh, PAM_TTY, "ssh"), PAM_SUCCESS);
	assert_int_equal(pam_putenv(pamh, "SSH_AUTH_INFO_0=" AUTH_INFO), PAM_SUCCESS);
	return pamh;
}

static void login_end(pam_handle_t *pamh, int status)
{
	assert_int_equal(pam_end(pamh, status), PAM_SUCCESS);
}

static bool has_login_id(pam_handle_t *pamh)
{
	return pam_getenv(pamh, "VIGIL_LOGIN_ID") != NULL;
}

/* One auth on a fresh handle: returns the code, checks it is never the
 * fall-through sentinel (the module returned PAM_IGNORE). */
static int auth_once(const char *service, bool *ret_login_id)
{
	pam_handle_t *pamh = login_start(service);
	int r = pam_authenticate(pamh, 0);

	assert_int_not_equal(r, PAM_MAXTRIES);
	assert_int_not_equal(r, PAM_IGNORE);
	if (ret_login_id)
		*ret_login_id = has_login_id(pamh);
	login_end(pamh, r);
	return r;
}

/* ------------------------------------------------------------- tests ---- */

static void test_missing_daemon_closed(void **state)
{
	bool id = true;
	pam_handle_t *pamh;

	assert_int_equal(auth_once("v-missing", &id), PAM_AUTHINFO_UNAVAIL);
	assert_false(id);
	pamh = login_start("v-missing");
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SESSION_ERR);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SESSION_ERR);
	login_end(pamh, PAM_SUCCESS);
}

static void test_missing_daemon_open(void **state)
{
	bool id = true;
	char *log;
	pam_handle_t *pamh;

	capture_begin();
	assert_int_equal(auth_once("v-missing-open", &id), PAM_SUCCESS);
	log = capture_end();
	/* Fail-open is not an ALLOW: no login id, and a loud log line. */
	assert_false(id);
	assert_non_null(strstr(log, "failmode=open: vigild unreachable (No such file or directory); allowing " USER
	                            " for v-missing-open without a risk check"));
	free(log);

	pamh = login_start("v-missing-open");
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
}

static void test_refused(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX], *log;
	int fd;

	/* A socket file nobody listens on: ECONNREFUSED. */
	snprintf(dir, sizeof(dir), "%s/run", test_dir);
	fd = listen_at(dir, path, sizeof(path));
	close(fd);
	assert_int_equal(auth_once("v-closed", NULL), PAM_AUTHINFO_UNAVAIL);
	capture_begin();
	assert_int_equal(auth_once("v-open", NULL), PAM_SUCCESS);
	log = capture_end();
	/* Nobody there: the one case besides a missing socket that may open,
	 * and never quietly. */
	assert_non_null(strstr(log, "failmode=open: vigild unreachable (Connection refused); allowing " USER
	                            " for v-open without a risk check"));
	free(log);
	unlink(path);
}

/* The socket's directory is missing too (vigild never started since boot):
 * absent, so failmode=open applies. */
static void test_missing_dir_open(void **state)
{
	char *log;

	capture_begin();
	assert_int_equal(auth_once("v-nodir-open", NULL), PAM_SUCCESS);
	log = capture_end();
	assert_non_null(strstr(log, "failmode=open: vigild unreachable (No such file or directory)"));
	free(log);
	assert_int_equal(auth_once("v-nodir", NULL), PAM_AUTHINFO_UNAVAIL);
}

/* A listener that never accepts, its backlog filled by other local
 * connections first: what any user can do to a busy vigild with a few
 * hundred connects.  The daemon is there: fail closed, even with
 * failmode=open, and say why. */
static void test_backlog_full_fails_closed(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[PATH_MAX], *log;
	int lfd, fill[64], n = 0, fd;
	pam_handle_t *pamh;

	snprintf(dir, sizeof(dir), "%s/run", test_dir);
	lfd = listen_at(dir, sa.sun_path, sizeof(sa.sun_path));
	assert_int_equal(listen(lfd, 0), 0);
	for (;;) {
		assert_true(n < 64);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		assert_true(fd >= 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			/* Full: the module's connect will see the same. */
			assert_int_equal(errno, EAGAIN);
			close(fd);
			break;
		}
		fill[n++] = fd;
	}
	assert_true(n >= 1);

	capture_begin();
	assert_int_equal(auth_once("v-open", NULL), PAM_AUTHINFO_UNAVAIL);
	log = capture_end();
	assert_null(strstr(log, "failmode=open: vigild unreachable"));
	assert_non_null(strstr(log, "auth for " USER ": Resource temporarily unavailable (vigild's connection queue "
	                            "stayed full: failing closed)"));
	free(log);
	assert_int_equal(auth_once("v-closed", NULL), PAM_AUTHINFO_UNAVAIL);
	pamh = login_start("v-open");
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	login_end(pamh, PAM_SUCCESS);

	while (n > 0)
		close(fill[--n]);
	close(lfd);
	unlink(sa.sun_path);
}

/* Returns the log line of the capture that contains what, NUL-terminated in
 * place (it cuts log). */
static char *log_line(char *log, const char *what)
{
	char *p = strstr(log, what), *start, *end;

	assert_non_null(p);
	start = p;
	while (start > log && start[-1] != '\n')
		start--;
	end = strchr(p, '\n');
	if (end)
		*end = '\0';
	return start;
}

/* User names come from whoever types at the login prompt: in the module's
 * own log lines they are escaped (no CR/LF, no terminal escapes, no bytes
 * that are not UTF-8) and bounded (256 bytes, cut at a character, marked). */
static void test_log_escapes_user(void **state)
{
	static const char evil[] = "ev\r\nil\x1b[2J\xff";
	static const char evil_esc[] = "ev\\x0d\\x0ail\\x1b[2J\\xff";
	char user[1200], *log, *line, *field, *end;
	pam_handle_t *pamh = NULL;
	size_t i;

	/* Short: the fail-open alert names it, escaped. */
	capture_begin();
	assert_int_equal(pam_start("v-missing-open", evil, &test_conv, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
	log = capture_end();
	assert_non_null(strstr(log, "allowing ev\\x0d\\x0ail\\x1b[2J\\xff for v-missing-open without"));
	assert_null(strchr(log, '\r'));
	assert_null(strchr(log, '\x1b'));
	assert_null(strchr(log, '\xff'));
	free(log);

	/* Within the protocol's limit, but 1020 bytes once escaped: the alert
	 * keeps 256 of them and marks the cut. */
	memset(user, '\x1b', VIGIL_USER_MAX);
	user[VIGIL_USER_MAX] = '\0';
	capture_begin();
	assert_int_equal(pam_start("v-missing-open", user, &test_conv, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
	log = capture_end();
	assert_null(strchr(log, '\x1b'));
	line = log_line(log, "failmode=open: vigild unreachable");
	field = strstr(line, "allowing ");
	assert_non_null(field);
	field += strlen("allowing ");
	end = strstr(field, " for v-missing-open without a risk check");
	assert_non_null(end);
	assert_true(end - field <= 256);
	assert_true(end - field >= 256 - 4 - 3);
	assert_memory_equal(end - 4, "\\...", 4);
	for (i = 0; i + 4 < (size_t)(end - field); i += 4)
		assert_memory_equal(field + i, "\\x1b", 4);
	free(log);

	/* Over the limit (refused before connecting: never sent, never failed
	 * open): the error line still names it, escaped and bounded. */
	snprintf(user, sizeof(user), "%s", evil);
	memset(user + strlen(evil), 'u', sizeof(user) - strlen(evil) - 1);
	user[sizeof(user) - 1] = '\0';
	capture_begin();
	assert_int_equal(pam_start("v-missing-open", user, &test_conv, &pamh), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	login_end(pamh, PAM_AUTH_ERR);
	log = capture_end();
	assert_null(strchr(log, '\r'));
	assert_null(strchr(log, '\x1b'));
	assert_null(strstr(log, "failmode=open: vigild unreachable"));
	line = log_line(log, ": Argument list too long");
	field = strstr(line, "auth for ");
	assert_non_null(field);
	field += strlen("auth for ");
	end = strstr(field, ": Argument list too long");
	assert_true(end - field <= 256);
	assert_memory_equal(field, evil_esc, strlen(evil_esc));
	assert_memory_equal(end - 4, "\\...", 4);
	free(log);
}

static void test_silent_daemon(void **state)
{
	struct fake f;

	fake_start(&f, "run", FAKE_SILENT);
	assert_int_equal(auth_once("v-closed", NULL), PAM_AUTHINFO_UNAVAIL);
	/* Connected, then silence: a denial may be what was cut off, and a
	 * daemon can be made to stall: never fail open once connected. */
	assert_int_equal(auth_once("v-open", NULL), PAM_AUTHINFO_UNAVAIL);
	fake_stop(&f);
	assert_int_equal(f.conns, 2);
	assert_int_equal(f.types[0], VIGIL_MSG_AUTH_BEGIN);
}

static void test_hangup(void **state)
{
	struct fake f;

	fake_start(&f, "run", FAKE_HANGUP);
	assert_int_equal(auth_once("v-closed", NULL), PAM_AUTHINFO_UNAVAIL);
	/* A daemon at its connection limit closes new connections: that must
	 * not open the door. */
	assert_int_equal(auth_once("v-open", NULL), PAM_AUTHINFO_UNAVAIL);
	fake_stop(&f);
	assert_int_equal(f.conns, 2);
}

static void test_deny_not_opened_by_failmode(void **state)
{
	struct fake f;
	bool id = true;

	fake_start(&f, "run", FAKE_DENY);
	f.reason = VIGIL_REASON_RISK;
	assert_int_equal(auth_once("v-open", &id), PAM_AUTH_ERR);
	assert_false(id);
	assert_true(rec_find(PAM_ERROR_MSG, "Vigil: login refused by policy.") >= 0);
	fake_stop(&f);
	assert_int_equal(f.conns, 1);
}

static void test_deny_reasons(void **state)
{
	struct fake f;

	fake_start(&f, "run", FAKE_DENY);
	f.reason = VIGIL_REASON_PERMISSION;
	assert_int_equal(auth_once("v-closed", NULL), PAM_PERM_DENIED);
	f.reason = VIGIL_REASON_NOT_ENROLLED;
	assert_int_equal(auth_once("v-closed", NULL), PAM_AUTH_ERR);
	assert_true(rec_find(PAM_ERROR_MSG, "'vigilctl totp enroll'") >= 0);
	f.reason = VIGIL_REASON_LOCKED;
	assert_int_equal(auth_once("v-open", NULL), PAM_AUTH_ERR);
	assert_true(rec_find(PAM_ERROR_MSG, "Vigil: too many failed codes; try again later.") >= 0);
	fake_stop(&f);
}

static void test_deny_silent_flag(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_DENY);
	f.reason = VIGIL_REASON_RISK;
	pamh = login_start("v-closed");
	/* sudo < 1.9.16 always passes PAM_SILENT: the denial is still told,
	 * or a user without a factor would never learn how to enroll. */
	assert_int_equal(pam_authenticate(pamh, PAM_SILENT), PAM_AUTH_ERR);
	assert_true(rec_find(PAM_ERROR_MSG, "Vigil: login refused by policy.") >= 0);
	login_end(pamh, PAM_AUTH_ERR);
	fake_stop(&f);
}

static void test_garbage_reply(void **state)
{
	struct fake f;

	fake_start(&f, "run", FAKE_GARBAGE);
	assert_int_equal(auth_once("v-open", NULL), PAM_AUTH_ERR);
	assert_int_equal(auth_once("v-closed", NULL), PAM_AUTH_ERR);
	fake_stop(&f);
	assert_int_equal(f.conns, 2);
}

static void test_wrong_reply_type(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_WRONG_TYPE);
	assert_int_equal(auth_once("v-open", NULL), PAM_AUTH_ERR);
	pamh = login_start("v-open");
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);
}

static void test_allow(void **state)
{
	struct fake f;
	pam_handle_t *pamh;
	const char *id;
	const struct vigil_login_request *l;

	fake_start(&f, "run", FAKE_ALLOW);
	pamh = login_start("v-closed");
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	id = pam_getenv(pamh, "VIGIL_LOGIN_ID");
	assert_non_null(id);
	assert_string_equal(id, LOGIN_ID);
	assert_int_equal(pam_setcred(pamh, PAM_ESTABLISH_CRED), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);

	/* What the module told the daemon. */
	assert_int_equal(f.conns, 1);
	assert_int_equal(f.msgs, 1);
	assert_int_equal(f.first.type, VIGIL_MSG_AUTH_BEGIN);
	l = &f.first.u.login;
	assert_string_equal(l->user, USER);
	assert_string_equal(l->service, "v-closed");
	assert_string_equal(l->rhost, RHOST);
	assert_string_equal(l->tty, "ssh");
	assert_string_equal(l->ruser, "");
	assert_int_equal(l->pid, (uint32_t)getpid());
	assert_string_equal(l->ssh_auth_info, AUTH_INFO);
	assert_string_equal(l->ssh_connection, "");
	assert_string_equal(l->login_id, "");
}

static void test_allow_needs_login_id(void **state)
{
	struct fake f;
	bool id = true;

	fake_start(&f, "run", FAKE_ALLOW);
	f.allow_id = "";
	assert_int_equal(auth_once("v-open", &id), PAM_AUTH_ERR);
	assert_false(id);
	f.allow_id = "bad id\nwith=newline";
	assert_int_equal(auth_once("v-open", &id), PAM_AUTH_ERR);
	assert_false(id);
	fake_stop(&f);
}

static void test_prompt_then_allow(void **state)
{
	struct fake f;
	pam_handle_t *pamh;
	char *log;
	int info, ask;

	fake_start(&f, "run", FAKE_PROMPT);
	capture_begin();
	pamh = login_start("v-open"); /* debug on: every message is logged */
	rec.answer = GOOD_CODE;
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	log = capture_end();
	assert_true(has_login_id(pamh));
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);

	assert_int_equal(f.steps_good, 1);
	assert_int_equal(f.steps_bad, 0);
	assert_int_equal(f.types[1], VIGIL_MSG_AUTH_STEP);
	info = rec_find(PAM_TEXT_INFO, "Vigil: this login looks new (new device, new source address). "
	                               "Enter a code from your authenticator app.");
	ask = rec_find(PAM_PROMPT_ECHO_OFF, "Verification code: ");
	assert_true(info >= 0);
	assert_true(ask > info);
	assert_int_equal(rec.prompts, 1);
	/* Debug logging describes the messages, never the code. */
	assert_non_null(strstr(log, "AUTH_STEP"));
	assert_null(strstr(log, GOOD_CODE));
	free(log);
}

static void test_prompt_wrong_code(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_PROMPT);
	pamh = login_start("v-open");
	rec.answer = BAD_CODE;
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	assert_false(has_login_id(pamh));
	login_end(pamh, PAM_AUTH_ERR);
	fake_stop(&f);
	assert_int_equal(f.steps_bad, 1);
}

static void test_prompt_conv_fails(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_PROMPT);
	pamh = login_start("v-open");
	rec.fail_prompts = true;
	assert_int_equal(pam_authenticate(pamh, 0), PAM_CONV_ERR);
	assert_false(has_login_id(pamh));
	login_end(pamh, PAM_CONV_ERR);
	fake_stop(&f);
	/* No answer was sent. */
	assert_int_equal(f.msgs, 1);
}

static void test_prompt_forever(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_PROMPT_FOREVER);
	pamh = login_start("v-open");
	rec.answer = GOOD_CODE;
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	login_end(pamh, PAM_AUTH_ERR);
	fake_stop(&f);
	/* Bounded: 16 prompts answered, the 17th refused. */
	assert_int_equal(f.steps_good, 16);
	assert_int_equal(rec.prompts, 16);
	assert_true(rec_find(PAM_TEXT_INFO,
	                     "Vigil: a recent code for this account was wrong; 3 attempts left before it is locked.") >=
	            0);
}

static void test_reply_then_hangup_never_fails_open(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_PROMPT_HANGUP);
	pamh = login_start("v-open");
	rec.answer = GOOD_CODE;
	/* The daemon answered once, then vanished: not "unreachable". */
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	assert_false(has_login_id(pamh));
	login_end(pamh, PAM_AUTHINFO_UNAVAIL);
	fake_stop(&f);
	assert_int_equal(f.steps_good, 1);
}

static void test_enroll(void **state)
{
	struct fake f;
	pam_handle_t *pamh;
	char *log;
	int text, qr, uri, secret, ask;

	fake_start(&f, "run", FAKE_ENROLL);
	capture_begin();
	pamh = login_start("v-open");
	rec.answer = GOOD_CODE;
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	log = capture_end();
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);

	text = rec_find(PAM_TEXT_INFO, "Vigil: set up your authenticator app now");
	qr = rec_find(PAM_TEXT_INFO, "QR-LINE-1\n");
	uri = rec_find(PAM_TEXT_INFO, "URI: otpauth://totp/Vigil:alice?secret=");
	secret = rec_find(PAM_TEXT_INFO, "Secret: " FAKE_SECRET);
	ask = rec_find(PAM_PROMPT_ECHO_OFF, "Verification code: ");
	assert_true(text >= 0);
	assert_true(qr > text);
	assert_true(uri > qr);
	assert_true(secret > uri);
	assert_true(ask > secret);
	assert_int_equal(f.steps_good, 1);
	/* The secret and the code reach the user, never the log. */
	assert_non_null(strstr(log, "PROMPT"));
	assert_null(strstr(log, FAKE_SECRET));
	assert_null(strstr(log, GOOD_CODE));
	free(log);
}

static void test_world_writable_dir(void **state)
{
	struct fake f;

	fake_start(&f, "ww", FAKE_ALLOW);
	/* A socket anyone could have planted: refused, and never failed open. */
	assert_int_equal(auth_once("v-ww-open", NULL), PAM_AUTH_ERR);
	fake_stop(&f);
	assert_int_equal(f.conns, 0);
}

static void test_socket_wrong_owner(void **state)
{
	struct fake f;

	fake_start(&f, "run", FAKE_ALLOW);
	assert_int_equal(chown(f.path, NOBODY_UID, NOBODY_UID), 0);
	assert_int_equal(auth_once("v-open", NULL), PAM_AUTH_ERR);
	fake_stop(&f);
	assert_int_equal(f.conns, 0);
}

/* A daemon that is not root (the socket file is root's, the listener is
 * not): SO_PEERCRED gives it away, and its ALLOW is never read. */
static void test_impostor_peer(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd, ready[2], status;
	char b;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/run", test_dir);
	fd = listen_at(dir, path, sizeof(path));
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		struct vigil_msg *m = calloc(1, sizeof(*m));
		uint32_t id;
		int c;

		if (!m || setresgid(NOBODY_UID, NOBODY_UID, NOBODY_UID) < 0 ||
		    setresuid(NOBODY_UID, NOBODY_UID, NOBODY_UID) < 0 || listen(fd, 4) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (poll(&p, 1, 10000) != 1 || (c = accept(fd, NULL, NULL)) < 0)
			_exit(2);
		if (frame_read(c, m, &id) == 0) {
			reply_decision(m, true, 0, LOGIN_ID);
			(void)frame_write(c, m, id);
			_exit(3); /* the module talked to it: a failure */
		}
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &b, 1), 1);
	close(ready[0]);
	close(fd);
	assert_int_equal(auth_once("v-open", NULL), PAM_AUTH_ERR);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	unlink(path);
}

static void test_item_over_limit(void **state)
{
	struct fake f;
	pam_handle_t *pamh;
	char rhost[VIGIL_RHOST_MAX + 2];

	fake_start(&f, "run", FAKE_ALLOW);
	memset(rhost, 'h', sizeof(rhost) - 1);
	rhost[sizeof(rhost) - 1] = '\0';
	pamh = login_start("v-open");
	assert_int_equal(pam_set_item(pamh, PAM_RHOST, rhost), PAM_SUCCESS);
	/* Refused, never truncated, never sent. */
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	rhost[VIGIL_RHOST_MAX] = '\0';
	assert_int_equal(pam_set_item(pamh, PAM_RHOST, rhost), PAM_SUCCESS);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);
	assert_int_equal(f.conns, 1);
	assert_int_equal(strlen(f.first.u.login.rhost), VIGIL_RHOST_MAX);
}

static void test_bad_args(void **state)
{
	pam_handle_t *pamh = login_start("v-badargs");

	assert_int_equal(pam_authenticate(pamh, 0), PAM_SERVICE_ERR);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SERVICE_ERR);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SERVICE_ERR);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SERVICE_ERR);
	login_end(pamh, PAM_SUCCESS);
}

static void test_account(void **state)
{
	struct fake f;
	pam_handle_t *pamh;
	const char *id;

	fake_start(&f, "run", FAKE_ALLOW);
	/* The login id of the auth phase is passed on and kept. */
	pamh = login_start("v-closed");
	assert_int_equal(pam_putenv(pamh, "VIGIL_LOGIN_ID=from-auth-0001"), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	id = pam_getenv(pamh, "VIGIL_LOGIN_ID");
	assert_non_null(id);
	assert_string_equal(id, "from-auth-0001");
	login_end(pamh, PAM_SUCCESS);
	assert_int_equal(f.first.type, VIGIL_MSG_ACCOUNT_CHECK);
	assert_string_equal(f.first.u.login.login_id, "from-auth-0001");
	assert_string_equal(f.first.u.login.ssh_auth_info, AUTH_INFO);

	/* Without auth (sshd publickey), the account decision brings one. */
	pamh = login_start("v-closed");
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	id = pam_getenv(pamh, "VIGIL_LOGIN_ID");
	assert_non_null(id);
	assert_string_equal(id, LOGIN_ID);
	login_end(pamh, PAM_SUCCESS);

	/* A login id in the environment over the limit is refused. */
	pamh = login_start("v-open");
	assert_int_equal(pam_putenv(pamh, "VIGIL_LOGIN_ID=0123456789012345678901234567890123456789"
	                                  "012345678901234567890123456789"),
	                 PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);
	assert_int_equal(f.conns, 2);
}

static void test_account_stepup_not_done(void **state)
{
	static const char sentence[] = "a second factor is required but this login did not offer one; the "
	                               "administrator must set 'AuthenticationMethods "
	                               "publickey,keyboard-interactive' in sshd_config";
	struct fake f;
	pam_handle_t *pamh;
	char *log;

	fake_start(&f, "run", FAKE_DENY);
	f.reason = VIGIL_REASON_STEPUP_NOT_DONE;
	capture_begin();
	pamh = login_start("v-open");
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	log = capture_end();
	login_end(pamh, PAM_PERM_DENIED);
	fake_stop(&f);
	assert_true(rec_find(PAM_ERROR_MSG, sentence) >= 0);
	assert_non_null(strstr(log, sentence));
	free(log);
}

static void test_session(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_ALLOW);
	pamh = login_start("v-closed");
	assert_int_equal(pam_putenv(pamh, "VIGIL_LOGIN_ID=" LOGIN_ID), PAM_SUCCESS);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	/* The close sends the session id kept from the open, whatever the
	 * environment says by then. */
	assert_int_equal(pam_putenv(pamh, "VIGIL_LOGIN_ID=steered-elsewhere"), PAM_SUCCESS);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	assert_string_equal(f.closed_id, SESSION_ID);
	/* Closed: nothing is left to close, and nothing is sent. */
	rec.n = 0;
	assert_int_equal(pam_close_session(pamh, 0), PAM_SESSION_ERR);
	assert_int_equal(rec.n, 0);

	f.status = VIGIL_STATUS_SESSION_LIMIT;
	assert_int_equal(pam_open_session(pamh, 0), PAM_SESSION_ERR);
	assert_true(rec_find(PAM_ERROR_MSG, "too many open sessions") >= 0);

	/* A refused close says nothing to the user, but fails. */
	f.status = VIGIL_STATUS_OK;
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	f.status = VIGIL_STATUS_INTERNAL;
	rec.n = 0;
	assert_int_equal(pam_close_session(pamh, 0), PAM_SESSION_ERR);
	assert_int_equal(rec.n, 0);
	login_end(pamh, PAM_SUCCESS);

	/* A handle that opened nothing sends no close. */
	pamh = login_start("v-closed");
	assert_int_equal(pam_putenv(pamh, "VIGIL_LOGIN_ID=" SESSION_ID), PAM_SUCCESS);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SESSION_ERR);
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);

	assert_int_equal(f.conns, 5);
	assert_int_equal(f.types[0], VIGIL_MSG_SESSION_OPEN);
	assert_int_equal(f.types[1], VIGIL_MSG_SESSION_CLOSE);
	assert_int_equal(f.types[2], VIGIL_MSG_SESSION_OPEN);
	assert_int_equal(f.types[3], VIGIL_MSG_SESSION_OPEN);
	assert_int_equal(f.types[4], VIGIL_MSG_SESSION_CLOSE);
	assert_string_equal(f.first.u.session.user, USER);
	assert_string_equal(f.first.u.session.login_id, LOGIN_ID);
	assert_string_equal(f.first.u.session.rhost, RHOST);
	assert_int_equal(f.first.u.session.pid, (uint32_t)getpid());
}

/* ------------------------------------------------ connection reuse ---- */

/* Auth leaves its connection for account, account for open_session; the
 * open does not keep it, so the close connects again.  Request ids go on
 * across the phases of one connection. */
static void test_reuse_phases(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_ALLOW);
	pamh = login_start("v-closed");
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);

	assert_int_equal(f.msgs, 4);
	assert_int_equal(f.conns, 2);
	assert_int_equal(f.types[0], VIGIL_MSG_AUTH_BEGIN);
	assert_int_equal(f.types[1], VIGIL_MSG_ACCOUNT_CHECK);
	assert_int_equal(f.types[2], VIGIL_MSG_SESSION_OPEN);
	assert_int_equal(f.types[3], VIGIL_MSG_SESSION_CLOSE);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(f.conn_of[i], 1);
		assert_int_equal(f.id_of[i], (uint32_t)i + 1);
	}
	assert_int_equal(f.conn_of[3], 2);
	assert_int_equal(f.id_of[3], 1);
}

/* vigild closed the kept connection while it sat idle: account finds EOF
 * (or EPIPE) before any reply and asks again, once, on a fresh connection. */
static void test_reuse_idle_closed(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_ALLOW);
	f.close_after = 1;
	pamh = login_start("v-closed");
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);
	assert_int_equal(f.conns, 2);
	assert_int_equal(f.msgs, 2);
	assert_int_equal(f.types[1], VIGIL_MSG_ACCOUNT_CHECK);
	assert_int_equal(f.conn_of[1], 2);
}

/* A daemon that drops the request on the fresh connection too: one retry,
 * then a failure; with failmode=open as well. */
static void test_reuse_retry_once(void **state)
{
	static const char *const services[] = {"v-closed", "v-open"};
	struct fake f;

	for (size_t i = 0; i < 2; i++) {
		pam_handle_t *pamh;

		fake_start(&f, "run", FAKE_ALLOW);
		f.drop_account = true;
		pamh = login_start(services[i]);
		assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
		assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
		login_end(pamh, PAM_SUCCESS);
		fake_stop(&f);
		assert_int_equal(f.conns, 2);
		assert_int_equal(f.msgs, 3);
		assert_int_equal(f.types[1], VIGIL_MSG_ACCOUNT_CHECK);
		assert_int_equal(f.types[2], VIGIL_MSG_ACCOUNT_CHECK);
	}
}

/* The kept connection closed and the daemon gone by the retry: the request
 * may have reached it before it went, so failmode=open does not apply
 * (without a kept connection the same account phase fails open). */
static void test_reuse_daemon_gone(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_ALLOW);
	f.close_after = 1;
	pamh = login_start("v-open");
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	fake_stop(&f);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	/* Nothing kept any more: the next phase is an ordinary one. */
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
}

/* After a denial nothing is kept: account connects again. */
static void test_reuse_not_after_deny(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_DENY);
	f.reason = VIGIL_REASON_LOCKED;
	pamh = login_start("v-closed");
	assert_int_equal(pam_authenticate(pamh, 0), PAM_AUTH_ERR);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);
	assert_int_equal(f.msgs, 2);
	assert_int_equal(f.conns, 2);
}

/* A frame left on the kept connection (a reply sent twice) is never taken
 * for the answer to the next request: its id is the old one.  The phase
 * fails and the connection is dropped. */
static void test_reuse_stale_reply(void **state)
{
	struct fake f;
	pam_handle_t *pamh;

	fake_start(&f, "run", FAKE_ALLOW);
	f.twice = true;
	pamh = login_start("v-open");
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	/* Dropped: a fresh connection (whose first reply comes twice too). */
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
	fake_stop(&f);
	assert_int_equal(f.conns, 2);
	assert_int_equal(f.types[2], VIGIL_MSG_SESSION_OPEN);
	assert_int_equal(f.conn_of[2], 2);
}

/* A child forked after auth (sshd does, for keyboard-interactive) never
 * uses the parent's kept connection: it connects on its own, and the
 * parent's account still goes over the kept one. */
static void test_reuse_other_process(void **state)
{
	struct fake f;
	pam_handle_t *pamh;
	int status;
	pid_t pid;

	fake_start(&f, "run", FAKE_ALLOW);
	pamh = login_start("v-closed");
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The fake serves one connection at a time and is on the
		 * parent's: a fresh one gets no answer within timeout=1. */
		int r = pam_acct_mgmt(pamh, 0);

		(void)pam_end(pamh, r | PAM_DATA_SILENT);
		_exit(r);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), PAM_PERM_DENIED);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	login_end(pamh, PAM_SUCCESS);
	/* The child's request waits in the backlog until the parent's
	 * connection is closed: let the fake read it before stopping it. */
	for (int i = 0; i < 500 && __atomic_load_n(&f.msgs, __ATOMIC_ACQUIRE) < 3; i++)
		(void)poll(NULL, 0, 10);
	fake_stop(&f);

	assert_int_equal(f.conns, 2);
	assert_int_equal(f.msgs, 3);
	/* The first connection carried the parent's requests only. */
	assert_int_equal(f.conn_of[0], 1);
	assert_int_equal(f.conn_of[1], 1);
	assert_int_equal(f.pid_of[0], (uint32_t)getpid());
	assert_int_equal(f.pid_of[1], (uint32_t)getpid());
	assert_int_equal(f.types[1], VIGIL_MSG_ACCOUNT_CHECK);
	assert_int_equal(f.id_of[1], 2);
	/* The child's came on its own connection, id 1. */
	assert_int_equal(f.conn_of[2], 2);
	assert_int_equal(f.pid_of[2], (uint32_t)pid);
	assert_int_equal(f.id_of[2], 1);
}

/* Fail the Nth allocation made while pam_authenticate() runs, for N = 1, 2,
 * ... until a run completes without a failure.  Each run either succeeds
 * with a login id (the allocation did not matter) or fails; never
 * PAM_IGNORE.  Whenever the module itself ran out of memory (it logs
 * "Cannot allocate memory") the code is PAM_BUF_ERR, and that happens at
 * least once: libpam's own PAM_BUF_ERR does not count. */
static void test_allocation_failures(void **state)
{
#if INJECT
	struct fake f;
	bool completed = false;
	int n, r, failures = 0, module_enomem = 0;

	fake_start(&f, "run", FAKE_ALLOW);
	/* One run first, so lazy set-up (symbol binding in pam_wrapper, libc's
	 * first-use allocations) is done before failures are injected. */
	assert_int_equal(auth_once("v-closed", NULL), PAM_SUCCESS);
	for (n = 1; n <= 500 && !completed; n++) {
		pam_handle_t *pamh = login_start("v-closed");
		bool fired;
		char *log;

		capture_begin();
		inject_fired = false;
		inject_countdown = n;
		r = pam_authenticate(pamh, 0);
		inject_countdown = 0;
		fired = inject_fired;
		log = capture_end();

		assert_int_not_equal(r, PAM_IGNORE);
		assert_int_not_equal(r, PAM_MAXTRIES);
		if (!fired) {
			/* Nothing failed: the normal run. */
			assert_int_equal(r, PAM_SUCCESS);
			assert_true(has_login_id(pamh));
			completed = true;
		} else if (r == PAM_SUCCESS) {
			assert_true(has_login_id(pamh));
		} else {
			failures++;
			assert_false(has_login_id(pamh));
		}
		if (strstr(log, "auth for " USER ": Cannot allocate memory")) {
			assert_int_equal(r, PAM_BUF_ERR);
			module_enomem++;
		}
		free(log);
		login_end(pamh, r);
	}
	fake_stop(&f);
	assert_true(completed);
	assert_true(failures > 0);
	assert_true(module_enomem > 0);
	print_message("allocation failure injection: %d runs, %d failed closed, %d in the module\n", n - 1, failures,
	              module_enomem);
#else
	skip();
#endif
}

static int child_main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_missing_daemon_closed),
	    cmocka_unit_test(test_missing_daemon_open),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_missing_dir_open),
	    cmocka_unit_test(test_backlog_full_fails_closed),
	    cmocka_unit_test(test_log_escapes_user),
	    cmocka_unit_test(test_silent_daemon),
	    cmocka_unit_test(test_hangup),
	    cmocka_unit_test(test_deny_not_opened_by_failmode),
	    cmocka_unit_test(test_deny_reasons),
	    cmocka_unit_test(test_deny_silent_flag),
	    cmocka_unit_test(test_garbage_reply),
	    cmocka_unit_test(test_wrong_reply_type),
	    cmocka_unit_test(test_allow),
	    cmocka_unit_test(test_allow_needs_login_id),
	    cmocka_unit_test(test_prompt_then_allow),
	    cmocka_unit_test(test_prompt_wrong_code),
	    cmocka_unit_test(test_prompt_conv_fails),
	    cmocka_unit_test(test_prompt_forever),
	    cmocka_unit_test(test_reply_then_hangup_never_fails_open),
	    cmocka_unit_test(test_enroll),
	    cmocka_unit_test(test_world_writable_dir),
	    cmocka_unit_test(test_socket_wrong_owner),
	    cmocka_unit_test(test_impostor_peer),
	    cmocka_unit_test(test_item_over_limit),
	    cmocka_unit_test(test_bad_args),
	    cmocka_unit_test(test_account),
	    cmocka_unit_test(test_account_stepup_not_done),
	    cmocka_unit_test(test_session),
	    cmocka_unit_test(test_reuse_phases),
	    cmocka_unit_test(test_reuse_idle_closed),
	    cmocka_unit_test(test_reuse_retry_once),
	    cmocka_unit_test(test_reuse_daemon_gone),
	    cmocka_unit_test(test_reuse_not_after_deny),
	    cmocka_unit_test(test_reuse_stale_reply),
	    cmocka_unit_test(test_reuse_other_process),
	    cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* ---------------------------------------------------------- launcher ---- */

static int write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "we");

	if (!fp)
		return -errno;
	fputs(text, fp);
	return fclose(fp) == 0 ? 0 : -EIO;
}

/* A stack whose only real module is pam_vigil; pam_debug after it returns
 * PAM_MAXTRIES if the module ever says PAM_IGNORE. */
static int write_service(const char *dir, const char *name, const char *module, const char *args)
{
	char path[PATH_MAX], text[4096];

	snprintf(path, sizeof(path), "%s/pam.d/%s", dir, name);
	snprintf(text, sizeof(text),
	         "auth [success=done ignore=ignore default=die] %1$s %2$s\n"
	         "auth requisite pam_debug.so auth=maxtries cred=maxtries\n"
	         "account [success=done ignore=ignore default=die] %1$s %2$s\n"
	         "account requisite pam_debug.so acct=maxtries\n"
	         "session [success=done ignore=ignore default=die] %1$s %2$s\n"
	         "session requisite pam_debug.so open_session=maxtries close_session=maxtries\n",
	         module, args);
	return write_file(path, text);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)remove(path);
	return 0;
}

static int launcher(void)
{
	char dir[] = "/tmp/vigil-pam-errors.XXXXXX";
	char module[PATH_MAX], sub[PATH_MAX + 32], args[PATH_MAX + 128], preload[PATH_MAX + 64];
	const char *top = getenv("top_builddir"), *asan = getenv("VIGIL_ASAN_PRELOAD");
	static const char *const subdirs[] = {"run", "missing", "ww", "pam.d"};
	void *wrapper;
	int status, r = 99;
	size_t i;
	pid_t pid;

	if (geteuid() != 0) {
		printf("SKIP: the daemon socket must belong to root; run as root\n");
		return 77;
	}
	/* Found the way ld.so will find it for LD_PRELOAD. */
	wrapper = dlopen("libpam_wrapper.so", RTLD_LAZY | RTLD_LOCAL);
	if (!wrapper) {
		printf("SKIP: libpam_wrapper.so not found\n");
		return 77;
	}
	dlclose(wrapper);

	snprintf(module, sizeof(module), "%s/.libs/pam_vigil.so", top ? top : ".");
	if (access(module, R_OK) < 0) {
		fprintf(stderr, "FAIL: %s not built\n", module);
		return 99;
	}
	if (module[0] != '/') {
		/* The service files need an absolute path. */
		char *abs = realpath(module, NULL);

		if (!abs)
			return 99;
		snprintf(module, sizeof(module), "%s", abs);
		free(abs);
	}

	if (!mkdtemp(dir) || chmod(dir, 0755) < 0) {
		perror("mkdtemp");
		return 99;
	}
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, subdirs[i]);
		/* ww: world-writable, as /tmp is (mode set past the umask). */
		if (mkdir(sub, 0755) < 0 || chmod(sub, strcmp(subdirs[i], "ww") == 0 ? 0777 : 0755) < 0) {
			perror("mkdir");
			goto out;
		}
	}

	snprintf(sub, sizeof(sub), "%s/pam.d/other", dir);
	if (write_file(sub, "auth required pam_deny.so\naccount required pam_deny.so\n"
	                    "session required pam_deny.so\npassword required pam_deny.so\n") < 0)
		goto out;
	snprintf(args, sizeof(args), "socket=%s/run/vigild.sock timeout=1", dir);
	if (write_service(dir, "v-closed", module, args) < 0)
		goto out;
	snprintf(args, sizeof(args), "socket=%s/run/vigild.sock timeout=1 failmode=open debug", dir);
	if (write_service(dir, "v-open", module, args) < 0)
		goto out;
	snprintf(args, sizeof(args), "socket=%s/missing/vigild.sock failmode=closed", dir);
	if (write_service(dir, "v-missing", module, args) < 0)
		goto out;
	snprintf(args, sizeof(args), "socket=%s/missing/vigild.sock failmode=open", dir);
	if (write_service(dir, "v-missing-open", module, args) < 0)
		goto out;
	/* nodir/ is never made: the socket's directory is missing too. */
	snprintf(args, sizeof(args), "socket=%s/nodir/vigild.sock failmode=open", dir);
	if (write_service(dir, "v-nodir-open", module, args) < 0)
		goto out;
	snprintf(args, sizeof(args), "socket=%s/nodir/vigild.sock", dir);
	if (write_service(dir, "v-nodir", module, args) < 0)
		goto out;
	snprintf(args, sizeof(args), "socket=%s/ww/vigild.sock timeout=1 failmode=open", dir);
	if (write_service(dir, "v-ww-open", module, args) < 0)
		goto out;
	snprintf(args, sizeof(args), "socket=%s/run/vigild.sock failmode=sometimes", dir);
	if (write_service(dir, "v-badargs", module, args) < 0)
		goto out;

	snprintf(preload, sizeof(preload), "%s%slibpam_wrapper.so", asan && *asan ? asan : "",
	         asan && *asan ? " " : "");
	snprintf(sub, sizeof(sub), "%s/pam.d", dir);
	if (setenv("VIGIL_PAM_ERRORS_DIR", dir, 1) < 0 || setenv("PAM_WRAPPER", "1", 1) < 0 ||
	    setenv("PAM_WRAPPER_SERVICE_DIR", sub, 1) < 0 || setenv("PAM_WRAPPER_DEBUGLEVEL", "2", 1) < 0 ||
	    setenv("LD_PRELOAD", preload, 1) < 0)
		goto out;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		execl("/proc/self/exe", "test_pam_errors", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		goto out;
	if (WIFEXITED(status))
		r = WEXITSTATUS(status) == 0 ? 0 : 1;
	else
		fprintf(stderr, "FAIL: test child died of signal %d\n", WTERMSIG(status));
out:
	(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return r;
}

int main(void)
{
	test_dir = getenv("VIGIL_PAM_ERRORS_DIR");
	if (!test_dir)
		return launcher();
	return child_main();
}

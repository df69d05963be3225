/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_vigil.so on real PAM stacks (pam_wrapper) against a real vigild, with
 * exact PAM return codes: first login and the device and source it teaches,
 * a repeat without a prompt, a new source, account-only logins (sshd
 * publickey), sudo inheriting an open session's device and source with a
 * fresh window, a replayed code, lockout after wrong codes, a user with no
 * factor, an unreachable or stalled daemon, and a caller that is not root.
 *
 * Run by tests/pam/run.sh, which makes the temporary tree, the service files
 * and the configuration, and starts the shared vigild.  The alice tests
 * build on each other in the order listed in main().  Trusts run.sh; no seed
 * or code is printed (codes are never given to a cmocka string assertion).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpamtest.h>

#include "client.h"
#include "harness.h"
#include "wipe.h"

/* The service names run.sh writes into the pam_wrapper service directory. */
#define SVC_SSHD    "vigil-sshd"    /* auth, account, session; timeout=5 */
#define SVC_SUDO    "sudo"          /* auth, account */
#define SVC_D2      "vigil-d2"      /* auth on the private daemon, timeout=1 */
#define SVC_D2_OPEN "vigil-d2-open" /* the same with failmode=open */

#define NOBODY        65534
#define AUDIT_WAIT_MS 5000
/* [service.sudo] fresh_window in run.sh's configuration, and how long to
 * wait for a step-up to be older than it. */
#define SUDO_FRESH_WINDOW_S 3
#define SUDO_STALE_AFTER_MS ((SUDO_FRESH_WINDOW_S + 1) * 1000)

struct state {
	struct harness_env env;
	struct harness_user *alice;
	struct harness_user *carol;
};

/* What libpamtest's conversation records: it copies messages without a
 * terminating NUL, into buffers the caller provides. */
struct pamtest_io {
	const char *echo_off[3];
	char info_buf[HARNESS_MSGS_MAX][PAM_MAX_MSG_SIZE + 1];
	char err_buf[HARNESS_MSGS_MAX][PAM_MAX_MSG_SIZE + 1];
	char *info[HARNESS_MSGS_MAX];
	char *err[HARNESS_MSGS_MAX];
	struct pamtest_conv_data data;
};

static void pamtest_io_init(struct pamtest_io *io, const char *answer)
{
	unsigned i;

	memset(io, 0, sizeof(*io));
	io->echo_off[0] = answer;
	for (i = 0; i < HARNESS_MSGS_MAX; i++) {
		io->info[i] = io->info_buf[i];
		io->err[i] = io->err_buf[i];
	}
	io->data.in_echo_off = io->echo_off;
	io->data.out_info = io->info;
	io->data.out_err = io->err;
}

static bool pamtest_io_said(const struct pamtest_io *io, bool error, const char *needle)
{
	unsigned i;

	for (i = 0; i < HARNESS_MSGS_MAX; i++)
		if (strstr(error ? io->err_buf[i] : io->info_buf[i], needle))
			return true;
	return false;
}

/* One libpamtest authentication of user on service; returns its PAM code. */
static int pamtest_auth(const char *service, const char *user, struct pamtest_io *io)
{
	struct pam_testcase t[] = {pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS)};
	enum pamtest_err e;

	e = run_pamtest(service, user, &io->data, t, NULL);
	/* CASE only means the code was not PAM_SUCCESS: the caller checks
	 * which one it was. */
	assert_true(e == PAMTEST_ERR_OK || e == PAMTEST_ERR_CASE);
	return t[0].op_rv;
}

/* What one login through a handle of ours gave. */
struct login_run {
	int auth;    /* -1: not run */
	int account; /* -1: not run */
	char login_id[VIGIL_LOGIN_ID_MAX + 1];
};

static void login_id_copy(pam_handle_t *pamh, struct login_run *out)
{
	const char *id = pam_getenv(pamh, VIGIL_LOGIN_ID_ENV);

	snprintf(out->login_id, sizeof(out->login_id), "%s", id ? id : "");
}

/* auth, then account if auth succeeded, on a fresh handle. */
static void login_run(const struct harness_login *l, struct harness_conv *conv, struct login_run *out)
{
	pam_handle_t *pamh = NULL;

	memset(out, 0, sizeof(*out));
	out->account = -1;
	assert_int_equal(harness_pam_start(l, conv, &pamh), 0);
	out->auth = pam_authenticate(pamh, 0);
	if (out->auth == PAM_SUCCESS)
		out->account = pam_acct_mgmt(pamh, 0);
	login_id_copy(pamh, out);
	pam_end(pamh, out->auth);
}

/* Queues the next unused code of u as the conversation's answer. */
static void answer_next(struct harness_conv *conv, struct harness_user *u)
{
	char code[HARNESS_CODE_MAX];

	assert_int_equal(harness_code_next(u, code, sizeof(code)), 0);
	assert_int_equal(harness_conv_answer(conv, code), 0);
	WIPE_ARRAY(code);
}

static struct vigil_status_report *status_of(const struct state *s, const char *user)
{
	struct vigil_status_report *r = NULL;

	assert_int_equal(harness_status(s->env.socket, user, &r), 0);
	return r;
}

/* Waits for an audit line of vigild (stderr: "vigild: audit EVENT KEY=value
 * ...") with every field given. */
static void audit_expect(const char *log, const char *event, const char *user, const char *field)
{
	char e[64], u[VIGIL_USER_MAX + 16];
	const char *const needles[] = {e, u, field, NULL};
	int r;

	snprintf(e, sizeof(e), "vigild: audit %s ", event);
	snprintf(u, sizeof(u), " VIGIL_USER=%s ", user);
	r = harness_log_wait(log, needles, AUDIT_WAIT_MS);
	if (r < 0)
		print_error("no '%s' audit line for %s with '%s' in %s\n", event, user, field, log);
	assert_int_equal(r, 0);
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int group_setup(void **pstate)
{
	struct state *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -1;
	if ((r = harness_env_load(&s->env)) < 0) {
		print_error("harness environment: %s (run through tests/pam/run.sh)\n", strerror(-r));
		goto fail;
	}
	if ((r = harness_enroll(s->env.socket, "alice", s->env.totp_window, &s->alice)) < 0 ||
	    (r = harness_enroll(s->env.socket, "carol", s->env.totp_window, &s->carol)) < 0) {
		print_error("enrolling the test users failed: %s\n", strerror(-r));
		goto fail;
	}
	*pstate = s;
	return 0;
fail:
	harness_user_free(s->alice);
	harness_user_free(s->carol);
	free(s);
	return -1;
}

static int group_teardown(void **pstate)
{
	struct state *s = *pstate;

	if (s) {
		harness_user_free(s->alice);
		harness_user_free(s->carol);
		free(s);
	}
	return 0;
}

/* 1. First login from a new key and a new source: one info line, then the
 * code prompt; the right code is accepted, account follows, the login id is
 * exported, and the daemon learned the key and the source. */
static void test_first_login_steps_up(void **pstate)
{
	struct state *s = *pstate;
	struct harness_login l = {.service = SVC_SSHD,
	                          .user = "alice",
	                          .rhost = "127.0.0.2",
	                          .tty = "ssh",
	                          .key = s->env.key1,
	                          .ssh_connection = "127.0.0.2 50022 127.0.0.1 22"};
	struct vigil_status_report *st = NULL;
	struct harness_conv conv;
	struct login_run run;

	/* Not known before. */
	st = status_of(s, "alice");
	assert_false(harness_status_has_device(st, s->env.key1_fp));
	free(st);

	harness_conv_init(&conv);
	answer_next(&conv, s->alice);
	login_run(&l, &conv, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(conv.n_prompts, 1);
	assert_string_equal(conv.transcript, "IP");
	assert_string_equal(conv.last_prompt, "Verification code: ");
	assert_true(harness_conv_said(&conv, PAM_TEXT_INFO, "new device"));
	assert_true(harness_conv_said(&conv, PAM_TEXT_INFO, "new source address"));
	assert_true(run.login_id[0] != '\0');
	harness_conv_wipe(&conv);

	st = status_of(s, "alice");
	assert_true(st->n_factors >= 1);
	assert_true(harness_status_has_device(st, s->env.key1_fp));
	assert_true(harness_status_has_source(st, "127.0.0.2"));
	free(st);
}

/* 2. The same key from the same source (given as PAM_RHOST only this time):
 * allowed without any prompt. */
static void test_known_login_no_prompt(void **pstate)
{
	struct state *s = *pstate;
	struct harness_login l = {
	    .service = SVC_SSHD, .user = "alice", .rhost = "127.0.0.2", .tty = "ssh", .key = s->env.key1};
	struct harness_conv conv;
	struct login_run run;

	harness_conv_init(&conv);
	login_run(&l, &conv, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(conv.n_prompts, 0);
	assert_string_equal(conv.transcript, "");
	assert_true(run.login_id[0] != '\0');
}

/* 3. The same key from a new source in a new /24: prompted, for the source
 * only. */
static void test_new_source_steps_up(void **pstate)
{
	struct state *s = *pstate;
	struct harness_login l = {
	    .service = SVC_SSHD, .user = "alice", .rhost = "10.9.8.7", .tty = "ssh", .key = s->env.key1};
	struct vigil_status_report *st;
	struct harness_conv conv;
	struct login_run run;

	harness_conv_init(&conv);
	answer_next(&conv, s->alice);
	login_run(&l, &conv, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(conv.n_prompts, 1);
	assert_true(harness_conv_said(&conv, PAM_TEXT_INFO, "new source address"));
	assert_true(harness_conv_said(&conv, PAM_TEXT_INFO, "new network"));
	assert_false(harness_conv_said(&conv, PAM_TEXT_INFO, "new device"));
	harness_conv_wipe(&conv);

	st = status_of(s, "alice");
	assert_true(harness_status_has_source(st, "10.9.8.7"));
	free(st);
}

/* 10. The account phase alone, as sshd runs it for a publickey-only login:
 * a new key is refused (no prompt is possible there) with the text for the
 * admin, and is not learned; a known key and source pass and get a login
 * id. */
static void test_account_only(void **pstate)
{
	struct state *s = *pstate;
	struct harness_login l = {
	    .service = SVC_SSHD, .user = "alice", .rhost = "127.0.0.2", .tty = "ssh", .key = s->env.key2};
	struct vigil_status_report *st;
	struct harness_conv conv;
	pam_handle_t *pamh = NULL;
	const char *id;

	harness_conv_init(&conv);
	assert_int_equal(harness_pam_start(&l, &conv, &pamh), 0);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	pam_end(pamh, PAM_PERM_DENIED);
	assert_int_equal(conv.n_prompts, 0);
	assert_true(harness_conv_said(&conv, PAM_ERROR_MSG, "AuthenticationMethods publickey,keyboard-interactive"));

	st = status_of(s, "alice");
	assert_false(harness_status_has_device(st, s->env.key2_fp));
	free(st);

	harness_conv_init(&conv);
	l.key = s->env.key1;
	assert_int_equal(harness_pam_start(&l, &conv, &pamh), 0);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	id = pam_getenv(pamh, VIGIL_LOGIN_ID_ENV);
	assert_non_null(id);
	assert_true(id[0] != '\0');
	pam_end(pamh, PAM_SUCCESS);
	assert_int_equal(conv.n_prompts, 0);
	assert_int_equal(conv.n_error, 0);
}

/* As sudo runs: real uid the invoking user, effective uid root.  vigild
 * reads the real uid from /proc to know who is asking; the user exists for
 * it through nss_wrapper (tests/lib.sh), whose file this reads too. */
static void become_invoker(const char *name)
{
	const char *file = getenv("NSS_WRAPPER_PASSWD");
	struct passwd *pw;
	uid_t uid = (uid_t)-1;
	FILE *f;

	assert_non_null(file);
	f = fopen(file, "re");
	assert_non_null(f);
	while ((pw = fgetpwent(f)))
		if (strcmp(pw->pw_name, name) == 0)
			uid = pw->pw_uid;
	fclose(f);
	assert_int_not_equal(uid, (uid_t)-1);
	assert_int_equal(setresuid(uid, 0, 0), 0);
}

static void become_root_again(void)
{
	assert_int_equal(setresuid(0, 0, 0), 0);
}

/* 9. sudo inside an SSH session of this very process: it inherits the
 * session's key and source, so a step-up older than the fresh window asks
 * again for the privilege alone; right after a step-up it does not ask.
 * Only the invoking user's own session lends: run by root (real uid 0),
 * the same sudo inherits nothing.  With the session closed, the same sudo
 * is a new device. */
static void test_sudo_fresh_window(void **pstate)
{
	struct state *s = *pstate;
	struct harness_login ssh = {
	    .service = SVC_SSHD, .user = "alice", .rhost = "127.0.0.2", .tty = "ssh", .key = s->env.key1};
	struct harness_login sudo = {.service = SVC_SUDO, .user = "alice", .ruser = "alice", .tty = "/dev/pts/9"};
	struct harness_conv ssh_conv, conv;
	struct login_run run;
	pam_handle_t *pamh = NULL;

	/* The SSH login: known key and source, no prompt, a session. */
	harness_conv_init(&ssh_conv);
	assert_int_equal(harness_pam_start(&ssh, &ssh_conv, &pamh), 0);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SUCCESS);
	assert_int_equal(ssh_conv.n_prompts, 0);

	/* alice's last step-up must be older than the fresh window. */
	sleep_ms(s->alice->last_stepup_ms + SUDO_STALE_AFTER_MS - clock_now_ms());

	/* Run by root, not alice: her session lends nothing. */
	harness_conv_init(&conv);
	login_run(&sudo, &conv, &run);
	assert_int_equal(run.auth, PAM_CONV_ERR);
	assert_true(harness_conv_said(&conv, PAM_TEXT_INFO, "new device"));
	harness_conv_wipe(&conv);

	become_invoker("alice");
	harness_conv_init(&conv);
	answer_next(&conv, s->alice);
	login_run(&sudo, &conv, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(conv.n_prompts, 1);
	/* Asked for freshness, not because "sudo:/dev/pts/9" looks new: the
	 * session's device and source were used. */
	assert_true(harness_conv_said(&conv, PAM_TEXT_INFO, "privileged action needs a recent second factor"));
	assert_false(harness_conv_said(&conv, PAM_TEXT_INFO, "new device"));
	harness_conv_wipe(&conv);

	/* Right after that step-up: no prompt. */
	harness_conv_init(&conv);
	login_run(&sudo, &conv, &run);
	become_root_again();
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(conv.n_prompts, 0);

	assert_int_equal(pam_close_session(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);

	/* No session to inherit from: a device never seen; the user gives up
	 * at the prompt, which is the conversation's failure. */
	harness_conv_init(&conv);
	login_run(&sudo, &conv, &run);
	assert_int_equal(run.auth, PAM_CONV_ERR);
	assert_int_equal(conv.n_prompts, 1);
	assert_true(harness_conv_said(&conv, PAM_TEXT_INFO, "new device"));
}

/* The session id of the newest session_open audit line in the daemon's log,
 * "" if none (the module's own copy lives in its PAM data, which libpam
 * does not let an application read). */
static void newest_session_id(const char *log, char out[VIGIL_LOGIN_ID_MAX + 1])
{
	static const char key[] = " VIGIL_SESSION_ID=";
	char *line = NULL;
	const char *p;
	size_t cap = 0, n;
	FILE *f = fopen(log, "re");

	assert_non_null(f);
	out[0] = '\0';
	while (getline(&line, &cap, f) >= 0) {
		if (strncmp(line, "vigild: audit session_open ", 27) != 0 || !(p = strstr(line, key)))
			continue;
		p += sizeof(key) - 1;
		n = strcspn(p, " \n");
		assert_true(n > 0 && n <= VIGIL_LOGIN_ID_MAX);
		memcpy(out, p, n);
		out[n] = '\0';
	}
	free(line);
	fclose(f);
}

/* Waits for a session_open audit line newer than the one with id before. */
static void opened_session_id(const char *log, const char *before, char out[VIGIL_LOGIN_ID_MAX + 1])
{
	int64_t deadline = clock_now_ms() + AUDIT_WAIT_MS;

	for (;;) {
		newest_session_id(log, out);
		if (out[0] && strcmp(out, before) != 0)
			return;
		assert_true(clock_now_ms() < deadline);
		sleep_ms(50);
	}
}

/* 10. Session close is not steered by the PAM environment: the user's
 * ~/.pam_environment (or a module after the open) can set VIGIL_LOGIN_ID to
 * anything, even another session's id, and the close still ends the session
 * this handle opened, and only that one.  A handle that opened nothing
 * closes nothing. */
static void test_session_close_by_kept_id(void **pstate)
{
	struct state *s = *pstate;
	struct harness_login ssh = {
	    .service = SVC_SSHD, .user = "alice", .rhost = "127.0.0.2", .tty = "ssh", .key = s->env.key1};
	char id_before[VIGIL_LOGIN_ID_MAX + 1], id_a[VIGIL_LOGIN_ID_MAX + 1], id_b[VIGIL_LOGIN_ID_MAX + 1],
	    kv[sizeof("VIGIL_LOGIN_ID=") + VIGIL_LOGIN_ID_MAX], field[sizeof("VIGIL_SESSION_ID=") + VIGIL_LOGIN_ID_MAX];
	const char *const b_closed[] = {"vigild: audit session_close ", field, NULL};
	struct harness_conv conv_a, conv_b, conv_c;
	pam_handle_t *a = NULL, *b = NULL, *c = NULL;

	newest_session_id(s->env.log, id_before);
	harness_conv_init(&conv_a);
	assert_int_equal(harness_pam_start(&ssh, &conv_a, &a), 0);
	assert_int_equal(pam_authenticate(a, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(a, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(a, 0), PAM_SUCCESS);
	opened_session_id(s->env.log, id_before, id_a);

	harness_conv_init(&conv_b);
	assert_int_equal(harness_pam_start(&ssh, &conv_b, &b), 0);
	assert_int_equal(pam_authenticate(b, 0), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(b, 0), PAM_SUCCESS);
	assert_int_equal(pam_open_session(b, 0), PAM_SUCCESS);
	opened_session_id(s->env.log, id_a, id_b);
	assert_string_not_equal(id_a, id_b);

	/* Steered at b's session: a still closes a's. */
	snprintf(kv, sizeof(kv), "VIGIL_LOGIN_ID=%s", id_b);
	assert_int_equal(pam_putenv(a, kv), PAM_SUCCESS);
	assert_int_equal(pam_close_session(a, 0), PAM_SUCCESS);
	snprintf(field, sizeof(field), "VIGIL_SESSION_ID=%s", id_a);
	audit_expect(s->env.log, "session_close", "alice", field);
	snprintf(field, sizeof(field), "VIGIL_SESSION_ID=%s", id_b);
	assert_int_equal(harness_log_wait(s->env.log, b_closed, 0), -ETIMEDOUT);
	/* Closed once: the handle has nothing left to close. */
	assert_int_equal(pam_close_session(a, 0), PAM_SESSION_ERR);
	pam_end(a, PAM_SUCCESS);

	/* b's session was still open: its own close ends it. */
	assert_int_equal(pam_putenv(b, "VIGIL_LOGIN_ID=garbage"), PAM_SUCCESS);
	assert_int_equal(pam_close_session(b, 0), PAM_SUCCESS);
	audit_expect(s->env.log, "session_close", "alice", field);
	pam_end(b, PAM_SUCCESS);

	/* A handle that never opened a session, told b's id: no close. */
	harness_conv_init(&conv_c);
	assert_int_equal(harness_pam_start(&ssh, &conv_c, &c), 0);
	assert_int_equal(pam_putenv(c, kv), PAM_SUCCESS);
	assert_int_equal(pam_close_session(c, 0), PAM_SESSION_ERR);
	pam_end(c, PAM_SUCCESS);
}

/* 11. A session for a name NSS does not know (a case variant of a known
 * user among them) is refused, and the refusal is the daemon's. */
static void test_session_unknown_user(void **pstate)
{
	struct state *s = *pstate;
	struct harness_login ssh = {
	    .service = SVC_SSHD, .user = "ALICE", .rhost = "127.0.0.2", .tty = "ssh", .key = s->env.key1};
	struct harness_conv conv;
	pam_handle_t *pamh = NULL;

	harness_conv_init(&conv);
	assert_int_equal(harness_pam_start(&ssh, &conv, &pamh), 0);
	assert_int_equal(pam_open_session(pamh, 0), PAM_SESSION_ERR);
	pam_end(pamh, PAM_SUCCESS);
	audit_expect(s->env.log, "session_open", "ALICE", "VIGIL_RESULT=unknown_user");
}

/* 4. A code accepted a moment ago, replayed for another login that needs
 * one: refused, and audited as a replay; a fresh code from the same place
 * then passes. */
static void test_replayed_code(void **pstate)
{
	struct state *s = *pstate;
	struct harness_login first = {
	    .service = SVC_SSHD, .user = "alice", .rhost = "198.51.100.7", .tty = "ssh", .key = s->env.key1};
	struct harness_login again = {
	    .service = SVC_SSHD, .user = "alice", .rhost = "203.0.113.9", .tty = "ssh", .key = s->env.key1};
	char code[HARNESS_CODE_MAX];
	struct harness_conv conv;
	struct login_run run;

	/* A new /24: a step-up, with a code the daemon accepts. */
	harness_conv_init(&conv);
	assert_int_equal(harness_code_next(s->alice, code, sizeof(code)), 0);
	assert_int_equal(harness_conv_answer(&conv, code), 0);
	login_run(&first, &conv, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(conv.n_prompts, 1);
	harness_conv_wipe(&conv);

	/* The same code for another new /24, three times, then nothing
	 * more: refused each time with "wait for the next one", never a
	 * guess (no "attempts left", no lockout). */
	harness_conv_init(&conv);
	for (int i = 0; i < 4; i++)
		assert_int_equal(harness_conv_answer(&conv, code), 0);
	WIPE_ARRAY(code);
	login_run(&again, &conv, &run);
	assert_int_equal(run.auth, PAM_AUTH_ERR);
	assert_int_equal(conv.n_prompts, 4);
	assert_true(conv.n_error >= 1);
	harness_conv_wipe(&conv);
	audit_expect(s->env.log, "stepup", "alice", " VIGIL_RESULT=replay");
	audit_expect(s->env.log, "decision", "alice", " VIGIL_REASON=replay");
	/* MESSAGE says the decision and its reason, in words and in the
	 * fields' names: the step-up asked for, the first login let in, the
	 * replays refused. */
	audit_expect(
	    s->env.log, "decision", "alice",
	    "MESSAGE=\"step-up required, the risk score is at or above stepup_at (decision stepup, reason risk): "
	    "user alice, service " SVC_SSHD ", from 198.51.100.7\"");
	audit_expect(s->env.log, "decision", "alice",
	             "MESSAGE=\"login allowed, the second factor was proven (decision allow, reason stepped_up): "
	             "user alice, service " SVC_SSHD ", from 198.51.100.7\"");
	audit_expect(s->env.log, "decision", "alice",
	             "MESSAGE=\"login denied, the code was just used (decision deny, reason replay): "
	             "user alice, service " SVC_SSHD ", from 203.0.113.9\"");

	/* A replay then a fresh code, in one login: allowed. */
	harness_conv_init(&conv);
	assert_int_equal(harness_code_at(s->alice, s->alice->last_step, code, sizeof(code)), 0);
	assert_int_equal(harness_conv_answer(&conv, code), 0);
	WIPE_ARRAY(code);
	answer_next(&conv, s->alice);
	login_run(&again, &conv, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(conv.n_prompts, 2);
	harness_conv_wipe(&conv);

	/* That step-up's grant, written at its account phase, covers the
	 * next login from there. */
	harness_conv_init(&conv);
	login_run(&again, &conv, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(conv.n_prompts, 0);
	harness_conv_wipe(&conv);
}

/* A login id stands for the very login auth decided: the same user,
 * service, key, source and calling uid.  Carried to another login (here from
 * another address, as a user could by setting VIGIL_LOGIN_ID in the PAM
 * environment) it proves nothing: that login is assessed afresh and, needing
 * a step-up it never made, refused; and the auth that made the id learned
 * nothing until its own account phase ran. */
static void test_login_id_bound(void **pstate)
{
	struct state *s = *pstate;
	struct harness_login here = {
	    .service = SVC_SSHD, .user = "alice", .rhost = "198.51.100.77", .tty = "ssh", .key = s->env.key1};
	struct harness_login there = here;
	struct vigil_status_report *st;
	struct harness_conv conv, other_conv;
	pam_handle_t *pamh = NULL, *other = NULL;
	char kv[sizeof(VIGIL_LOGIN_ID_ENV "=") + VIGIL_LOGIN_ID_MAX];
	const char *id;

	there.rhost = "100.64.7.7";
	harness_conv_init(&conv);
	answer_next(&conv, s->alice);
	assert_int_equal(harness_pam_start(&here, &conv, &pamh), 0);
	assert_int_equal(pam_authenticate(pamh, 0), PAM_SUCCESS);
	id = pam_getenv(pamh, VIGIL_LOGIN_ID_ENV);
	assert_non_null(id);
	snprintf(kv, sizeof(kv), "%s=%s", VIGIL_LOGIN_ID_ENV, id);

	/* Auth passed, account not yet: nothing learned. */
	st = status_of(s, "alice");
	assert_false(harness_status_has_source(st, "198.51.100.77"));
	free(st);

	harness_conv_init(&other_conv);
	assert_int_equal(harness_pam_start(&there, &other_conv, &other), 0);
	assert_int_equal(pam_putenv(other, kv), PAM_SUCCESS);
	assert_int_equal(pam_acct_mgmt(other, 0), PAM_PERM_DENIED);
	pam_end(other, PAM_PERM_DENIED);

	/* The login it was made for: its account phase commits it. */
	assert_int_equal(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	harness_conv_wipe(&conv);
	st = status_of(s, "alice");
	assert_true(harness_status_has_source(st, "198.51.100.77"));
	assert_false(harness_status_has_source(st, "100.64.7.7"));
	free(st);
}

/* One user is one user: "Alice", "alice " or "alice@EXAMPLE" are not alice
 * (NSS does not know them), so they are refused before anything is written:
 * no user row, hence no factor-less second alice that could slip past. */
static void test_user_names_canonical(void **pstate)
{
	static const char *const names[] = {"Alice", "alice ", "alice@EXAMPLE", "nosuchuser"};
	struct state *s = *pstate;
	struct harness_login l = {.service = SVC_SSHD, .rhost = "198.51.100.7", .tty = "ssh", .key = s->env.key1};
	struct vigil_status_report *st;
	struct harness_conv conv;
	struct login_run run;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		l.user = names[i];
		harness_conv_init(&conv);
		login_run(&l, &conv, &run);
		assert_int_equal(run.auth, PAM_USER_UNKNOWN);
		assert_int_equal(conv.n_prompts, 0);
		harness_conv_wipe(&conv);
		if (!strchr(names[i], ' ')) /* the log line escapes a blank */
		{
			audit_expect(s->env.log, "decision", names[i], " VIGIL_REASON=unknown_user");
			audit_expect(s->env.log, "decision", names[i],
			             ", no such user (decision deny, reason unknown_user): user ");
		}
		/* Root's status of that name is refused too: NSS does not know
		 * it (tests/daemon/run.sh 14 checks no row is made). */
		st = NULL;
		assert_int_not_equal(harness_status(s->env.socket, names[i], &st), 0);
		free(st);
	}
}

/* 5. Three wrong codes (deny=3): each PAM_AUTH_ERR, the third locks; then
 * even the right code is refused, without a prompt.  Through libpamtest. */
static void test_lockout(void **pstate)
{
	struct state *s = *pstate;
	struct vigil_status_report *st;
	char code[HARNESS_CODE_MAX];
	struct pamtest_io *io = malloc(sizeof(*io));
	int i;

	assert_non_null(io);
	for (i = 0; i < 3; i++) {
		assert_int_equal(harness_code_wrong(s->carol, code, sizeof(code)), 0);
		pamtest_io_init(io, code);
		assert_int_equal(pamtest_auth(SVC_SSHD, "carol", io), PAM_AUTH_ERR);
		/* Prompted each time: the info line comes with the prompt. */
		assert_true(pamtest_io_said(io, false, "Vigil: "));
		if (i == 1)
			assert_true(pamtest_io_said(io, false, "2 attempts left"));
		if (i == 2)
			assert_true(pamtest_io_said(io, true, "too many failed codes"));
		WIPE_ARRAY(code);
	}

	assert_int_equal(harness_code_next(s->carol, code, sizeof(code)), 0);
	pamtest_io_init(io, code);
	assert_int_equal(pamtest_auth(SVC_SSHD, "carol", io), PAM_AUTH_ERR);
	WIPE_ARRAY(code);
	assert_string_equal(io->info_buf[0], "");
	assert_true(pamtest_io_said(io, true, "too many failed codes"));
	wipe(io, sizeof(*io));
	free(io);

	/* No address: a local login, whose wrong codes are charged to the
	 * caller (here root, uid 0) for carol, never to carol herself. */
	st = status_of(s, "carol");
	assert_int_equal(st->locked_until, 0);
	free(st);
	audit_expect(s->env.log, "stepup", "carol", " VIGIL_RESULT=bad_code");
	audit_expect(s->env.log, "lockout", "carol", " VIGIL_REASON=source_locked");
	audit_expect(s->env.log, "lockout", "carol", " VIGIL_CALLER=uid=0");
}

/* 6. A user with no factor who must step up: refused, told how to enroll. */
static void test_not_enrolled(void **pstate)
{
	struct pamtest_io *io = malloc(sizeof(*io));

	(void)pstate;
	assert_non_null(io);
	pamtest_io_init(io, NULL);
	assert_int_equal(pamtest_auth(SVC_SSHD, "bob", io), PAM_AUTH_ERR);
	assert_string_equal(io->info_buf[0], "");
	assert_true(pamtest_io_said(io, true, "vigilctl totp enroll"));
	free(io);
}

static int stale_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* 7. A private vigild: reachable (a denial), stalled with SIGSTOP (timeout=1),
 * stopped, its socket removed, a stale socket nobody listens on.  Only the
 * codes are asserted.  failmode=open succeeds only while the daemon cannot
 * be connected to, never over a denial or a silence. */
static void test_daemon_unreachable(void **pstate)
{
	struct state *s = *pstate;
	struct harness_daemon d = {.pid = -1};
	struct pamtest_io *io = malloc(sizeof(*io));
	struct stat st;
	int r, r_open;

	assert_non_null(io);
	r = harness_daemon_start(&s->env, s->env.d2_dir, &d);
	if (r < 0)
		print_error("private vigild: %s (see %s/vigild.log)\n", strerror(-r), s->env.d2_dir);
	assert_int_equal(r, 0);

	pamtest_io_init(io, NULL);
	assert_int_equal(pamtest_auth(SVC_D2, "dave", io), PAM_AUTH_ERR);
	pamtest_io_init(io, NULL);
	assert_int_equal(pamtest_auth(SVC_D2_OPEN, "dave", io), PAM_AUTH_ERR);

	assert_int_equal(kill(d.pid, SIGSTOP), 0);
	pamtest_io_init(io, NULL);
	r = pamtest_auth(SVC_D2, "dave", io);
	pamtest_io_init(io, NULL);
	r_open = pamtest_auth(SVC_D2_OPEN, "dave", io);
	assert_int_equal(kill(d.pid, SIGCONT), 0);
	assert_int_equal(r, PAM_AUTHINFO_UNAVAIL);
	/* Connected but silent is not unreachable: a stalled daemon may have
	 * been about to deny, so even failmode=open fails closed here. */
	assert_int_equal(r_open, PAM_AUTHINFO_UNAVAIL);

	/* Serving again once it runs. */
	pamtest_io_init(io, NULL);
	assert_int_equal(pamtest_auth(SVC_D2, "dave", io), PAM_AUTH_ERR);

	assert_int_equal(harness_daemon_stop(&d), 0);
	pamtest_io_init(io, NULL);
	assert_int_equal(pamtest_auth(SVC_D2, "dave", io), PAM_AUTHINFO_UNAVAIL);

	/* No socket at all. */
	if (lstat(d.socket, &st) == 0)
		assert_int_equal(unlink(d.socket), 0);
	pamtest_io_init(io, NULL);
	assert_int_equal(pamtest_auth(SVC_D2, "dave", io), PAM_AUTHINFO_UNAVAIL);

	/* A socket file nobody listens on. */
	assert_int_equal(stale_socket(d.socket), 0);
	pamtest_io_init(io, NULL);
	assert_int_equal(pamtest_auth(SVC_D2, "dave", io), PAM_AUTHINFO_UNAVAIL);
	pamtest_io_init(io, NULL);
	assert_int_equal(pamtest_auth(SVC_D2_OPEN, "dave", io), PAM_SUCCESS);
	unlink(d.socket);
	free(io);
}

/* 8. A caller that is not root asks about alice: the daemon refuses it
 * (PAM items are trusted from root only).  The child reports its PAM code
 * through its exit status. */
static void test_non_root_peer(void **pstate)
{
	struct state *s = *pstate;
	const char *const refused[] = {"vigild: audit decision ", " VIGIL_DECISION=deny ", " VIGIL_REASON=permission ",
	                               NULL};
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pam_testcase t[] = {pam_test(PAMTEST_AUTHENTICATE, PAM_PERM_DENIED)};
		const char *answers[] = {NULL};
		struct pamtest_conv_data data = {.in_echo_off = answers};
		enum pamtest_err e;

		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0 || getuid() != NOBODY)
			_exit(255);
		e = run_pamtest(SVC_SSHD, "alice", &data, t, NULL);
		_exit(e == PAMTEST_ERR_OK || e == PAMTEST_ERR_CASE ? t[0].op_rv : 254);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), PAM_PERM_DENIED);
	/* The daemon's refusal, not something on the way. */
	assert_int_equal(harness_log_wait(s->env.log, refused, AUDIT_WAIT_MS), 0);
}

/* The daemon's log (operational lines and audit records) never carries a
 * seed the tests enrolled. */
static void test_no_seed_in_log(void **pstate)
{
	struct state *s = *pstate;

	assert_true(harness_file_contains(s->env.log, "alice"));
	assert_false(harness_file_contains(s->env.log, s->alice->secret_b32));
	assert_false(harness_file_contains(s->env.log, s->carol->secret_b32));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_login_steps_up),
	    cmocka_unit_test(test_known_login_no_prompt),
	    cmocka_unit_test(test_new_source_steps_up),
	    cmocka_unit_test(test_account_only),
	    cmocka_unit_test(test_sudo_fresh_window),
	    /* Sessions belong to the handle and the user that opened them. */
	    cmocka_unit_test(test_session_close_by_kept_id),
	    cmocka_unit_test(test_session_unknown_user),
	    cmocka_unit_test(test_replayed_code),
	    cmocka_unit_test(test_login_id_bound),
	    cmocka_unit_test(test_user_names_canonical),
	    cmocka_unit_test(test_lockout),
	    cmocka_unit_test(test_not_enrolled),
	    cmocka_unit_test(test_daemon_unreachable),
	    cmocka_unit_test(test_non_root_peer),
	    cmocka_unit_test(test_no_seed_in_log),
	};

	if (!getenv("VT_TMP")) {
		fprintf(stderr, "SKIP: run through tests/pam/run.sh\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_vigil.so on pam_wrapper stacks against real vigild instances, one per
 * policy mode, with exact PAM return codes: in-band enrollment of a user
 * with no factor (no_factor=enroll: URI, QR block, first code, then an
 * ordinary step-up), a wrong first code, the enrollment grace period run
 * out, no_factor=allow, shadow mode (a refused login allowed, audited as
 * shadow, and not learned from) and learn mode (a refused login allowed,
 * audited as learn, and learned from).
 *
 * Run by tests/pam/run.sh after tests/pam/test_pam: run.sh writes the
 * configurations etc/pm-MODE.conf and the services vigil-pm-MODE, and starts
 * the no_factor=enroll daemon in pm-enroll/; the other daemons are started
 * here, one per test, from the same tree.  Trusts run.sh.  The enrollment
 * secret is read from the conversation into wiped memory only; no seed or
 * code is printed or given to a cmocka string assertion.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <liboath/oath.h>

#include "client.h"
#include "harness.h"
#include "parse.h"
#include "wipe.h"

/* The policy modes of run.sh: daemon directory $VT_TMP/pm-MODE,
 * configuration $VT_TMP/etc/pm-MODE.conf, PAM service vigil-pm-MODE. */
#define MODE_ENROLL "enroll" /* no_factor=enroll, enroll_grace=86400 (run.sh starts it) */
#define MODE_GRACE  "grace"  /* no_factor=enroll, enroll_grace=1 */
#define MODE_ALLOW  "allow"  /* no_factor=allow */
#define MODE_SHADOW "shadow" /* shadow=yes, stepup_at=100, [network] deny=192.0.2.0/24 */
#define MODE_LEARN  "learn"  /* mode=learn, stepup_at=30, [network] deny=192.0.2.0/24 */

/* Outside the shadow daemon's deny list, and inside it. */
#define SHADOW_ALLOWED_SRC "198.51.100.20"
#define SHADOW_DENIED_SRC  "192.0.2.10"

#define AUDIT_WAIT_MS 5000

#define BLOCK_FULL  "\xe2\x96\x88" /* U+2588 */
#define BLOCK_UPPER "\xe2\x96\x80" /* U+2580 */
#define BLOCK_LOWER "\xe2\x96\x84" /* U+2584 */

/* One daemon of a mode. */
struct mode {
	char name[16];
	char service[32];
	struct harness_daemon d; /* pid -1 when run.sh owns it */
};

struct state {
	struct harness_env env;
	struct mode enroll;
	struct mode other; /* the daemon of the test running, if any */
};

/* A conversation that records what the module said (struct harness_conv)
 * and, at an enrollment prompt with no answer queued, reads the secret from
 * the otpauth:// URI it was shown and answers the current code, or a wrong
 * one. */
struct enroll_conv {
	struct harness_conv rec;
	bool enroll;
	bool wrong;
	unsigned window;
	struct harness_user *user; /* what the URI gave; the caller frees it */
	int error;                 /* why the enrollment answer failed, if it did */
};

struct login_run {
	int auth;    /* -1: not run */
	int account; /* -1: not run */
};

static void enroll_conv_init(struct enroll_conv *e, unsigned window)
{
	memset(e, 0, sizeof(*e));
	harness_conv_init(&e->rec);
	e->window = window;
}

static void enroll_conv_wipe(struct enroll_conv *e)
{
	harness_conv_wipe(&e->rec);
	harness_user_free(e->user);
	e->user = NULL;
}

/* The index of the info message carrying the URI, or -1. */
static int uri_message(const struct harness_conv *c)
{
	unsigned i;

	for (i = 0; i < c->n_info && i < HARNESS_MSGS_MAX; i++)
		if (strncmp(c->info[i], "URI: otpauth://totp/", 20) == 0)
			return (int)i;
	return -1;
}

/* The value of query parameter name= in uri into out (cap bytes). */
static int uri_param(const char *uri, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name), vlen;
	const char *p = strchr(uri, '?');

	while (p) {
		p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			vlen = strcspn(p, "&");
			if (vlen == 0 || vlen >= cap)
				return -EBADMSG;
			memcpy(out, p, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = strchr(p, '&');
	}
	return -ENOENT;
}

static int uri_param_u64(const char *uri, const char *name, uint64_t max, uint64_t *ret)
{
	char v[16];
	int r;

	if ((r = uri_param(uri, name, v, sizeof(v))) < 0)
		return r;
	return parse_u64(v, max, ret);
}

/* The user the URI of the conversation describes, with the code it is
 * asked for now (right or wrong) queued as the answer. */
static int enroll_answer(struct enroll_conv *e)
{
	struct harness_user *u = NULL;
	char code[HARNESS_CODE_MAX];
	const char *uri;
	char *bin = NULL;
	size_t bin_len = 0;
	uint64_t digits, period;
	int64_t step;
	int i, r;

	if ((i = uri_message(&e->rec)) < 0) {
		r = -ENOENT;
		goto out;
	}
	uri = e->rec.info[i] + strlen("URI: ");
	u = calloc(1, sizeof(*u));
	if (!u) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = uri_param(uri, "secret", u->secret_b32, sizeof(u->secret_b32))) < 0 ||
	    (r = uri_param_u64(uri, "digits", 8, &digits)) < 0 || (r = uri_param_u64(uri, "period", 300, &period)) < 0)
		goto out;
	if (digits < 6 || period == 0) {
		r = -EBADMSG;
		goto out;
	}
	if (oath_base32_decode(u->secret_b32, strlen(u->secret_b32), &bin, &bin_len) != OATH_OK) {
		r = -EBADMSG;
		goto out;
	}
	if (bin_len == 0 || bin_len > sizeof(u->secret)) {
		r = -E2BIG;
		goto out;
	}
	memcpy(u->secret, bin, bin_len);
	u->secret_len = bin_len;
	u->digits = (unsigned)digits;
	u->period = (unsigned)period;
	u->window = e->window;

	step = harness_step_now(u);
	r = e->wrong ? harness_code_wrong(u, code, sizeof(code)) : harness_code_at(u, step, code, sizeof(code));
	if (r < 0)
		goto out;
	if ((r = harness_conv_answer(&e->rec, code)) < 0)
		goto out;
	/* The first code becomes the daemon's replay watermark. */
	u->last_step = step;
	u->last_stepup_ms = clock_now_ms();
	harness_user_free(e->user);
	e->user = u;
	u = NULL;
	r = 0;
out:
	WIPE_ARRAY(code);
	wipe_free(bin, bin_len);
	harness_user_free(u);
	return r;
}

static int enroll_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
	struct enroll_conv *e = appdata;
	int i, r;

	if (!e || !msg || n <= 0)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF || !e->enroll || e->rec.next_answer < e->rec.n_answers)
			continue;
		if ((r = enroll_answer(e)) < 0) {
			e->error = r;
			/* Still recorded as a prompt, unanswered. */
			break;
		}
	}
	return harness_conv_fn(n, msg, resp, &e->rec);
}

/* auth, then account if auth succeeded, on a fresh handle whose
 * conversation is e. */
static void login_run(const struct harness_login *l, struct enroll_conv *e, struct login_run *out)
{
	struct pam_conv pc = {.conv = enroll_conv_fn, .appdata_ptr = e};
	pam_handle_t *pamh = NULL;

	out->auth = -1;
	out->account = -1;
	assert_int_equal(harness_pam_start(l, &e->rec, &pamh), 0);
	/* Linux-PAM copies pc. */
	assert_int_equal(pam_set_item(pamh, PAM_CONV, &pc), PAM_SUCCESS);
	out->auth = pam_authenticate(pamh, 0);
	if (out->auth == PAM_SUCCESS)
		out->account = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, out->auth);
}

static struct vigil_status_report *status_of(const struct mode *m, const char *user)
{
	struct vigil_status_report *r = NULL;

	assert_int_equal(harness_status(m->d.socket, user, &r), 0);
	return r;
}

/* Waits for an audit line of m's daemon with every needle. */
static void audit_expect(const struct mode *m, const char *const *needles)
{
	int r = harness_log_wait(m->d.log, needles, AUDIT_WAIT_MS);

	if (r < 0)
		print_error("no audit line with '%s' '%s' '%s' ... in %s\n", needles[0], needles[1], needles[2],
		            m->d.log);
	assert_int_equal(r, 0);
}

/* Paths and service of mode name, as run.sh lays them out. */
static int mode_init(const struct harness_env *env, const char *name, struct mode *ret)
{
	struct mode m = {.d = {.pid = -1}};

	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.service, sizeof(m.service), "vigil-pm-%s", name);
	if ((size_t)snprintf(m.d.socket, sizeof(m.d.socket), "%s/pm-%s/run/" VIGIL_PUBLIC_SOCKET_NAME, env->tmp,
	                     name) >= sizeof(m.d.socket) ||
	    (size_t)snprintf(m.d.log, sizeof(m.d.log), "%s/pm-%s/vigild.log", env->tmp, name) >= sizeof(m.d.log))
		return -ENAMETOOLONG;
	*ret = m;
	return 0;
}

/* Starts the daemon of mode name on its configuration. */
static int mode_start(const struct harness_env *env, const char *name, struct mode *ret)
{
	char dir[HARNESS_PATH_MAX], config[HARNESS_PATH_MAX];
	struct harness_env e = *env;
	struct mode m;
	int r;

	if ((r = mode_init(env, name, &m)) < 0)
		return r;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/pm-%s", env->tmp, name) >= sizeof(dir) ||
	    (size_t)snprintf(config, sizeof(config), "%s/etc/pm-%s.conf", env->tmp, name) >= sizeof(config))
		return -ENAMETOOLONG;
	e.config = config;
	if ((r = harness_daemon_start(&e, dir, &m.d)) < 0) {
		print_error("vigild for %s: %s (see %s/vigild.log)\n", name, strerror(-r), dir);
		return r;
	}
	*ret = m;
	return 0;
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
	if ((r = mode_init(&s->env, MODE_ENROLL, &s->enroll)) < 0)
		goto fail;
	s->other.d.pid = -1;
	*pstate = s;
	return 0;
fail:
	free(s);
	return -1;
}

static int group_teardown(void **pstate)
{
	free(*pstate);
	return 0;
}

static int start_mode(void **pstate, const char *name)
{
	struct state *s = *pstate;

	return mode_start(&s->env, name, &s->other) < 0 ? -1 : 0;
}

static int setup_grace(void **pstate)
{
	return start_mode(pstate, MODE_GRACE);
}

static int setup_allow(void **pstate)
{
	return start_mode(pstate, MODE_ALLOW);
}

static int setup_shadow(void **pstate)
{
	return start_mode(pstate, MODE_SHADOW);
}

static int setup_learn(void **pstate)
{
	return start_mode(pstate, MODE_LEARN);
}

/* Stops the test's daemon even when the test failed. */
static int teardown_mode(void **pstate)
{
	struct state *s = *pstate;
	int r = 0;

	if (s->other.d.pid > 0)
		r = harness_daemon_stop(&s->other.d);
	return r < 0 ? -1 : 0;
}

/* True if every line of text is made of QR half blocks and blanks only, and
 * some line has a block.  Counts the lines into *lines. */
static bool qr_lines(const char *text, unsigned *lines)
{
	const char *p = text;
	bool block = false, line_has = false;

	if (!*p)
		return false;
	while (*p) {
		if (*p == '\n') {
			if (!line_has)
				return false;
			(*lines)++;
			line_has = false;
			p++;
		} else if (*p == ' ') {
			line_has = true;
			p++;
		} else if (strncmp(p, BLOCK_FULL, 3) == 0 || strncmp(p, BLOCK_UPPER, 3) == 0 ||
		           strncmp(p, BLOCK_LOWER, 3) == 0) {
			line_has = block = true;
			p += 3;
		} else {
			return false;
		}
	}
	if (line_has)
		(*lines)++;
	return block;
}

/* What an in-band enrollment conversation must have shown, in order: the
 * reason, the QR block, the URI, the secret, then one echo-off prompt, and
 * after it what tail says ("P" alone, or "PE" for an error after it). */
static void assert_enrollment_shown(const struct enroll_conv *e, const char *tail)
{
	const struct harness_conv *c = &e->rec;
	size_t n = strlen(c->transcript), t = strlen(tail), i;
	unsigned lines = 0;
	int uri;

	assert_int_equal(e->error, 0);
	assert_non_null(e->user);
	/* Every message recorded (none lost past HARNESS_MSGS_MAX). */
	assert_true(c->n_info <= HARNESS_MSGS_MAX);
	assert_int_equal(c->n_prompts, 1);
	assert_true(n >= t + 4);
	for (i = 0; i < n - t; i++)
		assert_int_equal(c->transcript[i], 'I');
	assert_string_equal(c->transcript + n - t, tail);
	assert_string_equal(c->last_prompt, "Verification code: ");
	assert_non_null(strstr(c->info[0], "set up your authenticator app"));

	uri = uri_message(c);
	/* The reason, at least one QR message, the URI, the secret. */
	assert_true(uri >= 2);
	assert_int_equal((unsigned)uri + 2, c->n_info);
	assert_int_equal(strncmp(c->info[uri + 1], "Secret: ", 8), 0);
	for (i = 1; i < (size_t)uri; i++)
		assert_true(qr_lines(c->info[i], &lines));
	/* The smallest QR code has 21 modules: 11 lines of half blocks. */
	assert_true(lines >= 11);
}

/* 1. no_factor=enroll, in the grace period: an unenrolled user on a new key
 * is shown the URI and QR code and asked for the first code; the current
 * code enrolls it (auth and account succeed) and STATUS_QUERY shows an
 * active TOTP factor.  A later login from a new network is then an ordinary
 * TOTP step-up, which the next code passes. */
static void test_enroll_in_band(void **pstate)
{
	struct state *s = *pstate;
	const struct mode *m = &s->enroll;
	struct harness_login first = {.service = m->service,
	                              .user = "erin",
	                              .rhost = "127.0.0.5",
	                              .tty = "ssh",
	                              .key = s->env.key1,
	                              .ssh_connection = "127.0.0.5 50022 127.0.0.1 22"};
	struct harness_login later = {
	    .service = m->service, .user = "erin", .rhost = "10.44.0.9", .tty = "ssh", .key = s->env.key1};
	const char *const activated[] = {"vigild: audit enroll ", " VIGIL_USER=erin ", " VIGIL_RESULT=activated", NULL};
	struct vigil_status_report *st;
	struct harness_user *erin = NULL;
	char code[HARNESS_CODE_MAX];
	struct enroll_conv e;
	struct login_run run;

	st = status_of(m, "erin");
	assert_int_equal(st->n_factors, 0);
	free(st);

	enroll_conv_init(&e, s->env.totp_window);
	e.enroll = true;
	login_run(&first, &e, &run);
	assert_enrollment_shown(&e, "P");
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	erin = e.user;
	e.user = NULL;
	enroll_conv_wipe(&e);
	audit_expect(m, activated);

	st = status_of(m, "erin");
	assert_int_equal(st->n_factors, 1);
	assert_int_equal(st->factors[0].type, VIGIL_FACTOR_TOTP);
	assert_true(harness_status_has_device(st, s->env.key1_fp));
	assert_true(harness_status_has_source(st, "127.0.0.5"));
	free(st);

	/* Known key, new /24: a TOTP prompt, not an enrollment. */
	enroll_conv_init(&e, s->env.totp_window);
	assert_int_equal(harness_code_next(erin, code, sizeof(code)), 0);
	assert_int_equal(harness_conv_answer(&e.rec, code), 0);
	WIPE_ARRAY(code);
	login_run(&later, &e, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_string_equal(e.rec.transcript, "IP");
	assert_string_equal(e.rec.last_prompt, "Verification code: ");
	assert_true(harness_conv_said(&e.rec, PAM_TEXT_INFO, "this login looks new"));
	assert_true(harness_conv_said(&e.rec, PAM_TEXT_INFO, "new network"));
	assert_false(harness_conv_said(&e.rec, PAM_TEXT_INFO, "otpauth://"));
	assert_false(harness_conv_said(&e.rec, PAM_TEXT_INFO, "authenticator app now"));
	enroll_conv_wipe(&e);
	harness_user_free(erin);

	st = status_of(m, "erin");
	assert_int_equal(st->n_factors, 1);
	assert_true(harness_status_has_source(st, "10.44.0.9"));
	free(st);
}

/* 2. no_factor=enroll with a wrong first code: refused, and the factor
 * shown is not activated. */
static void test_enroll_wrong_code(void **pstate)
{
	struct state *s = *pstate;
	const struct mode *m = &s->enroll;
	struct harness_login l = {
	    .service = m->service, .user = "frank", .rhost = "127.0.0.6", .tty = "ssh", .key = s->env.key1};
	const char *const failed[] = {"vigild: audit stepup ", " VIGIL_USER=frank ", " VIGIL_RESULT=bad_code", NULL};
	struct vigil_status_report *st;
	struct enroll_conv e;
	struct login_run run;

	enroll_conv_init(&e, s->env.totp_window);
	e.enroll = true;
	e.wrong = true;
	login_run(&l, &e, &run);
	assert_enrollment_shown(&e, "PE");
	assert_int_equal(run.auth, PAM_AUTH_ERR);
	assert_int_equal(run.account, -1);
	assert_true(harness_conv_said(&e.rec, PAM_ERROR_MSG, "that code is not valid"));
	enroll_conv_wipe(&e);
	audit_expect(m, failed);

	st = status_of(m, "frank");
	assert_int_equal(st->n_factors, 0);
	assert_false(harness_status_has_device(st, s->env.key1_fp));
	free(st);
}

/* 3. no_factor=enroll with enroll_grace=1 from today's date: the grace is
 * over, so an unenrolled user is refused with the text naming vigilctl,
 * without a prompt, however new the user is to vigild: the clock is the
 * admin's date, not the first attempt naming the user.  And an enrollment is
 * never offered outside an sshd publickey login (su, sudo: no address, no
 * key), even within the grace (the enroll daemon). */
static void test_enroll_grace_expired(void **pstate)
{
	struct state *s = *pstate;
	const struct mode *m = &s->other;
	struct harness_login l = {
	    .service = m->service, .user = "gina", .rhost = "127.0.0.7", .tty = "ssh", .key = s->env.key1};
	struct harness_login su = {.service = s->enroll.service, .user = "ivan", .tty = "/dev/pts/9"};
	struct vigil_status_report *st;
	struct enroll_conv e;
	struct login_run run;

	enroll_conv_init(&e, s->env.totp_window);
	login_run(&l, &e, &run);
	assert_int_equal(run.auth, PAM_AUTH_ERR);
	assert_int_equal(e.rec.n_prompts, 0);
	assert_int_equal(e.rec.n_info, 0);
	assert_true(harness_conv_said(&e.rec, PAM_ERROR_MSG, "vigilctl totp enroll"));
	enroll_conv_wipe(&e);

	enroll_conv_init(&e, s->env.totp_window);
	login_run(&su, &e, &run);
	assert_int_equal(run.auth, PAM_AUTH_ERR);
	assert_int_equal(e.rec.n_prompts, 0);
	assert_true(uri_message(&e.rec) < 0);
	assert_true(harness_conv_said(&e.rec, PAM_ERROR_MSG, "vigilctl totp enroll"));
	enroll_conv_wipe(&e);
	st = status_of(&s->enroll, "ivan");
	assert_int_equal(st->n_factors, 0);
	free(st);
}

/* 4. no_factor=allow: an unenrolled user on a new key, who would have to
 * step up, is let in without a prompt; the decision is audited with method
 * no_factor. */
static void test_no_factor_allow(void **pstate)
{
	struct state *s = *pstate;
	const struct mode *m = &s->other;
	struct harness_login l = {
	    .service = m->service, .user = "hank", .rhost = "127.0.0.8", .tty = "ssh", .key = s->env.key1};
	const char *const allowed[] = {"vigild: audit decision ",
	                               " VIGIL_USER=hank ",
	                               " VIGIL_DECISION=allow ",
	                               " VIGIL_METHOD=no_factor ",
	                               " VIGIL_SIGNALS=",
	                               "new_device",
	                               NULL};
	struct vigil_status_report *st;
	struct enroll_conv e;
	struct login_run run;

	enroll_conv_init(&e, s->env.totp_window);
	login_run(&l, &e, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(e.rec.n_prompts, 0);
	assert_int_equal(e.rec.n_error, 0);
	enroll_conv_wipe(&e);
	audit_expect(m, allowed);

	st = status_of(m, "hank");
	assert_int_equal(st->n_factors, 0);
	free(st);
}

/* 5. shadow=yes: a login from a network on the deny list is allowed, the
 * would-be denial is audited with VIGIL_SHADOW=1, and neither its key nor its
 * source is learned.  A login the policy allows, on the same daemon, is
 * learned: the report can show what the shadow login did not teach. */
static void test_shadow(void **pstate)
{
	struct state *s = *pstate;
	const struct mode *m = &s->other;
	struct harness_login ok = {
	    .service = m->service, .user = "ivan", .rhost = SHADOW_ALLOWED_SRC, .tty = "ssh", .key = s->env.key2};
	struct harness_login denied = {
	    .service = m->service, .user = "ivan", .rhost = SHADOW_DENIED_SRC, .tty = "ssh", .key = s->env.key1};
	const char *const would_deny[] = {"vigild: audit decision ",
	                                  " VIGIL_USER=ivan ",
	                                  " VIGIL_RHOST=" SHADOW_DENIED_SRC " ",
	                                  " VIGIL_DECISION=deny ",
	                                  " VIGIL_REASON=network ",
	                                  " VIGIL_SHADOW=1",
	                                  NULL};
	struct vigil_status_report *st;
	struct enroll_conv e;
	struct login_run run;

	enroll_conv_init(&e, s->env.totp_window);
	login_run(&ok, &e, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(e.rec.n_prompts, 0);
	enroll_conv_wipe(&e);
	st = status_of(m, "ivan");
	assert_true(harness_status_has_device(st, s->env.key2_fp));
	assert_true(harness_status_has_source(st, SHADOW_ALLOWED_SRC));
	free(st);

	enroll_conv_init(&e, s->env.totp_window);
	login_run(&denied, &e, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(e.rec.n_prompts, 0);
	assert_int_equal(e.rec.n_error, 0);
	enroll_conv_wipe(&e);
	audit_expect(m, would_deny);

	st = status_of(m, "ivan");
	assert_false(harness_status_has_device(st, s->env.key1_fp));
	assert_false(harness_status_has_source(st, SHADOW_DENIED_SRC));
	/* Still what the allowed login taught. */
	assert_true(harness_status_has_device(st, s->env.key2_fp));
	free(st);
}

/* 6. mode=learn: a login enforcement would deny (its source is on the deny
 * list, its key and address new) is allowed without a prompt; the would-be
 * denial is audited with VIGIL_MODE=learn, the allow with reason learn; and
 * unlike shadow mode its key and source are learned, with no grant (no
 * factor was proved).  Status marks the login as learn's. */
static void test_learn(void **pstate)
{
	struct state *s = *pstate;
	const struct mode *m = &s->other;
	struct harness_login denied = {
	    .service = m->service, .user = "judy", .rhost = SHADOW_DENIED_SRC, .tty = "ssh", .key = s->env.key1};
	const char *const would_deny[] = {"vigild: audit decision ",
	                                  " VIGIL_USER=judy ",
	                                  " VIGIL_RHOST=" SHADOW_DENIED_SRC " ",
	                                  " VIGIL_DECISION=deny ",
	                                  " VIGIL_REASON=network ",
	                                  " VIGIL_ENFORCED=0 ",
	                                  " VIGIL_MODE=learn",
	                                  NULL};
	const char *const allowed[] = {"vigild: audit decision ",
	                               " VIGIL_USER=judy ",
	                               " VIGIL_DECISION=allow ",
	                               " VIGIL_REASON=learn ",
	                               " VIGIL_METHOD=learn ",
	                               " VIGIL_MODE=learn",
	                               NULL};
	struct vigil_status_report *st;
	struct enroll_conv e;
	struct login_run run;

	enroll_conv_init(&e, s->env.totp_window);
	login_run(&denied, &e, &run);
	assert_int_equal(run.auth, PAM_SUCCESS);
	assert_int_equal(run.account, PAM_SUCCESS);
	assert_int_equal(e.rec.n_prompts, 0);
	assert_int_equal(e.rec.n_error, 0);
	enroll_conv_wipe(&e);
	audit_expect(m, would_deny);
	audit_expect(m, allowed);

	st = status_of(m, "judy");
	assert_true(harness_status_has_device(st, s->env.key1_fp));
	assert_true(harness_status_has_source(st, SHADOW_DENIED_SRC));
	assert_int_equal(st->n_grants, 0);
	assert_true(st->n_logins >= 1);
	assert_int_equal(st->logins[0].shadow, VIGIL_SHADOW_LEARN_DENY);
	assert_int_equal(st->logins[0].reason, VIGIL_REASON_NETWORK);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enroll_in_band),
	    cmocka_unit_test(test_enroll_wrong_code),
	    cmocka_unit_test_setup_teardown(test_enroll_grace_expired, setup_grace, teardown_mode),
	    cmocka_unit_test_setup_teardown(test_no_factor_allow, setup_allow, teardown_mode),
	    cmocka_unit_test_setup_teardown(test_shadow, setup_shadow, teardown_mode),
	    cmocka_unit_test_setup_teardown(test_learn, setup_learn, teardown_mode),
	};

	if (!getenv("VT_TMP")) {
		fprintf(stderr, "SKIP: run through tests/pam/run.sh\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

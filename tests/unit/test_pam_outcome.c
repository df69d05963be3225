/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the parts of pam_vigil.so that decide and say things without
 * a daemon: the outcome -> PAM code table (every row, and a sweep showing no
 * failure maps to PAM_SUCCESS or PAM_IGNORE), the pam.d argument parser, the
 * texts rendered from codes, and the conversation helpers (long texts split
 * into PAM-sized messages, answers bounded, conversation failures reported).
 * The conversation tests use a real libpam handle started on an empty
 * service file in a temporary directory (pam_start_confdir), so nothing under
 * /etc/pam.d is read.  Secrets used here are fake and never printed.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <security/pam_appl.h>
#include <security/pam_modules.h>
#include <cmocka.h>

#include "args.h"
#include "conv.h"
#include "fido2.h"
#include "fido2_helper.h"
#include "outcome.h"
#include "touch.h"
#include "vigil/proto.h"

/* ------------------------------------------------------------ outcome ---- */

static const int phases[] = {VIGIL_PHASE_AUTH, VIGIL_PHASE_ACCOUNT, VIGIL_PHASE_SESSION};

static void test_outcome_success_only_allow_and_fail_open(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		assert_int_equal(outcome_pam_code(phases[i], VIGIL_KIND_ALLOW, 0), PAM_SUCCESS);
		assert_int_equal(outcome_pam_code(phases[i], VIGIL_KIND_FAIL_OPEN, 0), PAM_SUCCESS);
		/* The value is ignored for ALLOW: an errno does not turn it. */
		assert_int_equal(outcome_pam_code(phases[i], VIGIL_KIND_ALLOW, -EIO), PAM_SUCCESS);
	}
}

static void test_outcome_auth_table(void **state)
{
	int p = VIGIL_PHASE_AUTH;
	uint16_t reason;

	for (reason = 0; reason < VIGIL_REASON_MAX_; reason++)
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_DENY, reason),
		                 reason == VIGIL_REASON_PERMISSION     ? PAM_PERM_DENIED
		                 : reason == VIGIL_REASON_UNKNOWN_USER ? PAM_USER_UNKNOWN
		                                                       : PAM_AUTH_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -ENOENT), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -ECONNREFUSED), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -ETIMEDOUT), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -ECONNRESET), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, ETIMEDOUT), PAM_AUTHINFO_UNAVAIL);
	/* A listen backlog kept full: fails closed, as unavailable. */
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -EAGAIN), PAM_AUTHINFO_UNAVAIL);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -ENOMEM), PAM_BUF_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -EPERM), PAM_AUTH_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -EBADMSG), PAM_AUTH_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -EPROTO), PAM_AUTH_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -E2BIG), PAM_AUTH_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, 0), PAM_AUTH_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, INT_MIN), PAM_AUTH_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_CONV_ERROR, 0), PAM_CONV_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_BAD_ARGS, 0), PAM_SERVICE_ERR);
	assert_int_equal(outcome_pam_code(p, VIGIL_KIND_USER_UNKNOWN, 0), PAM_USER_UNKNOWN);
	assert_int_equal(outcome_pam_code(p, 0, 0), PAM_AUTH_ERR);
	assert_int_equal(outcome_pam_code(p, 99, 0), PAM_AUTH_ERR);
}

static void test_outcome_account_session_table(void **state)
{
	static const struct {
		int phase, failure;
	} rows[] = {{VIGIL_PHASE_ACCOUNT, PAM_PERM_DENIED}, {VIGIL_PHASE_SESSION, PAM_SESSION_ERR}};
	uint16_t reason;
	size_t i;

	for (i = 0; i < 2; i++) {
		int p = rows[i].phase, f = rows[i].failure;

		for (reason = 0; reason < VIGIL_REASON_MAX_; reason++)
			assert_int_equal(outcome_pam_code(p, VIGIL_KIND_DENY, reason), f);
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -ENOENT), f);
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -ETIMEDOUT), f);
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -EPERM), f);
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -EBADMSG), f);
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, -ENOMEM), PAM_BUF_ERR);
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_ERROR, ENOMEM), PAM_BUF_ERR);
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_CONV_ERROR, 0), f);
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_USER_UNKNOWN, 0), f);
		assert_int_equal(outcome_pam_code(p, VIGIL_KIND_BAD_ARGS, 0), PAM_SERVICE_ERR);
		assert_int_equal(outcome_pam_code(p, 0, 0), f);
		assert_int_equal(outcome_pam_code(p, -1, 0), f);
	}
}

static void test_outcome_unknown_phase_fails(void **state)
{
	static const int bad_phases[] = {0, 4, -1, 1000, INT_MIN};
	int kind;
	size_t i;

	for (i = 0; i < sizeof(bad_phases) / sizeof(bad_phases[0]); i++)
		for (kind = -1; kind <= 10; kind++)
			assert_int_equal(outcome_pam_code(bad_phases[i], kind, 0), PAM_AUTH_ERR);
}

/* Every failure kind, in every phase (and some that are not phases), with
 * every errno 1..200 either sign and every reason: never a success, never
 * PAM_IGNORE.  And nothing at all ever maps to PAM_IGNORE. */
static void test_outcome_sweep_never_success(void **state)
{
	static const int kinds[] = {VIGIL_KIND_DENY,
	                            VIGIL_KIND_ERROR,
	                            VIGIL_KIND_CONV_ERROR,
	                            VIGIL_KIND_BAD_ARGS,
	                            VIGIL_KIND_USER_UNKNOWN,
	                            0,
	                            8,
	                            -1,
	                            INT_MAX};
	static const int all_phases[] = {VIGIL_PHASE_AUTH, VIGIL_PHASE_ACCOUNT, VIGIL_PHASE_SESSION, 0, 4, -1};
	size_t p, k;
	int e, code, n = 0;

	for (p = 0; p < sizeof(all_phases) / sizeof(all_phases[0]); p++) {
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			for (e = -200; e <= 200; e++) {
				code = outcome_pam_code(all_phases[p], kinds[k], e);
				assert_int_not_equal(code, PAM_SUCCESS);
				assert_int_not_equal(code, PAM_IGNORE);
				n++;
			}
			for (e = 0; e <= VIGIL_REASON_MAX_ + 4; e++) {
				code = outcome_pam_code(all_phases[p], kinds[k], e);
				assert_int_not_equal(code, PAM_SUCCESS);
				assert_int_not_equal(code, PAM_IGNORE);
			}
		}
		for (e = -200; e <= 200; e++) {
			assert_int_not_equal(outcome_pam_code(all_phases[p], VIGIL_KIND_ALLOW, e), PAM_IGNORE);
			assert_int_not_equal(outcome_pam_code(all_phases[p], VIGIL_KIND_FAIL_OPEN, e), PAM_IGNORE);
		}
	}
	assert_int_equal(n, 6 * 9 * 401);
}

static void test_outcome_unreachable(void **state)
{
	assert_true(outcome_errno_is_unreachable(-ENOENT));
	assert_true(outcome_errno_is_unreachable(-ECONNREFUSED));
	assert_true(outcome_errno_is_unreachable(-ETIMEDOUT));
	assert_true(outcome_errno_is_unreachable(-ECONNRESET));
	assert_false(outcome_errno_is_unreachable(-EPERM));
	assert_false(outcome_errno_is_unreachable(-EBADMSG));
	assert_false(outcome_errno_is_unreachable(-EPROTO));
	assert_false(outcome_errno_is_unreachable(0));
}

/* failmode=open applies only to a daemon that is not there: a busy or
 * flooded one (-EAGAIN, -ETIMEDOUT) or one that hung up is still there. */
static void test_outcome_absent(void **state)
{
	int e;

	assert_true(outcome_errno_is_absent(-ENOENT));
	assert_true(outcome_errno_is_absent(-ECONNREFUSED));
	assert_true(outcome_errno_is_absent(ECONNREFUSED));
	assert_false(outcome_errno_is_absent(-EAGAIN));
	assert_false(outcome_errno_is_absent(-ETIMEDOUT));
	assert_false(outcome_errno_is_absent(-ECONNRESET));
	assert_false(outcome_errno_is_absent(-EPERM));
	assert_false(outcome_errno_is_absent(0));
	/* Nothing else in the errno range. */
	for (e = -200; e <= 200; e++)
		if (e != -ENOENT && e != -ECONNREFUSED && e != ENOENT && e != ECONNREFUSED)
			assert_false(outcome_errno_is_absent(e));
}

/* --------------------------------------------------------------- args ---- */

static int parse(int argc, const char **argv, struct module_args *a, char *err, size_t cap)
{
	return args_parse(argc, argv, a, err, cap);
}

static void test_args_defaults(void **state)
{
	struct module_args a;
	char err[128];

	assert_int_equal(parse(0, NULL, &a, err, sizeof(err)), 0);
	/* The root-only PAM socket, not the public self-service one. */
	assert_string_equal(a.socket, VIGIL_DEFAULT_PAM_SOCKET);
	assert_string_equal(a.socket, "/run/vigil/pam.sock");
	assert_int_equal(a.timeout_ms, 5000);
	assert_false(a.fail_open);
	assert_false(a.debug);
	assert_null(a.fido2_helper);
}

static void test_args_good(void **state)
{
	const char *argv[] = {"socket=/tmp/v/vigild.sock", "timeout=60", "failmode=open", "debug",
	                      "fido2_helper=/opt/vigil/vigil-fido2"};
	const char *argv2[] = {"failmode=closed", "timeout=1"};
	struct module_args a;
	char err[128];

	assert_int_equal(parse(5, argv, &a, err, sizeof(err)), 0);
	assert_string_equal(a.fido2_helper, "/opt/vigil/vigil-fido2");
	assert_string_equal(a.socket, "/tmp/v/vigild.sock");
	assert_int_equal(a.timeout_ms, 60000);
	assert_true(a.fail_open);
	assert_true(a.debug);

	assert_int_equal(parse(2, argv2, &a, err, sizeof(err)), 0);
	assert_string_equal(a.socket, VIGIL_DEFAULT_PAM_SOCKET);
	assert_int_equal(a.timeout_ms, 1000);
	assert_false(a.fail_open);
	assert_false(a.debug);
}

static void test_args_bad(void **state)
{
	char long_path[160];
	static const char *const bad[] = {
	    "timeout=0",
	    "timeout=61",
	    "timeout=5s",
	    "timeout=-1",
	    "timeout=+5",
	    "timeout=",
	    "timeout= 5",
	    "timeout=99999999999999999999",
	    "failmode=",
	    "failmode=Open",
	    "failmode=closed ",
	    "failmode=fail",
	    "socket=",
	    "socket=run/vigild.sock",
	    "debug=1",
	    "Debug",
	    "socket",
	    "timeout",
	    "failmod=open",
	    "",
	    "nodebug",
	    "socket =/run/x",
	    "fido2_helper=",
	    "fido2_helper=vigil-fido2",
	    "fido2_helper=/",
	    "fido2_helper=/usr/libexec/vigil/",
	    "fido2_helper=/usr//libexec/vigil-fido2",
	    "fido2_helper=/usr/libexec/../bin/sh",
	    "fido2_helper=/usr/./x",
	    "fido2_helper=/usr/..",
	};
	struct module_args a, before;
	char err[128];
	const char *argv[1];
	size_t i;

	memset(&before, 0xa5, sizeof(before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argv[0] = bad[i];
		a = before;
		assert_int_equal(parse(1, argv, &a, err, sizeof(err)), -EINVAL);
		/* Nothing written on failure, and the reason names the argument. */
		assert_memory_equal(&a, &before, sizeof(a));
		assert_non_null(strstr(err, bad[i]));
	}

	/* sun_path holds 108 bytes with the NUL. */
	memset(long_path, 'a', sizeof(long_path));
	memcpy(long_path, "socket=/", 8);
	long_path[7 + 108] = '\0';
	argv[0] = long_path;
	assert_int_equal(parse(1, argv, &a, err, sizeof(err)), -EINVAL);
	long_path[7 + 107] = '\0';
	assert_int_equal(parse(1, argv, &a, err, sizeof(err)), 0);
	assert_int_equal(strlen(a.socket), 107);
}

static void test_args_repeated_and_null(void **state)
{
	const char *twice[] = {"failmode=closed", "failmode=open"};
	const char *twice_debug[] = {"debug", "debug"};
	const char *with_null[] = {"debug", NULL};
	struct module_args a;
	char err[128], tiny[4];

	assert_int_equal(parse(2, twice, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(parse(2, twice_debug, &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse(2, with_null, &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse(1, NULL, &a, err, sizeof(err)), -EINVAL);
	assert_int_equal(parse(-1, NULL, &a, err, sizeof(err)), -EINVAL);
	/* A small error buffer is still terminated; none at all is fine. */
	assert_int_equal(parse(2, twice, &a, tiny, sizeof(tiny)), -EINVAL);
	assert_int_equal(strlen(tiny), 3);
	assert_int_equal(parse(2, twice, &a, NULL, 0), -EINVAL);
}

/* -------------------------------------------------------------- texts ---- */

static void test_signal_words(void **state)
{
	char out[256];

	assert_int_equal(conv_signals_words(0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(conv_signals_words(VIGIL_SIGNAL_NEW_DEVICE, out, sizeof(out)), 1);
	assert_string_equal(out, "new device");
	assert_int_equal(conv_signals_words(VIGIL_SIGNAL_NEW_SOURCE | VIGIL_SIGNAL_NEW_PREFIX, out, sizeof(out)), 2);
	assert_string_equal(out, "new source address, new network");
	/* The two failure signals are said once. */
	assert_int_equal(
	    conv_signals_words(VIGIL_SIGNAL_USER_FAILURES | VIGIL_SIGNAL_SOURCE_FAILURES, out, sizeof(out)), 1);
	assert_string_equal(out, "recent failed attempts");
	assert_int_equal(conv_signals_words(VIGIL_SIGNAL_SOURCE_FAILURES, out, sizeof(out)), 1);
	assert_string_equal(out, "recent failed attempts");
	assert_int_equal(conv_signals_words(0xffffffffU, out, sizeof(out)), 7);
	assert_string_equal(out, "new device, new source address, new network, account unused for a while, "
	                         "device unused for a while, recent failed attempts, privileged command");
	/* Unknown bits are ignored. */
	assert_int_equal(conv_signals_words(1U << 30, out, sizeof(out)), 0);
	assert_int_equal(conv_signals_words(VIGIL_SIGNAL_STALE_ACCOUNT | VIGIL_SIGNAL_STALE_DEVICE, out, 10), -E2BIG);
	assert_true(strlen(out) < 10);
	assert_int_equal(conv_signals_words(VIGIL_SIGNAL_PRIVILEGED, out, 0), -E2BIG);
}

static void test_prompt_info(void **state)
{
	struct vigil_prompt p = {.kind = VIGIL_PROMPT_TOTP, .digits = 6};
	char out[512];

	p.why = VIGIL_WHY_RISK;
	p.signals = VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_PRIVILEGED;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: this login looks new (new device, privileged command). "
	                         "Enter a code from your authenticator app.");
	p.signals = 0;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: this login looks new. Enter a code from your authenticator app.");

	p.why = VIGIL_WHY_FRESH;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: this privileged action needs a recent second factor.");

	p.why = VIGIL_WHY_RETRY;
	p.attempts_left = 4;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out,
	                    "Vigil: a recent code for this account was wrong; 4 attempts left before it is locked.");

	p.why = VIGIL_WHY_ENROLL;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: set up your authenticator app now: scan this QR code or enter the secret, "
	                         "then type the first code.");

	p.why = VIGIL_WHY_MAX_;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), -EBADMSG);
	p.why = 200;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), -EBADMSG);
	p.why = VIGIL_WHY_FRESH;
	assert_int_equal(conv_prompt_info(&p, out, 10), -E2BIG);
}

static void test_prompt_info_methods(void **state)
{
	const uint8_t totp = VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP), rec = VIGIL_METHOD_BIT(VIGIL_FACTOR_RECOVERY);
	struct vigil_prompt p = {.kind = VIGIL_PROMPT_TOTP, .why = VIGIL_WHY_RISK, .digits = 6};
	char out[512];

	p.methods = rec;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: this login looks new. Enter one of your recovery codes.");
	p.methods = totp | rec;
	p.signals = VIGIL_SIGNAL_NEW_SOURCE;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: this login looks new (new source address). Enter a code from your "
	                         "authenticator app, or a recovery code.");
	p.methods = totp;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: this login looks new (new source address). Enter a code from your "
	                         "authenticator app.");

	/* A privileged action: recovery codes must be named, TOTP need not. */
	p.why = VIGIL_WHY_FRESH;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: this privileged action needs a recent second factor.");
	p.methods = rec;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(
	    out, "Vigil: this privileged action needs a recent second factor. Enter one of your recovery codes.");

	/* After a failure likewise. */
	p.why = VIGIL_WHY_RETRY;
	p.attempts_left = 1;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: a recent code for this account was wrong; 1 attempt left before it is locked. "
	                         "Enter one of your recovery codes.");
	p.methods = totp;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out,
	                    "Vigil: a recent code for this account was wrong; 1 attempt left before it is locked.");

	/* The key was not used: a code instead, of the kinds offered. */
	p.why = VIGIL_WHY_FALLBACK;
	p.methods = totp | rec;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: your security key was not used; enter a code instead. Enter a code from your "
	                         "authenticator app, or a recovery code.");
	p.methods = rec;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(
	    out, "Vigil: your security key was not used; enter a code instead. Enter one of your recovery codes.");
	/* vigilctl's proof prompt is never a login's. */
	p.why = VIGIL_WHY_PROOF;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), -EBADMSG);
}

static void test_prompt_info_fido2(void **state)
{
	struct vigil_prompt p = {.kind = VIGIL_PROMPT_FIDO2, .why = VIGIL_WHY_RISK};
	char out[512];

	/* Why a key is asked, never "touch": the helper's line says when. */
	p.signals = VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_PRIVILEGED;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(
	    out, "Vigil: this login looks new (new device, privileged command); it needs your security key.");
	p.signals = 0;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: this login looks new; it needs your security key.");
	p.why = VIGIL_WHY_FRESH;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: this privileged action needs a recent second factor: your security key.");
	p.why = VIGIL_WHY_RETRY;
	p.attempts_left = 1;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(
	    out, "Vigil: a recent second factor for this account failed; 1 attempt left before it is locked.");
	p.attempts_left = 4;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(
	    out, "Vigil: a recent second factor for this account failed; 4 attempts left before it is locked.");
	p.why = VIGIL_WHY_REPLAY;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), 0);
	assert_string_equal(out, "Vigil: the security key's last answer was already used; it is asked again.");
	for (uint8_t why = 0; why < VIGIL_WHY_MAX_; why++) {
		p.why = why;
		if (conv_prompt_info(&p, out, sizeof(out)) == 0)
			assert_null(strcasestr(out, "touch"));
	}
	/* A touch is never an enrollment screen nor a fallback. */
	p.why = VIGIL_WHY_ENROLL;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), -EBADMSG);
	p.why = VIGIL_WHY_FALLBACK;
	assert_int_equal(conv_prompt_info(&p, out, sizeof(out)), -EBADMSG);
	p.why = VIGIL_WHY_RISK;
	assert_int_equal(conv_prompt_info(&p, out, 20), -E2BIG);
}

static void test_recovery_info(void **state)
{
	char out[256];

	assert_int_equal(conv_recovery_info(7, out, sizeof(out)), 0);
	assert_string_equal(out,
	                    "Vigil: recovery code accepted; 7 left. Make new ones with 'vigilctl recovery generate'.");
	assert_int_equal(conv_recovery_info(0, out, sizeof(out)), 0);
	assert_string_equal(
	    out, "Vigil: recovery code accepted; none left. Make new ones with 'vigilctl recovery generate'.");
	assert_int_equal(conv_recovery_info(1, out, 16), -E2BIG);
}

static void test_fido2_status_wire(void **state)
{
	/* Each helper outcome keeps its meaning on the wire; what has none
	 * there is INTERNAL, never OK. */
	assert_int_equal(fido2_status_wire(FIDO2_OK), VIGIL_FIDO2_OK);
	assert_int_equal(fido2_status_wire(FIDO2_NO_DEVICE), VIGIL_FIDO2_NO_DEVICE);
	assert_int_equal(fido2_status_wire(FIDO2_TIMEOUT), VIGIL_FIDO2_TIMEOUT);
	assert_int_equal(fido2_status_wire(FIDO2_PIN_REQUIRED), VIGIL_FIDO2_PIN_REQUIRED);
	assert_int_equal(fido2_status_wire(FIDO2_PIN_INVALID), VIGIL_FIDO2_PIN_INVALID);
	assert_int_equal(fido2_status_wire(FIDO2_PIN_BLOCKED), VIGIL_FIDO2_PIN_BLOCKED);
	assert_int_equal(fido2_status_wire(FIDO2_NO_CREDENTIAL), VIGIL_FIDO2_NO_CREDENTIAL);
	assert_int_equal(fido2_status_wire(FIDO2_UV_UNSUPPORTED), VIGIL_FIDO2_UV_UNSUPPORTED);
	assert_int_equal(fido2_status_wire(FIDO2_CANCELLED), VIGIL_FIDO2_CANCELLED);
	assert_int_equal(fido2_status_wire(FIDO2_EXCLUDED), VIGIL_FIDO2_INTERNAL);
	assert_int_equal(fido2_status_wire(FIDO2_INTERNAL), VIGIL_FIDO2_INTERNAL);
	assert_int_equal(fido2_status_wire(-1), VIGIL_FIDO2_INTERNAL);
	assert_int_equal(fido2_status_wire(FIDO2_STATUS_COUNT_), VIGIL_FIDO2_INTERNAL);
}

static void test_deny_texts(void **state)
{
	uint16_t reason;

	assert_string_equal(conv_deny_text(VIGIL_REASON_NOT_ENROLLED),
	                    "Vigil: this login needs a second factor and you have none. Enroll one with "
	                    "'vigilctl totp enroll' from a session that does not need it, or ask your administrator.");
	assert_string_equal(conv_deny_text(VIGIL_REASON_LOCKED), "Vigil: too many failed codes; try again later.");
	assert_string_equal(conv_deny_text(VIGIL_REASON_NETWORK), "Vigil: login refused by policy.");
	assert_string_equal(conv_deny_text(VIGIL_REASON_RISK), "Vigil: login refused by policy.");
	assert_non_null(strstr(conv_deny_text(VIGIL_REASON_STEPUP_NOT_DONE),
	                       "a second factor is required but this login did not offer one; the administrator must "
	                       "set 'AuthenticationMethods publickey,keyboard-interactive' in sshd_config"));
	assert_non_null(strstr(conv_deny_text(VIGIL_REASON_SESSION_LIMIT), "too many open sessions"));
	assert_string_equal(conv_deny_text(VIGIL_REASON_STEPUP_FAILED),
	                    "Vigil: that code is not valid (wrong, already used, or expired).");
	assert_string_equal(conv_deny_text(VIGIL_REASON_PERMISSION), "Vigil: login refused.");
	assert_string_equal(conv_deny_text(VIGIL_REASON_INTERNAL), "Vigil: login refused.");
	assert_string_equal(conv_deny_text(9999), "Vigil: login refused.");
	/* The security key texts say what happened and what to do. */
	assert_non_null(strstr(conv_deny_text(VIGIL_REASON_NO_USABLE_FACTOR), "security key works only"));
	assert_non_null(strstr(conv_deny_text(VIGIL_REASON_NO_USABLE_FACTOR), "'vigilctl totp enroll'"));
	assert_string_equal(conv_deny_text(VIGIL_REASON_KEY_NOT_USED),
	                    "Vigil: your security key was not used (none found, not touched in time, or its PIN was "
	                    "refused), and no code can be used instead.");
	assert_string_equal(conv_deny_text(VIGIL_REASON_SUSPENDED),
	                    "Vigil: this account is suspended; ask your administrator.");
	for (reason = 0; reason < VIGIL_REASON_MAX_ + 3; reason++)
		assert_true(strncmp(conv_deny_text(reason), "Vigil: ", 7) == 0);
}

/* ------------------------------------------------------- conversation ---- */

#define REC_MAX 128

/* What the fake application saw, and what it answers. */
static struct {
	int n;
	int style[REC_MAX];
	char *text[REC_MAX];
	int fail;           /* return PAM_CONV_ERR */
	int no_resp;        /* return PAM_SUCCESS without a reply */
	const char *answer; /* for PAM_PROMPT_ECHO_OFF */
} rec;

static int rec_conv(int n, const struct pam_message **msg, struct pam_response **ret_resp, void *data)
{
	struct pam_response *resp;
	int i;

	if (rec.fail)
		return PAM_CONV_ERR;
	resp = calloc((size_t)n, sizeof(*resp));
	if (!resp)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		assert_true(rec.n < REC_MAX);
		rec.style[rec.n] = msg[i]->msg_style;
		rec.text[rec.n] = strdup(msg[i]->msg);
		assert_non_null(rec.text[rec.n]);
		rec.n++;
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF && rec.answer) {
			resp[i].resp = strdup(rec.answer);
			assert_non_null(resp[i].resp);
		}
	}
	if (rec.no_resp) {
		for (i = 0; i < n; i++)
			free(resp[i].resp);
		free(resp);
		resp = NULL;
	}
	*ret_resp = resp;
	return PAM_SUCCESS;
}

static void rec_reset(void)
{
	int i;

	for (i = 0; i < rec.n; i++)
		free(rec.text[i]);
	memset(&rec, 0, sizeof(rec));
}

struct pamfix {
	pam_handle_t *pamh;
	char dir[64];
	char file[96];
};

static int pam_setup(void **state)
{
	static const struct pam_conv conv = {rec_conv, NULL};
	struct pamfix *f = calloc(1, sizeof(*f));
	FILE *fp;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vigil-test-conv.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->file, sizeof(f->file), "%s/vigil-unit", f->dir);
	/* An empty stack: the handle only carries the conversation. */
	fp = fopen(f->file, "w");
	if (!fp)
		return -1;
	fclose(fp);
	if (pam_start_confdir("vigil-unit", "alice", &conv, f->dir, &f->pamh) != PAM_SUCCESS)
		return -1;
	rec_reset();
	*state = f;
	return 0;
}

static int pam_teardown(void **state)
{
	struct pamfix *f = *state;

	rec_reset();
	pam_end(f->pamh, PAM_SUCCESS);
	unlink(f->file);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_conv_show_short(void **state)
{
	struct pamfix *f = *state;

	assert_int_equal(conv_show(f->pamh, PAM_TEXT_INFO, "hello"), 0);
	assert_int_equal(conv_show(f->pamh, PAM_ERROR_MSG, ""), 0);
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.style[0], PAM_TEXT_INFO);
	assert_string_equal(rec.text[0], "hello");
	assert_int_equal(rec.style[1], PAM_ERROR_MSG);
	assert_string_equal(rec.text[1], "");
	/* Only display styles. */
	assert_int_equal(conv_show(f->pamh, PAM_PROMPT_ECHO_ON, "x"), -EINVAL);
	assert_int_equal(rec.n, 2);
}

/* Joins the recorded messages with newlines (the separator a split at a
 * newline consumes) or without (a split inside a line). */
static void test_conv_show_splits_lines(void **state)
{
	struct pamfix *f = *state;
	/* 120 lines of 60 three-byte half blocks: like a QR code, ~22 KB. */
	static const char block[] = "\xe2\x96\x80";
	size_t line_len = 60 * 3, total = 120 * (line_len + 1), off = 0, got = 0;
	char *text = malloc(total + 1), *joined = malloc(total + 1);
	int i, j;

	assert_non_null(text);
	assert_non_null(joined);
	for (i = 0; i < 120; i++) {
		for (j = 0; j < 60; j++) {
			memcpy(text + off, block, 3);
			off += 3;
		}
		text[off++] = i == 119 ? '\0' : '\n';
	}
	assert_int_equal(conv_show(f->pamh, PAM_TEXT_INFO, text), 0);
	assert_true(rec.n > 1);
	for (i = 0; i < rec.n; i++) {
		size_t n = strlen(rec.text[i]);

		assert_true(n < PAM_MAX_MSG_SIZE);
		/* Whole lines only. */
		assert_int_equal((n + 1) % (line_len + 1), 0);
		memcpy(joined + got, rec.text[i], n);
		got += n;
		joined[got++] = '\n';
	}
	joined[got - 1] = '\0';
	assert_string_equal(joined, text);
	free(text);
	free(joined);
}

static void test_conv_show_splits_utf8(void **state)
{
	struct pamfix *f = *state;
	/* One 3001-byte line: 'a' then 1500 two-byte characters. */
	size_t total = 3001, got = 0, i;
	char *text = malloc(total + 1), *joined = malloc(total + 1);
	int m;

	assert_non_null(text);
	assert_non_null(joined);
	text[0] = 'a';
	for (i = 1; i < total; i += 2) {
		text[i] = (char)0xc3;
		text[i + 1] = (char)0xa9;
	}
	text[total] = '\0';
	assert_int_equal(conv_show(f->pamh, PAM_TEXT_INFO, text), 0);
	assert_true(rec.n >= 6);
	for (m = 0; m < rec.n; m++) {
		size_t n = strlen(rec.text[m]);

		assert_true(n > 0 && n < PAM_MAX_MSG_SIZE);
		/* Never starts or ends inside a character. */
		assert_true(((unsigned char)rec.text[m][0] & 0xc0) != 0x80);
		assert_true((unsigned char)rec.text[m][n - 1] != 0xc3);
		memcpy(joined + got, rec.text[m], n);
		got += n;
	}
	joined[got] = '\0';
	assert_string_equal(joined, text);
	free(text);
	free(joined);
}

static void test_conv_failure(void **state)
{
	struct pamfix *f = *state;
	struct vigil_answer a;

	rec.fail = 1;
	assert_int_equal(conv_show(f->pamh, PAM_TEXT_INFO, "hello"), -ECOMM);
	assert_int_equal(conv_ask_secret(f->pamh, CONV_CODE_PROMPT, &a), -ECOMM);
	rec.fail = 0;
	rec.no_resp = 1;
	rec.answer = "123456";
	assert_int_equal(conv_ask_secret(f->pamh, CONV_CODE_PROMPT, &a), -ECOMM);
	rec.no_resp = 0;
	rec.answer = NULL; /* a reply array with a NULL answer */
	assert_int_equal(conv_ask_secret(f->pamh, CONV_CODE_PROMPT, &a), -ECOMM);
}

static void test_conv_no_conversation(void **state)
{
	struct pamfix *f = *state;
	static const struct pam_conv none = {NULL, NULL};
	struct vigil_answer a;

	assert_int_equal(pam_set_item(f->pamh, PAM_CONV, &none), PAM_SUCCESS);
	assert_int_equal(conv_show(f->pamh, PAM_TEXT_INFO, "hello"), -ECOMM);
	assert_int_equal(conv_ask_secret(f->pamh, CONV_CODE_PROMPT, &a), -ECOMM);
}

static void test_conv_ask_secret(void **state)
{
	struct pamfix *f = *state;
	struct vigil_answer a, before;
	char longer[VIGIL_ANSWER_MAX + 2];

	rec.answer = "314159";
	assert_int_equal(conv_ask_secret(f->pamh, CONV_CODE_PROMPT, &a), 0);
	assert_true(strcmp(a.answer, "314159") == 0);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.style[0], PAM_PROMPT_ECHO_OFF);
	assert_string_equal(rec.text[0], "Verification code: ");

	/* The longest answer the protocol carries, then one byte more. */
	memset(longer, '7', sizeof(longer) - 1);
	longer[VIGIL_ANSWER_MAX] = '\0';
	rec.answer = longer;
	assert_int_equal(conv_ask_secret(f->pamh, CONV_CODE_PROMPT, &a), 0);
	assert_int_equal(strlen(a.answer), VIGIL_ANSWER_MAX);
	longer[VIGIL_ANSWER_MAX] = '7';
	longer[VIGIL_ANSWER_MAX + 1] = '\0';
	memset(&before, 0x5a, sizeof(before));
	a = before;
	assert_int_equal(conv_ask_secret(f->pamh, CONV_CODE_PROMPT, &a), -E2BIG);
	assert_memory_equal(&a, &before, sizeof(a));
	rec.answer = "";
	assert_int_equal(conv_ask_secret(f->pamh, CONV_CODE_PROMPT, &a), 0);
	assert_int_equal(a.answer[0], '\0');
}

static void test_conv_enrollment(void **state)
{
	struct pamfix *f = *state;
	struct vigil_prompt *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->kind = VIGIL_PROMPT_ENROLL_TOTP;
	p->why = VIGIL_WHY_ENROLL;
	assert_int_equal(conv_show_enrollment(f->pamh, p), -EBADMSG);
	strcpy(p->uri, "otpauth://totp/Vigil:alice?secret=FAKEFAKEFAKEFAKE&issuer=Vigil");
	assert_int_equal(conv_show_enrollment(f->pamh, p), -EBADMSG);
	strcpy(p->secret_b32, "FAKEFAKEFAKEFAKE");
	strcpy(p->qr, "QRLINE1\nQRLINE2");
	assert_int_equal(rec.n, 0);
	assert_int_equal(conv_show_enrollment(f->pamh, p), 0);
	assert_int_equal(rec.n, 3);
	assert_string_equal(rec.text[0], "QRLINE1\nQRLINE2");
	assert_true(strncmp(rec.text[1], "URI: otpauth://totp/", 20) == 0);
	assert_true(strcmp(rec.text[2], "Secret: FAKEFAKEFAKEFAKE") == 0);
	assert_int_equal(rec.style[2], PAM_TEXT_INFO);
	free(p);
}

/* A helper that is a shell script in the fixture's directory. */
static void fake_helper(const struct pamfix *f, const char *body, char *path, size_t cap)
{
	FILE *fp;

	snprintf(path, cap, "%s/helper", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\nread req\n%s\n", body);
	fclose(fp);
	assert_int_equal(chmod(path, 0700), 0);
}

static void touch_prompt(struct vigil_prompt *p)
{
	*p = (struct vigil_prompt){.kind = VIGIL_PROMPT_FIDO2, .uv = 0, .timeout = 2, .n_creds = 1};
	strcpy(p->rp_id, "pam://test");
	strcpy(p->challenge, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	strcpy(p->creds[0].id, "Y3JlZA==");
}

static void test_touch_answer(void **state)
{
	struct pamfix *f = *state;
	struct vigil_prompt *p = calloc(1, sizeof(*p));
	struct vigil_assertion *a = calloc(1, sizeof(*a));
	char helper[PATH_MAX], big[1025];

	assert_non_null(p);
	assert_non_null(a);
	touch_prompt(p);

	fake_helper(f, "echo touch; echo 'ok Y3JlZA== YXV0aA== c2ln'", helper, sizeof(helper));
	assert_int_equal(touch_answer(f->pamh, helper, p, a), 0);
	assert_int_equal(a->status, VIGIL_FIDO2_OK);
	assert_string_equal(a->cred_id, "Y3JlZA==");
	assert_string_equal(a->authdata, "YXV0aA==");
	assert_string_equal(a->sig, "c2ln");
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.text[0], PAM_FIDO2_TOUCH_TEXT);

	fake_helper(f, "echo 'error pin_invalid'; exit 1", helper, sizeof(helper));
	assert_int_equal(touch_answer(f->pamh, helper, p, a), 0);
	assert_int_equal(a->status, VIGIL_FIDO2_PIN_INVALID);
	assert_string_equal(a->cred_id, "");
	assert_string_equal(a->sig, "");

	/* An "ok" with an exit status of failure: no OK. */
	fake_helper(f, "echo 'ok Y3JlZA== YXV0aA== c2ln'; exit 1", helper, sizeof(helper));
	assert_int_equal(touch_answer(f->pamh, helper, p, a), 0);
	assert_int_equal(a->status, VIGIL_FIDO2_INTERNAL);
	assert_string_equal(a->authdata, "");

	/* A signature longer than the wire carries: no OK without it. */
	memset(big, 'A', 1024);
	big[1024] = '\0';
	{
		char body[1200];

		snprintf(body, sizeof(body), "echo 'ok Y3JlZA== YXV0aA== %s'", big);
		fake_helper(f, body, helper, sizeof(helper));
	}
	assert_int_equal(touch_answer(f->pamh, helper, p, a), 0);
	assert_int_equal(a->status, VIGIL_FIDO2_INTERNAL);
	assert_string_equal(a->cred_id, "");
	assert_string_equal(a->sig, "");

	/* No helper, a helper that says nothing: a status, not an error. */
	assert_int_equal(touch_answer(f->pamh, "/nonexistent/vigil-fido2", p, a), 0);
	assert_int_equal(a->status, VIGIL_FIDO2_INTERNAL);
	fake_helper(f, "exit 0", helper, sizeof(helper));
	assert_int_equal(touch_answer(f->pamh, helper, p, a), 0);
	assert_int_equal(a->status, VIGIL_FIDO2_INTERNAL);

	/* A prompt the helper cannot take (no credential): a status. */
	p->n_creds = 0;
	assert_int_equal(touch_answer(f->pamh, helper, p, a), 0);
	assert_int_equal(a->status, VIGIL_FIDO2_INTERNAL);
	p->n_creds = 1;
	p->rp_id[0] = '\0';
	assert_int_equal(touch_answer(f->pamh, helper, p, a), 0);
	assert_int_equal(a->status, VIGIL_FIDO2_INTERNAL);

	unlink(helper);
	free(p);
	free(a);
}

static void test_touch_answer_conv_fails(void **state)
{
	struct pamfix *f = *state;
	struct vigil_prompt *p = calloc(1, sizeof(*p));
	struct vigil_assertion *a = calloc(1, sizeof(*a));
	char helper[PATH_MAX];

	assert_non_null(p);
	assert_non_null(a);
	touch_prompt(p);
	a->status = 42;
	fake_helper(f, "echo pin; read pin; echo 'error pin_invalid'; exit 1", helper, sizeof(helper));
	rec.fail = true;
	/* The application's conversation failed: an error, *a untouched. */
	assert_int_equal(touch_answer(f->pamh, helper, p, a), -ECOMM);
	assert_int_equal(a->status, 42);
	unlink(helper);
	free(p);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_outcome_success_only_allow_and_fail_open),
	    cmocka_unit_test(test_outcome_auth_table),
	    cmocka_unit_test(test_outcome_account_session_table),
	    cmocka_unit_test(test_outcome_unknown_phase_fails),
	    cmocka_unit_test(test_outcome_sweep_never_success),
	    cmocka_unit_test(test_outcome_unreachable),
	    cmocka_unit_test(test_outcome_absent),
	    cmocka_unit_test(test_args_defaults),
	    cmocka_unit_test(test_args_good),
	    cmocka_unit_test(test_args_bad),
	    cmocka_unit_test(test_args_repeated_and_null),
	    cmocka_unit_test(test_signal_words),
	    cmocka_unit_test(test_prompt_info),
	    cmocka_unit_test(test_prompt_info_methods),
	    cmocka_unit_test(test_prompt_info_fido2),
	    cmocka_unit_test(test_recovery_info),
	    cmocka_unit_test(test_fido2_status_wire),
	    cmocka_unit_test(test_deny_texts),
	    cmocka_unit_test_setup_teardown(test_touch_answer, pam_setup, pam_teardown),
	    cmocka_unit_test_setup_teardown(test_touch_answer_conv_fails, pam_setup, pam_teardown),
	    cmocka_unit_test_setup_teardown(test_conv_show_short, pam_setup, pam_teardown),
	    cmocka_unit_test_setup_teardown(test_conv_show_splits_lines, pam_setup, pam_teardown),
	    cmocka_unit_test_setup_teardown(test_conv_show_splits_utf8, pam_setup, pam_teardown),
	    cmocka_unit_test_setup_teardown(test_conv_failure, pam_setup, pam_teardown),
	    cmocka_unit_test_setup_teardown(test_conv_no_conversation, pam_setup, pam_teardown),
	    cmocka_unit_test_setup_teardown(test_conv_ask_secret, pam_setup, pam_teardown),
	    cmocka_unit_test_setup_teardown(test_conv_enrollment, pam_setup, pam_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

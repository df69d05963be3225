/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one place where pam_vigil.so turns what happened into a PAM return
 * code.  Every module entry point (but pam_sm_setcred) returns what
 * outcome_pam_code() says, so the rule "only ALLOW and FAIL_OPEN succeed"
 * lives in one table that a unit test sweeps.
 */
#pragma once

enum vigil_phase {
	VIGIL_PHASE_AUTH = 1,    /* pam_sm_authenticate */
	VIGIL_PHASE_ACCOUNT = 2, /* pam_sm_acct_mgmt */
	VIGIL_PHASE_SESSION = 3, /* pam_sm_open_session, pam_sm_close_session */
};

enum vigil_outcome_kind {
	VIGIL_KIND_ALLOW = 1,        /* the daemon allowed */
	VIGIL_KIND_FAIL_OPEN = 2,    /* vigild unreachable and failmode=open */
	VIGIL_KIND_DENY = 3,         /* the daemon denied; value: enum vigil_reason */
	VIGIL_KIND_ERROR = 4,        /* value: a negative errno */
	VIGIL_KIND_CONV_ERROR = 5,   /* the application's conversation failed */
	VIGIL_KIND_BAD_ARGS = 6,     /* the pam.d arguments are wrong */
	VIGIL_KIND_USER_UNKNOWN = 7, /* pam_get_user() said PAM_USER_UNKNOWN */
};

/* Maps (phase, kind, value) to a PAM return code.  value is the reason for
 * DENY, a negative errno for ERROR (a positive one is taken as its negation),
 * ignored otherwise.  PAM_SUCCESS only for ALLOW and FAIL_OPEN in a known
 * phase; never PAM_IGNORE.  An unknown phase or kind gives a failure. */
int outcome_pam_code(int phase, int kind, int value);

/* True for the errors that mean "vigild could not be reached" (no socket,
 * nobody listening, timed out, connection reset, listen backlog full), as
 * opposed to a daemon that answered wrongly or a socket that failed its
 * ownership checks.  These map to PAM_AUTHINFO_UNAVAIL in auth. */
int outcome_errno_is_unreachable(int error);

/* True only for the connect errors that mean "vigild is not there": no
 * socket or no socket directory (-ENOENT), nobody listening
 * (-ECONNREFUSED).  The only errors failmode=open may turn into success. */
int outcome_errno_is_absent(int error);

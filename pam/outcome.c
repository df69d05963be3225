/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mapping from an outcome to a PAM return code.  Written as a default-deny
 * switch: every branch that is not ALLOW or FAIL_OPEN in a known phase ends in
 * a failure code of that phase, and an unknown phase or kind falls through to
 * PAM_AUTH_ERR.  Trusts nothing about its inputs.
 */
#include <errno.h>
#include <security/_pam_types.h>

#include "outcome.h"
#include "vigil/proto.h"

int outcome_errno_is_unreachable(int error)
{
	if (error > 0)
		error = -error;
	return error == -ENOENT || error == -ECONNREFUSED || error == -ETIMEDOUT || error == -ECONNRESET ||
	       error == -EAGAIN;
}

int outcome_errno_is_absent(int error)
{
	if (error > 0)
		error = -error;
	/* A full backlog (-EAGAIN) or a silence (-ETIMEDOUT) means a daemon is
	 * there, and any local user can cause both: never "absent". */
	return error == -ENOENT || error == -ECONNREFUSED;
}

static int auth_code(int kind, int value)
{
	switch (kind) {
	case VIGIL_KIND_ALLOW:
	case VIGIL_KIND_FAIL_OPEN:
		return PAM_SUCCESS;
	case VIGIL_KIND_DENY:
		if (value == VIGIL_REASON_UNKNOWN_USER)
			return PAM_USER_UNKNOWN; /* a name NSS does not know */
		return value == VIGIL_REASON_PERMISSION ? PAM_PERM_DENIED : PAM_AUTH_ERR;
	case VIGIL_KIND_ERROR:
		if (value == -ENOMEM)
			return PAM_BUF_ERR;
		if (outcome_errno_is_unreachable(value))
			return PAM_AUTHINFO_UNAVAIL;
		return PAM_AUTH_ERR;
	case VIGIL_KIND_CONV_ERROR:
		return PAM_CONV_ERR;
	case VIGIL_KIND_BAD_ARGS:
		return PAM_SERVICE_ERR;
	case VIGIL_KIND_USER_UNKNOWN:
		return PAM_USER_UNKNOWN;
	default:
		return PAM_AUTH_ERR;
	}
}

/* Account and session share a shape: one failure code for everything but
 * memory and configuration. */
static int other_code(int kind, int value, int failure)
{
	switch (kind) {
	case VIGIL_KIND_ALLOW:
	case VIGIL_KIND_FAIL_OPEN:
		return PAM_SUCCESS;
	case VIGIL_KIND_ERROR:
		return value == -ENOMEM ? PAM_BUF_ERR : failure;
	case VIGIL_KIND_BAD_ARGS:
		return PAM_SERVICE_ERR;
	case VIGIL_KIND_DENY:
	case VIGIL_KIND_CONV_ERROR:
	case VIGIL_KIND_USER_UNKNOWN:
	default:
		return failure;
	}
}

int outcome_pam_code(int phase, int kind, int value)
{
	/* Errors are negative errnos; accept a positive one without letting it
	 * dodge the table (INT_MIN has no negation and is no errno anyway). */
	if (kind == VIGIL_KIND_ERROR && value > 0)
		value = -value;

	switch (phase) {
	case VIGIL_PHASE_AUTH:
		return auth_code(kind, value);
	case VIGIL_PHASE_ACCOUNT:
		return other_code(kind, value, PAM_PERM_DENIED);
	case VIGIL_PHASE_SESSION:
		return other_code(kind, value, PAM_SESSION_ERR);
	default:
		return PAM_AUTH_ERR;
	}
}

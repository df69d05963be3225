/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A touch on a locally attached security key, for a PROMPT_FIDO2 from vigild.
 * The module never links libfido2 and never parses what a USB device says:
 * it runs the vigil-fido2 helper (helper/vigil-fido2.c documents its line
 * protocol), as pam_unix runs unix_chkpwd, relays "pin" and "touch" through
 * the PAM conversation and hands back the helper's answer as base64 text it
 * does not decode; the daemon verifies it.
 *
 * How the helper runs: fork + execve with only PATH=/usr/sbin:/usr/bin:/sbin:/bin
 * in its environment; its stdin and stdout are one end of a socketpair (not
 * pipes: the module writes with MSG_NOSIGNAL, so a helper that dies early
 * cannot kill sshd or sudo with SIGPIPE, and no signal disposition of the
 * application is touched); stderr is /dev/null; every other descriptor is
 * closed; the signal mask is emptied.  Reaped with waitpid() on its pid
 * only: the application's SIGCHLD handler is left alone (an application
 * that ignores SIGCHLD reaps it itself; we then see ECHILD and go by what
 * the helper wrote).  Waited for with poll() and a deadline of the touch
 * timeout plus PAM_FIDO2_MARGIN_MS, restarted after each PIN prompt (a person
 * typing is not the key stalling); at the deadline SIGTERM (the helper
 * cancels the touch on the key), then SIGKILL after PAM_FIDO2_TERM_GRACE_MS.
 *
 * Privileges: if the calling process's real uid is not 0 (sudo, su: the
 * invoking user, who owns the locally attached key through the seat's
 * uaccess ACL or the plugdev group), the helper runs as that user with that
 * user's groups (setgroups, setresgid, setresuid before exec).  If it is 0
 * (login on a console, or sshd's auth child — though vigild never asks a
 * remote caller to touch a key), it stays root.  Trade-off: root can open
 * every hidraw device, so a console login uses whatever key is plugged in
 * with no ACL needed, at the price of a root process parsing USB data; it
 * is a small program with no privilege it can gain (no_new_privs), no core
 * dump and a clean environment, and dropping to a user who has not logged in
 * yet would give it no ACL to use anyway.  Under sudo, running as the
 * invoking user means a hostile key, or a hostile user, gets nothing the
 * user did not already have.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <security/pam_modules.h>

#include "fido2_helper.h"

#ifndef VIGIL_FIDO2_HELPER
#define VIGIL_FIDO2_HELPER "/usr/libexec/vigil/vigil-fido2"
#endif

/* Beyond the touch timeout: start-up, enumeration, the silent probes. */
#define PAM_FIDO2_MARGIN_MS 5000
/* Between SIGTERM at the deadline and SIGKILL. */
#define PAM_FIDO2_TERM_GRACE_MS 500
/* How long a helper that gave its last line may take to exit. */
#define PAM_FIDO2_EXIT_GRACE_MS 1000
/* Lines a helper may write in one run: a PIN asked twice, a touch each. */
#define PAM_FIDO2_LINES_MAX  6
#define PAM_FIDO2_PIN_PROMPT "Security key PIN: "
/* The one line that tells the person to touch, shown when the key waits
 * (conv.c's line before it says only why a key is asked). */
#define PAM_FIDO2_TOUCH_TEXT "Touch your security key."

/* What vigild's PROMPT_FIDO2 asks; every text is base64 as on the wire. */
struct pam_fido2_request {
	char rp_id[FIDO2_RP_ID_MAX + 1];
	char challenge[FIDO2_B64_LEN(FIDO2_CHALLENGE_LEN) + 1];
	char allow[FIDO2_ALLOW_MAX][FIDO2_B64_LEN(FIDO2_CRED_ID_MAX) + 1];
	size_t n_allow; /* 1..FIDO2_ALLOW_MAX */
	bool uv;
	uint32_t timeout_ms; /* 1..FIDO2_TIMEOUT_MAX_MS */
};

/* The helper's answer.  cred_id, authdata and sig are set when status is
 * FIDO2_OK, empty otherwise. */
struct pam_fido2_response {
	int status; /* enum fido2_status */
	char cred_id[FIDO2_B64_LEN(FIDO2_CRED_ID_MAX) + 1];
	char authdata[FIDO2_B64_LEN(FIDO2_AUTHDATA_MAX) + 1];
	char sig[FIDO2_B64_LEN(FIDO2_SIG_MAX) + 1];
};

/* Runs the helper at helper_path (absolute; NULL: VIGIL_FIDO2_HELPER) for
 * req and returns 0 with *ret filled once the helper answered "ok" (ret->status
 * FIDO2_OK) or "error STATUS" (an outcome, not a failure), and exited
 * accordingly.  Otherwise a negative errno, *ret untouched, the helper
 * killed and reaped: -EINVAL for a request out of bounds; -ETIMEDOUT at the
 * deadline; -EBADMSG for a line that breaks the protocol or a helper that
 * exited without answering; -E2BIG for a line too long or too many lines;
 * -ECOMM when the conversation fails; -ENOENT when the invoking user has no
 * passwd entry; an errno of socketpair() or fork().  The PIN is relayed
 * and wiped; nothing here logs. */
int pam_fido2_assert(pam_handle_t *pamh, const char *helper_path, const struct pam_fido2_request *req,
                     struct pam_fido2_response *ret);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the user sees: the texts the module renders from the daemon's codes,
 * and the PAM conversation calls that carry them.  The daemon never sends
 * prose; it sends a reason, a "why" and a signal set, and the words live here.
 * The application's conversation function is outside the module and is
 * trusted only to return an answer or fail; its answers are wiped.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <security/pam_modules.h>

#include "vigil/proto.h"

/* The account-phase sentence for VIGIL_REASON_STEPUP_NOT_DONE, shown to the
 * user (prefixed "Vigil: ") and logged at LOG_WARNING as is. */
#define CONV_STEPUP_NOT_DONE_TEXT                                                                                      \
	"a second factor is required but this login did not offer one; the administrator must set "                    \
	"'AuthenticationMethods publickey,keyboard-interactive' in sshd_config"

/* The prompt for a code (echo off). */
#define CONV_CODE_PROMPT "Verification code: "

/* Writes the signals in set as words ("new device, new source address")
 * into out (cap bytes, NUL-terminated).  Unknown bits are ignored and the
 * two failure signals share one phrase.  Returns the number of phrases, or
 * -E2BIG if out is too small (out then holds a truncated, terminated text). */
int conv_signals_words(uint32_t set, char *out, size_t cap);

/* Renders the info line shown before a code prompt or a touch, from
 * p->kind, p->why, p->signals, p->methods (what a code may be: TOTP,
 * recovery or both) and p->attempts_left, into out.  Returns 0; -EBADMSG
 * for a why unknown or meaningless for the kind; -E2BIG if out is too small.
 * Never includes a secret. */
int conv_prompt_info(const struct vigil_prompt *p, char *out, size_t cap);

/* Renders what a login that spent a recovery code is told: how many are
 * left and how to make new ones.  Returns 0; -E2BIG if out is too small. */
int conv_recovery_info(uint16_t left, char *out, size_t cap);

/* The user-facing text for a denial with this reason (static, never NULL). */
const char *conv_deny_text(uint16_t reason);

/* Shows text with style PAM_TEXT_INFO or PAM_ERROR_MSG.  A text longer than
 * a PAM message may be (PAM_MAX_MSG_SIZE) is sent as several messages, split
 * at newlines where possible and never inside a UTF-8 sequence; the copies
 * are wiped, so text may be a secret.  Returns 0; -ECOMM when the
 * application's conversation is missing or fails; -EINVAL for another style. */
int conv_show(pam_handle_t *pamh, int style, const char *text);

/* Shows the enrollment material of an ENROLL_TOTP prompt as PAM_TEXT_INFO:
 * the QR code, then the URI, then the base32 secret.  Every copy is wiped.
 * Returns 0 or what conv_show() returns; -EBADMSG if p carries no URI or
 * secret. */
int conv_show_enrollment(pam_handle_t *pamh, const struct vigil_prompt *p);

/* Asks prompt with PAM_PROMPT_ECHO_OFF and copies the answer into *ret (a
 * secret: the caller wipes it).  The application's reply is wiped and freed
 * here.  Returns 0; -ECOMM when the conversation is missing, fails or
 * returns no answer; -E2BIG for an answer over VIGIL_ANSWER_MAX bytes.
 * *ret is written only on success. */
int conv_ask_secret(pam_handle_t *pamh, const char *prompt, struct vigil_answer *ret);

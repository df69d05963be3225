/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Texts and the PAM conversation.  The words shown to users are made here
 * from codes, so a daemon bug cannot put arbitrary prose in front of a user
 * and a translation has one file to change.  The conversation function
 * belongs to the application (sshd, sudo): a failure there is reported as
 * -ECOMM, and every reply is wiped before it is freed because it may be a
 * code.  Enrollment material (URI, secret) is a secret too: every copy made
 * here is wiped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <security/pam_appl.h>
#include <security/pam_modules.h>

#include "conv.h"
#include "wipe.h"

/* Phrases in the order the bits are defined; the two failure signals share
 * one phrase so it is said once. */
static const struct {
	uint32_t bit;
	const char *words;
} signal_words[] = {
    {VIGIL_SIGNAL_NEW_DEVICE, "new device"},
    {VIGIL_SIGNAL_NEW_SOURCE, "new source address"},
    {VIGIL_SIGNAL_NEW_PREFIX, "new network"},
    {VIGIL_SIGNAL_STALE_ACCOUNT, "account unused for a while"},
    {VIGIL_SIGNAL_STALE_DEVICE, "device unused for a while"},
    {VIGIL_SIGNAL_USER_FAILURES | VIGIL_SIGNAL_SOURCE_FAILURES, "recent failed attempts"},
    {VIGIL_SIGNAL_PRIVILEGED, "privileged command"},
};

int conv_signals_words(uint32_t set, char *out, size_t cap)
{
	size_t len = 0, i;
	int n = 0, w, r;

	if (cap == 0) {
		r = -E2BIG;
		goto out;
	}
	out[0] = '\0';
	for (i = 0; i < sizeof(signal_words) / sizeof(signal_words[0]); i++) {
		if (!(set & signal_words[i].bit))
			continue;
		w = snprintf(out + len, cap - len, "%s%s", n > 0 ? ", " : "", signal_words[i].words);
		if (w < 0 || (size_t)w >= cap - len) {
			r = -E2BIG;
			goto out;
		}
		len += (size_t)w;
		n++;
	}
	r = n;
out:
	return r;
}

/* What to type at a code prompt, from the methods the daemon offers.  No
 * bits (a daemon of protocol 1's flow) means TOTP. */
static const char *code_sentence(uint8_t methods)
{
	bool totp = methods & VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP);
	bool recovery = methods & VIGIL_METHOD_BIT(VIGIL_FACTOR_RECOVERY);

	if (recovery && totp)
		return "Enter a code from your authenticator app, or a recovery code.";
	if (recovery)
		return "Enter one of your recovery codes.";
	return "Enter a code from your authenticator app.";
}

/* Whether a prompt that does not otherwise say what to type must: TOTP goes
 * without saying at a "Verification code" prompt, recovery codes do not. */
static bool recovery_named(uint8_t methods)
{
	return methods & VIGIL_METHOD_BIT(VIGIL_FACTOR_RECOVERY);
}

/* The first sentence of a risk or fresh-window prompt, without its end. */
static int why_lead(const struct vigil_prompt *p, char *out, size_t cap)
{
	char words[256];
	int r, w;

	if (p->why == VIGIL_WHY_FRESH) {
		w = snprintf(out, cap, "Vigil: this privileged action needs a recent second factor");
	} else {
		if ((r = conv_signals_words(p->signals, words, sizeof(words))) < 0)
			return r;
		if (r > 0)
			w = snprintf(out, cap, "Vigil: this login looks new (%s)", words);
		else
			w = snprintf(out, cap, "Vigil: this login looks new");
	}
	return w < 0 || (size_t)w >= cap ? -E2BIG : 0;
}

/* The line before a touch says why a key is asked, not what to do: the
 * helper's own "touch" line (pam/fido2.c) is the call to action, shown when
 * the key waits (after its PIN, if it asks one).  Two lines telling a person
 * to touch, the first before a PIN prompt, would be one too many. */
static int fido2_info(const struct vigil_prompt *p, char *out, size_t cap)
{
	char lead[384];
	int r, w;

	switch (p->why) {
	case VIGIL_WHY_RISK:
		if ((r = why_lead(p, lead, sizeof(lead))) < 0)
			return r;
		w = snprintf(out, cap, "%s; it needs your security key.", lead);
		break;
	case VIGIL_WHY_FRESH:
		if ((r = why_lead(p, lead, sizeof(lead))) < 0)
			return r;
		w = snprintf(out, cap, "%s: your security key.", lead);
		break;
	case VIGIL_WHY_RETRY:
		/* As for codes: true of this login's failures and of an
		 * earlier one's. */
		w = snprintf(out, cap,
		             "Vigil: a recent second factor for this account failed; %u attempt%s left before it is "
		             "locked.",
		             (unsigned)p->attempts_left, p->attempts_left == 1 ? "" : "s");
		break;
	case VIGIL_WHY_REPLAY:
		w = snprintf(out, cap, "Vigil: the security key's last answer was already used; it is asked again.");
		break;
	default:
		return -EBADMSG;
	}
	return w < 0 || (size_t)w >= cap ? -E2BIG : 0;
}

int conv_prompt_info(const struct vigil_prompt *p, char *out, size_t cap)
{
	char lead[384];
	int r, w;

	if (p->kind == VIGIL_PROMPT_FIDO2)
		return fido2_info(p, out, cap);
	switch (p->why) {
	case VIGIL_WHY_RISK:
		if ((r = why_lead(p, lead, sizeof(lead))) < 0)
			goto out;
		w = snprintf(out, cap, "%s. %s", lead, code_sentence(p->methods));
		break;
	case VIGIL_WHY_FRESH:
		/* TOTP needs no instruction here (its prompt says "code");
		 * recovery codes do. */
		if (recovery_named(p->methods))
			w = snprintf(out, cap, "Vigil: this privileged action needs a recent second factor. %s",
			             code_sentence(p->methods));
		else
			w = snprintf(out, cap, "Vigil: this privileged action needs a recent second factor.");
		break;
	case VIGIL_WHY_RETRY:
		/* Shown at the first prompt after any recent failure, of this
		 * login or an earlier one: say what is true in both cases. */
		w = snprintf(
		    out, cap,
		    "Vigil: a recent code for this account was wrong; %u attempt%s left before it is locked.%s%s",
		    (unsigned)p->attempts_left, p->attempts_left == 1 ? "" : "s", recovery_named(p->methods) ? " " : "",
		    recovery_named(p->methods) ? code_sentence(p->methods) : "");
		break;
	case VIGIL_WHY_REPLAY:
		/* Not a guess: the code the app still shows was used a moment
		 * ago (by the last login, or a login running beside this one). */
		w = snprintf(out, cap, "Vigil: that code was just used; wait for the next one.");
		break;
	case VIGIL_WHY_ENROLL:
		w = snprintf(out, cap,
		             "Vigil: set up your authenticator app now: scan this QR code or enter the secret, "
		             "then type the first code.");
		break;
	case VIGIL_WHY_FALLBACK:
		/* No key, no touch in time, or a PIN refused: the daemon
		 * offers a code in the same conversation. */
		w = snprintf(out, cap, "Vigil: your security key was not used; enter a code instead. %s",
		             code_sentence(p->methods));
		break;
	default:
		r = -EBADMSG;
		goto out;
	}
	if (w < 0 || (size_t)w >= cap) {
		r = -E2BIG;
		goto out;
	}
	r = 0;
out:
	return r;
}

int conv_recovery_info(uint16_t left, char *out, size_t cap)
{
	int w;

	if (left == 0)
		w = snprintf(
		    out, cap,
		    "Vigil: recovery code accepted; none left. Make new ones with 'vigilctl recovery generate'.");
	else
		w = snprintf(out, cap,
		             "Vigil: recovery code accepted; %u left. Make new ones with 'vigilctl recovery generate'.",
		             (unsigned)left);
	return w < 0 || (size_t)w >= cap ? -E2BIG : 0;
}

const char *conv_deny_text(uint16_t reason)
{
	switch (reason) {
	case VIGIL_REASON_NOT_ENROLLED:
		return "Vigil: this login needs a second factor and you have none. Enroll one with "
		       "'vigilctl totp enroll' from a session that does not need it, or ask your administrator.";
	case VIGIL_REASON_STEPUP_FAILED:
		return "Vigil: that code is not valid (wrong, already used, or expired).";
	case VIGIL_REASON_LOCKED:
		return "Vigil: too many failed codes; try again later.";
	case VIGIL_REASON_SOURCE_LOCKED:
		return "Vigil: too many failed codes from here; try again later.";
	case VIGIL_REASON_REPLAY:
		return "Vigil: that code was just used; wait for the next one and try again.";
	case VIGIL_REASON_NO_ANSWER:
		return "Vigil: no code was entered.";
	case VIGIL_REASON_UNKNOWN_USER:
		return "Vigil: login refused.";
	case VIGIL_REASON_NETWORK:
	case VIGIL_REASON_RISK:
		return "Vigil: login refused by policy.";
	case VIGIL_REASON_STEPUP_NOT_DONE:
		return "Vigil: " CONV_STEPUP_NOT_DONE_TEXT;
	case VIGIL_REASON_SESSION_LIMIT:
		return "Vigil: too many open sessions.";
	case VIGIL_REASON_NO_USABLE_FACTOR:
		/* The usual case: a security key is the only factor and the
		 * login is remote, where nobody can touch it. */
		return "Vigil: none of your second factors can be used for this login: a security key works only "
		       "when you log in at this machine itself, and some logins accept only a security key. Log in "
		       "at the machine, enroll another factor there ('vigilctl totp enroll'), or ask your "
		       "administrator.";
	case VIGIL_REASON_KEY_NOT_USED:
		return "Vigil: your security key was not used (none found, not touched in time, or its PIN was "
		       "refused), and no code can be used instead.";
	case VIGIL_REASON_SUSPENDED:
		return "Vigil: this account is suspended; ask your administrator.";
	default:
		return "Vigil: login refused.";
	}
}

/* One message through the application's conversation.  For a prompt, the
 * answer is handed over in *ret_answer (a secret: wipe_free_str() it). */
static int conv_one(pam_handle_t *pamh, int style, const char *text, char **ret_answer)
{
	const void *item = NULL;
	const struct pam_conv *conv;
	struct pam_message msg = {.msg_style = style, .msg = text};
	const struct pam_message *msgp = &msg;
	struct pam_response *resp = NULL;
	int r;

	if (pam_get_item(pamh, PAM_CONV, &item) != PAM_SUCCESS || !item) {
		r = -ECOMM;
		goto out;
	}
	conv = item;
	if (!conv->conv) {
		r = -ECOMM;
		goto out;
	}
	if (conv->conv(1, &msgp, &resp, conv->appdata_ptr) != PAM_SUCCESS) {
		r = -ECOMM;
		goto out;
	}
	if (ret_answer) {
		if (!resp || !resp->resp) {
			r = -ECOMM;
			goto out;
		}
		*ret_answer = resp->resp;
		resp->resp = NULL;
	}
	r = 0;
out:
	/* A conversation that failed may still have allocated a reply. */
	if (resp) {
		wipe_free_str(resp->resp);
		free(resp);
	}
	return r;
}

/* How many bytes of p (len left) go into one message of at most max bytes,
 * and whether a newline right after them is consumed as the separator. */
static size_t chunk_len(const char *p, size_t left, size_t max, bool *ret_skip_nl)
{
	size_t n;

	if (left <= max) {
		*ret_skip_nl = false;
		return left;
	}
	/* The last newline within reach, so each message is whole lines. */
	for (n = max; n > 0; n--)
		if (p[n] == '\n') {
			*ret_skip_nl = true;
			return n;
		}
	/* One line too long: cut before a UTF-8 continuation byte. */
	for (n = max; n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80; n--)
		;
	*ret_skip_nl = false;
	return n > 0 ? n : max;
}

int conv_show(pam_handle_t *pamh, int style, const char *text)
{
	char chunk[PAM_MAX_MSG_SIZE];
	size_t left, n;
	bool skip_nl;
	int r;

	if (style != PAM_TEXT_INFO && style != PAM_ERROR_MSG) {
		r = -EINVAL;
		goto out;
	}
	left = strlen(text);
	do {
		n = chunk_len(text, left, sizeof(chunk) - 1, &skip_nl);
		memcpy(chunk, text, n);
		chunk[n] = '\0';
		if ((r = conv_one(pamh, style, chunk, NULL)) < 0)
			goto out;
		text += n + (skip_nl ? 1 : 0);
		left -= n + (skip_nl ? 1 : 0);
	} while (left > 0);
	r = 0;
out:
	WIPE_ARRAY(chunk);
	return r;
}

int conv_show_enrollment(pam_handle_t *pamh, const struct vigil_prompt *p)
{
	/* "Secret: " + the longest URI or secret + NUL. */
	char line[VIGIL_URI_MAX + 16];
	int r;

	if (p->uri[0] == '\0' || p->secret_b32[0] == '\0') {
		r = -EBADMSG;
		goto out;
	}
	if (p->qr[0] != '\0' && (r = conv_show(pamh, PAM_TEXT_INFO, p->qr)) < 0)
		goto out;
	snprintf(line, sizeof(line), "URI: %s", p->uri);
	if ((r = conv_show(pamh, PAM_TEXT_INFO, line)) < 0)
		goto out;
	snprintf(line, sizeof(line), "Secret: %s", p->secret_b32);
	if ((r = conv_show(pamh, PAM_TEXT_INFO, line)) < 0)
		goto out;
	r = 0;
out:
	WIPE_ARRAY(line);
	return r;
}

int conv_ask_secret(pam_handle_t *pamh, const char *prompt, struct vigil_answer *ret)
{
	char *answer = NULL;
	size_t len;
	int r;

	if ((r = conv_one(pamh, PAM_PROMPT_ECHO_OFF, prompt, &answer)) < 0)
		goto out;
	len = strlen(answer);
	if (len > VIGIL_ANSWER_MAX) {
		r = -E2BIG;
		goto out;
	}
	memcpy(ret->answer, answer, len + 1);
	r = 0;
out:
	wipe_free_str(answer);
	return r;
}

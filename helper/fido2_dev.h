/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security key I/O through libfido2, shared by the vigil-fido2 helper (a touch
 * for a login) and vigilctl (enrollment, proving a key).  The only code of
 * Vigil that talks to a USB device and parses what it says.  Inputs and
 * outputs are standard base64 text, as they cross the daemon protocol; the
 * 32-byte challenge is used as the client data hash.
 *
 * Device choice: with one key attached, that key.  With several, each is
 * asked for a silent assertion (user presence off, no PIN, a zero challenge)
 * over the allow list, as pam-u2f does, and the first that holds one of the
 * credentials is used; if none answers so, the first key is used (a key that
 * refuses silent assertions still works alone).  MakeCredential takes the
 * first key.
 *
 * The PIN is asked through the caller's ui->pin only when needed: user
 * verification required and the key has a PIN but no built-in UV, or the key
 * itself answers that it wants one.  It is a secret: every copy here is
 * wiped and it is never part of an error.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "fido2_helper.h"

/* How the caller talks to the person at the key. */
struct fido2_ui {
	/* Asks for the PIN; writes it NUL-terminated into buf (cap bytes).
	 * Returns 0, or a negative errno: -ECANCELED, the user gave none
	 * (FIDO2_CANCELLED); -E2BIG, a PIN too long for buf (FIDO2_PIN_INVALID);
	 * any other, FIDO2_INTERNAL.  fido2_dev_*() wipes buf. */
	int (*pin)(void *userdata, char *buf, size_t cap);
	/* Told just before the key starts waiting for a touch; may be NULL. */
	void (*touch)(void *userdata);
	void *userdata;
};

struct fido2_assert_req {
	const char *rp_id;
	const char *challenge_b64;    /* FIDO2_CHALLENGE_LEN bytes */
	const char *const *allow_b64; /* 1..FIDO2_ALLOW_MAX credential ids */
	size_t n_allow;
	bool uv;        /* user verification required */
	int timeout_ms; /* touch wait, 1..FIDO2_TIMEOUT_MAX_MS */
};

struct fido2_assert_res {
	char cred_id[FIDO2_B64_LEN(FIDO2_CRED_ID_MAX) + 1];
	char authdata[FIDO2_B64_LEN(FIDO2_AUTHDATA_MAX) + 1]; /* the CBOR byte string */
	char sig[FIDO2_B64_LEN(FIDO2_SIG_MAX) + 1];
};

struct fido2_make_req {
	const char *rp_id;
	const char *rp_name;
	const char *user_id_b64; /* the daemon's user handle, 1..FIDO2_USER_ID_MAX bytes */
	const char *user_name;
	const char *challenge_b64;
	const char *const *exclude_b64; /* 0..FIDO2_ALLOW_MAX credential ids */
	size_t n_exclude;
	bool uv;
	bool resident;
	int timeout_ms;
};

struct fido2_make_res {
	char fmt[FIDO2_FMT_MAX + 1];                          /* "packed", "none", ... */
	char authdata[FIDO2_B64_LEN(FIDO2_AUTHDATA_MAX) + 1]; /* the CBOR byte string */
	char x5c[FIDO2_B64_LEN(FIDO2_X5C_MAX) + 1];           /* DER; "" without attestation */
	char sig[FIDO2_B64_LEN(FIDO2_SIG_MAX) + 1];           /* "" without attestation */
	char cred_id[FIDO2_B64_LEN(FIDO2_CRED_ID_MAX) + 1];
};

/* Runs GetAssertion on a chosen key.  Returns an enum fido2_status (>= 0):
 * FIDO2_OK with *ret filled (written only then), or the outcome; -EINVAL for
 * a request out of bounds or not canonical base64 (nothing was asked of any
 * key).  Calls fido_init() itself. */
int fido2_dev_assert(const struct fido2_assert_req *req, const struct fido2_ui *ui, struct fido2_assert_res *ret);

/* Runs MakeCredential (ES256) on the first key.  Returns as
 * fido2_dev_assert(); FIDO2_EXCLUDED when the key holds an excluded
 * credential. */
int fido2_dev_make(const struct fido2_make_req *req, const struct fido2_ui *ui, struct fido2_make_res *ret);

/* Asks a running operation to stop: the next time libfido2 returns (a
 * signal interrupts its wait), the key is sent CTAPHID_CANCEL and the
 * operation ends with FIDO2_CANCELLED.  Async-signal-safe: meant to be
 * called from a signal handler installed without SA_RESTART. */
void fido2_dev_request_cancel(void);

/* Standard base64 with padding, decoded strictly: the text must be exactly
 * what encoding the result gives back (no blanks, no stray bits).  Returns
 * the length written to out (at most cap); -EBADMSG for bad text; -E2BIG if
 * it decodes to more than cap bytes. */
int fido2_b64_decode(const char *in, unsigned char *out, size_t cap);
/* Encodes n bytes into out (cap bytes with NUL).  Returns 0; -E2BIG. */
int fido2_b64_encode(const unsigned char *in, size_t n, char *out, size_t cap);

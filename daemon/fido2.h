/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FIDO2 verification: what a client sends after a key touch (an attestation
 * at enrollment, an assertion at a step-up) checked against a challenge the
 * daemon made.  The daemon never talks to a device; libfido2 parses and
 * verifies signatures, this file decides everything libfido2 leaves out
 * (the signature counter, "none" attestation, exact encodings, bounds).
 *
 * Trusted: rp_id and the challenge (the daemon's own) and the stored
 * credential (a row the daemon wrote).  Untrusted: every other byte.
 *
 * Wire conventions: the challenge is FIDO2_CHALLENGE_SIZE random bytes that
 * clients hand to libfido2 as the client data hash; authdata is exactly what
 * fido_cred_authdata_ptr() / fido_assert_authdata_ptr() return (a CBOR byte
 * string, definite length, shortest header, nothing after it); sig and x5c
 * are raw DER; a credential public key is raw (ES256: x || y; EdDSA: the 32
 * bytes of RFC 8032).
 *
 * Challenges: the caller keeps them, makes each single use and gives it an
 * expiry.  A stale, reused or foreign challenge needs no check here: the
 * signature covers it, so such an answer fails as a bad signature.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FIDO2_CHALLENGE_SIZE 32
#define FIDO2_RP_ID_MAX      255  /* a DNS name */
#define FIDO2_CRED_ID_MAX    1023 /* WebAuthn's bound; fits STORE_KEY_CRED_MAX */
#define FIDO2_PUBKEY_MAX     64   /* ES256 x || y; EdDSA is 32 */
#define FIDO2_AUTHDATA_MAX   2048 /* CBOR header, 55 fixed bytes, id, COSE key, extensions */
#define FIDO2_SIG_MAX        256  /* ES256 DER is at most 72, EdDSA 64 */
#define FIDO2_X5C_MAX        4096 /* one DER certificate */
#define FIDO2_FMT_MAX        16

/* The outcome of an assertion (step-up).  Only OK lets the login on. */
enum fido2_verdict {
	FIDO2_VERDICT_OK = 0,
	FIDO2_VERDICT_BAD_SIGNATURE,   /* not signed by this key over this challenge */
	FIDO2_VERDICT_WRONG_RP,        /* made for another relying party */
	FIDO2_VERDICT_NO_PRESENCE,     /* signed, but nobody touched the key */
	FIDO2_VERDICT_NO_VERIFICATION, /* signed, but no PIN/biometric and one was required */
	FIDO2_VERDICT_CLONED_KEY,      /* signed, but the counter did not go up */
	FIDO2_VERDICT_MALFORMED,       /* not an assertion we can read */
	FIDO2_VERDICT_COUNT_,
};

/* The outcome of an attestation (enrollment). */
enum fido2_attest_verdict {
	FIDO2_ATTEST_OK = 0,
	FIDO2_ATTEST_BAD_SIGNATURE,   /* attestation signature wrong (or another challenge) */
	FIDO2_ATTEST_WRONG_RP,        /* made for another relying party */
	FIDO2_ATTEST_NO_PRESENCE,     /* nobody touched the key */
	FIDO2_ATTEST_NO_VERIFICATION, /* no user verification and one was required */
	FIDO2_ATTEST_UNSUPPORTED_ALG, /* a key type other than ES256 and EdDSA */
	FIDO2_ATTEST_UNSUPPORTED_FMT, /* a format other than "packed", or "none" not allowed */
	FIDO2_ATTEST_MALFORMED,       /* not an attestation we can read, or over a bound */
	FIDO2_ATTEST_COUNT_,
};

/* A credential as stored (struct store_key's fido2 fields). */
struct fido2_key {
	int32_t cose_alg; /* COSE_ES256 (-7) or COSE_EDDSA (-8) */
	const uint8_t *pubkey;
	size_t pubkey_len; /* 64 for ES256, 32 for EdDSA */
	uint32_t sign_count;
	uint32_t flags; /* STORE_KEY_* bits */
};

/* An assertion as the client sent it, with what the daemon asked for. */
struct fido2_assertion {
	const char *rp_id;
	const uint8_t *challenge; /* FIDO2_CHALLENGE_SIZE bytes */
	const uint8_t *authdata;
	size_t authdata_len;
	const uint8_t *sig;
	size_t sig_len;
	bool uv_required;
};

struct fido2_assert_result {
	enum fido2_verdict verdict;
	/* Meaningful only when verdict is OK: the counter to store (the
	 * authenticator's, which is never below the stored one), and whether
	 * the key reports no counter (0 after 0: STORE_KEY_ZERO_COUNTER). */
	uint32_t sign_count;
	bool zero_counter;
	bool uv; /* the authenticator reported user verification */
};

/* An attestation as the client sent it, with the enrollment policy. */
struct fido2_attestation {
	const char *rp_id;
	const uint8_t *challenge; /* FIDO2_CHALLENGE_SIZE bytes */
	const char *fmt;          /* "packed" or "none" */
	const uint8_t *authdata;
	size_t authdata_len;
	const uint8_t *x5c; /* may be empty: self attestation, or "none" */
	size_t x5c_len;
	const uint8_t *sig; /* empty for "none" */
	size_t sig_len;
	bool allow_none;  /* accept fmt "none" (nothing signed: see fido2_attestation_verify) */
	bool uv_required; /* refuse a credential made without user verification */
	bool resident;    /* the client asked for a discoverable credential */
};

/* A verified new credential, ready for struct store_key. */
struct fido2_credential {
	uint8_t cred_id[FIDO2_CRED_ID_MAX];
	size_t cred_id_len;
	int32_t cose_alg;
	uint8_t pubkey[FIDO2_PUBKEY_MAX];
	size_t pubkey_len;
	uint32_t sign_count; /* the counter at enrollment */
	uint32_t flags;      /* STORE_KEY_UV (UV flag seen), STORE_KEY_RESIDENT (as asked) */
};

/* Call once before any other fido2_ function.  Always 0. */
int fido2_init(void);

/* Fills ret with FIDO2_CHALLENGE_SIZE random bytes (OpenSSL RAND_bytes).
 * 0, or -EIO when the generator fails (ret then unspecified). */
int fido2_challenge_new(uint8_t ret[FIDO2_CHALLENGE_SIZE]);

/* Verifies an enrollment.  Returns 0 with the verdict in *ret_verdict; when
 * it is FIDO2_ATTEST_OK, also fills *ret_cred (otherwise *ret_cred is
 * untouched).  -EINVAL for a NULL argument or an rp_id that is empty or
 * over FIDO2_RP_ID_MAX; -ENOMEM; -EIO when libfido2 fails otherwise or
 * disagrees with what was checked here (a bug, never the client's input).
 * Nothing is secret: nothing is wiped.
 * Checks, in order: the bounds above and the encoding, down to every CBOR
 * header in the key and extensions and no byte after them (MALFORMED); the
 * format (UNSUPPORTED_FMT); the rp id hash (WRONG_RP); UP (NO_PRESENCE); UV
 * when uv_required (NO_VERIFICATION); the COSE key (UNSUPPORTED_ALG, or
 * MALFORMED when it is no key at all); the signature over authdata and the
 * challenge: "packed" with x5c by the certificate's key (the chain is not
 * judged: no attestation root is trusted here), "packed" without x5c by the
 * credential's own key (BAD_SIGNATURE).  "none" carries no signature:
 * nothing binds it to the challenge or shows that the key exists, and the
 * first assertion is the first proof; allow it only for an enrollment
 * whose caller is otherwise authenticated. */
int fido2_attestation_verify(const struct fido2_attestation *a, enum fido2_attest_verdict *ret_verdict,
                             struct fido2_credential *ret_cred);

/* Verifies a step-up against a stored credential.  Returns 0 and fills
 * *ret_result; -EINVAL for a NULL argument, a bad rp_id, or a stored key
 * that is no ES256 or EdDSA key (a damaged row, not the client's fault);
 * -ENOMEM; -EIO as for fido2_attestation_verify().
 * Checks, in order: one encoding (a 37-byte authdata, no attested data, no
 * extensions: MALFORMED); the rp id hash (WRONG_RP); the signature over
 * authdata and the challenge (BAD_SIGNATURE); then, only for an assertion
 * the key really signed: UP (NO_PRESENCE), UV when uv_required
 * (NO_VERIFICATION), a key already flagged STORE_KEY_CLONED or a counter
 * that did not go up (CLONED_KEY).  A counter of 0 after a stored 0 is OK
 * with zero_counter set; otherwise it must be strictly above the stored
 * one.  So garbage can never earn CLONED_KEY and flag a victim's key. */
int fido2_assertion_verify(const struct fido2_key *key, const struct fido2_assertion *a,
                           struct fido2_assert_result *ret_result);

/* "ok", "bad_signature", "wrong_rp", "no_presence", "no_verification",
 * "cloned_key", "malformed"; "malformed" for a value out of range.  Static
 * strings, for audit records. */
const char *fido2_verdict_name(int verdict);
/* "ok", "bad_signature", "wrong_rp", "no_presence", "no_verification",
 * "unsupported_alg", "unsupported_fmt", "malformed"; "malformed" for a value
 * out of range. */
const char *fido2_attest_verdict_name(int verdict);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A software stand-in for an authenticator's output, for tests and the fuzz
 * corpus: authenticator data built byte by byte (WebAuthn 6.1), wrapped as
 * the CBOR byte string libfido2 hands out, signed with OpenSSL keys made on
 * the spot (P-256, Ed25519) the way a key signs (authdata || client data
 * hash).  Aborts on any OpenSSL failure: a test helper, not product code.
 * The keys are throwaway test keys.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define SIGN_UP 0x01
#define SIGN_UV 0x04
#define SIGN_AT 0x40
#define SIGN_ED 0x80

struct blob {
	uint8_t b[4096];
	size_t n;
};

/* A new key: cose_alg -7 (P-256) or -8 (Ed25519). */
EVP_PKEY *sign_key_new(int cose_alg);
/* The raw public key as stored (x || y, or 32 bytes). */
void sign_key_raw(EVP_PKEY *k, struct blob *out);
/* The COSE_Key of k (as in attested credential data). */
void sign_key_cose(EVP_PKEY *k, struct blob *out);
/* An RS256 COSE_Key with a made-up modulus (for "unsupported"). */
void sign_cose_rs256(struct blob *out);

/* rpIdHash || flags || counter into out (raw, no CBOR). */
void sign_authdata(const char *rp_id, uint8_t flags, uint32_t count, struct blob *out);
/* Appends attested credential data: zero aaguid, id, cose key. */
void sign_attcred(struct blob *ad, const uint8_t *id, size_t id_len, const struct blob *cose);
/* raw wrapped as a CBOR byte string (shortest header). */
void sign_cbor_wrap(const struct blob *raw, struct blob *out);
/* The signature of k over raw || cdh (32 bytes): DER ECDSA or Ed25519. */
void sign_sign(EVP_PKEY *k, const struct blob *raw, const uint8_t *cdh, struct blob *out);
/* A self-signed DER certificate for k. */
void sign_cert(EVP_PKEY *k, struct blob *out);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The soft key's cryptography (OpenSSL): credential keys, COSE public keys,
 * signatures, the self-signed attestation certificate, and the pieces of
 * ClientPIN protocol 1 (ECDH on P-256, AES-256-CBC with a zero IV,
 * HMAC-SHA-256 truncated to 16 bytes).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "state.h"

/* Adds key: value to map and drops the caller's references to both (either
 * may be NULL: a failed build, reported as false). */
bool sk_map_put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *value);
/* An integer item in its shortest encoding; NULL on allocation failure. */
cbor_item_t *sk_int(int64_t v);

/* A new attestation key (P-256) and a self-signed certificate for it, both
 * DER, into the caller's buffers.  0 or a negative errno. */
int sk_attest_new(unsigned char *key, size_t key_max, size_t *ret_key_len, unsigned char *cert, size_t cert_max,
                  size_t *ret_cert_len);
/* A new credential key of alg, DER into der.  0 or a negative errno. */
int sk_key_new(enum sk_alg alg, unsigned char *der, size_t max, size_t *ret_len);
/* The COSE_Key (RFC 8152) of a credential key's public half; the caller owns
 * the item.  NULL on failure. */
cbor_item_t *sk_key_cose(const unsigned char *der, size_t len, enum sk_alg alg);
/* Signs msg with a DER key: ES256 (ECDSA over SHA-256, DER signature) or
 * Ed25519.  0 or a negative errno. */
int sk_sign(const unsigned char *der, size_t len, enum sk_alg alg, const unsigned char *msg, size_t msg_len,
            unsigned char *sig, size_t sig_max, size_t *ret_sig_len);

/* A fresh P-256 key-agreement key; NULL on failure. */
EVP_PKEY *sk_ecdh_new(void);
/* Its public half as a COSE_Key with alg ECDH-ES+HKDF-256 (-25). */
cbor_item_t *sk_ecdh_cose(EVP_PKEY *key);
/* SHA-256 of the x coordinate of ECDH(key, peer COSE_Key): protocol 1's
 * shared secret.  0, -EINVAL for a bad peer key. */
int sk_ecdh_shared(EVP_PKEY *key, const cbor_item_t *peer, unsigned char out[32]);
/* AES-256-CBC, zero IV, no padding; len a multiple of 16.  0 or -EINVAL. */
int sk_aes(const unsigned char key[32], bool encrypt, const unsigned char *in, size_t len, unsigned char *out);
/* LEFT(HMAC-SHA-256(key, data), 16). */
void sk_hmac16(const unsigned char *key, size_t key_len, const unsigned char *data, size_t len, unsigned char out[16]);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * authenticatorClientPIN, PIN protocol 1 (CTAP 2.0 section 5.5): the
 * key-agreement key and the PIN token live in the open handle (a "power
 * cycle" is an open); the PIN hash and the retries live in the state file,
 * so a wrong PIN costs a retry for every process that shares the key.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "crypto.h"
#include "softkey.h"

enum {
	SUB_GET_RETRIES = 0x01,
	SUB_GET_KEY_AGREEMENT = 0x02,
	SUB_SET_PIN = 0x03,
	SUB_CHANGE_PIN = 0x04,
	SUB_GET_PIN_TOKEN = 0x05,
};

#define PIN_ENC_LEN 64 /* newPinEnc: the PIN padded with zeros to 64 bytes */

static const unsigned char *req_bytes(const cbor_item_t *req, int key, size_t want)
{
	const cbor_item_t *v = sk_map_get(req, key);

	if (v == NULL || !cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v) ||
	    cbor_bytestring_length(v) != want)
		return NULL;
	return cbor_bytestring_handle(v);
}

static bool proto_one(const cbor_item_t *proto)
{
	return proto != NULL && cbor_isa_uint(proto) && cbor_get_int(proto) == 1;
}

int sk_pin_auth(struct sk_dev *d, const struct sk_state *st, const cbor_item_t *auth, const cbor_item_t *proto,
                const unsigned char cdh[32])
{
	unsigned char mac[16];
	int r;

	if (!cbor_isa_bytestring(auth) || !cbor_bytestring_is_definite(auth))
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	/* An empty pinAuth asks "is there a PIN?" (CTAP 2.0 authenticatorSelection). */
	if (cbor_bytestring_length(auth) == 0)
		return st->pin_set ? CTAP2_ERR_PIN_INVALID : CTAP2_ERR_PIN_NOT_SET;
	if (proto == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (!proto_one(proto))
		return CTAP1_ERR_INVALID_PARAMETER;
	if (!st->pin_set)
		return CTAP2_ERR_PIN_NOT_SET;
	sk_hmac16(d->token, sizeof(d->token), cdh, 32, mac);
	r = cbor_bytestring_length(auth) == 16 && CRYPTO_memcmp(mac, cbor_bytestring_handle(auth), 16) == 0
	        ? CTAP_OK
	        : CTAP2_ERR_PIN_AUTH_INVALID;
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

/* A new key-agreement key after a wrong PIN, as the spec asks. */
static int ka_renew(struct sk_dev *d)
{
	EVP_PKEY *k = sk_ecdh_new();

	if (k == NULL)
		return CTAP1_ERR_OTHER;
	EVP_PKEY_free(d->ka);
	d->ka = k;
	return CTAP_OK;
}

/* Decrypts pinHashEnc and compares it with the stored hash, spending a
 * retry first (a power loss mid-check must not give a free guess). */
static int pin_check(struct sk_dev *d, struct sk_state *st, const unsigned char shared[32],
                     const unsigned char *hash_enc, bool *dirty)
{
	unsigned char hash[16];
	bool match;

	if (st->retries == 0)
		return CTAP2_ERR_PIN_BLOCKED;
	if (d->pin_fails >= 3)
		return CTAP2_ERR_PIN_AUTH_BLOCKED;
	st->retries--;
	*dirty = true;
	if (sk_aes(shared, false, hash_enc, 16, hash) < 0)
		return CTAP1_ERR_OTHER;
	match = CRYPTO_memcmp(hash, st->pin_hash, 16) == 0;
	OPENSSL_cleanse(hash, sizeof(hash));
	if (!match) {
		d->pin_fails++;
		if (ka_renew(d) != CTAP_OK)
			return CTAP1_ERR_OTHER;
		if (st->retries == 0)
			return CTAP2_ERR_PIN_BLOCKED;
		return d->pin_fails >= 3 ? CTAP2_ERR_PIN_AUTH_BLOCKED : CTAP2_ERR_PIN_INVALID;
	}
	d->pin_fails = 0;
	st->retries = SK_PIN_RETRIES;
	return CTAP_OK;
}

/* Decrypts newPinEnc and stores the PIN it carries (4 to 63 bytes). */
static int pin_store(struct sk_state *st, const unsigned char shared[32], const unsigned char *enc, bool *dirty)
{
	unsigned char pin[PIN_ENC_LEN + 1];
	size_t n;
	int r = CTAP_OK;

	if (sk_aes(shared, false, enc, PIN_ENC_LEN, pin) < 0)
		return CTAP1_ERR_OTHER;
	pin[PIN_ENC_LEN] = 0;
	n = strlen((char *)pin);
	if (n < 4 || n >= PIN_ENC_LEN)
		r = CTAP2_ERR_PIN_POLICY_VIOLATION;
	else {
		sk_state_set_pin(st, (char *)pin);
		*dirty = true;
	}
	OPENSSL_cleanse(pin, sizeof(pin));
	return r;
}

static int set_pin(struct sk_dev *d, struct sk_state *st, const cbor_item_t *req, const unsigned char shared[32],
                   bool *dirty)
{
	const unsigned char *auth = req_bytes(req, 4, 16), *enc = req_bytes(req, 5, PIN_ENC_LEN);
	unsigned char mac[16];

	if (auth == NULL || enc == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (st->pin_set)
		return CTAP2_ERR_NOT_ALLOWED;
	sk_hmac16(shared, 32, enc, PIN_ENC_LEN, mac);
	if (CRYPTO_memcmp(mac, auth, 16) != 0)
		return CTAP2_ERR_PIN_AUTH_INVALID;
	return pin_store(st, shared, enc, dirty);
}

static int change_pin(struct sk_dev *d, struct sk_state *st, const cbor_item_t *req, const unsigned char shared[32],
                      bool *dirty)
{
	const unsigned char *auth = req_bytes(req, 4, 16), *enc = req_bytes(req, 5, PIN_ENC_LEN),
	                    *hash_enc = req_bytes(req, 6, 16);
	unsigned char both[PIN_ENC_LEN + 16], mac[16];
	int r;

	if (auth == NULL || enc == NULL || hash_enc == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (!st->pin_set)
		return CTAP2_ERR_PIN_NOT_SET;
	memcpy(both, enc, PIN_ENC_LEN);
	memcpy(both + PIN_ENC_LEN, hash_enc, 16);
	sk_hmac16(shared, 32, both, sizeof(both), mac);
	if (CRYPTO_memcmp(mac, auth, 16) != 0)
		return CTAP2_ERR_PIN_AUTH_INVALID;
	if ((r = pin_check(d, st, shared, hash_enc, dirty)) != CTAP_OK)
		return r;
	return pin_store(st, shared, enc, dirty);
}

static int get_token(struct sk_dev *d, struct sk_state *st, const cbor_item_t *req, const unsigned char shared[32],
                     bool *dirty, cbor_item_t **ret)
{
	const unsigned char *hash_enc = req_bytes(req, 6, 16);
	unsigned char enc[sizeof(d->token)];
	cbor_item_t *m;
	int r;

	if (hash_enc == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (!st->pin_set)
		return CTAP2_ERR_PIN_NOT_SET;
	if ((r = pin_check(d, st, shared, hash_enc, dirty)) != CTAP_OK)
		return r;
	if (sk_aes(shared, true, d->token, sizeof(d->token), enc) < 0 || (m = cbor_new_definite_map(1)) == NULL)
		return CTAP1_ERR_OTHER;
	if (!sk_map_put(m, sk_int(2), cbor_build_bytestring(enc, sizeof(enc)))) {
		cbor_decref(&m);
		return CTAP1_ERR_OTHER;
	}
	*ret = m;
	return CTAP_OK;
}

int sk_client_pin(struct sk_dev *d, struct sk_state *st, const cbor_item_t *req, bool *dirty, cbor_item_t **ret)
{
	const cbor_item_t *sub = sk_map_get(req, 2), *peer = sk_map_get(req, 3);
	unsigned char shared[32];
	cbor_item_t *m;
	int r;

	if (sk_map_get(req, 1) == NULL || sub == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (!proto_one(sk_map_get(req, 1)))
		return CTAP1_ERR_INVALID_PARAMETER;
	if (!cbor_isa_uint(sub))
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	switch (cbor_get_int(sub)) {
	case SUB_GET_RETRIES:
		if ((m = cbor_new_definite_map(1)) == NULL)
			return CTAP1_ERR_OTHER;
		if (!sk_map_put(m, sk_int(3), sk_int(st->retries))) {
			cbor_decref(&m);
			return CTAP1_ERR_OTHER;
		}
		*ret = m;
		return CTAP_OK;
	case SUB_GET_KEY_AGREEMENT:
		if ((m = cbor_new_definite_map(1)) == NULL)
			return CTAP1_ERR_OTHER;
		if (!sk_map_put(m, sk_int(1), sk_ecdh_cose(d->ka))) {
			cbor_decref(&m);
			return CTAP1_ERR_OTHER;
		}
		*ret = m;
		return CTAP_OK;
	case SUB_SET_PIN:
	case SUB_CHANGE_PIN:
	case SUB_GET_PIN_TOKEN:
		break;
	default:
		return CTAP1_ERR_INVALID_PARAMETER;
	}
	if (peer == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (sk_ecdh_shared(d->ka, peer, shared) < 0)
		return CTAP1_ERR_INVALID_PARAMETER;
	switch (cbor_get_int(sub)) {
	case SUB_SET_PIN:
		r = set_pin(d, st, req, shared, dirty);
		break;
	case SUB_CHANGE_PIN:
		r = change_pin(d, st, req, shared, dirty);
		break;
	default:
		r = get_token(d, st, req, shared, dirty, ret);
		break;
	}
	OPENSSL_cleanse(shared, sizeof(shared));
	return r;
}

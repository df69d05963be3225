/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for FIDO2 verification (daemon/fido2.c): the input is
 * split into the fields a client sends (layout in fuzz_fido2.h) and run
 * through attestation or assertion verification.  What must hold for any
 * input:
 *  - no crash, no leak, no error but -EINVAL for a stored key that is no
 *    key (everything a client sends ends in a verdict);
 *  - no acceptance that an independent check refuses: every verdict that
 *    says the key signed (ok, no_presence, no_verification, cloned_key) is
 *    re-verified here with OpenSSL alone over authdata || challenge, and
 *    ok is checked against the rp id hash, the flags, the counter rule and
 *    the bounds; an accepted "none" must have been allowed and bare.
 * Any violation abort()s.  Built with `make fuzz` (clang, libFuzzer) and,
 * for ordinary test runs, linked with replay.c to replay the corpus.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fido/param.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "fido2.h"
#include "fuzz_fido2.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct field {
	const uint8_t *p;
	size_t n;
};

static struct field next_field(const uint8_t **data, size_t *size)
{
	struct field f = {(const uint8_t *)"", 0};
	size_t n;

	if (*size < 2) {
		*size = 0;
		return f;
	}
	n = (size_t)(*data)[0] << 8 | (*data)[1];
	*data += 2;
	*size -= 2;
	if (n > *size)
		n = *size;
	f.p = *data;
	f.n = n;
	*data += n;
	*size -= n;
	return f;
}

/* The public key from its raw form, by OpenSSL alone. */
static EVP_PKEY *raw_key(int32_t alg, const uint8_t *pk, size_t n)
{
	static char group[] = "prime256v1";
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	uint8_t pt[65];
	OSSL_PARAM params[3];

	if (alg == COSE_EDDSA)
		return n == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, n) : NULL;
	if (alg != COSE_ES256 || n != 64)
		return NULL;
	pt[0] = 0x04;
	memcpy(pt + 1, pk, 64);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) && EVP_PKEY_fromdata_init(ctx) == 1)
		(void)EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* Does k sign raw || challenge into sig?  ES256 hashes with SHA-256,
 * Ed25519 signs the message itself. */
static bool oracle_verify(EVP_PKEY *k, const uint8_t *raw, size_t raw_len, const uint8_t *challenge,
                          const struct field *sig)
{
	uint8_t msg[FIDO2_AUTHDATA_MAX + FIDO2_CHALLENGE_SIZE];
	EVP_MD_CTX *ctx;
	bool ok;

	if (!k || raw_len > FIDO2_AUTHDATA_MAX || !(ctx = EVP_MD_CTX_new()))
		abort();
	memcpy(msg, raw, raw_len);
	memcpy(msg + raw_len, challenge, FIDO2_CHALLENGE_SIZE);
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_PKEY_is_a(k, "EC") ? EVP_sha256() : NULL, NULL, k) == 1 &&
	     EVP_DigestVerify(ctx, sig->p, sig->n, msg, raw_len + FIDO2_CHALLENGE_SIZE) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

static bool rp_hash_ok(const uint8_t *raw)
{
	uint8_t h[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)FUZZ_FIDO2_RP, strlen(FUZZ_FIDO2_RP), h);
	return memcmp(h, raw, sizeof(h)) == 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void fuzz_assertion(uint8_t mode, uint32_t count, const struct field *ad, const struct field *sig,
                           const struct field *pk, const uint8_t *challenge)
{
	struct fido2_key key = {
	    .cose_alg = (mode & FUZZ_MODE_STORED_EDDSA) ? COSE_EDDSA : COSE_ES256,
	    .pubkey = pk->p,
	    .pubkey_len = pk->n,
	    .sign_count = count,
	    .flags = (mode & FUZZ_MODE_STORED_CLONE) ? STORE_KEY_CLONED : 0,
	};
	struct fido2_assertion a = {
	    .rp_id = FUZZ_FIDO2_RP,
	    .challenge = challenge,
	    .authdata = ad->p,
	    .authdata_len = ad->n,
	    .sig = sig->p,
	    .sig_len = sig->n,
	    .uv_required = (mode & FUZZ_MODE_UV_REQUIRED) != 0,
	};
	struct fido2_assert_result res;
	const uint8_t *raw = ad->p + 2;
	uint32_t got;
	EVP_PKEY *k;
	int r;

	r = fido2_assertion_verify(&key, &a, &res);
	if (r == -EINVAL)
		return;
	if (r < 0 || res.verdict >= FIDO2_VERDICT_COUNT_)
		abort();
	if (res.verdict == FIDO2_VERDICT_BAD_SIGNATURE || res.verdict == FIDO2_VERDICT_WRONG_RP ||
	    res.verdict == FIDO2_VERDICT_MALFORMED)
		return;
	/* The key signed this: the one encoding, the rp, the signature. */
	if (ad->n != 39 || ad->p[0] != 0x58 || ad->p[1] != 37 || !rp_hash_ok(raw))
		abort();
	k = raw_key(key.cose_alg, pk->p, pk->n);
	if (!oracle_verify(k, raw, 37, challenge, sig))
		abort();
	EVP_PKEY_free(k);
	got = be32(raw + 33);
	if (res.verdict == FIDO2_VERDICT_OK) {
		if (!(raw[32] & 0x01) || (a.uv_required && !(raw[32] & 0x04)) || (key.flags & STORE_KEY_CLONED))
			abort();
		if (res.sign_count != got || res.zero_counter != (got == 0))
			abort();
		if (!(got > count || (got == 0 && count == 0)))
			abort();
	}
	if (res.verdict == FIDO2_VERDICT_CLONED_KEY && !(key.flags & STORE_KEY_CLONED) &&
	    (got > count || (got == 0 && count == 0)))
		abort();
}

static void fuzz_attestation(uint8_t mode, const struct field *ad, const struct field *sig, const struct field *x5c,
                             const struct field *fmt, const uint8_t *challenge)
{
	char fmt_str[64];
	struct fido2_attestation a = {
	    .rp_id = FUZZ_FIDO2_RP,
	    .challenge = challenge,
	    .fmt = fmt_str,
	    .authdata = ad->p,
	    .authdata_len = ad->n,
	    .x5c = x5c->p,
	    .x5c_len = x5c->n,
	    .sig = sig->p,
	    .sig_len = sig->n,
	    .allow_none = (mode & FUZZ_MODE_ALLOW_NONE) != 0,
	    .uv_required = (mode & FUZZ_MODE_UV_REQUIRED) != 0,
	    .resident = (mode & FUZZ_MODE_RESIDENT) != 0,
	};
	struct fido2_credential cred;
	enum fido2_attest_verdict v;
	const uint8_t *raw;
	size_t hdr, id_len;
	EVP_PKEY *k = NULL;
	int r;

	memset(fmt_str, 0, sizeof(fmt_str));
	memcpy(fmt_str, fmt->p, fmt->n < sizeof(fmt_str) - 1 ? fmt->n : sizeof(fmt_str) - 1);
	r = fido2_attestation_verify(&a, &v, &cred);
	if (r < 0 || v >= FIDO2_ATTEST_COUNT_)
		abort();
	if (v != FIDO2_ATTEST_OK)
		return;

	/* The shortest CBOR header, then rpIdHash flags count aaguid len id. */
	hdr = ad->n < 24 + 1 ? 1 : ad->n <= 0xff + 2 ? 2 : 3;
	raw = ad->p + hdr;
	if (ad->n < hdr + 55 || !rp_hash_ok(raw) || !(raw[32] & 0x01) || !(raw[32] & 0x40) ||
	    (a.uv_required && !(raw[32] & 0x04)))
		abort();
	id_len = (size_t)raw[53] << 8 | raw[54];
	if (cred.cred_id_len != id_len || id_len == 0 || id_len > FIDO2_CRED_ID_MAX || ad->n < hdr + 55 + id_len ||
	    memcmp(cred.cred_id, raw + 55, id_len) != 0)
		abort();
	if (cred.sign_count != be32(raw + 33) || !!(cred.flags & STORE_KEY_UV) != !!(raw[32] & 0x04) ||
	    !!(cred.flags & STORE_KEY_RESIDENT) != a.resident)
		abort();
	if (!(cred.cose_alg == COSE_ES256 && cred.pubkey_len == 64) &&
	    !(cred.cose_alg == COSE_EDDSA && cred.pubkey_len == 32))
		abort();
	if (strcmp(fmt_str, "none") == 0) {
		if (!a.allow_none || sig->n || x5c->n)
			abort();
		return;
	}
	if (strcmp(fmt_str, "packed") != 0)
		abort();
	if (x5c->n) {
		const unsigned char *p = x5c->p;
		X509 *cert = d2i_X509(NULL, &p, (long)x5c->n);

		if (!cert || !(k = X509_get_pubkey(cert)))
			abort();
		X509_free(cert);
	} else {
		k = raw_key(cred.cose_alg, cred.pubkey, cred.pubkey_len);
	}
	if (!oracle_verify(k, raw, ad->n - hdr, challenge, sig))
		abort();
	EVP_PKEY_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	uint8_t challenge[FIDO2_CHALLENGE_SIZE];
	struct field ad, sig, x5c, fmt, pk;
	uint32_t count;
	uint8_t mode;

	if (!init) {
		if (fido2_init() < 0)
			abort();
		init = true;
	}
	if (size < 5)
		return 0;
	mode = data[0];
	count = be32(data + 1);
	data += 5;
	size -= 5;
	ad = next_field(&data, &size);
	sig = next_field(&data, &size);
	x5c = next_field(&data, &size);
	fmt = next_field(&data, &size);
	pk = next_field(&data, &size);
	FUZZ_FIDO2_CHALLENGE(challenge);

	if (mode & FUZZ_MODE_ASSERT)
		fuzz_assertion(mode, count, &ad, &sig, &pk, challenge);
	else
		fuzz_attestation(mode, &ad, &sig, &x5c, &fmt, challenge);
	return 0;
}

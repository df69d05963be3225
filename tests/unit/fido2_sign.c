/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Authenticator output made in software (see fido2_sign.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "fido2_sign.h"

#define CHECK(x)                                                                                                       \
	do {                                                                                                           \
		if (!(x)) {                                                                                            \
			fprintf(stderr, "fido2_sign: %s failed at line %d\n", #x, __LINE__);                           \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

static void put(struct blob *o, const void *p, size_t n)
{
	CHECK(n <= sizeof(o->b) - o->n);
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

static void put1(struct blob *o, uint8_t v)
{
	put(o, &v, 1);
}

EVP_PKEY *sign_key_new(int cose_alg)
{
	EVP_PKEY *k;

	if (cose_alg == -7)
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	CHECK(k);
	return k;
}

void sign_key_raw(EVP_PKEY *k, struct blob *out)
{
	uint8_t pt[65];
	size_t n = 0;

	out->n = 0;
	if (EVP_PKEY_is_a(k, "EC")) {
		CHECK(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &n) == 1);
		CHECK(n == 65 && pt[0] == 0x04);
		put(out, pt + 1, 64);
	} else {
		n = 32;
		CHECK(EVP_PKEY_get_raw_public_key(k, out->b, &n) == 1 && n == 32);
		out->n = 32;
	}
}

void sign_key_cose(EVP_PKEY *k, struct blob *out)
{
	struct blob raw;

	sign_key_raw(k, &raw);
	out->n = 0;
	if (raw.n == 64) {
		/* {1: 2 (EC2), 3: -7, -1: 1 (P-256), -2: x, -3: y} */
		static const uint8_t head[] = {0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01};
		put(out, head, sizeof(head));
		put1(out, 0x21), put1(out, 0x58), put1(out, 32), put(out, raw.b, 32);
		put1(out, 0x22), put1(out, 0x58), put1(out, 32), put(out, raw.b + 32, 32);
	} else {
		/* {1: 1 (OKP), 3: -8, -1: 6 (Ed25519), -2: x} */
		static const uint8_t head[] = {0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06};
		put(out, head, sizeof(head));
		put1(out, 0x21), put1(out, 0x58), put1(out, 32), put(out, raw.b, 32);
	}
}

void sign_cose_rs256(struct blob *out)
{
	/* {1: 3 (RSA), 3: -257, -1: n (256 bytes), -2: e (65537)} */
	static const uint8_t head[] = {0xa4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20, 0x59, 0x01, 0x00};
	static const uint8_t e[] = {0x21, 0x43, 0x01, 0x00, 0x01};
	uint8_t n[256];

	memset(n, 0xc5, sizeof(n));
	out->n = 0;
	put(out, head, sizeof(head));
	put(out, n, sizeof(n));
	put(out, e, sizeof(e));
}

void sign_authdata(const char *rp_id, uint8_t flags, uint32_t count, struct blob *out)
{
	uint8_t h[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)rp_id, strlen(rp_id), h);
	out->n = 0;
	put(out, h, sizeof(h));
	put1(out, flags);
	put1(out, (uint8_t)(count >> 24)), put1(out, (uint8_t)(count >> 16));
	put1(out, (uint8_t)(count >> 8)), put1(out, (uint8_t)count);
}

void sign_attcred(struct blob *ad, const uint8_t *id, size_t id_len, const struct blob *cose)
{
	static const uint8_t aaguid[16];

	put(ad, aaguid, sizeof(aaguid));
	put1(ad, (uint8_t)(id_len >> 8)), put1(ad, (uint8_t)id_len);
	put(ad, id, id_len);
	put(ad, cose->b, cose->n);
}

void sign_cbor_wrap(const struct blob *raw, struct blob *out)
{
	out->n = 0;
	if (raw->n < 24) {
		put1(out, (uint8_t)(0x40 | raw->n));
	} else if (raw->n <= 0xff) {
		put1(out, 0x58), put1(out, (uint8_t)raw->n);
	} else {
		CHECK(raw->n <= 0xffff);
		put1(out, 0x59), put1(out, (uint8_t)(raw->n >> 8)), put1(out, (uint8_t)raw->n);
	}
	put(out, raw->b, raw->n);
}

void sign_sign(EVP_PKEY *k, const struct blob *raw, const uint8_t *cdh, struct blob *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct blob msg = {.n = 0};
	size_t n = sizeof(out->b);

	put(&msg, raw->b, raw->n);
	put(&msg, cdh, 32);
	CHECK(ctx);
	CHECK(EVP_DigestSignInit(ctx, NULL, EVP_PKEY_is_a(k, "EC") ? EVP_sha256() : NULL, NULL, k) == 1);
	CHECK(EVP_DigestSign(ctx, out->b, &n, msg.b, msg.n) == 1);
	out->n = n;
	EVP_MD_CTX_free(ctx);
}

void sign_cert(EVP_PKEY *k, struct blob *out)
{
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char *p = out->b;
	int n;

	CHECK(x);
	CHECK(X509_set_version(x, 2) == 1);
	CHECK(ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1);
	CHECK(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	CHECK(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	CHECK((name = X509_get_subject_name(x)));
	CHECK(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"vigil test attestation", -1,
	                                 -1, 0) == 1);
	CHECK(X509_set_issuer_name(x, name) == 1);
	CHECK(X509_set_pubkey(x, k) == 1);
	CHECK(X509_sign(x, k, EVP_sha256()) > 0);
	n = i2d_X509(x, NULL);
	CHECK(n > 0 && (size_t)n <= sizeof(out->b));
	CHECK(i2d_X509(x, &p) == n);
	out->n = (size_t)n;
	X509_free(x);
}

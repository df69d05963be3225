/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenSSL 3 underneath the soft key.  Private keys travel as DER buffers so
 * the state file can hold them; every EVP_PKEY made from one is freed before
 * the function returns.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto.h"

static int der_out(EVP_PKEY *k, unsigned char *der, size_t max, size_t *ret_len)
{
	unsigned char *p = NULL;
	int n = i2d_PrivateKey(k, &p);

	if (n <= 0)
		return -EIO;
	if ((size_t)n > max) {
		OPENSSL_clear_free(p, (size_t)n);
		return -E2BIG;
	}
	memcpy(der, p, (size_t)n);
	OPENSSL_clear_free(p, (size_t)n);
	*ret_len = (size_t)n;
	return 0;
}

static EVP_PKEY *der_in(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;

	return d2i_AutoPrivateKey(NULL, &p, (long)len);
}

int sk_key_new(enum sk_alg alg, unsigned char *der, size_t max, size_t *ret_len)
{
	EVP_PKEY *k = alg == SK_ALG_EDDSA ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") : EVP_EC_gen("P-256");
	int r;

	if (k == NULL)
		return -EIO;
	r = der_out(k, der, max, ret_len);
	EVP_PKEY_free(k);
	return r;
}

static int ec_point(EVP_PKEY *k, unsigned char xy[64])
{
	unsigned char pt[65];
	size_t n = 0;

	if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt), &n) != 1 ||
	    n != sizeof(pt) || pt[0] != 0x04)
		return -EIO;
	memcpy(xy, pt + 1, 64);
	return 0;
}

bool sk_map_put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *value)
{
	bool ok = key != NULL && value != NULL && cbor_map_add(map, (struct cbor_pair){.key = key, .value = value});

	if (key != NULL)
		cbor_decref(&key);
	if (value != NULL)
		cbor_decref(&value);
	return ok;
}

/* The shortest encoding, as canonical CBOR wants and libfido2 expects (it
 * reads map keys as one-byte unsigned integers). */
cbor_item_t *sk_int(int64_t v)
{
	uint64_t u = v >= 0 ? (uint64_t)v : (uint64_t)(-1 - v);
	cbor_item_t *it;

	if (u <= UINT8_MAX)
		it = v >= 0 ? cbor_build_uint8((uint8_t)u) : cbor_build_negint8((uint8_t)u);
	else if (u <= UINT16_MAX)
		it = v >= 0 ? cbor_build_uint16((uint16_t)u) : cbor_build_negint16((uint16_t)u);
	else if (u <= UINT32_MAX)
		it = v >= 0 ? cbor_build_uint32((uint32_t)u) : cbor_build_negint32((uint32_t)u);
	else
		it = v >= 0 ? cbor_build_uint64(u) : cbor_build_negint64(u);
	return it;
}

/* {1: kty, 3: alg, -1: crv, -2: x, -3: y (EC2 only)} in canonical order. */
static cbor_item_t *cose(int kty, int alg, int crv, const unsigned char *x, size_t xlen, const unsigned char *y)
{
	cbor_item_t *m = cbor_new_definite_map(y != NULL ? 5 : 4);

	if (m == NULL)
		return NULL;
	if (!sk_map_put(m, sk_int(1), sk_int(kty)) || !sk_map_put(m, sk_int(3), sk_int(alg)) ||
	    !sk_map_put(m, sk_int(-1), sk_int(crv)) || !sk_map_put(m, sk_int(-2), cbor_build_bytestring(x, xlen)) ||
	    (y != NULL && !sk_map_put(m, sk_int(-3), cbor_build_bytestring(y, 32)))) {
		cbor_decref(&m);
		return NULL;
	}
	return m;
}

cbor_item_t *sk_key_cose(const unsigned char *der, size_t len, enum sk_alg alg)
{
	EVP_PKEY *k = der_in(der, len);
	cbor_item_t *m = NULL;
	unsigned char xy[64];
	size_t n = 32;

	if (k == NULL)
		return NULL;
	if (alg == SK_ALG_EDDSA) {
		if (EVP_PKEY_get_raw_public_key(k, xy, &n) == 1 && n == 32)
			m = cose(1, -8, 6, xy, 32, NULL);
	} else if (ec_point(k, xy) == 0)
		m = cose(2, -7, 1, xy, 32, xy + 32);
	EVP_PKEY_free(k);
	return m;
}

static int sign_pkey(EVP_PKEY *k, const EVP_MD *md, const unsigned char *msg, size_t msg_len, unsigned char *sig,
                     size_t sig_max, size_t *ret_sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = sig_max;
	int r = -EIO;

	if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, md, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &n, msg, msg_len) == 1) {
		*ret_sig_len = n;
		r = 0;
	}
	EVP_MD_CTX_free(ctx);
	return r;
}

int sk_sign(const unsigned char *der, size_t len, enum sk_alg alg, const unsigned char *msg, size_t msg_len,
            unsigned char *sig, size_t sig_max, size_t *ret_sig_len)
{
	EVP_PKEY *k = der_in(der, len);
	int r;

	if (k == NULL)
		return -EBADMSG;
	r = sign_pkey(k, alg == SK_ALG_EDDSA ? NULL : EVP_sha256(), msg, msg_len, sig, sig_max, ret_sig_len);
	EVP_PKEY_free(k);
	return r;
}

static int name_add(X509_NAME *n, const char *field, const char *value)
{
	return X509_NAME_add_entry_by_txt(n, field, MBSTRING_ASC, (const unsigned char *)value, -1, -1, 0) == 1;
}

/* Shaped as FIDO's attestation certificate requirements ask (v3, OU
 * "Authenticator Attestation", not a CA), though libfido2 checks none of it. */
static int cert_make(EVP_PKEY *k, X509 **ret)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509_EXTENSION *ext = NULL;
	X509V3_CTX v3;
	unsigned char serial[8];
	BIGNUM *bn = NULL;
	int r = -EIO;

	if (x == NULL || n == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	if (!name_add(n, "C", "US") || !name_add(n, "O", "Vigil test soft key") ||
	    !name_add(n, "OU", "Authenticator Attestation") || !name_add(n, "CN", "Vigil softkey attestation"))
		goto out;
	if (X509_set_version(x, 2) != 1 || X509_set_subject_name(x, n) != 1 || X509_set_issuer_name(x, n) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 20L * 365 * 86400) == NULL || X509_set_pubkey(x, k) != 1)
		goto out;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:FALSE")) == NULL ||
	    X509_add_ext(x, ext, -1) != 1)
		goto out;
	if (X509_sign(x, k, EVP_sha256()) <= 0)
		goto out;
	*ret = x;
	x = NULL;
	r = 0;
out:
	X509_EXTENSION_free(ext);
	BN_free(bn);
	X509_NAME_free(n);
	X509_free(x);
	return r;
}

int sk_attest_new(unsigned char *key, size_t key_max, size_t *ret_key_len, unsigned char *cert, size_t cert_max,
                  size_t *ret_cert_len)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = NULL;
	unsigned char *p = NULL;
	size_t klen;
	int n = 0, r = -EIO;

	if (k == NULL || cert_make(k, &x) < 0 || (n = i2d_X509(x, &p)) <= 0)
		goto out;
	if ((size_t)n > cert_max) {
		r = -E2BIG;
		goto out;
	}
	if ((r = der_out(k, key, key_max, &klen)) < 0)
		goto out;
	memcpy(cert, p, (size_t)n);
	*ret_key_len = klen;
	*ret_cert_len = (size_t)n;
	r = 0;
out:
	OPENSSL_free(p);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

EVP_PKEY *sk_ecdh_new(void)
{
	return EVP_EC_gen("P-256");
}

cbor_item_t *sk_ecdh_cose(EVP_PKEY *key)
{
	unsigned char xy[64];

	if (ec_point(key, xy) < 0)
		return NULL;
	return cose(2, -25, 1, xy, 32, xy + 32);
}

static const unsigned char *map_bytes(const cbor_item_t *m, int key, size_t want)
{
	struct cbor_pair *p = cbor_map_handle(m);

	for (size_t i = 0; i < cbor_map_size(m); i++) {
		const cbor_item_t *k = p[i].key;
		int v;

		if (cbor_isa_uint(k))
			v = (int)cbor_get_int(k);
		else if (cbor_isa_negint(k))
			v = -1 - (int)cbor_get_int(k);
		else
			continue;
		if (v == key && cbor_isa_bytestring(p[i].value) && cbor_bytestring_is_definite(p[i].value) &&
		    cbor_bytestring_length(p[i].value) == want)
			return cbor_bytestring_handle(p[i].value);
	}
	return NULL;
}

static EVP_PKEY *peer_key(const cbor_item_t *cose_key)
{
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;
	const unsigned char *x, *y;
	unsigned char pt[65];

	if (!cbor_isa_map(cose_key) || (x = map_bytes(cose_key, -2, 32)) == NULL ||
	    (y = map_bytes(cose_key, -3, 32)) == NULL)
		return NULL;
	pt[0] = 0x04;
	memcpy(pt + 1, x, 32);
	memcpy(pt + 33, y, 32);
	if ((b = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(b)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	return k;
}

int sk_ecdh_shared(EVP_PKEY *key, const cbor_item_t *peer, unsigned char out[32])
{
	EVP_PKEY *pk = peer_key(peer);
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char z[32];
	size_t n = sizeof(z);
	int r = -EINVAL;

	if (pk == NULL)
		goto out;
	if ((ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, pk) != 1 || EVP_PKEY_derive(ctx, z, &n) != 1 || n != sizeof(z))
		goto out;
	if (EVP_Digest(z, sizeof(z), out, NULL, EVP_sha256(), NULL) != 1)
		goto out;
	r = 0;
out:
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return r;
}

int sk_aes(const unsigned char key[32], bool encrypt, const unsigned char *in, size_t len, unsigned char *out)
{
	static const unsigned char iv[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, r = -EINVAL;

	if (ctx == NULL || len % 16 != 0 || len > 1024)
		goto out;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, encrypt ? 1 : 0) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 || EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 ||
	    (size_t)n != len)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

void sk_hmac16(const unsigned char *key, size_t key_len, const unsigned char *data, size_t len, unsigned char out[16])
{
	unsigned char md[32];
	unsigned n = sizeof(md);

	if (HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &n) == NULL)
		RAND_bytes(md, sizeof(md)); /* a mismatch, never a match */
	memcpy(out, md, 16);
	OPENSSL_cleanse(md, sizeof(md));
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FIDO2 verification (see fido2.h).  libfido2 decodes authenticator data and
 * checks signatures; this file reads the fixed part of authenticator data
 * itself (a 32-byte rp id hash, a flags byte, a big-endian counter) to give
 * each failure its own verdict, insists on one encoding where libfido2 is
 * lenient (cbor_load() ignores trailing bytes), bounds every CBOR header
 * before libcbor sees it (libcbor 0.8 allocates what a header declares),
 * and does what libfido2 never does: the signature counter and "none"
 * attestation.  Every input
 * but rp_id, the challenge and the stored key comes from a client.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "fido2.h"
#include "store.h"

/* Authenticator data (WebAuthn 6.1): rpIdHash(32) flags(1) signCount(4),
 * then for a new credential aaguid(16) credentialIdLength(2) credentialId
 * credentialPublicKey(COSE), then extensions (CBOR map). */
#define AD_RP_HASH     0
#define AD_FLAGS       32
#define AD_COUNT       33
#define AD_FIXED       37
#define AD_CRED_ID_LEN (AD_FIXED + 16)
#define AD_CRED_ID     (AD_CRED_ID_LEN + 2)
#define AD_UP          0x01
#define AD_UV          0x04
#define AD_AT          0x40
#define AD_ED          0x80

_Static_assert(FIDO2_CRED_ID_MAX <= STORE_KEY_CRED_MAX, "a credential id must fit the store");
_Static_assert(FIDO2_PUBKEY_MAX <= STORE_KEY_PUBKEY_MAX, "a public key must fit the store");
_Static_assert(FIDO2_CHALLENGE_SIZE == SHA256_DIGEST_LENGTH, "the challenge stands in for a SHA-256 hash");

int fido2_init(void)
{
	fido_init(0);
	return 0;
}

int fido2_challenge_new(uint8_t ret[FIDO2_CHALLENGE_SIZE])
{
	return RAND_bytes(ret, FIDO2_CHALLENGE_SIZE) == 1 ? 0 : -EIO;
}

static const char *const verdict_names[FIDO2_VERDICT_COUNT_] = {
    [FIDO2_VERDICT_OK] = "ok",
    [FIDO2_VERDICT_BAD_SIGNATURE] = "bad_signature",
    [FIDO2_VERDICT_WRONG_RP] = "wrong_rp",
    [FIDO2_VERDICT_NO_PRESENCE] = "no_presence",
    [FIDO2_VERDICT_NO_VERIFICATION] = "no_verification",
    [FIDO2_VERDICT_CLONED_KEY] = "cloned_key",
    [FIDO2_VERDICT_MALFORMED] = "malformed",
};

static const char *const attest_names[FIDO2_ATTEST_COUNT_] = {
    [FIDO2_ATTEST_OK] = "ok",
    [FIDO2_ATTEST_BAD_SIGNATURE] = "bad_signature",
    [FIDO2_ATTEST_WRONG_RP] = "wrong_rp",
    [FIDO2_ATTEST_NO_PRESENCE] = "no_presence",
    [FIDO2_ATTEST_NO_VERIFICATION] = "no_verification",
    [FIDO2_ATTEST_UNSUPPORTED_ALG] = "unsupported_alg",
    [FIDO2_ATTEST_UNSUPPORTED_FMT] = "unsupported_fmt",
    [FIDO2_ATTEST_MALFORMED] = "malformed",
};

const char *fido2_verdict_name(int verdict)
{
	if (verdict < 0 || verdict >= FIDO2_VERDICT_COUNT_)
		return "malformed";
	return verdict_names[verdict];
}

const char *fido2_attest_verdict_name(int verdict)
{
	if (verdict < 0 || verdict >= FIDO2_ATTEST_COUNT_)
		return "malformed";
	return attest_names[verdict];
}

static bool rp_id_ok(const char *rp_id)
{
	size_t n;

	if (!rp_id)
		return false;
	n = strnlen(rp_id, FIDO2_RP_ID_MAX + 1);
	return n > 0 && n <= FIDO2_RP_ID_MAX;
}

/* The contents of the CBOR byte string that is all of p: a definite length
 * in the shortest header (as libcbor writes it), nothing after.  -EBADMSG
 * otherwise.  *ret_raw points into p. */
static int authdata_unwrap(const uint8_t *p, size_t n, const uint8_t **ret_raw, size_t *ret_len)
{
	uint64_t len = 0;
	size_t hdr;
	uint8_t ai;

	if (!p || n < 1 || (p[0] >> 5) != 2)
		return -EBADMSG;
	ai = p[0] & 0x1f;
	if (ai < 24) {
		hdr = 1;
		len = ai;
	} else if (ai <= 26) {
		hdr = (size_t)1 + (1U << (ai - 24)); /* 1, 2 or 4 length bytes */
		if (n < hdr)
			return -EBADMSG;
		for (size_t i = 1; i < hdr; i++)
			len = (len << 8) | p[i];
		/* Shortest form: a length that fits a smaller header must use it. */
		if ((ai == 24 && len < 24) || (ai == 25 && len <= 0xff) || (ai == 26 && len <= 0xffff))
			return -EBADMSG;
	} else {
		return -EBADMSG; /* 8-byte lengths, reserved values, indefinite */
	}
	if (len != n - hdr)
		return -EBADMSG;
	*ret_raw = p + hdr;
	*ret_len = (size_t)len;
	return 0;
}

static bool rp_hash_matches(const char *rp_id, const uint8_t *raw)
{
	uint8_t want[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)rp_id, strlen(rp_id), want);
	return CRYPTO_memcmp(want, raw + AD_RP_HASH, sizeof(want)) == 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ------------------------------------------------------------ assertion */

/* The stored key as libfido2 wants it.  -EINVAL when the row holds no valid
 * key of its algorithm (a point off the curve, a wrong length). */
static int key_load(const struct fido2_key *key, es256_pk_t **ret_es, eddsa_pk_t **ret_ed)
{
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	int r;

	if (!key->pubkey)
		return -EINVAL;
	if (key->cose_alg == COSE_ES256 && key->pubkey_len == 64) {
		if (!(es = es256_pk_new())) {
			r = -ENOMEM;
			goto out;
		}
		if (es256_pk_from_ptr(es, key->pubkey, key->pubkey_len) != FIDO_OK) {
			r = -EINVAL;
			goto out;
		}
	} else if (key->cose_alg == COSE_EDDSA && key->pubkey_len == 32) {
		if (!(ed = eddsa_pk_new())) {
			r = -ENOMEM;
			goto out;
		}
		if (eddsa_pk_from_ptr(ed, key->pubkey, key->pubkey_len) != FIDO_OK) {
			r = -EINVAL;
			goto out;
		}
	} else {
		r = -EINVAL;
		goto out;
	}
	*ret_es = es;
	*ret_ed = ed;
	es = NULL;
	ed = NULL;
	r = 0;
out:
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	return r;
}

/* fido_assert_verify() over authdata and the challenge, flags unchecked
 * (they are judged after, and only for a genuine signature).  Returns 0 or
 * -EACCES for a signature that does not verify; -ENOMEM, -EIO. */
static int assert_signature(const struct fido2_assertion *a, int32_t alg, const void *pk, fido_assert_t **ret_as)
{
	fido_assert_t *as;
	int r, fr;

	if (!(as = fido_assert_new()))
		return -ENOMEM;
	if (fido_assert_set_count(as, 1) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(as, a->challenge, FIDO2_CHALLENGE_SIZE) != FIDO_OK ||
	    fido_assert_set_rp(as, a->rp_id) != FIDO_OK || fido_assert_set_up(as, FIDO_OPT_OMIT) != FIDO_OK ||
	    fido_assert_set_uv(as, FIDO_OPT_OMIT) != FIDO_OK) {
		r = -ENOMEM;
		goto out;
	}
	/* Both already bounded and unwrapped by the caller: a refusal here is
	 * libfido2 disagreeing about the encoding, or memory. */
	if (fido_assert_set_authdata(as, 0, a->authdata, a->authdata_len) != FIDO_OK ||
	    fido_assert_set_sig(as, 0, a->sig, a->sig_len) != FIDO_OK) {
		r = -EIO;
		goto out;
	}
	fr = fido_assert_verify(as, 0, alg, pk);
	if (fr == FIDO_ERR_INVALID_SIG) {
		r = -EACCES;
		goto out;
	}
	if (fr != FIDO_OK) {
		r = -EIO;
		goto out;
	}
	*ret_as = as;
	as = NULL;
	r = 0;
out:
	fido_assert_free(&as);
	return r;
}

/* Judges a genuine assertion: flags, then the counter. */
static void assert_judge(const struct fido2_key *key, const struct fido2_assertion *a, uint8_t flags, uint32_t count,
                         struct fido2_assert_result *res)
{
	res->uv = (flags & AD_UV) != 0;
	if (!(flags & AD_UP))
		res->verdict = FIDO2_VERDICT_NO_PRESENCE;
	else if (a->uv_required && !(flags & AD_UV))
		res->verdict = FIDO2_VERDICT_NO_VERIFICATION;
	else if (key->flags & STORE_KEY_CLONED)
		res->verdict = FIDO2_VERDICT_CLONED_KEY; /* once seen, the key stays refused */
	else if (count == 0 && key->sign_count == 0) {
		res->verdict = FIDO2_VERDICT_OK;
		res->zero_counter = true;
	} else if (count <= key->sign_count)
		res->verdict = FIDO2_VERDICT_CLONED_KEY;
	else
		res->verdict = FIDO2_VERDICT_OK;
	if (res->verdict == FIDO2_VERDICT_OK)
		res->sign_count = count;
}

int fido2_assertion_verify(const struct fido2_key *key, const struct fido2_assertion *a,
                           struct fido2_assert_result *ret_result)
{
	struct fido2_assert_result res = {.verdict = FIDO2_VERDICT_MALFORMED};
	fido_assert_t *as = NULL;
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	const uint8_t *raw;
	size_t raw_len;
	int r;

	if (!key || !a || !ret_result || !rp_id_ok(a->rp_id) || !a->challenge)
		return -EINVAL;
	if ((r = key_load(key, &es, &ed)) < 0)
		goto out;

	/* One encoding: 37 bytes, no attested credential, no extensions (the
	 * daemon asks for none). */
	if (!a->authdata || a->authdata_len > FIDO2_AUTHDATA_MAX || !a->sig || a->sig_len == 0 ||
	    a->sig_len > FIDO2_SIG_MAX)
		goto done;
	if (authdata_unwrap(a->authdata, a->authdata_len, &raw, &raw_len) < 0 || raw_len != AD_FIXED ||
	    (raw[AD_FLAGS] & (AD_AT | AD_ED)))
		goto done;
	if (!rp_hash_matches(a->rp_id, raw)) {
		res.verdict = FIDO2_VERDICT_WRONG_RP;
		goto done;
	}
	/* The signature before anything that names the key's behaviour: a
	 * forged assertion must not earn CLONED_KEY and get a victim's key
	 * flagged, nor NO_VERIFICATION in an audit record. */
	r = assert_signature(a, key->cose_alg, es ? (const void *)es : (const void *)ed, &as);
	if (r == -EACCES) {
		res.verdict = FIDO2_VERDICT_BAD_SIGNATURE;
		goto done;
	}
	if (r < 0)
		goto out;
	/* libfido2 read the same bytes; disagreeing would be a bug in one of us. */
	if (fido_assert_flags(as, 0) != raw[AD_FLAGS] || fido_assert_sigcount(as, 0) != be32(raw + AD_COUNT)) {
		r = -EIO;
		goto out;
	}
	assert_judge(key, a, raw[AD_FLAGS], be32(raw + AD_COUNT), &res);
done:
	*ret_result = res;
	r = 0;
out:
	fido_assert_free(&as);
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	return r;
}

/* ---------------------------------------------------------- attestation */

/* A credential with authdata decoded.  libfido2 decodes the COSE key only as
 * the type set beforehand, so each type is tried; RS256 and ES384 are tried
 * too, so that a key of those types is named as such rather than called
 * malformed.  Returns 0, -EBADMSG when no type decodes, -ENOMEM. */
static int cred_decode(const struct fido2_attestation *a, fido_cred_t **ret_cred, int32_t *ret_alg)
{
	static const int32_t algs[] = {COSE_ES256, COSE_EDDSA, COSE_RS256, COSE_ES384};
	fido_cred_t *c = NULL;

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (!(c = fido_cred_new()))
			return -ENOMEM;
		if (fido_cred_set_type(c, algs[i]) == FIDO_OK &&
		    fido_cred_set_authdata(c, a->authdata, a->authdata_len) == FIDO_OK) {
			*ret_cred = c;
			*ret_alg = algs[i];
			return 0;
		}
		fido_cred_free(&c);
	}
	return -EBADMSG;
}

/* The packed signature: by x5c's key when given, else by the credential's.
 * Returns 0, -EACCES for a signature that does not verify, -EBADMSG for
 * what libfido2 refuses before the signature (extensions other than
 * credProtect), -ENOMEM, -EIO. */
static int attest_signature(const struct fido2_attestation *a, fido_cred_t *c)
{
	/* libfido2 wants the extensions in authdata to be exactly those asked
	 * for, and 1.12 cannot say which credProtect level a key added on its
	 * own (fido_cred_prot() is the one asked for): try none, then each
	 * level.  A wrong guess fails that check, before any signature. */
	static const int prots[] = {0, FIDO_CRED_PROT_UV_OPTIONAL, FIDO_CRED_PROT_UV_OPTIONAL_WITH_ID,
	                            FIDO_CRED_PROT_UV_REQUIRED};
	int fr = FIDO_ERR_INVALID_PARAM;

	if (fido_cred_set_clientdata_hash(c, a->challenge, FIDO2_CHALLENGE_SIZE) != FIDO_OK ||
	    fido_cred_set_rp(c, a->rp_id, NULL) != FIDO_OK || fido_cred_set_fmt(c, "packed") != FIDO_OK ||
	    fido_cred_set_sig(c, a->sig, a->sig_len) != FIDO_OK ||
	    (a->x5c_len > 0 && fido_cred_set_x509(c, a->x5c, a->x5c_len) != FIDO_OK))
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(prots) / sizeof(prots[0]) && fr == FIDO_ERR_INVALID_PARAM; i++) {
		if (fido_cred_set_prot(c, prots[i]) != FIDO_OK)
			return -EIO;
		fr = a->x5c_len > 0 ? fido_cred_verify(c) : fido_cred_verify_self(c);
	}
	switch (fr) {
	case FIDO_OK:
		return 0;
	case FIDO_ERR_INVALID_SIG:
		return -EACCES;
	case FIDO_ERR_INVALID_PARAM:
	case FIDO_ERR_INVALID_ARGUMENT:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

/* What libfido2 decoded, copied out and bounded again. */
static int cred_extract(const fido_cred_t *c, int32_t alg, const struct fido2_attestation *a,
                        struct fido2_credential *out)
{
	size_t id_len = fido_cred_id_len(c), pk_len = fido_cred_pubkey_len(c);
	const unsigned char *id = fido_cred_id_ptr(c), *pk = fido_cred_pubkey_ptr(c);

	if (!id || id_len == 0 || id_len > sizeof(out->cred_id) || !pk || pk_len != (alg == COSE_ES256 ? 64U : 32U) ||
	    pk_len > sizeof(out->pubkey))
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	memcpy(out->cred_id, id, id_len);
	out->cred_id_len = id_len;
	out->cose_alg = alg;
	memcpy(out->pubkey, pk, pk_len);
	out->pubkey_len = pk_len;
	out->sign_count = fido_cred_sigcount(c);
	if (fido_cred_flags(c) & AD_UV)
		out->flags |= STORE_KEY_UV;
	if (a->resident)
		out->flags |= STORE_KEY_RESIDENT;
	return 0;
}

/* Walks one CBOR item at p (n bytes) without building it, for bounds only:
 * every length and count must fit what is left (libcbor 0.8 allocates a
 * declared array or map before reading it, so a 5-byte header could ask
 * the daemon for gigabytes), no indefinite lengths, no tags, no reserved
 * values, at most CBOR_DEPTH_MAX deep.  Returns the item's size, or 0 when
 * it is refused. */
#define CBOR_DEPTH_MAX 4
static size_t cbor_walk(const uint8_t *p, size_t n, unsigned depth)
{
	uint64_t v = 0, items;
	size_t hdr, used;
	uint8_t major, ai;

	if (n < 1 || depth > CBOR_DEPTH_MAX)
		return 0;
	major = p[0] >> 5;
	ai = p[0] & 0x1f;
	if (ai < 24) {
		hdr = 1;
		v = ai;
	} else if (ai <= 27) {
		hdr = (size_t)1 + (1U << (ai - 24));
		if (n < hdr)
			return 0;
		for (size_t i = 1; i < hdr; i++)
			v = (v << 8) | p[i];
	} else {
		return 0;
	}
	used = hdr;
	switch (major) {
	case 0: /* unsigned, negative integers; simple values and floats */
	case 1:
	case 7:
		return used;
	case 2: /* byte and text strings */
	case 3:
		return v <= n - used ? used + (size_t)v : 0;
	case 4: /* arrays, maps: each item takes at least one byte */
	case 5:
		if (v > (n - used) / (major == 5 ? 2 : 1))
			return 0;
		items = major == 5 ? 2 * v : v;
		for (uint64_t i = 0; i < items; i++) {
			size_t k = cbor_walk(p + used, n - used, depth + 1);

			if (k == 0)
				return 0;
			used += k;
		}
		return used;
	default: /* tags: never in a COSE key or an extension map */
		return 0;
	}
}

/* The attested credential data and extensions after the fixed part: an id
 * within bounds, a COSE key that is a map, an extension map exactly when
 * the ED flag says so, and nothing after (libfido2 ignores trailing
 * bytes).  Only then is any of it handed to libcbor. */
static bool attcred_bounded(const uint8_t *raw, size_t raw_len)
{
	size_t id_len, off, k;

	if (raw_len < AD_CRED_ID || !(raw[AD_FLAGS] & AD_AT))
		return false;
	id_len = (size_t)raw[AD_CRED_ID_LEN] << 8 | raw[AD_CRED_ID_LEN + 1];
	if (id_len == 0 || id_len > FIDO2_CRED_ID_MAX || id_len > raw_len - AD_CRED_ID)
		return false;
	off = AD_CRED_ID + id_len;
	if (off >= raw_len || (raw[off] >> 5) != 5 || (k = cbor_walk(raw + off, raw_len - off, 0)) == 0)
		return false;
	off += k;
	if (raw[AD_FLAGS] & AD_ED) {
		if (off >= raw_len || (raw[off] >> 5) != 5 || (k = cbor_walk(raw + off, raw_len - off, 0)) == 0)
			return false;
		off += k;
	}
	return off == raw_len;
}

/* The verdict on everything but the key type and the signature.  Checks
 * the bounds and the encoding first, so libfido2 only ever sees bounded
 * input.  On OK, *ret_none says fmt is "none" and *ret_flags holds the
 * authdata flags. */
static enum fido2_attest_verdict attest_precheck(const struct fido2_attestation *a, bool *ret_none, uint8_t *ret_flags)
{
	const uint8_t *raw;
	size_t raw_len, fmt_len;
	bool none;

	if (!a->fmt || !a->authdata || a->authdata_len > FIDO2_AUTHDATA_MAX || (!a->x5c && a->x5c_len) ||
	    a->x5c_len > FIDO2_X5C_MAX || (!a->sig && a->sig_len) || a->sig_len > FIDO2_SIG_MAX)
		return FIDO2_ATTEST_MALFORMED;
	fmt_len = strnlen(a->fmt, FIDO2_FMT_MAX + 1);
	if (fmt_len == 0 || fmt_len > FIDO2_FMT_MAX)
		return FIDO2_ATTEST_MALFORMED;
	if (authdata_unwrap(a->authdata, a->authdata_len, &raw, &raw_len) < 0 || !attcred_bounded(raw, raw_len))
		return FIDO2_ATTEST_MALFORMED;

	none = strcmp(a->fmt, "none") == 0;
	if (strcmp(a->fmt, "packed") != 0 && !(none && a->allow_none))
		return FIDO2_ATTEST_UNSUPPORTED_FMT;
	/* One encoding: "none" carries no statement, "packed" always a sig. */
	if (none ? (a->sig_len || a->x5c_len) : !a->sig_len)
		return FIDO2_ATTEST_MALFORMED;

	if (!rp_hash_matches(a->rp_id, raw))
		return FIDO2_ATTEST_WRONG_RP;
	if (!(raw[AD_FLAGS] & AD_UP))
		return FIDO2_ATTEST_NO_PRESENCE;
	if (a->uv_required && !(raw[AD_FLAGS] & AD_UV))
		return FIDO2_ATTEST_NO_VERIFICATION;
	*ret_none = none;
	*ret_flags = raw[AD_FLAGS];
	return FIDO2_ATTEST_OK;
}

int fido2_attestation_verify(const struct fido2_attestation *a, enum fido2_attest_verdict *ret_verdict,
                             struct fido2_credential *ret_cred)
{
	enum fido2_attest_verdict verdict;
	struct fido2_credential cred;
	fido_cred_t *c = NULL;
	bool none = false;
	uint8_t flags = 0;
	int32_t alg = 0;
	int r;

	if (!a || !ret_verdict || !ret_cred || !rp_id_ok(a->rp_id) || !a->challenge)
		return -EINVAL;
	verdict = attest_precheck(a, &none, &flags);
	if (verdict != FIDO2_ATTEST_OK)
		goto done;

	r = cred_decode(a, &c, &alg);
	if (r == -EBADMSG) {
		verdict = FIDO2_ATTEST_MALFORMED;
		goto done;
	}
	if (r < 0)
		goto out;
	if (alg != COSE_ES256 && alg != COSE_EDDSA) {
		verdict = FIDO2_ATTEST_UNSUPPORTED_ALG;
		goto done;
	}
	/* The prechecks read the same bytes libfido2 did. */
	if (fido_cred_flags(c) != flags) {
		r = -EIO;
		goto out;
	}
	if (!none) {
		r = attest_signature(a, c);
		if (r == -EACCES || r == -EBADMSG) {
			verdict = r == -EACCES ? FIDO2_ATTEST_BAD_SIGNATURE : FIDO2_ATTEST_MALFORMED;
			goto done;
		}
		if (r < 0)
			goto out;
	}
	if (cred_extract(c, alg, a, &cred) < 0) {
		verdict = FIDO2_ATTEST_MALFORMED;
		goto done;
	}
	*ret_cred = cred;
done:
	*ret_verdict = verdict;
	r = 0;
out:
	fido_cred_free(&c);
	return r;
}

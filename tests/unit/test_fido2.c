/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for fido2.c without a device: authenticator data built byte by
 * byte and signed with P-256 and Ed25519 keys made here (fido2_sign.c), fed
 * to the verifier as a client would send them.  Each verdict is asserted
 * exactly; above all, nothing unsigned ever earns CLONED_KEY.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <fido.h>

#include "fido2.h"
#include "fido2_sign.h"
#include "store.h"

#define RP "vigil.test"

static EVP_PKEY *k_es, *k_ed, *k_other, *k_att;
static uint8_t challenge[FIDO2_CHALLENGE_SIZE];
static uint8_t other_challenge[FIDO2_CHALLENGE_SIZE];

static int setup_group(void **state)
{
	assert_int_equal(fido2_init(), 0);
	assert_int_equal(fido2_challenge_new(challenge), 0);
	assert_int_equal(fido2_challenge_new(other_challenge), 0);
	assert_memory_not_equal(challenge, other_challenge, sizeof(challenge));
	k_es = sign_key_new(COSE_ES256);
	k_ed = sign_key_new(COSE_EDDSA);
	k_other = sign_key_new(COSE_ES256);
	k_att = sign_key_new(COSE_ES256);
	return 0;
}

static int teardown_group(void **state)
{
	EVP_PKEY_free(k_es);
	EVP_PKEY_free(k_ed);
	EVP_PKEY_free(k_other);
	EVP_PKEY_free(k_att);
	return 0;
}

/* ----------------------------------------------------------- assertions */

struct stored {
	struct blob raw;
	struct fido2_key key;
};

static void stored_of(EVP_PKEY *k, uint32_t count, uint32_t flags, struct stored *s)
{
	sign_key_raw(k, &s->raw);
	s->key = (struct fido2_key){
	    .cose_alg = EVP_PKEY_is_a(k, "EC") ? COSE_ES256 : COSE_EDDSA,
	    .pubkey = s->raw.b,
	    .pubkey_len = s->raw.n,
	    .sign_count = count,
	    .flags = flags,
	};
}

/* An assertion by signer for rp, over cdh. */
static void assertion(EVP_PKEY *signer, const char *rp, uint8_t flags, uint32_t count, const uint8_t *cdh,
                      struct blob *ad, struct blob *sig)
{
	struct blob raw;

	sign_authdata(rp, flags, count, &raw);
	sign_cbor_wrap(&raw, ad);
	sign_sign(signer, &raw, cdh, sig);
}

static struct fido2_assert_result check(const struct stored *s, const struct blob *ad, const struct blob *sig,
                                        bool uv_required)
{
	struct fido2_assertion a = {
	    .rp_id = RP,
	    .challenge = challenge,
	    .authdata = ad->b,
	    .authdata_len = ad->n,
	    .sig = sig->b,
	    .sig_len = sig->n,
	    .uv_required = uv_required,
	};
	struct fido2_assert_result res;

	memset(&res, 0xa5, sizeof(res));
	assert_int_equal(fido2_assertion_verify(&s->key, &a, &res), 0);
	return res;
}

static enum fido2_verdict verdict_of(EVP_PKEY *signer, const struct stored *s, uint8_t flags, uint32_t count,
                                     bool uv_required)
{
	struct blob ad, sig;

	assertion(signer, RP, flags, count, challenge, &ad, &sig);
	return check(s, &ad, &sig, uv_required).verdict;
}

static void test_assert_good(void **state)
{
	EVP_PKEY *keys[] = {k_es, k_ed};

	for (size_t i = 0; i < 2; i++) {
		struct fido2_assert_result res;
		struct stored s;
		struct blob ad, sig;

		stored_of(keys[i], 41, 0, &s);
		assertion(keys[i], RP, SIGN_UP | SIGN_UV, 42, challenge, &ad, &sig);
		res = check(&s, &ad, &sig, true);
		assert_int_equal(res.verdict, FIDO2_VERDICT_OK);
		assert_int_equal(res.sign_count, 42);
		assert_false(res.zero_counter);
		assert_true(res.uv);
	}
}

static void test_assert_wrong_rp(void **state)
{
	struct stored s;
	struct blob ad, sig;

	stored_of(k_es, 1, 0, &s);
	assertion(k_es, "evil.test", SIGN_UP, 2, challenge, &ad, &sig);
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_WRONG_RP);
	assertion(k_es, "vigil.tes", SIGN_UP, 2, challenge, &ad, &sig);
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_WRONG_RP);
}

/* Every bit of the authenticator data (CBOR header included) and of the
 * signature, flipped one at a time: never accepted, never blamed on the
 * key's behaviour. */
static void flip_all(EVP_PKEY *k)
{
	struct stored s;
	struct blob ad, sig;

	stored_of(k, 7, 0, &s);
	assertion(k, RP, SIGN_UP | SIGN_UV, 8, challenge, &ad, &sig);
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_OK);
	for (size_t bit = 0; bit < ad.n * 8; bit++) {
		enum fido2_verdict v;

		ad.b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		v = check(&s, &ad, &sig, false).verdict;
		ad.b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		if (bit < 16)
			assert_int_equal(v, FIDO2_VERDICT_MALFORMED); /* the CBOR header, 0x58 0x25 */
		else if (bit < 16 + 256)
			assert_int_equal(v, FIDO2_VERDICT_WRONG_RP);
		else if (bit == 16 + 256 + 6 || bit == 16 + 256 + 7)
			assert_int_equal(v, FIDO2_VERDICT_MALFORMED); /* AT, ED in an assertion */
		else
			assert_int_equal(v, FIDO2_VERDICT_BAD_SIGNATURE);
	}
	for (size_t bit = 0; bit < sig.n * 8; bit++) {
		sig.b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_BAD_SIGNATURE);
		sig.b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
	}
}

static void test_assert_flipped_bits(void **state)
{
	flip_all(k_es);
	flip_all(k_ed);
}

static void test_assert_other_key(void **state)
{
	struct stored s;

	stored_of(k_es, 0, 0, &s);
	assert_int_equal(verdict_of(k_other, &s, SIGN_UP, 1, false), FIDO2_VERDICT_BAD_SIGNATURE);
	/* An Ed25519 signature against the P-256 key, and the reverse. */
	assert_int_equal(verdict_of(k_ed, &s, SIGN_UP, 1, false), FIDO2_VERDICT_BAD_SIGNATURE);
	stored_of(k_ed, 0, 0, &s);
	assert_int_equal(verdict_of(k_es, &s, SIGN_UP, 1, false), FIDO2_VERDICT_BAD_SIGNATURE);
}

static void test_assert_presence(void **state)
{
	struct stored s;

	stored_of(k_es, 3, 0, &s);
	assert_int_equal(verdict_of(k_es, &s, 0, 4, false), FIDO2_VERDICT_NO_PRESENCE);
	assert_int_equal(verdict_of(k_es, &s, SIGN_UV, 4, true), FIDO2_VERDICT_NO_PRESENCE);
}

static void test_assert_verification(void **state)
{
	struct fido2_assert_result res;
	struct stored s;
	struct blob ad, sig;

	stored_of(k_ed, 3, STORE_KEY_UV, &s);
	assert_int_equal(verdict_of(k_ed, &s, SIGN_UP, 4, true), FIDO2_VERDICT_NO_VERIFICATION);
	assertion(k_ed, RP, SIGN_UP, 4, challenge, &ad, &sig);
	res = check(&s, &ad, &sig, false);
	assert_int_equal(res.verdict, FIDO2_VERDICT_OK);
	assert_false(res.uv);
	assert_int_equal(res.sign_count, 4);
}

/* A stale or reused challenge is a different client data hash. */
static void test_assert_other_challenge(void **state)
{
	struct stored s;
	struct blob ad, sig;

	stored_of(k_es, 3, 0, &s);
	assertion(k_es, RP, SIGN_UP | SIGN_UV, 4, other_challenge, &ad, &sig);
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	stored_of(k_ed, 3, 0, &s);
	assertion(k_ed, RP, SIGN_UP | SIGN_UV, 4, other_challenge, &ad, &sig);
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_BAD_SIGNATURE);
}

static void test_assert_counter(void **state)
{
	struct fido2_assert_result res;
	struct stored s;
	struct blob ad, sig;

	stored_of(k_es, 100, 0, &s);
	assert_int_equal(verdict_of(k_es, &s, SIGN_UP, 100, false), FIDO2_VERDICT_CLONED_KEY);
	assert_int_equal(verdict_of(k_es, &s, SIGN_UP, 99, false), FIDO2_VERDICT_CLONED_KEY);
	assert_int_equal(verdict_of(k_es, &s, SIGN_UP, 1, false), FIDO2_VERDICT_CLONED_KEY);
	assert_int_equal(verdict_of(k_es, &s, SIGN_UP, 101, false), FIDO2_VERDICT_OK);
	stored_of(k_es, UINT32_MAX - 1, 0, &s);
	assert_int_equal(verdict_of(k_es, &s, SIGN_UP, UINT32_MAX, false), FIDO2_VERDICT_OK);
	stored_of(k_es, UINT32_MAX, 0, &s);
	assert_int_equal(verdict_of(k_es, &s, SIGN_UP, UINT32_MAX, false), FIDO2_VERDICT_CLONED_KEY);

	/* A key with no counter: 0 after 0 passes and is noted. */
	stored_of(k_ed, 0, 0, &s);
	assertion(k_ed, RP, SIGN_UP, 0, challenge, &ad, &sig);
	res = check(&s, &ad, &sig, false);
	assert_int_equal(res.verdict, FIDO2_VERDICT_OK);
	assert_true(res.zero_counter);
	assert_int_equal(res.sign_count, 0);
	/* ... and may start counting. */
	assertion(k_ed, RP, SIGN_UP, 1, challenge, &ad, &sig);
	res = check(&s, &ad, &sig, false);
	assert_int_equal(res.verdict, FIDO2_VERDICT_OK);
	assert_false(res.zero_counter);
	/* Once counting, 0 is going back. */
	stored_of(k_ed, 5, 0, &s);
	assert_int_equal(verdict_of(k_ed, &s, SIGN_UP, 0, false), FIDO2_VERDICT_CLONED_KEY);
}

/* Garbage with a counter that went back is a bad signature, never a cloned
 * key: a forger must not get a victim's key flagged. */
static void test_assert_garbage_never_cloned(void **state)
{
	struct stored s;
	struct blob ad, sig;

	stored_of(k_es, 10, 0, &s);
	assertion(k_es, RP, SIGN_UP, 1, challenge, &ad, &sig);
	memset(sig.b, 0x30, sig.n);
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	/* A well-formed signature by another key over the same bytes. */
	assertion(k_other, RP, SIGN_UP, 1, challenge, &ad, &sig);
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	/* Nor a missing flag blamed on the victim's key. */
	assertion(k_other, RP, 0, 1, challenge, &ad, &sig);
	assert_int_equal(check(&s, &ad, &sig, true).verdict, FIDO2_VERDICT_BAD_SIGNATURE);
	stored_of(k_ed, 10, 0, &s);
	assertion(k_ed, RP, SIGN_UP, 10, challenge, &ad, &sig);
	sig.b[0] ^= 1;
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_BAD_SIGNATURE);
}

static void test_assert_flagged_cloned(void **state)
{
	struct stored s;
	struct blob ad, sig;

	stored_of(k_es, 10, STORE_KEY_CLONED, &s);
	assert_int_equal(verdict_of(k_es, &s, SIGN_UP, 11, false), FIDO2_VERDICT_CLONED_KEY);
	assertion(k_other, RP, SIGN_UP, 11, challenge, &ad, &sig);
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_BAD_SIGNATURE);
}

static void test_assert_malformed(void **state)
{
	struct stored s;
	struct blob raw, ad, sig, good, bad;

	stored_of(k_es, 1, 0, &s);
	assertion(k_es, RP, SIGN_UP, 2, challenge, &good, &sig);
	assert_int_equal(check(&s, &good, &sig, false).verdict, FIDO2_VERDICT_OK);

	/* A trailing byte (libfido2 alone would take it). */
	ad = good;
	ad.b[ad.n++] = 0;
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_MALFORMED);
	/* A longer header than needed: 0x59 0x00 0x25. */
	sign_authdata(RP, SIGN_UP, 2, &raw);
	ad.b[0] = 0x59, ad.b[1] = 0, ad.b[2] = (uint8_t)raw.n;
	memcpy(ad.b + 3, raw.b, raw.n);
	ad.n = raw.n + 3;
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_MALFORMED);
	/* Indefinite length, a text string, the bare bytes. */
	ad.b[0] = 0x5f, ad.b[1] = 0x58, ad.b[2] = (uint8_t)raw.n;
	memcpy(ad.b + 3, raw.b, raw.n);
	ad.b[raw.n + 3] = 0xff;
	ad.n = raw.n + 4;
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_MALFORMED);
	ad = good;
	ad.b[0] = 0x78;
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_MALFORMED);
	assert_int_equal(check(&s, &raw, &sig, false).verdict, FIDO2_VERDICT_MALFORMED);
	/* Short, empty, cut. */
	raw.n = 36;
	sign_cbor_wrap(&raw, &ad);
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_MALFORMED);
	ad.n = 0;
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_MALFORMED);
	for (size_t n = 0; n < good.n; n++) {
		ad = good;
		ad.n = n;
		assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_MALFORMED);
	}
	/* Attested data or extensions in an assertion. */
	sign_authdata(RP, SIGN_UP | SIGN_ED, 2, &raw);
	raw.b[raw.n++] = 0xa0; /* an empty map */
	sign_cbor_wrap(&raw, &ad);
	sign_sign(k_es, &raw, challenge, &bad);
	assert_int_equal(check(&s, &ad, &bad, false).verdict, FIDO2_VERDICT_MALFORMED);
	/* No signature, an oversize one. */
	bad.n = 0;
	assert_int_equal(check(&s, &good, &bad, false).verdict, FIDO2_VERDICT_MALFORMED);
	bad = sig;
	memset(bad.b + bad.n, 0, FIDO2_SIG_MAX + 1 - bad.n);
	bad.n = FIDO2_SIG_MAX + 1;
	assert_int_equal(check(&s, &good, &bad, false).verdict, FIDO2_VERDICT_MALFORMED);
	/* An oversize authdata. */
	memset(ad.b, 0, sizeof(ad.b));
	ad.b[0] = 0x59, ad.b[1] = (FIDO2_AUTHDATA_MAX + 1 - 3) >> 8, ad.b[2] = (FIDO2_AUTHDATA_MAX + 1 - 3) & 0xff;
	ad.n = FIDO2_AUTHDATA_MAX + 1;
	assert_int_equal(check(&s, &ad, &sig, false).verdict, FIDO2_VERDICT_MALFORMED);
}

static void test_assert_args(void **state)
{
	struct fido2_assert_result res = {.verdict = FIDO2_VERDICT_OK, .sign_count = 77};
	struct fido2_assertion a;
	struct stored s;
	struct blob ad, sig;
	uint8_t zero[64] = {0};

	stored_of(k_es, 1, 0, &s);
	assertion(k_es, RP, SIGN_UP, 2, challenge, &ad, &sig);
	a = (struct fido2_assertion){RP, challenge, ad.b, ad.n, sig.b, sig.n, false};
	assert_int_equal(fido2_assertion_verify(NULL, &a, &res), -EINVAL);
	assert_int_equal(fido2_assertion_verify(&s.key, NULL, &res), -EINVAL);
	assert_int_equal(fido2_assertion_verify(&s.key, &a, NULL), -EINVAL);
	a.rp_id = "";
	assert_int_equal(fido2_assertion_verify(&s.key, &a, &res), -EINVAL);
	a.rp_id = NULL;
	assert_int_equal(fido2_assertion_verify(&s.key, &a, &res), -EINVAL);
	a.rp_id = RP;
	a.challenge = NULL;
	assert_int_equal(fido2_assertion_verify(&s.key, &a, &res), -EINVAL);
	a.challenge = challenge;
	/* A damaged row: wrong length, wrong algorithm, a point off the curve. */
	s.key.pubkey_len = 65;
	assert_int_equal(fido2_assertion_verify(&s.key, &a, &res), -EINVAL);
	s.key.pubkey_len = 64;
	s.key.cose_alg = COSE_RS256;
	assert_int_equal(fido2_assertion_verify(&s.key, &a, &res), -EINVAL);
	s.key.cose_alg = COSE_EDDSA;
	assert_int_equal(fido2_assertion_verify(&s.key, &a, &res), -EINVAL);
	s.key.cose_alg = COSE_ES256;
	s.key.pubkey = zero;
	assert_int_equal(fido2_assertion_verify(&s.key, &a, &res), -EINVAL);
	/* Nothing written on failure. */
	assert_int_equal(res.verdict, FIDO2_VERDICT_OK);
	assert_int_equal(res.sign_count, 77);
}

static void test_names(void **state)
{
	static const char *const want[] = {"ok",         "bad_signature", "wrong_rp", "no_presence", "no_verification",
	                                   "cloned_key", "malformed"};
	static const char *const attest[] = {"ok",
	                                     "bad_signature",
	                                     "wrong_rp",
	                                     "no_presence",
	                                     "no_verification",
	                                     "unsupported_alg",
	                                     "unsupported_fmt",
	                                     "malformed"};

	assert_int_equal(FIDO2_VERDICT_COUNT_, 7);
	for (int i = 0; i < FIDO2_VERDICT_COUNT_; i++)
		assert_string_equal(fido2_verdict_name(i), want[i]);
	assert_string_equal(fido2_verdict_name(-1), "malformed");
	assert_string_equal(fido2_verdict_name(FIDO2_VERDICT_COUNT_), "malformed");
	assert_int_equal(FIDO2_ATTEST_COUNT_, 8);
	for (int i = 0; i < FIDO2_ATTEST_COUNT_; i++)
		assert_string_equal(fido2_attest_verdict_name(i), attest[i]);
	assert_string_equal(fido2_attest_verdict_name(99), "malformed");
}

/* --------------------------------------------------------- attestations */

struct att {
	struct blob ad, sig, x5c, raw;
	uint8_t id[FIDO2_CRED_ID_MAX + 1];
	size_t id_len;
	const char *fmt;
	const uint8_t *challenge;
	bool allow_none, uv_required, resident;
};

/* A packed self attestation by k for rp: id of id_len bytes, over cdh. */
static void att_make(struct att *t, EVP_PKEY *k, const char *rp, uint8_t flags, uint32_t count, size_t id_len,
                     const struct blob *cose_override)
{
	struct blob cose;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sizeof(t->id); i++)
		t->id[i] = (uint8_t)(i * 31 + 7);
	t->id_len = id_len;
	if (cose_override)
		cose = *cose_override;
	else
		sign_key_cose(k, &cose);
	sign_authdata(rp, flags | SIGN_AT, count, &t->raw);
	sign_attcred(&t->raw, t->id, id_len, &cose);
	sign_cbor_wrap(&t->raw, &t->ad);
	sign_sign(k, &t->raw, challenge, &t->sig);
	t->fmt = "packed";
	t->challenge = challenge;
}

static enum fido2_attest_verdict att_check(const struct att *t, struct fido2_credential *cred)
{
	struct fido2_attestation a = {
	    .rp_id = RP,
	    .challenge = t->challenge,
	    .fmt = t->fmt,
	    .authdata = t->ad.b,
	    .authdata_len = t->ad.n,
	    .x5c = t->x5c.b,
	    .x5c_len = t->x5c.n,
	    .sig = t->sig.b,
	    .sig_len = t->sig.n,
	    .allow_none = t->allow_none,
	    .uv_required = t->uv_required,
	    .resident = t->resident,
	};
	struct fido2_credential spare;
	enum fido2_attest_verdict v = FIDO2_ATTEST_COUNT_;

	assert_int_equal(fido2_attestation_verify(&a, &v, cred ? cred : &spare), 0);
	return v;
}

static void test_attest_packed_self(void **state)
{
	EVP_PKEY *keys[] = {k_es, k_ed};
	struct fido2_credential cred;
	struct att t;

	for (size_t i = 0; i < 2; i++) {
		struct blob raw;

		att_make(&t, keys[i], RP, SIGN_UP | SIGN_UV, 5, 48, NULL);
		t.resident = i == 0;
		assert_int_equal(att_check(&t, &cred), FIDO2_ATTEST_OK);
		sign_key_raw(keys[i], &raw);
		assert_int_equal(cred.cose_alg, i == 0 ? COSE_ES256 : COSE_EDDSA);
		assert_int_equal(cred.pubkey_len, raw.n);
		assert_memory_equal(cred.pubkey, raw.b, raw.n);
		assert_int_equal(cred.cred_id_len, 48);
		assert_memory_equal(cred.cred_id, t.id, 48);
		assert_int_equal(cred.sign_count, 5);
		assert_int_equal(cred.flags, STORE_KEY_UV | (i == 0 ? STORE_KEY_RESIDENT : 0));
	}
	/* Without UV: accepted unless required, and not marked. */
	att_make(&t, k_ed, RP, SIGN_UP, 0, 16, NULL);
	assert_int_equal(att_check(&t, &cred), FIDO2_ATTEST_OK);
	assert_int_equal(cred.flags, 0);
	assert_int_equal(cred.sign_count, 0);
	t.uv_required = true;
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_NO_VERIFICATION);
}

static void test_attest_packed_x5c(void **state)
{
	EVP_PKEY *keys[] = {k_es, k_ed};
	struct fido2_credential cred;
	struct att t;

	for (size_t i = 0; i < 2; i++) {
		struct blob raw;

		att_make(&t, keys[i], RP, SIGN_UP, 9, 64, NULL);
		sign_cert(k_att, &t.x5c);
		/* Signed by the credential, not the certificate's key. */
		assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_BAD_SIGNATURE);
		sign_sign(k_att, &t.raw, challenge, &t.sig);
		assert_int_equal(att_check(&t, &cred), FIDO2_ATTEST_OK);
		sign_key_raw(keys[i], &raw);
		assert_memory_equal(cred.pubkey, raw.b, raw.n);
		assert_int_equal(cred.sign_count, 9);
		/* Another challenge. */
		t.challenge = other_challenge;
		assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_BAD_SIGNATURE);
		/* A certificate that is not one. */
		t.challenge = challenge;
		t.x5c.b[t.x5c.n / 2] ^= 0x40;
		assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_BAD_SIGNATURE);
	}
}

static void test_attest_none(void **state)
{
	struct fido2_credential cred;
	struct blob raw;
	struct att t;

	att_make(&t, k_es, RP, SIGN_UP, 3, 32, NULL);
	t.fmt = "none";
	t.sig.n = 0;
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_UNSUPPORTED_FMT);
	t.allow_none = true;
	assert_int_equal(att_check(&t, &cred), FIDO2_ATTEST_OK);
	sign_key_raw(k_es, &raw);
	assert_memory_equal(cred.pubkey, raw.b, raw.n);
	assert_int_equal(cred.cred_id_len, 32);
	/* Still judged: rp, presence, verification, the key. */
	att_make(&t, k_ed, "evil.test", SIGN_UP, 3, 32, NULL);
	t.fmt = "none", t.sig.n = 0, t.allow_none = true;
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_WRONG_RP);
	att_make(&t, k_ed, RP, 0, 3, 32, NULL);
	t.fmt = "none", t.sig.n = 0, t.allow_none = true;
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_NO_PRESENCE);
	att_make(&t, k_ed, RP, SIGN_UP, 3, 32, NULL);
	t.fmt = "none", t.sig.n = 0, t.allow_none = true, t.uv_required = true;
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_NO_VERIFICATION);
	/* "none" with a statement is not "none". */
	att_make(&t, k_ed, RP, SIGN_UP, 3, 32, NULL);
	t.fmt = "none", t.allow_none = true;
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
}

static void test_attest_refused(void **state)
{
	struct blob rs;
	struct att t;

	att_make(&t, k_es, "evil.test", SIGN_UP, 0, 16, NULL);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_WRONG_RP);
	att_make(&t, k_es, RP, SIGN_UP, 0, 16, NULL);
	t.challenge = other_challenge;
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_BAD_SIGNATURE);
	att_make(&t, k_ed, RP, SIGN_UV, 0, 16, NULL);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_NO_PRESENCE);
	att_make(&t, k_ed, RP, SIGN_UP, 0, 16, NULL);
	sign_sign(k_other, &t.raw, challenge, &t.sig);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_BAD_SIGNATURE);
	/* RS256, whatever signs it. */
	sign_cose_rs256(&rs);
	att_make(&t, k_es, RP, SIGN_UP, 0, 16, &rs);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_UNSUPPORTED_ALG);
	t.fmt = "none", t.sig.n = 0, t.allow_none = true;
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_UNSUPPORTED_ALG);
	/* Formats. */
	att_make(&t, k_es, RP, SIGN_UP, 0, 16, NULL);
	t.fmt = "fido-u2f";
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_UNSUPPORTED_FMT);
	t.fmt = "tpm";
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_UNSUPPORTED_FMT);
	t.fmt = "packed ";
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_UNSUPPORTED_FMT);
	t.fmt = "";
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
	t.fmt = "packedpackedpackedpacked";
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
	/* packed without a signature. */
	t.fmt = "packed";
	t.sig.n = 0;
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
}

static void test_attest_cred_id_bounds(void **state)
{
	struct fido2_credential cred;
	struct att t;

	att_make(&t, k_es, RP, SIGN_UP, 0, FIDO2_CRED_ID_MAX, NULL);
	assert_int_equal(att_check(&t, &cred), FIDO2_ATTEST_OK);
	assert_int_equal(cred.cred_id_len, FIDO2_CRED_ID_MAX);
	assert_memory_equal(cred.cred_id, t.id, FIDO2_CRED_ID_MAX);
	att_make(&t, k_es, RP, SIGN_UP, 0, FIDO2_CRED_ID_MAX + 1, NULL);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
	att_make(&t, k_es, RP, SIGN_UP, 0, 0, NULL);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
}

/* credProtect, which a key may add on its own, is fine; other extensions
 * (never asked for) are not. */
static void test_attest_extensions(void **state)
{
	static const uint8_t cred_protect[] = {0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't', 0x02};
	static const uint8_t hmac_secret[] = {0xa1, 0x6b, 'h', 'm', 'a', 'c', '-', 's', 'e', 'c', 'r', 'e', 't', 0xf5};
	const uint8_t *ext[] = {cred_protect, hmac_secret};
	struct att t;

	for (size_t i = 0; i < 2; i++) {
		att_make(&t, k_es, RP, SIGN_UP, 0, 16, NULL);
		t.raw.b[32] |= SIGN_ED;
		memcpy(t.raw.b + t.raw.n, ext[i], sizeof(cred_protect));
		t.raw.n += sizeof(cred_protect);
		sign_cbor_wrap(&t.raw, &t.ad);
		sign_sign(k_es, &t.raw, challenge, &t.sig);
		assert_int_equal(att_check(&t, NULL), i == 0 ? FIDO2_ATTEST_OK : FIDO2_ATTEST_MALFORMED);
	}
}

/* What libfido2 would take but one encoding does not, and CBOR headers that
 * would have libcbor allocate gigabytes before noticing the input is short. */
static void test_attest_encoding(void **state)
{
	static const uint8_t huge_array[] = {0xa1, 0x01, 0x9a, 0x1b, 0x17, 0xa0, 0x6d};
	static const uint8_t huge_map[] = {0xa1, 0x01, 0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t huge_bytes[] = {0xa1, 0x01, 0x5a, 0x7f, 0xff, 0xff, 0xff};
	static const uint8_t indefinite[] = {0xa1, 0x01, 0x9f, 0x01, 0xff};
	static const uint8_t deep[] = {0xa1, 0x01, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01};
	static const uint8_t tagged[] = {0xa1, 0x01, 0xc2, 0x41, 0x00};
	static const uint8_t *const bad[] = {huge_array, huge_map, huge_bytes, indefinite, deep, tagged};
	static const size_t bad_len[] = {sizeof(huge_array), sizeof(huge_map), sizeof(huge_bytes),
	                                 sizeof(indefinite), sizeof(deep),     sizeof(tagged)};
	struct blob cose;
	struct att t;

	/* A trailing byte after the key; extensions without the ED flag; the ED
	 * flag without extensions. */
	att_make(&t, k_es, RP, SIGN_UP, 0, 16, NULL);
	t.raw.b[t.raw.n++] = 0xa0;
	sign_cbor_wrap(&t.raw, &t.ad);
	sign_sign(k_es, &t.raw, challenge, &t.sig);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
	att_make(&t, k_es, RP, SIGN_UP, 0, 16, NULL);
	t.raw.b[32] |= SIGN_ED;
	sign_cbor_wrap(&t.raw, &t.ad);
	sign_sign(k_es, &t.raw, challenge, &t.sig);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
	/* A key that is no map. */
	cose.n = 1, cose.b[0] = 0x80;
	att_make(&t, k_es, RP, SIGN_UP, 0, 16, &cose);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(cose.b, bad[i], bad_len[i]);
		cose.n = bad_len[i];
		att_make(&t, k_es, RP, SIGN_UP, 0, 16, &cose);
		assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
		t.fmt = "none", t.sig.n = 0, t.allow_none = true;
		assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_MALFORMED);
	}
}

static void test_attest_flipped_bits(void **state)
{
	struct att t;

	att_make(&t, k_es, RP, SIGN_UP, 1, 16, NULL);
	assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_OK);
	for (size_t bit = 0; bit < t.ad.n * 8; bit++) {
		t.ad.b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		assert_int_not_equal(att_check(&t, NULL), FIDO2_ATTEST_OK);
		t.ad.b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
	}
	for (size_t bit = 0; bit < t.sig.n * 8; bit++) {
		t.sig.b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		assert_int_equal(att_check(&t, NULL), FIDO2_ATTEST_BAD_SIGNATURE);
		t.sig.b[bit / 8] ^= (uint8_t)(1U << (bit % 8));
	}
}

static void test_attest_args(void **state)
{
	struct fido2_credential cred = {.cred_id_len = 5};
	enum fido2_attest_verdict v = FIDO2_ATTEST_COUNT_;
	struct fido2_attestation a;
	struct att t;

	att_make(&t, k_es, RP, SIGN_UP, 0, 16, NULL);
	a = (struct fido2_attestation){.rp_id = RP,
	                               .challenge = challenge,
	                               .fmt = "packed",
	                               .authdata = t.ad.b,
	                               .authdata_len = t.ad.n,
	                               .sig = t.sig.b,
	                               .sig_len = t.sig.n};
	assert_int_equal(fido2_attestation_verify(NULL, &v, &cred), -EINVAL);
	assert_int_equal(fido2_attestation_verify(&a, NULL, &cred), -EINVAL);
	assert_int_equal(fido2_attestation_verify(&a, &v, NULL), -EINVAL);
	a.rp_id = "";
	assert_int_equal(fido2_attestation_verify(&a, &v, &cred), -EINVAL);
	a.rp_id = RP;
	a.challenge = NULL;
	assert_int_equal(fido2_attestation_verify(&a, &v, &cred), -EINVAL);
	assert_int_equal(v, FIDO2_ATTEST_COUNT_);
	/* A refusal leaves the credential alone. */
	a.challenge = other_challenge;
	assert_int_equal(fido2_attestation_verify(&a, &v, &cred), 0);
	assert_int_equal(v, FIDO2_ATTEST_BAD_SIGNATURE);
	assert_int_equal(cred.cred_id_len, 5);
	/* NULL with a length. */
	a.challenge = challenge;
	a.x5c_len = 3;
	assert_int_equal(fido2_attestation_verify(&a, &v, &cred), 0);
	assert_int_equal(v, FIDO2_ATTEST_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_assert_good),
	    cmocka_unit_test(test_assert_wrong_rp),
	    cmocka_unit_test(test_assert_flipped_bits),
	    cmocka_unit_test(test_assert_other_key),
	    cmocka_unit_test(test_assert_presence),
	    cmocka_unit_test(test_assert_verification),
	    cmocka_unit_test(test_assert_other_challenge),
	    cmocka_unit_test(test_assert_counter),
	    cmocka_unit_test(test_assert_garbage_never_cloned),
	    cmocka_unit_test(test_assert_flagged_cloned),
	    cmocka_unit_test(test_assert_malformed),
	    cmocka_unit_test(test_assert_args),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_attest_packed_self),
	    cmocka_unit_test(test_attest_packed_x5c),
	    cmocka_unit_test(test_attest_none),
	    cmocka_unit_test(test_attest_refused),
	    cmocka_unit_test(test_attest_cred_id_bounds),
	    cmocka_unit_test(test_attest_extensions),
	    cmocka_unit_test(test_attest_encoding),
	    cmocka_unit_test(test_attest_flipped_bits),
	    cmocka_unit_test(test_attest_args),
	};

	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}

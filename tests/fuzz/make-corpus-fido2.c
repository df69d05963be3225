/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpus of the FIDO2 verification fuzz target (layout in
 * fuzz_fido2.h): valid attestations (packed self with ES256 and EdDSA,
 * packed with a self-signed x5c, none, credProtect) and assertions (ES256,
 * EdDSA, a zero counter), and one of each refusal (wrong rp, no presence,
 * no verification, cloned, another challenge, RS256, an oversize id).  The
 * keys are made fresh on each run and thrown away; the seeds are checked
 * in, so run this only to regenerate them:
 *
 *     tests/fuzz/make-corpus-fido2 "$top_srcdir/tests/fuzz/corpus-fido2"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fido2_sign.h"
#include "fuzz_fido2.h"

#define ES256 (-7)
#define EDDSA (-8)

static const char *outdir;
static uint8_t challenge[32];
static uint8_t other_challenge[32];

static struct blob seed;

static void put(const void *p, size_t n)
{
	if (n > sizeof(seed.b) - seed.n) {
		fprintf(stderr, "make-corpus-fido2: seed too big\n");
		exit(1);
	}
	memcpy(seed.b + seed.n, p, n);
	seed.n += n;
}

static void put_field(const void *p, size_t n)
{
	uint8_t len[2] = {(uint8_t)(n >> 8), (uint8_t)n};

	put(len, 2);
	put(p, n);
}

static void write_seed(const char *name)
{
	const uint8_t *p = seed.b;
	size_t len = seed.n;
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.bin", outdir, name) >= sizeof(path)) {
		fprintf(stderr, "make-corpus-fido2: %s: name too long\n", outdir);
		exit(1);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		fprintf(stderr, "make-corpus-fido2: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (len > 0) {
		ssize_t k = write(fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fprintf(stderr, "make-corpus-fido2: %s: %s\n", path, strerror(errno));
			exit(1);
		}
		p += k;
		len -= (size_t)k;
	}
	if (close(fd) < 0) {
		fprintf(stderr, "make-corpus-fido2: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static void header(uint8_t mode, uint32_t count)
{
	uint8_t h[5] = {mode, (uint8_t)(count >> 24), (uint8_t)(count >> 16), (uint8_t)(count >> 8), (uint8_t)count};

	seed.n = 0;
	put(h, sizeof(h));
}

/* An assertion by signer, checked against stored (raw key of `stored`). */
static void assertion(const char *name, uint8_t mode, uint32_t stored_count, EVP_PKEY *signer, EVP_PKEY *stored,
                      const char *rp, uint8_t flags, uint32_t count, const uint8_t *cdh)
{
	struct blob raw, ad, sig, pk;

	sign_authdata(rp, flags, count, &raw);
	sign_cbor_wrap(&raw, &ad);
	sign_sign(signer, &raw, cdh, &sig);
	sign_key_raw(stored, &pk);
	if (pk.n == 32)
		mode |= FUZZ_MODE_STORED_EDDSA;
	header(mode | FUZZ_MODE_ASSERT, stored_count);
	put_field(ad.b, ad.n);
	put_field(sig.b, sig.n);
	put_field(NULL, 0);
	put_field(NULL, 0);
	put_field(pk.b, pk.n);
	write_seed(name);
}

/* An attestation of k's credential; signed by signer (NULL: fmt none),
 * with signer's certificate when x5c. */
static void attestation(const char *name, uint8_t mode, EVP_PKEY *k, EVP_PKEY *signer, bool x5c, const char *rp,
                        uint8_t flags, size_t id_len, const struct blob *cose_override, const struct blob *ext,
                        const uint8_t *cdh)
{
	static uint8_t id[2048];
	struct blob raw, ad, sig = {.n = 0}, cert = {.n = 0}, cose;
	const char *fmt = signer ? "packed" : "none";

	for (size_t i = 0; i < sizeof(id); i++)
		id[i] = (uint8_t)(i * 13 + 1);
	if (cose_override)
		cose = *cose_override;
	else
		sign_key_cose(k, &cose);
	sign_authdata(rp, flags | SIGN_AT | (ext ? SIGN_ED : 0), 7, &raw);
	sign_attcred(&raw, id, id_len, &cose);
	if (ext) {
		memcpy(raw.b + raw.n, ext->b, ext->n);
		raw.n += ext->n;
	}
	sign_cbor_wrap(&raw, &ad);
	if (signer)
		sign_sign(signer, &raw, cdh, &sig);
	if (x5c)
		sign_cert(signer, &cert);
	header(mode, 0);
	put_field(ad.b, ad.n);
	put_field(sig.b, sig.n);
	put_field(cert.b, cert.n);
	put_field(fmt, strlen(fmt));
	put_field(NULL, 0);
	write_seed(name);
}

int main(int argc, char **argv)
{
	static const struct blob cred_protect = {
	    .b = {0xa1, 0x6b, 'c', 'r', 'e', 'd', 'P', 'r', 'o', 't', 'e', 'c', 't', 0x02}, .n = 14};
	EVP_PKEY *es, *ed, *att, *other;
	struct blob rs;

	if (argc != 2) {
		fprintf(stderr, "usage: make-corpus-fido2 DIR\n");
		return 2;
	}
	outdir = argv[1];
	FUZZ_FIDO2_CHALLENGE(challenge);
	memset(other_challenge, 0xee, sizeof(other_challenge));
	es = sign_key_new(ES256);
	ed = sign_key_new(EDDSA);
	att = sign_key_new(ES256);
	other = sign_key_new(ES256);
	sign_cose_rs256(&rs);

	assertion("assert_es256_ok", FUZZ_MODE_UV_REQUIRED, 41, es, es, FUZZ_FIDO2_RP, SIGN_UP | SIGN_UV, 42,
	          challenge);
	assertion("assert_eddsa_ok", 0, 0, ed, ed, FUZZ_FIDO2_RP, SIGN_UP, 1, challenge);
	assertion("assert_zero_counter", 0, 0, ed, ed, FUZZ_FIDO2_RP, SIGN_UP, 0, challenge);
	assertion("assert_cloned", 0, 9, es, es, FUZZ_FIDO2_RP, SIGN_UP, 9, challenge);
	assertion("assert_flagged_clone", FUZZ_MODE_STORED_CLONE, 1, es, es, FUZZ_FIDO2_RP, SIGN_UP, 2, challenge);
	assertion("assert_no_up", 0, 1, es, es, FUZZ_FIDO2_RP, 0, 2, challenge);
	assertion("assert_no_uv", FUZZ_MODE_UV_REQUIRED, 1, ed, ed, FUZZ_FIDO2_RP, SIGN_UP, 2, challenge);
	assertion("assert_wrong_rp", 0, 1, es, es, "evil.test", SIGN_UP, 2, challenge);
	assertion("assert_other_key", 0, 1, other, es, FUZZ_FIDO2_RP, SIGN_UP, 2, challenge);
	assertion("assert_other_challenge", 0, 1, ed, ed, FUZZ_FIDO2_RP, SIGN_UP, 2, other_challenge);

	attestation("attest_packed_es256", FUZZ_MODE_RESIDENT, es, es, false, FUZZ_FIDO2_RP, SIGN_UP | SIGN_UV, 64,
	            NULL, NULL, challenge);
	attestation("attest_packed_eddsa", FUZZ_MODE_UV_REQUIRED, ed, ed, false, FUZZ_FIDO2_RP, SIGN_UP | SIGN_UV, 16,
	            NULL, NULL, challenge);
	attestation("attest_packed_x5c", 0, ed, att, true, FUZZ_FIDO2_RP, SIGN_UP, 32, NULL, NULL, challenge);
	attestation("attest_none", FUZZ_MODE_ALLOW_NONE, es, NULL, false, FUZZ_FIDO2_RP, SIGN_UP, 32, NULL, NULL,
	            challenge);
	attestation("attest_none_refused", 0, es, NULL, false, FUZZ_FIDO2_RP, SIGN_UP, 32, NULL, NULL, challenge);
	attestation("attest_cred_protect", 0, es, es, false, FUZZ_FIDO2_RP, SIGN_UP, 16, NULL, &cred_protect,
	            challenge);
	attestation("attest_wrong_rp", 0, es, es, false, "evil.test", SIGN_UP, 16, NULL, NULL, challenge);
	attestation("attest_other_challenge", 0, es, es, false, FUZZ_FIDO2_RP, SIGN_UP, 16, NULL, NULL,
	            other_challenge);
	attestation("attest_no_up", 0, ed, ed, false, FUZZ_FIDO2_RP, 0, 16, NULL, NULL, challenge);
	attestation("attest_rs256", 0, es, es, false, FUZZ_FIDO2_RP, SIGN_UP, 16, &rs, NULL, challenge);
	attestation("attest_id_max", 0, es, es, false, FUZZ_FIDO2_RP, SIGN_UP, 1023, NULL, NULL, challenge);
	attestation("attest_id_over", 0, es, es, false, FUZZ_FIDO2_RP, SIGN_UP, 1024, NULL, NULL, challenge);

	EVP_PKEY_free(es);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(att);
	EVP_PKEY_free(other);
	return 0;
}

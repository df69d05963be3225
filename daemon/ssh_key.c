/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenSSH public keys (see ssh_key.h): an sk- key line a user enrolls, and
 * the keys in sshd's SSH_AUTH_INFO_0.  Everything here is untrusted text.
 * Blobs are read with the bounded cursor (lib/buf.h) as SSH strings (u32
 * big-endian length, bytes); base64 is decoded by a strict decoder that
 * takes only the canonical encoding, as OpenSSH writes it, so a key has one
 * text form and one fingerprint.  The P-256 point of an ecdsa-sk key is
 * checked with OpenSSL.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>

#include "buf.h"
#include "ssh_key.h"

#define CERT_SUFFIX "-cert-v01@openssh.com"

static const struct sk_type {
	const char *name;
	enum ssh_sk_kind kind;
} sk_types[] = {
    {SSH_SK_ED25519_TYPE, SSH_SK_ED25519},
    {SSH_SK_ECDSA_TYPE, SSH_SK_ECDSA_P256},
};

#define NOT_SK(t)                                                                                                      \
	{                                                                                                              \
		t, "not a security key type: " t " (only sk- keys are a second factor)"                                \
	}
/* Key types users are likely to offer by mistake, each with its own static
 * reason so that the message can name the type without quoting input. */
static const struct other_type {
	const char *name;
	const char *reason;
} other_types[] = {
    NOT_SK("ssh-ed25519"),
    NOT_SK("ssh-rsa"),
    NOT_SK("ssh-dss"),
    NOT_SK("ecdsa-sha2-nistp256"),
    NOT_SK("ecdsa-sha2-nistp384"),
    NOT_SK("ecdsa-sha2-nistp521"),
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_printable(char c)
{
	return c >= 0x20 && c <= 0x7e;
}

static bool is_key_type_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '@' ||
	       c == '.' || c == '_';
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Canonical base64 only: a multiple of 4 characters, '=' only as the final
 * padding, and the bits the padding leaves over all zero.  -EBADMSG for
 * anything else, -E2BIG if the result would not fit in cap bytes. */
static int base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *ret_len)
{
	size_t i, n = 0, pad = 0;

	if (len == 0 || len % 4 != 0)
		return -EBADMSG;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	if (len / 4 * 3 - pad > cap)
		return -E2BIG;
	for (i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		uint32_t w = 0;

		for (size_t j = 0; j < 4; j++) {
			int v = last && j >= 4 - pad ? 0 : b64_value(in[i + j]);

			if (v < 0)
				return -EBADMSG;
			w = w << 6 | (uint32_t)v;
		}
		if (last && pad == 2 && (w & 0xffff) != 0)
			return -EBADMSG;
		if (last && pad == 1 && (w & 0xff) != 0)
			return -EBADMSG;
		out[n++] = (uint8_t)(w >> 16);
		if (!(last && pad == 2))
			out[n++] = (uint8_t)(w >> 8);
		if (!(last && pad >= 1))
			out[n++] = (uint8_t)w;
	}
	*ret_len = n;
	return 0;
}

/* An SSH string of at most max bytes: a pointer into the blob and its
 * length.  -EBADMSG (r unchanged) if short or longer than max. */
static int sshstr_get(struct rbuf *r, const uint8_t **ret, size_t *ret_len, size_t max)
{
	struct rbuf save = *r;
	uint32_t n;

	if (rbuf_get_u32(r, &n) < 0)
		return -EBADMSG;
	if (n > max || n > r->left) {
		*r = save;
		return -EBADMSG;
	}
	*ret = r->p;
	*ret_len = n;
	r->p += n;
	r->left -= n;
	return 0;
}

static bool sshstr_is(const uint8_t *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

/* Q must be an uncompressed point on P-256 (any such point other than the
 * point at infinity is in the group: the cofactor is 1). */
static int p256_point_check(const uint8_t *q, size_t len)
{
	EC_GROUP *g = NULL;
	EC_POINT *p = NULL;
	int r;

	if (len != 65 || q[0] != POINT_CONVERSION_UNCOMPRESSED)
		return -EBADMSG;
	g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	p = g ? EC_POINT_new(g) : NULL;
	if (!p) {
		r = -ENOMEM;
		goto out;
	}
	/* oct2point checks the coordinates and the curve equation itself;
	 * asking again costs nothing should a version ever stop doing so. */
	if (EC_POINT_oct2point(g, p, q, len, NULL) != 1 || EC_POINT_is_at_infinity(g, p) ||
	    EC_POINT_is_on_curve(g, p, NULL) != 1) {
		r = -EBADMSG;
		goto out;
	}
	r = 0;
out:
	EC_POINT_free(p);
	EC_GROUP_free(g);
	ERR_clear_error();
	return r;
}

/* The blob of an sk key of the given kind, in wire order; the application
 * into ret_application (room for SSH_SK_APPLICATION_MAX + 1). */
static int sk_blob_parse(const uint8_t *blob, size_t len, const struct sk_type *t, char *ret_application,
                         const char **reason)
{
	const uint8_t *type, *pk, *curve, *app;
	size_t type_len, pk_len, curve_len, app_len;
	struct rbuf rb;
	int r;

	rbuf_init(&rb, blob, len);
	/* string key type */
	if (sshstr_get(&rb, &type, &type_len, SSH_KEY_TYPE_MAX) < 0) {
		*reason = "the key blob is truncated or its type is too long";
		return -EBADMSG;
	}
	if (!sshstr_is(type, type_len, t->name)) {
		*reason = "the key blob's type differs from the line's type";
		return -EBADMSG;
	}
	if (t->kind == SSH_SK_ED25519) {
		/* string pk (32 bytes) */
		if (sshstr_get(&rb, &pk, &pk_len, SIZE_MAX) < 0 || pk_len != 32) {
			*reason = "the ed25519 public key is not 32 bytes";
			return -EBADMSG;
		}
	} else {
		/* string curve, string Q */
		if (sshstr_get(&rb, &curve, &curve_len, 16) < 0 || !sshstr_is(curve, curve_len, "nistp256")) {
			*reason = "the ecdsa-sk key's curve is not nistp256";
			return -EBADMSG;
		}
		if (sshstr_get(&rb, &pk, &pk_len, SIZE_MAX) < 0) {
			*reason = "the key blob is truncated";
			return -EBADMSG;
		}
		if ((r = p256_point_check(pk, pk_len)) < 0) {
			*reason = r == -ENOMEM ? "out of memory" : "the ecdsa-sk public key is not a point on P-256";
			return r;
		}
	}
	/* string application */
	if (sshstr_get(&rb, &app, &app_len, SSH_SK_APPLICATION_MAX) < 0) {
		*reason = "the key blob is truncated or its application is too long";
		return -EBADMSG;
	}
	/* OpenSSH makes sk keys only for applications "ssh:...": anything else
	 * is a credential made for some other relying party. */
	if (app_len < 4 || memcmp(app, "ssh:", 4) != 0) {
		*reason = "the key's application does not start with \"ssh:\"";
		return -EBADMSG;
	}
	for (size_t i = 0; i < app_len; i++) {
		if (!is_printable((char)app[i])) {
			*reason = "the key's application is not printable text";
			return -EBADMSG;
		}
	}
	if (rbuf_end(&rb) < 0) {
		*reason = "trailing bytes after the key blob";
		return -EBADMSG;
	}
	memcpy(ret_application, app, app_len);
	ret_application[app_len] = '\0';
	return 0;
}

/* OpenSSL 3 looks an algorithm up by name on every SHA256() call; every
 * login's key is fingerprinted, so it is looked up once. */
static EVP_MD *sha256_md;
static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void ssh_key_fingerprint(const uint8_t *blob, size_t len, char out[VIGIL_FINGERPRINT_MAX + 1])
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	static const char prefix[] = "SHA256:";
	uint8_t digest[SHA256_DIGEST_LENGTH];
	unsigned char b64[((SHA256_DIGEST_LENGTH + 2) / 3) * 4 + 1];
	size_t n;

	pthread_once(&once, sha256_fetch);
	if (!sha256_md || EVP_Digest(blob, len, digest, NULL, sha256_md, NULL) != 1)
		SHA256(blob, len, digest);
	n = (size_t)EVP_EncodeBlock(b64, digest, sizeof(digest));
	while (n > 0 && b64[n - 1] == '=')
		n--;
	memcpy(out, prefix, sizeof(prefix) - 1);
	memcpy(out + sizeof(prefix) - 1, b64, n);
	out[sizeof(prefix) - 1 + n] = '\0';
}

static const struct sk_type *sk_type_find(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(sk_types) / sizeof(sk_types[0]); i++)
		if (strlen(sk_types[i].name) == len && memcmp(s, sk_types[i].name, len) == 0)
			return &sk_types[i];
	return NULL;
}

/* Why the first word of a line that is not an sk- type was refused. */
static const char *not_sk_reason(const char *s, size_t len)
{
	static const size_t cert_len = sizeof(CERT_SUFFIX) - 1;

	for (size_t i = 0; i < sizeof(other_types) / sizeof(other_types[0]); i++)
		if (strlen(other_types[i].name) == len && memcmp(s, other_types[i].name, len) == 0)
			return other_types[i].reason;
	if (len > cert_len && memcmp(s + len - cert_len, CERT_SUFFIX, cert_len) == 0)
		return "a certificate, not a key: give the security key's own .pub line";
	if (len >= 4 && memcmp(s, "AAAA", 4) == 0)
		return "the key type is missing before the base64 key";
	return "not a public key line: give the line of a .pub file (TYPE BASE64 [COMMENT]), "
	       "without authorized_keys options";
}

/* The comment as a key name: printable ASCII, one space between words. */
static void comment_clean(const char *s, size_t len, char out[SSH_SK_COMMENT_MAX + 1])
{
	bool space = false;
	size_t n = 0;

	for (size_t i = 0; i < len && n < SSH_SK_COMMENT_MAX; i++) {
		if (is_blank(s[i])) {
			space = n > 0;
			continue;
		}
		if (space) {
			/* Never a blank as the last byte of a cut comment. */
			if (n + 1 == SSH_SK_COMMENT_MAX)
				break;
			out[n++] = ' ';
			space = false;
		}
		out[n++] = is_printable(s[i]) ? s[i] : '?';
	}
	out[n] = '\0';
}

int ssh_sk_key_parse(const char *line, size_t len, struct ssh_sk_key *ret, const char **reason)
{
	const char *why = NULL, *p, *end, *word;
	const struct sk_type *t;
	struct ssh_sk_key k = {0};
	int r;

	if (len > SSH_SK_LINE_MAX) {
		why = "too long for a public key line";
		r = -E2BIG;
		goto out;
	}
	r = -EBADMSG;
	if (memchr(line, '\0', len)) {
		why = "a NUL byte in the key line";
		goto out;
	}
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (memchr(line, '\n', len) || memchr(line, '\r', len)) {
		why = "more than one line: give exactly one public key";
		goto out;
	}
	end = line + len;
	for (p = line; p < end && is_blank(*p); p++)
		;
	/* TYPE */
	for (word = p; p < end && !is_blank(*p); p++)
		;
	if (p == word) {
		why = "an empty line";
		goto out;
	}
	t = sk_type_find(word, (size_t)(p - word));
	if (!t) {
		why = not_sk_reason(word, (size_t)(p - word));
		goto out;
	}
	k.kind = t->kind;
	k.type = t->name;
	/* BASE64 */
	for (; p < end && is_blank(*p); p++)
		;
	for (word = p; p < end && !is_blank(*p); p++)
		;
	if (p == word) {
		why = "no key after the key type";
		goto out;
	}
	if (base64_decode(word, (size_t)(p - word), k.blob, sizeof(k.blob), &k.blob_len) < 0) {
		why = "bad base64, or too long for a security key";
		goto out;
	}
	/* [COMMENT] */
	for (; p < end && is_blank(*p); p++)
		;
	comment_clean(p, (size_t)(end - p), k.comment);

	if ((r = sk_blob_parse(k.blob, k.blob_len, t, k.application, &why)) < 0)
		goto out;
	ssh_key_fingerprint(k.blob, k.blob_len, k.fingerprint);
	*ret = k;
	r = 0;
out:
	if (r < 0 && reason)
		*reason = why;
	return r;
}

/* One publickey line's "TYPE BASE64[ INFO]" (after "publickey "). */
static int auth_key_parse(const char *s, size_t len, struct ssh_auth_key *ret)
{
	const char *end = s + len, *p, *data;
	uint8_t blob[SSH_KEY_BLOB_MAX];
	char application[SSH_SK_APPLICATION_MAX + 1];
	const struct sk_type *t;
	const uint8_t *btype;
	size_t type_len, blob_len, btype_len;
	const char *why;
	struct rbuf rb;
	int r;

	for (p = s; p < end && is_key_type_char(*p); p++)
		;
	type_len = (size_t)(p - s);
	if (type_len == 0 || type_len > SSH_KEY_TYPE_MAX || p == end || *p != ' ')
		return -EBADMSG;
	data = ++p;
	while (p < end && *p != ' ')
		p++;
	/* Whatever sshd appended (a certificate's details, "signature count =
	 * N" for an sk key) is printable and not read. */
	for (const char *q = p; q < end; q++)
		if (!is_printable(*q))
			return -EBADMSG;
	if (base64_decode(data, (size_t)(p - data), blob, sizeof(blob), &blob_len) < 0)
		return -EBADMSG;
	rbuf_init(&rb, blob, blob_len);
	if (sshstr_get(&rb, &btype, &btype_len, SSH_KEY_TYPE_MAX) < 0 || btype_len != type_len ||
	    memcmp(btype, s, type_len) != 0)
		return -EBADMSG;
	t = sk_type_find(s, type_len);
	if (t && (r = sk_blob_parse(blob, blob_len, t, application, &why)) < 0)
		return r;
	memcpy(ret->type, s, type_len);
	ret->type[type_len] = '\0';
	ssh_key_fingerprint(blob, blob_len, ret->fingerprint);
	return 0;
}

/* One line of SSH_AUTH_INFO_0, without its "\n": METHOD[/SUBMETHOD][ REST].
 * Returns 1 and fills *ret for a publickey line, 0 for another method. */
static int auth_line_parse(const char *s, size_t len, struct ssh_auth_key *ret)
{
	static const char publickey[] = "publickey";
	const char *end = s + len, *p = s;
	size_t method_len;
	int r;

	while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
		p++;
	method_len = (size_t)(p - s);
	if (method_len == 0)
		return -EBADMSG;
	if (method_len == sizeof(publickey) - 1 && memcmp(s, publickey, method_len) == 0) {
		if (p == end || *p != ' ')
			return -EBADMSG;
		if ((r = auth_key_parse(p + 1, (size_t)(end - p - 1), ret)) < 0)
			return r;
		return 1;
	}
	if (p < end && *p == '/') {
		const char *sub = ++p;

		while (p < end && *p != ' ' && is_key_type_char(*p))
			p++;
		if (p == sub)
			return -EBADMSG;
	}
	if (p < end && *p != ' ')
		return -EBADMSG;
	for (; p < end; p++)
		if (!is_printable(*p))
			return -EBADMSG;
	return 0;
}

int ssh_auth_info_keys(const char *auth_info, struct ssh_auth_key *out, size_t max)
{
	struct ssh_auth_key keys[SSH_AUTH_KEYS_MAX], k;
	const char *p = auth_info, *eol;
	size_t n = 0, len;
	int r;

	if (strnlen(auth_info, VIGIL_AUTH_INFO_MAX + 1) > VIGIL_AUTH_INFO_MAX)
		return -E2BIG;
	if (max > SSH_AUTH_KEYS_MAX)
		max = SSH_AUTH_KEYS_MAX;
	while (*p) {
		eol = strchr(p, '\n');
		len = eol ? (size_t)(eol - p) : strlen(p);
		if ((r = auth_line_parse(p, len, &k)) < 0)
			return r;
		if (r == 1) {
			if (n == max)
				return -E2BIG;
			keys[n++] = k;
		}
		p += len + (eol ? 1 : 0);
	}
	if (n > 0)
		memcpy(out, keys, n * sizeof(keys[0]));
	return (int)n;
}

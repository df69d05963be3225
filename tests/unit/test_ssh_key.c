/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for ssh_key.c: the sk- key lines a user enrolls and the keys in
 * sshd's SSH_AUTH_INFO_0.  The keys in tests/unit/data/ssh were made with
 * ssh-keygen -t ed25519-sk / ecdsa-sk and OpenSSH's software authenticator
 * sk-dummy (public halves only); data/ssh/fingerprints is what ssh-keygen -lf
 * printed for them, and where ssh-keygen is installed the test asks it
 * again.  The malformed blobs are built here, field by field, from a real
 * key, so that each case breaks one thing.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "origin.h"
#include "ssh_key.h"

#define DATA "tests/unit/data/ssh/"

/* ------------------------------------------------------------ helpers --- */

static void data_path(char *out, size_t cap, const char *name)
{
	const char *top = getenv("top_srcdir");

	if (!top || !*top)
		fail_msg("top_srcdir is not set (make check sets it)");
	assert_true((size_t)snprintf(out, cap, "%s/" DATA "%s", top, name) < cap);
}

/* The first line of a data file, with its "\n". */
static void data_line(const char *name, char *out, size_t cap)
{
	char path[PATH_MAX];
	FILE *f;

	data_path(path, sizeof(path), name);
	f = fopen(path, "re");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_non_null(fgets(out, (int)cap, f));
	fclose(f);
}

/* The fingerprint data/ssh/fingerprints records for a file. */
static void recorded_fingerprint(const char *name, char *out, size_t cap)
{
	char path[PATH_MAX], line[256], file[64], fp[128];
	FILE *f;

	data_path(path, sizeof(path), "fingerprints");
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %127s", file, fp) == 2 && strcmp(file, name) == 0) {
			fclose(f);
			assert_true(strlen(fp) < cap);
			strcpy(out, fp);
			return;
		}
	}
	fclose(f);
	fail_msg("no fingerprint recorded for %s", name);
}

/* What ssh-keygen -lf says now, or "" when it is not installed. */
static void keygen_fingerprint(const char *name, char *out, size_t cap)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64], line[512];
	FILE *p;

	out[0] = '\0';
	if (system("command -v ssh-keygen >/dev/null 2>&1") != 0)
		return;
	data_path(path, sizeof(path), name);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -lf '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(pclose(p), 0);
	assert_int_equal(sscanf(line, "%*u %511s", line), 1);
	assert_true(strlen(line) < cap);
	strcpy(out, line);
}

/* The blob of a data file's key. */
static size_t data_blob(const char *name, uint8_t *out, size_t cap)
{
	char line[4096], *b64, *save = NULL;
	int n;

	data_line(name, line, sizeof(line));
	assert_non_null(strtok_r(line, " \n", &save));
	b64 = strtok_r(NULL, " \n", &save);
	assert_non_null(b64);
	assert_true(strlen(b64) / 4 * 3 <= cap);
	n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)strlen(b64));
	assert_true(n > 0);
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	for (size_t i = strlen(b64); i > 0 && b64[i - 1] == '='; i--)
		n--;
	return (size_t)n;
}

/* A blob under construction: SSH strings, u32 length first. */
struct blob {
	uint8_t b[8192];
	size_t len;
};

static void put_u32(struct blob *x, uint32_t v)
{
	assert_true(x->len + 4 <= sizeof(x->b));
	x->b[x->len++] = (uint8_t)(v >> 24);
	x->b[x->len++] = (uint8_t)(v >> 16);
	x->b[x->len++] = (uint8_t)(v >> 8);
	x->b[x->len++] = (uint8_t)v;
}

static void put_bytes(struct blob *x, const void *p, size_t n)
{
	assert_true(x->len + n <= sizeof(x->b));
	memcpy(x->b + x->len, p, n);
	x->len += n;
}

static void put_string(struct blob *x, const void *p, size_t n)
{
	put_u32(x, (uint32_t)n);
	put_bytes(x, p, n);
}

static void put_cstring(struct blob *x, const char *s)
{
	put_string(x, s, strlen(s));
}

/* "TYPE BASE64(blob)" + suffix into out. */
static void make_line(char *out, size_t cap, const char *type, const uint8_t *blob, size_t len, const char *suffix)
{
	unsigned char b64[12000];
	int n;

	assert_true((len + 2) / 3 * 4 < sizeof(b64));
	n = EVP_EncodeBlock(b64, blob, (int)len);
	assert_true(n >= 0);
	assert_true((size_t)snprintf(out, cap, "%s %s%s", type, (const char *)b64, suffix) < cap);
}

/* The parts of a real key: ed25519-sk's pk, ecdsa-sk's Q. */
static uint8_t ed_pk[32], ec_q[65];

static void real_parts(void)
{
	uint8_t blob[512];
	size_t n;

	/* string type, string pk, string application */
	n = data_blob("ed25519-sk.pub", blob, sizeof(blob));
	assert_true(n > 4 + 26 + 4 + 32);
	memcpy(ed_pk, blob + 4 + 26 + 4, 32);
	/* string type, string curve, string Q, string application */
	n = data_blob("ecdsa-sk.pub", blob, sizeof(blob));
	assert_true(n > 4 + 34 + 4 + 8 + 4 + 65);
	memcpy(ec_q, blob + 4 + 34 + 4 + 8 + 4, 65);
}

static void ed_blob(struct blob *x, const uint8_t *pk, size_t pk_len, const char *app)
{
	memset(x, 0, sizeof(*x));
	put_cstring(x, SSH_SK_ED25519_TYPE);
	put_string(x, pk, pk_len);
	put_cstring(x, app);
}

static void ec_blob(struct blob *x, const char *curve, const uint8_t *q, size_t q_len, const char *app)
{
	memset(x, 0, sizeof(*x));
	put_cstring(x, SSH_SK_ECDSA_TYPE);
	put_cstring(x, curve);
	put_string(x, q, q_len);
	put_cstring(x, app);
}

/* Parses line and expects failure with errno r and a reason containing
 * want; ret must be left alone. */
static void refused(const char *line, size_t len, int r, const char *want)
{
	struct ssh_sk_key k;
	const char *why = NULL;

	memset(&k, 0x5a, sizeof(k));
	assert_int_equal(ssh_sk_key_parse(line, len, &k, &why), r);
	assert_non_null(why);
	if (!strstr(why, want))
		fail_msg("reason \"%s\" does not say \"%s\"", why, want);
	for (size_t i = 0; i < sizeof(k); i++)
		assert_int_equal(((uint8_t *)&k)[i], 0x5a);
}

static void refused_blob(const char *type, const struct blob *x, const char *want)
{
	char line[20000];

	make_line(line, sizeof(line), type, x->b, x->len, "");
	refused(line, strlen(line), -EBADMSG, want);
}

/* ---------------------------------------------------- sk key lines ------ */

static void check_good(const char *name, enum ssh_sk_kind kind, const char *app, const char *comment)
{
	char line[4096], want[128], live[128];
	uint8_t blob[512];
	struct ssh_sk_key k;
	const char *why = NULL;
	size_t n;

	data_line(name, line, sizeof(line));
	assert_int_equal(ssh_sk_key_parse(line, strlen(line), &k, &why), 0);
	assert_int_equal(k.kind, kind);
	assert_string_equal(k.type, kind == SSH_SK_ED25519 ? SSH_SK_ED25519_TYPE : SSH_SK_ECDSA_TYPE);
	assert_string_equal(k.application, app);
	assert_string_equal(k.comment, comment);
	n = data_blob(name, blob, sizeof(blob));
	assert_int_equal(k.blob_len, n);
	assert_memory_equal(k.blob, blob, n);
	recorded_fingerprint(name, want, sizeof(want));
	assert_string_equal(k.fingerprint, want);
	keygen_fingerprint(name, live, sizeof(live));
	if (live[0])
		assert_string_equal(k.fingerprint, live);
}

static void test_sk_real_keys(void **state)
{
	(void)state;
	check_good("ed25519-sk.pub", SSH_SK_ED25519, "ssh:", "alice@laptop yubikey");
	check_good("ecdsa-sk.pub", SSH_SK_ECDSA_P256, "ssh:", "alice ecdsa");
	check_good("ed25519-sk-app.pub", SSH_SK_ED25519, "ssh:vigil-test", "app and uv");
	/* ssh-keygen -C '' leaves a blank after the key. */
	check_good("ecdsa-sk-app.pub", SSH_SK_ECDSA_P256, "ssh:x", "");
}

static void test_sk_line_forms(void **state)
{
	char line[4096], buf[4200];
	struct ssh_sk_key k;
	const char *why;
	size_t n;

	(void)state;
	data_line("ed25519-sk.pub", line, sizeof(line));
	n = strlen(line) - 1; /* without "\n" */
	assert_int_equal(ssh_sk_key_parse(line, n, &k, &why), 0);
	/* CRLF, tabs and blanks around fields. */
	snprintf(buf, sizeof(buf), "%.*s\r\n", (int)n, line);
	assert_int_equal(ssh_sk_key_parse(buf, strlen(buf), &k, &why), 0);
	assert_string_equal(k.comment, "alice@laptop yubikey");
	snprintf(buf, sizeof(buf), "  %.*s \t x\t\ty  \n", (int)n, line);
	assert_int_equal(ssh_sk_key_parse(buf, strlen(buf), &k, &why), 0);
	assert_string_equal(k.comment, "alice@laptop yubikey x y");
	/* The comment keeps printable ASCII only, and is cut. */
	snprintf(buf, sizeof(buf), "%.*s\x01z\xc3\xa9\x7f!\n", (int)(strrchr(line, '@') - line), line);
	assert_int_equal(ssh_sk_key_parse(buf, strlen(buf), &k, &why), 0);
	assert_string_equal(k.comment, "alice?z??"
	                               "?!");
	snprintf(buf, sizeof(buf), "%.*s %0100d\n", (int)(strrchr(line, '@') - line) - 6, line, 7);
	assert_int_equal(ssh_sk_key_parse(buf, strlen(buf), &k, &why), 0);
	assert_int_equal(strlen(k.comment), SSH_SK_COMMENT_MAX);
	assert_string_equal(k.comment + SSH_SK_COMMENT_MAX - 2, "00");
	/* A cut that falls on a blank drops it (the fuzzer found this). */
	snprintf(buf, sizeof(buf), "%.*s %0*d  y\n", (int)(strrchr(line, '@') - line) - 6, line, SSH_SK_COMMENT_MAX - 1,
	         0);
	assert_int_equal(ssh_sk_key_parse(buf, strlen(buf), &k, &why), 0);
	assert_int_equal(strlen(k.comment), SSH_SK_COMMENT_MAX - 1);
	assert_int_equal(k.comment[SSH_SK_COMMENT_MAX - 2], '0');
	/* Two lines, a NUL, nothing. */
	snprintf(buf, sizeof(buf), "%s%s", line, line);
	refused(buf, strlen(buf), -EBADMSG, "more than one line");
	refused(line, n + 1 + 1, -EBADMSG, "NUL"); /* the string's own NUL */
	memcpy(buf, line, n);
	buf[20] = '\0';
	refused(buf, n, -EBADMSG, "NUL");
	refused("", 0, -EBADMSG, "empty");
	refused(" \t\n", 3, -EBADMSG, "empty");
	refused(SSH_SK_ED25519_TYPE "\n", strlen(SSH_SK_ED25519_TYPE) + 1, -EBADMSG, "no key");
	/* Over the limit, whatever it holds. */
	memset(buf, ' ', sizeof(buf));
	refused(buf, SSH_SK_LINE_MAX + 1, -E2BIG, "too long");
	memcpy(buf, line, n);
	assert_int_equal(ssh_sk_key_parse(buf, SSH_SK_LINE_MAX, &k, &why), 0);
}

static void test_sk_other_types(void **state)
{
	char line[4096], buf[4200];

	(void)state;
	data_line("ed25519.pub", line, sizeof(line));
	refused(line, strlen(line), -EBADMSG, "not a security key type: ssh-ed25519 (only sk- keys");
	data_line("ecdsa.pub", line, sizeof(line));
	refused(line, strlen(line), -EBADMSG, "not a security key type: ecdsa-sha2-nistp256");
	data_line("rsa.pub", line, sizeof(line));
	refused(line, strlen(line), -EBADMSG, "not a security key type: ssh-rsa");
	/* Certificates, options, a missing type, garbage. */
	data_line("ed25519-sk.pub", line, sizeof(line));
	snprintf(buf, sizeof(buf), "sk-ssh-ed25519-cert-v01@openssh.com %s", strchr(line, ' ') + 1);
	refused(buf, strlen(buf), -EBADMSG, "a certificate");
	snprintf(buf, sizeof(buf), "no-touch-required %s", line);
	refused(buf, strlen(buf), -EBADMSG, "without authorized_keys options");
	snprintf(buf, sizeof(buf), "restrict,command=\"x\" %s", line);
	refused(buf, strlen(buf), -EBADMSG, "without authorized_keys options");
	refused(strchr(line, ' ') + 1, strlen(strchr(line, ' ') + 1), -EBADMSG, "type is missing");
	refused("SK-SSH-ED25519@OPENSSH.COM AAAA", 31, -EBADMSG, "not a public key line");
	/* The line says one sk type, the blob is the other. */
	snprintf(buf, sizeof(buf), SSH_SK_ECDSA_TYPE " %s", strchr(line, ' ') + 1);
	refused(buf, strlen(buf), -EBADMSG, "the key blob's type differs from the line's type");
}

static void test_sk_bad_base64(void **state)
{
	char line[4096], buf[4200], *b64;
	size_t len;

	(void)state;
	data_line("ed25519-sk.pub", line, sizeof(line));
	b64 = strchr(line, ' ') + 1;
	len = strcspn(b64, " ");
	/* ...AAAABHNzaDo= : one '=' of padding. */
	assert_int_equal(b64[len - 1], '=');
	snprintf(buf, sizeof(buf), "%.*s", (int)(b64 - line + len - 1), line); /* no padding */
	refused(buf, strlen(buf), -EBADMSG, "bad base64");
	snprintf(buf, sizeof(buf), "%.*s==", (int)(b64 - line + len - 1), line); /* too much */
	refused(buf, strlen(buf), -EBADMSG, "bad base64");
	/* 'o' -> 'p': the two bits the padding leaves over are not zero. */
	strcpy(buf, line);
	assert_int_equal(buf[b64 - line + len - 2], 'o');
	buf[b64 - line + len - 2] = 'p';
	refused(buf, strlen(buf), -EBADMSG, "bad base64");
	/* A character outside the alphabet, '=' inside. */
	strcpy(buf, line);
	buf[b64 - line + 10] = '*';
	refused(buf, strlen(buf), -EBADMSG, "bad base64");
	strcpy(buf, line);
	buf[b64 - line + 8] = '=';
	refused(buf, strlen(buf), -EBADMSG, "bad base64");
}

static void test_sk_bad_blobs(void **state)
{
	static const uint8_t ff[4] = {0xff, 0xff, 0xff, 0xff};
	static const uint8_t filler[SSH_SK_BLOB_MAX];
	uint8_t bad_q[65], pk33[33];
	char big_app[SSH_SK_APPLICATION_MAX + 2];
	struct blob x, good;

	(void)state;
	real_parts();
	/* The parts are sound: rebuilt, they parse. */
	ed_blob(&good, ed_pk, 32, "ssh:");
	{
		char line[4096];
		struct ssh_sk_key k;
		const char *why;

		make_line(line, sizeof(line), SSH_SK_ED25519_TYPE, good.b, good.len, "");
		assert_int_equal(ssh_sk_key_parse(line, strlen(line), &k, &why), 0);
		ec_blob(&x, "nistp256", ec_q, 65, "ssh:");
		make_line(line, sizeof(line), SSH_SK_ECDSA_TYPE, x.b, x.len, "");
		assert_int_equal(ssh_sk_key_parse(line, strlen(line), &k, &why), 0);
	}

	/* Truncated at every length, and one byte too many. */
	for (size_t cut = 0; cut < good.len; cut++) {
		x = good;
		x.len = cut;
		if (cut == 0) {
			char line[64];

			snprintf(line, sizeof(line), "%s ", SSH_SK_ED25519_TYPE);
			refused(line, strlen(line), -EBADMSG, "no key");
			continue;
		}
		refused_blob(SSH_SK_ED25519_TYPE, &x, "");
	}
	x = good;
	put_bytes(&x, "\0", 1);
	refused_blob(SSH_SK_ED25519_TYPE, &x, "trailing bytes");
	ec_blob(&x, "nistp256", ec_q, 65, "ssh:");
	put_u32(&x, 0);
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "trailing bytes");

	/* Wrong lengths. */
	memset(pk33, 7, sizeof(pk33));
	ed_blob(&x, ed_pk, 31, "ssh:");
	refused_blob(SSH_SK_ED25519_TYPE, &x, "not 32 bytes");
	memcpy(pk33, ed_pk, 32);
	ed_blob(&x, pk33, 33, "ssh:");
	refused_blob(SSH_SK_ED25519_TYPE, &x, "not 32 bytes");
	ec_blob(&x, "nistp256", ec_q, 64, "ssh:");
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "not a point on P-256");
	memcpy(bad_q, ec_q, 65);
	ec_blob(&x, "nistp256", bad_q, 33, "ssh:"); /* a compressed point's length */
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "not a point on P-256");

	/* Huge lengths: the type's, the key's, the application's. */
	memset(&x, 0, sizeof(x));
	put_bytes(&x, ff, 4);
	put_cstring(&x, SSH_SK_ED25519_TYPE);
	refused_blob(SSH_SK_ED25519_TYPE, &x, "truncated");
	memset(&x, 0, sizeof(x));
	put_cstring(&x, SSH_SK_ED25519_TYPE);
	put_bytes(&x, ff, 4);
	put_bytes(&x, ed_pk, 32);
	refused_blob(SSH_SK_ED25519_TYPE, &x, "not 32 bytes");
	memset(&x, 0, sizeof(x));
	put_cstring(&x, SSH_SK_ED25519_TYPE);
	put_string(&x, ed_pk, 32);
	put_u32(&x, 0x80000004);
	put_bytes(&x, "ssh:", 4);
	refused_blob(SSH_SK_ED25519_TYPE, &x, "truncated");
	/* A blob too big for any sk key, though valid base64. */
	memset(&x, 0, sizeof(x));
	put_cstring(&x, SSH_SK_ED25519_TYPE);
	put_string(&x, ed_pk, 32);
	memset(big_app, 'a', sizeof(big_app));
	memcpy(big_app, "ssh:", 4);
	put_string(&x, filler, SSH_SK_BLOB_MAX);
	refused_blob(SSH_SK_ED25519_TYPE, &x, "too long for a security key");
	/* The application: at the limit, over it, not ssh:, with a NUL. */
	big_app[SSH_SK_APPLICATION_MAX] = '\0';
	ed_blob(&x, ed_pk, 32, big_app);
	{
		char line[4096];
		struct ssh_sk_key k;
		const char *why;

		make_line(line, sizeof(line), SSH_SK_ED25519_TYPE, x.b, x.len, "");
		assert_int_equal(ssh_sk_key_parse(line, strlen(line), &k, &why), 0);
		assert_string_equal(k.application, big_app);
	}
	big_app[SSH_SK_APPLICATION_MAX] = 'a';
	big_app[SSH_SK_APPLICATION_MAX + 1] = '\0';
	ed_blob(&x, ed_pk, 32, big_app);
	refused_blob(SSH_SK_ED25519_TYPE, &x, "application is too long");
	ed_blob(&x, ed_pk, 32, "https://example.com");
	refused_blob(SSH_SK_ED25519_TYPE, &x, "does not start with \"ssh:\"");
	ed_blob(&x, ed_pk, 32, "");
	refused_blob(SSH_SK_ED25519_TYPE, &x, "does not start with \"ssh:\"");
	ed_blob(&x, ed_pk, 32, "ssh");
	refused_blob(SSH_SK_ED25519_TYPE, &x, "does not start with \"ssh:\"");
	memset(&x, 0, sizeof(x));
	put_cstring(&x, SSH_SK_ED25519_TYPE);
	put_string(&x, ed_pk, 32);
	put_string(&x, "ssh:a\0b", 7);
	refused_blob(SSH_SK_ED25519_TYPE, &x, "not printable");
	ed_blob(&x, ed_pk, 32, "ssh:\x1b[2J");
	refused_blob(SSH_SK_ED25519_TYPE, &x, "not printable");
	/* A NUL inside the blob's type string. */
	memset(&x, 0, sizeof(x));
	put_string(&x, SSH_SK_ED25519_TYPE "\0", sizeof(SSH_SK_ED25519_TYPE));
	put_string(&x, ed_pk, 32);
	put_cstring(&x, "ssh:");
	refused_blob(SSH_SK_ED25519_TYPE, &x, "differs");

	/* The curve. */
	ec_blob(&x, "nistp384", ec_q, 65, "ssh:");
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "curve is not nistp256");
	ec_blob(&x, "nistp25", ec_q, 65, "ssh:");
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "curve is not nistp256");
	ec_blob(&x, "", ec_q, 65, "ssh:");
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "curve is not nistp256");

	/* The point: y changed (on the curve only for y and p - y), x = 0,
	 * a compressed or hybrid prefix, the point at infinity's encoding. */
	memcpy(bad_q, ec_q, 65);
	bad_q[64] ^= 1;
	ec_blob(&x, "nistp256", bad_q, 65, "ssh:");
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "not a point on P-256");
	memset(bad_q + 1, 0, 32);
	ec_blob(&x, "nistp256", bad_q, 65, "ssh:");
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "not a point on P-256");
	memset(bad_q + 1, 0xff, 64); /* x, y >= p */
	ec_blob(&x, "nistp256", bad_q, 65, "ssh:");
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "not a point on P-256");
	for (int prefix = 0; prefix < 8; prefix++) {
		if (prefix == 4)
			continue;
		memcpy(bad_q, ec_q, 65);
		bad_q[0] = (uint8_t)prefix;
		ec_blob(&x, "nistp256", bad_q, 65, "ssh:");
		refused_blob(SSH_SK_ECDSA_TYPE, &x, "not a point on P-256");
	}
	memset(bad_q, 0, 65);
	ec_blob(&x, "nistp256", bad_q, 1, "ssh:");
	refused_blob(SSH_SK_ECDSA_TYPE, &x, "not a point on P-256");
}

/* ------------------------------------------------- SSH_AUTH_INFO_0 ------ */

/* "publickey TYPE BASE64" of a data file. */
static void pk_line(const char *name, char *out, size_t cap)
{
	char line[4096];

	data_line(name, line, sizeof(line));
	line[strcspn(line, " ")] = '\0';
	line[strlen(line) + 1 + strcspn(line + strlen(line) + 1, " \n")] = '\0';
	assert_true((size_t)snprintf(out, cap, "publickey %s %s", line, line + strlen(line) + 1) < cap);
}

static void auth_refused(const char *info, int r)
{
	struct ssh_auth_key out[SSH_AUTH_KEYS_MAX];

	memset(out, 0x5a, sizeof(out));
	if (ssh_auth_info_keys(info, out, SSH_AUTH_KEYS_MAX) != r)
		fail_msg("expected %d for \"%s\"", r, info);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(((uint8_t *)out)[i], 0x5a);
}

static void test_auth_info_real(void **state)
{
	struct ssh_auth_key out[SSH_AUTH_KEYS_MAX];
	char ed[512], ec[512], rsa[1024], info[4096], fp[128];

	(void)state;
	pk_line("ed25519-sk.pub", ed, sizeof(ed));
	pk_line("ecdsa-sk.pub", ec, sizeof(ec));
	pk_line("rsa.pub", rsa, sizeof(rsa));

	/* As sshd wrote it at the auth phase (publickey,keyboard-interactive). */
	snprintf(info, sizeof(info), "%s\n", ed);
	assert_int_equal(ssh_auth_info_keys(info, out, SSH_AUTH_KEYS_MAX), 1);
	assert_string_equal(out[0].type, SSH_SK_ED25519_TYPE);
	recorded_fingerprint("ed25519-sk.pub", fp, sizeof(fp));
	assert_string_equal(out[0].fingerprint, fp);

	/* publickey,publickey,keyboard-interactive after the last method, as
	 * $SSH_USER_AUTH shows it; the last "\n" missing; sshd's info. */
	snprintf(info, sizeof(info), "%s\n%s signature count = 3\nkeyboard-interactive/pam\npassword", rsa, ec);
	assert_int_equal(ssh_auth_info_keys(info, out, SSH_AUTH_KEYS_MAX), 2);
	assert_string_equal(out[0].type, "ssh-rsa");
	recorded_fingerprint("rsa.pub", fp, sizeof(fp));
	assert_string_equal(out[0].fingerprint, fp);
	assert_string_equal(out[1].type, SSH_SK_ECDSA_TYPE);
	recorded_fingerprint("ecdsa-sk.pub", fp, sizeof(fp));
	assert_string_equal(out[1].fingerprint, fp);
	/* max 1 of 2 keys: too many, nothing written. */
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(ssh_auth_info_keys(info, out, 1), -E2BIG);
	assert_int_equal(((uint8_t *)out)[0], 0x5a);

	/* No key at all. */
	assert_int_equal(ssh_auth_info_keys("", out, SSH_AUTH_KEYS_MAX), 0);
	assert_int_equal(ssh_auth_info_keys("keyboard-interactive/pam\n", out, SSH_AUTH_KEYS_MAX), 0);
	assert_int_equal(ssh_auth_info_keys("hostbased ssh-ed25519 AAAA\n", out, SSH_AUTH_KEYS_MAX), 0);
	assert_int_equal(ssh_auth_info_keys("gssapi-with-mic\npassword\n", out, 0), 0);
}

static void test_auth_info_malformed(void **state)
{
	char ed[512], plain[512], info[VIGIL_AUTH_INFO_MAX + 64];
	struct ssh_auth_key out[SSH_AUTH_KEYS_MAX];
	struct blob x;
	size_t n;

	(void)state;
	pk_line("ed25519-sk.pub", ed, sizeof(ed));
	pk_line("ed25519.pub", plain, sizeof(plain));

	snprintf(info, sizeof(info), "%s\n\nkeyboard-interactive\n", ed);
	auth_refused(info, -EBADMSG); /* an empty line */
	snprintf(info, sizeof(info), "\n%s\n", ed);
	auth_refused(info, -EBADMSG);
	snprintf(info, sizeof(info), "%s\r\n", ed);
	auth_refused(info, -EBADMSG);
	snprintf(info, sizeof(info), "%s \x01\n", ed);
	auth_refused(info, -EBADMSG); /* a control character in the info */
	snprintf(info, sizeof(info), "%s\nKeyboard-interactive\n", ed);
	auth_refused(info, -EBADMSG);
	snprintf(info, sizeof(info), "%s\nkeyboard-interactive/\n", ed);
	auth_refused(info, -EBADMSG);
	snprintf(info, sizeof(info), "%s\nkeyboard-interactive/p\xc3\xa4m\n", ed);
	auth_refused(info, -EBADMSG);
	auth_refused("publickey\n", -EBADMSG);
	auth_refused("publickey \n", -EBADMSG);
	auth_refused("publickey ssh-ed25519\n", -EBADMSG);
	auth_refused("publickey ssh-ed25519 \n", -EBADMSG);
	auth_refused(" publickey ssh-ed25519 AAAA\n", -EBADMSG);
	snprintf(info, sizeof(info), "publickey/x %s\n", ed + 10);
	auth_refused(info, -EBADMSG);
	snprintf(info, sizeof(info), "publickey  %s\n", ed + 10);
	auth_refused(info, -EBADMSG);
	/* The line's type is not the blob's. */
	snprintf(info, sizeof(info), "publickey ssh-ed25519 %s\n", strchr(ed + 10, ' ') + 1);
	auth_refused(info, -EBADMSG);
	snprintf(info, sizeof(info), "publickey " SSH_SK_ED25519_TYPE " %s\n", strchr(plain + 10, ' ') + 1);
	auth_refused(info, -EBADMSG);
	/* Not canonical base64: the padding dropped. */
	strcpy(info, ed);
	n = strlen(info);
	assert_int_equal(info[n - 1], '=');
	info[n - 1] = '\0';
	auth_refused(info, -EBADMSG);
	/* An sk type whose blob is not a sound sk key (the application). */
	real_parts();
	ed_blob(&x, ed_pk, 32, "http:");
	make_line(info, sizeof(info), "publickey " SSH_SK_ED25519_TYPE, x.b, x.len, "\n");
	auth_refused(info, -EBADMSG);
	/* A blob over SSH_KEY_BLOB_MAX. */
	memset(&x, 0, sizeof(x));
	put_cstring(&x, "ssh-rsa");
	put_u32(&x, SSH_KEY_BLOB_MAX);
	x.len = SSH_KEY_BLOB_MAX + 1;
	make_line(info, sizeof(info), "publickey ssh-rsa", x.b, x.len, "\n");
	auth_refused(info, -EBADMSG);
	x.len--;
	make_line(info, sizeof(info), "publickey ssh-rsa", x.b, x.len, "\n");
	assert_int_equal(ssh_auth_info_keys(info, out, SSH_AUTH_KEYS_MAX), 1);

	/* More publickey lines than SSH_AUTH_KEYS_MAX. */
	info[0] = '\0';
	for (int i = 0; i <= SSH_AUTH_KEYS_MAX; i++) {
		strcat(info, plain);
		strcat(info, "\n");
	}
	auth_refused(info, -E2BIG);
	info[strlen(info) - strlen(plain) - 1] = '\0';
	assert_int_equal(ssh_auth_info_keys(info, out, SSH_AUTH_KEYS_MAX), SSH_AUTH_KEYS_MAX);
	/* Longer than the protocol allows. */
	memset(info, 'a', VIGIL_AUTH_INFO_MAX + 1);
	info[VIGIL_AUTH_INFO_MAX + 1] = '\0';
	auth_refused(info, -E2BIG);
	info[VIGIL_AUTH_INFO_MAX] = '\0';
	assert_int_equal(ssh_auth_info_keys(info, out, SSH_AUTH_KEYS_MAX), 0);
}

/* origin_ssh_fingerprint() on top of the parser: the first key, as before. */
static void test_origin_fingerprint(void **state)
{
	char ed[512], ec[512], info[2048], fp[VIGIL_FINGERPRINT_MAX + 1], type[64], want[128];

	(void)state;
	pk_line("ed25519-sk.pub", ed, sizeof(ed));
	pk_line("ecdsa-sk.pub", ec, sizeof(ec));
	snprintf(info, sizeof(info), "keyboard-interactive/pam\n%s\n%s\n", ec, ed);
	assert_int_equal(origin_ssh_fingerprint(info, fp, type, sizeof(type)), 0);
	recorded_fingerprint("ecdsa-sk.pub", want, sizeof(want));
	assert_string_equal(fp, want);
	assert_string_equal(type, SSH_SK_ECDSA_TYPE);
	assert_int_equal(origin_ssh_fingerprint(info, fp, type, 5), 0);
	assert_string_equal(type, "sk-e");
	assert_int_equal(origin_ssh_fingerprint("keyboard-interactive\n", fp, NULL, 0), -ENOENT);
	assert_int_equal(origin_ssh_fingerprint("", fp, NULL, 0), -ENOENT);
	snprintf(info, sizeof(info), "%s\n\n", ed);
	assert_int_equal(origin_ssh_fingerprint(info, fp, NULL, 0), -EBADMSG);
	assert_int_equal(origin_ssh_fingerprint("publickey ssh-ed25519 AAAA\n", fp, NULL, 0), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sk_real_keys),        cmocka_unit_test(test_sk_line_forms),
	    cmocka_unit_test(test_sk_other_types),      cmocka_unit_test(test_sk_bad_base64),
	    cmocka_unit_test(test_sk_bad_blobs),        cmocka_unit_test(test_auth_info_real),
	    cmocka_unit_test(test_auth_info_malformed), cmocka_unit_test(test_origin_fingerprint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for ssh_key.c.  The first byte picks the parser (even:
 * an sk key line for ssh_sk_key_parse, the rest of the input as is; odd: an
 * SSH_AUTH_INFO_0 value for ssh_auth_info_keys, cut at its first NUL as a
 * C string is).  What must hold for any input:
 *  - a refusal is -EBADMSG, -E2BIG or -ENOMEM, with a reason for a key
 *    line, and leaves the output untouched;
 *  - an accepted key line has one encoding: its second word is the
 *    canonical base64 of the blob, "TYPE BASE64" parses again to the same
 *    key, the fingerprint is the blob's, the application starts "ssh:", the
 *    application and the comment are bounded printable text;
 *  - an SSH_AUTH_INFO_0 value gives at most max keys, each with a bounded
 *    printable type and a "SHA256:" fingerprint of 43 characters, writes
 *    nothing past them, and origin_ssh_fingerprint() agrees on the first.
 * Any violation abort()s.  Built with `make fuzz` (clang, libFuzzer) and,
 * for ordinary test runs, linked with replay.c to replay the corpus.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "origin.h"
#include "ssh_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FINGERPRINT_LEN (7 + 43)

static int all_byte(const void *p, size_t n, uint8_t v)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != v)
			return 0;
	return 1;
}

static int printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	if (n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

static void check_key(const char *line, size_t len, const struct ssh_sk_key *k)
{
	static char again_line[SSH_SK_LINE_MAX + 1];
	static unsigned char b64[(SSH_SK_BLOB_MAX + 2) / 3 * 4 + 1];
	static struct ssh_sk_key again;
	char fp[VIGIL_FINGERPRINT_MAX + 1];
	const char *p, *end = line + len, *why = NULL;
	size_t n, word;

	if (k->kind != SSH_SK_ED25519 && k->kind != SSH_SK_ECDSA_P256)
		abort();
	if (strcmp(k->type, k->kind == SSH_SK_ED25519 ? SSH_SK_ED25519_TYPE : SSH_SK_ECDSA_TYPE) != 0)
		abort();
	if (k->blob_len == 0 || k->blob_len > SSH_SK_BLOB_MAX)
		abort();
	ssh_key_fingerprint(k->blob, k->blob_len, fp);
	if (strcmp(fp, k->fingerprint) != 0 || strlen(fp) != FINGERPRINT_LEN)
		abort();
	if (strncmp(k->application, "ssh:", 4) != 0 || !printable(k->application, SSH_SK_APPLICATION_MAX))
		abort();
	if (!printable(k->comment, SSH_SK_COMMENT_MAX) || k->comment[0] == ' ' ||
	    (k->comment[0] && k->comment[strlen(k->comment) - 1] == ' '))
		abort();

	/* The second word is the canonical encoding of the blob. */
	n = (size_t)EVP_EncodeBlock(b64, k->blob, (int)k->blob_len);
	for (p = line; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	word = strcspn(p, " \t\r\n");
	if (word != n || memcmp(p, b64, n) != 0)
		abort();

	/* "TYPE BASE64" parses to the same key. */
	n = (size_t)snprintf(again_line, sizeof(again_line), "%s %s", k->type, (const char *)b64);
	if (n >= sizeof(again_line) || ssh_sk_key_parse(again_line, n, &again, &why) != 0)
		abort();
	if (again.kind != k->kind || again.blob_len != k->blob_len || memcmp(again.blob, k->blob, k->blob_len) != 0 ||
	    strcmp(again.fingerprint, k->fingerprint) != 0 || strcmp(again.application, k->application) != 0 ||
	    again.comment[0] != '\0')
		abort();
}

static void fuzz_key_line(const uint8_t *data, size_t size)
{
	static struct ssh_sk_key k;
	static char line[SSH_SK_LINE_MAX + 2];
	const char *why = NULL;
	int r;

	/* Longer inputs only reach the length check: keep them cheap. */
	if (size > sizeof(line))
		size = sizeof(line);
	memcpy(line, data, size);
	memset(&k, 0xa5, sizeof(k));
	r = ssh_sk_key_parse(line, size, &k, &why);
	if (r == 0) {
		/* A line with a NUL is always refused, so it is a C string. */
		line[size < sizeof(line) ? size : sizeof(line) - 1] = '\0';
		check_key(line, size, &k);
		return;
	}
	if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || !why || !all_byte(&k, sizeof(k), 0xa5))
		abort();
	if ((r == -E2BIG) != (size > SSH_SK_LINE_MAX))
		abort();
}

static void fuzz_auth_info(const uint8_t *data, size_t size)
{
	static char info[VIGIL_AUTH_INFO_MAX + 2];
	struct ssh_auth_key keys[SSH_AUTH_KEYS_MAX + 1];
	char fp[VIGIL_FINGERPRINT_MAX + 1], type[SSH_KEY_TYPE_MAX + 1];
	size_t max;
	int n, r;

	if (size == 0)
		return;
	/* The first byte also picks max (0 .. SSH_AUTH_KEYS_MAX + 1; 0x01 is
	 * SSH_AUTH_KEYS_MAX). */
	max = ((size_t)(data[0] >> 1) + SSH_AUTH_KEYS_MAX) % (SSH_AUTH_KEYS_MAX + 2);
	data++;
	size--;
	if (size > sizeof(info) - 1)
		size = sizeof(info) - 1;
	memcpy(info, data, size);
	info[size] = '\0';

	memset(keys, 0xa5, sizeof(keys));
	n = ssh_auth_info_keys(info, keys, max);
	if (n < 0) {
		if ((n != -EBADMSG && n != -E2BIG && n != -ENOMEM) || !all_byte(keys, sizeof(keys), 0xa5))
			abort();
	} else {
		if ((size_t)n > max || (size_t)n > SSH_AUTH_KEYS_MAX)
			abort();
		for (int i = 0; i < n; i++) {
			if (!keys[i].type[0] || !printable(keys[i].type, SSH_KEY_TYPE_MAX) ||
			    strlen(keys[i].fingerprint) != FINGERPRINT_LEN ||
			    strncmp(keys[i].fingerprint, "SHA256:", 7) != 0)
				abort();
		}
		if (!all_byte(keys + n, sizeof(keys) - (size_t)n * sizeof(keys[0]), 0xa5))
			abort();
	}

	/* origin_ssh_fingerprint() is this parser's first key. */
	if (max != SSH_AUTH_KEYS_MAX)
		n = ssh_auth_info_keys(info, keys, SSH_AUTH_KEYS_MAX);
	r = origin_ssh_fingerprint(info, fp, type, sizeof(type));
	if (n > 0 && (r != 0 || strcmp(fp, keys[0].fingerprint) != 0 || strcmp(type, keys[0].type) != 0))
		abort();
	if (n == 0 && r != -ENOENT)
		abort();
	if (n < 0 && r != -EBADMSG)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		fuzz_auth_info(data, size);
	else
		fuzz_key_line(data + 1, size - 1);
	return 0;
}

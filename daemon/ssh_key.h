/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenSSH public keys as Vigil meets them: a security key (sk-) line a user
 * enrolls as a second factor ("TYPE BASE64 [COMMENT]", the .pub file that
 * ssh-keygen -t ed25519-sk / ecdsa-sk writes), and the keys sshd says a
 * login authenticated with (SSH_AUTH_INFO_0, one line per completed method:
 * "METHOD[/SUBMETHOD][ KEYTYPE BASE64][ INFO]\n").  Both are untrusted text,
 * from a user and from a PAM caller: parsed strictly, bounded, one encoding
 * (canonical base64, nothing trailing in a blob).  Fingerprints are the
 * "SHA256:" + unpadded base64 of the key blob that ssh-keygen -l prints.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vigil/proto.h"

/* The longest line of a .pub file taken for enrollment (an sk key line is
 * under 400 bytes; the rest is room for a comment). */
#define SSH_SK_LINE_MAX 2048
/* The FIDO application ("ssh:" + the user's choice) of an sk key. */
#define SSH_SK_APPLICATION_MAX 255
/* A sk key blob: type, key, application, each u32-length-prefixed. */
#define SSH_SK_BLOB_MAX (4 + 34 + 4 + 8 + 4 + 65 + 4 + SSH_SK_APPLICATION_MAX)
/* The key's comment as kept for a default key name (STORE_KEY_NAME_MAX). */
#define SSH_SK_COMMENT_MAX 63
/* Any key type name sshd may print (the longest OpenSSH has is 40). */
#define SSH_KEY_TYPE_MAX 63
/* The biggest key blob taken from SSH_AUTH_INFO_0 (RSA 16384 is ~2 KiB;
 * certificates with many principals are bigger and are refused). */
#define SSH_KEY_BLOB_MAX 4096
/* The most publickey lines taken from one SSH_AUTH_INFO_0 (sshd writes one
 * per publickey in AuthenticationMethods). */
#define SSH_AUTH_KEYS_MAX 8

#define SSH_SK_ED25519_TYPE "sk-ssh-ed25519@openssh.com"
#define SSH_SK_ECDSA_TYPE   "sk-ecdsa-sha2-nistp256@openssh.com"

enum ssh_sk_kind {
	SSH_SK_ED25519 = 1,
	SSH_SK_ECDSA_P256 = 2,
};

struct ssh_sk_key {
	enum ssh_sk_kind kind;
	const char *type; /* static: SSH_SK_ED25519_TYPE or SSH_SK_ECDSA_TYPE */
	uint8_t blob[SSH_SK_BLOB_MAX];
	size_t blob_len;
	char fingerprint[VIGIL_FINGERPRINT_MAX + 1];  /* "SHA256:..." */
	char application[SSH_SK_APPLICATION_MAX + 1]; /* "ssh:...", printable ASCII */
	/* The comment, printable ASCII only (anything else became '?', runs of
	 * blanks one space), trimmed and cut to SSH_SK_COMMENT_MAX bytes; ""
	 * when the line has none. */
	char comment[SSH_SK_COMMENT_MAX + 1];
};

/* Parses one public key line of a .pub file: "TYPE BASE64 [COMMENT]" with
 * blanks (spaces, tabs) between fields and an optional final "\n" or "\r\n".
 * authorized_keys options are not accepted: a line that starts with
 * anything but a key type is refused.  TYPE must be one of the two sk-
 * types, the blob canonical base64 of exactly: string type (= TYPE), then
 * for sk-ssh-ed25519 string pk (32 bytes), for sk-ecdsa-sha2-nistp256
 * string curve ("nistp256") and string Q (65 bytes, uncompressed, on the
 * curve), then string application (starting "ssh:", printable ASCII, at
 * most SSH_SK_APPLICATION_MAX bytes), nothing after.
 * Returns 0 and fills *ret; -E2BIG when len > SSH_SK_LINE_MAX; -EBADMSG for
 * anything else wrong (-ENOMEM if OpenSSL cannot allocate).  On failure
 * *reason (when reason is not NULL) points at a static text, for the user,
 * that names what was wrong and never quotes the input beyond a known type
 * name.  Nothing in the input is secret: no wiping. */
int ssh_sk_key_parse(const char *line, size_t len, struct ssh_sk_key *ret, const char **reason);

/* A key sshd reported in SSH_AUTH_INFO_0. */
struct ssh_auth_key {
	char type[SSH_KEY_TYPE_MAX + 1];
	char fingerprint[VIGIL_FINGERPRINT_MAX + 1];
};

/* Every "publickey" key of an SSH_AUTH_INFO_0 value, in order, into out
 * (max entries).  Each line must be METHOD[/SUBMETHOD] (lower-case letters,
 * digits, '-'; a submethod also upper case, '.', '_', '@'), optionally
 * followed by one space and printable ASCII (INFO); lines end in "\n", the
 * last one may not; no empty line.  A publickey line is "publickey TYPE
 * BASE64" then optionally " INFO" (OpenSSH appends a certificate's details,
 * and may append an sk key's "signature count = N": 9.2 was not seen to):
 * the blob canonical base64 of at most SSH_KEY_BLOB_MAX bytes whose own
 * type string equals TYPE; an sk- type's blob must also parse as
 * ssh_sk_key_parse() demands.  The fingerprint is over the blob as sent:
 * for a certificate that is the certificate's, not its key's.  Other
 * methods' INFO is not looked at.  "" has no key.
 * Returns the number of keys (0 .. max); -E2BIG if the value is longer than
 * VIGIL_AUTH_INFO_MAX or shows more than max publickey lines; -EBADMSG if
 * any line is malformed (nothing is skipped: sshd never writes such a line,
 * so it is a caller to distrust); -ENOMEM.  out is written only on success
 * (out[0 .. count-1]). */
int ssh_auth_info_keys(const char *auth_info, struct ssh_auth_key *out, size_t max);

/* "SHA256:" + unpadded base64 of SHA-256(blob), as ssh-keygen -l prints. */
void ssh_key_fingerprint(const uint8_t *blob, size_t len, char out[VIGIL_FINGERPRINT_MAX + 1]);

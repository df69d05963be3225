/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The soft key's state file: credentials, the global signature counter, the
 * PIN (as LEFT(SHA-256(pin), 16), what CTAP2 compares), its retries and the
 * behaviour knobs.  A text file, one record a line, written by softkey-ctl
 * and by the device model; both hold an exclusive flock on it for the whole
 * of one operation.  For tests only: nothing here is installed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_STATE_DEFAULT "/run/vigil-softkey/state"
#define SK_CRED_ID_LEN   32
#define SK_RP_MAX        255
#define SK_USER_MAX      64
#define SK_KEY_MAX       256
#define SK_CERT_MAX      2048
#define SK_CREDS_MAX     256
#define SK_PIN_RETRIES   8

enum sk_alg { SK_ALG_ES256, SK_ALG_EDDSA };
enum sk_touch { SK_TOUCH_YES, SK_TOUCH_NO, SK_TOUCH_DELAY };
enum sk_fmt { SK_FMT_PACKED, SK_FMT_X5C, SK_FMT_NONE };

struct sk_cred {
	unsigned char id[SK_CRED_ID_LEN];
	enum sk_alg alg;
	bool rk;
	char rp[SK_RP_MAX + 1];
	unsigned char user[SK_USER_MAX];
	size_t user_len;
	unsigned char key[SK_KEY_MAX]; /* DER private key (d2i_AutoPrivateKey) */
	size_t key_len;
};

struct sk_state {
	/* knobs */
	enum sk_touch touch;
	unsigned touch_delay_ms;
	bool counter_zero;
	bool uv_builtin;
	enum sk_fmt fmt;
	enum sk_alg alg;
	/* device */
	uint32_t counter;
	unsigned retries;
	bool pin_set;
	unsigned char pin_hash[16];
	unsigned char aaguid[16];
	unsigned char att_key[SK_KEY_MAX];
	size_t att_key_len;
	unsigned char att_cert[SK_CERT_MAX];
	size_t att_cert_len;
	struct sk_cred *creds;
	size_t ncreds;
};

/* Opens and locks (flock LOCK_EX) the state file; with create, makes it
 * (mode 0600) if missing.  Returns the fd or a negative errno. */
int sk_state_lock(const char *path, bool create);
/* Path from $VIGIL_SOFTKEY_STATE, else SK_STATE_DEFAULT. */
const char *sk_state_path(void);
/* Reads the locked file into *ret (zeroed first).  0 or a negative errno;
 * -EBADMSG for a malformed file.  Free with sk_state_clear(). */
int sk_state_read(int fd, struct sk_state *ret);
/* Rewrites the locked file in place (the lock stays on the same inode). */
int sk_state_write(int fd, const struct sk_state *st);
/* A fresh key: default knobs, no PIN, a new attestation key and
 * self-signed certificate.  0 or a negative errno. */
int sk_state_new(struct sk_state *ret);
/* Wipes and frees what *st holds (private keys included). */
void sk_state_clear(struct sk_state *st);
/* Appends a credential (copied).  0, -E2BIG when full, -ENOMEM. */
int sk_state_add_cred(struct sk_state *st, const struct sk_cred *c);
/* Sets the PIN hash from a PIN (NULL clears it) and resets the retries. */
void sk_state_set_pin(struct sk_state *st, const char *pin);
/* Applies knob KEY=VALUE (touch, counter, uv, fmt, alg, retries).
 * 0, or -EINVAL for an unknown key or value. */
int sk_state_set_knob(struct sk_state *st, const char *key, const char *value);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void sk_hex(const unsigned char *p, size_t n, char *out);

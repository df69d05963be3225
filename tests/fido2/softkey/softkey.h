/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The soft key's device model: one struct sk_dev per open handle, the
 * CTAPHID layer (hid.c) on top of the CTAP2 commands (ctap.c, pin.c).  The
 * only symbols softkey-dev.so exports are the four softkey_io_* functions,
 * which softkey.so (the preload shim) hands to libfido2.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cbor.h>
#include <openssl/evp.h>

#include "state.h"

#define SK_EXPORT     __attribute__((visibility("default")))
#define SK_MSG_MAX    7609 /* 57 + 128 * 59: the most one CTAPHID message holds */
#define SK_NEED_TOUCH 0x100
#define SK_NEXT_MAX   16

/* CTAP2 status codes the soft key returns. */
enum {
	CTAP_OK = 0x00,
	CTAP1_ERR_INVALID_COMMAND = 0x01,
	CTAP1_ERR_INVALID_PARAMETER = 0x02,
	CTAP1_ERR_INVALID_LENGTH = 0x03,
	CTAP2_ERR_INVALID_CBOR = 0x12,
	CTAP2_ERR_CBOR_UNEXPECTED_TYPE = 0x11,
	CTAP2_ERR_MISSING_PARAMETER = 0x14,
	CTAP2_ERR_CREDENTIAL_EXCLUDED = 0x19,
	CTAP2_ERR_UNSUPPORTED_ALGORITHM = 0x26,
	CTAP2_ERR_KEY_STORE_FULL = 0x28,
	CTAP2_ERR_UNSUPPORTED_OPTION = 0x2b,
	CTAP2_ERR_INVALID_OPTION = 0x2c,
	CTAP2_ERR_KEEPALIVE_CANCEL = 0x2d,
	CTAP2_ERR_NO_CREDENTIALS = 0x2e,
	CTAP2_ERR_NOT_ALLOWED = 0x30,
	CTAP2_ERR_PIN_INVALID = 0x31,
	CTAP2_ERR_PIN_BLOCKED = 0x32,
	CTAP2_ERR_PIN_AUTH_INVALID = 0x33,
	CTAP2_ERR_PIN_AUTH_BLOCKED = 0x34,
	CTAP2_ERR_PIN_NOT_SET = 0x35,
	CTAP2_ERR_PIN_REQUIRED = 0x36,
	CTAP2_ERR_PIN_POLICY_VIOLATION = 0x37,
	CTAP1_ERR_OTHER = 0x7f,
};

struct sk_dev {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a frame was queued or a CANCEL arrived */
	char *state_path;
	uint32_t cid; /* the channel INIT handed out; 0 before */
	/* the request being reassembled */
	bool in_busy;
	uint32_t in_cid;
	uint8_t in_cmd;
	uint8_t in_seq;
	size_t in_len, in_got;
	unsigned char in[SK_MSG_MAX];
	/* 64-byte frames waiting for read() */
	unsigned char *out;
	size_t out_len, out_off, out_cap;
	/* a CBOR request waiting for the user's touch */
	bool pending;
	uint32_t pend_cid;
	unsigned char *pend;
	size_t pend_len;
	bool pend_never;
	struct timespec touch_at, keepalive_at;
	/* touch knob of the request just refused with SK_NEED_TOUCH */
	enum sk_touch want_touch;
	unsigned want_delay_ms;
	/* ClientPIN protocol 1: per power-up, i.e. per open handle */
	EVP_PKEY *ka;
	unsigned char token[32];
	unsigned pin_fails; /* consecutive, for PIN_AUTH_BLOCKED */
	/* responses left for authenticatorGetNextAssertion */
	unsigned char *next[SK_NEXT_MAX];
	size_t next_len[SK_NEXT_MAX];
	size_t nnext, next_i;
};

/* Runs one CTAP2 request (command byte + CBOR) against the state file.
 * Returns 0 with *ret_resp (status byte + CBOR, malloc'd, caller frees),
 * SK_NEED_TOUCH when it must wait for a touch (d->want_touch says how), or
 * a negative errno when no response can be built at all. */
int sk_ctap(struct sk_dev *d, const unsigned char *req, size_t len, bool touched, unsigned char **ret_resp,
            size_t *ret_len);
/* Drops what getNextAssertion had left. */
void sk_ctap_next_clear(struct sk_dev *d);

/* authenticatorClientPIN (protocol 1).  Returns a CTAP status; on CTAP_OK
 * *ret is the response map (or NULL for an empty one). */
int sk_client_pin(struct sk_dev *d, struct sk_state *st, const cbor_item_t *req, bool *dirty, cbor_item_t **ret);
/* Checks a pinAuth/pinProtocol pair over a client data hash.  CTAP_OK when
 * it proves the PIN token, else the status to return. */
int sk_pin_auth(struct sk_dev *d, const struct sk_state *st, const cbor_item_t *auth, const cbor_item_t *proto,
                const unsigned char cdh[32]);

/* CBOR helpers shared by ctap.c and pin.c. */
const cbor_item_t *sk_map_get(const cbor_item_t *map, int key);
const cbor_item_t *sk_map_get_str(const cbor_item_t *map, const char *key);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encode and decode every Vigil message (see include/vigil/proto.h for the
 * layout).  Input is untrusted: every limit is enforced, each message has one
 * encoding, and a body that is truncated, oversized, carries an unknown value
 * or trailing bytes is refused.  Depends on libc only; never logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/proto.h"

#define VIGIL_FRAME_MAX (VIGIL_FRAME_HEADER_SIZE + VIGIL_FRAME_BODY_MAX)

struct frame_header {
	uint8_t type;
	uint32_t request_id;
	uint32_t body_len;
};

/* Parses a 16-byte header.  Returns 0; -EBADMSG for a wrong magic, non-zero
 * flags or unknown type; -EPROTO for another version; -E2BIG for a body over
 * VIGIL_FRAME_BODY_MAX.  *ret written only on success. */
int frame_header_decode(const uint8_t *hdr, struct frame_header *ret);

/* Encodes m as a whole frame (header + body) into out (cap bytes).  Returns
 * 0 and the frame length in *ret_len; -E2BIG if a field or list is over its
 * limit or the frame does not fit; -EINVAL for an unknown type, enum value
 * or flag bit, or a base64 field with a byte outside the alphabet.  out may
 * hold a secret afterwards (AUTH_STEP, ENROLL_*, RECOVERY_CODES): the caller
 * wipes it.  On failure, what was written of out is wiped. */
int msg_encode(const struct vigil_msg *m, uint32_t request_id, uint8_t *out, size_t cap, size_t *ret_len);

/* Decodes a body of the given type into *ret.  Returns 0; -EBADMSG for a
 * malformed body (short, NUL in a string, unknown enum value or flag bit, a
 * byte outside the base64 alphabet in a base64 field, trailing bytes);
 * -E2BIG for a field or list over its limit.  Writes only the first
 * msg_size(type) bytes of *ret, and defines every one of them (string tails
 * and unused list entries are zero); the rest of the union is untouched.  On
 * failure those bytes are wiped to zero (so ret->type is 0).  *ret may hold
 * a secret afterwards (msg_type_has_secret()): the caller wipes it. */
int msg_decode(uint8_t type, const uint8_t *body, size_t len, struct vigil_msg *ret);

/* The bytes of a struct vigil_msg a message of this type uses: the header
 * fields and padding up to the union, plus the union member of that type
 * (the header alone for an unknown type or an empty body).  What to clear
 * before filling one in, and what to wipe after. */
size_t msg_size(uint8_t type);

/* True if a message of this type can carry a secret (a code, a TOTP seed
 * and its URI/QR, recovery codes): its first msg_size(type) bytes, and any
 * frame that carried it, are wiped after use.  Other messages (logins,
 * decisions, results, reports) need no wiping.  A PROMPT is always counted:
 * only its ENROLL_TOTP kind carries the seed, but the type decides. */
bool msg_type_has_secret(uint8_t type);

/* True if type is a request (may be sent to the daemon). */
int msg_type_is_request(uint8_t type);
/* Static name such as "AUTH_BEGIN", or "UNKNOWN". */
const char *msg_type_name(uint8_t type);

/* Writes a one-line, secret-free description of m into out (always
 * NUL-terminated, truncated to cap).  Answers, enrollment secrets and the
 * bytes of assertions and attestations are shown only as their length,
 * recovery codes only as their count, challenges and credential ids not at
 * all; peer-chosen strings (names, users, hosts) are escaped.  This is the
 * only way a message is logged. */
void msg_describe(const struct vigil_msg *m, char *out, size_t cap);

/* Static names: "new_device", "STEPUP_FAILED"-style lower-case tokens
 * ("stepup_failed"), "ok"; "unknown" for values out of range. */
const char *signal_name(uint32_t bit);
const char *reason_name(uint16_t reason);
const char *status_name(uint16_t status);
/* How a touch went (enum vigil_fido2_status): "ok", "no_device",
 * "timeout", ...; "unknown" out of range.  Also the VIGIL_RESULT of a key
 * that was not used. */
const char *fido2_wire_status_name(uint8_t status);
/* "allow", "deny"; "none", "stepup", "deny" (what enforcement would have
 * done with a shadowed login); "unknown" for values out of range. */
const char *outcome_name(uint8_t outcome);
const char *shadow_name(uint8_t shadow);
/* The mode that let a login in: "shadow", "learn", or "enforce" for
 * VIGIL_SHADOW_NONE. */
const char *shadow_mode_name(uint8_t shadow);
/* Comma-separated names of the bits in set ("" for none), NUL-terminated,
 * truncated to cap.  Returns the number of signals written. */
int signals_format(uint32_t set, char *out, size_t cap);

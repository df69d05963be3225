/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Standard base64 (RFC 4648, with padding), as binary values cross the
 * socket (credential ids, challenges, authenticator data, signatures).
 * Decoding is strict: one encoding per value, no whitespace, no junk.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Decodes in (NUL-terminated) into out (cap bytes).  Returns 0 with the
 * length in *ret_len; -EBADMSG for text that is not canonical base64 or is
 * empty; -E2BIG if it does not fit. */
int b64_decode(const char *in, uint8_t *out, size_t cap, size_t *ret_len);
/* Encodes n bytes of in into out (cap bytes, NUL-terminated).  0, or
 * -E2BIG if out is too small (out then holds ""). */
int b64_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TOTP (RFC 6238, HMAC-SHA1) through liboath.  Codes are generated for each
 * step in the window and compared in constant time; the replay watermark is
 * checked here and made durable by the caller (store_totp_accept).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define TOTP_SECRET_SIZE 20 /* 160 bits, as RFC 4226 recommends */

/* Call once before any other totp_ function.  0 or -EIO. */
int totp_init(void);

/* Fills secret with TOTP_SECRET_SIZE random bytes (OpenSSL RAND_bytes). */
int totp_secret_new(uint8_t secret[TOTP_SECRET_SIZE]);
/* Base32 (RFC 4648, no padding) of secret into out.  -E2BIG if cap is small. */
int totp_base32(const uint8_t *secret, size_t n, char *out, size_t cap);
/* otpauth://totp/ISSUER:USER?secret=...&issuer=...&digits=..&period=..
 * with issuer and user percent-encoded.  -E2BIG if cap is small. */
int totp_uri(const char *issuer, const char *user, const char *secret_b32, unsigned digits, unsigned period, char *out,
             size_t cap);

/* Checks code against the steps now/period - window .. + window.  Returns 0
 * and the matching step in *ret_step if it matches a step above last_step;
 * -EALREADY if it matches only steps at or below last_step (a replay);
 * -EACCES if it matches nothing; -EINVAL if code is not digits digits. */
int totp_verify(const uint8_t *secret, size_t n, uint64_t now, unsigned period, unsigned digits, unsigned window,
                const char *code, int64_t last_step, int64_t *ret_step);

/* The code for a given time (tests and the CLI's self-check). */
int totp_generate(const uint8_t *secret, size_t n, uint64_t t, unsigned period, unsigned digits, char *out, size_t cap);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TOTP (see totp.h).  liboath computes the HOTP values; this file decides
 * which steps to try, compares codes in constant time and applies the replay
 * watermark.  The code under test comes from the user and is untrusted; the
 * secret is the daemon's and is never logged.  Every generated code is wiped
 * from the stack before returning.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "totp.h"
#include "wipe.h"

#define TOTP_DIGITS_MIN 6
#define TOTP_DIGITS_MAX 8
#define TOTP_WINDOW_MAX 100 /* steps either side; the config allows 10 */

int totp_init(void)
{
	return oath_init() == OATH_OK ? 0 : -EIO;
}

int totp_secret_new(uint8_t secret[TOTP_SECRET_SIZE])
{
	return RAND_bytes(secret, TOTP_SECRET_SIZE) == 1 ? 0 : -EIO;
}

int totp_base32(const uint8_t *secret, size_t n, char *out, size_t cap)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t need, i, o = 0;

	if (!secret && n > 0)
		return -EINVAL;
	if (n > (SIZE_MAX - 5) / 8)
		return -E2BIG;
	need = (n * 8 + 4) / 5 + 1;
	if (!out || cap < need)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | secret[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = alphabet[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	wipe(&acc, sizeof(acc));
	return 0;
}

static bool is_unreserved(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	       ch == '.' || ch == '_' || ch == '~';
}

/* Appends s percent-encoded (RFC 3986: unreserved characters kept). */
static int append_encoded(char *out, size_t cap, size_t *pos, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (is_unreserved((char)ch)) {
			if (cap - *pos < 2)
				return -E2BIG;
			out[(*pos)++] = (char)ch;
		} else {
			if (cap - *pos < 4)
				return -E2BIG;
			out[(*pos)++] = '%';
			out[(*pos)++] = hex[ch >> 4];
			out[(*pos)++] = hex[ch & 15];
		}
	}
	out[*pos] = '\0';
	return 0;
}

static int append_raw(char *out, size_t cap, size_t *pos, const char *s)
{
	size_t len = strlen(s);

	if (cap - *pos < len + 1)
		return -E2BIG;
	memcpy(out + *pos, s, len + 1);
	*pos += len;
	return 0;
}

static bool is_base32(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '2' && *s <= '7')))
			return false;
	return true;
}

int totp_uri(const char *issuer, const char *user, const char *secret_b32, unsigned digits, unsigned period, char *out,
             size_t cap)
{
	char tail[64];
	size_t pos = 0;
	int r;

	if (!issuer || !user || !secret_b32 || !is_base32(secret_b32))
		return -EINVAL;
	if (!out || cap == 0)
		return -E2BIG;
	(void)snprintf(tail, sizeof(tail), "&algorithm=SHA1&digits=%u&period=%u", digits, period);

	if ((r = append_raw(out, cap, &pos, "otpauth://totp/")) < 0 ||
	    (r = append_encoded(out, cap, &pos, issuer)) < 0 || (r = append_raw(out, cap, &pos, ":")) < 0 ||
	    (r = append_encoded(out, cap, &pos, user)) < 0 || (r = append_raw(out, cap, &pos, "?secret=")) < 0 ||
	    (r = append_raw(out, cap, &pos, secret_b32)) < 0 || (r = append_raw(out, cap, &pos, "&issuer=")) < 0 ||
	    (r = append_encoded(out, cap, &pos, issuer)) < 0 || (r = append_raw(out, cap, &pos, tail)) < 0)
		goto out;
	r = 0;
out:
	if (r < 0)
		wipe(out, cap); /* a partial URI may hold part of the secret */
	return r;
}

static bool params_valid(const uint8_t *secret, size_t n, unsigned period, unsigned digits)
{
	return secret && n > 0 && period > 0 && digits >= TOTP_DIGITS_MIN && digits <= TOTP_DIGITS_MAX;
}

/* The code for one time step into out[TOTP_DIGITS_MAX + 1]. */
static int step_code(const uint8_t *secret, size_t n, uint64_t step, unsigned period, unsigned digits, char *out)
{
	uint64_t t;

	if (step > (uint64_t)INT64_MAX / period)
		return -ERANGE;
	t = step * period;
	if (t > (uint64_t)INT64_MAX)
		return -ERANGE;
	if (oath_totp_generate((const char *)secret, n, (time_t)t, period, 0, digits, out) != OATH_OK)
		return -EIO;
	return 0;
}

int totp_generate(const uint8_t *secret, size_t n, uint64_t t, unsigned period, unsigned digits, char *out, size_t cap)
{
	char code[TOTP_DIGITS_MAX + 1];
	int r;

	if (!params_valid(secret, n, period, digits))
		return -EINVAL;
	if (!out || cap < (size_t)digits + 1)
		return -E2BIG;
	r = step_code(secret, n, t / period, period, digits, code);
	if (r < 0)
		goto out;
	memcpy(out, code, (size_t)digits + 1);
	r = 0;
out:
	WIPE_ARRAY(code);
	return r;
}

int totp_verify(const uint8_t *secret, size_t n, uint64_t now, unsigned period, unsigned digits, unsigned window,
                const char *code, int64_t last_step, int64_t *ret_step)
{
	char expect[TOTP_DIGITS_MAX + 1];
	uint64_t step, first, last, cur;
	bool matched = false, replay = false;
	int64_t found = -1;
	unsigned i;
	int r;

	if (!params_valid(secret, n, period, digits) || window > TOTP_WINDOW_MAX || !code)
		return -EINVAL;
	for (i = 0; i < digits; i++)
		if (code[i] < '0' || code[i] > '9')
			return -EINVAL;
	if (code[digits] != '\0')
		return -EINVAL;

	cur = now / period;
	first = cur >= window ? cur - window : 0;
	last = cur + window;
	/* Every step in the window is computed and compared, match or not. */
	for (step = first; step <= last; step++) {
		bool eq;

		r = step_code(secret, n, step, period, digits, expect);
		if (r < 0)
			goto out;
		eq = CRYPTO_memcmp(expect, code, digits) == 0;
		if (eq && (int64_t)step > last_step && !matched) {
			matched = true;
			found = (int64_t)step;
		} else if (eq)
			replay = true;
	}
	if (matched) {
		*ret_step = found;
		r = 0;
	} else
		r = replay ? -EALREADY : -EACCES;
out:
	WIPE_ARRAY(expect);
	return r;
}

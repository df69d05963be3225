/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for totp.c: the RFC 6238 Appendix B SHA-1 vectors, the window
 * edges, the replay watermark, malformed codes, RFC 4648 base32 vectors and
 * the otpauth URI with its percent-encoding.  The only secret used is the
 * RFC's published test secret.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "totp.h"

static const uint8_t rfc_secret[] = "12345678901234567890";
#define RFC_SECRET_LEN 20

static int setup_group(void **state)
{
	return totp_init();
}

static void test_rfc6238_vectors(void **state)
{
	static const struct {
		uint64_t t;
		const char *code;
	} v[] = {
	    {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
	    {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000ULL, "65353130"},
	};
	char out[9];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, v[i].t, 30, 8, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].code);
	}
	/* Six digits are the low six of the same value. */
	assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, 59, 30, 6, out, sizeof(out)), 0);
	assert_string_equal(out, "287082");
}

static void test_generate_args(void **state)
{
	char out[9];

	assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, 59, 30, 8, out, 8), -E2BIG);
	assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, 59, 30, 5, out, sizeof(out)), -EINVAL);
	assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, 59, 30, 9, out, sizeof(out)), -EINVAL);
	assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, 59, 0, 8, out, sizeof(out)), -EINVAL);
	assert_int_equal(totp_generate(rfc_secret, 0, 59, 30, 8, out, sizeof(out)), -EINVAL);
}

/* The 8-digit code of a step. */
static void code_at(uint64_t step, char out[9])
{
	assert_int_equal(totp_generate(rfc_secret, RFC_SECRET_LEN, step * 30, 30, 8, out, 9), 0);
}

static void test_verify_vectors(void **state)
{
	int64_t step = -1;

	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, 1111111111, 30, 8, 0, "14050471", -1, &step), 0);
	assert_int_equal(step, 1111111111 / 30);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, 59, 30, 8, 0, "94287082", -1, &step), 0);
	assert_int_equal(step, 1);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, 59, 30, 8, 0, "94287083", -1, &step), -EACCES);
}

static void test_window_edges(void **state)
{
	const uint64_t now = 1234567890, cur = now / 30;
	char code[9];
	int64_t step;
	unsigned window;
	int64_t d;

	for (window = 0; window <= 3; window++) {
		for (d = -(int64_t)window - 1; d <= (int64_t)window + 1; d++) {
			int expect = (d >= -(int64_t)window && d <= (int64_t)window) ? 0 : -EACCES;

			code_at((uint64_t)((int64_t)cur + d), code);
			step = -42;
			assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, now, 30, 8, window, code, -1, &step),
			                 expect);
			if (expect == 0)
				assert_int_equal(step, (int64_t)cur + d);
			else
				assert_int_equal(step, -42); /* untouched on failure */
		}
	}
}

static void test_window_at_epoch(void **state)
{
	char code[9];
	int64_t step = -1;

	/* now / period < window must not wrap around. */
	code_at(0, code);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, 10, 30, 8, 5, code, -1, &step), 0);
	assert_int_equal(step, 0);
	code_at(6, code);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, 10, 30, 8, 5, code, -1, &step), -EACCES);
}

static void test_replay_watermark(void **state)
{
	const uint64_t now = 2000000000, cur = now / 30;
	char code[9];
	int64_t step = -42;

	code_at(cur, code);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, now, 30, 8, 1, code, (int64_t)cur - 1, &step), 0);
	assert_int_equal(step, (int64_t)cur);
	/* The same code again, once the watermark moved to its step. */
	step = -42;
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, now, 30, 8, 1, code, (int64_t)cur, &step), -EALREADY);
	assert_int_equal(step, -42);
	/* An older code in the window, below the watermark. */
	code_at(cur - 1, code);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, now, 30, 8, 1, code, (int64_t)cur, &step), -EALREADY);
	/* A newer one is fine. */
	code_at(cur + 1, code);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, now, 30, 8, 1, code, (int64_t)cur, &step), 0);
	assert_int_equal(step, (int64_t)cur + 1);
	/* A watermark above the whole window: replay, not a wrong code. */
	code_at(cur, code);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, now, 30, 8, 1, code, (int64_t)cur + 5, &step),
	                 -EALREADY);
	/* A wrong code is still wrong whatever the watermark. */
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, now, 30, 8, 1, "00000000", (int64_t)cur + 5, &step),
	                 strcmp(code, "00000000") == 0 ? -EALREADY : -EACCES);
}

static void test_malformed_codes(void **state)
{
	static const char *const bad[] = {
	    "",         "1234567",  "123456789", "1234a678", " 2345678",
	    "1234567 ", "-1234567", "+1234567",  "１２３４", "12345678\n",
	};
	int64_t step = -42;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, 59, 30, 8, 1, bad[i], -1, &step), -EINVAL);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, 59, 30, 8, 1, NULL, -1, &step), -EINVAL);
	/* A right code of the wrong length for the configured digits. */
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, 59, 30, 6, 1, "94287082", -1, &step), -EINVAL);
	assert_int_equal(totp_verify(rfc_secret, RFC_SECRET_LEN, 59, 30, 6, 1, "287082", -1, &step), 0);
	assert_int_equal(step, 1);
}

static void test_base32_vectors(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"", ""},
	    {"f", "MY"},
	    {"fo", "MZXQ"},
	    {"foo", "MZXW6"},
	    {"foob", "MZXW6YQ"},
	    {"fooba", "MZXW6YTB"},
	    {"foobar", "MZXW6YTBOI"},
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].in);

		assert_int_equal(totp_base32((const uint8_t *)v[i].in, n, out, sizeof(out)), 0);
		assert_string_equal(out, v[i].out);
		/* Exactly enough room, and one byte less. */
		assert_int_equal(totp_base32((const uint8_t *)v[i].in, n, out, strlen(v[i].out) + 1), 0);
		assert_int_equal(totp_base32((const uint8_t *)v[i].in, n, out, strlen(v[i].out)), -E2BIG);
	}
	assert_int_equal(totp_base32(rfc_secret, RFC_SECRET_LEN, out, sizeof(out)), 0);
	assert_string_equal(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

static void test_uri(void **state)
{
	static const char plain[] =
	    "otpauth://totp/Vigil:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Vigil&algorithm=SHA1"
	    "&digits=6&period=30";
	static const char encoded[] = "otpauth://totp/ACME%20Co%2FIT:b%C3%B6b%40x.example%3Fa%3D1%26b%23c%25-._~"
	                              "?secret=MZXW6&issuer=ACME%20Co%2FIT&algorithm=SHA1&digits=8&period=60";
	char out[512];

	assert_int_equal(totp_uri("Vigil", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 6, 30, out, sizeof(out)), 0);
	assert_string_equal(out, plain);
	assert_int_equal(totp_uri("Vigil", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 6, 30, out, sizeof(plain)), 0);
	assert_int_equal(totp_uri("Vigil", "alice", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 6, 30, out, sizeof(plain) - 1),
	                 -E2BIG);
	/* Nothing of the secret is left behind in a buffer that was too small. */
	assert_null(memchr(out, 'G', sizeof(plain) - 1));

	assert_int_equal(totp_uri("ACME Co/IT",
	                          "b\xc3\xb6"
	                          "b@x.example?a=1&b#c%-._~",
	                          "MZXW6", 8, 60, out, sizeof(out)),
	                 0);
	assert_string_equal(out, encoded);

	/* The secret must be base32 as totp_base32 writes it. */
	assert_int_equal(totp_uri("Vigil", "alice", "mzxw6", 6, 30, out, sizeof(out)), -EINVAL);
	assert_int_equal(totp_uri("Vigil", "alice", "MZXW6=", 6, 30, out, sizeof(out)), -EINVAL);
	assert_int_equal(totp_uri("Vigil", "alice", "", 6, 30, out, sizeof(out)), -EINVAL);
}

static void test_secret_new(void **state)
{
	uint8_t a[TOTP_SECRET_SIZE], b[TOTP_SECRET_SIZE], zero[TOTP_SECRET_SIZE] = {0};

	assert_int_equal(totp_secret_new(a), 0);
	assert_int_equal(totp_secret_new(b), 0);
	assert_true(memcmp(a, b, sizeof(a)) != 0);
	assert_true(memcmp(a, zero, sizeof(a)) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc6238_vectors),
	    cmocka_unit_test(test_generate_args),
	    cmocka_unit_test(test_verify_vectors),
	    cmocka_unit_test(test_window_edges),
	    cmocka_unit_test(test_window_at_epoch),
	    cmocka_unit_test(test_replay_watermark),
	    cmocka_unit_test(test_malformed_codes),
	    cmocka_unit_test(test_base32_vectors),
	    cmocka_unit_test(test_uri),
	    cmocka_unit_test(test_secret_new),
	};

	return cmocka_run_group_tests(tests, setup_group, NULL);
}

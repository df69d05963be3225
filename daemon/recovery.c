/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recovery codes (see recovery.h): drawing them, their hash, and checking
 * an answer against a set.  The answer comes from the user and is
 * untrusted; so are the rows, which come from the database: their format
 * and parameters are bounded before any derivation.  Randomness and scrypt
 * come from OpenSSL.  Every buffer that held a code, or the random bytes a
 * code was drawn from, is wiped before returning.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "recovery.h"
#include "wipe.h"

#define ALPHABET_SIZE (sizeof(RECOVERY_ALPHABET) - 1)
/* Random bytes at or above the largest multiple of the alphabet's size a
 * byte holds are drawn again, so that byte % ALPHABET_SIZE is uniform (23
 * letters: bytes 253..255 are redrawn). */
#define BYTE_LIMIT (256 - 256 % ALPHABET_SIZE)

/* Parameters accepted from a stored hash: log2 N and r within sane bounds,
 * p small, memory within RECOVERY_KDF_MEM_MAX, and work (N * r * p) at most
 * four times today's, so a corrupted row cannot stall the event loop for
 * more than a few hundred milliseconds. */
#define LOG2N_MIN 10
#define LOG2N_MAX 20
#define R_MAX     32
#define P_MAX     16
#define WORK_MAX  ((4ULL << RECOVERY_SCRYPT_LOG2N) * RECOVERY_SCRYPT_R * RECOVERY_SCRYPT_P)

_Static_assert(ALPHABET_SIZE == 23, "the entropy stated in recovery.h is for 23 letters");
_Static_assert(RECOVERY_CODE_LEN % RECOVERY_CODE_GROUP == 0, "groups of equal length");

/* c is a letter of the alphabet.  Scans all of it: no early exit on a
 * letter of a secret. */
static bool in_alphabet(char c)
{
	unsigned hit = 0;
	size_t i;

	for (i = 0; i < ALPHABET_SIZE; i++)
		hit |= (unsigned)(RECOVERY_ALPHABET[i] == c);
	return hit != 0;
}

int recovery_normalize(const char *answer, char out[RECOVERY_CODE_LEN + 1])
{
	size_t n = 0;
	int r = -EINVAL;

	if (!answer || !out)
		return -EINVAL;
	for (; *answer; answer++) {
		char c = *answer;

		if (c == ' ' || c == '-')
			continue;
		/* ASCII only, whatever the locale. */
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (n == RECOVERY_CODE_LEN || !in_alphabet(c))
			goto out;
		out[n++] = c;
	}
	if (n != RECOVERY_CODE_LEN)
		goto out;
	out[n] = '\0';
	r = 0;
out:
	if (r < 0)
		wipe(out, RECOVERY_CODE_LEN + 1);
	return r;
}

bool recovery_looks_like(const char *answer)
{
	char code[RECOVERY_CODE_LEN + 1];
	int r = recovery_normalize(answer, code);

	WIPE_ARRAY(code);
	return r == 0;
}

/* Whether stored parameters are within the bounds above. */
static bool params_valid(unsigned log2n, unsigned r, unsigned p)
{
	uint64_t n, mem;

	if (log2n < LOG2N_MIN || log2n > LOG2N_MAX || r < 1 || r > R_MAX || p < 1 || p > P_MAX)
		return false;
	n = 1ULL << log2n;
	/* What OpenSSL allocates: 128 r (N + 2) for V, 128 r p for B. */
	mem = 128ULL * r * (n + 2 + p);
	return mem <= RECOVERY_KDF_MEM_MAX && n * r * p <= WORK_MAX;
}

/* scrypt of a normalized code into key. */
static int kdf(const char *code, const uint8_t *salt, size_t salt_len, unsigned log2n, unsigned r, unsigned p,
               uint8_t key[RECOVERY_KEY_SIZE])
{
	if (EVP_PBE_scrypt(code, RECOVERY_CODE_LEN, salt, salt_len, 1ULL << log2n, r, p, RECOVERY_KDF_MEM_MAX, key,
	                   RECOVERY_KEY_SIZE) != 1)
		return -EIO;
	return 0;
}

int recovery_hash(const char *normalized, const uint8_t *salt, size_t salt_len, uint8_t out[RECOVERY_HASH_SIZE])
{
	uint8_t h[RECOVERY_HASH_SIZE];
	int r;

	if (!normalized || !salt || salt_len == 0 || !out ||
	    strnlen(normalized, RECOVERY_CODE_LEN + 1) != RECOVERY_CODE_LEN)
		return -EINVAL;
	h[0] = RECOVERY_HASH_SCRYPT;
	h[1] = RECOVERY_SCRYPT_LOG2N;
	h[2] = RECOVERY_SCRYPT_R;
	h[3] = RECOVERY_SCRYPT_P;
	if ((r = kdf(normalized, salt, salt_len, RECOVERY_SCRYPT_LOG2N, RECOVERY_SCRYPT_R, RECOVERY_SCRYPT_P, h + 4)) <
	    0)
		goto out;
	memcpy(out, h, sizeof(h));
	r = 0;
out:
	WIPE_ARRAY(h);
	return r;
}

/* Draws a normalized code: each letter from one random byte below
 * BYTE_LIMIT (rejection sampling, never a biased modulo). */
static int code_draw(char out[RECOVERY_CODE_LEN + 1])
{
	uint8_t rnd[32];
	size_t have = 0, next = 0, n = 0;
	int r;

	while (n < RECOVERY_CODE_LEN) {
		if (next == have) {
			if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
				r = -EIO;
				goto out;
			}
			have = sizeof(rnd);
			next = 0;
		}
		if (rnd[next] < BYTE_LIMIT)
			out[n++] = RECOVERY_ALPHABET[rnd[next] % ALPHABET_SIZE];
		next++;
	}
	out[n] = '\0';
	r = 0;
out:
	WIPE_ARRAY(rnd);
	return r;
}

/* The shown form: groups of RECOVERY_CODE_GROUP letters joined by dashes. */
static void code_show(const char *code, char out[RECOVERY_CODE_SHOWN + 1])
{
	size_t i, o = 0;

	for (i = 0; i < RECOVERY_CODE_LEN; i++) {
		if (i > 0 && i % RECOVERY_CODE_GROUP == 0)
			out[o++] = '-';
		out[o++] = code[i];
	}
	out[o] = '\0';
}

void recovery_set_free(struct recovery_set *set)
{
	wipe_free(set, sizeof(*set));
}

int recovery_set_new(struct recovery_set **ret)
{
	char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1];
	struct recovery_set *set;
	size_t i, j;
	int r;

	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	if (RAND_bytes(set->salt, sizeof(set->salt)) != 1) {
		r = -EIO;
		goto out;
	}
	for (i = 0; i < RECOVERY_CODES; i++) {
		/* Two equal codes in 2^54 would make one of them useless:
		 * drawn again. */
		do {
			if ((r = code_draw(codes[i])) < 0)
				goto out;
			for (j = 0; j < i && strcmp(codes[i], codes[j]) != 0; j++)
				;
		} while (j < i);
		code_show(codes[i], set->codes[i]);
		if ((r = recovery_hash(codes[i], set->salt, sizeof(set->salt), set->hashes[i])) < 0)
			goto out;
	}
	*ret = set;
	set = NULL;
	r = 0;
out:
	WIPE_ARRAY(codes);
	recovery_set_free(set);
	return r;
}

/* The rows are one set of a known format: same salt and same header
 * (format and parameters), which are within bounds. */
static int rows_check(const struct store_recovery_code *rows, size_t n)
{
	const struct store_recovery_code *a = &rows[0];
	size_t i;

	if (a->salt_len == 0 || a->salt_len > sizeof(a->salt) || a->hash_len != RECOVERY_HASH_SIZE ||
	    a->hash[0] != RECOVERY_HASH_SCRYPT || !params_valid(a->hash[1], a->hash[2], a->hash[3]))
		return -EBADMSG;
	for (i = 1; i < n; i++) {
		const struct store_recovery_code *b = &rows[i];

		if (b->salt_len != a->salt_len || memcmp(b->salt, a->salt, a->salt_len) != 0 ||
		    b->hash_len != a->hash_len || memcmp(b->hash, a->hash, 4) != 0)
			return -EBADMSG;
	}
	return 0;
}

int recovery_verify(const struct store_recovery_code *rows, size_t n, const char *answer, int64_t *ret_id)
{
	char code[RECOVERY_CODE_LEN + 1];
	uint8_t key[RECOVERY_KEY_SIZE];
	unsigned unused_hit = 0, used_hit = 0;
	int64_t id = 0;
	size_t i;
	int r;

	if (n == 0)
		return -ENOENT;
	if (!rows || !ret_id)
		return -EINVAL;
	if ((r = recovery_normalize(answer, code)) < 0 || (r = rows_check(rows, n)) < 0)
		goto out;
	if ((r = kdf(code, rows[0].salt, rows[0].salt_len, rows[0].hash[1], rows[0].hash[2], rows[0].hash[3], key)) < 0)
		goto out;
	/* Every row, without an early exit or a branch on a comparison: the
	 * first unused match wins (a set holds distinct codes). */
	for (i = 0; i < n; i++) {
		unsigned hit = (unsigned)(CRYPTO_memcmp(key, rows[i].hash + 4, RECOVERY_KEY_SIZE) == 0);
		unsigned unused = (unsigned)(rows[i].used == 0);
		uint64_t take = 0 - (uint64_t)(hit & unused & (unused_hit ^ 1U));

		id = (int64_t)(((uint64_t)id & ~take) | ((uint64_t)rows[i].id & take));
		unused_hit |= hit & unused;
		used_hit |= hit & (unused ^ 1U);
	}
	if (unused_hit) {
		*ret_id = id;
		r = 0;
	} else {
		r = used_hit ? -EALREADY : -EACCES;
	}
out:
	WIPE_ARRAY(code);
	WIPE_ARRAY(key);
	return r;
}

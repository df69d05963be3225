/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recovery codes: a set of RECOVERY_CODES single-use codes a user who lost
 * their factor types at a step-up prompt.  The codes are shown once and
 * stored only as slow salted hashes (scrypt through OpenSSL), one salt per
 * set, so that checking an answer costs one derivation, not one per code.
 * The price: someone who stole the database tests each guess against the
 * ten codes of a set at once, a factor of ten (3.3 bits) that random 54-bit
 * codes absorb: 2^54 / 10 = 2^51 derivations to find one code, millions
 * of CPU-years at the cost below.
 *
 * Code format.  RECOVERY_CODE_LEN letters of RECOVERY_ALPHABET, shown in
 * lower case in groups of RECOVERY_CODE_GROUP ("abcd-efgh-jkmn").  The
 * alphabet has no digit at all and none of the letters i, l, o (i and l
 * read as 1 or as each other, o as 0, in many fonts or in upper case).  23
 * letters ^ 12 = 2^54.3.  A typed answer is normalized before anything
 * else: any case, spaces and dashes anywhere.
 *
 * Recovery code or TOTP code, by shape: a TOTP code is digits only and a
 * recovery code has no digit, so no answer is both.  recovery_looks_like()
 * is true only for exactly RECOVERY_CODE_LEN alphabet letters once spaces
 * and dashes are dropped; an all-digit answer is never one.
 *
 * Hash format (the `hash` blob of a recovery_codes row), versioned so the
 * parameters can change without a migration: each row carries the
 * parameters it was made with, and the rows of one set share them.
 *   byte 0       RECOVERY_HASH_SCRYPT (1): the only format so far
 *   byte 1       log2 N
 *   byte 2       r
 *   byte 3       p
 *   bytes 4..35  scrypt(password = normalized code, salt = the set's salt,
 *                N, r, p, 32 bytes)
 * Parameters read back are bounded (RECOVERY_KDF_MEM_MAX and the limits in
 * recovery.c) before use: a corrupted row cannot make vigild allocate
 * gigabytes or spin for seconds.
 *
 * Nothing here logs; every buffer that held a code is wiped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define RECOVERY_CODES       10 /* codes in a set */
#define RECOVERY_ALPHABET    "abcdefghjkmnpqrstuvwxyz"
#define RECOVERY_CODE_LEN    12 /* letters of a normalized code */
#define RECOVERY_CODE_GROUP  4  /* letters between two dashes when shown */
#define RECOVERY_CODE_SHOWN  (RECOVERY_CODE_LEN + RECOVERY_CODE_LEN / RECOVERY_CODE_GROUP - 1)
#define RECOVERY_SALT_SIZE   16
#define RECOVERY_KEY_SIZE    32 /* scrypt output */
#define RECOVERY_HASH_SCRYPT 1  /* byte 0 of a hash blob */
#define RECOVERY_HASH_SIZE   (4 + RECOVERY_KEY_SIZE)

/*
 * scrypt parameters of new sets.  vigild checks an answer on its event loop,
 * so one derivation stalls every other login for its duration: it must be
 * slow for someone who stole the database (one derivation per guess) yet
 * stay a few tens of milliseconds for the daemon.  N = 2^14, r = 8, p = 1 is the classic interactive setting:
 * 128 * r * N = 16 MiB of memory for the duration, freed right after.
 * Measured with bench/recovery_kdf on this project's machine (2 vCPU AMD
 * EPYC VM, OpenSSL 3.0.19): 44-48 ms of CPU per verification, 16 MiB peak
 * (see bench/README.md; 2^13 would be 21 ms, 2^15 112 ms).
 * Generating a set costs RECOVERY_CODES derivations (about half a second).
 */
#define RECOVERY_SCRYPT_LOG2N 14
#define RECOVERY_SCRYPT_R     8
#define RECOVERY_SCRYPT_P     1
/* The most memory a derivation may take, for parameters read back from the
 * database: twice today's, room for one step up. */
#define RECOVERY_KDF_MEM_MAX (32ULL * 1024 * 1024 + 1024 * 1024)

/* A newly made set.  codes are the secret: shown once, then wiped with
 * recovery_set_free().  salt and hashes are what the store keeps. */
struct recovery_set {
	char codes[RECOVERY_CODES][RECOVERY_CODE_SHOWN + 1]; /* "abcd-efgh-jkmn" */
	uint8_t salt[RECOVERY_SALT_SIZE];
	uint8_t hashes[RECOVERY_CODES][RECOVERY_HASH_SIZE];
};

/* Makes a set: RECOVERY_CODES distinct random codes (OpenSSL RAND_bytes,
 * letters drawn by rejection sampling, so uniform), a random salt and each
 * code's hash with today's parameters.  Costs RECOVERY_CODES derivations.
 * *ret owned by the caller, freed with recovery_set_free().  0, -ENOMEM, or
 * -EIO (no randomness, KDF failure). */
int recovery_set_new(struct recovery_set **ret);
/* Wipes and frees (NULL-safe). */
void recovery_set_free(struct recovery_set *set);

/* Normalizes a typed answer into out: lower case, spaces and dashes
 * dropped.  0, or -EINVAL if what remains is not RECOVERY_CODE_LEN letters
 * of the alphabet (then out is wiped).  out holds a secret: wipe it. */
int recovery_normalize(const char *answer, char out[RECOVERY_CODE_LEN + 1]);
/* Whether answer has the shape of a recovery code (recovery_normalize()
 * would accept it).  Never true for a TOTP code: those are digits only. */
bool recovery_looks_like(const char *answer);

/* The hash blob of a normalized code with salt, made with today's
 * parameters (the format above).  0, -EINVAL, -ENOMEM or -EIO. */
int recovery_hash(const char *normalized, const uint8_t *salt, size_t salt_len, uint8_t out[RECOVERY_HASH_SIZE]);

/* Checks answer against the rows of one set (store_recovery_get()), with
 * one derivation: the rows must share their salt and parameters.  Every
 * row is compared in constant time, used or not.  Returns 0 with the id of
 * the matching unused row in *ret_id; -EALREADY if it matches a used code
 * (a reuse: worth an audit record of its own); -EACCES if it matches none;
 * -EINVAL if answer is not shaped like a code; -ENOENT if n is 0;
 * -EBADMSG if the rows are not one set of a known format, or their
 * parameters are out of bounds; -ENOMEM or -EIO from the KDF.  Marking the
 * row used is the caller's (store_recovery_use()). */
int recovery_verify(const struct store_recovery_code *rows, size_t n, const char *answer, int64_t *ret_id);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for recovery codes: their format and normalization, the shape
 * that tells them from TOTP codes, verification against a set (single use,
 * reuse, a wrong code, rows that are not one set), the store's table
 * (replace, use, count, admin removal), and that no code reaches the
 * database file or its WAL in any spelling.  Each store test runs on a
 * fresh database in a temporary directory.  Every set costs RECOVERY_CODES
 * real scrypt derivations and every check one: sets are shared within a
 * test.  Codes are never printed, even when a test fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "recovery.h"
#include "store.h"
#include "tmpdir.h"
#include "wipe.h"

#define T0 1700000000ULL

struct fixture {
	char dir[256];
	char path[320];
	struct store *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || tmp_mkdtemp("test_recovery", f->dir, sizeof(f->dir)) < 0) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/vigil.db", f->dir);
	if (store_open(f->path, &f->s) < 0) {
		tmp_rm_rf(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	tmp_rm_rf(f->dir);
	free(f);
	return 0;
}

static int64_t user_id(struct store *s, const char *name)
{
	struct store_user u;

	assert_int_equal(store_user_get(s, name, T0, &u), 0);
	return u.id;
}

static struct recovery_set *set_new(void)
{
	struct recovery_set *set = NULL;

	assert_int_equal(recovery_set_new(&set), 0);
	assert_non_null(set);
	return set;
}

static void set_store(struct store *s, int64_t uid, const struct recovery_set *set, uint64_t now)
{
	assert_int_equal(store_recovery_replace(s, uid, set->salt, sizeof(set->salt), &set->hashes[0][0],
	                                        RECOVERY_HASH_SIZE, RECOVERY_CODES, now),
	                 0);
}

/* Checks answer against the user's stored set and, on a match, uses the
 * code as a login would: the result of the check (or of the use). */
static int redeem(struct store *s, int64_t uid, const char *answer, uint64_t now)
{
	struct store_recovery_set rows;
	int64_t id = -1;
	int r;

	if ((r = store_recovery_get(s, uid, &rows)) < 0)
		return r;
	r = recovery_verify(rows.rows, rows.n, answer, &id);
	if (r == 0) {
		assert_true(id > 0);
		r = store_recovery_use(s, uid, id, now);
	} else {
		assert_int_equal(id, -1); /* ret_id only on success */
	}
	return r;
}

/* The four spellings of a shown code: as shown, upper case, without
 * dashes, without dashes in upper case. */
static void spellings(const char *shown, char out[4][RECOVERY_CODE_SHOWN + 1])
{
	size_t i, j = 0;

	assert_int_equal(strlen(shown), RECOVERY_CODE_SHOWN);
	memset(out, 0, 4 * (RECOVERY_CODE_SHOWN + 1));
	for (i = 0; shown[i]; i++) {
		out[0][i] = shown[i];
		out[1][i] = (char)(shown[i] == '-' ? '-' : shown[i] - 'a' + 'A');
		if (shown[i] != '-') {
			out[2][j] = shown[i];
			out[3][j] = (char)(shown[i] - 'a' + 'A');
			j++;
		}
	}
	assert_int_equal(j, RECOVERY_CODE_LEN);
}

/* ---- format, normalization, shape ---- */

static void test_generated_format(void **state)
{
	struct recovery_set *set = set_new();
	size_t i, j, k, zero = 0;

	(void)state;
	for (i = 0; i < RECOVERY_CODES; i++) {
		const char *c = set->codes[i];

		/* "abcd-efgh-jkmn": dashes between groups, alphabet letters. */
		assert_int_equal(strlen(c), RECOVERY_CODE_SHOWN);
		for (j = 0; c[j]; j++) {
			if ((j + 1) % (RECOVERY_CODE_GROUP + 1) == 0)
				assert_int_equal(c[j], '-');
			else
				assert_non_null(memchr(RECOVERY_ALPHABET, c[j], strlen(RECOVERY_ALPHABET)));
		}
		assert_true(recovery_looks_like(c));
		for (k = 0; k < i; k++)
			assert_string_not_equal(c, set->codes[k]);
		/* Format byte and today's parameters lead each hash. */
		assert_int_equal(set->hashes[i][0], RECOVERY_HASH_SCRYPT);
		assert_int_equal(set->hashes[i][1], RECOVERY_SCRYPT_LOG2N);
		assert_int_equal(set->hashes[i][2], RECOVERY_SCRYPT_R);
		assert_int_equal(set->hashes[i][3], RECOVERY_SCRYPT_P);
	}
	for (i = 0; i < sizeof(set->salt); i++)
		zero += set->salt[i] == 0;
	assert_true(zero < sizeof(set->salt));
	recovery_set_free(set);
	recovery_set_free(NULL);
}

static void test_normalize(void **state)
{
	static const char *const good[] = {
	    "abcd-efgh-jkmn",       "ABCD-EFGH-JKMN",          "abcdefghjkmn",     "AbCd EfGh JkMn",
	    " abcd - efgh - jkmn ", "a-b-c-d-e-f-g-h-j-k-m-n", "--abcdefghjkmn--",
	};
	static const char *const bad[] = {
	    "",
	    "abcd-efgh-jkm",         /* 11 letters */
	    "abcd-efgh-jkmnp",       /* 13 */
	    "abcd-efgh-jkmo",        /* o: not in the alphabet (0) */
	    "abcd-efgh-jkmi",        /* i (1) */
	    "abcd-efgh-jkml",        /* l (1) */
	    "abcd-efgh-jkm0",        /* a digit */
	    "abcd-efgh-jkm1",        /* a digit */
	    "abcd_efgh_jkmn",        /* only spaces and dashes are dropped */
	    "abcd\tefgh\tjkmn",      /* a tab */
	    "abcd-efgh-jkmn\n",      /* a newline */
	    "abcd-efgh-jkm\xc3\xa9", /* not ASCII */
	};
	char out[RECOVERY_CODE_LEN + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(recovery_normalize(good[i], out), 0);
		assert_string_equal(out, "abcdefghjkmn");
		assert_true(recovery_looks_like(good[i]));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t j, nonzero = 0;

		memset(out, 'x', sizeof(out));
		assert_int_equal(recovery_normalize(bad[i], out), -EINVAL);
		/* Nothing of the answer is left behind. */
		for (j = 0; j < sizeof(out); j++)
			nonzero += out[j] != 0;
		assert_int_equal(nonzero, 0);
		assert_false(recovery_looks_like(bad[i]));
	}
	assert_int_equal(recovery_normalize(NULL, out), -EINVAL);
	assert_false(recovery_looks_like(NULL));
}

/* A TOTP code (digits only, any length, grouped or not) is never a
 * recovery code, and no recovery code is digits only. */
static void test_shapes_disjoint(void **state)
{
	static const char *const totp[] = {"123456",  "000000",       "1234567",        "12345678",      "123 456",
	                                   "123-456", "123456789012", "1234-5678-9012", "2345-6789-2345"};
	struct recovery_set *set = set_new();
	char digits[RECOVERY_CODE_SHOWN + 1];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(totp) / sizeof(totp[0]); i++)
		assert_false(recovery_looks_like(totp[i]));
	/* Every all-digit string of every length up to a shown code's. */
	srand(1);
	for (len = 0; len <= RECOVERY_CODE_SHOWN; len++) {
		for (i = 0; i < 200; i++) {
			size_t j;

			for (j = 0; j < len; j++)
				digits[j] = (char)('0' + rand() % 10);
			digits[len] = '\0';
			assert_false(recovery_looks_like(digits));
		}
	}
	for (i = 0; i < RECOVERY_CODES; i++)
		assert_null(strpbrk(set->codes[i], "0123456789"));
	assert_null(strpbrk(RECOVERY_ALPHABET, "0123456789ilo"));
	recovery_set_free(set);
}

/* ---- verification against the store ---- */

static void test_each_code_once(void **state)
{
	struct fixture *f = *state;
	struct recovery_set *set = set_new();
	int64_t uid = user_id(f->s, "alice");
	uint32_t left = 99;
	size_t i;

	set_store(f->s, uid, set, T0);
	assert_int_equal(store_recovery_count(f->s, uid, &left), 0);
	assert_int_equal(left, RECOVERY_CODES);
	for (i = 0; i < RECOVERY_CODES; i++) {
		char forms[4][RECOVERY_CODE_SHOWN + 1];

		spellings(set->codes[i], forms);
		/* Any spelling works the first time, and no spelling again. */
		assert_int_equal(redeem(f->s, uid, forms[i % 4], T0 + 1 + i), 0);
		assert_int_equal(redeem(f->s, uid, forms[(i + 1) % 4], T0 + 100), -EALREADY);
		assert_int_equal(store_recovery_count(f->s, uid, &left), 0);
		assert_int_equal(left, RECOVERY_CODES - 1 - i);
		WIPE_ARRAY(forms);
	}
	recovery_set_free(set);
}

/* The check and the mark are one statement: a row used between a check
 * and its use is refused. */
static void test_use_race(void **state)
{
	struct fixture *f = *state;
	struct recovery_set *set = set_new();
	int64_t uid = user_id(f->s, "alice"), other = user_id(f->s, "bob");
	struct store_recovery_set rows;
	int64_t id = 0;

	set_store(f->s, uid, set, T0);
	assert_int_equal(store_recovery_get(f->s, uid, &rows), 0);
	assert_int_equal(rows.n, RECOVERY_CODES);
	assert_int_equal(recovery_verify(rows.rows, rows.n, set->codes[3], &id), 0);
	assert_int_equal(id, rows.rows[3].id);
	/* Another user cannot use alice's row. */
	assert_int_equal(store_recovery_use(f->s, other, id, T0 + 1), -ENOENT);
	assert_int_equal(store_recovery_use(f->s, uid, id, 0), -EINVAL);
	assert_int_equal(store_recovery_use(f->s, uid, id, T0 + 1), 0);
	assert_int_equal(store_recovery_use(f->s, uid, id, T0 + 2), -EALREADY);
	assert_int_equal(store_recovery_get(f->s, uid, &rows), 0);
	assert_int_equal(rows.rows[3].used, T0 + 1);
	assert_int_equal(rows.rows[2].used, 0);
	recovery_set_free(set);
}

static void test_regenerate_voids_old(void **state)
{
	struct fixture *f = *state;
	struct recovery_set *a = set_new(), *b = set_new();
	int64_t uid = user_id(f->s, "alice");
	struct store_recovery_set old;
	uint32_t left = 0;
	size_t i;

	set_store(f->s, uid, a, T0);
	assert_int_equal(redeem(f->s, uid, a->codes[0], T0 + 1), 0);
	assert_int_equal(store_recovery_get(f->s, uid, &old), 0);
	set_store(f->s, uid, b, T0 + 2);
	assert_int_equal(store_recovery_count(f->s, uid, &left), 0);
	assert_int_equal(left, RECOVERY_CODES);
	/* Used or not, every old code is refused as a wrong code. */
	for (i = 0; i < RECOVERY_CODES; i++)
		assert_int_equal(redeem(f->s, uid, a->codes[i], T0 + 3), -EACCES);
	/* A row id of the old set, checked before the new one was stored,
	 * cannot be used after. */
	assert_int_equal(store_recovery_use(f->s, uid, old.rows[1].id, T0 + 3), -ENOENT);
	assert_int_equal(redeem(f->s, uid, b->codes[9], T0 + 4), 0);
	recovery_set_free(a);
	recovery_set_free(b);
}

static void test_wrong_answers(void **state)
{
	struct fixture *f = *state;
	struct recovery_set *set = set_new();
	int64_t uid = user_id(f->s, "alice"), none = user_id(f->s, "carol");
	char wrong[RECOVERY_CODE_SHOWN + 1];
	struct store_recovery_set rows;
	int64_t id = -1;
	size_t p;

	set_store(f->s, uid, set, T0);
	assert_int_equal(store_recovery_get(f->s, uid, &rows), 0);
	/* One letter changed. */
	memcpy(wrong, set->codes[0], sizeof(wrong));
	p = 5;
	wrong[p] = wrong[p] == 'a' ? 'b' : 'a';
	assert_int_equal(recovery_verify(rows.rows, rows.n, wrong, &id), -EACCES);
	/* TOTP-shaped and malformed answers are not checked at all. */
	assert_int_equal(recovery_verify(rows.rows, rows.n, "123456", &id), -EINVAL);
	assert_int_equal(recovery_verify(rows.rows, rows.n, "", &id), -EINVAL);
	assert_int_equal(id, -1);
	/* A user with no set. */
	assert_int_equal(store_recovery_get(f->s, none, &rows), -ENOENT);
	assert_int_equal(recovery_verify(rows.rows, 0, set->codes[0], &id), -ENOENT);
	assert_int_equal(redeem(f->s, none, set->codes[0], T0), -ENOENT);
	WIPE_ARRAY(wrong);
	recovery_set_free(set);
}

/* Rows that are not one set of a known format are refused before any
 * derivation. */
static void test_bad_rows(void **state)
{
	struct fixture *f = *state;
	struct recovery_set *set = set_new();
	int64_t uid = user_id(f->s, "alice");
	struct store_recovery_set good, bad;
	int64_t id = -1;

	set_store(f->s, uid, set, T0);
	assert_int_equal(store_recovery_get(f->s, uid, &good), 0);
	/* Another salt in one row. */
	bad = good;
	bad.rows[4].salt[0] ^= 1;
	assert_int_equal(recovery_verify(bad.rows, bad.n, set->codes[0], &id), -EBADMSG);
	/* Unknown format. */
	bad = good;
	bad.rows[0].hash[0] = 2;
	assert_int_equal(recovery_verify(bad.rows, bad.n, set->codes[0], &id), -EBADMSG);
	/* Parameters that differ within the set. */
	bad = good;
	bad.rows[7].hash[2] = 4;
	assert_int_equal(recovery_verify(bad.rows, bad.n, set->codes[0], &id), -EBADMSG);
	/* Parameters out of bounds: 2^30 x 8 would be 128 GiB. */
	for (size_t i = 0; i < bad.n; i++)
		bad.rows[i].hash[1] = 30;
	assert_int_equal(recovery_verify(bad.rows, bad.n, set->codes[0], &id), -EBADMSG);
	/* A truncated hash. */
	bad = good;
	bad.rows[0].hash_len = RECOVERY_HASH_SIZE - 1;
	assert_int_equal(recovery_verify(bad.rows, bad.n, set->codes[0], &id), -EBADMSG);
	assert_int_equal(id, -1);
	/* The same rows untouched still verify. */
	assert_int_equal(recovery_verify(good.rows, good.n, set->codes[0], &id), 0);
	recovery_set_free(set);
}

static void test_replace_checks(void **state)
{
	struct fixture *f = *state;
	uint8_t salt[RECOVERY_SALT_SIZE] = {1}, hashes[STORE_RECOVERY_ROWS_MAX + 1][RECOVERY_HASH_SIZE] = {{1}};
	int64_t uid = user_id(f->s, "alice");
	uint32_t left = 99;

	assert_int_equal(
	    store_recovery_replace(f->s, uid, salt, sizeof(salt), &hashes[0][0], RECOVERY_HASH_SIZE, 0, T0), -EINVAL);
	assert_int_equal(store_recovery_replace(f->s, uid, salt, 0, &hashes[0][0], RECOVERY_HASH_SIZE, 1, T0), -EINVAL);
	assert_int_equal(store_recovery_replace(f->s, uid, salt, sizeof(salt), &hashes[0][0], RECOVERY_HASH_SIZE,
	                                        STORE_RECOVERY_ROWS_MAX + 1, T0),
	                 -E2BIG);
	assert_int_equal(store_recovery_replace(f->s, uid, salt, STORE_RECOVERY_SALT_MAX + 1, &hashes[0][0],
	                                        RECOVERY_HASH_SIZE, 1, T0),
	                 -E2BIG);
	/* No such user: the foreign key refuses, nothing is written. */
	assert_int_equal(
	    store_recovery_replace(f->s, uid + 100, salt, sizeof(salt), &hashes[0][0], RECOVERY_HASH_SIZE, 2, T0),
	    -ENOENT);
	assert_int_equal(store_recovery_count(f->s, uid + 100, &left), 0);
	assert_int_equal(left, 0);
	assert_int_equal(store_recovery_count(f->s, uid, &left), 0);
	assert_int_equal(left, 0);
}

static void test_admin_remove(void **state)
{
	struct fixture *f = *state;
	struct recovery_set *set = set_new();
	int64_t uid = user_id(f->s, "alice"), bob = user_id(f->s, "bob");
	struct store_recovery_set rows;
	struct store_facts facts;
	uint32_t left = 0;

	set_store(f->s, uid, set, T0);
	set_store(f->s, bob, set, T0);
	assert_int_equal(store_login_success(f->s, uid, "dev", "10.0.0.1", "10.0.0.0/24", T0, true, T0 + 3600), 0);
	assert_int_equal(store_login_facts(f->s, uid, "dev", "10.0.0.1", "10.0.0.0/24", T0, T0 + 1, &facts), 0);
	assert_int_equal(facts.grant_time, T0);

	assert_int_equal(store_recovery_remove(f->s, "alice"), 0);
	assert_int_equal(store_recovery_get(f->s, uid, &rows), -ENOENT);
	assert_int_equal(store_recovery_count(f->s, uid, &left), 0);
	assert_int_equal(left, 0);
	assert_int_equal(store_login_facts(f->s, uid, "dev", "10.0.0.1", "10.0.0.0/24", T0, T0 + 1, &facts), 0);
	assert_int_equal(facts.grant_time, 0);
	/* Nothing left to remove; unknown users; bob's set untouched. */
	assert_int_equal(store_recovery_remove(f->s, "alice"), -ENOENT);
	assert_int_equal(store_recovery_remove(f->s, "nobody"), -ENOENT);
	assert_int_equal(store_recovery_remove(f->s, ""), -EINVAL);
	assert_int_equal(store_recovery_count(f->s, bob, &left), 0);
	assert_int_equal(left, RECOVERY_CODES);
	recovery_set_free(set);
}

/* ---- secrecy ---- */

/* The whole file at path (empty if it does not exist), into *ret. */
static size_t slurp(const char *path, uint8_t **ret)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*ret = NULL;
	if (fd < 0) {
		assert_int_equal(errno, ENOENT);
		return 0;
	}
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	while ((n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	assert_true(n >= 0);
	close(fd);
	*ret = buf;
	return got;
}

/* Whether needle is anywhere in the database file or its WAL. */
static bool in_files(const char *db, const char *needle)
{
	static const char *const sides[] = {"", "-wal"};
	char path[400];
	bool found = false;
	size_t i;

	for (i = 0; i < 2; i++) {
		uint8_t *buf;
		size_t n;

		snprintf(path, sizeof(path), "%s%s", db, sides[i]);
		n = slurp(path, &buf);
		if (n && memmem(buf, n, needle, strlen(needle)))
			found = true;
		free(buf);
	}
	return found;
}

static void assert_codes_absent(const char *db, struct recovery_set *const *sets, size_t nsets)
{
	size_t s, i, k;

	for (s = 0; s < nsets; s++) {
		for (i = 0; i < RECOVERY_CODES; i++) {
			char forms[4][RECOVERY_CODE_SHOWN + 1];

			spellings(sets[s]->codes[i], forms);
			for (k = 0; k < 4; k++) {
				/* No code in the message if it fails. */
				if (in_files(db, forms[k]))
					fail_msg("set %zu code %zu (spelling %zu) found in the database files", s, i,
					         k);
			}
			WIPE_ARRAY(forms);
		}
	}
}

static void test_codes_never_stored(void **state)
{
	struct fixture *f = *state;
	struct recovery_set *sets[2] = {set_new(), set_new()};
	int64_t uid = user_id(f->s, "alice");

	/* The search can fail: a string the store did write is found. */
	(void)user_id(f->s, "marker-user-qzx");
	assert_true(in_files(f->path, "marker-user-qzx"));

	set_store(f->s, uid, sets[0], T0);
	assert_int_equal(redeem(f->s, uid, sets[0]->codes[0], T0 + 1), 0);
	assert_int_equal(redeem(f->s, uid, sets[0]->codes[1], T0 + 2), 0);
	assert_int_equal(redeem(f->s, uid, sets[0]->codes[1], T0 + 3), -EALREADY);
	set_store(f->s, uid, sets[1], T0 + 4);
	assert_int_equal(redeem(f->s, uid, sets[1]->codes[5], T0 + 5), 0);
	assert_int_equal(redeem(f->s, uid, sets[0]->codes[2], T0 + 6), -EACCES);
	/* While open (rows in the WAL), and after a close has checkpointed
	 * them into the database file. */
	assert_codes_absent(f->path, sets, 2);
	store_close(f->s);
	f->s = NULL;
	assert_codes_absent(f->path, sets, 2);
	recovery_set_free(sets[0]);
	recovery_set_free(sets[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_generated_format),
	    cmocka_unit_test(test_normalize),
	    cmocka_unit_test(test_shapes_disjoint),
	    cmocka_unit_test_setup_teardown(test_each_code_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_use_race, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_regenerate_voids_old, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replace_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_admin_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_codes_never_stored, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

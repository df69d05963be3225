/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for seal.c: round trips, and -EBADMSG for a wrong key, a wrong
 * AAD, every single flipped bit, every truncation and a bad version; the
 * host key created 0600 on first use and reused after; a key file refused,
 * with the reason, when it is a symlink, a FIFO (without blocking), too
 * open, the wrong size, not ours; the systemd
 * credential preferred when present.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "seal.h"
#include "tmpdir.h"

struct fixture {
	char dir[PATH_MAX];   /* state dir */
	char creds[PATH_MAX]; /* credentials dir */
	char path[PATH_MAX];  /* dir/host.key */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (tmp_mkdtemp("test_seal", f->dir, sizeof(f->dir)) < 0)
		return -1;
	tmp_join(f->creds, sizeof(f->creds), f->dir, "creds");
	tmp_join(f->path, sizeof(f->path), f->dir, "host.key");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tmp_rm_rf(f->dir);
	free(f);
	return 0;
}

static unsigned count_entries(const char *dir)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_key_created_then_reused(void **state)
{
	struct fixture *f = *state;
	uint8_t k1[SEAL_KEY_SIZE], k2[SEAL_KEY_SIZE], zero[SEAL_KEY_SIZE] = {0};
	struct stat st;

	assert_int_equal(seal_key_load(f->dir, NULL, k1, NULL, 0), 0);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, SEAL_KEY_SIZE);
	assert_int_equal(st.st_uid, geteuid());
	assert_true(memcmp(k1, zero, sizeof(k1)) != 0);
	/* No temporary file left behind. */
	assert_int_equal(count_entries(f->dir), 1);

	assert_int_equal(seal_key_load(f->dir, NULL, k2, NULL, 0), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	/* A credentials dir without the credential falls back to the state dir. */
	assert_int_equal(mkdir(f->creds, 0700), 0);
	memset(k2, 0, sizeof(k2));
	assert_int_equal(seal_key_load(f->dir, f->creds, k2, NULL, 0), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
}

/* A refused key file leaves the caller's buffer alone, and the reason names
 * the file and says why (reason NULL: not checked). */
static void assert_refused_why(const char *dir, const char *creds, int expect, const char *reason)
{
	uint8_t k[SEAL_KEY_SIZE], canary[SEAL_KEY_SIZE];
	char why[512];

	memset(k, 0xaa, sizeof(k));
	memset(canary, 0xaa, sizeof(canary));
	assert_int_equal(seal_key_load(dir, creds, k, why, sizeof(why)), expect);
	assert_memory_equal(k, canary, sizeof(k));
	if (reason && !strstr(why, reason))
		fail_msg("reason '%s' lacks '%s'", why, reason);
}

static void assert_refused(const char *dir, const char *creds, int expect)
{
	assert_refused_why(dir, creds, expect, NULL);
}

static void test_key_refused_symlink(void **state)
{
	struct fixture *f = *state;
	uint8_t data[SEAL_KEY_SIZE] = {1, 2, 3};
	char target[PATH_MAX];

	tmp_join(target, sizeof(target), f->dir, "elsewhere");
	tmp_write_file(target, data, sizeof(data), 0600);
	assert_int_equal(symlink(target, f->path), 0);
	assert_refused_why(f->dir, NULL, -ELOOP, "host.key: a symlink");
}

static void test_key_refused_mode(void **state)
{
	struct fixture *f = *state;
	uint8_t data[SEAL_KEY_SIZE] = {1, 2, 3};
	uint8_t k[SEAL_KEY_SIZE];

	tmp_write_file(f->path, data, sizeof(data), 0644);
	assert_refused_why(f->dir, NULL, -EPERM, "host.key: mode 0644, must not be readable by others");
	assert_int_equal(chmod(f->path, 0640), 0);
	assert_refused_why(f->dir, NULL, -EPERM, "mode 0640, must not be readable by its group");
	assert_int_equal(chmod(f->path, 0604), 0);
	assert_refused_why(f->dir, NULL, -EPERM, "mode 0604, must not be readable by others");
	assert_int_equal(chmod(f->path, 0666), 0);
	assert_refused_why(f->dir, NULL, -EPERM, "mode 0666, must not be writable by others");
	/* The same file with the right mode is accepted as it is. */
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_int_equal(seal_key_load(f->dir, NULL, k, NULL, 0), 0);
	assert_memory_equal(k, data, sizeof(k));
	assert_int_equal(chmod(f->path, 0400), 0);
	assert_int_equal(seal_key_load(f->dir, NULL, k, NULL, 0), 0);
}

static void test_key_refused_size(void **state)
{
	struct fixture *f = *state;
	uint8_t data[SEAL_KEY_SIZE + 1] = {0};

	tmp_write_file(f->path, data, SEAL_KEY_SIZE - 1, 0600);
	assert_refused(f->dir, NULL, -EINVAL);
	tmp_write_file(f->path, data, SEAL_KEY_SIZE + 1, 0600);
	assert_refused(f->dir, NULL, -EINVAL);
	tmp_write_file(f->path, data, 0, 0600);
	assert_refused(f->dir, NULL, -EINVAL);
}

static void test_key_refused_not_regular(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mkdir(f->path, 0700), 0);
	assert_refused_why(f->dir, NULL, -EPERM, "a directory, not a regular file");
}

/* A FIFO planted as the key must be refused at once, not waited on: without
 * O_NONBLOCK the open would block for a writer and the alarm kill us. */
static void test_key_refused_fifo(void **state)
{
	struct fixture *f = *state;
	char cred[PATH_MAX];

	assert_int_equal(mkfifo(f->path, 0600), 0);
	alarm(5);
	assert_refused_why(f->dir, NULL, -EPERM, "host.key: a FIFO, not a regular file");
	assert_int_equal(unlink(f->path), 0);
	/* The same for the systemd credential, which any owner may hold. */
	assert_int_equal(mkdir(f->creds, 0700), 0);
	tmp_join(cred, sizeof(cred), f->creds, "vigil-host-key");
	assert_int_equal(mkfifo(cred, 0400), 0);
	assert_refused_why(f->dir, f->creds, -EPERM, "vigil-host-key: a FIFO, not a regular file");
	alarm(0);
}

static void test_key_refused_owner(void **state)
{
	struct fixture *f = *state;
	uint8_t data[SEAL_KEY_SIZE] = {1};

	if (geteuid() != 0)
		skip(); /* needs chown */
	tmp_write_file(f->path, data, sizeof(data), 0600);
	assert_int_equal(chown(f->path, 65534, 65534), 0);
	assert_refused_why(f->dir, NULL, -EPERM, "host.key: owned by uid 65534");
}

static void test_state_dir_writable_by_others(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_refused(f->dir, NULL, -EPERM);
	assert_int_equal(count_entries(f->dir), 0);
	assert_int_equal(chmod(f->dir, 0700), 0);
	assert_refused(NULL, NULL, -EINVAL);
}

static void test_credential_preferred(void **state)
{
	struct fixture *f = *state;
	uint8_t data[SEAL_KEY_SIZE], k[SEAL_KEY_SIZE];
	char cred[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(mkdir(f->creds, 0700), 0);
	tmp_join(cred, sizeof(cred), f->creds, "vigil-host-key");
	tmp_write_file(cred, data, sizeof(data), 0400);
	assert_int_equal(seal_key_load(f->dir, f->creds, k, NULL, 0), 0);
	assert_memory_equal(k, data, sizeof(k));
	/* The state dir was not touched. */
	assert_int_equal(access(f->path, F_OK), -1);

	tmp_write_file(cred, data, sizeof(data) - 1, 0400);
	assert_refused(f->dir, f->creds, -EINVAL);
	assert_int_equal(unlink(cred), 0);
	assert_int_equal(symlink(f->path, cred), 0);
	assert_refused(f->dir, f->creds, -ELOOP);
}

static const uint8_t test_key[SEAL_KEY_SIZE] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};
static const uint8_t plain[] = "not a real seed, 20b";
#define PLAIN_LEN 20

static void test_round_trip(void **state)
{
	static const size_t sizes[] = {0, 1, PLAIN_LEN, 1000};
	uint8_t big[1000];
	size_t i;

	memset(big, 0x5c, sizeof(big));
	memcpy(big, plain, PLAIN_LEN);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *blob = NULL, *blob2 = NULL, *out = NULL;
		size_t len = 0, len2 = 0, out_len = 99;

		assert_int_equal(seal(test_key, big, sizes[i], "alice:totp", &blob, &len), 0);
		assert_int_equal(len, sizes[i] + SEAL_OVERHEAD);
		assert_int_equal(blob[0], 1);
		assert_int_equal(unseal(test_key, blob, len, "alice:totp", &out, &out_len), 0);
		assert_int_equal(out_len, sizes[i]);
		assert_non_null(out);
		if (sizes[i] > 0)
			assert_memory_equal(out, big, sizes[i]);
		/* A fresh nonce each time. */
		assert_int_equal(seal(test_key, big, sizes[i], "alice:totp", &blob2, &len2), 0);
		assert_int_equal(len2, len);
		assert_true(memcmp(blob + 1, blob2 + 1, 12) != 0);
		free(blob);
		free(blob2);
		free(out);
	}
}

static void test_wrong_key_and_aad(void **state)
{
	static uint8_t sentinel[] = "sentinel";
	uint8_t other[SEAL_KEY_SIZE], *blob = NULL, *out = sentinel;
	size_t len = 0, out_len = 7;

	memcpy(other, test_key, sizeof(other));
	other[31] ^= 0x80;
	assert_int_equal(seal(test_key, plain, PLAIN_LEN, "alice:totp", &blob, &len), 0);
	assert_int_equal(unseal(other, blob, len, "alice:totp", &out, &out_len), -EBADMSG);
	assert_int_equal(unseal(test_key, blob, len, "bob:totp", &out, &out_len), -EBADMSG);
	assert_int_equal(unseal(test_key, blob, len, "alice:totp ", &out, &out_len), -EBADMSG);
	assert_int_equal(unseal(test_key, blob, len, "", &out, &out_len), -EBADMSG);
	assert_ptr_equal(out, sentinel); /* untouched on failure */
	assert_int_equal(out_len, 7);
	free(blob);

	/* An empty AAD is an AAD like any other. */
	assert_int_equal(seal(test_key, plain, PLAIN_LEN, "", &blob, &len), 0);
	assert_int_equal(unseal(test_key, blob, len, "x", &out, &out_len), -EBADMSG);
	assert_int_equal(unseal(test_key, blob, len, "", &out, &out_len), 0);
	assert_memory_equal(out, plain, PLAIN_LEN);
	free(out);
	free(blob);
}

static void test_every_bit_flipped(void **state)
{
	uint8_t *blob = NULL, *out = NULL;
	size_t len = 0, out_len, bit;

	assert_int_equal(seal(test_key, plain, PLAIN_LEN, "alice:totp", &blob, &len), 0);
	for (bit = 0; bit < len * 8; bit++) {
		blob[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		assert_int_equal(unseal(test_key, blob, len, "alice:totp", &out, &out_len), -EBADMSG);
		assert_null(out);
		blob[bit / 8] ^= (uint8_t)(1U << (bit % 8));
	}
	/* And the untouched blob still opens: the loop restored every bit. */
	assert_int_equal(unseal(test_key, blob, len, "alice:totp", &out, &out_len), 0);
	free(out);
	free(blob);
}

static void test_truncated_and_extended(void **state)
{
	uint8_t *blob = NULL, *out = NULL, *longer;
	size_t len = 0, out_len, n;

	assert_int_equal(seal(test_key, plain, PLAIN_LEN, "alice:totp", &blob, &len), 0);
	for (n = 0; n < len; n++)
		assert_int_equal(unseal(test_key, blob, n, "alice:totp", &out, &out_len), -EBADMSG);
	assert_int_equal(unseal(test_key, NULL, 0, "alice:totp", &out, &out_len), -EBADMSG);
	longer = malloc(len + 1);
	assert_non_null(longer);
	memcpy(longer, blob, len);
	longer[len] = 0;
	assert_int_equal(unseal(test_key, longer, len + 1, "alice:totp", &out, &out_len), -EBADMSG);
	/* An unknown version, even with a valid rest. */
	blob[0] = 2;
	assert_int_equal(unseal(test_key, blob, len, "alice:totp", &out, &out_len), -EBADMSG);
	assert_null(out);
	free(longer);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_key_created_then_reused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_refused_symlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_refused_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_refused_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_refused_not_regular, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_refused_fifo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_refused_owner, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state_dir_writable_by_others, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_credential_preferred, setup, teardown),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_wrong_key_and_aad),
	    cmocka_unit_test(test_every_bit_flipped),
	    cmocka_unit_test(test_truncated_and_extended),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

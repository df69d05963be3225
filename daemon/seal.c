/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sealing factor secrets at rest (see seal.h).  The host key is the one
 * secret everything else hangs on, so its file is checked before it is
 * trusted: opened without following symlinks and without blocking (a FIFO is
 * refused, not waited on), a regular file owned by us, no group or other
 * permission bits, exactly SEAL_KEY_SIZE bytes; a refusal says which.  A new key
 * is written to a fresh temporary file (O_EXCL, 0600), synced, then linked
 * into place, so a crash never leaves a short host.key behind and two
 * starting daemons cannot end up with different keys.  Blobs read back from
 * the database are untrusted: any malformed or unauthenticated blob is
 * -EBADMSG and its partial plaintext is wiped.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "safe_file.h"
#include "seal.h"
#include "why.h"
#include "wipe.h"

#define SEAL_VERSION    1
#define SEAL_NONCE_SIZE 12
#define SEAL_TAG_SIZE   16
#define HOST_KEY_NAME   "host.key"
#define CREDENTIAL_NAME "vigil-host-key"

/* Reads exactly SEAL_KEY_SIZE bytes from fd, a file that passed its checks
 * (st is its stat). */
static int key_read(int fd, const struct stat *st, const char *display, uint8_t key[SEAL_KEY_SIZE], char *why,
                    size_t whylen)
{
	uint8_t buf[SEAL_KEY_SIZE + 1];
	size_t len = 0;
	int r;

	if (st->st_size != SEAL_KEY_SIZE) {
		why_set(why, whylen, "%s: %lld bytes, must be %d", display, (long long)st->st_size, SEAL_KEY_SIZE);
		r = -EINVAL;
		goto out;
	}
	/* One byte more than we want, in case the file changed under us. */
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			why_set(why, whylen, "%s: %s", display, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len != SEAL_KEY_SIZE) {
		why_set(why, whylen, "%s: changed size while being read", display);
		r = -EINVAL;
		goto out;
	}
	memcpy(key, buf, SEAL_KEY_SIZE);
	r = 0;
out:
	WIPE_ARRAY(buf);
	return r;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Creates HOST_KEY_NAME in dfd.  -EEXIST if another process won the race
 * (the caller then reads theirs). */
static int key_create(int dfd, uint8_t key[SEAL_KEY_SIZE])
{
	uint8_t k[SEAL_KEY_SIZE], rnd[8];
	char tmp[sizeof(HOST_KEY_NAME) + 1 + 2 * sizeof(rnd)];
	bool created = false;
	int fd = -1, r;
	size_t i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1 || RAND_bytes(k, sizeof(k)) != 1) {
		r = -EIO;
		goto out;
	}
	i = (size_t)snprintf(tmp, sizeof(tmp), "%s.", HOST_KEY_NAME);
	for (size_t j = 0; j < sizeof(rnd); j++)
		i += (size_t)snprintf(tmp + i, sizeof(tmp) - i, "%02x", rnd[j]);

	fd = openat(dfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	created = true;
	if ((r = write_all(fd, k, sizeof(k))) < 0)
		goto out;
	if (fsync(fd) < 0) {
		r = -errno;
		goto out;
	}
	if (linkat(dfd, tmp, dfd, HOST_KEY_NAME, 0) < 0) {
		r = -errno;
		goto out;
	}
	(void)unlinkat(dfd, tmp, 0);
	created = false;
	if (fsync(dfd) < 0) {
		r = -errno;
		goto out;
	}
	memcpy(key, k, SEAL_KEY_SIZE);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (created)
		(void)unlinkat(dfd, tmp, 0);
	WIPE_ARRAY(k);
	return r;
}

int seal_key_load(const char *state_dir, const char *credentials_dir, uint8_t key[SEAL_KEY_SIZE], char *why,
                  size_t whylen)
{
	uint8_t k[SEAL_KEY_SIZE];
	char display[PATH_MAX];
	struct stat st;
	int dfd = -1, fd = -1, r;

	why_set(why, whylen, "%s", "");
	/* A key handed over by systemd (LoadCredential=) wins when present.
	 * systemd made it, so any owner will do; it must still be a regular
	 * file, and opening it must not block. */
	if (credentials_dir && *credentials_dir) {
		dfd = open(credentials_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)snprintf(display, sizeof(display), "%s/%s", credentials_dir, CREDENTIAL_NAME);
			r = safe_file_open(dfd, CREDENTIAL_NAME, O_RDONLY, 0, 0, display, &fd, &st, why, whylen);
			if (r < 0 && r != -ENOENT)
				goto out;
			if (r == 0) {
				r = key_read(fd, &st, display, k, why, whylen);
				if (r < 0)
					goto out;
				goto done;
			}
			close(dfd);
			dfd = -1;
		} else if (errno != ENOENT) {
			r = -errno;
			why_set(why, whylen, "%s: %s", credentials_dir, strerror(-r));
			goto out;
		}
	}

	if (!state_dir || !*state_dir) {
		r = -EINVAL;
		why_set(why, whylen, "no state directory");
		goto out;
	}
	(void)snprintf(display, sizeof(display), "%s/%s", state_dir, HOST_KEY_NAME);
	dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		why_set(why, whylen, "%s: %s", state_dir, strerror(-r));
		goto out;
	}
	/* Others must not be able to swap the key file under us. */
	if (fstat(dfd, &st) < 0) {
		r = -errno;
		why_set(why, whylen, "%s: %s", state_dir, strerror(-r));
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		r = -EPERM;
		why_set(why, whylen, "%s: mode %04o, must not be writable by group or others", state_dir,
		        (unsigned)(st.st_mode & 07777));
		goto out;
	}

	for (int attempt = 0;; attempt++) {
		/* The key is the secret everything hangs on: ours, 0600. */
		r = safe_file_open(dfd, HOST_KEY_NAME, O_RDONLY, 0, SAFE_FILE_OURS | SAFE_FILE_SECRET, display, &fd,
		                   &st, why, whylen);
		if (r == 0)
			break;
		if (r != -ENOENT || attempt > 0)
			goto out;
		r = key_create(dfd, k);
		if (r == 0)
			goto done;
		if (r != -EEXIST) {
			why_set(why, whylen, "%s: cannot create: %s", display, strerror(-r));
			goto out;
		}
	}
	r = key_read(fd, &st, display, k, why, whylen);
	if (r < 0)
		goto out;
done:
	memcpy(key, k, SEAL_KEY_SIZE);
	r = 0;
out:
	WIPE_ARRAY(k);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return r;
}

int seal(const uint8_t key[SEAL_KEY_SIZE], const uint8_t *plain, size_t n, const char *aad, uint8_t **ret,
         size_t *ret_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *blob = NULL, *nonce, *ct, *tag;
	size_t len = 0, aad_len;
	int outl, r;

	if (!key || !aad || (!plain && n > 0))
		return -EINVAL;
	aad_len = strlen(aad);
	if (n > INT_MAX - SEAL_OVERHEAD || aad_len > INT_MAX)
		return -E2BIG;
	len = n + SEAL_OVERHEAD;
	blob = malloc(len);
	if (!blob) {
		r = -ENOMEM;
		goto out;
	}
	nonce = blob + 1;
	ct = nonce + SEAL_NONCE_SIZE;
	tag = ct + n;
	blob[0] = SEAL_VERSION;
	if (RAND_bytes(nonce, SEAL_NONCE_SIZE) != 1) {
		r = -EIO;
		goto out;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) {
		r = -ENOMEM;
		goto out;
	}
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    (aad_len > 0 && EVP_EncryptUpdate(ctx, NULL, &outl, (const uint8_t *)aad, (int)aad_len) != 1) ||
	    (n > 0 && EVP_EncryptUpdate(ctx, ct, &outl, plain, (int)n) != 1) ||
	    EVP_EncryptFinal_ex(ctx, ct + n, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_SIZE, tag) != 1) {
		r = -EIO;
		goto out;
	}
	*ret = blob;
	blob = NULL;
	*ret_len = len;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (blob)
		wipe_free(blob, len);
	return r;
}

int unseal(const uint8_t key[SEAL_KEY_SIZE], const uint8_t *blob, size_t len, const char *aad, uint8_t **ret,
           size_t *ret_len)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t *plain = NULL, tag[SEAL_TAG_SIZE];
	const uint8_t *nonce, *ct;
	size_t n = 0, aad_len;
	int outl, r;

	if (!key || !aad)
		return -EINVAL;
	if (!blob || len < SEAL_OVERHEAD || len - SEAL_OVERHEAD > INT_MAX || blob[0] != SEAL_VERSION)
		return -EBADMSG;
	aad_len = strlen(aad);
	if (aad_len > INT_MAX)
		return -EBADMSG;
	n = len - SEAL_OVERHEAD;
	nonce = blob + 1;
	ct = nonce + SEAL_NONCE_SIZE;
	memcpy(tag, ct + n, SEAL_TAG_SIZE);

	plain = malloc(n > 0 ? n : 1);
	if (!plain) {
		r = -ENOMEM;
		goto out;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) {
		r = -ENOMEM;
		goto out;
	}
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    (aad_len > 0 && EVP_DecryptUpdate(ctx, NULL, &outl, (const uint8_t *)aad, (int)aad_len) != 1) ||
	    (n > 0 && EVP_DecryptUpdate(ctx, plain, &outl, ct, (int)n) != 1) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_SIZE, tag) != 1) {
		r = -EIO;
		goto out;
	}
	/* The tag is checked here: nothing decrypted counts before this. */
	if (EVP_DecryptFinal_ex(ctx, plain + n, &outl) != 1) {
		r = -EBADMSG;
		goto out;
	}
	*ret = plain;
	plain = NULL;
	*ret_len = n;
	r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (plain)
		wipe_free(plain, n > 0 ? n : 1);
	return r;
}

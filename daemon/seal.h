/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encryption at rest for factor secrets: AES-256-GCM (OpenSSL) under a host
 * key.  The key comes from $CREDENTIALS_DIRECTORY/vigil-host-key when systemd
 * passes credentials, otherwise from <state_dir>/host.key, created 0600 with
 * O_EXCL on first start and refused if it is a symlink, not 32 bytes, not
 * owned by us or readable by others.  A sealed blob is
 * version(1) || nonce(12) || ciphertext || tag(16); the AAD binds it to its
 * owner (user name and factor type) so rows cannot be swapped.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_SIZE 32
#define SEAL_OVERHEAD (1 + 12 + 16)

/* Loads or creates the host key.  credentials_dir may be NULL.  Returns 0,
 * or a negative errno with "FILE: why" in why (may be NULL): a symlink, a
 * FIFO (refused without blocking), the wrong owner, mode or size. */
int seal_key_load(const char *state_dir, const char *credentials_dir, uint8_t key[SEAL_KEY_SIZE], char *why,
                  size_t whylen);

/* Returns 0 and a heap blob in *ret (plain) / -ENOMEM / -EIO. */
int seal(const uint8_t key[SEAL_KEY_SIZE], const uint8_t *plain, size_t n, const char *aad, uint8_t **ret,
         size_t *ret_len);
/* Returns 0 and the plaintext in *ret (heap; the caller wipes and frees it);
 * -EBADMSG if the blob is malformed or fails authentication. */
int unseal(const uint8_t key[SEAL_KEY_SIZE], const uint8_t *blob, size_t len, const char *aad, uint8_t **ret,
           size_t *ret_len);

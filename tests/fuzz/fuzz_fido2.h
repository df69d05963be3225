/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The input layout of the FIDO2 verification fuzz target, shared by the
 * target (fuzz_fido2.c) and the seed generator (make-corpus-fido2.c):
 *
 *   mode(1)  stored sign_count(4, big-endian)
 *   then five fields, each a 2-byte big-endian length and its bytes:
 *   authdata, sig, x5c, fmt, stored public key
 *
 * A field the input ends before is empty; bytes after the last are
 * ignored.  The rp id and the challenge are fixed, as the daemon's own.
 */
#pragma once

#define FUZZ_FIDO2_RP          "vigil.test"
#define FUZZ_MODE_ASSERT       0x01 /* else an attestation */
#define FUZZ_MODE_UV_REQUIRED  0x02
#define FUZZ_MODE_ALLOW_NONE   0x04
#define FUZZ_MODE_RESIDENT     0x08
#define FUZZ_MODE_STORED_CLONE 0x10 /* stored flags carry STORE_KEY_CLONED */
#define FUZZ_MODE_STORED_EDDSA 0x20 /* stored key is EdDSA, else ES256 */

/* The challenge: bytes 0, 1, ..., 31. */
#define FUZZ_FIDO2_CHALLENGE(c)                                                                                        \
	do {                                                                                                           \
		for (int i_ = 0; i_ < 32; i_++)                                                                        \
			(c)[i_] = (uint8_t)i_;                                                                         \
	} while (0)

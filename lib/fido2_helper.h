/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the vigil-fido2 helper (helper/vigil-fido2.c, which documents its line
 * protocol), pam_vigil.so (which spawns it) and vigilctl share: the outcomes
 * of a security key operation and the size of every field.  One table and one
 * set of limits, so the two ends of the helper's pipe cannot disagree; those
 * the daemon's messages carry come from include/vigil/proto.h.  libc only.
 */
#pragma once

#include <stdint.h>

#include "vigil/proto.h"

/* Length of the standard base64 (padded) text of n bytes, without NUL. */
#define FIDO2_B64_LEN(n) ((((n) + 2) / 3) * 4)

#define FIDO2_RP_ID_MAX      255                              /* bytes, printable ASCII without blanks */
#define FIDO2_RP_NAME_MAX    255                              /* bytes, printable ASCII (MakeCredential) */
#define FIDO2_USER_NAME_MAX  255                              /* bytes (MakeCredential) */
#define FIDO2_USER_ID_MAX    64                               /* raw bytes of the user handle (WebAuthn) */
#define FIDO2_CHALLENGE_LEN  32                               /* raw bytes: the client data hash */
#define FIDO2_ALLOW_MAX      8                                /* credential ids in an allow or exclude list */
#define FIDO2_CRED_ID_MAX    VIGIL_CRED_ID_SIZE_MAX           /* raw bytes of a credential id */
#define FIDO2_AUTHDATA_MAX   (VIGIL_AUTHDATA_B64_MAX / 4 * 3) /* raw bytes: the CBOR byte string libfido2 returns */
#define FIDO2_SIG_MAX        (VIGIL_SIG_B64_MAX / 4 * 3)      /* raw bytes of a signature */
#define FIDO2_X5C_MAX        4096          /* raw bytes of a DER attestation certificate (fits VIGIL_X5C_B64_MAX) */
#define FIDO2_FMT_MAX        VIGIL_FMT_MAX /* attestation format name */
#define FIDO2_PIN_MAX        63            /* bytes of UTF-8 (CTAP2's maximum) */
#define FIDO2_TIMEOUT_MAX_MS 120000        /* the longest touch wait */
/* The longest line either side of the helper protocol writes, newline
 * included: "ok CRED AUTHDATA SIG\n". */
#define FIDO2_LINE_MAX                                                                                                 \
	(3 + FIDO2_B64_LEN(FIDO2_CRED_ID_MAX) + 1 + FIDO2_B64_LEN(FIDO2_AUTHDATA_MAX) + 1 +                            \
	 FIDO2_B64_LEN(FIDO2_SIG_MAX) + 1)

enum fido2_status {
	FIDO2_OK = 0,
	FIDO2_NO_DEVICE,      /* no security key attached (or it vanished) */
	FIDO2_TIMEOUT,        /* nobody touched the key in time */
	FIDO2_PIN_REQUIRED,   /* the key wants a PIN and none was given */
	FIDO2_PIN_INVALID,    /* wrong PIN (or one the key cannot take) */
	FIDO2_PIN_BLOCKED,    /* too many wrong PINs: the key must be reset or replugged */
	FIDO2_NO_CREDENTIAL,  /* the key holds none of the allowed credentials */
	FIDO2_UV_UNSUPPORTED, /* user verification asked of a key with no PIN set and no built-in UV */
	FIDO2_CANCELLED,      /* cancelled by a signal, the user or the key */
	FIDO2_EXCLUDED,       /* MakeCredential: the key already holds an excluded credential */
	FIDO2_INTERNAL,       /* anything else: bad request, device or library error */
	FIDO2_STATUS_COUNT_,
};

/* The status's word on the helper protocol ("ok", "no_device", ...); never
 * NULL ("internal" for an unknown value). */
const char *fido2_status_name(int status);
/* The status named by word.  Returns 0; -EBADMSG for a word not in the table
 * (*ret untouched). */
int fido2_status_parse(const char *word, int *ret);

/* A helper status (enum fido2_status) as AUTH_ASSERTION carries it (enum
 * vigil_fido2_status): the two are numbered differently, so mapped by
 * name; EXCLUDED (MakeCredential only) and anything unknown are INTERNAL. */
uint8_t fido2_status_wire(int helper_status);

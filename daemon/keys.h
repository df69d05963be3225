/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A user's security keys: enrolling a FIDO2 key (KEY_ENROLL_BEGIN ->
 * KEY_CHALLENGE, the client's MakeCredential, KEY_ENROLL_FINISH), adding
 * an OpenSSH security key (KEY_ADD_SSH), listing, renaming, removing.  A
 * non-root caller acts on itself only (peer uid), and, once it holds a
 * factor, changes factors only with a fresh proof of one (proof.h); with
 * none, only within the enrollment window, as for TOTP.  Root acts for
 * anyone.  Every change is audited.  Handlers fill *reply and return 0, or
 * a negative errno for a protocol violation.
 */
#pragma once

#include "vigild.h"

int keys_enroll_begin(struct vigild *d, const struct peer *p, struct exchange *x,
                      const struct vigil_key_enroll_request *req, struct vigil_msg *reply);
int keys_enroll_finish(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_attestation *a,
                       struct vigil_msg *reply);
int keys_add_ssh(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_ssh_key_request *req,
                 struct vigil_msg *reply);
int keys_list(struct vigild *d, const struct peer *p, const struct vigil_user_request *req, struct vigil_msg *reply);
int keys_rename(struct vigild *d, const struct peer *p, const struct vigil_key_request *req, struct vigil_msg *reply);
int keys_remove(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_key_request *req,
                struct vigil_msg *reply);

void key_pending_free(struct key_pending *k);

/* Whether a name is one a key may carry: 1..VIGIL_KEY_NAME_MAX printable
 * ASCII characters, no blank at either end. */
bool keys_name_valid(const char *name);

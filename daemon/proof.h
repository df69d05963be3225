/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proof of a factor before a factor changes.  A user who holds a factor
 * adds or removes one only after proving one on the same connection:
 * FACTOR_PROVE answers with a PROMPT (a touch, or a code), the user
 * answers with AUTH_ASSERTION or AUTH_STEP, and a RESULT says whether it
 * held.  A proof is good for one change, on that connection, for
 * PROOF_LIFETIME seconds; what it spent (a code's step, a key's counter, a
 * recovery code) is spent as at a login, so a code shown to vigilctl never
 * opens a login.  Wrong answers are failures of the caller ("uid=N") for
 * that user, bounded by the lockout like su's.  Root needs no proof: it
 * may act for anyone, and is audited.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "vigild.h"

#define PROOF_LIFETIME 300

int proof_begin(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_user_request *req,
                struct vigil_msg *reply);
/* code is a secret: the caller wipes it. */
int proof_code(struct vigild *d, const struct peer *p, struct exchange *x, const char *code, struct vigil_msg *reply);
int proof_assertion(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_assertion *a,
                    struct vigil_msg *reply);

/* Whether the connection holds a fresh proof for user_id; proof_take()
 * also spends it (one change per proof). */
bool proof_valid(const struct exchange *x, int64_t user_id, uint64_t now);
bool proof_take(struct exchange *x, int64_t user_id, uint64_t now);

void proof_pending_free(struct proof_pending *p);

/* Whether peer p may change the factors of user_id now: root always; a
 * user holding a factor with a fresh proof on this connection (spent when
 * take); a user holding none only within the enrollment window (from
 * first_allowed or the admin's enroll_since), as for TOTP.  Returns true,
 * or false with the status to answer in *ret_status (PROOF_REQUIRED,
 * DENIED, INTERNAL). */
bool proof_gate(struct vigild *d, const struct peer *p, struct exchange *x, int64_t user_id, uint64_t first_allowed,
                bool take, uint16_t *ret_status);

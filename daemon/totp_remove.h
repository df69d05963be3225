/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigilctl totp remove`: a user removes its own TOTP factor, proving it
 * with a fresh code.  Public socket; the user is the peer (SO_PEERCRED),
 * never a name in the message.  The handler fills *reply and returns 0.
 */
#pragma once

#include "vigild.h"

/* TOTP_REMOVE with answer, the code: a RESULT.  OK (removed); BAD_CODE (a
 * wrong or replayed code: a failure charged to the caller, as a wrong code
 * at su or sudo is); LOCKED (too many of those, or the user is locked);
 * NOT_ENROLLED (no active TOTP factor); DENIED (the code was good, and the
 * watermark advanced, but it is the last factor and the policy wants one:
 * no_factor = deny); LAST_FACTOR (the code was good, but the user holds no
 * other factor); INTERNAL.  An empty answer stands for a proof made on the
 * connection (proof.h: a touch of the user's key, say), spent here. */
int totp_remove(struct vigild *d, const struct peer *p, struct exchange *x, const char *answer,
                struct vigil_msg *reply);

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
 * no_factor = deny); INTERNAL. */
int totp_remove(struct vigild *d, const struct peer *p, const char *answer, struct vigil_msg *reply);

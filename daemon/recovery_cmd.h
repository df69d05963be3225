/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RECOVERY_GENERATE: a new set of recovery codes for the caller (root: for
 * anyone), shown once in the reply, stored only hashed; the old set is void
 * once the new one is stored.  A user must hold a factor and prove it on
 * the connection first (proof.h): recovery codes are the backup of a
 * factor, never a first factor made by a process running as the user.
 */
#pragma once

#include "vigild.h"

int recovery_generate(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_user_request *req,
                      struct vigil_msg *reply);

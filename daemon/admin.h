/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin verbs: lifting a user's lockout, and the failures charged to one
 * source.  Served on the admin socket to root only (peer uid from
 * SO_PEERCRED), whatever the message says.  Handlers fill *reply and return
 * 0, or a negative errno for a protocol violation.
 */
#pragma once

#include "vigild.h"

/* ADMIN_UNLOCK: clears req->user's lock and failures.  OK; UNKNOWN_USER
 * for a name NSS does not know; NOT_FOUND for a user never seen or one
 * neither locked nor charged any failure (so vigilctl does not claim to
 * have unlocked anybody). */
int admin_user_unlock(struct vigild *d, const struct peer *p, const struct vigil_user_request *req,
                      struct vigil_msg *reply);

/* ADMIN_UNLOCK_SOURCE: deletes the failures charged to the source in
 * req->user (an address, or "uid=N").  OK, or NOT_FOUND when that source
 * had none (it was not locked). */
int admin_source_unlock(struct vigild *d, const struct peer *p, const struct vigil_user_request *req,
                        struct vigil_msg *reply);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin verbs that change a user's state or the daemon's: removing a
 * lost TOTP factor, forgetting a known device or source, reloading the
 * configuration.  Served on the admin socket to root only (peer uid from
 * SO_PEERCRED), whatever the message says; every change is audited with an
 * AUDIT_ADMIN record that names the user and what changed, never a secret.
 * Handlers fill *reply and return 0, or a negative errno for a protocol
 * violation.
 *
 * A user NSS does not know is UNKNOWN_USER; a device or source the user does
 * not have (or a user never seen here) is NOT_FOUND; a user without a
 * factor to remove gets NOT_ENROLLED.
 */
#pragma once

#include "vigild.h"

/* ADMIN_FACTOR_REMOVE: t->target must be "totp" (PROTOCOL otherwise). */
int admin_factor_remove(struct vigild *d, const struct peer *p, const struct vigil_admin_target *t,
                        struct vigil_msg *reply);
/* ADMIN_DEVICE_FORGET: t->target is a device fingerprint as vigilctl
 * status shows it. */
int admin_device_forget(struct vigild *d, const struct peer *p, const struct vigil_admin_target *t,
                        struct vigil_msg *reply);
/* ADMIN_SOURCE_FORGET: t->target is a source address. */
int admin_source_forget(struct vigild *d, const struct peer *p, const struct vigil_admin_target *t,
                        struct vigil_msg *reply);
/* ADMIN_RELOAD: a RELOAD_RESULT, OK or DENIED with the parser's error. */
int admin_reload(struct vigild *d, const struct peer *p, struct vigil_msg *reply);

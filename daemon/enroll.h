/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TOTP enrollment and the user's own view of their state: a pending secret
 * made and sealed by the daemon, shown once (URI, base32, QR), activated only
 * by a valid code; STATUS_QUERY.  (The admin's unlock is in admin.h.)  A
 * non-root caller acts only on itself (peer uid from SO_PEERCRED).  Handlers
 * fill *reply and return 0, or a negative errno for a protocol violation.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vigild.h"

/* Makes a new pending TOTP factor for user: secret sealed in the store,
 * *ret filled with what to show (a secret: the caller wipes it) and the
 * factor id in *ret_factor_id.  0 or a negative errno. */
int enroll_totp_start(struct vigild *d, int64_t user_id, const char *user, int64_t *ret_factor_id,
                      struct vigil_enroll_pending *ret);

/* Unseals the secret of factor t of user.  *ret_secret is heap memory the
 * caller wipes and frees (wipe_free).  0 or -EBADMSG / -ENOMEM. */
int enroll_totp_secret(struct vigild *d, const char *user, const struct store_totp *t, uint8_t **ret_secret,
                       size_t *ret_len);

int enroll_begin(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_user_request *req,
                 struct vigil_msg *reply);
/* answer is a secret: the caller wipes it. */
int enroll_confirm(struct vigild *d, const struct peer *p, struct exchange *x, const char *answer,
                   struct vigil_msg *reply);
int enroll_status(struct vigild *d, const struct peer *p, const struct vigil_user_request *req,
                  struct vigil_msg *reply);

/* Audits an event of user's TOTP factor (AUDIT_ENROLL, method totp): its
 * enrollment, or its removal by caller (NULL: none named). */
void enroll_audit(struct vigild *d, const char *user, const char *caller, const char *result, int priority,
                  const char *message);

void enroll_pending_free(struct enroll_pending *e);

/* The user a request names: "" means the caller; another name only for
 * root.  -EPERM otherwise; -ENOENT when root names an account NSS does not
 * know (a clear "no such user", and no row is made for it). */
int enroll_target_user(const struct peer *p, const char *asked, char out[VIGIL_USER_MAX + 1]);

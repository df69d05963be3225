/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verbs that show and end sessions and suspend users.  Who may ask is
 * the peer's uid from SO_PEERCRED: root (on either socket) for anyone's
 * sessions; any other user for its own only, and an id of another user's
 * session is NOT_FOUND to it, never PERMISSION, so that ids cannot be
 * probed.  Suspend and resume serve root on the admin socket only.  Each
 * fills *reply (SESSION_LIST_REPLY or a RESULT) and returns 0.
 */
#pragma once

#include "vigild.h"

/* SESSION_LIST: a page of open sessions by id, after req->after_id. */
int sessions_list(struct vigild *d, const struct peer *p, const struct vigil_session_list_request *req,
                  struct vigil_msg *reply);
/* SESSION_END: one session by id, or every open session of req->user (root,
 * or a user naming itself).  RESULT.remaining: the sessions ended; each is
 * ended and audited by session_end() with cause "revoked". */
int sessions_end(struct vigild *d, const struct peer *p, const struct vigil_session_end_request *req,
                 struct vigil_msg *reply);
/* ADMIN_USER_SUSPEND: stores the flag (new logins are denied), then ends the
 * user's sessions with cause "suspended"; RESULT.remaining: how many.
 * ADMIN_USER_RESUME clears the flag.  Both audited (AUDIT_ADMIN). */
int admin_user_suspend(struct vigild *d, const struct peer *p, const struct vigil_user_request *req,
                       struct vigil_msg *reply);
int admin_user_resume(struct vigild *d, const struct peer *p, const struct vigil_user_request *req,
                      struct vigil_msg *reply);

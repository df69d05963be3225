/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The read-only admin queries behind `vigilctl users`, `history`, `daemon`,
 * `config` and `report`.  Served on the admin socket to root only (peer uid from
 * SO_PEERCRED), whatever the message says; they write nothing.  Each fills
 * *reply (a page of at most VIGIL_LIST_MAX entries, or a RESULT refusal)
 * and returns 0.
 */
#pragma once

#include "vigild.h"

/* ADMIN_USERS: USER_LIST of the users after req->user, by name. */
int admin_users(struct vigild *d, const struct peer *p, const struct vigil_user_request *req, struct vigil_msg *reply);
/* ADMIN_HISTORY: HISTORY_PAGE; UNKNOWN_USER when req->user is a name NSS
 * does not know. */
int admin_history(struct vigild *d, const struct peer *p, const struct vigil_history_request *req,
                  struct vigil_msg *reply);
/* ADMIN_DAEMON: DAEMON_REPORT. */
int admin_daemon(struct vigild *d, const struct peer *p, struct vigil_msg *reply);
/* ADMIN_CONFIG: CONFIG_PAGE from req->offset (an offset past the end gives
 * an empty page with the total). */
int admin_config(struct vigild *d, const struct peer *p, const struct vigil_page_request *req, struct vigil_msg *reply);
/* ADMIN_REPORT: ROLLOUT_REPORT of the logins in [since, until) (until 0:
 * now). */
int admin_report(struct vigild *d, const struct peer *p, const struct vigil_report_request *req,
                 struct vigil_msg *reply);

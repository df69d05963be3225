/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigilctl simulate`: the decision a login would get now, computed by the
 * login flow's own context build and assessment (login_context.c, then
 * policy.c) in dry-run mode.  Writes nothing: no user row, no login
 * record, no failure, no watermark, no audit record.  Admin socket, root
 * only.
 */
#pragma once

#include "vigild.h"

/* ADMIN_SIMULATE: req as pam_vigil would send AUTH_BEGIN (tty "ssh" and
 * ssh_auth_info "publickey TYPE BASE64" for an sshd login with a key).  An
 * EXPLANATION (login_id "", outcome 0 when a step-up would be asked), or a
 * RESULT PERMISSION / INTERNAL. */
int admin_simulate(struct vigild *d, const struct peer *p, const struct vigil_login_request *req,
                   struct vigil_msg *reply);

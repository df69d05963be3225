/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sessions that follow a login: SESSION_OPEN registers one (root callers
 * only; the pid to watch is the caller's, from SO_PEERCRED) under the
 * concurrent-session limit, SESSION_CLOSE ends it.  Each fills a RESULT and
 * returns 0.
 */
#pragma once

#include "vigild.h"

int session_open(struct vigild *d, const struct peer *p, const struct vigil_session_request *req,
                 struct vigil_msg *reply);
int session_close(struct vigild *d, const struct peer *p, const struct vigil_session_request *req,
                  struct vigil_msg *reply);

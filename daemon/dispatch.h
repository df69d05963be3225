/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routes one decoded request to its handler after checking that this peer,
 * on this socket, may send it.  Returns 0 with *reply filled, or a negative
 * errno when the request breaks the protocol (the server then closes the
 * connection and keeps serving everyone else).
 */
#pragma once

#include "vigild.h"

int dispatch(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_msg *req,
             struct vigil_msg *reply);

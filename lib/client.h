/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of the daemon socket, shared by pam_vigil.so and vigilctl.
 * Non-blocking, close-on-exec, MSG_NOSIGNAL, bounded by a deadline; checks the
 * daemon before trusting it: the socket must be a socket owned by the expected
 * uid in a directory owned by that uid and not writable by others, and the
 * peer credentials (SO_PEERCRED) must carry that uid.  No signal handlers, no
 * alarm().  Depends on libc only; never logs.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "vigil/proto.h"

/* CLOCK_MONOTONIC in milliseconds. */
int64_t clock_now_ms(void);

/* Connects to the socket at path and checks it and its peer against
 * daemon_uid.  Returns 0 and a connected non-blocking fd in *ret_fd (caller
 * closes); -ENOENT no such socket (or no such directory), -EPERM wrong
 * owner/mode/type or peer, -ECONNREFUSED nobody listening, -EAGAIN the
 * listen backlog stayed full until the deadline (someone is listening, but
 * busy or flooded), -ETIMEDOUT deadline passed, other -errno. */
int client_connect(const char *path, uid_t daemon_uid, int64_t deadline_ms, int *ret_fd);

/* Sends req with request_id and waits for one reply frame, decoded into
 * *ret_reply.  Returns 0; -ETIMEDOUT at the deadline; -ECONNRESET when the
 * daemon closed; -EBADMSG/-E2BIG/-EPROTO for a bad frame, a request id that
 * does not match or a reply type that is not a reply.  The bytes of the frame
 * buffer that were used are wiped before return (they may carry an answer or
 * a secret).  Writes at most msg_size() of the reply's type into *ret_reply
 * (see msg_decode()); on failure what was written is wiped and the header
 * fields are zero (ret_reply->type is 0). */
int client_call(int fd, uint32_t request_id, const struct vigil_msg *req, struct vigil_msg *ret_reply,
                int64_t deadline_ms);

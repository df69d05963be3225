/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection to vigild one phase leaves in the PAM handle for the next
 * (auth for account, account for open_session), so a login pays for one
 * connect and one peer check, not one per phase.  A kept connection belongs
 * to the process and the socket path it was made for: any other process
 * (a child forked by sshd, say) or another socket= never uses it, so two
 * processes can never interleave frames on one socket.
 */
#pragma once

#include <stdint.h>
#include <security/pam_modules.h>

/* Hands fd (a connection to socket, whose next request id is next_id) to
 * the handle; whatever was kept before is closed first.  Always takes fd:
 * when it cannot be kept (no memory, PAM refuses) it is closed.  Returns 0
 * or a negative errno; either way the caller no longer has fd. */
int keep_put(pam_handle_t *pamh, const char *socket, int fd, uint32_t next_id);

/* Takes the kept connection out of the handle when it was made by this
 * process for socket: returns 1 and the fd (the caller owns it now) and its
 * next request id.  Returns 0 when there is none or it does not fit; one
 * that does not fit is dropped (this process's copy of it closed).  Writes
 * the out-parameters only when it returns 1. */
int keep_take(pam_handle_t *pamh, const char *socket, int *ret_fd, uint32_t *ret_next_id);

/* Closes this process's copy of the kept connection, if any, and forgets it. */
void keep_drop(pam_handle_t *pamh);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who is behind a local privilege change.  su and sudo are set-uid root: the
 * kernel says root is connected, but the person typing the answers is the
 * process's real uid.  That uid, read from /proc/PID/status of the peer that
 * SO_PEERCRED names (never from PAM_RUSER, which the caller fills in from
 * what it was told), is the party that failures, lockouts and waiting
 * prompts of a local login are charged to, so that one user's wrong codes
 * can never lock out another.  /proc text is untrusted and parsed strictly.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Room for a party string such as "uid=4294967295". */
#define CALLER_PARTY_MAX 32

/* The real uid of process pid.  Returns 0; -ESRCH if it is gone; -EBADMSG
 * if its status cannot be read as expected. */
int caller_real_uid(pid_t pid, uid_t *ret);

/* The party a local login by real uid ruid is charged to: "uid=N". */
void caller_party(uid_t ruid, char out[CALLER_PARTY_MAX]);

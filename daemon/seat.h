/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whether a process runs where a security key can be touched: in a login
 * session logind says is not remote.  Asked for su, sudo and vigilctl, the
 * callers that run inside someone's session: the session is read from the
 * process's cgroup, which no double fork, setsid or nohup leaves, unlike
 * the process ancestry Vigil's own session records are found by.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

enum seat_answer {
	SEAT_UNKNOWN = 0, /* no logind on this host: nothing to ask */
	SEAT_LOCAL,       /* in a session logind says is not remote */
	SEAT_REMOTE,      /* in a remote session, or in none (a service, a user unit) */
};

/* What logind says of pid's session.  Never fails: an error reading it is
 * SEAT_REMOTE (a key is then not offered; a code still is). */
enum seat_answer seat_of_pid(pid_t pid);

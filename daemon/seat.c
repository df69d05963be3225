/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * logind's view of a process's session (see seat.h), through sd-login,
 * which reads /proc/PID/cgroup and /run/systemd/sessions: no D-Bus call,
 * nothing that can block the event loop.
 */
#include <stdlib.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>

#include "seat.h"

enum seat_answer seat_of_pid(pid_t pid)
{
	char *session = NULL;
	int r;

	/* Without systemd as init there is no logind and no seat ACL on
	 * hidraw either: nothing to tell a local caller by. */
	if (sd_booted() <= 0)
		return SEAT_UNKNOWN;
	if (sd_pid_get_session(pid, &session) < 0)
		return SEAT_REMOTE;
	r = sd_session_is_remote(session);
	free(session);
	return r == 0 ? SEAT_LOCAL : SEAT_REMOTE;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * systemd-logind's view of a session's activity, where logind manages the
 * session's recorded process (sd_pid_get_session): the session's IdleHint,
 * IdleSinceHint and Type, read with one asynchronous GetAll over the system
 * bus attached to vigild's event loop.  A pass uses the answer the last one
 * got, and asks again if no question is outstanding: the loop never waits,
 * and a bus that is absent, slow or refuses changes nothing (no view).
 *
 * How the views combine (logind_idle_combine): activity is the latest of
 * what vigild observes itself (idle.h) and logind's last active moment:
 * - idle: IdleSinceHint, the moment logind saw the session go idle;
 * - not idle, graphical (x11, wayland, mir): now, the desktop says in use;
 * - not idle, any other type (tty, unspecified: ssh, sudo): IdleSinceHint,
 *   because there logind's IdleHint only turns true once IdleActionSec
 *   (30 minutes by default) passed, and IdleSinceHint is the terminal's
 *   access time; "not idle" is not a sign of use;
 * - IdleSinceHint 0 (logind knows nothing, e.g. a session without a
 *   terminal): nothing.
 * A moment later than now counts as now.  logind's view only ever adds
 * activity: it never makes a session idle that vigild sees in use.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct vigild;

struct logind_view {
	bool idle;      /* IdleHint */
	bool graphical; /* Type x11, wayland or mir */
	uint64_t since; /* IdleSinceHint, seconds since the epoch; 0 none */
};

/* The latest activity (seconds) from last (vigild's own) and v (NULL: no
 * view) at now, as described above. */
uint64_t logind_idle_combine(uint64_t last, const struct logind_view *v, uint64_t now);

struct logind_idle;
int logind_idle_new(struct logind_idle **ret);
void logind_idle_free(struct logind_idle *l);

/* The view last fetched for vigild's session id, whose recorded process is
 * pid; asks for a fresh one if none is outstanding.  -ENODATA while there
 * is no answer yet, -ENOENT if logind does not manage the process,
 * -ENOTCONN without an event loop or bus. */
int logind_idle_get(struct vigild *d, struct logind_idle *l, const char *id, uint32_t pid, struct logind_view *ret);

/* After a pass: forgets (and cancels the questions of) the sessions the
 * pass did not look at. */
void logind_idle_sweep(struct logind_idle *l);

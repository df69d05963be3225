/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ending sessions: vigild closes an open session in the store with its
 * cause, audits it once, and makes its process go.  Where systemd-logind
 * manages the session (sd_pid_get_session of the recorded pid), logind is
 * asked to TerminateSession; in any case the recorded process then gets
 * SIGHUP, SIGTERM after SESSION_END_GRACE_SEC and SIGKILL after another,
 * from timers on the event loop.  The process is held through a pidfd
 * opened while its start time still matched the recorded one, so a pid
 * reused by another process is never signalled.
 */
#pragma once

#include "vigild.h"

#define SESSION_END_GRACE_SEC 2

/* The causes an end is recorded and audited with (VIGIL_RESULT). */
#define SESSION_END_IDLE     "idle_end"
#define SESSION_END_LIFETIME "lifetime_end"
#define SESSION_END_REVOKED  "revoked"
#define SESSION_END_OLDEST   "ended_oldest"
#define SESSION_END_SUSPEND  "suspended"
#define SESSION_END_LOST     "lost"

/* Ends the open session session_id now with cause; by is who asked
 * ("uid=0", an admin's or the owner's uid) for a revocation, or NULL.
 * 0; -ENOENT if no open session has this id; another negative errno if the
 * store failed (nothing ended). */
int session_end(struct vigild *d, const char *session_id, const char *cause, const char *by);

/* Ends every open session of user with cause (suspension); the number
 * ended, or a negative errno. */
int session_end_user(struct vigild *d, const char *user, const char *cause, const char *by);

/* For a session already closed in the store (end_oldest closes its victims
 * in the open's transaction): the audit record and the process's end. */
void session_end_closed(struct vigild *d, const struct store_session *x, const char *by);

/* The audit record of a session event (open, close, end, warning). */
void session_audit(struct vigild *d, enum audit_event event, int priority, const struct store_session *s,
                   const char *result, const char *message, const char *by);

/* Stops the signal sequences in flight (daemon exit); the processes keep
 * whatever they were sent. */
void session_end_shutdown(struct vigild *d);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session watcher: a timer on the event loop that, every
 * SESSION_WATCH_INTERVAL_SEC, looks at every open session and ends those
 * whose process is gone (lost), whose lifetime ran out, or that stayed
 * idle (idle.h) past idle_timeout: a session with a terminal is first
 * warned there once, idle_warning seconds before its end, and ended if
 * still idle when the warning runs out.  Everything a countdown needs
 * (last activity, when the warning was written, the lifetime's end) is in
 * the store, so a restarted vigild neither forgets nor restarts one; only
 * the activity counters of sessions without a terminal live in memory (the
 * first look after a start is a baseline, never activity).
 */
#pragma once

#include "vigild.h"

/* Passes start every second, or, where there are so many sessions that a
 * pass takes long, SESSION_WATCH_DUTY times the pass's duration apart (the
 * watcher stays under about 1/DUTY of a CPU), up to the maximum: ends then
 * come that much late, never early. */
#define SESSION_WATCH_INTERVAL_SEC     1
#define SESSION_WATCH_INTERVAL_MAX_SEC 15
#define SESSION_WATCH_DUTY             20

/* Starts the timer on d->event.  0 or a negative errno. */
int session_watch_start(struct vigild *d);
/* One pass at now (the timer's work). */
void session_watch_pass(struct vigild *d, uint64_t now);
/* Stops the timer and frees what it remembers.  NULL-safe. */
void session_watch_stop(struct vigild *d);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The records of known-device logins, written after their answer.  A login
 * allowed without a factor writes history only (its record, and what it
 * teaches, which can only spare a later login a question): nothing a crash
 * must keep, and nothing its answer has to wait for.  Its record joins a
 * batch that one transaction writes once vigild has nothing else to do, or
 * once LOGIN_HISTORY_BATCH records wait, so under load many logins share a
 * commit (and a checkpoint's work); a record waits at most until the loop
 * is idle.  Whatever reads logins asks for the batch to be written first
 * (login_history_flush()).  A crash or a kill of vigild loses what waits:
 * at most LOGIN_HISTORY_BATCH records, never a watermark, factor or lock.
 */
#pragma once

#include "store.h"
#include "vigild.h"

#define LOGIN_HISTORY_BATCH 64

/* Queues l (state done) with its prefix and grant expiry, as
 * store_login_finish() would take them; writes it at once if it cannot be
 * queued (no event loop, no memory).  0, or the error of writing it then. */
int login_history_add(struct vigild *d, const struct store_login *l, const char *prefix, uint64_t grant_expires);
/* Writes what waits, in one transaction.  Logs a failure (the records are
 * history); never fails the caller. */
void login_history_flush(struct vigild *d);
/* Writes what waits and frees the batch's event source (at exit). */
void login_history_close(struct vigild *d);

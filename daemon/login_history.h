/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the account phase of an allowed login writes, written after its
 * answer.  A login allowed without a factor writes history only (its record,
 * and what it teaches, which can only spare a later login a question), and
 * so does the account phase of a step-up (what it teaches, and the grant
 * that spares the next login from that device the code; the code's
 * watermark was written, and synced, in auth): nothing a crash must keep,
 * and nothing the answer has to wait for.  It joins a batch that one
 * transaction writes once vigild has nothing else to do, or once
 * LOGIN_HISTORY_BATCH entries wait, so under load many logins share a
 * commit (and a checkpoint's work); an entry waits at most until the loop
 * is idle.  Whatever reads logins asks for the batch to be written first
 * (login_history_flush()), and so does the next login of the same user
 * (login_history_flush_user()).  A crash or a kill of vigild loses what
 * waits: at most LOGIN_HISTORY_BATCH entries, never a watermark, factor or
 * lock.
 */
#pragma once

#include <stdbool.h>

#include "store.h"
#include "vigild.h"

#define LOGIN_HISTORY_BATCH 64

/* Queues l (state done) with its prefix and grant expiry, as
 * store_login_finish() would take them; writes it at once if it cannot be
 * queued (no event loop, no memory).  0, or the error of writing it then. */
int login_history_add(struct vigild *d, const struct store_login *l, const char *prefix, uint64_t grant_expires);
/* Queues the account phase of the login auth recorded as login_id (a
 * step-up's): its claim and what it teaches, with its grant, as
 * store_login_commit() writes them.  The caller has checked, in this turn of
 * the loop, that the login is unclaimed, matches, and that its factor is
 * still there; an in-band enrollment's activation is never queued.  0, or
 * the error of writing it at once. */
int login_history_add_commit(struct vigild *d, const struct store_login *l, const char *prefix, uint64_t grant_expires);
/* Writes what waits if anything of user's does: a login assessed right
 * after another of the same user (an scp after the ssh that stepped up)
 * sees what that one taught, and its grant. */
void login_history_flush_user(struct vigild *d, const char *user);
/* Whether the account phase of login_id waits in the batch: that login id
 * is spent, as if written. */
bool login_history_claimed(const struct vigild *d, const char *login_id);
/* Writes what waits, in one transaction.  Logs a failure (the records are
 * history); never fails the caller. */
void login_history_flush(struct vigild *d);
/* Writes what waits and frees the batch's event source (at exit). */
void login_history_close(struct vigild *d);

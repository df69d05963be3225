/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allowed auth decisions not written yet.  A login that auth lets in
 * without a factor writes nothing a power cut must keep, and its account
 * phase follows within milliseconds, usually on the same connection: its
 * record waits in memory for that account phase, which writes it together
 * with what the login teaches, in one transaction.  If the account phase
 * never comes, the record is written when its connection closes (or the
 * next login on it begins), as auth would have written it.  An account
 * phase on another connection (sshd runs keyboard-interactive auth in a
 * child process) finds the record here by its id.  Lost in a crash of
 * vigild: its account phase then assesses the login afresh.
 */
#pragma once

#include "store.h"
#include "vigild.h"

struct login_deferred;

/* Keeps a copy of l (state pending) for x's connection, writing any record
 * x kept before.  0, or -ENOMEM: then the caller writes l itself. */
int login_deferred_keep(struct vigild *d, struct exchange *x, const struct store_login *l);
/* The record with this id, taken out of the registry (x's own first):
 * 0 with *ret filled, or -ENOENT. */
int login_deferred_take(struct vigild *d, struct exchange *x, const char *login_id, struct store_login *ret);
/* Whether x keeps the record with this id for this user: its user name was
 * made canonical moments ago on this very connection. */
bool login_deferred_mine(const struct exchange *x, const char *login_id, const char *user);
/* Writes the record x keeps, if any, as auth would have (state pending), and
 * forgets it.  Logs a failure; the record is history. */
void login_deferred_flush(struct vigild *d, struct exchange *x);
/* Writes l as a record no account phase claimed yet. */
void login_deferred_write(struct vigild *d, const struct store_login *l);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proving a factor before changing factors, shared by every vigilctl verb
 * that adds or removes one (key enroll, key add-ssh, key remove, recovery
 * generate, totp enroll, totp remove).  vigild holds the rule (a user who
 * holds a factor proves one, once per change, within its lifetime); this
 * side only answers the prompts on the same connection.
 */
#pragma once

#include "cli.h"

/* Sends FACTOR_PROVE for user ("" = the caller) on c and answers its
 * prompts: a touch of a security key, or a code read from the terminal
 * (echo off) or one line of stdin.  Prints the recovery codes left when one
 * was used.  Returns an enum cli_exit, having printed why on failure; what
 * names the verb in messages.  Wipes every frame that held a code. */
int cli_proof_run(struct cli_conn *c, const char *user, const char *what);

/* Sends req on c; if vigild answers RESULT PROOF_REQUIRED, says "Prove one
 * of your factors first:", runs cli_proof_run() and sends req again.
 * Returns 0 with the last answer in *ret_reply (which may be any message
 * the caller must judge), or an enum cli_exit after printing why.  req is
 * the caller's to wipe. */
int cli_change_call(struct cli_conn *c, const struct vigil_msg *req, struct vigil_msg *ret_reply, const char *user,
                    const char *what);

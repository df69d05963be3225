/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The login flow: AUTH_BEGIN scores a login and answers with a DECISION or a
 * PROMPT (state kept in the connection's exchange), AUTH_STEP checks the
 * answer to that prompt, ACCOUNT_CHECK enforces what auth decided or, when
 * auth never ran (sshd publickey-only), scores the login and denies if it
 * needed a step-up.  What a login teaches is written only by its account
 * phase (see login.c).  Each handler fills *reply and returns 0, or returns a
 * negative errno for a protocol violation (the connection is then closed).
 * Daemon-side failures are answered with DENY(internal): never allow.
 */
#pragma once

#include "vigild.h"

int login_begin(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_login_request *req,
                struct vigil_msg *reply);
/* answer is a secret: the caller wipes it. */
int login_step(struct vigild *d, const struct peer *p, struct exchange *x, const char *answer, struct vigil_msg *reply);
/* The answer to a FIDO2 PROMPT: a touch, or why there was none (then the
 * codes the policy offers, if any, from the same conversation). */
int login_assertion(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_assertion *a,
                    struct vigil_msg *reply);
int login_account(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_login_request *req,
                  struct vigil_msg *reply);

/* Writes the trust of a login auth allowed (decided, as the store has it),
 * once: for the account phase, or for a session opened by a stack whose
 * account phase does not run pam_vigil.  rhost and tty are for the audit
 * records.  Returns 0; -EALREADY if it was claimed before; -EEXIST or
 * -ENOENT if its in-band enrollment can no longer be activated (audited);
 * another negative errno from the store. */
int login_commit(struct vigild *d, const struct store_login *decided, const char *rhost, const char *tty, uint64_t now);

/* Who a pending login's prompt waits on, for the server's cap on waiting
 * prompts: the local caller ("uid=N") of su or sudo, or user@address of a
 * remote login.  Never the target user alone, or anyone could block a
 * user's logins by leaving prompts for that user waiting. */
const char *login_pending_key(const struct login_pending *l);

/* Frees a pending login (NULL safe). */
void login_pending_free(struct login_pending *l);

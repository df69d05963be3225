/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the daemon knows about one login attempt, and how it comes to know
 * it: who is asking (the peer from SO_PEERCRED; for a local privilege
 * change the real uid of the calling process, charged with its failures),
 * which account (the canonical NSS name), from which device and source
 * (sshd's key and address, or the login session a sudo or su runs in), and
 * how risky that is under the policy.  Trusts the PAM items only from a
 * root peer.  Used by the login flow (login.c) only.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "caller.h"
#include "factor.h"
#include "policy.h"
#include "vigild.h"

/* What the daemon knows about one login attempt. */
struct login_context {
	char user[VIGIL_USER_MAX + 1];
	char service[VIGIL_SERVICE_MAX + 1];
	char rhost[VIGIL_RHOST_MAX + 1];
	char tty[VIGIL_TTY_MAX + 1];
	char device[VIGIL_FINGERPRINT_MAX + 1];
	char source[VIGIL_ADDR_MAX + 1];
	char prefix[VIGIL_ADDR_MAX + 1];
	char key_type[64]; /* ssh key type, "" if none */
	/* A local privilege change: the invoking user ("uid=N"), who is
	 * charged with its failures.  "" for a remote login. */
	char party[CALLER_PARTY_MAX];
	uint32_t caller_uid; /* the peer's uid */
	/* Set by auth: the connection an allowed decision without a factor
	 * may wait on for its account phase (login_deferred.h); NULL: write
	 * it at once. */
	struct exchange *defer_to;
	struct peer peer; /* who asked, on which connection */
	int64_t user_id;  /* 0: a user the store has never seen (self-query) */
	uint64_t first_allowed;
	uint8_t factor_digits; /* of the active TOTP factor; 0 if none */
	/* The step-up methods this login may use, best first, and what the
	 * user holds (set by login_context_assess()). */
	struct factor_offer offer;
	/* A non-root user asking about itself: answered, never written. */
	bool self_query;
	/* The roll-out mode of the login's service (enum vigil_mode), set by
	 * login_context_assess(). */
	uint8_t mode;
	/* Allowed by the mode although the policy would not have: a
	 * learn- or shadow-mode login the policy would have refused or
	 * stepped up. */
	bool waived;
	/* Recorded but not learned from: a waived shadow-mode login (learn
	 * mode learns from what it waives). */
	bool observe_only;
	/* With waived: the denial reason enforcement would have given
	 * (NONE when it would have asked for a step-up), kept as the login's
	 * reason so a waived refusal still says why. */
	uint16_t shadow_reason;
	/* An sshd login whose key Vigil was not told (OpenSSH runs the account
	 * phase of a publickey-only login before it exposes the key): the
	 * device is unknown, always new, and never learned. */
	bool device_unknown;
	/* An sshd login whose public key, a first factor of this very user, is
	 * proven: the only path where in-band enrollment may be offered. */
	bool enroll_path;
	/* A login where a security key can be touched: no remote source, and
	 * for su and sudo a session logind does not call remote. */
	bool key_local;
	uint32_t score;
	uint32_t signals;
	/* What the policy said (enum vigil_verdict, enum vigil_prompt_why),
	 * kept with the login for `vigilctl explain`. */
	uint8_t verdict;
	uint8_t why;
	/* Asked by `vigilctl simulate`: assessed like any login, never
	 * written (not even the user's row). */
	bool dry_run;
};

/* Fills c from the request, trusting only what this peer may tell.
 * Returns 0; or a negative errno with the reason to deny in *ret_reason
 * (c names the user and service as far as they are known, for the audit). */
int login_context_build(struct vigild *d, const struct peer *p, const struct vigil_login_request *req,
                        struct login_context *c, uint16_t *ret_reason);
/* The same, for a request whose user name NSS made canonical moments ago
 * on the same connection (the account phase of a login whose auth decision
 * is kept there): no second lookup. */
int login_context_build_known(struct vigild *d, const struct peer *p, const struct vigil_login_request *req,
                              struct login_context *c, uint16_t *ret_reason);

/* Whether where c's attempts come from is locked: a remote address over its
 * failure rate, or a local caller that typed too many wrong codes for this
 * user (or, at the address rate, for anyone).  Returns 0 with *ret. */
int login_source_locked(struct vigild *d, const struct login_context *c, uint64_t now, bool *ret);

/* Scores c (its user row is made if new, except for a self-query or a
 * dry run, which write nothing) and asks the policy what to do, into *ret.  Returns 0 or
 * a negative errno from the store. */
int login_context_assess(struct vigild *d, struct login_context *c, uint64_t now, struct policy_verdict *ret);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy: turns a risk score and the login's circumstances into what the
 * daemon does: allow, step up, or deny.  Pure; no I/O.  A roll-out mode
 * (learn, shadow) is applied by the caller through policy_mode_apply(),
 * which says whether the verdict is waived; the caller audits the real
 * verdict and enforces allow.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

enum policy_action {
	POLICY_ALLOW = 0,
	POLICY_STEPUP,
	POLICY_DENY,
	POLICY_ENROLL,          /* step up by in-band enrollment (TOFU) */
	POLICY_ALLOW_NO_FACTOR, /* must step up, has no factor, admin allows: audited */
};

struct policy_input {
	const char *service;
	const char *rhost; /* may be "" */
	uint32_t score;
	uint64_t now;
	bool has_factor;             /* a factor the policy accepts and this path can use */
	bool enrolled;               /* any factor, usable here or not */
	bool enroll_path;            /* in-band enrollment is possible on this path:
	                                an sshd login whose public key is proven */
	uint64_t user_first_allowed; /* 0 = never: for the enrollment grace period */
	uint64_t grant_time;         /* newest step-up for user+device+source still
	                                within grant_lifetime; 0 = none */
	bool suspended;              /* account suspended by an admin */
	bool locked;                 /* user locked out now */
	bool source_locked;          /* the source (address, or local caller) is */
};

struct policy_verdict {
	enum policy_action action;
	uint16_t reason; /* enum vigil_reason, for DENY */
	uint8_t why;     /* enum vigil_prompt_why, for STEPUP / ENROLL */
};

void policy_decide(const struct vigil_config *c, const struct policy_input *in, struct policy_verdict *ret);

/* Whether in's verdict can depend on the user's factors or grant (has_factor,
 * enrolled, enroll_path, user_first_allowed, grant_time): only where, with no
 * grant, a step-up would be owed.  Where it cannot, policy_decide() decides
 * the same whatever they are, and the caller need not read them. */
bool policy_needs_factors(const struct vigil_config *c, const struct policy_input *in);

/* Whether a user with no factor may enroll one now without root: within
 * enroll_grace of the admin's enroll_since date if set, else of the
 * account's first allowed login (first_allowed, 0 = never: closed).  Never
 * when enroll_grace is 0.  Nobody can start this clock by naming a user. */
bool policy_enroll_open(const struct vigil_config *c, uint64_t first_allowed, uint64_t now);

/* What a roll-out mode makes of a verdict. */
struct policy_waiver {
	/* Allowed by the mode, not by the verdict: the verdict is audited as
	 * what enforcement would have done. */
	bool waived;
	/* With waived: the login teaches what an allowed login teaches
	 * (device, source, prefix, last success; never a grant), as in
	 * learn mode.  False in shadow mode: a login enforcement would have
	 * refused or stepped up teaches nothing. */
	bool learns;
};
/* Under enforce, for an allow verdict, or for a mode out of range, nothing
 * is waived: only an admin's explicit learn or shadow turns a refusal into
 * a login. */
void policy_mode_apply(enum vigil_mode m, enum policy_action a, struct policy_waiver *ret);

/* The wire name of an action (enum vigil_verdict), for the login record
 * and `vigilctl explain`. */
uint8_t policy_action_verdict(enum policy_action a);

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy: turns a risk score and the login's circumstances into what the
 * daemon does: allow, step up, or deny.  Pure; no I/O.  Shadow mode is
 * applied by the caller, which audits the real verdict and enforces allow.
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
	bool has_factor;             /* an active TOTP factor */
	bool enroll_path;            /* in-band enrollment is possible on this path:
	                                an sshd login whose public key is proven */
	uint64_t user_first_allowed; /* 0 = never: for the enrollment grace period */
	uint64_t grant_time;         /* newest step-up for user+device+source still
	                                within grant_lifetime; 0 = none */
	bool locked;                 /* user locked out now */
	bool source_locked;          /* the source (address, or local caller) is */
};

struct policy_verdict {
	enum policy_action action;
	uint16_t reason; /* enum vigil_reason, for DENY */
	uint8_t why;     /* enum vigil_prompt_why, for STEPUP / ENROLL */
};

void policy_decide(const struct vigil_config *c, const struct policy_input *in, struct policy_verdict *ret);

/* Whether a user with no factor may enroll one now without root: within
 * enroll_grace of the admin's enroll_since date if set, else of the
 * account's first allowed login (first_allowed, 0 = never: closed).  Never
 * when enroll_grace is 0.  Nobody can start this clock by naming a user. */
bool policy_enroll_open(const struct vigil_config *c, uint64_t first_allowed, uint64_t now);

/* The wire name of an action (enum vigil_verdict), for the login record
 * and `vigilctl explain`. */
uint8_t policy_action_verdict(enum policy_action a);

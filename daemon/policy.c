/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy (see policy.h): the order of the checks is the policy.  Network
 * lists first (they are absolute), then lockout, then the score's deny band,
 * then whether a step-up is owed (score band, or a privileged service
 * without a fresh enough grant), and last what to do for a user with no
 * factor.  Times that run backwards (a grant or first appearance in the
 * future) never make a login look fresher than it is.
 */
#include <stdbool.h>
#include <stdint.h>

#include "vigil/proto.h"
#include "policy.h"

/* True if then is at most window seconds before now (and not after it). */
static bool within(uint64_t now, uint64_t then, uint64_t window)
{
	return now >= then && now - then <= window;
}

/* Steps 1 to 4, which read neither the user's factors nor what they hold:
 * true with *v the verdict, or false when a step-up is owed (v->why says
 * why) and step 5 decides how. */
static bool decide_until_stepup(const struct vigil_config *c, const struct policy_input *in, struct policy_verdict *v)
{
	struct service_view sv;
	bool fresh_needed, risk_needed;

	/* 1. Network lists; a local login (no rhost) is not subject to them. */
	if (in->rhost && in->rhost[0]) {
		if (cidr_list_match(c->deny, c->n_deny, in->rhost) ||
		    (c->n_allow > 0 && !cidr_list_match(c->allow, c->n_allow, in->rhost))) {
			v->reason = VIGIL_REASON_NETWORK;
			return true;
		}
	}

	/* 2. Suspension, then lockout: of the user, or of where the
	 * attempts come from. */
	if (in->suspended) {
		v->reason = VIGIL_REASON_SUSPENDED;
		return true;
	}
	if (in->locked) {
		v->reason = VIGIL_REASON_LOCKED;
		return true;
	}
	if (in->source_locked) {
		v->reason = VIGIL_REASON_SOURCE_LOCKED;
		return true;
	}

	/* 3. The deny band. */
	config_service(c, in->service, &sv);
	if (in->score >= sv.deny_at) {
		v->reason = VIGIL_REASON_RISK;
		return true;
	}

	/* 4. Is a step-up owed?  Any unexpired grant for this user, device and
	 * source satisfies the score band; a privileged service also wants it
	 * fresh. */
	fresh_needed = sv.privileged && sv.fresh_window > 0 &&
	               !(in->grant_time && within(in->now, in->grant_time, sv.fresh_window));
	risk_needed = in->score >= sv.stepup_at && in->grant_time == 0;
	if (!fresh_needed && !risk_needed) {
		v->action = POLICY_ALLOW;
		return true;
	}
	v->why = risk_needed ? VIGIL_WHY_RISK : VIGIL_WHY_FRESH;
	return false;
}

bool policy_needs_factors(const struct vigil_config *c, const struct policy_input *in)
{
	struct policy_input without = *in;
	struct policy_verdict v = {POLICY_DENY, VIGIL_REASON_NONE, VIGIL_WHY_RISK};

	/* A grant only ever lifts a step-up that steps 1 to 4 owe: where they
	 * decide without one, they decide the same with any. */
	without.grant_time = 0;
	return !decide_until_stepup(c, &without, &v);
}

void policy_decide(const struct vigil_config *c, const struct policy_input *in, struct policy_verdict *ret)
{
	struct policy_verdict v = {POLICY_DENY, VIGIL_REASON_NONE, VIGIL_WHY_RISK};

	if (decide_until_stepup(c, in, &v))
		goto out;

	/* 5. How. */
	if (in->has_factor) {
		v.action = POLICY_STEPUP;
		goto out;
	}
	/* Factors, but none the policy accepts here (a key on a remote
	 * login, a code in the strong band): no enrollment can help. */
	if (in->enrolled) {
		v.reason = VIGIL_REASON_NO_USABLE_FACTOR;
		goto out;
	}
	switch (c->no_factor) {
	case NO_FACTOR_ENROLL:
		if (in->enroll_path && policy_enroll_open(c, in->user_first_allowed, in->now)) {
			v.action = POLICY_ENROLL;
			v.why = VIGIL_WHY_ENROLL;
		} else
			v.reason = VIGIL_REASON_NOT_ENROLLED;
		break;
	case NO_FACTOR_ALLOW:
		v.action = POLICY_ALLOW_NO_FACTOR;
		break;
	case NO_FACTOR_DENY:
	default:
		v.reason = VIGIL_REASON_NOT_ENROLLED;
		break;
	}
out:
	*ret = v;
}

bool policy_enroll_open(const struct vigil_config *c, uint64_t first_allowed, uint64_t now)
{
	uint64_t start = c->enroll_since ? c->enroll_since : first_allowed;

	return c->enroll_grace > 0 && start > 0 && within(now, start, c->enroll_grace);
}

uint8_t policy_action_verdict(enum policy_action a)
{
	switch (a) {
	case POLICY_ALLOW:
		return VIGIL_VERDICT_ALLOW;
	case POLICY_STEPUP:
		return VIGIL_VERDICT_STEPUP;
	case POLICY_DENY:
		return VIGIL_VERDICT_DENY;
	case POLICY_ENROLL:
		return VIGIL_VERDICT_ENROLL;
	case POLICY_ALLOW_NO_FACTOR:
		return VIGIL_VERDICT_ALLOW_NO_FACTOR;
	}
	return VIGIL_VERDICT_UNKNOWN;
}

void policy_mode_apply(enum vigil_mode m, enum policy_action a, struct policy_waiver *ret)
{
	struct policy_waiver w = {false, false};

	/* An allow verdict is an allow in every mode, and learns as one. */
	if (a != POLICY_ALLOW) {
		if (m == VIGIL_MODE_SHADOW)
			w.waived = true;
		else if (m == VIGIL_MODE_LEARN)
			w = (struct policy_waiver){true, true};
	}
	*ret = w;
}

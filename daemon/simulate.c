/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Simulating a login (see simulate.h).  The request comes from root on the
 * admin socket and stands for what pam_vigil would send; the context is
 * built by login_context_build() exactly as for a login from this peer (a
 * local service's caller is then vigilctl's real uid, as it is pamtester's
 * or sudo's for a real one), and assessed with dry_run set, so the store
 * is only read.
 */
#include <errno.h>
#include <string.h>

#include "explain.h"
#include "log.h"
#include "login_context.h"
#include "simulate.h"

/* What a login with this verdict would get: decided now, or (0) only once
 * its step-up is answered.  Learn and shadow mode allow whatever the
 * verdict (*ret_mode: the mode that did, 0 for none). */
static uint8_t outcome_of(enum vigil_mode m, enum policy_action a, bool assessed, uint8_t *ret_mode)
{
	struct policy_waiver w;

	policy_mode_apply(m, a, &w);
	*ret_mode = assessed && w.waived ? (uint8_t)m : 0;
	if (*ret_mode || a == POLICY_ALLOW || a == POLICY_ALLOW_NO_FACTOR)
		return VIGIL_OUTCOME_ALLOW;
	if (a == POLICY_DENY)
		return VIGIL_OUTCOME_DENY;
	return 0;
}

int admin_simulate(struct vigild *d, const struct peer *p, const struct vigil_login_request *req,
                   struct vigil_msg *reply)
{
	struct vigil_explanation *e = &reply->u.explain;
	struct policy_verdict v = {POLICY_DENY, VIGIL_REASON_INTERNAL, VIGIL_WHY_RISK};
	struct login_context c;
	uint16_t reason = VIGIL_REASON_INTERNAL;
	uint8_t mode = 0;
	int r;

	if (!peer_is_admin(p)) {
		vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
		return 0;
	}
	r = login_context_build(d, p, req, &c, &reason);
	if (r == 0) {
		c.dry_run = true;
		r = login_context_assess(d, &c, vigild_now(), &v);
		if (r < 0) {
			log_msg(LOG_ERR, "simulating a login of %s failed: %s", c.user, strerror(-r));
			reason = VIGIL_REASON_INTERNAL;
		}
	}
	/* A login refused while its context is built, or whose assessment
	 * fails, is denied with that reason, as login_begin() does. */
	if (r < 0)
		v = (struct policy_verdict){POLICY_DENY, reason, VIGIL_WHY_RISK};
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_EXPLANATION;
	strcpy(e->user, c.user);
	strcpy(e->service, c.service);
	strcpy(e->source, c.source);
	strcpy(e->device, c.device);
	e->time = vigild_now();
	/* Learn and shadow mode cover what was assessed; a refusal before
	 * that (an unknown user, a store error) stands, as in login_begin(). */
	e->outcome = outcome_of((enum vigil_mode)c.mode, v.action, r == 0, &mode);
	e->verdict = policy_action_verdict(v.action);
	e->why = v.why;
	e->shadow = mode;
	e->reason = v.action == POLICY_DENY ? v.reason : VIGIL_REASON_NONE;
	e->score = c.score;
	e->signals = c.signals;
	explain_fill(d->config, e, true);
	return 0;
}

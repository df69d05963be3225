/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The login flow (see login.h).  Trusts the peer credentials handed in by
 * the server (SO_PEERCRED) and the PAM items only from a root peer; a
 * non-root peer may ask only about itself, what it says about hosts and keys
 * is ignored, and its questions write nothing.  Every store failure ends in
 * DENY(internal).
 *
 * Who pays for a failure: a remote login's wrong codes count against the
 * user and the address; a local privilege change's (su, sudo, any service
 * the request names no address for) against the invoking user, the real uid
 * of the calling process, for that target only.  One user's wrong codes can
 * never lock another out.
 *
 * When trust is written: auth records its decision and, the moment a code is
 * accepted, the factor's replay watermark; what the login teaches (device,
 * source, grant, an in-band enrollment) waits for the account phase, which
 * runs only once the whole auth stack has passed, and claims the login id
 * once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enroll.h"
#include "factor.h"
#include "factor_kinds.h"
#include "log.h"
#include "login.h"
#include "login_context.h"
#include "login_deferred.h"
#include "login_history.h"
#include "origin.h"
#include "policy.h"
#include "proto.h"
#include "reason_text.h"
#include "totp.h"
#include "wipe.h"

/* How long the decision of auth stands for the account phase that follows
 * it (sshd and sudo run them back to back). */
#define LOGIN_ID_LIFETIME 300
/* Replayed codes one prompt answers with "wait for the next one" before it
 * gives up: not guesses, but not an endless loop either. */
#define LOGIN_REPLAYS_MAX 3

struct login_pending {
	struct login_context ctx;
	char key[VIGIL_USER_MAX + VIGIL_ADDR_MAX + 2]; /* see login_pending_key() */
	uint8_t kind;                                  /* enum vigil_prompt_kind */
	int64_t factor_id;                             /* the pending factor of an in-band enrollment */
	unsigned replays;
	struct factor_state fstate; /* the fido2 challenge of the prompt */
	bool fell_back;             /* the key was not used: codes only from here */
};

const char *login_pending_key(const struct login_pending *l)
{
	return l->key;
}

void login_pending_free(struct login_pending *l)
{
	wipe_free(l, sizeof(*l));
}

static const char *action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_ALLOW:
		return "allow";
	case POLICY_STEPUP:
		return "stepup";
	case POLICY_DENY:
		return "deny";
	case POLICY_ENROLL:
		return "enroll";
	case POLICY_ALLOW_NO_FACTOR:
		return "allow_no_factor";
	}
	return "unknown";
}

static void audit_record_login(struct vigild *d, enum audit_event event, int priority, const struct login_context *c,
                               const char *decision, const char *reason, const char *method, const char *result,
                               const char *login_id, int shadow, const char *message, const struct factor_label *label)
{
	struct audit_record r = {
	    .event = event,
	    .priority = priority,
	    .message = message,
	    .user = c->user,
	    .service = c->service,
	    .rhost = c->rhost[0] ? c->rhost : NULL,
	    .tty = c->tty[0] ? c->tty : NULL,
	    .caller = c->party[0] ? c->party : NULL,
	    .device = c->device,
	    .pam_pid = c->peer.pid > 0 ? (uint32_t)c->peer.pid : 0,
	    .login_id = login_id && login_id[0] ? login_id : NULL,
	    .decision = decision,
	    .reason = reason,
	    .method = method,
	    .result = result,
	    .score = c->score,
	    .signals = c->signals,
	    .shadow = shadow,
	    /* Every record of a login decided under learn or shadow says so. */
	    .mode = c->mode != VIGIL_MODE_ENFORCE ? config_mode_name((enum vigil_mode)c->mode) : NULL,
	    .key_name = label && label->key_name[0] ? label->key_name : NULL,
	    .key_id = label && label->key_id[0] ? label->key_id : NULL,
	    .recovery_told = label && label->recovery_told,
	    .recovery_left = label ? label->recovery_left : 0,
	};

	/* A user's questions about itself decide nothing: no record, or one
	 * user could fill the journal. */
	if (c->self_query)
		return;
	stats_note(&d->stats, &r);
	audit_emit(d->audit, &r);
}

static void audit_login(struct vigild *d, enum audit_event event, int priority, const struct login_context *c,
                        const char *decision, uint16_t reason, const char *method, const char *result,
                        const char *login_id, int shadow, const char *message)
{
	audit_record_login(d, event, priority, c, decision, reason != VIGIL_REASON_NONE ? reason_name(reason) : NULL,
	                   method, result, login_id, shadow, message, NULL);
}

/* A step-up's result, naming the factor that gave the answer (use: the key
 * or recovery code it was checked against; NULL for none). */
static void audit_stepup(struct vigild *d, int priority, const struct login_context *c, uint16_t reason,
                         const char *method, const char *result, const char *login_id,
                         const struct store_factor_use *use, const char *message)
{
	struct factor_label label;

	factor_describe(&c->offer, use, &label);
	audit_record_login(d, AUDIT_STEPUP, priority, c, NULL, reason != VIGIL_REASON_NONE ? reason_name(reason) : NULL,
	                   method, result, login_id, 0, message, &label);
}

/* A decision record: every one carries a reason (reason_text.h), and its
 * MESSAGE says the decision and the reason in words. */
static void audit_decision(struct vigild *d, int priority, const struct login_context *c, const char *decision,
                           const char *reason, const char *method, const char *login_id, int shadow)
{
	char phrase[192], message[256];

	reason_phrase(decision, reason, phrase, sizeof(phrase));
	/* A shadow or learn record is what enforcement would have done. */
	snprintf(message, sizeof(message), "%s%s",
	         !shadow                       ? ""
	         : c->mode == VIGIL_MODE_LEARN ? "learn mode, not enforced: "
	                                       : "shadow mode, not enforced: ",
	         phrase);
	audit_record_login(d, AUDIT_DECISION, priority, c, decision, reason, method, NULL, login_id, shadow, message,
	                   NULL);
}

/* Why a login is allowed, from how (method) and, for one that proved
 * nothing, whether its score alone let it in or a grant did (the policy
 * lets a login in without a step-up only below stepup_at, or with a
 * grant; a privileged service with a fresh window always needs one). */
static const char *allow_reason(struct vigild *d, const struct login_context *c, const char *method)
{
	struct service_view sv;

	if (method && strcmp(method, "shadow") == 0)
		return REASON_SHADOW;
	if (method && strcmp(method, "learn") == 0)
		return REASON_LEARN;
	if (method && strcmp(method, "no_factor") == 0)
		return reason_name(VIGIL_REASON_NOT_ENROLLED);
	if (method && strcmp(method, "none") != 0)
		return REASON_STEPPED_UP;
	config_service(d->config, c->service, &sv);
	return c->score < sv.stepup_at && !(sv.privileged && sv.fresh_window > 0) ? REASON_LOW_RISK : REASON_GRANT;
}

/* Why a verdict that is not an allow asks for what it asks. */
static const char *verdict_reason(const struct policy_verdict *v)
{
	switch (v->action) {
	case POLICY_STEPUP:
		return v->why == VIGIL_WHY_FRESH ? REASON_FRESH : reason_name(VIGIL_REASON_RISK);
	case POLICY_ENROLL:
	case POLICY_ALLOW_NO_FACTOR:
		return reason_name(VIGIL_REASON_NOT_ENROLLED);
	case POLICY_DENY:
		return reason_name(v->reason);
	case POLICY_ALLOW:
		break;
	}
	return REASON_LOW_RISK;
}

static void reply_decision(struct vigil_msg *reply, uint8_t outcome, uint16_t reason, const struct login_context *c,
                           const char *login_id)
{
	/* The member of this type only: the encoder reads nothing else, and
	 * the whole message is some 28 KiB. */
	reply->type = VIGIL_MSG_DECISION;
	memset(&reply->u.decision, 0, sizeof(reply->u.decision));
	reply->u.decision.outcome = outcome;
	reply->u.decision.reason = reason;
	reply->u.decision.score = c->score;
	reply->u.decision.signals = c->signals;
	if (login_id)
		snprintf(reply->u.decision.login_id, sizeof(reply->u.decision.login_id), "%s", login_id);
}

/* Where the account phase starts.  The decision of an account phase (a
 * publickey-only sshd login, which never ran auth) is already the last
 * word, and commits at once. */
enum login_phase {
	PHASE_AUTH,
	PHASE_ACCOUNT,
};

/* Records a login that ends here, in one transaction, and answers with its
 * DECISION.  use: the factor this login proved (its watermark is written in
 * the same transaction; an in-band enrollment is carried to the commit), or
 * NULL.  Returns 0 with *reply filled; or, when the factor refuses the step
 * (-EALREADY: a replay, lost to a concurrent login with the same code), that
 * error with nothing written, for the caller to treat as a replay. */
static int finish(struct vigild *d, const struct login_context *c, enum login_phase phase, uint8_t outcome,
                  uint16_t reason, const char *method, const struct store_factor_use *use, uint64_t now,
                  struct vigil_msg *reply)
{
	struct store_login l = {0};
	int r;

	if (c->self_query) {
		/* Answered, never recorded, and no id: an id made by a user's
		 * own question must never pass for a login. */
		reply_decision(reply, outcome, reason, c, NULL);
		return 0;
	}
	/* Asked of the kernel again only after a factor was checked: that
	 * can take time; anything else was decided as the request came. */
	if (outcome == VIGIL_OUTCOME_ALLOW && (use ? peer_hung_up(&c->peer) : peer_hung_up_seen(&c->peer))) {
		/* The module gave up waiting (its timeout passed while vigild
		 * was busy): nobody will be let in by this answer, so it must
		 * not stand as an allowed login either.  A code it proved
		 * still moves the watermark. */
		log_msg(LOG_NOTICE, "the caller of a login of %s hung up before the answer: recorded as denied",
		        c->user);
		outcome = VIGIL_OUTCOME_DENY;
		reason = VIGIL_REASON_INTERNAL;
	}
	if ((r = store_login_new_id(d->store, l.login_id, sizeof(l.login_id))) < 0)
		goto fail;
	l.user_id = c->user_id;
	strcpy(l.user, c->user);
	strcpy(l.service, c->service);
	strcpy(l.device, c->device);
	strcpy(l.source, c->source);
	strcpy(l.party, c->party);
	l.caller_uid = c->caller_uid;
	l.score = c->score;
	l.signals = c->signals;
	l.outcome = outcome;
	l.stepped_up = use != NULL && outcome == VIGIL_OUTCOME_ALLOW;
	l.time = now;
	l.learn = !c->observe_only;
	/* A waived login keeps the reason enforcement would have given. */
	l.reason = c->waived ? c->shadow_reason : reason;
	l.verdict = c->verdict;
	l.why = c->why;
	/* The mode it was decided under (0 enforce, 1 shadow, 2 learn): with
	 * a verdict other than allow, the mode let it in. */
	l.mode = c->mode;
	if (outcome != VIGIL_OUTCOME_ALLOW || phase == PHASE_ACCOUNT)
		l.state = STORE_LOGIN_DONE;
	else
		l.state = c->observe_only ? STORE_LOGIN_PENDING_OBSERVE : STORE_LOGIN_PENDING;
	if (use && use->activate) {
		l.activate_factor = use->factor_id;
		l.activate_step = use->step;
	}
	if (use) {
		l.method = use->kind;
		l.factor_id = use->factor_id;
	}
	/* Allowed by auth with no factor: nothing to make durable, and the
	 * account phase follows at once; it writes the record with what the
	 * login teaches. */
	if (!use && outcome == VIGIL_OUTCOME_ALLOW && phase == PHASE_AUTH && c->defer_to &&
	    login_deferred_keep(d, c->defer_to, &l) == 0)
		r = 0;
	else
		r = store_login_finish(d->store, &l, c->prefix, now + d->config->grant_lifetime, use);
	if (use && (r == -EALREADY || r == -ENOENT))
		return r;
	if (r < 0)
		goto fail;

	if (use)
		audit_stepup(d, LOG_INFO, c, VIGIL_REASON_NONE, method, "ok", l.login_id, use,
		             use->activate                        ? "first code of an in-band enrollment accepted"
		             : use->kind == VIGIL_FACTOR_RECOVERY ? "step-up succeeded with a recovery code"
		                                                  : "step-up succeeded");
	if (outcome == VIGIL_OUTCOME_ALLOW)
		audit_decision(d, LOG_INFO, c, "allow", allow_reason(d, c, method), method, l.login_id, 0);
	else
		audit_decision(d, LOG_WARNING, c, "deny", reason_name(reason), method, l.login_id, 0);
	reply_decision(reply, outcome, reason, c, l.login_id);
	if (use && use->kind == VIGIL_FACTOR_RECOVERY && outcome == VIGIL_OUTCOME_ALLOW) {
		struct factor_label label;

		factor_describe(&c->offer, use, &label);
		reply->u.decision.recovery_used = 1;
		reply->u.decision.recovery_left = (uint16_t)label.recovery_left;
	}
	return 0;
fail:
	log_msg(LOG_ERR, "recording the login of %s failed: %s", c->user, strerror(-r));
	audit_decision(d, LOG_ERR, c, "deny", reason_name(VIGIL_REASON_INTERNAL), method, NULL, 0);
	reply_decision(reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_INTERNAL, c, NULL);
	return 0;
}

static void deny_internal(struct vigild *d, const struct login_context *c, int error, struct vigil_msg *reply)
{
	log_msg(LOG_ERR, "assessing the login of %s failed: %s", c->user[0] ? c->user : "?", strerror(-error));
	audit_decision(d, LOG_ERR, c, "deny", reason_name(VIGIL_REASON_INTERNAL), NULL, NULL, 0);
	reply_decision(reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_INTERNAL, c, NULL);
}

/* Learn and shadow mode: the verdict is audited as it would have been, and
 * allowed.  Shadow mode learns nothing from a login the policy would have
 * refused or stepped up; learn mode learns from it what an allowed login
 * teaches (never a grant: no factor was proved). */
static bool waived(struct vigild *d, struct login_context *c, const struct policy_verdict *v)
{
	struct policy_waiver w;

	/* A suspension is an admin's order, not a risk verdict: no roll-out
	 * mode waives it. */
	if (v->action == POLICY_DENY && v->reason == VIGIL_REASON_SUSPENDED)
		return false;
	policy_mode_apply((enum vigil_mode)c->mode, v->action, &w);
	if (!w.waived)
		return false;
	c->waived = true;
	c->observe_only = !w.learns;
	c->shadow_reason = v->action == POLICY_DENY ? v->reason : VIGIL_REASON_NONE;
	audit_decision(d, LOG_NOTICE, c, action_name(v->action), verdict_reason(v), NULL, NULL, 1);
	return true;
}

/* Ends a login its verdict settles without a prompt: allowed (or, in
 * learn or shadow mode, allowed whatever the verdict) or denied.  A user asking
 * about itself cannot step up: what would need a prompt is refused.
 * Returns true with *reply filled; false when the verdict asks for a
 * step-up or an in-band enrollment. */
static bool settle(struct vigild *d, struct login_context *c, enum login_phase phase, const struct policy_verdict *v,
                   uint64_t now, struct vigil_msg *reply)
{
	if (waived(d, c, v))
		finish(d, c, phase, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE,
		       c->mode == VIGIL_MODE_LEARN ? "learn" : "shadow", NULL, now, reply);
	else if (v->action == POLICY_ALLOW)
		finish(d, c, phase, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, "none", NULL, now, reply);
	else if (v->action == POLICY_ALLOW_NO_FACTOR)
		finish(d, c, phase, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, "no_factor", NULL, now, reply);
	else if (v->action == POLICY_DENY)
		finish(d, c, phase, VIGIL_OUTCOME_DENY, v->reason, NULL, NULL, now, reply);
	else if (c->self_query)
		finish(d, c, phase, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_NOT_DONE, NULL, NULL, now, reply);
	else
		return false;
	return true;
}

static void prompt_fill(struct vigild *d, const struct login_context *c, uint8_t kind, uint8_t why,
                        uint8_t attempts_left, struct vigil_msg *reply)
{
	reply->type = VIGIL_MSG_PROMPT;
	memset(&reply->u.prompt, 0, sizeof(reply->u.prompt));
	reply->u.prompt.kind = kind;
	reply->u.prompt.why = why;
	/* An enrolled factor keeps the digits it was made with; a new one
	 * takes the configured length. */
	reply->u.prompt.digits = c->factor_digits ? c->factor_digits : (uint8_t)d->config->totp_digits;
	reply->u.prompt.attempts_left = attempts_left;
	reply->u.prompt.signals = c->signals;
}

/* The prompt for the best method l may still use: the first of its offer
 * that prompts (a security key until it was not used, then codes).  The
 * methods field tells the module what else the user may answer with.
 * Returns 0 with *reply filled; -ENOENT when nothing is left to ask. */
static int prompt_next(struct vigild *d, struct login_pending *l, uint8_t why, uint8_t left, struct vigil_msg *reply)
{
	int r;

	prompt_fill(d, &l->ctx, 0, why, left, reply);
	if ((r = factor_prompt(d, &l->ctx.offer, l->fell_back, &l->fstate, &reply->u.prompt)) < 0)
		return r;
	l->kind = reply->u.prompt.kind;
	return 0;
}

/* Failures that count toward this login's lockout: the user's (remote), or
 * the local caller's for this user. */
static int failures_charged(struct vigild *d, const struct login_context *c, uint64_t now, uint32_t *ret)
{
	uint64_t since = now - d->config->lockout_interval;

	if (c->party[0])
		return store_failures_party(d->store, c->party, c->user, since, ret);
	return store_failures_user(d->store, c->user, since, ret);
}

/* Failures left before whoever is typing is locked out. */
static uint8_t attempts_left(struct vigild *d, const struct login_context *c, uint64_t now)
{
	uint32_t failures = 0;

	if (failures_charged(d, c, now, &failures) < 0)
		return 0;
	return failures >= d->config->lockout_deny ? 0 : (uint8_t)(d->config->lockout_deny - failures);
}

/* The method a pending prompt asks for, as records name it. */
static const char *prompt_method(const struct login_pending *l)
{
	switch (l->kind) {
	case VIGIL_PROMPT_FIDO2:
		return method_name(VIGIL_FACTOR_FIDO2);
	case VIGIL_PROMPT_ENROLL_TOTP:
		return "tofu";
	default:
		/* A code prompt takes TOTP unless only recovery is offered. */
		return factor_offer_code_bits(&l->ctx.offer) & VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP)
		           ? method_name(VIGIL_FACTOR_TOTP)
		           : method_name(VIGIL_FACTOR_RECOVERY);
	}
}

/* A step-up the login itself proves: sshd authenticated it with an
 * OpenSSH security key the user enrolled.  Taken wherever ssh-sk stands in
 * the methods: it asks the user nothing. */
static int stepup_by_login(struct vigild *d, struct login_context *c, const struct policy_verdict *v, uint64_t now,
                           struct vigil_msg *reply)
{
	struct store_factor_use use;
	const char *method = method_name(VIGIL_FACTOR_SSH_SK), *result;
	int r;

	audit_decision(d, LOG_INFO, c, action_name(v->action), verdict_reason(v), method, NULL, 0);
	result = factor_ssh_sk.verify(d, &c->offer, c->user_id, c->user, NULL, NULL, now, &use);
	if (strcmp(result, "ok") != 0) {
		deny_internal(d, c, -ENOENT, reply);
		return 0;
	}
	r = finish(d, c, PHASE_AUTH, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, method, &use, now, reply);
	if (r < 0)
		/* The key was removed in the meantime. */
		finish(d, c, PHASE_AUTH, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_FAILED, method, NULL, now, reply);
	return 0;
}

int login_begin(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_login_request *req,
                struct vigil_msg *reply)
{
	struct login_pending *pending = NULL;
	struct policy_verdict v;
	struct login_context c;
	uint16_t reason = VIGIL_REASON_INTERNAL;
	uint64_t now = vigild_now();
	uint8_t left;
	int r;

	login_pending_free(x->login);
	x->login = NULL;

	if ((r = login_context_build(d, p, req, &c, &reason)) < 0) {
		audit_decision(d, LOG_WARNING, &c, "deny", reason_name(reason), NULL, NULL, 0);
		reply_decision(reply, VIGIL_OUTCOME_DENY, reason, &c, NULL);
		return 0;
	}
	if ((r = login_context_assess(d, &c, now, &v)) < 0) {
		deny_internal(d, &c, r, reply);
		return 0;
	}
	c.defer_to = x;
	if (settle(d, &c, PHASE_AUTH, &v, now, reply))
		return 0;
	c.defer_to = NULL;
	if (v.action == POLICY_STEPUP && c.offer.ssh_sk_key >= 0)
		return stepup_by_login(d, &c, &v, now, reply);

	pending = calloc(1, sizeof(*pending));
	if (!pending) {
		deny_internal(d, &c, -ENOMEM, reply);
		return 0;
	}
	pending->ctx = c;
	/* Waiting prompts are capped by who waits: the local caller, or the
	 * user at an address. */
	if (c.party[0])
		snprintf(pending->key, sizeof(pending->key), "%s", c.party);
	else
		snprintf(pending->key, sizeof(pending->key), "%s@%s", c.user, c.source);
	left = attempts_left(d, &c, now);
	if (v.action == POLICY_STEPUP) {
		/* Recent failures: the user is told how close the lockout is. */
		r = prompt_next(d, pending, left < d->config->lockout_deny ? VIGIL_WHY_RETRY : v.why, left, reply);
		if (r < 0) {
			login_pending_free(pending);
			deny_internal(d, &c, r, reply);
			return 0;
		}
	} else {
		struct vigil_enroll_pending *shown = calloc(1, sizeof(*shown));

		if (!shown || (r = enroll_totp_start(d, c.user_id, c.user, &pending->factor_id, shown)) < 0) {
			wipe_free(shown, sizeof(*shown));
			login_pending_free(pending);
			deny_internal(d, &c, shown ? r : -ENOMEM, reply);
			return 0;
		}
		pending->kind = VIGIL_PROMPT_ENROLL_TOTP;
		prompt_fill(d, &c, VIGIL_PROMPT_ENROLL_TOTP, VIGIL_WHY_ENROLL, left, reply);
		memcpy(reply->u.prompt.uri, shown->uri, sizeof(shown->uri));
		memcpy(reply->u.prompt.secret_b32, shown->secret_b32, sizeof(shown->secret_b32));
		memcpy(reply->u.prompt.qr, shown->qr, sizeof(shown->qr));
		wipe_free(shown, sizeof(*shown));
	}
	audit_decision(d, LOG_INFO, &c, action_name(v.action), verdict_reason(&v),
	               v.action == POLICY_ENROLL ? "tofu" : prompt_method(pending), NULL, 0);
	x->login = pending;
	return 0;
}

/* Checks a typed code against what the prompt asked for: the pending
 * factor of an in-band enrollment, or the code methods of the offer (a
 * recovery code by its shape, else TOTP).  Returns "ok" with *ret_use
 * filled (nothing is written yet: finish() makes the step durable with the
 * login), or the name of the failure; *ret_kind the kind it was checked as. */
static const char *check_code(struct vigild *d, struct login_pending *l, const char *answer, uint64_t now,
                              uint8_t *ret_kind, struct store_factor_use *ret_use)
{
	struct factor_answer a = {.code = answer};
	const struct factor_kind *f;
	uint8_t kind;

	*ret_kind = VIGIL_FACTOR_TOTP;
	if (l->kind == VIGIL_PROMPT_ENROLL_TOTP)
		return factor_totp_check(d, l->ctx.user_id, l->ctx.user, true, l->factor_id, answer, now, ret_use);
	kind = factor_code_kind(&l->ctx.offer, answer);
	if (!(f = factor_kind(kind)))
		return "no_factor";
	*ret_kind = kind;
	return f->verify(d, &l->ctx.offer, l->ctx.user_id, l->ctx.user, &l->fstate, &a, now, ret_use);
}

/* A wrong or malformed answer is a failure of whoever gave it: the user and
 * the address of a remote login, the local caller of a local one.  Enough
 * of them lock that party out. */
static int step_failed(struct vigild *d, const struct login_context *c, const char *method, const char *result,
                       const struct store_factor_use *use, uint64_t now, struct vigil_msg *reply)
{
	const struct vigil_config *cfg = d->config;
	uint32_t failures = 0;
	int r;

	audit_stepup(d, strcmp(result, "cloned_key") == 0 ? LOG_ALERT : LOG_WARNING, c, VIGIL_REASON_STEPUP_FAILED,
	             method, result, NULL, use, factor_result_text(result));
	r = c->party[0] ? store_failure_add_local(d->store, c->user, c->party, now)
	                : store_failure_add(d->store, c->user, c->source, now);
	if (r < 0 || (r = failures_charged(d, c, now, &failures)) < 0) {
		deny_internal(d, c, r, reply);
		return 0;
	}
	if (failures < cfg->lockout_deny)
		return finish(d, c, PHASE_AUTH, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_FAILED, method, NULL, now,
		              reply);
	if (c->party[0]) {
		/* The caller is locked out of this user until its failures
		 * age out of the lockout interval; the user is not. */
		audit_login(d, AUDIT_LOCKOUT, LOG_WARNING, c, NULL, VIGIL_REASON_SOURCE_LOCKED, method, "locked", NULL,
		            0, "local caller locked out of this user after repeated failed codes");
		return finish(d, c, PHASE_AUTH, VIGIL_OUTCOME_DENY, VIGIL_REASON_SOURCE_LOCKED, method, NULL, now,
		              reply);
	}
	if ((r = store_user_lock(d->store, c->user_id, now + cfg->lockout_unlock)) < 0) {
		deny_internal(d, c, r, reply);
		return 0;
	}
	audit_login(d, AUDIT_LOCKOUT, LOG_WARNING, c, NULL, VIGIL_REASON_LOCKED, method, "locked", NULL, 0,
	            "user locked out after repeated failed codes");
	return finish(d, c, PHASE_AUTH, VIGIL_OUTCOME_DENY, VIGIL_REASON_LOCKED, method, NULL, now, reply);
}

/* A suspension or a lockout that began since the login was assessed (while its user was
 * typing, or between auth and account) still holds.  Returns 0 with the
 * reason in *ret (NONE: not locked). */
static int lock_reason(struct vigild *d, const struct login_context *c, uint64_t now, uint16_t *ret)
{
	struct store_user u;
	bool src;
	int r;

	if ((r = store_user_find(d->store, c->user, &u)) < 0 || (r = login_source_locked(d, c, now, &src)) < 0)
		return r;
	*ret = u.suspended            ? VIGIL_REASON_SUSPENDED
	       : u.locked_until > now ? VIGIL_REASON_LOCKED
	       : src                  ? VIGIL_REASON_SOURCE_LOCKED
	                              : VIGIL_REASON_NONE;
	return 0;
}

/* A step answered while a lockout holds that began since the prompt:
 * refused.  Returns true with *reply filled. */
static bool refused_locked(struct vigild *d, struct login_pending *l, const char *method, uint64_t now,
                           struct vigil_msg *reply)
{
	uint16_t locked;
	int r;

	if ((r = lock_reason(d, &l->ctx, now, &locked)) < 0) {
		deny_internal(d, &l->ctx, r, reply);
		return true;
	}
	if (locked == VIGIL_REASON_NONE)
		return false;
	audit_login(d, AUDIT_STEPUP, LOG_WARNING, &l->ctx, NULL, locked, method, "locked", NULL, 0,
	            "step-up refused: locked out");
	finish(d, &l->ctx, PHASE_AUTH, VIGIL_OUTCOME_DENY, locked, method, NULL, now, reply);
	return true;
}

/* What a checked answer leads to: the login allowed, a new prompt (a
 * replayed TOTP code), or a failure.  Takes l back into x when it asks
 * again; frees it otherwise. */
static int step_settle(struct vigild *d, struct exchange *x, struct login_pending *l, const char *method,
                       const char *result, const struct store_factor_use *use, uint64_t now, struct vigil_msg *reply)
{
	int r;

	if (strcmp(result, "ok") == 0) {
		r = finish(d, &l->ctx, PHASE_AUTH, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, method, use, now, reply);
		if (r == 0)
			goto out;
		/* The step was taken by another login in the meantime: a code
		 * or a key counter spent, the factor removed, or the key
		 * retired as a clone since this prompt was given (which is no
		 * replay, and is refused as loudly as the clone itself). */
		result = r != -EALREADY                                            ? "no_factor"
		         : use->kind == VIGIL_FACTOR_TOTP                          ? "replay"
		         : use->kind == VIGIL_FACTOR_RECOVERY                      ? "used"
		         : store_key_usable(d->store, use->factor_id) == -EALREADY ? "cloned_key"
		                                                                   : "replay";
	}
	if (strcmp(result, "replay") == 0) {
		/* The code the app still shows, just used by this user's last
		 * login or one running beside it: not a guess.  Ask again. */
		audit_login(d, AUDIT_STEPUP, LOG_NOTICE, &l->ctx, NULL, VIGIL_REASON_REPLAY, method, "replay", NULL, 0,
		            use && use->kind != VIGIL_FACTOR_TOTP ? "security key answer already used"
		                                                  : "step-up code was just used");
		if (++l->replays <= LOGIN_REPLAYS_MAX && l->kind != VIGIL_PROMPT_FIDO2 &&
		    prompt_next(d, l, VIGIL_WHY_REPLAY, attempts_left(d, &l->ctx, now), reply) == 0) {
			x->login = l;
			return 0;
		}
		r = finish(d, &l->ctx, PHASE_AUTH, VIGIL_OUTCOME_DENY, VIGIL_REASON_REPLAY, method, NULL, now, reply);
		goto out;
	}
	if (strcmp(result, "internal") == 0) {
		deny_internal(d, &l->ctx, -EIO, reply);
		r = 0;
		goto out;
	}
	if (!factor_result_counts(result)) {
		/* Refused, but not a guess (an expired challenge, a factor
		 * gone meanwhile): nothing counts toward a lockout. */
		audit_stepup(d, LOG_NOTICE, &l->ctx, VIGIL_REASON_STEPUP_FAILED, method, result, NULL, use,
		             factor_result_text(result));
		r = finish(d, &l->ctx, PHASE_AUTH, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_FAILED, method, NULL, now,
		           reply);
		goto out;
	}
	r = step_failed(d, &l->ctx, method, result, use, now, reply);
out:
	login_pending_free(l);
	return r;
}

int login_step(struct vigild *d, const struct peer *p, struct exchange *x, const char *answer, struct vigil_msg *reply)
{
	struct login_pending *l = x->login;
	struct store_factor_use use = {0};
	const char *method, *result;
	uint64_t now = vigild_now();
	uint8_t kind;

	(void)p;
	/* A code answers a code prompt, never a touch. */
	if (!l || (l->kind != VIGIL_PROMPT_TOTP && l->kind != VIGIL_PROMPT_ENROLL_TOTP))
		return -EPROTO;
	x->login = NULL;
	method = prompt_method(l);

	if (refused_locked(d, l, method, now, reply))
		goto done;
	/* Nothing typed (a script, a batch ssh) is not a guess. */
	if (answer[0] == '\0') {
		audit_login(d, AUDIT_STEPUP, LOG_NOTICE, &l->ctx, NULL, VIGIL_REASON_NO_ANSWER, method, "no_answer",
		            NULL, 0, "step-up not answered");
		finish(d, &l->ctx, PHASE_AUTH, VIGIL_OUTCOME_DENY, VIGIL_REASON_NO_ANSWER, method, NULL, now, reply);
		goto done;
	}
	result = check_code(d, l, answer, now, &kind, &use);
	if (l->kind != VIGIL_PROMPT_ENROLL_TOTP)
		method = method_name(kind);
	return step_settle(d, x, l, method, result, &use, now, reply);
done:
	login_pending_free(l);
	return 0;
}

int login_assertion(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_assertion *a,
                    struct vigil_msg *reply)
{
	struct login_pending *l = x->login;
	struct factor_answer answer = {.assertion = a};
	struct store_factor_use use = {0};
	const char *method = method_name(VIGIL_FACTOR_FIDO2), *result;
	uint64_t now = vigild_now();

	(void)p;
	/* A touch answers a touch prompt only. */
	if (!l || l->kind != VIGIL_PROMPT_FIDO2)
		return -EPROTO;
	x->login = NULL;

	if (refused_locked(d, l, method, now, reply))
		goto done;
	if (a->status != VIGIL_FIDO2_OK) {
		/* No key, no touch, a PIN the key refused: not a guess (the
		 * key counts its own PIN retries).  Codes, if offered, from
		 * the same conversation. */
		audit_login(d, AUDIT_STEPUP, LOG_NOTICE, &l->ctx, NULL, VIGIL_REASON_KEY_NOT_USED, method,
		            fido2_wire_status_name(a->status), NULL, 0, "security key not used");
		factor_state_clear(&l->fstate);
		l->fell_back = true;
		if (prompt_next(d, l, VIGIL_WHY_FALLBACK, attempts_left(d, &l->ctx, now), reply) == 0) {
			x->login = l;
			return 0;
		}
		finish(d, &l->ctx, PHASE_AUTH, VIGIL_OUTCOME_DENY, VIGIL_REASON_KEY_NOT_USED, method, NULL, now, reply);
		goto done;
	}
	result = factor_fido2.verify(d, &l->ctx.offer, l->ctx.user_id, l->ctx.user, &l->fstate, &answer, now, &use);
	/* A key whose counter went back is retired: no login it answers
	 * again passes until its user or root enrolls it anew. */
	if (strcmp(result, "cloned_key") == 0 && use.factor_id > 0 &&
	    store_key_flag(d->store, use.factor_id, STORE_KEY_CLONED) < 0)
		log_msg(LOG_ERR, "flagging a cloned security key of %s failed", l->ctx.user);
	return step_settle(d, x, l, method, result, &use, now, reply);
done:
	login_pending_free(l);
	return 0;
}

/* The login auth recorded under this id, if it is this very login: same
 * user, service, device, source and caller, recent, and not claimed yet. */
static bool login_matches(const struct store_login *l, const struct login_context *c, uint64_t now)
{
	return l->state != STORE_LOGIN_DONE && l->caller_uid == c->caller_uid && strcmp(l->user, c->user) == 0 &&
	       strcmp(l->service, c->service) == 0 && strcmp(l->device, c->device) == 0 &&
	       strcmp(l->source, c->source) == 0 && strcmp(l->party, c->party) == 0 && l->time <= now &&
	       now - l->time <= LOGIN_ID_LIFETIME;
}

int login_commit(struct vigild *d, const struct store_login *decided, const char *rhost, const char *tty, uint64_t now)
{
	struct login_context c = {0};
	struct store_login l;
	int r;

	/* Who and what, for the records. */
	strcpy(c.user, decided->user);
	strcpy(c.service, decided->service);
	strcpy(c.device, decided->device);
	strcpy(c.source, decided->source);
	strcpy(c.party, decided->party);
	snprintf(c.rhost, sizeof(c.rhost), "%s", rhost);
	snprintf(c.tty, sizeof(c.tty), "%s", tty);
	c.score = decided->score;
	c.signals = decided->signals;
	origin_prefix(c.source, c.prefix);

	r = store_login_commit(d->store, decided->login_id, c.prefix, now + d->config->grant_lifetime, &l);
	if (r == -EEXIST || r == -ENOENT)
		/* An in-band enrollment whose user got a factor, or lost the
		 * pending one, since: nothing is activated, nobody let in. */
		audit_login(d, AUDIT_ENROLL, LOG_WARNING, &c, NULL, VIGIL_REASON_NONE, "tofu", "refused",
		            decided->login_id, 0, "in-band enrollment not activated: the factor changed meanwhile");
	if (r == -EKEYREVOKED)
		audit_login(d, AUDIT_DECISION, LOG_WARNING, &c, "deny", VIGIL_REASON_STEPUP_FAILED, "totp", NULL,
		            decided->login_id, 0, "login refused: the factor that proved it was removed meanwhile");
	if (r < 0)
		return r;
	if (l.activate_factor > 0)
		audit_login(d, AUDIT_ENROLL, LOG_NOTICE, &c, NULL, VIGIL_REASON_NONE, "tofu", "activated", l.login_id,
		            0, "TOTP enrolled in-band at login (trust on first use)");
	return 0;
}

/* The account phase of a login whose auth decision was kept in memory
 * (login_deferred.h): its record, done, with what it teaches, joins the
 * batch written after the answer (login_history.h): it proved no factor,
 * so it writes nothing a crash must keep, and nothing it teaches can let a
 * later login in that would not have come in anyway. */
static int account_commit_deferred(struct vigild *d, struct login_context *c, struct store_login *l, uint64_t now,
                                   struct vigil_msg *reply)
{
	int r;

	l->state = STORE_LOGIN_DONE;
	if ((r = login_history_add(d, l, c->prefix, now + d->config->grant_lifetime)) < 0)
		deny_internal(d, c, r, reply);
	else
		reply_decision(reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, c, l->login_id);
	return 0;
}

/* The account phase of a login auth allowed: the whole auth stack has
 * passed, so its trust is written now.  Returns 0 with *reply filled, or
 * -EALREADY when the id was claimed in the meantime. */
static int account_commit(struct vigild *d, struct login_context *c, const struct store_login *decided, uint64_t now,
                          struct vigil_msg *reply)
{
	int r;

	/* The factor that proved it is still there: what the login teaches
	 * and its grant are written after the answer (login_history.h).  An
	 * in-band enrollment's activation, or a factor gone, right now. */
	if (decided->activate_factor <= 0 && (r = store_login_factor_held(d->store, decided)) != -EKEYREVOKED) {
		if (r == 0)
			r = login_history_add_commit(d, decided, c->prefix, now + d->config->grant_lifetime);
		if (r < 0)
			deny_internal(d, c, r, reply);
		else
			reply_decision(reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, c, decided->login_id);
		return 0;
	}
	r = login_commit(d, decided, c->rhost, c->tty, now);

	if (r == -EALREADY)
		return r;
	if (r == -EEXIST || r == -ENOENT || r == -EKEYREVOKED)
		reply_decision(reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_FAILED, c, decided->login_id);
	else if (r < 0)
		deny_internal(d, c, r, reply);
	else
		reply_decision(reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, c, decided->login_id);
	return 0;
}

/* The account phase once its context is built, inside one write
 * transaction (login_account()). */
static int account_decide(struct vigild *d, const struct peer *p, struct exchange *x,
                          const struct vigil_login_request *req, struct login_context *c, uint64_t now,
                          struct vigil_msg *reply)
{
	struct store_login l;
	struct policy_verdict v;
	uint16_t locked;
	bool deferred = false;
	int r;

	/* Auth ran: enforce what it decided for this very login, moments ago,
	 * unless a lockout has begun since.  A user's own questions get no
	 * id, so a self-query never uses one. */
	if (req->login_id[0] && !c->self_query) {
		/* Kept in memory since auth (login_deferred.h), or written. */
		deferred = login_deferred_take(d, x, req->login_id, &l) == 0;
		r = deferred ? 0 : store_login_get(d->store, req->login_id, &l);
		if (r < 0 && r != -ENOENT) {
			deny_internal(d, c, r, reply);
			return 0;
		}
		/* Its account phase waits to be written: spent, as if it were. */
		if (r == 0 && !deferred && login_history_claimed(d, req->login_id))
			r = -EALREADY;
		if (r == 0 && login_matches(&l, c, now)) {
			c->score = l.score;
			c->signals = l.signals;
			if ((r = lock_reason(d, c, now, &locked)) < 0) {
				deny_internal(d, c, r, reply);
				goto keep;
			}
			if (locked != VIGIL_REASON_NONE) {
				reply_decision(reply, VIGIL_OUTCOME_DENY, locked, c, l.login_id);
				goto keep;
			}
			if (l.outcome != VIGIL_OUTCOME_ALLOW) {
				reply_decision(reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_RISK, c, l.login_id);
				goto keep;
			}
			if (deferred ? peer_hung_up_seen(p) : peer_hung_up(p)) {
				/* Nobody waits for this answer: write no trust. */
				reply_decision(reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_INTERNAL, c, NULL);
				goto keep;
			}
			if (deferred)
				return account_commit_deferred(d, c, &l, now, reply);
			if (account_commit(d, c, &l, now, reply) == 0)
				return 0;
		}
		/* Not this login's: the record stays as auth left it. */
		if (deferred)
			login_deferred_write(d, &l);
		/* An id from elsewhere, from long ago, or used before proves
		 * nothing: assess afresh. */
	}

	/* Auth never ran through Vigil (sshd publickey-only): no prompt is
	 * possible here, so a login that needs a step-up is refused. */
	if ((r = login_context_assess(d, c, now, &v)) < 0) {
		deny_internal(d, c, r, reply);
		return 0;
	}
	if (settle(d, c, PHASE_ACCOUNT, &v, now, reply))
		return 0;
	return finish(d, c, PHASE_ACCOUNT, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_NOT_DONE, NULL, NULL, now, reply);
keep:
	if (deferred)
		login_deferred_write(d, &l);
	return 0;
}

int login_account(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_login_request *req,
                  struct vigil_msg *reply)
{
	struct login_context c;
	uint16_t reason = VIGIL_REASON_INTERNAL;
	uint64_t now = vigild_now();
	int r;

	/* The account phase of the login this connection's auth allowed: its
	 * user name is NSS's from moments ago. */
	r = login_deferred_mine(x, req->login_id, req->user) ? login_context_build_known(d, p, req, &c, &reason)
	                                                     : login_context_build(d, p, req, &c, &reason);
	if (r < 0) {
		audit_decision(d, LOG_WARNING, &c, "deny", reason_name(reason), NULL, NULL, 0);
		reply_decision(reply, VIGIL_OUTCOME_DENY, reason, &c, NULL);
		return 0;
	}
	/* What auth decided, the locks since, and what the login teaches:
	 * read and written in one transaction (a read one that takes the
	 * write lock only if it writes: a known device's record is written
	 * after the answer).  An answer whose writes did not commit is no
	 * answer: it becomes a denial. */
	if ((r = store_tx_begin(d->store, false)) < 0) {
		deny_internal(d, &c, r, reply);
		return 0;
	}
	r = account_decide(d, p, x, req, &c, now, reply);
	if (r < 0) {
		store_tx_rollback(d->store);
		return r;
	}
	if ((r = store_tx_commit(d->store)) < 0)
		deny_internal(d, &c, r, reply);
	return 0;
}

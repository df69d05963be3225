/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The login flow (see login.h).  Trusts the peer credentials handed in by
 * the server (SO_PEERCRED) and the PAM items only from a root peer; a
 * non-root peer may ask only about itself, and what it says about hosts and
 * keys is ignored.  Every store failure ends in DENY(internal).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enroll.h"
#include "log.h"
#include "login.h"
#include "origin.h"
#include "policy.h"
#include "proto.h"
#include "risk.h"
#include "totp.h"
#include "wipe.h"

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
	int64_t user_id;
	uint8_t factor_digits; /* of the active TOTP factor; 0 if none */
	/* Recorded but not learned from: a user asking about itself, or a
	 * shadow-mode login the policy would have refused. */
	bool observe_only;
	/* An sshd login whose key Vigil was not told (OpenSSH runs the account
	 * phase of a publickey-only login before it exposes the key): the
	 * device is unknown, always new, and never learned. */
	bool device_unknown;
	uint32_t score;
	uint32_t signals;
};

/* How long the decision of auth stands for the account phase that follows
 * it (sshd and sudo run them back to back). */
#define LOGIN_ID_LIFETIME 300

struct login_pending {
	struct login_context ctx;
	uint8_t kind;      /* enum vigil_prompt_kind */
	int64_t factor_id; /* the pending factor of an in-band enrollment */
};

const char *login_pending_user(const struct login_pending *l)
{
	return l->ctx.user;
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

static void audit_login(struct vigild *d, enum audit_event event, int priority, const struct login_context *c,
                        const char *decision, uint16_t reason, const char *method, const char *result,
                        const char *login_id, int shadow, const char *message)
{
	struct audit_record r = {
	    .event = event,
	    .priority = priority,
	    .message = message,
	    .user = c->user,
	    .service = c->service,
	    .rhost = c->rhost[0] ? c->rhost : NULL,
	    .tty = c->tty[0] ? c->tty : NULL,
	    .device = c->device,
	    .login_id = login_id && login_id[0] ? login_id : NULL,
	    .decision = decision,
	    .reason = reason != VIGIL_REASON_NONE ? reason_name(reason) : NULL,
	    .method = method,
	    .result = result,
	    .score = c->score,
	    .signals = c->signals,
	    .shadow = shadow,
	};

	audit_emit(d->audit, &r);
}

/* Fills c from the request, trusting only what this peer may tell. */
static int context_build(struct vigild *d, const struct peer *p, const struct vigil_login_request *req,
                         struct login_context *c, uint16_t *ret_reason)
{
	const char *auth_info = req->ssh_auth_info, *connection = req->ssh_connection, *rhost = req->rhost;
	uint32_t pids[ORIGIN_PID_CHAIN_MAX];
	uint64_t starts[ORIGIN_PID_CHAIN_MAX];
	struct store_session s;
	int r, n;

	memset(c, 0, sizeof(*c));
	/* Named first, so that even a refusal is audited with who and what. */
	strcpy(c->user, req->user);
	strcpy(c->service, req->service);
	strcpy(c->tty, req->tty);
	if (!req->user[0] || !req->service[0]) {
		*ret_reason = VIGIL_REASON_PERMISSION;
		return -EINVAL;
	}
	if (p->uid != 0) {
		/* A user may ask about itself; where it logs in from is
		 * not its to say. */
		if (strcmp(req->user, p->name) != 0) {
			log_msg(LOG_WARNING, "uid %u (%s) asked about user %s: refused", (unsigned)p->uid,
			        p->name[0] ? p->name : "?", req->user);
			*ret_reason = VIGIL_REASON_PERMISSION;
			return -EPERM;
		}
		auth_info = connection = rhost = "";
		c->observe_only = true;
	}
	/* sshd says PAM_TTY=ssh; anywhere else (sudo, su) SSH_* variables in the
	 * PAM environment could come from a module that reads the user's
	 * files, and must not pick the device or the source. */
	if (strcmp(req->tty, "ssh") != 0)
		auth_info = connection = "";
	strcpy(c->rhost, rhost);

	r = origin_ssh_fingerprint(auth_info, c->device, c->key_type, sizeof(c->key_type));
	if (r == -EBADMSG) {
		log_msg(LOG_WARNING, "malformed SSH_AUTH_INFO_0 for user %s, service %s", c->user, c->service);
		*ret_reason = VIGIL_REASON_INTERNAL;
		return r;
	}
	if (origin_source(connection, rhost, c->source) < 0) {
		*ret_reason = VIGIL_REASON_INTERNAL;
		return -E2BIG;
	}

	if (!c->device[0] && !c->source[0]) {
		/* sudo, su: the login session this runs in, found from the
		 * caller's process ancestry, lends its device and source. */
		n = origin_pid_chain(p->pid, pids, starts, ORIGIN_PID_CHAIN_MAX);
		/* Only the invoking user's own session lends (PAM_RUSER until
		 * the caller's real uid is checked). */
		if (n > 0 && store_session_find(d->store, pids, starts, (size_t)n, p->uid != 0 ? p->name : req->ruser,
		                                &s) == 0) {
			strcpy(c->device, s.device);
			strcpy(c->source, s.source);
		}
	}
	if (!c->device[0] && strcmp(c->tty, "ssh") == 0)
		c->device_unknown = true; /* left empty: nothing to learn */
	else if (!c->device[0])
		snprintf(c->device, sizeof(c->device), "%s:%s", c->service, c->tty);
	origin_prefix(c->source, c->prefix);
	return 0;
}

/* Scores c and asks the policy what to do. */
static int context_assess(struct vigild *d, struct login_context *c, uint64_t now, struct policy_verdict *ret)
{
	const struct vigil_config *cfg = d->config;
	struct store_user u;
	struct store_facts facts;
	struct store_totp t = {0};
	struct risk_facts rf;
	struct risk_result risk;
	struct service_view view;
	struct policy_input in;
	uint32_t source_failures = 0;
	bool has_factor;
	int r;

	if ((r = store_user_get(d->store, c->user, now, &u)) < 0)
		return r;
	c->user_id = u.id;
	if ((r = store_login_facts(d->store, u.id, c->device, c->source, c->prefix, now - cfg->failure_window, now,
	                           &facts)) < 0)
		return r;
	r = store_totp_get(d->store, u.id, true, &t);
	if (r < 0 && r != -ENOENT)
		return r;
	has_factor = r == 0;
	c->factor_digits = has_factor ? (uint8_t)t.digits : 0;
	store_totp_clear(&t);
	if (c->source[0] &&
	    (r = store_failures_source(d->store, c->source, now - cfg->source_rate_window, &source_failures)) < 0)
		return r;

	config_service(cfg, c->service, &view);
	rf = (struct risk_facts){
	    .now = now,
	    .device_known = facts.device_known && !c->device_unknown,
	    .device_last_seen = facts.device_last_seen,
	    .source_known = facts.source_known,
	    .prefix_known = facts.prefix_known,
	    .has_source = c->source[0] != '\0',
	    .last_success = u.last_success,
	    .user_failures = facts.user_failures,
	    .source_failures = facts.source_failures,
	    .privileged = view.privileged,
	};
	risk_score(cfg, &rf, &risk);
	c->score = risk.score;
	c->signals = risk.signals;

	in = (struct policy_input){
	    .service = c->service,
	    .rhost = c->source,
	    .score = risk.score,
	    .now = now,
	    .has_factor = has_factor,
	    .user_first_seen = u.first_seen,
	    .grant_time = facts.grant_time,
	    /* Locked: the user, or a source over its failure rate. */
	    .locked = u.locked_until > now || source_failures >= cfg->source_rate_max,
	};
	policy_decide(cfg, &in, ret);
	return 0;
}

static void reply_decision(struct vigil_msg *reply, uint8_t outcome, uint16_t reason, const struct login_context *c,
                           const char *login_id)
{
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_DECISION;
	reply->u.decision.outcome = outcome;
	reply->u.decision.reason = reason;
	reply->u.decision.score = c->score;
	reply->u.decision.signals = c->signals;
	if (login_id)
		snprintf(reply->u.decision.login_id, sizeof(reply->u.decision.login_id), "%s", login_id);
}

/* Records a login that ends here, in one transaction, and answers with its
 * DECISION.  use: the factor this login proved (its watermark or activation
 * is written in the same transaction), or NULL.  Returns 0 with *reply
 * filled; or, when the factor refuses the step (-EALREADY: a replay, lost
 * to a concurrent login with the same code), that error with nothing
 * written, for the caller to treat as a failed step-up. */
static int finish(struct vigild *d, const struct login_context *c, uint8_t outcome, uint16_t reason, const char *method,
                  const struct store_factor_use *use, uint64_t now, struct vigil_msg *reply)
{
	struct store_login l = {0};
	int r;

	if ((r = vigild_new_id(l.login_id, sizeof(l.login_id))) < 0)
		goto fail;
	l.user_id = c->user_id;
	strcpy(l.user, c->user);
	strcpy(l.service, c->service);
	strcpy(l.device, c->device);
	strcpy(l.source, c->source);
	l.score = c->score;
	l.signals = c->signals;
	l.outcome = outcome;
	l.stepped_up = use != NULL && outcome == VIGIL_OUTCOME_ALLOW;
	l.time = now;
	r = store_login_finish(d->store, &l, c->prefix, !c->observe_only, now + d->config->grant_lifetime, use);
	if (use && (r == -EALREADY || r == -EEXIST || r == -ENOENT))
		return r;
	if (r < 0)
		goto fail;

	if (use) {
		audit_login(d, AUDIT_STEPUP, LOG_INFO, c, NULL, VIGIL_REASON_NONE, method, "ok", l.login_id, 0,
		            "step-up succeeded");
		if (use->activate)
			audit_login(d, AUDIT_ENROLL, LOG_NOTICE, c, NULL, VIGIL_REASON_NONE, "tofu", "activated",
			            l.login_id, 0, "TOTP enrolled in-band at login (trust on first use)");
	}
	audit_login(d, AUDIT_DECISION, outcome == VIGIL_OUTCOME_ALLOW ? LOG_INFO : LOG_WARNING, c,
	            outcome == VIGIL_OUTCOME_ALLOW ? "allow" : "deny", reason, method, NULL, l.login_id, 0,
	            outcome == VIGIL_OUTCOME_ALLOW ? "login allowed" : "login denied");
	reply_decision(reply, outcome, reason, c, l.login_id);
	return 0;
fail:
	log_msg(LOG_ERR, "recording the login of %s failed: %s", c->user, strerror(-r));
	audit_login(d, AUDIT_DECISION, LOG_ERR, c, "deny", VIGIL_REASON_INTERNAL, method, NULL, NULL, 0,
	            "login denied: internal error");
	reply_decision(reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_INTERNAL, c, NULL);
	return 0;
}

static void deny_internal(struct vigild *d, const struct login_context *c, int error, struct vigil_msg *reply)
{
	log_msg(LOG_ERR, "assessing the login of %s failed: %s", c->user[0] ? c->user : "?", strerror(-error));
	audit_login(d, AUDIT_DECISION, LOG_ERR, c, "deny", VIGIL_REASON_INTERNAL, NULL, NULL, NULL, 0,
	            "login denied: internal error");
	reply_decision(reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_INTERNAL, c, NULL);
}

/* Shadow mode: the verdict is audited as it would have been, and allowed,
 * without learning from a login the policy would have refused. */
static bool shadowed(struct vigild *d, struct login_context *c, const struct policy_verdict *v)
{
	if (!d->config->shadow || v->action == POLICY_ALLOW)
		return false;
	c->observe_only = true;
	audit_login(d, AUDIT_DECISION, LOG_NOTICE, c, action_name(v->action), v->reason, NULL, NULL, NULL, 1,
	            "shadow mode: this login would not have been allowed without a step-up or at all");
	return true;
}

/* Ends a login its verdict settles without a prompt: allowed (or, in
 * shadow mode, allowed whatever the verdict) or denied.  Returns true with
 * *reply filled; false when the verdict asks for a step-up or an in-band
 * enrollment. */
static bool settle(struct vigild *d, struct login_context *c, const struct policy_verdict *v, uint64_t now,
                   struct vigil_msg *reply)
{
	if (shadowed(d, c, v))
		finish(d, c, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, "shadow", NULL, now, reply);
	else if (v->action == POLICY_ALLOW)
		finish(d, c, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, "none", NULL, now, reply);
	else if (v->action == POLICY_ALLOW_NO_FACTOR)
		finish(d, c, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, "no_factor", NULL, now, reply);
	else if (v->action == POLICY_DENY)
		finish(d, c, VIGIL_OUTCOME_DENY, v->reason, NULL, NULL, now, reply);
	else
		return false;
	return true;
}

static void prompt_fill(struct vigild *d, const struct login_context *c, uint8_t kind, uint8_t why,
                        uint8_t attempts_left, struct vigil_msg *reply)
{
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_PROMPT;
	reply->u.prompt.kind = kind;
	reply->u.prompt.why = why;
	/* An enrolled factor keeps the digits it was made with; a new one
	 * takes the configured length. */
	reply->u.prompt.digits = c->factor_digits ? c->factor_digits : (uint8_t)d->config->totp_digits;
	reply->u.prompt.attempts_left = attempts_left;
	reply->u.prompt.signals = c->signals;
}

/* Failures left before the user is locked out. */
static uint8_t attempts_left(struct vigild *d, const char *user, uint64_t now)
{
	uint32_t failures = 0;

	if (store_failures_user(d->store, user, now - d->config->lockout_interval, &failures) < 0)
		return 0;
	return failures >= d->config->lockout_deny ? 0 : (uint8_t)(d->config->lockout_deny - failures);
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

	if ((r = context_build(d, p, req, &c, &reason)) < 0) {
		audit_login(d, AUDIT_DECISION, LOG_WARNING, &c, "deny", reason, NULL, NULL, NULL, 0,
		            "login request refused");
		reply_decision(reply, VIGIL_OUTCOME_DENY, reason, &c, NULL);
		return 0;
	}
	if ((r = context_assess(d, &c, now, &v)) < 0) {
		deny_internal(d, &c, r, reply);
		return 0;
	}
	if (settle(d, &c, &v, now, reply))
		return 0;

	pending = calloc(1, sizeof(*pending));
	if (!pending) {
		deny_internal(d, &c, -ENOMEM, reply);
		return 0;
	}
	pending->ctx = c;
	left = attempts_left(d, c.user, now);
	if (v.action == POLICY_STEPUP) {
		pending->kind = VIGIL_PROMPT_TOTP;
		/* Recent failures: the user is told how close the lockout is. */
		prompt_fill(d, &c, VIGIL_PROMPT_TOTP, left < d->config->lockout_deny ? VIGIL_WHY_RETRY : v.why, left,
		            reply);
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
	audit_login(d, AUDIT_DECISION, LOG_INFO, &c, action_name(v.action), VIGIL_REASON_NONE,
	            v.action == POLICY_ENROLL ? "tofu" : "totp", NULL, NULL, 0,
	            v.action == POLICY_ENROLL ? "step-up by in-band enrollment required" : "step-up required");
	x->login = pending;
	return 0;
}

/* Checks answer against the factor the prompt asked for.  Returns "ok" with
 * *ret_use filled (nothing is written yet: finish() makes the step durable
 * with the login), or the name of the failure. */
static const char *check_answer(struct vigild *d, const struct login_pending *l, const char *answer, uint64_t now,
                                struct store_factor_use *ret_use)
{
	bool enrolling = l->kind == VIGIL_PROMPT_ENROLL_TOTP;
	struct store_totp t = {0};
	uint8_t *secret = NULL;
	size_t secret_len = 0;
	int64_t step = 0;
	const char *result;
	int r;

	r = store_totp_get(d->store, l->ctx.user_id, !enrolling, &t);
	if (r < 0 || (enrolling && t.id != l->factor_id)) {
		result = r == -ENOENT || r == 0 ? "no_factor" : "internal";
		goto out;
	}
	if (enroll_totp_secret(d, l->ctx.user, &t, &secret, &secret_len) < 0) {
		result = "internal";
		goto out;
	}
	r = totp_verify(secret, secret_len, now, t.period, t.digits, d->config->totp_window, answer,
	                enrolling ? -1 : t.last_step, &step);
	switch (r) {
	case 0:
		*ret_use = (struct store_factor_use){.factor_id = t.id, .step = step, .activate = enrolling};
		result = "ok";
		break;
	case -EALREADY:
		result = "replay";
		break;
	case -EACCES:
		result = "bad_code";
		break;
	case -EINVAL:
		result = "malformed";
		break;
	default:
		result = "internal";
		break;
	}
out:
	wipe_free(secret, secret_len);
	store_totp_clear(&t);
	return result;
}

/* A wrong, replayed or malformed code is a failure of the user and of the
 * source; enough of them lock the user out. */
static int step_failed(struct vigild *d, const struct login_context *c, const char *method, const char *result,
                       uint64_t now, struct vigil_msg *reply)
{
	const struct vigil_config *cfg = d->config;
	uint32_t failures = 0;
	int r;

	audit_login(d, AUDIT_STEPUP, LOG_WARNING, c, NULL, VIGIL_REASON_STEPUP_FAILED, method, result, NULL, 0,
	            "step-up failed");
	if ((r = store_failure_add(d->store, c->user, c->source, now)) < 0 ||
	    (r = store_failures_user(d->store, c->user, now - cfg->lockout_interval, &failures)) < 0) {
		deny_internal(d, c, r, reply);
		return 0;
	}
	if (failures < cfg->lockout_deny)
		return finish(d, c, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_FAILED, method, NULL, now, reply);
	if ((r = store_user_lock(d->store, c->user_id, now + cfg->lockout_unlock)) < 0) {
		deny_internal(d, c, r, reply);
		return 0;
	}
	audit_login(d, AUDIT_LOCKOUT, LOG_WARNING, c, NULL, VIGIL_REASON_LOCKED, method, "locked", NULL, 0,
	            "user locked out after repeated failed codes");
	return finish(d, c, VIGIL_OUTCOME_DENY, VIGIL_REASON_LOCKED, method, NULL, now, reply);
}

int login_step(struct vigild *d, const struct peer *p, struct exchange *x, const char *answer, struct vigil_msg *reply)
{
	const struct vigil_config *cfg = d->config;
	struct login_pending *l = x->login;
	struct store_factor_use use;
	const char *method, *result;
	struct store_user u;
	uint32_t source_failures = 0;
	uint64_t now = vigild_now();
	int r;

	(void)p;
	if (!l)
		return -EPROTO;
	x->login = NULL;
	method = l->kind == VIGIL_PROMPT_TOTP ? "totp" : "tofu";

	/* A lockout that began while this user was typing still holds. */
	if ((r = store_user_find(d->store, l->ctx.user, &u)) < 0 ||
	    (l->ctx.source[0] && (r = store_failures_source(d->store, l->ctx.source, now - cfg->source_rate_window,
	                                                    &source_failures)) < 0)) {
		deny_internal(d, &l->ctx, r, reply);
		r = 0;
		goto out;
	}
	if (u.locked_until > now || source_failures >= cfg->source_rate_max) {
		audit_login(d, AUDIT_STEPUP, LOG_WARNING, &l->ctx, NULL, VIGIL_REASON_LOCKED, method, "locked", NULL, 0,
		            "step-up refused: locked out");
		r = finish(d, &l->ctx, VIGIL_OUTCOME_DENY, VIGIL_REASON_LOCKED, method, NULL, now, reply);
		goto out;
	}

	result = check_answer(d, l, answer, now, &use);
	if (strcmp(result, "ok") == 0) {
		r = finish(d, &l->ctx, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, method, &use, now, reply);
		if (r == 0)
			goto out;
		/* The step was taken by another login in the meantime. */
		result = r == -EALREADY ? "replay" : "no_factor";
	}
	if (strcmp(result, "internal") == 0) {
		deny_internal(d, &l->ctx, -EIO, reply);
		r = 0;
		goto out;
	}
	r = step_failed(d, &l->ctx, method, result, now, reply);
out:
	login_pending_free(l);
	return r;
}

int login_account(struct vigild *d, const struct peer *p, const struct vigil_login_request *req,
                  struct vigil_msg *reply)
{
	struct store_login l;
	struct policy_verdict v;
	struct login_context c;
	uint16_t reason = VIGIL_REASON_INTERNAL;
	uint64_t now = vigild_now();
	int r;

	if ((r = context_build(d, p, req, &c, &reason)) < 0) {
		audit_login(d, AUDIT_DECISION, LOG_WARNING, &c, "deny", reason, NULL, NULL, NULL, 0,
		            "account check refused");
		reply_decision(reply, VIGIL_OUTCOME_DENY, reason, &c, NULL);
		return 0;
	}

	/* Auth ran: enforce what it decided for this very user and service,
	 * moments ago, unless a lockout has begun since. */
	if (req->login_id[0]) {
		struct store_user u;

		r = store_login_get(d->store, req->login_id, &l);
		if (r < 0 && r != -ENOENT) {
			deny_internal(d, &c, r, reply);
			return 0;
		}
		if (r == 0 && strcmp(l.user, c.user) == 0 && strcmp(l.service, c.service) == 0 && l.time <= now &&
		    now - l.time <= LOGIN_ID_LIFETIME) {
			c.score = l.score;
			c.signals = l.signals;
			if ((r = store_user_find(d->store, c.user, &u)) < 0) {
				deny_internal(d, &c, r, reply);
				return 0;
			}
			if (u.locked_until > now) {
				reply_decision(reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_LOCKED, &c, l.login_id);
				return 0;
			}
			if (l.outcome == VIGIL_OUTCOME_ALLOW) {
				reply_decision(reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE, &c, l.login_id);
				return 0;
			}
			reply_decision(reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_RISK, &c, l.login_id);
			return 0;
		}
		/* An id from elsewhere, or from long ago, proves nothing:
		 * assess afresh. */
	}

	/* Auth never ran through Vigil (sshd publickey-only): no prompt is
	 * possible here, so a login that needs a step-up is refused. */
	if ((r = context_assess(d, &c, now, &v)) < 0) {
		deny_internal(d, &c, r, reply);
		return 0;
	}
	if (settle(d, &c, &v, now, reply))
		return 0;
	return finish(d, &c, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_NOT_DONE, NULL, NULL, now, reply);
}

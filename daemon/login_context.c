/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building and assessing a login's context (see login_context.h).  The
 * SSH_AUTH_INFO_0 and SSH_CONNECTION values count only from a root peer
 * that says PAM_TTY=ssh (sshd); anywhere else they could come from a module
 * reading the user's files.  A name is an account only if NSS knows it, or
 * knew it when the store made its row.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "login_context.h"
#include "login_history.h"
#include "nss.h"
#include "nss_cache.h"
#include "origin.h"
#include "risk.h"
#include "seat.h"

/* Fills c from the request, trusting only what this peer may tell.
 * canonical: the user name is NSS's already (login_context_build_known()). */
static int context_build(struct vigild *d, const struct peer *p, const struct vigil_login_request *req, bool canonical,
                         struct login_context *c, uint16_t *ret_reason)
{
	const char *auth_info = req->ssh_auth_info, *connection = req->ssh_connection, *rhost = req->rhost;
	uint32_t pids[ORIGIN_PID_CHAIN_MAX];
	uint64_t starts[ORIGIN_PID_CHAIN_MAX];
	struct store_session s;
	struct store_user known;
	char invoker[VIGIL_USER_MAX + 1];
	uid_t ruid = 0;
	bool remote;
	int r, n;

	memset(c, 0, sizeof(*c));
	/* Named first, so that even a refusal is audited with who and what. */
	strcpy(c->user, req->user);
	strcpy(c->service, req->service);
	strcpy(c->tty, req->tty);
	c->caller_uid = (uint32_t)p->uid;
	c->peer = *p;
	if (!req->user[0] || !req->service[0]) {
		*ret_reason = VIGIL_REASON_PERMISSION;
		return -EINVAL;
	}
	if (p->uid == 0 && !canonical) {
		/* One account, one name: "BOB", "bob " or "bob@REALM" are bob
		 * only if NSS says so, and a name NSS does not know is refused
		 * before anything is written for it.  A name the store holds
		 * was NSS's own name for an account when its row was made
		 * (nothing makes a row for a name NSS did not return), so it
		 * is not asked again: at a million users NSS costs more than
		 * the whole assessment.  An account deleted since is still
		 * assessed; sshd, sudo and su refuse a user NSS does not know
		 * themselves. */
		r = store_user_find(d->store, req->user, &known);
		if (r == -ENOENT)
			r = nss_cache_canonical(req->user, nss_cache_now_ms(), c->user, NULL);
		if (r < 0) {
			log_msg(LOG_NOTICE, "login for user %s: %s", req->user,
			        r == -ENOENT ? "no such user" : strerror(-r));
			*ret_reason = r == -ENOENT ? VIGIL_REASON_UNKNOWN_USER : VIGIL_REASON_INTERNAL;
			return r;
		}
	} else if (p->uid != 0) {
		/* A user may ask about itself; where it logs in from is
		 * not its to say. */
		if (strcmp(req->user, p->name) != 0) {
			log_msg(LOG_WARNING, "uid %u (%s) asked about user %s: refused", (unsigned)p->uid,
			        p->name[0] ? p->name : "?", req->user);
			*ret_reason = VIGIL_REASON_PERMISSION;
			return -EPERM;
		}
		auth_info = connection = rhost = "";
		c->self_query = true;
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
	remote = c->source[0] != '\0';

	if (!remote) {
		/* A local privilege change: whoever runs su or sudo is the
		 * real uid of that (set-uid) process, whatever PAM_RUSER says.
		 * Not knowing who is typing, Vigil does not ask. */
		if (p->uid == 0 && (r = caller_real_uid(p->pid, &ruid)) < 0) {
			log_msg(LOG_WARNING, "the caller of a local login for %s (pid %d) is gone or unreadable: %s",
			        c->user, (int)p->pid, strerror(-r));
			*ret_reason = VIGIL_REASON_INTERNAL;
			return r;
		}
		if (p->uid != 0)
			ruid = p->uid;
		caller_party(ruid, c->party);
	}
	if (!c->device[0] && !c->source[0] && nss_uid_name(ruid, invoker) == 0) {
		/* sudo, su: the login session this runs in, found from the
		 * caller's process ancestry, lends its device and source; only
		 * a session of the invoking user (the real uid), never one of
		 * another user whose process tree this runs in. */
		n = origin_pid_chain(p->pid, pids, starts, ORIGIN_PID_CHAIN_MAX);
		if (n > 0 && store_session_find(d->store, pids, starts, (size_t)n, invoker, &s) == 0) {
			strcpy(c->device, s.device);
			strcpy(c->source, s.source);
		}
	}
	if (!c->device[0] && strcmp(c->tty, "ssh") == 0)
		c->device_unknown = true; /* left empty: nothing to learn */
	else if (!c->device[0])
		snprintf(c->device, sizeof(c->device), "%s:%s", c->service, c->tty);
	origin_prefix(c->source, c->prefix);
	c->enroll_path = p->uid == 0 && remote && c->key_type[0] && strcmp(c->tty, "ssh") == 0;
	/* A security key can be touched by a login with no remote source; for
	 * su and sudo that is known only from the session they were found in,
	 * by process ancestry that a double fork escapes, so where logind
	 * runs, its word on the caller's session decides. */
	c->key_local = !c->source[0] && !c->rhost[0] && !(c->party[0] && seat_of_pid(p->pid) == SEAT_REMOTE);
	return 0;
}

int login_context_build(struct vigild *d, const struct peer *p, const struct vigil_login_request *req,
                        struct login_context *c, uint16_t *ret_reason)
{
	return context_build(d, p, req, false, c, ret_reason);
}

int login_context_build_known(struct vigild *d, const struct peer *p, const struct vigil_login_request *req,
                              struct login_context *c, uint16_t *ret_reason)
{
	return context_build(d, p, req, true, c, ret_reason);
}

/* Where the attempts come from is locked: a remote address over its rate,
 * or a local caller that typed too many wrong codes for this user (or for
 * anyone, at the address rate). */
int login_source_locked(struct vigild *d, const struct login_context *c, uint64_t now, bool *ret)
{
	const struct vigil_config *cfg = d->config;
	uint32_t rate = 0, mine = 0;
	int r;

	*ret = false;
	if (c->party[0]) {
		if ((r = store_failures_party(d->store, c->party, c->user, now - cfg->lockout_interval, &mine)) < 0 ||
		    (r = store_failures_source(d->store, c->party, now - cfg->source_rate_window, &rate)) < 0)
			return r;
		*ret = mine >= cfg->lockout_deny || rate >= cfg->source_rate_max;
		return 0;
	}
	if (c->source[0] && (r = store_failures_source(d->store, c->source, now - cfg->source_rate_window, &rate)) < 0)
		return r;
	*ret = rate >= cfg->source_rate_max;
	return 0;
}

/* What the user holds that this login may step up with (c->offer), and its
 * grant, into in; read from the store only if needed (else as if the user
 * held nothing), into inv, the caller's zeroed scratch.  Inside the
 * assessment's transaction. */
static int factors_read(struct vigild *d, struct login_context *c, const struct service_view *view, uint64_t now,
                        bool needed, struct factor_inventory *inv, struct policy_input *in)
{
	struct method_list allowed;
	int r;

	if (needed && c->user_id > 0 &&
	    ((r = store_login_grant(d->store, c->user_id, c->device, c->source, now, &in->grant_time)) < 0 ||
	     (r = factor_inventory_read_held(d, c->user_id, inv)) < 0))
		return r;
	/* In the strong band only the strong methods answer a step-up. */
	allowed = view->methods;
	if (view->strong_at > 0 && in->score >= view->strong_at)
		method_list_intersect(&allowed, &view->strong_methods);
	factor_offer_make(&allowed, inv, c, &c->offer);
	in->has_factor = c->offer.methods.n > 0;
	in->enrolled = c->offer.enrolled;
	return 0;
}

/* Scores c and asks the policy what to do. */
int login_context_assess(struct vigild *d, struct login_context *c, uint64_t now, struct policy_verdict *ret)
{
	const struct vigil_config *cfg = d->config;
	struct store_user u = {0};
	struct store_facts facts = {0};
	struct factor_inventory *inv = NULL;
	struct risk_facts rf;
	struct risk_result risk;
	struct service_view view;
	struct policy_input in;
	bool src_locked;
	int r;

	/* What this user's last login taught, if it still waits to be
	 * written, is a fact of this one. */
	login_history_flush_user(d, c->user);
	/* Every fact of the assessment from one snapshot, in one read
	 * transaction (a new user's row makes it a write). */
	if ((r = store_tx_begin(d->store, false)) < 0)
		return r;
	/* A self-query or a simulation writes nothing, not even the user's
	 * row; a user never seen scores as the row a login would make. */
	r = c->self_query || c->dry_run ? store_user_find(d->store, c->user, &u)
	                                : store_user_get(d->store, c->user, now, &u);
	if (r < 0 && !(r == -ENOENT && (c->self_query || c->dry_run)))
		goto out;
	c->user_id = u.id;
	c->first_allowed = u.first_allowed;
	if (c->user_id > 0 && (r = store_login_risk_facts(d->store, u.id, c->device, c->source, c->prefix,
	                                                  now - cfg->failure_window, &facts)) < 0)
		goto out;
	/* Large (the user's keys): on the heap. */
	if (!(inv = calloc(1, sizeof(*inv)))) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = login_source_locked(d, c, now, &src_locked)) < 0)
		goto out;

	config_service(cfg, c->service, &view);
	c->mode = (uint8_t)view.mode;
	rf = (struct risk_facts){
	    .now = now,
	    .device_known = facts.device_known && !c->device_unknown,
	    .device_last_seen = facts.device_last_seen,
	    .source_known = facts.source_known,
	    .prefix_known = facts.prefix_known,
	    .has_source = c->source[0] != '\0',
	    .last_success = facts.last_success,
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
	    .enroll_path = c->enroll_path,
	    .user_first_allowed = u.first_allowed,
	    .suspended = u.suspended,
	    .locked = u.locked_until > now,
	    .source_locked = src_locked,
	};
	/* A low-risk login, like one denied before a step-up is owed, is
	 * decided without the user's factors and grants: they are read only
	 * where they can change the verdict (three random pages fewer for
	 * most logins, at a million users).  A simulation or a user's own
	 * question shows them whatever the verdict. */
	if ((r = factors_read(d, c, &view, now, c->dry_run || c->self_query || policy_needs_factors(cfg, &in), inv,
	                      &in)) < 0)
		goto out;
	policy_decide(cfg, &in, ret);
	/* How long its codes are, for the prompt: asked of the factor only
	 * by a login that prompts, in the same snapshot. */
	if (ret->action == POLICY_STEPUP && (r = factor_inventory_read_digits(d, &c->offer.inv)) < 0)
		goto out;
	c->factor_digits = c->offer.inv.totp_digits;
	c->verdict = policy_action_verdict(ret->action);
	c->why = ret->why;
	r = store_tx_commit(d->store);
out:
	if (r < 0)
		store_tx_rollback(d->store);
	free(inv);
	return r;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proofs before factor changes (see proof.h).  The offer is what the user
 * holds, in the order a person at vigilctl can best answer: a key (vigilctl
 * touches it, or says there is none), then codes.  OpenSSH security keys
 * prove nothing here: no sshd signed anything for this connection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caller.h"
#include "factor.h"
#include "factor_kinds.h"
#include "log.h"
#include "policy.h"
#include "proof.h"
#include "seat.h"
#include "wipe.h"

struct proof_pending {
	char user[VIGIL_USER_MAX + 1];
	int64_t user_id;
	char party[CALLER_PARTY_MAX];
	struct factor_offer offer;
	struct factor_state fstate;
	uint8_t kind; /* enum vigil_prompt_kind of the last prompt */
	bool fell_back;
};

static const struct method_list proof_methods = {3, {VIGIL_FACTOR_FIDO2, VIGIL_FACTOR_TOTP, VIGIL_FACTOR_RECOVERY}};
static const struct method_list codes_only = {2, {VIGIL_FACTOR_TOTP, VIGIL_FACTOR_RECOVERY}};

void proof_pending_free(struct proof_pending *p)
{
	wipe_free(p, sizeof(*p));
}

bool proof_valid(const struct exchange *x, int64_t user_id, uint64_t now)
{
	return x->proved_user_id > 0 && x->proved_user_id == user_id && now >= x->proved_at &&
	       now - x->proved_at <= PROOF_LIFETIME;
}

bool proof_take(struct exchange *x, int64_t user_id, uint64_t now)
{
	bool ok = proof_valid(x, user_id, now);

	x->proved_user_id = 0;
	x->proved_at = 0;
	return ok;
}

static void proof_audit(struct vigild *d, const struct proof_pending *pp, const char *method, const char *result,
                        int priority, const struct store_factor_use *use, const char *message)
{
	struct factor_label label;
	struct audit_record a = {
	    .event = AUDIT_ENROLL,
	    .priority = priority,
	    .message = message,
	    .user = pp->user,
	    .caller = pp->party,
	    .method = method,
	    .result = result,
	};

	factor_describe(&pp->offer, use, &label);
	a.key_name = label.key_name[0] ? label.key_name : NULL;
	a.key_id = label.key_id[0] ? label.key_id : NULL;
	a.recovery_told = label.recovery_told;
	a.recovery_left = label.recovery_left;
	audit_emit(d->audit, &a);
}

/* Whether the caller may try now: the user is not locked, and the caller
 * has not used up its tries for this user. */
static int proof_locked(struct vigild *d, const struct proof_pending *pp, uint64_t now, bool *ret)
{
	const struct vigil_config *cfg = d->config;
	struct store_user u;
	uint32_t failures = 0;
	int r;

	if ((r = store_user_find(d->store, pp->user, &u)) < 0 ||
	    (r = store_failures_party(d->store, pp->party, pp->user, now - cfg->lockout_interval, &failures)) < 0)
		return r;
	*ret = u.locked_until > now || failures >= cfg->lockout_deny;
	return 0;
}

/* The next prompt of pp into reply; -ENOENT when nothing is left. */
static int proof_prompt(struct vigild *d, struct proof_pending *pp, uint8_t why, struct vigil_msg *reply)
{
	int r;

	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_PROMPT;
	reply->u.prompt.why = why;
	reply->u.prompt.digits =
	    pp->offer.inv.totp_digits ? pp->offer.inv.totp_digits : (uint8_t)d->config->totp_digits;
	if ((r = factor_prompt(d, &pp->offer, pp->fell_back, &pp->fstate, &reply->u.prompt)) < 0)
		return r;
	pp->kind = reply->u.prompt.kind;
	return 0;
}

int proof_begin(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_user_request *req,
                struct vigil_msg *reply)
{
	struct proof_pending *pp = NULL;
	struct method_list methods;
	struct store_user u;
	uint64_t now = vigild_now();
	bool locked;
	int r;

	proof_pending_free(x->proof);
	x->proof = NULL;
	/* Root acts for anyone without a proof. */
	if (p->uid == 0) {
		vigild_reply_status(reply, VIGIL_STATUS_OK);
		return 0;
	}
	if (!p->name[0] || (req->user[0] && strcmp(req->user, p->name) != 0)) {
		vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
		return 0;
	}
	if (!(pp = calloc(1, sizeof(*pp)))) {
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	snprintf(pp->user, sizeof(pp->user), "%s", p->name);
	caller_party(p->uid, pp->party);
	r = store_user_find(d->store, pp->user, &u);
	if (r == -ENOENT) {
		vigild_reply_status(reply, VIGIL_STATUS_NOT_ENROLLED);
		goto out;
	}
	if (r < 0 || (r = factor_inventory_read(d, u.id, &pp->offer.inv)) < 0)
		goto internal;
	pp->user_id = u.id;
	methods = proof_methods;
	/* vigilctl run from an ssh session, or a service: the key is not
	 * here to touch, and a touch asked of one plugged in at a desk could
	 * be given by someone else. */
	if (seat_of_pid(p->pid) == SEAT_REMOTE)
		method_list_intersect(&methods, &codes_only);
	factor_offer_make(&methods, &pp->offer.inv, NULL, &pp->offer);
	if (pp->offer.methods.n == 0) {
		vigild_reply_status(reply, VIGIL_STATUS_NOT_ENROLLED);
		goto out;
	}
	if ((r = proof_locked(d, pp, now, &locked)) < 0)
		goto internal;
	if (locked) {
		vigild_reply_status(reply, VIGIL_STATUS_LOCKED);
		goto out;
	}
	if ((r = proof_prompt(d, pp, VIGIL_WHY_PROOF, reply)) < 0)
		goto internal;
	x->proof = pp;
	return 0;
internal:
	log_msg(LOG_ERR, "a proof for %s failed: %s", pp->user, strerror(-r));
	vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
out:
	proof_pending_free(pp);
	return 0;
}

/* Spends what the answer proved and marks the connection proved. */
static int proof_spend(struct vigild *d, struct exchange *x, struct proof_pending *pp, const char *method,
                       const struct store_factor_use *use, uint64_t now, struct vigil_msg *reply)
{
	struct factor_label label;
	int r = store_factor_prove(d->store, pp->user_id, use, now);

	if (r == -EALREADY || r == -ENOENT) {
		proof_audit(d, pp, method, "replay", LOG_NOTICE, use, "factor proof refused: already used");
		vigild_reply_status(reply, VIGIL_STATUS_BAD_CODE);
		return 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "a proof for %s failed: %s", pp->user, strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	x->proved_user_id = pp->user_id;
	x->proved_at = now;
	proof_audit(d, pp, method, "proved", LOG_INFO, use, "factor proved for a factor change");
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	factor_describe(&pp->offer, use, &label);
	if (label.recovery_told)
		reply->u.result.remaining = (uint16_t)label.recovery_left;
	return 0;
}

/* What a checked answer leads to.  Frees pp unless it asks again. */
static int proof_settle(struct vigild *d, struct exchange *x, struct proof_pending *pp, const char *method,
                        const char *result, const struct store_factor_use *use, uint64_t now, struct vigil_msg *reply)
{
	int r = 0;

	if (strcmp(result, "ok") == 0)
		r = proof_spend(d, x, pp, method, use, now, reply);
	else if (strcmp(result, "internal") == 0)
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
	else {
		bool counted = factor_result_counts(result);

		proof_audit(d, pp, method, result, strcmp(result, "cloned_key") == 0 ? LOG_ALERT : LOG_WARNING, use,
		            factor_result_text(result));
		if (counted && (r = store_failure_add_local(d->store, pp->user, pp->party, now)) < 0)
			log_msg(LOG_ERR, "recording a failed proof for %s failed: %s", pp->user, strerror(-r));
		vigild_reply_status(reply, r < 0 ? VIGIL_STATUS_INTERNAL : VIGIL_STATUS_BAD_CODE);
		r = 0;
	}
	proof_pending_free(pp);
	return r;
}

/* An answer that comes while the user or the caller is locked (since the
 * prompt) is refused unchecked: true with *reply filled and pp freed. */
static bool proof_refused_locked(struct vigild *d, struct proof_pending *pp, uint64_t now, struct vigil_msg *reply)
{
	bool locked = false;
	int r = proof_locked(d, pp, now, &locked);

	if (r == 0 && !locked)
		return false;
	vigild_reply_status(reply, r < 0 ? VIGIL_STATUS_INTERNAL : VIGIL_STATUS_LOCKED);
	proof_pending_free(pp);
	return true;
}

int proof_code(struct vigild *d, const struct peer *p, struct exchange *x, const char *code, struct vigil_msg *reply)
{
	struct proof_pending *pp = x->proof;
	struct factor_answer a = {.code = code};
	struct store_factor_use use = {0};
	const struct factor_kind *f;
	uint64_t now = vigild_now();

	(void)p;
	if (!pp || pp->kind != VIGIL_PROMPT_TOTP)
		return -EPROTO;
	x->proof = NULL;
	if (proof_refused_locked(d, pp, now, reply))
		return 0;
	f = factor_kind(factor_code_kind(&pp->offer, code));
	if (!f)
		return proof_settle(d, x, pp, "totp", "no_factor", &use, now, reply);
	return proof_settle(d, x, pp, method_name(f->kind),
	                    f->verify(d, &pp->offer, pp->user_id, pp->user, &pp->fstate, &a, now, &use), &use, now,
	                    reply);
}

int proof_assertion(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_assertion *a,
                    struct vigil_msg *reply)
{
	struct proof_pending *pp = x->proof;
	struct factor_answer answer = {.assertion = a};
	struct store_factor_use use = {0};
	const char *method = method_name(VIGIL_FACTOR_FIDO2), *result;
	uint64_t now = vigild_now();

	(void)p;
	if (!pp || pp->kind != VIGIL_PROMPT_FIDO2)
		return -EPROTO;
	x->proof = NULL;
	if (proof_refused_locked(d, pp, now, reply))
		return 0;
	if (a->status != VIGIL_FIDO2_OK) {
		/* No key here: a code, if the user holds one. */
		factor_state_clear(&pp->fstate);
		pp->fell_back = true;
		if (proof_prompt(d, pp, VIGIL_WHY_FALLBACK, reply) == 0) {
			x->proof = pp;
			return 0;
		}
		vigild_reply_status(reply, VIGIL_STATUS_DENIED);
		proof_pending_free(pp);
		return 0;
	}
	result = factor_fido2.verify(d, &pp->offer, pp->user_id, pp->user, &pp->fstate, &answer, now, &use);
	if (strcmp(result, "cloned_key") == 0 && use.factor_id > 0 &&
	    store_key_flag(d->store, use.factor_id, STORE_KEY_CLONED) < 0)
		log_msg(LOG_ERR, "flagging a cloned security key of %s failed", pp->user);
	return proof_settle(d, x, pp, method, result, &use, now, reply);
}

bool proof_gate(struct vigild *d, const struct peer *p, struct exchange *x, int64_t user_id, uint64_t first_allowed,
                bool take, uint16_t *ret_status)
{
	struct factor_inventory *inv;
	uint64_t now = vigild_now();
	bool holds = false;

	if (p->uid == 0)
		return true;
	if (!(inv = calloc(1, sizeof(*inv))) || factor_inventory_read(d, user_id, inv) < 0) {
		free(inv);
		*ret_status = VIGIL_STATUS_INTERNAL;
		return false;
	}
	/* What a proof could use: a user holding only an OpenSSH security
	 * key (or a retired one) is, for vigilctl, a user holding nothing. */
	holds = factor_provable(inv);
	free(inv);
	if (holds) {
		if (take ? proof_take(x, user_id, now) : proof_valid(x, user_id, now))
			return true;
		*ret_status = VIGIL_STATUS_PROOF_REQUIRED;
		return false;
	}
	/* Nothing proven and nothing held: a process running as the user must
	 * not be able to pick the factor later logins ask for, outside the
	 * window the admin opened. */
	if (policy_enroll_open(d->config, first_allowed, now))
		return true;
	*ret_status = VIGIL_STATUS_DENIED;
	return false;
}

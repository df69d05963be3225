/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TOTP enrollment and status (see enroll.h).  The secret is made
 * here, sealed before it reaches the store, shown once to its owner and
 * activated only by a valid code on the same connection.  Who the caller is
 * comes from the peer credentials: a non-root caller acts on itself only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enroll.h"
#include "log.h"
#include "nss.h"
#include "policy.h"
#include "proof.h"
#include "qr.h"
#include "totp.h"
#include "wipe.h"

/* Wrong confirmation codes one connection may send before it is refused. */
#define ENROLL_CONFIRM_TRIES 5

struct enroll_pending {
	char user[VIGIL_USER_MAX + 1];
	int64_t user_id;
	int64_t factor_id;
	unsigned tries;
};

void enroll_pending_free(struct enroll_pending *e)
{
	wipe_free(e, sizeof(*e));
}

/* The associated data binding a sealed seed to its owner and its kind. */
static void totp_aad(const char *user, char *out, size_t cap)
{
	snprintf(out, cap, "vigil-totp:%s", user);
}

int enroll_totp_secret(struct vigild *d, const char *user, const struct store_totp *t, uint8_t **ret_secret,
                       size_t *ret_len)
{
	char aad[VIGIL_USER_MAX + 16];

	totp_aad(user, aad, sizeof(aad));
	return unseal(d->seal_key, t->sealed, t->sealed_len, aad, ret_secret, ret_len);
}

int enroll_totp_start(struct vigild *d, int64_t user_id, const char *user, int64_t *ret_factor_id,
                      struct vigil_enroll_pending *ret)
{
	const struct vigil_config *c = d->config;
	uint8_t secret[TOTP_SECRET_SIZE];
	uint8_t *sealed = NULL;
	size_t sealed_len = 0;
	char aad[VIGIL_USER_MAX + 16];
	struct store_totp t = {0};
	int r;

	memset(ret, 0, sizeof(*ret));
	if ((r = totp_secret_new(secret)) < 0)
		goto out;
	totp_aad(user, aad, sizeof(aad));
	if ((r = seal(d->seal_key, secret, sizeof(secret), aad, &sealed, &sealed_len)) < 0)
		goto out;
	if ((r = store_totp_put_pending(d->store, user_id, sealed, sealed_len, c->totp_digits, c->totp_period,
	                                vigild_now())) < 0)
		goto out;
	if ((r = store_totp_get(d->store, user_id, false, &t)) < 0)
		goto out;
	ret->digits = (uint8_t)c->totp_digits;
	ret->period = (uint16_t)c->totp_period;
	if ((r = totp_base32(secret, sizeof(secret), ret->secret_b32, sizeof(ret->secret_b32))) < 0 ||
	    (r = totp_uri(c->totp_issuer, user, ret->secret_b32, c->totp_digits, c->totp_period, ret->uri,
	                  sizeof(ret->uri))) < 0 ||
	    (r = qr_render(ret->uri, ret->qr, sizeof(ret->qr))) < 0)
		goto out;
	*ret_factor_id = t.id;
	r = 0;
out:
	if (r < 0)
		wipe(ret, sizeof(*ret));
	WIPE_ARRAY(secret);
	free(sealed); /* ciphertext: nothing to wipe */
	store_totp_clear(&t);
	return r;
}

int enroll_target_user(const struct peer *p, const char *asked, char out[VIGIL_USER_MAX + 1])
{
	const char *name = asked[0] ? asked : p->name;
	int r;

	if (!name[0] || (p->uid != 0 && strcmp(name, p->name) != 0))
		return -EPERM;
	if (p->uid != 0) {
		/* p->name is already the name NSS gives the peer's uid. */
		strcpy(out, name);
		return 0;
	}
	/* Root names an account NSS knows, under the name NSS gives it: a
	 * mistyped or differently spelled name gets no row of its own. */
	r = nss_user_canonical(name, out, NULL);
	if (r == -ENOENT) {
		log_msg(LOG_NOTICE, "root named user %s, which NSS does not know: refused", name);
		return -ENOENT;
	}
	return r;
}

void enroll_audit(struct vigild *d, const char *user, const char *caller, const char *result, int priority,
                  const char *message)
{
	struct audit_record r = {
	    .event = AUDIT_ENROLL,
	    .priority = priority,
	    .message = message,
	    .user = user,
	    .caller = caller,
	    .method = "totp",
	    .result = result,
	};

	audit_emit(d->audit, &r);
}

/* Whether user_id (0: unknown) has an active TOTP factor; a store error
 * counts as yes, so that the caller refuses rather than opens. */
static bool has_active_factor(struct vigild *d, int64_t user_id)
{
	struct store_totp t = {0};
	int r;

	if (user_id <= 0)
		return false;
	r = store_totp_get(d->store, user_id, true, &t);
	store_totp_clear(&t);
	return r != -ENOENT;
}

int enroll_begin(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_user_request *req,
                 struct vigil_msg *reply)
{
	struct enroll_pending *e = NULL;
	struct store_totp t = {0};
	struct store_user u = {0};
	uint16_t status = VIGIL_STATUS_INTERNAL;
	uint64_t now = vigild_now();
	int r;

	enroll_pending_free(x->enroll);
	x->enroll = NULL;
	e = calloc(1, sizeof(*e));
	if (!e) {
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	if ((r = enroll_target_user(p, req->user, e->user)) < 0) {
		vigild_reply_status(reply, r == -ENOENT ? VIGIL_STATUS_UNKNOWN_USER : VIGIL_STATUS_PERMISSION);
		goto out;
	}
	/* A user enrolling a first factor for itself must be within the
	 * enrollment window (the admin's enroll_since, or its first allowed
	 * login): a process running as the user, with nothing proven, must
	 * not be able to pick the factor that later logins are asked for.
	 * Root may always enroll for anyone. */
	r = store_user_find(d->store, e->user, &u);
	if (r < 0 && r != -ENOENT)
		goto internal;
	/* One TOTP factor per user: another replaces it only once removed. */
	if (r == 0 && has_active_factor(d, u.id)) {
		vigild_reply_status(reply, VIGIL_STATUS_ALREADY_ENROLLED);
		goto out;
	}
	/* A user holding a key or recovery codes proves one first; a user
	 * holding nothing enrolls only within the window. */
	if (!proof_gate(d, p, x, r == 0 ? u.id : 0, r == 0 ? u.first_allowed : 0, true, &status)) {
		if (status == VIGIL_STATUS_DENIED)
			enroll_audit(d, e->user, NULL, "refused", LOG_WARNING,
			             "TOTP self-enrollment refused: outside the enrollment window");
		vigild_reply_status(reply, status);
		goto out;
	}
	if ((r = store_user_get(d->store, e->user, now, &u)) < 0)
		goto internal;
	e->user_id = u.id;

	/* Adding a factor beside an active one must wait for the proof of
	 * that one: until then, one TOTP factor per user. */
	r = store_totp_get(d->store, u.id, true, &t);
	store_totp_clear(&t);
	if (r == 0) {
		vigild_reply_status(reply, VIGIL_STATUS_ALREADY_ENROLLED);
		goto out;
	}
	if (r != -ENOENT)
		goto internal;

	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_ENROLL_PENDING;
	if ((r = enroll_totp_start(d, u.id, e->user, &e->factor_id, &reply->u.pending)) < 0)
		goto internal;
	enroll_audit(d, e->user, NULL, "pending", LOG_INFO, "TOTP enrollment started");
	x->enroll = e;
	return 0;
internal:
	log_msg(LOG_ERR, "TOTP enrollment for %s failed: %s", e->user, strerror(-r));
	vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
out:
	enroll_pending_free(e);
	return 0;
}

int enroll_confirm(struct vigild *d, const struct peer *p, struct exchange *x, const char *answer,
                   struct vigil_msg *reply)
{
	struct enroll_pending *e = x->enroll;
	struct store_totp t = {0};
	uint8_t *secret = NULL;
	size_t secret_len = 0;
	uint64_t now = vigild_now();
	int64_t step;
	int r;

	(void)p;
	if (!e) {
		vigild_reply_status(reply, VIGIL_STATUS_NO_PENDING);
		return 0;
	}
	r = store_totp_get(d->store, e->user_id, false, &t);
	if (r == -ENOENT || (r == 0 && t.id != e->factor_id)) {
		/* Replaced by a newer enrollment elsewhere. */
		vigild_reply_status(reply, VIGIL_STATUS_NO_PENDING);
		goto drop;
	}
	if (r < 0 || (r = enroll_totp_secret(d, e->user, &t, &secret, &secret_len)) < 0)
		goto internal;

	r = totp_verify(secret, secret_len, now, t.period, t.digits, d->config->totp_window, answer, -1, &step);
	if (r == -EACCES || r == -EINVAL || r == -EALREADY) {
		enroll_audit(d, e->user, NULL, "bad_code", LOG_WARNING, "TOTP enrollment: wrong confirmation code");
		if (++e->tries >= ENROLL_CONFIRM_TRIES) {
			vigild_reply_status(reply, VIGIL_STATUS_DENIED);
			goto drop;
		}
		vigild_reply_status(reply, VIGIL_STATUS_BAD_CODE);
		goto out;
	}
	if (r < 0)
		goto internal;
	r = store_totp_activate(d->store, e->user_id, t.id, step, now);
	if (r == -EEXIST) {
		vigild_reply_status(reply, VIGIL_STATUS_ALREADY_ENROLLED);
		goto drop;
	}
	if (r < 0)
		goto internal;
	enroll_audit(d, e->user, NULL, "activated", LOG_NOTICE, "TOTP factor enrolled and activated");
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	goto drop;
internal:
	log_msg(LOG_ERR, "TOTP activation for %s failed: %s", e->user, strerror(-r));
	vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
drop:
	enroll_pending_free(e);
	x->enroll = NULL;
out:
	wipe_free(secret, secret_len);
	store_totp_clear(&t);
	return 0;
}

int enroll_status(struct vigild *d, const struct peer *p, const struct vigil_user_request *req, struct vigil_msg *reply)
{
	char user[VIGIL_USER_MAX + 1];
	int r;

	if ((r = enroll_target_user(p, req->user, user)) < 0) {
		vigild_reply_status(reply, r == -ENOENT ? VIGIL_STATUS_UNKNOWN_USER : VIGIL_STATUS_PERMISSION);
		return 0;
	}
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_STATUS_REPORT;
	r = store_status(d->store, user, vigild_now(), &reply->u.report);
	if (r == -ENOENT) {
		/* Never seen: an empty report, not an error. */
		memset(&reply->u.report, 0, sizeof(reply->u.report));
		r = 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "status of %s failed: %s", user, strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	snprintf(reply->u.report.user, sizeof(reply->u.report.user), "%s", user);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin's changes (see admin_change.h).  Trusts the peer credentials
 * and the socket the request came through, nothing in the message: a user
 * name, a fingerprint or an address is only a key to look up, bounded by the
 * store.  The audit record is written only once the change is durable.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "admin_change.h"
#include "log.h"
#include "nss.h"
#include "reload.h"

/* What one change does to the store, and how it is named. */
struct change {
	const char *noun; /* "device", "source", "factor" */
	int (*apply)(struct store *s, const char *user, const char *key);
	const char *message; /* of the audit record */
	const char *result;  /* VIGIL_RESULT */
};

/* A factor of user: "totp", "recovery" (the whole set) or "key:NAME". */
static int factor_remove(struct store *s, const char *user, const char *what)
{
	struct store_user u;
	int r;

	if (strcmp(what, "totp") == 0)
		return store_totp_remove(s, user);
	if (strcmp(what, "recovery") == 0)
		return store_recovery_remove(s, user);
	if (strncmp(what, "key:", 4) != 0 || !what[4])
		return -EINVAL;
	if ((r = store_user_find(s, user, &u)) < 0)
		return r;
	return store_key_remove(s, u.id, what + 4);
}

/* Applies c for t->user (as NSS spells it) and t->target, answers, and
 * audits a change made. */
static int change_apply(struct vigild *d, const struct peer *p, const struct vigil_admin_target *t,
                        const struct change *c, struct vigil_msg *reply)
{
	struct audit_record a = {
	    .event = AUDIT_ADMIN,
	    .priority = LOG_NOTICE,
	    .message = c->message,
	    .result = c->result,
	};
	char name[VIGIL_USER_MAX + 1];
	int r;

	if (!peer_is_admin(p)) {
		vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
		return 0;
	}
	if (!t->user[0] || !t->target[0]) {
		vigild_reply_status(reply, VIGIL_STATUS_PROTOCOL);
		return 0;
	}
	/* The name the store keys on; one NSS does not know is no user at
	 * all, and nothing is made for it. */
	r = nss_user_canonical(t->user, name, NULL);
	if (r == -ENOENT) {
		vigild_reply_status(reply, VIGIL_STATUS_UNKNOWN_USER);
		return 0;
	}
	if (r == 0)
		r = c->apply(d->store, name, t->target);
	if (r == -ENOENT) {
		/* Never seen here, or without that factor, device or source. */
		vigild_reply_status(reply, strcmp(c->noun, "factor") == 0 ? VIGIL_STATUS_NOT_ENROLLED
		                                                          : VIGIL_STATUS_NOT_FOUND);
		return 0;
	}
	if (r == -EINVAL || r == -E2BIG) {
		/* Longer than anything stored under that name. */
		vigild_reply_status(reply, VIGIL_STATUS_PROTOCOL);
		return 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "admin change (%s) for %s failed: %s", c->result, t->user, strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	a.user = name;
	if (strcmp(c->noun, "device") == 0)
		a.device = t->target;
	else if (strcmp(c->noun, "source") == 0)
		a.rhost = t->target;
	else if (strncmp(t->target, "key:", 4) == 0) {
		a.method = "key";
		a.key_name = t->target + 4;
	} else
		a.method = t->target;
	audit_emit(d->audit, &a);
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	return 0;
}

int admin_factor_remove(struct vigild *d, const struct peer *p, const struct vigil_admin_target *t,
                        struct vigil_msg *reply)
{
	static const struct change totp = {
	    .noun = "factor",
	    .apply = factor_remove,
	    .message = "TOTP factor removed by an administrator",
	    .result = "factor_removed",
	};
	static const struct change recovery = {
	    .noun = "factor",
	    .apply = factor_remove,
	    .message = "recovery codes removed by an administrator",
	    .result = "factor_removed",
	};
	static const struct change key = {
	    .noun = "factor",
	    .apply = factor_remove,
	    .message = "security key removed by an administrator",
	    .result = "factor_removed",
	};

	return change_apply(d, p, t,
	                    strcmp(t->target, "totp") == 0       ? &totp
	                    : strcmp(t->target, "recovery") == 0 ? &recovery
	                                                         : &key,
	                    reply);
}

int admin_device_forget(struct vigild *d, const struct peer *p, const struct vigil_admin_target *t,
                        struct vigil_msg *reply)
{
	static const struct change c = {
	    .noun = "device",
	    .apply = store_device_forget,
	    .message = "known device forgotten by an administrator",
	    .result = "device_forgotten",
	};

	return change_apply(d, p, t, &c, reply);
}

int admin_source_forget(struct vigild *d, const struct peer *p, const struct vigil_admin_target *t,
                        struct vigil_msg *reply)
{
	static const struct change c = {
	    .noun = "source",
	    .apply = store_source_forget,
	    .message = "known source forgotten by an administrator",
	    .result = "source_forgotten",
	};

	return change_apply(d, p, t, &c, reply);
}

int admin_reload(struct vigild *d, const struct peer *p, struct vigil_msg *reply)
{
	char err[VIGIL_MESSAGE_MAX + 1];
	int r;

	if (!peer_is_admin(p)) {
		vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
		return 0;
	}
	r = vigild_reload(d, "admin", err, sizeof(err));
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_RELOAD_RESULT;
	reply->u.reload.status = r < 0 ? VIGIL_STATUS_DENIED : VIGIL_STATUS_OK;
	if (r < 0)
		snprintf(reply->u.reload.message, sizeof(reply->u.reload.message), "%s", err);
	return 0;
}

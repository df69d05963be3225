/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin verbs (see admin.h).  Trusts the peer credentials and the socket
 * the request came through, nothing in the message: a user name or a source
 * is only a key to look up, bounded by the store, and every unlock is
 * audited with who was unlocked.
 */
#include <errno.h>
#include <string.h>

#include "admin.h"
#include "log.h"
#include "nss.h"

int admin_user_unlock(struct vigild *d, const struct peer *p, const struct vigil_user_request *req,
                      struct vigil_msg *reply)
{
	struct audit_record a = {
	    .event = AUDIT_ADMIN,
	    .priority = LOG_NOTICE,
	    .message = "user unlocked by an administrator",
	    .user = req->user,
	    .result = "unlocked",
	};
	struct store_user u;
	char name[VIGIL_USER_MAX + 1];
	uint32_t failures = 0;
	int r;

	if (!peer_is_admin(p) || !req->user[0]) {
		vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
		return 0;
	}
	/* The name as NSS spells it, the one the store keys on; a name NSS
	 * does not know is no user at all, not one that is "not locked". */
	r = nss_user_canonical(req->user, name, NULL);
	if (r == -ENOENT) {
		vigild_reply_status(reply, VIGIL_STATUS_UNKNOWN_USER);
		return 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "looking up a user to unlock failed: %s", strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	a.user = name;
	/* Neither locked nor any failure: say so, rather than "unlocked".  A
	 * lock or failure arriving between here and the unlock is lifted
	 * anyway on the next call; nothing is lost by the gap. */
	r = store_user_find(d->store, name, &u);
	if (r == 0 && u.locked_until <= vigild_now())
		r = store_failures_user(d->store, name, 0, &failures);
	if (r == 0 && u.locked_until <= vigild_now() && failures == 0) {
		vigild_reply_status(reply, VIGIL_STATUS_NOT_FOUND);
		return 0;
	}
	r = store_user_unlock(d->store, name);
	if (r == -ENOENT) {
		/* Known to NSS, never seen here: nothing to lift. */
		vigild_reply_status(reply, VIGIL_STATUS_NOT_FOUND);
		return 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "unlocking a user failed: %s", strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	audit_emit(d->audit, &a);
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	return 0;
}

int admin_source_unlock(struct vigild *d, const struct peer *p, const struct vigil_user_request *req,
                        struct vigil_msg *reply)
{
	const char *source = req->user; /* the request's one string is the source */
	struct audit_record a = {
	    .event = AUDIT_ADMIN,
	    .priority = LOG_NOTICE,
	    .message = "source unlocked by an administrator",
	    .rhost = source,
	    .result = "unlocked",
	};
	int r;

	if (!peer_is_admin(p)) {
		vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
		return 0;
	}
	r = store_source_unlock(d->store, source);
	if (r == -ENOENT) {
		/* Nothing charged to it: it was not locked. */
		vigild_reply_status(reply, VIGIL_STATUS_NOT_FOUND);
		return 0;
	}
	if (r == -EINVAL || r == -E2BIG) {
		/* Empty, or longer than any source we store. */
		vigild_reply_status(reply, VIGIL_STATUS_PROTOCOL);
		return 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "unlocking a source failed: %s", strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	audit_emit(d->audit, &a);
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	return 0;
}

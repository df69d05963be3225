/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeing and ending sessions, suspending users (see session_admin.h).
 * Trusts the peer credentials and the socket, nothing in the message: a
 * user name or a session id is only a key to look up.  A user's own
 * sessions are found through the store by its canonical name, so a
 * session of someone else is simply not among them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "nss.h"
#include "session_admin.h"
#include "session_end.h"

/* One page from the store: one more than a reply holds, to tell `more`. */
#define PAGE (VIGIL_LIST_MAX + 1)

/* Root, on the admin socket or the public one, sees and ends anyone's. */
static bool peer_is_root(const struct peer *p)
{
	return p->uid == 0;
}

/* Who asked, for the audit record of what it ended: the peer's uid from
 * SO_PEERCRED (a name could be reused; the uid is what the kernel said). */
static void peer_by(const struct peer *p, char *out, size_t cap)
{
	snprintf(out, cap, "uid=%u", (unsigned)p->uid);
}

/* The user whose sessions the request names, into ret_user ("" for
 * everyone, which only root may ask): UNKNOWN_USER, PERMISSION or OK. */
static uint16_t target_user(const struct peer *p, const char *name, char ret_user[VIGIL_USER_MAX + 1])
{
	char canon[VIGIL_USER_MAX + 1];
	int r;

	if (!name[0]) {
		if (peer_is_root(p)) {
			ret_user[0] = '\0';
			return VIGIL_STATUS_OK;
		}
		if (!p->name[0])
			return VIGIL_STATUS_PERMISSION;
		strcpy(ret_user, p->name);
		return VIGIL_STATUS_OK;
	}
	r = nss_user_canonical(name, canon, NULL);
	if (r < 0)
		return peer_is_root(p) ? VIGIL_STATUS_UNKNOWN_USER : VIGIL_STATUS_PERMISSION;
	if (!peer_is_root(p) && strcmp(canon, p->name) != 0)
		return VIGIL_STATUS_PERMISSION;
	strcpy(ret_user, canon);
	return VIGIL_STATUS_OK;
}

static void session_info_fill(const struct store_session *x, uint64_t now, struct vigil_session_info *e)
{
	snprintf(e->id, sizeof(e->id), "%s", x->id);
	snprintf(e->user, sizeof(e->user), "%s", x->user);
	snprintf(e->service, sizeof(e->service), "%s", x->service);
	snprintf(e->source, sizeof(e->source), "%s", x->source);
	snprintf(e->device, sizeof(e->device), "%s", x->device);
	snprintf(e->tty, sizeof(e->tty), "%s", x->tty);
	e->started = x->opened;
	e->last_activity = x->last_activity;
	e->idle = x->last_activity && x->last_activity < now ? now - x->last_activity : 0;
	e->ends_at = x->ends_at;
	/* A band this build does not know reads as the plainest. */
	e->band = x->band < VIGIL_BAND_MAX_ ? x->band : VIGIL_BAND_PLAIN;
}

int sessions_list(struct vigild *d, const struct peer *p, const struct vigil_session_list_request *req,
                  struct vigil_msg *reply)
{
	char user[VIGIL_USER_MAX + 1];
	struct store_session *page = NULL;
	struct vigil_session_list *l;
	uint64_t now = vigild_now();
	uint16_t status;
	size_t n = 0;
	int r;

	status = target_user(p, req->user, user);
	if (status != VIGIL_STATUS_OK) {
		vigild_reply_status(reply, status);
		return 0;
	}
	page = calloc(PAGE, sizeof(*page));
	if (!page) {
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	r = store_session_list(d->store, user[0] ? user : NULL, page, PAGE, &n, req->after_id);
	if (r < 0) {
		log_msg(LOG_ERR, "listing sessions failed: %s", strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		goto out;
	}
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_SESSION_LIST_REPLY;
	l = &reply->u.sessions;
	l->more = n > VIGIL_LIST_MAX;
	l->n_sessions = (uint16_t)(n > VIGIL_LIST_MAX ? VIGIL_LIST_MAX : n);
	for (size_t i = 0; i < l->n_sessions; i++)
		session_info_fill(&page[i], now, &l->sessions[i]);
out:
	free(page);
	return 0;
}

int sessions_end(struct vigild *d, const struct peer *p, const struct vigil_session_end_request *req,
                 struct vigil_msg *reply)
{
	char user[VIGIL_USER_MAX + 1], by[32];
	struct store_session x;
	unsigned ended = 0;
	uint16_t status;
	int r;

	if (!req->id[0] == !req->user[0]) {
		vigild_reply_status(reply, VIGIL_STATUS_PROTOCOL);
		return 0;
	}
	peer_by(p, by, sizeof(by));
	if (req->user[0]) {
		status = target_user(p, req->user, user);
		if (status != VIGIL_STATUS_OK) {
			vigild_reply_status(reply, status);
			return 0;
		}
		r = session_end_user(d, user, SESSION_END_REVOKED, by);
		if (r >= 0) {
			ended = (unsigned)r;
			r = 0;
		}
	} else {
		/* A user ends only its own: another's id is NOT_FOUND, as a
		 * made-up one, so that ids cannot be probed. */
		r = store_session_get(d->store, req->id, &x);
		if (r == 0 && !peer_is_root(p) && (!p->name[0] || strcmp(x.user, p->name) != 0))
			r = -ENOENT;
		if (r == 0)
			r = session_end(d, req->id, SESSION_END_REVOKED, by);
		ended = r == 0;
	}
	if (r == -ENOENT) {
		vigild_reply_status(reply, VIGIL_STATUS_NOT_FOUND);
		return 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "ending sessions for %s failed: %s", by, strerror(-r));
		vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
		return 0;
	}
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	if (req->id[0])
		snprintf(reply->u.result.id, sizeof(reply->u.result.id), "%s", req->id);
	reply->u.result.remaining = (uint16_t)(ended > UINT16_MAX ? UINT16_MAX : ended);
	return 0;
}

static int suspend_set(struct vigild *d, const struct peer *p, const struct vigil_user_request *req, bool on,
                       struct vigil_msg *reply)
{
	char name[VIGIL_USER_MAX + 1], by[32];
	struct store_user u;
	unsigned ended = 0;
	int r;

	if (!peer_is_admin(p)) {
		vigild_reply_status(reply, VIGIL_STATUS_PERMISSION);
		return 0;
	}
	r = nss_user_canonical(req->user, name, NULL);
	if (r == -ENOENT) {
		vigild_reply_status(reply, VIGIL_STATUS_UNKNOWN_USER);
		return 0;
	}
	/* A user never seen here may be suspended before a first login (the
	 * store makes its row); resuming one is NOT_FOUND. */
	if (r == 0 && !on)
		r = store_user_find(d->store, name, &u);
	if (r == 0)
		r = store_user_suspend(d->store, name, on);
	if (r == -ENOENT) {
		vigild_reply_status(reply, VIGIL_STATUS_NOT_FOUND);
		return 0;
	}
	if (r < 0)
		goto internal;
	peer_by(p, by, sizeof(by));
	/* The flag first, durable: no new login slips in while the old
	 * sessions end. */
	audit_emit(d->audit,
	           &(struct audit_record){
	               .event = AUDIT_ADMIN,
	               .priority = LOG_NOTICE,
	               .message = on ? "user suspended by an administrator" : "user resumed by an administrator",
	               .user = name,
	               .caller = by,
	               .result = on ? "user_suspended" : "user_resumed",
	           });
	if (on) {
		if ((r = session_end_user(d, name, SESSION_END_SUSPEND, by)) < 0)
			goto internal;
		ended = (unsigned)r;
	}
	vigild_reply_status(reply, VIGIL_STATUS_OK);
	reply->u.result.remaining = (uint16_t)(ended > UINT16_MAX ? UINT16_MAX : ended);
	return 0;
internal:
	log_msg(LOG_ERR, "%s %s failed: %s", on ? "suspending" : "resuming", name, strerror(-r));
	vigild_reply_status(reply, VIGIL_STATUS_INTERNAL);
	return 0;
}

int admin_user_suspend(struct vigild *d, const struct peer *p, const struct vigil_user_request *req,
                       struct vigil_msg *reply)
{
	return suspend_set(d, p, req, true, reply);
}

int admin_user_resume(struct vigild *d, const struct peer *p, const struct vigil_user_request *req,
                      struct vigil_msg *reply)
{
	return suspend_set(d, p, req, false, reply);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session registration (see session.h).  The device and source of a session
 * come from the login decision it follows (by login id), so that a sudo run
 * inside it later inherits them; without a login id they come from the
 * request, as for a login that Vigil did not see authenticate.  A session
 * is its opener's: the user NSS names, the process (pid and start time) that
 * opened it, and the session id handed back; only that process may close it
 * for that user, by that id.  The request comes from root (the PAM socket)
 * but its strings are still whatever the PAM stack held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "login.h"
#include "nss.h"
#include "nss_cache.h"
#include "origin.h"
#include "session.h"
#include "session_end.h"

static void reply_result(struct vigil_msg *reply, uint16_t status, const char *id)
{
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_RESULT;
	reply->u.result.status = status;
	if (id)
		snprintf(reply->u.result.id, sizeof(reply->u.result.id), "%s", id);
}

static void audit_session(struct vigild *d, enum audit_event event, int priority, const struct store_session *s,
                          const char *result, const char *message)
{
	session_audit(d, event, priority, s, result, message, NULL);
}

/* The risk band of the login a session follows: a new device is the
 * riskier of the two, so a stepped-up login from a new device is in it. */
static uint32_t login_band(const struct store_login *l)
{
	if (l->signals & VIGIL_SIGNAL_NEW_DEVICE)
		return STORE_BAND_NEW_DEVICE;
	if (l->stepped_up)
		return STORE_BAND_STEPPED_UP;
	return STORE_BAND_PLAIN;
}

int session_open(struct vigild *d, const struct peer *p, const struct vigil_session_request *req,
                 struct vigil_msg *reply)
{
	struct store_session s = {0}, ended[STORE_END_OLDEST_MAX];
	struct store_session_limit lim;
	struct session_view v;
	struct store_login l;
	struct store_user u;
	size_t n_ended = 0, i;
	uid_t uid = 0;
	int r;

	if (!req->user[0] || !req->service[0]) {
		reply_result(reply, VIGIL_STATUS_PROTOCOL, NULL);
		return 0;
	}
	strcpy(s.user, req->user);
	strcpy(s.service, req->service);
	/* One account, one name: no row for a name NSS does not know, and the
	 * row under the name NSS gives (limits count per account). */
	r = nss_cache_canonical(req->user, nss_cache_now_ms(), s.user, &uid);
	if (r == -ENOENT) {
		audit_session(d, AUDIT_SESSION_OPEN, LOG_WARNING, &s, "unknown_user", "session refused: no such user");
		reply_result(reply, VIGIL_STATUS_PERMISSION, NULL);
		return 0;
	}
	if (r < 0)
		goto internal;
	if ((r = origin_pid_start(p->pid, &s.pid_start)) < 0)
		goto internal;
	strcpy(s.tty, req->tty);
	strcpy(s.rhost, req->rhost);
	strcpy(s.login_id, req->login_id);
	s.pid = (uint32_t)p->pid;
	s.uid = (int64_t)uid;
	s.opened = vigild_now();

	if ((r = store_user_get(d->store, s.user, s.opened, &u)) < 0)
		goto internal;
	s.user_id = u.id;
	if (u.suspended) {
		audit_session(d, AUDIT_SESSION_OPEN, LOG_WARNING, &s, "suspended",
		              "session refused: the account is suspended");
		reply_result(reply, VIGIL_STATUS_DENIED, NULL);
		return 0;
	}
	r = req->login_id[0] ? store_login_get(d->store, req->login_id, &l) : -ENOENT;
	if (r == 0 &&
	    (strcmp(l.user, s.user) != 0 || strcmp(l.service, s.service) != 0 || l.outcome != VIGIL_OUTCOME_ALLOW)) {
		/* A session may only follow a login Vigil allowed for it. */
		audit_session(d, AUDIT_SESSION_OPEN, LOG_WARNING, &s, "refused",
		              "session refused: its login id names another user or service, or a denied login");
		reply_result(reply, VIGIL_STATUS_DENIED, NULL);
		return 0;
	}
	if (r == 0 && l.state != STORE_LOGIN_DONE) {
		/* No account phase ran pam_vigil for this login: its trust is
		 * written now that the auth stack has passed, once. */
		r = login_commit(d, &l, s.rhost, s.tty, s.opened);
		if (r < 0 && r != -EALREADY) {
			audit_session(d, AUDIT_SESSION_OPEN, LOG_WARNING, &s, "refused",
			              "session refused: its login could not be committed");
			reply_result(reply, r == -EEXIST || r == -ENOENT ? VIGIL_STATUS_DENIED : VIGIL_STATUS_INTERNAL,
			             NULL);
			return 0;
		}
		r = 0;
	}
	if (r == 0) {
		strcpy(s.device, l.device);
		strcpy(s.source, l.source);
		s.band = login_band(&l);
	} else if (r < 0 && r != -ENOENT) {
		goto internal;
	} else {
		s.login_id[0] = '\0';
		if (origin_source("", s.rhost, s.source) < 0)
			s.source[0] = '\0';
		snprintf(s.device, sizeof(s.device), "%s:%s", s.service, s.tty);
	}
	if ((r = vigild_new_id(s.id, sizeof(s.id))) < 0)
		goto internal;

	config_session(d->config, s.service, s.band, &v);
	lim = (struct store_session_limit){
	    .max_user = v.max_sessions,
	    .max_source = v.max_sessions_per_source,
	    .end_oldest = v.on_excess == ON_EXCESS_END_OLDEST,
	};
	s.last_activity = s.opened;
	s.ends_at = v.lifetime ? s.opened + v.lifetime : 0;
	r = store_session_open(d->store, &s, &lim, s.opened, ended, &n_ended);
	if (r == -EUSERS) {
		audit_session(d, AUDIT_SESSION_OPEN, LOG_WARNING, &s, "session_limit",
		              "session refused: too many concurrent sessions");
		reply_result(reply, VIGIL_STATUS_SESSION_LIMIT, NULL);
		return 0;
	}
	if (r < 0)
		goto internal;
	audit_session(d, AUDIT_SESSION_OPEN, LOG_INFO, &s, "ok", "session opened");
	/* The oldest over the limit were closed with this open, in its
	 * transaction: their processes go now, in this same turn. */
	for (i = 0; i < n_ended; i++)
		session_end_closed(d, &ended[i], NULL);
	reply_result(reply, VIGIL_STATUS_OK, s.id);
	return 0;
internal:
	log_msg(LOG_ERR, "opening a session for %s failed: %s", s.user, strerror(-r));
	reply_result(reply, VIGIL_STATUS_INTERNAL, NULL);
	return 0;
}

int session_close(struct vigild *d, const struct peer *p, const struct vigil_session_request *req,
                  struct vigil_msg *reply)
{
	char user[VIGIL_USER_MAX + 1];
	struct store_session s = {0};
	uint64_t start;
	int r;

	/* login_id holds the session id the open returned (see proto.h). */
	r = nss_user_canonical(req->user, user, NULL);
	if (r == 0)
		r = origin_pid_start(p->pid, &start);
	if (r == 0)
		r = store_session_close(d->store, req->login_id, user, (uint32_t)p->pid, start, vigild_now(), &s);
	if (r == -EALREADY) {
		/* vigild ended it (audited then); its service's close follows. */
		reply_result(reply, VIGIL_STATUS_OK, req->login_id);
		return 0;
	}
	if (r == -ENOENT || r == -EPERM) {
		/* Not this process's session for this user, or none: nothing
		 * is closed, and it is worth a line, for only a confused or
		 * steered module sends one. */
		log_msg(LOG_WARNING, "session close by pid %d for %s refused: %s", (int)p->pid, req->user,
		        r == -EPERM ? "the session belongs to another user or process" : "no such open session");
		reply_result(reply, VIGIL_STATUS_UNKNOWN_LOGIN, NULL);
		return 0;
	}
	if (r < 0) {
		log_msg(LOG_ERR, "closing a session of %s failed: %s", req->user, strerror(-r));
		reply_result(reply, VIGIL_STATUS_INTERNAL, NULL);
		return 0;
	}
	audit_session(d, AUDIT_SESSION_CLOSE, LOG_INFO, &s, "ok", "session closed");
	reply_result(reply, VIGIL_STATUS_OK, s.id);
	return 0;
}

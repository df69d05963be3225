/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who may ask what (see dispatch.h).  The public socket serves PAM callers
 * (root) and users asking about themselves; the admin socket serves root
 * only and carries the admin verbs.  Identity is the peer's uid from
 * SO_PEERCRED, never a field of the message.
 */
#include <errno.h>
#include <string.h>

#include "admin.h"
#include "admin_change.h"
#include "admin_query.h"
#include "dispatch.h"
#include "enroll.h"
#include "explain.h"
#include "keys.h"
#include "login.h"
#include "login_history.h"
#include "proof.h"
#include "recovery_cmd.h"
#include "session.h"
#include "session_admin.h"
#include "simulate.h"
#include "totp_remove.h"

static void refuse(struct vigil_msg *reply, uint16_t status)
{
	memset(reply, 0, sizeof(*reply));
	reply->type = VIGIL_MSG_RESULT;
	reply->u.result.status = status;
}

/* The requests of a login's auth and account phases.  A session's open
 * reads its login's record (and lends its device to sudo later): it comes
 * after the batch is written. */
static bool login_path(uint8_t type)
{
	switch (type) {
	case VIGIL_MSG_AUTH_BEGIN:
	case VIGIL_MSG_AUTH_STEP:
	case VIGIL_MSG_AUTH_ASSERTION:
	case VIGIL_MSG_ACCOUNT_CHECK:
		return true;
	default:
		return false;
	}
}

int dispatch(struct vigild *d, const struct peer *p, struct exchange *x, const struct vigil_msg *req,
             struct vigil_msg *reply)
{
	/* An exchange is one conversation: a new request abandons the
	 * unanswered prompt of another. */
	bool answer = req->type == VIGIL_MSG_AUTH_STEP || req->type == VIGIL_MSG_AUTH_ASSERTION;

	if (!answer && x->login) {
		login_pending_free(x->login);
		x->login = NULL;
	}
	if (!answer && x->proof) {
		proof_pending_free(x->proof);
		x->proof = NULL;
	}
	if (req->type != VIGIL_MSG_TOTP_ENROLL_CONFIRM && x->enroll) {
		enroll_pending_free(x->enroll);
		x->enroll = NULL;
	}
	if (req->type != VIGIL_MSG_KEY_ENROLL_FINISH && x->key) {
		key_pending_free(x->key);
		x->key = NULL;
	}

	/* Anything but a login may read what logins wrote: the records that
	 * wait in the batch first (login_history.h). */
	if (!login_path(req->type))
		login_history_flush(d);

	switch (req->type) {
	case VIGIL_MSG_AUTH_BEGIN:
		return login_begin(d, p, x, &req->u.login, reply);
	/* An answer goes to what asked: a login's prompt, or a proof's. */
	case VIGIL_MSG_AUTH_STEP:
		return x->proof ? proof_code(d, p, x, req->u.answer.answer, reply)
		                : login_step(d, p, x, req->u.answer.answer, reply);
	case VIGIL_MSG_AUTH_ASSERTION:
		return x->proof ? proof_assertion(d, p, x, &req->u.assertion, reply)
		                : login_assertion(d, p, x, &req->u.assertion, reply);
	case VIGIL_MSG_FACTOR_PROVE:
		return proof_begin(d, p, x, &req->u.user, reply);
	case VIGIL_MSG_KEY_ENROLL_BEGIN:
		return keys_enroll_begin(d, p, x, &req->u.key_enroll, reply);
	case VIGIL_MSG_KEY_ENROLL_FINISH:
		return keys_enroll_finish(d, p, x, &req->u.attestation, reply);
	case VIGIL_MSG_KEY_ADD_SSH:
		return keys_add_ssh(d, p, x, &req->u.ssh_key, reply);
	case VIGIL_MSG_KEY_LIST:
		return keys_list(d, p, &req->u.user, reply);
	case VIGIL_MSG_KEY_RENAME:
		return keys_rename(d, p, &req->u.key, reply);
	case VIGIL_MSG_KEY_REMOVE:
		return keys_remove(d, p, x, &req->u.key, reply);
	case VIGIL_MSG_RECOVERY_GENERATE:
		return recovery_generate(d, p, x, &req->u.user, reply);
	case VIGIL_MSG_ACCOUNT_CHECK:
		return login_account(d, p, x, &req->u.login, reply);
	case VIGIL_MSG_SESSION_OPEN:
	case VIGIL_MSG_SESSION_CLOSE:
		if (p->uid != 0) {
			refuse(reply, VIGIL_STATUS_PERMISSION);
			return 0;
		}
		return req->type == VIGIL_MSG_SESSION_OPEN ? session_open(d, p, &req->u.session, reply)
		                                           : session_close(d, p, &req->u.session, reply);
	case VIGIL_MSG_TOTP_ENROLL_BEGIN:
		return enroll_begin(d, p, x, &req->u.user, reply);
	case VIGIL_MSG_TOTP_ENROLL_CONFIRM:
		return enroll_confirm(d, p, x, req->u.answer.answer, reply);
	case VIGIL_MSG_STATUS_QUERY:
		return enroll_status(d, p, &req->u.user, reply);
	case VIGIL_MSG_ADMIN_UNLOCK:
		return admin_user_unlock(d, p, &req->u.user, reply);
	case VIGIL_MSG_ADMIN_UNLOCK_SOURCE:
		return admin_source_unlock(d, p, &req->u.user, reply);
	case VIGIL_MSG_ADMIN_FACTOR_REMOVE:
		return admin_factor_remove(d, p, &req->u.target, reply);
	case VIGIL_MSG_ADMIN_DEVICE_FORGET:
		return admin_device_forget(d, p, &req->u.target, reply);
	case VIGIL_MSG_ADMIN_SOURCE_FORGET:
		return admin_source_forget(d, p, &req->u.target, reply);
	case VIGIL_MSG_ADMIN_EXPLAIN:
		return admin_explain(d, p, &req->u.target, reply);
	case VIGIL_MSG_ADMIN_SIMULATE:
		return admin_simulate(d, p, &req->u.login, reply);
	case VIGIL_MSG_ADMIN_RELOAD:
		return admin_reload(d, p, reply);
	case VIGIL_MSG_TOTP_REMOVE:
		return totp_remove(d, p, x, req->u.answer.answer, reply);
	case VIGIL_MSG_ADMIN_USERS:
		return admin_users(d, p, &req->u.user, reply);
	case VIGIL_MSG_ADMIN_HISTORY:
		return admin_history(d, p, &req->u.history_req, reply);
	case VIGIL_MSG_ADMIN_DAEMON:
		return admin_daemon(d, p, reply);
	case VIGIL_MSG_ADMIN_CONFIG:
		return admin_config(d, p, &req->u.page_req, reply);
	case VIGIL_MSG_ADMIN_REPORT:
		return admin_report(d, p, &req->u.report_req, reply);
	case VIGIL_MSG_SESSION_LIST:
		return sessions_list(d, p, &req->u.session_list_req, reply);
	case VIGIL_MSG_SESSION_END:
		return sessions_end(d, p, &req->u.session_end, reply);
	case VIGIL_MSG_ADMIN_USER_SUSPEND:
		return admin_user_suspend(d, p, &req->u.user, reply);
	case VIGIL_MSG_ADMIN_USER_RESUME:
		return admin_user_resume(d, p, &req->u.user, reply);
	default:
		/* A reply type sent as a request. */
		return -EPROTO;
	}
}

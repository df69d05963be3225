/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_vigil.so: the PAM entry points.  Loaded into sshd, sudo, login and su,
 * so it stays a thin client: it gathers the PAM items, asks vigild over the
 * local socket (one connection for auth, account and open_session where it
 * can, see keep.h; a deadline per round trip), relays prompts through the
 * application's conversation and returns what outcome_pam_code() says.  The
 * daemon decides; the module asks and relays.
 *
 * Trust: PAM items and the PAM environment are input (bounded, never
 * truncated); the daemon is trusted only after lib/client.c has checked that
 * its socket and peer belong to root; the conversation belongs to the
 * application.  No threads, signal handlers, mutable globals or config file;
 * logs only through pam_syslog(), never a secret (messages are logged through
 * msg_describe()).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "args.h"
#include "client.h"
#include "conv.h"
#include "escape.h"
#include "keep.h"
#include "outcome.h"
#include "proto.h"
#include "touch.h"
#include "wipe.h"

/* A daemon that keeps prompting is broken or hostile: stop after this many. */
#define MAX_PROMPTS 16

/* What one phase knows while it runs; everything is freed or closed by
 * ctx_finish(). */
struct ctx {
	pam_handle_t *pamh;
	int flags;
	int phase;        /* enum vigil_phase */
	const char *what; /* the entry point, for logs */
	bool quiet_deny;  /* no user message on DENY (session close) */
	struct module_args args;
	const char *user;    /* for logs and requests; "" until known */
	const char *service; /* likewise */
	int fd;
	uint32_t next_id;
	bool reused;      /* fd was kept by an earlier phase and no reply has come on it yet */
	bool keep;        /* on ALLOW, leave fd in the handle for the next phase */
	bool unreachable; /* the failure means vigild is not there (failmode=open applies) */
	int kind;         /* enum vigil_outcome_kind, 0 = not decided (a failure) */
	int value;
};

static void ctx_init(struct ctx *c, pam_handle_t *pamh, int flags, int phase, const char *what)
{
	*c = (struct ctx){
	    .pamh = pamh,
	    .flags = flags,
	    .phase = phase,
	    .what = what,
	    .user = "",
	    .service = "",
	    .fd = -1,
	    .next_id = 1,
	};
}

static const char *err_str(int error, char *buf, size_t cap)
{
	/* GNU strerror_r: thread-safe, returns a string that may not be buf. */
	return strerror_r(error < 0 ? -error : error, buf, cap);
}

static int pam_to_errno(int pam_code)
{
	switch (pam_code) {
	case PAM_SUCCESS:
		return 0;
	case PAM_BUF_ERR:
		return -ENOMEM;
	case PAM_CONV_ERR:
	case PAM_CONV_AGAIN:
		return -ECOMM;
	default:
		return -EIO;
	}
}

/* Copies src into a request field of max bytes; refuses, never truncates. */
static int field_set(char *dst, size_t max, const char *src)
{
	size_t n = strnlen(src, max + 1);

	if (n > max)
		return -E2BIG;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

static int item_get(pam_handle_t *pamh, int type, const char **ret)
{
	const void *v = NULL;
	int r;

	if ((r = pam_to_errno(pam_get_item(pamh, type, &v))) < 0)
		return r;
	*ret = v ? v : "";
	return 0;
}

/* A login id is opaque but travels in the PAM environment (and from there
 * into the session's environment): printable ASCII, no blanks, bounded. */
static bool login_id_valid(const char *id)
{
	size_t n = strnlen(id, VIGIL_LOGIN_ID_MAX + 1);

	if (n == 0 || n > VIGIL_LOGIN_ID_MAX)
		return false;
	for (; *id; id++)
		if (*id < 0x21 || *id > 0x7e)
			return false;
	return true;
}

/* The login id a previous phase left in the PAM environment, "" if none. */
static int login_id_get(pam_handle_t *pamh, const char **ret)
{
	const char *id = pam_getenv(pamh, VIGIL_LOGIN_ID_ENV);

	if (!id || id[0] == '\0') {
		*ret = "";
		return 0;
	}
	if (!login_id_valid(id))
		return strnlen(id, VIGIL_LOGIN_ID_MAX + 1) > VIGIL_LOGIN_ID_MAX ? -E2BIG : -EBADMSG;
	*ret = id;
	return 0;
}

static int login_id_export(pam_handle_t *pamh, const char *id)
{
	char kv[sizeof(VIGIL_LOGIN_ID_ENV "=") + VIGIL_LOGIN_ID_MAX];

	if (!login_id_valid(id))
		return -EBADMSG;
	snprintf(kv, sizeof(kv), "%s=%s", VIGIL_LOGIN_ID_ENV, id);
	return pam_to_errno(pam_putenv(pamh, kv));
}

static void msg_log(const struct ctx *c, const char *dir, const struct vigil_msg *m)
{
	char d[512];

	if (!c->args.debug)
		return;
	msg_describe(m, d, sizeof(d));
	pam_syslog(c->pamh, LOG_DEBUG, "%s: %s %s", c->what, dir, d);
}

/* A message buffer, not cleared (the whole struct is 28 KB): msg_start()
 * clears what a request of its type uses, msg_decode() defines what a reply
 * uses, msg_free() wipes what a secret-carrying type used. */
static struct vigil_msg *msg_new(void)
{
	struct vigil_msg *m = malloc(sizeof(*m));

	if (m)
		m->type = 0;
	return m;
}

static void msg_start(struct vigil_msg *m, uint8_t type)
{
	memset(m, 0, msg_size(type));
	m->type = type;
}

/* Wipes what m holds if its type can carry a secret (a code, a seed). */
static void msg_wipe(struct vigil_msg *m)
{
	if (m && msg_type_has_secret(m->type))
		wipe(m, msg_size(m->type));
}

static void msg_free(struct vigil_msg *m)
{
	msg_wipe(m);
	free(m);
}

/* Parses the arguments and finds the user and service.  Returns 0 to go on,
 * 1 when the outcome is already decided (c->kind set: bad arguments or an
 * unknown user), or a negative errno. */
static int ctx_begin(struct ctx *c, int argc, const char **argv)
{
	char err[256];
	const char *user = NULL;
	int r;

	if (args_parse(argc, argv, &c->args, err, sizeof(err)) < 0) {
		char esc[ESCAPE_FIELD_MAX + 1];

		/* Root's pam.d file, but the same rule as for every string. */
		(void)escape_string(err, esc, sizeof(esc));
		pam_syslog(c->pamh, LOG_ERR, "bad module arguments: %s", esc);
		c->kind = VIGIL_KIND_BAD_ARGS;
		r = 1;
		goto out;
	}
	r = pam_get_user(c->pamh, &user, NULL);
	if (r == PAM_USER_UNKNOWN) {
		c->kind = VIGIL_KIND_USER_UNKNOWN;
		r = 1;
		goto out;
	}
	if ((r = pam_to_errno(r)) < 0)
		goto out;
	if (!user || user[0] == '\0') {
		r = -EINVAL;
		goto out;
	}
	c->user = user;
	if ((r = item_get(c->pamh, PAM_SERVICE, &c->service)) < 0)
		goto out;
	r = 0;
out:
	return r;
}

/* The AUTH_BEGIN / ACCOUNT_CHECK body. */
static int login_fill(struct ctx *c, struct vigil_login_request *l, const char *login_id)
{
	const char *rhost, *tty, *ruser, *v;
	int r;

	if ((r = item_get(c->pamh, PAM_RHOST, &rhost)) < 0 || (r = item_get(c->pamh, PAM_TTY, &tty)) < 0 ||
	    (r = item_get(c->pamh, PAM_RUSER, &ruser)) < 0)
		goto out;
	if ((r = field_set(l->user, VIGIL_USER_MAX, c->user)) < 0 ||
	    (r = field_set(l->service, VIGIL_SERVICE_MAX, c->service)) < 0 ||
	    (r = field_set(l->rhost, VIGIL_RHOST_MAX, rhost)) < 0 || (r = field_set(l->tty, VIGIL_TTY_MAX, tty)) < 0 ||
	    (r = field_set(l->ruser, VIGIL_USER_MAX, ruser)) < 0 ||
	    (r = field_set(l->login_id, VIGIL_LOGIN_ID_MAX, login_id)) < 0)
		goto out;
	l->pid = (uint32_t)getpid();
	v = pam_getenv(c->pamh, "SSH_AUTH_INFO_0");
	if ((r = field_set(l->ssh_auth_info, VIGIL_AUTH_INFO_MAX, v ? v : "")) < 0)
		goto out;
	v = pam_getenv(c->pamh, "SSH_CONNECTION");
	if ((r = field_set(l->ssh_connection, VIGIL_CONNECTION_MAX, v ? v : "")) < 0)
		goto out;
	r = 0;
out:
	return r;
}

/* The SESSION_OPEN / SESSION_CLOSE body; id is the login id for an open,
 * the session id for a close. */
static int session_fill(struct ctx *c, struct vigil_session_request *s, const char *id)
{
	const char *rhost, *tty;
	int r;

	if ((r = item_get(c->pamh, PAM_RHOST, &rhost)) < 0 || (r = item_get(c->pamh, PAM_TTY, &tty)) < 0)
		goto out;
	if ((r = field_set(s->user, VIGIL_USER_MAX, c->user)) < 0 ||
	    (r = field_set(s->service, VIGIL_SERVICE_MAX, c->service)) < 0 ||
	    (r = field_set(s->rhost, VIGIL_RHOST_MAX, rhost)) < 0 || (r = field_set(s->tty, VIGIL_TTY_MAX, tty)) < 0 ||
	    (r = field_set(s->login_id, VIGIL_LOGIN_ID_MAX, id)) < 0)
		goto out;
	s->pid = (uint32_t)getpid();
	r = 0;
out:
	return r;
}

/* A fresh connection.  retry: it replaces a kept one the daemon closed, and
 * an absent daemon then is not "unreachable": the request may have reached
 * it before it went, and failmode=open must not turn that into an allow. */
static int ctx_connect_fresh(struct ctx *c, bool retry)
{
	int fd = -1, r;

	/* The daemon must be root: client_connect checks socket, directory
	 * and peer against uid 0. */
	r = client_connect(c->args.socket, 0, clock_now_ms() + c->args.timeout_ms, &fd);
	if (r < 0) {
		/* Only a daemon that is not there may fail open.  A backlog
		 * still full at the deadline (-EAGAIN) or a connect that
		 * times out is a daemon that is there but busy, and any local
		 * user can make it so by connecting a few hundred times. */
		c->unreachable = !retry && outcome_errno_is_absent(r);
		goto out;
	}
	c->fd = fd;
	r = 0;
out:
	return r;
}

/* The connection an earlier phase of this process kept for this socket,
 * or a fresh one. */
static int ctx_connect(struct ctx *c)
{
	int fd;
	uint32_t id;

	if (keep_take(c->pamh, c->args.socket, &fd, &id) > 0) {
		c->fd = fd;
		/* Request ids go on from where the last phase stopped: a reply
		 * to anything sent before can never pass for one to this. */
		c->next_id = id;
		c->reused = true;
		return 0;
	}
	return ctx_connect_fresh(c, false);
}

static int ctx_call_once(struct ctx *c, const struct vigil_msg *req, struct vigil_msg *reply)
{
	return client_call(c->fd, c->next_id++, req, reply, clock_now_ms() + c->args.timeout_ms);
}

/* One round trip with its own deadline, counted from now: time the user
 * spent typing before it is not counted. */
static int ctx_call(struct ctx *c, const struct vigil_msg *req, struct vigil_msg *reply)
{
	int r;

	msg_log(c, "sending", req);
	r = ctx_call_once(c, req, reply);
	if (r == -ECONNRESET && c->reused) {
		/* A kept connection the daemon closed while it sat idle (its
		 * idle timer, a restart): the first call on it finds EPIPE or
		 * EOF before any reply.  Once, on a fresh connection. */
		close(c->fd);
		c->fd = -1;
		c->reused = false;
		if ((r = ctx_connect_fresh(c, true)) < 0)
			goto out;
		r = ctx_call_once(c, req, reply);
	}
	/* A reply came (or the call failed): a later reset is no idle close. */
	c->reused = false;
	if (r < 0) {
		/* Never unreachable once connected: a reset or a silence after
		 * the request went out may be a denial cut off, or a daemon made
		 * to drop connections on purpose, and neither may fail open. */
		c->unreachable = false;
		goto out;
	}
	msg_log(c, "received", reply);
	r = 0;
out:
	return r;
}

/* Renders a PROMPT and writes the request that answers it into *req: an
 * AUTH_STEP with the code typed (a secret, wiped by the caller), or an
 * AUTH_ASSERTION with what the security key said.  *req holds no secret
 * when this fails. */
static int prompt_answer(struct ctx *c, const struct vigil_prompt *p, struct vigil_msg *req)
{
	struct vigil_answer a;
	char info[512];
	int r;

	if ((r = conv_prompt_info(p, info, sizeof(info))) < 0)
		goto out;
	if ((r = conv_show(c->pamh, PAM_TEXT_INFO, info)) < 0)
		goto out;
	switch (p->kind) {
	case VIGIL_PROMPT_FIDO2:
		/* Whatever the key did is a status for the daemon to judge. */
		msg_start(req, VIGIL_MSG_AUTH_ASSERTION);
		if ((r = touch_answer(c->pamh, c->args.fido2_helper, p, &req->u.assertion)) < 0)
			goto out;
		r = 0;
		goto out;
	case VIGIL_PROMPT_TOTP:
		break;
	case VIGIL_PROMPT_ENROLL_TOTP:
		if ((r = conv_show_enrollment(c->pamh, p)) < 0)
			goto out;
		break;
	default:
		r = -EBADMSG;
		goto out;
	}
	if ((r = conv_ask_secret(c->pamh, CONV_CODE_PROMPT, &a)) < 0)
		goto out;
	msg_start(req, VIGIL_MSG_AUTH_STEP);
	req->u.answer = a;
	r = 0;
out:
	WIPE_ARRAY(a.answer);
	return r;
}

/* A login let in by a recovery code is told how many are left.  Only
 * information: a conversation that fails here changes nothing. */
static void recovery_notice(struct ctx *c, const struct vigil_decision *d)
{
	char text[160];

	if (d->recovery_used && conv_recovery_info(d->recovery_left, text, sizeof(text)) == 0)
		(void)conv_show(c->pamh, PAM_TEXT_INFO, text);
}

static int auth_run(struct ctx *c)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	unsigned prompts = 0;
	int r;

	req = msg_new();
	reply = msg_new();
	if (!req || !reply) {
		r = -ENOMEM;
		goto out;
	}
	msg_start(req, VIGIL_MSG_AUTH_BEGIN);
	if ((r = login_fill(c, &req->u.login, "")) < 0)
		goto out;
	if ((r = ctx_connect(c)) < 0)
		goto out;

	for (;;) {
		r = ctx_call(c, req, reply);
		/* The request may be an AUTH_STEP carrying a code. */
		msg_wipe(req);
		if (r < 0)
			goto out;

		switch (reply->type) {
		case VIGIL_MSG_DECISION:
			if (reply->u.decision.outcome == VIGIL_OUTCOME_ALLOW) {
				/* The account and session phases find this
				 * login by its id: an ALLOW without one is
				 * not a usable answer. */
				if ((r = login_id_export(c->pamh, reply->u.decision.login_id)) < 0)
					goto out;
				c->kind = VIGIL_KIND_ALLOW;
				recovery_notice(c, &reply->u.decision);
			} else if (reply->u.decision.outcome == VIGIL_OUTCOME_DENY) {
				c->kind = VIGIL_KIND_DENY;
				c->value = reply->u.decision.reason;
			} else {
				r = -EBADMSG;
				goto out;
			}
			r = 0;
			goto out;
		case VIGIL_MSG_PROMPT:
			if (++prompts > MAX_PROMPTS) {
				r = -EPROTO;
				goto out;
			}
			r = prompt_answer(c, &reply->u.prompt, req);
			/* The prompt may carry an enrollment secret. */
			msg_wipe(reply);
			if (r < 0)
				goto out;
			break;
		default:
			r = -EPROTO;
			goto out;
		}
	}
out:
	msg_free(req);
	msg_free(reply);
	return r;
}

static int account_run(struct ctx *c)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *login_id;
	int r;

	if ((r = login_id_get(c->pamh, &login_id)) < 0)
		goto out;
	req = msg_new();
	reply = msg_new();
	if (!req || !reply) {
		r = -ENOMEM;
		goto out;
	}
	msg_start(req, VIGIL_MSG_ACCOUNT_CHECK);
	if ((r = login_fill(c, &req->u.login, login_id)) < 0)
		goto out;
	if ((r = ctx_connect(c)) < 0)
		goto out;
	if ((r = ctx_call(c, req, reply)) < 0)
		goto out;
	if (reply->type != VIGIL_MSG_DECISION) {
		r = -EPROTO;
		goto out;
	}
	if (reply->u.decision.outcome == VIGIL_OUTCOME_ALLOW) {
		/* A login whose auth stack never ran (sshd publickey) gets
		 * its id here. */
		if (login_id[0] == '\0' && reply->u.decision.login_id[0] != '\0' &&
		    (r = login_id_export(c->pamh, reply->u.decision.login_id)) < 0)
			goto out;
		c->kind = VIGIL_KIND_ALLOW;
	} else if (reply->u.decision.outcome == VIGIL_OUTCOME_DENY) {
		c->kind = VIGIL_KIND_DENY;
		c->value = reply->u.decision.reason;
	} else {
		r = -EBADMSG;
		goto out;
	}
	r = 0;
out:
	msg_free(req);
	msg_free(reply);
	return r;
}

/* A RESULT status that is not OK, as the reason the session is refused. */
static uint16_t status_reason(uint16_t status)
{
	switch (status) {
	case VIGIL_STATUS_SESSION_LIMIT:
		return VIGIL_REASON_SESSION_LIMIT;
	case VIGIL_STATUS_PERMISSION:
		return VIGIL_REASON_PERMISSION;
	case VIGIL_STATUS_UNKNOWN_LOGIN:
		return VIGIL_REASON_UNKNOWN_LOGIN;
	case VIGIL_STATUS_LOCKED:
		return VIGIL_REASON_LOCKED;
	default:
		return VIGIL_REASON_INTERNAL;
	}
}

/* The session id SESSION_OPEN returned, kept in the PAM handle for
 * SESSION_CLOSE: the PAM environment is no place for it, since the user's
 * ~/.pam_environment or a module run after the open can rewrite it. */
#define SESSION_DATA "pam_vigil_session"

static void session_data_free(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	wipe_free_str(data);
}

static int session_id_keep(pam_handle_t *pamh, const char *id)
{
	char *copy;
	int r;

	if (!login_id_valid(id))
		return -EBADMSG;
	copy = strdup(id);
	if (!copy)
		return -ENOMEM;
	if ((r = pam_to_errno(pam_set_data(pamh, SESSION_DATA, copy, session_data_free))) < 0)
		wipe_free_str(copy);
	return r;
}

/* The id kept by the open through this handle, "" if none. */
static const char *session_id_kept(pam_handle_t *pamh)
{
	const void *data = NULL;

	if (pam_get_data(pamh, SESSION_DATA, &data) != PAM_SUCCESS || !data)
		return "";
	return data;
}

static int session_run(struct ctx *c, uint8_t type)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *id;
	int r;

	if (type == VIGIL_MSG_SESSION_OPEN) {
		/* The login this session follows. */
		if ((r = login_id_get(c->pamh, &id)) < 0)
			goto out;
	} else {
		id = session_id_kept(c->pamh);
		if (!id[0]) {
			/* No open through this handle: no session of ours to
			 * close, and nothing worth asking the daemon.  Only
			 * with failmode=open is the daemon tried, so that a
			 * close fails open as the open did while it is gone. */
			if (c->args.fail_open && (r = ctx_connect(c)) < 0)
				goto out;
			pam_syslog(c->pamh, LOG_NOTICE, "%s for %s: no session was opened through this handle", c->what,
			           c->user);
			c->kind = VIGIL_KIND_DENY;
			c->value = VIGIL_REASON_UNKNOWN_LOGIN;
			r = 0;
			goto out;
		}
	}
	req = msg_new();
	reply = msg_new();
	if (!req || !reply) {
		r = -ENOMEM;
		goto out;
	}
	msg_start(req, type);
	if ((r = session_fill(c, &req->u.session, id)) < 0)
		goto out;
	if ((r = ctx_connect(c)) < 0)
		goto out;
	if ((r = ctx_call(c, req, reply)) < 0)
		goto out;
	if (reply->type != VIGIL_MSG_RESULT) {
		r = -EPROTO;
		goto out;
	}
	if (reply->u.result.status != VIGIL_STATUS_OK) {
		c->kind = VIGIL_KIND_DENY;
		c->value = status_reason(reply->u.result.status);
		r = 0;
		goto out;
	}
	if (type == VIGIL_MSG_SESSION_OPEN) {
		if ((r = session_id_keep(c->pamh, reply->u.result.id)) < 0)
			goto out;
	} else {
		/* Closed: a second close has nothing to close. */
		(void)pam_set_data(c->pamh, SESSION_DATA, NULL, NULL);
	}
	c->kind = VIGIL_KIND_ALLOW;
	r = 0;
out:
	msg_free(req);
	msg_free(reply);
	return r;
}

/* What an error line adds about reaching vigild: absent, or there but with
 * its queue full (said, so an admin with failmode=open sees why it closed). */
static const char *err_note(const struct ctx *c, int r)
{
	if (c->unreachable)
		return " (vigild unreachable)";
	if (r == -EAGAIN)
		return " (vigild's connection queue stayed full: failing closed)";
	return "";
}

/* Logs once, shows a denial, keeps or closes the socket and maps the
 * outcome. */
static int ctx_finish(struct ctx *c, int r)
{
	/* The user and the service are chosen by whoever logs in (or by the
	 * application): escaped and bounded before they reach a log line. */
	char buf[128], user[ESCAPE_FIELD_MAX + 1], service[ESCAPE_FIELD_MAX + 1];
	int kind = c->kind, value = c->value;
	bool allowed = r >= 0 && kind == VIGIL_KIND_ALLOW;

	/* Only for a line that is logged: an allowed login formats nothing. */
	if (!allowed) {
		(void)escape_string(c->user, user, sizeof(user));
		(void)escape_string(c->service, service, sizeof(service));
	}
	if (r < 0) {
		if (c->unreachable && c->args.fail_open) {
			pam_syslog(c->pamh, LOG_ALERT,
			           "failmode=open: vigild unreachable (%s); allowing %s for %s without a risk check",
			           err_str(r, buf, sizeof(buf)), user, service);
			kind = VIGIL_KIND_FAIL_OPEN;
			value = 0;
		} else if (r == -ECOMM) {
			pam_syslog(c->pamh, LOG_ERR, "%s for %s: the conversation failed", c->what, user);
			kind = VIGIL_KIND_CONV_ERROR;
			value = 0;
		} else {
			pam_syslog(c->pamh, LOG_ERR, "%s for %s: %s%s", c->what, user, err_str(r, buf, sizeof(buf)),
			           err_note(c, r));
			kind = VIGIL_KIND_ERROR;
			value = r;
		}
	} else if (kind == VIGIL_KIND_DENY) {
		if (value == VIGIL_REASON_STEPUP_NOT_DONE)
			pam_syslog(c->pamh, LOG_WARNING, "%s for %s denied: %s", c->what, user,
			           CONV_STEPUP_NOT_DONE_TEXT);
		else
			pam_syslog(c->pamh, LOG_NOTICE, "%s for %s denied: %s", c->what, user,
			           reason_name((uint16_t)value));
		/* The user's message; a conversation failure here does not
		 * change the outcome.  PAM_SILENT is not obeyed for it: sudo
		 * before 1.9.16 passes PAM_SILENT on every authentication, and
		 * a user refused for having no factor, or locked out, must be
		 * told why and what to do (the text holds no secret). */
		if (!c->quiet_deny)
			(void)conv_show(c->pamh, PAM_ERROR_MSG, conv_deny_text((uint16_t)value));
	} else if (kind == VIGIL_KIND_USER_UNKNOWN) {
		pam_syslog(c->pamh, LOG_NOTICE, "%s: unknown user", c->what);
	}

	/* Kept only after an allow: after a denial or an error the next phase
	 * starts from a fresh connection, and a failing one owes the daemon no
	 * idle connection.  A connection that cannot be kept is closed. */
	if (c->fd >= 0) {
		if (allowed && c->keep)
			(void)keep_put(c->pamh, c->args.socket, c->fd, c->next_id);
		else
			close(c->fd);
		c->fd = -1;
	}
	if (!allowed)
		keep_drop(c->pamh);
	return outcome_pam_code(c->phase, kind, value);
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct ctx c;
	int r;

	ctx_init(&c, pamh, flags, VIGIL_PHASE_AUTH, "auth");
	/* For account, seconds away. */
	c.keep = true;
	if ((r = ctx_begin(&c, argc, argv)) != 0)
		goto out;
	r = auth_run(&c);
out:
	return ctx_finish(&c, r);
}

/* No credentials: the step-up proof lives in the daemon (a grant bound to
 * the login id), so there is nothing to establish or delete here. */
PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct ctx c;
	int r;

	ctx_init(&c, pamh, flags, VIGIL_PHASE_ACCOUNT, "account");
	/* For open_session.  The open does not keep it for the close: that
	 * comes at logout, long after vigild's 2-minute idle timer, and
	 * every open session would hold one of its 1024 connections. */
	c.keep = true;
	if ((r = ctx_begin(&c, argc, argv)) != 0)
		goto out;
	r = account_run(&c);
out:
	return ctx_finish(&c, r);
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct ctx c;
	int r;

	ctx_init(&c, pamh, flags, VIGIL_PHASE_SESSION, "open_session");
	if ((r = ctx_begin(&c, argc, argv)) != 0)
		goto out;
	r = session_run(&c, VIGIL_MSG_SESSION_OPEN);
out:
	return ctx_finish(&c, r);
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct ctx c;
	int r;

	ctx_init(&c, pamh, flags, VIGIL_PHASE_SESSION, "close_session");
	c.quiet_deny = true;
	if ((r = ctx_begin(&c, argc, argv)) != 0)
		goto out;
	r = session_run(&c, VIGIL_MSG_SESSION_CLOSE);
out:
	return ctx_finish(&c, r);
}

/* The module has no password to change.  Listed in a password stack it is a
 * configuration mistake: say so and fail, rather than be silently skipped. */
PAM_EXTERN int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	pam_syslog(pamh, LOG_ERR, "pam_vigil has no password management: remove it from the password stack");
	return outcome_pam_code(VIGIL_PHASE_AUTH, VIGIL_KIND_BAD_ARGS, 0);
}

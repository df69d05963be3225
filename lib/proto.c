/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Vigil wire codec (see proto.h and include/vigil/proto.h).  Bodies come
 * from the other end of a socket and are trusted for nothing: each field is
 * read through the bounded cursor of buf.c, every string and list is checked
 * against its named limit, every enum against its known values, and the body
 * must be consumed exactly.  Because every field is always present, strings
 * carry no NUL and unused list entries are not sent, a decoded message
 * re-encodes to exactly the bytes it came from.  The encoder applies the same
 * checks, so Vigil never sends what it would refuse to read.
 *
 * Fields are labelled in wire order; that order is the order of the structs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "proto.h"
#include "wipe.h"

#define SIGNAL_MASK ((uint32_t)((1U << VIGIL_SIGNAL_COUNT) - 1))

/* ---- Enum checks, shared by both directions ---- */

static bool outcome_valid(uint8_t v)
{
	return v == VIGIL_OUTCOME_ALLOW || v == VIGIL_OUTCOME_DENY;
}

static bool reason_valid(uint16_t v)
{
	return v < VIGIL_REASON_MAX_;
}

static bool signals_valid(uint32_t v)
{
	return (v & ~SIGNAL_MASK) == 0;
}

static bool prompt_kind_valid(uint8_t v)
{
	return v == VIGIL_PROMPT_TOTP || v == VIGIL_PROMPT_ENROLL_TOTP || v == VIGIL_PROMPT_FIDO2;
}

static bool prompt_why_valid(uint8_t v)
{
	return v < VIGIL_WHY_MAX_;
}

static bool status_valid(uint16_t v)
{
	return v < VIGIL_STATUS_MAX_;
}

static bool factor_type_valid(uint8_t v)
{
	return v >= VIGIL_FACTOR_TOTP && v < VIGIL_FACTOR_MAX_;
}

/* The bits of the factor kinds, no other: a prompt offers only methods the
 * module knows how to render. */
#define METHODS_MASK                                                                                                   \
	(VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP) | VIGIL_METHOD_BIT(VIGIL_FACTOR_FIDO2) |                                  \
	 VIGIL_METHOD_BIT(VIGIL_FACTOR_SSH_SK) | VIGIL_METHOD_BIT(VIGIL_FACTOR_RECOVERY))

static bool methods_valid(uint8_t v)
{
	return (v & ~METHODS_MASK) == 0;
}

/* A security key is a FIDO2 credential or an OpenSSH sk- key, nothing else. */
static bool key_type_valid(uint8_t v)
{
	return v == VIGIL_FACTOR_FIDO2 || v == VIGIL_FACTOR_SSH_SK;
}

static bool key_flags_valid(uint32_t v)
{
	return (v & ~VIGIL_KEY_FLAGS_MASK) == 0;
}

static bool fido2_status_valid(uint8_t v)
{
	return v < VIGIL_FIDO2_STATUS_MAX_;
}

/* The standard base64 alphabet and its pad (RFC 4648, section 4), spelled
 * out rather than with <ctype.h>, whose classes follow the locale.  The
 * codec does not decode base64; it only keeps every other byte out of the
 * module, the helper's pipe and the daemon's decoder.  Reads at most
 * max + 1 bytes: a caller-built field may lack its NUL. */
static bool b64_valid(const char *s, size_t max)
{
	for (size_t i = 0; i <= max && s[i]; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
		      c == '/' || c == '='))
			return false;
	}
	return true;
}

static bool verdict_valid(uint8_t v)
{
	return v < VIGIL_VERDICT_MAX_;
}

/* The admin verbs that change state or explain decisions (30..39, 90..99). */
static bool change_request(uint8_t type)
{
	return type >= VIGIL_MSG_CHANGE_FIRST && type <= VIGIL_MSG_CHANGE_LAST;
}

static bool change_reply(uint8_t type)
{
	return type >= VIGIL_MSG_CHANGE_REPLY_FIRST && type <= VIGIL_MSG_CHANGE_REPLY_LAST;
}

static bool shadow_valid(uint8_t v)
{
	return v < VIGIL_SHADOW_MAX_;
}

static bool filter_valid(uint8_t v)
{
	return v < VIGIL_HISTORY_FILTER_MAX_;
}

static bool report_request(uint8_t type)
{
	return type >= VIGIL_MSG_REPORT_FIRST && type <= VIGIL_MSG_REPORT_LAST;
}

static bool report_reply(uint8_t type)
{
	return type >= VIGIL_MSG_REPORT_REPLY_FIRST && type <= VIGIL_MSG_REPORT_REPLY_LAST;
}

/* Sessions and suspension (50..59, 110..119). */
static bool session_request(uint8_t type)
{
	return type >= VIGIL_MSG_SESSION_FIRST && type <= VIGIL_MSG_SESSION_LAST;
}

static bool session_reply(uint8_t type)
{
	return type >= VIGIL_MSG_SESSION_REPLY_FIRST && type <= VIGIL_MSG_SESSION_REPLY_LAST;
}

static bool band_valid(uint8_t v)
{
	return v < VIGIL_BAND_MAX_;
}

/* 0 or 1: a flag has one encoding. */
static bool flag_valid(uint8_t v)
{
	return v <= 1;
}

int msg_type_is_request(uint8_t type)
{
	return (type >= VIGIL_MSG_AUTH_BEGIN && type <= VIGIL_MSG_REQUEST_LAST) ||
	       (type >= VIGIL_MSG_QUERY_FIRST && type <= VIGIL_MSG_QUERY_LAST) || change_request(type) ||
	       report_request(type) || session_request(type);
}

static bool type_valid(uint8_t type)
{
	return msg_type_is_request(type) || (type >= VIGIL_MSG_DECISION && type <= VIGIL_MSG_REPLY_LAST) ||
	       (type >= VIGIL_MSG_USER_LIST && type <= VIGIL_MSG_QUERY_REPLY_LAST) || change_reply(type) ||
	       report_reply(type) || session_reply(type);
}

const char *msg_type_name(uint8_t type)
{
	switch (type) {
	case VIGIL_MSG_AUTH_BEGIN:
		return "AUTH_BEGIN";
	case VIGIL_MSG_AUTH_STEP:
		return "AUTH_STEP";
	case VIGIL_MSG_ACCOUNT_CHECK:
		return "ACCOUNT_CHECK";
	case VIGIL_MSG_SESSION_OPEN:
		return "SESSION_OPEN";
	case VIGIL_MSG_SESSION_CLOSE:
		return "SESSION_CLOSE";
	case VIGIL_MSG_TOTP_ENROLL_BEGIN:
		return "TOTP_ENROLL_BEGIN";
	case VIGIL_MSG_TOTP_ENROLL_CONFIRM:
		return "TOTP_ENROLL_CONFIRM";
	case VIGIL_MSG_STATUS_QUERY:
		return "STATUS_QUERY";
	case VIGIL_MSG_ADMIN_UNLOCK:
		return "ADMIN_UNLOCK";
	case VIGIL_MSG_ADMIN_UNLOCK_SOURCE:
		return "ADMIN_UNLOCK_SOURCE";
	case VIGIL_MSG_AUTH_ASSERTION:
		return "AUTH_ASSERTION";
	case VIGIL_MSG_KEY_ENROLL_BEGIN:
		return "KEY_ENROLL_BEGIN";
	case VIGIL_MSG_KEY_ENROLL_FINISH:
		return "KEY_ENROLL_FINISH";
	case VIGIL_MSG_KEY_ADD_SSH:
		return "KEY_ADD_SSH";
	case VIGIL_MSG_KEY_LIST:
		return "KEY_LIST";
	case VIGIL_MSG_KEY_RENAME:
		return "KEY_RENAME";
	case VIGIL_MSG_KEY_REMOVE:
		return "KEY_REMOVE";
	case VIGIL_MSG_FACTOR_PROVE:
		return "FACTOR_PROVE";
	case VIGIL_MSG_RECOVERY_GENERATE:
		return "RECOVERY_GENERATE";
	case VIGIL_MSG_DECISION:
		return "DECISION";
	case VIGIL_MSG_PROMPT:
		return "PROMPT";
	case VIGIL_MSG_RESULT:
		return "RESULT";
	case VIGIL_MSG_ENROLL_PENDING:
		return "ENROLL_PENDING";
	case VIGIL_MSG_STATUS_REPORT:
		return "STATUS_REPORT";
	case VIGIL_MSG_KEY_CHALLENGE:
		return "KEY_CHALLENGE";
	case VIGIL_MSG_KEY_LIST_REPLY:
		return "KEY_LIST_REPLY";
	case VIGIL_MSG_RECOVERY_CODES:
		return "RECOVERY_CODES";
	case VIGIL_MSG_ADMIN_FACTOR_REMOVE:
		return "ADMIN_FACTOR_REMOVE";
	case VIGIL_MSG_ADMIN_DEVICE_FORGET:
		return "ADMIN_DEVICE_FORGET";
	case VIGIL_MSG_ADMIN_SOURCE_FORGET:
		return "ADMIN_SOURCE_FORGET";
	case VIGIL_MSG_ADMIN_EXPLAIN:
		return "ADMIN_EXPLAIN";
	case VIGIL_MSG_ADMIN_SIMULATE:
		return "ADMIN_SIMULATE";
	case VIGIL_MSG_ADMIN_RELOAD:
		return "ADMIN_RELOAD";
	case VIGIL_MSG_TOTP_REMOVE:
		return "TOTP_REMOVE";
	case VIGIL_MSG_EXPLANATION:
		return "EXPLANATION";
	case VIGIL_MSG_RELOAD_RESULT:
		return "RELOAD_RESULT";
	case VIGIL_MSG_ADMIN_REPORT:
		return "ADMIN_REPORT";
	case VIGIL_MSG_ROLLOUT_REPORT:
		return "ROLLOUT_REPORT";
	case VIGIL_MSG_SESSION_LIST:
		return "SESSION_LIST";
	case VIGIL_MSG_SESSION_END:
		return "SESSION_END";
	case VIGIL_MSG_ADMIN_USER_SUSPEND:
		return "ADMIN_USER_SUSPEND";
	case VIGIL_MSG_ADMIN_USER_RESUME:
		return "ADMIN_USER_RESUME";
	case VIGIL_MSG_SESSION_LIST_REPLY:
		return "SESSION_LIST_REPLY";
	case VIGIL_MSG_ADMIN_USERS:
		return "ADMIN_USERS";
	case VIGIL_MSG_ADMIN_HISTORY:
		return "ADMIN_HISTORY";
	case VIGIL_MSG_ADMIN_DAEMON:
		return "ADMIN_DAEMON";
	case VIGIL_MSG_ADMIN_CONFIG:
		return "ADMIN_CONFIG";
	case VIGIL_MSG_USER_LIST:
		return "USER_LIST";
	case VIGIL_MSG_HISTORY_PAGE:
		return "HISTORY_PAGE";
	case VIGIL_MSG_DAEMON_REPORT:
		return "DAEMON_REPORT";
	case VIGIL_MSG_CONFIG_PAGE:
		return "CONFIG_PAGE";
	default:
		return "UNKNOWN";
	}
}

/* ---- Frame header ---- */

int frame_header_decode(const uint8_t *hdr, struct frame_header *ret)
{
	struct rbuf r;
	uint32_t magic, request_id, body_len;
	uint16_t flags;
	uint8_t version, type;

	rbuf_init(&r, hdr, VIGIL_FRAME_HEADER_SIZE);
	/* Sixteen bytes are there: none of these reads can fail. */
	(void)rbuf_get_u32(&r, &magic);
	(void)rbuf_get_u8(&r, &version);
	(void)rbuf_get_u8(&r, &type);
	(void)rbuf_get_u16(&r, &flags);
	(void)rbuf_get_u32(&r, &request_id);
	(void)rbuf_get_u32(&r, &body_len);

	if (magic != VIGIL_PROTO_MAGIC)
		return -EBADMSG;
	if (version != VIGIL_PROTO_VERSION)
		return -EPROTO;
	if (flags != 0 || !type_valid(type))
		return -EBADMSG;
	if (body_len > VIGIL_FRAME_BODY_MAX)
		return -E2BIG;

	*ret = (struct frame_header){.type = type, .request_id = request_id, .body_len = body_len};
	return 0;
}

/* ---- Encoding ---- */

static int put_login(struct wbuf *w, const struct vigil_login_request *l)
{
	int r;

	if ((r = wbuf_put_str(w, l->user, VIGIL_USER_MAX)) < 0 ||
	    (r = wbuf_put_str(w, l->service, VIGIL_SERVICE_MAX)) < 0 ||
	    (r = wbuf_put_str(w, l->rhost, VIGIL_RHOST_MAX)) < 0 || (r = wbuf_put_str(w, l->tty, VIGIL_TTY_MAX)) < 0 ||
	    (r = wbuf_put_str(w, l->ruser, VIGIL_USER_MAX)) < 0 || (r = wbuf_put_u32(w, l->pid)) < 0 ||
	    (r = wbuf_put_str(w, l->ssh_auth_info, VIGIL_AUTH_INFO_MAX)) < 0 ||
	    (r = wbuf_put_str(w, l->ssh_connection, VIGIL_CONNECTION_MAX)) < 0 ||
	    (r = wbuf_put_str(w, l->login_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	return 0;
}

static int put_session(struct wbuf *w, const struct vigil_session_request *s)
{
	int r;

	if ((r = wbuf_put_str(w, s->user, VIGIL_USER_MAX)) < 0 ||
	    (r = wbuf_put_str(w, s->service, VIGIL_SERVICE_MAX)) < 0 ||
	    (r = wbuf_put_str(w, s->rhost, VIGIL_RHOST_MAX)) < 0 || (r = wbuf_put_str(w, s->tty, VIGIL_TTY_MAX)) < 0 ||
	    (r = wbuf_put_u32(w, s->pid)) < 0 || (r = wbuf_put_str(w, s->login_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	return 0;
}

static int put_decision(struct wbuf *w, const struct vigil_decision *d)
{
	int r;

	if (!outcome_valid(d->outcome) || !reason_valid(d->reason) || !signals_valid(d->signals))
		return -EINVAL;
	if (!flag_valid(d->recovery_used) || (!d->recovery_used && d->recovery_left))
		return -EINVAL;
	if ((r = wbuf_put_u8(w, d->outcome)) < 0 || (r = wbuf_put_u16(w, d->reason)) < 0 ||
	    (r = wbuf_put_u32(w, d->score)) < 0 || (r = wbuf_put_u32(w, d->signals)) < 0 ||
	    (r = wbuf_put_str(w, d->login_id, VIGIL_LOGIN_ID_MAX)) < 0 || (r = wbuf_put_u8(w, d->recovery_used)) < 0 ||
	    (r = wbuf_put_u16(w, d->recovery_left)) < 0)
		return r;
	return 0;
}

/* A base64 string: -EINVAL for a byte outside the alphabet. */
static int put_b64(struct wbuf *w, const char *s, size_t max)
{
	if (!b64_valid(s, max))
		return -EINVAL;
	return wbuf_put_str(w, s, max);
}

/* A list of credential ids: u16 count (checked by the caller), then each
 * id as base64. */
static int put_creds(struct wbuf *w, uint16_t n, const struct vigil_cred_ref *creds)
{
	int r;

	if ((r = wbuf_put_u16(w, n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((r = put_b64(w, creds[i].id, VIGIL_CRED_B64_MAX)) < 0)
			return r;
	return 0;
}

static int put_prompt(struct wbuf *w, const struct vigil_prompt *p)
{
	int r;

	if (!prompt_kind_valid(p->kind) || !prompt_why_valid(p->why) || !signals_valid(p->signals) ||
	    !methods_valid(p->methods) || !flag_valid(p->uv))
		return -EINVAL;
	if (p->n_creds > VIGIL_KEYS_MAX)
		return -E2BIG;
	if ((r = wbuf_put_u8(w, p->kind)) < 0 || (r = wbuf_put_u8(w, p->why)) < 0 ||
	    (r = wbuf_put_u8(w, p->digits)) < 0 || (r = wbuf_put_u8(w, p->attempts_left)) < 0 ||
	    (r = wbuf_put_u32(w, p->signals)) < 0 || (r = wbuf_put_str(w, p->uri, VIGIL_URI_MAX)) < 0 ||
	    (r = wbuf_put_str(w, p->secret_b32, VIGIL_SECRET_B32_MAX)) < 0 ||
	    (r = wbuf_put_str(w, p->qr, VIGIL_QR_MAX)) < 0)
		return r;
	/* methods, rp_id, challenge, uv, timeout, u16 count, then each
	 * credential id */
	if ((r = wbuf_put_u8(w, p->methods)) < 0 || (r = wbuf_put_str(w, p->rp_id, VIGIL_RP_ID_MAX)) < 0 ||
	    (r = put_b64(w, p->challenge, VIGIL_CHALLENGE_B64_MAX)) < 0 || (r = wbuf_put_u8(w, p->uv)) < 0 ||
	    (r = wbuf_put_u16(w, p->timeout)) < 0 || (r = put_creds(w, p->n_creds, p->creds)) < 0)
		return r;
	return 0;
}

static int put_result(struct wbuf *w, const struct vigil_result *res)
{
	int r;

	if (!status_valid(res->status))
		return -EINVAL;
	/* status, id, message, remaining */
	if ((r = wbuf_put_u16(w, res->status)) < 0 || (r = wbuf_put_str(w, res->id, VIGIL_LOGIN_ID_MAX)) < 0 ||
	    (r = wbuf_put_str(w, res->message, VIGIL_MESSAGE_MAX)) < 0 || (r = wbuf_put_u16(w, res->remaining)) < 0)
		return r;
	return 0;
}

static int put_assertion(struct wbuf *w, const struct vigil_assertion *a)
{
	int r;

	if (!fido2_status_valid(a->status))
		return -EINVAL;
	/* status, cred_id, authdata, sig */
	if ((r = wbuf_put_u8(w, a->status)) < 0 || (r = put_b64(w, a->cred_id, VIGIL_CRED_B64_MAX)) < 0 ||
	    (r = put_b64(w, a->authdata, VIGIL_AUTHDATA_B64_MAX)) < 0 ||
	    (r = put_b64(w, a->sig, VIGIL_SIG_B64_MAX)) < 0)
		return r;
	return 0;
}

static int put_key_enroll(struct wbuf *w, const struct vigil_key_enroll_request *k)
{
	int r;

	if (!flag_valid(k->uv) || !flag_valid(k->resident))
		return -EINVAL;
	/* user, name, uv, resident */
	if ((r = wbuf_put_str(w, k->user, VIGIL_USER_MAX)) < 0 ||
	    (r = wbuf_put_str(w, k->name, VIGIL_KEY_NAME_MAX)) < 0 || (r = wbuf_put_u8(w, k->uv)) < 0 ||
	    (r = wbuf_put_u8(w, k->resident)) < 0)
		return r;
	return 0;
}

static int put_attestation(struct wbuf *w, const struct vigil_attestation *a)
{
	int r;

	/* fmt, authdata, x5c, sig */
	if ((r = wbuf_put_str(w, a->fmt, VIGIL_FMT_MAX)) < 0 ||
	    (r = put_b64(w, a->authdata, VIGIL_AUTHDATA_B64_MAX)) < 0 ||
	    (r = put_b64(w, a->x5c, VIGIL_X5C_B64_MAX)) < 0 || (r = put_b64(w, a->sig, VIGIL_SIG_B64_MAX)) < 0)
		return r;
	return 0;
}

static int put_ssh_key(struct wbuf *w, const struct vigil_ssh_key_request *k)
{
	int r;

	/* user, name, line */
	if ((r = wbuf_put_str(w, k->user, VIGIL_USER_MAX)) < 0 ||
	    (r = wbuf_put_str(w, k->name, VIGIL_KEY_NAME_MAX)) < 0 ||
	    (r = wbuf_put_str(w, k->line, VIGIL_SSH_KEY_LINE_MAX)) < 0)
		return r;
	return 0;
}

static int put_key_request(struct wbuf *w, const struct vigil_key_request *k)
{
	int r;

	/* user, name, new_name */
	if ((r = wbuf_put_str(w, k->user, VIGIL_USER_MAX)) < 0 ||
	    (r = wbuf_put_str(w, k->name, VIGIL_KEY_NAME_MAX)) < 0 ||
	    (r = wbuf_put_str(w, k->new_name, VIGIL_KEY_NAME_MAX)) < 0)
		return r;
	return 0;
}

static int put_key_challenge(struct wbuf *w, const struct vigil_key_challenge *c)
{
	int r;

	if (!flag_valid(c->uv) || !flag_valid(c->resident))
		return -EINVAL;
	if (c->n_exclude > VIGIL_KEYS_MAX)
		return -E2BIG;
	/* rp_id, user, user_handle, challenge, uv, resident, timeout, u16
	 * count, then each excluded credential id */
	if ((r = wbuf_put_str(w, c->rp_id, VIGIL_RP_ID_MAX)) < 0 ||
	    (r = wbuf_put_str(w, c->user, VIGIL_USER_MAX)) < 0 ||
	    (r = put_b64(w, c->user_handle, VIGIL_USER_HANDLE_B64_MAX)) < 0 ||
	    (r = put_b64(w, c->challenge, VIGIL_CHALLENGE_B64_MAX)) < 0 || (r = wbuf_put_u8(w, c->uv)) < 0 ||
	    (r = wbuf_put_u8(w, c->resident)) < 0 || (r = wbuf_put_u16(w, c->timeout)) < 0 ||
	    (r = put_creds(w, c->n_exclude, c->exclude)) < 0)
		return r;
	return 0;
}

static int put_key_list(struct wbuf *w, const struct vigil_key_list *l)
{
	int r;

	if (l->n_keys > VIGIL_KEYS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < l->n_keys; i++)
		if (!key_type_valid(l->keys[i].type) || !key_flags_valid(l->keys[i].flags))
			return -EINVAL;
	/* user, u16 count, then type, name, id_hash, created, last_used,
	 * sign_count, flags; then recovery_left */
	if ((r = wbuf_put_str(w, l->user, VIGIL_USER_MAX)) < 0 || (r = wbuf_put_u16(w, l->n_keys)) < 0)
		return r;
	for (size_t i = 0; i < l->n_keys; i++) {
		const struct vigil_key_info *k = &l->keys[i];

		if ((r = wbuf_put_u8(w, k->type)) < 0 || (r = wbuf_put_str(w, k->name, VIGIL_KEY_NAME_MAX)) < 0 ||
		    (r = wbuf_put_str(w, k->id_hash, VIGIL_KEY_ID_HASH_MAX)) < 0 ||
		    (r = wbuf_put_u64(w, k->created)) < 0 || (r = wbuf_put_u64(w, k->last_used)) < 0 ||
		    (r = wbuf_put_u32(w, k->sign_count)) < 0 || (r = wbuf_put_u32(w, k->flags)) < 0)
			return r;
	}
	return wbuf_put_u16(w, l->recovery_left);
}

static int put_recovery(struct wbuf *w, const struct vigil_recovery_codes *c)
{
	int r;

	if (c->n_codes > VIGIL_RECOVERY_CODES)
		return -E2BIG;
	/* u16 count, then each code */
	if ((r = wbuf_put_u16(w, c->n_codes)) < 0)
		return r;
	for (size_t i = 0; i < c->n_codes; i++)
		if ((r = wbuf_put_str(w, c->codes[i].code, VIGIL_RECOVERY_CODE_MAX)) < 0)
			return r;
	return 0;
}

static int put_pending(struct wbuf *w, const struct vigil_enroll_pending *p)
{
	int r;

	if ((r = wbuf_put_u8(w, p->digits)) < 0 || (r = wbuf_put_u16(w, p->period)) < 0 ||
	    (r = wbuf_put_str(w, p->uri, VIGIL_URI_MAX)) < 0 ||
	    (r = wbuf_put_str(w, p->secret_b32, VIGIL_SECRET_B32_MAX)) < 0 ||
	    (r = wbuf_put_str(w, p->qr, VIGIL_QR_MAX)) < 0)
		return r;
	return 0;
}

static int put_report(struct wbuf *w, const struct vigil_status_report *s)
{
	int r;

	if (s->n_factors > VIGIL_LIST_MAX || s->n_devices > VIGIL_LIST_MAX || s->n_sources > VIGIL_LIST_MAX ||
	    s->n_logins > VIGIL_LIST_MAX || s->n_grants > VIGIL_LIST_MAX)
		return -E2BIG;
	for (size_t i = 0; i < s->n_factors; i++)
		if (!factor_type_valid(s->factors[i].type))
			return -EINVAL;
	for (size_t i = 0; i < s->n_logins; i++)
		if (!outcome_valid(s->logins[i].outcome) || !signals_valid(s->logins[i].signals) ||
		    !reason_valid(s->logins[i].reason) || !shadow_valid(s->logins[i].shadow))
			return -EINVAL;

	if (!flag_valid(s->suspended))
		return -EINVAL;
	/* user, locked_until, suspended */
	if ((r = wbuf_put_str(w, s->user, VIGIL_USER_MAX)) < 0 || (r = wbuf_put_u64(w, s->locked_until)) < 0 ||
	    (r = wbuf_put_u8(w, s->suspended)) < 0)
		return r;

	/* factors: u16 count, then type, created, last_used, name, remaining */
	if ((r = wbuf_put_u16(w, s->n_factors)) < 0)
		return r;
	for (size_t i = 0; i < s->n_factors; i++) {
		const struct vigil_factor_info *f = &s->factors[i];

		if ((r = wbuf_put_u8(w, f->type)) < 0 || (r = wbuf_put_u64(w, f->created)) < 0 ||
		    (r = wbuf_put_u64(w, f->last_used)) < 0 || (r = wbuf_put_str(w, f->name, VIGIL_KEY_NAME_MAX)) < 0 ||
		    (r = wbuf_put_u16(w, f->remaining)) < 0)
			return r;
	}

	/* devices: u16 count, then fingerprint, first_seen, last_seen */
	if ((r = wbuf_put_u16(w, s->n_devices)) < 0)
		return r;
	for (size_t i = 0; i < s->n_devices; i++) {
		const struct vigil_device_info *d = &s->devices[i];

		if ((r = wbuf_put_str(w, d->fingerprint, VIGIL_FINGERPRINT_MAX)) < 0 ||
		    (r = wbuf_put_u64(w, d->first_seen)) < 0 || (r = wbuf_put_u64(w, d->last_seen)) < 0)
			return r;
	}

	/* sources: u16 count, then addr, first_seen, last_seen */
	if ((r = wbuf_put_u16(w, s->n_sources)) < 0)
		return r;
	for (size_t i = 0; i < s->n_sources; i++) {
		const struct vigil_source_info *src = &s->sources[i];

		if ((r = wbuf_put_str(w, src->addr, VIGIL_ADDR_MAX)) < 0 ||
		    (r = wbuf_put_u64(w, src->first_seen)) < 0 || (r = wbuf_put_u64(w, src->last_seen)) < 0)
			return r;
	}

	/* logins: u16 count, then time, service, rhost, outcome, score, signals,
	 * reason, shadow */
	if ((r = wbuf_put_u16(w, s->n_logins)) < 0)
		return r;
	for (size_t i = 0; i < s->n_logins; i++) {
		const struct vigil_login_info *l = &s->logins[i];

		if ((r = wbuf_put_u64(w, l->time)) < 0 || (r = wbuf_put_str(w, l->service, VIGIL_SERVICE_MAX)) < 0 ||
		    (r = wbuf_put_str(w, l->rhost, VIGIL_RHOST_MAX)) < 0 || (r = wbuf_put_u8(w, l->outcome)) < 0 ||
		    (r = wbuf_put_u32(w, l->score)) < 0 || (r = wbuf_put_u32(w, l->signals)) < 0 ||
		    (r = wbuf_put_u16(w, l->reason)) < 0 || (r = wbuf_put_u8(w, l->shadow)) < 0)
			return r;
	}

	/* grants: u16 count, then device, source, granted, expires */
	if ((r = wbuf_put_u16(w, s->n_grants)) < 0)
		return r;
	for (size_t i = 0; i < s->n_grants; i++) {
		const struct vigil_grant_info *g = &s->grants[i];

		if ((r = wbuf_put_str(w, g->device, VIGIL_FINGERPRINT_MAX)) < 0 ||
		    (r = wbuf_put_str(w, g->source, VIGIL_ADDR_MAX)) < 0 || (r = wbuf_put_u64(w, g->granted)) < 0 ||
		    (r = wbuf_put_u64(w, g->expires)) < 0)
			return r;
	}
	return 0;
}

static int put_history_req(struct wbuf *w, const struct vigil_history_request *h)
{
	int r;

	if (!filter_valid(h->decision))
		return -EINVAL;
	/* user, service, decision, since, before_time, before_id */
	if ((r = wbuf_put_str(w, h->user, VIGIL_USER_MAX)) < 0 ||
	    (r = wbuf_put_str(w, h->service, VIGIL_SERVICE_MAX)) < 0 || (r = wbuf_put_u8(w, h->decision)) < 0 ||
	    (r = wbuf_put_u64(w, h->since)) < 0 || (r = wbuf_put_u64(w, h->before_time)) < 0 ||
	    (r = wbuf_put_str(w, h->before_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	return 0;
}

static int put_users(struct wbuf *w, const struct vigil_user_list *u)
{
	int r;

	if (!flag_valid(u->more))
		return -EINVAL;
	if (u->n_users > VIGIL_LIST_MAX)
		return -E2BIG;
	for (size_t i = 0; i < u->n_users; i++)
		if (!flag_valid(u->users[i].suspended))
			return -EINVAL;
	/* more, u16 count, then name, factors, first_seen, last_success,
	 * last_login, locked_until, suspended */
	if ((r = wbuf_put_u8(w, u->more)) < 0 || (r = wbuf_put_u16(w, u->n_users)) < 0)
		return r;
	for (size_t i = 0; i < u->n_users; i++) {
		const struct vigil_user_summary *e = &u->users[i];

		if ((r = wbuf_put_str(w, e->name, VIGIL_USER_MAX)) < 0 || (r = wbuf_put_u16(w, e->factors)) < 0 ||
		    (r = wbuf_put_u64(w, e->first_seen)) < 0 || (r = wbuf_put_u64(w, e->last_success)) < 0 ||
		    (r = wbuf_put_u64(w, e->last_login)) < 0 || (r = wbuf_put_u64(w, e->locked_until)) < 0 ||
		    (r = wbuf_put_u8(w, e->suspended)) < 0)
			return r;
	}
	return 0;
}

static int put_history(struct wbuf *w, const struct vigil_history_page *h)
{
	int r;

	if (!flag_valid(h->more))
		return -EINVAL;
	if (h->n_logins > VIGIL_LIST_MAX)
		return -E2BIG;
	for (size_t i = 0; i < h->n_logins; i++) {
		const struct vigil_history_entry *e = &h->logins[i];

		if (!outcome_valid(e->outcome) || !reason_valid(e->reason) || !shadow_valid(e->shadow) ||
		    !flag_valid(e->stepped_up) || !signals_valid(e->signals))
			return -EINVAL;
	}
	/* more, u16 count, then login_id, time, user, service, source, device,
	 * outcome, reason, shadow, stepped_up, score, signals */
	if ((r = wbuf_put_u8(w, h->more)) < 0 || (r = wbuf_put_u16(w, h->n_logins)) < 0)
		return r;
	for (size_t i = 0; i < h->n_logins; i++) {
		const struct vigil_history_entry *e = &h->logins[i];

		if ((r = wbuf_put_str(w, e->login_id, VIGIL_LOGIN_ID_MAX)) < 0 || (r = wbuf_put_u64(w, e->time)) < 0 ||
		    (r = wbuf_put_str(w, e->user, VIGIL_USER_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->service, VIGIL_SERVICE_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->source, VIGIL_ADDR_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->device, VIGIL_FINGERPRINT_MAX)) < 0 ||
		    (r = wbuf_put_u8(w, e->outcome)) < 0 || (r = wbuf_put_u16(w, e->reason)) < 0 ||
		    (r = wbuf_put_u8(w, e->shadow)) < 0 || (r = wbuf_put_u8(w, e->stepped_up)) < 0 ||
		    (r = wbuf_put_u32(w, e->score)) < 0 || (r = wbuf_put_u32(w, e->signals)) < 0)
			return r;
	}
	return 0;
}

static int put_report_req(struct wbuf *w, const struct vigil_report_request *q)
{
	int r;

	/* since, until */
	if ((r = wbuf_put_u64(w, q->since)) < 0 || (r = wbuf_put_u64(w, q->until)) < 0)
		return r;
	return 0;
}

static int put_report_rows(struct wbuf *w, const struct vigil_report_rows *t)
{
	int r;

	if (!flag_valid(t->more))
		return -EINVAL;
	if (t->n > VIGIL_REPORT_ROWS_MAX)
		return -E2BIG;
	/* more, u16 count, then name, allow, stepup, deny */
	if ((r = wbuf_put_u8(w, t->more)) < 0 || (r = wbuf_put_u16(w, t->n)) < 0)
		return r;
	for (size_t i = 0; i < t->n; i++) {
		const struct vigil_report_row *e = &t->rows[i];

		if ((r = wbuf_put_str(w, e->name, VIGIL_USER_MAX)) < 0 || (r = wbuf_put_u64(w, e->allow)) < 0 ||
		    (r = wbuf_put_u64(w, e->stepup)) < 0 || (r = wbuf_put_u64(w, e->deny)) < 0)
			return r;
	}
	return 0;
}

static int put_rollout(struct wbuf *w, const struct vigil_rollout_report *p)
{
	int r;

	/* since, until, logins, allow, stepup, deny, by_mode[enforce, shadow,
	 * learn], waived, then the rows of reasons, services, users */
	if ((r = wbuf_put_u64(w, p->since)) < 0 || (r = wbuf_put_u64(w, p->until)) < 0 ||
	    (r = wbuf_put_u64(w, p->logins)) < 0 || (r = wbuf_put_u64(w, p->allow)) < 0 ||
	    (r = wbuf_put_u64(w, p->stepup)) < 0 || (r = wbuf_put_u64(w, p->deny)) < 0)
		return r;
	for (size_t i = 0; i < VIGIL_MODE_MAX_; i++)
		if ((r = wbuf_put_u64(w, p->by_mode[i])) < 0)
			return r;
	if ((r = wbuf_put_u64(w, p->waived)) < 0 || (r = put_report_rows(w, &p->reasons)) < 0 ||
	    (r = put_report_rows(w, &p->services)) < 0 || (r = put_report_rows(w, &p->users)) < 0)
		return r;
	return 0;
}

static int put_session_list_req(struct wbuf *w, const struct vigil_session_list_request *q)
{
	int r;

	/* user, after_id */
	if ((r = wbuf_put_str(w, q->user, VIGIL_USER_MAX)) < 0 ||
	    (r = wbuf_put_str(w, q->after_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	return 0;
}

static int put_session_end(struct wbuf *w, const struct vigil_session_end_request *q)
{
	int r;

	/* id, user */
	if ((r = wbuf_put_str(w, q->id, VIGIL_LOGIN_ID_MAX)) < 0 || (r = wbuf_put_str(w, q->user, VIGIL_USER_MAX)) < 0)
		return r;
	return 0;
}

static int put_sessions(struct wbuf *w, const struct vigil_session_list *l)
{
	int r;

	if (!flag_valid(l->more))
		return -EINVAL;
	if (l->n_sessions > VIGIL_LIST_MAX)
		return -E2BIG;
	for (size_t i = 0; i < l->n_sessions; i++)
		if (!band_valid(l->sessions[i].band))
			return -EINVAL;
	/* more, u16 count, then id, user, service, source, device, tty,
	 * started, last_activity, idle, ends_at, band */
	if ((r = wbuf_put_u8(w, l->more)) < 0 || (r = wbuf_put_u16(w, l->n_sessions)) < 0)
		return r;
	for (size_t i = 0; i < l->n_sessions; i++) {
		const struct vigil_session_info *e = &l->sessions[i];

		if ((r = wbuf_put_str(w, e->id, VIGIL_LOGIN_ID_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->user, VIGIL_USER_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->service, VIGIL_SERVICE_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->source, VIGIL_ADDR_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->device, VIGIL_FINGERPRINT_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->tty, VIGIL_TTY_MAX)) < 0 || (r = wbuf_put_u64(w, e->started)) < 0 ||
		    (r = wbuf_put_u64(w, e->last_activity)) < 0 || (r = wbuf_put_u64(w, e->idle)) < 0 ||
		    (r = wbuf_put_u64(w, e->ends_at)) < 0 || (r = wbuf_put_u8(w, e->band)) < 0)
			return r;
	}
	return 0;
}

static int put_daemon(struct wbuf *w, const struct vigil_daemon_report *d)
{
	int r;

	if (d->n_reasons > VIGIL_LIST_MAX)
		return -E2BIG;
	if (!flag_valid(d->audit_spill_pending))
		return -EINVAL;
	for (size_t i = 0; i < d->n_reasons; i++)
		if (!reason_valid(d->reasons[i].reason))
			return -EINVAL;
	/* version, pid, started, uptime, config_loaded, allowed, denied,
	 * stepups, shadowed */
	if ((r = wbuf_put_str(w, d->version, VIGIL_VERSION_MAX)) < 0 || (r = wbuf_put_u32(w, d->pid)) < 0 ||
	    (r = wbuf_put_u64(w, d->started)) < 0 || (r = wbuf_put_u64(w, d->uptime)) < 0 ||
	    (r = wbuf_put_u64(w, d->config_loaded)) < 0 || (r = wbuf_put_u64(w, d->allowed)) < 0 ||
	    (r = wbuf_put_u64(w, d->denied)) < 0 || (r = wbuf_put_u64(w, d->stepups)) < 0 ||
	    (r = wbuf_put_u64(w, d->shadowed)) < 0)
		return r;
	/* reasons: u16 count, then reason, count */
	if ((r = wbuf_put_u16(w, d->n_reasons)) < 0)
		return r;
	for (size_t i = 0; i < d->n_reasons; i++)
		if ((r = wbuf_put_u16(w, d->reasons[i].reason)) < 0 || (r = wbuf_put_u64(w, d->reasons[i].count)) < 0)
			return r;
	/* audit_queued, audit_queue_max, audit_spill_pending, audit_undelivered,
	 * audit_lost, db_bytes, wal_bytes, users, sessions_open, logins */
	if ((r = wbuf_put_u32(w, d->audit_queued)) < 0 || (r = wbuf_put_u32(w, d->audit_queue_max)) < 0 ||
	    (r = wbuf_put_u8(w, d->audit_spill_pending)) < 0 || (r = wbuf_put_u64(w, d->audit_undelivered)) < 0 ||
	    (r = wbuf_put_u64(w, d->audit_lost)) < 0 || (r = wbuf_put_u64(w, d->db_bytes)) < 0 ||
	    (r = wbuf_put_u64(w, d->wal_bytes)) < 0 || (r = wbuf_put_u32(w, d->users)) < 0 ||
	    (r = wbuf_put_u32(w, d->sessions_open)) < 0 || (r = wbuf_put_u64(w, d->logins)) < 0)
		return r;
	return 0;
}

static int put_config(struct wbuf *w, const struct vigil_config_page *c)
{
	int r;

	if (c->n_entries > VIGIL_LIST_MAX)
		return -E2BIG;
	/* generation, total, offset, u16 count, then section, key, value,
	 * file, line */
	if ((r = wbuf_put_u64(w, c->generation)) < 0 || (r = wbuf_put_u16(w, c->total)) < 0 ||
	    (r = wbuf_put_u16(w, c->offset)) < 0 || (r = wbuf_put_u16(w, c->n_entries)) < 0)
		return r;
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct vigil_config_entry *e = &c->entries[i];

		if ((r = wbuf_put_str(w, e->section, VIGIL_CONF_SECTION_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->key, VIGIL_CONF_KEY_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->value, VIGIL_CONF_VALUE_MAX)) < 0 ||
		    (r = wbuf_put_str(w, e->file, VIGIL_CONF_FILE_MAX)) < 0 || (r = wbuf_put_u32(w, e->line)) < 0)
			return r;
	}
	return 0;
}

static int put_target(struct wbuf *w, const struct vigil_admin_target *t)
{
	int r;

	if ((r = wbuf_put_str(w, t->user, VIGIL_USER_MAX)) < 0 ||
	    (r = wbuf_put_str(w, t->target, VIGIL_TARGET_MAX)) < 0)
		return r;
	return 0;
}

/* The outcome of an EXPLANATION may also be 0: waiting for a step-up. */
static bool explain_enums_valid(const struct vigil_explanation *e)
{
	return (e->outcome == 0 || outcome_valid(e->outcome)) && verdict_valid(e->verdict) &&
	       prompt_why_valid(e->why) && e->shadow < VIGIL_MODE_MAX_ && reason_valid(e->reason) &&
	       signals_valid(e->signals);
}

static int put_explain(struct wbuf *w, const struct vigil_explanation *e)
{
	int r;

	if (!explain_enums_valid(e))
		return -EINVAL;
	if ((r = wbuf_put_str(w, e->login_id, VIGIL_LOGIN_ID_MAX)) < 0 ||
	    (r = wbuf_put_str(w, e->user, VIGIL_USER_MAX)) < 0 ||
	    (r = wbuf_put_str(w, e->service, VIGIL_SERVICE_MAX)) < 0 ||
	    (r = wbuf_put_str(w, e->source, VIGIL_ADDR_MAX)) < 0 ||
	    (r = wbuf_put_str(w, e->device, VIGIL_FINGERPRINT_MAX)) < 0 || (r = wbuf_put_u64(w, e->time)) < 0 ||
	    (r = wbuf_put_u8(w, e->outcome)) < 0 || (r = wbuf_put_u8(w, e->verdict)) < 0 ||
	    (r = wbuf_put_u8(w, e->why)) < 0 || (r = wbuf_put_u8(w, e->shadow)) < 0 ||
	    (r = wbuf_put_u16(w, e->reason)) < 0 || (r = wbuf_put_u32(w, e->score)) < 0 ||
	    (r = wbuf_put_u32(w, e->signals)) < 0)
		return r;
	/* points: one u32 per signal, in bit order (no count: always all) */
	for (size_t i = 0; i < VIGIL_SIGNAL_COUNT; i++)
		if ((r = wbuf_put_u32(w, e->points[i])) < 0)
			return r;
	if ((r = wbuf_put_u32(w, e->stepup_at)) < 0 || (r = wbuf_put_u32(w, e->deny_at)) < 0 ||
	    (r = wbuf_put_u32(w, e->fresh_window)) < 0 || (r = wbuf_put_str(w, e->rule, VIGIL_RULE_MAX)) < 0 ||
	    (r = wbuf_put_str(w, e->record_reason, VIGIL_REASON_NAME_MAX)) < 0)
		return r;
	return 0;
}

static int put_reload(struct wbuf *w, const struct vigil_reload_result *res)
{
	int r;

	if (!status_valid(res->status))
		return -EINVAL;
	if ((r = wbuf_put_u16(w, res->status)) < 0 || (r = wbuf_put_str(w, res->message, VIGIL_MESSAGE_MAX)) < 0)
		return r;
	return 0;
}

static int put_body(struct wbuf *w, const struct vigil_msg *m)
{
	switch (m->type) {
	case VIGIL_MSG_AUTH_BEGIN:
	case VIGIL_MSG_ACCOUNT_CHECK:
		return put_login(w, &m->u.login);
	case VIGIL_MSG_AUTH_STEP:
	case VIGIL_MSG_TOTP_ENROLL_CONFIRM:
		return wbuf_put_str(w, m->u.answer.answer, VIGIL_ANSWER_MAX);
	case VIGIL_MSG_SESSION_OPEN:
	case VIGIL_MSG_SESSION_CLOSE:
		return put_session(w, &m->u.session);
	case VIGIL_MSG_TOTP_ENROLL_BEGIN:
	case VIGIL_MSG_STATUS_QUERY:
	case VIGIL_MSG_ADMIN_UNLOCK:
	case VIGIL_MSG_ADMIN_UNLOCK_SOURCE:
	case VIGIL_MSG_KEY_LIST:
	case VIGIL_MSG_FACTOR_PROVE:
	case VIGIL_MSG_RECOVERY_GENERATE:
		return wbuf_put_str(w, m->u.user.user, VIGIL_USER_MAX);
	case VIGIL_MSG_AUTH_ASSERTION:
		return put_assertion(w, &m->u.assertion);
	case VIGIL_MSG_KEY_ENROLL_BEGIN:
		return put_key_enroll(w, &m->u.key_enroll);
	case VIGIL_MSG_KEY_ENROLL_FINISH:
		return put_attestation(w, &m->u.attestation);
	case VIGIL_MSG_KEY_ADD_SSH:
		return put_ssh_key(w, &m->u.ssh_key);
	case VIGIL_MSG_KEY_RENAME:
	case VIGIL_MSG_KEY_REMOVE:
		return put_key_request(w, &m->u.key);
	case VIGIL_MSG_KEY_CHALLENGE:
		return put_key_challenge(w, &m->u.key_challenge);
	case VIGIL_MSG_KEY_LIST_REPLY:
		return put_key_list(w, &m->u.keys);
	case VIGIL_MSG_RECOVERY_CODES:
		return put_recovery(w, &m->u.recovery);
	case VIGIL_MSG_DECISION:
		return put_decision(w, &m->u.decision);
	case VIGIL_MSG_PROMPT:
		return put_prompt(w, &m->u.prompt);
	case VIGIL_MSG_RESULT:
		return put_result(w, &m->u.result);
	case VIGIL_MSG_ENROLL_PENDING:
		return put_pending(w, &m->u.pending);
	case VIGIL_MSG_STATUS_REPORT:
		return put_report(w, &m->u.report);
	case VIGIL_MSG_ADMIN_FACTOR_REMOVE:
	case VIGIL_MSG_ADMIN_DEVICE_FORGET:
	case VIGIL_MSG_ADMIN_SOURCE_FORGET:
	case VIGIL_MSG_ADMIN_EXPLAIN:
		return put_target(w, &m->u.target);
	case VIGIL_MSG_ADMIN_SIMULATE:
		return put_login(w, &m->u.login);
	case VIGIL_MSG_ADMIN_RELOAD:
		return 0; /* no body */
	case VIGIL_MSG_TOTP_REMOVE:
		return wbuf_put_str(w, m->u.answer.answer, VIGIL_ANSWER_MAX);
	case VIGIL_MSG_EXPLANATION:
		return put_explain(w, &m->u.explain);
	case VIGIL_MSG_RELOAD_RESULT:
		return put_reload(w, &m->u.reload);
	case VIGIL_MSG_ADMIN_USERS:
		return wbuf_put_str(w, m->u.user.user, VIGIL_USER_MAX);
	case VIGIL_MSG_ADMIN_HISTORY:
		return put_history_req(w, &m->u.history_req);
	case VIGIL_MSG_ADMIN_DAEMON:
		return 0;
	case VIGIL_MSG_ADMIN_CONFIG:
		return wbuf_put_u16(w, m->u.page_req.offset);
	case VIGIL_MSG_USER_LIST:
		return put_users(w, &m->u.users);
	case VIGIL_MSG_HISTORY_PAGE:
		return put_history(w, &m->u.history);
	case VIGIL_MSG_ADMIN_REPORT:
		return put_report_req(w, &m->u.report_req);
	case VIGIL_MSG_ROLLOUT_REPORT:
		return put_rollout(w, &m->u.rollout);
	case VIGIL_MSG_SESSION_LIST:
		return put_session_list_req(w, &m->u.session_list_req);
	case VIGIL_MSG_SESSION_END:
		return put_session_end(w, &m->u.session_end);
	case VIGIL_MSG_ADMIN_USER_SUSPEND:
	case VIGIL_MSG_ADMIN_USER_RESUME:
		return wbuf_put_str(w, m->u.user.user, VIGIL_USER_MAX);
	case VIGIL_MSG_SESSION_LIST_REPLY:
		return put_sessions(w, &m->u.sessions);
	case VIGIL_MSG_DAEMON_REPORT:
		return put_daemon(w, &m->u.daemon);
	case VIGIL_MSG_CONFIG_PAGE:
		return put_config(w, &m->u.config);
	default:
		return -EINVAL;
	}
}

int msg_encode(const struct vigil_msg *m, uint32_t request_id, uint8_t *out, size_t cap, size_t *ret_len)
{
	struct wbuf w;
	size_t body_len;
	int r;

	if (!m || !out)
		return -EINVAL;
	if (!type_valid(m->type))
		return -EINVAL;
	/* Never write a frame the other end would refuse as too big. */
	if (cap > VIGIL_FRAME_MAX)
		cap = VIGIL_FRAME_MAX;

	/* magic, version, type, flags, request_id, body_len (patched below) */
	wbuf_init(&w, out, cap);
	if ((r = wbuf_put_u32(&w, VIGIL_PROTO_MAGIC)) < 0 || (r = wbuf_put_u8(&w, VIGIL_PROTO_VERSION)) < 0 ||
	    (r = wbuf_put_u8(&w, m->type)) < 0 || (r = wbuf_put_u16(&w, 0)) < 0 ||
	    (r = wbuf_put_u32(&w, request_id)) < 0 || (r = wbuf_put_u32(&w, 0)) < 0)
		goto out;
	if ((r = put_body(&w, m)) < 0)
		goto out;

	body_len = w.len - VIGIL_FRAME_HEADER_SIZE;
	out[12] = (uint8_t)(body_len >> 24);
	out[13] = (uint8_t)(body_len >> 16);
	out[14] = (uint8_t)(body_len >> 8);
	out[15] = (uint8_t)body_len;
	*ret_len = w.len;
	r = 0;
out:
	/* A half-written frame may already hold part of a secret. */
	if (r < 0)
		wipe(out, w.len);
	return r;
}

/* ---- Decoding ---- */

/* A u8 that must pass valid(). */
static int get_u8_checked(struct rbuf *b, uint8_t *ret, bool (*valid)(uint8_t))
{
	int r;

	if ((r = rbuf_get_u8(b, ret)) < 0)
		return r;
	return valid(*ret) ? 0 : -EBADMSG;
}

/* A list count, bounded by max before any entry is read. */
static int get_count_max(struct rbuf *b, size_t max, uint16_t *ret)
{
	uint16_t n;
	int r;

	if ((r = rbuf_get_u16(b, &n)) < 0)
		return r;
	if (n > max)
		return -E2BIG;
	*ret = n;
	return 0;
}

static int get_count(struct rbuf *b, uint16_t *ret)
{
	return get_count_max(b, VIGIL_LIST_MAX, ret);
}

/* A base64 string: -EBADMSG for a byte outside the alphabet. */
static int get_b64(struct rbuf *b, char *dst, size_t max)
{
	int r;

	if ((r = rbuf_get_str(b, dst, max)) < 0)
		return r;
	return b64_valid(dst, max) ? 0 : -EBADMSG;
}

/* A list of credential ids: u16 count (at most VIGIL_KEYS_MAX), then each
 * id as base64. */
static int get_creds(struct rbuf *b, uint16_t *ret_n, struct vigil_cred_ref *creds)
{
	int r;

	if ((r = get_count_max(b, VIGIL_KEYS_MAX, ret_n)) < 0)
		return r;
	for (size_t i = 0; i < *ret_n; i++)
		if ((r = get_b64(b, creds[i].id, VIGIL_CRED_B64_MAX)) < 0)
			return r;
	return 0;
}

static int get_login(struct rbuf *b, struct vigil_login_request *l)
{
	int r;

	if ((r = rbuf_get_str(b, l->user, VIGIL_USER_MAX)) < 0 ||
	    (r = rbuf_get_str(b, l->service, VIGIL_SERVICE_MAX)) < 0 ||
	    (r = rbuf_get_str(b, l->rhost, VIGIL_RHOST_MAX)) < 0 || (r = rbuf_get_str(b, l->tty, VIGIL_TTY_MAX)) < 0 ||
	    (r = rbuf_get_str(b, l->ruser, VIGIL_USER_MAX)) < 0 || (r = rbuf_get_u32(b, &l->pid)) < 0 ||
	    (r = rbuf_get_str(b, l->ssh_auth_info, VIGIL_AUTH_INFO_MAX)) < 0 ||
	    (r = rbuf_get_str(b, l->ssh_connection, VIGIL_CONNECTION_MAX)) < 0 ||
	    (r = rbuf_get_str(b, l->login_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	return 0;
}

static int get_session(struct rbuf *b, struct vigil_session_request *s)
{
	int r;

	if ((r = rbuf_get_str(b, s->user, VIGIL_USER_MAX)) < 0 ||
	    (r = rbuf_get_str(b, s->service, VIGIL_SERVICE_MAX)) < 0 ||
	    (r = rbuf_get_str(b, s->rhost, VIGIL_RHOST_MAX)) < 0 || (r = rbuf_get_str(b, s->tty, VIGIL_TTY_MAX)) < 0 ||
	    (r = rbuf_get_u32(b, &s->pid)) < 0 || (r = rbuf_get_str(b, s->login_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	return 0;
}

static int get_decision(struct rbuf *b, struct vigil_decision *d)
{
	int r;

	if ((r = rbuf_get_u8(b, &d->outcome)) < 0)
		return r;
	if (!outcome_valid(d->outcome))
		return -EBADMSG;
	if ((r = rbuf_get_u16(b, &d->reason)) < 0)
		return r;
	if (!reason_valid(d->reason))
		return -EBADMSG;
	if ((r = rbuf_get_u32(b, &d->score)) < 0 || (r = rbuf_get_u32(b, &d->signals)) < 0)
		return r;
	if (!signals_valid(d->signals))
		return -EBADMSG;
	if ((r = rbuf_get_str(b, d->login_id, VIGIL_LOGIN_ID_MAX)) < 0 || (r = rbuf_get_u8(b, &d->recovery_used)) < 0 ||
	    (r = rbuf_get_u16(b, &d->recovery_left)) < 0)
		return r;
	/* A count of codes left belongs to a login that used one. */
	if (!flag_valid(d->recovery_used) || (!d->recovery_used && d->recovery_left))
		return -EBADMSG;
	return 0;
}

static int get_prompt(struct rbuf *b, struct vigil_prompt *p)
{
	int r;

	if ((r = rbuf_get_u8(b, &p->kind)) < 0 || (r = rbuf_get_u8(b, &p->why)) < 0)
		return r;
	if (!prompt_kind_valid(p->kind) || !prompt_why_valid(p->why))
		return -EBADMSG;
	if ((r = rbuf_get_u8(b, &p->digits)) < 0 || (r = rbuf_get_u8(b, &p->attempts_left)) < 0 ||
	    (r = rbuf_get_u32(b, &p->signals)) < 0)
		return r;
	if (!signals_valid(p->signals))
		return -EBADMSG;
	if ((r = rbuf_get_str(b, p->uri, VIGIL_URI_MAX)) < 0 ||
	    (r = rbuf_get_str(b, p->secret_b32, VIGIL_SECRET_B32_MAX)) < 0 ||
	    (r = rbuf_get_str(b, p->qr, VIGIL_QR_MAX)) < 0)
		return r;
	/* methods, rp_id, challenge, uv, timeout, u16 count, then each
	 * credential id */
	if ((r = get_u8_checked(b, &p->methods, methods_valid)) < 0 ||
	    (r = rbuf_get_str(b, p->rp_id, VIGIL_RP_ID_MAX)) < 0 ||
	    (r = get_b64(b, p->challenge, VIGIL_CHALLENGE_B64_MAX)) < 0 ||
	    (r = get_u8_checked(b, &p->uv, flag_valid)) < 0 || (r = rbuf_get_u16(b, &p->timeout)) < 0 ||
	    (r = get_creds(b, &p->n_creds, p->creds)) < 0)
		return r;
	return 0;
}

static int get_result(struct rbuf *b, struct vigil_result *res)
{
	int r;

	/* status, id, message, remaining */
	if ((r = rbuf_get_u16(b, &res->status)) < 0)
		return r;
	if (!status_valid(res->status))
		return -EBADMSG;
	if ((r = rbuf_get_str(b, res->id, VIGIL_LOGIN_ID_MAX)) < 0 ||
	    (r = rbuf_get_str(b, res->message, VIGIL_MESSAGE_MAX)) < 0 || (r = rbuf_get_u16(b, &res->remaining)) < 0)
		return r;
	return 0;
}

static int get_assertion(struct rbuf *b, struct vigil_assertion *a)
{
	int r;

	/* status, cred_id, authdata, sig */
	if ((r = get_u8_checked(b, &a->status, fido2_status_valid)) < 0 ||
	    (r = get_b64(b, a->cred_id, VIGIL_CRED_B64_MAX)) < 0 ||
	    (r = get_b64(b, a->authdata, VIGIL_AUTHDATA_B64_MAX)) < 0 ||
	    (r = get_b64(b, a->sig, VIGIL_SIG_B64_MAX)) < 0)
		return r;
	return 0;
}

static int get_key_enroll(struct rbuf *b, struct vigil_key_enroll_request *k)
{
	int r;

	/* user, name, uv, resident */
	if ((r = rbuf_get_str(b, k->user, VIGIL_USER_MAX)) < 0 ||
	    (r = rbuf_get_str(b, k->name, VIGIL_KEY_NAME_MAX)) < 0 || (r = get_u8_checked(b, &k->uv, flag_valid)) < 0 ||
	    (r = get_u8_checked(b, &k->resident, flag_valid)) < 0)
		return r;
	return 0;
}

static int get_attestation(struct rbuf *b, struct vigil_attestation *a)
{
	int r;

	/* fmt, authdata, x5c, sig */
	if ((r = rbuf_get_str(b, a->fmt, VIGIL_FMT_MAX)) < 0 ||
	    (r = get_b64(b, a->authdata, VIGIL_AUTHDATA_B64_MAX)) < 0 ||
	    (r = get_b64(b, a->x5c, VIGIL_X5C_B64_MAX)) < 0 || (r = get_b64(b, a->sig, VIGIL_SIG_B64_MAX)) < 0)
		return r;
	return 0;
}

static int get_ssh_key(struct rbuf *b, struct vigil_ssh_key_request *k)
{
	int r;

	/* user, name, line */
	if ((r = rbuf_get_str(b, k->user, VIGIL_USER_MAX)) < 0 ||
	    (r = rbuf_get_str(b, k->name, VIGIL_KEY_NAME_MAX)) < 0 ||
	    (r = rbuf_get_str(b, k->line, VIGIL_SSH_KEY_LINE_MAX)) < 0)
		return r;
	return 0;
}

static int get_key_request(struct rbuf *b, struct vigil_key_request *k)
{
	int r;

	/* user, name, new_name */
	if ((r = rbuf_get_str(b, k->user, VIGIL_USER_MAX)) < 0 ||
	    (r = rbuf_get_str(b, k->name, VIGIL_KEY_NAME_MAX)) < 0 ||
	    (r = rbuf_get_str(b, k->new_name, VIGIL_KEY_NAME_MAX)) < 0)
		return r;
	return 0;
}

static int get_key_challenge(struct rbuf *b, struct vigil_key_challenge *c)
{
	int r;

	/* rp_id, user, user_handle, challenge, uv, resident, timeout, u16
	 * count, then each excluded credential id */
	if ((r = rbuf_get_str(b, c->rp_id, VIGIL_RP_ID_MAX)) < 0 ||
	    (r = rbuf_get_str(b, c->user, VIGIL_USER_MAX)) < 0 ||
	    (r = get_b64(b, c->user_handle, VIGIL_USER_HANDLE_B64_MAX)) < 0 ||
	    (r = get_b64(b, c->challenge, VIGIL_CHALLENGE_B64_MAX)) < 0 ||
	    (r = get_u8_checked(b, &c->uv, flag_valid)) < 0 || (r = get_u8_checked(b, &c->resident, flag_valid)) < 0 ||
	    (r = rbuf_get_u16(b, &c->timeout)) < 0 || (r = get_creds(b, &c->n_exclude, c->exclude)) < 0)
		return r;
	return 0;
}

static int get_key_list(struct rbuf *b, struct vigil_key_list *l)
{
	int r;

	/* user, u16 count, then type, name, id_hash, created, last_used,
	 * sign_count, flags; then recovery_left */
	if ((r = rbuf_get_str(b, l->user, VIGIL_USER_MAX)) < 0 ||
	    (r = get_count_max(b, VIGIL_KEYS_MAX, &l->n_keys)) < 0)
		return r;
	for (size_t i = 0; i < l->n_keys; i++) {
		struct vigil_key_info *k = &l->keys[i];

		if ((r = get_u8_checked(b, &k->type, key_type_valid)) < 0 ||
		    (r = rbuf_get_str(b, k->name, VIGIL_KEY_NAME_MAX)) < 0 ||
		    (r = rbuf_get_str(b, k->id_hash, VIGIL_KEY_ID_HASH_MAX)) < 0 ||
		    (r = rbuf_get_u64(b, &k->created)) < 0 || (r = rbuf_get_u64(b, &k->last_used)) < 0 ||
		    (r = rbuf_get_u32(b, &k->sign_count)) < 0 || (r = rbuf_get_u32(b, &k->flags)) < 0)
			return r;
		if (!key_flags_valid(k->flags))
			return -EBADMSG;
	}
	return rbuf_get_u16(b, &l->recovery_left);
}

static int get_recovery(struct rbuf *b, struct vigil_recovery_codes *c)
{
	int r;

	/* u16 count, then each code */
	if ((r = get_count_max(b, VIGIL_RECOVERY_CODES, &c->n_codes)) < 0)
		return r;
	for (size_t i = 0; i < c->n_codes; i++)
		if ((r = rbuf_get_str(b, c->codes[i].code, VIGIL_RECOVERY_CODE_MAX)) < 0)
			return r;
	return 0;
}

static int get_pending(struct rbuf *b, struct vigil_enroll_pending *p)
{
	int r;

	if ((r = rbuf_get_u8(b, &p->digits)) < 0 || (r = rbuf_get_u16(b, &p->period)) < 0 ||
	    (r = rbuf_get_str(b, p->uri, VIGIL_URI_MAX)) < 0 ||
	    (r = rbuf_get_str(b, p->secret_b32, VIGIL_SECRET_B32_MAX)) < 0 ||
	    (r = rbuf_get_str(b, p->qr, VIGIL_QR_MAX)) < 0)
		return r;
	return 0;
}

static int get_report(struct rbuf *b, struct vigil_status_report *s)
{
	int r;

	/* user, locked_until, suspended */
	if ((r = rbuf_get_str(b, s->user, VIGIL_USER_MAX)) < 0 || (r = rbuf_get_u64(b, &s->locked_until)) < 0 ||
	    (r = get_u8_checked(b, &s->suspended, flag_valid)) < 0)
		return r;

	/* factors: u16 count, then type, created, last_used, name, remaining */
	if ((r = get_count(b, &s->n_factors)) < 0)
		return r;
	for (size_t i = 0; i < s->n_factors; i++) {
		struct vigil_factor_info *f = &s->factors[i];

		if ((r = rbuf_get_u8(b, &f->type)) < 0)
			return r;
		if (!factor_type_valid(f->type))
			return -EBADMSG;
		if ((r = rbuf_get_u64(b, &f->created)) < 0 || (r = rbuf_get_u64(b, &f->last_used)) < 0 ||
		    (r = rbuf_get_str(b, f->name, VIGIL_KEY_NAME_MAX)) < 0 || (r = rbuf_get_u16(b, &f->remaining)) < 0)
			return r;
	}

	/* devices: u16 count, then fingerprint, first_seen, last_seen */
	if ((r = get_count(b, &s->n_devices)) < 0)
		return r;
	for (size_t i = 0; i < s->n_devices; i++) {
		struct vigil_device_info *d = &s->devices[i];

		if ((r = rbuf_get_str(b, d->fingerprint, VIGIL_FINGERPRINT_MAX)) < 0 ||
		    (r = rbuf_get_u64(b, &d->first_seen)) < 0 || (r = rbuf_get_u64(b, &d->last_seen)) < 0)
			return r;
	}

	/* sources: u16 count, then addr, first_seen, last_seen */
	if ((r = get_count(b, &s->n_sources)) < 0)
		return r;
	for (size_t i = 0; i < s->n_sources; i++) {
		struct vigil_source_info *src = &s->sources[i];

		if ((r = rbuf_get_str(b, src->addr, VIGIL_ADDR_MAX)) < 0 ||
		    (r = rbuf_get_u64(b, &src->first_seen)) < 0 || (r = rbuf_get_u64(b, &src->last_seen)) < 0)
			return r;
	}

	/* logins: u16 count, then time, service, rhost, outcome, score, signals,
	 * reason, shadow */
	if ((r = get_count(b, &s->n_logins)) < 0)
		return r;
	for (size_t i = 0; i < s->n_logins; i++) {
		struct vigil_login_info *l = &s->logins[i];

		if ((r = rbuf_get_u64(b, &l->time)) < 0 || (r = rbuf_get_str(b, l->service, VIGIL_SERVICE_MAX)) < 0 ||
		    (r = rbuf_get_str(b, l->rhost, VIGIL_RHOST_MAX)) < 0 || (r = rbuf_get_u8(b, &l->outcome)) < 0)
			return r;
		if (!outcome_valid(l->outcome))
			return -EBADMSG;
		if ((r = rbuf_get_u32(b, &l->score)) < 0 || (r = rbuf_get_u32(b, &l->signals)) < 0)
			return r;
		if (!signals_valid(l->signals))
			return -EBADMSG;
		if ((r = rbuf_get_u16(b, &l->reason)) < 0 || (r = rbuf_get_u8(b, &l->shadow)) < 0)
			return r;
		if (!reason_valid(l->reason) || !shadow_valid(l->shadow))
			return -EBADMSG;
	}

	/* grants: u16 count, then device, source, granted, expires */
	if ((r = get_count(b, &s->n_grants)) < 0)
		return r;
	for (size_t i = 0; i < s->n_grants; i++) {
		struct vigil_grant_info *g = &s->grants[i];

		if ((r = rbuf_get_str(b, g->device, VIGIL_FINGERPRINT_MAX)) < 0 ||
		    (r = rbuf_get_str(b, g->source, VIGIL_ADDR_MAX)) < 0 || (r = rbuf_get_u64(b, &g->granted)) < 0 ||
		    (r = rbuf_get_u64(b, &g->expires)) < 0)
			return r;
	}
	return 0;
}

static int get_history_req(struct rbuf *b, struct vigil_history_request *h)
{
	int r;

	/* user, service, decision, since, before_time, before_id */
	if ((r = rbuf_get_str(b, h->user, VIGIL_USER_MAX)) < 0 ||
	    (r = rbuf_get_str(b, h->service, VIGIL_SERVICE_MAX)) < 0 ||
	    (r = get_u8_checked(b, &h->decision, filter_valid)) < 0 || (r = rbuf_get_u64(b, &h->since)) < 0 ||
	    (r = rbuf_get_u64(b, &h->before_time)) < 0 || (r = rbuf_get_str(b, h->before_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	return 0;
}

static int get_users(struct rbuf *b, struct vigil_user_list *u)
{
	int r;

	/* more, u16 count, then name, factors, first_seen, last_success,
	 * last_login, locked_until, suspended */
	if ((r = get_u8_checked(b, &u->more, flag_valid)) < 0 || (r = get_count(b, &u->n_users)) < 0)
		return r;
	for (size_t i = 0; i < u->n_users; i++) {
		struct vigil_user_summary *e = &u->users[i];

		if ((r = rbuf_get_str(b, e->name, VIGIL_USER_MAX)) < 0 || (r = rbuf_get_u16(b, &e->factors)) < 0 ||
		    (r = rbuf_get_u64(b, &e->first_seen)) < 0 || (r = rbuf_get_u64(b, &e->last_success)) < 0 ||
		    (r = rbuf_get_u64(b, &e->last_login)) < 0 || (r = rbuf_get_u64(b, &e->locked_until)) < 0 ||
		    (r = get_u8_checked(b, &e->suspended, flag_valid)) < 0)
			return r;
	}
	return 0;
}

static int get_history(struct rbuf *b, struct vigil_history_page *h)
{
	int r;

	/* more, u16 count, then login_id, time, user, service, source, device,
	 * outcome, reason, shadow, stepped_up, score, signals */
	if ((r = get_u8_checked(b, &h->more, flag_valid)) < 0 || (r = get_count(b, &h->n_logins)) < 0)
		return r;
	for (size_t i = 0; i < h->n_logins; i++) {
		struct vigil_history_entry *e = &h->logins[i];

		if ((r = rbuf_get_str(b, e->login_id, VIGIL_LOGIN_ID_MAX)) < 0 || (r = rbuf_get_u64(b, &e->time)) < 0 ||
		    (r = rbuf_get_str(b, e->user, VIGIL_USER_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->service, VIGIL_SERVICE_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->source, VIGIL_ADDR_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->device, VIGIL_FINGERPRINT_MAX)) < 0 ||
		    (r = get_u8_checked(b, &e->outcome, outcome_valid)) < 0 || (r = rbuf_get_u16(b, &e->reason)) < 0)
			return r;
		if (!reason_valid(e->reason))
			return -EBADMSG;
		if ((r = get_u8_checked(b, &e->shadow, shadow_valid)) < 0 ||
		    (r = get_u8_checked(b, &e->stepped_up, flag_valid)) < 0 || (r = rbuf_get_u32(b, &e->score)) < 0 ||
		    (r = rbuf_get_u32(b, &e->signals)) < 0)
			return r;
		if (!signals_valid(e->signals))
			return -EBADMSG;
	}
	return 0;
}

static int get_report_req(struct rbuf *b, struct vigil_report_request *q)
{
	int r;

	/* since, until */
	if ((r = rbuf_get_u64(b, &q->since)) < 0 || (r = rbuf_get_u64(b, &q->until)) < 0)
		return r;
	return 0;
}

static int get_report_rows(struct rbuf *b, struct vigil_report_rows *t)
{
	int r;

	/* more, u16 count, then name, allow, stepup, deny */
	if ((r = get_u8_checked(b, &t->more, flag_valid)) < 0 || (r = get_count(b, &t->n)) < 0)
		return r;
	for (size_t i = 0; i < t->n; i++) {
		struct vigil_report_row *e = &t->rows[i];

		if ((r = rbuf_get_str(b, e->name, VIGIL_USER_MAX)) < 0 || (r = rbuf_get_u64(b, &e->allow)) < 0 ||
		    (r = rbuf_get_u64(b, &e->stepup)) < 0 || (r = rbuf_get_u64(b, &e->deny)) < 0)
			return r;
	}
	return 0;
}

static int get_rollout(struct rbuf *b, struct vigil_rollout_report *p)
{
	int r;

	/* since, until, logins, allow, stepup, deny, by_mode[enforce, shadow,
	 * learn], waived, then the rows of reasons, services, users */
	if ((r = rbuf_get_u64(b, &p->since)) < 0 || (r = rbuf_get_u64(b, &p->until)) < 0 ||
	    (r = rbuf_get_u64(b, &p->logins)) < 0 || (r = rbuf_get_u64(b, &p->allow)) < 0 ||
	    (r = rbuf_get_u64(b, &p->stepup)) < 0 || (r = rbuf_get_u64(b, &p->deny)) < 0)
		return r;
	for (size_t i = 0; i < VIGIL_MODE_MAX_; i++)
		if ((r = rbuf_get_u64(b, &p->by_mode[i])) < 0)
			return r;
	if ((r = rbuf_get_u64(b, &p->waived)) < 0 || (r = get_report_rows(b, &p->reasons)) < 0 ||
	    (r = get_report_rows(b, &p->services)) < 0 || (r = get_report_rows(b, &p->users)) < 0)
		return r;
	return 0;
}

static int get_session_list_req(struct rbuf *b, struct vigil_session_list_request *q)
{
	int r;

	/* user, after_id */
	if ((r = rbuf_get_str(b, q->user, VIGIL_USER_MAX)) < 0 ||
	    (r = rbuf_get_str(b, q->after_id, VIGIL_LOGIN_ID_MAX)) < 0)
		return r;
	return 0;
}

static int get_session_end(struct rbuf *b, struct vigil_session_end_request *q)
{
	int r;

	/* id, user */
	if ((r = rbuf_get_str(b, q->id, VIGIL_LOGIN_ID_MAX)) < 0 || (r = rbuf_get_str(b, q->user, VIGIL_USER_MAX)) < 0)
		return r;
	return 0;
}

static int get_sessions(struct rbuf *b, struct vigil_session_list *l)
{
	int r;

	/* more, u16 count, then id, user, service, source, device, tty,
	 * started, last_activity, idle, ends_at, band */
	if ((r = get_u8_checked(b, &l->more, flag_valid)) < 0 || (r = get_count(b, &l->n_sessions)) < 0)
		return r;
	for (size_t i = 0; i < l->n_sessions; i++) {
		struct vigil_session_info *e = &l->sessions[i];

		if ((r = rbuf_get_str(b, e->id, VIGIL_LOGIN_ID_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->user, VIGIL_USER_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->service, VIGIL_SERVICE_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->source, VIGIL_ADDR_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->device, VIGIL_FINGERPRINT_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->tty, VIGIL_TTY_MAX)) < 0 || (r = rbuf_get_u64(b, &e->started)) < 0 ||
		    (r = rbuf_get_u64(b, &e->last_activity)) < 0 || (r = rbuf_get_u64(b, &e->idle)) < 0 ||
		    (r = rbuf_get_u64(b, &e->ends_at)) < 0 || (r = get_u8_checked(b, &e->band, band_valid)) < 0)
			return r;
	}
	return 0;
}

static int get_daemon(struct rbuf *b, struct vigil_daemon_report *d)
{
	int r;

	/* version, pid, started, uptime, config_loaded, allowed, denied,
	 * stepups, shadowed */
	if ((r = rbuf_get_str(b, d->version, VIGIL_VERSION_MAX)) < 0 || (r = rbuf_get_u32(b, &d->pid)) < 0 ||
	    (r = rbuf_get_u64(b, &d->started)) < 0 || (r = rbuf_get_u64(b, &d->uptime)) < 0 ||
	    (r = rbuf_get_u64(b, &d->config_loaded)) < 0 || (r = rbuf_get_u64(b, &d->allowed)) < 0 ||
	    (r = rbuf_get_u64(b, &d->denied)) < 0 || (r = rbuf_get_u64(b, &d->stepups)) < 0 ||
	    (r = rbuf_get_u64(b, &d->shadowed)) < 0)
		return r;
	/* reasons: u16 count, then reason, count */
	if ((r = get_count(b, &d->n_reasons)) < 0)
		return r;
	for (size_t i = 0; i < d->n_reasons; i++) {
		if ((r = rbuf_get_u16(b, &d->reasons[i].reason)) < 0)
			return r;
		if (!reason_valid(d->reasons[i].reason))
			return -EBADMSG;
		if ((r = rbuf_get_u64(b, &d->reasons[i].count)) < 0)
			return r;
	}
	/* audit_queued, audit_queue_max, audit_spill_pending, audit_undelivered,
	 * audit_lost, db_bytes, wal_bytes, users, sessions_open, logins */
	if ((r = rbuf_get_u32(b, &d->audit_queued)) < 0 || (r = rbuf_get_u32(b, &d->audit_queue_max)) < 0 ||
	    (r = get_u8_checked(b, &d->audit_spill_pending, flag_valid)) < 0 ||
	    (r = rbuf_get_u64(b, &d->audit_undelivered)) < 0 || (r = rbuf_get_u64(b, &d->audit_lost)) < 0 ||
	    (r = rbuf_get_u64(b, &d->db_bytes)) < 0 || (r = rbuf_get_u64(b, &d->wal_bytes)) < 0 ||
	    (r = rbuf_get_u32(b, &d->users)) < 0 || (r = rbuf_get_u32(b, &d->sessions_open)) < 0 ||
	    (r = rbuf_get_u64(b, &d->logins)) < 0)
		return r;
	return 0;
}

static int get_config(struct rbuf *b, struct vigil_config_page *c)
{
	int r;

	/* generation, total, offset, u16 count, then section, key, value,
	 * file, line */
	if ((r = rbuf_get_u64(b, &c->generation)) < 0 || (r = rbuf_get_u16(b, &c->total)) < 0 ||
	    (r = rbuf_get_u16(b, &c->offset)) < 0 || (r = get_count(b, &c->n_entries)) < 0)
		return r;
	for (size_t i = 0; i < c->n_entries; i++) {
		struct vigil_config_entry *e = &c->entries[i];

		if ((r = rbuf_get_str(b, e->section, VIGIL_CONF_SECTION_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->key, VIGIL_CONF_KEY_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->value, VIGIL_CONF_VALUE_MAX)) < 0 ||
		    (r = rbuf_get_str(b, e->file, VIGIL_CONF_FILE_MAX)) < 0 || (r = rbuf_get_u32(b, &e->line)) < 0)
			return r;
	}
	return 0;
}

static int get_target(struct rbuf *b, struct vigil_admin_target *t)
{
	int r;

	if ((r = rbuf_get_str(b, t->user, VIGIL_USER_MAX)) < 0 ||
	    (r = rbuf_get_str(b, t->target, VIGIL_TARGET_MAX)) < 0)
		return r;
	return 0;
}

static int get_explain(struct rbuf *b, struct vigil_explanation *e)
{
	int r;

	if ((r = rbuf_get_str(b, e->login_id, VIGIL_LOGIN_ID_MAX)) < 0 ||
	    (r = rbuf_get_str(b, e->user, VIGIL_USER_MAX)) < 0 ||
	    (r = rbuf_get_str(b, e->service, VIGIL_SERVICE_MAX)) < 0 ||
	    (r = rbuf_get_str(b, e->source, VIGIL_ADDR_MAX)) < 0 ||
	    (r = rbuf_get_str(b, e->device, VIGIL_FINGERPRINT_MAX)) < 0 || (r = rbuf_get_u64(b, &e->time)) < 0 ||
	    (r = rbuf_get_u8(b, &e->outcome)) < 0 || (r = rbuf_get_u8(b, &e->verdict)) < 0 ||
	    (r = rbuf_get_u8(b, &e->why)) < 0 || (r = rbuf_get_u8(b, &e->shadow)) < 0 ||
	    (r = rbuf_get_u16(b, &e->reason)) < 0 || (r = rbuf_get_u32(b, &e->score)) < 0 ||
	    (r = rbuf_get_u32(b, &e->signals)) < 0)
		return r;
	if (!explain_enums_valid(e))
		return -EBADMSG;
	/* points: one u32 per signal, in bit order */
	for (size_t i = 0; i < VIGIL_SIGNAL_COUNT; i++)
		if ((r = rbuf_get_u32(b, &e->points[i])) < 0)
			return r;
	if ((r = rbuf_get_u32(b, &e->stepup_at)) < 0 || (r = rbuf_get_u32(b, &e->deny_at)) < 0 ||
	    (r = rbuf_get_u32(b, &e->fresh_window)) < 0 || (r = rbuf_get_str(b, e->rule, VIGIL_RULE_MAX)) < 0 ||
	    (r = rbuf_get_str(b, e->record_reason, VIGIL_REASON_NAME_MAX)) < 0)
		return r;
	return 0;
}

static int get_reload(struct rbuf *b, struct vigil_reload_result *res)
{
	int r;

	if ((r = rbuf_get_u16(b, &res->status)) < 0)
		return r;
	if (!status_valid(res->status))
		return -EBADMSG;
	return rbuf_get_str(b, res->message, VIGIL_MESSAGE_MAX);
}

static int get_body(struct rbuf *b, struct vigil_msg *m)
{
	switch (m->type) {
	case VIGIL_MSG_AUTH_BEGIN:
	case VIGIL_MSG_ACCOUNT_CHECK:
		return get_login(b, &m->u.login);
	case VIGIL_MSG_AUTH_STEP:
	case VIGIL_MSG_TOTP_ENROLL_CONFIRM:
		return rbuf_get_str(b, m->u.answer.answer, VIGIL_ANSWER_MAX);
	case VIGIL_MSG_SESSION_OPEN:
	case VIGIL_MSG_SESSION_CLOSE:
		return get_session(b, &m->u.session);
	case VIGIL_MSG_TOTP_ENROLL_BEGIN:
	case VIGIL_MSG_STATUS_QUERY:
	case VIGIL_MSG_ADMIN_UNLOCK:
	case VIGIL_MSG_ADMIN_UNLOCK_SOURCE:
	case VIGIL_MSG_KEY_LIST:
	case VIGIL_MSG_FACTOR_PROVE:
	case VIGIL_MSG_RECOVERY_GENERATE:
		return rbuf_get_str(b, m->u.user.user, VIGIL_USER_MAX);
	case VIGIL_MSG_AUTH_ASSERTION:
		return get_assertion(b, &m->u.assertion);
	case VIGIL_MSG_KEY_ENROLL_BEGIN:
		return get_key_enroll(b, &m->u.key_enroll);
	case VIGIL_MSG_KEY_ENROLL_FINISH:
		return get_attestation(b, &m->u.attestation);
	case VIGIL_MSG_KEY_ADD_SSH:
		return get_ssh_key(b, &m->u.ssh_key);
	case VIGIL_MSG_KEY_RENAME:
	case VIGIL_MSG_KEY_REMOVE:
		return get_key_request(b, &m->u.key);
	case VIGIL_MSG_KEY_CHALLENGE:
		return get_key_challenge(b, &m->u.key_challenge);
	case VIGIL_MSG_KEY_LIST_REPLY:
		return get_key_list(b, &m->u.keys);
	case VIGIL_MSG_RECOVERY_CODES:
		return get_recovery(b, &m->u.recovery);
	case VIGIL_MSG_DECISION:
		return get_decision(b, &m->u.decision);
	case VIGIL_MSG_PROMPT:
		return get_prompt(b, &m->u.prompt);
	case VIGIL_MSG_RESULT:
		return get_result(b, &m->u.result);
	case VIGIL_MSG_ENROLL_PENDING:
		return get_pending(b, &m->u.pending);
	case VIGIL_MSG_STATUS_REPORT:
		return get_report(b, &m->u.report);
	case VIGIL_MSG_ADMIN_FACTOR_REMOVE:
	case VIGIL_MSG_ADMIN_DEVICE_FORGET:
	case VIGIL_MSG_ADMIN_SOURCE_FORGET:
	case VIGIL_MSG_ADMIN_EXPLAIN:
		return get_target(b, &m->u.target);
	case VIGIL_MSG_ADMIN_SIMULATE:
		return get_login(b, &m->u.login);
	case VIGIL_MSG_ADMIN_RELOAD:
		return 0; /* no body: rbuf_end() refuses any byte */
	case VIGIL_MSG_TOTP_REMOVE:
		return rbuf_get_str(b, m->u.answer.answer, VIGIL_ANSWER_MAX);
	case VIGIL_MSG_EXPLANATION:
		return get_explain(b, &m->u.explain);
	case VIGIL_MSG_RELOAD_RESULT:
		return get_reload(b, &m->u.reload);
	case VIGIL_MSG_ADMIN_USERS:
		return rbuf_get_str(b, m->u.user.user, VIGIL_USER_MAX);
	case VIGIL_MSG_ADMIN_HISTORY:
		return get_history_req(b, &m->u.history_req);
	case VIGIL_MSG_ADMIN_DAEMON:
		return 0;
	case VIGIL_MSG_ADMIN_CONFIG:
		return rbuf_get_u16(b, &m->u.page_req.offset);
	case VIGIL_MSG_USER_LIST:
		return get_users(b, &m->u.users);
	case VIGIL_MSG_HISTORY_PAGE:
		return get_history(b, &m->u.history);
	case VIGIL_MSG_ADMIN_REPORT:
		return get_report_req(b, &m->u.report_req);
	case VIGIL_MSG_ROLLOUT_REPORT:
		return get_rollout(b, &m->u.rollout);
	case VIGIL_MSG_SESSION_LIST:
		return get_session_list_req(b, &m->u.session_list_req);
	case VIGIL_MSG_SESSION_END:
		return get_session_end(b, &m->u.session_end);
	case VIGIL_MSG_ADMIN_USER_SUSPEND:
	case VIGIL_MSG_ADMIN_USER_RESUME:
		return rbuf_get_str(b, m->u.user.user, VIGIL_USER_MAX);
	case VIGIL_MSG_SESSION_LIST_REPLY:
		return get_sessions(b, &m->u.sessions);
	case VIGIL_MSG_DAEMON_REPORT:
		return get_daemon(b, &m->u.daemon);
	case VIGIL_MSG_CONFIG_PAGE:
		return get_config(b, &m->u.config);
	default:
		return -EBADMSG;
	}
}

/* The bytes of the union a message of this type uses: what decoding defines
 * and what wiping has to cover.  One case per case of get_body(). */
#define MEMBER_SIZE(member) sizeof(((struct vigil_msg *)0)->u.member)

static size_t member_size(uint8_t type)
{
	switch (type) {
	case VIGIL_MSG_AUTH_BEGIN:
	case VIGIL_MSG_ACCOUNT_CHECK:
		return MEMBER_SIZE(login);
	case VIGIL_MSG_AUTH_STEP:
	case VIGIL_MSG_TOTP_ENROLL_CONFIRM:
		return MEMBER_SIZE(answer);
	case VIGIL_MSG_SESSION_OPEN:
	case VIGIL_MSG_SESSION_CLOSE:
		return MEMBER_SIZE(session);
	case VIGIL_MSG_TOTP_ENROLL_BEGIN:
	case VIGIL_MSG_STATUS_QUERY:
	case VIGIL_MSG_ADMIN_UNLOCK:
	case VIGIL_MSG_ADMIN_UNLOCK_SOURCE:
	case VIGIL_MSG_KEY_LIST:
	case VIGIL_MSG_FACTOR_PROVE:
	case VIGIL_MSG_RECOVERY_GENERATE:
		return MEMBER_SIZE(user);
	case VIGIL_MSG_AUTH_ASSERTION:
		return MEMBER_SIZE(assertion);
	case VIGIL_MSG_KEY_ENROLL_BEGIN:
		return MEMBER_SIZE(key_enroll);
	case VIGIL_MSG_KEY_ENROLL_FINISH:
		return MEMBER_SIZE(attestation);
	case VIGIL_MSG_KEY_ADD_SSH:
		return MEMBER_SIZE(ssh_key);
	case VIGIL_MSG_KEY_RENAME:
	case VIGIL_MSG_KEY_REMOVE:
		return MEMBER_SIZE(key);
	case VIGIL_MSG_KEY_CHALLENGE:
		return MEMBER_SIZE(key_challenge);
	case VIGIL_MSG_KEY_LIST_REPLY:
		return MEMBER_SIZE(keys);
	case VIGIL_MSG_RECOVERY_CODES:
		return MEMBER_SIZE(recovery);
	case VIGIL_MSG_DECISION:
		return MEMBER_SIZE(decision);
	case VIGIL_MSG_PROMPT:
		return MEMBER_SIZE(prompt);
	case VIGIL_MSG_RESULT:
		return MEMBER_SIZE(result);
	case VIGIL_MSG_ENROLL_PENDING:
		return MEMBER_SIZE(pending);
	case VIGIL_MSG_STATUS_REPORT:
		return MEMBER_SIZE(report);
	case VIGIL_MSG_ADMIN_FACTOR_REMOVE:
	case VIGIL_MSG_ADMIN_DEVICE_FORGET:
	case VIGIL_MSG_ADMIN_SOURCE_FORGET:
	case VIGIL_MSG_ADMIN_EXPLAIN:
		return MEMBER_SIZE(target);
	case VIGIL_MSG_ADMIN_SIMULATE:
		return MEMBER_SIZE(login);
	case VIGIL_MSG_ADMIN_RELOAD:
		return 0;
	case VIGIL_MSG_TOTP_REMOVE:
		return MEMBER_SIZE(answer);
	case VIGIL_MSG_EXPLANATION:
		return MEMBER_SIZE(explain);
	case VIGIL_MSG_RELOAD_RESULT:
		return MEMBER_SIZE(reload);
	case VIGIL_MSG_ADMIN_USERS:
		return MEMBER_SIZE(user);
	case VIGIL_MSG_ADMIN_HISTORY:
		return MEMBER_SIZE(history_req);
	case VIGIL_MSG_ADMIN_DAEMON:
		return 0;
	case VIGIL_MSG_ADMIN_CONFIG:
		return MEMBER_SIZE(page_req);
	case VIGIL_MSG_USER_LIST:
		return MEMBER_SIZE(users);
	case VIGIL_MSG_HISTORY_PAGE:
		return MEMBER_SIZE(history);
	case VIGIL_MSG_ADMIN_REPORT:
		return MEMBER_SIZE(report_req);
	case VIGIL_MSG_ROLLOUT_REPORT:
		return MEMBER_SIZE(rollout);
	case VIGIL_MSG_SESSION_LIST:
		return MEMBER_SIZE(session_list_req);
	case VIGIL_MSG_SESSION_END:
		return MEMBER_SIZE(session_end);
	case VIGIL_MSG_ADMIN_USER_SUSPEND:
	case VIGIL_MSG_ADMIN_USER_RESUME:
		return MEMBER_SIZE(user);
	case VIGIL_MSG_SESSION_LIST_REPLY:
		return MEMBER_SIZE(sessions);
	case VIGIL_MSG_DAEMON_REPORT:
		return MEMBER_SIZE(daemon);
	case VIGIL_MSG_CONFIG_PAGE:
		return MEMBER_SIZE(config);
	default:
		return 0;
	}
}

size_t msg_size(uint8_t type)
{
	return offsetof(struct vigil_msg, u) + member_size(type);
}

bool msg_type_has_secret(uint8_t type)
{
	switch (type) {
	case VIGIL_MSG_AUTH_STEP:           /* a code */
	case VIGIL_MSG_TOTP_ENROLL_CONFIRM: /* the first code of a new seed */
	case VIGIL_MSG_TOTP_REMOVE:         /* a fresh code */
	case VIGIL_MSG_PROMPT:              /* ENROLL_TOTP: the seed, its URI and QR */
	case VIGIL_MSG_ENROLL_PENDING:      /* the seed */
	case VIGIL_MSG_RECOVERY_CODES:      /* the codes */
		return true;
	default:
		/* Unknown types too: msg_size() of them is the header alone. */
		return false;
	}
}

int msg_decode(uint8_t type, const uint8_t *body, size_t len, struct vigil_msg *ret)
{
	struct rbuf b;
	int r;

	if (!ret)
		return -EINVAL;
	/* Every byte of the header and of the member of this type is defined:
	 * unused list entries and the tails of strings are zero, whatever an
	 * earlier message left there.  The rest of the union (up to 28 KB)
	 * is not this message's and is left alone. */
	memset(ret, 0, msg_size(type));
	if (!type_valid(type)) {
		r = -EBADMSG;
		goto out;
	}
	ret->type = type;
	rbuf_init(&b, body, len);
	if ((r = get_body(&b, ret)) < 0)
		goto out;
	if ((r = rbuf_end(&b)) < 0)
		goto out;
	r = 0;
out:
	/* Half a message may hold half a secret: all that decoding may have
	 * written is wiped, and the type is 0. */
	if (r < 0)
		wipe(ret, msg_size(type));
	return r;
}

/* ---- Names ---- */

const char *signal_name(uint32_t bit)
{
	switch (bit) {
	case VIGIL_SIGNAL_NEW_DEVICE:
		return "new_device";
	case VIGIL_SIGNAL_NEW_SOURCE:
		return "new_source";
	case VIGIL_SIGNAL_NEW_PREFIX:
		return "new_prefix";
	case VIGIL_SIGNAL_STALE_ACCOUNT:
		return "stale_account";
	case VIGIL_SIGNAL_STALE_DEVICE:
		return "stale_device";
	case VIGIL_SIGNAL_USER_FAILURES:
		return "user_failures";
	case VIGIL_SIGNAL_SOURCE_FAILURES:
		return "source_failures";
	case VIGIL_SIGNAL_PRIVILEGED:
		return "privileged";
	default:
		return "unknown";
	}
}

const char *reason_name(uint16_t reason)
{
	static const char *const names[VIGIL_REASON_MAX_] = {
	    [VIGIL_REASON_NONE] = "none",
	    [VIGIL_REASON_RISK] = "risk",
	    [VIGIL_REASON_STEPUP_FAILED] = "stepup_failed",
	    [VIGIL_REASON_LOCKED] = "locked",
	    [VIGIL_REASON_NOT_ENROLLED] = "not_enrolled",
	    [VIGIL_REASON_NETWORK] = "network",
	    [VIGIL_REASON_STEPUP_NOT_DONE] = "stepup_not_done",
	    [VIGIL_REASON_PERMISSION] = "permission",
	    [VIGIL_REASON_INTERNAL] = "internal",
	    [VIGIL_REASON_UNKNOWN_LOGIN] = "unknown_login",
	    [VIGIL_REASON_SESSION_LIMIT] = "session_limit",
	    [VIGIL_REASON_REPLAY] = "replay",
	    [VIGIL_REASON_NO_ANSWER] = "no_answer",
	    [VIGIL_REASON_UNKNOWN_USER] = "unknown_user",
	    [VIGIL_REASON_SOURCE_LOCKED] = "source_locked",
	    [VIGIL_REASON_NO_USABLE_FACTOR] = "no_usable_factor",
	    [VIGIL_REASON_KEY_NOT_USED] = "key_not_used",
	    [VIGIL_REASON_SUSPENDED] = "suspended",
	};

	if (reason >= VIGIL_REASON_MAX_ || !names[reason])
		return "unknown";
	return names[reason];
}

const char *status_name(uint16_t status)
{
	static const char *const names[VIGIL_STATUS_MAX_] = {
	    [VIGIL_STATUS_OK] = "ok",
	    [VIGIL_STATUS_DENIED] = "denied",
	    [VIGIL_STATUS_BAD_CODE] = "bad_code",
	    [VIGIL_STATUS_NOT_ENROLLED] = "not_enrolled",
	    [VIGIL_STATUS_ALREADY_ENROLLED] = "already_enrolled",
	    [VIGIL_STATUS_NO_PENDING] = "no_pending",
	    [VIGIL_STATUS_LOCKED] = "locked",
	    [VIGIL_STATUS_PERMISSION] = "permission",
	    [VIGIL_STATUS_SESSION_LIMIT] = "session_limit",
	    [VIGIL_STATUS_UNKNOWN_LOGIN] = "unknown_login",
	    [VIGIL_STATUS_PROTOCOL] = "protocol",
	    [VIGIL_STATUS_INTERNAL] = "internal",
	    [VIGIL_STATUS_UNKNOWN_USER] = "unknown_user",
	    [VIGIL_STATUS_NOT_FOUND] = "not_found",
	    [VIGIL_STATUS_PROOF_REQUIRED] = "proof_required",
	    [VIGIL_STATUS_EXISTS] = "exists",
	    [VIGIL_STATUS_BAD_KEY] = "bad_key",
	    [VIGIL_STATUS_LAST_FACTOR] = "last_factor",
	    [VIGIL_STATUS_LIMIT] = "limit",
	};

	if (status >= VIGIL_STATUS_MAX_ || !names[status])
		return "unknown";
	return names[status];
}

const char *shadow_name(uint8_t shadow)
{
	switch (shadow) {
	case VIGIL_SHADOW_NONE:
		return "none";
	case VIGIL_SHADOW_STEPUP:
	case VIGIL_SHADOW_LEARN_STEPUP:
		return "stepup";
	case VIGIL_SHADOW_DENY:
	case VIGIL_SHADOW_LEARN_DENY:
		return "deny";
	default:
		return "unknown";
	}
}

const char *shadow_mode_name(uint8_t shadow)
{
	switch (shadow) {
	case VIGIL_SHADOW_STEPUP:
	case VIGIL_SHADOW_DENY:
		return "shadow";
	case VIGIL_SHADOW_LEARN_STEPUP:
	case VIGIL_SHADOW_LEARN_DENY:
		return "learn";
	default:
		return "enforce";
	}
}

int signals_format(uint32_t set, char *out, size_t cap)
{
	size_t len = 0;
	int n = 0;

	if (!out || cap == 0)
		return 0;
	out[0] = '\0';
	for (unsigned i = 0; i < VIGIL_SIGNAL_COUNT; i++) {
		uint32_t bit = 1U << i;
		const char *name;
		size_t need;

		if (!(set & bit))
			continue;
		name = signal_name(bit);
		/* Whole names only: a cut-off name would read as another. */
		need = strlen(name) + (n > 0 ? 1 : 0);
		if (cap - 1 - len < need)
			break;
		if (n > 0)
			out[len++] = ',';
		memcpy(out + len, name, strlen(name));
		len += strlen(name);
		out[len] = '\0';
		n++;
	}
	return n;
}

/* ---- Describe ---- */

/* An append-only line that truncates silently and stays NUL-terminated. */
struct line {
	char *out;
	size_t cap;
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void line_printf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len + 1 >= l->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->out + l->len, l->cap - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	l->len = (size_t)n < l->cap - l->len ? l->len + (size_t)n : l->cap - 1;
}

/* key="value" with every byte outside printable ASCII, '"' and '\' escaped,
 * so a peer-chosen string cannot start a new log line or fake a field. */
static void line_str_n(struct line *l, const char *key, const char *s, size_t size)
{
	line_printf(l, " %s=\"", key);
	/* Bounded by the field's size: a caller-built field may lack its NUL. */
	for (size_t i = 0; i < size && s[i] && l->len + 1 < l->cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			line_printf(l, "\\x%02x", c);
		else
			line_printf(l, "%c", c);
	}
	line_printf(l, "\"");
}
#define line_str(l, key, field) line_str_n((l), (key), (field), sizeof(field))

static void line_signals(struct line *l, uint32_t signals)
{
	char buf[160];

	(void)signals_format(signals, buf, sizeof(buf));
	line_printf(l, " signals=%s", buf[0] ? buf : "-");
	if (signals & ~SIGNAL_MASK)
		line_printf(l, ",0x%x", (unsigned)(signals & ~SIGNAL_MASK));
}

const char *outcome_name(uint8_t outcome)
{
	switch (outcome) {
	case VIGIL_OUTCOME_ALLOW:
		return "allow";
	case VIGIL_OUTCOME_DENY:
		return "deny";
	default:
		return "unknown";
	}
}

static void describe_report(struct line *l, const struct vigil_status_report *s)
{
	line_str(l, "user", s->user);
	line_printf(l, " locked_until=%llu factors=%u devices=%u sources=%u logins=%u grants=%u",
	            (unsigned long long)s->locked_until, (unsigned)s->n_factors, (unsigned)s->n_devices,
	            (unsigned)s->n_sources, (unsigned)s->n_logins, (unsigned)s->n_grants);
}

const char *fido2_wire_status_name(uint8_t status)
{
	static const char *const names[VIGIL_FIDO2_STATUS_MAX_] = {
	    [VIGIL_FIDO2_OK] = "ok",
	    [VIGIL_FIDO2_NO_DEVICE] = "no_device",
	    [VIGIL_FIDO2_TIMEOUT] = "timeout",
	    [VIGIL_FIDO2_PIN_REQUIRED] = "pin_required",
	    [VIGIL_FIDO2_PIN_INVALID] = "pin_invalid",
	    [VIGIL_FIDO2_PIN_BLOCKED] = "pin_blocked",
	    [VIGIL_FIDO2_NO_CREDENTIAL] = "no_credential",
	    [VIGIL_FIDO2_UV_UNSUPPORTED] = "uv_unsupported",
	    [VIGIL_FIDO2_CANCELLED] = "cancelled",
	    [VIGIL_FIDO2_INTERNAL] = "internal",
	    [VIGIL_FIDO2_DECLINED] = "declined",
	};

	if (status >= VIGIL_FIDO2_STATUS_MAX_ || !names[status])
		return "unknown";
	return names[status];
}

static void describe_prompt(struct line *l, const struct vigil_prompt *p)
{
	line_printf(l, " kind=%u why=%u digits=%u attempts_left=%u methods=0x%x", (unsigned)p->kind, (unsigned)p->why,
	            (unsigned)p->digits, (unsigned)p->attempts_left, (unsigned)p->methods);
	line_signals(l, p->signals);
	/* Enrollment secrets: lengths only. */
	line_printf(l, " uri_len=%zu secret_len=%zu qr_len=%zu", strnlen(p->uri, VIGIL_URI_MAX + 1),
	            strnlen(p->secret_b32, VIGIL_SECRET_B32_MAX + 1), strnlen(p->qr, VIGIL_QR_MAX + 1));
	if (p->kind != VIGIL_PROMPT_FIDO2)
		return;
	/* The challenge and credential ids are opaque: counts only. */
	line_str(l, "rp_id", p->rp_id);
	line_printf(l, " uv=%u timeout=%u creds=%u", (unsigned)p->uv, (unsigned)p->timeout, (unsigned)p->n_creds);
}

/* The assertion's bytes prove a touch: how it went and lengths only. */
static void describe_assertion(struct line *l, const struct vigil_assertion *a)
{
	line_printf(l, " status=%s cred_id_len=%zu authdata_len=%zu sig_len=%zu", fido2_wire_status_name(a->status),
	            strnlen(a->cred_id, VIGIL_CRED_B64_MAX + 1), strnlen(a->authdata, VIGIL_AUTHDATA_B64_MAX + 1),
	            strnlen(a->sig, VIGIL_SIG_B64_MAX + 1));
}

static void describe_key_challenge(struct line *l, const struct vigil_key_challenge *c)
{
	line_str(l, "rp_id", c->rp_id);
	line_str(l, "user", c->user);
	line_printf(l, " uv=%u resident=%u timeout=%u exclude=%u", (unsigned)c->uv, (unsigned)c->resident,
	            (unsigned)c->timeout, (unsigned)c->n_exclude);
}

static void describe_history_req(struct line *l, const struct vigil_history_request *h)
{
	line_str(l, "user", h->user);
	line_str(l, "service", h->service);
	line_printf(l, " decision=%u since=%llu before_time=%llu", (unsigned)h->decision, (unsigned long long)h->since,
	            (unsigned long long)h->before_time);
	line_str(l, "before_id", h->before_id);
}

void msg_describe(const struct vigil_msg *m, char *out, size_t cap)
{
	struct line l = {.out = out, .cap = cap, .len = 0};

	if (!out || cap == 0)
		return;
	out[0] = '\0';
	if (!m)
		return;

	line_printf(&l, "%s", msg_type_name(m->type));
	switch (m->type) {
	case VIGIL_MSG_AUTH_BEGIN:
	case VIGIL_MSG_ACCOUNT_CHECK:
		line_str(&l, "user", m->u.login.user);
		line_str(&l, "service", m->u.login.service);
		line_str(&l, "rhost", m->u.login.rhost);
		line_str(&l, "tty", m->u.login.tty);
		line_str(&l, "ruser", m->u.login.ruser);
		line_printf(&l, " pid=%u", (unsigned)m->u.login.pid);
		/* Public keys, but long: their length is enough for a log line. */
		line_printf(&l, " auth_info_len=%zu", strnlen(m->u.login.ssh_auth_info, VIGIL_AUTH_INFO_MAX + 1));
		line_str(&l, "connection", m->u.login.ssh_connection);
		line_str(&l, "login_id", m->u.login.login_id);
		break;
	case VIGIL_MSG_AUTH_STEP:
	case VIGIL_MSG_TOTP_ENROLL_CONFIRM:
		/* A secret: its length only. */
		line_printf(&l, " answer_len=%zu", strnlen(m->u.answer.answer, VIGIL_ANSWER_MAX + 1));
		break;
	case VIGIL_MSG_SESSION_OPEN:
	case VIGIL_MSG_SESSION_CLOSE:
		line_str(&l, "user", m->u.session.user);
		line_str(&l, "service", m->u.session.service);
		line_str(&l, "rhost", m->u.session.rhost);
		line_str(&l, "tty", m->u.session.tty);
		line_printf(&l, " pid=%u", (unsigned)m->u.session.pid);
		line_str(&l, "login_id", m->u.session.login_id);
		break;
	case VIGIL_MSG_TOTP_ENROLL_BEGIN:
	case VIGIL_MSG_STATUS_QUERY:
	case VIGIL_MSG_ADMIN_UNLOCK:
	case VIGIL_MSG_ADMIN_UNLOCK_SOURCE:
		line_str(&l, "user", m->u.user.user);
		break;
	case VIGIL_MSG_DECISION:
		line_printf(&l, " outcome=%s reason=%s score=%u", outcome_name(m->u.decision.outcome),
		            reason_name(m->u.decision.reason), (unsigned)m->u.decision.score);
		line_signals(&l, m->u.decision.signals);
		line_str(&l, "login_id", m->u.decision.login_id);
		if (m->u.decision.recovery_used)
			line_printf(&l, " recovery_left=%u", (unsigned)m->u.decision.recovery_left);
		break;
	case VIGIL_MSG_PROMPT:
		describe_prompt(&l, &m->u.prompt);
		break;
	case VIGIL_MSG_RESULT:
		line_printf(&l, " status=%s", status_name(m->u.result.status));
		line_str(&l, "id", m->u.result.id);
		line_str(&l, "message", m->u.result.message);
		line_printf(&l, " remaining=%u", (unsigned)m->u.result.remaining);
		break;
	case VIGIL_MSG_AUTH_ASSERTION:
		describe_assertion(&l, &m->u.assertion);
		break;
	case VIGIL_MSG_KEY_ENROLL_BEGIN:
		line_str(&l, "user", m->u.key_enroll.user);
		line_str(&l, "name", m->u.key_enroll.name);
		line_printf(&l, " uv=%u resident=%u", (unsigned)m->u.key_enroll.uv, (unsigned)m->u.key_enroll.resident);
		break;
	case VIGIL_MSG_KEY_ENROLL_FINISH:
		line_str(&l, "fmt", m->u.attestation.fmt);
		line_printf(&l, " authdata_len=%zu x5c_len=%zu sig_len=%zu",
		            strnlen(m->u.attestation.authdata, VIGIL_AUTHDATA_B64_MAX + 1),
		            strnlen(m->u.attestation.x5c, VIGIL_X5C_B64_MAX + 1),
		            strnlen(m->u.attestation.sig, VIGIL_SIG_B64_MAX + 1));
		break;
	case VIGIL_MSG_KEY_ADD_SSH:
		line_str(&l, "user", m->u.ssh_key.user);
		line_str(&l, "name", m->u.ssh_key.name);
		/* A public key, but long: its length is enough for a log line. */
		line_printf(&l, " line_len=%zu", strnlen(m->u.ssh_key.line, VIGIL_SSH_KEY_LINE_MAX + 1));
		break;
	case VIGIL_MSG_KEY_LIST:
	case VIGIL_MSG_FACTOR_PROVE:
	case VIGIL_MSG_RECOVERY_GENERATE:
		line_str(&l, "user", m->u.user.user);
		break;
	case VIGIL_MSG_KEY_RENAME:
	case VIGIL_MSG_KEY_REMOVE:
		line_str(&l, "user", m->u.key.user);
		line_str(&l, "name", m->u.key.name);
		line_str(&l, "new_name", m->u.key.new_name);
		break;
	case VIGIL_MSG_KEY_CHALLENGE:
		describe_key_challenge(&l, &m->u.key_challenge);
		break;
	case VIGIL_MSG_KEY_LIST_REPLY:
		line_str(&l, "user", m->u.keys.user);
		line_printf(&l, " keys=%u recovery_left=%u", (unsigned)m->u.keys.n_keys,
		            (unsigned)m->u.keys.recovery_left);
		break;
	case VIGIL_MSG_RECOVERY_CODES:
		/* Secrets: how many, never what. */
		line_printf(&l, " codes=%u", (unsigned)m->u.recovery.n_codes);
		break;
	case VIGIL_MSG_ENROLL_PENDING:
		line_printf(&l, " digits=%u period=%u", (unsigned)m->u.pending.digits, (unsigned)m->u.pending.period);
		line_printf(&l, " uri_len=%zu secret_len=%zu qr_len=%zu", strnlen(m->u.pending.uri, VIGIL_URI_MAX + 1),
		            strnlen(m->u.pending.secret_b32, VIGIL_SECRET_B32_MAX + 1),
		            strnlen(m->u.pending.qr, VIGIL_QR_MAX + 1));
		break;
	case VIGIL_MSG_STATUS_REPORT:
		describe_report(&l, &m->u.report);
		break;
	case VIGIL_MSG_ADMIN_FACTOR_REMOVE:
	case VIGIL_MSG_ADMIN_DEVICE_FORGET:
	case VIGIL_MSG_ADMIN_SOURCE_FORGET:
	case VIGIL_MSG_ADMIN_EXPLAIN:
		line_str(&l, "user", m->u.target.user);
		line_str(&l, "target", m->u.target.target);
		break;
	case VIGIL_MSG_ADMIN_SIMULATE:
		line_str(&l, "user", m->u.login.user);
		line_str(&l, "service", m->u.login.service);
		line_str(&l, "rhost", m->u.login.rhost);
		line_str(&l, "tty", m->u.login.tty);
		line_printf(&l, " auth_info_len=%zu", strnlen(m->u.login.ssh_auth_info, VIGIL_AUTH_INFO_MAX + 1));
		break;
	case VIGIL_MSG_ADMIN_RELOAD:
		break;
	case VIGIL_MSG_TOTP_REMOVE:
		/* A secret: its length only. */
		line_printf(&l, " answer_len=%zu", strnlen(m->u.answer.answer, VIGIL_ANSWER_MAX + 1));
		break;
	case VIGIL_MSG_EXPLANATION:
		line_str(&l, "login_id", m->u.explain.login_id);
		line_str(&l, "user", m->u.explain.user);
		line_printf(&l, " outcome=%s verdict=%u reason=%s score=%u", outcome_name(m->u.explain.outcome),
		            (unsigned)m->u.explain.verdict, reason_name(m->u.explain.reason),
		            (unsigned)m->u.explain.score);
		line_signals(&l, m->u.explain.signals);
		break;
	case VIGIL_MSG_RELOAD_RESULT:
		line_printf(&l, " status=%s", status_name(m->u.reload.status));
		line_str(&l, "message", m->u.reload.message);
		break;
	case VIGIL_MSG_ADMIN_USERS:
		line_str(&l, "after", m->u.user.user);
		break;
	case VIGIL_MSG_ADMIN_HISTORY:
		describe_history_req(&l, &m->u.history_req);
		break;
	case VIGIL_MSG_ADMIN_DAEMON:
		break;
	case VIGIL_MSG_ADMIN_CONFIG:
		line_printf(&l, " offset=%u", (unsigned)m->u.page_req.offset);
		break;
	case VIGIL_MSG_USER_LIST:
		line_printf(&l, " users=%u more=%u", (unsigned)m->u.users.n_users, (unsigned)m->u.users.more);
		break;
	case VIGIL_MSG_HISTORY_PAGE:
		line_printf(&l, " logins=%u more=%u", (unsigned)m->u.history.n_logins, (unsigned)m->u.history.more);
		break;
	case VIGIL_MSG_SESSION_LIST:
		line_str(&l, "user", m->u.session_list_req.user);
		line_str(&l, "after_id", m->u.session_list_req.after_id);
		break;
	case VIGIL_MSG_SESSION_END:
		line_str(&l, "id", m->u.session_end.id);
		line_str(&l, "user", m->u.session_end.user);
		break;
	case VIGIL_MSG_ADMIN_USER_SUSPEND:
	case VIGIL_MSG_ADMIN_USER_RESUME:
		line_str(&l, "user", m->u.user.user);
		break;
	case VIGIL_MSG_SESSION_LIST_REPLY:
		line_printf(&l, " sessions=%u more=%u", (unsigned)m->u.sessions.n_sessions,
		            (unsigned)m->u.sessions.more);
		break;
	case VIGIL_MSG_ADMIN_REPORT:
		line_printf(&l, " since=%llu until=%llu", (unsigned long long)m->u.report_req.since,
		            (unsigned long long)m->u.report_req.until);
		break;
	case VIGIL_MSG_ROLLOUT_REPORT:
		line_printf(&l, " logins=%llu allow=%llu stepup=%llu deny=%llu",
		            (unsigned long long)m->u.rollout.logins, (unsigned long long)m->u.rollout.allow,
		            (unsigned long long)m->u.rollout.stepup, (unsigned long long)m->u.rollout.deny);
		break;
	case VIGIL_MSG_DAEMON_REPORT:
		line_printf(&l, " pid=%u uptime=%llu", (unsigned)m->u.daemon.pid,
		            (unsigned long long)m->u.daemon.uptime);
		break;
	case VIGIL_MSG_CONFIG_PAGE:
		line_printf(&l, " total=%u offset=%u entries=%u", (unsigned)m->u.config.total,
		            (unsigned)m->u.config.offset, (unsigned)m->u.config.n_entries);
		break;
	default:
		line_printf(&l, "(%u)", (unsigned)m->type);
		break;
	}
}

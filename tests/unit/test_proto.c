/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the wire codec (lib/proto.c).  Every message type is built
 * fully populated (strings at their limits and lists with 0, 1 and
 * VIGIL_LIST_MAX entries in some cases), encoded, decoded and compared field
 * by field; known byte layouts pin the encoding itself.  Then each encoded
 * body is attacked: every truncation, every single-bit flip, a trailing
 * byte, a NUL inside each string, each string and list one over its limit,
 * every enum out of range, and a broken header.  Decoders are always given
 * buffers of exactly the claimed length, so a read past the end shows up
 * under the sanitizer build.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "vigil/proto.h"

/* ---- Helpers ---- */

static struct vigil_msg *msg_new(void)
{
	struct vigil_msg *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	return m;
}

static uint8_t *frame_new(void)
{
	uint8_t *f = calloc(1, VIGIL_FRAME_MAX);

	assert_non_null(f);
	return f;
}

/* len printable bytes, never '#' (the tests' marker) and never NUL. */
static void fill(char *dst, size_t len, unsigned seed)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@ ";

	for (size_t i = 0; i < len; i++)
		dst[i] = alphabet[(i * 7 + seed) % (sizeof(alphabet) - 1)];
	dst[len] = '\0';
}

#define FILL_MAX(field, seed) fill((field), sizeof(field) - 1, (seed))

/* len bytes of the base64 alphabet and its pad, for the fields the codec
 * holds to it (never '9' next to 'N', so the tests' base64 markers
 * "9NUL9" and "9LIM9" stay unique). */
static void fill_b64(char *dst, size_t len, unsigned seed)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

	for (size_t i = 0; i < len; i++)
		dst[i] = alphabet[(i * 7 + seed) % (sizeof(alphabet) - 1)];
	dst[len] = '\0';
}
#define FILL_B64_MAX(field, seed) fill_b64((field), sizeof(field) - 1, (seed))
#define SET(field, s)                                                                                                  \
	do {                                                                                                           \
		assert_true(strlen(s) < sizeof(field));                                                                \
		strcpy((field), (s));                                                                                  \
	} while (0)

static int is_zero(const void *p, size_t n)
{
	static const struct vigil_msg zero;

	assert_true(n <= sizeof(zero));
	return memcmp(p, &zero, n) == 0;
}

/* Encodes m and returns the frame length; the frame is in f. */
static size_t encode_ok(const struct vigil_msg *m, uint32_t id, uint8_t *f)
{
	size_t len = 0;

	assert_int_equal(msg_encode(m, id, f, VIGIL_FRAME_MAX, &len), 0);
	assert_true(len >= VIGIL_FRAME_HEADER_SIZE);
	return len;
}

/* msg_decode on an exact-size heap copy of body: any overread is caught. */
static int decode_exact(uint8_t type, const uint8_t *body, size_t len, struct vigil_msg *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	if (len)
		memcpy(copy, body, len);
	r = msg_decode(type, copy, len, out);
	free(copy);
	return r;
}

/* What a failed decode of type leaves: every byte it may have written
 * (the header and that type's member) zero, so ret->type is 0. */
static int wiped(const struct vigil_msg *d, uint8_t type)
{
	return d->type == 0 && is_zero(d, msg_size(type));
}

/* A refused body leaves the output zeroed, whatever the failure. */
static void assert_refused(int r, const struct vigil_msg *out, uint8_t type)
{
	assert_true(r == -EBADMSG || r == -E2BIG);
	assert_true(wiped(out, type));
}

/* ---- Representative messages ---- */

static void build_login_max(struct vigil_msg *m, uint8_t type)
{
	struct vigil_login_request *l = &m->u.login;

	m->type = type;
	FILL_MAX(l->user, 1);
	FILL_MAX(l->service, 2);
	FILL_MAX(l->rhost, 3);
	FILL_MAX(l->tty, 4);
	FILL_MAX(l->ruser, 5);
	l->pid = 0xfedcba98;
	FILL_MAX(l->ssh_auth_info, 6);
	FILL_MAX(l->ssh_connection, 7);
	FILL_MAX(l->login_id, 8);
}

static void build_auth_begin_max(struct vigil_msg *m)
{
	build_login_max(m, VIGIL_MSG_AUTH_BEGIN);
}

static void build_auth_begin(struct vigil_msg *m)
{
	struct vigil_login_request *l = &m->u.login;

	m->type = VIGIL_MSG_AUTH_BEGIN;
	SET(l->user, "alice");
	SET(l->service, "sshd");
	SET(l->rhost, "192.0.2.10");
	SET(l->tty, "ssh");
	SET(l->ruser, "");
	l->pid = 4242;
	SET(l->ssh_auth_info, "publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyFakeKeyFakeKeyFakeKey\n");
	SET(l->ssh_connection, "192.0.2.10 50022 192.0.2.1 22");
	SET(l->login_id, "");
}

static void build_account_check(struct vigil_msg *m)
{
	struct vigil_login_request *l = &m->u.login;

	m->type = VIGIL_MSG_ACCOUNT_CHECK;
	SET(l->user, "bob");
	SET(l->service, "sudo");
	SET(l->rhost, "");
	SET(l->tty, "/dev/pts/3");
	SET(l->ruser, "bob");
	l->pid = 1;
	SET(l->login_id, "0123456789abcdef0123456789abcdef");
}

static void build_account_check_max(struct vigil_msg *m)
{
	build_login_max(m, VIGIL_MSG_ACCOUNT_CHECK);
}

static void build_auth_step(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_AUTH_STEP;
	SET(m->u.answer.answer, "123456");
}

static void build_auth_step_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_AUTH_STEP;
	FILL_MAX(m->u.answer.answer, 9);
}

static void build_enroll_confirm(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_TOTP_ENROLL_CONFIRM;
	SET(m->u.answer.answer, "987654");
}

static void build_session_open(struct vigil_msg *m)
{
	struct vigil_session_request *s = &m->u.session;

	m->type = VIGIL_MSG_SESSION_OPEN;
	SET(s->user, "alice");
	SET(s->service, "sshd");
	SET(s->rhost, "2001:db8::7");
	SET(s->tty, "ssh");
	s->pid = 31337;
	SET(s->login_id, "feedfacecafebeef");
}

static void build_session_close_max(struct vigil_msg *m)
{
	struct vigil_session_request *s = &m->u.session;

	m->type = VIGIL_MSG_SESSION_CLOSE;
	FILL_MAX(s->user, 11);
	FILL_MAX(s->service, 12);
	FILL_MAX(s->rhost, 13);
	FILL_MAX(s->tty, 14);
	s->pid = UINT32_MAX;
	FILL_MAX(s->login_id, 15);
}

static void build_enroll_begin(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_TOTP_ENROLL_BEGIN;
	SET(m->u.user.user, "");
}

static void build_status_query(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_STATUS_QUERY;
	SET(m->u.user.user, "carol");
}

static void build_admin_unlock_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_UNLOCK;
	FILL_MAX(m->u.user.user, 16);
}

static void build_admin_unlock_source(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_UNLOCK_SOURCE;
	SET(m->u.user.user, "192.0.2.7");
}

static void build_decision_allow(struct vigil_msg *m)
{
	struct vigil_decision *d = &m->u.decision;

	m->type = VIGIL_MSG_DECISION;
	d->outcome = VIGIL_OUTCOME_ALLOW;
	d->reason = VIGIL_REASON_NONE;
	d->score = 0;
	d->signals = 0;
	SET(d->login_id, "abc");
	d->recovery_used = 1;
	d->recovery_left = UINT16_MAX;
}

static void build_decision_deny_max(struct vigil_msg *m)
{
	struct vigil_decision *d = &m->u.decision;

	m->type = VIGIL_MSG_DECISION;
	d->outcome = VIGIL_OUTCOME_DENY;
	d->reason = VIGIL_REASON_MAX_ - 1;
	d->score = UINT32_MAX;
	d->signals = (1U << VIGIL_SIGNAL_COUNT) - 1;
	FILL_MAX(d->login_id, 17);
}

static void build_prompt_totp(struct vigil_msg *m)
{
	struct vigil_prompt *p = &m->u.prompt;

	m->type = VIGIL_MSG_PROMPT;
	p->kind = VIGIL_PROMPT_TOTP;
	p->why = VIGIL_WHY_RISK;
	p->digits = 6;
	p->attempts_left = 3;
	p->signals = VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_NEW_SOURCE;
}

static void build_prompt_enroll_max(struct vigil_msg *m)
{
	struct vigil_prompt *p = &m->u.prompt;

	m->type = VIGIL_MSG_PROMPT;
	p->kind = VIGIL_PROMPT_ENROLL_TOTP;
	p->why = VIGIL_WHY_MAX_ - 1;
	p->digits = 8;
	p->attempts_left = 255;
	p->signals = VIGIL_SIGNAL_PRIVILEGED;
	FILL_MAX(p->uri, 18);
	FILL_MAX(p->secret_b32, 19);
	FILL_MAX(p->qr, 20);
	/* A QR code is lines of half blocks. */
	for (size_t i = 40; i < VIGIL_QR_MAX; i += 41)
		p->qr[i] = '\n';
}

static void build_result_ok(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_RESULT;
	m->u.result.status = VIGIL_STATUS_OK;
	SET(m->u.result.id, "session-0001");
}

static void build_result_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_RESULT;
	m->u.result.status = VIGIL_STATUS_MAX_ - 1;
	FILL_MAX(m->u.result.id, 21);
	FILL_MAX(m->u.result.message, 22);
	m->u.result.remaining = UINT16_MAX;
}

static void build_pending(struct vigil_msg *m)
{
	struct vigil_enroll_pending *p = &m->u.pending;

	m->type = VIGIL_MSG_ENROLL_PENDING;
	p->digits = 6;
	p->period = 30;
	SET(p->uri, "otpauth://totp/vigil:alice?secret=JBSWY3DPEHPK3PXP&issuer=vigil");
	SET(p->secret_b32, "JBSWY3DPEHPK3PXP");
	SET(p->qr, "\xe2\x96\x88\xe2\x96\x80\n\xe2\x96\x84 ");
}

static void build_pending_max(struct vigil_msg *m)
{
	struct vigil_enroll_pending *p = &m->u.pending;

	m->type = VIGIL_MSG_ENROLL_PENDING;
	p->digits = 255;
	p->period = UINT16_MAX;
	FILL_MAX(p->uri, 22);
	FILL_MAX(p->secret_b32, 23);
	FILL_MAX(p->qr, 24);
}

/* A report with n entries in every list; max: strings at their limits. */
static void build_report_n(struct vigil_msg *m, uint16_t n, int max)
{
	struct vigil_status_report *s = &m->u.report;

	m->type = VIGIL_MSG_STATUS_REPORT;
	if (max)
		FILL_MAX(s->user, 25);
	else
		SET(s->user, "dave");
	s->locked_until = n ? 1700000000ULL + n : 0;
	s->suspended = n % 2;
	s->n_factors = s->n_devices = s->n_sources = s->n_logins = s->n_grants = n;
	for (uint16_t i = 0; i < n; i++) {
		/* Every kind, a name on the keys, a count on the codes. */
		s->factors[i].type = (uint8_t)(VIGIL_FACTOR_TOTP + i % (VIGIL_FACTOR_MAX_ - 1));
		s->factors[i].created = 0x0102030405060708ULL + i;
		s->factors[i].last_used = i % 3 ? UINT64_MAX - i : 0;
		if (max)
			FILL_MAX(s->factors[i].name, 32 + i);
		else if (s->factors[i].type == VIGIL_FACTOR_FIDO2 || s->factors[i].type == VIGIL_FACTOR_SSH_SK)
			SET(s->factors[i].name, "yubikey");
		if (max || s->factors[i].type == VIGIL_FACTOR_RECOVERY)
			s->factors[i].remaining = max ? UINT16_MAX : 7;

		if (max)
			FILL_MAX(s->devices[i].fingerprint, 26 + i);
		else
			SET(s->devices[i].fingerprint, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
		s->devices[i].first_seen = 1000 + i;
		s->devices[i].last_seen = 2000 + i;

		if (max)
			FILL_MAX(s->sources[i].addr, 27 + i);
		else
			SET(s->sources[i].addr, "198.51.100.7");
		s->sources[i].first_seen = 3000 + i;
		s->sources[i].last_seen = 4000 + i;

		s->logins[i].time = 5000 + i;
		if (max) {
			FILL_MAX(s->logins[i].service, 28 + i);
			FILL_MAX(s->logins[i].rhost, 29 + i);
		} else {
			SET(s->logins[i].service, "sshd");
			SET(s->logins[i].rhost, "198.51.100.7");
		}
		s->logins[i].outcome = i % 2 ? VIGIL_OUTCOME_DENY : VIGIL_OUTCOME_ALLOW;
		s->logins[i].score = 10u * i;
		s->logins[i].signals = i % (1U << VIGIL_SIGNAL_COUNT);
		s->logins[i].reason = (uint16_t)(i % VIGIL_REASON_MAX_);
		s->logins[i].shadow = (uint8_t)(i % VIGIL_SHADOW_MAX_);

		if (max) {
			FILL_MAX(s->grants[i].device, 30 + i);
			FILL_MAX(s->grants[i].source, 31 + i);
		} else {
			SET(s->grants[i].device, "SHA256:grant");
			SET(s->grants[i].source, "203.0.113.9");
		}
		s->grants[i].granted = 6000 + i;
		s->grants[i].expires = UINT64_MAX - i;
	}
}

static void build_admin_users(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_USERS;
	SET(m->u.user.user, "bob");
}

static void build_admin_history(struct vigil_msg *m)
{
	struct vigil_history_request *h = &m->u.history_req;

	m->type = VIGIL_MSG_ADMIN_HISTORY;
	SET(h->user, "alice");
	SET(h->service, "sshd");
	h->decision = VIGIL_HISTORY_SHADOW;
	h->since = 1700000000;
	h->before_time = 1800000000;
	SET(h->before_id, "00112233445566778899aabbccddeeff");
}

static void build_admin_history_max(struct vigil_msg *m)
{
	struct vigil_history_request *h = &m->u.history_req;

	m->type = VIGIL_MSG_ADMIN_HISTORY;
	FILL_MAX(h->user, 40);
	FILL_MAX(h->service, 41);
	h->decision = VIGIL_HISTORY_FILTER_MAX_ - 1;
	h->since = UINT64_MAX;
	h->before_time = UINT64_MAX - 1;
	FILL_MAX(h->before_id, 42);
}

static void build_admin_daemon(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_DAEMON;
}

static void build_admin_config(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_CONFIG;
	m->u.page_req.offset = 0x0102;
}

static void build_user_list_n(struct vigil_msg *m, uint16_t n, int max)
{
	struct vigil_user_list *u = &m->u.users;

	m->type = VIGIL_MSG_USER_LIST;
	u->more = n == VIGIL_LIST_MAX;
	u->n_users = n;
	for (uint16_t i = 0; i < n; i++) {
		if (max)
			FILL_MAX(u->users[i].name, 43 + i);
		else
			SET(u->users[i].name, "erin");
		u->users[i].factors = i;
		u->users[i].first_seen = 100 + i;
		u->users[i].last_success = i % 2 ? 0 : 200 + i;
		u->users[i].last_login = 300 + i;
		u->users[i].locked_until = UINT64_MAX - i;
		u->users[i].suspended = i % 2;
	}
}

static void build_user_list_1(struct vigil_msg *m)
{
	build_user_list_n(m, 1, 0);
}

static void build_user_list_max(struct vigil_msg *m)
{
	build_user_list_n(m, VIGIL_LIST_MAX, 1);
}

static void build_history_n(struct vigil_msg *m, uint16_t n, int max)
{
	struct vigil_history_page *h = &m->u.history;

	m->type = VIGIL_MSG_HISTORY_PAGE;
	h->more = n == VIGIL_LIST_MAX;
	h->n_logins = n;
	for (uint16_t i = 0; i < n; i++) {
		struct vigil_history_entry *e = &h->logins[i];

		if (max) {
			FILL_MAX(e->login_id, 50 + i);
			FILL_MAX(e->user, 51 + i);
			FILL_MAX(e->service, 52 + i);
			FILL_MAX(e->source, 53 + i);
			FILL_MAX(e->device, 54 + i);
		} else {
			SET(e->login_id, "0123456789abcdef0123456789abcdef");
			SET(e->user, "frank");
			SET(e->service, "sudo");
			SET(e->source, "uid=1000");
			SET(e->device, "");
		}
		e->time = 1700000000ULL + i;
		e->outcome = i % 2 ? VIGIL_OUTCOME_DENY : VIGIL_OUTCOME_ALLOW;
		e->reason = (uint16_t)(i % VIGIL_REASON_MAX_);
		e->shadow = (uint8_t)(i % VIGIL_SHADOW_MAX_);
		e->stepped_up = (uint8_t)(i % 2);
		e->score = 1000u * i;
		e->signals = (1U << VIGIL_SIGNAL_COUNT) - 1 - i % 8;
	}
}

static void build_history_1(struct vigil_msg *m)
{
	build_history_n(m, 1, 0);
}

static void build_history_max(struct vigil_msg *m)
{
	build_history_n(m, VIGIL_LIST_MAX, 1);
}

static void build_daemon_n(struct vigil_msg *m, uint16_t n, int max)
{
	struct vigil_daemon_report *d = &m->u.daemon;

	m->type = VIGIL_MSG_DAEMON_REPORT;
	if (max)
		FILL_MAX(d->version, 60);
	else
		SET(d->version, "0.1.0");
	d->pid = 4242;
	d->started = 1700000000;
	d->uptime = 3600;
	d->config_loaded = 1700000100;
	d->allowed = 1;
	d->denied = 2;
	d->stepups = 3;
	d->shadowed = UINT64_MAX;
	d->n_reasons = n;
	for (uint16_t i = 0; i < n; i++) {
		d->reasons[i].reason = (uint16_t)(i % VIGIL_REASON_MAX_);
		d->reasons[i].count = 7u + i;
	}
	d->audit_queued = 5;
	d->audit_queue_max = 1024;
	d->audit_spill_pending = (uint8_t)(n % 2);
	d->audit_undelivered = 6;
	d->audit_lost = 7;
	d->db_bytes = 8;
	d->wal_bytes = 9;
	d->users = 10;
	d->sessions_open = 11;
	d->logins = 12;
}

static void build_daemon_1(struct vigil_msg *m)
{
	build_daemon_n(m, 1, 0);
}

static void build_daemon_max(struct vigil_msg *m)
{
	build_daemon_n(m, VIGIL_LIST_MAX, 1);
}

static void build_config_n(struct vigil_msg *m, uint16_t n, int max)
{
	struct vigil_config_page *c = &m->u.config;

	m->type = VIGIL_MSG_CONFIG_PAGE;
	c->generation = 0x0102030405060708ULL;
	c->total = 300;
	c->offset = 32;
	c->n_entries = n;
	for (uint16_t i = 0; i < n; i++) {
		struct vigil_config_entry *e = &c->entries[i];

		if (max) {
			FILL_MAX(e->section, 70 + i);
			FILL_MAX(e->key, 71 + i);
			FILL_MAX(e->value, 72 + i);
			FILL_MAX(e->file, 73 + i);
		} else {
			SET(e->section, "policy");
			SET(e->key, "stepup_at");
			SET(e->value, "30");
			SET(e->file, "/etc/vigil/vigil.conf");
		}
		e->line = 12u + i;
	}
}

static void build_config_1(struct vigil_msg *m)
{
	build_config_n(m, 1, 0);
}

static void build_config_max(struct vigil_msg *m)
{
	build_config_n(m, VIGIL_LIST_MAX, 1);
}

static void build_report_0(struct vigil_msg *m)
{
	build_report_n(m, 0, 0);
}

static void build_report_1(struct vigil_msg *m)
{
	build_report_n(m, 1, 0);
}

static void build_report_max(struct vigil_msg *m)
{
	build_report_n(m, VIGIL_LIST_MAX, 1);
}

static void build_factor_remove(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_FACTOR_REMOVE;
	SET(m->u.target.user, "alice");
	SET(m->u.target.target, "totp");
}

static void build_device_forget_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_DEVICE_FORGET;
	FILL_MAX(m->u.target.user, 30);
	FILL_MAX(m->u.target.target, 31);
}

static void build_source_forget(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_SOURCE_FORGET;
	SET(m->u.target.user, "bob");
	SET(m->u.target.target, "198.51.100.7");
}

static void build_explain_request(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_EXPLAIN;
	SET(m->u.target.target, "0123456789abcdef0123456789abcdef");
}

static void build_simulate(struct vigil_msg *m)
{
	build_auth_begin(m);
	m->type = VIGIL_MSG_ADMIN_SIMULATE;
}

static void build_simulate_max(struct vigil_msg *m)
{
	build_login_max(m, VIGIL_MSG_ADMIN_SIMULATE);
}

static void build_reload(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_RELOAD;
}

static void build_totp_remove(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_TOTP_REMOVE;
	SET(m->u.answer.answer, "246810");
}

static void build_explanation(struct vigil_msg *m)
{
	struct vigil_explanation *e = &m->u.explain;

	m->type = VIGIL_MSG_EXPLANATION;
	SET(e->login_id, "abc");
	SET(e->user, "alice");
	SET(e->service, "sshd");
	SET(e->source, "192.0.2.10");
	SET(e->device, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
	e->time = 1700000000;
	e->outcome = VIGIL_OUTCOME_ALLOW;
	e->verdict = VIGIL_VERDICT_STEPUP;
	e->why = VIGIL_WHY_RISK;
	e->reason = VIGIL_REASON_NONE;
	e->score = 80;
	e->signals = VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_NEW_SOURCE;
	for (size_t i = 0; i < VIGIL_SIGNAL_COUNT; i++)
		e->points[i] = 10u * (uint32_t)(i + 1);
	e->stepup_at = 40;
	e->deny_at = 100;
	SET(e->rule, "score 80 >= stepup_at 40: step-up required");
	SET(e->record_reason, "stepped_up");
}

static void build_explanation_max(struct vigil_msg *m)
{
	struct vigil_explanation *e = &m->u.explain;

	m->type = VIGIL_MSG_EXPLANATION;
	FILL_MAX(e->login_id, 32);
	FILL_MAX(e->user, 33);
	FILL_MAX(e->service, 34);
	FILL_MAX(e->source, 35);
	FILL_MAX(e->device, 36);
	e->time = UINT64_MAX;
	e->outcome = 0; /* simulate: waits for a step-up */
	e->verdict = VIGIL_VERDICT_MAX_ - 1;
	e->why = VIGIL_WHY_MAX_ - 1;
	e->shadow = 1;
	e->reason = VIGIL_REASON_MAX_ - 1;
	e->score = UINT32_MAX;
	e->signals = (1U << VIGIL_SIGNAL_COUNT) - 1;
	for (size_t i = 0; i < VIGIL_SIGNAL_COUNT; i++)
		e->points[i] = UINT32_MAX - (uint32_t)i;
	e->stepup_at = e->deny_at = e->fresh_window = UINT32_MAX;
	FILL_MAX(e->rule, 37);
	FILL_MAX(e->record_reason, 39);
}

static void build_reload_result(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_RELOAD_RESULT;
	m->u.reload.status = VIGIL_STATUS_OK;
}

static void build_reload_result_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_RELOAD_RESULT;
	m->u.reload.status = VIGIL_STATUS_MAX_ - 1;
	FILL_MAX(m->u.reload.message, 38);
}

static void build_admin_report(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_REPORT;
	m->u.report_req.since = 1700000000ULL;
	m->u.report_req.until = UINT64_MAX;
}

static void report_rows_fill(struct vigil_report_rows *t, uint16_t n, int max, unsigned seed)
{
	t->more = n == VIGIL_REPORT_ROWS_MAX;
	t->n = n;
	for (uint16_t i = 0; i < n; i++) {
		struct vigil_report_row *e = &t->rows[i];

		if (max)
			FILL_MAX(e->name, seed + i);
		else
			SET(e->name, "risk");
		e->allow = i;
		e->stepup = UINT64_MAX - i;
		e->deny = 7u * i;
	}
}

static void build_rollout_n(struct vigil_msg *m, uint16_t n, int max)
{
	struct vigil_rollout_report *p = &m->u.rollout;

	m->type = VIGIL_MSG_ROLLOUT_REPORT;
	p->since = 1700000000ULL;
	p->until = 1700604800ULL;
	p->logins = 40;
	p->allow = 30;
	p->stepup = 8;
	p->deny = 2;
	p->by_mode[VIGIL_MODE_ENFORCE] = 1;
	p->by_mode[VIGIL_MODE_SHADOW] = 2;
	p->by_mode[VIGIL_MODE_LEARN] = UINT64_MAX;
	p->waived = 10;
	report_rows_fill(&p->reasons, n, max, 70);
	report_rows_fill(&p->services, n, max, 80);
	report_rows_fill(&p->users, n, max, 90);
}

static void build_rollout_1(struct vigil_msg *m)
{
	build_rollout_n(m, 1, 0);
}

static void build_rollout_max(struct vigil_msg *m)
{
	build_rollout_n(m, VIGIL_REPORT_ROWS_MAX, 1);
}

/* ---- Security keys and recovery codes (protocol 2) ---- */

#define CRED_A      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define CHALLENGE_A "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k="

static void build_prompt_fido2(struct vigil_msg *m)
{
	struct vigil_prompt *p = &m->u.prompt;

	m->type = VIGIL_MSG_PROMPT;
	p->kind = VIGIL_PROMPT_FIDO2;
	p->why = VIGIL_WHY_FRESH;
	p->attempts_left = 3;
	p->signals = VIGIL_SIGNAL_PRIVILEGED;
	p->methods = VIGIL_METHOD_BIT(VIGIL_FACTOR_FIDO2) | VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP);
	SET(p->rp_id, "vigil:host.example");
	SET(p->challenge, CHALLENGE_A);
	p->uv = 1;
	p->timeout = 30;
	p->n_creds = 1;
	SET(p->creds[0].id, CRED_A);
}

/* The largest PROMPT: every field at its limit, the credential list full
 * (no daemon sends enrollment and FIDO2 fields together, but the codec
 * must carry what it accepts). */
static void build_prompt_fido2_max(struct vigil_msg *m)
{
	struct vigil_prompt *p = &m->u.prompt;

	build_prompt_enroll_max(m);
	p->kind = VIGIL_PROMPT_FIDO2;
	p->methods = VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP) | VIGIL_METHOD_BIT(VIGIL_FACTOR_FIDO2) |
	             VIGIL_METHOD_BIT(VIGIL_FACTOR_SSH_SK) | VIGIL_METHOD_BIT(VIGIL_FACTOR_RECOVERY);
	FILL_MAX(p->rp_id, 50);
	FILL_B64_MAX(p->challenge, 51);
	p->uv = 1;
	p->timeout = UINT16_MAX;
	p->n_creds = VIGIL_KEYS_MAX;
	for (unsigned i = 0; i < VIGIL_KEYS_MAX; i++)
		FILL_B64_MAX(p->creds[i].id, 52 + i);
}

static void build_assertion(struct vigil_msg *m)
{
	struct vigil_assertion *a = &m->u.assertion;

	m->type = VIGIL_MSG_AUTH_ASSERTION;
	a->status = VIGIL_FIDO2_OK;
	SET(a->cred_id, CRED_A);
	SET(a->authdata, "WCVJlg3liA6MaHQ0Fw9kdmBbj+SuuaKGMseZXPO6gx2XYwUAAAAq");
	SET(a->sig, "MEUCIQCwQ5bJz3Gv0Xb1s5Lx+k2c/AiEA4k1yQ/a7LQ2wWb7QA==");
}

static void build_assertion_max(struct vigil_msg *m)
{
	struct vigil_assertion *a = &m->u.assertion;

	m->type = VIGIL_MSG_AUTH_ASSERTION;
	a->status = VIGIL_FIDO2_STATUS_MAX_ - 1;
	FILL_B64_MAX(a->cred_id, 60);
	FILL_B64_MAX(a->authdata, 61);
	FILL_B64_MAX(a->sig, 62);
}

static void build_key_enroll_begin(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_KEY_ENROLL_BEGIN;
	SET(m->u.key_enroll.name, "yubikey 5c");
	m->u.key_enroll.uv = 1;
}

static void build_key_enroll_begin_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_KEY_ENROLL_BEGIN;
	FILL_MAX(m->u.key_enroll.user, 63);
	FILL_MAX(m->u.key_enroll.name, 64);
	m->u.key_enroll.uv = 1;
	m->u.key_enroll.resident = 1;
}

static void build_key_enroll_finish(struct vigil_msg *m)
{
	struct vigil_attestation *a = &m->u.attestation;

	m->type = VIGIL_MSG_KEY_ENROLL_FINISH;
	SET(a->fmt, "packed");
	SET(a->authdata, "WMSJlg3liA6MaHQ0Fw9kdmBbj+SuuaKGMseZXPO6gx2XYwUAAAAq");
	SET(a->x5c, "MIIBhzCCAS6gAwIBAgIJAJm+6LEMouwcMAkGByqGSM49BAEwITEfMB0GA1UEAwwW");
	SET(a->sig, "MEQCIGm+Yl0mX2b1P5rA0f3oYAIgS1r/JkJX3wU0yQ==");
}

static void build_key_enroll_finish_max(struct vigil_msg *m)
{
	struct vigil_attestation *a = &m->u.attestation;

	m->type = VIGIL_MSG_KEY_ENROLL_FINISH;
	FILL_MAX(a->fmt, 65);
	FILL_B64_MAX(a->authdata, 66);
	FILL_B64_MAX(a->x5c, 67);
	FILL_B64_MAX(a->sig, 68);
}

static void build_key_add_ssh(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_KEY_ADD_SSH;
	SET(m->u.ssh_key.user, "alice");
	SET(m->u.ssh_key.line, "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIFake "
	                       "alice@laptop");
}

static void build_key_add_ssh_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_KEY_ADD_SSH;
	FILL_MAX(m->u.ssh_key.user, 69);
	FILL_MAX(m->u.ssh_key.name, 70);
	FILL_MAX(m->u.ssh_key.line, 71);
}

static void build_key_list(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_KEY_LIST;
	SET(m->u.user.user, "");
}

static void build_key_rename(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_KEY_RENAME;
	SET(m->u.key.name, "key-1");
	SET(m->u.key.new_name, "office key");
}

static void build_key_remove_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_KEY_REMOVE;
	FILL_MAX(m->u.key.user, 72);
	FILL_MAX(m->u.key.name, 73);
	FILL_MAX(m->u.key.new_name, 74);
}

static void build_factor_prove(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_FACTOR_PROVE;
	SET(m->u.user.user, "alice");
}

static void build_recovery_generate_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_RECOVERY_GENERATE;
	FILL_MAX(m->u.user.user, 75);
}

static void build_key_challenge(struct vigil_msg *m)
{
	struct vigil_key_challenge *c = &m->u.key_challenge;

	m->type = VIGIL_MSG_KEY_CHALLENGE;
	SET(c->rp_id, "vigil:host.example");
	SET(c->user, "alice");
	SET(c->user_handle, "3q2+796tvu/erb7v3q2+796tvu8=");
	SET(c->challenge, CHALLENGE_A);
	c->uv = 1;
	c->timeout = 60;
	c->n_exclude = 1;
	SET(c->exclude[0].id, CRED_A);
}

static void build_key_challenge_max(struct vigil_msg *m)
{
	struct vigil_key_challenge *c = &m->u.key_challenge;

	m->type = VIGIL_MSG_KEY_CHALLENGE;
	FILL_MAX(c->rp_id, 76);
	FILL_MAX(c->user, 77);
	FILL_B64_MAX(c->user_handle, 78);
	FILL_B64_MAX(c->challenge, 79);
	c->uv = 1;
	c->resident = 1;
	c->timeout = UINT16_MAX;
	c->n_exclude = VIGIL_KEYS_MAX;
	for (unsigned i = 0; i < VIGIL_KEYS_MAX; i++)
		FILL_B64_MAX(c->exclude[i].id, 80 + i);
}

static void build_key_list_reply_n(struct vigil_msg *m, uint16_t n, int max)
{
	struct vigil_key_list *l = &m->u.keys;

	m->type = VIGIL_MSG_KEY_LIST_REPLY;
	if (max)
		FILL_MAX(l->user, 90);
	else
		SET(l->user, "alice");
	l->n_keys = n;
	for (uint16_t i = 0; i < n; i++) {
		struct vigil_key_info *k = &l->keys[i];

		k->type = i % 2 ? VIGIL_FACTOR_SSH_SK : VIGIL_FACTOR_FIDO2;
		if (max) {
			FILL_MAX(k->name, 91 + i);
			FILL_MAX(k->id_hash, 92 + i);
		} else {
			SET(k->name, i % 2 ? "laptop sk" : "yubikey");
			SET(k->id_hash, "9f86d081884c7d65");
		}
		k->created = 1700000000u + i;
		k->last_used = max ? UINT64_MAX - i : 0;
		k->sign_count = max ? UINT32_MAX : 42u + i;
		k->flags = max ? VIGIL_KEY_FLAGS_MASK : (i % 2 ? 0 : VIGIL_KEY_FLAG_UV | VIGIL_KEY_FLAG_RESIDENT);
	}
	l->recovery_left = max ? UINT16_MAX : 7;
}

static void build_key_list_reply(struct vigil_msg *m)
{
	build_key_list_reply_n(m, 2, 0);
}

static void build_key_list_reply_max(struct vigil_msg *m)
{
	build_key_list_reply_n(m, VIGIL_KEYS_MAX, 1);
}

static void build_recovery_codes_n(struct vigil_msg *m, uint16_t n, int max)
{
	m->type = VIGIL_MSG_RECOVERY_CODES;
	m->u.recovery.n_codes = n;
	for (uint16_t i = 0; i < n; i++) {
		if (max)
			FILL_MAX(m->u.recovery.codes[i].code, 100 + i);
		else
			snprintf(m->u.recovery.codes[i].code, sizeof(m->u.recovery.codes[i].code), "k3x9q-%05u",
			         (unsigned)(31337 + 1111 * i));
	}
}

static void build_recovery_codes(struct vigil_msg *m)
{
	build_recovery_codes_n(m, 2, 0);
}

static void build_recovery_codes_max(struct vigil_msg *m)
{
	build_recovery_codes_n(m, VIGIL_RECOVERY_CODES, 1);
}

/* Sessions and suspension (protocol 3). */
static void build_session_list_req(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_SESSION_LIST;
	SET(m->u.session_list_req.user, "alice");
}

static void build_session_list_req_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_SESSION_LIST;
	FILL_MAX(m->u.session_list_req.user, 70);
	FILL_MAX(m->u.session_list_req.after_id, 71);
}

static void build_session_end(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_SESSION_END;
	SET(m->u.session_end.id, "00112233445566778899aabbccddeeff");
}

static void build_session_end_max(struct vigil_msg *m)
{
	/* The daemon wants one of the two; the codec carries both. */
	m->type = VIGIL_MSG_SESSION_END;
	FILL_MAX(m->u.session_end.id, 72);
	FILL_MAX(m->u.session_end.user, 73);
}

static void build_user_suspend(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_USER_SUSPEND;
	SET(m->u.user.user, "alice");
}

static void build_user_resume_max(struct vigil_msg *m)
{
	m->type = VIGIL_MSG_ADMIN_USER_RESUME;
	FILL_MAX(m->u.user.user, 74);
}

static void build_sessions_n(struct vigil_msg *m, uint16_t n, int max)
{
	struct vigil_session_list *l = &m->u.sessions;

	m->type = VIGIL_MSG_SESSION_LIST_REPLY;
	l->more = n == VIGIL_LIST_MAX;
	l->n_sessions = n;
	for (uint16_t i = 0; i < n; i++) {
		struct vigil_session_info *e = &l->sessions[i];

		if (max) {
			FILL_MAX(e->id, 75 + i);
			FILL_MAX(e->user, 76 + i);
			FILL_MAX(e->service, 77 + i);
			FILL_MAX(e->source, 78 + i);
			FILL_MAX(e->device, 79 + i);
			FILL_MAX(e->tty, 80 + i);
		} else {
			SET(e->id, "00112233445566778899aabbccddeeff");
			SET(e->user, "alice");
			SET(e->service, "sshd");
			SET(e->source, "198.51.100.7");
			SET(e->tty, "pts/3");
		}
		e->started = 1700000000ULL + i;
		e->last_activity = max ? UINT64_MAX - i : 1700000100ULL + i;
		e->idle = max ? UINT64_MAX : 42;
		e->ends_at = i % 2 ? 0 : 1700003600ULL + i;
		e->band = (uint8_t)(i % VIGIL_BAND_MAX_);
	}
}

static void build_sessions_1(struct vigil_msg *m)
{
	build_sessions_n(m, 1, 0);
}

static void build_sessions_max(struct vigil_msg *m)
{
	build_sessions_n(m, VIGIL_LIST_MAX, 1);
}

struct tcase {
	const char *name;
	void (*build)(struct vigil_msg *m);
};

static const struct tcase cases[] = {
    {"auth_begin", build_auth_begin},
    {"auth_begin_max", build_auth_begin_max},
    {"account_check", build_account_check},
    {"account_check_max", build_account_check_max},
    {"auth_step", build_auth_step},
    {"auth_step_max", build_auth_step_max},
    {"totp_enroll_confirm", build_enroll_confirm},
    {"session_open", build_session_open},
    {"session_close_max", build_session_close_max},
    {"totp_enroll_begin", build_enroll_begin},
    {"status_query", build_status_query},
    {"admin_unlock_max", build_admin_unlock_max},
    {"decision_allow", build_decision_allow},
    {"decision_deny_max", build_decision_deny_max},
    {"prompt_totp", build_prompt_totp},
    {"prompt_enroll_max", build_prompt_enroll_max},
    {"result_ok", build_result_ok},
    {"result_max", build_result_max},
    {"enroll_pending", build_pending},
    {"enroll_pending_max", build_pending_max},
    {"status_report_0", build_report_0},
    {"status_report_1", build_report_1},
    {"status_report_max", build_report_max},
    {"admin_unlock_source", build_admin_unlock_source},
    {"admin_users", build_admin_users},
    {"admin_history", build_admin_history},
    {"admin_daemon", build_admin_daemon},
    {"admin_config", build_admin_config},
    {"user_list_1", build_user_list_1},
    {"history_page_1", build_history_1},
    {"daemon_report_1", build_daemon_1},
    {"config_page_1", build_config_1},
    {"admin_history_max", build_admin_history_max},
    {"user_list_max", build_user_list_max},
    {"history_page_max", build_history_max},
    {"daemon_report_max", build_daemon_max},
    {"config_page_max", build_config_max},
    {"admin_factor_remove", build_factor_remove},
    {"admin_device_forget_max", build_device_forget_max},
    {"admin_source_forget", build_source_forget},
    {"admin_explain", build_explain_request},
    {"admin_simulate", build_simulate},
    {"admin_simulate_max", build_simulate_max},
    {"admin_reload", build_reload},
    {"totp_remove", build_totp_remove},
    {"explanation", build_explanation},
    {"explanation_max", build_explanation_max},
    {"reload_result", build_reload_result},
    {"reload_result_max", build_reload_result_max},
    {"admin_report", build_admin_report},
    {"rollout_report", build_rollout_1},
    {"rollout_report_max", build_rollout_max},
    /* Protocol 2: security keys and recovery codes (52..). */
    {"prompt_fido2", build_prompt_fido2},
    {"prompt_fido2_max", build_prompt_fido2_max},
    {"auth_assertion", build_assertion},
    {"auth_assertion_max", build_assertion_max},
    {"key_enroll_begin", build_key_enroll_begin},
    {"key_enroll_begin_max", build_key_enroll_begin_max},
    {"key_enroll_finish", build_key_enroll_finish},
    {"key_enroll_finish_max", build_key_enroll_finish_max},
    {"key_add_ssh", build_key_add_ssh},
    {"key_add_ssh_max", build_key_add_ssh_max},
    {"key_list", build_key_list},
    {"key_rename", build_key_rename},
    {"key_remove_max", build_key_remove_max},
    {"factor_prove", build_factor_prove},
    {"recovery_generate_max", build_recovery_generate_max},
    {"key_challenge", build_key_challenge},
    {"key_challenge_max", build_key_challenge_max},
    {"key_list_reply", build_key_list_reply},
    {"key_list_reply_max", build_key_list_reply_max},
    {"recovery_codes", build_recovery_codes},
    {"recovery_codes_max", build_recovery_codes_max},
    /* 74.. */
    {"session_list", build_session_list_req},
    {"session_list_max", build_session_list_req_max},
    {"session_end", build_session_end},
    {"session_end_max", build_session_end_max},
    {"admin_user_suspend", build_user_suspend},
    {"admin_user_resume_max", build_user_resume_max},
    {"session_list_reply", build_sessions_1},
    {"session_list_reply_max", build_sessions_max},
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* The small (non-max) case of each type, for the per-field attacks. */
static const struct tcase *small_cases[] = {
    &cases[0],  &cases[2],  &cases[4],  &cases[6],  &cases[7],  &cases[8],  &cases[9],  &cases[10], &cases[11],
    &cases[12], &cases[14], &cases[16], &cases[18], &cases[21], &cases[23], &cases[24], &cases[25], &cases[26],
    &cases[27], &cases[28], &cases[29], &cases[30], &cases[31], &cases[37], &cases[39], &cases[40], &cases[41],
    &cases[43], &cases[44], &cases[45], &cases[47], &cases[49], &cases[50], &cases[52], &cases[54], &cases[56],
    &cases[58], &cases[60], &cases[62], &cases[63], &cases[64], &cases[65], &cases[66], &cases[67], &cases[69],
    &cases[71], &cases[74], &cases[76], &cases[78], &cases[79], &cases[80],
};
#define N_SMALL (sizeof(small_cases) / sizeof(small_cases[0]))

/* ---- Field-by-field comparison ---- */

static void assert_login_equal(const struct vigil_login_request *a, const struct vigil_login_request *b)
{
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->service, b->service);
	assert_string_equal(a->rhost, b->rhost);
	assert_string_equal(a->tty, b->tty);
	assert_string_equal(a->ruser, b->ruser);
	assert_int_equal(a->pid, b->pid);
	assert_string_equal(a->ssh_auth_info, b->ssh_auth_info);
	assert_string_equal(a->ssh_connection, b->ssh_connection);
	assert_string_equal(a->login_id, b->login_id);
}

static void assert_report_equal(const struct vigil_status_report *a, const struct vigil_status_report *b)
{
	assert_string_equal(a->user, b->user);
	assert_int_equal(a->locked_until, b->locked_until);
	assert_int_equal(a->suspended, b->suspended);
	assert_int_equal(a->n_factors, b->n_factors);
	assert_int_equal(a->n_devices, b->n_devices);
	assert_int_equal(a->n_sources, b->n_sources);
	assert_int_equal(a->n_logins, b->n_logins);
	for (size_t i = 0; i < a->n_factors; i++) {
		assert_int_equal(a->factors[i].type, b->factors[i].type);
		assert_int_equal(a->factors[i].created, b->factors[i].created);
		assert_int_equal(a->factors[i].last_used, b->factors[i].last_used);
		assert_string_equal(a->factors[i].name, b->factors[i].name);
		assert_int_equal(a->factors[i].remaining, b->factors[i].remaining);
	}
	for (size_t i = 0; i < a->n_devices; i++) {
		assert_string_equal(a->devices[i].fingerprint, b->devices[i].fingerprint);
		assert_int_equal(a->devices[i].first_seen, b->devices[i].first_seen);
		assert_int_equal(a->devices[i].last_seen, b->devices[i].last_seen);
	}
	for (size_t i = 0; i < a->n_sources; i++) {
		assert_string_equal(a->sources[i].addr, b->sources[i].addr);
		assert_int_equal(a->sources[i].first_seen, b->sources[i].first_seen);
		assert_int_equal(a->sources[i].last_seen, b->sources[i].last_seen);
	}
	for (size_t i = 0; i < a->n_logins; i++) {
		assert_int_equal(a->logins[i].time, b->logins[i].time);
		assert_string_equal(a->logins[i].service, b->logins[i].service);
		assert_string_equal(a->logins[i].rhost, b->logins[i].rhost);
		assert_int_equal(a->logins[i].outcome, b->logins[i].outcome);
		assert_int_equal(a->logins[i].score, b->logins[i].score);
		assert_int_equal(a->logins[i].signals, b->logins[i].signals);
		assert_int_equal(a->logins[i].reason, b->logins[i].reason);
		assert_int_equal(a->logins[i].shadow, b->logins[i].shadow);
	}
	assert_int_equal(a->n_grants, b->n_grants);
	for (size_t i = 0; i < a->n_grants; i++) {
		assert_string_equal(a->grants[i].device, b->grants[i].device);
		assert_string_equal(a->grants[i].source, b->grants[i].source);
		assert_int_equal(a->grants[i].granted, b->grants[i].granted);
		assert_int_equal(a->grants[i].expires, b->grants[i].expires);
	}
}

/* The new replies are flat structs of values and bounded strings whose
 * unused tails the decoder zeroes, as the builders leave them: equal
 * messages are equal bytes. */
static void assert_bytes_equal(const void *a, const void *b, size_t n)
{
	assert_memory_equal(a, b, n);
}

static void assert_explain_equal(const struct vigil_explanation *a, const struct vigil_explanation *b)
{
	assert_string_equal(a->login_id, b->login_id);
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->service, b->service);
	assert_string_equal(a->source, b->source);
	assert_string_equal(a->device, b->device);
	assert_int_equal(a->time, b->time);
	assert_int_equal(a->outcome, b->outcome);
	assert_int_equal(a->verdict, b->verdict);
	assert_int_equal(a->why, b->why);
	assert_int_equal(a->shadow, b->shadow);
	assert_int_equal(a->reason, b->reason);
	assert_int_equal(a->score, b->score);
	assert_int_equal(a->signals, b->signals);
	assert_memory_equal(a->points, b->points, sizeof(a->points));
	assert_int_equal(a->stepup_at, b->stepup_at);
	assert_int_equal(a->deny_at, b->deny_at);
	assert_int_equal(a->fresh_window, b->fresh_window);
	assert_string_equal(a->rule, b->rule);
	assert_string_equal(a->record_reason, b->record_reason);
}

static void assert_msg_equal(const struct vigil_msg *a, const struct vigil_msg *b)
{
	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case VIGIL_MSG_AUTH_BEGIN:
	case VIGIL_MSG_ACCOUNT_CHECK:
		assert_login_equal(&a->u.login, &b->u.login);
		break;
	case VIGIL_MSG_AUTH_STEP:
	case VIGIL_MSG_TOTP_ENROLL_CONFIRM:
		assert_string_equal(a->u.answer.answer, b->u.answer.answer);
		break;
	case VIGIL_MSG_SESSION_OPEN:
	case VIGIL_MSG_SESSION_CLOSE:
		assert_string_equal(a->u.session.user, b->u.session.user);
		assert_string_equal(a->u.session.service, b->u.session.service);
		assert_string_equal(a->u.session.rhost, b->u.session.rhost);
		assert_string_equal(a->u.session.tty, b->u.session.tty);
		assert_int_equal(a->u.session.pid, b->u.session.pid);
		assert_string_equal(a->u.session.login_id, b->u.session.login_id);
		break;
	case VIGIL_MSG_TOTP_ENROLL_BEGIN:
	case VIGIL_MSG_STATUS_QUERY:
	case VIGIL_MSG_ADMIN_UNLOCK:
	case VIGIL_MSG_ADMIN_UNLOCK_SOURCE:
		assert_string_equal(a->u.user.user, b->u.user.user);
		break;
	case VIGIL_MSG_DECISION:
		assert_int_equal(a->u.decision.outcome, b->u.decision.outcome);
		assert_int_equal(a->u.decision.reason, b->u.decision.reason);
		assert_int_equal(a->u.decision.score, b->u.decision.score);
		assert_int_equal(a->u.decision.signals, b->u.decision.signals);
		assert_string_equal(a->u.decision.login_id, b->u.decision.login_id);
		assert_int_equal(a->u.decision.recovery_used, b->u.decision.recovery_used);
		assert_int_equal(a->u.decision.recovery_left, b->u.decision.recovery_left);
		break;
	case VIGIL_MSG_PROMPT:
		assert_int_equal(a->u.prompt.kind, b->u.prompt.kind);
		assert_int_equal(a->u.prompt.why, b->u.prompt.why);
		assert_int_equal(a->u.prompt.digits, b->u.prompt.digits);
		assert_int_equal(a->u.prompt.attempts_left, b->u.prompt.attempts_left);
		assert_int_equal(a->u.prompt.signals, b->u.prompt.signals);
		assert_string_equal(a->u.prompt.uri, b->u.prompt.uri);
		assert_string_equal(a->u.prompt.secret_b32, b->u.prompt.secret_b32);
		assert_string_equal(a->u.prompt.qr, b->u.prompt.qr);
		assert_int_equal(a->u.prompt.methods, b->u.prompt.methods);
		assert_string_equal(a->u.prompt.rp_id, b->u.prompt.rp_id);
		assert_string_equal(a->u.prompt.challenge, b->u.prompt.challenge);
		assert_int_equal(a->u.prompt.uv, b->u.prompt.uv);
		assert_int_equal(a->u.prompt.timeout, b->u.prompt.timeout);
		assert_int_equal(a->u.prompt.n_creds, b->u.prompt.n_creds);
		assert_bytes_equal(a->u.prompt.creds, b->u.prompt.creds, sizeof(a->u.prompt.creds));
		break;
	case VIGIL_MSG_RESULT:
		assert_int_equal(a->u.result.status, b->u.result.status);
		assert_string_equal(a->u.result.id, b->u.result.id);
		assert_string_equal(a->u.result.message, b->u.result.message);
		assert_int_equal(a->u.result.remaining, b->u.result.remaining);
		break;
	case VIGIL_MSG_ENROLL_PENDING:
		assert_int_equal(a->u.pending.digits, b->u.pending.digits);
		assert_int_equal(a->u.pending.period, b->u.pending.period);
		assert_string_equal(a->u.pending.uri, b->u.pending.uri);
		assert_string_equal(a->u.pending.secret_b32, b->u.pending.secret_b32);
		assert_string_equal(a->u.pending.qr, b->u.pending.qr);
		break;
	case VIGIL_MSG_STATUS_REPORT:
		assert_report_equal(&a->u.report, &b->u.report);
		break;
	case VIGIL_MSG_ADMIN_FACTOR_REMOVE:
	case VIGIL_MSG_ADMIN_DEVICE_FORGET:
	case VIGIL_MSG_ADMIN_SOURCE_FORGET:
	case VIGIL_MSG_ADMIN_EXPLAIN:
		assert_string_equal(a->u.target.user, b->u.target.user);
		assert_string_equal(a->u.target.target, b->u.target.target);
		break;
	case VIGIL_MSG_ADMIN_SIMULATE:
		assert_login_equal(&a->u.login, &b->u.login);
		break;
	case VIGIL_MSG_ADMIN_RELOAD:
		break;
	case VIGIL_MSG_TOTP_REMOVE:
		assert_string_equal(a->u.answer.answer, b->u.answer.answer);
		break;
	case VIGIL_MSG_EXPLANATION:
		assert_explain_equal(&a->u.explain, &b->u.explain);
		break;
	case VIGIL_MSG_RELOAD_RESULT:
		assert_int_equal(a->u.reload.status, b->u.reload.status);
		assert_string_equal(a->u.reload.message, b->u.reload.message);
		break;
	case VIGIL_MSG_ADMIN_USERS:
		assert_string_equal(a->u.user.user, b->u.user.user);
		break;
	case VIGIL_MSG_ADMIN_HISTORY:
		assert_bytes_equal(&a->u.history_req, &b->u.history_req, sizeof(a->u.history_req));
		break;
	case VIGIL_MSG_ADMIN_DAEMON:
		break;
	case VIGIL_MSG_ADMIN_CONFIG:
		assert_int_equal(a->u.page_req.offset, b->u.page_req.offset);
		break;
	case VIGIL_MSG_USER_LIST:
		assert_bytes_equal(&a->u.users, &b->u.users, sizeof(a->u.users));
		break;
	case VIGIL_MSG_HISTORY_PAGE:
		assert_bytes_equal(&a->u.history, &b->u.history, sizeof(a->u.history));
		break;
	case VIGIL_MSG_DAEMON_REPORT:
		assert_bytes_equal(&a->u.daemon, &b->u.daemon, sizeof(a->u.daemon));
		break;
	case VIGIL_MSG_CONFIG_PAGE:
		assert_bytes_equal(&a->u.config, &b->u.config, sizeof(a->u.config));
		break;
	case VIGIL_MSG_ADMIN_REPORT:
		assert_bytes_equal(&a->u.report_req, &b->u.report_req, sizeof(a->u.report_req));
		break;
	case VIGIL_MSG_ROLLOUT_REPORT:
		assert_bytes_equal(&a->u.rollout, &b->u.rollout, sizeof(a->u.rollout));
		break;
	case VIGIL_MSG_AUTH_ASSERTION:
		assert_bytes_equal(&a->u.assertion, &b->u.assertion, sizeof(a->u.assertion));
		break;
	case VIGIL_MSG_KEY_ENROLL_BEGIN:
		assert_bytes_equal(&a->u.key_enroll, &b->u.key_enroll, sizeof(a->u.key_enroll));
		break;
	case VIGIL_MSG_KEY_ENROLL_FINISH:
		assert_bytes_equal(&a->u.attestation, &b->u.attestation, sizeof(a->u.attestation));
		break;
	case VIGIL_MSG_KEY_ADD_SSH:
		assert_bytes_equal(&a->u.ssh_key, &b->u.ssh_key, sizeof(a->u.ssh_key));
		break;
	case VIGIL_MSG_KEY_LIST:
	case VIGIL_MSG_FACTOR_PROVE:
	case VIGIL_MSG_RECOVERY_GENERATE:
		assert_string_equal(a->u.user.user, b->u.user.user);
		break;
	case VIGIL_MSG_KEY_RENAME:
	case VIGIL_MSG_KEY_REMOVE:
		assert_bytes_equal(&a->u.key, &b->u.key, sizeof(a->u.key));
		break;
	case VIGIL_MSG_KEY_CHALLENGE:
		assert_bytes_equal(&a->u.key_challenge, &b->u.key_challenge, sizeof(a->u.key_challenge));
		break;
	case VIGIL_MSG_KEY_LIST_REPLY:
		assert_bytes_equal(&a->u.keys, &b->u.keys, sizeof(a->u.keys));
		break;
	case VIGIL_MSG_RECOVERY_CODES:
		assert_bytes_equal(&a->u.recovery, &b->u.recovery, sizeof(a->u.recovery));
		break;
	case VIGIL_MSG_SESSION_LIST:
		assert_bytes_equal(&a->u.session_list_req, &b->u.session_list_req, sizeof(a->u.session_list_req));
		break;
	case VIGIL_MSG_SESSION_END:
		assert_bytes_equal(&a->u.session_end, &b->u.session_end, sizeof(a->u.session_end));
		break;
	case VIGIL_MSG_ADMIN_USER_SUSPEND:
	case VIGIL_MSG_ADMIN_USER_RESUME:
		assert_string_equal(a->u.user.user, b->u.user.user);
		break;
	case VIGIL_MSG_SESSION_LIST_REPLY:
		assert_bytes_equal(&a->u.sessions, &b->u.sessions, sizeof(a->u.sessions));
		break;
	default:
		fail_msg("unexpected type %u", (unsigned)a->type);
	}
}

/* Every string field of m, with its limit (report: those of entry 0) and
 * whether the codec holds it to the base64 alphabet. */
struct sfield {
	char *p;
	size_t max;
	int b64;
};

static size_t string_fields(struct vigil_msg *m, struct sfield *f)
{
	size_t n = 0;

#define ADD(field)     (f[n++] = (struct sfield){(field), sizeof(field) - 1, 0})
#define ADD_B64(field) (f[n++] = (struct sfield){(field), sizeof(field) - 1, 1})
	switch (m->type) {
	case VIGIL_MSG_AUTH_BEGIN:
	case VIGIL_MSG_ACCOUNT_CHECK:
		ADD(m->u.login.user);
		ADD(m->u.login.service);
		ADD(m->u.login.rhost);
		ADD(m->u.login.tty);
		ADD(m->u.login.ruser);
		ADD(m->u.login.ssh_auth_info);
		ADD(m->u.login.ssh_connection);
		ADD(m->u.login.login_id);
		break;
	case VIGIL_MSG_AUTH_STEP:
	case VIGIL_MSG_TOTP_ENROLL_CONFIRM:
		ADD(m->u.answer.answer);
		break;
	case VIGIL_MSG_SESSION_OPEN:
	case VIGIL_MSG_SESSION_CLOSE:
		ADD(m->u.session.user);
		ADD(m->u.session.service);
		ADD(m->u.session.rhost);
		ADD(m->u.session.tty);
		ADD(m->u.session.login_id);
		break;
	case VIGIL_MSG_TOTP_ENROLL_BEGIN:
	case VIGIL_MSG_STATUS_QUERY:
	case VIGIL_MSG_ADMIN_UNLOCK:
	case VIGIL_MSG_ADMIN_UNLOCK_SOURCE:
		ADD(m->u.user.user);
		break;
	case VIGIL_MSG_DECISION:
		ADD(m->u.decision.login_id);
		break;
	case VIGIL_MSG_PROMPT:
		ADD(m->u.prompt.uri);
		ADD(m->u.prompt.secret_b32);
		ADD(m->u.prompt.qr);
		ADD(m->u.prompt.rp_id);
		ADD_B64(m->u.prompt.challenge);
		if (m->u.prompt.n_creds > 0)
			ADD_B64(m->u.prompt.creds[0].id);
		break;
	case VIGIL_MSG_RESULT:
		ADD(m->u.result.id);
		ADD(m->u.result.message);
		break;
	case VIGIL_MSG_AUTH_ASSERTION:
		ADD_B64(m->u.assertion.cred_id);
		ADD_B64(m->u.assertion.authdata);
		ADD_B64(m->u.assertion.sig);
		break;
	case VIGIL_MSG_KEY_ENROLL_BEGIN:
		ADD(m->u.key_enroll.user);
		ADD(m->u.key_enroll.name);
		break;
	case VIGIL_MSG_KEY_ENROLL_FINISH:
		ADD(m->u.attestation.fmt);
		ADD_B64(m->u.attestation.authdata);
		ADD_B64(m->u.attestation.x5c);
		ADD_B64(m->u.attestation.sig);
		break;
	case VIGIL_MSG_KEY_ADD_SSH:
		ADD(m->u.ssh_key.user);
		ADD(m->u.ssh_key.name);
		ADD(m->u.ssh_key.line);
		break;
	case VIGIL_MSG_KEY_LIST:
	case VIGIL_MSG_FACTOR_PROVE:
	case VIGIL_MSG_RECOVERY_GENERATE:
		ADD(m->u.user.user);
		break;
	case VIGIL_MSG_KEY_RENAME:
	case VIGIL_MSG_KEY_REMOVE:
		ADD(m->u.key.user);
		ADD(m->u.key.name);
		ADD(m->u.key.new_name);
		break;
	case VIGIL_MSG_KEY_CHALLENGE:
		ADD(m->u.key_challenge.rp_id);
		ADD(m->u.key_challenge.user);
		ADD_B64(m->u.key_challenge.user_handle);
		ADD_B64(m->u.key_challenge.challenge);
		if (m->u.key_challenge.n_exclude > 0)
			ADD_B64(m->u.key_challenge.exclude[0].id);
		break;
	case VIGIL_MSG_KEY_LIST_REPLY:
		ADD(m->u.keys.user);
		if (m->u.keys.n_keys > 0) {
			ADD(m->u.keys.keys[0].name);
			ADD(m->u.keys.keys[0].id_hash);
		}
		break;
	case VIGIL_MSG_RECOVERY_CODES:
		if (m->u.recovery.n_codes > 0)
			ADD(m->u.recovery.codes[0].code);
		break;
	case VIGIL_MSG_ENROLL_PENDING:
		ADD(m->u.pending.uri);
		ADD(m->u.pending.secret_b32);
		ADD(m->u.pending.qr);
		break;
	case VIGIL_MSG_STATUS_REPORT:
		ADD(m->u.report.user);
		ADD(m->u.report.factors[0].name);
		ADD(m->u.report.devices[0].fingerprint);
		ADD(m->u.report.sources[0].addr);
		ADD(m->u.report.logins[0].service);
		ADD(m->u.report.logins[0].rhost);
		ADD(m->u.report.grants[0].device);
		ADD(m->u.report.grants[0].source);
		break;
	case VIGIL_MSG_ADMIN_USERS:
		ADD(m->u.user.user);
		break;
	case VIGIL_MSG_ADMIN_HISTORY:
		ADD(m->u.history_req.user);
		ADD(m->u.history_req.service);
		ADD(m->u.history_req.before_id);
		break;
	case VIGIL_MSG_USER_LIST:
		ADD(m->u.users.users[0].name);
		break;
	case VIGIL_MSG_HISTORY_PAGE:
		ADD(m->u.history.logins[0].login_id);
		ADD(m->u.history.logins[0].user);
		ADD(m->u.history.logins[0].service);
		ADD(m->u.history.logins[0].source);
		ADD(m->u.history.logins[0].device);
		break;
	case VIGIL_MSG_DAEMON_REPORT:
		ADD(m->u.daemon.version);
		break;
	case VIGIL_MSG_ROLLOUT_REPORT:
		ADD(m->u.rollout.reasons.rows[0].name);
		ADD(m->u.rollout.services.rows[0].name);
		ADD(m->u.rollout.users.rows[0].name);
		break;
	case VIGIL_MSG_CONFIG_PAGE:
		ADD(m->u.config.entries[0].section);
		ADD(m->u.config.entries[0].key);
		ADD(m->u.config.entries[0].value);
		ADD(m->u.config.entries[0].file);
		break;
	case VIGIL_MSG_ADMIN_FACTOR_REMOVE:
	case VIGIL_MSG_ADMIN_DEVICE_FORGET:
	case VIGIL_MSG_ADMIN_SOURCE_FORGET:
	case VIGIL_MSG_ADMIN_EXPLAIN:
		ADD(m->u.target.user);
		ADD(m->u.target.target);
		break;
	case VIGIL_MSG_ADMIN_SIMULATE:
		ADD(m->u.login.user);
		ADD(m->u.login.service);
		ADD(m->u.login.rhost);
		ADD(m->u.login.tty);
		ADD(m->u.login.ruser);
		ADD(m->u.login.ssh_auth_info);
		ADD(m->u.login.ssh_connection);
		ADD(m->u.login.login_id);
		break;
	case VIGIL_MSG_TOTP_REMOVE:
		ADD(m->u.answer.answer);
		break;
	case VIGIL_MSG_EXPLANATION:
		ADD(m->u.explain.login_id);
		ADD(m->u.explain.user);
		ADD(m->u.explain.service);
		ADD(m->u.explain.source);
		ADD(m->u.explain.device);
		ADD(m->u.explain.rule);
		ADD(m->u.explain.record_reason);
		break;
	case VIGIL_MSG_RELOAD_RESULT:
		ADD(m->u.reload.message);
		break;
	case VIGIL_MSG_SESSION_LIST:
		ADD(m->u.session_list_req.user);
		ADD(m->u.session_list_req.after_id);
		break;
	case VIGIL_MSG_SESSION_END:
		ADD(m->u.session_end.id);
		ADD(m->u.session_end.user);
		break;
	case VIGIL_MSG_ADMIN_USER_SUSPEND:
	case VIGIL_MSG_ADMIN_USER_RESUME:
		ADD(m->u.user.user);
		break;
	case VIGIL_MSG_SESSION_LIST_REPLY:
		ADD(m->u.sessions.sessions[0].id);
		ADD(m->u.sessions.sessions[0].user);
		ADD(m->u.sessions.sessions[0].service);
		ADD(m->u.sessions.sessions[0].source);
		ADD(m->u.sessions.sessions[0].device);
		ADD(m->u.sessions.sessions[0].tty);
		break;
	default:
		break;
	}
#undef ADD
#undef ADD_B64
	return n;
}

/* Offset of needle in hay, or -1. */
static long find(const uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return (long)i;
	return -1;
}

/* The message types the protocol defines. */
static int type_known(unsigned t)
{
	return (t >= 1 && t <= 19) || (t >= 20 && t <= 23) || (t >= 30 && t <= 36) || t == 40 || (t >= 64 && t <= 71) ||
	       (t >= 80 && t <= 83) || (t >= 90 && t <= 91) || t == 100 || (t >= 50 && t <= 53) || t == 110;
}

/* ---- Tests ---- */

static void test_roundtrip(void **state)
{
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new(), *f2 = frame_new();

	for (size_t c = 0; c < N_CASES; c++) {
		struct frame_header h;
		size_t len, len2;

		memset(m, 0, sizeof(*m));
		cases[c].build(m);
		len = encode_ok(m, 0x01020304u + (uint32_t)c, f);

		assert_int_equal(frame_header_decode(f, &h), 0);
		assert_int_equal(h.type, m->type);
		assert_int_equal(h.request_id, 0x01020304u + (uint32_t)c);
		assert_int_equal(h.body_len, len - VIGIL_FRAME_HEADER_SIZE);

		memset(d, 0xa5, sizeof(*d));
		assert_int_equal(decode_exact(h.type, f + VIGIL_FRAME_HEADER_SIZE, h.body_len, d), 0);
		assert_msg_equal(m, d);

		/* One encoding: what was decoded encodes to the same bytes. */
		len2 = encode_ok(d, h.request_id, f2);
		assert_int_equal(len2, len);
		assert_memory_equal(f, f2, len);
	}
	free(m);
	free(d);
	free(f);
	free(f2);
}

/* The smallest and largest frames the protocol can carry still fit. */
static void test_sizes(void **state)
{
	struct vigil_msg *m = msg_new();
	uint8_t *f = frame_new();
	size_t len;

	/* The two largest bodies, pinned to the limits they are made of: a
	 * limit raised in proto.h shows up here with its cost. */
	static const size_t report_max_body =
	    (2 + VIGIL_USER_MAX) + 8 + 1 + 2 + VIGIL_LIST_MAX * (1 + 8 + 8 + 2 + VIGIL_KEY_NAME_MAX + 2) + /* factors */
	    2 + VIGIL_LIST_MAX * (2 + VIGIL_FINGERPRINT_MAX + 8 + 8) +                                     /* devices */
	    2 + VIGIL_LIST_MAX * (2 + VIGIL_ADDR_MAX + 8 + 8) +                                            /* sources */
	    2 + VIGIL_LIST_MAX * (8 + 2 + VIGIL_SERVICE_MAX + 2 + VIGIL_RHOST_MAX + 12) +                  /* logins */
	    2 + VIGIL_LIST_MAX * (2 + VIGIL_FINGERPRINT_MAX + 2 + VIGIL_ADDR_MAX + 16);                    /* grants */
	static const size_t prompt_max_body =
	    8 + (2 + VIGIL_URI_MAX) + (2 + VIGIL_SECRET_B32_MAX) + (2 + VIGIL_QR_MAX) + 1 + (2 + VIGIL_RP_ID_MAX) +
	    (2 + VIGIL_CHALLENGE_B64_MAX) + 1 + 2 + 2 + VIGIL_KEYS_MAX * (2 + VIGIL_CRED_B64_MAX);

	build_report_max(m);
	len = encode_ok(m, 1, f);
	assert_int_equal(len, VIGIL_FRAME_HEADER_SIZE + report_max_body);
	assert_true(len <= VIGIL_FRAME_MAX);
	memset(m, 0, sizeof(*m));
	build_prompt_fido2_max(m);
	len = encode_ok(m, 1, f);
	assert_int_equal(len, VIGIL_FRAME_HEADER_SIZE + prompt_max_body);
	/* Every page of the admin queries, full and at its limits, fits one
	 * frame: that is why pages hold VIGIL_LIST_MAX entries.  So does every
	 * message of protocol 2 at its largest; the sizes are printed for
	 * whoever raises a limit next. */
	for (size_t c = 0; c < N_CASES; c++) {
		memset(m, 0, sizeof(*m));
		cases[c].build(m);
		len = encode_ok(m, 1, f);
		assert_true(len <= VIGIL_FRAME_MAX);
		if (strstr(cases[c].name, "_max"))
			print_message("%-24s %5zu of %u bytes\n", cases[c].name, len, (unsigned)VIGIL_FRAME_MAX);
	}
	memset(m, 0, sizeof(*m));
	build_prompt_enroll_max(m);
	len = encode_ok(m, 1, f);
	assert_true(len <= VIGIL_FRAME_MAX);
	memset(m, 0, sizeof(*m));
	build_enroll_begin(m);
	len = encode_ok(m, 1, f);
	assert_int_equal(len, VIGIL_FRAME_HEADER_SIZE + 2);
	free(m);
	free(f);
}

/* Known bytes pin the layout: big-endian, fields in struct order. */
static void test_known_bytes(void **state)
{
	static const uint8_t query[] = {0x56, 0x47, 0x49, 0x4c, 0x03, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
	                                0x07, 0x00, 0x00, 0x00, 0x05, 0x00, 0x03, 'b',  'o',  'b'};
	static const uint8_t decision[] = {0x02, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00,
	                                   0x00, 0x81, 0x00, 0x02, 'a',  'b',  0x00, 0x00, 0x00};
	static const uint8_t report[] = {
	    0x00, 0x01, 'u',                                      /* user */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,       /* locked_until */
	    0x01,                                                 /* suspended */
	    0x00, 0x01,                                           /* n_factors */
	    0x02,                                                 /* type */
	    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,       /* created */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,       /* last_used */
	    0x00, 0x01, 'k',                                      /* name */
	    0x00, 0x00,                                           /* remaining */
	    0x00, 0x00,                                           /* n_devices */
	    0x00, 0x01,                                           /* n_sources */
	    0x00, 0x02, 'a',  'b',                                /* addr */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,       /* first_seen */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,       /* last_seen */
	    0x00, 0x01,                                           /* n_logins */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,       /* time */
	    0x00, 0x01, 's',  0x00, 0x01, 'r',                    /* service, rhost */
	    0x02, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x40, /* outcome, score, signals */
	    0x00, 0x05, 0x02,                                     /* reason, shadow */
	    0x00, 0x00,                                           /* n_grants */
	};
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new();
	size_t len;

	m->type = VIGIL_MSG_STATUS_QUERY;
	SET(m->u.user.user, "bob");
	len = encode_ok(m, 7, f);
	assert_int_equal(len, sizeof(query));
	assert_memory_equal(f, query, sizeof(query));

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_DECISION;
	m->u.decision.outcome = VIGIL_OUTCOME_DENY;
	m->u.decision.reason = VIGIL_REASON_LOCKED;
	m->u.decision.score = 0x01020304;
	m->u.decision.signals = VIGIL_SIGNAL_PRIVILEGED | VIGIL_SIGNAL_NEW_DEVICE;
	SET(m->u.decision.login_id, "ab");
	len = encode_ok(m, 9, f);
	assert_int_equal(len - VIGIL_FRAME_HEADER_SIZE, sizeof(decision));
	assert_memory_equal(f + VIGIL_FRAME_HEADER_SIZE, decision, sizeof(decision));
	assert_int_equal(decode_exact(VIGIL_MSG_DECISION, decision, sizeof(decision), d), 0);
	assert_msg_equal(m, d);

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_STATUS_REPORT;
	SET(m->u.report.user, "u");
	m->u.report.locked_until = 256;
	m->u.report.suspended = 1;
	m->u.report.n_factors = 1;
	m->u.report.factors[0] =
	    (struct vigil_factor_info){.type = VIGIL_FACTOR_FIDO2, .created = 0x1112131415161718ULL, .name = "k"};
	m->u.report.n_sources = 1;
	SET(m->u.report.sources[0].addr, "ab");
	m->u.report.sources[0].first_seen = 1;
	m->u.report.sources[0].last_seen = 2;
	m->u.report.n_logins = 1;
	m->u.report.logins[0].time = 3;
	SET(m->u.report.logins[0].service, "s");
	SET(m->u.report.logins[0].rhost, "r");
	m->u.report.logins[0].outcome = VIGIL_OUTCOME_DENY;
	m->u.report.logins[0].score = 9;
	m->u.report.logins[0].signals = VIGIL_SIGNAL_SOURCE_FAILURES;
	m->u.report.logins[0].reason = VIGIL_REASON_NETWORK;
	m->u.report.logins[0].shadow = VIGIL_SHADOW_DENY;
	len = encode_ok(m, 9, f);
	assert_int_equal(len - VIGIL_FRAME_HEADER_SIZE, sizeof(report));
	assert_memory_equal(f + VIGIL_FRAME_HEADER_SIZE, report, sizeof(report));
	assert_int_equal(decode_exact(VIGIL_MSG_STATUS_REPORT, report, sizeof(report), d), 0);
	assert_msg_equal(m, d);

	free(m);
	free(d);
	free(f);
}

static void test_truncation(void **state)
{
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new();

	for (size_t c = 0; c < N_CASES; c++) {
		size_t len, body_len;

		memset(m, 0, sizeof(*m));
		cases[c].build(m);
		len = encode_ok(m, 1, f);
		body_len = len - VIGIL_FRAME_HEADER_SIZE;
		for (size_t k = 0; k < body_len; k++) {
			int r;

			memset(d, 0xa5, sizeof(*d));
			r = decode_exact(m->type, f + VIGIL_FRAME_HEADER_SIZE, k, d);
			/* A short body is malformed, never "too big". */
			assert_int_equal(r, -EBADMSG);
			assert_true(wiped(d, m->type));
		}
	}
	free(m);
	free(d);
	free(f);
}

/* What a receiver does with a frame that arrived whole or cut short: the
 * header is needed in full and its body_len must match what is there. */
static int frame_receive(const uint8_t *buf, size_t len, struct vigil_msg *out)
{
	struct frame_header h;
	int r;

	memset(out, 0, sizeof(*out));
	if (len < VIGIL_FRAME_HEADER_SIZE)
		return -EBADMSG;
	if ((r = frame_header_decode(buf, &h)) < 0)
		return r;
	if (h.body_len != len - VIGIL_FRAME_HEADER_SIZE)
		return -EBADMSG;
	return decode_exact(h.type, buf + VIGIL_FRAME_HEADER_SIZE, h.body_len, out);
}

static void test_frame_truncation(void **state)
{
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new();

	for (size_t c = 0; c < N_CASES; c++) {
		size_t len;

		memset(m, 0, sizeof(*m));
		cases[c].build(m);
		len = encode_ok(m, 1, f);
		assert_int_equal(frame_receive(f, len, d), 0);
		for (size_t k = 0; k < len; k++) {
			int r = frame_receive(f, k, d);

			assert_true(r < 0);
			assert_true(is_zero(d, sizeof(*d)));
		}
		/* A header that claims the body minus its last byte. */
		f[15]--;
		assert_true(frame_receive(f, len - 1, d) < 0);
	}
	free(m);
	free(d);
	free(f);
}

static void test_bit_flips(void **state)
{
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new(), *f2 = frame_new(), *body;
	size_t accepted = 0, refused = 0;

	for (size_t c = 0; c < N_CASES; c++) {
		size_t len, body_len;

		memset(m, 0, sizeof(*m));
		cases[c].build(m);
		len = encode_ok(m, 77, f);
		body_len = len - VIGIL_FRAME_HEADER_SIZE;
		body = malloc(body_len);
		assert_non_null(body);
		memcpy(body, f + VIGIL_FRAME_HEADER_SIZE, body_len);

		for (size_t bit = 0; bit < body_len * 8; bit++) {
			int r;

			body[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			r = msg_decode(m->type, body, body_len, d);
			if (r < 0) {
				assert_refused(r, d, m->type);
				refused++;
			} else {
				/* Accepted: it must be the one encoding of what it says. */
				size_t len2 = encode_ok(d, 77, f2);

				assert_int_equal(len2, len);
				assert_memory_equal(f2 + VIGIL_FRAME_HEADER_SIZE, body, body_len);
				accepted++;
			}
			body[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		free(body);
	}
	/* Both paths were taken (string bytes flip harmlessly, lengths not). */
	assert_true(accepted > 0);
	assert_true(refused > 0);
	free(m);
	free(d);
	free(f);
	free(f2);
}

static void test_trailing_byte(void **state)
{
	static const uint8_t extra[] = {0x00, 0x41, 0xff};
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new();

	for (size_t c = 0; c < N_CASES; c++) {
		size_t len;

		memset(m, 0, sizeof(*m));
		cases[c].build(m);
		len = encode_ok(m, 1, f);
		for (size_t e = 0; e < sizeof(extra); e++) {
			f[len] = extra[e];
			memset(d, 0xa5, sizeof(*d));
			assert_int_equal(
			    decode_exact(m->type, f + VIGIL_FRAME_HEADER_SIZE, len + 1 - VIGIL_FRAME_HEADER_SIZE, d),
			    -EBADMSG);
			assert_true(wiped(d, m->type));
		}
	}
	free(m);
	free(d);
	free(f);
}

static void test_string_nul(void **state)
{
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new();
	struct sfield fields[16];
	size_t tested = 0;

	for (size_t c = 0; c < N_SMALL; c++) {
		memset(m, 0, sizeof(*m));
		small_cases[c]->build(m);
		size_t nf = string_fields(m, fields);

		for (size_t i = 0; i < nf; i++) {
			char saved[VIGIL_QR_MAX + 1];
			uint8_t *body = f + VIGIL_FRAME_HEADER_SIZE;
			size_t len;
			uint8_t *at;
			long pos;

			strcpy(saved, fields[i].p);
			/* A base64 field takes only a base64 marker. */
			strcpy(fields[i].p, fields[i].b64 ? "9NUL9xyz" : "#NUL#xyz");
			len = encode_ok(m, 1, f);
			pos = find(body, len - VIGIL_FRAME_HEADER_SIZE, fields[i].b64 ? "9NUL9" : "#NUL#");
			assert_true(pos >= 2);
			at = body + pos;
			at[2] = '\0';
			memset(d, 0xa5, sizeof(*d));
			assert_int_equal(decode_exact(m->type, body, len - VIGIL_FRAME_HEADER_SIZE, d), -EBADMSG);
			assert_true(wiped(d, m->type));
			/* A NUL as the last byte is just as wrong. */
			at[2] = 'U';
			at[7] = '\0';
			assert_int_equal(decode_exact(m->type, body, len - VIGIL_FRAME_HEADER_SIZE, d), -EBADMSG);
			strcpy(fields[i].p, saved);
			tested++;
		}
	}
	assert_true(tested >= 60);
	free(m);
	free(d);
	free(f);
}

static void test_string_over_limit(void **state)
{
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new(), *g = frame_new();
	struct sfield fields[16];

	for (size_t c = 0; c < N_SMALL; c++) {
		memset(m, 0, sizeof(*m));
		small_cases[c]->build(m);
		size_t nf = string_fields(m, fields);

		for (size_t i = 0; i < nf; i++) {
			static char saved[VIGIL_QR_MAX + 1];
			uint8_t *body = f + VIGIL_FRAME_HEADER_SIZE;
			size_t len, body_len, off, max = fields[i].max, out_len = 12345;
			long pos;

			strcpy(saved, fields[i].p);

			/* Encoder: max + 1 bytes with no NUL in the field at all. */
			memset(fields[i].p, 'x', max + 1);
			assert_int_equal(msg_encode(m, 1, f, VIGIL_FRAME_MAX, &out_len), -E2BIG);
			assert_int_equal(out_len, 12345);

			/* Exactly max is fine. */
			if (fields[i].b64) {
				fill_b64(fields[i].p, max, 3);
				memcpy(fields[i].p, "9LIM9", 5);
			} else {
				fill(fields[i].p, max, 3);
				memcpy(fields[i].p, "#LIM#", 5);
			}
			len = encode_ok(m, 1, f);
			body_len = len - VIGIL_FRAME_HEADER_SIZE;
			pos = find(body, body_len, fields[i].b64 ? "9LIM9" : "#LIM#");
			assert_true(pos >= 2);
			off = (size_t)pos - 2;
			assert_int_equal(body[off] << 8 | body[off + 1], max);

			/* Decoder: max + 1 bytes really there, and the length says so. */
			memcpy(g, body, off + 2 + max);
			g[off] = (uint8_t)((max + 1) >> 8);
			g[off + 1] = (uint8_t)(max + 1);
			g[off + 2 + max] = 'x';
			memcpy(g + off + 3 + max, body + off + 2 + max, body_len - off - 2 - max);
			memset(d, 0xa5, sizeof(*d));
			assert_int_equal(decode_exact(m->type, g, body_len + 1, d), -E2BIG);
			assert_true(wiped(d, m->type));

			/* A huge length over a short body: refused without reading. */
			g[off] = 0xff;
			g[off + 1] = 0xff;
			assert_refused(decode_exact(m->type, g, off + 2 + max, d), d, m->type);
			assert_refused(decode_exact(m->type, g, off + 2, d), d, m->type);

			strcpy(fields[i].p, saved);
		}
	}
	free(m);
	free(d);
	free(f);
	free(g);
}

/* Only one list is filled, the others empty, the user name empty: the
 * count of list k is at body offset 11 + 2k (user, locked_until,
 * suspended before it). */
static void build_one_list(struct vigil_msg *m, unsigned k, uint16_t n)
{
	struct vigil_status_report *s = &m->u.report;

	memset(m, 0, sizeof(*m));
	build_report_n(m, n, 0);
	s->user[0] = '\0';
	s->n_factors = k == 0 ? n : 0;
	s->n_devices = k == 1 ? n : 0;
	s->n_sources = k == 2 ? n : 0;
	s->n_logins = k == 3 ? n : 0;
	s->n_grants = k == 4 ? n : 0;
}

static void test_list_over_limit(void **state)
{
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new();
	size_t out_len = 999;

	for (unsigned k = 0; k < 5; k++) {
		uint16_t *counts[5] = {&m->u.report.n_factors, &m->u.report.n_devices, &m->u.report.n_sources,
		                       &m->u.report.n_logins, &m->u.report.n_grants};
		uint8_t *body = f + VIGIL_FRAME_HEADER_SIZE;
		size_t len, body_len, off = 11 + 2 * k;

		build_one_list(m, k, VIGIL_LIST_MAX);
		len = encode_ok(m, 1, f);
		body_len = len - VIGIL_FRAME_HEADER_SIZE;
		assert_int_equal(body[off] << 8 | body[off + 1], VIGIL_LIST_MAX);
		assert_int_equal(decode_exact(VIGIL_MSG_STATUS_REPORT, body, body_len, d), 0);
		assert_int_equal(d->u.report.n_factors + d->u.report.n_devices + d->u.report.n_sources +
		                     d->u.report.n_logins + d->u.report.n_grants,
		                 VIGIL_LIST_MAX);

		/* One over the limit, then absurdly over: -E2BIG before any entry. */
		body[off + 1] = VIGIL_LIST_MAX + 1;
		assert_int_equal(decode_exact(VIGIL_MSG_STATUS_REPORT, body, body_len, d), -E2BIG);
		assert_true(wiped(d, VIGIL_MSG_STATUS_REPORT));
		body[off] = 0xff;
		body[off + 1] = 0xff;
		assert_int_equal(decode_exact(VIGIL_MSG_STATUS_REPORT, body, body_len, d), -E2BIG);
		assert_int_equal(decode_exact(VIGIL_MSG_STATUS_REPORT, body, off + 2, d), -E2BIG);
		/* One fewer than sent: the last entry is read as what follows. */
		body[off] = 0;
		body[off + 1] = VIGIL_LIST_MAX - 1;
		assert_refused(decode_exact(VIGIL_MSG_STATUS_REPORT, body, body_len, d), d, VIGIL_MSG_STATUS_REPORT);

		/* The encoder refuses a count it could not have sent. */
		*counts[k] = VIGIL_LIST_MAX + 1;
		assert_int_equal(msg_encode(m, 1, f, VIGIL_FRAME_MAX, &out_len), -E2BIG);
		*counts[k] = UINT16_MAX;
		assert_int_equal(msg_encode(m, 1, f, VIGIL_FRAME_MAX, &out_len), -E2BIG);
		assert_int_equal(out_len, 999);
	}

	/* SESSION_LIST_REPLY: the count @1, full at VIGIL_LIST_MAX. */
	{
		uint8_t *body = f + VIGIL_FRAME_HEADER_SIZE;
		size_t len, body_len;

		memset(m, 0, sizeof(*m));
		build_sessions_max(m);
		len = encode_ok(m, 1, f);
		body_len = len - VIGIL_FRAME_HEADER_SIZE;
		assert_int_equal(body[1] << 8 | body[2], VIGIL_LIST_MAX);
		body[2] = VIGIL_LIST_MAX + 1;
		assert_int_equal(decode_exact(VIGIL_MSG_SESSION_LIST_REPLY, body, body_len, d), -E2BIG);
		assert_true(wiped(d, VIGIL_MSG_SESSION_LIST_REPLY));
		body[1] = 0xff;
		body[2] = 0xff;
		assert_int_equal(decode_exact(VIGIL_MSG_SESSION_LIST_REPLY, body, 3, d), -E2BIG);
		body[1] = 0;
		body[2] = VIGIL_LIST_MAX - 1;
		assert_refused(decode_exact(VIGIL_MSG_SESSION_LIST_REPLY, body, body_len, d), d,
		               VIGIL_MSG_SESSION_LIST_REPLY);
		m->u.sessions.n_sessions = VIGIL_LIST_MAX + 1;
		assert_int_equal(msg_encode(m, 1, f, VIGIL_FRAME_MAX, &out_len), -E2BIG);
		assert_int_equal(out_len, 999);
	}
	free(m);
	free(d);
	free(f);
}

/* Patches a value into a valid body at off and expects -EBADMSG. */
static void expect_bad_at(const struct vigil_msg *m, size_t off, const uint8_t *val, size_t n)
{
	struct vigil_msg *d = msg_new();
	uint8_t *f = frame_new();
	size_t len = encode_ok(m, 1, f);
	uint8_t *body = f + VIGIL_FRAME_HEADER_SIZE;

	assert_true(off + n <= len - VIGIL_FRAME_HEADER_SIZE);
	assert_int_equal(decode_exact(m->type, body, len - VIGIL_FRAME_HEADER_SIZE, d), 0);
	memcpy(body + off, val, n);
	memset(d, 0xa5, sizeof(*d));
	assert_int_equal(decode_exact(m->type, body, len - VIGIL_FRAME_HEADER_SIZE, d), -EBADMSG);
	assert_true(wiped(d, m->type));
	free(d);
	free(f);
}

static void expect_encode_einval(const struct vigil_msg *m)
{
	uint8_t *f = frame_new();
	size_t len = 4242;

	assert_int_equal(msg_encode(m, 1, f, VIGIL_FRAME_MAX, &len), -EINVAL);
	assert_int_equal(len, 4242);
	free(f);
}

static void test_enums(void **state)
{
	struct vigil_msg *m = msg_new(), *bad = msg_new();

	/* DECISION: outcome @0, reason @1, score @3, signals @7 */
	build_decision_allow(m);
	expect_bad_at(m, 0, (const uint8_t[]){0}, 1);
	expect_bad_at(m, 0, (const uint8_t[]){3}, 1);
	expect_bad_at(m, 0, (const uint8_t[]){0xff}, 1);
	expect_bad_at(m, 1, (const uint8_t[]){0, VIGIL_REASON_MAX_}, 2);
	expect_bad_at(m, 1, (const uint8_t[]){0xff, 0xff}, 2);
	expect_bad_at(m, 7, (const uint8_t[]){0, 0, 1, 0}, 4);
	expect_bad_at(m, 7, (const uint8_t[]){0x80, 0, 0, 0}, 4);
	*bad = *m;
	bad->u.decision.outcome = 0;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.decision.reason = VIGIL_REASON_MAX_;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.decision.signals = 1U << VIGIL_SIGNAL_COUNT;
	expect_encode_einval(bad);

	/* PROMPT: kind @0, why @1, digits @2, attempts @3, signals @4 */
	memset(m, 0, sizeof(*m));
	build_prompt_totp(m);
	expect_bad_at(m, 0, (const uint8_t[]){0}, 1);
	expect_bad_at(m, 0, (const uint8_t[]){VIGIL_PROMPT_FIDO2 + 1}, 1);
	expect_bad_at(m, 1, (const uint8_t[]){VIGIL_WHY_MAX_}, 1);
	expect_bad_at(m, 4, (const uint8_t[]){0, 0, 1, 0}, 4);
	*bad = *m;
	bad->u.prompt.kind = VIGIL_PROMPT_FIDO2 + 1;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.prompt.why = VIGIL_WHY_MAX_;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.prompt.signals = 0xffffffffu;
	expect_encode_einval(bad);

	/* RESULT: status @0 */
	memset(m, 0, sizeof(*m));
	build_result_ok(m);
	expect_bad_at(m, 0, (const uint8_t[]){0, VIGIL_STATUS_MAX_}, 2);
	expect_bad_at(m, 0, (const uint8_t[]){0x80, 0}, 2);
	*bad = *m;
	bad->u.result.status = VIGIL_STATUS_MAX_;
	expect_encode_einval(bad);

	/* STATUS_REPORT with one factor only: type @13; kinds 1..4 exist. */
	build_one_list(m, 0, 1);
	expect_bad_at(m, 13, (const uint8_t[]){0}, 1);
	expect_bad_at(m, 13, (const uint8_t[]){VIGIL_FACTOR_MAX_}, 1);
	expect_bad_at(m, 13, (const uint8_t[]){0xff}, 1);
	*bad = *m;
	bad->u.report.factors[0].type = 0;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.report.factors[0].type = VIGIL_FACTOR_MAX_;
	expect_encode_einval(bad);

	/* One login only, empty service and rhost: outcome @31, signals @36. */
	build_one_list(m, 3, 1);
	m->u.report.logins[0].service[0] = '\0';
	m->u.report.logins[0].rhost[0] = '\0';
	expect_bad_at(m, 31, (const uint8_t[]){0}, 1);
	expect_bad_at(m, 31, (const uint8_t[]){3}, 1);
	expect_bad_at(m, 36, (const uint8_t[]){0, 0, 1, 0}, 4);
	*bad = *m;
	bad->u.report.logins[0].outcome = 0;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.report.logins[0].signals = 1U << 31;
	expect_encode_einval(bad);

	/* EXPLANATION with every string empty: outcome @18, verdict @19, why
	 * @20, shadow @21, reason @22, signals @28. */
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_EXPLANATION;
	m->u.explain.outcome = VIGIL_OUTCOME_DENY;
	m->u.explain.verdict = VIGIL_VERDICT_DENY;
	expect_bad_at(m, 18, (const uint8_t[]){3}, 1);
	expect_bad_at(m, 19, (const uint8_t[]){VIGIL_VERDICT_MAX_}, 1);
	expect_bad_at(m, 20, (const uint8_t[]){VIGIL_WHY_MAX_}, 1);
	expect_bad_at(m, 21, (const uint8_t[]){VIGIL_MODE_MAX_}, 1);
	expect_bad_at(m, 22, (const uint8_t[]){0, VIGIL_REASON_MAX_}, 2);
	expect_bad_at(m, 28, (const uint8_t[]){0, 0, 1, 0}, 4);
	*bad = *m;
	bad->u.explain.verdict = VIGIL_VERDICT_MAX_;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.explain.shadow = VIGIL_MODE_MAX_;
	expect_encode_einval(bad);

	/* ROLLOUT_REPORT: reasons.more @80 (after ten u64); a flag has one
	 * encoding, a count over the limit is refused both ways. */
	memset(m, 0, sizeof(*m));
	build_rollout_1(m);
	expect_bad_at(m, 80, (const uint8_t[]){2}, 1);
	*bad = *m;
	bad->u.rollout.users.more = 2;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.rollout.services.n = VIGIL_REPORT_ROWS_MAX + 1;
	{
		uint8_t *fr = frame_new();
		size_t out_len = 0;

		assert_int_equal(msg_encode(bad, 1, fr, VIGIL_FRAME_MAX, &out_len), -E2BIG);
		free(fr);
	}

	/* RELOAD_RESULT: status @0 */
	memset(m, 0, sizeof(*m));
	build_reload_result(m);
	expect_bad_at(m, 0, (const uint8_t[]){0, VIGIL_STATUS_MAX_}, 2);
	*bad = *m;
	bad->u.reload.status = VIGIL_STATUS_MAX_;
	expect_encode_einval(bad);

	/* ADMIN_HISTORY: decision @13 (after "alice" and "sshd"). */
	memset(m, 0, sizeof(*m));
	build_admin_history(m);
	expect_bad_at(m, 13, (const uint8_t[]){VIGIL_HISTORY_FILTER_MAX_}, 1);
	*bad = *m;
	bad->u.history_req.decision = VIGIL_HISTORY_FILTER_MAX_;
	expect_encode_einval(bad);

	/* USER_LIST and HISTORY_PAGE: more @0 is a flag. */
	memset(m, 0, sizeof(*m));
	build_user_list_1(m);
	expect_bad_at(m, 0, (const uint8_t[]){2}, 1);
	memset(m, 0, sizeof(*m));
	build_history_1(m);
	expect_bad_at(m, 0, (const uint8_t[]){2}, 1);
	/* One login: outcome @70, reason @71, shadow @73, stepped_up @74,
	 * signals @79. */
	expect_bad_at(m, 70, (const uint8_t[]){0}, 1);
	expect_bad_at(m, 70, (const uint8_t[]){3}, 1);
	expect_bad_at(m, 71, (const uint8_t[]){0, VIGIL_REASON_MAX_}, 2);
	expect_bad_at(m, 73, (const uint8_t[]){VIGIL_SHADOW_MAX_}, 1);
	expect_bad_at(m, 74, (const uint8_t[]){2}, 1);
	expect_bad_at(m, 79, (const uint8_t[]){0, 0, 1, 0}, 4);
	*bad = *m;
	bad->u.history.logins[0].shadow = VIGIL_SHADOW_MAX_;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.history.logins[0].stepped_up = 2;
	expect_encode_einval(bad);

	/* STATUS_REPORT, one login: suspended @10, reason @40, shadow @42. */
	build_one_list(m, 3, 1);
	m->u.report.logins[0].service[0] = '\0';
	m->u.report.logins[0].rhost[0] = '\0';
	expect_bad_at(m, 10, (const uint8_t[]){2}, 1);
	expect_bad_at(m, 10, (const uint8_t[]){0xff}, 1);
	expect_bad_at(m, 40, (const uint8_t[]){0, VIGIL_REASON_MAX_}, 2);
	expect_bad_at(m, 42, (const uint8_t[]){VIGIL_SHADOW_MAX_}, 1);
	*bad = *m;
	bad->u.report.suspended = 2;
	expect_encode_einval(bad);

	/* USER_LIST, one user named "erin": suspended @45 (more @0, count @1,
	 * name @3, factors, first_seen, last_success, last_login, locked_until). */
	memset(m, 0, sizeof(*m));
	build_user_list_1(m);
	expect_bad_at(m, 3 + 6 + 2 + 8 * 4, (const uint8_t[]){2}, 1);
	*bad = *m;
	bad->u.users.users[0].suspended = 2;
	expect_encode_einval(bad);

	/* SESSION_LIST_REPLY, one session without device: more @0, band last. */
	memset(m, 0, sizeof(*m));
	build_sessions_1(m);
	{
		const struct vigil_session_info *e = &m->u.sessions.sessions[0];
		size_t band_off = 3 + (2 + strlen(e->id)) + (2 + strlen(e->user)) + (2 + strlen(e->service)) +
		                  (2 + strlen(e->source)) + (2 + strlen(e->device)) + (2 + strlen(e->tty)) + 4 * 8;

		expect_bad_at(m, 0, (const uint8_t[]){2}, 1);
		expect_bad_at(m, band_off, (const uint8_t[]){VIGIL_BAND_MAX_}, 1);
		expect_bad_at(m, band_off, (const uint8_t[]){0xff}, 1);
	}
	*bad = *m;
	bad->u.sessions.sessions[0].band = VIGIL_BAND_MAX_;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.sessions.more = 2;
	expect_encode_einval(bad);

	/* Unknown message types. */
	memset(m, 0, sizeof(*m));
	build_status_query(m);
	for (unsigned t = 0; t < 256; t++) {
		if (type_known(t))
			continue;
		m->type = (uint8_t)t;
		expect_encode_einval(m);
		memset(bad, 0xa5, sizeof(*bad));
		assert_int_equal(msg_decode((uint8_t)t, (const uint8_t *)"\0\0", 2, bad), -EBADMSG);
		assert_true(wiped(bad, (uint8_t)t));
	}
	free(m);
	free(bad);
}

static void test_header(void **state)
{
	struct vigil_msg *m = msg_new();
	uint8_t f[VIGIL_FRAME_HEADER_SIZE + 64], hdr[VIGIL_FRAME_HEADER_SIZE];
	struct frame_header h, sentinel = {.type = 0xee, .request_id = 0xeeeeeeee, .body_len = 0xeeeeeeee};
	size_t len;

	build_status_query(m);
	assert_int_equal(msg_encode(m, 0xdeadbeef, f, sizeof(f), &len), 0);
	assert_int_equal(frame_header_decode(f, &h), 0);
	assert_int_equal(h.request_id, 0xdeadbeef);

#define EXPECT_HDR(r_expected)                                                                                         \
	do {                                                                                                           \
		h = sentinel;                                                                                          \
		assert_int_equal(frame_header_decode(hdr, &h), (r_expected));                                          \
		assert_memory_equal(&h, &sentinel, sizeof(h));                                                         \
	} while (0)

	/* magic @0 */
	for (size_t i = 0; i < 4; i++) {
		memcpy(hdr, f, sizeof(hdr));
		hdr[i] ^= 0x20;
		EXPECT_HDR(-EBADMSG);
	}
	/* version @4 */
	memcpy(hdr, f, sizeof(hdr));
	hdr[4] = 0;
	EXPECT_HDR(-EPROTO);
	hdr[4] = VIGIL_PROTO_VERSION + 1;
	EXPECT_HDR(-EPROTO);
	/* type @5 */
	for (unsigned t = 0; t < 256; t++) {
		memcpy(hdr, f, sizeof(hdr));
		hdr[5] = (uint8_t)t;
		if (type_known(t)) {
			assert_int_equal(frame_header_decode(hdr, &h), 0);
			assert_int_equal(h.type, t);
		} else {
			EXPECT_HDR(-EBADMSG);
		}
	}
	/* flags @6 */
	for (size_t i = 6; i < 8; i++) {
		memcpy(hdr, f, sizeof(hdr));
		hdr[i] = 0x01;
		EXPECT_HDR(-EBADMSG);
		hdr[i] = 0x80;
		EXPECT_HDR(-EBADMSG);
	}
	/* body_len @12: the maximum is allowed, one more is not. */
	memcpy(hdr, f, sizeof(hdr));
	hdr[12] = 0;
	hdr[13] = 0;
	hdr[14] = VIGIL_FRAME_BODY_MAX >> 8;
	hdr[15] = VIGIL_FRAME_BODY_MAX & 0xff;
	assert_int_equal(frame_header_decode(hdr, &h), 0);
	assert_int_equal(h.body_len, VIGIL_FRAME_BODY_MAX);
	hdr[15]++;
	EXPECT_HDR(-E2BIG);
	memset(hdr + 12, 0xff, 4);
	EXPECT_HDR(-E2BIG);
#undef EXPECT_HDR
	free(m);
}

static void test_encode_limits(void **state)
{
	struct vigil_msg *m = msg_new();
	uint8_t *f = frame_new();
	size_t len, out_len;

	build_auth_step(m);
	len = encode_ok(m, 5, f);
	/* Every capacity short of the frame is refused, and leaves no secret. */
	for (size_t cap = 0; cap < len; cap++) {
		memset(f, 0xaa, VIGIL_FRAME_MAX);
		out_len = 777;
		assert_int_equal(msg_encode(m, 5, f, cap, &out_len), -E2BIG);
		assert_int_equal(out_len, 777);
		assert_int_equal(find(f, VIGIL_FRAME_MAX, "123456"), -1);
		for (size_t i = 0; i < VIGIL_FRAME_MAX; i++)
			assert_true(f[i] == 0 || f[i] == 0xaa);
	}
	assert_int_equal(msg_encode(m, 5, f, len, &out_len), 0);
	assert_int_equal(out_len, len);

	/* Recovery codes: a frame cut anywhere, or refused at its last code,
	 * leaves none of the codes before it behind. */
	memset(m, 0, sizeof(*m));
	build_recovery_codes_max(m);
	len = encode_ok(m, 5, f);
	for (size_t cap = 0; cap < len; cap += 7) {
		memset(f, 0xaa, VIGIL_FRAME_MAX);
		assert_int_equal(msg_encode(m, 5, f, cap, &out_len), -E2BIG);
		for (size_t i = 0; i < VIGIL_FRAME_MAX; i++)
			assert_true(f[i] == 0 || f[i] == 0xaa);
	}
	memset(m->u.recovery.codes[VIGIL_RECOVERY_CODES - 1].code, 'x', VIGIL_RECOVERY_CODE_MAX + 1);
	memset(f, 0xaa, VIGIL_FRAME_MAX);
	assert_int_equal(msg_encode(m, 5, f, VIGIL_FRAME_MAX, &out_len), -E2BIG);
	for (size_t i = 0; i < VIGIL_FRAME_MAX; i++)
		assert_true(f[i] == 0 || f[i] == 0xaa);

	assert_int_equal(msg_encode(NULL, 5, f, len, &out_len), -EINVAL);
	assert_int_equal(msg_encode(m, 5, NULL, len, &out_len), -EINVAL);
	free(m);
	free(f);
}

/* The types that can carry a secret are exactly these; msg_size() covers
 * the header and one union member, never more than the struct. */
static void test_has_secret(void **state)
{
	static const uint8_t secret[] = {VIGIL_MSG_AUTH_STEP, VIGIL_MSG_TOTP_ENROLL_CONFIRM, VIGIL_MSG_TOTP_REMOVE,
	                                 VIGIL_MSG_PROMPT,    VIGIL_MSG_ENROLL_PENDING,      VIGIL_MSG_RECOVERY_CODES};
	const size_t head = offsetof(struct vigil_msg, u);

	for (unsigned t = 0; t < 256; t++) {
		bool want = false;

		for (size_t i = 0; i < sizeof(secret); i++)
			want = want || secret[i] == t;
		assert_int_equal(msg_type_has_secret((uint8_t)t), want);
		assert_true(msg_size((uint8_t)t) >= head);
		assert_true(msg_size((uint8_t)t) <= sizeof(struct vigil_msg));
		if (!type_known(t))
			assert_int_equal(msg_size((uint8_t)t), head);
	}
	assert_false(msg_type_has_secret(VIGIL_MSG_AUTH_BEGIN));
	assert_false(msg_type_has_secret(VIGIL_MSG_DECISION));
	assert_false(msg_type_has_secret(VIGIL_MSG_AUTH_ASSERTION));
	assert_int_equal(msg_size(VIGIL_MSG_AUTH_STEP), head + sizeof(struct vigil_answer));
	assert_int_equal(msg_size(VIGIL_MSG_DECISION), head + sizeof(struct vigil_decision));
	assert_int_equal(msg_size(VIGIL_MSG_STATUS_REPORT), head + sizeof(struct vigil_status_report));
	assert_int_equal(msg_size(VIGIL_MSG_ADMIN_RELOAD), head);
	/* The whole struct is what a message costs to clear without msg_size(). */
	print_message("sizeof(struct vigil_msg) = %zu, AUTH_BEGIN uses %zu, DECISION %zu\n", sizeof(struct vigil_msg),
	              msg_size(VIGIL_MSG_AUTH_BEGIN), msg_size(VIGIL_MSG_DECISION));
}

/* Decoding defines every byte of what it uses, whatever was there: a decode
 * into a struct filled with 0xA5 equals one into a zeroed struct over
 * msg_size(type) bytes, and leaves the rest of the 0xA5 struct alone. */
static void test_decode_defines_member(void **state)
{
	struct vigil_msg *m = msg_new(), *d1 = msg_new(), *d2 = msg_new();
	uint8_t *f = frame_new();

	for (size_t c = 0; c < N_CASES; c++) {
		const uint8_t *p = (const uint8_t *)d1;
		size_t len, n;

		memset(m, 0, sizeof(*m));
		cases[c].build(m);
		len = encode_ok(m, 1, f);
		n = msg_size(m->type);
		memset(d1, 0xa5, sizeof(*d1));
		memset(d2, 0, sizeof(*d2));
		assert_int_equal(decode_exact(m->type, f + VIGIL_FRAME_HEADER_SIZE, len - VIGIL_FRAME_HEADER_SIZE, d1),
		                 0);
		assert_int_equal(decode_exact(m->type, f + VIGIL_FRAME_HEADER_SIZE, len - VIGIL_FRAME_HEADER_SIZE, d2),
		                 0);
		if (memcmp(d1, d2, n) != 0)
			fail_msg("case %s: decoding left bytes undefined", cases[c].name);
		for (size_t i = n; i < sizeof(*d1); i++)
			if (p[i] != 0xa5)
				fail_msg("case %s: byte %zu past the member written", cases[c].name, i);
	}
	free(m);
	free(d1);
	free(d2);
	free(f);
}

static void test_request_types(void **state)
{
	for (unsigned t = 0; t < 256; t++) {
		int req = (t >= 1 && t <= 19) || (t >= 20 && t <= 23) || (t >= 30 && t <= 36) || t == 40 ||
		          (t >= 50 && t <= 53);
		int known = type_known(t);

		assert_int_equal(!!msg_type_is_request((uint8_t)t), req);
		if (known)
			assert_string_not_equal(msg_type_name((uint8_t)t), "UNKNOWN");
		else
			assert_string_equal(msg_type_name((uint8_t)t), "UNKNOWN");
	}
	assert_string_equal(msg_type_name(VIGIL_MSG_AUTH_BEGIN), "AUTH_BEGIN");
	assert_string_equal(msg_type_name(VIGIL_MSG_TOTP_ENROLL_CONFIRM), "TOTP_ENROLL_CONFIRM");
	assert_string_equal(msg_type_name(VIGIL_MSG_STATUS_REPORT), "STATUS_REPORT");
	assert_string_equal(msg_type_name(VIGIL_MSG_AUTH_ASSERTION), "AUTH_ASSERTION");
	assert_string_equal(msg_type_name(VIGIL_MSG_RECOVERY_GENERATE), "RECOVERY_GENERATE");
	assert_string_equal(msg_type_name(VIGIL_MSG_KEY_CHALLENGE), "KEY_CHALLENGE");
	assert_string_equal(msg_type_name(VIGIL_MSG_RECOVERY_CODES), "RECOVERY_CODES");
	assert_string_equal(msg_type_name(VIGIL_MSG_SESSION_END), "SESSION_END");
	assert_string_equal(msg_type_name(VIGIL_MSG_ADMIN_USER_SUSPEND), "ADMIN_USER_SUSPEND");
	assert_string_equal(msg_type_name(VIGIL_MSG_SESSION_LIST_REPLY), "SESSION_LIST_REPLY");
	assert_true(msg_type_is_request(VIGIL_MSG_KEY_REMOVE));
	assert_true(msg_type_is_request(VIGIL_MSG_ADMIN_USER_RESUME));
	assert_false(msg_type_is_request(VIGIL_MSG_KEY_LIST_REPLY));
	assert_false(msg_type_is_request(VIGIL_MSG_SESSION_LIST_REPLY));
}

/* A count of recovery codes left rides only on a login that used one, and
 * the flag is 0 or 1. */
static void test_decision_recovery(void **state)
{
	static const uint8_t left_unused[] = {0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00, 0x01};
	static const uint8_t flag_two[] = {0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x02, 0x00, 0x00};
	static const uint8_t used_nine[] = {0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x01, 0x00, 0x09};
	struct vigil_msg *m = calloc(1, sizeof(*m));

	(void)state;
	assert_non_null(m);
	assert_int_equal(msg_decode(VIGIL_MSG_DECISION, left_unused, sizeof(left_unused), m), -EBADMSG);
	assert_int_equal(msg_decode(VIGIL_MSG_DECISION, flag_two, sizeof(flag_two), m), -EBADMSG);
	assert_int_equal(msg_decode(VIGIL_MSG_DECISION, used_nine, sizeof(used_nine), m), 0);
	assert_int_equal(m->u.decision.recovery_used, 1);
	assert_int_equal(m->u.decision.recovery_left, 9);
	free(m);
}

static void test_names(void **state)
{
	static const char *const signals[] = {"new_device",   "new_source",    "new_prefix",      "stale_account",
	                                      "stale_device", "user_failures", "source_failures", "privileged"};
	static const char *const reasons[] = {"none",         "risk",          "stepup_failed",   "locked",
	                                      "not_enrolled", "network",       "stepup_not_done", "permission",
	                                      "internal",     "unknown_login", "session_limit",   "replay",
	                                      "no_answer",    "unknown_user",  "source_locked",   "no_usable_factor",
	                                      "key_not_used", "suspended"};
	static const char *const statuses[] = {
	    "ok",         "denied",   "bad_code",     "not_enrolled",  "already_enrolled",
	    "no_pending", "locked",   "permission",   "session_limit", "unknown_login",
	    "protocol",   "internal", "unknown_user", "not_found",     "proof_required",
	    "exists",     "bad_key",  "last_factor",  "limit"};
	char buf[256];

	assert_int_equal(sizeof(signals) / sizeof(signals[0]), VIGIL_SIGNAL_COUNT);
	assert_int_equal(sizeof(reasons) / sizeof(reasons[0]), VIGIL_REASON_MAX_);
	assert_int_equal(sizeof(statuses) / sizeof(statuses[0]), VIGIL_STATUS_MAX_);
	for (unsigned i = 0; i < VIGIL_SIGNAL_COUNT; i++)
		assert_string_equal(signal_name(1U << i), signals[i]);
	assert_string_equal(signal_name(0), "unknown");
	assert_string_equal(signal_name(1U << VIGIL_SIGNAL_COUNT), "unknown");
	assert_string_equal(signal_name(3), "unknown");
	for (unsigned i = 0; i < VIGIL_REASON_MAX_; i++)
		assert_string_equal(reason_name((uint16_t)i), reasons[i]);
	assert_string_equal(reason_name(VIGIL_REASON_MAX_), "unknown");
	assert_string_equal(reason_name(UINT16_MAX), "unknown");
	for (unsigned i = 0; i < VIGIL_STATUS_MAX_; i++)
		assert_string_equal(status_name((uint16_t)i), statuses[i]);
	assert_string_equal(status_name(VIGIL_STATUS_MAX_), "unknown");

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(signals_format(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(signals_format(VIGIL_SIGNAL_NEW_SOURCE | VIGIL_SIGNAL_PRIVILEGED, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "new_source,privileged");
	assert_int_equal(signals_format(0xffffffffu, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "new_device,new_source,new_prefix,stale_account,stale_device,user_failures,"
	                         "source_failures,privileged");
	/* Truncated: whole names only, still terminated. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(signals_format(VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_NEW_SOURCE, buf, 15), 1);
	assert_string_equal(buf, "new_device");
	assert_int_equal(signals_format(VIGIL_SIGNAL_NEW_DEVICE, buf, 11), 1);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(signals_format(VIGIL_SIGNAL_NEW_DEVICE, buf, 10), 0);
	assert_string_equal(buf, "");
	assert_int_equal(buf[1], 'x');
	assert_int_equal(signals_format(VIGIL_SIGNAL_NEW_DEVICE, buf, 0), 0);
	assert_int_equal(buf[0], '\0');
}

/* No 8-byte window of the secret (all of it if shorter) is in the line.
 * Eight, not fewer: a URI's own words ("secret=") may be field names. */
static void assert_no_secret(const char *line, const char *secret)
{
	size_t n = strlen(secret), w = n < 8 ? n : 8;
	char window[9];

	assert_true(n >= 6);
	for (size_t i = 0; i + w <= n; i++) {
		memcpy(window, secret + i, w);
		window[w] = '\0';
		/* Says where, never what: the window is the secret. */
		if (strstr(line, window))
			fail_msg("secret bytes %zu..%zu appear in the description", i, i + w - 1);
	}
}

static void test_describe_secrets(void **state)
{
	struct vigil_msg *m = msg_new();
	char line[1024];

	m->type = VIGIL_MSG_AUTH_STEP;
	SET(m->u.answer.answer, "271828");
	msg_describe(m, line, sizeof(line));
	assert_non_null(strstr(line, "AUTH_STEP"));
	assert_non_null(strstr(line, "answer_len=6"));
	assert_no_secret(line, "271828");

	m->type = VIGIL_MSG_TOTP_ENROLL_CONFIRM;
	SET(m->u.answer.answer, "RECOVERY-CODE-QWERTY");
	msg_describe(m, line, sizeof(line));
	assert_non_null(strstr(line, "TOTP_ENROLL_CONFIRM"));
	assert_no_secret(line, "RECOVERY-CODE-QWERTY");

	m->type = VIGIL_MSG_TOTP_REMOVE;
	SET(m->u.answer.answer, "314159");
	msg_describe(m, line, sizeof(line));
	assert_non_null(strstr(line, "TOTP_REMOVE"));
	assert_non_null(strstr(line, "answer_len=6"));
	assert_no_secret(line, "314159");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_PROMPT;
	m->u.prompt.kind = VIGIL_PROMPT_ENROLL_TOTP;
	m->u.prompt.why = VIGIL_WHY_ENROLL;
	m->u.prompt.digits = 6;
	SET(m->u.prompt.uri, "otpauth://totp/vigil:alice?secret=GEZDGNBVGY3TQOJQ");
	SET(m->u.prompt.secret_b32, "GEZDGNBVGY3TQOJQ");
	SET(m->u.prompt.qr, "QRQRQRQRQR-BLOCKS");
	msg_describe(m, line, sizeof(line));
	assert_non_null(strstr(line, "PROMPT"));
	assert_non_null(strstr(line, "secret_len=16"));
	assert_no_secret(line, m->u.prompt.uri);
	assert_no_secret(line, m->u.prompt.secret_b32);
	assert_no_secret(line, m->u.prompt.qr);

	memset(m, 0, sizeof(*m));
	build_pending(m);
	SET(m->u.pending.qr, "QRQRQRQRQR-BLOCKS");
	msg_describe(m, line, sizeof(line));
	assert_non_null(strstr(line, "ENROLL_PENDING"));
	assert_no_secret(line, m->u.pending.uri);
	assert_no_secret(line, m->u.pending.secret_b32);
	assert_no_secret(line, m->u.pending.qr);
	free(m);
}

static void test_describe_line(void **state)
{
	struct vigil_msg *m = msg_new();
	static char line[65536];

	/* Every case: one line, named, terminated. */
	for (size_t c = 0; c < N_CASES; c++) {
		memset(m, 0, sizeof(*m));
		cases[c].build(m);
		msg_describe(m, line, sizeof(line));
		assert_non_null(strstr(line, msg_type_name(m->type)));
		assert_null(strchr(line, '\n'));
		assert_true(strlen(line) < sizeof(line));
	}

	/* Peer-chosen bytes are escaped, not copied into the log line. */
	memset(m, 0, sizeof(*m));
	build_auth_begin(m);
	SET(m->u.login.user, "eve\nFAKE \"x\"\\\x1b");
	msg_describe(m, line, sizeof(line));
	assert_null(strchr(line, '\n'));
	assert_null(strchr(line, '\x1b'));
	assert_non_null(strstr(line, "user=\"eve\\x0aFAKE \\x22x\\x22\\x5c\\x1b\""));
	assert_non_null(strstr(line, "service=\"sshd\""));
	assert_non_null(strstr(line, "pid=4242"));

	memset(m, 0, sizeof(*m));
	build_decision_deny_max(m);
	m->u.decision.reason = VIGIL_REASON_LOCKED;
	m->u.decision.signals = VIGIL_SIGNAL_NEW_PREFIX;
	msg_describe(m, line, sizeof(line));
	assert_non_null(strstr(line, "outcome=deny reason=locked"));
	assert_non_null(strstr(line, "signals=new_prefix"));

	/* Truncation keeps the NUL; cap 0 writes nothing. */
	memset(line, 'z', 32);
	msg_describe(m, line, 8);
	assert_int_equal(strlen(line), 7);
	assert_int_equal(line[8], 'z');
	msg_describe(m, line, 1);
	assert_int_equal(line[0], '\0');
	line[0] = 'q';
	msg_describe(m, line, 0);
	assert_int_equal(line[0], 'q');

	/* A caller-built field without its NUL is read only up to its size. */
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_STATUS_QUERY;
	memset(m->u.user.user, 'A', sizeof(m->u.user.user));
	m->u.report.locked_until = 0x4242424242424242ULL; /* bytes after the field */
	msg_describe(m, line, sizeof(line));
	assert_null(strstr(line, "B"));
	free(m);
}

/* Encodes, decodes and re-encodes m: accepted both ways, one encoding. */
static void expect_roundtrip(const struct vigil_msg *m)
{
	struct vigil_msg *d = msg_new();
	uint8_t *f = frame_new(), *f2 = frame_new();
	size_t len = encode_ok(m, 3, f);

	assert_int_equal(decode_exact(m->type, f + VIGIL_FRAME_HEADER_SIZE, len - VIGIL_FRAME_HEADER_SIZE, d), 0);
	assert_msg_equal(m, d);
	assert_int_equal(encode_ok(d, 3, f2), len);
	assert_memory_equal(f, f2, len);
	free(d);
	free(f);
	free(f2);
}

/* Protocol 2's enums, flags and bit sets, refused both ways. */
static void test_key_enums(void **state)
{
	static const uint8_t bad_methods[] = {0x01, 0x20, 0x40, 0x80, 0xff};
	struct vigil_msg *m = msg_new(), *bad = msg_new();
	size_t off;

	/* PROMPT, strings and list empty: methods @14, uv @19. */
	build_prompt_totp(m);
	m->u.prompt.methods = VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP);
	for (size_t i = 0; i < sizeof(bad_methods); i++) {
		expect_bad_at(m, 14, &bad_methods[i], 1);
		*bad = *m;
		bad->u.prompt.methods = bad_methods[i];
		expect_encode_einval(bad);
	}
	expect_bad_at(m, 19, (const uint8_t[]){2}, 1);
	expect_bad_at(m, 19, (const uint8_t[]){0xff}, 1);
	*bad = *m;
	bad->u.prompt.uv = 2;
	expect_encode_einval(bad);
	/* Each known kind's bit is accepted, alone and all together; so is a
	 * prompt that names none (a TOTP prompt of protocol 1's daemon). */
	for (unsigned k = VIGIL_FACTOR_TOTP; k < VIGIL_FACTOR_MAX_; k++) {
		m->u.prompt.methods = (uint8_t)VIGIL_METHOD_BIT(k);
		expect_roundtrip(m);
	}
	m->u.prompt.methods = 0x1e;
	expect_roundtrip(m);
	m->u.prompt.methods = 0;
	expect_roundtrip(m);

	/* AUTH_ASSERTION: status @0. */
	memset(m, 0, sizeof(*m));
	build_assertion(m);
	expect_bad_at(m, 0, (const uint8_t[]){VIGIL_FIDO2_STATUS_MAX_}, 1);
	expect_bad_at(m, 0, (const uint8_t[]){0xff}, 1);
	*bad = *m;
	bad->u.assertion.status = VIGIL_FIDO2_STATUS_MAX_;
	expect_encode_einval(bad);
	for (unsigned v = 0; v < VIGIL_FIDO2_STATUS_MAX_; v++) {
		m->u.assertion.status = (uint8_t)v;
		expect_roundtrip(m);
	}

	/* KEY_ENROLL_BEGIN: uv and resident after user "" and the name. */
	memset(m, 0, sizeof(*m));
	build_key_enroll_begin(m);
	off = 2 + 2 + strlen(m->u.key_enroll.name);
	expect_bad_at(m, off, (const uint8_t[]){2}, 1);
	expect_bad_at(m, off + 1, (const uint8_t[]){2}, 1);
	expect_bad_at(m, off + 1, (const uint8_t[]){0xff}, 1);
	*bad = *m;
	bad->u.key_enroll.uv = 2;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.key_enroll.resident = 0xff;
	expect_encode_einval(bad);

	/* KEY_CHALLENGE: uv and resident after the four strings. */
	memset(m, 0, sizeof(*m));
	build_key_challenge(m);
	off = 8 + strlen(m->u.key_challenge.rp_id) + strlen(m->u.key_challenge.user) +
	      strlen(m->u.key_challenge.user_handle) + strlen(m->u.key_challenge.challenge);
	expect_bad_at(m, off, (const uint8_t[]){2}, 1);
	expect_bad_at(m, off + 1, (const uint8_t[]){2}, 1);
	*bad = *m;
	bad->u.key_challenge.uv = 2;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.key_challenge.resident = 2;
	expect_encode_einval(bad);

	/* KEY_LIST_REPLY, one key, user, name and id_hash empty: type @4,
	 * flags @29.  Only fido2 and ssh-sk are keys; only known flags. */
	memset(m, 0, sizeof(*m));
	build_key_list_reply_n(m, 1, 0);
	/* Whole fields zeroed: equal messages are equal bytes. */
	memset(m->u.keys.user, 0, sizeof(m->u.keys.user));
	memset(m->u.keys.keys[0].name, 0, sizeof(m->u.keys.keys[0].name));
	memset(m->u.keys.keys[0].id_hash, 0, sizeof(m->u.keys.keys[0].id_hash));
	expect_bad_at(m, 4, (const uint8_t[]){0}, 1);
	expect_bad_at(m, 4, (const uint8_t[]){VIGIL_FACTOR_TOTP}, 1);
	expect_bad_at(m, 4, (const uint8_t[]){VIGIL_FACTOR_RECOVERY}, 1);
	expect_bad_at(m, 4, (const uint8_t[]){VIGIL_FACTOR_MAX_}, 1);
	expect_bad_at(m, 29, (const uint8_t[]){0, 0, 0, 0x10}, 4);
	expect_bad_at(m, 29, (const uint8_t[]){0x80, 0, 0, 0}, 4);
	*bad = *m;
	bad->u.keys.keys[0].type = VIGIL_FACTOR_TOTP;
	expect_encode_einval(bad);
	*bad = *m;
	bad->u.keys.keys[0].flags = VIGIL_KEY_FLAGS_MASK + 1;
	expect_encode_einval(bad);
	m->u.keys.keys[0].type = VIGIL_FACTOR_SSH_SK;
	for (unsigned b = 0; b < 4; b++) {
		m->u.keys.keys[0].flags = 1U << b;
		expect_roundtrip(m);
	}

	/* RESULT: every new status is sent and read. */
	memset(m, 0, sizeof(*m));
	build_result_ok(m);
	for (unsigned v = VIGIL_STATUS_PROOF_REQUIRED; v < VIGIL_STATUS_MAX_; v++) {
		m->u.result.status = (uint16_t)v;
		expect_roundtrip(m);
	}
	free(m);
	free(bad);
}

/* A full list whose count is at off: read at its limit; limit + 1 and
 * 0xffff refused before any entry; one fewer misreads the rest; the encoder
 * refuses a count it could not have sent. */
static void expect_list_limit(struct vigil_msg *m, size_t off, uint16_t *count, unsigned limit)
{
	struct vigil_msg *d = msg_new();
	uint8_t *f = frame_new(), *body = f + VIGIL_FRAME_HEADER_SIZE;
	size_t len = encode_ok(m, 1, f), body_len = len - VIGIL_FRAME_HEADER_SIZE, out_len = 999;

	assert_true(limit < 255);
	assert_int_equal(*count, limit);
	assert_int_equal(body[off] << 8 | body[off + 1], limit);
	assert_int_equal(decode_exact(m->type, body, body_len, d), 0);
	assert_msg_equal(m, d);

	body[off + 1] = (uint8_t)(limit + 1);
	memset(d, 0xa5, sizeof(*d));
	assert_int_equal(decode_exact(m->type, body, body_len, d), -E2BIG);
	assert_true(wiped(d, m->type));
	body[off] = 0xff;
	body[off + 1] = 0xff;
	assert_int_equal(decode_exact(m->type, body, body_len, d), -E2BIG);
	assert_int_equal(decode_exact(m->type, body, off + 2, d), -E2BIG);
	body[off] = 0;
	body[off + 1] = (uint8_t)(limit - 1);
	assert_refused(decode_exact(m->type, body, body_len, d), d, m->type);

	*count = (uint16_t)(limit + 1);
	assert_int_equal(msg_encode(m, 1, f, VIGIL_FRAME_MAX, &out_len), -E2BIG);
	*count = UINT16_MAX;
	assert_int_equal(msg_encode(m, 1, f, VIGIL_FRAME_MAX, &out_len), -E2BIG);
	assert_int_equal(out_len, 999);
	*count = (uint16_t)limit;
	free(d);
	free(f);
}

static void test_key_lists_over_limit(void **state)
{
	struct vigil_msg *m = msg_new();

	/* PROMPT: creds after every other field, all at their limits. */
	build_prompt_fido2_max(m);
	expect_list_limit(m,
	                  8 + (2 + VIGIL_URI_MAX) + (2 + VIGIL_SECRET_B32_MAX) + (2 + VIGIL_QR_MAX) + 1 +
	                      (2 + VIGIL_RP_ID_MAX) + (2 + VIGIL_CHALLENGE_B64_MAX) + 1 + 2,
	                  &m->u.prompt.n_creds, VIGIL_KEYS_MAX);

	memset(m, 0, sizeof(*m));
	build_key_challenge_max(m);
	expect_list_limit(m,
	                  (2 + VIGIL_RP_ID_MAX) + (2 + VIGIL_USER_MAX) + (2 + VIGIL_USER_HANDLE_B64_MAX) +
	                      (2 + VIGIL_CHALLENGE_B64_MAX) + 1 + 1 + 2,
	                  &m->u.key_challenge.n_exclude, VIGIL_KEYS_MAX);

	memset(m, 0, sizeof(*m));
	build_key_list_reply_max(m);
	expect_list_limit(m, 2 + VIGIL_USER_MAX, &m->u.keys.n_keys, VIGIL_KEYS_MAX);

	memset(m, 0, sizeof(*m));
	build_recovery_codes_max(m);
	expect_list_limit(m, 0, &m->u.recovery.n_codes, VIGIL_RECOVERY_CODES);
	free(m);
}

/* Base64 fields hold the alphabet and its pad, nothing else, both ways. */
static void test_b64_alphabet(void **state)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	static const char bad_chars[] = "#-_ .:@!*%\"\\\n\t\x01\x7f\x80\xc3\xff";
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new();
	struct sfield fields[16];
	size_t tested = 0;

	for (size_t c = 0; c < N_SMALL; c++) {
		memset(m, 0, sizeof(*m));
		small_cases[c]->build(m);
		size_t nf = string_fields(m, fields);

		for (size_t i = 0; i < nf; i++) {
			static char saved[VIGIL_X5C_B64_MAX + 1];
			uint8_t *body = f + VIGIL_FRAME_HEADER_SIZE;

			if (!fields[i].b64)
				continue;
			strcpy(saved, fields[i].p);
			for (size_t k = 0; k < sizeof(bad_chars) - 1; k++) {
				for (size_t at = 0; at < 8; at += 7) {
					size_t len, out_len = 4242;
					long pos;

					/* The encoder refuses it, writing nothing out. */
					strcpy(fields[i].p, "QUJDREVG");
					fields[i].p[at] = bad_chars[k];
					assert_int_equal(msg_encode(m, 1, f, VIGIL_FRAME_MAX, &out_len), -EINVAL);
					assert_int_equal(out_len, 4242);

					/* The decoder refuses it and leaves nothing. */
					strcpy(fields[i].p, "QUJDREVG");
					len = encode_ok(m, 1, f);
					pos = find(body, len - VIGIL_FRAME_HEADER_SIZE, "QUJDREVG");
					assert_true(pos >= 2);
					body[pos + (long)at] = (uint8_t)bad_chars[k];
					memset(d, 0xa5, sizeof(*d));
					assert_int_equal(decode_exact(m->type, body, len - VIGIL_FRAME_HEADER_SIZE, d),
					                 -EBADMSG);
					assert_true(wiped(d, m->type));
				}
			}
			/* Every byte of the alphabet is taken, anywhere (the tail
			 * zeroed, as the decoder leaves it). */
			memset(fields[i].p, 0, fields[i].max + 1);
			for (size_t k = 0; k < sizeof(alphabet) - 1; k++) {
				strcpy(fields[i].p, "QUJDREVG");
				fields[i].p[k % 8] = alphabet[k];
				expect_roundtrip(m);
			}
			strcpy(fields[i].p, saved);
			tested++;
		}
	}
	/* PROMPT 1 + 2 (TOTP, FIDO2), AUTH_ASSERTION 3, KEY_ENROLL_FINISH 3,
	 * KEY_CHALLENGE 3. */
	assert_int_equal(tested, 12);
	free(m);
	free(d);
	free(f);
}

/* Known bytes of protocol 2's grown and new bodies. */
static void test_key_known_bytes(void **state)
{
	static const uint8_t result[] = {
	    0x00, 0x10,                /* status: bad_key */
	    0x00, 0x00,                /* id */
	    0x00, 0x03, 'o', 'l', 'd', /* message */
	    0x00, 0x05,                /* remaining */
	};
	static const uint8_t prompt[] = {
	    0x03, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00, 0x80, /* kind, why, digits, attempts, signals */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /* uri, secret, qr */
	    0x14,                                           /* methods: fido2, recovery */
	    0x00, 0x02, 'r',  'p',                          /* rp_id */
	    0x00, 0x04, 'Y',  'W',  'J',  'j',              /* challenge */
	    0x01, 0x00, 0x1e,                               /* uv, timeout */
	    0x00, 0x02, 0x00, 0x04, 'Q',  'Q',  '=',  '=',  /* n_creds, creds[0] */
	    0x00, 0x00,                                     /* creds[1] */
	};
	static const uint8_t keys[] = {
	    0x00, 0x01, 'u',                                /* user */
	    0x00, 0x01,                                     /* n_keys */
	    0x03, 0x00, 0x01, 'k',  0x00, 0x01, 'h',        /* type, name, id_hash */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* created */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, /* last_used */
	    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x09, /* sign_count, flags */
	    0x00, 0x04,                                     /* recovery_left */
	};
	struct vigil_msg *m = msg_new(), *d = msg_new();
	uint8_t *f = frame_new();
	size_t len;

	m->type = VIGIL_MSG_RESULT;
	m->u.result.status = VIGIL_STATUS_BAD_KEY;
	SET(m->u.result.message, "old");
	m->u.result.remaining = 5;
	len = encode_ok(m, 1, f);
	assert_int_equal(len - VIGIL_FRAME_HEADER_SIZE, sizeof(result));
	assert_memory_equal(f + VIGIL_FRAME_HEADER_SIZE, result, sizeof(result));
	assert_int_equal(decode_exact(VIGIL_MSG_RESULT, result, sizeof(result), d), 0);
	assert_msg_equal(m, d);

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_PROMPT;
	m->u.prompt.kind = VIGIL_PROMPT_FIDO2;
	m->u.prompt.why = VIGIL_WHY_FALLBACK;
	m->u.prompt.attempts_left = 2;
	m->u.prompt.signals = VIGIL_SIGNAL_PRIVILEGED;
	m->u.prompt.methods = VIGIL_METHOD_BIT(VIGIL_FACTOR_FIDO2) | VIGIL_METHOD_BIT(VIGIL_FACTOR_RECOVERY);
	SET(m->u.prompt.rp_id, "rp");
	SET(m->u.prompt.challenge, "YWJj");
	m->u.prompt.uv = 1;
	m->u.prompt.timeout = 30;
	m->u.prompt.n_creds = 2;
	SET(m->u.prompt.creds[0].id, "QQ==");
	len = encode_ok(m, 1, f);
	assert_int_equal(len - VIGIL_FRAME_HEADER_SIZE, sizeof(prompt));
	assert_memory_equal(f + VIGIL_FRAME_HEADER_SIZE, prompt, sizeof(prompt));
	assert_int_equal(decode_exact(VIGIL_MSG_PROMPT, prompt, sizeof(prompt), d), 0);
	assert_msg_equal(m, d);

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_LIST_REPLY;
	SET(m->u.keys.user, "u");
	m->u.keys.n_keys = 1;
	m->u.keys.keys[0] = (struct vigil_key_info){.type = VIGIL_FACTOR_SSH_SK,
	                                            .name = "k",
	                                            .id_hash = "h",
	                                            .created = 1,
	                                            .last_used = 2,
	                                            .sign_count = 3,
	                                            .flags = VIGIL_KEY_FLAG_UV | VIGIL_KEY_FLAG_CLONED};
	m->u.keys.recovery_left = 4;
	len = encode_ok(m, 1, f);
	assert_int_equal(len - VIGIL_FRAME_HEADER_SIZE, sizeof(keys));
	assert_memory_equal(f + VIGIL_FRAME_HEADER_SIZE, keys, sizeof(keys));
	assert_int_equal(decode_exact(VIGIL_MSG_KEY_LIST_REPLY, keys, sizeof(keys), d), 0);
	assert_msg_equal(m, d);
	free(m);
	free(d);
	free(f);
}

/* Recovery codes, assertion and attestation bytes, challenges and
 * credential ids never reach a log line; names are escaped. */
static void test_describe_keys(void **state)
{
	struct vigil_msg *m = msg_new();
	static char line[4096];

	for (int max = 0; max < 2; max++) {
		memset(m, 0, sizeof(*m));
		if (max)
			build_recovery_codes_max(m);
		else
			build_recovery_codes(m);
		msg_describe(m, line, sizeof(line));
		assert_non_null(strstr(line, "RECOVERY_CODES"));
		assert_non_null(strstr(line, max ? "codes=10" : "codes=2"));
		for (size_t i = 0; i < m->u.recovery.n_codes; i++)
			assert_no_secret(line, m->u.recovery.codes[i].code);

		memset(m, 0, sizeof(*m));
		if (max)
			build_assertion_max(m);
		else
			build_assertion(m);
		msg_describe(m, line, sizeof(line));
		assert_non_null(strstr(line, max ? "status=declined" : "status=ok"));
		assert_non_null(strstr(line, max ? "cred_id_len=684 authdata_len=2048 sig_len=512"
		                                 : "cred_id_len=44 authdata_len=52 sig_len=52"));
		assert_no_secret(line, m->u.assertion.cred_id);
		assert_no_secret(line, m->u.assertion.authdata);
		assert_no_secret(line, m->u.assertion.sig);

		memset(m, 0, sizeof(*m));
		if (max)
			build_key_enroll_finish_max(m);
		else
			build_key_enroll_finish(m);
		msg_describe(m, line, sizeof(line));
		assert_non_null(strstr(line, "KEY_ENROLL_FINISH"));
		assert_no_secret(line, m->u.attestation.authdata);
		assert_no_secret(line, m->u.attestation.x5c);
		assert_no_secret(line, m->u.attestation.sig);

		memset(m, 0, sizeof(*m));
		if (max)
			build_key_challenge_max(m);
		else
			build_key_challenge(m);
		msg_describe(m, line, sizeof(line));
		assert_non_null(strstr(line, max ? "exclude=8" : "exclude=1"));
		assert_no_secret(line, m->u.key_challenge.challenge);
		assert_no_secret(line, m->u.key_challenge.user_handle);
		for (size_t i = 0; i < m->u.key_challenge.n_exclude; i++)
			assert_no_secret(line, m->u.key_challenge.exclude[i].id);

		memset(m, 0, sizeof(*m));
		if (max)
			build_prompt_fido2_max(m);
		else
			build_prompt_fido2(m);
		msg_describe(m, line, sizeof(line));
		assert_non_null(strstr(line, max ? "creds=8" : "creds=1"));
		assert_no_secret(line, m->u.prompt.challenge);
		for (size_t i = 0; i < m->u.prompt.n_creds; i++)
			assert_no_secret(line, m->u.prompt.creds[i].id);
	}

	memset(m, 0, sizeof(*m));
	build_key_challenge(m);
	msg_describe(m, line, sizeof(line));
	assert_non_null(strstr(line, "KEY_CHALLENGE rp_id=\"vigil:host.example\" user=\"alice\" uv=1 resident=0 "
	                             "timeout=60 exclude=1"));

	/* A key's name is its user's choice: escaped like any peer string. */
	memset(m, 0, sizeof(*m));
	build_key_rename(m);
	SET(m->u.key.new_name, "k\nFAKE \"x\"\\\x1b\xc3\xa9");
	msg_describe(m, line, sizeof(line));
	assert_null(strchr(line, '\n'));
	assert_null(strchr(line, '\x1b'));
	assert_non_null(strstr(line, "KEY_RENAME user=\"\" name=\"key-1\" "
	                             "new_name=\"k\\x0aFAKE \\x22x\\x22\\x5c\\x1b\\xc3\\xa9\""));
	memset(m, 0, sizeof(*m));
	build_key_enroll_begin(m);
	SET(m->u.key_enroll.name, "a\rb");
	msg_describe(m, line, sizeof(line));
	assert_non_null(strstr(line, "name=\"a\\x0db\" uv=1 resident=0"));

	memset(m, 0, sizeof(*m));
	build_result_ok(m);
	m->u.result.status = VIGIL_STATUS_BAD_KEY;
	SET(m->u.result.message, "attestation\nformat");
	m->u.result.remaining = 3;
	msg_describe(m, line, sizeof(line));
	assert_non_null(strstr(line, "status=bad_key"));
	assert_non_null(strstr(line, "message=\"attestation\\x0aformat\" remaining=3"));
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_known_bytes),
	    cmocka_unit_test(test_truncation),
	    cmocka_unit_test(test_frame_truncation),
	    cmocka_unit_test(test_bit_flips),
	    cmocka_unit_test(test_trailing_byte),
	    cmocka_unit_test(test_string_nul),
	    cmocka_unit_test(test_string_over_limit),
	    cmocka_unit_test(test_list_over_limit),
	    cmocka_unit_test(test_enums),
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_encode_limits),
	    cmocka_unit_test(test_request_types),
	    cmocka_unit_test(test_has_secret),
	    cmocka_unit_test(test_decode_defines_member),
	    cmocka_unit_test(test_decision_recovery),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_describe_secrets),
	    cmocka_unit_test(test_describe_line),
	    cmocka_unit_test(test_key_enums),
	    cmocka_unit_test(test_key_lists_over_limit),
	    cmocka_unit_test(test_b64_alphabet),
	    cmocka_unit_test(test_key_known_bytes),
	    cmocka_unit_test(test_describe_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

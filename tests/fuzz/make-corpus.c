/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the fuzz seed corpus: one valid frame per message type, encoded by
 * the codec itself, and a few malformed frames derived from them (cut short,
 * a trailing byte, a NUL in a string, a string or a list over its limit, an
 * unknown enum value, a broken header).  The seeds are checked in; run this
 * only to regenerate them:
 *
 *     tests/fuzz/make-corpus "$top_srcdir/tests/fuzz/corpus"
 *
 * The answers and seeds in here are well-known examples, not secrets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

static const char *outdir;
static uint8_t frame[VIGIL_FRAME_MAX + 1];

static int write_seed(const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	int fd, r = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.bin", outdir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t k = write(fd, p, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		p += k;
		len -= (size_t)k;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

/* Encodes m into frame; exits on failure (a seed generator bug). */
static size_t encode(const struct vigil_msg *m, uint32_t id)
{
	size_t len = 0;

	if (msg_encode(m, id, frame, VIGIL_FRAME_MAX, &len) < 0) {
		fprintf(stderr, "make-corpus: cannot encode %s\n", msg_type_name(m->type));
		exit(1);
	}
	return len;
}

static void set_body_len(size_t body_len)
{
	frame[12] = (uint8_t)(body_len >> 24);
	frame[13] = (uint8_t)(body_len >> 16);
	frame[14] = (uint8_t)(body_len >> 8);
	frame[15] = (uint8_t)body_len;
}

static void login(struct vigil_msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	strcpy(m->u.login.user, "alice");
	strcpy(m->u.login.service, "sshd");
	strcpy(m->u.login.rhost, "192.0.2.10");
	strcpy(m->u.login.tty, "ssh");
	m->u.login.pid = 4242;
	strcpy(m->u.login.ssh_auth_info, "publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExample\n");
	strcpy(m->u.login.ssh_connection, "192.0.2.10 50022 192.0.2.1 22");
	if (type == VIGIL_MSG_ACCOUNT_CHECK)
		strcpy(m->u.login.login_id, "6f1c2a9e0b7d4e35");
}

static void session(struct vigil_msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	strcpy(m->u.session.user, "alice");
	strcpy(m->u.session.service, "sshd");
	strcpy(m->u.session.rhost, "2001:db8::7");
	strcpy(m->u.session.tty, "ssh");
	m->u.session.pid = 31337;
	strcpy(m->u.session.login_id, "6f1c2a9e0b7d4e35");
}

static void report(struct vigil_msg *m)
{
	struct vigil_status_report *s = &m->u.report;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_STATUS_REPORT;
	strcpy(s->user, "alice");
	s->locked_until = 1700000900;
	s->n_factors = s->n_devices = s->n_sources = s->n_logins = 2;
	for (int i = 0; i < 2; i++) {
		s->factors[i] = (struct vigil_factor_info){.type = (uint8_t)(i + 1),
		                                           .created = 1700000000u + (uint64_t)i,
		                                           .last_used = i ? 0 : 1700000500u,
		                                           .name = "yubikey"};
		if (!i)
			s->factors[i].name[0] = '\0';
		strcpy(s->devices[i].fingerprint,
		       i ? "tty:/dev/pts/1" : "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
		s->devices[i].first_seen = 1690000000u + (uint64_t)i;
		s->devices[i].last_seen = 1700000000u + (uint64_t)i;
		strcpy(s->sources[i].addr, i ? "2001:db8::7" : "192.0.2.10");
		s->sources[i].first_seen = 1690000000u;
		s->sources[i].last_seen = 1700000000u;
		s->logins[i].time = 1700000000u + (uint64_t)i * 60;
		strcpy(s->logins[i].service, i ? "sudo" : "sshd");
		strcpy(s->logins[i].rhost, i ? "" : "192.0.2.10");
		s->logins[i].outcome = (uint8_t)(i ? VIGIL_OUTCOME_DENY : VIGIL_OUTCOME_ALLOW);
		s->logins[i].score = i ? 80 : 10;
		s->logins[i].signals = i ? VIGIL_SIGNAL_PRIVILEGED | VIGIL_SIGNAL_USER_FAILURES : 0;
		s->logins[i].reason = i ? VIGIL_REASON_RISK : VIGIL_REASON_NONE;
		s->logins[i].shadow = i ? VIGIL_SHADOW_NONE : VIGIL_SHADOW_STEPUP;
	}
	s->n_grants = 1;
	strcpy(s->grants[0].device, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
	strcpy(s->grants[0].source, "192.0.2.10");
	s->grants[0].granted = 1700000000u;
	s->grants[0].expires = 1700043200u;
}

/* The admin queries and their pages, one of each. */
static int admin_seeds(struct vigil_msg *m, uint32_t id);
static int rollout_seeds(uint32_t id);
/* Security keys and recovery codes (protocol 2), and their defects. */
static int key_seeds(uint32_t id);
static int session_seeds(uint32_t id);

int main(int argc, char **argv)
{
	struct vigil_msg *m = calloc(1, sizeof(*m));
	size_t len;
	int r = 0;

	if (argc != 2 || !m) {
		fprintf(stderr, "usage: make-corpus DIR\n");
		return 2;
	}
	outdir = argv[1];

#define SEED(name, p, n)                                                                                               \
	do {                                                                                                           \
		if ((r = write_seed((name), (p), (n))) < 0)                                                            \
			goto out;                                                                                      \
	} while (0)

	/* One valid frame per message type. */
	login(m, VIGIL_MSG_AUTH_BEGIN);
	SEED("auth_begin", frame, encode(m, 1));
	login(m, VIGIL_MSG_ACCOUNT_CHECK);
	SEED("account_check", frame, encode(m, 2));
	session(m, VIGIL_MSG_SESSION_OPEN);
	SEED("session_open", frame, encode(m, 3));
	session(m, VIGIL_MSG_SESSION_CLOSE);
	SEED("session_close", frame, encode(m, 4));

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_AUTH_STEP;
	strcpy(m->u.answer.answer, "123456");
	SEED("auth_step", frame, encode(m, 5));
	m->type = VIGIL_MSG_TOTP_ENROLL_CONFIRM;
	SEED("totp_enroll_confirm", frame, encode(m, 6));

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_TOTP_ENROLL_BEGIN;
	SEED("totp_enroll_begin", frame, encode(m, 7));
	m->type = VIGIL_MSG_STATUS_QUERY;
	strcpy(m->u.user.user, "alice");
	SEED("status_query", frame, encode(m, 8));
	m->type = VIGIL_MSG_ADMIN_UNLOCK;
	strcpy(m->u.user.user, "bob");
	SEED("admin_unlock", frame, encode(m, 9));

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_DECISION;
	m->u.decision.outcome = VIGIL_OUTCOME_DENY;
	m->u.decision.reason = VIGIL_REASON_RISK;
	m->u.decision.score = 85;
	m->u.decision.signals = VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_NEW_SOURCE;
	strcpy(m->u.decision.login_id, "6f1c2a9e0b7d4e35");
	SEED("decision", frame, encode(m, 10));

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_PROMPT;
	m->u.prompt.kind = VIGIL_PROMPT_ENROLL_TOTP;
	m->u.prompt.why = VIGIL_WHY_ENROLL;
	m->u.prompt.digits = 6;
	m->u.prompt.attempts_left = 3;
	m->u.prompt.signals = VIGIL_SIGNAL_NEW_DEVICE;
	strcpy(m->u.prompt.uri, "otpauth://totp/vigil:alice?secret=JBSWY3DPEHPK3PXP&issuer=vigil&digits=6");
	strcpy(m->u.prompt.secret_b32, "JBSWY3DPEHPK3PXP");
	strcpy(m->u.prompt.qr, "\xe2\x96\x88\xe2\x96\x80\xe2\x96\x84 \xe2\x96\x88\n\xe2\x96\x84\xe2\x96\x88 "
	                       "\xe2\x96\x80\xe2\x96\x88\n");
	SEED("prompt", frame, encode(m, 11));

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_RESULT;
	m->u.result.status = VIGIL_STATUS_OK;
	strcpy(m->u.result.id, "s-0042");
	SEED("result", frame, encode(m, 12));

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_ENROLL_PENDING;
	m->u.pending.digits = 6;
	m->u.pending.period = 30;
	strcpy(m->u.pending.uri, "otpauth://totp/vigil:alice?secret=JBSWY3DPEHPK3PXP&issuer=vigil");
	strcpy(m->u.pending.secret_b32, "JBSWY3DPEHPK3PXP");
	strcpy(m->u.pending.qr, "\xe2\x96\x88\xe2\x96\x80\n");
	SEED("enroll_pending", frame, encode(m, 13));

	/* The admin change and analysis verbs (30..36, 90..91). */
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_ADMIN_FACTOR_REMOVE;
	strcpy(m->u.target.user, "alice");
	strcpy(m->u.target.target, "totp");
	SEED("admin_factor_remove", frame, encode(m, 20));
	m->type = VIGIL_MSG_ADMIN_DEVICE_FORGET;
	strcpy(m->u.target.target, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
	SEED("admin_device_forget", frame, encode(m, 21));
	m->type = VIGIL_MSG_ADMIN_SOURCE_FORGET;
	strcpy(m->u.target.target, "192.0.2.10");
	SEED("admin_source_forget", frame, encode(m, 22));
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_ADMIN_EXPLAIN;
	strcpy(m->u.target.target, "6f1c2a9e0b7d4e35");
	SEED("admin_explain", frame, encode(m, 23));
	login(m, VIGIL_MSG_AUTH_BEGIN);
	m->type = VIGIL_MSG_ADMIN_SIMULATE;
	SEED("admin_simulate", frame, encode(m, 24));
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_ADMIN_RELOAD;
	SEED("admin_reload", frame, encode(m, 25));
	m->type = VIGIL_MSG_TOTP_REMOVE;
	strcpy(m->u.answer.answer, "123456");
	SEED("totp_remove", frame, encode(m, 26));
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_EXPLANATION;
	strcpy(m->u.explain.login_id, "6f1c2a9e0b7d4e35");
	strcpy(m->u.explain.user, "alice");
	strcpy(m->u.explain.service, "sshd");
	strcpy(m->u.explain.source, "192.0.2.10");
	m->u.explain.time = 1700000000;
	m->u.explain.outcome = VIGIL_OUTCOME_ALLOW;
	m->u.explain.verdict = VIGIL_VERDICT_STEPUP;
	m->u.explain.score = 60;
	m->u.explain.signals = VIGIL_SIGNAL_NEW_DEVICE | VIGIL_SIGNAL_NEW_SOURCE;
	m->u.explain.points[0] = 40;
	m->u.explain.points[1] = 20;
	m->u.explain.stepup_at = 30;
	m->u.explain.deny_at = 100;
	strcpy(m->u.explain.rule, "a step-up is owed (score 60 >= stepup_at 30): TOTP code asked");
	SEED("explanation", frame, encode(m, 27));
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_RELOAD_RESULT;
	m->u.reload.status = VIGIL_STATUS_DENIED;
	strcpy(m->u.reload.message, "/etc/vigil/vigil.conf:3: syntax error");
	SEED("reload_result", frame, encode(m, 28));
	len = encode(m, 28);
	frame[len] = 0;
	set_body_len(len + 1 - VIGIL_FRAME_HEADER_SIZE);
	SEED("bad_reload_trailing_byte", frame, len + 1);

	report(m);
	SEED("status_report", frame, encode(m, 14));

	if ((r = admin_seeds(m, 30)) < 0)
		goto out;
	if ((r = rollout_seeds(40)) < 0)
		goto out;
	if ((r = key_seeds(50)) < 0)
		goto out;
	if ((r = session_seeds(70)) < 0)
		goto out;

	/* Malformed frames, each one defect away from a valid one.  The first
	 * two are a report's (admin_seeds() left m a CONFIG_PAGE). */
	report(m);
	len = encode(m, 15);
	SEED("bad_truncated_report", frame, len - 7);
	/* n_factors' low byte, after "alice", locked_until and suspended. */
	frame[VIGIL_FRAME_HEADER_SIZE + 7 + 8 + 1 + 1] = VIGIL_LIST_MAX + 1;
	SEED("bad_list_over_limit", frame, len);

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_STATUS_QUERY;
	strcpy(m->u.user.user, "alice");
	len = encode(m, 16);
	frame[len] = 0;
	set_body_len(len + 1 - VIGIL_FRAME_HEADER_SIZE);
	SEED("bad_trailing_byte", frame, len + 1);
	len = encode(m, 16);
	frame[VIGIL_FRAME_HEADER_SIZE + 2 + 2] = '\0'; /* "al\0ce" */
	SEED("bad_nul_in_user", frame, len);
	len = encode(m, 16);
	frame[0] ^= 0x20;
	SEED("bad_magic", frame, len);
	len = encode(m, 16);
	frame[4] = VIGIL_PROTO_VERSION + 1;
	SEED("bad_version", frame, len);
	len = encode(m, 16);
	SEED("bad_short_header", frame, 10);

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_AUTH_STEP;
	memset(m->u.answer.answer, '7', VIGIL_ANSWER_MAX);
	len = encode(m, 17);
	frame[VIGIL_FRAME_HEADER_SIZE + 1] = VIGIL_ANSWER_MAX + 1; /* claims one more */
	frame[len] = '7';
	set_body_len(len + 1 - VIGIL_FRAME_HEADER_SIZE);
	SEED("bad_answer_over_limit", frame, len + 1);

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_DECISION;
	m->u.decision.outcome = VIGIL_OUTCOME_ALLOW;
	len = encode(m, 18);
	frame[VIGIL_FRAME_HEADER_SIZE] = 3; /* outcome */
	SEED("bad_outcome", frame, len);
	len = encode(m, 18);
	frame[VIGIL_FRAME_HEADER_SIZE + 9] = 0x01; /* signals bit 8 */
	SEED("bad_signals", frame, len);

	r = 0;
out:
	if (r < 0)
		fprintf(stderr, "make-corpus: %s: %s\n", outdir, strerror(-r));
	free(m);
	return r < 0 ? 1 : 0;
}

static int admin_seeds(struct vigil_msg *m, uint32_t id)
{
	int r;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_ADMIN_USERS;
	strcpy(m->u.user.user, "alice");
	if ((r = write_seed("admin_users", frame, encode(m, id++))) < 0)
		return r;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_ADMIN_HISTORY;
	strcpy(m->u.history_req.user, "alice");
	strcpy(m->u.history_req.service, "sshd");
	m->u.history_req.decision = VIGIL_HISTORY_DENY;
	m->u.history_req.since = 1690000000u;
	m->u.history_req.before_time = 1700000000u;
	strcpy(m->u.history_req.before_id, "6f1c2a9e0b7d4e356f1c2a9e0b7d4e35");
	if ((r = write_seed("admin_history", frame, encode(m, id++))) < 0)
		return r;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_ADMIN_DAEMON;
	if ((r = write_seed("admin_daemon", frame, encode(m, id++))) < 0)
		return r;

	m->type = VIGIL_MSG_ADMIN_CONFIG;
	m->u.page_req.offset = 32;
	if ((r = write_seed("admin_config", frame, encode(m, id++))) < 0)
		return r;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_USER_LIST;
	m->u.users.n_users = 2;
	strcpy(m->u.users.users[0].name, "alice");
	m->u.users.users[0].factors = 1;
	m->u.users.users[0].last_success = 1700000000u;
	strcpy(m->u.users.users[1].name, "bob");
	m->u.users.users[1].locked_until = 1700000600u;
	if ((r = write_seed("user_list", frame, encode(m, id++))) < 0)
		return r;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_HISTORY_PAGE;
	m->u.history.more = 1;
	m->u.history.n_logins = 1;
	strcpy(m->u.history.logins[0].login_id, "6f1c2a9e0b7d4e356f1c2a9e0b7d4e35");
	m->u.history.logins[0].time = 1700000000u;
	strcpy(m->u.history.logins[0].user, "bob");
	strcpy(m->u.history.logins[0].service, "sshd");
	strcpy(m->u.history.logins[0].source, "203.0.113.5");
	m->u.history.logins[0].outcome = VIGIL_OUTCOME_ALLOW;
	m->u.history.logins[0].reason = VIGIL_REASON_NETWORK;
	m->u.history.logins[0].shadow = VIGIL_SHADOW_DENY;
	m->u.history.logins[0].score = 80;
	m->u.history.logins[0].signals = VIGIL_SIGNAL_NEW_DEVICE;
	if ((r = write_seed("history_page", frame, encode(m, id++))) < 0)
		return r;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_DAEMON_REPORT;
	strcpy(m->u.daemon.version, "0.1.0");
	m->u.daemon.pid = 4242;
	m->u.daemon.denied = 3;
	m->u.daemon.n_reasons = 1;
	m->u.daemon.reasons[0].reason = VIGIL_REASON_NETWORK;
	m->u.daemon.reasons[0].count = 3;
	m->u.daemon.audit_queue_max = 1024;
	if ((r = write_seed("daemon_report", frame, encode(m, id++))) < 0)
		return r;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_CONFIG_PAGE;
	m->u.config.generation = 1700000000u;
	m->u.config.total = 1;
	m->u.config.n_entries = 1;
	strcpy(m->u.config.entries[0].section, "policy");
	strcpy(m->u.config.entries[0].key, "stepup_at");
	strcpy(m->u.config.entries[0].value, "30");
	strcpy(m->u.config.entries[0].file, "/etc/vigil/vigil.conf");
	m->u.config.entries[0].line = 12;
	return write_seed("config_page", frame, encode(m, id));
}

/* vigilctl report: the request and a reply with one row in each list. */
static int rollout_seeds(uint32_t id)
{
	struct vigil_msg *m = calloc(1, sizeof(*m));
	struct vigil_rollout_report *p;
	int r;

	if (!m)
		return -ENOMEM;
	m->type = VIGIL_MSG_ADMIN_REPORT;
	m->u.report_req.since = 1699395200u;
	if ((r = write_seed("admin_report", frame, encode(m, id++))) < 0)
		goto out;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_ROLLOUT_REPORT;
	p = &m->u.rollout;
	p->since = 1699395200u;
	p->until = 1700000000u;
	p->logins = 12;
	p->allow = 9;
	p->stepup = 3;
	p->by_mode[VIGIL_MODE_LEARN] = 12;
	p->waived = 3;
	p->reasons.n = 1;
	strcpy(p->reasons.rows[0].name, "fresh");
	p->reasons.rows[0].stepup = 3;
	p->services.n = 1;
	strcpy(p->services.rows[0].name, "sudo");
	p->services.rows[0].stepup = 3;
	p->users.n = 1;
	strcpy(p->users.rows[0].name, "alice");
	p->users.rows[0].allow = 9;
	p->users.rows[0].stepup = 3;
	r = write_seed("rollout_report", frame, encode(m, id));
out:
	free(m);
	return r;
}

#define CRED_A      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define CRED_B      "EBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8="
#define CHALLENGE_A "q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k="

/* A well-formed frame with one byte changed at body offset off. */
static int write_patched(const char *name, const struct vigil_msg *m, uint32_t id, size_t off, uint8_t v)
{
	size_t len = encode(m, id);

	frame[VIGIL_FRAME_HEADER_SIZE + off] = v;
	return write_seed(name, frame, len);
}

static void fido2_prompt(struct vigil_msg *m)
{
	struct vigil_prompt *p = &m->u.prompt;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_PROMPT;
	p->kind = VIGIL_PROMPT_FIDO2;
	p->why = VIGIL_WHY_FRESH;
	p->attempts_left = 3;
	p->signals = VIGIL_SIGNAL_PRIVILEGED;
	p->methods = VIGIL_METHOD_BIT(VIGIL_FACTOR_FIDO2) | VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP) |
	             VIGIL_METHOD_BIT(VIGIL_FACTOR_RECOVERY);
	strcpy(p->rp_id, "vigil:host.example");
	strcpy(p->challenge, CHALLENGE_A);
	p->uv = 1;
	p->timeout = 30;
	p->n_creds = 2;
	strcpy(p->creds[0].id, CRED_A);
	strcpy(p->creds[1].id, CRED_B);
}

static int key_seeds(uint32_t id)
{
	struct vigil_msg *m = calloc(1, sizeof(*m));
	size_t len;
	int r;

	if (!m)
		return -ENOMEM;
#define KSEED(name)                                                                                                    \
	do {                                                                                                           \
		if ((r = write_seed((name), frame, encode(m, id++))) < 0)                                              \
			goto out;                                                                                      \
	} while (0)

	fido2_prompt(m);
	KSEED("prompt_fido2");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_AUTH_ASSERTION;
	m->u.assertion.status = VIGIL_FIDO2_OK;
	strcpy(m->u.assertion.cred_id, CRED_A);
	strcpy(m->u.assertion.authdata, "WCVJlg3liA6MaHQ0Fw9kdmBbj+SuuaKGMseZXPO6gx2XYwUAAAAq");
	strcpy(m->u.assertion.sig, "MEUCIQCwQ5bJz3Gv0Xb1s5Lx+k2c/AiEA4k1yQ/a7LQ2wWb7QA==");
	KSEED("auth_assertion");
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_AUTH_ASSERTION;
	m->u.assertion.status = VIGIL_FIDO2_DECLINED;
	KSEED("auth_assertion_declined");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_ENROLL_BEGIN;
	strcpy(m->u.key_enroll.name, "yubikey 5c");
	m->u.key_enroll.uv = 1;
	KSEED("key_enroll_begin");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_ENROLL_FINISH;
	strcpy(m->u.attestation.fmt, "packed");
	strcpy(m->u.attestation.authdata, "WMSJlg3liA6MaHQ0Fw9kdmBbj+SuuaKGMseZXPO6gx2XYwUAAAAq");
	strcpy(m->u.attestation.x5c, "MIIBhzCCAS6gAwIBAgIJAJm+6LEMouwcMAkGByqGSM49BAEwITEfMB0GA1UEAwwW");
	strcpy(m->u.attestation.sig, "MEQCIGm+Yl0mX2b1P5rA0f3oYAIgS1r/JkJX3wU0yQ==");
	KSEED("key_enroll_finish");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_ADD_SSH;
	strcpy(m->u.ssh_key.line, "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIExample "
	                          "alice@laptop");
	KSEED("key_add_ssh");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_LIST;
	KSEED("key_list");
	m->type = VIGIL_MSG_FACTOR_PROVE;
	KSEED("factor_prove");
	m->type = VIGIL_MSG_RECOVERY_GENERATE;
	strcpy(m->u.user.user, "alice");
	KSEED("recovery_generate");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_RENAME;
	strcpy(m->u.key.name, "key-1");
	strcpy(m->u.key.new_name, "office key");
	KSEED("key_rename");
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_REMOVE;
	strcpy(m->u.key.user, "alice");
	strcpy(m->u.key.name, "office key");
	KSEED("key_remove");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_CHALLENGE;
	strcpy(m->u.key_challenge.rp_id, "vigil:host.example");
	strcpy(m->u.key_challenge.user, "alice");
	strcpy(m->u.key_challenge.user_handle, "3q2+796tvu/erb7v3q2+796tvu8=");
	strcpy(m->u.key_challenge.challenge, CHALLENGE_A);
	m->u.key_challenge.uv = 1;
	m->u.key_challenge.timeout = 60;
	m->u.key_challenge.n_exclude = 1;
	strcpy(m->u.key_challenge.exclude[0].id, CRED_A);
	KSEED("key_challenge");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_LIST_REPLY;
	strcpy(m->u.keys.user, "alice");
	m->u.keys.n_keys = 2;
	m->u.keys.keys[0] = (struct vigil_key_info){.type = VIGIL_FACTOR_FIDO2,
	                                            .name = "yubikey",
	                                            .id_hash = "9f86d081884c7d65",
	                                            .created = 1700000000u,
	                                            .last_used = 1700000500u,
	                                            .sign_count = 42,
	                                            .flags = VIGIL_KEY_FLAG_UV};
	m->u.keys.keys[1] = (struct vigil_key_info){
	    .type = VIGIL_FACTOR_SSH_SK, .name = "laptop sk", .id_hash = "SHA256:47DEQpj8HBSa", .created = 1700000001u};
	m->u.keys.recovery_left = 7;
	KSEED("key_list_reply");

	/* Made-up codes of the shown shape, not secrets. */
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_RECOVERY_CODES;
	m->u.recovery.n_codes = VIGIL_RECOVERY_CODES;
	for (unsigned i = 0; i < VIGIL_RECOVERY_CODES; i++)
		snprintf(m->u.recovery.codes[i].code, sizeof(m->u.recovery.codes[i].code), "exmpl-%05u", 10000 + i);
	KSEED("recovery_codes");

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_RESULT;
	m->u.result.status = VIGIL_STATUS_BAD_KEY;
	strcpy(m->u.result.message, "attestation format \"tpm\" is not accepted");
	m->u.result.remaining = 9;
	KSEED("result_bad_key");

	/* Malformed, each one defect away from a seed above. */
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_AUTH_ASSERTION;
	strcpy(m->u.assertion.cred_id, CRED_A);
	if ((r = write_patched("bad_assertion_status", m, id++, 0, VIGIL_FIDO2_STATUS_MAX_)) < 0)
		goto out;
	if ((r = write_patched("bad_b64_char", m, id++, 1 + 2 + 5, '-')) < 0) /* status, length, "AAECA" */
		goto out;
	len = encode(m, id++);
	if ((r = write_seed("bad_truncated_assertion", frame, len - 3)) < 0)
		goto out;

	fido2_prompt(m);
	/* PROMPT body: kind, why, digits, attempts, signals (8), three empty
	 * strings (6), then methods @14, rp_id @15 (2 + 18), challenge @35
	 * (2 + 44), uv @81, timeout @82, n_creds @84. */
	if ((r = write_patched("bad_prompt_methods", m, id++, 14, 0x21)) < 0 ||
	    (r = write_patched("bad_prompt_uv", m, id++, 81, 2)) < 0 ||
	    (r = write_patched("bad_prompt_creds_over_limit", m, id++, 85, VIGIL_KEYS_MAX + 1)) < 0 ||
	    (r = write_patched("bad_prompt_kind", m, id++, 0, VIGIL_PROMPT_FIDO2 + 1)) < 0)
		goto out;
	len = encode(m, id++);
	frame[len] = 'A';
	set_body_len(len + 1 - VIGIL_FRAME_HEADER_SIZE);
	if ((r = write_seed("bad_prompt_trailing_byte", frame, len + 1)) < 0)
		goto out;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_LIST_REPLY;
	m->u.keys.n_keys = 1;
	m->u.keys.keys[0].type = VIGIL_FACTOR_FIDO2;
	/* user "" (2), n_keys (2), type @4, name and id_hash "" (4), created,
	 * last_used (16), sign_count (4), flags @29..32 */
	if ((r = write_patched("bad_key_type", m, id++, 4, VIGIL_FACTOR_TOTP)) < 0 ||
	    (r = write_patched("bad_key_flags", m, id++, 32, 0x10)) < 0)
		goto out;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_RECOVERY_CODES;
	m->u.recovery.n_codes = 1;
	strcpy(m->u.recovery.codes[0].code, "exmpl-00000");
	if ((r = write_patched("bad_recovery_codes_over_limit", m, id++, 1, VIGIL_RECOVERY_CODES + 1)) < 0)
		goto out;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_KEY_RENAME;
	memset(m->u.key.new_name, 'n', VIGIL_KEY_NAME_MAX);
	len = encode(m, id++);
	frame[VIGIL_FRAME_HEADER_SIZE + 2 + 2 + 1] = VIGIL_KEY_NAME_MAX + 1; /* new_name claims one more */
	frame[len] = 'n';
	set_body_len(len + 1 - VIGIL_FRAME_HEADER_SIZE);
	r = write_seed("bad_key_name_over_limit", frame, len + 1);
out:
#undef KSEED
	free(m);
	return r;
}

/* Sessions and suspension (protocol 3): each request, a reply with two
 * sessions, and replies one defect away from it (a band out of range, a
 * count over the limit, a `more` that is not a flag). */
static int session_seeds(uint32_t id)
{
	struct vigil_msg *m = calloc(1, sizeof(*m));
	struct vigil_session_list *l;
	size_t len;
	int r;

	if (!m)
		return -ENOMEM;
	m->type = VIGIL_MSG_SESSION_LIST;
	strcpy(m->u.session_list_req.user, "alice");
	if ((r = write_seed("session_list", frame, encode(m, id++))) < 0)
		goto out;
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_SESSION_END;
	strcpy(m->u.session_end.id, "00112233445566778899aabbccddeeff");
	if ((r = write_seed("session_end", frame, encode(m, id++))) < 0)
		goto out;
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_SESSION_END;
	strcpy(m->u.session_end.user, "alice");
	if ((r = write_seed("session_end_user", frame, encode(m, id++))) < 0)
		goto out;
	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_ADMIN_USER_SUSPEND;
	strcpy(m->u.user.user, "alice");
	if ((r = write_seed("admin_user_suspend", frame, encode(m, id++))) < 0)
		goto out;
	m->type = VIGIL_MSG_ADMIN_USER_RESUME;
	if ((r = write_seed("admin_user_resume", frame, encode(m, id++))) < 0)
		goto out;

	memset(m, 0, sizeof(*m));
	m->type = VIGIL_MSG_SESSION_LIST_REPLY;
	l = &m->u.sessions;
	l->n_sessions = 2;
	for (size_t i = 0; i < 2; i++) {
		snprintf(l->sessions[i].id, sizeof(l->sessions[i].id), "00112233445566778899aabbccddeef%zu", i);
		strcpy(l->sessions[i].user, "alice");
		strcpy(l->sessions[i].service, "sshd");
		strcpy(l->sessions[i].source, "198.51.100.7");
		strcpy(l->sessions[i].tty, i ? "" : "pts/3");
		l->sessions[i].started = 1700000000u + i;
		l->sessions[i].last_activity = 1700000100u + i;
		l->sessions[i].idle = 42;
		l->sessions[i].ends_at = i ? 0 : 1700003600u;
		l->sessions[i].band = (uint8_t)(i ? VIGIL_BAND_NEW_DEVICE : VIGIL_BAND_STEPPED_UP);
	}
	len = encode(m, id++);
	if ((r = write_seed("session_list_reply", frame, len)) < 0)
		goto out;
	/* The last byte is the second session's band. */
	frame[len - 1] = VIGIL_BAND_MAX_;
	if ((r = write_seed("bad_session_band", frame, len)) < 0)
		goto out;
	frame[len - 1] = VIGIL_BAND_NEW_DEVICE;
	frame[VIGIL_FRAME_HEADER_SIZE + 2] = VIGIL_LIST_MAX + 1; /* n_sessions' low byte */
	if ((r = write_seed("bad_session_count", frame, len)) < 0)
		goto out;
	frame[VIGIL_FRAME_HEADER_SIZE + 2] = 2;
	frame[VIGIL_FRAME_HEADER_SIZE] = 2; /* more */
	r = write_seed("bad_session_more", frame, len);
out:
	free(m);
	return r;
}

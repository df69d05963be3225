/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FIDO2 login flow against a real vigild, with the key made in
 * software (tests/unit/fido2_sign.c: P-256 and Ed25519 keys of OpenSSL,
 * authenticator data built byte by byte).  Each part starts a vigild of its
 * own on a private tree (tests/daemon/fido2_flow.sh makes the tree and the
 * nss_wrapper users) and speaks to it through lib/client.c as the module
 * and vigilctl would: enrollment over KEY_ENROLL_BEGIN/FINISH as root for a
 * user, local logins that get a FIDO2 prompt and answer it with
 * AUTH_ASSERTION, remote logins that never do, a key that was not used, and
 * the strong band.  Audit results are read back from vigild's stderr (no
 * journald here: the records go there, one line each).
 *
 * Prints "ok - ..." or "not ok - ..." per check and "N passed, N failed";
 * exits 1 if any failed.  Trusts the daemon no more than the module does
 * (client_connect() checks the socket and that the peer is root).  The
 * keys are throwaway test keys; TOTP seeds stay in memory and are wiped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liboath/oath.h>
#include <openssl/evp.h>

#include "client.h"
#include "../unit/fido2_sign.h"
#include "proto.h"
#include "wipe.h"

#define DEADLINE_MS 5000
#define RP          "pam://vigil-flow.test"
#define OTHER_RP    "pam://evil.test"
#define TOUCH       5
/* daemon/factor_fido2.c CHALLENGE_MARGIN: a challenge lives TOUCH + 30 s. */
#define MARGIN 30

extern char **environ;

static unsigned passed, failed;
static const char *tmp, *vigild_bin;

static struct daemon {
	pid_t pid;
	char dir[512], pub[800], pam[800], log[800];
} D = {.pid = -1};

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf(ok ? "ok - " : "not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static void die(const char *what)
{
	fprintf(stderr, "fido2_flow: %s\n", what);
	if (D.pid > 0)
		kill(D.pid, SIGTERM);
	exit(99);
}

/* ---------------------------------------------------------------- base64 */

static void b64_enc(const uint8_t *in, size_t n, char *out, size_t cap)
{
	if (4 * ((n + 2) / 3) + 1 > cap)
		die("base64 output too long");
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static size_t b64_dec(const char *in, uint8_t *out, size_t cap)
{
	size_t len = strlen(in), pad = 0;
	int n;

	if (len == 0 || len % 4 || len / 4 * 3 > cap)
		die("bad base64 from vigild");
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0)
		die("bad base64 from vigild");
	pad = (in[len - 1] == '=') + (in[len - 2] == '=');
	return (size_t)n - pad;
}

/* ---------------------------------------------------------------- vigild */

static void daemon_start(const char *name, const char *conf)
{
	char path[700], state[700], run[700];
	int64_t deadline;
	FILE *f;
	int fd;

	snprintf(D.dir, sizeof(D.dir), "%s/%s", tmp, name);
	snprintf(state, sizeof(state), "%s/state", D.dir);
	snprintf(run, sizeof(run), "%s/run", D.dir);
	snprintf(D.pub, sizeof(D.pub), "%s/" VIGIL_PUBLIC_SOCKET_NAME, run);
	snprintf(D.pam, sizeof(D.pam), "%s/" VIGIL_PAM_SOCKET_NAME, run);
	snprintf(D.log, sizeof(D.log), "%s/vigild.log", D.dir);
	snprintf(path, sizeof(path), "%s/vigil.conf", D.dir);
	if (mkdir(D.dir, 0755) < 0 || mkdir(state, 0700) < 0 || mkdir(run, 0755) < 0)
		die("mkdir");
	if (!(f = fopen(path, "we")))
		die("writing the configuration");
	fprintf(f,
	        "[policy]\nstepup_at = 30\ndeny_at = 1000\nno_factor = deny\n"
	        "[fido2]\nrp_id = %s\ntouch_timeout = %d\n%s",
	        RP, TOUCH, conf);
	fclose(f);
	chmod(path, 0644);

	fflush(NULL);
	if ((D.pid = fork()) < 0)
		die("fork");
	if (D.pid == 0) {
		const char *preload = getenv("VT_VIGILD_PRELOAD");
		const char *argv[] = {vigild_bin,      "--config", path,      "--state-dir", state,
		                      "--runtime-dir", run,        "--debug", NULL};
		int log = open(D.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (log < 0 || dup2(log, STDERR_FILENO) < 0)
			_exit(127);
		if (preload && preload[0])
			setenv("LD_PRELOAD", preload, 1);
		execv(vigild_bin, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	deadline = clock_now_ms() + 10000;
	while (client_connect(D.pam, 0, clock_now_ms() + 1000, &fd) < 0) {
		if (clock_now_ms() > deadline || waitpid(D.pid, NULL, WNOHANG) == D.pid)
			die("vigild did not start");
		usleep(20000);
	}
	close(fd);
}

static void daemon_stop(void)
{
	int status;

	if (D.pid <= 0)
		return;
	kill(D.pid, SIGTERM);
	waitpid(D.pid, &status, 0);
	D.pid = -1;
}

static long log_size(void)
{
	struct stat st;

	return stat(D.log, &st) == 0 ? (long)st.st_size : 0;
}

/* Whether an audit line after offset holds every one of the words (NULL
 * ended); waits up to 2 s: the audit writer runs beside the event loop. */
static bool log_has(long offset, ...)
{
	const char *words[8];
	char line[8192];
	int64_t deadline = clock_now_ms() + 2000;
	size_t n = 0;
	va_list ap;

	va_start(ap, offset);
	while (n < 7 && (words[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	for (;;) {
		FILE *f = fopen(D.log, "re");

		if (f && fseek(f, offset, SEEK_SET) == 0)
			while (fgets(line, sizeof(line), f)) {
				bool all = strstr(line, "vigild: audit ") != NULL;

				for (size_t i = 0; all && i < n; i++)
					all = strstr(line, words[i]) != NULL;
				if (all) {
					fclose(f);
					return true;
				}
			}
		if (f)
			fclose(f);
		if (clock_now_ms() > deadline)
			return false;
		usleep(50000);
	}
}

/* ---------------------------------------------------------------- calls */

static struct vigil_msg *msg_new(void)
{
	struct vigil_msg *m = calloc(1, sizeof(*m));

	if (!m)
		die("out of memory");
	return m;
}

static void msg_free(struct vigil_msg *m)
{
	wipe_free(m, sizeof(*m));
}

static int conn_open(const char *path)
{
	int fd;

	if (client_connect(path, 0, clock_now_ms() + DEADLINE_MS, &fd) < 0)
		die("connect");
	return fd;
}

/* One request on fd; reply->type 0 if the daemon closed or failed. */
static void call(int fd, const struct vigil_msg *req, struct vigil_msg *reply)
{
	static uint32_t id;

	memset(reply, 0, sizeof(*reply));
	if (client_call(fd, ++id, req, reply, clock_now_ms() + DEADLINE_MS) < 0)
		reply->type = 0;
}

static bool is_decision(const struct vigil_msg *m, uint8_t outcome, uint16_t reason)
{
	return m->type == VIGIL_MSG_DECISION && m->u.decision.outcome == outcome && m->u.decision.reason == reason;
}

static const char *said(const struct vigil_msg *m)
{
	static char s[VIGIL_MESSAGE_MAX + 64];

	switch (m->type) {
	case VIGIL_MSG_DECISION:
		snprintf(s, sizeof(s), "decision %s %s",
		         m->u.decision.outcome == VIGIL_OUTCOME_ALLOW ? "allow" : "deny",
		         reason_name(m->u.decision.reason));
		break;
	case VIGIL_MSG_PROMPT:
		snprintf(s, sizeof(s), "prompt kind %u why %u methods 0x%x", m->u.prompt.kind, m->u.prompt.why,
		         m->u.prompt.methods);
		break;
	case VIGIL_MSG_RESULT:
		snprintf(s, sizeof(s), "result %s (%s)", status_name(m->u.result.status), m->u.result.message);
		break;
	case 0:
		snprintf(s, sizeof(s), "no reply");
		break;
	default:
		snprintf(s, sizeof(s), "%s", msg_type_name(m->type));
	}
	return s;
}

/* ---------------------------------------------------------------- keys */

struct softkey {
	EVP_PKEY *k;
	uint8_t id[32];
};

static void softkey_new(struct softkey *s, int alg, uint8_t tag)
{
	s->k = sign_key_new(alg);
	for (size_t i = 0; i < sizeof(s->id); i++)
		s->id[i] = (uint8_t)(tag * 37 + i * 11);
}

enum att_mode { ATT_GOOD, ATT_OTHER_CHALLENGE, ATT_NONE };

/* KEY_ENROLL_BEGIN for user, then FINISH with an attestation made by s
 * (flags: UP, UV); *ret the RESULT. */
static void enroll(const char *user, const char *name, const struct softkey *s, uint8_t flags, enum att_mode mode,
                   struct vigil_msg *ret)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	uint8_t challenge[64];
	struct blob cose, raw, ad, sig;
	int fd = conn_open(D.pub);

	req->type = VIGIL_MSG_KEY_ENROLL_BEGIN;
	snprintf(req->u.key_enroll.user, sizeof(req->u.key_enroll.user), "%s", user);
	snprintf(req->u.key_enroll.name, sizeof(req->u.key_enroll.name), "%s", name);
	call(fd, req, reply);
	if (reply->type != VIGIL_MSG_KEY_CHALLENGE) {
		*ret = *reply;
		goto out;
	}
	if (b64_dec(reply->u.key_challenge.challenge, challenge, sizeof(challenge)) != VIGIL_CHALLENGE_SIZE ||
	    strcmp(reply->u.key_challenge.rp_id, RP) != 0)
		die("KEY_CHALLENGE not as configured");
	if (mode == ATT_OTHER_CHALLENGE)
		challenge[0] ^= 1;
	sign_key_cose(s->k, &cose);
	sign_authdata(reply->u.key_challenge.rp_id, flags | SIGN_AT, 0, &raw);
	sign_attcred(&raw, s->id, sizeof(s->id), &cose);
	sign_cbor_wrap(&raw, &ad);
	sign_sign(s->k, &raw, challenge, &sig);

	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_KEY_ENROLL_FINISH;
	snprintf(req->u.attestation.fmt, sizeof(req->u.attestation.fmt), "%s", mode == ATT_NONE ? "none" : "packed");
	b64_enc(ad.b, ad.n, req->u.attestation.authdata, sizeof(req->u.attestation.authdata));
	if (mode != ATT_NONE)
		b64_enc(sig.b, sig.n, req->u.attestation.sig, sizeof(req->u.attestation.sig));
	call(fd, req, ret);
out:
	close(fd);
	msg_free(req);
	msg_free(reply);
}

static bool enroll_ok(const char *user, const char *name, const struct softkey *s, uint8_t flags)
{
	struct vigil_msg *r = msg_new();
	bool ok;

	enroll(user, name, s, flags, ATT_GOOD, r);
	ok = r->type == VIGIL_MSG_RESULT && r->u.result.status == VIGIL_STATUS_OK;
	if (!ok)
		fprintf(stderr, "# enrolling %s for %s: %s\n", name, user, said(r));
	msg_free(r);
	return ok;
}

/* KEY_LIST of user: the key named name, or false. */
static bool key_find(const char *user, const char *name, struct vigil_key_info *ret)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	bool found = false;
	int fd = conn_open(D.pub);

	req->type = VIGIL_MSG_KEY_LIST;
	snprintf(req->u.user.user, sizeof(req->u.user.user), "%s", user);
	call(fd, req, reply);
	if (reply->type == VIGIL_MSG_KEY_LIST_REPLY)
		for (unsigned i = 0; i < reply->u.keys.n_keys && i < VIGIL_KEYS_MAX; i++)
			if (strcmp(reply->u.keys.keys[i].name, name) == 0) {
				*ret = reply->u.keys.keys[i];
				found = true;
			}
	close(fd);
	msg_free(req);
	msg_free(reply);
	return found;
}

/* TOTP for user through the protocol as root (the seed stays here, wiped). */
static void totp_enroll(const char *user)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	char *bin = NULL;
	size_t bin_len = 0;
	int fd = conn_open(D.pub);

	req->type = VIGIL_MSG_TOTP_ENROLL_BEGIN;
	snprintf(req->u.user.user, sizeof(req->u.user.user), "%s", user);
	call(fd, req, reply);
	if (reply->type != VIGIL_MSG_ENROLL_PENDING ||
	    oath_base32_decode(reply->u.pending.secret_b32, strlen(reply->u.pending.secret_b32), &bin, &bin_len) !=
	        OATH_OK)
		die("TOTP enrollment did not start");
	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_TOTP_ENROLL_CONFIRM;
	if (oath_totp_generate(bin, bin_len, time(NULL), reply->u.pending.period, 0, reply->u.pending.digits,
	                       req->u.answer.answer) != OATH_OK)
		die("oath_totp_generate");
	call(fd, req, reply);
	if (reply->type != VIGIL_MSG_RESULT || reply->u.result.status != VIGIL_STATUS_OK)
		die("TOTP enrollment not confirmed");
	wipe_free(bin, bin_len);
	close(fd);
	msg_free(req);
	msg_free(reply);
}

/* ---------------------------------------------------------------- logins */

struct login {
	int fd;
	struct vigil_login_request req;
	struct vigil_msg *reply; /* the last reply */
	uint8_t challenge[VIGIL_CHALLENGE_SIZE];
};

/* A local login (su on its own tty: a new device, a step-up) or, with
 * rhost, an sshd login from there. */
static void login_begin(struct login *l, const char *user, const char *service, const char *rhost)
{
	static unsigned tty;
	struct vigil_msg *req = msg_new();
	uint8_t challenge[64];

	memset(l, 0, sizeof(*l));
	l->reply = msg_new();
	l->fd = conn_open(D.pam);
	snprintf(l->req.user, sizeof(l->req.user), "%s", user);
	snprintf(l->req.service, sizeof(l->req.service), "%s", service);
	if (rhost) {
		snprintf(l->req.rhost, sizeof(l->req.rhost), "%s", rhost);
		snprintf(l->req.tty, sizeof(l->req.tty), "ssh");
		snprintf(l->req.ssh_connection, sizeof(l->req.ssh_connection), "%s 50022 127.0.0.1 22", rhost);
		snprintf(l->req.ssh_auth_info, sizeof(l->req.ssh_auth_info),
		         "publickey ssh-ed25519 "
		         "AAAAC3NzaC1lZDI1NTE5AAAAIHJGUR3+mniu8Fx1UOseYdwJ9TYLoC1JU3/EBnjNT+12\n");
	} else {
		snprintf(l->req.tty, sizeof(l->req.tty), "pts/%u", ++tty);
	}
	l->req.pid = (uint32_t)getpid();
	req->type = VIGIL_MSG_AUTH_BEGIN;
	req->u.login = l->req;
	call(l->fd, req, l->reply);
	if (l->reply->type == VIGIL_MSG_PROMPT && l->reply->u.prompt.kind == VIGIL_PROMPT_FIDO2) {
		if (b64_dec(l->reply->u.prompt.challenge, challenge, sizeof(challenge)) != VIGIL_CHALLENGE_SIZE)
			die("a FIDO2 prompt whose challenge is not 32 bytes");
		memcpy(l->challenge, challenge, sizeof(l->challenge));
	}
	msg_free(req);
}

static void login_end(struct login *l)
{
	close(l->fd);
	msg_free(l->reply);
}

static bool fido2_prompt(const struct login *l)
{
	return l->reply->type == VIGIL_MSG_PROMPT && l->reply->u.prompt.kind == VIGIL_PROMPT_FIDO2;
}

/* Whether the FIDO2 prompt names the credential of s among its creds. */
static bool prompt_names(const struct login *l, const struct softkey *s)
{
	char id[VIGIL_CRED_B64_MAX + 1];

	b64_enc(s->id, sizeof(s->id), id, sizeof(id));
	for (unsigned i = 0; i < l->reply->u.prompt.n_creds && i < VIGIL_KEYS_MAX; i++)
		if (strcmp(l->reply->u.prompt.creds[i].id, id) == 0)
			return true;
	return false;
}

enum spoil { SPOIL_NONE, SPOIL_AUTHDATA, SPOIL_SIG };

struct touch {
	const struct softkey *signer; /* signs */
	const struct softkey *cred;   /* names its credential id (default signer) */
	const char *rp;               /* default RP */
	uint8_t flags;
	uint32_t count;
	const uint8_t *challenge; /* default: the prompt's */
	enum spoil spoil;
	uint8_t status; /* not OK: nothing else sent */
};

/* AUTH_ASSERTION answering l's prompt; the reply in l->reply. */
static void login_touch(struct login *l, const struct touch *t)
{
	struct vigil_msg *req = msg_new();
	struct blob raw, ad, sig;
	const struct softkey *cred = t->cred ? t->cred : t->signer;

	req->type = VIGIL_MSG_AUTH_ASSERTION;
	req->u.assertion.status = t->status;
	if (t->status == VIGIL_FIDO2_OK) {
		sign_authdata(t->rp ? t->rp : RP, t->flags, t->count, &raw);
		sign_sign(t->signer->k, &raw, t->challenge ? t->challenge : l->challenge, &sig);
		if (t->spoil == SPOIL_AUTHDATA)
			raw.b[raw.n - 1] ^= 0x10; /* the counter's low byte */
		if (t->spoil == SPOIL_SIG)
			sig.b[sig.n - 1] ^= 0x01;
		sign_cbor_wrap(&raw, &ad);
		b64_enc(cred->id, sizeof(cred->id), req->u.assertion.cred_id, sizeof(req->u.assertion.cred_id));
		b64_enc(ad.b, ad.n, req->u.assertion.authdata, sizeof(req->u.assertion.authdata));
		b64_enc(sig.b, sig.n, req->u.assertion.sig, sizeof(req->u.assertion.sig));
	}
	call(l->fd, req, l->reply);
	msg_free(req);
}

/* ACCOUNT_CHECK for the login auth allowed: the reply. */
static bool login_account_allowed(struct login *l)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	int fd = conn_open(D.pam);
	bool ok;

	req->type = VIGIL_MSG_ACCOUNT_CHECK;
	req->u.login = l->req;
	snprintf(req->u.login.login_id, sizeof(req->u.login.login_id), "%s", l->reply->u.decision.login_id);
	call(fd, req, reply);
	ok = is_decision(reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE);
	close(fd);
	msg_free(req);
	msg_free(reply);
	return ok;
}

/* A fresh local login of user answered by t: whether it was denied with
 * stepup_failed and audited with result. */
static void negative(const char *what, const char *user, struct touch t, const char *result)
{
	char want_user[300], want_result[64];
	struct login l;
	long mark = log_size();

	login_begin(&l, user, "su", NULL);
	if (!fido2_prompt(&l)) {
		check(false, "%s: (control) a FIDO2 prompt first (got %s)", what, said(l.reply));
		login_end(&l);
		return;
	}
	login_touch(&l, &t);
	snprintf(want_user, sizeof(want_user), "VIGIL_USER=%s ", user);
	snprintf(want_result, sizeof(want_result), "VIGIL_RESULT=%s", result);
	check(is_decision(l.reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_FAILED) &&
	          log_has(mark, want_user, "VIGIL_REASON=stepup_failed", want_result, "VIGIL_METHOD=fido2", NULL),
	      "%s: denied stepup_failed, audited %s (got %s)", what, result, said(l.reply));
	login_end(&l);
}

/* ---------------------------------------------------------------- parts */

static struct softkey ka, kb, kz, kc, ke, kf, kh, kother;

/* 1. Enrollment over the protocol, as root for a user. */
static void part_enroll(void)
{
	struct vigil_msg *r = msg_new();
	struct vigil_key_info info;
	long mark = log_size();

	enroll("alice", "yubi", &ka, SIGN_UP, ATT_GOOD, r);
	check(r->type == VIGIL_MSG_RESULT && r->u.result.status == VIGIL_STATUS_OK,
	      "1 enroll: a packed self attestation over the daemon's challenge is accepted (got %s)", said(r));
	check(key_find("alice", "yubi", &info) && info.type == VIGIL_FACTOR_FIDO2 && info.sign_count == 0 &&
	          !(info.flags & VIGIL_KEY_FLAG_CLONED),
	      "1 enroll: KEY_LIST_REPLY shows it (fido2, counter 0, not cloned)");
	check(log_has(mark, "VIGIL_USER=alice ", "VIGIL_RESULT=enrolled", "VIGIL_KEY_NAME=yubi", NULL),
	      "1 enroll: the enrollment is audited with the key's name");

	enroll("alice", "other", &kb, SIGN_UP, ATT_OTHER_CHALLENGE, r);
	check(r->type == VIGIL_MSG_RESULT && r->u.result.status == VIGIL_STATUS_BAD_KEY,
	      "1 enroll: an attestation over another challenge is BAD_KEY (got %s)", said(r));
	enroll("alice", "other", &kb, SIGN_UP, ATT_NONE, r);
	check(r->type == VIGIL_MSG_RESULT && r->u.result.status == VIGIL_STATUS_BAD_KEY,
	      "1 enroll: fmt none without allow_none_attestation is BAD_KEY (got %s)", said(r));
	check(!key_find("alice", "other", &info), "1 enroll: neither refused key was written");
	enroll("alice", "again", &ka, SIGN_UP, ATT_GOOD, r);
	check(r->type == VIGIL_MSG_RESULT && r->u.result.status == VIGIL_STATUS_EXISTS,
	      "1 enroll: the same credential a second time is EXISTS (got %s)", said(r));
	msg_free(r);
}

static void part_enroll_none(void)
{
	struct vigil_msg *r = msg_new();
	struct vigil_key_info info;

	daemon_start("none", "allow_none_attestation = yes\n");
	enroll("alice", "plain", &kb, SIGN_UP, ATT_NONE, r);
	check(r->type == VIGIL_MSG_RESULT && r->u.result.status == VIGIL_STATUS_OK && key_find("alice", "plain", &info),
	      "1 enroll: fmt none with allow_none_attestation = yes is accepted and listed (got %s)", said(r));
	daemon_stop();
	msg_free(r);
}

/* 2. Local logins. */
static void part_local(void)
{
	struct vigil_key_info info = {0};
	struct login l, early;
	uint8_t old[VIGIL_CHALLENGE_SIZE];
	char id[VIGIL_CRED_B64_MAX + 1];
	long mark;
	bool ok, found;

	/* The good login. */
	mark = log_size();
	login_begin(&l, "alice", "su", NULL);
	b64_enc(ka.id, sizeof(ka.id), id, sizeof(id));
	check(fido2_prompt(&l) && strcmp(l.reply->u.prompt.rp_id, RP) == 0 && l.reply->u.prompt.n_creds == 1 &&
	          prompt_names(&l, &ka) && l.reply->u.prompt.timeout == TOUCH &&
	          (l.reply->u.prompt.methods & VIGIL_METHOD_BIT(VIGIL_FACTOR_FIDO2)),
	      "2 local: su for alice on a new tty gets a FIDO2 prompt with the rp id, a 32-byte challenge, her "
	      "credential (got %s)",
	      said(l.reply));
	memcpy(old, l.challenge, sizeof(old));
	login_touch(&l, &(struct touch){.signer = &ka, .flags = SIGN_UP, .count = 1});
	check(is_decision(l.reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE) && l.reply->u.decision.login_id[0],
	      "2 local: an assertion over that challenge with UP and counter 1 is allowed (got %s)", said(l.reply));
	check(log_has(mark, "VIGIL_USER=alice ", "VIGIL_METHOD=fido2", "VIGIL_KEY_NAME=yubi", NULL),
	      "2 local: the allow is audited with method fido2 and the key's name");
	check(login_account_allowed(&l), "2 local: ACCOUNT_CHECK with its login id commits (allow)");
	found = key_find("alice", "yubi", &info);
	check(found && info.sign_count == 1 && info.last_used > 0,
	      "2 local: the stored counter is 1 and last_used set (got %u)", info.sign_count);
	/* The same conversation cannot answer twice. */
	login_touch(&l, &(struct touch){.signer = &ka, .flags = SIGN_UP, .count = 2, .challenge = old});
	check(!is_decision(l.reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE),
	      "2 local: a second AUTH_ASSERTION on the same connection is not allowed (got %s)", said(l.reply));
	login_end(&l);

	negative("2 local: wrong rp", "alice",
	         (struct touch){.signer = &ka, .rp = OTHER_RP, .flags = SIGN_UP, .count = 2}, "wrong_rp");
	negative("2 local: a flipped bit in the authenticator data", "alice",
	         (struct touch){.signer = &ka, .flags = SIGN_UP, .count = 2, .spoil = SPOIL_AUTHDATA}, "bad_signature");
	negative("2 local: a flipped bit in the signature", "alice",
	         (struct touch){.signer = &ka, .flags = SIGN_UP, .count = 2, .spoil = SPOIL_SIG}, "bad_signature");
	negative("2 local: her credential id signed by another key", "alice",
	         (struct touch){.signer = &kother, .cred = &ka, .flags = SIGN_UP, .count = 2}, "bad_signature");
	negative("2 local: another key (a credential she never enrolled)", "alice",
	         (struct touch){.signer = &kother, .flags = SIGN_UP, .count = 2}, "unknown_key");
	negative("2 local: UP missing", "alice", (struct touch){.signer = &ka, .flags = 0, .count = 2}, "no_presence");
	negative("2 local: the challenge of an earlier prompt (reused)", "alice",
	         (struct touch){.signer = &ka, .flags = SIGN_UP, .count = 2, .challenge = old}, "bad_signature");

	/* Expiry: a prompt answered after touch_timeout + the margin. */
	login_begin(&early, "alice", "su", NULL);
	check(fido2_prompt(&early), "2 local: (control) a prompt to let expire (got %s)", said(early.reply));
	printf("# waiting %d s for the challenge to expire (touch_timeout %d + margin %d)\n", TOUCH + MARGIN + 2, TOUCH,
	       MARGIN);
	fflush(stdout);
	sleep(TOUCH + MARGIN + 2);
	mark = log_size();
	login_touch(&early, &(struct touch){.signer = &ka, .flags = SIGN_UP, .count = 2});
	check(is_decision(early.reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_FAILED) &&
	          log_has(mark, "VIGIL_USER=alice ", "VIGIL_RESULT=stale_challenge", NULL),
	      "2 local: an assertion after the challenge expired is denied, audited stale_challenge (got %s)",
	      said(early.reply));
	login_end(&early);

	/* None of the failures moved the counter. */
	found = key_find("alice", "yubi", &info);
	check(found && info.sign_count == 1, "2 local: no failed answer moved the stored counter (got %u)",
	      info.sign_count);

	/* A counter equal to the stored one: a clone.  A prompt given out
	 * before it, answered after, must not pass either. */
	login_begin(&early, "alice", "su", NULL);
	negative("2 local: a counter equal to the stored one", "alice",
	         (struct touch){.signer = &ka, .flags = SIGN_UP, .count = 1}, "cloned_key");
	found = key_find("alice", "yubi", &info);
	check(found && (info.flags & VIGIL_KEY_FLAG_CLONED),
	      "2 local: KEY_LIST shows the key flagged cloned (flags 0x%x)", info.flags);
	mark = log_size();
	if (fido2_prompt(&early))
		login_touch(&early, &(struct touch){.signer = &ka, .flags = SIGN_UP, .count = 40});
	check(is_decision(early.reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_STEPUP_FAILED) &&
	          log_has(mark, "VIGIL_USER=alice ", "VIGIL_RESULT=cloned_key", NULL),
	      "2 local: a prompt given before the clone was seen, answered after with a higher counter, is denied "
	      "stepup_failed and audited cloned_key (got %s)",
	      said(early.reply));
	login_end(&early);
	found = key_find("alice", "yubi", &info);
	check(found && info.sign_count == 1, "2 local: and the retired key's counter stays 1 (got %u)",
	      info.sign_count);
	login_begin(&l, "alice", "su", NULL);
	/* Still enrolled (the retired key is hers): never no_factor's allow
	 * or in-band enrollment, which the clone's holder would complete. */
	ok = !fido2_prompt(&l) && is_decision(l.reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_NO_USABLE_FACTOR);
	check(ok,
	      "2 local: the retired key is no longer offered: alice (no other factor) is denied no_usable_factor "
	      "(got %s)",
	      said(l.reply));
	if (fido2_prompt(&l)) {
		login_touch(&l, &(struct touch){.signer = &ka, .flags = SIGN_UP, .count = 50});
		check(!is_decision(l.reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE),
		      "2 local: a correctly signed assertion with a higher counter is refused (got %s)", said(l.reply));
	}
	login_end(&l);

	/* A key that always says 0. */
	ok = enroll_ok("bob", "zero", &kz, SIGN_UP);
	for (int i = 0; i < 3; i++) {
		login_begin(&l, "bob", "login", NULL);
		if (fido2_prompt(&l))
			login_touch(&l, &(struct touch){.signer = &kz, .flags = SIGN_UP, .count = 0});
		ok = ok && is_decision(l.reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE);
		login_end(&l);
	}
	found = key_find("bob", "zero", &info);
	check(ok && found && !(info.flags & VIGIL_KEY_FLAG_CLONED) && (info.flags & VIGIL_KEY_FLAG_ZERO_COUNTER),
	      "2 local: a key whose counter is always 0 is allowed three times, never retired, and noted as "
	      "counting nothing (flags 0x%x)",
	      info.flags);
}

/* 2. UV required by the configuration. */
static void part_uv(void)
{
	struct login l;

	daemon_start("uv", "user_verification = yes\n[lockout]\ndeny = 100\nsource_max = 1000\n");
	if (!enroll_ok("carol", "pin", &kc, SIGN_UP | SIGN_UV)) {
		check(false, "2 uv: enrolling carol's key with UV");
		daemon_stop();
		return;
	}
	login_begin(&l, "carol", "su", NULL);
	check(fido2_prompt(&l) && l.reply->u.prompt.uv == 1, "2 uv: the prompt asks for user verification (got %s)",
	      said(l.reply));
	login_end(&l);
	negative("2 uv: UV missing while user_verification = yes", "carol",
	         (struct touch){.signer = &kc, .flags = SIGN_UP, .count = 1}, "no_verification");
	login_begin(&l, "carol", "su", NULL);
	if (fido2_prompt(&l))
		login_touch(&l, &(struct touch){.signer = &kc, .flags = SIGN_UP | SIGN_UV, .count = 1});
	check(is_decision(l.reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE),
	      "2 uv: with UP and UV it is allowed (got %s)", said(l.reply));
	login_end(&l);
	daemon_stop();
}

/* 3 and 4. Remote logins; a key that was not used. */
static void part_paths(void)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	struct login l;
	long mark;
	bool ok = true;
	int fd;

	daemon_start("paths", "[lockout]\ndeny = 5\n");
	if (!enroll_ok("erin", "key", &ke, SIGN_UP) || !enroll_ok("frank", "key", &kf, SIGN_UP))
		die("enrolling erin's and frank's keys");
	totp_enroll("erin");

	login_begin(&l, "erin", "sshd", "198.51.100.7");
	check(l.reply->type == VIGIL_MSG_PROMPT && l.reply->u.prompt.kind == VIGIL_PROMPT_TOTP &&
	          !(l.reply->u.prompt.methods & VIGIL_METHOD_BIT(VIGIL_FACTOR_FIDO2)),
	      "3 remote: erin (key and TOTP) over sshd gets a code prompt, no FIDO2 (got %s)", said(l.reply));
	login_end(&l);
	mark = log_size();
	login_begin(&l, "frank", "sshd", "198.51.100.7");
	check(is_decision(l.reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_NO_USABLE_FACTOR) &&
	          log_has(mark, "VIGIL_USER=frank ", "VIGIL_REASON=no_usable_factor", NULL),
	      "3 remote: frank (key only) over sshd is denied no_usable_factor, audited (got %s)", said(l.reply));
	login_end(&l);
	/* A local login with an address is remote too. */
	login_begin(&l, "frank", "su", "198.51.100.8");
	check(!fido2_prompt(&l), "3 remote: su with an rhost is not offered the key either (got %s)", said(l.reply));
	login_end(&l);

	login_begin(&l, "erin", "su", NULL);
	check(fido2_prompt(&l) && (l.reply->u.prompt.methods & VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP)),
	      "4 no device: erin's local login: a FIDO2 prompt whose methods include TOTP (got %s)", said(l.reply));
	login_touch(&l, &(struct touch){.status = VIGIL_FIDO2_NO_DEVICE});
	check(l.reply->type == VIGIL_MSG_PROMPT && l.reply->u.prompt.kind == VIGIL_PROMPT_TOTP &&
	          l.reply->u.prompt.why == VIGIL_WHY_FALLBACK,
	      "4 no device: NO_DEVICE gets a TOTP prompt, why FALLBACK (got %s)", said(l.reply));
	login_end(&l);

	for (int i = 0; i < 6; i++) {
		mark = log_size();
		login_begin(&l, "frank", "su", NULL);
		if (fido2_prompt(&l))
			login_touch(&l, &(struct touch){.status = VIGIL_FIDO2_NO_DEVICE});
		ok = ok && is_decision(l.reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_KEY_NOT_USED) &&
		     log_has(mark, "VIGIL_USER=frank ", "VIGIL_RESULT=no_device", NULL);
		if (!ok)
			fprintf(stderr, "# frank's NO_DEVICE %d: %s\n", i, said(l.reply));
		login_end(&l);
	}
	check(ok, "4 no device: frank (key only): NO_DEVICE six times is denied key_not_used each time, audited");
	fd = conn_open(D.pub);
	req->type = VIGIL_MSG_STATUS_QUERY;
	snprintf(req->u.user.user, sizeof(req->u.user.user), "frank");
	call(fd, req, reply);
	close(fd);
	check(reply->type == VIGIL_MSG_STATUS_REPORT && reply->u.report.locked_until == 0,
	      "4 no device: frank is not locked after them (lockout deny = 5)");
	login_begin(&l, "frank", "su", NULL);
	check(fido2_prompt(&l) && l.reply->u.prompt.attempts_left == 5,
	      "4 no device: his next prompt says 5 attempts left: no failure counted (got %s, %u left)", said(l.reply),
	      l.reply->u.prompt.attempts_left);
	if (fido2_prompt(&l))
		login_touch(&l, &(struct touch){.signer = &kf, .flags = SIGN_UP, .count = 1});
	check(is_decision(l.reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE),
	      "4 no device: and his login with the key is allowed (got %s)", said(l.reply));
	login_end(&l);
	daemon_stop();
	msg_free(req);
	msg_free(reply);
}

/* 5. Everything strong, fido2 only. */
static void part_strong(void)
{
	struct login l;

	daemon_start("strong", "[policy]\nstrong_at = 1\nstrong_methods = fido2\n");
	totp_enroll("gina");
	if (!enroll_ok("hank", "key", &kh, SIGN_UP))
		die("enrolling hank's key");
	login_begin(&l, "gina", "su", NULL);
	check(is_decision(l.reply, VIGIL_OUTCOME_DENY, VIGIL_REASON_NO_USABLE_FACTOR),
	      "5 strong: a TOTP-only user is denied no_usable_factor (got %s)", said(l.reply));
	login_end(&l);
	login_begin(&l, "hank", "su", NULL);
	check(fido2_prompt(&l) && prompt_names(&l, &kh) &&
	          !(l.reply->u.prompt.methods & VIGIL_METHOD_BIT(VIGIL_FACTOR_TOTP)),
	      "5 strong: a key user gets the FIDO2 prompt (got %s)", said(l.reply));
	login_touch(&l, &(struct touch){.signer = &kh, .flags = SIGN_UP, .count = 1});
	check(is_decision(l.reply, VIGIL_OUTCOME_ALLOW, VIGIL_REASON_NONE),
	      "5 strong: and the key's answer allows (got %s)", said(l.reply));
	login_end(&l);
	daemon_stop();
}

int main(void)
{
	tmp = getenv("VT_TMP");
	vigild_bin = getenv("VT_VIGILD");
	if (!tmp || !vigild_bin)
		die("VT_TMP and VT_VIGILD must be set (run tests/daemon/fido2_flow.sh)");
	softkey_new(&ka, -7, 1);
	softkey_new(&kb, -8, 2);
	softkey_new(&kz, -8, 3);
	softkey_new(&kc, -7, 4);
	softkey_new(&ke, -7, 5);
	softkey_new(&kf, -8, 6);
	softkey_new(&kh, -7, 7);
	softkey_new(&kother, -7, 8);

	daemon_start("main", "[lockout]\ndeny = 100\nsource_max = 1000\n");
	part_enroll();
	part_local();
	daemon_stop();
	part_enroll_none();
	part_uv();
	part_paths();
	part_strong();

	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

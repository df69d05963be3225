/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A client of a real vigild for tests/daemon/durability.sh: step-ups whose
 * code it computes from a seed file (0600, kept by the test), known-device
 * logins in a row, step-ups by several users released together (group
 * commit), and a line-driven mode that keeps connections open between
 * commands so that the test can look at the database while a login waits
 * for its account phase.  It speaks the protocol through lib/ like the
 * module and trusts the daemon no more: client_connect() checks the socket
 * and its peer (uid 0).  Seeds and codes are wiped after use and never
 * printed; a prompt is reported by its kind only.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "client.h"
#include "parse.h"
#include "proto.h"
#include "wipe.h"

#define DEADLINE_MS  10000
#define GROUP_MAX    32
#define SLOTS        8
#define TOTP_PERIOD  30
#define TOTP_DIGITS  6
#define SEED_B32_MAX 128
/* The public key every login presents (the daemon only fingerprints it). */
#define KEY_BLOB "AAAAC3NzaC1lZDI1NTE5AAAAIHJGUR3+mniu8Fx1UOseYdwJ9TYLoC1JU3/EBnjNT+12"

static struct vigil_msg *msg_new(void)
{
	return calloc(1, sizeof(struct vigil_msg));
}

static void msg_free(struct vigil_msg *m)
{
	wipe_free(m, sizeof(*m));
}

static const char *decision_word(const struct vigil_msg *m)
{
	return m->u.decision.outcome == VIGIL_OUTCOME_ALLOW ? "allow" : "deny";
}

/* A login request as sshd's module sends it after publickey. */
static int login_fill(struct vigil_msg *m, uint8_t type, const char *user, const char *rhost, const char *login_id)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (strlen(user) > VIGIL_USER_MAX || strlen(rhost) >= sizeof(m->u.login.rhost) ||
	    strlen(login_id) > VIGIL_LOGIN_ID_MAX)
		return -E2BIG;
	strcpy(m->u.login.user, user);
	strcpy(m->u.login.rhost, rhost);
	strcpy(m->u.login.login_id, login_id);
	strcpy(m->u.login.service, "sshd");
	strcpy(m->u.login.tty, "ssh");
	strcpy(m->u.login.ssh_auth_info, "publickey ssh-ed25519 " KEY_BLOB "\n");
	m->u.login.pid = (uint32_t)getpid();
	return 0;
}

/* The code of time step k (time k * 30) from the base32 seed in path, which
 * must be a regular file of ours, not readable by others. */
static int code_at(const char *path, uint64_t k, char *out)
{
	char b32[SEED_B32_MAX + 1];
	char *secret = NULL;
	size_t secret_len = 0, n = 0;
	struct stat st;
	ssize_t got;
	int fd, r;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return -EPERM;
	}
	while (n < SEED_B32_MAX && (got = read(fd, b32 + n, SEED_B32_MAX - n)) > 0)
		n += (size_t)got;
	close(fd);
	while (n > 0 && (b32[n - 1] == '\n' || b32[n - 1] == '\r'))
		n--;
	b32[n] = '\0';
	if (n == 0 || oath_base32_decode(b32, n, &secret, &secret_len) != OATH_OK) {
		r = -EBADMSG;
		goto out;
	}
	r = oath_totp_generate(secret, secret_len, (time_t)(k * TOTP_PERIOD), TOTP_PERIOD, 0, TOTP_DIGITS, out) ==
	            OATH_OK
	        ? 0
	        : -EINVAL;
out:
	WIPE_ARRAY(b32);
	if (secret)
		wipe_free(secret, secret_len);
	return r;
}

static int call(int fd, uint32_t id, const struct vigil_msg *req, struct vigil_msg *reply)
{
	return client_call(fd, id, req, reply, clock_now_ms() + DEADLINE_MS);
}

/* AUTH_BEGIN; if prompted for a code, ready (if >= 0) is written a byte and
 * go (if >= 0) is read until end of file before the code is sent.  Prints
 * "TAG decision allow|deny reason=R id=ID", "TAG prompt-again" (a refused
 * code asked for again) or "TAG error E"; 0 for an allowed decision.  With
 * account, the account phase follows on the same connection and prints
 * "TAG account allow|deny reason=R". */
static int stepup(const char *sock, const char *tag, const char *user, const char *rhost, const char *seed, uint64_t k,
                  bool account, int ready, int go)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	char code[TOTP_DIGITS + 1] = "", id[VIGIL_LOGIN_ID_MAX + 1] = "";
	int fd = -1, r = -ENOMEM;
	uint32_t rid = 1;

	if (!req || !reply)
		goto out;
	if ((r = client_connect(sock, 0, clock_now_ms() + DEADLINE_MS, &fd)) < 0 ||
	    (r = login_fill(req, VIGIL_MSG_AUTH_BEGIN, user, rhost, "")) < 0 || (r = call(fd, rid++, req, reply)) < 0)
		goto out;
	if (reply->type == VIGIL_MSG_PROMPT) {
		char b;

		if (reply->u.prompt.kind != VIGIL_PROMPT_TOTP) {
			r = -EPROTO;
			goto out;
		}
		if (ready >= 0 && write(ready, "r", 1) != 1) {
			r = -EIO;
			goto out;
		}
		while (go >= 0 && read(go, &b, 1) > 0)
			;
		memset(req, 0, sizeof(*req));
		req->type = VIGIL_MSG_AUTH_STEP;
		if ((r = code_at(seed, k, code)) < 0)
			goto out;
		memcpy(req->u.answer.answer, code, sizeof(code));
		r = call(fd, rid++, req, reply);
		wipe(req, sizeof(*req));
		if (r < 0)
			goto out;
		if (reply->type == VIGIL_MSG_PROMPT) {
			printf("%s prompt-again\n", tag);
			r = 1;
			goto out;
		}
	}
	if (reply->type != VIGIL_MSG_DECISION) {
		r = -EPROTO;
		goto out;
	}
	snprintf(id, sizeof(id), "%s", reply->u.decision.login_id);
	printf("%s decision %s reason=%s id=%s\n", tag, decision_word(reply), reason_name(reply->u.decision.reason),
	       id[0] ? id : "-");
	fflush(stdout);
	r = reply->u.decision.outcome == VIGIL_OUTCOME_ALLOW ? 0 : 1;
	if (r != 0 || !account)
		goto out;
	if ((r = login_fill(req, VIGIL_MSG_ACCOUNT_CHECK, user, rhost, id)) < 0 ||
	    (r = call(fd, rid++, req, reply)) < 0)
		goto out;
	if (reply->type != VIGIL_MSG_DECISION) {
		r = -EPROTO;
		goto out;
	}
	printf("%s account %s reason=%s\n", tag, decision_word(reply), reason_name(reply->u.decision.reason));
	r = reply->u.decision.outcome == VIGIL_OUTCOME_ALLOW ? 0 : 1;
out:
	if (r < 0)
		printf("%s error %s\n", tag, strerror(-r));
	fflush(stdout);
	WIPE_ARRAY(code);
	if (fd >= 0)
		close(fd);
	msg_free(req);
	msg_free(reply);
	return r;
}

/* n known-device logins of user in a row, each AUTH_BEGIN then
 * ACCOUNT_CHECK on one connection; any prompt or denial is a failure. */
static int cmd_known(const char *sock, const char *user, const char *rhost, const char *count)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	uint64_t n = 0, i, ok = 0;
	int r;

	if ((r = parse_u64(count, 100000, &n)) < 0 || !req || !reply) {
		r = r < 0 ? r : -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		char id[VIGIL_LOGIN_ID_MAX + 1];
		int fd = -1;

		if ((r = client_connect(sock, 0, clock_now_ms() + DEADLINE_MS, &fd)) == 0 &&
		    (r = login_fill(req, VIGIL_MSG_AUTH_BEGIN, user, rhost, "")) == 0 &&
		    (r = call(fd, 1, req, reply)) == 0 && reply->type == VIGIL_MSG_DECISION &&
		    reply->u.decision.outcome == VIGIL_OUTCOME_ALLOW) {
			snprintf(id, sizeof(id), "%s", reply->u.decision.login_id);
			if ((r = login_fill(req, VIGIL_MSG_ACCOUNT_CHECK, user, rhost, id)) == 0 &&
			    (r = call(fd, 2, req, reply)) == 0 && reply->type == VIGIL_MSG_DECISION &&
			    reply->u.decision.outcome == VIGIL_OUTCOME_ALLOW)
				ok++;
		}
		if (fd >= 0)
			close(fd);
	}
	printf("known %llu of %llu allowed\n", (unsigned long long)ok, (unsigned long long)n);
	r = ok == n ? 0 : 1;
out:
	msg_free(req);
	msg_free(reply);
	return r;
}

/* One child per user: each takes its prompt, then all send their codes the
 * moment the parent closes the pipe they wait on.  Prints each child's
 * lines and "group N of M allowed". */
static int cmd_group(const char *sock, const char *rhost, const char *seeddir, uint64_t k, int n, char **users)
{
	int ready[2], go[2], i, ok = 0, status;
	pid_t pids[GROUP_MAX];
	char b;

	if (n <= 0 || n > GROUP_MAX || pipe(ready) < 0 || pipe(go) < 0)
		return -EINVAL;
	fflush(stdout);
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -errno;
		if (pids[i] == 0) {
			char seed[4096];

			close(ready[0]);
			close(go[1]);
			snprintf(seed, sizeof(seed), "%s/%s.b32", seeddir, users[i]);
			_exit(stepup(sock, users[i], users[i], rhost, seed, k, false, ready[1], go[0]) == 0 ? 0 : 1);
		}
	}
	close(ready[1]);
	close(go[0]);
	/* Every child at its prompt (or gone), then all go at once. */
	for (i = 0; i < n && read(ready[0], &b, 1) == 1; i++)
		;
	close(go[1]);
	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &status, 0) == pids[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	close(ready[0]);
	printf("group %d of %d allowed\n", ok, n);
	return 0;
}

/* ---- Commands from stdin, connections kept between them ---- */

static int slot_parse(const char *s, int *ret)
{
	uint64_t v;
	int r;

	if ((r = parse_u64(s, SLOTS - 1, &v)) < 0)
		return r;
	*ret = (int)v;
	return 0;
}

/* One line per command, one line per answer:
 *   connect S                   -> "S connected" | "S error E"
 *   auth S USER RHOST           -> "S decision O reason=R id=ID" | "S prompt" | ...
 *   account S USER RHOST ID     -> "S account O reason=R id=ID" | ...
 *   close S                     -> "S closed"
 * A closed connection shows as "S error ...". */
static int cmd_script(const char *sock)
{
	struct vigil_msg *req = msg_new(), *reply = msg_new();
	int fds[SLOTS], i, r = -ENOMEM;
	uint32_t rid = 1;
	char line[512];

	for (i = 0; i < SLOTS; i++)
		fds[i] = -1;
	if (!req || !reply)
		goto out;
	while (fgets(line, sizeof(line), stdin)) {
		char *argv[6] = {0}, *save = NULL, *t;
		int argc = 0, s = -1;

		for (t = strtok_r(line, " \t\n", &save); t && argc < 6; t = strtok_r(NULL, " \t\n", &save))
			argv[argc++] = t;
		if (argc < 2 || slot_parse(argv[1], &s) < 0) {
			printf("? bad command\n");
			fflush(stdout);
			continue;
		}
		r = 0;
		if (strcmp(argv[0], "connect") == 0 && argc == 2) {
			if (fds[s] >= 0)
				close(fds[s]);
			fds[s] = -1;
			if ((r = client_connect(sock, 0, clock_now_ms() + DEADLINE_MS, &fds[s])) == 0)
				printf("%d connected\n", s);
		} else if (strcmp(argv[0], "close") == 0 && argc == 2) {
			if (fds[s] >= 0)
				close(fds[s]);
			fds[s] = -1;
			printf("%d closed\n", s);
		} else if ((strcmp(argv[0], "auth") == 0 && argc == 4) ||
		           (strcmp(argv[0], "account") == 0 && argc == 5)) {
			bool auth = argv[0][1] == 'u';

			if ((r = login_fill(req, auth ? VIGIL_MSG_AUTH_BEGIN : VIGIL_MSG_ACCOUNT_CHECK, argv[2],
			                    argv[3], auth ? "" : argv[4])) == 0)
				r = fds[s] < 0 ? -ENOTCONN : call(fds[s], rid++, req, reply);
			if (r == 0 && reply->type == VIGIL_MSG_DECISION)
				printf("%d %s %s reason=%s id=%s\n", s, auth ? "decision" : "account",
				       decision_word(reply), reason_name(reply->u.decision.reason),
				       reply->u.decision.login_id[0] ? reply->u.decision.login_id : "-");
			else if (r == 0 && reply->type == VIGIL_MSG_PROMPT)
				printf("%d prompt\n", s);
			else if (r == 0 && reply->type == VIGIL_MSG_RESULT)
				printf("%d result %s\n", s, status_name(reply->u.result.status));
			else if (r == 0)
				printf("%d reply %s\n", s, msg_type_name(reply->type));
		} else {
			printf("%d bad command\n", s);
		}
		if (r < 0)
			printf("%d error %s\n", s, strerror(-r));
		fflush(stdout);
	}
	r = 0;
out:
	for (i = 0; i < SLOTS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	msg_free(req);
	msg_free(reply);
	return r;
}

static int usage(void)
{
	fprintf(stderr, "Usage: durability_client stepup SOCKET USER RHOST SEEDFILE K [account]\n"
	                "       durability_client known SOCKET USER RHOST N\n"
	                "       durability_client group SOCKET RHOST SEEDDIR K USER...\n"
	                "       durability_client script SOCKET   (commands on stdin)\n"
	                "K: the time step whose code is sent (unix time / 30).\n");
	return 2;
}

static int parse_k(const char *s, uint64_t *ret)
{
	return parse_u64(s, UINT32_MAX, ret);
}

int main(int argc, char **argv)
{
	uint64_t k = 0;
	int r;

	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "stepup") == 0 && (argc == 7 || (argc == 8 && strcmp(argv[7], "account") == 0))) {
		if (parse_k(argv[6], &k) < 0)
			return usage();
		r = stepup(argv[2], "stepup", argv[3], argv[4], argv[5], k, argc == 8, -1, -1);
	} else if (strcmp(argv[1], "known") == 0 && argc == 6) {
		r = cmd_known(argv[2], argv[3], argv[4], argv[5]);
	} else if (strcmp(argv[1], "group") == 0 && argc >= 7) {
		if (parse_k(argv[5], &k) < 0)
			return usage();
		r = cmd_group(argv[2], argv[3], argv[4], k, argc - 6, argv + 6);
	} else if (strcmp(argv[1], "script") == 0 && argc == 3) {
		r = cmd_script(argv[2]);
	} else {
		return usage();
	}
	fflush(stdout);
	return r == 0 ? 0 : 1;
}

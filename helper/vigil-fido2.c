/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-fido2: the one program of Vigil that talks to a security key during
 * a login.  pam_vigil.so runs it (see pam/fido2.h: clean environment, every
 * other descriptor closed, as the invoking user under sudo and su) so that
 * sshd, sudo and login never link libfido2 nor parse what a USB device says.
 * It trusts nothing on stdin beyond the protocol below, holds the PIN only
 * while it is used, never writes it anywhere but to the key, and cannot dump
 * core.
 *
 * Protocol: lines of printable ASCII (and UTF-8 in a PIN) ending in "\n", at most FIDO2_LINE_MAX
 * bytes with the newline (lib/fido2_helper.h); anything else ends the run.
 * Binary fields are standard base64 with padding, canonical.
 *
 *   module -> helper, in this order:
 *     rp RPID               1..FIDO2_RP_ID_MAX bytes, no blanks
 *     challenge B64         32 bytes: the client data hash
 *     allow B64             a credential id; 1..FIDO2_ALLOW_MAX such lines
 *     uv 0|1                user verification required
 *     timeout MS            touch wait, 1..FIDO2_TIMEOUT_MAX_MS
 *     end
 *   helper -> module, any number of times:
 *     pin                   the key needs its PIN; the module asks the user
 *                           and answers "pin PIN" (the rest of the line, 1..
 *                           FIDO2_PIN_MAX bytes) or "cancel"
 *     touch                 the key now waits for a touch (may not come)
 *   helper -> module, last:
 *     ok CRED AUTHDATA SIG  the assertion: credential id, authenticator data
 *                           as libfido2 returns it (a CBOR byte string) and
 *                           signature, base64; exit status 0
 *     error STATUS          a word of enum fido2_status; exit status 1
 *                           (2 for a request the helper cannot read)
 *
 * SIGTERM, SIGINT and SIGHUP cancel the touch wait (the key is sent
 * CTAPHID_CANCEL) and end the run with "error cancelled".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "fido2_dev.h"
#include "parse.h"
#include "wipe.h"

enum {
	EXIT_ERROR = 1,
	EXIT_BAD_REQUEST = 2,
};

/* Reads one line from fd 0 into buf (cap bytes) without its newline, a
 * byte at a time so nothing after it is consumed.  Returns its length;
 * -EBADMSG for a byte outside printable ASCII or end of input before the
 * newline; -E2BIG for a line over FIDO2_LINE_MAX or cap. */
static int line_read(char *buf, size_t cap)
{
	size_t n = 0;
	char ch;
	int r;

	for (;;) {
		ssize_t k = read(STDIN_FILENO, &ch, 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : -EBADMSG;
			goto out;
		}
		if (ch == '\n')
			break;
		/* Printable ASCII, and UTF-8 for a PIN. */
		if ((unsigned char)ch < 0x20 || ch == 0x7f) {
			r = -EBADMSG;
			goto out;
		}
		if (n + 1 >= cap || n + 1 >= FIDO2_LINE_MAX) {
			r = -E2BIG;
			goto out;
		}
		buf[n++] = ch;
	}
	buf[n] = '\0';
	r = (int)n;
out:
	wipe(&ch, sizeof(ch));
	return r;
}

static int line_write(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t k = write(STDOUT_FILENO, s, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -EIO;
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Reads "KEY VALUE" and returns VALUE (inside buf), or NULL. */
static const char *field_read(const char *key, char *buf, size_t cap)
{
	size_t n = strlen(key);

	if (line_read(buf, cap) < 0 || strncmp(buf, key, n) != 0 || buf[n] != ' ' || buf[n + 1] == '\0')
		return NULL;
	return buf + n + 1;
}

struct request {
	char rp_id[FIDO2_RP_ID_MAX + 1];
	char challenge[FIDO2_B64_LEN(FIDO2_CHALLENGE_LEN) + 1];
	char allow[FIDO2_ALLOW_MAX][FIDO2_B64_LEN(FIDO2_CRED_ID_MAX) + 1];
	const char *allow_ptr[FIDO2_ALLOW_MAX];
	size_t n_allow;
	bool uv;
	int timeout_ms;
};

/* Reads the request (see the protocol above).  Returns 0; -EBADMSG. */
static int request_read(struct request *req)
{
	static char line[FIDO2_LINE_MAX];
	const char *v;
	uint64_t u;

	if (!(v = field_read("rp", line, sizeof(line))) || strlen(v) > FIDO2_RP_ID_MAX)
		return -EBADMSG;
	strcpy(req->rp_id, v);
	if (!(v = field_read("challenge", line, sizeof(line))) || strlen(v) >= sizeof(req->challenge))
		return -EBADMSG;
	strcpy(req->challenge, v);
	req->n_allow = 0;
	for (;;) {
		if (line_read(line, sizeof(line)) < 0)
			return -EBADMSG;
		if (strncmp(line, "allow ", 6) != 0)
			break;
		if (req->n_allow == FIDO2_ALLOW_MAX || strlen(line + 6) >= sizeof(req->allow[0]))
			return -EBADMSG;
		strcpy(req->allow[req->n_allow], line + 6);
		req->allow_ptr[req->n_allow] = req->allow[req->n_allow];
		req->n_allow++;
	}
	if (req->n_allow == 0 || (strcmp(line, "uv 0") != 0 && strcmp(line, "uv 1") != 0))
		return -EBADMSG;
	req->uv = line[3] == '1';
	if (!(v = field_read("timeout", line, sizeof(line))) || parse_u64(v, FIDO2_TIMEOUT_MAX_MS, &u) < 0 || u < 1)
		return -EBADMSG;
	req->timeout_ms = (int)u;
	if (line_read(line, sizeof(line)) < 0 || strcmp(line, "end") != 0)
		return -EBADMSG;
	return 0;
}

/* ui->pin: asks the module, which asks the user. */
static int pin_from_module(void *userdata, char *buf, size_t cap)
{
	char line[FIDO2_PIN_MAX + 8];
	int r, n;

	if ((r = line_write("pin\n")) < 0)
		goto out;
	if ((n = line_read(line, sizeof(line))) < 0) {
		r = n;
		goto out;
	}
	if (strcmp(line, "cancel") == 0) {
		r = -ECANCELED;
		goto out;
	}
	if (strncmp(line, "pin ", 4) != 0 || n - 4 < 1 || n - 4 > FIDO2_PIN_MAX || (size_t)(n - 4) >= cap) {
		r = -EBADMSG;
		goto out;
	}
	memcpy(buf, line + 4, (size_t)(n - 4) + 1);
	r = 0;
out:
	WIPE_ARRAY(line);
	return r;
}

static void touch_to_module(void *userdata)
{
	(void)line_write("touch\n");
}

static void on_signal(int sig)
{
	fido2_dev_request_cancel();
}

/* No core file, no ptrace by the invoking user, no gaining privileges. */
static int harden(void)
{
	static const struct rlimit zero = {0, 0};
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: the wait is interrupted */

	if (setrlimit(RLIMIT_CORE, &zero) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* A set-id copy would let any user drive this as someone else. */
	if (getuid() != geteuid() || getgid() != getegid())
		return -EPERM;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGHUP, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	static struct request req;
	static struct fido2_assert_res res;
	static char out[FIDO2_LINE_MAX + 1];
	struct fido2_ui ui = {.pin = pin_from_module, .touch = touch_to_module};
	struct fido2_assert_req areq;
	int st;

	if (argc != 1 || harden() < 0 || request_read(&req) < 0) {
		(void)line_write("error internal\n");
		return EXIT_BAD_REQUEST;
	}
	areq = (struct fido2_assert_req){
	    .rp_id = req.rp_id,
	    .challenge_b64 = req.challenge,
	    .allow_b64 = req.allow_ptr,
	    .n_allow = req.n_allow,
	    .uv = req.uv,
	    .timeout_ms = req.timeout_ms,
	};
	st = fido2_dev_assert(&areq, &ui, &res);
	if (st < 0) {
		(void)line_write("error internal\n");
		return EXIT_BAD_REQUEST;
	}
	if (st != FIDO2_OK) {
		snprintf(out, sizeof(out), "error %s\n", fido2_status_name(st));
		(void)line_write(out);
		return EXIT_ERROR;
	}
	snprintf(out, sizeof(out), "ok %s %s %s\n", res.cred_id, res.authdata, res.sig);
	return line_write(out) < 0 ? EXIT_ERROR : 0;
}

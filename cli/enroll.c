/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigilctl totp enroll`: the daemon makes a seed and keeps it pending on
 * this connection (TOTP_ENROLL_BEGIN -> ENROLL_PENDING); we show it as a QR
 * code, a URI and grouped base32, then send the first code from the app
 * (TOTP_ENROLL_CONFIRM) on the same connection until the daemon accepts it or
 * we give up; closing the connection drops the pending seed.  The seed, the
 * URI, the QR text and the codes are secrets: they go to the terminal through
 * write(2) (no stdio buffer keeps a copy) and every buffer that held them is
 * wiped.  A code is read with echo off when stdin is a terminal.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "proof.h"
#include "proto.h"
#include "wipe.h"

#define ENROLL_TRIES 3

/* The terminal settings to put back if a signal arrives while echo is off.
 * Process-wide by nature: a signal handler can reach nothing else. */
static struct termios saved_tty;

static void restore_tty_and_die(int sig)
{
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

int cli_secret_write(const char *s, size_t n)
{
	(void)fflush(stdout);
	while (n > 0) {
		ssize_t k = write(STDOUT_FILENO, s, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

static int write_str(const char *s)
{
	return cli_secret_write(s, strlen(s));
}

/* Replaces control characters (other than newlines when keep_nl) in place. */
static void sanitize(char *s, bool keep_nl)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(keep_nl && *p == '\n')) || *p == 0x7f)
			*p = '?';
}

/* Shows the pending enrollment; the fields are sanitized in place. */
static int show_pending(struct vigil_enroll_pending *p)
{
	char grouped[VIGIL_SECRET_B32_MAX + VIGIL_SECRET_B32_MAX / 4 + 2];
	size_t n = 0;
	int r;

	sanitize(p->qr, true);
	sanitize(p->uri, false);
	sanitize(p->secret_b32, false);
	for (size_t i = 0; p->secret_b32[i]; i++) {
		if (i > 0 && i % 4 == 0)
			grouped[n++] = ' ';
		grouped[n++] = p->secret_b32[i];
	}
	grouped[n++] = '\n';
	grouped[n] = '\0';

	if ((r = write_str("Scan this QR code with your authenticator app:\n\n")) < 0 || (r = write_str(p->qr)) < 0 ||
	    (r = write_str("\nor open this URI:  ")) < 0 || (r = write_str(p->uri)) < 0 ||
	    (r = write_str("\nor type this key:  ")) < 0 || (r = write_str(grouped)) < 0)
		goto out;
	printf("(TOTP, %u digits, a new code every %u seconds)\n\n", (unsigned)p->digits, (unsigned)p->period);
	r = 0;
out:
	WIPE_ARRAY(grouped);
	return r;
}

/* Reads one line from stdin into buf (cap bytes with the NUL), dropping
 * blanks unless keep_blanks (so "123 456" works as a code), one byte at a
 * time so that no stdio buffer keeps the code and later lines stay unread.  Returns the length; -ENODATA at end
 * of input before a newline; -E2BIG for a line too long (consumed). */
static int line_read(char *buf, size_t cap, bool keep_blanks)
{
	size_t n = 0;
	bool too_long = false;
	char ch;

	for (;;) {
		ssize_t k = read(STDIN_FILENO, &ch, 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0) {
			if (n == 0 && !too_long)
				return -ENODATA;
			break;
		}
		if (ch == '\n')
			break;
		if (ch == '\r' || (!keep_blanks && (ch == ' ' || ch == '\t')))
			continue;
		if (n + 1 >= cap)
			too_long = true;
		else
			buf[n++] = ch;
	}
	wipe(&ch, sizeof(ch));
	buf[n] = '\0';
	return too_long ? -E2BIG : (int)n;
}

/* Prints prompt and calls line_read(), with echo off when stdin is a
 * terminal.  Echo goes off before the prompt appears, discarding what was
 * typed ahead (as readpassphrase(3) does), so nothing typed after the prompt
 * is lost or echoed; the terminal is put back even if we are interrupted. */
int cli_secret_read(const char *prompt, char *buf, size_t cap, bool keep_blanks)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa = {.sa_handler = restore_tty_and_die}, old[sizeof(sigs) / sizeof(sigs[0])];
	struct termios quiet;
	bool tty = false;
	int r;

	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		tty = true;
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, &old[i]);
		quiet = saved_tty;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL; /* the user still sees the line end */
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	fputs(prompt, stdout);
	fflush(stdout);
	r = line_read(buf, cap, keep_blanks);
	if (tty) {
		if (r == -ENODATA)
			putchar('\n'); /* no newline was typed, none echoed */
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &old[i], NULL);
	} else {
		/* Nothing echoed the line end: end the prompt's line ourselves. */
		putchar('\n');
	}
	return r;
}

/* Prompts for codes and confirms them on c.  Returns an enum cli_exit. */
static int confirm_loop(struct cli_conn *c, unsigned digits, struct vigil_msg *req, struct vigil_msg *reply)
{
	char prompt[64] = "Enter the code from your app: ";

	if (digits >= 1 && digits <= 10)
		snprintf(prompt, sizeof(prompt), "Enter the %u-digit code from your app: ", digits);
	for (int tries = 1; tries <= ENROLL_TRIES; tries++) {
		int r;

		memset(req, 0, sizeof(*req));
		req->type = VIGIL_MSG_TOTP_ENROLL_CONFIRM;
		r = cli_secret_read(prompt, req->u.answer.answer, sizeof(req->u.answer.answer), false);
		if (r == -ENODATA) {
			fputs("vigilctl: totp enroll: no code entered; TOTP was not enrolled\n", stderr);
			return CLI_EXIT_FAIL;
		}
		if (r < 0 && r != -E2BIG) {
			fprintf(stderr, "vigilctl: totp enroll: cannot read the code: %s\n", strerror(-r));
			return CLI_EXIT_FAIL;
		}
		if (r > 0) {
			r = cli_conn_call(c, req, reply);
			wipe(req, sizeof(*req));
			if (r < 0)
				return cli_conn_exit(r);
			if (reply->type != VIGIL_MSG_RESULT) {
				cli_print_unexpected("totp enroll", reply->type);
				return CLI_EXIT_FAIL;
			}
			if (reply->u.result.status == VIGIL_STATUS_OK) {
				puts("TOTP enrolled.");
				return CLI_EXIT_OK;
			}
			if (reply->u.result.status == VIGIL_STATUS_NO_PENDING) {
				fputs("vigilctl: totp enroll: vigild has no enrollment pending (it expired); start "
				      "again\n",
				      stderr);
				return CLI_EXIT_FAIL;
			}
			if (reply->u.result.status != VIGIL_STATUS_BAD_CODE) {
				cli_print_status("totp enroll", reply->u.result.status, NULL);
				return CLI_EXIT_FAIL;
			}
		}
		/* An empty or over-long line counts as a wrong code. */
		wipe(req, sizeof(*req));
		if (tries < ENROLL_TRIES)
			puts("That code is not valid; try again.");
	}
	fprintf(stderr, "vigilctl: totp enroll: %d wrong codes; TOTP was not enrolled\n", ENROLL_TRIES);
	return CLI_EXIT_FAIL;
}

/* `vigilctl totp remove [--key]`: one fresh code from the app proves the
 * factor it removes; with --key the code is left empty and vigild asks for
 * a proof on the same connection (a touch of a security key, or whatever
 * the user holds).  Returns an enum cli_exit. */
static int totp_remove(const struct cli_opts *o, int argc, char **argv)
{
	struct cli_conn c = {.fd = -1};
	struct vigil_msg *req = NULL, *reply = NULL;
	bool prove = argc == 2 && strcmp(argv[1], "--key") == 0;
	int r = CLI_EXIT_FAIL, err;

	if (argc != 1 && !prove) {
		fputs("vigilctl: usage: vigilctl totp remove [--key]\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_TOTP_REMOVE;
	if (!prove) {
		err = cli_secret_read("Enter a code from your app to remove it: ", req->u.answer.answer,
		                      sizeof(req->u.answer.answer), false);
		if (err <= 0) {
			fputs(err == 0 || err == -ENODATA ? "vigilctl: totp remove: no code entered; nothing removed\n"
			                                  : "vigilctl: totp remove: cannot read the code\n",
			      stderr);
			goto out;
		}
	}
	if ((err = cli_conn_open(&c, o->socket_path, o->timeout_ms)) < 0) {
		r = cli_conn_exit(err);
		goto out;
	}
	/* An empty code asks for a proof: the first answer is PROOF_REQUIRED. */
	err = cli_change_call(&c, req, reply, "", "totp remove");
	wipe(req, sizeof(*req));
	if (err != 0) {
		r = err;
		goto out;
	}
	if (reply->type != VIGIL_MSG_RESULT) {
		cli_print_unexpected("totp remove", reply->type);
		goto out;
	}
	switch (reply->u.result.status) {
	case VIGIL_STATUS_OK:
		puts("TOTP factor removed.");
		r = CLI_EXIT_OK;
		break;
	case VIGIL_STATUS_BAD_CODE:
		fputs("vigilctl: totp remove: that code is not valid (or was already used); nothing removed\n", stderr);
		break;
	case VIGIL_STATUS_NOT_ENROLLED:
		fputs("vigilctl: totp remove: you have no TOTP factor\n", stderr);
		break;
	case VIGIL_STATUS_DENIED:
	case VIGIL_STATUS_LAST_FACTOR:
		fputs("vigilctl: totp remove: this is your last factor; only root removes it "
		      "('vigilctl factor remove --user NAME totp')\n",
		      stderr);
		break;
	case VIGIL_STATUS_LOCKED:
		fputs("vigilctl: totp remove: locked after too many wrong codes; try again later\n", stderr);
		break;
	case VIGIL_STATUS_PROOF_REQUIRED:
		fputs("vigilctl: totp remove: vigild still wants a proof; nothing removed\n", stderr);
		break;
	default:
		cli_print_status("totp remove", reply->u.result.status, NULL);
		break;
	}
out:
	cli_conn_close(&c);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

int verb_totp(const struct cli_opts *o, int argc, char **argv)
{
	struct cli_conn c = {.fd = -1};
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *user = "";
	unsigned digits;
	int r = CLI_EXIT_FAIL, err;

	if (argc >= 2 && strcmp(argv[1], "remove") == 0)
		return totp_remove(o, argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "enroll") != 0) {
		fputs("vigilctl: usage: vigilctl totp enroll [--user NAME] | vigilctl totp remove [--key]\n", stderr);
		return CLI_EXIT_USAGE;
	}
	argc--;
	argv++;
	if (cli_user_option(argc, argv, "vigilctl totp enroll [--user NAME]", &user) < 0)
		return CLI_EXIT_USAGE;

	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_TOTP_ENROLL_BEGIN;
	strcpy(req->u.user.user, user); /* length checked above */
	if ((err = cli_conn_open(&c, o->socket_path, o->timeout_ms)) < 0) {
		r = cli_conn_exit(err);
		goto out;
	}
	if ((r = cli_change_call(&c, req, reply, user, "totp enroll")) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type == VIGIL_MSG_RESULT) {
		if (reply->u.result.status == VIGIL_STATUS_UNKNOWN_USER)
			cli_refused("totp enroll", user, reply->u.result.status, NULL);
		else if (reply->u.result.status == VIGIL_STATUS_ALREADY_ENROLLED)
			fputs("vigilctl: totp enroll: you already have a TOTP factor\n", stderr);
		else if (reply->u.result.status == VIGIL_STATUS_DENIED)
			fputs("vigilctl: totp enroll: enrolling a first factor yourself is closed for this account "
			      "(outside the enrollment window); ask root to run 'vigilctl totp enroll --user NAME'\n",
			      stderr);
		else
			cli_print_status("totp enroll", reply->u.result.status,
			                 reply->u.result.status == VIGIL_STATUS_PERMISSION
			                     ? "only root may enroll for another user"
			                     : NULL);
		goto out;
	}
	if (reply->type != VIGIL_MSG_ENROLL_PENDING) {
		cli_print_unexpected("totp enroll", reply->type);
		goto out;
	}
	digits = reply->u.pending.digits;
	if ((err = show_pending(&reply->u.pending)) < 0) {
		fprintf(stderr, "vigilctl: totp enroll: cannot show the key: %s\n", strerror(-err));
		goto out;
	}
	/* Shown: nothing of the seed needs to stay in memory. */
	wipe(reply, sizeof(*reply));
	r = confirm_loop(&c, digits, req, reply);
out:
	cli_conn_close(&c);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

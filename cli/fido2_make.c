/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigilctl's security key touches (see fido2_make.h).  The PIN lives in one
 * stack buffer of fido2_dev.c's, filled here from the terminal and wiped
 * there; it never reaches stdout, an error or the daemon.  The SIGINT and
 * SIGTERM handlers installed for the touch only ask libfido2's wait to stop
 * (fido2_dev_request_cancel) and are removed afterwards.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fido2_make.h"
#include "wipe.h"

#define ENROLL_USAGE "vigilctl key enroll [--user NAME] [--name NAME] [--uv] [--resident]"
#define KEY_NAME_MAX 63

int cli_key_enroll_args(int argc, char **argv, struct cli_key_enroll_opts *ret)
{
	static const struct option longopts[] = {
	    {"user", required_argument, NULL, 'U'},
	    {"name", required_argument, NULL, 'n'},
	    {"uv", no_argument, NULL, 'u'},
	    {"resident", no_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_key_enroll_opts o = {.name = NULL};
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'U':
			if (o.user || optarg[0] == '\0' || strlen(optarg) > VIGIL_USER_MAX)
				goto usage;
			o.user = optarg;
			break;
		case 'n':
			if (o.name || optarg[0] == '\0' || strlen(optarg) > KEY_NAME_MAX)
				goto usage;
			o.name = optarg;
			break;
		case 'u':
			o.uv = true;
			break;
		case 'r':
			o.resident = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	*ret = o;
	return 0;
usage:
	fprintf(stderr, "vigilctl: usage: %s\n", ENROLL_USAGE);
	return -EINVAL;
}

const char *cli_fido2_status_text(int status)
{
	switch (status) {
	case FIDO2_OK:
		return "done";
	case FIDO2_NO_DEVICE:
		return "no security key found";
	case FIDO2_TIMEOUT:
		return "the security key was not touched in time";
	case FIDO2_PIN_REQUIRED:
		return "the security key needs its PIN";
	case FIDO2_PIN_INVALID:
		return "wrong PIN";
	case FIDO2_PIN_BLOCKED:
		return "the security key's PIN is blocked (too many wrong PINs: unplug it, or reset it)";
	case FIDO2_NO_CREDENTIAL:
		return "this security key is not one of yours";
	case FIDO2_UV_UNSUPPORTED:
		return "user verification needs a PIN on the key (set one with fido2-token -S) or built-in "
		       "verification";
	case FIDO2_CANCELLED:
		return "cancelled";
	case FIDO2_EXCLUDED:
		return "this security key is already enrolled";
	default:
		return "the security key operation failed";
	}
}

static int pin_from_tty(void *userdata, char *buf, size_t cap)
{
	int n = cli_secret_read("Security key PIN: ", buf, cap, true);

	if (n == -ENODATA || n == 0)
		return -ECANCELED;
	return n < 0 ? n : 0;
}

static void touch_note(void *userdata)
{
	fputs("Touch your security key.\n", stderr);
	fflush(stderr);
}

static void on_signal(int sig)
{
	fido2_dev_request_cancel();
}

/* The handlers that turn Ctrl-C into a cancel on the key, for the time of
 * one operation.  No SA_RESTART: the signal must interrupt libfido2's wait. */
struct sig_saved {
	struct sigaction old_int, old_term;
};

static void sig_cancel_on(struct sig_saved *s)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &s->old_int);
	sigaction(SIGTERM, &sa, &s->old_term);
}

static void sig_cancel_off(const struct sig_saved *s)
{
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
}

static int report(int st)
{
	if (st < 0)
		fprintf(stderr, "vigilctl: security key: bad request from vigild\n");
	else if (st != FIDO2_OK)
		fprintf(stderr, "vigilctl: security key: %s\n", cli_fido2_status_text(st));
	return st;
}

int cli_fido2_make(const struct fido2_make_req *req, struct fido2_make_res *ret)
{
	const struct fido2_ui ui = {.pin = pin_from_tty, .touch = touch_note};
	struct sig_saved saved;
	int st;

	sig_cancel_on(&saved);
	st = fido2_dev_make(req, &ui, ret);
	sig_cancel_off(&saved);
	return report(st);
}

int cli_fido2_assert(const struct fido2_assert_req *req, struct fido2_assert_res *ret)
{
	const struct fido2_ui ui = {.pin = pin_from_tty, .touch = touch_note};
	struct sig_saved saved;
	int st;

	sig_cancel_on(&saved);
	st = fido2_dev_assert(req, &ui, ret);
	sig_cancel_off(&saved);
	return report(st);
}

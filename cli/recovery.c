/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigilctl recovery generate`: a new set of single-use recovery codes,
 * which voids any earlier set.  vigild asks for a proof first (proof.h) and
 * sends the codes once; they are secrets: shown through write(2) so no stdio
 * buffer keeps them, and every buffer that held them is wiped.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "proof.h"
#include "wipe.h"

#define RECOVERY_USAGE "vigilctl recovery generate [--user NAME]"

static int say(const char *s)
{
	return cli_secret_write(s, strlen(s));
}

/* Shows the codes, two to a line.  Returns 0 or a negative errno. */
static int codes_show(const struct vigil_recovery_codes *rc)
{
	char line[2 * (VIGIL_RECOVERY_CODE_MAX + 4) + 2];
	int r = 0;

	if ((r = say("Your recovery codes, shown once.  Each works once, at a login's code prompt;\n"
	             "generating new codes voids these.\n\n")) < 0)
		goto out;
	for (size_t i = 0; i < rc->n_codes && i < VIGIL_RECOVERY_CODES; i++) {
		int n;

		/* Printable ASCII only: a code is the daemon's, but goes to a
		 * terminal. */
		for (const char *p = rc->codes[i].code; *p; p++)
			if (*p < 0x21 || *p > 0x7e) {
				fputs("vigilctl: recovery generate: vigild sent a malformed code\n", stderr);
				r = -1;
				goto out;
			}
		n = snprintf(line, sizeof(line), "  %s%s", rc->codes[i].code, i % 2 == 1 ? "\n" : "");
		if ((r = cli_secret_write(line, (size_t)n)) < 0)
			goto out;
	}
	if (rc->n_codes % 2 == 1 && (r = say("\n")) < 0)
		goto out;
	r = say("\nKeep them apart from this computer, where you would look after losing your keys.\n");
out:
	WIPE_ARRAY(line);
	return r;
}

int verb_recovery(const struct cli_opts *o, int argc, char **argv)
{
	static const char what[] = "recovery generate";
	struct cli_conn c = {.fd = -1};
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *user = "";
	int r = CLI_EXIT_FAIL, err;

	if (argc < 2 || strcmp(argv[1], "generate") != 0) {
		fputs("vigilctl: usage: " RECOVERY_USAGE "\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_user_option(argc - 1, argv + 1, RECOVERY_USAGE, &user) < 0)
		return CLI_EXIT_USAGE;
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_RECOVERY_GENERATE;
	snprintf(req->u.user.user, sizeof(req->u.user.user), "%s", user);
	if ((err = cli_conn_open(&c, o->socket_path, o->timeout_ms)) < 0) {
		r = cli_conn_exit(err);
		goto out;
	}
	if ((r = cli_change_call(&c, req, reply, user, what)) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type == VIGIL_MSG_RESULT) {
		switch (reply->u.result.status) {
		case VIGIL_STATUS_NOT_ENROLLED:
			fputs(
			    "vigilctl: recovery generate: recovery codes back up a TOTP app or a security key; enroll "
			    "one first\n",
			    stderr);
			break;
		case VIGIL_STATUS_PERMISSION:
			cli_print_status(what, reply->u.result.status, "only root may act for another user");
			break;
		case VIGIL_STATUS_LIMIT:
			/* vigild makes only so many sets a minute, for all users
			 * together (each costs it half a second): none was made. */
			fputs("vigilctl: recovery generate: vigild is making too many sets of recovery codes right "
			      "now; nothing changed; try again in a minute\n",
			      stderr);
			break;
		default:
			cli_refused(what, user, reply->u.result.status, NULL);
			break;
		}
		goto out;
	}
	if (reply->type != VIGIL_MSG_RECOVERY_CODES) {
		cli_print_unexpected(what, reply->type);
		goto out;
	}
	if ((err = codes_show(&reply->u.recovery)) < 0) {
		if (err != -1)
			fprintf(stderr, "vigilctl: recovery generate: cannot show the codes: %s\n", strerror(-err));
		goto out;
	}
	r = CLI_EXIT_OK;
out:
	cli_conn_close(&c);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

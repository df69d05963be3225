/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigilctl: the command line client of vigild.  Users look at their own state
 * and enroll their own factors; root may name another user and unlock
 * accounts through the admin socket.  It is a client like pam_vigil.so: it
 * never opens the database, holds no policy, and trusts the daemon only once
 * lib/client.c has checked that root owns the socket and answers on it.  The
 * daemon decides what a caller may do (from SO_PEERCRED), not this program.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "parse.h"

#define DEFAULT_TIMEOUT_S 10
#define MAX_TIMEOUT_S     3600

static void help(void)
{
	printf("Usage: vigilctl [OPTIONS] COMMAND [ARGS]\n"
	       "\n"
	       "Talk to vigild, the Vigil login risk daemon.\n"
	       "\n"
	       "Commands:\n"
	       "  status [--user NAME] [--json]  show lockout, factors, known devices, sources\n"
	       "                             and recent logins\n"
	       "  totp enroll [--user NAME]  enroll an authenticator app (shows a QR code,\n"
	       "                             then asks for a code from the app)\n"
	       "  unlock [--user] NAME       clear NAME's lockout (admin socket, root only)\n"
	       "  unlock --source ADDR       forget the failed codes from ADDR (an address,\n"
	       "                             or uid=N for a local caller; root only)\n"
	       "  totp remove [--key]        remove your own TOTP factor (asks a fresh code;\n"
	       "                             --key: prove with a security key instead)\n"
	       "  key enroll [--user NAME] [--name NAME] [--uv] [--resident]\n"
	       "                             enroll a security key touched on this host\n"
	       "  key add-ssh [--user NAME] [--name NAME] FILE|-\n"
	       "                             add an OpenSSH security key (sk-*.pub)\n"
	       "  key list [--user NAME] [--json]\n"
	       "                             security keys and recovery codes left\n"
	       "  key rename [--user NAME] OLD NEW\n"
	       "  key remove [--user NAME] NAME\n"
	       "  recovery generate [--user NAME]\n"
	       "                             ten single-use recovery codes, shown once\n"
	       "                             (voids the earlier ones)\n"
	       "  Changing factors asks you to prove one you hold first (a touch of a\n"
	       "  security key, or a code).\n"
	       "  factor remove --user NAME totp|recovery|key:NAME\n"
	       "                             remove a factor of NAME (lost phone or key; root)\n"
	       "  device forget --user NAME FINGERPRINT\n"
	       "  source forget --user NAME ADDR\n"
	       "                             forget a known device or source of NAME (root)\n"
	       "  explain LOGIN_ID           why a login was decided as it was (root)\n"
	       "  simulate --user NAME --service NAME [--rhost ADDR] [--key FILE] [--tty TTY]\n"
	       "                             the decision such a login would get now,\n"
	       "                             writing nothing (root)\n"
	       "  reload                     reload vigild's configuration (root)\n"
	       "\n"
	       "Admin commands (admin socket, root only; none changes anything):\n"
	       "  users [--json]             users vigild knows: factors, last login, lockout\n"
	       "  sessions [--user NAME] [--json]\n"
	       "                             open sessions (root: everyone's; a user: its own)\n"
	       "  session end ID | session end --user NAME\n"
	       "                             end a session (its owner or root), or all of NAME's\n"
	       "  user suspend NAME | user resume NAME\n"
	       "                             deny NAME's logins and end its sessions; undo (root)\n"
	       "  user show NAME [--json]    one user: factors, devices, sources, grants and\n"
	       "                             the last 32 logins with decision and reason\n"
	       "  history [--user NAME] [--service S] [--decision allow|deny|shadow|learn]\n"
	       "          [--since DATE|DURATION] [--limit N] [--json]\n"
	       "                             logins, newest first (default limit 20)\n"
	       "  daemon [--json]            uptime, version, counters, audit queue, database\n"
	       "  config [--json]            the effective configuration, each value with\n"
	       "                             the file:line it came from\n"
	       "  report [--since DATE|DURATION] [--json]\n"
	       "                             what enforcement would have decided of the\n"
	       "                             logins since then (learn and shadow roll-out):\n"
	       "                             per decision, reason, service and user\n"
	       "\n"
	       "  Without --user a command acts on the calling user.  vigild honours\n"
	       "  --user NAME for another user only when the caller is root.\n"
	       "\n"
	       "Options:\n"
	       "  --socket PATH        public socket (default %s)\n"
	       "  --admin-socket PATH  admin socket (default %s)\n"
	       "  --timeout SECONDS    wait at most this long for each answer (default %d)\n"
	       "  -h, --help           show this help and exit\n"
	       "  --version            show the version and exit\n"
	       "\n"
	       "Exit status:\n"
	       "  0  success\n"
	       "  1  refused or not found (no such user, nothing to unlock), wrong codes,\n"
	       "     or vigild failed\n"
	       "  2  usage error\n"
	       "  3  vigild unreachable (no socket, nobody listening, no or a bad answer)\n",
	       VIGIL_DEFAULT_SOCKET, VIGIL_DEFAULT_RUNTIME_DIR "/" VIGIL_ADMIN_SOCKET_NAME, DEFAULT_TIMEOUT_S);
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "vigilctl: %s\nTry 'vigilctl --help'.\n", msg);
	return CLI_EXIT_USAGE;
}

/* One admin unlock: of a user (type ADMIN_UNLOCK) or of a source
 * (ADMIN_UNLOCK_SOURCE), name already checked against its limit.  what is
 * how the answer names it: "" for a user, "source " for a source. */
static int unlock_call(const struct cli_opts *o, uint8_t type, const char *name, const char *what)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	int r = CLI_EXIT_FAIL;

	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = type;
	strcpy(req->u.user.user, name); /* length checked by the caller */
	if ((r = cli_request(o->admin_socket_path, o->timeout_ms, req, reply)) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type != VIGIL_MSG_RESULT) {
		cli_print_unexpected("unlock", reply->type);
		goto out;
	}
	if (reply->u.result.status == VIGIL_STATUS_NOT_FOUND) {
		/* Neither locked nor charged a failure: nothing was lifted,
		 * and saying "Unlocked" would be a lie. */
		fputs(what[0] ? "Source " : "", stdout);
		cli_put_safe(stdout, name);
		fputs(" was not locked\n", stdout);
		goto out;
	}
	if (reply->u.result.status != VIGIL_STATUS_OK) {
		cli_refused("unlock", what[0] ? NULL : name, reply->u.result.status,
		            reply->u.result.status == VIGIL_STATUS_PERMISSION ? "the admin socket is for root" : NULL);
		goto out;
	}
	fprintf(stdout, "Unlocked %s", what);
	cli_put_safe(stdout, name);
	fputs(what[0] ? "\n" : ".\n", stdout);
	r = CLI_EXIT_OK;
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

/* unlock --source ADDR: lifts the failures charged to one source. */
static int unlock_source(const struct cli_opts *o, const char *source)
{
	size_t n = strlen(source);

	if (n == 0 || n > VIGIL_ADDR_MAX) {
		fprintf(stderr, "vigilctl: invalid source (1 to %d bytes: an address, or uid=N)\n", VIGIL_ADDR_MAX);
		return CLI_EXIT_USAGE;
	}
	return unlock_call(o, VIGIL_MSG_ADMIN_UNLOCK_SOURCE, source, "source ");
}

int verb_unlock(const struct cli_opts *o, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--source") == 0)
		return unlock_source(o, argv[2]);
	if (argc == 2 && strncmp(argv[1], "--source=", 9) == 0)
		return unlock_source(o, argv[1] + 9);
	/* "unlock --user NAME" is "unlock NAME", as the other admin verbs
	 * name their user. */
	if (argc == 3 && strcmp(argv[1], "--user") == 0) {
		argv++;
		argc--;
	} else if (argc == 2 && strncmp(argv[1], "--user=", 7) == 0) {
		argv[1] += 7;
	}
	if (argc != 2 || argv[1][0] == '-' || !argv[1][0])
		return usage_error("usage: vigilctl unlock [--user] NAME | vigilctl unlock --source ADDR");
	if (cli_check_user(argv[1]) < 0)
		return CLI_EXIT_USAGE;
	return unlock_call(o, VIGIL_MSG_ADMIN_UNLOCK, argv[1], "");
}

int main(int argc, char **argv)
{
	enum { OPT_SOCKET = 256, OPT_ADMIN_SOCKET, OPT_TIMEOUT, OPT_VERSION };
	static const struct option options[] = {
	    {"socket", required_argument, NULL, OPT_SOCKET},
	    {"admin-socket", required_argument, NULL, OPT_ADMIN_SOCKET},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	struct cli_opts o = {
	    .socket_path = VIGIL_DEFAULT_SOCKET,
	    .admin_socket_path = VIGIL_DEFAULT_RUNTIME_DIR "/" VIGIL_ADMIN_SOCKET_NAME,
	    .timeout_ms = DEFAULT_TIMEOUT_S * 1000,
	};
	const char *verb;
	uint64_t secs;
	int c;

	/* Only to know which characters the terminal can print. */
	(void)setlocale(LC_CTYPE, "");

	/* '+': options after the command belong to the command. */
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case OPT_SOCKET:
			o.socket_path = optarg;
			break;
		case OPT_ADMIN_SOCKET:
			o.admin_socket_path = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_u64(optarg, MAX_TIMEOUT_S, &secs) < 0 || secs == 0)
				return usage_error("--timeout wants a number of seconds from 1 to 3600");
			o.timeout_ms = (int64_t)secs * 1000;
			break;
		case 'h':
			help();
			return CLI_EXIT_OK;
		case OPT_VERSION:
			printf("vigilctl %s\n", PACKAGE_VERSION);
			return CLI_EXIT_OK;
		default:
			fputs("Try 'vigilctl --help'.\n", stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("no command given");
	verb = argv[optind];
	argc -= optind;
	argv += optind;
	/* Each verb parses its own options from a fresh start. */
	optind = 0;
	if (strcmp(verb, "status") == 0)
		return verb_status(&o, argc, argv);
	if (strcmp(verb, "totp") == 0)
		return verb_totp(&o, argc, argv);
	if (strcmp(verb, "unlock") == 0)
		return verb_unlock(&o, argc, argv);
	if (strcmp(verb, "key") == 0)
		return verb_key(&o, argc, argv);
	if (strcmp(verb, "recovery") == 0)
		return verb_recovery(&o, argc, argv);
	if (strcmp(verb, "factor") == 0)
		return verb_factor(&o, argc, argv);
	if (strcmp(verb, "device") == 0)
		return verb_device(&o, argc, argv);
	if (strcmp(verb, "source") == 0)
		return verb_source(&o, argc, argv);
	if (strcmp(verb, "explain") == 0)
		return verb_explain(&o, argc, argv);
	if (strcmp(verb, "simulate") == 0)
		return verb_simulate(&o, argc, argv);
	if (strcmp(verb, "reload") == 0)
		return verb_reload(&o, argc, argv);
	if (strcmp(verb, "users") == 0)
		return verb_users(&o, argc, argv);
	if (strcmp(verb, "user") == 0)
		return verb_user(&o, argc, argv);
	if (strcmp(verb, "history") == 0)
		return verb_history(&o, argc, argv);
	if (strcmp(verb, "daemon") == 0)
		return verb_daemon(&o, argc, argv);
	if (strcmp(verb, "config") == 0)
		return verb_config(&o, argc, argv);
	if (strcmp(verb, "report") == 0)
		return verb_report(&o, argc, argv);
	if (strcmp(verb, "sessions") == 0)
		return verb_sessions(&o, argc, argv);
	if (strcmp(verb, "session") == 0)
		return verb_session(&o, argc, argv);
	if (strcmp(verb, "help") == 0) {
		help();
		return CLI_EXIT_OK;
	}
	fprintf(stderr, "vigilctl: unknown command '%s'\nTry 'vigilctl --help'.\n", verb);
	return CLI_EXIT_USAGE;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigilctl key ...`: security keys touched on this host (enroll) and
 * OpenSSH security keys (add-ssh), listed, renamed and removed.  A change is
 * sent on one connection that also carries the proof vigild may ask for
 * (proof.h); the daemon decides who may change whose keys.  Names, ids and
 * messages from the daemon are printed through cli_put_safe(): a key's name
 * is chosen by its user, and root reads other users' lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fido2_make.h"
#include "json.h"
#include "proof.h"
#include "proto.h"
#include "wipe.h"

#define KEY_USAGE                                                                                                      \
	"vigilctl key enroll [--user NAME] [--name NAME] [--uv] [--resident]\n"                                        \
	"       vigilctl key add-ssh [--user NAME] [--name NAME] FILE|-\n"                                             \
	"       vigilctl key list [--user NAME] [--json]\n"                                                            \
	"       vigilctl key rename [--user NAME] OLD NEW\n"                                                           \
	"       vigilctl key remove [--user NAME] NAME"

static int usage(const char *u)
{
	fprintf(stderr, "vigilctl: usage: %s\n", u);
	return CLI_EXIT_USAGE;
}

static int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > VIGIL_KEY_NAME_MAX) {
		fprintf(stderr, "vigilctl: invalid key name (1 to %d bytes)\n", VIGIL_KEY_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

/* Says why vigild refused what (about key name, may be NULL).  Returns
 * CLI_EXIT_FAIL. */
static int key_refused(const char *what, const char *user, const char *name, const struct vigil_result *res)
{
	fprintf(stderr, "vigilctl: %s: ", what);
	switch (res->status) {
	case VIGIL_STATUS_BAD_KEY:
		fputs("key refused: ", stderr);
		cli_put_safe(stderr, res->message[0] ? res->message : "vigild gave no reason");
		break;
	case VIGIL_STATUS_EXISTS:
		fputs("a key with that name, or this very key, is enrolled already", stderr);
		break;
	case VIGIL_STATUS_LIMIT:
		fprintf(stderr, "%d keys are enrolled already (remove one first)", VIGIL_KEYS_MAX);
		break;
	case VIGIL_STATUS_NOT_FOUND:
		fputs("no such key", stderr);
		if (name) {
			fputs(": ", stderr);
			cli_put_safe(stderr, name);
		}
		break;
	case VIGIL_STATUS_LAST_FACTOR:
		fputs("this is the last factor; only root removes it ('vigilctl key remove --user NAME KEY')", stderr);
		break;
	case VIGIL_STATUS_PERMISSION:
		fputs("vigild refused: permission (only root may act for another user)", stderr);
		break;
	case VIGIL_STATUS_DENIED:
		fputs("enrolling a first factor yourself is closed for this account (outside the enrollment "
		      "window); ask root",
		      stderr);
		break;
	case VIGIL_STATUS_NO_PENDING:
		fputs("the enrollment expired (the key was not touched in time); start again", stderr);
		break;
	case VIGIL_STATUS_PROOF_REQUIRED:
		fputs("vigild still wants a proof; nothing changed", stderr);
		break;
	case VIGIL_STATUS_UNKNOWN_USER:
		fputs("no such user: ", stderr);
		cli_put_safe(stderr, user);
		break;
	default:
		fprintf(stderr, "vigild refused: %s", status_name(res->status));
		break;
	}
	fputc('\n', stderr);
	return CLI_EXIT_FAIL;
}

/* One request that changes keys, with the proof on the same connection:
 * 0 when vigild answered RESULT OK, else an enum cli_exit after saying why. */
static int key_change(const struct cli_opts *o, const char *what, const char *user, const char *name,
                      const struct vigil_msg *req)
{
	struct cli_conn c = {.fd = -1};
	struct vigil_msg *reply = NULL;
	int r = CLI_EXIT_FAIL, err;

	if (!(reply = cli_msg_new()))
		goto out;
	if ((err = cli_conn_open(&c, o->socket_path, o->timeout_ms)) < 0) {
		r = cli_conn_exit(err);
		goto out;
	}
	if ((r = cli_change_call(&c, req, reply, user, what)) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type != VIGIL_MSG_RESULT) {
		cli_print_unexpected(what, reply->type);
		goto out;
	}
	if (reply->u.result.status != VIGIL_STATUS_OK) {
		key_refused(what, user, name, &reply->u.result);
		goto out;
	}
	r = 0;
out:
	cli_conn_close(&c);
	cli_msg_free(reply);
	return r;
}

/* --- enroll ---------------------------------------------------------------- */

/* MakeCredential for a KEY_CHALLENGE; fills req with KEY_ENROLL_FINISH.
 * Returns 0, or CLI_EXIT_FAIL after saying why (cli_fido2_make() does). */
static int enroll_touch(const struct vigil_key_challenge *ch, struct vigil_msg *req)
{
	const char *exclude[VIGIL_KEYS_MAX];
	struct fido2_make_res res;
	struct fido2_make_req m = {
	    .rp_id = ch->rp_id,
	    .rp_name = "Vigil",
	    .user_id_b64 = ch->user_handle,
	    .user_name = ch->user,
	    .challenge_b64 = ch->challenge,
	    .exclude_b64 = exclude,
	    .n_exclude = ch->n_exclude,
	    .uv = ch->uv != 0,
	    .resident = ch->resident != 0,
	    .timeout_ms = ch->timeout ? (int)ch->timeout * 1000 : 30000,
	};
	int st;

	for (size_t i = 0; i < ch->n_exclude && i < VIGIL_KEYS_MAX; i++)
		exclude[i] = ch->exclude[i].id;
	if (m.timeout_ms > FIDO2_TIMEOUT_MAX_MS)
		m.timeout_ms = FIDO2_TIMEOUT_MAX_MS;
	if ((st = cli_fido2_make(&m, &res)) != FIDO2_OK)
		return CLI_EXIT_FAIL;
	memset(req, 0, sizeof(*req));
	req->type = VIGIL_MSG_KEY_ENROLL_FINISH;
	if (cli_field_copy(req->u.attestation.fmt, sizeof(req->u.attestation.fmt), res.fmt) < 0 ||
	    cli_field_copy(req->u.attestation.authdata, sizeof(req->u.attestation.authdata), res.authdata) < 0 ||
	    cli_field_copy(req->u.attestation.x5c, sizeof(req->u.attestation.x5c), res.x5c) < 0 ||
	    cli_field_copy(req->u.attestation.sig, sizeof(req->u.attestation.sig), res.sig) < 0) {
		fputs("vigilctl: key enroll: the security key's answer is larger than vigild accepts\n", stderr);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static int key_enroll(const struct cli_opts *o, int argc, char **argv)
{
	static const char what[] = "key enroll";
	struct cli_key_enroll_opts e;
	struct cli_conn c = {.fd = -1};
	struct vigil_msg *req = NULL, *reply = NULL;
	int r = CLI_EXIT_FAIL, err;

	if (cli_key_enroll_args(argc, argv, &e) < 0)
		return CLI_EXIT_USAGE;
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_KEY_ENROLL_BEGIN;
	snprintf(req->u.key_enroll.user, sizeof(req->u.key_enroll.user), "%s", e.user ? e.user : "");
	snprintf(req->u.key_enroll.name, sizeof(req->u.key_enroll.name), "%s", e.name ? e.name : "");
	req->u.key_enroll.uv = e.uv;
	req->u.key_enroll.resident = e.resident;
	if ((err = cli_conn_open(&c, o->socket_path, o->timeout_ms)) < 0) {
		r = cli_conn_exit(err);
		goto out;
	}
	if ((r = cli_change_call(&c, req, reply, req->u.key_enroll.user, what)) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type == VIGIL_MSG_RESULT) {
		key_refused(what, e.user ? e.user : "", e.name, &reply->u.result);
		goto out;
	}
	if (reply->type != VIGIL_MSG_KEY_CHALLENGE) {
		cli_print_unexpected(what, reply->type);
		goto out;
	}
	/* The touch may take longer than an answer: the daemon's wait, plus
	 * the time to answer. */
	if (c.timeout_ms < (int64_t)reply->u.key_challenge.timeout * 1000 + 5000)
		c.timeout_ms = (int64_t)reply->u.key_challenge.timeout * 1000 + 5000;
	if ((r = enroll_touch(&reply->u.key_challenge, req)) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if ((err = cli_conn_call(&c, req, reply)) < 0) {
		r = cli_conn_exit(err);
		goto out;
	}
	if (reply->type != VIGIL_MSG_RESULT) {
		cli_print_unexpected(what, reply->type);
		goto out;
	}
	if (reply->u.result.status != VIGIL_STATUS_OK) {
		key_refused(what, e.user ? e.user : "", e.name, &reply->u.result);
		goto out;
	}
	if (e.name) {
		fputs("Security key ", stdout);
		cli_put_safe(stdout, e.name);
		fputs(" enrolled.\n", stdout);
	} else {
		fputs("Security key enrolled (named by vigild: see 'vigilctl key list').\n", stdout);
	}
	r = cli_out_flush();
out:
	cli_conn_close(&c);
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

/* --- add-ssh --------------------------------------------------------------- */

/* Reads the first line of path ("-": stdin) into line (cap bytes with the
 * NUL).  A public key is no secret, but a private key given by mistake is:
 * nothing of the file is ever printed.  Returns 0 or CLI_EXIT_FAIL after
 * saying why. */
static int ssh_line_read(const char *path, char *line, size_t cap)
{
	size_t n = 0;
	int fd = STDIN_FILENO, r = CLI_EXIT_FAIL;
	char ch;

	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		fprintf(stderr, "vigilctl: key add-ssh: cannot open %s: %s\n", path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	for (;;) {
		ssize_t k = read(fd, &ch, 1);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fprintf(stderr, "vigilctl: key add-ssh: cannot read %s: %s\n", path, strerror(errno));
			goto out;
		}
		if (k == 0 || ch == '\n')
			break;
		if (n + 1 >= cap) {
			fprintf(stderr, "vigilctl: key add-ssh: the first line of %s is longer than %zu bytes\n", path,
			        cap - 1);
			goto out;
		}
		line[n++] = ch;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	if (n == 0) {
		fprintf(stderr, "vigilctl: key add-ssh: no public key in %s\n", path);
		goto out;
	}
	if (strstr(line, "PRIVATE KEY")) {
		fprintf(stderr, "vigilctl: key add-ssh: %s is a private key; give the .pub file\n", path);
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		wipe(line, cap);
	if (fd != STDIN_FILENO)
		close(fd);
	return r;
}

static int key_add_ssh(const struct cli_opts *o, int argc, char **argv)
{
	static const char u[] = "vigilctl key add-ssh [--user NAME] [--name NAME] FILE|-";
	static const struct option options[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"name", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	struct vigil_msg *req = NULL;
	const char *user = "", *name = NULL;
	int r = CLI_EXIT_FAIL, opt;

	while ((opt = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (opt == 'u' && cli_check_user(optarg) == 0)
			user = optarg;
		else if (opt == 'n' && !name && check_name(optarg) == 0)
			name = optarg;
		else
			return usage(u);
	}
	if (optind + 1 != argc)
		return usage(u);
	if (!(req = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_KEY_ADD_SSH;
	snprintf(req->u.ssh_key.user, sizeof(req->u.ssh_key.user), "%s", user);
	snprintf(req->u.ssh_key.name, sizeof(req->u.ssh_key.name), "%s", name ? name : "");
	if ((r = ssh_line_read(argv[optind], req->u.ssh_key.line, sizeof(req->u.ssh_key.line))) != 0)
		goto out;
	if ((r = key_change(o, "key add-ssh", user, name, req)) != 0)
		goto out;
	fputs("OpenSSH security key ", stdout);
	cli_put_safe(stdout, name ? name : "(named by vigild: see 'vigilctl key list')");
	fputs(" added.\n", stdout);
	r = cli_out_flush();
out:
	cli_msg_free(req);
	return r;
}

/* --- list ------------------------------------------------------------------ */

static const char *key_type_name(uint8_t type)
{
	return type == VIGIL_FACTOR_SSH_SK ? "ssh-sk" : type == VIGIL_FACTOR_FIDO2 ? "fido2" : "unknown";
}

static int list_print(const struct vigil_key_list *l)
{
	char t1[CLI_TIME_MAX], t2[CLI_TIME_MAX];

	fputs("keys of ", stdout);
	cli_put_safe(stdout, l->user);
	fputs(":\n", stdout);
	if (l->n_keys == 0)
		fputs("  none\n", stdout);
	for (size_t i = 0; i < l->n_keys && i < VIGIL_KEYS_MAX; i++) {
		const struct vigil_key_info *k = &l->keys[i];

		fputs("  ", stdout);
		cli_put_safe(stdout, k->name);
		printf("  %s  id ", key_type_name(k->type));
		cli_put_safe(stdout, k->id_hash);
		printf("\n    created %s, last used %s", cli_time_str(k->created, t1, sizeof(t1)),
		       cli_time_str(k->last_used, t2, sizeof(t2)));
		if (k->type == VIGIL_FACTOR_FIDO2)
			printf(", counter %u", (unsigned)k->sign_count);
		if (k->flags & VIGIL_KEY_FLAG_UV)
			fputs(", uv", stdout);
		if (k->flags & VIGIL_KEY_FLAG_RESIDENT)
			fputs(", resident", stdout);
		if (k->flags & VIGIL_KEY_FLAG_ZERO_COUNTER)
			fputs(", no counter", stdout);
		fputc('\n', stdout);
		if (k->flags & VIGIL_KEY_FLAG_CLONED)
			fputs("    RETIRED: cloned (its signature counter went back: it no longer proves anything; "
			      "remove it)\n",
			      stdout);
	}
	printf("recovery codes: %u unused\n", (unsigned)l->recovery_left);
	return cli_out_flush();
}

static int list_json(const struct vigil_key_list *l)
{
	struct json j;

	json_begin(&j, stdout);
	json_object_begin(&j, NULL);
	json_str(&j, "user", l->user);
	json_array_begin(&j, "keys");
	for (size_t i = 0; i < l->n_keys && i < VIGIL_KEYS_MAX; i++) {
		const struct vigil_key_info *k = &l->keys[i];

		json_object_begin(&j, NULL);
		json_str(&j, "name", k->name);
		json_str(&j, "type", key_type_name(k->type));
		json_str(&j, "id", k->id_hash);
		json_time(&j, "created", k->created);
		json_time(&j, "last_used", k->last_used);
		json_u64(&j, "counter", k->sign_count);
		json_bool(&j, "uv", k->flags & VIGIL_KEY_FLAG_UV);
		json_bool(&j, "resident", k->flags & VIGIL_KEY_FLAG_RESIDENT);
		json_bool(&j, "zero_counter", k->flags & VIGIL_KEY_FLAG_ZERO_COUNTER);
		json_bool(&j, "cloned", k->flags & VIGIL_KEY_FLAG_CLONED);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_u64(&j, "recovery_left", l->recovery_left);
	json_object_end(&j);
	return cli_json_done(&j);
}

static int key_list(const struct cli_opts *o, int argc, char **argv)
{
	static const struct option options[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *user = "";
	int r = CLI_EXIT_FAIL, json = 0, opt;

	while ((opt = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (opt == 'j')
			json = 1;
		else if (opt == 'u' && cli_check_user(optarg) == 0)
			user = optarg;
		else
			return usage("vigilctl key list [--user NAME] [--json]");
	}
	if (optind != argc)
		return usage("vigilctl key list [--user NAME] [--json]");
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_KEY_LIST;
	snprintf(req->u.user.user, sizeof(req->u.user.user), "%s", user);
	if ((r = cli_request(o->socket_path, o->timeout_ms, req, reply)) != 0)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type == VIGIL_MSG_RESULT) {
		key_refused("key list", user, NULL, &reply->u.result);
		goto out;
	}
	if (reply->type != VIGIL_MSG_KEY_LIST_REPLY) {
		cli_print_unexpected("key list", reply->type);
		goto out;
	}
	r = json ? list_json(&reply->u.keys) : list_print(&reply->u.keys);
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

/* --- rename, remove ---------------------------------------------------------- */

/* rename OLD NEW (new_name) or remove NAME (!new_name). */
static int key_edit(const struct cli_opts *o, int argc, char **argv, bool rename)
{
	const char *u = rename ? "vigilctl key rename [--user NAME] OLD NEW" : "vigilctl key remove [--user NAME] NAME";
	static const struct option options[] = {
	    {"user", required_argument, NULL, 'u'},
	    {NULL, 0, NULL, 0},
	};
	struct vigil_msg *req = NULL;
	const char *user = "";
	int r = CLI_EXIT_FAIL, opt;

	while ((opt = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		if (opt == 'u' && cli_check_user(optarg) == 0)
			user = optarg;
		else
			return usage(u);
	}
	if (argc - optind != (rename ? 2 : 1) || check_name(argv[optind]) < 0 ||
	    (rename && check_name(argv[optind + 1]) < 0))
		return usage(u);
	if (!(req = cli_msg_new()))
		goto out;
	req->type = rename ? VIGIL_MSG_KEY_RENAME : VIGIL_MSG_KEY_REMOVE;
	snprintf(req->u.key.user, sizeof(req->u.key.user), "%s", user);
	snprintf(req->u.key.name, sizeof(req->u.key.name), "%s", argv[optind]);
	if (rename)
		snprintf(req->u.key.new_name, sizeof(req->u.key.new_name), "%s", argv[optind + 1]);
	if ((r = key_change(o, rename ? "key rename" : "key remove", user, argv[optind], req)) != 0)
		goto out;
	fputs("Key ", stdout);
	cli_put_safe(stdout, argv[optind]);
	if (rename) {
		fputs(" renamed to ", stdout);
		cli_put_safe(stdout, argv[optind + 1]);
		fputs(".\n", stdout);
	} else {
		fputs(" removed.\n", stdout);
	}
	r = cli_out_flush();
out:
	cli_msg_free(req);
	return r;
}

int verb_key(const struct cli_opts *o, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";

	/* The subcommand's own options parse from argv[1] on. */
	argc--;
	argv++;
	optind = 0;
	if (strcmp(sub, "enroll") == 0)
		return key_enroll(o, argc, argv);
	if (strcmp(sub, "add-ssh") == 0)
		return key_add_ssh(o, argc, argv);
	if (strcmp(sub, "list") == 0)
		return key_list(o, argc, argv);
	if (strcmp(sub, "rename") == 0)
		return key_edit(o, argc, argv, true);
	if (strcmp(sub, "remove") == 0)
		return key_edit(o, argc, argv, false);
	return usage(KEY_USAGE);
}

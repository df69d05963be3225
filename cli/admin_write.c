/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin verbs that change state or analyse decisions, each one request
 * on the admin socket: `factor remove`, `device forget`, `source forget`,
 * `explain`, `simulate` and `reload`.  vigild decides whether the caller
 * may (root, from SO_PEERCRED); this program only checks its command line
 * and prints the answer.  Strings in an answer (hosts, fingerprints, the
 * parser's error) may come from an attacker's login attempt or a file, and
 * are printed through cli_put_safe().  A public key file for `simulate
 * --key` is read here and handed to vigild, which derives the device
 * fingerprint exactly as it does from sshd's SSH_AUTH_INFO_0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "proto.h"

/* An OpenSSH public key line is a few hundred bytes (RSA 16384: ~3 KiB). */
#define KEY_FILE_MAX 16384

static int usage(const char *text)
{
	fprintf(stderr, "vigilctl: usage: %s\nTry 'vigilctl --help'.\n", text);
	return CLI_EXIT_USAGE;
}

/* Sends req on the admin socket, the answer in reply: CLI_EXIT_OK, or
 * CLI_EXIT_UNREACHABLE after an error on stderr. */
static int admin_call(const struct cli_opts *o, const struct vigil_msg *req, struct vigil_msg *reply)
{
	struct cli_conn c = {.fd = -1};
	int r = CLI_EXIT_OK;

	if (cli_conn_open(&c, o->admin_socket_path, o->timeout_ms) < 0 || cli_conn_call(&c, req, reply) < 0)
		r = CLI_EXIT_UNREACHABLE;
	cli_conn_close(&c);
	return r;
}

/* The refusals every verb shares; returns CLI_EXIT_FAIL. */
static int refused(const char *what, uint16_t status)
{
	cli_print_status(what, status, status == VIGIL_STATUS_PERMISSION ? "the admin socket is for root" : NULL);
	return CLI_EXIT_FAIL;
}

/* ---- factor remove, device forget, source forget ---- */

struct change_verb {
	const char *name;  /* "factor remove" */
	const char *usage; /* after "vigilctl " */
	const char *noun;  /* "TOTP factor", "device", "source" */
	const char *done;  /* "Removed", "Forgot" */
	uint8_t type;      /* request */
	size_t target_max; /* its limit */
};

static const struct change_verb change_verbs[] = {
    {"factor remove", "factor remove --user NAME totp|recovery|key:NAME", "factor", "Removed",
     VIGIL_MSG_ADMIN_FACTOR_REMOVE, VIGIL_TARGET_MAX},
    {"device forget", "device forget --user NAME FINGERPRINT", "device", "Forgot", VIGIL_MSG_ADMIN_DEVICE_FORGET,
     VIGIL_FINGERPRINT_MAX},
    {"source forget", "source forget --user NAME ADDR", "source", "Forgot", VIGIL_MSG_ADMIN_SOURCE_FORGET,
     VIGIL_ADDR_MAX},
};

/* factor remove's targets: "totp", "recovery", "key:NAME". */
static bool factor_target_ok(const char *t)
{
	if (strcmp(t, "totp") == 0 || strcmp(t, "recovery") == 0)
		return true;
	return strncmp(t, "key:", 4) == 0 && t[4] && strlen(t + 4) <= VIGIL_KEY_NAME_MAX;
}

/* The target for people: "TOTP factor", "recovery codes", "key NAME",
 * "device FP", "source ADDR". */
static void factor_target_put(FILE *f, const struct change_verb *v, const char *target)
{
	if (v->type != VIGIL_MSG_ADMIN_FACTOR_REMOVE) {
		fprintf(f, "%s ", v->noun);
		cli_put_safe(f, target);
	} else if (strcmp(target, "totp") == 0) {
		fputs("TOTP factor", f);
	} else if (strcmp(target, "recovery") == 0) {
		fputs("recovery codes", f);
	} else {
		fputs("key ", f);
		cli_put_safe(f, target + 4);
	}
}

static int change_run(const struct cli_opts *o, const struct change_verb *v, int argc, char **argv)
{
	static const struct option options[] = {
	    {"user", required_argument, NULL, 'u'},
	    {NULL, 0, NULL, 0},
	};
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *user = NULL, *target;
	int opt, r = CLI_EXIT_FAIL;

	while ((opt = getopt_long(argc, argv, "u:", options, NULL)) != -1) {
		if (opt != 'u' || cli_check_user(optarg) < 0)
			return usage(v->usage);
		user = optarg;
	}
	if (!user || optind != argc - 1)
		return usage(v->usage);
	target = argv[optind];
	if (!target[0] || strlen(target) > v->target_max)
		return usage(v->usage);
	if (v->type == VIGIL_MSG_ADMIN_FACTOR_REMOVE && !factor_target_ok(target)) {
		fputs("vigilctl: factor remove: unknown factor '", stderr);
		cli_put_safe(stderr, target);
		fputs("' (known: totp, recovery, key:NAME)\n", stderr);
		return CLI_EXIT_USAGE;
	}

	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = v->type;
	strcpy(req->u.target.user, user); /* lengths checked above */
	strcpy(req->u.target.target, target);
	if ((r = admin_call(o, req, reply)) != CLI_EXIT_OK)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type != VIGIL_MSG_RESULT) {
		cli_print_unexpected(v->name, reply->type);
		goto out;
	}
	switch (reply->u.result.status) {
	case VIGIL_STATUS_OK:
		printf("%s ", v->done);
		factor_target_put(stdout, v, target);
		fputs(" of ", stdout);
		cli_put_safe(stdout, user);
		puts(v->type == VIGIL_MSG_ADMIN_FACTOR_REMOVE ? "; they can enroll again." : ".");
		r = CLI_EXIT_OK;
		break;
	case VIGIL_STATUS_NOT_FOUND:
		fprintf(stderr, "vigilctl: %s: no such ", v->name);
		factor_target_put(stderr, v, target);
		fputs(" known for user ", stderr);
		cli_put_safe(stderr, user);
		fputs("\n", stderr);
		break;
	case VIGIL_STATUS_NOT_ENROLLED:
		fprintf(stderr, "vigilctl: %s: ", v->name);
		cli_put_safe(stderr, user);
		fputs(" has no ", stderr);
		factor_target_put(stderr, v, target);
		fputc('\n', stderr);
		break;
	default:
		cli_refused(v->name, user, reply->u.result.status,
		            reply->u.result.status == VIGIL_STATUS_PERMISSION ? "the admin socket is for root" : NULL);
		break;
	}
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

/* `vigilctl NOUN VERB ...`: argv[0] is the noun. */
static int change_verb(const struct cli_opts *o, const char *name, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(change_verbs) / sizeof(change_verbs[0]); i++) {
		const struct change_verb *v = &change_verbs[i];
		size_t n = strlen(argv[0]);

		if (strncmp(v->name, argv[0], n) != 0 || v->name[n] != ' ')
			continue;
		if (argc < 2 || strcmp(argv[1], v->name + n + 1) != 0)
			return usage(v->usage);
		return change_run(o, v, argc - 1, argv + 1);
	}
	fprintf(stderr, "vigilctl: unknown command '%s'\n", name);
	return CLI_EXIT_USAGE;
}

int verb_factor(const struct cli_opts *o, int argc, char **argv)
{
	return change_verb(o, "factor", argc, argv);
}

int verb_device(const struct cli_opts *o, int argc, char **argv)
{
	return change_verb(o, "device", argc, argv);
}

int verb_source(const struct cli_opts *o, int argc, char **argv)
{
	return change_verb(o, "source", argc, argv);
}

/* ---- explain, simulate ---- */

static const char *verdict_name(uint8_t v)
{
	switch (v) {
	case VIGIL_VERDICT_ALLOW:
		return "allow";
	case VIGIL_VERDICT_STEPUP:
		return "stepup";
	case VIGIL_VERDICT_DENY:
		return "deny";
	case VIGIL_VERDICT_ENROLL:
		return "enroll";
	case VIGIL_VERDICT_ALLOW_NO_FACTOR:
		return "allow_no_factor";
	default:
		return "unknown";
	}
}

/* SIMULATE's outcome 0: decided only once a code is answered. */
static const char *explain_outcome(uint8_t o)
{
	return o == 0 ? "pending_stepup" : outcome_name(o);
}

static void put_field(const char *key, const char *value)
{
	printf("%-10s ", key);
	cli_put_safe(stdout, value[0] ? value : "-");
	putchar('\n');
}

/* One "key: value" a line, for people and for scripts (stable keys). */
static void print_explanation(const struct vigil_explanation *e)
{
	char sig[256], when[64];
	time_t t = (time_t)e->time;
	struct tm tm;
	uint64_t sum = 0;

	if (e->login_id[0])
		put_field("login:", e->login_id);
	if (localtime_r(&t, &tm) && strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm) > 0)
		printf("%-10s %s\n", "time:", when);
	put_field("user:", e->user);
	put_field("service:", e->service);
	put_field("source:", e->source);
	put_field("device:", e->device);
	printf("%-10s %s%s\n", "decision:", verdict_name(e->verdict),
	       e->shadow == VIGIL_MODE_LEARN ? " (learn mode: allowed, and learned from)"
	       : e->shadow                   ? " (shadow mode: allowed)"
	                                     : "");
	printf("%-10s %s\n", "outcome:", explain_outcome(e->outcome));
	/* As the decision record says it: allows and step-ups have one too. */
	printf("%-10s %s\n", "reason:", e->record_reason[0] ? e->record_reason : reason_name(e->reason));
	printf("%-10s %" PRIu32 "\n", "score:", e->score);
	(void)signals_format(e->signals, sig, sizeof(sig));
	printf("%-10s %s\n", "signals:", sig[0] ? sig : "-");
	for (unsigned i = 0; i < VIGIL_SIGNAL_COUNT; i++) {
		if (!(e->signals & (1U << i)))
			continue;
		printf("  %-16s +%" PRIu32 "\n", signal_name(1U << i), e->points[i]);
		sum += e->points[i];
	}
	if (sum != e->score)
		printf("  (under the configuration running now these add up to %" PRIu64 ", not %" PRIu32
		       ": the weights changed since)\n",
		       sum, e->score);
	printf("%-10s stepup_at %" PRIu32 ", deny_at %" PRIu32, "thresholds:", e->stepup_at, e->deny_at);
	if (e->fresh_window)
		printf(", fresh_window %" PRIu32 " s (privileged service)", e->fresh_window);
	putchar('\n');
	put_field("rule:", e->rule);
}

/* The same, as one JSON document (fields in vigilctl(1)). */
static int json_explanation(const struct vigil_explanation *e)
{
	struct json j = {0};

	json_begin(&j, stdout);
	json_object_begin(&j, NULL);
	json_str(&j, "login_id", e->login_id[0] ? e->login_id : NULL);
	json_time(&j, "time", e->time);
	json_str(&j, "user", e->user);
	json_str(&j, "service", e->service);
	json_str(&j, "source", e->source[0] ? e->source : NULL);
	json_str(&j, "device", e->device[0] ? e->device : NULL);
	json_str(&j, "decision", verdict_name(e->verdict));
	json_bool(&j, "shadow", e->shadow == VIGIL_MODE_SHADOW);
	json_str(&j, "mode", e->shadow == VIGIL_MODE_LEARN ? "learn" : e->shadow ? "shadow" : NULL);
	json_str(&j, "outcome", explain_outcome(e->outcome));
	json_str(&j, "reason", e->record_reason[0] ? e->record_reason : reason_name(e->reason));
	json_u64(&j, "score", e->score);
	json_signals(&j, "signals", e->signals);
	json_object_begin(&j, "points");
	for (unsigned i = 0; i < VIGIL_SIGNAL_COUNT; i++)
		json_u64(&j, signal_name(1U << i), e->points[i]);
	json_object_end(&j);
	json_u64(&j, "stepup_at", e->stepup_at);
	json_u64(&j, "deny_at", e->deny_at);
	json_u64(&j, "fresh_window", e->fresh_window);
	json_str(&j, "rule", e->rule);
	json_object_end(&j);
	if (json_end(&j) < 0) {
		fputs("vigilctl: cannot write the JSON document\n", stderr);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

/* Prints an EXPLANATION (as JSON with json), or the refusal in its place. */
static int explanation_show(const char *what, const struct vigil_msg *reply, int json)
{
	if (reply->type == VIGIL_MSG_EXPLANATION) {
		if (json)
			return json_explanation(&reply->u.explain);
		print_explanation(&reply->u.explain);
		return CLI_EXIT_OK;
	}
	if (reply->type != VIGIL_MSG_RESULT) {
		cli_print_unexpected(what, reply->type);
		return CLI_EXIT_FAIL;
	}
	if (reply->u.result.status == VIGIL_STATUS_UNKNOWN_LOGIN) {
		fprintf(stderr, "vigilctl: %s: no such login (unknown id, or pruned from the history)\n", what);
		return CLI_EXIT_FAIL;
	}
	return refused(what, reply->u.result.status);
}

int verb_explain(const struct cli_opts *o, int argc, char **argv)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	const char *id = NULL;
	int json = 0, r = CLI_EXIT_FAIL;

	/* LOGIN_ID and --json, in either order. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && !json)
			json = 1;
		else if (argv[i][0] != '-' && !id && strlen(argv[i]) <= VIGIL_LOGIN_ID_MAX)
			id = argv[i];
		else
			return usage("vigilctl explain LOGIN_ID [--json]");
	}
	if (!id)
		return usage("vigilctl explain LOGIN_ID [--json]");
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_ADMIN_EXPLAIN;
	strcpy(req->u.target.target, id);
	if ((r = admin_call(o, req, reply)) == CLI_EXIT_OK)
		r = explanation_show("explain", reply, json);
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

/* Reads the first key of an OpenSSH public key file ("TYPE BASE64
 * [COMMENT]") into out as sshd's SSH_AUTH_INFO_0 line says it:
 * "publickey TYPE BASE64\n".  0, or -1 after an error on stderr. */
static int key_read(const char *path, char *out, size_t cap)
{
	char buf[KEY_FILE_MAX + 1], *type, *blob, *save = NULL;
	struct stat st;
	ssize_t n;
	int fd, r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "vigilctl: simulate: cannot read the key %s: %s\n", path,
		        fd < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0 || n > KEY_FILE_MAX) {
		fprintf(stderr, "vigilctl: simulate: cannot read the key %s: %s\n", path,
		        n < 0 ? strerror(errno) : "too large for a public key");
		goto out;
	}
	buf[n] = '\0';
	type = strtok_r(buf, " \t\r\n", &save);
	blob = type ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	if (!blob || strncmp(blob, "AAAA", 4) != 0 ||
	    strspn(type, "abcdefghijklmnopqrstuvwxyz0123456789-@.") != strlen(type)) {
		fprintf(stderr, "vigilctl: simulate: %s is not an OpenSSH public key (TYPE BASE64 [COMMENT])\n", path);
		goto out;
	}
	if ((size_t)snprintf(out, cap, "publickey %s %s\n", type, blob) >= cap) {
		fprintf(stderr, "vigilctl: simulate: the key in %s is too long\n", path);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* Copies an option's value into a request field of cap bytes. */
static int field_set(char *field, size_t cap, const char *value, const char *name)
{
	if (strlen(value) >= cap) {
		fprintf(stderr, "vigilctl: simulate: %s is longer than %zu bytes\n", name, cap - 1);
		return -1;
	}
	strcpy(field, value);
	return 0;
}

int verb_simulate(const struct cli_opts *o, int argc, char **argv)
{
	static const char text[] = "vigilctl simulate --user NAME --service NAME [--rhost ADDR] [--key FILE] "
	                           "[--tty TTY] [--json]";
	static const struct option options[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"service", required_argument, NULL, 's'},
	    {"rhost", required_argument, NULL, 'r'},
	    {"key", required_argument, NULL, 'k'},
	    {"tty", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0},
	};
	struct vigil_msg *req = NULL, *reply = NULL;
	struct vigil_login_request *l;
	const char *key = NULL, *tty = NULL;
	int opt, json = 0, r = CLI_EXIT_FAIL;

	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_ADMIN_SIMULATE;
	l = &req->u.login;
	while ((opt = getopt_long(argc, argv, "u:s:r:k:t:", options, NULL)) != -1) {
		int bad = 0;

		switch (opt) {
		case 'u':
			bad = cli_check_user(optarg) < 0 || field_set(l->user, sizeof(l->user), optarg, "--user") < 0;
			break;
		case 's':
			bad = !optarg[0] || field_set(l->service, sizeof(l->service), optarg, "--service") < 0;
			break;
		case 'r':
			bad = field_set(l->rhost, sizeof(l->rhost), optarg, "--rhost") < 0;
			break;
		case 'k':
			key = optarg;
			break;
		case 't':
			tty = optarg;
			bad = field_set(l->tty, sizeof(l->tty), optarg, "--tty") < 0;
			break;
		case 'j':
			json = 1;
			break;
		default:
			bad = 1;
			break;
		}
		if (bad) {
			r = usage(text);
			goto out;
		}
	}
	if (optind != argc || !l->user[0] || !l->service[0]) {
		r = usage(text);
		goto out;
	}
	/* sshd always says PAM_TTY=ssh, and vigild takes the key only then. */
	if (!tty && (key || strcmp(l->service, "sshd") == 0))
		strcpy(l->tty, "ssh");
	if (key && key_read(key, l->ssh_auth_info, sizeof(l->ssh_auth_info)) < 0) {
		r = CLI_EXIT_USAGE;
		goto out;
	}
	if ((r = admin_call(o, req, reply)) == CLI_EXIT_OK)
		r = explanation_show("simulate", reply, json);
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}

/* ---- reload ---- */

int verb_reload(const struct cli_opts *o, int argc, char **argv)
{
	struct vigil_msg *req = NULL, *reply = NULL;
	int r = CLI_EXIT_FAIL;

	int json = argc == 2 && strcmp(argv[1], "--json") == 0;
	struct json j = {0};

	if (argc != 1 && !json)
		return usage("vigilctl reload [--json]");
	if (!(req = cli_msg_new()) || !(reply = cli_msg_new()))
		goto out;
	req->type = VIGIL_MSG_ADMIN_RELOAD;
	if ((r = admin_call(o, req, reply)) != CLI_EXIT_OK)
		goto out;
	r = CLI_EXIT_FAIL;
	if (reply->type == VIGIL_MSG_RESULT) {
		refused("reload", reply->u.result.status);
	} else if (reply->type != VIGIL_MSG_RELOAD_RESULT) {
		cli_print_unexpected("reload", reply->type);
	} else if (json) {
		/* {"reloaded": bool, "error": "FILE:LINE: why" or null} */
		json_begin(&j, stdout);
		json_object_begin(&j, NULL);
		json_bool(&j, "reloaded", reply->u.reload.status == VIGIL_STATUS_OK);
		json_str(&j, "error",
		         reply->u.reload.status == VIGIL_STATUS_OK ? NULL
		         : reply->u.reload.message[0]              ? reply->u.reload.message
		                                                   : status_name(reply->u.reload.status));
		json_object_end(&j);
		if (json_end(&j) < 0)
			fputs("vigilctl: cannot write the JSON document\n", stderr);
		else if (reply->u.reload.status == VIGIL_STATUS_OK)
			r = CLI_EXIT_OK;
	} else if (reply->u.reload.status != VIGIL_STATUS_OK) {
		fputs("vigilctl: reload: the configuration was refused; the previous one stays in force: ", stderr);
		cli_put_safe(stderr, reply->u.reload.message[0] ? reply->u.reload.message
		                                                : status_name(reply->u.reload.status));
		fputs("\n", stderr);
	} else {
		puts("Configuration reloaded.");
		r = CLI_EXIT_OK;
	}
out:
	cli_msg_free(req);
	cli_msg_free(reply);
	return r;
}
